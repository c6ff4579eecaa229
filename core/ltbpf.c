/*
 * The BPF layer (include/leaktop/ltbpf.h): loading the embedded skeletons,
 * reading iterators, and giving up cleanly.  libbpf does the ELF and BTF
 * work (CO-RE relocations against /sys/kernel/btf/vmlinux, maps, program
 * loading); writing that ourselves would be a second, worse libbpf.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "leaktop/fallback.h"
#include "leaktop/ltbpf.h"

#ifdef HAVE_BPF
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "iters.skel.h"
#endif
#include "alloc_hook.h"

enum { NOT_TRIED, READY, REFUSED };

struct ltbpf {
	int census_state;
	int socks_state;	/* the socket iterators: READY when loaded too */
#ifdef HAVE_BPF
	struct ltbpf_iters *iters;	/* task and socket iterators, one object */
	struct bpf_link *link[LTBPF_ITER_COUNT];
#endif
	int no_pid_param;	/* the kernel has no task iterator parameter */
	char *buf;		/* the last iterator's output */
	size_t cap;
	char why[160];
};

int ltbpf_built(void)
{
#ifdef HAVE_BPF
	return 1;
#else
	return 0;
#endif
}

void ltbpf_version(char *buf, size_t bufsz)
{
#ifdef HAVE_BPF
	snprintf(buf, bufsz, "%s, the BPF census built in", libbpf_version_string());
#else
	snprintf(buf, bufsz, "none: the BPF census is not in this build");
#endif
}

struct ltbpf *ltbpf_new(void)
{
	return calloc(1, sizeof(struct ltbpf));
}

static void census_unload(struct ltbpf *b)
{
#ifdef HAVE_BPF
	int i;

	for (i = 0; i < LTBPF_ITER_COUNT; i++) {
		bpf_link__destroy(b->link[i]);
		b->link[i] = NULL;
	}
	ltbpf_iters__destroy(b->iters);
	b->iters = NULL;
#else
	(void)b;
#endif
}

void ltbpf_free(struct ltbpf *b)
{
	if (!b)
		return;
	census_unload(b);
	free(b->buf);
	free(b);
}

void ltbpf_refuse(struct ltbpf *b, const char *why)
{
	if (b->census_state != REFUSED)
		snprintf(b->why, sizeof(b->why), "%s", why);
	b->census_state = REFUSED;
	b->socks_state = REFUSED;
	census_unload(b);
	fallback_detected_why(LT_FB_BPF, b->why);
}

const char *ltbpf_why_off(const struct ltbpf *b)
{
	return b->why;
}

#ifdef HAVE_BPF
/* libbpf's own messages would land on the user's terminal: the one line
 * that matters is kept in b->why instead. */
static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

/*
 * Open and load the iterators, without the task program (it reads more of
 * the kernel's structures than task_file) when task is 0 and without the
 * socket iterators (tcp and udp, Linux 5.9) when socks is 0.  0 or -errno.
 */
static int iters_load(struct ltbpf *b, int task, int socks)
{
	int r;

	b->iters = ltbpf_iters__open();
	if (!b->iters)
		return -errno;
	bpf_program__set_autoload(b->iters->progs.ltbpf_task, task);
	bpf_program__set_autoload(b->iters->progs.ltbpf_tcp, socks);
	bpf_program__set_autoload(b->iters->progs.ltbpf_udp, socks);
	r = ltbpf_iters__load(b->iters);
	if (r < 0) {
		ltbpf_iters__destroy(b->iters);
		b->iters = NULL;
	}
	return r;
}

/*
 * One object holds every iterator, so that libbpf parses the kernel's BTF
 * once (tens of milliseconds, the larger part of a cold start).  A kernel
 * that refuses it whole is asked again with fewer programs: without the
 * task program, without the socket iterators (then the sockets come from
 * sock_diag and the owner census stays), without both.  Only task_file is
 * needed for the census.
 */
static int census_load(struct ltbpf *b)
{
	static const struct { int task, socks; } tries[] = {
		{ 1, 1 }, { 0, 1 }, { 1, 0 }, { 0, 0 },
	};
	char why[128];
	size_t i;
	int r = -EINVAL;

	libbpf_set_print(quiet);
	for (i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
		r = iters_load(b, tries[i].task, tries[i].socks);
		if (r >= 0 || r == -EPERM || r == -ENOMEM)
			break;
	}
	if (r < 0) {
		snprintf(why, sizeof(why), "loading the census programs: %s%s", strerror(-r),
			 r == -EPERM ? " (needs root or CAP_BPF)" : "");
		goto fail;
	}
	b->link[LTBPF_ITER_TASK_FILE] =
		bpf_program__attach_iter(b->iters->progs.ltbpf_task_file, NULL);
	if (!b->link[LTBPF_ITER_TASK_FILE]) {
		r = -errno;
		snprintf(why, sizeof(why), "attaching iter/task_file: %s", strerror(errno));
		goto fail;
	}
	if (bpf_program__autoload(b->iters->progs.ltbpf_task))
		b->link[LTBPF_ITER_TASK] =
			bpf_program__attach_iter(b->iters->progs.ltbpf_task, NULL);
	b->socks_state = REFUSED;
	if (bpf_program__autoload(b->iters->progs.ltbpf_tcp)) {
		b->link[LTBPF_ITER_TCP] =
			bpf_program__attach_iter(b->iters->progs.ltbpf_tcp, NULL);
		b->link[LTBPF_ITER_UDP] =
			bpf_program__attach_iter(b->iters->progs.ltbpf_udp, NULL);
		if (b->link[LTBPF_ITER_TCP] && b->link[LTBPF_ITER_UDP])
			b->socks_state = READY;
	}
	return 0;
fail:
	ltbpf_refuse(b, why);
	return r;
}
#endif

int ltbpf_socks_ready(struct ltbpf *b)
{
	/* loaded with the census (census_load) */
	return ltbpf_census_ready(b) && b->socks_state == READY;
}

int ltbpf_census_ready(struct ltbpf *b)
{
	if (!b)
		return 0;
	if (b->census_state == NOT_TRIED) {
		if (lt_fallback(LT_FB_BPF)) {
			/* forced, or found missing by another sampler */
			b->census_state = REFUSED;
			return 0;
		}
#ifdef HAVE_BPF
		if (census_load(b) < 0)
			return 0;
		b->census_state = READY;
#else
		b->census_state = REFUSED;
		snprintf(b->why, sizeof(b->why), "not in this build");
#endif
	}
	return b->census_state == READY && !lt_fallback(LT_FB_BPF);
}

#ifdef HAVE_BPF
/* Drain a new iterator of link into b->buf from byte *n on.  0 or -errno. */
static int drain(struct ltbpf *b, struct bpf_link *link, size_t *n)
{
	ssize_t got;
	int fd, r = 0;

	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0)
		return -errno;
	for (;;) {
		if (b->cap - *n < 65536) {
			size_t cap = b->cap ? b->cap * 2 : 1 << 20;
			char *v = realloc(b->buf, cap);

			if (!v) {
				r = -ENOMEM;
				break;
			}
			b->buf = v;
			b->cap = cap;
		}
		got = read(fd, b->buf + *n, b->cap - *n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			r = -errno;
			break;
		}
		if (got == 0)
			break;
		*n += (size_t)got;
	}
	close(fd);
	return r;
}
#endif

int ltbpf_iter_each(struct ltbpf *b, enum ltbpf_iter it, size_t rec_size,
		    int (*each)(void *arg, const void *buf, size_t len), void *arg)
{
#ifdef HAVE_BPF
	size_t have = 0, whole, want = LTBPF_EACH_MAX + rec_size;
	ssize_t got;
	int fd, r = 0;

	if ((unsigned)it >= LTBPF_ITER_COUNT || b->census_state != READY || !b->link[it] ||
	    !rec_size || rec_size > LTBPF_EACH_MAX)
		return -EINVAL;
	if (b->cap < want) {
		char *v = realloc(b->buf, want);

		if (!v)
			return -ENOMEM;
		b->buf = v;
		b->cap = want;
	}
	/* the socket iterators list the namespace current at this point:
	 * the calling thread's */
	fd = bpf_iter_create(bpf_link__fd(b->link[it]));
	if (fd < 0)
		return -errno;
	for (;;) {
		got = read(fd, b->buf + have, LTBPF_EACH_MAX + rec_size - have);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			r = -errno;
			break;
		}
		if (got == 0) {
			if (have)
				r = -EBADMSG;	/* a record cut short */
			break;
		}
		have += (size_t)got;
		whole = have - have % rec_size;
		if (whole) {
			r = each(arg, b->buf, whole);
			if (r < 0)
				break;
			memmove(b->buf, b->buf + whole, have - whole);
			have -= whole;
		}
	}
	close(fd);
	return r;
#else
	(void)b;
	(void)it;
	(void)rec_size;
	(void)each;
	(void)arg;
	return -ENOSYS;
#endif
}

int ltbpf_iter_read_pids(struct ltbpf *b, enum ltbpf_iter it, const int *pids,
			 size_t npids, const void **buf, size_t *len)
{
#ifdef HAVE_BPF
	LIBBPF_OPTS(bpf_iter_attach_opts, opts);
	union bpf_iter_link_info info;
	struct bpf_program *prog;
	struct bpf_link *link;
	size_t n = 0, i;
	int r = 0;

	*buf = NULL;
	*len = 0;
	if (it != LTBPF_ITER_TASK_FILE || b->census_state != READY)
		return -EINVAL;
	if (b->no_pid_param)
		return -EOPNOTSUPP;
	prog = b->iters->progs.ltbpf_task_file;
	for (i = 0; i < npids && r == 0; i++) {
		memset(&info, 0, sizeof(info));
		info.task.pid = (__u32)pids[i];
		opts.link_info = &info;
		opts.link_info_len = sizeof(info);
		link = bpf_program__attach_iter(prog, &opts);
		if (!link) {
			r = -errno;
			if (r == -ESRCH || r == -ENOENT)
				r = 0;	/* gone since the process list */
			else if (r == -EINVAL || r == -E2BIG || r == -EOPNOTSUPP)
				b->no_pid_param = 1;	/* before Linux 6.1 */
			continue;
		}
		r = drain(b, link, &n);
		bpf_link__destroy(link);
	}
	if (b->no_pid_param)
		return -EOPNOTSUPP;
	if (r < 0)
		return r;
	*buf = b->buf;
	*len = n;
	return 0;
#else
	(void)b;
	(void)it;
	(void)pids;
	(void)npids;
	*buf = NULL;
	*len = 0;
	return -ENOSYS;
#endif
}
