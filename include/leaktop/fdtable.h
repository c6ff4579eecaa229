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
#include "leaktop/socket.h"

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
 * Returns 0, or -errno with err set when procroot cannot be listed, memory
 * runs out, or fds run out (-EMFILE/-ENFILE: owners would go missing).
 */
int fdtable_census(const char *procroot, const int *pids, size_t npids,
		   struct fd_census *out, struct lt_err *err);
void fdtable_census_free(struct fd_census *c);

/*
 * The owner census kept between samples, so a refresh does not read every
 * fd link of every process again.  A process is read in full when it is
 * new, its identity (pid, start ticks from /proc/PID/stat) changed, its fd
 * count (stat of /proc/PID/fd: st_size, 6.2+) or the dir's mtime changed,
 * one of its cached socket fds no longer holds the inode the cache says
 * (checked by readlink for every cached inode absent from the dump, so a
 * reused fd never passes for a ghost), or its periodic rescan is due (every
 * rescan_every censuses, staggered by pid).  Between rescans a process that
 * swapped one socket for another at an unchanged fd count keeps its old
 * owner entries: the new socket shows no owner yet, the old one (if it lives
 * on elsewhere) a stale owner.  On a procfs without fd counts (before 6.2)
 * nothing is cached.
 */
#define FDTABLE_RESCAN_EVERY	10

struct fdtable_cache;

struct fdtable_cache_stats {
	size_t reused;		/* processes taken from the cache by the last census */
	size_t scanned;		/* processes read in full (and cached) */
};

/* rescan_every 0: FDTABLE_RESCAN_EVERY.  NULL on -ENOMEM. */
struct fdtable_cache *fdtable_cache_new(unsigned rescan_every);
void fdtable_cache_free(struct fdtable_cache *c);
void fdtable_cache_get_stats(const struct fdtable_cache *c, struct fdtable_cache_stats *st);
/* Whether the last fdtable_census_cached's socks held this inode (its
 * index of them); -1 when it was given no socks. */
int fdtable_cache_has(const struct fdtable_cache *c, uint64_t ino);

/*
 * fdtable_census through cache (NULL: read everything, as fdtable_census).
 * socks is this sample's dump (NULL: cached sockets are not checked against
 * it; pass it whenever ghosts are counted).  On failure the cache forgets
 * everything and the next census reads in full.  out as fdtable_census.
 */
int fdtable_census_cached(struct fdtable_cache *cache, const char *procroot,
			  const int *pids, size_t npids, const struct ltsock_vec *socks,
			  struct fd_census *out, struct lt_err *err);

/*
 * The same over the processes of known (this sample's process list, in
 * pid order; pids and npids are then ignored): their identity (start ticks,
 * comm) is taken from the list instead of read again, and each fd dir is
 * reached through procroot.  A process not in known is not scanned.
 */
struct proc_list;
int fdtable_census_known(struct fdtable_cache *cache, const char *procroot,
			 const int *pids, size_t npids, const struct proc_list *known,
			 const struct ltsock_vec *socks, struct fd_census *out,
			 struct lt_err *err);

/* Put owners (by inode, pid, fd) and processes (by pid) in the order
 * fdtable_census_owners() and fdtable_census_proc() need, for a census
 * filled from elsewhere (the BPF task iterator: core/ltbpf_owners.c). */
void fdtable_census_sort(struct fd_census *c);

/*
 * The owners of this sample came from elsewhere: cache forgets every
 * process it kept and indexes socks for fdtable_cache_has(), as a census
 * through it would have.  0, or -ENOMEM (then it has no index: -1).
 */
int fdtable_cache_index(struct fdtable_cache *cache, const struct ltsock_vec *socks);

/* The owners of inode (a run of *count entries), or NULL if none.  The
 * pointer stays valid until the census is freed. */
const struct fd_owner *fdtable_census_owners(const struct fd_census *c,
					     uint64_t inode, size_t *count);
/* The process entry of pid, or NULL. */
const struct fd_proc *fdtable_census_proc(const struct fd_census *c, int pid);

/* Parse a /proc/PID/fd link target "socket:[12345]"; 0 and *inode, or -1. */
int fdtable_socket_inode(const char *target, uint64_t *inode);

/* Read the system.sockprotoname xattr of procroot/PID/fd/FD ("TCPv6"),
 * as lsof does; 0, or -errno. */
int fdtable_sockproto(const char *procroot, int pid, int fd, char *out, size_t outsz);
/* Is a socket of this sockprotoname in the families leaktop dumps (so one
 * that no dump lists is a ghost)?  PING, SCTP, VSOCK... are not. */
int fdtable_sockproto_dumped(const char *proto);

/* ---- one process's full fd table (drill-down, -p) ---------------------- */

enum fd_kind {
	FD_FILE, FD_DIR, FD_PIPE, FD_SOCKET, FD_DEVICE, FD_DELETED, FD_MEMFD,
	FD_EVENTFD, FD_EPOLL, FD_TIMERFD, FD_SIGNALFD, FD_INOTIFY, FD_FANOTIFY,
	FD_PIDFD, FD_ANON, FD_OTHER,
	FD_NKINDS
};

enum fd_ghost {
	FD_GHOST_NO = 0,	/* a socket some dump lists, or not a socket */
	FD_GHOST_YES = 1,	/* a socket no namespace's dump or table lists */
	FD_GHOST_UNKNOWN = 2,	/* the census was incomplete: cannot tell */
};

struct fd_entry {
	int32_t fd;
	uint8_t kind;		/* enum fd_kind */
	uint8_t ghost;		/* enum fd_ghost */
	char *target;		/* link target, untrusted; owned by the table */
	uint64_t inode;		/* sockets, pipes, anon inodes: the inode */
	uint64_t pos;		/* fdinfo pos */
	uint32_t flags;		/* fdinfo flags (octal in the file) */
	char sockproto[24];	/* system.sockprotoname xattr ("TCPv6"), "" */
	double ghost_age;	/* seconds since first seen as a ghost */
	int32_t sock;		/* index into the sample's socks, -1 none */
};

struct fd_table {
	int32_t pid;
	int hidden;		/* the fd dir was refused */
	struct fd_entry *v;	/* sorted by fd */
	size_t n, cap;
};

/* Read pid's fd table under procroot: links, fdinfo, kinds, and for sockets
 * the sockprotoname xattr.  Ghost marks and sock indexes are left for the
 * caller (sample_fdtable joins them with the census).  Vanished fds are
 * skipped; a refused dir gives hidden = 1 and 0.  -ESRCH if pid is gone. */
int fdtable_read(const char *procroot, int pid, struct fd_table *out,
		 struct lt_err *err);
void fdtable_free(struct fd_table *t);
/* "file", "dir", "pipe", "socket", "device", "deleted", "memfd", "eventfd",
 * "eventpoll", "timerfd", "signalfd", "inotify", "fanotify", "pidfd",
 * "anon", "other". */
const char *fdtable_kind_name(enum fd_kind k);
/* Classify a link target ("anon_inode:[eventfd]", "/memfd:x (deleted)"). */
enum fd_kind fdtable_classify(const char *target, int is_dir, int is_chr_or_blk);

#endif
