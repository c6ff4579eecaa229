/*
 * The findings strip: the triage's most severe open findings stay in sight
 * above whichever pane is shown.  From TUI_STRIP_TALL rows it lists three
 * (severity, state, summary, action); below, one line says how many of the
 * top one's severity there are, the top one and its action.  A summary too
 * long for its line keeps its subject, size and time left (format_brief);
 * the unit or container that holds it leads, in brackets.  '!' (or a
 * click on it) opens a finding's evidence view.
 * Resolved findings are not shown: they no longer need anyone.
 */
#include <stdio.h>
#include <string.h>

#include "draw.h"
#include "format.h"
#include "leaktop/actions.h"
#include "leaktop/common.h"
#include "leaktop/findings.h"
#include "leaktop/sample.h"
#include "rows.h"
#include "strip.h"
#include "tui.h"

/* The i-th open (not resolved) finding of the current sample, or NULL. */
static const struct finding *open_finding(const struct tui *t, int i)
{
	size_t k;

	if (!t->have)
		return NULL;
	for (k = 0; k < t->cur.findings.n; k++) {
		const struct finding *f = &t->cur.findings.v[k];

		if (!findings_is_open(f))
			continue;
		if (i-- == 0)
			return f;
	}
	return NULL;
}

/* The finding's action at the right end of line y ("-> drop-filter");
 * returns the columns it took, 0 without one. */
static int draw_action(struct tui *t, int y, const struct finding *f)
{
	char buf[64];
	int w;

	if (!f->action)
		return 0;
	snprintf(buf, sizeof(buf), " %s %s", t->utf8 ? "\u2192" : "->",
		 actions_kind_name((enum actions_kind)f->action));
	w = format_width(buf, t->utf8);
	draw_text(t, y, COLS - 1 - w, w, buf, THEME_FINDING_WARNING);
	return w;
}

/* The sentence of f in width columns, keeping its subject and figures,
 * after the unit or container that holds it ("[nginx.service]"). */
static void draw_summary(struct tui *t, int y, int x, int width, const struct finding *f)
{
	const struct sample_cgroup *g = sample_cgroup_to_name(&t->cur, f);
	char safe[600], sentence[400], brief[600];

	if (g && width > 30) {
		char label[200], cut[200];
		int w;

		lt_sanitize(g->name.label, label, sizeof(label));
		format_abbrev(label, width / 5, t->utf8, cut, sizeof(cut));
		snprintf(brief, sizeof(brief), "[%s] ", cut);
		w = draw_text(t, y, x, width, brief, THEME_MUTED);
		x += w;
		width -= w;
	}
	format_safe(findings_summary(f, sentence, sizeof(sentence)), 0, safe, sizeof(safe));
	format_brief(safe, width, t->utf8, brief, sizeof(brief));
	draw_text(t, y, x, width, brief, THEME_NORMAL);
}

/* One finding at (y, x): severity, state, the summary, the action. */
static void draw_one(struct tui *t, int y, int x, const struct finding *f)
{
	char buf[64];
	int aw;

	snprintf(buf, sizeof(buf), "%-8s", findings_severity_name(f->severity));
	x += draw_text(t, y, x, COLS - x, buf, rows_severity_elem(f->severity));
	snprintf(buf, sizeof(buf), " %-9s ", findings_state_word(f));
	x += draw_text(t, y, x, COLS - x, buf,
		       findings_mitigation_fails(f) ? THEME_FINDING_CRITICAL : THEME_MUTED);
	aw = draw_action(t, y, f);
	draw_summary(t, y, x, COLS - x - 1 - aw - (aw ? 1 : 0), f);
}

void strip_draw(struct tui *t)
{
	size_t crit, warn, info;
	const struct finding *f;
	char buf[160];
	int i, x, aw;

	for (i = 0; i < tui_strip_lines; i++)
		draw_fill(t, TUI_Y_STRIP + i, 0, COLS, THEME_NORMAL);
	if (!t->have)
		return;
	f = open_finding(t, 0);
	if (!f) {
		draw_text(t, TUI_Y_STRIP, 1, COLS - 2, "no open findings: no socket queue grows "
			  "unread, no process leaks fds or sockets", THEME_MUTED);
		return;
	}
	if (tui_strip_lines >= 3) {
		for (i = 0; i < tui_strip_lines; i++) {
			f = open_finding(t, i);
			if (f)
				draw_one(t, TUI_Y_STRIP + i, 1, f);
		}
		return;
	}
	/* "2 critical: <the top one, its figures kept> -> its action"; the
	 * header carries every count, '!' opens it.  The counts leave working
	 * mitigations out, so the one line shows the first finding they
	 * count (a working mitigation sorts above the open problems of lower
	 * severities), and its own severity's count */
	for (i = 0; (f = open_finding(t, i)) != NULL && findings_mitigated_works(f); i++)
		;
	findings_open_counts(&t->cur.findings, &crit, &warn, &info);
	if (f)
		snprintf(buf, sizeof(buf), "%zu %s:", f->severity == FINDING_CRITICAL ? crit :
			 f->severity == FINDING_WARNING ? warn : info,
			 findings_severity_name(f->severity));
	else
		snprintf(buf, sizeof(buf), "%zu mitigated:",
			 findings_mitigated_count(&t->cur.findings));
	if (!f)
		f = open_finding(t, 0);
	x = 1 + draw_text(t, TUI_Y_STRIP, 1, COLS - 2, buf,
			  rows_severity_elem(f->severity));
	x += draw_text(t, TUI_Y_STRIP, x, COLS - x, " ", THEME_NORMAL);
	aw = draw_action(t, TUI_Y_STRIP, f);
	if (!aw)
		aw = draw_text(t, TUI_Y_STRIP, COLS - 10, 9, "  !: more", THEME_MUTED);
	draw_summary(t, TUI_Y_STRIP, x, COLS - x - 1 - aw - 1, f);
}

int strip_open(struct tui *t, int line)
{
	const struct finding *f = open_finding(t, line < 0 ? 0 : line);

	if (!f) {
		tui_set_status(t, THEME_STATUS, "no open finding");
		return -1;
	}
	tui_open(t, &(struct tui_ref){ .kind = TUI_REF_FINDING, .finding = f });
	return 0;
}
