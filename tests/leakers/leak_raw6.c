/*
 * leak_raw6 - reproduce seed 002 (zebra): a raw ICMPv6 socket (protocol 58)
 * that is opened and never read.  A raw ICMPv6 socket without a filter gets
 * a copy of every ICMPv6 packet the host receives, so a second socket sends
 * echo requests to ::1 every few ms; both the looped-back request and the
 * kernel's echo reply are queued on the never-read socket.
 *
 * The sender is also a raw ICMPv6 socket, with ICMP6_FILTER blocking every
 * type so its own queue stays empty.  Needs CAP_NET_RAW.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PROG "leak_raw6"
#include "leaker.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " [--seconds N] [--interval-ms N] [--size BYTES]\n"
		"                 [--rcvbuf BYTES]\n"
		"  --seconds N       exit after N seconds (default 60)\n"
		"  --interval-ms N   send one echo request to ::1 every N ms (default 20)\n"
		"  --size BYTES      echo payload size (default 56)\n"
		"  --rcvbuf BYTES    set the leaking socket's SO_RCVBUF(FORCE)\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seconds", required_argument, NULL, 's' },
		{ "interval-ms", required_argument, NULL, 'i' },
		{ "size", required_argument, NULL, 'z' },
		{ "rcvbuf", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	long seconds = 60, interval = 20, size = 56, rcvbuf = 0;
	struct sockaddr_in6 dst;
	struct icmp6_filter filt;
	struct icmp6_hdr *ih;
	unsigned char *pkt;
	size_t plen;
	uint16_t seq = 0;
	int leak, tx, c;
	int64_t deadline, next;

	while ((c = next_opt(argc, argv, opts)) != -1) {
		switch (c) {
		case 's': seconds = parse_num(optarg, 1, 86400, "seconds"); break;
		case 'i': interval = parse_num(optarg, 1, 60000, "interval-ms"); break;
		case 'z': size = parse_num(optarg, 0, 60000, "size"); break;
		case 'r': rcvbuf = parse_num(optarg, 1, 1L << 30, "rcvbuf"); break;
		}
	}
	no_more_args(argc);
	deadline = start_clock(seconds, 0);

	/* the socket zebra leaked: raw ICMPv6, no filter, never read */
	leak = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_ICMPV6);
	if (leak < 0)
		die("socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6): %s%s", strerror(errno),
		    errno == EPERM ? " (needs root / CAP_NET_RAW)" : "");
	if (rcvbuf) {
		int v = (int)rcvbuf;

		if (setsockopt(leak, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) < 0 &&
		    setsockopt(leak, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)) < 0)
			die("setsockopt SO_RCVBUF: %s", strerror(errno));
	}

	tx = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_ICMPV6);
	if (tx < 0)
		die("socket sender: %s", strerror(errno));
	ICMP6_FILTER_SETBLOCKALL(&filt);
	if (setsockopt(tx, IPPROTO_ICMPV6, ICMP6_FILTER, &filt, sizeof(filt)) < 0)
		die("setsockopt ICMP6_FILTER: %s", strerror(errno));

	plen = sizeof(*ih) + (size_t)size;
	pkt = calloc(1, plen);
	if (!pkt)
		die("out of memory");
	memset(pkt + sizeof(*ih), 'z', (size_t)size);
	ih = (struct icmp6_hdr *)pkt;
	ih->icmp6_type = ICMP6_ECHO_REQUEST;
	ih->icmp6_code = 0;
	ih->icmp6_id = htons((uint16_t)getpid());
	/* the kernel fills in the ICMPv6 checksum on raw ICMPv6 sockets */

	memset(&dst, 0, sizeof(dst));
	dst.sin6_family = AF_INET6;
	dst.sin6_addr = in6addr_loopback;
	if (sendto(tx, pkt, plen, 0, (struct sockaddr *)&dst, sizeof(dst)) < 0)
		die("send echo request to ::1: %s%s", strerror(errno),
		    errno == EADDRNOTAVAIL || errno == ENETUNREACH ?
		    " (is IPv6 enabled on lo?)" : "");

	printf("READY pid=%d fd=%d inode=%lu tx_fd=%d tx_inode=%lu proto=58\n",
	       (int)getpid(), leak, fd_inode(leak), tx, fd_inode(tx));
	fflush(stdout);

	next = now_ms() + interval;
	while (!stop) {
		int64_t now = now_ms();

		if (now >= deadline)
			break;
		if (now < next) {
			poll(NULL, 0, (int)(next - now));
			continue;
		}
		ih->icmp6_seq = htons(++seq);
		sendto(tx, pkt, plen, MSG_DONTWAIT, (struct sockaddr *)&dst, sizeof(dst));
		next += interval;
		if (next < now)
			next = now + interval;
	}
	free(pkt);
	return 0;
}
