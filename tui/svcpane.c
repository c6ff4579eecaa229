/*
 * The Services pane: which systemd unit, container or pod holds the socket
 * memory and the fds.  One row per cgroup of the sample (sample.cgroups,
 * already in core's order: most socket memory first), with what leaktop
 * counts beside what the kernel charges the cgroup.  Enter shows the
 * cgroup's processes (the Processes pane filtered to it).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "format.h"
#include "leaktop/cgroup.h"
#include "leaktop/common.h"
#include "svcpane.h"
#include "table.h"
#include "tui.h"

enum {
	COL_NAME, COL_MEM, COL_KERNEL, COL_QUEUED, COL_SOCKS, COL_PROCS, COL_FDS,
	COL_GHOSTS, COL_FINDS, COL_PATH, NCOLS
};

static const struct table_col cols[NCOLS] = {
	[COL_NAME] = { "SERVICE", 16, 48, 0, 0, 0, 1 },
	[COL_MEM] = { "SOCK MEM", 9, 9, 1, 1, 1 },
	[COL_KERNEL] = { "KERNEL", 9, 9, 1, 2, 1 },
	[COL_QUEUED] = { "QUEUED", 9, 9, 1, 3, 1 },
	[COL_SOCKS] = { "SOCKS", 6, 6, 1, 5, 1 },
	[COL_PROCS] = { "PROCS", 5, 5, 1, 6, 1 },
	[COL_FDS] = { "FDS", 6, 6, 1, 7, 1 },
	[COL_GHOSTS] = { "GHOSTS", 6, 6, 1, 4, 1 },
	[COL_FINDS] = { "FINDS", 5, 5, 1, 8, 1 },
	[COL_PATH] = { "CGROUP", 12, 200, 0, 9, 0 },
};

static size_t svc_count(struct table *tb, const struct tui *t)
{
	(void)tb;
	return t->have ? t->cur.cgroups.n : 0;
}

static size_t svc_rows(struct table *tb, const struct tui *t, uint32_t *rows, size_t max)
{
	size_t i, n = svc_count(tb, t);

	for (i = 0; i < n && i < max; i++)
		rows[i] = (uint32_t)i;
	return i;
}

static void svc_cell(struct table *tb, const struct tui *t, uint32_t row, int col,
		     char *buf, size_t sz)
{
	const struct sample_cgroup *g = &t->cur.cgroups.v[row];
	int w = tb->w[col] > 0 ? tb->w[col] : cols[col].minw;

	switch (col) {
	case COL_NAME:
		lt_sanitize(g->name.label, buf, sz);
		break;
	case COL_MEM:
		format_size(g->mem, w, buf, sz);
		break;
	case COL_KERNEL:
		/* the kernel's own figure, or why there is none */
		if (cgroup_acct_counts(g->kernel.acct))
			format_size(g->kernel.bytes, w, buf, sz);
		else
			snprintf(buf, sz, "%s", g->kernel.acct == CGROUP_ACCT_UNKNOWN ? "?" : "n/c");
		break;
	case COL_QUEUED:
		format_size(g->queued, w, buf, sz);
		break;
	case COL_SOCKS:
		format_num(g->nsockets, 1, w, buf, sz);
		break;
	case COL_PROCS:
		format_num(g->nprocs, 1, w, buf, sz);
		break;
	case COL_FDS:
		format_num(g->nfds, 1, w, buf, sz);
		break;
	case COL_GHOSTS:
		format_num(g->ghosts, 1, w, buf, sz);
		break;
	case COL_FINDS:
		format_num(g->nfindings, 1, w, buf, sz);
		break;
	case COL_PATH:
		lt_sanitize(g->path, buf, sz);
		break;
	}
}

#define CMP(a, b) (((a) > (b)) - ((a) < (b)))

static int svc_cmp(struct table *tb, const struct tui *t, uint32_t a, uint32_t b, int col)
{
	const struct sample_cgroup *x = &t->cur.cgroups.v[a], *y = &t->cur.cgroups.v[b];

	(void)tb;
	switch (col) {
	case COL_MEM:
		/* core's order: memory, then bytes waiting, then path */
		return CMP(b, a);
	case COL_KERNEL:
		return CMP(cgroup_acct_counts(x->kernel.acct) ? x->kernel.bytes : 0,
			   cgroup_acct_counts(y->kernel.acct) ? y->kernel.bytes : 0);
	case COL_QUEUED:
		return CMP(x->queued, y->queued);
	case COL_SOCKS:
		return CMP(x->nsockets, y->nsockets);
	case COL_PROCS:
		return CMP(x->nprocs, y->nprocs);
	case COL_FDS:
		return CMP(x->nfds, y->nfds);
	case COL_GHOSTS:
		return CMP(x->ghosts, y->ghosts);
	case COL_FINDS:
		return CMP(x->nfindings, y->nfindings);
	case COL_NAME:
		return strcmp(x->name.label, y->name.label);
	default:
		return strcmp(x->path, y->path);
	}
}

static struct table_key svc_key(struct table *tb, const struct tui *t, uint32_t row)
{
	const char *p = t->cur.cgroups.v[row].path;
	struct table_key k = { 1469598103934665603ULL, 0 };

	(void)tb;
	for (; *p; p++)	/* FNV-1a of the path: a cgroup followed by its path */
		k.a = (k.a ^ (unsigned char)*p) * 1099511628211ULL;
	return k;
}

static int svc_elem(struct table *tb, const struct tui *t, uint32_t row, int col)
{
	const struct sample_cgroup *g = &t->cur.cgroups.v[row];

	(void)tb;
	if (col < 0)
		return g->ghosts > 0 ? THEME_ROW_GHOST : g->nfindings > 0 ? THEME_ROW_FLAGGED : -1;
	if (col == COL_MEM && g->mem > 0)
		return THEME_MEM_SOCKETS;
	if (col == COL_KERNEL && !cgroup_acct_counts(g->kernel.acct))
		return THEME_MUTED;
	return -1;
}

static void svc_enter(struct table *tb, struct tui *t, uint32_t row)
{
	const struct sample_cgroup *g = &t->cur.cgroups.v[row];
	char arg[61];

	(void)tb;
	cgroup_short_arg(g->path, &g->name, arg, sizeof(arg));
	tui_show_procs_in_cgroup(t, arg);
}

static void svc_note(struct table *tb, const struct tui *t, char *buf, size_t sz)
{
	const struct sample_cgroups *c = &t->cur.cgroups;
	char filt[80] = "";

	if (!t->have) {
		snprintf(buf, sz, "waiting for the first sample");
		return;
	}
	if (!t->cur.have_procs) {
		snprintf(buf, sz, "no process scan in this sample: cgroups unknown");
		return;
	}
	if (c->filter) {
		char safe[64];

		snprintf(filt, sizeof(filt), " in --cgroup %s", lt_sanitize(c->filter, safe,
									     sizeof(safe)));
	}
	if (c->filter && c->n == 0) {
		snprintf(buf, sz, "no cgroup%s: no process is in it", filt);
		return;
	}
	/* what the KERNEL column is: the words of the top row's accounting */
	snprintf(buf, sz, "%zu cgroups%s (%s paths) by socket memory; KERNEL: %s; Enter: "
		 "its processes", tb->nrows, filt, c->version == CGROUP_V1 ? "v1 memory" : "v2",
		 c->n ? cgroup_acct_words(c->v[0].kernel.acct) : "-");
}

static int svc_problem(struct table *tb, const struct tui *t, uint32_t row)
{
	const struct sample_cgroup *g = &t->cur.cgroups.v[row];

	(void)tb;
	return g->nfindings > 0 || g->ghosts > 0;
}

const struct table_desc svcpane_desc = {
	.name = "Services",
	.cols = cols,
	.ncols = NCOLS,
	.sort_col = COL_MEM,
	.rows = svc_rows,
	.count = svc_count,
	.cell = svc_cell,
	.cmp = svc_cmp,
	.key = svc_key,
	.elem = svc_elem,
	.enter = svc_enter,
	.note = svc_note,
	.problem = svc_problem,
};
