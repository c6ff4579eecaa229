/*
 * The Memory pane (mempane.c, key 4), one const table descriptor.
 */
#ifndef LEAKTOP_TUI_MEMPANE_H
#define LEAKTOP_TUI_MEMPANE_H

struct table_desc;

extern const struct table_desc mempane_desc;

#endif
