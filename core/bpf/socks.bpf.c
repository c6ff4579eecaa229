// SPDX-License-Identifier: GPL-2.0
/*
 * leaktop's socket iterators, loaded through core/ltbpf.c: the tcp and udp
 * sockets of one network namespace (the one current when the iterator's
 * fd is created) with what inet_diag gives for each, as fixed-size records
 * (struct ltbpf_sock_rec).  Kept apart from census.bpf.c so that a kernel
 * without these iterators still has the owner census.
 *
 * What each figure is follows inet_diag (net/ipv4/inet_diag.c,
 * tcp_diag.c, udp_diag.c and sk_get_meminfo), so that the two paths give
 * the same census: tests/bt_bpf.sh compares them socket by socket.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "ltbpf_rec.h"

char LICENSE[] SEC("license") = "GPL";

#define LT_AF_INET	2
#define LT_AF_INET6	10
#define LT_TCP_SYN_RECV	3
#define LT_TCP_LISTEN	10

/* Before Linux 6.18 the drops were one counter; later a socket may add
 * per-node counters. */
struct numa_drop_counters___lt {
	atomic_t drops0;
	atomic_t drops1;
} __attribute__((preserve_access_index));
struct sock___lt {
	struct numa_drop_counters___lt *sk_drop_counters;
	unsigned long sk_ino;
} __attribute__((preserve_access_index));

/* Family, ports and addresses, as inet_diag_msg_common_fill reads them
 * (full, timewait and request sockets alike). */
static __always_inline void take_common(struct ltbpf_sock_rec *r,
					const struct sock_common *skc)
{
	r->family = BPF_CORE_READ(skc, skc_family);
	r->lport = BPF_CORE_READ(skc, skc_num);
	r->rport = bpf_ntohs(BPF_CORE_READ(skc, skc_dport));
	if (r->family == LT_AF_INET6) {
		BPF_CORE_READ_INTO(&r->laddr, skc, skc_v6_rcv_saddr);
		BPF_CORE_READ_INTO(&r->raddr, skc, skc_v6_daddr);
	} else {
		BPF_CORE_READ_INTO((__u32 *)r->laddr, skc, skc_rcv_saddr);
		BPF_CORE_READ_INTO((__u32 *)r->raddr, skc, skc_daddr);
	}
}

/* The socket inode as sock_i_ino gives it: 0 without a struct socket. */
static __always_inline __u64 inode_of(struct sock *sk)
{
	struct sock___lt *x = (void *)sk;
	struct socket *so;

	if (bpf_core_field_exists(x->sk_ino))
		return BPF_CORE_READ(x, sk_ino);
	so = BPF_CORE_READ(sk, sk_socket);
	if (!so)
		return 0;
	return BPF_CORE_READ(container_of(so, struct socket_alloc, socket), vfs_inode.i_ino);
}

/* What a full socket alone has: uid, inode, cgroup, sk_get_meminfo. */
static __always_inline void take_full(struct ltbpf_sock_rec *r, struct sock *sk)
{
	struct sock___lt *x = (void *)sk;
	struct numa_drop_counters___lt *nd;
	__u32 drops;

	r->full = 1;
	r->state = BPF_CORE_READ(sk, __sk_common.skc_state);
	r->uid = BPF_CORE_READ(sk, sk_uid.val);
	r->inode = inode_of(sk);
	r->cgroup_id = BPF_CORE_READ(sk, sk_cgrp_data.cgroup, kn, id);
	r->mem[LTBPF_MEM_RMEM_ALLOC] = BPF_CORE_READ(sk, sk_backlog.rmem_alloc.counter);
	r->mem[LTBPF_MEM_RCVBUF] = BPF_CORE_READ(sk, sk_rcvbuf);
	r->mem[LTBPF_MEM_WMEM_ALLOC] = BPF_CORE_READ(sk, sk_wmem_alloc.refs.counter) - 1;
	r->mem[LTBPF_MEM_SNDBUF] = BPF_CORE_READ(sk, sk_sndbuf);
	r->mem[LTBPF_MEM_FWD_ALLOC] = BPF_CORE_READ(sk, sk_forward_alloc);
	r->mem[LTBPF_MEM_WMEM_QUEUED] = BPF_CORE_READ(sk, sk_wmem_queued);
	r->mem[LTBPF_MEM_OPTMEM] = BPF_CORE_READ(sk, sk_omem_alloc.counter);
	r->mem[LTBPF_MEM_BACKLOG] = BPF_CORE_READ(sk, sk_backlog.len);
	drops = BPF_CORE_READ(sk, sk_drops.counter);
	if (bpf_core_field_exists(x->sk_drop_counters)) {
		nd = BPF_CORE_READ(x, sk_drop_counters);
		if (nd)
			drops += BPF_CORE_READ(nd, drops0.counter) +
				 BPF_CORE_READ(nd, drops1.counter);
	}
	r->mem[LTBPF_MEM_DROPS] = drops;
}

SEC("iter/tcp")
int ltbpf_tcp(struct bpf_iter__tcp *ctx)
{
	struct sock_common *skc = ctx->sk_common;
	struct ltbpf_sock_rec r = { 0 };
	struct tcp_timewait_sock *tw;
	struct tcp_sock *tp;
	struct sock *sk;
	int rq;

	if (!skc)
		return 0;
	take_common(&r, skc);
	r.cookie = bpf_get_socket_cookie(skc);
	tp = bpf_skc_to_tcp_sock(skc);
	if (tp) {
		sk = (struct sock *)tp;
		take_full(&r, sk);
		if (r.state == LT_TCP_LISTEN) {
			r.rqueue = BPF_CORE_READ(sk, sk_ack_backlog);
			r.wqueue = BPF_CORE_READ(sk, sk_max_ack_backlog);
		} else {
			rq = (int)(BPF_CORE_READ(tp, rcv_nxt) - BPF_CORE_READ(tp, copied_seq));
			r.rqueue = rq > 0 ? rq : 0;
			r.wqueue = BPF_CORE_READ(tp, write_seq) - BPF_CORE_READ(tp, snd_una);
		}
	} else if ((tw = bpf_skc_to_tcp_timewait_sock(skc))) {
		r.state = BPF_CORE_READ(tw, tw_sk.tw_substate);
	} else {
		r.state = LT_TCP_SYN_RECV;	/* a request socket */
	}
	bpf_seq_write(ctx->meta->seq, &r, sizeof(r));
	return 0;
}

SEC("iter/udp")
int ltbpf_udp(struct bpf_iter__udp *ctx)
{
	struct udp_sock *up = ctx->udp_sk;
	struct ltbpf_sock_rec r = { 0 };
	struct sock *sk;

	if (!up)
		return 0;
	sk = (struct sock *)up;
	take_common(&r, &sk->__sk_common);
	r.cookie = bpf_get_socket_cookie(sk);
	take_full(&r, sk);
	r.rqueue = r.mem[LTBPF_MEM_RMEM_ALLOC] - BPF_CORE_READ(up, forward_deficit);
	r.wqueue = r.mem[LTBPF_MEM_WMEM_ALLOC];
	bpf_seq_write(ctx->meta->seq, &r, sizeof(r));
	return 0;
}
