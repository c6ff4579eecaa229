/*
 * Unit tests of the BPF layer's pure part (core/ltbpf_owners.c): made-up
 * task_file records parsed into the owner census, and checked against the
 * census the /proc scan (core/fdtable.c) gives for the same fd tables.
 * One test reads the real iterator, where the build and the kernel allow.
 */
#include <errno.h>
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_suites.h"
#include "leaktop/fallback.h"
#include "leaktop/fdtable.h"
#include "leaktop/ltbpf_owners.h"
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

/* The real iterator against the /proc scan, for this process holding a
 * socket pair; skipped where the build or the kernel has no BPF. */
START_TEST(test_live)
{
	struct lt_err err = { "" };
	struct fd_census viabpf, viaproc;
	struct proc_info me;
	struct proc_list one = { &me, 1, 1, NULL };
	struct ltbpf *b;
	int sv[2], pid = getpid();

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
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	memset(&me, 0, sizeof(me));
	me.pid = pid;
	ck_assert_int_eq(fdtable_census("/proc", &pid, 1, &viaproc, &err), 0);
	/* the whole machine, then this process's iterator alone */
	ck_assert_int_eq(ltbpf_owners_census(b, &one, 0, &viabpf, &err), 0);
	ck_assert_uint_ge(viabpf.nowners, 2);
	same_census(&viabpf, &viaproc, 0);
	fdtable_census_free(&viabpf);
	ck_assert_int_eq(ltbpf_owners_census(b, &one, 1, &viabpf, &err), 0);
	same_census(&viabpf, &viaproc, 0);
	close(sv[0]);
	close(sv[1]);
	fdtable_census_free(&viabpf);
	fdtable_census_free(&viaproc);
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
	tcase_add_test(tc, test_forced_off);
	suite_add_tcase(s, tc);
	return s;
}
