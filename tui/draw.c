/*
 * Drawing helpers over curses: theme attributes, text that is cut to a
 * column, bars and sparklines with a UTF-8 look and an ASCII fallback for
 * other locales and colourless terminals.
 */
#include <string.h>

#include "draw.h"
#include "format.h"
#include "leaktop/common.h"
#include "theme.h"
#include "tui.h"

static short clamp_colour(short c)
{
	if (c < 0)
		return -1;
	if (c < COLORS)
		return c;
	if (c < 16)
		return c == 8 ? (COLORS > 7 ? 7 : -1) : (short)(c - 8);
	return -1;
}

static attr_t theme_attrs(unsigned a)
{
	attr_t r = A_NORMAL;

	if (a & THEME_BOLD)
		r |= A_BOLD;
	if (a & THEME_DIM)
		r |= A_DIM;
	if (a & THEME_UNDERLINE)
		r |= A_UNDERLINE;
	if (a & THEME_REVERSE)
		r |= A_REVERSE;
	if (a & THEME_STANDOUT)
		r |= A_STANDOUT;
#ifdef A_ITALIC
	if (a & THEME_ITALIC)
		r |= A_ITALIC;
#endif
	return r;
}

void draw_theme_apply(struct tui *t)
{
	struct theme mono;
	int i;

	if (!t->colour) {
		theme_mono(&mono);
		for (i = 0; i < THEME_NELEM; i++)
			t->attr[i] = theme_attrs(mono.el[i].attr);
		return;
	}
	for (i = 0; i < THEME_NELEM && i + 1 < COLOR_PAIRS; i++) {
		init_pair((short)(i + 1), clamp_colour(t->theme.el[i].fg),
			  clamp_colour(t->theme.el[i].bg));
		t->attr[i] = COLOR_PAIR(i + 1) | theme_attrs(t->theme.el[i].attr);
	}
	bkgdset(' ' | t->attr[THEME_NORMAL]);
}

attr_t draw_attr(const struct tui *t, int elem)
{
	return elem >= 0 && elem < THEME_NELEM ? t->attr[elem] : A_NORMAL;
}

int draw_text(struct tui *t, int y, int x, int width, const char *text, int elem)
{
	char buf[1024];
	int used;

	if (width <= 0 || x >= COLS || y >= LINES)
		return 0;
	if (x + width > COLS)
		width = COLS - x;
	used = format_fit(text, width, t->utf8, buf, sizeof(buf));
	attrset(draw_attr(t, elem));
	mvaddstr(y, x, buf);
	attrset(A_NORMAL);
	return used;
}

int draw_cell(struct tui *t, int y, int x, int width, int right, const char *text,
	      int elem)
{
	char buf[1024];

	if (width <= 0 || x >= COLS || y >= LINES)
		return 0;
	if (x + width > COLS)
		width = COLS - x;
	format_cell(text, width, right, t->utf8, buf, sizeof(buf));
	attrset(draw_attr(t, elem));
	mvaddstr(y, x, buf);
	attrset(A_NORMAL);
	return width;
}

int draw_untrusted(struct tui *t, int y, int x, int width, const char *raw, int elem)
{
	char clean[1024];

	lt_sanitize(raw, clean, sizeof(clean));
	return draw_text(t, y, x, width, clean, elem);
}

void draw_fill(struct tui *t, int y, int x, int width, int elem)
{
	if (width <= 0 || y >= LINES || x >= COLS)
		return;
	if (x + width > COLS)
		width = COLS - x;
	attrset(draw_attr(t, elem));
	mvhline(y, x, ' ', width);
	attrset(A_NORMAL);
}

void draw_sparkline(struct tui *t, int y, int x, int width, const double *v,
		    size_t n, int elem)
{
	static const char *const blocks[] = { "\u2581", "\u2582", "\u2583", "\u2584",
					      "\u2585", "\u2586", "\u2587", "\u2588" };
	static const char ascii[] = "_.-=+*#@";
	size_t first = n > (size_t)width ? n - (size_t)width : 0, i;
	double lo = 0, hi = 0;
	int col = 0;

	if (width <= 0)
		return;
	for (i = first; i < n; i++) {
		if (i == first || v[i] < lo)
			lo = v[i];
		if (i == first || v[i] > hi)
			hi = v[i];
	}
	/* a trend over the window; a flat series stays flat */
	if (hi - lo <= (hi > 0 ? hi : -hi) * 0.005)
		lo = hi;
	attrset(draw_attr(t, elem));
	move(y, x);
	for (i = first; i < n; i++, col++) {
		int lvl = hi > lo ? (int)((v[i] - lo) / (hi - lo) * 7.0 + 0.5) : 3;

		if (lvl < 0)
			lvl = 0;
		if (lvl > 7)
			lvl = 7;
		if (t->utf8)
			addstr(blocks[lvl]);
		else
			addch((chtype)(unsigned char)ascii[lvl]);
	}
	attrset(A_NORMAL);
	for (; col < width; col++)
		addch(' ');
}

static int glyph_utf8(const struct tui *t)
{
	return t->utf8 && t->colour;
}

/* '.' marks free memory: a light shade, not a full block */
static const char *utf8_glyph(char ascii)
{
	return ascii == '.' ? "\u2591" : "\u2588";
}

void draw_bar_glyph(struct tui *t, int y, int x, int elem, char ascii)
{
	attrset(draw_attr(t, elem));
	if (glyph_utf8(t))
		mvaddstr(y, x, utf8_glyph(ascii));
	else
		mvaddch(y, x, (chtype)(unsigned char)ascii);
	attrset(A_NORMAL);
}

void draw_bar(struct tui *t, int y, int x, int width, const double *parts,
	      const int *elems, const char *ascii, int n, double total)
{
	double acc = 0;
	int i, col = 0;

	if (width <= 0)
		return;
	move(y, x);
	for (i = 0; i < n; i++) {
		int end;

		acc += parts[i] > 0 ? parts[i] : 0;
		end = total > 0 ? (int)(acc / total * width + 0.5) : 0;
		if (end > width || i == n - 1)
			end = end > width || (i == n - 1 && acc >= total) ? width : end;
		attrset(draw_attr(t, elems[i]));
		for (; col < end; col++) {
			if (glyph_utf8(t))
				addstr(utf8_glyph(ascii[i]));
			else
				addch((chtype)(unsigned char)ascii[i]);
		}
	}
	attrset(A_NORMAL);
	for (; col < width; col++)
		addch(' ');
}
