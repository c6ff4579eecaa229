/*
 * The help screen (help.c): the scrolling keys scroll it, any other key
 * closes it.  tui.c compares a view's class with help_view_class to give it
 * the key first and close it when the view does not use the key.
 */
#ifndef LEAKTOP_TUI_HELP_H
#define LEAKTOP_TUI_HELP_H

struct view;
struct view_class;

extern const struct view_class help_view_class;
/* A new view, for tui_open's table (open.c). */
struct view *help_new(void);

#endif
