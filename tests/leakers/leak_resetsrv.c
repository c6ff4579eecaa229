/*
 * leak_resetsrv - not a leak: a healthy TCP server under connection churn,
 * the way haproxy serves clients that reset.  A forked client connects to
 * it --rate times a second, sends a request, reads the reply and resets
 * the connection (SO_LINGER 0).  The server answers each request and
 * closes a connection --close-delay-ms after its client reset it: until
 * then the network stack no longer lists the socket, and its fd is a ghost
 * for a moment.  A triage that calls that a leak cries wolf
 * (tests/bt_churnserver.sh).
 *
 * Prints "READY pid=<server> port=<port> client=<client pid>".
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define PROG "leak_resetsrv"
#include "leaker.h"

#define MAXCONN 1024

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " [--seconds N] [--rate N] [--close-delay-ms N] [--start-ms N]\n"
		"  --seconds N          exit after N seconds (default 60)\n"
		"  --rate N             client connections per second (default 100)\n"
		"  --close-delay-ms N   the server closes a reset connection this\n"
		"                       long after its client reset it (default 50)\n"
		"  --start-ms N         the client starts N ms after READY (default 0):\n"
		"                       a watcher sees the churn begin, as on a server\n"
		"                       whose load comes on\n");
}

/* The client: connect, ask, read the answer, reset; rate times a second
 * until the deadline or the server goes. */
static void run_client(pid_t parent, int64_t deadline, long rate, long start,
		       uint16_t port)
{
	struct sockaddr_in sin;
	struct linger lg = { 1, 0 };
	int64_t next = now_ms();
	long gap = 1000 / rate > 0 ? 1000 / rate : 1;
	char buf[16];

	prctl(PR_SET_NAME, "resetsrv_client");
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	while (!stop && now_ms() < next + start)
		usleep(10000);
	next = now_ms();
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(port);
	while (!stop && now_ms() < deadline && getppid() == parent) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (fd < 0)
			die("socket: %s", strerror(errno));
		if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
		    write(fd, "ping\n", 5) == 5)
			(void)read(fd, buf, sizeof(buf));
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(fd);	/* an RST: the server's end is unhashed at once */
		next += gap;
		if (next > now_ms())
			usleep((useconds_t)(next - now_ms()) * 1000);
		else
			next = now_ms();
	}
	_exit(0);
}

struct conn {
	int fd;
	int64_t close_at;	/* 0: open; else when the server closes it */
};

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seconds", required_argument, NULL, 's' },
		{ "rate", required_argument, NULL, 'r' },
		{ "close-delay-ms", required_argument, NULL, 'c' },
		{ "start-ms", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 }
	};
	static struct conn conns[MAXCONN];
	static struct pollfd pfd[MAXCONN + 1];
	long seconds = 60, rate = 100, delay = 50, start = 0;
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int64_t deadline;
	size_t n = 0, i;
	pid_t client, self = getpid();
	int lfd, c;

	while ((c = next_opt(argc, argv, opts)) != -1) {
		switch (c) {
		case 's': seconds = parse_num(optarg, 1, 86400, "seconds"); break;
		case 'r': rate = parse_num(optarg, 1, 1000, "rate"); break;
		case 'c': delay = parse_num(optarg, 0, 3600000, "close-delay-ms"); break;
		case 'w': start = parse_num(optarg, 0, 3600000, "start-ms"); break;
		}
	}
	no_more_args(argc);
	deadline = start_clock(seconds, 0);

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (lfd < 0)
		die("socket: %s", strerror(errno));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(lfd, 128) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &len) < 0)
		die("listen: %s", strerror(errno));

	client = fork();
	if (client < 0)
		die("fork: %s", strerror(errno));
	if (client == 0)
		run_client(self, deadline, rate, start, ntohs(sin.sin_port));
	printf("READY pid=%d port=%u client=%d\n", (int)self, ntohs(sin.sin_port),
	       (int)client);
	fflush(stdout);

	while (!stop && now_ms() < deadline) {
		int64_t now = now_ms();
		size_t np = 0, k = 0;

		/* close what its client reset a moment ago, keep the rest */
		for (i = 0; i < n; i++) {
			if (conns[i].close_at && conns[i].close_at <= now) {
				close(conns[i].fd);
				continue;
			}
			conns[k++] = conns[i];
		}
		n = k;
		pfd[np].fd = lfd;
		pfd[np++].events = POLLIN;
		for (i = 0; i < n; i++) {
			pfd[np].fd = conns[i].close_at ? -1 : conns[i].fd;
			pfd[np++].events = POLLIN;
		}
		if (poll(pfd, np, 10) < 0 && errno != EINTR)
			die("poll: %s", strerror(errno));
		for (i = 0; i < n; i++) {
			char buf[64];
			ssize_t r;

			if (!(pfd[i + 1].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			r = read(conns[i].fd, buf, sizeof(buf));
			if (r > 0) {
				(void)write(conns[i].fd, "pong\n", 5);
				continue;
			}
			if (r < 0 && errno == EAGAIN)
				continue;
			/* reset (or closed) by its client: close it a moment later */
			conns[i].close_at = now_ms() + delay;
		}
		if (pfd[0].revents & POLLIN) {
			int fd;

			while (n < MAXCONN &&
			       (fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
				conns[n].fd = fd;
				conns[n].close_at = 0;
				n++;
			}
		}
	}
	kill(client, SIGTERM);
	reap(client);
	return 0;
}
