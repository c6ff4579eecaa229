/*
 * forker - the process load of leaktop's benchmark at scale: N sleeping
 * child processes, as an appliance or container host has thousands of
 * (issue 14).  Each child sleeps in pause() holding nothing but stdin,
 * stdout and stderr (on /dev/null); it dies with the forker
 * (PR_SET_PDEATHSIG), and the forker kills and reaps them all when it
 * stops: after --seconds, on SIGTERM/SIGINT, or on an error half-way.
 *
 * After set-up, one line on stdout, flushed:
 *   READY pid=<pid> procs=<N> first=<first child's pid> last=<last child's pid>
 * On error, one line on stderr and exit 1 (with every child gone).  Before
 * exiting it checks that no child is left (waitpid: ECHILD), else says
 * "forker: children still alive after the kill" and exits 1.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define PROG "forker"
#define MAX_PROCS 30000

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " [--procs N] [--seconds S]\n"
		"  --procs N    sleeping child processes (default 3000, at most %d)\n"
		"  --seconds S  stop after S seconds (default 3600)\n", MAX_PROCS);
}

static long parse_num(const char *s, long min, long max, const char *opt)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, PROG ": bad value for --%s: '%s' (want %ld..%ld)\n",
			opt, s, min, max);
		exit(1);
	}
	return v;
}

/* A child: nothing to do but sleep until the forker goes. */
static void child_main(pid_t parent)
{
	sigset_t none;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)	/* the forker died before the prctl */
		_exit(0);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (;;)
		pause();
}

/* Kill and reap every child; 0 when none is left (waitpid says ECHILD),
 * else -1. */
static int reap_all(const pid_t *pids, long n)
{
	long i;

	for (i = 0; i < n; i++)
		kill(pids[i], SIGKILL);
	for (i = 0; i < n; i++)
		while (waitpid(pids[i], NULL, 0) < 0 && errno == EINTR)
			;
	return waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD ? 0 : -1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "procs", required_argument, NULL, 'p' },
		{ "seconds", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	long procs = 3000, seconds = 3600, i, n = 0;
	struct sigaction sa;
	sigset_t block, old;
	pid_t parent, *pids;
	int c, devnull, failed = 0;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'p': procs = parse_num(optarg, 1, MAX_PROCS, "procs"); break;
		case 't': seconds = parse_num(optarg, 1, 86400, "seconds"); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 1;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	pids = calloc((size_t)procs, sizeof(*pids));
	if (!pids) {
		fprintf(stderr, PROG ": out of memory\n");
		return 1;
	}
	/* the children hold /dev/null, not the caller's pipes: a script that
	 * reads our stdout must see EOF when we are gone */
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	parent = getpid();
	/* no signal between fork and the child's prctl reaches a handler that
	 * the child would inherit */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGALRM);
	for (i = 0; i < procs && !stop; i++) {
		pid_t pid;

		sigprocmask(SIG_BLOCK, &block, &old);
		pid = fork();
		if (pid == 0) {
			if (devnull >= 0) {
				dup2(devnull, 0);
				dup2(devnull, 1);
				dup2(devnull, 2);
			}
			child_main(parent);
		}
		sigprocmask(SIG_SETMASK, &old, NULL);
		if (pid < 0) {
			fprintf(stderr, PROG ": fork after %ld children: %s\n", n, strerror(errno));
			failed = 1;
			break;
		}
		pids[n++] = pid;
	}
	if (devnull >= 0)
		close(devnull);
	if (!failed && !stop) {
		alarm((unsigned)seconds);
		printf("READY pid=%d procs=%ld first=%d last=%d\n", (int)parent, n,
		       (int)pids[0], (int)pids[n - 1]);
		fflush(stdout);
		while (!stop)
			pause();
	}
	if (reap_all(pids, n) < 0) {
		fprintf(stderr, PROG ": children still alive after the kill\n");
		failed = 1;
	}
	free(pids);
	return failed;
}
