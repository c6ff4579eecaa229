/*
 * The command line: getopt, the checks between options, --help and
 * --version (tui/options.h).  Parsing only: nothing here runs a mode.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "http.h"
#include "leaktop/out.h"
#include "leaktop/record.h"
#include "leaktop/sample.h"
#include "options.h"
#include "version.h"

/* long options without a short letter */
enum { OPT_RECORD = 256, OPT_RECORD_MAX, OPT_REPLAY, OPT_REPLAY_BUDGET, OPT_CENSUS_EVERY,
       OPT_AUDIT_LOG, OPT_NO_AUDIT_FILE, OPT_SERVE, OPT_OUTPUT, OPT_TOP,
       OPT_CGROUP, OPT_TRACE };

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
	      "  -a, --all              batch text and json: list every socket of the\n"
	      "                         census, as ss -a does, not only those with a\n"
	      "                         queue or a flag (the findings stay the same)\n"
	      "      --census-interval SEC  seconds between full socket censuses;\n"
	      "                         in between only the groups with a moving\n"
	      "                         queue are read again (default: 10 in the\n"
	      "                         interactive UI and --serve, 0 = every sample\n"
	      "                         in batch)\n"
	      "  -p, --pid PID[,PID...] restrict to these processes\n"
	      "      --cgroup PATH|NAME limit every view and output to one cgroup\n"
	      "                         subtree: a path (/system.slice/nginx.service) or a\n"
	      "                         name (nginx.service, a container's id, a pod uid)\n"
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
	      "      --read-only        no actions in this session (and no origins)\n"
	      "      --trace PID        record where PID creates its sockets from now on\n"
	      "                         (repeatable; root, BPF); in batch mode the\n"
	      "                         processes a finding names are traced too\n"
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

/* --format NAME that no sink has: the names come from the table. */
static int unknown_format(const char *name)
{
	char list[256] = "";
	size_t i, len = 0;

	for (i = 0; out_sinks[i]; i++)
		len += (size_t)snprintf(list + len, len < sizeof(list) ? sizeof(list) - len : 0,
					"%s%s", i ? ", " : "", out_sinks[i]->name);
	return usage_error("--format: unknown format '%s' (%s)", name, list);
}

int lt_opts_parse(struct lt_opts *o, int argc, char **argv)
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
		{ "cgroup", required_argument, NULL, OPT_CGROUP },
		{ "all", no_argument, NULL, 'a' },
		{ "trace", required_argument, NULL, OPT_TRACE },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	long v;
	int c;

	*o = (struct lt_opts){ .count = 2, .delay = 1, .sink = &out_text_sink,
			       .census_every = -1, .procroot = "/proc", .act_fd = -1,
			       .act_value = -1, .top = OUT_PROM_TOP_DEFAULT };
	findings_config_default(&o->thresholds);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":abn:d:p:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			o->all = 1;
			break;
		case 'b':
			o->batch = 1;
			break;
		case 'n':
			if (parse_long(optarg, 0, 100000000, &o->count) < 0)
				return usage_error("-n: '%s' is not a sample count (0 or more)",
						   optarg);
			o->count_given = 1;
			break;
		case 'd':
			if (parse_delay(optarg, &o->delay) < 0)
				return usage_error("-d: '%s' is not a delay in seconds (0.1 to 3600)",
						   optarg);
			o->delay_given = 1;
			break;
		case 'p':
			if (parse_pids(optarg, o) < 0)
				return usage_error("-p: '%s' is not a list of process ids",
						   optarg);
			break;
		case 'F':
			o->format_given = 1;
			o->sink = out_find(optarg);
			if (!o->sink)
				return unknown_format(optarg);
			break;
		case OPT_RECORD:
			o->record_path = optarg;
			break;
		case OPT_RECORD_MAX: {
			uint64_t sz;

			if (record_parse_size(optarg, &sz) < 0 || sz < RECORD_MIN_MAX_SIZE)
				return usage_error("--record-max-size: '%s' is not a size of at "
						   "least 256K (K, M, G suffixes)", optarg);
			o->record_max_size = sz;
			break;
		}
		case OPT_REPLAY_BUDGET: {
			uint64_t sz;

			if (!strcmp(optarg, "none")) {
				o->replay_budget = UINT64_MAX;
				break;
			}
			if (record_parse_size(optarg, &sz) < 0 || sz < (1u << 20))
				return usage_error("--replay-budget: '%s' is not a size of at "
						   "least 1M (K, M, G suffixes) or none", optarg);
			o->replay_budget = sz;
			break;
		}
		case OPT_REPLAY:
			o->replay_path = optarg;
			break;
		case OPT_CENSUS_EVERY:
			if (strcmp(optarg, "0") && parse_delay(optarg, &o->census_every) < 0)
				return usage_error("--census-interval: '%s' is not 0 or a number "
						   "of seconds (0.1 to 3600)", optarg);
			if (!strcmp(optarg, "0"))
				o->census_every = 0;
			break;
		case 'P':
			o->procroot = optarg;
			break;
		case OPT_AUDIT_LOG:
			if (!optarg[0])
				return usage_error("%s", "--audit-log needs a file name");
			o->audit_log = optarg;
			break;
		case OPT_NO_AUDIT_FILE:
			o->no_audit_file = 1;
			break;
		case OPT_SERVE: {
			struct sockaddr_storage ss;
			socklen_t sl;
			const char *why;

			if (http_parse_addr(optarg, &ss, &sl, &why) < 0)
				return usage_error("--serve: '%s': %s", optarg, why);
			o->serve_addr = optarg;
			break;
		}
		case OPT_CGROUP:
			if (!optarg[0] || strchr(optarg, '\n'))
				return usage_error("%s", "--cgroup needs a cgroup path or name");
			o->cgroup = optarg;
			break;
		case OPT_OUTPUT:
			if (!optarg[0])
				return usage_error("%s", "--output needs a file name");
			o->output_path = optarg;
			break;
		case OPT_TOP:
			if (parse_long(optarg, 0, 1000, &o->top) < 0)
				return usage_error("--top: '%s' is not a number from 0 to 1000",
						   optarg);
			break;
		case 'A':
			o->act = optarg;
			break;
		case 'f':
			if (parse_long(optarg, 0, INT_MAX, &v) < 0)
				return usage_error("--fd: '%s' is not a file descriptor", optarg);
			o->act_fd = (int)v;
			break;
		case 'v':
			if (parse_long(optarg, 1, INT_MAX, &o->act_value) < 0)
				return usage_error("--value: '%s' is not a positive number", optarg);
			break;
		case 'i':
			if (parse_long(optarg, 1, LONG_MAX, &v) < 0)
				return usage_error("--inode: '%s' is not a socket inode", optarg);
			o->act_inode = (unsigned long long)v;
			break;
		case 'y':
			o->yes = 1;
			break;
		case 'D':
			o->confirm_drain = 1;
			break;
		case 'R':
			o->read_only = 1;
			break;
		case OPT_TRACE: {
			int *np;

			if (parse_long(optarg, 1, INT_MAX, &v) < 0)
				return usage_error("--trace: '%s' is not a process id", optarg);
			np = realloc(o->trace, (o->ntrace + 1) * sizeof(*np));
			if (!np)
				return usage_error("%s", "out of memory");
			o->trace = np;
			o->trace[o->ntrace++] = (int)v;
			break;
		}
		case 'T':
			o->theme = optarg;
			break;
		case 'M':
			o->no_mouse = 1;
			break;
		case 'H': {
			char name[64], *eq = strchr(optarg, '=');
			struct lt_err e = { "" };

			if (!eq || eq == optarg || (size_t)(eq - optarg) >= sizeof(name))
				return usage_error("--threshold: '%s' is not NAME=VALUE", optarg);
			snprintf(name, sizeof(name), "%.*s", (int)(eq - optarg), optarg);
			if (findings_config_set(&o->thresholds, name, eq + 1, &e) < 0)
				return usage_error("--threshold: %s", e.msg);
			break;
		}
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			version_print(stdout);
			return 0;
		case ':':
			return usage_error("option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (o->act && o->batch)
		return usage_error("%s", "--act and -b cannot be combined");
	if (o->replay_path && (o->act || o->record_path || o->npids))
		return usage_error("--replay cannot be combined with %s",
				   o->act ? "--act" : o->record_path ? "--record" : "-p");
	if (o->ntrace && (o->replay_path || o->act || o->read_only))
		return usage_error("--trace cannot be combined with %s",
				   o->replay_path ? "--replay (recordings carry no origins)" :
				   o->act ? "--act" : "--read-only (tracing loads a BPF program)");
	if (o->audit_log && o->no_audit_file)
		return usage_error("%s", "--audit-log and --no-audit-file cannot be combined");
	if (o->replay_budget && !o->replay_path)
		return usage_error("%s", "--replay-budget needs --replay FILE");
	if (o->record_max_size && !o->record_path)
		return usage_error("%s", "--record-max-size needs --record FILE");
	if (o->act && !o->sink->action)
		return usage_error("%s", "--act prints text or json");
	if (o->serve_addr && (o->act || o->batch || o->replay_path || o->record_path ||
			     o->output_path || (o->format_given && o->sink != &out_prom_sink)))
		return usage_error("--serve cannot be combined with %s",
				   o->act ? "--act" : o->batch ? "-b" : o->replay_path ? "--replay" :
				   o->record_path ? "--record" : o->output_path ? "--output" :
				   "--format other than prometheus");
	if (o->serve_addr && o->count_given)
		return usage_error("%s", "--serve runs until stopped: -n does not apply");
	if (o->output_path && (o->sink != &out_prom_sink || o->act))
		return usage_error("%s", o->act ? "--output cannot be combined with --act" :
				   "--output needs --format prometheus");
	if (o->serve_addr && !o->delay_given)
		o->delay = 15;
	/* --output writes a file: batch mode, terminal or not */
	if (o->output_path)
		o->batch = 1;
	/* --replay with -b, --format or no terminal prints; else the UI */
	if (o->replay_path && o->format_given)
		o->batch = 1;
	if (o->all && (o->act || o->serve_addr || (o->sink != &out_text_sink &&
						  o->sink != &out_json_sink)))
		return usage_error("%s", "--all lists sockets in batch text or json output");
	if (o->ntrace && o->serve_addr)
		return usage_error("%s", "--trace cannot be combined with --serve (it does not trace yet)");
	return -1;
}

void lt_opts_release(struct lt_opts *o)
{
	free(o->pids);
	o->pids = NULL;
	o->npids = 0;
	free(o->trace);
	o->trace = NULL;
	o->ntrace = 0;
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
	cfg->cgroup = o->cgroup;
	/* the UI refreshes moving sockets every interval and takes the
	 * whole census every 10 s; batch output stays complete by default */
	cfg->census_every = o->census_every >= 0 ? o->census_every :
			    o->batch && !o->serve_addr ? 0 : 10;
}
