/*
 * The light sample (--census-interval): between two full censuses, only the
 * sockets that move are read again, and the processes' socket figures are
 * carried over and corrected by what moved.  The steps, in order:
 * pick_moving, carry_census, read_groups, drop_refreshed, add_fresh,
 * reorder; then procs_light.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leaktop/ltbpf.h"
#include "leaktop/ltbpf_socks.h"
#include "leaktop/sample.h"
#include "sample_int.h"
#include "alloc_hook.h"

/* Is prev's socket i moving: worth reading again before the next census? */
static int sock_moving(const struct sample *prev, size_t i)
{
	const struct sock_rate *r = &prev->rates[i];

	if (r->flags & (SOCK_FLAG_NEVER_READ | SOCK_FLAG_DROPPING | SOCK_FLAG_SEND_STALLED))
		return 1;
	if (r->growth_bps != 0 || r->drops_ps != 0 || r->send_growth_bps != 0)
		return 1;
	/* first seen with a queue: no rate yet, it may be growing (a unix
	 * stream's bytes are charged to the sender: Recv-Q, not rmem) */
	return !r->known && (prev->socks.v[i].m->recv_q > 0 || ltsock_queued(&prev->socks.v[i]) > 0 ||
			     ltsock_send_held(&prev->socks.v[i]) > 0);
}


static int qdelta_add(struct qdeltas *d, const struct fd_census *owners,
		      const struct ltsock *k, int sign)
{
	uint64_t q = ltsock_queued(k);
	const struct fd_owner *o;
	size_t n, j;

	if (!q || !k->inode)
		return 0;
	o = fdtable_census_owners(owners, k->inode, &n);
	for (j = 0; o && j < n; j++) {
		if (j && o[j].pid == o[j - 1].pid)
			continue;	/* one process, two fds: counted once */
		if (d->n == d->cap) {
			size_t cap = d->cap ? d->cap * 2 : 64;
			struct qdelta *v = realloc(d->v, cap * sizeof(*v));

			if (!v)
				return -ENOMEM;
			d->v = v;
			d->cap = cap;
		}
		d->v[d->n].pid = o[j].pid;
		d->v[d->n++].bytes = sign * (int64_t)q;
	}
	return 0;
}

/* The path to enter a census namespace again: its name, or a process in it. */
static int netns_entry_of(const struct sample_ctx *ctx, const struct sample_netns *sn,
			  struct netns_entry *e, char *path, size_t pathsz)
{
	char rel[64];

	memset(e, 0, sizeof(*e));
	e->ino = sn->ino;
	e->pid = sn->pid;
	if (sn->name[0] && ctx->runroot) {
		if (snprintf(path, pathsz, "%s/%s", ctx->runroot, sn->name) >= (int)pathsz)
			return -1;
	} else if (sn->pid > 0) {
		snprintf(rel, sizeof(rel), "%d/ns/net", sn->pid);
		if (lt_path(path, pathsz, ctx->procroot, rel) < 0)
			return -1;
	} else {
		return -1;
	}
	e->path = path;
	return 0;
}

/*
 * The port pairs of one group's moving sockets, while few enough to ask
 * the kernel for those alone (an inet kind); whole: the group is dumped.
 *
 * A group dumped whole (but unix, whose attribution needs every reader and
 * sender together) is slim: of what the dump returns, only the sockets
 * that can differ from the census are kept, those that hold bytes or
 * dropped, now or then (held, sorted: the census's sockets of the group
 * that held bytes, dropped or moved).  The others held nothing then and
 * hold nothing now: the census's entry stands, as for every group not
 * read.  The first light sample after a census, in which every socket with
 * a queue is moving (no rate yet), held a second copy of the whole table
 * (at 500k sockets, 90 % tcp: a 240 MiB peak, the census alone 163); now
 * a copy of what moves.
 */
struct group_pairs {
	size_t n;
	int whole;
	uint16_t p[2 * SOCKDIAG_MAX_PAIRS];
	size_t nidx;			/* the moving sockets themselves */
	uint32_t idx[SOCKDIAG_MAX_PAIRS];	/* in the census */
	uint64_t ino[SOCKDIAG_MAX_PAIRS];
	int exact;			/* they were looked up one by one */
	int slim;
	uint64_t *held, *kept;		/* slim: sorted inodes, see above; and */
	size_t nheld, nkept;		/* the sockets the dump kept */
};

static int group_has_pair(const struct group_pairs *g, const struct ltsock *k)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		if (g->p[2 * i] == k->local.port && g->p[2 * i + 1] == k->peer.port)
			return 1;
	return 0;
}

/*
 * A unix lookup walks the namespace's whole unix table (without filling a
 * message per socket): a few are cheaper than the dump, many are not.
 * Either way the cost grows with the table, so in a namespace with many
 * unix sockets the moving ones are read every few light samples: one more
 * sample per UNIX_PER_SAMPLE sockets (at 17,000, every 5th).
 */
#define UNIX_MAX_LOOKUPS 4
#define UNIX_PER_SAMPLE 4000

static void group_add(struct group_pairs *g, const struct ltsock *k, uint32_t idx, int kind)
{
	size_t max = kind == SOCKDIAG_UNIX ? UNIX_MAX_LOOKUPS : SOCKDIAG_MAX_PAIRS;

	if (g->whole)
		return;
	/* a unix reader's queue is its senders' wmem: a reader with senders,
	 * or a sender with bytes queued, needs both ends read together */
	if (kind == SOCKDIAG_UNIX && (k->m->npeer_q > 0 || (ltsock_unix_peer(k) && k->m->wmem > 0))) {
		g->whole = 1;
		return;
	}
	if ((kind > SOCKDIAG_UDPLITE6 && kind != SOCKDIAG_UNIX) || g->nidx == max) {
		g->whole = 1;
		return;
	}
	g->idx[g->nidx] = idx;
	g->ino[g->nidx++] = k->inode;
	if (kind == SOCKDIAG_UNIX || group_has_pair(g, k))
		return;
	g->p[2 * g->n] = k->local.port;
	g->p[2 * g->n + 1] = k->peer.port;
	g->n++;
}

static int group_has_inode(const struct group_pairs *g, uint64_t ino)
{
	size_t i;

	for (i = 0; i < g->nidx; i++)
		if (g->ino[i] == ino)
			return 1;
	return 0;
}

/* A namespace's place in the census's list, for a lookup by inode. */
struct ns_place {
	uint64_t ino;
	size_t i;
};

/* What one light sample works with: per namespace, the kinds to read
 * again (mask), the kinds read (done), the sockets read (fresh); per
 * group (namespace x kind), the moving sockets (gp); the namespaces
 * sorted by inode (nsix), so a socket finds its own in log time. */
struct light {
	size_t nns;
	unsigned *mask, *done;
	unsigned done_any;		/* the union of done[] */
	struct ltsock_vec *fresh;
	struct group_pairs *gp;
	struct ns_place *nsix;
	struct slim_arg *slim;		/* per namespace: fresh[i]'s keep() */
	int any_slim;
};

struct slim_arg {
	const struct light *l;
	size_t ni;
};

static struct group_pairs *group_of(const struct light *l, size_t ni, int kind)
{
	return &l->gp[ni * SOCKDIAG_NKINDS + (size_t)kind];
}

static int cmp_ns_place(const void *a, const void *b)
{
	const struct ns_place *x = a, *y = b;

	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return (x->i > y->i) - (x->i < y->i);
}

/* l->nsix from the census's namespaces.  0 or -ENOMEM. */
static int ns_index_build(struct light *l, const struct sample *s)
{
	size_t i;

	l->nsix = malloc((l->nns ? l->nns : 1) * sizeof(*l->nsix));
	if (!l->nsix)
		return -ENOMEM;
	for (i = 0; i < l->nns; i++)
		l->nsix[i] = (struct ns_place){ s->netns[i].ino, i };
	qsort(l->nsix, l->nns, sizeof(*l->nsix), cmp_ns_place);
	return 0;
}

/* The place of namespace ino in the census's list (the first, should it be
 * listed twice), or -1. */
static ssize_t netns_index(const struct light *l, uint64_t ino)
{
	size_t lo = 0, hi = l->nns;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (l->nsix[mid].ino < ino)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < l->nns && l->nsix[lo].ino == ino ? (ssize_t)l->nsix[lo].i : -1;
}

/* Was the census's socket k read again in this light sample (its old
 * entry is replaced, or it is gone)?  Every socket a dump kept (fresh) was;
 * see add_fresh. */
static int refreshed(const struct light *l, const struct ltsock *k)
{
	ssize_t ni = netns_index(l, k->netns);
	int kind = sockdiag_kind_of(k);
	const struct group_pairs *g;

	if (ni < 0 || kind < 0 || !(l->done[ni] & (1u << kind)))
		return 0;
	g = group_of(l, (size_t)ni, kind);
	/* held bytes then (gone now, or read again), or now; the sockets no
	 * fd holds (inode 0: time-wait, orphans) cannot be told apart, so
	 * they are all read again, as in a whole dump */
	if (g->slim)
		return !k->inode || lt_u64_sorted_has(g->held, g->nheld, k->inode) ||
		       lt_u64_sorted_has(g->kept, g->nkept, k->inode);
	if (g->whole)
		return 1;
	return g->exact ? group_has_inode(g, k->inode) : group_has_pair(g, k);
}

/* What a slim group reads again: a socket that holds bytes, or ever
 * dropped (a UDP socket that dropped and was read empty keeps its forward
 * allocation charged, but the kernel may take that back). */
static int slim_worth(const struct ltsock *k)
{
	return !ltsock_holds_nothing(k) || k->m->drops > 0;
}

/* fresh[ni]'s keep(): all of a group not slim; of a slim one, what can
 * differ from the census. */
static int keep_fresh(const struct ltsock *k, void *arg)
{
	const struct slim_arg *a = arg;
	int kind = sockdiag_kind_of(k);
	const struct group_pairs *g;

	if (kind < 0)
		return 1;
	g = group_of(a->l, a->ni, kind);
	return !g->slim || !k->inode || slim_worth(k) ||
	       lt_u64_sorted_has(g->held, g->nheld, k->inode);
}

/* Step 1: the groups that hold a socket worth reading again. */
static void pick_moving(const struct sample_ctx *ctx, const struct sample *prev,
			struct light *l)
{
	size_t i;

	for (i = 0; i < prev->socks.n; i++) {
		ssize_t ni;
		int kind;

		if (!sock_moving(prev, i))
			continue;
		ni = netns_index(l, prev->socks.v[i].netns);
		kind = sockdiag_kind_of(&prev->socks.v[i]);
		if (ni < 0 || kind < 0)
			continue;
		if (kind == SOCKDIAG_UNIX &&
		    ctx->nlight % (1 + prev->netns[ni].nunix / UNIX_PER_SAMPLE) != 0)
			continue;	/* a big unix table: not this time */
		l->mask[ni] |= 1u << kind;
		group_add(group_of(l, (size_t)ni, kind), &prev->socks.v[i], (uint32_t)i, kind);
	}
}

/* The slim group whose held list the census's socket i belongs in (it
 * held bytes or moved), or NULL. */
static struct group_pairs *held_in(const struct sample *prev, const struct light *l, size_t i)
{
	const struct ltsock *k = &prev->socks.v[i];
	int kind = sockdiag_kind_of(k);
	struct group_pairs *g;
	ssize_t ni;

	if (kind < 0 || (ni = netns_index(l, k->netns)) < 0)
		return NULL;
	g = group_of(l, (size_t)ni, kind);
	return g->slim && (slim_worth(k) || sock_moving(prev, i)) ? g : NULL;
}

/* The slim group a socket namespace ni's dump kept belongs to, or NULL. */
static struct group_pairs *kept_in(const struct light *l, size_t ni, const struct ltsock *k)
{
	int kind = sockdiag_kind_of(k);

	return kind >= 0 && group_of(l, ni, kind)->slim ? group_of(l, ni, kind) : NULL;
}

/* Each slim group's held (or kept) list, as long as its count says; the
 * count back to 0 for the filling.  0 or -ENOMEM. */
static int slim_lists(struct light *l, int kept)
{
	size_t i;

	for (i = 0; i < l->nns * SOCKDIAG_NKINDS; i++) {
		struct group_pairs *g = &l->gp[i];
		uint64_t **v = kept ? &g->kept : &g->held;
		size_t *n = kept ? &g->nkept : &g->nheld;

		if (!g->slim)
			continue;
		*v = malloc((*n ? *n : 1) * sizeof(**v));
		if (!*v)
			return -ENOMEM;
		*n = 0;
	}
	return 0;
}

static void slim_sort(struct light *l, int kept)
{
	size_t i;

	for (i = 0; i < l->nns * SOCKDIAG_NKINDS; i++)
		if (l->gp[i].slim)
			qsort(kept ? l->gp[i].kept : l->gp[i].held,
			      kept ? l->gp[i].nkept : l->gp[i].nheld, sizeof(uint64_t), lt_cmp_u64);
}

/* Step 1b: the whole groups but unix become slim, with the census's
 * sockets of them that held bytes or moved.  0 or -ENOMEM. */
static int pick_slim(const struct sample *prev, struct light *l)
{
	size_t i, ng = l->nns * SOCKDIAG_NKINDS;
	struct group_pairs *g;

	for (i = 0; i < ng; i++)
		if (l->gp[i].whole && i % SOCKDIAG_NKINDS != SOCKDIAG_UNIX) {
			l->gp[i].slim = 1;
			l->any_slim = 1;
		}
	if (!l->any_slim)
		return 0;
	/* count, then fill, then sort each */
	for (i = 0; i < prev->socks.n; i++)
		if ((g = held_in(prev, l, i)))
			g->nheld++;
	if (slim_lists(l, 0) < 0)
		return -ENOMEM;
	for (i = 0; i < prev->socks.n; i++)
		if ((g = held_in(prev, l, i)))
			g->held[g->nheld++] = prev->socks.v[i].inode;
	slim_sort(l, 0);
	for (i = 0; i < l->nns; i++) {
		l->slim[i] = (struct slim_arg){ l, i };
		l->fresh[i].keep = keep_fresh;
		l->fresh[i].keep_arg = &l->slim[i];
	}
	return 0;
}

/* After the dumps: each slim group's kept sockets, sorted.  0 or -ENOMEM. */
static int slim_kept(struct light *l)
{
	struct group_pairs *g;
	size_t i, j;

	if (!l->any_slim)
		return 0;
	for (i = 0; i < l->nns; i++)
		for (j = 0; j < l->fresh[i].n; j++)
			if ((g = kept_in(l, i, &l->fresh[i].v[j])))
				g->nkept++;
	if (slim_lists(l, 1) < 0)
		return -ENOMEM;
	for (i = 0; i < l->nns; i++)
		for (j = 0; j < l->fresh[i].n; j++)
			if ((g = kept_in(l, i, &l->fresh[i].v[j])))
				g->kept[g->nkept++] = l->fresh[i].v[j].inode;
	slim_sort(l, 1);
	return 0;
}

/* Step 2: prev's census moves into out, the rates of its sockets as they
 * are (no new point: their rates are what their series already say). */
static void carry_census(const struct sample_ctx *ctx, struct sample *prev,
			 struct sample *out)
{
	out->census = 1;
	out->census_complete = prev->census_complete;
	out->pid_filter = prev->pid_filter;
	out->census_age = out->clock - ctx->last_full;
	out->hidden |= prev->hidden & (SAMPLE_HIDDEN_NETNS | SAMPLE_HIDDEN_FDS);
	out->socks = prev->socks;
	out->rates = prev->rates;
	out->owners = prev->owners;
	out->netns = prev->netns;
	out->nnetns = prev->nnetns;
	sample_census_carry(&out->mem, &prev->mem);
	out->ns_unknown = prev->ns_unknown;
	out->nns_unknown = prev->nns_unknown;
	prev->ns_unknown = NULL;
	prev->nns_unknown = 0;
	memset(&prev->socks, 0, sizeof(prev->socks));
	memset(&prev->owners, 0, sizeof(prev->owners));
	prev->rates = NULL;
	prev->netns = NULL;
	prev->nnetns = 0;
}

/* The BPF protocol iterators for a namespace's slim groups (the tcp and
 * udp ones dumped whole), as the census reads them: a walk that fills no
 * netlink message per socket.  The filtered and exact groups stay on
 * sock_diag. */
struct light_hook {
	struct sample_ctx *ctx;
	unsigned slim;		/* the kinds of this namespace that are slim */
};

static int light_hook_dump(void *arg, uint64_t ino, unsigned mask, struct ltsock_vec *out)
{
	const struct light_hook *h = arg;

	mask &= h->slim;
	return mask ? ltbpf_socks_dump(h->ctx->bpf, ino, mask, out) : 0;
}

/* Step 3: each namespace's chosen groups read again, by lookup, else by a
 * filtered or whole dump; l->done says which were.  0 or -ENOMEM. */
static int read_groups(struct sample_ctx *ctx, struct sample *out, struct light *l)
{
	struct light_hook lh = { ctx, 0 };
	struct netns_hook hook = { light_hook_dump, &lh };
	int bpf = !strcmp(ctx->procroot, "/proc") && ltbpf_socks_ready(ctx->bpf);
	struct ltsock *want;
	size_t i, j;

	want = malloc(SOCKDIAG_NKINDS * SOCKDIAG_MAX_PAIRS * sizeof(*want));
	if (!want)
		return -ENOMEM;
	for (i = 0; i < l->nns; i++) {
		struct netns_kind_filter filt[SOCKDIAG_NKINDS];
		struct netns_dump_report rep;
		struct netns_entry e;
		char path[512];
		int k;

		if (!l->mask[i] || netns_entry_of(ctx, &out->netns[i], &e, path, sizeof(path)) < 0)
			continue;
		for (k = 0; k < SOCKDIAG_NKINDS; k++) {
			struct group_pairs *g = group_of(l, i, k);
			struct ltsock *w = want + (size_t)k * SOCKDIAG_MAX_PAIRS;

			/* unix has no filter: its fallback is the whole table */
			filt[k].pairs = g->whole || k == SOCKDIAG_UNIX ? NULL : g->p;
			filt[k].npairs = g->whole || k == SOCKDIAG_UNIX ? 0 : g->n;
			filt[k].exact = w;
			filt[k].nexact = g->whole ? 0 : g->nidx;
			for (j = 0; j < filt[k].nexact; j++)
				w[j] = out->socks.v[g->idx[j]];
		}
		lh.slim = 0;
		for (k = 0; k < SOCKDIAG_NKINDS; k++)
			if ((l->mask[i] & (1u << k)) && group_of(l, i, k)->slim)
				lh.slim |= 1u << k;
		if (netns_dump_hooked(&e, ctx->procroot, l->mask[i], filt, bpf && lh.slim ? &hook : NULL,
				      &l->fresh[i], &rep) < 0) {
			free(want);
			return -ENOMEM;
		}
		if (!rep.entered)
			continue;	/* gone or refused: keep what the census saw */
		/* a unix group involved in attribution is dumped whole (see
		 * group_add): its readers and senders are all in fresh[i] */
		ltsock_vec_dedup(&l->fresh[i], 0);
		ltsock_attribute_peers(&l->fresh[i], ctx->max_dgram_qlen);
		for (k = 0; k < SOCKDIAG_NKINDS; k++) {
			if (!(l->mask[i] & (1u << k)))
				continue;
			if (rep.result[k] == SOCKDIAG_OK || rep.fallback[k])
				l->done[i] |= 1u << k;
			/* a /proc/net table is read whole */
			if (rep.exact[k])
				group_of(l, i, k)->exact = 1;
			else if (rep.fallback[k] || k == SOCKDIAG_UNIX)
				group_of(l, i, k)->whole = 1;
		}
		l->done_any |= l->done[i];
	}
	free(want);
	return 0;
}

/* Step 4: the refreshed groups' old sockets leave the census, their bytes
 * taken from their owners (d); remap[old index] is the kept index or
 * UINT32_MAX.  Returns the count kept, or -ENOMEM. */
static ssize_t drop_refreshed(struct sample *out, const struct light *l,
			      struct qdeltas *d, uint32_t *remap)
{
	size_t i, keep;

	for (i = 0, keep = 0; i < out->socks.n; i++) {
		struct ltsock *k = &out->socks.v[i];
		int kind = sockdiag_kind_of(k);

		remap[i] = UINT32_MAX;
		/* most sockets are of a kind no group of which was read */
		if (kind >= 0 && (l->done_any & (1u << kind)) &&
		    refreshed(l, k)) {
			if (qdelta_add(d, &out->owners, k, -1) < 0)
				return -ENOMEM;
			sample_census_add(&out->mem, k, -1);
			out->netns[netns_index(l, k->netns)].nsockets--;
			free(k->path);
			continue;
		}
		out->rates[keep] = out->rates[i];
		remap[i] = (uint32_t)keep;
		out->socks.v[keep++] = *k;
	}
	out->socks.n = keep;
	return (ssize_t)keep;
}

/* Step 5: the sockets read again join the census, their bytes given to
 * their owners (d).  0 or -ENOMEM. */
static int add_fresh(struct sample *out, struct light *l, struct qdeltas *d)
{
	size_t i, j;
	int r = 0;

	for (i = 0; i < l->nns; i++) {
		for (j = 0; j < l->fresh[i].n; j++) {
			struct ltsock *k = &l->fresh[i].v[j];
			int kind = sockdiag_kind_of(k);

			/* a filtered dump returns only its pairs: all refreshed;
			 * a slim group's dump only what it kept */
			if (r < 0 || kind < 0 || !(l->done[i] & (1u << kind)) ||
			    (!group_of(l, i, kind)->slim && !refreshed(l, k))) {
				free(k->path);
				continue;
			}
			if (ltsock_vec_push(&out->socks, k) < 0) {
				free(k->path);
				r = -ENOMEM;
				continue;
			}
			out->netns[i].nsockets++;
			sample_census_add(&out->mem, k, 1);
			if (qdelta_add(d, &out->owners, k, 1) < 0)
				r = -ENOMEM;
		}
		l->fresh[i].n = 0;	/* the paths moved */
	}
	return r;
}

/* Step 6: rates for the sockets read now, and the order: the kept sockets
 * keep their rates, so their order holds; the new are inserted. */
static int reorder(struct sample_ctx *ctx, const struct sample *prev, struct sample *out,
		   const uint32_t *remap, size_t keep, size_t nold)
{
	uint32_t *add;
	size_t i, j;

	if (out->socks.n > keep) {
		struct sock_rate *nr = realloc(out->rates, out->socks.n * sizeof(*nr));

		if (!nr)
			return -ENOMEM;
		out->rates = nr;
	}
	/* without memory for some series their rates start over: partial */
	if (history_touch(ctx->hist, out->clock, &out->socks, keep, out->rates) < 0)
		out->hidden |= SAMPLE_HIDDEN_NOMEM;
	out->order = malloc((out->socks.n ? out->socks.n : 1) * sizeof(*out->order));
	add = malloc((out->socks.n - keep ? out->socks.n - keep : 1) * sizeof(*add));
	if (!out->order || !add) {
		free(add);
		return -ENOMEM;
	}
	for (i = 0, j = 0; i < nold; i++)
		if (remap[prev->order[i]] != UINT32_MAX)
			out->order[j++] = remap[prev->order[i]];
	for (i = keep; i < out->socks.n; i++)
		add[i - keep] = (uint32_t)i;
	history_order_insert(&out->socks, out->rates, out->order, j, add, out->socks.n - keep);
	free(add);
	return 0;
}

/*
 * The full census's join (ctx->join, sorted by inode) follows the light
 * sample, so that the cgroups step needs no sort of every socket: the kept
 * sockets' places by remap, the refreshed ones dropped, and the sockets
 * read again (and those the last light sample read, not in it yet) merged
 * in, few of them sorted.  Without memory the join is left invalid (seq
 * 0) and the cgroups step sorts, as before.
 */
static void join_follow(struct sample_ctx *ctx, unsigned prev_seq, const struct sample *out,
			const uint32_t *remap, size_t keep, size_t nold)
{
	uint32_t *xkey = NULL;
	uint32_t *xval = NULL;
	size_t j, n = 0, nx = 0, i, total, k;

	if (!ctx->join.seq || ctx->join.seq != prev_seq)
		return;
	ctx->join.seq = 0;
	/* the kept ones where they are now; the dropped ones out */
	for (j = 0; j < ctx->join.n; j++) {
		uint32_t v = ctx->join.val[j];
		uint32_t to = JOIN_IDX(v) < nold ? remap[JOIN_IDX(v)] : UINT32_MAX;

		if (to == UINT32_MAX || !ctx->join.key[j])
			continue;
		ctx->join.key[n] = ctx->join.key[j];
		ctx->join.val[n++] = to | (v & JOIN_QUEUED);
	}
	/* not in it: the last light sample's fresh ones kept, and this one's */
	nx = (nold - (ctx->join.fresh < nold ? ctx->join.fresh : nold)) + (out->socks.n - keep);
	xkey = malloc((nx ? nx : 1) * sizeof(*xkey));
	xval = malloc((nx ? nx : 1) * sizeof(*xval));
	if (!xkey || !xval)
		goto out;
	nx = 0;
	for (i = ctx->join.fresh; i < nold; i++)
		if (remap[i] != UINT32_MAX && out->socks.v[remap[i]].inode) {
			xkey[nx] = out->socks.v[remap[i]].inode;
			xval[nx++] = remap[i];
		}
	for (i = keep; i < out->socks.n; i++)
		if (out->socks.v[i].inode) {
			xkey[nx] = out->socks.v[i].inode;
			xval[nx++] = (uint32_t)i;
		}
	for (i = 0; i < nx; i++)
		if (ltsock_queued(&out->socks.v[xval[i]]))
			xval[i] |= JOIN_QUEUED;
	total = n + nx;
	if (total > ctx->join.cap || ltsock_sort_u32(xkey, xval, nx) < 0)
		goto out;	/* (the census grew past the arrays: sort next time) */
	/* merge from the back, in place */
	for (k = total, i = n, j = nx; j > 0; k--) {
		if (i > 0 && ctx->join.key[i - 1] > xkey[j - 1]) {
			ctx->join.key[k - 1] = ctx->join.key[i - 1];
			ctx->join.val[k - 1] = ctx->join.val[i - 1];
			i--;
		} else {
			ctx->join.key[k - 1] = xkey[j - 1];
			ctx->join.val[k - 1] = xval[j - 1];
			j--;
		}
	}
	ctx->join.n = total;
	ctx->join.fresh = out->socks.n;
	ctx->join.seq = out->seq;
out:
	free(xkey);
	free(xval);
}

/*
 * A light sample: prev's census moved into out; the moving sockets of each
 * group (kind of a namespace) read again, by lookup, else by a filtered or
 * whole dump of the group, and swapped in.  Owners and namespaces stay as
 * the last full census saw them; sockets new in a refreshed group have no
 * owner until the next one.  The queued bytes that moved between processes
 * are returned in *d for procs_light.
 */
static int census_light(struct sample_ctx *ctx, struct sample *prev,
			struct sample *out, struct qdeltas *d)
{
	struct light l = { .nns = prev->nnetns };
	size_t one = l.nns ? l.nns : 1, nold, i;
	uint32_t *remap = NULL;
	ssize_t keep;
	int r = -ENOMEM;

	l.mask = calloc(one, sizeof(*l.mask));
	l.done = calloc(one, sizeof(*l.done));
	l.fresh = calloc(one, sizeof(*l.fresh));
	l.gp = calloc(one * SOCKDIAG_NKINDS, sizeof(*l.gp));
	l.slim = calloc(one, sizeof(*l.slim));
	if (!l.mask || !l.done || !l.fresh || !l.gp || !l.slim || ns_index_build(&l, prev) < 0)
		goto out;
	pick_moving(ctx, prev, &l);
	if (pick_slim(prev, &l) < 0)
		goto out;
	carry_census(ctx, prev, out);
	if (read_groups(ctx, out, &l) < 0 || slim_kept(&l) < 0)
		goto out;
	if (!l.done_any) {
		/* nothing moved, or nothing could be read: the same order */
		out->order = prev->order;
		out->shown = prev->shown;
		out->nshown = prev->nshown;
		prev->order = NULL;
		prev->shown = NULL;
		meminfo_place_sockets(&out->mem, out->mem.socket_outside_slab);
		if (ctx->join.seq && ctx->join.seq == prev->seq)
			ctx->join.seq = out->seq;	/* the same places */
		r = 0;
		goto out;
	}
	nold = out->socks.n;
	remap = malloc((nold ? nold : 1) * sizeof(*remap));
	if (!remap || (keep = drop_refreshed(out, &l, d, remap)) < 0)
		goto out;
	/* the dropped sockets' figures go before the fresh ones come in
	 * (when they outweigh the rest): the blocks' table need not grow */
	ltsock_vec_tidy(&out->socks);
	if (add_fresh(out, &l, d) < 0)
		goto out;
	/* their sockets are the census's now: the dumps' arrays go before the
	 * order takes its scratch (the first light sample after a census reads
	 * every queued socket again: 7 MB of dump at 500k sockets) */
	for (i = 0; i < l.nns; i++)
		ltsock_vec_free(&l.fresh[i]);
	if (reorder(ctx, prev, out, remap, (size_t)keep, nold) < 0)
		goto out;
	join_follow(ctx, prev->seq, out, remap, (size_t)keep, nold);
	meminfo_place_sockets(&out->mem, out->mem.socket_outside_slab);
	r = sample_build_shown(out);
out:
	for (i = 0; l.fresh && i < l.nns; i++)
		ltsock_vec_free(&l.fresh[i]);
	for (i = 0; l.gp && i < one * SOCKDIAG_NKINDS; i++) {
		free(l.gp[i].held);
		free(l.gp[i].kept);
	}
	free(l.slim);
	free(l.fresh);
	free(l.mask);
	free(l.done);
	free(l.gp);
	free(l.nsix);
	free(remap);
	return r;
}

/*
 * Processes of a light sample (out->procs, from the process table): their
 * socket figures (sockets, ghosts, queued bytes) carried from prev for the
 * same process (pid and start time), queued bytes corrected by the
 * refreshed groups' changes in d.
 */
static void procs_light(struct sample_ctx *ctx, const struct sample *prev,
			struct sample *out, const struct qdeltas *d)
{
	size_t i;

	for (i = 0; i < out->procs.n; i++) {
		struct proc_info *p = &out->procs.v[i];
		const struct proc_info *q = prev->have_procs ? procs_find(&prev->procs, p->pid) : NULL;

		if (!q || q->start_ticks != p->start_ticks)
			continue;	/* new since the census: no socket figures yet */
		p->nsockets = q->nsockets;
		p->ghosts = q->ghosts;
		p->ghosts_settled = q->ghosts_settled;
		p->ghosts_known = q->ghosts_known;
		p->queued = q->queued;
		p->hidden |= q->hidden & PROC_HIDDEN_FDS;
		if (q->ghosts > 0)
			p->oldest_ghost_age = q->oldest_ghost_age + (out->clock - prev->clock);
	}
	for (i = 0; i < d->n; i++) {
		struct proc_info *p = (struct proc_info *)procs_find(&out->procs, d->v[i].pid);

		if (!p)
			continue;
		if (d->v[i].bytes < 0 && (uint64_t)-d->v[i].bytes > p->queued)
			p->queued = 0;
		else
			p->queued += (uint64_t)d->v[i].bytes;
	}
	if (history_update_procs(ctx->hist, out->clock, ctx->window * 10, &out->procs) < 0)
		out->hidden |= SAMPLE_HIDDEN_NOMEM;
}

int sample_take_light(struct sample_ctx *ctx, struct sample *prev, struct sample *out,
		      struct lt_err *err)
{
	struct qdeltas d = { 0 };
	int r;

	ctx->nlight++;
	r = census_light(ctx, prev, out, &d);
	if (r == 0)
		procs_light(ctx, prev, out, &d);
	free(d.v);
	return r < 0 ? lt_err_set(err, ENOMEM, "out of memory") : 0;
}
