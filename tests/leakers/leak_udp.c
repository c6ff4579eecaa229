/*
 * leak_udp - reproduce seed 001 (friend_push): a UDP client that sends a
 * request every few milliseconds to an echo server and never reads the
 * replies, so they pile up in its receive queue until SO_RCVBUF is full.
 *
 * The echo server is a forked child on the loopback address.  The READY
 * line names the client process and its leaking socket.  --read turns the
 * client into a well-behaved one (negative control: queue stays near 0).
 *
 * For the action tests: SIGUSR1 makes the client print "sent=N" (and the
 * server "received=N") on stderr; --lock-filter attaches an accept-all
 * classic filter and locks it (SO_LOCK_FILTER); --swap-after-ms N replaces
 * the leaking fd with a new socket (dup2) N ms after READY, as a daemon
 * that reconnects would; --fork forks a child (fork_pid=) that keeps the
 * leaking socket open and does nothing else, as a daemon's worker
 * inheriting it would, so the socket has two owners.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/filter.h>
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

#define PROG "leak_udp"
#include "leaker.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " [--seconds N] [--interval-ms N] [--size BYTES]\n"
		"                [--rcvbuf BYTES] [--read] [--ipv6] [--lock-filter]\n"
		"                [--swap-after-ms N] [--fork]\n"
		"  --seconds N       exit after N seconds (default 60)\n"
		"  --interval-ms N   send one request every N ms (default 20)\n"
		"  --size BYTES      request (and reply) payload size (default 1024)\n"
		"  --rcvbuf BYTES    set the client's SO_RCVBUF(FORCE) (default: system)\n"
		"  --read            read replies promptly (negative control)\n"
		"  --ipv6            use ::1 instead of 127.0.0.1\n"
		"  --lock-filter     attach an accept-all classic filter and lock it\n"
		"  --swap-after-ms N replace the leaking fd with a new socket after N ms\n"
		"  --fork            a forked child keeps the leaking socket open too\n"
		"  SIGUSR1: print sent=N (client) / received=N (server) on stderr\n");
}

static socklen_t loopback_addr(struct sockaddr_storage *ss, int ipv6, uint16_t port)
{
	memset(ss, 0, sizeof(*ss));
	if (ipv6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_loopback;
		s6->sin6_port = htons(port);
		return sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		s4->sin_port = htons(port);
		return sizeof(*s4);
	}
}

/* The client socket: connected to the echo server, so the replies match
 * it and land in its queue. */
static int client_socket(int family, int ipv6, uint16_t port, long rcvbuf)
{
	struct sockaddr_storage addr;
	socklen_t alen;
	int fd;

	fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	if (rcvbuf) {
		int v = (int)rcvbuf;

		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) < 0 &&
		    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)) < 0)
			die("setsockopt SO_RCVBUF: %s", strerror(errno));
	}
	alen = loopback_addr(&addr, ipv6, port);
	if (connect(fd, (struct sockaddr *)&addr, alen) < 0)
		die("connect: %s", strerror(errno));
	return fd;
}

/* Echo every datagram back to its sender until told to stop. */
static void run_server(int fd, pid_t parent, int64_t deadline, size_t bufsz)
{
	char *buf = malloc(bufsz);
	unsigned long received = 0;

	if (!buf)
		_exit(1);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(0);
	while (!stop && now_ms() < deadline && getppid() == parent) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (report_asked) {
			report_asked = 0;
			fprintf(stderr, PROG ": server received=%lu\n", received);
		}
		if (poll(&pfd, 1, 200) <= 0)
			continue;
		for (;;) {
			struct sockaddr_storage from;
			socklen_t fl = sizeof(from);
			ssize_t n = recvfrom(fd, buf, bufsz, MSG_DONTWAIT,
					     (struct sockaddr *)&from, &fl);

			if (n < 0)
				break;
			received++;
			sendto(fd, buf, (size_t)n, MSG_DONTWAIT,
			       (struct sockaddr *)&from, fl);
		}
	}
	free(buf);
	_exit(0);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seconds", required_argument, NULL, 's' },
		{ "interval-ms", required_argument, NULL, 'i' },
		{ "size", required_argument, NULL, 'z' },
		{ "rcvbuf", required_argument, NULL, 'r' },
		{ "read", no_argument, NULL, 'R' },
		{ "ipv6", no_argument, NULL, '6' },
		{ "lock-filter", no_argument, NULL, 'L' },
		{ "swap-after-ms", required_argument, NULL, 'S' },
		{ "fork", no_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	long seconds = 60, interval = 20, size = 1024, rcvbuf = 0, swap_ms = 0;
	int do_read = 0, ipv6 = 0, lock_filter = 0, do_fork = 0, family, srv, cli, c;
	unsigned long sent = 0;
	struct sockaddr_storage addr;
	socklen_t alen;
	int64_t deadline, next, swap_at = 0;
	uint16_t port;
	pid_t parent, server, holder = 0;
	char *buf;

	while ((c = next_opt(argc, argv, opts)) != -1) {
		switch (c) {
		case 's': seconds = parse_num(optarg, 1, 86400, "seconds"); break;
		case 'i': interval = parse_num(optarg, 1, 60000, "interval-ms"); break;
		case 'z': size = parse_num(optarg, 1, 65000, "size"); break;
		case 'r': rcvbuf = parse_num(optarg, 1, 1L << 30, "rcvbuf"); break;
		case 'R': do_read = 1; break;
		case '6': ipv6 = 1; break;
		case 'L': lock_filter = 1; break;
		case 'S': swap_ms = parse_num(optarg, 1, 86400000, "swap-after-ms"); break;
		case 'K': do_fork = 1; break;
		}
	}
	no_more_args(argc);
	deadline = start_clock(seconds, 1);
	family = ipv6 ? AF_INET6 : AF_INET;

	srv = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (srv < 0)
		die("socket: %s", strerror(errno));
	alen = loopback_addr(&addr, ipv6, 0);
	if (bind(srv, (struct sockaddr *)&addr, alen) < 0)
		die("bind %s: %s", ipv6 ? "[::1]:0" : "127.0.0.1:0", strerror(errno));
	alen = sizeof(addr);
	if (getsockname(srv, (struct sockaddr *)&addr, &alen) < 0)
		die("getsockname: %s", strerror(errno));
	port = ntohs(ipv6 ? ((struct sockaddr_in6 *)&addr)->sin6_port :
			    ((struct sockaddr_in *)&addr)->sin_port);

	parent = getpid();
	server = fork();
	if (server < 0)
		die("fork: %s", strerror(errno));
	if (server == 0)
		run_server(srv, parent, deadline + 1000, (size_t)size);
	close(srv);

	cli = client_socket(family, ipv6, port, rcvbuf);
	if (lock_filter) {
		/* accept everything, then lock: nobody may change it any more */
		struct sock_filter all = BPF_STMT(BPF_RET | BPF_K, 0xffffffff);
		struct sock_fprog prog = { .len = 1, .filter = &all };
		int one = 1;

		if (setsockopt(cli, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0 ||
		    setsockopt(cli, SOL_SOCKET, SO_LOCK_FILTER, &one, sizeof(one)) < 0)
			die("attach and lock a filter: %s", strerror(errno));
	}

	if (do_fork) {
		holder = fork();
		if (holder < 0)
			die("fork: %s", strerror(errno));
		if (holder == 0) {
			/* holds cli (inherited) and nothing else: never reads it */
			prctl(PR_SET_PDEATHSIG, SIGTERM);
			if (getppid() != parent)
				_exit(0);
			while (!stop && now_ms() < deadline + 1000)
				poll(NULL, 0, 200);
			_exit(0);
		}
	}

	buf = malloc((size_t)size);
	if (!buf)
		die("out of memory");
	memset(buf, 'q', (size_t)size);

	printf("READY pid=%d fd=%d inode=%lu server_pid=%d port=%u family=%s read=%d "
	       "lock_filter=%d fork_pid=%d\n", (int)parent, cli, fd_inode(cli), (int)server,
	       port, ipv6 ? "inet6" : "inet", do_read, lock_filter, (int)holder);
	fflush(stdout);

	next = now_ms();
	if (swap_ms)
		swap_at = next + swap_ms;
	while (!stop) {
		int64_t now = now_ms();
		struct pollfd pfd = { .fd = cli, .events = do_read ? POLLIN : 0 };

		if (report_asked) {
			report_asked = 0;
			fprintf(stderr, PROG ": sent=%lu\n", sent);
		}
		if (now >= deadline)
			break;
		if (swap_at && now >= swap_at) {
			int nfd = client_socket(family, ipv6, port, rcvbuf);
			unsigned long old = fd_inode(cli);

			/* same fd number, another socket: what a reconnect looks like */
			if (dup3(nfd, cli, O_CLOEXEC) < 0)
				die("dup3: %s", strerror(errno));
			close(nfd);
			fprintf(stderr, PROG ": swapped fd %d: inode %lu -> %lu\n", cli, old,
				fd_inode(cli));
			swap_at = 0;
		}
		if (now >= next) {
			/* errors (ECONNREFUSED if the server died, ENOBUFS) are not fatal */
			if (send(cli, buf, (size_t)size, MSG_DONTWAIT) >= 0)
				sent++;
			next += interval;
			if (next < now)
				next = now + interval;
			continue;
		}
		if (poll(&pfd, 1, (int)(next - now)) <= 0)
			continue;
		if (pfd.revents & POLLIN) {
			while (recv(cli, buf, (size_t)size, MSG_DONTWAIT) >= 0)
				;
		} else if (pfd.revents & POLLERR) {
			int err;
			socklen_t el = sizeof(err);

			/* clear a pending ICMP error so poll() does not spin */
			getsockopt(cli, SOL_SOCKET, SO_ERROR, &err, &el);
		}
	}

	reap(server);
	reap(holder);
	free(buf);
	return 0;
}
