/*
 * The interactive UI's session, the top of tui/: the sampling loop, the
 * screen layout (header, memory pane, tabs, the current view, status line),
 * global keys (the action menu 'a' and the session's actions
 * 'A' among them) and the prompts (search, filter, a note, go to).  Until
 * the first key press the pane follows the evidence: the first warning or
 * critical finding brings the Findings pane up.
 *
 * --record: every sample taken is appended to the recording, actions go to
 * it through the audit hook, 'm' adds a note; the file is closed cleanly on
 * q, F10 and the stop signals.  --replay: samples come from the recording
 * (replay.c) and nothing reads the live machine.
 *
 * The state the views share and the view stack are tui.c's; the panes and
 * what a reference opens are open.c's table, installed here.
 *
 * Idle cost: getch blocks until the next sample is due (at most 250 ms, to
 * notice a stop signal), and nothing is drawn unless something changed;
 * curses sends only the cells that differ.
 */
#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "draw.h"
#include "format.h"
#include "header.h"
#include "help.h"
#include "leaktop/actions.h"
#include "leaktop/common.h"
#include "leaktop/fallback.h"
#include "leaktop/origin.h"
#include "leaktop/record.h"
#include "leaktop/sample.h"
#include "open.h"
#include "options.h"
#include "replay.h"
#include "source.h"
#include "strip.h"
#include "table.h"
#include "theme.h"
#include "tui.h"
#include "version.h"


static const double delay_steps[] = { 0.2, 0.5, 1, 2, 3, 5, 10, 15, 30, 60, 120, 300,
				      600, 1800, 3600 };

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A write error stops the recording (the writer refuses more); the file
 * keeps what was written, and the exit status will say so. */
static void record_failed(struct tui *t, const struct lt_err *err)
{
	char safe[256];

	t->recording = 0;
	tui_set_status(t, THEME_ERROR, "recording stopped: %s",
		       lt_sanitize(err->msg, safe, sizeof(safe)));
	t->dirty |= DIRTY_HEADER;
}

static int take_sample(struct tui *t)
{
	struct lt_err err = { "" };
	struct sample s;

	/* from the live source, as -b reads it (a --cgroup naming nothing is
	 * its error too); t->cur is consumed (moved into s or freed): it is
	 * replaced below */
	if (source_live_take(t->src, t->have ? &t->cur : NULL, &s, &err) < 0) {
		char safe[256];

		lt_sanitize(err.msg, safe, sizeof(safe));
		snprintf(t->fatal, sizeof(t->fatal), "leaktop: %s", safe);
		return -1;
	}
	/* with -p the recording keeps those processes' fd tables, as -b does */
	if (t->recording && t->o->npids && sample_attach_fdtables(t->ctx, &s, &err) < 0)
		tui_set_status(t, THEME_ERROR, "fd tables not recorded: out of memory");
	tui_install_sample(t, &s);
	if (t->recording && record_write_sample(t->rec, &t->cur, &err) < 0)
		record_failed(t, &err);
	/* --trace: why socket origins are off, with the first sample */
	if (t->src->origin && t->cur.seq == 1 && origin_why_off(t->src->origin)[0])
		tui_set_status(t, THEME_ERROR, "socket origins are off: %s",
			       origin_why_off(t->src->origin));
	/* kernel fallbacks taken: named once, in a free status line, for a
	 * few samples (the key bar comes back after) */
	if (t->status_ttl && !--t->status_ttl) {
		t->status[0] = '\0';
		t->dirty |= DIRTY_STATUS;
	}
	if (!t->status[0] && fallback_status(err.msg, sizeof(err.msg))) {
		tui_set_status(t, THEME_STATUS, "%s", err.msg);
		t->status_ttl = 3;
	}
	return 0;
}

/* ---- drawing --------------------------------------------------------- */

static void draw_tabs(struct tui *t)
{
	struct view *top = tui_top(t);
	struct table *tb = top->cls->table ? top->cls->table(top) : NULL;
	char buf[256], right[128] = "";
	int x = 0, i;

	draw_fill(t, TUI_Y_TABS, 0, COLS, THEME_TAB);
	if (tb) {
		size_t len = 0;

		if (tb->follow)
			len += (size_t)snprintf(right + len, sizeof(right) - len, "%s",
						tb->follow_lost ? "FOLLOW (gone) " : "FOLLOW ");
		snprintf(right + len, sizeof(right) - len, "sort %s %s",
			 tb->d->cols[tb->sort_col].title, tb->sort_desc ? "desc" : "asc");
	}
	for (i = 0; i < t->npanes; i++) {
		t->tab_x[i] = x;
		snprintf(buf, sizeof(buf), " %d %s ", i + 1,
			 ((struct table *)t->panes[i])->d->name);
		x += draw_text(t, TUI_Y_TABS, x, COLS - x, buf,
			       i == t->pane && !t->depth ? THEME_TAB_ACTIVE : THEME_TAB);
		x++;
	}
	t->tab_x[i] = x;
	for (i = 0; i < t->depth && x < COLS; i++) {
		t->stack[i]->cls->title(t->stack[i], t, buf, sizeof(buf));
		x += draw_text(t, TUI_Y_TABS, x, COLS - x, "> ", THEME_MUTED);
		x += draw_text(t, TUI_Y_TABS, x, COLS - x, buf,
			       i == t->depth - 1 ? THEME_TAB_ACTIVE : THEME_TAB);
		x++;
	}
	if (right[0] && x + (int)strlen(right) + 1 < COLS)
		draw_text(t, TUI_Y_TABS, COLS - (int)strlen(right) - 1, (int)strlen(right),
			  right, THEME_MUTED);
}

static void draw_status(struct tui *t)
{
	static const char *const live_keys[][2] = {
		{ "F1", "Help" }, { "F3", "Search" }, { "F4", "Filter" }, { "F6", "Sort" },
		{ "F10", "Quit" }, { "Enter", "Open" }, { "a", "Act" }, { "Esc", "Back" },
		{ "Tab", "Pane" }, { "Space", "Pause" }, { "F", "Follow" }, { "m", "Note" },
		{ "C", "Colours" },
	};
	static const char *const replay_keys[][2] = {
		{ "F1", "Help" }, { "F10", "Quit" }, { "t", "Next" }, { "T", "Prev" },
		{ "]", "NextEvent" }, { "[", "PrevEvent" }, { "g", "GoTo" },
		{ "Space", "Play" }, { "E", "Events" }, { "Enter", "Open" }, { "Esc", "Back" },
		{ "F3", "Search" }, { "F4", "Filter" },
	};
	const char *const (*fkeys)[2] = t->rp ? replay_keys : live_keys;
	int nkeys = t->rp ? (int)(sizeof(replay_keys) / sizeof(replay_keys[0]))
			  : (int)(sizeof(live_keys) / sizeof(live_keys[0]));
	int y = LINES - 1, x = 0, i;
	char buf[300];

	draw_fill(t, y, 0, COLS, THEME_STATUS);
	if (t->prompt) {
		struct view *top = tui_top(t);
		struct table *tb = top->cls->table ? top->cls->table(top) : NULL;

		const char *label = t->prompt == '/' ? "Search: " : t->prompt == '\\' ?
				    "Filter: " : t->prompt == 'm' ? "Note: " :
				    "Go to (HH:MM:SS or +SECONDS): ";
		int room;

		x += draw_text(t, y, 0, COLS, label, THEME_PROMPT);
		room = COLS - x - 31;
		if (t->prompt == 'm' || t->prompt == 'g') {
			/* the end of a long note stays in view */
			const char *p = t->prompt_buf;

			while (room > 0 && format_width(p, t->utf8) > room)
				do	/* one character: skip its UTF-8 continuation bytes */
					p++;
				while (((unsigned char)*p & 0xc0) == 0x80);
			draw_text(t, y, COLS - 30, 29, t->prompt == 'm' ?
				  "Enter: save  Esc: cancel" : "Enter: go  Esc: cancel",
				  THEME_MUTED);
			x += draw_untrusted(t, y, x, room > 0 ? room : 1, p, THEME_NORMAL);
			move(y, x);
			return;
		}
		x += draw_text(t, y, x, COLS - x - 1, t->prompt_buf, THEME_NORMAL);
		move(y, x);
		if (tb && t->prompt == '/' && t->prompt_buf[0] && !tb->search[0])
			draw_text(t, y, x + 1, COLS - x - 1, "(no match)", THEME_MUTED);
		draw_text(t, y, COLS - 30 > x ? COLS - 30 : x + 1, 29,
			  "Enter: keep  Esc: cancel", THEME_MUTED);
		return;
	}
	if (t->status[0]) {
		draw_text(t, y, 0, COLS, t->status, t->status_elem);
		return;
	}
	if (t->rp) {
		/* a marker while the sample shown has an event */
		replay_marker(t, buf, sizeof(buf));
		if (buf[0]) {
			draw_text(t, y, 0, COLS, buf, THEME_NOTE);
			return;
		}
	}
	for (i = 0; i < nkeys; i++) {
		if (((t->read_only || actions_procroot_foreign(t->o->procroot)) &&
		     !strcmp(fkeys[i][0], "a")) ||
		    (!t->recording && !strcmp(fkeys[i][0], "m")))
			continue;
		/* whole labels only */
		snprintf(buf, sizeof(buf), "%s ", fkeys[i][1]);
		if (x + (int)(strlen(fkeys[i][0]) + strlen(buf)) > COLS)
			break;
		x += draw_text(t, y, x, COLS - x, fkeys[i][0], THEME_FKEY);
		x += draw_text(t, y, x, COLS - x, buf, THEME_FKEY_LABEL);
		x += draw_text(t, y, x, COLS - x, " ", THEME_STATUS);
	}
}

static void draw(struct tui *t)
{
	struct view *top;
	char msg[64];

	if (LINES < TUI_MIN_LINES || COLS < TUI_MIN_COLS) {
		erase();
		/* short lines: the terminal may be very narrow */
		snprintf(msg, sizeof(msg), "leaktop needs %dx%d", TUI_MIN_COLS, TUI_MIN_LINES);
		draw_text(t, LINES / 2 - 1 > 0 ? LINES / 2 - 1 : 0, 0, COLS, msg, THEME_ERROR);
		snprintf(msg, sizeof(msg), "this one is %dx%d", COLS, LINES);
		draw_text(t, LINES / 2, 0, COLS, msg, THEME_ERROR);
		if (LINES / 2 + 1 < LINES)
			draw_text(t, LINES / 2 + 1, 0, COLS, "q quits", THEME_MUTED);
		t->too_small = 1;
		t->dirty = 0;
		refresh();
		return;
	}
	if (t->too_small) {
		t->too_small = 0;
		erase();
		t->dirty = DIRTY_ALL;
	}
	if (tui_strip_lines != (LINES >= TUI_STRIP_TALL ? 3 : 1)) {
		/* a resize across TUI_STRIP_TALL moves the tabs and the body */
		tui_strip_lines = LINES >= TUI_STRIP_TALL ? 3 : 1;
		erase();
		t->dirty = DIRTY_ALL;
	}
	if (!t->dirty)
		return;
	if (t->dirty & DIRTY_HEADER)
		header_draw(t);
	if (t->dirty & DIRTY_MEM) {
		header_draw_mem(t);
		strip_draw(t);
	}
	if (t->dirty & DIRTY_TABS)
		draw_tabs(t);
	top = tui_top(t);
	if (t->dirty & (DIRTY_BODY | DIRTY_VIEW))
		top->cls->draw(top, t, TUI_Y_BODY, tui_body_lines(), !!(t->dirty & DIRTY_BODY));
	if (t->dirty & DIRTY_STATUS)
		draw_status(t);
	t->dirty = 0;
	curs_set(t->prompt ? 1 : 0);
	if (!t->prompt)
		move(LINES - 1, COLS - 1);
	wnoutrefresh(stdscr);
	doupdate();
}

/* ---- keys ------------------------------------------------------------ */

/* Esc on a pane a jump opened: clear the filter the jump set (if it is
 * still the one shown) and go back.  Returns 1 if it did. */
static int jump_back(struct tui *t)
{
	struct table *tb = (struct table *)t->panes[t->pane];
	int to = t->jump_from - 1;
	char was[64];

	if (t->depth || !t->jump_from)
		return 0;
	snprintf(was, sizeof(was), "%s", t->jump_filter);
	if (was[0] && !strcmp(tb->filter, was))
		table_set_filter(tb, t, "");
	tui_switch_pane(t, to);
	if (was[0])
		tui_set_status(t, THEME_STATUS, "filter \"%s\" cleared", was);
	return 1;
}

static void change_delay(struct tui *t, int dir)
{
	int n = (int)(sizeof(delay_steps) / sizeof(delay_steps[0])), i;
	double d = t->delay;

	if (dir > 0) {
		for (i = 0; i < n && delay_steps[i] <= t->delay + 1e-9; i++)
			;
		if (i < n)
			d = delay_steps[i];
	} else {
		for (i = n - 1; i >= 0 && delay_steps[i] >= t->delay - 1e-9; i--)
			;
		if (i >= 0)
			d = delay_steps[i];
	}
	t->next_sample += d - t->delay;
	t->delay = d;
	tui_set_status(t, THEME_STATUS, "sampling every %g s", d);
	t->dirty |= DIRTY_HEADER;
}

static void cycle_theme(struct tui *t)
{
	char err[300] = "", werr[300] = "";
	struct theme th = t->theme;
	size_t i, n;

	t->nthemes = theme_list(t->themes, sizeof(t->themes) / sizeof(t->themes[0]));
	n = t->nthemes;
	for (i = 0; i < n; i++)
		if (!strcmp(t->themes[i], t->theme.name))
			break;
	i = i < n ? (i + 1) % n : 0;
	if (theme_load(t->themes[i], &th, err, sizeof(err)) < 0) {
		/* a bad file: say so and fall back to the default */
		theme_builtin(&t->theme);
		tui_set_status(t, THEME_ERROR, "%s", err);
	} else {
		t->theme = th;
		if (theme_rc_write(t->theme.name, werr, sizeof(werr)) < 0)
			tui_set_status(t, THEME_ERROR, "theme %s; not saved: %s",
				       t->theme.name, werr);
		else
			tui_set_status(t, THEME_STATUS, "theme %s%s (saved)", t->theme.name,
				       t->colour ? "" : ", no colour on this terminal");
	}
	draw_theme_apply(t);
	clearok(curscr, TRUE);
	t->dirty |= DIRTY_ALL;
}

/* 'm': a note into the recording, stamped with the wall clock. */
static void save_note(struct tui *t, const char *text)
{
	struct timespec ts;
	char when[16];
	time_t sec;
	struct tm tm;
	int r;

	if (!text[0]) {
		tui_set_status(t, THEME_STATUS, "empty note: nothing saved");
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	r = record_note(t->rec, (double)ts.tv_sec + ts.tv_nsec / 1e9, text);
	if (r < 0) {
		tui_set_status(t, THEME_ERROR, "note not saved: %s", strerror(-r));
		return;
	}
	sec = ts.tv_sec;
	localtime_r(&sec, &tm);
	strftime(when, sizeof(when), "%H:%M:%S", &tm);
	tui_set_status(t, THEME_STATUS, "note saved at %s", when);
}

/* The note and go-to prompts: a line of text, no table behind it. */
/* Edit a prompt's text by one key: Backspace drops the last character
 * (a whole UTF-8 sequence), a printable byte is appended while fewer than
 * max - 1 are there.  1 if ch was such a key (the text may be unchanged),
 * 0 for any other. */
static int prompt_edit(char *buf, size_t max, int ch)
{
	size_t len = strlen(buf);

	if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
		while (len > 0 && ((unsigned char)buf[len - 1] & 0xc0) == 0x80)
			len--;
		if (len > 0)
			len--;
		buf[len] = '\0';
		return 1;
	}
	if (ch < 0x20 || ch > 0xff || ch == 0x7f)
		return 0;
	if (len + 1 < max) {
		buf[len] = (char)ch;
		buf[len + 1] = '\0';
	}
	return 1;
}

static void line_prompt_key(struct tui *t, int ch)
{
	int kind = t->prompt;

	t->dirty |= DIRTY_STATUS;
	switch (ch) {
	case 27:
		t->prompt = 0;
		tui_set_status(t, THEME_STATUS, "%s", kind == 'm' ? "note cancelled: nothing saved"
							    : "go to cancelled");
		return;
	case '\n':
	case '\r':
	case KEY_ENTER:
		t->prompt = 0;
		if (kind == 'm')
			save_note(t, t->prompt_buf);
		else if (t->rp)
			replay_goto_text(t, t->prompt_buf);
		return;
	default:
		prompt_edit(t->prompt_buf, sizeof(t->prompt_buf), ch);
		return;
	}
}

static void prompt_key(struct tui *t, int ch)
{
	struct view *top = tui_top(t);
	struct table *tb = top->cls->table ? top->cls->table(top) : NULL;

	if (t->prompt == 'm' || t->prompt == 'g') {
		line_prompt_key(t, ch);
		return;
	}
	t->dirty |= DIRTY_STATUS | DIRTY_VIEW | DIRTY_TABS;
	switch (ch) {
	case 27:	/* Esc: cancel */
		if (tb && t->prompt == '/') {
			tb->search[0] = '\0';
			if (t->prompt_saved_sel < tb->nrows)
				tb->sel = t->prompt_saved_sel;
		} else if (tb) {
			table_set_filter(tb, t, "");
		}
		t->prompt = 0;
		t->dirty |= DIRTY_BODY;
		return;
	case '\n':
	case '\r':
	case KEY_ENTER:
		t->prompt = 0;
		return;
	default:
		/* as long as a table's search text can be */
		if (!prompt_edit(t->prompt_buf, sizeof(tb->search) < sizeof(t->prompt_buf) ?
				 sizeof(tb->search) : sizeof(t->prompt_buf), ch))
			return;
		break;
	}
	if (!tb)
		return;
	if (t->prompt == '/') {
		if (!table_search(tb, t, t->prompt_buf, t->prompt_saved_sel))
			tb->search[0] = '\0';
		if (!t->prompt_buf[0])
			tb->sel = t->prompt_saved_sel < tb->nrows ? t->prompt_saved_sel : tb->sel;
	} else {
		table_set_filter(tb, t, t->prompt_buf);
	}
}

static void start_prompt(struct tui *t, int kind)
{
	struct view *top = tui_top(t);
	struct table *tb = top->cls->table ? top->cls->table(top) : NULL;

	if (!tb) {
		tui_set_status(t, THEME_STATUS, "nothing to %s here",
			       kind == '/' ? "search" : "filter");
		return;
	}
	t->prompt_saved_sel = tb->sel;
	tui_prompt_open(t, kind, kind == '\\' ? tb->filter : "");
}

static void mouse_event(struct tui *t)
{
	MEVENT ev;
	struct view *top = tui_top(t);
	int i;

	if (getmouse(&ev) != OK)
		return;
#ifdef BUTTON5_PRESSED
	if (ev.bstate & (BUTTON4_PRESSED | BUTTON5_PRESSED)) {
		int k = (ev.bstate & BUTTON4_PRESSED) ? KEY_UP : KEY_DOWN;

		for (i = 0; i < 3; i++)
			top->cls->key(top, t, k);
		return;
	}
#endif
	if (!(ev.bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_DOUBLE_CLICKED)))
		return;
	if (ev.y >= TUI_Y_STRIP && ev.y < TUI_Y_TABS) {
		strip_open(t, ev.y - TUI_Y_STRIP);
		return;
	}
	if (ev.y == TUI_Y_TABS) {
		for (i = 0; i < t->npanes; i++)
			if (ev.x >= t->tab_x[i] && ev.x < t->tab_x[i + 1])
				tui_switch_pane(t, i);
		return;
	}
	if (ev.y >= TUI_Y_BODY && ev.y < LINES - 1 && top->cls->click)
		top->cls->click(top, t, ev.y - TUI_Y_BODY, ev.x,
				!!(ev.bstate & BUTTON1_DOUBLE_CLICKED));
}

/* 'a': the action menu on what the current view has selected. */
static void open_actions(struct tui *t, struct view *top)
{
	struct tui_target tg;
	struct tui_ref ref = { TUI_REF_NONE };
	const char *why = tui_no_actions(t);

	if (why) {
		tui_set_status(t, THEME_STATUS, "%s", why);
		return;
	}
	if (!t->have || !top->cls->target || top->cls->target(top, t, &tg) < 0) {
		tui_set_status(t, THEME_STATUS, "nothing to act on here: select a socket, a "
			       "process or a finding about one");
		return;
	}
	ref.kind = TUI_REF_ACTIONS;
	ref.target = &tg;
	tui_open(t, &ref);
}

/*
 * 'o': trace the selected process (the Processes pane's row, an fd table's
 * process; a socket's owner, a finding's process): the sockets it creates
 * from now on get their origin.  The live source makes its tracer on first
 * use (source_live_trace); a status line says so, or why origins are off.
 */
static void trace_selected(struct tui *t, struct view *top)
{
	struct tui_target tg;
	char why[256];

	if (t->rp || !t->src) {
		tui_set_status(t, THEME_STATUS, "socket origins are off: replay: recordings "
			       "carry no tracer (trace a live process)");
		return;
	}
	if (!t->have || !top->cls->target || top->cls->target(top, t, &tg) < 0 || tg.pid <= 0) {
		tui_set_status(t, THEME_STATUS, "nothing to trace here: select a process "
			       "(Processes pane, an fd table)");
		return;
	}
	if (source_live_trace(t->src, tg.pid, why, sizeof(why)) < 0)
		tui_set_status(t, THEME_ERROR, "socket origins are off: %s", why);
	else
		tui_set_status(t, THEME_STATUS, "tracing pid %d: sockets it creates from now "
			       "on get their origin", tg.pid);
}

static void handle_key(struct tui *t, int ch)
{
	struct view *top = tui_top(t);

	if (ch == KEY_RESIZE) {
		t->dirty = DIRTY_ALL;
		return;
	}
	t->touched = 1;
	if (t->too_small) {
		if (ch == 'q' || ch == KEY_F(10))
			t->quit = 1;
		return;
	}
	if (t->prompt) {
		prompt_key(t, ch);
		return;
	}
	if (t->status[0] && ch != KEY_MOUSE) {
		t->status[0] = '\0';
		t->dirty |= DIRTY_STATUS;
	}
	if (top->cls == &help_view_class && ch != KEY_MOUSE) {
		if (!top->cls->key(top, t, ch))	/* it scrolls; anything else closes it */
			tui_pop(t);
		return;
	}
	if (top->cls->grab && top->cls->grab(top)) {
		top->cls->key(top, t, ch);	/* a prompt inside the view */
		return;
	}
	if (t->rp && replay_key(t, ch))
		return;
	switch (ch) {
	case 'q':
	case KEY_F(10):
		t->quit = 1;
		return;
	case KEY_F(1):
	case 'h':
	case '?':
		tui_open(t, &(struct tui_ref){ .kind = TUI_REF_HELP });
		return;
	case 27:
	case KEY_BACKSPACE:
	case 127:
	case 8:
		if (!jump_back(t))
			tui_pop(t);
		return;
	case '\t':
		tui_switch_pane(t, t->pane + 1);
		return;
	case KEY_BTAB:
		tui_switch_pane(t, t->pane - 1);
		return;
	case ' ':
		if (t->mode == TUI_PAUSED) {
			t->mode = TUI_LIVE;
			t->next_sample = mono_now();
		} else if (t->mode == TUI_LIVE) {
			t->mode = TUI_PAUSED;
		}
		t->dirty |= DIRTY_HEADER;
		return;
	case '+':
	case '=':
		change_delay(t, 1);
		return;
	case '-':
		change_delay(t, -1);
		return;
	case 'C':
		cycle_theme(t);
		return;
	case '/':
	case KEY_F(3):
		start_prompt(t, '/');
		return;
	case '\\':
	case KEY_F(4):
		start_prompt(t, '\\');
		return;
	case 12:	/* Ctrl-L */
		clearok(curscr, TRUE);
		t->dirty = DIRTY_ALL;
		return;
	case 'a':
		open_actions(t, top);
		return;
	case 'o':
		trace_selected(t, top);
		return;
	case '!':
		strip_open(t, 0);
		return;
	case 'A':
		if (tui_no_actions(t))
			tui_set_status(t, THEME_STATUS, "%s", tui_no_actions(t));
		else
			tui_open(t, &(struct tui_ref){ .kind = TUI_REF_ACTLOG });
		return;
	case 'm':
		if (t->rp)
			tui_set_status(t, THEME_STATUS, "replay: notes are added while recording "
				       "(leaktop --record FILE)");
		else if (!t->rec)
			tui_set_status(t, THEME_STATUS, "not recording: notes need leaktop "
				       "--record FILE");
		else if (!t->recording)
			tui_set_status(t, THEME_ERROR, "not recording: the recording stopped "
				       "after a write error");
		else
			tui_prompt_open(t, 'm', "");
		return;
	case KEY_MOUSE:
		mouse_event(t);
		return;
	default:
		break;
	}
	if (ch >= '1' && ch <= '9' && ch - '1' < t->npanes) {
		tui_switch_pane(t, ch - '1');
		return;
	}
	top->cls->key(top, t, ch);
}

/*
 * After an Esc: a key sequence curses did not know (tmux's Home is ESC [ 1 ~
 * under some TERMs) is already waiting; swallow it whole so that its '['
 * is not taken for a key.  Returns 1 if one was swallowed.
 */
static int unknown_sequence(void)
{
	int c, i;

	timeout(0);
	c = getch();
	if (c != '[' && c != 'O') {
		if (c != ERR)
			ungetch(c);
		return 0;
	}
	for (i = 0; i < 16; i++) {
		c = getch();
		if (c == ERR || (c >= 0x40 && c <= 0x7e))
			break;
	}
	return 1;
}

/* ---- setup ----------------------------------------------------------- */

static void load_theme(struct tui *t)
{
	char name[64] = "default", err[300] = "";
	const char *want = t->o->theme;

	if (!want && theme_rc_read(name, sizeof(name)) == 0)
		want = name;
	if (!want)
		want = "default";
	theme_builtin(&t->theme);
	if (theme_load(want, &t->theme, err, sizeof(err)) < 0) {
		theme_builtin(&t->theme);
		tui_set_status(t, THEME_ERROR, "%s (using the default theme)", err);
	}
}

/* Unknown until a sample says (header_draw takes them from the sample,
 * whose fields core read under the sample's procfs root). */
static void host_info(struct tui *t)
{
	snprintf(t->host, sizeof(t->host), "?");
	snprintf(t->kernel, sizeof(t->kernel), "?");
}

static int curses_start(struct tui *t)
{
	const char *nc = getenv("NO_COLOR");

	t->screen = newterm(NULL, stdout, stdin);
	if (!t->screen) {
		version_term_message(t->fatal, sizeof(t->fatal), getenv("TERM"));
		return -1;
	}
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	t->colour = has_colors() && !(nc && *nc);
	if (t->colour) {
		start_color();
		use_default_colors();
	}
	draw_theme_apply(t);
	if (!t->o->no_mouse) {
		mmask_t m = BUTTON1_CLICKED | BUTTON1_DOUBLE_CLICKED;
#ifdef BUTTON5_PRESSED
		m |= BUTTON4_PRESSED | BUTTON5_PRESSED;
#endif
		t->mouse = mousemask(m, NULL) != 0;
	}
	return 0;
}

int tui_run(const struct lt_opts *o)
{
	struct lt_err err = { "" };
	struct tui *t;
	time_t last_clock = 0;
	int ret = 0, i;

	setlocale(LC_ALL, "");
	t = calloc(1, sizeof(*t));
	if (!t) {
		fputs("leaktop: out of memory\n", stderr);
		return EXIT_RUNTIME;
	}
	t->o = o;
	t->delay = o->delay;
	t->read_only = o->read_only;
	t->utf8 = !strcmp(nl_langinfo(CODESET), "UTF-8");
	host_info(t);
	if (o->replay_path) {
		/* before curses: a file that is not a recording is one line on
		 * stderr, the terminal untouched */
		if (replay_open(t) < 0) {
			ret = EXIT_RUNTIME;
			goto out;
		}
	} else {
		/* the live source alone: this loop paces it and records */
		t->src = calloc(1, sizeof(*t->src));
		if (t->src)
			t->src->o = o;
		if (!t->src || source_live_sampler(t->src, &err) < 0) {
			fprintf(stderr, "leaktop: %s\n", t->src ? err.msg : "out of memory");
			free(t->src);
			free(t);
			return EXIT_RUNTIME;
		}
		t->ctx = t->src->ctx;
	}
	if (o->record_path && !t->rp) {
		struct record_writer_config rc = {
			.path = o->record_path,
			.max_size = o->record_max_size,
			.procroot = o->procroot,
			.version = PACKAGE_VERSION,
			.interval = o->delay,
		};

		t->rec = record_writer_new(&rc, &err);
		if (!t->rec) {
			snprintf(t->fatal, sizeof(t->fatal), "leaktop: %s", err.msg);
			ret = EXIT_RUNTIME;
			goto out;
		}
		t->recording = 1;
		actions_set_audit_hook(record_audit_hook, t->rec);
	}
	t->openers = tui_open_table;
	t->replay_history = replay_sock_history;
	for (i = 0; i < TUI_NPANES && i < TUI_MAX_PANES; i++) {
		struct table *tb = table_new(tui_panes[i], NULL);

		if (!tb)
			goto nomem;
		t->panes[t->npanes++] = &tb->v;
	}
	load_theme(t);
	if (curses_start(t) < 0) {
		ret = EXIT_RUNTIME;
		goto out;
	}
	t->dirty = DIRTY_ALL;
	draw(t);
	t->next_sample = mono_now();
	if (t->rp) {
		replay_start(t);
		if (t->quit)
			ret = EXIT_RUNTIME;
	}

	while (!t->quit && !lt_stop_requested) {
		double now = mono_now(), wait = 0.25;
		time_t wall = time(NULL);
		int ch;

		if (t->rp) {
			wait = replay_tick(t, now, 0.25);
		} else if (t->mode == TUI_LIVE && now >= t->next_sample) {
			if (take_sample(t) < 0) {
				ret = EXIT_RUNTIME;
				break;
			}
			/* keep the cadence, but never queue up missed samples */
			t->next_sample += t->delay;
			now = mono_now();
			if (t->next_sample < now)
				t->next_sample = now + t->delay;
		}
		if (wall != last_clock && !t->rp) {
			last_clock = wall;
			t->dirty |= DIRTY_HEADER;
		}
		if (t->quit)
			break;
		draw(t);
		if (!t->rp) {
			wait = 0.25;
			if (t->mode == TUI_LIVE && t->next_sample - now < wait)
				wait = t->next_sample - now;
		}
		timeout(wait > 0 ? (int)ceil(wait * 1000) : 0);
		ch = getch();
		if (ch == 27 && unknown_sequence())
			continue;
		if (ch != ERR)
			handle_key(t, ch);
	}
out:
	if (t->screen) {
		endwin();
		delscreen(t->screen);
	}
	if (t->rec) {
		/* the end frame and an fsync, on q, F10 and the stop signals alike */
		actions_set_audit_hook(NULL, NULL);
		if (record_writer_close(t->rec, &err) < 0 && !t->fatal[0]) {
			snprintf(t->fatal, sizeof(t->fatal), "leaktop: %s: %s", o->record_path,
				 err.msg);
			ret = EXIT_RUNTIME;
		}
		t->rec = NULL;
	}
	if (t->fatal[0])
		fprintf(stderr, "%s\n", t->fatal);
	while (t->depth)
		tui_pop(t);
	for (i = 0; i < t->npanes; i++)
		t->panes[i]->cls->free(t->panes[i]);
	if (t->have)
		sample_release(&t->cur);
	if (t->src)
		t->src->close(t->src, 0);	/* frees t->ctx */
	free(t->src);
	replay_free(t);
	free(t->acts);
	free(t);
	return ret;
nomem:
	snprintf(t->fatal, sizeof(t->fatal), "leaktop: out of memory");
	ret = EXIT_RUNTIME;
	goto out;
}
