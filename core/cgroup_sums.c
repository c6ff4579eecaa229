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

		paths[i] = cgroup_cache_get(ctx->cgcache, p->pid, p->start_ticks, out->clock);
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
static int cgroups_of_socks(struct sample_ctx *ctx, struct sample *out)
{
	struct sample_cgroups *c = &out->cgroups;
	const struct fd_census *o = &out->owners;
	uint32_t *idx = malloc((out->socks.n ? out->socks.n : 1) * sizeof(*idx));
	size_t i, j = 0, nsorted = c->n;
	uint64_t last_id = 0;
	int32_t last_g = -1;

	if (!idx)
		return -ENOMEM;
	for (i = 0; i < out->socks.n; i++) {
		idx[i] = (uint32_t)i;
		c->of_sock[i] = -1;
	}
	ltsock_sort_by_inode(&out->socks, idx, out->socks.n);
	for (i = 0; i < out->socks.n; i++) {
		const struct ltsock *k = &out->socks.v[idx[i]];
		const struct proc_info *p;

		if (!k->inode)
			continue;
		while (j < o->nowners && o->owners[j].inode < k->inode)
			j++;
		if (j == o->nowners || o->owners[j].inode != k->inode)
			continue;
		p = procs_find(&out->procs, o->owners[j].pid);
		if (p)
			c->of_sock[idx[i]] = c->of_proc[p - out->procs.v];
	}
	free(idx);
	for (i = 0; i < out->socks.n; i++) {
		const struct ltsock *k = &out->socks.v[i];
		const char *path;

		if (!k->cgroup_id || (c->version != CGROUP_V2 && c->of_sock[i] >= 0))
			continue;
		if (k->cgroup_id != last_id) {
			path = cgroup_cache_id_path(ctx->cgcache, k->cgroup_id);
			last_id = k->cgroup_id;
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

/* Step 3: the totals, and the kernel's figure beside them. */
static void cgroups_sum(struct sample_ctx *ctx, struct sample *out)
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
		g->rmem += k->rmem < mem ? k->rmem : mem;
		g->wmem += mem - (k->rmem < mem ? k->rmem : mem);
		g->queued += ltsock_queued(k);
		g->nsockets++;
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
	for (i = 0; i < c->n; i++) {
		if (ctx->cghost.version != c->version && !ctx->cghost.nosocket)
			c->v[i].kernel.acct = CGROUP_ACCT_NO_MEMCG;
		else
			cgroup_kernel_read(&ctx->cghost, c->v[i].path, &c->v[i].kernel);
	}
}

static const struct sample_cgroup *sort_groups;

/* The order of cgroups: socket memory, then bytes waiting, then path. */
static int cmp_cgroup_idx(const void *a, const void *b)
{
	const struct sample_cgroup *x = &sort_groups[*(const uint32_t *)a];
	const struct sample_cgroup *y = &sort_groups[*(const uint32_t *)b];

	if (x->mem != y->mem)
		return x->mem > y->mem ? -1 : 1;
	if (x->queued != y->queued)
		return x->queued > y->queued ? -1 : 1;
	return strcmp(x->path, y->path);
}

/* Step 4: most socket memory first; keep[] (NULL: all) says which stay.
 * The processes' and sockets' indices follow. */
static int cgroups_order(struct sample *out, const unsigned char *keep)
{
	struct sample_cgroups *c = &out->cgroups;
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
		if (!keep || keep[i])
			perm[n++] = (uint32_t)i;
	}
	sort_groups = c->v;
	qsort(perm, n, sizeof(*perm), cmp_cgroup_idx);
	sort_groups = NULL;
	for (i = 0; i < n; i++) {
		nv[i] = c->v[perm[i]];
		map[perm[i]] = (int32_t)i;
	}
	for (i = 0; i < c->n; i++)
		if (map[i] < 0)
			free(c->v[i].path);
	free(c->v);
	c->v = nv;
	for (i = 0; i < out->procs.n; i++)
		if (c->of_proc[i] >= 0)
			c->of_proc[i] = map[c->of_proc[i]];
	for (i = 0; i < out->socks.n; i++)
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
	cgroups_sum(ctx, out);
	if (ctx->cgroup) {
		c->filter = ctx->cgroup;
		keep = malloc(c->n ? c->n : 1);
		if (!keep)
			goto nomem;
		for (i = 0; i < c->n; i++)
			keep[i] = (unsigned char)cgroup_matches(c->v[i].path, ctx->cgroup);
		cgroups_cut(out, keep);
	}
	if (cgroups_order(out, keep) < 0)
		goto nomem;
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
