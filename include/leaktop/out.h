/*
 * Output: every format leaktop prints is a sink of samples.
 *
 * The pipeline has three parts, as in ncdu's dir.h:
 *
 * - sources give samples: the live sampler (core/sample.h) or a recording
 *   (core/record.h); the front end's batch loop (tui/batch.c) walks one;
 * - sinks print them: text and JSON Lines print each sample as it comes
 *   (core/out_text.c, core/out_json.c); the Markdown postmortem and the
 *   Prometheus exposition are whole-session formats that print once at the
 *   end from the samples the loop kept for them (core/out_markdown.c,
 *   core/out_prom.c);
 * - common: the sink table (core/out.c), keyed by the --format name, and
 *   the session that follows findings and actions (leaktop/export.h).
 *
 * A sink is a const struct out_sink with up to four function pointers;
 * each may be NULL, meaning "nothing to do".  Sinks take a FILE * chosen
 * by the caller; core never picks the terminal itself.  Untrusted text
 * (from the inspected machine or a recording) is sanitised or escaped by
 * the sink for its own syntax.  Adding a format is one new file and one
 * line in out_sinks[] (doc/adding-an-output.md).
 */
#ifndef LEAKTOP_OUT_H
#define LEAKTOP_OUT_H

#include <stdio.h>
#include "leaktop/actions.h"
#include "leaktop/export.h"
#include "leaktop/sample.h"

/* Which samples the batch loop keeps for a sink's end(). */
enum out_keep {
	OUT_KEEP_NONE,		/* none: sample() printed each one */
	OUT_KEEP_LAST,		/* the last one */
	OUT_KEEP_FIRST_LAST,	/* the first and the last one */
};

/* What begin() learns about the source.  Borrowed for the call. */
struct out_source {
	const struct record_header *hdr;
	const char *replay_path;	/* the recording, or NULL when live */
	size_t nsamples;		/* in the recording; 0 when live */
};

/* Settings of the sinks from the command line. */
struct out_args {
	unsigned top;		/* prometheus: per-series top N (--top) */
	/* the triage thresholds (--threshold): which processes are worth a
	 * row (findings_proc_notable); NULL: the defaults */
	const struct findings_config *thresholds;
	int all;		/* text and json: every socket of the census
				 * (--all), not only those worth a row */
};

/*
 * The samples a whole-session sink kept, for end().  first is NULL for
 * OUT_KEEP_LAST sinks, and both are NULL when no sample came.
 */
struct out_session {
	const struct export_session *es;
	const struct sample *first, *last;
};

/*
 * One output format.  Every function returns 0, or -1 with errno set (a
 * write error; EINTR when lt_stop_requested cut it short).
 */
struct out_sink {
	const char *name;		/* the --format name */
	enum out_keep keep;
	/* before the first sample (a replay's heading) */
	int (*begin)(FILE *f, const struct out_source *src, const struct out_args *a);
	/* one sample, as it comes (OUT_KEEP_NONE sinks) */
	int (*sample)(FILE *f, const struct sample *s, const struct out_args *a);
	/* after the last sample (whole-session sinks) */
	int (*end)(FILE *f, const struct out_session *ss, const struct out_args *a);
	/* the outcome of one --act; preview: nothing was changed */
	int (*action)(FILE *f, const struct actions_result *r, int preview);
};

/* The sinks, NULL-terminated, in the order --help lists them. */
extern const struct out_sink *const out_sinks[];
/* The sink called name, or NULL. */
const struct out_sink *out_find(const char *name);

/* ---- the sinks (one file each) ------------------------------------------- */

extern const struct out_sink out_text_sink;	/* core/out_text.c */
extern const struct out_sink out_json_sink;	/* core/out_json.c */
extern const struct out_sink out_markdown_sink;	/* core/out_markdown.c */
extern const struct out_sink out_prom_sink;	/* core/out_prom.c */

/* The readable text block of one sample; ends with a blank line.  With
 * the default thresholds (the text sink passes --threshold's). */
int out_text_write(FILE *f, const struct sample *s);

/* One JSON object on one line, newline-terminated. */
int out_json_write(FILE *f, const struct sample *s);
/* Write s as a JSON string literal (quotes included): control characters
 * escaped, invalid UTF-8 replaced by U+FFFD. */
void out_json_string(FILE *f, const char *s);
/*
 * Write the JSON member "fallbacks":[{"name":..,"since":..,"lost":..,
 * "forced":true|false}, ...] of every kernel fallback taken (leaktop/
 * fallback.h; an empty list when none); the caller writes the comma.
 */
void out_json_fallbacks(FILE *f);

/*
 * The postmortem report in Markdown.  first and last are the session's
 * first and last samples (the same pointer when there was one), with the
 * default thresholds (the markdown sink passes --threshold's).  Returns
 * 0, or -1 with errno set: a write error (it stops writing at the first),
 * ENOMEM, or EINTR (lt_stop_requested).
 */
int out_markdown_write(FILE *f, const struct export_session *es,
		       const struct sample *first, const struct sample *last);
/*
 * Untrusted text for Markdown, one function per context (the rules are in
 * core/out_markdown.c): sanitised to one printable line, then escaped only
 * where the context needs it, so the raw report reads as written by hand
 * and no text breaks the document or brings in HTML or a link.  Each
 * writes into out (cut whole escapes, never half of one) and returns it.
 * - out_markdown_text: inside a line of running text or a heading;
 * - out_markdown_cell: a table cell (also '|');
 * - out_markdown_block: text that starts a line (a leading #, >, -, +, =,
 *   "1." or '[' is escaped, leading spaces dropped);
 * - out_markdown_code: a whole code span, backticks included, fenced so
 *   that no backtick inside ends it (not for table cells).
 */
char *out_markdown_text(const char *raw, char *out, size_t outsz);
char *out_markdown_cell(const char *raw, char *out, size_t outsz);
char *out_markdown_block(const char *raw, char *out, size_t outsz);
char *out_markdown_code(const char *raw, char *out, size_t outsz);

/*
 * One sample in the Prometheus text exposition format (version 0.0.4):
 * memory breakdown, census, per-socket and per-process figures, findings.
 * No timestamps (the textfile collector refuses them).  Returns 0 or -1
 * as out_markdown_write.
 *
 * Cardinality is bounded: the totals always; per-socket series only for
 * the sockets that are flagged, the subject of a finding, or among the top
 * sockets by queued bytes; per-process series only for the subjects of a
 * finding and the top processes by queued bytes and by open fds.  top is
 * that N (out_prom_write_default: OUT_PROM_TOP_DEFAULT); whatever it says,
 * at most OUT_PROM_MAX_SOCKETS sockets and OUT_PROM_MAX_PROCS processes
 * get series.
 */
int out_prom_write(FILE *f, const struct sample *s, unsigned top);
int out_prom_write_default(FILE *f, const struct sample *s);

#define OUT_PROM_TOP_DEFAULT 10
#define OUT_PROM_MAX_SOCKETS 1000
#define OUT_PROM_MAX_PROCS 500

/*
 * out_prom_write into path, atomically: written to "path.tmp" in the same
 * directory (mode 0644), synced, renamed over path.  A reader sees the
 * previous file or the new one, whole.  0, or -errno with err set
 * (path.tmp is removed; path is left as it was); -EINTR when
 * lt_stop_requested cut the export.
 */
int out_prom_file(const char *path, const struct sample *s, unsigned top,
		  struct lt_err *err);
/* Escape untrusted text as a Prometheus label value (without the quotes):
 * sanitised to printable UTF-8, then \\, \" and \n escaped.  Returns out. */
char *out_prom_label(const char *raw, char *out, size_t outsz);

#endif
