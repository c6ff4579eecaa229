/*
 * The records of leaktop's origin tracer (core/bpf/origin.bpf.c), read by
 * core/origin.c: one layout shared by the program (clang -target bpf,
 * vmlinux.h) and user space (<linux/types.h>), in the host's byte order.
 */
#ifndef LEAKTOP_ORIGIN_REC_H
#define LEAKTOP_ORIGIN_REC_H

/* The user stack copied at each event, at most (from the stack pointer up). */
#define ORIGIN_STACK_MAX	8192
/* The user registers kept, in x86_64 DWARF numbering: rax rdx rcx rbx rsi
 * rdi rbp rsp r8..r15, then 16 the return address column (rip). */
#define ORIGIN_NREGS		17
/* Per watched process: events a second, and the burst allowed. */
#define ORIGIN_RATE		100
#define ORIGIN_BURST		200
/* The watched processes at most. */
#define ORIGIN_MAX_WATCHED	256

enum origin_rec_type {
	ORIGIN_REC_NEW = 1,	/* a new socket fd: struct origin_rec */
};

/* The watched map's value: the token bucket of one process (tokens in
 * nanoseconds' worth: ORIGIN_RATE of them a second, 1e9 an event). */
struct origin_watch {
	__u64 last_ns;
	__u64 tokens;
	__u64 sent;		/* events written */
	__u64 limited;		/* events the bucket refused */
};

struct origin_rec {
	__u32 type;		/* ORIGIN_REC_NEW */
	__u32 tgid;		/* the process, as the first pid namespace numbers it */
	__u32 pid;		/* the thread */
	__u32 stack_len;	/* bytes of stack[] that were copied */
	__u64 inode;		/* the socket inode (sockfs), as /proc/PID/fd shows */
	__u64 inode2;		/* socketpair: the other one; else 0 */
	__u64 syscall;		/* orig_ax: the system call that made it */
	__u64 time_ns;		/* bpf_ktime_get_ns */
	__u64 regs[ORIGIN_NREGS];
	__u8 stack[ORIGIN_STACK_MAX];	/* from regs[7] (rsp) up */
};

#define ORIGIN_REC_HDR_SIZE	((unsigned long)&((struct origin_rec *)0)->stack)


/* Totals since the program was loaded, in its .bss (origin_stats). */
struct origin_totals {
	__u64 events;		/* written to the ring buffer */
	__u64 limited;		/* refused by a process's bucket */
	__u64 lost;		/* the ring buffer was full */
	__u64 short_stack;	/* the stack copy failed (no user stack) */
};

#endif
