/*
 * Processes: identity through libproc2 on the live /proc (or the stat and
 * status files of a fixture root), fd counts and RLIMIT_NOFILE.  What the
 * census adds (sockets, ghosts, queued bytes, growth) is filled by sample.c.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <sys/time.h>
#include <unistd.h>
#include <libproc2/pids.h>

#include "leaktop/procs.h"

int procs_parse_limits(const char *text, size_t len, int64_t *soft, int64_t *hard,
		       struct lt_err *err)
{
	const char *p = text, *end = text + len, *nl;

	while (p < end) {
		char line[256], s1[32], s2[32];
		size_t n;

		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (n < sizeof(line) && n > 14 && !strncmp(p, "Max open files", 14)) {
			char *e1, *e2;
			long long a, b;

			memcpy(line, p, n);
			line[n] = '\0';
			if (!nl)
				return lt_err_set(err, EBADMSG, "limits: truncated line");
			if (sscanf(line + 14, "%31s %31s", s1, s2) != 2)
				return lt_err_set(err, EBADMSG, "limits: bad 'Max open files' line");
			errno = 0;
			a = strcmp(s1, "unlimited") ? strtoll(s1, &e1, 10) : -1;
			b = strcmp(s2, "unlimited") ? strtoll(s2, &e2, 10) : -1;
			if (errno || (a != -1 && (*e1 || a < 0)) || (b != -1 && (*e2 || b < 0)))
				return lt_err_set(err, EBADMSG,
						  "limits: bad 'Max open files' values");
			*soft = a;
			*hard = b;
			return 0;
		}
		p += n + 1;
	}
	return lt_err_set(err, EBADMSG, "limits: no 'Max open files' line");
}

int procs_parse_stat(const char *text, size_t len, char *comm, size_t commsz,
		     int32_t *ppid, uint64_t *start_ticks, struct lt_err *err)
{
	const char *open, *close = NULL, *p;
	unsigned long long v;
	char buf[1024];
	int field, n;
	long pp;

	/* comm may hold ')' or spaces: it runs from the first '(' to the last ')' */
	open = memchr(text, '(', len);
	for (p = text + len; p > text; p--)
		if (p[-1] == ')') {
			close = p - 1;
			break;
		}
	if (!open || !close || close < open)
		return lt_err_set(err, EBADMSG, "stat: no (comm)");
	n = (int)(close - open - 1);
	snprintf(comm, commsz, "%.*s", n, open + 1);
	n = (int)(text + len - close - 1);
	if (n <= 0 || (size_t)n >= sizeof(buf))
		return lt_err_set(err, EBADMSG, "stat: truncated after comm");
	memcpy(buf, close + 1, (size_t)n);
	buf[n] = '\0';
	/* after ") ": state(3) ppid(4) ... starttime(22) */
	p = buf;
	for (field = 3; field <= 22; field++) {
		char *e;

		while (*p == ' ')
			p++;
		if (!*p)
			return lt_err_set(err, EBADMSG, "stat: only %d fields", field - 1);
		if (field == 4) {
			pp = strtol(p, &e, 10);
			if (e == p)
				return lt_err_set(err, EBADMSG, "stat: bad ppid");
			*ppid = (int32_t)pp;
		} else if (field == 22) {
			errno = 0;
			v = strtoull(p, &e, 10);
			if (e == p || errno)
				return lt_err_set(err, EBADMSG, "stat: bad start time");
			*start_ticks = v;
			return 0;
		}
		while (*p && *p != ' ')
			p++;
	}
	return lt_err_set(err, EBADMSG, "stat: truncated");
}

int procs_is_procfs(const char *procroot)
{
	struct statfs sf;

	return statfs(procroot, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC;
}

int procs_count_fds(const char *procroot, int pid, int procfs)
{
	char path[512];
	struct dirent *de;
	struct stat st;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%d/fd", procroot, pid);
	if (stat(path, &st) < 0)
		return -errno;
	/* since 6.2 the size of a /proc/PID/fd directory is its fd count
	 * (older kernels say 0); on any other file system it is not */
	if (procfs && st.st_size > 0)
		return st.st_size > INT32_MAX ? INT32_MAX : (int)st.st_size;
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static double boot_time(const char *procroot)
{
	char path[512], *buf;
	struct timeval tv;
	double up = 0;
	size_t len;

	snprintf(path, sizeof(path), "%s/uptime", procroot);
	if (lt_read_file(path, &buf, &len, 4096) == 0) {
		up = strtod(buf, NULL);
		free(buf);
	}
	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + tv.tv_usec / 1e6 - up;
}

static struct proc_info *list_add(struct proc_list *l, int pid)
{
	struct proc_info *p;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 128;
		struct proc_info *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		l->v = v;
		l->cap = cap;
	}
	p = &l->v[l->n++];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->nfds = -1;
	p->fd_soft = p->fd_hard = -1;
	p->exhaustion_s = -1;
	p->pss_age = -1;
	return p;
}

/* The per-pid files libproc2 does not give: fd count and limits. */
static void fill_fds(const char *procroot, int procfs, struct proc_info *p)
{
	char path[512], *buf;
	size_t len;
	int r;

	r = procs_count_fds(procroot, p->pid, procfs);
	if (r >= 0)
		p->nfds = r;
	else if (r == -EACCES || r == -EPERM)
		p->hidden |= PROC_HIDDEN_FDS;
	snprintf(path, sizeof(path), "%s/%d/limits", procroot, p->pid);
	r = lt_read_file(path, &buf, &len, 16384);
	if (r == 0) {
		procs_parse_limits(buf, len, &p->fd_soft, &p->fd_hard, NULL);
		free(buf);
	} else if (r == -EACCES || r == -EPERM) {
		p->hidden |= PROC_HIDDEN_LIMITS;
	}
}

/* uid -> name for one scan: a handful of uids own most processes, and
 * each getpwuid_r may read /etc/passwd. */
struct user_cache {
	uint32_t uid[32];
	char name[32][32];
	int n;
};

static void fill_user(struct proc_info *p, struct user_cache *c)
{
	struct passwd pw, *res = NULL;
	char buf[1024];
	int i;

	for (i = 0; i < c->n; i++)
		if (c->uid[i] == p->uid) {
			memcpy(p->user, c->name[i], sizeof(p->user));
			return;
		}
	if (getpwuid_r(p->uid, &pw, buf, sizeof(buf), &res) == 0 && res)
		snprintf(p->user, sizeof(p->user), "%.31s", res->pw_name);
	else
		snprintf(p->user, sizeof(p->user), "%u", p->uid);
	if (c->n < 32) {
		c->uid[c->n] = p->uid;
		memcpy(c->name[c->n++], p->user, sizeof(p->user));
	}
}

/* Identity from the files themselves (fixture roots). */
static int scan_files(const char *procroot, struct proc_info *p, double boot, long hz)
{
	char path[512], *buf;
	size_t len;
	int r;

	snprintf(path, sizeof(path), "%s/%d/stat", procroot, p->pid);
	r = lt_read_file(path, &buf, &len, 8192);
	if (r < 0)
		return r;
	r = procs_parse_stat(buf, len, p->comm, sizeof(p->comm), &p->ppid,
			     &p->start_ticks, NULL);
	free(buf);
	if (r < 0)
		return r;
	p->start_time = boot + (double)p->start_ticks / (double)hz;
	snprintf(path, sizeof(path), "%s/%d/status", procroot, p->pid);
	if (lt_read_file(path, &buf, &len, 65536) == 0) {
		char *u = strstr(buf, "\nUid:");

		if (u)
			sscanf(u + 5, "%*u %u", &p->uid);
		free(buf);
	}
	snprintf(path, sizeof(path), "%s/%d/cmdline", procroot, p->pid);
	if (lt_read_file(path, &buf, &len, 65536) == 0) {
		size_t i;

		for (i = 0; i + 1 < len; i++)
			if (buf[i] == '\0')
				buf[i] = ' ';
		if (len > 0)
			p->cmdline = buf;
		else
			free(buf);
	}
	return 0;
}

static int cmp_pid(const void *a, const void *b)
{
	const struct proc_info *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

static int wanted(const int *pids, size_t npids, int pid)
{
	size_t i;

	if (!npids)
		return 1;
	for (i = 0; i < npids; i++)
		if (pids[i] == pid)
			return 1;
	return 0;
}

enum rel { R_PID, R_PPID, R_EUID, R_CMD, R_CMDLINE, R_TICS, R_NSNET };

static int scan_libproc2(const char *procroot, const int *pids, size_t npids,
			 struct proc_list *out, double boot, long hz, struct lt_err *err)
{
	enum pids_item items[] = { PIDS_ID_PID, PIDS_ID_PPID, PIDS_ID_EUID, PIDS_CMD,
				   PIDS_CMDLINE, PIDS_TICS_BEGAN, PIDS_NS_NET };
	struct pids_info *info = NULL;
	struct pids_fetch *f;
	int i, r = 0;

	if (procps_pids_new(&info, items, sizeof(items) / sizeof(items[0])) < 0)
		return lt_err_set(err, ENOMEM, "libproc2: cannot start a process scan");
	if (npids) {
		unsigned *sel = calloc(npids, sizeof(*sel));
		size_t k;

		if (!sel) {
			r = lt_err_set(err, ENOMEM, "out of memory");
			goto out;
		}
		for (k = 0; k < npids; k++)
			sel[k] = (unsigned)pids[k];
		f = procps_pids_select(info, sel, (int)npids, PIDS_SELECT_PID);
		free(sel);
	} else {
		f = procps_pids_reap(info, PIDS_FETCH_TASKS_ONLY);
	}
	if (!f) {
		r = lt_err_set(err, EIO, "libproc2: process scan failed");
		goto out;
	}
	for (i = 0; i < f->counts->total; i++) {
		struct pids_stack *st = f->stacks[i];
		struct proc_info *p = list_add(out, PIDS_VAL(R_PID, s_int, st, info));
		const char *cmdline;

		if (!p) {
			r = lt_err_set(err, ENOMEM, "out of memory");
			goto out;
		}
		p->ppid = PIDS_VAL(R_PPID, s_int, st, info);
		p->uid = PIDS_VAL(R_EUID, u_int, st, info);
		snprintf(p->comm, sizeof(p->comm), "%s", PIDS_VAL(R_CMD, str, st, info));
		cmdline = PIDS_VAL(R_CMDLINE, str, st, info);
		/* libproc2 shows "-" for kernel threads; keep NULL there */
		if (cmdline && *cmdline && strcmp(cmdline, "-") != 0)
			p->cmdline = strdup(cmdline);
		p->start_ticks = PIDS_VAL(R_TICS, ull_int, st, info);
		p->start_time = boot + (double)p->start_ticks / (double)hz;
		p->netns = PIDS_VAL(R_NSNET, ul_int, st, info);
		(void)procroot;
	}
out:
	procps_pids_unref(&info);
	return r;
}

int procs_scan(const char *procroot, const int *pids, size_t npids,
	       struct proc_list *out, struct lt_err *err)
{
	double boot = boot_time(procroot);
	long hz = sysconf(_SC_CLK_TCK);
	struct user_cache uc = { .n = 0 };
	size_t i;
	int r = 0, procfs;

	memset(out, 0, sizeof(*out));
	if (hz <= 0)
		hz = 100;
	if (strcmp(procroot, "/proc") == 0) {
		r = scan_libproc2(procroot, pids, npids, out, boot, hz, err);
	} else {
		struct dirent *de;
		DIR *d = opendir(procroot);

		if (!d)
			return lt_err_set(err, errno, "cannot list %s: %s", procroot,
					  strerror(errno));
		while ((de = readdir(d)) != NULL) {
			struct proc_info *p;
			char *e;
			long pid;

			if (!isdigit((unsigned char)de->d_name[0]))
				continue;
			pid = strtol(de->d_name, &e, 10);
			if (*e || pid <= 0 || pid > INT32_MAX || !wanted(pids, npids, (int)pid))
				continue;
			p = list_add(out, (int)pid);
			if (!p) {
				r = lt_err_set(err, ENOMEM, "out of memory");
				break;
			}
			if (scan_files(procroot, p, boot, hz) < 0)
				out->n--;	/* vanished or unreadable: skip */
		}
		closedir(d);
	}
	if (r < 0) {
		procs_list_free(out);
		return r;
	}
	procfs = procs_is_procfs(procroot);
	for (i = 0; i < out->n; i++) {
		fill_user(&out->v[i], &uc);
		fill_fds(procroot, procfs, &out->v[i]);
	}
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), cmp_pid);
	return 0;
}

void procs_list_free(struct proc_list *l)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < l->n; i++)
		free(l->v[i].cmdline);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

const struct proc_info *procs_find(const struct proc_list *l, int pid)
{
	struct proc_info key;

	if (!l->n)
		return NULL;
	key.pid = pid;
	return bsearch(&key, l->v, l->n, sizeof(*l->v), cmp_pid);
}
