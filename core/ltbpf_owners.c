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

int ltbpf_owners_parse(const void *buf, size_t len, const struct proc_list *known,
		       uint32_t *reader, struct fd_census *out, struct lt_err *err)
{
	const unsigned char *p = buf;
	size_t nrec = len / sizeof(struct ltbpf_fd_rec), i, nsock = 0, k;
	struct counts *cnt = NULL;
	const struct proc_info *last = NULL;
	uint32_t last_pid = 0;
	int r = 0;

	memset(out, 0, sizeof(*out));
	*reader = 0;
	if (len % sizeof(struct ltbpf_fd_rec))
		return lt_err_set(err, EBADMSG, "task_file iterator: a record cut short "
				  "(%zu bytes)", len);
	if (nrec) {
		struct ltbpf_fd_rec h;

		memcpy(&h, p, sizeof(h));
		if (h.pid == 0 && h.fd == LTBPF_FD_HEADER)
			*reader = (uint32_t)h.inode;
	}
	if (!*reader)
		return lt_err_set(err, EBADMSG, "task_file iterator: no header record");
	for (i = 1; i < nrec; i++) {
		struct ltbpf_fd_rec rec;

		memcpy(&rec, p + i * sizeof(rec), sizeof(rec));
		nsock += rec.inode != 0;
	}
	cnt = calloc(known->n ? known->n : 1, sizeof(*cnt));
	out->owners = malloc((nsock ? nsock : 1) * sizeof(*out->owners));
	out->procs = malloc((known->n ? known->n : 1) * sizeof(*out->procs));
	if (!cnt || !out->owners || !out->procs) {
		r = lt_err_set(err, ENOMEM, "out of memory reading the task iterator");
		goto out;
	}
	out->capowners = nsock ? nsock : 1;
	out->capprocs = known->n ? known->n : 1;
	for (i = 1; i < nrec; i++) {
		struct ltbpf_fd_rec rec;
		struct fd_owner *o;

		memcpy(&rec, p + i * sizeof(rec), sizeof(rec));
		if (rec.pid == 0 || rec.pid > INT32_MAX || rec.fd < 0)
			continue;	/* another header: a later read's, ignored */
		/* records come grouped by process */
		if (rec.pid != last_pid) {
			last_pid = rec.pid;
			last = procs_find(known, (int)rec.pid);
		}
		if (!last)
			continue;
		k = (size_t)(last - known->v);
		cnt[k].nfds++;
		if (!rec.inode)
			continue;
		cnt[k].nsockets++;
		o = &out->owners[out->nowners++];
		o->inode = rec.inode;
		o->pid = (int32_t)rec.pid;
		o->fd = rec.fd;
	}
	for (k = 0; k < known->n; k++) {
		struct fd_proc *fp = &out->procs[out->nprocs++];

		memset(fp, 0, sizeof(*fp));
		fp->pid = known->v[k].pid;
		fp->nfds = cnt[k].nfds;
		fp->nsockets = cnt[k].nsockets;
		snprintf(fp->comm, sizeof(fp->comm), "%s", known->v[k].comm);
	}
	fdtable_census_sort(out);
out:
	free(cnt);
	return r;
}

/* The pid the live procfs gives leaktop, or 0. */
static int procfs_self(void)
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
	if (r == -EOPNOTSUPP)
		r = ltbpf_iter_read(b, LTBPF_ITER_TASK_FILE, &buf, &len);
	if (r < 0)
		return lt_err_set(err, -r, "reading the task_file iterator: %s", strerror(-r));
	r = ltbpf_owners_parse(buf, len, known, &reader, out, err);
	if (r < 0)
		return r;
	if ((int)reader != getpid() || procfs_self() != getpid()) {
		fdtable_census_free(out);
		return lt_err_set(err, EXDEV, "the task iterator's pids are not /proc's "
				  "(leaktop runs in another pid namespace)");
	}
	return 0;
}
