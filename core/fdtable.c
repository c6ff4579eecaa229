/*
 * File descriptor tables: the socket owner census.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
