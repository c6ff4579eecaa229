/*
 * leaktop's entry point: command line, batch mode, and (when there is a
 * terminal) the interactive UI.  Exit codes: 0 success, 1 runtime failure,
 * 2 usage error, 3 an action refused by a safety check.
 */
#include <errno.h>
#include <getopt.h>
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
#include "leaktop/report.h"
#include "leaktop/sample.h"
#include "options.h"

volatile int lt_stop_requested;

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
	      "  -p, --pid PID[,PID...] restrict to these processes\n"
	      "      --format FMT       batch output: text (default) or json (JSON Lines)\n"
	      "      --act ACTION       one remediation on --pid PID --fd FD: drop-filter,\n"
	      "                         undo-filter, shrink-rcvbuf, undo-rcvbuf, drain,\n"
	      "                         raise-fd-limit, undo-fd-limit; previews unless --yes\n"
	      "      --fd FD            the target fd of --act\n"
	      "      --value N          raise-fd-limit: the new soft limit\n"
	      "      --inode N          --act: refuse unless fd FD still holds socket N\n"
	      "      --yes              carry out the --act action\n"
	      "      --confirm-drain    the second confirmation drain needs\n"
	      "      --read-only        no actions in this session\n"
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

int batch_run(const struct lt_opts *o)
{
	struct sample_config cfg = {
		.procroot = o->procroot,
		.pss_interval = 10,
		/* sockets come from the live kernel, not from a procfs copy */
		.census = strcmp(o->procroot, "/proc") == 0,
		.runroot = "/run/netns",
		.pids = o->pids,
		.npids = o->npids,
		.window = 60,
		.findings = &o->thresholds,
	};
	struct sample_ctx *ctx;
	struct lt_err err = { "" };
	struct sample s;
	int ret = 0;
	long i;

	ctx = sample_ctx_new(&cfg, &err);
	if (!ctx) {
		fprintf(stderr, "leaktop: %s\n", err.msg);
		return EXIT_RUNTIME;
	}
	for (i = 0; (o->count == 0 || i < o->count) && !lt_stop_requested; i++) {
		if (i > 0)
			nap(o->delay);
		if (lt_stop_requested)
			break;
		if (sample_take(ctx, &s, &err) < 0 ||
		    sample_attach_fdtables(ctx, &s, &err) < 0) {
			sample_release(&s);
			fprintf(stderr, "leaktop: %s\n", err.msg);
			ret = EXIT_RUNTIME;
			break;
		}
		if (o->format == FMT_JSON)
			report_json(stdout, &s);
		else
			report_text(stdout, &s);
		sample_release(&s);
		if (fflush(stdout) != 0) {
			/* a closed pipe (| head) is a normal end, not a failure */
			if (errno != EPIPE) {
				fprintf(stderr, "leaktop: writing output: %s\n",
					strerror(errno));
				ret = EXIT_RUNTIME;
			}
			break;
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
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct lt_opts o = { .count = 2, .delay = 1, .format = FMT_TEXT,
			     .procroot = "/proc", .act_fd = -1, .act_value = -1 };
	long v;
	struct sigaction sa;
	int c, ret;

	findings_config_default(&o.thresholds);

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
			if (parse_delay(optarg, &o.delay) < 0)
				return usage_error("-d: '%s' is not a delay in seconds (0.1 to 3600)",
						   optarg);
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
			else {
				free(o.pids);
				return usage_error("--format: unknown format '%s' (text, json)",
						   optarg);
			}
			break;
		case 'P':
			o.procroot = optarg;
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
			printf("leaktop %s\n", PACKAGE_VERSION);
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
	if (o.act)
		ret = actcli_run(&o);
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
