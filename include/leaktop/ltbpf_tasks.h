/*
 * Processes from the BPF task iterator: what core/procs.c reads from
 * stat, /proc/PID's owner, limits and ns/net of each process (six
 * syscalls), for every process of the machine in one pass, as the facts a
 * process table takes (struct proc_fact, include/leaktop/procs.h).
 * Parsing is apart from the read, so tests feed it made-up records
 * (core/bpf/ltbpf_rec.h).
 */
#ifndef LEAKTOP_LTBPF_TASKS_H
#define LEAKTOP_LTBPF_TASKS_H

#include <stddef.h>
#include <stdint.h>
#include "leaktop/common.h"
#include "leaktop/ltbpf.h"
#include "leaktop/procs.h"

/*
 * Append the facts of the iterator's records (buf, len bytes: whole
 * records) to out; start ticks from boot-time ns at hz ticks a second.
 * The header record sets *reader (the reader's pid).  0; -EBADMSG with
 * err set when a record is cut short; -ENOMEM.
 */
int ltbpf_tasks_parse(const void *buf, size_t len, long hz, uint32_t *reader,
		      struct proc_facts *out, struct lt_err *err);

/*
 * Every process through b's task iterator (ltbpf_census_ready() said
 * yes), into out (emptied first, its memory kept), sorted by pid.  The
 * answer is used only when it is /proc's: the iterator's pids are the
 * ones /proc shows leaktop (-EXDEV otherwise: another pid namespace) and
 * its start ticks for leaktop itself are the ones /proc/self/stat gives
 * (-EXDEV otherwise: a time namespace).  0, or -errno with err set: the
 * caller reads the files.
 */
int ltbpf_tasks_read(struct ltbpf *b, struct proc_facts *out, struct lt_err *err);

#endif
