/*
 * The recording reader: indexes the frames of a file (resynchronising
 * past damage), lists its events, and rebuilds any sample by applying
 * deltas to the nearest keyframe, within a budget of decoded bytes.
 * Every byte it reads is untrusted.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "leaktop/origin.h"
#include "rec_int.h"

/* ---- reader ------------------------------------------------------------------- */

struct rframe {
	uint64_t off;
	struct frame_hdr h;
};

struct rsample {
	size_t frame;		/* index into frames */
	size_t key;		/* sample index of its keyframe */
};

struct record_reader {
	int fd;			/* -1 for a memory buffer */
	const uint8_t *mem;
	uint64_t size;
	unsigned flags;
	struct record_header hdr;
	struct rframe *frames;
	size_t nframes, capframes;
	struct rsample *samples;
	size_t nsamples, capsamples;
	struct record_event *ev;
	size_t nev, capev, nactions;
	char *warn[MAX_WARN];
	size_t nwarn;
	int complete;
	ZSTD_DCtx *dctx;
	struct rowset st[NT], tmp;
	ssize_t cur;		/* sample the rows in st are of, -1 none */
	uint64_t budget;	/* decoded bytes one sample may take */
	uint64_t total;		/* ... all samples read together, 0 no cap */
	uint64_t spent;		/* decoded so far against total */
	struct buf stored, raw;
	struct rframe *cgf;	/* cgroups frames (4.1), in file order */
	size_t ncgf, capcgf;
	const char *cgroup;	/* --cgroup on every sample, or NULL */
	struct ogframe *ogf;	/* origins frames (4.2), in file order */
	size_t nogf, capogf;
};

static void r_warn(struct record_reader *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void r_warn(struct record_reader *r, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (r->nwarn++ >= MAX_WARN)
		return;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	r->warn[r->nwarn - 1] = s;
}

/* Read exactly n bytes at off; 0, or -1 past the end or on error. */
static int src_read(const struct record_reader *r, uint64_t off, void *buf, size_t n)
{
	size_t done = 0;

	if (off > r->size || n > r->size - off)
		return -1;
	if (r->mem) {
		memcpy(buf, r->mem + off, n);
		return 0;
	}
	while (done < n) {
		ssize_t k = pread(r->fd, (uint8_t *)buf + done, n - done, (off_t)(off + done));

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		done += (size_t)k;
	}
	return 0;
}

/* Offset of the next frame magic at or after off, or r->size. */
static uint64_t resync(const struct record_reader *r, uint64_t off)
{
	uint8_t buf[65536];

	while (off + 4 <= r->size) {
		size_t n = r->size - off < sizeof(buf) ? (size_t)(r->size - off) : sizeof(buf);
		const uint8_t *hit;

		if (src_read(r, off, buf, n) < 0)
			return r->size;
		hit = memmem(buf, n, frame_magic, 4);
		if (hit)
			return off + (uint64_t)(hit - buf);
		if (n < 4)
			break;
		off += n - 3;
	}
	return r->size;
}

/* Read and check the payload of frame f into r->raw (decompressed). */
static int load_payload(struct record_reader *r, const struct rframe *f, int check)
{
	uint8_t hdr[FRAME_HDR];

	r->stored.len = 0;
	r->stored.oom = 0;
	if (rec_buf_need(&r->stored, (size_t)f->h.stored + 1) < 0)
		return -ENOMEM;
	if (src_read(r, f->off, hdr, FRAME_HDR) < 0 ||
	    src_read(r, f->off + FRAME_HDR, r->stored.p, f->h.stored) < 0)
		return -EIO;
	if (check && !(r->flags & RECORD_READ_NOCRC) &&
	    rec_frame_crc(hdr, r->stored.p, f->h.stored) != f->h.crc)
		return -EBADMSG;
	r->raw.len = 0;
	r->raw.oom = 0;
	if (rec_buf_need(&r->raw, (size_t)f->h.raw + 1) < 0)
		return -ENOMEM;
	if (f->h.flags & FR_FLAG_ZSTD) {
		size_t n = ZSTD_decompressDCtx(r->dctx, r->raw.p, f->h.raw, r->stored.p,
					       f->h.stored);

		if (ZSTD_isError(n) || n != f->h.raw)
			return -EBADMSG;
	} else {
		if (f->h.stored != f->h.raw)
			return -EBADMSG;
		if (f->h.raw)
			memcpy(r->raw.p, r->stored.p, f->h.raw);
	}
	r->raw.len = f->h.raw;
	return 0;
}

static int ev_push(struct record_reader *r, struct record_event *e)
{
	if (r->nev >= MAX_EVENTS)
		return -EFBIG;
	if (r->nev == r->capev) {
		size_t cap = r->capev ? r->capev * 2 : 16;
		struct record_event *nv = realloc(r->ev, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		r->ev = nv;
		r->capev = cap;
	}
	r->ev[r->nev++] = *e;
	return 0;
}

static int dec_event(struct record_reader *r, const struct rframe *f)
{
	struct cur c = { r->raw.p, r->raw.p + r->raw.len, 0, 0 };
	struct record_event e;
	int ret;

	memset(&e, 0, sizeof(e));
	e.time = f->h.time;
	e.offset = f->off;
	e.sample = f->h.seq;	/* a seq for now; mapped to an index later */
	switch (f->h.type) {
	case FR_NOTE: {
		uint64_t n = rec_get_u(&c);

		if (c.bad || n > MAX_NOTE || n > (uint64_t)(c.e - c.p))
			return -EBADMSG;
		e.type = RECORD_EV_NOTE;
		e.note = malloc((size_t)n + 1);
		if (!e.note)
			return -ENOMEM;
		memcpy(e.note, c.p, (size_t)n);
		e.note[n] = '\0';
		break;
	}
	case FR_FINDING:
		e.type = RECORD_EV_FINDING;
		e.finding_seq = (unsigned)rec_get_u(&c);
		if (rec_dec_finding(&c, &e.finding) < 0)
			return -EBADMSG;
		break;
	case FR_ACTION: {
		struct record_action *a;

		if (r->nactions >= MAX_ACTIONS)
			return -EFBIG;
		a = calloc(1, sizeof(*a));
		if (!a)
			return -ENOMEM;
		if (rec_dec_action(&c, a) < 0) {
			free(a);
			return -EBADMSG;
		}
		e.type = RECORD_EV_ACTION;
		e.action = a;
		r->nactions++;
		break;
	}
	default:
		return -EBADMSG;
	}
	ret = ev_push(r, &e);
	if (ret < 0) {
		free(e.note);
		free(e.action);
	}
	return ret;
}

static int frame_push(struct record_reader *r, uint64_t off, const struct frame_hdr *h)
{
	if (r->nframes == r->capframes) {
		size_t cap = r->capframes ? r->capframes * 2 : 256;
		struct rframe *nv;

		if (cap > SIZE_MAX / sizeof(*nv))
			return -ENOMEM;
		nv = realloc(r->frames, cap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		r->frames = nv;
		r->capframes = cap;
	}
	r->frames[r->nframes].off = off;
	r->frames[r->nframes].h = *h;
	r->nframes++;
	return 0;
}

/* An origins frame, and what it decoded to (kept until the reader is
 * freed: the samples given out point at it). */
struct ogframe {
	struct rframe f;
	struct origin *o;
	int tried;
};

static int ogframe_push(struct record_reader *r, uint64_t off, const struct frame_hdr *h)
{
	if (r->nogf == r->capogf) {
		size_t cap = r->capogf ? r->capogf * 2 : 64;
		struct ogframe *nv;

		if (cap > SIZE_MAX / sizeof(*nv))
			return -ENOMEM;
		nv = realloc(r->ogf, cap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		r->ogf = nv;
		r->capogf = cap;
	}
	r->ogf[r->nogf] = (struct ogframe){ { off, *h }, NULL, 0 };
	r->nogf++;
	return 0;
}

static int cgframe_push(struct record_reader *r, uint64_t off, const struct frame_hdr *h)
{
	if (r->ncgf == r->capcgf) {
		size_t cap = r->capcgf ? r->capcgf * 2 : 256;
		struct rframe *nv;

		if (cap > SIZE_MAX / sizeof(*nv))
			return -ENOMEM;
		nv = realloc(r->cgf, cap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		r->cgf = nv;
		r->capcgf = cap;
	}
	r->cgf[r->ncgf].off = off;
	r->cgf[r->ncgf].h = *h;
	r->ncgf++;
	return 0;
}

static int sample_push(struct record_reader *r, size_t frame, size_t key)
{
	if (r->nsamples == r->capsamples) {
		size_t cap = r->capsamples ? r->capsamples * 2 : 256;
		struct rsample *nv = realloc(r->samples, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		r->samples = nv;
		r->capsamples = cap;
	}
	r->samples[r->nsamples].frame = frame;
	r->samples[r->nsamples].key = key;
	r->nsamples++;
	return 0;
}

static int read_header(struct record_reader *r, uint64_t *end, struct lt_err *err)
{
	uint8_t fixed[FILE_HDR_FIXED], crcb[4], *all;
	uint32_t tlvlen, crc;

	if (src_read(r, 0, fixed, sizeof(fixed)) < 0 || memcmp(fixed, file_magic, 8))
		return lt_err_set(err, EBADMSG, "not a leaktop recording (no header magic)");
	r->hdr.major = (unsigned)rec_le_get(fixed + 8, 2);
	r->hdr.minor = (unsigned)rec_le_get(fixed + 10, 2);
	if (r->hdr.major > RECORD_FORMAT_MAJOR)
		return lt_err_set(err, EPROTONOSUPPORT, "recording format version %u.%u is "
				  "newer than this leaktop reads (%u.x): use a newer leaktop",
				  r->hdr.major, r->hdr.minor, RECORD_FORMAT_MAJOR);
	if (r->hdr.major == 0)
		return lt_err_set(err, EBADMSG, "recording format version 0 is not valid");
	tlvlen = (uint32_t)rec_le_get(fixed + 12, 4);
	if (tlvlen > MAX_HDR_TLV || src_read(r, sizeof(fixed) + tlvlen, crcb, 4) < 0)
		return lt_err_set(err, EBADMSG, "recording header damaged or cut short");
	all = malloc(sizeof(fixed) + tlvlen + 1);
	if (!all)
		return lt_err_set(err, ENOMEM, "out of memory");
	memcpy(all, fixed, sizeof(fixed));
	if (src_read(r, sizeof(fixed), all + sizeof(fixed), tlvlen) < 0) {
		free(all);
		return lt_err_set(err, EBADMSG, "recording header cut short");
	}
	crc = record_crc32c(0, all, sizeof(fixed) + tlvlen);
	if (crc != (uint32_t)rec_le_get(crcb, 4)) {
		r->hdr.damaged = 1;
		r_warn(r, "header: checksum mismatch, machine details may be wrong");
	}
	rec_dec_tlv(&r->hdr, all + sizeof(fixed), tlvlen);
	free(all);
	*end = sizeof(fixed) + tlvlen + 4;
	return 0;
}

/* Walk the frames, checking each; build the frame, sample and event lists. */
static int scan(struct record_reader *r, uint64_t off)
{
	uint8_t hb[FRAME_HDR];
	struct frame_hdr h;
	uint64_t bad_from = UINT64_MAX;
	int ret;

	while (off < r->size) {
		if (r->size - off < FRAME_HDR || src_read(r, off, hb, FRAME_HDR) < 0) {
			r_warn(r, "offset %" PRIu64 ": %" PRIu64 " bytes at the end are not a "
			       "whole frame (recording cut short); ignored", off, r->size - off);
			break;
		}
		rec_frame_hdr_get(hb, &h);
		if (memcmp(hb, frame_magic, 4) || hb[6] || hb[7] || h.stored > MAX_STORED ||
		    h.raw > MAX_RAW || h.type == 0) {
			if (bad_from == UINT64_MAX)
				bad_from = off;
			off = resync(r, off + 1);
			continue;
		}
		if (h.stored > r->size - off - FRAME_HDR) {
			r_warn(r, "offset %" PRIu64 ": frame runs past the end of the file "
			       "(cut short?); skipped", off);
			off = resync(r, off + 1);
			continue;
		}
		{
			struct rframe f = { off, h };

			ret = load_payload(r, &f, 1);
		}
		if (ret == -ENOMEM)
			return ret;
		if (ret < 0) {
			r_warn(r, "offset %" PRIu64 ": damaged frame (%s); skipped", off,
			       ret == -EBADMSG ? "checksum or compression" : "read error");
			off = resync(r, off + 1);
			continue;
		}
		if (bad_from != UINT64_MAX) {
			r_warn(r, "offsets %" PRIu64 "..%" PRIu64 ": not frames (damaged); "
			       "skipped", bad_from, off);
			bad_from = UINT64_MAX;
		}
		r->complete = h.type == FR_END;
		switch (h.type) {
		case FR_KEY:
		case FR_DELTA:
			if ((ret = frame_push(r, off, &h)) < 0)
				return ret;
			break;
		case FR_FINDING:
		case FR_ACTION:
		case FR_NOTE:
			ret = dec_event(r, &(struct rframe){ off, h });
			if (ret == -ENOMEM)
				return ret;
			if (ret < 0)
				r_warn(r, "offset %" PRIu64 ": event frame does not decode; "
				       "skipped", off);
			break;
		case FR_CGROUPS:
			if ((ret = cgframe_push(r, off, &h)) < 0)
				return ret;
			break;
		case FR_ORIGINS:
			if ((ret = ogframe_push(r, off, &h)) < 0)
				return ret;
			break;
		case FR_END:
			break;
		default:
			r_warn(r, "offset %" PRIu64 ": unknown frame type %u (a newer "
			       "leaktop?); skipped", off, h.type);
			break;
		}
		off += FRAME_HDR + h.stored;
	}
	if (bad_from != UINT64_MAX)
		r_warn(r, "offsets %" PRIu64 "..%" PRIu64 ": not frames (damaged); skipped",
		       bad_from, r->size);
	return 0;
}

/* Samples: a keyframe starts a chain; a delta joins it only if it follows
 * the previous sample of the chain directly. */
static int index_samples(struct record_reader *r)
{
	size_t i, key = 0;
	uint32_t last = 0;
	int in_chain = 0, ret;
	uint64_t lost_from = 0, lost_to = 0;

	for (i = 0; i < r->nframes; i++) {
		const struct rframe *f = &r->frames[i];

		if (f->h.type == FR_KEY) {
			in_chain = 1;
			key = r->nsamples;
		} else if (!in_chain || f->h.seq != last + 1) {
			if (!lost_from)
				lost_from = f->off;
			lost_to = f->off;
			in_chain = 0;
			continue;
		}
		if (lost_from) {
			r_warn(r, "offsets %" PRIu64 "..%" PRIu64 ": samples whose previous "
			       "sample is missing; skipped up to the next keyframe",
			       lost_from, lost_to);
			lost_from = 0;
		}
		last = f->h.seq;
		if ((ret = sample_push(r, i, key)) < 0)
			return ret;
	}
	if (lost_from)
		r_warn(r, "offsets %" PRIu64 "..%" PRIu64 ": samples whose previous sample "
		       "is missing; skipped", lost_from, lost_to);
	/* events: from the seq of the sample before them to its index */
	for (i = 0; i < r->nev; i++) {
		uint64_t seq = r->ev[i].sample;
		size_t lo = 0, hi = r->nsamples;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (r->frames[r->samples[mid].frame].h.seq <= seq)
				lo = mid + 1;
			else
				hi = mid;
		}
		r->ev[i].sample = lo ? lo - 1 : 0;
	}
	return 0;
}

static struct record_reader *reader_open(struct record_reader *r, struct lt_err *err)
{
	uint64_t off = 0;
	int ret;

	r->cur = -1;
	r->budget = RECORD_REPLAY_BUDGET;
	r->dctx = ZSTD_createDCtx();
	if (!r->dctx) {
		ret = lt_err_set(err, ENOMEM, "out of memory");
		goto fail;
	}
	if ((ret = read_header(r, &off, err)) < 0)
		goto fail;
	if ((ret = scan(r, off)) < 0 || (ret = index_samples(r)) < 0) {
		lt_err_set(err, -ret, "reading the recording: %s", strerror(-ret));
		goto fail;
	}
	return r;
fail:
	record_reader_free(r);
	errno = -ret;
	return NULL;
}

struct record_reader *record_reader_open(const char *path, struct lt_err *err)
{
	struct record_reader *r = calloc(1, sizeof(*r));
	struct stat st;
	int e;

	if (!r) {
		lt_err_set(err, ENOMEM, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0 || fstat(r->fd, &st) < 0) {
		e = errno;
		lt_err_set(err, e, "%s", strerror(e));	/* callers name the file */
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		e = EINVAL;
		lt_err_set(err, e, "not a regular file");
		goto fail;
	}
	r->size = (uint64_t)st.st_size;
	return reader_open(r, err);
fail:
	if (r->fd >= 0)
		close(r->fd);
	free(r);
	errno = e;
	return NULL;
}

struct record_reader *record_reader_open_mem(const void *buf, size_t len,
					     unsigned flags, struct lt_err *err)
{
	static const uint8_t empty;
	struct record_reader *r = calloc(1, sizeof(*r));

	if (!r) {
		lt_err_set(err, ENOMEM, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	r->fd = -1;
	r->mem = buf ? buf : &empty;
	r->size = buf ? len : 0;
	r->flags = flags;
	return reader_open(r, err);
}

void record_reader_free(struct record_reader *r)
{
	size_t i;
	int t;

	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	for (i = 0; i < r->nev; i++) {
		free(r->ev[i].note);
		free(r->ev[i].action);
	}
	free(r->ev);
	for (i = 0; i < r->nwarn && i < MAX_WARN; i++)
		free(r->warn[i]);
	for (t = 0; t < NT; t++)
		rec_rowset_free(&r->st[t]);
	rec_rowset_free(&r->tmp);
	free(r->frames);
	free(r->cgf);
	for (i = 0; i < r->nogf; i++)
		origin_free(r->ogf[i].o);
	free(r->ogf);
	free(r->samples);
	rec_buf_free(&r->stored);
	rec_buf_free(&r->raw);
	ZSTD_freeDCtx(r->dctx);
	free(r);
}

const struct record_header *record_reader_header(const struct record_reader *r)
{
	return &r->hdr;
}

size_t record_reader_nwarnings(const struct record_reader *r)
{
	return r->nwarn;
}

const char *record_reader_warning(const struct record_reader *r, size_t i)
{
	if (i >= r->nwarn)
		return NULL;
	/* only the first MAX_WARN are kept: the rest are counted */
	if (i >= MAX_WARN)
		return "(a further warning, not kept: the first 64 are)";
	return r->warn[i] ? r->warn[i] : "(out of memory formatting a warning)";
}

int record_reader_complete(const struct record_reader *r)
{
	return r->complete;
}

size_t record_reader_nsamples(const struct record_reader *r)
{
	return r->nsamples;
}

double record_reader_sample_time(const struct record_reader *r, size_t idx)
{
	return idx < r->nsamples ? r->frames[r->samples[idx].frame].h.time : 0;
}

unsigned record_reader_sample_seq(const struct record_reader *r, size_t idx)
{
	return idx < r->nsamples ? r->frames[r->samples[idx].frame].h.seq : 0;
}

/* Apply sample idx's frame to r->st. */
static int apply(struct record_reader *r, size_t idx)
{
	const struct rframe *f = &r->frames[r->samples[idx].frame];
	struct cur c;
	int t, ret;

	if ((ret = load_payload(r, f, 1)) < 0)
		return ret == -EIO ? -EBADMSG : ret;
	c = (struct cur){ r->raw.p, r->raw.p + r->raw.len, 0, 0 };
	if (rec_get_u(&c) != f->h.seq || rec_get_u(&c) != NT || c.bad)
		return -EBADMSG;
	for (t = 0; t < NT; t++) {
		uint64_t left = r->budget;
		int u;

		/* a table may use what the tables before it left */
		for (u = 0; u < t; u++)
			left -= rec_rowset_cost(&r->st[u], u) < left ? rec_rowset_cost(&r->st[u], u) : left;
		if (f->h.type == FR_KEY)
			ret = rec_dec_keyframe(&c, t, &r->st[t], left);
		else
			ret = rec_dec_delta(&c, t, r->hdr.major, r->hdr.minor, &r->st[t], &r->tmp, left);
		if (ret < 0)
			return ret;
	}
	return c.p == c.e ? 0 : -EBADMSG;
}

/* What the rows in st will take once decoded into a sample. */
static uint64_t state_cost(const struct record_reader *r)
{
	uint64_t sum = 0;
	int t;

	for (t = 0; t < NT; t++)
		sum += rec_rowset_cost(&r->st[t], t);
	return sum;
}

static const char *mib(uint64_t v, char *out, size_t outsz)
{
	snprintf(out, outsz, "%.1f MiB", (double)v / (1 << 20));
	return out;
}

/* The message of a sample that did not come out. */
static int sample_error(struct record_reader *r, size_t i, int ret, struct lt_err *err)
{
	uint64_t off = r->frames[r->samples[i].frame].off;
	char b1[32];

	switch (ret) {
	case -EFBIG:
		return lt_err_set(err, EFBIG, "offset %" PRIu64 ": sample %zu would decode to "
				  "more than the replay budget of %s (--replay-budget)", off, i,
				  mib(r->budget, b1, sizeof(b1)));
	case -EINTR:
		return lt_err_set(err, EINTR, "interrupted");
	case -ENOMEM:
		return lt_err_set(err, ENOMEM, "offset %" PRIu64 ": sample %zu needs more "
				  "memory than there is", off, i);
	}
	return lt_err_set(err, -ret, "offset %" PRIu64 ": sample %zu does not decode", off, i);
}

/*
 * The recorded machine, as the header says it: its name, its kernel
 * release (before 3.1 the first word of the uname text) and, when the boot
 * time is known, the uptime at the sample's time.
 */
static void sample_host(const struct record_header *h, struct sample *s)
{
	struct host_info *hi = &s->host;

	snprintf(hi->name, sizeof(hi->name), "%.*s", HOST_TEXT_MAX - 1, h->host);
	if (h->release[0])
		snprintf(hi->release, sizeof(hi->release), "%s", h->release);
	else
		snprintf(hi->release, sizeof(hi->release), "%.*s",
			 (int)strcspn(h->kernel, " "), h->kernel);
	hi->uptime = h->boot_time > 0 && s->time > h->boot_time ? s->time - h->boot_time : 0;
}

/*
 * The cgroups of the sample of seq, from the last cgroups frame that
 * names it (a recording before 4.1 has none: the sample has no cgroups);
 * then --cgroup's cut.  A frame that does not decode leaves the sample
 * without cgroups (the first time, a warning says so).  0 or -ENOMEM.
 */
static int sample_cgroups(struct record_reader *r, uint32_t seq, struct sample *s)
{
	const struct rframe *f = NULL;
	struct cur c;
	size_t i;
	int ret;

	for (i = r->ncgf; i-- > 0;)
		if (r->cgf[i].h.seq == seq) {
			f = &r->cgf[i];
			break;
		}
	if (!f)
		return 0;
	if ((ret = load_payload(r, f, 1)) < 0)
		return ret == -ENOMEM ? ret : 0;
	c = (struct cur){ r->raw.p, r->raw.p + r->raw.len, 0, 0 };
	if (rec_get_u(&c) != seq || c.bad)
		ret = -EBADMSG;
	else
		ret = rec_dec_cgroups(&c, s);
	if (ret < 0) {
		size_t k;

		for (k = 0; k < s->cgroups.n; k++)
			free(s->cgroups.v[k].path);
		free(s->cgroups.v);
		free(s->cgroups.of_proc);
		free(s->cgroups.of_sock);
		memset(&s->cgroups, 0, sizeof(s->cgroups));
		if (ret == -ENOMEM)
			return ret;
		r_warn(r, "offset %" PRIu64 ": the cgroups of sample %u do not decode; "
		       "left out", f->off, seq);
		return 0;
	}
	return r->cgroup ? sample_cgroups_cut(s, r->cgroup) : 0;
}

/*
 * The origins of the findings of the sample of seq (s, built), from the
 * origins frame of that seq (a recording before 4.2 has none, nor a
 * sample whose findings had none): decoded the first time, kept with the
 * frame.  A frame that does not decode leaves the sample without origins
 * (a warning says so).  0 or -ENOMEM.
 */
static int sample_origins(struct record_reader *r, uint32_t seq, struct sample *s)
{
	struct ogframe *g = NULL;
	struct cur c;
	size_t i;
	int ret;

	for (i = r->nogf; i-- > 0;)
		if (r->ogf[i].f.h.seq == seq) {
			g = &r->ogf[i];
			break;
		}
	if (!g)
		return 0;
	if (!g->tried) {
		if ((ret = load_payload(r, &g->f, 1)) < 0) {
			if (ret == -ENOMEM)
				return ret;
			g->tried = 1;
			return 0;
		}
		c = (struct cur){ r->raw.p, r->raw.p + r->raw.len, 0, 0 };
		if (rec_get_u(&c) != seq || c.bad)
			ret = -EBADMSG;
		else
			ret = rec_dec_origins(&c, s, &g->o);
		if (ret == -ENOMEM)
			return ret;
		g->tried = 1;
		if (ret < 0)
			r_warn(r, "offset %" PRIu64 ": the origins of sample %u do not decode; "
			       "left out", g->f.off, seq);
	}
	s->origin = g->o;
	return 0;
}

int record_reader_sample(struct record_reader *r, size_t idx, struct sample *out,
			 struct lt_err *err)
{
	size_t from, i;
	uint64_t cost;
	int ret;

	memset(out, 0, sizeof(*out));
	if (idx >= r->nsamples)
		return lt_err_set(err, ERANGE, "no sample %zu (the recording has %zu)",
				  idx, r->nsamples);
	if (r->cur >= 0 && (size_t)r->cur <= idx &&
	    r->samples[r->cur].key == r->samples[idx].key) {
		from = (size_t)r->cur + 1;
	} else {
		from = r->samples[idx].key;
	}
	for (i = from; i <= idx; i++) {
		if (lt_stop_requested) {
			r->cur = -1;
			return sample_error(r, i, -EINTR, err);
		}
		ret = apply(r, i);
		if (ret < 0) {
			r->cur = -1;
			return sample_error(r, i, ret, err);
		}
		r->cur = (ssize_t)i;
	}
	cost = state_cost(r);
	if (cost > r->budget)
		return sample_error(r, idx, -EFBIG, err);
	if (r->total && cost > r->total - (r->spent < r->total ? r->spent : r->total)) {
		char b1[32];

		return lt_err_set(err, EDQUOT, "stopped before sample %zu of %zu: the replay "
				  "budget of %s for this file is spent (--replay-budget raises "
				  "it)", idx + 1, r->nsamples, mib(r->total, b1, sizeof(b1)));
	}
	r->spent += cost;
	ret = rec_rows_to_sample(r->st, out);
	if (ret < 0) {
		sample_release(out);
		return sample_error(r, idx, ret, err);
	}
	sample_host(&r->hdr, out);
	ret = sample_cgroups(r, r->frames[r->samples[idx].frame].h.seq, out);
	if (ret >= 0)
		ret = sample_origins(r, r->frames[r->samples[idx].frame].h.seq, out);
	if (ret < 0) {
		sample_release(out);
		return sample_error(r, idx, ret, err);
	}
	return 0;
}

void record_reader_set_cgroup(struct record_reader *r, const char *arg)
{
	r->cgroup = arg;
}

void record_reader_set_budget(struct record_reader *r, uint64_t per_sample, uint64_t total)
{
	r->budget = per_sample ? per_sample : RECORD_REPLAY_BUDGET;
	r->total = total;
}

uint64_t record_reader_file_budget(const struct record_reader *r, uint64_t per_sample)
{
	uint64_t b = per_sample ? per_sample : RECORD_REPLAY_BUDGET;

	if (b > UINT64_MAX / RECORD_REPLAY_SAMPLES || r->size > UINT64_MAX / RECORD_REPLAY_RATIO)
		return UINT64_MAX;
	b *= RECORD_REPLAY_SAMPLES;
	return b > r->size * RECORD_REPLAY_RATIO ? b : r->size * RECORD_REPLAY_RATIO;
}

struct record_reader *record_reader_open_cut(const char *path, uint64_t per_sample,
					     int whole_file, const char *cgroup,
					     struct lt_err *err)
{
	struct record_reader *r = record_reader_open(path, err);

	if (!r)
		return NULL;
	/* a file may describe far more than it weighs: cap what it decodes to */
	record_reader_set_budget(r, per_sample, !whole_file || per_sample == UINT64_MAX ? 0 :
				 record_reader_file_budget(r, per_sample));
	record_reader_set_cgroup(r, cgroup);
	return r;
}

int record_reader_cgroup_ok(const char *cgroup, const struct sample *s, struct lt_err *err)
{
	if (cgroup && !s->cgroups.of_proc) {
		lt_err_set(err, EINVAL, "--cgroup: the recording carries no cgroups (written "
			   "before format 4.1, or they do not decode)");
		return -1;
	}
	return 0;
}

uint64_t record_reader_spent(const struct record_reader *r)
{
	return r->spent;
}

ssize_t record_reader_find_time(const struct record_reader *r, double t)
{
	size_t lo = 0, hi = r->nsamples;

	if (!r->nsamples)
		return -1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (record_reader_sample_time(r, mid) <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? (ssize_t)lo - 1 : 0;
}

size_t record_reader_nevents(const struct record_reader *r)
{
	return r->nev;
}

const struct record_event *record_reader_event(const struct record_reader *r, size_t i)
{
	return i < r->nev ? &r->ev[i] : NULL;
}

ssize_t record_reader_step_event(const struct record_reader *r, size_t idx, int dir,
				 unsigned mask)
{
	size_t i;

	if (dir > 0) {
		for (i = 0; i < r->nev; i++)
			if ((mask & (1u << r->ev[i].type)) && r->ev[i].sample > idx)
				return (ssize_t)r->ev[i].sample;
	} else {
		for (i = r->nev; i-- > 0;)
			if ((mask & (1u << r->ev[i].type)) && r->ev[i].sample < idx)
				return (ssize_t)r->ev[i].sample;
	}
	return -1;
}
