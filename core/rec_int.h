/*
 * Private to the recording code (core/rec_*.c); not part of the API.
 *
 * The recording is built in layers, one file each:
 *   rec_codec.c   bytes: CRC32C, little-endian words, varints, a growable
 *                 buffer to write into and a bounds-checked cursor to read
 *   rec_rows.c    tables: each table's field list, a sample cut into rows
 *                 and rows put back together into a sample
 *   rec_delta.c   a table as a keyframe (every row) or a delta (the rows
 *                 and fields that changed)
 *   rec_frame.c   the file header and the frame header
 *   rec_writer.c  the writer, with compaction under --record-max-size
 *   rec_reader.c  the reader, its index of frames and its replay budget
 * Names shared between these files start with rec_; the rest are static.
 */
#ifndef LEAKTOP_REC_INT_H
#define LEAKTOP_REC_INT_H

#include <stddef.h>
#include <stdint.h>

#include "leaktop/record.h"

/* ---- format constants ---------------------------------------------------- */

static const uint8_t file_magic[8] = { 'L', 'T', 'R', 'E', 'C', '\r', '\n', 0x1a };
static const uint8_t frame_magic[4] = { 'L', 'T', 'F', 'R' };

#define FILE_HDR_FIXED	16	/* magic, major, minor, TLV length */
#define FRAME_HDR	32
#define MAX_HDR_TLV	(64u << 10)
#define MAX_STORED	(64u << 20)	/* compressed payload of one frame */
#define MAX_RAW		(256u << 20)	/* decompressed payload of one frame */
#define MAX_ROWS	(4u << 20)	/* rows of one table */
#define MAX_STATE	(1024u << 20)	/* bytes of rows kept for one table */
#define MAX_STR		(1u << 20)	/* one string field */
#define MAX_NOTE	4096
#define MAX_EVENTS	100000
#define MAX_ACTIONS	10000
#define MAX_WARN	64

enum frame_type {
	FR_KEY = 1,	/* a sample, every table in full */
	FR_DELTA = 2,	/* a sample, changes since the previous one */
	FR_FINDING = 3,
	FR_ACTION = 4,
	FR_NOTE = 5,
	FR_END = 6,	/* the writer closed the file */
	FR_CGROUPS = 7,	/* 4.1: the cgroups of the sample of its seq */
	FR_ORIGINS = 8,	/* 4.2: the origins of its sample's findings */
};
#define MAX_CGROUPS	65536	/* rows of a cgroups frame */
#define MAX_CGROUP_DEPTH 128	/* its tree's depth (real ones: under 10) */

#define FR_FLAG_ZSTD 0x01

enum header_tag {
	TAG_HOST = 1, TAG_KERNEL, TAG_MACHINE, TAG_BOOT_ID, TAG_VERSION,
	TAG_START, TAG_INTERVAL, TAG_KEYFRAME_EVERY, TAG_COMPACTIONS, TAG_DROPPED,
	TAG_RELEASE, TAG_BOOT_TIME,	/* 3.1 */
};

/* ---- codec (rec_codec.c) ---------------------------------------------- */

struct buf {
	uint8_t *p;
	size_t len, cap;
	int oom;
};

struct cur {
	const uint8_t *p, *e;
	int bad;	/* ran past the end or met a malformed field */
	int oom;
};


/* ---- tables (rec_rows.c) --------------------------------------------------- */

/*
 * A table's rows: a key (the declared key fields, then a duplicate counter
 * so equal keys stay distinct) and the encoded fields.  Field types:
 * U varint, I zigzag varint, D 8-byte double, S nullable string, B blob.
 */
enum {
	T_META, T_SLAB, T_NETNS, T_SOCK, T_OWNER, T_FDPROC, T_PROC, T_FINDING,
	T_FDTAB, T_FDENT, NT
};

#define MAX_KEY 4

struct schema {
	const char *name;
	int nkey;		/* declared key fields; the dup counter follows */
	const char *types;	/* one letter per field, from rec_fields.h */
	int nf10;		/* fields a format 1.x row has */
	int nf20;		/* fields a format 2.x row has */
	int nf30;		/* fields a format 3.x row has, when 4.0 added
				 * some (findings), else 0 */
};

struct row {
	uint64_t key[MAX_KEY];
	uint32_t off, len;	/* fields in the rowset's buffer */
	uint32_t pos;		/* order the rows were added (writer) */
};

struct rowset {
	struct row *v;
	size_t n, cap;
	struct buf b;
	size_t dead;		/* bytes in b no row points at (reader) */
};

/* ---- frames (rec_frame.c) -------------------------------------------------- */

struct frame_hdr {
	uint8_t type, flags;
	uint32_t stored, raw, seq, crc;
	double time;
};


/* rec_codec.c */
void rec_le_put(uint8_t *p, uint64_t v, int n);
uint64_t rec_le_get(const uint8_t *p, int n);
uint64_t rec_dbits(double d);
double rec_bitsd(uint64_t u);
int rec_buf_need(struct buf *b, size_t n);
void rec_put_raw(struct buf *b, const void *p, size_t n);
void rec_put_u(struct buf *b, uint64_t v);
void rec_put_i(struct buf *b, int64_t v);
void rec_put_d(struct buf *b, double d);
void rec_put_s(struct buf *b, const char *s);
void rec_put_sa(struct buf *b, const char *s, size_t max);
void rec_put_b(struct buf *b, const void *p, size_t n);
void rec_buf_free(struct buf *b);
int rec_get_varint(const uint8_t **pp, const uint8_t *e, uint64_t *out);
uint64_t rec_get_u(struct cur *c);
int64_t rec_get_i(struct cur *c);
double rec_sane_d(double d);
double rec_get_d(struct cur *c);
int rec_get_span(struct cur *c, const uint8_t **s, size_t *n);
void rec_get_s(struct cur *c, char *dst, size_t dstsz);
char *rec_get_sdup(struct cur *c);
void rec_get_b(struct cur *c, void *dst, size_t max);

/* rec_rows.c */
extern const struct schema rec_schemas[NT];
extern const uint64_t rec_table_cap[NT];
int rec_schema_nf(int t);
int rec_schema_nf_of(int t, unsigned major, unsigned minor);
size_t rec_row_cost(int t);

void rec_rowset_clear(struct rowset *rs);
void rec_rowset_free(struct rowset *rs);
const uint8_t *rec_row_ptr(const struct rowset *rs, const struct row *r);
uint64_t rec_rowset_cost(const struct rowset *rs, int t);
int rec_key_cmp(const uint64_t *a, const uint64_t *b, int nk);
long rec_field_len(char ty, const uint8_t *p, const uint8_t *e);
int rec_row_spans(int t, const uint8_t *p, size_t len, uint32_t *offs);
void rec_enc_finding(struct buf *b, const struct finding *x);
int rec_sample_to_rows(const struct sample *s, struct rowset *rs);
int rec_dec_finding(struct cur *c, struct finding *x);
void *rec_calloc1(size_t n, size_t sz);
int rec_rows_to_sample(const struct rowset *rs, struct sample *s);
void rec_enc_action(struct buf *b, const struct actions_audit *au);
void rec_enc_cgroups(struct buf *b, const struct sample *s);
int rec_dec_cgroups(struct cur *c, struct sample *s);
int rec_dec_action(struct cur *c, struct record_action *au);

/* rec_origins.c: the origins of s's findings (s->origin), and back into a
 * replayed origin (*out, the caller's) against the sample they are of.
 * 0, -EBADMSG or -ENOMEM. */
struct origin;
void rec_enc_origins(struct buf *b, const struct sample *s);
int rec_dec_origins(struct cur *c, const struct sample *s, struct origin **out);

/* rec_delta.c */
void rec_enc_keyframe(struct buf *out, int t, const struct rowset *rs);
int rec_enc_delta(struct buf *out, int t, const struct rowset *prev,
		     const struct rowset *cur);
int rec_dec_keyframe(struct cur *c, int t, struct rowset *rs, uint64_t budget);
int rec_dec_delta(struct cur *c, int t, unsigned major, unsigned minor, struct rowset *st,
		     struct rowset *tmp, uint64_t budget);

/* rec_frame.c */
int rec_enc_header(struct buf *b, const struct record_header *h);
void rec_dec_tlv(struct record_header *h, const uint8_t *p, size_t n);
void rec_frame_hdr_put(uint8_t *h, const struct frame_hdr *f);
void rec_frame_hdr_get(const uint8_t *h, struct frame_hdr *f);
uint32_t rec_frame_crc(const uint8_t *h, const uint8_t *payload, size_t n);

#endif
