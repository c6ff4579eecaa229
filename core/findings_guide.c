/*
 * The table of kinds and what reads it: FINDINGS_LIST expanded into one
 * entry per kind (core/findings/<kind>.c), and the words and links every
 * output takes from the entries: whether a finding has a subject, its
 * sentence, which finding explains which (and the index that answers it
 * for a whole list), the next steps.  Pure functions of a finding or a
 * list, so they work on recordings too.  Above the kinds' files, below
 * grouping and evaluation (core/findings_int.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leaktop/actions.h"
#include "leaktop/findings.h"
#include "findings/findings_int.h"

static const struct findings_kind_entry *const kinds[FINDING_NKINDS] = {
#define FINDINGS_SLOT(id, file, value) [FINDING_##id] = &findings_kind_##file,
	FINDINGS_LIST(FINDINGS_SLOT)
#undef FINDINGS_SLOT
};

const struct findings_kind_entry *findings_kind_entry(enum finding_kind k)
{
	return (unsigned)k < FINDING_NKINDS ? kinds[k] : NULL;
}

int findings_kind_has_run_state(enum finding_kind k)
{
	const struct findings_kind_entry *e = findings_kind_entry(k);

	return e && e->run_state;
}

enum findings_origin_scope findings_kind_origin_scope(enum finding_kind k)
{
	const struct findings_kind_entry *e = findings_kind_entry(k);

	return e ? e->origin : FINDINGS_ORIGIN_NONE;
}

int findings_has_subject(const struct finding *f)
{
	const struct findings_kind_entry *e = findings_kind_entry((enum finding_kind)f->kind);

	if (!e)
		return 0;
	switch (e->about) {
	case FINDINGS_ABOUT_PROCESS:
		return 1;
	case FINDINGS_ABOUT_PROCESS_SEEN:
		return f->pid >= 0;	/* else the peers are remote: no one */
	case FINDINGS_ABOUT_MACHINE:
		break;
	}
	return 0;
}

int findings_action_covers(const struct finding *f, int kind, int pid, int fd,
			   uint64_t inode)
{
	const struct findings_kind_entry *e = findings_kind_entry((enum finding_kind)f->kind);
	struct finding_mitigation m;
	int k;

	if (!e || !e->mitigated_by)
		return 0;
	for (k = ACTIONS_NONE + 1; k < ACTIONS_NKINDS; k++)
		if (actions_kind_undo((enum actions_kind)k) == (enum actions_kind)kind) {
			kind = k;
			break;
		}
	memset(&m, 0, sizeof(m));
	m.kind = (uint8_t)kind;
	m.in_place = 1;
	m.pid = pid;
	m.fd = fd;
	m.inode = inode;
	return e->mitigated_by(&m, f);
}

void findings_subject_cells(const struct finding *f, char *id, size_t idsz, char *comm,
			    size_t commsz)
{
	if (f->pid >= 0 && f->fd >= 0)
		snprintf(id, idsz, "%d/%d", (int)f->pid, (int)f->fd);
	else if (f->pid >= 0)
		snprintf(id, idsz, "%d", (int)f->pid);
	else
		snprintf(id, idsz, "%s", findings_has_subject(f) ? "hidden" : "system");
	if (f->pid >= 0)
		lt_sanitize(f->comm, comm, commsz);
	else
		snprintf(comm, commsz, "%s", findings_has_subject(f) ? "run as root" : "");
}

char *findings_summary(const struct finding *f, char *out, size_t outsz)
{
	char who[96];

	if (!findings_has_subject(f) || f->summary_whole)
		snprintf(out, outsz, "%s", f->summary);
	else
		snprintf(out, outsz, "%s %s", findings_subject(f, who, sizeof(who)),
			 f->summary);
	return out;
}

void findings_summary_from_sentence(struct finding *f)
{
	char who[96];
	size_t n;

	f->summary_whole = 0;
	if (!findings_has_subject(f))
		return;
	findings_subject(f, who, sizeof(who));
	n = strlen(who);
	if (strncmp(f->summary, who, n) || f->summary[n] != ' ') {
		f->summary_whole = 1;
		return;
	}
	memmove(f->summary, f->summary + n + 1, strlen(f->summary + n + 1) + 1);
}

/* Do c and e agree on key?  (The link's kinds are checked apart.) */
static int link_holds(enum findings_link_key key, const struct finding *c,
		      const struct finding *e)
{
	switch (key) {
	case FINDINGS_LINK_ANY:
		return 1;
	case FINDINGS_LINK_PID:
		return c->pid == e->pid && c->pid >= 0;
	case FINDINGS_LINK_PID_FD:
		return c->pid == e->pid && c->fd == e->fd && c->pid >= 0;
	case FINDINGS_LINK_SOCKET:
		return c->inode == e->inode && c->netns == e->netns && c->inode;
	case FINDINGS_LINK_END:
		break;
	}
	return 0;
}

/* Does c explain e?  The links of c's kind (its entry's .explains). */
int findings_explains(const struct finding *c, const struct finding *e)
{
	const struct findings_kind_entry *k = findings_kind_entry((enum finding_kind)c->kind);
	size_t j;

	if (!k || c == e || c->state == FINDING_RESOLVED || e->state == FINDING_RESOLVED)
		return 0;
	for (j = 0; j < FINDINGS_MAX_LINKS && k->explains[j].key != FINDINGS_LINK_END; j++)
		if (k->explains[j].kind == e->kind &&
		    link_holds((enum findings_link_key)k->explains[j].key, c, e))
			return 1;
	return 0;
}

size_t findings_links(const struct finding *v, size_t n, size_t i, int want_effects,
		      size_t *out, size_t max)
{
	size_t j, k = 0;

	if (i >= n)
		return 0;
	for (j = 0; j < n; j++) {
		int hit = want_effects ? findings_explains(&v[i], &v[j]) : findings_explains(&v[j], &v[i]);

		if (!hit)
			continue;
		if (k < max)
			out[k] = j;
		k++;
	}
	return k;
}

/*
 * The index behind findings_links_at.  findings_explains links a cause c
 * to an effect e by one link of c's kind: a rule that pairs that cause
 * kind with one effect kind and asks equal keys (a pid, a pid and fd, a
 * socket, or nothing).  For each rule and side the index keeps the open
 * findings of that side, sorted by (key, position), so the findings linked
 * to one are a range found by binary search, already in list order.
 */
#define LX_NRULES (FINDING_NKINDS * FINDINGS_MAX_LINKS)
_Static_assert(LX_NRULES <= 256, "a rule's number is a uint8_t");

struct lx_ent {
	uint64_t a, b;		/* the rule's key */
	size_t i;		/* position in the list */
};

struct findings_links_ix {
	const struct finding *v;
	size_t n;
	struct lx_ent *e;
	size_t lo[LX_NRULES][2], hi[LX_NRULES][2];	/* [rule][0 cause, 1 effect] */
	/* the rules a kind is on side 0 (cause) or 1 (effect) of */
	uint8_t rules[FINDING_NKINDS][2][LX_NRULES];
	uint8_t nrules[FINDING_NKINDS][2];
};

/* Is f on side (0 cause, 1 effect) of rule r (the link r % MAX of kind
 * r / MAX)?  Its key into *a, *b.  The conditions of findings_explains,
 * split by side. */
static int lx_side(const struct finding *f, int r, int side, uint64_t *a, uint64_t *b)
{
	const struct findings_kind_entry *k = findings_kind_entry((enum finding_kind)(r / FINDINGS_MAX_LINKS));
	const struct findings_link *l;

	*a = *b = 0;
	if (!k || f->state == FINDING_RESOLVED)
		return 0;
	l = &k->explains[r % FINDINGS_MAX_LINKS];
	if (l->key == FINDINGS_LINK_END)
		return 0;
	if (side ? f->kind != l->kind : f->kind != k->kind)
		return 0;
	switch ((enum findings_link_key)l->key) {
	case FINDINGS_LINK_ANY:
		return 1;
	case FINDINGS_LINK_PID:
		*a = (uint64_t)(int64_t)f->pid;
		return f->pid >= 0;
	case FINDINGS_LINK_PID_FD:
		*a = (uint64_t)(int64_t)f->pid;
		*b = (uint64_t)(int64_t)f->fd;
		return f->pid >= 0;
	case FINDINGS_LINK_SOCKET:
		*a = f->inode;
		*b = f->netns;
		return f->inode != 0;
	case FINDINGS_LINK_END:
		break;
	}
	return 0;
}

static int lx_cmp(const void *x, const void *y)
{
	const struct lx_ent *p = x, *q = y;

	if (p->a != q->a)
		return p->a < q->a ? -1 : 1;
	if (p->b != q->b)
		return p->b < q->b ? -1 : 1;
	return (p->i > q->i) - (p->i < q->i);
}

/* The rules of findings of kind k on side (0 cause, 1 effect). */
static const uint8_t *lx_rules(const struct findings_links_ix *ix, unsigned k, int side,
			       size_t *n)
{
	*n = k < FINDING_NKINDS ? ix->nrules[k][side] : 0;
	return k < FINDING_NKINDS ? ix->rules[k][side] : NULL;
}

struct findings_links_ix *findings_links_index(const struct finding *v, size_t n)
{
	struct findings_links_ix *ix = calloc(1, sizeof(*ix));
	size_t i, j, nr, m = 0, at[LX_NRULES][2];
	const uint8_t *rs;
	uint64_t a, b;
	int r, side;

	if (!ix)
		return NULL;
	ix->v = v;
	ix->n = n;
	for (r = 0; r < LX_NRULES; r++) {
		const struct findings_kind_entry *k =
			findings_kind_entry((enum finding_kind)(r / FINDINGS_MAX_LINKS));
		const struct findings_link *l = k ? &k->explains[r % FINDINGS_MAX_LINKS] : NULL;

		if (!l || l->key == FINDINGS_LINK_END || l->kind >= FINDING_NKINDS)
			continue;
		ix->rules[k->kind][0][ix->nrules[k->kind][0]++] = (uint8_t)r;
		ix->rules[l->kind][1][ix->nrules[l->kind][1]++] = (uint8_t)r;
	}
	/* how many entries each rule and side holds, then where they go */
	memset(at, 0, sizeof(at));
	for (i = 0; i < n; i++)
		for (side = 0; side < 2; side++)
			for (rs = lx_rules(ix, v[i].kind, side, &nr), j = 0; j < nr; j++)
				at[rs[j]][side] += (size_t)lx_side(&v[i], rs[j], side, &a, &b);
	for (r = 0; r < LX_NRULES; r++)
		for (side = 0; side < 2; side++) {
			ix->lo[r][side] = ix->hi[r][side] = m;
			m += at[r][side];
		}
	ix->e = malloc((m ? m : 1) * sizeof(*ix->e));
	if (!ix->e) {
		free(ix);
		errno = ENOMEM;
		return NULL;
	}
	for (i = 0; i < n; i++)
		for (side = 0; side < 2; side++)
			for (rs = lx_rules(ix, v[i].kind, side, &nr), j = 0; j < nr; j++)
				if (lx_side(&v[i], rs[j], side, &a, &b))
					ix->e[ix->hi[rs[j]][side]++] = (struct lx_ent){ a, b, i };
	for (r = 0; r < LX_NRULES; r++)
		for (side = 0; side < 2; side++)
			qsort(ix->e + ix->lo[r][side], ix->hi[r][side] - ix->lo[r][side],
			      sizeof(*ix->e), lx_cmp);
	return ix;
}

void findings_links_index_free(struct findings_links_ix *ix)
{
	if (!ix)
		return;
	free(ix->e);
	free(ix);
}

/* The first entry in [lo, hi) whose key is not below (a, b) (with
 * strictly: above it). */
static size_t lx_bound(const struct lx_ent *e, size_t lo, size_t hi, uint64_t a, uint64_t b,
		       int strictly)
{
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int below = e[mid].a != a ? e[mid].a < a : strictly ? e[mid].b <= b : e[mid].b < b;

		if (below)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

size_t findings_links_at(const struct findings_links_ix *ix, const struct finding *v,
			 size_t n, size_t i, int causes, size_t *out, size_t max)
{
	size_t from[LX_NRULES], to[LX_NRULES], k = 0, total = 0, j, nrs;
	int r, nr = 0, mine, theirs;
	const uint8_t *rs;
	uint64_t a, b;

	if (!ix)
		return findings_links(v, n, i, causes, out, max);
	if (i >= ix->n)
		return 0;
	/* causes=1 asks what v[i] causes: v[i] on the cause side of each rule,
	 * its links on the effect side; causes=0 the other way round */
	mine = causes ? 0 : 1;
	theirs = !mine;
	for (rs = lx_rules(ix, ix->v[i].kind, mine, &nrs), j = 0; j < nrs; j++) {
		r = rs[j];
		if (!lx_side(&ix->v[i], r, mine, &a, &b))
			continue;
		from[nr] = lx_bound(ix->e, ix->lo[r][theirs], ix->hi[r][theirs], a, b, 0);
		to[nr] = lx_bound(ix->e, from[nr], ix->hi[r][theirs], a, b, 1);
		total += to[nr] - from[nr];
		nr++;
	}
	/* the rules' ranges hold different kinds: merge them in list order */
	while (k < max) {
		int best = -1;

		for (r = 0; r < nr; r++)
			if (from[r] < to[r] &&
			    (best < 0 || ix->e[from[r]].i < ix->e[from[best]].i))
				best = r;
		if (best < 0)
			break;
		out[k++] = ix->e[from[best]++].i;
	}
	return total;
}

size_t findings_next_steps(const struct finding *f, char *out, size_t outsz)
{
	const struct findings_kind_entry *e = findings_kind_entry((enum finding_kind)f->kind);
	/* a group's commands name its worst member */
	struct findings_steps st = {
		.out = out, .outsz = outsz, .pid = f->pid,
		.fd = f->nmembers ? f->worst_fd : f->fd,
		.ino = (unsigned long long)(f->nmembers ? f->worst_inode : f->inode),
	};

	if (!outsz)
		return 0;
	out[0] = '\0';
	if (e && e->next_steps)
		e->next_steps(f, &st);
	return st.n;
}
