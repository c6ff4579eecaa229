/*
 * The action menu on a target (actmenu.c), and the session's list of
 * results it keeps in struct tui (read by actlog.c).
 */
#ifndef LEAKTOP_TUI_ACTMENU_H
#define LEAKTOP_TUI_ACTMENU_H

struct tui;
struct view;
struct tui_target;
struct actions_result;

/* The target is copied.  A new view, for tui_push (which takes
 * ownership). */
struct view *actmenu_new(struct tui *t, const struct tui_target *tg);
/* Record a result in t->acts (an undo marks what it undid); 0 or -ENOMEM. */
int actmenu_record(struct tui *t, const struct actions_result *r);

#endif
