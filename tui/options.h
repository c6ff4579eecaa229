/*
 * The parsed command line (tui/options.c), shared by the front-end files:
 * batch.c, tui.c (interactive UI), actcli.c (--act) and serve.c.  Strings
 * point into argv or are static; sink points into the sink table
 * (leaktop/out.h); pids is malloc'd and freed by lt_opts_release().
 */
#ifndef LEAKTOP_OPTIONS_H
#define LEAKTOP_OPTIONS_H

#include <stddef.h>
#include "leaktop/findings.h"
#include "leaktop/out.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE 2
#define EXIT_REFUSED 3
#define LT_OPTS_HAVE_ACT_INODE 1

struct lt_opts {
	int batch;		/* -b */
	long count;		/* -n: samples; 0 = until interrupted */
	int count_given;
	double delay;		/* -d: seconds between samples */
	double census_every;	/* --census-interval: seconds between full
				 * socket censuses; < 0 not given (the UI
				 * then uses 10, batch every sample) */
	const struct out_sink *sink;	/* --format (text by default) */
	int format_given;
	const char *procroot;	/* --procfs, "/proc" by default */
	int *pids;		/* -p / --pid */
	size_t npids;
	const char *act;	/* --act ACTION, or NULL */
	int act_fd;		/* --fd, -1 if not given */
	long act_value;		/* --value N for raise-fd-limit, -1 if not given */
	unsigned long long act_inode;	/* --inode N: the socket an earlier scan saw, 0 if not given */
	int yes;		/* --yes */
	int confirm_drain;	/* --confirm-drain: the second confirmation */
	int read_only;		/* --read-only */
	int *trace;		/* --trace PID (repeatable): socket origins */
	size_t ntrace;
	const char *audit_log;	/* --audit-log FILE, NULL: the default */
	int no_audit_file;	/* --no-audit-file: act with syslog only */
	const char *theme;	/* --theme NAME, or NULL */
	int no_mouse;		/* --no-mouse */
	struct findings_config thresholds;	/* defaults, then --threshold */
	const char *record_path;	/* --record FILE, or NULL */
	unsigned long long record_max_size;	/* --record-max-size, 0: no cap */
	const char *replay_path;	/* --replay FILE, or NULL */
	uint64_t replay_budget;	/* --replay-budget: 0 default, UINT64_MAX none */
	int delay_given;	/* -d was given (--serve defaults to 15 s) */
	const char *serve_addr;	/* --serve ADDR:PORT, or NULL */
	const char *output_path;	/* --output FILE (prometheus textfile), or NULL */
	const char *cgroup;	/* --cgroup PATH|NAME (argv's), or NULL */
	int all;		/* --all: text and json list every socket */
	long top;		/* --top N: per-socket and per-process series
				 * for the top N (OUT_PROM_TOP_DEFAULT) */
};

/*
 * Fill o with the defaults, then parse argv into it (tui/options.c).
 * Returns -1 when o is ready to run;
 * otherwise the exit code to end with at once: 0 after --help or
 * --version, EXIT_USAGE after a one-line reason on stderr.  Either way
 * lt_opts_release(o) frees what it holds.
 */
int lt_opts_parse(struct lt_opts *o, int argc, char **argv);
void lt_opts_release(struct lt_opts *o);

struct sample_config;
/* The sampler's configuration for these options (batch and UI alike);
 * pointers in cfg borrow from o. */
void lt_opts_sample_config(const struct lt_opts *o, struct sample_config *cfg);

/* The interactive UI (tui/tui.c): live, recording with record_path, or a
 * recording replayed with replay_path; returns the exit code. */
int tui_run(const struct lt_opts *o);
/* One remediation from a script (tui/actcli.c); returns the exit code. */
int actcli_run(const struct lt_opts *o);
/* Batch mode (tui/batch.c): one loop from a source (the live sampler, or
 * the recording of replay_path) to the sink of --format; returns the exit
 * code.  With record_path a live source also records.  The
 * interactive UI records and replays through core/record.h itself. */
int batch_run(const struct lt_opts *o);
/* The Prometheus exporter (tui/serve.c): --serve ADDR:PORT until a stop
 * signal; returns the exit code. */
int serve_run(const struct lt_opts *o);

#endif
