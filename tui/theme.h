/*
 * Colour themes, without curses: the list of screen elements (an X-macro),
 * the built-in default and monochrome themes, the parser of theme files and
 * where they are looked up, and the ~/.config/leaktop/leaktoprc line that
 * remembers the chosen theme.  draw.c turns a struct theme into curses
 * attributes.
 *
 * Theme file: one "ELEMENT = STYLE" per line, '#' comments, where STYLE is
 * words separated by spaces or commas: fg=COLOUR, bg=COLOUR, bold, dim,
 * underline, reverse, italic, standout, none.  COLOUR is default, black,
 * red, green, yellow, blue, magenta, cyan, white, brightred (etc.),
 * colourN / colorN (0..255).  Elements not listed keep the built-in default
 * style.  A file with any error changes nothing (all-or-nothing).
 */
#ifndef LEAKTOP_TUI_THEME_H
#define LEAKTOP_TUI_THEME_H

#include <stddef.h>

#define THEME_BOLD	0x01
#define THEME_DIM	0x02
#define THEME_UNDERLINE	0x04
#define THEME_REVERSE	0x08
#define THEME_ITALIC	0x10
#define THEME_STANDOUT	0x20

#define THEME_DEFAULT_COLOUR (-1)

/* X(id, name, fg, bg, attributes, attributes without colour) */
#define THEME_ELEMENTS(X) \
	X(NORMAL,	"normal",	-1, -1, 0, 0) \
	X(HEADER,	"header",	 6, -1, THEME_BOLD, THEME_BOLD) \
	X(HEADER_VALUE,	"header.value",	-1, -1, THEME_BOLD, 0) \
	X(BADGE_LIVE,	"badge.live",	 0,  2, THEME_BOLD, THEME_REVERSE) \
	X(BADGE_PAUSED,	"badge.paused",	 0,  3, THEME_BOLD, THEME_REVERSE | THEME_BOLD) \
	X(BADGE_REPLAY,	"badge.replay",	 0,  5, THEME_BOLD, THEME_REVERSE) \
	X(BADGE_RECORDING, "badge.recording", 7, 1, THEME_BOLD, THEME_REVERSE | THEME_BOLD) \
	X(BADGE_READONLY, "badge.readonly", 0, 6, 0, THEME_REVERSE) \
	X(LABEL,	"label",	 6, -1, 0, 0) \
	X(VALUE,	"value",	-1, -1, THEME_BOLD, THEME_BOLD) \
	X(MEM_USER,	"mem.user",	 2, -1, 0, 0) \
	X(MEM_CACHE,	"mem.cache",	 4, -1, 0, 0) \
	X(MEM_SHMEM,	"mem.shmem",	 5, -1, 0, 0) \
	X(MEM_FREE,	"mem.free",	 8, -1, 0, THEME_DIM) \
	X(MEM_KERNEL,	"mem.kernel",	 3, -1, 0, 0) \
	X(MEM_UNACCOUNTED, "mem.unaccounted", 1, -1, THEME_BOLD, THEME_BOLD) \
	X(MEM_SOCKETS,	"mem.sockets",	 9, -1, THEME_BOLD, THEME_BOLD) \
	X(SPARKLINE,	"sparkline",	 6, -1, 0, 0) \
	X(TAB,		"tab",		-1, -1, 0, 0) \
	X(TAB_ACTIVE,	"tab.active",	 0,  6, THEME_BOLD, THEME_REVERSE) \
	X(TABLE_HEADER,	"table.header",	 0,  2, 0, THEME_REVERSE) \
	X(TABLE_SORT,	"table.sort",	 0,  6, THEME_BOLD, THEME_REVERSE | THEME_BOLD) \
	X(SELECTION,	"selection",	 0,  6, 0, THEME_REVERSE | THEME_BOLD) \
	X(FOLLOW,	"follow",	 0,  3, THEME_BOLD, THEME_REVERSE | THEME_UNDERLINE) \
	X(ROW_FLAGGED,	"row.flagged",	 1, -1, THEME_BOLD, THEME_BOLD) \
	X(ROW_GHOST,	"row.ghost",	 5, -1, THEME_BOLD, THEME_BOLD | THEME_UNDERLINE) \
	X(GROWTH,	"growth",	 9, -1, THEME_BOLD, THEME_BOLD) \
	X(MUTED,	"muted",	 8, -1, 0, THEME_DIM) \
	X(NOTE,		"note",		 3, -1, 0, 0) \
	X(STATUS,	"status",	-1, -1, 0, 0) \
	X(ERROR,	"error",	 7,  1, THEME_BOLD, THEME_REVERSE | THEME_BOLD) \
	X(FKEY,		"fkey",		-1, -1, THEME_BOLD, THEME_BOLD) \
	X(FKEY_LABEL,	"fkey.label",	 0,  6, 0, THEME_REVERSE) \
	X(PROMPT,	"prompt",	 3, -1, THEME_BOLD, THEME_BOLD) \
	X(HELP_KEY,	"help.key",	 6, -1, THEME_BOLD, THEME_BOLD) \
	X(FINDING_CRITICAL, "finding.critical", 7, 1, THEME_BOLD, THEME_REVERSE | THEME_BOLD) \
	X(FINDING_WARNING, "finding.warning", 3, -1, THEME_BOLD, THEME_BOLD) \
	X(FINDING_INFO,	"finding.info",	 6, -1, 0, 0) \
	X(FINDING_NONE,	"finding.none",	 2, -1, THEME_BOLD, 0) \
	X(ACTION_DONE,	"action.done",	 2, -1, THEME_BOLD, THEME_BOLD)

enum theme_element {
#define THEME_X_ENUM(id, name, fg, bg, attr, mono) THEME_##id,
	THEME_ELEMENTS(THEME_X_ENUM)
#undef THEME_X_ENUM
	THEME_NELEM
};

struct theme_style {
	short fg, bg;		/* 0..255, or THEME_DEFAULT_COLOUR */
	unsigned attr;		/* THEME_BOLD ... */
};

struct theme {
	char name[64];
	struct theme_style el[THEME_NELEM];
};

/* The element's name in theme files ("mem.unaccounted"). */
const char *theme_element_name(enum theme_element e);

/* The compiled-in dark default, and the attributes-only monochrome theme
 * used when there is no colour (NO_COLOR, a monochrome terminal). */
void theme_builtin(struct theme *th);
void theme_mono(struct theme *th);

/*
 * Parse theme file text (fname names it in messages).  On success *th
 * becomes the built-in default overridden by the file and 0 is returned;
 * on the first error nothing is changed, err gets "FILE:LINE: reason" and
 * -EINVAL is returned.
 */
int theme_parse(const char *text, const char *fname, struct theme *th,
		char *err, size_t errsz);

/*
 * Find NAME's file: NAME itself if it holds a '/', else NAME.theme in
 * $LEAKTOP_THEMES_DIR, $XDG_CONFIG_HOME/leaktop/themes (or
 * ~/.config/leaktop/themes), then PKGDATADIR/themes.  0 or -ENOENT.
 */
int theme_find(const char *name, char *path, size_t pathsz);

/* Find, read and parse NAME into *th (all-or-nothing).  "default" with no
 * file is the built-in theme.  0, or -errno with err set. */
int theme_load(const char *name, struct theme *th, char *err, size_t errsz);

/* The theme names found in those directories, sorted, without duplicates;
 * "default" always first.  Returns the count (at most max). */
size_t theme_list(char (*names)[64], size_t max);

/* leaktoprc: $XDG_CONFIG_HOME/leaktop/leaktoprc or ~/.config/leaktop/leaktoprc.
 * theme_rc_read: the "theme = NAME" value into name, 0 or -ENOENT.
 * theme_rc_write: set it (other lines kept), 0 or -errno with err set. */
int theme_rc_path(char *path, size_t pathsz);
int theme_rc_read(char *name, size_t namesz);
int theme_rc_write(const char *name, char *err, size_t errsz);

#endif
