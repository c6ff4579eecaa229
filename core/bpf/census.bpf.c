// SPDX-License-Identifier: GPL-2.0
/*
 * leaktop's census programs, loaded through core/ltbpf.c.  Each is an
 * iterator that writes fixed-size records (ltbpf_rec.h) into the seq_file a
 * read() in user space drains; none keeps state between two calls, so a
 * record the kernel shows again after a full buffer comes out the same.
 *
 * task_file: every open fd of every process, as (pid, fd, socket inode or
 * 0).  The iterator walks the pid namespace of the reader; pids are the
 * first namespace's, and the header record lets user space check that they
 * are also its own.
 *
 * task: every process (thread group leader), with what stat, /proc/PID's
 * owner, limits and ns/net give of it (core/ltbpf_tasks.c): one pass
 * instead of six syscalls a process.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "ltbpf_rec.h"

char LICENSE[] SEC("license") = "GPL";

SEC("iter/task_file")
int ltbpf_task_file(struct bpf_iter__task_file *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	struct ltbpf_fd_rec rec = { 0 };
	struct inode *ino;

	if (!task || !file)
		return 0;
	if (ctx->meta->seq_num == 0) {
		rec.pid = 0;
		rec.fd = LTBPF_FD_HEADER;
		rec.inode = bpf_get_current_pid_tgid() >> 32;
		bpf_seq_write(seq, &rec, sizeof(rec));
	}
	/* /proc/PID/fd is the leader's table; a thread that unshared its
	 * own is not listed there either */
	if (task->pid != task->tgid)
		return 0;
	rec.pid = task->tgid;
	rec.fd = (__s32)ctx->fd;
	rec.inode = 0;
	/* plain loads of the iterator's BTF pointers (CO-RE relocated), not
	 * a bpf_probe_read_kernel() call each: this runs for every fd */
	ino = file->f_inode;
	if (ino && ino->i_sb->s_magic == LTBPF_SOCKFS_MAGIC)
		rec.inode = ino->i_ino;
	bpf_seq_write(seq, &rec, sizeof(rec));
	return 0;
}

/* include/uapi/asm-generic/resource.h and include/linux/sched.h: neither
 * is in vmlinux.h, and neither has changed since Linux 2.6 */
#define LT_RLIMIT_NOFILE	7
#define LT_PF_KTHREAD		0x00200000

SEC("iter/task")
int ltbpf_task(struct bpf_iter__task *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;
	struct ltbpf_task_rec rec = { 0 };

	if (!task)
		return 0;
	if (ctx->meta->seq_num == 0) {
		rec.flags = LTBPF_TASK_HEADER;
		rec.ppid = bpf_get_current_pid_tgid() >> 32;
		bpf_seq_write(seq, &rec, sizeof(rec));
		rec.flags = 0;
		rec.ppid = 0;
	}
	if (task->pid != task->tgid)
		return 0;
	/*
	 * bpf_probe_read_kernel() through BPF_CORE_READ, not plain loads of
	 * the BTF pointers as task_file does: each plain load makes the
	 * verifier walk task_struct's type, and a chain of them cost 20 ms
	 * at every load of the program, more than a cold sample saves at a
	 * few hundred processes.  This runs once a process, not once an fd.
	 * A NULL link on the way (a zombie's nsproxy) reads as 0.
	 */
	rec.pid = task->tgid;
	rec.ppid = BPF_CORE_READ(task, real_parent, tgid);
	/* /proc/PID's owner: the objective euid (task_dump_owner) */
	rec.uid = BPF_CORE_READ(task, real_cred, euid.val);
	if (BPF_CORE_READ(task, flags) & LT_PF_KTHREAD)
		rec.flags |= LTBPF_TASK_KTHREAD;
	rec.start_ns = BPF_CORE_READ(task, start_boottime);
	rec.netns = BPF_CORE_READ(task, nsproxy, net_ns, ns.inum);
	rec.cgroup_id = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);
	if (BPF_CORE_READ(task, signal)) {
		rec.nofile_cur = BPF_CORE_READ(task, signal, rlim[LT_RLIMIT_NOFILE].rlim_cur);
		rec.nofile_max = BPF_CORE_READ(task, signal, rlim[LT_RLIMIT_NOFILE].rlim_max);
		rec.flags |= LTBPF_TASK_LIMITS;
	}
	BPF_CORE_READ_STR_INTO(&rec.comm, task, comm);
	bpf_seq_write(seq, &rec, sizeof(rec));
	return 0;
}
