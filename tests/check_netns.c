/*
 * Tests for core/netns.c.  The listing is checked on a fake procroot and
 * runroot built at test time (hard links stand for "same namespace"); the
 * dump is checked live against a namespace a forked child creates, holding
 * a UDP socket with a queued datagram and a raw ICMPv6 socket, and naming
 * it with a bind mount in its own mount namespace (so the mount dies with
 * it); and against the same namespace entered by an unprivileged process.
 * The live tests need root and return early without it.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <check.h>

#include "leaktop/netns.h"

/* netns_of_socket on a socket of this process: the namespace it is in,
 * and the socket untouched (still open, still connected), even when it
 * lingers on close with unsent bytes (its duplicate is never closed by a
 * close that waits). */
START_TEST(test_socket_ns)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct linger lg = { 1, 30 };
	socklen_t len = sizeof(a);
	struct stat st, own, st2;
	char buf[65536];
	uint64_t nsino;
	int l, c, srv, nsfd, r, flags, i;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(l, 0);
	ck_assert_int_eq(bind(l, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(l, 1), 0);
	ck_assert_int_eq(getsockname(l, (struct sockaddr *)&a, &len), 0);
	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_eq(connect(c, (struct sockaddr *)&a, sizeof(a)), 0);
	srv = accept(l, NULL, NULL);
	ck_assert_int_ge(srv, 0);
	/* bytes the server never reads, and a close that would wait 30 s */
	ck_assert_int_eq(setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	flags = fcntl(c, F_GETFL);
	ck_assert_int_eq(fcntl(c, F_SETFL, flags | O_NONBLOCK), 0);
	memset(buf, 'x', sizeof(buf));
	for (i = 0; i < 1000 && send(c, buf, sizeof(buf), 0) > 0; i++)
		;
	ck_assert_int_eq(fcntl(c, F_SETFL, flags), 0);
	ck_assert_int_eq(fstat(c, &st), 0);

	/* (no clock here: tests prove behaviour; a close that waited out the
	 * 30 s linger would show as a hang, which the harness's limit names) */
	r = netns_of_socket((int)getpid(), c, (uint64_t)st.st_ino, &nsfd, &nsino);
	if (r == -ENOSYS || r == -EPERM) {
		close(c);
		close(srv);
		close(l);
		return;		/* an old kernel, or ptrace refused: nothing to ask */
	}
	ck_assert_int_eq(r, 0);
	ck_assert_int_eq(stat("/proc/self/ns/net", &own), 0);
	ck_assert_uint_eq(nsino, (uint64_t)own.st_ino);
	ck_assert_int_ge(nsfd, 0);
	close(nsfd);
	/* the socket is as it was: open, connected, its file flags unchanged */
	ck_assert_int_eq(fcntl(c, F_GETFL), flags);
	ck_assert_int_eq(getpeername(c, (struct sockaddr *)&a, &len), 0);
	/* a wrong inode: the fd holds another socket by now */
	ck_assert_int_eq(netns_of_socket((int)getpid(), c, (uint64_t)st.st_ino + 1, &nsfd,
					 &nsino), -ESTALE);
	/* in batches: more than one helper's worth, each answer in its place */
	{
		enum { NQ = NETNS_QUERY_MAX * 2 + 3 };
		struct netns_sock_query q[NQ];

		for (i = 0; i < NQ; i++) {
			q[i].pid = (int)getpid();
			q[i].fd = c;
			q[i].inode = (uint64_t)st.st_ino + (i == NETNS_QUERY_MAX + 1);
		}
		ck_assert_int_eq(netns_of_sockets(q, NQ), 0);
		for (i = 0; i < NQ; i++) {
			if (i == NETNS_QUERY_MAX + 1) {
				ck_assert_int_eq(q[i].ret, -ESTALE);
				ck_assert_int_eq(q[i].nsfd, -1);
				continue;
			}
			ck_assert_int_eq(q[i].ret, 0);
			ck_assert_uint_eq(q[i].nsino, (uint64_t)own.st_ino);
			ck_assert_int_eq(fstat(q[i].nsfd, &st2), 0);
			ck_assert_uint_eq((uint64_t)st2.st_ino, (uint64_t)own.st_ino);
			close(q[i].nsfd);
		}
	}
	lg.l_onoff = 0;
	setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(c);
	close(srv);
	close(l);
}
END_TEST

Suite *netns_suite(void);

#define NOBODY		65534
#define ICMPV6_PROTO	58

/* Shared state, torn down by a checked fixture so a failed assertion (also
 * with CK_FORK=no) leaves no child, mount or directory behind. */
static char tmpdir[64];
static pid_t nschild = -1;
static int nsctl = -1;		/* the child lives until this is closed */

static void setup(void)
{
	strcpy(tmpdir, "/tmp/leaktop-netns-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	/* reachable by the unprivileged children */
	ck_assert_int_eq(chmod(tmpdir, 0755), 0);
	nschild = -1;
	nsctl = -1;
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void teardown(void)
{
	char locked[256];

	if (nsctl >= 0)
		close(nsctl);
	if (nschild > 0) {
		kill(nschild, SIGKILL);
		waitpid(nschild, NULL, 0);
	}
	nsctl = -1;
	nschild = -1;
	snprintf(locked, sizeof(locked), "%s/proc/20/ns", tmpdir);
	chmod(locked, 0755);
	nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Create tmpdir/rel (and its parents) as an empty file. */
static void touch(const char *rel)
{
	char path[256], *p;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	for (p = path + strlen(tmpdir) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	ck_assert_msg(fd >= 0, "create %s: %s", path, strerror(errno));
	close(fd);
}

static void link_rel(const char *from, const char *to)
{
	char a[256], b[256], *p;

	snprintf(a, sizeof(a), "%s/%s", tmpdir, from);
	snprintf(b, sizeof(b), "%s/%s", tmpdir, to);
	for (p = b + strlen(tmpdir) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(b, 0755);
		*p = '/';
	}
	ck_assert_msg(link(a, b) == 0, "link %s: %s", b, strerror(errno));
}

static void symlink_rel(const char *target, const char *rel)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	ck_assert_int_eq(symlink(target, path), 0);
}

static uint64_t ino_of(const char *rel)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	ck_assert_int_eq(stat(path, &st), 0);
	return st.st_ino;
}

static const struct netns_entry *find_ino(const struct netns_list *l,
					  uint64_t ino)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->v[i].ino == ino)
			return &l->v[i];
	return NULL;
}

static const struct ltsock *find_sock(const struct ltsock_vec *v, uint64_t ino)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (v->v[i].inode == ino)
			return &v->v[i];
	return NULL;
}

/*
 * The fake tree: pids 1 and 5 share namespace A, 7 and 9 share B (also
 * named "blue"), 20's ns directory is locked (namespace C), 12 and 13 have
 * vanished (no ns/net, a dangling link), "abc" is no process; "red" is a
 * named namespace no process is in; self is 7.
 */
static void build_tree(void)
{
	char locked[256];

	touch("proc/1/ns/net");
	link_rel("proc/1/ns/net", "proc/5/ns/net");
	touch("proc/7/ns/net");
	link_rel("proc/7/ns/net", "proc/9/ns/net");
	touch("proc/20/ns/net");
	touch("proc/12/status");
	touch("proc/13/ns/mnt");
	/* dangling, and within the tree: /nonexistent, the target it had, was
	 * once made (0700, by an audit log given there), and nobody then got
	 * EACCES, not ENOENT, and counted pid 13 as hidden */
	symlink_rel("../../gone/net", "proc/13/ns/net");
	touch("proc/abc/ns/net");
	touch("proc/1x");
	symlink_rel("7", "proc/self");
	link_rel("proc/7/ns/net", "run/blue");
	touch("run/red");
	touch("run/.hidden");
	snprintf(locked, sizeof(locked), "%s/proc/20/ns", tmpdir);
	ck_assert_int_eq(chmod(locked, 0), 0);
}

/*
 * Check a scan of the fake tree; locked_visible says whether the scanner
 * could pass the locked directory (root can).  Returns a failure line or
 * NULL, so the unprivileged child can report without Check.
 */
static const char *check_tree(int locked_visible, char *why, size_t whysz)
{
	char proc[128], run[128], pa[160], pb[160], pred[160];
	struct netns_list l;
	struct lt_err err;
	const struct netns_entry *a, *b, *c = NULL, *red;
	uint64_t ia = ino_of("proc/1/ns/net"), ib = ino_of("proc/7/ns/net");
	uint64_t ired = ino_of("run/red"), iabc = ino_of("proc/abc/ns/net");
	size_t i;

	snprintf(proc, sizeof(proc), "%s/proc", tmpdir);
	snprintf(run, sizeof(run), "%s/run", tmpdir);
	snprintf(pa, sizeof(pa), "%s/1/ns/net", proc);
	snprintf(pb, sizeof(pb), "%s/blue", run);
	snprintf(pred, sizeof(pred), "%s/red", run);
	memset(&err, 0, sizeof(err));
	if (netns_list_scan(proc, run, &l, &err)) {
		snprintf(why, whysz, "scan: %.100s", err.msg);
		return why;
	}
	a = find_ino(&l, ia);
	b = find_ino(&l, ib);
	red = find_ino(&l, ired);
	for (i = 0; i < l.n; i++)
		if (l.v[i].pid == 20)
			c = &l.v[i];
	why[0] = '\0';
	if (l.n != (locked_visible ? 4u : 3u))
		snprintf(why, whysz, "%zu namespaces", l.n);
	else if (!a || a->pid != 1 || a->name || strcmp(a->path, pa))
		snprintf(why, whysz, "A wrong");
	else if (!b || b->pid != 7 || !b->name || strcmp(b->name, "blue") ||
		 strcmp(b->path, pb))
		snprintf(why, whysz, "B wrong");
	else if (!red || red->pid != 0 || !red->name ||
		 strcmp(red->name, "red") || strcmp(red->path, pred))
		snprintf(why, whysz, "red wrong");
	else if (locked_visible != (c != NULL))
		snprintf(why, whysz, "locked pid 20 %s",
			 c ? "seen" : "missing");
	else if (l.hidden_procs != (locked_visible ? 0 : 1))
		snprintf(why, whysz, "hidden %d", l.hidden_procs);
	else if (l.self_ino != ib)
		snprintf(why, whysz, "self_ino %llu",
			 (unsigned long long)l.self_ino);
	else if (find_ino(&l, iabc))
		snprintf(why, whysz, "abc taken for a process");
	netns_list_free(&l);
	return why[0] ? why : NULL;
}

START_TEST(test_list_fixture)
{
	char why[128];
	const char *fail;

	build_tree();
	fail = check_tree(geteuid() == 0, why, sizeof(why));
	ck_assert_msg(!fail, "%s", fail);
}
END_TEST

/* Run fn as nobody in a child; returns its exit status (0 = passed). */
static int as_nobody(int (*fn)(void *), void *arg)
{
	pid_t pid;
	int st;

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (setresgid(NOBODY, NOBODY, NOBODY) ||
		    setresuid(NOBODY, NOBODY, NOBODY))
			_exit(100);
		_exit(fn(arg));
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st), "child died: status %#x", st);
	return WEXITSTATUS(st);
}

static int nobody_scan_tree(void *arg)
{
	char why[128];
	const char *fail;

	(void)arg;
	fail = check_tree(0, why, sizeof(why));
	if (fail) {
		fprintf(stderr, "as nobody: %s\n", fail);
		return 1;
	}
	return 0;
}

static int nobody_scan_proc(void *arg)
{
	struct netns_list l;
	struct lt_err err;
	int ret;

	(void)arg;
	if (netns_list_scan("/proc", NULL, &l, &err))
		return 1;
	/* pid 1 belongs to root: its ns/net is refused to nobody */
	ret = l.hidden_procs > 0 && l.self_ino != 0 ? 0 : 2;
	netns_list_free(&l);
	return ret;
}

/* The locked directory counts as hidden for someone who is not root. */
START_TEST(test_list_hidden)
{
	build_tree();
	if (geteuid() != 0) {
		/* already unprivileged: test_list_fixture covered this */
		return;
	}
	ck_assert_int_eq(as_nobody(nobody_scan_tree, NULL), 0);
	ck_assert_int_eq(as_nobody(nobody_scan_proc, NULL), 0);
}
END_TEST

START_TEST(test_list_errors)
{
	char missing[128], empty[128];
	struct netns_list l;
	struct lt_err err;

	snprintf(missing, sizeof(missing), "%s/nope", tmpdir);
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(netns_list_scan(missing, NULL, &l, &err), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err.msg, "nope"));
	ck_assert_uint_eq(l.n, 0);
	ck_assert_ptr_null(l.v);
	netns_list_free(&l);
	netns_list_free(NULL);

	/* an empty procroot and a missing runroot: nothing, no error */
	snprintf(empty, sizeof(empty), "%s", tmpdir);
	ck_assert_int_eq(netns_list_scan(empty, missing, &l, &err), 0);
	ck_assert_uint_eq(l.n, 0);
	ck_assert_uint_eq(l.self_ino, 0);
	ck_assert_int_eq(l.hidden_procs, 0);
	netns_list_free(&l);
}
END_TEST

/* Many processes in few namespaces: the index must grow and stay right. */
START_TEST(test_list_many)
{
	char rel[64], proc[128];
	struct netns_list l;
	struct lt_err err;
	int pid;
	size_t i;

	for (pid = 1; pid <= 600; pid++) {
		snprintf(rel, sizeof(rel), "proc/%d/ns/net", pid);
		if (pid <= 40) {
			touch(rel);
		} else {
			char first[64];

			snprintf(first, sizeof(first), "proc/%d/ns/net",
				 (pid - 1) % 40 + 1);
			link_rel(first, rel);
		}
	}
	snprintf(proc, sizeof(proc), "%s/proc", tmpdir);
	ck_assert_int_eq(netns_list_scan(proc, NULL, &l, &err), 0);
	ck_assert_uint_eq(l.n, 40);
	for (i = 0; i < l.n; i++) {
		snprintf(rel, sizeof(rel), "proc/%d/ns/net", l.v[i].pid);
		ck_assert_int_le(l.v[i].pid, 40);
		ck_assert_uint_eq(l.v[i].ino, ino_of(rel));
	}
	netns_list_free(&l);
}
END_TEST

/* What the namespace child reports through its pipe. */
struct child_info {
	int status;		/* 0, or the step that failed */
	int err;
	int named;		/* netns bind-mounted on tmpdir/run/NS_NAME */
	uint16_t udp_port;
	uint64_t udp_ino, raw_ino;
};

#define NS_NAME "leaktest"

/* Name the child's netns as "ip netns add" would, but in a private mount
 * namespace; 0 if this sandbox refuses. */
static int name_own_netns(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/run/" NS_NAME, tmpdir);
	/* the kernel ignores the type here; "none" keeps valgrind quiet */
	if (unshare(CLONE_NEWNS) ||
	    mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) ||
	    mount("/proc/self/ns/net", path, "none", MS_BIND, NULL))
		return 0;
	return 1;
}

/* In a new netns: lo up, a UDP socket with a datagram queued, a raw ICMPv6
 * socket; report, then wait for the parent to close ctl. */
static void ns_child(int info_fd, int ctl_fd)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct child_info ci = { 0 };
	socklen_t alen = sizeof(a);
	struct ifreq ifr;
	struct stat st;
	int udp = -1, raw = -1, s = -1;
	char c;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	ci.status = 1;
	if (unshare(CLONE_NEWNET))
		goto out;
	ci.named = name_own_netns();
	ci.status = 2;
	s = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr))
		goto out;
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr))
		goto out;
	ci.status = 3;
	udp = socket(AF_INET, SOCK_DGRAM, 0);
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	if (udp < 0 || bind(udp, (void *)&a, sizeof(a)) ||
	    getsockname(udp, (void *)&a, &alen) ||
	    sendto(udp, "leak", 4, 0, (void *)&a, sizeof(a)) != 4 ||
	    fstat(udp, &st))
		goto out;
	ci.udp_port = ntohs(a.sin_port);
	ci.udp_ino = st.st_ino;
	ci.status = 4;
	raw = socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6);
	if (raw < 0 || fstat(raw, &st))
		goto out;
	ci.raw_ino = st.st_ino;
	ci.status = 0;
out:
	ci.err = errno;
	if (write(info_fd, &ci, sizeof(ci)) != sizeof(ci))
		_exit(1);
	while (read(ctl_fd, &c, 1) > 0)
		;
	_exit(0);
}

/* Start the namespace child; fills *ci and returns its namespace inode. */
static uint64_t start_ns_child(struct child_info *ci)
{
	char path[128];
	struct stat st;
	int info[2], ctl[2], fd;

	snprintf(path, sizeof(path), "%s/run", tmpdir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/run/" NS_NAME, tmpdir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(pipe(info), 0);
	ck_assert_int_eq(pipe(ctl), 0);
	nschild = fork();
	ck_assert_int_ge(nschild, 0);
	if (nschild == 0) {
		close(info[0]);
		close(ctl[1]);
		ns_child(info[1], ctl[0]);
	}
	close(info[1]);
	close(ctl[0]);
	nsctl = ctl[1];
	ck_assert_int_eq(read(info[0], ci, sizeof(*ci)), (ssize_t)sizeof(*ci));
	close(info[0]);
	ck_assert_msg(ci->status == 0, "namespace child failed at step %d: %s",
		      ci->status, strerror(ci->err));
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)nschild);
	ck_assert_int_eq(stat(path, &st), 0);
	return st.st_ino;
}

START_TEST(test_dump_live)
{
	struct netns_dump_report rep;
	struct ltsock_vec v = { 0 };
	struct child_info ci;
	struct netns_list l;
	struct netns_entry byproc;
	const struct netns_entry *e, *self;
	const struct ltsock *s;
	struct lt_err err;
	char run[128], named[160], procpath[64], selfpath[64];
	uint64_t nsino;
	struct stat st;
	int k;

	if (geteuid() != 0) {
		/* creating and entering a namespace needs root */
		return;
	}
	nsino = start_ns_child(&ci);
	ck_assert_int_eq(stat("/proc/self/ns/net", &st), 0);
	ck_assert_uint_ne(nsino, st.st_ino);

	/* the name lives in the child's mount namespace: look through it */
	snprintf(run, sizeof(run), "/proc/%d/root%s/run", (int)nschild, tmpdir);
	snprintf(named, sizeof(named), "%s/" NS_NAME, run);
	snprintf(procpath, sizeof(procpath), "/proc/%d/ns/net", (int)nschild);

	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(netns_list_scan("/proc", run, &l, &err), 0);
	ck_assert_uint_eq(l.self_ino, st.st_ino);
	self = find_ino(&l, st.st_ino);
	ck_assert_ptr_nonnull(self);
	e = find_ino(&l, nsino);
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->pid, (int)nschild);
	if (ci.named) {
		ck_assert_str_eq(e->name, NS_NAME);
		ck_assert_str_eq(e->path, named);
	} else {
		/* this sandbox refused the mount: only the pid leads there */
		ck_assert_ptr_null(e->name);
		ck_assert_str_eq(e->path, procpath);
	}

	/* the child's namespace, entered by the helper thread */
	ck_assert_int_eq(netns_dump(e, "/proc", &v, &rep), 0);
	ck_assert_msg(rep.entered && rep.complete, "entered %d complete %d: %s",
		      rep.entered, rep.complete, rep.why);
	s = find_sock(&v, ci.udp_ino);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(s->netns, nsino);
	ck_assert_uint_eq(s->local.port, ci.udp_port);
	ck_assert_uint_gt(s->m->recv_q, 0);
	ck_assert_uint_eq(s->source, LTSOCK_SRC_DIAG);
	ck_assert_int_eq(rep.result[SOCKDIAG_UDP4], SOCKDIAG_OK);
	s = find_sock(&v, ci.raw_ino);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(s->protocol, ICMPV6_PROTO);
	ck_assert_uint_eq(s->netns, nsino);
	if (rep.result[SOCKDIAG_RAW6] == SOCKDIAG_UNSUPPORTED) {
		/* the CI kernel: no raw_diag, so /proc/net/raw6 of the child's
		 * namespace (not ours) supplied it */
		ck_assert_uint_eq(rep.fallback[SOCKDIAG_RAW6], 1);
		ck_assert_uint_eq(s->source, LTSOCK_SRC_PROCNET);
	} else {
		ck_assert_int_eq(rep.result[SOCKDIAG_RAW6], SOCKDIAG_OK);
		ck_assert_uint_eq(s->source, LTSOCK_SRC_DIAG);
	}
	for (k = 0; k < SOCKDIAG_NKINDS; k++)
		ck_assert(rep.result[k] == SOCKDIAG_OK || rep.fallback[k]);
	for (size_t i = 0; i < v.n; i++)
		ck_assert_uint_eq(v.v[i].netns, nsino);
	/* the caller was never moved */
	ck_assert_int_eq(stat("/proc/thread-self/ns/net", &st), 0);
	ck_assert_uint_eq(st.st_ino, l.self_ino);
	ltsock_vec_free(&v);

	/* the same namespace through /proc/PID/ns/net */
	byproc = *e;
	byproc.name = NULL;
	byproc.path = procpath;
	ck_assert_int_eq(netns_dump(&byproc, "/proc", &v, &rep), 0);
	ck_assert_msg(rep.entered && rep.complete, "%s", rep.why);
	ck_assert_ptr_nonnull(find_sock(&v, ci.udp_ino));
	ltsock_vec_free(&v);

	/* our own namespace, dumped directly, lacks the child's sockets */
	ck_assert_int_eq(netns_dump(self, "/proc", &v, &rep), 0);
	ck_assert_msg(rep.entered && rep.complete, "%s", rep.why);
	ck_assert_ptr_null(find_sock(&v, ci.udp_ino));
	ck_assert_ptr_null(find_sock(&v, ci.raw_ino));
	ck_assert_uint_gt(v.n, 0);
	for (size_t i = 0; i < v.n; i++)
		ck_assert_uint_eq(v.v[i].netns, l.self_ino);
	ltsock_vec_free(&v);

	/* a path that now leads elsewhere counts as vanished */
	snprintf(selfpath, sizeof(selfpath), "/proc/self/ns/net");
	byproc.path = selfpath;
	ck_assert_int_eq(netns_dump(&byproc, "/proc", &v, &rep), 0);
	ck_assert_int_eq(rep.entered, 0);
	ck_assert_str_eq(rep.why, "namespace vanished");
	ck_assert_uint_eq(v.n, 0);

	/* the child goes: its /proc path vanishes */
	close(nsctl);
	nsctl = -1;
	ck_assert_int_eq(waitpid(nschild, NULL, 0), nschild);
	nschild = -1;
	byproc.path = procpath;
	ck_assert_int_eq(netns_dump(&byproc, "/proc", &v, &rep), 0);
	ck_assert_int_eq(rep.entered, 0);
	ck_assert_int_eq(rep.complete, 0);
	ck_assert_str_eq(rep.why, "namespace vanished");
	ck_assert_int_eq(rep.result[SOCKDIAG_TCP4], SOCKDIAG_FAILED);
	ck_assert_uint_eq(v.n, 0);
	netns_list_free(&l);
}
END_TEST

/* What an unprivileged dump of nd->ns should come to. */
enum nobody_expect {
	NS_DENIED,		/* opened, but setns refused */
	NS_UNOPENABLE,		/* the path itself refused */
	NS_OWN,			/* our own: dumped with no privilege */
};

struct nobody_dump {
	struct netns_entry ns;
	enum nobody_expect expect;
};

/* As nobody: dump nd->ns and check the outcome; 0 if as expected. */
static int nobody_dump(void *arg)
{
	struct nobody_dump *nd = arg;
	struct netns_dump_report rep;
	struct ltsock_vec v = { 0 };
	int ret = 0;

	if (netns_dump(&nd->ns, "/proc", &v, &rep))
		return 1;
	if (nd->expect == NS_OWN) {
		if (!rep.entered || !rep.complete || !v.n)
			ret = 6;
	} else if (rep.entered || rep.complete || v.n) {
		ret = 2;
	} else if (!strstr(rep.why, "root")) {
		ret = 3;
	} else if (nd->expect == NS_DENIED &&
		   !strstr(rep.why, "CAP_SYS_ADMIN")) {
		ret = 4;
	} else if (nd->expect == NS_UNOPENABLE &&
		   !strstr(rep.why, "cannot open")) {
		ret = 5;
	}
	if (ret)
		fprintf(stderr,
			"as nobody: entered %d complete %d why \"%s\"\n",
			rep.entered, rep.complete, rep.why);
	ltsock_vec_free(&v);
	return ret;
}

/* Without CAP_SYS_ADMIN a foreign namespace is skipped, with the reason;
 * our own is still dumped. */
START_TEST(test_dump_unprivileged)
{
	struct nobody_dump nd;
	struct child_info ci;
	char path[64], fdpath[64], selfpath[64];
	struct stat st;
	int fd;

	memset(&nd, 0, sizeof(nd));
	ck_assert_int_eq(stat("/proc/self/ns/net", &st), 0);
	nd.ns.ino = st.st_ino;
	nd.ns.dev = st.st_dev;
	snprintf(selfpath, sizeof(selfpath), "/proc/self/ns/net");
	nd.ns.path = selfpath;
	nd.expect = NS_OWN;
	if (geteuid() != 0) {
		/* already unprivileged; no foreign namespace can be made */
		ck_assert_int_eq(nobody_dump(&nd), 0);
		return;
	}
	ck_assert_int_eq(as_nobody(nobody_dump, &nd), 0);

	nd.ns.ino = start_ns_child(&ci);
	nd.ns.pid = nschild;
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)nschild);

	/* an nsfs file nobody can open (mode 0444), as /run/netns/NAME is */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fcntl(fd, F_SETFD, 0), 0);
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
	nd.ns.path = fdpath;
	nd.expect = NS_DENIED;
	ck_assert_int_eq(as_nobody(nobody_dump, &nd), 0);
	close(fd);

	/* a root process's /proc link is refused to nobody before setns */
	nd.ns.path = path;
	nd.expect = NS_UNOPENABLE;
	ck_assert_int_eq(as_nobody(nobody_dump, &nd), 0);
}
END_TEST

Suite *netns_suite(void)
{
	Suite *s = suite_create("netns");
	TCase *tc = tcase_create("list");
	TCase *live = tcase_create("live");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_list_fixture);
	tcase_add_test(tc, test_list_hidden);
	tcase_add_test(tc, test_list_errors);
	tcase_add_test(tc, test_list_many);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(live, setup, teardown);
	tcase_add_test(live, test_dump_live);
	tcase_add_test(live, test_dump_unprivileged);
	tcase_add_test(live, test_socket_ns);
	tcase_set_timeout(live, 60);
	suite_add_tcase(s, live);
	return s;
}
