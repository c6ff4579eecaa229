/*
 * The Processes pane: who holds fds and socket memory.  With the process
 * scan (sample->have_procs) every process with its user, PSS, fds against
 * RLIMIT_NOFILE, fd growth, ghost sockets and queued bytes; without it, the
 * processes of the fd census with their fd and socket counts.  Enter opens
 * the process's fd table (fdview.c).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "leaktop/actions.h"
#include "leaktop/common.h"
#include "leaktop/fdtable.h"
#include "leaktop/findings.h"
#include "leaktop/procs.h"
#include "options.h"
#include "procpane.h"
#include "svcpane.h"
#include "table.h"
#include "tui.h"

enum {
	COL_PID, COL_USER, COL_PSS, COL_FDS, COL_LIMIT, COL_FDGROWTH, COL_GHOSTS,
	COL_SOCKS, COL_QUEUED, COL_CMD, NCOLS
};

static const struct table_col cols[NCOLS] = {
	[COL_PID] = { "PID", 7, 7, 1, 0, 0 },
	[COL_USER] = { "USER", 8, 10, 0, 6, 0 },
	[COL_PSS] = { "PSS", 6, 6, 1, 5, 1 },
	[COL_FDS] = { "FDS", 6, 6, 1, 2, 1 },
	[COL_LIMIT] = { "LIMIT", 6, 6, 1, 7, 1 },
	[COL_FDGROWTH] = { "FD/h", 6, 6, 1, 4, 1 },
	[COL_GHOSTS] = { "GHOSTS", 6, 6, 1, 3, 1 },
	[COL_SOCKS] = { "SOCKS", 6, 6, 1, 8, 1 },
	[COL_QUEUED] = { "QUEUED", 6, 6, 1, 1, 1 },
	[COL_CMD] = { "COMMAND", 12, 200, 0, 0, 0 },
};

static int full(const struct tui *t)
{
	return t->have && t->cur.have_procs;
}

static size_t proc_count(struct table *tb, const struct tui *t)
{
	(void)tb;
	if (!t->have)
		return 0;
	return full(t) ? t->cur.procs.n : t->cur.owners.nprocs;
}

static size_t proc_rows(struct table *tb, const struct tui *t, uint32_t *rows, size_t max)
{
	size_t i, n = proc_count(tb, t);

	for (i = 0; i < n && i < max; i++)
		rows[i] = (uint32_t)i;
	return i;
}

static int row_pid(const struct tui *t, uint32_t row)
{
	return full(t) ? t->cur.procs.v[row].pid : t->cur.owners.procs[row].pid;
}

static void proc_cell(struct table *tb, const struct tui *t, uint32_t row, int col,
		      char *buf, size_t sz)
{
	int w = tb->w[col] > 0 ? tb->w[col] : cols[col].minw;
	const struct proc_info *p;
	const struct fd_proc *c;

	if (!full(t)) {
		c = &t->cur.owners.procs[row];
		switch (col) {
		case COL_PID:
			snprintf(buf, sz, "%d", (int)c->pid);
			break;
		case COL_FDS:
			format_num(c->nfds, c->nfds >= 0, w, buf, sz);
			break;
		case COL_SOCKS:
			format_num(c->nsockets, c->nfds >= 0, w, buf, sz);
			break;
		case COL_CMD:
			lt_sanitize(c->comm, buf, sz);
			break;
		default:
			snprintf(buf, sz, "-");
			break;
		}
		return;
	}
	p = &t->cur.procs.v[row];
	switch (col) {
	case COL_PID:
		snprintf(buf, sz, "%d", (int)p->pid);
		break;
	case COL_USER:
		if (p->user[0])
			lt_sanitize(p->user, buf, sz);
		else
			snprintf(buf, sz, "%u", (unsigned)p->uid);
		break;
	case COL_PSS:
		if (p->pss_age < 0 || (p->hidden & PROC_HIDDEN_PSS))
			snprintf(buf, sz, "-");
		else
			format_size(p->pss, w, buf, sz);
		break;
	case COL_FDS:
		format_num(p->nfds, p->nfds >= 0, w, buf, sz);
		break;
	case COL_LIMIT:
		if (p->fd_soft < 0)
			snprintf(buf, sz, "%s", (p->hidden & PROC_HIDDEN_LIMITS) ? "-" : "unlim");
		else
			format_num((double)p->fd_soft, 1, w, buf, sz);
		break;
	case COL_FDGROWTH:
		if (p->growth_known && p->fd_growth_per_hour > 0)
			snprintf(buf, sz, "+");
		else
			buf[0] = '\0';
		format_num(p->fd_growth_per_hour, p->growth_known, w - (buf[0] != 0),
			   buf + (buf[0] != 0), sz - (buf[0] != 0));
		break;
	case COL_GHOSTS:
		format_num(p->ghosts, p->ghosts_known, w, buf, sz);
		break;
	case COL_SOCKS:
		format_num(p->nsockets, p->nfds >= 0, w, buf, sz);
		break;
	case COL_QUEUED:
		format_size(p->queued, w, buf, sz);
		break;
	case COL_CMD:
		lt_sanitize(p->cmdline && p->cmdline[0] ? p->cmdline : p->comm, buf, sz);
		break;
	}
}

#define CMP(a, b) (((a) > (b)) - ((a) < (b)))

static int proc_cmp(struct table *tb, const struct tui *t, uint32_t a, uint32_t b, int col)
{
	const struct proc_info *pa, *pb;
	char x[512], y[512];

	if (!full(t)) {
		const struct fd_proc *ca = &t->cur.owners.procs[a], *cb = &t->cur.owners.procs[b];

		switch (col) {
		case COL_PID:
			return CMP(ca->pid, cb->pid);
		case COL_FDS:
			return CMP(ca->nfds, cb->nfds);
		case COL_SOCKS:
		case COL_QUEUED:
			return CMP(ca->nsockets, cb->nsockets);
		default:
			break;
		}
	} else {
		pa = &t->cur.procs.v[a];
		pb = &t->cur.procs.v[b];
		switch (col) {
		case COL_PID:
			return CMP(pa->pid, pb->pid);
		case COL_PSS:
			return CMP(pa->pss, pb->pss);
		case COL_FDS:
			return CMP(pa->nfds, pb->nfds);
		case COL_LIMIT:
			return CMP(pa->fd_soft, pb->fd_soft);
		case COL_FDGROWTH:
			return CMP(pa->growth_known ? pa->fd_growth_per_hour : -1e300,
				   pb->growth_known ? pb->fd_growth_per_hour : -1e300);
		case COL_GHOSTS:
			return CMP(pa->ghosts, pb->ghosts);
		case COL_SOCKS:
			return CMP(pa->nsockets, pb->nsockets);
		case COL_QUEUED:
			return CMP(pa->queued, pb->queued);
		default:
			break;
		}
	}
	proc_cell(tb, t, a, col, x, sizeof(x));
	proc_cell(tb, t, b, col, y, sizeof(y));
	return strcmp(x, y);
}

static struct table_key proc_key(struct table *tb, const struct tui *t, uint32_t row)
{
	struct table_key k = { (uint64_t)row_pid(t, row), 0 };

	(void)tb;
	return k;
}

static int proc_elem(struct table *tb, const struct tui *t, uint32_t row, int col)
{
	const struct proc_info *p;

	(void)tb;
	if (!full(t))
		return col == COL_USER || col == COL_PSS || col == COL_LIMIT ||
		       col == COL_FDGROWTH || col == COL_GHOSTS || col == COL_QUEUED
		       ? THEME_MUTED : -1;
	p = &t->cur.procs.v[row];
	if (col < 0)
		return p->ghosts > 0 ? THEME_ROW_GHOST : -1;
	if (col == COL_FDGROWTH && p->growth_known && p->fd_growth_per_hour > 0)
		return THEME_GROWTH;
	if (col == COL_QUEUED && p->queued > 0)
		return THEME_MEM_SOCKETS;
	return -1;
}

static void proc_enter(struct table *tb, struct tui *t, uint32_t row)
{
	(void)tb;
	tui_open(t, &(struct tui_ref){ .kind = TUI_REF_FDS, .pid = row_pid(t, row),
				       .fd = TUI_FD_TOP });
}

static int proc_target(struct table *tb, const struct tui *t, uint32_t row,
		       struct tui_target *out)
{
	(void)tb;
	return tui_target_init(t, row_pid(t, row), -1, 0, 0, ACTIONS_NONE, out);
}

static void proc_note(struct table *tb, const struct tui *t, char *buf, size_t sz)
{
	if (!t->have)
		snprintf(buf, sz, "waiting for the first sample");
	else if (!t->cur.have_procs)
		snprintf(buf, sz, "process details (user, PSS, limits, growth, ghosts) not "
			 "collected: showing the fd census (%zu processes)", tb->nrows);
	else {
		snprintf(buf, sz, "%zu processes", tb->nrows);
	}
}

/* A process an open finding is about, or one worth a row in text and
 * Markdown (findings_proc_notable, by the --threshold values). */
static int proc_problem(struct table *tb, const struct tui *t, uint32_t row)
{
	if (full(t) && findings_proc_notable(&t->o->thresholds, &t->cur.procs.v[row]))
		return 1;
	return tui_finding_about_pid(&tb->data, t, row_pid(t, row));
}

/* "cg:NAME" (the Services pane's Enter): the processes of that cgroup */
static int proc_filter(struct table *tb, const struct tui *t, uint32_t row, const char *text)
{
	const struct sample_cgroup *g;
	size_t n = strlen(SVCPANE_FILTER);

	(void)tb;
	if (strncmp(text, SVCPANE_FILTER, n))
		return -1;
	g = sample_cgroup_of_pid(&t->cur, row_pid(t, row));
	return g && cgroup_matches(g->path, text + n);
}

const struct table_desc procpane_desc = {
	.name = "Processes",
	.cols = cols,
	.ncols = NCOLS,
	.sort_col = COL_QUEUED,
	.rows = proc_rows,
	.count = proc_count,
	.cell = proc_cell,
	.cmp = proc_cmp,
	.key = proc_key,
	.elem = proc_elem,
	.enter = proc_enter,
	.note = proc_note,
	.target = proc_target,
	.problem = proc_problem,
	.filter = proc_filter,
	.free_data = tui_findings_cache_free,
};
