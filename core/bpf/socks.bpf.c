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

/*
 * The pointers an iterator hands over are the kernel's own (BTF-typed), so
 * fields are read with plain loads, relocated by CO-RE (vmlinux.h marks
 * every struct preserve_access_index), not with a bpf_probe_read_kernel()
 * call per field: a few loads per socket instead of 25 helper calls.
 */

/* Family, ports and addresses, as inet_diag_msg_common_fill reads them
 * (full, timewait and request sockets alike). */
static __always_inline void take_common(struct ltbpf_sock_rec *r,
					const struct sock_common *skc)
{
	__u32 *l = (__u32 *)r->laddr, *d = (__u32 *)r->raddr;

	r->family = skc->skc_family;
	r->lport = skc->skc_num;
	r->rport = bpf_ntohs(skc->skc_dport);
	if (r->family == LT_AF_INET6) {
		l[0] = skc->skc_v6_rcv_saddr.in6_u.u6_addr32[0];
		l[1] = skc->skc_v6_rcv_saddr.in6_u.u6_addr32[1];
		l[2] = skc->skc_v6_rcv_saddr.in6_u.u6_addr32[2];
		l[3] = skc->skc_v6_rcv_saddr.in6_u.u6_addr32[3];
		d[0] = skc->skc_v6_daddr.in6_u.u6_addr32[0];
		d[1] = skc->skc_v6_daddr.in6_u.u6_addr32[1];
		d[2] = skc->skc_v6_daddr.in6_u.u6_addr32[2];
		d[3] = skc->skc_v6_daddr.in6_u.u6_addr32[3];
	} else {
		l[0] = skc->skc_rcv_saddr;
		d[0] = skc->skc_daddr;
	}
}

/* The socket inode as sock_i_ino gives it: 0 without a struct socket. */
static __always_inline __u64 inode_of(struct sock *sk)
{
	struct sock___lt *x = (void *)sk;
	struct socket *so;

	if (bpf_core_field_exists(x->sk_ino))
		return x->sk_ino;
	so = sk->sk_socket;
	if (!so)
		return 0;
	return container_of(so, struct socket_alloc, socket)->vfs_inode.i_ino;
}

/* What a full socket alone has: uid, inode, cgroup, sk_get_meminfo. */
static __always_inline void take_full(struct ltbpf_sock_rec *r, struct sock *sk)
{
	struct sock___lt *x = (void *)sk;
	struct numa_drop_counters___lt *nd;
	struct cgroup *cg;
	__u32 drops;

	r->full = 1;
	r->state = sk->__sk_common.skc_state;
	r->uid = sk->sk_uid.val;
	r->inode = inode_of(sk);
	cg = sk->sk_cgrp_data.cgroup;
	if (cg)
		r->cgroup_id = cg->kn->id;
	r->mem[LTBPF_MEM_RMEM_ALLOC] = sk->sk_backlog.rmem_alloc.counter;
	r->mem[LTBPF_MEM_RCVBUF] = sk->sk_rcvbuf;
	r->mem[LTBPF_MEM_WMEM_ALLOC] = sk->sk_wmem_alloc.refs.counter - 1;
	r->mem[LTBPF_MEM_SNDBUF] = sk->sk_sndbuf;
	r->mem[LTBPF_MEM_FWD_ALLOC] = sk->sk_forward_alloc;
	r->mem[LTBPF_MEM_WMEM_QUEUED] = sk->sk_wmem_queued;
	r->mem[LTBPF_MEM_OPTMEM] = sk->sk_omem_alloc.counter;
	r->mem[LTBPF_MEM_BACKLOG] = sk->sk_backlog.len;
	drops = sk->sk_drops.counter;
	if (bpf_core_field_exists(x->sk_drop_counters)) {
		nd = x->sk_drop_counters;
		if (nd)
			drops += nd->drops0.counter + nd->drops1.counter;
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
			r.rqueue = sk->sk_ack_backlog;
			r.wqueue = sk->sk_max_ack_backlog;
		} else {
			rq = (int)(tp->rcv_nxt - tp->copied_seq);
			r.rqueue = rq > 0 ? rq : 0;
			r.wqueue = tp->write_seq - tp->snd_una;
		}
	} else if ((tw = bpf_skc_to_tcp_timewait_sock(skc))) {
		r.state = tw->tw_sk.tw_substate;
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
	r.rqueue = r.mem[LTBPF_MEM_RMEM_ALLOC] - up->forward_deficit;
	r.wqueue = r.mem[LTBPF_MEM_WMEM_ALLOC];
	bpf_seq_write(ctx->meta->seq, &r, sizeof(r));
	return 0;
}
