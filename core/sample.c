/*
 * One snapshot: joins the memory breakdown with the slow-cadence PSS sum.
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
	free(ctx);
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
	ctx->last_time = out->time;
	return 0;
}

void sample_release(struct sample *s)
{
	if (!s)
		return;
	memset(s, 0, sizeof(*s));
}
