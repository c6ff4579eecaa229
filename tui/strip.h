/*
 * The findings strip above every pane (strip.c): the most severe open
 * findings (three lines from TUI_STRIP_TALL rows), or on smaller terminals
 * one line with the counts and the top one.  strip.c also owns
 * tui_strip_lines (declared in tui.h, where the layout uses it).
 */
#ifndef LEAKTOP_TUI_STRIP_H
#define LEAKTOP_TUI_STRIP_H

struct tui;

void strip_draw(struct tui *t);
/* Show the evidence of the finding on strip line i (0: the top one);
 * -1 if there is none. */
int strip_open(struct tui *t, int line);

#endif
