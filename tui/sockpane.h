/*
 * The panes of the main screen, one const descriptor each: Sockets
 * (sockpane.c) and Processes (procpane.c).  tui.c lists them in tab order;
 * a Findings pane joins by adding its descriptor to that list.  The fd
 * table of a drill-down (fdview.c) is a table of the same kind.
 */
#ifndef LEAKTOP_TUI_SOCKPANE_H
#define LEAKTOP_TUI_SOCKPANE_H

#include "table.h"

extern const struct table_desc sockpane_desc;
extern const struct table_desc procpane_desc;

/* Shared cell helpers (sockpane.c): one socket's cells by name, used by
 * the socket pane and the fd table. */
enum sockpane_field {
	SOCKPANE_PROTO, SOCKPANE_LOCAL, SOCKPANE_PEER, SOCKPANE_RECVQ,
	SOCKPANE_RMEM, SOCKPANE_RCVBUF, SOCKPANE_FILL, SOCKPANE_DROPS,
	SOCKPANE_GROWTH, SOCKPANE_FLAGS, SOCKPANE_STATE,
};
void sockpane_field(const struct sample *s, size_t i, enum sockpane_field f,
		    int width, char *buf, size_t sz);
/* Fill percent of rcvbuf, or -1 when unknown. */
double sockpane_fill(const struct ltsock *k);
/* Queue bytes of socket i as leaktop counts them (rmem, else Recv-Q). */
uint64_t sockpane_queued(const struct ltsock *k);

#endif
