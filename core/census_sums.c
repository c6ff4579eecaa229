/*
 * The census's own figures, kept by the full and the light census alike:
 * each socket's share of the memory breakdown (added, taken away, carried
 * over) and the shown list, the sockets worth a row.  sample.c and
 * census_light.c use these; they use neither.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "leaktop/sample.h"
#include "sample_int.h"
#include "alloc_hook.h"

_Static_assert(LTSOCK_MEM_NGROUPS == MEMINFO_SOCK_GROUPS, "socket memory groups");

/* Add (sign 1) or take away (sign -1) one socket's share of the census's
 * memory figures: what it pins in its group, what waits for its reader,
 * whether it is an orphan, what of it lies outside slab. */
static uint64_t plus(uint64_t a, uint64_t b, int sign)
{
	if (sign > 0)
		return a + b;
	return a > b ? a - b : 0;
}

void sample_census_add(struct meminfo_breakdown *m, const struct ltsock *k, int sign)
{
	uint64_t b;
	int g;

	/* the quiet majority holds nothing: decided without a call */
	if (k->inode && ltsock_holds_nothing(k))
		return;
	b = ltsock_mem(k);
	g = ltsock_mem_group(k);

	m->socket_group[g] = plus(m->socket_group[g], b, sign);
	m->socket_queues = plus(m->socket_queues, b, sign);
	m->socket_recv = plus(m->socket_recv, ltsock_queued(k), sign);
	m->orphans = plus(m->orphans, (uint64_t)ltsock_is_orphan(k), sign);
	m->socket_outside_slab = plus(m->socket_outside_slab, ltsock_outside_slab(k), sign);
}

/* The census's memory figures over every socket; then the part no meminfo
 * line counts is placed in the breakdown (out of unaccounted). */
void sample_census_sums(struct sample *s)
{
	struct meminfo_breakdown *m = &s->mem;
	size_t i;

	memset(m->socket_group, 0, sizeof(m->socket_group));
	m->socket_queues = 0;
	m->socket_recv = 0;
	m->orphans = 0;
	m->socket_outside_slab = 0;
	for (i = 0; i < s->socks.n; i++)
		sample_census_add(m, &s->socks.v[i], 1);
	m->socket_queues_from_census = 1;
	meminfo_place_sockets(m, m->socket_outside_slab);
}

/* A light sample starts from the figures of the census it keeps. */
void sample_census_carry(struct meminfo_breakdown *m, const struct meminfo_breakdown *p)
{
	memcpy(m->socket_group, p->socket_group, sizeof(m->socket_group));
	m->socket_queues = p->socket_queues;
	m->socket_recv = p->socket_recv;
	m->orphans = p->orphans;
	m->socket_outside_slab = p->socket_outside_slab;
	m->socket_queues_from_census = 1;
}

int sample_sock_interesting(const struct sample *s, size_t i, int pid_filter)
{
	const struct ltsock *k = &s->socks.v[i];
	size_t n;

	if (s->rates[i].flags)
		return 1;
	if (pid_filter)
		return fdtable_census_owners(&s->owners, k->inode, &n) != NULL;
	if (s->rates[i].growth_bps != 0)
		return 1;
	if (k->m->recv_q == 0 && k->m->rmem == 0 && k->m->send_q == 0 && k->m->wmem_queued == 0 &&
	    k->m->peer_q == 0)
		return 0;	/* the quiet majority, decided cheaply */
	/* a unix stream's queue is charged to its peer: rmem 0, Recv-Q not */
	return ltsock_queued(k) > 0 || ltsock_send_held(k) > 0 ||
	       (k->m->recv_q > 0 && ltsock_queue_is_bytes(k));
}

/* s->shown from s->order, so that the UI, the findings and the report need
 * not ask every socket again.  The sockets are asked in their own order (a
 * sequential pass; in census order each would be a cache miss: perf, 200k
 * sockets) into a bitmap that the pass in census order reads.  -ENOMEM. */
int sample_build_shown(struct sample *s)
{
	uint64_t *bits;
	size_t k;

	free(s->shown);
	s->nshown = 0;
	s->shown = malloc((s->socks.n ? s->socks.n : 1) * sizeof(*s->shown));
	if (!s->shown)
		return -ENOMEM;
	bits = calloc(s->socks.n / 64 + 1, sizeof(*bits));
	if (!bits) {
		for (k = 0; k < s->socks.n; k++)
			if (sample_sock_interesting(s, s->order[k], s->pid_filter))
				s->shown[s->nshown++] = s->order[k];
		return 0;
	}
	for (k = 0; k < s->socks.n; k++)
		if (sample_sock_interesting(s, k, s->pid_filter))
			bits[k / 64] |= (uint64_t)1 << (k % 64);
	for (k = 0; k < s->socks.n; k++) {
		uint32_t i = s->order[k];

		if (bits[i / 64] & ((uint64_t)1 << (i % 64)))
			s->shown[s->nshown++] = i;
	}
	free(bits);
	return 0;
}
