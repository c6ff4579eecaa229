/*
 * Drill-down into one process's fd table (fdview.c), re-read on every
 * sample (in replay: the recorded table, if any).
 */
#ifndef LEAKTOP_TUI_FDVIEW_H
#define LEAKTOP_TUI_FDVIEW_H

struct tui;
struct view;

/* A new view, for tui_push (which takes ownership). */
struct view *fdview_new(struct tui *t, int pid);

#endif
