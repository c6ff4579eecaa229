/*
 * Drill-down into one process's fd table (fdview.c), re-read on every
 * sample (in replay: the recorded table, if any).
 */
#ifndef LEAKTOP_TUI_FDVIEW_H
#define LEAKTOP_TUI_FDVIEW_H

struct tui;
struct view;

/* A new view, for tui_open's table (open.c).  Where the selection starts:
 * fd >= 0 that fd (a finding's, an owner's), TUI_FD_TOP the first row,
 * TUI_FD_FIRST_GHOST the first ghost socket (a process finding about
 * ghosts), else the first row. */
struct view *fdview_new(struct tui *t, int pid, int select_fd);

#endif
