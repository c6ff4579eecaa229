/*
 * What the front-end files share: the UI state (struct tui), the view
 * object every screen element is (a const struct view_class of functions,
 * htop Panel style), the screen layout, and tui.c's own API.  Each view
 * and helper file has its own header (draw.h, sockpane.h, replay.h ...).
 *
 * Opening: a view never constructs another view.  It names what to open
 * in a struct tui_ref (a socket, a process's fd table, a finding's
 * evidence, the action menu for a target ...) and calls tui_open; the one
 * table that maps each kind to its view's constructor is open.c's
 * tui_open_table, which run.c installs in t->openers.  So a view depends on
 * this header and the low files (draw, format, rows, table) only.
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
extern int tui_strip_lines;	/* tui.c */
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
struct source;

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
	/* optional: the view is on top again (the view above it closed, after
	 * an action perhaps): show what changed */
	void (*shown)(struct view *v, struct tui *t);
};

struct view {
	const struct view_class *cls;
};

enum tui_mode { TUI_LIVE, TUI_PAUSED, TUI_REPLAY };

/* The panes of the main screen, in tab order (open.c's tui_panes). */
enum tui_pane {
	TUI_PANE_SOCKETS, TUI_PANE_PROCS, TUI_PANE_FINDINGS, TUI_PANE_MEMORY,
	TUI_PANE_SERVICES, TUI_NPANES
};

/* What tui_open opens. */
enum tui_ref_kind {
	TUI_REF_NONE,
	TUI_REF_SOCKET,		/* sock: its details; pid, fd: the owner selected */
	TUI_REF_FDS,		/* pid's fd table, the cursor on fd (TUI_FD_*) */
	TUI_REF_FINDING,	/* finding: its evidence */
	TUI_REF_ACTIONS,	/* target: the action menu */
	TUI_REF_ACTLOG,		/* this session's actions */
	TUI_REF_HELP,
	TUI_REF_EVENTS,		/* replay: the recording's events */
	TUI_REF_SAMPLE,		/* replay: show sample */
	TUI_REF_SOCKETS,	/* the Sockets pane filtered to text ("" none) */
	TUI_REF_PROCS_BY_PSS,	/* the Processes pane sorted by PSS */
	TUI_REF_PROCS_IN,	/* the Processes pane filtered to cgroup text */
	TUI_REF_NKINDS
};

/* The filter word of the Sockets pane that keeps exactly the sockets of a
 * memory group (ltsock_mem_group, what the Memory pane sums): "mem:" and
 * the group's name, "mem:orphaned". */
#define TUI_MEM_FILTER		"mem:"

#define TUI_FD_TOP		(-1)	/* TUI_REF_FDS: the cursor at the top */
#define TUI_FD_FIRST_GHOST	(-2)	/* TUI_REF_FDS: on the first ghost */

struct finding;

struct tui_ref {
	enum tui_ref_kind kind;
	size_t sock;			/* SOCKET: index into t->cur.socks */
	int pid, fd;			/* SOCKET (pid 0: none), FDS */
	size_t sample;			/* SAMPLE */
	const struct finding *finding;	/* FINDING: copied by the view */
	const struct tui_target *target; /* ACTIONS: copied by the view */
	const char *text;		/* SOCKETS, PROCS_IN */
};

/*
 * One line of the open table: what a kind is called, and either the
 * constructor of its view (tui_open pushes it) or, for what is no new view
 * (a pane, a replay position), the function that goes there (0, or -1
 * when it could not; it says why in the status line).
 */
struct tui_opener {
	const char *name;
	struct view *(*view)(struct tui *t, const struct tui_ref *ref);
	int (*go)(struct tui *t, const struct tui_ref *ref);
};

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
	struct source *src;		/* live: the sampler (source.c), t->ctx its */
	/* in replay, the recorded queue of a socket (replay.c); see
	 * tui_sock_history */
	size_t (*replay_history)(struct tui *t, uint64_t netns, uint64_t inode,
				 uint32_t *q, size_t max);
	/* TUI_REF_NKINDS lines, indexed by kind (run.c sets open.c's) */
	const struct tui_opener *openers;

	SCREEN *screen;			/* NULL until curses started */
	int utf8, colour, mouse;
	struct theme theme;
	attr_t attr[THEME_NELEM];

	/* the memory figures over the session (core's one series): the
	 * header's sparklines and the Memory pane read it; live samples are
	 * pushed as they come, a replay rebuilds it where it shows */
	struct mem_series mems;

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
	unsigned status_seq;		/* counts tui_set_status calls */
	unsigned dirty;
	int too_small;
	int quit;
	char fatal[300];		/* printed after endwin */

	char host[80], kernel[80];
	char themes[32][64];
	size_t nthemes;

	/* the start-up pane follows the evidence until the first key */
	int touched;

	/* a jump from a pane (tui_open of TUI_REF_SOCKETS, _PROCS_BY_PSS, _PROCS_IN):
	 * the pane it came from + 1 (0: none) and the filter it set; Esc on the
	 * pane it landed on clears that filter and goes back */
	int jump_from;
	char jump_filter[64];

	/* this session's actions, oldest first (tui_record_action appends) */
	struct tui_action *acts;
	size_t nacts, capacts;
};

/* tui.c */
struct view *tui_top(struct tui *t);
/* Push a drill-down view (taking ownership); frees it if the stack is full. */
void tui_push(struct tui *t, struct view *v);
/* Record a result in t->acts (an undo marks what it undid); 0 or -ENOMEM. */
int tui_record_action(struct tui *t, const struct actions_result *r);
/* Close the top drill-down view (a view may close itself: return at once). */
void tui_pop(struct tui *t);
/*
 * Open what ref names: push the view the open table constructs for its
 * kind, or go where it says (a pane, a replay position).  An unknown kind,
 * or one this session has no table for, is a status line.  Returns 0, or
 * -1 when nothing opened (the status line says why).
 */
int tui_open(struct tui *t, const struct tui_ref *ref);
/* The view ref names, not pushed (a view shown inside another), or NULL
 * (the status line says why). */
struct view *tui_open_view(struct tui *t, const struct tui_ref *ref);
/* Close every drill-down view and show pane (modulo the panes).  A pane
 * chosen so: Esc no longer goes back. */
void tui_switch_pane(struct tui *t, int pane);
/* The Services pane's Enter: the Processes pane filtered to the cgroup that
 * arg names (a --cgroup argument, see cgroup_short_arg); Esc goes back.
 * (tui_open of TUI_REF_PROCS_IN.) */
void tui_show_procs_in_cgroup(struct tui *t, const char *arg);
void tui_set_status(struct tui *t, int elem, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* (tui.c) Open the status line's prompt of kind ('/' search, '\\' filter, 'm' note,
 * 'g' go to) with text in it; its keys go to run.c's prompt_edit until
 * Enter or Esc. */
void tui_prompt_open(struct tui *t, int kind, const char *text);
int tui_body_lines(void);
/*
 * Make s the current sample (taking ownership): the memory ring gets its
 * figures (live only: replay.c fills it itself), every view's sample()
 * hook runs, then the previous one is released.  Live sampling and replay
 * both come through here.
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
/*
 * Is an open finding of t->cur about this socket (findings_about_socket's
 * rule: a group's members included), about this process (findings_about_pid)?
 * Asked per row and per sort by the panes' problems first, so the sets are
 * built once per sample (findings_socks_build, findings_pids_build) and
 * kept in *cache (a table's data; tui_findings_cache_free frees it).
 * Without memory the list itself is asked.
 */
int tui_finding_about_socket(void **cache, const struct tui *t, uint64_t inode);
int tui_finding_about_pid(void **cache, const struct tui *t, int pid);
void tui_findings_cache_free(void *cache);

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
