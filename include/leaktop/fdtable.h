/*
 * File descriptor tables: which process holds which socket.  The owner
 * census reads /proc/PID/fd links ("socket:[INODE]") of every process (or of
 * the -p processes) under a procfs root, so tests can feed fixture trees.
 */
#ifndef LEAKTOP_FDTABLE_H
#define LEAKTOP_FDTABLE_H

#include <stddef.h>
#include <stdint.h>
#include "leaktop/common.h"

struct fd_owner {
	uint64_t inode;		/* socket inode */
	int32_t pid;
	int32_t fd;
};

struct fd_proc {
	int32_t pid;
	int32_t nfds;		/* fds seen, -1 when the fd dir was refused */
	int32_t nsockets;	/* socket fds seen */
	char comm[64];		/* raw bytes of /proc/PID/comm, untrusted */
};

/* Owners sorted by (inode, pid, fd); processes sorted by pid.  Everything
 * belongs to the census; fdtable_census_free() releases it. */
struct fd_census {
	struct fd_owner *owners;
	size_t nowners, capowners;
	struct fd_proc *procs;
	size_t nprocs, capprocs;
	int hidden_procs;	/* processes whose fd dir was refused (not root) */
};

/*
 * Scan procroot/PID/fd for every numeric PID, or only for pids[0..npids-1]
 * when npids > 0.  Processes and fds that vanish mid-scan are skipped;
 * refused ones are counted in hidden_procs (and listed with nfds -1).
 * Returns 0, or -errno with err set when procroot cannot be listed.
 */
int fdtable_census(const char *procroot, const int *pids, size_t npids,
		   struct fd_census *out, struct lt_err *err);
void fdtable_census_free(struct fd_census *c);

/* The owners of inode (a run of *count entries), or NULL if none.  The
 * pointer stays valid until the census is freed. */
const struct fd_owner *fdtable_census_owners(const struct fd_census *c,
					     uint64_t inode, size_t *count);
/* The process entry of pid, or NULL. */
const struct fd_proc *fdtable_census_proc(const struct fd_census *c, int pid);

/* Parse a /proc/PID/fd link target "socket:[12345]"; 0 and *inode, or -1. */
int fdtable_socket_inode(const char *target, uint64_t *inode);

#endif
