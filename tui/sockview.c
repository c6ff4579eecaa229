/*
 * Drill-down: one socket, every field the census has, its owners and the
 * history of its queue as a sparkline (in replay, from the recorded
 * samples).  Found again by (netns, inode) on
 * every sample; when it disappears the last figures stay, marked gone.
 * Enter on an owner opens that process's fd table; 'a' acts on the socket
 * through the selected owner's fd.  A socket a finding is about shows where
 * it was created when that finding has an origin (leaktop/origin.h).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "draw.h"
#include "format.h"
#include "leaktop/actions.h"
#include "leaktop/common.h"
#include "leaktop/fdtable.h"
#include "leaktop/findings.h"
#include "leaktop/history.h"
#include "leaktop/origin.h"
#include "leaktop/sample.h"
#include "leaktop/socket.h"
#include "rows.h"
#include "sockview.h"
#include "tui.h"

#define SV_LINES 16
#define SV_OWNERS 32

struct sockview {
	struct view v;
	uint64_t netns, inode;
	int gone;
	char line[SV_LINES][256];	/* sanitised */
	int nlines;
	int opid[SV_OWNERS], ofd[SV_OWNERS];
	char ocomm[SV_OWNERS][64];	/* raw */
	int nowners, more_owners, sel;
	int drawn_y;			/* screen row of the last draw */
	double hist[HISTORY_POINTS];
	size_t nhist;
	uint32_t hmin, hmax;
};

static void add(struct sockview *sv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add(struct sockview *sv, const char *fmt, ...)
{
	va_list ap;

	if (sv->nlines >= SV_LINES)
		return;
	va_start(ap, fmt);
	vsnprintf(sv->line[sv->nlines++], sizeof(sv->line[0]), fmt, ap);
	va_end(ap);
}

/* "origin  its socket was created at ...": the origin of the finding
 * about this socket (origin_brief, the line the fd table shows too) */
static void origin_line(struct sockview *sv, const struct sample *s, const struct ltsock *k)
{
	char where[640];
	size_t j;

	for (j = 0; s->origin && j < s->findings.n; j++) {
		const struct finding *f = &s->findings.v[j];

		if (f->inode == k->inode && f->netns == k->netns &&
		    origin_brief(s->origin, f, where, sizeof(where))) {
			add(sv, "origin  %s", where);
			return;
		}
	}
}

static void fill(struct sockview *sv, struct tui *t, size_t i)
{
	const struct sample *s = &t->cur;
	const struct ltsock *k = &s->socks.v[i];
	const struct fd_owner *o;
	char f[12][96], path[200];
	uint32_t hq[HISTORY_POINTS];
	size_t n = 0, j;

	sv->nlines = 0;
	rows_sock_field(s, i, ROWS_SOCK_PROTO, 8, f[0], sizeof(f[0]));
	rows_sock_field(s, i, ROWS_SOCK_STATE, 8, f[1], sizeof(f[1]));
	rows_sock_field(s, i, ROWS_SOCK_LOCAL, 0, f[2], sizeof(f[2]));
	rows_sock_field(s, i, ROWS_SOCK_PEER, 0, f[3], sizeof(f[3]));
	add(sv, "%s (%s, protocol %u) %s   inode %" PRIu64 "   netns %" PRIu64, f[0],
	    ltsock_family_name(k), (unsigned)k->protocol, f[1], (uint64_t)k->inode,
	    (uint64_t)k->netns);
	add(sv, "local   %s", f[2]);
	add(sv, "peer    %s", f[3]);
	format_size(ltsock_recv_q(k), 8, f[0], sizeof(f[0]));
	/* the figure the Sockets pane and the outputs call Send-Q */
	format_size(ltsock_send_held(k), 8, f[1], sizeof(f[1]));
	format_size(ltsock_mem(k), 8, f[2], sizeof(f[2]));
	add(sv, "Recv-Q  %-9s Send-Q %-9s pins %-9s%s", f[0], f[1], f[2],
	    ltsock_queue_is_bytes(k) ? "" : "(a LISTEN backlog count, not bytes)");
	if (ltsock_is_orphan(k))
		add(sv, "orphan  no fd holds it: closed by its process (or never accepted)");
	if (k->family == AF_UNIX && k->m->npeer_q) {
		format_size(k->m->peer_q, 8, f[0], sizeof(f[0]));
		add(sv, "senders %u connected sockets have %s queued at it (their wmem)",
		    (unsigned)k->m->npeer_q, f[0]);
	}
	if (k->have & LTSOCK_HAVE_SKMEM) {
		format_size(k->m->rmem, 8, f[0], sizeof(f[0]));
		format_size(k->m->rcvbuf, 8, f[1], sizeof(f[1]));
		format_pct(ltsock_fill_pct(k), 6, f[2], sizeof(f[2]));
		format_size(k->m->wmem, 8, f[3], sizeof(f[3]));
		format_size(k->m->sndbuf, 8, f[4], sizeof(f[4]));
		add(sv, "rmem    %-9s rcvbuf %-9s fill %-6s wmem %-9s sndbuf %s", f[0], f[1],
		    f[2], f[3], f[4]);
		if (k->have & LTSOCK_HAVE_SKMEM2) {
			format_size(k->m->wmem_queued, 8, f[0], sizeof(f[0]));
			format_size(k->m->fwd_alloc, 8, f[1], sizeof(f[1]));
			format_size(k->m->optmem, 8, f[2], sizeof(f[2]));
			format_size(k->m->backlog, 8, f[3], sizeof(f[3]));
			/* wmem_queued: the send side, not what waits for a reader */
			add(sv, "wqueued %-9s(send side)  fwd %-9s optmem %-9s backlog %s", f[0], f[1],
			    f[2], f[3]);
		}
	} else {
		add(sv, "rmem    -  (this source gives no socket memory figures)");
	}
	rows_sock_field(s, i, ROWS_SOCK_DROPS, 8, f[0], sizeof(f[0]));
	rows_sock_field(s, i, ROWS_SOCK_GROWTH, 8, f[1], sizeof(f[1]));
	if (strcmp(f[1], "-"))	/* "+14.6K/s", as the pane's GROWTH/s */
		strncat(f[1], "/s", sizeof(f[1]) - strlen(f[1]) - 1);
	rows_sock_field(s, i, ROWS_SOCK_FLAGS, 40, f[2], sizeof(f[2]));
	if (k->have & LTSOCK_HAVE_DROPS)
		add(sv, "drops   %u (%s/s)   growth %s   flags %s", k->m->drops, f[0], f[1],
		    f[2][0] ? f[2] : "none");
	else
		add(sv, "drops   -   growth %s   flags %s", f[1], f[2][0] ? f[2] : "none");
	add(sv, "uid %u   cookie %" PRIu64 "   ifindex %u   source %s", (unsigned)k->m->uid,
	    k->cookie, (unsigned)k->m->ifindex,
	    ltsock_source_name(k));
	if (k->path)
		add(sv, "path    %s", lt_sanitize(k->path, path, sizeof(path)));

	origin_line(sv, s, k);

	/* live: the sampler's history; replay: the recorded samples */
	sv->nhist = tui_sock_history(t, k->netns, k->inode, hq, HISTORY_POINTS);
	sv->hmin = sv->hmax = 0;
	for (j = 0; j < sv->nhist; j++) {
		sv->hist[j] = hq[j];
		if (j == 0 || hq[j] < sv->hmin)
			sv->hmin = hq[j];
		if (j == 0 || hq[j] > sv->hmax)
			sv->hmax = hq[j];
	}

	o = k->inode ? fdtable_census_owners(&s->owners, k->inode, &n) : NULL;
	sv->nowners = 0;
	sv->more_owners = n > SV_OWNERS ? (int)(n - SV_OWNERS) : 0;
	for (j = 0; o && j < n && j < SV_OWNERS; j++) {
		const struct fd_proc *p = fdtable_census_proc(&s->owners, o[j].pid);

		sv->opid[j] = o[j].pid;
		sv->ofd[j] = o[j].fd;
		snprintf(sv->ocomm[j], sizeof(sv->ocomm[j]), "%s", p ? p->comm : "");
		sv->nowners++;
	}
	if (sv->sel >= sv->nowners)
		sv->sel = sv->nowners ? sv->nowners - 1 : 0;
}

static void sv_sample(struct view *v, struct tui *t)
{
	struct sockview *sv = (struct sockview *)v;
	size_t i;

	if (!t->have)
		return;
	for (i = 0; i < t->cur.socks.n; i++) {
		if (t->cur.socks.v[i].netns == sv->netns && t->cur.socks.v[i].inode == sv->inode) {
			sv->gone = 0;
			fill(sv, t, i);
			return;
		}
	}
	sv->gone = 1;
}

static void sv_draw(struct view *v, struct tui *t, int y, int h, int full)
{
	struct sockview *sv = (struct sockview *)v;
	char buf[160];
	int row = y, end = y + h, i;

	(void)full;
	sv->drawn_y = y;
	for (i = y; i < end; i++)
		draw_fill(t, i, 0, COLS, THEME_NORMAL);
	if (sv->gone && row < end)
		draw_text(t, row++, 1, COLS - 2, "this socket is gone: its last figures follow",
			  THEME_NOTE);
	for (i = 0; i < sv->nlines && row < end; i++)
		draw_text(t, row++, 1, COLS - 2, sv->line[i], i == 0 ? THEME_VALUE : THEME_NORMAL);
	if (row < end) {
		int x = 1, sw;
		char lo[16], hi[16];

		x += draw_text(t, row, x, COLS - 2, "queue   ", THEME_LABEL);
		if (sv->nhist == 0) {
			draw_text(t, row, x, COLS - x - 1, "no history (the queue never moved)",
				  THEME_MUTED);
		} else {
			sw = (int)sv->nhist;
			if (sw > COLS - x - 30)
				sw = COLS - x - 30;
			draw_sparkline(t, row, x, sw, sv->hist, sv->nhist, THEME_SPARKLINE);
			snprintf(buf, sizeof(buf), " %zu samples, %s .. %s",
				 sv->nhist, format_size(sv->hmin, 8, lo, sizeof(lo)),
				 format_size(sv->hmax, 8, hi, sizeof(hi)));
			draw_text(t, row, x + sw, COLS - x - sw - 1, buf, THEME_MUTED);
		}
		row++;
	}
	if (row < end)
		row++;
	if (row < end) {
		snprintf(buf, sizeof(buf), "owners (%d)%s", sv->nowners,
			 sv->nowners ? ": Enter opens the fd table of the selected one" :
			 t->cur.owners.hidden_procs ? ": hidden, run as root" : ": no process holds it");
		draw_text(t, row++, 1, COLS - 2, buf, THEME_LABEL);
	}
	for (i = 0; i < sv->nowners && row < end; i++, row++) {
		int e = i == sv->sel ? THEME_SELECTION : THEME_NORMAL, x;

		draw_fill(t, row, 0, COLS, e);
		snprintf(buf, sizeof(buf), "  pid %-7d fd %-5d ", sv->opid[i], sv->ofd[i]);
		x = draw_text(t, row, 1, COLS - 2, buf, e);
		draw_untrusted(t, row, 1 + x, COLS - 2 - x, sv->ocomm[i], e);
	}
	if (sv->more_owners && row < end) {
		snprintf(buf, sizeof(buf), "  and %d more", sv->more_owners);
		draw_text(t, row, 1, COLS - 2, buf, THEME_MUTED);
	}
}

/* The selected owner's fd table, the cursor on its fd. */
static void open_owner(struct tui *t, const struct sockview *sv)
{
	struct tui_ref ref = { .kind = TUI_REF_FDS, .pid = sv->opid[sv->sel],
			       .fd = sv->ofd[sv->sel] };

	tui_open(t, &ref);
}

static int sv_key(struct view *v, struct tui *t, int ch)
{
	struct sockview *sv = (struct sockview *)v;

	switch (ch) {
	case KEY_UP:
		if (sv->sel > 0)
			sv->sel--;
		break;
	case KEY_DOWN:
		if (sv->sel + 1 < sv->nowners)
			sv->sel++;
		break;
	case '\n':
	case '\r':
	case KEY_ENTER:
		if (sv->nowners)
			open_owner(t, sv);
		else
			tui_set_status(t, THEME_STATUS, "no process holds this socket%s: no fd "
				       "table to open", sv->gone ? " (it is gone)" : "");
		return 1;
	default:
		return 0;
	}
	t->dirty |= DIRTY_VIEW;
	return 1;
}

static void sv_click(struct view *v, struct tui *t, int y, int x, int dbl)
{
	struct sockview *sv = (struct sockview *)v;
	/* y counts from the body's first row; the view may sit lower */
	int first = sv->drawn_y - TUI_Y_BODY + sv->nlines + 3 + sv->gone;

	(void)x;
	if (y >= first && y - first < sv->nowners) {
		sv->sel = y - first;
		t->dirty |= DIRTY_VIEW;
		if (dbl)
			open_owner(t, sv);
	}
}

static void sv_title(struct view *v, const struct tui *t, char *buf, size_t sz)
{
	struct sockview *sv = (struct sockview *)v;

	(void)t;
	snprintf(buf, sz, "socket %" PRIu64 "%s", sv->inode, sv->gone ? " (gone)" : "");
}

static int sv_target(struct view *v, const struct tui *t, struct tui_target *out)
{
	struct sockview *sv = (struct sockview *)v;

	if (!sv->nowners || sv->gone)
		return -1;
	return tui_target_init(t, sv->opid[sv->sel], sv->ofd[sv->sel], sv->inode, sv->netns,
			       ACTIONS_NONE, out);
}

static struct table *sv_table(struct view *v)
{
	(void)v;
	return NULL;
}

static void sv_free(struct view *v)
{
	free(v);
}

static const struct view_class sockview_class = {
	.name = "socket",
	.title = sv_title,
	.draw = sv_draw,
	.key = sv_key,
	.click = sv_click,
	.sample = sv_sample,
	.table = sv_table,
	.free = sv_free,
	.target = sv_target,
};

void sockview_select_owner(struct view *v, int pid, int fd)
{
	struct sockview *sv = (struct sockview *)v;
	int i;

	for (i = 0; sv && i < sv->nowners; i++)
		if (sv->opid[i] == pid && sv->ofd[i] == fd)
			sv->sel = i;
}

struct view *sockview_new(struct tui *t, size_t sock_index)
{
	struct sockview *sv = calloc(1, sizeof(*sv));

	if (!sv)
		return NULL;
	sv->v.cls = &sockview_class;
	sv->netns = t->cur.socks.v[sock_index].netns;
	sv->inode = t->cur.socks.v[sock_index].inode;
	fill(sv, t, sock_index);
	return &sv->v;
}
