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
#include "census.skel.h"
#include "socks.skel.h"
#endif
#include "alloc_hook.h"

enum { NOT_TRIED, READY, REFUSED };

struct ltbpf {
	int census_state;
	int socks_state;	/* the socket iterators, loaded apart */
#ifdef HAVE_BPF
	struct ltbpf_census *census;
	struct ltbpf_socks *socks;
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
	bpf_link__destroy(b->link[LTBPF_ITER_TASK_FILE]);
	bpf_link__destroy(b->link[LTBPF_ITER_TASK]);
	b->link[LTBPF_ITER_TASK_FILE] = b->link[LTBPF_ITER_TASK] = NULL;
	ltbpf_census__destroy(b->census);
	b->census = NULL;
#else
	(void)b;
#endif
}

static void socks_unload(struct ltbpf *b)
{
#ifdef HAVE_BPF
	bpf_link__destroy(b->link[LTBPF_ITER_TCP]);
	bpf_link__destroy(b->link[LTBPF_ITER_UDP]);
	b->link[LTBPF_ITER_TCP] = b->link[LTBPF_ITER_UDP] = NULL;
	ltbpf_socks__destroy(b->socks);
	b->socks = NULL;
#else
	(void)b;
#endif
}

void ltbpf_free(struct ltbpf *b)
{
	if (!b)
		return;
	census_unload(b);
	socks_unload(b);
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
	socks_unload(b);
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

static int census_load(struct ltbpf *b)
{
	char why[128];
	int r;

	libbpf_set_print(quiet);
	b->census = ltbpf_census__open();
	if (!b->census) {
		r = -errno;
		snprintf(why, sizeof(why), "opening the census programs: %s", strerror(errno));
		goto fail;
	}
	r = ltbpf_census__load(b->census);
	if (r < 0) {
		/* the task program reads more of the kernel's structures than
		 * task_file: a kernel that refuses it keeps the owner census */
		ltbpf_census__destroy(b->census);
		b->census = ltbpf_census__open();
		if (!b->census) {
			r = -errno;
			snprintf(why, sizeof(why), "opening the census programs: %s",
				 strerror(errno));
			goto fail;
		}
		bpf_program__set_autoload(b->census->progs.ltbpf_task, false);
		r = ltbpf_census__load(b->census);
	}
	if (r < 0) {
		snprintf(why, sizeof(why), "loading the census programs: %s%s", strerror(-r),
			 r == -EPERM ? " (needs root or CAP_BPF)" : "");
		goto fail;
	}
	b->link[LTBPF_ITER_TASK_FILE] =
		bpf_program__attach_iter(b->census->progs.ltbpf_task_file, NULL);
	if (!b->link[LTBPF_ITER_TASK_FILE]) {
		r = -errno;
		snprintf(why, sizeof(why), "attaching iter/task_file: %s", strerror(errno));
		goto fail;
	}
	if (bpf_program__autoload(b->census->progs.ltbpf_task))
		b->link[LTBPF_ITER_TASK] =
			bpf_program__attach_iter(b->census->progs.ltbpf_task, NULL);
	return 0;
fail:
	ltbpf_refuse(b, why);
	return r;
}
#endif

#ifdef HAVE_BPF
/* The socket iterators: a kernel without them (before 5.9 for tcp and
 * udp) keeps the owner census; only the sockets come from sock_diag. */
static int socks_load(struct ltbpf *b)
{
	int r;

	b->socks = ltbpf_socks__open();
	if (!b->socks)
		return -errno;
	r = ltbpf_socks__load(b->socks);
	if (r < 0)
		goto fail;
	b->link[LTBPF_ITER_TCP] = bpf_program__attach_iter(b->socks->progs.ltbpf_tcp, NULL);
	b->link[LTBPF_ITER_UDP] = bpf_program__attach_iter(b->socks->progs.ltbpf_udp, NULL);
	if (!b->link[LTBPF_ITER_TCP] || !b->link[LTBPF_ITER_UDP]) {
		r = -errno;
		goto fail;
	}
	return 0;
fail:
	socks_unload(b);
	return r < 0 ? r : -EINVAL;
}
#endif

int ltbpf_socks_ready(struct ltbpf *b)
{
	if (!ltbpf_census_ready(b))
		return 0;
	if (b->socks_state == NOT_TRIED) {
#ifdef HAVE_BPF
		b->socks_state = socks_load(b) < 0 ? REFUSED : READY;
#else
		b->socks_state = REFUSED;
#endif
	}
	return b->socks_state == READY;
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
	prog = b->census->progs.ltbpf_task_file;
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
