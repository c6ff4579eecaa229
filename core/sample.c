/*
 * One snapshot: the memory breakdown with the slow-cadence PSS sum, and the
 * socket census: every socket of every network namespace, joined with the
 * fds that hold it and with its history (growth, flags).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "leaktop/sample.h"

struct sample_ctx {
	char *procroot;
	double pss_interval;
	struct meminfo_pss pss;	/* last PSS walk */
	double last_time;
	unsigned seq;
	int stacks_in_vmalloc;	/* -1: not decided yet */
	char *kconfig;		/* /boot/config-<release>, or NULL */
	uint64_t page_size;
	int census;
	char *runroot;
	int *pids;
	size_t npids;
	struct history *hist;
};

static double now(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

struct sample_ctx *sample_ctx_new(const struct sample_config *cfg, struct lt_err *err)
{
	struct sample_ctx *ctx = calloc(1, sizeof(*ctx));
	struct utsname u;
	char path[512];
	size_t len;
	long ps;

	if (!ctx)
		goto nomem;
	ctx->procroot = strdup(cfg->procroot ? cfg->procroot : "/proc");
	if (!ctx->procroot)
		goto nomem;
	ctx->pss_interval = cfg->pss_interval;
	ctx->census = cfg->census;
	if (cfg->runroot && !(ctx->runroot = strdup(cfg->runroot)))
		goto nomem;
	if (cfg->npids) {
		ctx->pids = malloc(cfg->npids * sizeof(*ctx->pids));
		if (!ctx->pids)
			goto nomem;
		memcpy(ctx->pids, cfg->pids, cfg->npids * sizeof(*ctx->pids));
		ctx->npids = cfg->npids;
	}
	if (ctx->census) {
		struct history_config hc = { .window = cfg->window };

		ctx->hist = history_new(&hc);
		if (!ctx->hist)
			goto nomem;
	}
	ctx->stacks_in_vmalloc = -1;
	ps = sysconf(_SC_PAGESIZE);
	ctx->page_size = ps > 0 ? (uint64_t)ps : 4096;
	/* the kernel config says for sure whether stacks live in vmalloc */
	if (!strcmp(ctx->procroot, "/proc") && uname(&u) == 0 &&
	    snprintf(path, sizeof(path), "/boot/config-%s", u.release) < (int)sizeof(path) &&
	    lt_read_file(path, &ctx->kconfig, &len, 16 << 20) < 0)
		ctx->kconfig = NULL;
	return ctx;
nomem:
	sample_ctx_free(ctx);
	lt_err_set(err, ENOMEM, "out of memory");
	errno = ENOMEM;
	return NULL;
}

void sample_ctx_free(struct sample_ctx *ctx)
{
	if (!ctx)
		return;
	free(ctx->procroot);
	free(ctx->kconfig);
	free(ctx->runroot);
	free(ctx->pids);
	history_free(ctx->hist);
	free(ctx);
}

/* Growth first (unknown counts as 0), then charged memory, then inode. */
static int cmp_order(const void *a, const void *b, void *arg)
{
	const struct sample *s = arg;
	uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
	double gi = s->rates[i].growth_bps, gj = s->rates[j].growth_bps;
	uint64_t mi = s->socks.v[i].rmem, mj = s->socks.v[j].rmem;

	if (gi != gj)
		return gi > gj ? -1 : 1;
	if (mi != mj)
		return mi > mj ? -1 : 1;
	return (s->socks.v[i].inode > s->socks.v[j].inode) -
	       (s->socks.v[i].inode < s->socks.v[j].inode);
}

static uint64_t queued_bytes(const struct ltsock *k)
{
	if (!history_queue_is_bytes(k))
		return 0;
	return (k->have & LTSOCK_HAVE_SKMEM) ? k->rmem : k->recv_q;
}

/* Sockets of every namespace, their owners and rates.  Failures to enter a
 * namespace or read an fd table become data (hidden bits), not errors. */
static int take_census(struct sample_ctx *ctx, struct sample *out, struct lt_err *err)
{
	struct netns_list nl = { 0 };
	uint64_t queued = 0;
	size_t i;
	int r;

	out->census = 1;
	out->census_complete = 1;
	out->pid_filter = ctx->npids > 0;
	r = netns_list_scan(ctx->procroot, ctx->runroot, &nl, err);
	if (r < 0)
		return r;
	out->netns = calloc(nl.n ? nl.n : 1, sizeof(*out->netns));
	if (!out->netns) {
		r = lt_err_set(err, ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < nl.n; i++) {
		struct sample_netns *sn = &out->netns[out->nnetns++];
		size_t before = out->socks.n;

		sn->ino = nl.v[i].ino;
		sn->pid = nl.v[i].pid;
		if (nl.v[i].name)
			snprintf(sn->name, sizeof(sn->name), "%s", nl.v[i].name);
		r = netns_dump(&nl.v[i], ctx->procroot, &out->socks, &sn->rep);
		if (r < 0) {
			lt_err_set(err, -r, "out of memory dumping sockets");
			goto out;
		}
		sn->nsockets = out->socks.n - before;
		if (!sn->rep.entered)
			out->hidden |= SAMPLE_HIDDEN_NETNS;
		if (!sn->rep.entered || !sn->rep.complete)
			out->census_complete = 0;
	}
	r = fdtable_census(ctx->procroot, ctx->pids, ctx->npids, &out->owners, err);
	if (r < 0)
		goto out;
	if (out->owners.hidden_procs)
		out->hidden |= SAMPLE_HIDDEN_FDS;
	out->rates = calloc(out->socks.n ? out->socks.n : 1, sizeof(*out->rates));
	out->order = malloc((out->socks.n ? out->socks.n : 1) * sizeof(*out->order));
	if (!out->rates || !out->order) {
		r = lt_err_set(err, ENOMEM, "out of memory");
		goto out;
	}
	history_update(ctx->hist, out->time, &out->socks, out->rates);
	for (i = 0; i < out->socks.n; i++) {
		out->order[i] = (uint32_t)i;
		queued += queued_bytes(&out->socks.v[i]);
	}
	qsort_r(out->order, out->socks.n, sizeof(*out->order), cmp_order, out);
	out->mem.socket_queues = queued;
	out->mem.socket_queues_from_census = 1;
	r = 0;
out:
	netns_list_free(&nl);
	return r;
}

int sample_sock_interesting(const struct sample *s, size_t i, int pid_filter)
{
	const struct ltsock *k = &s->socks.v[i];
	size_t n;

	if (s->rates[i].flags)
		return 1;
	if (pid_filter)
		return fdtable_census_owners(&s->owners, k->inode, &n) != NULL;
	return queued_bytes(k) > 0 || s->rates[i].growth_bps != 0;
}

const struct history *sample_ctx_history(const struct sample_ctx *ctx)
{
	return ctx->hist;
}

int sample_take(struct sample_ctx *ctx, struct sample *out, struct lt_err *err)
{
	struct meminfo_sockstat ss, *ssp = &ss;
	struct meminfo_raw raw;
	struct lt_err e2;
	int r;

	memset(out, 0, sizeof(*out));
	out->time = now();
	out->seq = ++ctx->seq;
	out->as_root = geteuid() == 0;
	out->interval = ctx->last_time > 0 ? out->time - ctx->last_time : 0;

	r = meminfo_read(ctx->procroot, &raw, err);
	if (r < 0)
		return r;
	if (meminfo_read_sockstat(ctx->procroot, ctx->page_size, &ss, &e2) < 0)
		ssp = NULL;
	if (meminfo_read_slab(ctx->procroot, ctx->page_size, &out->slab, &e2) < 0 ||
	    !out->slab.readable)
		out->hidden |= SAMPLE_HIDDEN_SLAB;

	if (ctx->pss.time == 0 || out->time - ctx->pss.time >= ctx->pss_interval)
		meminfo_read_pss(ctx->procroot, &ctx->pss);
	if (ctx->pss.hidden)
		out->hidden |= SAMPLE_HIDDEN_PSS;
	out->pss_age = ctx->pss.time > 0 ? out->time - ctx->pss.time : 0;
	if (out->pss_age < 0)
		out->pss_age = 0;

	if (ctx->stacks_in_vmalloc < 0)
		ctx->stacks_in_vmalloc = meminfo_stacks_in_vmalloc(&raw, ctx->kconfig);
	meminfo_breakdown(&raw, &ctx->pss, ssp, ctx->stacks_in_vmalloc, &out->mem);
	if (ctx->census) {
		r = take_census(ctx, out, err);
		if (r < 0) {
			sample_release(out);
			return r;
		}
	}
	ctx->last_time = out->time;
	return 0;
}

void sample_release(struct sample *s)
{
	if (!s)
		return;
	ltsock_vec_free(&s->socks);
	free(s->rates);
	free(s->order);
	fdtable_census_free(&s->owners);
	free(s->netns);
	memset(s, 0, sizeof(*s));
}
