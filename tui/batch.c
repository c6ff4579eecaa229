/*
 * Batch mode: one loop from a source of samples (source.c) to the sink of
 * --format (leaktop/out.h).  The sources are the live sampler (which may
 * also record) and a recording (--replay: the live machine is not touched).
 * Sinks that print each sample get it as it comes; the whole-session ones
 * (markdown, prometheus) get the samples the loop kept, once, at the end.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "leaktop/out.h"
#include "leaktop/sample.h"
#include "options.h"
#include "source.h"

/* ---- sinks ---------------------------------------------------------------- */

/* What a whole-session sink keeps until the end. */
struct keep {
	struct sample first, last;
	int have_first, have_last;
	struct export_session es;
};

/* Print one sample with a per-sample sink: 0, 1 at a closed pipe (| head:
 * a normal end), -1 on a write error. */
static int emit(const struct out_sink *sink, const struct out_args *a,
		const struct sample *s)
{
	sink->sample(stdout, s, a);
	if (fflush(stdout) != 0) {
		if (errno != EPIPE) {
			fprintf(stderr, "leaktop: writing output: %s\n", strerror(errno));
			return -1;
		}
		return 1;
	}
	return 0;
}

/* Keep *s (taking it over) for a whole-session sink.  0 or -1. */
static int keep_sample(const struct out_sink *sink, struct keep *k, struct sample *s)
{
	if (export_session_add_sample(&k->es, s) < 0) {
		fprintf(stderr, "leaktop: out of memory\n");
		sample_release(s);
		return -1;
	}
	if (sink->keep == OUT_KEEP_FIRST_LAST && !k->have_first) {
		k->first = *s;
		k->have_first = 1;
		return 0;
	}
	if (k->have_last)
		sample_release(&k->last);
	k->last = *s;
	k->have_last = 1;
	return 0;
}

/* The sink's end, then release what was kept.  A live session ended by a
 * signal still writes its report (a second signal cuts it short); an
 * interrupted replay does not.  0 or -1. */
static int keep_finish(const struct lt_opts *o, const struct out_args *a, struct keep *k,
		       int live)
{
	struct out_session ss = {
		.es = &k->es,
		.first = k->have_first ? &k->first : NULL,
		.last = k->have_last ? &k->last : k->have_first ? &k->first : NULL,
	};
	int r = 0, e = 0;

	if (live)
		lt_stop_requested = 0;
	if (lt_stop_requested)
		r = -1;		/* the caller says why */
	else if (o->sink->end && !o->output_path)
		r = o->sink->end(stdout, &ss, a);
	if (r < 0)
		e = lt_stop_requested ? EINTR : errno;
	if (k->have_first)
		sample_release(&k->first);
	if (k->have_last)
		sample_release(&k->last);
	export_session_release(&k->es);
	if (fflush(stdout) != 0 && errno != EPIPE && !e) {
		r = -1;
		e = errno;
	}
	if (r < 0 && e == EINTR && live)
		fprintf(stderr, "leaktop: interrupted; the report is incomplete\n");
	else if (r < 0 && e != EINTR)
		fprintf(stderr, "leaktop: writing output: %s\n", strerror(e));
	return r < 0 ? -1 : 0;
}

/* --output: the textfile, rewritten atomically; a stop signal cuts the
 * export and the file stays whole.  0, 1 when cut, -1 on failure. */
static int write_textfile(const struct lt_opts *o, const struct sample *s)
{
	struct lt_err err = { "" };
	int e = out_prom_file(o->output_path, s, (unsigned)o->top, &err);

	if (e < 0 && e != -EINTR)
		fprintf(stderr, "leaktop: %s\n", err.msg);
	return e < 0 && e != -EINTR ? -1 : e < 0 ? 1 : 0;
}

int batch_run(const struct lt_opts *o)
{
	const struct out_sink *sink = o->sink;
	struct out_args a = { .top = (unsigned)o->top, .thresholds = &o->thresholds,
			      .all = o->all };
	struct source src = { .o = o };
	struct keep k;
	struct sample s;
	int ret = 0, e;

	if (o->replay_path ? source_replay_open(&src, &ret) : source_live_open(&src))
		return EXIT_RUNTIME;
	if (sink->begin)
		sink->begin(stdout, &src.info, &a);
	memset(&k, 0, sizeof(k));
	export_session_init(&k.es, src.info.hdr, src.name);
	if (source_replay_events(&src, &k.es) < 0) {
		fprintf(stderr, "leaktop: out of memory\n");
		export_session_release(&k.es);
		src.close(&src, 0);
		return EXIT_RUNTIME;
	}
	while ((e = src.next(&src, &s)) != 0) {
		if (e < 0) {
			ret = EXIT_RUNTIME;
			break;
		}
		if (o->output_path && src.live) {
			e = write_textfile(o, &s);
			src.put_back(&src, &s);
		} else if (sink->keep == OUT_KEEP_NONE) {
			e = emit(sink, &a, &s);
			src.put_back(&src, &s);
		} else {
			e = keep_sample(sink, &k, &s);
		}
		if (e) {
			ret = e < 0 ? EXIT_RUNTIME : ret;
			break;
		}
	}
	if (keep_finish(o, &a, &k, src.live) < 0)
		ret = EXIT_RUNTIME;
	return src.close(&src, ret);
}
