/*
 * leak_packet - reproduce seed 000 (keepalived): an AF_PACKET SOCK_RAW
 * socket opened with protocol ETH_P_RARP, bound to one interface and never
 * read.  A second, separate packet socket (protocol 0, so it receives
 * nothing) broadcasts a RARP request on that interface every few ms; the
 * frames are delivered to the never-read socket and stay queued there.
 *
 * On "lo" the kernel loops every transmitted frame back into the receive
 * path, so no extra setup is needed.  Needs CAP_NET_RAW.  SIGUSR1 prints
 * "sent=N" (frames sent so far) on stderr.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
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

#define PROG "leak_packet"
#include "leaker.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " [--seconds N] [--interval-ms N] [--ifname IF]\n"
		"                   [--size BYTES] [--rcvbuf BYTES]\n"
		"  --seconds N       exit after N seconds (default 60)\n"
		"  --interval-ms N   send one RARP broadcast every N ms (default 20)\n"
		"  --ifname IF       interface to bind and send on (default lo)\n"
		"  --size BYTES      frame size incl. 14-byte header, 60..1514 (default 60)\n"
		"  --rcvbuf BYTES    set the leaking socket's SO_RCVBUF(FORCE)\n"
		"  SIGUSR1: print sent=N on stderr\n");
}

/* RARP "request reverse" (op 3) for our own hardware address, padded. */
static size_t build_frame(unsigned char *f, size_t len, const unsigned char *mac)
{
	unsigned char *p = f;

	memset(f, 0, len);
	memset(p, 0xff, ETH_ALEN);		/* broadcast, like the seed */
	memcpy(p + ETH_ALEN, mac, ETH_ALEN);
	p[12] = ETH_P_RARP >> 8;
	p[13] = ETH_P_RARP & 0xff;
	p += ETH_HLEN;
	p[0] = 0; p[1] = 1;			/* htype ethernet */
	p[2] = 0x08; p[3] = 0x00;		/* ptype IPv4 */
	p[4] = ETH_ALEN; p[5] = 4;
	p[6] = 0; p[7] = 3;			/* RARP request reverse */
	memcpy(p + 8, mac, ETH_ALEN);		/* sender ha */
	memcpy(p + 18, mac, ETH_ALEN);		/* target ha */
	return len;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seconds", required_argument, NULL, 's' },
		{ "interval-ms", required_argument, NULL, 'i' },
		{ "ifname", required_argument, NULL, 'I' },
		{ "size", required_argument, NULL, 'z' },
		{ "rcvbuf", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	long seconds = 60, interval = 20, size = 60, rcvbuf = 0;
	const char *ifname = "lo";
	unsigned char mac[ETH_ALEN] = { 0 };
	unsigned char frame[ETH_FRAME_LEN];
	struct sockaddr_ll sll;
	struct ifreq ifr;
	unsigned int ifindex;
	int leak, tx, c;
	unsigned long sent = 1;	/* the probe frame below */
	int64_t deadline, next;

	while ((c = next_opt(argc, argv, opts)) != -1) {
		switch (c) {
		case 's': seconds = parse_num(optarg, 1, 86400, "seconds"); break;
		case 'i': interval = parse_num(optarg, 1, 60000, "interval-ms"); break;
		case 'I': ifname = optarg; break;
		case 'z': size = parse_num(optarg, ETH_ZLEN, ETH_FRAME_LEN, "size"); break;
		case 'r': rcvbuf = parse_num(optarg, 1, 1L << 30, "rcvbuf"); break;
		}
	}
	no_more_args(argc);
	deadline = start_clock(seconds, 1);

	ifindex = if_nametoindex(ifname);
	if (!ifindex)
		die("interface '%s': %s", ifname, strerror(errno));

	/* the socket keepalived leaked: RARP protocol, bound, never read */
	leak = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, htons(ETH_P_RARP));
	if (leak < 0)
		die("socket(AF_PACKET, ETH_P_RARP): %s%s", strerror(errno),
		    errno == EPERM ? " (needs root / CAP_NET_RAW)" : "");
	if (rcvbuf) {
		int v = (int)rcvbuf;

		if (setsockopt(leak, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) < 0 &&
		    setsockopt(leak, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)) < 0)
			die("setsockopt SO_RCVBUF: %s", strerror(errno));
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_RARP);
	sll.sll_ifindex = (int)ifindex;
	if (bind(leak, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		die("bind packet socket to %s: %s", ifname, strerror(errno));

	/* protocol 0: the sender socket itself never receives anything */
	tx = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (tx < 0)
		die("socket(AF_PACKET) sender: %s", strerror(errno));

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(tx, SIOCGIFHWADDR, &ifr) == 0)
		memcpy(mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(tx, SIOCGIFFLAGS, &ifr) == 0 && !(ifr.ifr_flags & IFF_UP))
		die("interface '%s' is down", ifname);
	build_frame(frame, (size_t)size, mac);

	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_RARP);
	sll.sll_ifindex = (int)ifindex;
	sll.sll_halen = ETH_ALEN;
	memset(sll.sll_addr, 0xff, ETH_ALEN);
	if (sendto(tx, frame, (size_t)size, 0, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		die("send RARP on %s: %s", ifname, strerror(errno));

	printf("READY pid=%d fd=%d inode=%lu tx_fd=%d tx_inode=%lu ifname=%s ifindex=%u\n",
	       (int)getpid(), leak, fd_inode(leak), tx, fd_inode(tx), ifname, ifindex);
	fflush(stdout);

	next = now_ms() + interval;
	while (!stop) {
		int64_t now = now_ms();

		if (report_asked) {
			report_asked = 0;
			fprintf(stderr, PROG ": sent=%lu\n", sent);
		}
		if (now >= deadline)
			break;
		if (now < next) {
			poll(NULL, 0, (int)(next - now));
			continue;
		}
		/* ENOBUFS / ENETDOWN are not fatal: keep trying, like a daemon */
		if (sendto(tx, frame, (size_t)size, 0, (struct sockaddr *)&sll,
			   sizeof(sll)) >= 0)
			sent++;
		next += interval;
		if (next < now)
			next = now + interval;
	}
	return 0;
}
