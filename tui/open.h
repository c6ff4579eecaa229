/*
 * What the UI can open (open.c): the panes of the main screen in tab order,
 * and the open table that tui_open reads, one line per struct tui_ref kind.
 */
#ifndef LEAKTOP_TUI_OPEN_H
#define LEAKTOP_TUI_OPEN_H

#include "tui.h"

struct table_desc;

/* TUI_NPANES descriptors, indexed by enum tui_pane */
extern const struct table_desc *const tui_panes[TUI_NPANES];
/* TUI_REF_NKINDS lines, indexed by enum tui_ref_kind */
extern const struct tui_opener tui_open_table[TUI_REF_NKINDS];

#endif
