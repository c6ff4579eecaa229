/*
 * Socket owners from the BPF task_file iterator: the same struct fd_census
 * the /proc scan (core/fdtable.c) fills, in one pass over every fd of the
 * machine instead of a readlink per fd.  Parsing is apart from the read,
 * so tests feed it made-up records (core/bpf/ltbpf_rec.h).
 */
#ifndef LEAKTOP_LTBPF_OWNERS_H
#define LEAKTOP_LTBPF_OWNERS_H

#include <stddef.h>
#include <stdint.h>
#include "leaktop/common.h"
#include "leaktop/fdtable.h"
#include "leaktop/ltbpf.h"

struct proc_list;

/*
 * Parse the iterator's records (buf, len bytes) into out, as
 * fdtable_census_known() over known would: an owner for every socket fd of
 * a process in known, an entry for every process of known (its fd and
 * socket-fd counts, 0 when the iterator saw no fd of it; its comm from
 * known).  A pid the iterator saw that known does not list (born since) is
 * left out.  *reader is the pid the header gives the reader, 0 when there
 * is no header.  0; -EBADMSG with err set when a record is cut short or
 * the header is missing; -ENOMEM.  out is sorted; the caller frees it with
 * fdtable_census_free() (also after a failure).
 */
int ltbpf_owners_parse(const void *buf, size_t len, const struct proc_list *known,
		       uint32_t *reader, struct fd_census *out, struct lt_err *err);

/*
 * The owner census through b's task iterator (ltbpf_census_ready() must
 * have said yes): of the whole machine, or with by_pid of known's
 * processes only, one iterator each (for -p; the whole machine where the
 * kernel cannot restrict the iterator).  The iterator numbers processes as the kernel's first
 * pid namespace does and sees only the reader's pid namespace, so its
 * answer is used only when those pids are the ones /proc (the live procfs)
 * shows: otherwise -EXDEV.  0, or -errno with err set: the caller takes
 * the /proc path (and, but for -ENOMEM, calls ltbpf_refuse()).
 */
int ltbpf_owners_census(struct ltbpf *b, const struct proc_list *known, int by_pid,
			struct fd_census *out, struct lt_err *err);

/* The pid the live procfs (/proc/self) gives leaktop, or 0: the iterators'
 * pids are used only when it is getpid(). */
int ltbpf_procfs_pid(void);

#endif
