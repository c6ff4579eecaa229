/*
 * The sources of samples (source.h): the live sampler, which may also
 * record, and a recording (--replay: the live machine is not touched).
 * Batch mode reads them (batch.c).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "leaktop/fallback.h"
#include "leaktop/origin.h"
#include "leaktop/out.h"
#include "leaktop/procs.h"
#include "leaktop/record.h"
#include "leaktop/sample.h"
#include "options.h"
#include "source.h"

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

int source_live_take(struct source *src, struct sample *prev, struct sample *s,
		     struct lt_err *err)
{
	const struct lt_opts *o = src->o;

	if (sample_take_next(src->ctx, prev, s, err) < 0)
		return -1;
	/* --cgroup naming nothing is a mistake, not an empty report; the
	 * exporter serves an empty cut instead (its service may start later) */
	if (o->cgroup && !o->serve_addr && src->taken == 0 && !sample_cgroup_known(s, o->cgroup) &&
	    !cgroup_dir_exists(CGROUP_ROOT_DEFAULT, o->cgroup)) {
		sample_release(s);
		snprintf(err->msg, sizeof(err->msg), "--cgroup %s: no such cgroup (no process "
			 "is in it)", o->cgroup);
		return -1;
	}
	/* where the findings' sockets were created: the processes they
	 * name are watched from this sample on */
	if (src->origin)
		origin_update(src->origin, s, sample_ctx_history(src->ctx));
	src->taken++;
	return 0;
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
	e = source_live_take(src, src->have_prev ? &src->prev : NULL, s, &err);
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
	/* what LEAKTOP_FALLBACKS costs, said once */
	fallback_warn(stderr);
	/* why socket origins are off, once, when --trace asked for them (a
	 * run that did not ask keeps stderr as it was) */
	if (src->origin && o->ntrace && !src->origin_said && origin_why_off(src->origin)[0]) {
		fprintf(stderr, "leaktop: socket origins are off: %s\n",
			origin_why_off(src->origin));
		src->origin_said = 1;
	}
	if (src->rec && record_write_sample(src->rec, s, &err) < 0) {
		sample_release(s);
		fprintf(stderr, "leaktop: %s\n", err.msg);
		return -1;
	}
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
	src->origin = NULL;
	return ret;
}

/*
 * The processes -p and --trace name, at the start.  A pid no process has
 * is a typo far more often than a process to come, and with every -p pid
 * missing a run shows nothing and says "no open findings": a false
 * all-clear.  -1 with err set when none of -p's pids or one of --trace's
 * has a process; a missing one of several -p pids gets a line on stderr in
 * batch mode and under --serve (in the UI the others' rows show).
 */
static int check_pids(const struct lt_opts *o, struct lt_err *err)
{
	char missing[96] = "";
	size_t i, n = 0, len = 0;

	for (i = 0; i < o->ntrace; i++)
		if (!procs_pid_exists(o->procroot, o->trace[i])) {
			lt_err_set(err, ESRCH, "--trace: no process %d", o->trace[i]);
			return -1;
		}
	for (i = 0; i < o->npids; i++) {
		if (procs_pid_exists(o->procroot, o->pids[i]))
			continue;
		if (len < sizeof(missing) - 16)
			len += (size_t)snprintf(missing + len, sizeof(missing) - len, "%s%d",
						n ? ", " : "", o->pids[i]);
		else if (len < sizeof(missing) - 4)
			len += (size_t)snprintf(missing + len, sizeof(missing) - len, "...");
		n++;
	}
	if (n && n == o->npids) {
		lt_err_set(err, ESRCH, "-p: no process %s", missing);
		return -1;
	}
	if (n && (o->batch || o->serve_addr))
		fprintf(stderr, "leaktop: -p: no process %s; the others are shown\n", missing);
	return 0;
}

int source_live_sampler(struct source *src, struct lt_err *err)
{
	const struct lt_opts *o = src->o;
	struct sample_config cfg;
	size_t i;

	if (check_pids(o, err) < 0)
		return -1;
	lt_opts_sample_config(o, &cfg);
	src->ctx = sample_ctx_new(&cfg, err);
	if (!src->ctx)
		return -1;
	/* --read-only loads no BPF; origins need the live kernel's sockets */
	if (!o->read_only && cfg.census && (o->batch || o->ntrace || o->serve_addr)) {
		src->origin = origin_new();
		if (!src->origin) {
			snprintf(err->msg, sizeof(err->msg), "out of memory");
			sample_ctx_free(src->ctx);
			src->ctx = NULL;
			return -1;
		}
		/* before the first census: what it sees was made before */
		for (i = 0; i < o->ntrace; i++)
			origin_watch(src->origin, o->trace[i]);
	}
	src->live = 1;
	src->name = "live";
	src->info.hdr = &src->hdr;
	src->next = live_next;
	src->put_back = live_put_back;
	src->close = live_close;
	return 0;
}

int source_live_trace(struct source *src, int pid, char *why, size_t whysz)
{
	const struct lt_opts *o;
	struct sample_config cfg;

	why[0] = '\0';
	if (!src || !src->live) {
		snprintf(why, whysz, "replay: tracing needs the live machine");
		return -1;
	}
	o = src->o;
	if (o->read_only) {
		snprintf(why, whysz, "--read-only loads no BPF");
		return -1;
	}
	lt_opts_sample_config(o, &cfg);
	if (!cfg.census) {
		snprintf(why, whysz, "no socket census in this run");
		return -1;
	}
	/* made on first use: the next sample follows it (origin_update) */
	if (!src->origin) {
		src->origin = origin_new();
		if (!src->origin) {
			snprintf(why, whysz, "out of memory");
			return -1;
		}
	}
	if (origin_watch(src->origin, pid) < 0) {
		snprintf(why, whysz, "%s", origin_why_off(src->origin)[0] ?
			 origin_why_off(src->origin) : "too many processes watched");
		return -1;
	}
	return 0;
}

int source_live_open(struct source *src)
{
	const struct lt_opts *o = src->o;
	struct lt_err err = { "" };

	if (source_live_sampler(src, &err) < 0) {
		fprintf(stderr, "leaktop: %s\n", err.msg);
		return -1;
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
			src->origin = NULL;
			return -1;
		}
		actions_set_audit_hook(record_audit_hook, src->rec);
	}
	return 0;
}

/* ---- a recording ------------------------------------------------------------ */

static int replay_seek(struct source *src, size_t idx, struct sample *s, struct lt_err *err)
{
	int e;

	if (idx >= src->n)
		return lt_err_set(err, ERANGE, "no sample %zu in the recording", idx + 1);
	e = record_reader_sample(src->reader, idx, s, err);
	if (e < 0)
		return e;
	/* --cgroup on a recording without cgroups would cut nothing: known
	 * from the first sample that decodes, whichever it is */
	if (!src->cg_checked) {
		src->cg_checked = 1;
		if (record_reader_cgroup_ok(src->o->cgroup, s, err) < 0) {
			sample_release(s);
			return -ENOMEDIUM;
		}
	}
	src->cg_seen |= s->cgroups.n > 0;
	return 0;
}

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
		e = src->seek(src, src->i, s, &err);
		if (e == -EINTR)
			return 0;
		if (e == -EDQUOT || e == -ENOMEDIUM) {	/* the budget spent; --cgroup cuts nothing */
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
	} else if (src->o->cgroup && src->i && !src->cg_seen && ret == 0) {
		/* as live: --cgroup naming nothing is a mistake */
		fprintf(stderr, "leaktop: %s: --cgroup %s: no such cgroup in the recording\n",
			path, src->o->cgroup);
		ret = EXIT_RUNTIME;
	}
	record_reader_free(src->reader);
	return ret;
}

/* src reads the recording r (owned from now on). */
static void replay_init(struct source *src, struct record_reader *r)
{
	src->reader = r;
	src->n = record_reader_nsamples(r);
	src->name = src->o->replay_path;
	src->info.hdr = record_reader_header(r);
	src->info.replay_path = src->o->replay_path;
	src->info.nsamples = src->n;
	src->next = replay_next;
	src->put_back = replay_put_back;
	src->close = replay_close;
	src->seek = replay_seek;
}

int source_replay_open(struct source *src, int *ret)
{
	const struct lt_opts *o = src->o;
	struct lt_err err = { "" };
	struct record_reader *r;
	size_t w;

	r = record_reader_open_cut(o->replay_path, o->replay_budget, 1, o->cgroup, &err);
	if (!r) {
		fprintf(stderr, "leaktop: %s: %s\n", o->replay_path, err.msg);
		return -1;
	}
	for (w = 0; w < record_reader_nwarnings(r) && w < 64; w++)
		fprintf(stderr, "leaktop: %s: %s\n", o->replay_path, record_reader_warning(r, w));
	if (record_reader_nwarnings(r) > 64)
		fprintf(stderr, "leaktop: %s: %zu more warnings\n", o->replay_path,
			record_reader_nwarnings(r) - 64);
	replay_init(src, r);
	if (src->n == 0) {
		fprintf(stderr, "leaktop: %s: no readable sample in the recording\n",
			o->replay_path);
		*ret = EXIT_RUNTIME;
	}
	return 0;
}

int source_replay_open_steps(struct source *src, struct lt_err *err)
{
	const struct lt_opts *o = src->o;
	struct record_reader *r;

	r = record_reader_open_cut(o->replay_path, o->replay_budget, 0, o->cgroup, err);
	if (!r)
		return -1;
	replay_init(src, r);
	return 0;
}

void source_replay_free(struct source *src)
{
	record_reader_free(src->reader);
	src->reader = NULL;
}

int source_replay_events(struct source *src, struct export_session *es)
{
	size_t i;

	for (i = 0; src->reader && i < record_reader_nevents(src->reader); i++)
		if (export_session_add_event(es, record_reader_event(src->reader, i)) < 0)
			return -1;
	return 0;
}
