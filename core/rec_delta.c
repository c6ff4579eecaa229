/*
 * A table inside a sample frame: a keyframe lists every row, a delta the
 * keys removed and, for rows added or changed, the fields that changed.
 * The reader applies a delta to the rows of the previous sample within a
 * budget of decoded bytes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rec_int.h"

/* ---- table encoding: keyframes and deltas ---------------------------------- */

/* The key: the first field as a difference from the previous key's (rows
 * are sorted, so it is small), the others as they are. */
static void put_key(struct buf *b, const uint64_t *key, uint64_t *prev0, int nk)
{
	int i;

	rec_put_u(b, key[0] - *prev0);
	*prev0 = key[0];
	for (i = 1; i < nk; i++)
		rec_put_u(b, key[i]);
}

static int get_key(struct cur *c, uint64_t *key, uint64_t *prev0, int nk)
{
	uint64_t d = rec_get_u(c);
	int i;

	if (c->bad || d > UINT64_MAX - *prev0)
		return -1;
	key[0] = *prev0 + d;
	*prev0 = key[0];
	for (i = 1; i < nk; i++)
		key[i] = rec_get_u(c);
	for (; i < MAX_KEY; i++)
		key[i] = 0;
	return c->bad ? -1 : 0;
}

void rec_enc_keyframe(struct buf *out, int t, const struct rowset *rs)
{
	int nk = rec_schemas[t].nkey + 1;
	uint64_t prev0 = 0;
	size_t i;

	rec_put_u(out, rs->n);
	for (i = 0; i < rs->n; i++) {
		put_key(out, rs->v[i].key, &prev0, nk);
		rec_put_b(out, rec_row_ptr(rs, &rs->v[i]), rs->v[i].len);
	}
}

/*
 * What changed from prev to cur: removed keys, then upserts.  An upsert is
 * the key and a mask: 0 for a new row (every field follows), else bit i set
 * for each field i that changed (those fields follow).
 */
int rec_enc_delta(struct buf *out, int t, const struct rowset *prev,
		     const struct rowset *cur)
{
	int nk = rec_schemas[t].nkey + 1, nf = rec_schema_nf(t), f;
	struct buf rm = { 0 }, up = { 0 };
	uint64_t p0rm = 0, p0up = 0;
	size_t i = 0, j = 0, nrm = 0, nup = 0;
	uint32_t so[65], sn[65];
	int ret = 0;

	while (i < prev->n || j < cur->n) {
		const struct row *a = i < prev->n ? &prev->v[i] : NULL;
		const struct row *b = j < cur->n ? &cur->v[j] : NULL;
		int c = !a ? 1 : !b ? -1 : rec_key_cmp(a->key, b->key, nk);

		if (c < 0) {
			put_key(&rm, a->key, &p0rm, nk);
			nrm++;
			i++;
			continue;
		}
		if (c > 0) {
			put_key(&up, b->key, &p0up, nk);
			rec_put_u(&up, 0);
			rec_put_raw(&up, rec_row_ptr(cur, b), b->len);
			nup++;
			j++;
			continue;
		}
		i++;
		j++;
		if (a->len == b->len && !memcmp(rec_row_ptr(prev, a), rec_row_ptr(cur, b), a->len))
			continue;
		if (rec_row_spans(t, rec_row_ptr(prev, a), a->len, so) < 0 ||
		    rec_row_spans(t, rec_row_ptr(cur, b), b->len, sn) < 0) {
			ret = -EINVAL;	/* cannot happen: we encoded both */
			goto out;
		}
		{
			uint64_t mask = 0;

			for (f = 0; f < nf; f++) {
				uint32_t la = so[f + 1] - so[f], lb = sn[f + 1] - sn[f];

				if (la != lb || memcmp(rec_row_ptr(prev, a) + so[f],
						       rec_row_ptr(cur, b) + sn[f], la))
					mask |= 1ull << f;
			}
			put_key(&up, b->key, &p0up, nk);
			rec_put_u(&up, mask);
			for (f = 0; f < nf; f++)
				if (mask & (1ull << f))
					rec_put_raw(&up, rec_row_ptr(cur, b) + sn[f], sn[f + 1] - sn[f]);
			nup++;
		}
	}
	rec_put_u(out, nrm);
	rec_put_raw(out, rm.p, rm.len);
	rec_put_u(out, nup);
	rec_put_raw(out, up.p, up.len);
	if (rm.oom || up.oom || out->oom)
		ret = -ENOMEM;
out:
	rec_buf_free(&rm);
	rec_buf_free(&up);
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
	rec_put_raw(&rs->b, p, len);
	if (rs->b.oom)
		return -ENOMEM;
	rs->n++;
	return 0;
}

/* Rows the replay may not hold: above a table's cap or the budget left. */
static int too_many(int t, uint64_t n, uint64_t budget)
{
	return n > rec_table_cap[t] || n > budget / rec_row_cost(t);
}

int rec_dec_keyframe(struct cur *c, int t, struct rowset *rs, uint64_t budget)
{
	int nk = rec_schemas[t].nkey + 1;
	uint64_t n = rec_get_u(c), prev0 = 0, key[MAX_KEY];
	uint32_t offs[65];
	size_t i;
	int r;

	rec_rowset_clear(rs);
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
		if (i > 0 && rec_key_cmp(key, rs->v[rs->n - 1].key, nk) <= 0)
			return -EBADMSG;	/* keys must rise */
		len = rec_get_u(c);
		if (c->bad || len > (uint64_t)(c->e - c->p))
			return -EBADMSG;
		p = c->p;
		c->p += len;
		if (rec_row_spans(t, p, (size_t)len, offs) < 0)
			return -EBADMSG;
		r = rowset_push(rs, key, p, (size_t)len);
		if (r < 0)
			return r;
	}
	return rec_rowset_cost(rs, t) > budget ? -EFBIG : 0;
}


struct upsert {
	uint64_t key[MAX_KEY];
	uint64_t mask;
	const uint8_t *p;	/* the fields that follow */
	size_t len;
};

/* The new fields of the row an upsert changes: the fields its mask names
 * from the upsert, the others from the old row o. */
static int upsert_row(int t, unsigned major, unsigned minor, const struct upsert *u,
		      const uint8_t *old, size_t oldlen, struct buf *row)
{
	int nf = rec_schema_nf_of(t, major, minor), f;
	const char *ty = rec_schemas[t].types;
	const uint8_t *q = u->p, *qe = u->p + u->len;
	uint32_t offs[65];

	row->len = 0;
	if (u->mask == 0) {	/* a whole row */
		if (rec_row_spans(t, u->p, u->len, offs) < 0)
			return -EBADMSG;
		rec_put_raw(row, u->p, u->len);
		return row->oom ? -ENOMEM : 0;
	}
	if (rec_row_spans(t, old, oldlen, offs) < 0)
		return -EBADMSG;
	for (f = 0; f < nf; f++) {
		if (u->mask & (1ull << f)) {
			long l = rec_field_len(ty[f], q, qe);

			if (l < 0)
				return -EBADMSG;
			rec_put_raw(row, q, (size_t)l);
			q += l;
		} else {
			rec_put_raw(row, old + offs[f], offs[f + 1] - offs[f]);
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
		int c = rec_key_cmp(rs->v[mid].key, key, nk);

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
	if (rec_buf_need(&nb, rs->b.len - rs->dead + 1) < 0)
		return -ENOMEM;
	for (i = 0; i < rs->n; i++) {
		uint32_t off = (uint32_t)nb.len;

		rec_put_raw(&nb, rec_row_ptr(rs, &rs->v[i]), rs->v[i].len);
		rs->v[i].off = off;
	}
	rec_buf_free(&rs->b);
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
int rec_dec_delta(struct cur *c, int t, unsigned major, unsigned minor, struct rowset *st,
		     struct rowset *tmp, uint64_t budget)
{
	int nk = rec_schemas[t].nkey + 1, nf = rec_schema_nf_of(t, major, minor), f;
	const char *ty = rec_schemas[t].types;
	uint64_t nrm, nup, prev0 = 0, *rm = NULL;
	struct upsert *up = NULL;
	struct buf row = { 0 };
	ssize_t *at = NULL;
	size_t i, a, x, y;
	int r = -EBADMSG, inplace;

	nrm = rec_get_u(c);
	if (c->bad || nrm > st->n || nrm > (uint64_t)(c->e - c->p))
		return -EBADMSG;
	rm = malloc((nrm ? nrm : 1) * sizeof(*rm) * MAX_KEY);
	if (!rm)
		return -ENOMEM;
	for (i = 0; i < nrm; i++) {
		if (get_key(c, rm + i * MAX_KEY, &prev0, nk) < 0)
			goto out;
		if (i > 0 && rec_key_cmp(rm + i * MAX_KEY, rm + (i - 1) * MAX_KEY, nk) <= 0)
			goto out;
	}
	nup = rec_get_u(c);
	if (c->bad || nup > (uint64_t)(c->e - c->p))
		goto out;
	if (nup > budget / rec_row_cost(t)) {	/* the new rows alone are too many */
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
		if (i > 0 && rec_key_cmp(up[i].key, up[i - 1].key, nk) <= 0)
			goto out;
		up[i].mask = rec_get_u(c);
		if (c->bad || (nf < 64 && (up[i].mask >> nf)))
			goto out;
		start = c->p;
		for (f = 0; f < nf; f++) {
			long l;

			if (up[i].mask && !(up[i].mask & (1ull << f)))
				continue;
			l = rec_field_len(ty[f], c->p, c->e);
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

			if ((r = upsert_row(t, major, minor, &up[i], rec_row_ptr(st, o), o->len, &row)) < 0)
				goto out;
			if (st->b.len + row.len > MAX_STATE) {
				r = -EFBIG;
				goto out;
			}
			st->dead += o->len;
			o->off = (uint32_t)st->b.len;
			o->len = (uint32_t)row.len;
			rec_put_raw(&st->b, row.p, row.len);
			if (st->b.oom) {
				r = -ENOMEM;
				goto out;
			}
		}
		r = rowset_compact(st);
		goto out;
	}
	/* merge: old rows minus removals, with upserts applied or added */
	rec_rowset_clear(tmp);
	r = -EBADMSG;
	a = 0;
	x = 0;
	y = 0;
	while (a < st->n || y < nup) {
		const struct row *o = a < st->n ? &st->v[a] : NULL;
		const struct upsert *u = y < nup ? &up[y] : NULL;
		int cmp = !o ? 1 : !u ? -1 : rec_key_cmp(o->key, u->key, nk);

		if (((a + y) & 4095) == 4095 && lt_stop_requested) {
			r = -EINTR;
			goto out;
		}
		if (o && x < nrm && rec_key_cmp(rm + x * MAX_KEY, o->key, nk) < 0)
			goto out;	/* removes a row that is not there */
		if (cmp < 0) {
			if (x < nrm && !rec_key_cmp(rm + x * MAX_KEY, o->key, nk))
				x++;
			else if ((r = rowset_push(tmp, o->key, rec_row_ptr(st, o), o->len)) < 0)
				goto out;
			r = -EBADMSG;
			a++;
			continue;
		}
		if (cmp > 0) {
			if (u->mask != 0)
				goto out;	/* changes a row that is not there */
		} else if (x < nrm && !rec_key_cmp(rm + x * MAX_KEY, o->key, nk)) {
			goto out;	/* removed and changed at once */
		}
		if ((r = upsert_row(t, major, minor, u, o && cmp == 0 ? rec_row_ptr(st, o) : NULL,
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
	r = too_many(t, st->n, budget) || rec_rowset_cost(st, t) > budget ? -EFBIG : 0;
out:
	free(rm);
	free(up);
	free(at);
	rec_buf_free(&row);
	return r;
}
