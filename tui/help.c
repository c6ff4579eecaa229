/*
 * The help screen: every key, in the order a newcomer needs them, the
 * replay keys in a replay, and the action keys, or why there are none
 * (--read-only, replay), the descriptions wrapped to the screen.  When it
 * does not fit (80x24), Up/Down/PgUp/PgDn/Home/End scroll it; any other
 * key closes it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw.h"
#include "format.h"
#include "help.h"
#include "tui.h"

static const char *const keys[][2] = {
	{ "Up/Down PgUp/PgDn", "move the selection bar (Home/End: first/last row)" },
	{ "Enter", "drill down: details, fd table, a finding's evidence" },
	{ "Esc Backspace", "back to the previous view; on a pane a Memory line opened: "
	  "clear the filter it set and go back" },
	{ "Right Left", "Memory pane: open / fold the slab caches under their line;" },
	{ "", "Findings pane: open / fold a group's members ([+] marks a group)" },
	{ "Tab Shift-Tab", "next / previous pane" },
	{ "1 2 3 4 5  !", "Sockets / Processes / Findings / Memory / Services; !: top "
			  "finding" },
	{ "F6 > <", "sort by the next / previous column" },
	{ "I  P", "invert the sort (click a header: sort by it); P: problems first" },
	{ "/ F3  n N", "search (Enter keeps, Esc cancels); next / previous match" },
	{ "\\ F4", "filter: keep matching rows (Esc in the prompt clears)" },
	{ "F", "follow the selected socket or process across refreshes" },
	{ "Space", "pause / resume sampling" },
	{ "+ -", "sample more slowly / more often" },
	{ "m", "add a note to the recording (--record; Enter saves)" },
	{ "C", "cycle colour themes (remembered in leaktoprc)" },
	{ "Ctrl-L", "redraw the screen" },
	{ "F1 h ?", "this help" },
	{ "q F10", "quit" },
	{ "mouse", "click: select a row, sort by a header, switch tabs;" },
	{ "", "double-click opens; the wheel scrolls (--no-mouse: off)" },
	{ "e", "evidence view: show the whole explanation" },
	{ "o", "trace the selected process (or the socket's, the finding's):" },
	{ "", "the sockets it creates from now on get their origin (--trace)" },
};

/* In replay: these replace Space, + -, m and the action keys. */
static const char *const replay_keys[][2] = {
	{ "t T", "replay: next / previous sample" },
	{ "] [", "replay: next / previous event (finding, action, note)" },
	{ "g", "replay: go to a time: HH:MM:SS, HH:MM or +SECONDS" },
	{ "Space", "replay: play / pause" },
	{ "+ -", "replay: play faster / slower (1x 2x 4x 8x 16x)" },
	{ "E", "replay: events and warnings; Enter goes to one" },
};

/* The action keys, or why there are none. */
static const char *const act_keys[][2] = {
	{ "a", "act on the selected socket, process or finding: preview," },
	{ "", "then y applies it (drain: type the word drain); n, Esc: no" },
	{ "A", "this session's actions; u undoes the selected one" },
};

struct help {
	struct view v;
	int top;		/* first line shown */
	int nlines, vis;	/* at the last draw */
};

#define HELP_LINES 96

struct help_line {
	const char *key;	/* "" on a continuation line */
	char text[160];
	int elem;
};

static void add_entry(struct help_line *l, int *n, const char *key, const char *text,
		      int elem, int width, int utf8)
{
	struct format_span sp[8];
	size_t k, m = format_wrap(text, width, utf8, sp, 8);

	for (k = 0; k < m && k < 8 && *n < HELP_LINES; k++, (*n)++) {
		size_t len = sp[k].len < sizeof(l[*n].text) ? sp[k].len : sizeof(l[*n].text) - 1;

		l[*n].key = k ? "" : key;
		memcpy(l[*n].text, text + sp[k].off, len);
		l[*n].text[len] = '\0';
		l[*n].elem = elem;
	}
}

/* Every line of the help at this width, the descriptions wrapped. */
static int help_lines(const struct tui *t, struct help_line *l, int width)
{
	int n = 0, i, nk = (int)(sizeof(keys) / sizeof(keys[0]));

	/* why there are no actions comes first: it is what such a session
	 * most needs to know */
	if (tui_no_actions(t))
		add_entry(l, &n, "a A", t->rp ? "replay: actions are not available" :
			  "actions disabled: --read-only (this session changes nothing)",
			  THEME_NOTE, width, t->utf8);
	for (i = 0; t->rp && i < (int)(sizeof(replay_keys) / sizeof(replay_keys[0])); i++)
		add_entry(l, &n, replay_keys[i][0], replay_keys[i][1], THEME_NORMAL, width,
			  t->utf8);
	for (i = 0; i < nk; i++) {
		/* replay: pausing, the interval and notes do not apply */
		if (t->rp && (keys[i][0][0] == 'm' || !strcmp(keys[i][0], "Space") ||
			      !strcmp(keys[i][0], "+ -")))
			continue;
		add_entry(l, &n, keys[i][0], keys[i][1], THEME_NORMAL, width, t->utf8);
	}
	if (tui_no_actions(t))
		return n;
	for (i = 0; i < (int)(sizeof(act_keys) / sizeof(act_keys[0])); i++)
		add_entry(l, &n, act_keys[i][0], act_keys[i][1], THEME_NORMAL, width, t->utf8);
	return n;
}

static void help_draw(struct view *v, struct tui *t, int y, int h, int full)
{
	struct help *hp = (struct help *)v;
	struct help_line l[HELP_LINES];
	char head[200];
	int i, n, vis;

	(void)full;
	for (i = y; i < y + h; i++)
		draw_fill(t, i, 0, COLS, THEME_NORMAL);
	n = help_lines(t, l, COLS - 22);
	vis = h - 1;
	if (vis < 1)
		vis = 1;
	if (hp->top > n - vis)
		hp->top = n - vis;
	if (hp->top < 0)
		hp->top = 0;
	hp->nlines = n;
	hp->vis = vis;
	if (n > vis)
		snprintf(head, sizeof(head), "Press any key to close this help; Up/Down PgUp/PgDn "
			 "scroll (lines %d-%d of %d)", hp->top + 1, hp->top + vis, n);
	else
		snprintf(head, sizeof(head), "leaktop: socket queues nobody reads, leaked socket "
			 "fds.  Press any key to close this help.");
	draw_text(t, y, 1, COLS - 2, head, THEME_VALUE);
	for (i = 0; i < vis && hp->top + i < n; i++) {
		const struct help_line *e = &l[hp->top + i];

		draw_text(t, y + 1 + i, 2, 18, e->key, THEME_HELP_KEY);
		draw_text(t, y + 1 + i, 21, COLS - 22, e->text, e->elem);
	}
}

/* Up/Down/PgUp/PgDn/Home/End scroll; any other key closes (tui.c). */
static int help_key(struct view *v, struct tui *t, int ch)
{
	struct help *hp = (struct help *)v;
	int page = hp->vis > 1 ? hp->vis - 1 : 1;

	switch (ch) {
	case KEY_UP:
		hp->top--;
		break;
	case KEY_DOWN:
		hp->top++;
		break;
	case KEY_PPAGE:
		hp->top -= page;
		break;
	case KEY_NPAGE:
		hp->top += page;
		break;
	case KEY_HOME:
		hp->top = 0;
		break;
	case KEY_END:
		hp->top = hp->nlines;
		break;
	default:
		return 0;
	}
	if (hp->top < 0)
		hp->top = 0;
	t->dirty |= DIRTY_BODY;
	return 1;
}

static void help_title(struct view *v, const struct tui *t, char *buf, size_t sz)
{
	(void)v;
	(void)t;
	snprintf(buf, sz, "Help");
}

static struct table *help_table(struct view *v)
{
	(void)v;
	return NULL;
}

static void help_free(struct view *v)
{
	free(v);
}

const struct view_class help_view_class = {
	.name = "help",
	.title = help_title,
	.draw = help_draw,
	.key = help_key,
	.table = help_table,
	.free = help_free,
};

struct view *help_new(void)
{
	struct help *hp = calloc(1, sizeof(*hp));

	if (!hp)
		return NULL;
	hp->v.cls = &help_view_class;
	return &hp->v;
}
