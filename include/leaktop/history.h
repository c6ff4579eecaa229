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
#include "leaktop/socket.h"

#define HISTORY_POINTS 32

#define SOCK_FLAG_NEVER_READ	0x01	/* grew at every step, or stuck and dropping */
#define SOCK_FLAG_FULL		0x02	/* rmem within 5 % of rcvbuf */
#define SOCK_FLAG_DROPPING	0x04	/* drops rose within the window */

struct sock_rate {
	double growth_bps;	/* least-squares slope of Recv-Q, bytes/s */
	double drops_ps;	/* drops per second over the window */
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

/* Series currently kept (for the footprint figures). */
size_t history_series(const struct history *h);

/* The flag names for output: "never_read", "full", "dropping". */
const char *history_flag_name(unsigned flag);

/* Is the queue figure a byte count (not a LISTEN backlog count)? */
int history_queue_is_bytes(const struct ltsock *s);

/* Copy up to max points of a socket's Recv-Q series, oldest first, into
 * t[] / q[]; returns the count (0 if no series).  For the TUI sparkline. */
size_t history_series_of(const struct history *h, uint64_t netns, uint64_t inode,
			 double *t, uint32_t *q, size_t max);

#endif
