/*
 * The help screen: every key, in the order a newcomer needs them, the
 * replay keys in a replay, and the action keys, or why there are none
 * (--read-only, replay).  Any key closes it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw.h"
#include "help.h"
#include "tui.h"

static const char *const keys[][2] = {
	{ "Up/Down PgUp/PgDn", "move the selection bar (Home/End: first/last row)" },
	{ "Enter", "drill down: details, fd table, a finding's evidence" },
	{ "Esc Backspace", "back to the previous view" },
	{ "Tab Shift-Tab", "next / previous pane" },
	{ "1 2 3 4  !", "Sockets / Processes / Findings / Memory; !: top finding" },
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

static void help_draw(struct view *v, struct tui *t, int y, int h, int full)
{
	int row = y, i, n = (int)(sizeof(keys) / sizeof(keys[0]));

	(void)v;
	(void)full;
	for (i = y; i < y + h; i++)
		draw_fill(t, i, 0, COLS, THEME_NORMAL);
	draw_text(t, row++, 1, COLS - 2,
		  "leaktop: socket queues nobody reads, leaked socket fds.  Press any key to "
		  "close this help.", THEME_VALUE);
	for (i = 0; t->rp && i < (int)(sizeof(replay_keys) / sizeof(replay_keys[0])) &&
		    row < y + h; i++, row++) {
		draw_text(t, row, 2, 18, replay_keys[i][0], THEME_HELP_KEY);
		draw_text(t, row, 21, COLS - 22, replay_keys[i][1], THEME_NORMAL);
	}
	for (i = 0; i < n && row < y + h; i++) {
		/* replay: pausing, the interval and notes do not apply */
		if (t->rp && (keys[i][0][0] == 'm' || !strcmp(keys[i][0], "Space") ||
			      !strcmp(keys[i][0], "+ -")))
			continue;
		draw_text(t, row, 2, 18, keys[i][0], THEME_HELP_KEY);
		draw_text(t, row, 21, COLS - 22, keys[i][1], THEME_NORMAL);
		row++;
	}
	if (tui_no_actions(t)) {
		if (row < y + h) {
			draw_text(t, row, 2, 18, "a A", THEME_HELP_KEY);
			draw_text(t, row++, 21, COLS - 22, t->rp ? "replay: actions are not "
				  "available" : "actions disabled: --read-only (this session "
				  "changes nothing)", THEME_NOTE);
		}
		return;
	}
	for (i = 0; i < (int)(sizeof(act_keys) / sizeof(act_keys[0])) && row < y + h;
	     i++, row++) {
		draw_text(t, row, 2, 18, act_keys[i][0], THEME_HELP_KEY);
		draw_text(t, row, 21, COLS - 22, act_keys[i][1], THEME_NORMAL);
	}
}

static int help_key(struct view *v, struct tui *t, int ch)
{
	(void)v;
	(void)ch;
	(void)t;
	return 0;	/* tui.c closes help on any key */
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
	struct view *v = calloc(1, sizeof(*v));

	if (v)
		v->cls = &help_view_class;
	return v;
}
