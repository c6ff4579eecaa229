/*
 * The recording's tables: what each holds, one row per socket, process,
 * finding..., and the conversion of a sample into rows (writer) and of
 * rows back into a sample (reader).  Decoding checks every value it turns
 * into an enum or an index.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "leaktop/history.h"
#include "rec_fields.h"
#include "rec_int.h"

/* ---- tables ----------------------------------------------------------------- */

/* The most rows a table may hold in a replay, from what a live sample can
 * have: one meta row, the top slab caches, pid_max processes, 64k network
 * namespaces and fd tables.  The replay budget usually binds first. */
const uint64_t rec_table_cap[NT] = {
	[T_META] = 1, [T_SLAB] = MEMINFO_SLAB_TOP, [T_NETNS] = 1u << 16,
	[T_SOCK] = MAX_ROWS, [T_OWNER] = MAX_ROWS, [T_FDPROC] = 4194304,
	[T_PROC] = 4194304, [T_FINDING] = 1u << 18, [T_FDTAB] = 1u << 16,
	[T_FDENT] = MAX_ROWS,
};

int rec_schema_nf(int t)
{
	return (int)strlen(rec_schemas[t].types);
}

/* Fields of table t in a file of format major.minor: 1.x rows stop before
 * the fields 2.0 added (socket memory, the rest of SK_MEMINFO, unix
 * senders, victims, namespaces held by a socket), 3.x rows before those
 * 4.0 added (a finding's group). */
int rec_schema_nf_of(int t, unsigned major, unsigned minor)
{
	if (major < 2 && rec_schemas[t].nf10)
		return rec_schemas[t].nf10;
	if (major < 3 && rec_schemas[t].nf20)
		return rec_schemas[t].nf20;
	if (major == 3 && minor < 2 && rec_schemas[t].nf30)
		return rec_schemas[t].nf30;
	return rec_schema_nf(t);
}

void rec_rowset_clear(struct rowset *rs)
{
	rs->n = 0;
	rs->b.len = 0;
	rs->b.oom = 0;
	rs->dead = 0;
}

void rec_rowset_free(struct rowset *rs)
{
	free(rs->v);
	rec_buf_free(&rs->b);
	memset(rs, 0, sizeof(*rs));
}

/* The fields of row r (never a null pointer, even for an empty set). */
const uint8_t *rec_row_ptr(const struct rowset *rs, const struct row *r)
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

/*
 * What a row of table t costs the reader once decoded: its entry in the
 * rowset and the structure rec_rows_to_sample() makes of it.  Strings a row
 * carries are counted by its bytes (see sample_cost()).
 */
size_t rec_row_cost(int t)
{
	size_t c = sizeof(struct row);

	switch (t) {
	case T_META: return c + sizeof(struct sample);
	case T_SLAB: return c;	/* inside struct sample */
	case T_NETNS: return c + sizeof(struct sample_netns);
	/* a socket's figures: at worst a block of its own and two slots of
	 * the blocks' table */
	case T_SOCK: return c + sizeof(struct ltsock) + sizeof(struct ltsock_mem) +
			    2 * sizeof(void *) + sizeof(struct sock_rate) + sizeof(uint32_t);
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
uint64_t rec_rowset_cost(const struct rowset *rs, int t)
{
	return (uint64_t)rs->n * rec_row_cost(t) + 2 * (uint64_t)(rs->b.len - rs->dead);
}

int rec_key_cmp(const uint64_t *a, const uint64_t *b, int nk)
{
	int i;

	for (i = 0; i < nk; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return 0;
}

/* qsort_r comparator: by the first *nkey key fields, then insertion order. */
static int cmp_row_pos(const void *a, const void *b, void *nkey)
{
	const struct row *x = a, *y = b;
	int c = rec_key_cmp(x->key, y->key, *(const int *)nkey);

	if (c)
		return c;
	return (x->pos > y->pos) - (x->pos < y->pos);
}

/* Sort rows by key (stable) and number equal keys with the dup counter. */
static void rowset_finish(struct rowset *rs, int t)
{
	int nk = rec_schemas[t].nkey;
	size_t i;

	if (rs->n > 1)
		qsort_r(rs->v, rs->n, sizeof(*rs->v), cmp_row_pos, &nk);
	for (i = 0; i < rs->n; i++)
		rs->v[i].key[nk] = (i > 0 && !rec_key_cmp(rs->v[i].key, rs->v[i - 1].key, nk))
				   ? rs->v[i - 1].key[nk] + 1 : 0;
}

/* Length of one field of type ty at p (at most e); -1 if malformed. */
long rec_field_len(char ty, const uint8_t *p, const uint8_t *e)
{
	const uint8_t *q = p;
	uint64_t v;

	switch (ty) {
	case 'U':
	case 'I':
		if (rec_get_varint(&q, e, &v) < 0)
			return -1;
		return q - p;
	case 'D':
		return e - p >= 8 ? 8 : -1;
	case 'S':
	case 'B':
		if (rec_get_varint(&q, e, &v) < 0)
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
int rec_row_spans(int t, const uint8_t *p, size_t len, uint32_t *offs)
{
	const char *ty = rec_schemas[t].types;
	const uint8_t *e = p + len;
	size_t o = 0;
	int i;

	for (i = 0; ty[i]; i++) {
		long l;

		if (((rec_schemas[t].nf10 && i == rec_schemas[t].nf10) ||
		     (rec_schemas[t].nf20 && i == rec_schemas[t].nf20) ||
		     (rec_schemas[t].nf30 && i == rec_schemas[t].nf30)) && o == len)
			break;	/* a 1.x, 2.x or 3.x row */
		l = rec_field_len(ty[i], p + o, e);
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

/* ---- one field list per table: the codec ---------------------------------- */

/*
 * Each table's encoder and decoder expand its field list (rec_fields.h)
 * with the macros below, as its schema string does with REC_LETTER: an
 * encoder puts each field into the buffer b, a decoder reads each back from
 * the cursor c.  A decoder reads the fields of a later format version only
 * if the row goes on; older rows leave them at their default.
 */
#define ENC_U(lv) rec_put_u(b, (lv));
#define ENC_I(lv) rec_put_i(b, (lv));
#define ENC_D(lv) rec_put_d(b, (lv));
/* S and B take their size from the array: refuse a pointer */
#define IS_ARRAY(a) (!__builtin_types_compatible_p(__typeof__(a), __typeof__(&(a)[0])))
#define ENC_S(lv) _Static_assert(IS_ARRAY(lv), #lv " is not an array"); \
	rec_put_sa(b, (lv), sizeof(lv));
#define ENC_P(lv) rec_put_s(b, (lv));
#define ENC_B(lv) _Static_assert(IS_ARRAY(lv), #lv " is not an array"); \
	rec_put_b(b, (lv), trimmed((lv), sizeof(lv)));
#define ENC_N(lv) rec_put_u(b, (lv));
#define ENC_A(lv) rec_put_s(b, (lv) ? actions_kind_name((enum actions_kind)(lv)) : NULL);
#define ENC_R(lv) rec_put_u(b, (uint64_t)(lv));
#define ENC_M(lv) rec_put_u(b, fallback_mask(lv));
#define ENC_K(lv) rec_put_u(b, (lv) >= 0);
#define REC_ENC(kind, lv) ENC_##kind(lv)
#define ENCODE(T) do { T##_1(REC_ENC) T##_2(REC_ENC) T##_3(REC_ENC) } while (0)

#define DEC_U(lv) (lv) = (__typeof__(lv))rec_get_u(c);
#define DEC_I(lv) (lv) = (__typeof__(lv))rec_get_i(c);
#define DEC_D(lv) (lv) = rec_get_d(c);
#define DEC_S(lv) rec_get_s(c, (lv), sizeof(lv));
#define DEC_P(lv) (lv) = rec_get_sdup(c);
#define DEC_B(lv) rec_get_b(c, (lv), sizeof(lv));
#define DEC_N(lv) (void)rec_get_u(c);	/* the rows say it */
#define DEC_A(lv) (lv) = get_action(c);
#define DEC_R(lv) (lv) = get_result(c);
#define DEC_M(lv) set_fallbacks((lv), rec_get_u(c));
#define DEC_K(lv) (lv) = rec_get_u(c) ? 0 : -1;	/* rows_to_sample links it */
#define REC_DEC(kind, lv) DEC_##kind(lv)
#define DECODE_V(T, v) do { if (c->p < c->e) { T##_##v(REC_DEC) } } while (0)

/* The lists spell out these arrays element by element. */
_Static_assert(MEMINFO_SOCK_GROUPS == 7, "REC_META_2 lists 7 socket groups");
_Static_assert(SOCKDIAG_NKINDS == 11, "REC_NETNS_1 lists 11 dump results");

const struct schema rec_schemas[NT] = {
#define SCHEMA(t, name, nkey, T) \
	[t] = { name, nkey, REC_TYPES(T), REC_NF10(T), REC_NF20(T), 0 }
	SCHEMA(T_META, "meta", 0, REC_META),
	SCHEMA(T_SLAB, "slab", 1, REC_SLAB),
	SCHEMA(T_NETNS, "netns", 1, REC_NETNS),
	SCHEMA(T_SOCK, "sockets", 3, REC_SOCK),
	SCHEMA(T_OWNER, "owners", 3, REC_OWNER),
	SCHEMA(T_FDPROC, "fd processes", 1, REC_FDPROC),
	SCHEMA(T_PROC, "processes", 1, REC_PROC),
	[T_FINDING] = { "findings", 1, REC_TYPES(REC_FINDING) REC_TYPES_V(REC_FINDING, 4),
			REC_NF10(REC_FINDING), REC_NF20(REC_FINDING), REC_NF30(REC_FINDING) },
	SCHEMA(T_FDTAB, "fd tables", 1, REC_FDTAB),
	SCHEMA(T_FDENT, "fd entries", 2, REC_FDENT),
#undef SCHEMA
};

static size_t trimmed(const uint8_t *a, size_t n)
{
	while (n > 0 && a[n - 1] == 0)
		n--;
	return n;
}

static uint64_t fallback_mask(const uint8_t *fallback)
{
	uint64_t fb = 0;
	int k;

	for (k = 0; k < SOCKDIAG_NKINDS; k++)
		if (fallback[k])
			fb |= 1ull << k;
	return fb;
}

static void set_fallbacks(uint8_t *fallback, uint64_t fb)
{
	int k;

	for (k = 0; k < SOCKDIAG_NKINDS; k++)
		fallback[k] = (fb >> k) & 1;
}

static enum sockdiag_result get_result(struct cur *c)
{
	uint64_t v = rec_get_u(c);

	return v <= SOCKDIAG_FAILED ? (enum sockdiag_result)v : SOCKDIAG_FAILED;
}

/* The kind of a recorded action name: ACTIONS_NONE for none or a name
 * this leaktop does not know. */
static uint8_t get_action(struct cur *c)
{
	const uint8_t *a;
	size_t n;
	char name[32];

	if (rec_get_span(c, &a, &n) < 0 || !a || n >= sizeof(name) || memchr(a, 0, n))
		return ACTIONS_NONE;
	memcpy(name, a, n);
	name[n] = '\0';
	return (uint8_t)actions_kind_parse(name);
}

/* ---- sample -> rows (writer) ------------------------------------------------ */

static void enc_meta(struct buf *b, const struct sample *s)
{
	ENCODE(REC_META);
}

static void enc_slab(struct buf *b, const struct meminfo_slabcache *sc)
{
	ENCODE(REC_SLAB);
}

static void enc_netns(struct buf *b, const struct sample_netns *ns)
{
	ENCODE(REC_NETNS);
}

static void enc_sock(struct buf *b, const struct ltsock *k, const struct sock_rate *r)
{
	static const struct sock_rate none;
	const struct ltsock_mem *km = k->m;

	if (!r)
		r = &none;
	ENCODE(REC_SOCK);
}

static void enc_fdproc(struct buf *b, const struct fd_proc *fp)
{
	ENCODE(REC_FDPROC);
}

static void enc_proc(struct buf *b, const struct proc_info *p)
{
	ENCODE(REC_PROC);
}

/* The file keeps a finding's whole sentence in its summary field, as it
 * did before the subject became data (findings_summary). */
void rec_enc_finding(struct buf *b, const struct finding *f)
{
	struct finding whole = *f;
	const struct finding *x = &whole;

	findings_summary(f, whole.summary, sizeof(whole.summary));
	ENCODE(REC_FINDING);
	REC_FINDING_4(REC_ENC)
}

static void enc_fdtab(struct buf *b, const struct fd_table *ft)
{
	ENCODE(REC_FDTAB);
}

static void enc_fdent(struct buf *b, const struct fd_entry *e)
{
	ENCODE(REC_FDENT);
}

/* Cut s into the rows of every table.  0 or -ENOMEM. */
int rec_sample_to_rows(const struct sample *s, struct rowset *rs)
{
	struct row *r;
	size_t i, j;
	int t;

	for (t = 0; t < NT; t++)
		rec_rowset_clear(&rs[t]);
	r = row_begin(&rs[T_META], 0, 0, 0);
	enc_meta(&rs[T_META].b, s);
	row_end(&rs[T_META], r);
	for (i = 0; i < (size_t)s->slab.n && i < MEMINFO_SLAB_TOP; i++) {
		r = row_begin(&rs[T_SLAB], i, 0, 0);
		enc_slab(&rs[T_SLAB].b, &s->slab.top[i]);
		row_end(&rs[T_SLAB], r);
	}
	for (i = 0; i < s->nnetns; i++) {
		r = row_begin(&rs[T_NETNS], i, 0, 0);
		enc_netns(&rs[T_NETNS].b, &s->netns[i]);
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
		const struct fd_proc *fp = &s->owners.procs[i];

		r = row_begin(&rs[T_FDPROC], (uint32_t)fp->pid, 0, 0);
		enc_fdproc(&rs[T_FDPROC].b, fp);
		row_end(&rs[T_FDPROC], r);
	}
	for (i = 0; i < s->procs.n; i++) {
		r = row_begin(&rs[T_PROC], (uint32_t)s->procs.v[i].pid, 0, 0);
		enc_proc(&rs[T_PROC].b, &s->procs.v[i]);
		row_end(&rs[T_PROC], r);
	}
	for (i = 0; i < s->findings.n; i++) {
		r = row_begin(&rs[T_FINDING], i, 0, 0);
		rec_enc_finding(&rs[T_FINDING].b, &s->findings.v[i]);
		row_end(&rs[T_FINDING], r);
	}
	/* the groups' members after them, each naming its group's row */
	for (i = 0, j = s->findings.n; i < s->findings.n; i++) {
		const struct finding *m;
		size_t k, nm;

		m = findings_members(&s->findings, &s->findings.v[i], &nm);
		for (k = 0; m && k < nm; k++, j++) {
			struct finding x = m[k];

			x.member_of = (uint32_t)i + 1;
			r = row_begin(&rs[T_FINDING], j, 0, 0);
			rec_enc_finding(&rs[T_FINDING].b, &x);
			row_end(&rs[T_FINDING], r);
		}
	}
	for (i = 0; i < s->nfdtables; i++) {
		const struct fd_table *ft = &s->fdtables[i];

		r = row_begin(&rs[T_FDTAB], i, 0, 0);
		enc_fdtab(&rs[T_FDTAB].b, ft);
		row_end(&rs[T_FDTAB], r);
		for (j = 0; j < ft->n; j++) {
			r = row_begin(&rs[T_FDENT], i, j, 0);
			enc_fdent(&rs[T_FDENT].b, &ft->v[j]);
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

/* ---- rows -> sample (reader) ------------------------------------------------- */

static struct cur row_cur(const struct rowset *rs, size_t i)
{
	const uint8_t *p = rec_row_ptr(rs, &rs->v[i]);
	struct cur c = { p, p + rs->v[i].len, 0, 0 };

	return c;
}

static int cur_status(const struct cur *c)
{
	if (c->oom)
		return -ENOMEM;
	return c->bad ? -EBADMSG : 0;
}

static int dec_meta(struct cur *c, struct sample *s)
{
	REC_META_1(REC_DEC)
	DECODE_V(REC_META, 2);
	DECODE_V(REC_META, 3);
	return cur_status(c);
}

static int dec_slab(struct cur *c, struct meminfo_slabcache *sc)
{
	REC_SLAB_1(REC_DEC)
	return cur_status(c);
}

static int dec_netns(struct cur *c, struct sample_netns *ns)
{
	REC_NETNS_1(REC_DEC)
	DECODE_V(REC_NETNS, 2);
	return cur_status(c);
}

static int dec_sock(struct cur *c, struct ltsock *k, struct ltsock_mem *km, struct sock_rate *r)
{
	REC_SOCK_1(REC_DEC)
	DECODE_V(REC_SOCK, 2);
	r->flags &= SOCK_FLAG_ALL;
	return cur_status(c);
}

static int dec_fdproc(struct cur *c, struct fd_proc *fp)
{
	REC_FDPROC_1(REC_DEC)
	return cur_status(c);
}

static int dec_proc(struct cur *c, struct proc_info *p)
{
	REC_PROC_1(REC_DEC)
	return cur_status(c);
}

int rec_dec_finding(struct cur *c, struct finding *x)
{
	memset(x, 0, sizeof(*x));
	REC_FINDING_1(REC_DEC)
	x->victim_pid = -1;
	x->victim_fd = -1;
	DECODE_V(REC_FINDING, 2);
	/* before 3.0 the state is what the suspected bit said */
	x->state = x->suspected ? FINDING_SUSPECTED : FINDING_CONFIRMED;
	DECODE_V(REC_FINDING, 3);
	x->worst_fd = -1;
	DECODE_V(REC_FINDING, 4);
	x->member_first = x->member_n = 0;	/* rows_to_sample links them */
	if (c->bad || x->kind >= FINDING_NKINDS || x->severity > FINDING_CRITICAL ||
	    x->state >= FINDING_NSTATES || x->mitigation >= ACTIONS_NKINDS ||
	    x->check >= FINDING_NCHECKS)
		return -EBADMSG;
	findings_summary_from_sentence(x);
	return 0;
}

static int dec_fdtab(struct cur *c, struct fd_table *ft)
{
	REC_FDTAB_1(REC_DEC)
	return cur_status(c);
}

static int dec_fdent(struct cur *c, struct fd_entry *e)
{
	REC_FDENT_1(REC_DEC)
	if (c->oom)
		return -ENOMEM;
	if (c->bad || e->kind >= FD_NKINDS || e->ghost > FD_GHOST_UNKNOWN)
		return -EBADMSG;
	return 0;
}

void *rec_calloc1(size_t n, size_t sz)
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

int rec_rows_to_sample(const struct rowset *rs, struct sample *s)
{
	struct cur c;
	size_t i, n;
	int r;

	memset(s, 0, sizeof(*s));
	if (rs[T_META].n != 1)
		return -EBADMSG;
	c = row_cur(&rs[T_META], 0);
	if (dec_meta(&c, s) < 0)
		return -EBADMSG;
	if (rs[T_SLAB].n > MEMINFO_SLAB_TOP)
		return -EBADMSG;
	for (i = 0; i < rs[T_SLAB].n; i++) {
		struct meminfo_slabcache *sc = &s->slab.top[i];

		c = row_cur(&rs[T_SLAB], i);
		if (dec_slab(&c, sc) < 0)
			return -EBADMSG;
	}
	s->slab.n = (int)rs[T_SLAB].n;

	n = rs[T_NETNS].n;
	s->netns = rec_calloc1(n, sizeof(*s->netns));
	if (!s->netns)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		c = row_cur(&rs[T_NETNS], i);
		if (dec_netns(&c, &s->netns[i]) < 0)
			return -EBADMSG;
		s->nnetns++;
	}

	n = rs[T_SOCK].n;
	s->socks.v = rec_calloc1(n, sizeof(*s->socks.v));
	s->rates = rec_calloc1(n, sizeof(*s->rates));
	s->order = rec_calloc1(n, sizeof(*s->order));
	if (!s->socks.v || !s->rates || !s->order)
		return -ENOMEM;
	s->socks.cap = n;
	for (i = 0; i < n; i++) {
		struct ltsock_mem km;
		struct ltsock k;

		if ((i & 4095) == 4095 && lt_stop_requested)
			return -EINTR;
		memset(&k, 0, sizeof(k));
		memset(&km, 0, sizeof(km));
		k.m = &km;
		c = row_cur(&rs[T_SOCK], i);
		k.inode = rs[T_SOCK].v[i].key[0];
		k.netns = rs[T_SOCK].v[i].key[1];
		k.cookie = rs[T_SOCK].v[i].key[2];
		r = dec_sock(&c, &k, &km, &s->rates[i]);
		/* the vector owns the path from here, whatever r says */
		if (ltsock_vec_push(&s->socks, &k) < 0) {
			free(k.path);
			return -ENOMEM;
		}
		if (r < 0)
			return r;
	}
	/* the order the live sample had: the same rule, from history.c */
	history_order(&s->socks, s->rates, s->order);

	n = rs[T_OWNER].n;
	s->owners.owners = rec_calloc1(n, sizeof(*s->owners.owners));
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
	s->owners.procs = rec_calloc1(n, sizeof(*s->owners.procs));
	if (!s->owners.procs)
		return -ENOMEM;
	s->owners.capprocs = n;
	for (i = 0; i < n; i++) {
		struct fd_proc *fp = &s->owners.procs[i];

		c = row_cur(&rs[T_FDPROC], i);
		fp->pid = (int32_t)(uint32_t)rs[T_FDPROC].v[i].key[0];
		if (dec_fdproc(&c, fp) < 0)
			return -EBADMSG;
		s->owners.nprocs++;
	}

	n = rs[T_PROC].n;
	s->procs.v = rec_calloc1(n, sizeof(*s->procs.v));
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
	s->findings.v = rec_calloc1(n, sizeof(*s->findings.v));
	if (!s->findings.v)
		return -ENOMEM;
	s->findings.cap = n;
	for (i = 0; i < n; i++) {
		struct finding x, *g;

		if ((i & 4095) == 4095 && lt_stop_requested)
			return -EINTR;
		c = row_cur(&rs[T_FINDING], i);
		if (rec_dec_finding(&c, &x) < 0)
			return -EBADMSG;
		if (!x.member_of) {
			if (s->findings.nmembers)
				return -EBADMSG;	/* members come last */
			s->findings.v[s->findings.n++] = x;
			continue;
		}
		/* a member: its group is a row before, its members together */
		if (x.member_of > s->findings.n)
			return -EBADMSG;
		g = &s->findings.v[x.member_of - 1];
		if (!g->nmembers || (g->member_n && g->member_first + g->member_n !=
						     s->findings.nmembers))
			return -EBADMSG;
		if (!s->findings.members) {
			s->findings.members = rec_calloc1(n, sizeof(*s->findings.members));
			if (!s->findings.members)
				return -ENOMEM;
			s->findings.mcap = n;
		}
		if (!g->member_n)
			g->member_first = (uint32_t)s->findings.nmembers;
		g->member_n++;
		x.member_of = 0;
		s->findings.members[s->findings.nmembers++] = x;
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
		if (dec_fdtab(&c, ft) < 0 || rs[T_FDTAB].v[i].key[0] != i)
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
		r = dec_fdent(&c, e);
		if (e->sock >= 0)
			e->sock = sock_of_inode(s, e->inode);
		ft->n++;
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- action events ----------------------------------------------------------- */

void rec_enc_action(struct buf *b, const struct actions_audit *au)
{
	const struct actions_result *res = au->result;
	const struct actions_target *t = &res->target;

	REC_ACTION(REC_ENC)
}

/* au: zeroed by the caller.  0, or -EBADMSG for a payload that does not
 * decode or names an unknown kind or outcome. */
int rec_dec_action(struct cur *c, struct record_action *au)
{
	struct actions_result *res = &au->result;
	struct actions_target *t = &res->target;

	REC_ACTION(REC_DEC)
	if (c->bad || (unsigned)res->kind >= ACTIONS_NKINDS ||
	    (unsigned)res->outcome >= ACTIONS_NOUTCOMES ||
	    (unsigned)res->undo.kind >= ACTIONS_NKINDS)
		return -EBADMSG;
	res->undo.procroot = NULL;
	res->undo.statedir = NULL;
	return 0;
}

/* ---- the cgroups frame (4.1) --------------------------------------------------- */

/*
 * The sample's cgroups: the rows of the tree in its pre-order, then which
 * cgroup each process is in (pid, row), then the sockets whose cgroup is
 * not their first owner's (the kernel's cgroup id placed them: orphans,
 * sockets a process inherited), as netns, inode, row + 1 (0: none).
 */
void rec_enc_cgroups(struct buf *b, const struct sample *s)
{
	const struct sample_cgroups *cg = &s->cgroups;
	struct buf row = { 0 };
	int32_t *derived;
	size_t i, n;

	rec_put_u(b, (uint64_t)cg->version);
	rec_put_u(b, cg->n);
	for (i = 0; i < cg->n; i++) {
		const struct sample_cgroup *g = &cg->v[i];
		struct buf *keep = b;

		row.len = 0;
		b = &row;
		REC_CGROUP(REC_ENC)
		b = keep;
		rec_put_u(b, row.len);
		rec_put_raw(b, row.p, row.len);
	}
	rec_buf_free(&row);
	for (i = 0, n = 0; i < s->procs.n; i++)
		n += cg->of_proc[i] >= 0;
	rec_put_u(b, n);
	for (i = 0; i < s->procs.n; i++)
		if (cg->of_proc[i] >= 0) {
			rec_put_u(b, (uint64_t)s->procs.v[i].pid);
			rec_put_u(b, (uint64_t)cg->of_proc[i]);
		}
	derived = rec_calloc1(s->socks.n, sizeof(*derived));
	if (!derived || sample_cgroups_socks_by_owner(s, derived) < 0) {
		free(derived);
		b->oom = 1;
		return;
	}
	for (i = 0, n = 0; i < s->socks.n; i++)
		n += derived[i] != cg->of_sock[i];
	rec_put_u(b, n);
	for (i = 0; i < s->socks.n; i++)
		if (derived[i] != cg->of_sock[i]) {
			rec_put_u(b, s->socks.v[i].netns);
			rec_put_u(b, s->socks.v[i].inode);
			rec_put_u(b, (uint64_t)(cg->of_sock[i] + 1));
		}
	free(derived);
}

/* Into s (decoded from its tables, no cgroups yet).  A tree that is not
 * one (a parent after its child, a row out of range) is -EBADMSG; s's
 * cgroups are then left empty by the caller. */
int rec_dec_cgroups(struct cur *c, struct sample *s)
{
	struct sample_cgroups *cg = &s->cgroups;
	uint64_t n, i, m;

	cg->version = (enum cgroup_version)rec_get_u(c);
	n = rec_get_u(c);
	if (c->bad || n > MAX_CGROUPS || n > (uint64_t)(c->e - c->p) ||
	    cg->version > CGROUP_V2)
		return -EBADMSG;
	cg->v = rec_calloc1((size_t)n, sizeof(*cg->v));
	cg->of_proc = rec_calloc1(s->procs.n, sizeof(*cg->of_proc));
	cg->of_sock = rec_calloc1(s->socks.n, sizeof(*cg->of_sock));
	if (!cg->v || !cg->of_proc || !cg->of_sock)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		struct sample_cgroup *g = &cg->v[i];
		uint64_t len = rec_get_u(c);
		struct cur rc;

		if (c->bad || len > (uint64_t)(c->e - c->p))
			return -EBADMSG;
		rc = (struct cur){ c->p, c->p + len, 0, 0 };
		c->p += len;
		{
			struct cur *keep = c;

			c = &rc;
			REC_CGROUP(REC_DEC)
			c = keep;
		}
		cg->n = (size_t)i + 1;	/* the path is cg's to free from here */
		if (rc.oom)
			return -ENOMEM;
		if (rc.bad || !g->path || g->path[0] != '/' || g->parent >= (int32_t)i ||
		    g->parent < -1 || g->kernel.acct > CGROUP_ACCT_NO_MEMCG)
			return -EBADMSG;
		cgroup_name(g->path, &g->name);
		g->depth = g->parent >= 0 ? (uint16_t)(cg->v[g->parent].depth + 1) : 0;
		/* every walk up the tree is bounded by its depth */
		if (g->depth > MAX_CGROUP_DEPTH)
			return -EBADMSG;
		if (g->parent >= 0)
			cg->v[g->parent].nchildren++;
	}
	for (i = 0; i < s->procs.n; i++)
		cg->of_proc[i] = -1;
	m = rec_get_u(c);
	if (c->bad || m > s->procs.n)
		return -EBADMSG;
	for (i = 0; i < m; i++) {
		uint64_t pid = rec_get_u(c), row = rec_get_u(c);
		const struct proc_info *p = pid <= INT32_MAX ? procs_find(&s->procs, (int)pid) : NULL;

		if (c->bad || row >= n)
			return -EBADMSG;
		if (p)
			cg->of_proc[p - s->procs.v] = (int32_t)row;
	}
	if (sample_cgroups_socks_by_owner(s, cg->of_sock) < 0)
		return -ENOMEM;
	m = rec_get_u(c);
	if (c->bad || m > s->socks.n)
		return -EBADMSG;
	for (i = 0; i < m; i++) {
		uint64_t ns = rec_get_u(c), ino = rec_get_u(c), row = rec_get_u(c);
		int32_t k = sock_of_inode(s, ino);

		if (c->bad || row > n)
			return -EBADMSG;
		/* the first socket of that inode in that namespace */
		while (k >= 0 && (size_t)k < s->socks.n && s->socks.v[k].inode == ino &&
		       s->socks.v[k].netns != ns)
			k++;
		if (k >= 0 && (size_t)k < s->socks.n && s->socks.v[k].inode == ino)
			cg->of_sock[k] = (int32_t)row - 1;
	}
	return c->bad || c->p != c->e ? -EBADMSG : 0;
}
