/*
 * The cgroups of a sample, in named steps: each process's cgroup (from the
 * cache, read once per process instance), each socket's (its first
 * owner's), the totals per cgroup beside the kernel's own figure, and the
 * --cgroup cut of everything a sink or a pane reads.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "leaktop/sample.h"
#include "sample_int.h"
#include "alloc_hook.h"

void sample_cgroups_free(struct sample_cgroups *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->n; i++)
		free(c->v[i].path);
	free(c->v);
	free(c->of_proc);
	free(c->of_sock);
	memset(c, 0, sizeof(*c));
}

static const char *const *sort_paths;

static int cmp_path_idx(const void *a, const void *b)
{
	return strcmp(sort_paths[*(const uint32_t *)a], sort_paths[*(const uint32_t *)b]);
}

/* Step 1: each process's path, and the distinct paths as cgroups. */
static int cgroups_of_procs(struct sample_ctx *ctx, struct sample *out, const char **paths)
{
	struct sample_cgroups *c = &out->cgroups;
	uint32_t *idx;
	size_t i, k = 0;

	for (i = 0; i < out->procs.n; i++) {
		const struct proc_info *p = &out->procs.v[i];

		paths[i] = cgroup_cache_get_id(ctx->cgcache, p->cgroup_id, p->pid, p->start_ticks,
					       out->clock);
		c->of_proc[i] = -1;
		if (paths[i])
			k++;
	}
	idx = malloc((k ? k : 1) * sizeof(*idx));
	c->v = calloc(k ? k : 1, sizeof(*c->v));
	if (!idx || !c->v) {
		free(idx);
		return -ENOMEM;
	}
	for (i = 0, k = 0; i < out->procs.n; i++)
		if (paths[i])
			idx[k++] = (uint32_t)i;
	sort_paths = paths;
	qsort(idx, k, sizeof(*idx), cmp_path_idx);
	sort_paths = NULL;
	for (i = 0; i < k; i++) {
		const char *path = paths[idx[i]];

		if (c->n == 0 || strcmp(c->v[c->n - 1].path, path)) {
			struct sample_cgroup *g = &c->v[c->n];

			g->path = strdup(path);
			if (!g->path) {
				free(idx);
				return -ENOMEM;
			}
			cgroup_name(path, &g->name);
			c->n++;
		}
		c->of_proc[idx[i]] = (int32_t)(c->n - 1);
	}
	free(idx);
	c->version = cgroup_cache_version(ctx->cgcache);
	return 0;
}

/* The index of the cgroup at path, added (with no process) when none of
 * the processes is in it; -1 when memory runs out.  The first nsorted
 * entries are in path order (step 1's), the added ones after them. */
static int32_t cgroup_index(struct sample_cgroups *c, size_t nsorted, const char *path)
{
	struct sample_cgroup *nv;
	size_t lo = 0, hi = nsorted, i;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = strcmp(c->v[mid].path, path);

		if (!r)
			return (int32_t)mid;
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (i = nsorted; i < c->n; i++)
		if (!strcmp(c->v[i].path, path))
			return (int32_t)i;
	nv = reallocarray(c->v, c->n + 1, sizeof(*nv));
	if (!nv)
		return -1;
	c->v = nv;
	memset(&c->v[c->n], 0, sizeof(c->v[0]));
	c->v[c->n].path = strdup(path);
	if (!c->v[c->n].path)
		return -1;
	cgroup_name(path, &c->v[c->n].name);
	return (int32_t)c->n++;
}

/*
 * Step 2: each socket's cgroup.  Where the kernel names the cgroup that
 * created the socket (INET_DIAG_CGROUP_ID, a cgroup2 id) and the
 * processes' paths are cgroup2 paths, that one: it is the cgroup the kernel
 * charges, and it outlives the process (orphans).  On a hybrid machine
 * (the processes' paths are the v1 memory controller's) the kernel's
 * cgroup2 path only places a socket no process holds, in the cgroup of the
 * same path (systemd keeps the hierarchies parallel), never in "/".
 * Otherwise the cgroup of the first process that holds it.
 */
static void socks_by_owner(const struct sample *s, const uint32_t *key,
			   const uint32_t *val, size_t n, int32_t *of_sock)
{
	const struct fd_census *o = &s->owners;
	size_t i, j = 0;

	for (i = 0; i < s->socks.n; i++)
		of_sock[i] = -1;
	for (i = 0; s->cgroups.of_proc && i < n; i++) {
		const struct proc_info *p;

		if (!key[i])
			continue;
		while (j < o->nowners && o->owners[j].inode < key[i])
			j++;
		if (j == o->nowners || o->owners[j].inode != key[i])
			continue;
		p = procs_find(&s->procs, o->owners[j].pid);
		if (p)
			of_sock[JOIN_IDX(val[i])] = s->cgroups.of_proc[p - s->procs.v];
	}
}

int sample_cgroups_socks_by_owner(const struct sample *s, int32_t *of_sock)
{
	size_t n = s->socks.n ? s->socks.n : 1, i;
	uint32_t *key = malloc(n * sizeof(*key));
	uint32_t *val = malloc(n * sizeof(*val));

	if (!key || !val || s->socks.n >= JOIN_QUEUED) {
		free(key);
		free(val);
		return -ENOMEM;
	}
	for (i = 0; i < s->socks.n; i++) {
		key[i] = s->socks.v[i].inode;
		val[i] = (uint32_t)i;
	}
	if (ltsock_sort_u32(key, val, s->socks.n) < 0) {
		free(key);
		free(val);
		return -ENOMEM;
	}
	socks_by_owner(s, key, val, s->socks.n, of_sock);
	free(key);
	free(val);
	return 0;
}

static int cgroups_of_socks(struct sample_ctx *ctx, struct sample *out)
{
	struct sample_cgroups *c = &out->cgroups;
	size_t i, nsorted = c->n;
	uint64_t last_id = 0;
	int32_t last_g = -1;

	/* the census's inodes as take_procs sorted them, when they are
	 * this sample's (a full census) */
	if (ctx->join.seq && ctx->join.seq == out->seq) {
		socks_by_owner(out, ctx->join.key, ctx->join.val, ctx->join.n, c->of_sock);
		/* (a complete join leaves none: fresh is the census's size) */
		for (i = ctx->join.fresh; c->of_proc && i < out->socks.n; i++) {
			const struct fd_owner *o;
			const struct proc_info *p;
			size_t no;

			o = out->socks.v[i].inode ?
			    fdtable_census_owners(&out->owners, out->socks.v[i].inode, &no) : NULL;
			p = o ? procs_find(&out->procs, o->pid) : NULL;
			if (p)
				c->of_sock[i] = c->of_proc[p - out->procs.v];
		}
	} else if (sample_cgroups_socks_by_owner(out, c->of_sock) < 0) {
		return -ENOMEM;
	}
	for (i = 0; i < out->socks.n; i++) {
		const struct ltsock *k = &out->socks.v[i];
		const char *path;

		if (!k->m->cgroup_id || (c->version != CGROUP_V2 && c->of_sock[i] >= 0))
			continue;
		if (k->m->cgroup_id != last_id) {
			path = cgroup_cache_id_path(ctx->cgcache, k->m->cgroup_id);
			last_id = k->m->cgroup_id;
			last_g = -2;	/* unknown id */
			if (path && (c->version == CGROUP_V2 || strcmp(path, "/")))
				last_g = cgroup_index(c, nsorted, path);
			if (last_g == -1)
				return -ENOMEM;
		}
		if (last_g >= 0)
			c->of_sock[i] = last_g;
	}
	return 0;
}

/* Step 3: each cgroup's own totals (the tree sums them upwards). */
static void cgroups_sum(struct sample *out)
{
	struct sample_cgroups *c = &out->cgroups;
	size_t i;

	for (i = 0; i < out->socks.n; i++) {
		const struct ltsock *k = &out->socks.v[i];
		struct sample_cgroup *g;
		uint64_t mem;

		if (c->of_sock[i] < 0)
			continue;
		g = &c->v[c->of_sock[i]];
		mem = ltsock_mem(k);
		g->mem += mem;
		g->rmem += k->m->rmem < mem ? k->m->rmem : mem;
		g->wmem += mem - (k->m->rmem < mem ? k->m->rmem : mem);
		g->queued += ltsock_queued(k);
		g->nsockets++;
		g->direct = 1;
		if (ltsock_is_orphan(k))
			g->norphans++;
	}
	for (i = 0; i < out->procs.n; i++) {
		const struct proc_info *p = &out->procs.v[i];
		struct sample_cgroup *g;

		if (c->of_proc[i] < 0)
			continue;
		g = &c->v[c->of_proc[i]];
		g->nprocs++;
		g->direct = 1;
		if (p->nfds > 0)
			g->nfds += (uint32_t)p->nfds;
		g->ghosts += (uint32_t)(p->ghosts > 0 ? p->ghosts : 0);
	}
	for (i = 0; i < out->findings.n; i++) {
		const struct finding *f = &out->findings.v[i];
		const struct sample_cgroup *g = sample_cgroup_of_finding(out, f);

		if (g && findings_is_open(f))
			c->v[g - c->v].nfindings++;
	}
}

/* The kernel's figure beside ours, for each cgroup left after the cut. */
static void cgroups_kernel(struct sample_ctx *ctx, struct sample *out)
{
	struct sample_cgroups *c = &out->cgroups;
	size_t i;

	for (i = 0; i < c->n; i++) {
		if (ctx->cghost.version != c->version && !ctx->cghost.nosocket)
			c->v[i].kernel.acct = CGROUP_ACCT_NO_MEMCG;
		else
			cgroup_kernel_read(&ctx->cghost, c->v[i].path, &c->v[i].kernel);
	}
}

/* ---- the tree --------------------------------------------------------- */

static const struct sample_cgroup *sort_groups;

static int cmp_group_path(const void *a, const void *b)
{
	return strcmp(sort_groups[*(const uint32_t *)a].path,
		      sort_groups[*(const uint32_t *)b].path);
}

/* c->v's indices in path order (n of them); NULL when memory runs out. */
static uint32_t *path_index(const struct sample_cgroups *c)
{
	uint32_t *idx = malloc((c->n ? c->n : 1) * sizeof(*idx));
	size_t i;

	if (!idx)
		return NULL;
	for (i = 0; i < c->n; i++)
		idx[i] = (uint32_t)i;
	sort_groups = c->v;
	qsort(idx, c->n, sizeof(*idx), cmp_group_path);
	sort_groups = NULL;
	return idx;
}

/* The entry whose path is path[0..len), through idx; -1 none. */
static int32_t find_path(const struct sample_cgroups *c, const uint32_t *idx, const char *path,
			 size_t len)
{
	size_t lo = 0, hi = c->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *v = c->v[idx[mid]].path;
		int r = strncmp(v, path, len);

		if (!r && v[len])
			r = 1;
		if (!r)
			return (int32_t)idx[mid];
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* The length of the parent's path of path[0..len); 1 or less: the parent
 * is "/" (no one's parent) or there is none. */
static size_t parent_len(const char *path, size_t len)
{
	while (len > 0 && path[len - 1] != '/')
		len--;
	while (len > 1 && path[len - 1] == '/')
		len--;
	return len;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Add the ancestors of c's paths that are not in c yet. */
static int add_ancestors(struct sample_cgroups *c)
{
	uint32_t *idx = path_index(c);
	char **miss = NULL, **nm;
	size_t nmiss = 0, cap = 0, i, k;
	struct sample_cgroup *nv;
	int r = -ENOMEM;

	if (!idx)
		return -ENOMEM;
	for (i = 0; i < c->n; i++) {
		const char *p = c->v[i].path;
		size_t len = strlen(p);

		while ((len = parent_len(p, len)) > 1 && find_path(c, idx, p, len) < 0) {
			if (nmiss == cap) {
				cap = cap ? cap * 2 : 16;
				nm = reallocarray(miss, cap, sizeof(*nm));
				if (!nm)
					goto out;
				miss = nm;
			}
			miss[nmiss] = strndup(p, len);
			if (!miss[nmiss])
				goto out;
			nmiss++;
		}
	}
	if (!nmiss) {
		r = 0;
		goto out;
	}
	qsort(miss, nmiss, sizeof(*miss), cmp_str);
	for (i = 1, k = 1; i < nmiss; i++) {
		if (strcmp(miss[i], miss[k - 1]))
			miss[k++] = miss[i];
		else
			free(miss[i]);
	}
	nmiss = k;
	nv = reallocarray(c->v, c->n + nmiss, sizeof(*nv));
	if (!nv)
		goto out;
	c->v = nv;
	for (i = 0; i < nmiss; i++) {
		struct sample_cgroup *g = &c->v[c->n++];

		memset(g, 0, sizeof(*g));
		g->path = miss[i];
		miss[i] = NULL;
		cgroup_name(g->path, &g->name);
	}
	r = 0;
out:
	for (i = 0; i < nmiss; i++)
		free(miss[i]);
	free(miss);
	free(idx);
	return r;
}

static void add_figures(struct sample_cgroup *to, const struct sample_cgroup *g)
{
	to->mem += g->mem;
	to->rmem += g->rmem;
	to->wmem += g->wmem;
	to->queued += g->queued;
	to->nsockets += g->nsockets;
	to->norphans += g->norphans;
	to->nprocs += g->nprocs;
	to->nfds += g->nfds;
	to->ghosts += g->ghosts;
	to->nfindings += g->nfindings;
}

static int cmp_deeper(const void *a, const void *b)
{
	const struct sample_cgroup *x = &sort_groups[*(const uint32_t *)a];
	const struct sample_cgroup *y = &sort_groups[*(const uint32_t *)b];

	return (x->depth < y->depth) - (x->depth > y->depth);
}

int sample_cgroups_tree(struct sample_cgroups *c)
{
	uint32_t *idx;
	size_t i;
	int r;

	if ((r = add_ancestors(c)) < 0)
		return r;
	if (!(idx = path_index(c)))
		return -ENOMEM;
	for (i = 0; i < c->n; i++) {
		const char *p = c->v[i].path;
		size_t len = parent_len(p, strlen(p));

		c->v[i].parent = len > 1 ? find_path(c, idx, p, len) : -1;
		c->v[i].nchildren = 0;
	}
	/* in path order a parent comes before its children */
	for (i = 0; i < c->n; i++) {
		struct sample_cgroup *g = &c->v[idx[i]];

		g->depth = g->parent >= 0 ? (uint16_t)(c->v[g->parent].depth + 1) : 0;
		if (g->parent >= 0)
			c->v[g->parent].nchildren++;
	}
	/* the deepest first: a child holds its own children's before it is
	 * added to its parent */
	sort_groups = c->v;
	qsort(idx, c->n, sizeof(*idx), cmp_deeper);
	sort_groups = NULL;
	for (i = 0; i < c->n; i++) {
		const struct sample_cgroup *g = &c->v[idx[i]];

		if (g->parent >= 0)
			add_figures(&c->v[g->parent], g);
	}
	free(idx);
	return 0;
}

/* The order of siblings: socket memory, then bytes waiting, then path. */
static int cmp_siblings(const struct sample_cgroup *x, const struct sample_cgroup *y)
{
	if (x->mem != y->mem)
		return x->mem > y->mem ? -1 : 1;
	if (x->queued != y->queued)
		return x->queued > y->queued ? -1 : 1;
	return strcmp(x->path, y->path);
}

/* Pre-order: an ancestor before its descendants; else as the two
 * ancestors that are siblings compare. */
static int cmp_preorder(const void *a, const void *b)
{
	const struct sample_cgroup *v = sort_groups;
	int32_t x = (int32_t)*(const uint32_t *)a, y = (int32_t)*(const uint32_t *)b;

	while (v[x].depth > v[y].depth)
		x = v[x].parent;
	while (v[y].depth > v[x].depth)
		y = v[y].parent;
	if (x == y) {
		int dx = v[*(const uint32_t *)a].depth, dy = v[*(const uint32_t *)b].depth;

		return (dx > dy) - (dx < dy);
	}
	while (v[x].parent != v[y].parent) {
		x = v[x].parent;
		y = v[y].parent;
	}
	return cmp_siblings(&v[x], &v[y]);
}

int sample_cgroups_order(struct sample_cgroups *c, size_t nprocs, size_t nsocks,
			 const unsigned char *keep)
{
	struct sample_cgroup *nv = malloc((c->n ? c->n : 1) * sizeof(*nv));
	uint32_t *perm = malloc((c->n ? c->n : 1) * sizeof(*perm));
	int32_t *map = malloc((c->n ? c->n : 1) * sizeof(*map));
	size_t i, n = 0;

	if (!nv || !perm || !map) {
		free(nv);
		free(perm);
		free(map);
		return -ENOMEM;
	}
	for (i = 0; i < c->n; i++) {
		map[i] = -1;
		perm[i] = (uint32_t)i;
	}
	sort_groups = c->v;
	qsort(perm, c->n, sizeof(*perm), cmp_preorder);
	sort_groups = NULL;
	for (i = 0; i < c->n; i++) {
		if (keep && !keep[perm[i]])
			continue;
		map[perm[i]] = (int32_t)n;
		nv[n++] = c->v[perm[i]];
	}
	/* a parent precedes its children, so its depth is set first */
	for (i = 0; i < n; i++) {
		struct sample_cgroup *g = &nv[i];

		g->parent = g->parent >= 0 ? map[g->parent] : -1;
		g->depth = g->parent >= 0 ? (uint16_t)(nv[g->parent].depth + 1) : 0;
		g->nchildren = 0;
		if (g->parent >= 0)
			nv[g->parent].nchildren++;
	}
	for (i = 0; i < c->n; i++)
		if (map[i] < 0)
			free(c->v[i].path);
	free(c->v);
	c->v = nv;
	for (i = 0; c->of_proc && i < nprocs; i++)
		if (c->of_proc[i] >= 0)
			c->of_proc[i] = map[c->of_proc[i]];
	for (i = 0; c->of_sock && i < nsocks; i++)
		if (c->of_sock[i] >= 0)
			c->of_sock[i] = map[c->of_sock[i]];
	c->n = n;
	free(perm);
	free(map);
	return 0;
}

/* Step 5: --cgroup leaves out the processes, shown sockets and findings
 * outside the subtree (after the totals: a finding about the whole machine
 * still counted where it belongs). */
static void cgroups_cut(struct sample *out, const unsigned char *keep)
{
	struct sample_cgroups *c = &out->cgroups;
	size_t i, n;

	for (i = 0, n = 0; i < out->findings.n; i++) {
		const struct sample_cgroup *g = sample_cgroup_of_finding(out, &out->findings.v[i]);

		if (g && keep[g - c->v])
			out->findings.v[n++] = out->findings.v[i];
	}
	out->findings.n = n;
	for (i = 0, n = 0; out->shown && i < out->nshown; i++) {
		int32_t g = c->of_sock[out->shown[i]];

		if (g >= 0 && keep[g])
			out->shown[n++] = out->shown[i];
	}
	out->nshown = n;
	for (i = 0, n = 0; i < out->procs.n; i++) {
		int32_t g = c->of_proc[i];

		if (g >= 0 && keep[g]) {
			out->procs.v[n] = out->procs.v[i];
			c->of_proc[n++] = g;
		} else if (!out->procs.strings) {
			free(out->procs.v[i].cmdline);
		}
	}
	out->procs.n = n;
}

void sample_take_cgroups(struct sample_ctx *ctx, struct sample *out)
{
	struct sample_cgroups *c = &out->cgroups;
	const char **paths = NULL;
	unsigned char *keep = NULL;
	size_t i;

	if (!out->have_procs || !ctx->cgcache)
		return;
	paths = malloc((out->procs.n ? out->procs.n : 1) * sizeof(*paths));
	c->of_proc = malloc((out->procs.n ? out->procs.n : 1) * sizeof(*c->of_proc));
	c->of_sock = malloc((out->socks.n ? out->socks.n : 1) * sizeof(*c->of_sock));
	if (!paths || !c->of_proc || !c->of_sock ||
	    cgroups_of_procs(ctx, out, paths) < 0 || cgroups_of_socks(ctx, out) < 0)
		goto nomem;
	cgroups_sum(out);
	if (sample_cgroups_tree(c) < 0)
		goto nomem;
	if (ctx->cgroup) {
		c->filter = ctx->cgroup;
		keep = malloc(c->n ? c->n : 1);
		if (!keep)
			goto nomem;
		for (i = 0; i < c->n; i++)
			keep[i] = (unsigned char)cgroup_matches(c->v[i].path, ctx->cgroup);
		cgroups_cut(out, keep);
	}
	if (sample_cgroups_order(c, out->procs.n, out->socks.n, keep) < 0)
		goto nomem;
	cgroups_kernel(ctx, out);
	goto out;
nomem:
	sample_cgroups_free(c);
	out->hidden |= SAMPLE_HIDDEN_NOMEM;
out:
	free(paths);
	free(keep);
	cgroup_cache_sweep(ctx->cgcache);
}

const struct sample_cgroup *sample_cgroup_of_pid(const struct sample *s, int pid)
{
	const struct proc_info *p;
	int32_t g;

	if (!s->cgroups.of_proc || !(p = procs_find(&s->procs, pid)))
		return NULL;
	g = s->cgroups.of_proc[p - s->procs.v];
	return g >= 0 ? &s->cgroups.v[g] : NULL;
}

const struct sample_cgroup *sample_cgroup_of_sock(const struct sample *s, size_t i)
{
	int32_t g;

	if (!s->cgroups.of_sock || i >= s->socks.n)
		return NULL;
	g = s->cgroups.of_sock[i];
	return g >= 0 ? &s->cgroups.v[g] : NULL;
}

const struct sample_cgroup *sample_cgroup_of_finding(const struct sample *s,
						     const struct finding *f)
{
	size_t i;

	if (f->pid > 0)
		return sample_cgroup_of_pid(s, f->pid);
	if (!f->inode)
		return NULL;
	for (i = 0; i < s->socks.n; i++)
		if (s->socks.v[i].inode == f->inode)
			return sample_cgroup_of_sock(s, i);
	return NULL;
}

int sample_cgroup_known(const struct sample *s, const char *arg)
{
	size_t i;

	for (i = 0; i < s->cgroups.n; i++)
		if (cgroup_matches(s->cgroups.v[i].path, arg))
			return 1;
	return 0;
}

const struct sample_cgroup *sample_cgroup_to_name(const struct sample *s,
						  const struct finding *f)
{
	const struct sample_cgroup *g = sample_cgroup_of_finding(s, f);

	return g && g->name.kind != CGROUP_KIND_ROOT ? g : NULL;
}

const char *sample_cgroup_tree_label(const struct sample_cgroup *g)
{
	const char *last;

	if (g->parent < 0 || g->name.kind != CGROUP_KIND_PATH ||
	    !(last = strrchr(g->path, '/')) || !last[1])
		return g->name.label;
	return last + 1;
}

int sample_cgroups_cut(struct sample *s, const char *arg)
{
	struct sample_cgroups *c = &s->cgroups;
	unsigned char *keep;
	size_t i;
	int r;

	if (!c->of_proc || !c->of_sock)
		return 0;
	if (!s->shown && s->order && sample_build_shown(s) < 0)
		return -ENOMEM;
	keep = malloc(c->n ? c->n : 1);
	if (!keep)
		return -ENOMEM;
	for (i = 0; i < c->n; i++)
		keep[i] = (unsigned char)cgroup_matches(c->v[i].path, arg);
	cgroups_cut(s, keep);
	r = sample_cgroups_order(c, s->procs.n, s->socks.n, keep);
	free(keep);
	c->filter = arg;
	return r;
}
