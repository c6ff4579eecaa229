/*
 * The Findings pane (findpane.c), one const table descriptor, and the
 * severity helpers the strip and the header share with it.
 */
#ifndef LEAKTOP_TUI_FINDPANE_H
#define LEAKTOP_TUI_FINDPANE_H

#include <stddef.h>

struct sample;
struct table_desc;

extern const struct table_desc findpane_desc;

#endif
