/*
 * Unit tests of the one severity rule (findings_severity: severity is
 * impact, doc/triage.md) on made-up impacts, on either side of every
 * boundary; of the verdict that waits for its samples (findings_verdict);
 * and of the rules that keep false alarms out from the first second: the
 * ghost grace period, a burst of fds that has stopped, a full queue that
 * is not called "read too slowly" before never_read can be told.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "check_suites.h"
#include "check_samples.h"
#include "leaktop/findings.h"
#include "leaktop/sample.h"

#define KIB 1024ull
#define MIB (1024ull * KIB)
#define GIB (1024ull * MIB)

static struct findings_config cfg;
static char why[160];

static enum finding_severity sev(const struct findings_impact *in)
{
	return findings_severity(&cfg, in, why, sizeof(why));
}

/* An impact on the box: 23.5 GiB, 98 % of it available, TCP far
 * below its pressure value. */
static struct findings_impact big_box(void)
{
	struct findings_impact in;

	memset(&in, 0, sizeof(in));
	in.fd_left_s = -1;
	in.mem_available = (uint64_t)(23.5 * 0.98 * GIB);
	in.pressure_room = (int64_t)(2 * GIB);
	return in;
}

START_TEST(test_note_is_info)
{
	struct findings_impact in = big_box();

	findings_config_default(&cfg);
	in.note = 1;
	in.fd_pct = 99;		/* a note stays a note */
	ck_assert_int_eq(sev(&in), FINDING_INFO);
	ck_assert_str_eq(why, "");
}
END_TEST

START_TEST(test_fd_boundaries)
{
	struct findings_impact in = big_box();

	findings_config_default(&cfg);
	in.fd_pct = 89.9;
	ck_assert_int_eq(sev(&in), FINDING_WARNING);
	in.fd_pct = 90;
	ck_assert_int_eq(sev(&in), FINDING_CRITICAL);
	ck_assert_ptr_ne(strstr(why, "90 % of its fd limit"), NULL);
	in.fd_pct = 10;
	in.fd_left_s = 3600;	/* fd_crit_s: critical */
	ck_assert_int_eq(sev(&in), FINDING_CRITICAL);
	ck_assert_ptr_ne(strstr(why, "its fds run out in about"), NULL);
	in.fd_left_s = 3601;
	ck_assert_int_eq(sev(&in), FINDING_WARNING);
	in.fd_left_s = 0;	/* at the limit now */
	ck_assert_int_eq(sev(&in), FINDING_CRITICAL);
	in.fd_left_s = -1;	/* not heading there */
	ck_assert_int_eq(sev(&in), FINDING_WARNING);
}
END_TEST

/* The UDP leaker: full at its 208 KiB rcvbuf on a big, free box. */
START_TEST(test_capped_queue_is_a_warning)
{
	struct findings_impact in = big_box();

	findings_config_default(&cfg);
	in.bytes = 208 * KIB;
	in.ceiling = 208 * KIB;
	in.ceiling_of = "its rcvbuf";
	ck_assert_int_eq(sev(&in), FINDING_WARNING);
	ck_assert_str_eq(why, "stopped at 208.0 KiB, its rcvbuf");
	in.bytes = 100 * KIB;
	in.growth_bps = 20000;
	ck_assert_int_eq(sev(&in), FINDING_WARNING);
	ck_assert_str_eq(why, "will stop at 208.0 KiB, its rcvbuf");
	/* however fast: a ceiling is a ceiling */
	in.growth_bps = 1e9;
	ck_assert_int_eq(sev(&in), FINDING_WARNING);
}
END_TEST

START_TEST(test_ceiling_share_boundary)
{
	struct findings_impact in = big_box();
	uint64_t share;

	findings_config_default(&cfg);
	in.mem_available = 10 * GIB;
	in.pressure_room = -1;
	share = in.mem_available / 10;	/* crit_mem_pct 10 */
	in.ceiling = share;
	ck_assert_int_eq(sev(&in), FINDING_CRITICAL);
	ck_assert_ptr_ne(strstr(why, "a real share of available memory"), NULL);
	in.ceiling = share - 1;
	ck_assert_int_eq(sev(&in), FINDING_WARNING);
	/* MemAvailable unknown: unread_crit_bytes is the share */
	in.mem_available = 0;
	in.ceiling = MIB;
	ck_assert_int_eq(sev(&in), FINDING_CRITICAL);
	in.ceiling = MIB - 1;
	ck_assert_int_eq(sev(&in), FINDING_WARNING);
}
END_TEST

START_TEST(test_pressure_boundaries)
{
	struct findings_impact in = big_box();

	findings_config_default(&cfg);
	/* at the pressure value already: every socket finding of it */
	in.pressure_room = 0;
	in.bytes = 4 * KIB;
	ck_assert_int_eq(sev(&in), FINDING_CRITICAL);
	ck_assert_ptr_ne(strstr(why, "pressure value"), NULL);
	/* a bounded queue still filling that would cross it */
	in.bytes = 0;
	in.ceiling = 8 * MIB;
	in.growth_bps = 1000;
	in.pressure_room = (int64_t)(8 * MIB);
	ck_assert_int_eq(sev(&in), FINDING_CRITICAL);
	in.pressure_room = (int64_t)(8 * MIB) + 1;
	ck_assert_int_eq(sev(&in), FINDING_WARNING);
	/* ... but not one that stopped filling */
	in.pressure_room = (int64_t)(8 * MIB);
	in.growth_bps = 0;
	ck_assert_int_eq(sev(&in), FINDING_WARNING);
	/* unknown pressure: no verdict from it */
	in.growth_bps = 1000;
	in.pressure_room = -1;
	ck_assert_int_eq(sev(&in), FINDING_WARNING);
}
END_TEST

START_TEST(test_unbounded_boundaries)
{
	struct findings_impact in = big_box();
	double share;

	findings_config_default(&cfg);
	in.mem_available = 10 * GIB;
	in.pressure_room = -1;
	share = (double)in.mem_available / 10;
	/* holds a real share already */
	in.bytes = (uint64_t)share;
	ck_assert_int_eq(sev(&in), FINDING_CRITICAL);
	ck_assert_ptr_ne(strstr(why, "no ceiling"), NULL);
	in.bytes = (uint64_t)share - 1;
	ck_assert_int_eq(sev(&in), FINDING_WARNING);
	/* takes MemAvailable within crit_horizon_s, or just after */
	in.bytes = 0;
	in.growth_bps = (double)in.mem_available / cfg.crit_horizon_s;
	ck_assert_int_eq(sev(&in), FINDING_CRITICAL);
	ck_assert_ptr_ne(strstr(why, "takes the memory available"), NULL);
	in.growth_bps = (double)in.mem_available / (cfg.crit_horizon_s + 60);
	ck_assert_int_eq(sev(&in), FINDING_WARNING);
	ck_assert_ptr_ne(strstr(why, "no ceiling, but slow"), NULL);
	/* ... or into the pressure value: heading for tcp_mem pressure */
	in.pressure_room = (int64_t)(cfg.crit_horizon_s * in.growth_bps);
	ck_assert_int_eq(sev(&in), FINDING_CRITICAL);
	ck_assert_ptr_ne(strstr(why, "reaches the kernel's pressure value"), NULL);
	in.pressure_room = (int64_t)((cfg.crit_horizon_s + 60) * in.growth_bps);
	ck_assert_int_eq(sev(&in), FINDING_WARNING);
	/* the orphans: 44 MiB, not growing, on the big box */
	in = big_box();
	in.bytes = 44 * MIB;
	ck_assert_int_eq(sev(&in), FINDING_WARNING);
	/* MemAvailable unknown: no forecast of it from growth */
	in.mem_available = 0;
	in.pressure_room = -1;
	in.bytes = 0;
	in.growth_bps = 1e9;
	ck_assert_int_eq(sev(&in), FINDING_WARNING);
}
END_TEST

START_TEST(test_verdict_waits)
{
	struct finding_list l;
	struct finding f;
	unsigned need = 99;

	findings_config_default(&cfg);
	memset(&l, 0, sizeof(l));
	ck_assert_int_eq(findings_verdict(&cfg, &l, 1, &need), FINDINGS_WAITING);
	ck_assert_uint_eq(need, 2);
	ck_assert_int_eq(findings_verdict(&cfg, &l, 2, &need), FINDINGS_WAITING);
	ck_assert_uint_eq(need, 1);
	ck_assert_int_eq(findings_verdict(&cfg, &l, 3, &need), FINDINGS_NO_LEAK);
	ck_assert_uint_eq(need, 0);
	/* a note is no leak, and no verdict before its samples either */
	memset(&f, 0, sizeof(f));
	f.severity = FINDING_INFO;
	f.state = FINDING_SUSPECTED;
	l.v = &f;
	l.n = 1;
	ck_assert_int_eq(findings_verdict(&cfg, &l, 1, NULL), FINDINGS_WAITING);
	/* a leak is said at once */
	f.severity = FINDING_WARNING;
	ck_assert_int_eq(findings_verdict(&cfg, &l, 1, &need), FINDINGS_LEAK);
	ck_assert_uint_eq(need, 0);
	/* ... and a resolved one is none */
	f.state = FINDING_RESOLVED;
	ck_assert_int_eq(findings_verdict(&cfg, &l, 5, NULL), FINDINGS_NO_LEAK);
	/* NULL: the defaults */
	ck_assert_int_eq(findings_verdict(NULL, &l, 2, NULL), FINDINGS_WAITING);
}
END_TEST

/* A sample of one process (not leaktop) at time t. */
static void one_proc(struct sample *s, double t, int nfds, int64_t soft, double growth,
		     double exh, int ghosts, double ghost_age)
{
	struct proc_info *p;

	check_samples_init(s, t, 6);
	s->mem.available = 23 * GIB;
	p = check_samples_proc(s, "haproxy");
	p->nfds = nfds;
	p->fds_fresh = 1;
	p->fd_soft = soft;
	p->fd_hard = 40000;
	p->growth_known = 1;
	p->fd_growth_per_hour = growth;
	p->fd_increase = 240;
	p->growth_span_s = 5;
	p->exhaustion_s = exh;
	p->ghosts = ghosts;
	p->ghosts_known = 1;
	p->nsockets = ghosts + 10;
	p->ghost_growth_per_hour = ghosts ? 1021 : 0;
	p->oldest_ghost_age = ghost_age;
	/* one age for all: settled past the default grace of 3 s */
	p->ghosts_settled = ghost_age >= 3 ? ghosts : 0;
}

static size_t count_kind(const struct finding_list *l, enum finding_kind k)
{
	size_t i, n = 0;

	for (i = 0; i < l->n; i++)
		n += l->v[i].kind == k && findings_is_open(&l->v[i]);
	return n;
}

/* At the limit the forecast is over: "in about 0 s" would be stale; the
 * summary says the limit is reached and what fails now. */
START_TEST(test_fd_limit_reached)
{
	struct findings_state *st;
	struct finding_list l;
	struct sample s;
	size_t i, n = 0;

	findings_config_default(&cfg);
	st = findings_state_new();
	one_proc(&s, 1000, 300, 300, 36000, 0, 290, 60);
	ck_assert_int_eq(findings_evaluate(&cfg, st, &s, &l), 0);
	for (i = 0; i < l.n; i++) {
		if (l.v[i].kind != FINDING_FD_EXHAUSTION)
			continue;
		n++;
		ck_assert_int_eq(l.v[i].severity, FINDING_CRITICAL);
		ck_assert_ptr_ne(strstr(l.v[i].summary, "has reached its fd limit (300 of 300)"),
				 NULL);
		ck_assert_ptr_eq(strstr(l.v[i].summary, "in about"), NULL);
	}
	ck_assert_uint_eq(n, 1);
	findings_list_free(&l);
	sample_release(&s);
	findings_state_free(st);
}
END_TEST

/* The healthy haproxy of the issue: 3 ghosts, the oldest 0 s, "+1021
 * ghosts/hour": connections its clients just closed. */
START_TEST(test_ghost_grace)
{
	struct findings_state *st;
	struct finding_list l;
	struct sample s;

	findings_config_default(&cfg);
	st = findings_state_new();
	one_proc(&s, 1000, 60, 20000, 0, -1, 3, 0);
	ck_assert_int_eq(findings_evaluate(&cfg, st, &s, &l), 0);
	ck_assert_uint_eq(count_kind(&l, FINDING_GHOST_SOCKETS), 0);
	findings_list_free(&l);
	sample_release(&s);
	one_proc(&s, 1001, 60, 20000, 0, -1, 3, cfg.ghost_grace_s - 0.1);
	ck_assert_int_eq(findings_evaluate(&cfg, st, &s, &l), 0);
	ck_assert_uint_eq(count_kind(&l, FINDING_GHOST_SOCKETS), 0);
	findings_list_free(&l);
	sample_release(&s);
	/* one old ghost among fresh ones: each ghost counts on its own
	 * age, so one settled ghost is below ghost_min (2) and the oldest's
	 * age does not make the fresh ones count */
	one_proc(&s, 1002, 60, 20000, 0, -1, 4, 60);
	s.procs.v[0].ghosts_settled = 1;
	ck_assert_int_eq(findings_evaluate(&cfg, st, &s, &l), 0);
	ck_assert_uint_eq(count_kind(&l, FINDING_GHOST_SOCKETS), 0);
	findings_list_free(&l);
	sample_release(&s);
	/* ghosts that stayed past the grace period count */
	one_proc(&s, 1003, 60, 20000, 0, -1, 3, cfg.ghost_grace_s);
	ck_assert_int_eq(findings_evaluate(&cfg, st, &s, &l), 0);
	ck_assert_uint_eq(count_kind(&l, FINDING_GHOST_SOCKETS), 1);
	/* far from its fd limit and holding no memory: a warning */
	ck_assert_int_eq(l.v[0].severity, FINDING_WARNING);
	findings_list_free(&l);
	sample_release(&s);
	findings_state_free(st);
}
END_TEST

/* The load client of the issue: 240 connections in a burst, then none,
 * forecast to run out of 20000 fds in 846 s. */
START_TEST(test_stopped_burst_is_no_forecast)
{
	struct findings_state *st;
	struct finding_list l;
	struct sample s;

	findings_config_default(&cfg);
	st = findings_state_new();
	one_proc(&s, 1000, 250, 20000, 83000, 846, 0, 0);
	ck_assert_int_eq(findings_evaluate(&cfg, st, &s, &l), 0);
	/* first sight: no step seen to stop yet */
	ck_assert_uint_eq(count_kind(&l, FINDING_FD_EXHAUSTION), 1);
	ck_assert_int_eq(l.v[0].severity, FINDING_CRITICAL);
	findings_list_free(&l);
	sample_release(&s);
	/* the next sample: as many fds, the regression still says 846 s */
	one_proc(&s, 1001, 250, 20000, 83000, 846, 0, 0);
	ck_assert_int_eq(findings_evaluate(&cfg, st, &s, &l), 0);
	ck_assert_uint_eq(count_kind(&l, FINDING_FD_EXHAUSTION), 0);
	findings_list_free(&l);
	sample_release(&s);
	/* a light sample that did not read the fds carries the verdict */
	one_proc(&s, 1002, 250, 20000, 83000, 846, 0, 0);
	s.procs.v[0].fds_fresh = 0;
	ck_assert_int_eq(findings_evaluate(&cfg, st, &s, &l), 0);
	ck_assert_uint_eq(count_kind(&l, FINDING_FD_EXHAUSTION), 0);
	findings_list_free(&l);
	sample_release(&s);
	/* rising again: a forecast again */
	one_proc(&s, 1003, 251, 20000, 83000, 846, 0, 0);
	ck_assert_int_eq(findings_evaluate(&cfg, st, &s, &l), 0);
	ck_assert_uint_eq(count_kind(&l, FINDING_FD_EXHAUSTION), 1);
	findings_list_free(&l);
	sample_release(&s);
	/* ... and a light sample between two reads keeps it (no flicker) */
	one_proc(&s, 1003.5, 251, 20000, 83000, 846, 0, 0);
	s.procs.v[0].fds_fresh = 0;
	ck_assert_int_eq(findings_evaluate(&cfg, st, &s, &l), 0);
	ck_assert_uint_eq(count_kind(&l, FINDING_FD_EXHAUSTION), 1);
	findings_list_free(&l);
	sample_release(&s);
	/* a long history: a rise within fd_min_span_s still counts */
	one_proc(&s, 1003 + cfg.fd_min_span_s, 251, 20000, 83000, 846, 0, 0);
	s.procs.v[0].growth_span_s = 600;
	ck_assert_int_eq(findings_evaluate(&cfg, st, &s, &l), 0);
	ck_assert_uint_eq(count_kind(&l, FINDING_FD_EXHAUSTION), 1);
	findings_list_free(&l);
	sample_release(&s);
	one_proc(&s, 1004 + cfg.fd_min_span_s, 251, 20000, 83000, 846, 0, 0);
	s.procs.v[0].growth_span_s = 600;
	ck_assert_int_eq(findings_evaluate(&cfg, st, &s, &l), 0);
	ck_assert_uint_eq(count_kind(&l, FINDING_FD_EXHAUSTION), 0);
	findings_list_free(&l);
	sample_release(&s);
	findings_state_free(st);
}
END_TEST

/* The ghost leaker two minutes from its limit: critical, and
 * first before a capped queue of any size. */
START_TEST(test_ghost_near_limit_ranks_first)
{
	struct findings_state *st;
	struct finding_list l;
	struct sample s;
	struct finding q;

	findings_config_default(&cfg);
	st = findings_state_new();
	one_proc(&s, 1000, 200, 256, 1500, 120, 180, 30);
	ck_assert_int_eq(findings_evaluate(&cfg, st, &s, &l), 0);
	ck_assert_uint_eq(l.n, 2);
	ck_assert_int_eq(l.v[0].kind, FINDING_FD_EXHAUSTION);
	ck_assert_int_eq(l.v[0].severity, FINDING_CRITICAL);
	ck_assert_int_eq(l.v[1].kind, FINDING_GHOST_SOCKETS);
	ck_assert_int_eq(l.v[1].severity, FINDING_CRITICAL);
	ck_assert_ptr_ne(strstr(l.v[1].summary, "its fds run out in about"), NULL);
	/* a critical queue of 1 GiB still ranks below the outage on a clock */
	memset(&q, 0, sizeof(q));
	q.kind = FINDING_UNREAD_QUEUE;
	q.severity = FINDING_CRITICAL;
	q.state = FINDING_CONFIRMED;
	q.score = (double)GIB;
	l.v[0].state = FINDING_CONFIRMED;
	ck_assert_int_lt(findings_cmp(&l.v[0], &q), 0);
	findings_list_free(&l);
	sample_release(&s);
	findings_state_free(st);
}
END_TEST

/* A full, dropping UDP socket seen at `points` samples. */
static void full_socket(struct sample *s, uint8_t points, uint8_t flags)
{
	struct ltsock k = check_samples_sock(777, SOCK_DGRAM);

	check_samples_init(s, 1000, points);
	s->mem.available = 23 * GIB;
	check_mem(&k)->recv_q = check_mem(&k)->rmem = 212000;
	check_samples_socks(s, &k, &flags, 1, points);
	s->rates[0].drops_ps = 50;
}

/* "reads too slowly" at the second sample, then "never reads": the kind
 * must not flip on the same evidence. */
START_TEST(test_kind_does_not_flip)
{
	struct finding_list l;
	struct findings_state *st;
	struct sample s;

	findings_config_default(&cfg);
	st = findings_state_new();
	full_socket(&s, 2, SOCK_FLAG_FULL | SOCK_FLAG_DROPPING);
	ck_assert_int_eq(findings_evaluate(&cfg, st, &s, &l), 0);
	ck_assert_uint_eq(l.n, 0);
	findings_list_free(&l);
	sample_release(&s);
	full_socket(&s, 3, SOCK_FLAG_FULL | SOCK_FLAG_DROPPING | SOCK_FLAG_NEVER_READ);
	ck_assert_int_eq(findings_evaluate(&cfg, st, &s, &l), 0);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_int_eq(l.v[0].kind, FINDING_UNREAD_QUEUE);
	/* capped by its rcvbuf on a big box: a warning that says so */
	ck_assert_int_eq(l.v[0].severity, FINDING_WARNING);
	ck_assert_msg(strstr(l.v[0].summary, "at 208.0 KiB, its rcvbuf") != NULL, "%s",
		      l.v[0].summary);
	findings_list_free(&l);
	sample_release(&s);
	/* read, too slowly, once three points tell it */
	full_socket(&s, 3, SOCK_FLAG_FULL | SOCK_FLAG_DROPPING);
	ck_assert_int_eq(findings_evaluate(&cfg, st, &s, &l), 0);
	ck_assert_uint_eq(count_kind(&l, FINDING_QUEUE_FULL_DROPPING), 1);
	findings_list_free(&l);
	sample_release(&s);
	findings_state_free(st);
}
END_TEST

/*
 * One rule for memory that grows fast (findings_mem_growing): the rate and
 * window unaccounted_growth fires at are those the Memory pane marks a
 * line by, and --threshold moves both.
 */
START_TEST(test_mem_growth_threshold)
{
	struct findings_config c;
	struct findings_state *st;
	struct finding_list l;
	struct sample s;
	int i, pass;

	ck_assert_int_eq(findings_mem_growing(NULL, 65536, 30), 1);
	ck_assert_int_eq(findings_mem_growing(NULL, 65535, 30), 0);
	ck_assert_int_eq(findings_mem_growing(NULL, 1 << 20, 29), 0);
	ck_assert_int_eq(findings_mem_growing(NULL, 2000, 40), 0);
	findings_config_default(&c);
	c.unaccounted_bps = 1000;	/* --threshold unaccounted_bps=1000 */
	c.unaccounted_window_s = 10;
	ck_assert_int_eq(findings_mem_growing(&c, 2000, 10), 1);
	ck_assert_int_eq(findings_mem_growing(&c, 2000, 9), 0);
	ck_assert_int_eq(findings_mem_growing(&c, 999, 40), 0);
	/* the finding by the same rule: 2000 B/s fires with c, not without */
	for (pass = 0; pass < 2; pass++) {
		st = findings_state_new();
		ck_assert_ptr_nonnull(st);
		if (pass)
			findings_config_default(&c);
		for (i = 0; i < 8; i++) {
			memset(&s, 0, sizeof(s));
			s.time = 1000 + 5 * i;
			s.seq = (unsigned)i + 1;
			s.mem.total = 1ULL << 34;
			s.mem.available = 1ULL << 33;
			s.mem.user_anon = 1ULL << 30;
			s.mem.unaccounted = (int64_t)(100 << 20) + i * 5 * 2000;
			s.mem.socket_queues = 10000;
			ck_assert_int_eq(findings_evaluate(&c, st, &s, &l), 0);
			ck_assert_uint_eq(l.n, !pass && findings_mem_growing(&c, 2000, 5.0 * i) &&
					       i >= 2 ? 1 : 0);
			findings_list_free(&l);
		}
		findings_state_free(st);
	}
}
END_TEST

Suite *severity_suite(void)
{
	Suite *s = suite_create("severity");
	TCase *tc = tcase_create("severity");

	tcase_add_test(tc, test_note_is_info);
	tcase_add_test(tc, test_fd_boundaries);
	tcase_add_test(tc, test_capped_queue_is_a_warning);
	tcase_add_test(tc, test_ceiling_share_boundary);
	tcase_add_test(tc, test_pressure_boundaries);
	tcase_add_test(tc, test_unbounded_boundaries);
	tcase_add_test(tc, test_verdict_waits);
	tcase_add_test(tc, test_ghost_grace);
	tcase_add_test(tc, test_fd_limit_reached);
	tcase_add_test(tc, test_stopped_burst_is_no_forecast);
	tcase_add_test(tc, test_ghost_near_limit_ranks_first);
	tcase_add_test(tc, test_kind_does_not_flip);
	tcase_add_test(tc, test_mem_growth_threshold);
	suite_add_tcase(s, tc);
	return s;
}
