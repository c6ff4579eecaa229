/*
 * Unit tests of the BPF layer's pure part (core/ltbpf_owners.c): made-up
 * task_file records parsed into the owner census, and checked against the
 * census the /proc scan (core/fdtable.c) gives for the same fd tables.
 * The same for the socket iterators' records (core/ltbpf_socks.c) against
 * what sock_diag's parser makes of the same socket.  The live tests read
 * the real iterators, where the build and the kernel allow.
 */
#include <errno.h>
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_suites.h"
#include "leaktop/fallback.h"
#include "leaktop/fdtable.h"
#include "leaktop/ltbpf_owners.h"
#include "leaktop/ltbpf_socks.h"
#include "leaktop/ltbpf_tasks.h"
#include "leaktop/netns.h"
#include "leaktop/procs.h"
#include "../core/bpf/ltbpf_rec.h"

static struct ltbpf_fd_rec recs[32];
static size_t nrecs;

static void rec(uint32_t pid, int fd, uint64_t inode)
{
	ck_assert_uint_lt(nrecs, sizeof(recs) / sizeof(recs[0]));
	recs[nrecs].pid = pid;
	recs[nrecs].fd = fd;
	recs[nrecs].inode = inode;
	nrecs++;
}

/* The fd tables of check_fdtable.c's fixture, as the iterator writes them
 * (sockets by inode, any other file as 0), after a header for reader 4242. */
static void records(void)
{
	nrecs = 0;
	rec(0, LTBPF_FD_HEADER, 4242);
	rec(100, 0, 0);
	rec(100, 3, 5001);
	rec(100, 4, 0);
	rec(100, 7, 5003);
	rec(150, 1, 6000);	/* born after the process list: left out */
	rec(200, 5, 5002);
	rec(200, 6, 5001);	/* shared after fork */
	rec(200, 8, 0);
}

static struct proc_info procv[3];
static struct proc_list known = { procv, 3, 3, NULL };

static void known_list(void)
{
	memset(procv, 0, sizeof(procv));
	procv[0].pid = 100;
	snprintf(procv[0].comm, sizeof(procv[0].comm), "friend_push");
	procv[1].pid = 200;
	snprintf(procv[1].comm, sizeof(procv[1].comm), "keepalived");
	procv[2].pid = 300;	/* no fd the iterator saw: a kernel thread */
	snprintf(procv[2].comm, sizeof(procv[2].comm), "kworker/0:1");
}

START_TEST(test_parse)
{
	struct lt_err err = { "" };
	const struct fd_owner *o;
	const struct fd_proc *p;
	struct fd_census c;
	uint32_t reader;
	size_t n;

	records();
	known_list();
	ck_assert_int_eq(ltbpf_owners_parse(recs, nrecs * sizeof(recs[0]), &known,
					    &reader, &c, &err), 0);
	ck_assert_uint_eq(reader, 4242);
	ck_assert_uint_eq(c.nowners, 4);
	ck_assert_int_eq(c.hidden_procs, 0);
	/* sorted by (inode, pid, fd), as fdtable_census_owners needs */
	o = fdtable_census_owners(&c, 5001, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(o[0].pid, 100);
	ck_assert_int_eq(o[0].fd, 3);
	ck_assert_int_eq(o[1].pid, 200);
	ck_assert_int_eq(o[1].fd, 6);
	o = fdtable_census_owners(&c, 5003, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(o[0].fd, 7);
	ck_assert_ptr_eq(fdtable_census_owners(&c, 6000, &n), NULL);
	p = fdtable_census_proc(&c, 100);
	ck_assert_ptr_ne(p, NULL);
	ck_assert_str_eq(p->comm, "friend_push");
	ck_assert_int_eq(p->nfds, 4);
	ck_assert_int_eq(p->nsockets, 2);
	p = fdtable_census_proc(&c, 200);
	ck_assert_int_eq(p->nfds, 3);
	ck_assert_int_eq(p->nsockets, 2);
	p = fdtable_census_proc(&c, 300);
	ck_assert_ptr_ne(p, NULL);
	ck_assert_int_eq(p->nfds, 0);
	ck_assert_ptr_eq(fdtable_census_proc(&c, 150), NULL);
	fdtable_census_free(&c);
}
END_TEST

START_TEST(test_parse_bad)
{
	struct lt_err err = { "" };
	struct fd_census c;
	uint32_t reader = 7;

	records();
	known_list();
	/* a record cut short */
	ck_assert_int_eq(ltbpf_owners_parse(recs, nrecs * sizeof(recs[0]) - 3, &known,
					    &reader, &c, &err), -EBADMSG);
	ck_assert_ptr_ne(strstr(err.msg, "cut short"), NULL);
	fdtable_census_free(&c);
	/* no header: the reader's pid cannot be checked */
	ck_assert_int_eq(ltbpf_owners_parse(recs + 1, (nrecs - 1) * sizeof(recs[0]), &known,
					    &reader, &c, &err), -EBADMSG);
	ck_assert_uint_eq(reader, 0);
	ck_assert_ptr_ne(strstr(err.msg, "header"), NULL);
	fdtable_census_free(&c);
	/* nothing at all */
	ck_assert_int_eq(ltbpf_owners_parse(recs, 0, &known, &reader, &c, &err), -EBADMSG);
	fdtable_census_free(&c);
	/* one read per process (-p): each starts with its header */
	{
		struct ltbpf_fd_rec two[4] = {
			{ 0, LTBPF_FD_HEADER, 4242 }, { 100, 3, 5001 },
			{ 0, LTBPF_FD_HEADER, 4242 }, { 200, 6, 5001 },
		};

		ck_assert_int_eq(ltbpf_owners_parse(two, sizeof(two), &known, &reader, &c,
						    &err), 0);
		ck_assert_uint_eq(c.nowners, 2);
		ck_assert_int_eq(fdtable_census_proc(&c, 200)->nfds, 1);
		fdtable_census_free(&c);
	}
	/* a header only: every known process, no owner */
	ck_assert_int_eq(ltbpf_owners_parse(recs, sizeof(recs[0]), &known, &reader, &c,
					    &err), 0);
	ck_assert_uint_eq(c.nowners, 0);
	ck_assert_uint_eq(c.nprocs, 3);
	fdtable_census_free(&c);
}
END_TEST

/* Both censuses, owner by owner and process by process (the fd counts
 * too, unless the census is of the reader itself: each path counts the fds
 * it holds open while it reads). */
static void same_census(const struct fd_census *a, const struct fd_census *b, int nfds)
{
	size_t i;

	ck_assert_uint_eq(a->nowners, b->nowners);
	for (i = 0; i < a->nowners; i++) {
		ck_assert_uint_eq(a->owners[i].inode, b->owners[i].inode);
		ck_assert_int_eq(a->owners[i].pid, b->owners[i].pid);
		ck_assert_int_eq(a->owners[i].fd, b->owners[i].fd);
	}
	ck_assert_uint_eq(a->nprocs, b->nprocs);
	for (i = 0; i < a->nprocs; i++) {
		ck_assert_int_eq(a->procs[i].pid, b->procs[i].pid);
		if (nfds)
			ck_assert_int_eq(a->procs[i].nfds, b->procs[i].nfds);
		ck_assert_int_ge(a->procs[i].nfds, a->procs[i].nsockets);
		ck_assert_int_eq(a->procs[i].nsockets, b->procs[i].nsockets);
	}
}

/* The fd tables of records() as a /proc tree: both paths must agree. */
START_TEST(test_same_as_proc)
{
	static const struct { int pid, fd; const char *target; } links[] = {
		{ 100, 0, "/dev/null" }, { 100, 3, "socket:[5001]" },
		{ 100, 4, "pipe:[77]" }, { 100, 7, "socket:[5003]" },
		{ 200, 5, "socket:[5002]" }, { 200, 6, "socket:[5001]" },
		{ 200, 8, "anon_inode:[eventfd]" },
	};
	static const int pids[] = { 100, 200, 300 };
	struct lt_err err = { "" };
	struct fd_census viabpf, viaproc;
	char root[64], path[128];
	uint32_t reader;
	size_t i;

	snprintf(root, sizeof(root), "/tmp/leaktop-bpf.XXXXXX");
	ck_assert_ptr_ne(mkdtemp(root), NULL);
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%d", root, pids[i]);
		ck_assert_int_eq(mkdir(path, 0755), 0);
		snprintf(path, sizeof(path), "%s/%d/fd", root, pids[i]);
		ck_assert_int_eq(mkdir(path, 0755), 0);
	}
	for (i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		snprintf(path, sizeof(path), "%s/%d/fd/%d", root, links[i].pid, links[i].fd);
		ck_assert_int_eq(symlink(links[i].target, path), 0);
	}
	records();
	known_list();
	ck_assert_int_eq(ltbpf_owners_parse(recs, nrecs * sizeof(recs[0]), &known,
					    &reader, &viabpf, &err), 0);
	ck_assert_int_eq(fdtable_census(root, NULL, 0, &viaproc, &err), 0);
	same_census(&viabpf, &viaproc, 1);
	fdtable_census_free(&viabpf);
	fdtable_census_free(&viaproc);
	snprintf(path, sizeof(path), "rm -rf '%s'", root);
	ck_assert_int_eq(system(path), 0);
}
END_TEST

/* The real iterator against the /proc scan, for this process holding
 * 2500 socket pairs, so that its records span several of the pieces the
 * whole machine's read is parsed in (4096 records a piece); skipped where
 * the build or the kernel has no BPF. */
START_TEST(test_live)
{
	struct lt_err err = { "" };
	struct fd_census viabpf, viaproc;
	struct proc_info me;
	struct proc_list one = { &me, 1, 1, NULL };
	struct ltbpf *b;
	enum { NPAIRS = 2500 };
	static int sv[2 * NPAIRS];
	struct rlimit rl, rl_old;
	int i, have_rl, pid = getpid();

	memset(&rl, 0, sizeof(rl));
	fallback_reset();
	ck_assert_int_eq(fallback_init("", &err), 0);
	b = ltbpf_new();
	ck_assert_ptr_ne(b, NULL);
	if (!ltbpf_census_ready(b)) {
		fprintf(stderr, "check_ltbpf: live iterator skipped: %s\n",
			ltbpf_built() ? ltbpf_why_off(b) : "not in this build");
		ck_assert(!ltbpf_built() || lt_fallback(LT_FB_BPF));
		ltbpf_free(b);
		fallback_reset();
		return;
	}
	have_rl = getrlimit(RLIMIT_NOFILE, &rl) == 0;
	if (have_rl) {
		rl_old = rl;
		if (rl.rlim_cur < 2 * NPAIRS + 256) {
			rl.rlim_cur = 2 * NPAIRS + 256;
			if (rl.rlim_max < rl.rlim_cur)
				rl.rlim_max = rl.rlim_cur;
			ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
		}
	}
	for (i = 0; i < NPAIRS; i++)
		ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv + 2 * i), 0);
	memset(&me, 0, sizeof(me));
	me.pid = pid;
	ck_assert_int_eq(fdtable_census("/proc", &pid, 1, &viaproc, &err), 0);
	/* the whole machine, then this process's iterator alone */
	ck_assert_int_eq(ltbpf_owners_census(b, &one, 0, &viabpf, &err), 0);
	ck_assert_uint_ge(viabpf.nowners, 2 * NPAIRS);
	same_census(&viabpf, &viaproc, 0);
	fdtable_census_free(&viabpf);
	ck_assert_int_eq(ltbpf_owners_census(b, &one, 1, &viabpf, &err), 0);
	same_census(&viabpf, &viaproc, 0);
	for (i = 0; i < 2 * NPAIRS; i++)
		close(sv[i]);
	if (have_rl)
		setrlimit(RLIMIT_NOFILE, &rl_old);
	fdtable_census_free(&viabpf);
	fdtable_census_free(&viaproc);
	ltbpf_free(b);
	fallback_reset();
}
END_TEST

/* One record of the socket iterators. */
static struct ltbpf_sock_rec sock_rec(int family, int state, int full, uint64_t inode)
{
	struct ltbpf_sock_rec r;
	int i;

	memset(&r, 0, sizeof(r));
	r.family = (uint8_t)family;
	r.state = (uint8_t)state;
	r.full = (uint8_t)full;
	r.inode = inode;
	r.cookie = inode + 1000;
	r.laddr[0] = 127;
	r.laddr[3] = 1;
	r.raddr[0] = 10;
	r.lport = 8080;
	r.rport = 40000;
	r.uid = 1000;
	r.rqueue = 300;
	r.wqueue = 7;
	r.cgroup_id = 99;
	for (i = 0; i < LTBPF_MEM_VARS; i++)
		r.mem[i] = 100u * (unsigned)(i + 1);
	return r;
}

/* Records into sockets, figure by figure as inet_diag's would be. */
START_TEST(test_socks_parse)
{
	struct ltbpf_sock_rec r[3];
	struct ltsock_vec v = { 0 };
	struct lt_err err = { "" };
	const struct ltsock *k;

	r[0] = sock_rec(AF_INET, 1, 1, 5001);		/* ESTAB */
	r[1] = sock_rec(AF_INET6, 6, 0, 0);		/* TIME_WAIT */
	r[2] = sock_rec(AF_INET, 10, 1, 5003);		/* LISTEN */
	ck_assert_int_eq(ltbpf_socks_parse(r, sizeof(r), IPPROTO_TCP, LTBPF_SOCKS_KINDS,
					   77, &v, &err), 0);
	ck_assert_uint_eq(v.n, 3);
	k = &v.v[0];
	ck_assert_uint_eq(k->netns, 77);
	ck_assert_uint_eq(k->source, LTSOCK_SRC_BPF);
	ck_assert_uint_eq(k->family, AF_INET);
	ck_assert_uint_eq(k->type, SOCK_STREAM);
	ck_assert_uint_eq(k->protocol, IPPROTO_TCP);
	ck_assert_uint_eq(k->inode, 5001);
	ck_assert_uint_eq(k->cookie, 6001);
	ck_assert_uint_eq(k->local.addr[0], 127);
	ck_assert_uint_eq(k->local.addr[3], 1);
	ck_assert_uint_eq(k->local.addr[4], 0);	/* IPv4: 4 bytes only */
	ck_assert_uint_eq(k->local.port, 8080);
	ck_assert_uint_eq(k->peer.port, 40000);
	ck_assert_uint_eq(k->m->recv_q, 300);
	ck_assert_uint_eq(k->m->send_q, 7);
	ck_assert_uint_eq(k->m->rmem, 100);
	ck_assert_uint_eq(k->m->rcvbuf, 200);
	ck_assert_uint_eq(k->m->wmem, 300);
	ck_assert_uint_eq(k->m->sndbuf, 400);
	ck_assert_uint_eq(k->m->fwd_alloc, 500);
	ck_assert_uint_eq(k->m->wmem_queued, 600);
	ck_assert_uint_eq(k->m->optmem, 700);
	ck_assert_uint_eq(k->m->backlog, 800);
	ck_assert_uint_eq(k->m->drops, 900);
	ck_assert_uint_eq(k->m->cgroup_id, 99);
	ck_assert_uint_eq(k->have, LTSOCK_HAVE_QUEUE | LTSOCK_HAVE_PEER | LTSOCK_HAVE_SKMEM |
			  LTSOCK_HAVE_SKMEM2 | LTSOCK_HAVE_DROPS);
	/* a timewait socket: no memory figures, as inet_diag gives none */
	k = &v.v[1];
	ck_assert_uint_eq(k->family, AF_INET6);
	ck_assert_uint_eq(k->state, 6);
	ck_assert_uint_eq(k->have, LTSOCK_HAVE_QUEUE | LTSOCK_HAVE_PEER);
	ck_assert_uint_eq(k->m->rmem, 0);
	ck_assert_uint_eq(k->m->cgroup_id, 0);
	/* only the kinds asked for */
	v.n = 0;
	ck_assert_int_eq(ltbpf_socks_parse(r, sizeof(r), IPPROTO_UDP, 1u << SOCKDIAG_UDP6,
					   77, &v, &err), 0);
	ck_assert_uint_eq(v.n, 1);
	ck_assert_uint_eq(v.v[0].type, SOCK_DGRAM);
	ck_assert_uint_eq(v.v[0].family, AF_INET6);
	/* cut short, or not inet: an error, nothing appended */
	v.n = 0;
	ck_assert_int_eq(ltbpf_socks_parse(r, sizeof(r) - 1, IPPROTO_TCP, LTBPF_SOCKS_KINDS,
					   77, &v, &err), -EBADMSG);
	r[1].family = AF_UNIX;
	ck_assert_int_eq(ltbpf_socks_parse(r, sizeof(r), IPPROTO_TCP, LTBPF_SOCKS_KINDS,
					   77, &v, &err), -EBADMSG);
	ck_assert_uint_eq(v.n, 0);
	ck_assert_ptr_ne(strstr(err.msg, "family"), NULL);
	ltsock_vec_free(&v);
}
END_TEST

static const struct ltsock *by_inode(const struct ltsock_vec *v, uint64_t inode)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (v->v[i].inode == inode)
			return &v->v[i];
	return NULL;
}

/* The real iterators against sock_diag in this namespace, for a UDP
 * socket holding datagrams and a TCP listener; skipped without BPF. */
START_TEST(test_socks_live)
{
	struct lt_err err = { "" };
	struct ltsock_vec viabpf = { 0 }, viadiag = { 0 };
	struct netns_dump_report rep;
	struct netns_entry e;
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	struct stat st;
	struct ltbpf *b;
	struct netns_hook hook;
	const struct ltsock *x, *y;
	struct ltsock cx, cy;
	int u, t, i;

	fallback_reset();
	ck_assert_int_eq(fallback_init("", &err), 0);
	b = ltbpf_new();
	ck_assert_ptr_ne(b, NULL);
	if (!ltbpf_socks_ready(b)) {
		fprintf(stderr, "check_ltbpf: live socket iterators skipped: %s\n",
			ltbpf_built() ? ltbpf_why_off(b) : "not in this build");
		ltbpf_free(b);
		fallback_reset();
		return;
	}
	hook.dump = ltbpf_socks_dump;
	hook.arg = b;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	t = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(u, 0);
	ck_assert_int_ge(t, 0);
	ck_assert_int_eq(bind(u, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(getsockname(u, (struct sockaddr *)&a, &alen), 0);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(sendto(u, "leaktop", 7, 0, (struct sockaddr *)&a, sizeof(a)), 7);
	a.sin_port = 0;
	ck_assert_int_eq(bind(t, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(t, 4), 0);
	ck_assert_int_eq(stat("/proc/self/ns/net", &st), 0);
	memset(&e, 0, sizeof(e));
	e.ino = st.st_ino;
	ck_assert_int_eq(netns_dump_hooked(&e, "/proc", NETNS_ALL_KINDS, NULL, &hook,
					   &viabpf, &rep), 0);
	ck_assert(rep.complete);
	ck_assert_int_eq(netns_dump(&e, "/proc", &viadiag, &rep), 0);
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(fstat(i ? t : u, &st), 0);
		x = by_inode(&viabpf, st.st_ino);
		y = by_inode(&viadiag, st.st_ino);
		ck_assert_ptr_ne(x, NULL);
		ck_assert_ptr_ne(y, NULL);
		ck_assert_uint_eq(x->source, LTSOCK_SRC_BPF);
		ck_assert_uint_eq(y->source, LTSOCK_SRC_DIAG);
		cx = *x;
		cy = *y;
		cx.source = cy.source;
		/* each vector keeps its own copy of the figures */
		ck_assert_ptr_ne(x->m, y->m);
		ck_assert_mem_eq(x->m, y->m, sizeof(*x->m));
		cx.m = cy.m = NULL;
		ck_assert_mem_eq(&cx, &cy, sizeof(cx));
		/* udp: the charged memory of 3 datagrams; a listener: none waiting */
		ck_assert(i ? x->m->recv_q == 0 : x->m->recv_q >= 3 * 7);
	}
	close(u);
	close(t);
	ltsock_vec_free(&viabpf);
	ltsock_vec_free(&viadiag);
	ltbpf_free(b);
	fallback_reset();
}
END_TEST

/* One record of the task iterator. */
static struct ltbpf_task_rec task_rec(uint32_t pid, uint32_t ppid, const char *comm)
{
	struct ltbpf_task_rec r;

	memset(&r, 0, sizeof(r));
	r.pid = pid;
	r.ppid = ppid;
	r.uid = 1000 + pid;
	r.flags = LTBPF_TASK_LIMITS;
	r.start_ns = 12345ull * 10000000ull + 9999999ull;	/* 12345 ticks and a bit */
	r.netns = 4026531840ull + pid;
	r.cgroup_id = 77;
	r.nofile_cur = 1024;
	r.nofile_max = ~0ull;		/* RLIM_INFINITY */
	snprintf(r.comm, sizeof(r.comm), "%s", comm);
	return r;
}

/* Records into facts: the header gives the reader, start ns become stat's
 * ticks (rounded down as the kernel does), RLIM_INFINITY is -1, a kernel
 * thread is marked (its stat name is not comm), a record cut short is an
 * error. */
START_TEST(test_tasks_parse)
{
	struct ltbpf_task_rec r[4];
	struct proc_facts f = { NULL, 0, 0 };
	struct lt_err err = { "" };
	const struct proc_fact *x;
	uint32_t reader = 0;

	memset(&r[0], 0, sizeof(r[0]));
	r[0].flags = LTBPF_TASK_HEADER;
	r[0].ppid = 4242;
	r[1] = task_rec(2, 0, "kthreadd");
	r[1].flags |= LTBPF_TASK_KTHREAD;
	r[2] = task_rec(100, 1, "friend_push");
	r[3] = task_rec(200, 100, "keepalived");
	r[3].flags = 0;			/* no signal struct: limits unknown */
	memcpy(r[3].comm, "0123456789abcdef", 16);	/* no NUL in 16 bytes */
	ck_assert_int_eq(ltbpf_tasks_parse(r, sizeof(r), 100, &reader, &f, &err), 0);
	ck_assert_uint_eq(reader, 4242);
	ck_assert_uint_eq(f.n, 3);
	x = proc_facts_find(&f, 100);
	ck_assert_ptr_ne(x, NULL);
	ck_assert_int_eq(x->ppid, 1);
	ck_assert_uint_eq(x->uid, 1100);
	ck_assert_uint_eq(x->start_ticks, 12345);
	ck_assert_uint_eq(x->netns, 4026531940ull);
	ck_assert_uint_eq(x->cgroup_id, 77);
	ck_assert(x->have_limits);
	ck_assert_int_eq(x->fd_soft, 1024);
	ck_assert_int_eq(x->fd_hard, -1);
	ck_assert_str_eq(x->comm, "friend_push");
	ck_assert(!x->kthread);
	x = proc_facts_find(&f, 2);
	ck_assert(x && x->kthread);
	x = proc_facts_find(&f, 200);
	ck_assert(x && !x->have_limits);
	ck_assert_str_eq(x->comm, "0123456789abcde");
	ck_assert_ptr_eq(proc_facts_find(&f, 150), NULL);
	/* 250 ticks a second: 4 ms a tick */
	f.n = 0;
	ck_assert_int_eq(ltbpf_tasks_parse(&r[2], sizeof(r[2]), 250, &reader, &f, &err), 0);
	ck_assert_uint_eq(f.v[0].start_ticks, (12345ull * 10000000ull + 9999999ull) / 4000000ull);
	f.n = 0;
	ck_assert_int_eq(ltbpf_tasks_parse(r, sizeof(r) - 8, 100, &reader, &f, &err), -EBADMSG);
	ck_assert_ptr_ne(strstr(err.msg, "cut short"), NULL);
	proc_facts_free(&f);
	ck_assert_ptr_eq(f.v, NULL);
}
END_TEST

/* The kernel's RLIMIT_NOFILE of pid from /proc/PID/limits; not
 * getrlimit or prlimit, which valgrind answers with its own numbers (it
 * keeps setrlimit of RLIMIT_NOFILE from the kernel for its own fds). */
static int limits_file(int pid, int64_t *soft, int64_t *hard)
{
	char path[64], *buf;
	size_t n;
	int r;

	snprintf(path, sizeof(path), "/proc/%d/limits", pid);
	if (lt_read_file(path, &buf, &n, 1 << 16) < 0)
		return -1;
	r = procs_parse_limits(buf, n, soft, hard, NULL);
	free(buf);
	return r;
}

/* The real task iterator against each process's files: comm (but a
 * kernel thread's), ppid, start ticks, owner, RLIMIT_NOFILE and ns/net;
 * this process with a soft limit of its own.  Processes that exit or exec
 * meanwhile are let go. */
START_TEST(test_tasks_live)
{
	struct lt_err err = { "" };
	struct proc_facts f = { NULL, 0, 0 };
	struct rlimit rl, rl_old;
	const struct proc_fact *me;
	struct ltbpf *b;
	size_t i, compared = 0;

	fallback_reset();
	ck_assert_int_eq(fallback_init("", &err), 0);
	b = ltbpf_new();
	ck_assert_ptr_ne(b, NULL);
	if (!ltbpf_census_ready(b)) {
		fprintf(stderr, "check_ltbpf: live task iterator skipped: %s\n",
			ltbpf_built() ? ltbpf_why_off(b) : "not in this build");
		ck_assert(!ltbpf_built() || lt_fallback(LT_FB_BPF));
		ltbpf_free(b);
		fallback_reset();
		return;
	}
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl_old), 0);
	rl = rl_old;
	rl.rlim_cur = rl.rlim_cur > 777 ? 777 : rl.rlim_cur;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	ck_assert_int_eq(ltbpf_tasks_read(b, &f, &err), 0);
	ck_assert_uint_gt(f.n, 1);
	me = proc_facts_find(&f, getpid());
	ck_assert_ptr_ne(me, NULL);
	ck_assert_int_eq(me->ppid, getppid());
	ck_assert_uint_eq(me->uid, geteuid());
	{
		int64_t soft, hard;

		/* 777 but under valgrind (see limits_file) */
		ck_assert_int_eq(limits_file(getpid(), &soft, &hard), 0);
		ck_assert_int_eq(me->fd_soft, soft);
		ck_assert_int_eq(me->fd_hard, hard);
	}
	for (i = 0; i < f.n; i++) {
		const struct proc_fact *x = &f.v[i];
		char path[64], buf[2048], comm[64], link[64];
		int32_t ppid;
		uint64_t start;
		int64_t lim_soft = 0, lim_hard = 0;
		struct stat st;
		FILE *fp;
		size_t n;

		snprintf(path, sizeof(path), "/proc/%d/stat", x->pid);
		if (!(fp = fopen(path, "r")))
			continue;	/* exited */
		n = fread(buf, 1, sizeof(buf) - 1, fp);
		fclose(fp);
		if (procs_parse_stat(buf, n, comm, sizeof(comm), &ppid, &start, NULL) < 0 ||
		    start != x->start_ticks)
			continue;	/* reused since */
		snprintf(path, sizeof(path), "/proc/%d", x->pid);
		if (stat(path, &st) < 0)
			continue;
		ck_assert_int_eq(ppid, x->ppid);
		ck_assert_uint_eq(st.st_uid, x->uid);
		if (!x->kthread && strcmp(comm, x->comm))
			continue;	/* renamed or exec'd meanwhile */
		if (x->have_limits && limits_file(x->pid, &lim_soft, &lim_hard) == 0) {
			ck_assert_int_eq(x->fd_soft, lim_soft);
			ck_assert_int_eq(x->fd_hard, lim_hard);
		}
		snprintf(path, sizeof(path), "/proc/%d/ns/net", x->pid);
		{
			ssize_t k = readlink(path, link, sizeof(link) - 1);
			unsigned long long ino;

			if (k > 0) {
				link[k] = '\0';
				if (sscanf(link, "net:[%llu]", &ino) == 1)
					ck_assert_uint_eq(ino, x->netns);
			}
		}
		compared++;
	}
	ck_assert_uint_gt(compared, 1);
	setrlimit(RLIMIT_NOFILE, &rl_old);
	proc_facts_free(&f);
	ltbpf_free(b);
	fallback_reset();
}
END_TEST

/* LEAKTOP_FALLBACKS=bpf: nothing is loaded. */
START_TEST(test_forced_off)
{
	struct lt_err err = { "" };
	struct ltbpf *b;

	fallback_reset();
	ck_assert_int_eq(fallback_init("bpf", &err), 0);
	b = ltbpf_new();
	ck_assert(!ltbpf_census_ready(b));
	ck_assert(!ltbpf_census_ready(b));
	ck_assert(!ltbpf_socks_ready(b));
	ltbpf_free(b);
	ltbpf_free(NULL);
	fallback_reset();
}
END_TEST

Suite *ltbpf_suite(void)
{
	Suite *s = suite_create("ltbpf");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_parse);
	tcase_add_test(tc, test_parse_bad);
	tcase_add_test(tc, test_same_as_proc);
	tcase_add_test(tc, test_live);
	tcase_add_test(tc, test_socks_parse);
	tcase_add_test(tc, test_socks_live);
	tcase_add_test(tc, test_tasks_parse);
	tcase_add_test(tc, test_tasks_live);
	tcase_add_test(tc, test_forced_off);
	suite_add_tcase(s, tc);
	return s;
}
