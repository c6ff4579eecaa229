/*
 * Tests for core/socket.c: the socket vector's ownership rules and the
 * names and address strings, which must read the way ss prints them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <check.h>

#include "leaktop/common.h"
#include "leaktop/socket.h"
#include "check_suites.h"

static struct ltsock mku(uint64_t netns, uint64_t inode, int type, uint32_t peer,
			 uint32_t wmem)
{
	struct ltsock s;

	memset(&s, 0, sizeof(s));
	s.netns = netns;
	s.inode = inode;
	s.family = AF_UNIX;
	s.type = (uint8_t)type;
	s.state = 1;
	check_mem(&s)->wmem = wmem;
	check_mem(&s)->send_q = wmem;
	check_mem(&s)->rcvbuf = 212992;
	check_mem(&s)->sndbuf = 212992;
	s.have = LTSOCK_HAVE_SKMEM | LTSOCK_HAVE_QUEUE;
	if (peer) {
		memcpy(s.peer.addr, &peer, sizeof(peer));
		s.have |= LTSOCK_HAVE_PEER;
	}
	return s;
}

/* Senders' wmem is attributed to the reader their UNIX_DIAG_PEER names, in
 * the same namespace only; a sender whose reader vanished between the dump
 * and now (no such inode) adds to nobody; senders without bytes do not
 * count as waiting. */
START_TEST(test_unix_attribution)
{
	struct ltsock_vec v = { 0 };
	struct ltsock k;

	k = mku(1, 100, SOCK_DGRAM, 0, 0);		/* the reader */
	check_mem(&k)->recv_q = 420;					/* first datagram only */
	ck_assert_int_eq(ltsock_vec_push(&v, &k), 0);
	k = mku(1, 101, SOCK_DGRAM, 100, 6400);
	ck_assert_int_eq(ltsock_vec_push(&v, &k), 0);
	k = mku(1, 102, SOCK_DGRAM, 100, 5120);
	ck_assert_int_eq(ltsock_vec_push(&v, &k), 0);
	k = mku(1, 103, SOCK_DGRAM, 100, 0);		/* nothing queued */
	ck_assert_int_eq(ltsock_vec_push(&v, &k), 0);
	k = mku(2, 104, SOCK_DGRAM, 100, 9999);		/* another netns */
	ck_assert_int_eq(ltsock_vec_push(&v, &k), 0);
	k = mku(1, 105, SOCK_DGRAM, 777, 1234);		/* its reader vanished */
	ck_assert_int_eq(ltsock_vec_push(&v, &k), 0);
	ck_assert_int_eq(ltsock_attribute_peers(&v, 10), 0);

	ck_assert_uint_eq(v.v[0].m->peer_q, 11520);
	ck_assert_uint_eq(v.v[0].m->npeer_q, 2);
	/* 11520 bytes are at least 11 datagrams of 420 + an sk_buff: at the
	 * limit of 10, so both senders wait */
	ck_assert_uint_eq(v.v[0].m->npeer_blocked, 2);
	ck_assert_uint_eq(ltsock_recv_q(&v.v[0]), 11520);
	ck_assert_uint_eq(ltsock_queued(&v.v[0]), 11520);
	/* the bytes are pinned once: by the senders, not the reader */
	ck_assert_uint_eq(ltsock_mem(&v.v[0]), 0);
	ck_assert_uint_eq(ltsock_mem(&v.v[1]), 6400);
	ck_assert_uint_eq(ltsock_send_held(&v.v[1]), 0);
	ck_assert_uint_eq(v.v[1].have & LTSOCK_HAVE_PEERQ, LTSOCK_HAVE_PEERQ);
	ck_assert_uint_eq(v.v[1].m->peer_q, 0);
	/* attribution again gives the same (it replaces, never adds); with
	 * a longer queue limit the reader is not full */
	ck_assert_int_eq(ltsock_attribute_peers(&v, 512), 0);
	ck_assert_uint_eq(v.v[0].m->peer_q, 11520);
	ck_assert_uint_eq(v.v[0].m->npeer_blocked, 0);
	ltsock_vec_free(&v);

	/* a stream: a sender waits when its wmem reached its sndbuf; one that
	 * sent a little and stopped does not (a pair with data unread) */
	k = mku(1, 200, SOCK_STREAM, 201, 0);
	ck_assert_int_eq(ltsock_vec_push(&v, &k), 0);
	k = mku(1, 201, SOCK_STREAM, 200, 213760);
	ck_assert_int_eq(ltsock_vec_push(&v, &k), 0);
	k = mku(1, 202, SOCK_STREAM, 203, 0);
	ck_assert_int_eq(ltsock_vec_push(&v, &k), 0);
	k = mku(1, 203, SOCK_STREAM, 202, 1280);
	ck_assert_int_eq(ltsock_vec_push(&v, &k), 0);
	ck_assert_int_eq(ltsock_attribute_peers(&v, 10), 0);
	ck_assert_uint_eq(v.v[0].m->npeer_blocked, 1);
	ck_assert_uint_eq(v.v[0].m->peer_q, 213760);
	ck_assert_uint_eq(v.v[2].m->npeer_blocked, 0);
	ck_assert_uint_eq(v.v[2].m->peer_q, 1280);
	ltsock_vec_free(&v);
}
END_TEST

static struct ltsock mkt(uint64_t inode, uint8_t state, uint32_t rq, uint32_t sq)
{
	struct ltsock s;

	memset(&s, 0, sizeof(s));
	s.netns = 1;
	s.inode = inode;
	s.family = AF_INET;
	s.type = SOCK_STREAM;
	s.protocol = IPPROTO_TCP;
	s.state = state;
	check_mem(&s)->recv_q = rq;
	check_mem(&s)->send_q = sq;
	return s;
}

/* What a TCP socket waits for and pins, with and without SK_MEMINFO. */
START_TEST(test_tcp_memory_rules)
{
	struct ltsock k = mkt(7, 4 /* FIN_WAIT1 */, 0, 3782145);

	/* without meminfo (a /proc/net table): the queues */
	ck_assert_uint_eq(ltsock_mem(&k), 3782145);
	ck_assert_uint_eq(ltsock_send_held(&k), 3782145);
	k.have = LTSOCK_HAVE_SKMEM | LTSOCK_HAVE_SKMEM2;
	check_mem(&k)->wmem_queued = 3847872;
	check_mem(&k)->wmem = 65536;		/* in-flight clones: inside the queue */
	check_mem(&k)->fwd_alloc = 4096;
	check_mem(&k)->optmem = 320;
	ck_assert_uint_eq(ltsock_mem(&k), 3847872 + 4096);
	ck_assert_uint_eq(ltsock_send_held(&k), 3847872);
	ck_assert_uint_eq(ltsock_outside_slab(&k), 3847872ULL * 98 / 100);
	ck_assert_int_eq(ltsock_is_orphan(&k), 0);	/* it has an inode */
	ck_assert_uint_eq(ltsock_rank_bytes(&k), ltsock_queued(&k));
	k.inode = 0;
	ck_assert_int_eq(ltsock_is_orphan(&k), 1);
	/* an orphan ranks by all it holds; anything else by its reader's bytes */
	ck_assert_uint_eq(ltsock_rank_bytes(&k), ltsock_mem(&k));
	ck_assert_int_eq(ltsock_mem_group(&k), LTSOCK_MEM_ORPHANED);
	ck_assert_str_eq(ltsock_mem_group_name(LTSOCK_MEM_ORPHANED), "orphaned");
	k.state = 6;	/* TIME_WAIT: a minisock, no fd to lack */
	ck_assert_int_eq(ltsock_is_orphan(&k), 0);
	ck_assert_int_eq(ltsock_mem_group(&k), LTSOCK_MEM_TCP);
	/* a listener's Recv-Q is a backlog count */
	k = mkt(8, 10 /* LISTEN */, 5, 128);
	ck_assert_uint_eq(ltsock_queued(&k), 0);
	ck_assert_uint_eq(ltsock_send_held(&k), 0);
	ck_assert_uint_eq(ltsock_mem(&k), 0);
	ck_assert_int_eq(ltsock_queue_is_bytes(&k), 0);
}
END_TEST

/* Fill and "full", one rule for every family: 95 % of rcvbuf, or a unix
 * reader whose senders wait; no meminfo, no fill. */
START_TEST(test_fill_rules)
{
	struct ltsock k = mkt(9, 7 /* CLOSE: a datagram socket */, 0, 0);

	ck_assert_int_eq(ltsock_queue_is_bytes(&k), 1);
	ck_assert(ltsock_fill(&k) < 0);
	ck_assert(ltsock_fill_pct(&k) < 0);
	ck_assert_int_eq(ltsock_is_full(&k), 0);
	k.have = LTSOCK_HAVE_SKMEM;
	check_mem(&k)->rcvbuf = 212992;
	check_mem(&k)->rmem = 202342;	/* 94.99 % */
	ck_assert_int_eq(ltsock_is_full(&k), 0);
	ck_assert_uint_eq((unsigned)ltsock_fill_pct(&k), 94);
	check_mem(&k)->rmem = 202343;	/* 95.00 % */
	ck_assert_int_eq(ltsock_is_full(&k), 1);
	ck_assert_uint_eq((unsigned)ltsock_fill_pct(&k), 95);
	ck_assert(ltsock_fill(&k) > 0.949 && ltsock_fill(&k) < 0.951);
	check_mem(&k)->rcvbuf = 0;		/* no buffer size: no fill, not full */
	ck_assert(ltsock_fill_pct(&k) < 0);
	ck_assert_int_eq(ltsock_is_full(&k), 0);
	k.family = AF_UNIX;	/* its queue is charged to its senders */
	check_mem(&k)->npeer_blocked = 1;
	ck_assert_int_eq(ltsock_is_full(&k), 1);
}
END_TEST

/* The send side: full at 90 % of sndbuf (send_stall's rule); no meminfo or
 * no sndbuf, not full. */
START_TEST(test_send_full_rule)
{
	struct ltsock k = mkt(9, 1 /* ESTABLISHED */, 0, 0);

	check_mem(&k)->send_q = 200000;
	ck_assert_int_eq(ltsock_send_is_full(&k), 0);	/* no meminfo */
	k.have = LTSOCK_HAVE_SKMEM;
	check_mem(&k)->sndbuf = 0;
	ck_assert_int_eq(ltsock_send_is_full(&k), 0);
	check_mem(&k)->sndbuf = 222223;	/* 200000 is 89.99 % */
	ck_assert_int_eq(ltsock_send_is_full(&k), 0);
	check_mem(&k)->sndbuf = 222222;	/* 90.00 % */
	ck_assert_int_eq(ltsock_send_is_full(&k), 1);
}
END_TEST

/* A socket a dump listed twice (a netlink socket in its multicast group
 * list and its hash) is kept once, in its first place; inode 0 (time-wait,
 * orphans) is never merged. */
START_TEST(test_dedup)
{
	struct ltsock_vec v = { 0 };
	struct ltsock k;
	static const uint64_t in[] = { 5, 9, 0, 5, 0, 3, 9, 5 };
	static const uint64_t want[] = { 5, 9, 0, 0, 3 };
	size_t i;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		k = mkt(in[i], 1, (uint32_t)i, 0);
		if (i == 3) {
			k.family = AF_UNIX;
			k.path = strdup("/run/dup");	/* freed with the copy */
		}
		ck_assert_int_eq(ltsock_vec_push(&v, &k), 0);
	}
	ck_assert_uint_eq(ltsock_vec_dedup(&v, 0), 3);
	ck_assert_uint_eq(v.n, 5);
	for (i = 0; i < 5; i++)
		ck_assert_uint_eq(v.v[i].inode, want[i]);
	ck_assert_uint_eq(v.v[0].m->recv_q, 0);	/* the first of the 5s */
	ck_assert_uint_eq(ltsock_vec_dedup(&v, 0), 0);
	/* the same inode in another namespace is another socket; listed
	 * twice there, once */
	k = mkt(9, 1, 0, 0);
	k.netns = 2;
	ck_assert_int_eq(ltsock_vec_push(&v, &k), 0);
	ck_assert_int_eq(ltsock_vec_push(&v, &k), 0);
	ck_assert_uint_eq(ltsock_vec_dedup(&v, 0), 1);
	ck_assert_uint_eq(v.n, 6);
	ck_assert_uint_eq(v.v[5].netns, 2);
	ltsock_vec_free(&v);
}
END_TEST

/* The source of a socket, one name for JSON and the socket view. */
START_TEST(test_source_name)
{
	struct ltsock k;

	memset(&k, 0, sizeof(k));
	k.source = LTSOCK_SRC_DIAG;
	ck_assert_str_eq(ltsock_source_name(&k), "sock_diag");
	k.source = LTSOCK_SRC_PROCNET;
	ck_assert_str_eq(ltsock_source_name(&k), "procnet");
	k.source = LTSOCK_SRC_BPF;
	ck_assert_str_eq(ltsock_source_name(&k), "bpf");
}
END_TEST

Suite *socket_suite(void);

static struct ltsock inet4(const char *ip, uint16_t port)
{
	struct ltsock s;

	memset(&s, 0, sizeof(s));
	s.family = AF_INET;
	s.type = SOCK_DGRAM;
	s.protocol = IPPROTO_UDP;
	inet_pton(AF_INET, ip, s.local.addr);
	s.local.port = port;
	return s;
}

static struct ltsock inet6(const char *ip, uint16_t port)
{
	struct ltsock s;

	memset(&s, 0, sizeof(s));
	s.family = AF_INET6;
	s.type = SOCK_STREAM;
	s.protocol = IPPROTO_TCP;
	inet_pton(AF_INET6, ip, s.local.addr);
	s.local.port = port;
	return s;
}

START_TEST(test_vec_push_grows_and_frees_paths)
{
	struct ltsock_vec vec = { 0 };
	struct ltsock s;
	int i;

	for (i = 0; i < 1000; i++) {
		memset(&s, 0, sizeof(s));
		s.inode = (uint64_t)i;
		s.family = AF_UNIX;
		/* every third socket owns a path; ASan checks they are freed */
		s.path = i % 3 ? NULL : strdup("/run/x.sock");
		ck_assert_int_eq(ltsock_vec_push(&vec, &s), 0);
	}
	ck_assert_uint_eq(vec.n, 1000);
	ck_assert_uint_ge(vec.cap, vec.n);
	for (i = 0; i < 1000; i++)
		ck_assert_uint_eq(vec.v[i].inode, (uint64_t)i);
	ck_assert_str_eq(vec.v[999].path, "/run/x.sock");
	ltsock_vec_free(&vec);
	ck_assert_ptr_null(vec.v);
	ck_assert_uint_eq(vec.n, 0);
	ck_assert_uint_eq(vec.cap, 0);

	/* reusable after free, and freeing twice or NULL is harmless */
	s = inet4("127.0.0.1", 53);
	ck_assert_int_eq(ltsock_vec_push(&vec, &s), 0);
	ck_assert_uint_eq(vec.n, 1);
	ltsock_vec_free(&vec);
	ltsock_vec_free(&vec);
	ltsock_vec_free(NULL);
}
END_TEST

/* One socket's figures from a small number: every field differs between
 * two values of k, so a block mixed up with another one shows. */
static struct ltsock_mem figs(uint32_t k)
{
	struct ltsock_mem m;

	memset(&m, 0, sizeof(m));
	m.cgroup_id = 1000 + k;
	m.uid = k % 7;
	m.recv_q = k * 3;
	m.rmem = k * 5;
	m.rcvbuf = 212992 + k;
	m.sndbuf = 212992;
	m.drops = k % 3;
	m.npeer_q = (uint16_t)(k % 5);
	return m;
}

/* Sockets that hold the same share one block; each reads its own figures
 * back; a socket pushed without figures reads zeros. */
START_TEST(test_blocks_shared)
{
	struct ltsock_vec vec = { 0 };
	struct ltsock s;
	struct ltsock_mem m;
	size_t i;

	for (i = 0; i < 3000; i++) {
		memset(&s, 0, sizeof(s));
		s.inode = (uint32_t)i + 1;
		s.family = AF_INET;
		m = figs((uint32_t)(i % 10));	/* ten distinct blocks */
		s.m = i == 2999 ? NULL : &m;
		ck_assert_int_eq(ltsock_vec_push(&vec, &s), 0);
	}
	/* the pushed copies point into the vector, never at the caller's */
	for (i = 0; i < 2999; i++) {
		struct ltsock_mem want = figs((uint32_t)(i % 10));

		ck_assert_ptr_ne(vec.v[i].m, &m);
		ck_assert_mem_eq(vec.v[i].m, &want, sizeof(want));
		ck_assert_ptr_eq(vec.v[i].m, vec.v[i % 10].m);
	}
	ck_assert_mem_eq(vec.v[2999].m, &ltsock_mem_zero, sizeof(ltsock_mem_zero));
	ck_assert_uint_eq(ltsock_vec_nblocks(&vec), 11);
	ck_assert_uint_eq(sizeof(struct ltsock), 80);
	ltsock_vec_free(&vec);
	ck_assert_uint_eq(ltsock_vec_nblocks(&vec), 0);
}
END_TEST

/* ltsock_vec_set_mem changes one socket, not the others that shared its
 * block; ltsock_vec_tidy drops the blocks nobody points at and keeps
 * every socket's figures. */
START_TEST(test_blocks_set_and_tidy)
{
	struct ltsock_vec vec = { 0 };
	struct ltsock s;
	struct ltsock_mem m = figs(1);
	size_t i, n = 20000;

	memset(&s, 0, sizeof(s));
	s.family = AF_UNIX;
	s.m = &m;
	for (i = 0; i < n; i++) {
		s.inode = (uint32_t)i + 1;
		ck_assert_int_eq(ltsock_vec_push(&vec, &s), 0);
	}
	ck_assert_uint_eq(ltsock_vec_nblocks(&vec), 1);
	/* each socket gets figures of its own, three times over: 3n blocks
	 * made, 2n of them left behind */
	for (int round = 1; round <= 3; round++)
		for (i = 0; i < n; i++) {
			m = figs((uint32_t)(round * 100000 + i));
			ck_assert_int_eq(ltsock_vec_set_mem(&vec, i, &m), 0);
		}
	ck_assert_uint_eq(ltsock_vec_nblocks(&vec), 3 * n + 1);
	m = figs(7);
	ck_assert_int_eq(ltsock_vec_set_mem(&vec, 5, &m), 0);
	ck_assert_int_eq(ltsock_vec_set_mem(&vec, 6, &m), 0);
	ck_assert_ptr_eq(vec.v[5].m, vec.v[6].m);
	ltsock_vec_tidy(&vec);
	/* what is used: n - 2 sockets' own and the one 5 and 6 share */
	ck_assert_uint_eq(ltsock_vec_nblocks(&vec), n - 1);
	for (i = 0; i < n; i++) {
		struct ltsock_mem want = figs(i == 5 || i == 6 ? 7 : (uint32_t)(300000 + i));

		ck_assert_mem_eq(vec.v[i].m, &want, sizeof(want));
	}
	ck_assert_ptr_eq(vec.v[5].m, vec.v[6].m);
	/* a change to one of the two leaves the other as it was */
	m = figs(8);
	ck_assert_int_eq(ltsock_vec_set_mem(&vec, 5, &m), 0);
	ck_assert_uint_eq(vec.v[6].m->recv_q, figs(7).recv_q);
	ck_assert_uint_eq(vec.v[5].m->recv_q, figs(8).recv_q);
	/* no second gather until the blocks have doubled again */
	ltsock_vec_tidy(&vec);
	ck_assert_uint_eq(ltsock_vec_nblocks(&vec), n);
	ltsock_vec_clear(&vec);
	ck_assert_uint_eq(vec.n, 0);
	ck_assert_uint_eq(ltsock_vec_nblocks(&vec), 0);
	ck_assert_int_eq(ltsock_vec_push(&vec, &s), 0);
	ck_assert_uint_eq(vec.v[0].m->recv_q, figs(8).recv_q);
	ltsock_vec_free(&vec);
}
END_TEST

/* A socket pushed from one vector into another gets the other's own
 * block: the first can go (ASan and valgrind see a stale pointer). */
START_TEST(test_blocks_move_between_vectors)
{
	struct ltsock_vec a = { 0 }, b = { 0 };
	struct ltsock s;
	struct ltsock_mem m;
	size_t i;

	memset(&s, 0, sizeof(s));
	s.family = AF_INET;
	for (i = 0; i < 100; i++) {
		m = figs((uint32_t)i);
		s.m = &m;
		s.inode = (uint32_t)i + 1;
		ck_assert_int_eq(ltsock_vec_push(&a, &s), 0);
	}
	for (i = 0; i < a.n; i++)
		ck_assert_int_eq(ltsock_vec_push(&b, &a.v[i]), 0);
	ltsock_vec_free(&a);
	for (i = 0; i < b.n; i++) {
		struct ltsock_mem want = figs((uint32_t)i);

		ck_assert_mem_eq(b.v[i].m, &want, sizeof(want));
	}
	ltsock_vec_free(&b);
}
END_TEST

/* Short of memory, a push fails whole and leaves the vector as it was
 * (the array, the blocks' table or a chunk of blocks could not grow); a
 * change fails and leaves the socket's figures. */
START_TEST(test_blocks_short_of_memory)
{
	struct ltsock_vec vec = { 0 };
	struct ltsock s;
	struct ltsock_mem m;
	size_t i;
	int failed = 0;

	memset(&s, 0, sizeof(s));
	s.family = AF_INET;
	s.m = &m;
	for (i = 0; i < 600; i++) {
		unsigned long nth;
		int r;

		m = figs((uint32_t)i);
		s.inode = (uint32_t)i + 1;
		/* the push's first allocation fails, then its second, ... (what
		 * a failed push did allocate may stay, the vector's to use) */
		for (nth = 1;; nth++) {
			lt_alloc_fail_nth(nth);
			r = ltsock_vec_push(&vec, &s);
			lt_alloc_fail_nth(0);
			if (!r)
				break;
			ck_assert_int_eq(r, -ENOMEM);
			ck_assert_uint_eq(vec.n, i);
			failed++;
		}
		ck_assert_uint_eq(vec.n, i + 1);
	}
	/* the first push's, the array's growths (4), the table's (5) and
	 * the chunks' (2), some of them together in one push */
	ck_assert_int_ge(failed, 10);
	for (i = 0; i < vec.n; i++) {
		struct ltsock_mem want = figs((uint32_t)i);

		ck_assert_uint_eq(vec.v[i].inode, i + 1);
		ck_assert_mem_eq(vec.v[i].m, &want, sizeof(want));
	}
	ltsock_vec_free(&vec);

	/* 32 distinct blocks fill the first table: the next one grows it */
	for (i = 0; i < 32; i++) {
		m = figs((uint32_t)i);
		ck_assert_int_eq(ltsock_vec_push(&vec, &s), 0);
	}
	m = figs(100);
	lt_alloc_fail_nth(1);
	ck_assert_int_eq(ltsock_vec_set_mem(&vec, 0, &m), -ENOMEM);
	lt_alloc_fail_nth(0);
	ck_assert_uint_eq(vec.v[0].m->recv_q, figs(0).recv_q);
	ck_assert_int_eq(ltsock_vec_set_mem(&vec, 0, &m), 0);
	ck_assert_uint_eq(vec.v[0].m->recv_q, figs(100).recv_q);
	ltsock_vec_free(&vec);
}
END_TEST

START_TEST(test_proto_and_family_names)
{
	struct ltsock s;

	s = inet4("127.0.0.1", 53);
	ck_assert_str_eq(ltsock_proto_name(&s), "udp");
	ck_assert_str_eq(ltsock_family_name(&s), "inet");
	s.protocol = IPPROTO_UDPLITE;
	ck_assert_str_eq(ltsock_proto_name(&s), "udplite");
	s = inet6("::1", 80);
	ck_assert_str_eq(ltsock_proto_name(&s), "tcp");
	ck_assert_str_eq(ltsock_family_name(&s), "inet6");
	/* a raw ICMPv6 socket is "raw" whatever its protocol */
	s.type = SOCK_RAW;
	s.protocol = 58;
	ck_assert_str_eq(ltsock_proto_name(&s), "raw");
	s.type = SOCK_DGRAM;
	s.protocol = 200;
	ck_assert_str_eq(ltsock_proto_name(&s), "?");

	memset(&s, 0, sizeof(s));
	s.family = AF_PACKET;
	ck_assert_str_eq(ltsock_proto_name(&s), "packet");
	ck_assert_str_eq(ltsock_family_name(&s), "packet");
	s.family = AF_UNIX;
	ck_assert_str_eq(ltsock_family_name(&s), "unix");
	s.type = SOCK_STREAM;
	ck_assert_str_eq(ltsock_proto_name(&s), "stream");
	s.type = SOCK_DGRAM;
	ck_assert_str_eq(ltsock_proto_name(&s), "dgram");
	s.type = SOCK_SEQPACKET;
	ck_assert_str_eq(ltsock_proto_name(&s), "seqpacket");
	s.type = 0;
	ck_assert_str_eq(ltsock_proto_name(&s), "?");
	s.family = AF_NETLINK;
	ck_assert_str_eq(ltsock_proto_name(&s), "netlink");
	ck_assert_str_eq(ltsock_family_name(&s), "netlink");
	s.family = AF_BLUETOOTH;
	ck_assert_str_eq(ltsock_proto_name(&s), "?");
	ck_assert_str_eq(ltsock_family_name(&s), "?");
}
END_TEST

START_TEST(test_state_names)
{
	struct ltsock s = inet4("0.0.0.0", 0);

	s.state = 1;
	ck_assert_str_eq(ltsock_state_name(&s), "ESTAB");
	s.state = 7;
	ck_assert_str_eq(ltsock_state_name(&s), "UNCONN");
	s.state = 10;
	ck_assert_str_eq(ltsock_state_name(&s), "LISTEN");
	s.state = 6;
	ck_assert_str_eq(ltsock_state_name(&s), "TIME-WAIT");
	s.state = 8;
	ck_assert_str_eq(ltsock_state_name(&s), "CLOSE-WAIT");
	s.state = 200;
	ck_assert_str_eq(ltsock_state_name(&s), "UNKNOWN");
	/* ss shows packet and netlink sockets as UNCONN whatever the state */
	s.family = AF_PACKET;
	s.state = 1;
	ck_assert_str_eq(ltsock_state_name(&s), "UNCONN");
	s.family = AF_NETLINK;
	ck_assert_str_eq(ltsock_state_name(&s), "UNCONN");
}
END_TEST

START_TEST(test_format_inet)
{
	struct ltsock s;
	char buf[64];

	s = inet4("127.0.0.1", 53);
	ck_assert_str_eq(ltsock_format_addr(&s, 0, buf, sizeof(buf)),
			 "127.0.0.1:53");
	/* unconnected peer: IPv4 wildcard spelled out, port 0 as "*" */
	ck_assert_str_eq(ltsock_format_addr(&s, 1, buf, sizeof(buf)),
			 "0.0.0.0:*");
	s = inet6("::1", 8080);
	ck_assert_str_eq(ltsock_format_addr(&s, 0, buf, sizeof(buf)),
			 "[::1]:8080");
	ck_assert_str_eq(ltsock_format_addr(&s, 1, buf, sizeof(buf)), "*:*");
	s = inet6("fe80::1:2", 443);
	inet_pton(AF_INET6, "2001:db8::7", s.peer.addr);
	s.peer.port = 51000;
	ck_assert_str_eq(ltsock_format_addr(&s, 0, buf, sizeof(buf)),
			 "[fe80::1:2]:443");
	ck_assert_str_eq(ltsock_format_addr(&s, 1, buf, sizeof(buf)),
			 "[2001:db8::7]:51000");
	s = inet6("::", 22);
	ck_assert_str_eq(ltsock_format_addr(&s, 0, buf, sizeof(buf)), "*:22");
}
END_TEST

START_TEST(test_format_packet)
{
	struct ltsock s;
	char buf[64];

	memset(&s, 0, sizeof(s));
	s.family = AF_PACKET;
	s.type = SOCK_RAW;
	s.protocol = 0x8035;
	check_mem(&s)->ifindex = 1;	/* the loopback device is always ifindex 1 */
	ck_assert_str_eq(ltsock_format_addr(&s, 0, buf, sizeof(buf)),
			 "lo:RARP");
	ck_assert_str_eq(ltsock_format_addr(&s, 1, buf, sizeof(buf)), "*");
	check_mem(&s)->ifindex = 0;
	s.protocol = 0x0800;
	ck_assert_str_eq(ltsock_format_addr(&s, 0, buf, sizeof(buf)), "*:IP");
	s.protocol = 0x86dd;
	ck_assert_str_eq(ltsock_format_addr(&s, 0, buf, sizeof(buf)),
			 "*:IPV6");
	s.protocol = 0x0003;	/* ETH_P_ALL */
	ck_assert_str_eq(ltsock_format_addr(&s, 0, buf, sizeof(buf)), "*:*");
	s.protocol = 0x1234;
	ck_assert_str_eq(ltsock_format_addr(&s, 0, buf, sizeof(buf)),
			 "*:0x1234");
	/* an interface that is gone shows as its number */
	check_mem(&s)->ifindex = 999999;
	s.protocol = 0x0806;
	ck_assert_str_eq(ltsock_format_addr(&s, 0, buf, sizeof(buf)),
			 "999999:ARP");
}
END_TEST

START_TEST(test_format_unix)
{
	struct ltsock s;
	uint32_t peer = 12346;
	char buf[64];

	memset(&s, 0, sizeof(s));
	s.family = AF_UNIX;
	s.type = SOCK_STREAM;
	ck_assert_str_eq(ltsock_format_addr(&s, 0, buf, sizeof(buf)), "*");
	ck_assert_str_eq(ltsock_format_addr(&s, 1, buf, sizeof(buf)), "*");
	s.path = (char *)"/run/dbus/system_bus_socket";
	ck_assert_str_eq(ltsock_format_addr(&s, 0, buf, sizeof(buf)),
			 "/run/dbus/system_bus_socket");
	s.path = (char *)"@leaktop";
	ck_assert_str_eq(ltsock_format_addr(&s, 0, buf, sizeof(buf)),
			 "@leaktop");
	/* the peer is known by inode only, shown the way ss shows it */
	memcpy(s.peer.addr, &peer, sizeof(peer));
	ck_assert_str_eq(ltsock_format_addr(&s, 1, buf, sizeof(buf)), "*");
	s.have |= LTSOCK_HAVE_PEER;
	ck_assert_str_eq(ltsock_format_addr(&s, 1, buf, sizeof(buf)),
			 "* 12346");
}
END_TEST

START_TEST(test_format_netlink)
{
	struct ltsock s;
	uint32_t portid = 0;
	char buf[64];

	memset(&s, 0, sizeof(s));
	s.family = AF_NETLINK;
	s.protocol = 0;
	memcpy(s.local.addr, &portid, sizeof(portid));
	ck_assert_str_eq(ltsock_format_addr(&s, 0, buf, sizeof(buf)),
			 "rtnl:kernel");
	ck_assert_str_eq(ltsock_format_addr(&s, 1, buf, sizeof(buf)), "*");
	portid = 4449;
	memcpy(s.local.addr, &portid, sizeof(portid));
	s.protocol = 4;
	ck_assert_str_eq(ltsock_format_addr(&s, 0, buf, sizeof(buf)),
			 "sock_diag:4449");
	s.protocol = 99;
	ck_assert_str_eq(ltsock_format_addr(&s, 0, buf, sizeof(buf)),
			 "99:4449");
	portid = 0;
	memcpy(s.peer.addr, &portid, sizeof(portid));
	s.have |= LTSOCK_HAVE_PEER;
	ck_assert_str_eq(ltsock_format_addr(&s, 1, buf, sizeof(buf)),
			 "kernel");
}
END_TEST

START_TEST(test_format_truncates_safely)
{
	struct ltsock s = inet4("127.0.0.1", 53);
	char buf[6];

	memset(buf, 'Z', sizeof(buf));
	ck_assert_ptr_eq(ltsock_format_addr(&s, 0, buf, sizeof(buf)), buf);
	ck_assert_str_eq(buf, "127.0");
	/* outsz 0: nothing may be written */
	memset(buf, 'Z', sizeof(buf));
	ltsock_format_addr(&s, 0, buf, 0);
	ck_assert_int_eq(buf[0], 'Z');
	ltsock_format_addr(&s, 0, buf, 1);
	ck_assert_str_eq(buf, "");

	memset(&s, 0, sizeof(s));
	s.family = AF_APPLETALK;
	ck_assert_str_eq(ltsock_format_addr(&s, 0, buf, sizeof(buf)), "?");
}
END_TEST

START_TEST(test_sort_u32_stable)
{
	uint32_t key[1000], want[1000];
	uint32_t val[1000];
	size_t i;

	srand(7);
	for (i = 0; i < 1000; i++) {
		key[i] = (uint32_t)(rand() % 50) << (i % 3 == 0 ? 24 : 0);
		val[i] = (uint32_t)i;
		want[i] = key[i];
	}
	ck_assert_int_eq(ltsock_sort_u32(key, val, 1000), 0);
	for (i = 0; i < 1000; i++) {
		ck_assert_uint_eq(key[i], want[val[i]]);
		if (i > 0) {
			ck_assert(key[i - 1] <= key[i]);
			if (key[i - 1] == key[i])
				ck_assert(val[i - 1] < val[i]);	/* stable */
		}
	}
	ck_assert_int_eq(ltsock_sort_u32(key, val, 0), 0);
}
END_TEST

Suite *socket_suite(void)
{
	Suite *s = suite_create("socket");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_source_name);
	tcase_add_test(tc, test_vec_push_grows_and_frees_paths);
	tcase_add_test(tc, test_blocks_shared);
	tcase_add_test(tc, test_blocks_set_and_tidy);
	tcase_add_test(tc, test_blocks_move_between_vectors);
	tcase_add_test(tc, test_blocks_short_of_memory);
	tcase_add_test(tc, test_proto_and_family_names);
	tcase_add_test(tc, test_state_names);
	tcase_add_test(tc, test_format_inet);
	tcase_add_test(tc, test_format_packet);
	tcase_add_test(tc, test_format_unix);
	tcase_add_test(tc, test_format_netlink);
	tcase_add_test(tc, test_format_truncates_safely);
	tcase_add_test(tc, test_sort_u32_stable);
	tcase_add_test(tc, test_unix_attribution);
	tcase_add_test(tc, test_tcp_memory_rules);
	tcase_add_test(tc, test_fill_rules);
	tcase_add_test(tc, test_send_full_rule);
	tcase_add_test(tc, test_dedup);
	suite_add_tcase(s, tc);
	return s;
}
