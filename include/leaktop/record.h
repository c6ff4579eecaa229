/*
 * Recording a session to a file and reading it back (doc/recording-format.md).
 *
 * A recording is append-only: a header (machine, kernel, boot id, start
 * time, leaktop version) then frames, each with a type, a length, a CRC32C
 * and a zstd-compressed payload.  Samples are written as keyframes (every
 * table in full) and deltas (only the rows whose fields changed, and the
 * rows removed) against the previous sample.  Findings that appear or get
 * worse, the operator's actions with their audit record, and notes are
 * written as event frames of their own, so a viewer can list them without
 * decoding samples.
 *
 * The reader never trusts the file: every length is bounds-checked, every
 * allocation capped, a damaged frame is skipped with a warning naming its
 * offset (the reader resynchronises on the next frame magic), a cut-off
 * file yields its complete frames, and a file of a newer format version is
 * refused with a message saying so.
 */
#ifndef LEAKTOP_RECORD_H
#define LEAKTOP_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "leaktop/common.h"
#include "leaktop/actions.h"
#include "leaktop/findings.h"
#include "leaktop/host.h"
#include "leaktop/sample.h"

#define RECORD_FORMAT_MAJOR 4	/* a reader refuses a larger major */
#define RECORD_FORMAT_MINOR 2	/* a larger minor is read, unknown frames skipped;
					 * 4.1 added the cgroups frame, 4.2 the
					 * origins frame */

#define RECORD_KEYFRAME_EVERY 150	/* default: a keyframe every N samples */
#define RECORD_MIN_MAX_SIZE (256u << 10)	/* smallest --record-max-size */

/* What the header says about the recording session. */
struct record_header {
	unsigned major, minor;	/* format version of the file */
	char host[256];		/* untrusted text from the recorded machine */
	char kernel[256];	/* uname release and version */
	char release[HOST_TEXT_MAX];	/* kernel release; "" unknown (before 3.1) */
	double boot_time;	/* unix seconds the machine booted; 0 unknown */
	char machine[64];	/* uname machine ("x86_64") */
	char boot_id[64];
	char version[64];	/* leaktop version that wrote it */
	double start_time;	/* unix seconds the recording started */
	double interval;	/* -d of the recording session, 0 unknown */
	unsigned keyframe_every;
	unsigned compactions;	/* times --record-max-size dropped old samples */
	uint64_t samples_dropped;	/* samples dropped by those */
	int damaged;		/* the header failed its checksum */
};

/*
 * Fill h with the live machine's details (hostname, kernel release, boot
 * id and boot time read under procroot; uname; version; now).  For the
 * writer and for live exports.
 */
void record_header_live(struct record_header *h, const char *procroot,
			const char *version, double interval);

/* ---- writer ---------------------------------------------------------------- */

struct record_writer_config {
	const char *path;	/* created or truncated, mode 0600 */
	uint64_t max_size;	/* 0: no cap; else >= RECORD_MIN_MAX_SIZE */
	unsigned keyframe_every;	/* 0: RECORD_KEYFRAME_EVERY */
	int level;		/* zstd level, 0: the default (3) */
	const char *procroot;	/* for the boot id; NULL: "/proc" */
	const char *version;	/* leaktop version for the header */
	double interval;	/* seconds between samples, for the header */
	/* the header to write, NULL: record_header_live() (tests fix one) */
	const struct record_header *header;
};

struct record_writer;

/* Create the file and write the header.  NULL with err set (and errno). */
struct record_writer *record_writer_new(const struct record_writer_config *cfg,
					struct lt_err *err);

/*
 * Append sample s (a keyframe or a delta against the previous one) and an
 * event frame for each finding that is new or got worse since the previous
 * sample.  s is only read during the call.  Returns 0 or -errno with err
 * set; after a write error the writer refuses further writes.
 */
int record_write_sample(struct record_writer *w, const struct sample *s,
			struct lt_err *err);

/* Append a note the operator typed (text is copied; at most 4096 bytes
 * are kept).  0 or -errno. */
int record_note(struct record_writer *w, double time, const char *text);

/* Append an action run with its audit record.  0 or -errno. */
int record_action(struct record_writer *w, const struct actions_audit *rec);

/*
 * An actions_audit_fn writing into the recorder arg (a struct record_writer):
 * actions_set_audit_hook(record_audit_hook, w).  Errors are remembered and
 * returned by record_writer_close().
 */
void record_audit_hook(const struct actions_audit *rec, void *arg);

/* Bytes written so far (the file size), and samples written. */
uint64_t record_writer_size(const struct record_writer *w);
uint64_t record_writer_samples(const struct record_writer *w);

/*
 * Write the end frame, flush to disk and free w.  Returns 0, or the first
 * error any write met (-errno, cause in err).  w is freed in every case;
 * record_writer_close(NULL, err) returns 0.
 */
int record_writer_close(struct record_writer *w, struct lt_err *err);

/* ---- reader ---------------------------------------------------------------- */

enum record_event_type {
	RECORD_EV_FINDING = 1,	/* a finding appeared or got worse */
	RECORD_EV_ACTION = 2,	/* an action run, with its audit record */
	RECORD_EV_NOTE = 3,	/* a note the operator typed */
};

/* An action as recorded: the result of actions_run and its audit record. */
struct record_action {
	struct actions_result result;	/* undo.procroot / statedir are NULL */
	double time;
	uint32_t uid;
	char user[64];
	int64_t loginuid;
	char login[64];
};

struct record_event {
	enum record_event_type type;
	double time;		/* unix seconds */
	uint64_t offset;	/* of its frame in the file */
	size_t sample;		/* index of the last sample before it (0 if none) */
	struct finding finding;	/* RECORD_EV_FINDING; its sample's seq in
				 * finding_seq */
	unsigned finding_seq;
	struct record_action *action;	/* RECORD_EV_ACTION, owned by the reader */
	char *note;		/* RECORD_EV_NOTE, owned by the reader */
};

struct record_reader;

/* For record_reader_open_mem(): skip CRC checks (the fuzz target uses it to
 * reach the decoders; never for real files). */
#define RECORD_READ_NOCRC 0x01

/*
 * Open a recording: read the header, then index every frame (checking
 * every checksum; damaged frames become warnings) and decode the events.
 * Returns NULL with err set and errno: ENOENT..., EBADMSG (not a leaktop
 * recording, or no readable header), EPROTONOSUPPORT (a newer format: err
 * says which), ENOMEM.  A file with no readable sample is not an error:
 * record_reader_nsamples() is 0.
 */
struct record_reader *record_reader_open(const char *path, struct lt_err *err);
/* The same over a memory buffer, which must outlive the reader. */
struct record_reader *record_reader_open_mem(const void *buf, size_t len,
					     unsigned flags, struct lt_err *err);
void record_reader_free(struct record_reader *r);

/* Valid until record_reader_free. */
const struct record_header *record_reader_header(const struct record_reader *r);

/* Warnings met so far (damaged or skipped frames, each naming its offset),
 * oldest first; the strings live as long as the reader.  At most 64 are
 * kept; record_reader_nwarnings counts them all, and record_reader_warning
 * is never NULL below that count (past the 64th it says one was not kept);
 * NULL past it. */
size_t record_reader_nwarnings(const struct record_reader *r);
const char *record_reader_warning(const struct record_reader *r, size_t i);
/* 1 if the file ends with the end frame (closed cleanly), else 0. */
int record_reader_complete(const struct record_reader *r);

/* Samples that can be reconstructed, in file order; index 0 .. n-1. */
size_t record_reader_nsamples(const struct record_reader *r);
/* Time (unix seconds) and seq of sample idx, without decoding it. */
double record_reader_sample_time(const struct record_reader *r, size_t idx);
unsigned record_reader_sample_seq(const struct record_reader *r, size_t idx);

/*
 * Reconstruct sample idx into *out (overwritten; release it with
 * sample_release).  Stepping forward from the last sample read costs one
 * delta; any other jump restarts from the keyframe before idx.  Returns 0,
 * -ERANGE, -EBADMSG (a frame decodes badly: err names its offset; the
 * other samples stay readable), -EFBIG or -EDQUOT (over the budget, below),
 * -EINTR or -ENOMEM.
 */
int record_reader_sample(struct record_reader *r, size_t idx, struct sample *out,
			 struct lt_err *err);

/*
 * The replay budget (doc/recording-format.md): a recording is untrusted and
 * a few kilobytes of it can describe millions of rows.  per_sample caps what
 * one sample may decode to (rows times their size in memory, strings
 * included; 0: RECORD_REPLAY_BUDGET); a sample above it fails with -EFBIG
 * before its rows are built.  total caps what record_reader_sample may
 * decode over the reader's life (0: no cap); past it, -EDQUOT.  Decoding
 * also stops with -EINTR once lt_stop_requested is set.
 */
/* --cgroup arg on every sample the reader gives (sample_cgroups_cut);
 * NULL: none.  arg is borrowed: it must outlive r. */
void record_reader_set_cgroup(struct record_reader *r, const char *arg);

#define RECORD_REPLAY_BUDGET (256ull << 20)
#define RECORD_REPLAY_SAMPLES 16	/* default total: 16 samples' budget, */
#define RECORD_REPLAY_RATIO 1024	/* or this many times the file's size */
void record_reader_set_budget(struct record_reader *r, uint64_t per_sample,
			      uint64_t total);
/* The default total for a batch replay: RECORD_REPLAY_RATIO times the
 * file's size, and at least RECORD_REPLAY_SAMPLES times per_sample (0:
 * RECORD_REPLAY_BUDGET). */
uint64_t record_reader_file_budget(const struct record_reader *r, uint64_t per_sample);
/*
 * How every replay opens a recording (batch mode and the UI alike): per
 * sample capped at per_sample (0: RECORD_REPLAY_BUDGET) and, when
 * whole_file and per_sample is not UINT64_MAX, the file at
 * record_reader_file_budget (the UI steps sample by sample: a cap per
 * sample only), and cut to cgroup (NULL: none; borrowed).  NULL with err
 * when unreadable.  Whether the recording carries cgroups to cut is known
 * from its first sample (record_reader_cgroup_ok), not its version: a
 * cgroups frame is read whatever the header says.
 */
struct record_reader *record_reader_open_cut(const char *path, uint64_t per_sample,
					     int whole_file, const char *cgroup,
					     struct lt_err *err);
/* 0 when s, the first sample read, can be cut to cgroup; -1 with err when
 * cgroup is given and s carries no cgroups (they did not decode). */
int record_reader_cgroup_ok(const char *cgroup, const struct sample *s, struct lt_err *err);
/* Decoded bytes counted against total so far. */
uint64_t record_reader_spent(const struct record_reader *r);

/* The sample at or before time t (0 if t is before the first), or -1 when
 * there are no samples. */
ssize_t record_reader_find_time(const struct record_reader *r, double t);

/* Events (findings, actions, notes) in file order; pointers stay valid
 * until record_reader_free. */
size_t record_reader_nevents(const struct record_reader *r);
const struct record_event *record_reader_event(const struct record_reader *r,
					       size_t i);

/*
 * The next sample after (dir > 0) or before (dir < 0) sample idx that has
 * an event whose type bit (1 << type) is in mask, e.g.
 * 1 << RECORD_EV_ACTION; -1 if none.  For "jump to next finding/action".
 */
ssize_t record_reader_step_event(const struct record_reader *r, size_t idx, int dir,
				 unsigned mask);

/* ---- small pieces, exposed for tests ------------------------------------- */

/* CRC32C (Castagnoli), the usual initial value and final xor; chain by
 * passing the previous result as crc (0 to start). */
uint32_t record_crc32c(uint32_t crc, const void *buf, size_t len);

/* Parse "100", "64K", "10M", "2G" (powers of 1024); -EINVAL if malformed
 * or overflowing. */
int record_parse_size(const char *s, uint64_t *out);

#endif
