/*
 * Exports of a session, live or from a recording (doc/exports.md):
 *
 * - a postmortem report in Markdown: the machine, the time span, the memory
 *   breakdown at the start and the end with the change, the sockets that
 *   grew the most and the processes that leak, with their owners, the
 *   findings, and the operator's actions with their before/after figures
 *   and notes;
 * - the Prometheus text exposition format of one sample, for
 *   node_exporter's textfile collector.
 *
 * Untrusted text (process names, command lines, paths) is sanitised and
 * escaped for the target syntax here.  Writers take a FILE * chosen by the
 * caller; core never picks the terminal itself.
 *
 * A replayed recording is untrusted and may hold any number of findings,
 * sockets and processes: the session and the writers take O(n log n) time
 * in them, and the writers stop at the next row once lt_stop_requested is
 * set.
 */
#ifndef LEAKTOP_EXPORT_H
#define LEAKTOP_EXPORT_H

#include <stdio.h>
#include "leaktop/record.h"
#include "leaktop/sample.h"

/* A finding as seen over the session: the worst occurrence, when first and
 * last seen, and whether the last sample still had it. */
struct export_finding {
	struct finding f;	/* the worst (then latest) occurrence */
	double first_seen, last_seen;
	unsigned samples;	/* samples that had it */
	int at_end;		/* the last sample added has it */
	/* its timeline: when it was first confirmed, mitigated (the
	 * action's time) and resolved; 0 for never */
	double confirmed_at, mitigated_at, resolved_at;
	/* the last mitigation seen on it (it may have ended since) */
	uint8_t mit_kind, mit_check;
	char mit_note[160];
	double mit_ended;	/* when a later sample no longer had it, 0 */
};

/*
 * What a report covers beyond its first and last samples.  Everything is
 * owned by the session (events are deep copies); export_session_release()
 * frees it.
 */
struct export_session {
	struct record_header hdr;	/* machine and version */
	const char *source;		/* "live" or the recording's path; borrowed */
	double start, end;		/* times of the first and last sample */
	size_t nsamples;
	struct export_finding *findings;	/* in the order first seen */
	size_t nfindings, capfindings;
	size_t *byid;			/* private: indices of findings sorted
					 * by identity (kind, pid, fd, inode) */
	struct record_event *events;	/* actions and notes, in order */
	size_t nevents, capevents;
};

/* Start a session described by hdr (copied); source is borrowed. */
void export_session_init(struct export_session *es, const struct record_header *hdr,
			 const char *source);
/* Account for one sample (time span, findings).  0 or -ENOMEM (the
 * session is then as it was). */
int export_session_add_sample(struct export_session *es, const struct sample *s);
/* Keep a copy of an action or a note (findings come from the samples).
 * 0 or -ENOMEM. */
int export_session_add_event(struct export_session *es, const struct record_event *e);
void export_session_release(struct export_session *es);

/*
 * lt_stop_requested (leaktop/common.h) set makes a writer below stop at its
 * next row: it returns -1 with errno EINTR and the output is cut short.  A
 * writer called while it is already set writes nothing and fails the same
 * way, so a program that stopped sampling on a signal and still wants its
 * report clears it before calling the writer.
 */

/*
 * The postmortem report.  first and last are the session's first and last
 * samples (the same pointer when there was one).  Returns 0, or -1 with
 * errno set: a write error (it stops writing at the first), ENOMEM, or
 * EINTR (lt_stop_requested).
 */
int export_markdown(FILE *f, const struct export_session *es,
		    const struct sample *first, const struct sample *last);

/*
 * One sample in the Prometheus text exposition format (version 0.0.4):
 * memory breakdown, census, per-socket and per-process figures, findings.
 * No timestamps (the textfile collector refuses them).  Returns 0 or -1 as
 * export_markdown.
 *
 * Cardinality is bounded: the totals always; per-socket series only for
 * the sockets that are flagged, the subject of a finding, or among the top
 * sockets by queued bytes; per-process series only for the subjects of a
 * finding and the top processes by queued bytes and by open fds.  top
 * is that N (export_prometheus: EXPORT_PROM_TOP_DEFAULT); whatever it
 * says, at most EXPORT_PROM_MAX_SOCKETS sockets and EXPORT_PROM_MAX_PROCS
 * processes get series.
 */
int export_prometheus_top(FILE *f, const struct sample *s, unsigned top);
int export_prometheus(FILE *f, const struct sample *s);

#define EXPORT_PROM_TOP_DEFAULT 10
#define EXPORT_PROM_MAX_SOCKETS 1000
#define EXPORT_PROM_MAX_PROCS 500

/*
 * export_prometheus_top into path, atomically: written to "path.tmp" in
 * the same directory (mode 0644), synced, renamed over path.  A reader
 * sees the previous file or the new one, whole.  0, or -errno with err set
 * (path.tmp is removed; path is left as it was); -EINTR when
 * lt_stop_requested cut the export.
 */
int export_prometheus_file(const char *path, const struct sample *s, unsigned top,
			   struct lt_err *err);

/* Escape untrusted text as a Prometheus label value (without the quotes):
 * sanitised to printable UTF-8, then \\, \" and \n escaped.  Returns out. */
char *export_prom_label(const char *raw, char *out, size_t outsz);
/* Escape untrusted text for Markdown (inline text and table cells).
 * Returns out. */
char *export_md_text(const char *raw, char *out, size_t outsz);

#endif
