/*
 * What the front-end files share: the UI state (struct tui), the view
 * object every screen element is (a const struct view_class of functions,
 * htop Panel style), the screen layout, and tui.c's own API.  Each view
 * and helper file has its own header (draw.h, sockpane.h, replay.h ...).
 *
 * Lifetimes: t->cur is the current sample, owned by tui.c; it is replaced
 * (and the old one released) only after every view's sample() hook ran, so
 * a view may keep indexes into it until then and no longer.
 */
#ifndef LEAKTOP_TUI_TUI_H
#define LEAKTOP_TUI_TUI_H

#include <curses.h>
#include <stddef.h>

#include "leaktop/actions.h"
#include "leaktop/sample.h"
#include "theme.h"

#define TUI_MIN_COLS	80	/* below, the UI says the size it needs */
#define TUI_MIN_LINES	24
#define TUI_RING	256	/* per-sample values kept for sparklines */
#define TUI_STACK	8	/* drill-down depth */
#define TUI_MAX_PANES	8

/* Screen rows: header, memory lines, findings strip, tabs, body, status
 * line.  The strip is one line, three from TUI_STRIP_TALL rows (draw()
 * sets tui_strip_lines before anything is drawn). */
#define TUI_Y_HEADER	0
#define TUI_Y_MEM	1
#define TUI_MEM_LINES	3
#define TUI_Y_STRIP	(TUI_Y_MEM + TUI_MEM_LINES)
#define TUI_STRIP_TALL	40
extern int tui_strip_lines;	/* strip.c */
#define TUI_Y_TABS	(TUI_Y_STRIP + tui_strip_lines)
#define TUI_Y_BODY	(TUI_Y_TABS + 1)

#define DIRTY_HEADER	0x01
#define DIRTY_MEM	0x02
#define DIRTY_TABS	0x04
#define DIRTY_BODY	0x08	/* the top view, fully */
#define DIRTY_STATUS	0x10
#define DIRTY_VIEW	0x20	/* the top view, what it marked as changed */
#define DIRTY_ALL	0x3f

struct lt_opts;
struct tui;
struct view;
struct table;
struct record_writer;
struct tui_replay;

/*
 * What 'a' acts on: one socket fd of a process (fd >= 0, with the socket's
 * inode as the scan saw it), or the process itself (fd -1: the fd-limit
 * actions).  pid, start_ticks and inode pin the target: core/actions.c
 * re-checks them through the pidfd and refuses on any mismatch.
 */
struct tui_target {
	int pid;
	int fd;				/* -1: the process */
	uint64_t inode;			/* the socket at fd when scanned, 0 none */
	uint64_t netns;
	uint64_t start_ticks;		/* from the process scan, 0 not scanned */
	char comm[64];			/* raw, untrusted */
	enum actions_kind suggested;	/* pre-selected in the menu, or NONE */
};

/* One action run in this session (done, refused or failed). */
struct tui_action {
	double time;			/* unix seconds */
	struct actions_result res;	/* res.undo is the request that reverts it */
	int undone;			/* an undo of it was done since */
};

struct view_class {
	const char *name;
	/* one line for the breadcrumb ("pid 42 leak_udp: fds") */
	void (*title)(struct view *v, const struct tui *t, char *buf, size_t sz);
	/* draw rows y .. y+h-1; full: everything, else only what changed */
	void (*draw)(struct view *v, struct tui *t, int y, int h, int full);
	/* a key; returns 1 if used */
	int (*key)(struct view *v, struct tui *t, int ch);
	/* a click at body row y (0 = first body row), column x */
	void (*click)(struct view *v, struct tui *t, int y, int x, int dbl);
	/* a new sample is in t->cur */
	void (*sample)(struct view *v, struct tui *t);
	/* the table inside, for search and filter, or NULL */
	struct table *(*table)(struct view *v);
	void (*free)(struct view *v);
	/* optional: what 'a' would act on; 0, or -1 when nothing is selected */
	int (*target)(struct view *v, const struct tui *t, struct tui_target *out);
	/* optional: 1 while the view wants every key (a text prompt) */
	int (*grab)(const struct view *v);
};

struct view {
	const struct view_class *cls;
};

enum tui_mode { TUI_LIVE, TUI_PAUSED, TUI_REPLAY };

struct tui {
	const struct lt_opts *o;
	struct sample_ctx *ctx;
	struct sample cur;
	int have;			/* cur holds a sample */
	double delay;
	double next_sample;		/* monotonic seconds */
	enum tui_mode mode;
	int recording;			/* badges beside the mode */
	int read_only;
	struct record_writer *rec;	/* --record: every sample, notes, actions */
	struct tui_replay *rp;		/* --replay: t->ctx is NULL, nothing live */
	struct origin *origin;		/* --trace: socket origins, else NULL */

	SCREEN *screen;			/* NULL until curses started */
	int utf8, colour, mouse;
	struct theme theme;
	attr_t attr[THEME_NELEM];

	/* per-sample memory figures, oldest first, for the sparklines */
	double ring_unacc[TUI_RING], ring_sockq[TUI_RING];
	size_t ring_n;

	struct view *panes[TUI_MAX_PANES];
	int npanes, pane;
	int tab_x[TUI_MAX_PANES + 1];	/* where each tab label starts */
	struct view *stack[TUI_STACK];	/* drill-down views above the pane */
	int depth;

	int prompt;			/* 0, '/' search, '\\' filter, 'm' note, 'g' go to */
	char prompt_buf[512];
	size_t prompt_saved_sel;

	char status[256];
	int status_elem;
	int status_ttl;			/* samples the status stays; 0: until a key */
	unsigned dirty;
	int too_small;
	int quit;
	char fatal[300];		/* printed after endwin */

	char host[80], kernel[80];
	char themes[32][64];
	size_t nthemes;

	/* the start-up pane follows the evidence until the first key */
	int touched;

	/* a jump from the Memory pane (tui_show_sockets, tui_show_procs_by_pss):
	 * the pane it came from + 1 (0: none) and the filter it set; Esc on the
	 * pane it landed on clears that filter and goes back */
	int jump_from;
	char jump_filter[64];

	/* this session's actions, oldest first (actmenu.c appends) */
	struct tui_action *acts;
	size_t nacts, capacts;
};

/* tui.c */
struct view *tui_top(struct tui *t);
/* Push a drill-down view (taking ownership); frees it if the stack is full. */
void tui_push(struct tui *t, struct view *v);
/* Close the top drill-down view (a view may close itself: return at once). */
void tui_pop(struct tui *t);
/* The Sockets pane filtered to proto (NULL: unfiltered); the Processes
 * pane sorted by PSS.  Both close the drill-down views; Esc on the pane
 * they open clears the filter they set and goes back to where they were
 * called from. */
void tui_show_sockets(struct tui *t, const char *proto);
void tui_show_procs_by_pss(struct tui *t);
/* The Services pane's Enter: the Processes pane filtered to the cgroup that
 * arg names (a --cgroup argument, see cgroup_short_arg); Esc goes back. */
void tui_show_procs_in_cgroup(struct tui *t, const char *arg);
void tui_set_status(struct tui *t, int elem, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int tui_body_lines(void);
/*
 * Make s the current sample (taking ownership): every view's sample() hook
 * runs, then the previous one is released.  Live sampling and replay both
 * come through here.
 */
void tui_install_sample(struct tui *t, struct sample *s);
/* Why actions are not offered in this session ("actions disabled:
 * --read-only", "replay: actions are not available"), or NULL. */
const char *tui_no_actions(const struct tui *t);
/*
 * The queue (recv_q) of socket (netns, inode) over the last samples, oldest
 * first, at most max points: the live history, or in replay the recorded
 * samples up to the current one.  Returns the number of points.
 */
size_t tui_sock_history(struct tui *t, uint64_t netns, uint64_t inode, uint32_t *q,
			size_t max);
/*
 * Fill a target for pid (and its socket fd/inode, or fd -1): start time and
 * comm from the current sample, and the action a finding suggests for it
 * when suggested is ACTIONS_NONE.  Returns 0.
 */
int tui_target_init(const struct tui *t, int pid, int fd, uint64_t inode,
		    uint64_t netns, enum actions_kind suggested, struct tui_target *out);

#endif
