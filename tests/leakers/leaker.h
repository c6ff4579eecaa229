/*
 * What every leaker repeats: the stop flag its signals set, one-line fatal
 * errors, option numbers, the monotonic clock, a socket's inode, and
 * reaping a forked helper.  Static inline, so each leak_*.c still builds
 * alone ("cc leak_x.c" from this directory, see README).
 *
 * Define PROG (the program's name, for messages) before including this.
 * Each leaker defines usage() (its --help text); next_opt() calls it.  A
 * leaker that needs no SIGUSR1 report passes usr1 = 0: SIGUSR1 then keeps
 * its default action.
 */
#ifndef LEAKTOP_LEAKER_H
#define LEAKTOP_LEAKER_H

#ifndef PROG
#error "define PROG before including leaker.h"
#endif

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* stop: SIGTERM, SIGINT or SIGALRM arrived; report_asked: SIGUSR1 did */
static volatile sig_atomic_t stop, report_asked;

static inline void on_signal(int sig)
{
	if (sig == SIGUSR1)
		report_asked = 1;
	else
		stop = 1;
}

/* SIGTERM, SIGINT and SIGALRM set stop (and SIGUSR1 report_asked if
 * usr1); no SA_RESTART, so they wake blocking calls.  SIGPIPE is ignored. */
static inline void install_signals(int usr1)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	if (usr1)
		sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* "PROG: message" on stderr, exit 1. */
static inline void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static inline void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PROG ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* The value of option --opt, which must be a whole number in min..max. */
static inline long parse_num(const char *s, long min, long max, const char *opt)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		die("bad value for --%s: '%s' (want %ld..%ld)", opt, s, min, max);
	return v;
}

static inline int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* install_signals(usr1), and SIGALRM 5 s after the deadline as a backstop
 * (the loops check the deadline themselves); returns the deadline, seconds
 * from now, in now_ms() time. */
static inline int64_t start_clock(long seconds, int usr1)
{
	install_signals(usr1);
	alarm((unsigned int)seconds + 5);
	return now_ms() + seconds * 1000;
}

/* Each leaker's --help text (to f). */
static void usage(FILE *f);

/*
 * getopt_long over opts, plus -h: the next option, or -1 when they are
 * done.  --help prints the usage and exits 0; a bad option prints it on
 * stderr and exits 1.
 */
static inline int next_opt(int argc, char **argv, const struct option *opts)
{
	int c = getopt_long(argc, argv, "h", opts, NULL);

	if (c == 'h') {
		usage(stdout);
		exit(0);
	}
	if (c == '?') {
		usage(stderr);
		exit(1);
	}
	return c;
}

/* After the options: an argument left over prints the usage on stderr and
 * exits 1. */
static inline void no_more_args(int argc)
{
	if (optind != argc) {
		usage(stderr);
		exit(1);
	}
}

static inline unsigned long fd_inode(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		die("fstat: %s", strerror(errno));
	return (unsigned long)st.st_ino;
}

/* SIGTERM to a forked helper, and wait for it (nothing when child <= 0). */
static inline void reap(pid_t child)
{
	int status;

	if (child <= 0)
		return;
	kill(child, SIGTERM);
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
}

/* A child's one-line report to its parent over a pipe, "\n" added, in one
 * write under PIPE_BUF so lines from several children do not mix. */
static inline void report_line(int wfd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static inline void report_line(int wfd, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	while (write(wfd, line, (size_t)n) < 0 && errno == EINTR)
		;
}

#endif
