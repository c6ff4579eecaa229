/*
 * The Sockets pane: every socket worth showing (a queue, a flag, or owned
 * by a -p process), sorted by growth, with its owner, queue figures, rates
 * and flags.  Enter opens the socket's details (sockview.c).  Besides text,
 * its filter understands "mem:GROUP", the sockets one line of the Memory
 * pane counts.
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "format.h"
#include "leaktop/actions.h"
#include "leaktop/common.h"
#include "leaktop/fdtable.h"
#include "leaktop/findings.h"
#include "leaktop/history.h"
#include "leaktop/sample.h"
#include "leaktop/socket.h"
#include "rows.h"
#include "sockpane.h"
#include "svcpane.h"
#include "table.h"
#include "tui.h"

enum {
	COL_OWNER, COL_COMM, COL_PROTO, COL_LOCAL, COL_PEER, COL_RECVQ, COL_SENDQ,
	COL_MEM, COL_RCVBUF, COL_FILL, COL_DROPS, COL_GROWTH, COL_FLAGS, NCOLS
};

static const struct table_col cols[NCOLS] = {
	[COL_OWNER] = { "PID/FD", 10, 10, 0, 0, 0 },
	[COL_COMM] = { "COMMAND", 9, 16, 0, 1, 0 },
	[COL_PROTO] = { "PROTO", 7, 7, 0, 2, 0 },
	[COL_LOCAL] = { "LOCAL", 15, 28, 0, 7, 0 },
	[COL_PEER] = { "PEER", 15, 28, 0, 11, 0 },
	[COL_RECVQ] = { "RECV-Q", 6, 6, 1, 3, 1 },
	[COL_SENDQ] = { "SEND-Q", 6, 6, 1, 6, 1 },
	[COL_MEM] = { "MEM", 6, 6, 1, 9, 1 },
	[COL_RCVBUF] = { "RCVBUF", 6, 6, 1, 12, 1 },
	[COL_FILL] = { "FILL", 4, 4, 1, 5, 1 },
	[COL_DROPS] = { "DROP/s", 6, 6, 1, 10, 1 },
	[COL_GROWTH] = { "GROW/s", 6, 7, 1, 4, 1 },
	[COL_FLAGS] = { "FLAGS", 10, 30, 0, 8, 0 },
};

static size_t sock_count(struct table *tb, const struct tui *t)
{
	(void)tb;
	return t->have && t->cur.census ? t->cur.socks.n : 0;
}

static size_t sock_rows(struct table *tb, const struct tui *t, uint32_t *rows, size_t max)
{
	const struct sample *s = &t->cur;
	size_t k, n = 0;

	(void)tb;
	if (s->shown) {
		for (k = 0; k < s->nshown && n < max; k++)
			rows[n++] = s->shown[k];
		return n;
	}
	for (k = 0; k < s->socks.n && n < max; k++)
		if (sample_sock_interesting(s, s->order[k], s->pid_filter))
			rows[n++] = s->order[k];
	return n;
}

static const struct fd_owner *first_owner(const struct sample *s, uint32_t i, size_t *n)
{
	const struct ltsock *k = &s->socks.v[i];

	*n = 0;
	return k->inode ? fdtable_census_owners(&s->owners, k->inode, n) : NULL;
}

static void sock_cell(struct table *tb, const struct tui *t, uint32_t row, int col,
		      char *buf, size_t sz)
{
	static const enum rows_sock_field fields[NCOLS] = {
		[COL_PROTO] = ROWS_SOCK_PROTO, [COL_LOCAL] = ROWS_SOCK_LOCAL,
		[COL_PEER] = ROWS_SOCK_PEER, [COL_RECVQ] = ROWS_SOCK_RECVQ,
		[COL_SENDQ] = ROWS_SOCK_SENDQ, [COL_MEM] = ROWS_SOCK_MEM,
		[COL_RCVBUF] = ROWS_SOCK_RCVBUF,
		[COL_FILL] = ROWS_SOCK_FILL, [COL_DROPS] = ROWS_SOCK_DROPS,
		[COL_GROWTH] = ROWS_SOCK_GROWTH, [COL_FLAGS] = ROWS_SOCK_FLAGS,
	};
	const struct sample *s = &t->cur;
	const struct fd_owner *o;
	const struct fd_proc *p;
	size_t n;

	(void)tb;
	switch (col) {
	case COL_OWNER:
		o = first_owner(s, row, &n);
		if (o)
			snprintf(buf, sz, "%d/%d%s", (int)o->pid, (int)o->fd, n > 1 ? "+" : "");
		else
			snprintf(buf, sz, "%s", ltsock_is_orphan(&s->socks.v[row]) ? "orphan" :
				 s->owners.hidden_procs ? "hidden" : "-");
		break;
	case COL_COMM:
		o = first_owner(s, row, &n);
		p = o ? fdtable_census_proc(&s->owners, o->pid) : NULL;
		lt_sanitize(p ? p->comm : "", buf, sz);
		break;
	default:
		rows_sock_field(s, row, fields[col], tb->w[col] > 0 ? tb->w[col] : 7, buf, sz);
		break;
	}
}

#define CMP(a, b) (((a) > (b)) - ((a) < (b)))

static int sock_cmp(struct table *tb, const struct tui *t, uint32_t a, uint32_t b, int col)
{
	const struct sample *s = &t->cur;
	const struct ltsock *ka = &s->socks.v[a], *kb = &s->socks.v[b];
	const struct sock_rate *ra = &s->rates[a], *rb = &s->rates[b];
	const struct fd_owner *oa, *ob;
	char x[256], y[256];
	size_t n;
	int c;

	switch (col) {
	case COL_OWNER:
		oa = first_owner(s, a, &n);
		ob = first_owner(s, b, &n);
		c = CMP(oa ? oa->pid : 0, ob ? ob->pid : 0);
		return c ? c : CMP(oa ? oa->fd : 0, ob ? ob->fd : 0);
	case COL_RECVQ:
		return CMP(ltsock_recv_q(ka), ltsock_recv_q(kb));
	case COL_SENDQ:
		return CMP(ltsock_send_held(ka), ltsock_send_held(kb));
	case COL_MEM:
		return CMP(ltsock_mem(ka), ltsock_mem(kb));
	case COL_RCVBUF:
		return CMP(ka->m->rcvbuf, kb->m->rcvbuf);
	case COL_FILL:
		return CMP(ltsock_fill_pct(ka), ltsock_fill_pct(kb));
	case COL_DROPS:
		return CMP(ra->known ? ra->drops_ps : -1, rb->known ? rb->drops_ps : -1);
	case COL_GROWTH:
		/* the column sorts descending: the census order itself */
		return -history_order_cmp(&s->socks, s->rates, a, b);
	case COL_FLAGS:
		return CMP(ra->flags, rb->flags);
	default:
		sock_cell(tb, t, a, col, x, sizeof(x));
		sock_cell(tb, t, b, col, y, sizeof(y));
		return strcmp(x, y);
	}
}

static struct table_key sock_key(struct table *tb, const struct tui *t, uint32_t row)
{
	struct table_key k = { t->cur.socks.v[row].netns, t->cur.socks.v[row].inode };

	(void)tb;
	return k;
}

static int sock_elem(struct table *tb, const struct tui *t, uint32_t row, int col)
{
	const struct sock_rate *r = &t->cur.rates[row];

	(void)tb;
	if (col < 0)
		return (r->flags & SOCK_FLAG_NEVER_READ) ? THEME_ROW_FLAGGED : -1;
	if (col == COL_GROWTH && r->known && r->growth_bps >= 0.5)
		return THEME_GROWTH;
	if (col == COL_FLAGS && r->flags)
		return THEME_ROW_FLAGGED;
	return -1;
}

static void sock_enter(struct table *tb, struct tui *t, uint32_t row)
{
	(void)tb;
	tui_open(t, &(struct tui_ref){ .kind = TUI_REF_SOCKET, .sock = row });
}

static int sock_target(struct table *tb, const struct tui *t, uint32_t row,
		       struct tui_target *out)
{
	const struct ltsock *k = &t->cur.socks.v[row];
	const struct fd_owner *o;
	size_t n;

	(void)tb;
	o = first_owner(&t->cur, row, &n);
	if (!o)
		return -1;
	return tui_target_init(t, o->pid, o->fd, k->inode, k->netns, ACTIONS_NONE, out);
}

static void sock_note(struct table *tb, const struct tui *t, char *buf, size_t sz)
{
	const struct sample *s = &t->cur;
	size_t len;

	if (!t->have) {
		snprintf(buf, sz, "waiting for the first sample");
		return;
	}
	if (!s->census) {
		snprintf(buf, sz, "no socket census: sockets come from the live kernel only "
			 "(--procfs is set)");
		return;
	}
	snprintf(buf, sz, "%zu of %zu sockets in %zu netns (%s)%s", tb->nrows, s->socks.n,
		 s->nnetns, s->pid_filter ? "owned by -p or flagged" : "with a queue or a flag",
		 s->census_complete ? "" : "; census incomplete");
	len = strlen(buf);
	if (s->census_age > 0 && len < sz)
		len += (size_t)snprintf(buf + len, sz - len, "; census %.0fs ago, moving "
					"queues now", s->census_age);
	if (s->owners.hidden_procs && len < sz)
		snprintf(buf + len, sz - len, "; owners of %d processes hidden: run as root",
			 s->owners.hidden_procs);
}

/* A flagged socket, or one an open finding is about (a group's members
 * included: findings_about_socket's rule). */
static int sock_problem(struct table *tb, const struct tui *t, uint32_t row)
{
	if (t->cur.rates && t->cur.rates[row].flags)
		return 1;
	return tui_finding_about_socket(&tb->data, t, t->cur.socks.v[row].inode);
}

/* "mem:GROUP": the sockets of one memory group, by the rule the Memory
 * pane's sums use; any other text is matched as text. */
static int sock_filter(struct table *tb, const struct tui *t, uint32_t row, const char *text)
{
	size_t n = strlen(TUI_MEM_FILTER);

	(void)tb;
	if (!strncmp(text, SVCPANE_FILTER, strlen(SVCPANE_FILTER))) {
		/* "cg:NAME": the sockets of that cgroup */
		const struct sample_cgroup *g = sample_cgroup_of_sock(&t->cur, row);

		return g && cgroup_matches(g->path, text + strlen(SVCPANE_FILTER));
	}
	if (strncmp(text, TUI_MEM_FILTER, n))
		return -1;
	return !strcmp(text + n, ltsock_mem_group_name(ltsock_mem_group(&t->cur.socks.v[row])));
}

const struct table_desc sockpane_desc = {
	.name = "Sockets",
	.cols = cols,
	.ncols = NCOLS,
	.sort_col = COL_GROWTH,
	.rows = sock_rows,
	.count = sock_count,
	.cell = sock_cell,
	.cmp = sock_cmp,
	.key = sock_key,
	.elem = sock_elem,
	.enter = sock_enter,
	.note = sock_note,
	.target = sock_target,
	.problem = sock_problem,
	.filter = sock_filter,
	.free_data = tui_findings_cache_free,
};
