/*
 * --replay in the UI (replay.c).  Every figure comes from the recording
 * (leaktop/record.h); nothing here or in the views reads the live machine
 * while t->rp is set.  The replay state is owned by replay.c (t->rp,
 * freed by replay_free); the views read it through the functions below.
 */
#ifndef LEAKTOP_TUI_REPLAY_H
#define LEAKTOP_TUI_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#include "source.h"

struct tui;
struct record_reader;
struct record_event;

/* The most points of a socket's history kept between two steps. */
#define REPLAY_HIST 64

struct tui_replay {
	/* the recording, a source as batch mode's (source.c): samples come
	 * from src.seek; rd is its reader (times, events, warnings) */
	struct source src;
	struct record_reader *rd;
	struct lt_err err;		/* why the last sample did not show */
	const char *path;		/* argv */
	size_t n, pos;			/* samples; the one shown */
	int playing;
	unsigned speed;			/* 1, 2, 4, 8, 16 */
	double next_play;		/* monotonic seconds */
	/* the memory series' point of each sample decoded so far (NULL
	 * until then): t->mems is rebuilt from them where the replay shows */
	struct mem_point **pts;
	/* the last socket history replay_sock_history answered, so that
	 * stepping on by one sample adds one point instead of decoding
	 * REPLAY_HIST samples again */
	struct {
		int valid;
		uint64_t netns, inode;
		size_t pos, max, n;
		size_t at[REPLAY_HIST];		/* the sample of each point */
		uint32_t q[REPLAY_HIST];
	} hist;
};

/* Before curses starts; on failure -1 with t->fatal set (not a recording,
 * a newer format, nothing readable). */
int replay_open(struct tui *t);
/* After curses started: the first sample, the reader's first warning on
 * the status line (t->quit and t->fatal when no sample decodes). */
void replay_start(struct tui *t);
void replay_free(struct tui *t);
/* For the views that show the recording (eventlist.c): its reader, the
 * number of samples and the one shown; replay_pause stops playing. */
const struct record_reader *replay_reader(const struct tui *t);
size_t replay_nsamples(const struct tui *t);
size_t replay_pos(const struct tui *t);
void replay_pause(struct tui *t);
/* The replay keys (t T ] [ g Space + - E); 1 if ch was one. */
int replay_key(struct tui *t, int ch);
/* Playing: step when the next sample is due; returns seconds until then
 * (at most limit). */
double replay_tick(struct tui *t, double now, double limit);
/* The go-to prompt's text (format_parse_when); status says what happened. */
void replay_goto_text(struct tui *t, const char *text);
/* Show sample idx, which must exist; 0 or -1 (status says why). */
int replay_show(struct tui *t, size_t idx);
/* "sample 3/5", recorded time, play state, for the header. */
void replay_header(const struct tui *t, char *when, size_t wsz, char *pos, size_t psz);
/* A line about the events on the current sample, or "" (sanitised). */
void replay_marker(const struct tui *t, char *buf, size_t sz);
/* The recorded queue of socket (netns, inode) up to the current sample,
 * oldest first, at most max points; returns the number of points. */
size_t replay_sock_history(struct tui *t, uint64_t netns, uint64_t inode, uint32_t *q,
			   size_t max);

#endif
