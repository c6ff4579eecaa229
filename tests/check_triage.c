/*
 * Unit tests of two triage rules (core/findings/) on made-up samples:
 * send_stall (a sender whose bytes wait because its peer takes none) and
 * orphaned_connections (TCP connections no fd holds, grouped by the local
 * process that keeps them alive).  Each boundary has a case on either side:
 * one where the rule fires and one where it must stay quiet.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "check_suites.h"
#include "check_samples.h"
#include "leaktop/actions.h"
#include "leaktop/findings.h"
#include "leaktop/sample.h"

#define NETNS CHECK_SAMPLES_NETNS
#define KIB 1024u
#define MIN_BYTES 65536u	/* findings_config_default's unread_min_bytes */
#define CRIT_BYTES 1048576u	/* and unread_crit_bytes */

static struct findings_config cfg;

/* The finding's whole sentence, as every output says it (the subject is
 * data, put in front by findings_summary). */
static const char *said(const struct finding *f)
{
	static char buf[512];

	return findings_summary(f, buf, sizeof(buf));
}

/* An IPv4 TCP socket 127.0.0.1:lport -> 127.0.0.1:pport. */
static struct ltsock tcp(uint64_t inode, int state, uint16_t lport, uint16_t pport)
{
	struct ltsock k = check_samples_sock(inode, SOCK_STREAM);

	k.state = (uint8_t)state;
	k.local.addr[0] = 127;
	k.local.addr[3] = 1;
	k.local.port = lport;
	k.peer.addr[0] = 127;
	k.peer.addr[3] = 1;
	k.peer.port = pport;
	check_mem(&k)->rcvbuf = 131072;
	check_mem(&k)->sndbuf = 2 * CRIT_BYTES;
	return k;
}

/*
 * A census sample of n sockets, each with its rate (flags, points), and
 * the owners (sorted by inode; one fd per process).  Free with
 * sample_release().
 */
static void build(struct sample *s, const struct ltsock *k, const uint8_t *flags,
		  size_t n, uint8_t points, const struct check_owner *o, size_t no)
{
	check_samples_init(s, 1000, points);
	check_samples_socks(s, k, flags, n, points);
	check_samples_owners(s, o, no);
}

/* The findings of kind in s (at most 4 copied to out); how many there are. */
static size_t eval_kind(struct sample *s, enum finding_kind kind, struct finding *out)
{
	struct findings_state *st = findings_state_new();
	struct finding_list l;
	size_t i, n = 0;

	ck_assert_ptr_nonnull(st);
	ck_assert_int_eq(findings_evaluate(&cfg, st, s, &l), 0);
	for (i = 0; i < l.n; i++)
		if (l.v[i].kind == kind) {
			if (n < 4)
				out[n] = l.v[i];
			n++;
		}
	findings_list_free(&l);
	findings_state_free(st);
	return n;
}

/* ---- send_stall ------------------------------------------------------------ */

/* The sender's sndbuf in remote_stall, 0: tcp()'s 2 MiB. */
static uint32_t stall_sndbuf;

/* One stalled sender (inode 900, pid 50 fd 5) toward a remote peer holding
 * send_q bytes; flags on the sender, points samples. */
static size_t remote_stall(uint32_t send_q, uint8_t flags, uint8_t points, struct finding *f)
{
	struct ltsock k = tcp(900, TCP_ESTABLISHED, 40000, 443);
	const struct check_owner o[] = { { 900, 50, 5, "pusher" } };
	struct sample s;
	size_t n;

	k.peer.addr[0] = 192;	/* not this machine */
	k.peer.addr[1] = 0;
	k.peer.addr[2] = 2;
	check_mem(&k)->send_q = send_q;
	check_mem(&k)->wmem = send_q;
	if (stall_sndbuf)
		check_mem(&k)->sndbuf = stall_sndbuf;
	build(&s, &k, &flags, 1, points, o, 1);
	n = eval_kind(&s, FINDING_SEND_STALL, f);
	sample_release(&s);
	return n;
}

START_TEST(test_send_stall_threshold)
{
	struct finding f[4];

	findings_config_default(&cfg);
	ck_assert_double_eq(cfg.unread_min_bytes, MIN_BYTES);
	/* exactly the minimum: fires, a warning (a 256 KiB sndbuf caps it),
	 * the sender is named */
	stall_sndbuf = 256 * KIB;
	ck_assert_uint_eq(remote_stall(MIN_BYTES, SOCK_FLAG_SEND_STALLED, 6, f), 1);
	stall_sndbuf = 0;
	ck_assert_int_eq(f[0].severity, FINDING_WARNING);
	ck_assert_int_eq(f[0].pid, 50);
	ck_assert_int_eq(f[0].fd, 5);
	ck_assert_str_eq(f[0].comm, "pusher");
	ck_assert_uint_eq(f[0].inode, 900);
	ck_assert_int_eq(f[0].victim_pid, -1);
	ck_assert_int_eq(f[0].action, ACTIONS_NONE);	/* a stream: never a drop filter */
	ck_assert_ptr_nonnull(strstr(said(&f[0]), "pusher (pid 50, fd 5) cannot send on"));
	ck_assert_ptr_nonnull(strstr(f[0].explanation, "not on this machine"));
	/* one byte under: quiet */
	ck_assert_uint_eq(remote_stall(MIN_BYTES - 1, SOCK_FLAG_SEND_STALLED, 6, f), 0);
	/* a megabyte waiting but not flagged stalled: quiet */
	ck_assert_uint_eq(remote_stall(CRIT_BYTES, 0, 6, f), 0);
	/* flagged never_read, not stalled: another rule's business */
	ck_assert_uint_eq(remote_stall(CRIT_BYTES, SOCK_FLAG_NEVER_READ, 6, f), 0);
}
END_TEST

START_TEST(test_send_stall_severity_and_suspicion)
{
	struct finding f[4];

	findings_config_default(&cfg);
	/* severity is impact (#24): its ceiling, the 2 MiB sndbuf, against a
	 * machine whose MemAvailable is unknown (unread_crit_bytes is the
	 * share), not the bytes waiting now */
	ck_assert_uint_eq(remote_stall(CRIT_BYTES, SOCK_FLAG_SEND_STALLED, 6, f), 1);
	ck_assert_int_eq(f[0].severity, FINDING_CRITICAL);
	ck_assert_uint_eq(remote_stall(CRIT_BYTES - 1, SOCK_FLAG_SEND_STALLED, 6, f), 1);
	ck_assert_int_eq(f[0].severity, FINDING_CRITICAL);
	/* a sndbuf under the share: a warning that names its ceiling */
	stall_sndbuf = CRIT_BYTES - 1;
	ck_assert_uint_eq(remote_stall(MIN_BYTES, SOCK_FLAG_SEND_STALLED, 6, f), 1);
	ck_assert_int_eq(f[0].severity, FINDING_WARNING);
	ck_assert_ptr_nonnull(strstr(f[0].summary, "will stop at 1024.0 KiB, its sndbuf"));
	stall_sndbuf = 0;
	/* confirmed at confirm_samples (5), suspected one sample before */
	ck_assert_uint_eq(remote_stall(MIN_BYTES, SOCK_FLAG_SEND_STALLED, 5, f), 1);
	ck_assert_int_eq(f[0].suspected, 0);
	ck_assert_uint_eq(remote_stall(MIN_BYTES, SOCK_FLAG_SEND_STALLED, 4, f), 1);
	ck_assert_int_eq(f[0].suspected, 1);
}
END_TEST

/* A loopback connection: the stalled sender 40000 -> 8080 (inode 900, pid 50
 * fd 5) and the end that does not read, 8080 -> 40000 (inode 901, pid 60
 * fd 7).  The reader is the culprit, the sender its victim. */
START_TEST(test_send_stall_local_peer)
{
	struct ltsock k[2] = { tcp(900, TCP_ESTABLISHED, 40000, 8080),
			       tcp(901, TCP_ESTABLISHED, 8080, 40000) };
	const uint8_t flags[2] = { SOCK_FLAG_SEND_STALLED, SOCK_FLAG_NEVER_READ };
	const struct check_owner o[] = { { 900, 50, 5, "pusher" }, { 901, 60, 7, "sleeper" } };
	struct finding f[4];
	struct sample s;

	findings_config_default(&cfg);
	check_mem(&k[0])->send_q = check_mem(&k[0])->wmem = 200 * KIB;
	check_mem(&k[1])->recv_q = check_mem(&k[1])->rmem = 4 * KIB;
	build(&s, k, flags, 2, 6, o, 2);
	ck_assert_uint_eq(eval_kind(&s, FINDING_SEND_STALL, f), 1);
	ck_assert_int_eq(f[0].pid, 60);
	ck_assert_int_eq(f[0].fd, 7);
	ck_assert_str_eq(f[0].comm, "sleeper");
	ck_assert_int_eq(f[0].victim_pid, 50);
	ck_assert_int_eq(f[0].victim_fd, 5);
	ck_assert_str_eq(f[0].victim_comm, "pusher");
	ck_assert_uint_eq(f[0].inode, 900);
	ck_assert_ptr_nonnull(strstr(said(&f[0]), "sleeper (pid 60, fd 7) does not read"));
	sample_release(&s);

	/* the peer end in another namespace is not this connection's peer */
	k[1].netns = NETNS + 1;
	build(&s, k, flags, 2, 6, o, 2);
	ck_assert_uint_eq(eval_kind(&s, FINDING_SEND_STALL, f), 1);
	ck_assert_int_eq(f[0].pid, 50);
	ck_assert_int_eq(f[0].victim_pid, -1);
	sample_release(&s);
}
END_TEST

/* Send-side bytes that do not count: a listener's, a unix socket's. */
START_TEST(test_send_stall_not_held)
{
	struct ltsock k = tcp(900, TCP_LISTEN, 8080, 0);
	const struct check_owner o[] = { { 900, 50, 5, "pusher" } };
	const uint8_t flags = SOCK_FLAG_SEND_STALLED;
	struct finding f[4];
	struct sample s;

	findings_config_default(&cfg);
	check_mem(&k)->send_q = check_mem(&k)->wmem = CRIT_BYTES;
	build(&s, &k, &flags, 1, 6, o, 1);
	ck_assert_uint_eq(eval_kind(&s, FINDING_SEND_STALL, f), 0);
	sample_release(&s);

	k.state = TCP_ESTABLISHED;
	k.family = AF_UNIX;
	k.protocol = 0;
	build(&s, &k, &flags, 1, 6, o, 1);
	ck_assert_uint_eq(eval_kind(&s, FINDING_SEND_STALL, f), 0);
	sample_release(&s);

	/* the same socket as TCP: fires (the two above are not vacuous) */
	k.family = AF_INET;
	k.protocol = IPPROTO_TCP;
	build(&s, &k, &flags, 1, 6, o, 1);
	ck_assert_uint_eq(eval_kind(&s, FINDING_SEND_STALL, f), 1);
	sample_release(&s);
}
END_TEST

/* ---- orphaned_connections -------------------------------------------------- */

/*
 * n orphans (no inode, FIN_WAIT1) 9000+i -> 8080, each pinning bytes in
 * its send queue; the end they talk to, 8080 -> 9000+i, held by pid 70 fd 9
 * ("stuck"), flagged never_read when stuck is set; peer 0: no local end.
 * orphans is the kernel's count (meminfo); 0 switches the rule off.
 */
static size_t orphans(unsigned n, uint32_t bytes, int peer, int stuck, uint64_t kcount,
		      struct finding *f)
{
	struct ltsock k[8];
	uint8_t flags[8] = { 0 };
	const struct check_owner o[] = { { 950, 70, 9, "stuck" } };
	struct sample s;
	size_t i, nk = 0, r;

	ck_assert_uint_le(n, 4);
	for (i = 0; i < n; i++) {
		k[nk] = tcp(0, TCP_FIN_WAIT1, (uint16_t)(9000 + i), 8080);
		check_mem(&k[nk])->send_q = bytes;
		check_mem(&k[nk])->wmem = bytes;
		nk++;
		if (peer) {
			/* one listener-accepted end per connection; only the
			 * first has an fd in the owners table */
			k[nk] = tcp(i ? 960 + i : 950, TCP_ESTABLISHED, 8080, (uint16_t)(9000 + i));
			check_mem(&k[nk])->recv_q = check_mem(&k[nk])->rmem = 2 * KIB;
			flags[nk] = stuck ? SOCK_FLAG_NEVER_READ : 0;
			nk++;
		}
	}
	build(&s, k, flags, nk, 6, o, 1);
	if (peer && n > 1) {	/* every accepted end held by pid 70 */
		s.owners.owners = realloc(s.owners.owners, n * sizeof(*s.owners.owners));
		ck_assert_ptr_nonnull(s.owners.owners);
		for (i = 1; i < n; i++) {
			s.owners.owners[i].inode = 960 + i;
			s.owners.owners[i].pid = 70;
			s.owners.owners[i].fd = (int32_t)(9 + i);
		}
		s.owners.nowners = n;
	}
	s.mem.orphans = kcount;
	s.mem.sockstat_orphans = kcount ? n : 0;
	r = eval_kind(&s, FINDING_ORPHANED_CONNECTIONS, f);
	sample_release(&s);
	return r;
}

START_TEST(test_orphans_threshold)
{
	struct finding f[4];

	findings_config_default(&cfg);
	/* one orphan pinning exactly the minimum, its reader stuck: fires,
	 * confirmed, the reader named */
	ck_assert_uint_eq(orphans(1, MIN_BYTES, 1, 1, MIN_BYTES, f), 1);
	ck_assert_int_eq(f[0].severity, FINDING_WARNING);
	ck_assert_int_eq(f[0].suspected, 0);
	ck_assert_int_eq(f[0].pid, 70);
	ck_assert_int_eq(f[0].fd, 9);
	ck_assert_str_eq(f[0].comm, "stuck");
	ck_assert_ptr_nonnull(strstr(said(&f[0]), "stuck (pid 70, fd 9) stopped reading 1 orphaned connection, which holds"));
	ck_assert_ptr_nonnull(strstr(said(&f[0]), "stuck (pid 70, fd 9) stopped reading"));
	/* one byte under: quiet */
	ck_assert_uint_eq(orphans(1, MIN_BYTES - 1, 1, 1, MIN_BYTES, f), 0);
	/* two orphans of one culprit are summed: 2 x 40 KiB passes the minimum */
	ck_assert_uint_eq(orphans(2, 40 * KIB, 1, 1, 80 * KIB, f), 1);
	ck_assert_ptr_nonnull(strstr(said(&f[0]), "2 orphaned connections, which hold"));
	ck_assert_uint_eq(orphans(2, 30 * KIB, 1, 1, 60 * KIB, f), 0);
	/* the kernel counts no orphan memory: the rule does not run */
	ck_assert_uint_eq(orphans(1, CRIT_BYTES, 1, 1, 0, f), 0);
}
END_TEST

START_TEST(test_orphans_severity_and_culprit)
{
	struct finding f[4];

	findings_config_default(&cfg);
	ck_assert_uint_eq(orphans(1, CRIT_BYTES, 1, 1, CRIT_BYTES, f), 1);
	ck_assert_int_eq(f[0].severity, FINDING_CRITICAL);
	ck_assert_uint_eq(orphans(1, CRIT_BYTES - 1, 1, 1, CRIT_BYTES, f), 1);
	ck_assert_int_eq(f[0].severity, FINDING_WARNING);
	/* the reader is seen but not flagged never_read: only suspected */
	ck_assert_uint_eq(orphans(1, MIN_BYTES, 1, 0, MIN_BYTES, f), 1);
	ck_assert_int_eq(f[0].suspected, 1);
	ck_assert_int_eq(f[0].pid, 70);
	/* no local end: a remote peer, no pid, suspected */
	ck_assert_uint_eq(orphans(1, MIN_BYTES, 0, 0, MIN_BYTES, f), 1);
	ck_assert_int_eq(f[0].pid, -1);
	ck_assert_int_eq(f[0].suspected, 1);
	ck_assert_ptr_nonnull(strstr(said(&f[0]), "toward peers not on this machine"));
}
END_TEST

/* What is not an orphan: a socket an fd holds, a time-wait minisock.  And an
 * unaccepted connection, named after the listener's owner. */
START_TEST(test_orphans_which_sockets)
{
	struct ltsock k[2] = { tcp(0, TCP_FIN_WAIT1, 9000, 8080),
			       tcp(950, TCP_LISTEN, 8080, 0) };
	const uint8_t flags[2] = { 0, 0 };
	const struct check_owner o[] = { { 950, 70, 9, "server" } };
	struct finding f[4];
	struct sample s;

	findings_config_default(&cfg);
	check_mem(&k[0])->send_q = check_mem(&k[0])->wmem = CRIT_BYTES;

	/* held by an fd (an inode): not an orphan */
	k[0].inode = 940;
	build(&s, k, flags, 1, 6, NULL, 0);
	s.mem.orphans = CRIT_BYTES;
	ck_assert_uint_eq(eval_kind(&s, FINDING_ORPHANED_CONNECTIONS, f), 0);
	sample_release(&s);

	/* time-wait: a minisock, no queue to pin */
	k[0].inode = 0;
	k[0].state = TCP_TIME_WAIT;
	build(&s, k, flags, 1, 6, NULL, 0);
	s.mem.orphans = CRIT_BYTES;
	ck_assert_uint_eq(eval_kind(&s, FINDING_ORPHANED_CONNECTIONS, f), 0);
	sample_release(&s);

	/* the same bytes in FIN_WAIT1: an orphan (the two above are not vacuous) */
	k[0].state = TCP_FIN_WAIT1;
	build(&s, k, flags, 1, 6, NULL, 0);
	s.mem.orphans = CRIT_BYTES;
	ck_assert_uint_eq(eval_kind(&s, FINDING_ORPHANED_CONNECTIONS, f), 1);
	ck_assert_int_eq(f[0].pid, -1);
	sample_release(&s);

	/* established without an fd, waiting in pid 70's listener: unaccepted */
	k[0].state = TCP_ESTABLISHED;
	k[0].local.port = 8080;
	k[0].peer.port = 9000;
	check_mem(&k[0])->send_q = check_mem(&k[0])->wmem = 0;
	check_mem(&k[0])->recv_q = check_mem(&k[0])->rmem = 100 * KIB;
	build(&s, k, flags, 2, 6, o, 1);
	s.mem.orphans = 100 * KIB;
	ck_assert_uint_eq(eval_kind(&s, FINDING_ORPHANED_CONNECTIONS, f), 1);
	ck_assert_int_eq(f[0].pid, 70);
	ck_assert_int_eq(f[0].fd, 9);
	ck_assert_ptr_nonnull(strstr(said(&f[0]), "server (pid 70, fd 9) does not accept 1 unaccepted connection, which holds"));
	ck_assert_ptr_nonnull(strstr(said(&f[0]), "server (pid 70, fd 9) does not accept"));
	sample_release(&s);
}
END_TEST

Suite *triage_suite(void)
{
	Suite *s = suite_create("triage");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_send_stall_threshold);
	tcase_add_test(tc, test_send_stall_severity_and_suspicion);
	tcase_add_test(tc, test_send_stall_local_peer);
	tcase_add_test(tc, test_send_stall_not_held);
	tcase_add_test(tc, test_orphans_threshold);
	tcase_add_test(tc, test_orphans_severity_and_culprit);
	tcase_add_test(tc, test_orphans_which_sockets);
	suite_add_tcase(s, tc);
	return s;
}
