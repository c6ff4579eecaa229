/*
 * unread_queue: a socket whose program never reads it, so what arrives
 * stays queued in kernel memory; and, after leaktop's action stopped the
 * growth, the bytes still queued behind it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "leaktop/actions.h"
#include "leaktop/findings.h"
#include "leaktop/sample.h"
#include "leaktop/units.h"
#include "../alloc_hook.h"
#include "findings_int.h"

/* The action of leaktop's in place on f's socket that holds it (works, or
 * is still being checked: findings_mitigated_works), or NULL: the first
 * that covers it, as the state will say (findings_evaluate).  Such a
 * queue is not "growing" in its words, whatever the window's slope. */
static const struct finding_mitigation *held_by(const struct sample *s, const struct finding *f)
{
	size_t i;

	for (i = 0; i < s->nmitigations; i++) {
		const struct finding_mitigation *m = &s->mitigations[i];

		if (m->in_place != 0 && findings_rule_socket_action(m, f))
			return m->check == FINDING_CHECK_FAILS ? NULL : m;
	}
	return NULL;
}

/* A socket that receives and is never read (SOCK_FLAG_NEVER_READ) and
 * grows, or holds unread_min_bytes, or is full. */
static int unread_queue_socket(struct findings_ctx *x, size_t i)
{
	const struct findings_config *c = x->c;
	const struct sample *s = x->s;
	const struct ltsock *k = &s->socks.v[i];
	const struct sock_rate *r = &s->rates[i];
	uint64_t q = ltsock_queued(k);
	char b1[32], b2[32], b3[32], addr[64], a2[64], snd[200], grow[64];
	const struct finding_mitigation *held;
	struct finding *f;
	int full = !!(r->flags & SOCK_FLAG_FULL);
	int ret;

	if (!(r->flags & SOCK_FLAG_NEVER_READ) ||
	    !(r->growth_bps > 0 || q >= c->unread_min_bytes || full))
		return 0;
	f = findings_rule_add(x, FINDING_UNREAD_QUEUE, FINDING_WARNING);
	if (!f)
		return -ENOMEM;
	f->inode = k->inode;
	f->netns = k->netns;
	findings_rule_owner(s, k, &f->pid, &f->fd, f->comm);
	f->suspected = r->points < c->confirm_samples;
	f->observed_s = s->interval * (r->points > 0 ? r->points - 1 : 0);
	f->score = r->growth_bps * 60 + (double)q;
	f->action = findings_rule_dgram_like(k) && f->pid >= 0 ? ACTIONS_DROP_FILTER : ACTIONS_NONE;
	lt_sanitize(ltsock_format_addr(k, 0, addr, sizeof(addr)), a2, sizeof(a2));
	held = held_by(s, f);
	if (held && !full)
		snprintf(grow, sizeof(grow), held->check == FINDING_CHECK_WORKS ?
			 ", and it stays behind leaktop's %s" :
			 ", held by leaktop's %s (checking that it works)",
			 actions_kind_name((enum actions_kind)held->kind));
	else
		snprintf(grow, sizeof(grow), "%s",
			 r->growth_bps > 0 ? ", and growing" : ", and it stays");
	snprintf(f->summary, sizeof(f->summary),
		 "never reads its %s socket %s: %s queued%s",
		 ltsock_proto_name(k), a2, units_size(q, b1, sizeof(b1)),
		 !full ? grow :
		 k->family == AF_UNIX && k->m->npeer_blocked ?
		 ", the queue is full and its senders are blocked" :
		 k->type == SOCK_STREAM ?
		 ", the queue is full and its peer has to wait" :
		 ", the queue is full and drops what arrives");
	findings_rule_sock_severity(x, k, q, r->growth_bps, f);
	ret = findings_rule_set_cause(x, k, 0, f);
	if (ret == 0)
		ret = findings_rule_unix_senders(x, k, snd, sizeof(snd));
	if (ret < 0)
		return ret;
	findings_rule_say(f->evidence, sizeof(f->evidence),
		 "Recv-Q %s, rcvbuf %s, growth %s/s over %u samples, never "
		 "decreased, drops %.1f/s%s",
		 units_size(q, b1, sizeof(b1)),
		 (k->have & LTSOCK_HAVE_SKMEM) ? units_size(k->m->rcvbuf, b2, sizeof(b2)) : "unknown",
		 units_size(r->growth_bps > 0 ? (uint64_t)r->growth_bps : 0, b3, sizeof(b3)),
		 (unsigned)r->points, r->drops_ps, snd);
	snprintf(f->explanation, sizeof(f->explanation),
		 "This socket receives data that its program never reads, so "
		 "every packet stays queued in kernel memory that no process's "
		 "RSS or PSS shows, up to the socket's receive buffer. %s%s",
		 findings_rule_dgram_like(k) ?
		 "If the program only sends on it, it should attach a drop-all "
		 "filter (SO_ATTACH_FILTER with a single 'ret #0') or set a "
		 "minimum SO_RCVBUF; otherwise it must read it." :
		 "A stream socket must be read by its program; dropping its "
		 "input would stall the connection.",
		 f->action ? " leaktop can attach the drop filter now "
			     "(action drop-filter), and undo it." : "");
	return 1;	/* the socket is this rule's: not also a full queue */
}

/*
 * A socket leaktop mitigated stays a finding while it still pins memory:
 * a drop filter or a smaller rcvbuf stops the growth, so the unread rule
 * (which needs the growth) goes quiet, and a fresh run would list nothing
 * while the queued bytes stay until a drain or a restart.  Same kind and
 * subject as the unread finding it was, so the id does not change;
 * mark_states marks it mitigated.
 */
static int unread_queue_sample(struct findings_ctx *x)
{
	const struct sample *s = x->s;
	struct finding_list *out = x->out;
	size_t i, j, k;

	if (!s->census)
		return 0;
	for (i = 0; i < s->nmitigations; i++) {
		const struct finding_mitigation *m = &s->mitigations[i];
		const struct ltsock *sk = NULL;
		char b1[32], b2[32], addr[64], a2[64];
		struct finding *f;
		uint64_t q;
		int covered = 0;

		if (m->in_place == 0 || !m->inode ||
		    (m->kind != ACTIONS_DROP_FILTER && m->kind != ACTIONS_SHRINK_RCVBUF &&
		     m->kind != ACTIONS_DRAIN))
			continue;
		for (j = 0; j < out->n && !covered; j++)
			covered = out->v[j].inode == m->inode &&
				  (out->v[j].kind == FINDING_UNREAD_QUEUE ||
				   out->v[j].kind == FINDING_QUEUE_FULL_DROPPING);
		for (k = 0; k < s->socks.n && !sk && !covered; k++)
			if (s->socks.v[k].inode == m->inode)
				sk = &s->socks.v[k];
		if (covered || !sk || !(q = ltsock_queued(sk)))
			continue;
		f = findings_rule_add(x, FINDING_UNREAD_QUEUE, FINDING_WARNING);
		if (!f)
			return -ENOMEM;
		f->inode = sk->inode;
		f->netns = sk->netns;
		findings_rule_owner(s, sk, &f->pid, &f->fd, f->comm);
		if (f->pid < 0 && !s->pid_filter) {	/* -p: only its owners */
			f->pid = m->pid;
			f->fd = m->fd;
		}
		f->score = (double)q;
		lt_sanitize(ltsock_format_addr(sk, 0, addr, sizeof(addr)), a2, sizeof(a2));
		snprintf(f->summary, sizeof(f->summary),
			 "never read its %s socket %s: %s still queued behind leaktop's %s",
			 ltsock_proto_name(sk), a2, units_size(q, b1, sizeof(b1)),
			 actions_kind_name((enum actions_kind)m->kind));
		findings_rule_sock_severity(x, sk, q, 0, f);
		snprintf(f->evidence, sizeof(f->evidence),
			 "Recv-Q %s, rcvbuf %s; the queue no longer grows, the bytes "
			 "stay pinned until the socket is drained or closed",
			 units_size(q, b1, sizeof(b1)),
			 (sk->have & LTSOCK_HAVE_SKMEM) ? units_size(sk->m->rcvbuf, b2, sizeof(b2)) :
							  "unknown");
		snprintf(f->explanation, sizeof(f->explanation),
			 "leaktop's action stopped this queue from growing, but what it "
			 "held before stays in kernel memory: nothing reads it. Drain it "
			 "(action drain) or restart the program to free it; the program "
			 "still needs the fix (read the socket, or attach its own drop "
			 "filter).");
	}
	return 0;
}

static void unread_queue_group(struct finding *g, const struct finding *worst, size_t n,
			       const char *total, const char *worst_size)
{
	findings_rule_say(g->summary, sizeof(g->summary),
			  "never reads %zu %s %s: %s queued, worst fd %d %s", n,
			  findings_rule_connections(n), g->cause_text, total, (int)worst->fd,
			  worst_size);
}

const struct findings_kind_entry findings_kind_unread_queue = {
	.kind = FINDING_UNREAD_QUEUE,
	.name = "unread_queue",
	.about = FINDINGS_ABOUT_PROCESS,
	.folds = 1,
	.origin = FINDINGS_ORIGIN_SOCKET,
	.socket = unread_queue_socket,
	.sample = unread_queue_sample,
	.mitigated_by = findings_rule_socket_action,
	.explains = {
		{ FINDING_SEND_STALL, FINDINGS_LINK_PID_FD },
		{ FINDING_QUEUE_FULL_DROPPING, FINDINGS_LINK_SOCKET },
		{ FINDING_SOCKET_MEMORY_PRESSURE, FINDINGS_LINK_ANY },
	},
	.group_words = unread_queue_group,
	.next_steps = findings_rule_queue_steps,
};
