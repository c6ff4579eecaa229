/*
 * File descriptor tables: the socket owner census (every process, every
 * sample, links only), and one process's full table on demand (kinds,
 * fdinfo, the sockprotoname xattr lsof shows for ghost sockets).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "leaktop/fallback.h"
#include "leaktop/fdtable.h"
#include "leaktop/procs.h"
#include "alloc_hook.h"

int fdtable_socket_inode(const char *target, uint64_t *inode)
{
	const char *p;
	uint64_t v = 0;

	if (strncmp(target, "socket:[", 8) != 0)
		return -1;
	p = target + 8;
	if (!isdigit((unsigned char)*p))
		return -1;
	while (isdigit((unsigned char)*p)) {
		if (v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*p++ - '0');
	}
	if (p[0] != ']' || p[1] != '\0')
		return -1;
	*inode = v;
	return 0;
}

static int push_owner(struct fd_census *c, uint64_t inode, int pid, int fd)
{
	if (c->nowners == c->capowners) {
		size_t cap = c->capowners ? c->capowners * 2 : 256;
		struct fd_owner *v = realloc(c->owners, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		c->owners = v;
		c->capowners = cap;
	}
	c->owners[c->nowners].inode = inode;
	c->owners[c->nowners].pid = pid;
	c->owners[c->nowners].fd = fd;
	c->nowners++;
	return 0;
}

static struct fd_proc *push_proc(struct fd_census *c, int pid)
{
	struct fd_proc *p;

	if (c->nprocs == c->capprocs) {
		size_t cap = c->capprocs ? c->capprocs * 2 : 64;
		struct fd_proc *v = realloc(c->procs, cap * sizeof(*v));

		if (!v)
			return NULL;
		c->procs = v;
		c->capprocs = cap;
	}
	p = &c->procs[c->nprocs++];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	return p;
}

/* Out of fds (ours or the system's): an answer with owners missing would
 * look complete, so the census fails with a reason instead. */
static int fd_starved(int e)
{
	return e == EMFILE || e == ENFILE;
}

static void read_comm(int piddir, struct fd_proc *p)
{
	ssize_t n;
	int fd;

	fd = openat(piddir, "comm", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, p->comm, sizeof(p->comm) - 1);
	close(fd);
	if (n <= 0)
		return;
	p->comm[n] = '\0';
	if (p->comm[n - 1] == '\n')
		p->comm[n - 1] = '\0';
}

/*
 * comm and start ticks from piddir/stat in one read (the cache's identity
 * of a process); comm from piddir/comm and start 0 where there is no stat
 * (fixture trees).  0, -1 when the process vanished, or -EMFILE/-ENFILE.
 */
static int read_stat(int piddir, struct fd_proc *p, uint64_t *start)
{
	char buf[2048];
	int32_t ppid;
	ssize_t n;
	int fd;

	*start = 0;
	fd = openat(piddir, "stat", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (fd_starved(errno))
			return -errno;
		if (errno == ESRCH)
			return -1;
		read_comm(piddir, p);
		return 0;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;	/* a zombie reaped under us reads as empty */
	buf[n] = '\0';
	if (procs_parse_stat(buf, (size_t)n, p->comm, sizeof(p->comm), &ppid,
			     start, NULL) < 0) {
		*start = 0;
		read_comm(piddir, p);
	}
	return 0;
}

/* ---- the owner cache --------------------------------------------------- */

/* One socket fd of a cached process. */
struct fdc_owner {
	uint64_t inode;
	int32_t fd;
};

/* What the last full scan of one process found. */
struct fdc_proc {
	int32_t pid;
	uint32_t scanned;	/* census generation of that scan */
	uint64_t start;		/* start ticks: the process's identity */
	int64_t size;		/* fd dir st_size then (the fd count on procfs) */
	int64_t mtime_ns;	/* fd dir st_mtime then (fixture trees) */
	int32_t nfds;		/* fds that scan counted */
	int moved;		/* taken over by the current census */
	struct fdc_owner *o;	/* its socket fds, owned */
	size_t n;
};

struct fdtable_cache {
	uint32_t gen;		/* censuses taken */
	unsigned rescan;	/* full rescan of each process every this many */
	struct fdc_proc *p;	/* by pid: what the last census kept */
	size_t np, capp;
	struct fdc_proc *next;	/* being built by the current census */
	size_t nnext, capnext;
	uint32_t *set;		/* the dump's inodes: open addressing, 0 empty;
				 * 32 bits, as struct ltsock keeps them */
	size_t setmask;
	struct fdtable_cache_stats st;
};

struct fdtable_cache *fdtable_cache_new(unsigned rescan_every)
{
	struct fdtable_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->rescan = rescan_every ? rescan_every : FDTABLE_RESCAN_EVERY;
	return c;
}

static void fdc_free_procs(struct fdc_proc *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].o);
}

/* Forget every process (after a failure: the next census scans in full). */
static void fdc_reset(struct fdtable_cache *c)
{
	fdc_free_procs(c->p, c->np);
	fdc_free_procs(c->next, c->nnext);
	c->np = c->nnext = 0;
}

void fdtable_cache_free(struct fdtable_cache *c)
{
	if (!c)
		return;
	fdc_reset(c);
	free(c->p);
	free(c->next);
	free(c->set);
	free(c);
}

void fdtable_cache_get_stats(const struct fdtable_cache *c, struct fdtable_cache_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (c)
		*st = c->st;
}

static size_t inode_hash(uint64_t ino)
{
	uint64_t h = ino * 0x9e3779b97f4a7c15ULL;

	return (size_t)(h ^ (h >> 31));
}

/* Index the inodes of socks (0 is never a socket fd's inode): a table of
 * 32-bit slots, two a socket. */
static int set_build(struct fdtable_cache *c, const struct ltsock_vec *socks)
{
	size_t want = 64, i, j;

	while (want < socks->n * 2)
		want *= 2;
	if (want != c->setmask + 1 || !c->set) {
		uint32_t *v = malloc(want * sizeof(*v));

		if (!v)
			return -ENOMEM;
		free(c->set);
		c->set = v;
		c->setmask = want - 1;
	}
	memset(c->set, 0, want * sizeof(*c->set));
	for (i = 0; i < socks->n; i++) {
		uint32_t ino = socks->v[i].inode;

		if (!ino)
			continue;
		for (j = inode_hash(ino) & c->setmask; c->set[j] && c->set[j] != ino;
		     j = (j + 1) & c->setmask)
			;
		c->set[j] = ino;
	}
	return 0;
}

/* An fd's inode (read as 64 bits) among the census's: a wider one never is. */
static int set_has(const struct fdtable_cache *c, uint64_t ino)
{
	size_t j;

	if (ino > UINT32_MAX)
		return 0;
	for (j = inode_hash(ino) & c->setmask; c->set[j]; j = (j + 1) & c->setmask)
		if (c->set[j] == ino)
			return 1;
	return 0;
}

int fdtable_cache_has(const struct fdtable_cache *c, uint64_t ino)
{
	if (!c || !c->set)
		return -1;
	return ino && set_has(c, ino);
}

/* The cached entry of pid from the last census, or NULL. */
static struct fdc_proc *fdc_find(struct fdtable_cache *c, int pid)
{
	size_t lo = 0, hi = c->np;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->p[mid].pid == pid)
			return c->p[mid].moved ? NULL : &c->p[mid];
		if (c->p[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static struct fdc_proc *fdc_push_next(struct fdtable_cache *c)
{
	if (c->nnext == c->capnext) {
		size_t cap = c->capnext ? c->capnext * 2 : 64;
		struct fdc_proc *v = realloc(c->next, cap * sizeof(*v));

		if (!v)
			return NULL;
		c->next = v;
		c->capnext = cap;
	}
	return &c->next[c->nnext++];
}

/*
 * Every cached socket fd whose inode no dump lists is read again: the fd
 * may have been closed and reused for another socket while the count stayed
 * the same, and such an fd must not pass for a ghost.  1 if all still hold
 * what the cache says.
 */
static int fdc_verify(const struct fdtable_cache *c, const struct fdc_proc *e,
		      int fddir_parent, const char *pidname)
{
	char name[32], target[64];
	uint64_t ino;
	size_t i;
	ssize_t n;

	if (!c->set)
		return 1;
	for (i = 0; i < e->n; i++) {
		if (set_has(c, e->o[i].inode))
			continue;
		if (pidname)
			snprintf(name, sizeof(name), "%s/fd/%d", pidname, (int)e->o[i].fd);
		else
			snprintf(name, sizeof(name), "fd/%d", (int)e->o[i].fd);
		n = readlinkat(fddir_parent, name, target, sizeof(target) - 1);
		if (n <= 0)
			return 0;
		target[n] = '\0';
		if (fdtable_socket_inode(target, &ino) < 0 || ino != e->o[i].inode)
			return 0;
	}
	return 1;
}

/* Read the socket links of an open fd dir into a new run *o (n entries);
 * counts fds and sockets into p.  0 or -ENOMEM. */
static int read_links(int fddir, struct fd_proc *p, struct fdc_owner **o, size_t *n)
{
	struct fdc_owner *v = NULL;
	size_t cap = 0;
	char target[64];
	struct dirent *de;
	int ret = 0;
	DIR *d;

	*o = NULL;
	*n = 0;
	d = fdopendir(fddir);
	if (!d) {
		close(fddir);
		return 0;
	}
	while ((de = readdir(d)) != NULL) {
		uint64_t inode;
		ssize_t len;
		char *end;
		long fd;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		fd = strtol(de->d_name, &end, 10);
		if (*end || fd < 0 || fd > INT32_MAX)
			continue;
		p->nfds++;
		len = readlinkat(dirfd(d), de->d_name, target, sizeof(target) - 1);
		if (len <= 0)
			continue;	/* closed meanwhile */
		target[len] = '\0';
		if (fdtable_socket_inode(target, &inode) < 0)
			continue;
		p->nsockets++;
		if (*n == cap) {
			struct fdc_owner *nv;

			cap = cap ? cap * 2 : 16;
			nv = realloc(v, cap * sizeof(*nv));
			if (!nv) {
				ret = -ENOMEM;
				break;
			}
			v = nv;
		}
		v[*n].inode = inode;
		v[*n].fd = (int32_t)fd;
		(*n)++;
	}
	closedir(d);
	if (ret < 0) {
		free(v);
		*n = 0;
		return ret;
	}
	*o = v;
	return 0;
}

static int push_run(struct fd_census *c, int pid, const struct fdc_owner *o, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (push_owner(c, o[i].inode, pid, o[i].fd) < 0)
			return -ENOMEM;
	return 0;
}

/* A scan of one census: what every process needs. */
struct census_scan {
	struct fd_census *out;
	struct fdtable_cache *cache;	/* NULL: no cache, read everything */
	int procfd;
	int procfs;			/* procroot is a procfs */
	const struct proc_list *known;	/* identities already read, or NULL */
};

/*
 * Census one process.  With a cache, a process whose identity (pid, start
 * ticks) and fd dir (count, mtime) are unchanged, whose cached sockets all
 * check out, and whose periodic rescan is not due, is taken from the cache;
 * anything else is read in full and cached.  -ENOMEM, -EMFILE or -ENFILE.
 */
static int scan_pid(struct census_scan *cs, int pid, const struct proc_info *known)
{
	struct fdtable_cache *cache = cs->cache;
	struct fd_census *c = cs->out;
	struct fdc_proc *old = NULL, *e;
	struct fdc_owner *o = NULL;
	char name[16], fdrel[32];
	struct fd_proc *p;
	struct stat st;
	uint64_t start = 0;
	int piddir, fddir, ret = 0, have_st = 0;
	size_t n = 0;

	/* a process the caller has identified is reached through procroot
	 * ("PID/fd"): no directory of its own to open, no stat to read */
	if (known) {
		piddir = -1;
		snprintf(name, sizeof(name), "%d", pid);
		snprintf(fdrel, sizeof(fdrel), "%d/fd", pid);
	} else {
		snprintf(name, sizeof(name), "%d", pid);
		snprintf(fdrel, sizeof(fdrel), "fd");
		piddir = openat(cs->procfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (piddir < 0)
			return fd_starved(errno) ? -errno : 0;	/* else vanished */
	}
	p = push_proc(c, pid);
	if (!p) {
		ret = -ENOMEM;
		goto out;
	}
	if (known) {
		snprintf(p->comm, sizeof(p->comm), "%s", known->comm);
		start = known->start_ticks;
	}
	if (cache) {
		ret = known ? 0 : read_stat(piddir, p, &start);
		if (ret == -1) {
			ret = 0;
			goto vanished;
		}
		if (ret < 0)
			goto out;
		have_st = fstatat(known ? cs->procfd : piddir, fdrel, &st, 0) == 0;
		/* procfs before 6.2 says 0: no count, so no cache */
		if (have_st && cs->procfs && (st.st_size <= 0 || lt_fallback(LT_FB_FD_SIZE)))
			have_st = 0;
		old = have_st ? fdc_find(cache, pid) : NULL;
		if (old && old->start == start && old->size == (int64_t)st.st_size &&
		    old->mtime_ns == (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec &&
		    cache->gen - old->scanned < cache->rescan &&
		    fdc_verify(cache, old, known ? cs->procfd : piddir, known ? name : NULL)) {
			/* unchanged: the cached run stands; procfs counts afresh */
			p->nfds = old->nfds;
			if (cs->procfs)
				p->nfds = st.st_size > INT32_MAX ? INT32_MAX : (int32_t)st.st_size;
			p->nsockets = (int32_t)old->n;
			if (push_run(c, pid, old->o, old->n) < 0) {
				ret = -ENOMEM;
				goto out;
			}
			e = fdc_push_next(cache);
			if (!e) {
				ret = -ENOMEM;
				goto out;
			}
			*e = *old;
			old->o = NULL;
			old->n = 0;
			old->moved = 1;
			cache->st.reused++;
			goto out;
		}
	} else if (!known) {
		read_comm(piddir, p);
	}
	fddir = openat(known ? cs->procfd : piddir, fdrel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fddir < 0 && fd_starved(errno)) {
		ret = -errno;
		goto out;
	}
	if (fddir < 0 && errno != EACCES && errno != EPERM)
		goto vanished;	/* ENOENT, or a kernel oddity */
	if (fddir < 0) {
		p->nfds = -1;
		c->hidden_procs++;
		goto out;
	}
	ret = read_links(fddir, p, &o, &n);
	if (ret < 0)
		goto out;
	ret = push_run(c, pid, o, n);
	if (ret < 0 || !cache || !have_st)
		goto out;
	if (cache->st.scanned < SIZE_MAX)
		cache->st.scanned++;
	e = fdc_push_next(cache);
	if (!e) {
		ret = -ENOMEM;
		goto out;
	}
	e->pid = pid;
	e->start = start;
	e->size = (int64_t)st.st_size;
	e->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	e->nfds = p->nfds;
	/* a process seen for the first time is due again after a share of
	 * the period that depends on its pid, so rescans spread evenly */
	e->scanned = old ? cache->gen : cache->gen - (uint32_t)pid % cache->rescan;
	e->o = o;
	e->n = n;
	e->moved = 0;
	o = NULL;
	goto out;
vanished:
	c->nprocs--;
out:
	free(o);
	if (piddir >= 0)
		close(piddir);
	return ret;
}

static int cmp_owner(const void *a, const void *b)
{
	const struct fd_owner *x = a, *y = b;

	if (x->inode != y->inode)
		return x->inode < y->inode ? -1 : 1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return (x->fd > y->fd) - (x->fd < y->fd);
}

static int cmp_proc(const void *a, const void *b)
{
	const struct fd_proc *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

/*
 * Owners by (inode, pid, fd): a stable radix sort by inode (bytes where
 * every inode agrees are skipped), then the short runs of a socket shared
 * by several fds put in (pid, fd) order.  A comparison sort when memory is
 * short.
 */
static void sort_owners(struct fd_census *c)
{
	struct fd_owner *v = c->owners, *t, *sw;
	uint64_t all_or = 0, all_and = ~(uint64_t)0;
	size_t n = c->nowners, count[256], i, j, pos;
	unsigned shift;

	t = malloc(n * sizeof(*t));
	if (!t) {
		qsort(c->owners, n, sizeof(*c->owners), cmp_owner);
		return;
	}
	for (i = 0; i < n; i++) {
		all_or |= v[i].inode;
		all_and &= v[i].inode;
	}
	for (shift = 0; shift < 64; shift += 8) {
		if ((((all_or ^ all_and) >> shift) & 0xff) == 0)
			continue;
		memset(count, 0, sizeof(count));
		for (i = 0; i < n; i++)
			count[(v[i].inode >> shift) & 0xff]++;
		for (i = 0, pos = 0; i < 256; i++) {
			size_t k = count[i];

			count[i] = pos;
			pos += k;
		}
		for (i = 0; i < n; i++)
			t[count[(v[i].inode >> shift) & 0xff]++] = v[i];
		sw = v; v = t; t = sw;
	}
	for (i = 1; i < n; i++) {
		struct fd_owner x = v[i];

		for (j = i; j > 0 && cmp_owner(&v[j - 1], &x) > 0; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
	if (v != c->owners) {
		memcpy(c->owners, v, n * sizeof(*v));
		t = v;
	}
	free(t);
}

static int cmp_fdc_proc(const void *a, const void *b)
{
	const struct fdc_proc *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* The census is done: what was not taken over is gone, the new list
 * becomes the cache. */
static void fdc_commit(struct fdtable_cache *c)
{
	struct fdc_proc *t;
	size_t i, cap;

	for (i = 0; i < c->np; i++)
		if (!c->p[i].moved)
			free(c->p[i].o);
	t = c->p;
	cap = c->capp;
	c->p = c->next;
	c->np = c->nnext;
	c->capp = c->capnext;
	c->next = t;
	c->nnext = 0;
	c->capnext = cap;
	for (i = 1; i < c->np; i++)
		if (c->p[i - 1].pid >= c->p[i].pid)
			break;
	if (i < c->np)
		qsort(c->p, c->np, sizeof(*c->p), cmp_fdc_proc);
}

void fdtable_census_sort(struct fd_census *c)
{
	if (c->nowners)
		sort_owners(c);
	if (c->nprocs)
		qsort(c->procs, c->nprocs, sizeof(*c->procs), cmp_proc);
}

int fdtable_cache_index(struct fdtable_cache *cache, const struct ltsock_vec *socks)
{
	int r;

	if (!cache)
		return 0;
	/* the owners came from elsewhere: no process's scan is kept */
	cache->gen++;
	cache->st.reused = cache->st.scanned = 0;
	fdc_reset(cache);
	r = set_build(cache, socks);
	if (r < 0) {
		free(cache->set);
		cache->set = NULL;
		cache->setmask = 0;
	}
	return r;
}

int fdtable_census_cached(struct fdtable_cache *cache, const char *procroot,
			  const int *pids, size_t npids, const struct ltsock_vec *socks,
			  struct fd_census *out, struct lt_err *err)
{
	return fdtable_census_known(cache, procroot, pids, npids, NULL, socks, out, err);
}

int fdtable_census_known(struct fdtable_cache *cache, const char *procroot,
			 const int *pids, size_t npids, const struct proc_list *known,
			 const struct ltsock_vec *socks, struct fd_census *out,
			 struct lt_err *err)
{
	struct census_scan cs = { .out = out, .cache = cache, .known = known };
	struct dirent *de;
	int r = 0;
	size_t i;
	DIR *d;

	memset(out, 0, sizeof(*out));
	cs.procfd = open(procroot, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cs.procfd < 0)
		return lt_err_set(err, errno, "cannot open %s: %s", procroot,
				  strerror(errno));
	cs.procfs = procs_is_procfs(procroot);
	if (cache) {
		cache->gen++;
		cache->st.reused = cache->st.scanned = 0;
		fdc_free_procs(cache->next, cache->nnext);
		cache->nnext = 0;
		if (socks && set_build(cache, socks) < 0) {
			r = -ENOMEM;
			goto out;
		}
		if (!socks) {
			free(cache->set);
			cache->set = NULL;
			cache->setmask = 0;
		}
	}
	if (cs.known) {
		for (i = 0; i < cs.known->n && r == 0; i++)
			r = scan_pid(&cs, cs.known->v[i].pid, &cs.known->v[i]);
	} else if (npids > 0) {
		for (i = 0; i < npids && r == 0; i++)
			r = scan_pid(&cs, pids[i], NULL);
	} else {
		d = opendir(procroot);
		if (!d) {
			r = lt_err_set(err, errno, "cannot list %s: %s", procroot,
				       strerror(errno));
			goto out;
		}
		while (r == 0 && (de = readdir(d)) != NULL) {
			char *end;
			long pid;

			if (!isdigit((unsigned char)de->d_name[0]))
				continue;
			pid = strtol(de->d_name, &end, 10);
			if (*end || pid <= 0 || pid > INT32_MAX)
				continue;
			r = scan_pid(&cs, (int)pid, NULL);
		}
		closedir(d);
	}
	if (out->nowners)
		sort_owners(out);
	if (out->nprocs)
		qsort(out->procs, out->nprocs, sizeof(*out->procs), cmp_proc);
out:
	if (r == -ENOMEM)
		lt_err_set(err, ENOMEM, "out of memory scanning fd tables");
	else if (r == -EMFILE || r == -ENFILE)
		lt_err_set(err, -r, "out of file descriptors reading %s/PID/fd: %s "
			   "(raise the open files limit: ulimit -n)", procroot, strerror(-r));
	if (cache) {
		if (r < 0)
			fdc_reset(cache);
		else
			fdc_commit(cache);
	}
	close(cs.procfd);
	if (r < 0)
		fdtable_census_free(out);
	return r;
}

int fdtable_census(const char *procroot, const int *pids, size_t npids,
		   struct fd_census *out, struct lt_err *err)
{
	return fdtable_census_cached(NULL, procroot, pids, npids, NULL, out, err);
}

void fdtable_census_free(struct fd_census *c)
{
	if (!c)
		return;
	free(c->owners);
	free(c->procs);
	memset(c, 0, sizeof(*c));
}

const struct fd_owner *fdtable_census_owners(const struct fd_census *c,
					     uint64_t inode, size_t *count)
{
	size_t lo = 0, hi = c->nowners, end;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->owners[mid].inode < inode)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (end = lo; end < c->nowners && c->owners[end].inode == inode; end++)
		;
	*count = end - lo;
	return *count ? &c->owners[lo] : NULL;
}

const struct fd_proc *fdtable_census_proc(const struct fd_census *c, int pid)
{
	struct fd_proc key = { .pid = pid };

	if (!c->nprocs)
		return NULL;
	return bsearch(&key, c->procs, c->nprocs, sizeof(*c->procs), cmp_proc);
}

int fdtable_sockproto(const char *procroot, int pid, int fd, char *out, size_t outsz)
{
	char path[512];
	ssize_t x;

	out[0] = '\0';
	snprintf(path, sizeof(path), "%s/%d/fd/%d", procroot, pid, fd);
	x = getxattr(path, "system.sockprotoname", out, outsz - 1);
	if (x < 0)
		return -errno;
	out[x] = '\0';
	return 0;
}

int fdtable_sockproto_dumped(const char *proto)
{
	/* the kernel's struct proto names of what sock_diag and /proc/net cover */
	static const char *const dumped[] = {
		"TCP", "TCPv6", "UDP", "UDPv6", "UDP-Lite", "UDPLITEv6",
		"RAW", "RAWv6", "PACKET", "UNIX", "UNIX-STREAM", "NETLINK",
	};
	size_t i;

	for (i = 0; i < sizeof(dumped) / sizeof(dumped[0]); i++)
		if (!strcmp(proto, dumped[i]))
			return 1;
	return 0;
}

/* ---- one process's full fd table -------------------------------------- */

const char *fdtable_kind_name(enum fd_kind k)
{
	static const char *const names[FD_NKINDS] = {
		[FD_FILE] = "file", [FD_DIR] = "dir", [FD_PIPE] = "pipe",
		[FD_SOCKET] = "socket", [FD_DEVICE] = "device",
		[FD_DELETED] = "deleted", [FD_MEMFD] = "memfd",
		[FD_EVENTFD] = "eventfd", [FD_EPOLL] = "eventpoll",
		[FD_TIMERFD] = "timerfd", [FD_SIGNALFD] = "signalfd",
		[FD_INOTIFY] = "inotify", [FD_FANOTIFY] = "fanotify",
		[FD_PIDFD] = "pidfd", [FD_ANON] = "anon", [FD_OTHER] = "other",
	};

	return (unsigned)k < FD_NKINDS ? names[k] : "other";
}

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

enum fd_kind fdtable_classify(const char *target, int is_dir, int is_chr_or_blk)
{
	static const struct { const char *prefix; enum fd_kind kind; } anon[] = {
		{ "anon_inode:[eventfd]", FD_EVENTFD },
		{ "anon_inode:[eventpoll]", FD_EPOLL },
		{ "anon_inode:[timerfd]", FD_TIMERFD },
		{ "anon_inode:[signalfd]", FD_SIGNALFD },
		{ "anon_inode:inotify", FD_INOTIFY },
		{ "anon_inode:[fanotify]", FD_FANOTIFY },
		{ "anon_inode:[pidfd]", FD_PIDFD },
		{ "pidfd:", FD_PIDFD },
	};
	size_t i;

	if (!strncmp(target, "socket:[", 8))
		return FD_SOCKET;
	if (!strncmp(target, "pipe:[", 6))
		return FD_PIPE;
	for (i = 0; i < sizeof(anon) / sizeof(anon[0]); i++)
		if (!strncmp(target, anon[i].prefix, strlen(anon[i].prefix)))
			return anon[i].kind;
	if (!strncmp(target, "anon_inode:", 11))
		return FD_ANON;
	if (!strncmp(target, "/memfd:", 7))
		return FD_MEMFD;
	if (target[0] != '/')
		return FD_OTHER;
	if (ends_with(target, " (deleted)"))
		return FD_DELETED;
	if (is_dir)
		return FD_DIR;
	if (is_chr_or_blk)
		return FD_DEVICE;
	return FD_FILE;
}

/* pos and flags from an fdinfo text. */
static void parse_fdinfo(const char *text, struct fd_entry *e)
{
	const char *p;

	p = strstr(text, "pos:");
	if (p)
		e->pos = strtoull(p + 4, NULL, 10);
	p = strstr(text, "flags:");
	if (p)
		e->flags = (uint32_t)strtoul(p + 6, NULL, 8);
	p = strstr(text, "ino:");
	if (p && !e->inode)
		e->inode = strtoull(p + 4, NULL, 10);
}

static int cmp_fd(const void *a, const void *b)
{
	const struct fd_entry *x = a, *y = b;

	return (x->fd > y->fd) - (x->fd < y->fd);
}

int fdtable_read(const char *procroot, int pid, struct fd_table *out,
		 struct lt_err *err)
{
	char path[512], target[4096], info[1024];
	struct dirent *de;
	int fddir, infodir = -1, ret = 0;
	DIR *d;

	memset(out, 0, sizeof(*out));
	out->pid = pid;
	snprintf(path, sizeof(path), "%s/%d/fd", procroot, pid);
	fddir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fddir < 0) {
		if (errno == EACCES || errno == EPERM) {
			out->hidden = 1;
			return 0;
		}
		return lt_err_set(err, ESRCH, "process %d is gone", pid);
	}
	snprintf(path, sizeof(path), "%s/%d/fdinfo", procroot, pid);
	infodir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = fdopendir(fddir);
	if (!d) {
		close(fddir);
		ret = lt_err_set(err, errno, "cannot read fds of %d", pid);
		goto out;
	}
	while ((de = readdir(d)) != NULL) {
		struct fd_entry *e;
		struct stat st;
		ssize_t n;
		char *end;
		long fd;
		int isdir = 0, isdev = 0;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		fd = strtol(de->d_name, &end, 10);
		if (*end || fd < 0 || fd > INT32_MAX)
			continue;
		n = readlinkat(dirfd(d), de->d_name, target, sizeof(target) - 1);
		if (n <= 0)
			continue;	/* closed meanwhile */
		target[n] = '\0';
		if (out->n == out->cap) {
			size_t cap = out->cap ? out->cap * 2 : 32;
			struct fd_entry *v = realloc(out->v, cap * sizeof(*v));

			if (!v) {
				ret = lt_err_set(err, ENOMEM, "out of memory");
				break;
			}
			out->v = v;
			out->cap = cap;
		}
		e = &out->v[out->n];
		memset(e, 0, sizeof(*e));
		e->fd = (int32_t)fd;
		e->sock = -1;
		e->target = strdup(target);
		if (!e->target) {
			ret = lt_err_set(err, ENOMEM, "out of memory");
			break;
		}
		out->n++;
		/* stat through the magic link: the kind of what it points at */
		if (target[0] == '/' && fstatat(dirfd(d), de->d_name, &st, 0) == 0) {
			isdir = S_ISDIR(st.st_mode);
			isdev = S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode);
		}
		e->kind = (uint8_t)fdtable_classify(target, isdir, isdev);
		if (e->kind == FD_SOCKET) {
			fdtable_socket_inode(target, &e->inode);
			/* what lsof prints for sockets the stack no longer lists */
			fdtable_sockproto(procroot, pid, (int)fd, e->sockproto,
					  sizeof(e->sockproto));
		} else if (e->kind == FD_PIPE) {
			const char *b = strchr(target, '[');

			if (b)
				e->inode = strtoull(b + 1, NULL, 10);
		}
		if (infodir >= 0) {
			int fi = openat(infodir, de->d_name, O_RDONLY | O_CLOEXEC);

			if (fi >= 0) {
				n = read(fi, info, sizeof(info) - 1);
				close(fi);
				if (n > 0) {
					info[n] = '\0';
					parse_fdinfo(info, e);
				}
			}
		}
	}
	closedir(d);
	if (ret < 0) {
		fdtable_free(out);
		goto out;
	}
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), cmp_fd);
out:
	if (infodir >= 0)
		close(infodir);
	return ret;
}

void fdtable_free(struct fd_table *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->n; i++)
		free(t->v[i].target);
	free(t->v);
	memset(t, 0, sizeof(*t));
}
