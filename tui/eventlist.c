/*
 * The events of a replayed recording ('E'): every finding that appeared or
 * got worse, every action with its outcome, every note, in time order,
 * and after them the reader's warnings about damaged or missing frames.
 * Enter shows the sample an event happened at.  Everything from the file
 * is sanitised (rows_event_text).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "eventlist.h"
#include "leaktop/common.h"
#include "leaktop/findings.h"
#include "leaktop/record.h"
#include "replay.h"
#include "rows.h"
#include "table.h"
#include "tui.h"

enum { COL_TIME, COL_SAMPLE, COL_KIND, COL_TEXT, NCOLS };

static const struct table_col cols[NCOLS] = {
	[COL_TIME] = { "TIME", 8, 8, 0, 1, 0 },
	[COL_SAMPLE] = { "SAMPLE", 6, 7, 1, 2, 0 },
	[COL_KIND] = { "KIND", 7, 7, 0, 3, 0 },
	[COL_TEXT] = { "TEXT", 20, 400, 0, 0, 0, 1 },
};

/* rows: events 0 .. nevents-1, then the kept warnings */
static size_t nevents(const struct tui *t)
{
	return record_reader_nevents(replay_reader(t));
}

static size_t nwarn(const struct tui *t)
{
	size_t n = record_reader_nwarnings(replay_reader(t));

	return n > 64 ? 64 : n;
}

static size_t el_count(struct table *tb, const struct tui *t)
{
	(void)tb;
	return nevents(t) + nwarn(t);
}

static size_t el_rows(struct table *tb, const struct tui *t, uint32_t *rows, size_t max)
{
	size_t i, n = el_count(tb, t);

	for (i = 0; i < n && i < max; i++)
		rows[i] = (uint32_t)i;
	return i;
}

static void el_cell(struct table *tb, const struct tui *t, uint32_t row, int col,
		    char *buf, size_t sz)
{
	const struct record_event *e = row < nevents(t) ?
				       record_reader_event(replay_reader(t), row) : NULL;
	time_t when;
	struct tm tm;

	(void)tb;
	buf[0] = '\0';
	switch (col) {
	case COL_TIME:
		if (!e) {
			snprintf(buf, sz, "-");
			break;
		}
		when = (time_t)e->time;
		localtime_r(&when, &tm);
		strftime(buf, sz, "%H:%M:%S", &tm);
		break;
	case COL_SAMPLE:
		if (e)
			snprintf(buf, sz, "%zu", e->sample + 1);
		else
			snprintf(buf, sz, "-");
		break;
	case COL_KIND:
		snprintf(buf, sz, "%s", e ? rows_event_kind(e) : "warning");
		break;
	case COL_TEXT:
		if (e)
			rows_event_text(e, buf, sz);
		else
			lt_sanitize(record_reader_warning(replay_reader(t), row - nevents(t)), buf, sz);
		break;
	}
}

#define CMP(a, b) (((a) > (b)) - ((a) < (b)))

static int el_cmp(struct table *tb, const struct tui *t, uint32_t a, uint32_t b, int col)
{
	char x[512], y[512];

	if (col == COL_TIME || col == COL_SAMPLE)
		return CMP(a, b);	/* file order is time order; warnings last */
	el_cell(tb, t, a, col, x, sizeof(x));
	el_cell(tb, t, b, col, y, sizeof(y));
	return strcmp(x, y);
}

static struct table_key el_key(struct table *tb, const struct tui *t, uint32_t row)
{
	struct table_key k = { row, 0 };

	(void)tb;
	(void)t;
	return k;
}

static int el_elem(struct table *tb, const struct tui *t, uint32_t row, int col)
{
	const struct record_event *e;

	(void)tb;
	if (row >= nevents(t))
		return THEME_ERROR;
	e = record_reader_event(replay_reader(t), row);
	if (col == COL_KIND && e->type == RECORD_EV_ACTION)
		return THEME_ACTION_DONE;
	if (col == COL_KIND && e->type == RECORD_EV_FINDING)
		return e->finding.severity == FINDING_CRITICAL ? THEME_FINDING_CRITICAL :
		       e->finding.severity == FINDING_WARNING ? THEME_FINDING_WARNING :
								THEME_FINDING_INFO;
	if (e->sample == replay_pos(t) && col < 0)
		return THEME_NOTE;
	return -1;
}

static void el_enter(struct table *tb, struct tui *t, uint32_t row)
{
	const struct record_event *e;

	(void)tb;
	if (row >= nevents(t)) {
		tui_set_status(t, THEME_STATUS, "a warning about the file: no sample to show");
		return;
	}
	e = record_reader_event(replay_reader(t), row);
	if (e->sample >= replay_nsamples(t)) {
		tui_set_status(t, THEME_STATUS, "this event's sample was not kept");
		return;
	}
	replay_pause(t);
	if (tui_open(t, &(struct tui_ref){ .kind = TUI_REF_SAMPLE, .sample = e->sample }) < 0)
		return;
	tui_pop(t);	/* frees tb: nothing after this */
}

static void el_note(struct table *tb, const struct tui *t, char *buf, size_t sz)
{
	size_t nw = record_reader_nwarnings(replay_reader(t));

	(void)tb;
	snprintf(buf, sz, "%zu event%s in the recording%s%zu warning%s.  Enter: go to its "
		 "sample", nevents(t), nevents(t) == 1 ? "" : "s",
		 nw ? "; " : "; ", nw, nw == 1 ? "" : "s");
}

static void el_title(struct table *tb, const struct tui *t, char *buf, size_t sz)
{
	(void)tb;
	(void)t;
	snprintf(buf, sz, "events");
}

static const struct table_desc eventlist_desc = {
	.name = "events",
	.cols = cols,
	.ncols = NCOLS,
	.sort_col = COL_TIME,
	.rows = el_rows,
	.count = el_count,
	.cell = el_cell,
	.cmp = el_cmp,
	.key = el_key,
	.elem = el_elem,
	.enter = el_enter,
	.note = el_note,
	.title = el_title,
};

struct view *eventlist_new(struct tui *t)
{
	struct table *tb = table_new(&eventlist_desc, NULL);

	if (!tb)
		return NULL;
	table_view_class.sample(&tb->v, t);
	return &tb->v;
}
