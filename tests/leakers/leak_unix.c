/*
 * leak_unix - reproduce a unix socket reader that stopped reading while
 * its clients keep writing: a syslog daemon wedged on /dev/log, or a local
 * service whose clients all hang in send().
 *
 * The reader (this process, the culprit) binds --path (default the
 * abstract name "@leaktop-unix-<pid>") and never reads.  --senders N
 * forked children write --size bytes every --interval-ms, blocking:
 *   dgram:  each sender connect()s a SOCK_DGRAM socket to the reader's
 *           address (as syslog(3) does with /dev/log) and send()s; once
 *           the reader's queue holds net.unix.max_dgram_qlen datagrams the
 *           senders block.  The queued skbs are charged to the senders.
 *   stream: the reader listens and accepts N connections; each sender
 *           connects and writes until its send buffer is full and it
 *           blocks.
 * --read: the reader reads everything promptly (negative control).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PROG "leak_unix"
#include "leaker.h"

#define MAX_SENDERS 256

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " [--seconds N] [--type dgram|stream] [--senders N]\n"
		"                 [--size BYTES] [--interval-ms N] [--path P] [--read]\n"
		"  --seconds N       exit after N seconds (default 60)\n"
		"  --type T          dgram (default) or stream\n"
		"  --senders N       forked writers (default 3)\n"
		"  --size BYTES      bytes per write (default 420)\n"
		"  --interval-ms N   each sender writes every N ms (default 5; 0: back to back)\n"
		"  --path P          reader address; @NAME is abstract\n"
		"                    (default @leaktop-unix-<pid>)\n"
		"  --read            the reader reads promptly (negative control)\n");
}

/* "@name" is abstract (sun_path[0] = 0), anything else a file path. */
static socklen_t unix_addr(struct sockaddr_un *sun, const char *path)
{
	size_t len = strlen(path);

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (len == 0 || len >= sizeof(sun->sun_path))
		die("bad --path '%s' (want 1..%zu bytes)", path, sizeof(sun->sun_path) - 1);
	memcpy(sun->sun_path, path, len);
	if (path[0] == '@') {
		sun->sun_path[0] = '\0';
		return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	}
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1);
}

static void run_sender(pid_t parent, int wfd, int type, const struct sockaddr_un *sun,
		       socklen_t alen, long size, long interval, int64_t deadline)
{
	int64_t next, left = deadline - now_ms();
	char *buf = malloc((size_t)size);
	int fd;

	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(0);
	alarm((unsigned int)(left > 0 ? left / 1000 : 0) + 5);	/* not inherited */
	if (!buf) {
		report_line(wfd, "err sender: out of memory");
		_exit(1);
	}
	memset(buf, 'u', (size_t)size);
	fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		report_line(wfd, "err sender: socket: %s", strerror(errno));
		_exit(1);
	}
	if (connect(fd, (const struct sockaddr *)sun, alen) < 0) {
		report_line(wfd, "err sender: connect: %s", strerror(errno));
		_exit(1);
	}
	report_line(wfd, "ok");
	close(wfd);

	next = now_ms();
	while (!stop && getppid() == parent) {
		int64_t now = now_ms();

		if (now >= deadline)
			break;
		if (now < next) {
			poll(NULL, 0, (int)(next - now));
			continue;
		}
		/* blocking: stalls here once the reader's queue is full; the
		 * SIGTERM (or SIGALRM) handler interrupts it */
		if (send(fd, buf, (size_t)size, 0) < 0 && errno != EINTR &&
		    errno != EAGAIN && errno != ENOBUFS)
			break;	/* reader gone */
		next += interval;
		if (next < now)
			next = now + interval;
	}
	free(buf);
	_exit(0);
}

/* Read whatever is queued on fd; 1 at EOF or on error. */
static int drain(int fd, char *buf, size_t len, int stream)
{
	for (;;) {
		ssize_t n = recv(fd, buf, len, MSG_DONTWAIT);

		if (n > 0)
			continue;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n == 0 && !stream)
			continue;	/* an empty datagram */
		return 1;
	}
}

static pid_t senders[MAX_SENDERS];
static long nsenders;

static void reap_senders(void)
{
	long i;
	int status;

	for (i = 0; i < nsenders; i++)
		kill(senders[i], SIGTERM);
	for (i = 0; i < nsenders; i++)
		while (waitpid(senders[i], &status, 0) < 0 && errno == EINTR)
			;
	nsenders = 0;
}

static const char *unlink_path;

static void cleanup(void)
{
	reap_senders();
	if (unlink_path)
		unlink(unlink_path);
}

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void fail(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cleanup();
	die("%s", msg);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seconds", required_argument, NULL, 's' },
		{ "type", required_argument, NULL, 't' },
		{ "senders", required_argument, NULL, 'n' },
		{ "size", required_argument, NULL, 'z' },
		{ "interval-ms", required_argument, NULL, 'i' },
		{ "path", required_argument, NULL, 'p' },
		{ "read", no_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	long seconds = 60, size = 420, interval = 5, i, accepted = 0, ok = 0;
	int type = SOCK_DGRAM, do_read = 0, c, rfd, lfd = -1, pfds[2];
	int acc[MAX_SENDERS], done[MAX_SENDERS];
	char defpath[64], *path = NULL, *buf, line[256], pids[MAX_SENDERS * 12];
	size_t lpos = 0, plen = 0;
	struct sockaddr_un sun;
	socklen_t alen;
	int64_t deadline;
	pid_t parent;

	nsenders = 3;
	while ((c = next_opt(argc, argv, opts)) != -1) {
		switch (c) {
		case 's': seconds = parse_num(optarg, 1, 86400, "seconds"); break;
		case 't':
			if (!strcmp(optarg, "dgram"))
				type = SOCK_DGRAM;
			else if (!strcmp(optarg, "stream"))
				type = SOCK_STREAM;
			else
				die("bad value for --type: '%s' (want dgram or stream)", optarg);
			break;
		case 'n': nsenders = parse_num(optarg, 1, MAX_SENDERS, "senders"); break;
		case 'z': size = parse_num(optarg, 1, 65000, "size"); break;
		case 'i': interval = parse_num(optarg, 0, 60000, "interval-ms"); break;
		case 'p': path = optarg; break;
		case 'R': do_read = 1; break;
		}
	}
	no_more_args(argc);
	deadline = start_clock(seconds, 0);
	parent = getpid();
	if (!path) {
		snprintf(defpath, sizeof(defpath), "@leaktop-unix-%d", (int)parent);
		path = defpath;
	}
	alen = unix_addr(&sun, path);

	rfd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (rfd < 0)
		die("socket AF_UNIX: %s", strerror(errno));
	if (path[0] != '@') {
		struct stat st;

		/* a stale socket file from an earlier run */
		if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
			unlink(path);
	}
	if (bind(rfd, (struct sockaddr *)&sun, alen) < 0)
		die("bind %s: %s", path, strerror(errno));
	if (path[0] != '@')
		unlink_path = path;
	if (type == SOCK_STREAM) {
		lfd = rfd;
		if (listen(lfd, (int)nsenders + 8) < 0)
			fail("listen: %s", strerror(errno));
		rfd = -1;
	}
	buf = malloc(65536);
	if (!buf)
		fail("out of memory");
	if (pipe2(pfds, O_CLOEXEC) < 0)
		fail("pipe: %s", strerror(errno));

	{
		long n = nsenders;

		nsenders = 0;
		for (i = 0; i < n; i++) {
			pid_t pid = fork();

			if (pid < 0)
				fail("fork: %s", strerror(errno));
			if (pid == 0) {
				close(pfds[0]);
				if (lfd >= 0)
					close(lfd);
				if (rfd >= 0)
					close(rfd);
				run_sender(parent, pfds[1], type, &sun, alen, size, interval,
					   deadline);
			}
			senders[nsenders++] = pid;
			plen += (size_t)snprintf(pids + plen, sizeof(pids) - plen, "%s%d",
						 i ? "," : "", (int)pid);
		}
	}
	close(pfds[1]);

	/* every sender connected (and, for stream, accepted) before READY */
	while (ok < nsenders || (lfd >= 0 && accepted < nsenders)) {
		struct pollfd pfd[2] = {
			{ .fd = pfds[0], .events = ok < nsenders ? POLLIN : 0 },
			{ .fd = lfd, .events = accepted < nsenders ? POLLIN : 0 },
		};
		ssize_t n;

		if (stop) {
			cleanup();
			return 0;
		}
		if (now_ms() >= deadline)
			fail("timed out waiting for the senders");
		if (poll(pfd, 2, 200) <= 0)
			continue;
		if (pfd[1].revents & POLLIN) {
			int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

			if (fd >= 0) {
				done[accepted] = 0;
				acc[accepted++] = fd;
			} else if (errno != EINTR && errno != EAGAIN && errno != ECONNABORTED) {
				fail("accept: %s", strerror(errno));
			}
		}
		if (!(pfd[0].revents & (POLLIN | POLLHUP)))
			continue;
		n = read(pfds[0], line + lpos, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			fail("a sender died during setup");
		if (line[lpos] != '\n') {
			if (lpos < sizeof(line) - 2)
				lpos++;
			continue;
		}
		line[lpos] = '\0';
		lpos = 0;
		if (strncmp(line, "ok", 2))
			fail("%s", !strncmp(line, "err ", 4) ? line + 4 : line);
		ok++;
	}
	close(pfds[0]);
	if (lfd >= 0)
		rfd = acc[0];

	printf("READY pid=%d fd=%d inode=%lu sender_pids=%s type=%s path=%s",
	       (int)parent, rfd, fd_inode(rfd), pids,
	       type == SOCK_DGRAM ? "dgram" : "stream", path);
	if (lfd >= 0)
		printf(" listen_fd=%d listen_inode=%lu", lfd, fd_inode(lfd));
	printf(" senders=%ld size=%ld read=%d\n", nsenders, size, do_read);
	fflush(stdout);

	while (!stop && now_ms() < deadline) {
		struct pollfd pfd[MAX_SENDERS];
		long n = 0;

		if (!do_read) {
			poll(NULL, 0, 200);	/* the reader is wedged elsewhere */
			continue;
		}
		if (lfd < 0) {
			pfd[n].fd = rfd;
			pfd[n++].events = POLLIN;
		} else {
			for (i = 0; i < accepted; i++) {
				pfd[n].fd = done[i] ? -1 : acc[i];
				pfd[n++].events = POLLIN;
			}
		}
		if (poll(pfd, (nfds_t)n, 200) <= 0)
			continue;
		if (lfd < 0) {
			drain(rfd, buf, 65536, 0);
			continue;
		}
		for (i = 0; i < n; i++)
			if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
				done[i] = drain(acc[i], buf, 65536, 1);
	}

	cleanup();
	for (i = 0; i < accepted; i++)
		close(acc[i]);
	if (lfd >= 0)
		close(lfd);
	else
		close(rfd);
	free(buf);
	return 0;
}
