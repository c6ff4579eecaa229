/*
 * The session behind the whole-session outputs, live or from a recording
 * (doc/exports.md): what a postmortem covers beyond its first and last
 * samples.  The sinks that print it (leaktop/out.h) are the postmortem in
 * Markdown (core/out_markdown.c) and the Prometheus exposition
 * (core/out_prom.c).
 *
 * A replayed recording is untrusted and may hold any number of findings,
 * sockets and processes: the session and the sinks take O(n log n) time
 * in them, and the sinks stop at the next row once lt_stop_requested is
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
	/* how it grew: its severity when first seen and when it first
	 * reached its worst; the evidence (its figures, in words) when first
	 * seen, at its peak (the open occurrence with the highest score, the
	 * rank findings_cmp uses within a severity) and when last seen open */
	uint8_t first_severity;
	double worst_at;
	double peak_at, last_open_at;
	double peak_score;	/* the score at the peak */
	char ev_first[256], ev_peak[256], ev_last[256];
};

/*
 * A brief condition, not a problem: seen for less than the confirmation
 * window and gone before the end of the session (never confirmed, never
 * mitigated, not there at the end).  The postmortem counts these apart
 * and never lists them among the problems.  The one rule; every output of
 * a session asks it.
 */
int export_finding_brief(const struct export_finding *ef);

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

/* A finding of a sample and its position there. */
struct export_fref {
	const struct finding *f;
	size_t i;
};

/*
 * The findings v[0..n-1] sorted by identity (findings_identity_cmp), then
 * by position: each group of equal findings is contiguous and starts with
 * the one first in v.  The outputs group equal findings by sorting, not by
 * comparing every pair, which a hostile recording with many findings would
 * make quadratic.  Caller frees; NULL with errno ENOMEM.
 */
struct export_fref *export_fref_sorted(const struct finding *v, size_t n);

#endif
