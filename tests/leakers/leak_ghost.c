/*
 * leak_ghost - reproduce seed 004 (gshell): a TCP server that accepts
 * connections and never closes the accepted fds, until accept() fails with
 * EMFILE against a low RLIMIT_NOFILE, and keeps running after that.
 *
 * A forked client connects every few ms and aborts the connection with an
 * RST (SO_LINGER {1, 0}).  The RST moves the server's accepted socket to
 * TCP_CLOSE and unhashes it from the established table, so the fd still
 * holds a "TCPv6" socket inode that ss and /proc/net/tcp{,6} no longer list:
 * a ghost socket.  --peer-close fin makes the client close politely instead
 * (the leaked sockets then sit in CLOSE_WAIT and stay visible to ss).
 *
 * The listener is [::] dual stack, so IPv4 connections also produce TCPv6
 * sockets (v4-mapped); --v4-listener adds a separate 127.0.0.1 listener
 * that IPv4 connections use instead (their ghosts are then "TCP").
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
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PROG "leak_ghost"
#include "leaker.h"

enum { FAM_BOTH, FAM_6, FAM_4 };

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " [--seconds N] [--interval-ms N] [--limit N]\n"
		"                  [--family both|6|4] [--v4-listener]\n"
		"                  [--peer-close rst|fin] [--port N] [--verbose]\n"
		"  --seconds N        exit after N seconds (default 60)\n"
		"  --interval-ms N    client connects every N ms (default 200)\n"
		"  --limit N          RLIMIT_NOFILE soft limit (default 128, 0 = keep)\n"
		"  --family F         client connects over both (alternating), 6 or 4\n"
		"  --v4-listener      IPv4 clients use a separate 127.0.0.1 listener\n"
		"  --peer-close M     rst (default): ghosts; fin: visible CLOSE_WAIT\n"
		"  --port N           listen on port N (v4 listener: N+1); default ephemeral\n"
		"  --verbose          report accepts / EMFILE on stderr once a second\n");
}

static int make_listener(int family, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1, zero = 0;

	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		/* dual stack, like Go's default listener on ":port" */
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) < 0)
			die("setsockopt IPV6_V6ONLY: %s", strerror(errno));
		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_any;
		s6->sin6_port = htons(port);
		len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		s4->sin_port = htons(port);
		len = sizeof(*s4);
	}
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		die("bind %s port %u: %s", family == AF_INET6 ? "[::]" : "127.0.0.1",
		    port, strerror(errno));
	if (listen(fd, 128) < 0)
		die("listen: %s", strerror(errno));
	return fd;
}

static uint16_t local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		die("getsockname: %s", strerror(errno));
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* One connection: connect (bounded wait), then abort with RST or close. */
static void client_once(int v6, uint16_t port, int rst)
{
	struct sockaddr_storage ss;
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct pollfd pfd;
	socklen_t len;
	int fd, err = 0;

	memset(&ss, 0, sizeof(ss));
	if (v6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_loopback;
		s6->sin6_port = htons(port);
		len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		s4->sin_port = htons(port);
		len = sizeof(*s4);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return;
	/* non-blocking: a full accept backlog must not hang the client */
	if (connect(fd, (struct sockaddr *)&ss, len) < 0) {
		if (errno != EINPROGRESS)
			goto out;
		pfd.fd = fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, 1000) <= 0)
			goto out;
		len = sizeof(err);
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
		if (err)
			goto out;
	}
	if (rst)
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
out:
	close(fd);
}

static void run_client(pid_t parent, int64_t deadline, long interval, int family,
		       uint16_t port6, uint16_t port4, int rst)
{
	unsigned long n = 0;
	int64_t next = now_ms();

	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(0);
	while (!stop && getppid() == parent) {
		int64_t now = now_ms();
		int v6;

		if (now >= deadline)
			break;
		if (now < next) {
			poll(NULL, 0, (int)(next - now));
			continue;
		}
		v6 = family == FAM_6 || (family == FAM_BOTH && !(n & 1));
		client_once(v6, v6 ? port6 : port4, rst);
		n++;
		next += interval;
		if (next < now)
			next = now + interval;
	}
	_exit(0);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seconds", required_argument, NULL, 's' },
		{ "interval-ms", required_argument, NULL, 'i' },
		{ "limit", required_argument, NULL, 'l' },
		{ "family", required_argument, NULL, 'f' },
		{ "v4-listener", no_argument, NULL, '4' },
		{ "peer-close", required_argument, NULL, 'p' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "port", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	long seconds = 60, interval = 200, limit = 128, port = 0;
	int family = FAM_BOTH, v4_listener = 0, rst = 1, verbose = 0;
	int lfd6, lfd4 = -1, c;
	unsigned long accepted = 0, emfile = 0;
	uint16_t port6, port4;
	int64_t deadline, report;
	pid_t parent, client;
	struct rlimit rl;

	while ((c = next_opt(argc, argv, opts)) != -1) {
		switch (c) {
		case 's': seconds = parse_num(optarg, 1, 86400, "seconds"); break;
		case 'i': interval = parse_num(optarg, 1, 60000, "interval-ms"); break;
		case 'l': limit = parse_num(optarg, 0, 1L << 20, "limit"); break;
		case 'f':
			if (!strcmp(optarg, "both"))
				family = FAM_BOTH;
			else if (!strcmp(optarg, "6"))
				family = FAM_6;
			else if (!strcmp(optarg, "4"))
				family = FAM_4;
			else
				die("bad value for --family: '%s' (want both, 6 or 4)", optarg);
			break;
		case '4': v4_listener = 1; break;
		case 'p':
			if (!strcmp(optarg, "rst"))
				rst = 1;
			else if (!strcmp(optarg, "fin"))
				rst = 0;
			else
				die("bad value for --peer-close: '%s' (want rst or fin)", optarg);
			break;
		case 'v': verbose = 1; break;
		case 'P': port = parse_num(optarg, 0, 65535, "port"); break;
		}
	}
	no_more_args(argc);
	deadline = start_clock(seconds, 0);

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		die("getrlimit: %s", strerror(errno));
	if (limit) {
		if ((rlim_t)limit > rl.rlim_max)
			rl.rlim_max = (rlim_t)limit;	/* raising the hard limit needs root */
		rl.rlim_cur = (rlim_t)limit;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			die("setrlimit RLIMIT_NOFILE %ld: %s", limit, strerror(errno));
	}

	lfd6 = make_listener(AF_INET6, (uint16_t)port);
	port6 = local_port(lfd6);
	port4 = port6;
	if (v4_listener) {
		lfd4 = make_listener(AF_INET, port ? (uint16_t)(port + 1) : 0);
		port4 = local_port(lfd4);
	}

	parent = getpid();
	client = fork();
	if (client < 0)
		die("fork: %s", strerror(errno));
	if (client == 0) {
		close(lfd6);
		if (lfd4 >= 0)
			close(lfd4);
		run_client(parent, deadline, interval, family, port6, port4, rst);
	}

	printf("READY pid=%d fd=%d inode=%lu port=%u", (int)parent, lfd6,
	       fd_inode(lfd6), port6);
	if (lfd4 >= 0)
		printf(" fd4=%d inode4=%lu port4=%u", lfd4, fd_inode(lfd4), port4);
	printf(" server_pid=%d client_pid=%d limit=%lu peer_close=%s\n",
	       (int)parent, (int)client, (unsigned long)rl.rlim_cur,
	       rst ? "rst" : "fin");
	fflush(stdout);

	report = now_ms() + 1000;
	while (!stop) {
		struct pollfd pfd[2] = {
			{ .fd = lfd6, .events = POLLIN },
			{ .fd = lfd4, .events = POLLIN },
		};
		int64_t now = now_ms();
		int i;

		if (now >= deadline)
			break;
		if (verbose && now >= report) {
			fprintf(stderr, PROG ": accepted=%lu emfile=%lu\n", accepted, emfile);
			report = now + 1000;
		}
		if (poll(pfd, lfd4 >= 0 ? 2 : 1, 200) <= 0)
			continue;
		for (i = 0; i < 2; i++) {
			if (!(pfd[i].revents & POLLIN))
				continue;
			/* the fd is deliberately never read and never closed */
			if (accept4(pfd[i].fd, NULL, NULL, SOCK_CLOEXEC) >= 0) {
				accepted++;
			} else if (errno == EMFILE || errno == ENFILE) {
				emfile++;
				poll(NULL, 0, 100);	/* back off, as Go's accept loop does */
			}
		}
	}

	reap(client);
	return 0;
}
