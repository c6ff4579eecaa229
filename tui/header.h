/*
 * The top of the screen (header.c): the header line (host, kernel, uptime,
 * interval, clock, the triage verdict, mode badges) and the memory lines
 * below it, with sparklines over the session.
 */
#ifndef LEAKTOP_TUI_HEADER_H
#define LEAKTOP_TUI_HEADER_H

struct tui;

void header_draw(struct tui *t);
void header_draw_mem(struct tui *t);

#endif
