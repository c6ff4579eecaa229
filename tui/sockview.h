/*
 * Drill-down into one socket (sockview.c): every field the census has, its
 * owners and its queue history.
 */
#ifndef LEAKTOP_TUI_SOCKVIEW_H
#define LEAKTOP_TUI_SOCKVIEW_H

#include <stddef.h>

struct tui;
struct view;

/* The socket at sock_index in t->cur; it is followed by (netns, inode)
 * from then on.  A new view, for tui_open's table (open.c). */
struct view *sockview_new(struct tui *t, size_t sock_index);
/* Select the owner (pid, fd) in v (a sockview_new view), if it is one:
 * Enter then opens that fd table on that fd. */
void sockview_select_owner(struct view *v, int pid, int fd);

#endif
