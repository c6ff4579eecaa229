/*
 * Processes from the task iterator (include/leaktop/ltbpf_tasks.h): its
 * records turned into the facts a process table takes instead of reading
 * stat, /proc/PID, limits and ns/net of each process.
 */
#include <errno.h>
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "leaktop/ltbpf_owners.h"
#include "leaktop/ltbpf_tasks.h"
#include "bpf/ltbpf_rec.h"
#include "alloc_hook.h"

#define NSEC_PER_SEC 1000000000ull

struct tasks_parse {
	struct proc_facts *out;
	long hz;
	uint32_t reader;
	int failed;
	struct lt_err *err;
};

/* As the kernel's nsec_to_clock_t() gives field 22 of stat. */
static uint64_t ns_to_ticks(uint64_t ns, long hz)
{
	if (hz > 0 && NSEC_PER_SEC % (uint64_t)hz == 0)
		return ns / (NSEC_PER_SEC / (uint64_t)hz);
	return (uint64_t)((long double)ns * hz / NSEC_PER_SEC);
}

static int64_t limit(__u64 v)
{
	return v == ~(__u64)0 || v > INT64_MAX ? -1 : (int64_t)v;
}

static int feed(void *arg, const void *buf, size_t len)
{
	struct tasks_parse *ps = arg;
	struct proc_facts *out = ps->out;
	const unsigned char *p = buf;
	size_t nrec = len / sizeof(struct ltbpf_task_rec), i;

	if (len % sizeof(struct ltbpf_task_rec)) {
		ps->failed = 1;
		return lt_err_set(ps->err, EBADMSG, "task iterator: a record cut short "
				  "(%zu bytes)", len);
	}
	if (out->cap - out->n < nrec) {
		size_t cap = out->cap ? out->cap : 1024;
		struct proc_fact *v;

		while (cap - out->n < nrec)
			cap *= 2;
		v = realloc(out->v, cap * sizeof(*v));
		if (!v) {
			ps->failed = 1;
			return lt_err_set(ps->err, ENOMEM, "out of memory reading the task iterator");
		}
		out->v = v;
		out->cap = cap;
	}
	for (i = 0; i < nrec; i++) {
		struct ltbpf_task_rec rec;
		struct proc_fact *f;

		memcpy(&rec, p + i * sizeof(rec), sizeof(rec));
		if (rec.flags & LTBPF_TASK_HEADER) {
			if (!ps->reader)
				ps->reader = rec.ppid;
			continue;
		}
		if (rec.pid == 0 || rec.pid > INT32_MAX)
			continue;
		f = &out->v[out->n++];
		memset(f, 0, sizeof(*f));
		f->pid = (int32_t)rec.pid;
		f->ppid = rec.ppid > INT32_MAX ? 0 : (int32_t)rec.ppid;
		f->uid = rec.uid;
		f->kthread = !!(rec.flags & LTBPF_TASK_KTHREAD);
		f->start_ticks = ns_to_ticks(rec.start_ns, ps->hz);
		f->netns = rec.netns;
		f->cgroup_id = rec.cgroup_id;
		if (rec.flags & LTBPF_TASK_LIMITS) {
			f->have_limits = 1;
			f->fd_soft = limit(rec.nofile_cur);
			f->fd_hard = limit(rec.nofile_max);
		}
		memcpy(f->comm, rec.comm, sizeof(f->comm) - 1);
		f->comm[sizeof(f->comm) - 1] = '\0';
	}
	return 0;
}

int ltbpf_tasks_parse(const void *buf, size_t len, long hz, uint32_t *reader,
		      struct proc_facts *out, struct lt_err *err)
{
	struct tasks_parse ps = { .out = out, .hz = hz, .err = err };
	int r = feed(&ps, buf, len);

	*reader = ps.reader;
	return r;
}

static int cmp_fact(const void *a, const void *b)
{
	const struct proc_fact *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* leaktop's start ticks in /proc/self/stat; 0 when unread. */
static uint64_t self_start(void)
{
	char buf[2048], comm[64];
	uint64_t start = 0;
	int32_t ppid;
	size_t n;
	FILE *f = fopen("/proc/self/stat", "re");

	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	if (procs_parse_stat(buf, n, comm, sizeof(comm), &ppid, &start, NULL) < 0)
		return 0;
	return start;
}

int ltbpf_tasks_read(struct ltbpf *b, struct proc_facts *out, struct lt_err *err)
{
	struct tasks_parse ps = { .out = out, .err = err };
	const struct proc_fact *me;
	size_t i;
	int r;

	out->n = 0;
	ps.hz = sysconf(_SC_CLK_TCK);
	r = ltbpf_iter_each(b, LTBPF_ITER_TASK, sizeof(struct ltbpf_task_rec), feed, &ps);
	if (r < 0) {
		if (r == -EINVAL && !ps.failed)	/* no link: the kernel refused it */
			lt_err_set(err, EOPNOTSUPP, "the kernel refused the task iterator");
		else if (!ps.failed)
			lt_err_set(err, -r, "reading the task iterator: %s", strerror(-r));
		out->n = 0;
		return r;
	}
	for (i = 1; i < out->n; i++)
		if (out->v[i - 1].pid >= out->v[i].pid)
			break;
	if (i < out->n)		/* in pid order from the kernel: never seen */
		qsort(out->v, out->n, sizeof(*out->v), cmp_fact);
	me = proc_facts_find(out, getpid());
	if (!ps.reader || (int)ps.reader != getpid() || ltbpf_procfs_pid() != getpid() || !me ||
	    me->start_ticks != self_start()) {
		out->n = 0;
		return lt_err_set(err, EXDEV, "the task iterator's processes are not /proc's "
				  "(another pid or time namespace)");
	}
	return 0;
}
