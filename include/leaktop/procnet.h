/*
 * /proc/net table parsers: the fallback where a sock_diag module is missing
 * (this project's CI kernel has no raw_diag).  Each parser takes the text of
 * one table, so tests feed fixture files; procnet_read() does the file I/O
 * from a directory that is /proc/net, /proc/PID/net (the netns of PID), or a
 * fixture tree.
 */
#ifndef LEAKTOP_PROCNET_H
#define LEAKTOP_PROCNET_H

#include <stddef.h>
#include <stdint.h>
#include "leaktop/common.h"
#include "leaktop/socket.h"
#include "leaktop/sockdiag.h"

/*
 * Parse the text of the table that matches kind (tcp, tcp6, udp, udp6,
 * udplite, udplite6, raw, raw6, packet, unix, netlink) and append its sockets,
 * stamped with netns and source LTSOCK_SRC_PROCNET.  Returns the number of
 * sockets appended, or -EBADMSG (cause in err) for a malformed line, or
 * -ENOMEM.  A raw socket's protocol is taken from the table (the "port"
 * column of raw/raw6 is the protocol).
 */
int procnet_parse(enum sockdiag_kind kind, const char *text, size_t len,
		  uint64_t netns, struct ltsock_vec *out, struct lt_err *err);

/* File name of kind's table under /proc/net ("raw6"); a string literal. */
const char *procnet_table_name(enum sockdiag_kind kind);

/* Read dir/<table> and parse it.  Returns as procnet_parse or -errno. */
int procnet_read(const char *dir, enum sockdiag_kind kind, uint64_t netns,
		 struct ltsock_vec *out, struct lt_err *err);

#endif
