/*
 * The Sockets pane (sockpane.c), one const table descriptor.  Its cells
 * are rows.c's (rows_sock_field), which other views show too.
 */
#ifndef LEAKTOP_TUI_SOCKPANE_H
#define LEAKTOP_TUI_SOCKPANE_H

#include <stddef.h>

struct table_desc;

extern const struct table_desc sockpane_desc;

#endif
