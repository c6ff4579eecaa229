/*
 * The records leaktop's BPF iterators write and core/ltbpf_owners.c reads:
 * one layout shared by the program (built by clang -target bpf against
 * vmlinux.h) and user space (built against <linux/types.h>), so the two
 * cannot drift.  Fixed-size records in the host's byte order.
 */
#ifndef LEAKTOP_LTBPF_REC_H
#define LEAKTOP_LTBPF_REC_H

/* The magic of sockfs's superblock: a file whose inode lives there is a
 * socket, and "socket:[INODE]" is what /proc/PID/fd shows for it. */
#define LTBPF_SOCKFS_MAGIC	0x534F434B

/*
 * iter/task_file: one record per open fd of every process (thread group
 * leader) the iterator sees.  inode is the socket inode, 0 for any other
 * file: the records of a pid also give its fd count.  The first record of
 * a read is a header: pid 0, fd LTBPF_FD_HEADER, inode the reader's pid as
 * the kernel's first pid namespace numbers it.
 */
#define LTBPF_FD_HEADER		(-1)

struct ltbpf_fd_rec {
	__u32 pid;
	__s32 fd;
	__u64 inode;
};

/*
 * iter/task: one record per process (thread group leader) the iterator
 * sees, in pid order: what /proc/PID/stat (ppid, start as boot-time ns;
 * comm but for kernel threads, whose stat name the kernel makes up),
 * /proc/PID's owner (the euid), RLIMIT_NOFILE and ns/net give.  The first
 * record of a read is a header: flags LTBPF_TASK_HEADER, ppid the reader's
 * pid as the kernel's first pid namespace numbers it.
 */
#define LTBPF_TASK_HEADER	0x01
#define LTBPF_TASK_KTHREAD	0x02	/* comm is not what stat shows */
#define LTBPF_TASK_LIMITS	0x04	/* nofile_* valid */

struct ltbpf_task_rec {
	__u32 pid;
	__u32 ppid;
	__u32 uid;		/* euid */
	__u32 flags;		/* LTBPF_TASK_* */
	__u64 start_ns;		/* start_boottime */
	__u64 netns;		/* inode of its network namespace, 0 none */
	__u64 cgroup_id;	/* its cgroup2 id, 0 none */
	__u64 nofile_cur, nofile_max;	/* RLIM_INFINITY: ~0 */
	char comm[16];
};

/*
 * iter/tcp and iter/udp (core/bpf/socks.bpf.c): one record per socket of
 * the namespace the iterator was created in, with what inet_diag gives for
 * it (core/ltbpf_socks.c turns it into a struct ltsock as sockdiag.c's
 * parser does).  Addresses in network order as the kernel keeps them,
 * ports in host order.  A timewait or request socket (full 0) has no
 * memory figures, uid or inode, as inet_diag gives none for it.
 */
enum {
	LTBPF_MEM_RMEM_ALLOC, LTBPF_MEM_RCVBUF, LTBPF_MEM_WMEM_ALLOC, LTBPF_MEM_SNDBUF,
	LTBPF_MEM_FWD_ALLOC, LTBPF_MEM_WMEM_QUEUED, LTBPF_MEM_OPTMEM, LTBPF_MEM_BACKLOG,
	LTBPF_MEM_DROPS, LTBPF_MEM_VARS
};

struct ltbpf_sock_rec {
	__u64 inode;
	__u64 cookie;
	__u64 cgroup_id;	/* the cgroup2 id of its creator, 0 none */
	__u8 laddr[16], raddr[16];	/* IPv4 in the first 4 bytes */
	__u16 lport, rport;
	__u8 family;		/* AF_INET, AF_INET6 */
	__u8 state;		/* TCP_* (a timewait socket's substate) */
	__u8 full;		/* 1: a full socket, mem[] valid */
	__u8 pad;
	__u32 uid;
	__u32 rqueue, wqueue;
	__u32 mem[LTBPF_MEM_VARS];	/* SK_MEMINFO_* order */
	__u32 pad2;
};

#endif
