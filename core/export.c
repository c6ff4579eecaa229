/*
 * The session behind the whole-session outputs (doc/exports.md): its time
 * span, the findings over every sample and the operator's actions and
 * notes.  The sinks that print it are core/out_markdown.c and
 * core/out_prom.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leaktop/export.h"

/* ---- session --------------------------------------------------------------- */

void export_session_init(struct export_session *es, const struct record_header *hdr,
			 const char *source)
{
	memset(es, 0, sizeof(*es));
	if (hdr)
		es->hdr = *hdr;
	es->source = source;
}

/* identity, then position */
static int fref_cmp(const void *a, const void *b)
{
	const struct export_fref *x = a, *y = b;
	int r = findings_identity_cmp(x->f, y->f);

	if (r)
		return r;
	return (x->i > y->i) - (x->i < y->i);
}

struct export_fref *export_fref_sorted(const struct finding *v, size_t n)
{
	struct export_fref *r = reallocarray(NULL, n ? n : 1, sizeof(*r));
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
		int c = findings_identity_cmp(&es->findings[es->byid[mid]].f, x);

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

/* The evidence of an open occurrence x at time t: the first, the peak
 * (the highest score; the earliest among equals) and the last. */
static void note_figures(struct export_finding *ef, const struct finding *x, double t)
{
	if (!ef->last_open_at) {
		memcpy(ef->ev_first, x->evidence, sizeof(ef->ev_first));
		ef->ev_first[sizeof(ef->ev_first) - 1] = '\0';
	}
	if (!ef->peak_at || x->score > ef->peak_score) {
		memcpy(ef->ev_peak, x->evidence, sizeof(ef->ev_peak));
		ef->ev_peak[sizeof(ef->ev_peak) - 1] = '\0';
		ef->peak_score = x->score;
		ef->peak_at = t;
	}
	memcpy(ef->ev_last, x->evidence, sizeof(ef->ev_last));
	ef->ev_last[sizeof(ef->ev_last) - 1] = '\0';
	ef->last_open_at = t;
}

int export_finding_brief(const struct export_finding *ef)
{
	return !ef->at_end && !ef->confirmed_at && !ef->mitigated_at && !ef->resolved_at;
}

/*
 * The rules, the same whatever the number of findings:
 * - a session finding is created by the first occurrence of its identity
 *   (findings_identity_cmp), and the session keeps them in the order they were
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
	struct export_fref *ref = NULL;
	size_t *to = NULL, *lead = NULL;
	int r = -ENOMEM;

	/*
	 * to[i]: the session finding v[i] goes to; while it is >= n0, v[i]
	 * is not in the session yet and to[i] - n0 is the first of its
	 * group.  lead: the first of each new group, in identity order.
	 */
	if (n) {
		ref = export_fref_sorted(v, n);
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
			for (e = g; e < n && !findings_identity_cmp(ref[e].f, ref[g].f); e++)
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
				ef->first_severity = x->severity;
				ef->worst_at = s->time;
				to[i] = es->nfindings++;
			} else {
				to[i] = to[to[i] - n0];	/* its first is before it */
			}
		}
		ef = &es->findings[to[i]];
		/* confirmed: sure of it (an old recording's finding may carry
		 * no state but its suspicion) */
		if ((x->state == FINDING_CONFIRMED ||
		     (!x->suspected && x->state != FINDING_RESOLVED)) && !ef->confirmed_at)
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
		if (x->severity > ef->f.severity)
			ef->worst_at = s->time;
		if (x->state != FINDING_RESOLVED)
			note_figures(ef, x, s->time);
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

		if (a && findings_identity_cmp(&es->findings[es->byid[a - 1]].f, &es->findings[b].f) > 0)
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
