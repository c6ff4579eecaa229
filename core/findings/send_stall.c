/*
 * send_stall: a sender's bytes wait in kernel memory because its peer
 * reads nothing (the socket flag SOCK_FLAG_SEND_STALLED).
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

/*
 * A sender whose bytes stay queued because its peer takes none (the flag
 * SOCK_FLAG_SEND_STALLED, at least unread_min_bytes waiting).  When the
 * peer is a socket of this machine, its owner is the culprit (the finding's
 * pid) and the stalled sender the victim; else the sender's owner is named
 * and the peer is remote.  Never a drop filter: the stream would stall.
 */
static int send_stall_socket(struct findings_ctx *x, size_t i)
{
	const struct findings_config *c = x->c;
	const struct sample *s = x->s;
	const struct ltsock *k = &s->socks.v[i];
	const struct sock_rate *r = &s->rates[i];
	uint64_t held;
	char b1[32], b2[32], b3[32], v[96], addr[64], a2[64], pa[64], pa2[64];
	struct finding *f;
	ssize_t pi;
	int full;

	held = ltsock_send_held(k);
	if (!(r->flags & SOCK_FLAG_SEND_STALLED) || (double)held < c->unread_min_bytes)
		return 0;
	if (findings_rule_peers(x) < 0)
		return -ENOMEM;
	full = ltsock_send_is_full(k);
	f = findings_rule_add(x, FINDING_SEND_STALL, FINDING_WARNING);
	if (!f)
		return -ENOMEM;
	f->inode = k->inode;
	f->netns = k->netns;
	f->suspected = r->points < c->confirm_samples;
	f->observed_s = s->interval * (r->points > 0 ? r->points - 1 : 0);
	/* below the culprit's own unread-queue finding of the same size */
	f->score = (double)held / 2;
	findings_rule_owner(s, k, &f->victim_pid, &f->victim_fd, f->victim_comm);
	pi = findings_rule_is_inet(k) ? findings_rule_peer_of(x, k) : -1;
	if (pi < 0 || findings_rule_owner(s, &s->socks.v[pi], &f->pid, &f->fd, f->comm) < 0) {
		/* a remote peer, or one no process holds: name the sender */
		f->pid = f->victim_pid;
		f->fd = f->victim_fd;
		memcpy(f->comm, f->victim_comm, sizeof(f->comm));
		f->victim_pid = -1;
		f->victim_fd = -1;
		f->victim_comm[0] = '\0';
	}
	lt_sanitize(ltsock_format_addr(k, 0, addr, sizeof(addr)), a2, sizeof(a2));
	lt_sanitize(ltsock_format_addr(k, 1, pa, sizeof(pa)), pa2, sizeof(pa2));
	if (f->victim_pid >= 0) {
		struct finding vf = *f;

		vf.pid = f->victim_pid;
		vf.fd = f->victim_fd;
		memcpy(vf.comm, f->victim_comm, sizeof(vf.comm));
		findings_subject(&vf, v, sizeof(v));
		findings_rule_say(f->summary, sizeof(f->summary),
			 "does not read its %s connection %s: %s of %s waits unsent",
			 ltsock_proto_name(k), pa2, units_size(held, b1, sizeof(b1)), v);
	} else {
		findings_rule_say(f->summary, sizeof(f->summary),
			 "cannot send on %s %s: %s waits, its peer %s takes nothing",
			 ltsock_proto_name(k), a2, units_size(held, b1, sizeof(b1)), pa2);
	}
	{
		struct findings_impact im = { .bytes = held, .fd_left_s = -1,
					      .ceiling_of = "its sndbuf" };
		char why[128];

		if ((k->have & LTSOCK_HAVE_SKMEM) && k->m->sndbuf)
			im.ceiling = k->m->sndbuf;
		im.at_ceiling = full;
		im.growth_bps = r->send_growth_bps > 0 ? r->send_growth_bps : 0;
		f->bytes = held;
		f->ceiling = im.ceiling;
		findings_impact_machine(s, k->protocol == IPPROTO_TCP, &im);
		if (!findings_rule_is_inet(k))
			im.pressure_room = -1;
		f->severity = (uint8_t)findings_severity(c, &im, why, sizeof(why));
		findings_rule_say_why(f, why);
	}
	findings_rule_say(f->evidence, sizeof(f->evidence),
		 "Send-Q %s (%s queued%s), sndbuf %s, %s over %u samples, never "
		 "decreased; the stalled sender is %s -> %s",
		 units_size(k->m->send_q, b1, sizeof(b1)), units_size(held, b2, sizeof(b2)),
		 full ? ", the send buffer is full" : "",
		 (k->have & LTSOCK_HAVE_SKMEM) ? units_size(k->m->sndbuf, b3, sizeof(b3)) : "unknown",
		 r->send_growth_bps > 0 ? "growing" : "standing still",
		 (unsigned)r->points, a2, pa2);
	findings_rule_say(f->explanation, sizeof(f->explanation),
		 "The bytes this socket sends wait in kernel memory because the other "
		 "end does not read them: its receive window is closed. %s The memory "
		 "is bounded by the sender's SO_SNDBUF, but the sender blocks or "
		 "buffers more in user space. The reader must read (or close) its "
		 "socket; a drop filter would not help a stream and is never offered.",
		 f->victim_pid >= 0 ? "The reader is a process of this machine, named "
				      "first: it is the cause; the sender is its victim." :
				      "The reader is not on this machine: check it, or the "
				      "path to it.");
	return findings_rule_set_cause(x, k, 1, f);
}

static void send_stall_steps(const struct finding *f, struct findings_steps *st)
{
	int pid = st->pid;
	unsigned long long ino = st->ino;

	(void)f;
	findings_rule_step(st, "Collect: ss -tnpie 'ino:%llu' or ss -xpe for unix "
			   "sockets (both ends, Send-Q and Recv-Q); cat /proc/%d/cmdline; the reader's "
			   "version", ino, pid);
	findings_rule_step(st, "Confirm: the reader (pid %d) holds a full Recv-Q on the "
			   "peer socket and never reads it: strace -f -e trace=read,recvmsg -p %d",
			   pid, pid);
	findings_rule_step(st, "Fix in the reader: read its socket, or close it; in the "
			   "sender: a send timeout and a bound on what it buffers");
	findings_rule_step(st, "Verify after a restart with the fix: the Send-Q of the "
			   "sender drains (ss -tn state established)");
}

static void send_stall_group(struct finding *g, const struct finding *worst, size_t n,
			     const char *total, const char *worst_size)
{
	const char *what = findings_rule_connections(n);

	if (worst->victim_pid >= 0)
		findings_rule_say(g->summary, sizeof(g->summary),
				  "does not read %zu %s %s: %s waits unsent in its senders, worst %s",
				  n, what, g->cause_text, total, worst_size);
	else
		findings_rule_say(g->summary, sizeof(g->summary),
				  "cannot send on %zu %s %s: %s waits unsent, worst fd %d %s", n, what,
				  g->cause_text, total, (int)worst->fd, worst_size);
}

const struct findings_kind_entry findings_kind_send_stall = {
	.kind = FINDING_SEND_STALL,
	.name = "send_stall",
	.about = FINDINGS_ABOUT_PROCESS,
	.folds = 1,
	.socket = send_stall_socket,
	.explains = { { FINDING_SOCKET_MEMORY_PRESSURE, FINDINGS_LINK_ANY } },
	.group_words = send_stall_group,
	.next_steps = send_stall_steps,
};
