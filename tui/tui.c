/*
 * The UI state every view shares (struct tui, tui.h): the view stack of
 * drill-downs, the status line, the current sample and its installation,
 * what 'a' acts on, and tui_open, which opens what a struct tui_ref names
 * through the open table (open.c) that run.c installs.  This file knows no
 * view: views call it, it calls them only through their view_class and
 * the open table, so no circle of calls runs through it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "leaktop/actions.h"
#include "leaktop/common.h"
#include "leaktop/fdtable.h"
#include "leaktop/findings.h"
#include "leaktop/history.h"
#include "leaktop/meminfo.h"
#include "leaktop/procs.h"
#include "leaktop/sample.h"
#include "leaktop/sample_clock.h"
#include "options.h"
#include "theme.h"
#include "tui.h"

int tui_strip_lines = 1;	/* the layout: run.c's draw sets it */

struct view *tui_top(struct tui *t)
{
	return t->depth ? t->stack[t->depth - 1] : t->panes[t->pane];
}

int tui_body_lines(void)
{
	return LINES - TUI_Y_BODY - 1;
}

void tui_set_status(struct tui *t, int elem, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->status, sizeof(t->status), fmt, ap);
	va_end(ap);
	t->status_elem = elem;
	t->status_ttl = 0;
	t->status_seq++;
	t->dirty |= DIRTY_STATUS;
}

void tui_push(struct tui *t, struct view *v)
{
	if (!v) {
		tui_set_status(t, THEME_ERROR, "out of memory");
		return;
	}
	if (t->depth == TUI_STACK) {
		v->cls->free(v);
		tui_set_status(t, THEME_STATUS, "too deep: press Esc to go back first");
		return;
	}
	t->stack[t->depth++] = v;
	t->dirty |= DIRTY_BODY | DIRTY_TABS | DIRTY_STATUS;
}

static void pop(struct tui *t)
{
	struct view *top;

	if (!t->depth)
		return;
	t->depth--;
	t->stack[t->depth]->cls->free(t->stack[t->depth]);
	t->dirty |= DIRTY_BODY | DIRTY_TABS | DIRTY_STATUS;
	/* what the popped view did (an action) may show below it now */
	top = tui_top(t);
	if (t->have && top && top->cls->shown)
		top->cls->shown(top, t);
}

void tui_pop(struct tui *t)
{
	pop(t);
}

int tui_target_init(const struct tui *t, int pid, int fd, uint64_t inode,
		    uint64_t netns, enum actions_kind suggested, struct tui_target *out)
{
	const struct proc_info *p = t->have && t->cur.have_procs ?
				    procs_find(&t->cur.procs, pid) : NULL;
	const struct fd_proc *c = t->have ? fdtable_census_proc(&t->cur.owners, pid) : NULL;
	size_t i;

	memset(out, 0, sizeof(*out));
	out->pid = pid;
	out->fd = fd;
	out->inode = fd >= 0 ? inode : 0;
	out->netns = netns;
	out->start_ticks = p ? p->start_ticks : 0;
	snprintf(out->comm, sizeof(out->comm), "%s", p ? p->comm : c ? c->comm : "");
	out->suggested = suggested;
	/* the findings, then the members of groups (each keeps its action) */
	for (i = 0; t->have && suggested == ACTIONS_NONE &&
		    i < t->cur.findings.n + t->cur.findings.nmembers; i++) {
		const struct finding *f = i < t->cur.findings.n ? &t->cur.findings.v[i] :
				&t->cur.findings.members[i - t->cur.findings.n];
		enum actions_kind k = (enum actions_kind)f->action;

		if (k == ACTIONS_NONE || f->pid != pid)
			continue;
		if (actions_kind_needs_fd(k) ? fd >= 0 && f->fd == fd && f->inode == inode : 1) {
			out->suggested = k;
			break;
		}
	}
	return 0;
}

const char *tui_no_actions(const struct tui *t)
{
	if (t->rp)
		return "replay: actions are not available";
	if (t->read_only)
		return "actions disabled: --read-only";
	if (actions_procroot_foreign(t->o->procroot))
		return "actions disabled: --procfs is not this machine's /proc";
	return NULL;
}
/* The sets, and the sample (its seq, time and findings list) they were
 * built from. */
struct findings_cache {
	unsigned seq;
	double time;
	const struct finding *v;
	size_t n;
	int built;
	struct findings_socks socks;
	struct findings_pids pids;
};

void tui_findings_cache_free(void *cache)
{
	struct findings_cache *c = cache;

	if (c) {
		findings_socks_free(&c->socks);
		findings_pids_free(&c->pids);
	}
	free(c);
}

/* *cache for t->cur, rebuilt when the sample changed; NULL without memory. */
static const struct findings_cache *findings_cache_of(void **cache, const struct tui *t)
{
	struct findings_cache *c = *cache;
	const struct finding_list *l = &t->cur.findings;

	if (!c) {
		c = calloc(1, sizeof(*c));
		if (!c)
			return NULL;
		*cache = c;
	} else if (c->built && c->seq == t->cur.seq && c->time == t->cur.time &&
		   c->v == l->v && c->n == l->n) {
		return c;
	}
	findings_socks_free(&c->socks);
	findings_pids_free(&c->pids);
	c->built = 0;
	if (findings_socks_build(&c->socks, l) < 0 || findings_pids_build(&c->pids, l) < 0)
		return NULL;
	c->built = 1;
	c->seq = t->cur.seq;
	c->time = t->cur.time;
	c->v = l->v;
	c->n = l->n;
	return c;
}

int tui_finding_about_socket(void **cache, const struct tui *t, uint64_t inode)
{
	const struct findings_cache *c = findings_cache_of(cache, t);

	return c ? findings_socks_has(&c->socks, inode) :
		   findings_about_socket(&t->cur.findings, inode);
}

int tui_finding_about_pid(void **cache, const struct tui *t, int pid)
{
	const struct findings_cache *c = findings_cache_of(cache, t);

	return c ? findings_pids_has(&c->pids, pid) : findings_about_pid(&t->cur.findings, pid);
}

size_t tui_sock_history(struct tui *t, uint64_t netns, uint64_t inode, uint32_t *q,
			size_t max)
{
	double ht[HISTORY_POINTS];

	if (t->rp)
		return t->replay_history ? t->replay_history(t, netns, inode, q, max) : 0;
	if (!t->ctx)
		return 0;
	return history_series_of(sample_ctx_history(t->ctx), netns, inode, ht, q,
				 max < HISTORY_POINTS ? max : HISTORY_POINTS);
}

static int alarming(const struct sample *s)
{
	return findings_any_leak(&s->findings);
}


void tui_install_sample(struct tui *t, struct sample *s)
{
	struct sample old = t->cur;
	int had = t->have, i;

	t->cur = *s;
	t->have = 1;
	if (!t->rp)
		mem_series_push(&t->mems, &t->cur.mem, &t->cur.slab,
				sample_steady_time(&t->cur));	/* replay.c rebuilds it */
	for (i = 0; i < t->npanes; i++)
		t->panes[i]->cls->sample(t->panes[i], t);
	for (i = 0; i < t->depth; i++)
		if (t->stack[i]->cls->sample)
			t->stack[i]->cls->sample(t->stack[i], t);
	if (had)
		sample_release(&old);
	/* the start-up pane: Findings as soon as there is something to see */
	if (!t->touched && !t->depth && alarming(&t->cur)) {
		t->pane = TUI_PANE_FINDINGS;
		t->touched = 1;
	}
	t->dirty = DIRTY_ALL;
}

int tui_record_action(struct tui *t, const struct actions_result *r)
{
	struct timeval tv;
	size_t i;

	if (t->nacts == t->capacts) {
		size_t cap = t->capacts ? t->capacts * 2 : 8;
		struct tui_action *v = realloc(t->acts, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		t->acts = v;
		t->capacts = cap;
	}
	/* a done undo marks the latest done action it reverts */
	for (i = t->nacts; r->outcome == ACTIONS_DONE && i-- > 0;) {
		const struct actions_result *e = &t->acts[i].res;

		if (e->outcome == ACTIONS_DONE && !t->acts[i].undone &&
		    actions_kind_undo(e->kind) == r->kind && e->target.pid == r->target.pid &&
		    e->target.start_ticks == r->target.start_ticks &&
		    (!actions_kind_needs_fd(r->kind) ||
		     (e->target.fd == r->target.fd && e->target.inode == r->target.inode))) {
			t->acts[i].undone = 1;
			break;
		}
	}
	gettimeofday(&tv, NULL);
	memset(&t->acts[t->nacts], 0, sizeof(t->acts[0]));
	t->acts[t->nacts].time = (double)tv.tv_sec + tv.tv_usec / 1e6;
	t->acts[t->nacts].res = *r;
	t->nacts++;
	return 0;
}

void tui_switch_pane(struct tui *t, int pane)
{
	while (t->depth)
		pop(t);
	t->pane = (pane + t->npanes) % t->npanes;
	t->jump_from = 0;	/* a pane chosen by hand: Esc no longer goes back */
	t->dirty |= DIRTY_BODY | DIRTY_TABS | DIRTY_STATUS;
}

static const struct tui_opener *opener_of(struct tui *t, const struct tui_ref *ref)
{
	const struct tui_opener *op;

	if (!ref || ref->kind <= TUI_REF_NONE || ref->kind >= TUI_REF_NKINDS || !t->openers) {
		tui_set_status(t, THEME_ERROR, "nothing to open: unknown reference %d",
			       ref ? (int)ref->kind : -1);
		return NULL;
	}
	op = &t->openers[ref->kind];
	if (!op->view && !op->go) {
		tui_set_status(t, THEME_ERROR, "nothing opens a %s here",
			       op->name ? op->name : "reference");
		return NULL;
	}
	return op;
}

struct view *tui_open_view(struct tui *t, const struct tui_ref *ref)
{
	const struct tui_opener *op = opener_of(t, ref);
	unsigned seq = t->status_seq;
	struct view *v;

	if (!op)
		return NULL;
	if (!op->view) {
		tui_set_status(t, THEME_ERROR, "a %s is no view", op->name);
		return NULL;
	}
	v = op->view(t, ref);
	/* a constructor that refused said why; else it ran out of memory */
	if (!v && seq == t->status_seq)
		tui_set_status(t, THEME_ERROR, "out of memory");
	return v;
}

int tui_open(struct tui *t, const struct tui_ref *ref)
{
	const struct tui_opener *op = opener_of(t, ref);
	struct view *v;

	if (!op)
		return -1;
	if (op->go)
		return op->go(t, ref);
	v = tui_open_view(t, ref);
	if (!v)
		return -1;
	tui_push(t, v);
	return 0;
}

void tui_show_procs_in_cgroup(struct tui *t, const char *arg)
{
	struct tui_ref ref = { .kind = TUI_REF_PROCS_IN, .text = arg };

	tui_open(t, &ref);
}

void tui_prompt_open(struct tui *t, int kind, const char *text)
{
	t->prompt = kind;
	snprintf(t->prompt_buf, sizeof(t->prompt_buf), "%s", text);
	t->dirty |= DIRTY_STATUS;
}
