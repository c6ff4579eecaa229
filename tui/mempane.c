/*
 * The Memory pane (key 4): the whole breakdown of MemTotal as a tree, the
 * parts adding up to MemTotal (free, page cache, buffers, shmem, user
 * anon, kernel known with its lines and top slab caches, socket buffers,
 * unaccounted), then the views that overlap them (socket memory by
 * protocol and orphans, user PSS with what could not be read).  Each line:
 * its value, its share of MemTotal, its change over the lines' window and a
 * sparkline; a line growing fast is highlighted.  Enter goes to what holds
 * it: a protocol's socket memory to the Sockets pane filtered to it, user
 * memory to Processes sorted by PSS, the kernel lines and "unaccounted" to
 * an explanation of what hides there and what to check next.  The top slab
 * caches fold under the slab lines until opened (Right, or Enter on a
 * folded slab line; Left folds them), so that the socket lines fit at
 * 120x40.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw.h"
#include "format.h"
#include "leaktop/findings.h"
#include "leaktop/meminfo.h"
#include "leaktop/sample.h"
#include "leaktop/sample_clock.h"
#include "leaktop/socket.h"
#include "mempane.h"
#include "options.h"
#include "rows.h"
#include "table.h"
#include "tui.h"

#define MEM_MAXLINES 48

enum mem_go { GO_EXPLAIN, GO_SOCKETS, GO_PROCS };

/* A line's id is its figure in core's memory series (history.h): its value
 * and its history come from there, as the header's and the rules' do. */
enum {
	L_TOTAL = MEMS_TOTAL, L_FREE = MEMS_FREE, L_CACHE = MEMS_CACHE,
	L_BUFFERS = MEMS_BUFFERS, L_SHMEM = MEMS_SHMEM, L_ANON = MEMS_ANON,
	L_KERNEL = MEMS_KERNEL, L_SLAB_R = MEMS_SLAB_R, L_SLAB_U = MEMS_SLAB_U,
	L_SLAB0 = MEMS_SLAB0, L_SLAB_LAST = MEMS_SLAB_LAST,
	L_PTABLES = MEMS_PTABLES, L_STACKS = MEMS_STACKS, L_VMALLOC = MEMS_VMALLOC,
	L_PERCPU = MEMS_PERCPU, L_HUGETLB = MEMS_HUGETLB, L_ZSWAP = MEMS_ZSWAP,
	L_SOCKBUF = MEMS_SOCKBUF, L_UNACC = MEMS_UNACC, L_SOCKETS = MEMS_SOCKETS,
	L_GROUP0 = MEMS_GROUP0, L_GROUP_LAST = MEMS_GROUP_LAST,
	L_PSS = MEMS_PSS, L_PSS_ANON = MEMS_PSS_ANON, L_PSS_FILE = MEMS_PSS_FILE,
	L_PSS_SHMEM = MEMS_PSS_SHMEM
};

struct mem_line {
	int id;
	int depth;		/* indent level in the tree */
	char label[64];		/* sanitised */
	double value;		/* bytes, NAN when unknown */
	enum mem_go go;
	char note[160];		/* said after the trend: what is hidden, ... */
	char filter[32];	/* GO_SOCKETS: the Sockets pane's filter, "" none */
};

struct mem_data {
	struct mem_line line[MEM_MAXLINES];
	size_t n;
	int have;		/* built from a sample */
	int slab_open;		/* the slab caches are shown under their line */
	int slab_n;		/* caches in the sample, shown or folded */
};

enum { COL_PART, COL_VALUE, COL_SHARE, COL_CHANGE, COL_TREND, NCOLS };

static const struct table_col cols[NCOLS] = {
	[COL_PART] = { "PART", 28, 36, 0, 0, 0 },
	[COL_VALUE] = { "VALUE", 10, 10, 1, 1, 1 },
	[COL_SHARE] = { "SHARE", 6, 6, 1, 3, 1 },
	[COL_CHANGE] = { "CHANGE", 11, 11, 1, 2, 1 },
	/* the rest of the line: a sparkline and the line's note */
	[COL_TREND] = { "TREND", 16, 400, 0, 4, 0 },
};

static struct mem_data *data_of(struct table *tb)
{
	if (!tb->data)
		tb->data = calloc(1, sizeof(struct mem_data));
	return tb->data;
}

static struct mem_line *add(struct mem_data *d, int id, int depth, const char *label,
			    double value, enum mem_go go)
{
	struct mem_line *l;

	if (d->n >= MEM_MAXLINES)
		return NULL;
	l = &d->line[d->n++];
	memset(l, 0, sizeof(*l));
	l->id = id;
	l->depth = depth;
	format_safe(label, 0, l->label, sizeof(l->label));
	l->value = value;
	l->go = go;
	return l;
}

#define V(id) mem_series_value(&s->mem, &s->slab, (id))

/* The lines of the current sample, in tree order. */
static void build(struct mem_data *d, const struct sample *s)
{
	const struct meminfo_breakdown *m = &s->mem;
	struct mem_line *l;
	char b[96], b2[32];
	int i;

	d->n = 0;
	add(d, L_TOTAL, 0, "MemTotal", V(L_TOTAL), GO_EXPLAIN);
	add(d, L_FREE, 1, "free", V(L_FREE), GO_EXPLAIN);
	add(d, L_CACHE, 1, "page cache", V(L_CACHE), GO_EXPLAIN);
	add(d, L_BUFFERS, 1, "buffers", V(L_BUFFERS), GO_EXPLAIN);
	add(d, L_SHMEM, 1, "shmem (tmpfs, shared memory)", V(L_SHMEM), GO_EXPLAIN);
	add(d, L_ANON, 1, "user anon", V(L_ANON), GO_PROCS);
	add(d, L_KERNEL, 1, "kernel known", V(L_KERNEL), GO_EXPLAIN);
	add(d, L_SLAB_R, 2, "slab reclaimable", V(L_SLAB_R), GO_EXPLAIN);
	l = add(d, L_SLAB_U, 2, "slab unreclaimable", V(L_SLAB_U), GO_EXPLAIN);
	d->slab_n = s->slab.n < MEMINFO_SLAB_TOP ? s->slab.n : MEMINFO_SLAB_TOP;
	/* folded until opened, as htop's tree: the socket lines stay in reach */
	if (l && d->slab_n && !d->slab_open)
		snprintf(l->note, sizeof(l->note), "[+] %d top caches: Right or Enter opens",
			 d->slab_n);
	else if (l && d->slab_n)
		snprintf(l->note, sizeof(l->note), "[-] Left folds the caches");
	for (i = 0; d->slab_open && i < d->slab_n; i++) {
		snprintf(b, sizeof(b), "cache %s", s->slab.top[i].name);
		add(d, L_SLAB0 + i, 3, b, V(L_SLAB0 + i), GO_EXPLAIN);
	}
	add(d, L_PTABLES, 2, "page tables", V(L_PTABLES), GO_EXPLAIN);
	l = add(d, L_STACKS, 2, "kernel stacks", V(L_STACKS), GO_EXPLAIN);
	if (l && m->stacks_in_vmalloc)
		snprintf(l->note, sizeof(l->note), "inside vmalloc: not added twice");
	add(d, L_VMALLOC, 2, "vmalloc", V(L_VMALLOC), GO_EXPLAIN);
	add(d, L_PERCPU, 2, "percpu", V(L_PERCPU), GO_EXPLAIN);
	add(d, L_HUGETLB, 2, "hugetlb", V(L_HUGETLB), GO_EXPLAIN);
	add(d, L_ZSWAP, 2, "zswap", V(L_ZSWAP), GO_EXPLAIN);
	add(d, L_SOCKBUF, 1, "socket buffers (outside slab)", V(L_SOCKBUF), GO_SOCKETS);
	l = add(d, L_UNACC, 1, "unaccounted", V(L_UNACC), GO_EXPLAIN);
	if (l && m->unaccounted < 0)
		snprintf(l->note, sizeof(l->note), "negative: the kernel's lines overlap");

	/* views over the parts, not added to them */
	l = add(d, L_SOCKETS, 0, "pinned by sockets (a view)", V(L_SOCKETS), GO_SOCKETS);
	if (l)
		snprintf(l->note, sizeof(l->note), "%s; %s waits for readers",
			 m->socket_queues_from_census ? "from the census" :
			 "from sockstat (no census)",
			 format_size(m->socket_recv, 9, b2, sizeof(b2)));
	for (i = 0; i < MEMINFO_SOCK_GROUPS && m->socket_queues_from_census; i++) {
		const char *g = ltsock_mem_group_name(i);

		snprintf(b, sizeof(b), "%s", g);
		l = add(d, L_GROUP0 + i, 1, b, V(L_GROUP0 + i), GO_SOCKETS);
		/* the filter that keeps exactly the sockets this line counts */
		if (l)
			snprintf(l->filter, sizeof(l->filter), "%s%s", TUI_MEM_FILTER, g);
	}
	l = add(d, L_PSS, 0, "user PSS (a view)", V(L_PSS), GO_PROCS);
	if (l) {
		if (m->pss.time <= 0)
			snprintf(l->note, sizeof(l->note), "not read yet (every 10 s)");
		else if (m->pss.hidden)
			snprintf(l->note, sizeof(l->note), "%d processes; hidden: %d whose "
				 "smaps_rollup was refused", m->pss.procs, m->pss.hidden);
		else
			snprintf(l->note, sizeof(l->note), "%d processes", m->pss.procs);
	}
	if (m->pss.time > 0) {
		add(d, L_PSS_ANON, 1, "anon", V(L_PSS_ANON), GO_PROCS);
		add(d, L_PSS_FILE, 1, "file", V(L_PSS_FILE), GO_PROCS);
		add(d, L_PSS_SHMEM, 1, "shmem", V(L_PSS_SHMEM), GO_PROCS);
	}
	if (s->hidden & SAMPLE_HIDDEN_PSS && l && !l->note[0])
		snprintf(l->note, sizeof(l->note), "hidden: some processes' PSS");
}

/* Change over the window, and bytes per second. */
static int change_of(const struct mem_series *ms, const struct mem_line *l, double *delta,
		     double *rate)
{
	double v[MEM_SERIES_POINTS], tt[MEM_SERIES_POINTS];
	size_t n = mem_series_get(ms, l->id, tt, v, MEM_SERIES_POINTS);

	if (n < 2 || tt[n - 1] <= tt[0])
		return -1;
	*delta = v[n - 1] - v[0];
	*rate = *delta / (tt[n - 1] - tt[0]);
	return 0;
}

/* Growing fast: by core's rule for memory growth (findings_mem_growing,
 * the rate and window unaccounted_growth fires at, by --threshold). */
static int growing_fast(const struct mem_series *ms, const struct mem_line *l,
			const struct findings_config *c)
{
	double delta, rate;

	if (l->id == L_FREE || l->id == L_TOTAL || change_of(ms, l, &delta, &rate) < 0)
		return 0;
	return findings_mem_growing(c, rate, rate > 0 ? delta / rate : 0);
}

static void spark(const struct mem_series *ms, const struct mem_line *l, int utf8, int width,
		  char *out, size_t outsz)
{
	static const char *const blocks[8] = { "\u2581", "\u2582", "\u2583", "\u2584",
					       "\u2585", "\u2586", "\u2587", "\u2588" };
	static const char ascii[] = "_.-=*#";
	double v[MEM_SERIES_POINTS], lo, hi;
	size_t n = mem_series_get(ms, l->id, NULL, v, MEM_SERIES_POINTS), i, from, len = 0;

	out[0] = '\0';
	if (width > 24)
		width = 24;
	if (n < 2 || width < 2)
		return;
	from = n > (size_t)width ? n - (size_t)width : 0;
	lo = hi = v[from];
	for (i = from; i < n; i++) {
		lo = v[i] < lo ? v[i] : lo;
		hi = v[i] > hi ? v[i] : hi;
	}
	for (i = from; i < n && len + 4 < outsz; i++) {
		int k = hi > lo ? (int)((v[i] - lo) / (hi - lo) * 7.999) : 0;

		if (utf8) {
			memcpy(out + len, blocks[k], 3);
			len += 3;
		} else {
			out[len++] = ascii[k * 6 / 8];
		}
	}
	out[len] = '\0';
}

static size_t mem_count(struct table *tb, const struct tui *t)
{
	(void)t;
	return data_of(tb) ? MEM_MAXLINES : 0;
}

static void mem_reload(struct table *tb, struct tui *t)
{
	struct mem_data *d = data_of(tb);

	if (!d || !t->have)
		return;
	build(d, &t->cur);
	d->have = 1;
}

static size_t mem_rows(struct table *tb, const struct tui *t, uint32_t *rows, size_t max)
{
	struct mem_data *d = data_of(tb);
	size_t i;

	if (!d || !t->have)
		return 0;
	if (!d->have)
		mem_reload(tb, (struct tui *)t);
	for (i = 0; i < d->n && i < max; i++)
		rows[i] = (uint32_t)i;
	return i;
}

static void mem_cell(struct table *tb, const struct tui *t, uint32_t row, int col,
		     char *buf, size_t sz)
{
	struct mem_data *d = tb->data;
	const struct mem_line *l = d && row < d->n ? &d->line[row] : NULL;
	double delta, rate, total = t->have ? (double)t->cur.mem.total : 0;
	char b[32], sp[128];
	int w;

	buf[0] = '\0';
	if (!l)
		return;
	switch (col) {
	case COL_PART:
		snprintf(buf, sz, "%*s%s", 2 * l->depth, "", l->label);
		break;
	case COL_VALUE:
		if (isnan(l->value))
			snprintf(buf, sz, "?");
		else if (l->value < 0)
			snprintf(buf, sz, "-%s", format_size((uint64_t)-l->value, 9, b, sizeof(b)));
		else
			format_size((uint64_t)l->value, 9, buf, sz);
		break;
	case COL_SHARE:
		if (!isnan(l->value) && total > 0)
			snprintf(buf, sz, "%.1f%%", 100.0 * l->value / total);
		break;
	case COL_CHANGE:
		if (change_of(&t->mems, l, &delta, &rate) == 0)
			snprintf(buf, sz, "%s%s", delta < 0 ? "-" : "+",
				 format_size((uint64_t)fabs(delta), 9, b, sizeof(b)));
		break;
	case COL_TREND:
		w = tb->w[COL_TREND] > 0 ? tb->w[COL_TREND] : 16;
		spark(&t->mems, l, t->utf8, w < 24 ? w - 1 : 16, sp, sizeof(sp));
		snprintf(buf, sz, "%s%s%s", sp, sp[0] && l->note[0] ? "  " : "", l->note);
		break;
	}
}

/* The tree's order is the order: the columns do not sort. */
static int mem_cmp(struct table *tb, const struct tui *t, uint32_t a, uint32_t b, int col)
{
	(void)tb;
	(void)t;
	(void)col;
	return (a > b) - (a < b);
}

static struct table_key mem_key(struct table *tb, const struct tui *t, uint32_t row)
{
	struct mem_data *d = tb->data;
	struct table_key k = { d && row < d->n ? (uint64_t)d->line[row].id : row, 0 };

	(void)t;
	return k;
}

static int mem_elem(struct table *tb, const struct tui *t, uint32_t row, int col)
{
	struct mem_data *d = tb->data;
	const struct mem_line *l = d && row < d->n ? &d->line[row] : NULL;

	if (!l || !t->have)
		return -1;
	if (growing_fast(&t->mems, l, &t->o->thresholds))
		return col == COL_CHANGE || col == COL_PART || col < 0 ?
		       THEME_FINDING_WARNING : -1;
	if (l->depth == 0 && col == COL_PART)
		return THEME_VALUE;
	if (col == COL_TREND)
		return THEME_MUTED;
	return -1;
}

/* ---- Enter: where it goes ------------------------------------------------ */

/* What can hide in a line, and what to check next. */
static const char *explain(int id)
{
	if (id >= L_SLAB0 && id <= L_SLAB_LAST)
		return "A slab cache holds kernel objects of one kind (its name says which: "
		       "dentry and inode caches follow files, kmalloc-N are generic, skbuff_* "
		       "are socket buffers, TCP/UDP/RAW are sockets). A cache that only grows "
		       "is a kernel object leak or a workload that keeps objects alive (open "
		       "files, sockets). Next: slabtop -o -s c twice a minute apart; for "
		       "kmalloc-N, kmemleak or the slub_debug=U tracking of the cache names "
		       "the call sites; socket caches point back to the Sockets pane.";
	switch (id) {
	case L_UNACC:
		return "Unaccounted is MemTotal minus every part /proc/meminfo explains: "
		       "memory drivers take straight from the page allocator (GPU, network "
		       "rings, page fragments of sockets beyond the census's estimate), "
		       "balloon drivers, and leaks in code that bypasses the slab. A steady "
		       "climb here with flat user memory is the classic kernel leak. Next: "
		       "compare with the socket memory lines (sockets pin page fragments), "
		       "read /proc/vmallocinfo and /sys/kernel/debug/page_owner (page_owner=on "
		       "at boot) for the top allocators, and check driver statistics (ethtool "
		       "-S) for rings that grew.";
	case L_SLAB_R:
		return "Reclaimable slab (dentries, inodes, buffer heads) is given back when "
		       "memory is short: large values are a cache, not a leak, unless it "
		       "grows while memory pressure rises. Next: the top caches below; echo 2 "
		       ">/proc/sys/vm/drop_caches frees it on a test box (not in production).";
	case L_SLAB_U:
		return "Unreclaimable slab is kernel objects in use: sockets, skbuffs, task "
		       "structs, kmalloc buffers. It only shrinks when their owners free them. "
		       "Next: the top caches below; sockets and skbuff caches lead to the "
		       "Sockets pane, kmalloc-N to kmemleak.";
	case L_KERNEL:
		return "Kernel known is the sum of the kernel's own lines in /proc/meminfo: "
		       "slab, page tables, kernel stacks, vmalloc, percpu, hugetlb and zswap. "
		       "Expand its lines below to see which grows.";
	case L_PTABLES:
		return "Page tables grow with the mapped memory of every process: many "
		       "processes, or a process mapping huge sparse areas. Next: the "
		       "Processes pane; VmPTE in /proc/PID/status names the big ones.";
	case L_STACKS:
		return "Each thread has a kernel stack (16 KiB on x86_64). Growth means "
		       "threads pile up: a process leaking threads. Next: ps -eLf | wc -l, and "
		       "Threads: in /proc/PID/status.";
	case L_VMALLOC:
		return "vmalloc holds large kernel buffers (modules, BPF, some drivers). "
		       "Next: sort /proc/vmallocinfo by size and look at the callers.";
	case L_PERCPU:
		return "Per-CPU allocations grow with cgroups and BPF maps. Next: the number "
		       "of cgroups (find /sys/fs/cgroup -type d | wc -l) and bpftool map.";
	case L_SHMEM:
		return "Shmem is tmpfs files (/dev/shm, /run, /tmp on tmpfs) and shared "
		       "memory segments: files nobody deleted are the usual leak. Next: df -h "
		       "-t tmpfs, ipcs -m.";
	case L_CACHE:
	case L_BUFFERS:
		return "The page cache is file data kept in memory; the kernel frees it "
		       "when memory is needed. It is not a leak.";
	case L_FREE:
		return "Memory no one uses.";
	}
	return "The total the kernel manages (MemTotal): the parts below add up to it.";
}

struct memhelp {
	struct view v;
	char title[80];
	const char *text;
};

static void mh_title(struct view *v, const struct tui *t, char *buf, size_t sz)
{
	(void)t;
	snprintf(buf, sz, "memory: %s", ((struct memhelp *)v)->title);
}

static void mh_draw(struct view *v, struct tui *t, int y, int h, int full)
{
	struct memhelp *m = (struct memhelp *)v;
	struct format_span span[32];
	char line[512];
	size_t n, i;
	int row = y;

	(void)full;
	for (i = 0; i < (size_t)h; i++)
		draw_fill(t, y + (int)i, 0, COLS, THEME_NORMAL);
	draw_text(t, row++, 1, COLS - 2, m->title, THEME_VALUE);
	row++;
	n = format_wrap(m->text, COLS - 4, t->utf8, span, 32);
	for (i = 0; i < n && i < 32 && row < y + h - 1; i++) {
		size_t len = span[i].len < sizeof(line) ? span[i].len : sizeof(line) - 1;

		memcpy(line, m->text + span[i].off, len);
		line[len] = '\0';
		draw_text(t, row++, 2, COLS - 4, line, THEME_NORMAL);
	}
	if (row < y + h)
		draw_text(t, y + h - 1, 1, COLS - 2, "Esc: back to the Memory pane", THEME_MUTED);
}

static int mh_key(struct view *v, struct tui *t, int ch)
{
	(void)v;
	if (ch != '\n' && ch != '\r' && ch != KEY_ENTER)
		return 0;
	/* every Enter opens something or says why not */
	tui_set_status(t, THEME_STATUS, "an explanation: nothing further to open (Esc: back "
		       "to the Memory pane)");
	return 1;
}

static void mh_free(struct view *v)
{
	free(v);
}

static const struct view_class memhelp_class = {
	.name = "memory help",
	.title = mh_title,
	.draw = mh_draw,
	.key = mh_key,
	.free = mh_free,
};

static int is_slab_line(int id)
{
	return id == L_SLAB_R || id == L_SLAB_U || (id >= L_SLAB0 && id <= L_SLAB_LAST);
}

/* Open or fold the slab caches; the selection stays on the slab line. */
static void fold_slab(struct table *tb, struct tui *t, int open)
{
	struct mem_data *d = tb->data;
	struct table_key k = { L_SLAB_U, 0 };

	if (!d || !t->have || d->slab_open == open)
		return;
	d->slab_open = open;
	build(d, &t->cur);
	table_rebuild(tb, t);
	table_select_key(tb, t, k);
	t->dirty |= DIRTY_VIEW | DIRTY_BODY;
	tui_set_status(t, THEME_STATUS, open ? "%d slab caches shown; Left folds them, Enter "
		       "on a line: what hides there" : "slab caches folded (%d): Right or Enter "
		       "on the slab line opens them", d->slab_n);
}

static int mem_keypress(struct table *tb, struct tui *t, int ch)
{
	struct mem_data *d = tb->data;
	int64_t row = table_selected(tb);
	const struct mem_line *l = d && row >= 0 && (size_t)row < d->n ? &d->line[row] : NULL;

	if (ch != KEY_RIGHT && ch != KEY_LEFT)
		return 0;
	if (!l || !is_slab_line(l->id)) {
		tui_set_status(t, THEME_STATUS, "Right and Left open and fold the slab caches: "
			       "select a slab line first");
		return 1;
	}
	fold_slab(tb, t, ch == KEY_RIGHT);
	return 1;
}

static void mem_enter(struct table *tb, struct tui *t, uint32_t row)
{
	struct mem_data *d = tb->data;
	const struct mem_line *l = d && row < d->n ? &d->line[row] : NULL;
	struct memhelp *m;

	if (!l)
		return;
	if ((l->id == L_SLAB_R || l->id == L_SLAB_U) && !d->slab_open && d->slab_n) {
		fold_slab(tb, t, 1);
		return;
	}
	switch (l->go) {
	case GO_SOCKETS:
		tui_open(t, &(struct tui_ref){ .kind = TUI_REF_SOCKETS, .text = l->filter });
		return;
	case GO_PROCS:
		tui_open(t, &(struct tui_ref){ .kind = TUI_REF_PROCS_BY_PSS });
		return;
	case GO_EXPLAIN:
		break;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return;
	m->v.cls = &memhelp_class;
	snprintf(m->title, sizeof(m->title), "%s", l->label);
	m->text = explain(l->id);
	tui_push(t, &m->v);
}

static void mem_note(struct table *tb, const struct tui *t, char *buf, size_t sz)
{
	char b[32];

	(void)tb;
	if (!t->have) {
		snprintf(buf, sz, "waiting for the first sample");
		return;
	}
	snprintf(buf, sz, "MemTotal %s: the parts add up to it; the views below them overlap "
		 "the parts.  Enter: what holds a line", format_size(t->cur.mem.total, 9, b,
								     sizeof(b)));
}

static void mem_free_data(void *p)
{
	free(p);
}

const struct table_desc mempane_desc = {
	.name = "Memory",
	.cols = cols,
	.ncols = NCOLS,
	.sort_col = COL_PART,
	.rows = mem_rows,
	.count = mem_count,
	.cell = mem_cell,
	.cmp = mem_cmp,
	.key = mem_key,
	.elem = mem_elem,
	.enter = mem_enter,
	.keypress = mem_keypress,
	.note = mem_note,
	.reload = mem_reload,
	.free_data = mem_free_data,
};
