/*
 * Batch mode: one loop from a source of samples to the sink of --format
 * (leaktop/out.h).  The sources are the live sampler (which may also
 * record) and a recording (--replay: the live machine is not touched).
 * Sinks that print each sample get it as it comes; the whole-session ones
 * (markdown, prometheus) get the samples the loop kept, once, at the end.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "leaktop/fallback.h"
#include "leaktop/origin.h"
#include "leaktop/out.h"
#include "leaktop/record.h"
#include "leaktop/sample.h"
#include "options.h"

/*
 * A source of samples.  next() fills *s and returns 1, 0 at the end (count
 * reached, stop requested) or -1 after saying why on stderr; put_back()
 * takes a sample the sink has printed (the live sampler seeds the next
 * one with it); close() frees the source and returns ret, or
 * EXIT_RUNTIME when the end it saw was a failure.
 */
struct source {
	const struct lt_opts *o;
	int live;
	const char *name;		/* the session's source: "live" or the path */
	struct out_source info;		/* what the sink's begin() sees */
	int (*next)(struct source *src, struct sample *s);
	void (*put_back)(struct source *src, struct sample *s);
	int (*close)(struct source *src, int ret);

	/* live */
	struct sample_ctx *ctx;
	struct record_writer *rec;
	struct record_header hdr;
	struct sample prev;
	int have_prev;
	long taken;
	struct origin *origin;		/* socket origins, NULL: not asked (--read-only) */
	int origin_said;		/* why they are off, said once */

	/* replay */
	struct record_reader *reader;
	size_t i, n, bad;
};

/* Sleep for sec seconds unless a stop signal arrives. */
static void nap(double sec)
{
	struct timespec ts;

	ts.tv_sec = (time_t)sec;
	ts.tv_nsec = (long)((sec - (double)ts.tv_sec) * 1e9);
	while (!lt_stop_requested && nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* ---- the live sampler ---------------------------------------------------- */

/* Socket origins: the --trace processes are watched from live_open on,
 * those the findings name from the sample they appear in; why they are off is
 * said once, when --trace asked for them (a run that did not ask keeps
 * stderr as it was). */
static void live_origins(struct source *src, struct sample *s)
{
	const struct lt_opts *o = src->o;

	if (!src->origin)
		return;
	origin_update(src->origin, s, sample_ctx_history(src->ctx));
	if (o->ntrace && !src->origin_said && origin_why_off(src->origin)[0]) {
		fprintf(stderr, "leaktop: socket origins are off: %s\n",
			origin_why_off(src->origin));
		src->origin_said = 1;
	}
}

static int live_next(struct source *src, struct sample *s)
{
	const struct lt_opts *o = src->o;
	struct lt_err err = { "" };
	int e;

	if ((o->count != 0 && src->taken >= o->count) || lt_stop_requested)
		return 0;
	if (src->taken > 0)
		nap(o->delay);
	if (lt_stop_requested)
		return 0;
	e = sample_take_next(src->ctx, src->have_prev ? &src->prev : NULL, s, &err);
	if (src->have_prev) {
		sample_release(&src->prev);
		src->have_prev = 0;
	}
	if (e < 0 || sample_attach_fdtables(src->ctx, s, &err) < 0) {
		if (e == 0)
			sample_release(s);
		fprintf(stderr, "leaktop: %s\n", err.msg);
		return -1;
	}
	/* --cgroup naming nothing is a mistake, not an empty report */
	if (o->cgroup && src->taken == 0 && !sample_cgroup_known(s, o->cgroup) &&
	    !cgroup_dir_exists(CGROUP_ROOT_DEFAULT, o->cgroup)) {
		sample_release(s);
		fprintf(stderr, "leaktop: --cgroup %s: no such cgroup (no process is in it)\n",
			o->cgroup);
		return -1;
	}
	/* what LEAKTOP_FALLBACKS costs, said once */
	fallback_warn(stderr);
	live_origins(src, s);
	if (src->rec && record_write_sample(src->rec, s, &err) < 0) {
		sample_release(s);
		fprintf(stderr, "leaktop: %s\n", err.msg);
		return -1;
	}
	src->taken++;
	return 1;
}

/* A sample printed and done with can seed the next one (a light census). */
static void live_put_back(struct source *src, struct sample *s)
{
	src->prev = *s;
	src->have_prev = 1;
}

static int live_close(struct source *src, int ret)
{
	struct lt_err err = { "" };

	if (src->have_prev)
		sample_release(&src->prev);
	if (src->rec) {
		actions_set_audit_hook(NULL, NULL);
		if (record_writer_close(src->rec, &err) < 0 && ret == 0) {
			fprintf(stderr, "leaktop: %s\n", err.msg);
			ret = EXIT_RUNTIME;
		}
	}
	sample_ctx_free(src->ctx);
	origin_free(src->origin);
	return ret;
}

/* 0, or -1 after saying why. */
static int live_open(struct source *src)
{
	const struct lt_opts *o = src->o;
	struct sample_config cfg;
	struct lt_err err = { "" };
	size_t i;

	lt_opts_sample_config(o, &cfg);
	src->ctx = sample_ctx_new(&cfg, &err);
	if (!src->ctx) {
		fprintf(stderr, "leaktop: %s\n", err.msg);
		return -1;
	}
	/* --read-only loads no BPF; origins need the live kernel's sockets */
	if (!o->read_only && cfg.census) {
		src->origin = origin_new();
		if (!src->origin) {
			fprintf(stderr, "leaktop: out of memory\n");
			sample_ctx_free(src->ctx);
			return -1;
		}
		/* before the first census: what it sees was made before */
		for (i = 0; i < o->ntrace; i++)
			origin_watch(src->origin, o->trace[i]);
	}
	record_header_live(&src->hdr, o->procroot, PACKAGE_VERSION, o->delay);
	if (o->record_path) {
		struct record_writer_config rc = {
			.path = o->record_path,
			.max_size = o->record_max_size,
			.procroot = o->procroot,
			.version = PACKAGE_VERSION,
			.interval = o->delay,
			.header = &src->hdr,
		};

		src->rec = record_writer_new(&rc, &err);
		if (!src->rec) {
			fprintf(stderr, "leaktop: %s\n", err.msg);
			sample_ctx_free(src->ctx);
			origin_free(src->origin);
			return -1;
		}
		actions_set_audit_hook(record_audit_hook, src->rec);
	}
	src->live = 1;
	src->name = "live";
	src->info.hdr = &src->hdr;
	src->next = live_next;
	src->put_back = live_put_back;
	src->close = live_close;
	return 0;
}

/* ---- a recording ------------------------------------------------------------ */

static int replay_next(struct source *src, struct sample *s)
{
	const struct lt_opts *o = src->o;
	struct lt_err err = { "" };
	int e;

	for (;;) {
		if (src->i >= src->n || lt_stop_requested)
			return 0;
		if (o->count_given && o->count > 0 && src->i >= (size_t)o->count)
			return 0;
		e = record_reader_sample(src->reader, src->i, s, &err);
		if (e == -EINTR)
			return 0;
		if (e == -EDQUOT) {	/* the file's budget is spent */
			fprintf(stderr, "leaktop: %s: %s\n", o->replay_path, err.msg);
			return -1;
		}
		if (e < 0) {
			fprintf(stderr, "leaktop: %s: %s; skipped\n", o->replay_path, err.msg);
			src->bad++;
			src->i++;
			continue;
		}
		src->i++;
		return 1;
	}
}

static void replay_put_back(struct source *src, struct sample *s)
{
	(void)src;
	sample_release(s);
}

static int replay_close(struct source *src, int ret)
{
	const char *path = src->o->replay_path;

	if (lt_stop_requested) {
		fprintf(stderr, "leaktop: %s: interrupted at sample %zu of %zu\n", path,
			src->i < src->n ? src->i + 1 : src->n, src->n);
		ret = EXIT_RUNTIME;
	}
	if (src->n && src->bad == src->n) {
		fprintf(stderr, "leaktop: %s: no sample could be decoded\n", path);
		ret = EXIT_RUNTIME;
	}
	record_reader_free(src->reader);
	return ret;
}

/* 0 (*ret EXIT_RUNTIME when the file holds no sample), or -1 after saying
 * why. */
static int replay_open(struct source *src, int *ret)
{
	const struct lt_opts *o = src->o;
	struct lt_err err = { "" };
	struct record_reader *r;
	size_t w;

	r = record_reader_open(o->replay_path, &err);
	if (!r) {
		fprintf(stderr, "leaktop: %s: %s\n", o->replay_path, err.msg);
		return -1;
	}
	/* a file may describe far more than it weighs: cap what it decodes to */
	record_reader_set_budget(r, o->replay_budget,
				 o->replay_budget == UINT64_MAX ? 0 :
				 record_reader_file_budget(r, o->replay_budget));
	for (w = 0; w < record_reader_nwarnings(r) && w < 64; w++)
		fprintf(stderr, "leaktop: %s: %s\n", o->replay_path, record_reader_warning(r, w));
	if (record_reader_nwarnings(r) > 64)
		fprintf(stderr, "leaktop: %s: %zu more warnings\n", o->replay_path,
			record_reader_nwarnings(r) - 64);
	src->reader = r;
	src->n = record_reader_nsamples(r);
	if (src->n == 0) {
		fprintf(stderr, "leaktop: %s: no readable sample in the recording\n",
			o->replay_path);
		*ret = EXIT_RUNTIME;
	}
	src->name = o->replay_path;
	src->info.hdr = record_reader_header(r);
	src->info.replay_path = o->replay_path;
	src->info.nsamples = src->n;
	src->next = replay_next;
	src->put_back = replay_put_back;
	src->close = replay_close;
	return 0;
}

/* The recording's actions and notes, for the postmortem.  0 or -1. */
static int replay_events(struct source *src, struct export_session *es)
{
	size_t i;

	for (i = 0; src->reader && i < record_reader_nevents(src->reader); i++)
		if (export_session_add_event(es, record_reader_event(src->reader, i)) < 0)
			return -1;
	return 0;
}

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
	struct out_args a = { .top = (unsigned)o->top, .thresholds = &o->thresholds };
	struct source src = { .o = o };
	struct keep k;
	struct sample s;
	int ret = 0, e;

	if (o->replay_path ? replay_open(&src, &ret) : live_open(&src))
		return EXIT_RUNTIME;
	if (sink->begin)
		sink->begin(stdout, &src.info, &a);
	memset(&k, 0, sizeof(k));
	export_session_init(&k.es, src.info.hdr, src.name);
	if (replay_events(&src, &k.es) < 0) {
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
