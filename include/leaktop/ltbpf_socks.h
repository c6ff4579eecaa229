/*
 * Sockets from the BPF protocol iterators (iter/tcp, iter/udp): the same
 * struct ltsock the sock_diag parser (core/sockdiag.c) gives, for the tcp
 * and udp kinds of one network namespace, read in one pass of each
 * iterator inside that namespace.  Parsing is apart from the read, so
 * tests feed it made-up records (core/bpf/ltbpf_rec.h).  udplite, raw,
 * unix, packet and netlink sockets stay on sock_diag.
 */
#ifndef LEAKTOP_LTBPF_SOCKS_H
#define LEAKTOP_LTBPF_SOCKS_H

#include <stddef.h>
#include <stdint.h>
#include "leaktop/common.h"
#include "leaktop/ltbpf.h"
#include "leaktop/sockdiag.h"
#include "leaktop/socket.h"

/* The kinds the iterators give (1 << enum sockdiag_kind each). */
#define LTBPF_SOCKS_KINDS \
	((1u << SOCKDIAG_TCP4) | (1u << SOCKDIAG_TCP6) | \
	 (1u << SOCKDIAG_UDP4) | (1u << SOCKDIAG_UDP6))

/*
 * Parse the records of the tcp (proto IPPROTO_TCP) or udp (IPPROTO_UDP)
 * iterator (buf, len bytes), appending to out a socket stamped netns for
 * each record whose kind is in kinds, with the figures inet_diag gives for
 * it (source LTSOCK_SRC_BPF).  0; -EBADMSG with err set when a record is
 * cut short or its family is not inet (out then as it was); -ENOMEM.
 */
int ltbpf_socks_parse(const void *buf, size_t len, int proto, unsigned kinds,
		      uint64_t netns, struct ltsock_vec *out, struct lt_err *err);

/*
 * A netns_dump hook (core/netns.c): in the calling thread's namespace,
 * the sockets of the kinds in kinds that the iterators give, appended to
 * out (stamped netns).  b is the struct ltbpf, ltbpf_socks_ready() having
 * said yes in the sampler's thread.  Returns the mask of the kinds given
 * (the others, and all when an iterator fails, are left to sock_diag), or
 * -ENOMEM.
 */
int ltbpf_socks_dump(void *b, uint64_t netns, unsigned kinds, struct ltsock_vec *out);

#endif
