/*
 * NETLINK_SOCK_DIAG dumps.  The netlink I/O (sockdiag_dump*) is kept apart
 * from the parsing (sockdiag_parse), so tests feed recorded dump bytes from
 * tests/fixtures/ to the parser with no kernel involved.
 */
#ifndef LEAKTOP_SOCKDIAG_H
#define LEAKTOP_SOCKDIAG_H

#include <stddef.h>
#include <stdint.h>
#include "leaktop/common.h"
#include "leaktop/socket.h"

/* One dump request: what a single NLM_F_DUMP asks for. */
enum sockdiag_kind {
	SOCKDIAG_TCP4, SOCKDIAG_TCP6,
	SOCKDIAG_UDP4, SOCKDIAG_UDP6,
	SOCKDIAG_UDPLITE4, SOCKDIAG_UDPLITE6,
	SOCKDIAG_RAW4, SOCKDIAG_RAW6,
	SOCKDIAG_PACKET,
	SOCKDIAG_UNIX,
	SOCKDIAG_NETLINK,
	SOCKDIAG_NKINDS
};

/* Per-kind outcome of a dump. */
enum sockdiag_result {
	SOCKDIAG_OK = 0,
	SOCKDIAG_UNSUPPORTED,	/* NLMSG_DONE/NLMSG_ERROR carried -ENOENT:
				 * the diag module for this family is absent */
	SOCKDIAG_FAILED,	/* any other error; see the lt_err */
};

/* Parser state across the recv() buffers of one dump. */
struct sockdiag_parser {
	enum sockdiag_kind kind;
	uint64_t netns;		/* stamped on every parsed socket */
	int done;		/* NLMSG_DONE (or a terminal error) seen */
	enum sockdiag_result result;
	size_t parsed;		/* sockets appended so far */
};

void sockdiag_parser_init(struct sockdiag_parser *p, enum sockdiag_kind kind,
			  uint64_t netns);

/*
 * Parse one recv() buffer of a dump reply, appending a struct ltsock per
 * message to out.  Returns 0 while more is expected, 1 once the dump is
 * complete (p->result says how it ended), or -EBADMSG / -ENOMEM with a cause
 * in err for a truncated or malformed message.  Never reads outside buf.
 */
int sockdiag_parse(struct sockdiag_parser *p, const void *buf, size_t len,
		   struct ltsock_vec *out, struct lt_err *err);

/*
 * Build the request for kind into buf (at least 256 bytes); returns its
 * length.  Exposed so tests and tools/capture can produce identical requests.
 */
size_t sockdiag_build_request(enum sockdiag_kind kind, void *buf, size_t bufsz,
			      uint32_t seq);

/*
 * The same request restricted to inet sockets whose (local port, peer port)
 * is one of pairs[2i], pairs[2i + 1] (host order), through an
 * INET_DIAG_REQ_BYTECODE filter: the kernel fills only those.  For the
 * tcp, udp and udplite kinds, at most SOCKDIAG_MAX_PAIRS pairs, buf at
 * least SOCKDIAG_REQ_MAX bytes; 0 otherwise.  npairs 0: no filter.
 */
#define SOCKDIAG_MAX_PAIRS	32
#define SOCKDIAG_REQ_MAX	(256 + SOCKDIAG_MAX_PAIRS * 36)
size_t sockdiag_build_request_ports(enum sockdiag_kind kind, void *buf, size_t bufsz,
				    uint32_t seq, const uint16_t *pairs, size_t npairs);

/*
 * Live I/O: dump one kind through an open NETLINK_SOCK_DIAG socket (an
 * struct mnl_socket * passed as void * so this header needs no libmnl).
 * Returns the enum sockdiag_result; on SOCKDIAG_FAILED err says why.
 */
enum sockdiag_result sockdiag_dump(void *mnl_sock, enum sockdiag_kind kind,
				   uint64_t netns, struct ltsock_vec *out,
				   struct lt_err *err);

/* The kind whose dump (or /proc/net fallback) lists this socket, or -1. */
int sockdiag_kind_of(const struct ltsock *s);

/* sockdiag_dump with the port-pair filter of sockdiag_build_request_ports. */
enum sockdiag_result sockdiag_dump_ports(void *mnl_sock, enum sockdiag_kind kind,
					 uint64_t netns, const uint16_t *pairs,
					 size_t npairs, struct ltsock_vec *out,
					 struct lt_err *err);

/*
 * One request that asks for socket k alone (no dump): tcp, udp or
 * udplite by its addresses, ports and cookie, unix by its inode and
 * cookie; buf at least 256 bytes.
 * Returns its length, 0 when k cannot be asked for.
 */
size_t sockdiag_build_lookup(enum sockdiag_kind kind, const struct ltsock *k, void *buf,
			     size_t bufsz, uint32_t seq);
/*
 * Live I/O: look want[0..n) up one by one (all requests in one send) and
 * append what the kernel says of each.  SOCKDIAG_OK only when every one
 * was found; otherwise nothing is appended (a socket closed since, or one
 * the lookup cannot reach, e.g. bound to a device): dump instead.
 */
enum sockdiag_result sockdiag_lookup(void *mnl_sock, enum sockdiag_kind kind, uint64_t netns,
				     const struct ltsock *want, size_t n,
				     struct ltsock_vec *out, struct lt_err *err);

/* Human name of a kind: "tcp4", "raw6", "packet", ... (string literal). */
const char *sockdiag_kind_name(enum sockdiag_kind kind);

#endif
