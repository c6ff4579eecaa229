/*
 * Sockets from the tcp and udp iterators (include/leaktop/ltbpf_socks.h):
 * their records turned into the struct ltsock that sockdiag.c's parse_inet
 * makes of an inet_diag message, figure by figure, so the census is the
 * same whichever path read it.
 */
#include <errno.h>
#include <linux/types.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "leaktop/ltbpf_socks.h"
#include "bpf/ltbpf_rec.h"

/* The record layout is shared with the BPF program: a change of size is a
 * change of format. */
_Static_assert(sizeof(struct ltbpf_sock_rec) == 120, "ltbpf_sock_rec layout");

static int kind_of(int proto, int family)
{
	if (proto == IPPROTO_TCP)
		return family == AF_INET ? SOCKDIAG_TCP4 : SOCKDIAG_TCP6;
	return family == AF_INET ? SOCKDIAG_UDP4 : SOCKDIAG_UDP6;
}

static void take_rec(const struct ltbpf_sock_rec *r, int proto, uint64_t netns,
		     struct ltsock *s, struct ltsock_mem *m)
{
	size_t alen = r->family == AF_INET ? 4 : 16;

	memset(s, 0, sizeof(*s));
	memset(m, 0, sizeof(*m));
	s->m = m;
	s->netns = netns;
	s->source = LTSOCK_SRC_BPF;
	s->family = r->family;
	s->type = proto == IPPROTO_TCP ? SOCK_STREAM : SOCK_DGRAM;
	s->protocol = (uint16_t)proto;
	s->state = r->state;
	memcpy(s->local.addr, r->laddr, alen);
	memcpy(s->peer.addr, r->raddr, alen);
	s->local.port = r->lport;
	s->peer.port = r->rport;
	s->inode = r->inode;
	s->cookie = r->cookie;
	m->uid = r->uid;
	m->recv_q = r->rqueue;
	m->send_q = r->wqueue;
	s->have = LTSOCK_HAVE_QUEUE | LTSOCK_HAVE_PEER;
	if (!r->full)
		return;	/* timewait, request: inet_diag gives no meminfo */
	m->cgroup_id = r->cgroup_id;
	m->rmem = r->mem[LTBPF_MEM_RMEM_ALLOC];
	m->rcvbuf = r->mem[LTBPF_MEM_RCVBUF];
	m->wmem = r->mem[LTBPF_MEM_WMEM_ALLOC];
	m->sndbuf = r->mem[LTBPF_MEM_SNDBUF];
	m->fwd_alloc = r->mem[LTBPF_MEM_FWD_ALLOC];
	m->wmem_queued = r->mem[LTBPF_MEM_WMEM_QUEUED];
	m->optmem = r->mem[LTBPF_MEM_OPTMEM];
	m->backlog = r->mem[LTBPF_MEM_BACKLOG];
	m->drops = r->mem[LTBPF_MEM_DROPS];
	s->have |= LTSOCK_HAVE_SKMEM | LTSOCK_HAVE_SKMEM2 | LTSOCK_HAVE_DROPS;
}

int ltbpf_socks_parse(const void *buf, size_t len, int proto, unsigned kinds,
		      uint64_t netns, struct ltsock_vec *out, struct lt_err *err)
{
	const unsigned char *p = buf;
	size_t before = out->n, i, nrec = len / sizeof(struct ltbpf_sock_rec);
	struct ltbpf_sock_rec r;
	struct ltsock_mem m;
	struct ltsock s;

	if (len % sizeof(r))
		return lt_err_set(err, EBADMSG, "a socket record cut short (%zu bytes)", len);
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return lt_err_set(err, EINVAL, "no socket iterator for protocol %d", proto);
	for (i = 0; i < nrec; i++) {
		memcpy(&r, p + i * sizeof(r), sizeof(r));
		if (r.family != AF_INET && r.family != AF_INET6) {
			out->n = before;
			return lt_err_set(err, EBADMSG, "socket record %zu: family %u", i,
					  r.family);
		}
		if (!(kinds & (1u << kind_of(proto, r.family))))
			continue;
		take_rec(&r, proto, netns, &s, &m);
		if (ltsock_vec_push(out, &s) < 0) {
			out->n = before;
			return lt_err_set(err, ENOMEM, "out of memory");
		}
	}
	return 0;
}

/* One protocol's pass: what ltbpf_iter_each hands over, parsed. */
struct pass {
	int proto;
	unsigned kinds;
	uint64_t netns;
	struct ltsock_vec *out;
};

static int pass_each(void *arg, const void *buf, size_t len)
{
	struct pass *p = arg;
	struct lt_err err;

	return ltbpf_socks_parse(buf, len, p->proto, p->kinds, p->netns, p->out, &err);
}

int ltbpf_socks_dump(void *arg, uint64_t netns, unsigned kinds, struct ltsock_vec *out)
{
	static const struct {
		enum ltbpf_iter it;
		int proto;
		unsigned kinds;
	} iters[] = {
		{ LTBPF_ITER_TCP, IPPROTO_TCP, (1u << SOCKDIAG_TCP4) | (1u << SOCKDIAG_TCP6) },
		{ LTBPF_ITER_UDP, IPPROTO_UDP, (1u << SOCKDIAG_UDP4) | (1u << SOCKDIAG_UDP6) },
	};
	struct ltbpf *b = arg;
	unsigned given = 0;
	size_t i, before;
	int r;

	for (i = 0; i < sizeof(iters) / sizeof(iters[0]); i++) {
		/* one pass walks both kinds of a protocol: those asked are kept */
		struct pass p = { iters[i].proto, kinds & iters[i].kinds, netns, out };

		if (!p.kinds)
			continue;
		/* parsed as it is read: no buffer the size of the output */
		before = out->n;
		r = ltbpf_iter_each(b, iters[i].it, sizeof(struct ltbpf_sock_rec), pass_each, &p);
		if (r < 0)
			out->n = before;	/* inet sockets: no path to free */
		if (r == -ENOMEM)
			return r;
		if (r == 0)
			given |= p.kinds;	/* else sock_diag reads them */
	}
	return (int)given;
}
