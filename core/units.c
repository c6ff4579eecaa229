/*
 * Figures as text: sizes, changes, rates, durations and action figures,
 * shared by every output (see leaktop/units.h).  A leaf of core: it calls
 * nothing else in core, so any file may use it without making a circle.
 */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "leaktop/units.h"

/* Decimal digits of v, backwards from end; returns the first. */
static char *digits(uint64_t v, char *end)
{
	do {
		*--end = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return end;
}

/*
 * The hot path of every table (thousands of rows a sample): no printf.
 * bytes / 1024^u is exact in binary, so its tenths are rounded here in
 * integers exactly as printf's "%.1f" rounds them (to nearest, a tie to
 * even); past 2^50 bytes, where 10 * bytes could overflow, printf does it.
 */
char *units_size(uint64_t bytes, char *out, size_t outsz)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	char b[40], *end = b + sizeof(b);
	const char *p;
	uint64_t tenths, rem, half;
	size_t len;
	int u = 0, shift;

	if (bytes >= 1ULL << 50) {
		snprintf(out, outsz, "%.1f %s", (double)bytes / (double)(1ULL << 50), units[5]);
		return out;
	}
	while (u < 4 && bytes >> (10 * (u + 1)))
		u++;
	*--end = '\0';
	for (p = units[u] + strlen(units[u]); p > units[u];)
		*--end = *--p;
	*--end = ' ';
	if (u == 0) {
		end = digits(bytes, end);
	} else {
		shift = 10 * u;
		tenths = (bytes * 10) >> shift;
		rem = (bytes * 10) & ((1ULL << shift) - 1);
		half = 1ULL << (shift - 1);
		if (rem > half || (rem == half && (tenths & 1)))
			tenths++;
		*--end = (char)('0' + tenths % 10);
		*--end = '.';
		end = digits(tenths / 10, end);
	}
	if (!outsz)
		return out;
	len = (size_t)(b + sizeof(b) - 1 - end);
	if (len >= outsz)
		len = outsz - 1;
	memcpy(out, end, len);
	out[len] = '\0';
	return out;
}

/* |v| without overflow at INT64_MIN */
static uint64_t magnitude(int64_t v)
{
	return v < 0 ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v;
}

char *units_size_signed(int64_t v, char *out, size_t outsz)
{
	char b[24];

	if (v >= 0)
		return units_size((uint64_t)v, out, outsz);
	snprintf(out, outsz, "-%s", units_size(magnitude(v), b, sizeof(b)));
	return out;
}

char *units_change(int64_t d, char *out, size_t outsz)
{
	char b[24];

	units_size(magnitude(d), b, sizeof(b));
	snprintf(out, outsz, "%s%s", d > 0 ? "+" : d < 0 ? "-" : "", b);
	return out;
}

char *units_rate(double bps, char *out, size_t outsz)
{
	char b[32];

	if (bps >= 0)
		snprintf(out, outsz, "%s", units_size((uint64_t)(bps + 0.5), b, sizeof(b)));
	else
		snprintf(out, outsz, "-%s", units_size((uint64_t)(-bps + 0.5), b, sizeof(b)));
	return out;
}

char *units_count(double v, char *out, size_t outsz)
{
	if (isnan(v))
		snprintf(out, outsz, "-");
	else if (v != floor(v) && fabs(v) < 10)
		snprintf(out, outsz, "%.1f", v);
	else
		snprintf(out, outsz, "%.0f", v);
	return out;
}

char *units_duration(double sec, char *out, size_t outsz)
{
	if (sec >= 7200)
		snprintf(out, outsz, "%.1f h", sec / 3600);
	else if (sec >= 120)
		snprintf(out, outsz, "%.0f min", sec / 60);
	else
		snprintf(out, outsz, "%.0f s", sec);
	return out;
}

char *units_duration_days(double sec, char *out, size_t outsz)
{
	if (sec >= 86400 * 2) {
		snprintf(out, outsz, "%.1f d", sec / 86400);
		return out;
	}
	return units_duration(sec, out, outsz);
}

/* Appends to a bounded buffer: *len grows, out stays terminated. */
static void put(char *out, size_t outsz, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void put(char *out, size_t outsz, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*len >= outsz)
		return;
	va_start(ap, fmt);
	n = vsnprintf(out + *len, outsz - *len, fmt, ap);
	va_end(ap);
	if (n > 0)
		*len += (size_t)n;
}

static const char *fd_limit(uint64_t v, char *out, size_t outsz)
{
	if (v == ACTIONS_UNLIMITED)
		snprintf(out, outsz, "unlimited");
	else
		snprintf(out, outsz, "%" PRIu64, v);
	return out;
}

/*
 * The words of each style.  The parts, their order and what they say
 * (which filter, "unlimited") are figures_walk's alone; a style only
 * chooses separators and how long the words are.
 */
struct figures_words {
	const char *none;	/* the text of no figures */
	const char *lead;	/* before the first part */
	const char *sep;	/* between two parts */
	const char *end;	/* after every part */
	int queue_in_bytes;	/* recv_q and rcvbuf as "N B", not as sizes */
	int terse;		/* "filter classic", "fd limit S, N fds" */
	int drained_in_bytes;	/* "drained N bytes", not a size */
	const char *reads;	/* what the drain counted */
};

static const struct figures_words figures_words[] = {
	/* --act's text: " rmem 1.5 KiB, recv_q 1536 B, ..., filter none" */
	[UNITS_FIGURES_LINE] = { "", " ", ", ", "", 1, 0, 1, "reads" },
	/* the postmortem's: "rmem 1.5 KiB, ..., drops 0; filter none; " */
	[UNITS_FIGURES_NOTE] = { "-", "", "", "; ", 1, 1, 0, "packets" },
	/* the UI's: "rmem 1.5K, recv_q 1.5K, rcvbuf 208K, drops 0, filter none" */
	[UNITS_FIGURES_LIST] = { "-", "", ", ", "", 0, 0, 0, "reads" },
};

/* The filter in place, as a word of style w. */
static const char *filter_word(const struct actions_figures *g, const struct figures_words *w,
			       char *out, size_t outsz)
{
	if (g->filter_len == ACTIONS_FILTER_EBPF)
		snprintf(out, outsz, "eBPF");
	else if (g->filter_drops_all)
		snprintf(out, outsz, "%s", w->terse ? "drop-all" : "drop-all (ret #0)");
	else if (g->filter_len && w->terse)
		snprintf(out, outsz, "classic");
	else if (g->filter_len)
		snprintf(out, outsz, "%d instructions", (int)g->filter_len);
	else
		snprintf(out, outsz, "none");
	return out;
}

/* Every part g has, in one order, in the words of w, sizes by size. */
static void figures_walk(const struct actions_figures *g, const struct figures_words *w,
			 units_size_fn *size, char *out, size_t outsz)
{
	char b1[32], b2[32], b3[32];
	size_t len = 0;
	int parts = 0;

#define PART(...) do { \
		put(out, outsz, &len, "%s", parts++ ? w->sep : w->lead); \
		put(out, outsz, &len, __VA_ARGS__); \
		put(out, outsz, &len, "%s", w->end); \
	} while (0)
	if (g->have & ACTIONS_HAVE_QUEUE) {
		if (w->queue_in_bytes) {
			snprintf(b2, sizeof(b2), "%u B", g->recv_q);
			snprintf(b3, sizeof(b3), "%u B", g->rcvbuf);
		} else {
			size(g->recv_q, b2, sizeof(b2));
			size(g->rcvbuf, b3, sizeof(b3));
		}
		PART("rmem %s, recv_q %s, rcvbuf %s, drops %u", size(g->rmem, b1, sizeof(b1)),
		     b2, b3, g->drops);
	}
	if (g->have & ACTIONS_HAVE_FILTER)
		PART("filter %s%s", filter_word(g, w, b1, sizeof(b1)),
		     g->filter_locked ? " (locked)" : "");
	if ((g->have & ACTIONS_HAVE_LIMITS) && w->terse)
		PART("fd limit %s, %u fds", fd_limit(g->fd_soft, b1, sizeof(b1)), g->nfds);
	else if (g->have & ACTIONS_HAVE_LIMITS)
		PART("fd limit %s soft / %s hard, %u fds open",
		     fd_limit(g->fd_soft, b1, sizeof(b1)), fd_limit(g->fd_hard, b2, sizeof(b2)),
		     g->nfds);
	if (g->have & ACTIONS_HAVE_DRAINED) {
		if (w->drained_in_bytes)
			snprintf(b1, sizeof(b1), "%" PRIu64 " bytes", g->drained_bytes);
		else
			size(g->drained_bytes, b1, sizeof(b1));
		PART("drained %s in %" PRIu64 " %s", b1, g->drained_packets, w->reads);
	}
#undef PART
}

char *units_figures_sized(const struct actions_figures *g, enum units_figures_style style,
			  units_size_fn *size, char *out, size_t outsz)
{
	const struct figures_words *w = &figures_words[style];

	if (!outsz)
		return out;
	out[0] = '\0';
	if (!g->have) {
		snprintf(out, outsz, "%s", w->none);
		return out;
	}
	figures_walk(g, w, size ? size : units_size, out, outsz);
	return out;
}

char *units_figures(const struct actions_figures *g, enum units_figures_style style,
		    char *out, size_t outsz)
{
	return units_figures_sized(g, style, NULL, out, outsz);
}

char *units_pct(double pct, char *out, size_t outsz)
{
	if (pct < 0 || isnan(pct)) {
		snprintf(out, outsz, "-");
	} else if (pct < 9.95 && pct != floor(pct)) {
		snprintf(out, outsz, "%.1f%%", pct);
	} else if (pct < 1e15 && outsz) {
		/* a row's fill, thousands a sample: "%.0f%%" without printf
		 * (nearbyint rounds as printf does, to nearest, ties to even) */
		char b[24], *end = b + sizeof(b);
		size_t len;

		*--end = '\0';
		*--end = '%';
		end = digits((uint64_t)nearbyint(pct), end);
		len = (size_t)(b + sizeof(b) - 1 - end);
		if (len >= outsz)
			len = outsz - 1;
		memcpy(out, end, len);
		out[len] = '\0';
	} else {
		snprintf(out, outsz, "%.0f%%", pct);
	}
	return out;
}
