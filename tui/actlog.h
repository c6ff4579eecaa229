/*
 * This session's actions, with undo (actlog.c).
 */
#ifndef LEAKTOP_TUI_ACTLOG_H
#define LEAKTOP_TUI_ACTLOG_H

struct tui;
struct view;

/* A new view, for tui_open's table (open.c). */
struct view *actlog_new(struct tui *t);

#endif
