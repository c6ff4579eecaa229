/*
 * The top of the screen: the header line (host, kernel, uptime, interval,
 * clock, the triage verdict, mode badges) and the memory pane (a stacked
 * bar of where MemTotal went, the socket-queue figure, sparklines over the
 * session).  The verdict ("no leaks found", or the findings by severity)
 * is on every pane.
 */
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "draw.h"
#include "format.h"
#include "header.h"
#include "leaktop/findings.h"
#include "leaktop/meminfo.h"
#include "options.h"
#include "replay.h"
#include "rows.h"
#include "tui.h"

/* Mode badge, then the flags beside it: [LIVE][RECORDING][READ-ONLY]. */
static int badges(struct tui *t, int right_edge)
{
	struct {
		const char *text;
		int elem;
	} b[3];
	int n = 0, i, x, w = 0;

	switch (t->mode) {
	case TUI_PAUSED:
		b[n].text = " PAUSED ";
		b[n++].elem = THEME_BADGE_PAUSED;
		break;
	case TUI_REPLAY:
		b[n].text = " REPLAY ";
		b[n++].elem = THEME_BADGE_REPLAY;
		break;
	default:
		b[n].text = " LIVE ";
		b[n++].elem = THEME_BADGE_LIVE;
		break;
	}
	if (t->recording) {
		b[n].text = " RECORDING ";
		b[n++].elem = THEME_BADGE_RECORDING;
	}
	if (t->read_only) {
		b[n].text = " READ-ONLY ";
		b[n++].elem = THEME_BADGE_READONLY;
	}
	for (i = 0; i < n; i++)
		w += (int)strlen(b[i].text) + (i > 0);
	x = right_edge - w;
	for (i = 0; i < n; i++) {
		draw_text(t, TUI_Y_HEADER, x, (int)strlen(b[i].text), b[i].text, b[i].elem);
		x += (int)strlen(b[i].text) + 1;
	}
	return w;
}

void header_draw(struct tui *t)
{
	char buf[256], up[32], clock[16], v[96];
	const struct host_info *hi = &t->cur.host;
	time_t now = time(NULL);
	struct tm tm;
	int x = 0, bw, vw, ve, room;

	draw_fill(t, TUI_Y_HEADER, 0, COLS, THEME_NORMAL);
	bw = badges(t, COLS);
	if (t->have) {
		ve = rows_verdict(&t->cur, &t->o->thresholds, v, sizeof(v));
	} else {
		v[0] = '\0';
		ve = THEME_MUTED;
	}
	vw = (int)strlen(v);
	if (vw && COLS - bw - 2 - vw > 20)
		draw_text(t, TUI_Y_HEADER, COLS - bw - 2 - vw, vw, v, ve);
	else
		vw = 0;
	room = COLS - bw - 1 - (vw ? vw + 2 : 0);
	/* the machine the sample describes: the recorded one in a replay */
	if (t->have && hi->name[0])
		lt_sanitize(hi->name, t->host, sizeof(t->host));
	if (t->have && hi->release[0])
		lt_sanitize(hi->release, t->kernel, sizeof(t->kernel));
	if (t->have && hi->uptime > 0)
		format_duration(hi->uptime, up, sizeof(up));
	else
		snprintf(up, sizeof(up), "?");
	if (t->rp) {
		/* the recorded machine and the sample's recorded time, never
		 * the clock or uptime of this one */
		char when[32], pos[64];

		replay_header(t, when, sizeof(when), pos, sizeof(pos));
		x += draw_text(t, TUI_Y_HEADER, x, room, "leaktop ", THEME_HEADER);
		x += draw_text(t, TUI_Y_HEADER, x, room - x, t->host, THEME_HEADER_VALUE);
		snprintf(buf, sizeof(buf), "  %s  up %s  every %gs  %s  %s", t->kernel, up,
			 t->delay, when, pos);
		if (x + format_width(buf, t->utf8) > room)
			snprintf(buf, sizeof(buf), "  %s  every %gs  %s  %s", t->kernel,
				 t->delay, when, pos);
		if (x + format_width(buf, t->utf8) > room)
			snprintf(buf, sizeof(buf), "  %s  %s", when, pos);
		if (x + format_width(buf, t->utf8) > room)
			snprintf(buf, sizeof(buf), "  %s  %s", when + 11, pos);
		draw_text(t, TUI_Y_HEADER, x, room - x, buf, THEME_NORMAL);
		return;
	}
	localtime_r(&now, &tm);
	strftime(clock, sizeof(clock), "%H:%M:%S", &tm);
	x += draw_text(t, TUI_Y_HEADER, x, room, "leaktop ", THEME_HEADER);
	x += draw_text(t, TUI_Y_HEADER, x, room - x, t->host, THEME_HEADER_VALUE);
	snprintf(buf, sizeof(buf), "  %s  up %s  every %gs  %s", t->kernel, up, t->delay,
		 clock);
	/* narrow: the uptime goes first */
	if (x + format_width(buf, t->utf8) > room)
		snprintf(buf, sizeof(buf), "  %s  every %gs  %s", t->kernel, t->delay, clock);
	draw_text(t, TUI_Y_HEADER, x, room - x, buf, THEME_NORMAL);
}

enum { SEG_USER, SEG_CACHE, SEG_SHMEM, SEG_KERNEL, SEG_SOCK, SEG_UNACC, SEG_FREE, NSEG };

static const int seg_elem[NSEG] = {
	THEME_MEM_USER, THEME_MEM_CACHE, THEME_MEM_SHMEM, THEME_MEM_KERNEL,
	THEME_MEM_SOCKETS, THEME_MEM_UNACCOUNTED, THEME_MEM_FREE,
};
static const char seg_ascii[] = "#=+ks!.";
static const char *const seg_label[2][NSEG] = {
	/* the socket part of MemTotal is the Memory pane's "socket buffers
	 * (outside slab)", not the census's whole "pinned by sockets" below */
	{ "user", "cache", "shmem", "kernel", "socket bufs", "unaccounted", "free" },
	{ "user", "cache", "shmem", "kern", "sockbuf", "unacc", "free" },
};

/* "label 1.2G" with its legend glyph; returns the new x. */
static int legend(struct tui *t, int y, int x, int seg, const char *value)
{
	if (x + 4 >= COLS)
		return x;
	draw_bar_glyph(t, y, x, seg_elem[seg], seg_ascii[seg]);
	x += 1;
	x += draw_text(t, y, x, COLS - x, seg_label[COLS < 90][seg], THEME_LABEL);
	x += draw_text(t, y, x, COLS - x, " ", THEME_NORMAL);
	x += draw_text(t, y, x, COLS - x, value, seg == SEG_UNACC ? THEME_MEM_UNACCOUNTED
								 : THEME_VALUE);
	return x + 2;
}

void header_draw_mem(struct tui *t)
{
	const struct meminfo_breakdown *m = &t->cur.mem;
	double parts[NSEG], v[MEM_SERIES_POINTS];
	char b[32], tot[32], line[128];
	int y = TUI_Y_MEM, x, i, w, sw, narrow;
	const char *l1, *l2;

	for (i = 0; i < TUI_MEM_LINES; i++)
		draw_fill(t, y + i, 0, COLS, THEME_NORMAL);
	if (!t->have) {
		draw_text(t, y, 1, COLS - 2, "taking the first sample...", THEME_MUTED);
		return;
	}
	parts[SEG_USER] = (double)m->user_anon;
	parts[SEG_CACHE] = (double)(m->page_cache + m->buffers);
	parts[SEG_SHMEM] = (double)m->shmem;
	parts[SEG_KERNEL] = (double)m->kernel_known;
	parts[SEG_SOCK] = (double)m->socket_buffers;
	parts[SEG_UNACC] = m->unaccounted > 0 ? (double)m->unaccounted : 0;
	parts[SEG_FREE] = (double)m->free;

	/* Mem[#####====kkk!!.....] 7.8G */
	format_size(m->total, 6, tot, sizeof(tot));
	x = draw_text(t, y, 0, 4, "Mem[", THEME_LABEL);
	w = COLS - x - 2 - (int)strlen(tot);
	draw_bar(t, y, x, w, parts, seg_elem, seg_ascii, NSEG, (double)m->total);
	draw_text(t, y, x + w, 1, "]", THEME_LABEL);
	draw_text(t, y, x + w + 2, COLS - x - w - 2, tot, THEME_VALUE);

	x = 0;
	y++;
	x = legend(t, y, x, SEG_USER, format_size(m->user_anon, 6, b, sizeof(b)));
	x = legend(t, y, x, SEG_CACHE, format_size(m->page_cache + m->buffers, 6, b, sizeof(b)));
	x = legend(t, y, x, SEG_SHMEM, format_size(m->shmem, 6, b, sizeof(b)));
	x = legend(t, y, x, SEG_KERNEL, format_size(m->kernel_known, 6, b, sizeof(b)));
	if (m->socket_buffers)
		x = legend(t, y, x, SEG_SOCK, format_size(m->socket_buffers, 6, b, sizeof(b)));
	if (m->unaccounted >= 0)
		format_size((uint64_t)m->unaccounted, 6, b, sizeof(b));
	else {
		b[0] = '-';
		format_size((uint64_t)-m->unaccounted, 6, b + 1, sizeof(b) - 1);
	}
	x = legend(t, y, x, SEG_UNACC, b);
	legend(t, y, x, SEG_FREE, format_size(m->free, 6, b, sizeof(b)));

	/* pinned by sockets N  unaccounted ▁▂▃ N  socket memory ▁▂▃ N */
	narrow = COLS < 110;
	y++;
	x = 0;
	x += draw_text(t, y, x, COLS, narrow ? "sockets pin " : "pinned by sockets ",
		       THEME_LABEL);
	x += draw_text(t, y, x, COLS - x, format_size(m->socket_queues, 6, b, sizeof(b)),
		       THEME_MEM_SOCKETS);
	if (!narrow) {
		snprintf(line, sizeof(line), " (%s)",
			 m->socket_queues_from_census ? "census, slab included" : "sockstat");
		x += draw_text(t, y, x, COLS - x, line, THEME_MUTED);
	}
	l1 = narrow ? "unacc " : "unaccounted ";
	l2 = narrow ? " sock " : " socket memory ";
	sw = (COLS - x - 2 - (int)strlen(l1) - 1 - 6 - (int)strlen(l2) - 1 - 6) / 2;
	if (sw < 4)
		return;
	if (sw > 60)
		sw = 60;
	x += 2;
	x += draw_text(t, y, x, (int)strlen(l1), l1, THEME_LABEL);
	draw_sparkline(t, y, x, sw, v, mem_series_get(&t->mems, MEMS_UNACC, NULL, v,
							 (size_t)sw), THEME_MEM_UNACCOUNTED);
	x += sw + 1;
	if (m->unaccounted >= 0)
		format_size((uint64_t)m->unaccounted, 6, b, sizeof(b));
	else {
		b[0] = '-';
		format_size((uint64_t)-m->unaccounted, 5, b + 1, sizeof(b) - 1);
	}
	x += draw_cell(t, y, x, 6, 0, b, THEME_VALUE);
	x += draw_text(t, y, x, (int)strlen(l2), l2, THEME_LABEL);
	draw_sparkline(t, y, x, sw, v, mem_series_get(&t->mems, MEMS_SOCKETS, NULL, v,
							 (size_t)sw), THEME_MEM_SOCKETS);
	x += sw + 1;
	draw_cell(t, y, x, COLS - x, 0, format_size(m->socket_queues, 6, b, sizeof(b)),
		  THEME_VALUE);
}
