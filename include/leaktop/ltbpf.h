/*
 * The BPF layer: leaktop's BPF programs (core/bpf/NAME.bpf.c, compiled by
 * clang at build time against the build machine's BTF, embedded as libbpf
 * skeletons, relocated at load time against the running kernel's BTF), how
 * they are loaded, how an iterator is read, and when they are not used.
 *
 * One struct ltbpf holds every program of one sampler; each group of
 * programs (the iterators, in one object; socket origins' tracing programs
 * apart, core/origin.c) is loaded on its first use and stays loaded until
 * ltbpf_free().  Nothing is pinned: the kernel drops the programs when the
 * process exits, however it exits.
 *
 * BPF is off, and the collectors take their /proc and sock_diag paths,
 * when the build has none (configure --disable-bpf, or no clang, bpftool,
 * libbpf or BTF at build time: no fallback is listed then), when
 * LEAKTOP_FALLBACKS names "bpf", or when the kernel refuses (no root or
 * CAP_BPF, no BTF, no iterator) or a reader finds the output unusable: the
 * "bpf" fallback is then marked missing (core/fallback.c) and the reason
 * kept (ltbpf_why_off).
 */
#ifndef LEAKTOP_LTBPF_H
#define LEAKTOP_LTBPF_H

#include <stddef.h>
#include "leaktop/common.h"

struct ltbpf;

enum ltbpf_iter {
	LTBPF_ITER_TASK_FILE,	/* every fd of every process (ltbpf_rec.h) */
	LTBPF_ITER_TCP,		/* the tcp sockets of the reader's netns */
	LTBPF_ITER_UDP,		/* the udp sockets of the reader's netns */
	LTBPF_ITER_TASK,	/* every process (ltbpf_rec.h); loaded with the
				 * census, absent where the kernel refused it */
	LTBPF_ITER_COUNT
};

/* 1 when this build carries the BPF programs. */
int ltbpf_built(void);

/* For --version: the libbpf the programs are loaded with ("libbpf 1.1,
 * the BPF census built in"), or that the build has none. */
void ltbpf_version(char *buf, size_t bufsz);

/* An empty layer: nothing is loaded until a program is asked for.  NULL
 * on -ENOMEM. */
struct ltbpf *ltbpf_new(void);
void ltbpf_free(struct ltbpf *b);

/*
 * Whether the census iterators can be used: loads them on the first call.
 * 1 yes; 0 no (not built, forced off, or the kernel refused: then the
 * "bpf" fallback is marked and ltbpf_why_off() says why).  Asked again
 * after a refusal it answers 0 without trying again.
 */
int ltbpf_census_ready(struct ltbpf *b);

/*
 * Whether the socket iterators (tcp, udp) can be used as well: they are
 * loaded with the census iterators (one object, so that the kernel's BTF
 * is parsed once), on ltbpf_census_ready()'s first call.  A kernel that
 * refuses them (before 5.9) leaves the owner census on: 0 then, without
 * a fallback marked.
 */
int ltbpf_socks_ready(struct ltbpf *b);

/*
 * Run iterator it once and hand its output to each() as it comes, in
 * pieces of whole records of rec_size bytes (at most LTBPF_EACH_MAX bytes
 * a piece, in a buffer of b's that stays the same size): the memory does
 * not grow with the number of records.  The socket iterators list the
 * network namespace of the calling thread (a helper thread that entered
 * it: core/netns.c); one thread at a time.  each() returns 0 to go on or
 * -errno to stop (returned).  0; -EBADMSG when the output ends inside a
 * record; other -errno when the iterator failed or memory ran out.
 */
#define LTBPF_EACH_MAX 65536
int ltbpf_iter_each(struct ltbpf *b, enum ltbpf_iter it, size_t rec_size,
		    int (*each)(void *arg, const void *buf, size_t len), void *arg);

/*
 * The task iterator restricted to each process of pids in turn (the
 * iterator's task parameter, Linux 6.1), everything written, the outputs
 * one after the other, each with its own header: *buf belongs to b and
 * stays valid until the next call or ltbpf_free(); a pid that no longer
 * exists gives nothing.  -EOPNOTSUPP on a kernel without the parameter
 * (then the whole machine is to be read with ltbpf_iter_each()); other
 * -errno as there.
 */
int ltbpf_iter_read_pids(struct ltbpf *b, enum ltbpf_iter it, const int *pids,
			 size_t npids, const void **buf, size_t *len);

/* Give up BPF for the rest of this run (a reader found its output
 * unusable): marks the fallback and keeps why (a one-line reason). */
void ltbpf_refuse(struct ltbpf *b, const char *why);
/* The kernel's loader program (a light skeleton) failed with -errno r:
 * list the bpf_loader fallback with why, unless r says it was not tried
 * (-EOPNOTSUPP: forced) or BPF is refused altogether (-EPERM).  The one
 * wording for the census's iterators and the origin tracer. */
void ltbpf_loader_failed(int r);

/* Why BPF is off, "" when it is on or was not tried.  Borrowed from b. */
const char *ltbpf_why_off(const struct ltbpf *b);

#endif
