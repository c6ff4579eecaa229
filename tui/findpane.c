/*
 * The Findings pane: what the triage rules make of the current sample,
 * most severe first: severity (coloured), whether it is still only
 * suspected, kind, subject (pid/fd and command), the safe action and the
 * one-sentence summary, led by the unit or container that holds it.
 * Enter opens the evidence view (evview.c); 'a' opens the action menu on
 * the finding's subject with its suggested action pre-selected.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "findpane.h"
#include "options.h"
#include "format.h"
#include "leaktop/actions.h"
#include "leaktop/common.h"
#include "leaktop/findings.h"
#include "leaktop/sample.h"
#include "rows.h"
#include "table.h"
#include "tui.h"

enum { COL_SEV, COL_STATE, COL_KIND, COL_SUBJECT, COL_COMM, COL_ACTION, COL_SUMMARY, NCOLS };

/* the summary names the finding's cgroup from this many columns on */
#define FIND_NAME_MINW 80

static const struct table_col cols[NCOLS] = {
	/* every column stays at 80 columns: the narrow ones abbreviate (with
	 * a mark), the summary keeps its subject, size and time left */
	[COL_SEV] = { "SEVERITY", 8, 8, 0, 0, 1, 0 },
	[COL_STATE] = { "STATE", 5, 9, 0, 4, 0, 0 },
	[COL_KIND] = { "KIND", 9, 13, 0, 2, 0, 0 },
	[COL_SUBJECT] = { "PID/FD", 10, 10, 0, 1, 0, 0 },
	[COL_COMM] = { "COMMAND", 8, 12, 0, 3, 0, 0 },
	[COL_ACTION] = { "ACTION", 8, 14, 0, 5, 0, 0 },
	/* the rest of the line */
	[COL_SUMMARY] = { "SUMMARY", 25, 400, 0, 0, 0, 1 },
};

/*
 * One row per problem: a group (findings_group in core) is one row, and
 * Right opens it to its members, indented under it, Left folds them again
 * (as htop's tree and ncdu do).  A row is an index into the findings, or
 * MEMBER | an index into the list's members.  Open groups are remembered
 * by identity (findings_hash), so a group stays open across samples.
 */
#define MEMBER 0x80000000u
#define MAX_OPEN 64

struct find_data {
	uint64_t open[MAX_OPEN];	/* findings_hash of the open groups */
	size_t nopen;
	/* the links of the current findings, indexed once per sample
	 * (findings_links_index): what each row's summary names */
	struct findings_links_ix *links;
	const struct finding *links_v;	/* the list it indexes */
	size_t links_n;
};

/* The links index of t's findings, or NULL (findings_links_at then scans). */
static const struct findings_links_ix *links_of(const struct table *tb, const struct tui *t)
{
	const struct find_data *d = tb->data;

	if (!d || d->links_v != t->cur.findings.v || d->links_n != t->cur.findings.n)
		return NULL;
	return d->links;
}

static const struct finding *finding_of(const struct tui *t, uint32_t row)
{
	if (row & MEMBER)
		return &t->cur.findings.members[row & ~MEMBER];
	return &t->cur.findings.v[row];
}

/* The group (an index into v) that member row belongs to; row itself for
 * a finding of the list. */
static uint32_t parent_of(const struct tui *t, uint32_t row)
{
	const struct finding_list *l = &t->cur.findings;
	uint32_t m = row & ~MEMBER;
	size_t i;

	if (!(row & MEMBER))
		return row;
	for (i = 0; i < l->n; i++)
		if (l->v[i].member_n && m >= l->v[i].member_first &&
		    m < l->v[i].member_first + l->v[i].member_n)
			return (uint32_t)i;
	return 0;
}

static int is_open(const struct table *tb, const struct finding *f)
{
	const struct find_data *d = tb->data;
	uint64_t h = findings_hash(f);
	size_t i;

	for (i = 0; d && i < d->nopen; i++)
		if (d->open[i] == h)
			return 1;
	return 0;
}

static size_t find_count(struct table *tb, const struct tui *t)
{
	(void)tb;
	return t->have ? t->cur.findings.n + t->cur.findings.nmembers : 0;
}

static size_t find_rows(struct table *tb, const struct tui *t, uint32_t *rows, size_t max)
{
	const struct finding_list *l = &t->cur.findings;
	size_t i, k, n = 0;

	if (!t->have)
		return 0;
	for (i = 0; i < l->n && n < max; i++) {
		const struct finding *f = &l->v[i];

		rows[n++] = (uint32_t)i;
		if (!f->member_n || !is_open(tb, f))
			continue;
		for (k = 0; k < f->member_n && n < max; k++)
			rows[n++] = MEMBER | (f->member_first + (uint32_t)k);
	}
	return n;
}

static void find_cell(struct table *tb, const struct tui *t, uint32_t row, int col,
		      char *buf, size_t sz)
{
	const struct finding *f = finding_of(t, row);

	switch (col) {
	case COL_SEV:
		snprintf(buf, sz, "%s", findings_severity_name(f->severity));
		break;
	case COL_STATE:
		/* a mitigation that does not work is the state to see */
		snprintf(buf, sz, "%s", findings_state_word(f));
		break;
	case COL_KIND:
		snprintf(buf, sz, "%s", findings_kind_name(f->kind));
		break;
	case COL_SUBJECT:
	case COL_COMM: {
		/* who, in core's words (findings_subject_cells); a member is
		 * indented under its group */
		char id[32], comm[64];

		findings_subject_cells(f, id, sizeof(id), comm, sizeof(comm));
		if (col == COL_COMM)
			snprintf(buf, sz, "%s", comm);
		else
			snprintf(buf, sz, "%s%s", row & MEMBER ? "  " : "", id);
		break;
	}
	case COL_ACTION:
		snprintf(buf, sz, "%s", f->action ? actions_kind_name((enum actions_kind)f->action) :
			 "-");
		break;
	case COL_SUMMARY: {
		/* what it is linked to, after the sentence */
		const struct finding_list *l = &t->cur.findings;
		size_t ix[2], n = 0, len;
		int eff = 0;

		/* the summary without who: the PID/FD and COMMAND columns say it;
		 * a group says whether Right opens it; where the column has
		 * room for it, the unit or container leads
		 * (sample_cgroup_to_name; the strip names it at every width),
		 * a member's is its group's */
		int w = tb->w[col] > 0 ? tb->w[col] : cols[col].minw;
		const struct sample_cgroup *g = row & MEMBER || w < FIND_NAME_MINW ? NULL :
						sample_cgroup_to_name(&t->cur, f);
		char s2[4 * sizeof(f->summary)], in[200] = "";

		if (g) {
			/* at most a quarter of the column: the sentence's facts
			 * keep the rest */
			char safe[160], cut[160];

			lt_sanitize(g->name.label, safe, sizeof(safe));
			format_abbrev(safe, w / 4 > 8 ? w / 4 : 8, t->utf8, cut, sizeof(cut));
			snprintf(in, sizeof(in), "%s: ", cut);
		}
		format_safe(f->summary, 0, s2, sizeof(s2));
		if (f->member_n && !(row & MEMBER))
			snprintf(buf, sz, "[%c] %s%s", is_open(tb, f) ? '-' : '+', in, s2);
		else
			snprintf(buf, sz, "%s%s", in, s2);
		if (!(row & MEMBER) && row < l->n) {
			n = findings_links_at(links_of(tb, t), l->v, l->n, row, 0, ix, 2);
			if (!n) {
				n = findings_links_at(links_of(tb, t), l->v, l->n, row, 1, ix, 2);
				eff = 1;
			}
		}
		len = strlen(buf);
		if (n && len + 40 < sz)
			snprintf(buf + len, sz - len, "  [%s %s%s]", eff ? "leads to" : "caused by",
				 findings_kind_name(l->v[ix[0]].kind), n > 1 ? ", ..." : "");
		break;
	}
	default:
		buf[0] = '\0';
		break;
	}
}

#define CMP(a, b) (((a) > (b)) - ((a) < (b)))

static int find_cmp_rows(struct table *tb, const struct tui *t, uint32_t a, uint32_t b,
			 int col);

/* Members stay under their group whatever the sort: groups compare as
 * their rows do; under one group, the group first, then its members in
 * core's order (worst first), in either direction of the sort. */
static int find_cmp(struct table *tb, const struct tui *t, uint32_t a, uint32_t b, int col)
{
	uint32_t pa = parent_of(t, a), pb = parent_of(t, b);
	int dir = tb->sort_desc ? -1 : 1;

	if (!((a | b) & MEMBER))
		return find_cmp_rows(tb, t, a, b, col);
	if (pa != pb) {
		int c = find_cmp_rows(tb, t, pa, pb, col);

		return c ? c : dir * ((pa > pb) - (pa < pb));
	}
	if (!(a & MEMBER))
		return -dir;
	if (!(b & MEMBER))
		return dir;
	return dir * ((a > b) - (a < b));
}

static int find_cmp_rows(struct table *tb, const struct tui *t, uint32_t a, uint32_t b,
			 int col)
{
	const struct finding *fa = finding_of(t, a), *fb = finding_of(t, b);
	char x[512], y[512];
	int c;

	switch (col) {
	case COL_SEV:
		/* the column sorts descending: the core's order, most urgent first */
		return -findings_cmp(fa, fb);
	case COL_STATE:
		return CMP(fa->state, fb->state);
	case COL_SUBJECT:
		c = CMP(fa->pid, fb->pid);
		return c ? c : CMP(fa->fd, fb->fd);
	default:
		find_cell(tb, t, a, col, x, sizeof(x));
		find_cell(tb, t, b, col, y, sizeof(y));
		return strcmp(x, y);
	}
}

static struct table_key find_key(struct table *tb, const struct tui *t, uint32_t row)
{
	const struct finding *f = finding_of(t, row);
	/* the finding's identity, as core hashes it (a member's is its own) */
	struct table_key k = { findings_hash(f), f->inode | (row & MEMBER ? 1ull << 63 : 0) };

	(void)tb;
	return k;
}

static int find_elem(struct table *tb, const struct tui *t, uint32_t row, int col)
{
	const struct finding *f = finding_of(t, row);

	(void)tb;
	if (col == COL_SEV)
		return rows_severity_elem(f->severity);
	if (col == COL_STATE && findings_mitigation_fails(f))
		return THEME_FINDING_CRITICAL;
	if (col == COL_STATE && findings_is_suspected(f))
		return THEME_MUTED;
	if (col < 0 && (f->severity == FINDING_INFO || f->state == FINDING_RESOLVED))
		return THEME_MUTED;
	return -1;
}

/* Open (Right) or fold (Left) the group on the selected row, or the
 * group of the selected member; the selection stays on the group. */
static int find_keypress(struct table *tb, struct tui *t, int ch)
{
	struct find_data *d = tb->data;
	const struct finding *g;
	int64_t sel = table_selected(tb);
	uint32_t row;
	uint64_t h;
	size_t i;

	if (ch != KEY_RIGHT && ch != KEY_LEFT)
		return 0;
	if (sel < 0 || !t->have)
		return 1;
	row = parent_of(t, (uint32_t)sel);
	g = finding_of(t, row);
	if (!g->member_n) {
		tui_set_status(t, THEME_STATUS, "this finding is about one %s: it has no "
			       "members to open", g->fd >= 0 ? "socket" : "subject");
		return 1;
	}
	if (!d) {
		d = tb->data = calloc(1, sizeof(*d));
		if (!d)
			return 1;
	}
	h = findings_hash(g);
	for (i = 0; i < d->nopen && d->open[i] != h; i++)
		;
	if (ch == KEY_RIGHT && i == d->nopen && d->nopen < MAX_OPEN)
		d->open[d->nopen++] = h;
	else if (ch == KEY_LEFT && i < d->nopen)
		d->open[i] = d->open[--d->nopen];
	table_rebuild(tb, t);
	table_select_key(tb, t, find_key(tb, t, row));
	tui_set_status(t, THEME_STATUS, ch == KEY_RIGHT ?
		       "%u members shown under their finding; Left folds them" :
		       "%u members folded; Right opens them", (unsigned)g->nmembers);
	return 1;
}

/* A new sample: index its findings' links once (O(F log F)), not per row. */
static void find_reload(struct table *tb, struct tui *t)
{
	struct find_data *d = tb->data;

	if (!d) {
		d = tb->data = calloc(1, sizeof(*d));
		if (!d)
			return;
	}
	findings_links_index_free(d->links);
	d->links = NULL;
	d->links_v = NULL;
	d->links_n = 0;
	if (!t->have)
		return;
	/* out of memory: no index, and links_of's NULL scans instead */
	d->links = findings_links_index(t->cur.findings.v, t->cur.findings.n);
	d->links_v = t->cur.findings.v;
	d->links_n = t->cur.findings.n;
}

static void find_free(void *data)
{
	struct find_data *d = data;

	if (d)
		findings_links_index_free(d->links);
	free(d);
}

static void find_enter(struct table *tb, struct tui *t, uint32_t row)
{
	(void)tb;
	tui_open(t, &(struct tui_ref){ .kind = TUI_REF_FINDING,
				       .finding = finding_of(t, row) });
}

static int find_target(struct table *tb, const struct tui *t, uint32_t row,
		       struct tui_target *out)
{
	const struct finding *f = finding_of(t, row);
	enum actions_kind k = (enum actions_kind)f->action;

	(void)tb;
	if (f->pid < 0)
		return -1;
	if (f->fd >= 0 && f->inode)
		return tui_target_init(t, f->pid, f->fd, f->inode, f->netns, k, out);
	return tui_target_init(t, f->pid, -1, 0, 0, k, out);
}

static void find_note(struct table *tb, const struct tui *t, char *buf, size_t sz)
{
	char verdict[96];

	(void)tb;
	if (!t->have) {
		snprintf(buf, sz, "waiting for the first sample");
		return;
	}
	if (!t->cur.findings.n) {
		unsigned need = 0;

		/* no verdict before the samples it needs (findings_verdict) */
		if (findings_verdict(&t->o->thresholds, &t->cur.findings, t->cur.seq, &need) ==
		    FINDINGS_WAITING)
			snprintf(buf, sz, "no findings yet: waiting for %u more sample%s "
				 "before a verdict", need, need == 1 ? "" : "s");
		else
			snprintf(buf, sz, "no leaks found after %u sample%s: no socket queue "
				 "grows unread, no process leaks fds or sockets", t->cur.seq,
				 t->cur.seq == 1 ? "" : "s");
		return;
	}
	/* the counts in the header's words, so the two never differ */
	rows_verdict(&t->cur, &t->o->thresholds, verdict, sizeof(verdict));
	snprintf(buf, sz, "%zu finding%s, most severe first: %s.  Enter: evidence%s%s",
		 t->cur.findings.n, t->cur.findings.n == 1 ? "" : "s", verdict,
		 tui_no_actions(t) ? "" : ", a: act on it",
		 t->cur.findings.nmembers ? ", Right/Left: open/fold a group" : "");
}

const struct table_desc findpane_desc = {
	.name = "Findings",
	.cols = cols,
	.ncols = NCOLS,
	.sort_col = COL_SEV,
	.rows = find_rows,
	.count = find_count,
	.cell = find_cell,
	.cmp = find_cmp,
	.key = find_key,
	.elem = find_elem,
	.enter = find_enter,
	.note = find_note,
	.target = find_target,
	.keypress = find_keypress,
	.reload = find_reload,
	.free_data = find_free,
};
