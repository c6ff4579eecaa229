/*
 * Private to the sampler (core/sample.c, core/census_light.c): the context
 * kept between samples and the census helpers both use.
 */
#ifndef LEAKTOP_SAMPLE_INT_H
#define LEAKTOP_SAMPLE_INT_H

#include <stdint.h>

#include "leaktop/sample.h"

struct sample_ctx {
	char *procroot;
	double pss_interval;
	struct meminfo_pss pss;	/* last PSS walk */
	double last_clock;	/* the steady clock of the last sample, 0 none */
	double clock_base;	/* wall minus monotonic at the first reading */
	int have_clock_base;
	unsigned seq;
	int stacks_in_vmalloc;	/* -1: not decided yet */
	char *kconfig;		/* /boot/config-<release>, or NULL */
	uint64_t page_size;
	int census;
	char *runroot;
	int *pids;
	size_t npids;
	struct history *hist;
	struct fdtable_cache *fdcache;	/* owners kept between samples */
	struct ltbpf *bpf;		/* BPF programs, loaded on first use */
	struct proc_facts facts;	/* the task iterator's, for the table */
	int tasks_off;			/* the task iterator was found unusable */
	double window;
	struct procs_table *ptab;	/* processes kept between samples */
	struct findings_config fcfg;
	struct findings_state *fstate;
	double census_every;	/* 0: every sample is a full census */
	double last_full;	/* steady clock of the last full census, 0 none */
	int no_getfd;		/* the kernel lacks pidfd_getfd or SIOCGSKNS */
	unsigned max_dgram_qlen;	/* net.unix.max_dgram_qlen (10) */
	uint64_t sockstat_slack;	/* see meminfo_breakdown.sockstat_slack */
	/* socket inode -> namespace, for sockets no dump listed, from the
	 * last census (sorted by inode): not asked again while it holds */
	struct ns_of { uint64_t inode, ns; } *nsof;
	size_t nnsof;
	unsigned long nlight;	/* light samples since it */
	struct cgroup_cache *cgcache;	/* each process's cgroup, per instance */
	struct cgroup_host cghost;	/* where the memory controller is */
	char *cgroup;		/* --cgroup, or NULL */
	/* the arrays of the last full census, kept for the next one
	 * (sample_take_next): refilled in place, not allocated again */
	struct {
		struct ltsock_vec socks;	/* n 0, no paths */
		uint32_t *order;
		size_t ncap;		/* elements of order */
		/* the order census_arrays() made last, and its size */
		const uint32_t *given;
		size_t given_cap;
	} spare;
	/* take_procs' join of owners with the census: the census's inodes
	 * (sockets with one only) and their places in socks (JOIN_IDX of
	 * val; JOIN_QUEUED set when it has bytes queued), sorted by inode;
	 * valid for the sample numbered seq, the arrays kept for the next.
	 * A light sample carries it over (census_light's join_follow): the
	 * places follow the sockets kept, the ones read again merged in;
	 * sockets from place fresh on are not in it (none when complete). */
	struct {
		uint32_t *key;		/* inodes, 32 bits as in struct ltsock */
		uint32_t *val;
		size_t n, cap, fresh;
		unsigned seq;
	} join;
};

#define JOIN_QUEUED 0x80000000u
#define JOIN_IDX(v) ((v) & ~JOIN_QUEUED)

/* A change of the bytes a process holds queued, from a light refresh. */
struct qdelta {
	int pid;
	int64_t bytes;
};

struct qdeltas {
	struct qdelta *v;
	size_t n, cap;
};

/* Add (sign 1) or take away (sign -1) one socket's share of the census's
 * memory figures. */
void sample_census_add(struct meminfo_breakdown *m, const struct ltsock *k, int sign);
/* The census's memory figures over every socket of s. */
void sample_census_sums(struct sample *s);
/* A light sample starts from the figures of the census it keeps. */
void sample_census_carry(struct meminfo_breakdown *m, const struct meminfo_breakdown *p);
/* s->shown from s->order.  0 or -ENOMEM. */
int sample_build_shown(struct sample *s);
/* The light sample (core/census_light.c): prev's census carried into out,
 * the moving sockets read again, the processes' socket figures corrected.
 * 0, or -ENOMEM with err set (out is then the caller's to release). */
int sample_take_light(struct sample_ctx *ctx, struct sample *prev, struct sample *out,
		      struct lt_err *err);

/* The cgroups of out (core/cgroup_sums.c): each process's, each socket's,
 * the totals and the kernel's figures, then --cgroup's cut of processes,
 * shown sockets, findings and cgroups.  A step that runs out of memory
 * leaves the cgroups empty and marks out partial. */
void sample_take_cgroups(struct sample_ctx *ctx, struct sample *out);
void sample_cgroups_free(struct sample_cgroups *c);

#endif
