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

#include "leaktop/fdtable.h"

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

/* Scan one process; -ENOMEM is the only error passed up. */
static int scan_pid(struct fd_census *c, int procfd, int pid)
{
	char name[16], target[64];
	struct fd_proc *p;
	struct dirent *de;
	int piddir, fddir, ret = 0;
	DIR *d;

	snprintf(name, sizeof(name), "%d", pid);
	piddir = openat(procfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (piddir < 0)
		return 0;	/* vanished */
	fddir = openat(piddir, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fddir < 0 && errno != EACCES && errno != EPERM) {
		close(piddir);
		return 0;	/* vanished (ENOENT) or a kernel oddity */
	}
	p = push_proc(c, pid);
	if (!p) {
		ret = -ENOMEM;
		goto out;
	}
	read_comm(piddir, p);
	if (fddir < 0) {
		p->nfds = -1;
		c->hidden_procs++;
		goto out;
	}
	d = fdopendir(fddir);
	if (!d) {
		close(fddir);
		goto out;
	}
	while ((de = readdir(d)) != NULL) {
		uint64_t inode;
		ssize_t n;
		char *end;
		long fd;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		fd = strtol(de->d_name, &end, 10);
		if (*end || fd < 0 || fd > INT32_MAX)
			continue;
		p->nfds++;
		n = readlinkat(dirfd(d), de->d_name, target, sizeof(target) - 1);
		if (n <= 0)
			continue;	/* closed meanwhile */
		target[n] = '\0';
		if (fdtable_socket_inode(target, &inode) < 0)
			continue;
		p->nsockets++;
		if (push_owner(c, inode, pid, (int)fd) < 0) {
			ret = -ENOMEM;
			break;
		}
	}
	closedir(d);
out:
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

int fdtable_census(const char *procroot, const int *pids, size_t npids,
		   struct fd_census *out, struct lt_err *err)
{
	struct dirent *de;
	int procfd, r = 0;
	size_t i;
	DIR *d;

	memset(out, 0, sizeof(*out));
	procfd = open(procroot, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (procfd < 0)
		return lt_err_set(err, errno, "cannot open %s: %s", procroot,
				  strerror(errno));
	if (npids > 0) {
		for (i = 0; i < npids && r == 0; i++)
			r = scan_pid(out, procfd, pids[i]);
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
			r = scan_pid(out, procfd, (int)pid);
		}
		closedir(d);
	}
	if (r == -ENOMEM)
		lt_err_set(err, ENOMEM, "out of memory scanning fd tables");
	if (out->nowners)
		qsort(out->owners, out->nowners, sizeof(*out->owners), cmp_owner);
	if (out->nprocs)
		qsort(out->procs, out->nprocs, sizeof(*out->procs), cmp_proc);
out:
	close(procfd);
	if (r < 0)
		fdtable_census_free(out);
	return r;
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
