/*
 * Unit tests of core/fdtable.c on a fixture /proc tree built at test time:
 * fd links are symlinks whose targets read like the kernel's
 * ("socket:[5001]", "pipe:[77]", "/var/log/x").
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_suites.h"
#include "leaktop/fdtable.h"
#include "leaktop/socket.h"

static char root[256];

static void put(const char *rel, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	ck_assert_ptr_ne(f, NULL);
	fputs(text, f);
	fclose(f);
}

static void link_fd(int pid, int fd, const char *target)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%d/fd/%d", root, pid, fd);
	ck_assert_int_eq(symlink(target, path), 0);
}

static void mkpid(int pid, const char *comm, int with_fd_dir)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%d", root, pid);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%d/comm", pid);
	put(path, comm);
	if (with_fd_dir) {
		snprintf(path, sizeof(path), "%s/%d/fd", root, pid);
		ck_assert_int_eq(mkdir(path, 0755), 0);
	}
}

static void build_tree(void)
{
	snprintf(root, sizeof(root), "/tmp/leaktop-fdt.XXXXXX");
	ck_assert_ptr_ne(mkdtemp(root), NULL);
	mkpid(100, "friend_push\n", 1);
	link_fd(100, 0, "/dev/null");
	link_fd(100, 3, "socket:[5001]");
	link_fd(100, 4, "pipe:[77]");
	link_fd(100, 7, "socket:[5003]");
	mkpid(200, "keepalived\n", 1);
	link_fd(200, 5, "socket:[5002]");
	link_fd(200, 6, "socket:[5001]");	/* shared after fork */
	link_fd(200, 8, "socket:[notanumber]");
	mkpid(300, "\x1b[2Jevil\n", 0);		/* no fd dir: vanished mid-scan */
	put("self", "not a pid");
}

static void rm_tree(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(test_socket_inode)
{
	uint64_t ino = 0;

	ck_assert_int_eq(fdtable_socket_inode("socket:[12345]", &ino), 0);
	ck_assert_uint_eq(ino, 12345);
	ck_assert_int_eq(fdtable_socket_inode("socket:[]", &ino), -1);
	ck_assert_int_eq(fdtable_socket_inode("socket:[12", &ino), -1);
	ck_assert_int_eq(fdtable_socket_inode("socket:[12]x", &ino), -1);
	ck_assert_int_eq(fdtable_socket_inode("pipe:[12]", &ino), -1);
	ck_assert_int_eq(fdtable_socket_inode("socket:[99999999999999999999999]", &ino), -1);
}
END_TEST

START_TEST(test_census_all)
{
	struct lt_err err = { "" };
	const struct fd_owner *o;
	const struct fd_proc *p;
	struct fd_census c;
	size_t n;

	build_tree();
	ck_assert_int_eq(fdtable_census(root, NULL, 0, &c, &err), 0);
	/* 300 has no fd dir (ENOENT): skipped as vanished */
	ck_assert_uint_eq(c.nprocs, 2);
	ck_assert_int_eq(c.hidden_procs, 0);
	ck_assert_uint_eq(c.nowners, 4);
	o = fdtable_census_owners(&c, 5001, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(o[0].pid, 100);
	ck_assert_int_eq(o[0].fd, 3);
	ck_assert_int_eq(o[1].pid, 200);
	ck_assert_int_eq(o[1].fd, 6);
	o = fdtable_census_owners(&c, 5002, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(o[0].fd, 5);
	ck_assert_ptr_eq(fdtable_census_owners(&c, 4242, &n), NULL);
	ck_assert_uint_eq(n, 0);
	p = fdtable_census_proc(&c, 100);
	ck_assert_ptr_ne(p, NULL);
	ck_assert_str_eq(p->comm, "friend_push");
	ck_assert_int_eq(p->nfds, 4);
	ck_assert_int_eq(p->nsockets, 2);
	p = fdtable_census_proc(&c, 200);
	ck_assert_int_eq(p->nfds, 3);
	ck_assert_int_eq(p->nsockets, 2);
	ck_assert_ptr_eq(fdtable_census_proc(&c, 300), NULL);
	fdtable_census_free(&c);
	fdtable_census_free(&c);	/* twice is harmless */
	rm_tree();
}
END_TEST

START_TEST(test_census_pids)
{
	struct lt_err err = { "" };
	struct fd_census c;
	int pids[] = { 200, 999 };	/* 999 does not exist */
	size_t n;

	build_tree();
	ck_assert_int_eq(fdtable_census(root, pids, 2, &c, &err), 0);
	ck_assert_uint_eq(c.nprocs, 1);
	ck_assert_ptr_ne(fdtable_census_owners(&c, 5002, &n), NULL);
	ck_assert_ptr_eq(fdtable_census_owners(&c, 5003, &n), NULL);
	fdtable_census_free(&c);
	rm_tree();
}
END_TEST

START_TEST(test_census_hidden)
{
	struct lt_err err = { "" };
	struct fd_census c;
	char path[512];

	if (geteuid() == 0)
		return;	/* root reads a mode-000 dir anyway; behaviour tests cover it */
	build_tree();
	snprintf(path, sizeof(path), "%s/200/fd", root);
	ck_assert_int_eq(chmod(path, 0), 0);
	ck_assert_int_eq(fdtable_census(root, NULL, 0, &c, &err), 0);
	ck_assert_int_eq(c.hidden_procs, 1);
	ck_assert_int_eq(fdtable_census_proc(&c, 200)->nfds, -1);
	chmod(path, 0755);
	fdtable_census_free(&c);
	rm_tree();
}
END_TEST

START_TEST(test_census_bad_root)
{
	struct lt_err err = { "" };
	struct fd_census c;

	ck_assert_int_eq(fdtable_census("/nonexistent/proc", NULL, 0, &c, &err), -ENOENT);
	ck_assert_ptr_ne(strstr(err.msg, "/nonexistent/proc"), NULL);
}
END_TEST

START_TEST(test_classify)
{
	ck_assert_int_eq(fdtable_classify("socket:[5]", 0, 0), FD_SOCKET);
	ck_assert_int_eq(fdtable_classify("pipe:[5]", 0, 0), FD_PIPE);
	ck_assert_int_eq(fdtable_classify("anon_inode:[eventfd]", 0, 0), FD_EVENTFD);
	ck_assert_int_eq(fdtable_classify("anon_inode:[eventpoll]", 0, 0), FD_EPOLL);
	ck_assert_int_eq(fdtable_classify("anon_inode:[timerfd]", 0, 0), FD_TIMERFD);
	ck_assert_int_eq(fdtable_classify("anon_inode:[signalfd]", 0, 0), FD_SIGNALFD);
	ck_assert_int_eq(fdtable_classify("anon_inode:inotify", 0, 0), FD_INOTIFY);
	ck_assert_int_eq(fdtable_classify("anon_inode:[pidfd]", 0, 0), FD_PIDFD);
	ck_assert_int_eq(fdtable_classify("anon_inode:[io_uring]", 0, 0), FD_ANON);
	ck_assert_int_eq(fdtable_classify("/memfd:jit (deleted)", 0, 0), FD_MEMFD);
	ck_assert_int_eq(fdtable_classify("/tmp/x (deleted)", 0, 0), FD_DELETED);
	ck_assert_int_eq(fdtable_classify("/etc", 1, 0), FD_DIR);
	ck_assert_int_eq(fdtable_classify("/dev/null", 0, 1), FD_DEVICE);
	ck_assert_int_eq(fdtable_classify("/var/log/syslog", 0, 0), FD_FILE);
	ck_assert_int_eq(fdtable_classify("net:[4026531833]", 0, 0), FD_OTHER);
	ck_assert_str_eq(fdtable_kind_name(FD_EPOLL), "eventpoll");
	ck_assert(fdtable_sockproto_dumped("TCPv6"));
	ck_assert(fdtable_sockproto_dumped("UNIX-STREAM"));
	ck_assert(!fdtable_sockproto_dumped("PINGv6"));
	ck_assert(!fdtable_sockproto_dumped("AF_VSOCK"));
}
END_TEST

START_TEST(test_read_table)
{
	struct lt_err err = { "" };
	struct fd_table t;
	char path[512];

	build_tree();
	snprintf(path, sizeof(path), "%s/100/fdinfo", root);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	put("100/fdinfo/0", "pos:\t4096\nflags:\t0100002\nmnt_id:\t21\nino:\t5\n");
	put("100/fdinfo/3", "pos:\t0\nflags:\t02\n");
	ck_assert_int_eq(fdtable_read(root, 100, &t, &err), 0);
	ck_assert_uint_eq(t.n, 4);
	/* sorted by fd */
	ck_assert_int_eq(t.v[0].fd, 0);
	ck_assert_int_eq(t.v[0].kind, FD_DEVICE);	/* the link resolves to /dev/null */
	ck_assert_uint_eq(t.v[0].pos, 4096);
	ck_assert_uint_eq(t.v[0].flags, 0100002);
	ck_assert_int_eq(t.v[1].fd, 3);
	ck_assert_int_eq(t.v[1].kind, FD_SOCKET);
	ck_assert_uint_eq(t.v[1].inode, 5001);
	ck_assert_int_eq(t.v[1].sock, -1);
	ck_assert_int_eq(t.v[1].ghost, FD_GHOST_NO);	/* left to the join */
	ck_assert_int_eq(t.v[2].kind, FD_PIPE);
	ck_assert_uint_eq(t.v[2].inode, 77);
	ck_assert_str_eq(t.v[3].target, "socket:[5003]");
	fdtable_free(&t);
	fdtable_free(&t);
	ck_assert_int_eq(fdtable_read(root, 424242, &t, &err), -ESRCH);
	rm_tree();
}
END_TEST

static void push_inode(struct ltsock_vec *v, uint64_t inode)
{
	struct ltsock k;

	memset(&k, 0, sizeof(k));
	k.inode = inode;
	ck_assert_int_eq(ltsock_vec_push(v, &k), 0);
}

/* Retarget pid's fd link, keeping the fd dir's mtime: only the dump check
 * or the periodic rescan can notice. */
static void retarget_quietly(int pid, int fd, const char *target)
{
	char dir[512], path[600];
	struct stat st;
	struct timespec ts[2];

	snprintf(dir, sizeof(dir), "%s/%d/fd", root, pid);
	ck_assert_int_eq(stat(dir, &st), 0);
	snprintf(path, sizeof(path), "%s/%d", dir, fd);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(symlink(target, path), 0);
	ts[0] = st.st_atim;
	ts[1] = st.st_mtim;
	ck_assert_int_eq(utimensat(AT_FDCWD, dir, ts, 0), 0);
}

static uint64_t only_owner_inode(const struct fd_census *c, int pid, int fd)
{
	size_t i;

	for (i = 0; i < c->nowners; i++)
		if (c->owners[i].pid == pid && c->owners[i].fd == fd)
			return c->owners[i].inode;
	return 0;
}

START_TEST(test_census_cache)
{
	struct fdtable_cache *cache = fdtable_cache_new(3);
	struct fdtable_cache_stats st;
	struct ltsock_vec dump = { 0 };
	struct lt_err err = { "" };
	struct fd_census c;
	size_t n, scanned = 0;
	char cmd[300];
	int i;

	ck_assert_ptr_ne(cache, NULL);
	build_tree();
	put("100/stat", "100 (friend_push) S 1 100 100 0 -1 4194560 0 0 0 0 0 0 0 0 "
	    "20 0 1 0 5555 1000 10\n");
	push_inode(&dump, 5001);
	push_inode(&dump, 5002);
	push_inode(&dump, 5003);

	/* first census: everything read, the same answer as without a cache */
	ck_assert_int_eq(fdtable_census_cached(cache, root, NULL, 0, &dump, &c, &err), 0);
	fdtable_cache_get_stats(cache, &st);
	ck_assert_uint_eq(st.scanned, 2);
	ck_assert_uint_eq(st.reused, 0);
	ck_assert_uint_eq(c.nowners, 4);
	ck_assert_uint_eq(fdtable_census_owners(&c, 5001, &n)[1].pid, 200);
	ck_assert_str_eq(fdtable_census_proc(&c, 100)->comm, "friend_push");
	ck_assert_int_eq(fdtable_census_proc(&c, 100)->nfds, 4);
	fdtable_census_free(&c);

	/* nothing changed: both from the cache (unless a rescan is due) */
	ck_assert_int_eq(fdtable_census_cached(cache, root, NULL, 0, &dump, &c, &err), 0);
	fdtable_cache_get_stats(cache, &st);
	ck_assert_uint_eq(st.reused + st.scanned, 2);
	ck_assert_uint_eq(c.nowners, 4);
	ck_assert_int_eq(fdtable_census_proc(&c, 100)->nfds, 4);
	ck_assert_int_eq(fdtable_census_proc(&c, 200)->nsockets, 2);
	fdtable_census_free(&c);

	/* a socket fd swapped for another, the dir's stamp unchanged: the old
	 * inode is gone from the dump, so the link is read again */
	retarget_quietly(200, 5, "socket:[5007]");
	dump.v[1].inode = 5007;		/* 5002 closed, 5007 opened */
	ck_assert_int_eq(fdtable_census_cached(cache, root, NULL, 0, &dump, &c, &err), 0);
	ck_assert_uint_eq(only_owner_inode(&c, 200, 5), 5007);
	fdtable_census_free(&c);

	/* the same swap while the old socket lives on elsewhere is seen by the
	 * periodic rescan at the latest: every 3 censuses */
	retarget_quietly(100, 3, "socket:[5003]");
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(fdtable_census_cached(cache, root, NULL, 0, &dump, &c, &err), 0);
		fdtable_cache_get_stats(cache, &st);
		scanned += st.scanned;
		if (i < 2)
			fdtable_census_free(&c);
	}
	ck_assert_uint_ge(scanned, 2);	/* each process once at least */
	ck_assert_uint_eq(only_owner_inode(&c, 100, 3), 5003);
	fdtable_census_free(&c);

	/* the pid now names another process (start ticks differ): read again */
	retarget_quietly(100, 3, "socket:[5004]");
	put("100/stat", "100 (other) S 1 100 100 0 -1 4194560 0 0 0 0 0 0 0 0 "
	    "20 0 1 0 6666 1000 10\n");
	ck_assert_int_eq(fdtable_census_cached(cache, root, NULL, 0, &dump, &c, &err), 0);
	ck_assert_uint_eq(only_owner_inode(&c, 100, 3), 5004);
	ck_assert_str_eq(fdtable_census_proc(&c, 100)->comm, "other");
	fdtable_census_free(&c);

	/* a process gone is forgotten; no cache is the uncached census */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s/200'", root);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(fdtable_census_cached(cache, root, NULL, 0, &dump, &c, &err), 0);
	ck_assert_uint_eq(c.nprocs, 1);
	fdtable_census_free(&c);
	ck_assert_int_eq(fdtable_census_cached(NULL, root, NULL, 0, NULL, &c, &err), 0);
	ck_assert_uint_eq(c.nprocs, 1);
	fdtable_census_free(&c);

	fdtable_cache_free(cache);
	fdtable_cache_free(NULL);
	ltsock_vec_free(&dump);
	rm_tree();
}
END_TEST

/* The census's inode index, 32-bit slots: inodes spread over 32 bits
 * present and absent, an fd's inode wider than 32 bits whose low bits are
 * a census inode's (not it), and a second census (nothing of the first
 * kept). */
START_TEST(test_cache_inode_index)
{
	struct fdtable_cache *cache = fdtable_cache_new(3);
	struct ltsock_vec v = { 0 };
	struct ltsock s;
	size_t i;

	ck_assert_ptr_nonnull(cache);
	ck_assert_int_eq(fdtable_cache_has(cache, 5), -1);	/* no census yet */
	memset(&s, 0, sizeof(s));
	for (i = 0; i < 3000; i++) {
		s.inode = (uint32_t)(4026531840ULL - i * 7919);
		ck_assert_int_eq(ltsock_vec_push(&v, &s), 0);
	}
	s.inode = 0;	/* no fd holds it: never indexed */
	ck_assert_int_eq(ltsock_vec_push(&v, &s), 0);
	ck_assert_int_eq(fdtable_cache_index(cache, &v), 0);
	for (i = 0; i < 3000; i++) {
		ck_assert_int_eq(fdtable_cache_has(cache, 4026531840ULL - i * 7919), 1);
		ck_assert_int_eq(fdtable_cache_has(cache, 4026531840ULL - i * 7919 + 1), 0);
	}
	ck_assert_int_eq(fdtable_cache_has(cache, 0), 0);
	ck_assert_int_eq(fdtable_cache_has(cache, (1ULL << 33) | 4026531840ULL), 0);
	ck_assert_int_eq(fdtable_cache_has(cache, UINT64_MAX), 0);
	/* the next census: only two inodes */
	v.n = 0;
	s.inode = 42;
	ck_assert_int_eq(ltsock_vec_push(&v, &s), 0);
	s.inode = 43;
	ck_assert_int_eq(ltsock_vec_push(&v, &s), 0);
	ck_assert_int_eq(fdtable_cache_index(cache, &v), 0);
	ck_assert_int_eq(fdtable_cache_has(cache, 42), 1);
	ck_assert_int_eq(fdtable_cache_has(cache, 43), 1);
	ck_assert_int_eq(fdtable_cache_has(cache, 4026531840ULL), 0);
	ltsock_vec_free(&v);
	fdtable_cache_free(cache);
}
END_TEST

Suite *fdtable_suite(void)
{
	Suite *s = suite_create("fdtable");
	TCase *tc = tcase_create("census");

	tcase_add_test(tc, test_socket_inode);
	tcase_add_test(tc, test_census_all);
	tcase_add_test(tc, test_census_pids);
	tcase_add_test(tc, test_census_hidden);
	tcase_add_test(tc, test_census_bad_root);
	tcase_add_test(tc, test_classify);
	tcase_add_test(tc, test_read_table);
	tcase_add_test(tc, test_census_cache);
	tcase_add_test(tc, test_cache_inode_index);
	suite_add_tcase(s, tc);
	return s;
}
