/*
 * Unit tests of one row per problem (core/findings_group.c) on made-up
 * samples: a server that stopped reading twelve connections on one port is
 * one finding with a count, the total and the worst member, its members
 * listed; the group keeps its identity as members come and go, down to
 * one member; a socket alone stays a finding of its own; a stopped (or,
 * after two samples, a D-state) process is the finding, with how long,
 * and resolves when it runs again; each member keeps its own state; the
 * outputs print groups.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "check_suites.h"
#include "leaktop/findings.h"
#include "leaktop/out.h"
#include "leaktop/record.h"
#include "leaktop/procs.h"
#include "leaktop/sample.h"

#define PID 42
#define NS 4026531840ULL

static struct findings_config cfg;

/*
 * A sample at time t: pid 42 ("redis") listens on 127.0.0.1:8080 (fd 3,
 * inode 100) and never reads the n connections it accepted on it (fds
 * 10.., inodes 200..), each with q bytes queued (the first with q * 2: the
 * worst) and `points` samples of history; its run state is state (0:
 * unknown).
 */
static void server(struct sample *s, double t, unsigned n, uint32_t q, uint8_t points,
		   char state)
{
	struct ltsock k;
	unsigned i;

	memset(s, 0, sizeof(*s));
	s->time = t;
	s->interval = 1;
	s->seq = points;
	s->census = 1;
	s->census_complete = 1;
	s->mem.available = 16ull << 30;
	s->rates = calloc(n + 1, sizeof(*s->rates));
	s->order = calloc(n + 1, sizeof(*s->order));
	s->owners.owners = calloc(n + 1, sizeof(*s->owners.owners));
	for (i = 0; i <= n; i++) {
		memset(&k, 0, sizeof(k));
		k.netns = NS;
		k.family = AF_INET;
		k.type = SOCK_STREAM;
		k.protocol = IPPROTO_TCP;
		k.local.addr[0] = 127;
		k.local.addr[3] = 1;
		k.local.port = 8080;
		k.have = LTSOCK_HAVE_SKMEM | LTSOCK_HAVE_DROPS | LTSOCK_HAVE_QUEUE;
		check_mem(&k)->rcvbuf = 1 << 20;
		if (i == 0) {
			k.inode = 100;
			k.state = TCP_LISTEN;
		} else {
			k.inode = 200 + i;
			k.state = TCP_ESTABLISHED;
			memcpy(k.peer.addr, k.local.addr, sizeof(k.peer.addr));
			k.peer.port = (uint16_t)(40000 + i);
			check_mem(&k)->recv_q = check_mem(&k)->rmem = i == 1 ? q * 2 : q;
			s->rates[i].known = 1;
			s->rates[i].flags = SOCK_FLAG_NEVER_READ;
			s->rates[i].points = points;
		}
		ck_assert_int_eq(ltsock_vec_push(&s->socks, &k), 0);
		s->owners.owners[i].inode = k.inode;
		s->owners.owners[i].pid = PID;
		s->owners.owners[i].fd = i == 0 ? 3 : (int32_t)(9 + i);
	}
	s->owners.nowners = n + 1;
	s->owners.procs = calloc(1, sizeof(*s->owners.procs));
	s->owners.procs[0].pid = PID;
	s->owners.procs[0].nfds = (int32_t)n + 4;
	strcpy(s->owners.procs[0].comm, "redis");
	s->owners.nprocs = 1;
	s->have_procs = 1;
	s->procs.v = calloc(1, sizeof(*s->procs.v));
	s->procs.n = s->procs.cap = 1;
	s->procs.v[0].pid = PID;
	s->procs.v[0].start_ticks = 777;
	s->procs.v[0].nfds = (int32_t)n + 4;
	s->procs.v[0].fd_soft = s->procs.v[0].fd_hard = 1024;
	s->procs.v[0].exhaustion_s = -1;
	s->procs.v[0].queued = (uint64_t)q * (n + 1);
	s->procs.v[0].run_state = state;
	strcpy(s->procs.v[0].comm, "redis");
}

static size_t count_kind(const struct finding_list *l, enum finding_kind k)
{
	size_t i, n = 0;

	for (i = 0; i < l->n; i++)
		n += l->v[i].kind == k;
	return n;
}

static const struct finding *find_kind(const struct finding_list *l, enum finding_kind k)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->v[i].kind == k)
			return &l->v[i];
	return NULL;
}

static void eval(struct findings_state *st, struct sample *s)
{
	ck_assert_int_eq(findings_evaluate(&cfg, st, s, &s->findings), 0);
}

START_TEST(test_twelve_are_one)
{
	struct findings_state *st = findings_state_new();
	const struct finding *g, *m;
	struct sample s;
	char sentence[400];
	size_t n, i;

	findings_config_default(&cfg);
	server(&s, 1000, 12, 100000, 6, 'S');
	eval(st, &s);
	ck_assert_uint_eq(s.findings.n, 1);
	g = &s.findings.v[0];
	ck_assert_int_eq(g->kind, FINDING_UNREAD_QUEUE);
	ck_assert_uint_eq(g->nmembers, 12);
	ck_assert_int_eq(g->pid, PID);
	ck_assert_int_eq(g->fd, -1);
	ck_assert_uint_eq(g->inode, 0);
	ck_assert_uint_eq(g->bytes, 13 * 100000);
	ck_assert_int_eq(g->worst_fd, 10);
	ck_assert_uint_eq(g->worst_inode, 201);
	ck_assert_uint_eq(g->worst_bytes, 200000);
	ck_assert_str_eq(g->cause_text, "on :8080");
	ck_assert_int_eq(g->state, FINDING_CONFIRMED);
	ck_assert_int_eq(g->action, 0);
	findings_summary(g, sentence, sizeof(sentence));
	ck_assert_msg(strstr(sentence, "redis (pid 42) never reads 12 connections on :8080: "
			     "1.2 MiB queued, worst fd 10 195.3 KiB") != NULL, "%s", sentence);
	m = findings_members(&s.findings, g, &n);
	ck_assert_ptr_nonnull(m);
	ck_assert_uint_eq(n, 12);
	ck_assert_int_eq(m[0].fd, 10);	/* worst first */
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(m[i].kind, FINDING_UNREAD_QUEUE);
		ck_assert_int_eq(m[i].pid, PID);
		ck_assert_uint_eq(m[i].nmembers, 0);
		ck_assert_uint_eq(m[i].cause, g->cause);
		ck_assert(i == 0 || m[i].bytes <= m[i - 1].bytes);
	}
	/* the severity of the whole: never below its worst member */
	for (i = 0; i < n; i++)
		ck_assert_int_ge(g->severity, m[i].severity);
	sample_release(&s);
	findings_state_free(st);
}
END_TEST

/* The row stays the same row: members come and go, the worst changes. */
START_TEST(test_identity_stable)
{
	struct findings_state *st = findings_state_new();
	struct finding a, b, one;
	struct sample s;
	char ida[16], idb[16];

	findings_config_default(&cfg);
	server(&s, 1000, 12, 100000, 6, 'S');
	eval(st, &s);
	a = s.findings.v[0];
	sample_release(&s);
	server(&s, 1001, 5, 300000, 7, 'S');
	eval(st, &s);
	ck_assert_uint_eq(s.findings.n, 1);
	b = s.findings.v[0];
	ck_assert_uint_eq(b.nmembers, 5);
	ck_assert(findings_same(&a, &b));
	ck_assert_str_eq(findings_id(&a, ida, sizeof(ida)), findings_id(&b, idb, sizeof(idb)));
	/* and the group is not one of its members */
	one = a;
	one.fd = a.worst_fd;
	one.inode = a.worst_inode;
	one.cause = 0;
	ck_assert(!findings_same(&a, &one));
	/* another port, another group */
	b.cause ^= 1;
	ck_assert(b.cause != 0);
	ck_assert(!findings_same(&a, &b));
	sample_release(&s);
	findings_state_free(st);
}
END_TEST

/*
 * A group keeps its row when it shrinks to one member: the same id, as a
 * group of one, not its member's id (the row does not flip between
 * samples for the same problem); it grows again under that id, and when
 * its last member goes it is listed resolved, still under that id.
 */
START_TEST(test_shrinks_to_one)
{
	struct findings_state *st = findings_state_new();
	const struct finding *f, *m;
	struct sample s;
	char ida[16], id[16], sentence[400];
	size_t n;

	findings_config_default(&cfg);
	server(&s, 1000, 12, 100000, 6, 'S');
	eval(st, &s);
	ck_assert_uint_eq(s.findings.n, 1);
	ck_assert_uint_eq(s.findings.v[0].nmembers, 12);
	findings_id(&s.findings.v[0], ida, sizeof(ida));
	sample_release(&s);
	/* one connection left: still the group, of one */
	server(&s, 1001, 1, 100000, 7, 'S');
	eval(st, &s);
	ck_assert_uint_eq(s.findings.n, 1);
	f = &s.findings.v[0];
	ck_assert_uint_eq(f->nmembers, 1);
	ck_assert_str_eq(findings_id(f, id, sizeof(id)), ida);
	ck_assert_int_eq(f->state, FINDING_CONFIRMED);
	m = findings_members(&s.findings, f, &n);
	ck_assert_ptr_nonnull(m);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(m[0].fd, 10);
	ck_assert_int_eq(f->worst_fd, 10);
	findings_summary(f, sentence, sizeof(sentence));
	ck_assert_msg(strstr(sentence, "never reads 1 connection on :8080") != NULL, "%s",
		      sentence);
	sample_release(&s);
	/* and in the next sample too */
	server(&s, 1002, 1, 100000, 8, 'S');
	eval(st, &s);
	ck_assert_uint_eq(s.findings.n, 1);
	ck_assert_uint_eq(s.findings.v[0].nmembers, 1);
	ck_assert_str_eq(findings_id(&s.findings.v[0], id, sizeof(id)), ida);
	sample_release(&s);
	/* it grows again: the same row */
	server(&s, 1003, 3, 100000, 8, 'S');
	eval(st, &s);
	ck_assert_uint_eq(s.findings.n, 1);
	ck_assert_uint_eq(s.findings.v[0].nmembers, 3);
	ck_assert_str_eq(findings_id(&s.findings.v[0], id, sizeof(id)), ida);
	sample_release(&s);
	/* its last member gone: resolved, under the group's id */
	server(&s, 1004, 1, 100000, 8, 'S');
	eval(st, &s);
	sample_release(&s);
	server(&s, 1005, 0, 100000, 8, 'S');
	eval(st, &s);
	ck_assert_uint_eq(s.findings.n, 1);
	f = &s.findings.v[0];
	ck_assert_int_eq(f->state, FINDING_RESOLVED);
	ck_assert_uint_ge(f->nmembers, 1);
	ck_assert_str_eq(findings_id(f, id, sizeof(id)), ida);
	sample_release(&s);
	findings_state_free(st);
}
END_TEST

/* A socket alone is a finding of its own, with its fd; its id is the one
 * it had before groups (the cause is not hashed when 0). */
START_TEST(test_alone_stays)
{
	struct findings_state *st = findings_state_new();
	const struct finding *f;
	struct finding old;
	struct sample s;

	findings_config_default(&cfg);
	server(&s, 1000, 1, 100000, 6, 'S');
	eval(st, &s);
	ck_assert_uint_eq(s.findings.n, 1);
	f = &s.findings.v[0];
	ck_assert_uint_eq(f->nmembers, 0);
	ck_assert_int_eq(f->fd, 10);
	ck_assert_uint_eq(f->inode, 201);
	ck_assert_ptr_null(findings_members(&s.findings, f, &(size_t){ 0 }));
	/* its cause says where it would group, but is no part of its id */
	ck_assert(f->cause != 0);
	old = *f;
	old.cause = 0;
	ck_assert_uint_eq(findings_hash(&old), findings_hash(f));
	ck_assert(findings_same(&old, f));
	sample_release(&s);
	findings_state_free(st);
}
END_TEST

/* A stopped process is the finding, with how long; its sockets are its
 * members; after SIGCONT it resolves and the group is back.  Live
 * (_i == 1), how long is on the steady clock: the wall clock stepped an
 * hour on from the third sample changes nothing. */
static void live_clock(struct sample *s, int live, double t)
{
	if (!live)
		return;
	s->clock = t - 900;
	if (t >= 1006)
		s->time += 3600;
}

START_TEST(test_stopped)
{
	struct findings_state *st = findings_state_new();
	const struct finding *p, *m;
	struct sample s;
	char sentence[400];
	size_t n;

	findings_config_default(&cfg);
	server(&s, 1000, 12, 100000, 6, 'S');
	live_clock(&s, _i, 1000);
	eval(st, &s);
	sample_release(&s);
	server(&s, 1001, 12, 100000, 7, 'T');
	live_clock(&s, _i, 1001);
	eval(st, &s);
	ck_assert_uint_eq(count_kind(&s.findings, FINDING_PROCESS_STOPPED), 1);
	ck_assert_uint_eq(count_kind(&s.findings, FINDING_UNREAD_QUEUE), 0);
	sample_release(&s);
	server(&s, 1006, 12, 100000, 8, 'T');
	live_clock(&s, _i, 1006);
	eval(st, &s);
	ck_assert_uint_eq(s.findings.n, 1);
	p = &s.findings.v[0];
	ck_assert_int_eq(p->kind, FINDING_PROCESS_STOPPED);
	ck_assert_int_eq(p->pid, PID);
	ck_assert_int_eq(p->proc_state, 'T');
	ck_assert_double_eq(p->since, 1001);
	ck_assert_uint_eq(p->nmembers, 12);
	ck_assert_int_eq(p->state, FINDING_CONFIRMED);
	findings_summary(p, sentence, sizeof(sentence));
	ck_assert_msg(strstr(sentence, "redis (pid 42) is stopped (SIGSTOP) for at least 5 s") !=
		      NULL, "%s", sentence);
	m = findings_members(&s.findings, p, &n);
	ck_assert_uint_eq(n, 12);
	ck_assert_int_eq(m[0].kind, FINDING_UNREAD_QUEUE);
	ck_assert_int_eq(m[0].fd, 10);
	{
		char steps[2048];

		findings_next_steps(p, steps, sizeof(steps));
		ck_assert_ptr_nonnull(strstr(steps, "kill -CONT 42"));
		ck_assert_ptr_nonnull(strstr(steps, "TracerPid"));
		ck_assert_ptr_nonnull(strstr(steps, "cgroup.freeze"));
	}
	sample_release(&s);
	/* SIGCONT: resolved, and the twelve are one group again, not
	 * twelve resolved rows */
	server(&s, 1007, 12, 100000, 9, 'S');
	live_clock(&s, _i, 1007);
	eval(st, &s);
	ck_assert_uint_eq(s.findings.n, 2);
	p = find_kind(&s.findings, FINDING_PROCESS_STOPPED);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(p->state, FINDING_RESOLVED);
	ck_assert_ptr_null(findings_members(&s.findings, p, &n));
	ck_assert_ptr_nonnull(strstr(p->evidence, "runs again since"));
	p = find_kind(&s.findings, FINDING_UNREAD_QUEUE);
	ck_assert_uint_eq(p->nmembers, 12);
	ck_assert_int_eq(p->state, FINDING_CONFIRMED);
	/* resolved comes last */
	ck_assert_int_eq(s.findings.v[1].kind, FINDING_PROCESS_STOPPED);
	sample_release(&s);
	findings_state_free(st);
}
END_TEST

/* D passes by on a read from disk: only two samples in a row count. */
START_TEST(test_d_state_waits)
{
	struct findings_state *st = findings_state_new();
	struct sample s;

	findings_config_default(&cfg);
	server(&s, 1000, 3, 100000, 6, 'D');
	eval(st, &s);
	ck_assert_uint_eq(count_kind(&s.findings, FINDING_PROCESS_STOPPED), 0);
	sample_release(&s);
	server(&s, 1001, 3, 100000, 7, 'D');
	eval(st, &s);
	ck_assert_uint_eq(count_kind(&s.findings, FINDING_PROCESS_STOPPED), 1);
	ck_assert_ptr_nonnull(strstr(s.findings.v[0].summary, "(D)"));
	sample_release(&s);
	/* traced: at once */
	findings_state_free(st);
	st = findings_state_new();
	server(&s, 1000, 3, 100000, 6, 't');
	eval(st, &s);
	ck_assert_uint_eq(count_kind(&s.findings, FINDING_PROCESS_STOPPED), 1);
	ck_assert_ptr_nonnull(strstr(s.findings.v[0].summary, "tracer"));
	sample_release(&s);
	findings_state_free(st);
}
END_TEST

/* Each member keeps its own state: suspected members make a suspected
 * group, one confirmed member a confirmed one. */
START_TEST(test_member_states)
{
	struct findings_state *st = findings_state_new();
	struct sample s;

	findings_config_default(&cfg);
	server(&s, 1000, 4, 100000, 3, 'S');
	eval(st, &s);
	ck_assert_uint_eq(s.findings.n, 1);
	ck_assert_int_eq(s.findings.v[0].state, FINDING_SUSPECTED);
	ck_assert_int_eq(s.findings.v[0].suspected, 1);
	ck_assert_int_eq(s.findings.members[0].state, FINDING_SUSPECTED);
	sample_release(&s);
	server(&s, 1001, 4, 100000, 3, 'S');
	s.rates[2].points = 6;	/* one member confirmed */
	eval(st, &s);
	ck_assert_int_eq(s.findings.v[0].state, FINDING_CONFIRMED);
	sample_release(&s);
	findings_state_free(st);
}
END_TEST

/* Text and JSON print the group once, its members inside it. */
START_TEST(test_outputs)
{
	struct findings_state *st = findings_state_new();
	struct sample s;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	findings_config_default(&cfg);
	server(&s, 1000, 12, 100000, 6, 'S');
	eval(st, &s);
	f = open_memstream(&buf, &len);
	ck_assert_int_eq(out_text_write(f, &s), 0);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(buf, "never reads 12 connections on :8080"));
	ck_assert_ptr_nonnull(strstr(buf, "members: 12: fd 10 195.3 KiB, fd 11"));
	ck_assert_ptr_null(strstr(buf, "never reads its tcp"));
	free(buf);
	buf = NULL;
	f = open_memstream(&buf, &len);
	ck_assert_int_eq(out_json_write(f, &s), 0);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(buf, "\"count\":12,\"worst\":{\"fd\":10,\"inode\":201,"
					  "\"bytes\":200000}"));
	ck_assert_ptr_nonnull(strstr(buf, "\"members\":[{\"id\":"));
	ck_assert_ptr_nonnull(strstr(buf, "\"cause\":\"on :8080\""));
	free(buf);
	sample_release(&s);
	findings_state_free(st);
}
END_TEST

/*
 * A group's members are the sockets it is about (findings_about_socket,
 * findings_socks_build): Prometheus gives each a series though none is
 * flagged or among the top by bytes.
 */
START_TEST(test_member_sockets)
{
	struct findings_state *st = findings_state_new();
	struct findings_socks set;
	struct sample s;
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f;

	findings_config_default(&cfg);
	server(&s, 1000, 12, 100000, 6, 'S');
	eval(st, &s);
	ck_assert_uint_eq(s.findings.n, 1);
	ck_assert_uint_eq(s.findings.v[0].inode, 0);	/* a group names no socket */
	ck_assert_int_eq(findings_socks_build(&set, &s.findings), 0);
	for (i = 1; i <= 12; i++) {
		ck_assert_int_eq(findings_about_socket(&s.findings, 200 + i), 1);
		ck_assert_int_eq(findings_socks_has(&set, 200 + i), 1);
	}
	ck_assert_int_eq(findings_about_socket(&s.findings, 100), 0);	/* the listener */
	ck_assert_int_eq(findings_socks_has(&set, 100), 0);
	ck_assert_int_eq(findings_socks_has(&set, 0), 0);
	findings_socks_free(&set);

	/* none flagged, top 1: the members are there as the group's */
	for (i = 0; i < s.socks.n; i++) {
		s.rates[i].flags = 0;
		s.order[i] = (uint32_t)i;
	}
	f = open_memstream(&buf, &len);
	ck_assert_int_eq(out_prom_write(f, &s, 1), 0);
	fclose(f);
	for (i = 1; i <= 12; i++) {
		char want[64];

		snprintf(want, sizeof(want), "inode=\"%zu\"", 200 + i);
		ck_assert_msg(strstr(buf, want), "no series for member %zu", 200 + i);
	}
	ck_assert_ptr_null(strstr(buf, "inode=\"100\""));
	free(buf);

	/* resolved: no longer a finding's socket */
	s.findings.v[0].state = FINDING_RESOLVED;
	ck_assert_int_eq(findings_about_socket(&s.findings, 201), 0);
	ck_assert_int_eq(findings_socks_build(&set, &s.findings), 0);
	ck_assert_uint_eq(set.n, 0);
	findings_socks_free(&set);
	sample_release(&s);
	findings_state_free(st);
}
END_TEST

/* A frozen cgroup (F) is the finding at once, as a stop is. */
START_TEST(test_frozen)
{
	struct findings_state *st = findings_state_new();
	struct sample s;

	findings_config_default(&cfg);
	server(&s, 1000, 3, 100000, 6, 'F');
	eval(st, &s);
	ck_assert_uint_eq(s.findings.n, 1);
	ck_assert_int_eq(s.findings.v[0].kind, FINDING_PROCESS_STOPPED);
	ck_assert_int_eq(s.findings.v[0].proc_state, 'F');
	ck_assert_ptr_nonnull(strstr(s.findings.v[0].summary, "is in a frozen cgroup"));
	ck_assert_ptr_nonnull(strstr(s.findings.v[0].evidence, "/proc/42/cgroup"));
	sample_release(&s);
	findings_state_free(st);
}
END_TEST

/* The parsers behind the process's state and its freezer. */
START_TEST(test_state_parsers)
{
	static const char mi[] =
		"25 1 0:23 / /sys rw,nosuid - sysfs sysfs rw\n"
		"30 25 0:26 / /sys/fs/cgroup ro - tmpfs tmpfs ro,mode=755\n"
		"33 30 0:29 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n"
		"34 30 0:30 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n"
		"38 30 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer\n";
	static const char cg[] =
		"9:name=systemd:/\n6:freezer:/jail/a b\n4:memory:/m\n0::/svc.slice/x.service\n";
	static const char stat[] = "42 (a) b) c) T 1 42 42 0 -1 4194560 ...";
	char v1[64], v2[64];

	procs_parse_freezer_mounts(mi, sizeof(mi) - 1, v1, sizeof(v1), v2, sizeof(v2));
	ck_assert_str_eq(v1, "/sys/fs/cgroup/freezer");
	ck_assert_str_eq(v2, "/sys/fs/cgroup/unified");
	procs_parse_freezer_mounts("", 0, v1, sizeof(v1), v2, sizeof(v2));
	ck_assert_str_eq(v1, "");
	ck_assert_str_eq(v2, "");
	procs_parse_cgroups(cg, sizeof(cg) - 1, v1, sizeof(v1), v2, sizeof(v2));
	ck_assert_str_eq(v1, "/jail/a b");
	ck_assert_str_eq(v2, "/svc.slice/x.service");
	/* comm may hold ") ": the state follows the last one */
	ck_assert_int_eq(procs_parse_state(stat, sizeof(stat) - 1), 'T');
	ck_assert_int_eq(procs_parse_state("42 (x)", 6), 0);
	ck_assert_int_eq(procs_parse_state("garbage", 7), 0);
	/* nothing mounted: never frozen, nothing read */
	ck_assert_int_eq(procs_read_frozen("/nonexistent", 1, "", ""), 0);
}
END_TEST

static char *json_of(const struct sample *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_int_eq(out_json_write(f, s), 0);
	fclose(f);
	return buf;
}

/* A recording keeps the groups and their members: a replayed sample's
 * JSON is the live one's, keyframe and deltas alike (members coming and
 * going, a stopped process). */
START_TEST(test_recorded)
{
	struct findings_state *st = findings_state_new();
	struct record_writer_config wc = { .keyframe_every = 2, .version = "test",
					   .interval = 1 };
	static const unsigned nconn[4] = { 12, 11, 11, 12 };
	static const char state[4] = { 'S', 'S', 'T', 'T' };
	char path[] = "/tmp/leaktop-check-group-XXXXXX", *live[4];
	struct lt_err err = { "" };
	struct record_writer *w;
	struct record_reader *r;
	struct sample s;
	size_t i;
	int fd;

	findings_config_default(&cfg);
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	wc.path = path;
	w = record_writer_new(&wc, &err);
	ck_assert_msg(w != NULL, "writer: %s", err.msg);
	for (i = 0; i < 4; i++) {
		server(&s, 1000 + (double)i, nconn[i], 100000, (uint8_t)(6 + i), state[i]);
		s.seq = (unsigned)i + 1;
		eval(st, &s);
		ck_assert_uint_ge(s.findings.nmembers, 11);
		live[i] = json_of(&s);
		ck_assert_msg(record_write_sample(w, &s, &err) == 0, "write: %s", err.msg);
		sample_release(&s);
	}
	ck_assert_int_eq(record_writer_close(w, &err), 0);
	r = record_reader_open(path, &err);
	ck_assert_msg(r != NULL, "reader: %s", err.msg);
	ck_assert_uint_eq(record_reader_header(r)->major, RECORD_FORMAT_MAJOR);
	ck_assert_uint_eq(record_reader_nsamples(r), 4);
	for (i = 0; i < 4; i++) {
		char *back;

		ck_assert_int_eq(record_reader_sample(r, i, &s, &err), 0);
		back = json_of(&s);
		ck_assert_msg(strstr(back, "\"members\":[{\"id\":") != NULL, "%s", back);
		ck_assert_str_eq(strstr(back, "\"findings\":"), strstr(live[i], "\"findings\":"));
		free(back);
		free(live[i]);
		sample_release(&s);
	}
	record_reader_free(r);
	unlink(path);
	findings_state_free(st);
}
END_TEST

Suite *group_suite(void)
{
	Suite *s = suite_create("group");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_twelve_are_one);
	tcase_add_test(tc, test_identity_stable);
	tcase_add_test(tc, test_alone_stays);
	tcase_add_test(tc, test_shrinks_to_one);
	tcase_add_loop_test(tc, test_stopped, 0, 2);
	tcase_add_test(tc, test_d_state_waits);
	tcase_add_test(tc, test_member_states);
	tcase_add_test(tc, test_outputs);
	tcase_add_test(tc, test_member_sockets);
	tcase_add_test(tc, test_recorded);
	tcase_add_test(tc, test_frozen);
	tcase_add_test(tc, test_state_parsers);
	suite_add_tcase(s, tc);
	return s;
}
