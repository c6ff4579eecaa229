/*
 * Unit tests of core/procs.c parsers (limits, stat, cmdline), of a process
 * scan over a fixture /proc tree built at test time, and of the process
 * table across a pid reuse.
 */
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_suites.h"
#include "leaktop/fallback.h"
#include "leaktop/procs.h"

static const char limits_6x[] =
	"Limit                     Soft Limit           Hard Limit           Units     \n"
	"Max cpu time              unlimited            unlimited            seconds   \n"
	"Max open files            1024                 524288               files     \n"
	"Max locked memory         8388608              8388608              bytes     \n";

START_TEST(test_limits)
{
	struct lt_err err = { "" };
	int64_t soft = 0, hard = 0;
	char *cut;

	ck_assert_int_eq(procs_parse_limits(limits_6x, strlen(limits_6x), &soft, &hard, &err), 0);
	ck_assert_int_eq(soft, 1024);
	ck_assert_int_eq(hard, 524288);
	ck_assert_int_eq(procs_parse_limits("Max open files            unlimited            unlimited            files\n",
					    84, &soft, &hard, &err), 0);
	ck_assert_int_eq(soft, -1);
	ck_assert_int_eq(hard, -1);
	ck_assert_int_eq(procs_parse_limits("Max open files   12x   34   files\n", 34, &soft,
					    &hard, &err), -EBADMSG);
	ck_assert_int_eq(procs_parse_limits("Max cpu time  1 1\n", 18, &soft, &hard, &err),
			 -EBADMSG);
	ck_assert_ptr_ne(strstr(err.msg, "Max open files"), NULL);
	/* cut inside the line: refused, not a smaller number */
	cut = strndup(limits_6x, (size_t)(strstr(limits_6x, "524288") - limits_6x) + 3);
	ck_assert_int_eq(procs_parse_limits(cut, strlen(cut), &soft, &hard, &err), -EBADMSG);
	free(cut);
}
END_TEST

START_TEST(test_stat)
{
	/* a comm with spaces and parentheses, as a hostile process may set */
	static const char stat[] =
		"4242 (we ird) (x) S 1 4242 4242 0 -1 4194560 120 0 0 0 3 1 0 0 20 0 1 0 "
		"987654 10485760 300 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
	struct lt_err err = { "" };
	uint64_t start = 0;
	int32_t ppid = 0;
	char comm[64];

	ck_assert_int_eq(procs_parse_stat(stat, strlen(stat), comm, sizeof(comm), &ppid,
					  &start, &err), 0);
	ck_assert_str_eq(comm, "we ird) (x");
	ck_assert_int_eq(ppid, 1);
	ck_assert_uint_eq(start, 987654);
	ck_assert_int_eq(procs_parse_stat("12 (x) S 1 2 3\n", 15, comm, sizeof(comm), &ppid,
					  &start, &err), -EBADMSG);
	ck_assert_int_eq(procs_parse_stat("12 x S 1\n", 9, comm, sizeof(comm), &ppid,
					  &start, &err), -EBADMSG);
}
END_TEST

static void putn(const char *root, const char *rel, const char *text, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	ck_assert_ptr_ne(f, NULL);
	fwrite(text, 1, len, f);
	fclose(f);
}

static void put(const char *root, const char *rel, const char *text)
{
	putn(root, rel, text, strlen(text));
}

START_TEST(test_scan_fixture)
{
	char root[] = "/tmp/leaktop-procs.XXXXXX", path[600], cmd[700];
	struct lt_err err = { "" };
	const struct proc_info *p;
	struct proc_list l;
	int pids[] = { 77 };
	int i;

	ck_assert_ptr_ne(mkdtemp(root), NULL);
	put(root, "uptime", "1000.00 1900.00\n");
	snprintf(path, sizeof(path), "%s/77", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/77/fd", root);
	mkdir(path, 0755);
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/77/fd/%d", root, i);
		ck_assert_int_eq(symlink("socket:[1]", path), 0);
	}
	put(root, "77/stat", "77 (gshell) S 1 77 77 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5000 0 0\n");
	put(root, "77/status", "Name:\tgshell\nUid:\t1000\t1000\t1000\t1000\n");
	putn(root, "77/cmdline", "gshell\0--port\0" "8080", 19);
	put(root, "77/limits", limits_6x);
	snprintf(path, sizeof(path), "%s/88", root);
	mkdir(path, 0755);	/* no stat: vanished mid-scan, skipped */

	ck_assert_int_eq(procs_scan(root, NULL, 0, &l, &err), 0);
	ck_assert_uint_eq(l.n, 1);
	p = procs_find(&l, 77);
	ck_assert_ptr_ne(p, NULL);
	ck_assert_str_eq(p->comm, "gshell");
	ck_assert_int_eq(p->ppid, 1);
	ck_assert_uint_eq(p->uid, 1000);
	ck_assert_uint_eq(p->start_ticks, 5000);
	ck_assert_str_eq(p->cmdline, "gshell --port 8080");
	ck_assert_int_eq(p->nfds, 3);
	ck_assert_int_eq(p->fd_soft, 1024);
	ck_assert_int_eq(p->fd_hard, 524288);
	ck_assert_ptr_eq(procs_find(&l, 88), NULL);
	procs_list_free(&l);
	procs_list_free(&l);
	ck_assert_int_eq(procs_scan(root, pids, 1, &l, &err), 0);
	ck_assert_uint_eq(l.n, 1);
	procs_list_free(&l);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(test_live_self)
{
	struct lt_err err = { "" };
	struct proc_list l;
	int me = getpid();
	const struct proc_info *p;

	ck_assert_int_eq(procs_scan("/proc", &me, 1, &l, &err), 0);
	p = procs_find(&l, me);
	ck_assert_ptr_ne(p, NULL);
	ck_assert_int_gt(p->nfds, 2);
	ck_assert_int_gt(p->fd_soft, 0);
	ck_assert_uint_gt(p->netns, 0);
	/* the scan's table held /proc open while it counted: one fd more
	 * than now */
	ck_assert_int_eq(procs_count_fds("/proc", me, 1), p->nfds - 1);
	/* counting the entries opens the directory: one more fd, our own */
	ck_assert_int_eq(procs_count_fds("/proc", me, 0), p->nfds);
	ck_assert(procs_is_procfs("/proc"));
	ck_assert(!procs_is_procfs("/tmp"));
	/* -p's check: ourselves and pid 1 exist; pid_max itself is never a pid */
	ck_assert(procs_pid_exists("/proc", me));
	ck_assert(procs_pid_exists("/proc", 1));
	{
		FILE *f = fopen("/proc/sys/kernel/pid_max", "r");
		int max = 0;

		ck_assert_ptr_ne(f, NULL);
		ck_assert_int_eq(fscanf(f, "%d", &max), 1);
		fclose(f);
		ck_assert(!procs_pid_exists("/proc", max));
	}
	procs_list_free(&l);
}
END_TEST

/* A fixture process: pid dir with stat (comm, start), limits, n fds. */
static void fixture_proc(const char *root, int pid, const char *comm, unsigned start, int nfds)
{
	char path[600], rel[64], text[256];
	int i;

	snprintf(path, sizeof(path), "%s/%d", root, pid);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%d/fd", root, pid);
	mkdir(path, 0755);
	for (i = 0; i < nfds; i++) {
		snprintf(path, sizeof(path), "%s/%d/fd/%d", root, pid, i);
		ck_assert_int_eq(symlink("/dev/null", path), 0);
	}
	snprintf(rel, sizeof(rel), "%d/stat", pid);
	snprintf(text, sizeof(text), "%d (%s) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 %u 0 0\n",
		 pid, comm, start);
	put(root, rel, text);
	snprintf(rel, sizeof(rel), "%d/limits", pid);
	put(root, rel, limits_6x);
}

/* The table keeps a process between updates and starts over when its pid
 * is reused: a new directory (inode) with other start ticks. */
START_TEST(test_table_reuse)
{
	char root[] = "/tmp/leaktop-ptab.XXXXXX", cmd[700];
	struct procs_table_config cfg = { .pss_every = -1 };
	struct lt_err err = { "" };
	const struct proc_info *p;
	struct procs_table *t;
	struct proc_list l;

	ck_assert_ptr_ne(mkdtemp(root), NULL);
	put(root, "uptime", "1000.00 1900.00\n");
	fixture_proc(root, 42, "leaker", 5000, 3);
	fixture_proc(root, 43, "quiet", 5001, 1);
	t = procs_table_new(root, &cfg);
	ck_assert_ptr_ne(t, NULL);
	ck_assert_int_eq(procs_table_update(t, 100, NULL, 0, &l, &err), 0);
	ck_assert_uint_eq(l.n, 2);
	p = procs_find(&l, 42);
	ck_assert_str_eq(p->comm, "leaker");
	ck_assert_int_eq(p->nfds, 3);
	ck_assert(p->fds_fresh);
	procs_list_free(&l);

	/* pid 42 exits and is reused by another program */
	ck_assert(procs_pid_exists(root, 42));
	snprintf(cmd, sizeof(cmd), "rm -rf '%s/42'", root);
	ck_assert_int_eq(system(cmd), 0);
	/* under a procfs root, a pid exists while its directory does */
	ck_assert(!procs_pid_exists(root, 42));
	ck_assert(procs_pid_exists(root, 43));
	ck_assert_int_eq(procs_table_update(t, 101, NULL, 0, &l, &err), 0);
	ck_assert_uint_eq(l.n, 1);
	procs_list_free(&l);
	fixture_proc(root, 42, "reuser", 6000, 7);
	ck_assert_int_eq(procs_table_update(t, 102, NULL, 0, &l, &err), 0);
	p = procs_find(&l, 42);
	ck_assert_ptr_ne(p, NULL);
	ck_assert_str_eq(p->comm, "reuser");
	ck_assert_uint_eq(p->start_ticks, 6000);
	ck_assert_int_eq(p->nfds, 7);
	ck_assert(p->fds_fresh);
	/* refresh_every 0: every process is read every update */
	ck_assert(procs_find(&l, 43)->fds_fresh);
	procs_list_free(&l);
	procs_table_free(t);
	procs_table_free(NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* A fact as the task iterator gives it. */
static struct proc_fact fact(int pid, const char *comm, uint64_t start)
{
	struct proc_fact f;

	memset(&f, 0, sizeof(f));
	f.pid = pid;
	f.ppid = 7;
	f.uid = 4242;
	f.start_ticks = start;
	f.netns = 999;
	f.cgroup_id = 55;
	f.have_limits = 1;
	f.fd_soft = 3333;
	f.fd_hard = -1;
	snprintf(f.comm, sizeof(f.comm), "%s", comm);
	return f;
}

/* Facts given for an update stand for stat, the owner, limits and ns/net
 * of the processes they list; the others, and a kernel thread's name, come
 * from the files; the facts hold for that update only; a fact with other
 * start ticks is a new instance of the pid. */
START_TEST(test_table_facts)
{
	char root[] = "/tmp/leaktop-pfact.XXXXXX", cmd[700];
	struct procs_table_config cfg = { .pss_every = -1 };
	struct proc_fact fv[2];
	struct proc_facts facts = { fv, 2, 2 };
	struct lt_err err = { "" };
	const struct proc_info *p;
	struct procs_table *t;
	struct proc_list l;

	ck_assert_ptr_ne(mkdtemp(root), NULL);
	put(root, "uptime", "1000.00 1900.00\n");
	fixture_proc(root, 42, "leaker", 5000, 3);
	fixture_proc(root, 43, "quiet", 5001, 1);
	fixture_proc(root, 44, "kworker/0:1-events", 5002, 0);
	fv[0] = fact(42, "fromfacts", 5000);
	fv[1] = fact(44, "kworker/0:1", 5002);
	fv[1].kthread = 1;
	t = procs_table_new(root, &cfg);
	ck_assert_ptr_ne(t, NULL);
	procs_table_facts(t, &facts);
	ck_assert_int_eq(procs_table_update(t, 100, NULL, 0, &l, &err), 0);
	ck_assert_uint_eq(l.n, 3);
	p = procs_find(&l, 42);
	ck_assert_str_eq(p->comm, "fromfacts");
	ck_assert_int_eq(p->ppid, 7);
	ck_assert_uint_eq(p->uid, 4242);
	ck_assert_uint_eq(p->start_ticks, 5000);
	ck_assert_uint_eq(p->netns, 999);
	ck_assert_int_eq(p->fd_soft, 3333);
	ck_assert_int_eq(p->fd_hard, -1);
	ck_assert_uint_eq(p->cgroup_id, 55);
	ck_assert_int_eq(p->nfds, 3);	/* the fd count is still the directory's */
	p = procs_find(&l, 43);		/* no fact: its files */
	ck_assert_str_eq(p->comm, "quiet");
	ck_assert_int_eq(p->ppid, 1);
	ck_assert_uint_eq(p->netns, 0);
	ck_assert_int_eq(p->fd_soft, 1024);
	ck_assert_int_eq(p->fd_hard, 524288);
	ck_assert_uint_eq(p->cgroup_id, 0);
	p = procs_find(&l, 44);		/* a kernel thread: stat's name */
	ck_assert_str_eq(p->comm, "kworker/0:1-events");
	ck_assert_uint_eq(p->netns, 999);
	procs_list_free(&l);

	/* no facts: that update reads the files, and no cgroup id is known */
	ck_assert_int_eq(procs_table_update(t, 101, NULL, 0, &l, &err), 0);
	p = procs_find(&l, 42);
	ck_assert_str_eq(p->comm, "leaker");
	ck_assert_uint_eq(p->cgroup_id, 0);
	procs_list_free(&l);

	/* the pid was reused: the facts' start ticks differ, a new instance */
	fv[0] = fact(42, "reuser", 6000);
	fv[0].netns = 1001;
	procs_table_facts(t, &facts);
	ck_assert_int_eq(procs_table_update(t, 102, NULL, 0, &l, &err), 0);
	p = procs_find(&l, 42);
	ck_assert_str_eq(p->comm, "reuser");
	ck_assert_uint_eq(p->start_ticks, 6000);
	ck_assert_uint_eq(p->netns, 1001);
	procs_list_free(&l);
	/* batch mode (refresh_every 0) reads every process every update */
	ck_assert(procs_table_wants_facts(t));
	procs_table_free(t);

	/* a table that spreads its reads wants facts for its first update only */
	cfg.refresh_every = 5;
	t = procs_table_new(root, &cfg);
	ck_assert(procs_table_wants_facts(t));
	ck_assert_int_eq(procs_table_update(t, 100, NULL, 0, &l, &err), 0);
	procs_list_free(&l);
	ck_assert(!procs_table_wants_facts(t));
	procs_table_free(t);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* /proc/PID/status as 3.10 writes it: no Umask (4.7), NSpid (4.1),
 * CapAmb (4.3), NoNewPrivs (4.10) or Speculation lines; Uid: moved down
 * after TracerPid as it still is.  The owner comes from its Uid: line on a
 * fixture tree.  The limits file of 3.10 has the same layout as today. */
static const char status_3_10[] =
	"Name:\tleakd\n"
	"State:\tS (sleeping)\n"
	"Tgid:\t42\n"
	"Pid:\t42\n"
	"PPid:\t1\n"
	"TracerPid:\t0\n"
	"Uid:\t998\t997\t997\t997\n"
	"Gid:\t996\t996\t996\t996\n"
	"FDSize:\t64\n"
	"Groups:\t996 \n"
	"VmPeak:\t  115432 kB\n"
	"VmSize:\t  115340 kB\n"
	"VmLck:\t       0 kB\n"
	"VmPin:\t       0 kB\n"
	"VmHWM:\t    2016 kB\n"
	"VmRSS:\t    2016 kB\n"
	"VmData:\t     380 kB\n"
	"VmStk:\t     136 kB\n"
	"VmExe:\t     888 kB\n"
	"VmLib:\t    2224 kB\n"
	"VmPTE:\t      52 kB\n"
	"VmSwap:\t       0 kB\n"
	"Threads:\t1\n"
	"SigQ:\t0/15063\n"
	"SigPnd:\t0000000000000000\n"
	"ShdPnd:\t0000000000000000\n"
	"SigBlk:\t0000000000000000\n"
	"SigIgn:\t0000000000000004\n"
	"SigCgt:\t000000004b813efb\n"
	"CapInh:\t0000000000000000\n"
	"CapPrm:\t0000000000000000\n"
	"CapEff:\t0000000000000000\n"
	"CapBnd:\t0000001fffffffff\n"
	"Seccomp:\t0\n"
	"Cpus_allowed:\t3\n"
	"Cpus_allowed_list:\t0-1\n"
	"Mems_allowed:\t00000000,00000001\n"
	"Mems_allowed_list:\t0\n"
	"voluntary_ctxt_switches:\t150\n"
	"nonvoluntary_ctxt_switches:\t3\n";

START_TEST(test_status_3_10)
{
	char root[] = "/tmp/leaktop-p310.XXXXXX", cmd[700];
	struct procs_table_config cfg = { .pss_every = 0 };
	struct lt_err err = { "" };
	const struct proc_info *p;
	struct procs_table *t;
	struct proc_list l;

	ck_assert_ptr_ne(mkdtemp(root), NULL);
	put(root, "uptime", "1000.00 1900.00\n");
	fixture_proc(root, 42, "leakd", 5000, 4);
	put(root, "42/status", status_3_10);
	/* no smaps_rollup before 4.14: the process has only smaps */
	put(root, "42/smaps", "00400000-00401000 r-xp 00000000 fd:00 7 /usr/sbin/leakd\n"
	    "Pss:                 12 kB\n"
	    "01d3c000-01d5d000 rw-p 00000000 00:00 0 [heap]\n"
	    "Pss:                 96 kB\n");
	fallback_reset();
	t = procs_table_new(root, &cfg);
	ck_assert_ptr_ne(t, NULL);
	ck_assert_int_eq(procs_table_update(t, 100, NULL, 0, &l, &err), 0);
	p = procs_find(&l, 42);
	ck_assert_ptr_ne(p, NULL);
	ck_assert_uint_eq(p->uid, 997);	/* the effective uid */
	ck_assert_int_eq(p->nfds, 4);
	ck_assert_uint_eq(p->pss, 0);	/* no rollup, and no fallback yet */
	procs_list_free(&l);
	procs_table_free(t);
	ck_assert_int_eq(fallback_init("smaps_rollup", &err), 0);
	t = procs_table_new(root, &cfg);
	ck_assert_int_eq(procs_table_update(t, 100, NULL, 0, &l, &err), 0);
	p = procs_find(&l, 42);
	ck_assert_uint_eq(p->pss, 108 * 1024);
	procs_list_free(&l);
	procs_table_free(t);
	fallback_reset();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* With the fd_size fallback forced, fds are counted by listing, as before
 * 6.2: the same count. */
START_TEST(test_fd_size_fallback)
{
	struct lt_err err = { "" };
	int me = getpid(), by_size, by_list;

	fallback_reset();
	by_size = procs_count_fds("/proc", me, 1);
	ck_assert_int_eq(fallback_init("fd_size", &err), 0);
	by_list = procs_count_fds("/proc", me, 1);
	fallback_reset();
	/* listing opens the directory: one fd more, our own */
	ck_assert_int_gt(by_size, 2);
	ck_assert_int_eq(by_list, by_size + 1);
}
END_TEST

START_TEST(test_cmdline_clean)
{
	char a[] = "a\tb\nc\001d\177e\xc3\xa9" "f\xffg\0h\0";
	char b[] = "a\tb\nc\001d\177e\xc3\xa9" "f\xffg\0h\0";

	/* as libproc2 shows it: in the C locale, and in a UTF-8 one */
	procs_cmdline_clean(a, sizeof(a) - 1, 0);
	ck_assert_str_eq(a, "a.b c.d.e??f?g h");
	if (!setlocale(LC_CTYPE, "C.UTF-8"))
		return;	/* no UTF-8 locale here: iswprint knows no é */
	procs_cmdline_clean(b, sizeof(b) - 1, 1);
	setlocale(LC_CTYPE, "C");
	ck_assert_str_eq(b, "a?b c?d?e\xc3\xa9" "f?g h");
}
END_TEST

Suite *procs_suite(void)
{
	Suite *s = suite_create("procs");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_stat);
	tcase_add_test(tc, test_scan_fixture);
	tcase_add_test(tc, test_live_self);
	tcase_add_test(tc, test_table_reuse);
	tcase_add_test(tc, test_table_facts);
	tcase_add_test(tc, test_cmdline_clean);
	tcase_add_test(tc, test_status_3_10);
	tcase_add_test(tc, test_fd_size_fallback);
	suite_add_tcase(s, tc);
	return s;
}
