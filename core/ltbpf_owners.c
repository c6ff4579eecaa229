/*
 * Socket owners from the task_file iterator (include/leaktop/ltbpf_owners.h):
 * the records it writes, checked and turned into the census the /proc scan
 * gives, so everything downstream (ghosts, queued bytes per process, the
 * findings) is computed the same way whichever path ran.
 */
#include <errno.h>
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "leaktop/ltbpf_owners.h"
#include "leaktop/procs.h"
#include "bpf/ltbpf_rec.h"
#include "alloc_hook.h"

/* Per process of known: what the records said. */
struct counts {
	int32_t nfds, nsockets;
};

/*
 * The records parsed as they come (ltbpf_iter_each's pieces): no buffer the
 * size of the machine's fd tables (16 bytes an fd), the owners grown as
 * they are found.
 */
struct owners_parse {
	const struct proc_list *known;
	struct fd_census *out;
	struct counts *cnt;
	const struct proc_info *last;
	uint32_t last_pid;
	uint32_t reader;	/* from the header record; 0: none yet */
	int started;		/* the first record was seen */
	int failed;		/* err was set by the parse */
	struct lt_err *err;
};

static int parse_begin(struct owners_parse *ps, const struct proc_list *known,
		       uint32_t *reader, struct fd_census *out, struct lt_err *err)
{
	memset(ps, 0, sizeof(*ps));
	memset(out, 0, sizeof(*out));
	*reader = 0;
	ps->known = known;
	ps->out = out;
	ps->err = err;
	ps->cnt = calloc(known->n ? known->n : 1, sizeof(*ps->cnt));
	if (!ps->cnt)
		return lt_err_set(err, ENOMEM, "out of memory reading the task iterator");
	return 0;
}

static int owner_add(struct fd_census *out, const struct ltbpf_fd_rec *rec)
{
	struct fd_owner *o;

	if (out->nowners == out->capowners) {
		size_t cap = out->capowners ? out->capowners * 2 : 4096;
		struct fd_owner *v = realloc(out->owners, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		out->owners = v;
		out->capowners = cap;
	}
	o = &out->owners[out->nowners++];
	o->inode = rec->inode;
	o->pid = (int32_t)rec->pid;
	o->fd = rec->fd;
	return 0;
}

/* ltbpf_iter_each's each(): whole records. */
static int parse_feed(void *arg, const void *buf, size_t len)
{
	struct owners_parse *ps = arg;
	const unsigned char *p = buf;
	size_t nrec = len / sizeof(struct ltbpf_fd_rec), i = 0, k;

	if (len % sizeof(struct ltbpf_fd_rec)) {
		ps->failed = 1;
		return lt_err_set(ps->err, EBADMSG, "task_file iterator: a record cut short "
				  "(%zu bytes)", len);
	}
	if (!ps->started && nrec) {
		struct ltbpf_fd_rec h;

		memcpy(&h, p, sizeof(h));
		ps->started = 1;
		if (h.pid == 0 && h.fd == LTBPF_FD_HEADER)
			ps->reader = (uint32_t)h.inode;
		if (!ps->reader) {
			ps->failed = 1;
			return lt_err_set(ps->err, EBADMSG, "task_file iterator: no header record");
		}
		i = 1;
	}
	for (; i < nrec; i++) {
		struct ltbpf_fd_rec rec;

		memcpy(&rec, p + i * sizeof(rec), sizeof(rec));
		if (rec.pid == 0 || rec.pid > INT32_MAX || rec.fd < 0)
			continue;	/* another header: a later read's, ignored */
		/* records come grouped by process */
		if (rec.pid != ps->last_pid) {
			ps->last_pid = rec.pid;
			ps->last = procs_find(ps->known, (int)rec.pid);
		}
		if (!ps->last)
			continue;
		k = (size_t)(ps->last - ps->known->v);
		ps->cnt[k].nfds++;
		if (!rec.inode)
			continue;
		ps->cnt[k].nsockets++;
		if (owner_add(ps->out, &rec) < 0) {
			ps->failed = 1;
			return lt_err_set(ps->err, ENOMEM, "out of memory reading the task iterator");
		}
	}
	return 0;
}

/* The processes' entries, the sort; frees what the parse kept.  r is the
 * parse's result so far. */
static int parse_end(struct owners_parse *ps, int r, uint32_t *reader)
{
	struct fd_census *out = ps->out;
	size_t k;

	if (r == 0 && !ps->reader)
		r = lt_err_set(ps->err, EBADMSG, "task_file iterator: no header record");
	if (r == 0) {
		out->procs = malloc((ps->known->n ? ps->known->n : 1) * sizeof(*out->procs));
		if (!out->procs)
			r = lt_err_set(ps->err, ENOMEM, "out of memory reading the task iterator");
	}
	if (r == 0) {
		out->capprocs = ps->known->n ? ps->known->n : 1;
		for (k = 0; k < ps->known->n; k++) {
			struct fd_proc *fp = &out->procs[out->nprocs++];

			memset(fp, 0, sizeof(*fp));
			fp->pid = ps->known->v[k].pid;
			fp->nfds = ps->cnt[k].nfds;
			fp->nsockets = ps->cnt[k].nsockets;
			snprintf(fp->comm, sizeof(fp->comm), "%s", ps->known->v[k].comm);
		}
		fdtable_census_sort(out);
	}
	if (r < 0)
		fdtable_census_free(out);	/* nothing half made is left */
	*reader = ps->reader;
	free(ps->cnt);
	ps->cnt = NULL;
	return r;
}

int ltbpf_owners_parse(const void *buf, size_t len, const struct proc_list *known,
		       uint32_t *reader, struct fd_census *out, struct lt_err *err)
{
	struct owners_parse ps;
	int r = parse_begin(&ps, known, reader, out, err);

	if (r < 0)
		return r;
	return parse_end(&ps, parse_feed(&ps, buf, len), reader);
}

int ltbpf_procfs_pid(void)
{
	char link[32];
	ssize_t n = readlink("/proc/self", link, sizeof(link) - 1);

	if (n <= 0)
		return 0;
	link[n] = '\0';
	return atoi(link);
}

/* Read the iterator for known's processes only.  0, -EOPNOTSUPP (read
 * the whole machine instead), or -errno. */
static int read_known(struct ltbpf *b, const struct proc_list *known,
		      const void **buf, size_t *len)
{
	int *pids = malloc((known->n ? known->n : 1) * sizeof(*pids));
	size_t i;
	int r;

	if (!pids)
		return -ENOMEM;
	for (i = 0; i < known->n; i++)
		pids[i] = known->v[i].pid;
	r = ltbpf_iter_read_pids(b, LTBPF_ITER_TASK_FILE, pids, known->n, buf, len);
	free(pids);
	return r;
}

int ltbpf_owners_census(struct ltbpf *b, const struct proc_list *known, int by_pid,
			struct fd_census *out, struct lt_err *err)
{
	const void *buf;
	uint32_t reader;
	size_t len;
	int r = -EOPNOTSUPP;

	memset(out, 0, sizeof(*out));
	if (by_pid && known->n)
		r = read_known(b, known, &buf, &len);
	if (r == 0) {
		r = ltbpf_owners_parse(buf, len, known, &reader, out, err);
		if (r < 0)
			return r;
	} else if (r == -EOPNOTSUPP) {
		/* the whole machine, parsed as it is read */
		struct owners_parse ps;

		r = parse_begin(&ps, known, &reader, out, err);
		if (r < 0)
			return r;
		r = ltbpf_iter_each(b, LTBPF_ITER_TASK_FILE, sizeof(struct ltbpf_fd_rec),
				    parse_feed, &ps);
		if (r < 0 && !ps.failed)	/* the read's, not the parse's */
			lt_err_set(err, -r, "reading the task_file iterator: %s", strerror(-r));
		r = parse_end(&ps, r, &reader);
		if (r < 0)
			return r;
	} else {
		return lt_err_set(err, -r, "reading the task_file iterator: %s", strerror(-r));
	}
	if ((int)reader != getpid() || ltbpf_procfs_pid() != getpid()) {
		fdtable_census_free(out);
		return lt_err_set(err, EXDEV, "the task iterator's pids are not /proc's "
				  "(leaktop runs in another pid namespace)");
	}
	return 0;
}
