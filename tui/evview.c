/*
 * The evidence view of one finding: its severity, summary, the figures
 * behind it, the safe action and the explanation to forward, wrapped to
 * the screen, above the view that shows the evidence itself: the socket's
 * details (sockview.c) for a socket finding, the process's fd table
 * (fdview.c) for a process finding.  Keys, clicks, search and the action
 * target go to that inner view; 'e' shows the whole text when it does not
 * fit in half the screen.  The finding is looked up again on every sample
 * (kind and subject) and marked when the rules no longer report it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "draw.h"
#include "evview.h"
#include "format.h"
#include "leaktop/actions.h"
#include "leaktop/common.h"
#include "leaktop/findings.h"
#include "leaktop/origin.h"
#include "rows.h"
#include "tui.h"

#define EV_TEXT 1400	/* the longest paragraph, escaped */
#define EV_SPANS 64

struct evview {
	struct view v;
	struct finding f;	/* a copy; text as core wrote it */
	int gone;		/* no longer reported */
	int expanded;		/* 'e': the whole text, however long */
	int hdr;		/* rows the text took at the last draw */
	struct view *inner;	/* sockview, fdview, or NULL */
	char why[160];		/* what shows instead of an inner view */
};

struct para {
	char text[EV_TEXT];
	int elem;
	size_t n;		/* wrapped lines */
	struct format_span span[EV_SPANS];
};

static void ev_sample(struct view *v, struct tui *t)
{
	struct evview *ev = (struct evview *)v;
	size_t i;

	if (t->have) {
		const struct finding_list *l = &t->cur.findings;

		ev->gone = 1;
		/* a finding, or a member of a group (opened from under it) */
		for (i = 0; i < l->n + l->nmembers; i++) {
			const struct finding *f = i < l->n ? &l->v[i] : &l->members[i - l->n];

			if (findings_same(f, &ev->f)) {
				ev->f = *f;
				ev->f.comm[sizeof(ev->f.comm) - 1] = '\0';
				ev->gone = 0;
				break;
			}
		}
	}
	if (ev->inner && ev->inner->cls->sample)
		ev->inner->cls->sample(ev->inner, t);
}

static void para(struct para *p, const char *label, const char *text, int elem, int width,
		 int utf8)
{
	size_t len = (size_t)snprintf(p->text, sizeof(p->text), "%s", label);

	if (len < sizeof(p->text))
		format_safe(text, 0, p->text + len, sizeof(p->text) - len);
	p->elem = elem;
	p->n = format_wrap(p->text, width, utf8, p->span, EV_SPANS);
	if (p->n > EV_SPANS)
		p->n = EV_SPANS;
}

/* Draw line i of p at row; returns the next row. */
static int para_line(struct tui *t, const struct para *p, size_t i, int row)
{
	char line[EV_TEXT];
	size_t len = p->span[i].len < sizeof(line) ? p->span[i].len : sizeof(line) - 1;

	memcpy(line, p->text + p->span[i].off, len);
	line[len] = '\0';
	draw_text(t, row, 1, COLS - 2, line, p->elem);
	return row + 1;
}

/* "mitigated by drop-filter at 10:02:03: works: ..." */
static void ev_state_text(const struct evview *ev, char *out, size_t outsz)
{
	const struct finding *f = &ev->f;
	char when[32] = "";

	if (f->mitigation) {
		time_t tt = (time_t)f->mitigated_at;
		struct tm tm;

		localtime_r(&tt, &tm);
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
		snprintf(out, outsz, "mitigated by %s at %s: %s",
			 actions_kind_name((enum actions_kind)f->mitigation), when,
			 f->mitigation_note);
		return;
	}
	snprintf(out, outsz, "%s%s", findings_state_name((enum finding_state)f->state),
		 f->state == FINDING_RESOLVED ? ": the condition is gone" :
		 f->state == FINDING_SUSPECTED ? ": not enough samples yet to be sure" : "");
}

/* The kinds and subjects of the findings linked to this one in the
 * current sample (causes, or effects). */
static void ev_links_text(const struct evview *ev, const struct tui *t, char *out,
			  size_t outsz, int effects)
{
	const struct finding_list *l = &t->cur.findings;
	size_t i, ix[8], n, k, len;

	out[0] = '\0';
	if (!t->have)
		return;
	for (i = 0; i < l->n; i++)
		if (findings_same(&l->v[i], &ev->f))
			break;
	if (i == l->n)
		return;
	n = findings_links(l->v, l->n, i, effects, ix, 8);
	for (k = 0; k < n && k < 8; k++) {
		const struct finding *g = &l->v[ix[k]];
		char comm[48];

		len = strlen(out);
		lt_sanitize(g->comm, comm, sizeof(comm));
		if (g->pid >= 0)
			snprintf(out + len, outsz - len, "%s%s of pid %d (%s)", k ? "; " : "",
				 findings_kind_name(g->kind), (int)g->pid, comm);
		else
			snprintf(out + len, outsz - len, "%s%s", k ? "; " : "",
				 findings_kind_name(g->kind));
	}
}

static void ev_draw(struct view *v, struct tui *t, int y, int h, int full)
{
	struct evview *ev = (struct evview *)v;
	enum { NPARA = 16 };
	struct para *p = calloc(NPARA, sizeof(*p));
	char title[160], act[200], state[400], links[2][600], steps[2048], sentence[400];
	char *sp, *nl;
	int row = y, end = y + h, width = COLS - 2, limit, x, i, hdr, cut, np = 4;
	size_t total, budget, k;

	if (!p)
		return;
	para(&p[0], "", findings_summary(&ev->f, sentence, sizeof(sentence)), THEME_VALUE,
	     width, t->utf8);
	para(&p[1], "Evidence: ", ev->f.evidence, THEME_NORMAL, width, t->utf8);
	if (!ev->f.action)
		snprintf(act, sizeof(act), "Safe action: none suggested");
	else if (tui_no_actions(t))
		snprintf(act, sizeof(act), "Safe action: %s (%s)",
			 actions_kind_name((enum actions_kind)ev->f.action), tui_no_actions(t));
	else
		snprintf(act, sizeof(act), "Safe action: %s (a: preview it, then y to apply)",
			 actions_kind_name((enum actions_kind)ev->f.action));
	para(&p[2], "", act, THEME_LABEL, width, t->utf8);
	para(&p[3], "Why it matters: ", ev->f.explanation, THEME_NORMAL, width, t->utf8);
	/* where it stands, what it is linked to, and what to do next */
	ev_state_text(ev, state, sizeof(state));
	para(&p[np++], "State: ", state, findings_mitigation_fails(&ev->f) ? THEME_ERROR :
	     THEME_NORMAL, width, t->utf8);
	{
		/* the unit, container or pod it is about */
		const struct sample_cgroup *g = t->have ? sample_cgroup_of_finding(&t->cur, &ev->f)
							: NULL;
		char in[600];

		if (g) {
			snprintf(in, sizeof(in), "%s (cgroup %s)", g->name.label, g->path);
			para(&p[np++], "In: ", in, THEME_NORMAL, width, t->utf8);
		}
	}
	ev_links_text(ev, t, links[0], sizeof(links[0]), 0);
	if (links[0][0])
		para(&p[np++], "Caused by: ", links[0], THEME_NORMAL, width, t->utf8);
	ev_links_text(ev, t, links[1], sizeof(links[1]), 1);
	if (links[1][0])
		para(&p[np++], "Leads to: ", links[1], THEME_NORMAL, width, t->utf8);
	{
		/* --trace: where its sockets were created, the biggest path */
		const struct origin_summary *os = t->have ? origin_summary_of(t->cur.origin,
									      &ev->f) : NULL;
		char where[640];

		if (os && os->ngroups) {
			origin_group_words(t->cur.origin, os, &os->groups[0], where,
					   sizeof(where));
			para(&p[np++], "Origin: ", where, THEME_NORMAL, width, t->utf8);
		}
		if (os) {
			origin_rest_words(os, where, sizeof(where));
			if (where[0])
				para(&p[np++], "Origin: ", where, THEME_NORMAL, width, t->utf8);
		}
	}
	findings_next_steps(&ev->f, steps, sizeof(steps));
	for (sp = steps; *sp && np < NPARA; sp = nl ? nl + 1 : sp + strlen(sp)) {
		nl = strchr(sp, '\n');
		if (nl)
			*nl = '\0';
		para(&p[np++], sp == steps ? "Next steps: " : "            ", sp, THEME_NORMAL,
		     width, t->utf8);
	}

	/* the title, the paragraphs and a blank line; when they take more than
	 * half the view the explanation is cut first, then the tail */
	total = 2;
	for (i = 0; i < np; i++)
		total += p[i].n;
	limit = ev->expanded || !ev->inner ? h - 1 : h / 2;
	if (limit < 4)
		limit = 4;
	cut = total > (size_t)limit;
	if (cut && p[3].n > 1) {
		/* the explanation is the same for every finding of a kind: it
		 * gives its lines (all but its first) before the origin, the
		 * links and the next steps, which are this finding's own */
		size_t over = total + 1 - (size_t)limit, give = p[3].n - 1;

		if (give > over)
			give = over;
		p[3].n -= give;
		total -= give;	/* still cut: "... (e: ...)" stays */
	}
	budget = cut ? (size_t)limit - 3 : total - 2;	/* paragraph lines */
	for (i = y; i < end && i < y + (cut ? limit : (int)total); i++)
		draw_fill(t, i, 0, COLS, THEME_NORMAL);
	x = 1 + draw_text(t, row, 1, COLS - 2, findings_severity_name(ev->f.severity),
			  rows_severity_elem(ev->f.severity));
	snprintf(title, sizeof(title), "  %s%s%s", findings_kind_name(ev->f.kind),
		 ev->f.suspected ? ", suspected (not enough samples yet to be sure)" : "",
		 ev->gone ? ", no longer reported" : "");
	draw_text(t, row++, x, COLS - 1 - x, title, ev->gone ? THEME_MUTED : THEME_VALUE);
	for (i = 0; i < np; i++)
		for (k = 0; k < p[i].n && budget > 0 && row < end; k++, budget--)
			row = para_line(t, &p[i], k, row);
	if (cut && row < end)
		draw_text(t, row++, 1, COLS - 2, "... (e: show the whole text)", THEME_MUTED);
	if (row < end)
		row++;	/* the blank line, filled above */
	hdr = row - y;
	if (hdr != ev->hdr)
		full = 1;
	ev->hdr = hdr;
	free(p);

	if (ev->inner) {
		if (row < end)
			ev->inner->cls->draw(ev->inner, t, row, end - row, full);
		return;
	}
	for (i = row; i < end; i++)
		draw_fill(t, i, 0, COLS, THEME_NORMAL);
	if (row < end)
		draw_text(t, row, 1, COLS - 2, ev->why, THEME_MUTED);
}

static int ev_key(struct view *v, struct tui *t, int ch)
{
	struct evview *ev = (struct evview *)v;

	if (ch == 'e') {
		ev->expanded = !ev->expanded;
		t->dirty |= DIRTY_BODY;
		return 1;
	}
	if (ev->inner)
		return ev->inner->cls->key(ev->inner, t, ch);
	if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
		/* every Enter opens something or says why not */
		tui_set_status(t, THEME_STATUS, "nothing below to open: %s", ev->why[0] ?
			       ev->why : "no evidence view for this finding");
		return 1;
	}
	return 0;
}

static void ev_click(struct view *v, struct tui *t, int y, int x, int dbl)
{
	struct evview *ev = (struct evview *)v;

	/* the inner views place clicks by where they last drew */
	if (ev->inner && ev->inner->cls->click && y >= ev->hdr)
		ev->inner->cls->click(ev->inner, t, y, x, dbl);
}

static void ev_title(struct view *v, const struct tui *t, char *buf, size_t sz)
{
	struct evview *ev = (struct evview *)v;
	char in[128] = "";

	if (ev->inner)
		ev->inner->cls->title(ev->inner, t, in, sizeof(in));
	snprintf(buf, sz, "finding %s%s%s", findings_kind_name(ev->f.kind), in[0] ? ": " : "",
		 in);
}

static struct table *ev_table(struct view *v)
{
	struct evview *ev = (struct evview *)v;

	return ev->inner && ev->inner->cls->table ? ev->inner->cls->table(ev->inner) : NULL;
}

/* The inner view's selection; the finding's action is pre-selected when
 * it is about the same process. */
static int ev_target(struct view *v, const struct tui *t, struct tui_target *out)
{
	struct evview *ev = (struct evview *)v;
	enum actions_kind k = (enum actions_kind)ev->f.action;

	if (ev->inner && ev->inner->cls->target &&
	    ev->inner->cls->target(ev->inner, t, out) == 0) {
		if (out->pid == ev->f.pid && (ev->f.fd < 0 || out->fd == ev->f.fd) &&
		    k != ACTIONS_NONE)
			out->suggested = k;
		return 0;
	}
	if (ev->f.pid < 0)
		return -1;
	if (ev->f.fd >= 0 && ev->f.inode)
		return tui_target_init(t, ev->f.pid, ev->f.fd, ev->f.inode, ev->f.netns, k, out);
	return tui_target_init(t, ev->f.pid, -1, 0, 0, k, out);
}

static void ev_free(struct view *v)
{
	struct evview *ev = (struct evview *)v;

	if (!ev)
		return;
	if (ev->inner)
		ev->inner->cls->free(ev->inner);
	free(ev);
}

static const struct view_class evview_class = {
	.name = "evidence",
	.title = ev_title,
	.draw = ev_draw,
	.key = ev_key,
	.click = ev_click,
	.sample = ev_sample,
	.table = ev_table,
	.free = ev_free,
	.target = ev_target,
};

struct view *evview_new(struct tui *t, const struct finding *f)
{
	struct evview *ev = calloc(1, sizeof(*ev));
	struct tui_ref ref = { TUI_REF_NONE };
	size_t i;

	if (!ev)
		return NULL;
	ev->v.cls = &evview_class;
	ev->f = *f;
	ev->f.comm[sizeof(ev->f.comm) - 1] = '\0';
	if (f->inode) {
		for (i = 0; i < t->cur.socks.n; i++)
			if (t->cur.socks.v[i].inode == f->inode &&
			    (!f->netns || t->cur.socks.v[i].netns == f->netns))
				break;
		if (i < t->cur.socks.n) {
			ref.kind = TUI_REF_SOCKET;
			ref.sock = i;
			ref.pid = f->pid > 0 ? f->pid : 0;	/* its owner selected */
			ref.fd = f->fd;
			ev->inner = tui_open_view(t, &ref);
			if (!ev->inner)
				goto nomem;
		} else {
			snprintf(ev->why, sizeof(ev->why), "socket %" PRIu64 " is no longer in "
				 "the census", f->inode);
		}
	} else if (f->pid >= 0) {
		ref.kind = TUI_REF_FDS;
		ref.pid = f->pid;
		ref.fd = f->fd >= 0 ? f->fd : TUI_FD_FIRST_GHOST;
		ev->inner = tui_open_view(t, &ref);
		if (!ev->inner)
			goto nomem;
	} else {
		snprintf(ev->why, sizeof(ev->why), "a system-wide finding: the memory pane "
			 "above shows the figures");
	}
	return &ev->v;
nomem:
	free(ev);
	return NULL;
}
