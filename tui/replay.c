/*
 * --replay in the interactive UI: the same panes and drill-downs on the
 * samples of a recording (core/record.h), stepped one at a time, played at
 * 1x to 16x the recorded pace, or jumped to an event (a finding, an action,
 * a note) or a time.  Nothing here reads the live machine: samples,
 * findings and the socket history sparkline all come from the file, and
 * every string from it is sanitised before it is shown.
 *
 * Keys: t next sample, T previous, ] next event, [ previous event, g go to
 * a time, Space play/pause, + - play speed, E the events list.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "format.h"
#include "leaktop/actions.h"
#include "leaktop/common.h"
#include "leaktop/findings.h"
#include "leaktop/history.h"
#include "leaktop/record.h"
#include "leaktop/sample.h"
#include "leaktop/sample_clock.h"
#include "options.h"
#include "replay.h"
#include "source.h"
#include "rows.h"
#include "tui.h"

#define PLAY_MAX_GAP 10.0	/* seconds: a longer recorded gap plays as this */
#define PLAY_MIN_GAP 0.05

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Keep sample idx's point of the memory series (once). */
static void note_mem(struct tui_replay *rp, size_t idx, const struct sample *s)
{
	if (idx >= rp->n || rp->pts[idx])
		return;
	rp->pts[idx] = malloc(sizeof(*rp->pts[idx]));
	if (rp->pts[idx])	/* without it, that point is missing: no more */
		mem_series_point(&s->mem, &s->slab, sample_steady_time(s), rp->pts[idx]);
}

/* The memory series as it stood at sample idx: the points of the samples
 * up to it that have been decoded.  Playing on adds one point, as live. */
static void rebuild_series(struct tui *t, size_t idx)
{
	struct tui_replay *rp = t->rp;
	size_t j = idx + 1 > MEM_SERIES_POINTS ? idx + 1 - MEM_SERIES_POINTS : 0;

	if (t->have && idx == rp->pos + 1 && rp->pts[idx]) {
		mem_series_add(&t->mems, rp->pts[idx]);
		return;
	}
	mem_series_clear(&t->mems);
	for (; j <= idx && j < rp->n; j++)
		if (rp->pts[j])
			mem_series_add(&t->mems, rp->pts[j]);
}

int replay_show(struct tui *t, size_t idx)
{
	struct tui_replay *rp = t->rp;
	struct lt_err err = { "" };
	struct sample s;
	char safe[256];
	int e;

	if (idx >= rp->n)
		return -1;
	e = rp->src.seek(&rp->src, idx, &s, &err);
	if (e < 0) {
		tui_set_status(t, THEME_ERROR, "sample %zu: %s", idx + 1,
			       lt_sanitize(err.msg, safe, sizeof(safe)));
		rp->err = err;
		return e;
	}
	note_mem(rp, idx, &s);
	rebuild_series(t, idx);
	rp->pos = idx;
	tui_install_sample(t, &s);
	return 0;
}

/* Show the first sample from idx in direction dir that decodes: 0, or
 * the last error (-ENOMEDIUM at once: --cgroup cannot cut the file). */
static int show_from(struct tui *t, size_t idx, int dir)
{
	int e;

	for (;;) {
		e = replay_show(t, idx);
		if (e == 0 || e == -ENOMEDIUM)
			return e;
		if (dir > 0 ? idx + 1 >= t->rp->n : idx == 0)
			return e;
		idx = dir > 0 ? idx + 1 : idx - 1;
	}
}

int replay_open(struct tui *t)
{
	const char *path = t->o->replay_path;
	struct lt_err err = { "" };
	const struct record_header *h;
	struct tui_replay *rp;
	char safe[300];

	rp = calloc(1, sizeof(*rp));
	if (!rp) {
		snprintf(t->fatal, sizeof(t->fatal), "leaktop: out of memory");
		return -1;
	}
	t->rp = rp;
	rp->path = path;
	rp->speed = 1;
	/* read as batch reads it; the user steps sample by sample: a cap
	 * per sample (o->replay_budget), none in total */
	rp->src.o = t->o;
	if (source_replay_open_steps(&rp->src, &err) < 0) {
		snprintf(t->fatal, sizeof(t->fatal), "leaktop: %s: %s", path,
			 lt_sanitize(err.msg, safe, sizeof(safe)));
		return -1;
	}
	rp->rd = rp->src.reader;
	rp->n = record_reader_nsamples(rp->rd);
	if (rp->n == 0) {
		snprintf(t->fatal, sizeof(t->fatal), "leaktop: %s: no readable sample in the "
			 "recording", path);
		return -1;
	}
	rp->pts = calloc(rp->n, sizeof(*rp->pts));
	if (!rp->pts) {
		snprintf(t->fatal, sizeof(t->fatal), "leaktop: out of memory");
		return -1;
	}
	h = record_reader_header(rp->rd);
	lt_sanitize(h->host, t->host, sizeof(t->host));
	lt_sanitize(h->kernel, t->kernel, sizeof(t->kernel));
	if (h->interval > 0)
		t->delay = h->interval;
	t->mode = TUI_REPLAY;
	return 0;
}

void replay_start(struct tui *t)
{
	struct tui_replay *rp = t->rp;
	size_t nw = record_reader_nwarnings(rp->rd);
	char safe[256];
	int e = show_from(t, 0, 1);

	if (e < 0) {
		/* --cgroup on a file without cgroups: batch mode's line */
		snprintf(t->fatal, sizeof(t->fatal), "leaktop: %s: %s", rp->path,
			 e == -ENOMEDIUM ? lt_sanitize(rp->err.msg, safe, sizeof(safe)) :
			 "no sample could be decoded");
		t->quit = 1;
		return;
	}
	if (nw)
		tui_set_status(t, THEME_ERROR, "%s%s (E lists %zu warning%s)",
			       record_reader_complete(rp->rd) ? "damaged: " : "cut short: ",
			       lt_sanitize(record_reader_warning(rp->rd, 0), safe, sizeof(safe)),
			       nw, nw == 1 ? "" : "s");
	else if (!record_reader_complete(rp->rd))
		tui_set_status(t, THEME_NOTE, "the recording has no end frame: cut short or "
			       "still being written");
}

void replay_free(struct tui *t)
{
	size_t i;

	if (!t->rp)
		return;
	source_replay_free(&t->rp->src);
	for (i = 0; t->rp->pts && i < t->rp->n; i++)
		free(t->rp->pts[i]);
	free(t->rp->pts);
	free(t->rp);
	t->rp = NULL;
}

static void step(struct tui *t, int dir)
{
	struct tui_replay *rp = t->rp;

	if (dir > 0 && rp->pos + 1 >= rp->n) {
		tui_set_status(t, THEME_STATUS, "the last sample (%zu/%zu)", rp->n, rp->n);
		rp->playing = 0;
		return;
	}
	if (dir < 0 && rp->pos == 0) {
		tui_set_status(t, THEME_STATUS, "the first sample");
		return;
	}
	if (show_from(t, dir > 0 ? rp->pos + 1 : rp->pos - 1, dir) < 0)
		rp->playing = 0;
}

static void jump_event(struct tui *t, int dir)
{
	struct tui_replay *rp = t->rp;
	unsigned mask = 1u << RECORD_EV_FINDING | 1u << RECORD_EV_ACTION |
			1u << RECORD_EV_NOTE;
	ssize_t i = record_reader_step_event(rp->rd, rp->pos, dir, mask);

	if (i < 0 || (size_t)i >= rp->n) {
		tui_set_status(t, THEME_STATUS, "no %s event", dir > 0 ? "later" : "earlier");
		return;
	}
	rp->playing = 0;
	if (replay_show(t, (size_t)i) == 0) {
		char m[256];

		replay_marker(t, m, sizeof(m));
		if (m[0])
			tui_set_status(t, THEME_NOTE, "%s", m);
	}
}

void replay_goto_text(struct tui *t, const char *text)
{
	struct tui_replay *rp = t->rp;
	double when;
	ssize_t i;

	if (format_parse_when(text, record_reader_sample_time(rp->rd, 0), &when) < 0) {
		tui_set_status(t, THEME_ERROR, "go to: HH:MM:SS, HH:MM or +SECONDS from the "
			       "start (e.g. +90, +5m)");
		return;
	}
	i = record_reader_find_time(rp->rd, when);
	if (i < 0)
		return;
	rp->playing = 0;
	if (replay_show(t, (size_t)i) == 0)
		tui_set_status(t, THEME_STATUS, "sample %zu/%zu%s", rp->pos + 1, rp->n,
			       when > record_reader_sample_time(rp->rd, rp->n - 1) ?
			       ": after the end, the last sample" : "");
}

/* Seconds of wall time until the next sample when playing. */
static double gap(const struct tui_replay *rp)
{
	double g;

	if (rp->pos + 1 >= rp->n)
		return PLAY_MIN_GAP;
	g = record_reader_sample_time(rp->rd, rp->pos + 1) -
	    record_reader_sample_time(rp->rd, rp->pos);
	if (!isfinite(g) || g > PLAY_MAX_GAP)
		g = PLAY_MAX_GAP;
	g /= rp->speed;
	return g < PLAY_MIN_GAP ? PLAY_MIN_GAP : g;
}

double replay_tick(struct tui *t, double now, double limit)
{
	struct tui_replay *rp = t->rp;

	if (!rp || !rp->playing)
		return limit;
	if (now >= rp->next_play) {
		step(t, 1);
		if (rp->playing && rp->pos + 1 >= rp->n) {
			rp->playing = 0;
			tui_set_status(t, THEME_STATUS, "end of the recording (%zu samples)",
				       rp->n);
		}
		rp->next_play = now + gap(rp);
		t->dirty |= DIRTY_HEADER;
	}
	if (!rp->playing)
		return limit;
	return rp->next_play - now < limit ? rp->next_play - now : limit;
}

static void speed(struct tui *t, int dir)
{
	struct tui_replay *rp = t->rp;

	if (dir > 0 && rp->speed < 16)
		rp->speed *= 2;
	else if (dir < 0 && rp->speed > 1)
		rp->speed /= 2;
	if (rp->playing)
		rp->next_play = mono() + gap(rp);
	tui_set_status(t, THEME_STATUS, "replay speed %ux%s", rp->speed,
		       rp->playing ? "" : " (Space plays)");
	t->dirty |= DIRTY_HEADER;
}

int replay_key(struct tui *t, int ch)
{
	struct tui_replay *rp = t->rp;

	switch (ch) {
	case 't':
		rp->playing = 0;
		step(t, 1);
		break;
	case 'T':
		rp->playing = 0;
		step(t, -1);
		break;
	case ']':
		jump_event(t, 1);
		break;
	case '[':
		jump_event(t, -1);
		break;
	case ' ':
		if (!rp->playing && rp->pos + 1 >= rp->n) {
			tui_set_status(t, THEME_STATUS, "the last sample: T or g to go back");
			break;
		}
		rp->playing = !rp->playing;
		rp->next_play = mono() + gap(rp);
		break;
	case '+':
	case '=':
		speed(t, 1);
		break;
	case '-':
		speed(t, -1);
		break;
	case 'g':
		tui_prompt_open(t, 'g', "");
		break;
	case 'E':
		tui_open(t, &(struct tui_ref){ .kind = TUI_REF_EVENTS });
		break;
	default:
		return 0;
	}
	t->dirty |= DIRTY_HEADER;
	return 1;
}

void replay_header(const struct tui *t, char *when, size_t wsz, char *pos, size_t psz)
{
	const struct tui_replay *rp = t->rp;
	time_t st = (time_t)record_reader_sample_time(rp->rd, rp->pos);
	struct tm tm;

	localtime_r(&st, &tm);
	strftime(when, wsz, "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(pos, psz, "sample %zu/%zu%s", rp->pos + 1, rp->n, "");
	if (rp->playing) {
		size_t len = strlen(pos);

		snprintf(pos + len, psz - len, "  playing %ux", rp->speed);
	} else if (rp->speed > 1) {
		size_t len = strlen(pos);

		snprintf(pos + len, psz - len, "  speed %ux", rp->speed);
	}
}

void replay_marker(const struct tui *t, char *buf, size_t sz)
{
	const struct tui_replay *rp = t->rp;
	size_t i, n = record_reader_nevents(rp->rd), hits = 0;
	const struct record_event *first = NULL, *best = NULL;
	char text[300];

	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		const struct record_event *e = record_reader_event(rp->rd, i);

		if (e->sample != rp->pos)
			continue;
		hits++;
		if (!first)
			first = e;
		/* an action or a note says more than a finding the panes show */
		if (!best && e->type != RECORD_EV_FINDING)
			best = e;
	}
	if (!hits)
		return;
	if (!best)
		best = first;
	rows_event_text(best, text, sizeof(text));
	snprintf(buf, sz, "* %s here: %s%s", rows_event_kind(best), text,
		 hits > 1 ? "  (+ more: E lists them)" : "");
}

/* The socket's Recv-Q in the sample on show, which is rp->pos's: 0 and *q,
 * or -1 when it is not there. */
static int cur_recv_q(const struct tui *t, uint64_t netns, uint64_t inode, uint32_t *q)
{
	size_t k;

	for (k = 0; k < t->cur.socks.n; k++)
		if (t->cur.socks.v[k].netns == netns && t->cur.socks.v[k].inode == inode) {
			*q = history_queue_point(&t->cur.socks.v[k]);
			return 0;
		}
	return -1;
}

size_t replay_sock_history(struct tui *t, uint64_t netns, uint64_t inode, uint32_t *q,
			   size_t max)
{
	struct tui_replay *rp = t->rp;
	struct lt_err err = { "" };
	size_t j, k, n = 0, first = rp->pos + 1 > max ? rp->pos + 1 - max : 0;
	int same = rp->hist.valid && rp->hist.netns == netns && rp->hist.inode == inode &&
		   rp->hist.max == max && t->have &&
		   t->cur.seq == record_reader_sample_seq(rp->rd, rp->pos);

	if (!max)
		return 0;
	if (same && rp->hist.pos + 1 == rp->pos) {
		/* one step on: the oldest point leaves, the sample on show adds one */
		for (j = 0; j < rp->hist.n && rp->hist.at[j] < first; j++)
			;
		memmove(rp->hist.at, rp->hist.at + j, (rp->hist.n - j) * sizeof(*rp->hist.at));
		memmove(rp->hist.q, rp->hist.q + j, (rp->hist.n - j) * sizeof(*rp->hist.q));
		rp->hist.n -= j;
		if (rp->hist.n < max && cur_recv_q(t, netns, inode, &rp->hist.q[rp->hist.n]) == 0)
			rp->hist.at[rp->hist.n++] = rp->pos;
		rp->hist.pos = rp->pos;
	}
	if (same && rp->hist.pos == rp->pos) {
		memcpy(q, rp->hist.q, rp->hist.n * sizeof(*q));
		return rp->hist.n;
	}
	/* oldest first, ending with the current sample so stepping on from it
	 * stays one delta for the reader */
	rp->hist.valid = 0;
	for (j = first; j <= rp->pos; j++) {
		struct sample s;

		if (rp->src.seek(&rp->src, j, &s, &err) < 0)
			continue;
		note_mem(rp, j, &s);
		for (k = 0; k < s.socks.n; k++) {
			if (s.socks.v[k].netns == netns && s.socks.v[k].inode == inode) {
				if (n < REPLAY_HIST)
					rp->hist.at[n] = j;
				/* the point live history keeps */
				q[n++] = history_queue_point(&s.socks.v[k]);
				break;
			}
		}
		sample_release(&s);
	}
	if (max <= REPLAY_HIST) {
		memcpy(rp->hist.q, q, n * sizeof(*q));
		rp->hist.n = n;
		rp->hist.netns = netns;
		rp->hist.inode = inode;
		rp->hist.max = max;
		rp->hist.pos = rp->pos;
		rp->hist.valid = 1;
	}
	return n;
}

const struct record_reader *replay_reader(const struct tui *t)
{
	return t->rp ? t->rp->rd : NULL;
}

size_t replay_nsamples(const struct tui *t)
{
	return t->rp ? t->rp->n : 0;
}

size_t replay_pos(const struct tui *t)
{
	return t->rp ? t->rp->pos : 0;
}

void replay_pause(struct tui *t)
{
	if (t->rp)
		t->rp->playing = 0;
}
