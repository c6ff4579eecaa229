/*
 * Curses-free text formatting for the UI: numbers that fit a column,
 * untrusted text cut to a display width, text wrapped to lines, action
 * figures.  See format.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include "leaktop/actions.h"
#include "leaktop/common.h"
#include "leaktop/units.h"
#include "format.h"
#include "leaktop/units.h"

static int fits(int n, int width, size_t outsz)
{
	return n >= 0 && n <= width && (size_t)n < outsz;
}

char *format_size(uint64_t bytes, int width, char *out, size_t outsz)
{
	static const char units[] = "BKMGTPE";
	double v = (double)bytes;
	int u = 0, n;

	if (outsz == 0)
		return out;
	if (bytes == 0) {
		snprintf(out, outsz, "0");
		return out;
	}
	if (bytes < 1024) {
		n = snprintf(out, outsz, "%" PRIu64 "B", bytes);
		if (fits(n, width, outsz))
			return out;
	}
	while (v >= 1024 && u < 6) {
		v /= 1024;
		u++;
	}
	for (; u < 7; u++, v /= 1024) {
		if (u == 0)
			continue;
		if (v < 100) {
			n = snprintf(out, outsz, "%.1f%c", v, units[u]);
			if (fits(n, width, outsz))
				return out;
		}
		n = snprintf(out, outsz, "%.0f%c", v, units[u]);
		if (fits(n, width, outsz))
			return out;
	}
	snprintf(out, outsz, "*");
	return out;
}

char *format_rate(double bps, int known, int width, char *out, size_t outsz)
{
	char mag[32];

	if (outsz == 0)
		return out;
	if (!known || isnan(bps)) {
		snprintf(out, outsz, "-");
		return out;
	}
	if (fabs(bps) < 0.5) {
		snprintf(out, outsz, "0");
		return out;
	}
	format_size((uint64_t)(fabs(bps) + 0.5), width > 1 ? width - 1 : 1, mag,
		    sizeof(mag));
	snprintf(out, outsz, "%c%s", bps < 0 ? '-' : '+', mag);
	return out;
}

char *format_num(double v, int known, int width, char *out, size_t outsz)
{
	static const char units[] = " KMGTPE";
	int u = 0, n;

	if (outsz == 0)
		return out;
	if (!known || isnan(v)) {
		snprintf(out, outsz, "-");
		return out;
	}
	/* the words are core's (units_count), the width is the column's */
	n = (int)strlen(units_count(v, out, outsz));
	if (fits(n, width, outsz))
		return out;
	n = snprintf(out, outsz, "%.0f", v);
	if (fits(n, width, outsz))
		return out;
	while (fabs(v) >= 1000 && u < 6) {
		v /= 1000;
		u++;
	}
	n = snprintf(out, outsz, "%.1f%c", v, units[u]);
	if (fits(n, width, outsz))
		return out;
	n = snprintf(out, outsz, "%.0f%c", v, units[u]);
	if (!fits(n, width, outsz))
		snprintf(out, outsz, "*");
	return out;
}

char *format_pct(double pct, int width, char *out, size_t outsz)
{
	int n;

	if (outsz == 0)
		return out;
	/* the words are core's (units_pct), the width is the column's */
	n = (int)strlen(units_pct(pct, out, outsz));
	if (fits(n, width, outsz))
		return out;
	if (pct < 9.95)
		n = snprintf(out, outsz, "%.0f%%", pct);	/* "0.4%" too wide */
	if (!fits(n, width, outsz))
		snprintf(out, outsz, "*");
	return out;
}

char *format_duration(double sec, char *out, size_t outsz)
{
	/* core's words, as text and the postmortem say the same age */
	return units_duration_days(sec > 0 ? sec : 0, out, outsz);
}

/* Width of one character of sanitised text; 1 for what is drawn as '?'. */
static int char_width(uint32_t cp, size_t len, int utf8)
{
	int w;

	if (len == 1)
		return 1;
	if (!utf8)
		return 1;
	w = wcwidth((wchar_t)cp);
	return w < 0 ? 1 : w;
}

static int drawn_as_is(uint32_t cp, size_t len, int utf8)
{
	if (len == 0)
		return 0;
	if (len == 1)
		return cp >= 0x20 && cp != 0x7f;
	return utf8 && wcwidth((wchar_t)cp) >= 0;
}

int format_fit(const char *text, int width, int utf8, char *out, size_t outsz)
{
	const unsigned char *p = (const unsigned char *)(text ? text : "");
	size_t n = strlen((const char *)p), o = 0;
	int used = 0;

	if (outsz == 0)
		return 0;
	while (n > 0) {
		uint32_t cp = 0;
		size_t l = lt_utf8_decode(p, n, &cp);
		int w, as_is = drawn_as_is(cp, l, utf8);
		size_t wl;

		w = as_is ? char_width(cp, l, utf8) : 1;
		wl = as_is ? l : 1;
		if (used + w > width || o + wl >= outsz)
			break;
		if (as_is)
			memcpy(out + o, p, wl);
		else
			out[o] = '?';
		o += wl;
		used += w;
		if (l == 0)
			l = 1;
		p += l;
		n -= l;
	}
	out[o] = '\0';
	return used;
}

int format_width(const char *text, int utf8)
{
	const unsigned char *p = (const unsigned char *)(text ? text : "");
	size_t n = strlen((const char *)p);
	int used = 0;

	while (n > 0) {
		uint32_t cp = 0;
		size_t l = lt_utf8_decode(p, n, &cp);

		used += drawn_as_is(cp, l, utf8) ? char_width(cp, l, utf8) : 1;
		if (l == 0)
			l = 1;
		p += l;
		n -= l;
	}
	return used;
}

char *format_cell(const char *text, int width, int right, int utf8, char *out,
		  size_t outsz)
{
	char tmp[1024];
	int used, pad;
	size_t tl;

	if (outsz == 0)
		return out;
	if (width < 0)
		width = 0;
	used = format_fit(text, width, utf8, tmp, sizeof(tmp));
	pad = width - used;
	tl = strlen(tmp);
	if ((size_t)pad + tl >= outsz) {
		/* the buffer is too small for the padding: cut the padding */
		pad = outsz > tl + 1 ? (int)(outsz - tl - 1) : 0;
		if (tl >= outsz)
			tl = outsz - 1;
	}
	if (right) {
		memset(out, ' ', (size_t)pad);
		memcpy(out + pad, tmp, tl);
	} else {
		memcpy(out, tmp, tl);
		memset(out + tl, ' ', (size_t)pad);
	}
	out[tl + (size_t)pad] = '\0';
	return out;
}

int format_untrusted(const char *raw, int width, int utf8, char *out, size_t outsz)
{
	char clean[1024];

	lt_sanitize(raw, clean, sizeof(clean));
	return format_fit(clean, width, utf8, out, outsz);
}

int format_match(const char *hay, const char *needle)
{
	return !needle || !*needle || strcasestr(hay ? hay : "", needle) != NULL;
}

char *format_safe(const char *text, int keep_nl, char *out, size_t outsz)
{
	const unsigned char *p = (const unsigned char *)(text ? text : "");
	size_t n = strlen((const char *)p), o = 0;

	if (outsz == 0)
		return out;
	while (n > 0) {
		char one[8], esc[16];
		uint32_t cp = 0;
		size_t l = lt_utf8_decode(p, n, &cp), el;

		if (l == 0)
			l = 1;
		if (*p == '\\' || (keep_nl && *p == '\n')) {
			esc[0] = (char)*p;
			esc[1] = '\0';
		} else {
			memcpy(one, p, l);
			one[l] = '\0';
			lt_sanitize(one, esc, sizeof(esc));
		}
		el = strlen(esc);
		if (o + el >= outsz)
			break;
		memcpy(out + o, esc, el);
		o += el;
		p += l;
		n -= l;
	}
	out[o] = '\0';
	return out;
}

size_t format_wrap(const char *text, int width, int utf8, struct format_span *lines,
		   size_t max)
{
	const unsigned char *p = (const unsigned char *)(text ? text : "");
	size_t n = strlen((const char *)p), i = 0, count = 0;

	if (width < 1)
		width = 1;
	while (i < n) {
		size_t start = i, j = i, end, next, brk_end = 0, brk_next = 0;
		int used = 0, have_brk = 0;

		while (j < n && p[j] != '\n') {
			uint32_t cp = 0;
			size_t l = lt_utf8_decode(p + j, n - j, &cp);
			int w = drawn_as_is(cp, l, utf8) ? char_width(cp, l, utf8) : 1;

			if (l == 0)
				l = 1;
			if (used + w > width) {
				if (j == start)
					j += l;	/* wider than the line: cut it anyway */
				break;
			}
			if (p[j] == ' ' && j > start) {
				have_brk = 1;
				brk_end = j;
				brk_next = j + 1;
			}
			used += w;
			j += l;
		}
		if (j >= n) {
			end = n;
			next = n;
		} else if (p[j] == '\n') {
			end = j;
			next = j + 1;
		} else if (p[j] == ' ') {
			end = j;
			next = j + 1;
		} else if (have_brk) {
			end = brk_end;
			next = brk_next;
		} else {
			end = j;	/* one word longer than the line */
			next = j;
		}
		if (next < n && p[next - (next > 0)] != '\n')
			while (next < n && p[next] == ' ')
				next++;	/* a soft break eats its spaces */
		while (end > start && p[end - 1] == ' ')
			end--;
		if (count < max) {
			lines[count].off = start;
			lines[count].len = end - start;
		}
		count++;
		i = next;
	}
	return count;
}

/* ---- sentences that keep their figures ----------------------------------- */

#define BRIEF_TOKENS 96

/* A token without its trailing punctuation, into b. */
static const char *bare(const char *tok, char *b, size_t bsz)
{
	size_t n = strlen(tok);

	while (n > 0 && strchr(",:;.)", tok[n - 1]))
		n--;
	if (n >= bsz)
		n = bsz - 1;
	memcpy(b, tok, n);
	b[n] = '\0';
	return b;
}

static int is_unit(const char *tok)
{
	static const char *const units[] = {
		"B", "KiB", "MiB", "GiB", "TiB", "K", "M", "G", "s", "ms", "min", "h", "d",
		"%", "bytes", "packets/s",
	};
	char b[32];
	size_t i;

	bare(tok, b, sizeof(b));
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(b, units[i]))
			return 1;
	/* a rate: "KiB/s", "B/s", "ghosts/hour" */
	return strchr(b, '/') && b[0] && !strchr("0123456789", b[0]);
}

static int brief_render(char **tok, const int *keep, int n, int utf8, char *out,
			size_t outsz);

/* What a count counts: "73 fds", "12 sockets" (kept when room is left). */
static int is_count_unit(const char *tok)
{
	static const char *const units[] = { "fds", "sockets", "connections", "conns",
					     "processes", "ghosts" };
	char b[32];
	size_t i;

	bare(tok, b, sizeof(b));
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(b, units[i]))
			return 1;
	return 0;
}

/* Keep token i if the sentence still fits in width. */
static void brief_try(char **tok, int *keep, int n, int i, int width, int utf8)
{
	char tmp[1024];

	if (keep[i])
		return;
	keep[i] = 1;
	if (brief_render(tok, keep, n, utf8, tmp, sizeof(tmp)) > width)
		keep[i] = 0;
}

/* A figure on its own ("37", "+1.5", "~37") or with its unit in the same
 * token ("207.0KiB", "37s", "90%", "+1.5K/s"). */
static int is_figure(const char *tok, int *with_unit)
{
	char b[64];
	const char *p = bare(tok, b, sizeof(b));

	*with_unit = 0;
	if (*p == '+' || *p == '-' || *p == '~')
		p++;
	if (*p < '0' || *p > '9')
		return 0;
	while ((*p >= '0' && *p <= '9') || *p == '.' || *p == ',')
		p++;
	if (!*p)
		return 1;
	*with_unit = is_unit(p);
	return *with_unit;
}

/* The tokens kept (keep[i]) joined by spaces, a gap marked. */
static int brief_render(char **tok, const int *keep, int n, int utf8, char *out,
			size_t outsz)
{
	size_t len = 0;
	int i, gap = 0;

	out[0] = '\0';
	for (i = 0; i < n; i++) {
		if (!keep[i]) {
			gap = 1;
			continue;
		}
		if (gap && len)
			len += (size_t)snprintf(out + len, outsz > len ? outsz - len : 0, "%s",
						utf8 ? "\u2026" : "..");
		len += (size_t)snprintf(out + len, outsz > len ? outsz - len : 0, "%s%s",
					len ? " " : "", tok[i]);
		gap = 0;
		if (len >= outsz)
			len = outsz - 1;
	}
	if (gap && len)
		snprintf(out + len, outsz > len ? outsz - len : 0, "%s", utf8 ? "\u2026" : "..");
	return format_width(out, utf8);
}

char *format_brief(const char *text, int width, int utf8, char *out, size_t outsz)
{
	static const char *const shorter[][2] = {
		{ "file descriptors", "fds" }, { "in about ", "in ~" },
		{ "will run out of", "runs out of" }, { "connections", "conns" },
	};
	char buf[1024], tmp[1024], *tok[BRIEF_TOKENS], *save = NULL, *w;
	int keep[BRIEF_TOKENS] = { 0 }, n = 0, i, head = 0, unit, first_fact = -1, counted = 0;
	size_t k;

	if (!outsz)
		return out;
	if (format_width(text, utf8) <= width) {
		snprintf(out, outsz, "%s", text);
		return out;
	}
	snprintf(buf, sizeof(buf), "%s", text);
	for (k = 0; k < sizeof(shorter) / sizeof(shorter[0]); k++) {
		char *at;

		while ((at = strstr(buf, shorter[k][0]))) {
			snprintf(tmp, sizeof(tmp), "%.*s%s%s", (int)(at - buf), buf, shorter[k][1],
				 at + strlen(shorter[k][0]));
			memcpy(buf, tmp, sizeof(buf));
		}
	}
	if (format_width(buf, utf8) <= width) {
		snprintf(out, outsz, "%s", buf);
		return out;
	}
	for (w = strtok_r(buf, " ", &save); w && n < BRIEF_TOKENS; w = strtok_r(NULL, " ", &save))
		tok[n++] = w;
	/* the subject: up to its ")" among the first six words */
	for (i = 0; i < n && i < 6; i++)
		if (strchr(tok[i], ')')) {
			head = i + 1;
			break;
		}
	if (!head)
		head = 1;
	for (i = 0; i < n; i++)
		keep[i] = i < head;
	for (i = 0; i < n; i++) {
		if (!is_figure(tok[i], &unit))
			continue;
		if (unit) {
			keep[i] = 1;
		} else if (i + 1 < n && is_unit(tok[i + 1])) {
			keep[i] = keep[i + 1] = 1;
		} else if (i + 1 < n && is_count_unit(tok[i + 1]) && !counted) {
			/* the first count is a fact too: a group's "12 conns" */
			keep[i] = keep[i + 1] = 1;
			counted = 1;
		}
		if (keep[i] && i >= head && first_fact < 0)
			first_fact = i;
	}
	if (brief_render(tok, keep, n, utf8, out, outsz) > width) {
		/* the facts alone are too wide: cut them */
		snprintf(tmp, sizeof(tmp), "%s", out);
		format_fit(tmp, width, utf8, out, outsz);
		return out;
	}
	/* then, as long as they fit: the words that lead to the first figure,
	 * the counts ("73 fds"), and the words that go on from a kept one
	 * (never a lone word between two gaps) */
	for (i = head; i < first_fact && keep[i - 1]; i++)
		brief_try(tok, keep, n, i, width, utf8);
	for (i = 0; i + 1 < n; i++)
		if (is_figure(tok[i], &unit) && !unit && is_count_unit(tok[i + 1])) {
			brief_try(tok, keep, n, i, width, utf8);
			if (keep[i])
				brief_try(tok, keep, n, i + 1, width, utf8);
			if (!keep[i + 1])
				keep[i] = 0;
		}
	for (i = 1; i < n; i++)
		if (keep[i - 1] && !(is_figure(tok[i], &unit) && !unit))
			brief_try(tok, keep, n, i, width, utf8);
	brief_render(tok, keep, n, utf8, out, outsz);
	return out;
}

char *format_abbrev(const char *word, int width, int utf8, char *out, size_t outsz)
{
	char b[256];
	int mark = utf8 ? 1 : 2;

	if (format_width(word, utf8) <= width || width <= mark) {
		format_fit(word, width, utf8, out, outsz);
		return out;
	}
	format_fit(word, width - mark, utf8, b, sizeof(b));
	snprintf(out, outsz, "%s%s", b, utf8 ? "\u2026" : "..");
	return out;
}

/* format_size at the width of a table's size column. */
static char *figure_size(uint64_t bytes, char *out, size_t outsz)
{
	return format_size(bytes, 7, out, outsz);
}

char *format_figures(const struct actions_figures *g, char *out, size_t outsz)
{
	return units_figures_sized(g, UNITS_FIGURES_LIST, figure_size, out, outsz);
}

int format_parse_when(const char *s, double start, double *out)
{
	unsigned long f[3] = { 0, 0, 0 };
	struct tm tm;
	time_t st, t;
	char *end;
	int nf = 0;

	while (*s == ' ')
		s++;
	if (*s == '+') {
		double v, mul = 1;

		errno = 0;
		v = strtod(s + 1, &end);
		if (errno || end == s + 1 || !isfinite(v) || v < 0)
			return -EINVAL;
		if (*end == 's')
			end++;
		else if (*end == 'm')
			mul = 60, end++;
		else if (*end == 'h')
			mul = 3600, end++;
		while (*end == ' ')
			end++;
		if (*end || v * mul > 1e9)
			return -EINVAL;
		*out = start + v * mul;
		return 0;
	}
	/* HH:MM[:SS], each field one or two digits */
	while (nf < 3) {
		int digits = 0;

		while (*s >= '0' && *s <= '9' && digits < 3) {
			f[nf] = f[nf] * 10 + (unsigned long)(*s++ - '0');
			digits++;
		}
		if (digits == 0 || digits > 2)
			return -EINVAL;
		nf++;
		if (*s != ':')
			break;
		s++;
	}
	while (*s == ' ')
		s++;
	if (*s || nf < 2 || f[0] > 23 || f[1] > 59 || f[2] > 59)
		return -EINVAL;
	st = (time_t)start;
	if (!localtime_r(&st, &tm))
		return -EINVAL;
	tm.tm_hour = (int)f[0];
	tm.tm_min = (int)f[1];
	tm.tm_sec = (int)f[2];
	tm.tm_isdst = -1;
	t = mktime(&tm);
	if (t == (time_t)-1)
		return -EINVAL;
	/* before the recording's first second: the clock time of the next day */
	if ((double)t + 1 <= start) {
		tm.tm_mday++;
		tm.tm_isdst = -1;
		t = mktime(&tm);
		if (t == (time_t)-1)
			return -EINVAL;
	}
	*out = (double)t;
	return 0;
}
