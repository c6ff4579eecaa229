/*
 * Tests for core/procnet.c.  The tables in tests/fixtures/procnet/ were
 * copied by tests/capture_sockdiag while the same sockets as the sock_diag
 * fixtures were open (see tests/fixtures/sockdiag/MANIFEST), so the figures
 * here match those in check_sockdiag.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <check.h>

#include "leaktop/procnet.h"

Suite *procnet_suite(void);

#define UDP4_INODE	9603
#define UDP6_INODE	9605
#define TCP4_SERVER_INO	9609
#define TCP6_LISTEN_INO	9610
#define RAW6_INODE	9611
#define RAW4_INODE	9612
#define PACKET_INODE	9613
#define UNIX_LISTEN_INO	9671
#define UNIX_ABSTR_INO	9672
#define NETLINK_INODE	9674
#define ST_LISTEN_ID	10	/* TCP_LISTEN, as unix listeners are shown */

static const char *fixture_dir(char *buf, size_t bufsz)
{
	const char *dir = getenv("LEAKTOP_FIXTURES");

	snprintf(buf, bufsz, "%s/procnet", dir ? dir : "tests/fixtures");
	return buf;
}

static char *load(const char *table, size_t *len)
{
	char dir[1024], path[1100], *text;
	int ret;

	snprintf(path, sizeof(path), "%s/%s",
		 fixture_dir(dir, sizeof(dir)), table);
	ret = lt_read_file(path, &text, len, 1 << 20);
	ck_assert_msg(ret == 0, "cannot read %s: %s", path, strerror(-ret));
	return text;
}

static struct ltsock_vec read_table(enum sockdiag_kind kind, int want)
{
	struct ltsock_vec v = { 0 };
	struct lt_err err = { { 0 } };
	char dir[1024];
	int ret;

	ret = procnet_read(fixture_dir(dir, sizeof(dir)), kind, 99, &v, &err);
	ck_assert_msg(ret == want, "%s: ret %d, want %d: %s",
		      procnet_table_name(kind), ret, want, err.msg);
	ck_assert_uint_eq(v.n, (size_t)want);
	return v;
}

static const struct ltsock *by_inode(const struct ltsock_vec *v, uint64_t ino)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (v->v[i].inode == ino)
			return &v->v[i];
	return NULL;
}

START_TEST(test_table_names)
{
	ck_assert_str_eq(procnet_table_name(SOCKDIAG_TCP4), "tcp");
	ck_assert_str_eq(procnet_table_name(SOCKDIAG_TCP6), "tcp6");
	ck_assert_str_eq(procnet_table_name(SOCKDIAG_UDP4), "udp");
	ck_assert_str_eq(procnet_table_name(SOCKDIAG_UDPLITE4), "udplite");
	ck_assert_str_eq(procnet_table_name(SOCKDIAG_UDPLITE6), "udplite6");
	ck_assert_str_eq(procnet_table_name(SOCKDIAG_RAW4), "raw");
	ck_assert_str_eq(procnet_table_name(SOCKDIAG_RAW6), "raw6");
	ck_assert_str_eq(procnet_table_name(SOCKDIAG_PACKET), "packet");
	ck_assert_str_eq(procnet_table_name(SOCKDIAG_UNIX), "unix");
	ck_assert_str_eq(procnet_table_name(SOCKDIAG_NETLINK), "netlink");
	ck_assert_str_eq(procnet_table_name(SOCKDIAG_NKINDS), "?");
}
END_TEST

START_TEST(test_raw6)
{
	struct ltsock_vec v = read_table(SOCKDIAG_RAW6, 1);
	const struct ltsock *s = &v.v[0];
	char a[64];

	ck_assert_uint_eq(s->inode, RAW6_INODE);
	ck_assert_uint_eq(s->family, AF_INET6);
	ck_assert_uint_eq(s->type, SOCK_RAW);
	/* the "port" column of a raw table is the protocol: ICMPv6 */
	ck_assert_uint_eq(s->protocol, 58);
	ck_assert_str_eq(ltsock_proto_name(s), "raw");
	ck_assert_str_eq(ltsock_state_name(s), "UNCONN");
	ck_assert_str_eq(ltsock_format_addr(s, 0, a, sizeof(a)), "*:58");
	/* echo request and reply waiting, charged at truesize */
	ck_assert_uint_eq(s->m->recv_q, 0x680);
	ck_assert_uint_eq(s->m->rmem, 0x680);
	ck_assert_uint_eq(s->m->drops, 0);
	ck_assert_uint_eq(s->source, LTSOCK_SRC_PROCNET);
	ck_assert_uint_eq(s->netns, 99);
	ck_assert_uint_eq(s->cookie, 0);
	/* no buffer sizes in the table: SKMEM must stay clear */
	ck_assert_uint_eq(s->have, LTSOCK_HAVE_QUEUE | LTSOCK_HAVE_DROPS |
			  LTSOCK_HAVE_PEER);
	ltsock_vec_free(&v);

	v = read_table(SOCKDIAG_RAW4, 1);
	s = &v.v[0];
	ck_assert_uint_eq(s->inode, RAW4_INODE);
	ck_assert_uint_eq(s->protocol, IPPROTO_ICMP);
	ck_assert_uint_eq(s->m->recv_q, 0x680);
	ck_assert_str_eq(ltsock_format_addr(s, 0, a, sizeof(a)), "0.0.0.0:1");
	ltsock_vec_free(&v);
}
END_TEST

START_TEST(test_udp_tcp)
{
	struct ltsock_vec v = read_table(SOCKDIAG_UDP4, 2);
	const struct ltsock *s;
	char a[64];

	s = by_inode(&v, UDP4_INODE);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(s->protocol, IPPROTO_UDP);
	ck_assert_uint_eq(s->type, SOCK_DGRAM);
	ck_assert_str_eq(ltsock_format_addr(s, 0, a, sizeof(a)),
			 "127.0.0.1:40001");
	/* the same figures sock_diag reported for this socket */
	ck_assert_uint_eq(s->m->recv_q, 6912);
	ck_assert_uint_eq(s->m->rmem, 6912);
	ck_assert_uint_eq(s->m->drops, 17);
	ck_assert_uint_eq(s->have, LTSOCK_HAVE_QUEUE | LTSOCK_HAVE_DROPS |
			  LTSOCK_HAVE_PEER);
	ltsock_vec_free(&v);

	v = read_table(SOCKDIAG_UDP6, 2);
	s = by_inode(&v, UDP6_INODE);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(ltsock_format_addr(s, 0, a, sizeof(a)),
			 "[::1]:40003");
	ck_assert_uint_eq(s->m->recv_q, 2496);
	ltsock_vec_free(&v);

	v = read_table(SOCKDIAG_TCP4, 3);
	s = by_inode(&v, TCP4_SERVER_INO);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(ltsock_state_name(s), "ESTAB");
	ck_assert_uint_eq(s->m->recv_q, 1000);
	ck_assert_uint_eq(s->local.port, 40010);
	ck_assert_uint_ne(s->peer.port, 0);
	/* tcp has no drops column */
	ck_assert(!(s->have & LTSOCK_HAVE_DROPS));
	ltsock_vec_free(&v);

	v = read_table(SOCKDIAG_TCP6, 1);
	s = &v.v[0];
	ck_assert_uint_eq(s->inode, TCP6_LISTEN_INO);
	ck_assert_str_eq(ltsock_state_name(s), "LISTEN");
	ck_assert_str_eq(ltsock_format_addr(s, 0, a, sizeof(a)),
			 "[::1]:40011");
	ltsock_vec_free(&v);

	v = read_table(SOCKDIAG_UDPLITE4, 0);
	v = read_table(SOCKDIAG_UDPLITE6, 0);
}
END_TEST

START_TEST(test_packet)
{
	struct ltsock_vec v = read_table(SOCKDIAG_PACKET, 1);
	const struct ltsock *s = &v.v[0];
	char a[64];

	ck_assert_uint_eq(s->inode, PACKET_INODE);
	ck_assert_uint_eq(s->family, AF_PACKET);
	ck_assert_uint_eq(s->type, SOCK_RAW);
	ck_assert_uint_eq(s->protocol, 0x8035);
	ck_assert_uint_eq(s->m->ifindex, 1);
	ck_assert_uint_eq(s->m->rmem, 832);
	ck_assert_uint_eq(s->m->recv_q, 832);
	ck_assert_uint_eq(s->have, LTSOCK_HAVE_QUEUE);
	ck_assert_str_eq(ltsock_format_addr(s, 0, a, sizeof(a)), "lo:RARP");
	ltsock_vec_free(&v);
}
END_TEST

START_TEST(test_unix_netlink)
{
	struct ltsock_vec v = read_table(SOCKDIAG_UNIX, 3);
	const struct ltsock *s;
	uint32_t portid;
	char a[64];

	s = by_inode(&v, UNIX_LISTEN_INO);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(s->type, SOCK_STREAM);
	ck_assert_str_eq(ltsock_state_name(s), "LISTEN");
	ck_assert_str_eq(s->path, "/tmp/leaktop-capture.sock");
	s = by_inode(&v, UNIX_ABSTR_INO);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(s->type, SOCK_DGRAM);
	ck_assert_str_eq(ltsock_format_addr(s, 0, a, sizeof(a)),
			 "@leaktop-capture");
	ltsock_vec_free(&v);

	v = read_table(SOCKDIAG_NETLINK, 9);
	s = by_inode(&v, NETLINK_INODE);
	ck_assert_ptr_nonnull(s);
	memcpy(&portid, s->local.addr, sizeof(portid));
	ck_assert_uint_eq(portid, 4242);
	ck_assert_uint_eq(s->protocol, 0);
	ck_assert_uint_eq(s->m->rmem, 4352);
	ck_assert_uint_eq(s->m->recv_q, 4352);
	ck_assert_uint_eq(s->have, LTSOCK_HAVE_QUEUE | LTSOCK_HAVE_DROPS);
	ck_assert_str_eq(ltsock_format_addr(s, 0, a, sizeof(a)), "rtnl:4242");
	ltsock_vec_free(&v);
}
END_TEST

START_TEST(test_unix_path_with_spaces)
{
	static const char text[] =
		"Num       RefCount Protocol Flags    Type St Inode Path\n"
		"0000000000000000: 00000002 00000000 00000000 0005 03 42 /tmp/a b\n";
	struct ltsock_vec v = { 0 };
	struct lt_err err;

	ck_assert_int_eq(procnet_parse(SOCKDIAG_UNIX, text, strlen(text), 0,
				       &v, &err), 1);
	ck_assert_str_eq(v.v[0].path, "/tmp/a b");
	ck_assert_str_eq(ltsock_proto_name(&v.v[0]), "seqpacket");
	ck_assert_str_eq(ltsock_state_name(&v.v[0]), "ESTAB");
	ltsock_vec_free(&v);
}
END_TEST

/* Append a bad line to a real table and check cause and rollback. */
static void expect_bad_line(enum sockdiag_kind kind, const char *line,
			    const char *cause)
{
	struct ltsock_vec v = { 0 };
	struct lt_err err = { { 0 } };
	char *text, *bad;
	size_t len, blen;
	int ret;

	text = load(procnet_table_name(kind), &len);
	blen = len + strlen(line);
	bad = malloc(blen);
	ck_assert_ptr_nonnull(bad);
	memcpy(bad, text, len);
	memcpy(bad + len, line, strlen(line));
	ret = procnet_parse(kind, bad, blen, 0, &v, &err);
	ck_assert_msg(ret == -EBADMSG, "%s: ret %d", line, ret);
	ck_assert_msg(strstr(err.msg, cause), "cause \"%s\", want \"%s\"",
		      err.msg, cause);
	/* all or nothing: the good lines before it are gone too */
	ck_assert_uint_eq(v.n, 0);
	ltsock_vec_free(&v);
	free(bad);
	free(text);
}

/*
 * The tables as Linux 3.10 writes them (CentOS 7): tcp and udp lines padded
 * with spaces to a fixed width, a TIME_WAIT entry with fewer fields and no
 * inode, raw kernel pointers in the %pK columns, and netlink's Dump column
 * a pointer (an int since 4.x) after a narrower Pid.  Built from the 3.10
 * seq_show format strings; the figures are invented.
 */
START_TEST(test_linux_3_10)
{
	static const struct { enum sockdiag_kind kind; int n; } want[] = {
		{ SOCKDIAG_TCP4, 3 }, { SOCKDIAG_TCP6, 1 }, { SOCKDIAG_UDP4, 2 },
		{ SOCKDIAG_UDP6, 1 }, { SOCKDIAG_UDPLITE4, 0 }, { SOCKDIAG_UDPLITE6, 0 },
		{ SOCKDIAG_RAW4, 1 }, { SOCKDIAG_RAW6, 1 }, { SOCKDIAG_PACKET, 1 },
		{ SOCKDIAG_UNIX, 3 }, { SOCKDIAG_NETLINK, 3 },
	};
	struct ltsock_vec v[SOCKDIAG_NKINDS] = { { 0 } };
	char dir[1024], sub[1100];
	const struct ltsock *s;
	uint32_t portid;
	size_t i, j;

	snprintf(sub, sizeof(sub), "%s/linux-3.10", fixture_dir(dir, sizeof(dir)));
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct lt_err err = { { 0 } };
		int ret = procnet_read(sub, want[i].kind, 7, &v[want[i].kind], &err);

		ck_assert_msg(ret == want[i].n, "3.10 %s: ret %d, want %d: %s",
			      procnet_table_name(want[i].kind), ret, want[i].n, err.msg);
	}
	/* an established tcp socket with 8000 bytes queued, owned by uid 1000 */
	s = by_inode(&v[SOCKDIAG_TCP4], 20511);
	ck_assert_ptr_ne(s, NULL);
	ck_assert_uint_eq(s->m->recv_q, 8000);
	ck_assert_uint_eq(s->m->uid, 1000);
	ck_assert_uint_eq(s->local.port, 8080);
	/* the TIME_WAIT entry: no socket behind it (inode 0) */
	ck_assert_ptr_ne(by_inode(&v[SOCKDIAG_TCP4], 0), NULL);
	ck_assert_uint_eq(by_inode(&v[SOCKDIAG_TCP4], 0)->state, 6);
	/* a udp client never reading: queue and drops */
	s = by_inode(&v[SOCKDIAG_UDP4], 20733);
	ck_assert_ptr_ne(s, NULL);
	ck_assert_uint_eq(s->m->recv_q, 0x34200);
	ck_assert_uint_eq(s->m->drops, 117);
	ck_assert_uint_eq(s->peer.port, 53);
	ck_assert(s->have & LTSOCK_HAVE_DROPS);
	/* raw: the protocol from the port column */
	ck_assert_uint_eq(by_inode(&v[SOCKDIAG_RAW4], 21001)->protocol, 1);
	ck_assert_uint_eq(by_inode(&v[SOCKDIAG_RAW4], 21001)->m->drops, 5);
	ck_assert_uint_eq(by_inode(&v[SOCKDIAG_RAW6], 21002)->protocol, 58);
	ck_assert_uint_eq(by_inode(&v[SOCKDIAG_RAW6], 21002)->m->recv_q, 0x1200);
	/* packet ETH_P_RARP with its charged memory */
	s = by_inode(&v[SOCKDIAG_PACKET], 21050);
	ck_assert_ptr_ne(s, NULL);
	ck_assert_uint_eq(s->protocol, 0x8035);
	ck_assert_uint_eq(s->m->rmem, 66816);
	ck_assert_uint_eq(s->m->ifindex, 2);
	/* unix: listening, connected, and an abstract name */
	ck_assert_uint_eq(by_inode(&v[SOCKDIAG_UNIX], 12345)->state, ST_LISTEN_ID);
	ck_assert_str_eq(by_inode(&v[SOCKDIAG_UNIX], 12345)->path, "/run/systemd/private");
	ck_assert_ptr_eq(by_inode(&v[SOCKDIAG_UNIX], 12346)->path, NULL);
	ck_assert_str_eq(by_inode(&v[SOCKDIAG_UNIX], 12347)->path, "@/org/kernel/udev/udevd");
	ck_assert_uint_eq(by_inode(&v[SOCKDIAG_UNIX], 12347)->type, SOCK_DGRAM);
	/* netlink past the pointer in Dump: portid, rmem, drops */
	s = by_inode(&v[SOCKDIAG_NETLINK], 21060);
	ck_assert_ptr_ne(s, NULL);
	memcpy(&portid, s->local.addr, sizeof(portid));
	ck_assert_uint_eq(portid, 2817);
	ck_assert_uint_eq(s->m->rmem, 212992);
	ck_assert_uint_eq(s->m->drops, 14);
	ck_assert_uint_eq(by_inode(&v[SOCKDIAG_NETLINK], 9002)->protocol, 9);
	for (i = 0; i < SOCKDIAG_NKINDS; i++) {
		for (j = 0; j < v[i].n; j++)
			ck_assert_uint_eq(v[i].v[j].netns, 7);
		ltsock_vec_free(&v[i]);
	}
}
END_TEST

START_TEST(test_malformed_lines)
{
	/* raw6 has a header and one socket, so the bad line is line 3 */
	expect_bad_line(SOCKDIAG_RAW6,
			"   71: 0000:003A 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 1 2 0 0\n",
			"raw6: line 3: bad local address");
	expect_bad_line(SOCKDIAG_RAW6,
			"   71: 00000000000000000000000000000000:003A 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 1\n",
			"raw6: line 3: missing drops");
	expect_bad_line(SOCKDIAG_RAW6, "   71: garbage\n",
			"raw6: line 3: expected 10 fields");
	expect_bad_line(SOCKDIAG_UDP4,
			"  9: 0100007F:9C41 00000000:0000 07 0000000000000000 00:00000000 00000000     0        0 1 2 0 0\n",
			"udp: line 4: bad tx_queue:rx_queue");
	expect_bad_line(SOCKDIAG_UDP4,
			"  9: 0100007F:9C41 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 -1 2 0 0\n",
			"udp: line 4: bad inode");
	expect_bad_line(SOCKDIAG_UDP4,
			"  9: 0100007F:9C41 00000000:0000 07 00000000:0000000G 00:00000000 00000000     0        0 1 2 0 0\n",
			"bad tx_queue:rx_queue");
	expect_bad_line(SOCKDIAG_TCP4,
			"  9: 0100007F:9C4 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1\n",
			"tcp: line 5: bad local address");
	expect_bad_line(SOCKDIAG_PACKET,
			"0000000000000000 3      3    zz35   1     1 832    0      9\n",
			"packet: line 3: bad protocol");
	expect_bad_line(SOCKDIAG_PACKET, "0000000000000000 3 3\n",
			"packet: line 3: expected 9 fields");
	expect_bad_line(SOCKDIAG_UNIX,
			"0000000000000000: 00000002 00000000 00000000 0001 01 x\n",
			"unix: line 5: bad inode");
	expect_bad_line(SOCKDIAG_NETLINK,
			"0000000000000000 0   -5         00000000 0        0        0     2        0        1\n",
			"netlink: line 11: bad pid");
}
END_TEST

START_TEST(test_odd_input)
{
	struct ltsock_vec v = { 0 };
	struct lt_err err;
	char *text, longline[2000];
	static const char nul[] = "h\nab\0cd\n";

	/* header only, or nothing at all: no sockets, no error */
	ck_assert_int_eq(procnet_parse(SOCKDIAG_UDP4, "  sl  local\n", 12, 0,
				       &v, &err), 0);
	ck_assert_int_eq(procnet_parse(SOCKDIAG_UDP4, "", 0, 0, &v, &err), 0);
	/* blank lines are skipped, a missing final newline is fine */
	text = strdup("hdr\n\n   0: 0100007F:0035 00000000:0000 07 00000000:00000010 00:00000000 00000000   101        0 55 2 0 3");
	ck_assert_int_eq(procnet_parse(SOCKDIAG_UDP4, text, strlen(text), 0,
				       &v, &err), 1);
	ck_assert_uint_eq(v.v[0].m->uid, 101);
	ck_assert_uint_eq(v.v[0].m->recv_q, 16);
	ck_assert_uint_eq(v.v[0].m->drops, 3);
	ck_assert_uint_eq(v.v[0].local.port, 53);
	free(text);
	ltsock_vec_free(&v);

	memset(longline, 'x', sizeof(longline));
	longline[0] = 'h';
	longline[1] = '\n';
	ck_assert_int_eq(procnet_parse(SOCKDIAG_UNIX, longline,
				       sizeof(longline), 0, &v, &err),
			 -EBADMSG);
	ck_assert_ptr_nonnull(strstr(err.msg, "unix: line 2: too long"));
	ck_assert_int_eq(procnet_parse(SOCKDIAG_UNIX, nul, sizeof(nul) - 1, 0,
				       &v, &err), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(err.msg, "NUL"));
	ck_assert_int_eq(procnet_parse(SOCKDIAG_NKINDS, "", 0, 0, &v, &err),
			 -EINVAL);
	ck_assert_uint_eq(v.n, 0);
	ltsock_vec_free(&v);

	ck_assert_int_eq(procnet_read("/nonexistent-leaktop", SOCKDIAG_RAW6, 0,
				      &v, &err), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent-leaktop/raw6"));
}
END_TEST

/* Every prefix of every table: a count or -EBADMSG, never a crash. */
START_TEST(test_truncated_everywhere)
{
	struct ltsock_vec v = { 0 };
	struct lt_err err;
	char *text, *cut;
	size_t len, n;
	int k, ret;

	for (k = 0; k < SOCKDIAG_NKINDS; k++) {
		text = load(procnet_table_name((enum sockdiag_kind)k), &len);
		for (n = 0; n <= len; n++) {
			cut = malloc(n ? n : 1);
			ck_assert_ptr_nonnull(cut);
			memcpy(cut, text, n);
			ret = procnet_parse((enum sockdiag_kind)k, cut, n, 0,
					    &v, &err);
			ck_assert_msg(ret >= 0 || ret == -EBADMSG,
				      "%s cut at %zu: %d",
				      procnet_table_name((enum sockdiag_kind)k),
				      n, ret);
			ck_assert_uint_eq(v.n, ret > 0 ? (size_t)ret : 0);
			ltsock_vec_free(&v);
			free(cut);
		}
		free(text);
	}
}
END_TEST

START_TEST(test_live_proc)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct ltsock_vec v = { 0 };
	const struct ltsock *s;
	struct lt_err err;
	struct stat st;
	int fd, ret;

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	ck_assert_int_ge(fd, 0);
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	ck_assert_int_eq(bind(fd, (void *)&a, sizeof(a)), 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ret = procnet_read("/proc/self/net", SOCKDIAG_UDP4, 0, &v, &err);
	ck_assert_msg(ret >= 1, "udp: %d %s", ret, err.msg);
	s = by_inode(&v, st.st_ino);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(s->local.addr[0], 127);
	ltsock_vec_free(&v);
	close(fd);
}
END_TEST

Suite *procnet_suite(void)
{
	Suite *s = suite_create("procnet");
	TCase *tc = tcase_create("parse");
	TCase *live = tcase_create("live");

	tcase_add_test(tc, test_table_names);
	tcase_add_test(tc, test_raw6);
	tcase_add_test(tc, test_udp_tcp);
	tcase_add_test(tc, test_packet);
	tcase_add_test(tc, test_unix_netlink);
	tcase_add_test(tc, test_unix_path_with_spaces);
	tcase_add_test(tc, test_linux_3_10);
	tcase_add_test(tc, test_malformed_lines);
	tcase_add_test(tc, test_odd_input);
	tcase_add_test(tc, test_truncated_everywhere);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	tcase_add_test(live, test_live_proc);
	suite_add_tcase(s, live);
	return s;
}
