/*
 * NETLINK_SOCK_DIAG dumps: build one request per kind, parse the reply
 * buffers into struct ltsock, and (in sockdiag_dump only) talk to the kernel
 * through libmnl.  The parser trusts nothing in the bytes it is given: every
 * length is checked against the buffer before it is followed, so recorded
 * dumps, truncated or corrupt, can be fed to it safely.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/netlink_diag.h>
#include <linux/packet_diag.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <libmnl/libmnl.h>
#include <poll.h>

#include "leaktop/sockdiag.h"
#include "alloc_hook.h"

#ifndef IPPROTO_UDPLITE
#define IPPROTO_UDPLITE 136
#endif

/* Replies are read in chunks this big; the kernel fills up to ~32 KiB. */
#define SOCKDIAG_RECV_BUF	(64 * 1024)

/* Attribute table large enough for every family's *_DIAG_MAX. */
#define SOCKDIAG_ATTR_MAX	32
/* INET_DIAG_CGROUP_ID (5.9), by number: older headers lack the name */
#define SOCKDIAG_ATTR_CGROUP_ID	21

struct kind_info {
	const char *name;
	uint8_t family;
	uint8_t protocol;	/* sdiag_protocol of the request */
	uint8_t type;		/* SOCK_* for inet kinds */
};

static const struct kind_info kinds[SOCKDIAG_NKINDS] = {
	[SOCKDIAG_TCP4] = { "tcp4", AF_INET, IPPROTO_TCP, SOCK_STREAM },
	[SOCKDIAG_TCP6] = { "tcp6", AF_INET6, IPPROTO_TCP, SOCK_STREAM },
	[SOCKDIAG_UDP4] = { "udp4", AF_INET, IPPROTO_UDP, SOCK_DGRAM },
	[SOCKDIAG_UDP6] = { "udp6", AF_INET6, IPPROTO_UDP, SOCK_DGRAM },
	[SOCKDIAG_UDPLITE4] = { "udplite4", AF_INET, IPPROTO_UDPLITE, SOCK_DGRAM },
	[SOCKDIAG_UDPLITE6] = { "udplite6", AF_INET6, IPPROTO_UDPLITE, SOCK_DGRAM },
	[SOCKDIAG_RAW4] = { "raw4", AF_INET, IPPROTO_RAW, SOCK_RAW },
	[SOCKDIAG_RAW6] = { "raw6", AF_INET6, IPPROTO_RAW, SOCK_RAW },
	[SOCKDIAG_PACKET] = { "packet", AF_PACKET, 0, 0 },
	[SOCKDIAG_UNIX] = { "unix", AF_UNIX, 0, 0 },
	[SOCKDIAG_NETLINK] = { "netlink", AF_NETLINK, NDIAG_PROTO_ALL, 0 },
};

const char *sockdiag_kind_name(enum sockdiag_kind kind)
{
	if ((unsigned int)kind >= SOCKDIAG_NKINDS)
		return "?";
	return kinds[kind].name;
}

int sockdiag_kind_of(const struct ltsock *s)
{
	int v6 = s->family == AF_INET6;

	switch (s->family) {
	case AF_INET:
	case AF_INET6:
		if (s->type == SOCK_RAW)
			return v6 ? SOCKDIAG_RAW6 : SOCKDIAG_RAW4;
		switch (s->protocol) {
		case IPPROTO_TCP:
			return v6 ? SOCKDIAG_TCP6 : SOCKDIAG_TCP4;
		case IPPROTO_UDP:
			return v6 ? SOCKDIAG_UDP6 : SOCKDIAG_UDP4;
		case IPPROTO_UDPLITE:
			return v6 ? SOCKDIAG_UDPLITE6 : SOCKDIAG_UDPLITE4;
		default:
			return -1;
		}
	case AF_PACKET:
		return SOCKDIAG_PACKET;
	case AF_UNIX:
		return SOCKDIAG_UNIX;
	case AF_NETLINK:
		return SOCKDIAG_NETLINK;
	default:
		return -1;
	}
}

void sockdiag_parser_init(struct sockdiag_parser *p, enum sockdiag_kind kind,
			  uint64_t netns)
{
	memset(p, 0, sizeof(*p));
	p->kind = kind;
	p->netns = netns;
	p->result = SOCKDIAG_OK;
}

size_t sockdiag_build_request(enum sockdiag_kind kind, void *buf, size_t bufsz,
			      uint32_t seq)
{
	const struct kind_info *ki;
	struct nlmsghdr *nlh;

	if ((unsigned int)kind >= SOCKDIAG_NKINDS || bufsz < 256)
		return 0;
	ki = &kinds[kind];
	memset(buf, 0, 256);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;

	switch (kind) {
	case SOCKDIAG_PACKET: {
		struct packet_diag_req *r;

		r = mnl_nlmsg_put_extra_header(nlh, sizeof(*r));
		r->sdiag_family = AF_PACKET;
		r->pdiag_show = PACKET_SHOW_INFO | PACKET_SHOW_MEMINFO;
		break;
	}
	case SOCKDIAG_UNIX: {
		struct unix_diag_req *r;

		r = mnl_nlmsg_put_extra_header(nlh, sizeof(*r));
		r->sdiag_family = AF_UNIX;
		r->udiag_states = ~0U;
		r->udiag_show = UDIAG_SHOW_NAME | UDIAG_SHOW_RQLEN |
				UDIAG_SHOW_MEMINFO | UDIAG_SHOW_PEER |
				UDIAG_SHOW_UID;
		break;
	}
	case SOCKDIAG_NETLINK: {
		struct netlink_diag_req *r;

		r = mnl_nlmsg_put_extra_header(nlh, sizeof(*r));
		r->sdiag_family = AF_NETLINK;
		r->sdiag_protocol = NDIAG_PROTO_ALL;
		r->ndiag_show = NDIAG_SHOW_MEMINFO;
		break;
	}
	default: {
		struct inet_diag_req_v2 *r;

		/*
		 * Raw sockets are asked for with sdiag_protocol IPPROTO_RAW
		 * (raw_diag's handler slot); its dump walks every raw socket
		 * of the family whatever protocol it was opened with, and
		 * names that protocol in INET_DIAG_PROTOCOL.
		 */
		r = mnl_nlmsg_put_extra_header(nlh, sizeof(*r));
		r->sdiag_family = ki->family;
		r->sdiag_protocol = ki->protocol;
		r->idiag_states = ~0U;
		r->idiag_ext = 1 << (INET_DIAG_SKMEMINFO - 1);
		break;
	}
	}
	return nlh->nlmsg_len;
}

/* Append op and its operand (a port comparison: 8 bytes). */
static void bc_port(struct inet_diag_bc_op *op, unsigned char code, unsigned short no,
		    uint16_t port)
{
	op[0].code = code;
	op[0].yes = 8;
	op[0].no = no;
	op[1].code = 0;
	op[1].yes = 0;
	op[1].no = port;
}

/*
 * The inet_diag bytecode for "(sport, dport) is one of pairs", in the
 * kernel's convention (as iproute2 compiles its filters): an expression of
 * length L falls through to L when it matches and jumps to L + 4 when it
 * does not; the program accepts a socket that runs exactly off its end.
 * Every op lies on the chain of "yes" jumps, which the kernel's audit
 * walks.  A pair is four port comparisons (GE and LE for each port: EQ is
 * newer than the kernels we support), 32 bytes; pairs are OR'ed with a JMP
 * between them that sends a match to the end.
 */
static size_t bc_pairs(struct inet_diag_bc_op *bc, const uint16_t *pairs, size_t n)
{
	size_t i, len = n * 36 - 4, off = 0;

	for (i = 0; i < n; i++) {
		/* from this pair's start, failure lands at pair end + 4 */
		bc_port(bc + off / 4, INET_DIAG_BC_S_GE, 36, pairs[2 * i]);
		bc_port(bc + off / 4 + 2, INET_DIAG_BC_S_LE, 28, pairs[2 * i]);
		bc_port(bc + off / 4 + 4, INET_DIAG_BC_D_GE, 20, pairs[2 * i + 1]);
		bc_port(bc + off / 4 + 6, INET_DIAG_BC_D_LE, 12, pairs[2 * i + 1]);
		off += 32;
		if (i + 1 < n) {
			/* a match jumps over the remaining pairs to the end */
			bc[off / 4].code = INET_DIAG_BC_JMP;
			bc[off / 4].yes = 4;
			bc[off / 4].no = (unsigned short)(len - off);
			off += 4;
		}
	}
	return len;
}

size_t sockdiag_build_request_ports(enum sockdiag_kind kind, void *buf, size_t bufsz,
				    uint32_t seq, const uint16_t *pairs, size_t npairs)
{
	struct nlmsghdr *nlh = buf;
	struct inet_diag_bc_op *bc;
	size_t len, bclen;

	if (!npairs)
		return sockdiag_build_request(kind, buf, bufsz, seq);
	if (npairs > SOCKDIAG_MAX_PAIRS || kind > SOCKDIAG_UDPLITE6 ||
	    bufsz < SOCKDIAG_REQ_MAX)
		return 0;
	len = sockdiag_build_request(kind, buf, bufsz, seq);
	if (!len)
		return 0;
	bclen = npairs * 36 - 4;
	memset((char *)buf + len, 0, MNL_ALIGN(bclen) + MNL_ATTR_HDRLEN);
	bc = mnl_attr_get_payload((struct nlattr *)((char *)buf + len));
	bc_pairs(bc, pairs, npairs);
	((struct nlattr *)((char *)buf + len))->nla_type = INET_DIAG_REQ_BYTECODE;
	((struct nlattr *)((char *)buf + len))->nla_len = (uint16_t)(MNL_ATTR_HDRLEN + bclen);
	nlh->nlmsg_len += MNL_ALIGN(MNL_ATTR_HDRLEN + bclen);
	return nlh->nlmsg_len;
}

/*
 * Index the attributes in [start, start + len) into tb.  Unlike
 * mnl_attr_parse(), which stops quietly at a bad attribute, an attribute
 * whose length runs past the end is an error here.
 */
static int index_attrs(const void *start, size_t len,
		       const struct nlattr *tb[SOCKDIAG_ATTR_MAX])
{
	const struct nlattr *a = start;
	int left = (int)len;

	memset(tb, 0, sizeof(*tb) * SOCKDIAG_ATTR_MAX);
	while (mnl_attr_ok(a, left)) {
		uint16_t type = mnl_attr_get_type(a);

		if (type < SOCKDIAG_ATTR_MAX)
			tb[type] = a;
		left -= (int)MNL_ALIGN(a->nla_len);
		a = mnl_attr_next(a);
	}
	/* a few bytes of trailing padding are fine; a header's worth is not */
	if (left >= (int)sizeof(struct nlattr))
		return -EBADMSG;
	return 0;
}

/* Index the attributes that follow a hdr-byte family header in pl. */
static int index_after(const void *pl, size_t plen, size_t hdr,
		       const struct nlattr *tb[SOCKDIAG_ATTR_MAX])
{
	size_t off = MNL_ALIGN(hdr);

	if (off >= plen)
		return index_attrs(pl, 0, tb);
	return index_attrs((const char *)pl + off, plen - off, tb);
}

/* Copy SK_MEMINFO_* figures from a meminfo attribute; -EBADMSG if short. */
static int take_meminfo(const struct nlattr *a, struct ltsock *s, struct ltsock_mem *fig)
{
	uint32_t mem[SK_MEMINFO_VARS];
	size_t plen = mnl_attr_get_payload_len(a);

	if (plen < (SK_MEMINFO_SNDBUF + 1) * sizeof(uint32_t))
		return -EBADMSG;
	memset(mem, 0, sizeof(mem));
	memcpy(mem, mnl_attr_get_payload(a),
	       plen < sizeof(mem) ? plen : sizeof(mem));
	fig->rmem = mem[SK_MEMINFO_RMEM_ALLOC];
	fig->rcvbuf = mem[SK_MEMINFO_RCVBUF];
	fig->wmem = mem[SK_MEMINFO_WMEM_ALLOC];
	fig->sndbuf = mem[SK_MEMINFO_SNDBUF];
	s->have |= LTSOCK_HAVE_SKMEM;
	/* fwd_alloc .. backlog came together with drops (3.x); older
	 * kernels stop at sndbuf */
	if (plen >= (SK_MEMINFO_BACKLOG + 1) * sizeof(uint32_t)) {
		fig->fwd_alloc = mem[SK_MEMINFO_FWD_ALLOC];
		fig->wmem_queued = mem[SK_MEMINFO_WMEM_QUEUED];
		fig->optmem = mem[SK_MEMINFO_OPTMEM];
		fig->backlog = mem[SK_MEMINFO_BACKLOG];
		s->have |= LTSOCK_HAVE_SKMEM2;
	}
	if (plen >= (SK_MEMINFO_DROPS + 1) * sizeof(uint32_t)) {
		fig->drops = mem[SK_MEMINFO_DROPS];
		s->have |= LTSOCK_HAVE_DROPS;
	}
	return 0;
}

/* Read a u32 attribute into *v; -EBADMSG if its payload is short. */
static int take_u32(const struct nlattr *a, uint32_t *v)
{
	if (mnl_attr_get_payload_len(a) < sizeof(*v))
		return -EBADMSG;
	memcpy(v, mnl_attr_get_payload(a), sizeof(*v));
	return 0;
}

static uint64_t join_cookie(const uint32_t c[2])
{
	return (uint64_t)c[0] | (uint64_t)c[1] << 32;
}

static int parse_inet(const struct kind_info *ki, const void *pl, size_t plen,
		      struct ltsock *s, struct ltsock_mem *fig, struct lt_err *err)
{
	const struct nlattr *tb[SOCKDIAG_ATTR_MAX];
	struct inet_diag_msg m;
	size_t alen;

	if (plen < sizeof(m))
		return lt_err_set(err, EBADMSG, "payload %zu < inet_diag_msg",
				  plen);
	memcpy(&m, pl, sizeof(m));
	if (m.idiag_family != ki->family)
		return lt_err_set(err, EBADMSG, "family %u in a %s dump",
				  m.idiag_family, ki->name);
	s->family = m.idiag_family;
	s->type = ki->type;
	s->protocol = ki->protocol;
	s->state = m.idiag_state;
	alen = m.idiag_family == AF_INET ? 4 : 16;
	memcpy(s->local.addr, m.id.idiag_src, alen);
	memcpy(s->peer.addr, m.id.idiag_dst, alen);
	s->local.port = ntohs(m.id.idiag_sport);
	s->peer.port = ntohs(m.id.idiag_dport);
	s->inode = m.idiag_inode;
	s->cookie = join_cookie(m.id.idiag_cookie);
	fig->uid = m.idiag_uid;
	fig->recv_q = m.idiag_rqueue;
	fig->send_q = m.idiag_wqueue;
	s->have |= LTSOCK_HAVE_QUEUE | LTSOCK_HAVE_PEER;

	if (index_after(pl, plen, sizeof(m), tb))
		return lt_err_set(err, EBADMSG, "attribute overruns message");
	if (tb[INET_DIAG_SKMEMINFO] && take_meminfo(tb[INET_DIAG_SKMEMINFO], s, fig))
		return lt_err_set(err, EBADMSG, "short INET_DIAG_SKMEMINFO");
	if (tb[INET_DIAG_PROTOCOL]) {
		if (mnl_attr_get_payload_len(tb[INET_DIAG_PROTOCOL]) < 1)
			return lt_err_set(err, EBADMSG,
					  "empty INET_DIAG_PROTOCOL");
		s->protocol = mnl_attr_get_u8(tb[INET_DIAG_PROTOCOL]);
	}
	/* the cgroup that created it (5.9+): an orphan's too */
	if (tb[SOCKDIAG_ATTR_CGROUP_ID] && mnl_attr_get_payload_len(tb[SOCKDIAG_ATTR_CGROUP_ID]) >= 8) {
		/* memcpy, not mnl_attr_get_u64: the libmnl the portable
		 * build links has no such function */
		memcpy(&fig->cgroup_id, mnl_attr_get_payload(tb[SOCKDIAG_ATTR_CGROUP_ID]),
		       sizeof(fig->cgroup_id));
	}
	return 0;
}

static int parse_packet(const void *pl, size_t plen, struct ltsock *s, struct ltsock_mem *fig,
			struct lt_err *err)
{
	const struct nlattr *tb[SOCKDIAG_ATTR_MAX];
	struct packet_diag_msg m;
	struct packet_diag_info info;

	if (plen < sizeof(m))
		return lt_err_set(err, EBADMSG, "payload %zu < packet_diag_msg",
				  plen);
	memcpy(&m, pl, sizeof(m));
	if (m.pdiag_family != AF_PACKET)
		return lt_err_set(err, EBADMSG, "family %u in a packet dump",
				  m.pdiag_family);
	s->family = AF_PACKET;
	s->type = m.pdiag_type;
	/* already host order: packet_diag applies ntohs() itself */
	s->protocol = m.pdiag_num;
	s->state = 7;	/* TCP_CLOSE: packet sockets have no connection */
	s->inode = m.pdiag_ino;
	s->cookie = join_cookie(m.pdiag_cookie);

	if (index_after(pl, plen, sizeof(m), tb))
		return lt_err_set(err, EBADMSG, "attribute overruns message");
	if (tb[PACKET_DIAG_INFO]) {
		if (mnl_attr_get_payload_len(tb[PACKET_DIAG_INFO]) < sizeof(info))
			return lt_err_set(err, EBADMSG, "short PACKET_DIAG_INFO");
		memcpy(&info, mnl_attr_get_payload(tb[PACKET_DIAG_INFO]),
		       sizeof(info));
		fig->ifindex = info.pdi_index;
	}
	if (tb[PACKET_DIAG_UID] && take_u32(tb[PACKET_DIAG_UID], &fig->uid))
		return lt_err_set(err, EBADMSG, "short PACKET_DIAG_UID");
	if (tb[PACKET_DIAG_MEMINFO]) {
		if (take_meminfo(tb[PACKET_DIAG_MEMINFO], s, fig))
			return lt_err_set(err, EBADMSG,
					  "short PACKET_DIAG_MEMINFO");
		/* no separate receive queue: what is charged is what waits */
		fig->recv_q = fig->rmem;
		s->have |= LTSOCK_HAVE_QUEUE;
	}
	return 0;
}

static int take_unix_name(const struct nlattr *a, struct ltsock *s)
{
	const char *name = mnl_attr_get_payload(a);
	size_t n = mnl_attr_get_payload_len(a), i;
	char *path;

	if (!n)
		return 0;
	path = malloc(n + 1);
	if (!path)
		return -ENOMEM;
	memcpy(path, name, n);
	path[n] = '\0';
	/* abstract names start with NUL and may hold more; show them as '@' */
	if (path[0] == '\0') {
		for (i = 0; i < n; i++)
			if (path[i] == '\0')
				path[i] = '@';
	}
	s->path = path;
	return 0;
}

static int parse_unix(const void *pl, size_t plen, struct ltsock *s, struct ltsock_mem *fig,
		      struct lt_err *err)
{
	const struct nlattr *tb[SOCKDIAG_ATTR_MAX];
	struct unix_diag_msg m;
	struct unix_diag_rqlen rq;
	uint32_t peer;

	if (plen < sizeof(m))
		return lt_err_set(err, EBADMSG, "payload %zu < unix_diag_msg",
				  plen);
	memcpy(&m, pl, sizeof(m));
	if (m.udiag_family != AF_UNIX)
		return lt_err_set(err, EBADMSG, "family %u in a unix dump",
				  m.udiag_family);
	s->family = AF_UNIX;
	s->type = m.udiag_type;
	s->state = m.udiag_state;
	s->inode = m.udiag_ino;
	s->cookie = join_cookie(m.udiag_cookie);

	if (index_after(pl, plen, sizeof(m), tb))
		return lt_err_set(err, EBADMSG, "attribute overruns message");
	if (tb[UNIX_DIAG_RQLEN]) {
		if (mnl_attr_get_payload_len(tb[UNIX_DIAG_RQLEN]) < sizeof(rq))
			return lt_err_set(err, EBADMSG, "short UNIX_DIAG_RQLEN");
		memcpy(&rq, mnl_attr_get_payload(tb[UNIX_DIAG_RQLEN]),
		       sizeof(rq));
		fig->recv_q = rq.udiag_rqueue;
		fig->send_q = rq.udiag_wqueue;
		s->have |= LTSOCK_HAVE_QUEUE;
	}
	if (tb[UNIX_DIAG_MEMINFO] && take_meminfo(tb[UNIX_DIAG_MEMINFO], s, fig))
		return lt_err_set(err, EBADMSG, "short UNIX_DIAG_MEMINFO");
	if (tb[UNIX_DIAG_PEER]) {
		if (take_u32(tb[UNIX_DIAG_PEER], &peer))
			return lt_err_set(err, EBADMSG, "short UNIX_DIAG_PEER");
		memcpy(s->peer.addr, &peer, sizeof(peer));
		s->have |= LTSOCK_HAVE_PEER;
	}
	if (tb[UNIX_DIAG_UID] && take_u32(tb[UNIX_DIAG_UID], &fig->uid))
		return lt_err_set(err, EBADMSG, "short UNIX_DIAG_UID");
	/* the name last: nothing after it can fail and leak the path */
	if (tb[UNIX_DIAG_NAME] && take_unix_name(tb[UNIX_DIAG_NAME], s))
		return lt_err_set(err, ENOMEM, "unix path");
	return 0;
}

static int parse_netlink(const void *pl, size_t plen, struct ltsock *s, struct ltsock_mem *fig,
			 struct lt_err *err)
{
	const struct nlattr *tb[SOCKDIAG_ATTR_MAX];
	struct netlink_diag_msg m;

	if (plen < sizeof(m))
		return lt_err_set(err, EBADMSG,
				  "payload %zu < netlink_diag_msg", plen);
	memcpy(&m, pl, sizeof(m));
	if (m.ndiag_family != AF_NETLINK)
		return lt_err_set(err, EBADMSG, "family %u in a netlink dump",
				  m.ndiag_family);
	s->family = AF_NETLINK;
	s->type = m.ndiag_type;
	s->protocol = m.ndiag_protocol;
	s->state = 7;	/* shown as UNCONN, as ss does */
	s->inode = m.ndiag_ino;
	s->cookie = join_cookie(m.ndiag_cookie);
	/* the portid stands in for an address: a host-order u32 */
	memcpy(s->local.addr, &m.ndiag_portid, sizeof(m.ndiag_portid));
	if (m.ndiag_dst_portid || m.ndiag_dst_group) {
		memcpy(s->peer.addr, &m.ndiag_dst_portid,
		       sizeof(m.ndiag_dst_portid));
		s->have |= LTSOCK_HAVE_PEER;
	}

	if (index_after(pl, plen, sizeof(m), tb))
		return lt_err_set(err, EBADMSG, "attribute overruns message");
	if (tb[NETLINK_DIAG_MEMINFO]) {
		if (take_meminfo(tb[NETLINK_DIAG_MEMINFO], s, fig))
			return lt_err_set(err, EBADMSG,
					  "short NETLINK_DIAG_MEMINFO");
		fig->recv_q = fig->rmem;
		fig->send_q = fig->wmem;
		s->have |= LTSOCK_HAVE_QUEUE;
	}
	return 0;
}

static int parse_one(struct sockdiag_parser *p, const struct nlmsghdr *nlh,
		     struct ltsock_vec *out, struct lt_err *err)
{
	const struct kind_info *ki = &kinds[p->kind];
	const void *pl = mnl_nlmsg_get_payload(nlh);
	size_t plen = mnl_nlmsg_get_payload_len(nlh);
	struct ltsock_mem fig;
	struct ltsock s;
	int ret;

	memset(&s, 0, sizeof(s));
	memset(&fig, 0, sizeof(fig));
	s.m = &fig;
	s.netns = p->netns;
	s.source = LTSOCK_SRC_DIAG;
	switch (p->kind) {
	case SOCKDIAG_PACKET:
		ret = parse_packet(pl, plen, &s, &fig, err);
		break;
	case SOCKDIAG_UNIX:
		ret = parse_unix(pl, plen, &s, &fig, err);
		break;
	case SOCKDIAG_NETLINK:
		ret = parse_netlink(pl, plen, &s, &fig, err);
		break;
	default:
		ret = parse_inet(ki, pl, plen, &s, &fig, err);
		break;
	}
	if (ret)
		goto out;
	ret = ltsock_vec_push(out, &s);
	if (ret) {
		lt_err_set(err, ENOMEM, "socket vector");
		goto out;
	}
	s.path = NULL;
out:
	free(s.path);
	return ret;
}

/* Record how a dump ended from the errno a DONE or ERROR carried. */
static void finish(struct sockdiag_parser *p, int error, struct lt_err *err)
{
	p->done = 1;
	if (error == 0) {
		p->result = SOCKDIAG_OK;
	} else if (error == -ENOENT) {
		p->result = SOCKDIAG_UNSUPPORTED;
		lt_err_set(err, ENOENT, "%s: no sock_diag support in kernel",
			   sockdiag_kind_name(p->kind));
	} else {
		/* the kernel sends -errno; anything else is a garbled reply */
		int errnum = error < 0 && error > -4096 ? -error : EPROTO;

		p->result = SOCKDIAG_FAILED;
		lt_err_set(err, errnum, "%s: kernel: %s",
			   sockdiag_kind_name(p->kind), strerror(errnum));
	}
}

/*
 * Does a whole message start at off?  mnl_nlmsg_ok() is not used: it compares
 * nlmsg_len as a signed int, so a length of 2 GiB or more would pass.
 */
static const struct nlmsghdr *msg_at(const void *buf, size_t len, size_t off)
{
	const struct nlmsghdr *nlh = (const void *)((const char *)buf + off);

	/* off may sit up to 3 bytes past len after an unpadded last message */
	if (off >= len || len - off < sizeof(*nlh) ||
	    nlh->nlmsg_len < sizeof(*nlh) ||
	    nlh->nlmsg_len > len - off)
		return NULL;
	return nlh;
}

int sockdiag_parse(struct sockdiag_parser *p, const void *buf, size_t len,
		   struct ltsock_vec *out, struct lt_err *err)
{
	const struct nlmsghdr *nlh;
	const char *name = sockdiag_kind_name(p->kind);
	size_t start = out->n, off, i;
	int msgno = 0, ret = 0, error;

	if ((unsigned int)p->kind >= SOCKDIAG_NKINDS)
		return lt_err_set(err, EINVAL, "bad sockdiag kind %d", p->kind);
	if (p->done)
		return 1;
	/* the last message's padding may be missing, hence off < len */
	for (off = 0; off < len; off += NLMSG_ALIGN(nlh->nlmsg_len)) {
		msgno++;
		nlh = msg_at(buf, len, off);
		if (!nlh) {
			ret = lt_err_set(err, EBADMSG,
					 "%s: message %d at offset %zu truncated (%zu bytes left)",
					 name, msgno, off, len - off);
			goto out;
		}
		switch (nlh->nlmsg_type) {
		case NLMSG_NOOP:
			break;
		case NLMSG_DONE:
			/* the payload is the dump's errno, when there is one */
			error = 0;
			if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int))
				memcpy(&error, mnl_nlmsg_get_payload(nlh),
				       sizeof(int));
			finish(p, error, err);
			ret = 1;
			goto out;
		case NLMSG_ERROR:
			if (mnl_nlmsg_get_payload_len(nlh) < sizeof(int)) {
				ret = lt_err_set(err, EBADMSG,
						 "%s: message %d: short NLMSG_ERROR",
						 name, msgno);
				goto out;
			}
			memcpy(&error, mnl_nlmsg_get_payload(nlh), sizeof(int));
			finish(p, error, err);
			ret = 1;
			goto out;
		case SOCK_DIAG_BY_FAMILY:
			ret = parse_one(p, nlh, out, err);
			if (ret) {
				/* prefix the message's place to the cause */
				if (err) {
					char cause[sizeof(err->msg)];

					memcpy(cause, err->msg, sizeof(cause));
					lt_err_set(err, ret, "%s: message %d at offset %zu: %s",
						   name, msgno, off, cause);
				}
				goto out;
			}
			break;
		default:
			/* not ours (NLMSG_OVERRUN or a stray type): skip it */
			break;
		}
	}
out:
	if (ret < 0) {
		/* all or nothing: drop what this buffer had appended */
		for (i = start; i < out->n; i++)
			free(out->v[i].path);
		out->n = start;
	} else {
		p->parsed += out->n - start;
	}
	return ret;
}

enum sockdiag_result sockdiag_dump(void *mnl_sock, enum sockdiag_kind kind,
				   uint64_t netns, struct ltsock_vec *out,
				   struct lt_err *err)
{
	return sockdiag_dump_ports(mnl_sock, kind, netns, NULL, 0, out, err);
}

enum sockdiag_result sockdiag_dump_ports(void *mnl_sock, enum sockdiag_kind kind,
					 uint64_t netns, const uint16_t *pairs,
					 size_t npairs, struct ltsock_vec *out,
					 struct lt_err *err)
{
	struct mnl_socket *nl = mnl_sock;
	struct sockdiag_parser p;
	char req[SOCKDIAG_REQ_MAX] __attribute__((aligned(8)));
	char *buf = NULL;
	size_t reqlen, start = out->n, i;
	uint32_t seq, portid;
	ssize_t n;
	int ret;

	sockdiag_parser_init(&p, kind, netns);
	p.result = SOCKDIAG_FAILED;
	seq = (uint32_t)time(NULL) + (uint32_t)kind;
	reqlen = sockdiag_build_request_ports(kind, req, sizeof(req), seq, pairs, npairs);
	if (!reqlen) {
		lt_err_set(err, EINVAL, "bad sockdiag kind %d", kind);
		goto out;
	}
	buf = malloc(SOCKDIAG_RECV_BUF);
	if (!buf) {
		lt_err_set(err, ENOMEM, "%s: receive buffer",
			   sockdiag_kind_name(kind));
		goto out;
	}
	portid = mnl_socket_get_portid(nl);
	if (mnl_socket_sendto(nl, req, reqlen) < 0) {
		lt_err_set(err, errno, "%s: send: %s", sockdiag_kind_name(kind),
			   strerror(errno));
		goto out;
	}
	for (;;) {
		const struct nlmsghdr *nlh;
		size_t off;

		n = mnl_socket_recvfrom(nl, buf, SOCKDIAG_RECV_BUF);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			lt_err_set(err, errno, "%s: recv: %s",
				   sockdiag_kind_name(kind), strerror(errno));
			p.result = SOCKDIAG_FAILED;
			goto out;
		}
		/* a reply to someone else's request means a confused socket */
		for (off = 0; (nlh = msg_at(buf, (size_t)n, off));
		     off += NLMSG_ALIGN(nlh->nlmsg_len)) {
			if (!mnl_nlmsg_seq_ok(nlh, seq) ||
			    !mnl_nlmsg_portid_ok(nlh, portid)) {
				lt_err_set(err, EPROTO,
					   "%s: reply seq %u portid %u, expected %u %u",
					   sockdiag_kind_name(kind),
					   nlh->nlmsg_seq, nlh->nlmsg_pid,
					   seq, portid);
				p.result = SOCKDIAG_FAILED;
				goto out;
			}
		}
		ret = sockdiag_parse(&p, buf, (size_t)n, out, err);
		if (ret < 0) {
			p.result = SOCKDIAG_FAILED;
			goto out;
		}
		if (ret == 1)
			break;
	}
out:
	if (p.result != SOCKDIAG_OK) {
		for (i = start; i < out->n; i++)
			free(out->v[i].path);
		out->n = start;
	}
	free(buf);
	return p.result;
}

size_t sockdiag_build_lookup(enum sockdiag_kind kind, const struct ltsock *k, void *buf,
			     size_t bufsz, uint32_t seq)
{
	struct inet_diag_req_v2 *r;
	struct nlmsghdr *nlh = buf;
	const struct ltsock_addr *src = &k->local, *dst = &k->peer;
	size_t alen;
	int udp = kind >= SOCKDIAG_UDP4 && kind <= SOCKDIAG_UDPLITE6;

	if ((kind > SOCKDIAG_UDPLITE6 && kind != SOCKDIAG_UNIX) || bufsz < 256 ||
	    k->family != kinds[kind].family)
		return 0;
	if (!sockdiag_build_request(kind, buf, bufsz, seq))
		return 0;
	nlh->nlmsg_flags = NLM_F_REQUEST;	/* one socket, not a dump */
	if (kind == SOCKDIAG_UNIX) {
		/* by inode; the kernel walks its table for it, but fills one */
		struct unix_diag_req *u = mnl_nlmsg_get_payload(nlh);

		if (!k->inode || k->inode > UINT32_MAX)
			return 0;
		u->udiag_ino = (uint32_t)k->inode;
		u->udiag_cookie[0] = k->cookie ? (uint32_t)k->cookie : INET_DIAG_NOCOOKIE;
		u->udiag_cookie[1] = k->cookie ? (uint32_t)(k->cookie >> 32) : INET_DIAG_NOCOOKIE;
		return nlh->nlmsg_len;
	}
	r = mnl_nlmsg_get_payload(nlh);
	/*
	 * TCP looks the socket up as the receiver of a packet from idiag_dst
	 * to idiag_src: the socket's own (local, peer) as a dump reports it.
	 * UDP's lookup takes them the other way round ("swapped for
	 * historical reasons", net/ipv4/udp_diag.c): the peer goes in src.
	 */
	if (udp) {
		src = &k->peer;
		dst = &k->local;
	}
	alen = k->family == AF_INET ? 4 : 16;
	memcpy(r->id.idiag_src, src->addr, alen);
	memcpy(r->id.idiag_dst, dst->addr, alen);
	r->id.idiag_sport = htons(src->port);
	r->id.idiag_dport = htons(dst->port);
	r->id.idiag_if = 0;
	if (k->cookie) {
		r->id.idiag_cookie[0] = (uint32_t)k->cookie;
		r->id.idiag_cookie[1] = (uint32_t)(k->cookie >> 32);
	} else {
		r->id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
		r->id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	}
	return nlh->nlmsg_len;
}

enum sockdiag_result sockdiag_lookup(void *mnl_sock, enum sockdiag_kind kind, uint64_t netns,
				     const struct ltsock *want, size_t n,
				     struct ltsock_vec *out, struct lt_err *err)
{
	struct mnl_socket *nl = mnl_sock;
	struct sockdiag_parser p;
	size_t start = out->n, got = 0, i, len = 0;
	char *req = NULL, *buf = NULL;
	uint32_t seq = (uint32_t)time(NULL) * 64 + 0x40000000u;
	enum sockdiag_result res = SOCKDIAG_FAILED;
	int missed = 0;

	if (n == 0)
		return SOCKDIAG_OK;
	req = calloc(n, 256);
	buf = malloc(SOCKDIAG_RECV_BUF);
	if (!req || !buf) {
		lt_err_set(err, ENOMEM, "%s: lookup buffers", sockdiag_kind_name(kind));
		goto out;
	}
	/* every request in one send: the kernel answers each in turn */
	for (i = 0; i < n; i++) {
		size_t l = sockdiag_build_lookup(kind, &want[i], req + len, 256,
						 seq + (uint32_t)i);

		if (!l) {
			lt_err_set(err, EINVAL, "%s: cannot look a socket up",
				   sockdiag_kind_name(kind));
			goto out;
		}
		len += NLMSG_ALIGN(l);
	}
	if (mnl_socket_sendto(nl, req, len) < 0) {
		lt_err_set(err, errno, "%s: send: %s", sockdiag_kind_name(kind),
			   strerror(errno));
		goto out;
	}
	sockdiag_parser_init(&p, kind, netns);
	while (got < n) {
		struct pollfd pfd = { .fd = mnl_socket_get_fd(nl), .events = POLLIN };
		const struct nlmsghdr *nlh;
		ssize_t r;
		size_t off;

		/* one answer per request; a lost one must not hang leaktop */
		if (poll(&pfd, 1, 1000) <= 0) {
			lt_err_set(err, ETIMEDOUT, "%s: lookup: no answer",
				   sockdiag_kind_name(kind));
			goto out;
		}
		r = mnl_socket_recvfrom(nl, buf, SOCKDIAG_RECV_BUF);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			lt_err_set(err, errno, "%s: recv: %s", sockdiag_kind_name(kind),
				   strerror(errno));
			goto out;
		}
		for (off = 0; (nlh = msg_at(buf, (size_t)r, off));
		     off += NLMSG_ALIGN(nlh->nlmsg_len)) {
			/* unsigned: correct across a wrap of the sequence */
			uint32_t idx = nlh->nlmsg_seq - seq;

			if (idx >= n)
				continue;	/* not an answer to these */
			got++;
			/* after a miss, read the other answers all the same, so
			 * that none is left for the dump that follows */
			if (missed)
				continue;
			if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY) {
				/* gone, or not where the lookup looks */
				lt_err_set(err, ENOENT, "%s: socket %" PRIu64 " not found",
					   sockdiag_kind_name(kind), (uint64_t)want[idx].inode);
				missed = 1;
			} else if (parse_one(&p, nlh, out, err) < 0) {
				missed = 1;
			} else if (out->v[out->n - 1].inode != want[idx].inode) {
				lt_err_set(err, ESTALE, "%s: lookup answered another socket",
					   sockdiag_kind_name(kind));
				missed = 1;
			}
		}
	}
	if (!missed)
		res = SOCKDIAG_OK;
out:
	if (res != SOCKDIAG_OK) {
		for (i = start; i < out->n; i++)
			free(out->v[i].path);
		out->n = start;
	}
	free(req);
	free(buf);
	return res;
}
