/*
 * Processes: the table kept between samples (which instance holds each
 * pid, its identity, fd count, RLIMIT_NOFILE and PSS, each read at its own
 * cadence; the parsers of its files are in procs_parse.c).  Each file is
 * read directly, relative to one descriptor of procroot (the uid is the owner
 * of procroot/PID on a procfs, Uid: in status on a fixture tree); the
 * identity of the -p processes comes through libproc2.  What the census
 * adds (sockets, ghosts, queued bytes, growth) is filled by sample.c.
 */
#include <langinfo.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <sys/time.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <libproc2/pids.h>

#include "leaktop/fallback.h"
#include "leaktop/procs.h"
#include "alloc_hook.h"

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
	if (procfs && st.st_size > 0 && !lt_fallback(LT_FB_FD_SIZE))
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

/* ---- the process table ------------------------------------------------- */

#define PT_IDENTITY_EVERY	60.0
#define PT_WATCH_FOR		60.0
#define PT_YOUNG		3.0	/* seconds: identity read every update */
#define PT_LP2_MAX		255	/* libproc2 selects at most this many pids */

/* What is known of one process instance. */
struct pt_entry {
	struct proc_info p;	/* identity and the latest figures (cmdline owned) */
	uint64_t ino;		/* inode of procroot/PID when last listed */
	double next_refresh;	/* stat and fd count due */
	double next_identity;	/* cmdline, user, netns, limits due */
	double next_pss;	/* smaps_rollup due */
	double pss_time;	/* when p.pss was read, 0 never */
	uint64_t pss_anon, pss_file, pss_shmem;
	double watch_until;	/* fd count moved, or named: read every update */
	size_t cmdsize;		/* strlen(p.cmdline) + 1 once known, else 0 */
	unsigned flags;
};

#define PT_WANTED	0x01	/* listed in the output (in pids, or no pids) */
#define PT_IDENTIFIED	0x02	/* identity read at least once */
#define PT_PSS_HIDDEN	0x04	/* smaps_rollup refused */
#define PT_FORGET	0x08	/* read everything at the next update */
#define PT_NEW		0x10	/* identity to read in this update */

struct procs_table {
	char *procroot;
	int procfd;
	int procfs;		/* procroot is a procfs */
	int live;		/* procroot is the live /proc: libproc2 */
	int own_pids;		/* its pids are ours (its "self" is getpid()):
				 * syscalls may take them (prlimit) */
	int utf8;		/* the locale's codeset is UTF-8 */
	long hz;
	double boot;
	struct procs_table_config cfg;
	struct pt_entry **v;	/* sorted by pid; each entry its own allocation,
				 * so a listing's join moves pointers only */
	size_t n, cap;
	struct pids_info *lp2;	/* libproc2's context, made on first use */
	int first_done;		/* an update completed */
	/* /proc/loadavg at the last listing: the last pid handed out and the
	 * number of tasks; both unchanged, no process came or went */
	long last_pid, ntasks;
	double listed_at;
	double now;		/* the caller's clock at the last update */
	const struct proc_facts *facts;	/* for the update under way, or NULL */
	struct pss_worker *pss;	/* the PSS helper thread, or NULL */
};

static void pss_worker_stop(struct pss_worker *w);

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

/*
 * Read procroot/PID/rel into buf (NUL-terminated) in one read: the small
 * /proc files (stat, limits, smaps_rollup) come whole from one read when
 * the buffer is larger than they are.  Length, or -errno.
 */
static ssize_t read_at(int dirfd, const char *rel, char *buf, size_t size)
{
	ssize_t n;
	int fd;

	fd = openat(dirfd, rel, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	do
		n = read(fd, buf, size - 1);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		n = -errno;
	else
		buf[n] = '\0';
	close(fd);
	return n;
}

/* "PID/rel" */
static void pid_rel(char *out, size_t outsz, int pid, const char *rel)
{
	snprintf(out, outsz, "%d/%s", pid, rel);
}

/* uid -> name for one update: a handful of uids own most processes, and
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

void proc_facts_free(struct proc_facts *f)
{
	free(f->v);
	memset(f, 0, sizeof(*f));
}

const struct proc_fact *proc_facts_find(const struct proc_facts *f, int pid)
{
	size_t lo = 0, hi = f ? f->n : 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (f->v[mid].pid < pid)
			lo = mid + 1;
		else if (f->v[mid].pid > pid)
			hi = mid;
		else
			return &f->v[mid];
	}
	return NULL;
}

void procs_table_facts(struct procs_table *t, const struct proc_facts *f)
{
	t->facts = f;
}

int procs_table_wants_facts(const struct procs_table *t)
{
	return !t->first_done || t->cfg.refresh_every == 0;
}

/* The facts of e's instance (the same start ticks), or NULL: its files. */
static const struct proc_fact *pt_fact(const struct procs_table *t, const struct pt_entry *e)
{
	const struct proc_fact *f = proc_facts_find(t->facts, e->p.pid);

	return f && f->start_ticks == e->p.start_ticks ? f : NULL;
}

/* comm, ppid and start ticks from stat (or the facts).  0, -ESRCH when
 * gone or empty (a zombie reaped under us), -EBADMSG. */
static int pt_read_stat(struct procs_table *t, int pid, char *comm, size_t commsz,
			int32_t *ppid, uint64_t *start)
{
	const struct proc_fact *f = proc_facts_find(t->facts, pid);
	char rel[32], buf[2048];
	ssize_t n;

	if (f && !f->kthread) {
		snprintf(comm, commsz, "%s", f->comm);
		*ppid = f->ppid;
		*start = f->start_ticks;
		return 0;
	}
	pid_rel(rel, sizeof(rel), pid, "stat");
	n = read_at(t->procfd, rel, buf, sizeof(buf));
	if (n <= 0)
		return n == 0 || n == -ENOENT ? -ESRCH : (int)n;
	return procs_parse_stat(buf, (size_t)n, comm, commsz, ppid, start, NULL);
}

/* The fd count (hidden when the dir is refused). */
static void pt_read_fds(struct procs_table *t, struct pt_entry *e, double now)
{
	char rel[32];
	struct stat st;
	int32_t n = -1;

	pid_rel(rel, sizeof(rel), e->p.pid, "fd");
	if (fstatat(t->procfd, rel, &st, 0) < 0) {
		if (errno == EACCES || errno == EPERM)
			e->p.hidden |= PROC_HIDDEN_FDS;
		return;
	}
	/* since 6.2 the size of a /proc/PID/fd directory is its fd count */
	if (t->procfs && st.st_size > 0 && !lt_fallback(LT_FB_FD_SIZE)) {
		n = st.st_size > INT32_MAX ? INT32_MAX : (int32_t)st.st_size;
	} else {
		int r = procs_count_fds(t->procroot, e->p.pid, t->procfs);

		if (r < 0) {
			if (r == -EACCES || r == -EPERM)
				e->p.hidden |= PROC_HIDDEN_FDS;
			return;
		}
		n = r;
	}
	e->p.hidden &= ~(unsigned)PROC_HIDDEN_FDS;
	/* a count that moves is worth reading every update for a while */
	if (e->p.nfds >= 0 && n != e->p.nfds)
		e->watch_until = now + t->cfg.watch_for;
	e->p.nfds = n;
	e->p.fds_fresh = 1;
}

/* RLIMIT_NOFILE of e: from one prlimit() where the table's pids are
 * ours to name (a third of the syscalls of /proc/PID/limits, and no text
 * to parse: 0.1 s of a cold sample at 10,000 processes), else, or when
 * refused (another user's process, without root), from the limits file,
 * which everyone may read. */
static void pt_read_limits(struct procs_table *t, struct pt_entry *e)
{
	const struct proc_fact *f = pt_fact(t, e);
	char rel[32], buf[4096];
	struct rlimit rl;
	ssize_t n;

	if (f && f->have_limits) {
		e->p.hidden &= ~(unsigned)PROC_HIDDEN_LIMITS;
		e->p.fd_soft = f->fd_soft;
		e->p.fd_hard = f->fd_hard;
		return;
	}
	if (t->own_pids && prlimit(e->p.pid, RLIMIT_NOFILE, NULL, &rl) == 0) {
		e->p.hidden &= ~(unsigned)PROC_HIDDEN_LIMITS;
		e->p.fd_soft = rl.rlim_cur == RLIM_INFINITY ? -1 : (int64_t)rl.rlim_cur;
		e->p.fd_hard = rl.rlim_max == RLIM_INFINITY ? -1 : (int64_t)rl.rlim_max;
		return;
	}
	if (t->own_pids && errno == ESRCH)
		return;		/* gone: the next listing drops it */
	pid_rel(rel, sizeof(rel), e->p.pid, "limits");
	n = read_at(t->procfd, rel, buf, sizeof(buf));
	if (n > 0) {
		e->p.hidden &= ~(unsigned)PROC_HIDDEN_LIMITS;
		procs_parse_limits(buf, (size_t)n, &e->p.fd_soft, &e->p.fd_hard, NULL);
	} else if (n == -EACCES || n == -EPERM) {
		e->p.hidden |= PROC_HIDDEN_LIMITS;
	}
}

/* The network namespace: the inode its ns/net link names. */
static void pt_read_netns(struct procs_table *t, struct pt_entry *e)
{
	const struct proc_fact *f = pt_fact(t, e);
	char rel[32], target[64];
	unsigned long long ino;
	ssize_t n;

	if (f) {
		if (f->netns)	/* none: exited, as a link that cannot be read */
			e->p.netns = f->netns;
		return;
	}
	pid_rel(rel, sizeof(rel), e->p.pid, "ns/net");
	n = readlinkat(t->procfd, rel, target, sizeof(target) - 1);
	if (n <= 0)
		return;
	target[n] = '\0';
	if (sscanf(target, "net:[%llu]", &ino) == 1)
		e->p.netns = ino;
}

/* cmdline, its NULs as spaces and what a terminal cannot show as libproc2
 * shows it; "[comm]" when empty (kernel threads). */
static void pt_read_cmdline(struct procs_table *t, struct pt_entry *e)
{
	char rel[32], *buf = NULL, *nb;
	size_t len = 0, cap = 0;
	ssize_t n;
	int fd;

	pid_rel(rel, sizeof(rel), e->p.pid, "cmdline");
	fd = openat(t->procfd, rel, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	for (;;) {
		if (cap - len < 2) {
			if (cap >= 65536)
				break;
			cap = cap ? cap * 2 : 1024;
			nb = realloc(buf, cap);
			if (!nb)
				break;
			buf = nb;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		/* the kernel gives as much of the arguments as was asked
		 * for: a short read is the end (one read, not two) */
		if (len < cap - 1)
			break;
	}
	close(fd);
	if (buf && len > 0) {
		buf[len] = '\0';
		procs_cmdline_clean(buf, len, t->utf8);
		free(e->p.cmdline);
		e->p.cmdline = buf;
		e->cmdsize = 0;
		return;
	}
	free(buf);
	/* a kernel thread (or a zombie) has none: "[comm]", as ps and
	 * libproc2 show it */
	if (t->live && !e->p.cmdline && asprintf(&buf, "[%s]", e->p.comm) >= 0) {
		e->p.cmdline = buf;
		e->cmdsize = 0;
	}
}

/* Identity from the files themselves (fixture roots, and what libproc2
 * did not return).  0, or -ESRCH when gone. */
static int pt_identity_files(struct procs_table *t, struct pt_entry *e)
{
	const struct proc_fact *f;
	char rel[32], buf[4096];
	struct stat st;
	ssize_t n;
	int r;

	r = pt_read_stat(t, e->p.pid, e->p.comm, sizeof(e->p.comm), &e->p.ppid,
			 &e->p.start_ticks);
	if (r < 0)
		return r == -EBADMSG ? -ESRCH : r;
	if ((f = pt_fact(t, e))) {
		e->p.uid = f->uid;
	} else if (t->procfs) {
		/* the owner of procroot/PID is the euid, as libproc2 reads it */
		pid_rel(rel, sizeof(rel), e->p.pid, "");
		if (fstatat(t->procfd, rel, &st, 0) == 0)
			e->p.uid = st.st_uid;
	} else {
		pid_rel(rel, sizeof(rel), e->p.pid, "status");
		n = read_at(t->procfd, rel, buf, sizeof(buf));
		if (n > 0) {
			char *u = strstr(buf, "\nUid:");

			if (u)
				sscanf(u + 5, "%*u %u", &e->p.uid);
		}
	}
	pt_read_cmdline(t, e);
	return 0;
}

enum rel { R_PID, R_PPID, R_EUID, R_CMD, R_CMDLINE, R_TICS };

/*
 * Identity of new instances of the -p processes on the live /proc through
 * libproc2, up to PT_LP2_MAX pids at a time: comm, ppid, euid, cmdline,
 * start ticks.  The entries it returns lose PT_NEW; the others are read
 * from the files.
 */
static void pt_identity_libproc2(struct procs_table *t, unsigned *sel, size_t nsel)
{
	enum pids_item items[] = { PIDS_ID_PID, PIDS_ID_PPID, PIDS_ID_EUID, PIDS_CMD,
				   PIDS_CMDLINE, PIDS_TICS_BEGAN };
	struct pids_fetch *f;
	int i;

	if (!t->lp2 && procps_pids_new(&t->lp2, items, sizeof(items) / sizeof(items[0])) < 0) {
		t->lp2 = NULL;
		return;
	}
	f = procps_pids_select(t->lp2, sel, (int)nsel, PIDS_SELECT_PID);
	if (!f)
		return;
	for (i = 0; i < f->counts->total; i++) {
		struct pids_stack *st = f->stacks[i];
		int pid = PIDS_VAL(R_PID, s_int, st, t->lp2);
		const char *cmdline = PIDS_VAL(R_CMDLINE, str, st, t->lp2);
		size_t lo = 0, hi = t->n;
		struct pt_entry *e = NULL;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (t->v[mid]->p.pid == pid) {
				e = t->v[mid];
				break;
			}
			if (t->v[mid]->p.pid < pid)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (!e || !(e->flags & PT_NEW))
			continue;
		e->p.ppid = PIDS_VAL(R_PPID, s_int, st, t->lp2);
		e->p.uid = PIDS_VAL(R_EUID, u_int, st, t->lp2);
		snprintf(e->p.comm, sizeof(e->p.comm), "%s", PIDS_VAL(R_CMD, str, st, t->lp2));
		free(e->p.cmdline);
		e->p.cmdline = NULL;
		e->cmdsize = 0;
		/* libproc2 shows "-" for kernel threads; keep NULL there */
		if (cmdline && *cmdline && strcmp(cmdline, "-") != 0)
			e->p.cmdline = strdup(cmdline);
		e->p.start_ticks = PIDS_VAL(R_TICS, ull_int, st, t->lp2);
		e->flags &= ~(unsigned)PT_NEW;
	}
}

/* The rest of an identity read: user, netns, limits, fd count. */
static void pt_identity_rest(struct procs_table *t, struct pt_entry *e, double now,
			     struct user_cache *uc)
{
	e->p.start_time = t->boot + (double)e->p.start_ticks / (double)t->hz;
	fill_user(&e->p, uc);
	pt_read_netns(t, e);
	pt_read_limits(t, e);
	pt_read_fds(t, e, now);
	e->flags |= PT_IDENTIFIED;
	/* a process a few seconds old may still exec, setuid or rename
	 * itself (a shell's child becoming the daemon): read it again at the
	 * next update until it is older */
	e->next_identity = now - e->p.start_time < PT_YOUNG ? now :
			   now + t->cfg.identity_every;
}

/* A share in [0, 1) that depends on pid only: staggers the cadences. */
static double pid_share(int pid)
{
	return (double)(((uint32_t)pid * 2654435761u) >> 20) / 4096.0;
}

/* Walks of smaps_rollup a second at most in a staggered table: each costs
 * the kernel the process's page tables (30 % of the UI's CPU at 30,000
 * processes with every PSS read each 10 s), so with more processes than
 * pss_every * this each PSS is read less often; its age says how old. */
#define PT_PSS_PER_S 1000.0

static double pss_period(const struct procs_table *t)
{
	double p = t->cfg.pss_every;

	return p > 0 && (double)t->n / PT_PSS_PER_S > p ? (double)t->n / PT_PSS_PER_S : p;
}

static void pt_entry_init(struct procs_table *t, struct pt_entry *e, int pid, uint64_t ino,
			  double now)
{
	memset(e, 0, sizeof(*e));
	e->p.pid = pid;
	e->p.nfds = -1;
	e->p.fd_soft = e->p.fd_hard = -1;
	e->p.exhaustion_s = -1;
	e->p.pss_age = -1;
	e->ino = ino;
	/* the first update reads everything; a process seen later has its
	 * turn at a share of the period that depends on its pid */
	e->next_refresh = now + t->cfg.refresh_every * pid_share(pid);
	e->next_pss = t->first_done ? now + pss_period(t) * pid_share(pid) : now;
	e->flags = PT_NEW;
}

static void pt_entry_clear(struct pt_entry *e)
{
	free(e->p.cmdline);
	e->p.cmdline = NULL;
}

static void pt_entry_free(struct pt_entry *e)
{
	if (e) {
		pt_entry_clear(e);
		free(e);
	}
}

struct procs_table *procs_table_new(const char *procroot, const struct procs_table_config *cfg)
{
	struct procs_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->procfd = -1;
	t->procroot = strdup(procroot);
	if (!t->procroot)
		goto fail;
	t->procfd = open(procroot, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (t->procfd < 0)
		goto fail;
	if (cfg)
		t->cfg = *cfg;
	if (t->cfg.refresh_every < 0)
		t->cfg.refresh_every = 0;
	if (t->cfg.identity_every <= 0)
		t->cfg.identity_every = PT_IDENTITY_EVERY;
	if (t->cfg.watch_for <= 0)
		t->cfg.watch_for = PT_WATCH_FOR;
	t->procfs = procs_is_procfs(procroot);
	t->live = strcmp(procroot, "/proc") == 0;
	if (t->procfs) {
		char self[32];
		ssize_t n = readlinkat(t->procfd, "self", self, sizeof(self) - 1);

		if (n > 0) {
			self[n] = '\0';
			t->own_pids = atoi(self) == (int)getpid();
		}
	}
	t->hz = sysconf(_SC_CLK_TCK);
	if (t->hz <= 0)
		t->hz = 100;
	t->boot = boot_time(procroot);
	return t;
fail:
	procs_table_free(t);
	return NULL;
}

void procs_table_free(struct procs_table *t)
{
	size_t i;
	int e = errno;

	if (!t)
		return;
	pss_worker_stop(t->pss);
	for (i = 0; i < t->n; i++)
		pt_entry_free(t->v[i]);
	free(t->v);
	if (t->lp2)
		procps_pids_unref(&t->lp2);
	if (t->procfd >= 0)
		close(t->procfd);
	free(t->procroot);
	free(t);
	errno = e;
}

static struct pt_entry *pt_find(struct procs_table *t, int pid)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->v[mid]->p.pid == pid)
			return t->v[mid];
		if (t->v[mid]->p.pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void procs_table_watch(struct procs_table *t, int pid, uint64_t start_ticks)
{
	struct pt_entry *e = t ? pt_find(t, pid) : NULL;
	double until;

	if (!e || e->p.start_ticks != start_ticks)
		return;
	/* on the caller's clock, the one the updates run on */
	until = t->now + t->cfg.watch_for;
	if (until > e->watch_until)
		e->watch_until = until;
}

void procs_table_forget(struct procs_table *t, int pid)
{
	struct pt_entry *e = t ? pt_find(t, pid) : NULL;

	if (e)
		e->flags |= PT_FORGET;
}

/* A listed pid and its directory's inode. */
struct pt_listed {
	int32_t pid;
	uint64_t ino;
};

static int cmp_listed(const void *a, const void *b)
{
	const struct pt_listed *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* What getdents64 returns (glibc has no declaration of it). */
struct pt_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/*
 * Every numeric entry of procroot with its inode, by pid.  getdents64 with
 * a buffer of 64 KiB: readdir's would take a call per few dozen pids.
 * 0 or -errno.
 */
static int pt_list(struct procs_table *t, struct pt_listed **out, size_t *nout,
		   struct lt_err *err)
{
	struct pt_listed *v = NULL, *nv;
	size_t n = 0, cap = 0, i, k;
	char *buf;
	long got;
	int fd, sorted = 1, ret = 0;

	*out = NULL;
	*nout = 0;
	/* a fresh descriptor: listed from the start; the table's own stays
	 * for the openat calls */
	fd = openat(t->procfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return lt_err_set(err, errno, "cannot list %s: %s", t->procroot,
				  strerror(errno));
	buf = malloc(65536);
	if (!buf) {
		close(fd);
		return lt_err_set(err, ENOMEM, "out of memory");
	}
	while ((got = syscall(SYS_getdents64, fd, buf, 65536)) > 0) {
		long off;

		for (off = 0; off < got;) {
			struct pt_dirent64 *de = (struct pt_dirent64 *)(buf + off);
			const char *c = de->d_name;
			long pid = 0;

			off += de->d_reclen;
			if (*c < '1' || *c > '9')
				continue;
			for (; *c >= '0' && *c <= '9' && pid <= INT32_MAX; c++)
				pid = pid * 10 + (*c - '0');
			if (*c || pid > INT32_MAX)
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 1024;
				nv = realloc(v, cap * sizeof(*v));
				if (!nv) {
					ret = lt_err_set(err, ENOMEM, "out of memory");
					goto out;
				}
				v = nv;
			}
			v[n].pid = (int32_t)pid;
			v[n].ino = de->d_ino;
			if (n && v[n - 1].pid >= v[n].pid)
				sorted = 0;
			n++;
		}
	}
	if (got < 0)
		ret = lt_err_set(err, errno, "cannot list %s: %s", t->procroot, strerror(errno));
out:
	free(buf);
	close(fd);
	if (ret < 0) {
		free(v);
		return ret;
	}
	if (!sorted) {
		qsort(v, n, sizeof(*v), cmp_listed);
		/* a pid listed twice (procroot changed under us): once */
		for (i = 1, k = n ? 1 : 0; i < n; i++)
			if (v[i].pid != v[k - 1].pid)
				v[k++] = v[i];
		n = k;
	}
	*out = v;
	*nout = n;
	return 0;
}

/* The last pid handed out in our pid namespace and the number of tasks,
 * from loadavg ("0.00 0.01 0.05 1/123 4567").  0, or -1. */
static int pt_loadavg(struct procs_table *t, long *last_pid, long *ntasks)
{
	char buf[128];
	ssize_t n;

	n = read_at(t->procfd, "loadavg", buf, sizeof(buf));
	if (n <= 0 || sscanf(buf, "%*s %*s %*s %*d/%ld %ld", ntasks, last_pid) != 2)
		return -1;
	return 0;
}

/*
 * The listing again, from the table, when nothing can have changed: no pid
 * handed out since the last listing (a new process or thread takes one) and
 * as many tasks (so none was reaped).  Live /proc only (loadavg speaks of
 * our own pid namespace), and at least once per refresh_every (at least
 * 10 s) all the same.  1 when *out was built, 0 to list, -ENOMEM.
 */
static int pt_list_unchanged(struct procs_table *t, double now)
{
	long last_pid, ntasks;
	double every = t->cfg.refresh_every > 10 ? t->cfg.refresh_every : 10;

	if (!t->live || pt_loadavg(t, &last_pid, &ntasks) < 0)
		return 0;
	if (!t->first_done || last_pid != t->last_pid || ntasks != t->ntasks ||
	    now - t->listed_at >= every || now < t->listed_at) {
		t->last_pid = last_pid;
		t->ntasks = ntasks;
		t->listed_at = now;
		return 0;
	}
	return 1;
}

/* After the join: an entry to read in full again, and whether it is listed. */
static void pt_entry_mark(struct pt_entry *e, int want)
{
	if (e->flags & PT_FORGET) {
		e->flags &= ~(unsigned)(PT_FORGET | PT_IDENTIFIED);
		e->flags |= PT_NEW;
	}
	if (want)
		e->flags |= PT_WANTED;
	else
		e->flags &= ~(unsigned)(PT_WANTED | PT_NEW);
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

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* smaps_rollup of e, when it is due. */
static void pt_read_pss(struct procs_table *t, struct pt_entry *e, double now)
{
	uint64_t pss, anon, file, shmem;
	int n;

	n = meminfo_read_pss_at(t->procfd, e->p.pid, &pss, &anon, &file, &shmem);
	/* after the first update's walk of everything, each process's next
	 * turn comes at a share of the period: the walks spread evenly */
	e->next_pss = now + pss_period(t) * (t->first_done ? 1 : pid_share(e->p.pid));
	if (n == -EACCES || n == -EPERM) {
		e->flags |= PT_PSS_HIDDEN;
		return;
	}
	if (n)
		return;	/* gone, or a kernel thread (empty) */
	e->flags &= ~(unsigned)PT_PSS_HIDDEN;
	e->p.pss = pss;
	e->pss_anon = anon;
	e->pss_file = file;
	e->pss_shmem = shmem;
	e->pss_time = now;
}

/* Half of the PSS walks of one update, in a helper thread. */
struct pss_job {
	struct procs_table *t;
	struct pt_entry **v;
	size_t n;
	double now;
};

/*
 * The helper is started once, on the first update with walks to split,
 * and kept until procs_table_free(): a thread started for each update
 * would take a pid each time, and a pid handed out is what makes
 * pt_list_unchanged() list /proc again (30k processes: a quarter of the
 * UI's CPU).  It waits for a job, walks it, and says so.
 */
struct pss_worker {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct pss_job *job;	/* posted, NULL once walked */
	int quit;
};

static void *pss_thread(void *arg)
{
	struct pss_worker *w = arg;
	struct pss_job *j;
	size_t i;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->job && !w->quit)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->quit)
			break;
		j = w->job;
		pthread_mutex_unlock(&w->mu);
		for (i = 0; i < j->n; i++)
			pt_read_pss(j->t, j->v[i], j->now);
		pthread_mutex_lock(&w->mu);
		w->job = NULL;
		pthread_cond_broadcast(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

static struct pss_worker *pss_worker_start(void)
{
	struct pss_worker *w = calloc(1, sizeof(*w));
	sigset_t all, old;
	int r;

	if (!w)
		return NULL;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	/* the helper must not run the caller's signal handlers */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	r = pthread_create(&w->th, NULL, pss_thread, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r) {
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
		free(w);
		return NULL;
	}
	return w;
}

static void pss_worker_stop(struct pss_worker *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->quit = 1;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->th, NULL);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w);
}

/* A walk of smaps_rollup costs the kernel the process's page tables: with
 * thousands due at once (the first update, or batch mode's every update)
 * they are most of the sample's time, so a helper thread takes half of
 * them when another CPU is there.  The walks write only their own entry. */
#define PSS_SPLIT_MIN 512

static void pt_read_pss_all(struct procs_table *t, struct pt_entry **v, size_t n, double now)
{
	struct pss_job job = { t, v + n / 2, n - n / 2, now };
	struct pss_worker *w = NULL;
	size_t i;

	if (n >= PSS_SPLIT_MIN && sysconf(_SC_NPROCESSORS_ONLN) > 1) {
		if (!t->pss)
			t->pss = pss_worker_start();
		w = t->pss;
	}
	if (w) {
		pthread_mutex_lock(&w->mu);
		w->job = &job;
		pthread_cond_broadcast(&w->cv);
		pthread_mutex_unlock(&w->mu);
	}
	for (i = 0; i < (w ? n / 2 : n); i++)
		pt_read_pss(t, v[i], now);
	if (w) {
		pthread_mutex_lock(&w->mu);
		while (w->job)
			pthread_cond_wait(&w->cv, &w->mu);
		pthread_mutex_unlock(&w->mu);
	}
}

int procs_table_update(struct procs_table *t, double now, const int *pids, size_t npids,
		       struct proc_list *out, struct lt_err *err)
{
	struct pt_entry **due = NULL;	/* PSS due now; NULL: read in the loop */
	size_t ndue = 0;
	struct user_cache uc = { .n = 0 };
	struct pt_listed *l = NULL;
	struct pt_entry **nv = NULL;
	int *gone = NULL;
	unsigned *sel = NULL;
	size_t nl = 0, i, j, k, n = 0, ngone = 0, nsel = 0, nwanted = 0;
	int r;

	if (out)
		memset(out, 0, sizeof(*out));
	t->now = now;
	t->utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	gone = malloc((t->n ? t->n : 1) * sizeof(*gone));
	sel = malloc(PT_LP2_MAX * sizeof(*sel));
	if (!gone || !sel) {
		r = lt_err_set(err, ENOMEM, "out of memory");
		goto out;
	}
	if (pt_list_unchanged(t, now)) {
		/* no process came or went: the table's pids stand */
		for (i = 0; i < t->n; i++)
			pt_entry_mark(t->v[i], out && wanted(pids, npids, t->v[i]->p.pid));
	} else {
		r = pt_list(t, &l, &nl, err);
		if (r < 0)
			goto out;
		nv = malloc((nl ? nl : 1) * sizeof(*nv));
		if (!nv) {
			r = lt_err_set(err, ENOMEM, "out of memory");
			goto out;
		}

		/* join the listing with the table: same instance, reused pid,
		 * new, gone */
		for (i = 0, j = 0; i < nl; i++) {
			struct pt_entry *e;

			while (j < t->n && t->v[j]->p.pid < l[i].pid) {
				gone[ngone++] = t->v[j]->p.pid;
				pt_entry_free(t->v[j++]);
			}
			if (j < t->n && t->v[j]->p.pid == l[i].pid) {
				e = t->v[j++];
				if (e->ino != l[i].ino && (e->flags & PT_IDENTIFIED)) {
					char comm[64];
					int32_t ppid;
					uint64_t start;

					/* a new inode: the pid was reused, or the kernel
					 * dropped and made again the directory's inode */
					if (pt_read_stat(t, e->p.pid, comm, sizeof(comm), &ppid,
							 &start) < 0) {
						pt_entry_free(e);	/* gone meanwhile */
						continue;
					}
					if (start != e->p.start_ticks) {
						pt_entry_clear(e);
						pt_entry_init(t, e, l[i].pid, l[i].ino, now);
					}
				} else if (e->ino != l[i].ino) {
					/* known by its PSS only (not in pids): start again */
					pt_entry_clear(e);
					pt_entry_init(t, e, l[i].pid, l[i].ino, now);
				}
				e->ino = l[i].ino;
			} else {
				e = malloc(sizeof(*e));
				if (!e) {
					r = lt_err_set(err, ENOMEM, "out of memory");
					break;
				}
				pt_entry_init(t, e, l[i].pid, l[i].ino, now);
			}
			pt_entry_mark(e, out && wanted(pids, npids, e->p.pid));
			nv[n++] = e;
		}
		for (; j < t->n; j++) {
			gone[ngone++] = t->v[j]->p.pid;
			pt_entry_free(t->v[j]);
		}
		free(t->v);
		t->v = nv;
		t->n = t->cap = n;
		nv = NULL;
		if (r < 0)
			goto out;	/* the table holds what was joined */
	}

	/* the named processes of -p: identity through libproc2 (which reads
	 * status, stat and cmdline of each: too much for every process) */
	if (t->live && npids) {
		for (i = 0; i < t->n; i++) {
			if (!(t->v[i]->flags & PT_NEW))
				continue;
			sel[nsel++] = (unsigned)t->v[i]->p.pid;
			if (nsel == PT_LP2_MAX) {
				pt_identity_libproc2(t, sel, nsel);
				nsel = 0;
			}
		}
		if (nsel)
			pt_identity_libproc2(t, sel, nsel);
	}
	if (ngone > 1)
		qsort(gone, ngone, sizeof(*gone), cmp_int);

	/* without it the walks run in the loop, one at a time */
	due = t->cfg.pss_every >= 0 ? malloc((t->n ? t->n : 1) * sizeof(*due)) : NULL;
	for (i = 0; i < t->n; i++) {
		struct pt_entry *e = t->v[i];
		const struct proc_fact *f;
		int ident = 0, refresh, watched, stat_due;

		e->p.fds_fresh = 0;
		if (e->flags & PT_WANTED) {
			if (e->flags & PT_NEW) {
				/* not returned by libproc2, or not the live /proc */
				if (pt_identity_files(t, e) < 0) {
					e->flags |= PT_NEW;	/* gone: dropped below */
					e->p.pid = -e->p.pid;
					continue;
				}
				e->flags &= ~(unsigned)PT_NEW;
				ident = 1;
			} else if (!(e->flags & PT_IDENTIFIED)) {
				ident = 1;	/* its identity came through libproc2 */
			}
			watched = npids > 0 || now < e->watch_until ||
				  (e->p.fd_soft > 0 && e->p.nfds >= e->p.fd_soft / 2);
			/* the fd count at its turn; stat (an exec, a new parent)
			 * with the identity's, or at once for the watched and
			 * for the children of processes that exited; in batch
			 * mode (refresh_every 0) both every update */
			refresh = !ident && (watched || now >= e->next_refresh);
			stat_due = !ident && (watched || now >= e->next_identity ||
					      t->cfg.refresh_every == 0 ||
					      (ngone && bsearch(&e->p.ppid, gone, ngone,
								sizeof(*gone), cmp_int)));
			if (stat_due) {
				char comm[64];
				int32_t ppid;
				uint64_t start;

				if (pt_read_stat(t, e->p.pid, comm, sizeof(comm), &ppid,
						 &start) < 0) {
					e->p.pid = -e->p.pid;	/* gone: dropped below */
					continue;
				}
				if (start != e->p.start_ticks) {
					/* reused between the listing and now */
					int pid = e->p.pid;

					pt_entry_clear(e);
					pt_entry_init(t, e, pid, e->ino, now);
					e->flags |= PT_WANTED;
					if (pt_identity_files(t, e) < 0) {
						e->p.pid = -e->p.pid;
						continue;
					}
					e->flags &= ~(unsigned)PT_NEW;
					ident = 1;
				} else {
					e->p.ppid = ppid;
					if (strcmp(comm, e->p.comm)) {
						/* an exec: a new program in the same process */
						memcpy(e->p.comm, comm, sizeof(e->p.comm));
						pt_read_cmdline(t, e);
						ident = 1;
					}
				}
			}
			if (!ident && now >= e->next_identity) {
				pt_read_cmdline(t, e);
				ident = 1;
			}
			if (ident) {
				pt_identity_rest(t, e, now, &uc);
			} else if (refresh) {
				if (watched)
					pt_read_limits(t, e);
				pt_read_fds(t, e, now);
			}
			if (refresh || ident)
				e->next_refresh = now + t->cfg.refresh_every *
					(t->first_done ? 1 : pid_share(e->p.pid));
			/* where it is now: the facts' of this update only */
			f = pt_fact(t, e);
			e->p.cgroup_id = f ? f->cgroup_id : 0;
		}
		if (t->cfg.pss_every >= 0 && now >= e->next_pss) {
			if (due)
				due[ndue++] = e;
			else
				pt_read_pss(t, e, now);
		}
		if (e->flags & PT_WANTED)
			nwanted++;
	}
	pt_read_pss_all(t, due, ndue, now);
	for (i = 0; i < t->n; i++) {
		struct pt_entry *e = t->v[i];

		if (e->p.pid < 0)
			continue;
		if (e->pss_time > 0)
			e->p.pss_age = now - e->pss_time;
		if (e->flags & PT_PSS_HIDDEN)
			e->p.hidden |= PROC_HIDDEN_PSS;
		else
			e->p.hidden &= ~(unsigned)PROC_HIDDEN_PSS;
	}
	/* drop the entries that vanished while being read */
	for (i = 0, k = 0; i < t->n; i++) {
		if (t->v[i]->p.pid < 0) {
			pt_entry_free(t->v[i]);
			continue;
		}
		if (k != i)
			t->v[k] = t->v[i];
		k++;
	}
	t->n = k;
	t->first_done = 1;
	if (!out) {
		r = 0;
		goto out;
	}

	out->v = malloc((nwanted ? nwanted : 1) * sizeof(*out->v));
	if (!out->v) {
		r = lt_err_set(err, ENOMEM, "out of memory");
		goto out;
	}
	out->cap = nwanted ? nwanted : 1;
	/* the cmdlines in one block: thousands of small strings made and
	 * freed every sample cost more than copying them */
	for (i = 0, k = 0; i < t->n; i++) {
		struct pt_entry *e = t->v[i];

		if (!(e->flags & PT_WANTED) || !e->p.cmdline)
			continue;
		if (!e->cmdsize)
			e->cmdsize = strlen(e->p.cmdline) + 1;
		k += e->cmdsize;
	}
	out->strings = malloc(k ? k : 1);
	if (!out->strings) {
		procs_list_free(out);
		r = lt_err_set(err, ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0, k = 0; i < t->n; i++) {
		struct proc_info *p;

		if (!(t->v[i]->flags & PT_WANTED))
			continue;
		p = &out->v[out->n];
		*p = t->v[i]->p;
		p->cmdline = NULL;
		if (t->v[i]->p.cmdline) {
			p->cmdline = out->strings + k;
			memcpy(p->cmdline, t->v[i]->p.cmdline, t->v[i]->cmdsize);
			k += t->v[i]->cmdsize;
		}
		/* the census and the history fill these afresh each sample */
		p->nsockets = p->ghosts = p->ghosts_known = 0;
		p->oldest_ghost_age = 0;
		p->ghosts_settled = 0;
		p->queued = 0;
		p->fd_growth_per_hour = p->ghost_growth_per_hour = 0;
		p->growth_known = 0;
		p->fd_increase = 0;
		p->growth_span_s = 0;
		p->exhaustion_s = -1;
		p->hidden &= (unsigned)(PROC_HIDDEN_FDS | PROC_HIDDEN_PSS | PROC_HIDDEN_LIMITS);
		out->n++;
	}
	r = 0;
out:
	t->facts = NULL;	/* this update's only */
	free(l);
	free(nv);
	free(gone);
	free(sel);
	free(due);
	return r;
}

void procs_table_pss(const struct procs_table *t, struct meminfo_pss *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < t->n; i++) {
		const struct pt_entry *e = t->v[i];

		if (e->flags & PT_PSS_HIDDEN) {
			out->hidden++;
			continue;
		}
		if (e->pss_time <= 0)
			continue;
		out->pss += e->p.pss;
		out->anon += e->pss_anon;
		out->file += e->pss_file;
		out->shmem += e->pss_shmem;
		out->procs++;
		if (out->time == 0 || e->pss_time < out->time)
			out->time = e->pss_time;
	}
}

int procs_scan(const char *procroot, const int *pids, size_t npids,
	       struct proc_list *out, struct lt_err *err)
{
	struct procs_table_config cfg = { .pss_every = -1 };
	struct procs_table *t = procs_table_new(procroot, &cfg);
	struct timeval tv;
	int r;

	memset(out, 0, sizeof(*out));
	if (!t)
		return lt_err_set(err, errno, "cannot list %s: %s", procroot, strerror(errno));
	gettimeofday(&tv, NULL);
	r = procs_table_update(t, (double)tv.tv_sec + tv.tv_usec / 1e6, pids, npids, out, err);
	procs_table_free(t);
	return r;
}

void procs_list_free(struct proc_list *l)
{
	size_t i;

	if (!l)
		return;
	if (l->strings)
		free(l->strings);
	else
		for (i = 0; i < l->n; i++)
			free(l->v[i].cmdline);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int cmp_pid(const void *a, const void *b)
{
	const struct proc_info *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

const struct proc_info *procs_find(const struct proc_list *l, int pid)
{
	struct proc_info key;

	if (!l->n)
		return NULL;
	key.pid = pid;
	return bsearch(&key, l->v, l->n, sizeof(*l->v), cmp_pid);
}

int procs_pid_exists(const char *procroot, int pid)
{
	char path[4096];
	struct stat st;

	if (!strcmp(procroot, "/proc"))
		return kill(pid, 0) == 0 || errno != ESRCH;
	snprintf(path, sizeof(path), "%s/%d", procroot, pid);
	return stat(path, &st) == 0;
}
