/*
 * Processes: identity, fd counts and limits, PSS, and what the census says
 * they hold (sockets, ghost sockets, queued bytes), with fd/ghost growth
 * from the history.
 *
 * A struct procs_table keeps what is known of every process instance
 * between samples, so that a refresh reads only what can change and
 * matters (issue 14): the listing of procroot (new, exited and reused pids:
 * a reused pid's directory has a new inode), the fd count of the processes
 * worth watching, and a share of the others (stat and fd count, spread over
 * refresh_every); identity (cmdline, user, netns, limits) once per process
 * instance and again every identity_every; PSS staggered over pss_every.
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
#include "leaktop/meminfo.h"

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
	uint64_t cgroup_id;	/* its cgroup2 id where the task iterator gave
				 * it this sample, else 0; not recorded */
	uint64_t pss;		/* bytes, from the last PSS walk */
	double pss_age;		/* seconds since that walk, < 0: never read */
	int32_t nfds;		/* open fds, -1 when hidden */
	int64_t fd_soft, fd_hard;	/* RLIMIT_NOFILE; -1 unlimited/unknown */
	int32_t nsockets;	/* socket fds (from the owner census) */
	int32_t ghosts;		/* socket fds no dump lists (0 if unknown) */
	int ghosts_known;	/* 0: the census was incomplete, ghosts unknown */
	double oldest_ghost_age;	/* seconds the oldest ghost has been one */
	int32_t ghosts_settled;	/* ghosts that have been ghosts for the
				 * findings' ghost_grace_s or longer (the
				 * sampler's count; not recorded) */
	uint64_t queued;	/* bytes queued in sockets it holds */
	double fd_growth_per_hour;	/* regression over the history */
	double ghost_growth_per_hour;
	int growth_known;	/* 0 until enough history */
	int32_t fd_increase;	/* fds now minus fds at the start of the window */
	double growth_span_s;	/* seconds the growth figures cover */
	double exhaustion_s;	/* forecast seconds to the soft limit, < 0: none */
	unsigned hidden;	/* PROC_HIDDEN_* */
	int fds_fresh;		/* nfds was read in this sample (not carried
				 * from an earlier read); not recorded */
	char run_state;		/* field 3 of stat ('R', 'S', 'D', 'T', 't',
				 * ...), read in each sample for the processes
				 * that hold queued bytes (procs_read_state),
				 * or 'F' (leaktop's letter) when it sleeps in a
				 * frozen cgroup; 0 unknown; not recorded */
};

struct proc_list {
	struct proc_info *v;	/* sorted by pid */
	size_t n, cap;
	char *strings;		/* NULL: each cmdline is its own allocation;
				 * else every cmdline points into this block */
};

/*
 * List processes (all, or pids[0..npids-1]) under procroot, everything
 * read afresh (a procs_table used once).  Vanished processes are skipped.
 */
int procs_scan(const char *procroot, const int *pids, size_t npids,
	       struct proc_list *out, struct lt_err *err);

/* ---- the process table kept between samples ----------------------------- */

struct procs_table_config {
	double refresh_every;	/* seconds over which every process's stat and
				 * fd count are read once, staggered by pid
				 * (0: all of them every update) */
	double identity_every;	/* seconds between reads of cmdline, user,
				 * netns and limits of one instance (0: 60) */
	double pss_every;	/* seconds over which every PSS is read once,
				 * staggered (0: every update; < 0: never);
				 * longer when that would be more than 1000
				 * walks a second (n / 1000 s) */
	double watch_for;	/* seconds a process whose fd count moved (or
				 * that procs_table_watch named) stays read
				 * every update (0: 60) */
};

struct procs_table;

/*
 * What one pass of the kernel's task list gives of a process (a BPF task
 * iterator, core/ltbpf_tasks.c): the fields a table would otherwise read
 * from stat, /proc/PID's owner, limits and ns/net, six syscalls a process.
 */
struct proc_fact {
	int32_t pid, ppid;
	uint32_t uid;		/* the euid */
	int kthread;		/* stat shows another name than comm: read it */
	uint64_t start_ticks;	/* as field 22 of stat gives it */
	uint64_t netns;		/* 0 none (exited) */
	uint64_t cgroup_id;	/* its cgroup2 id, 0 none */
	int have_limits;	/* fd_soft and fd_hard valid */
	int64_t fd_soft, fd_hard;	/* RLIMIT_NOFILE; -1 unlimited */
	char comm[16];
};

struct proc_facts {
	struct proc_fact *v;	/* sorted by pid */
	size_t n, cap;
};

void proc_facts_free(struct proc_facts *f);
const struct proc_fact *proc_facts_find(const struct proc_facts *f, int pid);

/* A table over procroot ("/proc", or a fixture tree).  NULL with errno
 * (ENOMEM, or why procroot cannot be opened). */
struct procs_table *procs_table_new(const char *procroot, const struct procs_table_config *cfg);
void procs_table_free(struct procs_table *t);

/*
 * Bring the table up to date at time now (unix seconds) and write the
 * processes (all, or those of pids[0..npids-1]) into *out (overwritten;
 * the caller frees it with procs_list_free).  The first update reads
 * everything; later ones read:
 *   - every process: whether it still exists, under the same instance
 *     (the listing's inode of procroot/PID; when it changed, the start
 *     ticks in stat tell a reused pid from the same process);
 *   - new instances, and every identity_every: comm, ppid, start, user,
 *     cmdline, netns, limits, fd count (on the live /proc with pids the
 *     identity comes through libproc2);
 *   - stat (comm, ppid: an exec or a new parent) and the fd count of the
 *     processes whose turn it is (refresh_every), of the watched ones
 *     (fd count moved within watch_for, at least half the soft limit,
 *     named by procs_table_watch, or in pids), and stat of the children
 *     of processes that exited (reparented); watched ones also limits;
 *     an exec (comm changed) reads the identity again;
 *   - PSS of the processes whose turn it is (pss_every), of every process
 *     even with pids given, for procs_table_pss.
 * p->fds_fresh says which fd counts were read now.  out NULL: no process
 * is listed, only PSS is followed.  0, or -errno with err set (procroot
 * cannot be listed, or memory ran out).  now is the caller's steady clock
 * (the sampler's, see sample.clock): the table's cadences, ages and
 * watches run on it.
 */
/*
 * Facts for the next procs_table_update() only (NULL: none): a process
 * listed in f takes comm, ppid, start, user, limits and netns from there,
 * the others from their files as ever.  f is borrowed until that update
 * returns.
 */
void procs_table_facts(struct procs_table *t, const struct proc_facts *f);
/* Whether the next update would read stat of every process (the first
 * one, or refresh_every 0): then facts save more than a pass of the
 * machine's tasks costs; later updates of a table that spreads its reads
 * read a share of the processes only. */
int procs_table_wants_facts(const struct procs_table *t);
int procs_table_update(struct procs_table *t, double now, const int *pids, size_t npids,
		       struct proc_list *out, struct lt_err *err);

/* Read pid's fd count, limits and stat at every update for the next
 * watch_for seconds (a finding names it), if it is still the instance
 * that started at start_ticks. */
void procs_table_watch(struct procs_table *t, int pid, uint64_t start_ticks);

/* Read everything of pid again at the next update (after an action changed
 * its limits, say). */
void procs_table_forget(struct procs_table *t, int pid);

/* The sum of the PSS figures the table holds (every live process's latest
 * reading); time is that of the oldest reading summed, 0 when none. */
void procs_table_pss(const struct procs_table *t, struct meminfo_pss *out);
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
/* The state letter of /proc/PID/stat text (field 3, after the last ')'),
 * or 0 when the text has none. */
char procs_parse_state(const char *text, size_t len);
/* Read p's state afresh into p->run_state (0 when the process is gone or
 * its stat unreadable); 0 or -errno. */
int procs_read_state(const char *procroot, struct proc_info *p);

/* Where the freezers are mounted, from a mountinfo text: the cgroup v1
 * hierarchy with the freezer controller into v1, the cgroup2 one into v2
 * ("" when absent).  Each at most PATH_MAX-ish; cut to the sizes given. */
void procs_parse_freezer_mounts(const char *text, size_t len, char *v1, size_t v1sz,
				char *v2, size_t v2sz);
/* A process's cgroups from /proc/PID/cgroup text: the v1 freezer's path
 * into v1, the unified (0::) one into v2 ("" when absent). */
void procs_parse_cgroups(const char *text, size_t len, char *v1, size_t v1sz, char *v2,
			 size_t v2sz);
/*
 * Is process pid in a frozen cgroup?  Its cgroups (procroot/PID/cgroup)
 * looked up under the freezers' mount points (v1m, v2m, from
 * procs_parse_freezer_mounts on leaktop's own mountinfo): freezer.state
 * FROZEN (v1) or "frozen 1" in cgroup.events (v2).  1, 0, or 0 when
 * anything is unreadable.
 */
int procs_read_frozen(const char *procroot, int pid, const char *v1m, const char *v2m);
/* Count open fds of pid cheaply: stat(fd dir).st_size where the kernel
 * provides it (6.2+, procfs only), else count the entries.  procfs says
 * whether procroot is a procfs (procs_is_procfs).  -errno on failure. */
int procs_count_fds(const char *procroot, int pid, int procfs);
/* A raw /proc/PID/cmdline (len bytes, s[len] writable) made into one
 * line as libproc2 shows it: NULs and newlines become spaces, control
 * characters '.' ('?' with utf8), other bytes '?' unless utf8 and part of
 * a printable UTF-8 character. */
void procs_cmdline_clean(char *s, size_t len, int utf8);
int procs_is_procfs(const char *procroot);
/* Has PID a process?  On the live /proc the kernel says (kill 0: ESRCH only
 * when there is none, whoever owns it and however /proc is mounted, hidepid
 * included); under another procfs root, whether its directory is there. */
int procs_pid_exists(const char *procroot, int pid);

#endif
