/*
 * Socket origins (include/leaktop/origin.h): the origin tracer's program
 * loaded on first use, its ring buffer read once a sample, each new socket
 * unwound as its event arrives, one path per distinct call path, and a
 * finding's sockets grouped by path, in the words every sink prints.
 *
 * The program is its own object (core/bpf/origin.bpf.c), loaded here
 * rather than by core/ltbpf.c: the census and the tracer are given up
 * apart (a kernel without fexit still has iterators).  As the census's
 * iterators are, it is loaded first by the kernel's loader program (a
 * light skeleton, Linux 5.17), which spares libbpf's reading and parsing
 * of the kernel's BTF: 2-3 MB of peak memory and some 60 ms in a batch run
 * that traces a process (doc/origin.md); libbpf's skeleton is the
 * fallback (bpf_loader).  Nothing is pinned: the programs and links live on this
 * process's fds.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/types.h>
#include <sys/syscall.h>

#include "leaktop/fallback.h"
#include "leaktop/findings.h"
#include "leaktop/history.h"
#include "leaktop/ltbpf.h"
#include "leaktop/origin.h"
#include "leaktop/sample.h"
#include "bpf/origin_rec.h"

#ifdef HAVE_ORIGIN
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "origin.skel.h"
#include "origin.lskel.h"
#endif

/* a socket whose event came but whose path could not be read */
#define PATH_MISSED	UINT32_MAX
/* distinct paths kept (each is a few KiB) */
#define ORIGIN_KEEP_PATHS	512
/* events unwound per sample at most (each costs tens of microseconds):
 * the rest are kept as "not recorded", so many busy watched processes
 * cannot make leaktop itself busy */
#define ORIGIN_UNWINDS_PER_POLL	500

enum { NOT_TRIED, READY, OFF };

struct watched {
	int pid;
	int have_before;	/* before[] was taken */
	uint64_t *before;	/* the socket inodes it held when watching
				 * began, sorted */
	size_t nbefore;
};

struct sock_ent {
	uint64_t inode;		/* 0: free slot */
	int32_t pid;
	uint32_t path;		/* index of paths, or PATH_MISSED */
};

struct fsum {
	struct finding key;	/* its identity (findings_same) */
	struct origin_summary sum;
};

struct origin {
	int state;
	char why[192];
#ifdef HAVE_ORIGIN
	struct ltbpf_origin_lite *lite;	/* loaded by the kernel's loader */
	struct ltbpf_origin *skel;	/* or by libbpf */
	int watched_fd;			/* the watched map of either, or -1 */
	struct ring_buffer *rb;
#endif
	struct unwind_cache *uw;
	unsigned unwound;	/* events unwound since the last poll began */

	struct watched *w;
	size_t nw, capw;

	struct origin_path **paths;
	uint32_t npaths;

	struct sock_ent *socks;	/* open addressing, linear probing */
	size_t nsocks, capsocks;	/* capsocks: a power of two */
	uint64_t dropped;	/* events not kept: the table was full */

	struct fsum *sums;
	size_t nsums, capsums;
};

int origin_built(void)
{
#ifdef HAVE_ORIGIN
	return 1;
#else
	return 0;
#endif
}

struct origin *origin_new(void)
{
	struct origin *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	o->uw = unwind_cache_new();
	if (!o->uw) {
		free(o);
		return NULL;
	}
#ifdef HAVE_ORIGIN
	o->watched_fd = -1;
#endif
	return o;
}

static void unload(struct origin *o)
{
#ifdef HAVE_ORIGIN
	ring_buffer__free(o->rb);
	o->rb = NULL;
	o->watched_fd = -1;
	ltbpf_origin_lite__destroy(o->lite);	/* detaches the link too */
	o->lite = NULL;
	ltbpf_origin__destroy(o->skel);
	o->skel = NULL;
#else
	(void)o;
#endif
}

void origin_free(struct origin *o)
{
	size_t i;

	if (!o)
		return;
	unload(o);
	unwind_cache_free(o->uw);
	for (i = 0; i < o->nw; i++)
		free(o->w[i].before);
	free(o->w);
	for (i = 0; i < o->npaths; i++)
		free(o->paths[i]);
	free(o->paths);
	free(o->socks);
	free(o->sums);
	free(o);
}

const char *origin_why_off(const struct origin *o)
{
	return o ? o->why : "";
}

static void turn_off(struct origin *o, const char *fmt, ...)
{
	va_list ap;

	if (o->state != OFF) {
		va_start(ap, fmt);
		vsnprintf(o->why, sizeof(o->why), fmt, ap);
		va_end(ap);
	}
	o->state = OFF;
	unload(o);
}

/* ---- the table of traced sockets ------------------------------------------ */

static size_t sock_hash(uint64_t ino, size_t cap)
{
	ino *= 0x9E3779B97F4A7C15ULL;
	return (size_t)(ino >> 17) & (cap - 1);
}

static struct sock_ent *sock_find(const struct origin *o, uint64_t ino)
{
	size_t i;

	if (!o->capsocks || !ino)
		return NULL;
	for (i = sock_hash(ino, o->capsocks); o->socks[i].inode; i = (i + 1) & (o->capsocks - 1))
		if (o->socks[i].inode == ino)
			return &o->socks[i];
	return NULL;
}

/* Insert or overwrite (inode numbers are reused).  0, or -ENOSPC when the
 * table holds ORIGIN_MAX_SOCKETS already, -ENOMEM. */
static int sock_put(struct origin *o, uint64_t ino, int pid, uint32_t path)
{
	struct sock_ent *e = sock_find(o, ino);
	size_t i;

	if (!ino)
		return -EINVAL;
	if (e) {
		e->pid = pid;
		e->path = path;
		return 0;
	}
	if (o->nsocks >= ORIGIN_MAX_SOCKETS)
		return -ENOSPC;
	if (!o->capsocks) {
		/* twice the most it holds: probes stay short */
		o->socks = calloc(2 * ORIGIN_MAX_SOCKETS, sizeof(*o->socks));
		if (!o->socks)
			return -ENOMEM;
		o->capsocks = 2 * ORIGIN_MAX_SOCKETS;
	}
	for (i = sock_hash(ino, o->capsocks); o->socks[i].inode; i = (i + 1) & (o->capsocks - 1))
		;
	o->socks[i].inode = ino;
	o->socks[i].pid = pid;
	o->socks[i].path = path;
	o->nsocks++;
	return 0;
}

/* Remove slot i, shifting the entries after it back (no tombstones). */
static void sock_del_at(struct origin *o, size_t i)
{
	size_t mask = o->capsocks - 1, j, home;

	o->socks[i].inode = 0;
	o->nsocks--;
	for (j = (i + 1) & mask; o->socks[j].inode; j = (j + 1) & mask) {
		home = sock_hash(o->socks[j].inode, o->capsocks);
		/* j may move to i when its home is not in (i, j] */
		if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
			o->socks[i] = o->socks[j];
			o->socks[j].inode = 0;
			i = j;
		}
	}
}

/* ---- paths ------------------------------------------------------------------ */

static int same_path(const struct origin_path *a, uint8_t how, const struct origin_frame *fr,
		     uint32_t n)
{
	uint32_t i;

	if (a->how != how || a->nframes != n)
		return 0;
	for (i = 0; i < n; i++)
		if (a->frames[i].offset != fr[i].offset ||
		    strcmp(a->frames[i].module, fr[i].module))
			return 0;
	return 1;
}

/* The index of this path, added when new; PATH_MISSED when the table of
 * paths is full or memory ran out. */
static uint32_t path_intern(struct origin *o, uint8_t how, const struct origin_frame *fr,
			    uint32_t n, int truncated)
{
	struct origin_path *p;
	uint32_t i;

	for (i = 0; i < o->npaths; i++)
		if (same_path(o->paths[i], how, fr, n)) {
			o->paths[i]->hits++;
			return i;
		}
	if (o->npaths >= ORIGIN_KEEP_PATHS)
		return PATH_MISSED;
	if (!o->paths) {
		o->paths = calloc(ORIGIN_KEEP_PATHS, sizeof(*o->paths));
		if (!o->paths)
			return PATH_MISSED;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return PATH_MISSED;
	p->how = how;
	p->truncated = (uint8_t)!!truncated;
	p->nframes = n;
	memcpy(p->frames, fr, n * sizeof(*fr));
	p->hits = 1;
	o->paths[o->npaths] = p;
	return o->npaths++;
}

const struct origin_path *origin_path(const struct origin *o, uint32_t i)
{
	return o && i < o->npaths ? o->paths[i] : NULL;
}

/* ---- watched processes -------------------------------------------------------- */

static struct watched *watched_find(const struct origin *o, int pid)
{
	size_t i;

	for (i = 0; i < o->nw; i++)
		if (o->w[i].pid == pid)
			return &o->w[i];
	return NULL;
}

static int watched_add(struct origin *o, int pid)
{
	if (watched_find(o, pid))
		return 0;
	if (o->nw >= ORIGIN_MAX_WATCHED)
		return -ENOSPC;
	if (o->nw == o->capw) {
		size_t cap = o->capw ? o->capw * 2 : 16;
		struct watched *v = realloc(o->w, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		o->w = v;
		o->capw = cap;
	}
	memset(&o->w[o->nw], 0, sizeof(o->w[o->nw]));
	o->w[o->nw++].pid = pid;
	return 0;
}

static void watched_del(struct origin *o, int pid)
{
	struct watched *w = watched_find(o, pid);

	if (!w)
		return;
	free(w->before);
	*w = o->w[--o->nw];
#ifdef HAVE_ORIGIN
	if (o->watched_fd >= 0) {
		__u32 key = (__u32)pid;

		bpf_map_delete_elem(o->watched_fd, &key);
	}
#endif
	unwind_cache_forget(o->uw, pid);
}

void origin_watch_fake(struct origin *o, int pid)
{
	o->state = READY;
	watched_add(o, pid);
}

#ifdef HAVE_ORIGIN
/* libbpf's own messages would land on the user's terminal */
static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

static int ring_cb(void *ctx, void *data, size_t len)
{
	origin_feed(ctx, data, len);
	return 0;
}

/* Load and attach the tracer through the kernel's loader program.  0 or
 * -errno, with nothing left loaded. */
static int start_lite(struct origin *o)
{
	int r;

	if (lt_fallback(LT_FB_BPF_LOADER))
		return -EOPNOTSUPP;
	errno = 0;
	o->lite = ltbpf_origin_lite__open_and_load();
	if (!o->lite)
		return errno ? -errno : -EINVAL;
	r = ltbpf_origin_lite__attach(o->lite);
	if (r < 0) {
		ltbpf_origin_lite__destroy(o->lite);
		o->lite = NULL;
		return r;
	}
	o->watched_fd = o->lite->maps.watched.map_fd;
	return 0;
}

/* Load and attach the tracer through libbpf's skeleton.  0, or -errno
 * after turning origins off. */
static int start_libbpf(struct origin *o)
{
	int r;

	libbpf_set_print(quiet);
	o->skel = ltbpf_origin__open();
	if (!o->skel) {
		r = -errno;
		turn_off(o, "opening the origin tracer: %s", strerror(errno));
		return r;
	}
	r = ltbpf_origin__load(o->skel);
	if (r < 0) {
		turn_off(o, "loading the origin tracer: %s%s", strerror(-r),
			 r == -EPERM ? " (needs root: CAP_BPF and CAP_PERFMON)" :
			 r == -ENOENT || r == -ESRCH ? " (no BTF or syscall tracepoints here)" : "");
		return r;
	}
	r = ltbpf_origin__attach(o->skel);
	if (r < 0) {
		turn_off(o, "attaching to the socket system calls' tracepoints: %s",
			 strerror(-r));
		return r;
	}
	o->watched_fd = bpf_map__fd(o->skel->maps.watched);
	return 0;
}

/* Load and attach the tracer, the kernel's loader first, and open its ring
 * buffer.  0, or -errno after turning origins off. */
static int start(struct origin *o)
{
	int r, events;

	r = start_lite(o);
	if (r == 0) {
		events = o->lite->maps.events.map_fd;
	} else {
		/* libbpf's path: without root it fails as the loader did,
		 * and says so in its own words */
		ltbpf_loader_failed(r);
		r = start_libbpf(o);
		if (r < 0)
			return r;
		events = bpf_map__fd(o->skel->maps.events);
	}
	o->rb = ring_buffer__new(events, ring_cb, o, NULL);
	if (!o->rb) {
		r = -errno;
		turn_off(o, "opening the origin ring buffer: %s", strerror(errno));
		return r;
	}
	o->state = READY;
	return 0;
}
#endif

/* Is leaktop in the first pid namespace (its fixed inode, PROC_PID_INIT_INO)?
 * 1 also when that cannot be told. */
static int first_pid_ns(void)
{
	char link[64];
	ssize_t n = readlink("/proc/self/ns/pid", link, sizeof(link) - 1);

	if (n <= 0)
		return 1;
	link[n] = '\0';
	return strcmp(link, "pid:[4026531836]") == 0;
}

/* Whether the tracer runs: loads it on the first call.  1 or 0. */
static int ready(struct origin *o)
{
	if (o->state == NOT_TRIED) {
		if (!origin_built()) {
			turn_off(o, "origin: not in this build (it needs BPF and libdw)");
			return 0;
		}
		if (fallback_forced(LT_FB_BPF)) {
			turn_off(o, "LEAKTOP_FALLBACKS names bpf");
			return 0;
		}
		if (!first_pid_ns()) {
			turn_off(o, "leaktop runs in another pid namespace than the first one "
				 "(the tracer sees the first one's pids)");
			return 0;
		}
#ifdef HAVE_ORIGIN
		if (start(o) < 0)
			return 0;
#endif
	}
	return o->state == READY;
}

int origin_watch(struct origin *o, int pid)
{
	int r;

	if (!o || pid <= 0)
		return -EINVAL;
	if (watched_find(o, pid))
		return 0;
	if (!ready(o))
		return -EOPNOTSUPP;
	r = watched_add(o, pid);
	if (r < 0)
		return r;
#ifdef HAVE_ORIGIN
	if (o->watched_fd >= 0) {
		struct origin_watch v = { .tokens = (__u64)ORIGIN_BURST * 1000000000ULL };
		__u32 key = (__u32)pid;

		if (bpf_map_update_elem(o->watched_fd, &key, &v, BPF_NOEXIST) < 0 &&
		    errno != EEXIST) {
			r = -errno;
			watched_del(o, pid);
			return r;
		}
	}
#endif
	return 0;
}

/* ---- events --------------------------------------------------------------------- */

static enum origin_how how_of(uint64_t nr)
{
	switch (nr) {
	case SYS_socket:
		return ORIGIN_HOW_SOCKET;
	case SYS_accept:
	case SYS_accept4:
		return ORIGIN_HOW_ACCEPT;
	case SYS_socketpair:
		return ORIGIN_HOW_SOCKETPAIR;
	default:
		return ORIGIN_HOW_OTHER;
	}
}

int origin_feed(struct origin *o, const void *rec, size_t len)
{
	struct origin_frame fr[ORIGIN_MAX_FRAMES];
	struct lt_err err = { "" };
	const struct origin_rec *e = rec;
	uint32_t path = PATH_MISSED;
	int n, truncated = 0, r;

	if (len < sizeof(__u32))
		return -EINVAL;
	if (e->type != ORIGIN_REC_NEW || len < ORIGIN_REC_HDR_SIZE ||
	    e->stack_len > ORIGIN_STACK_MAX || len < ORIGIN_REC_HDR_SIZE + e->stack_len)
		return -EINVAL;
	if (!watched_find(o, (int)e->tgid))
		return 0;	/* unwatched since */
	n = o->unwound++ >= ORIGIN_UNWINDS_PER_POLL ? -EAGAIN :
	    unwind_stack(o->uw, (int)e->tgid, (int)e->pid, (const uint64_t *)e->regs, e->stack,
			 e->stack_len, fr, ORIGIN_MAX_FRAMES, &truncated, &err);
	if (n > 0)
		path = path_intern(o, (uint8_t)how_of(e->syscall), fr, (uint32_t)n, truncated);
	r = sock_put(o, e->inode, (int)e->tgid, path);
	if (r == 0 && e->inode2)
		r = sock_put(o, e->inode2, (int)e->tgid, path);
	if (r < 0)
		o->dropped++;
	return r;
}

/* Read what the ring buffer holds now. */
static void poll_events(struct origin *o)
{
	o->unwound = 0;
#ifdef HAVE_ORIGIN
	if (o->rb)
		ring_buffer__consume(o->rb);
#else
	(void)o;
#endif
}

/* ---- a finding's sockets ------------------------------------------------------ */


/* The socket inodes pid holds in s, sorted, into *out (malloc'd).  Their
 * count, or -ENOMEM. */
static ssize_t owned(const struct sample *s, int pid, uint64_t **out)
{
	size_t i, n = 0;
	uint64_t *v;

	*out = NULL;
	for (i = 0; i < s->owners.nowners; i++)
		n += s->owners.owners[i].pid == pid;
	v = malloc((n ? n : 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	n = 0;
	for (i = 0; i < s->owners.nowners; i++)
		if (s->owners.owners[i].pid == pid &&
		    (n == 0 || v[n - 1] != s->owners.owners[i].inode))
			v[n++] = s->owners.owners[i].inode;
	*out = v;
	return (ssize_t)n;
}

/* Which kinds name a process whose sockets' origin matters (the table of
 * kinds: findings_kind_origin_scope). */
static int kind_traced(uint8_t kind)
{
	return findings_kind_origin_scope((enum finding_kind)kind) != FINDINGS_ORIGIN_NONE;
}

static void count_one(const struct origin *o, const struct watched *w, uint64_t ino,
		      struct origin_summary *sum, uint32_t *counts)
{
	const struct sock_ent *e = sock_find(o, ino);

	sum->total++;
	if (e && e->path != PATH_MISSED) {
		sum->traced++;
		counts[e->path]++;
	} else if (e || !lt_u64_sorted_has(w->before, w->nbefore, ino)) {
		sum->missed++;
	} else {
		sum->before++;
	}
}

/* The summary of f: 0, or -1 when f gets none. */
static int summarise(const struct origin *o, const struct sample *s, const struct history *h,
		     const uint64_t *census, size_t ncensus, const struct finding *f,
		     struct origin_summary *sum, uint32_t *counts)
{
	enum findings_origin_scope scope;
	const struct watched *w;
	const struct finding *m;
	uint64_t *own = NULL;
	ssize_t n;
	size_t i, nm;
	uint32_t j, k;

	memset(sum, 0, sizeof(*sum));
	if (!kind_traced(f->kind) || f->pid <= 0 || !(w = watched_find(o, f->pid)) ||
	    !w->have_before)
		return -1;
	memset(counts, 0, o->npaths * sizeof(*counts));
	scope = findings_kind_origin_scope((enum finding_kind)f->kind);
	if (scope == FINDINGS_ORIGIN_GHOSTS || scope == FINDINGS_ORIGIN_PROCESS) {
		n = owned(s, f->pid, &own);
		if (n < 0)
			return -1;
		sum->what = scope == FINDINGS_ORIGIN_GHOSTS ? "ghost sockets" : "sockets";
		for (i = 0; i < (size_t)n; i++) {
			if (scope == FINDINGS_ORIGIN_GHOSTS &&
			    (lt_u64_sorted_has(census, ncensus, own[i]) ||
			     (h && history_ghost_since(h, f->pid, own[i]) < 0)))
				continue;
			count_one(o, w, own[i], sum, counts);
		}
		free(own);
	} else if ((m = findings_members(&s->findings, f, &nm)) != NULL) {
		sum->what = "sockets";
		for (i = 0; i < nm; i++)
			if (m[i].inode)
				count_one(o, w, m[i].inode, sum, counts);
	} else if (f->inode) {
		sum->what = "socket";
		count_one(o, w, f->inode, sum, counts);
	}
	if (sum->total == 0)
		return -1;
	/* the biggest groups, most first (ties: the older path) */
	for (j = 0; j < o->npaths; j++) {
		if (!counts[j])
			continue;
		for (k = sum->ngroups; k > 0 && sum->groups[k - 1].count < counts[j]; k--)
			if (k < ORIGIN_MAX_GROUPS)
				sum->groups[k] = sum->groups[k - 1];
		if (k < ORIGIN_MAX_GROUPS) {
			sum->groups[k].path = j;
			sum->groups[k].count = counts[j];
			if (sum->ngroups < ORIGIN_MAX_GROUPS)
				sum->ngroups++;
		}
	}
	return 0;
}

static int add_sum(struct origin *o, const struct finding *f, const struct origin_summary *sum)
{
	if (o->nsums == o->capsums) {
		size_t cap = o->capsums ? o->capsums * 2 : 16;
		struct fsum *v = realloc(o->sums, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		o->sums = v;
		o->capsums = cap;
	}
	o->sums[o->nsums].key = *f;
	o->sums[o->nsums].sum = *sum;
	o->nsums++;
	return 0;
}

static int owner_has(const struct sample *s, uint64_t ino)
{
	size_t lo = 0, hi = s->owners.nowners, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (s->owners.owners[mid].inode < ino)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->owners.nowners && s->owners.owners[lo].inode == ino;
}

/*
 * Forget the sockets that no process holds any more (inode numbers are
 * reused): after a full census, those no owner holds now.  Every event in
 * the table was read at an earlier sample, so before this census was
 * taken: a socket it does not see is closed.  A light sample's owners are
 * an older census's: nothing is forgotten then.
 */
static void purge(struct origin *o, const struct sample *s)
{
	size_t i;

	if (!s->census || s->census_age > 0 || s->pid_filter || !o->capsocks)
		return;
	for (i = 0; i < o->capsocks;) {
		struct sock_ent *e = &o->socks[i];

		if (e->inode && !owner_has(s, e->inode))
			sock_del_at(o, i);	/* the next one may have moved here */
		else
			i++;
	}
}

/* Take the sockets each watched process held when watching began. */
static void take_before(struct origin *o, const struct sample *s)
{
	ssize_t n;
	size_t i;

	if (!s->census)
		return;
	for (i = 0; i < o->nw; i++) {
		struct watched *w = &o->w[i];

		if (w->have_before)
			continue;
		n = owned(s, w->pid, &w->before);
		if (n < 0)
			continue;
		w->nbefore = (size_t)n;
		w->have_before = 1;
	}
}

void origin_update(struct origin *o, struct sample *s, const struct history *h)
{
	struct origin_summary sum;
	uint32_t *counts = NULL;
	uint64_t *census = NULL;
	size_t i;

	if (!o || !s)
		return;
	o->nsums = 0;
	/* the processes the findings name, watched from now on */
	for (i = 0; i < s->findings.n && o->state != OFF; i++) {
		const struct finding *f = &s->findings.v[i];

		if (kind_traced(f->kind) && f->pid > 0 && f->state != FINDING_RESOLVED)
			origin_watch(o, f->pid);
	}
	if (o->state != READY)
		return;
	/* before reading: an event read now may be newer than s's census */
	purge(o, s);
	poll_events(o);
	/* the processes that exited: their sockets go with them */
	for (i = o->nw; i-- > 0;)
		if (kill(o->w[i].pid, 0) < 0 && errno == ESRCH)
			watched_del(o, o->w[i].pid);
	take_before(o, s);
	s->origin = o;
	if (!s->census || !s->findings.n)
		return;
	counts = calloc(o->npaths ? o->npaths : 1, sizeof(*counts));
	census = malloc((s->socks.n ? s->socks.n : 1) * sizeof(*census));
	if (!counts || !census)
		goto out;
	for (i = 0; i < s->socks.n; i++)
		census[i] = s->socks.v[i].inode;
	qsort(census, s->socks.n, sizeof(*census), lt_cmp_u64);
	for (i = 0; i < s->findings.n; i++)
		if (summarise(o, s, h, census, s->socks.n, &s->findings.v[i], &sum, counts) == 0 &&
		    add_sum(o, &s->findings.v[i], &sum) < 0)
			break;
out:
	free(counts);
	free(census);
}

const struct origin_summary *origin_summary_of(const struct origin *o,
					       const struct finding *f)
{
	size_t i;

	for (i = 0; o && f && i < o->nsums; i++)
		if (findings_same(&o->sums[i].key, f))
			return &o->sums[i].sum;
	return NULL;
}

/* ---- words ------------------------------------------------------------------------ */

static const char *base(const char *path)
{
	const char *b = strrchr(path, '/');

	return b ? b + 1 : path;
}

/* A frame of the C library or the dynamic loader (the system call's
 * wrapper, or what runs main). */
static int libc_frame(const struct origin_frame *fr)
{
	const char *b = base(fr->module);

	return !strncmp(b, "libc.so", 7) || !strncmp(b, "libc-", 5) ||
	       !strncmp(b, "libpthread", 10) || !strncmp(b, "ld-linux", 8);
}

uint32_t origin_path_first(const struct origin_path *p)
{
	uint32_t i;

	for (i = 0; i < p->nframes; i++)
		if (!libc_frame(&p->frames[i]))
			return i;
	return 0;
}

const char *origin_how_verb(enum origin_how how)
{
	switch (how) {
	case ORIGIN_HOW_ACCEPT:
		return "accepted";
	case ORIGIN_HOW_SOCKETPAIR:
		return "created (socketpair)";
	default:
		return "created";
	}
}

void origin_frame_words(const struct origin_frame *fr, char *buf, size_t bufsz)
{
	char raw[320];

	if (!fr->module[0])
		snprintf(raw, sizeof(raw), "0x%llx", (unsigned long long)fr->pc);
	else if (fr->function[0])
		snprintf(raw, sizeof(raw), "%s (%s+0x%llx)", fr->function, base(fr->module),
			 (unsigned long long)fr->offset);
	else
		snprintf(raw, sizeof(raw), "%s+0x%llx", base(fr->module),
			 (unsigned long long)fr->offset);
	lt_sanitize(raw, buf, bufsz);
}

/* A caller's short name: its function, else module+offset. */
static void caller_words(const struct origin_frame *fr, char *buf, size_t bufsz)
{
	char raw[200];

	if (fr->function[0])
		snprintf(raw, sizeof(raw), "%s", fr->function);
	else if (fr->module[0])
		snprintf(raw, sizeof(raw), "%s+0x%llx", base(fr->module),
			 (unsigned long long)fr->offset);
	else
		snprintf(raw, sizeof(raw), "0x%llx", (unsigned long long)fr->pc);
	lt_sanitize(raw, buf, bufsz);
}

void origin_group_words(const struct origin *o, const struct origin_summary *sum,
			const struct origin_group *g, char *buf, size_t bufsz)
{
	const struct origin_path *p = origin_path(o, g->path);
	char at[400], c[200];
	uint32_t i, first, shown = 0;
	size_t len;

	if (!p) {
		snprintf(buf, bufsz, "(path forgotten)");
		return;
	}
	first = origin_path_first(p);
	origin_frame_words(&p->frames[first], at, sizeof(at));
	/* the callers up to main, at most four more; the C library's start
	 * code (and what called it) is not the program's */
	for (i = first + 1; i < p->nframes && shown < 4; i++) {
		if (libc_frame(&p->frames[i]))
			break;
		caller_words(&p->frames[i], c, sizeof(c));
		len = strlen(at);
		snprintf(at + len, sizeof(at) - len, " <- %s", c);
		shown++;
		if (!strcmp(p->frames[i].function, "main"))
			break;
	}
	if (sum->total == 1)
		snprintf(buf, bufsz, "its socket was %s at %s", origin_how_verb(p->how), at);
	else
		snprintf(buf, bufsz, "%u of its %u %s were %s at %s", g->count, sum->total,
			 sum->what, origin_how_verb(p->how), at);
}

void origin_rest_words(const struct origin_summary *sum, char *buf, size_t bufsz)
{
	size_t len;

	buf[0] = '\0';
	if (sum->before) {
		if (sum->total == 1)
			snprintf(buf, bufsz, "its socket was created before leaktop watched it");
		else
			snprintf(buf, bufsz, "%u of its %u %s were created before leaktop "
				 "watched it", sum->before, sum->total, sum->what);
		len = strlen(buf);
		snprintf(buf + len, bufsz - len, "; restart it under watch or keep --serve running");
	}
	if (sum->missed) {
		len = strlen(buf);
		snprintf(buf + len, bufsz - len, "%s%u %s not recorded (the rate limit of %d "
			 "a second, or the process was gone before its stack was read)",
			 len ? "; " : "", sum->missed, sum->missed == 1 ? "was" : "were",
			 ORIGIN_RATE);
	}
}

int origin_brief(const struct origin *o, const struct finding *f, char *buf, size_t bufsz)
{
	const struct origin_summary *sum = o && f ? origin_summary_of(o, f) : NULL;

	buf[0] = '\0';
	if (!sum)
		return 0;
	if (sum->ngroups)
		origin_group_words(o, sum, &sum->groups[0], buf, bufsz);
	else
		origin_rest_words(sum, buf, bufsz);
	return buf[0] != '\0';
}

void origin_addr2line(const struct origin_frame *fr, char *buf, size_t bufsz)
{
	char raw[320];

	snprintf(raw, sizeof(raw), "addr2line -f -e %s 0x%llx", fr->module,
		 (unsigned long long)fr->offset);
	lt_sanitize(raw, buf, bufsz);
}

const char *origin_next_step(const struct origin_summary *sum)
{
	return sum && sum->ngroups ?
	       "hand this path to the program's developers: it is where the leaked "
	       "sockets are created (doc/origin.md)" : NULL;
}

size_t origin_nwatched(const struct origin *o)
{
	return o ? o->nw : 0;
}

int origin_watched_pid(const struct origin *o, size_t i)
{
	return o && i < o->nw ? o->w[i].pid : -1;
}

size_t origin_nsockets(const struct origin *o)
{
	return o ? o->nsocks : 0;
}

/* ---- a recording's origins ------------------------------------------------------ */

size_t origin_nsums(const struct origin *o)
{
	return o ? o->nsums : 0;
}

const struct finding *origin_sum_at(const struct origin *o, size_t i,
				    const struct origin_summary **sum)
{
	if (!o || i >= o->nsums)
		return NULL;
	if (sum)
		*sum = &o->sums[i].sum;
	return &o->sums[i].key;
}

static const char *const what_words[] = { "socket", "sockets", "ghost sockets" };

unsigned origin_what_code(const char *what)
{
	unsigned i;

	for (i = 0; what && i < sizeof(what_words) / sizeof(what_words[0]); i++)
		if (!strcmp(what, what_words[i]))
			return i;
	return 1;
}

const char *origin_what_word(unsigned code)
{
	return code < sizeof(what_words) / sizeof(what_words[0]) ? what_words[code] : NULL;
}

struct origin *origin_replayed(void)
{
	struct origin *o = calloc(1, sizeof(*o));

	if (o)
		o->state = OFF;	/* never loads anything; why stays "" */
	return o;
}

int origin_replayed_path(struct origin *o, const struct origin_path *p, uint32_t *idx)
{
	struct origin_path **v, *c;

	if (o->npaths >= ORIGIN_MAX_PATHS)
		return -E2BIG;
	v = realloc(o->paths, (o->npaths + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	o->paths = v;
	c = malloc(sizeof(*c));
	if (!c)
		return -ENOMEM;
	*c = *p;
	o->paths[o->npaths] = c;
	*idx = o->npaths++;
	return 0;
}

int origin_replayed_summary(struct origin *o, const struct finding *key,
			    const struct origin_summary *sum)
{
	return add_sum(o, key, sum);
}

int origin_replayed_watched(struct origin *o, int pid)
{
	return watched_add(o, pid);	/* have_before 0: nothing was taken */
}

void origin_replayed_nsockets(struct origin *o, size_t n)
{
	o->nsocks = n;	/* a count only: socks stays empty */
}
