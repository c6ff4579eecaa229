/*
 * What the triage rules share (core/findings/, one file a kind): adding a finding to
 * the list, words for sentences, a socket's owner, the indexes of the
 * other ends of connections and of unix senders (built once per
 * evaluation, on the first rule that asks), the cause a group shares, and
 * the severity of a queue.  Below the rules, above the model (findings.c);
 * it never reads the table of kinds.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "leaktop/actions.h"
#include "leaktop/findings.h"
#include "leaktop/units.h"
#include "leaktop/procs.h"
#include "leaktop/sample.h"
#include "../alloc_hook.h"
#include "findings_int.h"

struct finding *findings_rule_add(struct findings_ctx *x, enum finding_kind kind,
				  enum finding_severity sev)
{
	struct finding_list *l = x->out;
	struct finding *f;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		struct finding *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		l->v = v;
		l->cap = cap;
	}
	f = &l->v[l->n++];
	memset(f, 0, sizeof(*f));
	f->kind = (uint8_t)kind;
	f->severity = (uint8_t)sev;
	f->pid = -1;
	f->fd = -1;
	f->victim_pid = -1;
	f->victim_fd = -1;
	f->worst_fd = -1;
	return f;
}

void findings_rule_say(char *dst, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dst, n, fmt, ap);
	va_end(ap);
}

void findings_rule_say_why(struct finding *f, const char *why)
{
	size_t len = strlen(f->summary);

	if (why[0] && len + 3 < sizeof(f->summary))
		snprintf(f->summary + len, sizeof(f->summary) - len, "; %s", why);
}

void findings_rule_step(struct findings_steps *st, const char *fmt, ...)
{
	size_t len = strlen(st->out);
	va_list ap;

	if (len + 2 >= st->outsz)
		return;
	if (len)
		st->out[len++] = '\n';
	va_start(ap, fmt);
	vsnprintf(st->out + len, st->outsz - len, fmt, ap);
	va_end(ap);
	st->n++;
}

int findings_rule_owner(const struct sample *s, const struct ltsock *k, int32_t *pid,
			int32_t *fd, char *comm)
{
	const struct fd_owner *o;
	size_t n;

	if (!k->inode)
		return -1;
	o = fdtable_census_owners(&s->owners, k->inode, &n);
	if (!o)
		return -1;
	*pid = o->pid;
	*fd = o->fd;
	if (fdtable_census_proc(&s->owners, o->pid))
		snprintf(comm, 64, "%s", fdtable_census_proc(&s->owners, o->pid)->comm);
	else if (procs_find(&s->procs, o->pid))
		/* a light census keeps no entry for an owner it has not read
		 * yet: the sample's process table names it */
		snprintf(comm, 64, "%s", procs_find(&s->procs, o->pid)->comm);
	return 0;
}

int findings_rule_is_inet(const struct ltsock *k)
{
	return k->family == AF_INET || k->family == AF_INET6;
}

int findings_rule_dgram_like(const struct ltsock *k)
{
	return k->type != SOCK_STREAM;
}

/* The other ends of inet connections, indexed once per evaluation: the
 * shown inet sockets sorted by (netns, local port, peer port, place in the
 * shown list), and the listening ones.  A busy server may hold thousands of
 * orphans or stalled senders. */
/* The socket at place j of the shown list (of all sockets without one). */
static uint32_t shown_at(const struct sample *s, uint32_t j)
{
	return s->shown ? s->shown[j] : j;
}

static int cmp_peer_ix(const void *a, const void *b, void *arg)
{
	const struct sample *s = arg;
	uint32_t ja = *(const uint32_t *)a, jb = *(const uint32_t *)b;
	const struct ltsock *x = &s->socks.v[shown_at(s, ja)], *y = &s->socks.v[shown_at(s, jb)];

	if (x->netns != y->netns)
		return x->netns < y->netns ? -1 : 1;
	if (x->local.port != y->local.port)
		return x->local.port < y->local.port ? -1 : 1;
	if (x->peer.port != y->peer.port)
		return x->peer.port < y->peer.port ? -1 : 1;
	/* equal ports in shown order: the first match is the first shown */
	return (ja > jb) - (ja < jb);
}

static int peer_ix_build(const struct sample *s, struct findings_peer_ix *ix)
{
	size_t j, n = s->shown ? s->nshown : s->socks.n;

	memset(ix, 0, sizeof(*ix));
	ix->built = 1;
	ix->v = malloc((n ? n : 1) * sizeof(*ix->v));
	if (!ix->v)
		return -ENOMEM;
	for (j = 0; j < n; j++)
		if (findings_rule_is_inet(&s->socks.v[shown_at(s, (uint32_t)j)]))
			ix->v[ix->n++] = (uint32_t)j;
	qsort_r(ix->v, ix->n, sizeof(*ix->v), cmp_peer_ix, (void *)s);
	for (j = 0; j < s->socks.n; j++) {
		const struct ltsock *p = &s->socks.v[j];

		if (p->state != 10 /* LISTEN */ || !findings_rule_is_inet(p) || !p->inode)
			continue;
		if (!(ix->nlis & (ix->nlis + 1))) {	/* 0, 1, 3, 7...: grow */
			uint32_t *nv = realloc(ix->lis, (ix->nlis * 2 + 2) * sizeof(*nv));

			if (!nv)
				return -ENOMEM;
			ix->lis = nv;
		}
		ix->lis[ix->nlis++] = (uint32_t)j;
	}
	return 0;
}

/* Free x's indexes. */
void findings_rule_peers_free(struct findings_ctx *x)
{
	free(x->peers.v);
	free(x->peers.lis);
	free(x->senders.v);
	memset(&x->peers, 0, sizeof(x->peers));
	memset(&x->senders, 0, sizeof(x->senders));
}

/* The other end of an inet connection k when it is a socket of this
 * machine in the same namespace (loopback, or a local address), among ix's
 * shown sockets: an index into s->socks, or -1.  Only shown sockets are
 * asked: an end that does not read has a queue. */
static ssize_t peer_ix_find(const struct sample *s, const struct findings_peer_ix *ix,
			    const struct ltsock *k)
{
	size_t lo = 0, hi = ix->n;

	while (lo < hi) {	/* the first with (netns, k's peer port, k's port) */
		size_t mid = lo + (hi - lo) / 2;
		const struct ltsock *p = &s->socks.v[shown_at(s, ix->v[mid])];

		if (p->netns < k->netns || (p->netns == k->netns &&
		    (p->local.port < k->peer.port ||
		     (p->local.port == k->peer.port && p->peer.port < k->local.port))))
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < ix->n; lo++) {
		const struct ltsock *p = &s->socks.v[shown_at(s, ix->v[lo])];

		if (p->netns != k->netns || p->local.port != k->peer.port ||
		    p->peer.port != k->local.port)
			break;
		if (p != k && p->family == k->family && p->protocol == k->protocol &&
		    p->type == k->type && !memcmp(p->local.addr, k->peer.addr, 16) &&
		    !memcmp(p->peer.addr, k->local.addr, 16))
			return (ssize_t)shown_at(s, ix->v[lo]);
	}
	return -1;
}

/* The listener an unaccepted connection waits in: same namespace and local
 * port, a v6 listener taking v4 too; an index into s->socks, or -1. */
static ssize_t peer_ix_listener(const struct sample *s, const struct findings_peer_ix *ix,
				const struct ltsock *k)
{
	size_t j;

	for (j = 0; j < ix->nlis; j++) {
		const struct ltsock *p = &s->socks.v[ix->lis[j]];

		if (p->netns == k->netns && p->protocol == k->protocol &&
		    p->local.port == k->local.port &&
		    (p->family == k->family || p->family == AF_INET6))
			return (ssize_t)ix->lis[j];
	}
	return -1;
}

/* FNV-1a of a cause's parts (findings_group's key). */
static uint64_t cause_hash(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t h = 14695981039346656037ull;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h ? h : 1;
}

/*
 * The cause the socket findings of one process may share (findings_group
 * folds those with equal kind, pid, netns and cause): for a connection a
 * server accepted, its listening port; for any other connection, its peer
 * (toward_peer asks for the peer always: the stalled senders of one
 * reader); for a unix connection, the path it was accepted on.  An
 * unconnected socket is its own problem: cause 0.
 */
int findings_rule_set_cause(struct findings_ctx *x, const struct ltsock *k, int toward_peer,
			    struct finding *f)
{
	struct { uint8_t tag, proto; uint16_t port; uint8_t addr[16]; } key;
	const struct sample *s = x->s;
	struct findings_peer_ix *ix = &x->peers;
	char a[64], p[60];

	memset(&key, 0, sizeof(key));
	key.proto = k->protocol;
	if (findings_rule_is_inet(k)) {
		if (!k->peer.port)
			return 0;
		if (!ix->built && peer_ix_build(s, ix) < 0)
			return -ENOMEM;
		if (!toward_peer && peer_ix_listener(s, ix, k) >= 0) {
			key.tag = 'L';
			key.port = k->local.port;
			snprintf(f->cause_text, sizeof(f->cause_text), "on :%u",
				 (unsigned)k->local.port);
		} else {
			key.tag = 'P';
			key.port = k->peer.port;
			memcpy(key.addr, k->peer.addr, sizeof(key.addr));
			lt_sanitize(ltsock_format_addr(k, 1, a, sizeof(a)), p, sizeof(p));
			snprintf(f->cause_text, sizeof(f->cause_text), "to %s", p);
		}
		f->cause = cause_hash(&key, sizeof(key));
		return 0;
	}
	if (k->family == AF_UNIX && k->path && k->path[0]) {
		f->cause = cause_hash(k->path, strlen(k->path)) ^ 'U';
		lt_sanitize(k->path, p, sizeof(p));
		snprintf(f->cause_text, sizeof(f->cause_text), "on %s", p);
	}
	return 0;
}

/* The sockets with bytes sent (wmem), sorted by (netns, unix peer's inode,
 * index): a unix reader's senders are one range, in census order.  Built
 * on the first reader that asks. */
static int cmp_sender_ix(const void *a, const void *b, void *arg)
{
	const struct ltsock *v = arg;
	uint32_t ia = *(const uint32_t *)a, ib = *(const uint32_t *)b;
	uint64_t pa = ltsock_unix_peer(&v[ia]), pb = ltsock_unix_peer(&v[ib]);

	if (v[ia].netns != v[ib].netns)
		return v[ia].netns < v[ib].netns ? -1 : 1;
	if (pa != pb)
		return pa < pb ? -1 : 1;
	return (ia > ib) - (ia < ib);
}

static int sender_ix_build(const struct sample *s, struct findings_sender_ix *ix)
{
	size_t i;

	ix->built = 1;
	ix->v = malloc((s->socks.n ? s->socks.n : 1) * sizeof(*ix->v));
	if (!ix->v)
		return -ENOMEM;
	for (i = 0; i < s->socks.n; i++)
		if (s->socks.v[i].m->wmem)
			ix->v[ix->n++] = (uint32_t)i;
	qsort_r(ix->v, ix->n, sizeof(*ix->v), cmp_sender_ix, s->socks.v);
	return 0;
}

/* The first place in ix of a socket sending to (netns, peer). */
static size_t sender_ix_first(const struct sample *s, const struct findings_sender_ix *ix,
			      uint64_t netns, uint64_t peer)
{
	size_t lo = 0, hi = ix->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct ltsock *p = &s->socks.v[ix->v[mid]];

		if (p->netns < netns || (p->netns == netns && ltsock_unix_peer(p) < peer))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* "3 senders wait with 12.0 KiB queued: pid 7 (logger), pid 8 (cron)" for
 * a unix reader; "" without senders.  Names sanitised.  0 or -ENOMEM (the
 * index of senders, built on the first call). */
int findings_rule_unix_senders(struct findings_ctx *x, const struct ltsock *k, char *out,
			       size_t outsz)
{
	const struct sample *s = x->s;
	struct findings_sender_ix *ix = &x->senders;
	size_t j, len = 0, named = 0;
	char b1[32];

	out[0] = '\0';
	if (k->family != AF_UNIX || !k->m->npeer_q)
		return 0;
	if (!ix->built && sender_ix_build(s, ix) < 0)
		return -ENOMEM;
	len = (size_t)snprintf(out, outsz, "; %u connected sender%s queued %s at it, %u of "
			       "them blocked", (unsigned)k->m->npeer_q, k->m->npeer_q == 1 ? "" : "s",
			       units_size(k->m->peer_q, b1, sizeof(b1)), (unsigned)k->m->npeer_blocked);
	for (j = sender_ix_first(s, ix, k->netns, k->inode);
	     j < ix->n && named < 3 && len < outsz; j++) {
		const struct ltsock *p = &s->socks.v[ix->v[j]];
		int32_t pid = -1, fd = -1;
		char comm[64] = "", c2[48];

		if (p->netns != k->netns || ltsock_unix_peer(p) != k->inode)
			break;
		if (findings_rule_owner(s, p, &pid, &fd, comm) < 0)
			continue;
		lt_sanitize(comm, c2, sizeof(c2));
		len += (size_t)snprintf(out + len, outsz - len, "%s pid %d (%s)",
					named ? "," : ":", (int)pid, c2);
		named++;
	}
	return 0;
}

/* The severity of a finding about socket k's receive queue (q bytes,
 * growing at growth bytes/s), and its words in the summary.  A unix
 * reader's queue is its senders': no one rcvbuf caps it. */
void findings_rule_sock_severity(struct findings_ctx *x, const struct ltsock *k, uint64_t q,
				 double growth, struct finding *f)
{
	struct findings_impact im = { .bytes = q, .fd_left_s = -1,
				      .ceiling_of = "its rcvbuf" };
	char why[128];

	if ((k->have & LTSOCK_HAVE_SKMEM) && k->m->rcvbuf && k->family != AF_UNIX) {
		im.ceiling = k->m->rcvbuf;
		im.at_ceiling = ltsock_is_full(k);
	}
	im.growth_bps = growth > 0 ? growth : 0;
	f->bytes = q;
	f->ceiling = im.ceiling;
	findings_impact_machine(x->s, k->protocol == IPPROTO_TCP, &im);
	if (!findings_rule_is_inet(k) || (k->protocol != IPPROTO_TCP && k->protocol != IPPROTO_UDP))
		im.pressure_room = -1;
	f->severity = (uint8_t)findings_severity(x->c, &im, why, sizeof(why));
	findings_rule_say_why(f, why);
}

int findings_rule_peers(struct findings_ctx *x)
{
	return x->peers.built ? 0 : peer_ix_build(x->s, &x->peers);
}

ssize_t findings_rule_peer_of(struct findings_ctx *x, const struct ltsock *k)
{
	return peer_ix_find(x->s, &x->peers, k);
}

ssize_t findings_rule_listener_of(struct findings_ctx *x, const struct ltsock *k)
{
	return peer_ix_listener(x->s, &x->peers, k);
}

int findings_rule_socket_action(const struct finding_mitigation *m, const struct finding *f)
{
	return m->inode && m->inode == f->inode &&
	       (m->kind == ACTIONS_DROP_FILTER || m->kind == ACTIONS_SHRINK_RCVBUF ||
		m->kind == ACTIONS_DRAIN);
}

const char *findings_rule_connections(size_t n)
{
	return n == 1 ? "connection" : "connections";
}

void findings_rule_queue_steps(const struct finding *f, struct findings_steps *st)
{
	int pid = st->pid;
	int fd = st->fd;
	unsigned long long ino = st->ino;

	(void)f;
	findings_rule_step(st, "Collect: ss -eampni | grep -A1 'ino:%llu' (the socket, its "
			   "owner and memory); ls -l /proc/%d/fd/%d; cat /proc/%d/cmdline; the program's "
			   "version (readlink /proc/%d/exe, then dpkg -S or rpm -qf on it)", ino, pid,
			   fd, pid, pid);
	findings_rule_step(st, "Confirm: the queue only grows while the program runs "
			   "(leaktop -b -p %d -n 10), and its threads never read fd %d: "
			   "strace -f -e trace=read,recv,recvfrom,recvmsg,recvmmsg -p %d shows no "
			   "call on it", pid, fd, pid);
	findings_rule_step(st, "Fix in the program: read the socket (replies, "
			   "notifications it asked for), or close it, or for a socket opened "
			   "only to send, attach a drop-all filter or shutdown(SHUT_RD) when it "
			   "is created");
	findings_rule_step(st, "Verify after a restart with the fix: leaktop -b -n 30 -d 2 "
			   "--format json | jq '.findings[] | select(.pid == NEWPID)' stays empty, "
			   "and the socket's Recv-Q stays near 0");
}
