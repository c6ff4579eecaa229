/*
 * The recording writer: a sample becomes a keyframe or a delta frame,
 * findings, actions and notes become event frames; with --record-max-size
 * the oldest samples are dropped by rewriting the file (compaction).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "leaktop/origin.h"
#include "rec_int.h"

/* ---- writer ------------------------------------------------------------------- */

struct wframe {
	uint64_t off;
	uint32_t len;		/* header included */
	uint8_t type;
};

struct fkey {
	uint8_t kind, severity, suspected;
	int32_t pid, fd;
	uint64_t inode;
};

struct record_writer {
	char *path;
	int fd;
	uint64_t size, max_size;
	unsigned kf_every;
	int level;
	ZSTD_CCtx *cctx;
	struct record_header hdr;
	struct rowset prev[NT], cur[NT];
	int have_prev;
	unsigned since_key;
	uint64_t bytes_since_key;
	uint64_t nsamples;	/* sample frames written (their seq) */
	struct wframe *idx;
	size_t nidx, capidx;
	struct fkey *fprev;
	size_t nfprev;
	int err;		/* first write error (-errno), sticky */
	struct lt_err errmsg;
	struct buf payload, frame;
};

static int w_fail(struct record_writer *w, int e, const char *what)
{
	if (!w->err) {
		w->err = -e;
		lt_err_set(&w->errmsg, e, "recording %s: %s: %s", w->path, what, strerror(e));
	}
	return -e;
}

static int write_all(int fd, const void *p, size_t n)
{
	const uint8_t *q = p;

	while (n > 0) {
		ssize_t r = write(fd, q, n);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		q += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Build the frame (header + compressed payload) of w->payload in w->frame. */
static int build_frame(struct record_writer *w, int type, double time, uint32_t seq)
{
	struct frame_hdr fh = { .type = (uint8_t)type, .seq = seq, .time = time };
	size_t bound, n;
	uint32_t crc;

	if (w->payload.oom)
		return -ENOMEM;
	if (w->payload.len > MAX_RAW)
		return -EFBIG;
	w->frame.len = 0;
	bound = ZSTD_compressBound(w->payload.len);
	if (rec_buf_need(&w->frame, FRAME_HDR + bound) < 0)
		return -ENOMEM;
	if (w->level >= 0) {
		n = ZSTD_compressCCtx(w->cctx, w->frame.p + FRAME_HDR, bound, w->payload.p,
				      w->payload.len, w->level ? w->level : 3);
		if (ZSTD_isError(n))
			return -EIO;
		fh.flags = FR_FLAG_ZSTD;
	} else {
		n = w->payload.len;
		if (n)
			memcpy(w->frame.p + FRAME_HDR, w->payload.p, n);
	}
	if (n > MAX_STORED)
		return -EFBIG;
	fh.stored = (uint32_t)n;
	fh.raw = (uint32_t)w->payload.len;
	rec_frame_hdr_put(w->frame.p, &fh);
	crc = rec_frame_crc(w->frame.p, w->frame.p + FRAME_HDR, n);
	rec_le_put(w->frame.p + 20, crc, 4);
	w->frame.len = FRAME_HDR + n;
	return 0;
}

static int idx_push(struct record_writer *w, uint64_t off, uint32_t len, uint8_t type)
{
	if (w->nidx == w->capidx) {
		size_t cap = w->capidx ? w->capidx * 2 : 256;
		struct wframe *nv = realloc(w->idx, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		w->idx = nv;
		w->capidx = cap;
	}
	w->idx[w->nidx].off = off;
	w->idx[w->nidx].len = len;
	w->idx[w->nidx].type = type;
	w->nidx++;
	return 0;
}

static int is_event(uint8_t type)
{
	return type == FR_FINDING || type == FR_ACTION || type == FR_NOTE;
}

static int copy_range(int from, int to, uint64_t off, uint64_t len)
{
	uint8_t buf[65536];

	while (len > 0) {
		size_t n = len < sizeof(buf) ? (size_t)len : sizeof(buf);
		ssize_t r = pread(from, buf, n, (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -EIO;
		n = (size_t)r;
		if ((r = write_all(to, buf, n)) < 0)
			return (int)r;
		off += n;
		len -= n;
	}
	return 0;
}

/*
 * The file reached max_size: rewrite it as header + the events older than
 * the samples kept (newest first, up to a quarter of the cap) + the samples
 * from the oldest keyframe whose tail fits in half the cap.  Written to a
 * temporary file and renamed over, so a crash leaves one or the other.
 * *chain_kept says whether the previous sample survived (a delta may then
 * follow); if no keyframe fits, every sample is dropped.
 */
static int compact(struct record_writer *w, int *chain_kept)
{
	struct record_header h = w->hdr;
	struct buf hb = { 0 };
	struct wframe *nidx = NULL;
	uint8_t *keep = NULL;
	size_t k, i, nn = 0;
	uint64_t keep_from = w->size, evbytes = 0, dropped = 0, off;
	char *tmp = NULL, *dir = NULL;
	int fd = -1, r, dfd;

	*chain_kept = 0;
	for (k = 0; k < w->nidx; k++)
		if (w->idx[k].type == FR_KEY && w->size - w->idx[k].off <= w->max_size / 2) {
			keep_from = w->idx[k].off;
			*chain_kept = 1;
			break;
		}
	/* before keep_from: samples go; events stay, newest first, within a
	 * quarter of the cap */
	keep = calloc(k ? k : 1, 1);
	if (!keep) {
		r = -ENOMEM;
		goto out;
	}
	for (i = k; i-- > 0;) {
		if (w->idx[i].type == FR_KEY || w->idx[i].type == FR_DELTA)
			dropped++;
		else if (is_event(w->idx[i].type) &&
			 evbytes + w->idx[i].len <= w->max_size / 4) {
			keep[i] = 1;
			evbytes += w->idx[i].len;
		}
	}
	h.compactions++;
	h.samples_dropped += dropped;
	if ((r = rec_enc_header(&hb, &h)) < 0)
		goto out;
	if (asprintf(&tmp, "%s.XXXXXX", w->path) < 0) {
		tmp = NULL;
		r = -ENOMEM;
		goto out;
	}
	fd = mkstemp(tmp);
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	nidx = malloc((w->nidx ? w->nidx : 1) * sizeof(*nidx));
	if (!nidx) {
		r = -ENOMEM;
		goto out;
	}
	if ((r = write_all(fd, hb.p, hb.len)) < 0)
		goto out;
	off = hb.len;
	for (i = 0; i < k; i++) {
		if (!keep[i])
			continue;
		if ((r = copy_range(w->fd, fd, w->idx[i].off, w->idx[i].len)) < 0)
			goto out;
		nidx[nn].off = off;
		nidx[nn].len = w->idx[i].len;
		nidx[nn++].type = w->idx[i].type;
		off += w->idx[i].len;
	}
	if ((r = copy_range(w->fd, fd, keep_from, w->size - keep_from)) < 0)
		goto out;
	for (i = k; i < w->nidx; i++) {
		nidx[nn] = w->idx[i];
		nidx[nn++].off = w->idx[i].off - keep_from + off;
	}
	off += w->size - keep_from;
	if (fdatasync(fd) < 0 || rename(tmp, w->path) < 0) {
		r = -errno;
		goto out;
	}
	free(tmp);
	tmp = NULL;
	/* make the rename durable (best effort) */
	dir = strdup(w->path);
	if (dir) {
		dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
	}
	close(w->fd);
	w->fd = fd;
	fd = -1;
	free(w->idx);
	w->idx = nidx;
	nidx = NULL;
	w->nidx = nn;
	w->capidx = w->nidx ? w->nidx : 1;
	w->size = off;
	w->hdr = h;
	if (!*chain_kept)
		w->bytes_since_key = 0;
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	free(dir);
	free(nidx);
	free(keep);
	rec_buf_free(&hb);
	return r;
}

/* Append w->frame; compacts first when the cap would be passed. */
static int append_frame(struct record_writer *w, uint8_t type)
{
	int r;

	r = write_all(w->fd, w->frame.p, w->frame.len);
	if (r < 0)
		return w_fail(w, -r, "write");
	if (idx_push(w, w->size, (uint32_t)w->frame.len, type) < 0)
		return w_fail(w, ENOMEM, "index");
	w->size += w->frame.len;
	return 0;
}

/* Make room for w->frame under the cap.  *chain_kept as compact(). */
static int make_room(struct record_writer *w, int *chain_kept)
{
	int r;

	*chain_kept = 1;
	if (!w->max_size || w->size + w->frame.len <= w->max_size)
		return 0;
	r = compact(w, chain_kept);
	if (r < 0)
		return w_fail(w, -r, "dropping old samples");
	return 0;
}

struct record_writer *record_writer_new(const struct record_writer_config *cfg,
					struct lt_err *err)
{
	struct record_writer *w = calloc(1, sizeof(*w));
	struct buf hb = { 0 };
	struct stat st;
	int r, e;

	if (!w || !(w->path = strdup(cfg->path))) {
		free(w);
		lt_err_set(err, ENOMEM, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	w->fd = -1;
	if (cfg->max_size && cfg->max_size < RECORD_MIN_MAX_SIZE) {
		e = EINVAL;
		lt_err_set(err, e, "recording %s: a size cap of %" PRIu64 " bytes is below "
			   "the smallest (%u)", cfg->path, cfg->max_size, RECORD_MIN_MAX_SIZE);
		goto fail;
	}
	w->max_size = cfg->max_size;
	w->kf_every = cfg->keyframe_every ? cfg->keyframe_every : RECORD_KEYFRAME_EVERY;
	w->level = cfg->level;
	w->cctx = ZSTD_createCCtx();
	if (!w->cctx) {
		e = ENOMEM;
		lt_err_set(err, e, "out of memory");
		goto fail;
	}
	if (cfg->header)
		w->hdr = *cfg->header;
	else
		record_header_live(&w->hdr, cfg->procroot, cfg->version, cfg->interval);
	w->hdr.keyframe_every = w->kf_every;
	w->hdr.compactions = 0;
	w->hdr.samples_dropped = 0;
	w->fd = open(cfg->path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (w->fd < 0) {
		e = errno;
		lt_err_set(err, e, "recording %s: %s", cfg->path, strerror(e));
		goto fail;
	}
	/* the mode of open() applies to a new file only: an existing one
	 * (0644, say) is made private too, before anything is written */
	if (fstat(w->fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 07777) != 0600 &&
	    fchmod(w->fd, 0600) < 0) {
		e = errno;
		lt_err_set(err, e, "recording %s: cannot make it private (0600): %s", cfg->path,
			   strerror(e));
		goto fail;
	}
	r = rec_enc_header(&hb, &w->hdr);
	if (r == 0)
		r = write_all(w->fd, hb.p, hb.len);
	if (r < 0) {
		e = -r;
		lt_err_set(err, e, "recording %s: %s", cfg->path, strerror(e));
		goto fail;
	}
	w->size = hb.len;
	rec_buf_free(&hb);
	return w;
fail:
	rec_buf_free(&hb);
	if (w->fd >= 0)
		close(w->fd);
	ZSTD_freeCCtx(w->cctx);
	free(w->path);
	free(w);
	errno = e;
	return NULL;
}

static int fkey_rank(const struct fkey *a, const struct finding *x)
{
	return a->kind == x->kind && a->pid == x->pid && a->fd == x->fd &&
	       a->inode == x->inode;
}

/* Event frames for findings new or worse than in the previous sample. */
static int write_finding_events(struct record_writer *w, const struct sample *s)
{
	struct fkey *nk;
	size_t i, j;
	int r, kept;

	for (i = 0; i < s->findings.n; i++) {
		const struct finding *x = &s->findings.v[i];
		int news = 1;

		for (j = 0; j < w->nfprev; j++) {
			if (!fkey_rank(&w->fprev[j], x))
				continue;
			news = x->severity > w->fprev[j].severity ||
			       (w->fprev[j].suspected && !x->suspected);
			break;
		}
		if (!news)
			continue;
		w->payload.len = 0;
		rec_put_u(&w->payload, s->seq);
		rec_enc_finding(&w->payload, x);
		if ((r = build_frame(w, FR_FINDING, s->time, (uint32_t)w->nsamples)) < 0)
			return w_fail(w, -r, "encoding a finding");
		if ((r = make_room(w, &kept)) < 0 || (r = append_frame(w, FR_FINDING)) < 0)
			return r;
		if (!kept)
			w->have_prev = 0;
	}
	nk = rec_calloc1(s->findings.n, sizeof(*nk));
	if (!nk)
		return w_fail(w, ENOMEM, "findings");
	for (i = 0; i < s->findings.n; i++) {
		const struct finding *x = &s->findings.v[i];

		nk[i].kind = x->kind;
		nk[i].severity = x->severity;
		nk[i].suspected = x->suspected;
		nk[i].pid = x->pid;
		nk[i].fd = x->fd;
		nk[i].inode = x->inode;
	}
	free(w->fprev);
	w->fprev = nk;
	w->nfprev = s->findings.n;
	return 0;
}

/* A frame of its own after the sample just written, that older readers
 * skip: its number, then what enc writes of s; what names the step in
 * the writer's error ("encoding the cgroups"). */
static int write_after(struct record_writer *w, const struct sample *s, int type,
		       void (*enc)(struct buf *b, const struct sample *s), const char *what)
{
	int r, kept;

	w->payload.len = 0;
	w->payload.oom = 0;
	rec_put_u(&w->payload, w->nsamples);
	enc(&w->payload, s);
	if ((r = build_frame(w, type, s->time, (uint32_t)w->nsamples)) < 0)
		return w_fail(w, -r, what);
	if ((r = make_room(w, &kept)) < 0 || (r = append_frame(w, type)) < 0)
		return r;
	if (!kept)
		w->have_prev = 0;
	return 0;
}

/* The cgroups of the sample just written (format 4.1), in a frame of
 * their own that 4.0 readers skip; none without a process scan. */
static int write_cgroups(struct record_writer *w, const struct sample *s)
{
	if (!s->cgroups.of_proc || !s->cgroups.of_sock)
		return 0;
	return write_after(w, s, FR_CGROUPS, rec_enc_cgroups, "encoding the cgroups");
}

/* The origins of the findings of the sample just written (format 4.2), in
 * a frame of their own that older 4.x readers skip; none when no finding
 * has one (origins off, nothing watched, or a replay). */
static int write_origins(struct record_writer *w, const struct sample *s)
{
	if (!origin_nsums(s->origin))
		return 0;
	return write_after(w, s, FR_ORIGINS, rec_enc_origins, "encoding the origins");
}

/* Encode the sample payload (keyframe when key) from w->cur against w->prev. */
static int enc_sample(struct record_writer *w, int key)
{
	int t, r;

	w->payload.len = 0;
	w->payload.oom = 0;
	rec_put_u(&w->payload, w->nsamples + 1);
	rec_put_u(&w->payload, NT);
	for (t = 0; t < NT; t++) {
		if (key)
			rec_enc_keyframe(&w->payload, t, &w->cur[t]);
		else if ((r = rec_enc_delta(&w->payload, t, &w->prev[t], &w->cur[t])) < 0)
			return r;
	}
	return w->payload.oom ? -ENOMEM : 0;
}

int record_write_sample(struct record_writer *w, const struct sample *s,
			struct lt_err *err)
{
	int key, kept, r, t;

	if (w->err)
		goto fail;
	if ((r = rec_sample_to_rows(s, w->cur)) < 0) {
		w_fail(w, -r, "encoding a sample");
		goto fail;
	}
	key = !w->have_prev || w->since_key + 1 >= w->kf_every ||
	      (w->max_size && w->bytes_since_key > w->max_size / 8);
	if ((r = enc_sample(w, key)) < 0 ||
	    (r = build_frame(w, key ? FR_KEY : FR_DELTA, s->time,
			     (uint32_t)(w->nsamples + 1))) < 0) {
		w_fail(w, -r, "encoding a sample");
		goto fail;
	}
	if (make_room(w, &kept) < 0)
		goto fail;
	if (!key && !kept) {
		/* the samples it was a delta against are gone */
		key = 1;
		if ((r = enc_sample(w, 1)) < 0 ||
		    (r = build_frame(w, FR_KEY, s->time, (uint32_t)(w->nsamples + 1))) < 0) {
			w_fail(w, -r, "encoding a sample");
			goto fail;
		}
		if (make_room(w, &kept) < 0)
			goto fail;
	}
	if (w->max_size && w->size + w->frame.len > w->max_size) {
		w_fail(w, EFBIG, "one sample is larger than a quarter of --record-max-size");
		goto fail;
	}
	if (append_frame(w, key ? FR_KEY : FR_DELTA) < 0)
		goto fail;
	w->nsamples++;
	if (key) {
		w->since_key = 0;
		w->bytes_since_key = 0;
	} else {
		w->since_key++;
		w->bytes_since_key += w->frame.len;
	}
	for (t = 0; t < NT; t++) {
		struct rowset tmp = w->prev[t];

		w->prev[t] = w->cur[t];
		w->cur[t] = tmp;
	}
	w->have_prev = 1;
	if (write_cgroups(w, s) < 0 || write_origins(w, s) < 0 ||
	    write_finding_events(w, s) < 0)
		goto fail;
	if (fdatasync(w->fd) < 0 && errno != EINVAL && errno != EROFS) {
		w_fail(w, errno, "sync");
		goto fail;
	}
	return 0;
fail:
	if (err)
		*err = w->errmsg;
	return w->err;
}

static int write_event(struct record_writer *w, uint8_t type, double time)
{
	int r, kept;

	if (w->err)
		return w->err;
	if ((r = build_frame(w, type, time, (uint32_t)w->nsamples)) < 0)
		return w_fail(w, -r, "encoding an event");
	if ((r = make_room(w, &kept)) < 0 || (r = append_frame(w, type)) < 0)
		return r;
	/* a compaction that dropped every sample leaves no base for a delta */
	if (!kept)
		w->have_prev = 0;
	if (fdatasync(w->fd) < 0 && errno != EINVAL && errno != EROFS)
		return w_fail(w, errno, "sync");
	return 0;
}

int record_note(struct record_writer *w, double time, const char *text)
{
	size_t n = strnlen(text ? text : "", MAX_NOTE);

	if (!w)
		return -EINVAL;
	w->payload.len = 0;
	rec_put_u(&w->payload, n);
	rec_put_raw(&w->payload, text, n);
	return write_event(w, FR_NOTE, time);
}

int record_action(struct record_writer *w, const struct actions_audit *rec)
{
	w->payload.len = 0;
	rec_enc_action(&w->payload, rec);
	return write_event(w, FR_ACTION, rec->time);
}

void record_audit_hook(const struct actions_audit *rec, void *arg)
{
	if (arg)
		record_action(arg, rec);
}

uint64_t record_writer_size(const struct record_writer *w)
{
	return w->size;
}

uint64_t record_writer_samples(const struct record_writer *w)
{
	return w->nsamples;
}

int record_writer_close(struct record_writer *w, struct lt_err *err)
{
	int r, t;

	if (!w)
		return 0;
	if (!w->err) {
		w->payload.len = 0;
		rec_put_u(&w->payload, w->nsamples);
		r = build_frame(w, FR_END, 0, (uint32_t)w->nsamples);
		if (r < 0)
			w_fail(w, -r, "encoding the end");
		else if (append_frame(w, FR_END) == 0 && fsync(w->fd) < 0 &&
			 errno != EINVAL && errno != EROFS)
			w_fail(w, errno, "sync");
	}
	if (w->fd >= 0 && close(w->fd) < 0)
		w_fail(w, errno, "close");
	r = w->err;
	if (r && err)
		*err = w->errmsg;
	for (t = 0; t < NT; t++) {
		rec_rowset_free(&w->prev[t]);
		rec_rowset_free(&w->cur[t]);
	}
	ZSTD_freeCCtx(w->cctx);
	rec_buf_free(&w->payload);
	rec_buf_free(&w->frame);
	free(w->idx);
	free(w->fprev);
	free(w->path);
	free(w);
	return r;
}
