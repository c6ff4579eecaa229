/*
 * The text sink: a readable block per sample (batch mode's default), a
 * replay's heading, and --act's outcome.  Text from the inspected machine
 * or a recording is sanitised before it reaches the terminal.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "leaktop/origin.h"
#include "leaktop/out.h"
#include "leaktop/procnet.h"
#include "leaktop/sockdiag.h"
#include "leaktop/units.h"
#include "out_common.h"

/*
 * Text from a sample at a terminal sink: as it is when it is already safe
 * (a live sample's sentences were built from sanitised parts), else
 * sanitised into buf (a recording from elsewhere is untrusted input).
 */
static const char *text_safe(const char *in, char *buf, size_t bufsz)
{
	return lt_terminal_safe(in) ? in : lt_sanitize(in, buf, bufsz);
}

static void text_line(FILE *f, const char *label, uint64_t v, uint64_t total)
{
	char b[32];

	fprintf(f, "  %-24s %12s %6.1f%%\n", label, units_size(v, b, sizeof(b)),
		total ? 100.0 * (double)v / (double)total : 0.0);
}

/* A socket's rate in core's words (units_rate, units_count), "-" when
 * unknown: the figure the Sockets pane shows. */
static void text_rate(char *out, size_t outsz, int known, double v, int is_bytes)
{
	if (!known)
		snprintf(out, outsz, "-");
	else if (is_bytes)
		units_rate(v, out, outsz);
	else
		units_count(v, out, outsz);
}

/*
 * A socket row is built by hand, without printf (issue 27: text was a third
 * of a sample's user time at 200k sockets, most of it vfprintf): s cut to
 * max bytes (-1: whole), padded with spaces to width on the right (left)
 * or the left (right-aligned).  The row's buffer is big enough for every
 * column at its maximum.
 */
static char *col(char *p, const char *s, int width, int right, int max)
{
	size_t n = strlen(s);
	int pad;

	if (max >= 0 && n > (size_t)max)
		n = (size_t)max;
	pad = width > (int)n ? width - (int)n : 0;
	if (right) {
		memset(p, ' ', (size_t)pad);
		p += pad;
	}
	memcpy(p, s, n);
	p += n;
	if (!right) {
		memset(p, ' ', (size_t)pad);
		p += pad;
	}
	return p;
}

/* "pid/fd " as "%d/%d " */
static int owner_ids(char *out, int32_t pid, int32_t fd)
{
	char b[32], *e = b + sizeof(b), *p = e;
	int32_t v[2] = { pid, fd };
	int k;

	*--p = ' ';
	for (k = 1; k >= 0; k--) {
		uint32_t m = v[k] < 0 ? (uint32_t)-(int64_t)v[k] : (uint32_t)v[k];

		do {
			*--p = (char)('0' + m % 10);
			m /= 10;
		} while (m);
		if (v[k] < 0)
			*--p = '-';
		if (k)
			*--p = '/';
	}
	memcpy(out, p, (size_t)(e - p));
	out[e - p] = '\0';
	return (int)(e - p);
}

static void text_sockets(FILE *f, const struct sample *s, int all)
{
	size_t k, shown = 0, i;
	int kind;

	for (k = 0; k < out_common_rows_n(s, all); k++)
		shown += out_common_rows_at(s, all, k, &i);
	fprintf(f, "SOCKETS  %zu of %zu in %zu netns (%s); sorted by growth\n", shown,
		s->socks.n, s->nnetns, all ? "every socket: --all" :
		s->pid_filter ? "owned by -p or flagged" : "with a queue or a flag");
	if (s->census_age > 0)
		fprintf(f, "  light sample: moving queues read now, the rest as the full "
			"census saw it %.1f s ago\n", s->census_age);
	for (i = 0; i < s->nnetns; i++)
		for (kind = 0; kind < SOCKDIAG_NKINDS; kind++)
			if (s->netns[i].rep.fallback[kind])
				fprintf(f, "  netns %" PRIu64 ": no %s sock_diag, read "
					"/proc/net/%s instead\n", s->netns[i].ino,
					sockdiag_kind_name(kind),
					procnet_table_name(kind));
	if (!shown)
		return;
	fprintf(f, "  %-22s %-7s %-22s %-22s %9s %9s %9s %9s %5s %7s %10s %s\n",
		"OWNER PID/FD COMM", "PROTO", "LOCAL", "PEER", "RECV-Q", "SEND-Q", "MEM",
		"RCVBUF", "FILL", "DROP/s", "GROWTH/s", "FLAGS");
	for (k = 0; k < out_common_rows_n(s, all); k++) {
		const struct ltsock *q;
		const struct sock_rate *r;
		const struct fd_owner *o;
		char owner[96], comm[64], loc[64], peer[64], b1[32], b2[32], fill[16];
		char drops[16], growth[32], flags[64] = "", b3[32], b4[32];
		char line[512], *e;
		size_t no = 0;
		unsigned bit;

		out_common_prefetch_row(s, all, k + 8);
		if (!out_common_rows_at(s, all, k, &i))
			continue;
		q = &s->socks.v[i];
		r = &s->rates[i];
		o = q->inode ? fdtable_census_owners(&s->owners, q->inode, &no) : NULL;
		if (o) {
			const struct fd_proc *p = fdtable_census_proc(&s->owners, o->pid);

			int n = owner_ids(owner, o->pid, o->fd);
			/* the name gets what is left of the column, cut between
			 * escapes, never inside one */
			int room = 22 - n - (no > 1 ? 2 : 0);

			lt_sanitize(p ? p->comm : "", comm, room > 1 ? (size_t)room + 1 : 2);
			snprintf(owner + n, sizeof(owner) - (size_t)n, "%s%s", comm,
				 no > 1 ? " +" : "");
		} else {
			snprintf(owner, sizeof(owner), "%s",
				 ltsock_is_orphan(q) ? "(orphan: no fd)" :
				 s->owners.hidden_procs ? "(hidden: not root)" : "(no fd)");
		}
		lt_sanitize(ltsock_format_addr(q, 0, b1, sizeof(b1)), loc, 23);
		lt_sanitize(ltsock_format_addr(q, 1, b2, sizeof(b2)), peer, 23);
		units_pct(ltsock_fill_pct(q), fill, sizeof(fill));
		text_rate(drops, sizeof(drops), r->known && (q->have & LTSOCK_HAVE_DROPS),
			  r->drops_ps, 0);
		text_rate(growth, sizeof(growth), r->known, r->growth_bps, 1);
		for (bit = 1; bit <= SOCK_FLAG_SEND_STALLED; bit <<= 1)
			if (r->flags & bit)
				snprintf(flags + strlen(flags), sizeof(flags) - strlen(flags),
					 "%s%s", flags[0] ? "," : "", history_flag_name(bit));
		/* "  %-22.22s %-7s %-22s %-22s %9s %9s %9s %9s %5s %7s %10s %s\n" */
		e = line;
		*e++ = ' ';
		*e++ = ' ';
		e = col(e, owner, 22, 0, 22);
		*e++ = ' ';
		e = col(e, ltsock_proto_name(q), 7, 0, -1);
		*e++ = ' ';
		e = col(e, loc, 22, 0, -1);
		*e++ = ' ';
		e = col(e, peer, 22, 0, -1);
		*e++ = ' ';
		e = col(e, units_size(ltsock_recv_q(q), b1, sizeof(b1)), 9, 1, -1);
		*e++ = ' ';
		e = col(e, units_size(ltsock_send_held(q), b3, sizeof(b3)), 9, 1, -1);
		*e++ = ' ';
		e = col(e, units_size(ltsock_mem(q), b4, sizeof(b4)), 9, 1, -1);
		*e++ = ' ';
		e = col(e, (q->have & LTSOCK_HAVE_SKMEM) ? units_size(q->m->rcvbuf, b2, sizeof(b2)) :
			"-", 9, 1, -1);
		*e++ = ' ';
		e = col(e, fill, 5, 1, -1);
		*e++ = ' ';
		e = col(e, drops, 7, 1, -1);
		*e++ = ' ';
		e = col(e, growth, 10, 1, -1);
		*e++ = ' ';
		e = col(e, flags, 0, 0, -1);
		*e++ = '\n';
		fwrite(line, 1, (size_t)(e - line), f);
	}
}

/* Worth a row: -p's processes, or notable by the triage thresholds;
 * leaktop leaves itself out. */
static int proc_shown(const struct sample *s, const struct findings_config *c,
		      const struct proc_info *p, int32_t self)
{
	if (s->pid_filter)
		return 1;
	return p->pid != self && findings_proc_notable(c, p);
}

static void text_fdtable(FILE *f, const struct sample *s, const struct fd_table *t)
{
	char tgt[96], b[32], proto[32];
	size_t i;

	if (t->hidden) {
		fprintf(f, "    fd table of %d hidden (run as root)\n", (int)t->pid);
		return;
	}
	fprintf(f, "    %5s %-9s %-7s %s\n", "FD", "KIND", "GHOST", "TARGET");
	for (i = 0; i < t->n; i++) {
		const struct fd_entry *e = &t->v[i];
		const char *g = "";

		if (e->ghost == FD_GHOST_YES)
			g = "GHOST";
		else if (e->ghost == FD_GHOST_UNKNOWN)
			g = "?";
		lt_sanitize(e->target, tgt, sizeof(tgt));
		fprintf(f, "    %5d %-9s %-7s %s", (int)e->fd, fdtable_kind_name(e->kind),
			g, tgt);
		if (e->kind == FD_SOCKET && e->sockproto[0])
			fprintf(f, " protocol: %s", lt_sanitize(e->sockproto, proto, sizeof(proto)));
		if (e->ghost == FD_GHOST_YES)
			fprintf(f, " (a ghost for %s)", units_duration_days(e->ghost_age, b, sizeof(b)));
		if (e->sock >= 0) {
			const struct ltsock *k = &s->socks.v[e->sock];

			fprintf(f, " %s %s %s", ltsock_proto_name(k), ltsock_state_name(k),
				lt_sanitize(ltsock_format_addr(k, 0, b, sizeof(b)), tgt, 48));
		}
		fputc('\n', f);
	}
}

static void text_processes(FILE *f, const struct sample *s, const struct findings_config *c)
{
	int32_t self = (int32_t)getpid();
	size_t i, shown = 0;

	for (i = 0; i < s->procs.n; i++)
		shown += proc_shown(s, c, &s->procs.v[i], self);
	fprintf(f, "PROCESSES  %zu of %zu (%s)\n", shown, s->procs.n,
		s->pid_filter ? "-p" : "with ghosts, queues, fd growth or near the limit");
	if (!shown)
		return;
	fprintf(f, "  %7s %-10s %-16s %11s %9s %7s %9s %10s\n", "PID", "USER", "COMMAND",
		"FDS/LIMIT", "FDS/h", "GHOSTS", "QUEUED", "LIMIT IN");
	for (i = 0; i < s->procs.n; i++) {
		const struct proc_info *p = &s->procs.v[i];
		char user[40], comm[64], fds[32], rate[24], gh[16], q[32], ex[32];
		size_t t;

		if (!proc_shown(s, c, p, self))
			continue;
		lt_sanitize(p->user, user, 11);
		lt_sanitize(p->comm, comm, 17);
		if (p->nfds < 0)
			snprintf(fds, sizeof(fds), "hidden");
		else if (p->fd_soft >= 0)
			snprintf(fds, sizeof(fds), "%d/%lld", (int)p->nfds, (long long)p->fd_soft);
		else
			snprintf(fds, sizeof(fds), "%d/-", (int)p->nfds);
		if (p->growth_known)
			snprintf(rate, sizeof(rate), "%+.0f", p->fd_growth_per_hour);
		else
			snprintf(rate, sizeof(rate), "-");
		if (p->ghosts_known)
			snprintf(gh, sizeof(gh), "%d", (int)p->ghosts);
		else
			snprintf(gh, sizeof(gh), "?");
		if (p->exhaustion_s >= 0) {
			char d[24];

			snprintf(ex, sizeof(ex), "in %s", units_duration_days(p->exhaustion_s, d, sizeof(d)));
		} else {
			snprintf(ex, sizeof(ex), "-");
		}
		fprintf(f, "  %7d %-10s %-16s %11s %9s %7s %9s %10s\n", (int)p->pid, user, comm,
			fds, rate, gh, units_size(p->queued, q, sizeof(q)), ex);
		for (t = 0; t < s->nfdtables; t++)
			if (s->fdtables[t].pid == p->pid)
				text_fdtable(f, s, &s->fdtables[t]);
	}
}

/* A group's members on one line: fd and bytes of the first few, worst
 * first (findings_group's order), and how many more. */
static void text_members(FILE *f, const struct sample *s, const struct finding *x)
{
	const struct finding *m;
	char b[32];
	size_t n, k;

	if (!x->nmembers)
		return;
	m = findings_members(&s->findings, x, &n);
	fprintf(f, "           members: %u", (unsigned)x->nmembers);
	for (k = 0; m && k < n && k < 6; k++) {
		fputs(k ? "," : ":", f);
		if (m[k].kind != x->kind)	/* a stopped process's members */
			fprintf(f, " %s", findings_kind_name(m[k].kind));
		if (m[k].fd >= 0)
			fprintf(f, " fd %d", (int)m[k].fd);
		fprintf(f, " %s%s", units_size(m[k].bytes, b, sizeof(b)),
			findings_is_suspected(&m[k]) ? " (suspected)" : "");
	}
	if (m && n > k)
		fprintf(f, ", and %zu more", n - k);
	fputc('\n', f);
}

/* Where the finding's sockets were created (leaktop/origin.h): one line
 * per path, the addr2line command for a frame without a symbol, the rest,
 * and the next step. */
static void text_origin(FILE *f, const struct sample *s, const struct finding *x)
{
	const struct origin_summary *sum = origin_summary_of(s->origin, x);
	const struct origin_path *p;
	char words[640];
	uint32_t g;

	if (!sum)
		return;
	for (g = 0; g < sum->ngroups; g++) {
		p = origin_path(s->origin, sum->groups[g].path);
		if (!p)
			continue;
		origin_group_words(s->origin, sum, &sum->groups[g], words, sizeof(words));
		fprintf(f, "           origin: %s\n", words);
		if (!p->frames[origin_path_first(p)].function[0]) {
			origin_addr2line(&p->frames[origin_path_first(p)], words, sizeof(words));
			fprintf(f, "             (no symbols: %s%s%s)\n", words,
				p->frames[origin_path_first(p)].build_id[0] ? ", build-id " : "",
				p->frames[origin_path_first(p)].build_id);
		}
	}
	origin_rest_words(sum, words, sizeof(words));
	if (words[0])
		fprintf(f, "           origin: %s\n", words);
	if (origin_next_step(sum))
		fprintf(f, "           next: %s\n", origin_next_step(sum));
}

/* "in: nginx.service": the unit, container or pod a finding is about */
static void text_finding_cgroup(FILE *f, const struct sample *s, const struct finding *x)
{
	const struct sample_cgroup *g = sample_cgroup_of_finding(s, x);
	char b1[256], b2[256];

	if (!g)
		return;
	if (strcmp(g->name.label, g->path))
		fprintf(f, "           in: %s (cgroup %s)\n", text_safe(g->name.label, b1, sizeof(b1)),
			text_safe(g->path, b2, sizeof(b2)));
	else
		fprintf(f, "           in: cgroup %s\n", text_safe(g->path, b1, sizeof(b1)));
}

/* The cgroups that hold socket memory or a finding, as the tree's
 * pre-order (each level most first), with the kernel's figure beside ours
 * (at most 8 lines). */
static void text_services(FILE *f, const struct sample *s)
{
	char b1[32], b2[32], b3[32], name[256];
	size_t i, n = 0;

	for (i = 0; i < s->cgroups.n; i++)
		n += s->cgroups.v[i].mem || s->cgroups.v[i].nfindings;
	fprintf(f, "SERVICES  %zu of %zu cgroups (%s paths) hold socket memory or a finding; "
		"KERNEL: what the kernel charges them\n", n, s->cgroups.n,
		s->cgroups.version == CGROUP_V1 ? "v1 memory" : "v2");
	if (!n)
		return;
	fprintf(f, "  %-40s %10s %10s %10s %6s %5s %5s\n", "SERVICE", "SOCK MEM", "KERNEL",
		"QUEUED", "SOCKS", "PROCS", "FINDS");
	for (i = 0, n = 0; i < s->cgroups.n && n < 8; i++) {
		const struct sample_cgroup *g = &s->cgroups.v[i];

		if (!g->mem && !g->nfindings)
			continue;
		n++;
		/* the tree: a child under its parent, two columns further in */
		fprintf(f, "  %*s%-*s %10s %10s %10s %6u %5u %5u\n", 2 * (g->depth < 8 ? g->depth : 8),
			"", 40 - 2 * (g->depth < 8 ? g->depth : 8),
			text_safe(sample_cgroup_tree_label(g), name, sizeof(name)),
			units_size(g->mem, b1, sizeof(b1)),
			cgroup_acct_counts(g->kernel.acct) ? units_size(g->kernel.bytes, b2, sizeof(b2)) :
			"n/c", units_size(g->queued, b3, sizeof(b3)), g->nsockets, g->nprocs,
			g->nfindings);
	}
	if (s->cgroups.n && !cgroup_acct_counts(s->cgroups.v[0].kernel.acct))
		fprintf(f, "  n/c: %s\n", cgroup_acct_words(s->cgroups.v[0].kernel.acct));
}

/* "(suspected) ", "(no effect) ", "(mitigated, suspected) ": the state in
 * core's word (findings_state_word) and the suspicion core's predicate
 * sees (findings_is_suspected); "" for a confirmed finding. */
static const char *text_state_label(const struct finding *x, char *out, size_t outsz)
{
	const char *word = x->state == FINDING_CONFIRMED ? NULL : findings_state_word(x);
	int susp = findings_is_suspected(x) && x->state != FINDING_SUSPECTED;

	if (!word && !susp)
		snprintf(out, outsz, "%s", "");
	else
		snprintf(out, outsz, "(%s%s%s) ", word ? word : "", word && susp ? ", " : "",
			 susp ? "suspected" : "");
	return out;
}

static void text_findings(FILE *f, const struct sample *s, const struct findings_config *c)
{
	struct findings_links_ix *lx;
	enum findings_verdict_kind v;
	char wait[64] = "";
	unsigned need;
	size_t i;

	/* no verdict before the samples it needs (findings_verdict) */
	v = findings_verdict(c, &s->findings, s->seq, &need);
	if (v == FINDINGS_WAITING)
		snprintf(wait, sizeof(wait), "waiting for %u more sample%s", need,
			 need == 1 ? "" : "s");
	if (!s->findings.n) {
		if (v == FINDINGS_WAITING)
			fprintf(f, "FINDINGS  none yet: %s before a verdict\n", wait);
		else
			fputs("FINDINGS  no leaks found: no socket queue grows unread, no "
			      "process leaks fds or sockets\n", f);
		return;
	}
	/* the links of every finding: indexed once, not a scan per finding */
	lx = findings_links_index(s->findings.v, s->findings.n);
	/* the header's verdict: info and resolved findings are no leak */
	fprintf(f, "FINDINGS  %zu, most severe first%s%s\n", s->findings.n,
		v == FINDINGS_LEAK ? "" : v == FINDINGS_NO_LEAK ? "; no leaks found" : "; ",
		v == FINDINGS_WAITING ? wait : "");
	for (i = 0; i < s->findings.n; i++) {
		const struct finding *x = &s->findings.v[i];
		char b1[4 * sizeof(x->evidence)];

		char id[16], sentence[400], label[48];
		size_t ix[4], nc, k;

		findings_summary(x, sentence, sizeof(sentence));
		fprintf(f, "  %-8s %s%s\n", findings_severity_name(x->severity),
			text_state_label(x, label, sizeof(label)),
			text_safe(sentence, b1, sizeof(b1)));
		fprintf(f, "           id %s, %s\n", findings_id(x, id, sizeof(id)),
			findings_state_name((enum finding_state)x->state));
		text_finding_cgroup(f, s, x);
		fprintf(f, "           evidence: %s\n", text_safe(x->evidence, b1, sizeof(b1)));
		text_members(f, s, x);
		text_origin(f, s, x);
		if (x->mitigation)
			fprintf(f, "           mitigation: %s: %s\n",
				actions_kind_name((enum actions_kind)x->mitigation),
				text_safe(x->mitigation_note, b1, sizeof(b1)));
		nc = findings_links_at(lx, s->findings.v, s->findings.n, i, 0, ix, 4);
		for (k = 0; k < nc && k < 4; k++)
			fprintf(f, "           caused by: %s (%s)\n",
				findings_id(&s->findings.v[ix[k]], id, sizeof(id)),
				findings_kind_name(s->findings.v[ix[k]].kind));
		nc = findings_links_at(lx, s->findings.v, s->findings.n, i, 1, ix, 4);
		for (k = 0; k < nc && k < 4; k++)
			fprintf(f, "           leads to: %s (%s)\n",
				findings_id(&s->findings.v[ix[k]], id, sizeof(id)),
				findings_kind_name(s->findings.v[ix[k]].kind));
		if (x->action)
			fprintf(f, "           safe action: %s\n",
				actions_kind_command((enum actions_kind)x->action, (int)x->pid,
						     (int)x->fd, x->inode, 0, b1, sizeof(b1)));
	}
	findings_links_index_free(lx);
}

/* "+4 %": the census against a kernel counter, or why they may differ. */
static const char *text_vs(uint64_t census, uint64_t kernel, uint64_t slack, char *out,
			   size_t outsz)
{
	uint64_t d = census > kernel ? census - kernel : kernel - census;

	if (!census && !kernel)
		snprintf(out, outsz, "both 0");
	else if (d <= slack && (!kernel || d * 10 > kernel))
		snprintf(out, outsz, "within the kernel's per-CPU reserve");
	else if (!kernel)
		snprintf(out, outsz, "the kernel counts none");
	else
		snprintf(out, outsz, "%+.0f %%", 100.0 * ((double)census - (double)kernel) /
						(double)kernel);
	return out;
}

/* Socket memory by group and against the kernel's counters. */
static void text_socket_memory(FILE *f, const struct sample *s)
{
	const struct meminfo_breakdown *m = &s->mem;
	uint64_t tcp = m->socket_group[LTSOCK_MEM_TCP] + m->socket_group[LTSOCK_MEM_ORPHANED];
	char b1[32], b2[32], b3[32], v1[48], v2[48];
	int g, n = 0;

	if (!m->socket_queues_from_census) {
		fprintf(f, "  socket memory: %s (sockstat TCP + UDP; no census)\n",
			units_size(m->socket_queues, b1, sizeof(b1)));
		return;
	}
	fprintf(f, "  SOCKET MEMORY %s pinned (%s waiting for readers):",
		units_size(m->socket_queues, b1, sizeof(b1)),
		units_size(m->socket_recv, b2, sizeof(b2)));
	for (g = 0; g < LTSOCK_MEM_NGROUPS; g++) {
		if (!m->socket_group[g] && g != LTSOCK_MEM_TCP && g != LTSOCK_MEM_UDP)
			continue;
		fprintf(f, "%s %s %s", n++ ? "," : "", ltsock_mem_group_name(g),
			units_size(m->socket_group[g], b1, sizeof(b1)));
		if (g == LTSOCK_MEM_ORPHANED)
			fprintf(f, " (%" PRIu64 " connections)", m->orphans);
	}
	fputc('\n', f);
	fprintf(f, "    kernel: TCP mem %s (tcp + orphaned here %s), UDP mem %s (udp here %s), "
		"FRAG %s, %" PRIu64 " orphans",
		units_size(m->sockstat_tcp, b1, sizeof(b1)), text_vs(tcp, m->sockstat_tcp, m->sockstat_slack, v1, sizeof(v1)),
		units_size(m->sockstat_udp, b2, sizeof(b2)),
		text_vs(m->socket_group[LTSOCK_MEM_UDP], m->sockstat_udp, m->sockstat_slack, v2,
			sizeof(v2)),
		units_size(m->sockstat_frag, b3, sizeof(b3)), m->sockstat_orphans);
	if (s->have_mem_limits)
		fprintf(f, "; tcp_mem pressure %s, max %s",
			units_size(s->tcp_mem_limits[1], b1, sizeof(b1)),
			units_size(s->tcp_mem_limits[2], b2, sizeof(b2)));
	fputc('\n', f);
	fprintf(f, "    %s of it lies outside slab (skb page fragments): the \"socket buffers\" "
		"part; the rest is in the slab lines\n",
		units_size(m->socket_buffers, b1, sizeof(b1)));
}

static int text_write(FILE *f, const struct sample *s, const struct findings_config *c,
		      int all)
{
	const struct meminfo_breakdown *m = &s->mem;
	char b1[32], b2[32], b3[32], b4[32], when[64], sbuf[512];
	time_t t = (time_t)s->time;
	struct tm tm;
	int i;

	localtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(f, "sample %u at %s", s->seq, when);
	if (s->interval > 0)
		fprintf(f, " (%.2f s after the previous one)", s->interval);
	fputc('\n', f);
	text_findings(f, s, c);
	fprintf(f, "MEMORY                     %12s  of MemTotal\n",
		units_size(m->total, b1, sizeof(b1)));
	text_line(f, "free", m->free, m->total);
	text_line(f, "page cache", m->page_cache, m->total);
	text_line(f, "buffers", m->buffers, m->total);
	text_line(f, "shmem", m->shmem, m->total);
	text_line(f, "user (anon pages)", m->user_anon, m->total);
	text_line(f, "kernel known", m->kernel_known, m->total);
	fprintf(f, "    slab %s reclaimable + %s unreclaimable, stacks %s%s,\n"
		"    page tables %s, ",
		units_size(m->slab_reclaimable, b1, sizeof(b1)),
		units_size(m->slab_unreclaimable, b2, sizeof(b2)),
		units_size(m->kernel_stack, b3, sizeof(b3)),
		m->stacks_in_vmalloc ? " (inside vmalloc)" : "",
		units_size(m->page_tables, b4, sizeof(b4)));
	fprintf(f, "vmalloc %s, percpu %s, hugetlb %s\n",
		units_size(m->vmalloc, b1, sizeof(b1)),
		units_size(m->percpu, b2, sizeof(b2)),
		units_size(m->hugetlb, b3, sizeof(b3)));
	text_line(f, "socket buffers", m->socket_buffers, m->total);
	if (m->unaccounted >= 0)
		text_line(f, "UNACCOUNTED", (uint64_t)m->unaccounted, m->total);
	else
		fprintf(f, "  %-24s -%11s (the kernel's lines overlap)\n", "UNACCOUNTED",
			units_size((uint64_t)-m->unaccounted, b1, sizeof(b1)));
	text_socket_memory(f, s);
	fprintf(f, "  user PSS: %s (anon %s, file %s, shmem %s) over %d processes, "
		"read %.0f s ago\n",
		units_size(m->pss.pss, b1, sizeof(b1)),
		units_size(m->pss.anon, b2, sizeof(b2)),
		units_size(m->pss.file, b3, sizeof(b3)),
		units_size(m->pss.shmem, b4, sizeof(b4)), m->pss.procs, s->pss_age);
	if (s->slab.readable && s->slab.n > 0) {
		fputs("  top slab caches:", f);
		for (i = 0; i < s->slab.n && i < 5; i++)
			fprintf(f, "%s %s %s", i ? "," : "",
				lt_sanitize(s->slab.top[i].name, sbuf, sizeof(sbuf)),
				units_size(s->slab.top[i].bytes, b1, sizeof(b1)));
		fputc('\n', f);
	}
	if (s->hidden & SAMPLE_HIDDEN_SLAB)
		fputs("  hidden: slab caches (/proc/slabinfo needs root)\n", f);
	if (s->hidden & SAMPLE_HIDDEN_NOMEM)
		fputs("  partial: memory ran out, some rates start over\n", f);
	if (s->hidden & SAMPLE_HIDDEN_FDS)
		fprintf(f, "  hidden: fd tables of %d processes, their sockets show no "
			"owner (run as root)\n", s->owners.hidden_procs);
	if (s->hidden & SAMPLE_HIDDEN_NETNS)
		for (i = 0; i < (int)s->nnetns; i++)
			if (!s->netns[i].rep.entered)
				fprintf(f, "  hidden: sockets of netns %" PRIu64 " (%s)\n",
					s->netns[i].ino,
					text_safe(s->netns[i].rep.why, sbuf, sizeof(sbuf)));
	if (s->hidden & SAMPLE_HIDDEN_PSS)
		fprintf(f, "  hidden: PSS of %d processes (%s)\n", m->pss.hidden,
			s->as_root ? "smaps_rollup refused even to root: ptrace policy"
				   : "other users' processes: run as root");
	if (s->census)
		text_sockets(f, s, all);
	if (s->have_procs)
		text_processes(f, s, c);
	if (s->have_procs)
		text_services(f, s);
	fputc('\n', f);
	return ferror(f) ? -1 : 0;
}

int out_text_write(FILE *f, const struct sample *s)
{
	return text_write(f, s, NULL, 0);
}

/* ---- a replay's heading ------------------------------------------------- */

static int text_begin(FILE *f, const struct out_source *src, const struct out_args *a)
{
	const struct record_header *h = src->hdr;
	char host[300], kernel[300], version[100], when[64];
	time_t t;
	struct tm tm;

	(void)a;
	if (!src->replay_path)
		return 0;
	t = (time_t)h->start_time;
	localtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	/* the header is text from the recorded machine: untrusted */
	fprintf(f, "replay of %s: %zu samples recorded on %s (kernel %s) from %s by "
		"leaktop %s\n\n", src->replay_path, src->nsamples,
		lt_sanitize(h->host, host, sizeof(host)),
		lt_sanitize(h->kernel, kernel, sizeof(kernel)), when,
		lt_sanitize(h->version, version, sizeof(version)));
	return ferror(f) ? -1 : 0;
}

/* ---- --act ------------------------------------------------------------- */

/* "before:  rmem 1.5 KiB, ..." on a line of its own; nothing without figures */
static void text_figures(FILE *f, const char *label, const struct actions_figures *g)
{
	char b[512];

	if (!g->have)
		return;
	fprintf(f, "%-8s%s\n", label, units_figures(g, UNITS_FIGURES_LINE, b, sizeof(b)));
}

static int text_action(FILE *f, const struct actions_result *r, int preview)
{
	const struct actions_target *t = &r->target;
	char comm[96], local[160];

	lt_sanitize(t->comm, comm, sizeof(comm));
	lt_sanitize(t->local, local, sizeof(local));
	fprintf(f, "%s on pid %d", actions_kind_name(r->kind), t->pid);
	if (comm[0])
		fprintf(f, " (%s)", comm);
	if (t->fd >= 0)
		fprintf(f, " fd %d", t->fd);
	if (t->inode)
		fprintf(f, ", socket %" PRIu64, t->inode);
	if (t->proto[0])
		fprintf(f, " %s %s", t->proto, local);
	fputc('\n', f);
	/* core sanitised the untrusted parts (comm, address) of the preview */
	if (preview && r->preview[0])
		fputs(r->preview, f);
	fprintf(f, "%s\n", r->message);
	text_figures(f, "before:", &r->before);
	text_figures(f, "after:", &r->after);
	if (r->warning[0])
		fprintf(f, "warning: %s\n", r->warning);
	if (preview && r->outcome == ACTIONS_PREVIEW)
		fprintf(f, "Nothing was changed: add --yes%s to carry it out.\n",
			r->kind == ACTIONS_DRAIN ? " --confirm-drain" : "");
	if (r->can_undo) {
		char cmd[256];

		fprintf(f, "undo:    %s\n",
			actions_kind_command(r->undo.kind, r->undo.pid, r->undo.fd,
					     r->undo.inode, 0, cmd, sizeof(cmd)));
	}
	return ferror(f) ? -1 : 0;
}

static int text_sample(FILE *f, const struct sample *s, const struct out_args *a)
{
	return text_write(f, s, a ? a->thresholds : NULL, a && a->all);
}

const struct out_sink out_text_sink = {
	.name = "text",
	.keep = OUT_KEEP_NONE,
	.begin = text_begin,
	.sample = text_sample,
	.action = text_action,
};
