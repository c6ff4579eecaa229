/*
 * The Processes pane (procpane.c), one const table descriptor.
 */
#ifndef LEAKTOP_TUI_PROCPANE_H
#define LEAKTOP_TUI_PROCPANE_H

struct table_desc;

extern const struct table_desc procpane_desc;

#endif
