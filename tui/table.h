/*
 * The table view: rows of one data source, laid out in columns that fit the
 * terminal, with sorting, incremental search, filtering, following a row
 * across refreshes and an htop-like selection bar.  A pane (Sockets,
 * Processes, the fd table of a drill-down) is one const struct table_desc;
 * adding a pane means adding a descriptor to tui.c's list.
 *
 * A row is a uint32_t index into the descriptor's data (the sample's socks,
 * procs, an fd table); rows are rebuilt on every sample.
 */
#ifndef LEAKTOP_TUI_TABLE_H
#define LEAKTOP_TUI_TABLE_H

#include <stdint.h>
#include "tui.h"

#define TABLE_MAXCOLS 16

struct table_col {
	const char *title;
	short minw, maxw;	/* maxw > minw: grows with the terminal */
	unsigned char right;	/* right-aligned (numbers) */
	unsigned char prio;	/* when narrow, the highest prio goes first */
	unsigned char desc;	/* sorts descending by default */
	/* too wide for the column: a sentence keeps its subject and figures
	 * (format_brief); otherwise text is cut with a mark (format_abbrev) */
	unsigned char brief;
};

/* What follows a row across refreshes: a socket (netns, inode), a pid. */
struct table_key {
	uint64_t a, b;
};

struct table_desc {
	const char *name;		/* tab label */
	const struct table_col *cols;
	int ncols;
	int sort_col;			/* initial sort column */
	/* fill rows[] (room for max) with the rows to show; returns count */
	size_t (*rows)(struct table *tb, const struct tui *t, uint32_t *rows, size_t max);
	size_t (*count)(struct table *tb, const struct tui *t);	/* max rows */
	/* sanitised cell text into buf */
	void (*cell)(struct table *tb, const struct tui *t, uint32_t row, int col,
		     char *buf, size_t sz);
	/* <0, 0, >0 in ascending order of col */
	int (*cmp)(struct table *tb, const struct tui *t, uint32_t a, uint32_t b, int col);
	struct table_key (*key)(struct table *tb, const struct tui *t, uint32_t row);
	/* theme element of a cell, or -1 for the row's normal colour */
	int (*elem)(struct table *tb, const struct tui *t, uint32_t row, int col);
	/* Enter on a row (drill down) */
	void (*enter)(struct table *tb, struct tui *t, uint32_t row);
	/* optional: a line above the table (sanitised), or "" */
	void (*note)(struct table *tb, const struct tui *t, char *buf, size_t sz);
	/* optional: refresh data before rows are rebuilt (new sample) */
	void (*reload)(struct table *tb, struct tui *t);
	/* optional: breadcrumb title; default is name */
	void (*title)(struct table *tb, const struct tui *t, char *buf, size_t sz);
	/* optional: release data */
	void (*free_data)(void *data);
	/* optional: what 'a' acts on for row; 0, or -1 for nothing */
	int (*target)(struct table *tb, const struct tui *t, uint32_t row,
		      struct tui_target *out);
	/* optional: a key the table does not use; returns 1 if used */
	int (*keypress)(struct table *tb, struct tui *t, int ch);
	/* optional: a filter word the pane understands itself ("mem:udp"):
	 * 1 if row matches it, 0 if not, -1 when text is no such word (then
	 * the row's text is matched, as for every pane) */
	int (*filter)(struct table *tb, const struct tui *t, uint32_t row, const char *text);
	/* optional: 1 when row has a finding or a flag: such rows come first
	 * at every sort key while tb->problems_first ('P' toggles it) */
	int (*problem)(struct table *tb, const struct tui *t, uint32_t row);
};

struct table {
	struct view v;
	const struct table_desc *d;
	void *data;			/* the descriptor's own state */
	uint32_t *rows;
	size_t nrows, cap;
	size_t sel, top;
	int sort_col, sort_desc;
	int problems_first;		/* see table_desc.problem; on at start */
	char filter[64];
	char search[64];
	int follow;
	struct table_key follow_key;
	int follow_lost;
	/* layout of the last draw */
	int x[TABLE_MAXCOLS], w[TABLE_MAXCOLS], shown[TABLE_MAXCOLS];
	int drawn_cols, drawn_y, drawn_h, drawn_rows_y;
	size_t drawn_sel, drawn_top;
	int drawn_valid;
};

extern const struct view_class table_view_class;

/* A table over desc; data belongs to it if desc->free_data is set. */
struct table *table_new(const struct table_desc *desc, void *data);
/* Rebuild the rows from t (after a sample, a filter change, a sort). */
void table_rebuild(struct table *tb, const struct tui *t);
/* Set the incremental search text and jump to the first match at or after
 * from (wrapping); returns 1 if a row matched. */
int table_search(struct table *tb, const struct tui *t, const char *text, size_t from);
/* Next (dir 1) / previous (dir -1) match of the current search. */
int table_search_next(struct table *tb, const struct tui *t, int dir);
void table_set_filter(struct table *tb, const struct tui *t, const char *text);
/* Sort by the column titled title, in its default direction; -1 if none. */
int table_sort_by(struct table *tb, struct tui *t, const char *title);
/* The selected row, or -1 when the table is empty. */
int64_t table_selected(const struct table *tb);
void table_select_key(struct table *tb, const struct tui *t, struct table_key k);

#endif
