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

#endif
