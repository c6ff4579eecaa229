/*
 * A source of samples (source.c): the live sampler or a recording, behind
 * one interface that batch mode's loop reads; the UI's live loop and the
 * exporter take the live sampler's samples through it too.
 */
#ifndef LEAKTOP_TUI_SOURCE_H
#define LEAKTOP_TUI_SOURCE_H

#include <stddef.h>

#include "leaktop/out.h"
#include "leaktop/record.h"
#include "leaktop/sample.h"

struct lt_opts;
struct sample_ctx;
struct record_writer;
struct record_reader;
struct export_session;
struct origin;

/*
 * A source of samples.  next() fills *s and returns 1, 0 at the end (count
 * reached, stop requested) or -1 after saying why on stderr; put_back()
 * takes a sample the sink has printed (the live sampler seeds the next
 * one with it); close() frees the source and returns ret, or
 * EXIT_RUNTIME when the end it saw was a failure.  A recording also
 * seeks: next() is seek() of one sample after another, and the UI's
 * replay steps, jumps and plays with seek() alone.
 */
struct source {
	const struct lt_opts *o;
	int live;
	const char *name;		/* the session's source: "live" or the path */
	struct out_source info;		/* what the sink's begin() sees */
	int (*next)(struct source *src, struct sample *s);
	void (*put_back)(struct source *src, struct sample *s);
	int (*close)(struct source *src, int ret);
	/* replay: sample idx into *s, 0; or -errno with err: -EDQUOT the
	 * file's budget is spent, -EINTR stop requested, -ENOMEDIUM --cgroup
	 * cannot cut this recording (its first sample carries no cgroups),
	 * else the sample does not decode (skip it). */
	int (*seek)(struct source *src, size_t idx, struct sample *s, struct lt_err *err);

	/* live */
	struct sample_ctx *ctx;
	struct record_writer *rec;
	struct record_header hdr;
	struct sample prev;
	int have_prev;
	long taken;
	struct origin *origin;		/* socket origins (batch, or --trace), else NULL */
	int origin_said;		/* why they are off, said once */

	/* replay */
	struct record_reader *reader;
	size_t i, n, bad;
	int cg_seen;			/* a sample held a cgroup --cgroup names */
	int cg_checked;			/* the first sample decoded was looked at */
};

/* The live sampler of o (src->o), recording when o->record_path: 0, or -1
 * after saying why on stderr. */
int source_live_open(struct source *src);
/* The live sampler alone (no recording, no output): 0, or -1 with err.  The
 * UI's loop and the exporter (serve.c) pace it, and the UI records itself;
 * they read through source_live_take.  Socket origins are traced (src->origin) unless
 * --read-only: in batch mode and the exporter for the --trace processes and
 * those findings name, in the UI when --trace asked for them or on
 * source_live_trace. */
int source_live_sampler(struct source *src, struct lt_err *err);
/*
 * Watch pid's new sockets from now on (the UI's key on a process): the
 * tracer is made on first use.  0, or -1 with why set (one line): in
 * replay, under --read-only, or origins are off (origin_why_off).
 */
int source_live_trace(struct source *src, int pid, char *why, size_t whysz);
/*
 * The live sampler's next sample into *s, seeded by prev (NULL: a full
 * census; consumed either way, afterwards it may only be released); the
 * first one checks that --cgroup names a cgroup; the origins follow the
 * sample (origin_update).  0, or -1 with err (and
 * nothing in *s).  next() is this, paced, with the fd tables and the
 * recording.
 */
int source_live_take(struct source *src, struct sample *prev, struct sample *s,
		     struct lt_err *err);
/* The recording o->replay_path for the UI's replay: read as batch mode
 * reads it, a cap per sample and none in total (the user steps sample by
 * sample), nothing said on stderr (the UI shows the reader's warnings).
 * 0, or -1 with err.  source_replay_free frees it. */
int source_replay_open_steps(struct source *src, struct lt_err *err);
void source_replay_free(struct source *src);
/* The recording o->replay_path: 0 (*ret EXIT_RUNTIME when the file holds no
 * sample), or -1 after saying why on stderr. */
int source_replay_open(struct source *src, int *ret);
/* A recording's actions and notes, for the postmortem (none live).  0 or
 * -1. */
int source_replay_events(struct source *src, struct export_session *es);

#endif
