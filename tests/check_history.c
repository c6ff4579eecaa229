/*
 * Unit tests of core/history.c on synthetic series: growth over a window,
 * the flags, inode reuse, drained queues, wrapping counters.
 */
#include <errno.h>
#include <math.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "check_suites.h"
#include "leaktop/common.h"
#include "leaktop/history.h"
#include "leaktop/sample.h"
#include "leaktop/sample_clock.h"

static struct ltsock mk(uint64_t inode, uint32_t q, uint32_t drops)
{
	struct ltsock s;

	memset(&s, 0, sizeof(s));
	s.netns = 4026531840ULL;
	s.inode = inode;
	s.family = AF_INET;
	s.type = SOCK_DGRAM;
	s.protocol = 17;
	s.state = TCP_CLOSE;
	check_mem(&s)->recv_q = q;
	check_mem(&s)->rmem = q;
	check_mem(&s)->rcvbuf = 212992;
	check_mem(&s)->drops = drops;
	s.have = LTSOCK_HAVE_SKMEM | LTSOCK_HAVE_DROPS | LTSOCK_HAVE_QUEUE;
	return s;
}

/* Feed one socket's (q, drops) series at 1 s steps; return the last rate. */
static struct sock_rate feed(struct history *h, uint64_t inode, const uint32_t *q,
			     const uint32_t *d, size_t n, double t0)
{
	struct ltsock_vec v = { 0 };
	struct sock_rate r;
	size_t i;

	memset(&r, 0, sizeof(r));
	for (i = 0; i < n; i++) {
		struct ltsock s = mk(inode, q[i], d ? d[i] : 0);

		v.n = 0;
		ck_assert_int_eq(ltsock_vec_push(&v, &s), 0);
		ck_assert_int_eq(history_update(h, t0 + (double)i, &v, &r), 0);
	}
	ltsock_vec_free(&v);
	return r;
}

/* Series keep their times as ms from a base that moves every 12 days: a
 * series that runs across the move, and one that starts 20 days later,
 * give the rates they would with exact times; so does the sparkline. */
START_TEST(test_time_base_moves)
{
	static const uint32_t q[] = { 1000, 2000, 3000, 4000, 5000, 6000 };
	struct history *h = history_new(NULL);
	/* the base moves at 2^30 ms from it */
	const double day = 86400, start = 12345.25, move = 1073741.824;
	double t[8];
	uint32_t qq[8];
	struct sock_rate r;
	size_t n;

	r = feed(h, 100, q, NULL, 2, start);
	ck_assert_int_eq(r.known, 1);
	ck_assert_double_eq_tol(r.growth_bps, 1000, 0.01);
	/* across the base's move (12.4 days after the first update) */
	r = feed(h, 100, q, NULL, 6, start + move - 3);
	ck_assert_int_eq(r.known, 1);
	ck_assert_double_eq_tol(r.growth_bps, 1000, 0.01);
	ck_assert(r.flags & SOCK_FLAG_NEVER_READ);
	/* the sparkline's times are the samples' */
	n = history_series_of(h, 4026531840ULL, 100, t, qq, 8);
	ck_assert_uint_ge(n, 5);
	ck_assert_double_eq_tol(t[n - 1], start + move + 2, 0.002);
	ck_assert_uint_eq(qq[n - 1], 6000);
	/* and far beyond, more than an int32 of ms from the start */
	r = feed(h, 101, q, NULL, 6, start + 30 * day);
	ck_assert_int_eq(r.known, 1);
	ck_assert_double_eq_tol(r.growth_bps, 1000, 0.01);
	n = history_series_of(h, 4026531840ULL, 101, t, qq, 8);
	ck_assert_double_eq_tol(t[0], start + 30 * day, 0.002);
	history_free(h);
}
END_TEST

/* A series keeps one value while its window holds one (a stuck queue),
 * its own rings while the values move, and one value again once the
 * window is all the same: at every step, whichever way it is kept, its
 * rate is the least-squares slope of the last 32 points, and the
 * sparkline the points themselves. */
START_TEST(test_series_one_value_and_back)
{
	enum { N = 140 };
	uint32_t q[N];
	struct history *h = history_new(NULL);
	struct ltsock_vec v = { 0 };
	struct sock_rate r;
	size_t i;

	for (i = 0; i < N; i++) {
		if (i < 20)
			q[i] = 7000;			/* stuck */
		else if (i < 50)
			q[i] = 7000 + (uint32_t)(i - 19) * 300;	/* growing */
		else if (i < 100)
			q[i] = 16000;			/* stuck again: > 32 points */
		else
			q[i] = 16000 - (uint32_t)(i % 7) * 100;	/* moving */
	}
	for (i = 0; i < N; i++) {
		struct ltsock k = mk(100, q[i], 0);
		size_t n = i + 1 < 32 ? i + 1 : 32, j;
		double st = 0, sq = 0, stt = 0, stq = 0, want, tt[32];
		uint32_t qq[32];

		v.n = 0;
		ck_assert_int_eq(ltsock_vec_push(&v, &k), 0);
		ck_assert_int_eq(history_update(h, 500.0 + (double)i, &v, &r), 0);
		ck_assert_uint_eq(r.points, n);
		for (j = i + 1 - n; j <= i; j++) {
			double x = (double)(j - (i + 1 - n)), y = q[j];

			st += x;
			sq += y;
			stt += x * x;
			stq += x * y;
		}
		want = n >= 2 ? (stq - st * sq / (double)n) / (stt - st * st / (double)n) : 0;
		ck_assert_msg(fabs(r.growth_bps - want) < 0.01 + fabs(want) * 1e-6,
			      "step %zu: %f, want %f", i, (double)r.growth_bps, want);
		/* stuck, far from full, no drops: not a never-read queue */
		if (i >= 80 && i < 100) {
			ck_assert(!(r.flags & SOCK_FLAG_NEVER_READ));
			ck_assert(r.growth_bps == 0);
		}
		ck_assert_uint_eq(history_series_of(h, k.netns, 100, tt, qq, 32), n);
		for (j = 0; j < n; j++)
			ck_assert_uint_eq(qq[j], q[i + 1 - n + j]);
	}
	ltsock_vec_free(&v);
	history_free(h);
}
END_TEST

START_TEST(test_steady_growth)
{
	static const uint32_t q[] = { 0, 2304, 4608, 6912, 9216 };
	struct history *h = history_new(NULL);
	struct sock_rate r;

	r = feed(h, 100, q, NULL, 1, 1000);
	ck_assert_int_eq(r.known, 0);	/* first sight: no rate */
	history_free(h);
	h = history_new(NULL);
	r = feed(h, 100, q, NULL, 5, 1000);
	ck_assert_int_eq(r.known, 1);
	ck_assert_double_eq_tol(r.growth_bps, 2304, 0.01);
	ck_assert(r.flags & SOCK_FLAG_NEVER_READ);
	ck_assert(!(r.flags & SOCK_FLAG_DROPPING));
	ck_assert_uint_eq(history_series(h), 1);
	history_free(h);
}
END_TEST

START_TEST(test_two_points_not_never_read)
{
	static const uint32_t q[] = { 1000, 2000 };
	struct history *h = history_new(NULL);
	struct sock_rate r = feed(h, 7, q, NULL, 2, 0);

	ck_assert_double_eq_tol(r.growth_bps, 1000, 0.01);
	ck_assert(!(r.flags & SOCK_FLAG_NEVER_READ));	/* too few samples to be sure */
	history_free(h);
}
END_TEST

START_TEST(test_grows_then_drains)
{
	/* read in bursts: grows, then drains: never flagged never_read */
	static const uint32_t q[] = { 0, 1000, 3000, 0, 500 };
	struct history *h = history_new(NULL);
	struct sock_rate r = feed(h, 8, q, NULL, 5, 0);

	ck_assert(!(r.flags & SOCK_FLAG_NEVER_READ));
	history_free(h);
}
END_TEST

START_TEST(test_full_and_dropping)
{
	/* stuck at the limit, drops rising: never read, full, dropping */
	static const uint32_t q[] = { 211968, 211968, 211968, 211968 };
	static const uint32_t d[] = { 10, 30, 50, 70 };
	struct history *h = history_new(NULL);
	struct sock_rate r = feed(h, 9, q, d, 4, 0);

	ck_assert(r.flags & SOCK_FLAG_NEVER_READ);
	ck_assert(r.flags & SOCK_FLAG_FULL);
	ck_assert(r.flags & SOCK_FLAG_DROPPING);
	ck_assert_double_eq_tol(r.drops_ps, 20, 0.01);
	ck_assert_double_eq_tol(r.growth_bps, 0, 0.01);
	history_free(h);
}
END_TEST

START_TEST(test_busy_but_read)
{
	/* a busy reader: queue up and down, a few drops: dropping only */
	static const uint32_t q[] = { 4000, 0, 8000, 2000, 6000, 0 };
	static const uint32_t d[] = { 0, 0, 1, 1, 2, 2 };
	struct history *h = history_new(NULL);
	struct sock_rate r = feed(h, 10, q, d, 6, 0);

	ck_assert(!(r.flags & SOCK_FLAG_NEVER_READ));
	ck_assert(r.flags & SOCK_FLAG_DROPPING);
	ck_assert(!(r.flags & SOCK_FLAG_FULL));
	history_free(h);
}
END_TEST

START_TEST(test_drops_counter_wraps)
{
	static const uint32_t q[] = { 5000, 5000, 5000 };
	static const uint32_t d[] = { 0xfffffff0u, 0xfffffffau, 4 };
	struct history *h = history_new(NULL);
	struct sock_rate r = feed(h, 11, q, d, 3, 0);

	ck_assert_double_eq_tol(r.drops_ps, 10, 0.01);	/* 20 drops over 2 s */
	ck_assert(r.flags & SOCK_FLAG_DROPPING);
	history_free(h);
}
END_TEST

START_TEST(test_inode_reuse)
{
	struct history *h = history_new(NULL);
	struct ltsock_vec v = { 0 };
	struct sock_rate r;
	struct ltsock s;
	int i;

	for (i = 0; i < 4; i++) {
		s = mk(42, (uint32_t)(1000 * (i + 1)), 0);
		s.cookie = 111;
		v.n = 0;
		ltsock_vec_push(&v, &s);
		history_update(h, i, &v, &r);
	}
	ck_assert(r.flags & SOCK_FLAG_NEVER_READ);
	/* same inode, new cookie: a new socket, its history starts over */
	s = mk(42, 100, 0);
	s.cookie = 222;
	v.n = 0;
	ltsock_vec_push(&v, &s);
	history_update(h, 4, &v, &r);
	ck_assert_int_eq(r.points, 1);
	ck_assert_int_eq(r.known, 0);
	ck_assert(!(r.flags & SOCK_FLAG_NEVER_READ));
	ltsock_vec_free(&v);
	history_free(h);
}
END_TEST

START_TEST(test_window_and_bounds)
{
	struct history_config cfg = { .window = 5 };
	struct history *h = history_new(&cfg);
	uint32_t q[100];
	struct sock_rate r;
	size_t i;

	/* grows 100/s for 50 s, then 1000/s: the window sees only the new rate */
	for (i = 0; i < 100; i++)
		q[i] = i < 50 ? (uint32_t)(100 * i) : (uint32_t)(5000 + 1000 * (i - 50));
	r = feed(h, 12, q, NULL, 100, 0);
	ck_assert_double_eq_tol(r.growth_bps, 1000, 0.01);
	ck_assert_int_le(r.points, 7);
	history_free(h);
}
END_TEST

START_TEST(test_quiet_sockets_cost_nothing)
{
	struct history *h = history_new(NULL);
	struct ltsock_vec v = { 0 };
	struct sock_rate *r;
	size_t i;
	int t;

	for (i = 0; i < 1000; i++) {
		struct ltsock s = mk(1000 + i, i == 500 ? 777 : 0, 0);

		ltsock_vec_push(&v, &s);
	}
	r = calloc(v.n, sizeof(*r));
	for (t = 0; t < 3; t++)
		ck_assert_int_eq(history_update(h, t, &v, r), 0);
	ck_assert_uint_eq(history_series(h), 1);	/* only the one with a queue */
	ck_assert_int_eq(r[0].known, 1);
	ck_assert_double_eq(r[0].growth_bps, 0);
	/* the queue disappears: its series goes too once it is back to zero */
	check_mem(&v.v[500])->recv_q = 0;
	for (t = 3; t < 70; t++)
		history_update(h, t, &v, r);
	ck_assert_uint_eq(history_series(h), 0);
	/* a socket that vanished loses its series at once */
	check_mem(&v.v[500])->recv_q = 5;
	history_update(h, 70, &v, r);
	ck_assert_uint_eq(history_series(h), 1);
	v.n = 10;
	history_update(h, 71, &v, r);
	ck_assert_uint_eq(history_series(h), 0);
	v.n = 1000;
	free(r);
	ltsock_vec_free(&v);
	history_free(h);
}
END_TEST

START_TEST(test_listen_backlog_is_not_bytes)
{
	struct history *h = history_new(NULL);
	static const uint32_t q[] = { 1, 2, 3, 4 };
	struct ltsock_vec v = { 0 };
	struct sock_rate r;
	size_t i;

	for (i = 0; i < 4; i++) {
		struct ltsock s = mk(55, q[i], 0);

		s.state = TCP_LISTEN;
		s.type = SOCK_STREAM;
		v.n = 0;
		ltsock_vec_push(&v, &s);
		history_update(h, (double)i, &v, &r);
	}
	ck_assert(!(r.flags & SOCK_FLAG_NEVER_READ));
	ck_assert_uint_eq(history_series(h), 0);
	ltsock_vec_free(&v);
	history_free(h);
}
END_TEST

/* The reference order: growth desc, rmem desc, inode asc, by comparison. */
static const struct ltsock_vec *ref_socks;
static const struct sock_rate *ref_rates;

static int ref_cmp(const void *a, const void *b)
{
	uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
	double gi = ref_rates[i].known ? ref_rates[i].growth_bps : 0;
	double gj = ref_rates[j].known ? ref_rates[j].growth_bps : 0;
	uint64_t mi = ltsock_queued(&ref_socks->v[i]), mj = ltsock_queued(&ref_socks->v[j]);

	if (gi != gj)
		return gi > gj ? -1 : 1;
	if (mi != mj)
		return mi > mj ? -1 : 1;
	return (ref_socks->v[i].inode > ref_socks->v[j].inode) -
	       (ref_socks->v[i].inode < ref_socks->v[j].inode);
}

START_TEST(test_order_matches_comparison_sort)
{
	static const size_t sizes[] = { 0, 1, 2, 7, 300, 5000, 300, 5000 };
	size_t k;

	srand(42);
	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		/* the last two: inodes over all four bytes (every pass of the
		 * quiet run's radix sort) */
		int narrow = k >= 6;
		size_t n = sizes[k], i;
		struct ltsock_vec v = { 0 };
		struct sock_rate *r = calloc(n ? n : 1, sizeof(*r));
		uint32_t *got = malloc((n ? n : 1) * sizeof(*got));
		uint32_t *want = malloc((n ? n : 1) * sizeof(*want));

		ck_assert(r && got && want);
		for (i = 0; i < n; i++) {
			/* mostly quiet, some charged, some growing, some
			 * shrinking; small inodes (many equal), or inodes
			 * spread over all 32 bits */
			uint32_t ino = narrow ? (uint32_t)rand() << 1 | 1 :
				       (uint32_t)(rand() % 100000 + 1);
			struct ltsock s = mk(ino, rand() % 4 == 0 ? (uint32_t)(rand() % 3) * 768 : 0, 0);

			if (rand() % 6 == 0) {
				/* a unix reader: its queue is charged to its senders */
				s.family = AF_UNIX;
				check_mem(&s)->rmem = 0;
				check_mem(&s)->peer_q = (uint32_t)(rand() % 3) * 512;
				s.have |= LTSOCK_HAVE_PEERQ;
			}
			ck_assert_int_eq(ltsock_vec_push(&v, &s), 0);
			r[i].known = rand() % 16 != 0;
			switch (rand() % 8) {
			case 0: r[i].growth_bps = (rand() % 5) * 10.5; break;
			case 1: r[i].growth_bps = -(rand() % 5) * 3.25; break;
			default: break;
			}
		}
		for (i = 0; i < n; i++)
			want[i] = (uint32_t)i;
		ref_socks = &v;
		ref_rates = r;
		qsort(want, n, sizeof(*want), ref_cmp);
		history_order(&v, r, got);
		/* ties (the same inode twice) may come in either order */
		for (i = 0; i < n; i++)
			ck_assert_int_eq(ref_cmp(&got[i], &want[i]), 0);
		ltsock_vec_free(&v);
		free(r);
		free(got);
		free(want);
	}
}
END_TEST

/*
 * The one order is on the bytes waiting for a reader: a unix reader holds
 * its queue in its senders' memory (rmem 0), so an order on rmem called it
 * quiet and put it below a smaller UDP queue, while the Sockets pane put
 * it above.
 */
START_TEST(test_order_on_queued_bytes)
{
	struct ltsock_vec v = { 0 };
	struct sock_rate r[3];
	struct ltsock s;
	uint32_t order[3];

	memset(r, 0, sizeof(r));
	s = mk(30, 4096, 0);			/* udp, 4 KiB charged */
	ck_assert_int_eq(ltsock_vec_push(&v, &s), 0);
	s = mk(20, 0, 0);			/* quiet */
	ck_assert_int_eq(ltsock_vec_push(&v, &s), 0);
	s = mk(10, 0, 0);			/* unix reader, 1 MiB at its senders */
	s.family = AF_UNIX;
	check_mem(&s)->recv_q = 100;
	check_mem(&s)->peer_q = 1 << 20;
	s.have |= LTSOCK_HAVE_PEERQ;
	ck_assert_int_eq(ltsock_vec_push(&v, &s), 0);
	r[0].known = r[1].known = r[2].known = 1;
	history_order(&v, r, order);
	ck_assert_uint_eq(order[0], 2);
	ck_assert_uint_eq(order[1], 0);
	ck_assert_uint_eq(order[2], 1);
	ck_assert_int_lt(history_order_cmp(&v, r, 2, 0), 0);
	ck_assert_int_gt(history_order_cmp(&v, r, 1, 0), 0);
	ck_assert_int_eq(history_order_cmp(&v, r, 1, 1), 0);
	/* growth before bytes; an unknown growth counts as 0 */
	r[1].growth_bps = 5;
	ck_assert_int_lt(history_order_cmp(&v, r, 1, 2), 0);
	r[1].known = 0;
	ck_assert_int_gt(history_order_cmp(&v, r, 1, 2), 0);
	history_order(&v, r, order);
	ck_assert_uint_eq(order[0], 2);
	ck_assert_uint_eq(order[2], 1);
	ltsock_vec_free(&v);
}
END_TEST

/* Orphans (issue 24): a TCP connection no fd holds, with 3 MiB unsent,
 * ranks by what it holds, above a netlink socket's 832 B; with nothing
 * held it is quiet. */
START_TEST(test_order_orphans_by_memory)
{
	struct ltsock_vec v = { 0 };
	struct sock_rate r[3];
	struct ltsock s;
	uint32_t order[3];

	memset(r, 0, sizeof(r));
	s = mk(30, 832, 0);			/* 832 B waiting for a reader */
	ck_assert_int_eq(ltsock_vec_push(&v, &s), 0);
	s = mk(0, 0, 0);			/* an orphan, 3 MiB unsent */
	s.protocol = 6;				/* tcp */
	s.type = SOCK_STREAM;
	s.state = 4;				/* FIN_WAIT1 */
	s.have = LTSOCK_HAVE_SKMEM | LTSOCK_HAVE_SKMEM2;
	check_mem(&s)->wmem_queued = 3 << 20;
	ck_assert_int_eq(ltsock_vec_push(&v, &s), 0);
	check_mem(&s)->wmem_queued = 0;			/* an orphan holding nothing */
	ck_assert_int_eq(ltsock_vec_push(&v, &s), 0);
	r[0].known = r[1].known = r[2].known = 1;
	ck_assert_int_eq(ltsock_is_orphan(&v.v[1]), 1);
	history_order(&v, r, order);
	ck_assert_uint_eq(order[0], 1);
	ck_assert_uint_eq(order[1], 0);
	ck_assert_uint_eq(order[2], 2);
	ck_assert_int_lt(history_order_cmp(&v, r, 1, 0), 0);
	ltsock_vec_free(&v);
}
END_TEST

/* The sparkline's point is the Recv-Q the panes show: for a unix reader
 * the bytes its senders queued, not its raw Recv-Q (which a replay once
 * drew, while live history drew ltsock_recv_q). */
START_TEST(test_queue_point)
{
	struct ltsock s = mk(10, 300, 0);

	ck_assert_uint_eq(history_queue_point(&s), 300);
	s.family = AF_UNIX;
	check_mem(&s)->recv_q = 100;
	check_mem(&s)->peer_q = 70000;
	s.have |= LTSOCK_HAVE_PEERQ;
	ck_assert_uint_eq(history_queue_point(&s), 70000);
	ck_assert_uint_eq(history_queue_point(&s), ltsock_recv_q(&s));
}
END_TEST

/* A light sample's order: the kept sockets' order, minus the removed, plus
 * the inserted, is the order history_order computes from scratch. */
START_TEST(test_order_insert_matches_full_order)
{
	static const size_t adds[] = { 0, 1, 5, 64, 65, 300 };
	size_t k;

	srand(7);
	for (k = 0; k < sizeof(adds) / sizeof(adds[0]); k++) {
		size_t n = 3000, nadd = adds[k], nkept = n - nadd, i;
		struct ltsock_vec v = { 0 };
		struct sock_rate *r = calloc(n, sizeof(*r));
		uint32_t *got = malloc(n * sizeof(*got)), *want = malloc(n * sizeof(*want));
		uint32_t *add = malloc((nadd ? nadd : 1) * sizeof(*add));
		struct ltsock_vec kept;

		ck_assert(r && got && want && add);
		for (i = 0; i < n; i++) {
			struct ltsock s = mk((uint64_t)rand() % 50000 + 1,
					     rand() % 3 == 0 ? (uint32_t)(rand() % 4) * 512 : 0, 0);

			ck_assert_int_eq(ltsock_vec_push(&v, &s), 0);
			r[i].known = 1;
			if (rand() % 5 == 0)
				r[i].growth_bps = (rand() % 7 - 3) * 11.0;
		}
		/* the first nkept sockets were kept: their order as a census of
		 * them alone would give it */
		kept = v;
		kept.n = nkept;
		history_order(&kept, r, got);
		for (i = 0; i < nadd; i++)
			add[i] = (uint32_t)(nkept + i);
		history_order_insert(&v, r, got, nkept, add, nadd);
		history_order(&v, r, want);
		ref_socks = &v;
		ref_rates = r;
		for (i = 0; i < n; i++)
			ck_assert_int_eq(ref_cmp(&got[i], &want[i]), 0);
		ltsock_vec_free(&v);
		free(r);
		free(got);
		free(want);
		free(add);
	}
}
END_TEST

/* A light sample adds points only for the sockets read again, keeps every
 * other series, and leaves the dropping of series to the next full update. */
START_TEST(test_touch_keeps_other_series)
{
	struct history_config cfg = { .window = 60 };
	struct history *h = history_new(&cfg);
	struct ltsock_vec v = { 0 };
	struct sock_rate r[3];
	struct ltsock a = mk(11, 1000, 0), b = mk(12, 500, 0), c = mk(13, 0, 0);
	double ht[HISTORY_POINTS];
	uint32_t q[HISTORY_POINTS];

	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq(ltsock_vec_push(&v, &a), 0);
	ck_assert_int_eq(ltsock_vec_push(&v, &b), 0);
	ck_assert_int_eq(history_update(h, 100, &v, r), 0);
	check_mem(&v.v[0])->recv_q = 2000;
	ck_assert_int_eq(history_update(h, 101, &v, r), 0);
	ck_assert_uint_eq(history_series(h), 2);
	/* light: only socket 1 (b) was read again, and c is new */
	ck_assert_int_eq(ltsock_vec_push(&v, &c), 0);
	check_mem(&v.v[1])->recv_q = 900;
	check_mem(&v.v[2])->recv_q = 300;
	ck_assert_int_eq(history_touch(h, 102, &v, 1, r), 0);
	ck_assert_uint_eq(history_series(h), 3);
	/* a kept its two points; b and c got one each at t = 102 */
	ck_assert_uint_eq(history_series_of(h, a.netns, 11, ht, q, HISTORY_POINTS), 2);
	ck_assert_uint_eq(history_series_of(h, b.netns, 12, ht, q, HISTORY_POINTS), 3);
	ck_assert_uint_eq(q[2], 900);
	ck_assert(ht[2] == 102);
	ck_assert_uint_eq(history_series_of(h, c.netns, 13, ht, q, HISTORY_POINTS), 1);
	ck_assert(r[1].growth_bps > 0);
	/* the next full update drops a series whose socket is gone */
	v.n = 2;
	ck_assert_int_eq(history_update(h, 103, &v, r), 0);
	ck_assert_uint_eq(history_series(h), 2);
	ltsock_vec_free(&v);
	history_free(h);
}
END_TEST

/* Feed arbitrary sockets (one per step) through the history; last rate. */
static struct sock_rate feed_socks(struct history *h, const struct ltsock *k, size_t n)
{
	struct ltsock_vec v = { 0 };
	struct sock_rate r;
	size_t i;

	memset(&r, 0, sizeof(r));
	for (i = 0; i < n; i++) {
		v.n = 0;
		ck_assert_int_eq(ltsock_vec_push(&v, &k[i]), 0);
		ck_assert_int_eq(history_update(h, 2000 + (double)i, &v, &r), 0);
	}
	ltsock_vec_free(&v);
	return r;
}

/* A TCP receiver that filled its buffer and then stood still: the same
 * rule as every family says never_read (full, nothing read). */
START_TEST(test_filled_then_still_is_never_read)
{
	struct history *h = history_new(NULL);
	struct ltsock k[5];
	struct sock_rate r;
	size_t i;

	for (i = 0; i < 5; i++) {
		k[i] = mk(300, i < 2 ? 60000 * (uint32_t)(i + 1) : 128512, 0);
		k[i].type = SOCK_STREAM;
		k[i].protocol = 6;
		k[i].state = TCP_ESTABLISHED;
		check_mem(&k[i])->rcvbuf = 131072;
		/* full from the third */
		check_mem(&k[i])->rmem = i < 2 ? check_mem(&k[i])->recv_q : 131008;
	}
	r = feed_socks(h, k, 5);
	ck_assert(r.flags & SOCK_FLAG_FULL);
	ck_assert(r.flags & SOCK_FLAG_NEVER_READ);
	history_free(h);
}
END_TEST

/* The same bytes standing still with nobody pushing (a leftover datagram,
 * not full, no drops): not flagged. */
START_TEST(test_leftover_not_flagged)
{
	static const uint32_t q[] = { 2304, 2304, 2304, 2304, 2304 };
	struct history *h = history_new(NULL);
	struct sock_rate r = feed(h, 301, q, NULL, 5, 3000);

	ck_assert_uint_eq(r.flags, 0);
	history_free(h);
}
END_TEST

/* A unix datagram reader: Recv-Q is the first datagram only; its queue is
 * what its connected senders hold (peer_q).  Senders the kernel makes wait
 * make it full; never going down: never_read; a reader whose queue goes
 * down: not; senders with bytes that do not wait (a pair with data left
 * unread): not full, not flagged. */
START_TEST(test_unix_reader_with_waiting_senders)
{
	struct history *h = history_new(NULL);
	struct ltsock k[5];
	struct sock_rate r;
	size_t i;

	for (i = 0; i < 5; i++) {
		memset(&k[i], 0, sizeof(k[i]));
		k[i].netns = 1;
		k[i].inode = 400;
		k[i].family = AF_UNIX;
		k[i].type = SOCK_DGRAM;
		k[i].state = TCP_ESTABLISHED;
		check_mem(&k[i])->recv_q = 420;
		check_mem(&k[i])->rcvbuf = 212992;
		k[i].have = LTSOCK_HAVE_SKMEM | LTSOCK_HAVE_QUEUE | LTSOCK_HAVE_PEERQ;
		check_mem(&k[i])->peer_q = i == 0 ? 9000 : 17920;
		check_mem(&k[i])->npeer_q = 3;
		check_mem(&k[i])->npeer_blocked = 3;
	}
	ck_assert_uint_eq(ltsock_recv_q(&k[4]), 17920);
	ck_assert_uint_eq(ltsock_queued(&k[4]), 17920);
	r = feed_socks(h, k, 5);
	ck_assert(r.flags & SOCK_FLAG_FULL);
	ck_assert(r.flags & SOCK_FLAG_NEVER_READ);
	history_free(h);

	/* the reader reads: the senders' bytes go down once */
	h = history_new(NULL);
	check_mem(&k[2])->peer_q = 4000;
	r = feed_socks(h, k, 5);
	ck_assert(!(r.flags & SOCK_FLAG_NEVER_READ));
	history_free(h);

	h = history_new(NULL);
	for (i = 0; i < 5; i++) {
		check_mem(&k[i])->peer_q = 1280;
		check_mem(&k[i])->npeer_blocked = 0;
	}
	r = feed_socks(h, k, 5);
	ck_assert_uint_eq(r.flags, 0);
	history_free(h);
}
END_TEST

/* The send side: bytes waiting at every point, never fewer, standing
 * still for three points: send_stalled.  A counter that goes down (the
 * peer took some) or a queue that empties once is not. */
START_TEST(test_send_stalled_and_counters_going_down)
{
	struct history *h = history_new(NULL);
	struct ltsock k[5];
	struct sock_rate r;
	size_t i;
	static const uint32_t grow[5] = { 1000000, 2000000, 2755072, 2755072, 2755072 };
	static const uint32_t down[5] = { 1000000, 2000000, 1500000, 2755072, 2755072 };

	for (i = 0; i < 5; i++) {
		k[i] = mk(500, 0, 0);
		k[i].type = SOCK_STREAM;
		k[i].protocol = 6;
		k[i].state = TCP_ESTABLISHED;
		check_mem(&k[i])->send_q = grow[i];
		check_mem(&k[i])->wmem_queued = grow[i] + 48000;
		check_mem(&k[i])->sndbuf = 4194304;
		k[i].have |= LTSOCK_HAVE_SKMEM2;
	}
	r = feed_socks(h, k, 5);
	ck_assert(r.flags & SOCK_FLAG_SEND_STALLED);
	ck_assert(!(r.flags & SOCK_FLAG_NEVER_READ));
	ck_assert(r.send_growth_bps > 0);
	history_free(h);

	h = history_new(NULL);
	for (i = 0; i < 5; i++) {
		check_mem(&k[i])->send_q = down[i];
		check_mem(&k[i])->wmem_queued = down[i];
	}
	r = feed_socks(h, k, 5);
	ck_assert(!(r.flags & SOCK_FLAG_SEND_STALLED));
	history_free(h);

	h = history_new(NULL);
	for (i = 0; i < 5; i++)
		check_mem(&k[i])->send_q = check_mem(&k[i])->wmem_queued = i == 3 ? 0 : 4096;
	r = feed_socks(h, k, 5);
	ck_assert(!(r.flags & SOCK_FLAG_SEND_STALLED));
	history_free(h);

	/* an early dip (a probe's worth let through), then standing still */
	h = history_new(NULL);
	for (i = 0; i < 5; i++)
		check_mem(&k[i])->send_q = check_mem(&k[i])->wmem_queued = i == 0 ? 2770432 : 2755072;
	r = feed_socks(h, k, 5);
	ck_assert(r.flags & SOCK_FLAG_SEND_STALLED);
	history_free(h);
}
END_TEST

/* Out of memory while the index shrinks with the series (most sockets
 * went quiet): the index must not keep pointing at the places the dropped
 * series held.  The first allocation of the update is the index's. */
START_TEST(test_index_enomem)
{
	struct history *h = history_new(NULL);
	struct ltsock_vec v = { 0 };
	struct sock_rate r[40];
	double t[HISTORY_POINTS];
	uint32_t q[HISTORY_POINTS];
	size_t i;

	for (i = 0; i < 40; i++) {
		struct ltsock s = mk(100 + i, 1000, 0);

		ck_assert_int_eq(ltsock_vec_push(&v, &s), 0);
	}
	ck_assert_int_eq(history_update(h, 1, &v, r), 0);
	/* only the last five are seen again: the rest are dropped */
	memmove(v.v, v.v + 35, 5 * sizeof(*v.v));
	v.n = 5;
	lt_alloc_fail_nth(1);
	ck_assert_int_eq(history_update(h, 2, &v, r), -ENOMEM);
	ck_assert_uint_ge(lt_alloc_count(), 1);
	lt_alloc_fail_nth(0);
	for (i = 0; i < 35; i++)
		ck_assert_uint_eq(history_series_of(h, v.v[0].netns, 100 + i, t, q,
						    HISTORY_POINTS), 0);
	for (i = 35; i < 40; i++)
		ck_assert_uint_eq(history_series_of(h, v.v[0].netns, 100 + i, t, q,
						    HISTORY_POINTS), 2);
	/* and the next update finds them */
	ck_assert_int_eq(history_update(h, 3, &v, r), 0);
	ck_assert_uint_eq(history_series_of(h, v.v[0].netns, 139, t, q, HISTORY_POINTS), 3);
	ltsock_vec_free(&v);
	history_free(h);
}
END_TEST

/* The memory series: the value of each figure, the points in order, a
 * slab rank that changes cache starting over, the newest points when
 * asked for fewer, unknown points skipped, the slope, and a step back in
 * time (a replay that moved) starting the series over. */
START_TEST(test_mem_series)
{
	static struct sample s;
	static struct mem_series ms;
	double t[MEM_SERIES_POINTS], v[MEM_SERIES_POINTS];
	int i;

	memset(&s, 0, sizeof(s));
	mem_series_clear(&ms);
	s.slab.readable = 1;
	s.slab.n = 1;
	for (i = 0; i < 70; i++) {
		s.clock = 1000 + i;
		s.mem.unaccounted = 4096 * i;
		s.mem.socket_queues = 100;
		s.mem.pss.time = i >= 3 ? 1 : 0;	/* PSS read from the 4th on */
		s.mem.pss.pss = 5;
		snprintf(s.slab.top[0].name, sizeof(s.slab.top[0].name), "%s",
			 i < 65 ? "kmalloc-64" : "dentry");
		s.slab.top[0].bytes = 10 * i;
		mem_series_push(&ms, &s.mem, &s.slab, sample_steady_time(&s));
		/* the same sample again (a redraw) adds nothing */
		mem_series_push(&ms, &s.mem, &s.slab, sample_steady_time(&s));
	}
	ck_assert(isnan(mem_series_value(&s.mem, &s.slab, MEMS_SLAB0 + 1)));
	ck_assert(isnan(mem_series_value(&s.mem, &s.slab, MEMS_GROUP0)));	/* no census */
	ck_assert_double_eq(mem_series_value(&s.mem, &s.slab, MEMS_SOCKETS), 100);
	/* 64 points kept: samples 6..69 */
	ck_assert_uint_eq(mem_series_get(&ms, MEMS_UNACC, t, v, MEM_SERIES_POINTS), 64);
	ck_assert_double_eq(t[0], 1006);
	ck_assert_double_eq(v[63], 4096.0 * 69);
	ck_assert_double_eq_tol(mem_series_slope(&ms, MEMS_UNACC), 4096, 1e-6);
	ck_assert_double_eq_tol(mem_series_slope(&ms, MEMS_SOCKETS), 0, 1e-9);
	ck_assert_double_eq(mem_series_span(&ms), 63);
	/* the newest 10 */
	ck_assert_uint_eq(mem_series_get(&ms, MEMS_UNACC, t, v, 10), 10);
	ck_assert_double_eq(t[0], 1060);
	ck_assert_double_eq(t[9], 1069);
	/* slab rank 0 took dentry at sample 65: its series starts there */
	ck_assert_uint_eq(mem_series_get(&ms, MEMS_SLAB0, t, v, MEM_SERIES_POINTS), 5);
	ck_assert_double_eq(v[0], 650);
	/* a figure no sample knew */
	ck_assert_uint_eq(mem_series_get(&ms, MEMS_SLAB0 + 3, t, v, MEM_SERIES_POINTS), 0);
	/* back in time: the series starts over */
	s.clock = 1010;
	mem_series_push(&ms, &s.mem, &s.slab, sample_steady_time(&s));
	ck_assert_uint_eq(mem_series_get(&ms, MEMS_UNACC, t, v, MEM_SERIES_POINTS), 1);
	ck_assert_double_eq(mem_series_slope(&ms, MEMS_UNACC), 0);

	/* unknown points are skipped: PSS from the 4th sample on */
	mem_series_clear(&ms);
	for (i = 0; i < 6; i++) {
		s.clock = 2000 + i;
		s.mem.pss.time = i >= 3 ? 1 : 0;
		mem_series_push(&ms, &s.mem, &s.slab, sample_steady_time(&s));
	}
	ck_assert_uint_eq(mem_series_get(&ms, MEMS_PSS, t, v, MEM_SERIES_POINTS), 3);
	ck_assert_double_eq(t[0], 2003);
	ck_assert_uint_eq(mem_series_get(&ms, MEMS_PSS, t, v, 2), 2);
	ck_assert_double_eq(t[0], 2004);
}
END_TEST

Suite *history_suite(void)
{
	Suite *s = suite_create("history");
	TCase *tc = tcase_create("rates");

	tcase_add_test(tc, test_steady_growth);
	tcase_add_test(tc, test_two_points_not_never_read);
	tcase_add_test(tc, test_grows_then_drains);
	tcase_add_test(tc, test_full_and_dropping);
	tcase_add_test(tc, test_filled_then_still_is_never_read);
	tcase_add_test(tc, test_leftover_not_flagged);
	tcase_add_test(tc, test_unix_reader_with_waiting_senders);
	tcase_add_test(tc, test_send_stalled_and_counters_going_down);
	tcase_add_test(tc, test_busy_but_read);
	tcase_add_test(tc, test_drops_counter_wraps);
	tcase_add_test(tc, test_inode_reuse);
	tcase_add_test(tc, test_window_and_bounds);
	tcase_add_test(tc, test_quiet_sockets_cost_nothing);
	tcase_add_test(tc, test_listen_backlog_is_not_bytes);
	tcase_add_test(tc, test_order_matches_comparison_sort);
	tcase_add_test(tc, test_order_on_queued_bytes);
	tcase_add_test(tc, test_order_orphans_by_memory);
	tcase_add_test(tc, test_queue_point);
	tcase_add_test(tc, test_order_insert_matches_full_order);
	tcase_add_test(tc, test_touch_keeps_other_series);
	tcase_add_test(tc, test_index_enomem);
	tcase_add_test(tc, test_mem_series);
	tcase_add_test(tc, test_time_base_moves);
	tcase_add_test(tc, test_series_one_value_and_back);
	suite_add_tcase(s, tc);
	return s;
}
