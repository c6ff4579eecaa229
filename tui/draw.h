/*
 * Drawing helpers over curses (draw.c): theme attributes, text cut to a
 * column, bars and sparklines with a UTF-8 look and an ASCII fallback.
 * Every text argument must be sanitised already, except draw_untrusted's,
 * which takes raw bytes.  Nothing here keeps a pointer it is given.
 */
#ifndef LEAKTOP_TUI_DRAW_H
#define LEAKTOP_TUI_DRAW_H

#include <curses.h>
#include <stddef.h>

struct tui;

/* The theme's colours and attributes into t->attr (after a theme change). */
void draw_theme_apply(struct tui *t);
attr_t draw_attr(const struct tui *t, int elem);
/* text cut/padded to width at (y, x); returns the columns written */
int draw_text(struct tui *t, int y, int x, int width, const char *text, int elem);
int draw_cell(struct tui *t, int y, int x, int width, int right, const char *text,
	      int elem);
/* raw untrusted bytes: sanitised, then drawn as draw_text */
int draw_untrusted(struct tui *t, int y, int x, int width, const char *raw, int elem);
void draw_fill(struct tui *t, int y, int x, int width, int elem);
/* the last width values of v[0..n-1] as a sparkline scaled to their max */
void draw_sparkline(struct tui *t, int y, int x, int width, const double *v,
		    size_t n, int elem);
/* a stacked bar; ascii[i] is segment i's glyph without UTF-8 or colour */
void draw_bar(struct tui *t, int y, int x, int width, const double *parts,
	      const int *elems, const char *ascii, int n, double total);
/* the glyph of a bar segment (legend), as draw_bar would show it */
void draw_bar_glyph(struct tui *t, int y, int x, int elem, char ascii);

#endif
