/*
 * Processes: identity (through libproc2 on the live /proc), fd counts and
 * limits, PSS (slow cadence), and what the census says they hold (sockets,
 * ghost sockets, queued bytes), with fd/ghost growth from the history.
 *
 * A struct proc_list owns its entries and their cmdline strings;
 * procs_list_free() releases them.  Text fields are raw bytes from the
 * inspected machine: sanitise before display.
 */
#ifndef LEAKTOP_PROCS_H
#define LEAKTOP_PROCS_H

#include <stddef.h>
#include <stdint.h>
#include "leaktop/common.h"

#define PROC_HIDDEN_FDS		0x01	/* fd table links refused (not root);
					 * the count may still be known */
#define PROC_HIDDEN_PSS		0x02	/* smaps_rollup refused */
#define PROC_HIDDEN_LIMITS	0x04	/* /proc/PID/limits refused */

struct proc_info {
	int32_t pid, ppid;
	uint32_t uid;
	char user[32];
	char comm[64];
	char *cmdline;		/* args joined by spaces; NULL if unknown */
	uint64_t start_ticks;	/* field 22 of /proc/PID/stat (clock ticks) */
	double start_time;	/* unix seconds */
	uint64_t netns;		/* inode of its network namespace, 0 unknown */
	uint64_t pss;		/* bytes, from the last PSS walk */
	double pss_age;		/* seconds since that walk, < 0: never read */
	int32_t nfds;		/* open fds, -1 when hidden */
	int64_t fd_soft, fd_hard;	/* RLIMIT_NOFILE; -1 unlimited/unknown */
	int32_t nsockets;	/* socket fds (from the owner census) */
	int32_t ghosts;		/* socket fds no dump lists (0 if unknown) */
	int ghosts_known;	/* 0: the census was incomplete, ghosts unknown */
	double oldest_ghost_age;	/* seconds the oldest ghost has been one */
	uint64_t queued;	/* bytes queued in sockets it holds */
	double fd_growth_per_hour;	/* regression over the history */
	double ghost_growth_per_hour;
	int growth_known;	/* 0 until enough history */
	int32_t fd_increase;	/* fds now minus fds at the start of the window */
	double growth_span_s;	/* seconds the growth figures cover */
	double exhaustion_s;	/* forecast seconds to the soft limit, < 0: none */
	unsigned hidden;	/* PROC_HIDDEN_* */
};

struct proc_list {
	struct proc_info *v;	/* sorted by pid */
	size_t n, cap;
};

/*
 * List processes (all, or pids[0..npids-1]) under procroot.  On the live
 * /proc identity comes through libproc2; on another root (fixtures) from
 * the stat/status/cmdline files.  Vanished processes are skipped.
 */
int procs_scan(const char *procroot, const int *pids, size_t npids,
	       struct proc_list *out, struct lt_err *err);
void procs_list_free(struct proc_list *l);
const struct proc_info *procs_find(const struct proc_list *l, int pid);

/* Parse /proc/PID/limits text for "Max open files": soft and hard, -1 for
 * unlimited.  0, or -EBADMSG with err set. */
int procs_parse_limits(const char *text, size_t len, int64_t *soft, int64_t *hard,
		       struct lt_err *err);
/* Parse /proc/PID/stat: comm (between the parentheses, may hold anything),
 * ppid, start ticks.  0 or -EBADMSG. */
int procs_parse_stat(const char *text, size_t len, char *comm, size_t commsz,
		     int32_t *ppid, uint64_t *start_ticks, struct lt_err *err);
/* Count open fds of pid cheaply: stat(fd dir).st_size where the kernel
 * provides it (6.2+, procfs only), else count the entries.  procfs says
 * whether procroot is a procfs (procs_is_procfs).  -errno on failure. */
int procs_count_fds(const char *procroot, int pid, int procfs);
int procs_is_procfs(const char *procroot);

#endif
