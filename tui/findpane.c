/*
 * The Findings pane: what the triage rules make of the current sample,
 * most severe first: severity (coloured), whether it is still only
 * suspected, kind, subject (pid/fd and command), the safe action and the
 * one-sentence summary.  Enter opens the evidence view (evview.c); 'a'
 * opens the action menu on the finding's subject with its suggested
 * action pre-selected.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "evview.h"
#include "findpane.h"
#include "format.h"
#include "leaktop/actions.h"
#include "leaktop/common.h"
#include "leaktop/findings.h"
#include "leaktop/sample.h"
#include "table.h"
#include "tui.h"

enum { COL_SEV, COL_STATE, COL_KIND, COL_SUBJECT, COL_COMM, COL_ACTION, COL_SUMMARY, NCOLS };

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

int findpane_severity_elem(int severity)
{
	switch (severity) {
	case FINDING_CRITICAL:
		return THEME_FINDING_CRITICAL;
	case FINDING_WARNING:
		return THEME_FINDING_WARNING;
	default:
		return THEME_FINDING_INFO;
	}
}

static const struct finding *finding_of(const struct tui *t, uint32_t row)
{
	return &t->cur.findings.v[row];
}

static size_t find_count(struct table *tb, const struct tui *t)
{
	(void)tb;
	return t->have ? t->cur.findings.n : 0;
}

static size_t find_rows(struct table *tb, const struct tui *t, uint32_t *rows, size_t max)
{
	size_t i, n = find_count(tb, t);

	for (i = 0; i < n && i < max; i++)
		rows[i] = (uint32_t)i;
	return i;
}

static void find_cell(struct table *tb, const struct tui *t, uint32_t row, int col,
		      char *buf, size_t sz)
{
	const struct finding *f = finding_of(t, row);

	(void)tb;
	switch (col) {
	case COL_SEV:
		snprintf(buf, sz, "%s", findings_severity_name(f->severity));
		break;
	case COL_STATE:
		/* a mitigation that does not work is the state to see */
		snprintf(buf, sz, "%s", f->state == FINDING_MITIGATED &&
			 f->check == FINDING_CHECK_FAILS ? "no effect" :
			 findings_state_name((enum finding_state)f->state));
		break;
	case COL_KIND:
		snprintf(buf, sz, "%s", findings_kind_name(f->kind));
		break;
	case COL_SUBJECT:
		if (f->pid < 0)
			snprintf(buf, sz, "system");
		else if (f->fd >= 0)
			snprintf(buf, sz, "%d/%d", (int)f->pid, (int)f->fd);
		else
			snprintf(buf, sz, "%d", (int)f->pid);
		break;
	case COL_COMM:
		lt_sanitize(f->pid >= 0 ? f->comm : "", buf, sz);
		break;
	case COL_ACTION:
		snprintf(buf, sz, "%s", f->action ? actions_kind_name((enum actions_kind)f->action) :
			 "-");
		break;
	case COL_SUMMARY: {
		/* what it is linked to, after the sentence */
		const struct finding_list *l = &t->cur.findings;
		size_t ix[2], n = 0, len;
		int eff = 0;

		/* the summary without who: the PID/FD and COMMAND columns say it */
		format_safe(f->summary, 0, buf, sz);
		if (row < l->n) {
			n = findings_links(l->v, l->n, row, 0, ix, 2);
			if (!n) {
				n = findings_links(l->v, l->n, row, 1, ix, 2);
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

static int find_cmp(struct table *tb, const struct tui *t, uint32_t a, uint32_t b, int col)
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
	/* the finding's identity, as core hashes it */
	struct table_key k = { findings_hash(f), f->inode };

	(void)tb;
	return k;
}

static int find_elem(struct table *tb, const struct tui *t, uint32_t row, int col)
{
	const struct finding *f = finding_of(t, row);

	(void)tb;
	if (col == COL_SEV)
		return findpane_severity_elem(f->severity);
	if (col == COL_STATE && f->state == FINDING_MITIGATED && f->check == FINDING_CHECK_FAILS)
		return THEME_FINDING_CRITICAL;
	if (col == COL_STATE && f->suspected)
		return THEME_MUTED;
	if (col < 0 && (f->severity == FINDING_INFO || f->state == FINDING_RESOLVED))
		return THEME_MUTED;
	return -1;
}

static void find_enter(struct table *tb, struct tui *t, uint32_t row)
{
	(void)tb;
	tui_push(t, evview_new(t, finding_of(t, row)));
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
	size_t crit, warn, info;

	(void)tb;
	if (!t->have) {
		snprintf(buf, sz, "waiting for the first sample");
		return;
	}
	findings_open_counts(&t->cur.findings, &crit, &warn, &info);
	if (!t->cur.findings.n) {
		snprintf(buf, sz, "no leaks found after %u sample%s: no socket queue grows "
			 "unread, no process leaks fds or sockets", t->cur.seq,
			 t->cur.seq == 1 ? "" : "s");
		return;
	}
	snprintf(buf, sz, "%s%zu finding%s, most severe first: %zu critical, %zu warning, "
		 "%zu info.  Enter: evidence%s",
		 findings_any_leak(&t->cur.findings) ? "" : "no leaks found; ",
		 t->cur.findings.n, t->cur.findings.n == 1 ? "" : "s", crit, warn, info,
		 tui_no_actions(t) ? "" : ", a: act on it");
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
};
