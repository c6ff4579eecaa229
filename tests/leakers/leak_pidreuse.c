/*
 * leak_pidreuse - process churn with pids reused (issue 14).  Two things at
 * once, until --seconds pass (or SIGTERM/SIGINT):
 *
 *   - churn: --churn-per-sec short-lived children (comm "lt_churnkid") that
 *     exit at once;
 *   - one pid taken in turn by two programs: "lt_fdleak" opens one fd every
 *     --leak-ms under a soft RLIMIT_NOFILE of 256 (fd growth toward its
 *     limit, an fd_exhaustion finding) and exits after --life-ms; then,
 *     --gap-ms after it was reaped, "lt_reuser" is started at the very same
 *     pid (clone3 with set_tid) and holds 200 fds, unchanging from its
 *     first moment (the parent opens them for it before the clone), for
 *     --life-ms; then lt_fdleak again at that pid, and so on.  A tool that
 *     keys what it learnt by pid alone hands the leaker's growth to the
 *     reuser.
 *
 * READY pid=<pid> fd=-1 inode=0 reuse_pid=<the shared pid>
 * Each start at the shared pid is logged on stderr:
 *   "gen N comm C pid P at T" (T: CLOCK_REALTIME seconds).
 * Needs root (set_tid needs CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE) and
 * Linux 5.5.  Children die with the parent (PR_SET_PDEATHSIG).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PROG "leak_pidreuse"
#define MAX_KIDS 100	/* churn children forked and not yet reaped, at most */
#include "leaker.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: " PROG " [--seconds N] [--churn-per-sec R] "
		"[--leak-ms M] [--life-ms M] [--gap-ms M]\n");
}

static double wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* In a new child: die with the parent, take a name. */
static void child_setup(pid_t parent, const char *name)
{
	prctl(PR_SET_NAME, name);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
}

static void fdleak_main(pid_t parent, long leak_ms, long life_ms)
{
	struct rlimit rl = { 256, 256 };
	long t;

	child_setup(parent, "lt_fdleak");
	setrlimit(RLIMIT_NOFILE, &rl);
	for (t = 0; t < life_ms; t += leak_ms) {
		if (open("/dev/null", O_RDONLY) < 0)
			break;
		sleep_ms(leak_ms);
	}
	_exit(0);
}

/* The reuser's 200 fds are opened by the parent just before the clone:
 * the reuser has them from its first moment.  Opened by the reuser itself
 * they were growth (5 to 205 fds) that a sample could catch half done. */
static void reuser_main(pid_t parent, long life_ms)
{
	struct rlimit rl = { 256, 256 };

	child_setup(parent, "lt_reuser");
	setrlimit(RLIMIT_NOFILE, &rl);
	sleep_ms(life_ms);
	_exit(0);
}

/* fork, or clone3 at exactly pid (> 0).  The child's pid, 0 in the child,
 * -1 on error. */
static pid_t spawn_at(pid_t pid)
{
	struct clone_args ca;
	pid_t tid = pid;

	if (pid <= 0)
		return fork();
	memset(&ca, 0, sizeof(ca));
	ca.exit_signal = SIGCHLD;
	ca.set_tid = (uint64_t)(uintptr_t)&tid;
	ca.set_tid_size = 1;
	return (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seconds", required_argument, NULL, 's' },
		{ "churn-per-sec", required_argument, NULL, 'c' },
		{ "leak-ms", required_argument, NULL, 'l' },
		{ "life-ms", required_argument, NULL, 'L' },
		{ "gap-ms", required_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	long seconds = 60, churn = 300, leak_ms = 50, life_ms = 6000, gap_ms = 50;
	double end, next_churn;
	pid_t parent = getpid(), shared = 0, cur;
	int c, gen = 0, leaking = 1, kids = 0;	/* churn children not reaped */
	int held[200], nheld = 0;	/* the reuser's fds, until it has them */

	while ((c = next_opt(argc, argv, opts)) != -1) {
		switch (c) {
		case 's': seconds = parse_num(optarg, 0, LONG_MAX, "seconds"); break;
		case 'c': churn = parse_num(optarg, 0, LONG_MAX, "churn-per-sec"); break;
		case 'l': leak_ms = parse_num(optarg, 0, LONG_MAX, "leak-ms"); break;
		case 'L': life_ms = parse_num(optarg, 0, LONG_MAX, "life-ms"); break;
		case 'g': gap_ms = parse_num(optarg, 0, LONG_MAX, "gap-ms"); break;
		}
	}
	no_more_args(argc);
	if (leak_ms < 1)
		leak_ms = 1;
	install_signals(0);

	cur = spawn_at(0);
	if (cur == 0)
		fdleak_main(parent, leak_ms, life_ms);
	if (cur < 0) {
		fprintf(stderr, "leak_pidreuse: fork: %s\n", strerror(errno));
		return 1;
	}
	shared = cur;
	fprintf(stderr, "gen %d comm lt_fdleak pid %d at %.3f\n", gen++, (int)cur, wall());
	printf("READY pid=%d fd=-1 inode=0 reuse_pid=%d\n", (int)parent, (int)shared);
	fflush(stdout);

	end = wall() + (double)seconds;
	next_churn = wall();
	while (!stop && wall() < end) {
		pid_t w;
		int st;

		/* churn: children that exit at once.  A loaded machine cannot
		 * always fork at the rate asked: never catch up more than a
		 * tenth of a second (forking without reaping in between once
		 * filled every pid of the machine), and stop the burst at the
		 * first fork that fails */
		if (churn > 0 && next_churn < wall() - 0.1)
			next_churn = wall() - 0.1;
		for (; churn > 0 && next_churn <= wall(); next_churn += 1.0 / (double)churn) {
			pid_t k;

			/* never more than MAX_KIDS unreaped: on a machine loaded
			 * enough that the children do not run (or are not
			 * reaped) as fast as they are forked, the backlog
			 * once reached 12,000 tasks and, with two test runs
			 * at once, every pid of the machine */
			if (kids >= MAX_KIDS) {
				next_churn = wall();
				break;
			}
			k = fork();

			if (k == 0) {
				prctl(PR_SET_NAME, "lt_churnkid");
				_exit(0);
			}
			if (k < 0) {
				next_churn = wall();
				break;
			}
			kids++;
		}
		while ((w = waitpid(-1, &st, WNOHANG)) > 0) {
			if (w != cur) {
				kids -= kids > 0;
				continue;
			}
			/* the shared pid is free: the other program takes it */
			sleep_ms(gap_ms);
			leaking = !leaking;
			for (nheld = 0; !leaking && nheld < 200; nheld++)
				if ((held[nheld] = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
					break;
			/* (O_CLOEXEC: the reuser never execs; the fds are its) */
			cur = spawn_at(shared);
			if (cur == 0) {
				if (leaking)
					fdleak_main(parent, leak_ms, life_ms);
				reuser_main(parent, life_ms);
			}
			while (nheld > 0)
				close(held[--nheld]);
			if (cur < 0) {
				fprintf(stderr, "leak_pidreuse: clone3 at pid %d: %s\n",
					(int)shared, strerror(errno));
				stop = 1;
				break;
			}
			fprintf(stderr, "gen %d comm %s pid %d at %.3f\n", gen++,
				leaking ? "lt_fdleak" : "lt_reuser", (int)cur, wall());
		}
		sleep_ms(churn > 0 ? 2 : 20);
	}
	if (cur > 0)
		kill(cur, SIGKILL);
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
	return 0;
}
