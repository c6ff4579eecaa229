/*
 * Guided triage: the evaluation, the top of the triage files.  It runs
 * the rules of the table of kinds (FINDINGS_LIST; each kind's rule is in
 * core/findings/) over a sample in three passes (each shown socket, each
 * process, the sample), lets a consequence name its biggest cause, keeps
 * what the rules need across samples, marks each finding's state
 * (suspected, confirmed, mitigated, resolved), folds one row per problem
 * (findings_group.c) and sorts by findings_cmp.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "leaktop/actions.h"
#include "leaktop/findings.h"
#include "leaktop/procs.h"
#include "leaktop/sample.h"
#include "leaktop/sample_clock.h"
#include "alloc_hook.h"
#include "findings/findings_int.h"

struct findings_state {
	/* the memory breakdown over the session, for unaccounted_growth */
	struct findings_mem_series mem;
	unsigned samples;
	/* findings confirmed in the last sample, and resolved ones still
	 * listed (gone_since > 0), to tell when one is resolved */
	struct kept_finding {
		struct finding f;
		double gone_since;
	} *kept;
	size_t nkept;
	/* each process's fds at the last fresh read, and whether they rose
	 * then: a forecast needs fds that still rise (sorted by pid) */
	struct fd_step {
		int32_t pid;
		int32_t nfds;
		double rose_at;	/* steady time of the last rise, 0 none */
		int rising;	/* they rose at the last fresh read */
	} *steps;
	size_t nsteps;
	/* the grouping pass's own memory (findings_group.c) */
	struct findings_group_state *group;
};

struct findings_state *findings_state_new(void)
{
	struct findings_state *st = calloc(1, sizeof(struct findings_state));

	if (st && !(st->group = findings_group_state_new())) {
		free(st);
		return NULL;
	}
	return st;
}

void findings_state_free(struct findings_state *st)
{
	if (st) {
		free(st->kept);
		free(st->steps);
		findings_group_state_free(st->group);
	}
	free(st);
}

/* Room for one more finding at the end of l; NULL on ENOMEM. */
static struct finding *list_add(struct finding_list *l)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		struct finding *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		l->v = v;
		l->cap = cap;
	}
	return &l->v[l->n++];
}

static int cmp_step(const void *a, const void *b)
{
	const struct fd_step *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

/*
 * Record each process's fds of this sample in st and return, in rose_at
 * (s->procs' order), when its fds last rose (0: not seen to), and in
 * rising whether they rose at the last read.  A light sample that did not
 * read a process's fds carries both on.  0 or -ENOMEM.
 */
static int fd_steps(struct findings_state *st, const struct sample *s, double *rose_at,
		    int *rising)
{
	struct fd_step *nv = malloc((s->procs.n ? s->procs.n : 1) * sizeof(*nv));
	size_t i;

	if (!nv)
		return -ENOMEM;
	for (i = 0; i < s->procs.n; i++) {
		const struct proc_info *p = &s->procs.v[i];
		struct fd_step key = { .pid = p->pid }, *old;

		old = st->steps ? bsearch(&key, st->steps, st->nsteps, sizeof(key), cmp_step) :
				  NULL;
		nv[i].pid = p->pid;
		nv[i].nfds = p->nfds;
		nv[i].rose_at = old ? old->rose_at : 0;
		nv[i].rising = old ? old->rising : 1;
		if (!old) {
			/* no step seen yet: no evidence that it stopped */
			nv[i].rose_at = sample_steady_time(s);
		} else if (!p->fds_fresh) {
			nv[i].nfds = old->nfds;
		} else {
			nv[i].rising = p->nfds > old->nfds;
			if (nv[i].rising)
				nv[i].rose_at = sample_steady_time(s);
		}
		rose_at[i] = nv[i].rose_at;
		rising[i] = nv[i].rising;
	}
	qsort(nv, s->procs.n, sizeof(*nv), cmp_step);
	free(st->steps);
	st->steps = nv;
	st->nsteps = s->procs.n;
	return 0;
}

/* A burst that has stopped is no forecast: with a short history the fds
 * must have risen at their last read, with a long one within
 * fd_min_span_s. */
static int fds_still_rising(const struct findings_config *c, const struct sample *s,
			    const struct proc_info *p, double rose_at, int rising)
{
	if (p->growth_span_s < c->fd_min_span_s)
		return rising;
	return sample_steady_time(s) - rose_at <= c->fd_min_span_s;
}

/* Each shown socket (a flagged socket is always shown: the short list is
 * enough), through the socket rules in the list's order; a rule that
 * claims the socket ends its turn. */
static int pass_sockets(struct findings_ctx *x)
{
	const struct sample *s = x->s;
	size_t j, n = s->shown ? s->nshown : s->socks.n;
	int r = 0;

	if (!s->census)
		return 0;
	for (j = 0; j < n && r >= 0; j++) {
		size_t i = s->shown ? s->shown[j] : j;

#define FINDINGS_SOCKET(id, file, value)					\
		if (r == 0 && findings_kind_##file.socket)			\
			r = findings_kind_##file.socket(x, i);
		FINDINGS_LIST(FINDINGS_SOCKET)
#undef FINDINGS_SOCKET
		if (r > 0)
			r = 0;
	}
	return r;
}

/* Each process but leaktop itself, through the process rules, with what
 * they share worked out once: fd usage, whether its fds head for the
 * limit and still rise (across samples, in st), the severity inputs. */
static int pass_processes(struct findings_ctx *x, struct findings_state *st)
{
	const struct findings_config *c = x->c;
	const struct sample *s = x->s;
	int32_t self = (int32_t)getpid();
	double *rose_at;
	int *rising;
	size_t i;
	int r = 0;

	if (!s->have_procs)
		return 0;
	rose_at = malloc((s->procs.n ? s->procs.n : 1) * sizeof(*rose_at));
	rising = malloc((s->procs.n ? s->procs.n : 1) * sizeof(*rising));
	if (!rose_at || !rising || fd_steps(st, s, rose_at, rising) < 0) {
		free(rose_at);
		free(rising);
		return -ENOMEM;
	}
	for (i = 0; i < s->procs.n && r == 0; i++) {
		const struct proc_info *p = &s->procs.v[i];
		struct findings_proc_view v = { .p = p, .fd_pct = findings_fd_pct(p) };

		if (p->pid == self)
			continue;	/* leaktop's own fds come and go */
		v.growing = findings_fds_growing(c, p) &&
			    fds_still_rising(c, s, p, rose_at[i], rising[i]);
		v.im.fd_pct = v.fd_pct;
		v.im.fd_left_s = v.growing ? p->exhaustion_s : -1;
		v.im.mem_available = s->mem.available;
		v.im.pressure_room = -1;
#define FINDINGS_PROCESS(id, file, value)					\
		if (r == 0 && findings_kind_##file.process)			\
			r = findings_kind_##file.process(x, &v);
		FINDINGS_LIST(FINDINGS_PROCESS)
#undef FINDINGS_PROCESS
	}
	free(rose_at);
	free(rising);
	return r;
}

/* The rules that look at the whole sample, in the list's order. */
static int pass_sample(struct findings_ctx *x)
{
	int r = 0;

#define FINDINGS_SAMPLE(id, file, value)					\
	if (r == 0 && findings_kind_##file.sample)				\
		r = findings_kind_##file.sample(x);
	FINDINGS_LIST(FINDINGS_SAMPLE)
#undef FINDINGS_SAMPLE
	return r;
}

/* A consequence whose kind says so (.names_cause) names the finding that
 * explains it most, the biggest score (the first of equals): ": the most
 * by SUBJECT (KIND)" at the end of its summary. */
static void name_causes(struct finding_list *out)
{
	size_t i, j;

	for (i = 0; i < out->n; i++) {
		struct finding *f = &out->v[i];
		const struct findings_kind_entry *e =
			findings_kind_entry((enum finding_kind)f->kind);
		const struct finding *big = NULL;
		char w[96];
		size_t len;

		if (!e || !e->names_cause)
			continue;
		for (j = 0; j < out->n; j++) {
			const struct finding *g = &out->v[j];

			if (findings_explains(g, f) && (!big || g->score > big->score))
				big = g;
		}
		len = strlen(f->summary);
		if (big && len < sizeof(f->summary))
			snprintf(f->summary + len, sizeof(f->summary) - len, ": the most by %s (%s)",
				 findings_subject(big, w, sizeof(w)),
				 findings_kind_name((enum finding_kind)big->kind));
	}
}

/* The action in s that covers f, or NULL: the first in place that f's
 * kind says covers it (its entry's .mitigated_by). */
static const struct finding_mitigation *mitigation_of(const struct sample *s,
						      const struct finding *f)
{
	const struct findings_kind_entry *e = findings_kind_entry((enum finding_kind)f->kind);
	size_t i;

	if (!e || !e->mitigated_by)
		return NULL;
	for (i = 0; i < s->nmitigations; i++) {
		const struct finding_mitigation *m = &s->mitigations[i];

		if (m->in_place == 0)
			continue;	/* undone, or its fd closed */
		if (e->mitigated_by(m, f))
			return m;
	}
	return NULL;
}

/* Positions in a list, sorted by the identity of the findings there:
 * mark_states finds the kept findings that came back by binary search.
 * Positions, not pointers: the list grows (and moves) meanwhile. */
static int cmp_pos_identity(const void *a, const void *b, void *arg)
{
	const struct finding *v = arg;

	return findings_identity_cmp(&v[*(const size_t *)a], &v[*(const size_t *)b]);
}

/* Is x the same problem as one of v[pos[0..n))? */
static int pos_has(const struct finding *v, const size_t *pos, size_t n,
		   const struct finding *x)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = findings_identity_cmp(&v[pos[mid]], x);

		if (!c)
			return 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static int keep_push(struct findings_state *st, size_t *cap, const struct finding *f,
		     double gone)
{
	if (st->nkept == *cap) {
		size_t nc = *cap ? *cap * 2 : 8;
		struct kept_finding *v = realloc(st->kept, nc * sizeof(*v));

		if (!v)
			return -ENOMEM;
		st->kept = v;
		*cap = nc;
	}
	st->kept[st->nkept].f = *f;
	st->kept[st->nkept].gone_since = gone;
	st->nkept++;
	return 0;
}

/*
 * States: suspected or confirmed from the rules; mitigated when an action
 * of leaktop's covers it (with what the samples since say in the
 * evidence); a finding confirmed in the last sample and gone in this one
 * is listed again, resolved, for resolved_keep_s.
 */
static int mark_states(const struct findings_config *c, struct findings_state *st,
		       const struct sample *s, struct finding_list *out)
{
	struct kept_finding *old = st->kept;
	size_t *now = NULL;
	size_t nold = st->nkept, cap = 0, i, j, nnow = out->n;
	char when[32];
	int r = 0;

	for (i = 0; i < out->n; i++) {
		struct finding *f = &out->v[i];
		const struct finding_mitigation *m = mitigation_of(s, f);

		f->state = f->suspected ? FINDING_SUSPECTED : FINDING_CONFIRMED;
		if (!m)
			continue;
		f->state = FINDING_MITIGATED;
		f->mitigation = m->kind;
		f->check = m->check;
		f->mitigated_at = m->time;
		snprintf(f->mitigation_note, sizeof(f->mitigation_note), "%s", m->how);
		{
			time_t t = (time_t)m->time;
			struct tm tm;
			size_t len = strlen(f->evidence);

			localtime_r(&t, &tm);
			strftime(when, sizeof(when), "%H:%M:%S", &tm);
			snprintf(f->evidence + len, sizeof(f->evidence) - len,
				 "; mitigated by %s at %s: %s",
				 actions_kind_name((enum actions_kind)m->kind), when,
				 findings_check_name((enum finding_check)m->check));
		}
	}
	/* the kept list starts over: this sample's confirmed findings, then
	 * the resolved ones that still show */
	st->kept = NULL;
	st->nkept = 0;
	for (i = 0; i < nnow && r == 0; i++)
		if (out->v[i].state != FINDING_SUSPECTED)
			r = keep_push(st, &cap, &out->v[i], 0);
	if (nold && r == 0) {
		now = malloc((nnow ? nnow : 1) * sizeof(*now));
		if (!now)
			r = -ENOMEM;
		for (i = 0; now && i < nnow; i++)
			now[i] = i;
		if (now)
			qsort_r(now, nnow, sizeof(*now), cmp_pos_identity, out->v);
	}
	for (j = 0; j < nold && r == 0; j++) {
		struct finding g;

		if (nnow && pos_has(out->v, now, nnow, &old[j].f))
			continue;	/* back: it is in this sample's list */
		g = old[j].f;
		if (!old[j].gone_since)
			old[j].gone_since = sample_steady_time(s);
		if (sample_steady_time(s) - old[j].gone_since > c->resolved_keep_s)
			continue;
		if (g.state != FINDING_RESOLVED) {
			/* it went in this sample: its wall time, shown */
			time_t t = (time_t)s->time;
			struct tm tm;
			size_t len = strlen(g.evidence);

			localtime_r(&t, &tm);
			strftime(when, sizeof(when), "%H:%M:%S", &tm);
			g.state = FINDING_RESOLVED;
			if (len + 40 < sizeof(g.evidence))
				snprintf(g.evidence + len, sizeof(g.evidence) - len,
					 "; gone since %s", when);
		}
		r = keep_push(st, &cap, &g, old[j].gone_since);
		if (r == 0) {
			struct finding *f = list_add(out);

			if (!f)
				r = -ENOMEM;
			else
				*f = g;
		}
	}
	free(now);
	free(old);
	return r;
}

static int cmp_finding(const void *a, const void *b)
{
	return findings_cmp(a, b);
}

/*
 * Under -p the owners are scanned for those processes only, so a socket
 * of any other process has no owner here: its finding would name "a
 * process leaktop cannot see" when leaktop was only told to look
 * elsewhere.  Keep the findings of -p's processes and the machine's own
 * (memory, pressure); drop the socket findings without a subject.
 */
static void scope_to_pids(const struct sample *s, struct finding_list *out)
{
	size_t i, n = 0;

	if (!s->pid_filter)
		return;
	for (i = 0; i < out->n; i++) {
		const struct finding *f = &out->v[i];
		const struct findings_kind_entry *e =
			findings_kind_entry((enum finding_kind)f->kind);
		int machine = e && e->about == FINDINGS_ABOUT_MACHINE;

		if (f->pid >= 0 || machine)
			out->v[n++] = *f;
	}
	out->n = n;
}

int findings_evaluate(const struct findings_config *c, struct findings_state *st,
		      const struct sample *s, struct finding_list *out)
{
	struct findings_ctx x = { .c = c, .s = s, .out = out, .mem = &st->mem };
	int r;

	memset(out, 0, sizeof(*out));
	st->samples++;
	r = pass_sockets(&x);
	if (r == 0)
		r = pass_processes(&x, st);
	if (r == 0)
		r = pass_sample(&x);
	findings_rule_peers_free(&x);
	if (r == 0) {
		name_causes(out);
		scope_to_pids(s, out);
		r = mark_states(c, st, s, out);
	}
	if (r == 0)
		r = findings_group(c, st->group, s, out);
	if (r < 0) {
		findings_list_free(out);
		return r;
	}
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), cmp_finding);
	return 0;
}
