/*
 * The recording's byte codec: CRC32C, little-endian words, varints and
 * doubles put into a growable buffer, and a cursor that reads them back
 * without ever trusting a length (a read past the end marks the cursor bad
 * and yields zeros).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "rec_int.h"

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

void rec_le_put(uint8_t *p, uint64_t v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

uint64_t rec_le_get(const uint8_t *p, int n)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

uint64_t rec_dbits(double d)
{
	uint64_t u;

	memcpy(&u, &d, sizeof(u));
	return u;
}

double rec_bitsd(uint64_t u)
{
	double d;

	memcpy(&d, &u, sizeof(d));
	return d;
}

int rec_buf_need(struct buf *b, size_t n)
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

void rec_put_raw(struct buf *b, const void *p, size_t n)
{
	if (n == 0 || rec_buf_need(b, n) < 0)
		return;
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

void rec_put_u(struct buf *b, uint64_t v)
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
	rec_put_raw(b, t, (size_t)n);
}

void rec_put_i(struct buf *b, int64_t v)
{
	rec_put_u(b, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

void rec_put_d(struct buf *b, double d)
{
	uint8_t t[8];

	rec_le_put(t, rec_dbits(d), 8);
	rec_put_raw(b, t, 8);
}

/* A nullable string: 0 for NULL, else length + 1 then the bytes. */
void rec_put_s(struct buf *b, const char *s)
{
	size_t n;

	if (!s) {
		rec_put_u(b, 0);
		return;
	}
	n = strlen(s);
	if (n > MAX_STR)
		n = MAX_STR;
	rec_put_u(b, (uint64_t)n + 1);
	rec_put_raw(b, s, n);
}

/* A string out of a fixed array that may lack its NUL. */
void rec_put_sa(struct buf *b, const char *s, size_t max)
{
	size_t n = strnlen(s, max);

	rec_put_u(b, (uint64_t)n + 1);
	rec_put_raw(b, s, n);
}

void rec_put_b(struct buf *b, const void *p, size_t n)
{
	rec_put_u(b, n);
	rec_put_raw(b, p, n);
}

void rec_buf_free(struct buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* ---- a bounds-checked reading cursor -------------------------------------- */

int rec_get_varint(const uint8_t **pp, const uint8_t *e, uint64_t *out)
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

uint64_t rec_get_u(struct cur *c)
{
	uint64_t v;

	if (c->bad || rec_get_varint(&c->p, c->e, &v) < 0) {
		c->bad = 1;
		return 0;
	}
	return v;
}

int64_t rec_get_i(struct cur *c)
{
	uint64_t v = rec_get_u(c);

	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

/*
 * A recorded double, made safe for whoever converts it to an integer
 * (the text and JSON sinks round rates to uint64_t, times to time_t): NaN becomes 0 and
 * anything beyond +-1e15 is clamped.  Real figures are far inside.
 */
double rec_sane_d(double d)
{
	if (d != d)
		return 0;
	if (d > 1e15)
		return 1e15;
	if (d < -1e15)
		return -1e15;
	return d;
}

double rec_get_d(struct cur *c)
{
	uint64_t v;

	if (c->bad || c->e - c->p < 8) {
		c->bad = 1;
		return 0;
	}
	v = rec_le_get(c->p, 8);
	c->p += 8;
	return rec_sane_d(rec_bitsd(v));
}

/* A nullable string: *s points into the buffer (not NUL-terminated). */
int rec_get_span(struct cur *c, const uint8_t **s, size_t *n)
{
	uint64_t v = rec_get_u(c);

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
void rec_get_s(struct cur *c, char *dst, size_t dstsz)
{
	const uint8_t *s;
	size_t n;

	dst[0] = '\0';
	if (rec_get_span(c, &s, &n) < 0 || !s)
		return;
	if (n > dstsz - 1)
		n = dstsz - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* A malloc'd copy, or NULL for a NULL string (c->oom on failure). */
char *rec_get_sdup(struct cur *c)
{
	const uint8_t *s;
	size_t n;
	char *d;

	if (rec_get_span(c, &s, &n) < 0 || !s)
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

void rec_get_b(struct cur *c, void *dst, size_t max)
{
	uint64_t n = rec_get_u(c);

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
