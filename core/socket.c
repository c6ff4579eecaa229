/*
 * The socket model: the growable vector of struct ltsock and the names and
 * address strings the views show, spelled the way `ss` spells them so a user
 * can compare the two side by side.  No I/O beyond if_indextoname().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "leaktop/socket.h"
#include "alloc_hook.h"

const struct ltsock_mem ltsock_mem_zero;

/*
 * A vector's blocks: every distinct struct ltsock_mem its sockets point at,
 * once.  Blocks live in chunks that never move (a socket keeps a pointer);
 * an open-addressing table finds a block by its contents.  Most sockets of
 * a big machine hold nothing and share a handful of blocks (the same
 * buffer sizes), so 72 bytes of figures cost them 8.  A block replaced by
 * ltsock_vec_set_mem, or left by a socket that went, stays until
 * ltsock_vec_tidy finds the blocks doubled since they were last gathered;
 * then the vector's sockets are interned afresh and the old chunks freed,
 * so the garbage never outweighs what is used.
 */
#define BLOCKS_PER_CHUNK 256

struct blocks_chunk {
	struct blocks_chunk *next;
	unsigned n;
	struct ltsock_mem b[BLOCKS_PER_CHUNK];
};

struct ltsock_blocks {
	struct blocks_chunk *chunks;	/* the newest first */
	const struct ltsock_mem **slot;	/* NULL: empty */
	size_t nslot;			/* a power of two, or 0 */
	size_t n;			/* blocks in the chunks */
	size_t regather;		/* ltsock_vec_tidy gathers past this many
					 * (0: not gathered yet) */
	const struct ltsock_mem *last;	/* the last found: the next is often it */
};

static uint64_t mem_hash(const struct ltsock_mem *m)
{
	const unsigned char *p = (const unsigned char *)m;
	uint64_t h = 0x9e3779b97f4a7c15ULL;
	size_t i;

	for (i = 0; i + 4 <= sizeof(*m); i += 4) {
		uint32_t w;

		memcpy(&w, p + i, 4);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
	}
	return h ^ (h >> 31);
}

static void blocks_free(struct ltsock_blocks *b)
{
	struct blocks_chunk *c, *next;

	if (!b)
		return;
	for (c = b->chunks; c; c = next) {
		next = c->next;
		free(c);
	}
	free(b->slot);
	free(b);
}

static int blocks_grow_table(struct ltsock_blocks *b)
{
	size_t nslot = b->nslot ? b->nslot * 2 : 64, i;
	const struct ltsock_mem **slot;

	if (nslot < b->nslot || nslot > SIZE_MAX / sizeof(*slot))
		return -ENOMEM;
	slot = calloc(nslot, sizeof(*slot));
	if (!slot)
		return -ENOMEM;
	for (i = 0; i < b->nslot; i++) {
		size_t j;

		if (!b->slot[i])
			continue;
		for (j = mem_hash(b->slot[i]) & (nslot - 1); slot[j]; j = (j + 1) & (nslot - 1))
			;
		slot[j] = b->slot[i];
	}
	free(b->slot);
	b->slot = slot;
	b->nslot = nslot;
	return 0;
}

/* The block of b equal to *m, added when there is none; NULL: no memory. */
static const struct ltsock_mem *blocks_intern(struct ltsock_blocks *b, const struct ltsock_mem *m)
{
	struct blocks_chunk *c;
	struct ltsock_mem *nb;
	uint64_t h;
	size_t j;

	if (b->last && !memcmp(b->last, m, sizeof(*m)))
		return b->last;
	if (!b->nslot && blocks_grow_table(b) < 0)
		return NULL;
	h = mem_hash(m);
	for (j = h & (b->nslot - 1); b->slot[j]; j = (j + 1) & (b->nslot - 1))
		if (!memcmp(b->slot[j], m, sizeof(*m)))
			return b->last = b->slot[j];
	if ((b->n + 1) * 2 > b->nslot) {
		if (blocks_grow_table(b) < 0)
			return NULL;
		for (j = h & (b->nslot - 1); b->slot[j]; j = (j + 1) & (b->nslot - 1))
			;
	}
	c = b->chunks;
	if (!c || c->n == BLOCKS_PER_CHUNK) {
		c = malloc(sizeof(*c));
		if (!c)
			return NULL;
		c->n = 0;
		c->next = b->chunks;
		b->chunks = c;
	}
	nb = &c->b[c->n++];
	*nb = *m;
	b->slot[j] = nb;
	b->n++;
	return b->last = nb;
}

/* Intern every socket of vec afresh and drop the blocks none points at.
 * Short of memory, the old blocks simply stay. */
static void blocks_gather(struct ltsock_vec *vec)
{
	struct ltsock_blocks *nb = calloc(1, sizeof(*nb));
	size_t i;

	if (!nb)
		return;
	for (i = 0; i < vec->n; i++)
		if (!blocks_intern(nb, vec->v[i].m)) {
			blocks_free(nb);
			vec->blocks->regather = vec->blocks->n * 2;
			return;
		}
	for (i = 0; i < vec->n; i++)
		vec->v[i].m = blocks_intern(nb, vec->v[i].m);
	blocks_free(vec->blocks);
	vec->blocks = nb;
	nb->regather = nb->n * 2;
}

int ltsock_vec_set_mem(struct ltsock_vec *vec, size_t i, const struct ltsock_mem *m)
{
	const struct ltsock_mem *k;

	if (!memcmp(vec->v[i].m, m, sizeof(*m)))
		return 0;
	k = blocks_intern(vec->blocks, m);
	if (!k)
		return -ENOMEM;
	vec->v[i].m = k;
	return 0;
}

void ltsock_vec_tidy(struct ltsock_vec *vec)
{
	if (vec->blocks && vec->blocks->n > 4096 && vec->blocks->n > vec->blocks->regather)
		blocks_gather(vec);
}

size_t ltsock_vec_nblocks(const struct ltsock_vec *vec)
{
	return vec->blocks ? vec->blocks->n : 0;
}

int ltsock_vec_push(struct ltsock_vec *vec, const struct ltsock *s)
{
	const struct ltsock_mem *m;
	struct ltsock *nv;
	size_t ncap;

	if (vec->keep && !vec->keep(s, vec->keep_arg)) {
		free(s->path);
		return 0;
	}
	if (!vec->blocks) {
		vec->blocks = calloc(1, sizeof(*vec->blocks));
		if (!vec->blocks)
			return -ENOMEM;
	}
	if (vec->n == vec->cap) {
		ncap = vec->cap ? vec->cap * 2 : 64;
		if (ncap < vec->cap || ncap > SIZE_MAX / sizeof(*nv))
			return -ENOMEM;
		nv = realloc(vec->v, ncap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		vec->v = nv;
		vec->cap = ncap;
	}
	m = blocks_intern(vec->blocks, s->m ? s->m : &ltsock_mem_zero);
	if (!m)
		return -ENOMEM;
	vec->v[vec->n] = *s;
	vec->v[vec->n++].m = m;
	return 0;
}

void ltsock_vec_clear(struct ltsock_vec *vec)
{
	size_t i;

	for (i = 0; i < vec->n; i++)
		free(vec->v[i].path);
	vec->n = 0;
	blocks_free(vec->blocks);
	vec->blocks = NULL;
}

void ltsock_vec_free(struct ltsock_vec *vec)
{
	size_t i;

	if (!vec)
		return;
	for (i = 0; i < vec->n; i++)
		free(vec->v[i].path);
	free(vec->v);
	blocks_free(vec->blocks);
	vec->blocks = NULL;
	vec->v = NULL;
	vec->n = 0;
	vec->cap = 0;
}

/*
 * Sort n 32-bit keys ascending, carrying a 32-bit payload: an LSD radix
 * sort by bytes, stable, that skips the bytes where every key agrees.  The
 * data moves between (key, val) and the scratch (tk, tv) of n entries
 * each; the arrays it ended in are returned through kout and vout.
 */
static void radix32(uint32_t *k, uint32_t *x, uint32_t *tk, uint32_t *tx, size_t n,
		    uint32_t **kout, uint32_t **vout)
{
	uint32_t all_or = 0, all_and = ~(uint32_t)0;
	size_t count[256], i, pos;
	unsigned shift;

	for (i = 0; i < n; i++) {
		all_or |= k[i];
		all_and &= k[i];
	}
	for (shift = 0; shift < 32; shift += 8) {
		uint32_t *sk, *sx;

		if ((((all_or ^ all_and) >> shift) & 0xff) == 0)
			continue;	/* the same byte everywhere */
		memset(count, 0, sizeof(count));
		for (i = 0; i < n; i++)
			count[(k[i] >> shift) & 0xff]++;
		for (i = 0, pos = 0; i < 256; i++) {
			size_t c = count[i];

			count[i] = pos;
			pos += c;
		}
		for (i = 0; i < n; i++) {
			size_t d = count[(k[i] >> shift) & 0xff]++;

			tk[d] = k[i];
			tx[d] = x[i];
		}
		sk = k; k = tk; tk = sk;
		sx = x; x = tx; tx = sx;
	}
	*kout = k;
	*vout = x;
}

int ltsock_sort_u32(uint32_t *key, uint32_t *val, size_t n)
{
	uint32_t *tk, *tv, *ko, *vo;

	if (n < 2)
		return 0;
	tk = malloc(n * sizeof(*tk));
	tv = malloc(n * sizeof(*tv));
	if (!tk || !tv) {
		free(tk);
		free(tv);
		return -ENOMEM;
	}
	radix32(key, val, tk, tv, n, &ko, &vo);
	if (ko != key) {
		memcpy(key, ko, n * sizeof(*key));
		memcpy(val, vo, n * sizeof(*val));
	}
	free(tk);
	free(tv);
	return 0;
}

static int cmp_by_inode(const void *a, const void *b, void *arg)
{
	const struct ltsock_vec *v = arg;
	uint32_t x = v->v[*(const uint32_t *)a].inode, y = v->v[*(const uint32_t *)b].inode;

	return (x > y) - (x < y);
}

void ltsock_sort_by_inode(const struct ltsock_vec *vec, uint32_t *idx, size_t n)
{
	uint32_t *key;
	size_t i;

	if (n < 2)
		return;
	key = malloc(n * sizeof(*key));
	if (key) {
		for (i = 0; i < n; i++)
			key[i] = vec->v[idx[i]].inode;
		if (ltsock_sort_u32(key, idx, n) == 0) {
			free(key);
			return;
		}
		free(key);
	}
	/* no room for the radix sort: compare in place */
	qsort_r(idx, n, sizeof(*idx), cmp_by_inode, (void *)vec);
}

const char *ltsock_proto_name(const struct ltsock *s)
{
	switch (s->family) {
	case AF_INET:
	case AF_INET6:
		/* a raw socket's protocol is whatever it was opened with */
		if (s->type == SOCK_RAW)
			return "raw";
		switch (s->protocol) {
		case IPPROTO_TCP:
			return "tcp";
		case IPPROTO_UDP:
			return "udp";
		case IPPROTO_UDPLITE:
			return "udplite";
		}
		return "?";
	case AF_PACKET:
		return "packet";
	case AF_UNIX:
		switch (s->type) {
		case SOCK_STREAM:
			return "stream";
		case SOCK_DGRAM:
			return "dgram";
		case SOCK_SEQPACKET:
			return "seqpacket";
		}
		return "?";
	case AF_NETLINK:
		return "netlink";
	}
	return "?";
}

const char *ltsock_family_name(const struct ltsock *s)
{
	switch (s->family) {
	case AF_INET:
		return "inet";
	case AF_INET6:
		return "inet6";
	case AF_PACKET:
		return "packet";
	case AF_UNIX:
		return "unix";
	case AF_NETLINK:
		return "netlink";
	}
	return "?";
}

const char *ltsock_state_name(const struct ltsock *s)
{
	/* indexed by the kernel's TCP_* numbering, as ss names them */
	static const char *const names[] = {
		"UNKNOWN", "ESTAB", "SYN-SENT", "SYN-RECV", "FIN-WAIT-1",
		"FIN-WAIT-2", "TIME-WAIT", "UNCONN", "CLOSE-WAIT", "LAST-ACK",
		"LISTEN", "CLOSING", "NEW-SYN-RECV", "BOUND-INACTIVE",
	};

	/* ss prints every packet and netlink socket as unconnected */
	if (s->family == AF_PACKET || s->family == AF_NETLINK)
		return "UNCONN";
	if (s->state < sizeof(names) / sizeof(names[0]))
		return names[s->state];
	return "UNKNOWN";
}

struct ethertype_name {
	uint16_t proto;
	const char *name;
};

static const struct ethertype_name ethertypes[] = {
	{ 0x0001, "802_3" },
	{ 0x0004, "802_2" },
	{ 0x0800, "IP" },
	{ 0x0806, "ARP" },
	{ 0x8035, "RARP" },
	{ 0x8100, "802.1Q" },
	{ 0x86dd, "IPV6" },
	{ 0x8808, "PAUSE" },
	{ 0x8847, "MPLS_UC" },
	{ 0x8848, "MPLS_MC" },
	{ 0x888e, "PAE" },
	{ 0x88a8, "802.1AD" },
	{ 0x88cc, "LLDP" },
	{ 0x88f7, "1588" },
};

/* ifindex -> "eth0"; the number when the interface is gone, "*" for 0. */
static void format_ifindex(uint32_t ifindex, char *out, size_t outsz)
{
	char name[IF_NAMESIZE];

	if (!ifindex)
		snprintf(out, outsz, "*");
	else if (if_indextoname(ifindex, name))
		snprintf(out, outsz, "%s", name);
	else
		snprintf(out, outsz, "%u", ifindex);
}

static void format_packet(const struct ltsock *s, char *out, size_t outsz)
{
	char ifname[IF_NAMESIZE + 12];
	size_t i;

	format_ifindex(s->m->ifindex, ifname, sizeof(ifname));
	/* ETH_P_ALL: every protocol, which ss also shows as "*" */
	if (s->protocol == 0x0003) {
		snprintf(out, outsz, "%s:*", ifname);
		return;
	}
	for (i = 0; i < sizeof(ethertypes) / sizeof(ethertypes[0]); i++) {
		if (ethertypes[i].proto == s->protocol) {
			snprintf(out, outsz, "%s:%s", ifname, ethertypes[i].name);
			return;
		}
	}
	snprintf(out, outsz, "%s:0x%04x", ifname, s->protocol);
}

static const char *const netlink_protos[] = {
	"rtnl", "unused", "usersock", "fw", "sock_diag", "nflog", "xfrm",
	"selinux", "iscsi", "audit", "fiblookup", "connector", "nft",
	"ip6fw", "dec-rt", "uevent", "genl", "scsi-trans", "ecryptfs",
	"rdma", "crypto", "smc",
};

static void format_portid(uint32_t portid, char *out, size_t outsz)
{
	if (portid == 0)
		snprintf(out, outsz, "kernel");
	else if (portid == UINT32_MAX)
		snprintf(out, outsz, "*");
	else
		snprintf(out, outsz, "%u", portid);
}

static void format_netlink(const struct ltsock *s, int peer, char *out,
			   size_t outsz)
{
	char port[16];
	uint32_t portid;

	if (peer) {
		if (!(s->have & LTSOCK_HAVE_PEER)) {
			snprintf(out, outsz, "*");
			return;
		}
		memcpy(&portid, s->peer.addr, sizeof(portid));
		format_portid(portid, out, outsz);
		return;
	}
	memcpy(&portid, s->local.addr, sizeof(portid));
	format_portid(portid, port, sizeof(port));
	if (s->protocol < sizeof(netlink_protos) / sizeof(netlink_protos[0]))
		snprintf(out, outsz, "%s:%s", netlink_protos[s->protocol], port);
	else
		snprintf(out, outsz, "%u:%s", s->protocol, port);
}

/* Decimal v at p, no terminator; returns its length.  (The census rows
 * format thousands of addresses a sample: no printf on that path.) */
static size_t put_uint(char *p, uint32_t v)
{
	char b[10];
	size_t n = 0, i;

	do {
		b[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		p[i] = b[n - 1 - i];
	return n;
}

/* a then b into out, cut to outsz */
static void join2(char *out, size_t outsz, const char *a, size_t na, const char *b, size_t nb)
{
	if (na >= outsz)
		na = outsz - 1;
	memcpy(out, a, na);
	if (nb > outsz - 1 - na)
		nb = outsz - 1 - na;
	memcpy(out + na, b, nb);
	out[na + nb] = '\0';
}

static void format_unix(const struct ltsock *s, int peer, char *out,
			size_t outsz)
{
	uint32_t ino;

	if (!peer) {
		snprintf(out, outsz, "%s", s->path ? s->path : "*");
		return;
	}
	memcpy(&ino, s->peer.addr, sizeof(ino));
	if ((s->have & LTSOCK_HAVE_PEER) && ino) {
		char b[12];

		join2(out, outsz, "* ", 2, b, put_uint(b, ino));	/* "* %u" */
	} else {
		join2(out, outsz, "*", 1, "", 0);
	}
}

static void format_inet(const struct ltsock *s, int peer, char *out,
			size_t outsz)
{
	static const uint8_t any6[16];
	const struct ltsock_addr *a = peer ? &s->peer : &s->local;
	char host[INET6_ADDRSTRLEN + 2], ip[INET6_ADDRSTRLEN];
	char port[8];
	size_t n = 0;
	int i;

	if (s->family == AF_INET) {
		/* a.b.c.d, as inet_ntop writes it */
		for (i = 0; i < 4; i++) {
			n += put_uint(host + n, a->addr[i]);
			if (i < 3)
				host[n++] = '.';
		}
		host[n++] = ':';
		if (a->port)
			n += put_uint(host + n, a->port);
		else
			host[n++] = '*';
		join2(out, outsz, host, n, "", 0);
		return;
	} else if (!memcmp(a->addr, any6, sizeof(any6))) {
		/* ss's spelling of the IPv6 wildcard */
		snprintf(host, sizeof(host), "*");
	} else if (inet_ntop(AF_INET6, a->addr, ip, sizeof(ip))) {
		snprintf(host, sizeof(host), "[%s]", ip);
	} else {
		snprintf(host, sizeof(host), "?");
	}
	if (a->port)
		snprintf(port, sizeof(port), "%u", a->port);
	else
		snprintf(port, sizeof(port), "*");
	snprintf(out, outsz, "%s:%s", host, port);
}

char *ltsock_format_addr(const struct ltsock *s, int peer, char *out,
			 size_t outsz)
{
	if (!outsz)
		return out;
	switch (s->family) {
	case AF_INET:
	case AF_INET6:
		format_inet(s, peer, out, outsz);
		break;
	case AF_PACKET:
		if (peer)
			snprintf(out, outsz, "*");
		else
			format_packet(s, out, outsz);
		break;
	case AF_UNIX:
		format_unix(s, peer, out, outsz);
		break;
	case AF_NETLINK:
		format_netlink(s, peer, out, outsz);
		break;
	default:
		snprintf(out, outsz, "?");
		break;
	}
	return out;
}

/* ---- the memory rules (see socket.h) ---------------------------------- */

uint64_t ltsock_unix_peer(const struct ltsock *s)
{
	uint32_t peer;

	if (s->family != AF_UNIX || !(s->have & LTSOCK_HAVE_PEER))
		return 0;
	memcpy(&peer, s->peer.addr, sizeof(peer));
	return peer;
}

int ltsock_queue_is_bytes(const struct ltsock *s)
{
	return s->state != TCP_LISTEN;
}

uint64_t ltsock_queued(const struct ltsock *s)
{
	if (!ltsock_queue_is_bytes(s))
		return 0;
	if (s->family == AF_UNIX) {
		/* the data sits in its queue but is charged to the senders */
		if (s->have & LTSOCK_HAVE_PEERQ)
			return (uint64_t)s->m->rmem + s->m->peer_q;
		return s->m->recv_q;
	}
	return (s->have & LTSOCK_HAVE_SKMEM) ? s->m->rmem : s->m->recv_q;
}

double ltsock_fill(const struct ltsock *s)
{
	if (!(s->have & LTSOCK_HAVE_SKMEM) || !s->m->rcvbuf)
		return -1;
	return (double)s->m->rmem / (double)s->m->rcvbuf;
}

double ltsock_fill_pct(const struct ltsock *s)
{
	if (!(s->have & LTSOCK_HAVE_SKMEM) || !s->m->rcvbuf)
		return -1;
	return 100.0 * (double)s->m->rmem / (double)s->m->rcvbuf;
}

int ltsock_is_full(const struct ltsock *s)
{
	if ((s->have & LTSOCK_HAVE_SKMEM) && s->m->rcvbuf > 0 &&
	    (uint64_t)s->m->rmem * 100 >= (uint64_t)s->m->rcvbuf * 95)
		return 1;
	return s->m->npeer_blocked > 0;
}

int ltsock_send_is_full(const struct ltsock *s)
{
	return (s->have & LTSOCK_HAVE_SKMEM) && s->m->sndbuf &&
	       ltsock_send_held(s) * 100 >= (uint64_t)s->m->sndbuf * 90;
}

uint64_t ltsock_recv_q(const struct ltsock *s)
{
	if (s->family == AF_UNIX && s->state != TCP_LISTEN &&
	    (s->have & LTSOCK_HAVE_PEERQ) && s->m->peer_q > 0)
		return s->m->peer_q;
	return s->m->recv_q;
}

uint64_t ltsock_send_held(const struct ltsock *s)
{
	if (s->state == TCP_LISTEN)
		return 0;
	if (s->family == AF_UNIX)
		return 0;	/* its wmem counts at the reader it sits at */
	if (s->have & LTSOCK_HAVE_SKMEM2)
		return s->m->wmem_queued > s->m->send_q ? s->m->wmem_queued : s->m->send_q;
	return s->m->send_q;
}

uint64_t ltsock_mem(const struct ltsock *s)
{
	uint64_t w;

	if (!(s->have & LTSOCK_HAVE_SKMEM)) {
		if (s->state == TCP_LISTEN)
			return 0;
		return (uint64_t)s->m->recv_q + s->m->send_q;
	}
	w = s->m->wmem;
	if ((s->have & LTSOCK_HAVE_SKMEM2) && s->m->wmem_queued > w)
		w = s->m->wmem_queued;	/* tcp: what is in flight is in the queue too */
	return (uint64_t)s->m->rmem + w + ((s->have & LTSOCK_HAVE_SKMEM2) ? s->m->fwd_alloc : 0);
}

uint64_t ltsock_rank_bytes(const struct ltsock *s)
{
	return ltsock_is_orphan(s) ? ltsock_mem(s) : ltsock_queued(s);
}

uint64_t ltsock_outside_slab(const struct ltsock *s)
{
	uint64_t held = ltsock_mem(s);

	/* forward allocations are a reservation, not memory */
	if (s->have & LTSOCK_HAVE_SKMEM2)
		held = held > s->m->fwd_alloc ? held - s->m->fwd_alloc : 0;
	if ((s->family == AF_INET || s->family == AF_INET6) && s->protocol == IPPROTO_TCP &&
	    s->type == SOCK_STREAM)
		return held / 100 * 98 + held % 100 * 98 / 100;
	if (s->family == AF_UNIX && s->type != SOCK_DGRAM)
		return held / 100 * 92 + held % 100 * 92 / 100;
	return 0;
}

int ltsock_is_orphan(const struct ltsock *s)
{
	if ((s->family != AF_INET && s->family != AF_INET6) || s->type != SOCK_STREAM ||
	    s->protocol != IPPROTO_TCP || s->inode != 0)
		return 0;
	/* time-wait and request sockets are minisocks: no queue, no fd to lack */
	return s->state != TCP_LISTEN && s->state != TCP_TIME_WAIT &&
	       s->state != TCP_SYN_RECV;
}

int ltsock_mem_group(const struct ltsock *s)
{
	switch (s->family) {
	case AF_INET:
	case AF_INET6:
		if (s->type == SOCK_RAW)
			return LTSOCK_MEM_RAW;
		if (s->protocol == IPPROTO_TCP)
			return ltsock_is_orphan(s) ? LTSOCK_MEM_ORPHANED : LTSOCK_MEM_TCP;
		return LTSOCK_MEM_UDP;	/* udp and udplite */
	case AF_UNIX:
		return LTSOCK_MEM_UNIX;
	case AF_NETLINK:
		return LTSOCK_MEM_NETLINK;
	case AF_PACKET:
		return LTSOCK_MEM_PACKET;
	}
	return LTSOCK_MEM_RAW;
}

const char *ltsock_mem_group_name(int g)
{
	static const char *const names[LTSOCK_MEM_NGROUPS] = {
		"tcp", "udp", "unix", "netlink", "packet", "raw", "orphaned"
	};

	return g >= 0 && g < LTSOCK_MEM_NGROUPS ? names[g] : "?";
}

/*
 * A small open-addressing table keyed by (netns, inode), sized to at least
 * twice its entries: the census's per-socket passes stay linear.
 */
struct ino_slot {
	uint64_t netns, inode;	/* inode 0: empty */
	uint64_t bytes;		/* attribution: the senders' wmem */
	uint32_t n, full;	/* attribution: senders, those at their sndbuf */
};

struct ino_table {
	struct ino_slot *v;
	size_t mask;
};

static int ino_table_init(struct ino_table *t, size_t entries)
{
	size_t want = 16;

	while (want < entries * 2)
		want *= 2;
	t->v = calloc(want, sizeof(*t->v));
	t->mask = want - 1;
	return t->v ? 0 : -ENOMEM;
}

/* The slot of (netns, inode): found, or the empty one where it goes. */
static struct ino_slot *ino_table_slot(const struct ino_table *t, uint64_t netns,
				       uint64_t inode)
{
	uint64_t h = (inode * 0x9e3779b97f4a7c15ULL) ^ (netns * 0xc2b2ae3d27d4eb4fULL);
	size_t j;

	for (j = (size_t)(h ^ (h >> 29)) & t->mask; t->v[j].inode;
	     j = (j + 1) & t->mask)
		if (t->v[j].inode == inode && t->v[j].netns == netns)
			break;
	return &t->v[j];
}

/* The least an skb of a datagram of len bytes costs beyond its payload
 * (struct sk_buff; the head's shared info and kmalloc rounding add more). */
#define SKB_MIN_OVERHEAD 256

int ltsock_attribute_peers(struct ltsock_vec *vec, unsigned max_dgram_qlen)
{
	struct ino_table t = { 0 };
	size_t i, n = 0;
	int ret = 0;

	for (i = 0; i < vec->n; i++) {
		const struct ltsock *k = &vec->v[i];

		n += ltsock_unix_peer(k) && (k->have & LTSOCK_HAVE_SKMEM) && k->m->wmem;
	}
	if (n && ino_table_init(&t, n) < 0)
		return -ENOMEM;
	for (i = 0; n && i < vec->n; i++) {
		const struct ltsock *k = &vec->v[i];
		uint64_t peer = ltsock_unix_peer(k);
		struct ino_slot *e;

		if (!peer || !(k->have & LTSOCK_HAVE_SKMEM) || !k->m->wmem)
			continue;
		e = ino_table_slot(&t, k->netns, peer);
		e->netns = k->netns;
		e->inode = peer;
		e->bytes += k->m->wmem;
		e->n++;
		e->full += k->m->sndbuf && k->m->wmem >= k->m->sndbuf;
	}
	for (i = 0; i < vec->n; i++) {
		struct ltsock *k = &vec->v[i];
		const struct ino_slot *e = NULL;
		struct ltsock_mem fig;
		uint64_t limit, blocked;

		if (k->family != AF_UNIX)
			continue;
		fig = *k->m;
		fig.peer_q = 0;
		fig.npeer_q = 0;
		fig.npeer_blocked = 0;
		if (n && k->inode)
			e = ino_table_slot(&t, k->netns, k->inode);
		if (e && e->inode) {
			blocked = e->full;
			/* a datagram reader at its length limit blocks every sender */
			limit = ((uint64_t)max_dgram_qlen + 1) *
				((uint64_t)fig.recv_q + SKB_MIN_OVERHEAD);
			if (k->type == SOCK_DGRAM && max_dgram_qlen && fig.recv_q &&
			    e->bytes >= limit)
				blocked = e->n;
			fig.peer_q = e->bytes > UINT32_MAX ? UINT32_MAX : (uint32_t)e->bytes;
			fig.npeer_q = e->n > UINT16_MAX ? UINT16_MAX : (uint16_t)e->n;
			fig.npeer_blocked = blocked > UINT16_MAX ? UINT16_MAX : (uint16_t)blocked;
		}
		/* short of memory, this socket keeps Recv-Q (no PEERQ) */
		if (ltsock_vec_set_mem(vec, i, &fig) < 0)
			ret = -ENOMEM;
		else
			k->have |= LTSOCK_HAVE_PEERQ;
	}
	free(t.v);
	return ret;
}

/* The sockets ltsock_vec_dedup has kept, by (netns, inode): the inode and
 * the place of each, 12 bytes a slot where the attribution's table takes
 * 32 (at 200k sockets 6 MB a census instead of 16, all of it touched). */
struct dedup_table {
	uint64_t *inode;	/* 0: empty */
	uint32_t *at;		/* the kept socket's index */
	size_t mask;
};

size_t ltsock_vec_dedup(struct ltsock_vec *vec, size_t first)
{
	struct dedup_table t;
	size_t i, keep, removed = 0, want = 16;

	if (vec->n - first < 2 || vec->n > UINT32_MAX)
		return 0;
	while (want < (vec->n - first) * 2)
		want *= 2;
	t.inode = calloc(want, sizeof(*t.inode));
	t.at = malloc(want * sizeof(*t.at));
	t.mask = want - 1;
	if (!t.inode || !t.at) {
		free(t.inode);
		free(t.at);
		return 0;	/* short of memory: duplicates stay, never lost */
	}
	for (i = first, keep = first; i < vec->n; i++) {
		struct ltsock *k = &vec->v[i];

		if (k->inode) {
			uint64_t h = (k->inode * 0x9e3779b97f4a7c15ULL) ^
				     (k->netns * 0xc2b2ae3d27d4eb4fULL);
			size_t j;

			for (j = (size_t)(h ^ (h >> 29)) & t.mask; t.inode[j];
			     j = (j + 1) & t.mask)
				if (t.inode[j] == k->inode && vec->v[t.at[j]].netns == k->netns)
					break;
			if (t.inode[j]) {
				/* listed before: the first listing stays */
				free(k->path);
				removed++;
				continue;
			}
			t.inode[j] = k->inode;
			t.at[j] = (uint32_t)keep;
		}
		if (keep != i)
			vec->v[keep] = *k;
		keep++;
	}
	vec->n = keep;
	free(t.inode);
	free(t.at);
	return removed;
}

const char *ltsock_source_name(const struct ltsock *k)
{
	switch (k->source) {
	case LTSOCK_SRC_PROCNET:
		return "procnet";
	case LTSOCK_SRC_BPF:
		return "bpf";
	case LTSOCK_SRC_DIAG:
	default:
		return "sock_diag";
	}
}
