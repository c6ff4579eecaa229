/*
 * Drill-down: one process's fd table (sample_fdtable), its sockets joined
 * with the census and ghost sockets (a socket fd no dump lists)
 * highlighted.  Re-read on every sample.  In replay nothing is read: the
 * table is the one the recording kept for the process (recorded with -p),
 * or the view says fd tables are not recorded.  Enter on a socket fd opens its
 * details, on any other row it says why it opens nothing; 'a' acts on the
 * selected socket fd, or on the process (its fd limit) from any other row.
 * The selection starts on the fd the view was opened for.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fdview.h"
#include "format.h"
#include "leaktop/actions.h"
#include "leaktop/common.h"
#include "leaktop/fdtable.h"
#include "leaktop/findings.h"
#include "leaktop/history.h"
#include "leaktop/origin.h"
#include "leaktop/procs.h"
#include "leaktop/sample.h"
#include "rows.h"
#include "table.h"
#include "tui.h"

struct fdview {
	int pid;
	int r;				/* last sample_fdtable result */
	struct fd_table ft;		/* read live */
	const struct fd_table *rec;	/* replay: in t->cur, until the next sample */
	struct lt_err err;
	char comm[64];			/* raw */
};

enum { COL_FD, COL_TYPE, COL_PROTO, COL_RECVQ, COL_GROWTH, COL_FLAGS, COL_TARGET, NCOLS };

static const struct table_col cols[NCOLS] = {
	[COL_FD] = { "FD", 5, 5, 1, 0, 0 },
	[COL_TYPE] = { "TYPE", 9, 9, 0, 1, 0 },
	[COL_PROTO] = { "PROTO", 7, 8, 0, 4, 0 },
	[COL_RECVQ] = { "RECV-Q", 6, 6, 1, 3, 1 },
	[COL_GROWTH] = { "GROW/s", 6, 7, 1, 5, 1 },
	[COL_FLAGS] = { "FLAGS", 12, 24, 0, 2, 0 },
	[COL_TARGET] = { "TARGET", 16, 400, 0, 0, 0 },
};

static struct fdview *fv_of(struct table *tb)
{
	return tb->data;
}

static const struct fd_table *ft_of(const struct fdview *fv)
{
	return fv->rec ? fv->rec : &fv->ft;
}

static void fd_reload(struct table *tb, struct tui *t)
{
	struct fdview *fv = fv_of(tb);
	const struct fd_proc *c;
	const struct proc_info *p;

	fdtable_free(&fv->ft);
	memset(&fv->ft, 0, sizeof(fv->ft));
	fv->err.msg[0] = '\0';
	fv->rec = NULL;
	if (!t->have) {
		fv->r = -EAGAIN;
		return;
	}
	if (t->rp) {
		size_t i;

		fv->r = -ENODATA;
		for (i = 0; i < t->cur.nfdtables; i++) {
			if (t->cur.fdtables[i].pid == fv->pid) {
				fv->rec = &t->cur.fdtables[i];
				fv->r = 0;
				break;
			}
		}
	} else {
		fv->r = sample_fdtable(t->ctx, &t->cur, fv->pid, &fv->ft, &fv->err);
	}
	c = fdtable_census_proc(&t->cur.owners, fv->pid);
	p = t->cur.have_procs ? procs_find(&t->cur.procs, fv->pid) : NULL;
	if (p)
		snprintf(fv->comm, sizeof(fv->comm), "%s", p->comm);
	else if (c)
		snprintf(fv->comm, sizeof(fv->comm), "%s", c->comm);
}

static size_t fd_count(struct table *tb, const struct tui *t)
{
	(void)t;
	return fv_of(tb)->r < 0 ? 0 : ft_of(fv_of(tb))->n;
}

static size_t fd_rows(struct table *tb, const struct tui *t, uint32_t *rows, size_t max)
{
	size_t i, n = fd_count(tb, t);

	for (i = 0; i < n && i < max; i++)
		rows[i] = (uint32_t)i;
	return i;
}

static int sock_ok(const struct tui *t, const struct fd_entry *e)
{
	return e->sock >= 0 && (size_t)e->sock < t->cur.socks.n;
}

static void fd_cell(struct table *tb, const struct tui *t, uint32_t row, int col,
		    char *buf, size_t sz)
{
	const struct fd_entry *e = &ft_of(fv_of(tb))->v[row];
	int w = tb->w[col] > 0 ? tb->w[col] : cols[col].minw;
	char age[32];

	buf[0] = '\0';
	switch (col) {
	case COL_FD:
		snprintf(buf, sz, "%d", (int)e->fd);
		break;
	case COL_TYPE:
		snprintf(buf, sz, "%s", fdtable_kind_name(e->kind));
		break;
	case COL_PROTO:
		if (sock_ok(t, e))
			rows_sock_field(&t->cur, (size_t)e->sock, ROWS_SOCK_PROTO, w, buf, sz);
		else
			lt_sanitize(e->sockproto, buf, sz);
		break;
	case COL_RECVQ:
		if (sock_ok(t, e))
			rows_sock_field(&t->cur, (size_t)e->sock, ROWS_SOCK_RECVQ, w, buf, sz);
		break;
	case COL_GROWTH:
		if (sock_ok(t, e))
			rows_sock_field(&t->cur, (size_t)e->sock, ROWS_SOCK_GROWTH, w, buf, sz);
		break;
	case COL_FLAGS:
		if (e->ghost == FD_GHOST_YES)
			snprintf(buf, sz, "GHOST %s", format_duration(e->ghost_age, age,
								       sizeof(age)));
		else if (e->ghost == FD_GHOST_UNKNOWN)
			snprintf(buf, sz, "ghost?");
		else if (sock_ok(t, e))
			rows_sock_field(&t->cur, (size_t)e->sock, ROWS_SOCK_FLAGS, w, buf, sz);
		break;
	case COL_TARGET:
		if (sock_ok(t, e)) {
			char loc[128], peer[128];

			rows_sock_field(&t->cur, (size_t)e->sock, ROWS_SOCK_LOCAL, 0, loc,
				       sizeof(loc));
			rows_sock_field(&t->cur, (size_t)e->sock, ROWS_SOCK_PEER, 0, peer,
				       sizeof(peer));
			snprintf(buf, sz, "socket:[%" PRIu64 "] %.100s -> %.100s", e->inode,
				 loc, peer);
		} else {
			lt_sanitize(e->target, buf, sz);
		}
		break;
	}
}

#define CMP(a, b) (((a) > (b)) - ((a) < (b)))

static int fd_cmp(struct table *tb, const struct tui *t, uint32_t a, uint32_t b, int col)
{
	const struct fd_entry *ea = &ft_of(fv_of(tb))->v[a], *eb = &ft_of(fv_of(tb))->v[b];
	char x[512], y[512];

	switch (col) {
	case COL_FD:
		return CMP(ea->fd, eb->fd);
	case COL_RECVQ:
		/* the figure the cell shows (rows_sock_field's RECV-Q) */
		return CMP(sock_ok(t, ea) ? (int64_t)ltsock_recv_q(&t->cur.socks.v[ea->sock]) : -1,
			   sock_ok(t, eb) ? (int64_t)ltsock_recv_q(&t->cur.socks.v[eb->sock]) : -1);
	case COL_GROWTH:
		return CMP(sock_ok(t, ea) ? t->cur.rates[ea->sock].growth_bps : -1e300,
			   sock_ok(t, eb) ? t->cur.rates[eb->sock].growth_bps : -1e300);
	case COL_FLAGS:
		if (ea->ghost != eb->ghost)
			return CMP(ea->ghost == FD_GHOST_YES, eb->ghost == FD_GHOST_YES);
		break;
	default:
		break;
	}
	fd_cell(tb, t, a, col, x, sizeof(x));
	fd_cell(tb, t, b, col, y, sizeof(y));
	return strcmp(x, y);
}

static struct table_key fd_key(struct table *tb, const struct tui *t, uint32_t row)
{
	const struct fd_entry *e = &ft_of(fv_of(tb))->v[row];
	struct table_key k = { (uint64_t)e->fd, e->inode };

	(void)t;
	return k;
}

static int fd_elem(struct table *tb, const struct tui *t, uint32_t row, int col)
{
	const struct fd_entry *e = &ft_of(fv_of(tb))->v[row];

	if (e->ghost == FD_GHOST_YES)
		return THEME_ROW_GHOST;
	if (col < 0 && sock_ok(t, e) && (t->cur.rates[e->sock].flags & SOCK_FLAG_NEVER_READ))
		return THEME_ROW_FLAGGED;
	if (col < 0 && e->kind != FD_SOCKET)
		return THEME_MUTED;
	return -1;
}

static void fd_enter(struct table *tb, struct tui *t, uint32_t row)
{
	const struct fd_entry *e = &ft_of(fv_of(tb))->v[row];

	if (sock_ok(t, e))
		tui_open(t, &(struct tui_ref){ .kind = TUI_REF_SOCKET,
					       .sock = (size_t)e->sock });
	else if (e->kind == FD_SOCKET)
		tui_set_status(t, THEME_STATUS, "fd %d: %s", (int)e->fd,
			       e->ghost == FD_GHOST_YES ? "a ghost socket: no dump lists it, "
			       "so there are no details to open" : "socket not in the census: "
			       "no details to open");
	else	/* every Enter opens something or says why not */
		tui_set_status(t, THEME_STATUS, "fd %d: a %s, not a socket; only sockets "
			       "open%s", (int)e->fd, fdtable_kind_name(e->kind),
			       tui_no_actions(t) ? "" : " (a: act on the process)");
}

/* A socket fd: that socket; anything else: the process (fd limits). */
static int fd_target(struct table *tb, const struct tui *t, uint32_t row,
		     struct tui_target *out)
{
	const struct fdview *fv = fv_of(tb);
	const struct fd_entry *e = &ft_of(fv)->v[row];

	if (e->kind == FD_SOCKET && e->inode)
		return tui_target_init(t, fv->pid, e->fd, e->inode,
				       sock_ok(t, e) ? t->cur.socks.v[e->sock].netns : 0,
				       ACTIONS_NONE, out);
	return tui_target_init(t, fv->pid, -1, 0, 0, ACTIONS_NONE, out);
}

/* "; origin: 31 of its 33 ghost sockets were accepted at ...": where the
 * sockets of the process's first open finding with an origin were made
 * (origin_brief, the socket view's line) */
static void fd_origin(const struct fdview *fv, const struct tui *t, char *buf, size_t sz)
{
	const struct sample *s = &t->cur;
	char where[640];
	size_t j, len = strlen(buf);

	for (j = 0; t->have && s->origin && j < s->findings.n; j++) {
		const struct finding *f = &s->findings.v[j];

		if (f->pid == fv->pid && f->state != FINDING_RESOLVED &&
		    origin_brief(s->origin, f, where, sizeof(where))) {
			snprintf(buf + len, sz - len, "; origin: %s", where);
			return;
		}
	}
}

static void fd_note(struct table *tb, const struct tui *t, char *buf, size_t sz)
{
	const struct fdview *fv = fv_of(tb);
	const struct proc_info *p = t->have && t->cur.have_procs ?
				    procs_find(&t->cur.procs, fv->pid) : NULL;
	size_t i, socks = 0, ghosts = 0;
	char comm[96], lim[32] = "";

	lt_sanitize(fv->comm, comm, sizeof(comm));
	if (fv->r == -ENODATA) {
		snprintf(buf, sz, "pid %d (%s): fd tables are not recorded (only for the -p "
			 "processes of a recording)", fv->pid, comm);
		return;
	}
	if (fv->r == -ESRCH) {
		snprintf(buf, sz, "pid %d (%s) has exited", fv->pid, comm);
		return;
	}
	if (fv->r < 0) {
		char e[256];

		lt_sanitize(fv->err.msg, e, sizeof(e));
		snprintf(buf, sz, "pid %d: %s", fv->pid, e[0] ? e : "no fd table");
		return;
	}
	if (ft_of(fv)->hidden) {
		snprintf(buf, sz, "pid %d (%s): fd table refused: run as root", fv->pid, comm);
		return;
	}
	for (i = 0; i < ft_of(fv)->n; i++) {
		socks += ft_of(fv)->v[i].kind == FD_SOCKET;
		ghosts += ft_of(fv)->v[i].ghost == FD_GHOST_YES;
	}
	if (p && p->fd_soft >= 0)
		snprintf(lim, sizeof(lim), " (limit %" PRId64 ")", p->fd_soft);
	snprintf(buf, sz, "pid %d (%s): %zu fds%s, %zu sockets, %zu ghosts", fv->pid, comm,
		 ft_of(fv)->n, lim, socks, ghosts);
	fd_origin(fv, t, buf, sz);
}

static void fd_title(struct table *tb, const struct tui *t, char *buf, size_t sz)
{
	char comm[64];

	(void)t;
	format_untrusted(fv_of(tb)->comm, 20, 1, comm, sizeof(comm));
	snprintf(buf, sz, "pid %d %s: fds", fv_of(tb)->pid, comm);
}

static void fd_free(void *data)
{
	struct fdview *fv = data;

	if (!fv)
		return;
	fdtable_free(&fv->ft);
	free(fv);
}

static const struct table_desc fdview_desc = {
	.name = "fds",
	.cols = cols,
	.ncols = NCOLS,
	.sort_col = COL_FD,
	.rows = fd_rows,
	.count = fd_count,
	.cell = fd_cell,
	.cmp = fd_cmp,
	.key = fd_key,
	.elem = fd_elem,
	.enter = fd_enter,
	.note = fd_note,
	.reload = fd_reload,
	.title = fd_title,
	.free_data = fd_free,
	.target = fd_target,
};

/* Start the selection on fd (or the first ghost): a drill-down lands on
 * what it was opened for, not on fd 0. */
static void select_fd(struct table *tb, int fd)
{
	const struct fd_table *ft = ft_of(fv_of(tb));
	size_t i;

	if (fd == TUI_FD_TOP)
		return;
	for (i = 0; i < tb->nrows; i++) {
		const struct fd_entry *e = &ft->v[tb->rows[i]];

		if (fd >= 0 ? e->fd == fd : e->ghost == FD_GHOST_YES) {
			tb->sel = i;
			return;
		}
	}
}

struct view *fdview_new(struct tui *t, int pid, int select_fd_of)
{
	struct fdview *fv = calloc(1, sizeof(*fv));
	struct table *tb;

	if (!fv)
		return NULL;
	fv->pid = pid;
	tb = table_new(&fdview_desc, fv);
	if (!tb) {
		free(fv);
		return NULL;
	}
	table_view_class.sample(&tb->v, t);
	select_fd(tb, select_fd_of);
	return &tb->v;
}
