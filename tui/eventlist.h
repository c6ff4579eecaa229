/*
 * The events list of a replay ('E', eventlist.c): the recording's events
 * and the reader's warnings; Enter shows the event's sample.
 */
#ifndef LEAKTOP_TUI_EVENTLIST_H
#define LEAKTOP_TUI_EVENTLIST_H

struct tui;
struct view;

/* A new view, for tui_open's table (open.c). */
struct view *eventlist_new(struct tui *t);

#endif
