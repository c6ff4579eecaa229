/*
 * The table view (htop's Panel): columns laid out to the terminal width,
 * rows sorted by any column, incremental search, filtering, following a
 * row across refreshes.  Moving the selection repaints only the old and
 * the new selected line; anything else repaints the table.  An active
 * filter is always shown, at the right end of the pane's note line.
 */
#include <stdlib.h>
#include <string.h>

#include "draw.h"
#include "format.h"
#include "table.h"
#include "tui.h"

struct sort_arg {
	struct table *tb;
	const struct tui *t;
};

static int cmp_rows(const void *a, const void *b, void *arg)
{
	const struct sort_arg *sa = arg;
	uint32_t ra = *(const uint32_t *)a, rb = *(const uint32_t *)b;
	int c;

	c = sa->tb->d->cmp(sa->tb, sa->t, ra, rb, sa->tb->sort_col);

	if (c == 0)
		return (ra > rb) - (ra < rb);
	return sa->tb->sort_desc ? -c : c;
}

/*
 * Sort the rows by the sort column.  With problems first, the rows with a
 * problem are moved to the front first (each row asked once, in a stable
 * pass), then each part is sorted on its own: the comparator never asks.
 */
static void sort_rows(struct table *tb, const struct tui *t)
{
	struct sort_arg sa = { tb, t };
	size_t i, nprob = 0, nrest = 0;
	uint32_t *rest = NULL;

	if (tb->problems_first && tb->d->problem && tb->nrows > 0) {
		rest = malloc(tb->nrows * sizeof(*rest));
		if (rest) {
			for (i = 0; i < tb->nrows; i++) {
				if (tb->d->problem(tb, t, tb->rows[i]))
					tb->rows[nprob++] = tb->rows[i];
				else
					rest[nrest++] = tb->rows[i];
			}
			memcpy(tb->rows + nprob, rest, nrest * sizeof(*rest));
			free(rest);
		}
	}
	if (!nprob) {
		if (tb->nrows > 1)
			qsort_r(tb->rows, tb->nrows, sizeof(*tb->rows), cmp_rows, &sa);
		return;
	}
	if (nprob > 1)
		qsort_r(tb->rows, nprob, sizeof(*tb->rows), cmp_rows, &sa);
	if (nrest > 1)
		qsort_r(tb->rows + nprob, nrest, sizeof(*tb->rows), cmp_rows, &sa);
}

/* Every cell of row, joined by spaces: what search and filter look at. */
static void row_text(struct table *tb, const struct tui *t, uint32_t row, char *buf,
		     size_t sz)
{
	size_t len = 0;
	int c;

	buf[0] = '\0';
	for (c = 0; c < tb->d->ncols && len + 2 < sz; c++) {
		tb->d->cell(tb, t, row, c, buf + len, sz - len - 1);
		len += strlen(buf + len);
		buf[len++] = ' ';
		buf[len] = '\0';
	}
}

static int row_matches(struct table *tb, const struct tui *t, uint32_t row,
		       const char *text)
{
	char buf[1024];

	row_text(tb, t, row, buf, sizeof(buf));
	return format_match(buf, text);
}

int64_t table_selected(const struct table *tb)
{
	return tb->nrows ? (int64_t)tb->rows[tb->sel] : -1;
}

static void select_index(struct table *tb, size_t i)
{
	tb->sel = tb->nrows ? (i < tb->nrows ? i : tb->nrows - 1) : 0;
}

void table_select_key(struct table *tb, const struct tui *t, struct table_key k)
{
	size_t i;

	for (i = 0; i < tb->nrows; i++) {
		struct table_key r = tb->d->key(tb, t, tb->rows[i]);

		if (r.a == k.a && r.b == k.b) {
			tb->sel = i;
			return;
		}
	}
}

/* Rebuild rows, keeping the selected row (by key) when keep_key. */
static void rebuild(struct table *tb, const struct tui *t, int keep_key)
{
	struct table_key k = { 0, 0 };
	int had = tb->nrows > 0;
	size_t n, i, o;

	/* only while the rows still index the same data (sort, filter) */
	if (had && keep_key)
		k = tb->d->key(tb, t, tb->rows[tb->sel]);
	n = tb->d->count(tb, t);
	if (n > tb->cap) {
		uint32_t *r = realloc(tb->rows, n * sizeof(*r));

		if (!r)
			n = tb->cap;	/* show what fits; better than nothing */
		else {
			tb->rows = r;
			tb->cap = n;
		}
	}
	tb->nrows = tb->cap ? tb->d->rows(tb, t, tb->rows, n) : 0;
	if (tb->filter[0]) {
		for (i = o = 0; i < tb->nrows; i++) {
			int m = tb->d->filter ? tb->d->filter(tb, t, tb->rows[i], tb->filter) : -1;

			if (m < 0)
				m = row_matches(tb, t, tb->rows[i], tb->filter);
			if (m)
				tb->rows[o++] = tb->rows[i];
		}
		tb->nrows = o;
	}
	sort_rows(tb, t);
	if (tb->follow) {
		size_t before = tb->sel;

		tb->sel = (size_t)-1;
		table_select_key(tb, t, tb->follow_key);
		tb->follow_lost = tb->sel == (size_t)-1;
		if (tb->follow_lost)
			tb->sel = before;
	} else if (keep_key && had) {
		table_select_key(tb, t, k);
	}
	select_index(tb, tb->sel);
	tb->drawn_valid = 0;
}

void table_rebuild(struct table *tb, const struct tui *t)
{
	rebuild(tb, t, 0);
}

int table_search(struct table *tb, const struct tui *t, const char *text, size_t from)
{
	size_t i;

	snprintf(tb->search, sizeof(tb->search), "%s", text);
	if (!tb->nrows || !text[0])
		return 0;
	for (i = 0; i < tb->nrows; i++) {
		size_t r = (from + i) % tb->nrows;

		if (row_matches(tb, t, tb->rows[r], text)) {
			tb->sel = r;
			tb->follow = 0;
			return 1;
		}
	}
	return 0;
}

int table_search_next(struct table *tb, const struct tui *t, int dir)
{
	size_t i;

	if (!tb->nrows || !tb->search[0])
		return 0;
	for (i = 1; i <= tb->nrows; i++) {
		size_t r = dir > 0 ? (tb->sel + i) % tb->nrows
				   : (tb->sel + tb->nrows * 2 - i) % tb->nrows;

		if (row_matches(tb, t, tb->rows[r], tb->search)) {
			tb->sel = r;
			tb->follow = 0;
			return 1;
		}
	}
	return 0;
}

void table_set_filter(struct table *tb, const struct tui *t, const char *text)
{
	snprintf(tb->filter, sizeof(tb->filter), "%s", text);
	rebuild(tb, t, 1);
}

/* Fit the columns into cols: drop the highest prio until the minimums fit,
 * then let the growing columns take the rest. */
static void layout(struct table *tb, int cols)
{
	const struct table_col *c = tb->d->cols;
	int i, total, nshown, extra, last_flex = -1, x = 0;

	for (i = 0; i < tb->d->ncols; i++)
		tb->shown[i] = 1;
	for (;;) {
		int worst = -1;

		total = 0;
		nshown = 0;
		for (i = 0; i < tb->d->ncols; i++) {
			if (!tb->shown[i])
				continue;
			total += c[i].minw;
			nshown++;
			if (worst < 0 || c[i].prio > c[worst].prio)
				worst = i;
		}
		total += nshown - 1;
		if (total <= cols || nshown <= 1)
			break;
		tb->shown[worst] = 0;
	}
	extra = cols - total;
	for (i = 0; i < tb->d->ncols; i++) {
		tb->w[i] = c[i].minw;
		if (!tb->shown[i] || c[i].maxw <= c[i].minw)
			continue;
		last_flex = i;
		if (extra > 0) {
			int add = c[i].maxw - c[i].minw;

			if (add > extra)
				add = extra;
			tb->w[i] += add;
			extra -= add;
		}
	}
	if (extra > 0 && last_flex >= 0)
		tb->w[last_flex] += extra;
	for (i = 0; i < tb->d->ncols; i++) {
		tb->x[i] = x;
		if (tb->shown[i])
			x += tb->w[i] + 1;
	}
	tb->drawn_cols = cols;
}

static void draw_header(struct table *tb, struct tui *t, int y)
{
	int i;

	draw_fill(t, y, 0, COLS, THEME_TABLE_HEADER);
	for (i = 0; i < tb->d->ncols; i++) {
		if (!tb->shown[i])
			continue;
		draw_cell(t, y, tb->x[i], tb->w[i], tb->d->cols[i].right,
			  tb->d->cols[i].title,
			  i == tb->sort_col ? THEME_TABLE_SORT : THEME_TABLE_HEADER);
	}
}

/* Text wider than its column is never cut silently: a sentence keeps its
 * figures, a word is marked as abbreviated.  Search and filter still see
 * the whole text (row_text). */
static void fit_cell(struct table *tb, struct tui *t, int c, char *buf, size_t sz)
{
	int w = tb->w[c];
	char tmp[1024];

	if (tb->x[c] + w > COLS)
		w = COLS - tb->x[c];
	if (w <= 0 || format_width(buf, t->utf8) <= w)
		return;
	snprintf(tmp, sizeof(tmp), "%s", buf);
	if (tb->d->cols[c].brief)
		format_brief(tmp, w, t->utf8, buf, sz);
	else
		format_abbrev(tmp, w, t->utf8, buf, sz);
}

static void draw_row(struct table *tb, struct tui *t, int y, size_t i)
{
	int sel = i == tb->sel, c, base = THEME_NORMAL;
	uint32_t row = tb->rows[i];
	char buf[512];

	if (sel)
		base = tb->follow ? THEME_FOLLOW : THEME_SELECTION;
	else if ((c = tb->d->elem(tb, t, row, -1)) >= 0)
		base = c;
	draw_fill(t, y, 0, COLS, base);
	for (c = 0; c < tb->d->ncols; c++) {
		int e = base;

		if (!tb->shown[c])
			continue;
		if (!sel) {
			int ce = tb->d->elem(tb, t, row, c);

			if (ce >= 0)
				e = ce;
		}
		tb->d->cell(tb, t, row, c, buf, sizeof(buf));
		fit_cell(tb, t, c, buf, sizeof(buf));
		draw_cell(t, y, tb->x[c], tb->w[c], tb->d->cols[c].right, buf, e);
	}
}

/* The filter's tag, " filter "udp" ", at the right end of line y: a
 * filtered row never vanishes unexplained, however narrow the terminal.
 * Returns the columns it took (0 without a filter). */
static int draw_filter_tag(struct table *tb, struct tui *t, int y)
{
	char val[64], tag[96];
	int w;

	if (!tb->filter[0])
		return 0;
	format_untrusted(tb->filter, 24, t->utf8, val, sizeof(val));
	snprintf(tag, sizeof(tag), " filter \"%s\" ", val);
	w = format_width(tag, t->utf8);
	if (w > COLS - 1)
		w = COLS - 1;
	draw_text(t, y, COLS - w, w, tag, THEME_PROMPT);
	return w;
}

static void table_draw(struct view *v, struct tui *t, int y, int h, int full)
{
	struct table *tb = (struct table *)v;
	int rows_y = y + 1, vis, r, tagw;
	char note[256] = "";
	size_t i;

	if (tb->d->note)
		tb->d->note(tb, t, note, sizeof(note));
	if (note[0])
		rows_y++;
	vis = y + h - rows_y;
	if (vis < 1)
		vis = 1;
	if (tb->sel < tb->top)
		tb->top = tb->sel;
	if (tb->sel >= tb->top + (size_t)vis)
		tb->top = tb->sel - (size_t)vis + 1;
	if (tb->top + (size_t)vis > tb->nrows)
		tb->top = tb->nrows > (size_t)vis ? tb->nrows - (size_t)vis : 0;

	if (!full && tb->drawn_valid && tb->drawn_top == tb->top && tb->drawn_y == y &&
	    tb->drawn_h == h && tb->drawn_cols == COLS && tb->drawn_rows_y == rows_y) {
		/* only the selection moved */
		if (tb->drawn_sel != tb->sel && tb->drawn_sel < tb->nrows)
			draw_row(tb, t, rows_y + (int)(tb->drawn_sel - tb->top), tb->drawn_sel);
		if (tb->sel < tb->nrows)
			draw_row(tb, t, rows_y + (int)(tb->sel - tb->top), tb->sel);
		tb->drawn_sel = tb->sel;
		return;
	}
	layout(tb, COLS);
	if (note[0]) {
		draw_fill(t, y, 0, COLS, THEME_NOTE);
		tagw = draw_filter_tag(tb, t, y);
		draw_text(t, y, 1, COLS - 1 - tagw, note, THEME_NOTE);
		y++;
		draw_header(tb, t, y);
	} else {
		draw_header(tb, t, y);
		draw_filter_tag(tb, t, y);
	}
	for (r = 0; r < vis; r++) {
		i = tb->top + (size_t)r;
		if (i < tb->nrows)
			draw_row(tb, t, rows_y + r, i);
		else
			draw_fill(t, rows_y + r, 0, COLS, THEME_NORMAL);
	}
	if (tb->nrows == 0 && vis > 0)
		draw_text(t, rows_y, 1, COLS - 1,
			  tb->filter[0] ? "no row matches the filter (\\ then Esc clears it)"
					: "nothing to show", THEME_MUTED);
	tb->drawn_valid = 1;
	tb->drawn_sel = tb->sel;
	tb->drawn_top = tb->top;
	tb->drawn_y = y - (note[0] ? 1 : 0);
	tb->drawn_h = h;
	tb->drawn_rows_y = rows_y;
}

static void move_sel(struct table *tb, long delta)
{
	long n = (long)tb->nrows, s = (long)tb->sel + delta;

	if (!n)
		return;
	if (s < 0)
		s = 0;
	if (s >= n)
		s = n - 1;
	tb->sel = (size_t)s;
	tb->follow = 0;
}

static void set_sort(struct table *tb, struct tui *t, int col, int invert)
{
	if (col == tb->sort_col && invert)
		tb->sort_desc = !tb->sort_desc;
	else {
		tb->sort_col = col;
		tb->sort_desc = tb->d->cols[col].desc;
	}
	rebuild(tb, t, 1);
	t->dirty |= DIRTY_VIEW | DIRTY_TABS;
}

int table_sort_by(struct table *tb, struct tui *t, const char *title)
{
	int c;

	for (c = 0; c < tb->d->ncols; c++)
		if (!strcmp(tb->d->cols[c].title, title)) {
			tb->sort_col = -1;	/* the column's own direction */
			set_sort(tb, t, c, 0);
			return 0;
		}
	return -1;
}

static int table_key_fn(struct view *v, struct tui *t, int ch)
{
	struct table *tb = (struct table *)v;
	long page = tui_body_lines() - 2;
	int64_t row;

	if (page < 1)
		page = 1;
	switch (ch) {
	case KEY_UP:
		move_sel(tb, -1);
		break;
	case KEY_DOWN:
		move_sel(tb, 1);
		break;
	case KEY_PPAGE:
		move_sel(tb, -page);
		break;
	case KEY_NPAGE:
		move_sel(tb, page);
		break;
	case KEY_HOME:
		move_sel(tb, -(long)tb->nrows);
		break;
	case KEY_END:
		move_sel(tb, (long)tb->nrows);
		break;
	case '<':
		set_sort(tb, t, (tb->sort_col + tb->d->ncols - 1) % tb->d->ncols, 0);
		return 1;
	case '>':
	case KEY_F(6):
		set_sort(tb, t, (tb->sort_col + 1) % tb->d->ncols, 0);
		return 1;
	case 'P':
		if (!tb->d->problem)
			return 0;
		tb->problems_first = !tb->problems_first;
		rebuild(tb, t, 1);
		tui_set_status(t, THEME_STATUS, "problems first: %s",
			       tb->problems_first ? "on (rows with a finding or a flag on top)" :
			       "off (the sort key alone)");
		t->dirty |= DIRTY_VIEW | DIRTY_TABS;
		return 1;
	case 'I':
		set_sort(tb, t, tb->sort_col, 1);
		return 1;
	case 'F':
		row = table_selected(tb);
		tb->follow = !tb->follow && row >= 0;
		tb->follow_lost = 0;
		if (tb->follow)
			tb->follow_key = tb->d->key(tb, t, (uint32_t)row);
		tui_set_status(t, THEME_STATUS, "%s", tb->follow ?
			       "following the selected row (move to stop)" : "follow off");
		tb->drawn_valid = 0;
		break;
	case 'n':
	case 'N':
		if (!table_search_next(tb, t, ch == 'n' ? 1 : -1))
			tui_set_status(t, THEME_STATUS, "%s", tb->search[0] ?
				       "no other match" : "no search: press / first");
		break;
	case '\n':
	case '\r':
	case KEY_ENTER:
		row = table_selected(tb);
		/* every Enter opens something or says why not */
		if (row < 0)
			tui_set_status(t, THEME_STATUS, "%s", tb->filter[0] ?
				       "nothing to open: no row matches the filter" :
				       "nothing to open: the table is empty");
		else if (!tb->d->enter)
			tui_set_status(t, THEME_STATUS, "Enter opens nothing here");
		else
			tb->d->enter(tb, t, (uint32_t)row);
		return 1;
	default:
		return tb->d->keypress ? tb->d->keypress(tb, t, ch) : 0;
	}
	t->dirty |= DIRTY_VIEW | DIRTY_TABS;
	return 1;
}

static void table_click(struct view *v, struct tui *t, int y, int x, int dbl)
{
	struct table *tb = (struct table *)v;
	int hy = tb->drawn_rows_y - 1 - TUI_Y_BODY, c;
	size_t i;

	if (!tb->drawn_valid)
		return;
	if (y == hy) {
		for (c = 0; c < tb->d->ncols; c++)
			if (tb->shown[c] && x >= tb->x[c] && x <= tb->x[c] + tb->w[c])
				set_sort(tb, t, c, 1);
		return;
	}
	if (y < hy + 1)
		return;
	i = tb->top + (size_t)(y - hy - 1);
	if (i >= tb->nrows)
		return;
	tb->sel = i;
	tb->follow = 0;
	t->dirty |= DIRTY_VIEW | DIRTY_TABS;
	if (dbl && tb->d->enter)
		tb->d->enter(tb, t, tb->rows[i]);
}

static void table_sample(struct view *v, struct tui *t)
{
	struct table *tb = (struct table *)v;

	if (tb->d->reload)
		tb->d->reload(tb, t);
	rebuild(tb, t, 0);
}

/* On top again: what the view above did (an action) may show here now. */
static void table_shown(struct view *v, struct tui *t)
{
	table_rebuild((struct table *)v, t);
}

static void table_title(struct view *v, const struct tui *t, char *buf, size_t sz)
{
	struct table *tb = (struct table *)v;

	if (tb->d->title)
		tb->d->title(tb, t, buf, sz);
	else
		snprintf(buf, sz, "%s", tb->d->name);
}

static struct table *table_table(struct view *v)
{
	return (struct table *)v;
}

static int table_target(struct view *v, const struct tui *t, struct tui_target *out)
{
	struct table *tb = (struct table *)v;
	int64_t row = table_selected(tb);

	if (!tb->d->target || row < 0)
		return -1;
	return tb->d->target(tb, t, (uint32_t)row, out);
}

static void table_free(struct view *v)
{
	struct table *tb = (struct table *)v;

	if (!tb)
		return;
	if (tb->d->free_data)
		tb->d->free_data(tb->data);
	free(tb->rows);
	free(tb);
}

const struct view_class table_view_class = {
	.name = "table",
	.title = table_title,
	.draw = table_draw,
	.key = table_key_fn,
	.click = table_click,
	.sample = table_sample,
	.table = table_table,
	.free = table_free,
	.target = table_target,
	.shown = table_shown,
};

struct table *table_new(const struct table_desc *desc, void *data)
{
	struct table *tb = calloc(1, sizeof(*tb));

	if (!tb)
		return NULL;
	tb->v.cls = &table_view_class;
	tb->d = desc;
	tb->data = data;
	tb->sort_col = desc->sort_col;
	tb->sort_desc = desc->cols[desc->sort_col].desc;
	tb->problems_first = 1;
	return tb;
}
