/*
 * The Services pane: which systemd unit, container or pod holds the socket
 * memory and the fds.  The cgroups of the sample as a tree (sample.cgroups,
 * already in core's pre-order: each level most socket memory first), a
 * parent's figures its whole subtree's, with what leaktop counts beside
 * what the kernel charges the cgroup.  Left folds a parent (or goes to the
 * parent of a child), Right opens it again, as htop's tree does; whatever
 * the sort column, children stay under their parent.  Enter shows the
 * cgroup's processes (the Processes pane filtered to it).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
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

/* The folded parents, by the hash of their paths: a cgroup stays folded
 * across samples. */
#define MAX_FOLDED 64

struct svc_data {
	uint64_t folded[MAX_FOLDED];
	size_t nfolded;
};

static uint64_t path_hash(const char *p)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *p; p++)	/* FNV-1a */
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return h;
}

static int is_folded(const struct table *tb, const struct sample_cgroup *g)
{
	const struct svc_data *d = tb->data;
	uint64_t h;
	size_t i;

	if (!d || !g->nchildren)
		return 0;
	h = path_hash(g->path);
	for (i = 0; i < d->nfolded; i++)
		if (d->folded[i] == h)
			return 1;
	return 0;
}

/* Core's pre-order, without the descendants of a folded parent. */
static size_t svc_rows(struct table *tb, const struct tui *t, uint32_t *rows, size_t max)
{
	size_t i, k = 0, n = svc_count(tb, t);
	int hide_below = -1;

	for (i = 0; i < n && k < max; i++) {
		const struct sample_cgroup *g = &t->cur.cgroups.v[i];

		if (hide_below >= 0 && g->depth > hide_below)
			continue;
		hide_below = is_folded(tb, g) ? g->depth : -1;
		rows[k++] = (uint32_t)i;
	}
	return k;
}

static void svc_cell(struct table *tb, const struct tui *t, uint32_t row, int col,
		     char *buf, size_t sz)
{
	const struct sample_cgroup *g = &t->cur.cgroups.v[row];
	int w = tb->w[col] > 0 ? tb->w[col] : cols[col].minw;

	switch (col) {
	case COL_NAME: {
		/* the tree: two columns per level, a parent's fold mark */
		int ind = 2 * (g->depth < 12 ? g->depth : 12);
		char safe[256];

		lt_sanitize(sample_cgroup_tree_label(g), safe, sizeof(safe));
		snprintf(buf, sz, "%*s%s%s", ind, "", !g->nchildren ? "" :
			 is_folded(tb, g) ? "[+] " : "[-] ", safe);
		break;
	}
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

/* Two siblings by column col, ascending. */
static int svc_cmp_siblings(const struct tui *t, uint32_t a, uint32_t b, int col)
{
	const struct sample_cgroup *x = &t->cur.cgroups.v[a], *y = &t->cur.cgroups.v[b];

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
		return strcmp(sample_cgroup_tree_label(x), sample_cgroup_tree_label(y));
	default:
		return strcmp(x->path, y->path);
	}
}

/* The tree stays a tree at every sort: an ancestor before its
 * descendants (in either direction), else the two ancestors that are
 * siblings compare by the column. */
static int svc_cmp(struct table *tb, const struct tui *t, uint32_t a, uint32_t b, int col)
{
	const struct sample_cgroup *v = t->cur.cgroups.v;
	int32_t x = (int32_t)a, y = (int32_t)b;
	int first = tb->sort_desc ? 1 : -1;	/* comes first after the table's flip */

	while (v[x].depth > v[y].depth && v[x].parent >= 0)
		x = v[x].parent;
	while (v[y].depth > v[x].depth && v[y].parent >= 0)
		y = v[y].parent;
	if (x == y)
		return a == b ? 0 : v[a].depth < v[b].depth ? first : -first;
	while (v[x].parent != v[y].parent && v[x].parent >= 0 && v[y].parent >= 0) {
		x = v[x].parent;
		y = v[y].parent;
	}
	return svc_cmp_siblings(t, (uint32_t)x, (uint32_t)y, col);
}

static struct table_key svc_key(struct table *tb, const struct tui *t, uint32_t row)
{
	/* a cgroup is followed by its path */
	struct table_key k = { path_hash(t->cur.cgroups.v[row].path), 0 };

	(void)tb;
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
	snprintf(buf, sz, "%zu cgroups%s (%s paths), a tree by socket memory; KERNEL: %s; "
		 "Enter: its processes; Left/Right: fold/open", tb->nrows, filt, c->version == CGROUP_V1 ? "v1 memory" : "v2",
		 c->n ? cgroup_acct_words(c->v[0].kernel.acct) : "-");
}

/* A problem moves its whole top-level subtree up ('P'), so the tree stays
 * whole: a parent's figures hold its children's. */
static int svc_problem(struct table *tb, const struct tui *t, uint32_t row)
{
	const struct sample_cgroup *v = t->cur.cgroups.v, *g = &v[row];

	(void)tb;
	while (g->parent >= 0)
		g = &v[g->parent];
	return g->nfindings > 0 || g->ghosts > 0;
}

/* Left folds the selected parent (a child, or a folded parent: selects
 * its parent); Right opens it. */
static int svc_keypress(struct table *tb, struct tui *t, int ch)
{
	struct svc_data *d = tb->data;
	const struct sample_cgroup *g;
	int64_t sel = table_selected(tb);
	uint64_t h;
	size_t i;

	if (ch != KEY_RIGHT && ch != KEY_LEFT)
		return 0;
	if (sel < 0 || !t->have)
		return 1;
	g = &t->cur.cgroups.v[sel];
	if (!d) {
		d = tb->data = calloc(1, sizeof(*d));
		if (!d)
			return 1;
	}
	h = path_hash(g->path);
	for (i = 0; i < d->nfolded && d->folded[i] != h; i++)
		;
	if (ch == KEY_LEFT && (!g->nchildren || i < d->nfolded)) {
		if (g->parent >= 0)
			table_select_key(tb, t, svc_key(tb, t, (uint32_t)g->parent));
		else
			tui_set_status(t, THEME_STATUS, "a top of the tree: nothing above it");
		return 1;
	}
	if (!g->nchildren) {
		tui_set_status(t, THEME_STATUS, "no cgroup below this one");
		return 1;
	}
	if (ch == KEY_LEFT && d->nfolded < MAX_FOLDED)
		d->folded[d->nfolded++] = h;
	else if (ch == KEY_RIGHT && i < d->nfolded)
		d->folded[i] = d->folded[--d->nfolded];
	table_rebuild(tb, t);
	table_select_key(tb, t, svc_key(tb, t, (uint32_t)sel));
	tui_set_status(t, THEME_STATUS, ch == KEY_LEFT ?
		       "%u cgroups folded under it; Right opens them" :
		       "%u cgroups shown under it; Left folds them", (unsigned)g->nchildren);
	return 1;
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
	.keypress = svc_keypress,
	.free_data = free,
};
