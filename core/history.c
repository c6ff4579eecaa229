/*
 * Per-socket histories: Recv-Q growth over a window, drops per second, and
 * the never_read / full / dropping flags.
 *
 * Series live in an array; an open-addressing hash (rebuilt every update,
 * sized to twice the live series) finds them by (netns, inode).  Only
 * sockets with a non-zero queue or a change get a series.
 */
#include <errno.h>
#include <sys/types.h>
#include <math.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>

#include "leaktop/history.h"
#include "alloc_hook.h"

struct series {
	uint64_t netns, inode, cookie;
	uint32_t gen;		/* last update that saw the socket */
	uint8_t n, head;	/* ring of n points ending before head */
	int32_t t[HISTORY_POINTS];	/* ms since the history's tbase: 4
					 * bytes, not a double's 8, a point
					 * (50k queued sockets: 6 MB less) */
	/*
	 * A point's values: Recv-Q (ltsock_recv_q), the bytes to send
	 * (ltsock_send_held), the drops counter.  While every point of the
	 * window holds the same three, as a stuck queue's do, they are kept
	 * once in c and pv is NULL: 184 bytes a series, not 568.  The first
	 * point that differs gives the series pv (the three rings one after
	 * the other, V_Q, V_SQ, V_DROPS); pv goes when the window is all one
	 * value again.  Read through val().
	 */
	uint32_t c[3];
	uint32_t *pv;
};

enum { V_Q, V_SQ, V_DROPS };

/* Value v (V_*) of the point at ring index k. */
static uint32_t val(const struct series *s, unsigned v, unsigned k)
{
	return s->pv ? s->pv[v * HISTORY_POINTS + k] : s->c[v];
}

/*
 * An open-addressing index over an array whose elements start with two
 * uint64_t keys (a, b); rebuilt after every update, sized to twice the
 * entries, so it never needs deletion.
 */
struct hindex {
	uint32_t *slot;		/* element index + 1; 0 = empty */
	size_t nslots;		/* power of two */
};

/* fd and ghost counts of one process, keyed by (pid, start ticks). */
struct pseries {
	uint64_t pid, start_ticks;
	uint32_t gen;
	uint8_t n, head;
	double t[HISTORY_POINTS];
	int32_t fds[HISTORY_POINTS];
	int32_t ghosts[HISTORY_POINTS];
	/* what proc_rate made of these points, until the next point */
	int known;
	int32_t fd_increase;
	double span, fps, gph;
};

struct ghost {
	uint64_t pid, inode;
	double first_seen;
};

struct history {
	double window;
	double tbase;		/* the time the series' t[] count from */
	int tbase_set;
	uint32_t gen;
	struct series *s;
	size_t n, cap;
	struct hindex ix;
	int started;		/* at least one update done */
	/* processes: fd and ghost counts */
	struct pseries *p;
	size_t np, capp;
	struct hindex pix;
	uint32_t pgen;
	/* ghost sockets: when each (pid, inode) was first seen as one */
	struct ghost *g;
	size_t ng, capg;
	struct hindex gix;
};

struct history *history_new(const struct history_config *cfg)
{
	struct history *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->window = cfg && cfg->window > 0 ? cfg->window : 60;
	return h;
}

void history_free(struct history *h)
{
	size_t i;

	if (!h)
		return;
	for (i = 0; i < h->n; i++)
		free(h->s[i].pv);
	free(h->s);
	free(h->ix.slot);
	free(h->p);
	free(h->pix.slot);
	free(h->g);
	free(h->gix.slot);
	free(h);
}

size_t history_series(const struct history *h)
{
	return h ? h->n : 0;
}

const char *history_flag_name(unsigned flag)
{
	switch (flag) {
	case SOCK_FLAG_NEVER_READ: return "never_read";
	case SOCK_FLAG_SEND_STALLED: return "send_stalled";
	case SOCK_FLAG_FULL: return "full";
	case SOCK_FLAG_DROPPING: return "dropping";
	}
	return "?";
}

static size_t hash_key(uint64_t a, uint64_t b)
{
	uint64_t x = b * 0x9e3779b97f4a7c15ULL ^ a * 0xc2b2ae3d27d4eb4fULL;

	return (size_t)(x ^ (x >> 29));
}

static const uint64_t *key_at(const void *base, size_t stride, size_t i)
{
	return (const uint64_t *)((const char *)base + i * stride);
}

static ssize_t hindex_find(const struct hindex *ix, const void *base, size_t stride,
			   uint64_t a, uint64_t b)
{
	size_t mask, i;

	if (!ix->nslots)
		return -1;
	mask = ix->nslots - 1;
	for (i = hash_key(a, b) & mask; ix->slot[i]; i = (i + 1) & mask) {
		const uint64_t *k = key_at(base, stride, ix->slot[i] - 1);

		if (k[0] == a && k[1] == b)
			return (ssize_t)ix->slot[i] - 1;
	}
	return -1;
}

/* Index base[0..n).  0, or -ENOMEM with no memory for a bigger table:
 * then the index is rebuilt in the table it has if n still fits (fuller,
 * slower), else emptied (every lookup misses), never left pointing at
 * positions the entries no longer hold. */
static int hindex_rebuild(struct hindex *ix, const void *base, size_t stride, size_t n)
{
	size_t want = 16, i, mask;
	int r = 0;

	while (want < n * 2 + 2)
		want *= 2;
	if (want != ix->nslots) {
		uint32_t *ns = malloc(want * sizeof(*ns));

		if (ns) {
			free(ix->slot);
			ix->slot = ns;
			ix->nslots = want;
		} else {
			r = -ENOMEM;
			if (ix->nslots <= n) {
				free(ix->slot);
				ix->slot = NULL;
				ix->nslots = 0;
				return r;
			}
		}
	}
	memset(ix->slot, 0, ix->nslots * sizeof(*ix->slot));
	mask = ix->nslots - 1;
	for (i = 0; i < n; i++) {
		const uint64_t *k = key_at(base, stride, i);
		size_t j = hash_key(k[0], k[1]) & mask;

		while (ix->slot[j])
			j = (j + 1) & mask;
		ix->slot[j] = (uint32_t)(i + 1);
	}
	return r;
}

static struct series *lookup(const struct history *h, uint64_t netns, uint64_t inode)
{
	ssize_t i = hindex_find(&h->ix, h->s, sizeof(*h->s), netns, inode);

	return i < 0 ? NULL : &h->s[i];
}

static int rehash(struct history *h)
{
	return hindex_rebuild(&h->ix, h->s, sizeof(*h->s), h->n);
}

static struct series *add_series(struct history *h, const struct ltsock *k)
{
	struct series *s;

	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 64;
		struct series *v = realloc(h->s, cap * sizeof(*v));

		if (!v)
			return NULL;
		h->s = v;
		h->cap = cap;
	}
	s = &h->s[h->n++];
	memset(s, 0, sizeof(*s));
	s->netns = k->netns;
	s->inode = k->inode;
	s->cookie = k->cookie;
	return s;
}

/* Index of the i-th oldest point. */
static unsigned pt(const struct series *s, unsigned i)
{
	return (s->head + HISTORY_POINTS - s->n + i) % HISTORY_POINTS;
}

static uint32_t clamp32(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

uint32_t history_queue_point(const struct ltsock *k)
{
	return clamp32(ltsock_recv_q(k));
}

/* A point's time in seconds (since the history's tbase). */
static double secs(int32_t ms)
{
	return ms / 1000.0;
}

/* Forget s's points: it starts over with no point, one value. */
static void series_restart(struct series *s)
{
	free(s->pv);
	s->pv = NULL;
	s->n = 0;
	s->head = 0;
}

/* Add k's point at t.  0, or -ENOMEM when the series needed its own
 * values and got no memory: it starts over from this point. */
static int append(struct series *s, int32_t t, const struct ltsock *k, double window)
{
	uint32_t v[3] = { history_queue_point(k), clamp32(ltsock_send_held(k)), k->m->drops };
	unsigned i, j, one;
	int r = 0;

	if (!s->pv && s->n > 0 && memcmp(v, s->c, sizeof(v)) != 0) {
		s->pv = malloc(3 * HISTORY_POINTS * sizeof(*s->pv));
		if (s->pv) {
			for (i = 0; i < 3; i++)
				for (j = 0; j < HISTORY_POINTS; j++)
					s->pv[i * HISTORY_POINTS + j] = s->c[i];
		} else {
			series_restart(s);
			r = -ENOMEM;
		}
	}
	if (!s->pv)
		memcpy(s->c, v, sizeof(v));
	else
		for (i = 0; i < 3; i++)
			s->pv[i * HISTORY_POINTS + s->head] = v[i];
	s->t[s->head] = t;
	s->head = (uint8_t)((s->head + 1) % HISTORY_POINTS);
	if (s->n < HISTORY_POINTS)
		s->n++;
	/* forget points older than the window, keeping at least two */
	while (s->n > 2 && secs(t) - secs(s->t[pt(s, 0)]) > window)
		s->n--;
	if (s->pv) {
		/* the window all one value again: kept once */
		for (j = 0, one = 1; j < s->n && one; j++)
			for (i = 0; i < 3; i++)
				if (s->pv[i * HISTORY_POINTS + pt(s, j)] != v[i])
					one = 0;
		if (one) {
			free(s->pv);
			s->pv = NULL;
			memcpy(s->c, v, sizeof(v));
		}
	}
	return r;
}

/*
 * The send side of a series: SOCK_FLAG_SEND_STALLED when the bytes waiting
 * to be sent grew at every step of the window, or stood still (the same
 * bytes, not none) for the last three points: the peer takes nothing.  An
 * earlier dip does not clear it (a closed window lets a probe's worth
 * through).  A busy healthy sender's queue goes up and down.
 */
static void send_rate_of(const struct series *s, struct sock_rate *r)
{
	unsigned i, n = s->n, grew = 1, fell = 0, all = 1;
	double dt;

	for (i = 0; i < n; i++) {
		uint32_t b = val(s, V_SQ, pt(s, i));

		if (!b)
			all = 0;
		if (i > 0) {
			uint32_t a = val(s, V_SQ, pt(s, i - 1));

			if (b <= a)
				grew = 0;
			if (b < a)
				fell = 1;
		}
	}
	dt = secs(s->t[pt(s, n - 1)]) - secs(s->t[pt(s, 0)]);
	if (dt > 0)
		r->send_growth_bps = ((double)val(s, V_SQ, pt(s, n - 1)) -
				      val(s, V_SQ, pt(s, 0))) / dt;
	if (n >= 3 && ((all && !fell && grew) ||
		       (val(s, V_SQ, pt(s, n - 1)) > 0 &&
			val(s, V_SQ, pt(s, n - 1)) == val(s, V_SQ, pt(s, n - 2)) &&
			val(s, V_SQ, pt(s, n - 2)) == val(s, V_SQ, pt(s, n - 3)))))
		r->flags |= SOCK_FLAG_SEND_STALLED;
}

static void rate_of(const struct series *s, const struct ltsock *k, struct sock_rate *r)
{
	double st = 0, sq = 0, stt = 0, stq = 0, t0, dt;
	unsigned i, n = s->n, grew_every_step = 1, never_decreased = 1;
	unsigned drops_every_step = 1, all_queued = 1;
	uint32_t d0, d1;

	r->points = (uint8_t)n;
	if (n < 2)
		return;
	r->known = 1;
	send_rate_of(s, r);
	t0 = secs(s->t[pt(s, 0)]);
	for (i = 0; i < n; i++) {
		double x = secs(s->t[pt(s, i)]) - t0, y = val(s, V_Q, pt(s, i));

		st += x;
		sq += y;
		stt += x * x;
		stq += x * y;
		if (!val(s, V_Q, pt(s, i)))
			all_queued = 0;
		if (i > 0) {
			uint32_t a = val(s, V_Q, pt(s, i - 1)), b = val(s, V_Q, pt(s, i));

			if (b <= a)
				grew_every_step = 0;
			if (b < a)
				never_decreased = 0;
			/* unsigned difference: a counter that wrapped still rose */
			if ((uint32_t)(val(s, V_DROPS, pt(s, i)) - val(s, V_DROPS, pt(s, i - 1))) == 0)
				drops_every_step = 0;
		}
	}
	dt = stt - st * st / n;
	r->growth_bps = dt > 1e-9 ? (stq - st * sq / n) / dt : 0;
	d0 = val(s, V_DROPS, pt(s, 0));
	d1 = val(s, V_DROPS, pt(s, n - 1));
	dt = secs(s->t[pt(s, n - 1)]) - t0;
	if (dt > 0 && (k->have & LTSOCK_HAVE_DROPS))
		r->drops_ps = (double)(uint32_t)(d1 - d0) / dt;
	if ((k->have & LTSOCK_HAVE_DROPS) && d1 != d0)
		r->flags |= SOCK_FLAG_DROPPING;
	/*
	 * never_read, the same rule for every family: the queue grew at every
	 * step; or it never went down while drops rose at every step; or it
	 * held bytes at every point, never went down, and is under pressure
	 * (full, or dropping): nothing is read.
	 * A reader that reads anything moves its queue down at some point;
	 * a leftover nobody pushes on is not flagged.
	 */
	if (n >= 3 && val(s, V_Q, pt(s, n - 1)) > 0 &&
	    (grew_every_step ||
	     (never_decreased && drops_every_step && (k->have & LTSOCK_HAVE_DROPS)) ||
	     (never_decreased && all_queued && (r->flags & (SOCK_FLAG_FULL | SOCK_FLAG_DROPPING)))))
		r->flags |= SOCK_FLAG_NEVER_READ;
}

/* Append socket k's point at t (and make its series current), fill *r.
 * Returns UPD_ADDED when a series was added, UPD_NOMEM when memory ran
 * out (its rate starts over), both, or 0. */
enum { UPD_ADDED = 1, UPD_NOMEM = 2 };

static int update_one(struct history *h, int32_t t, const struct ltsock *k,
		      struct sock_rate *r)
{
	struct series *s;
	int ret = 0;

	memset(r, 0, sizeof(*r));
	if (ltsock_is_full(k))
		r->flags |= SOCK_FLAG_FULL;
	if (!ltsock_queue_is_bytes(k) || k->inode == 0)
		return 0;
	s = lookup(h, k->netns, k->inode);
	if (s && s->cookie && k->cookie && s->cookie != k->cookie) {
		/* the inode was reused by a new socket: start over */
		series_restart(s);
		s->cookie = k->cookie;
	}
	if (!s) {
		/* a quiet socket costs nothing: 0 bytes, 0 drops */
		if (ltsock_recv_q(k) == 0 && k->m->drops == 0 && ltsock_send_held(k) == 0) {
			r->known = h->started;
			r->points = h->started ? 2 : 1;
			return 0;
		}
		s = add_series(h, k);
		if (!s)
			return UPD_NOMEM;
		ret = UPD_ADDED;
		/* the pointer may move on the next add: use it now */
	}
	s->gen = h->gen;
	if (append(s, t, k, h->window) < 0)
		ret |= UPD_NOMEM;
	rate_of(s, k, r);
	return ret;
}

/*
 * Time t as the series keep it: ms since h->tbase, which starts at the
 * first update and moves (every point moved with it, saturating: such a
 * point is long out of any window) when t is 12 days away from it.
 */
static int32_t series_time(struct history *h, double t)
{
	const double span = (double)(1 << 30) / 1000;	/* 12.4 days, in s */
	double d;
	size_t i;

	if (!h->tbase_set) {
		h->tbase = t;
		h->tbase_set = 1;
	}
	d = t - h->tbase;
	if (d > span || d < -span) {
		int64_t shift = (int64_t)llround(d * 1000);

		for (i = 0; i < h->n; i++) {
			unsigned j;

			for (j = 0; j < HISTORY_POINTS; j++) {
				int64_t v = (int64_t)h->s[i].t[j] - shift;

				h->s[i].t[j] = v < INT32_MIN ? INT32_MIN :
					       v > INT32_MAX ? INT32_MAX : (int32_t)v;
			}
		}
		h->tbase += (double)shift / 1000;
		d = t - h->tbase;
	}
	return (int32_t)llround(d * 1000);
}

int history_touch(struct history *h, double t, const struct ltsock_vec *socks,
		  size_t first, struct sock_rate *rates)
{
	int32_t ms = series_time(h, t);
	size_t i;
	int ret = 0, added = 0, r;

	for (i = first; i < socks->n; i++) {
		r = update_one(h, ms, &socks->v[i], &rates[i]);
		if (r & UPD_NOMEM)
			ret = -ENOMEM;
		added |= r & UPD_ADDED;
	}
	/* the index learns the new series; nothing is dropped here */
	if (added && rehash(h) < 0)
		ret = -ENOMEM;
	return ret;
}

int history_update(struct history *h, double t, const struct ltsock_vec *socks,
		   struct sock_rate *rates)
{
	int32_t ms = series_time(h, t);
	size_t i, keep;
	int ret = 0;

	h->gen++;
	for (i = 0; i < socks->n; i++)
		if (update_one(h, ms, &socks->v[i], &rates[i]) & UPD_NOMEM)
			ret = -ENOMEM;
	/* keep series seen now that still hold a queue or a change */
	for (i = 0, keep = 0; i < h->n; i++) {
		struct series *s = &h->s[i];
		unsigned j, busy = 0;

		if (s->gen != h->gen) {
			free(s->pv);
			continue;
		}
		for (j = 0; j < s->n; j++)
			if (val(s, V_Q, pt(s, j)) || val(s, V_SQ, pt(s, j)) ||
			    val(s, V_DROPS, pt(s, j)) != val(s, V_DROPS, pt(s, 0)))
				busy = 1;
		if (!busy) {
			free(s->pv);
			continue;
		}
		if (keep != i)
			h->s[keep] = *s;
		keep++;
	}
	h->n = keep;
	if (rehash(h) < 0)
		ret = -ENOMEM;
	h->started = 1;
	return ret;
}

size_t history_series_of(const struct history *h, uint64_t netns, uint64_t inode,
			 double *t, uint32_t *q, size_t max)
{
	const struct series *s = lookup(h, netns, inode);
	size_t i, n;

	if (!s)
		return 0;
	n = s->n < max ? s->n : max;
	for (i = 0; i < n; i++) {
		t[i] = h->tbase + secs(s->t[pt(s, s->n - n + i)]);
		q[i] = val(s, V_Q, pt(s, s->n - n + i));
	}
	return n;
}

/* ---- the census order ---------------------------------------------------- */

struct order_ctx {
	const struct ltsock_vec *socks;
	const struct sock_rate *rates;
};

/* Growth in the order: unknown counts as 0. */
static double order_growth(const struct sock_rate *r)
{
	return r->known ? r->growth_bps : 0;
}

/* Neither growing nor shrinking, nothing held: ordered by inode alone. */
static int order_quiet(const struct ltsock_vec *socks, const struct sock_rate *rates,
		       size_t i)
{
	return order_growth(&rates[i]) == 0 && ltsock_rank_bytes(&socks->v[i]) == 0;
}

int history_order_cmp(const struct ltsock_vec *socks, const struct sock_rate *rates,
		      uint32_t i, uint32_t j)
{
	double gi = order_growth(&rates[i]), gj = order_growth(&rates[j]);
	uint64_t mi, mj;

	if (gi != gj)
		return gi > gj ? -1 : 1;
	mi = ltsock_rank_bytes(&socks->v[i]);
	mj = ltsock_rank_bytes(&socks->v[j]);
	if (mi != mj)
		return mi > mj ? -1 : 1;
	{
		const struct ltsock *a = &socks->v[i], *b = &socks->v[j];

		/* a total order: many sockets share inode 0 (time-wait,
		 * orphans), and the census's dump order is not the
		 * recording's, so live and replay must not depend on it */
		if (a->inode != b->inode)
			return a->inode > b->inode ? 1 : -1;
		if (a->netns != b->netns)
			return a->netns > b->netns ? 1 : -1;
		if (a->cookie != b->cookie)
			return a->cookie > b->cookie ? 1 : -1;
		return memcmp(&a->local, &b->local, sizeof(a->local));
	}
}

static int cmp_order(const void *a, const void *b, void *arg)
{
	const struct order_ctx *c = arg;

	return history_order_cmp(c->socks, c->rates, *(const uint32_t *)a,
				 *(const uint32_t *)b);
}

void history_order(const struct ltsock_vec *socks, const struct sock_rate *rates,
		   uint32_t *order)
{
	struct order_ctx c = { socks, rates };
	size_t n = socks->n, na = 0, nq = 0, nn = 0, i;

	/*
	 * Three runs: growing (or holding bytes at zero growth), then the
	 * quiet majority (no growth, nothing queued: by inode alone), then
	 * the shrinking.  Only the first and last need the full comparison.
	 * The quiet gather at the front first, then move behind the first run.
	 */
	for (i = 0; i < n; i++)
		if (order_quiet(socks, rates, i))
			order[nq++] = (uint32_t)i;
	for (i = 0; i < n; i++) {
		if (order_quiet(socks, rates, i))
			continue;
		if (order_growth(&rates[i]) < 0)
			order[n - 1 - nn++] = (uint32_t)i;
		else
			order[nq + na++] = (uint32_t)i;
	}
	ltsock_sort_by_inode(socks, order, nq);
	qsort_r(order + nq, na, sizeof(*order), cmp_order, &c);
	/* rotate [quiet | active] into [active | quiet] */
	if (na && nq) {
		uint32_t *tmp = malloc(na * sizeof(*tmp));

		if (tmp) {
			memcpy(tmp, order + nq, na * sizeof(*tmp));
			memmove(order + na, order, nq * sizeof(*order));
			memcpy(order, tmp, na * sizeof(*tmp));
			free(tmp);
		} else {
			/* no room: sort the two runs together */
			qsort_r(order, nq + na, sizeof(*order), cmp_order, &c);
		}
	}
	qsort_r(order + n - nn, nn, sizeof(*order), cmp_order, &c);
}

void history_order_insert(const struct ltsock_vec *socks, const struct sock_rate *rates,
			  uint32_t *order, size_t nkept, uint32_t *add, size_t nadd)
{
	struct order_ctx c = { socks, rates };
	size_t i, j, k, n = nkept;

	if (nadd > 64) {
		/* the additions sorted, then merged from the back, in place:
		 * no scratch the size of the census (sorting it again took 12
		 * bytes a socket: 7 MB at 500k, the light run's peak) */
		qsort_r(add, nadd, sizeof(*add), cmp_order, &c);
		for (k = nkept + nadd, i = nkept, j = nadd; j > 0; k--) {
			if (i > 0 && cmp_order(&order[i - 1], &add[j - 1], &c) > 0)
				order[k - 1] = order[--i];
			else
				order[k - 1] = add[--j];
		}
		return;
	}
	for (i = 0; i < nadd; i++) {
		size_t lo = 0, hi = n;

		/* the first position whose socket sorts after add[i] */
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (cmp_order(&order[mid], &add[i], &c) <= 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		memmove(order + lo + 1, order + lo, (n - lo) * sizeof(*order));
		order[lo] = add[i];
		n++;
	}
}

/* ---- processes: fd and ghost growth ----------------------------------- */

static unsigned ppt(const struct pseries *s, unsigned i)
{
	return (s->head + HISTORY_POINTS - s->n + i) % HISTORY_POINTS;
}

/* Least-squares slope of y over t (per second); 0 with fewer than 2 points. */
static double slope(const double *t, const double *y, unsigned n)
{
	double st = 0, sy = 0, stt = 0, sty = 0, d;
	unsigned i;

	if (n < 2)
		return 0;
	for (i = 0; i < n; i++) {
		double x = t[i] - t[0];

		st += x;
		sy += y[i];
		stt += x * x;
		sty += x * y[i];
	}
	d = stt - st * st / n;
	return d > 1e-9 ? (sty - st * sy / n) / d : 0;
}

static void proc_rate_apply(const struct pseries *s, struct proc_info *p);

/* Rates over s's points, kept in s and set on p. */
static void proc_rate(struct pseries *s, struct proc_info *p)
{
	double t[HISTORY_POINTS], f[HISTORY_POINTS], g[HISTORY_POINTS];
	unsigned i;

	for (i = 0; i < s->n; i++) {
		t[i] = s->t[ppt(s, i)];
		f[i] = s->fds[ppt(s, i)];
		g[i] = s->ghosts[ppt(s, i)];
	}
	/* a regression over the history, never two points */
	s->known = s->n >= 3;
	if (!s->known)
		return;
	s->fd_increase = s->fds[ppt(s, s->n - 1)] - s->fds[ppt(s, 0)];
	s->span = s->t[ppt(s, s->n - 1)] - s->t[ppt(s, 0)];
	s->fps = slope(t, f, s->n);
	s->gph = slope(t, g, s->n) * 3600;
	proc_rate_apply(s, p);
}

/* The rates of s's points (proc_rate's) on p, with p's fd count and limit. */
static void proc_rate_apply(const struct pseries *s, struct proc_info *p)
{
	double fps = s->fps;

	if (!s->known)
		return;
	p->growth_known = 1;
	p->fd_increase = s->fd_increase;
	p->growth_span_s = s->span;
	p->fd_growth_per_hour = fps * 3600;
	p->ghost_growth_per_hour = s->gph;
	if (fps > 1e-6 && p->fd_soft > 0 && p->nfds >= 0)
		p->exhaustion_s = p->nfds >= p->fd_soft ? 0 :
				  (double)(p->fd_soft - p->nfds) / fps;
}

int history_update_procs(struct history *h, double t, double window,
			 struct proc_list *procs)
{
	size_t i, keep;
	int ret = 0;

	h->pgen++;
	for (i = 0; i < procs->n; i++) {
		struct proc_info *p = &procs->v[i];
		struct pseries *s;
		ssize_t k;

		if (p->nfds < 0)
			continue;	/* hidden: nothing to follow */
		k = hindex_find(&h->pix, h->p, sizeof(*h->p), (uint64_t)p->pid,
				p->start_ticks);
		if (k < 0) {
			if (h->np == h->capp) {
				size_t cap = h->capp ? h->capp * 2 : 64;
				struct pseries *v = realloc(h->p, cap * sizeof(*v));

				if (!v) {
					ret = -ENOMEM;
					continue;
				}
				h->p = v;
				h->capp = cap;
			}
			s = &h->p[h->np++];
			memset(s, 0, sizeof(*s));
			s->pid = (uint64_t)p->pid;
			s->start_ticks = p->start_ticks;
		} else {
			s = &h->p[k];
		}
		s->gen = h->pgen;
		if (!p->fds_fresh && s->n > 0) {
			/* a count carried from an earlier read is no new point:
			 * the rates of the points there are */
			proc_rate_apply(s, p);
			continue;
		}
		s->t[s->head] = t;
		s->fds[s->head] = p->nfds;
		s->ghosts[s->head] = p->ghosts;
		s->head = (uint8_t)((s->head + 1) % HISTORY_POINTS);
		if (s->n < HISTORY_POINTS)
			s->n++;
		while (s->n > 3 && t - s->t[ppt(s, 0)] > window)
			s->n--;
		proc_rate(s, p);
	}
	/* processes that exited (or whose pid was reused) lose their series */
	for (i = 0, keep = 0; i < h->np; i++) {
		if (h->p[i].gen != h->pgen)
			continue;
		if (keep != i)
			h->p[keep] = h->p[i];
		keep++;
	}
	h->np = keep;
	if (hindex_rebuild(&h->pix, h->p, sizeof(*h->p), h->np) < 0)
		ret = -ENOMEM;
	return ret;
}

/* ---- ghosts: how long each has been one -------------------------------- */

static int cmp_ghost(const void *a, const void *b)
{
	const struct ghost *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return (x->inode > y->inode) - (x->inode < y->inode);
}

int history_update_ghosts(struct history *h, double t, const uint64_t *pid_inode,
			  size_t n)
{
	struct ghost *ng = NULL;
	size_t i;

	if (n) {
		ng = malloc(n * sizeof(*ng));
		if (!ng)
			return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		ssize_t k = hindex_find(&h->gix, h->g, sizeof(*h->g), pid_inode[2 * i],
					pid_inode[2 * i + 1]);

		ng[i].pid = pid_inode[2 * i];
		ng[i].inode = pid_inode[2 * i + 1];
		ng[i].first_seen = k < 0 ? t : h->g[k].first_seen;
	}
	if (n)
		qsort(ng, n, sizeof(*ng), cmp_ghost);
	free(h->g);
	h->g = ng;
	h->ng = h->capg = n;
	return hindex_rebuild(&h->gix, h->g, sizeof(*h->g), h->ng);
}

double history_ghost_since(const struct history *h, int pid, uint64_t inode)
{
	ssize_t k = hindex_find(&h->gix, h->g, sizeof(*h->g), (uint64_t)pid, inode);

	return k < 0 ? -1 : h->g[k].first_seen;
}

/* ---- the memory series -------------------------------------------------- */

double mem_series_value(const struct meminfo_breakdown *m, const struct meminfo_slab *slab,
			int id)
{
	if (id >= MEMS_SLAB0 && id <= MEMS_SLAB_LAST) {
		int k = id - MEMS_SLAB0;

		return slab->readable && k < slab->n ? (double)slab->top[k].bytes : NAN;
	}
	if (id >= MEMS_GROUP0 && id <= MEMS_GROUP_LAST)
		return m->socket_queues_from_census ? (double)m->socket_group[id - MEMS_GROUP0]
						    : NAN;
	if (id >= MEMS_PSS && id <= MEMS_PSS_SHMEM && m->pss.time <= 0)
		return NAN;
	switch (id) {
	case MEMS_TOTAL: return (double)m->total;
	case MEMS_FREE: return (double)m->free;
	case MEMS_AVAILABLE: return (double)m->available;
	case MEMS_CACHE: return (double)m->page_cache;
	case MEMS_BUFFERS: return (double)m->buffers;
	case MEMS_SHMEM: return (double)m->shmem;
	case MEMS_ANON: return (double)m->user_anon;
	case MEMS_KERNEL: return (double)m->kernel_known;
	case MEMS_SLAB_R: return (double)m->slab_reclaimable;
	case MEMS_SLAB_U: return (double)m->slab_unreclaimable;
	case MEMS_PTABLES: return (double)m->page_tables;
	case MEMS_STACKS: return (double)m->kernel_stack;
	case MEMS_VMALLOC: return (double)m->vmalloc;
	case MEMS_PERCPU: return (double)m->percpu;
	case MEMS_HUGETLB: return (double)m->hugetlb;
	case MEMS_ZSWAP: return (double)m->zswap;
	case MEMS_SOCKBUF: return (double)m->socket_buffers;
	case MEMS_UNACC: return (double)m->unaccounted;
	case MEMS_SOCKETS: return (double)m->socket_queues;
	case MEMS_PSS: return (double)m->pss.pss;
	case MEMS_PSS_ANON: return (double)m->pss.anon;
	case MEMS_PSS_FILE: return (double)m->pss.file;
	case MEMS_PSS_SHMEM: return (double)m->pss.shmem;
	}
	return NAN;
}

/* FNV-1a of a slab cache's name: which cache a rank held */
static uint32_t slab_key(const char *name)
{
	uint32_t h = 2166136261u;

	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 16777619u;
	return h;
}

void mem_series_point(const struct meminfo_breakdown *m, const struct meminfo_slab *slab,
		      double t, struct mem_point *pt)
{
	int id, k;

	pt->t = t;
	for (id = 0; id < MEMS_N; id++)
		pt->v[id] = mem_series_value(m, slab, id);
	for (k = 0; k < MEMINFO_SLAB_TOP; k++)
		pt->slab_key[k] = slab->readable && k < slab->n ? slab_key(slab->top[k].name) : 0;
}

void mem_series_clear(struct mem_series *ms)
{
	ms->n = ms->head = 0;
}

/* The i-th point, oldest first. */
static const struct mem_point *mpoint(const struct mem_series *ms, unsigned i)
{
	return &ms->p[(ms->head + MEM_SERIES_POINTS - ms->n + i) % MEM_SERIES_POINTS];
}

void mem_series_add(struct mem_series *ms, const struct mem_point *pt)
{
	if (ms->n) {
		const struct mem_point *last = mpoint(ms, ms->n - 1);

		if (pt->t == last->t) {
			/* the same sample again (a redraw, a replay that stayed) */
			ms->p[(ms->head + MEM_SERIES_POINTS - 1) % MEM_SERIES_POINTS] = *pt;
			return;
		}
		if (pt->t < last->t)
			mem_series_clear(ms);
	}
	ms->p[ms->head] = *pt;
	ms->head = (ms->head + 1) % MEM_SERIES_POINTS;
	if (ms->n < MEM_SERIES_POINTS)
		ms->n++;
}

void mem_series_push(struct mem_series *ms, const struct meminfo_breakdown *m,
		     const struct meminfo_slab *slab, double t)
{
	struct mem_point pt;

	mem_series_point(m, slab, t, &pt);
	mem_series_add(ms, &pt);
}

size_t mem_series_get(const struct mem_series *ms, int id, double *t, double *v,
		      size_t max)
{
	unsigned i, from = 0;
	size_t n = 0;

	if (id < 0 || id >= MEMS_N || !ms->n || !max)
		return 0;
	/* a slab rank's series starts where the rank took its cache */
	if (id >= MEMS_SLAB0 && id <= MEMS_SLAB_LAST) {
		uint32_t key = mpoint(ms, ms->n - 1)->slab_key[id - MEMS_SLAB0];

		for (from = ms->n; from > 0 &&
		     mpoint(ms, from - 1)->slab_key[id - MEMS_SLAB0] == key; from--)
			;
	}
	/* the newest max known points: count back, then copy forward */
	for (i = ms->n; i > from && n < max; i--)
		n += !isnan(mpoint(ms, i - 1)->v[id]);
	n = 0;
	for (; i < ms->n; i++) {
		const struct mem_point *p = mpoint(ms, i);

		if (isnan(p->v[id]))
			continue;
		if (t)
			t[n] = p->t;
		v[n++] = p->v[id];
	}
	return n;
}

double mem_series_slope(const struct mem_series *ms, int id)
{
	double t[MEM_SERIES_POINTS], v[MEM_SERIES_POINTS];
	double sx = 0, sy = 0, sxx = 0, sxy = 0, d;
	size_t i, n = mem_series_get(ms, id, t, v, MEM_SERIES_POINTS);

	if (n < 2)
		return 0;
	for (i = 0; i < n; i++) {
		double x = t[i] - t[0];

		sx += x;
		sy += v[i];
		sxx += x * x;
		sxy += x * v[i];
	}
	d = sxx - sx * sx / (double)n;
	return d > 1e-9 ? (sxy - sx * sy / (double)n) / d : 0;
}

double mem_series_span(const struct mem_series *ms)
{
	return ms->n ? mpoint(ms, ms->n - 1)->t - mpoint(ms, 0)->t : 0;
}
