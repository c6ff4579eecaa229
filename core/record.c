/*
 * Recording writer and reader (doc/recording-format.md).
 *
 * A sample is cut into tables (meta, slab, netns, sockets, owners, fd
 * processes, processes, findings, fd tables, fd entries).  Each row is a key
 * and a run of typed fields (varints, doubles, strings); a keyframe holds
 * every row, a delta only the rows removed and, for rows added or changed,
 * the fields that changed.  The reader keeps the rows of the last sample it
 * rebuilt, so stepping forward costs one delta.
 *
 * Every byte the reader sees is untrusted: lengths are checked against
 * what is left, counts and allocations are capped, and a frame that does
 * not decode is reported with its offset and skipped.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <zstd.h>

#include "leaktop/record.h"
#include "leaktop/history.h"

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
};

#define FR_FLAG_ZSTD 0x01

enum header_tag {
	TAG_HOST = 1, TAG_KERNEL, TAG_MACHINE, TAG_BOOT_ID, TAG_VERSION,
	TAG_START, TAG_INTERVAL, TAG_KEYFRAME_EVERY, TAG_COMPACTIONS, TAG_DROPPED,
};

/* ---- CRC32C ----------------------------------------------------------------- */

static uint32_t crc_table[256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void)
{
	uint32_t i, j, c;

	for (i = 0; i < 256; i++) {
		c = i;
		for (j = 0; j < 8; j++)
			c = (c & 1) ? (c >> 1) ^ 0x82f63b78u : c >> 1;
		crc_table[i] = c;
	}
}

uint32_t record_crc32c(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	pthread_once(&crc_once, crc_init);
	crc = ~crc;
	while (len--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

/* ---- little-endian helpers and a growable buffer ---------------------------- */

static void le_put(uint8_t *p, uint64_t v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t le_get(const uint8_t *p, int n)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static uint64_t dbits(double d)
{
	uint64_t u;

	memcpy(&u, &d, sizeof(u));
	return u;
}

static double bitsd(uint64_t u)
{
	double d;

	memcpy(&d, &u, sizeof(d));
	return d;
}

struct buf {
	uint8_t *p;
	size_t len, cap;
	int oom;
};

static int buf_need(struct buf *b, size_t n)
{
	size_t cap;
	uint8_t *np;

	if (b->oom)
		return -1;
	if (n <= b->cap - b->len)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap - b->len < n) {
		if (cap > SIZE_MAX / 2) {
			b->oom = 1;
			return -1;
		}
		cap *= 2;
	}
	np = realloc(b->p, cap);
	if (!np) {
		b->oom = 1;
		return -1;
	}
	b->p = np;
	b->cap = cap;
	return 0;
}

static void put_raw(struct buf *b, const void *p, size_t n)
{
	if (n == 0 || buf_need(b, n) < 0)
		return;
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void put_u(struct buf *b, uint64_t v)
{
	uint8_t t[10];
	int n = 0;

	do {
		t[n] = (uint8_t)(v & 0x7f);
		v >>= 7;
		if (v)
			t[n] |= 0x80;
		n++;
	} while (v);
	put_raw(b, t, (size_t)n);
}

static void put_i(struct buf *b, int64_t v)
{
	put_u(b, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

static void put_d(struct buf *b, double d)
{
	uint8_t t[8];

	le_put(t, dbits(d), 8);
	put_raw(b, t, 8);
}

/* A nullable string: 0 for NULL, else length + 1 then the bytes. */
static void put_s(struct buf *b, const char *s)
{
	size_t n;

	if (!s) {
		put_u(b, 0);
		return;
	}
	n = strlen(s);
	if (n > MAX_STR)
		n = MAX_STR;
	put_u(b, (uint64_t)n + 1);
	put_raw(b, s, n);
}

/* A string out of a fixed array that may lack its NUL. */
static void put_sa(struct buf *b, const char *s, size_t max)
{
	size_t n = strnlen(s, max);

	put_u(b, (uint64_t)n + 1);
	put_raw(b, s, n);
}

static void put_b(struct buf *b, const void *p, size_t n)
{
	put_u(b, n);
	put_raw(b, p, n);
}

static void buf_free(struct buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* ---- a bounds-checked reading cursor -------------------------------------- */

struct cur {
	const uint8_t *p, *e;
	int bad;	/* ran past the end or met a malformed field */
	int oom;
};

static int get_varint(const uint8_t **pp, const uint8_t *e, uint64_t *out)
{
	const uint8_t *p = *pp;
	uint64_t v = 0;
	int shift = 0;

	while (p < e) {
		uint8_t c = *p++;

		if (shift == 63 && (c & 0x7e))
			return -1;	/* more than 64 bits */
		v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80)) {
			*pp = p;
			*out = v;
			return 0;
		}
		shift += 7;
		if (shift > 63)
			return -1;
	}
	return -1;
}

static uint64_t get_u(struct cur *c)
{
	uint64_t v;

	if (c->bad || get_varint(&c->p, c->e, &v) < 0) {
		c->bad = 1;
		return 0;
	}
	return v;
}

static int64_t get_i(struct cur *c)
{
	uint64_t v = get_u(c);

	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

/*
 * A recorded double, made safe for whoever converts it to an integer
 * (report.c rounds rates to uint64_t, times to time_t): NaN becomes 0 and
 * anything beyond +-1e15 is clamped.  Real figures are far inside.
 */
static double sane_d(double d)
{
	if (d != d)
		return 0;
	if (d > 1e15)
		return 1e15;
	if (d < -1e15)
		return -1e15;
	return d;
}

static double get_d(struct cur *c)
{
	uint64_t v;

	if (c->bad || c->e - c->p < 8) {
		c->bad = 1;
		return 0;
	}
	v = le_get(c->p, 8);
	c->p += 8;
	return sane_d(bitsd(v));
}

/* A nullable string: *s points into the buffer (not NUL-terminated). */
static int get_span(struct cur *c, const uint8_t **s, size_t *n)
{
	uint64_t v = get_u(c);

	if (c->bad)
		return -1;
	if (v == 0) {
		*s = NULL;
		*n = 0;
		return 0;
	}
	v--;
	if (v > MAX_STR || v > (uint64_t)(c->e - c->p)) {
		c->bad = 1;
		return -1;
	}
	*s = c->p;
	*n = (size_t)v;
	c->p += v;
	return 0;
}

/* Into a fixed array: cut to fit, always NUL-terminated; NULL gives "". */
static void get_s(struct cur *c, char *dst, size_t dstsz)
{
	const uint8_t *s;
	size_t n;

	dst[0] = '\0';
	if (get_span(c, &s, &n) < 0 || !s)
		return;
	if (n > dstsz - 1)
		n = dstsz - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* A malloc'd copy, or NULL for a NULL string (c->oom on failure). */
static char *get_sdup(struct cur *c)
{
	const uint8_t *s;
	size_t n;
	char *d;

	if (get_span(c, &s, &n) < 0 || !s)
		return NULL;
	d = malloc(n + 1);
	if (!d) {
		c->oom = 1;
		return NULL;
	}
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

static void get_b(struct cur *c, void *dst, size_t max)
{
	uint64_t n = get_u(c);

	memset(dst, 0, max);
	if (c->bad)
		return;
	if (n > max || n > (uint64_t)(c->e - c->p)) {
		c->bad = 1;
		return;
	}
	memcpy(dst, c->p, (size_t)n);
	c->p += n;
}

/* ---- tables ----------------------------------------------------------------- */

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
	const char *types;	/* one letter per field */
	int nf10;		/* fields a format 1.x row has, if fewer */
	int nf20;		/* fields a format 2.x row has, if fewer */
};

static const struct schema schemas[NT] = {
	[T_META] = { "meta", 0, "DDUUDI" "IIIII" "UUUUUU" "IU" "UUUUUUUU" "I"
			       "UUUUUUUU" "IUIUU" "UUUU" "IID" "UI" "UUUUUUUUUUUUUU", 50 },
	[T_SLAB] = { "slab", 1, "SUUUU" },
	[T_NETNS] = { "netns", 1, "UISUIS" "UUUUUUUUUUU" "UI" "I", 19 },
	[T_SOCK] = { "sockets", 3, "UUUUUUUU" "BUBU" "UUUUUUU" "S" "DDUUU" "UUUUUUDU", 25 },
	[T_OWNER] = { "owners", 3, "" },
	[T_FDPROC] = { "fd processes", 1, "IIS" },
	[T_PROC] = { "processes", 1, "IUSSSUDUUDIIIIIIDUDDIIDU" },
	[T_FINDING] = { "findings", 1, "UUUIIUUSDDSSSS" "IIS" "UUUDS", 14, 17 },
	[T_FDTAB] = { "fd tables", 1, "II" },
	[T_FDENT] = { "fd entries", 2, "IUUSUUUSDU" },
};

/* The most rows a table may hold in a replay, from what a live sample can
 * have: one meta row, the top slab caches, pid_max processes, 64k network
 * namespaces and fd tables.  The replay budget usually binds first. */
static const uint64_t table_cap[NT] = {
	[T_META] = 1, [T_SLAB] = MEMINFO_SLAB_TOP, [T_NETNS] = 1u << 16,
	[T_SOCK] = MAX_ROWS, [T_OWNER] = MAX_ROWS, [T_FDPROC] = 4194304,
	[T_PROC] = 4194304, [T_FINDING] = 1u << 18, [T_FDTAB] = 1u << 16,
	[T_FDENT] = MAX_ROWS,
};

static int schema_nf(int t)
{
	return (int)strlen(schemas[t].types);
}

/* Fields of table t in a file of format major.x: 1.x rows stop before the
 * fields 2.0 added (socket memory, the rest of SK_MEMINFO, unix senders,
 * victims, namespaces held by a socket). */
static int schema_nf_of(int t, unsigned major)
{
	if (major < 2 && schemas[t].nf10)
		return schemas[t].nf10;
	if (major < 3 && schemas[t].nf20)
		return schemas[t].nf20;
	return schema_nf(t);
}

/*
 * What a row of table t costs the reader once decoded: its entry in the
 * rowset and the structure rows_to_sample() makes of it.  Strings a row
 * carries are counted by its bytes (see sample_cost()).
 */
static size_t row_cost(int t);

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

static void rowset_clear(struct rowset *rs)
{
	rs->n = 0;
	rs->b.len = 0;
	rs->b.oom = 0;
	rs->dead = 0;
}

static void rowset_free(struct rowset *rs)
{
	free(rs->v);
	buf_free(&rs->b);
	memset(rs, 0, sizeof(*rs));
}

/* The fields of row r (never a null pointer, even for an empty set). */
static const uint8_t *row_ptr(const struct rowset *rs, const struct row *r)
{
	return rs->b.p ? rs->b.p + r->off : (const uint8_t *)"";
}

/* Start a row (writer); its fields are put into rs->b next. */
static struct row *row_begin(struct rowset *rs, uint64_t k0, uint64_t k1, uint64_t k2)
{
	struct row *r;

	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 64;
		struct row *nv = realloc(rs->v, cap * sizeof(*nv));

		if (!nv) {
			rs->b.oom = 1;
			return NULL;
		}
		rs->v = nv;
		rs->cap = cap;
	}
	r = &rs->v[rs->n];
	memset(r, 0, sizeof(*r));
	r->key[0] = k0;
	r->key[1] = k1;
	r->key[2] = k2;
	r->off = (uint32_t)rs->b.len;
	r->pos = (uint32_t)rs->n;
	rs->n++;
	return r;
}

static void row_end(struct rowset *rs, struct row *r)
{
	if (r)
		r->len = (uint32_t)(rs->b.len - r->off);
}

static size_t row_cost(int t)
{
	size_t c = sizeof(struct row);

	switch (t) {
	case T_META: return c + sizeof(struct sample);
	case T_SLAB: return c;	/* inside struct sample */
	case T_NETNS: return c + sizeof(struct sample_netns);
	case T_SOCK: return c + sizeof(struct ltsock) + sizeof(struct sock_rate) +
			    sizeof(uint32_t);
	case T_OWNER: return c + sizeof(struct fd_owner);
	case T_FDPROC: return c + sizeof(struct fd_proc);
	case T_PROC: return c + sizeof(struct proc_info);
	case T_FINDING: return c + sizeof(struct finding);
	case T_FDTAB: return c + sizeof(struct fd_table);
	case T_FDENT: return c + sizeof(struct fd_entry);
	}
	return c;
}

/* The reader's memory for the rows of rs once decoded: the rows, their
 * bytes, and as much again for strings copied out of them. */
static uint64_t rowset_cost(const struct rowset *rs, int t)
{
	return (uint64_t)rs->n * row_cost(t) + 2 * (uint64_t)(rs->b.len - rs->dead);
}

static int key_cmp(const uint64_t *a, const uint64_t *b, int nk)
{
	int i;

	for (i = 0; i < nk; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return 0;
}

static int sort_nkey;

static int cmp_row_pos(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int c = key_cmp(x->key, y->key, sort_nkey);

	if (c)
		return c;
	return (x->pos > y->pos) - (x->pos < y->pos);
}

/* Sort rows by key (stable) and number equal keys with the dup counter. */
static void rowset_finish(struct rowset *rs, int t)
{
	int nk = schemas[t].nkey;
	size_t i;

	sort_nkey = nk;
	if (rs->n > 1)
		qsort(rs->v, rs->n, sizeof(*rs->v), cmp_row_pos);
	for (i = 0; i < rs->n; i++)
		rs->v[i].key[nk] = (i > 0 && !key_cmp(rs->v[i].key, rs->v[i - 1].key, nk))
				   ? rs->v[i - 1].key[nk] + 1 : 0;
}

/* Length of one field of type ty at p (at most e); -1 if malformed. */
static long field_len(char ty, const uint8_t *p, const uint8_t *e)
{
	const uint8_t *q = p;
	uint64_t v;

	switch (ty) {
	case 'U':
	case 'I':
		if (get_varint(&q, e, &v) < 0)
			return -1;
		return q - p;
	case 'D':
		return e - p >= 8 ? 8 : -1;
	case 'S':
	case 'B':
		if (get_varint(&q, e, &v) < 0)
			return -1;
		if (ty == 'S' && v > 0)
			v--;
		if (v > MAX_STR || v > (uint64_t)(e - q))
			return -1;
		return (q - p) + (long)v;
	}
	return -1;
}

/* Field offsets of a row: offs[i] .. offs[i+1] is field i.  0, or -1 if
 * the row is not exactly its schema's fields. */
static int row_spans(int t, const uint8_t *p, size_t len, uint32_t *offs)
{
	const char *ty = schemas[t].types;
	const uint8_t *e = p + len;
	size_t o = 0;
	int i;

	for (i = 0; ty[i]; i++) {
		long l;

		if (((schemas[t].nf10 && i == schemas[t].nf10) ||
		     (schemas[t].nf20 && i == schemas[t].nf20)) && o == len)
			break;	/* a 1.x or 2.x row */
		l = field_len(ty[i], p + o, e);
		if (l < 0)
			return -1;
		offs[i] = (uint32_t)o;
		o += (size_t)l;
	}
	for (; ty[i]; i++)
		offs[i] = (uint32_t)o;
	offs[i] = (uint32_t)o;
	return o == len ? 0 : -1;
}

/* ---- sample -> rows (writer) ------------------------------------------------ */

static void enc_finding(struct buf *b, const struct finding *x)
{
	put_u(b, x->kind);
	put_u(b, x->severity);
	put_u(b, x->suspected);
	put_i(b, x->pid);
	put_i(b, x->fd);
	put_u(b, x->inode);
	put_u(b, x->netns);
	put_sa(b, x->comm, sizeof(x->comm));
	put_d(b, x->observed_s);
	put_d(b, x->score);
	put_s(b, x->action);
	put_sa(b, x->summary, sizeof(x->summary));
	put_sa(b, x->evidence, sizeof(x->evidence));
	put_sa(b, x->explanation, sizeof(x->explanation));
	/* format 2.0 */
	put_i(b, x->victim_pid);
	put_i(b, x->victim_fd);
	put_sa(b, x->victim_comm, sizeof(x->victim_comm));
	/* format 3.0: where the finding stands */
	put_u(b, x->state);
	put_u(b, x->mitigation);
	put_u(b, x->check);
	put_d(b, x->mitigated_at);
	put_sa(b, x->mitigation_note, sizeof(x->mitigation_note));
}

static size_t trimmed(const uint8_t *a, size_t n)
{
	while (n > 0 && a[n - 1] == 0)
		n--;
	return n;
}

static void enc_meta(struct buf *b, const struct sample *s)
{
	const struct meminfo_breakdown *m = &s->mem;
	int i;

	put_d(b, s->time);
	put_d(b, s->interval);
	put_u(b, s->seq);
	put_u(b, s->hidden);
	put_d(b, s->pss_age);
	put_i(b, s->as_root);
	put_i(b, s->census);
	put_i(b, s->census_complete);
	put_i(b, s->pid_filter);
	put_i(b, s->have_procs);
	put_i(b, s->have_mem_limits);
	for (i = 0; i < 3; i++)
		put_u(b, s->tcp_mem_limits[i]);
	for (i = 0; i < 3; i++)
		put_u(b, s->udp_mem_limits[i]);
	put_i(b, s->owners.hidden_procs);
	put_u(b, s->socks.n);
	put_u(b, m->total);
	put_u(b, m->free);
	put_u(b, m->available);
	put_u(b, m->page_cache);
	put_u(b, m->buffers);
	put_u(b, m->shmem);
	put_u(b, m->user_anon);
	put_u(b, m->kernel_known);
	put_i(b, m->unaccounted);
	put_u(b, m->slab_reclaimable);
	put_u(b, m->slab_unreclaimable);
	put_u(b, m->kernel_stack);
	put_u(b, m->page_tables);
	put_u(b, m->vmalloc);
	put_u(b, m->percpu);
	put_u(b, m->hugetlb);
	put_u(b, m->zswap);
	put_i(b, m->stacks_in_vmalloc);
	put_u(b, m->socket_queues);
	put_i(b, m->socket_queues_from_census);
	put_u(b, m->sockstat_tcp);
	put_u(b, m->sockstat_udp);
	put_u(b, m->pss.pss);
	put_u(b, m->pss.anon);
	put_u(b, m->pss.file);
	put_u(b, m->pss.shmem);
	put_i(b, m->pss.procs);
	put_i(b, m->pss.hidden);
	put_d(b, m->pss.time);
	put_u(b, s->slab.total);
	put_i(b, s->slab.readable);
	/* format 2.0: socket memory */
	put_u(b, m->socket_buffers);
	for (i = 0; i < MEMINFO_SOCK_GROUPS; i++)
		put_u(b, m->socket_group[i]);
	put_u(b, m->socket_recv);
	put_u(b, m->orphans);
	put_u(b, m->sockstat_orphans);
	put_u(b, m->sockstat_frag);
	put_u(b, s->nns_unknown);
	put_u(b, m->sockstat_slack);
}

static void enc_proc(struct buf *b, const struct proc_info *p)
{
	put_i(b, p->ppid);
	put_u(b, p->uid);
	put_sa(b, p->user, sizeof(p->user));
	put_sa(b, p->comm, sizeof(p->comm));
	put_s(b, p->cmdline);
	put_u(b, p->start_ticks);
	put_d(b, p->start_time);
	put_u(b, p->netns);
	put_u(b, p->pss);
	put_d(b, p->pss_age);
	put_i(b, p->nfds);
	put_i(b, p->fd_soft);
	put_i(b, p->fd_hard);
	put_i(b, p->nsockets);
	put_i(b, p->ghosts);
	put_i(b, p->ghosts_known);
	put_d(b, p->oldest_ghost_age);
	put_u(b, p->queued);
	put_d(b, p->fd_growth_per_hour);
	put_d(b, p->ghost_growth_per_hour);
	put_i(b, p->growth_known);
	put_i(b, p->fd_increase);
	put_d(b, p->exhaustion_s);
	put_u(b, p->hidden);
}

static void enc_sock(struct buf *b, const struct ltsock *k, const struct sock_rate *r)
{
	static const struct sock_rate none;

	if (!r)
		r = &none;
	put_u(b, k->family);
	put_u(b, k->type);
	put_u(b, k->state);
	put_u(b, k->source);
	put_u(b, k->protocol);
	put_u(b, k->have);
	put_u(b, k->ifindex);
	put_u(b, k->uid);
	put_b(b, k->local.addr, trimmed(k->local.addr, 16));
	put_u(b, k->local.port);
	put_b(b, k->peer.addr, trimmed(k->peer.addr, 16));
	put_u(b, k->peer.port);
	put_u(b, k->recv_q);
	put_u(b, k->send_q);
	put_u(b, k->rmem);
	put_u(b, k->rcvbuf);
	put_u(b, k->wmem);
	put_u(b, k->sndbuf);
	put_u(b, k->drops);
	put_s(b, k->path);
	put_d(b, r->growth_bps);
	put_d(b, r->drops_ps);
	put_u(b, r->known);
	put_u(b, r->flags);
	put_u(b, r->points);
	/* format 2.0 */
	put_u(b, k->fwd_alloc);
	put_u(b, k->wmem_queued);
	put_u(b, k->optmem);
	put_u(b, k->backlog);
	put_u(b, k->peer_q);
	put_u(b, k->npeer_q);
	put_d(b, r->send_growth_bps);
	put_u(b, k->npeer_blocked);
}

/* Cut s into the rows of every table.  0 or -ENOMEM. */
static int sample_to_rows(const struct sample *s, struct rowset *rs)
{
	struct row *r;
	size_t i, j;
	int t;

	for (t = 0; t < NT; t++)
		rowset_clear(&rs[t]);
	r = row_begin(&rs[T_META], 0, 0, 0);
	enc_meta(&rs[T_META].b, s);
	row_end(&rs[T_META], r);
	for (i = 0; i < (size_t)s->slab.n && i < MEMINFO_SLAB_TOP; i++) {
		const struct meminfo_slabcache *c = &s->slab.top[i];
		struct buf *b = &rs[T_SLAB].b;

		r = row_begin(&rs[T_SLAB], i, 0, 0);
		put_sa(b, c->name, sizeof(c->name));
		put_u(b, c->bytes);
		put_u(b, c->active_objs);
		put_u(b, c->num_objs);
		put_u(b, c->objsize);
		row_end(&rs[T_SLAB], r);
	}
	for (i = 0; i < s->nnetns; i++) {
		const struct sample_netns *n = &s->netns[i];
		struct buf *b = &rs[T_NETNS].b;
		uint64_t fb = 0;
		int k;

		r = row_begin(&rs[T_NETNS], i, 0, 0);
		put_u(b, n->ino);
		put_i(b, n->pid);
		put_sa(b, n->name, sizeof(n->name));
		put_u(b, n->nsockets);
		put_i(b, n->rep.entered);
		put_sa(b, n->rep.why, sizeof(n->rep.why));
		for (k = 0; k < SOCKDIAG_NKINDS; k++) {
			put_u(b, (uint64_t)n->rep.result[k]);
			if (n->rep.fallback[k])
				fb |= 1ull << k;
		}
		put_u(b, fb);
		put_i(b, n->rep.complete);
		put_i(b, n->held_by);	/* format 2.0 */
		row_end(&rs[T_NETNS], r);
	}
	for (i = 0; i < s->socks.n; i++) {
		const struct ltsock *k = &s->socks.v[i];

		r = row_begin(&rs[T_SOCK], k->inode, k->netns, k->cookie);
		enc_sock(&rs[T_SOCK].b, k, s->rates ? &s->rates[i] : NULL);
		row_end(&rs[T_SOCK], r);
	}
	for (i = 0; i < s->owners.nowners; i++) {
		const struct fd_owner *o = &s->owners.owners[i];

		r = row_begin(&rs[T_OWNER], o->inode, (uint32_t)o->pid, (uint32_t)o->fd);
		row_end(&rs[T_OWNER], r);
	}
	for (i = 0; i < s->owners.nprocs; i++) {
		const struct fd_proc *p = &s->owners.procs[i];
		struct buf *b = &rs[T_FDPROC].b;

		r = row_begin(&rs[T_FDPROC], (uint32_t)p->pid, 0, 0);
		put_i(b, p->nfds);
		put_i(b, p->nsockets);
		put_sa(b, p->comm, sizeof(p->comm));
		row_end(&rs[T_FDPROC], r);
	}
	for (i = 0; i < s->procs.n; i++) {
		r = row_begin(&rs[T_PROC], (uint32_t)s->procs.v[i].pid, 0, 0);
		enc_proc(&rs[T_PROC].b, &s->procs.v[i]);
		row_end(&rs[T_PROC], r);
	}
	for (i = 0; i < s->findings.n; i++) {
		r = row_begin(&rs[T_FINDING], i, 0, 0);
		enc_finding(&rs[T_FINDING].b, &s->findings.v[i]);
		row_end(&rs[T_FINDING], r);
	}
	for (i = 0; i < s->nfdtables; i++) {
		const struct fd_table *ft = &s->fdtables[i];

		r = row_begin(&rs[T_FDTAB], i, 0, 0);
		put_i(&rs[T_FDTAB].b, ft->pid);
		put_i(&rs[T_FDTAB].b, ft->hidden);
		row_end(&rs[T_FDTAB], r);
		for (j = 0; j < ft->n; j++) {
			const struct fd_entry *e = &ft->v[j];
			struct buf *b = &rs[T_FDENT].b;

			r = row_begin(&rs[T_FDENT], i, j, 0);
			put_i(b, e->fd);
			put_u(b, e->kind);
			put_u(b, e->ghost);
			put_s(b, e->target);
			put_u(b, e->inode);
			put_u(b, e->pos);
			put_u(b, e->flags);
			put_sa(b, e->sockproto, sizeof(e->sockproto));
			put_d(b, e->ghost_age);
			put_u(b, e->sock >= 0);
			row_end(&rs[T_FDENT], r);
		}
	}
	for (t = 0; t < NT; t++) {
		if (rs[t].b.oom || rs[t].b.len > UINT32_MAX)
			return -ENOMEM;
		rowset_finish(&rs[t], t);
	}
	return 0;
}

/* ---- table encoding: keyframes and deltas ---------------------------------- */

/* The key: the first field as a difference from the previous key's (rows
 * are sorted, so it is small), the others as they are. */
static void put_key(struct buf *b, const uint64_t *key, uint64_t *prev0, int nk)
{
	int i;

	put_u(b, key[0] - *prev0);
	*prev0 = key[0];
	for (i = 1; i < nk; i++)
		put_u(b, key[i]);
}

static int get_key(struct cur *c, uint64_t *key, uint64_t *prev0, int nk)
{
	uint64_t d = get_u(c);
	int i;

	if (c->bad || d > UINT64_MAX - *prev0)
		return -1;
	key[0] = *prev0 + d;
	*prev0 = key[0];
	for (i = 1; i < nk; i++)
		key[i] = get_u(c);
	for (; i < MAX_KEY; i++)
		key[i] = 0;
	return c->bad ? -1 : 0;
}

static void enc_keyframe(struct buf *out, int t, const struct rowset *rs)
{
	int nk = schemas[t].nkey + 1;
	uint64_t prev0 = 0;
	size_t i;

	put_u(out, rs->n);
	for (i = 0; i < rs->n; i++) {
		put_key(out, rs->v[i].key, &prev0, nk);
		put_b(out, row_ptr(rs, &rs->v[i]), rs->v[i].len);
	}
}

/*
 * What changed from prev to cur: removed keys, then upserts.  An upsert is
 * the key and a mask: 0 for a new row (every field follows), else bit i set
 * for each field i that changed (those fields follow).
 */
static int enc_delta(struct buf *out, int t, const struct rowset *prev,
		     const struct rowset *cur)
{
	int nk = schemas[t].nkey + 1, nf = schema_nf(t), f;
	struct buf rm = { 0 }, up = { 0 };
	uint64_t p0rm = 0, p0up = 0;
	size_t i = 0, j = 0, nrm = 0, nup = 0;
	uint32_t so[65], sn[65];
	int ret = 0;

	while (i < prev->n || j < cur->n) {
		const struct row *a = i < prev->n ? &prev->v[i] : NULL;
		const struct row *b = j < cur->n ? &cur->v[j] : NULL;
		int c = !a ? 1 : !b ? -1 : key_cmp(a->key, b->key, nk);

		if (c < 0) {
			put_key(&rm, a->key, &p0rm, nk);
			nrm++;
			i++;
			continue;
		}
		if (c > 0) {
			put_key(&up, b->key, &p0up, nk);
			put_u(&up, 0);
			put_raw(&up, row_ptr(cur, b), b->len);
			nup++;
			j++;
			continue;
		}
		i++;
		j++;
		if (a->len == b->len && !memcmp(row_ptr(prev, a), row_ptr(cur, b), a->len))
			continue;
		if (row_spans(t, row_ptr(prev, a), a->len, so) < 0 ||
		    row_spans(t, row_ptr(cur, b), b->len, sn) < 0) {
			ret = -EINVAL;	/* cannot happen: we encoded both */
			goto out;
		}
		{
			uint64_t mask = 0;

			for (f = 0; f < nf; f++) {
				uint32_t la = so[f + 1] - so[f], lb = sn[f + 1] - sn[f];

				if (la != lb || memcmp(row_ptr(prev, a) + so[f],
						       row_ptr(cur, b) + sn[f], la))
					mask |= 1ull << f;
			}
			put_key(&up, b->key, &p0up, nk);
			put_u(&up, mask);
			for (f = 0; f < nf; f++)
				if (mask & (1ull << f))
					put_raw(&up, row_ptr(cur, b) + sn[f], sn[f + 1] - sn[f]);
			nup++;
		}
	}
	put_u(out, nrm);
	put_raw(out, rm.p, rm.len);
	put_u(out, nup);
	put_raw(out, up.p, up.len);
	if (rm.oom || up.oom || out->oom)
		ret = -ENOMEM;
out:
	buf_free(&rm);
	buf_free(&up);
	return ret;
}

/* ---- table decoding (reader) ------------------------------------------------- */

static int rowset_push(struct rowset *rs, const uint64_t *key, const uint8_t *p, size_t len)
{
	struct row *r;

	if (rs->n >= MAX_ROWS || rs->b.len + len > MAX_STATE)
		return -EFBIG;
	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 64;
		struct row *nv = realloc(rs->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		rs->v = nv;
		rs->cap = cap;
	}
	r = &rs->v[rs->n];
	memcpy(r->key, key, sizeof(r->key));
	r->off = (uint32_t)rs->b.len;
	r->len = (uint32_t)len;
	r->pos = 0;
	put_raw(&rs->b, p, len);
	if (rs->b.oom)
		return -ENOMEM;
	rs->n++;
	return 0;
}

/* Rows the replay may not hold: above a table's cap or the budget left. */
static int too_many(int t, uint64_t n, uint64_t budget)
{
	return n > table_cap[t] || n > budget / row_cost(t);
}

static int dec_keyframe(struct cur *c, int t, struct rowset *rs, uint64_t budget)
{
	int nk = schemas[t].nkey + 1;
	uint64_t n = get_u(c), prev0 = 0, key[MAX_KEY];
	uint32_t offs[65];
	size_t i;
	int r;

	rowset_clear(rs);
	if (c->bad || n > (uint64_t)(c->e - c->p))
		return -EBADMSG;
	if (too_many(t, n, budget))
		return -EFBIG;	/* said before a row is decoded */
	for (i = 0; i < n; i++) {
		const uint8_t *p;
		uint64_t len;

		if ((i & 4095) == 4095 && lt_stop_requested)
			return -EINTR;

		if (get_key(c, key, &prev0, nk) < 0)
			return -EBADMSG;
		if (i > 0 && key_cmp(key, rs->v[rs->n - 1].key, nk) <= 0)
			return -EBADMSG;	/* keys must rise */
		len = get_u(c);
		if (c->bad || len > (uint64_t)(c->e - c->p))
			return -EBADMSG;
		p = c->p;
		c->p += len;
		if (row_spans(t, p, (size_t)len, offs) < 0)
			return -EBADMSG;
		r = rowset_push(rs, key, p, (size_t)len);
		if (r < 0)
			return r;
	}
	return rowset_cost(rs, t) > budget ? -EFBIG : 0;
}


struct upsert {
	uint64_t key[MAX_KEY];
	uint64_t mask;
	const uint8_t *p;	/* the fields that follow */
	size_t len;
};

/* The new fields of the row an upsert changes: the fields its mask names
 * from the upsert, the others from the old row o. */
static int upsert_row(int t, unsigned major, const struct upsert *u, const uint8_t *old,
		      size_t oldlen, struct buf *row)
{
	int nf = schema_nf_of(t, major), f;
	const char *ty = schemas[t].types;
	const uint8_t *q = u->p, *qe = u->p + u->len;
	uint32_t offs[65];

	row->len = 0;
	if (u->mask == 0) {	/* a whole row */
		if (row_spans(t, u->p, u->len, offs) < 0)
			return -EBADMSG;
		put_raw(row, u->p, u->len);
		return row->oom ? -ENOMEM : 0;
	}
	if (row_spans(t, old, oldlen, offs) < 0)
		return -EBADMSG;
	for (f = 0; f < nf; f++) {
		if (u->mask & (1ull << f)) {
			long l = field_len(ty[f], q, qe);

			if (l < 0)
				return -EBADMSG;
			put_raw(row, q, (size_t)l);
			q += l;
		} else {
			put_raw(row, old + offs[f], offs[f + 1] - offs[f]);
		}
	}
	return row->oom ? -ENOMEM : 0;
}

/* Index of the row with key in rs (sorted), or -1. */
static ssize_t row_find(const struct rowset *rs, const uint64_t *key, int nk)
{
	size_t lo = 0, hi = rs->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = key_cmp(rs->v[mid].key, key, nk);

		if (c == 0)
			return (ssize_t)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* Drop the bytes no row points at any more, once they are most of rs. */
static int rowset_compact(struct rowset *rs)
{
	struct buf nb = { 0 };
	size_t i;

	if (rs->dead < (64u << 10) || rs->dead < rs->b.len / 2)
		return 0;
	if (buf_need(&nb, rs->b.len - rs->dead + 1) < 0)
		return -ENOMEM;
	for (i = 0; i < rs->n; i++) {
		uint32_t off = (uint32_t)nb.len;

		put_raw(&nb, row_ptr(rs, &rs->v[i]), rs->v[i].len);
		rs->v[i].off = off;
	}
	buf_free(&rs->b);
	rs->b = nb;
	rs->dead = 0;
	return 0;
}

/*
 * Apply a delta to the rows in st.  A delta that only changes rows that are
 * there (the usual one: queues moved) is applied in place, costing its own
 * size; one that adds or removes rows is merged into tmp, which then
 * becomes st.  An empty delta costs nothing.
 */
static int dec_delta(struct cur *c, int t, unsigned major, struct rowset *st,
		     struct rowset *tmp, uint64_t budget)
{
	int nk = schemas[t].nkey + 1, nf = schema_nf_of(t, major), f;
	const char *ty = schemas[t].types;
	uint64_t nrm, nup, prev0 = 0, *rm = NULL;
	struct upsert *up = NULL;
	struct buf row = { 0 };
	ssize_t *at = NULL;
	size_t i, a, x, y;
	int r = -EBADMSG, inplace;

	nrm = get_u(c);
	if (c->bad || nrm > st->n || nrm > (uint64_t)(c->e - c->p))
		return -EBADMSG;
	rm = malloc((nrm ? nrm : 1) * sizeof(*rm) * MAX_KEY);
	if (!rm)
		return -ENOMEM;
	for (i = 0; i < nrm; i++) {
		if (get_key(c, rm + i * MAX_KEY, &prev0, nk) < 0)
			goto out;
		if (i > 0 && key_cmp(rm + i * MAX_KEY, rm + (i - 1) * MAX_KEY, nk) <= 0)
			goto out;
	}
	nup = get_u(c);
	if (c->bad || nup > (uint64_t)(c->e - c->p))
		goto out;
	if (nup > budget / row_cost(t)) {	/* the new rows alone are too many */
		r = -EFBIG;
		goto out;
	}
	up = malloc((nup ? nup : 1) * sizeof(*up));
	at = malloc((nup ? nup : 1) * sizeof(*at));
	if (!up || !at) {
		r = -ENOMEM;
		goto out;
	}
	prev0 = 0;
	inplace = nrm == 0;
	for (i = 0; i < nup; i++) {
		const uint8_t *start;

		if ((i & 4095) == 4095 && lt_stop_requested) {
			r = -EINTR;
			goto out;
		}
		if (get_key(c, up[i].key, &prev0, nk) < 0)
			goto out;
		if (i > 0 && key_cmp(up[i].key, up[i - 1].key, nk) <= 0)
			goto out;
		up[i].mask = get_u(c);
		if (c->bad || (nf < 64 && (up[i].mask >> nf)))
			goto out;
		start = c->p;
		for (f = 0; f < nf; f++) {
			long l;

			if (up[i].mask && !(up[i].mask & (1ull << f)))
				continue;
			l = field_len(ty[f], c->p, c->e);
			if (l < 0)
				goto out;
			c->p += l;
		}
		up[i].p = start;
		up[i].len = (size_t)(c->p - start);
		at[i] = inplace ? row_find(st, up[i].key, nk) : -1;
		if (at[i] < 0)
			inplace = 0;
	}
	if (inplace) {
		for (i = 0; i < nup; i++) {
			struct row *o = &st->v[at[i]];

			if ((r = upsert_row(t, major, &up[i], row_ptr(st, o), o->len, &row)) < 0)
				goto out;
			if (st->b.len + row.len > MAX_STATE) {
				r = -EFBIG;
				goto out;
			}
			st->dead += o->len;
			o->off = (uint32_t)st->b.len;
			o->len = (uint32_t)row.len;
			put_raw(&st->b, row.p, row.len);
			if (st->b.oom) {
				r = -ENOMEM;
				goto out;
			}
		}
		r = rowset_compact(st);
		goto out;
	}
	/* merge: old rows minus removals, with upserts applied or added */
	rowset_clear(tmp);
	r = -EBADMSG;
	a = 0;
	x = 0;
	y = 0;
	while (a < st->n || y < nup) {
		const struct row *o = a < st->n ? &st->v[a] : NULL;
		const struct upsert *u = y < nup ? &up[y] : NULL;
		int cmp = !o ? 1 : !u ? -1 : key_cmp(o->key, u->key, nk);

		if (((a + y) & 4095) == 4095 && lt_stop_requested) {
			r = -EINTR;
			goto out;
		}
		if (o && x < nrm && key_cmp(rm + x * MAX_KEY, o->key, nk) < 0)
			goto out;	/* removes a row that is not there */
		if (cmp < 0) {
			if (x < nrm && !key_cmp(rm + x * MAX_KEY, o->key, nk))
				x++;
			else if ((r = rowset_push(tmp, o->key, row_ptr(st, o), o->len)) < 0)
				goto out;
			r = -EBADMSG;
			a++;
			continue;
		}
		if (cmp > 0) {
			if (u->mask != 0)
				goto out;	/* changes a row that is not there */
		} else if (x < nrm && !key_cmp(rm + x * MAX_KEY, o->key, nk)) {
			goto out;	/* removed and changed at once */
		}
		if ((r = upsert_row(t, major, u, o && cmp == 0 ? row_ptr(st, o) : NULL,
				    o && cmp == 0 ? o->len : 0, &row)) < 0)
			goto out;
		if ((r = rowset_push(tmp, u->key, row.p, row.len)) < 0)
			goto out;
		r = -EBADMSG;
		if (cmp == 0)
			a++;
		y++;
	}
	if (x != nrm)
		goto out;
	{
		struct rowset sw = *st;

		*st = *tmp;
		*tmp = sw;
	}
	r = too_many(t, st->n, budget) || rowset_cost(st, t) > budget ? -EFBIG : 0;
out:
	free(rm);
	free(up);
	free(at);
	buf_free(&row);
	return r;
}

/* ---- rows -> sample (reader) ------------------------------------------------- */

static struct cur row_cur(const struct rowset *rs, size_t i)
{
	const uint8_t *p = row_ptr(rs, &rs->v[i]);
	struct cur c = { p, p + rs->v[i].len, 0, 0 };

	return c;
}

static void dec_meta(struct cur *c, struct sample *s)
{
	struct meminfo_breakdown *m = &s->mem;
	int i;

	s->time = get_d(c);
	s->interval = get_d(c);
	s->seq = (unsigned)get_u(c);
	s->hidden = (unsigned)get_u(c);
	s->pss_age = get_d(c);
	s->as_root = (int)get_i(c);
	s->census = (int)get_i(c);
	s->census_complete = (int)get_i(c);
	s->pid_filter = (int)get_i(c);
	s->have_procs = (int)get_i(c);
	s->have_mem_limits = (int)get_i(c);
	for (i = 0; i < 3; i++)
		s->tcp_mem_limits[i] = get_u(c);
	for (i = 0; i < 3; i++)
		s->udp_mem_limits[i] = get_u(c);
	s->owners.hidden_procs = (int)get_i(c);
	(void)get_u(c);		/* socket count: the rows say it */
	m->total = get_u(c);
	m->free = get_u(c);
	m->available = get_u(c);
	m->page_cache = get_u(c);
	m->buffers = get_u(c);
	m->shmem = get_u(c);
	m->user_anon = get_u(c);
	m->kernel_known = get_u(c);
	m->unaccounted = get_i(c);
	m->slab_reclaimable = get_u(c);
	m->slab_unreclaimable = get_u(c);
	m->kernel_stack = get_u(c);
	m->page_tables = get_u(c);
	m->vmalloc = get_u(c);
	m->percpu = get_u(c);
	m->hugetlb = get_u(c);
	m->zswap = get_u(c);
	m->stacks_in_vmalloc = (int)get_i(c);
	m->socket_queues = get_u(c);
	m->socket_queues_from_census = (int)get_i(c);
	m->sockstat_tcp = get_u(c);
	m->sockstat_udp = get_u(c);
	m->pss.pss = get_u(c);
	m->pss.anon = get_u(c);
	m->pss.file = get_u(c);
	m->pss.shmem = get_u(c);
	m->pss.procs = (int)get_i(c);
	m->pss.hidden = (int)get_i(c);
	m->pss.time = get_d(c);
	s->slab.total = get_u(c);
	s->slab.readable = (int)get_i(c);
	if (c->p < c->e) {	/* format 2.0: socket memory */
		m->socket_buffers = get_u(c);
		for (i = 0; i < MEMINFO_SOCK_GROUPS; i++)
			m->socket_group[i] = get_u(c);
		m->socket_recv = get_u(c);
		m->orphans = get_u(c);
		m->sockstat_orphans = get_u(c);
		m->sockstat_frag = get_u(c);
		s->nns_unknown = (size_t)get_u(c);	/* the count; no inodes */
		m->sockstat_slack = get_u(c);
	}
}

/* The literal for a recorded action name: findings point at literals. */
static const char *action_literal(const uint8_t *p, size_t n)
{
	int k;

	for (k = 1; k < ACTIONS_NKINDS; k++) {
		const char *name = actions_kind_name((enum actions_kind)k);

		if (strlen(name) == n && !memcmp(name, p, n))
			return name;
	}
	return NULL;
}

static int dec_finding(struct cur *c, struct finding *x)
{
	const uint8_t *a;
	size_t n;

	memset(x, 0, sizeof(*x));
	x->kind = (uint8_t)get_u(c);
	x->severity = (uint8_t)get_u(c);
	x->suspected = (uint8_t)get_u(c);
	x->pid = (int32_t)get_i(c);
	x->fd = (int32_t)get_i(c);
	x->inode = get_u(c);
	x->netns = get_u(c);
	get_s(c, x->comm, sizeof(x->comm));
	x->observed_s = get_d(c);
	x->score = get_d(c);
	if (get_span(c, &a, &n) == 0 && a)
		x->action = action_literal(a, n);
	get_s(c, x->summary, sizeof(x->summary));
	get_s(c, x->evidence, sizeof(x->evidence));
	get_s(c, x->explanation, sizeof(x->explanation));
	x->victim_pid = -1;
	x->victim_fd = -1;
	if (c->p < c->e) {	/* format 2.0 */
		x->victim_pid = (int32_t)get_i(c);
		x->victim_fd = (int32_t)get_i(c);
		get_s(c, x->victim_comm, sizeof(x->victim_comm));
	}
	/* before 3.0 the state is what the suspected bit said */
	x->state = x->suspected ? FINDING_SUSPECTED : FINDING_CONFIRMED;
	if (c->p < c->e) {	/* format 3.0 */
		x->state = (uint8_t)get_u(c);
		x->mitigation = (uint8_t)get_u(c);
		x->check = (uint8_t)get_u(c);
		x->mitigated_at = get_d(c);
		get_s(c, x->mitigation_note, sizeof(x->mitigation_note));
	}
	if (c->bad || x->kind >= FINDING_NKINDS || x->severity > FINDING_CRITICAL ||
	    x->state >= FINDING_NSTATES || x->mitigation >= ACTIONS_NKINDS ||
	    x->check >= FINDING_NCHECKS)
		return -EBADMSG;
	return 0;
}

static int dec_proc(struct cur *c, struct proc_info *p)
{
	p->ppid = (int32_t)get_i(c);
	p->uid = (uint32_t)get_u(c);
	get_s(c, p->user, sizeof(p->user));
	get_s(c, p->comm, sizeof(p->comm));
	p->cmdline = get_sdup(c);
	p->start_ticks = get_u(c);
	p->start_time = get_d(c);
	p->netns = get_u(c);
	p->pss = get_u(c);
	p->pss_age = get_d(c);
	p->nfds = (int32_t)get_i(c);
	p->fd_soft = get_i(c);
	p->fd_hard = get_i(c);
	p->nsockets = (int32_t)get_i(c);
	p->ghosts = (int32_t)get_i(c);
	p->ghosts_known = (int)get_i(c);
	p->oldest_ghost_age = get_d(c);
	p->queued = get_u(c);
	p->fd_growth_per_hour = get_d(c);
	p->ghost_growth_per_hour = get_d(c);
	p->growth_known = (int)get_i(c);
	p->fd_increase = (int32_t)get_i(c);
	p->exhaustion_s = get_d(c);
	p->hidden = (unsigned)get_u(c);
	if (c->oom)
		return -ENOMEM;
	return c->bad ? -EBADMSG : 0;
}

static int dec_sock(struct cur *c, struct ltsock *k, struct sock_rate *r)
{
	k->family = (uint8_t)get_u(c);
	k->type = (uint8_t)get_u(c);
	k->state = (uint8_t)get_u(c);
	k->source = (uint8_t)get_u(c);
	k->protocol = (uint16_t)get_u(c);
	k->have = (uint16_t)get_u(c);
	k->ifindex = (uint32_t)get_u(c);
	k->uid = (uint32_t)get_u(c);
	get_b(c, k->local.addr, 16);
	k->local.port = (uint16_t)get_u(c);
	get_b(c, k->peer.addr, 16);
	k->peer.port = (uint16_t)get_u(c);
	k->recv_q = (uint32_t)get_u(c);
	k->send_q = (uint32_t)get_u(c);
	k->rmem = (uint32_t)get_u(c);
	k->rcvbuf = (uint32_t)get_u(c);
	k->wmem = (uint32_t)get_u(c);
	k->sndbuf = (uint32_t)get_u(c);
	k->drops = (uint32_t)get_u(c);
	k->path = get_sdup(c);
	r->growth_bps = get_d(c);
	r->drops_ps = get_d(c);
	r->known = (uint8_t)get_u(c);
	r->flags = (uint8_t)(get_u(c) & SOCK_FLAG_ALL);
	r->points = (uint8_t)get_u(c);
	if (c->p < c->e) {	/* format 2.0: the whole SK_MEMINFO */
		k->fwd_alloc = (uint32_t)get_u(c);
		k->wmem_queued = (uint32_t)get_u(c);
		k->optmem = (uint32_t)get_u(c);
		k->backlog = (uint32_t)get_u(c);
		k->peer_q = (uint32_t)get_u(c);
		k->npeer_q = (uint16_t)get_u(c);
		r->send_growth_bps = get_d(c);
		k->npeer_blocked = (uint16_t)get_u(c);
	}
	if (c->oom)
		return -ENOMEM;
	return c->bad ? -EBADMSG : 0;
}

static void *calloc1(size_t n, size_t sz)
{
	return calloc(n ? n : 1, sz);
}

/* The socket index of inode in s (the first one), or -1. */
static int32_t sock_of_inode(const struct sample *s, uint64_t inode)
{
	size_t lo = 0, hi = s->socks.n;

	/* socks are in key order: by inode first */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->socks.v[mid].inode < inode)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->socks.n && s->socks.v[lo].inode == inode && lo <= INT32_MAX
	       ? (int32_t)lo : -1;
}

static int rows_to_sample(const struct rowset *rs, struct sample *s)
{
	struct cur c;
	size_t i, n;
	int r;

	memset(s, 0, sizeof(*s));
	if (rs[T_META].n != 1)
		return -EBADMSG;
	c = row_cur(&rs[T_META], 0);
	dec_meta(&c, s);
	if (c.bad)
		return -EBADMSG;
	if (rs[T_SLAB].n > MEMINFO_SLAB_TOP)
		return -EBADMSG;
	for (i = 0; i < rs[T_SLAB].n; i++) {
		struct meminfo_slabcache *sc = &s->slab.top[i];

		c = row_cur(&rs[T_SLAB], i);
		get_s(&c, sc->name, sizeof(sc->name));
		sc->bytes = get_u(&c);
		sc->active_objs = get_u(&c);
		sc->num_objs = get_u(&c);
		sc->objsize = get_u(&c);
		if (c.bad)
			return -EBADMSG;
	}
	s->slab.n = (int)rs[T_SLAB].n;

	n = rs[T_NETNS].n;
	s->netns = calloc1(n, sizeof(*s->netns));
	if (!s->netns)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		struct sample_netns *ns = &s->netns[i];
		uint64_t fb;
		int k;

		c = row_cur(&rs[T_NETNS], i);
		ns->ino = get_u(&c);
		ns->pid = (int)get_i(&c);
		get_s(&c, ns->name, sizeof(ns->name));
		ns->nsockets = (size_t)get_u(&c);
		ns->rep.entered = (int)get_i(&c);
		get_s(&c, ns->rep.why, sizeof(ns->rep.why));
		for (k = 0; k < SOCKDIAG_NKINDS; k++) {
			uint64_t v = get_u(&c);

			ns->rep.result[k] = v <= SOCKDIAG_FAILED ? (enum sockdiag_result)v
								 : SOCKDIAG_FAILED;
		}
		fb = get_u(&c);
		for (k = 0; k < SOCKDIAG_NKINDS; k++)
			ns->rep.fallback[k] = (fb >> k) & 1;
		ns->rep.complete = (int)get_i(&c);
		if (c.p < c.e)	/* format 2.0 */
			ns->held_by = (int)get_i(&c);
		if (c.bad)
			return -EBADMSG;
		s->nnetns++;
	}

	n = rs[T_SOCK].n;
	s->socks.v = calloc1(n, sizeof(*s->socks.v));
	s->rates = calloc1(n, sizeof(*s->rates));
	s->order = calloc1(n, sizeof(*s->order));
	if (!s->socks.v || !s->rates || !s->order)
		return -ENOMEM;
	s->socks.cap = n;
	for (i = 0; i < n; i++) {
		struct ltsock *k = &s->socks.v[i];

		if ((i & 4095) == 4095 && lt_stop_requested)
			return -EINTR;
		c = row_cur(&rs[T_SOCK], i);
		k->inode = rs[T_SOCK].v[i].key[0];
		k->netns = rs[T_SOCK].v[i].key[1];
		k->cookie = rs[T_SOCK].v[i].key[2];
		r = dec_sock(&c, k, &s->rates[i]);
		s->socks.n++;
		if (r < 0)
			return r;
	}
	/* the order the live sample had: the same rule, from history.c */
	history_order(&s->socks, s->rates, s->order);

	n = rs[T_OWNER].n;
	s->owners.owners = calloc1(n, sizeof(*s->owners.owners));
	if (!s->owners.owners)
		return -ENOMEM;
	s->owners.capowners = n;
	for (i = 0; i < n; i++) {
		struct fd_owner *o = &s->owners.owners[i];
		const uint64_t *key = rs[T_OWNER].v[i].key;

		o->inode = key[0];
		o->pid = (int32_t)(uint32_t)key[1];
		o->fd = (int32_t)(uint32_t)key[2];
		s->owners.nowners++;
	}
	n = rs[T_FDPROC].n;
	s->owners.procs = calloc1(n, sizeof(*s->owners.procs));
	if (!s->owners.procs)
		return -ENOMEM;
	s->owners.capprocs = n;
	for (i = 0; i < n; i++) {
		struct fd_proc *p = &s->owners.procs[i];

		c = row_cur(&rs[T_FDPROC], i);
		p->pid = (int32_t)(uint32_t)rs[T_FDPROC].v[i].key[0];
		p->nfds = (int32_t)get_i(&c);
		p->nsockets = (int32_t)get_i(&c);
		get_s(&c, p->comm, sizeof(p->comm));
		if (c.bad)
			return -EBADMSG;
		s->owners.nprocs++;
	}

	n = rs[T_PROC].n;
	s->procs.v = calloc1(n, sizeof(*s->procs.v));
	if (!s->procs.v)
		return -ENOMEM;
	s->procs.cap = n;
	for (i = 0; i < n; i++) {
		struct proc_info *p = &s->procs.v[i];

		if ((i & 4095) == 4095 && lt_stop_requested)
			return -EINTR;
		c = row_cur(&rs[T_PROC], i);
		p->pid = (int32_t)(uint32_t)rs[T_PROC].v[i].key[0];
		r = dec_proc(&c, p);
		s->procs.n++;
		if (r < 0)
			return r;
	}

	n = rs[T_FINDING].n;
	s->findings.v = calloc1(n, sizeof(*s->findings.v));
	if (!s->findings.v)
		return -ENOMEM;
	s->findings.cap = n;
	for (i = 0; i < n; i++) {
		if ((i & 4095) == 4095 && lt_stop_requested)
			return -EINTR;
		c = row_cur(&rs[T_FINDING], i);
		if (dec_finding(&c, &s->findings.v[i]) < 0)
			return -EBADMSG;
		s->findings.n++;
	}

	n = rs[T_FDTAB].n;
	if (n) {
		s->fdtables = calloc(n, sizeof(*s->fdtables));
		if (!s->fdtables)
			return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		struct fd_table *ft = &s->fdtables[i];

		c = row_cur(&rs[T_FDTAB], i);
		ft->pid = (int32_t)get_i(&c);
		ft->hidden = (int)get_i(&c);
		if (c.bad || rs[T_FDTAB].v[i].key[0] != i)
			return -EBADMSG;
		s->nfdtables++;
	}
	for (i = 0; i < rs[T_FDENT].n; i++) {
		uint64_t tab = rs[T_FDENT].v[i].key[0];
		struct fd_table *ft;
		struct fd_entry *e;

		if ((i & 4095) == 4095 && lt_stop_requested)
			return -EINTR;
		if (tab >= s->nfdtables)
			return -EBADMSG;
		ft = &s->fdtables[tab];
		if (ft->n == ft->cap) {
			size_t cap = ft->cap ? ft->cap * 2 : 16;
			struct fd_entry *nv = realloc(ft->v, cap * sizeof(*nv));

			if (!nv)
				return -ENOMEM;
			ft->v = nv;
			ft->cap = cap;
		}
		e = &ft->v[ft->n];
		memset(e, 0, sizeof(*e));
		c = row_cur(&rs[T_FDENT], i);
		e->fd = (int32_t)get_i(&c);
		e->kind = (uint8_t)get_u(&c);
		e->ghost = (uint8_t)get_u(&c);
		e->target = get_sdup(&c);
		e->inode = get_u(&c);
		e->pos = get_u(&c);
		e->flags = (uint32_t)get_u(&c);
		get_s(&c, e->sockproto, sizeof(e->sockproto));
		e->ghost_age = get_d(&c);
		e->sock = get_u(&c) ? sock_of_inode(s, e->inode) : -1;
		ft->n++;
		if (c.oom)
			return -ENOMEM;
		if (c.bad || e->kind >= FD_NKINDS || e->ghost > FD_GHOST_UNKNOWN)
			return -EBADMSG;
	}
	return 0;
}

/* ---- header ------------------------------------------------------------------ */

void record_header_live(struct record_header *h, const char *procroot,
			const char *version, double interval)
{
	struct utsname u;
	struct timeval tv;
	char path[512], *buf = NULL;
	size_t len;

	memset(h, 0, sizeof(*h));
	h->major = RECORD_FORMAT_MAJOR;
	h->minor = RECORD_FORMAT_MINOR;
	if (gethostname(h->host, sizeof(h->host) - 1) < 0)
		h->host[0] = '\0';
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
	h->interval = interval;
	h->keyframe_every = RECORD_KEYFRAME_EVERY;
}

static void tlv_str(struct buf *b, int tag, const char *s, size_t max)
{
	uint8_t t[4];
	size_t n = strnlen(s, max);

	le_put(t, (uint64_t)tag, 2);
	le_put(t + 2, n, 2);
	put_raw(b, t, 4);
	put_raw(b, s, n);
}

static void tlv_num(struct buf *b, int tag, uint64_t v, int n)
{
	uint8_t t[12];

	le_put(t, (uint64_t)tag, 2);
	le_put(t + 2, (uint64_t)n, 2);
	le_put(t + 4, v, n);
	put_raw(b, t, 4 + (size_t)n);
}

static int enc_header(struct buf *b, const struct record_header *h)
{
	struct buf tlv = { 0 };
	uint8_t fixed[FILE_HDR_FIXED], crc[4];
	size_t start = b->len;

	tlv_str(&tlv, TAG_HOST, h->host, sizeof(h->host));
	tlv_str(&tlv, TAG_KERNEL, h->kernel, sizeof(h->kernel));
	tlv_str(&tlv, TAG_MACHINE, h->machine, sizeof(h->machine));
	tlv_str(&tlv, TAG_BOOT_ID, h->boot_id, sizeof(h->boot_id));
	tlv_str(&tlv, TAG_VERSION, h->version, sizeof(h->version));
	tlv_num(&tlv, TAG_START, dbits(h->start_time), 8);
	tlv_num(&tlv, TAG_INTERVAL, dbits(h->interval), 8);
	tlv_num(&tlv, TAG_KEYFRAME_EVERY, h->keyframe_every, 4);
	tlv_num(&tlv, TAG_COMPACTIONS, h->compactions, 4);
	tlv_num(&tlv, TAG_DROPPED, h->samples_dropped, 8);
	memcpy(fixed, file_magic, 8);
	le_put(fixed + 8, RECORD_FORMAT_MAJOR, 2);
	le_put(fixed + 10, RECORD_FORMAT_MINOR, 2);
	le_put(fixed + 12, tlv.len, 4);
	put_raw(b, fixed, sizeof(fixed));
	put_raw(b, tlv.p, tlv.len);
	le_put(crc, record_crc32c(0, b->p + start, b->len - start), 4);
	put_raw(b, crc, 4);
	buf_free(&tlv);
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
static void dec_tlv(struct record_header *h, const uint8_t *p, size_t n)
{
	size_t o = 0;

	while (n - o >= 4) {
		unsigned tag = (unsigned)le_get(p + o, 2);
		size_t len = (size_t)le_get(p + o + 2, 2);
		const uint8_t *v = p + o + 4;

		if (len > n - o - 4)
			break;
		switch (tag) {
		case TAG_HOST: tlv_copy(h->host, sizeof(h->host), v, len); break;
		case TAG_KERNEL: tlv_copy(h->kernel, sizeof(h->kernel), v, len); break;
		case TAG_MACHINE: tlv_copy(h->machine, sizeof(h->machine), v, len); break;
		case TAG_BOOT_ID: tlv_copy(h->boot_id, sizeof(h->boot_id), v, len); break;
		case TAG_VERSION: tlv_copy(h->version, sizeof(h->version), v, len); break;
		case TAG_START:
			if (len == 8)
				h->start_time = sane_d(bitsd(le_get(v, 8)));
			break;
		case TAG_INTERVAL:
			if (len == 8)
				h->interval = sane_d(bitsd(le_get(v, 8)));
			break;
		case TAG_KEYFRAME_EVERY:
			if (len == 4)
				h->keyframe_every = (unsigned)le_get(v, 4);
			break;
		case TAG_COMPACTIONS:
			if (len == 4)
				h->compactions = (unsigned)le_get(v, 4);
			break;
		case TAG_DROPPED:
			if (len == 8)
				h->samples_dropped = le_get(v, 8);
			break;
		}
		o += 4 + len;
	}
}

/* ---- frames ------------------------------------------------------------------ */

struct frame_hdr {
	uint8_t type, flags;
	uint32_t stored, raw, seq, crc;
	double time;
};

static void frame_hdr_put(uint8_t *h, const struct frame_hdr *f)
{
	memcpy(h, frame_magic, 4);
	h[4] = f->type;
	h[5] = f->flags;
	le_put(h + 6, 0, 2);
	le_put(h + 8, f->stored, 4);
	le_put(h + 12, f->raw, 4);
	le_put(h + 16, f->seq, 4);
	le_put(h + 20, 0, 4);
	le_put(h + 24, dbits(f->time), 8);
}

static void frame_hdr_get(const uint8_t *h, struct frame_hdr *f)
{
	f->type = h[4];
	f->flags = h[5];
	f->stored = (uint32_t)le_get(h + 8, 4);
	f->raw = (uint32_t)le_get(h + 12, 4);
	f->seq = (uint32_t)le_get(h + 16, 4);
	f->crc = (uint32_t)le_get(h + 20, 4);
	f->time = sane_d(bitsd(le_get(h + 24, 8)));
}

/* CRC of a frame: the header with the CRC field zeroed, then the payload. */
static uint32_t frame_crc(const uint8_t *h, const uint8_t *payload, size_t n)
{
	uint8_t tmp[FRAME_HDR];
	uint32_t crc;

	memcpy(tmp, h, FRAME_HDR);
	memset(tmp + 20, 0, 4);
	crc = record_crc32c(0, tmp, FRAME_HDR);
	return record_crc32c(crc, payload, n);
}

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
	if (buf_need(&w->frame, FRAME_HDR + bound) < 0)
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
	frame_hdr_put(w->frame.p, &fh);
	crc = frame_crc(w->frame.p, w->frame.p + FRAME_HDR, n);
	le_put(w->frame.p + 20, crc, 4);
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
	if ((r = enc_header(&hb, &h)) < 0)
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
	buf_free(&hb);
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
	r = enc_header(&hb, &w->hdr);
	if (r == 0)
		r = write_all(w->fd, hb.p, hb.len);
	if (r < 0) {
		e = -r;
		lt_err_set(err, e, "recording %s: %s", cfg->path, strerror(e));
		goto fail;
	}
	w->size = hb.len;
	buf_free(&hb);
	return w;
fail:
	buf_free(&hb);
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
		put_u(&w->payload, s->seq);
		enc_finding(&w->payload, x);
		if ((r = build_frame(w, FR_FINDING, s->time, (uint32_t)w->nsamples)) < 0)
			return w_fail(w, -r, "encoding a finding");
		if ((r = make_room(w, &kept)) < 0 || (r = append_frame(w, FR_FINDING)) < 0)
			return r;
		if (!kept)
			w->have_prev = 0;
	}
	nk = calloc1(s->findings.n, sizeof(*nk));
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

/* Encode the sample payload (keyframe when key) from w->cur against w->prev. */
static int enc_sample(struct record_writer *w, int key)
{
	int t, r;

	w->payload.len = 0;
	w->payload.oom = 0;
	put_u(&w->payload, w->nsamples + 1);
	put_u(&w->payload, NT);
	for (t = 0; t < NT; t++) {
		if (key)
			enc_keyframe(&w->payload, t, &w->cur[t]);
		else if ((r = enc_delta(&w->payload, t, &w->prev[t], &w->cur[t])) < 0)
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
	if ((r = sample_to_rows(s, w->cur)) < 0) {
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
	if (write_finding_events(w, s) < 0)
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
	put_u(&w->payload, n);
	put_raw(&w->payload, text, n);
	return write_event(w, FR_NOTE, time);
}

static void enc_figures(struct buf *b, const struct actions_figures *f)
{
	put_u(b, f->have);
	put_u(b, f->rmem);
	put_u(b, f->recv_q);
	put_u(b, f->rcvbuf);
	put_u(b, f->drops);
	put_i(b, f->filter_len);
	put_i(b, f->filter_drops_all);
	put_i(b, f->filter_locked);
	put_u(b, f->fd_soft);
	put_u(b, f->fd_hard);
	put_u(b, f->nfds);
	put_u(b, f->drained_bytes);
	put_u(b, f->drained_packets);
}

static void dec_figures(struct cur *c, struct actions_figures *f)
{
	f->have = (unsigned)get_u(c);
	f->rmem = (uint32_t)get_u(c);
	f->recv_q = (uint32_t)get_u(c);
	f->rcvbuf = (uint32_t)get_u(c);
	f->drops = (uint32_t)get_u(c);
	f->filter_len = (int32_t)get_i(c);
	f->filter_drops_all = (int)get_i(c);
	f->filter_locked = (int)get_i(c);
	f->fd_soft = get_u(c);
	f->fd_hard = get_u(c);
	f->nfds = (uint32_t)get_u(c);
	f->drained_bytes = get_u(c);
	f->drained_packets = get_u(c);
}

int record_action(struct record_writer *w, const struct actions_audit *rec)
{
	const struct actions_result *res = rec->result;
	const struct actions_target *t = &res->target;
	struct buf *b = &w->payload;

	b->len = 0;
	put_u(b, (uint64_t)res->kind);
	put_u(b, (uint64_t)res->outcome);
	put_i(b, res->err);
	put_i(b, t->pid);
	put_i(b, t->fd);
	put_u(b, t->inode);
	put_u(b, t->start_ticks);
	put_sa(b, t->comm, sizeof(t->comm));
	put_i(b, t->family);
	put_i(b, t->type);
	put_i(b, t->protocol);
	put_i(b, t->listening);
	put_sa(b, t->proto, sizeof(t->proto));
	put_sa(b, t->local, sizeof(t->local));
	enc_figures(b, &res->before);
	enc_figures(b, &res->after);
	put_sa(b, res->message, sizeof(res->message));
	put_sa(b, res->reason, sizeof(res->reason));
	put_sa(b, res->warning, sizeof(res->warning));
	put_sa(b, res->preview, sizeof(res->preview));
	put_i(b, res->can_undo);
	put_u(b, (uint64_t)res->undo.kind);
	put_sa(b, res->state_path, sizeof(res->state_path));
	put_d(b, rec->time);
	put_u(b, rec->uid);
	put_sa(b, rec->user, sizeof(rec->user));
	put_i(b, rec->loginuid);
	put_sa(b, rec->login, sizeof(rec->login));
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
		put_u(&w->payload, w->nsamples);
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
		rowset_free(&w->prev[t]);
		rowset_free(&w->cur[t]);
	}
	ZSTD_freeCCtx(w->cctx);
	buf_free(&w->payload);
	buf_free(&w->frame);
	free(w->idx);
	free(w->fprev);
	free(w->path);
	free(w);
	return r;
}

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
	if (buf_need(&r->stored, (size_t)f->h.stored + 1) < 0)
		return -ENOMEM;
	if (src_read(r, f->off, hdr, FRAME_HDR) < 0 ||
	    src_read(r, f->off + FRAME_HDR, r->stored.p, f->h.stored) < 0)
		return -EIO;
	if (check && !(r->flags & RECORD_READ_NOCRC) &&
	    frame_crc(hdr, r->stored.p, f->h.stored) != f->h.crc)
		return -EBADMSG;
	r->raw.len = 0;
	r->raw.oom = 0;
	if (buf_need(&r->raw, (size_t)f->h.raw + 1) < 0)
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
		uint64_t n = get_u(&c);

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
		e.finding_seq = (unsigned)get_u(&c);
		if (dec_finding(&c, &e.finding) < 0)
			return -EBADMSG;
		break;
	case FR_ACTION: {
		struct record_action *a;
		struct actions_result *res;
		struct actions_target *t;

		if (r->nactions >= MAX_ACTIONS)
			return -EFBIG;
		a = calloc(1, sizeof(*a));
		if (!a)
			return -ENOMEM;
		res = &a->result;
		t = &res->target;
		res->kind = (enum actions_kind)get_u(&c);
		res->outcome = (enum actions_outcome)get_u(&c);
		res->err = (int)get_i(&c);
		t->pid = (int)get_i(&c);
		t->fd = (int)get_i(&c);
		t->inode = get_u(&c);
		t->start_ticks = get_u(&c);
		get_s(&c, t->comm, sizeof(t->comm));
		t->family = (int)get_i(&c);
		t->type = (int)get_i(&c);
		t->protocol = (int)get_i(&c);
		t->listening = (int)get_i(&c);
		get_s(&c, t->proto, sizeof(t->proto));
		get_s(&c, t->local, sizeof(t->local));
		dec_figures(&c, &res->before);
		dec_figures(&c, &res->after);
		get_s(&c, res->message, sizeof(res->message));
		get_s(&c, res->reason, sizeof(res->reason));
		get_s(&c, res->warning, sizeof(res->warning));
		get_s(&c, res->preview, sizeof(res->preview));
		res->can_undo = (int)get_i(&c);
		res->undo.kind = (enum actions_kind)get_u(&c);
		get_s(&c, res->state_path, sizeof(res->state_path));
		a->time = get_d(&c);
		a->uid = (uint32_t)get_u(&c);
		get_s(&c, a->user, sizeof(a->user));
		a->loginuid = get_i(&c);
		get_s(&c, a->login, sizeof(a->login));
		if (c.bad || (unsigned)res->kind >= ACTIONS_NKINDS ||
		    (unsigned)res->outcome >= ACTIONS_NOUTCOMES ||
		    (unsigned)res->undo.kind >= ACTIONS_NKINDS) {
			free(a);
			return -EBADMSG;
		}
		res->undo.procroot = NULL;
		res->undo.statedir = NULL;
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
	r->hdr.major = (unsigned)le_get(fixed + 8, 2);
	r->hdr.minor = (unsigned)le_get(fixed + 10, 2);
	if (r->hdr.major > RECORD_FORMAT_MAJOR)
		return lt_err_set(err, EPROTONOSUPPORT, "recording format version %u.%u is "
				  "newer than this leaktop reads (%u.x): use a newer leaktop",
				  r->hdr.major, r->hdr.minor, RECORD_FORMAT_MAJOR);
	if (r->hdr.major == 0)
		return lt_err_set(err, EBADMSG, "recording format version 0 is not valid");
	tlvlen = (uint32_t)le_get(fixed + 12, 4);
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
	if (crc != (uint32_t)le_get(crcb, 4)) {
		r->hdr.damaged = 1;
		r_warn(r, "header: checksum mismatch, machine details may be wrong");
	}
	dec_tlv(&r->hdr, all + sizeof(fixed), tlvlen);
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
		frame_hdr_get(hb, &h);
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
		lt_err_set(err, e, "%s: %s", path, strerror(e));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		e = EINVAL;
		lt_err_set(err, e, "%s: not a regular file", path);
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
		rowset_free(&r->st[t]);
	rowset_free(&r->tmp);
	free(r->frames);
	free(r->samples);
	buf_free(&r->stored);
	buf_free(&r->raw);
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
	if (get_u(&c) != f->h.seq || get_u(&c) != NT || c.bad)
		return -EBADMSG;
	for (t = 0; t < NT; t++) {
		uint64_t left = r->budget;
		int u;

		/* a table may use what the tables before it left */
		for (u = 0; u < t; u++)
			left -= rowset_cost(&r->st[u], u) < left ? rowset_cost(&r->st[u], u) : left;
		if (f->h.type == FR_KEY)
			ret = dec_keyframe(&c, t, &r->st[t], left);
		else
			ret = dec_delta(&c, t, r->hdr.major, &r->st[t], &r->tmp, left);
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
		sum += rowset_cost(&r->st[t], t);
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
	ret = rows_to_sample(r->st, out);
	if (ret < 0) {
		sample_release(out);
		return sample_error(r, idx, ret, err);
	}
	return 0;
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
