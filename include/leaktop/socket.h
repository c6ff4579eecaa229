/*
 * The socket model: one struct ltsock per socket seen in a sock_diag dump or
 * a /proc/net table, and a growable vector of them.
 *
 * Addresses are kept in binary and formatted on output, to keep the struct
 * small (a census holds hundreds of thousands); the figures are shared
 * between the sockets that hold the same (struct ltsock_mem).  A unix
 * socket's path is the one heap pointer a socket owns: it belongs to the
 * vector and is freed by ltsock_vec_free().
 */
#ifndef LEAKTOP_SOCKET_H
#define LEAKTOP_SOCKET_H

#include <stddef.h>
#include <stdint.h>

/* Where the figures of a socket came from. */
enum ltsock_source {
	LTSOCK_SRC_DIAG = 0,	/* NETLINK_SOCK_DIAG dump */
	LTSOCK_SRC_PROCNET = 1,	/* /proc/net/<table> fallback */
	LTSOCK_SRC_BPF = 2,	/* a BPF protocol iterator (core/ltbpf_socks.c) */
};

struct ltsock_addr {
	uint8_t addr[16];	/* IPv4 in the first 4 bytes, network order */
	uint16_t port;		/* host order */
};

/*
 * What a socket holds: its queues and the kernel's memory figures, with
 * the attributes many sockets have in common (uid, cgroup, interface).
 * Most sockets of a big machine hold nothing, and sockets that hold the
 * same share one block: a vector keeps each distinct block once (interned when
 * a socket is pushed, ltsock_vec_push), and a socket points at it.  A
 * socket's figures are read through s->m (never NULL in a vector; a socket
 * built on the stack points at its own block, or at ltsock_mem_zero).
 */
struct ltsock_mem {
	uint64_t cgroup_id;	/* inet: the cgroup2 id (its directory's inode)
				 * of the cgroup that created it, from
				 * INET_DIAG_CGROUP_ID; 0 unknown.  Not recorded */
	uint32_t uid;		/* the owner's, as the kernel reports it */
	uint32_t ifindex;	/* packet: bound interface, 0 = any */
	uint32_t recv_q;	/* bytes queued for reading (Recv-Q) */
	uint32_t send_q;
	uint32_t rmem;		/* SK_MEMINFO_RMEM_ALLOC: memory charged */
	uint32_t rcvbuf;	/* SK_MEMINFO_RCVBUF */
	uint32_t wmem;		/* SK_MEMINFO_WMEM_ALLOC */
	uint32_t sndbuf;	/* SK_MEMINFO_SNDBUF */
	uint32_t drops;		/* SK_MEMINFO_DROPS */
	uint32_t fwd_alloc;	/* SK_MEMINFO_FWD_ALLOC: charged, not yet used */
	uint32_t wmem_queued;	/* SK_MEMINFO_WMEM_QUEUED: send queue (tcp) */
	uint32_t optmem;	/* SK_MEMINFO_OPTMEM: filters, options */
	uint32_t backlog;	/* SK_MEMINFO_BACKLOG: waiting for the lock */
	uint32_t peer_q;	/* unix: bytes its connected senders queued at
				 * it (their wmem), LTSOCK_HAVE_PEERQ */
	uint16_t npeer_q;	/* unix: how many senders have bytes queued */
	uint16_t npeer_blocked;	/* unix: of those, how many the kernel makes
				 * wait (see ltsock_attribute_peers) */
	uint32_t zero;		/* always 0: no padding, blocks compare as bytes */
};

extern const struct ltsock_mem ltsock_mem_zero;

struct ltsock {
	uint64_t cookie;	/* socket cookie, 0 when the source has none */
	/* 32 bits, as the kernel numbers them: a socket's inode comes from
	 * sockfs's get_next_ino() and every sock_diag reply carries it in a
	 * __u32; a namespace's from the proc inode numbers (unsigned int).
	 * 8 bytes a socket less than two uint64_t. */
	uint32_t netns;		/* inode of the network namespace */
	uint32_t inode;		/* socket inode (0: unknown) */
	uint8_t family;		/* AF_INET, AF_INET6, AF_PACKET, AF_UNIX, AF_NETLINK */
	uint8_t type;		/* SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, SOCK_SEQPACKET */
	uint8_t state;		/* TCP_* numbering for inet and unix */
	uint8_t source;		/* enum ltsock_source */
	uint16_t protocol;	/* IPPROTO_* for inet (58 for a raw ICMPv6
				 * socket), ethertype in host order for packet,
				 * netlink protocol for netlink */
	uint16_t have;		/* LTSOCK_HAVE_* bits: which figures are real */
	struct ltsock_addr local, peer;
	const struct ltsock_mem *m;	/* what it holds (see above) */
	char *path;		/* unix: bound path (abstract: leading '@'), or NULL */
};

#define LTSOCK_HAVE_SKMEM	0x01	/* rmem, rcvbuf, wmem, sndbuf valid */
#define LTSOCK_HAVE_DROPS	0x02	/* drops valid */
#define LTSOCK_HAVE_QUEUE	0x04	/* recv_q / send_q valid */
#define LTSOCK_HAVE_PEER	0x08	/* peer valid */
#define LTSOCK_HAVE_SKMEM2	0x10	/* fwd_alloc, wmem_queued, optmem, backlog */
#define LTSOCK_HAVE_PEERQ	0x20	/* peer_q, npeer_q computed (unix) */

struct ltsock_blocks;

struct ltsock_vec {
	struct ltsock *v;
	size_t n, cap;
	/* the distinct struct ltsock_mem its sockets point at (socket.c);
	 * NULL until the first push */
	struct ltsock_blocks *blocks;
	/* NULL, or what the vector keeps of what is pushed: a socket keep()
	 * says 0 to is not added (a light sample's whole dump keeps only what
	 * can differ from the census, so its memory follows what moves) */
	int (*keep)(const struct ltsock *s, void *arg);
	void *keep_arg;
};

/* Append a copy of *s (s->path ownership moves to the vector, which frees
 * it at once when vec->keep refuses the socket); the copy points at the
 * vector's own block equal to *s->m (ltsock_mem_zero when s->m is NULL).
 * 0 or -ENOMEM.  A socket moves between vectors only this way: a plain
 * struct copy would point at the other vector's block. */
int ltsock_vec_push(struct ltsock_vec *vec, const struct ltsock *s);
/* Give vec->v[i] the figures *m (a copy kept in the vector's blocks; the
 * old block stays for the other sockets that share it).  0, or -ENOMEM
 * (then the socket keeps its figures). */
int ltsock_vec_set_mem(struct ltsock_vec *vec, size_t i, const struct ltsock_mem *m);
/* A vector that keeps changing (the census between light samples) leaves
 * blocks no socket points at any more: gather the used ones afresh when
 * the blocks have doubled since the last time (short of memory, later). */
void ltsock_vec_tidy(struct ltsock_vec *vec);
/* How many blocks the vector holds, used or not (the tests' view). */
size_t ltsock_vec_nblocks(const struct ltsock_vec *vec);
/* Free every path and block, keep the array: an empty vector to refill. */
void ltsock_vec_clear(struct ltsock_vec *vec);
/* Drop the later copies of a socket listed twice in [first, n) (same netns
 * and inode, inode != 0: netlink sockets bound to multicast groups come
 * once from the hash and again from the group list).  Order kept; returns
 * how many were dropped (0 also when memory is short). */
size_t ltsock_vec_dedup(struct ltsock_vec *vec, size_t first);
/* Free the array and every path; leaves an empty, reusable vector. */
void ltsock_vec_free(struct ltsock_vec *vec);

/* Sort idx[0..n) (indexes into vec) by inode ascending; equal inodes keep
 * their order.  A radix sort; a comparison sort when memory is short. */
void ltsock_sort_by_inode(const struct ltsock_vec *vec, uint32_t *idx, size_t n);
/* Sort key[0..n) (socket inodes) ascending, moving val[] along; stable.
 * 0, or -ENOMEM (then both are untouched).  Linear time, 8 bytes of
 * scratch an entry: for the big per-sample sorts. */
int ltsock_sort_u32(uint32_t *key, uint32_t *val, size_t n);

/*
 * The memory rules, one home for every family (doc/memory-accounting.md):
 *
 * ltsock_queued: the bytes waiting for this socket's reader.  The charged
 * receive memory (rmem) where the diag gives it, else Recv-Q; a unix
 * socket's senders carry its queue in their wmem, so for unix it is the
 * sum over its connected senders (peer_q) once ltsock_attribute_peers
 * ran; a listening socket's Recv-Q is a backlog count: 0.
 *
 * ltsock_send_held: the bytes waiting on the send side: the send queue
 * (wmem_queued, else Send-Q) of a stream; a unix socket's wmem sits at its
 * peer and counts there, so 0 here for a connected unix sender.
 *
 * ltsock_mem: what the socket pins in total, each byte once over all
 * sockets, as the kernel's protocol accounting charges it (sockstat's TCP
 * and UDP mem): rmem + max(wmem_queued, wmem) + fwd_alloc (a tcp socket's
 * in-flight clones are part of its queue; a unix sender keeps its wmem:
 * the kernel charges the data to it).  Without meminfo: Recv-Q + Send-Q.
 *
 * ltsock_outside_slab: of that, the bytes no meminfo line counts (measured
 * on 6.x, doc/memory-accounting.md): a stream's payload lives in page
 * fragments (tcp 98 %, unix stream 92 % of what is queued), a datagram's
 * in its kmalloc'd head, which is slab (large ones too: SUnreclaim).
 */
uint64_t ltsock_queued(const struct ltsock *s);
/* The socket holds no byte of any queue or charge (the quiet majority):
 * nothing received, sent, charged or peer-queued.  Such a socket's memory
 * figures are all zero, whatever its family. */
static inline int ltsock_holds_nothing(const struct ltsock *s)
{
	return !s->m->rmem && !s->m->recv_q && !s->m->send_q && !s->m->wmem && !s->m->wmem_queued &&
	       !s->m->fwd_alloc && !s->m->peer_q;
}
/* Recv-Q as the reader sees it: the kernel's Recv-Q, except a unix
 * reader's, which is the bytes its senders queued (a unix datagram
 * socket's Recv-Q is only its first datagram's length). */
uint64_t ltsock_recv_q(const struct ltsock *s);
uint64_t ltsock_send_held(const struct ltsock *s);
uint64_t ltsock_mem(const struct ltsock *s);
/* The bytes a socket ranks by in the census order (history_order_cmp):
 * what waits for its reader (ltsock_queued), and for an orphan everything
 * it still holds (ltsock_mem): no process will ever read or close it. */
uint64_t ltsock_rank_bytes(const struct ltsock *s);
/* How full the receive buffer is: rmem / rcvbuf (1 = full; a little more
 * is possible, the kernel checks before it charges), or -1 when the source
 * gave no meminfo. */
double ltsock_fill(const struct ltsock *s);
/* The same in percent (100 = full), or -1 without meminfo. */
double ltsock_fill_pct(const struct ltsock *s);
/* The receive side is full: rmem at 95 % of rcvbuf or more, or, for a unix
 * reader whose queue is charged to its senders, a sender waits for room
 * (npeer_blocked, from ltsock_attribute_peers). */
int ltsock_is_full(const struct ltsock *s);
/* The send side is full: what waits to be sent (ltsock_send_held) at 90 %
 * of sndbuf or more; 0 without meminfo. */
int ltsock_send_is_full(const struct ltsock *s);
/* Recv-Q counts bytes; a listening socket's is its accept backlog, a count
 * of connections, and no queue rule applies to it. */
int ltsock_queue_is_bytes(const struct ltsock *s);
uint64_t ltsock_outside_slab(const struct ltsock *s);
/* A TCP connection no fd holds: an orphan (closed by its process, still
 * sending) or not yet accepted.  The kernel reports inode 0 for both. */
int ltsock_is_orphan(const struct ltsock *s);
/* Memory groups for the breakdown, in this order; ltsock_mem_group(s) is
 * s's group, ltsock_mem_group_name(g) its name ("tcp" ... "orphaned"). */
enum ltsock_mem_group {
	LTSOCK_MEM_TCP, LTSOCK_MEM_UDP, LTSOCK_MEM_UNIX, LTSOCK_MEM_NETLINK,
	LTSOCK_MEM_PACKET, LTSOCK_MEM_RAW, LTSOCK_MEM_ORPHANED, LTSOCK_MEM_NGROUPS
};
int ltsock_mem_group(const struct ltsock *s);
const char *ltsock_mem_group_name(int g);
/*
 * Unix attribution: for every unix socket, peer_q and npeer_q from the
 * sockets whose UNIX_DIAG_PEER names it (in the same netns) and whose wmem
 * holds bytes; sets LTSOCK_HAVE_PEERQ on every unix socket.  npeer_blocked
 * counts the senders the kernel makes wait, by its own conditions: a
 * stream sender whose wmem reached its sndbuf; every sender of a datagram
 * reader whose queue is at its length limit (max_dgram_qlen, the
 * net.unix.max_dgram_qlen it was created with: more than that many
 * datagrams of at least its first one's length plus an sk_buff are
 * queued).  Linear in the vector (a hash of the senders).  0 or
 * -ENOMEM (then the sockets it could not give their figures have no
 * LTSOCK_HAVE_PEERQ, and ltsock_queued falls back to Recv-Q for them).
 */
int ltsock_attribute_peers(struct ltsock_vec *vec, unsigned max_dgram_qlen);
/* The unix peer inode named by UNIX_DIAG_PEER, 0 if none. */
uint64_t ltsock_unix_peer(const struct ltsock *s);

/* "tcp", "udp", "udplite", "raw", "packet", "stream", "dgram",
 * "seqpacket", "netlink", or "?" ; a string literal. */
const char *ltsock_proto_name(const struct ltsock *s);
/* "inet", "inet6", "packet", "unix", "netlink", or "?" */
const char *ltsock_family_name(const struct ltsock *s);
/* "ESTAB", "LISTEN", "UNCONN", ... as ss prints them. */
const char *ltsock_state_name(const struct ltsock *s);
/* Format the local (peer == 0) or peer (peer != 0) address as ss does:
 * "127.0.0.1:53", "[::1]:8080", "*:*", "lo:RARP", "@abstract".  Always
 * NUL-terminates; returns out. */
char *ltsock_format_addr(const struct ltsock *s, int peer, char *out, size_t outsz);

/* Where the census read the socket: "sock_diag", "procnet" (a /proc/net
 * table) or "bpf" (a protocol iterator): JSON's source, the socket view. */
const char *ltsock_source_name(const struct ltsock *k);

#endif
