/*
 * Network namespaces: list the ones in use (from every process's ns/net and
 * from the names under /run/netns), and dump the sockets of one of them.
 * A foreign namespace is dumped by a short-lived helper thread that
 * setns()es into it, so the calling thread, and with it the rest of
 * leaktop, never leaves its own namespace.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <linux/netlink.h>
#include <libmnl/libmnl.h>

#include "leaktop/fallback.h"
#include "leaktop/netns.h"
#include "leaktop/procs.h"
#include "leaktop/procnet.h"
#include "alloc_hook.h"

#define NETNS_PATH_MAX	4096

/* Open-addressing index of (dev, ino) -> position in the list + 1. */
struct ns_index {
	size_t *slot;
	size_t mask;		/* slots - 1; slots is a power of two */
};

static size_t ns_hash(uint64_t dev, uint64_t ino)
{
	uint64_t h = (ino ^ (dev << 32 | dev >> 32)) * 0x9e3779b97f4a7c15ULL;

	return (size_t)(h >> 17);
}

/* Position of (dev, ino) in l, or -1. */
static ssize_t ns_index_find(const struct ns_index *ix,
			     const struct netns_list *l,
			     uint64_t dev, uint64_t ino)
{
	size_t i = ns_hash(dev, ino) & ix->mask;
	const struct netns_entry *e;

	if (!ix->slot)
		return -1;
	for (; ix->slot[i]; i = (i + 1) & ix->mask) {
		e = &l->v[ix->slot[i] - 1];
		if (e->dev == dev && e->ino == ino)
			return (ssize_t)(ix->slot[i] - 1);
	}
	return -1;
}

static void ns_index_put(struct ns_index *ix, const struct netns_list *l,
			 size_t pos)
{
	const struct netns_entry *e = &l->v[pos];
	size_t i = ns_hash(e->dev, e->ino) & ix->mask;

	while (ix->slot[i])
		i = (i + 1) & ix->mask;
	ix->slot[i] = pos + 1;
}

/* Make room for one more entry, keeping the index at most half full. */
static int ns_reserve(struct ns_index *ix, struct netns_list *l)
{
	struct netns_entry *nv;
	size_t ncap, nslots, i;
	size_t *ns;

	if (l->n == l->cap) {
		ncap = l->cap ? l->cap * 2 : 8;
		nv = realloc(l->v, ncap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		l->v = nv;
		l->cap = ncap;
	}
	if (ix->slot && (l->n + 1) * 2 <= ix->mask + 1)
		return 0;
	nslots = ix->slot ? (ix->mask + 1) * 2 : 16;
	ns = calloc(nslots, sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	free(ix->slot);
	ix->slot = ns;
	ix->mask = nslots - 1;
	for (i = 0; i < l->n; i++)
		ns_index_put(ix, l, i);
	return 0;
}

/*
 * Record the namespace st names.  A new namespace takes pid and path.  A
 * known one keeps its lowest pid (the first a live /proc lists, whatever
 * order a fixture directory gives) and its smallest name; a name brings its
 * path, since a /run/netns path outlives any process.
 */
static int ns_add(struct ns_index *ix, struct netns_list *l,
		  const struct stat *st, int pid, const char *name,
		  const char *path)
{
	struct netns_entry *e = NULL;
	char *nname = NULL, *npath = NULL;
	ssize_t pos;
	int ret = 0;

	pos = ns_index_find(ix, l, (uint64_t)st->st_dev, (uint64_t)st->st_ino);
	if (pos >= 0)
		e = &l->v[pos];
	if (e && !name) {
		/* one more process in a known namespace */
		if (e->pid && e->pid < pid)
			return 0;
		e->pid = pid;
		if (e->name)
			return 0;
	} else if (e && e->name && strcmp(name, e->name) >= 0) {
		return 0;	/* several names: keep the smallest */
	}
	if (name) {
		nname = strdup(name);
		if (!nname) {
			ret = -ENOMEM;
			goto out;
		}
	}
	npath = strdup(path);
	if (!npath) {
		ret = -ENOMEM;
		goto out;
	}
	if (e) {
		free(e->path);
	} else {
		ret = ns_reserve(ix, l);
		if (ret)
			goto out;
		e = &l->v[l->n];
		e->dev = (uint64_t)st->st_dev;
		e->ino = (uint64_t)st->st_ino;
		e->pid = pid;
		e->name = NULL;
		ns_index_put(ix, l, l->n++);
	}
	if (nname) {
		free(e->name);
		e->name = nname;
	}
	e->path = npath;
	nname = npath = NULL;
out:
	free(nname);
	free(npath);
	return ret;
}

/* A /proc PID directory name: digits only, fitting an int. */
static int pid_of(const char *name)
{
	long pid = 0;

	if (!*name)
		return 0;
	for (; *name; name++) {
		if (*name < '0' || *name > '9')
			return 0;
		pid = pid * 10 + (*name - '0');
		if (pid > 0x7fffffffL)
			return 0;
	}
	return (int)pid;
}

static int scan_procs(const char *procroot, struct ns_index *ix,
		      struct netns_list *l, struct lt_err *err)
{
	char path[NETNS_PATH_MAX];
	struct dirent *de;
	struct stat st;
	DIR *d;
	int pid, n, ret = 0;

	d = opendir(procroot);
	if (!d)
		return lt_err_set(err, errno, "%s: %s", procroot,
				  strerror(errno));
	while ((de = readdir(d))) {
		pid = pid_of(de->d_name);
		if (!pid)
			continue;
		n = snprintf(path, sizeof(path), "%s/%d/ns/net", procroot, pid);
		if (n < 0 || (size_t)n >= sizeof(path))
			continue;
		if (stat(path, &st)) {
			if (errno == EACCES || errno == EPERM)
				l->hidden_procs++;
			/* anything else: gone since readdir, or no process */
			continue;
		}
		ret = ns_add(ix, l, &st, pid, NULL, path);
		if (ret) {
			lt_err_set(err, ret, "netns list: out of memory");
			goto out;
		}
	}
out:
	closedir(d);
	return ret;
}

/* Names under runroot; a missing or unreadable directory names nothing. */
static int scan_names(const char *runroot, struct ns_index *ix,
		      struct netns_list *l, struct lt_err *err)
{
	char path[NETNS_PATH_MAX];
	struct dirent *de;
	struct stat st;
	DIR *d;
	int ret = 0;

	d = opendir(runroot);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (lt_path(path, sizeof(path), runroot, de->d_name))
			continue;
		if (stat(path, &st) || S_ISDIR(st.st_mode))
			continue;
		ret = ns_add(ix, l, &st, 0, de->d_name, path);
		if (ret) {
			lt_err_set(err, ret, "netns list: out of memory");
			goto out;
		}
	}
out:
	closedir(d);
	return ret;
}

/* Inode of the calling thread's netns as procroot shows it, or 0. */
static uint64_t own_ino(const char *procroot)
{
	char path[NETNS_PATH_MAX];
	struct stat st;

	if (!lt_path(path, sizeof(path), procroot, "thread-self/ns/net") &&
	    !stat(path, &st))
		return (uint64_t)st.st_ino;
	if (!lt_path(path, sizeof(path), procroot, "self/ns/net") &&
	    !stat(path, &st))
		return (uint64_t)st.st_ino;
	return 0;
}

/* The namespaces procs already name (their netns, read once per process
 * instance by the process table): no link to stat again. */
static int from_procs(const char *procroot, const struct proc_list *procs,
		      struct ns_index *ix, struct netns_list *l, struct lt_err *err)
{
	char path[NETNS_PATH_MAX];
	struct stat st;
	size_t i;
	int n, ret;

	/* every namespace file lives on nsfs: one device for all */
	if (lt_path(path, sizeof(path), procroot, "self/ns/net") || stat(path, &st))
		return scan_procs(procroot, ix, l, err);
	for (i = 0; i < procs->n; i++) {
		const struct proc_info *p = &procs->v[i];

		if (!p->netns) {
			l->hidden_procs++;	/* refused (or gone) */
			continue;
		}
		n = snprintf(path, sizeof(path), "%s/%d/ns/net", procroot, (int)p->pid);
		if (n < 0 || (size_t)n >= sizeof(path))
			continue;
		st.st_ino = (ino_t)p->netns;
		ret = ns_add(ix, l, &st, p->pid, NULL, path);
		if (ret)
			return lt_err_set(err, ret, "netns list: out of memory");
	}
	return 0;
}

int netns_list_scan(const char *procroot, const char *runroot,
		    struct netns_list *out, struct lt_err *err)
{
	return netns_list_known(procroot, runroot, NULL, out, err);
}

int netns_list_known(const char *procroot, const char *runroot,
		     const struct proc_list *procs, struct netns_list *out,
		     struct lt_err *err)
{
	struct ns_index ix = { NULL, 0 };
	int ret;

	memset(out, 0, sizeof(*out));
	ret = procs ? from_procs(procroot, procs, &ix, out, err) :
		      scan_procs(procroot, &ix, out, err);
	if (ret)
		goto out;
	if (runroot) {
		ret = scan_names(runroot, &ix, out, err);
		if (ret)
			goto out;
	}
	out->self_ino = own_ino(procroot);
out:
	if (ret)
		netns_list_free(out);
	free(ix.slot);
	return ret;
}

void netns_list_free(struct netns_list *l)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].path);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* One namespace's dump, handed to the helper thread. */
struct dump_job {
	int fd;		/* the namespace; -1: dump where we are */
	const char *procroot;
	uint64_t ino;
	struct ltsock_vec *out;
	struct netns_dump_report *rep;
	unsigned kinds;		/* 1 << enum sockdiag_kind for each kind asked */
	const struct netns_kind_filter *filters;	/* NULL or per kind */
	const struct netns_hook *hook;	/* NULL or another source of kinds */
	int ret;		/* 0 or -ENOMEM */
};

static void note(struct netns_dump_report *rep, const char *msg)
{
	if (!rep->why[0])
		snprintf(rep->why, sizeof(rep->why), "%.*s", (int)sizeof(rep->why) - 1, msg);
}

/* Remove leaktop's own sock_diag socket (fd) from out->v[first..]: it is
 * mid-dump, so its queue is never empty, and it is not the user's. */
static void drop_own(struct ltsock_vec *out, size_t first, int fd)
{
	struct stat st;
	size_t i;

	if (fstat(fd, &st) < 0)
		return;
	for (i = first; i < out->n; i++) {
		if (out->v[i].family != AF_NETLINK || out->v[i].inode != st.st_ino)
			continue;
		free(out->v[i].path);
		out->v[i] = out->v[--out->n];
		return;
	}
}

/* The fallback that stands for kind's diag module. */
static enum lt_fallback_id kind_fallback(int kind)
{
	switch (kind) {
	case SOCKDIAG_TCP4:
	case SOCKDIAG_TCP6:
		return LT_FB_INET_DIAG;
	case SOCKDIAG_RAW4:
	case SOCKDIAG_RAW6:
		return LT_FB_RAW_DIAG;
	case SOCKDIAG_PACKET:
		return LT_FB_PACKET_DIAG;
	case SOCKDIAG_UNIX:
		return LT_FB_UNIX_DIAG;
	case SOCKDIAG_NETLINK:
		return LT_FB_NETLINK_DIAG;
	default:
		return LT_FB_UDP_DIAG;
	}
}

/* The calling thread's /proc/net: thread-self/net, or TID/net before
 * 3.17 (self/net would be the namespace of the main thread). */
static int fallback_dir(char *out, size_t outsz, const char *procroot)
{
	char rel[32];

	if (!lt_fallback(LT_FB_THREAD_SELF))
		return lt_path(out, outsz, procroot, "thread-self/net");
	snprintf(rel, sizeof(rel), "%ld/net", (long)syscall(SYS_gettid));
	return lt_path(out, outsz, procroot, rel);
}

/*
 * Dump every kind in the calling thread's current namespace through one
 * sock_diag socket, falling back to procroot/thread-self/net for kinds the
 * kernel has no diag module for.
 */
static int dump_here(struct dump_job *job)
{
	struct netns_dump_report *rep = job->rep;
	char fbdir[NETNS_PATH_MAX];
	struct mnl_socket *nl;
	size_t first = job->out->n;
	struct lt_err err;
	int k, r, ret = 0, nodiag = 0, filtered;

	rep->entered = 1;
	if (job->hook) {
		/* the kinds the hook gives are not asked of sock_diag */
		r = job->hook->dump(job->hook->arg, job->ino, job->kinds, job->out);
		if (r < 0) {
			ret = r;
			goto out_nonl;
		}
		for (k = 0; k < SOCKDIAG_NKINDS; k++)
			if ((unsigned)r & job->kinds & (1u << k))
				rep->result[k] = SOCKDIAG_OK;
		job->kinds &= ~(unsigned)r;
	}
	if (fallback_dir(fbdir, sizeof(fbdir), job->procroot))
		fbdir[0] = '\0';
	nl = mnl_socket_open2(NETLINK_SOCK_DIAG, SOCK_CLOEXEC);
	if (!nl) {
		/* no sock_diag at all: every kind is as good as unsupported */
		if (errno == EPROTONOSUPPORT) {
			nodiag = 1;
		} else {
			snprintf(rep->why, sizeof(rep->why),
				 "sock_diag socket: %s", strerror(errno));
			goto out;
		}
	} else if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		snprintf(rep->why, sizeof(rep->why), "sock_diag bind: %s",
			 strerror(errno));
		goto out;
	}
	for (k = 0; k < SOCKDIAG_NKINDS; k++) {
		if (!(job->kinds & (1u << k)))
			continue;
		memset(&err, 0, sizeof(err));
		filtered = job->filters && !lt_fallback(LT_FB_DIAG_FILTER);
		if (!nodiag && job->filters && job->filters[k].nexact &&
		    !lt_fallback(LT_FB_DIAG_LOOKUP) && !lt_fallback(kind_fallback(k)) &&
		    sockdiag_lookup(nl, k, job->ino, job->filters[k].exact,
				    job->filters[k].nexact, job->out, &err) == SOCKDIAG_OK) {
			rep->result[k] = SOCKDIAG_OK;
			rep->exact[k] = 1;
			continue;
		}
		if (nodiag || lt_fallback(kind_fallback(k)))
			rep->result[k] = SOCKDIAG_UNSUPPORTED;
		else
			rep->result[k] = sockdiag_dump_ports(
				nl, k, job->ino,
				filtered ? job->filters[k].pairs : NULL,
				filtered ? job->filters[k].npairs : 0,
				job->out, &err);
		if (rep->result[k] == SOCKDIAG_UNSUPPORTED) {
			fallback_detected(kind_fallback(k));
			if (!fbdir[0]) {
				note(rep, "fallback path too long");
				continue;
			}
			r = procnet_read(fbdir, k, job->ino, job->out, &err);
			if (r == -ENOMEM) {
				ret = -ENOMEM;
				goto out;
			}
			if (r >= 0)
				rep->fallback[k] = 1;
		}
		if (rep->result[k] != SOCKDIAG_OK && !rep->fallback[k])
			note(rep, err.msg);
	}
	rep->complete = 1;
	for (k = 0; k < SOCKDIAG_NKINDS; k++)
		if ((job->kinds & (1u << k)) &&
		    rep->result[k] != SOCKDIAG_OK && !rep->fallback[k])
			rep->complete = 0;
	if (nl)
		drop_own(job->out, first, mnl_socket_get_fd(nl));
out:
	if (nl)
		mnl_socket_close(nl);
out_nonl:
	return ret;
}

static void *dump_thread(void *arg)
{
	struct dump_job *job = arg;
	struct netns_dump_report *rep = job->rep;

	if (setns(job->fd, CLONE_NEWNET)) {
		if (errno == EPERM)
			snprintf(rep->why, sizeof(rep->why),
				 "cannot enter netns: needs CAP_SYS_ADMIN (run as root)");
		else
			snprintf(rep->why, sizeof(rep->why),
				 "cannot enter netns: %s", strerror(errno));
		return NULL;
	}
	job->ret = dump_here(job);
	return NULL;
}

/* Run job in a helper thread that enters job->fd's namespace. */
static int dump_foreign(struct dump_job *job)
{
	sigset_t all, old;
	pthread_t t;
	int r;

	/* the helper must not run the caller's signal handlers */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	r = pthread_create(&t, NULL, dump_thread, job);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r) {
		snprintf(job->rep->why, sizeof(job->rep->why),
			 "cannot start helper thread: %s", strerror(r));
		return r == ENOMEM ? -ENOMEM : 0;
	}
	pthread_join(t, NULL);
	return job->ret;
}

int netns_dump(const struct netns_entry *ns, const char *procroot,
	       struct ltsock_vec *out, struct netns_dump_report *rep)
{
	return netns_dump_kinds(ns, procroot, NETNS_ALL_KINDS, NULL, out, rep);
}

int netns_dump_kinds(const struct netns_entry *ns, const char *procroot,
		     unsigned kinds, const struct netns_kind_filter *filters,
		     struct ltsock_vec *out, struct netns_dump_report *rep)
{
	return netns_dump_hooked(ns, procroot, kinds, filters, NULL, out, rep);
}

int netns_dump_hooked(const struct netns_entry *ns, const char *procroot,
		      unsigned kinds, const struct netns_kind_filter *filters,
		      const struct netns_hook *hook, struct ltsock_vec *out,
		      struct netns_dump_report *rep)
{
	struct dump_job job = {
		.fd = -1, .procroot = procroot, .ino = ns->ino,
		.out = out, .rep = rep, .kinds = kinds, .filters = filters,
		.hook = hook,
	};
	struct stat st;
	int k, ret = 0;

	memset(rep, 0, sizeof(*rep));
	for (k = 0; k < SOCKDIAG_NKINDS; k++)
		rep->result[k] = SOCKDIAG_FAILED;
	if (ns->ino && ns->ino == own_ino(procroot))
		return dump_here(&job);
	if (!ns->path) {
		snprintf(rep->why, sizeof(rep->why), "no path to namespace");
		goto out;
	}
	job.fd = open(ns->path, O_RDONLY | O_CLOEXEC);
	if (job.fd < 0) {
		if (errno == ENOENT || errno == ESRCH)
			snprintf(rep->why, sizeof(rep->why),
				 "namespace vanished");
		else
			snprintf(rep->why, sizeof(rep->why),
				 "cannot open %s: %s%s", ns->path,
				 strerror(errno),
				 errno == EACCES || errno == EPERM ?
				 " (run as root)" : "");
		goto out;
	}
	/* the pid may have been reused by a process living elsewhere */
	if (fstat(job.fd, &st) ||
	    (ns->ino && (uint64_t)st.st_ino != ns->ino)) {
		snprintf(rep->why, sizeof(rep->why), "namespace vanished");
		goto out;
	}
	ret = dump_foreign(&job);
out:
	if (job.fd >= 0)
		close(job.fd);
	return ret;
}

#ifndef SIOCGSKNS
#define SIOCGSKNS 0x894C
#endif

/* The work of netns_of_sockets, for its helper thread. */
struct sockns_job {
	struct netns_sock_query *q;
	size_t n;
	int chan;		/* where each namespace fd is sent (SCM_RIGHTS) */
};

/* Send fd over chan with the index of its query.  0 or -errno. */
static int send_fd(int chan, uint32_t idx, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { &idx, sizeof(idx) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

	memset(u.buf, 0, sizeof(u.buf));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(chan, &mh, MSG_NOSIGNAL) == (ssize_t)sizeof(idx) ? 0 : -errno;
}

/* One fd sent over chan and its query's index: the fd, or -1 when nothing
 * (more) came. */
static int recv_fd(int chan, uint32_t *idx)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { idx, sizeof(*idx) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c;
	int fd;

	if (recvmsg(chan, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) != (ssize_t)sizeof(*idx))
		return -1;
	c = CMSG_FIRSTHDR(&mh);
	if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(sizeof(int)))
		return -1;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/* Ask one socket from the helper thread: its namespace fd sent over chan;
 * the duplicate stays open (see sockns_thread). */
static void sockns_ask(struct netns_sock_query *q, uint32_t idx, int chan)
{
	struct stat st;
	int pidfd, dup, ns, err;

	pidfd = lt_pidfd_open(q->pid);
	if (pidfd < 0) {
		q->ret = errno == ENOSYS ? -ENOSYS : -errno;
		return;
	}
	/* a duplicate of the fd: the target's table and socket are untouched */
	dup = lt_pidfd_getfd(pidfd, q->fd);
	err = errno;
	close(pidfd);		/* a pidfd's close never waits */
	if (dup < 0) {
		if (err == ENOSYS)
			fallback_detected(LT_FB_PIDFD_GETFD);
		q->ret = err == ENOSYS ? -ENOSYS : -err;
		return;
	}
	if (fstat(dup, &st) < 0 || (uint64_t)st.st_ino != q->inode) {
		q->ret = -ESTALE;	/* the fd now holds something else */
		return;
	}
	ns = ioctl(dup, SIOCGSKNS);
	if (ns < 0) {
		err = errno;
		if (err == ENOTTY || err == EINVAL)
			fallback_detected(LT_FB_SIOCGSKNS);
		q->ret = err == ENOTTY || err == EINVAL ? -ENOSYS : -err;
		return;
	}
	q->ret = fstat(ns, &st) < 0 ? -errno : 0;
	q->nsino = (uint64_t)st.st_ino;
	if (q->ret == 0)
		q->ret = send_fd(chan, idx, ns);
	close(ns);		/* nor does a namespace fd's (it is in flight) */
}

/*
 * In a private copy of the fd table: the duplicates of other processes'
 * sockets are never closed here, only by this thread's exit, when the
 * kernel closes them without honouring SO_LINGER (inet_release waits only
 * for a task that is not exiting).  So should an owner close its fd
 * meanwhile and a duplicate become the last reference, the socket is torn
 * down in the background as by a plain close, and no one waits.  Out of
 * fds for more duplicates, the rest stay -EAGAIN for another helper.
 */
static void *sockns_thread(void *arg)
{
	struct sockns_job *job = arg;
	size_t i;

	if (unshare(CLONE_FILES) < 0) {
		for (i = 0; i < job->n; i++)
			job->q[i].ret = -errno;
		return NULL;
	}
	for (i = 0; i < job->n; i++) {
		sockns_ask(&job->q[i], (uint32_t)i, job->chan);
		if (job->q[i].ret == -EMFILE || job->q[i].ret == -ENFILE) {
			/* the duplicates held so far fill the table */
			for (; i < job->n; i++)
				job->q[i].ret = -EAGAIN;
			break;
		}
		if (job->q[i].ret == -ENOSYS) {
			for (i++; i < job->n; i++)
				job->q[i].ret = -ENOSYS;
			break;
		}
	}
	return NULL;	/* the exit closes the duplicates */
}

/* One helper thread over q[0..n).  0 or -errno (it could not start). */
static int sockns_batch(struct netns_sock_query *q, size_t n)
{
	struct sockns_job job = { .q = q, .n = n };
	sigset_t all, old;
	pthread_t t;
	uint32_t idx;
	int chan[2], fd, r;
	size_t i;

	for (i = 0; i < n; i++) {
		q[i].ret = -EIO;
		q[i].nsfd = -1;
		q[i].nsino = 0;
	}
	/* a stream: no queue limit, each 4-byte index with its own fd */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, chan) < 0)
		return -errno;
	job.chan = chan[1];
	/* the helper must not run the caller's signal handlers */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	r = pthread_create(&t, NULL, sockns_thread, &job);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r) {
		for (i = 0; i < n; i++)
			q[i].ret = -r;
		goto out;
	}
	pthread_join(t, NULL);
	while ((fd = recv_fd(chan[0], &idx)) >= 0) {
		if (idx < n && q[idx].ret == 0 && q[idx].nsfd < 0)
			q[idx].nsfd = fd;
		else
			close(fd);
	}
	for (i = 0; i < n; i++)
		if (q[i].ret == 0 && q[i].nsfd < 0)
			q[i].ret = -EIO;	/* sent, not received */
out:
	close(chan[0]);
	close(chan[1]);
	return r ? -r : 0;
}

int netns_of_sockets(struct netns_sock_query *q, size_t n)
{
	size_t done = 0, i;
	int r;

	if (lt_fallback(LT_FB_PIDFD_GETFD) || lt_fallback(LT_FB_SIOCGSKNS)) {
		for (i = 0; i < n; i++) {
			q[i].ret = -ENOSYS;
			q[i].nsfd = -1;
			q[i].nsino = 0;
		}
		return 0;
	}
	while (done < n) {
		size_t m = n - done < NETNS_QUERY_MAX ? n - done : NETNS_QUERY_MAX;

		r = sockns_batch(q + done, m);
		if (r < 0) {
			for (i = done; i < n; i++) {
				q[i].ret = r;
				q[i].nsfd = -1;
				q[i].nsino = 0;
			}
			return r;
		}
		/* asked up to the first left for another helper */
		for (i = 0; i < m && q[done + i].ret != -EAGAIN; i++)
			;
		if (i == 0) {
			q[done].ret = -EMFILE;	/* not even one fits */
			i = 1;
		}
		done += i;
	}
	return 0;
}

int netns_of_socket(int pid, int fd, uint64_t inode, int *nsfd, uint64_t *nsino)
{
	struct netns_sock_query q = { .pid = pid, .fd = fd, .inode = inode };
	int r = netns_of_sockets(&q, 1);

	*nsfd = q.nsfd;
	*nsino = q.ret == 0 ? q.nsino : 0;
	return r < 0 ? r : q.ret;
}
