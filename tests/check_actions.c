/*
 * Unit tests for core/actions.c and core/actions/: the table of actions,
 * the undo state format (round trips and corrupt input), the
 * /proc/PID/stat start time, the safety rules and the preview text on fake
 * targets, the audit line; then live runs on sockets of a child process
 * this test forks (drop-filter and undo, a saved filter restored, a locked
 * filter, an eBPF program, a swapped fd, a reused pid, a corrupt state
 * file, the audit hook, the audit file's intent and outcome lines); the
 * prlimit verdict on injected observations.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "check_suites.h"
#include "leaktop/actions.h"

#ifndef SO_MEMINFO
#define SO_MEMINFO 55
#endif

/* Also declared in check_suites.h, where check_main.c finds it. */
Suite *actions_suite(void);

/* ---- pure parts ---------------------------------------------------------- */

START_TEST(test_kind_names)
{
	int k;

	for (k = ACTIONS_NONE + 1; k < ACTIONS_NKINDS; k++)
		ck_assert_int_eq(actions_kind_parse(actions_kind_name((enum actions_kind)k)), k);
	ck_assert_int_eq(actions_kind_parse("drop-filter"), ACTIONS_DROP_FILTER);
	ck_assert_int_eq(actions_kind_parse("undo-fd-limit"), ACTIONS_UNDO_FD_LIMIT);
	ck_assert_int_eq(actions_kind_parse("drop"), ACTIONS_NONE);
	ck_assert_int_eq(actions_kind_parse(""), ACTIONS_NONE);
	ck_assert_int_eq(actions_kind_parse(NULL), ACTIONS_NONE);
	ck_assert_int_eq(actions_kind_undo(ACTIONS_DROP_FILTER), ACTIONS_UNDO_FILTER);
	ck_assert_int_eq(actions_kind_undo(ACTIONS_SHRINK_RCVBUF), ACTIONS_UNDO_RCVBUF);
	ck_assert_int_eq(actions_kind_undo(ACTIONS_RAISE_FD_LIMIT), ACTIONS_UNDO_FD_LIMIT);
	ck_assert_int_eq(actions_kind_undo(ACTIONS_DRAIN), ACTIONS_NONE);
	ck_assert_int_eq(actions_kind_needs_fd(ACTIONS_DRAIN), 1);
	ck_assert_int_eq(actions_kind_needs_fd(ACTIONS_RAISE_FD_LIMIT), 0);
	ck_assert_str_eq(actions_kind_name((enum actions_kind)99), "?");
}
END_TEST

/* The command line of an action, complete: what the postmortem prints to
 * undo an action, and what it suggests. */
START_TEST(test_kind_command)
{
	char b[128];

	ck_assert_str_eq(actions_kind_command(ACTIONS_UNDO_FILTER, 812, 3, 4415, 1, b, sizeof(b)),
			 "leaktop --act undo-filter --pid 812 --fd 3 --inode 4415 --yes");
	ck_assert_str_eq(actions_kind_command(ACTIONS_DROP_FILTER, 812, 0, 0, 0, b, sizeof(b)),
			 "leaktop --act drop-filter --pid 812 --fd 0");
	/* process-wide: no fd, no inode, whatever the finding had */
	ck_assert_str_eq(actions_kind_command(ACTIONS_UNDO_FD_LIMIT, 9, 4, 77, 1, b, sizeof(b)),
			 "leaktop --act undo-fd-limit --pid 9 --yes");
	ck_assert_str_eq(actions_kind_command(ACTIONS_RAISE_FD_LIMIT, 9, -1, 0, 0, b, sizeof(b)),
			 "leaktop --act raise-fd-limit --pid 9");
	/* drain, carried out, needs its second confirmation */
	ck_assert_str_eq(actions_kind_command(ACTIONS_DRAIN, 5, 6, 7, 1, b, sizeof(b)),
			 "leaktop --act drain --pid 5 --fd 6 --inode 7 --confirm-drain --yes");
	/* cut, never overrun */
	ck_assert_str_eq(actions_kind_command(ACTIONS_DRAIN, 5, 6, 7, 1, b, 14), "leaktop --act");
}
END_TEST

/* The table of actions: every kind complete, and each undo the partner of
 * its action (same target, same undo state file). */
START_TEST(test_kind_table)
{
	char a[96], b[96];
	int k, j;

	for (k = ACTIONS_NONE + 1; k < ACTIONS_NKINDS; k++) {
		enum actions_kind kind = (enum actions_kind)k, u = actions_kind_undo(kind);

		ck_assert_str_ne(actions_kind_name(kind), "?");
		ck_assert_str_ne(actions_kind_effect(kind), "");
		for (j = ACTIONS_NONE + 1; j < k; j++)
			ck_assert_str_ne(actions_kind_name((enum actions_kind)j),
					 actions_kind_name(kind));
		if (u == ACTIONS_NONE)
			continue;
		ck_assert_int_eq(actions_kind_undo(u), ACTIONS_NONE);
		ck_assert_int_eq(actions_kind_needs_fd(u), actions_kind_needs_fd(kind));
		ck_assert_int_eq(actions_state_name(kind, 1, 2, 3, 4, a, sizeof(a)), 0);
		ck_assert_int_eq(actions_state_name(u, 1, 2, 3, 4, b, sizeof(b)), 0);
		ck_assert_str_eq(a, b);
	}
	ck_assert_int_eq(actions_kind_needs_confirm(ACTIONS_DRAIN), 1);
	ck_assert_int_eq(actions_kind_needs_confirm(ACTIONS_DROP_FILTER), 0);
	ck_assert_int_eq(actions_kind_needs_confirm(ACTIONS_NONE), 0);
	ck_assert_str_eq(actions_kind_effect(ACTIONS_NONE), "");
	ck_assert_str_eq(actions_kind_effect((enum actions_kind)99), "");
}
END_TEST

START_TEST(test_stat_start)
{
	uint64_t t = 0;

	ck_assert_int_eq(actions_parse_stat_start("1234 (leak_udp) S 1 1234 1234 0 -1 4194560 "
		"100 0 0 0 1 2 0 0 20 0 1 0 220542 2469888 300 184467", &t), 0);
	ck_assert_uint_eq(t, 220542);
	/* a hostile comm with ") (" and spaces: the last ')' ends it */
	ck_assert_int_eq(actions_parse_stat_start("7 (a) b ) S 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 "
		"20 0 1 0 424242 0 0\n", &t), 0);
	ck_assert_uint_eq(t, 424242);
	ck_assert_int_eq(actions_parse_stat_start("7 (x) S 1 2 3", &t), -EBADMSG);
	ck_assert_int_eq(actions_parse_stat_start("no paren", &t), -EBADMSG);
	ck_assert_int_eq(actions_parse_stat_start("7 (x) S 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 "
		"12x 0", &t), -EBADMSG);
}
END_TEST

/* a classic filter that accepts everything, in four instructions */
static const struct sock_filter classic[4] = {
	BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0),
	BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, 100, 1, 0),
	BPF_STMT(BPF_RET | BPF_K, 0xffffffff),
	BPF_STMT(BPF_RET | BPF_K, 0xffffffff),
};

START_TEST(test_state_roundtrip)
{
	struct actions_state st, back;
	struct lt_err err = { "" };
	char *text;
	size_t len;

	memset(&st, 0, sizeof(st));
	st.kind = ACTIONS_DROP_FILTER;
	st.pid = 4321;
	st.start_ticks = 987654321;
	st.fd = 7;
	st.inode = 123456;
	st.time = 1700000000;
	st.filter_len = 4;
	st.filter = (struct sock_filter *)classic;
	ck_assert_int_eq(actions_state_encode(&st, &text, &len), 0);
	ck_assert_ptr_nonnull(strstr(text, "insn 0080 00 00 00000000\n"));
	ck_assert_ptr_nonnull(strstr(text, "insn 0025 01 00 00000064\n"));
	ck_assert_ptr_nonnull(strstr(text, "insn 0006 00 00 ffffffff\n"));
	memset(&back, 0, sizeof(back));
	ck_assert_int_eq(actions_state_decode(text, len, &back, &err), 0);
	ck_assert_int_eq(back.kind, ACTIONS_DROP_FILTER);
	ck_assert_int_eq(back.pid, 4321);
	ck_assert_uint_eq(back.start_ticks, 987654321);
	ck_assert_int_eq(back.fd, 7);
	ck_assert_uint_eq(back.inode, 123456);
	ck_assert_uint_eq(back.filter_len, 4);
	ck_assert_mem_eq(back.filter, classic, sizeof(classic));
	actions_state_clear(&back);
	free(text);

	/* no filter before: an empty list */
	st.filter_len = 0;
	st.filter = NULL;
	ck_assert_int_eq(actions_state_encode(&st, &text, &len), 0);
	ck_assert_int_eq(actions_state_decode(text, len, &back, &err), 0);
	ck_assert_uint_eq(back.filter_len, 0);
	ck_assert_ptr_null(back.filter);
	free(text);

	memset(&st, 0, sizeof(st));
	st.kind = ACTIONS_SHRINK_RCVBUF;
	st.pid = 1;
	st.start_ticks = 2;
	st.fd = 3;
	st.inode = 4;
	st.old_rcvbuf = 212992;
	st.new_rcvbuf = 2304;
	ck_assert_int_eq(actions_state_encode(&st, &text, &len), 0);
	ck_assert_int_eq(actions_state_decode(text, len, &back, &err), 0);
	ck_assert_uint_eq(back.old_rcvbuf, 212992);
	ck_assert_uint_eq(back.new_rcvbuf, 2304);
	free(text);

	memset(&st, 0, sizeof(st));
	st.kind = ACTIONS_RAISE_FD_LIMIT;
	st.pid = 1;
	st.start_ticks = 2;
	st.fd = -1;
	st.old_soft = 128;
	st.old_hard = 524288;
	st.new_soft = 524288;
	st.new_hard = ACTIONS_UNLIMITED;
	ck_assert_int_eq(actions_state_encode(&st, &text, &len), 0);
	ck_assert_ptr_nonnull(strstr(text, "limits 128 524288 524288 unlimited\n"));
	ck_assert_int_eq(actions_state_decode(text, len, &back, &err), 0);
	ck_assert_int_eq(back.fd, -1);
	ck_assert_uint_eq(back.old_soft, 128);
	ck_assert_uint_eq(back.new_hard, ACTIONS_UNLIMITED);
	free(text);
	actions_state_clear(&back);
}
END_TEST

#define HDR "leaktop-undo 1\naction drop-filter\npid 10\nstart 20\nfd 3\ninode 99\ntime 5\n"
#define RHDR "leaktop-undo 1\naction shrink-rcvbuf\npid 10\nstart 20\nfd 3\ninode 99\ntime 5\n"
#define LHDR "leaktop-undo 1\naction raise-fd-limit\npid 10\nstart 20\nfd -1\ninode 0\ntime 5\n"

START_TEST(test_state_corrupt)
{
	static const char *const bad[] = {
		"",
		"garbage\n",
		"leaktop-undo 2\n",
		"leaktop-undo 1",				/* no newline */
		"leaktop-undo 1\naction drain\n",		/* no state for drain */
		"leaktop-undo 1\naction drop-filter\npid x\n",
		"leaktop-undo 1\naction drop-filter\npid 0\nstart 20\nfd 3\ninode 99\ntime 5\n"
			"filter 0\nend\n",			/* pid 0 */
		HDR "filter 1\nend\n",				/* instruction missing */
		HDR "filter 2\ninsn 0006 00 00 00000000\nend\n",
		HDR "filter 1\ninsn 006 00 00 00000000\nend\n",	/* short code */
		HDR "filter 1\ninsn 0006 00 00 0000000g\nend\n",
		HDR "filter 1\ninsn 0006 00 00 00000000 extra\nend\n",
		HDR "filter 4097\nend\n",			/* > BPF_MAXINSNS */
		HDR "filter 99999999999999999999999\nend\n",
		HDR "filter 0\n",				/* no end */
		HDR "filter 0\nend",				/* end without newline */
		HDR "filter 0\nend\nmore\n",			/* trailing data */
		HDR "filter -1\nend\n",
		RHDR "rcvbuf 212992\nend\n",
		RHDR "rcvbuf 0 2304\nend\n",
		RHDR "rcvbuf 212992 2304 1\nend\n",
		LHDR "limits 128 64 256 256\nend\n",		/* soft > hard */
		LHDR "limits 128 256 256\nend\n",
		"leaktop-undo 1\naction raise-fd-limit\npid 10\nstart 20\nfd 3\ninode 0\ntime 5\n"
			"limits 1 2 3 4\nend\n",		/* fd for a process action */
		"leaktop-undo 1\naction drop-filter\npid 10\nstart 20\nfd -1\ninode 0\ntime 5\n"
			"filter 0\nend\n",			/* no fd for a socket action */
	};
	struct actions_state st;
	struct lt_err err;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&st, 0x5a, sizeof(st));
		err.msg[0] = '\0';
		ck_assert_msg(actions_state_decode(bad[i], strlen(bad[i]), &st, &err) == -EBADMSG,
			      "accepted corrupt state #%zu", i);
		ck_assert_msg(err.msg[0] != '\0', "no cause for #%zu", i);
		ck_assert_ptr_null(st.filter);
		ck_assert_int_eq(st.kind, ACTIONS_NONE);
	}
	/* an embedded NUL */
	ck_assert_int_eq(actions_state_decode(HDR "filter 0\ne\0d\n", sizeof(HDR "filter 0\ne\0d\n") - 1,
					      &st, &err), -EBADMSG);
	/* the good one for comparison */
	ck_assert_int_eq(actions_state_decode(HDR "filter 0\nend\n", strlen(HDR "filter 0\nend\n"),
					      &st, &err), 0);
	/* every truncation of a valid file is refused, never read past len */
	{
		const char *good = HDR "filter 2\ninsn 0020 00 00 00000000\ninsn 0006 00 00 ffffffff\nend\n";
		size_t n = strlen(good), k;

		for (k = 0; k < n; k++) {
			char *copy = malloc(k ? k : 1);

			memcpy(copy, good, k);
			ck_assert_int_eq(actions_state_decode(copy, k, &st, &err), -EBADMSG);
			free(copy);
		}
		ck_assert_int_eq(actions_state_decode(good, n, &st, &err), 0);
		ck_assert_uint_eq(st.filter_len, 2);
		actions_state_clear(&st);
	}
}
END_TEST

START_TEST(test_state_names_and_files)
{
	char name[96], dir[] = "/tmp/lt-check-state.XXXXXX", path[256];
	struct actions_state st, back;
	struct lt_err err = { "" };
	FILE *f;

	ck_assert_int_eq(actions_state_name(ACTIONS_UNDO_FILTER, 10, 20, 3, 99, name,
					    sizeof(name)), 0);
	ck_assert_str_eq(name, "filter-10-20-3-99");
	ck_assert_int_eq(actions_state_name(ACTIONS_SHRINK_RCVBUF, 10, 20, 3, 99, name,
					    sizeof(name)), 0);
	ck_assert_str_eq(name, "rcvbuf-10-20-3-99");
	ck_assert_int_eq(actions_state_name(ACTIONS_UNDO_FD_LIMIT, 10, 20, -1, 0, name,
					    sizeof(name)), 0);
	ck_assert_str_eq(name, "fdlimit-10-20");
	/* a drain leaves a marker for the triage, not an undo state */
	ck_assert_int_eq(actions_state_name(ACTIONS_DRAIN, 10, 20, 3, 99, name, sizeof(name)),
			 0);
	ck_assert_str_eq(name, "drain-10-20-3-99");
	ck_assert_int_eq(actions_state_name(ACTIONS_NONE, 10, 20, 3, 99, name, sizeof(name)),
			 -EINVAL);
	ck_assert_int_eq(actions_state_name(ACTIONS_DROP_FILTER, 10, 20, 3, 99, name, 8),
			 -ENAMETOOLONG);

	ck_assert_ptr_nonnull(mkdtemp(dir));
	memset(&st, 0, sizeof(st));
	st.kind = ACTIONS_SHRINK_RCVBUF;
	st.pid = 10;
	st.start_ticks = 20;
	st.fd = 3;
	st.inode = 99;
	st.old_rcvbuf = 1000;
	st.new_rcvbuf = 500;
	ck_assert_int_eq(actions_state_load(dir, "rcvbuf-x", &back, &err), -ENOENT);
	ck_assert_int_eq(actions_state_save(dir, "rcvbuf-x", &st, &err), 0);
	ck_assert_int_eq(actions_state_load(dir, "rcvbuf-x", &back, &err), 0);
	ck_assert_uint_eq(back.old_rcvbuf, 1000);
	snprintf(path, sizeof(path), "%s/rcvbuf-x", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("leaktop-undo 1\naction shrink-rcvbuf\npid 1", f);
	fclose(f);
	ck_assert_int_eq(actions_state_load(dir, "rcvbuf-x", &back, &err), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(err.msg, "corrupt"));
	ck_assert_int_eq(actions_state_remove(dir, "rcvbuf-x"), 0);
	ck_assert_int_eq(actions_state_remove(dir, "rcvbuf-x"), 0);
	/* a symlink is not followed */
	ck_assert_int_eq(symlink("/etc/passwd", path), 0);
	ck_assert_int_ne(actions_state_load(dir, "rcvbuf-x", &back, &err), 0);
	unlink(path);
	rmdir(dir);
}
END_TEST

static struct actions_target fake_target(int family, int type, int protocol)
{
	struct actions_target t;

	memset(&t, 0, sizeof(t));
	t.pid = 4242;
	t.fd = 5;
	t.inode = 777;
	t.start_ticks = 1000;
	snprintf(t.comm, sizeof(t.comm), "victim");
	t.family = family;
	t.type = type;
	t.protocol = protocol;
	snprintf(t.proto, sizeof(t.proto), "%s", type == SOCK_STREAM ? "tcp" : "udp");
	snprintf(t.local, sizeof(t.local), "127.0.0.1:5000");
	return t;
}

static struct actions_figures fake_figures(void)
{
	struct actions_figures f;

	memset(&f, 0, sizeof(f));
	f.have = ACTIONS_HAVE_QUEUE | ACTIONS_HAVE_FILTER | ACTIONS_HAVE_LIMITS;
	f.rmem = f.recv_q = 100000;
	f.rcvbuf = 212992;
	f.fd_soft = 128;
	f.fd_hard = 4096;
	f.nfds = 128;
	return f;
}

/* Run actions_check; returns 0 / -EPERM and leaves the reason in why. */
static int chk(enum actions_kind kind, const struct actions_target *t,
	       const struct actions_figures *f, const struct actions_state *st,
	       char *why, size_t whysz)
{
	struct actions_request rq;

	memset(&rq, 0, sizeof(rq));
	rq.kind = kind;
	rq.pid = t->pid;
	rq.fd = t->fd;
	rq.value = -1;
	rq.confirm_drain = 1;
	return actions_check(&rq, t, f, st, why, whysz);
}

/* States of exited or reused pids are forgotten; live and corrupt ones stay. */
START_TEST(test_state_prune)
{
	char dir[] = "/tmp/lt-check-prune.XXXXXX", proc[300], path[400], name[96];
	struct actions_state st;
	struct lt_err err = { "" };
	struct stat sb;
	FILE *f;
	static const struct { int pid; uint64_t ticks; int kept; } cases[] = {
		{ 100, 20, 1 },	/* alive, same start: kept */
		{ 100, 21, 0 },	/* pid reused: removed */
		{ 200, 20, 0 },	/* exited: removed */
	};
	size_t i;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(proc, sizeof(proc), "%s/proc", dir);
	ck_assert_int_eq(mkdir(proc, 0700), 0);
	snprintf(path, sizeof(path), "%s/100", proc);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/100/stat", proc);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("100 (a b) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 20 0 0\n", f);
	fclose(f);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&st, 0, sizeof(st));
		st.kind = ACTIONS_DRAIN;
		st.pid = cases[i].pid;
		st.start_ticks = cases[i].ticks;
		st.fd = 3;
		st.inode = 99;
		ck_assert_int_eq(actions_state_name(ACTIONS_DRAIN, st.pid, st.start_ticks, 3, 99,
						    name, sizeof(name)), 0);
		ck_assert_int_eq(actions_state_save(dir, name, &st, &err), 0);
	}
	snprintf(path, sizeof(path), "%s/drain-300-1-3-99", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("not a state\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/notes.txt", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);

	ck_assert_int_eq(actions_state_prune(proc, dir), 2);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(path, sizeof(path), "%s/drain-%d-%llu-3-99", dir, cases[i].pid,
			 (unsigned long long)cases[i].ticks);
		ck_assert_int_eq(stat(path, &sb) == 0, cases[i].kept);
	}
	snprintf(path, sizeof(path), "%s/drain-300-1-3-99", dir);
	ck_assert_int_eq(stat(path, &sb), 0);	/* corrupt: left for the user */
	snprintf(path, sizeof(path), "%s/notes.txt", dir);
	ck_assert_int_eq(stat(path, &sb), 0);	/* not ours */
	ck_assert_int_eq(actions_state_prune(proc, dir), 0);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(path), 0);
}
END_TEST

START_TEST(test_check_rules)
{
	struct actions_target udp = fake_target(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
	struct actions_target tcp = fake_target(AF_INET6, SOCK_STREAM, IPPROTO_TCP);
	struct actions_target ustream = fake_target(AF_UNIX, SOCK_STREAM, 0);
	struct actions_target udgram = fake_target(AF_UNIX, SOCK_DGRAM, 0);
	struct actions_figures f = fake_figures();
	struct actions_state st;
	struct actions_request rq;
	char why[256];

	ck_assert_int_eq(chk(ACTIONS_DROP_FILTER, &udp, &f, NULL, why, sizeof(why)), 0);
	ck_assert_int_eq(chk(ACTIONS_DROP_FILTER, &udgram, &f, NULL, why, sizeof(why)), 0);
	ck_assert_int_eq(chk(ACTIONS_DROP_FILTER, &tcp, &f, NULL, why, sizeof(why)), -EPERM);
	ck_assert_ptr_nonnull(strstr(why, "TCP"));
	ck_assert_int_eq(chk(ACTIONS_DROP_FILTER, &ustream, &f, NULL, why, sizeof(why)), -EPERM);
	ck_assert_ptr_nonnull(strstr(why, "no effect"));
	f.filter_locked = 1;
	ck_assert_int_eq(chk(ACTIONS_DROP_FILTER, &udp, &f, NULL, why, sizeof(why)), -EPERM);
	ck_assert_ptr_nonnull(strstr(why, "SO_LOCK_FILTER"));
	ck_assert_int_eq(chk(ACTIONS_UNDO_FILTER, &udp, &f, NULL, why, sizeof(why)), -EPERM);
	f.filter_locked = 0;
	f.filter_len = ACTIONS_FILTER_EBPF;
	ck_assert_int_eq(chk(ACTIONS_DROP_FILTER, &udp, &f, NULL, why, sizeof(why)), -EPERM);
	ck_assert_ptr_nonnull(strstr(why, "eBPF"));
	/* an existing classic filter is fine: it is saved */
	f.filter_len = 3;
	ck_assert_int_eq(chk(ACTIONS_DROP_FILTER, &udp, &f, NULL, why, sizeof(why)), 0);

	/* undo-filter: only leaktop's drop filter is removed */
	memset(&st, 0, sizeof(st));
	st.kind = ACTIONS_DROP_FILTER;
	ck_assert_int_eq(chk(ACTIONS_UNDO_FILTER, &udp, &f, &st, why, sizeof(why)), -EPERM);
	ck_assert_ptr_nonnull(strstr(why, "changed"));
	ck_assert_int_eq(chk(ACTIONS_UNDO_FILTER, &udp, &f, NULL, why, sizeof(why)), -EPERM);
	f.filter_len = 0;
	ck_assert_int_eq(chk(ACTIONS_UNDO_FILTER, &udp, &f, NULL, why, sizeof(why)), -EPERM);
	ck_assert_ptr_nonnull(strstr(why, "nothing to undo"));
	f.filter_len = 1;
	f.filter_drops_all = 1;
	ck_assert_int_eq(chk(ACTIONS_UNDO_FILTER, &udp, &f, &st, why, sizeof(why)), 0);
	ck_assert_int_eq(chk(ACTIONS_UNDO_FILTER, &udp, &f, NULL, why, sizeof(why)), 0);

	/* rcvbuf */
	ck_assert_int_eq(chk(ACTIONS_SHRINK_RCVBUF, &tcp, &f, NULL, why, sizeof(why)), 0);
	ck_assert_int_eq(chk(ACTIONS_UNDO_RCVBUF, &udp, &f, NULL, why, sizeof(why)), -EPERM);
	ck_assert_ptr_nonnull(strstr(why, "no undo state"));
	st.kind = ACTIONS_SHRINK_RCVBUF;
	st.old_rcvbuf = 212992;
	st.new_rcvbuf = 2304;
	ck_assert_int_eq(chk(ACTIONS_UNDO_RCVBUF, &udp, &f, &st, why, sizeof(why)), -EPERM);
	ck_assert_ptr_nonnull(strstr(why, "changed"));
	f.rcvbuf = 2304;
	ck_assert_int_eq(chk(ACTIONS_UNDO_RCVBUF, &udp, &f, &st, why, sizeof(why)), 0);

	/* drain: the second confirmation, and not on a listener */
	memset(&rq, 0, sizeof(rq));
	rq.kind = ACTIONS_DRAIN;
	ck_assert_int_eq(actions_check(&rq, &udp, &f, NULL, why, sizeof(why)), -EPERM);
	ck_assert_ptr_nonnull(strstr(why, "--confirm-drain"));
	rq.confirm_drain = 1;
	ck_assert_int_eq(actions_check(&rq, &udp, &f, NULL, why, sizeof(why)), 0);
	tcp.listening = 1;
	ck_assert_int_eq(actions_check(&rq, &tcp, &f, NULL, why, sizeof(why)), -EPERM);
	/* read-only refuses everything */
	rq.read_only = 1;
	ck_assert_int_eq(actions_check(&rq, &udp, &f, NULL, why, sizeof(why)), -EPERM);
	ck_assert_ptr_nonnull(strstr(why, "read-only"));

	/* fd limits */
	memset(&rq, 0, sizeof(rq));
	rq.kind = ACTIONS_RAISE_FD_LIMIT;
	rq.value = -1;
	ck_assert_int_eq(actions_check(&rq, &udp, &f, NULL, why, sizeof(why)), 0);
	rq.value = 100;
	ck_assert_int_eq(actions_check(&rq, &udp, &f, NULL, why, sizeof(why)), -EPERM);
	ck_assert_ptr_nonnull(strstr(why, "would not raise"));
	rq.value = 8192;	/* above hard: raises both */
	ck_assert_int_eq(actions_check(&rq, &udp, &f, NULL, why, sizeof(why)), 0);
	rq.value = -1;
	f.fd_soft = 4096;
	ck_assert_int_eq(actions_check(&rq, &udp, &f, NULL, why, sizeof(why)), -EPERM);
	ck_assert_ptr_nonnull(strstr(why, "already equals"));
	rq.kind = ACTIONS_UNDO_FD_LIMIT;
	ck_assert_int_eq(actions_check(&rq, &udp, &f, NULL, why, sizeof(why)), -EPERM);
	st.kind = ACTIONS_RAISE_FD_LIMIT;
	st.old_soft = 128;
	st.old_hard = 4096;
	st.new_soft = 4096;
	st.new_hard = 4096;
	ck_assert_int_eq(actions_check(&rq, &udp, &f, &st, why, sizeof(why)), 0);
	f.fd_soft = 2048;
	ck_assert_int_eq(actions_check(&rq, &udp, &f, &st, why, sizeof(why)), -EPERM);
	ck_assert_ptr_nonnull(strstr(why, "changed"));
}
END_TEST

START_TEST(test_describe)
{
	struct actions_target udp = fake_target(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
	struct actions_target tcp = fake_target(AF_INET, SOCK_STREAM, IPPROTO_TCP);
	struct actions_figures f = fake_figures();
	struct actions_request rq;
	struct actions_state st;
	char out[1024];

	memset(&rq, 0, sizeof(rq));
	rq.value = -1;
	rq.kind = ACTIONS_DROP_FILTER;
	actions_describe(&rq, &udp, &f, NULL, out, sizeof(out));
	ck_assert_ptr_nonnull(strstr(out, "ret #0"));
	ck_assert_ptr_nonnull(strstr(out, "socket 777 (udp 127.0.0.1:5000) of pid 4242 (victim) fd 5"));
	ck_assert_ptr_nonnull(strstr(out, "stops growing"));
	ck_assert_ptr_nonnull(strstr(out, "undo-filter detaches"));
	ck_assert_ptr_null(strstr(out, "Refused"));
	f.filter_len = 3;
	actions_describe(&rq, &udp, &f, NULL, out, sizeof(out));
	ck_assert_ptr_nonnull(strstr(out, "restores the 3-instruction"));
	f.filter_len = 0;
	actions_describe(&rq, &tcp, &f, NULL, out, sizeof(out));
	ck_assert_ptr_nonnull(strstr(out, "Refused: TCP"));

	rq.kind = ACTIONS_UNDO_FILTER;
	memset(&st, 0, sizeof(st));
	st.kind = ACTIONS_DROP_FILTER;
	st.filter_len = 2;
	f.filter_len = 1;
	f.filter_drops_all = 1;
	actions_describe(&rq, &udp, &f, &st, out, sizeof(out));
	ck_assert_ptr_nonnull(strstr(out, "2-instruction classic filter saved"));

	rq.kind = ACTIONS_SHRINK_RCVBUF;
	actions_describe(&rq, &tcp, &f, NULL, out, sizeof(out));
	ck_assert_ptr_nonnull(strstr(out, "kernel minimum (now 212992 bytes)"));
	ck_assert_ptr_nonnull(strstr(out, "SOCK_RCVBUF_LOCK"));
	ck_assert_ptr_nonnull(strstr(out, "undo-rcvbuf restores 212992"));

	rq.kind = ACTIONS_UNDO_RCVBUF;
	st.kind = ACTIONS_SHRINK_RCVBUF;
	st.old_rcvbuf = 212992;
	st.new_rcvbuf = 2304;
	f.rcvbuf = 2304;
	actions_describe(&rq, &udp, &f, &st, out, sizeof(out));
	ck_assert_ptr_nonnull(strstr(out, "back to 212992 bytes (now 2304)"));

	/* drain: the preview says it destroys data and needs the confirmation,
	 * but is not itself a refusal */
	rq.kind = ACTIONS_DRAIN;
	actions_describe(&rq, &udp, &f, NULL, out, sizeof(out));
	ck_assert_ptr_nonnull(strstr(out, "DESTROYED"));
	ck_assert_ptr_nonnull(strstr(out, "--confirm-drain"));
	ck_assert_ptr_null(strstr(out, "Refused"));

	udp.fd = -1;
	rq.kind = ACTIONS_RAISE_FD_LIMIT;
	actions_describe(&rq, &udp, &f, NULL, out, sizeof(out));
	ck_assert_ptr_nonnull(strstr(out, "pid 4242 (victim) from 128/4096 (soft/hard) to 4096/4096"));
	rq.value = 10000;
	actions_describe(&rq, &udp, &f, NULL, out, sizeof(out));
	ck_assert_ptr_nonnull(strstr(out, "to 10000/10000"));
	rq.kind = ACTIONS_UNDO_FD_LIMIT;
	st.kind = ACTIONS_RAISE_FD_LIMIT;
	st.old_soft = 128;
	st.old_hard = 4096;
	st.new_soft = f.fd_soft = 4096;
	st.new_hard = 4096;
	actions_describe(&rq, &udp, &f, &st, out, sizeof(out));
	ck_assert_ptr_nonnull(strstr(out, "back to 128/4096"));

	/* hostile comm is escaped */
	snprintf(udp.comm, sizeof(udp.comm), "\x1b[2Jevil");
	udp.fd = 5;
	rq.kind = ACTIONS_DROP_FILTER;
	actions_describe(&rq, &udp, &f, NULL, out, sizeof(out));
	ck_assert_ptr_null(strchr(out, '\x1b'));
	/* a tiny buffer is cut, not overrun */
	actions_describe(&rq, &udp, &f, NULL, out, 16);
	ck_assert_uint_eq(strlen(out), 15);
}
END_TEST

START_TEST(test_audit_format)
{
	struct actions_result res;
	struct actions_audit rec;
	char line[1024];

	memset(&res, 0, sizeof(res));
	res.kind = ACTIONS_DROP_FILTER;
	res.outcome = ACTIONS_REFUSED;
	res.target = fake_target(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
	snprintf(res.target.comm, sizeof(res.target.comm), "bad\x1b]0;x\a");
	snprintf(res.reason, sizeof(res.reason), "the socket's filter is locked");
	res.before = fake_figures();
	memset(&rec, 0, sizeof(rec));
	rec.uid = 0;
	snprintf(rec.user, sizeof(rec.user), "root");
	snprintf(rec.login, sizeof(rec.login), "alice");
	rec.time = 1700000000;
	rec.result = &res;
	actions_audit_format(&rec, line, sizeof(line));
	ck_assert_ptr_nonnull(strstr(line, "action=drop-filter outcome=refused uid=0 user=root "
				     "login=alice time=1700000000 pid=4242"));
	ck_assert_ptr_nonnull(strstr(line, "fd=5 inode=777 proto=udp local=127.0.0.1:5000"));
	ck_assert_ptr_nonnull(strstr(line, "before=[rmem=100000"));
	ck_assert_ptr_nonnull(strstr(line, "after=[]"));
	ck_assert_ptr_nonnull(strstr(line, "reason=\"the socket's filter is locked\""));
	ck_assert_ptr_null(strchr(line, '\x1b'));
	ck_assert_ptr_null(strchr(line, '\a'));
}
END_TEST

START_TEST(test_audit_format_phases)
{
	struct actions_result res;
	struct actions_audit rec;
	char line[1280];

	memset(&res, 0, sizeof(res));
	res.kind = ACTIONS_RAISE_FD_LIMIT;
	res.outcome = ACTIONS_UNCERTAIN;
	res.target = fake_target(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
	snprintf(res.reason, sizeof(res.reason), "pid 4242 exited\nduring the change");
	res.before = fake_figures();
	res.sharers_total = 2;
	memset(&rec, 0, sizeof(rec));
	snprintf(rec.user, sizeof(rec.user), "root");
	snprintf(rec.id, sizeof(rec.id), "77.1700000000.3");
	rec.time = 1700000000;
	rec.result = &res;
	rec.phase = ACTIONS_PHASE_INTENT;
	rec.intent = "prlimit RLIMIT_NOFILE to 4096/4096\x1b[2J";
	actions_audit_format(&rec, line, sizeof(line));
	ck_assert_msg(strncmp(line, "id=77.1700000000.3 phase=intent action=raise-fd-limit "
			      "uid=0 user=root login=- time=1700000000 pid=4242", 83) == 0,
		      "%s", line);
	ck_assert_ptr_nonnull(strstr(line, "before=[rmem=100000"));
	ck_assert_ptr_nonnull(strstr(line, " sharers=2 intent=\"prlimit RLIMIT_NOFILE to "
				     "4096/4096\\x1b[2J\""));
	ck_assert_ptr_null(strstr(line, "outcome="));
	ck_assert_ptr_null(strstr(line, "after="));
	ck_assert_ptr_null(strchr(line, '\x1b'));

	rec.phase = ACTIONS_PHASE_OUTCOME;
	actions_audit_format(&rec, line, sizeof(line));
	ck_assert_msg(strncmp(line, "id=77.1700000000.3 phase=outcome action=raise-fd-limit "
			      "outcome=uncertain uid=0", 78) == 0, "%s", line);
	ck_assert_ptr_nonnull(strstr(line, "reason=\"pid 4242 exited\\nduring the change\""));
	ck_assert_ptr_null(strchr(line, '\n'));
	ck_assert_str_eq(actions_outcome_name(ACTIONS_UNCERTAIN), "uncertain");
	ck_assert_str_eq(actions_outcome_name(ACTIONS_NOUTCOMES), "?");
}
END_TEST

START_TEST(test_prlimit_verdict)
{
	struct actions_prlimit_obs o = { .alive_after = 1, .stat_err = 0, .start_after = 500,
					 .state_after = 'S', .start_pinned = 500 };
	char why[256];

	/* alive throughout, same start time: the pid named our process */
	ck_assert_int_eq(actions_prlimit_verdict(123, &o, why, sizeof(why)), ACTIONS_DONE);
	ck_assert_str_eq(why, "");

	/* the pidfd died: the pid may have been reused before prlimit */
	o.alive_after = 0;
	ck_assert_int_eq(actions_prlimit_verdict(123, &o, why, sizeof(why)), ACTIONS_UNCERTAIN);
	ck_assert_ptr_nonnull(strstr(why, "pid 123 exited during the change"));
	ck_assert_ptr_nonnull(strstr(why, "check /proc/123/limits"));

	/* alive, but /proc says the pid is gone, or is not readable */
	o.alive_after = 1;
	o.stat_err = -ESRCH;
	ck_assert_int_eq(actions_prlimit_verdict(123, &o, why, sizeof(why)), ACTIONS_UNCERTAIN);
	ck_assert_ptr_nonnull(strstr(why, "exited"));
	o.stat_err = -EACCES;
	ck_assert_int_eq(actions_prlimit_verdict(123, &o, why, sizeof(why)), ACTIONS_UNCERTAIN);
	ck_assert_ptr_nonnull(strstr(why, "cannot read /proc/123/stat"));

	/* another start time: another process holds the pid now */
	o.stat_err = 0;
	o.start_after = 900;
	ck_assert_int_eq(actions_prlimit_verdict(123, &o, why, sizeof(why)), ACTIONS_UNCERTAIN);
	ck_assert_ptr_nonnull(strstr(why, "another process"));
	ck_assert_ptr_nonnull(strstr(why, "start time 900, pinned 500"));

	/* a zombie: it exited during the change */
	o.start_after = 500;
	o.state_after = 'Z';
	ck_assert_int_eq(actions_prlimit_verdict(123, &o, why, sizeof(why)), ACTIONS_UNCERTAIN);
	ck_assert_ptr_nonnull(strstr(why, "zombie"));
}
END_TEST

/* The lines of a file, at most max, each malloc'd; returns the count. */
static int read_lines(const char *path, char **lines, int max)
{
	FILE *f = fopen(path, "r");
	char buf[4096];
	int n = 0;

	if (!f)
		return 0;
	while (n < max && fgets(buf, sizeof(buf), f))
		lines[n++] = strdup(buf);
	fclose(f);
	return n;
}

static void free_lines(char **lines, int n)
{
	while (n-- > 0)
		free(lines[n]);
}

START_TEST(test_audit_append)
{
	char dir[64], path[128], other[192], *lines[4];
	struct lt_err err = { "" };
	struct stat st;
	int fd, n;

	snprintf(dir, sizeof(dir), "/tmp/lt-check-audit.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));

	/* a missing directory is made 0700, the file 0600 */
	snprintf(path, sizeof(path), "%s/sub/audit.log", dir);
	ck_assert_int_eq(actions_audit_append(path, "one", &err), 0);
	ck_assert_int_eq(actions_audit_append(path, "two", &err), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	snprintf(other, sizeof(other), "%s/sub", dir);
	ck_assert_int_eq(stat(other, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0700);
	n = read_lines(path, lines, 4);
	ck_assert_int_eq(n, 2);
	ck_assert_str_eq(lines[0], "one\n");
	ck_assert_str_eq(lines[1], "two\n");
	free_lines(lines, n);

	/* an existing file open to others becomes 0600; its lines stay */
	ck_assert_int_eq(chmod(path, 0644), 0);
	ck_assert_int_eq(actions_audit_append(path, "three", &err), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	n = read_lines(path, lines, 4);
	ck_assert_int_eq(n, 3);
	free_lines(lines, n);

	/* a symlink is not followed, a directory or a path under a file fails */
	snprintf(other, sizeof(other), "%s/link", dir);
	ck_assert_int_eq(symlink(path, other), 0);
	ck_assert_int_eq(actions_audit_append(other, "x", &err), -ELOOP);
	ck_assert_ptr_nonnull(strstr(err.msg, "symbolic link"));
	snprintf(other, sizeof(other), "%s/sub", dir);
	ck_assert_int_lt(actions_audit_append(other, "x", &err), 0);
	snprintf(other, sizeof(other), "%s/x", path);
	ck_assert_int_eq(actions_audit_append(other, "x", &err), -ENOTDIR);
	ck_assert_int_lt(actions_audit_append("", "x", &err), 0);
	n = read_lines(path, lines, 4);
	ck_assert_int_eq(n, 3);
	free_lines(lines, n);

	fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	close(fd);
	snprintf(other, sizeof(other), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(other), 0);
}
END_TEST

START_TEST(test_bad_requests)
{
	struct actions_request rq;
	struct actions_result res;

	memset(&rq, 0, sizeof(rq));
	ck_assert_int_eq(actions_run(&rq, &res), -EINVAL);
	rq.kind = ACTIONS_DROP_FILTER;
	rq.pid = 1;
	rq.fd = -1;
	ck_assert_int_eq(actions_preview(&rq, &res), -EINVAL);
	rq.kind = (enum actions_kind)77;
	rq.fd = 0;
	ck_assert_int_eq(actions_run(&rq, &res), -EINVAL);
	ck_assert_int_eq(actions_run(NULL, &res), -EINVAL);
}
END_TEST

/* ---- live: a child process holding a UDP socket -------------------------- */

enum { CHILD_PLAIN, CHILD_LOCKED, CHILD_CLASSIC3, CHILD_EBPF };

struct child {
	pid_t pid;
	int fd;
	int pipe_fd;	/* a non-socket fd of the child */
	unsigned long inode;
	uint16_t port;
	int ctl;	/* write end: 'S' swaps the socket, close() ends the child */
	int rep;	/* read end: reports */
};

struct report {
	int fd;
	int pipe_fd;
	unsigned long inode;
	uint16_t port;
};

static char statedir[64];
static char auditlog[96];	/* statedir/audit.log */
static struct child c_audit;
static int live_ok;	/* pidfd_open and pidfd_getfd work here */
static int audit_calls;
static struct actions_result audit_last;
static char audit_user[64];

static void hook(const struct actions_audit *rec, void *arg)
{
	(void)arg;
	audit_calls++;
	audit_last = *rec->result;
	snprintf(audit_user, sizeof(audit_user), "%s", rec->user);
}

static int udp_socket(struct report *rp)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	struct stat st;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	memset(rp, 0, sizeof(*rp));	/* the padding goes down a pipe */
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0 || fstat(fd, &st) < 0)
		_exit(2);
	rp->fd = fd;
	rp->inode = (unsigned long)st.st_ino;
	rp->port = ntohs(a.sin_port);
	return fd;
}

static void child_main(int rep, int ctl, int kind, int bpf_fd)
{
	struct report rp;
	char cmd;
	int fd, one = 1;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	fd = udp_socket(&rp);
	if (kind == CHILD_LOCKED || kind == CHILD_CLASSIC3) {
		struct sock_fprog p = { .len = 4, .filter = (struct sock_filter *)classic };

		if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &p, sizeof(p)) < 0)
			_exit(3);
		if (kind == CHILD_LOCKED &&
		    setsockopt(fd, SOL_SOCKET, SO_LOCK_FILTER, &one, sizeof(one)) < 0)
			_exit(3);
	}
	if (kind == CHILD_EBPF &&
	    setsockopt(fd, SOL_SOCKET, SO_ATTACH_BPF, &bpf_fd, sizeof(bpf_fd)) < 0)
		_exit(3);
	rp.pipe_fd = ctl;
	if (write(rep, &rp, sizeof(rp)) != sizeof(rp))
		_exit(4);
	while (read(ctl, &cmd, 1) == 1) {
		if (cmd == 'S') {
			struct report nr;
			int nfd = udp_socket(&nr);

			/* another socket on the same fd number */
			dup2(nfd, fd);
			close(nfd);
			nr.fd = fd;
			if (write(rep, &nr, sizeof(nr)) != sizeof(nr))
				_exit(4);
		}
	}
	_exit(0);
}

static void child_start(struct child *c, int kind, int bpf_fd)
{
	int up[2], down[2];
	struct report rp;

	ck_assert_int_eq(pipe(up), 0);
	ck_assert_int_eq(pipe(down), 0);
	c->pid = fork();
	ck_assert_int_ge(c->pid, 0);
	if (c->pid == 0) {
		close(up[0]);
		close(down[1]);
		child_main(up[1], down[0], kind, bpf_fd);
	}
	close(up[1]);
	close(down[0]);
	c->ctl = down[1];
	c->rep = up[0];
	ck_assert_int_eq(read(c->rep, &rp, sizeof(rp)), sizeof(rp));
	c->fd = rp.fd;
	c->pipe_fd = rp.pipe_fd;
	c->inode = rp.inode;
	c->port = rp.port;
}

static void child_swap(struct child *c)
{
	struct report rp;

	ck_assert_int_eq(write(c->ctl, "S", 1), 1);
	ck_assert_int_eq(read(c->rep, &rp, sizeof(rp)), sizeof(rp));
	c->inode = rp.inode;
}

static void child_stop(struct child *c)
{
	int status;

	close(c->ctl);
	close(c->rep);
	waitpid(c->pid, &status, 0);
}

/* Our own duplicate of the child's socket, to look from outside. */
static int peek_fd(const struct child *c)
{
	int pidfd = (int)syscall(SYS_pidfd_open, c->pid, 0), fd;

	ck_assert_int_ge(pidfd, 0);
	fd = (int)syscall(SYS_pidfd_getfd, pidfd, c->fd, 0);
	ck_assert_int_ge(fd, 0);
	close(pidfd);
	return fd;
}

static int filter_len(const struct child *c, struct sock_filter *out, unsigned max)
{
	int fd = peek_fd(c);
	socklen_t n = 0;

	if (getsockopt(fd, SOL_SOCKET, SO_GET_FILTER, NULL, &n) < 0)
		n = (socklen_t)-1;
	else if (out && n && n <= max)
		ck_assert_int_eq(getsockopt(fd, SOL_SOCKET, SO_GET_FILTER, out, &n), 0);
	close(fd);
	return (int)n;
}

static uint32_t rmem_of(const struct child *c)
{
	uint32_t mem[SK_MEMINFO_VARS] = { 0 };
	socklen_t len = sizeof(mem);
	int fd = peek_fd(c);

	ck_assert_int_eq(getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mem, &len), 0);
	close(fd);
	return mem[SK_MEMINFO_RMEM_ALLOC];
}

static void send_to(const struct child *c, int n)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(c->port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_DGRAM, 0), i;
	char buf[512];

	memset(buf, 'x', sizeof(buf));
	for (i = 0; i < n; i++)
		sendto(fd, buf, sizeof(buf), 0, (struct sockaddr *)&a, sizeof(a));
	close(fd);
}

static int count_own_fds(void)
{
	struct stat st;

	ck_assert_int_eq(stat("/proc/self/fd", &st), 0);
	return (int)st.st_size;
}

static void req_for(struct actions_request *rq, enum actions_kind kind, const struct child *c)
{
	memset(rq, 0, sizeof(*rq));
	rq->kind = kind;
	rq->pid = c->pid;
	rq->fd = c->fd;
	rq->inode = c->inode;
	rq->value = -1;
	rq->statedir = statedir;
	rq->audit_log = auditlog;
}

/* Valgrind 3.19 does not know pidfd_open/pidfd_getfd (ENOSYS): the live
 * tests then say so and pass without running. */
static void probe_pidfd(void)
{
	static int said;
	int pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0), fd = -1;

	if (pidfd >= 0)
		fd = (int)syscall(SYS_pidfd_getfd, pidfd, 1, 0);
	live_ok = fd >= 0 || (pidfd >= 0 && errno != ENOSYS);
	if (!live_ok && !said++)
		fprintf(stderr, "check_actions: live tests skipped: pidfd_open/pidfd_getfd: %s\n",
			strerror(errno));
	if (fd >= 0)
		close(fd);
	if (pidfd >= 0)
		close(pidfd);
}

#define NEED_PIDFD() do { if (!live_ok) return; } while (0)

static void live_setup(void)
{
	probe_pidfd();
	snprintf(statedir, sizeof(statedir), "/tmp/lt-check-actions.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(statedir));
	snprintf(auditlog, sizeof(auditlog), "%s/audit.log", statedir);
	audit_calls = 0;
	actions_set_audit_hook(hook, NULL);
}

static void live_teardown(void)
{
	char cmd[128];

	actions_set_audit_hook(NULL, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", statedir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", statedir);
}

START_TEST(test_live_drop_and_undo)
{
	struct actions_request rq;
	struct actions_result res, pv;
	struct child c;
	uint32_t r1, r2;
	char name[96], path[256];
	struct stat st;
	int nfds;

	NEED_PIDFD();

	child_start(&c, CHILD_PLAIN, -1);
	send_to(&c, 3);
	r1 = rmem_of(&c);
	ck_assert_uint_gt(r1, 0);

	req_for(&rq, ACTIONS_DROP_FILTER, &c);
	ck_assert_int_eq(actions_preview(&rq, &pv), 0);
	ck_assert_int_eq(pv.outcome, ACTIONS_PREVIEW);
	ck_assert_ptr_nonnull(strstr(pv.preview, "ret #0"));
	ck_assert_int_eq(filter_len(&c, NULL, 0), 0);	/* preview touched nothing */
	ck_assert_int_eq(audit_calls, 0);		/* and is not audited */

	nfds = count_own_fds();
	ck_assert_int_eq(actions_run(&rq, &res), 0);
	ck_assert_int_eq(count_own_fds(), nfds);	/* duplicate and pidfd closed */
	ck_assert_msg(res.outcome == ACTIONS_DONE, "%s", res.message);
	ck_assert_int_eq(res.before.filter_len, 0);
	ck_assert_int_eq(res.after.filter_len, 1);
	ck_assert_int_eq(res.after.filter_drops_all, 1);
	ck_assert_str_eq(res.target.proto, "udp");
	ck_assert_int_eq(res.target.pid, c.pid);
	ck_assert_uint_eq(res.target.inode, c.inode);
	ck_assert_int_eq(res.can_undo, 1);
	ck_assert_int_eq(res.undo.kind, ACTIONS_UNDO_FILTER);
	ck_assert_int_eq(audit_calls, 1);
	ck_assert_int_eq(audit_last.outcome, ACTIONS_DONE);
	ck_assert_int_eq(audit_last.target.pid, c.pid);
	ck_assert_str_ne(audit_user, "");

	/* the queue stops growing */
	ck_assert_int_eq(filter_len(&c, NULL, 0), 1);
	send_to(&c, 5);
	r2 = rmem_of(&c);
	ck_assert_uint_eq(r2, r1);

	/* the state file is keyed by pid, start time, fd and inode */
	ck_assert_int_eq(actions_state_name(ACTIONS_DROP_FILTER, c.pid, res.target.start_ticks,
					    c.fd, c.inode, name, sizeof(name)), 0);
	snprintf(path, sizeof(path), "%s/%s", statedir, name);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);

	/* again: nothing changes, the saved state is kept */
	ck_assert_int_eq(actions_run(&rq, &res), 0);
	ck_assert_int_eq(res.outcome, ACTIONS_DONE);
	ck_assert_ptr_nonnull(strstr(res.message, "already"));

	/* undo through the undo entry */
	rq = res.undo;
	ck_assert_int_eq(actions_run(&rq, &res), 0);
	ck_assert_msg(res.outcome == ACTIONS_DONE, "%s", res.message);
	ck_assert_int_eq(filter_len(&c, NULL, 0), 0);
	ck_assert_int_ne(stat(path, &st), 0);
	send_to(&c, 2);
	ck_assert_uint_gt(rmem_of(&c), r2);
	child_stop(&c);
}
END_TEST

START_TEST(test_live_restore_saved_filter)
{
	struct actions_request rq;
	struct actions_result res;
	struct sock_filter back[8];
	struct child c;

	NEED_PIDFD();

	child_start(&c, CHILD_CLASSIC3, -1);
	ck_assert_int_eq(filter_len(&c, NULL, 0), 4);
	req_for(&rq, ACTIONS_DROP_FILTER, &c);
	ck_assert_int_eq(actions_run(&rq, &res), 0);
	ck_assert_msg(res.outcome == ACTIONS_DONE, "%s", res.message);
	ck_assert_int_eq(filter_len(&c, NULL, 0), 1);
	rq.kind = ACTIONS_UNDO_FILTER;
	ck_assert_int_eq(actions_run(&rq, &res), 0);
	ck_assert_msg(res.outcome == ACTIONS_DONE, "%s", res.message);
	ck_assert_ptr_nonnull(strstr(res.message, "restored the saved 4-instruction"));
	ck_assert_int_eq(filter_len(&c, back, 8), 4);
	ck_assert_mem_eq(back, classic, sizeof(classic));
	child_stop(&c);
}
END_TEST

START_TEST(test_live_locked_refused)
{
	struct actions_request rq;
	struct actions_result res;
	struct sock_filter back[8];
	struct child c;
	uint32_t r1;

	NEED_PIDFD();

	child_start(&c, CHILD_LOCKED, -1);
	req_for(&rq, ACTIONS_DROP_FILTER, &c);
	ck_assert_int_eq(actions_run(&rq, &res), 0);
	ck_assert_int_eq(res.outcome, ACTIONS_REFUSED);
	ck_assert_ptr_nonnull(strstr(res.reason, "SO_LOCK_FILTER"));
	ck_assert_int_eq(res.before.filter_locked, 1);
	ck_assert_int_eq(audit_calls, 1);
	ck_assert_int_eq(audit_last.outcome, ACTIONS_REFUSED);
	/* untouched: the child's own filter, still accepting */
	ck_assert_int_eq(filter_len(&c, back, 8), 4);
	ck_assert_mem_eq(back, classic, sizeof(classic));
	r1 = rmem_of(&c);
	send_to(&c, 2);
	ck_assert_uint_gt(rmem_of(&c), r1);
	child_stop(&c);
}
END_TEST

START_TEST(test_live_ebpf_refused)
{
	/* r0 = 0; exit: an eBPF socket filter dropping everything */
	struct bpf_insn prog[2] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr attr;
	struct actions_request rq;
	struct actions_result res;
	struct child c;
	int pfd;

	NEED_PIDFD();

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	attr.insn_cnt = 2;
	attr.insns = (uintptr_t)prog;
	attr.license = (uintptr_t)"GPL";
	pfd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
	if (pfd < 0) {
		fprintf(stderr, "check_actions: eBPF refusal not tested: bpf(): %s\n",
			strerror(errno));
		return;
	}
	child_start(&c, CHILD_EBPF, pfd);
	close(pfd);
	req_for(&rq, ACTIONS_DROP_FILTER, &c);
	ck_assert_int_eq(actions_run(&rq, &res), 0);
	ck_assert_int_eq(res.outcome, ACTIONS_REFUSED);
	ck_assert_ptr_nonnull(strstr(res.reason, "eBPF"));
	ck_assert_int_eq(filter_len(&c, NULL, 0), -1);	/* still the eBPF program */
	child_stop(&c);
}
END_TEST

START_TEST(test_live_identity_refusals)
{
	struct actions_request rq;
	struct actions_result res;
	struct child c;
	unsigned long old;
	pid_t gone;
	int status;

	NEED_PIDFD();

	child_start(&c, CHILD_PLAIN, -1);
	/* the fd now holds another socket than the scan saw */
	old = c.inode;
	child_swap(&c);
	ck_assert_uint_ne(c.inode, old);
	req_for(&rq, ACTIONS_DROP_FILTER, &c);
	rq.inode = old;
	ck_assert_int_eq(actions_run(&rq, &res), 0);
	ck_assert_int_eq(res.outcome, ACTIONS_REFUSED);
	ck_assert_int_eq(res.err, ESTALE);
	ck_assert_ptr_nonnull(strstr(res.reason, "seen at scan time"));
	ck_assert_int_eq(filter_len(&c, NULL, 0), 0);
	ck_assert_int_eq(audit_calls, 1);
	ck_assert_int_eq(audit_last.outcome, ACTIONS_REFUSED);

	/* the same pid but another start time: a reused pid */
	req_for(&rq, ACTIONS_DROP_FILTER, &c);
	ck_assert_int_eq(actions_preview(&rq, &res), 0);
	ck_assert_int_eq(res.outcome, ACTIONS_PREVIEW);
	rq.start_ticks = res.target.start_ticks + 1;
	ck_assert_int_eq(actions_run(&rq, &res), 0);
	ck_assert_int_eq(res.outcome, ACTIONS_REFUSED);
	ck_assert_ptr_nonnull(strstr(res.reason, "another process"));
	ck_assert_int_eq(filter_len(&c, NULL, 0), 0);

	/* a closed fd and a non-socket fd */
	req_for(&rq, ACTIONS_DROP_FILTER, &c);
	rq.fd = 900;
	rq.inode = 0;
	ck_assert_int_eq(actions_run(&rq, &res), 0);
	ck_assert_int_eq(res.outcome, ACTIONS_REFUSED);
	ck_assert_ptr_nonnull(strstr(res.reason, "not open"));
	rq.fd = c.pipe_fd;
	rq.inode = 0;
	ck_assert_int_eq(actions_run(&rq, &res), 0);
	ck_assert_int_eq(res.outcome, ACTIONS_REFUSED);
	ck_assert_ptr_nonnull(strstr(res.reason, "not a socket"));
	/* pinned to an inode, a pipe is still refused after pidfd_getfd */
	rq.inode = c.inode;
	ck_assert_int_eq(actions_run(&rq, &res), 0);
	ck_assert_int_eq(res.outcome, ACTIONS_REFUSED);
	ck_assert_ptr_nonnull(strstr(res.reason, "no longer a socket"));
	child_stop(&c);

	/* a process that has exited */
	gone = fork();
	if (gone == 0)
		_exit(0);
	waitpid(gone, &status, 0);
	memset(&rq, 0, sizeof(rq));
	rq.kind = ACTIONS_DROP_FILTER;
	rq.pid = gone;
	rq.fd = 3;
	rq.statedir = statedir;
	rq.audit_log = auditlog;
	ck_assert_int_eq(actions_run(&rq, &res), 0);
	ck_assert_int_eq(res.outcome, ACTIONS_REFUSED);
	ck_assert_int_eq(res.err, ESRCH);
	rq.kind = ACTIONS_RAISE_FD_LIMIT;
	rq.value = -1;
	ck_assert_int_eq(actions_run(&rq, &res), 0);
	ck_assert_int_eq(res.outcome, ACTIONS_REFUSED);

	/* read-only refuses before looking */
	rq.read_only = 1;
	ck_assert_int_eq(actions_preview(&rq, &res), 0);
	ck_assert_int_eq(res.outcome, ACTIONS_REFUSED);
	ck_assert_ptr_nonnull(strstr(res.reason, "read-only"));
}
END_TEST

START_TEST(test_live_corrupt_state)
{
	struct actions_request rq;
	struct actions_result res;
	struct child c;
	FILE *f;

	NEED_PIDFD();

	child_start(&c, CHILD_PLAIN, -1);
	req_for(&rq, ACTIONS_DROP_FILTER, &c);
	ck_assert_int_eq(actions_run(&rq, &res), 0);
	ck_assert_int_eq(res.outcome, ACTIONS_DONE);
	ck_assert_str_ne(res.state_path, "");
	f = fopen(res.state_path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("leaktop-undo 1\naction drop-filter\npid 1\x01\n", f);
	fclose(f);
	rq.kind = ACTIONS_UNDO_FILTER;
	ck_assert_int_eq(actions_run(&rq, &res), 0);
	ck_assert_int_eq(res.outcome, ACTIONS_REFUSED);
	ck_assert_int_eq(res.err, EBADMSG);
	ck_assert_ptr_nonnull(strstr(res.reason, "corrupt"));
	ck_assert_int_eq(filter_len(&c, NULL, 0), 1);	/* still dropping */
	/* without the file, undo detaches leaktop's own filter with a warning */
	unlink(res.state_path);
	ck_assert_int_eq(actions_run(&rq, &res), 0);
	ck_assert_int_eq(res.outcome, ACTIONS_DONE);
	ck_assert_str_ne(res.warning, "");
	ck_assert_int_eq(filter_len(&c, NULL, 0), 0);
	child_stop(&c);
}
END_TEST

START_TEST(test_live_rcvbuf_drain_limits)
{
	struct actions_request rq;
	struct actions_result res;
	struct rlimit rl;
	struct child c;
	uint32_t old;

	NEED_PIDFD();

	child_start(&c, CHILD_PLAIN, -1);
	send_to(&c, 4);
	req_for(&rq, ACTIONS_SHRINK_RCVBUF, &c);
	ck_assert_int_eq(actions_run(&rq, &res), 0);
	ck_assert_msg(res.outcome == ACTIONS_DONE, "%s", res.message);
	old = res.before.rcvbuf;
	ck_assert_uint_lt(res.after.rcvbuf, old);
	ck_assert_uint_le(res.after.rcvbuf, 4608);
	rq.kind = ACTIONS_UNDO_RCVBUF;
	ck_assert_int_eq(actions_run(&rq, &res), 0);
	ck_assert_msg(res.outcome == ACTIONS_DONE, "%s", res.message);
	ck_assert_uint_eq(res.after.rcvbuf, old);
	/* a second undo has no state left */
	ck_assert_int_eq(actions_run(&rq, &res), 0);
	ck_assert_int_eq(res.outcome, ACTIONS_REFUSED);

	rq.kind = ACTIONS_DRAIN;
	ck_assert_int_eq(actions_run(&rq, &res), 0);
	ck_assert_int_eq(res.outcome, ACTIONS_REFUSED);
	ck_assert_uint_gt(rmem_of(&c), 0);
	rq.confirm_drain = 1;
	ck_assert_int_eq(actions_run(&rq, &res), 0);
	ck_assert_msg(res.outcome == ACTIONS_DONE, "%s", res.message);
	ck_assert_uint_eq(res.after.drained_packets, 4);
	ck_assert_uint_eq(res.after.drained_bytes, 4 * 512);
	ck_assert_uint_eq(res.after.rmem, 0);
	ck_assert_uint_eq(rmem_of(&c), 0);
	ck_assert_int_eq(res.can_undo, 0);

	/* fd limit of the child: up to a value, then back */
	ck_assert_int_eq(prlimit(c.pid, RLIMIT_NOFILE, NULL, &rl), 0);
	req_for(&rq, ACTIONS_RAISE_FD_LIMIT, &c);
	rq.fd = -1;
	rq.value = (long)rl.rlim_cur + 1;
	if (rl.rlim_cur < rl.rlim_max) {
		struct rlimit now;

		ck_assert_int_eq(actions_run(&rq, &res), 0);
		ck_assert_msg(res.outcome == ACTIONS_DONE, "%s", res.message);
		ck_assert_int_eq(prlimit(c.pid, RLIMIT_NOFILE, NULL, &now), 0);
		ck_assert_uint_eq(now.rlim_cur, rl.rlim_cur + 1);
		rq = res.undo;
		ck_assert_int_eq(rq.kind, ACTIONS_UNDO_FD_LIMIT);
		ck_assert_int_eq(actions_run(&rq, &res), 0);
		ck_assert_msg(res.outcome == ACTIONS_DONE, "%s", res.message);
		ck_assert_int_eq(prlimit(c.pid, RLIMIT_NOFILE, NULL, &now), 0);
		ck_assert_uint_eq(now.rlim_cur, rl.rlim_cur);
	}
	child_stop(&c);
}
END_TEST

/* The audit file of the live tests, as lines. */
static int audit_lines(char **lines, int max)
{
	return read_lines(auditlog, lines, max);
}

START_TEST(test_live_audit_file)
{
	struct actions_request rq;
	struct actions_result res, pv;
	char *lines[16], id[160], bad[160];
	struct stat st;
	int n;

	NEED_PIDFD();

	child_start(&c_audit, CHILD_PLAIN, -1);
	send_to(&c_audit, 2);

	/* done: an intent line, then the outcome line, with the same id */
	req_for(&rq, ACTIONS_DROP_FILTER, &c_audit);
	ck_assert_int_eq(actions_run(&rq, &res), 0);
	ck_assert_msg(res.outcome == ACTIONS_DONE, "%s", res.message);
	ck_assert_str_ne(res.audit_id, "");
	n = audit_lines(lines, 16);
	ck_assert_int_eq(n, 2);
	snprintf(id, sizeof(id), "id=%s phase=intent action=drop-filter ", res.audit_id);
	ck_assert_msg(strncmp(lines[0], id, strlen(id)) == 0, "%s", lines[0]);
	ck_assert_ptr_nonnull(strstr(lines[0], "before=[rmem="));
	ck_assert_ptr_nonnull(strstr(lines[0], "filter=0]"));
	snprintf(id, sizeof(id), "id=%s phase=outcome action=drop-filter outcome=done ",
		 res.audit_id);
	ck_assert_msg(strncmp(lines[1], id, strlen(id)) == 0, "%s", lines[1]);
	ck_assert_ptr_nonnull(strstr(lines[1], "after=[rmem="));
	free_lines(lines, n);
	ck_assert_int_eq(stat(auditlog, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);

	/* refused before any change: one outcome line, a new id */
	req_for(&rq, ACTIONS_DRAIN, &c_audit);
	ck_assert_int_eq(actions_run(&rq, &pv), 0);
	ck_assert_int_eq(pv.outcome, ACTIONS_REFUSED);
	ck_assert_str_ne(pv.audit_id, res.audit_id);
	n = audit_lines(lines, 16);
	ck_assert_int_eq(n, 3);
	snprintf(id, sizeof(id), "id=%s phase=outcome action=drain outcome=refused ",
		 pv.audit_id);
	ck_assert_msg(strncmp(lines[2], id, strlen(id)) == 0, "%s", lines[2]);
	free_lines(lines, n);

	/* an audit file that cannot be written: refused, the filter stays */
	snprintf(bad, sizeof(bad), "%s/x", auditlog);	/* under a file */
	req_for(&rq, ACTIONS_UNDO_FILTER, &c_audit);
	rq.audit_log = bad;
	ck_assert_int_eq(actions_preview(&rq, &pv), 0);
	ck_assert_int_eq(pv.outcome, ACTIONS_REFUSED);
	ck_assert_ptr_nonnull(strstr(pv.reason, "cannot write the audit log"));
	audit_calls = 0;
	ck_assert_int_eq(actions_run(&rq, &res), 0);
	ck_assert_int_eq(res.outcome, ACTIONS_REFUSED);
	ck_assert_ptr_nonnull(strstr(res.reason, "cannot write the audit log"));
	ck_assert_ptr_nonnull(strstr(res.reason, bad));
	ck_assert_ptr_nonnull(strstr(res.reason, "--no-audit-file"));
	ck_assert_int_eq(res.after.have, 0);
	ck_assert_int_eq(filter_len(&c_audit, NULL, 0), 1);	/* untouched */
	ck_assert_int_eq(audit_calls, 1);			/* still reported */
	ck_assert_int_eq(audit_last.outcome, ACTIONS_REFUSED);
	n = audit_lines(lines, 16);
	ck_assert_int_eq(n, 3);
	free_lines(lines, n);

	/* the opt-out: done, nothing written to any file */
	rq.audit_log = NULL;
	rq.no_audit_file = 1;
	ck_assert_int_eq(actions_run(&rq, &res), 0);
	ck_assert_msg(res.outcome == ACTIONS_DONE, "%s", res.message);
	ck_assert_int_eq(filter_len(&c_audit, NULL, 0), 0);
	n = audit_lines(lines, 16);
	ck_assert_int_eq(n, 3);
	free_lines(lines, n);
	child_stop(&c_audit);
}
END_TEST

Suite *actions_suite(void)
{
	Suite *s = suite_create("actions");
	TCase *tc = tcase_create("pure");
	TCase *live = tcase_create("live");

	tcase_add_test(tc, test_kind_names);
	tcase_add_test(tc, test_kind_command);
	tcase_add_test(tc, test_kind_table);
	tcase_add_test(tc, test_stat_start);
	tcase_add_test(tc, test_state_roundtrip);
	tcase_add_test(tc, test_state_corrupt);
	tcase_add_test(tc, test_state_names_and_files);
	tcase_add_test(tc, test_state_prune);
	tcase_add_test(tc, test_check_rules);
	tcase_add_test(tc, test_describe);
	tcase_add_test(tc, test_audit_format);
	tcase_add_test(tc, test_audit_format_phases);
	tcase_add_test(tc, test_prlimit_verdict);
	tcase_add_test(tc, test_audit_append);
	tcase_add_test(tc, test_bad_requests);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(live, live_setup, live_teardown);
	tcase_set_timeout(live, 30);
	tcase_add_test(live, test_live_drop_and_undo);
	tcase_add_test(live, test_live_restore_saved_filter);
	tcase_add_test(live, test_live_locked_refused);
	tcase_add_test(live, test_live_ebpf_refused);
	tcase_add_test(live, test_live_identity_refusals);
	tcase_add_test(live, test_live_corrupt_state);
	tcase_add_test(live, test_live_rcvbuf_drain_limits);
	tcase_add_test(live, test_live_audit_file);
	suite_add_tcase(s, live);
	return s;
}
