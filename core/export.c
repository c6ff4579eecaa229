/*
 * Exports of a session: the Markdown postmortem and the Prometheus text
 * exposition (doc/exports.md).  Everything printed that came from the
 * inspected machine is sanitised, then escaped for the target syntax.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "leaktop/export.h"
#include "leaktop/report.h"

/* A writer stops at its next row when a stop was requested (errno EINTR)
 * or the stream failed (errno from the failed write). */
static int halted(FILE *f)
{
	if (lt_stop_requested) {
		errno = EINTR;
		return 1;
	}
	return ferror(f);
}

/* ---- session --------------------------------------------------------------- */

void export_session_init(struct export_session *es, const struct record_header *hdr,
			 const char *source)
{
	memset(es, 0, sizeof(*es));
	if (hdr)
		es->hdr = *hdr;
	es->source = source;
}

/*
 * The identity of a finding: kind, pid, fd and inode (text, severity and
 * figures may change from one sample to the next).  Two findings are the
 * same one when this returns 0; the order itself means nothing but lets
 * the exports group equal findings by sorting instead of comparing every
 * pair, which a hostile recording with many findings would make quadratic.
 */
static int finding_cmp(const struct finding *a, const struct finding *b)
{
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	if (a->fd != b->fd)
		return a->fd < b->fd ? -1 : 1;
	if (a->inode != b->inode)
		return a->inode < b->inode ? -1 : 1;
	return 0;
}

/* A finding of a sample and its position there. */
struct fref {
	const struct finding *f;
	size_t i;
};

static int fref_cmp(const void *a, const void *b)
{
	const struct fref *x = a, *y = b;
	int r = finding_cmp(x->f, y->f);

	if (r)
		return r;
	return (x->i > y->i) - (x->i < y->i);
}

/* The findings v[0..n-1] sorted by identity, then by position: each group
 * of equal findings is contiguous and starts with the one first in v.
 * Caller frees; NULL with errno ENOMEM. */
static struct fref *fref_sorted(const struct finding *v, size_t n)
{
	struct fref *r = reallocarray(NULL, n ? n : 1, sizeof(*r));
	size_t i;

	if (!r)
		return NULL;
	for (i = 0; i < n; i++) {
		r[i].f = &v[i];
		r[i].i = i;
	}
	qsort(r, n, sizeof(*r), fref_cmp);
	return r;
}

/* The session finding that is the same as x (binary search in byid), or
 * SIZE_MAX. */
static size_t session_find(const struct export_session *es, const struct finding *x)
{
	size_t lo = 0, hi = es->nfindings;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = finding_cmp(&es->findings[es->byid[mid]].f, x);

		if (!c)
			return es->byid[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return SIZE_MAX;
}

/* Room for n findings in the session (and its index).  0 or -ENOMEM. */
static int session_reserve(struct export_session *es, size_t n)
{
	struct export_finding *nv;
	size_t *ni, cap = es->capfindings;

	if (n <= cap)
		return 0;
	cap = cap && cap <= SIZE_MAX / 2 ? cap * 2 : 8;
	if (cap < n)
		cap = n;
	nv = reallocarray(es->findings, cap, sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	es->findings = nv;
	ni = reallocarray(es->byid, cap, sizeof(*ni));
	if (!ni)
		return -ENOMEM;	/* findings is bigger than capfindings says: harmless */
	es->byid = ni;
	es->capfindings = cap;
	return 0;
}

/*
 * The rules, the same whatever the number of findings:
 * - a session finding is created by the first occurrence of its identity
 *   (finding_cmp), and the session keeps them in the order they were
 *   first seen (within a sample, in the sample's order);
 * - every occurrence, duplicates within one sample included, is applied
 *   in the sample's order: it replaces the kept one when it is more
 *   severe, or as severe and either confirmed or the kept one suspected
 *   (the worst, then the latest, a confirmed one not giving way to a
 *   suspected one); it counts as a sample and marks the finding at_end.
 * The sample's findings are matched by sorting them by identity and
 * looking each group up in byid, the session's findings sorted by
 * identity: O(n log n) per sample, plus O(session) to clear at_end and
 * merge the new identities into byid.  Nothing is changed on -ENOMEM.
 */
int export_session_add_sample(struct export_session *es, const struct sample *s)
{
	const struct finding *v = s->findings.v;
	size_t n = s->findings.n, n0 = es->nfindings, nnew = 0, g, e, i, a, w;
	struct fref *ref = NULL;
	size_t *to = NULL, *lead = NULL;
	int r = -ENOMEM;

	/*
	 * to[i]: the session finding v[i] goes to; while it is >= n0, v[i]
	 * is not in the session yet and to[i] - n0 is the first of its
	 * group.  lead: the first of each new group, in identity order.
	 */
	if (n) {
		ref = fref_sorted(v, n);
		to = reallocarray(NULL, n, sizeof(*to));
		lead = reallocarray(NULL, n, sizeof(*lead));
		if (!ref || !to || !lead)
			goto out;
		for (g = 0; g < n; g = e) {
			size_t j = session_find(es, ref[g].f);

			if (j == SIZE_MAX) {
				j = n0 + ref[g].i;
				lead[nnew++] = ref[g].i;
			}
			for (e = g; e < n && !finding_cmp(ref[e].f, ref[g].f); e++)
				to[ref[e].i] = j;
		}
		if (nnew > SIZE_MAX - n0 || session_reserve(es, n0 + nnew) < 0)
			goto out;
	}

	if (!es->nsamples)
		es->start = s->time;
	es->end = s->time;
	es->nsamples++;
	for (i = 0; i < n0; i++)
		es->findings[i].at_end = 0;
	for (i = 0; i < n; i++) {
		const struct finding *x = &v[i];
		struct export_finding *ef;

		if (to[i] >= n0) {
			if (to[i] - n0 == i) {
				ef = &es->findings[es->nfindings];
				memset(ef, 0, sizeof(*ef));
				ef->f = *x;
				ef->first_seen = s->time;
				to[i] = es->nfindings++;
			} else {
				to[i] = to[to[i] - n0];	/* its first is before it */
			}
		}
		ef = &es->findings[to[i]];
		if (x->state == FINDING_CONFIRMED && !ef->confirmed_at)
			ef->confirmed_at = s->time;
		if (x->state == FINDING_MITIGATED && !ef->mitigated_at)
			ef->mitigated_at = x->mitigated_at > 0 ? x->mitigated_at : s->time;
		if (x->state == FINDING_MITIGATED) {
			ef->mit_kind = x->mitigation;
			ef->mit_check = x->check;
			memcpy(ef->mit_note, x->mitigation_note, sizeof(ef->mit_note));
			ef->mit_ended = 0;
		} else if (ef->mit_kind && !ef->mit_ended) {
			ef->mit_ended = s->time;	/* undone, or no longer in place */
		}
		if (x->state == FINDING_RESOLVED && !ef->resolved_at)
			ef->resolved_at = s->time;
		if (x->state != FINDING_RESOLVED)
			ef->resolved_at = 0;	/* it came back */
		/* the worst; among equals the latest, unless a suspected one
		 * would replace a confirmed one */
		if (x->severity > ef->f.severity ||
		    (x->severity == ef->f.severity && (!x->suspected || ef->f.suspected)))
			ef->f = *x;
		ef->last_seen = s->time;
		ef->samples++;
		ef->at_end = 1;
	}

	/* merge the new identities (lead is in identity order) into byid */
	for (a = n0, w = n0 + nnew; nnew; ) {
		size_t b = to[lead[nnew - 1]];

		if (a && finding_cmp(&es->findings[es->byid[a - 1]].f, &es->findings[b].f) > 0)
			es->byid[--w] = es->byid[--a];
		else {
			es->byid[--w] = b;
			nnew--;
		}
	}
	r = 0;
out:
	free(ref);
	free(to);
	free(lead);
	return r;
}

int export_session_add_event(struct export_session *es, const struct record_event *e)
{
	struct record_event c;

	if (e->type != RECORD_EV_ACTION && e->type != RECORD_EV_NOTE)
		return 0;
	c = *e;
	c.action = NULL;
	c.note = NULL;
	if (e->action) {
		c.action = malloc(sizeof(*c.action));
		if (!c.action)
			return -ENOMEM;
		*c.action = *e->action;
	}
	if (e->note && !(c.note = strdup(e->note))) {
		free(c.action);
		return -ENOMEM;
	}
	if (es->nevents == es->capevents) {
		size_t cap = es->capevents ? es->capevents * 2 : 8;
		struct record_event *nv = realloc(es->events, cap * sizeof(*nv));

		if (!nv) {
			free(c.action);
			free(c.note);
			return -ENOMEM;
		}
		es->events = nv;
		es->capevents = cap;
	}
	es->events[es->nevents++] = c;
	return 0;
}

void export_session_release(struct export_session *es)
{
	size_t i;

	if (!es)
		return;
	for (i = 0; i < es->nevents; i++) {
		free(es->events[i].action);
		free(es->events[i].note);
	}
	free(es->events);
	free(es->findings);
	free(es->byid);
	memset(es, 0, sizeof(*es));
}

/* ---- escaping -------------------------------------------------------------- */

char *export_md_text(const char *raw, char *out, size_t outsz)
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

char *export_prom_label(const char *raw, char *out, size_t outsz)
{
	char clean[1024];
	size_t o = 0;
	const char *p;

	if (!outsz)
		return out;
	lt_sanitize(raw ? raw : "", clean, sizeof(clean));
	for (p = clean; *p; p++) {
		char two[3] = { '\\', *p, '\0' };
		const char *rep = *p == '\\' || *p == '"' ? two : *p == '\n' ? "\\n" : NULL;
		size_t n = rep ? 2 : 1;

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

static char *duration(double sec, char *out, size_t outsz)
{
	if (sec >= 7200)
		snprintf(out, outsz, "%.1f h", sec / 3600);
	else if (sec >= 120)
		snprintf(out, outsz, "%.0f min", sec / 60);
	else
		snprintf(out, outsz, "%.0f s", sec);
	return out;
}

/* "+1.5 MiB", "-12 B", "0 B" */
static char *change(int64_t d, char *out, size_t outsz)
{
	char b[24];

	report_size(d < 0 ? (uint64_t)(-(d + 1)) + 1 : (uint64_t)d, b, sizeof(b));
	snprintf(out, outsz, "%s%s", d > 0 ? "+" : d < 0 ? "-" : "", b);
	return out;
}

static char *ssize_str(int64_t v, char *out, size_t outsz)
{
	char b[24];

	if (v >= 0)
		return report_size((uint64_t)v, out, outsz);
	snprintf(out, outsz, "-%s", report_size((uint64_t)(-(v + 1)) + 1, b, sizeof(b)));
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

	fprintf(f, "| %s | %s | %s | %s |\n", label, ssize_str(a, s1, sizeof(s1)),
		ssize_str(b, s2, sizeof(s2)), change(diff64(b, a), s3, sizeof(s3)));
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
			p ? export_md_text(p->comm, comm, sizeof(comm)) : "?");
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

		if (halted(f))
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
				 report_size((uint64_t)(fabs(r->growth_bps) + 0.5), s2, sizeof(s2)));
		else
			snprintf(g, sizeof(g), "-");
		fprintf(f, " | %s inode %" PRIu64 " (netns %" PRIu64 ") | %s | %s | %s | ",
			ltsock_proto_name(q), q->inode, q->netns,
			export_md_text(loc, e1, sizeof(e1)), export_md_text(peer, e2, sizeof(e2)),
			old ? report_size(old->recv_q, s1, sizeof(s1)) : "(new)");
		fprintf(f, "%s | %s | ", report_size(q->recv_q, s1, sizeof(s1)), g);
		md_flags(f, r->flags);
		fputs(" |\n", f);
	}
	if (!shown)
		fputs("No socket queue grew or was flagged at the end of the session.\n", f);
	fputc('\n', f);
	return 0;
}

/* The pids of a sample's findings, sorted: whether a process is the
 * subject of a finding, in O(log n). */
struct pidset {
	int32_t *v;
	size_t n;
};

static int pid_cmp(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	return (x > y) - (x < y);
}

/* 0, or -1 with errno ENOMEM.  pidset_free() it either way. */
static int pidset_build(struct pidset *ps, const struct finding_list *l)
{
	size_t i;

	ps->n = 0;
	ps->v = reallocarray(NULL, l->n ? l->n : 1, sizeof(*ps->v));
	if (!ps->v)
		return -1;
	for (i = 0; i < l->n; i++)
		ps->v[i] = l->v[i].pid;
	ps->n = l->n;
	qsort(ps->v, ps->n, sizeof(*ps->v), pid_cmp);
	return 0;
}

static int finding_subject(const struct pidset *ps, int pid)
{
	int32_t key = pid;

	return ps->n && bsearch(&key, ps->v, ps->n, sizeof(*ps->v), pid_cmp);
}

static void pidset_free(struct pidset *ps)
{
	free(ps->v);
	ps->v = NULL;
	ps->n = 0;
}

static int md_processes(FILE *f, const struct sample *a, const struct sample *b)
{
	struct pidset subj;
	size_t i, shown = 0;
	int r = -1;

	fputs("## Processes that leak\n\n", f);
	if (!b->have_procs) {
		fputs("No process table in this session.\n\n", f);
		return 0;
	}
	if (pidset_build(&subj, &b->findings) < 0)
		goto out;
	for (i = 0; i < b->procs.n; i++) {
		const struct proc_info *p = &b->procs.v[i], *old = procs_find(&a->procs, p->pid);
		char comm[320], cmd[1100], q[32], qb[32], fds[64], rate[32], ex[32];

		if (halted(f))
			goto out;
		if (!(p->ghosts > 0 || p->queued > 0 || finding_subject(&subj, p->pid) ||
		      (p->growth_known && p->fd_growth_per_hour >= 60 && p->fd_increase >= 10)))
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
			duration(p->exhaustion_s, ex, sizeof(ex));
		else
			snprintf(ex, sizeof(ex), "-");
		fprintf(f, "| %d | %s | %s | ", (int)p->pid,
			export_md_text(p->comm, comm, sizeof(comm)),
			p->cmdline ? export_md_text(p->cmdline, cmd, sizeof(cmd)) : "-");
		if (old && old->nfds >= 0)
			fprintf(f, "%d", (int)old->nfds);
		else
			fputs(old ? "hidden" : "(started later)", f);
		fprintf(f, " | %s | %s | %s | %s | %s |\n", fds, rate,
			p->ghosts_known ? (snprintf(q, sizeof(q), "%d", (int)p->ghosts), q) : "?",
			report_size(p->queued, qb, sizeof(qb)), ex);
	}
	if (!shown)
		fputs("No process held ghost sockets, queued bytes or growing fds at the end "
		      "of the session.\n", f);
	fputc('\n', f);
	r = 0;
out:
	pidset_free(&subj);
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
				export_md_text(e->note, txt, sizeof(txt)));
		} else if (action_on(e, x)) {
			const struct actions_result *r = &e->action->result;

			fprintf(f, "  - %s action `%s`: %s (%s)\n", when(e->time, b1, sizeof(b1)),
				actions_kind_name(r->kind), actions_outcome_name(r->outcome),
				export_md_text(r->outcome == ACTIONS_DONE ? r->message : r->reason,
					       txt, sizeof(txt)));
		}
	}
	if (ef->mitigated_at && ef->mit_kind) {
		fprintf(f, "  - %s mitigated by `%s`: %s\n", when(ef->mitigated_at, b1, sizeof(b1)),
			actions_kind_name((enum actions_kind)ef->mit_kind),
			export_md_text(ef->mit_note, txt, sizeof(txt)));
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
	char id[16], txt[600];
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
				export_md_text(b->summary, txt, sizeof(txt)));
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
		fprintf(f, "1. %s\n", export_md_text(p, txt, sizeof(txt)));
	}
	fputc('\n', f);
}

static int md_findings(FILE *f, const struct export_session *es)
{
	static const int order[] = { FINDING_CRITICAL, FINDING_WARNING, FINDING_INFO };
	size_t i, k;
	char b1[64], txt[2600];

	fputs("## Findings\n\n", f);
	if (!es->nfindings) {
		fputs("No leaks found: no socket queue grew unread, no process leaked fds or "
		      "sockets.\n\n", f);
		return 0;
	}
	for (k = 0; k < 3; k++)
		for (i = 0; i < es->nfindings; i++) {
			const struct export_finding *ef = &es->findings[i];
			const struct finding *x = &ef->f;

			if (halted(f))
				return -1;
			if (x->severity != order[k])
				continue;
			fprintf(f, "### %s%s: %s\n\n", findings_severity_name(x->severity),
				x->suspected ? " (suspected)" : "",
				export_md_text(x->summary, txt, sizeof(txt)));
			fprintf(f, "- kind: `%s`", findings_kind_name(x->kind));
			if (x->pid >= 0)
				fprintf(f, "; process %d %s", (int)x->pid,
					export_md_text(x->comm, txt, sizeof(txt)));
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
			fprintf(f, "- evidence: %s\n", export_md_text(x->evidence, txt, sizeof(txt)));
			if (x->action && x->fd >= 0)
				fprintf(f, "- safe action: `leaktop --act %s --pid %d --fd %d`\n",
					x->action, (int)x->pid, (int)x->fd);
			else if (x->action)
				fprintf(f, "- safe action: `leaktop --act %s --pid %d`\n", x->action,
					(int)x->pid);
			fprintf(f, "\n%s\n\n", export_md_text(x->explanation, txt, sizeof(txt)));
			md_next_steps(f, x);
		}
	return 0;
}

static void md_figures(FILE *f, const struct actions_figures *g)
{
	char b[32];

	if (!g->have) {
		fputs("-", f);
		return;
	}
	if (g->have & ACTIONS_HAVE_QUEUE)
		fprintf(f, "rmem %s, recv_q %u B, rcvbuf %u B, drops %u; ",
			report_size(g->rmem, b, sizeof(b)), g->recv_q, g->rcvbuf, g->drops);
	if (g->have & ACTIONS_HAVE_FILTER)
		fprintf(f, "filter %s%s; ",
			g->filter_len == ACTIONS_FILTER_EBPF ? "eBPF" :
			g->filter_drops_all ? "drop-all" : g->filter_len ? "classic" : "none",
			g->filter_locked ? " (locked)" : "");
	if (g->have & ACTIONS_HAVE_LIMITS) {
		if (g->fd_soft == ACTIONS_UNLIMITED)
			fputs("fd limit unlimited", f);
		else
			fprintf(f, "fd limit %" PRIu64, g->fd_soft);
		fprintf(f, ", %u fds; ", g->nfds);
	}
	if (g->have & ACTIONS_HAVE_DRAINED)
		fprintf(f, "drained %s in %" PRIu64 " packets; ",
			report_size(g->drained_bytes, b, sizeof(b)), g->drained_packets);
}

static int md_actions(FILE *f, const struct export_session *es)
{
	size_t i, n = 0;
	char b[64], t1[1200], t2[1200];

	fputs("## Actions\n\n", f);
	for (i = 0; i < es->nevents; i++) {
		const struct record_action *a = es->events[i].action;
		const struct actions_result *r;

		if (halted(f))
			return -1;
		if (es->events[i].type != RECORD_EV_ACTION || !a)
			continue;
		r = &a->result;
		n++;
		fprintf(f, "### %s: %s on pid %d %s", when(a->time, b, sizeof(b)),
			actions_kind_name(r->kind), r->target.pid,
			export_md_text(r->target.comm, t1, sizeof(t1)));
		if (r->target.fd >= 0)
			fprintf(f, " fd %d", r->target.fd);
		fprintf(f, " (%s)\n\n", actions_outcome_name(r->outcome));
		fprintf(f, "- by: %s", export_md_text(a->user, t1, sizeof(t1)));
		if (a->login[0])
			fprintf(f, " (login %s)", export_md_text(a->login, t2, sizeof(t2)));
		fputc('\n', f);
		if (r->target.inode)
			fprintf(f, "- socket: %s inode %" PRIu64 ", local %s\n",
				export_md_text(r->target.proto, t2, sizeof(t2)), r->target.inode,
				export_md_text(r->target.local, t1, sizeof(t1)));
		fputs("- before: ", f);
		md_figures(f, &r->before);
		fputs("\n- after: ", f);
		md_figures(f, &r->after);
		fputc('\n', f);
		if (r->message[0])
			fprintf(f, "- result: %s\n", export_md_text(r->message, t1, sizeof(t1)));
		if (r->reason[0])
			fprintf(f, "- reason: %s\n", export_md_text(r->reason, t1, sizeof(t1)));
		if (r->warning[0])
			fprintf(f, "- warning: %s\n", export_md_text(r->warning, t1, sizeof(t1)));
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
		if (halted(f))
			return -1;
		if (es->events[i].type != RECORD_EV_NOTE || !es->events[i].note)
			continue;
		n++;
		fprintf(f, "- %s: %s\n", when(es->events[i].time, b, sizeof(b)),
			export_md_text(es->events[i].note, t1, sizeof(t1)));
	}
	if (!n)
		fputs("No notes.\n", f);
	fputc('\n', f);
	return 0;
}

int export_markdown(FILE *f, const struct export_session *es,
		    const struct sample *first, const struct sample *last)
{
	const struct record_header *h = &es->hdr;
	char b1[64], b2[64], b3[32], t[1200];
	size_t i, crit = 0, warn = 0;

	if (halted(f))
		return -1;
	fprintf(f, "# leaktop postmortem: %s\n\n", export_md_text(h->host, t, sizeof(t)));
	fputs("| | |\n|---|---|\n", f);
	fprintf(f, "| Machine | %s", export_md_text(h->host, t, sizeof(t)));
	fprintf(f, " (%s) |\n", export_md_text(h->machine[0] ? h->machine : "?", t, sizeof(t)));
	fprintf(f, "| Kernel | %s |\n", export_md_text(h->kernel, t, sizeof(t)));
	fprintf(f, "| Boot id | %s |\n", export_md_text(h->boot_id[0] ? h->boot_id : "-",
						     t, sizeof(t)));
	fprintf(f, "| Time span | %s to %s (%s, %zu samples) |\n",
		when(es->start, b1, sizeof(b1)), when(es->end, b2, sizeof(b2)),
		duration(es->end - es->start, b3, sizeof(b3)), es->nsamples);
	fprintf(f, "| Source | %s |\n", export_md_text(es->source ? es->source : "live",
						    t, sizeof(t)));
	fprintf(f, "| leaktop | %s |\n", export_md_text(h->version, t, sizeof(t)));
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
			ssize_str(first->mem.unaccounted, s1, sizeof(s1)),
			ssize_str(last->mem.unaccounted, s2, sizeof(s2)),
			change(diff64(last->mem.unaccounted, first->mem.unaccounted), s3,
			       sizeof(s3)));
		fprintf(f, "- pinned by sockets: %s to %s (%s)\n",
			report_size(first->mem.socket_queues, s1, sizeof(s1)),
			report_size(last->mem.socket_queues, s2, sizeof(s2)),
			change(diff64(s64(last->mem.socket_queues), s64(first->mem.socket_queues)),
			       s3, sizeof(s3)));
	}
	for (i = 0; i < es->nfindings && i < 5; i++)
		if (es->findings[i].f.severity != FINDING_INFO)
			fprintf(f, "- %s: %s\n", findings_severity_name(es->findings[i].f.severity),
				export_md_text(es->findings[i].f.summary, t, sizeof(t)));
	fputc('\n', f);
	if (first && last) {
		md_memory(f, first, last);
		if (md_sockets(f, first, last) < 0 || md_processes(f, first, last) < 0)
			return -1;
	} else {
		fputs("No samples.\n\n", f);
	}
	if (md_findings(f, es) < 0 || md_actions(f, es) < 0)
		return -1;
	return ferror(f) ? -1 : 0;
}

/* ---- Prometheus ----------------------------------------------------------------- */

static void prom_family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A float as the exposition format wants it. */
static void prom_value(FILE *f, double v)
{
	if (v != v)
		fputs(" NaN\n", f);
	else if (v > 1e308)
		fputs(" +Inf\n", f);
	else if (v < -1e308)
		fputs(" -Inf\n", f);
	else if (v == (double)(int64_t)v && v < 9e15 && v > -9e15)
		fprintf(f, " %" PRId64 "\n", (int64_t)v);
	else
		fprintf(f, " %.17g\n", v);
}

static void prom_u(FILE *f, const char *name, const char *labels, uint64_t v)
{
	fprintf(f, "%s%s%s%s %" PRIu64 "\n", name, labels ? "{" : "", labels ? labels : "",
		labels ? "}" : "", v);
}

/* The labels of a socket series: netns, inode, proto, local, peer and its
 * first owner. */
static void sock_labels(const struct sample *s, const struct ltsock *k, char *out,
			size_t outsz)
{
	const struct fd_owner *o;
	size_t n = 0;
	char loc[160], peer[160], el[700], ep[700], comm[300];
	int pid = -1, fd = -1;
	const char *c = "";

	o = k->inode ? fdtable_census_owners(&s->owners, k->inode, &n) : NULL;
	if (o) {
		const struct fd_proc *p = fdtable_census_proc(&s->owners, o->pid);

		pid = o->pid;
		fd = o->fd;
		c = p ? p->comm : "";
	}
	ltsock_format_addr(k, 0, loc, sizeof(loc));
	ltsock_format_addr(k, 1, peer, sizeof(peer));
	snprintf(out, outsz, "netns=\"%" PRIu64 "\",inode=\"%" PRIu64 "\",proto=\"%s\","
		 "local=\"%s\",peer=\"%s\",pid=\"%d\",fd=\"%d\",comm=\"%s\"", k->netns,
		 k->inode, ltsock_proto_name(k), export_prom_label(loc, el, sizeof(el)),
		 export_prom_label(peer, ep, sizeof(ep)), pid, fd,
		 export_prom_label(c, comm, sizeof(comm)));
}

/* ---- which sockets and processes get series (cardinality) ------------------- */

/* An entry of a ranking: biggest key first, then smallest tie. */
struct rank {
	uint64_t key, tie;
	size_t i;
};

static int rank_cmp(const void *a, const void *b)
{
	const struct rank *x = a, *y = b;

	if (x->key != y->key)
		return x->key > y->key ? -1 : 1;
	return (x->tie > y->tie) - (x->tie < y->tie);
}

/* Mark in sel the first top entries of r[0..n) (sorted here). */
static void mark_top(struct rank *r, size_t n, unsigned top, unsigned char *sel)
{
	size_t k;

	qsort(r, n, sizeof(*r), rank_cmp);
	for (k = 0; k < n && k < top; k++)
		sel[r[k].i] = 1;
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/*
 * sel[i] = 1 for the sockets socks.v[i] that get series: flagged, the
 * subject of a finding (by inode), or among the top sockets by queued
 * bytes (ltsock_queued, more than 0).  A socket without an inode has no
 * identity for a series and never gets one.  NULL with errno ENOMEM.
 */
static unsigned char *prom_sock_select(const struct sample *s, unsigned top)
{
	size_t n = s->socks.n, i, nr = 0, ni = 0;
	unsigned char *sel = calloc(n ? n : 1, 1);
	struct rank *r = reallocarray(NULL, n ? n : 1, sizeof(*r));
	uint64_t *ino = reallocarray(NULL, s->findings.n ? s->findings.n : 1, sizeof(*ino));

	if (!sel || !r || !ino) {
		free(sel);
		sel = NULL;
		errno = ENOMEM;
		goto out;
	}
	for (i = 0; i < s->findings.n; i++)
		if (s->findings.v[i].inode)
			ino[ni++] = s->findings.v[i].inode;
	qsort(ino, ni, sizeof(*ino), u64_cmp);
	for (i = 0; i < n; i++) {
		const struct ltsock *q = &s->socks.v[i];
		uint64_t queued = ltsock_queued(q);

		if (!q->inode)
			continue;
		if (s->rates[i].flags ||
		    (ni && bsearch(&q->inode, ino, ni, sizeof(*ino), u64_cmp)))
			sel[i] = 1;
		if (queued)
			r[nr++] = (struct rank){ .key = queued, .tie = q->inode, .i = i };
	}
	mark_top(r, nr, top, sel);
out:
	free(r);
	free(ino);
	return sel;
}

/*
 * sel[i] = 1 for the processes procs.v[i] that get series: the subject of
 * a finding, or among the top processes by queued bytes (more than 0) or
 * by open fds.  NULL with errno ENOMEM.
 */
static unsigned char *prom_proc_select(const struct sample *s, unsigned top)
{
	size_t n = s->procs.n, i, nq = 0, nf = 0;
	unsigned char *sel = calloc(n ? n : 1, 1);
	struct rank *rq = reallocarray(NULL, n ? n : 1, sizeof(*rq));
	struct rank *rf = reallocarray(NULL, n ? n : 1, sizeof(*rf));
	struct pidset subj = { NULL, 0 };

	if (!sel || !rq || !rf || pidset_build(&subj, &s->findings) < 0) {
		free(sel);
		sel = NULL;
		errno = ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		const struct proc_info *p = &s->procs.v[i];

		if (finding_subject(&subj, p->pid))
			sel[i] = 1;
		if (p->queued)
			rq[nq++] = (struct rank){ .key = p->queued, .tie = (uint64_t)p->pid,
						  .i = i };
		if (p->nfds > 0)
			rf[nf++] = (struct rank){ .key = (uint64_t)p->nfds,
						  .tie = (uint64_t)p->pid, .i = i };
	}
	mark_top(rq, nq, top, sel);
	mark_top(rf, nf, top, sel);
out:
	free(rq);
	free(rf);
	pidset_free(&subj);
	return sel;
}

static int prom_sockets(FILE *f, const struct sample *s, unsigned top)
{
	static const struct { const char *name, *type, *help; } fam[] = {
		{ "leaktop_socket_recv_queue_bytes", "gauge",
		  "Bytes queued for reading (Recv-Q) in the socket." },
		{ "leaktop_socket_rmem_bytes", "gauge",
		  "Memory charged to the socket's receive queue (rmem_alloc)." },
		{ "leaktop_socket_rcvbuf_bytes", "gauge",
		  "Receive buffer limit (SO_RCVBUF) of the socket." },
		{ "leaktop_socket_growth_bytes_per_second", "gauge",
		  "Growth of the socket's Recv-Q over the rate window." },
		{ "leaktop_socket_drops_total", "counter",
		  "Packets the socket dropped (SK_MEMINFO_DROPS)." },
		{ "leaktop_socket_flagged", "gauge",
		  "1 for each flag (never_read, full, dropping, send_stalled) a socket carries." },
		{ "leaktop_socket_fill_ratio", "gauge",
		  "How full the receive buffer is: rmem over rcvbuf (1 = full)." },
		{ "leaktop_socket_send_queue_bytes", "gauge",
		  "Bytes waiting on the socket's send side." },
		{ "leaktop_socket_pinned_bytes", "gauge",
		  "Memory the socket pins in total (receive, send, forward alloc)." },
	};
	char labels[2600];
	unsigned char *sel = prom_sock_select(s, top);
	size_t m, k, shown;
	unsigned bit;
	int r = -1;

	if (!sel)
		return -1;
	for (m = 0; m < sizeof(fam) / sizeof(fam[0]); m++) {
		prom_family(f, fam[m].name, fam[m].type, fam[m].help);
		for (k = 0, shown = 0; k < s->socks.n && shown < EXPORT_PROM_MAX_SOCKETS; k++) {
			size_t i = s->order[k];
			const struct ltsock *q = &s->socks.v[i];
			const struct sock_rate *rt = &s->rates[i];

			if (halted(f))
				goto out;
			if (!sel[i])
				continue;
			shown++;
			sock_labels(s, q, labels, sizeof(labels));
			switch (m) {
			case 0:
				fprintf(f, "%s{%s} %u\n", fam[m].name, labels, q->recv_q);
				break;
			case 1:
				if (q->have & LTSOCK_HAVE_SKMEM)
					fprintf(f, "%s{%s} %u\n", fam[m].name, labels, q->rmem);
				break;
			case 2:
				if (q->have & LTSOCK_HAVE_SKMEM)
					fprintf(f, "%s{%s} %u\n", fam[m].name, labels, q->rcvbuf);
				break;
			case 3:
				if (rt->known) {
					fprintf(f, "%s{%s}", fam[m].name, labels);
					prom_value(f, rt->growth_bps);
				}
				break;
			case 4:
				if (q->have & LTSOCK_HAVE_DROPS)
					fprintf(f, "%s{%s} %u\n", fam[m].name, labels, q->drops);
				break;
			case 5:
				for (bit = 1; bit <= SOCK_FLAG_SEND_STALLED; bit <<= 1)
					if (rt->flags & bit)
						fprintf(f, "%s{%s,flag=\"%s\"} 1\n", fam[m].name,
							labels, history_flag_name(bit));
				break;
			case 6:
				if (ltsock_fill(q) >= 0) {
					fprintf(f, "%s{%s}", fam[m].name, labels);
					prom_value(f, ltsock_fill(q));
				}
				break;
			case 7:
				fprintf(f, "%s{%s} %" PRIu64 "\n", fam[m].name, labels,
					ltsock_send_held(q));
				break;
			case 8:
				fprintf(f, "%s{%s} %" PRIu64 "\n", fam[m].name, labels,
					ltsock_mem(q));
				break;
			}
		}
	}
	r = 0;
out:
	free(sel);
	return r;
}

static int prom_procs(FILE *f, const struct sample *s, unsigned top)
{
	static const struct { const char *name, *help; } fam[] = {
		{ "leaktop_process_fds", "Open fds of the process." },
		{ "leaktop_process_fd_limit", "Soft RLIMIT_NOFILE of the process." },
		{ "leaktop_process_sockets", "Socket fds the process holds." },
		{ "leaktop_process_ghost_sockets",
		  "Socket fds no network namespace's dump lists (leaked)." },
		{ "leaktop_process_queued_bytes", "Bytes queued in the sockets it holds." },
		{ "leaktop_process_fd_growth_per_hour", "Growth of its fd count, per hour." },
		{ "leaktop_process_fd_exhaustion_seconds",
		  "leaktop's forecast of the time left until the fd count reaches the soft limit." },
	};
	char labels[400], comm[300];
	unsigned char *sel = prom_proc_select(s, top);
	size_t m, i, shown;
	int r = -1;

	if (!sel)
		return -1;
	for (m = 0; m < sizeof(fam) / sizeof(fam[0]); m++) {
		prom_family(f, fam[m].name, "gauge", fam[m].help);
		for (i = 0, shown = 0; i < s->procs.n && shown < EXPORT_PROM_MAX_PROCS; i++) {
			const struct proc_info *p = &s->procs.v[i];

			if (halted(f))
				goto out;
			if (!sel[i])
				continue;
			shown++;
			snprintf(labels, sizeof(labels), "pid=\"%d\",comm=\"%s\"", (int)p->pid,
				 export_prom_label(p->comm, comm, sizeof(comm)));
			switch (m) {
			case 0:
				if (p->nfds >= 0)
					prom_u(f, fam[m].name, labels, (uint64_t)p->nfds);
				break;
			case 1:
				if (p->fd_soft >= 0)
					prom_u(f, fam[m].name, labels, (uint64_t)p->fd_soft);
				break;
			case 2:
				if (!(p->hidden & PROC_HIDDEN_FDS))
					prom_u(f, fam[m].name, labels, (uint64_t)p->nsockets);
				break;
			case 3:
				if (p->ghosts_known)
					prom_u(f, fam[m].name, labels, (uint64_t)p->ghosts);
				break;
			case 4:
				prom_u(f, fam[m].name, labels, p->queued);
				break;
			case 5:
				if (p->growth_known) {
					fprintf(f, "%s{%s}", fam[m].name, labels);
					prom_value(f, p->fd_growth_per_hour);
				}
				break;
			case 6:
				if (p->growth_known && p->exhaustion_s >= 0) {
					fprintf(f, "%s{%s}", fam[m].name, labels);
					prom_value(f, p->exhaustion_s);
				}
				break;
			}
		}
	}
	r = 0;
out:
	free(sel);
	return r;
}

/*
 * One series per finding identity (finding_cmp): the first in the
 * sample's order is kept, the series come in that order.  The duplicates
 * are found by sorting, not by comparing each finding with those before
 * it.  The counts by severity count every finding, duplicates included.
 */
static int prom_findings(FILE *f, const struct sample *s)
{
	static const int sev[] = { FINDING_CRITICAL, FINDING_WARNING, FINDING_INFO };
	char comm[300];
	size_t i, g, k, n;
	struct fref *ref;
	unsigned char *keep;

	ref = fref_sorted(s->findings.v, s->findings.n);
	keep = calloc(s->findings.n ? s->findings.n : 1, 1);
	if (!ref || !keep) {
		free(ref);
		free(keep);
		errno = ENOMEM;
		return -1;
	}
	for (g = 0; g < s->findings.n; g++)
		keep[ref[g].i] = !g || finding_cmp(ref[g - 1].f, ref[g].f) != 0;
	free(ref);

	prom_family(f, "leaktop_findings", "gauge", "Findings of the triage rules by severity.");
	for (k = 0; k < 3; k++) {
		for (i = 0, n = 0; i < s->findings.n; i++)
			n += s->findings.v[i].severity == sev[k] &&
			     s->findings.v[i].state != FINDING_RESOLVED;
		fprintf(f, "leaktop_findings{severity=\"%s\"} %zu\n",
			findings_severity_name(sev[k]), n);
	}
	prom_family(f, "leaktop_finding", "gauge",
		    "1 for each finding: its kind, severity and subject.");
	for (i = 0; i < s->findings.n; i++) {
		const struct finding *x = &s->findings.v[i];

		if (halted(f)) {
			free(keep);
			return -1;
		}
		if (!keep[i] || x->state == FINDING_RESOLVED)
			continue;	/* no longer a problem: no series */
		fprintf(f, "leaktop_finding{kind=\"%s\",severity=\"%s\",suspected=\"%s\","
			"pid=\"%d\",fd=\"%d\",inode=\"%" PRIu64 "\",comm=\"%s\"} 1\n",
			findings_kind_name(x->kind), findings_severity_name(x->severity),
			x->suspected ? "true" : "false", (int)x->pid, (int)x->fd, x->inode,
			export_prom_label(x->comm, comm, sizeof(comm)));
	}
	free(keep);
	return 0;
}

int export_prometheus_top(FILE *f, const struct sample *s, unsigned top)
{
	const struct meminfo_breakdown *m = &s->mem;
	static const char *const parts[] = {
		"free", "page_cache", "buffers", "shmem", "user_anon", "kernel_known",
		"socket_buffers",
	};
	uint64_t pv[7] = { m->free, m->page_cache, m->buffers, m->shmem, m->user_anon,
			   m->kernel_known, m->socket_buffers };
	char l[64];
	size_t i;

	if (halted(f))
		return -1;
	prom_family(f, "leaktop_sample_time_seconds", "gauge",
		    "When the sample was taken (unix seconds).");
	fprintf(f, "leaktop_sample_time_seconds");
	prom_value(f, s->time);
	prom_family(f, "leaktop_memory_total_bytes", "gauge", "MemTotal.");
	prom_u(f, "leaktop_memory_total_bytes", NULL, m->total);
	prom_family(f, "leaktop_memory_bytes", "gauge",
		    "Where MemTotal goes; the parts add up to MemTotal.");
	for (i = 0; i < 7; i++) {
		snprintf(l, sizeof(l), "part=\"%s\"", parts[i]);
		prom_u(f, "leaktop_memory_bytes", l, pv[i]);
	}
	fprintf(f, "leaktop_memory_bytes{part=\"unaccounted\"} %" PRId64 "\n", m->unaccounted);
	prom_family(f, "leaktop_memory_kernel_bytes", "gauge",
		    "The known kernel lines inside kernel_known.");
	{
		static const char *const kn[] = { "slab_reclaimable", "slab_unreclaimable",
						  "kernel_stack", "page_tables", "vmalloc",
						  "percpu", "hugetlb", "zswap" };
		uint64_t kv[8] = { m->slab_reclaimable, m->slab_unreclaimable, m->kernel_stack,
				   m->page_tables, m->vmalloc, m->percpu, m->hugetlb, m->zswap };

		for (i = 0; i < 8; i++) {
			snprintf(l, sizeof(l), "part=\"%s\"", kn[i]);
			prom_u(f, "leaktop_memory_kernel_bytes", l, kv[i]);
		}
	}
	prom_family(f, "leaktop_socket_queues_bytes", "gauge",
		    "Memory pinned by sockets: queues, send queues, orphans (the census).");
	prom_u(f, "leaktop_socket_queues_bytes", NULL, m->socket_queues);
	if (m->socket_queues_from_census) {
		prom_family(f, "leaktop_socket_memory_bytes", "gauge",
			    "Memory pinned by sockets, by protocol group (orphaned: TCP "
			    "connections no process holds).");
		for (i = 0; i < MEMINFO_SOCK_GROUPS; i++) {
			snprintf(l, sizeof(l), "proto=\"%s\"", ltsock_mem_group_name((int)i));
			prom_u(f, "leaktop_socket_memory_bytes", l, m->socket_group[i]);
		}
		prom_family(f, "leaktop_tcp_orphans", "gauge",
			    "Orphaned TCP connections: in the census, and as the kernel counts them.");
		prom_u(f, "leaktop_tcp_orphans", "source=\"census\"", m->orphans);
		prom_u(f, "leaktop_tcp_orphans", "source=\"kernel\"", m->sockstat_orphans);
	}
	prom_family(f, "leaktop_user_pss_bytes", "gauge", "Sum of every readable process's PSS.");
	prom_u(f, "leaktop_user_pss_bytes", NULL, m->pss.pss);
	if (s->census) {
		prom_family(f, "leaktop_census_sockets", "gauge",
			    "Sockets seen in every network namespace.");
		prom_u(f, "leaktop_census_sockets", NULL, s->socks.n);
		prom_family(f, "leaktop_census_complete", "gauge",
			    "1 when every namespace and socket family was enumerated.");
		prom_u(f, "leaktop_census_complete", NULL, s->census_complete ? 1 : 0);
		if (prom_sockets(f, s, top) < 0)
			return -1;
	}
	if (s->have_procs && prom_procs(f, s, top) < 0)
		return -1;
	if (prom_findings(f, s) < 0)
		return -1;
	return ferror(f) ? -1 : 0;
}

int export_prometheus(FILE *f, const struct sample *s)
{
	return export_prometheus_top(f, s, EXPORT_PROM_TOP_DEFAULT);
}

/*
 * The textfile collector may read the file at any moment: it must see the
 * previous exposition or the new one, whole.  So the new one goes to
 * FILE.tmp in the same directory (the collector reads *.prom only), is
 * synced, then renamed over FILE; the directory is synced so the rename
 * survives a crash.
 */
int export_prometheus_file(const char *path, const struct sample *s, unsigned top,
			   struct lt_err *err)
{
	char tmp[4096], dir[4096];
	FILE *f = NULL;
	int fd, dfd, r, e;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return lt_err_set(err, ENAMETOOLONG, "%s: name too long", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return lt_err_set(err, errno, "%s: %s", tmp, strerror(errno));
	/* metrics are for the collector's user to read, whatever the umask */
	if (fchmod(fd, 0644) < 0 || !(f = fdopen(fd, "w"))) {
		e = errno;
		close(fd);
		r = lt_err_set(err, e, "%s: %s", tmp, strerror(e));
		goto fail;
	}
	r = export_prometheus_top(f, s, top);
	e = errno;
	if (r == 0 && fflush(f) != 0) {
		r = -1;
		e = errno;
	}
	if (r == 0 && fsync(fileno(f)) < 0) {
		r = -1;
		e = errno;
	}
	if (fclose(f) != 0 && r == 0) {
		r = -1;
		e = errno;
	}
	if (r < 0) {
		r = lt_err_set(err, e, e == EINTR ? "%s: interrupted" : "%s: %s", tmp,
			       strerror(e));
		goto fail;
	}
	if (rename(tmp, path) < 0) {
		e = errno;
		r = lt_err_set(err, e, "rename %s to %s: %s", tmp, path, strerror(e));
		goto fail;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);	/* best effort: the file itself is complete */
		close(dfd);
	}
	return 0;
fail:
	unlink(tmp);
	return r;
}
