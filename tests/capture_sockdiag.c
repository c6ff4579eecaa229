/*
 * Fixture recorder for the sock_diag and /proc/net parser tests.  Run as root:
 *
 *   capture_sockdiag OUTDIR
 *
 * It enters a fresh network namespace (so the dumps hold only its own
 * sockets and stay small), opens a known set of sockets with data queued on
 * them, then writes the raw reply bytes of every sock_diag dump kind to
 * OUTDIR/sockdiag/<kind>.bin (requests built by sockdiag_build_request) and
 * copies the /proc/net tables to OUTDIR/procnet/.  What it opened is listed in
 * OUTDIR/sockdiag/MANIFEST; tests/check_sockdiag.c and check_procnet.c assert
 * those facts, so change both together.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "leaktop/procnet.h"
#include "leaktop/sockdiag.h"

#define UDP4_PORT	40001
#define UDP4_SENDER	40002
#define UDP6_PORT	40003
#define TCP4_PORT	40010
#define TCP6_PORT	40011
#define TCP_QUEUED	1000
#define UDP6_QUEUED	3
#define UNIX_PATH	"/tmp/leaktop-capture.sock"
#define UNIX_ABSTRACT	"leaktop-capture"
#define UNIX_QUEUED	77

static FILE *manifest;

static void die(const char *what)
{
	fprintf(stderr, "capture_sockdiag: %s: %s\n", what, strerror(errno));
	exit(1);
}

static unsigned long inode_of(int fd)
{
	struct stat st;

	if (fstat(fd, &st))
		die("fstat");
	return (unsigned long)st.st_ino;
}

static void lo_up(void)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr))
		die("SIOCGIFFLAGS lo");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr))
		die("SIOCSIFFLAGS lo");
	close(fd);
	/* give IPv6 a moment to put ::1 on lo */
	usleep(200000);
}

static int udp_bound(int family, const char *ip, int port)
{
	struct sockaddr_in6 a6;
	struct sockaddr_in a4;
	int fd = socket(family, SOCK_DGRAM, 0);

	if (fd < 0)
		die("udp socket");
	if (family == AF_INET) {
		memset(&a4, 0, sizeof(a4));
		a4.sin_family = AF_INET;
		a4.sin_port = htons(port);
		inet_pton(AF_INET, ip, &a4.sin_addr);
		if (bind(fd, (void *)&a4, sizeof(a4)))
			die("udp bind");
	} else {
		memset(&a6, 0, sizeof(a6));
		a6.sin6_family = AF_INET6;
		a6.sin6_port = htons(port);
		inet_pton(AF_INET6, ip, &a6.sin6_addr);
		if (bind(fd, (void *)&a6, sizeof(a6)))
			die("udp6 bind");
	}
	return fd;
}

static void make_udp(void)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	struct sockaddr_in6 to6 = { .sin6_family = AF_INET6 };
	char data[1000];
	int rx, tx, rx6, tx6, rcvbuf = 4096, i;

	/* a tiny receive buffer flooded: some queued, some dropped */
	rx = udp_bound(AF_INET, "127.0.0.1", UDP4_PORT);
	if (setsockopt(rx, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)))
		die("SO_RCVBUF");
	tx = udp_bound(AF_INET, "127.0.0.1", UDP4_SENDER);
	to.sin_port = htons(UDP4_PORT);
	inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
	if (connect(tx, (void *)&to, sizeof(to)))
		die("udp connect");
	memset(data, 'u', sizeof(data));
	for (i = 0; i < 20; i++)
		if (send(tx, data, sizeof(data), 0) < 0)
			die("udp send");
	fprintf(manifest, "udp4 rx 127.0.0.1:%d inode %lu (20 x 1000 bytes sent, rcvbuf 4096)\n",
		UDP4_PORT, inode_of(rx));
	fprintf(manifest, "udp4 tx 127.0.0.1:%d -> :%d inode %lu\n",
		UDP4_SENDER, UDP4_PORT, inode_of(tx));

	rx6 = udp_bound(AF_INET6, "::1", UDP6_PORT);
	tx6 = socket(AF_INET6, SOCK_DGRAM, 0);
	to6.sin6_port = htons(UDP6_PORT);
	inet_pton(AF_INET6, "::1", &to6.sin6_addr);
	for (i = 0; i < UDP6_QUEUED; i++)
		if (sendto(tx6, data, 10, 0, (void *)&to6, sizeof(to6)) < 0)
			die("udp6 send");
	fprintf(manifest, "udp6 rx [::1]:%d inode %lu (%d x 10 bytes)\n",
		UDP6_PORT, inode_of(rx6), UDP6_QUEUED);
}

static void make_tcp(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6 };
	char data[TCP_QUEUED];
	int one = 1, l, c, s, l6;

	l = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	a.sin_port = htons(TCP4_PORT);
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	if (bind(l, (void *)&a, sizeof(a)) || listen(l, 8))
		die("tcp listen");
	c = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(c, (void *)&a, sizeof(a)))
		die("tcp connect");
	s = accept(l, NULL, NULL);
	if (s < 0)
		die("accept");
	memset(data, 't', sizeof(data));
	if (send(c, data, sizeof(data), 0) != (ssize_t)sizeof(data))
		die("tcp send");
	usleep(100000);
	fprintf(manifest, "tcp4 listen 127.0.0.1:%d inode %lu\n", TCP4_PORT,
		inode_of(l));
	fprintf(manifest, "tcp4 server inode %lu (%d bytes unread)\n",
		inode_of(s), TCP_QUEUED);
	fprintf(manifest, "tcp4 client inode %lu\n", inode_of(c));

	l6 = socket(AF_INET6, SOCK_STREAM, 0);
	a6.sin6_port = htons(TCP6_PORT);
	inet_pton(AF_INET6, "::1", &a6.sin6_addr);
	if (bind(l6, (void *)&a6, sizeof(a6)) || listen(l6, 8))
		die("tcp6 listen");
	fprintf(manifest, "tcp6 listen [::1]:%d inode %lu\n", TCP6_PORT,
		inode_of(l6));
}

static uint16_t csum(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (n & 1)
		sum += (uint32_t)b[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

static void make_raw(void)
{
	struct sockaddr_in6 to6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in to = { .sin_family = AF_INET };
	struct icmp6_hdr e6;
	struct icmphdr e4;
	int r6, r4;

	/* the echo request and the kernel's reply both land in r6's queue */
	r6 = socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6);
	if (r6 < 0)
		die("raw6 socket");
	memset(&e6, 0, sizeof(e6));
	e6.icmp6_type = ICMP6_ECHO_REQUEST;
	e6.icmp6_id = htons(0x1234);
	inet_pton(AF_INET6, "::1", &to6.sin6_addr);
	if (sendto(r6, &e6, sizeof(e6), 0, (void *)&to6, sizeof(to6)) < 0)
		die("raw6 send");
	fprintf(manifest, "raw6 icmpv6 (58) inode %lu (echo request+reply queued)\n",
		inode_of(r6));

	r4 = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	if (r4 < 0)
		die("raw4 socket");
	memset(&e4, 0, sizeof(e4));
	e4.type = ICMP_ECHO;
	e4.un.echo.id = htons(0x4321);
	e4.checksum = csum(&e4, sizeof(e4));
	inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
	if (sendto(r4, &e4, sizeof(e4), 0, (void *)&to, sizeof(to)) < 0)
		die("raw4 send");
	fprintf(manifest, "raw4 icmp (1) inode %lu (echo request+reply queued)\n",
		inode_of(r4));
	usleep(100000);
}

static void make_packet(void)
{
	struct sockaddr_ll sll;
	unsigned char frame[60];
	int fd;

	fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_RARP));
	if (fd < 0)
		die("packet socket");
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_RARP);
	sll.sll_ifindex = (int)if_nametoindex("lo");
	if (bind(fd, (void *)&sll, sizeof(sll)))
		die("packet bind");
	memset(frame, 0, sizeof(frame));
	memset(frame, 0xff, 6);
	frame[12] = 0x80;
	frame[13] = 0x35;
	sll.sll_halen = 6;
	memset(sll.sll_addr, 0xff, 6);
	if (sendto(fd, frame, sizeof(frame), 0, (void *)&sll, sizeof(sll)) < 0)
		die("packet send");
	usleep(100000);
	fprintf(manifest, "packet raw RARP (0x8035) on lo ifindex %d inode %lu (one 60-byte frame queued)\n",
		sll.sll_ifindex, inode_of(fd));
}

static void make_unix(void)
{
	struct sockaddr_un a;
	socklen_t alen;
	char data[UNIX_QUEUED];
	int l, d, tx;

	unlink(UNIX_PATH);
	l = socket(AF_UNIX, SOCK_STREAM, 0);
	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	strcpy(a.sun_path, UNIX_PATH);
	if (bind(l, (void *)&a, sizeof(a)) || listen(l, 4))
		die("unix listen");
	fprintf(manifest, "unix stream listen %s inode %lu\n", UNIX_PATH,
		inode_of(l));

	d = socket(AF_UNIX, SOCK_DGRAM, 0);
	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	memcpy(a.sun_path + 1, UNIX_ABSTRACT, strlen(UNIX_ABSTRACT));
	alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
			   strlen(UNIX_ABSTRACT));
	if (bind(d, (void *)&a, alen))
		die("unix abstract bind");
	tx = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (connect(tx, (void *)&a, alen))
		die("unix connect");
	memset(data, 'x', sizeof(data));
	if (send(tx, data, sizeof(data), 0) < 0)
		die("unix send");
	fprintf(manifest, "unix dgram @%s inode %lu (%d bytes queued)\n",
		UNIX_ABSTRACT, inode_of(d), UNIX_QUEUED);
	fprintf(manifest, "unix dgram sender inode %lu (peer of the above)\n",
		inode_of(tx));
}

static void make_netlink(void)
{
	struct {
		struct nlmsghdr nlh;
		struct ifinfomsg ifi;
	} req;
	struct sockaddr_nl a = { .nl_family = AF_NETLINK, .nl_pid = 4242 };
	int fd;

	/* an unread RTM_GETLINK dump leaves bytes charged to the socket */
	fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
	if (fd < 0 || bind(fd, (void *)&a, sizeof(a)))
		die("netlink bind");
	memset(&req, 0, sizeof(req));
	req.nlh.nlmsg_len = sizeof(req);
	req.nlh.nlmsg_type = RTM_GETLINK;
	req.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.ifi.ifi_family = AF_UNSPEC;
	if (send(fd, &req, sizeof(req), 0) < 0)
		die("netlink send");
	usleep(100000);
	fprintf(manifest, "netlink route portid 4242 inode %lu (unread link dump)\n",
		inode_of(fd));
}

static void write_file(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(buf, 1, len, f) != len || fclose(f))
		die(path);
}

static void capture_kind(const char *dir, enum sockdiag_kind kind)
{
	static char reply[1 << 20];
	struct sockaddr_nl k = { .nl_family = AF_NETLINK };
	char req[256], path[512];
	size_t used = 0, reqlen;
	ssize_t n;
	int fd, done = 0;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		die("sock_diag socket");
	reqlen = sockdiag_build_request(kind, req, sizeof(req), 1000 + kind);
	if (sendto(fd, req, reqlen, 0, (void *)&k, sizeof(k)) < 0)
		die("sock_diag send");
	while (!done) {
		const struct nlmsghdr *h;
		int left;

		n = recv(fd, reply + used, sizeof(reply) - used, 0);
		if (n <= 0)
			die("sock_diag recv");
		left = (int)n;
		for (h = (void *)(reply + used); NLMSG_OK(h, left);
		     h = NLMSG_NEXT(h, left))
			if (h->nlmsg_type == NLMSG_DONE ||
			    h->nlmsg_type == NLMSG_ERROR)
				done = 1;
		used += (size_t)n;
	}
	close(fd);
	snprintf(path, sizeof(path), "%s/sockdiag/%s.bin", dir,
		 sockdiag_kind_name(kind));
	write_file(path, reply, used);
	printf("%-10s %6zu bytes\n", sockdiag_kind_name(kind), used);
}

static void copy_table(const char *dir, enum sockdiag_kind kind)
{
	static char text[1 << 20];
	char src[256], dst[512];
	size_t n;
	FILE *f;

	snprintf(src, sizeof(src), "/proc/self/net/%s",
		 procnet_table_name(kind));
	f = fopen(src, "r");
	if (!f)
		die(src);
	n = fread(text, 1, sizeof(text), f);
	fclose(f);
	snprintf(dst, sizeof(dst), "%s/procnet/%s", dir,
		 procnet_table_name(kind));
	write_file(dst, text, n);
}

int main(int argc, char **argv)
{
	char path[512];
	int k;

	if (argc != 2) {
		fprintf(stderr, "usage: capture_sockdiag OUTDIR\n");
		return 2;
	}
	if (unshare(CLONE_NEWNET))
		die("unshare(CLONE_NEWNET)");
	lo_up();
	snprintf(path, sizeof(path), "%s/sockdiag", argv[1]);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/procnet", argv[1]);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/sockdiag/MANIFEST", argv[1]);
	manifest = fopen(path, "w");
	if (!manifest)
		die(path);
	fprintf(manifest, "# written by tests/capture_sockdiag in a fresh netns\n");
	make_udp();
	make_tcp();
	make_raw();
	make_packet();
	make_unix();
	make_netlink();
	fclose(manifest);

	for (k = 0; k < SOCKDIAG_NKINDS; k++)
		capture_kind(argv[1], (enum sockdiag_kind)k);
	for (k = 0; k < SOCKDIAG_NKINDS; k++)
		copy_table(argv[1], (enum sockdiag_kind)k);
	unlink(UNIX_PATH);
	return 0;
}
