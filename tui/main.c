/*
 * leaktop's entry point: command line, batch mode, and (when there is a
 * terminal) the interactive UI.  Exit codes: 0 success, 1 runtime failure,
 * 2 usage error, 3 an action refused by a safety check.
 */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "http.h"
#include "leaktop/export.h"
#include "leaktop/fallback.h"
#include "leaktop/record.h"
#include "leaktop/report.h"
#include "leaktop/sample.h"
#include "options.h"
#include "version.h"

/* long options without a short letter */
enum { OPT_RECORD = 256, OPT_RECORD_MAX, OPT_REPLAY, OPT_REPLAY_BUDGET, OPT_CENSUS_EVERY,
       OPT_AUDIT_LOG, OPT_NO_AUDIT_FILE, OPT_SERVE, OPT_OUTPUT, OPT_TOP };

static void on_stop(int sig)
{
	(void)sig;
	lt_stop_requested = 1;
}

static void usage(FILE *f)
{
	fputs("Usage: leaktop [options]\n"
	      "Find memory that top cannot see: socket receive queues nobody reads,\n"
	      "leaked socket fds, kernel memory no counter explains.\n"
	      "\n"
	      "  -b, --batch            print samples instead of the interactive UI\n"
	      "  -n, --samples N        number of samples in batch mode (default 2;\n"
	      "                         0 = until interrupted)\n"
	      "  -d, --delay SEC        seconds between samples (default 1, may be\n"
	      "                         fractional, 0.1 to 3600)\n"
	      "      --census-interval SEC  seconds between full socket censuses;\n"
	      "                         in between only the groups with a moving\n"
	      "                         queue are read again (default: 10 in the\n"
	      "                         interactive UI and --serve, 0 = every sample\n"
	      "                         in batch)\n"
	      "  -p, --pid PID[,PID...] restrict to these processes\n"
	      "      --format FMT       batch output: text (default), json (JSON Lines),\n"
	      "                         markdown (a postmortem report of the session) or\n"
	      "                         prometheus (the last sample, textfile collector)\n"
	      "      --output FILE      with --format prometheus: rewrite FILE atomically\n"
	      "                         after every sample (FILE.tmp, then rename); with\n"
	      "                         -n 0 until stopped, for node_exporter's textfile\n"
	      "                         collector\n"
	      "      --serve ADDR:PORT  a read-only Prometheus exporter: answer GET /metrics\n"
	      "                         on ADDR:PORT (e.g. 127.0.0.1:9187 or [::1]:9187)\n"
	      "                         with the last sample, sampling every -d seconds\n"
	      "                         (default 15) until SIGTERM or SIGINT\n"
	      "      --top N            prometheus: per-socket and per-process series for\n"
	      "                         the top N by queued bytes and by fds, besides the\n"
	      "                         flagged ones and the subjects of findings\n"
	      "                         (default 10, 0 to 1000)\n"
	      "      --record FILE      record the session to FILE (batch or interactive)\n"
	      "      --record-max-size BYTES  cap FILE (K, M, G suffixes): the oldest\n"
	      "                         samples are dropped, findings/actions/notes kept\n"
	      "      --replay FILE      open a recording in the interactive UI (with -b\n"
	      "                         or no terminal: print it as batch mode would);\n"
	      "                         the live machine is not touched\n"
	      "      --replay-budget SIZE  the most one recorded sample may decode to\n"
	      "                         (default 256M; a batch replay stops after 16\n"
	      "                         times SIZE or 1024 times the file); none: no cap\n"
	      "      --act ACTION       one remediation on --pid PID --fd FD: drop-filter,\n"
	      "                         undo-filter, shrink-rcvbuf, undo-rcvbuf, drain,\n"
	      "                         raise-fd-limit, undo-fd-limit; previews unless --yes\n"
	      "      --fd FD            the target fd of --act\n"
	      "      --value N          raise-fd-limit: the new soft limit\n"
	      "      --inode N          --act: refuse unless fd FD still holds socket N\n"
	      "      --yes              carry out the --act action\n"
	      "      --confirm-drain    the second confirmation drain needs\n"
	      "      --read-only        no actions in this session\n"
	      "      --audit-log FILE   where actions (--act and the UI) write their\n"
	      "                         intent and outcome lines (default\n"
	      "                         /var/log/leaktop/audit.log); an action whose\n"
	      "                         intent cannot be written there is refused\n"
	      "      --no-audit-file    act without an audit file (syslog only)\n"
	      "      --theme NAME       colour theme of the interactive UI (C cycles them)\n"
	      "      --no-mouse         do not capture the mouse\n"
	      "      --threshold NAME=V set a triage threshold (see leaktop(1)),\n"
	      "                         e.g. unread_min_bytes=65536\n"
	      "  -h, --help             show this help and exit\n"
	      "  -V, --version          show the version and exit\n"
	      "\n"
	      "Exit status: 0 success, 1 runtime failure, 2 usage error,\n"
	      "3 an action refused by a safety check.\n"
	      "See leaktop(1).\n", f);
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One line on stderr, exit code 2. */
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("leaktop: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (try 'leaktop --help')\n", stderr);
	return EXIT_USAGE;
}

/* Whole-string decimal integer in [min, max]; -1 if not. */
static int parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int parse_delay(const char *s, double *out)
{
	char *end;
	double v;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || end == s || !isfinite(v) || v < 0.1 || v > 3600)
		return -1;
	*out = v;
	return 0;
}

static int parse_pids(const char *s, struct lt_opts *o)
{
	char *copy = strdup(s), *tok, *save = NULL;
	int ret = 0;

	if (!copy)
		return -1;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		long v;
		int *np;

		if (parse_long(tok, 1, INT_MAX, &v) < 0) {
			ret = -1;
			break;
		}
		np = realloc(o->pids, (o->npids + 1) * sizeof(*np));
		if (!np) {
			ret = -1;
			break;
		}
		o->pids = np;
		o->pids[o->npids++] = (int)v;
	}
	if (o->npids == 0)
		ret = -1;
	free(copy);
	return ret;
}

/* Sleep for sec seconds unless a stop signal arrives. */
static void nap(double sec)
{
	struct timespec ts;

	ts.tv_sec = (time_t)sec;
	ts.tv_nsec = (long)((sec - (double)ts.tv_sec) * 1e9);
	while (!lt_stop_requested && nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Print one sample in the per-sample formats (text, json). */
static int emit(const struct lt_opts *o, const struct sample *s)
{
	if (o->format == FMT_JSON)
		report_json(stdout, s);
	else
		report_text(stdout, s);
	if (fflush(stdout) != 0) {
		/* a closed pipe (| head) is a normal end, not a failure */
		if (errno != EPIPE) {
			fprintf(stderr, "leaktop: writing output: %s\n", strerror(errno));
			return -1;
		}
		return 1;
	}
	return 0;
}

/*
 * The whole-session formats keep the first and the last sample (markdown)
 * or just the last (prometheus); the per-sample ones print at once.
 * Takes ownership of *s.  Returns emit()'s result.
 */
struct keep {
	struct sample first, last;
	int have_first, have_last;
	struct export_session es;
};

static int keep_sample(const struct lt_opts *o, struct keep *k, struct sample *s)
{
	int r = 0;

	if (o->format == FMT_TEXT || o->format == FMT_JSON) {
		r = emit(o, s);
		sample_release(s);
		return r;
	}
	if (export_session_add_sample(&k->es, s) < 0) {
		fprintf(stderr, "leaktop: out of memory\n");
		sample_release(s);
		return -1;
	}
	if (o->format == FMT_MARKDOWN && !k->have_first) {
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

/* Print what the whole-session formats kept, then release it.  A live
 * session ended by a signal still writes its report (a second signal cuts
 * it short); an interrupted replay does not. */
static int keep_finish(const struct lt_opts *o, struct keep *k, int live)
{
	const struct sample *last = k->have_last ? &k->last : k->have_first ? &k->first : NULL;
	int r = 0, e = 0;

	if (live)
		lt_stop_requested = 0;
	if (lt_stop_requested)
		r = -1;		/* the caller says why */
	else if (o->format == FMT_MARKDOWN)
		r = export_markdown(stdout, &k->es, k->have_first ? &k->first : NULL, last);
	else if (o->format == FMT_PROMETHEUS && last && !o->output_path)
		r = export_prometheus_top(stdout, last, (unsigned)o->top);
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

/* --replay: print the recorded samples; the live machine is not touched. */
static int replay_run(const struct lt_opts *o)
{
	struct lt_err err = { "" };
	struct record_reader *r;
	const struct record_header *h;
	struct keep k;
	struct sample s;
	size_t i, n, w, bad = 0;
	int ret = 0, e;

	r = record_reader_open(o->replay_path, &err);
	if (!r) {
		fprintf(stderr, "leaktop: %s: %s\n", o->replay_path, err.msg);
		return EXIT_RUNTIME;
	}
	/* a file may describe far more than it weighs: cap what it decodes to */
	record_reader_set_budget(r, o->replay_budget,
				 o->replay_budget == UINT64_MAX ? 0 :
				 record_reader_file_budget(r, o->replay_budget));
	h = record_reader_header(r);
	for (w = 0; w < record_reader_nwarnings(r) && w < 64; w++)
		fprintf(stderr, "leaktop: %s: %s\n", o->replay_path, record_reader_warning(r, w));
	if (record_reader_nwarnings(r) > 64)
		fprintf(stderr, "leaktop: %s: %zu more warnings\n", o->replay_path,
			record_reader_nwarnings(r) - 64);
	n = record_reader_nsamples(r);
	if (n == 0) {
		fprintf(stderr, "leaktop: %s: no readable sample in the recording\n",
			o->replay_path);
		ret = EXIT_RUNTIME;
	}
	if (o->format == FMT_TEXT) {
		char host[300], kernel[300], version[100], when[64];
		time_t t = (time_t)h->start_time;
		struct tm tm;

		localtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
		/* the header is text from the recorded machine: untrusted */
		printf("replay of %s: %zu samples recorded on %s (kernel %s) from %s by "
		       "leaktop %s\n\n", o->replay_path, n,
		       lt_sanitize(h->host, host, sizeof(host)),
		       lt_sanitize(h->kernel, kernel, sizeof(kernel)), when,
		       lt_sanitize(h->version, version, sizeof(version)));
	}
	memset(&k, 0, sizeof(k));
	export_session_init(&k.es, h, o->replay_path);
	for (i = 0; i < record_reader_nevents(r); i++)
		if (export_session_add_event(&k.es, record_reader_event(r, i)) < 0) {
			fprintf(stderr, "leaktop: out of memory\n");
			ret = EXIT_RUNTIME;
			goto out;
		}
	for (i = 0; i < n && !lt_stop_requested; i++) {
		if (o->count_given && o->count > 0 && i >= (size_t)o->count)
			break;
		e = record_reader_sample(r, i, &s, &err);
		if (e == -EINTR)
			break;
		if (e == -EDQUOT) {	/* the file's budget is spent */
			fprintf(stderr, "leaktop: %s: %s\n", o->replay_path, err.msg);
			ret = EXIT_RUNTIME;
			break;
		}
		if (e < 0) {
			fprintf(stderr, "leaktop: %s: %s; skipped\n", o->replay_path, err.msg);
			bad++;
			continue;
		}
		e = keep_sample(o, &k, &s);
		if (e) {
			ret = e < 0 ? EXIT_RUNTIME : 0;
			break;
		}
	}
	if (keep_finish(o, &k, 0) < 0)
		ret = EXIT_RUNTIME;
	if (lt_stop_requested) {
		fprintf(stderr, "leaktop: %s: interrupted at sample %zu of %zu\n",
			o->replay_path, i < n ? i + 1 : n, n);
		ret = EXIT_RUNTIME;
	}
	if (n && bad == n) {
		fprintf(stderr, "leaktop: %s: no sample could be decoded\n", o->replay_path);
		ret = EXIT_RUNTIME;
	}
out:
	record_reader_free(r);
	return ret;
}

void lt_opts_sample_config(const struct lt_opts *o, struct sample_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->procroot = o->procroot;
	cfg->pss_interval = 10;
	/* sockets come from the live kernel, not from a procfs copy */
	cfg->census = strcmp(o->procroot, "/proc") == 0;
	cfg->runroot = "/run/netns";
	cfg->pids = o->pids;
	cfg->npids = o->npids;
	cfg->window = 60;
	cfg->findings = &o->thresholds;
	/* the UI refreshes moving sockets every interval and takes the
	 * whole census every 10 s; batch output stays complete by default */
	cfg->census_every = o->census_every >= 0 ? o->census_every :
			    o->batch && !o->serve_addr ? 0 : 10;
}

int batch_run(const struct lt_opts *o)
{
	struct sample_config cfg;
	struct record_writer *rec = NULL;
	struct record_header hdr;
	struct sample_ctx *ctx;
	struct lt_err err = { "" };
	struct keep k;
	struct sample s, prev;
	int ret = 0, e, have_prev = 0;
	/* text and JSON print a sample and are done with it: it can seed the
	 * next one (a light census); the whole-session formats keep theirs */
	int chain = o->format == FMT_TEXT || o->format == FMT_JSON || o->output_path;
	long i;

	if (o->replay_path)
		return replay_run(o);
	lt_opts_sample_config(o, &cfg);
	ctx = sample_ctx_new(&cfg, &err);
	if (!ctx) {
		fprintf(stderr, "leaktop: %s\n", err.msg);
		return EXIT_RUNTIME;
	}
	record_header_live(&hdr, o->procroot, PACKAGE_VERSION, o->delay);
	if (o->record_path) {
		struct record_writer_config rc = {
			.path = o->record_path,
			.max_size = o->record_max_size,
			.procroot = o->procroot,
			.version = PACKAGE_VERSION,
			.interval = o->delay,
			.header = &hdr,
		};

		rec = record_writer_new(&rc, &err);
		if (!rec) {
			fprintf(stderr, "leaktop: %s\n", err.msg);
			sample_ctx_free(ctx);
			return EXIT_RUNTIME;
		}
		actions_set_audit_hook(record_audit_hook, rec);
	}
	memset(&k, 0, sizeof(k));
	export_session_init(&k.es, &hdr, "live");
	for (i = 0; (o->count == 0 || i < o->count) && !lt_stop_requested; i++) {
		if (i > 0)
			nap(o->delay);
		if (lt_stop_requested)
			break;
		e = sample_take_next(ctx, have_prev ? &prev : NULL, &s, &err);
		if (have_prev) {
			sample_release(&prev);
			have_prev = 0;
		}
		if (e < 0 || sample_attach_fdtables(ctx, &s, &err) < 0) {
			if (e == 0)
				sample_release(&s);
			fprintf(stderr, "leaktop: %s\n", err.msg);
			ret = EXIT_RUNTIME;
			break;
		}
		/* what this kernel (or LEAKTOP_FALLBACKS) costs, said once */
		fallback_warn(stderr);
		if (rec && record_write_sample(rec, &s, &err) < 0) {
			sample_release(&s);
			fprintf(stderr, "leaktop: %s\n", err.msg);
			ret = EXIT_RUNTIME;
			break;
		}
		if (o->output_path) {
			/* a stop signal cuts the export: the file stays whole */
			e = export_prometheus_file(o->output_path, &s, (unsigned)o->top, &err);
			if (e < 0 && e != -EINTR)
				fprintf(stderr, "leaktop: %s\n", err.msg);
			e = e < 0 && e != -EINTR ? -1 : e < 0 ? 1 : 0;
			prev = s;
			have_prev = 1;
		} else if (chain) {
			e = emit(o, &s);
			prev = s;
			have_prev = 1;
		} else {
			e = keep_sample(o, &k, &s);
		}
		if (e) {
			ret = e < 0 ? EXIT_RUNTIME : ret;
			break;
		}
	}
	if (have_prev)
		sample_release(&prev);
	if (keep_finish(o, &k, 1) < 0)
		ret = EXIT_RUNTIME;
	if (rec) {
		actions_set_audit_hook(NULL, NULL);
		if (record_writer_close(rec, &err) < 0 && ret == 0) {
			fprintf(stderr, "leaktop: %s\n", err.msg);
			ret = EXIT_RUNTIME;
		}
	}
	sample_ctx_free(ctx);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "batch", no_argument, NULL, 'b' },
		{ "samples", required_argument, NULL, 'n' },
		{ "delay", required_argument, NULL, 'd' },
		{ "pid", required_argument, NULL, 'p' },
		{ "format", required_argument, NULL, 'F' },
		{ "procfs", required_argument, NULL, 'P' },
		{ "act", required_argument, NULL, 'A' },
		{ "fd", required_argument, NULL, 'f' },
		{ "value", required_argument, NULL, 'v' },
		{ "inode", required_argument, NULL, 'i' },
		{ "yes", no_argument, NULL, 'y' },
		{ "confirm-drain", no_argument, NULL, 'D' },
		{ "read-only", no_argument, NULL, 'R' },
		{ "theme", required_argument, NULL, 'T' },
		{ "no-mouse", no_argument, NULL, 'M' },
		{ "threshold", required_argument, NULL, 'H' },
		{ "record", required_argument, NULL, OPT_RECORD },
		{ "record-max-size", required_argument, NULL, OPT_RECORD_MAX },
		{ "replay", required_argument, NULL, OPT_REPLAY },
		{ "replay-budget", required_argument, NULL, OPT_REPLAY_BUDGET },
		{ "census-interval", required_argument, NULL, OPT_CENSUS_EVERY },
		{ "audit-log", required_argument, NULL, OPT_AUDIT_LOG },
		{ "no-audit-file", no_argument, NULL, OPT_NO_AUDIT_FILE },
		{ "serve", required_argument, NULL, OPT_SERVE },
		{ "output", required_argument, NULL, OPT_OUTPUT },
		{ "top", required_argument, NULL, OPT_TOP },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct lt_opts o = { .count = 2, .delay = 1, .format = FMT_TEXT, .census_every = -1,
			     .procroot = "/proc", .act_fd = -1, .act_value = -1,
			     .top = EXPORT_PROM_TOP_DEFAULT };
	long v;
	struct sigaction sa;
	int c, ret;

	findings_config_default(&o.thresholds);
	/*
	 * The census arrays (megabytes at 50k sockets) are freed and taken
	 * again every few seconds.  glibc raises its mmap threshold to the
	 * size of a freed mapping, after which such arrays come from the heap
	 * and their pages stay resident; a fixed threshold keeps every big
	 * array a mapping of its own, returned when freed.
	 */
	mallopt(M_MMAP_THRESHOLD, 256 * 1024);

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":bn:d:p:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			o.batch = 1;
			break;
		case 'n':
			if (parse_long(optarg, 0, 100000000, &o.count) < 0) {
				free(o.pids);
				return usage_error("-n: '%s' is not a sample count (0 or more)",
						   optarg);
			}
			o.count_given = 1;
			break;
		case 'd':
			if (parse_delay(optarg, &o.delay) < 0) {
				free(o.pids);
				return usage_error("-d: '%s' is not a delay in seconds (0.1 to 3600)",
						   optarg);
			}
			o.delay_given = 1;
			break;
		case 'p':
			if (parse_pids(optarg, &o) < 0) {
				free(o.pids);
				return usage_error("-p: '%s' is not a list of process ids",
						   optarg);
			}
			break;
		case 'F':
			o.format_given = 1;
			if (!strcmp(optarg, "json"))
				o.format = FMT_JSON;
			else if (!strcmp(optarg, "text"))
				o.format = FMT_TEXT;
			else if (!strcmp(optarg, "markdown"))
				o.format = FMT_MARKDOWN;
			else if (!strcmp(optarg, "prometheus"))
				o.format = FMT_PROMETHEUS;
			else {
				free(o.pids);
				return usage_error("--format: unknown format '%s' (text, json, "
						   "markdown, prometheus)", optarg);
			}
			break;
		case OPT_RECORD:
			o.record_path = optarg;
			break;
		case OPT_RECORD_MAX: {
			uint64_t sz;

			if (record_parse_size(optarg, &sz) < 0 || sz < RECORD_MIN_MAX_SIZE) {
				free(o.pids);
				return usage_error("--record-max-size: '%s' is not a size of at "
						   "least 256K (K, M, G suffixes)", optarg);
			}
			o.record_max_size = sz;
			break;
		}
		case OPT_REPLAY_BUDGET: {
			uint64_t sz;

			if (!strcmp(optarg, "none")) {
				o.replay_budget = UINT64_MAX;
				break;
			}
			if (record_parse_size(optarg, &sz) < 0 || sz < (1u << 20)) {
				free(o.pids);
				return usage_error("--replay-budget: '%s' is not a size of at "
						   "least 1M (K, M, G suffixes) or none", optarg);
			}
			o.replay_budget = sz;
			break;
		}
		case OPT_REPLAY:
			o.replay_path = optarg;
			break;
		case OPT_CENSUS_EVERY:
			if (strcmp(optarg, "0") && parse_delay(optarg, &o.census_every) < 0) {
				free(o.pids);
				return usage_error("--census-interval: '%s' is not 0 or a number "
						   "of seconds (0.1 to 3600)", optarg);
			}
			if (!strcmp(optarg, "0"))
				o.census_every = 0;
			break;
		case 'P':
			o.procroot = optarg;
			break;
		case OPT_AUDIT_LOG:
			if (!optarg[0]) {
				free(o.pids);
				return usage_error("%s", "--audit-log needs a file name");
			}
			o.audit_log = optarg;
			break;
		case OPT_NO_AUDIT_FILE:
			o.no_audit_file = 1;
			break;
		case OPT_SERVE: {
			struct sockaddr_storage ss;
			socklen_t sl;
			const char *why;

			if (http_parse_addr(optarg, &ss, &sl, &why) < 0) {
				free(o.pids);
				return usage_error("--serve: '%s': %s", optarg, why);
			}
			o.serve_addr = optarg;
			break;
		}
		case OPT_OUTPUT:
			if (!optarg[0]) {
				free(o.pids);
				return usage_error("%s", "--output needs a file name");
			}
			o.output_path = optarg;
			break;
		case OPT_TOP:
			if (parse_long(optarg, 0, 1000, &o.top) < 0) {
				free(o.pids);
				return usage_error("--top: '%s' is not a number from 0 to 1000",
						   optarg);
			}
			break;
		case 'A':
			o.act = optarg;
			break;
		case 'f':
			if (parse_long(optarg, 0, INT_MAX, &v) < 0) {
				free(o.pids);
				return usage_error("--fd: '%s' is not a file descriptor", optarg);
			}
			o.act_fd = (int)v;
			break;
		case 'v':
			if (parse_long(optarg, 1, INT_MAX, &o.act_value) < 0) {
				free(o.pids);
				return usage_error("--value: '%s' is not a positive number", optarg);
			}
			break;
		case 'i':
			if (parse_long(optarg, 1, LONG_MAX, &v) < 0) {
				free(o.pids);
				return usage_error("--inode: '%s' is not a socket inode", optarg);
			}
			o.act_inode = (unsigned long long)v;
			break;
		case 'y':
			o.yes = 1;
			break;
		case 'D':
			o.confirm_drain = 1;
			break;
		case 'R':
			o.read_only = 1;
			break;
		case 'T':
			o.theme = optarg;
			break;
		case 'M':
			o.no_mouse = 1;
			break;
		case 'H': {
			char name[64], *eq = strchr(optarg, '=');
			struct lt_err e = { "" };

			if (!eq || eq == optarg || (size_t)(eq - optarg) >= sizeof(name)) {
				free(o.pids);
				return usage_error("--threshold: '%s' is not NAME=VALUE", optarg);
			}
			snprintf(name, sizeof(name), "%.*s", (int)(eq - optarg), optarg);
			if (findings_config_set(&o.thresholds, name, eq + 1, &e) < 0) {
				free(o.pids);
				return usage_error("--threshold: %s", e.msg);
			}
			break;
		}
		case 'h':
			usage(stdout);
			free(o.pids);
			return 0;
		case 'V':
			version_print(stdout);
			free(o.pids);
			return 0;
		case ':':
			free(o.pids);
			return usage_error("option '%s' needs a value", argv[optind - 1]);
		default:
			free(o.pids);
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc) {
		free(o.pids);
		return usage_error("unexpected argument '%s'", argv[optind]);
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (o.act && o.batch) {
		free(o.pids);
		return usage_error("%s", "--act and -b cannot be combined");
	}
	if (o.replay_path && (o.act || o.record_path || o.npids)) {
		free(o.pids);
		return usage_error("--replay cannot be combined with %s",
				   o.act ? "--act" : o.record_path ? "--record" : "-p");
	}
	if (o.audit_log && o.no_audit_file) {
		free(o.pids);
		return usage_error("%s", "--audit-log and --no-audit-file cannot be combined");
	}
	if (o.replay_budget && !o.replay_path) {
		free(o.pids);
		return usage_error("%s", "--replay-budget needs --replay FILE");
	}
	if (o.record_max_size && !o.record_path) {
		free(o.pids);
		return usage_error("%s", "--record-max-size needs --record FILE");
	}
	if (o.act && (o.format == FMT_MARKDOWN || o.format == FMT_PROMETHEUS)) {
		free(o.pids);
		return usage_error("%s", "--act prints text or json");
	}
	if (o.serve_addr && (o.act || o.batch || o.replay_path || o.record_path ||
			     o.output_path || (o.format_given && o.format != FMT_PROMETHEUS))) {
		free(o.pids);
		return usage_error("--serve cannot be combined with %s",
				   o.act ? "--act" : o.batch ? "-b" : o.replay_path ? "--replay" :
				   o.record_path ? "--record" : o.output_path ? "--output" :
				   "--format other than prometheus");
	}
	if (o.serve_addr && o.count_given) {
		free(o.pids);
		return usage_error("%s", "--serve runs until stopped: -n does not apply");
	}
	if (o.output_path && (o.format != FMT_PROMETHEUS || o.act)) {
		free(o.pids);
		return usage_error("%s", o.act ? "--output cannot be combined with --act" :
				   "--output needs --format prometheus");
	}
	{
		struct lt_err fe = { "" };

		if (fallback_init(NULL, &fe) < 0) {
			free(o.pids);
			return usage_error("%s", fe.msg);
		}
		/* a replay describes the recording's kernel, not this one */
		if (o.replay_path)
			fallback_reset();
	}
	if (o.serve_addr && !o.delay_given)
		o.delay = 15;
	/* --output writes a file: batch mode, terminal or not */
	if (o.output_path)
		o.batch = 1;
	/* --replay with -b, --format or no terminal prints; else the UI */
	if (o.replay_path && o.format_given)
		o.batch = 1;
	if (o.act)
		ret = actcli_run(&o);
	else if (o.serve_addr)
		ret = serve_run(&o);
	else if (o.batch)
		ret = batch_run(&o);
	else if (!isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO)) {
		/* no terminal: print samples like top -b, until stopped */
		if (!o.count_given)
			o.count = 0;
		ret = batch_run(&o);
	} else {
		ret = tui_run(&o);
	}
	free(o.pids);
	return ret;
}
