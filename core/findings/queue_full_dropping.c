/*
 * queue_full_dropping: a socket read, but too slowly: its queue stays full
 * and the kernel drops what arrives.
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

static int queue_full_dropping_socket(struct findings_ctx *x, size_t i)
{
	const struct findings_config *c = x->c;
	const struct sample *s = x->s;
	const struct ltsock *k = &s->socks.v[i];
	const struct sock_rate *r = &s->rates[i];
	uint64_t q = ltsock_queued(k);
	char b1[32], b2[32], addr[64], a2[64];
	struct finding *f;
	int full = !!(r->flags & SOCK_FLAG_FULL);
	int ret;

	/* before never_read can be told (three points), a full,
	 * dropping queue is not yet "read too slowly" either: the
	 * kind must not flip on the same evidence */
	if (!(full && (r->flags & SOCK_FLAG_DROPPING) && r->points >= 3))
		return 0;
	f = findings_rule_add(x, FINDING_QUEUE_FULL_DROPPING, FINDING_WARNING);
	if (!f)
		return -ENOMEM;
	f->inode = k->inode;
	f->netns = k->netns;
	findings_rule_owner(s, k, &f->pid, &f->fd, f->comm);
	f->suspected = r->points < c->confirm_samples;
	f->score = r->drops_ps;
	lt_sanitize(ltsock_format_addr(k, 0, addr, sizeof(addr)), a2, sizeof(a2));
	snprintf(f->summary, sizeof(f->summary),
		 "reads its %s socket %s too slowly: the queue is full and "
		 "drops %.1f packets/s", ltsock_proto_name(k), a2,
		 r->drops_ps);
	findings_rule_sock_severity(x, k, q, 0, f);
	ret = findings_rule_set_cause(x, k, 0, f);
	if (ret < 0)
		return ret;
	snprintf(f->evidence, sizeof(f->evidence),
		 "Recv-Q %s of rcvbuf %s, drops %.1f/s, the queue went down "
		 "at least once in the window", units_size(q, b1, sizeof(b1)),
		 units_size(k->m->rcvbuf, b2, sizeof(b2)), r->drops_ps);
	snprintf(f->explanation, sizeof(f->explanation),
		 "The program reads this socket, but not as fast as data "
		 "arrives: its receive buffer stays full and the kernel drops "
		 "the rest. Memory is bounded by rcvbuf; the loss is data. The "
		 "program needs to read faster, or a bigger SO_RCVBUF.");
	return 0;
}

static void queue_full_dropping_group(struct finding *g, const struct finding *worst, size_t n,
				      const char *total, const char *worst_size)
{
	findings_rule_say(g->summary, sizeof(g->summary),
			  "reads %zu %s %s too slowly: %s queued, worst fd %d %s", n,
			  findings_rule_connections(n), g->cause_text, total, (int)worst->fd,
			  worst_size);
}

const struct findings_kind_entry findings_kind_queue_full_dropping = {
	.kind = FINDING_QUEUE_FULL_DROPPING,
	.name = "queue_full_dropping",
	.about = FINDINGS_ABOUT_PROCESS,
	.folds = 1,
	.origin = FINDINGS_ORIGIN_SOCKET,
	.socket = queue_full_dropping_socket,
	.mitigated_by = findings_rule_socket_action,
	.explains = {
		{ FINDING_SEND_STALL, FINDINGS_LINK_PID_FD },
		{ FINDING_SOCKET_MEMORY_PRESSURE, FINDINGS_LINK_ANY },
	},
	.group_words = queue_full_dropping_group,
	.next_steps = findings_rule_queue_steps,
};
