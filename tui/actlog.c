/*
 * This session's actions ('A'), newest first: when, what, the outcome, the
 * target and core's message, and whether it can still be undone.  'u'
 * opens the action menu on the same target with the undo pre-selected, so
 * the undo is previewed and confirmed like any action; 'a' opens the menu
 * on the entry's target.  The list lives in struct tui (actmenu.c adds to
 * it); the audit file (--audit-log) and syslog have the same records.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "actlog.h"
#include "format.h"
#include "leaktop/actions.h"
#include "leaktop/common.h"
#include "leaktop/findings.h"
#include "table.h"
#include "tui.h"

enum { COL_TIME, COL_ACTION, COL_OUTCOME, COL_TARGET, COL_COMM, COL_UNDO, COL_EFFECT,
       COL_MESSAGE, NCOLS };

static const struct table_col cols[NCOLS] = {
	[COL_TIME] = { "TIME", 8, 8, 0, 4, 1 },
	[COL_ACTION] = { "ACTION", 14, 14, 0, 0, 0 },
	[COL_OUTCOME] = { "OUTCOME", 7, 7, 0, 1, 0 },
	[COL_TARGET] = { "PID/FD", 10, 10, 0, 2, 0 },
	[COL_COMM] = { "COMMAND", 9, 16, 0, 5, 0 },
	[COL_UNDO] = { "UNDO", 16, 16, 0, 3, 0 },
	/* what the triage says of its target now: works, not working... */
	[COL_EFFECT] = { "EFFECT", 11, 11, 0, 6, 0 },
	[COL_MESSAGE] = { "MESSAGE", 20, 400, 0, 0, 0, 1 },
};

static size_t log_count(struct table *tb, const struct tui *t)
{
	(void)tb;
	return t->nacts;
}

static size_t log_rows(struct table *tb, const struct tui *t, uint32_t *rows, size_t max)
{
	size_t i;

	(void)tb;
	for (i = 0; i < t->nacts && i < max; i++)
		rows[i] = (uint32_t)i;
	return i;
}

/* The current finding the action acts on (findings_action_covers, the
 * rule that marks it mitigated): its socket's (a finding, or a member of a
 * group), or for a process-wide action the process's fd exhaustion. */
static const struct finding *target_finding(const struct tui *t, const struct actions_result *r)
{
	const struct finding_list *l = &t->cur.findings;
	size_t i;

	if (!t->have)
		return NULL;
	for (i = 0; i < l->n + l->nmembers; i++) {
		const struct finding *f = i < l->n ? &l->v[i] : &l->members[i - l->n];

		if (findings_action_covers(f, r->kind, r->target.pid, r->target.fd,
					   r->target.inode))
			return f;
	}
	return NULL;
}

static void log_cell(struct table *tb, const struct tui *t, uint32_t row, int col,
		     char *buf, size_t sz)
{
	const struct tui_action *a = &t->acts[row];
	const struct actions_result *r = &a->res;
	time_t when = (time_t)a->time;
	struct tm tm;

	(void)tb;
	switch (col) {
	case COL_TIME:
		localtime_r(&when, &tm);
		strftime(buf, sz, "%H:%M:%S", &tm);
		break;
	case COL_ACTION:
		snprintf(buf, sz, "%s", actions_kind_name(r->kind));
		break;
	case COL_OUTCOME:
		snprintf(buf, sz, "%s", actions_outcome_name(r->outcome));
		break;
	case COL_TARGET:
		if (r->target.fd >= 0)
			snprintf(buf, sz, "%d/%d", r->target.pid, r->target.fd);
		else
			snprintf(buf, sz, "%d", r->target.pid);
		break;
	case COL_COMM:
		lt_sanitize(r->target.comm, buf, sz);
		break;
	case COL_UNDO:
		if (a->undone)
			snprintf(buf, sz, "undone");
		else if (r->can_undo)
			snprintf(buf, sz, "u: %s", actions_kind_name(r->undo.kind));
		else
			snprintf(buf, sz, "-");
		break;
	case COL_EFFECT: {
		const struct finding *f = r->outcome == ACTIONS_DONE ? target_finding(t, r) : NULL;

		if (!f)
			snprintf(buf, sz, "-");
		else if (f->state == FINDING_MITIGATED)
			snprintf(buf, sz, "%s", findings_check_name((enum finding_check)f->check));
		else
			snprintf(buf, sz, "%s", findings_state_name((enum finding_state)f->state));
		break;
	}
	case COL_MESSAGE:
		format_safe(r->outcome == ACTIONS_DONE || !r->reason[0] ? r->message : r->reason,
			    0, buf, sz);
		break;
	default:
		buf[0] = '\0';
		break;
	}
}

#define CMP(a, b) (((a) > (b)) - ((a) < (b)))

static int log_cmp(struct table *tb, const struct tui *t, uint32_t a, uint32_t b, int col)
{
	char x[512], y[512];

	if (col == COL_TIME)
		return CMP(a, b);	/* the order they ran in */
	log_cell(tb, t, a, col, x, sizeof(x));
	log_cell(tb, t, b, col, y, sizeof(y));
	return strcmp(x, y);
}

static struct table_key log_key(struct table *tb, const struct tui *t, uint32_t row)
{
	struct table_key k = { row, 0 };

	(void)tb;
	(void)t;
	return k;
}

static int log_elem(struct table *tb, const struct tui *t, uint32_t row, int col)
{
	const struct tui_action *a = &t->acts[row];

	(void)tb;
	if (col == COL_OUTCOME)
		return a->res.outcome == ACTIONS_DONE ? THEME_ACTION_DONE : THEME_ERROR;
	if (col < 0 && a->undone)
		return THEME_MUTED;
	return -1;
}

static void log_enter(struct table *tb, struct tui *t, uint32_t row)
{
	const struct actions_result *r = &t->acts[row].res;
	char msg[256];

	(void)tb;
	format_safe(r->outcome == ACTIONS_DONE || !r->reason[0] ? r->message : r->reason, 0,
		    msg, sizeof(msg));
	tui_set_status(t, r->outcome == ACTIONS_DONE ? THEME_STATUS : THEME_ERROR, "%s %s: %s",
		       actions_kind_name(r->kind), actions_outcome_name(r->outcome), msg);
}

static int entry_target(const struct tui *t, uint32_t row, enum actions_kind suggested,
			struct tui_target *out)
{
	const struct actions_result *r = &t->acts[row].res;

	memset(out, 0, sizeof(*out));
	out->pid = r->target.pid;
	out->fd = actions_kind_needs_fd(r->kind) ? r->target.fd : -1;
	out->inode = out->fd >= 0 ? r->target.inode : 0;
	out->start_ticks = r->target.start_ticks;
	snprintf(out->comm, sizeof(out->comm), "%s", r->target.comm);
	out->suggested = suggested;
	return 0;
}

static int log_target(struct table *tb, const struct tui *t, uint32_t row,
		      struct tui_target *out)
{
	(void)tb;
	return entry_target(t, row, ACTIONS_NONE, out);
}

static int log_keypress(struct table *tb, struct tui *t, int ch)
{
	int64_t row = table_selected(tb);
	const struct tui_action *a;
	struct tui_target tg;

	if (ch != 'u')
		return 0;
	if (row < 0) {
		tui_set_status(t, THEME_STATUS, "no action to undo yet");
		return 1;
	}
	a = &t->acts[row];
	if (a->undone)
		tui_set_status(t, THEME_STATUS, "%s was undone already",
			       actions_kind_name(a->res.kind));
	else if (!a->res.can_undo)
		tui_set_status(t, THEME_STATUS, "%s %s: nothing to undo",
			       actions_kind_name(a->res.kind), actions_outcome_name(a->res.outcome));
	else if (t->read_only)
		tui_set_status(t, THEME_STATUS, "actions disabled: --read-only");
	else {
		entry_target(t, (uint32_t)row, a->res.undo.kind, &tg);
		tui_open(t, &(struct tui_ref){ .kind = TUI_REF_ACTIONS, .target = &tg });
	}
	return 1;
}

static void log_note(struct table *tb, const struct tui *t, char *buf, size_t sz)
{
	size_t i, done = 0, undone = 0;

	(void)tb;
	if (!t->nacts) {
		snprintf(buf, sz, "no actions yet in this session: a on a socket, a process or a "
			 "finding opens the action menu");
		return;
	}
	for (i = 0; i < t->nacts; i++) {
		done += t->acts[i].res.outcome == ACTIONS_DONE;
		undone += t->acts[i].undone != 0;
	}
	snprintf(buf, sz, "%zu action%s this session (%zu done, %zu undone since); u: undo the "
		 "selected one, a: act on its target again", t->nacts, t->nacts == 1 ? "" : "s",
		 done, undone);
}

static void log_title(struct table *tb, const struct tui *t, char *buf, size_t sz)
{
	(void)tb;
	(void)t;
	snprintf(buf, sz, "session actions");
}

static const struct table_desc actlog_desc = {
	.name = "actions",
	.cols = cols,
	.ncols = NCOLS,
	.sort_col = COL_TIME,
	.rows = log_rows,
	.count = log_count,
	.cell = log_cell,
	.cmp = log_cmp,
	.key = log_key,
	.elem = log_elem,
	.enter = log_enter,
	.note = log_note,
	.title = log_title,
	.target = log_target,
	.keypress = log_keypress,
};

struct view *actlog_new(struct tui *t)
{
	struct table *tb = table_new(&actlog_desc, NULL);

	if (!tb)
		return NULL;
	table_rebuild(tb, t);
	return &tb->v;
}
