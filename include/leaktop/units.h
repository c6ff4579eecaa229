/*
 * Figures as text, the one home of every formatter the outputs share:
 * sizes, signed sizes and changes, byte rates, durations and the
 * before/after figures of an action.  Each writes into a buffer the
 * caller owns and returns it; none keeps a static buffer.  Nothing here
 * prints: the sinks (core/out_*.c) and the front end choose the stream.
 */
#ifndef LEAKTOP_UNITS_H
#define LEAKTOP_UNITS_H

#include <stddef.h>
#include <stdint.h>
#include "leaktop/actions.h"

/* Human size: "1.5 GiB", "512 B". */
char *units_size(uint64_t bytes, char *out, size_t outsz);
/* A percentage as every output and pane words it: one decimal below 10
 * ("0.4%"), rounded to a whole number above ("101%": an rmem past its
 * rcvbuf is shown as it is), "-" when pct < 0 (unknown).  Returns out. */
char *units_pct(double pct, char *out, size_t outsz);
/* A signed size: "-1.5 MiB", "512 B" (INT64_MIN included). */
char *units_size_signed(int64_t v, char *out, size_t outsz);
/* A change: "+1.5 MiB", "-12 B", "0 B". */
char *units_change(int64_t d, char *out, size_t outsz);
/* A rate in bytes per second, rounded to whole bytes: "1.5 KiB", "-12 B". */
char *units_rate(double bps, char *out, size_t outsz);

/* A count or a count per second (drops/s, fds): one decimal below 10
 * when it has a fraction ("0.4"), else whole ("12", "1234"); "-" for NaN
 * (unknown).  The UI's columns start from it (format_num). */
char *units_count(double v, char *out, size_t outsz);

/* Seconds as "3.2 h", "12 min", "40 s". */
char *units_duration(double sec, char *out, size_t outsz);
/* The same, with days from two days on: "2.5 d". */
char *units_duration_days(double sec, char *out, size_t outsz);

/* How an action's figures read: one line after a label (--act's text),
 * a note whose every part ends in "; " (the postmortem's list), or a list
 * of parts with short sizes (the UI's action menu).  The parts, their
 * order and what each says are the same in all three. */
enum units_figures_style { UNITS_FIGURES_LINE, UNITS_FIGURES_NOTE, UNITS_FIGURES_LIST };
/* A size as a figure says it (units_size's signature). */
typedef char *units_size_fn(uint64_t bytes, char *out, size_t outsz);
/* An action's before or after figures; "" (LINE) or "-" (NOTE, LIST) when
 * it has none.  Cut short, never overrun, when out is small. */
char *units_figures(const struct actions_figures *g, enum units_figures_style style,
		    char *out, size_t outsz);
/* The same with sizes written by size (NULL: units_size): the UI passes
 * its compact sizes. */
char *units_figures_sized(const struct actions_figures *g, enum units_figures_style style,
			  units_size_fn *size, char *out, size_t outsz);

#endif
