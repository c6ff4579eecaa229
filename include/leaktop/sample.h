/*
 * One snapshot of the machine: memory breakdown, slab caches, and (as the
 * census lands) sockets, processes and findings.  A struct sample owns all
 * its arrays; sample_release() frees them.  A struct sample_ctx carries what
 * must persist between samples (the slow-cadence PSS, the previous time).
 */
#ifndef LEAKTOP_SAMPLE_H
#define LEAKTOP_SAMPLE_H

#include "leaktop/common.h"
#include "leaktop/meminfo.h"
#include "leaktop/socket.h"

/* Parts of the picture that could not be seen, and why. */
#define SAMPLE_HIDDEN_SLAB	0x01	/* /proc/slabinfo needs root */
#define SAMPLE_HIDDEN_PSS	0x02	/* some smaps_rollup refused */

struct sample {
	double time;		/* unix seconds */
	double interval;	/* seconds since the previous sample, 0 first */
	unsigned seq;		/* 1 for the first sample of a session */
	struct meminfo_breakdown mem;
	struct meminfo_slab slab;
	unsigned hidden;	/* SAMPLE_HIDDEN_* */
	double pss_age;		/* seconds since the PSS figures were read */
	int as_root;		/* taken with euid 0 */
};

struct sample_config {
	const char *procroot;	/* "/proc" live, a fixture tree in tests */
	double pss_interval;	/* seconds between PSS walks (0: every sample) */
};

struct sample_ctx;

/* Returns NULL with err set on failure (only -ENOMEM today). */
struct sample_ctx *sample_ctx_new(const struct sample_config *cfg, struct lt_err *err);
void sample_ctx_free(struct sample_ctx *ctx);

/* Take one sample into *out (overwritten; release it with sample_release).
 * Returns 0 or -errno with err set when a required source (meminfo) fails;
 * optional sources that fail become SAMPLE_HIDDEN_* bits. */
int sample_take(struct sample_ctx *ctx, struct sample *out, struct lt_err *err);
void sample_release(struct sample *s);

#endif
