/*
 * The panes of the main screen, one const descriptor each: Sockets
 * (sockpane.c), Processes (procpane.c) and Findings (findpane.c).  tui.c
 * lists them in tab order.  The fd
 * table of a drill-down (fdview.c) is a table of the same kind.
 */
#ifndef LEAKTOP_TUI_SOCKPANE_H
#define LEAKTOP_TUI_SOCKPANE_H

#include "table.h"

extern const struct table_desc sockpane_desc;
extern const struct table_desc procpane_desc;
extern const struct table_desc findpane_desc;
extern const struct table_desc mempane_desc;

/* findpane.c: the theme element of a finding severity, and the counts of
 * s's findings by severity (crit, warn, info). */
int findpane_severity_elem(int severity);
void findpane_counts(const struct sample *s, size_t *crit, size_t *warn, size_t *info);

/* Shared cell helpers (sockpane.c): one socket's cells by name, used by
 * the socket pane and the fd table. */
enum sockpane_field {
	SOCKPANE_PROTO, SOCKPANE_LOCAL, SOCKPANE_PEER, SOCKPANE_RECVQ,
	SOCKPANE_SENDQ, SOCKPANE_MEM, SOCKPANE_RCVBUF, SOCKPANE_FILL, SOCKPANE_DROPS,
	SOCKPANE_GROWTH, SOCKPANE_FLAGS, SOCKPANE_STATE,
};
void sockpane_field(const struct sample *s, size_t i, enum sockpane_field f,
		    int width, char *buf, size_t sz);

#endif
