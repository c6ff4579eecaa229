/*
 * Made-up samples for the triage tests: the one builder behind
 * check_findings.c, check_severity.c and check_triage.c (check_samples.h
 * says what each function gives).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "check_suites.h"
#include "check_samples.h"

/*
 * The tests' own socket figures: blocks handed out in chunks that live
 * until the test process ends (never freed, never reused), each marked
 * with the socket it was made for.
 */
struct mem_chunk {
	struct mem_chunk *next;
	size_t n;
	struct {
		struct ltsock_mem m;
		const struct ltsock *owner;
	} b[4096];
};

static struct mem_chunk *mem_chunks;

struct ltsock_mem *check_mem(struct ltsock *s)
{
	struct mem_chunk *c;

	for (c = mem_chunks; c && s->m; c = c->next) {
		size_t i;

		if ((const char *)s->m < (const char *)&c->b[0] ||
		    (const char *)s->m >= (const char *)&c->b[c->n])
			continue;
		i = (size_t)((const char *)s->m - (const char *)&c->b[0]) / sizeof(c->b[0]);
		if (c->b[i].owner == s)
			return &c->b[i].m;	/* this socket's own: change it */
		break;
	}
	c = mem_chunks;
	if (!c || c->n == sizeof(c->b) / sizeof(c->b[0])) {
		c = calloc(1, sizeof(*c));
		ck_assert_ptr_nonnull(c);
		c->next = mem_chunks;
		mem_chunks = c;
	}
	c->b[c->n].m = s->m ? *s->m : ltsock_mem_zero;
	c->b[c->n].owner = s;
	s->m = &c->b[c->n].m;
	return &c->b[c->n++].m;
}

void check_samples_init(struct sample *s, double t, uint64_t seq)
{
	memset(s, 0, sizeof(*s));
	s->time = t;
	s->interval = 1;
	s->seq = seq;
	s->census = 1;
	s->census_complete = 1;
}

struct ltsock check_samples_sock(uint64_t inode, int type)
{
	struct ltsock k;

	memset(&k, 0, sizeof(k));
	k.inode = inode;
	k.netns = CHECK_SAMPLES_NETNS;
	k.family = AF_INET;
	k.type = (uint8_t)type;
	k.protocol = type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP;
	k.state = type == SOCK_STREAM ? TCP_ESTABLISHED : TCP_CLOSE;
	check_mem(&k)->rcvbuf = 212992;
	k.have = LTSOCK_HAVE_SKMEM | LTSOCK_HAVE_DROPS | LTSOCK_HAVE_QUEUE;
	return k;
}

void check_samples_socks(struct sample *s, const struct ltsock *k, const uint8_t *flags,
			 size_t n, uint8_t points)
{
	size_t i;

	ck_assert_uint_eq(s->socks.n, 0);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(ltsock_vec_push(&s->socks, &k[i]), 0);
	s->rates = calloc(n ? n : 1, sizeof(*s->rates));
	s->order = calloc(n ? n : 1, sizeof(*s->order));
	ck_assert_ptr_nonnull(s->rates);
	ck_assert_ptr_nonnull(s->order);
	for (i = 0; i < n; i++) {
		s->rates[i].known = 1;
		s->rates[i].flags = flags[i];
		s->rates[i].points = points;
		s->order[i] = (uint32_t)i;
	}
}

void check_samples_owners(struct sample *s, const struct check_owner *o, size_t n)
{
	size_t i;

	s->owners.owners = calloc(n ? n : 1, sizeof(*s->owners.owners));
	s->owners.procs = calloc(n ? n : 1, sizeof(*s->owners.procs));
	ck_assert_ptr_nonnull(s->owners.owners);
	ck_assert_ptr_nonnull(s->owners.procs);
	for (i = 0; i < n; i++) {
		if (i)
			ck_assert(o[i - 1].inode < o[i].inode && o[i - 1].pid < o[i].pid);
		s->owners.owners[i].inode = o[i].inode;
		s->owners.owners[i].pid = o[i].pid;
		s->owners.owners[i].fd = o[i].fd;
		s->owners.procs[i].pid = o[i].pid;
		s->owners.procs[i].nfds = 8;
		s->owners.procs[i].nsockets = 1;
		snprintf(s->owners.procs[i].comm, sizeof(s->owners.procs[i].comm), "%s",
			 o[i].comm);
	}
	s->owners.nowners = n;
	s->owners.nprocs = n;
}

struct proc_info *check_samples_proc(struct sample *s, const char *comm)
{
	struct proc_info *p;

	ck_assert_uint_eq(s->procs.n, 0);
	s->have_procs = 1;
	s->procs.v = calloc(1, sizeof(*p));
	ck_assert_ptr_nonnull(s->procs.v);
	s->procs.n = s->procs.cap = 1;
	p = &s->procs.v[0];
	p->pid = getpid() + 1;
	snprintf(p->comm, sizeof(p->comm), "%s", comm);
	return p;
}
