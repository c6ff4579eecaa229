/*
 * Unit tests of the triage rules (core/findings/) on synthetic samples:
 * each rule fires on its evidence, stays quiet on the edges (a queue that
 * drains, fds that grow then fall, one young ghost), says "suspected"
 * until it is sure, and ranks by severity; a queue held by a working
 * mitigation is not "growing".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include "check_suites.h"
#include "check_samples.h"
#include "leaktop/actions.h"
#include "leaktop/findings.h"
#include "leaktop/procs.h"
#include "leaktop/sample.h"

static struct findings_config cfg;

/* A sample with one UDP socket owned by pid 42 fd 3, and its rate. */
static void one_socket(struct sample *s, uint32_t q, uint8_t flags, double growth,
		       uint8_t points, int type)
{
	static const struct check_owner own = { 777, 42, 3, "friend_push" };
	struct ltsock k = check_samples_sock(777, type);

	check_samples_init(s, 1000, points);
	check_mem(&k)->recv_q = check_mem(&k)->rmem = q;
	check_samples_socks(s, &k, &flags, 1, points);
	s->rates[0].growth_bps = growth;
	check_samples_owners(s, &own, 1);
	s->owners.procs[0].nfds = 4;
}

static int eval(struct sample *s, struct finding_list *l)
{
	struct findings_state *st = findings_state_new();
	int r = findings_evaluate(&cfg, st, s, l);

	findings_state_free(st);
	return r;
}

START_TEST(test_unread_queue)
{
	struct finding_list l;
	struct sample s;
	char sentence[400];

	findings_config_default(&cfg);
	one_socket(&s, 90000, SOCK_FLAG_NEVER_READ, 22000, 6, SOCK_DGRAM);
	ck_assert_int_eq(eval(&s, &l), 0);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_int_eq(l.v[0].kind, FINDING_UNREAD_QUEUE);
	ck_assert_int_eq(l.v[0].severity, FINDING_WARNING);
	ck_assert_int_eq(l.v[0].suspected, 0);
	ck_assert_int_eq(l.v[0].pid, 42);
	ck_assert_int_eq(l.v[0].fd, 3);
	ck_assert_uint_eq(l.v[0].inode, 777);
	ck_assert_int_eq(l.v[0].action, ACTIONS_DROP_FILTER);
	/* who is data, not words: the sentence puts it first */
	ck_assert_msg(!strncmp(l.v[0].summary, "never reads its udp socket", 26), "%s",
		      l.v[0].summary);
	ck_assert_ptr_ne(strstr(findings_summary(&l.v[0], sentence, sizeof(sentence)),
				"friend_push (pid 42, fd 3) never reads its udp socket"), NULL);
	ck_assert_ptr_ne(strstr(l.v[0].explanation, "SO_ATTACH_FILTER"), NULL);
	findings_list_free(&l);
	sample_release(&s);

	/* three samples: still suspected */
	one_socket(&s, 9000, SOCK_FLAG_NEVER_READ, 2000, 3, SOCK_DGRAM);
	ck_assert_int_eq(eval(&s, &l), 0);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_int_eq(l.v[0].suspected, 1);
	findings_list_free(&l);
	sample_release(&s);

	/* full: capped by its rcvbuf, a warning that says so (#24: severity
	 * is impact, no longer "critical when full") */
	one_socket(&s, 211968, SOCK_FLAG_NEVER_READ | SOCK_FLAG_FULL | SOCK_FLAG_DROPPING,
		   0, 6, SOCK_DGRAM);
	ck_assert_int_eq(eval(&s, &l), 0);
	ck_assert_int_eq(l.v[0].severity, FINDING_WARNING);
	ck_assert_ptr_ne(strstr(l.v[0].summary, "its rcvbuf"), NULL);
	findings_list_free(&l);
	sample_release(&s);

	/* TCP: never a drop filter */
	one_socket(&s, 90000, SOCK_FLAG_NEVER_READ, 22000, 6, SOCK_STREAM);
	ck_assert_int_eq(eval(&s, &l), 0);
	ck_assert_int_eq(l.v[0].action, ACTIONS_NONE);
	ck_assert_ptr_ne(strstr(l.v[0].explanation, "stall"), NULL);
	findings_list_free(&l);
	sample_release(&s);
}
END_TEST

START_TEST(test_queue_edges)
{
	struct finding_list l;
	struct sample s;

	findings_config_default(&cfg);
	/* grew then drained: history gives no never_read flag, no finding */
	one_socket(&s, 500, 0, -300, 6, SOCK_DGRAM);
	ck_assert_int_eq(eval(&s, &l), 0);
	ck_assert_uint_eq(l.n, 0);
	findings_list_free(&l);
	sample_release(&s);
	/* full and dropping while read: queue_full_dropping, no action */
	one_socket(&s, 211000, SOCK_FLAG_FULL | SOCK_FLAG_DROPPING, 0, 6, SOCK_DGRAM);
	s.rates[0].drops_ps = 12;
	ck_assert_int_eq(eval(&s, &l), 0);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_int_eq(l.v[0].kind, FINDING_QUEUE_FULL_DROPPING);
	ck_assert_int_eq(l.v[0].action, ACTIONS_NONE);
	findings_list_free(&l);
	sample_release(&s);
	/* a small never-read queue that stopped growing: below the threshold */
	one_socket(&s, 2000, SOCK_FLAG_NEVER_READ, 0, 6, SOCK_DGRAM);
	ck_assert_int_eq(eval(&s, &l), 0);
	ck_assert_uint_eq(l.n, 0);
	findings_list_free(&l);
	sample_release(&s);
}
END_TEST

static void one_proc(struct sample *s, int nfds, int64_t soft, double growth, double exh,
		     int ghosts, double ghost_growth, double ghost_age)
{
	struct proc_info *p;

	check_samples_init(s, 1000, 6);
	p = check_samples_proc(s, "gshell");
	p->nfds = nfds;
	p->fd_soft = soft;
	p->fd_hard = 4096;
	p->growth_known = 1;
	p->fd_growth_per_hour = growth;
	p->fd_increase = growth > 0 ? (int32_t)(growth / 720) : 0;	/* over 5 s */
	p->growth_span_s = 5;
	p->exhaustion_s = exh;
	p->ghosts = ghosts;
	p->ghosts_known = 1;
	p->nsockets = ghosts + 1;
	p->ghost_growth_per_hour = ghost_growth;
	p->oldest_ghost_age = ghost_age;
	/* one age for all: settled past the default grace of 3 s */
	p->ghosts_settled = ghost_age >= 3 ? ghosts : 0;
}

START_TEST(test_fd_rules)
{
	struct finding_list l;
	struct sample s;

	findings_config_default(&cfg);
	/* the gshell case: ghosts pile up toward a 1024 limit */
	one_proc(&s, 900, 1024, 18000, 25, 880, 18000, 50);
	ck_assert_int_eq(eval(&s, &l), 0);
	ck_assert_uint_eq(l.n, 2);
	ck_assert_int_eq(l.v[0].kind, FINDING_FD_EXHAUSTION);	/* critical first */
	ck_assert_int_eq(l.v[0].severity, FINDING_CRITICAL);
	ck_assert_int_eq(l.v[0].action, ACTIONS_RAISE_FD_LIMIT);
	ck_assert_int_eq(l.v[1].kind, FINDING_GHOST_SOCKETS);
	ck_assert_int_eq(l.v[1].severity, FINDING_CRITICAL);	/* >= 100 ghosts */
	findings_list_free(&l);
	sample_release(&s);
	/* fds grew then fell: negative growth, no forecast, no finding */
	one_proc(&s, 40, 1024, -500, -1, 0, 0, 0);
	ck_assert_int_eq(eval(&s, &l), 0);
	ck_assert_uint_eq(l.n, 0);
	findings_list_free(&l);
	sample_release(&s);
	/* one young ghost (a socket not yet connected): not a leak */
	one_proc(&s, 10, 1024, 0, -1, 1, 0, 3);
	ck_assert_int_eq(eval(&s, &l), 0);
	ck_assert_uint_eq(l.n, 0);
	findings_list_free(&l);
	sample_release(&s);
	/* ... but one that persists is */
	one_proc(&s, 10, 1024, 0, -1, 1, 0, 400);
	ck_assert_int_eq(eval(&s, &l), 0);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_int_eq(l.v[0].kind, FINDING_GHOST_SOCKETS);
	ck_assert_int_eq(l.v[0].severity, FINDING_WARNING);
	findings_list_free(&l);
	sample_release(&s);
	/* already above 90 % without growth */
	one_proc(&s, 950, 1024, 0, -1, 0, 0, 0);
	ck_assert_int_eq(eval(&s, &l), 0);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_int_eq(l.v[0].kind, FINDING_FD_EXHAUSTION);
	ck_assert_ptr_ne(strstr(l.v[0].summary, "950 of its 1024"), NULL);
	findings_list_free(&l);
	sample_release(&s);
	/* a shell that opened one more fd: fast "growth", tiny increase */
	one_proc(&s, 9, 20000, 3268, 22019, 0, 0, 0);
	s.procs.v[0].fd_increase = 1;
	ck_assert_int_eq(eval(&s, &l), 0);
	ck_assert_uint_eq(l.n, 0);
	findings_list_free(&l);
	sample_release(&s);
	/* a daemon's burst: +10 fds in 5 s toward a 32768 limit, hours away */
	one_proc(&s, 260, 32768, 7639, 15326, 0, 0, 0);
	ck_assert_int_eq(eval(&s, &l), 0);
	ck_assert_uint_eq(l.n, 0);
	findings_list_free(&l);
	sample_release(&s);
	/* ... the same rate sustained over ten minutes is a finding */
	one_proc(&s, 260, 32768, 7639, 15326, 0, 0, 0);
	s.procs.v[0].growth_span_s = 600;
	ck_assert_int_eq(eval(&s, &l), 0);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_int_eq(l.v[0].kind, FINDING_FD_EXHAUSTION);
	ck_assert_int_eq(l.v[0].severity, FINDING_WARNING);
	findings_list_free(&l);
	sample_release(&s);
	/* slow growth, exhaustion years away: nothing */
	one_proc(&s, 100, 1024, 61, 1e8, 0, 0, 0);
	ck_assert_int_eq(eval(&s, &l), 0);
	ck_assert_uint_eq(l.n, 0);
	findings_list_free(&l);
	sample_release(&s);
}
END_TEST

/* Also live, where a wall-clock step back (NTP) in the middle changes
 * nothing: intervals are on the sampler's steady clock (_i == 1). */
START_TEST(test_unaccounted_growth)
{
	struct findings_state *st = findings_state_new();
	struct finding_list l;
	struct sample s;
	int i;

	findings_config_default(&cfg);
	for (i = 0; i < 8; i++) {
		memset(&s, 0, sizeof(s));
		s.time = 1000 + 5 * i - (_i == 1 && i >= 4 ? 3600 : 0);
		s.clock = _i == 1 ? 50 + 5 * i : 0;
		s.seq = (unsigned)i + 1;
		s.mem.total = 1ULL << 34;
		s.mem.available = 1ULL << 33;		/* 200 kB/s takes it in 12 h */
		s.mem.user_anon = 1ULL << 30;		/* flat */
		s.mem.unaccounted = (int64_t)(100 << 20) + i * 5 * 200000;	/* 200 kB/s */
		s.mem.socket_queues = 10000;		/* explains none of it */
		ck_assert_int_eq(findings_evaluate(&cfg, st, &s, &l), 0);
		if (i < 6)	/* < 30 s of evidence */
			ck_assert_uint_eq(l.n, 0);
		else
			ck_assert_uint_eq(l.n, 1);
		if (i < 7)
			findings_list_free(&l);
	}
	ck_assert_int_eq(l.v[0].kind, FINDING_UNACCOUNTED_GROWTH);
	ck_assert_int_eq(l.v[0].severity, FINDING_WARNING);
	ck_assert_ptr_ne(strstr(l.v[0].summary, "explain 0 %"), NULL);
	findings_list_free(&l);
	findings_state_free(st);
}
END_TEST

START_TEST(test_pressure)
{
	struct finding_list l;
	struct sample s;

	findings_config_default(&cfg);
	memset(&s, 0, sizeof(s));
	s.have_mem_limits = 1;
	s.udp_mem_limits[1] = 100 << 20;
	s.udp_mem_limits[2] = 200 << 20;
	s.mem.sockstat_udp = 90 << 20;
	s.mem.available = 1ULL << 33;
	ck_assert_int_eq(eval(&s, &l), 0);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_int_eq(l.v[0].kind, FINDING_SOCKET_MEMORY_PRESSURE);
	ck_assert_int_eq(l.v[0].severity, FINDING_WARNING);
	findings_list_free(&l);
	/* at the pressure value: the kernel shrinks buffers now, critical */
	s.mem.sockstat_udp = 100 << 20;
	ck_assert_int_eq(eval(&s, &l), 0);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_int_eq(l.v[0].severity, FINDING_CRITICAL);
	ck_assert_ptr_ne(strstr(l.v[0].summary, "UDP"), NULL);
	findings_list_free(&l);

	/* with an unread queue in the same sample: the pressure names it as
	 * its biggest holder and links to it */
	one_socket(&s, 300000, SOCK_FLAG_NEVER_READ, 2048, 8, SOCK_DGRAM);
	s.have_mem_limits = 1;
	s.udp_mem_limits[1] = 100 << 20;
	s.udp_mem_limits[2] = 200 << 20;
	s.mem.sockstat_udp = 90 << 20;
	ck_assert_int_eq(eval(&s, &l), 0);
	ck_assert_uint_eq(l.n, 2);
	{
		size_t i = l.v[0].kind == FINDING_SOCKET_MEMORY_PRESSURE ? 0 : 1, ix[2];

		ck_assert_int_eq(l.v[i].kind, FINDING_SOCKET_MEMORY_PRESSURE);
		ck_assert_msg(strstr(l.v[i].summary, "the most by friend_push (pid 42, fd 3) "
				     "(unread_queue)"), "%s", l.v[i].summary);
		ck_assert_uint_eq(findings_links(l.v, l.n, i, 0, ix, 2), 1);
		ck_assert_uint_eq(ix[0], 1 - i);
	}
	findings_list_free(&l);
	sample_release(&s);
}
END_TEST

/* Cause and consequence: the gshell case's fd exhaustion names its ghosts
 * and the two are linked both ways; ids are stable; every kind has next
 * steps. */
/*
 * The table of kinds (FINDINGS_LIST, core/findings/): each kind's value
 * and name are what recordings and every output hold; who a kind's
 * findings are about; and the whole "explains" matrix, kind by kind, on
 * subjects that agree and on subjects that do not.
 */
START_TEST(test_kind_table)
{
	static const struct { int kind; const char *name; } pinned[] = {
		{ FINDING_UNREAD_QUEUE, "unread_queue" }, { FINDING_QUEUE_FULL_DROPPING, "queue_full_dropping" },
		{ FINDING_GHOST_SOCKETS, "ghost_sockets" }, { FINDING_FD_EXHAUSTION, "fd_exhaustion" },
		{ FINDING_UNACCOUNTED_GROWTH, "unaccounted_growth" },
		{ FINDING_SOCKET_MEMORY_PRESSURE, "socket_memory_pressure" },
		{ FINDING_SEND_STALL, "send_stall" }, { FINDING_ORPHANED_CONNECTIONS, "orphaned_connections" },
		{ FINDING_PROCESS_STOPPED, "process_stopped" },
	};
	/* explains[c][e]: c explains e on agreeing subjects (0 none, 1 any, 2
	 * the same pid, 3 the same pid and fd, 4 the same socket) */
	int explains[FINDING_NKINDS][FINDING_NKINDS] = { { 0 } };
	int c, e, k;
	size_t i;

	ck_assert_int_eq(FINDING_NKINDS, 9);
	for (i = 0; i < sizeof(pinned) / sizeof(pinned[0]); i++) {
		ck_assert_int_eq(pinned[i].kind, (int)i);
		ck_assert_str_eq(findings_kind_name((enum finding_kind)i), pinned[i].name);
	}
	ck_assert_str_eq(findings_kind_name(FINDING_NKINDS), "?");
	for (k = 0; k <= FINDING_NKINDS; k++) {
		struct finding f;

		memset(&f, 0, sizeof(f));
		f.kind = (uint8_t)k;
		f.pid = -1;
		ck_assert_int_eq(findings_has_subject(&f),
				 k != FINDING_UNACCOUNTED_GROWTH && k != FINDING_SOCKET_MEMORY_PRESSURE &&
				 k != FINDING_ORPHANED_CONNECTIONS && k != FINDING_NKINDS);
		f.pid = 7;
		ck_assert_int_eq(findings_has_subject(&f),
				 k != FINDING_UNACCOUNTED_GROWTH && k != FINDING_SOCKET_MEMORY_PRESSURE &&
				 k != FINDING_NKINDS);
		ck_assert_int_eq(findings_kind_has_run_state((enum finding_kind)k),
				 k == FINDING_PROCESS_STOPPED);
	}
	explains[FINDING_GHOST_SOCKETS][FINDING_FD_EXHAUSTION] = 2;
	explains[FINDING_UNREAD_QUEUE][FINDING_SEND_STALL] = 3;
	explains[FINDING_QUEUE_FULL_DROPPING][FINDING_SEND_STALL] = 3;
	explains[FINDING_UNREAD_QUEUE][FINDING_QUEUE_FULL_DROPPING] = 4;
	explains[FINDING_UNREAD_QUEUE][FINDING_SOCKET_MEMORY_PRESSURE] = 1;
	explains[FINDING_QUEUE_FULL_DROPPING][FINDING_SOCKET_MEMORY_PRESSURE] = 1;
	explains[FINDING_ORPHANED_CONNECTIONS][FINDING_SOCKET_MEMORY_PRESSURE] = 1;
	explains[FINDING_SEND_STALL][FINDING_SOCKET_MEMORY_PRESSURE] = 1;
	explains[FINDING_PROCESS_STOPPED][FINDING_SOCKET_MEMORY_PRESSURE] = 1;
	for (c = 0; c < FINDING_NKINDS; c++)
		for (e = 0; e < FINDING_NKINDS; e++) {
			struct finding x, y;

			memset(&x, 0, sizeof(x));
			x.kind = (uint8_t)c;
			x.pid = 7;
			x.fd = 3;
			x.inode = 99;
			x.netns = 5;
			x.state = FINDING_CONFIRMED;
			y = x;
			y.kind = (uint8_t)e;
			ck_assert_msg(findings_explains(&x, &y) == (explains[c][e] != 0),
				      "%s explains %s", findings_kind_name((enum finding_kind)c),
				      findings_kind_name((enum finding_kind)e));
			/* another socket of the same process and fd (a pid/fd key
			 * holds, a socket key does not) */
			y.inode = 100;
			ck_assert(findings_explains(&x, &y) ==
				  (explains[c][e] != 0 && explains[c][e] != 4));
			/* another fd of the same process */
			y.fd = 4;
			ck_assert(findings_explains(&x, &y) ==
				  (explains[c][e] == 1 || explains[c][e] == 2));
			/* another process: only "any" holds */
			y.pid = 8;
			ck_assert(findings_explains(&x, &y) == (explains[c][e] == 1));
			/* nobody's: a pid key never holds on -1 */
			x.pid = y.pid = -1;
			x.fd = y.fd = 4;
			ck_assert(findings_explains(&x, &y) == (explains[c][e] == 1));
			/* resolved findings explain nothing */
			x.state = FINDING_RESOLVED;
			ck_assert(!findings_explains(&x, &y));
		}
}
END_TEST

START_TEST(test_links_ids_steps)
{
	struct finding_list l;
	struct sample s;
	size_t ix[4];
	char id1[16], id2[16], steps[2048];
	int k;

	findings_config_default(&cfg);
	one_proc(&s, 43, 256, 18000, 46, 37, 18000, 50);
	ck_assert_int_eq(eval(&s, &l), 0);
	ck_assert_uint_eq(l.n, 2);
	ck_assert_int_eq(l.v[0].kind, FINDING_FD_EXHAUSTION);
	ck_assert_msg(strstr(l.v[0].summary, "37 of its 43 fds are ghost sockets"),
		      "%s", l.v[0].summary);
	ck_assert_msg(strstr(l.v[0].evidence, "37 of them ghosts"), "%s", l.v[0].evidence);
	ck_assert_msg(strstr(l.v[1].evidence, "toward fd exhaustion"), "%s", l.v[1].evidence);
	ck_assert_uint_eq(findings_links(l.v, l.n, 0, 0, ix, 4), 1);	/* caused by */
	ck_assert_uint_eq(ix[0], 1);
	ck_assert_uint_eq(findings_links(l.v, l.n, 1, 1, ix, 4), 1);	/* causes */
	ck_assert_uint_eq(ix[0], 0);
	ck_assert_uint_eq(findings_links(l.v, l.n, 0, 1, ix, 4), 0);
	ck_assert_int_eq(l.v[0].state, FINDING_CONFIRMED);
	findings_id(&l.v[0], id1, sizeof(id1));
	findings_id(&l.v[1], id2, sizeof(id2));
	ck_assert_uint_eq(strlen(id1), 12);
	ck_assert_str_ne(id1, id2);
	/* the same problem in another sample (other figures): the same id */
	l.v[0].severity = FINDING_WARNING;
	snprintf(l.v[0].summary, sizeof(l.v[0].summary), "other words");
	findings_id(&l.v[0], id2, sizeof(id2));
	ck_assert_str_eq(id1, id2);
	for (k = 0; k < FINDING_NKINDS; k++) {
		struct finding f = l.v[0];

		f.kind = (uint8_t)k;
		ck_assert_uint_ge(findings_next_steps(&f, steps, sizeof(steps)), 4);
		ck_assert_msg(strstr(steps, "Collect") && strstr(steps, "Verify"), "%s", steps);
	}
	findings_list_free(&l);
	sample_release(&s);
}
END_TEST

/* Who a unix reader's senders are and whose end a stalled sender waits on,
 * both found through indexes over the census: the senders named in census
 * order (those with bytes sent, in the reader's namespace), the stalled
 * sender's local peer named as the culprit. */
START_TEST(test_peers_and_senders)
{
	static const struct { uint64_t ino, peer; uint32_t wmem; int32_t pid, fd; int other_ns; }
	snd[] = { { 103, 100, 1000, 9, 4, 0 }, { 101, 100, 1000, 7, 3, 0 },
		  { 102, 100, 0, 7, 6, 0 }, { 104, 100, 500, 9, 8, 1 } };
	static const struct { uint64_t ino; int32_t pid, fd; } own[] = {
		{ 100, 42, 3 }, { 101, 7, 3 }, { 102, 7, 6 }, { 103, 9, 4 }, { 104, 9, 8 },
		{ 200, 7, 5 }, { 201, 9, 6 },
	};
	struct finding_list l;
	struct sample s;
	struct ltsock k;
	const struct finding *unread = NULL, *stall = NULL;
	size_t i;

	findings_config_default(&cfg);
	one_socket(&s, 200000, SOCK_FLAG_NEVER_READ, 100, 10, SOCK_DGRAM);
	s.socks.v[0].family = AF_UNIX;
	s.socks.v[0].inode = 100;
	check_mem(&s.socks.v[0])->npeer_q = 3;
	check_mem(&s.socks.v[0])->peer_q = 3000;
	check_mem(&s.socks.v[0])->npeer_blocked = 1;
	for (i = 0; i < 6; i++) {
		memset(&k, 0, sizeof(k));
		k.netns = s.socks.v[0].netns;
		if (i < 4) {
			uint32_t peer = (uint32_t)snd[i].peer;

			k.family = AF_UNIX;
			k.type = SOCK_DGRAM;
			k.inode = snd[i].ino;
			check_mem(&k)->wmem = snd[i].wmem;
			k.netns += (uint64_t)snd[i].other_ns;
			memcpy(k.peer.addr, &peer, sizeof(peer));
			k.have = LTSOCK_HAVE_PEER | LTSOCK_HAVE_SKMEM;
		} else {
			/* a loopback connection: 200 sends to 201, which reads nothing */
			k.family = AF_INET;
			k.type = SOCK_STREAM;
			k.protocol = 6;
			k.state = TCP_ESTABLISHED;
			k.inode = 196 + i;
			k.local.addr[0] = k.peer.addr[0] = 127;
			k.local.addr[3] = k.peer.addr[3] = 1;
			k.local.port = i == 4 ? 5000 : 6000;
			k.peer.port = i == 4 ? 6000 : 5000;
			check_mem(&k)->send_q = i == 4 ? 100000 : 0;
			k.have = LTSOCK_HAVE_PEER | LTSOCK_HAVE_QUEUE;
		}
		ck_assert_int_eq(ltsock_vec_push(&s.socks, &k), 0);
	}
	s.rates = realloc(s.rates, s.socks.n * sizeof(*s.rates));
	memset(s.rates + 1, 0, (s.socks.n - 1) * sizeof(*s.rates));
	s.rates[5].flags = SOCK_FLAG_SEND_STALLED;
	s.rates[5].points = 10;
	free(s.order);
	s.order = NULL;
	s.owners.owners = realloc(s.owners.owners, sizeof(own) / sizeof(own[0]) *
				  sizeof(*s.owners.owners));
	for (i = 0; i < sizeof(own) / sizeof(own[0]); i++) {
		s.owners.owners[i].inode = own[i].ino;
		s.owners.owners[i].pid = own[i].pid;
		s.owners.owners[i].fd = own[i].fd;
	}
	s.owners.nowners = sizeof(own) / sizeof(own[0]);
	s.owners.procs = realloc(s.owners.procs, 3 * sizeof(*s.owners.procs));
	memset(s.owners.procs, 0, 3 * sizeof(*s.owners.procs));
	s.owners.procs[0].pid = 7;
	strcpy(s.owners.procs[0].comm, "first");
	s.owners.procs[1].pid = 9;
	strcpy(s.owners.procs[1].comm, "late");
	s.owners.procs[2].pid = 42;
	strcpy(s.owners.procs[2].comm, "friend_push");
	s.owners.nprocs = 3;

	ck_assert_int_eq(eval(&s, &l), 0);
	for (i = 0; i < l.n; i++) {
		if (l.v[i].kind == FINDING_UNREAD_QUEUE)
			unread = &l.v[i];
		if (l.v[i].kind == FINDING_SEND_STALL)
			stall = &l.v[i];
	}
	ck_assert_ptr_nonnull(unread);
	ck_assert_msg(strstr(unread->evidence, "3 connected senders queued") &&
		      strstr(unread->evidence, ": pid 9 (late), pid 7 (first)") &&
		      !strstr(unread->evidence, "pid 7 (first),"),
		      "%s", unread->evidence);
	ck_assert_ptr_nonnull(stall);
	ck_assert_int_eq(stall->pid, 9);	/* the end that does not read */
	ck_assert_int_eq(stall->fd, 6);
	ck_assert_int_eq(stall->victim_pid, 7);
	ck_assert_int_eq(stall->victim_fd, 5);
	findings_list_free(&l);
	sample_release(&s);
}
END_TEST

/* The index findings_links_at reads gives exactly findings_links's answer
 * (count, order, the cut at max) on random lists dense with links: every
 * kind (and one past the last), system findings, no socket, resolved ones. */
START_TEST(test_links_index)
{
	enum { N = 700 };
	struct finding *v = calloc(N, sizeof(*v));
	struct findings_links_ix *lx;
	static const size_t maxes[] = { 0, 1, 3, 16, N };
	size_t i, m, a[N], b[N], na, nb, k;
	uint32_t seed = 25;
	int round, causes;

	ck_assert_ptr_nonnull(v);
	for (round = 0; round < 3; round++) {
		for (i = 0; i < N; i++) {
			seed = seed * 1103515245u + 12345u;
			v[i].kind = (uint8_t)((seed >> 8) % (FINDING_NKINDS + 1));
			v[i].pid = (int32_t)((seed >> 12) % 5) - 1;
			v[i].fd = (int32_t)((seed >> 15) % 4) - 1;
			v[i].inode = (seed >> 18) % 4;
			v[i].netns = (seed >> 21) % 2;
			v[i].state = (uint8_t)((seed >> 23) % FINDING_NSTATES);
		}
		lx = findings_links_index(v, round == 2 ? N / 2 : N);
		ck_assert_ptr_nonnull(lx);
		for (i = 0; i < N + 1; i++)
			for (causes = 0; causes < 2; causes++)
				for (m = 0; m < sizeof(maxes) / sizeof(maxes[0]); m++) {
					size_t n = round == 2 ? N / 2 : N;

					na = findings_links(v, n, i, causes, a, maxes[m]);
					nb = findings_links_at(lx, v, n, i, causes, b, maxes[m]);
					ck_assert_uint_eq(na, nb);
					for (k = 0; k < na && k < maxes[m]; k++)
						ck_assert_uint_eq(a[k], b[k]);
					/* without an index: the scan */
					nb = findings_links_at(NULL, v, n, i, causes, b, maxes[m]);
					ck_assert_uint_eq(na, nb);
				}
		findings_links_index_free(lx);
	}
	findings_links_index_free(NULL);
	free(v);
}
END_TEST

/* States through an action: a queue covered by a drop filter in place is
 * mitigated with the check's verdict; one whose action is gone is
 * confirmed again; a confirmed finding that disappears is resolved, kept
 * for resolved_keep_s, and dropped after. */
START_TEST(test_states)
{
	struct findings_state *st = findings_state_new();
	struct finding_mitigation m;
	struct finding_list l;
	struct sample s;

	findings_config_default(&cfg);
	one_socket(&s, 300000, SOCK_FLAG_NEVER_READ, 2048, 8, SOCK_DGRAM);
	memset(&m, 0, sizeof(m));
	m.kind = ACTIONS_DROP_FILTER;
	m.check = FINDING_CHECK_WORKS;
	m.in_place = 1;
	m.pid = 42;
	m.fd = 3;
	m.inode = 777;
	m.time = 990;
	snprintf(m.how, sizeof(m.how), "works: the queue stayed at 300000 bytes");
	s.mitigations = &m;
	s.nmitigations = 1;
	ck_assert_int_eq(findings_evaluate(&cfg, st, &s, &l), 0);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_int_eq(l.v[0].state, FINDING_MITIGATED);
	ck_assert_int_eq(l.v[0].mitigation, ACTIONS_DROP_FILTER);
	ck_assert_int_eq(l.v[0].check, FINDING_CHECK_WORKS);
	ck_assert_msg(strstr(l.v[0].evidence, "mitigated by drop-filter at"), "%s",
		      l.v[0].evidence);
	ck_assert_str_eq(l.v[0].mitigation_note, "works: the queue stayed at 300000 bytes");
	/* held by a working mitigation: not "growing", whatever the window's
	 * slope (2048 B/s here, from before the filter) */
	ck_assert(findings_mitigated_works(&l.v[0]));
	ck_assert_msg(!strstr(l.v[0].summary, "growing"), "%s", l.v[0].summary);
	ck_assert_msg(strstr(l.v[0].summary, "and it stays behind leaktop's drop-filter"), "%s",
		      l.v[0].summary);
	findings_list_free(&l);
	/* still being checked: held, not growing either */
	m.check = FINDING_CHECK_PENDING;
	s.time += 1;
	ck_assert_int_eq(findings_evaluate(&cfg, st, &s, &l), 0);
	ck_assert_uint_eq(l.n, 1);
	ck_assert(findings_mitigated_works(&l.v[0]));
	ck_assert_msg(!strstr(l.v[0].summary, "growing"), "%s", l.v[0].summary);
	ck_assert_msg(strstr(l.v[0].summary, "held by leaktop's drop-filter (checking"), "%s",
		      l.v[0].summary);
	findings_list_free(&l);
	/* a mitigation that does not work: the queue still grows, and says so */
	m.check = FINDING_CHECK_FAILS;
	s.time += 1;
	ck_assert_int_eq(findings_evaluate(&cfg, st, &s, &l), 0);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_int_eq(l.v[0].state, FINDING_MITIGATED);
	ck_assert(!findings_mitigated_works(&l.v[0]));
	ck_assert_msg(strstr(l.v[0].summary, ", and growing"), "%s", l.v[0].summary);
	findings_list_free(&l);
	m.check = FINDING_CHECK_WORKS;
	/* undone: in place no more, confirmed again */
	m.in_place = 0;
	s.time += 1;
	ck_assert_int_eq(findings_evaluate(&cfg, st, &s, &l), 0);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_int_eq(l.v[0].state, FINDING_CONFIRMED);
	ck_assert_int_eq(l.v[0].mitigation, 0);
	ck_assert_msg(strstr(l.v[0].summary, ", and growing"), "%s", l.v[0].summary);
	findings_list_free(&l);
	s.mitigations = NULL;
	s.nmitigations = 0;
	/* the condition is gone: listed as resolved, last */
	s.rates[0].flags = 0;
	s.time += 10;
	ck_assert_int_eq(findings_evaluate(&cfg, st, &s, &l), 0);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_int_eq(l.v[0].state, FINDING_RESOLVED);
	ck_assert_int_eq(l.v[0].kind, FINDING_UNREAD_QUEUE);
	ck_assert_msg(strstr(l.v[0].evidence, "gone since"), "%s", l.v[0].evidence);
	findings_list_free(&l);
	/* still within resolved_keep_s, then past it */
	s.time += cfg.resolved_keep_s - 20;
	ck_assert_int_eq(findings_evaluate(&cfg, st, &s, &l), 0);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_int_eq(l.v[0].state, FINDING_RESOLVED);
	findings_list_free(&l);
	s.time += 30;
	ck_assert_int_eq(findings_evaluate(&cfg, st, &s, &l), 0);
	ck_assert_uint_eq(l.n, 0);
	findings_list_free(&l);
	sample_release(&s);
	findings_state_free(st);
}
END_TEST

/* A resolved finding is kept resolved_keep_s on the steady clock: a wall
 * clock stepped an hour forward (NTP) does not drop it, and "gone since"
 * reads the wall time of the sample it went in. */
START_TEST(test_resolved_keep_steady)
{
	struct findings_state *st = findings_state_new();
	struct finding_list l;
	struct sample s;

	findings_config_default(&cfg);
	one_socket(&s, 300000, SOCK_FLAG_NEVER_READ, 2048, 8, SOCK_DGRAM);
	s.clock = 100;
	ck_assert_int_eq(findings_evaluate(&cfg, st, &s, &l), 0);
	ck_assert_uint_eq(l.n, 1);
	findings_list_free(&l);
	/* gone at wall 1010 (steady 110) */
	s.rates[0].flags = 0;
	s.time += 10;
	s.clock += 10;
	ck_assert_int_eq(findings_evaluate(&cfg, st, &s, &l), 0);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_int_eq(l.v[0].state, FINDING_RESOLVED);
	{
		time_t t = 1010;
		struct tm tm;
		char when[32], want[64];

		localtime_r(&t, &tm);
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
		snprintf(want, sizeof(want), "gone since %s", when);
		ck_assert_msg(strstr(l.v[0].evidence, want), "%s", l.v[0].evidence);
	}
	findings_list_free(&l);
	/* the wall clock steps an hour on; 10 s pass on the steady clock */
	s.time += 3600 + 10;
	s.clock += 10;
	ck_assert_int_eq(findings_evaluate(&cfg, st, &s, &l), 0);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_int_eq(l.v[0].state, FINDING_RESOLVED);
	findings_list_free(&l);
	/* past resolved_keep_s on the steady clock: dropped */
	s.time += cfg.resolved_keep_s;
	s.clock += cfg.resolved_keep_s;
	ck_assert_int_eq(findings_evaluate(&cfg, st, &s, &l), 0);
	ck_assert_uint_eq(l.n, 0);
	findings_list_free(&l);
	sample_release(&s);
	findings_state_free(st);
}
END_TEST

/* Which sockets socket origins count, from the table of kinds: origin.c
 * switches on no kind. */
START_TEST(test_origin_scope)
{
	ck_assert_int_eq(findings_kind_origin_scope(FINDING_GHOST_SOCKETS), FINDINGS_ORIGIN_GHOSTS);
	ck_assert_int_eq(findings_kind_origin_scope(FINDING_FD_EXHAUSTION), FINDINGS_ORIGIN_PROCESS);
	ck_assert_int_eq(findings_kind_origin_scope(FINDING_UNREAD_QUEUE), FINDINGS_ORIGIN_SOCKET);
	ck_assert_int_eq(findings_kind_origin_scope(FINDING_QUEUE_FULL_DROPPING),
			 FINDINGS_ORIGIN_SOCKET);
	ck_assert_int_eq(findings_kind_origin_scope(FINDING_UNACCOUNTED_GROWTH),
			 FINDINGS_ORIGIN_NONE);
	ck_assert_int_eq(findings_kind_origin_scope(FINDING_PROCESS_STOPPED), FINDINGS_ORIGIN_NONE);
	ck_assert_int_eq(findings_kind_origin_scope((enum finding_kind)250), FINDINGS_ORIGIN_NONE);
}
END_TEST

START_TEST(test_config)
{
	struct lt_err err = { "" };
	double v;

	findings_config_default(&cfg);
	ck_assert_int_eq(findings_config_set(&cfg, "unread_min_bytes", "4096", &err), 0);
	ck_assert_double_eq(cfg.unread_min_bytes, 4096);
	ck_assert_int_eq(findings_config_set(&cfg, "nonsense", "1", &err), -EINVAL);
	ck_assert_ptr_ne(strstr(err.msg, "unknown threshold"), NULL);
	ck_assert_int_eq(findings_config_set(&cfg, "ghost_min", "-1", &err), -EINVAL);
	ck_assert_int_eq(findings_config_set(&cfg, "ghost_min", "abc", &err), -EINVAL);
	ck_assert_str_eq(findings_config_name(0, &cfg, &v), "unread_min_bytes");
	ck_assert_double_eq(v, 4096);
	ck_assert_ptr_eq(findings_config_name(1000, &cfg, &v), NULL);
}
END_TEST

/* A finding with just what the order and identity rules read. */
static struct finding made(enum finding_kind kind, enum finding_severity sev,
			   enum finding_state state, int pid, int fd, uint64_t inode,
			   uint64_t netns)
{
	struct finding f;

	memset(&f, 0, sizeof(f));
	f.kind = (uint8_t)kind;
	f.severity = (uint8_t)sev;
	f.state = (uint8_t)state;
	f.suspected = state == FINDING_SUSPECTED;
	f.pid = pid;
	f.fd = fd;
	f.inode = inode;
	f.netns = netns;
	return f;
}

/* The one order: a resolved critical comes after an open warning (the
 * Findings pane once ranked it first, by severity alone). */
START_TEST(test_order)
{
	struct finding crit = made(FINDING_UNREAD_QUEUE, FINDING_CRITICAL, FINDING_RESOLVED,
				   42, 3, 777, 1);
	struct finding warn = made(FINDING_GHOST_SOCKETS, FINDING_WARNING, FINDING_CONFIRMED,
				   43, -1, 0, 1);
	struct finding info = made(FINDING_UNACCOUNTED_GROWTH, FINDING_INFO, FINDING_CONFIRMED,
				   -1, -1, 0, 0);
	struct finding sus = warn, mit = warn;

	crit.score = 1e9;
	ck_assert_int_gt(findings_cmp(&crit, &warn), 0);
	ck_assert_int_lt(findings_cmp(&warn, &crit), 0);
	ck_assert_int_lt(findings_cmp(&info, &crit), 0);
	ck_assert_int_lt(findings_cmp(&warn, &info), 0);
	/* suspected below confirmed, a working mitigation below both */
	sus.suspected = 1;
	sus.state = FINDING_SUSPECTED;
	ck_assert_int_lt(findings_cmp(&warn, &sus), 0);
	mit.state = FINDING_MITIGATED;
	mit.check = FINDING_CHECK_WORKS;
	ck_assert_int_lt(findings_cmp(&sus, &mit), 0);
	mit.check = FINDING_CHECK_FAILS;
	ck_assert_int_lt(findings_cmp(&mit, &sus), 0);
	/* a total order: equal only for the same problem */
	ck_assert_int_eq(findings_cmp(&warn, &warn), 0);
	sus = warn;
	sus.netns = 2;
	ck_assert_int_ne(findings_cmp(&warn, &sus), 0);
}
END_TEST

/* The one identity: the namespace counts, and an fd is a whole int (the
 * pane's key once kept 8 bits of it: fd 256 was fd 0). */
START_TEST(test_identity)
{
	struct finding a = made(FINDING_UNREAD_QUEUE, FINDING_WARNING, FINDING_CONFIRMED,
				42, 0, 777, 4026531840ULL);
	struct finding b = a;

	ck_assert(findings_same(&a, &b));
	ck_assert_uint_eq(findings_hash(&a), findings_hash(&b));
	/* text, severity and state are not part of it */
	b.severity = FINDING_CRITICAL;
	b.state = FINDING_RESOLVED;
	snprintf(b.summary, sizeof(b.summary), "other words");
	ck_assert(findings_same(&a, &b));
	ck_assert_int_eq(findings_identity_cmp(&a, &b), 0);
	b = a;
	b.netns = 4026532000ULL;
	ck_assert(!findings_same(&a, &b));
	ck_assert_int_ne(findings_identity_cmp(&a, &b), 0);
	ck_assert_int_eq(findings_identity_cmp(&a, &b), -findings_identity_cmp(&b, &a));
	ck_assert_uint_ne(findings_hash(&a), findings_hash(&b));
	b = a;
	b.fd = 256;
	ck_assert(!findings_same(&a, &b));
	ck_assert_uint_ne(findings_hash(&a), findings_hash(&b));
	b = a;
	b.kind = FINDING_QUEUE_FULL_DROPPING;
	ck_assert(!findings_same(&a, &b));
}
END_TEST

/* "Is there a leak?": open warnings and criticals; a resolved critical
 * or an info note is none (the text output once said yes to any). */
START_TEST(test_any_leak)
{
	struct finding v[3];
	struct finding_list l = { .v = v, .n = 0, .cap = 3 };
	size_t crit, warn, info;

	ck_assert(!findings_any_leak(&l));
	v[0] = made(FINDING_UNREAD_QUEUE, FINDING_CRITICAL, FINDING_RESOLVED, 42, 3, 777, 1);
	v[1] = made(FINDING_UNACCOUNTED_GROWTH, FINDING_INFO, FINDING_CONFIRMED, -1, -1, 0, 0);
	l.n = 2;
	ck_assert(!findings_is_open(&v[0]));
	ck_assert(findings_is_open(&v[1]));
	ck_assert(!findings_any_leak(&l));
	findings_open_counts(&l, &crit, &warn, &info);
	ck_assert_uint_eq(crit, 0);
	ck_assert_uint_eq(warn, 0);
	ck_assert_uint_eq(info, 1);
	v[2] = made(FINDING_GHOST_SOCKETS, FINDING_WARNING, FINDING_SUSPECTED, 43, -1, 0, 1);
	l.n = 3;
	ck_assert(findings_any_leak(&l));
	findings_open_counts(&l, &crit, &warn, &info);
	ck_assert_uint_eq(warn, 1);
}
END_TEST

/* Worth a row by the thresholds the user set: the text output once
 * hard-coded 90 %, a day, 60/h and 10, so --threshold moved nothing. */
START_TEST(test_proc_notable)
{
	struct findings_config c;
	struct proc_info p;

	findings_config_default(&c);
	memset(&p, 0, sizeof(p));
	p.pid = 42;
	p.nfds = 10;
	p.fd_soft = 1024;
	p.exhaustion_s = -1;
	ck_assert(!findings_proc_notable(&c, &p));
	ck_assert(!findings_proc_notable(NULL, &p));
	p.queued = 1;
	ck_assert(findings_proc_notable(&c, &p));
	p.queued = 0;
	p.ghosts = 1;
	ck_assert(findings_proc_notable(&c, &p));
	p.ghosts = 0;
	/* 95 % of the limit: notable at the default 90, not at 99 */
	p.nfds = 973;
	ck_assert(findings_proc_notable(&c, &p));
	ck_assert(findings_proc_notable(NULL, &p));
	ck_assert_int_eq(findings_config_set(&c, "fd_crit_pct", "99", NULL), 0);
	ck_assert(!findings_proc_notable(&c, &p));
	/* near the limit in fds that overflow an int32 times 10 */
	p.nfds = 300000000;
	p.fd_soft = 310000000;
	ck_assert(findings_proc_notable(&c, &p) == 0);
	ck_assert_int_eq(findings_config_set(&c, "fd_crit_pct", "90", NULL), 0);
	ck_assert(findings_proc_notable(&c, &p));
	/* fds growing: 100/h, 20 more, the limit in an hour, over 2 min */
	p.nfds = 10;
	p.fd_soft = 1024;
	p.growth_known = 1;
	p.fd_growth_per_hour = 100;
	p.fd_increase = 20;
	p.exhaustion_s = 3600;
	p.growth_span_s = 120;
	ck_assert(findings_proc_notable(&c, &p));
	ck_assert_int_eq(findings_config_set(&c, "fd_min_growth", "200", NULL), 0);
	ck_assert(!findings_proc_notable(&c, &p));
	findings_config_default(&c);
	ck_assert_int_eq(findings_config_set(&c, "fd_horizon_s", "600", NULL), 0);
	ck_assert(!findings_proc_notable(&c, &p));
}
END_TEST

/* The subject is data: the sentence is subject + summary, the recording
 * keeps the sentence and its reader takes the subject off again; a
 * sentence that does not start with it stays whole, never doubled. */
START_TEST(test_subject_and_sentence)
{
	struct finding f = made(FINDING_UNREAD_QUEUE, FINDING_WARNING, FINDING_CONFIRMED,
				42, 256, 777, 1);
	struct finding g = made(FINDING_UNACCOUNTED_GROWTH, FINDING_INFO, FINDING_CONFIRMED,
				-1, -1, 0, 0);
	char out[400], who[96];

	snprintf(f.comm, sizeof(f.comm), "leak\x1b[31m");
	snprintf(f.summary, sizeof(f.summary), "never reads its udp socket *:9: 1 MiB queued");
	ck_assert_str_eq(findings_subject(&f, who, sizeof(who)),
			 "leak\\x1b[31m (pid 42, fd 256)");
	ck_assert_str_eq(findings_summary(&f, out, sizeof(out)),
			 "leak\\x1b[31m (pid 42, fd 256) never reads its udp socket *:9: 1 MiB queued");
	/* the recording's boundary: sentence in, summary out */
	memcpy(f.summary, out, strlen(out) + 1);
	findings_summary_from_sentence(&f);
	ck_assert_int_eq(f.summary_whole, 0);
	ck_assert_str_eq(f.summary, "never reads its udp socket *:9: 1 MiB queued");
	/* another process's words: kept whole, the sentence not doubled */
	snprintf(f.summary, sizeof(f.summary), "other (pid 7) never reads it");
	findings_summary_from_sentence(&f);
	ck_assert_int_eq(f.summary_whole, 1);
	ck_assert_str_eq(findings_summary(&f, out, sizeof(out)), "other (pid 7) never reads it");
	/* a process-wide finding, and one the owner of which is hidden */
	f.fd = -1;
	ck_assert_str_eq(findings_subject(&f, who, sizeof(who)), "leak\\x1b[31m (pid 42)");
	f.pid = -1;
	ck_assert_str_eq(findings_subject(&f, who, sizeof(who)),
			 "a process leaktop cannot see (run as root)");
	/* orphans: the reader that stopped reading leads, when it is here */
	g.kind = FINDING_ORPHANED_CONNECTIONS;
	g.pid = 9;
	ck_assert(findings_has_subject(&g));
	g.pid = -1;
	ck_assert(!findings_has_subject(&g));
	g.kind = FINDING_UNACCOUNTED_GROWTH;
	/* the system's findings have no subject */
	snprintf(g.summary, sizeof(g.summary), "kernel memory grows");
	ck_assert(!findings_has_subject(&g));
	ck_assert_str_eq(findings_summary(&g, out, sizeof(out)), "kernel memory grows");
	findings_summary_from_sentence(&g);
	ck_assert_str_eq(g.summary, "kernel memory grows");
	ck_assert_int_eq(g.summary_whole, 0);
}
END_TEST

Suite *findings_suite(void)
{
	Suite *s = suite_create("findings");
	TCase *tc = tcase_create("rules");

	tcase_add_test(tc, test_unread_queue);
	tcase_add_test(tc, test_queue_edges);
	tcase_add_test(tc, test_fd_rules);
	tcase_add_loop_test(tc, test_unaccounted_growth, 0, 2);
	tcase_add_test(tc, test_pressure);
	tcase_add_test(tc, test_links_ids_steps);
	tcase_add_test(tc, test_kind_table);
	tcase_add_test(tc, test_links_index);
	tcase_add_test(tc, test_peers_and_senders);
	tcase_add_test(tc, test_states);
	tcase_add_test(tc, test_resolved_keep_steady);
	tcase_add_test(tc, test_origin_scope);
	tcase_add_test(tc, test_config);
	tcase_add_test(tc, test_order);
	tcase_add_test(tc, test_identity);
	tcase_add_test(tc, test_any_leak);
	tcase_add_test(tc, test_proc_notable);
	tcase_add_test(tc, test_subject_and_sentence);
	suite_add_tcase(s, tc);
	return s;
}
