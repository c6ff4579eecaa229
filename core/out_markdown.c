/*
 * The Markdown sink: the postmortem report of a session (doc/exports.md),
 * written once at the end from its first and last samples and the
 * session's findings and actions.  Everything printed that came from the
 * inspected machine is sanitised, then escaped for Markdown.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "leaktop/out.h"
#include "leaktop/units.h"
#include "out_common.h"

char *out_markdown_text(const char *raw, char *out, size_t outsz)
{
	char clean[1024];
	size_t o = 0;
	const char *p;

	if (!outsz)
		return out;
	lt_sanitize(raw ? raw : "", clean, sizeof(clean));
	for (p = clean; *p; p++) {
		const char *rep = NULL;
		char two[3] = { '\\', *p, '\0' };
		size_t n;

		switch (*p) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '\\': case '`': case '*': case '_': case '[': case ']': case '|':
		case '~': case '!': case '#': case '{': case '}': case '(': case ')':
		case '$':
			rep = two;
			break;
		}
		n = rep ? strlen(rep) : 1;
		if (o + n >= outsz)
			break;
		memcpy(out + o, rep ? rep : p, n);
		o += n;
	}
	out[o] = '\0';
	return out;
}

/* ---- Markdown ---------------------------------------------------------------- */

static char *when(double t, char *out, size_t outsz)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0 || !localtime_r(&tt, &tm) ||
	    !strftime(out, outsz, "%Y-%m-%d %H:%M:%S %z", &tm))
		snprintf(out, outsz, "-");
	return out;
}

/* b - a, saturated (figures from a damaged recording can be anything). */
static int64_t diff64(int64_t b, int64_t a)
{
	int64_t d;

	if (__builtin_sub_overflow(b, a, &d))
		return b > a ? INT64_MAX : INT64_MIN;
	return d;
}

/* A byte count as a signed figure, saturated. */
static int64_t s64(uint64_t v)
{
	return v > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)v;
}

static void md_mem_row(FILE *f, const char *label, int64_t a, int64_t b)
{
	char s1[32], s2[32], s3[32];

	fprintf(f, "| %s | %s | %s | %s |\n", label, units_size_signed(a, s1, sizeof(s1)),
		units_size_signed(b, s2, sizeof(s2)), units_change(diff64(b, a), s3, sizeof(s3)));
}

static void md_memory(FILE *f, const struct sample *a, const struct sample *b)
{
	const struct meminfo_breakdown *m = &a->mem, *n = &b->mem;

	fputs("## Memory\n\n", f);
	fputs("The parts add up to MemTotal; what sockets pin and user PSS are views that "
	      "overlap them.\n\n", f);
	fputs("| Part | Start | End | Change |\n|---|---:|---:|---:|\n", f);
	md_mem_row(f, "MemTotal", s64(m->total), s64(n->total));
	md_mem_row(f, "free", s64(m->free), s64(n->free));
	md_mem_row(f, "page cache", s64(m->page_cache), s64(n->page_cache));
	md_mem_row(f, "buffers", s64(m->buffers), s64(n->buffers));
	md_mem_row(f, "shmem", s64(m->shmem), s64(n->shmem));
	md_mem_row(f, "user (anon pages)", s64(m->user_anon), s64(n->user_anon));
	md_mem_row(f, "kernel known", s64(m->kernel_known), s64(n->kernel_known));
	md_mem_row(f, "socket buffers (outside slab)", s64(m->socket_buffers),
		   s64(n->socket_buffers));
	md_mem_row(f, "**unaccounted**", m->unaccounted, n->unaccounted);
	md_mem_row(f, "pinned by sockets", s64(m->socket_queues),
		   s64(n->socket_queues));
	md_mem_row(f, "of which orphaned TCP", s64(m->socket_group[LTSOCK_MEM_ORPHANED]),
		   s64(n->socket_group[LTSOCK_MEM_ORPHANED]));
	md_mem_row(f, "user PSS", s64(m->pss.pss), s64(n->pss.pss));
	md_mem_row(f, "slab (reclaimable + unreclaimable)",
		   s64(m->slab_reclaimable + m->slab_unreclaimable),
		   s64(n->slab_reclaimable + n->slab_unreclaimable));
	fputc('\n', f);
}

/* The socket of s whose (netns, inode) is k's, or NULL: a scan, which
 * md_sockets does for its ten rows at most. */
static const struct ltsock *find_sock(const struct sample *s, const struct ltsock *k)
{
	size_t i;

	if (!k->inode)
		return NULL;
	for (i = 0; i < s->socks.n; i++)
		if (s->socks.v[i].inode == k->inode && s->socks.v[i].netns == k->netns)
			return &s->socks.v[i];
	return NULL;
}

static void md_owner(FILE *f, const struct sample *s, const struct ltsock *k)
{
	const struct fd_owner *o;
	size_t n = 0, i;
	char comm[320];

	o = k->inode ? fdtable_census_owners(&s->owners, k->inode, &n) : NULL;
	if (!o) {
		fputs(s->owners.hidden_procs ? "(hidden: not root)" : "(no fd)", f);
		return;
	}
	for (i = 0; i < n && i < 3; i++) {
		const struct fd_proc *p = fdtable_census_proc(&s->owners, o[i].pid);

		fprintf(f, "%spid %d fd %d %s", i ? ", " : "", (int)o[i].pid, (int)o[i].fd,
			p ? out_markdown_text(p->comm, comm, sizeof(comm)) : "?");
	}
	if (n > 3)
		fprintf(f, " and %zu more", n - 3);
}

static void md_flags(FILE *f, unsigned flags)
{
	const char *sep = "";
	unsigned bit;

	for (bit = 1; bit <= SOCK_FLAG_SEND_STALLED; bit <<= 1)
		if (flags & bit) {
			fprintf(f, "%s%s", sep, history_flag_name(bit));
			sep = ", ";
		}
	if (!*sep)
		fputs("-", f);
}

static int md_sockets(FILE *f, const struct sample *a, const struct sample *b)
{
	size_t k, shown = 0;

	fputs("## Sockets growing the most\n\n", f);
	if (!b->census) {
		fputs("No socket census in this session.\n\n", f);
		return 0;
	}
	for (k = 0; k < b->socks.n && shown < 10; k++) {
		size_t i = b->order[k];
		const struct ltsock *q = &b->socks.v[i], *old;
		const struct sock_rate *r = &b->rates[i];
		char loc[160], peer[160], e1[480], e2[480], s1[32], s2[32], g[40];

		if (out_common_halted(f))
			return -1;
		if (!r->flags && !(r->known && r->growth_bps > 0))
			continue;
		if (!shown++)
			fputs("| Owner | Socket | Local | Peer | Recv-Q start | Recv-Q end | "
			      "Growth/s | Flags |\n|---|---|---|---|---:|---:|---:|---|\n", f);
		old = find_sock(a, q);
		fputs("| ", f);
		md_owner(f, b, q);
		ltsock_format_addr(q, 0, loc, sizeof(loc));
		ltsock_format_addr(q, 1, peer, sizeof(peer));
		if (r->known)
			snprintf(g, sizeof(g), "%s%s", r->growth_bps < 0 ? "-" : "",
				 units_size((uint64_t)(fabs(r->growth_bps) + 0.5), s2, sizeof(s2)));
		else
			snprintf(g, sizeof(g), "-");
		fprintf(f, " | %s inode %" PRIu64 " (netns %" PRIu64 ") | %s | %s | %s | ",
			ltsock_proto_name(q), q->inode, q->netns,
			out_markdown_text(loc, e1, sizeof(e1)), out_markdown_text(peer, e2, sizeof(e2)),
			old ? units_size(old->recv_q, s1, sizeof(s1)) : "(new)");
		fprintf(f, "%s | %s | ", units_size(q->recv_q, s1, sizeof(s1)), g);
		md_flags(f, r->flags);
		fputs(" |\n", f);
	}
	if (!shown)
		fputs("No socket queue grew or was flagged at the end of the session.\n", f);
	fputc('\n', f);
	return 0;
}

/* The processes worth a row (findings_proc_notable by c's thresholds) or
 * that a finding is about. */
static int md_processes(FILE *f, const struct sample *a, const struct sample *b,
			const struct findings_config *c)
{
	struct out_common_pidset subj;
	size_t i, shown = 0;
	int r = -1;

	fputs("## Processes that leak\n\n", f);
	if (!b->have_procs) {
		fputs("No process table in this session.\n\n", f);
		return 0;
	}
	if (out_common_pidset_build(&subj, &b->findings) < 0)
		goto out;
	for (i = 0; i < b->procs.n; i++) {
		const struct proc_info *p = &b->procs.v[i], *old = procs_find(&a->procs, p->pid);
		char comm[320], cmd[1100], q[32], qb[32], fds[64], rate[32], ex[32];

		if (out_common_halted(f))
			goto out;
		if (!findings_proc_notable(c, p) && !out_common_pidset_has(&subj, p->pid))
			continue;
		if (old && old->start_ticks != p->start_ticks)
			old = NULL;	/* the pid was reused */
		if (!shown++)
			fputs("| PID | Command | Command line | FDs start | FDs end / limit | "
			      "FDs/h | Ghost sockets | Queued | Limit in |\n"
			      "|---:|---|---|---:|---:|---:|---:|---:|---:|\n", f);
		if (p->nfds >= 0 && p->fd_soft >= 0)
			snprintf(fds, sizeof(fds), "%d / %lld", (int)p->nfds, (long long)p->fd_soft);
		else if (p->nfds >= 0)
			snprintf(fds, sizeof(fds), "%d", (int)p->nfds);
		else
			snprintf(fds, sizeof(fds), "hidden");
		if (p->growth_known)
			snprintf(rate, sizeof(rate), "%+.0f", p->fd_growth_per_hour);
		else
			snprintf(rate, sizeof(rate), "-");
		if (p->exhaustion_s >= 0)
			units_duration(p->exhaustion_s, ex, sizeof(ex));
		else
			snprintf(ex, sizeof(ex), "-");
		fprintf(f, "| %d | %s | %s | ", (int)p->pid,
			out_markdown_text(p->comm, comm, sizeof(comm)),
			p->cmdline ? out_markdown_text(p->cmdline, cmd, sizeof(cmd)) : "-");
		if (old && old->nfds >= 0)
			fprintf(f, "%d", (int)old->nfds);
		else
			fputs(old ? "hidden" : "(started later)", f);
		fprintf(f, " | %s | %s | %s | %s | %s |\n", fds, rate,
			p->ghosts_known ? (snprintf(q, sizeof(q), "%d", (int)p->ghosts), q) : "?",
			units_size(p->queued, qb, sizeof(qb)), ex);
	}
	if (!shown)
		fputs("No process held ghost sockets, queued bytes or growing fds at the end "
		      "of the session.\n", f);
	fputc('\n', f);
	r = 0;
out:
	out_common_pidset_free(&subj);
	return r;
}

/* Does action event e touch finding x's subject? */
static int action_on(const struct record_event *e, const struct finding *x)
{
	const struct actions_target *t = &e->action->result.target;

	if (e->type != RECORD_EV_ACTION || x->pid < 0 || t->pid != x->pid)
		return 0;
	return !x->inode || !t->inode || t->inode == x->inode;
}

/*
 * The story of one problem, in time order: first seen, confirmed, the
 * actions taken on its subject and the operator's notes while it was open,
 * mitigated, resolved or still there.
 */
static void md_timeline(FILE *f, const struct export_session *es,
			const struct export_finding *ef)
{
	const struct finding *x = &ef->f;
	double end = ef->at_end ? es->end : ef->last_seen;
	char b1[64], txt[1200];
	size_t i;

	fputs("- timeline:\n", f);
	fprintf(f, "  - %s first seen\n", when(ef->first_seen, b1, sizeof(b1)));
	if (ef->confirmed_at)
		fprintf(f, "  - %s confirmed\n", when(ef->confirmed_at, b1, sizeof(b1)));
	for (i = 0; i < es->nevents; i++) {
		const struct record_event *e = &es->events[i];

		if (e->time < ef->first_seen - 1 || e->time > end + 1)
			continue;
		if (e->type == RECORD_EV_NOTE && e->note) {
			fprintf(f, "  - %s operator note: %s\n", when(e->time, b1, sizeof(b1)),
				out_markdown_text(e->note, txt, sizeof(txt)));
		} else if (action_on(e, x)) {
			const struct actions_result *r = &e->action->result;

			fprintf(f, "  - %s action `%s`: %s (%s)\n", when(e->time, b1, sizeof(b1)),
				actions_kind_name(r->kind), actions_outcome_name(r->outcome),
				out_markdown_text(r->outcome == ACTIONS_DONE ? r->message : r->reason,
					       txt, sizeof(txt)));
		}
	}
	if (ef->mitigated_at && ef->mit_kind) {
		fprintf(f, "  - %s mitigated by `%s`: %s\n", when(ef->mitigated_at, b1, sizeof(b1)),
			actions_kind_name((enum actions_kind)ef->mit_kind),
			out_markdown_text(ef->mit_note, txt, sizeof(txt)));
		if (ef->mit_ended)
			fprintf(f, "  - %s the mitigation ended (undone, or no longer in place)\n",
				when(ef->mit_ended, b1, sizeof(b1)));
	}
	if (ef->resolved_at || !ef->at_end)
		fprintf(f, "  - %s resolved: the condition is gone\n",
			when(ef->resolved_at ? ef->resolved_at : ef->last_seen, b1, sizeof(b1)));
	else
		fprintf(f, "  - %s still there at the end of the recording (%u samples)\n",
			when(ef->last_seen, b1, sizeof(b1)), ef->samples);
}

/* Causes and consequences among the session's findings (skipped for a
 * session with very many: the links are a pairwise rule). */
static void md_links(FILE *f, const struct export_session *es, size_t i)
{
	const struct export_finding *a = &es->findings[i];
	char id[16], txt[1600], sentence[400];
	size_t j;

	if (es->nfindings > 512)
		return;
	for (j = 0; j < es->nfindings; j++) {
		const struct finding *b = &es->findings[j].f;
		struct finding pair[2];
		size_t ix;

		if (j == i)
			continue;
		pair[0] = a->f;
		pair[1] = *b;
		pair[0].state = pair[1].state = FINDING_CONFIRMED;
		if (findings_links(pair, 2, 0, 0, &ix, 1))
			fprintf(f, "- caused by `%s` (%s): %s\n", findings_id(b, id, sizeof(id)),
				findings_kind_name(b->kind),
				out_markdown_text(findings_summary(b, sentence, sizeof(sentence)),
						  txt, sizeof(txt)));
		else if (findings_links(pair, 2, 0, 1, &ix, 1))
			fprintf(f, "- leads to `%s` (%s)\n", findings_id(b, id, sizeof(id)),
				findings_kind_name(b->kind));
	}
}

/* What to do next, as a list. */
static void md_next_steps(FILE *f, const struct finding *x)
{
	char steps[2048], txt[2600], *p, *nl;

	if (!findings_next_steps(x, steps, sizeof(steps)))
		return;
	fputs("Next steps:\n\n", f);
	for (p = steps; *p; p = nl ? nl + 1 : p + strlen(p)) {
		nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		fprintf(f, "1. %s\n", out_markdown_text(p, txt, sizeof(txt)));
	}
	fputc('\n', f);
}

/* Session findings by position, in the one order (findings_cmp). */
static int md_pos_cmp(const void *a, const void *b, void *arg)
{
	const struct export_session *es = arg;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int c = findings_cmp(&es->findings[i].f, &es->findings[j].f);

	return c ? c : (i > j) - (i < j);
}

static int md_findings(FILE *f, const struct export_session *es)
{
	size_t i, k, *pos;
	char b1[64], txt[2600], sentence[400];
	int r = -1;

	fputs("## Findings\n\n", f);
	if (!es->nfindings) {
		fputs("No leaks found: no socket queue grew unread, no process leaked fds or "
		      "sockets.\n\n", f);
		return 0;
	}
	pos = reallocarray(NULL, es->nfindings, sizeof(*pos));
	if (!pos) {
		errno = ENOMEM;
		return -1;
	}
	for (k = 0; k < es->nfindings; k++)
		pos[k] = k;
	qsort_r(pos, es->nfindings, sizeof(*pos), md_pos_cmp, (void *)es);
	for (k = 0; k < es->nfindings; k++) {
		const struct export_finding *ef = &es->findings[pos[k]];
		const struct finding *x = &ef->f;

		i = pos[k];
		if (out_common_halted(f))
			goto out;
		fprintf(f, "### %s%s: %s\n\n", findings_severity_name(x->severity),
			x->suspected ? " (suspected)" : "",
			out_markdown_text(findings_summary(x, sentence, sizeof(sentence)), txt,
					  sizeof(txt)));
		fprintf(f, "- kind: `%s`", findings_kind_name(x->kind));
		if (x->pid >= 0)
			fprintf(f, "; process %d %s", (int)x->pid,
				out_markdown_text(x->comm, txt, sizeof(txt)));
		if (x->fd >= 0)
			fprintf(f, " fd %d", (int)x->fd);
		if (x->inode)
			fprintf(f, "; socket inode %" PRIu64, x->inode);
		fputc('\n', f);
		fprintf(f, "- id `%s`, %s at the end\n", findings_id(x, b1, sizeof(b1)),
			ef->at_end ? findings_state_name((enum finding_state)x->state) :
			"gone");
		md_links(f, es, i);
		md_timeline(f, es, ef);
		fprintf(f, "- evidence: %s\n", out_markdown_text(x->evidence, txt, sizeof(txt)));
		if (x->action && x->fd >= 0)
			fprintf(f, "- safe action: `leaktop --act %s --pid %d --fd %d`\n",
				actions_kind_name((enum actions_kind)x->action), (int)x->pid,
				(int)x->fd);
		else if (x->action)
			fprintf(f, "- safe action: `leaktop --act %s --pid %d`\n",
				actions_kind_name((enum actions_kind)x->action), (int)x->pid);
		fprintf(f, "\n%s\n\n", out_markdown_text(x->explanation, txt, sizeof(txt)));
		md_next_steps(f, x);
	}
	r = 0;
out:
	free(pos);
	return r;
}

static void md_figures(FILE *f, const struct actions_figures *g)
{
	char b[256];

	fputs(units_figures(g, UNITS_FIGURES_NOTE, b, sizeof(b)), f);
}

static int md_actions(FILE *f, const struct export_session *es)
{
	size_t i, n = 0;
	char b[64], t1[1200], t2[1200];

	fputs("## Actions\n\n", f);
	for (i = 0; i < es->nevents; i++) {
		const struct record_action *a = es->events[i].action;
		const struct actions_result *r;

		if (out_common_halted(f))
			return -1;
		if (es->events[i].type != RECORD_EV_ACTION || !a)
			continue;
		r = &a->result;
		n++;
		fprintf(f, "### %s: %s on pid %d %s", when(a->time, b, sizeof(b)),
			actions_kind_name(r->kind), r->target.pid,
			out_markdown_text(r->target.comm, t1, sizeof(t1)));
		if (r->target.fd >= 0)
			fprintf(f, " fd %d", r->target.fd);
		fprintf(f, " (%s)\n\n", actions_outcome_name(r->outcome));
		fprintf(f, "- by: %s", out_markdown_text(a->user, t1, sizeof(t1)));
		if (a->login[0])
			fprintf(f, " (login %s)", out_markdown_text(a->login, t2, sizeof(t2)));
		fputc('\n', f);
		if (r->target.inode)
			fprintf(f, "- socket: %s inode %" PRIu64 ", local %s\n",
				out_markdown_text(r->target.proto, t2, sizeof(t2)), r->target.inode,
				out_markdown_text(r->target.local, t1, sizeof(t1)));
		fputs("- before: ", f);
		md_figures(f, &r->before);
		fputs("\n- after: ", f);
		md_figures(f, &r->after);
		fputc('\n', f);
		if (r->message[0])
			fprintf(f, "- result: %s\n", out_markdown_text(r->message, t1, sizeof(t1)));
		if (r->reason[0])
			fprintf(f, "- reason: %s\n", out_markdown_text(r->reason, t1, sizeof(t1)));
		if (r->warning[0])
			fprintf(f, "- warning: %s\n", out_markdown_text(r->warning, t1, sizeof(t1)));
		if (r->can_undo)
			fprintf(f, "- undo: `leaktop --act %s --pid %d%s`\n",
				actions_kind_name(r->undo.kind), r->target.pid,
				r->target.fd >= 0 ? " --fd ..." : "");
		fputc('\n', f);
	}
	if (!n)
		fputs("No action was taken in this session.\n\n", f);
	fputs("## Notes\n\n", f);
	n = 0;
	for (i = 0; i < es->nevents; i++) {
		if (out_common_halted(f))
			return -1;
		if (es->events[i].type != RECORD_EV_NOTE || !es->events[i].note)
			continue;
		n++;
		fprintf(f, "- %s: %s\n", when(es->events[i].time, b, sizeof(b)),
			out_markdown_text(es->events[i].note, t1, sizeof(t1)));
	}
	if (!n)
		fputs("No notes.\n", f);
	fputc('\n', f);
	return 0;
}

/* The services (cgroups) of the last sample that hold socket memory or a
 * finding, in the sample's order, with the kernel's figure beside ours. */
static void md_services(FILE *f, const struct sample *last)
{
	char t[400], b1[32], b2[32], b3[32];
	size_t i, n = 0;

	for (i = 0; i < last->cgroups.n && n < 10; i++) {
		const struct sample_cgroup *g = &last->cgroups.v[i];

		if (!g->mem && !g->nfindings)
			continue;
		if (!n++)
			fputs("## Services involved\n\n| Service | Cgroup | Socket memory | "
			      "Kernel's figure | Waiting | Findings |\n|---|---|---:|---|---:|---:|\n",
			      f);
		fprintf(f, "| %s", out_markdown_text(g->name.label, t, sizeof(t)));
		fprintf(f, " | %s | %s | %s | %s | %u |\n", out_markdown_text(g->path, t, sizeof(t)),
			units_size(g->mem, b1, sizeof(b1)),
			cgroup_acct_counts(g->kernel.acct) ? units_size(g->kernel.bytes, b2, sizeof(b2)) :
			cgroup_acct_words(g->kernel.acct),
			units_size(g->queued, b3, sizeof(b3)), g->nfindings);
	}
	if (n)
		fputc('\n', f);
}

static int md_write(FILE *f, const struct export_session *es, const struct sample *first,
		    const struct sample *last, const struct findings_config *c)
{
	const struct record_header *h = &es->hdr;
	char b1[64], b2[64], b3[32], t[1600], sentence[400];
	size_t i, crit = 0, warn = 0;

	if (out_common_halted(f))
		return -1;
	fprintf(f, "# leaktop postmortem: %s\n\n", out_markdown_text(h->host, t, sizeof(t)));
	fputs("| | |\n|---|---|\n", f);
	fprintf(f, "| Machine | %s", out_markdown_text(h->host, t, sizeof(t)));
	fprintf(f, " (%s) |\n", out_markdown_text(h->machine[0] ? h->machine : "?", t, sizeof(t)));
	fprintf(f, "| Kernel | %s |\n", out_markdown_text(h->kernel, t, sizeof(t)));
	fprintf(f, "| Boot id | %s |\n", out_markdown_text(h->boot_id[0] ? h->boot_id : "-",
						     t, sizeof(t)));
	fprintf(f, "| Time span | %s to %s (%s, %zu samples) |\n",
		when(es->start, b1, sizeof(b1)), when(es->end, b2, sizeof(b2)),
		units_duration(es->end - es->start, b3, sizeof(b3)), es->nsamples);
	fprintf(f, "| Source | %s |\n", out_markdown_text(es->source ? es->source : "live",
						    t, sizeof(t)));
	fprintf(f, "| leaktop | %s |\n", out_markdown_text(h->version, t, sizeof(t)));
	if (h->samples_dropped)
		fprintf(f, "| Dropped | %" PRIu64 " older samples (--record-max-size) |\n",
			h->samples_dropped);
	fputc('\n', f);

	fputs("## Summary\n\n", f);
	for (i = 0; i < es->nfindings; i++) {
		crit += es->findings[i].f.severity == FINDING_CRITICAL;
		warn += es->findings[i].f.severity == FINDING_WARNING;
	}
	fprintf(f, "- %zu findings (%zu critical, %zu warning)\n", es->nfindings, crit, warn);
	if (first && last) {
		char s1[32], s2[32], s3[32];

		fprintf(f, "- unaccounted kernel memory: %s to %s (%s)\n",
			units_size_signed(first->mem.unaccounted, s1, sizeof(s1)),
			units_size_signed(last->mem.unaccounted, s2, sizeof(s2)),
			units_change(diff64(last->mem.unaccounted, first->mem.unaccounted), s3,
			       sizeof(s3)));
		fprintf(f, "- pinned by sockets: %s to %s (%s)\n",
			units_size(first->mem.socket_queues, s1, sizeof(s1)),
			units_size(last->mem.socket_queues, s2, sizeof(s2)),
			units_change(diff64(s64(last->mem.socket_queues), s64(first->mem.socket_queues)),
			       s3, sizeof(s3)));
	}
	for (i = 0; i < es->nfindings && i < 5; i++)
		if (es->findings[i].f.severity != FINDING_INFO)
			fprintf(f, "- %s: %s\n", findings_severity_name(es->findings[i].f.severity),
				out_markdown_text(findings_summary(&es->findings[i].f, sentence,
								   sizeof(sentence)), t, sizeof(t)));
	fputc('\n', f);
	if (first && last) {
		md_memory(f, first, last);
		if (md_sockets(f, first, last) < 0 || md_processes(f, first, last, c) < 0)
			return -1;
		md_services(f, last);
	} else {
		fputs("No samples.\n\n", f);
	}
	if (md_findings(f, es) < 0 || md_actions(f, es) < 0)
		return -1;
	return ferror(f) ? -1 : 0;
}

int out_markdown_write(FILE *f, const struct export_session *es,
		       const struct sample *first, const struct sample *last)
{
	return md_write(f, es, first, last, NULL);
}

static int markdown_end(FILE *f, const struct out_session *ss, const struct out_args *a)
{
	return md_write(f, ss->es, ss->first, ss->last, a ? a->thresholds : NULL);
}

const struct out_sink out_markdown_sink = {
	.name = "markdown",
	.keep = OUT_KEEP_FIRST_LAST,
	.end = markdown_end,
};
