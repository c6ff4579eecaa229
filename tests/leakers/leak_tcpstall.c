/*
 * leak_tcpstall - reproduce the TCP stalls: data that sits in TCP queues
 * because the other end stopped reading.
 *
 * --mode orphans (default): a server on 127.0.0.1 (this process, the
 * culprit) accepts --count connections and never reads them.  A forked
 * client opens the connections, writes to each (non-blocking) until EAGAIN
 * or --size bytes, and close()s it.  The peer's window is shut, so each
 * client socket becomes an orphan (no fd, no process) in FIN_WAIT1 with a
 * full send queue that only the server's never-read receive queues explain.
 * The kernel gives up on such orphans after a few minutes of zero-window
 * probes, or at once when the server's sockets close (they reset them).
 *
 * --mode stream: a forked server child accepts one connection and writes
 * to it; this process is the client and never reads (the culprit).  The
 * client's receive queue fills, then the server's send queue, and the
 * server's writes stall.
 *
 * --read: the reading side reads everything promptly (negative control).
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

#define PROG "leak_tcpstall"
#include "leaker.h"

#define CHUNK 65536

enum { MODE_ORPHANS, MODE_STREAM };

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " [--seconds N] [--mode orphans|stream] [--read]\n"
		"                     [--count N] [--size BYTES] [--port N]\n"
		"  --seconds N     exit after N seconds (default 60)\n"
		"  --mode M        orphans (default): closed client sockets stuck in\n"
		"                  FIN_WAIT1 behind a server that never reads;\n"
		"                  stream: a client that never reads a server's stream\n"
		"  --read          the reading side reads promptly (negative control)\n"
		"  --count N       orphans: number of connections (default 12)\n"
		"  --size BYTES    bytes each writer tries to write (default 8388608)\n"
		"  --port N        listen on 127.0.0.1 port N (default ephemeral)\n");
}

static void set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		die("fcntl O_NONBLOCK: %s", strerror(errno));
}

static int make_listener(uint16_t port, int backlog, uint16_t *bound)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd, one = 1;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(port);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		die("bind 127.0.0.1 port %u: %s", port, strerror(errno));
	if (listen(fd, backlog) < 0)
		die("listen: %s", strerror(errno));
	if (getsockname(fd, (struct sockaddr *)&sin, &len) < 0)
		die("getsockname: %s", strerror(errno));
	*bound = ntohs(sin.sin_port);
	return fd;
}

/* Blocking connect to 127.0.0.1:port; -1 with errno set on failure. */
static int connect_loopback(uint16_t port)
{
	struct sockaddr_in sin;
	int fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(port);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/*
 * Read the child's report line (up to the newline) before the deadline.
 * 0: got it; -1: EOF, timeout or signal.
 */
static int read_line(int rfd, char *buf, size_t len, int64_t deadline)
{
	size_t got = 0;

	buf[0] = '\0';
	while (got < len - 1) {
		struct pollfd pfd = { .fd = rfd, .events = POLLIN };
		int64_t now = now_ms();
		ssize_t n;

		if (stop || now >= deadline) {
			buf[got] = '\0';
			return -1;
		}
		if (poll(&pfd, 1, (int)(deadline - now > 200 ? 200 : deadline - now)) <= 0)
			continue;
		n = read(rfd, buf + got, 1);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			buf[got] = '\0';
			return -1;
		}
		if (buf[got] == '\n')
			break;
		got++;
	}
	buf[got] = '\0';
	return 0;
}

/*
 * Write to a non-blocking socket until --size bytes are in or the socket
 * stays full (EAGAIN and no room within 100 ms).  Returns bytes written.
 */
static unsigned long long fill(int fd, const char *buf, long size)
{
	unsigned long long total = 0;

	while (!stop && total < (unsigned long long)size) {
		size_t want = (unsigned long long)size - total < CHUNK ?
			(size_t)((unsigned long long)size - total) : CHUNK;
		ssize_t n = write(fd, buf, want);

		if (n > 0) {
			total += (unsigned long long)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd pfd = { .fd = fd, .events = POLLOUT };

			if (poll(&pfd, 1, 100) > 0 && (pfd.revents & POLLOUT))
				continue;
		}
		break;
	}
	return total;
}

static void child_setup(pid_t parent, int64_t deadline)
{
	int64_t left = deadline - now_ms();

	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(0);
	/* the parent's alarm is not inherited */
	alarm((unsigned int)(left > 0 ? left / 1000 : 0) + 5);
}

static void idle_until(pid_t parent, int64_t deadline)
{
	while (!stop && now_ms() < deadline && getppid() == parent)
		poll(NULL, 0, 200);
}

/*
 * Orphans client: open count connections, fill each and close it.  Then
 * report "ok <bytes written>" and sleep until killed.
 */
static void run_orphan_client(pid_t parent, int wfd, uint16_t port, long count,
			      long size, int64_t deadline)
{
	unsigned long long total = 0;
	char *buf = malloc(CHUNK);
	long i;

	child_setup(parent, deadline);
	if (!buf) {
		report_line(wfd, "err client: out of memory");
		_exit(1);
	}
	memset(buf, 'o', CHUNK);
	for (i = 0; i < count && !stop; i++) {
		int fd = connect_loopback(port);

		if (fd < 0) {
			report_line(wfd, "err client: connect 127.0.0.1:%u (connection %ld): %s",
				    port, i + 1, strerror(errno));
			_exit(1);
		}
		fcntl(fd, F_SETFL, O_NONBLOCK);
		total += fill(fd, buf, size);
		close(fd);	/* FIN queued behind the unsent data: FIN_WAIT1 orphan */
	}
	free(buf);
	if (stop)
		_exit(0);
	report_line(wfd, "ok %llu", total);
	close(wfd);
	idle_until(parent, deadline);
	_exit(0);
}

/*
 * Stream server: accept one connection, report "ok <fd> <inode>", then
 * write up to size bytes into it, poll-driven, until the deadline.
 */
static void run_stream_server(pid_t parent, int wfd, int lfd, long size, int64_t deadline)
{
	unsigned long long total = 0;
	struct stat st;
	char *buf = malloc(CHUNK);
	int fd = -1;

	child_setup(parent, deadline);
	if (!buf) {
		report_line(wfd, "err server: out of memory");
		_exit(1);
	}
	memset(buf, 's', CHUNK);
	while (!stop && now_ms() < deadline) {
		struct pollfd pfd = { .fd = lfd, .events = POLLIN };

		if (poll(&pfd, 1, 200) <= 0)
			continue;
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd >= 0)
			break;
		if (errno != EINTR && errno != EAGAIN && errno != ECONNABORTED) {
			report_line(wfd, "err server: accept: %s", strerror(errno));
			_exit(1);
		}
	}
	if (fd < 0)
		_exit(0);
	close(lfd);
	if (fstat(fd, &st) < 0) {
		report_line(wfd, "err server: fstat: %s", strerror(errno));
		_exit(1);
	}
	report_line(wfd, "ok %d %lu", fd, (unsigned long)st.st_ino);
	close(wfd);

	while (!stop && now_ms() < deadline && getppid() == parent &&
	       total < (unsigned long long)size) {
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		size_t want;
		ssize_t n;

		if (poll(&pfd, 1, 200) <= 0)
			continue;
		if (pfd.revents & (POLLERR | POLLHUP))
			break;
		want = (unsigned long long)size - total < CHUNK ?
			(size_t)((unsigned long long)size - total) : CHUNK;
		n = write(fd, buf, want);
		if (n > 0)
			total += (unsigned long long)n;
		else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			break;
	}
	free(buf);
	idle_until(parent, deadline);	/* keep the connection (and its queue) */
	_exit(0);
}

static void fail(pid_t child, const char *what, const char *line)
{
	reap(child);
	if (line && !strncmp(line, "err ", 4))
		die("%s", line + 4);
	die("%s", what);
}

/* Read whatever is queued on fd; 1 at EOF or on error. */
static int drain(int fd, char *buf, size_t len)
{
	for (;;) {
		ssize_t n = recv(fd, buf, len, MSG_DONTWAIT);

		if (n > 0)
			continue;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		return 1;
	}
}

static int run_orphans(long seconds, int do_read, long count, long size, long port_opt)
{
	int64_t deadline = now_ms() + seconds * 1000;
	int pfds[2], lfd, *acc, *done, reported = 0;
	unsigned long long written = 0;
	long accepted = 0, i;
	char line[256], *rbuf;
	uint16_t port;
	pid_t parent, client;

	lfd = make_listener((uint16_t)port_opt, (int)(count + 16), &port);
	acc = calloc((size_t)count, sizeof(*acc));
	done = calloc((size_t)count, sizeof(*done));
	rbuf = malloc(CHUNK);
	if (!acc || !done || !rbuf)
		die("out of memory");
	if (pipe2(pfds, O_CLOEXEC) < 0)
		die("pipe: %s", strerror(errno));

	parent = getpid();
	client = fork();
	if (client < 0)
		die("fork: %s", strerror(errno));
	if (client == 0) {
		close(pfds[0]);
		close(lfd);
		run_orphan_client(parent, pfds[1], port, count, size, deadline);
	}
	close(pfds[1]);
	set_nonblock(lfd);

	/* accept all of them (reading them with --read) and wait for the
	 * client's report that every connection is written and closed */
	while (accepted < count || !reported) {
		struct pollfd *pfd;
		int64_t now = now_ms();
		nfds_t n = 0;

		if (stop) {
			reap(client);
			return 0;
		}
		if (now >= deadline)
			fail(client, "timed out waiting for the client connections", NULL);
		pfd = calloc((size_t)count + 2, sizeof(*pfd));
		if (!pfd)
			die("out of memory");
		pfd[n].fd = lfd;
		pfd[n++].events = accepted < count ? POLLIN : 0;
		pfd[n].fd = reported ? -1 : pfds[0];
		pfd[n++].events = POLLIN;
		for (i = 0; do_read && i < accepted; i++) {
			pfd[n].fd = done[i] ? -1 : acc[i];
			pfd[n++].events = POLLIN;
		}
		if (poll(pfd, n, 200) <= 0) {
			free(pfd);
			continue;
		}
		if (pfd[0].revents & POLLIN) {
			int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

			if (fd >= 0)
				acc[accepted++] = fd;
			else if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				fail(client, "accept failed", NULL);
		}
		if (pfd[1].revents & (POLLIN | POLLHUP)) {
			if (read_line(pfds[0], line, sizeof(line), deadline) < 0 ||
			    sscanf(line, "ok %llu", &written) != 1)
				fail(client, "client failed", line);
			reported = 1;
		}
		for (i = 2; i < (long)n; i++)
			if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
				done[i - 2] = drain(acc[i - 2], rbuf, CHUNK);
		free(pfd);
	}
	close(pfds[0]);

	printf("READY pid=%d fd=%d inode=%lu port=%u client_pid=%d count=%ld accepted=%d "
	       "mode=orphans read=%d written=%llu\n", (int)parent, lfd, fd_inode(lfd), port,
	       (int)client, count, acc[0], do_read, written);
	fflush(stdout);

	while (!stop && now_ms() < deadline) {
		struct pollfd *pfd = calloc((size_t)count, sizeof(*pfd));

		if (!pfd)
			die("out of memory");
		if (!do_read) {
			free(pfd);
			poll(NULL, 0, 200);	/* the accepted fds are never read */
			continue;
		}
		for (i = 0; i < count; i++) {
			pfd[i].fd = done[i] ? -1 : acc[i];
			pfd[i].events = POLLIN;
		}
		if (poll(pfd, (nfds_t)count, 200) > 0)
			for (i = 0; i < count; i++)
				if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
					done[i] = drain(acc[i], rbuf, CHUNK);
		free(pfd);
	}

	reap(client);
	for (i = 0; i < count; i++)
		close(acc[i]);
	close(lfd);
	free(acc);
	free(done);
	free(rbuf);
	return 0;
}

static int run_stream(long seconds, int do_read, long size, long port_opt)
{
	int64_t deadline = now_ms() + seconds * 1000;
	int pfds[2], lfd, cli, sfd = -1, eof = 0;
	unsigned long sino = 0;
	char line[256], *rbuf;
	uint16_t port;
	pid_t parent, server;

	lfd = make_listener((uint16_t)port_opt, 4, &port);
	rbuf = malloc(CHUNK);
	if (!rbuf)
		die("out of memory");
	if (pipe2(pfds, O_CLOEXEC) < 0)
		die("pipe: %s", strerror(errno));

	parent = getpid();
	server = fork();
	if (server < 0)
		die("fork: %s", strerror(errno));
	if (server == 0) {
		close(pfds[0]);
		run_stream_server(parent, pfds[1], lfd, size, deadline);
	}
	close(pfds[1]);
	close(lfd);

	cli = connect_loopback(port);
	if (cli < 0) {
		int e = errno;

		reap(server);
		die("connect 127.0.0.1:%u: %s", port, strerror(e));
	}
	set_nonblock(cli);
	if (read_line(pfds[0], line, sizeof(line), deadline) < 0) {
		if (stop) {
			reap(server);
			return 0;
		}
		fail(server, "server failed", line);
	}
	if (sscanf(line, "ok %d %lu", &sfd, &sino) != 2)
		fail(server, "server failed", line);
	close(pfds[0]);

	printf("READY pid=%d fd=%d inode=%lu server_pid=%d server_fd=%d server_inode=%lu "
	       "port=%u mode=stream read=%d\n", (int)parent, cli, fd_inode(cli),
	       (int)server, sfd, sino, port, do_read);
	fflush(stdout);

	while (!stop && now_ms() < deadline) {
		struct pollfd pfd = { .fd = cli, .events = POLLIN };

		if (!do_read || eof) {
			poll(NULL, 0, 200);	/* never read: the stream piles up */
			continue;
		}
		if (poll(&pfd, 1, 200) > 0)
			eof = drain(cli, rbuf, CHUNK);
	}

	reap(server);
	close(cli);
	free(rbuf);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seconds", required_argument, NULL, 's' },
		{ "mode", required_argument, NULL, 'm' },
		{ "read", no_argument, NULL, 'R' },
		{ "count", required_argument, NULL, 'c' },
		{ "size", required_argument, NULL, 'z' },
		{ "port", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	long seconds = 60, count = 12, size = 8L << 20, port = 0;
	int mode = MODE_ORPHANS, do_read = 0, c;

	while ((c = next_opt(argc, argv, opts)) != -1) {
		switch (c) {
		case 's': seconds = parse_num(optarg, 1, 86400, "seconds"); break;
		case 'm':
			if (!strcmp(optarg, "orphans"))
				mode = MODE_ORPHANS;
			else if (!strcmp(optarg, "stream"))
				mode = MODE_STREAM;
			else
				die("bad value for --mode: '%s' (want orphans or stream)", optarg);
			break;
		case 'R': do_read = 1; break;
		case 'c': count = parse_num(optarg, 1, 1000, "count"); break;
		case 'z': size = parse_num(optarg, 1, 1L << 30, "size"); break;
		case 'P': port = parse_num(optarg, 0, 65535, "port"); break;
		}
	}
	no_more_args(argc);
	start_clock(seconds, 0);	/* the runs set their own deadline */
	if (mode == MODE_ORPHANS)
		return run_orphans(seconds, do_read, count, size, port);
	return run_stream(seconds, do_read, size, port);
}
