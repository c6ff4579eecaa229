/*
 * The Sockets pane (sockpane.c), one const table descriptor, and its cell
 * helpers: one socket's cells by name, which the fd table (fdview.c) and
 * the socket details (sockview.c) use too.
 */
#ifndef LEAKTOP_TUI_SOCKPANE_H
#define LEAKTOP_TUI_SOCKPANE_H

#include <stddef.h>

struct sample;
struct ltsock;
struct table_desc;

extern const struct table_desc sockpane_desc;
/* The filter word that keeps exactly the sockets of a memory group
 * (ltsock_mem_group, what the Memory pane sums): "mem:" and the group's
 * name, "mem:orphaned". */
#define SOCKPANE_MEM_FILTER "mem:"

enum sockpane_field {
	SOCKPANE_PROTO, SOCKPANE_LOCAL, SOCKPANE_PEER, SOCKPANE_RECVQ,
	SOCKPANE_SENDQ, SOCKPANE_MEM, SOCKPANE_RCVBUF, SOCKPANE_FILL, SOCKPANE_DROPS,
	SOCKPANE_GROWTH, SOCKPANE_FLAGS, SOCKPANE_STATE,
};
/* Socket i of s, field f, sanitised into buf (width: the column's). */
void sockpane_field(const struct sample *s, size_t i, enum sockpane_field f,
		    int width, char *buf, size_t sz);

#endif
