/*
 * One snapshot of the machine: memory breakdown, slab caches, and (as the
 * census lands) sockets, processes and findings.  A struct sample owns all
 * its arrays; sample_release() frees them.  A struct sample_ctx carries what
 * must persist between samples (the slow-cadence PSS, the previous time).
 */
#ifndef LEAKTOP_SAMPLE_H
#define LEAKTOP_SAMPLE_H

#include "leaktop/common.h"
#include "leaktop/host.h"
#include "leaktop/meminfo.h"
#include "leaktop/socket.h"
#include "leaktop/fdtable.h"
#include "leaktop/history.h"
#include "leaktop/netns.h"
#include "leaktop/procs.h"
#include "leaktop/findings.h"
#include "leaktop/cgroup.h"

struct origin;

/* Parts of the picture that could not be seen, and why. */
#define SAMPLE_HIDDEN_SLAB	0x01	/* /proc/slabinfo needs root */
#define SAMPLE_HIDDEN_PSS	0x02	/* some smaps_rollup refused */
#define SAMPLE_HIDDEN_FDS	0x04	/* some fd tables refused: owners hidden */
#define SAMPLE_HIDDEN_NETNS	0x08	/* some namespaces could not be entered */
#define SAMPLE_HIDDEN_NOMEM	0x10	/* partial: memory ran out, some history
					 * was not kept (rates start over) */

/* What the census saw of one network namespace. */
struct sample_netns {
	uint64_t ino;
	int pid;			/* a process in it, 0 if only named */
	char name[64];			/* /run/netns name, "" if none */
	int held_by;			/* no process is in it: a process that
					 * holds one of its sockets, else 0 */
	size_t nsockets;
	size_t nunix;			/* of which unix (at the last census) */
	struct netns_dump_report rep;
};

/* What one cgroup holds (core/cgroup_sums.c): its sockets are those it
 * created where the kernel says so, else those its processes hold.  The
 * figures are the whole subtree's (the cgroup and every cgroup below it),
 * as the kernel's own are; the root "/" is no one's parent: it holds only
 * what is in it itself. */
struct sample_cgroup {
	char *path;		/* owned; raw bytes, untrusted */
	struct cgroup_name name;
	int32_t parent;		/* index in the list of its parent, -1 a top
				 * (or its parent is outside --cgroup) */
	uint16_t depth;		/* 0 for a top, parent's + 1 */
	uint8_t direct;		/* processes or sockets are in it itself
				 * (else only a parent of such cgroups) */
	uint32_t nchildren;	/* in the list */
	uint64_t mem;		/* socket memory pinned (ltsock_mem): receive
				 * and send side, orphans included */
	uint64_t rmem, wmem;	/* of which the receive side, the send side */
	uint64_t queued;	/* bytes waiting for a reader (ltsock_queued) */
	uint32_t nsockets, norphans;	/* sockets; of those, orphans */
	uint32_t nprocs;
	uint32_t nfds;		/* open fds of its processes (known counts) */
	uint32_t ghosts;	/* ghost sockets of its processes */
	uint32_t nfindings;	/* open findings about it */
	struct cgroup_kernel kernel;	/* what the kernel charges it */
};

/* The cgroups of a sample: those of its processes and sockets and their
 * ancestors, as a tree in pre-order (a parent before its children), each
 * level most socket memory first.  Empty without a census or when memory
 * ran out. */
struct sample_cgroups {
	struct sample_cgroup *v;
	size_t n;
	int32_t *of_proc;	/* parallel to procs.v: an index of v, -1 */
	int32_t *of_sock;	/* parallel to socks.v: an index of v, -1 */
	enum cgroup_version version;	/* of the paths */
	const char *filter;	/* --cgroup as given (the context's), or NULL */
};

struct sample {
	double time;		/* unix seconds: shown and recorded */
	double clock;		/* the sampler's steady clock (seconds): intervals
				 * and ages; CLOCK_MONOTONIC, anchored near the
				 * wall time when the sampler started, so an NTP
				 * step never makes one negative.  Not recorded:
				 * 0 in a replay (see sample_steady_time) */
	double interval;	/* seconds since the previous sample (steady), 0 first */
	unsigned seq;		/* 1 for the first sample of a session */
	struct meminfo_breakdown mem;
	struct meminfo_slab slab;
	unsigned hidden;	/* SAMPLE_HIDDEN_* */
	double pss_age;		/* seconds since the PSS figures were read */
	int as_root;		/* taken with euid 0 */
	struct host_info host;	/* the machine: name, kernel, uptime */

	/* the socket census (empty when the config has no census) */
	int census;			/* 1: sockets were collected */
	int census_complete;		/* every netns and family enumerated */
	double census_age;		/* 0: a full census; else seconds since
					 * the full census that the groups not
					 * refreshed in this light sample (see
					 * sample_take_next) come from */
	int pid_filter;			/* -p given: owners scanned for those only */
	struct ltsock_vec socks;
	struct sock_rate *rates;	/* parallel to socks.v */
	uint32_t *order;		/* socks indices: growth, then rmem */
	uint32_t *shown;		/* the indices of order worth showing
					 * (sample_sock_interesting), in order;
					 * NULL: not computed, ask each socket */
	size_t nshown;
	struct fd_census owners;	/* who holds which socket inode */
	struct sample_netns *netns;
	size_t nnetns;
	/* socket inodes held by fds whose namespace could not be told (no
	 * dump listed them, and asking the kernel failed): unknown, never
	 * ghosts; sorted (NULL with a count in a replayed sample) */
	uint64_t *ns_unknown;
	size_t nns_unknown;

	/* processes (with the census: sockets, ghosts, growth) */
	int have_procs;
	struct proc_list procs;

	/* net.ipv4.tcp_mem / udp_mem (min, pressure, max) in bytes */
	int have_mem_limits;
	uint64_t tcp_mem_limits[3], udp_mem_limits[3];

	/* actions of leaktop's in place (live samples; not recorded: the
	 * findings they cover carry them) */
	struct finding_mitigation *mitigations;
	size_t nmitigations;

	/* what the triage rules make of it, most severe first */
	struct finding_list findings;

	/* the cgroups (services, containers) and what each holds */
	struct sample_cgroups cgroups;

	/* full fd tables of the -p processes, when sample_attach_fdtables ran */
	struct fd_table *fdtables;
	size_t nfdtables;

	/* where the findings' sockets were created (leaktop/origin.h):
	 * borrowed from the tracer, valid until it is freed; NULL when
	 * origins are off, and in a replay (not recorded) */
	const struct origin *origin;
};

struct sample_config {
	const char *procroot;	/* "/proc" live, a fixture tree in tests */
	double pss_interval;	/* seconds between PSS walks (0: every sample) */
	int census;		/* collect sockets (needs the live kernel) */
	const char *runroot;	/* named namespaces ("/run/netns"), or NULL */
	const int *pids;	/* -p: restrict owners to these, npids > 0 */
	size_t npids;
	double window;		/* seconds of history for rates (60) */
	const struct findings_config *findings;	/* NULL: the defaults */
	double census_every;	/* seconds between full censuses for
				 * sample_take_next (0: every sample) */
	const char *cgroup;	/* --cgroup PATH|NAME: processes, sockets,
				 * findings and cgroups outside that subtree
				 * are left out of every sample (NULL: all) */
	const char *cgroot;	/* the cgroup hierarchies ("/sys/fs/cgroup",
				 * NULL: that) */
};

struct sample_ctx;

/* Returns NULL with err set on failure (only -ENOMEM today). */
struct sample_ctx *sample_ctx_new(const struct sample_config *cfg, struct lt_err *err);
void sample_ctx_free(struct sample_ctx *ctx);

/* Take one sample into *out (overwritten; release it with sample_release).
 * Returns 0 or -errno with err set when a required source (meminfo) fails;
 * optional sources that fail become SAMPLE_HIDDEN_* bits. */
int sample_take(struct sample_ctx *ctx, struct sample *out, struct lt_err *err);

/*
 * The same, for a caller that keeps the previous sample: a two-tier census.
 * A full census (every socket of every namespace, owners, ghosts) is taken
 * when census_every seconds have passed since the last one; in between, a
 * light sample reads again only the moving sockets (growth, drops, a
 * never_read flag, or first seen with a queue): looked up one by one, or
 * their group (one kind of one namespace, such as udp4 of the root
 * namespace) dumped, filtered where it can be; it keeps the other sockets,
 * their owners and
 * the processes' socket figures as the last census saw them, and reads
 * memory and processes afresh.  census_age says how old the kept part is.
 *
 * prev (NULL: a full sample) is consumed either way: its census arrays are
 * moved into *out or freed first, so a full census never holds two copies.
 * Afterwards prev may only be released.
 */
int sample_take_next(struct sample_ctx *ctx, struct sample *prev, struct sample *out,
		     struct lt_err *err);
void sample_release(struct sample *s);

/* The cgroup of process pid, of socks.v[i], or of what finding f is about
 * (its process, else its socket); NULL when unknown.  Valid as long as s. */
const struct sample_cgroup *sample_cgroup_of_pid(const struct sample *s, int pid);
const struct sample_cgroup *sample_cgroup_of_sock(const struct sample *s, size_t i);
const struct sample_cgroup *sample_cgroup_of_finding(const struct sample *s,
						     const struct finding *f);
/* Is there a cgroup in s that --cgroup arg names (cgroup_matches)? */
int sample_cgroup_known(const struct sample *s, const char *arg);

/* The cgroup a finding's row names ("nginx.service"), or NULL when naming
 * it says nothing: unknown, or the root (a machine without services, or
 * one seen from inside a container's cgroup namespace). */
const struct sample_cgroup *sample_cgroup_to_name(const struct sample *s,
						  const struct finding *f);

/* of_sock (socks.n long) from the owners: the cgroup of each socket's
 * first owner among s's processes (s->cgroups.of_proc), else -1.  The
 * sampler starts from it (the kernel's cgroup id then overrides it), the
 * recording stores only where the two differ.  0 or -ENOMEM. */
int sample_cgroups_socks_by_owner(const struct sample *s, int32_t *of_sock);

/* --cgroup arg on a finished sample (a replayed one): leave out the
 * processes, shown sockets, findings and cgroups outside that subtree, as
 * the sampler does.  s->cgroups.filter borrows arg.  0 or -ENOMEM. */
int sample_cgroups_cut(struct sample *s, const char *arg);

/* What the tree shows for g under its parent: a bare path's last
 * component (its parent's row says the rest), else g's label.  Valid as
 * long as g. */
const char *sample_cgroup_tree_label(const struct sample_cgroup *g);

/*
 * The tree of c, whose entries hold their own figures (direct set where
 * processes or sockets are in them): the missing ancestors of each path
 * are added (never "/"), parents linked, and each figure summed into
 * every ancestor.  The order stays as it was, added entries last.  0, or
 * -ENOMEM (c then as it was, or with some ancestors added).
 */
int sample_cgroups_tree(struct sample_cgroups *c);
/*
 * Put c in the tree's pre-order, each level by socket memory, then bytes
 * waiting, then path; keep (NULL: all, else parallel to c->v) says which
 * stay: a kept cgroup whose parent is not becomes a top.  of_proc (nprocs
 * long) and of_sock (nsocks) follow.  0 or -ENOMEM.
 */
int sample_cgroups_order(struct sample_cgroups *c, size_t nprocs, size_t nsocks,
			 const unsigned char *keep);

/* Is socks.v[i] worth showing: a queue, a flag, or owned by a -p process?
 * Never false for a flagged socket. */
int sample_sock_interesting(const struct sample *s, size_t i, int pid_filter);

/*
 * Read pid's full fd table and join it with s: socket fds get their census
 * index (t->v[i].sock) or a ghost mark (FD_GHOST_UNKNOWN when s's census
 * was incomplete) and ghost age from ctx's history.  Returns as
 * fdtable_read.
 */
/* sample_steady_time, the time to measure a sample's intervals with, is in
 * leaktop/sample_clock.h: the rules that read it need the sample, not the
 * sampler. */

int sample_fdtable(struct sample_ctx *ctx, const struct sample *s, int pid,
		   struct fd_table *t, struct lt_err *err);

/* Read and join the fd table of every -p process into s->fdtables (for
 * batch output); a process that is gone or hidden gets an empty table. */
int sample_attach_fdtables(struct sample_ctx *ctx, struct sample *s, struct lt_err *err);

/* Read everything of pid again at the next sample (an action changed its
 * limits or fds). */
void sample_ctx_forget_pid(struct sample_ctx *ctx, int pid);

/* The history kept by ctx (for sparklines); valid until sample_ctx_free. */
const struct history *sample_ctx_history(const struct sample_ctx *ctx);

#endif
