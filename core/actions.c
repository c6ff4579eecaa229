/*
 * Remediation through pidfd_open + pidfd_getfd: pin the process, duplicate
 * its socket fd, check the identity against the scan, act on the shared
 * socket, read the result back, keep what undo needs in a state file, and
 * audit every run: an intent line in the audit file (fsync'd) before the
 * first change, an outcome line after, both also to syslog, the outcome to
 * the audit hook.  No terminal output.
 *
 * The safety rules (actions_check) and the preview text (actions_describe)
 * are pure functions of what was inspected, so tests can feed fake targets.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>

#include "leaktop/actions.h"
#include "leaktop/fallback.h"
#include "leaktop/socket.h"

#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef SO_MEMINFO
#define SO_MEMINFO 55
#endif

#define STATE_MAGIC "leaktop-undo 1"
#define STATE_MAX (128 * 1024)
#define DRAIN_MAX_READS (1u << 20)
#define DRAIN_MAX_BYTES (1ull << 30)
#define DRAIN_BUF (64 * 1024)

const struct sock_filter actions_drop_insn = BPF_STMT(BPF_RET | BPF_K, 0);

static actions_audit_fn audit_fn;
static void *audit_arg;

static const char *const kind_names[ACTIONS_NKINDS] = {
	[ACTIONS_NONE] = "?",
	[ACTIONS_DROP_FILTER] = "drop-filter",
	[ACTIONS_UNDO_FILTER] = "undo-filter",
	[ACTIONS_SHRINK_RCVBUF] = "shrink-rcvbuf",
	[ACTIONS_UNDO_RCVBUF] = "undo-rcvbuf",
	[ACTIONS_DRAIN] = "drain",
	[ACTIONS_RAISE_FD_LIMIT] = "raise-fd-limit",
	[ACTIONS_UNDO_FD_LIMIT] = "undo-fd-limit",
};

const char *actions_kind_name(enum actions_kind kind)
{
	if ((unsigned)kind >= ACTIONS_NKINDS)
		return "?";
	return kind_names[kind];
}

enum actions_kind actions_kind_parse(const char *name)
{
	int k;

	if (!name)
		return ACTIONS_NONE;
	for (k = ACTIONS_NONE + 1; k < ACTIONS_NKINDS; k++)
		if (!strcmp(name, kind_names[k]))
			return (enum actions_kind)k;
	return ACTIONS_NONE;
}

int actions_kind_needs_fd(enum actions_kind kind)
{
	return kind != ACTIONS_RAISE_FD_LIMIT && kind != ACTIONS_UNDO_FD_LIMIT;
}

enum actions_kind actions_kind_undo(enum actions_kind kind)
{
	switch (kind) {
	case ACTIONS_DROP_FILTER:
		return ACTIONS_UNDO_FILTER;
	case ACTIONS_SHRINK_RCVBUF:
		return ACTIONS_UNDO_RCVBUF;
	case ACTIONS_RAISE_FD_LIMIT:
		return ACTIONS_UNDO_FD_LIMIT;
	default:
		return ACTIONS_NONE;
	}
}

/* The action whose state file an action reads or writes. */
static enum actions_kind state_family(enum actions_kind kind)
{
	switch (kind) {
	case ACTIONS_DROP_FILTER:
	case ACTIONS_UNDO_FILTER:
		return ACTIONS_DROP_FILTER;
	case ACTIONS_SHRINK_RCVBUF:
	case ACTIONS_UNDO_RCVBUF:
		return ACTIONS_SHRINK_RCVBUF;
	case ACTIONS_RAISE_FD_LIMIT:
	case ACTIONS_UNDO_FD_LIMIT:
		return ACTIONS_RAISE_FD_LIMIT;
	default:
		return ACTIONS_NONE;
	}
}

const char *actions_outcome_name(enum actions_outcome o)
{
	switch (o) {
	case ACTIONS_PREVIEW:
		return "preview";
	case ACTIONS_DONE:
		return "done";
	case ACTIONS_REFUSED:
		return "refused";
	case ACTIONS_FAILED:
		return "failed";
	case ACTIONS_UNCERTAIN:
		return "uncertain";
	case ACTIONS_NOUTCOMES:
		break;
	}
	return "?";
}

void actions_set_audit_hook(actions_audit_fn fn, void *arg)
{
	audit_fn = fn;
	audit_arg = arg;
}

/* ---- small formatting helpers ------------------------------------------- */

static void fmt(char *out, size_t outsz, const char *f, ...)
	__attribute__((format(printf, 3, 4)));

/* snprintf that tolerates (and silently cuts) long text. */
static void fmt(char *out, size_t outsz, const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	vsnprintf(out, outsz, f, ap);
	va_end(ap);
}

static void append(char *out, size_t outsz, const char *f, ...)
	__attribute__((format(printf, 3, 4)));

/* Append formatted text to the NUL-terminated out, cutting at outsz. */
static void append(char *out, size_t outsz, const char *f, ...)
{
	size_t n = strnlen(out, outsz);
	va_list ap;

	if (n + 1 >= outsz)
		return;
	va_start(ap, f);
	vsnprintf(out + n, outsz - n, f, ap);
	va_end(ap);
}

static void fmt_limit(uint64_t v, char *out, size_t outsz)
{
	if (v == ACTIONS_UNLIMITED)
		fmt(out, outsz, "unlimited");
	else
		fmt(out, outsz, "%" PRIu64, v);
}

/* "udp 127.0.0.1:5000" style label of the socket for messages. */
static void target_label(const struct actions_target *t, char *out, size_t outsz)
{
	char comm[96], local[160];

	lt_sanitize(t->comm, comm, sizeof(comm));
	lt_sanitize(t->local, local, sizeof(local));
	if (t->fd >= 0)
		fmt(out, outsz, "socket %" PRIu64 " (%s %s) of pid %d (%s) fd %d",
		    t->inode, t->proto[0] ? t->proto : "?", local[0] ? local : "?",
		    t->pid, comm, t->fd);
	else
		fmt(out, outsz, "pid %d (%s)", t->pid, comm);
}

/* ---- /proc reads (under a procfs root) ---------------------------------- */

int actions_parse_stat_start(const char *stat, uint64_t *ticks)
{
	const char *p = strrchr(stat, ')');
	int field = 2;
	uint64_t v = 0;

	if (!p)
		return -EBADMSG;
	p++;
	/* fields after "(comm)" start at 3; starttime is field 22 */
	while (*p && field < 22) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		field++;
		if (field == 22)
			break;
		while (*p && *p != ' ')
			p++;
	}
	if (field != 22 || !isdigit((unsigned char)*p))
		return -EBADMSG;
	while (isdigit((unsigned char)*p)) {
		if (v > (UINT64_MAX - 9) / 10)
			return -EBADMSG;
		v = v * 10 + (uint64_t)(*p++ - '0');
	}
	if (*p && *p != ' ' && *p != '\n')
		return -EBADMSG;
	*ticks = v;
	return 0;
}

/* Start ticks and state letter of pid; -ESRCH if it is gone. */
static int read_stat(const char *procroot, int pid, uint64_t *ticks, char *state)
{
	char path[512], *buf = NULL, *p;
	size_t len;
	int r;

	fmt(path, sizeof(path), "%s/%d/stat", procroot, pid);
	r = lt_read_file(path, &buf, &len, 64 * 1024);
	if (r == -ENOENT)
		return -ESRCH;
	if (r < 0)
		return r;
	r = actions_parse_stat_start(buf, ticks);
	p = strrchr(buf, ')');
	if (state)
		*state = p && p[1] == ' ' ? p[2] : '?';
	free(buf);
	return r;
}

static void read_comm(const char *procroot, int pid, char *out, size_t outsz)
{
	char path[512], *buf = NULL;
	size_t len;

	out[0] = '\0';
	fmt(path, sizeof(path), "%s/%d/comm", procroot, pid);
	if (lt_read_file(path, &buf, &len, 4096) < 0)
		return;
	if (len && buf[len - 1] == '\n')
		buf[len - 1] = '\0';
	fmt(out, outsz, "%s", buf);
	free(buf);
}

/* The socket inode behind procroot/pid/fd/fd, or -errno (-ENOTSOCK). */
static int read_fd_inode(const char *procroot, int pid, int fd, uint64_t *inode)
{
	char path[512], target[256];
	ssize_t n;
	int ino_ok;

	fmt(path, sizeof(path), "%s/%d/fd/%d", procroot, pid, fd);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	ino_ok = strncmp(target, "socket:[", 8) == 0;
	if (ino_ok) {
		char *end;
		unsigned long long v;

		errno = 0;
		v = strtoull(target + 8, &end, 10);
		if (errno || end == target + 8 || strcmp(end, "]") != 0)
			return -ENOTSOCK;
		*inode = v;
		return 0;
	}
	return -ENOTSOCK;
}

static uint32_t count_fds(const char *procroot, int pid)
{
	char path[512];
	struct stat st;

	/* st_size of /proc/PID/fd is the number of open fds on current kernels */
	fmt(path, sizeof(path), "%s/%d/fd", procroot, pid);
	if (stat(path, &st) < 0 || st.st_size < 0)
		return 0;
	return (uint32_t)st.st_size;
}

/* ---- other processes holding the socket --------------------------------- */

static int all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

/* The first fd of pid that holds the socket inode (as "socket:[N]"), -1
 * if none, -2 if its fd table cannot be read. */
static int find_socket_fd(const char *procroot, int pid, const char *want)
{
	char path[512], link[64];
	struct dirent *de;
	DIR *d;
	int fd = -1;

	fmt(path, sizeof(path), "%s/%d/fd", procroot, pid);
	d = opendir(path);
	if (!d)
		return errno == EACCES || errno == EPERM ? -2 : -1;
	while ((de = readdir(d))) {
		ssize_t n;

		if (!all_digits(de->d_name))
			continue;
		fmt(path, sizeof(path), "%s/%d/fd/%s", procroot, pid, de->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n < 0)
			continue;
		link[n] = '\0';
		if (!strcmp(link, want)) {
			fd = atoi(de->d_name);
			break;
		}
	}
	closedir(d);
	return fd;
}

/*
 * Every other process holding the target socket (a forked child keeps its
 * parent's sockets): a filter, a buffer size or a drain acts on all of
 * them.  One readlink per fd on the machine, for socket actions only.
 */
static void find_sharers(const char *procroot, int target_pid, struct actions_result *res)
{
	char want[48];
	struct dirent *de;
	DIR *d;

	res->nsharers = res->sharers_total = res->sharers_unread = 0;
	if (!res->target.inode)
		return;
	fmt(want, sizeof(want), "socket:[%" PRIu64 "]", res->target.inode);
	d = opendir(procroot);
	if (!d)
		return;
	while ((de = readdir(d))) {
		int pid, fd;

		if (!all_digits(de->d_name))
			continue;
		pid = atoi(de->d_name);
		/* leaktop holds the duplicate itself */
		if (pid <= 0 || pid == target_pid || pid == (int)getpid())
			continue;
		fd = find_socket_fd(procroot, pid, want);
		if (fd == -2)
			res->sharers_unread++;
		if (fd < 0)
			continue;
		if (res->nsharers < ACTIONS_SHARERS_MAX) {
			struct actions_sharer *sh = &res->sharers[res->nsharers++];

			sh->pid = pid;
			sh->fd = fd;
			read_comm(procroot, pid, sh->comm, sizeof(sh->comm));
		}
		res->sharers_total++;
	}
	closedir(d);
}

/* The preview's paragraph on the sharers: who, and that they are affected. */
static void describe_sharers(const struct actions_result *res, char *out, size_t outsz)
{
	const char *what;
	char comm[96];
	int i, shown = res->nsharers < 8 ? res->nsharers : 8;

	if (res->sharers_total > 0) {
		switch (res->kind) {
		case ACTIONS_DROP_FILTER:
			what = "the drop filter affects all of them";
			break;
		case ACTIONS_UNDO_FILTER:
			what = "removing the filter affects all of them";
			break;
		case ACTIONS_DRAIN:
			what = "the drained data is lost to all of them";
			break;
		default:
			what = "the buffer size is the socket's, so it applies to all of them";
			break;
		}
		append(out, outsz, "Shared with %d other process%s: %s:", res->sharers_total,
		       res->sharers_total == 1 ? "" : "es", what);
		for (i = 0; i < shown; i++) {
			lt_sanitize(res->sharers[i].comm, comm, sizeof(comm));
			append(out, outsz, "%s pid %d (%s) fd %d", i ? "," : "",
			       res->sharers[i].pid, comm, res->sharers[i].fd);
		}
		if (res->sharers_total > shown)
			append(out, outsz, " and %d more", res->sharers_total - shown);
		append(out, outsz, ".\n");
	}
	if (res->sharers_unread > 0)
		append(out, outsz, "The fds of %d process%s could not be read: they may "
		       "share the socket too.\n", res->sharers_unread,
		       res->sharers_unread == 1 ? "" : "es");
}

/* ---- the run ------------------------------------------------------------ */

struct run {
	struct actions_request rq;	/* the request, inode/start filled */
	struct actions_result *res;
	const char *procroot;
	int pidfd;
	int sfd;			/* the duplicate, -1 */
	char statedir[400];
	char statename[96];
	struct actions_state st;
	int have_state;
	const char *audit_path;		/* the audit file, NULL: none (opted out) */
	int intent_written;		/* the intent line is in the audit file */
	int audit_broken;		/* refused because the audit file failed */
};

static void set_outcome(struct run *r, enum actions_outcome o, int e, const char *why)
{
	struct actions_result *res = r->res;

	res->outcome = o;
	res->err = e;
	fmt(res->reason, sizeof(res->reason), "%s", why);
	fmt(res->message, sizeof(res->message), "%s: %s", actions_outcome_name(o), why);
}

static int refuse(struct run *r, int e, const char *f, ...)
	__attribute__((format(printf, 3, 4)));

/* Refuse (nothing touched): returns 1 so callers can "return refuse(...)". */
static int refuse(struct run *r, int e, const char *f, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, f);
	vsnprintf(why, sizeof(why), f, ap);
	va_end(ap);
	set_outcome(r, ACTIONS_REFUSED, e, why);
	return 1;
}

static int fail(struct run *r, int e, const char *f, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct run *r, int e, const char *f, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, f);
	vsnprintf(why, sizeof(why), f, ap);
	va_end(ap);
	set_outcome(r, ACTIONS_FAILED, e, why);
	return 1;
}

/* The ptrace policy that applies, for a permission refusal. */
static void yama_note(const char *procroot, char *out, size_t outsz)
{
	char path[512], *buf = NULL;
	size_t len;

	fmt(path, sizeof(path), "%s/sys/kernel/yama/ptrace_scope", procroot);
	if (lt_read_file(path, &buf, &len, 64) < 0) {
		fmt(out, outsz, "no Yama ptrace_scope");
		return;
	}
	fmt(out, outsz, "/proc/sys/kernel/yama/ptrace_scope=%c%s", buf[0],
	    buf[0] == '0' ? "" : buf[0] == '3' ? " (attach disabled)" :
	    " (non-descendants need CAP_SYS_PTRACE)");
	free(buf);
}

static int refuse_ptrace(struct run *r, const char *what, int e)
{
	char yama[96];

	yama_note(r->procroot, yama, sizeof(yama));
	return refuse(r, e, "%s on pid %d: %s: needs CAP_SYS_PTRACE or ptrace access "
		      "to it (PTRACE_MODE_ATTACH_REALCREDS, same uid); %s",
		      what, r->rq.pid, strerror(e), yama);
}

static int refuse_gone(struct run *r)
{
	return refuse(r, ESRCH, "pid %d has exited", r->rq.pid);
}

static int pidfd_alive(int pidfd)
{
	if (syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0 && errno == ESRCH)
		return 0;
	return 1;
}

/*
 * The identity checks: scan (if the request did not), pin with pidfd_open,
 * re-check the start time, duplicate the fd and compare its inode.  0 when
 * the target is pinned; 1 when the result says refused/failed.
 */
static int pin(struct run *r)
{
	struct actions_request *rq = &r->rq;
	struct actions_target *t = &r->res->target;
	uint64_t ticks = 0;
	struct stat st;
	char state = '?';
	int e;

	/* the scan, when the caller has none: what /proc says right now */
	if (!rq->start_ticks) {
		e = read_stat(r->procroot, rq->pid, &rq->start_ticks, NULL);
		if (e == -ESRCH)
			return refuse(r, ESRCH, "pid %d does not exist", rq->pid);
		if (e < 0)
			return fail(r, -e, "reading %s/%d/stat: %s", r->procroot, rq->pid,
				    strerror(-e));
	}
	t->start_ticks = rq->start_ticks;
	read_comm(r->procroot, rq->pid, t->comm, sizeof(t->comm));
	if (actions_kind_needs_fd(rq->kind) && !rq->inode) {
		e = read_fd_inode(r->procroot, rq->pid, rq->fd, &rq->inode);
		if (e == -EACCES || e == -EPERM)
			return refuse_ptrace(r, "reading the fd table", -e);
		if (e == -ENOENT)
			return kill(rq->pid, 0) < 0 && errno == ESRCH ? refuse_gone(r) :
				refuse(r, EBADF, "fd %d is not open in pid %d", rq->fd, rq->pid);
		if (e == -ENOTSOCK)
			return refuse(r, ENOTSOCK, "fd %d of pid %d is not a socket",
				      rq->fd, rq->pid);
		if (e < 0)
			return fail(r, -e, "reading fd %d of pid %d: %s", rq->fd, rq->pid,
				    strerror(-e));
	}
	t->inode = rq->inode;

	/* before 5.6 (or with the fallback forced) no fd can be duplicated:
	 * said before pidfd_open (5.3) can fail on an older kernel */
	if (actions_kind_needs_fd(rq->kind) && lt_fallback(LT_FB_PIDFD_GETFD))
		return refuse(r, ENOSYS, "needs pidfd_getfd (Linux 5.6)%s",
			      fallback_forced(LT_FB_PIDFD_GETFD) ?
			      "; forced off by LEAKTOP_FALLBACKS" : ", missing on this kernel");
	r->pidfd = lt_pidfd_open(rq->pid);
	if (r->pidfd < 0) {
		e = errno;
		if (e == ESRCH)
			return refuse_gone(r);
		if (e == EINVAL)
			return refuse(r, e, "%d is not a process id (a thread?)", rq->pid);
		if (e == ENOSYS)
			return fail(r, e, "pidfd_open: %s (needs Linux 5.3+)", strerror(e));
		return fail(r, e, "pidfd_open %d: %s", rq->pid, strerror(e));
	}
	/* with the process pinned, its /proc entry is the one we hold */
	e = read_stat(r->procroot, rq->pid, &ticks, &state);
	if (e == -ESRCH || !pidfd_alive(r->pidfd))
		return refuse_gone(r);
	if (e < 0)
		return fail(r, -e, "reading %s/%d/stat: %s", r->procroot, rq->pid, strerror(-e));
	if (ticks != rq->start_ticks)
		return refuse(r, ESTALE, "pid %d is another process now (start time %" PRIu64
			      ", the scan saw %" PRIu64 ")", rq->pid, ticks, rq->start_ticks);
	if (state == 'Z' || state == 'X')
		return refuse(r, ESRCH, "pid %d has exited (zombie)", rq->pid);
	if (!actions_kind_needs_fd(rq->kind))
		return 0;

	r->sfd = lt_pidfd_getfd(r->pidfd, rq->fd);
	if (r->sfd < 0) {
		e = errno;
		r->sfd = -1;
		if (e == EPERM || e == EACCES)
			return refuse_ptrace(r, "pidfd_getfd", e);
		if (e == ESRCH)
			return refuse_gone(r);
		if (e == EBADF)
			return refuse(r, e, "fd %d is no longer open in pid %d", rq->fd, rq->pid);
		if (e == ENOSYS)
			return refuse(r, e, "needs pidfd_getfd (Linux 5.6), missing on this kernel");
		return fail(r, e, "pidfd_getfd pid %d fd %d: %s", rq->pid, rq->fd, strerror(e));
	}
	if (fstat(r->sfd, &st) < 0)
		return fail(r, errno, "fstat of the duplicate: %s", strerror(errno));
	if (!S_ISSOCK(st.st_mode))
		return refuse(r, ENOTSOCK, "fd %d of pid %d is no longer a socket", rq->fd,
			      rq->pid);
	if ((uint64_t)st.st_ino != rq->inode)
		return refuse(r, ESTALE, "fd %d of pid %d now holds socket %" PRIu64
			      ", not socket %" PRIu64 " seen at scan time", rq->fd, rq->pid,
			      (uint64_t)st.st_ino, rq->inode);
	return 0;
}

static int getint(int fd, int level, int opt, int *v)
{
	socklen_t len = sizeof(*v);

	*v = 0;
	return getsockopt(fd, level, opt, v, &len);
}

/* Read the attached classic filter (malloc'd into *insns unless NULL). */
static int get_filter(int fd, int32_t *count, struct sock_filter **insns)
{
	socklen_t n = 0, got;
	struct sock_filter *v;

	*count = 0;
	if (insns)
		*insns = NULL;
	/* optlen counts instructions here, not bytes */
	if (getsockopt(fd, SOL_SOCKET, SO_GET_FILTER, NULL, &n) < 0) {
		if (errno == EACCES) {
			*count = ACTIONS_FILTER_EBPF;
			return 0;
		}
		return -errno;
	}
	*count = (int32_t)n;
	if (!n || !insns)
		return 0;
	v = calloc(n, sizeof(*v));
	if (!v)
		return -ENOMEM;
	got = n;
	if (getsockopt(fd, SOL_SOCKET, SO_GET_FILTER, v, &got) < 0 || got != n) {
		int e = errno ? errno : EAGAIN;

		free(v);
		return -e;
	}
	*insns = v;
	return 0;
}

static int is_drop_insn(const struct sock_filter *f)
{
	return f->code == actions_drop_insn.code && f->k == 0 && !f->jt && !f->jf;
}

/* Socket figures through the duplicate. */
static void read_figures(int sfd, const struct actions_target *t, struct actions_figures *f)
{
	uint32_t mem[SK_MEMINFO_VARS];
	socklen_t len = sizeof(mem);
	struct sock_filter *insns = NULL;
	int v;

	memset(f, 0, sizeof(*f));
	memset(mem, 0, sizeof(mem));
	if (getsockopt(sfd, SOL_SOCKET, SO_MEMINFO, mem, &len) == 0) {
		f->rmem = mem[SK_MEMINFO_RMEM_ALLOC];
		f->drops = mem[SK_MEMINFO_DROPS];
		f->have |= ACTIONS_HAVE_QUEUE;
	}
	if (getint(sfd, SOL_SOCKET, SO_RCVBUF, &v) == 0)
		f->rcvbuf = (uint32_t)v;
	f->recv_q = f->rmem;
	if (t->type == SOCK_STREAM && t->family != AF_UNIX && !t->listening &&
	    ioctl(sfd, SIOCINQ, &v) == 0)
		f->recv_q = (uint32_t)v;
	if (get_filter(sfd, &f->filter_len, &insns) == 0) {
		f->have |= ACTIONS_HAVE_FILTER;
		f->filter_drops_all = f->filter_len == 1 && insns && is_drop_insn(insns);
	}
	free(insns);
	if (getint(sfd, SOL_SOCKET, SO_LOCK_FILTER, &v) == 0)
		f->filter_locked = v != 0;
}

static void read_target(int sfd, struct actions_target *t)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct ltsock k;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 2];
	int v;

	if (getint(sfd, SOL_SOCKET, SO_DOMAIN, &v) == 0)
		t->family = v;
	if (getint(sfd, SOL_SOCKET, SO_TYPE, &v) == 0)
		t->type = v;
	if (getint(sfd, SOL_SOCKET, SO_PROTOCOL, &v) == 0)
		t->protocol = t->family == AF_PACKET ? ntohs((uint16_t)v) : v;
	if (getint(sfd, SOL_SOCKET, SO_ACCEPTCONN, &v) == 0)
		t->listening = v != 0;

	memset(&k, 0, sizeof(k));
	k.family = (uint8_t)t->family;
	k.type = (uint8_t)t->type;
	k.protocol = (uint16_t)t->protocol;
	memset(&ss, 0, sizeof(ss));
	if (getsockname(sfd, (struct sockaddr *)&ss, &len) == 0) {
		if (ss.ss_family == AF_INET) {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

			memcpy(k.local.addr, &s4->sin_addr, 4);
			k.local.port = ntohs(s4->sin_port);
		} else if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

			memcpy(k.local.addr, &s6->sin6_addr, 16);
			k.local.port = ntohs(s6->sin6_port);
		} else if (ss.ss_family == AF_PACKET) {
			struct sockaddr_ll *ll = (struct sockaddr_ll *)&ss;

			k.ifindex = (uint32_t)ll->sll_ifindex;
		} else if (ss.ss_family == AF_NETLINK) {
			struct sockaddr_nl *nl = (struct sockaddr_nl *)&ss;

			memcpy(k.local.addr, &nl->nl_pid, sizeof(nl->nl_pid));
		} else if (ss.ss_family == AF_UNIX) {
			struct sockaddr_un *un = (struct sockaddr_un *)&ss;
			size_t n = len > offsetof(struct sockaddr_un, sun_path) ?
				len - offsetof(struct sockaddr_un, sun_path) : 0;

			if (n && un->sun_path[0] == '\0') {
				path[0] = '@';
				memcpy(path + 1, un->sun_path + 1, n - 1);
				path[n] = '\0';
				k.path = path;
			} else if (n) {
				fmt(path, sizeof(path), "%.*s", (int)n, un->sun_path);
				k.path = path;
			}
		}
	}
	fmt(t->proto, sizeof(t->proto), "%s", ltsock_proto_name(&k));
	ltsock_format_addr(&k, 0, t->local, sizeof(t->local));
}

static int read_limits(struct run *r, struct actions_figures *f)
{
	struct rlimit rl;

	if (prlimit(r->rq.pid, RLIMIT_NOFILE, NULL, &rl) < 0)
		return -errno;
	f->fd_soft = rl.rlim_cur == RLIM_INFINITY ? ACTIONS_UNLIMITED : rl.rlim_cur;
	f->fd_hard = rl.rlim_max == RLIM_INFINITY ? ACTIONS_UNLIMITED : rl.rlim_max;
	f->nfds = count_fds(r->procroot, r->rq.pid);
	f->have |= ACTIONS_HAVE_LIMITS;
	return 0;
}

static int refuse_resource(struct run *r, const char *what, int e)
{
	return refuse(r, e, "%s of pid %d: %s: needs CAP_SYS_RESOURCE, or the same "
		      "uid and gid as the process", what, r->rq.pid, strerror(e));
}

/* ---- the safety rules and the preview (pure) ----------------------------- */

static int is_tcp(const struct actions_target *t)
{
	return (t->family == AF_INET || t->family == AF_INET6) && t->type == SOCK_STREAM;
}

static int checkf(char *why, size_t whysz, const char *f, ...)
	__attribute__((format(printf, 3, 4)));

static int checkf(char *why, size_t whysz, const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	vsnprintf(why, whysz, f, ap);
	va_end(ap);
	return -EPERM;
}

/* Does the state (if any) still describe what is in place? */
static int state_matches(enum actions_kind kind, const struct actions_figures *b,
			 const struct actions_state *st)
{
	if (!st)
		return 0;
	switch (kind) {
	case ACTIONS_UNDO_FILTER:
	case ACTIONS_DROP_FILTER:
		return b->filter_drops_all;
	case ACTIONS_UNDO_RCVBUF:
		/* new 0: saved before the change (leaktop may have died before
		 * it or before saving the size it set): shrunk or not yet */
		return st->new_rcvbuf ? b->rcvbuf == st->new_rcvbuf : b->rcvbuf <= st->old_rcvbuf;
	case ACTIONS_SHRINK_RCVBUF:
		return st->new_rcvbuf && b->rcvbuf == st->new_rcvbuf;
	case ACTIONS_UNDO_FD_LIMIT:
	case ACTIONS_RAISE_FD_LIMIT:
		return b->fd_soft == st->new_soft && b->fd_hard == st->new_hard;
	default:
		return 0;
	}
}

/*
 * Does the state describe a change that was never made?  It is saved
 * before the change, so a leaktop killed in between leaves one behind
 * while the target still has what the state would restore.
 */
static int state_unapplied(enum actions_kind kind, const struct actions_figures *b,
			   const struct actions_state *st)
{
	if (!st)
		return 0;
	switch (kind) {
	case ACTIONS_UNDO_FILTER:
		/* same length as saved; the run compares the instructions */
		return !b->filter_drops_all && b->filter_len >= 0 &&
			(uint32_t)b->filter_len == st->filter_len;
	case ACTIONS_UNDO_RCVBUF:
		return !st->new_rcvbuf && b->rcvbuf == st->old_rcvbuf;
	case ACTIONS_UNDO_FD_LIMIT:
		return !state_matches(kind, b, st) && b->fd_soft == st->old_soft &&
			b->fd_hard == st->old_hard;
	default:
		return 0;
	}
}

int actions_procroot_foreign(const char *procroot)
{
	return procroot && strcmp(procroot, "/proc") != 0;
}

int actions_check(const struct actions_request *req, const struct actions_target *t,
		  const struct actions_figures *b, const struct actions_state *st,
		  char *why, size_t whysz)
{
	char s1[32], s2[32];

	if (whysz)
		why[0] = '\0';
	if (req->read_only)
		return checkf(why, whysz, "the session is read-only (--read-only)");
	/* the identity checks read procroot: a copy's pids and start times
	 * say nothing of this machine's processes */
	if (actions_procroot_foreign(req->procroot))
		return checkf(why, whysz, "actions need the live /proc: the --procfs tree "
			      "is not this machine's processes");
	switch (req->kind) {
	case ACTIONS_DROP_FILTER:
		if (is_tcp(t))
			return checkf(why, whysz, "TCP socket: a drop-all filter would stall "
				      "the connection (segments dropped, peer retransmits)");
		if (t->family == AF_UNIX && t->type == SOCK_STREAM)
			return checkf(why, whysz, "AF_UNIX stream socket: socket filters do "
				      "not apply to it, a drop filter would have no effect");
		if (b->filter_locked)
			return checkf(why, whysz, "the socket's filter is locked (SO_LOCK_FILTER): "
				      "it cannot be replaced or restored");
		if (b->filter_len == ACTIONS_FILTER_EBPF)
			return checkf(why, whysz, "an eBPF program is attached: it cannot be "
				      "saved and restored, so leaktop will not replace it");
		if (!(b->have & ACTIONS_HAVE_FILTER))
			return checkf(why, whysz, "cannot read the socket's current filter "
				      "(SO_GET_FILTER), so it could not be restored");
		return 0;
	case ACTIONS_UNDO_FILTER:
		if (b->filter_locked)
			return checkf(why, whysz, "the socket's filter is locked (SO_LOCK_FILTER)");
		if (b->filter_len == ACTIONS_FILTER_EBPF)
			return checkf(why, whysz, "an eBPF program is attached now, not "
				      "leaktop's drop filter: not touching it");
		if (st && !b->filter_drops_all && !state_unapplied(req->kind, b, st))
			return checkf(why, whysz, "the filter changed since drop-filter (now %d "
				      "instructions, not leaktop's drop filter): not touching it",
				      b->filter_len);
		if (!st && b->filter_len == 0)
			return checkf(why, whysz, "no filter is attached: nothing to undo");
		if (!st && !b->filter_drops_all)
			return checkf(why, whysz, "no undo state for this socket and the "
				      "attached filter is not leaktop's drop filter");
		return 0;
	case ACTIONS_SHRINK_RCVBUF:
		return 0;
	case ACTIONS_UNDO_RCVBUF:
		if (!st)
			return checkf(why, whysz, "no undo state for this socket (was "
				      "shrink-rcvbuf run on it?)");
		if (!state_matches(req->kind, b, st))
			return checkf(why, whysz, "SO_RCVBUF changed since shrink-rcvbuf (now %u, "
				      "leaktop set %u): not touching it", b->rcvbuf, st->new_rcvbuf);
		return 0;
	case ACTIONS_DRAIN:
		if (!req->confirm_drain)
			return checkf(why, whysz, "drain discards the queued data: it needs a "
				      "second, explicit confirmation (--confirm-drain)");
		if (t->listening)
			return checkf(why, whysz, "a listening socket has no data queue to drain");
		if (t->type == SOCK_STREAM)
			return checkf(why, whysz, "%s stream socket: draining would cut bytes "
				      "out of the middle of the program's byte stream, which it "
				      "would then read corrupted", t->family == AF_UNIX ? "unix" : "TCP");
		return 0;
	case ACTIONS_RAISE_FD_LIMIT:
		fmt_limit(b->fd_soft, s1, sizeof(s1));
		fmt_limit(b->fd_hard, s2, sizeof(s2));
		if (b->fd_soft == ACTIONS_UNLIMITED)
			return checkf(why, whysz, "the fd limit is already unlimited");
		if (req->value > 0 && (uint64_t)req->value <= b->fd_soft)
			return checkf(why, whysz, "%ld would not raise the soft limit (now %s)",
				      req->value, s1);
		if (req->value <= 0 && b->fd_soft >= b->fd_hard)
			return checkf(why, whysz, "the soft limit already equals the hard "
				      "limit (%s); give a value to raise both", s2);
		return 0;
	case ACTIONS_UNDO_FD_LIMIT:
		if (!st)
			return checkf(why, whysz, "no undo state for pid %d (was raise-fd-limit "
				      "run on it?)", t->pid);
		if (!state_matches(req->kind, b, st) && !state_unapplied(req->kind, b, st)) {
			fmt_limit(st->new_soft, s1, sizeof(s1));
			fmt_limit(st->new_hard, s2, sizeof(s2));
			return checkf(why, whysz, "the fd limit changed since raise-fd-limit "
				      "(leaktop set %s/%s): not touching it", s1, s2);
		}
		return 0;
	default:
		return checkf(why, whysz, "unknown action");
	}
}

/* The limits raise-fd-limit would set. */
static void raise_target(const struct actions_request *req, const struct actions_figures *b,
			 uint64_t *soft, uint64_t *hard)
{
	*soft = req->value > 0 ? (uint64_t)req->value : b->fd_hard;
	*hard = b->fd_hard;
	if (*hard != ACTIONS_UNLIMITED && *soft > *hard)
		*hard = *soft;
}

char *actions_describe(const struct actions_request *req, const struct actions_target *t,
		       const struct actions_figures *b, const struct actions_state *st,
		       char *out, size_t outsz)
{
	char label[256], why[256], s1[32], s2[32], s3[32], s4[32];
	struct actions_request rq;
	uint64_t soft, hard;

	if (!outsz)
		return out;
	out[0] = '\0';
	target_label(t, label, sizeof(label));
	switch (req->kind) {
	case ACTIONS_DROP_FILTER:
		append(out, outsz, "drop-filter: attach a one-instruction classic BPF filter "
		       "(ret #0) with SO_ATTACH_FILTER to %s.\n", label);
		append(out, outsz, "Effect: from now on every packet that reaches the socket "
		       "is dropped before it is queued, so the queue (%u bytes charged) "
		       "stops growing; what is already queued stays until read or drained. "
		       "The process keeps running and can still send.\n", b->rmem);
		if (b->filter_drops_all)
			append(out, outsz, "A drop-all filter is already attached: nothing "
			       "will change.\n");
		else if (b->filter_len > 0)
			append(out, outsz, "Undo: undo-filter restores the %d-instruction "
			       "classic filter attached now (saved before replacing it).\n",
			       b->filter_len);
		else
			append(out, outsz, "Undo: undo-filter detaches it (no filter is "
			       "attached now). The filter is not locked.\n");
		break;
	case ACTIONS_UNDO_FILTER:
		if (st && st->filter_len)
			append(out, outsz, "undo-filter: replace leaktop's drop filter on %s "
			       "with the %u-instruction classic filter saved by drop-filter.\n",
			       label, st->filter_len);
		else
			append(out, outsz, "undo-filter: detach leaktop's drop filter from %s "
			       "(SO_DETACH_FILTER).\n", label);
		append(out, outsz, "Effect: the socket queues incoming packets again.\n");
		if (!st)
			append(out, outsz, "No undo state was found; the drop filter is "
			       "simply detached.\n");
		break;
	case ACTIONS_SHRINK_RCVBUF:
		append(out, outsz, "shrink-rcvbuf: set SO_RCVBUF of %s to the kernel minimum "
		       "(now %u bytes).\n", label, b->rcvbuf);
		append(out, outsz, "Effect: new data is dropped while %u bytes charged exceed "
		       "the new limit; what is queued stays until read or drained. "
		       "Undo: undo-rcvbuf restores %u bytes.\n", b->rmem,
		       st && state_matches(req->kind, b, st) ? st->old_rcvbuf : b->rcvbuf);
		if (is_tcp(t))
			append(out, outsz, "Warning: on TCP this shrinks the advertised window, "
			       "and the kernel keeps the size locked (SOCK_RCVBUF_LOCK): "
			       "receive autotuning stays off even after undo.\n");
		break;
	case ACTIONS_UNDO_RCVBUF:
		if (st)
			append(out, outsz, "undo-rcvbuf: set SO_RCVBUF of %s back to %u bytes "
			       "(now %u).\n", label, st->old_rcvbuf, b->rcvbuf);
		else
			append(out, outsz, "undo-rcvbuf: set SO_RCVBUF of %s back to the size "
			       "shrink-rcvbuf saved (now %u).\n", label, b->rcvbuf);
		append(out, outsz, "Note: the kernel keeps the size locked (SOCK_RCVBUF_LOCK), "
		       "so TCP receive autotuning stays off.\n");
		break;
	case ACTIONS_DRAIN:
		append(out, outsz, "drain: read and discard everything queued on %s "
		       "(recv MSG_DONTWAIT|MSG_TRUNC, at most %u reads / %llu bytes).\n",
		       label, DRAIN_MAX_READS, DRAIN_MAX_BYTES);
		append(out, outsz, "Effect: the %u bytes charged are freed now. The data is "
		       "DESTROYED: the process will never see it. It needs a second "
		       "confirmation (--confirm-drain). No undo.\n", b->rmem);
		break;
	case ACTIONS_RAISE_FD_LIMIT:
		raise_target(req, b, &soft, &hard);
		fmt_limit(b->fd_soft, s1, sizeof(s1));
		fmt_limit(b->fd_hard, s2, sizeof(s2));
		fmt_limit(soft, s3, sizeof(s3));
		fmt_limit(hard, s4, sizeof(s4));
		append(out, outsz, "raise-fd-limit: prlimit RLIMIT_NOFILE of %s from %s/%s "
		       "(soft/hard) to %s/%s; %u fds are open.\n", label, s1, s2, s3, s4,
		       b->nfds);
		append(out, outsz, "Effect: the process can open more fds at once (buys time "
		       "against EMFILE; it does not close leaked fds). Undo: undo-fd-limit "
		       "restores %s/%s.\n", s1, s2);
		break;
	case ACTIONS_UNDO_FD_LIMIT:
		if (st) {
			fmt_limit(st->old_soft, s1, sizeof(s1));
			fmt_limit(st->old_hard, s2, sizeof(s2));
		} else {
			fmt(s1, sizeof(s1), "the limits");
			fmt(s2, sizeof(s2), "raise-fd-limit saved");
		}
		fmt_limit(b->fd_soft, s3, sizeof(s3));
		fmt_limit(b->fd_hard, s4, sizeof(s4));
		append(out, outsz, "undo-fd-limit: prlimit RLIMIT_NOFILE of %s back to %s%s%s "
		       "(now %s/%s); %u fds are open.\n", label, s1, st ? "/" : " ", s2, s3, s4,
		       b->nfds);
		append(out, outsz, "Note: fds above a lowered soft limit stay open; new "
		       "opens fail with EMFILE until the count drops.\n");
		break;
	default:
		append(out, outsz, "unknown action\n");
		break;
	}
	if (state_unapplied(req->kind, b, st))
		append(out, outsz, "The undo state was saved but the change was never made "
		       "(leaktop stopped in between): nothing will change; the stale state "
		       "is removed.\n");
	/* drain's second confirmation is asked for after the preview */
	rq = *req;
	rq.confirm_drain = 1;
	if (actions_check(&rq, t, b, st, why, sizeof(why)) < 0)
		append(out, outsz, "Refused: %s\n", why);
	return out;
}

/* ---- undo state ---------------------------------------------------------- */

static void state_init(struct actions_state *st)
{
	memset(st, 0, sizeof(*st));
	st->fd = -1;
}

void actions_state_clear(struct actions_state *st)
{
	if (!st)
		return;
	free(st->filter);
	state_init(st);
}

static void put_u64(char *out, size_t outsz, uint64_t v)
{
	if (v == ACTIONS_UNLIMITED)
		append(out, outsz, " unlimited");
	else
		append(out, outsz, " %" PRIu64, v);
}

int actions_state_encode(const struct actions_state *st, char **text, size_t *len)
{
	size_t cap = 512 + (size_t)st->filter_len * 32;
	char *b;
	uint32_t i;

	*text = NULL;
	*len = 0;
	if (st->filter_len > BPF_MAXINSNS || (st->filter_len && !st->filter))
		return -EINVAL;
	b = malloc(cap);
	if (!b)
		return -ENOMEM;
	b[0] = '\0';
	append(b, cap, "%s\naction %s\npid %d\nstart %" PRIu64 "\nfd %d\ninode %" PRIu64
	       "\ntime %" PRId64 "\n", STATE_MAGIC, actions_kind_name(st->kind), st->pid,
	       st->start_ticks, st->fd, st->inode, st->time);
	switch (st->kind) {
	case ACTIONS_DROP_FILTER:
		append(b, cap, "filter %u\n", st->filter_len);
		for (i = 0; i < st->filter_len; i++)
			append(b, cap, "insn %04x %02x %02x %08x\n", st->filter[i].code,
			       st->filter[i].jt, st->filter[i].jf, st->filter[i].k);
		break;
	case ACTIONS_SHRINK_RCVBUF:
		append(b, cap, "rcvbuf %u %u\n", st->old_rcvbuf, st->new_rcvbuf);
		break;
	case ACTIONS_RAISE_FD_LIMIT:
		append(b, cap, "limits");
		put_u64(b, cap, st->old_soft);
		put_u64(b, cap, st->old_hard);
		put_u64(b, cap, st->new_soft);
		put_u64(b, cap, st->new_hard);
		append(b, cap, "\n");
		break;
	case ACTIONS_DRAIN:	/* a marker: nothing to undo, but when */
		break;
	default:
		free(b);
		return -EINVAL;
	}
	append(b, cap, "end\n");
	*text = b;
	*len = strlen(b);
	return 0;
}

/* A line cursor over untrusted text. */
struct lines {
	const char *p, *end;
	int no;
	char line[256];
};

/* Next line into l->line; 0, or -1 at the end / for an over-long line. */
static int next_line(struct lines *l)
{
	const char *nl;
	size_t n;

	if (l->p >= l->end)
		return -1;
	nl = memchr(l->p, '\n', (size_t)(l->end - l->p));
	if (!nl)
		return -1;	/* every line, "end" included, ends with \n */
	n = (size_t)(nl - l->p);
	if (n >= sizeof(l->line) || memchr(l->p, '\0', n))
		return -1;
	memcpy(l->line, l->p, n);
	l->line[n] = '\0';
	l->p = nl + 1;
	l->no++;
	return 0;
}

/* Whole-token unsigned decimal (or "unlimited" when allowed). */
static int parse_u64(const char *s, uint64_t max, int unlimited_ok, uint64_t *out)
{
	uint64_t v = 0;

	if (unlimited_ok && !strcmp(s, "unlimited")) {
		*out = ACTIONS_UNLIMITED;
		return 0;
	}
	if (!isdigit((unsigned char)*s))
		return -1;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s) || v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

/* "key value": the value of key, or NULL if the line is another key. */
static const char *keyval(const char *line, const char *key)
{
	size_t n = strlen(key);

	if (strncmp(line, key, n) != 0 || line[n] != ' ' || !line[n + 1])
		return NULL;
	return line + n + 1;
}

static int want_num(struct lines *l, const char *key, uint64_t max, uint64_t *v,
		    struct lt_err *err)
{
	const char *s;

	if (next_line(l) < 0)
		return lt_err_set(err, EBADMSG, "line %d: missing \"%s\"", l->no + 1, key);
	s = keyval(l->line, key);
	if (!s || parse_u64(s, max, 0, v) < 0)
		return lt_err_set(err, EBADMSG, "line %d: expected \"%s NUMBER\"", l->no, key);
	return 0;
}

/* Split a line into at most n space-separated tokens; returns the count. */
static int split(char *line, char **tok, int n)
{
	int c = 0;
	char *save = NULL, *t;

	for (t = strtok_r(line, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		if (c == n)
			return n + 1;
		tok[c++] = t;
	}
	return c;
}

static int hex_field(const char *s, size_t digits, uint32_t *v)
{
	size_t i;

	if (strlen(s) != digits)
		return -1;
	*v = 0;
	for (i = 0; i < digits; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return -1;
		*v = *v * 16 + (uint32_t)(isdigit((unsigned char)s[i]) ? s[i] - '0' :
					 tolower((unsigned char)s[i]) - 'a' + 10);
	}
	return 0;
}

int actions_state_decode(const char *text, size_t len, struct actions_state *st,
			 struct lt_err *err)
{
	struct lines l = { .p = text, .end = text + len };
	uint64_t v, start, inode, fdv, pid;
	char *tok[6];
	const char *s;
	int ret, n, neg_fd = 0;
	uint32_t i;

	state_init(st);
	if (next_line(&l) < 0 || strcmp(l.line, STATE_MAGIC) != 0) {
		ret = lt_err_set(err, EBADMSG, "not a leaktop undo state (no \"%s\" header)",
				 STATE_MAGIC);
		goto out;
	}
	if (next_line(&l) < 0 || !(s = keyval(l.line, "action"))) {
		ret = lt_err_set(err, EBADMSG, "line 2: expected \"action NAME\"");
		goto out;
	}
	st->kind = actions_kind_parse(s);
	if (st->kind != ACTIONS_DROP_FILTER && st->kind != ACTIONS_SHRINK_RCVBUF &&
	    st->kind != ACTIONS_RAISE_FD_LIMIT && st->kind != ACTIONS_DRAIN) {
		ret = lt_err_set(err, EBADMSG, "line 2: unknown action in undo state");
		goto out;
	}
	if ((ret = want_num(&l, "pid", INT_MAX, &pid, err)) < 0 ||
	    (ret = want_num(&l, "start", UINT64_MAX, &start, err)) < 0)
		goto out;
	if (next_line(&l) < 0 || !(s = keyval(l.line, "fd"))) {
		ret = lt_err_set(err, EBADMSG, "line %d: expected \"fd NUMBER\"", l.no);
		goto out;
	}
	if (!strcmp(s, "-1")) {
		neg_fd = 1;
		fdv = 0;
	} else if (parse_u64(s, INT_MAX, 0, &fdv) < 0) {
		ret = lt_err_set(err, EBADMSG, "line %d: bad fd", l.no);
		goto out;
	}
	if ((ret = want_num(&l, "inode", UINT64_MAX, &inode, err)) < 0 ||
	    (ret = want_num(&l, "time", INT64_MAX, &v, err)) < 0)
		goto out;
	if (!pid || !start || (st->kind == ACTIONS_RAISE_FD_LIMIT) != neg_fd ||
	    (st->kind == ACTIONS_RAISE_FD_LIMIT) != (inode == 0)) {
		ret = lt_err_set(err, EBADMSG, "inconsistent target (pid/start/fd/inode)");
		goto out;
	}
	st->pid = (int)pid;
	st->start_ticks = start;
	st->fd = neg_fd ? -1 : (int)fdv;
	st->inode = inode;
	st->time = (int64_t)v;

	switch (st->kind) {
	case ACTIONS_DROP_FILTER:
		if ((ret = want_num(&l, "filter", BPF_MAXINSNS, &v, err)) < 0)
			goto out;
		st->filter_len = (uint32_t)v;
		if (v) {
			st->filter = calloc((size_t)v, sizeof(*st->filter));
			if (!st->filter) {
				ret = -ENOMEM;
				goto out;
			}
		}
		for (i = 0; i < st->filter_len; i++) {
			uint32_t code, jt, jf, k;

			if (next_line(&l) < 0 || split(l.line, tok, 6) != 5 ||
			    strcmp(tok[0], "insn") != 0 || hex_field(tok[1], 4, &code) < 0 ||
			    hex_field(tok[2], 2, &jt) < 0 || hex_field(tok[3], 2, &jf) < 0 ||
			    hex_field(tok[4], 8, &k) < 0) {
				ret = lt_err_set(err, EBADMSG, "line %d: expected instruction %u "
						 "of %u (\"insn CODE JT JF K\" in hex)", l.no + (l.no == 0),
						 i + 1, st->filter_len);
				goto out;
			}
			st->filter[i].code = (uint16_t)code;
			st->filter[i].jt = (uint8_t)jt;
			st->filter[i].jf = (uint8_t)jf;
			st->filter[i].k = k;
		}
		break;
	case ACTIONS_SHRINK_RCVBUF: {
		uint64_t a, b;

		if (next_line(&l) < 0 || split(l.line, tok, 6) != 3 ||
		    strcmp(tok[0], "rcvbuf") != 0 || parse_u64(tok[1], INT_MAX, 0, &a) < 0 ||
		    parse_u64(tok[2], INT_MAX, 0, &b) < 0 || !a) {
			ret = lt_err_set(err, EBADMSG, "line %d: expected \"rcvbuf OLD NEW\"",
					 l.no);
			goto out;
		}
		st->old_rcvbuf = (uint32_t)a;
		st->new_rcvbuf = (uint32_t)b;
		break;
	}
	case ACTIONS_DRAIN:
		break;
	default: {
		uint64_t x[4];

		n = next_line(&l) < 0 ? 0 : split(l.line, tok, 6);
		if (n != 5 || strcmp(tok[0], "limits") != 0 ||
		    parse_u64(tok[1], UINT64_MAX - 1, 1, &x[0]) < 0 ||
		    parse_u64(tok[2], UINT64_MAX - 1, 1, &x[1]) < 0 ||
		    parse_u64(tok[3], UINT64_MAX - 1, 1, &x[2]) < 0 ||
		    parse_u64(tok[4], UINT64_MAX - 1, 1, &x[3]) < 0 ||
		    x[0] > x[1] || x[2] > x[3]) {
			ret = lt_err_set(err, EBADMSG, "line %d: expected \"limits OLD_SOFT "
					 "OLD_HARD NEW_SOFT NEW_HARD\"", l.no);
			goto out;
		}
		st->old_soft = x[0];
		st->old_hard = x[1];
		st->new_soft = x[2];
		st->new_hard = x[3];
		break;
	}
	}
	if (next_line(&l) < 0 || strcmp(l.line, "end") != 0 || l.p != l.end) {
		ret = lt_err_set(err, EBADMSG, "line %d: expected \"end\" as the last line",
				 l.no);
		goto out;
	}
	ret = 0;
out:
	if (ret < 0)
		actions_state_clear(st);
	return ret;
}

int actions_state_name(enum actions_kind kind, int pid, uint64_t start_ticks, int fd,
		       uint64_t inode, char *out, size_t outsz)
{
	int n;

	switch (kind == ACTIONS_DRAIN ? kind : state_family(kind)) {
	case ACTIONS_DRAIN:
		n = snprintf(out, outsz, "drain-%d-%" PRIu64 "-%d-%" PRIu64, pid,
			     start_ticks, fd, inode);
		break;
	case ACTIONS_DROP_FILTER:
		n = snprintf(out, outsz, "filter-%d-%" PRIu64 "-%d-%" PRIu64, pid,
			     start_ticks, fd, inode);
		break;
	case ACTIONS_SHRINK_RCVBUF:
		n = snprintf(out, outsz, "rcvbuf-%d-%" PRIu64 "-%d-%" PRIu64, pid,
			     start_ticks, fd, inode);
		break;
	case ACTIONS_RAISE_FD_LIMIT:
		n = snprintf(out, outsz, "fdlimit-%d-%" PRIu64, pid, start_ticks);
		break;
	default:
		return -EINVAL;
	}
	return n < 0 || (size_t)n >= outsz ? -ENAMETOOLONG : 0;
}

/* mkdir path 0700 (if create) and make sure only we can write there. */
static int secure_dir(const char *path, int create, struct lt_err *err)
{
	struct stat st;

	if (create && mkdir(path, 0700) < 0 && errno != EEXIST)
		return lt_err_set(err, errno, "cannot create %s: %s", path, strerror(errno));
	if (lstat(path, &st) < 0)
		return lt_err_set(err, errno, "%s: %s", path, strerror(errno));
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077))
		return lt_err_set(err, EPERM, "%s is not a private directory of uid %u "
				  "(mode 0700): not using it", path, (unsigned)geteuid());
	return 0;
}

static int pick_state_dir(char *out, size_t outsz, int create, struct lt_err *err)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	int r;

	if (access("/run", W_OK) == 0) {
		fmt(out, outsz, "/run/leaktop");
	} else if (xdg && xdg[0] == '/' && access(xdg, W_OK) == 0) {
		r = lt_path(out, outsz, xdg, "leaktop");
		if (r < 0)
			return lt_err_set(err, -r, "XDG_RUNTIME_DIR is too long");
	} else {
		fmt(out, outsz, "/tmp/leaktop-%u", (unsigned)geteuid());
	}
	return secure_dir(out, create, err);
}

int actions_state_dir(char *out, size_t outsz, struct lt_err *err)
{
	return pick_state_dir(out, outsz, 1, err);
}

/* Is the action st records still in place?  1, 0 (why says what
 * changed) or -errno when it cannot be told (no pidfd_getfd, no right). */
static int state_in_place(const char *procroot, const struct actions_state *st, char *why,
			  size_t whysz)
{
	uint64_t ticks = 0, inode = 0;
	char state = 0;
	int pidfd, sfd, ret = 1;

	if (read_stat(procroot, st->pid, &ticks, &state) < 0 || ticks != st->start_ticks) {
		fmt(why, whysz, "pid %d has exited", st->pid);
		return 0;
	}
	if (st->fd >= 0 && (read_fd_inode(procroot, st->pid, st->fd, &inode) < 0 ||
			    inode != st->inode)) {
		fmt(why, whysz, "fd %d no longer holds socket %" PRIu64, st->fd, st->inode);
		return 0;
	}
	if (st->kind == ACTIONS_RAISE_FD_LIMIT) {
		struct rlimit cur;

		if (prlimit(st->pid, RLIMIT_NOFILE, NULL, &cur) < 0)
			return -errno;
		if ((uint64_t)cur.rlim_cur != st->new_soft) {
			fmt(why, whysz, "the soft fd limit is no longer the one set");
			return 0;
		}
		return 1;
	}
	if (st->kind != ACTIONS_DROP_FILTER && st->kind != ACTIONS_SHRINK_RCVBUF)
		return 1;	/* a drain: the socket is still there */
	pidfd = lt_pidfd_open(st->pid);
	if (pidfd < 0)
		return -errno;
	sfd = lt_pidfd_getfd(pidfd, st->fd);
	if (sfd < 0) {
		ret = -errno;
		close(pidfd);
		return ret;
	}
	if (st->kind == ACTIONS_DROP_FILTER) {
		struct sock_filter *insns = NULL;
		int32_t n = 0;

		if (get_filter(sfd, &n, &insns) < 0)
			ret = -EIO;
		else if (n != 1 || !insns || !is_drop_insn(&insns[0])) {
			fmt(why, whysz, "the drop filter was detached or replaced");
			ret = 0;
		}
		free(insns);
	} else {
		int v = 0;
		socklen_t len = sizeof(v);

		if (getsockopt(sfd, SOL_SOCKET, SO_RCVBUF, &v, &len) < 0)
			ret = -errno;
		else if ((uint32_t)v != st->new_rcvbuf) {
			fmt(why, whysz, "SO_RCVBUF was changed since");
			ret = 0;
		}
	}
	close(sfd);
	close(pidfd);
	return ret;
}

int actions_in_place(const char *procroot, struct actions_in_place **out, size_t *n)
{
	char dir[PATH_MAX];
	struct lt_err err = { "" };
	struct actions_in_place *v = NULL;
	size_t cap = 0;
	struct dirent *de;
	DIR *d;

	*out = NULL;
	*n = 0;
	if (pick_state_dir(dir, sizeof(dir), 0, &err) < 0)
		return 0;	/* none yet: nothing in place */
	d = opendir(dir);
	if (!d)
		return 0;
	while ((de = readdir(d)) != NULL) {
		struct actions_in_place *a;

		if (strncmp(de->d_name, "filter-", 7) && strncmp(de->d_name, "rcvbuf-", 7) &&
		    strncmp(de->d_name, "fdlimit-", 8) && strncmp(de->d_name, "drain-", 6))
			continue;
		if (*n == cap) {
			size_t nc = cap ? cap * 2 : 8;
			struct actions_in_place *nv;

			if (nc > 4096)
				break;	/* a bound on a directory others cannot write */
			nv = realloc(v, nc * sizeof(*nv));
			if (!nv)
				break;
			v = nv;
			cap = nc;
		}
		a = &v[*n];
		memset(a, 0, sizeof(*a));
		if (actions_state_load(dir, de->d_name, &a->st, &err) < 0)
			continue;
		a->in_place = state_in_place(procroot, &a->st, a->why, sizeof(a->why));
		free(a->st.filter);	/* the filter copy is not needed */
		a->st.filter = NULL;
		a->st.filter_len = 0;
		(*n)++;
	}
	closedir(d);
	*out = v;
	return 0;
}

int actions_state_load(const char *dir, const char *name, struct actions_state *st,
		       struct lt_err *err)
{
	char path[PATH_MAX], *buf = NULL;
	struct lt_err cause = { "" };
	size_t len = 0;
	ssize_t n;
	int fd, ret;

	state_init(st);
	if (lt_path(path, sizeof(path), dir, name) < 0)
		return lt_err_set(err, ENAMETOOLONG, "state path too long");
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			return -ENOENT;
		return lt_err_set(err, errno, "undo state %s: %s", path, strerror(errno));
	}
	buf = malloc(STATE_MAX + 1);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	while (len < STATE_MAX + 1) {
		n = read(fd, buf + len, STATE_MAX + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = lt_err_set(err, errno, "undo state %s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > STATE_MAX) {
		ret = lt_err_set(err, EBADMSG, "undo state %s is corrupt: larger than %d bytes",
				 path, STATE_MAX);
		goto out;
	}
	ret = actions_state_decode(buf, len, st, &cause);
	if (ret == -EBADMSG)
		lt_err_set(err, EBADMSG, "undo state %s is corrupt: %s", path, cause.msg);
out:
	free(buf);
	close(fd);
	return ret;
}

int actions_state_save(const char *dir, const char *name, const struct actions_state *st,
		       struct lt_err *err)
{
	char path[PATH_MAX], tmp[PATH_MAX + 16], *text = NULL;
	size_t len, off = 0;
	int fd = -1, ret;

	if (lt_path(path, sizeof(path), dir, name) < 0 ||
	    snprintf(tmp, sizeof(tmp), "%s.%d", path, (int)getpid()) >= (int)sizeof(tmp))
		return lt_err_set(err, ENAMETOOLONG, "state path too long");
	ret = actions_state_encode(st, &text, &len);
	if (ret < 0)
		return lt_err_set(err, -ret, "cannot encode the undo state");
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		ret = lt_err_set(err, errno, "cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = lt_err_set(err, errno, "writing %s: %s", tmp, strerror(errno));
			goto out;
		}
		off += (size_t)n;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		fd = -1;
		ret = lt_err_set(err, errno, "writing %s: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		ret = lt_err_set(err, errno, "renaming %s: %s", tmp, strerror(errno));
		goto out;
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	if (ret < 0)
		unlink(tmp);
	free(text);
	return ret;
}

int actions_state_remove(const char *dir, const char *name)
{
	char path[PATH_MAX];

	if (lt_path(path, sizeof(path), dir, name) < 0)
		return -ENAMETOOLONG;
	return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
}

/*
 * Find (and, if create, make) the state directory and load this target's
 * state.  0 with r->have_state set or not; 1 when refused (corrupt state,
 * or no usable directory when one is needed).
 */
static int load_state(struct run *r, int create)
{
	struct lt_err err = { "" };
	int e;

	if (state_family(r->rq.kind) == ACTIONS_NONE)
		return 0;
	if (r->rq.statedir) {
		fmt(r->statedir, sizeof(r->statedir), "%s", r->rq.statedir);
		e = secure_dir(r->statedir, create, &err);
	} else {
		e = pick_state_dir(r->statedir, sizeof(r->statedir), create, &err);
	}
	if (e == -ENOENT && !create)
		return 0;	/* a preview before any state exists */
	if (e < 0)
		return refuse(r, -e, "undo state directory: %s", err.msg);
	e = actions_state_name(r->rq.kind, r->rq.pid, r->rq.start_ticks,
			       actions_kind_needs_fd(r->rq.kind) ? r->rq.fd : -1,
			       actions_kind_needs_fd(r->rq.kind) ? r->rq.inode : 0,
			       r->statename, sizeof(r->statename));
	if (e < 0)
		return fail(r, -e, "undo state name too long");
	lt_path(r->res->state_path, sizeof(r->res->state_path), r->statedir, r->statename);
	e = actions_state_load(r->statedir, r->statename, &r->st, &err);
	if (e == -ENOENT)
		return 0;
	if (e == -EBADMSG)
		return refuse(r, EBADMSG, "%s; remove it to proceed", err.msg);
	if (e < 0)
		return refuse(r, -e, "%s", err.msg[0] ? err.msg : strerror(-e));
	if (r->st.kind != state_family(r->rq.kind) || r->st.pid != r->rq.pid ||
	    r->st.start_ticks != r->rq.start_ticks ||
	    (actions_kind_needs_fd(r->rq.kind) &&
	     (r->st.fd != r->rq.fd || r->st.inode != r->rq.inode))) {
		actions_state_clear(&r->st);
		return refuse(r, EBADMSG, "undo state %s is corrupt: it names another target; "
			      "remove it to proceed", r->res->state_path);
	}
	r->have_state = 1;
	return 0;
}

static int save_state(struct run *r, struct actions_state *st)
{
	struct lt_err err = { "" };

	st->kind = state_family(r->rq.kind);
	st->pid = r->rq.pid;
	st->start_ticks = r->rq.start_ticks;
	st->fd = actions_kind_needs_fd(r->rq.kind) ? r->rq.fd : -1;
	st->inode = actions_kind_needs_fd(r->rq.kind) ? r->rq.inode : 0;
	st->time = (int64_t)time(NULL);
	if (actions_state_save(r->statedir, r->statename, st, &err) < 0)
		return fail(r, EIO, "cannot save the undo state, nothing changed: %s", err.msg);
	return 0;
}

/* ---- the actions --------------------------------------------------------- */

/* Each action calls intent() right before its first change to the target
 * (the undo state is saved after it, then the change is made). */
static int intent(struct run *r, const char *what);
static void test_stop(const char *point);

static int attach(int sfd, const struct sock_filter *insns, uint32_t n)
{
	struct sock_fprog prog = { .len = (unsigned short)n,
				   .filter = (struct sock_filter *)insns };

	return setsockopt(sfd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0 ?
		-errno : 0;
}

static void done(struct run *r, const char *f, ...) __attribute__((format(printf, 2, 3)));

static void done(struct run *r, const char *f, ...)
{
	va_list ap;

	r->res->outcome = ACTIONS_DONE;
	r->res->err = 0;
	r->res->reason[0] = '\0';
	va_start(ap, f);
	vsnprintf(r->res->message, sizeof(r->res->message), f, ap);
	va_end(ap);
}

static void do_drop_filter(struct run *r)
{
	struct actions_result *res = r->res;
	struct actions_state st;
	int e;

	memset(&st, 0, sizeof(st));
	if (res->before.filter_drops_all) {
		done(r, "a drop-all filter is already attached; nothing changed");
		return;
	}
	if (res->before.filter_len > 0) {
		int32_t n;

		e = get_filter(r->sfd, &n, &st.filter);
		if (e < 0 || n != res->before.filter_len) {
			fail(r, e < 0 ? -e : EAGAIN, "the attached filter changed while it was "
			     "being saved; nothing changed");
			goto out;
		}
		st.filter_len = (uint32_t)n;
	}
	if (intent(r, "attach a drop-all classic filter (ret #0)") || save_state(r, &st))
		goto out;
	test_stop("undo-saved");
	e = attach(r->sfd, &actions_drop_insn, 1);
	if (e < 0) {
		actions_state_remove(r->statedir, r->statename);
		if (e == -EPERM)
			refuse(r, EPERM, "SO_ATTACH_FILTER: the filter is locked (SO_LOCK_FILTER)");
		else
			fail(r, -e, "SO_ATTACH_FILTER: %s", strerror(-e));
		goto out;
	}
	read_figures(r->sfd, &res->target, &res->after);
	if (!res->after.filter_drops_all) {
		fail(r, EIO, "verification failed: the filter read back is not the drop "
		     "filter (%d instructions)", res->after.filter_len);
		goto out;
	}
	done(r, "attached a drop-all filter (ret #0): the socket queues nothing more "
	     "(%u bytes still charged)", res->after.rmem);
out:
	actions_state_clear(&st);
}

static void do_undo_filter(struct run *r)
{
	struct actions_result *res = r->res;
	uint32_t want = r->have_state ? r->st.filter_len : 0;
	char what[96];
	int e, dummy = 0;

	if (want)
		fmt(what, sizeof(what), "replace the drop filter with the saved %u-instruction "
		    "filter", want);
	else
		fmt(what, sizeof(what), "detach the drop filter (SO_DETACH_FILTER)");
	if (intent(r, what))
		return;
	if (want)
		e = attach(r->sfd, r->st.filter, want);
	else	/* the value is ignored, but must be int-sized */
		e = setsockopt(r->sfd, SOL_SOCKET, SO_DETACH_FILTER, &dummy,
			       sizeof(dummy)) < 0 ? -errno : 0;
	if (e < 0) {
		fail(r, -e, "%s: %s", want ? "SO_ATTACH_FILTER (restore)" : "SO_DETACH_FILTER",
		     strerror(-e));
		return;
	}
	read_figures(r->sfd, &res->target, &res->after);
	if (res->after.filter_len != (int32_t)want) {
		fail(r, EIO, "verification failed: %d filter instructions read back, "
		     "expected %u", res->after.filter_len, want);
		return;
	}
	if (r->have_state)
		actions_state_remove(r->statedir, r->statename);
	if (want)
		done(r, "restored the saved %u-instruction filter; the socket queues again",
		     want);
	else
		done(r, "detached the drop filter; the socket queues again");
	if (!r->have_state)
		fmt(res->warning, sizeof(res->warning), "no undo state was found; the drop "
		    "filter was detached (if another filter was there before, it is lost)");
}

/* An undo whose change was never made: check, drop the stale state, touch
 * nothing. */
static void undo_unapplied(struct run *r)
{
	struct sock_filter *now = NULL;
	int32_t n = 0;

	if (r->rq.kind == ACTIONS_UNDO_FILTER && r->st.filter_len) {
		if (get_filter(r->sfd, &n, &now) < 0 || n != (int32_t)r->st.filter_len ||
		    memcmp(now, r->st.filter, (size_t)n * sizeof(*now)) != 0) {
			free(now);
			refuse(r, EPERM, "the filter changed since drop-filter (now %d "
			       "instructions, not leaktop's drop filter): not touching it",
			       r->res->before.filter_len);
			return;
		}
		free(now);
	}
	actions_state_remove(r->statedir, r->statename);
	r->res->after = r->res->before;
	done(r, "nothing to undo: the undo state was saved but the change was never made "
	     "(leaktop stopped in between); the stale state %s is removed", r->statename);
}

static uint32_t read_rcvbuf(int sfd)
{
	int v;

	return getint(sfd, SOL_SOCKET, SO_RCVBUF, &v) == 0 ? (uint32_t)v : 0;
}

static void do_shrink(struct run *r)
{
	struct actions_result *res = r->res;
	struct actions_state st;
	int zero = 0;

	memset(&st, 0, sizeof(st));
	if (r->have_state && state_matches(r->rq.kind, &res->before, &r->st)) {
		done(r, "SO_RCVBUF is already at leaktop's minimum (%u); nothing changed",
		     res->before.rcvbuf);
		return;
	}
	/* the undo state first (the size set is not known yet: 0), so that
	 * leaktop killed between the two still leaves a way back */
	st.old_rcvbuf = res->before.rcvbuf;
	st.new_rcvbuf = 0;
	if (intent(r, "set SO_RCVBUF to the kernel minimum") || save_state(r, &st))
		return;	/* nothing changed */
	test_stop("undo-saved");
	if (setsockopt(r->sfd, SOL_SOCKET, SO_RCVBUF, &zero, sizeof(zero)) < 0) {
		int e = errno;

		actions_state_remove(r->statedir, r->statename);
		fail(r, e, "SO_RCVBUF: %s", strerror(e));
		return;
	}
	st.new_rcvbuf = read_rcvbuf(r->sfd);
	if (!st.new_rcvbuf || st.new_rcvbuf >= st.old_rcvbuf) {
		read_figures(r->sfd, &res->target, &res->after);
		if (res->after.rcvbuf >= st.old_rcvbuf)
			actions_state_remove(r->statedir, r->statename);
		fail(r, EIO, "verification failed: SO_RCVBUF reads back %u (was %u)",
		     st.new_rcvbuf, st.old_rcvbuf);
		return;
	}
	{
		struct lt_err err = { "" };

		/* now with the size set; if this fails the first state still
		 * undoes it */
		if (actions_state_save(r->statedir, r->statename, &st, &err) < 0)
			fmt(res->warning, sizeof(res->warning), "the undo state keeps no "
			    "record of the size set (%s); undo-rcvbuf still works", err.msg);
	}
	read_figures(r->sfd, &res->target, &res->after);
	done(r, "SO_RCVBUF %u -> %u bytes; new data is dropped while %u bytes are charged",
	     st.old_rcvbuf, res->after.rcvbuf, res->after.rmem);
	if (is_tcp(&res->target))
		fmt(res->warning, sizeof(res->warning), "the kernel now keeps SO_RCVBUF locked "
		    "(SOCK_RCVBUF_LOCK): TCP receive autotuning stays off, even after undo");
}

static void do_undo_rcvbuf(struct run *r)
{
	struct actions_result *res = r->res;
	int half = (int)((r->st.old_rcvbuf + 1) / 2);
	char what[96];

	fmt(what, sizeof(what), "set SO_RCVBUF back to %u bytes", r->st.old_rcvbuf);
	if (intent(r, what))
		return;
	/* FORCE passes net.core.rmem_max, which the old size may exceed */
	if (setsockopt(r->sfd, SOL_SOCKET, SO_RCVBUFFORCE, &half, sizeof(half)) < 0 &&
	    setsockopt(r->sfd, SOL_SOCKET, SO_RCVBUF, &half, sizeof(half)) < 0) {
		fail(r, errno, "SO_RCVBUF: %s", strerror(errno));
		return;
	}
	read_figures(r->sfd, &res->target, &res->after);
	actions_state_remove(r->statedir, r->statename);
	done(r, "SO_RCVBUF %u -> %u bytes (restored)", res->before.rcvbuf, res->after.rcvbuf);
	if (res->after.rcvbuf + 1 < r->st.old_rcvbuf)
		fmt(res->warning, sizeof(res->warning), "restored to %u bytes only, not %u: "
		    "capped by net.core.rmem_max (SO_RCVBUFFORCE needs CAP_NET_ADMIN)",
		    res->after.rcvbuf, r->st.old_rcvbuf);
	else
		fmt(res->warning, sizeof(res->warning), "the kernel keeps SO_RCVBUF locked "
		    "(SOCK_RCVBUF_LOCK): the size stays fixed, TCP receive autotuning stays off");
}

/*
 * A drain changes nothing that can be undone, but the triage wants to know
 * it happened (the finding it was taken on is then mitigated, and whether
 * the queue grows back says if it worked): a marker state next to the undo
 * states.  Best effort: without it only the audit knows.
 */
static void drain_marker(struct run *r)
{
	struct actions_state st;
	struct lt_err err = { "" };
	char dir[PATH_MAX], name[128];

	state_init(&st);
	if ((r->rq.statedir ? fmt(dir, sizeof(dir), "%s", r->rq.statedir),
	     secure_dir(dir, 1, &err) : pick_state_dir(dir, sizeof(dir), 1, &err)) < 0 ||
	    actions_state_name(ACTIONS_DRAIN, r->rq.pid, r->rq.start_ticks, r->rq.fd,
			       r->rq.inode, name, sizeof(name)) < 0)
		return;
	st.kind = ACTIONS_DRAIN;
	st.pid = r->rq.pid;
	st.start_ticks = r->rq.start_ticks;
	st.fd = r->rq.fd;
	st.inode = r->rq.inode;
	st.time = (int64_t)time(NULL);
	(void)actions_state_save(dir, name, &st, &err);
}

static void do_drain(struct run *r)
{
	struct actions_result *res = r->res;
	uint64_t bytes = 0, packets = 0;
	char *buf = malloc(DRAIN_BUF);
	int e = 0;

	if (!buf) {
		fail(r, ENOMEM, "out of memory");
		return;
	}
	if (intent(r, "read and discard the queued data")) {
		free(buf);
		return;
	}
	while (packets < DRAIN_MAX_READS && bytes < DRAIN_MAX_BYTES) {
		ssize_t n = recv(r->sfd, buf, DRAIN_BUF, MSG_DONTWAIT | MSG_TRUNC);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				e = errno;
			break;
		}
		/* end of stream, or of a seqpacket connection: 0 for ever */
		if (n == 0 && (res->target.type == SOCK_STREAM ||
			       res->target.type == SOCK_SEQPACKET))
			break;
		bytes += (uint64_t)n;
		packets++;
	}
	free(buf);
	read_figures(r->sfd, &res->target, &res->after);
	res->after.drained_bytes = bytes;
	res->after.drained_packets = packets;
	res->after.have |= ACTIONS_HAVE_DRAINED;
	if (e && !packets) {
		fail(r, e, "recv: %s", strerror(e));
		return;
	}
	done(r, "drained %" PRIu64 " bytes in %" PRIu64 " reads; charged memory %u -> %u bytes",
	     bytes, packets, res->before.rmem, res->after.rmem);
	drain_marker(r);
	if (e)
		fmt(res->warning, sizeof(res->warning), "stopped early: recv: %s", strerror(e));
	else if (packets >= DRAIN_MAX_READS || bytes >= DRAIN_MAX_BYTES)
		fmt(res->warning, sizeof(res->warning), "stopped at the bound (%u reads / %llu "
		    "bytes): data keeps arriving; consider drop-filter", DRAIN_MAX_READS,
		    DRAIN_MAX_BYTES);
}

static rlim_t to_rlim(uint64_t v)
{
	return v == ACTIONS_UNLIMITED ? RLIM_INFINITY : (rlim_t)v;
}

/* Set RLIMIT_NOFILE of the pinned pid; 0, or 1 with the result set. */
static int set_limits(struct run *r, uint64_t soft, uint64_t hard)
{
	struct rlimit rl = { .rlim_cur = to_rlim(soft), .rlim_max = to_rlim(hard) };
	struct actions_prlimit_obs obs;
	char why[256];

	if (!pidfd_alive(r->pidfd))
		return refuse_gone(r);
	if (prlimit(r->rq.pid, RLIMIT_NOFILE, &rl, NULL) < 0) {
		int e = errno;

		if (e == EPERM)
			return refuse_resource(r, "prlimit RLIMIT_NOFILE", e);
		if (e == ESRCH)
			return refuse_gone(r);
		if (e == EINVAL)
			return refuse(r, e, "prlimit RLIMIT_NOFILE: the kernel refuses %" PRIu64
				      " (above fs.nr_open?)", soft);
		return fail(r, e, "prlimit RLIMIT_NOFILE: %s", strerror(e));
	}
	/* prlimit named a pid: only a pidfd still live afterwards proves the
	 * pid was our process's throughout */
	memset(&obs, 0, sizeof(obs));
	obs.alive_after = pidfd_alive(r->pidfd);
	obs.start_pinned = r->rq.start_ticks;
	obs.stat_err = read_stat(r->procroot, r->rq.pid, &obs.start_after, &obs.state_after);
	if (actions_prlimit_verdict(r->rq.pid, &obs, why, sizeof(why)) != ACTIONS_DONE) {
		set_outcome(r, ACTIONS_UNCERTAIN, ESRCH, why);
		return 1;
	}
	return 0;
}

enum actions_outcome actions_prlimit_verdict(int pid, const struct actions_prlimit_obs *o,
					     char *why, size_t whysz)
{
	if (!o->alive_after || o->stat_err == -ESRCH || o->stat_err == -ENOENT) {
		fmt(why, whysz, "pid %d exited during the change; a process reusing the pid "
		    "may have had its limit changed: check /proc/%d/limits", pid, pid);
		return ACTIONS_UNCERTAIN;
	}
	if (o->stat_err < 0) {
		fmt(why, whysz, "cannot read /proc/%d/stat after the change (%s), so which "
		    "process holds pid %d is not verified: check /proc/%d/limits", pid,
		    strerror(-o->stat_err), pid, pid);
		return ACTIONS_UNCERTAIN;
	}
	if (o->start_after != o->start_pinned) {
		fmt(why, whysz, "pid %d is another process after the change (start time %"
		    PRIu64 ", pinned %" PRIu64 "): its limit may have been changed: check "
		    "/proc/%d/limits", pid, o->start_after, o->start_pinned, pid);
		return ACTIONS_UNCERTAIN;
	}
	if (o->state_after == 'Z' || o->state_after == 'X') {
		fmt(why, whysz, "pid %d exited during the change (a zombie now): the limit "
		    "was set on it, no other process, but it no longer runs", pid);
		return ACTIONS_UNCERTAIN;
	}
	if (whysz)
		why[0] = '\0';
	return ACTIONS_DONE;
}

static void do_raise(struct run *r)
{
	struct actions_result *res = r->res;
	struct actions_state st;
	char s1[32], s2[32], what[96];

	memset(&st, 0, sizeof(st));
	raise_target(&r->rq, &res->before, &st.new_soft, &st.new_hard);
	/* raised before by leaktop: undo still goes back to the original */
	if (r->have_state && state_matches(r->rq.kind, &res->before, &r->st)) {
		st.old_soft = r->st.old_soft;
		st.old_hard = r->st.old_hard;
	} else {
		st.old_soft = res->before.fd_soft;
		st.old_hard = res->before.fd_hard;
	}
	fmt_limit(st.new_soft, s1, sizeof(s1));
	fmt_limit(st.new_hard, s2, sizeof(s2));
	fmt(what, sizeof(what), "prlimit RLIMIT_NOFILE to %s/%s", s1, s2);
	if (intent(r, what) || save_state(r, &st))
		return;
	test_stop("undo-saved");
	if (set_limits(r, st.new_soft, st.new_hard)) {
		/* the pinned process exited: its state never matches again */
		if (res->outcome == ACTIONS_UNCERTAIN)
			actions_state_remove(r->statedir, r->statename);
		/* put back the state that was there, or none */
		else if (r->have_state) {
			struct lt_err err;

			actions_state_save(r->statedir, r->statename, &r->st, &err);
		} else {
			actions_state_remove(r->statedir, r->statename);
		}
		return;
	}
	read_limits(r, &res->after);
	if (res->after.fd_soft != st.new_soft || res->after.fd_hard != st.new_hard) {
		fail(r, EIO, "verification failed: RLIMIT_NOFILE reads back differently");
		return;
	}
	fmt_limit(res->after.fd_soft, s1, sizeof(s1));
	fmt_limit(res->after.fd_hard, s2, sizeof(s2));
	done(r, "RLIMIT_NOFILE soft/hard now %s/%s (%u fds open)", s1, s2, res->after.nfds);
}

static void do_undo_limit(struct run *r)
{
	struct actions_result *res = r->res;
	char s1[32], s2[32], what[96];

	fmt_limit(r->st.old_soft, s1, sizeof(s1));
	fmt_limit(r->st.old_hard, s2, sizeof(s2));
	fmt(what, sizeof(what), "prlimit RLIMIT_NOFILE back to %s/%s", s1, s2);
	if (intent(r, what))
		return;
	if (set_limits(r, r->st.old_soft, r->st.old_hard)) {
		if (res->outcome == ACTIONS_UNCERTAIN)
			actions_state_remove(r->statedir, r->statename);
		return;
	}
	read_limits(r, &res->after);
	actions_state_remove(r->statedir, r->statename);
	fmt_limit(res->after.fd_soft, s1, sizeof(s1));
	fmt_limit(res->after.fd_hard, s2, sizeof(s2));
	done(r, "RLIMIT_NOFILE soft/hard restored to %s/%s (%u fds open)", s1, s2,
	     res->after.nfds);
	if (res->after.nfds > res->after.fd_soft)
		fmt(res->warning, sizeof(res->warning), "%u fds are open, above the restored "
		    "soft limit: new opens fail with EMFILE", res->after.nfds);
}

/* ---- audit --------------------------------------------------------------- */

static void fig_text(const struct actions_figures *f, char *out, size_t outsz)
{
	char s1[32], s2[32];
	size_t len;

	out[0] = '\0';
	if (f->have & ACTIONS_HAVE_QUEUE)
		append(out, outsz, "rmem=%u recv_q=%u rcvbuf=%u drops=%u ", f->rmem, f->recv_q,
		       f->rcvbuf, f->drops);
	if (f->have & ACTIONS_HAVE_FILTER)
		append(out, outsz, "filter=%d%s ", f->filter_len,
		       f->filter_locked ? ",locked" : "");
	if (f->have & ACTIONS_HAVE_LIMITS) {
		fmt_limit(f->fd_soft, s1, sizeof(s1));
		fmt_limit(f->fd_hard, s2, sizeof(s2));
		append(out, outsz, "nofile=%s/%s fds=%u ", s1, s2, f->nfds);
	}
	if (f->have & ACTIONS_HAVE_DRAINED)
		append(out, outsz, "drained=%" PRIu64 "B/%" PRIu64 " ", f->drained_bytes,
		       f->drained_packets);
	len = strlen(out);
	if (len && out[len - 1] == ' ')
		out[len - 1] = '\0';
}

char *actions_audit_format(const struct actions_audit *rec, char *out, size_t outsz)
{
	const struct actions_result *res = rec->result;
	const struct actions_target *t = &res->target;
	char comm[96], reason[300], before[200], after[200], user[96], login[96], local[160];
	char id[64], what[300];
	int intent = rec->phase == ACTIONS_PHASE_INTENT;

	lt_sanitize(t->comm, comm, sizeof(comm));
	lt_sanitize(res->outcome == ACTIONS_DONE ? res->message : res->reason, reason,
		    sizeof(reason));
	lt_sanitize(rec->user, user, sizeof(user));
	lt_sanitize(rec->login, login, sizeof(login));
	lt_sanitize(t->local, local, sizeof(local));
	lt_sanitize(rec->intent, what, sizeof(what));
	fig_text(&res->before, before, sizeof(before));
	fig_text(&res->after, after, sizeof(after));
	id[0] = '\0';
	if (rec->id[0]) {
		char sid[64];

		lt_sanitize(rec->id, sid, sizeof(sid));
		fmt(id, sizeof(id), "id=%s phase=%s ", sid, intent ? "intent" : "outcome");
	}
	if (intent) {
		fmt(out, outsz, "%saction=%s uid=%u user=%s login=%s time=%.0f pid=%d "
		    "comm=\"%s\" fd=%d inode=%" PRIu64 " proto=%s local=%s before=[%s] "
		    "sharers=%d intent=\"%s\"", id, actions_kind_name(res->kind), rec->uid, user,
		    login[0] ? login : "-", rec->time, t->pid, comm, t->fd, t->inode,
		    t->proto[0] ? t->proto : "-", local[0] ? local : "-", before,
		    res->sharers_total, what);
		return out;
	}
	fmt(out, outsz, "%saction=%s outcome=%s uid=%u user=%s login=%s time=%.0f pid=%d "
	    "comm=\"%s\" fd=%d inode=%" PRIu64 " proto=%s local=%s before=[%s] after=[%s] "
	    "%s=\"%s\"", id, actions_kind_name(res->kind), actions_outcome_name(res->outcome),
	    rec->uid, user, login[0] ? login : "-", rec->time, t->pid, comm, t->fd, t->inode,
	    t->proto[0] ? t->proto : "-", local[0] ? local : "-", before, after,
	    res->outcome == ACTIONS_DONE ? "message" : "reason", reason);
	return out;
}

/* Who acts, and when: the fields of an audit record other than the result. */
static void audit_who(struct actions_audit *rec, const struct actions_result *res,
		      enum actions_phase phase)
{
	struct passwd *pw;
	char *buf = NULL;
	size_t len;
	long long lu;

	memset(rec, 0, sizeof(*rec));
	rec->time = (double)time(NULL);
	rec->uid = (uint32_t)getuid();
	pw = getpwuid(rec->uid);
	fmt(rec->user, sizeof(rec->user), "%s", pw ? pw->pw_name : "");
	if (!pw)
		fmt(rec->user, sizeof(rec->user), "%u", rec->uid);
	rec->loginuid = -1;
	if (lt_read_file("/proc/self/loginuid", &buf, &len, 64) == 0 &&
	    sscanf(buf, "%lld", &lu) == 1 && lu >= 0 && lu != 4294967295LL) {
		rec->loginuid = lu;
		pw = getpwuid((uid_t)lu);
		if (pw)
			fmt(rec->login, sizeof(rec->login), "%s", pw->pw_name);
		else
			fmt(rec->login, sizeof(rec->login), "%lld", lu);
	}
	free(buf);
	fmt(rec->id, sizeof(rec->id), "%s", res->audit_id);
	rec->phase = phase;
	rec->result = res;
}

static void audit_syslog(const char *line, int notice)
{
	openlog("leaktop", LOG_PID, LOG_AUTHPRIV);
	syslog(LOG_AUTHPRIV | (notice ? LOG_NOTICE : LOG_WARNING), "%s", line);
	closelog();
}

/* Make the directory of path (one level, 0700) if it is missing. */
static int audit_mkdir(const char *path, struct lt_err *err)
{
	char copy[PATH_MAX], *dir;
	struct stat st;

	if (strlen(path) >= sizeof(copy))
		return lt_err_set(err, ENAMETOOLONG, "the path is too long");
	fmt(copy, sizeof(copy), "%s", path);
	dir = dirname(copy);
	if (stat(dir, &st) == 0)
		return 0;
	if (errno != ENOENT)
		return lt_err_set(err, errno, "%s: %s", dir, strerror(errno));
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return lt_err_set(err, errno, "cannot create %s: %s", dir, strerror(errno));
	return 0;
}

int actions_audit_append(const char *path, const char *line, struct lt_err *err)
{
	size_t len = strlen(line), off = 0;
	struct stat st;
	char *buf;
	int fd, ret;

	if (!path || !path[0])
		return lt_err_set(err, EINVAL, "no file named");
	ret = audit_mkdir(path, err);
	if (ret < 0)
		return ret;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY,
		  0600);
	if (fd < 0) {
		if (errno == ELOOP)
			return lt_err_set(err, ELOOP, "it is a symbolic link");
		return lt_err_set(err, errno, "%s", strerror(errno));
	}
	if (fstat(fd, &st) < 0) {
		ret = lt_err_set(err, errno, "%s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = lt_err_set(err, EINVAL, "not a regular file");
		goto out;
	}
	/* an existing file others could read or write: ours only from now on */
	if ((st.st_mode & 077) && fchmod(fd, 0600) < 0) {
		ret = lt_err_set(err, errno, "chmod 0600: %s", strerror(errno));
		goto out;
	}
	buf = malloc(len + 1);
	if (!buf) {
		ret = lt_err_set(err, ENOMEM, "out of memory");
		goto out;
	}
	memcpy(buf, line, len);
	buf[len++] = '\n';
	/* one write: O_APPEND keeps a line whole against other writers */
	while (off < len) {
		ssize_t n = write(fd, buf + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(buf);
			ret = lt_err_set(err, n < 0 ? errno : EIO, "write: %s",
					 strerror(n < 0 ? errno : EIO));
			goto out;
		}
		off += (size_t)n;
	}
	free(buf);
	if (fsync(fd) < 0) {
		ret = lt_err_set(err, errno, "fsync: %s", strerror(errno));
		goto out;
	}
	ret = 0;
out:
	if (close(fd) < 0 && ret == 0)
		ret = lt_err_set(err, errno, "close: %s", strerror(errno));
	return ret;
}

static void audit_broken_why(const char *path, const struct lt_err *err, char *out,
			     size_t outsz)
{
	char p[300];

	lt_sanitize(path, p, sizeof(p));
	fmt(out, outsz, "cannot write the audit log %s: %s; pass --audit-log FILE to choose "
	    "another, or --no-audit-file to act without one", p, err->msg);
}

/*
 * Would actions_audit_append() work?  A preview's guess, creating nothing:
 * 0, or -errno with the cause in err.
 */
static int audit_probe(const char *path, struct lt_err *err)
{
	char copy[PATH_MAX], *dir;
	struct stat st;

	if (lstat(path, &st) == 0) {
		if (S_ISLNK(st.st_mode))
			return lt_err_set(err, ELOOP, "it is a symbolic link");
		if (!S_ISREG(st.st_mode))
			return lt_err_set(err, EINVAL, "not a regular file");
		if (access(path, W_OK) < 0)
			return lt_err_set(err, errno, "%s", strerror(errno));
		return 0;
	}
	if (errno != ENOENT)
		return lt_err_set(err, errno, "%s", strerror(errno));
	if (strlen(path) >= sizeof(copy))
		return lt_err_set(err, ENAMETOOLONG, "the path is too long");
	fmt(copy, sizeof(copy), "%s", path);
	dir = dirname(copy);
	if (stat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			return lt_err_set(err, ENOTDIR, "%s", strerror(ENOTDIR));
		if (access(dir, W_OK | X_OK) < 0)
			return lt_err_set(err, errno, "%s: %s", dir, strerror(errno));
		return 0;
	}
	if (errno != ENOENT)
		return lt_err_set(err, errno, "%s: %s", dir, strerror(errno));
	/* the directory would be made: its parent must take it */
	dir = dirname(dir);
	if (stat(dir, &st) < 0 || access(dir, W_OK | X_OK) < 0)
		return lt_err_set(err, errno, "cannot create a directory in %s: %s", dir,
				  strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return lt_err_set(err, ENOTDIR, "%s is not a directory", dir);
	return 0;
}

/* The id of one run: leaktop's pid, the time and a counter. */
static void audit_new_id(struct actions_result *res)
{
	static unsigned counter;

	fmt(res->audit_id, sizeof(res->audit_id), "%d.%lld.%u", (int)getpid(),
	    (long long)time(NULL), ++counter);
}

/*
 * Write the intent line (file, fsync'd, then syslog) before the first
 * change to the target; what says what the change is.  0, or 1 with the
 * action refused when the audit file cannot take it.
 */
static int intent(struct run *r, const char *what)
{
	struct actions_audit rec;
	struct lt_err err = { "" };
	char line[1280], why[256];

	audit_who(&rec, r->res, ACTIONS_PHASE_INTENT);
	rec.intent = what;
	actions_audit_format(&rec, line, sizeof(line));
	if (r->audit_path && actions_audit_append(r->audit_path, line, &err) < 0) {
		audit_broken_why(r->audit_path, &err, why, sizeof(why));
		r->audit_broken = 1;
		return refuse(r, EIO, "%s", why);
	}
	r->intent_written = r->audit_path != NULL;
	audit_syslog(line, 1);
	return 0;
}

/* The outcome line: audit file, syslog and the hook.  A failure to write
 * it after a change is a warning; the change is not undone. */
static void audit(struct run *r, struct actions_result *res)
{
	struct actions_audit rec;
	struct lt_err err = { "" };
	char line[1280], p[300];

	audit_who(&rec, res, ACTIONS_PHASE_OUTCOME);
	actions_audit_format(&rec, line, sizeof(line));
	if (r->audit_path && !r->audit_broken &&
	    actions_audit_append(r->audit_path, line, &err) < 0 && !res->warning[0]) {
		lt_sanitize(r->audit_path, p, sizeof(p));
		fmt(res->warning, sizeof(res->warning), "the outcome could not be written to "
		    "the audit log %s: %s%s", p, err.msg, r->intent_written ?
		    " (its intent line is there)" : "");
	}
	audit_syslog(line, res->outcome == ACTIONS_DONE);
	if (audit_fn)
		audit_fn(&rec, audit_arg);
}

/* Test hook: LEAKTOP_TEST_STOP_AFTER=POINT makes leaktop SIGKILL itself at
 * POINT ("undo-saved": the undo state is saved, nothing changed yet), as
 * a crash there would; tests/bt_actions.sh checks what is left. */
static void test_stop(const char *point)
{
	const char *e = getenv("LEAKTOP_TEST_STOP_AFTER");

	if (e && !strcmp(e, point))
		raise(SIGKILL);
}

/* ---- entry points -------------------------------------------------------- */

static int valid_request(const struct actions_request *req)
{
	if (!req || req->kind <= ACTIONS_NONE || req->kind >= ACTIONS_NKINDS || req->pid <= 0)
		return 0;
	if (actions_kind_needs_fd(req->kind) && req->fd < 0)
		return 0;
	return 1;
}

/* Shared by preview and run: pin, inspect, load state, check. */
static int prepare(struct run *r, const struct actions_request *req,
		   struct actions_result *out, int run)
{
	struct actions_result *res = out;
	int e;

	memset(out, 0, sizeof(*out));
	memset(r, 0, sizeof(*r));
	r->rq = *req;
	if (!actions_kind_needs_fd(r->rq.kind)) {
		r->rq.fd = -1;
		r->rq.inode = 0;
	}
	r->res = out;
	r->procroot = req->procroot ? req->procroot : "/proc";
	r->pidfd = -1;
	r->sfd = -1;
	r->audit_path = req->no_audit_file ? NULL :
			req->audit_log ? req->audit_log : ACTIONS_AUDIT_LOG_DEFAULT;
	state_init(&r->st);
	if (run)
		audit_new_id(res);
	res->kind = req->kind;
	res->target.pid = req->pid;
	res->target.fd = r->rq.fd;
	res->target.inode = r->rq.inode;
	res->target.start_ticks = r->rq.start_ticks;

	/* for the audit of an early refusal: who it was aimed at (best effort) */
	read_comm(r->procroot, req->pid, res->target.comm, sizeof(res->target.comm));
	if (actions_kind_needs_fd(req->kind) && !res->target.inode)
		read_fd_inode(r->procroot, req->pid, req->fd, &res->target.inode);

	/* refusals that need no look at the target come first */
	if (req->read_only)
		return refuse(r, EPERM, "the session is read-only (--read-only)");
	if (req->kind == ACTIONS_DRAIN && !req->confirm_drain && run)
		return refuse(r, EPERM, "drain discards the queued data: it needs a second, "
			      "explicit confirmation (--confirm-drain)");
	if (pin(r))
		return 1;
	if (r->sfd >= 0) {
		read_target(r->sfd, &res->target);
		read_figures(r->sfd, &res->target, &res->before);
		find_sharers(r->procroot, r->rq.pid, res);
	} else {
		e = read_limits(r, &res->before);
		if (e == -EPERM)
			return refuse_resource(r, "reading RLIMIT_NOFILE", -e);
		if (e == -ESRCH)
			return refuse_gone(r);
		if (e < 0)
			return fail(r, -e, "prlimit: %s", strerror(-e));
	}
	if (load_state(r, run))
		return 1;
	return 0;
}

static void finish_run(struct run *r)
{
	if (r->sfd >= 0)
		close(r->sfd);	/* the duplicate only: the process's fd stays */
	if (r->pidfd >= 0)
		close(r->pidfd);
	r->sfd = r->pidfd = -1;
	actions_state_clear(&r->st);
}

static void set_undo(struct run *r)
{
	struct actions_result *res = r->res;
	enum actions_kind u = actions_kind_undo(r->rq.kind);

	if (res->outcome != ACTIONS_DONE || u == ACTIONS_NONE)
		return;
	res->can_undo = 1;
	res->undo = r->rq;
	res->undo.kind = u;
	res->undo.value = -1;
	res->undo.confirm_drain = 0;
}

int actions_preview(const struct actions_request *req, struct actions_result *out)
{
	struct run r;
	char why[256];

	if (!valid_request(req))
		return -EINVAL;
	if (!prepare(&r, req, out, 0)) {
		const struct actions_state *st = r.have_state ? &r.st : NULL;
		struct actions_request rq = r.rq;

		struct lt_err err = { "" };

		actions_describe(&r.rq, &out->target, &out->before, st, out->preview,
				 sizeof(out->preview));
		describe_sharers(out, out->preview, sizeof(out->preview));
		rq.confirm_drain = 1;	/* asked for after the preview */
		if (actions_check(&rq, &out->target, &out->before, st, why,
				  sizeof(why)) < 0) {
			refuse(&r, EPERM, "%s", why);
		} else if (r.audit_path && audit_probe(r.audit_path, &err) < 0) {
			/* the run would refuse when writing its intent */
			audit_broken_why(r.audit_path, &err, why, sizeof(why));
			refuse(&r, EIO, "%s", why);
			append(out->preview, sizeof(out->preview), "Refused: %s\n", why);
		} else {
			out->outcome = ACTIONS_PREVIEW;
			fmt(out->message, sizeof(out->message), "preview: %s would be carried "
			    "out (nothing done yet)", actions_kind_name(req->kind));
		}
	}
	finish_run(&r);
	return 0;
}

int actions_run(const struct actions_request *req, struct actions_result *out)
{
	struct run r;
	char why[256];

	if (!valid_request(req))
		return -EINVAL;
	if (prepare(&r, req, out, 1))
		goto out;
	actions_describe(&r.rq, &out->target, &out->before, r.have_state ? &r.st : NULL,
			 out->preview, sizeof(out->preview));
	describe_sharers(out, out->preview, sizeof(out->preview));
	if (actions_check(&r.rq, &out->target, &out->before, r.have_state ? &r.st : NULL,
			  why, sizeof(why)) < 0) {
		refuse(&r, EPERM, "%s", why);
		goto out;
	}
	if (r.have_state && state_unapplied(r.rq.kind, &out->before, &r.st)) {
		undo_unapplied(&r);
		goto out;
	}
	switch (r.rq.kind) {
	case ACTIONS_DROP_FILTER:
		do_drop_filter(&r);
		break;
	case ACTIONS_UNDO_FILTER:
		do_undo_filter(&r);
		break;
	case ACTIONS_SHRINK_RCVBUF:
		do_shrink(&r);
		break;
	case ACTIONS_UNDO_RCVBUF:
		do_undo_rcvbuf(&r);
		break;
	case ACTIONS_DRAIN:
		do_drain(&r);
		break;
	case ACTIONS_RAISE_FD_LIMIT:
		do_raise(&r);
		break;
	case ACTIONS_UNDO_FD_LIMIT:
		do_undo_limit(&r);
		break;
	default:
		break;
	}
	set_undo(&r);
out:
	finish_run(&r);
	audit(&r, out);
	return 0;
}
