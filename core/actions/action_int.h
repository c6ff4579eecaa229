/*
 * Inside the actions module: core/actions.c and the files of core/actions/ share
 * this header; the front ends use include/leaktop/actions.h only.
 *
 * Each action is one const struct action_entry, kept in the file of its
 * family (dropfilter.c holds drop-filter and undo-filter) and named by one
 * line of ACTIONS_LIST in include/leaktop/actions.h, from which kind.c
 * builds the table.  core/actions.c runs every entry the same way: pin the
 * target, prepare (inspect it, load the undo state, check), then the
 * entry's run.  The undo state files are state.c, the audit lines
 * audit.c, what is read from the target inspect.c.  See
 * doc/adding-an-action.md.
 *
 * Nothing here is thread-safe against concurrent runs (the audit hook and
 * the audit id counter are process-wide).
 */
#ifndef LEAKTOP_ACTION_INT_H
#define LEAKTOP_ACTION_INT_H

#include <stddef.h>
#include <stdint.h>

#include "leaktop/actions.h"

/* One action run (or preview), from pin to the outcome line. */
struct action_run {
	struct actions_request rq;	/* the request, inode/start filled */
	struct actions_result *res;	/* the caller's, filled as we go */
	const char *procroot;		/* rq.procroot or "/proc" */
	int pidfd;			/* -1 until pinned */
	int sfd;			/* the duplicate of the socket fd, -1 */
	char statedir[400];
	char statename[96];
	struct actions_state st;	/* the undo state found, if have_state */
	int have_state;
	const char *audit_path;		/* the audit file, NULL: none (opted out) */
	int intent_written;		/* the intent line is in the audit file */
	int audit_broken;		/* refused because the audit file failed */
};

/* A line cursor over an undo state file's untrusted text. */
struct action_lines {
	const char *p, *end;
	int no;			/* lines read so far */
	char line[256];		/* the last line read, NUL-terminated */
};

/*
 * The undo state of one family: what its file is called and holds after
 * the target's lines.  kind is the action that writes it (and that its
 * "action" line names).
 */
struct action_state_codec {
	enum actions_kind kind;
	const char *file;	/* the file name's prefix: "filter" */
	int marker;		/* only records that the action ran (drain): a
				 * run does not load it as an undo state */
	/* append the family's lines, each ending in \n (NULL: none) */
	void (*encode)(const struct actions_state *st, char *out, size_t outsz);
	/* read them back: 0, -EBADMSG with the cause in err, or -ENOMEM
	 * (NULL: none) */
	int (*decode)(struct action_lines *l, struct actions_state *st, struct lt_err *err);
	/* is the change st records still in place?  sfd is a duplicate of the
	 * socket (-1 for a process-wide state).  1, 0 with why, or -errno.
	 * NULL: in place as long as the target is. */
	int (*in_place)(const struct actions_state *st, int sfd, char *why, size_t whysz);
};

/*
 * One action.  name and run are required; the other functions may be
 * NULL (no check of its own, no preview lines, never unapplied).  st is
 * the undo state found for the target, or NULL.
 */
struct action_entry {
	const char *name;		/* "drop-filter": --act and the audit */
	const char *effect;		/* one line for the action menu */
	enum actions_kind undo;		/* the action that reverts it, or NONE */
	int needs_fd;			/* acts on a socket fd (else the process) */
	/* the second, explicit confirmation it needs (--confirm-drain), as
	 * "what it destroys", or NULL for none */
	const char *confirm;
	/* what the other holders of the socket share in (the preview) */
	const char *shared;
	/* the undo state it reads or writes (with the family's codec), or NULL */
	const struct action_state_codec *state;
	/* the safety rules of this action: 0, or actions_checkf(why, ...) */
	int (*check)(const struct actions_request *req, const struct actions_target *t,
		     const struct actions_figures *before, const struct actions_state *st,
		     char *why, size_t whysz);
	/* the preview lines; label names the target */
	void (*describe)(const struct actions_request *req, const struct actions_target *t,
			 const struct actions_figures *before, const struct actions_state *st,
			 const char *label, char *out, size_t outsz);
	/* an undo whose state was saved but whose change was never made
	 * (leaktop stopped in between): the run only drops the state */
	int (*unapplied)(const struct actions_figures *before, const struct actions_state *st);
	/* before such a state is dropped: 0, or 1 with the run refused */
	int (*unapplied_verify)(struct action_run *r);
	/* carry it out: call actions_audit_intent() right before the first
	 * change, save the undo state after it, then change, verify, and end
	 * with actions_done(), actions_refuse() or actions_fail() */
	void (*run)(struct action_run *r);
};

#define ACTIONS_DECLARE(id, entry) extern const struct action_entry actions_##entry##_entry;
ACTIONS_LIST(ACTIONS_DECLARE)
#undef ACTIONS_DECLARE

/* ---- kind.c: the table ---------------------------------------------------- */

/* The entry of kind, or NULL (ACTIONS_NONE, out of range). */
const struct action_entry *actions_kind_entry(enum actions_kind kind);
/* The codec of the state file kind writes or reads, or NULL. */
const struct action_state_codec *actions_kind_codec(enum actions_kind kind);
/* The kind whose undo state kind loads in a run, or ACTIONS_NONE. */
enum actions_kind actions_kind_family(enum actions_kind kind);

/* ---- fmt.c: text into fixed buffers, silently cut ------------------------ */

void actions_fmt(char *out, size_t outsz, const char *f, ...)
	__attribute__((format(printf, 3, 4)));
/* Append to the NUL-terminated out. */
void actions_fmt_append(char *out, size_t outsz, const char *f, ...)
	__attribute__((format(printf, 3, 4)));
/* An RLIMIT value: the number, or "unlimited". */
void actions_fmt_limit(uint64_t v, char *out, size_t outsz);

/* ---- inspect.c: what is read from the target ----------------------------- */

/* Start ticks and state letter (state may be NULL) of pid; -ESRCH if gone. */
int actions_inspect_stat(const char *procroot, int pid, uint64_t *ticks, char *state);
/* Raw /proc/PID/comm without the newline, "" when unreadable. */
void actions_inspect_comm(const char *procroot, int pid, char *out, size_t outsz);
/* The socket inode behind procroot/pid/fd/fd, or -errno (-ENOTSOCK). */
int actions_inspect_fd_inode(const char *procroot, int pid, int fd, uint64_t *inode);
/* The attached classic filter: its length (ACTIONS_FILTER_EBPF for eBPF)
 * and, unless insns is NULL, a malloc'd copy (caller frees).  0 or -errno. */
int actions_inspect_filter(int sfd, int32_t *count, struct sock_filter **insns);
/* Is f leaktop's drop-all instruction? */
int actions_inspect_is_drop(const struct sock_filter *f);
/* The socket's figures through the duplicate sfd (f is overwritten). */
void actions_inspect_figures(int sfd, const struct actions_target *t,
			     struct actions_figures *f);
/* Family, type, protocol, listening, proto name and local address. */
void actions_inspect_target(int sfd, struct actions_target *t);
/* RLIMIT_NOFILE and the fd count of pid into f: 0 or -errno. */
int actions_inspect_limits(const char *procroot, int pid, struct actions_figures *f);
/* The other processes holding res->target's socket, into res->sharers. */
void actions_inspect_sharers(const char *procroot, int target_pid, struct actions_result *res);
/* An inet stream socket. */
int actions_inspect_is_tcp(const struct actions_target *t);

/* ---- state.c: the undo state files --------------------------------------- */

void actions_state_init(struct actions_state *st);
/* given (the request's directory) checked, or the default one picked, into
 * out; created 0700 when create.  0 or -errno with err. */
int actions_state_open_dir(const char *given, char *out, size_t outsz, int create,
			   struct lt_err *err);
/* The decoding steps the codecs share: the next line (0, or -1 at the end
 * or for a bad line); "key NUMBER" as the next line; a line split at
 * spaces (the count, n + 1 for too many); a whole-token decimal ("unlimited"
 * when allowed: ACTIONS_UNLIMITED); exactly digits hex digits. */
int actions_state_line(struct action_lines *l);
int actions_state_num(struct action_lines *l, const char *key, uint64_t max, uint64_t *v,
		      struct lt_err *err);
int actions_state_split(char *line, char **tok, int n);
int actions_state_u64(const char *s, uint64_t max, int unlimited_ok, uint64_t *out);
int actions_state_hex(const char *s, size_t digits, uint32_t *v);
/* Load the run's undo state (see actions.c): 0, or 1 when refused. */
int actions_state_run_load(struct action_run *r, int create);
/* Save st as the run's undo state (target fields filled): 0, or 1 failed. */
int actions_state_run_save(struct action_run *r, struct actions_state *st);

/* ---- audit.c ------------------------------------------------------------- */

/* A fresh id for res's audit lines. */
void actions_audit_new_id(struct actions_result *res);
/* The intent line, before the first change: 0, or 1 with the run refused
 * because the audit file cannot take it. */
int actions_audit_intent(struct action_run *r, const char *what);
/* The outcome line: audit file, syslog and the hook. */
void actions_audit_outcome(struct action_run *r);
/* Would the audit file take a line?  A preview's guess, creating nothing:
 * 0, or 1 with the preview refused and the reason appended to it. */
int actions_audit_probe(struct action_run *r);

/* ---- actions.c: the run -------------------------------------------------- */

/* The one place that calls pidfd_getfd(): a duplicate of the process's fd,
 * or -1 with errno set. */
int actions_getfd(int pidfd, int fd);
/* Is the process behind pidfd still running (not reaped)? */
int actions_pidfd_alive(int pidfd);
/* Outcomes: each sets res->outcome, reason and message; refuse and fail
 * return 1 so that callers can "return actions_refuse(...)". */
void actions_set_outcome(struct action_run *r, enum actions_outcome o, int e, const char *why);
int actions_refuse(struct action_run *r, int e, const char *f, ...)
	__attribute__((format(printf, 3, 4)));
int actions_fail(struct action_run *r, int e, const char *f, ...)
	__attribute__((format(printf, 3, 4)));
void actions_done(struct action_run *r, const char *f, ...)
	__attribute__((format(printf, 2, 3)));
int actions_refuse_gone(struct action_run *r);
int actions_refuse_resource(struct action_run *r, const char *what, int e);
/* A safety rule says no: why is written, returns -EPERM. */
int actions_checkf(char *why, size_t whysz, const char *f, ...)
	__attribute__((format(printf, 3, 4)));
/* Test hook: LEAKTOP_TEST_STOP_AFTER=POINT makes leaktop SIGKILL itself at
 * POINT ("undo-saved": the undo state is saved, nothing changed yet). */
void actions_test_stop(const char *point);

#endif
