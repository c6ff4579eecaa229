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
#include "rec_int.h"

/* ---- tables ----------------------------------------------------------------- */

const struct schema rec_schemas[NT] = {
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

/* Fields of table t in a file of format major.x: 1.x rows stop before the
 * fields 2.0 added (socket memory, the rest of SK_MEMINFO, unix senders,
 * victims, namespaces held by a socket). */
int rec_schema_nf_of(int t, unsigned major)
{
	if (major < 2 && rec_schemas[t].nf10)
		return rec_schemas[t].nf10;
	if (major < 3 && rec_schemas[t].nf20)
		return rec_schemas[t].nf20;
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
		     (rec_schemas[t].nf20 && i == rec_schemas[t].nf20)) && o == len)
			break;	/* a 1.x or 2.x row */
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

/* ---- sample -> rows (writer) ------------------------------------------------ */

void rec_enc_finding(struct buf *b, const struct finding *x)
{
	rec_put_u(b, x->kind);
	rec_put_u(b, x->severity);
	rec_put_u(b, x->suspected);
	rec_put_i(b, x->pid);
	rec_put_i(b, x->fd);
	rec_put_u(b, x->inode);
	rec_put_u(b, x->netns);
	rec_put_sa(b, x->comm, sizeof(x->comm));
	rec_put_d(b, x->observed_s);
	rec_put_d(b, x->score);
	rec_put_s(b, x->action);
	rec_put_sa(b, x->summary, sizeof(x->summary));
	rec_put_sa(b, x->evidence, sizeof(x->evidence));
	rec_put_sa(b, x->explanation, sizeof(x->explanation));
	/* format 2.0 */
	rec_put_i(b, x->victim_pid);
	rec_put_i(b, x->victim_fd);
	rec_put_sa(b, x->victim_comm, sizeof(x->victim_comm));
	/* format 3.0: where the finding stands */
	rec_put_u(b, x->state);
	rec_put_u(b, x->mitigation);
	rec_put_u(b, x->check);
	rec_put_d(b, x->mitigated_at);
	rec_put_sa(b, x->mitigation_note, sizeof(x->mitigation_note));
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

	rec_put_d(b, s->time);
	rec_put_d(b, s->interval);
	rec_put_u(b, s->seq);
	rec_put_u(b, s->hidden);
	rec_put_d(b, s->pss_age);
	rec_put_i(b, s->as_root);
	rec_put_i(b, s->census);
	rec_put_i(b, s->census_complete);
	rec_put_i(b, s->pid_filter);
	rec_put_i(b, s->have_procs);
	rec_put_i(b, s->have_mem_limits);
	for (i = 0; i < 3; i++)
		rec_put_u(b, s->tcp_mem_limits[i]);
	for (i = 0; i < 3; i++)
		rec_put_u(b, s->udp_mem_limits[i]);
	rec_put_i(b, s->owners.hidden_procs);
	rec_put_u(b, s->socks.n);
	rec_put_u(b, m->total);
	rec_put_u(b, m->free);
	rec_put_u(b, m->available);
	rec_put_u(b, m->page_cache);
	rec_put_u(b, m->buffers);
	rec_put_u(b, m->shmem);
	rec_put_u(b, m->user_anon);
	rec_put_u(b, m->kernel_known);
	rec_put_i(b, m->unaccounted);
	rec_put_u(b, m->slab_reclaimable);
	rec_put_u(b, m->slab_unreclaimable);
	rec_put_u(b, m->kernel_stack);
	rec_put_u(b, m->page_tables);
	rec_put_u(b, m->vmalloc);
	rec_put_u(b, m->percpu);
	rec_put_u(b, m->hugetlb);
	rec_put_u(b, m->zswap);
	rec_put_i(b, m->stacks_in_vmalloc);
	rec_put_u(b, m->socket_queues);
	rec_put_i(b, m->socket_queues_from_census);
	rec_put_u(b, m->sockstat_tcp);
	rec_put_u(b, m->sockstat_udp);
	rec_put_u(b, m->pss.pss);
	rec_put_u(b, m->pss.anon);
	rec_put_u(b, m->pss.file);
	rec_put_u(b, m->pss.shmem);
	rec_put_i(b, m->pss.procs);
	rec_put_i(b, m->pss.hidden);
	rec_put_d(b, m->pss.time);
	rec_put_u(b, s->slab.total);
	rec_put_i(b, s->slab.readable);
	/* format 2.0: socket memory */
	rec_put_u(b, m->socket_buffers);
	for (i = 0; i < MEMINFO_SOCK_GROUPS; i++)
		rec_put_u(b, m->socket_group[i]);
	rec_put_u(b, m->socket_recv);
	rec_put_u(b, m->orphans);
	rec_put_u(b, m->sockstat_orphans);
	rec_put_u(b, m->sockstat_frag);
	rec_put_u(b, s->nns_unknown);
	rec_put_u(b, m->sockstat_slack);
}

static void enc_proc(struct buf *b, const struct proc_info *p)
{
	rec_put_i(b, p->ppid);
	rec_put_u(b, p->uid);
	rec_put_sa(b, p->user, sizeof(p->user));
	rec_put_sa(b, p->comm, sizeof(p->comm));
	rec_put_s(b, p->cmdline);
	rec_put_u(b, p->start_ticks);
	rec_put_d(b, p->start_time);
	rec_put_u(b, p->netns);
	rec_put_u(b, p->pss);
	rec_put_d(b, p->pss_age);
	rec_put_i(b, p->nfds);
	rec_put_i(b, p->fd_soft);
	rec_put_i(b, p->fd_hard);
	rec_put_i(b, p->nsockets);
	rec_put_i(b, p->ghosts);
	rec_put_i(b, p->ghosts_known);
	rec_put_d(b, p->oldest_ghost_age);
	rec_put_u(b, p->queued);
	rec_put_d(b, p->fd_growth_per_hour);
	rec_put_d(b, p->ghost_growth_per_hour);
	rec_put_i(b, p->growth_known);
	rec_put_i(b, p->fd_increase);
	rec_put_d(b, p->exhaustion_s);
	rec_put_u(b, p->hidden);
}

static void enc_sock(struct buf *b, const struct ltsock *k, const struct sock_rate *r)
{
	static const struct sock_rate none;

	if (!r)
		r = &none;
	rec_put_u(b, k->family);
	rec_put_u(b, k->type);
	rec_put_u(b, k->state);
	rec_put_u(b, k->source);
	rec_put_u(b, k->protocol);
	rec_put_u(b, k->have);
	rec_put_u(b, k->ifindex);
	rec_put_u(b, k->uid);
	rec_put_b(b, k->local.addr, trimmed(k->local.addr, 16));
	rec_put_u(b, k->local.port);
	rec_put_b(b, k->peer.addr, trimmed(k->peer.addr, 16));
	rec_put_u(b, k->peer.port);
	rec_put_u(b, k->recv_q);
	rec_put_u(b, k->send_q);
	rec_put_u(b, k->rmem);
	rec_put_u(b, k->rcvbuf);
	rec_put_u(b, k->wmem);
	rec_put_u(b, k->sndbuf);
	rec_put_u(b, k->drops);
	rec_put_s(b, k->path);
	rec_put_d(b, r->growth_bps);
	rec_put_d(b, r->drops_ps);
	rec_put_u(b, r->known);
	rec_put_u(b, r->flags);
	rec_put_u(b, r->points);
	/* format 2.0 */
	rec_put_u(b, k->fwd_alloc);
	rec_put_u(b, k->wmem_queued);
	rec_put_u(b, k->optmem);
	rec_put_u(b, k->backlog);
	rec_put_u(b, k->peer_q);
	rec_put_u(b, k->npeer_q);
	rec_put_d(b, r->send_growth_bps);
	rec_put_u(b, k->npeer_blocked);
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
		const struct meminfo_slabcache *c = &s->slab.top[i];
		struct buf *b = &rs[T_SLAB].b;

		r = row_begin(&rs[T_SLAB], i, 0, 0);
		rec_put_sa(b, c->name, sizeof(c->name));
		rec_put_u(b, c->bytes);
		rec_put_u(b, c->active_objs);
		rec_put_u(b, c->num_objs);
		rec_put_u(b, c->objsize);
		row_end(&rs[T_SLAB], r);
	}
	for (i = 0; i < s->nnetns; i++) {
		const struct sample_netns *n = &s->netns[i];
		struct buf *b = &rs[T_NETNS].b;
		uint64_t fb = 0;
		int k;

		r = row_begin(&rs[T_NETNS], i, 0, 0);
		rec_put_u(b, n->ino);
		rec_put_i(b, n->pid);
		rec_put_sa(b, n->name, sizeof(n->name));
		rec_put_u(b, n->nsockets);
		rec_put_i(b, n->rep.entered);
		rec_put_sa(b, n->rep.why, sizeof(n->rep.why));
		for (k = 0; k < SOCKDIAG_NKINDS; k++) {
			rec_put_u(b, (uint64_t)n->rep.result[k]);
			if (n->rep.fallback[k])
				fb |= 1ull << k;
		}
		rec_put_u(b, fb);
		rec_put_i(b, n->rep.complete);
		rec_put_i(b, n->held_by);	/* format 2.0 */
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
		rec_put_i(b, p->nfds);
		rec_put_i(b, p->nsockets);
		rec_put_sa(b, p->comm, sizeof(p->comm));
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
	for (i = 0; i < s->nfdtables; i++) {
		const struct fd_table *ft = &s->fdtables[i];

		r = row_begin(&rs[T_FDTAB], i, 0, 0);
		rec_put_i(&rs[T_FDTAB].b, ft->pid);
		rec_put_i(&rs[T_FDTAB].b, ft->hidden);
		row_end(&rs[T_FDTAB], r);
		for (j = 0; j < ft->n; j++) {
			const struct fd_entry *e = &ft->v[j];
			struct buf *b = &rs[T_FDENT].b;

			r = row_begin(&rs[T_FDENT], i, j, 0);
			rec_put_i(b, e->fd);
			rec_put_u(b, e->kind);
			rec_put_u(b, e->ghost);
			rec_put_s(b, e->target);
			rec_put_u(b, e->inode);
			rec_put_u(b, e->pos);
			rec_put_u(b, e->flags);
			rec_put_sa(b, e->sockproto, sizeof(e->sockproto));
			rec_put_d(b, e->ghost_age);
			rec_put_u(b, e->sock >= 0);
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

static void dec_meta(struct cur *c, struct sample *s)
{
	struct meminfo_breakdown *m = &s->mem;
	int i;

	s->time = rec_get_d(c);
	s->interval = rec_get_d(c);
	s->seq = (unsigned)rec_get_u(c);
	s->hidden = (unsigned)rec_get_u(c);
	s->pss_age = rec_get_d(c);
	s->as_root = (int)rec_get_i(c);
	s->census = (int)rec_get_i(c);
	s->census_complete = (int)rec_get_i(c);
	s->pid_filter = (int)rec_get_i(c);
	s->have_procs = (int)rec_get_i(c);
	s->have_mem_limits = (int)rec_get_i(c);
	for (i = 0; i < 3; i++)
		s->tcp_mem_limits[i] = rec_get_u(c);
	for (i = 0; i < 3; i++)
		s->udp_mem_limits[i] = rec_get_u(c);
	s->owners.hidden_procs = (int)rec_get_i(c);
	(void)rec_get_u(c);		/* socket count: the rows say it */
	m->total = rec_get_u(c);
	m->free = rec_get_u(c);
	m->available = rec_get_u(c);
	m->page_cache = rec_get_u(c);
	m->buffers = rec_get_u(c);
	m->shmem = rec_get_u(c);
	m->user_anon = rec_get_u(c);
	m->kernel_known = rec_get_u(c);
	m->unaccounted = rec_get_i(c);
	m->slab_reclaimable = rec_get_u(c);
	m->slab_unreclaimable = rec_get_u(c);
	m->kernel_stack = rec_get_u(c);
	m->page_tables = rec_get_u(c);
	m->vmalloc = rec_get_u(c);
	m->percpu = rec_get_u(c);
	m->hugetlb = rec_get_u(c);
	m->zswap = rec_get_u(c);
	m->stacks_in_vmalloc = (int)rec_get_i(c);
	m->socket_queues = rec_get_u(c);
	m->socket_queues_from_census = (int)rec_get_i(c);
	m->sockstat_tcp = rec_get_u(c);
	m->sockstat_udp = rec_get_u(c);
	m->pss.pss = rec_get_u(c);
	m->pss.anon = rec_get_u(c);
	m->pss.file = rec_get_u(c);
	m->pss.shmem = rec_get_u(c);
	m->pss.procs = (int)rec_get_i(c);
	m->pss.hidden = (int)rec_get_i(c);
	m->pss.time = rec_get_d(c);
	s->slab.total = rec_get_u(c);
	s->slab.readable = (int)rec_get_i(c);
	if (c->p < c->e) {	/* format 2.0: socket memory */
		m->socket_buffers = rec_get_u(c);
		for (i = 0; i < MEMINFO_SOCK_GROUPS; i++)
			m->socket_group[i] = rec_get_u(c);
		m->socket_recv = rec_get_u(c);
		m->orphans = rec_get_u(c);
		m->sockstat_orphans = rec_get_u(c);
		m->sockstat_frag = rec_get_u(c);
		s->nns_unknown = (size_t)rec_get_u(c);	/* the count; no inodes */
		m->sockstat_slack = rec_get_u(c);
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

int rec_dec_finding(struct cur *c, struct finding *x)
{
	const uint8_t *a;
	size_t n;

	memset(x, 0, sizeof(*x));
	x->kind = (uint8_t)rec_get_u(c);
	x->severity = (uint8_t)rec_get_u(c);
	x->suspected = (uint8_t)rec_get_u(c);
	x->pid = (int32_t)rec_get_i(c);
	x->fd = (int32_t)rec_get_i(c);
	x->inode = rec_get_u(c);
	x->netns = rec_get_u(c);
	rec_get_s(c, x->comm, sizeof(x->comm));
	x->observed_s = rec_get_d(c);
	x->score = rec_get_d(c);
	if (rec_get_span(c, &a, &n) == 0 && a)
		x->action = action_literal(a, n);
	rec_get_s(c, x->summary, sizeof(x->summary));
	rec_get_s(c, x->evidence, sizeof(x->evidence));
	rec_get_s(c, x->explanation, sizeof(x->explanation));
	x->victim_pid = -1;
	x->victim_fd = -1;
	if (c->p < c->e) {	/* format 2.0 */
		x->victim_pid = (int32_t)rec_get_i(c);
		x->victim_fd = (int32_t)rec_get_i(c);
		rec_get_s(c, x->victim_comm, sizeof(x->victim_comm));
	}
	/* before 3.0 the state is what the suspected bit said */
	x->state = x->suspected ? FINDING_SUSPECTED : FINDING_CONFIRMED;
	if (c->p < c->e) {	/* format 3.0 */
		x->state = (uint8_t)rec_get_u(c);
		x->mitigation = (uint8_t)rec_get_u(c);
		x->check = (uint8_t)rec_get_u(c);
		x->mitigated_at = rec_get_d(c);
		rec_get_s(c, x->mitigation_note, sizeof(x->mitigation_note));
	}
	if (c->bad || x->kind >= FINDING_NKINDS || x->severity > FINDING_CRITICAL ||
	    x->state >= FINDING_NSTATES || x->mitigation >= ACTIONS_NKINDS ||
	    x->check >= FINDING_NCHECKS)
		return -EBADMSG;
	return 0;
}

static int dec_proc(struct cur *c, struct proc_info *p)
{
	p->ppid = (int32_t)rec_get_i(c);
	p->uid = (uint32_t)rec_get_u(c);
	rec_get_s(c, p->user, sizeof(p->user));
	rec_get_s(c, p->comm, sizeof(p->comm));
	p->cmdline = rec_get_sdup(c);
	p->start_ticks = rec_get_u(c);
	p->start_time = rec_get_d(c);
	p->netns = rec_get_u(c);
	p->pss = rec_get_u(c);
	p->pss_age = rec_get_d(c);
	p->nfds = (int32_t)rec_get_i(c);
	p->fd_soft = rec_get_i(c);
	p->fd_hard = rec_get_i(c);
	p->nsockets = (int32_t)rec_get_i(c);
	p->ghosts = (int32_t)rec_get_i(c);
	p->ghosts_known = (int)rec_get_i(c);
	p->oldest_ghost_age = rec_get_d(c);
	p->queued = rec_get_u(c);
	p->fd_growth_per_hour = rec_get_d(c);
	p->ghost_growth_per_hour = rec_get_d(c);
	p->growth_known = (int)rec_get_i(c);
	p->fd_increase = (int32_t)rec_get_i(c);
	p->exhaustion_s = rec_get_d(c);
	p->hidden = (unsigned)rec_get_u(c);
	if (c->oom)
		return -ENOMEM;
	return c->bad ? -EBADMSG : 0;
}

static int dec_sock(struct cur *c, struct ltsock *k, struct sock_rate *r)
{
	k->family = (uint8_t)rec_get_u(c);
	k->type = (uint8_t)rec_get_u(c);
	k->state = (uint8_t)rec_get_u(c);
	k->source = (uint8_t)rec_get_u(c);
	k->protocol = (uint16_t)rec_get_u(c);
	k->have = (uint16_t)rec_get_u(c);
	k->ifindex = (uint32_t)rec_get_u(c);
	k->uid = (uint32_t)rec_get_u(c);
	rec_get_b(c, k->local.addr, 16);
	k->local.port = (uint16_t)rec_get_u(c);
	rec_get_b(c, k->peer.addr, 16);
	k->peer.port = (uint16_t)rec_get_u(c);
	k->recv_q = (uint32_t)rec_get_u(c);
	k->send_q = (uint32_t)rec_get_u(c);
	k->rmem = (uint32_t)rec_get_u(c);
	k->rcvbuf = (uint32_t)rec_get_u(c);
	k->wmem = (uint32_t)rec_get_u(c);
	k->sndbuf = (uint32_t)rec_get_u(c);
	k->drops = (uint32_t)rec_get_u(c);
	k->path = rec_get_sdup(c);
	r->growth_bps = rec_get_d(c);
	r->drops_ps = rec_get_d(c);
	r->known = (uint8_t)rec_get_u(c);
	r->flags = (uint8_t)(rec_get_u(c) & SOCK_FLAG_ALL);
	r->points = (uint8_t)rec_get_u(c);
	if (c->p < c->e) {	/* format 2.0: the whole SK_MEMINFO */
		k->fwd_alloc = (uint32_t)rec_get_u(c);
		k->wmem_queued = (uint32_t)rec_get_u(c);
		k->optmem = (uint32_t)rec_get_u(c);
		k->backlog = (uint32_t)rec_get_u(c);
		k->peer_q = (uint32_t)rec_get_u(c);
		k->npeer_q = (uint16_t)rec_get_u(c);
		r->send_growth_bps = rec_get_d(c);
		k->npeer_blocked = (uint16_t)rec_get_u(c);
	}
	if (c->oom)
		return -ENOMEM;
	return c->bad ? -EBADMSG : 0;
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
	dec_meta(&c, s);
	if (c.bad)
		return -EBADMSG;
	if (rs[T_SLAB].n > MEMINFO_SLAB_TOP)
		return -EBADMSG;
	for (i = 0; i < rs[T_SLAB].n; i++) {
		struct meminfo_slabcache *sc = &s->slab.top[i];

		c = row_cur(&rs[T_SLAB], i);
		rec_get_s(&c, sc->name, sizeof(sc->name));
		sc->bytes = rec_get_u(&c);
		sc->active_objs = rec_get_u(&c);
		sc->num_objs = rec_get_u(&c);
		sc->objsize = rec_get_u(&c);
		if (c.bad)
			return -EBADMSG;
	}
	s->slab.n = (int)rs[T_SLAB].n;

	n = rs[T_NETNS].n;
	s->netns = rec_calloc1(n, sizeof(*s->netns));
	if (!s->netns)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		struct sample_netns *ns = &s->netns[i];
		uint64_t fb;
		int k;

		c = row_cur(&rs[T_NETNS], i);
		ns->ino = rec_get_u(&c);
		ns->pid = (int)rec_get_i(&c);
		rec_get_s(&c, ns->name, sizeof(ns->name));
		ns->nsockets = (size_t)rec_get_u(&c);
		ns->rep.entered = (int)rec_get_i(&c);
		rec_get_s(&c, ns->rep.why, sizeof(ns->rep.why));
		for (k = 0; k < SOCKDIAG_NKINDS; k++) {
			uint64_t v = rec_get_u(&c);

			ns->rep.result[k] = v <= SOCKDIAG_FAILED ? (enum sockdiag_result)v
								 : SOCKDIAG_FAILED;
		}
		fb = rec_get_u(&c);
		for (k = 0; k < SOCKDIAG_NKINDS; k++)
			ns->rep.fallback[k] = (fb >> k) & 1;
		ns->rep.complete = (int)rec_get_i(&c);
		if (c.p < c.e)	/* format 2.0 */
			ns->held_by = (int)rec_get_i(&c);
		if (c.bad)
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
		struct fd_proc *p = &s->owners.procs[i];

		c = row_cur(&rs[T_FDPROC], i);
		p->pid = (int32_t)(uint32_t)rs[T_FDPROC].v[i].key[0];
		p->nfds = (int32_t)rec_get_i(&c);
		p->nsockets = (int32_t)rec_get_i(&c);
		rec_get_s(&c, p->comm, sizeof(p->comm));
		if (c.bad)
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
		if ((i & 4095) == 4095 && lt_stop_requested)
			return -EINTR;
		c = row_cur(&rs[T_FINDING], i);
		if (rec_dec_finding(&c, &s->findings.v[i]) < 0)
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
		ft->pid = (int32_t)rec_get_i(&c);
		ft->hidden = (int)rec_get_i(&c);
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
		e->fd = (int32_t)rec_get_i(&c);
		e->kind = (uint8_t)rec_get_u(&c);
		e->ghost = (uint8_t)rec_get_u(&c);
		e->target = rec_get_sdup(&c);
		e->inode = rec_get_u(&c);
		e->pos = rec_get_u(&c);
		e->flags = (uint32_t)rec_get_u(&c);
		rec_get_s(&c, e->sockproto, sizeof(e->sockproto));
		e->ghost_age = rec_get_d(&c);
		e->sock = rec_get_u(&c) ? sock_of_inode(s, e->inode) : -1;
		ft->n++;
		if (c.oom)
			return -ENOMEM;
		if (c.bad || e->kind >= FD_NKINDS || e->ghost > FD_GHOST_UNKNOWN)
			return -EBADMSG;
	}
	return 0;
}

void rec_enc_figures(struct buf *b, const struct actions_figures *f)
{
	rec_put_u(b, f->have);
	rec_put_u(b, f->rmem);
	rec_put_u(b, f->recv_q);
	rec_put_u(b, f->rcvbuf);
	rec_put_u(b, f->drops);
	rec_put_i(b, f->filter_len);
	rec_put_i(b, f->filter_drops_all);
	rec_put_i(b, f->filter_locked);
	rec_put_u(b, f->fd_soft);
	rec_put_u(b, f->fd_hard);
	rec_put_u(b, f->nfds);
	rec_put_u(b, f->drained_bytes);
	rec_put_u(b, f->drained_packets);
}

void rec_dec_figures(struct cur *c, struct actions_figures *f)
{
	f->have = (unsigned)rec_get_u(c);
	f->rmem = (uint32_t)rec_get_u(c);
	f->recv_q = (uint32_t)rec_get_u(c);
	f->rcvbuf = (uint32_t)rec_get_u(c);
	f->drops = (uint32_t)rec_get_u(c);
	f->filter_len = (int32_t)rec_get_i(c);
	f->filter_drops_all = (int)rec_get_i(c);
	f->filter_locked = (int)rec_get_i(c);
	f->fd_soft = rec_get_u(c);
	f->fd_hard = rec_get_u(c);
	f->nfds = (uint32_t)rec_get_u(c);
	f->drained_bytes = rec_get_u(c);
	f->drained_packets = rec_get_u(c);
}
