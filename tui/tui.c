/*
 * The interactive UI: the sampling loop, the screen layout (header, memory
 * pane, tabs, the current view, status line), the view stack of
 * drill-downs, global keys (the action menu 'a' and the session's actions
 * 'A' among them) and the prompts (search, filter, a note, go to).  Until
 * the first key press the pane follows the evidence: the first warning or
 * critical finding brings the Findings pane up.
 *
 * --record: every sample taken is appended to the recording, actions go to
 * it through the audit hook, 'm' adds a note; the file is closed cleanly on
 * q, F10 and the stop signals.  --replay: samples come from the recording
 * (replay.c) and nothing reads the live machine.
 *
 * Idle cost: getch blocks until the next sample is due (at most 250 ms, to
 * notice a stop signal), and nothing is drawn unless something changed;
 * curses sends only the cells that differ.
 */
#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "actlog.h"
#include "actmenu.h"
#include "config.h"
#include "draw.h"
#include "findpane.h"
#include "format.h"
#include "header.h"
#include "help.h"
#include "leaktop/actions.h"
#include "leaktop/common.h"
#include "leaktop/fallback.h"
#include "leaktop/fdtable.h"
#include "leaktop/findings.h"
#include "leaktop/history.h"
#include "leaktop/origin.h"
#include "leaktop/procs.h"
#include "leaktop/record.h"
#include "leaktop/sample.h"
#include "mempane.h"
#include "options.h"
#include "procpane.h"
#include "replay.h"
#include "sockpane.h"
#include "svcpane.h"
#include "strip.h"
#include "table.h"
#include "theme.h"
#include "tui.h"
#include "version.h"

/* The panes of the main screen, in tab order. */
static const struct table_desc *const pane_descs[] = {
	&sockpane_desc,
	&procpane_desc,
	&findpane_desc,
	&mempane_desc,
	&svcpane_desc,
};
#define SOCKETS_PANE 0
#define PROCS_PANE 1
#define FINDINGS_PANE 2
#define NPANES ((int)(sizeof(pane_descs) / sizeof(pane_descs[0])))

static const double delay_steps[] = { 0.2, 0.5, 1, 2, 3, 5, 10, 15, 30, 60, 120, 300,
				      600, 1800, 3600 };

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

struct view *tui_top(struct tui *t)
{
	return t->depth ? t->stack[t->depth - 1] : t->panes[t->pane];
}

int tui_body_lines(void)
{
	return LINES - TUI_Y_BODY - 1;
}

void tui_set_status(struct tui *t, int elem, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->status, sizeof(t->status), fmt, ap);
	va_end(ap);
	t->status_elem = elem;
	t->status_ttl = 0;
	t->dirty |= DIRTY_STATUS;
}

void tui_push(struct tui *t, struct view *v)
{
	if (!v) {
		tui_set_status(t, THEME_ERROR, "out of memory");
		return;
	}
	if (t->depth == TUI_STACK) {
		v->cls->free(v);
		tui_set_status(t, THEME_STATUS, "too deep: press Esc to go back first");
		return;
	}
	t->stack[t->depth++] = v;
	t->dirty |= DIRTY_BODY | DIRTY_TABS | DIRTY_STATUS;
}

static void pop(struct tui *t)
{
	struct view *top;

	if (!t->depth)
		return;
	t->depth--;
	t->stack[t->depth]->cls->free(t->stack[t->depth]);
	t->dirty |= DIRTY_BODY | DIRTY_TABS | DIRTY_STATUS;
	/* what the popped view did (an action) may show below it now */
	top = tui_top(t);
	if (t->have && top->cls == &table_view_class)
		table_rebuild((struct table *)top, t);
}

void tui_pop(struct tui *t)
{
	pop(t);
}

int tui_target_init(const struct tui *t, int pid, int fd, uint64_t inode,
		    uint64_t netns, enum actions_kind suggested, struct tui_target *out)
{
	const struct proc_info *p = t->have && t->cur.have_procs ?
				    procs_find(&t->cur.procs, pid) : NULL;
	const struct fd_proc *c = t->have ? fdtable_census_proc(&t->cur.owners, pid) : NULL;
	size_t i;

	memset(out, 0, sizeof(*out));
	out->pid = pid;
	out->fd = fd;
	out->inode = fd >= 0 ? inode : 0;
	out->netns = netns;
	out->start_ticks = p ? p->start_ticks : 0;
	snprintf(out->comm, sizeof(out->comm), "%s", p ? p->comm : c ? c->comm : "");
	out->suggested = suggested;
	/* the findings, then the members of groups (each keeps its action) */
	for (i = 0; t->have && suggested == ACTIONS_NONE &&
		    i < t->cur.findings.n + t->cur.findings.nmembers; i++) {
		const struct finding *f = i < t->cur.findings.n ? &t->cur.findings.v[i] :
				&t->cur.findings.members[i - t->cur.findings.n];
		enum actions_kind k = (enum actions_kind)f->action;

		if (k == ACTIONS_NONE || f->pid != pid)
			continue;
		if (actions_kind_needs_fd(k) ? fd >= 0 && f->fd == fd && f->inode == inode : 1) {
			out->suggested = k;
			break;
		}
	}
	return 0;
}

const char *tui_no_actions(const struct tui *t)
{
	if (t->rp)
		return "replay: actions are not available";
	if (t->read_only)
		return "actions disabled: --read-only";
	if (actions_procroot_foreign(t->o->procroot))
		return "actions disabled: --procfs is not this machine's /proc";
	return NULL;
}

size_t tui_sock_history(struct tui *t, uint64_t netns, uint64_t inode, uint32_t *q,
			size_t max)
{
	double ht[HISTORY_POINTS];

	if (t->rp)
		return replay_sock_history(t, netns, inode, q, max);
	if (!t->ctx)
		return 0;
	return history_series_of(sample_ctx_history(t->ctx), netns, inode, ht, q,
				 max < HISTORY_POINTS ? max : HISTORY_POINTS);
}

static int alarming(const struct sample *s)
{
	return findings_any_leak(&s->findings);
}

void tui_install_sample(struct tui *t, struct sample *s)
{
	struct sample old = t->cur;
	int had = t->have, i;

	t->cur = *s;
	t->have = 1;
	if (!t->rp)
		header_push_sample(t);	/* replay.c fills the ring itself */
	for (i = 0; i < t->npanes; i++)
		t->panes[i]->cls->sample(t->panes[i], t);
	for (i = 0; i < t->depth; i++)
		if (t->stack[i]->cls->sample)
			t->stack[i]->cls->sample(t->stack[i], t);
	if (had)
		sample_release(&old);
	/* the start-up pane: Findings as soon as there is something to see */
	if (!t->touched && !t->depth && alarming(&t->cur)) {
		t->pane = FINDINGS_PANE;
		t->touched = 1;
	}
	t->dirty = DIRTY_ALL;
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

	/* t->cur is consumed (moved into s or freed): it is replaced below */
	if (sample_take_next(t->ctx, t->have ? &t->cur : NULL, &s, &err) < 0) {
		char safe[256];

		lt_sanitize(err.msg, safe, sizeof(safe));
		snprintf(t->fatal, sizeof(t->fatal), "leaktop: %s", safe);
		return -1;
	}
	/* --cgroup naming nothing is a mistake, not an empty screen (as -b) */
	if (t->o->cgroup && s.seq == 1 && !sample_cgroup_known(&s, t->o->cgroup) &&
	    !cgroup_dir_exists(CGROUP_ROOT_DEFAULT, t->o->cgroup)) {
		char safe[256];

		sample_release(&s);
		snprintf(t->fatal, sizeof(t->fatal), "leaktop: --cgroup %s: no such cgroup "
			 "(no process is in it)", lt_sanitize(t->o->cgroup, safe, sizeof(safe)));
		return -1;
	}
	/* --trace: where the findings' sockets were created (why not, once) */
	if (t->origin) {
		origin_update(t->origin, &s, sample_ctx_history(t->ctx));
		if (origin_why_off(t->origin)[0] && s.seq == 1)
			tui_set_status(t, THEME_ERROR, "socket origins are off: %s",
				       origin_why_off(t->origin));
	}
	/* with -p the recording keeps those processes' fd tables, as -b does */
	if (t->recording && t->o->npids && sample_attach_fdtables(t->ctx, &s, &err) < 0)
		tui_set_status(t, THEME_ERROR, "fd tables not recorded: out of memory");
	tui_install_sample(t, &s);
	if (t->recording && record_write_sample(t->rec, &t->cur, &err) < 0)
		record_failed(t, &err);
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

static void switch_pane(struct tui *t, int pane)
{
	while (t->depth)
		pop(t);
	t->pane = (pane + t->npanes) % t->npanes;
	t->jump_from = 0;	/* a pane chosen by hand: Esc no longer goes back */
	t->dirty |= DIRTY_BODY | DIRTY_TABS | DIRTY_STATUS;
}

void tui_show_sockets(struct tui *t, const char *proto)
{
	struct table *tb = (struct table *)t->panes[SOCKETS_PANE];
	int from = t->pane;

	switch_pane(t, SOCKETS_PANE);
	table_set_filter(tb, t, proto ? proto : "");
	t->jump_from = from + 1;
	snprintf(t->jump_filter, sizeof(t->jump_filter), "%s", proto ? proto : "");
	if (proto)
		tui_set_status(t, THEME_STATUS, "Sockets filtered to \"%s\"; Esc clears it and "
			       "goes back", proto);
}

void tui_show_procs_by_pss(struct tui *t)
{
	int from = t->pane;

	switch_pane(t, PROCS_PANE);
	table_sort_by((struct table *)t->panes[PROCS_PANE], t, "PSS");
	t->jump_from = from + 1;
	t->jump_filter[0] = '\0';
	tui_set_status(t, THEME_STATUS, "Processes sorted by PSS; Esc goes back");
}

void tui_show_procs_in_cgroup(struct tui *t, const char *arg)
{
	struct table *tb = (struct table *)t->panes[PROCS_PANE];
	char filter[64], safe[64];
	int from = t->pane;

	snprintf(filter, sizeof(filter), "%s%s", SVCPANE_FILTER, arg);
	switch_pane(t, PROCS_PANE);
	table_set_filter(tb, t, filter);
	t->jump_from = from + 1;
	snprintf(t->jump_filter, sizeof(t->jump_filter), "%s", filter);
	tui_set_status(t, THEME_STATUS, "Processes of %s; Esc clears it and goes back",
		       lt_sanitize(arg, safe, sizeof(safe)));
}

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
	switch_pane(t, to);
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
static void line_prompt_key(struct tui *t, int ch)
{
	size_t len = strlen(t->prompt_buf);
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
	case KEY_BACKSPACE:
	case 127:
	case 8:
		while (len > 0 && ((unsigned char)t->prompt_buf[len - 1] & 0xc0) == 0x80)
			len--;
		if (len > 0)
			len--;
		t->prompt_buf[len] = '\0';
		return;
	default:
		if (ch < 0x20 || ch > 0xff || ch == 0x7f || len + 1 >= sizeof(t->prompt_buf))
			return;
		t->prompt_buf[len] = (char)ch;
		t->prompt_buf[len + 1] = '\0';
		return;
	}
}

static void prompt_key(struct tui *t, int ch)
{
	struct view *top = tui_top(t);
	struct table *tb = top->cls->table ? top->cls->table(top) : NULL;
	size_t len = strlen(t->prompt_buf);

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
	case KEY_BACKSPACE:
	case 127:
	case 8:
		while (len > 0 && ((unsigned char)t->prompt_buf[len - 1] & 0xc0) == 0x80)
			len--;
		if (len > 0)
			len--;
		t->prompt_buf[len] = '\0';
		break;
	default:
		if (ch < 0x20 || ch > 0xff || ch == 0x7f || len + 1 >= sizeof(tb->search))
			return;
		t->prompt_buf[len] = (char)ch;
		t->prompt_buf[len + 1] = '\0';
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
	t->prompt = kind;
	t->prompt_saved_sel = tb->sel;
	snprintf(t->prompt_buf, sizeof(t->prompt_buf), "%s",
		 kind == '\\' ? tb->filter : "");
	t->dirty |= DIRTY_STATUS;
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
				switch_pane(t, i);
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
	tui_push(t, actmenu_new(t, &tg));
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
			pop(t);
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
		tui_push(t, help_new());
		return;
	case 27:
	case KEY_BACKSPACE:
	case 127:
	case 8:
		if (!jump_back(t))
			pop(t);
		return;
	case '\t':
		switch_pane(t, t->pane + 1);
		return;
	case KEY_BTAB:
		switch_pane(t, t->pane - 1);
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
	case '!':
		strip_open(t, 0);
		return;
	case 'A':
		if (tui_no_actions(t))
			tui_set_status(t, THEME_STATUS, "%s", tui_no_actions(t));
		else
			tui_push(t, actlog_new(t));
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
		else {
			t->prompt = 'm';
			t->prompt_buf[0] = '\0';
			t->dirty |= DIRTY_STATUS;
		}
		return;
	case KEY_MOUSE:
		mouse_event(t);
		return;
	default:
		break;
	}
	if (ch >= '1' && ch <= '9' && ch - '1' < t->npanes) {
		switch_pane(t, ch - '1');
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
	struct sample_config cfg;
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
		if (replay_open(t, o->replay_path, o->replay_budget) < 0) {
			ret = EXIT_RUNTIME;
			goto out;
		}
	} else {
		lt_opts_sample_config(o, &cfg);
		t->ctx = sample_ctx_new(&cfg, &err);
		if (!t->ctx) {
			fprintf(stderr, "leaktop: %s\n", err.msg);
			free(t);
			return EXIT_RUNTIME;
		}
		/* --trace (never with --read-only): the tracer, before the
		 * first census */
		if (o->ntrace && (t->origin = origin_new()) != NULL)
			for (i = 0; i < (int)o->ntrace; i++)
				origin_watch(t->origin, o->trace[i]);
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
	for (i = 0; i < NPANES && i < TUI_MAX_PANES; i++) {
		struct table *tb = table_new(pane_descs[i], NULL);

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
		pop(t);
	for (i = 0; i < t->npanes; i++)
		t->panes[i]->cls->free(t->panes[i]);
	if (t->have)
		sample_release(&t->cur);
	sample_ctx_free(t->ctx);
	origin_free(t->origin);
	replay_free(t);
	free(t->acts);
	free(t);
	return ret;
nomem:
	snprintf(t->fatal, sizeof(t->fatal), "leaktop: out of memory");
	ret = EXIT_RUNTIME;
	goto out;
}
