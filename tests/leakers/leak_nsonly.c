/*
 * leak_nsonly - sockets that live in a network namespace no process is in,
 * as VPN and VRF tools leave behind: the process opens sockets inside a
 * fresh netns and then setns()es back, so it lives in the original netns
 * while its sockets (which alone keep the new netns alive) belong to one
 * that no process is in.  ss in the original netns does not list them, and
 * "ip netns" has no name for it.
 *
 * In the new netns (lo brought up): --udp N UDP sockets bound on 127.0.0.1,
 * --tcp N listening TCP sockets on 127.0.0.1, and one more UDP socket
 * (tx_fd=) that sends --size bytes every --interval-ms to the first UDP
 * socket (fd=), which is never read.  Nothing is forked: the sending
 * happens in the main loop.  Needs CAP_SYS_ADMIN (unshare/setns).
 * --read: the first UDP socket is read (negative control).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PROG "leak_nsonly"
#include "leaker.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " [--seconds N] [--udp N] [--tcp N] [--size BYTES]\n"
		"                   [--interval-ms N] [--read]\n"
		"  --seconds N       exit after N seconds (default 60)\n"
		"  --udp N           UDP sockets bound in the hidden netns (default 4, >= 1)\n"
		"  --tcp N           listening TCP sockets there (default 4)\n"
		"  --size BYTES      datagram size sent to the first UDP socket (default 1024)\n"
		"  --interval-ms N   send one every N ms (default 20)\n"
		"  --read            read the first UDP socket (negative control)\n");
}

/* ifconfig lo up, in the current netns */
static void lo_up(void)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket: %s", strerror(errno));
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		die("SIOCGIFFLAGS lo: %s", strerror(errno));
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		die("bring lo up: %s", strerror(errno));
	close(fd);
}

/* A socket bound on 127.0.0.1 (ephemeral port); its port in *port. */
static int bound_socket(int type, uint16_t *port)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket: %s", strerror(errno));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		die("bind 127.0.0.1: %s", strerror(errno));
	if (type == SOCK_STREAM && listen(fd, 16) < 0)
		die("listen: %s", strerror(errno));
	if (getsockname(fd, (struct sockaddr *)&sin, &len) < 0)
		die("getsockname: %s", strerror(errno));
	if (port)
		*port = ntohs(sin.sin_port);
	return fd;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seconds", required_argument, NULL, 's' },
		{ "udp", required_argument, NULL, 'u' },
		{ "tcp", required_argument, NULL, 't' },
		{ "size", required_argument, NULL, 'z' },
		{ "interval-ms", required_argument, NULL, 'i' },
		{ "read", no_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	long seconds = 60, nudp = 4, ntcp = 4, size = 1024, interval = 20, i;
	int do_read = 0, c, orig, nsfd, *udp, *tcp, tx;
	unsigned long netns, orig_netns;
	struct sockaddr_in dst;
	int64_t deadline, next;
	uint16_t port = 0;
	char *buf;

	while ((c = next_opt(argc, argv, opts)) != -1) {
		switch (c) {
		case 's': seconds = parse_num(optarg, 1, 86400, "seconds"); break;
		case 'u': nudp = parse_num(optarg, 1, 1000, "udp"); break;
		case 't': ntcp = parse_num(optarg, 0, 1000, "tcp"); break;
		case 'z': size = parse_num(optarg, 1, 65000, "size"); break;
		case 'i': interval = parse_num(optarg, 1, 60000, "interval-ms"); break;
		case 'R': do_read = 1; break;
		}
	}
	no_more_args(argc);
	deadline = start_clock(seconds, 0);

	udp = calloc((size_t)nudp, sizeof(*udp));
	tcp = calloc((size_t)ntcp + 1, sizeof(*tcp));
	buf = malloc((size_t)size);
	if (!udp || !tcp || !buf)
		die("out of memory");
	memset(buf, 'n', (size_t)size);

	orig = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (orig < 0)
		die("open /proc/self/ns/net: %s", strerror(errno));
	orig_netns = fd_inode(orig);
	if (unshare(CLONE_NEWNET) < 0)
		die("unshare CLONE_NEWNET: %s", strerror(errno));
	/* the new netns's inode; the fd is closed again so that only the
	 * sockets keep the netns alive */
	nsfd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		die("open /proc/self/ns/net: %s", strerror(errno));
	netns = fd_inode(nsfd);
	close(nsfd);

	lo_up();
	for (i = 0; i < nudp; i++)
		udp[i] = bound_socket(SOCK_DGRAM, i ? NULL : &port);
	for (i = 0; i < ntcp; i++)
		tcp[i] = bound_socket(SOCK_STREAM, NULL);
	tx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (tx < 0)
		die("socket: %s", strerror(errno));
	memset(&dst, 0, sizeof(dst));
	dst.sin_family = AF_INET;
	dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	dst.sin_port = htons(port);
	if (connect(tx, (struct sockaddr *)&dst, sizeof(dst)) < 0)
		die("connect 127.0.0.1:%u: %s", port, strerror(errno));

	/* back home: from now on no process is in the new netns */
	if (setns(orig, CLONE_NEWNET) < 0)
		die("setns back to the original netns: %s", strerror(errno));
	close(orig);

	printf("READY pid=%d fd=%d inode=%lu netns=%lu udp=%ld tcp=%ld port=%u tx_fd=%d "
	       "orig_netns=%lu read=%d\n", (int)getpid(), udp[0], fd_inode(udp[0]), netns,
	       nudp, ntcp, port, tx, orig_netns, do_read);
	fflush(stdout);

	next = now_ms();
	while (!stop) {
		int64_t now = now_ms();
		struct pollfd pfd = { .fd = udp[0], .events = do_read ? POLLIN : 0 };

		if (now >= deadline)
			break;
		if (now >= next) {
			send(tx, buf, (size_t)size, MSG_DONTWAIT);	/* errors are not fatal */
			next += interval;
			if (next < now)
				next = now + interval;
			continue;
		}
		if (poll(&pfd, 1, (int)(next - now)) <= 0)
			continue;
		if (pfd.revents & POLLIN)
			while (recv(udp[0], buf, (size_t)size, MSG_DONTWAIT) >= 0)
				;
	}

	for (i = 0; i < nudp; i++)
		close(udp[i]);
	for (i = 0; i < ntcp; i++)
		close(tcp[i]);
	close(tx);
	free(udp);
	free(tcp);
	free(buf);
	return 0;
}
