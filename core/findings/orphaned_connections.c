/*
 * orphaned_connections: TCP connections no fd holds any more (closed with
 * data still to send, or never accepted), kept alive by a local process
 * that stopped reading or accepting.
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

/* One culprit's orphans: the pid (or -1: remote or unknown) and the sums. */
struct orphan_group {
	int32_t pid, fd;
	char comm[64];
	int unaccepted;		/* waiting in a listener, not closed by a process */
	uint64_t bytes;
	unsigned n;
	unsigned peer_stuck;	/* the peer end's queue is flagged never_read */
};

/*
 * TCP connections that no fd holds, grouped by the local process that
 * keeps them alive: the reader of an orphan's peer end (it stopped
 * reading, so the orphan cannot finish sending), or the owner of the
 * listener an unaccepted connection waits in.  A group that pins at least
 * unread_min_bytes is a finding.
 */
static int orphaned_connections_sample(struct findings_ctx *x)
{
	const struct findings_config *c = x->c;
	const struct sample *s = x->s;
	struct orphan_group g[16];
	/* an orphan that pins bytes has a queue, so it is among the shown
	 * rows, except under -p (only those processes' sockets are shown) */
	const uint32_t *rows = s->pid_filter ? NULL : s->shown;
	size_t i, ng = 0, j, n = rows ? s->nshown : s->socks.n;
	unsigned other = 0;
	const struct meminfo_breakdown *m = &s->mem;

	if (!s->census || !m->orphans)
		return 0;
	if (findings_rule_peers(x) < 0)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		const struct ltsock *k = &s->socks.v[rows ? rows[i] : i];
		struct orphan_group key;
		ssize_t pi;

		if (!ltsock_is_orphan(k) || !ltsock_mem(k))
			continue;
		memset(&key, 0, sizeof(key));
		key.pid = -1;
		key.fd = -1;
		/* ESTAB or CLOSE_WAIT without an fd: never accepted */
		key.unaccepted = k->state == 1 || k->state == 8;
		pi = key.unaccepted ? findings_rule_listener_of(x, k) :
				     findings_rule_peer_of(x, k);
		if (pi >= 0) {
			findings_rule_owner(s, &s->socks.v[pi], &key.pid, &key.fd, key.comm);
			key.peer_stuck = !!(s->rates[pi].flags & SOCK_FLAG_NEVER_READ);
		}
		for (j = 0; j < ng; j++)
			if (g[j].pid == key.pid && g[j].unaccepted == key.unaccepted)
				break;
		if (j == ng) {
			if (ng == sizeof(g) / sizeof(g[0])) {
				other++;
				continue;
			}
			g[ng++] = key;
			g[j].peer_stuck = 0;
		}
		g[j].n++;
		g[j].bytes += ltsock_mem(k);
		g[j].peer_stuck += key.peer_stuck;
	}
	for (j = 0; j < ng; j++) {
		char b1[32], b2[32], b3[32];
		struct finding *f;

		if ((double)g[j].bytes < c->unread_min_bytes)
			continue;
		f = findings_rule_add(x, FINDING_ORPHANED_CONNECTIONS, FINDING_WARNING);
		if (!f)
			return -ENOMEM;
		f->pid = g[j].pid;
		f->fd = g[j].fd;
		memcpy(f->comm, g[j].comm, sizeof(f->comm));
		/* sure when the culprit's end is seen not reading */
		f->suspected = g[j].pid < 0 || !g[j].peer_stuck;
		f->score = (double)g[j].bytes / 2;
		f->bytes = g[j].bytes;
		/* the reader is the subject: the sentence starts with it */
		if (g[j].pid >= 0)
			findings_rule_say(f->summary, sizeof(f->summary),
				 "%s %u %s connection%s, which hold%s %s",
				 g[j].unaccepted ? "does not accept" : "stopped reading",
				 g[j].n, g[j].unaccepted ? "unaccepted" : "orphaned",
				 g[j].n == 1 ? "" : "s", g[j].n == 1 ? "s" : "",
				 units_size(g[j].bytes, b1, sizeof(b1)));
		else
			findings_rule_say(f->summary, sizeof(f->summary),
				 "%u %s connection%s hold %s, toward peers not on this machine",
				 g[j].n, g[j].unaccepted ? "unaccepted" : "orphaned",
				 g[j].n == 1 ? "" : "s", units_size(g[j].bytes, b1, sizeof(b1)));
		{
			/* no ceiling: each new orphan adds to them */
			struct findings_impact im = { .bytes = g[j].bytes, .fd_left_s = -1 };
			char why[128];

			findings_impact_machine(s, 1, &im);
			f->severity = (uint8_t)findings_severity(c, &im, why, sizeof(why));
			findings_rule_say_why(f, why);
		}
		findings_rule_say(f->evidence, sizeof(f->evidence),
			 "%u connection%s without an fd, %s pinned; the kernel counts %llu "
			 "orphans, TCP memory %s of pressure %s (net.ipv4.tcp_mem)%s",
			 g[j].n, g[j].n == 1 ? "" : "s", units_size(g[j].bytes, b1, sizeof(b1)),
			 (unsigned long long)m->sockstat_orphans,
			 units_size(m->sockstat_tcp, b2, sizeof(b2)),
			 s->have_mem_limits ? units_size(s->tcp_mem_limits[1], b3, sizeof(b3)) : "unknown",
			 other ? "; more groups not listed" : "");
		findings_rule_say(f->explanation, sizeof(f->explanation), "%s",
			 g[j].unaccepted ?
			 "These connections completed the handshake but the listening "
			 "program never accepted them; the kernel holds them and what their "
			 "clients sent. The program must accept (or close its listener); "
			 "a smaller listen backlog bounds it." :
			 "A program closed these connections with data still to send; the "
			 "kernel keeps each one (an orphan, no process's memory) until the "
			 "other end takes the data, retrying per net.ipv4.tcp_orphan_retries. "
			 "The other end is a local process that stopped reading: it is the "
			 "cause, and reading or closing its sockets frees this memory.");
	}
	return 0;
}

static void orphaned_connections_steps(const struct finding *f, struct findings_steps *st)
{
	(void)f;
	findings_rule_step(st, "Collect: ss -tnoe state fin-wait-1 state last-ack "
			   "(orphans and their timers); cat /proc/net/sockstat; "
			   "sysctl net.ipv4.tcp_max_orphans net.ipv4.tcp_orphan_retries");
	findings_rule_step(st, "Confirm: the peers named in the evidence stopped reading; "
			   "their Recv-Q is full (ss -tn on the peer host)");
	findings_rule_step(st, "Fix: the peers must read or close; on this side, "
			   "net.ipv4.tcp_orphan_retries bounds how long orphans are kept");
	findings_rule_step(st, "Verify: orphans in /proc/net/sockstat fall back after the "
			   "peers are fixed");
}

const struct findings_kind_entry findings_kind_orphaned_connections = {
	.kind = FINDING_ORPHANED_CONNECTIONS,
	.name = "orphaned_connections",
	.about = FINDINGS_ABOUT_PROCESS_SEEN,
	.folds = 1,
	.sample = orphaned_connections_sample,
	.explains = { { FINDING_SOCKET_MEMORY_PRESSURE, FINDINGS_LINK_ANY } },
	.next_steps = orphaned_connections_steps,
};
