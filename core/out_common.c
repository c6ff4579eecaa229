/*
 * Helpers the sinks share: stopping a writer, the sockets worth showing,
 * and the set of pids that findings are about (core/out_common.h).
 */
#include <errno.h>
#include <stdlib.h>

#include "leaktop/common.h"
#include "out_common.h"

int out_common_halted(FILE *f)
{
	if (lt_stop_requested) {
		errno = EINTR;
		return 1;
	}
	return ferror(f);
}

size_t out_common_shown_n(const struct sample *s)
{
	return s->shown ? s->nshown : s->socks.n;
}

/* The census index of row k: the shown rows' own list, else the order
 * (every socket, with all). */
static size_t row_index(const struct sample *s, int all, size_t k)
{
	if (!all && s->shown)
		return s->shown[k];
	return s->order ? s->order[k] : k;
}

int out_common_shown_at(const struct sample *s, size_t k, size_t *i)
{
	*i = row_index(s, 0, k);
	return s->shown || sample_sock_interesting(s, *i, s->pid_filter);
}

size_t out_common_rows_n(const struct sample *s, int all)
{
	return all ? s->socks.n : out_common_shown_n(s);
}

int out_common_rows_at(const struct sample *s, int all, size_t k, size_t *i)
{
	const struct sample_cgroup *g;

	if (!all)
		return out_common_shown_at(s, k, i);
	*i = row_index(s, 1, k);
	if (!s->cgroups.filter)
		return 1;
	/* the cut sample_take made of the shown rows, made of them all */
	g = sample_cgroup_of_sock(s, *i);
	return g && cgroup_matches(g->path, s->cgroups.filter);
}

void out_common_prefetch_row(const struct sample *s, int all, size_t k)
{
	size_t i;

	if (k >= out_common_rows_n(s, all))
		return;
	i = row_index(s, all, k);
	if (i >= s->socks.n)
		return;
	__builtin_prefetch(&s->socks.v[i]);
	if (s->rates)
		__builtin_prefetch(&s->rates[i]);
}

static int pid_cmp(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	return (x > y) - (x < y);
}

int out_common_pidset_build(struct out_common_pidset *ps, const struct finding_list *l)
{
	size_t i;

	ps->n = 0;
	ps->v = reallocarray(NULL, l->n ? l->n : 1, sizeof(*ps->v));
	if (!ps->v)
		return -1;
	for (i = 0; i < l->n; i++)
		ps->v[i] = l->v[i].pid;
	ps->n = l->n;
	qsort(ps->v, ps->n, sizeof(*ps->v), pid_cmp);
	return 0;
}

int out_common_pidset_has(const struct out_common_pidset *ps, int pid)
{
	int32_t key = pid;

	return ps->n && bsearch(&key, ps->v, ps->n, sizeof(*ps->v), pid_cmp);
}

void out_common_pidset_free(struct out_common_pidset *ps)
{
	free(ps->v);
	ps->v = NULL;
	ps->n = 0;
}
