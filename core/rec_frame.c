/*
 * The recording's file header (a TLV list describing the session) and the
 * fixed header of each frame, and the parser for --record-max-size.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "rec_int.h"

/* ---- header ------------------------------------------------------------------ */

void record_header_live(struct record_header *h, const char *procroot,
			const char *version, double interval)
{
	struct host_info hi = { "", "", 0 };
	struct utsname u;
	struct timeval tv;
	char path[512], *buf = NULL;
	size_t len;

	memset(h, 0, sizeof(*h));
	h->major = RECORD_FORMAT_MAJOR;
	h->minor = RECORD_FORMAT_MINOR;
	host_read(procroot, &hi);
	if (hi.name[0])
		snprintf(h->host, sizeof(h->host), "%s", hi.name);
	else if (gethostname(h->host, sizeof(h->host) - 1) < 0)
		h->host[0] = '\0';
	snprintf(h->release, sizeof(h->release), "%s", hi.release);
	if (uname(&u) == 0) {
		snprintf(h->kernel, sizeof(h->kernel), "%s %s", u.release, u.version);
		snprintf(h->machine, sizeof(h->machine), "%.63s", u.machine);
	}
	if (lt_path(path, sizeof(path), procroot ? procroot : "/proc",
		    "sys/kernel/random/boot_id") == 0 &&
	    lt_read_file(path, &buf, &len, 256) == 0) {
		buf[strcspn(buf, "\n")] = '\0';
		snprintf(h->boot_id, sizeof(h->boot_id), "%s", buf);
	}
	free(buf);
	snprintf(h->version, sizeof(h->version), "%s", version ? version : "");
	gettimeofday(&tv, NULL);
	h->start_time = (double)tv.tv_sec + tv.tv_usec / 1e6;
	if (hi.uptime > 0)
		h->boot_time = h->start_time - hi.uptime;
	h->interval = interval;
	h->keyframe_every = RECORD_KEYFRAME_EVERY;
}

static void tlv_str(struct buf *b, int tag, const char *s, size_t max)
{
	uint8_t t[4];
	size_t n = strnlen(s, max);

	rec_le_put(t, (uint64_t)tag, 2);
	rec_le_put(t + 2, n, 2);
	rec_put_raw(b, t, 4);
	rec_put_raw(b, s, n);
}

static void tlv_num(struct buf *b, int tag, uint64_t v, int n)
{
	uint8_t t[12];

	rec_le_put(t, (uint64_t)tag, 2);
	rec_le_put(t + 2, (uint64_t)n, 2);
	rec_le_put(t + 4, v, n);
	rec_put_raw(b, t, 4 + (size_t)n);
}

int rec_enc_header(struct buf *b, const struct record_header *h)
{
	struct buf tlv = { 0 };
	uint8_t fixed[FILE_HDR_FIXED], crc[4];
	size_t start = b->len;

	tlv_str(&tlv, TAG_HOST, h->host, sizeof(h->host));
	tlv_str(&tlv, TAG_KERNEL, h->kernel, sizeof(h->kernel));
	tlv_str(&tlv, TAG_MACHINE, h->machine, sizeof(h->machine));
	tlv_str(&tlv, TAG_BOOT_ID, h->boot_id, sizeof(h->boot_id));
	tlv_str(&tlv, TAG_VERSION, h->version, sizeof(h->version));
	tlv_num(&tlv, TAG_START, rec_dbits(h->start_time), 8);
	tlv_num(&tlv, TAG_INTERVAL, rec_dbits(h->interval), 8);
	tlv_num(&tlv, TAG_KEYFRAME_EVERY, h->keyframe_every, 4);
	tlv_num(&tlv, TAG_COMPACTIONS, h->compactions, 4);
	tlv_num(&tlv, TAG_DROPPED, h->samples_dropped, 8);
	if (h->release[0])
		tlv_str(&tlv, TAG_RELEASE, h->release, sizeof(h->release));
	if (h->boot_time > 0)
		tlv_num(&tlv, TAG_BOOT_TIME, rec_dbits(h->boot_time), 8);
	memcpy(fixed, file_magic, 8);
	rec_le_put(fixed + 8, RECORD_FORMAT_MAJOR, 2);
	rec_le_put(fixed + 10, RECORD_FORMAT_MINOR, 2);
	rec_le_put(fixed + 12, tlv.len, 4);
	rec_put_raw(b, fixed, sizeof(fixed));
	rec_put_raw(b, tlv.p, tlv.len);
	rec_le_put(crc, record_crc32c(0, b->p + start, b->len - start), 4);
	rec_put_raw(b, crc, 4);
	rec_buf_free(&tlv);
	return b->oom ? -ENOMEM : 0;
}

static void tlv_copy(char *dst, size_t dstsz, const uint8_t *v, size_t n)
{
	if (n > dstsz - 1)
		n = dstsz - 1;
	memcpy(dst, v, n);
	dst[n] = '\0';
}

/* Decode TLVs (already read, length n); unknown tags are skipped. */
void rec_dec_tlv(struct record_header *h, const uint8_t *p, size_t n)
{
	size_t o = 0;

	while (n - o >= 4) {
		unsigned tag = (unsigned)rec_le_get(p + o, 2);
		size_t len = (size_t)rec_le_get(p + o + 2, 2);
		const uint8_t *v = p + o + 4;

		if (len > n - o - 4)
			break;
		switch (tag) {
		case TAG_HOST: tlv_copy(h->host, sizeof(h->host), v, len); break;
		case TAG_KERNEL: tlv_copy(h->kernel, sizeof(h->kernel), v, len); break;
		case TAG_MACHINE: tlv_copy(h->machine, sizeof(h->machine), v, len); break;
		case TAG_BOOT_ID: tlv_copy(h->boot_id, sizeof(h->boot_id), v, len); break;
		case TAG_VERSION: tlv_copy(h->version, sizeof(h->version), v, len); break;
		case TAG_RELEASE: tlv_copy(h->release, sizeof(h->release), v, len); break;
		case TAG_BOOT_TIME:
			if (len == 8)
				h->boot_time = rec_sane_d(rec_bitsd(rec_le_get(v, 8)));
			break;
		case TAG_START:
			if (len == 8)
				h->start_time = rec_sane_d(rec_bitsd(rec_le_get(v, 8)));
			break;
		case TAG_INTERVAL:
			if (len == 8)
				h->interval = rec_sane_d(rec_bitsd(rec_le_get(v, 8)));
			break;
		case TAG_KEYFRAME_EVERY:
			if (len == 4)
				h->keyframe_every = (unsigned)rec_le_get(v, 4);
			break;
		case TAG_COMPACTIONS:
			if (len == 4)
				h->compactions = (unsigned)rec_le_get(v, 4);
			break;
		case TAG_DROPPED:
			if (len == 8)
				h->samples_dropped = rec_le_get(v, 8);
			break;
		}
		o += 4 + len;
	}
}

/* ---- frames ------------------------------------------------------------------ */

void rec_frame_hdr_put(uint8_t *h, const struct frame_hdr *f)
{
	memcpy(h, frame_magic, 4);
	h[4] = f->type;
	h[5] = f->flags;
	rec_le_put(h + 6, 0, 2);
	rec_le_put(h + 8, f->stored, 4);
	rec_le_put(h + 12, f->raw, 4);
	rec_le_put(h + 16, f->seq, 4);
	rec_le_put(h + 20, 0, 4);
	rec_le_put(h + 24, rec_dbits(f->time), 8);
}

void rec_frame_hdr_get(const uint8_t *h, struct frame_hdr *f)
{
	f->type = h[4];
	f->flags = h[5];
	f->stored = (uint32_t)rec_le_get(h + 8, 4);
	f->raw = (uint32_t)rec_le_get(h + 12, 4);
	f->seq = (uint32_t)rec_le_get(h + 16, 4);
	f->crc = (uint32_t)rec_le_get(h + 20, 4);
	f->time = rec_sane_d(rec_bitsd(rec_le_get(h + 24, 8)));
}

/* CRC of a frame: the header with the CRC field zeroed, then the payload. */
uint32_t rec_frame_crc(const uint8_t *h, const uint8_t *payload, size_t n)
{
	uint8_t tmp[FRAME_HDR];
	uint32_t crc;

	memcpy(tmp, h, FRAME_HDR);
	memset(tmp + 20, 0, 4);
	crc = record_crc32c(0, tmp, FRAME_HDR);
	return record_crc32c(crc, payload, n);
}

/* ---- sizes ----------------------------------------------------------------- */

int record_parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;
	int shift = 0;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	}
	if (*end == 'i' || *end == 'I')
		end++;
	if (*end == 'b' || *end == 'B')
		end++;
	if (*end || (shift && v > (ULLONG_MAX >> shift)))
		return -EINVAL;
	*out = (uint64_t)v << shift;
	return 0;
}
