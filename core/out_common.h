/*
 * What the sinks (core/out_*.c) share and nothing else uses: private to
 * core.  See leaktop/out.h for the sinks themselves.
 */
#ifndef LEAKTOP_OUT_COMMON_H
#define LEAKTOP_OUT_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include "leaktop/findings.h"
#include "leaktop/sample.h"

/* A writer stops at its next row when a stop was requested (errno EINTR)
 * or the stream failed (errno from the failed write): nonzero then. */
int out_common_halted(FILE *f);

/* The sockets worth showing, in census order: the sample's shown rows
 * when it has them (a live sample), else each one asked (a replay).
 * out_common_shown_at() sets *i to the k-th candidate's index in
 * s->socks and returns whether it is shown. */
size_t out_common_shown_n(const struct sample *s);
int out_common_shown_at(const struct sample *s, size_t k, size_t *i);

/* The rows a sink prints: the shown ones, or with all (--all) every socket
 * of the census in census order, as `ss -a` lists them; --cgroup's cut
 * still holds.  out_common_rows_at() is out_common_shown_at()'s twin. */
size_t out_common_rows_n(const struct sample *s, int all);
int out_common_rows_at(const struct sample *s, int all, size_t k, size_t *i);

/* Ask the CPU for row k's socket and rates ahead of out_common_rows_at():
 * the rows go in growth order and their sockets lie all over the census,
 * so at 500k sockets two cache misses a row were most of a sink's time.
 * A hint only: k may be past the rows (nothing then). */
void out_common_prefetch_row(const struct sample *s, int all, size_t k);

/* The pids of a sample's findings, sorted: whether a process is the
 * subject of a finding, in O(log n).  v is owned: out_common_pidset_free. */
struct out_common_pidset {
	int32_t *v;
	size_t n;
};

/* 0, or -1 with errno ENOMEM.  out_common_pidset_free() it either way. */
int out_common_pidset_build(struct out_common_pidset *ps, const struct finding_list *l);
int out_common_pidset_has(const struct out_common_pidset *ps, int pid);
void out_common_pidset_free(struct out_common_pidset *ps);

#endif
