/*
 * The action menu on a target (actmenu.c).  The results go into the
 * session's list in struct tui (tui_record_action), which actlog.c shows.
 */
#ifndef LEAKTOP_TUI_ACTMENU_H
#define LEAKTOP_TUI_ACTMENU_H

struct tui;
struct view;
struct tui_target;

/* The target is copied.  A new view, for tui_open's table (open.c). */
struct view *actmenu_new(struct tui *t, const struct tui_target *tg);

#endif
