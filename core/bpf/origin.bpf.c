// SPDX-License-Identifier: GPL-2.0
/*
 * leaktop's origin tracer, loaded by core/origin.c: where the sockets of a
 * watched process are created.  One attach point, the raw tracepoint at
 * every system call's exit (tp_btf/sys_exit), covers the four that give
 * user space a new socket fd: socket(), socketpair(), accept() and
 * accept4(); any other system call costs one comparison.  fexit on
 * sock_alloc_file, which all four reach, would touch only them, but
 * kernels that refuse BPF trampolines (EPERM: the machine leaktop was
 * built on is one) still run raw tracepoint programs, and the per-syscall
 * tracepoints need tracefs mounted to be attached.
 *
 * For a process in the watched map (user space fills it) whose token
 * bucket allows, the handler looks the new fd up in the task's fd table
 * and writes the socket inode, the user registers and up to
 * ORIGIN_STACK_MAX bytes of the user stack to the ring buffer; user space
 * unwinds them, and forgets a socket when the census no longer sees it.
 *
 * Nothing is pinned: the programs live on leaktop's fds and go with it.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#define SOCKFS_MAGIC	0x534F434B
#define PF_KTHREAD	0x00200000
#include "origin_rec.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ORIGIN_MAX_WATCHED);
	__type(key, __u32);
	__type(value, struct origin_watch);
} watched SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} events SEC(".maps");

/* one event is too big for the BPF stack: built here, then copied out
 * with only the stack bytes that were read */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct origin_rec);
} scratch SEC(".maps");

struct origin_totals origin_stats = { 0 };

/* Take one token from w's bucket: 1 allowed, 0 refused.  Two CPUs may
 * race on one bucket; the rate is then a little off, never unbounded. */
static int bucket_take(struct origin_watch *w, __u64 now)
{
	__u64 t = w->tokens;
	__u64 max = (__u64)ORIGIN_BURST * 1000000000ULL;

	if (now > w->last_ns)
		t += (now - w->last_ns) * ORIGIN_RATE;
	if (t > max)
		t = max;
	w->last_ns = now;
	if (t < 1000000000ULL) {
		w->tokens = t;
		return 0;
	}
	w->tokens = t - 1000000000ULL;
	return 1;
}

static void copy_regs(struct origin_rec *e, struct pt_regs *r)
{
	e->regs[0] = BPF_CORE_READ(r, ax);
	e->regs[1] = BPF_CORE_READ(r, dx);
	e->regs[2] = BPF_CORE_READ(r, cx);
	e->regs[3] = BPF_CORE_READ(r, bx);
	e->regs[4] = BPF_CORE_READ(r, si);
	e->regs[5] = BPF_CORE_READ(r, di);
	e->regs[6] = BPF_CORE_READ(r, bp);
	e->regs[7] = BPF_CORE_READ(r, sp);
	e->regs[8] = BPF_CORE_READ(r, r8);
	e->regs[9] = BPF_CORE_READ(r, r9);
	e->regs[10] = BPF_CORE_READ(r, r10);
	e->regs[11] = BPF_CORE_READ(r, r11);
	e->regs[12] = BPF_CORE_READ(r, r12);
	e->regs[13] = BPF_CORE_READ(r, r13);
	e->regs[14] = BPF_CORE_READ(r, r14);
	e->regs[15] = BPF_CORE_READ(r, r15);
	e->regs[16] = BPF_CORE_READ(r, ip);
	e->syscall = BPF_CORE_READ(r, orig_ax);
}

/* The inode of fd of the current task if it is a socket, else 0. */
static __u64 sock_inode(struct task_struct *task, long fd)
{
	struct file **fds, *file;
	struct fdtable *fdt;
	struct inode *ino;

	if (fd < 0)
		return 0;
	fdt = BPF_CORE_READ(task, files, fdt);
	if (!fdt || (unsigned long)fd >= BPF_CORE_READ(fdt, max_fds))
		return 0;
	fds = BPF_CORE_READ(fdt, fd);
	if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]) < 0 || !file)
		return 0;
	ino = BPF_CORE_READ(file, f_inode);
	if (!ino || BPF_CORE_READ(ino, i_sb, s_magic) != SOCKFS_MAGIC)
		return 0;
	return BPF_CORE_READ(ino, i_ino);
}

/* The exit of a system call that made the socket fd ret (socketpair: two,
 * in the user's array). */
static int on_new_socket(long ret, int pair)
{
	__u64 id = bpf_get_current_pid_tgid(), now, sp, n0, len, sz;
	__u32 tgid = id >> 32, zero = 0;
	struct task_struct *task;
	struct origin_watch *w;
	struct origin_rec *e;
	struct pt_regs *regs;
	int fds[2] = { -1, -1 };

	w = bpf_map_lookup_elem(&watched, &tgid);
	if (!w || ret < 0)
		return 0;
	task = bpf_get_current_task_btf();
	if (task->flags & PF_KTHREAD)
		return 0;
	now = bpf_ktime_get_ns();
	if (!bucket_take(w, now)) {
		__sync_fetch_and_add(&w->limited, 1);
		__sync_fetch_and_add(&origin_stats.limited, 1);
		return 0;
	}
	e = bpf_map_lookup_elem(&scratch, &zero);
	if (!e)
		return 0;
	regs = (struct pt_regs *)bpf_task_pt_regs(task);
	copy_regs(e, regs);
	if (pair) {
		/* socketpair(family, type, protocol, sv): sv is the fourth
		 * argument, r10 at the system call */
		if (bpf_probe_read_user(fds, sizeof(fds), (void *)BPF_CORE_READ(regs, r10)) < 0)
			return 0;
		e->inode = sock_inode(task, fds[0]);
		e->inode2 = sock_inode(task, fds[1]);
	} else {
		e->inode = sock_inode(task, ret);
		e->inode2 = 0;
	}
	if (!e->inode)
		return 0;
	e->type = ORIGIN_REC_NEW;
	e->tgid = tgid;
	e->pid = (__u32)id;
	e->time_ns = now;
	/* the stack up to the end of sp's page, then the next page: a read
	 * that crosses into an unmapped page would fail whole */
	sp = e->regs[7];
	n0 = 4096 - (sp & 4095);
	if (n0 > 4096)
		n0 = 4096;
	len = 0;
	if (bpf_probe_read_user(e->stack, n0, (void *)sp) == 0) {
		len = n0;
		if (bpf_probe_read_user(e->stack + n0, 4096, (void *)(sp + n0)) == 0)
			len = n0 + 4096;
	} else {
		__sync_fetch_and_add(&origin_stats.short_stack, 1);
	}
	if (len > ORIGIN_STACK_MAX)
		len = ORIGIN_STACK_MAX;
	e->stack_len = len;
	sz = ORIGIN_REC_HDR_SIZE + len;
	if (sz > sizeof(*e))
		sz = sizeof(*e);
	if (bpf_ringbuf_output(&events, e, sz, 0) < 0) {
		__sync_fetch_and_add(&origin_stats.lost, 1);
		return 0;
	}
	__sync_fetch_and_add(&w->sent, 1);
	__sync_fetch_and_add(&origin_stats.events, 1);
	return 0;
}

/* x86_64 system call numbers */
#define NR_socket	41
#define NR_accept	43
#define NR_socketpair	53
#define NR_accept4	288

SEC("tp_btf/sys_exit")
int BPF_PROG(origin_sys_exit, struct pt_regs *regs, long ret)
{
	long nr = regs->orig_ax;

	if (nr != NR_socket && nr != NR_accept && nr != NR_accept4 && nr != NR_socketpair)
		return 0;
	return on_new_socket(ret, nr == NR_socketpair);
}
