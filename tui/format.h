/*
 * Text for the screen, without curses: compact sizes, rates and percents
 * that fit a column, and untrusted text made safe (lt_sanitize) and cut to
 * a display width (wcwidth).  Everything writes into a caller's buffer and
 * returns it; nothing here keeps state, so the unit tests link it alone.
 */
#ifndef LEAKTOP_TUI_FORMAT_H
#define LEAKTOP_TUI_FORMAT_H

#include <stddef.h>
#include <stdint.h>

/* "0", "512", "1.5K", "12.3M", "123M", "2G": binary units, at most width
 * characters (falls back to fewer decimals, then "*" if nothing fits). */
char *format_size(uint64_t bytes, int width, char *out, size_t outsz);

/* A signed byte rate without unit suffix ("+1.5K", "-300", "0"); "-" when
 * !known. */
char *format_rate(double bps, int known, int width, char *out, size_t outsz);

/* A plain number with one decimal below 10 ("0.5", "12", "1.2K"); "-" when
 * !known. */
char *format_num(double v, int known, int width, char *out, size_t outsz);

/* "97%", "0.5%", "-" for pct < 0. */
char *format_pct(double pct, int width, char *out, size_t outsz);

/* Seconds as text and the exports say them (units_duration_days): "45 s",
 * "12 min", "3.2 h", "4.1 d". */
char *format_duration(double sec, char *out, size_t outsz);

/*
 * Copy text (already sanitised: no control characters) into out, keeping at
 * most width display columns; with utf8 == 0 every non-ASCII character is
 * written as '?'.  Characters wcwidth cannot measure become '?'.  Returns
 * the columns used.  out always ends with a NUL.
 */
int format_fit(const char *text, int width, int utf8, char *out, size_t outsz);

/* format_fit, padded with spaces to exactly width columns, right-aligned
 * when right != 0.  Returns out. */
char *format_cell(const char *text, int width, int right, int utf8, char *out,
		  size_t outsz);

/* lt_sanitize then format_fit: what the UI does with raw untrusted bytes. */
int format_untrusted(const char *raw, int width, int utf8, char *out, size_t outsz);

/* Display width of sanitised text (as format_fit would measure it). */
int format_width(const char *text, int utf8);

/* Case-insensitive ASCII substring test; an empty needle matches. */
int format_match(const char *hay, const char *needle);

/*
 * Text that core already made safe (finding summaries, action previews),
 * checked again without escaping twice: whatever lt_sanitize would escape
 * is escaped, but a backslash stays one backslash.  With keep_nl, '\n'
 * stays a line break (for format_wrap).  Returns out.
 */
char *format_safe(const char *text, int keep_nl, char *out, size_t outsz);

/* One line of wrapped text: bytes [off, off + len) of the source. */
struct format_span {
	size_t off, len;
};

/*
 * Break safe text into lines of at most width display columns, at spaces
 * where possible; '\n' always breaks, a word wider than width is cut, and
 * the spaces at a soft break are dropped.  Fills at most max spans and
 * returns the number of lines the whole text needs (0 for "").
 */
size_t format_wrap(const char *text, int width, int utf8, struct format_span *lines,
		   size_t max);

/*
 * A sentence (safe text, one line) shortened to width display columns
 * without losing its facts: the subject at its head (up to a ")" among the
 * first words), every figure with its unit ("207.0 KiB", "37 s", "90 %",
 * "+1.5K/s") and as many of the other words, in order, as fit; a gap is
 * marked with "…" (".." without utf8).  A few long words get their
 * short forms first ("file descriptors": "fds").  Text that fits is copied
 * as it is; when the facts alone are too wide, they are cut at width.
 * Returns out.
 */
char *format_brief(const char *text, int width, int utf8, char *out, size_t outsz);

/*
 * One word (a state, an action's name) in at most width columns: as it
 * is when it fits, else cut with "…" (".." without utf8) at the end,
 * so the column shows that it was abbreviated.  Returns out.
 */
char *format_abbrev(const char *word, int width, int utf8, char *out, size_t outsz);

struct actions_figures;
/* Before/after figures of an action as one line ("rmem 62K, recv_q 62K,
 * rcvbuf 208K, drops 0, filter none"); "-" when there are none. */
char *format_figures(const struct actions_figures *g, char *out, size_t outsz);

/*
 * What the replay's go-to prompt accepts, as unix seconds: "+SECONDS" from
 * start (fractional; suffixes s, m, h), or a clock time "HH:MM[:SS]" in
 * local time on the day the recording started (the next day when that
 * would be before its first second).  0, or -EINVAL when malformed.
 */
int format_parse_when(const char *s, double start, double *out);

#endif
