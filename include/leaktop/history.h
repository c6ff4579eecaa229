/*
 * Short histories per socket and the rates and flags computed from them.
 *
 * A series is kept only for a socket whose queue is non-zero or has changed
 * (most sockets sit at zero forever and cost nothing); it is keyed by
 * (netns, inode) and restarted when the socket cookie says the inode was
 * reused.  Each series holds at most HISTORY_POINTS points within the
 * window; see doc/socket-census.md for the per-socket cost.
 */
#ifndef LEAKTOP_HISTORY_H
#define LEAKTOP_HISTORY_H

#include <stddef.h>
#include <stdint.h>
#include "leaktop/meminfo.h"
#include "leaktop/socket.h"
#include "leaktop/procs.h"

#define HISTORY_POINTS 32

#define SOCK_FLAG_NEVER_READ	0x01	/* grew at every step, or stuck and dropping */
#define SOCK_FLAG_FULL		0x02	/* rmem within 5 % of rcvbuf */
#define SOCK_FLAG_DROPPING	0x04	/* drops rose within the window */
#define SOCK_FLAG_SEND_STALLED	0x08	/* bytes to send at every point, never fewer */
#define SOCK_FLAG_ALL		0x0f

/* One per socket and sample: floats (24 bits of precision, a rate's first
 * seven digits), so the array is 16 bytes a socket, not 32; computed in
 * double. */
struct sock_rate {
	float growth_bps;	/* least-squares slope of Recv-Q, bytes/s */
	float drops_ps;		/* drops per second over the window */
	float send_growth_bps;	/* change of the bytes waiting to be sent, per s */
	uint8_t known;		/* 0: first sight, no rate yet */
	uint8_t flags;		/* SOCK_FLAG_* */
	uint8_t points;		/* samples in the window */
};

struct history_config {
	double window;		/* seconds of history used for rates (60) */
};

struct history;

/* NULL on -ENOMEM. */
struct history *history_new(const struct history_config *cfg);
void history_free(struct history *h);

/*
 * Add the sample taken at time t (seconds) and fill rates[i] for every
 * socks->v[i].  Series of sockets absent from socks are dropped.  Returns 0
 * or -ENOMEM (then rates are still filled, without history).
 */
int history_update(struct history *h, double t, const struct ltsock_vec *socks,
		   struct sock_rate *rates);
/*
 * A light sample: add the points of socks->v[first..n) only (the sockets
 * read again at t) and fill their rates; no series is dropped (the next
 * history_update does that).  0 or -ENOMEM.
 */
int history_touch(struct history *h, double t, const struct ltsock_vec *socks,
		  size_t first, struct sock_rate *rates);

/*
 * The one order of sockets, for the census, every output and the Sockets
 * pane: growth_bps descending (unknown counts as 0), then the bytes
 * waiting for a reader, or an orphan's whole memory (ltsock_rank_bytes),
 * descending, then inode ascending.
 * <0 when socks->v[i] comes first; 0 only for i == j or equal inodes.
 */
int history_order_cmp(const struct ltsock_vec *socks, const struct sock_rate *rates,
		      uint32_t i, uint32_t j);
/*
 * The census order of socks (history_order_cmp): order[0..socks->n) gets
 * every index once.  The quiet majority (no growth, nothing queued) is
 * radix-sorted by inode; only the rest takes comparisons.
 */
void history_order(const struct ltsock_vec *socks, const struct sock_rate *rates,
		   uint32_t *order);

/*
 * A light sample's order: order[0..nkept) is already in census order (the
 * sockets kept with their rates); insert add[0..nadd), so that order holds
 * nkept + nadd == socks->n indices in census order.  Many additions are
 * sorted (add is reordered) and merged in; a few inserted one by one.
 */
void history_order_insert(const struct ltsock_vec *socks, const struct sock_rate *rates,
			  uint32_t *order, size_t nkept, uint32_t *add, size_t nadd);

/* Series currently kept (for the footprint figures). */
size_t history_series(const struct history *h);

/* The flag names for output: "never_read", "full", "dropping",
 * "send_stalled". */
const char *history_flag_name(unsigned flag);

/* The point a socket's Recv-Q series keeps for k (ltsock_recv_q, cut to
 * 32 bits): live history and a replay's sparkline alike. */
uint32_t history_queue_point(const struct ltsock *k);
/* Copy up to max points of a socket's Recv-Q series, oldest first, into
 * t[] / q[]; returns the count (0 if no series).  For the TUI sparkline. */
size_t history_series_of(const struct history *h, uint64_t netns, uint64_t inode,
			 double *t, uint32_t *q, size_t max);

/*
 * Add the processes of a sample taken at t: fills fd_growth_per_hour,
 * ghost_growth_per_hour, growth_known (3 samples or more: a regression,
 * never two points) and exhaustion_s (seconds to the soft limit at the
 * current fd growth) in procs.  A process is followed by (pid, start
 * ticks), so a reused pid starts over; window bounds the history (s).
 */
int history_update_procs(struct history *h, double t, double window,
			 struct proc_list *procs);

/*
 * Record the ghost sockets of a sample: n (pid, inode) pairs, flattened.
 * Pairs seen before keep their first-seen time; others are forgotten.
 */
int history_update_ghosts(struct history *h, double t, const uint64_t *pid_inode,
			  size_t n);
/* When (pid, inode) was first seen as a ghost (unix s), or -1. */
double history_ghost_since(const struct history *h, int pid, uint64_t inode);

/*
 * The memory breakdown over the session: one series per figure.  The one
 * home of every memory series (the header's sparklines, the Memory pane's
 * CHANGE and TREND, the unaccounted_growth rule's slopes), filled the same
 * way from live samples and from a recording's: mem_series_push each
 * sample in order; a replay that moves elsewhere clears the series and
 * adds the points of the samples before (mem_series_point, kept by the
 * replay for the samples it has shown).
 */
enum mem_series_id {
	MEMS_TOTAL, MEMS_FREE, MEMS_AVAILABLE, MEMS_CACHE, MEMS_BUFFERS, MEMS_SHMEM,
	MEMS_ANON, MEMS_KERNEL, MEMS_SLAB_R, MEMS_SLAB_U,
	/* the slab caches by rank in the sample: a rank that now holds
	 * another cache starts its series over (mem_series_get) */
	MEMS_SLAB0, MEMS_SLAB_LAST = MEMS_SLAB0 + MEMINFO_SLAB_TOP - 1,
	MEMS_PTABLES, MEMS_STACKS, MEMS_VMALLOC, MEMS_PERCPU, MEMS_HUGETLB, MEMS_ZSWAP,
	MEMS_SOCKBUF, MEMS_UNACC,
	MEMS_SOCKETS,		/* socket_queues: pinned by sockets (a view) */
	MEMS_GROUP0, MEMS_GROUP_LAST = MEMS_GROUP0 + MEMINFO_SOCK_GROUPS - 1,
	MEMS_PSS, MEMS_PSS_ANON, MEMS_PSS_FILE, MEMS_PSS_SHMEM,
	MEMS_N
};

#define MEM_SERIES_POINTS 64

/* One sample's figures: v[id] in bytes, NAN when the sample did not know
 * it (PSS not read yet, a slab rank not there). */
struct mem_point {
	double t;				/* sample_steady_time */
	double v[MEMS_N];
	uint32_t slab_key[MEMINFO_SLAB_TOP];	/* which cache each rank held */
};

struct mem_series {
	struct mem_point p[MEM_SERIES_POINTS];	/* a ring, oldest at head - n */
	unsigned n, head;
};

/* Figure id of a sample's breakdown m and slab caches, in bytes, NAN when
 * the sample did not know it. */
double mem_series_value(const struct meminfo_breakdown *m, const struct meminfo_slab *slab,
			int id);
/* The point of a sample taken at t (sample_steady_time). */
void mem_series_point(const struct meminfo_breakdown *m, const struct meminfo_slab *slab,
		      double t, struct mem_point *pt);
void mem_series_clear(struct mem_series *ms);
/* Add a point after the newest; one at the newest's time replaces it, one
 * before it starts the series over (the caller went back). */
void mem_series_add(struct mem_series *ms, const struct mem_point *pt);
void mem_series_push(struct mem_series *ms, const struct meminfo_breakdown *m,
		     const struct meminfo_slab *slab, double t);
/* Up to max points of id, the newest max, oldest first, into t[] (may be
 * NULL) and v[]; unknown points are skipped.  Returns the count. */
size_t mem_series_get(const struct mem_series *ms, int id, double *t, double *v,
		      size_t max);
/* Least-squares slope of id over the series, bytes a second; 0 with
 * fewer than two points. */
double mem_series_slope(const struct mem_series *ms, int id);
/* Seconds from the oldest point to the newest, 0 when empty. */
double mem_series_span(const struct mem_series *ms);
#endif
