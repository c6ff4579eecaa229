/*
 * The evidence view of one finding (evview.c): its explanation above its
 * socket's details or its process's fd table.
 */
#ifndef LEAKTOP_TUI_EVVIEW_H
#define LEAKTOP_TUI_EVVIEW_H

struct tui;
struct view;
struct finding;

/* The finding is copied.  A new view, for tui_open's table (open.c). */
struct view *evview_new(struct tui *t, const struct finding *f);

#endif
