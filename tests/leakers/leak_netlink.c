/*
 * leak_netlink - reproduce a routing daemon that stopped reading its
 * rtnetlink socket: a NETLINK_ROUTE socket subscribed to link, address and
 * route notifications (RTMGRP_LINK, RTMGRP_IPV4/IPV6_IFADDR,
 * RTMGRP_IPV4/IPV6_ROUTE) that is never read, so the notifications pile up
 * until its receive buffer is full (then the kernel drops them and flags
 * ENOBUFS).
 *
 * A forked child (churn_pid=) keeps the notifications coming: every
 * --churn-ms it adds and deletes a 127.1.x.y/32 address on lo and a
 * 127.2.x.y/32 route via lo (cycling x.y), through rtnetlink.  That changes
 * the current network namespace, so run it in a private one:
 *   ip netns add t && ip netns exec t leak_netlink
 * lo is brought up first.  Needs CAP_NET_ADMIN.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PROG "leak_netlink"
#include "leaker.h"

#define GROUPS (RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR | \
		RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE)

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " [--seconds N] [--rcvbuf BYTES] [--churn-ms N] [--read]\n"
		"  --seconds N     exit after N seconds (default 60)\n"
		"  --rcvbuf BYTES  SO_RCVBUF(FORCE) of the netlink socket (default 4194304)\n"
		"  --churn-ms N    add/delete an address and a route every N ms (default 20)\n"
		"  --read          read the notifications promptly (negative control)\n"
		"  Changes addresses and routes on lo: run it in a private netns.\n");
}

/* ifconfig lo up */
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
	if (!(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
			die("bring lo up: %s", strerror(errno));
	}
	close(fd);
}

struct nlreq {
	struct nlmsghdr nh;
	union {
		struct ifaddrmsg ifa;
		struct rtmsg rtm;
	} u;
	char attrs[128];
};

static void add_attr(struct nlreq *r, unsigned short type, const void *data, size_t len)
{
	struct rtattr *rta = (struct rtattr *)((char *)r + NLMSG_ALIGN(r->nh.nlmsg_len));

	rta->rta_type = type;
	rta->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), data, len);
	r->nh.nlmsg_len = NLMSG_ALIGN(r->nh.nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

/* Send one request and wait for its ack: 0 or a positive errno. */
static int nl_talk(int fd, struct nlreq *r)
{
	static uint32_t seq;
	char buf[4096];
	int64_t until;

	r->nh.nlmsg_seq = ++seq;
	r->nh.nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	if (send(fd, r, r->nh.nlmsg_len, 0) < 0)
		return errno;
	until = now_ms() + 2000;
	while (!stop && now_ms() < until) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		struct nlmsghdr *nh;
		ssize_t n;

		if (poll(&pfd, 1, 200) <= 0)
			continue;
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return errno;
		}
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, n);
		     nh = NLMSG_NEXT(nh, n)) {
			if (nh->nlmsg_seq != r->nh.nlmsg_seq || nh->nlmsg_type != NLMSG_ERROR)
				continue;
			return -((struct nlmsgerr *)NLMSG_DATA(nh))->error;
		}
	}
	return ETIMEDOUT;
}

static int addr_change(int fd, int ifindex, uint16_t type, uint32_t addr)
{
	struct nlreq r;

	memset(&r, 0, sizeof(r));
	r.nh.nlmsg_len = NLMSG_LENGTH(sizeof(r.u.ifa));
	r.nh.nlmsg_type = type;
	if (type == RTM_NEWADDR)
		r.nh.nlmsg_flags = NLM_F_CREATE | NLM_F_REPLACE;
	r.u.ifa.ifa_family = AF_INET;
	r.u.ifa.ifa_prefixlen = 32;
	r.u.ifa.ifa_scope = RT_SCOPE_HOST;
	r.u.ifa.ifa_index = (unsigned int)ifindex;
	add_attr(&r, IFA_LOCAL, &addr, sizeof(addr));
	add_attr(&r, IFA_ADDRESS, &addr, sizeof(addr));
	return nl_talk(fd, &r);
}

static int route_change(int fd, int ifindex, uint16_t type, uint32_t dst)
{
	struct nlreq r;
	uint32_t oif = (uint32_t)ifindex;

	memset(&r, 0, sizeof(r));
	r.nh.nlmsg_len = NLMSG_LENGTH(sizeof(r.u.rtm));
	r.nh.nlmsg_type = type;
	if (type == RTM_NEWROUTE)
		r.nh.nlmsg_flags = NLM_F_CREATE | NLM_F_REPLACE;
	r.u.rtm.rtm_family = AF_INET;
	r.u.rtm.rtm_dst_len = 32;
	r.u.rtm.rtm_table = RT_TABLE_MAIN;
	r.u.rtm.rtm_protocol = RTPROT_STATIC;
	r.u.rtm.rtm_scope = RT_SCOPE_LINK;
	r.u.rtm.rtm_type = RTN_UNICAST;
	add_attr(&r, RTA_DST, &dst, sizeof(dst));
	add_attr(&r, RTA_OIF, &oif, sizeof(oif));
	return nl_talk(fd, &r);
}

/* One churn step: 127.1.x.y/32 on lo and a 127.2.x.y/32 route, added and
 * deleted.  0 or the first errno. */
static int churn_once(int fd, int ifindex, unsigned int n)
{
	uint32_t a = htonl(0x7f010000u | (n % 65024u + 256u));	/* 127.1.1.0 .. 127.1.254.255 */
	uint32_t d = htonl(0x7f020000u | (n % 65024u + 256u));
	int err;

	if ((err = addr_change(fd, ifindex, RTM_NEWADDR, a)) != 0)
		return err;
	if ((err = route_change(fd, ifindex, RTM_NEWROUTE, d)) != 0)
		return err;
	if ((err = addr_change(fd, ifindex, RTM_DELADDR, a)) != 0)
		return err;
	return route_change(fd, ifindex, RTM_DELROUTE, d);
}

static int rtnl_socket(void)
{
	struct sockaddr_nl snl;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd < 0)
		die("socket AF_NETLINK NETLINK_ROUTE: %s", strerror(errno));
	memset(&snl, 0, sizeof(snl));
	snl.nl_family = AF_NETLINK;
	if (bind(fd, (struct sockaddr *)&snl, sizeof(snl)) < 0)
		die("bind netlink: %s", strerror(errno));
	return fd;
}

static void run_churn(pid_t parent, int fd, int ifindex, long churn_ms, int64_t deadline)
{
	unsigned int n = 1;
	int64_t next = now_ms(), left = deadline - next;

	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(0);
	alarm((unsigned int)(left > 0 ? left / 1000 : 0) + 5);	/* not inherited */
	while (!stop && getppid() == parent) {
		int64_t now = now_ms();

		if (now >= deadline)
			break;
		if (now < next) {
			poll(NULL, 0, (int)(next - now));
			continue;
		}
		churn_once(fd, ifindex, n++);	/* later errors are not fatal */
		next += churn_ms;
		if (next < now)
			next = now + churn_ms;
	}
	_exit(0);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seconds", required_argument, NULL, 's' },
		{ "rcvbuf", required_argument, NULL, 'r' },
		{ "churn-ms", required_argument, NULL, 'c' },
		{ "read", no_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	long seconds = 60, rcvbuf = 4L << 20, churn_ms = 20;
	int do_read = 0, c, fd, cfd, ifindex, err, v;
	socklen_t vl = sizeof(v);
	struct sockaddr_nl snl;
	int64_t deadline;
	pid_t parent, churn;
	char *buf;

	while ((c = next_opt(argc, argv, opts)) != -1) {
		switch (c) {
		case 's': seconds = parse_num(optarg, 1, 86400, "seconds"); break;
		case 'r': rcvbuf = parse_num(optarg, 1, 1L << 30, "rcvbuf"); break;
		case 'c': churn_ms = parse_num(optarg, 1, 60000, "churn-ms"); break;
		case 'R': do_read = 1; break;
		}
	}
	no_more_args(argc);
	deadline = start_clock(seconds, 0);

	lo_up();
	ifindex = (int)if_nametoindex("lo");
	if (!ifindex)
		die("if_nametoindex lo: %s", strerror(errno));

	/* the never-read listener */
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		die("socket AF_NETLINK NETLINK_ROUTE: %s", strerror(errno));
	v = (int)rcvbuf;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) < 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)) < 0)
		die("setsockopt SO_RCVBUF: %s", strerror(errno));
	memset(&snl, 0, sizeof(snl));
	snl.nl_family = AF_NETLINK;
	snl.nl_groups = GROUPS;
	if (bind(fd, (struct sockaddr *)&snl, sizeof(snl)) < 0)
		die("bind netlink groups 0x%x: %s", (unsigned int)GROUPS, strerror(errno));
	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, &vl) < 0)
		die("getsockopt SO_RCVBUF: %s", strerror(errno));

	/* one churn step here, so a missing CAP_NET_ADMIN fails before READY */
	cfd = rtnl_socket();
	if ((err = churn_once(cfd, ifindex, 0)) != 0)
		die("add/delete 127.1.1.0/32 on lo: %s", strerror(err));

	parent = getpid();
	churn = fork();
	if (churn < 0)
		die("fork: %s", strerror(errno));
	if (churn == 0) {
		close(fd);
		run_churn(parent, cfd, ifindex, churn_ms, deadline);
	}
	close(cfd);

	buf = malloc(65536);
	if (!buf)
		die("out of memory");

	printf("READY pid=%d fd=%d inode=%lu churn_pid=%d rcvbuf=%d churn_ms=%ld "
	       "groups=0x%x read=%d\n", (int)parent, fd, fd_inode(fd), (int)churn, v,
	       churn_ms, (unsigned int)GROUPS, do_read);
	fflush(stdout);

	while (!stop && now_ms() < deadline) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (!do_read) {
			poll(NULL, 0, 200);	/* a daemon stuck elsewhere */
			continue;
		}
		if (poll(&pfd, 1, 200) <= 0)
			continue;
		for (;;) {
			ssize_t n = recv(fd, buf, 65536, MSG_DONTWAIT);

			/* ENOBUFS: an overrun was flagged; keep reading */
			if (n == 0 || (n < 0 && errno != ENOBUFS && errno != EINTR))
				break;
		}
	}

	reap(churn);
	free(buf);
	close(fd);
	return 0;
}
