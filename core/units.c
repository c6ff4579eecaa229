/*
 * Figures as text: sizes, changes, rates, durations and action figures,
 * shared by every output (see leaktop/units.h).  A leaf of core: it calls
 * nothing else in core, so any file may use it without making a circle.
 */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>

#include "leaktop/units.h"

char *units_size(uint64_t bytes, char *out, size_t outsz)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)bytes;
	int u = 0;

	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(out, outsz, "%" PRIu64 " B", bytes);
	else
		snprintf(out, outsz, "%.1f %s", v, units[u]);
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

/* --act's text: " rmem 1.5 KiB, ..., filter drop-all (ret #0) fd limit ..." */
static void figures_line(const struct actions_figures *g, char *out, size_t outsz,
			 size_t *len)
{
	char b1[32], b2[32];

	if (g->have & ACTIONS_HAVE_QUEUE)
		put(out, outsz, len, " rmem %s, recv_q %u B, rcvbuf %u B, drops %u,",
		    units_size(g->rmem, b1, sizeof(b1)), g->recv_q, g->rcvbuf, g->drops);
	if (g->have & ACTIONS_HAVE_FILTER) {
		if (g->filter_len == ACTIONS_FILTER_EBPF)
			put(out, outsz, len, " filter eBPF");
		else if (g->filter_drops_all)
			put(out, outsz, len, " filter drop-all (ret #0)");
		else if (g->filter_len)
			put(out, outsz, len, " filter %d instructions", g->filter_len);
		else
			put(out, outsz, len, " filter none");
		if (g->filter_locked)
			put(out, outsz, len, " (locked)");
	}
	if (g->have & ACTIONS_HAVE_LIMITS)
		put(out, outsz, len, " fd limit %s soft / %s hard, %u fds open",
		    fd_limit(g->fd_soft, b1, sizeof(b1)), fd_limit(g->fd_hard, b2, sizeof(b2)),
		    g->nfds);
	if (g->have & ACTIONS_HAVE_DRAINED)
		put(out, outsz, len, ", drained %" PRIu64 " bytes in %" PRIu64 " reads",
		    g->drained_bytes, g->drained_packets);
}

/* The postmortem's: "rmem 1.5 KiB, recv_q 0 B, ...; filter none; " */
static void figures_note(const struct actions_figures *g, char *out, size_t outsz,
			 size_t *len)
{
	char b[32];

	if (g->have & ACTIONS_HAVE_QUEUE)
		put(out, outsz, len, "rmem %s, recv_q %u B, rcvbuf %u B, drops %u; ",
		    units_size(g->rmem, b, sizeof(b)), g->recv_q, g->rcvbuf, g->drops);
	if (g->have & ACTIONS_HAVE_FILTER)
		put(out, outsz, len, "filter %s%s; ",
		    g->filter_len == ACTIONS_FILTER_EBPF ? "eBPF" :
		    g->filter_drops_all ? "drop-all" : g->filter_len ? "classic" : "none",
		    g->filter_locked ? " (locked)" : "");
	if (g->have & ACTIONS_HAVE_LIMITS)
		put(out, outsz, len, "fd limit %s, %u fds; ",
		    fd_limit(g->fd_soft, b, sizeof(b)), g->nfds);
	if (g->have & ACTIONS_HAVE_DRAINED)
		put(out, outsz, len, "drained %s in %" PRIu64 " packets; ",
		    units_size(g->drained_bytes, b, sizeof(b)), g->drained_packets);
}

char *units_figures(const struct actions_figures *g, enum units_figures_style style,
		    char *out, size_t outsz)
{
	size_t len = 0;

	if (!outsz)
		return out;
	out[0] = '\0';
	if (!g->have) {
		if (style == UNITS_FIGURES_NOTE)
			snprintf(out, outsz, "-");
		return out;
	}
	if (style == UNITS_FIGURES_LINE)
		figures_line(g, out, outsz, &len);
	else
		figures_note(g, out, outsz, &len);
	return out;
}

char *units_pct(double pct, char *out, size_t outsz)
{
	if (pct < 0 || isnan(pct))
		snprintf(out, outsz, "-");
	else if (pct < 9.95 && pct != floor(pct))
		snprintf(out, outsz, "%.1f%%", pct);
	else
		snprintf(out, outsz, "%.0f%%", pct);
	return out;
}
