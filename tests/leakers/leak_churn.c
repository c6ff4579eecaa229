/*
 * leak_churn - background noise for benchmarks and robustness tests: opens
 * and closes short-lived sockets (UDP with a queued datagram, TCP, unix
 * pairs) and forks short-lived children that each hold a socket for a few
 * ms, at configurable rates.  Processes and sockets vanish mid-scan all the
 * time, which a scanner must skip silently.
 *
 * One long-lived "anchor" UDP socket with a small unread queue is reported
 * in the READY line, so a test can check it stays tracked amid the churn.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PROG "leak_churn"
#include "leaker.h"

#define TICK_MS 10

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " [--seconds N] [--sockets-per-sec N] [--forks-per-sec N]\n"
		"                  [--hold-ms N] [--max-children N]\n"
		"  --seconds N          exit after N seconds (default 60)\n"
		"  --sockets-per-sec N  short-lived sockets opened+closed per second (default 200)\n"
		"  --forks-per-sec N    short-lived children per second (default 20)\n"
		"  --hold-ms N          how long each child lives and holds its socket (default 50)\n"
		"  --max-children N     cap on live children (default 64)\n");
}

/* A bound UDP socket with one datagram queued to itself, or -1. */
static int udp_with_queue(void)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	static const char msg[] = "churn";
	int fd;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) < 0 ||
	    sendto(fd, msg, sizeof(msg), 0, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void churn_socket(unsigned long n)
{
	int fd, sv[2];

	switch (n % 3) {
	case 0:
		fd = udp_with_queue();
		if (fd >= 0)
			close(fd);
		break;
	case 1:
		fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0)
			close(fd);
		break;
	default:
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0) {
			close(sv[0]);
			close(sv[1]);
		}
		break;
	}
}

/* Remember a live child in the first free slot of the table. */
static void pids_add(pid_t *pids, long n, pid_t pid)
{
	long i;

	for (i = 0; i < n; i++) {
		if (!pids[i]) {
			pids[i] = pid;
			return;
		}
	}
}

static void pids_del(pid_t *pids, long n, pid_t pid)
{
	long i;

	for (i = 0; i < n; i++) {
		if (pids[i] == pid) {
			pids[i] = 0;
			return;
		}
	}
}

static void child_main(pid_t parent, long hold)
{
	int fd;

	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(0);
	fd = udp_with_queue();
	poll(NULL, 0, (int)hold);
	if (fd >= 0)
		close(fd);
	_exit(0);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seconds", required_argument, NULL, 's' },
		{ "sockets-per-sec", required_argument, NULL, 'k' },
		{ "forks-per-sec", required_argument, NULL, 'f' },
		{ "hold-ms", required_argument, NULL, 'H' },
		{ "max-children", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	long seconds = 60, sock_rate = 200, fork_rate = 20, hold = 50, max_children = 64;
	unsigned long nsock = 0, nfork = 0;
	long live = 0;
	double sock_due = 0, fork_due = 0;
	int64_t deadline, last;
	pid_t parent, *pids;
	int anchor, c;
	long i;

	while ((c = next_opt(argc, argv, opts)) != -1) {
		switch (c) {
		case 's': seconds = parse_num(optarg, 1, 86400, "seconds"); break;
		case 'k': sock_rate = parse_num(optarg, 0, 1000000, "sockets-per-sec"); break;
		case 'f': fork_rate = parse_num(optarg, 0, 10000, "forks-per-sec"); break;
		case 'H': hold = parse_num(optarg, 0, 60000, "hold-ms"); break;
		case 'm': max_children = parse_num(optarg, 1, 4096, "max-children"); break;
		}
	}
	no_more_args(argc);
	deadline = start_clock(seconds, 0);
	parent = getpid();

	pids = calloc((size_t)max_children, sizeof(*pids));
	if (!pids)
		die("out of memory");
	anchor = udp_with_queue();
	if (anchor < 0)
		die("anchor UDP socket on 127.0.0.1: %s", strerror(errno));

	printf("READY pid=%d fd=%d inode=%lu sockets_per_sec=%ld forks_per_sec=%ld\n",
	       (int)parent, anchor, fd_inode(anchor), sock_rate, fork_rate);
	fflush(stdout);

	last = now_ms();
	while (!stop) {
		int64_t now = now_ms();
		pid_t pid;

		if (now >= deadline)
			break;
		while ((pid = waitpid(-1, NULL, WNOHANG)) > 0) {
			pids_del(pids, max_children, pid);
			live--;
		}

		sock_due += (double)sock_rate * (double)(now - last) / 1000.0;
		fork_due += (double)fork_rate * (double)(now - last) / 1000.0;
		last = now;
		for (; sock_due >= 1 && !stop; sock_due -= 1)
			churn_socket(nsock++);
		for (; fork_due >= 1 && !stop; fork_due -= 1) {
			if (live >= max_children) {
				fork_due = 0;	/* drop, do not build a backlog */
				break;
			}
			pid = fork();
			if (pid == 0)
				child_main(parent, hold);
			if (pid > 0) {
				pids_add(pids, max_children, pid);
				live++;
				nfork++;
			}
		}
		poll(NULL, 0, TICK_MS);
	}

	/* leave no child behind */
	for (i = 0; i < max_children; i++) {
		if (!pids[i])
			continue;
		kill(pids[i], SIGKILL);
		while (waitpid(pids[i], NULL, 0) < 0 && errno == EINTR)
			;
	}
	free(pids);
	close(anchor);
	return 0;
}
