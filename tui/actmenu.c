/*
 * The action menu ('a'): the actions that apply to the selected socket fd
 * (drop-filter, undo-filter, shrink-rcvbuf, undo-rcvbuf, drain, and the
 * owner's fd limit) or process (raise-fd-limit, undo-fd-limit), each with
 * core's preview of exactly what it will do and whether a safety check
 * would refuse it.  y applies the selected one (the preview on the screen
 * is the question, y/N the answer); an action that destroys data (its
 * entry's confirm: drain) also needs its name typed out.  The result (done, refused or failed, the reason, before and
 * after figures) stays on the screen and goes into the session's list
 * (actlog.c).  Everything goes through core/actions.c, pinned to the
 * process start time and socket inode the scan saw.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actmenu.h"
#include "draw.h"
#include "format.h"
#include "leaktop/actions.h"
#include "leaktop/common.h"
#include "leaktop/sample.h"
#include "options.h"
#include "tui.h"

#define AM_MAX ACTIONS_NKINDS

enum am_mode { AM_LIST, AM_TYPE };

struct actmenu {
	struct view v;
	struct tui_target tg;
	int nk, sel;
	enum actions_kind kinds[AM_MAX];
	struct actions_result prev[AM_MAX];	/* previews, refreshed after a run */
	enum am_mode mode;
	char typed[16];				/* AM_TYPE: what was typed so far */
	int have_result, result_for;		/* the last run, for kinds[result_for] */
	struct actions_result result;
};

static void request(const struct actmenu *am, const struct tui *t, enum actions_kind k,
		    struct actions_request *rq)
{
	int fdk = actions_kind_needs_fd(k);

	memset(rq, 0, sizeof(*rq));
	rq->kind = k;
	rq->pid = am->tg.pid;
	rq->fd = fdk ? am->tg.fd : -1;
	rq->inode = fdk ? am->tg.inode : 0;
	rq->start_ticks = am->tg.start_ticks;
	rq->value = -1;
	rq->read_only = t->read_only;
	rq->procroot = t->o->procroot;
	rq->audit_log = t->o->audit_log;
	rq->no_audit_file = t->o->no_audit_file;
}

static void preview_all(struct actmenu *am, const struct tui *t)
{
	struct actions_request rq;
	int i;

	for (i = 0; i < am->nk; i++) {
		request(am, t, am->kinds[i], &rq);
		if (actions_preview(&rq, &am->prev[i]) < 0) {
			memset(&am->prev[i], 0, sizeof(am->prev[i]));
			am->prev[i].kind = am->kinds[i];
			am->prev[i].outcome = ACTIONS_FAILED;
			snprintf(am->prev[i].reason, sizeof(am->prev[i].reason),
				 "not a valid request for this target");
		}
	}
}

static void run(struct actmenu *am, struct tui *t, int confirm_drain)
{
	struct actions_request rq;
	enum actions_kind k = am->kinds[am->sel];

	request(am, t, k, &rq);
	rq.confirm_drain = confirm_drain;
	if (actions_run(&rq, &am->result) < 0) {
		tui_set_status(t, THEME_ERROR, "%s: not a valid request for this target",
			       actions_kind_name(k));
		return;
	}
	am->have_result = 1;
	am->result_for = am->sel;
	/* its limits (or fds) may have changed: read it afresh next sample */
	if (t->ctx)
		sample_ctx_forget_pid(t->ctx, rq.pid);
	if (tui_record_action(t, &am->result) < 0)
		tui_set_status(t, THEME_ERROR, "out of memory: the action is not in the "
			       "session's list (it is in the audit log)");
	else
		tui_set_status(t, am->result.outcome == ACTIONS_DONE ? THEME_STATUS : THEME_ERROR,
			       "%s: %s", actions_kind_name(k),
			       actions_outcome_name(am->result.outcome));
	preview_all(am, t);
	t->dirty |= DIRTY_BODY;
}

/* One paragraph of safe text, wrapped, from row; returns the next row. */
static int paragraph(struct tui *t, int row, int end, const char *raw, int keep_nl, int elem)
{
	char text[2048], line[1024];
	struct format_span sp[48];
	size_t n, i, len;

	format_safe(raw, keep_nl, text, sizeof(text));
	n = format_wrap(text, COLS - 4, t->utf8, sp, 48);
	for (i = 0; i < n && i < 48 && row < end; i++, row++) {
		len = sp[i].len < sizeof(line) ? sp[i].len : sizeof(line) - 1;
		memcpy(line, text + sp[i].off, len);
		line[len] = '\0';
		draw_text(t, row, 3, COLS - 4, line, elem);
	}
	return row;
}

static void draw_result(struct actmenu *am, struct tui *t, int *row, int end)
{
	const struct actions_result *r = &am->result;
	char buf[600], fig[256];
	int done = r->outcome == ACTIONS_DONE;

	snprintf(buf, sizeof(buf), "Result: %s: %s", actions_outcome_name(r->outcome),
		 done ? r->message : r->reason[0] ? r->reason : r->message);
	*row = paragraph(t, *row, end, buf, 0, done ? THEME_ACTION_DONE : THEME_ERROR);
	if (r->before.have && *row < end) {
		snprintf(buf, sizeof(buf), "before: %s", format_figures(&r->before, fig, sizeof(fig)));
		*row = paragraph(t, *row, end, buf, 0, THEME_NORMAL);
	}
	if (r->after.have && *row < end) {
		snprintf(buf, sizeof(buf), "after:  %s", format_figures(&r->after, fig, sizeof(fig)));
		*row = paragraph(t, *row, end, buf, 0, THEME_NORMAL);
	}
	if (r->warning[0] && *row < end) {
		snprintf(buf, sizeof(buf), "Warning: %s", r->warning);
		*row = paragraph(t, *row, end, buf, 0, THEME_NOTE);
	}
	if (r->can_undo && *row < end) {
		snprintf(buf, sizeof(buf), "Undo: %s (A lists this session's actions; u "
			 "undoes one)", actions_kind_name(r->undo.kind));
		*row = paragraph(t, *row, end, buf, 0, THEME_MUTED);
	}
}

static void am_draw(struct view *v, struct tui *t, int y, int h, int full)
{
	struct actmenu *am = (struct actmenu *)v;
	const struct actions_result *p = &am->prev[am->sel];
	enum actions_kind k = am->kinds[am->sel];
	int row = y, end = y + h - 1, i, x;
	char buf[600], comm[96], local[160];

	(void)full;
	for (i = y; i < y + h; i++)
		draw_fill(t, i, 0, COLS, THEME_NORMAL);
	lt_sanitize(am->tg.comm[0] ? am->tg.comm : p->target.comm, comm, sizeof(comm));
	if (am->tg.fd >= 0) {
		lt_sanitize(p->target.local, local, sizeof(local));
		snprintf(buf, sizeof(buf), "Actions on %s (pid %d), fd %d: %s socket %" PRIu64
			 "%s%s", comm, am->tg.pid, am->tg.fd,
			 p->target.proto[0] ? p->target.proto : "a", am->tg.inode,
			 local[0] ? " " : "", local);
	} else {
		snprintf(buf, sizeof(buf), "Actions on %s (pid %d): its file descriptor limit",
			 comm, am->tg.pid);
	}
	draw_text(t, row++, 1, COLS - 2, buf, THEME_VALUE);
	if (am->tg.start_ticks && am->tg.fd >= 0)
		snprintf(buf, sizeof(buf), "pinned: pid %d started at tick %" PRIu64 ", fd %d = "
			 "socket %" PRIu64 "; refused if either changed", am->tg.pid,
			 am->tg.start_ticks, am->tg.fd, am->tg.inode);
	else if (am->tg.start_ticks)
		snprintf(buf, sizeof(buf), "pinned: pid %d started at tick %" PRIu64 "; refused "
			 "if the pid was reused", am->tg.pid, am->tg.start_ticks);
	else
		snprintf(buf, sizeof(buf), "the process was not in the scan: its start time is "
			 "read when the action runs");
	draw_text(t, row++, 1, COLS - 2, buf, THEME_MUTED);
	row++;
	for (i = 0; i < am->nk && row < end; i++, row++) {
		const struct actions_result *r = &am->prev[i];
		int e = i == am->sel ? THEME_SELECTION : THEME_NORMAL;
		const char *state = r->outcome == ACTIONS_PREVIEW ? "ready" :
				    actions_outcome_name(r->outcome);

		draw_fill(t, row, 0, COLS, e);
		snprintf(buf, sizeof(buf), " %c %-15s %-8s", i == am->sel ? '>' : ' ',
			 actions_kind_name(am->kinds[i]), state);
		x = draw_text(t, row, 1, COLS - 2, buf, e);
		snprintf(buf, sizeof(buf), "%s%s", am->kinds[i] == am->tg.suggested ?
			 "(suggested) " : "", actions_kind_effect(am->kinds[i]));
		draw_text(t, row, 1 + x, COLS - 2 - x, buf,
			  i == am->sel ? e : r->outcome == ACTIONS_PREVIEW ? THEME_NORMAL
									: THEME_MUTED);
	}
	row++;
	if (am->have_result && am->result_for == am->sel && row < end) {
		draw_result(am, t, &row, end);
		row++;
	}
	if (row < end) {
		snprintf(buf, sizeof(buf), "What %s will do:", actions_kind_name(k));
		draw_text(t, row++, 1, COLS - 2, buf, THEME_LABEL);
	}
	if (p->preview[0])
		row = paragraph(t, row, end, p->preview, 1, THEME_NORMAL);
	if (p->outcome != ACTIONS_PREVIEW && !strstr(p->preview, "Refused:") && row < end) {
		snprintf(buf, sizeof(buf), "%s: %s", p->outcome == ACTIONS_REFUSED ? "Refused" :
			 "Cannot run", p->reason[0] ? p->reason : p->message);
		row = paragraph(t, row, end, buf, 0, THEME_ERROR);
	}

	/* the question, on the last row */
	row = y + h - 1;
	draw_fill(t, row, 0, COLS, THEME_NORMAL);
	if (am->mode == AM_TYPE) {
		char sz[16];

		snprintf(buf, sizeof(buf), "Type %s and press Enter to destroy the %s queued "
			 "(Esc cancels): ", actions_kind_name(k),
			 format_size(p->before.rmem, 7, sz, sizeof(sz)));
		x = draw_text(t, row, 1, COLS - 2, buf, THEME_ERROR);
		draw_text(t, row, 1 + x, COLS - 2 - x, am->typed, THEME_PROMPT);
		return;
	}
	if (p->outcome == ACTIONS_PREVIEW)
		snprintf(buf, sizeof(buf), "Apply %s? y: yes%s   n, Esc: no   Up/Down: another "
			 "action", actions_kind_name(k), actions_kind_needs_confirm(k) ?
			 " (then type its name)" : "");
	else
		snprintf(buf, sizeof(buf), "%s cannot run now (see why above)   Up/Down: another "
			 "action   Esc: back", actions_kind_name(k));
	draw_text(t, row, 1, COLS - 2, buf, THEME_PROMPT);
}

/* The second confirmation of an action that destroys something (its entry
 * says so: actions_kind_needs_confirm): its name, typed out. */
static int type_key(struct actmenu *am, struct tui *t, int ch)
{
	const char *name = actions_kind_name(am->kinds[am->sel]);
	size_t len = strlen(am->typed);

	switch (ch) {
	case 27:
		am->mode = AM_LIST;
		tui_set_status(t, THEME_STATUS, "%s cancelled: nothing was done", name);
		break;
	case '\n':
	case '\r':
	case KEY_ENTER:
		am->mode = AM_LIST;
		if (strcmp(am->typed, name) == 0) {
			run(am, t, 1);
		} else {
			char typed[64];

			lt_sanitize(am->typed, typed, sizeof(typed));
			tui_set_status(t, THEME_STATUS, "%s not confirmed (typed \"%s\", not "
				       "\"%s\"): nothing was done", name, typed, name);
		}
		break;
	case KEY_BACKSPACE:
	case 127:
	case 8:
		if (len)
			am->typed[len - 1] = '\0';
		break;
	default:
		if (ch >= 0x20 && ch < 0x7f && len + 1 < sizeof(am->typed)) {
			am->typed[len] = (char)ch;
			am->typed[len + 1] = '\0';
		}
		break;
	}
	t->dirty |= DIRTY_BODY;
	return 1;
}

static int am_key(struct view *v, struct tui *t, int ch)
{
	struct actmenu *am = (struct actmenu *)v;
	const struct actions_result *p = &am->prev[am->sel];

	if (am->mode == AM_TYPE)
		return type_key(am, t, ch);
	switch (ch) {
	case KEY_UP:
		if (am->sel > 0)
			am->sel--;
		break;
	case KEY_DOWN:
		if (am->sel + 1 < am->nk)
			am->sel++;
		break;
	case 'y':
	case 'Y':
		if (p->outcome != ACTIONS_PREVIEW) {
			tui_set_status(t, THEME_STATUS, "%s cannot run now: see why on the screen",
				       actions_kind_name(am->kinds[am->sel]));
			return 1;
		}
		if (actions_kind_needs_confirm(am->kinds[am->sel])) {
			am->mode = AM_TYPE;
			am->typed[0] = '\0';
			break;
		}
		run(am, t, 0);
		return 1;
	case 'n':
	case 'N':
		tui_set_status(t, THEME_STATUS, "no action taken");
		tui_pop(t);
		return 1;
	case 'r':
		preview_all(am, t);
		break;
	case '\n':
	case '\r':
	case KEY_ENTER:
		tui_set_status(t, THEME_STATUS, "press y to apply %s, n or Esc for no",
			       actions_kind_name(am->kinds[am->sel]));
		return 1;
	default:
		return 0;
	}
	t->dirty |= DIRTY_BODY;
	return 1;
}

static void am_title(struct view *v, const struct tui *t, char *buf, size_t sz)
{
	struct actmenu *am = (struct actmenu *)v;

	(void)t;
	if (am->tg.fd >= 0)
		snprintf(buf, sz, "actions: pid %d fd %d", am->tg.pid, am->tg.fd);
	else
		snprintf(buf, sz, "actions: pid %d", am->tg.pid);
}

static struct table *am_table(struct view *v)
{
	(void)v;
	return NULL;
}

static int am_grab(const struct view *v)
{
	return ((const struct actmenu *)v)->mode == AM_TYPE;
}

static void am_free(struct view *v)
{
	free(v);
}

static const struct view_class actmenu_class = {
	.name = "actions",
	.title = am_title,
	.draw = am_draw,
	.key = am_key,
	.table = am_table,
	.free = am_free,
	.grab = am_grab,
};

struct view *actmenu_new(struct tui *t, const struct tui_target *tg)
{
	struct actmenu *am = calloc(1, sizeof(*am));
	int i, k;

	if (!am)
		return NULL;
	am->v.cls = &actmenu_class;
	am->tg = *tg;
	am->tg.comm[sizeof(am->tg.comm) - 1] = '\0';
	/* every action in core's table: the socket ones from a socket fd, then
	 * the process ones (the owner's fd limit applies from a socket fd too) */
	for (k = ACTIONS_NONE + 1; tg->fd >= 0 && k < ACTIONS_NKINDS; k++)
		if (actions_kind_needs_fd((enum actions_kind)k))
			am->kinds[am->nk++] = (enum actions_kind)k;
	for (k = ACTIONS_NONE + 1; k < ACTIONS_NKINDS; k++)
		if (!actions_kind_needs_fd((enum actions_kind)k))
			am->kinds[am->nk++] = (enum actions_kind)k;
	preview_all(am, t);
	/* the suggested action, else the first one that would run */
	am->sel = -1;
	for (i = 0; i < am->nk && am->sel < 0; i++)
		if (am->kinds[i] == tg->suggested)
			am->sel = i;
	for (i = 0; i < am->nk && am->sel < 0; i++)
		if (am->prev[i].outcome == ACTIONS_PREVIEW)
			am->sel = i;
	if (am->sel < 0)
		am->sel = 0;
	return &am->v;
}
