/*
 * Unit tests of core/sample.c: the sampler on the live /proc, restricted
 * to this process (-p) so that what it reads stays small.  The allocation
 * sweep fails the n-th allocation of a full and a light sample, for every
 * n (or a spread of them on a busy machine): each sample either fails
 * with -ENOMEM or comes back marked partial when the failure was absorbed;
 * nothing crashes, nothing leaks (ASan's leak check at exit), and the
 * samples taken after are whole again.  A steady run of full censuses
 * refills the arrays of the census before (issue 27), with the same sweep.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <unistd.h>

#include "check_suites.h"
#include "leaktop/common.h"
#include "leaktop/fallback.h"
#include "leaktop/sample.h"
#include "leaktop/sockdiag.h"

/* Sockets of this process with bytes queued, so that the census has rows,
 * history and moving groups for the light sample: a UDP pair over
 * loopback and a unix datagram pair, each with one unread message. */
static void queue_some(int fds[4])
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fds[0] = socket(AF_INET, SOCK_DGRAM, 0);
	fds[1] = socket(AF_INET, SOCK_DGRAM, 0);
	ck_assert_int_ge(fds[0], 0);
	ck_assert_int_ge(fds[1], 0);
	ck_assert_int_eq(bind(fds[0], (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(getsockname(fds[0], (struct sockaddr *)&a, &len), 0);
	ck_assert_int_eq(sendto(fds[1], "x", 1, 0, (struct sockaddr *)&a, sizeof(a)), 1);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_DGRAM, 0, fds + 2), 0);
	ck_assert_int_eq(send(fds[3], "y", 1, 0), 1);
}

static struct sample_ctx *new_ctx(const int *pid)
{
	struct sample_config cfg = { 0 };
	struct lt_err err = { "" };
	struct sample_ctx *ctx;

	cfg.procroot = "/proc";
	cfg.census = 1;
	cfg.pids = pid;
	cfg.npids = 1;
	cfg.census_every = 3600;	/* the second sample is a light one */
	cfg.pss_interval = -1;		/* no PSS walk of every process */
	ctx = sample_ctx_new(&cfg, &err);
	ck_assert_msg(ctx != NULL, "%s", err.msg);
	return ctx;
}

/* A full and a light sample; *fired when the n-th allocation came up. */
static void two_samples(struct sample_ctx *ctx, unsigned long n, int *fired)
{
	struct lt_err err = { "" };
	struct sample s1, s2;
	int r1, r2;

	lt_alloc_fail_nth(n);
	r1 = sample_take_next(ctx, NULL, &s1, &err);
	ck_assert_msg(r1 == 0 || r1 == -ENOMEM, "n=%lu: full sample: %d %s", n, r1, err.msg);
	r2 = sample_take_next(ctx, r1 == 0 ? &s1 : NULL, &s2, &err);
	ck_assert_msg(r2 == 0 || r2 == -ENOMEM, "n=%lu: light sample: %d %s", n, r2, err.msg);
	*fired = lt_alloc_count() >= n;

	lt_alloc_fail_nth(0);
	if (*fired)
		ck_assert_msg(r1 < 0 || r2 < 0 || ((s1.hidden | s2.hidden) & SAMPLE_HIDDEN_NOMEM),
			      "n=%lu: an allocation failed, the samples say nothing", n);
	if (r1 == 0)
		sample_release(&s1);
	if (r2 == 0)
		sample_release(&s2);
}

START_TEST(test_enomem_sweep)
{
	int pid = (int)getpid(), fds[4], fired, i;
	struct lt_err err = { "" };
	struct sample_ctx *ctx;
	struct sample s3, s4;
	unsigned long total, n, step;

	/* the /proc owner path: the sweep fails the sampler's own
	 * allocations (lt_malloc), and the BPF census's are libbpf's; loading
	 * its programs for each of ~1200 contexts only costs time (minutes
	 * under valgrind).  bt_bpf covers that path. */
	fallback_reset();
	ck_assert_int_eq(fallback_init("bpf", &err), 0);
	queue_some(fds);
	/* how many allocations two samples make here */
	ctx = new_ctx(&pid);
	two_samples(ctx, ULONG_MAX, &fired);
	sample_ctx_free(ctx);
	ctx = new_ctx(&pid);
	lt_alloc_fail_nth(ULONG_MAX);
	ck_assert_int_eq(sample_take_next(ctx, NULL, &s3, &err), 0);
	ck_assert_int_eq(sample_take_next(ctx, &s3, &s4, &err), 0);
	total = lt_alloc_count();
	lt_alloc_fail_nth(0);
	ck_assert(!(s4.hidden & SAMPLE_HIDDEN_NOMEM));
	sample_release(&s3);
	sample_release(&s4);
	sample_ctx_free(ctx);
	ck_assert_uint_gt(total, 10);

	/* every n up to 600, then a spread of about 600 more */
	step = total > 1200 ? (total - 600) / 600 : 1;
	for (n = 1; n <= total + 2; n += n < 600 ? 1 : step) {
		ctx = new_ctx(&pid);
		two_samples(ctx, n, &fired);
		/* and after: whole samples, full and light */
		ck_assert_msg(sample_take_next(ctx, NULL, &s3, &err) == 0, "n=%lu: %s", n, err.msg);
		ck_assert_msg(sample_take_next(ctx, &s3, &s4, &err) == 0, "n=%lu: %s", n, err.msg);
		ck_assert_msg(!(s4.hidden & SAMPLE_HIDDEN_NOMEM), "n=%lu", n);
		ck_assert_uint_gt(s4.socks.n, 0);
		sample_release(&s3);
		sample_release(&s4);
		sample_ctx_free(ctx);
	}
	for (i = 0; i < 4; i++)
		close(fds[i]);
	fallback_reset();
	ck_assert_int_eq(fallback_init("", &err), 0);
}
END_TEST

/* Light samples place each socket in its owner's cgroup through the full
 * census's join carried over (census_light's join_follow), not a sort of
 * every socket: the same cgroup as the sort gives, for every socket, over
 * light samples in which this process's UDP socket is read again. */
START_TEST(test_light_join_cgroups)
{
	int pid = getpid(), fds[4], i;
	struct sample_ctx *ctx = new_ctx(&pid);
	struct lt_err err = { "" };
	struct sample s[5];
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	struct stat st;

	queue_some(fds);
	ck_assert_int_eq(getsockname(fds[0], (struct sockaddr *)&a, &len), 0);
	ck_assert_int_eq(fstat(fds[0], &st), 0);
	ck_assert_int_eq(sample_take_next(ctx, NULL, &s[0], &err), 0);
	for (i = 1; i < 5; i++) {
		int32_t *ref;
		size_t k, found = 0;

		/* the queue grows: the light sample reads it again */
		ck_assert_int_eq(sendto(fds[1], "xyz", 3, 0, (struct sockaddr *)&a, sizeof(a)), 3);
		ck_assert_msg(sample_take_next(ctx, &s[i - 1], &s[i], &err) == 0, "%s", err.msg);
		sample_release(&s[i - 1]);
		ck_assert(s[i].census_age > 0);		/* a light sample */
		for (k = 0; k < s[i].socks.n; k++)
			if (s[i].socks.v[k].inode == (uint64_t)st.st_ino) {
				found = 1;
				ck_assert_uint_eq(s[i].socks.v[k].m->recv_q > 0, 1);
			}
		ck_assert_msg(found, "sample %d: the UDP socket", i);
		if (!s[i].cgroups.of_sock || !s[i].cgroups.of_proc)
			continue;	/* no cgroups on this machine */
		ref = malloc((s[i].socks.n ? s[i].socks.n : 1) * sizeof(*ref));
		ck_assert_ptr_nonnull(ref);
		ck_assert_int_eq(sample_cgroups_socks_by_owner(&s[i], ref), 0);
		for (k = 0; k < s[i].socks.n; k++)
			if (!s[i].socks.v[k].m->cgroup_id || ref[k] >= 0)
				ck_assert_msg(s[i].cgroups.of_sock[k] == ref[k] ||
					      (s[i].socks.v[k].m->cgroup_id && s[i].cgroups.of_sock[k] >= 0),
					      "sample %d, socket %zu (inode %llu): %d, the sort "
					      "says %d", i, k,
					      (unsigned long long)s[i].socks.v[k].inode,
					      s[i].cgroups.of_sock[k], ref[k]);
		free(ref);
	}
	sample_release(&s[4]);
	sample_ctx_free(ctx);
	for (i = 0; i < 4; i++)
		close(fds[i]);
}
END_TEST

/* Full censuses one after the other (census_every 0): each refills the
 * socket vector and order of the one before when they are big
 * enough, instead of allocating them again; an allocation failed anywhere
 * in the chain leaves the next samples whole. */
START_TEST(test_full_reuse)
{
	int pid = (int)getpid(), fds[4], i;
	struct lt_err err = { "" };
	struct sample_config cfg = { 0 };
	struct sample_ctx *ctx;
	struct sample s[4];
	unsigned long total, n;
	const void *v, *order;
	size_t cap, nsock;

	fallback_reset();
	ck_assert_int_eq(fallback_init("bpf", &err), 0);
	queue_some(fds);
	cfg.procroot = "/proc";
	cfg.census = 1;
	cfg.pids = &pid;
	cfg.npids = 1;
	cfg.pss_interval = -1;
	ctx = sample_ctx_new(&cfg, &err);
	ck_assert_ptr_ne(ctx, NULL);
	ck_assert_int_eq(sample_take_next(ctx, NULL, &s[0], &err), 0);
	for (i = 1; i < 4; i++) {
		v = s[i - 1].socks.v;
		cap = s[i - 1].socks.cap;
		order = s[i - 1].order;
		nsock = s[i - 1].socks.n;
		ck_assert_int_eq(sample_take_next(ctx, &s[i - 1], &s[i], &err), 0);
		sample_release(&s[i - 1]);
		ck_assert_uint_gt(s[i].socks.n, 0);
		ck_assert_double_eq(s[i].census_age, 0);
		/* the machine's sockets may have grown meanwhile */
		if (s[i].socks.n <= cap)
			ck_assert_ptr_eq(s[i].socks.v, v);
		if (s[i].socks.n <= nsock)
			ck_assert_ptr_eq(s[i].order, order);
	}
	sample_release(&s[3]);
	sample_ctx_free(ctx);

	/* how many allocations three full samples make, then each failed */
	ctx = sample_ctx_new(&cfg, &err);
	lt_alloc_fail_nth(ULONG_MAX);
	ck_assert_int_eq(sample_take_next(ctx, NULL, &s[0], &err), 0);
	ck_assert_int_eq(sample_take_next(ctx, &s[0], &s[1], &err), 0);
	sample_release(&s[0]);
	ck_assert_int_eq(sample_take_next(ctx, &s[1], &s[2], &err), 0);
	total = lt_alloc_count();
	lt_alloc_fail_nth(0);
	sample_release(&s[1]);
	sample_release(&s[2]);
	sample_ctx_free(ctx);
	for (n = 1; n <= total + 2; n += n < 300 ? 1 : total / 300 + 1) {
		int r[3];

		ctx = sample_ctx_new(&cfg, &err);
		lt_alloc_fail_nth(n);
		r[0] = sample_take_next(ctx, NULL, &s[0], &err);
		r[1] = sample_take_next(ctx, r[0] == 0 ? &s[0] : NULL, &s[1], &err);
		if (r[0] == 0)
			sample_release(&s[0]);
		r[2] = sample_take_next(ctx, r[1] == 0 ? &s[1] : NULL, &s[2], &err);
		lt_alloc_fail_nth(0);
		for (i = 0; i < 3; i++)
			ck_assert_msg(r[i] == 0 || r[i] == -ENOMEM, "n=%lu: sample %d: %d", n, i, r[i]);
		if (r[1] == 0)
			sample_release(&s[1]);
		ck_assert_msg(sample_take_next(ctx, r[2] == 0 ? &s[2] : NULL, &s[3], &err) == 0,
			      "n=%lu: %s", n, err.msg);
		if (r[2] == 0)
			sample_release(&s[2]);
		ck_assert_msg(!(s[3].hidden & SAMPLE_HIDDEN_NOMEM), "n=%lu", n);
		ck_assert_uint_gt(s[3].socks.n, 0);
		sample_release(&s[3]);
		sample_ctx_free(ctx);
	}
	for (i = 0; i < 4; i++)
		close(fds[i]);
	fallback_reset();
	ck_assert_int_eq(fallback_init("", &err), 0);
}
END_TEST

/* A bound UDP socket on loopback holding len unread bytes (0: none); its
 * inode in *ino. */
static int udp_holding(int sender, size_t len, uint64_t *ino)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	struct stat st;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	ck_assert_int_ge(fd, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
	if (len)
		ck_assert_int_eq(sendto(sender, "0123456789", len, 0, (struct sockaddr *)&a,
					sizeof(a)), (ssize_t)len);
	ck_assert_int_eq(fstat(fd, &st), 0);
	*ino = (uint64_t)st.st_ino;
	return fd;
}

static int last_source;

/* The drops sample s gives the socket of inode ino (0 if absent). */
static uint32_t drops_of(const struct sample *s, uint64_t ino)
{
	size_t i;

	for (i = 0; i < s->socks.n; i++)
		if (s->socks.v[i].inode == ino)
			return s->socks.v[i].m->drops;
	return 0;
}

/* How many times sample s lists inode ino; its Recv-Q in *q, its source
 * in last_source. */
static int listed(const struct sample *s, uint64_t ino, uint32_t *q)
{
	size_t i;
	int n = 0;

	for (i = 0; i < s->socks.n; i++)
		if (s->socks.v[i].inode == ino) {
			n++;
			*q = s->socks.v[i].m->recv_q;
			last_source = s->socks.v[i].source;
		}
	return n;
}

/*
 * A light sample right after a census: every UDP socket with a queue is
 * moving (no rate yet), more than a filtered dump asks for, so the group is
 * dumped whole and is slim (census_light.c): what held bytes then or holds
 * bytes now is read again, the rest stands as the census saw it.  A socket
 * drained since is read again (Recv-Q 0), one closed since is gone, one new
 * and holding bytes is added, one new and quiet waits for the next census;
 * one quiet then that dropped since is read again; the quiet ones of the
 * census are kept, nothing is listed twice.  The
 * group is read as the census reads it: through the BPF iterator where it
 * can be, else sock_diag (both paths run).
 */
static void light_slim(void)
{
	enum { NQ = 2 * SOCKDIAG_MAX_PAIRS, NQUIET = 8 };
	int pid = getpid(), sender, fq[NQ], fquiet[NQUIET], drained, closed, fresh, fquiet2, i;
	uint64_t iq[NQ], iquiet[NQUIET], idrained, iclosed, ifresh, iquiet2;
	struct sample_ctx *ctx = new_ctx(&pid);
	struct lt_err err = { "" };
	struct sample s[2];
	uint32_t q = 0;
	char buf[16];
	int census_source;

	sender = socket(AF_INET, SOCK_DGRAM, 0);
	ck_assert_int_ge(sender, 0);
	for (i = 0; i < NQ; i++)
		fq[i] = udp_holding(sender, 3, &iq[i]);
	for (i = 0; i < NQUIET; i++)
		fquiet[i] = udp_holding(sender, 0, &iquiet[i]);
	drained = udp_holding(sender, 5, &idrained);
	closed = udp_holding(sender, 5, &iclosed);
	ck_assert_int_eq(sample_take_next(ctx, NULL, &s[0], &err), 0);
	ck_assert_int_eq(listed(&s[0], idrained, &q), 1);
	ck_assert_uint_gt(q, 0);
	census_source = last_source;

	ck_assert_int_eq(recv(drained, buf, sizeof(buf), 0), 5);
	close(closed);
	/* quiet at the census; since, one datagram dropped and the queue read
	 * empty: nothing queued, one drop, and the forward allocation UDP
	 * keeps charged (4 KiB) */
	{
		struct sockaddr_in a;
		socklen_t alen = sizeof(a);
		int small = 1;
		static char big[16384];

		ck_assert_int_eq(setsockopt(fquiet[0], SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)), 0);
		ck_assert_int_eq(getsockname(fquiet[0], (struct sockaddr *)&a, &alen), 0);
		for (i = 0; i < 2; i++)
			ck_assert_int_eq(sendto(sender, big, sizeof(big), 0, (struct sockaddr *)&a,
						sizeof(a)), (ssize_t)sizeof(big));
		ck_assert_int_eq(recv(fquiet[0], big, sizeof(big), MSG_DONTWAIT), (ssize_t)sizeof(big));
		ck_assert_int_lt(recv(fquiet[0], big, sizeof(big), MSG_DONTWAIT), 0);
	}
	fresh = udp_holding(sender, 7, &ifresh);
	fquiet2 = udp_holding(sender, 0, &iquiet2);
	ck_assert_msg(sample_take_next(ctx, &s[0], &s[1], &err) == 0, "%s", err.msg);
	ck_assert(s[1].census_age > 0);		/* a light sample */
	for (i = 0; i < NQ; i++) {
		ck_assert_int_eq(listed(&s[1], iq[i], &q), 1);
		ck_assert_uint_gt(q, 0);
	}
	for (i = 0; i < NQUIET; i++) {
		ck_assert_int_eq(listed(&s[1], iquiet[i], &q), 1);
		ck_assert_uint_eq(q, 0);
	}
	ck_assert_msg(drops_of(&s[1], iquiet[0]) > 0,
		      "a socket that dropped since the census is read again");
	ck_assert_msg(listed(&s[1], idrained, &q) == 1 && q == 0,
		      "the drained socket is read again: Recv-Q %u", q);
	ck_assert_msg(listed(&s[1], iclosed, &q) == 0, "the closed socket is gone");
	ck_assert_msg(listed(&s[1], ifresh, &q) == 1 && q > 0, "the new socket with bytes");
	ck_assert_msg(last_source == census_source, "read by source %d, the census by %d",
		      last_source, census_source);
	ck_assert_msg(listed(&s[1], iquiet2, &q) == 0,
		      "a new quiet socket waits for the next census");
	for (i = 1; i < (int)s[1].socks.n; i++)
		ck_assert(s[1].socks.v[i].inode == 0 ||
			  listed(&s[1], s[1].socks.v[i].inode, &q) == 1 || s[1].socks.v[i].family == AF_NETLINK);
	sample_release(&s[0]);
	sample_release(&s[1]);
	sample_ctx_free(ctx);
	for (i = 0; i < NQ; i++)
		close(fq[i]);
	for (i = 0; i < NQUIET; i++)
		close(fquiet[i]);
	close(drained);
	close(fresh);
	close(fquiet2);
	close(sender);
}

/* A connected loopback TCP pair through listener lfd at a: *c the client,
 * *v the accepted end. */
static void tcp_pair(int lfd, const struct sockaddr_in *a, int *c, int *v)
{
	*c = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(*c, 0);
	ck_assert_int_eq(connect(*c, (const struct sockaddr *)a, sizeof(*a)), 0);
	*v = accept(lfd, NULL, NULL);
	ck_assert_int_ge(*v, 0);
}

/* Sockets of sample s in TCP state st with local port port. */
static int listed_tcp(const struct sample *s, int st, uint16_t port)
{
	size_t i;
	int n = 0;

	for (i = 0; i < s->socks.n; i++)
		n += s->socks.v[i].family == AF_INET && s->socks.v[i].protocol == IPPROTO_TCP &&
		     s->socks.v[i].state == st && s->socks.v[i].local.port == port;
	return n;
}

/*
 * The sockets no fd holds (inode 0) in a slim tcp group: a time-wait
 * socket quiet at the census is still listed in the light sample when an
 * orphan holding bytes (a client closed with its send queue full, no fd)
 * appears in the same group; the two cannot be told apart by inode.
 */
START_TEST(test_light_slim_no_inode)
{
	enum { NQ = 2 * SOCKDIAG_MAX_PAIRS };
	int pid = getpid(), lfd, c[NQ], v[NQ], tc, tv, oc, ov, i, held;
	struct sample_ctx *ctx = new_ctx(&pid);
	struct sockaddr_in a = { .sin_family = AF_INET }, tl;
	socklen_t alen = sizeof(a);
	struct lt_err err = { "" };
	struct sample s[2];
	static char fill[1 << 16];
	uint16_t tport, oport;

	signal(SIGPIPE, SIG_IGN);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(lfd, 0);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(lfd, 128), 0);
	ck_assert_int_eq(getsockname(lfd, (struct sockaddr *)&a, &alen), 0);
	/* moving: each accepted end holds unread bytes, none has a rate */
	for (i = 0; i < NQ; i++) {
		tcp_pair(lfd, &a, &c[i], &v[i]);
		ck_assert_int_eq(send(c[i], "abc", 3, 0), 3);
	}
	/* time-wait: the client closes first, then the server */
	tcp_pair(lfd, &a, &tc, &tv);
	alen = sizeof(tl);
	ck_assert_int_eq(getsockname(tc, (struct sockaddr *)&tl, &alen), 0);
	tport = ntohs(tl.sin_port);
	close(tc);
	usleep(20000);
	close(tv);
	usleep(20000);
	ck_assert_int_eq(sample_take_next(ctx, NULL, &s[0], &err), 0);
	ck_assert_msg(listed_tcp(&s[0], 6 /* TCP_TIME_WAIT */, tport) == 1,
		      "the census lists the time-wait socket");

	/* an orphan: the client's send queue full (the server never reads:
	 * send fails once both its window and the queue are full), then
	 * closed */
	tcp_pair(lfd, &a, &oc, &ov);
	alen = sizeof(tl);
	ck_assert_int_eq(getsockname(oc, (struct sockaddr *)&tl, &alen), 0);
	oport = ntohs(tl.sin_port);
	for (i = 0; i < 4096 && send(oc, fill, sizeof(fill), MSG_DONTWAIT) > 0; i++)
		;
	ck_assert_int_lt(i, 4096);
	close(oc);
	ck_assert_msg(sample_take_next(ctx, &s[0], &s[1], &err) == 0, "%s", err.msg);
	ck_assert(s[1].census_age > 0);		/* a light sample */
	for (i = 0, held = 0; i < (int)s[1].socks.n; i++)
		if (s[1].socks.v[i].family == AF_INET && s[1].socks.v[i].local.port == oport &&
		    s[1].socks.v[i].inode == 0)
			held = ltsock_send_held(&s[1].socks.v[i]) > 0;
	ck_assert_msg(held, "the orphan holds its send queue");
	ck_assert_msg(listed_tcp(&s[1], 6, tport) == 1,
		      "the time-wait socket is still listed beside the orphan");
	sample_release(&s[0]);
	sample_release(&s[1]);
	sample_ctx_free(ctx);
	for (i = 0; i < NQ; i++) {
		close(c[i]);
		close(v[i]);
	}
	close(ov);
	close(lfd);
}
END_TEST

START_TEST(test_light_slim)
{
	struct lt_err err = { "" };

	light_slim();
	fallback_reset();
	ck_assert_int_eq(fallback_init("bpf", &err), 0);
	light_slim();
	fallback_reset();
	ck_assert_int_eq(fallback_init("", &err), 0);
}
END_TEST

Suite *sample_suite(void)
{
	Suite *s = suite_create("sample");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_enomem_sweep);
	tcase_add_test(tc, test_full_reuse);
	tcase_add_test(tc, test_light_join_cgroups);
	tcase_add_test(tc, test_light_slim);
	tcase_add_test(tc, test_light_slim_no_inode);
	suite_add_tcase(s, tc);
	return s;
}
