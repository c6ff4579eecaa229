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
#include "iters.lskel.h"
#endif
#include "alloc_hook.h"

enum { NOT_TRIED, READY, REFUSED };

struct ltbpf {
	int census_state;
	int socks_state;	/* the socket iterators: READY when loaded too */
#ifdef HAVE_BPF
	/* the task and socket iterators, one object: loaded by the kernel's
	 * loader program (lite), or by libbpf (iters) where that fails */
	struct ltbpf_lite *lite;
	struct ltbpf_iters *iters;
	int prog[LTBPF_ITER_COUNT];	/* the programs' fds (the skeleton's), -1 */
	int link[LTBPF_ITER_COUNT];	/* an iterator link each, -1 */
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
	struct ltbpf *b = calloc(1, sizeof(struct ltbpf));
#ifdef HAVE_BPF
	int i;

	for (i = 0; b && i < LTBPF_ITER_COUNT; i++)
		b->prog[i] = b->link[i] = -1;
#endif
	return b;
}

static void census_unload(struct ltbpf *b)
{
#ifdef HAVE_BPF
	int i;

	for (i = 0; i < LTBPF_ITER_COUNT; i++) {
		if (b->link[i] >= 0)
			close(b->link[i]);
		b->prog[i] = b->link[i] = -1;
	}
	ltbpf_lite__destroy(b->lite);
	b->lite = NULL;
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

void ltbpf_loader_failed(int r)
{
	char why[128];

	if (r >= 0 || r == -EOPNOTSUPP || r == -EPERM)
		return;
	snprintf(why, sizeof(why), "the kernel's loader program failed: %s", strerror(-r));
	fallback_detected_why(LT_FB_BPF_LOADER, why);
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

/* An iterator link for program fd prog (every task, or the one process
 * pid when pid > 0): its fd, or -errno. */
static int iter_link(int prog, int pid)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts);
	union bpf_iter_link_info info;
	int fd;

	if (pid > 0) {
		memset(&info, 0, sizeof(info));
		info.task.pid = (__u32)pid;
		opts.iter_info = &info;
		opts.iter_info_len = sizeof(info);
	}
	fd = bpf_link_create(prog, 0, BPF_TRACE_ITER, &opts);
	return fd < 0 ? -errno : fd;
}

/*
 * Every iterator through the kernel's loader program (a light skeleton:
 * the kernel relocates the programs against its own BTF, Linux 5.17),
 * which spares libbpf's reading and parsing of that BTF: ~10 ms instead
 * of ~60 at every start.  0 or -errno.
 */
static int lite_load(struct ltbpf *b)
{
	if (lt_fallback(LT_FB_BPF_LOADER))
		return -EOPNOTSUPP;
	errno = 0;
	b->lite = ltbpf_lite__open_and_load();
	if (!b->lite)
		return errno ? -errno : -EINVAL;
	b->prog[LTBPF_ITER_TASK_FILE] = b->lite->progs.ltbpf_task_file.prog_fd;
	b->prog[LTBPF_ITER_TASK] = b->lite->progs.ltbpf_task.prog_fd;
	b->prog[LTBPF_ITER_TCP] = b->lite->progs.ltbpf_tcp.prog_fd;
	b->prog[LTBPF_ITER_UDP] = b->lite->progs.ltbpf_udp.prog_fd;
	return 0;
}

/*
 * Open and load the iterators through libbpf, without the task program
 * (it reads more of the kernel's structures than task_file) when task is
 * 0 and without the socket iterators (tcp and udp, Linux 5.9) when socks
 * is 0.  0 or -errno.
 */
static int iters_load(struct ltbpf *b, int task, int socks)
{
	struct bpf_program *p[LTBPF_ITER_COUNT];
	int i, r;

	b->iters = ltbpf_iters__open();
	if (!b->iters)
		return -errno;
	p[LTBPF_ITER_TASK_FILE] = b->iters->progs.ltbpf_task_file;
	p[LTBPF_ITER_TASK] = b->iters->progs.ltbpf_task;
	p[LTBPF_ITER_TCP] = b->iters->progs.ltbpf_tcp;
	p[LTBPF_ITER_UDP] = b->iters->progs.ltbpf_udp;
	bpf_program__set_autoload(p[LTBPF_ITER_TASK], task);
	bpf_program__set_autoload(p[LTBPF_ITER_TCP], socks);
	bpf_program__set_autoload(p[LTBPF_ITER_UDP], socks);
	r = ltbpf_iters__load(b->iters);
	if (r < 0) {
		ltbpf_iters__destroy(b->iters);
		b->iters = NULL;
		return r;
	}
	for (i = 0; i < LTBPF_ITER_COUNT; i++)
		b->prog[i] = bpf_program__autoload(p[i]) ? bpf_program__fd(p[i]) : -1;
	return 0;
}

/*
 * The kernel's loader first.  Where it fails (before 5.17, or a kernel
 * that refuses a program), libbpf loads one object holding every
 * iterator, so that it parses the kernel's BTF once (tens of
 * milliseconds).  A kernel that refuses that whole is asked again with
 * fewer programs: without the task program, without the socket iterators
 * (then the sockets come from sock_diag and the owner census stays),
 * without both.  Only task_file is needed for the census.
 */
static int census_load(struct ltbpf *b)
{
	static const struct { int task, socks; } tries[] = {
		{ 1, 1 }, { 0, 1 }, { 1, 0 }, { 0, 0 },
	};
	char why[128];
	size_t i;
	int r;

	libbpf_set_print(quiet);
	r = lite_load(b);
	if (r < 0 && r != -EPERM) {
		ltbpf_loader_failed(r);
		for (i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
			r = iters_load(b, tries[i].task, tries[i].socks);
			if (r >= 0 || r == -EPERM || r == -ENOMEM)
				break;
		}
	}
	if (r < 0) {
		snprintf(why, sizeof(why), "loading the census programs: %s%s", strerror(-r),
			 r == -EPERM ? " (needs root or CAP_BPF)" : "");
		goto fail;
	}
	r = b->link[LTBPF_ITER_TASK_FILE] = iter_link(b->prog[LTBPF_ITER_TASK_FILE], 0);
	if (r < 0) {
		snprintf(why, sizeof(why), "attaching iter/task_file: %s", strerror(-r));
		goto fail;
	}
	for (i = LTBPF_ITER_TASK_FILE + 1; i < LTBPF_ITER_COUNT; i++)
		if (b->prog[i] >= 0 && (b->link[i] = iter_link(b->prog[i], 0)) < 0)
			b->link[i] = -1;
	b->socks_state = b->link[LTBPF_ITER_TCP] >= 0 && b->link[LTBPF_ITER_UDP] >= 0 ?
		READY : REFUSED;
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
static int drain(struct ltbpf *b, int link, size_t *n)
{
	ssize_t got;
	int fd, r = 0;

	fd = bpf_iter_create(link);
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

	if ((unsigned)it >= LTBPF_ITER_COUNT || b->census_state != READY || b->link[it] < 0 ||
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
	fd = bpf_iter_create(b->link[it]);
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
	size_t n = 0, i;
	int link, r = 0;

	*buf = NULL;
	*len = 0;
	if (it != LTBPF_ITER_TASK_FILE || b->census_state != READY)
		return -EINVAL;
	if (b->no_pid_param)
		return -EOPNOTSUPP;
	for (i = 0; i < npids && r == 0; i++) {
		link = iter_link(b->prog[LTBPF_ITER_TASK_FILE], pids[i]);
		if (link < 0) {
			r = link;
			if (r == -ESRCH || r == -ENOENT)
				r = 0;	/* gone since the process list */
			else if (r == -EINVAL || r == -E2BIG || r == -EOPNOTSUPP)
				b->no_pid_param = 1;	/* before Linux 6.1 */
			continue;
		}
		r = drain(b, link, &n);
		close(link);
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
