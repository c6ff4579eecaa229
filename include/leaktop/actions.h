/*
 * Remediation on one socket (or the fd limit) of another process, through
 * pidfd_open + pidfd_getfd: attach a drop-all classic BPF filter, shrink
 * SO_RCVBUF, drain the queue, raise RLIMIT_NOFILE, and undo each of them.
 *
 * Every action is pinned to what the scan saw: the process start time
 * (field 22 of /proc/PID/stat) and the socket inode.  Any mismatch, a
 * vanished process or a missing privilege refuses the action and touches
 * nothing.  Every action run is audited: an intent line is appended to the
 * audit file and fsync'd before the first change to the target (an action
 * whose intent cannot be written is refused), and an outcome line after it
 * (done, refused, failed or uncertain); both go to syslog (LOG_AUTHPRIV,
 * ident "leaktop") too, and the outcome to the audit hook.  What an
 * undo needs is kept in a small state file, so the one-shot CLI can undo in
 * a later invocation.  See doc/actions.md.
 *
 * Nothing here prints to the terminal; the front ends print the results.
 */
#ifndef LEAKTOP_ACTIONS_H
#define LEAKTOP_ACTIONS_H

#include <stddef.h>
#include <stdint.h>
#include <linux/filter.h>
#include "leaktop/common.h"

/*
 * The actions, one line each: X(ID, entry) makes the kind ACTIONS_ID, and
 * its description is the const struct action_entry actions_<entry>_entry
 * in core/actions/ (core/actions/action_int.h).  A kind's number is its
 * place here and recordings store it: add new actions at the end.  See
 * doc/adding-an-action.md.
 */
#define ACTIONS_LIST(X)							\
	X(DROP_FILTER, dropfilter)	/* attach "ret #0": queue nothing more */ \
	X(UNDO_FILTER, dropfilter_undo)	/* detach it, or restore the saved filter */ \
	X(SHRINK_RCVBUF, rcvbuf)	/* SO_RCVBUF to the kernel minimum */ \
	X(UNDO_RCVBUF, rcvbuf_undo)	/* restore the old SO_RCVBUF */	\
	X(DRAIN, drain)			/* read and discard the queue (destroys data) */ \
	X(RAISE_FD_LIMIT, fdlimit)	/* RLIMIT_NOFILE soft up to hard, or to value */ \
	X(UNDO_FD_LIMIT, fdlimit_undo)	/* restore the old RLIMIT_NOFILE */

enum actions_kind {
	ACTIONS_NONE = 0,
#define ACTIONS_ENUM(id, entry) ACTIONS_##id,
	ACTIONS_LIST(ACTIONS_ENUM)
#undef ACTIONS_ENUM
	ACTIONS_NKINDS
};

/* "drop-filter", ... ; a string literal ("?" for an unknown kind). */
const char *actions_kind_name(enum actions_kind kind);
/* The kind named name, or ACTIONS_NONE. */
enum actions_kind actions_kind_parse(const char *name);
/* 1 if the kind acts on a socket fd (needs fd and inode), 0 for the
 * process-wide fd-limit actions. */
int actions_kind_needs_fd(enum actions_kind kind);
/* The action that undoes kind, or ACTIONS_NONE (drain, and the undos). */
enum actions_kind actions_kind_undo(enum actions_kind kind);
/*
 * The command line that runs kind, complete, to paste into a shell:
 * "leaktop --act NAME --pid P", with " --fd F" for a socket action (fd >= 0)
 * and " --inode I" when inode is known (leaktop then refuses if fd F holds
 * another socket by then); with yes, " --yes" (and " --confirm-drain" for
 * the action that needs it) to carry it out rather than preview it.  Cut
 * to outsz; returns out.
 */
char *actions_kind_command(enum actions_kind kind, int pid, int fd, uint64_t inode, int yes,
			   char *out, size_t outsz);
/* One line on what kind does, for a menu ("" for an unknown kind). */
const char *actions_kind_effect(enum actions_kind kind);
/* 1 if kind needs a second, explicit confirmation (drain: confirm_drain). */
int actions_kind_needs_confirm(enum actions_kind kind);

/*
 * What to do.  pid, fd, inode and start_ticks pin the target as the scan saw
 * it.  inode 0 / start_ticks 0 mean "not scanned": they are then read from
 * procroot (/proc/PID/fd/FD, /proc/PID/stat) at the start of the call and
 * the identity checks compare against that (the one-shot CLI does this).
 * The strings are borrowed for the duration of the call.
 */
struct actions_request {
	enum actions_kind kind;
	int pid;
	int fd;			/* socket fd; -1 for the fd-limit actions */
	uint64_t inode;		/* socket inode seen at scan time, 0: read now */
	uint64_t start_ticks;	/* field 22 of /proc/PID/stat at scan time, 0: read now */
	long value;		/* raise-fd-limit: new soft limit, -1: the hard limit */
	int confirm_drain;	/* drain: the second, explicit confirmation */
	int read_only;		/* the session is read-only: refuse everything */
	const char *procroot;	/* NULL: "/proc" */
	const char *statedir;	/* NULL: actions_state_dir() picks one */
	const char *audit_log;	/* NULL: ACTIONS_AUDIT_LOG_DEFAULT */
	int no_audit_file;	/* the operator chose to act without an audit
				 * file (--no-audit-file): syslog only */
};

/* Where the audit file is when the request names none. */
#define ACTIONS_AUDIT_LOG_DEFAULT "/var/log/leaktop/audit.log"

/* Which parts of struct actions_figures are real. */
#define ACTIONS_HAVE_QUEUE	0x01	/* rmem, recv_q, rcvbuf, drops */
#define ACTIONS_HAVE_FILTER	0x02	/* filter_len, filter_locked */
#define ACTIONS_HAVE_LIMITS	0x04	/* fd_soft, fd_hard, nfds */
#define ACTIONS_HAVE_DRAINED	0x08	/* drained_bytes, drained_packets */

#define ACTIONS_FILTER_EBPF	(-1)	/* filter_len: an eBPF program, unreadable */
#define ACTIONS_UNLIMITED	UINT64_MAX	/* fd_soft / fd_hard: RLIM_INFINITY */

/* Figures read from the target, before and after an action. */
struct actions_figures {
	unsigned have;		/* ACTIONS_HAVE_* */
	uint32_t rmem;		/* SO_MEMINFO rmem_alloc: memory charged */
	uint32_t recv_q;	/* TCP: SIOCINQ bytes; others: rmem (as sock_diag) */
	uint32_t rcvbuf;	/* SO_RCVBUF as read back */
	uint32_t drops;		/* SO_MEMINFO drops */
	int32_t filter_len;	/* classic instructions attached, 0 none,
				 * ACTIONS_FILTER_EBPF */
	int filter_drops_all;	/* the attached filter is exactly "ret #0" */
	int filter_locked;	/* SO_LOCK_FILTER is set */
	uint64_t fd_soft, fd_hard;	/* RLIMIT_NOFILE */
	uint32_t nfds;		/* open fds of the process */
	uint64_t drained_bytes, drained_packets;
};

/* The target as inspected through the duplicate fd. */
struct actions_target {
	int pid;
	int fd;
	uint64_t inode;
	uint64_t start_ticks;
	char comm[64];		/* raw bytes of /proc/PID/comm: untrusted */
	int family, type, protocol;	/* SO_DOMAIN, SO_TYPE, SO_PROTOCOL
					 * (packet: ethertype, host order) */
	int listening;		/* SO_ACCEPTCONN */
	char proto[16];		/* "udp", "tcp", "packet", ... ("" for fd-limit) */
	char local[128];	/* local address as ss prints it */
};

enum actions_outcome {
	ACTIONS_PREVIEW = 0,	/* actions_preview(): it would be carried out */
	ACTIONS_DONE,		/* carried out and verified */
	ACTIONS_REFUSED,	/* a safety check said no; nothing was touched */
	ACTIONS_FAILED,		/* a runtime error (see reason) */
	ACTIONS_UNCERTAIN,	/* the change was made, but the target may not
				 * have been the pinned process (it exited
				 * around prlimit): the reason says what to check */
	ACTIONS_NOUTCOMES
};

/* "preview", "done", "refused", "failed", "uncertain" */
const char *actions_outcome_name(enum actions_outcome o);

/* Another process holding the same socket (a forked child, say). */
struct actions_sharer {
	int pid;
	int fd;			/* its first fd on the socket */
	char comm[64];		/* raw bytes of /proc/PID/comm: untrusted */
};

#define ACTIONS_SHARERS_MAX 32	/* listed; the rest are only counted */

/*
 * What happened.  Everything is inline: the struct can be copied and kept.
 * undo (when can_undo) is the request that reverts this action; its
 * procroot and statedir are the pointers of the original request, so keep
 * those alive as long as the undo entry is used.
 */
struct actions_result {
	enum actions_kind kind;
	enum actions_outcome outcome;
	int err;		/* errno behind a refusal or failure, else 0 */
	struct actions_target target;
	struct actions_figures before, after;
	char message[256];	/* one line: what was done, or why not */
	char reason[256];	/* refusal / failure cause, "" otherwise */
	char warning[256];	/* a caveat the user must see, or "" */
	char preview[1024];	/* what the action does and its effect (lines) */
	int can_undo;
	struct actions_request undo;
	char state_path[512];	/* the undo state file written/used, or "" */
	/* socket actions: the other processes holding the same socket, which
	 * a filter, a buffer size or a drain affects as well */
	int nsharers;		/* entries in sharers[] */
	int sharers_total;	/* other processes holding it (>= nsharers) */
	int sharers_unread;	/* processes whose fd table could not be read */
	struct actions_sharer sharers[ACTIONS_SHARERS_MAX];
	char audit_id[48];	/* the id of this run's audit lines, or "" */
};

/*
 * Inspect the target read-only (the same identity checks as a run, then
 * the socket's figures) and describe exactly what actions_run() would do.
 * out->outcome is ACTIONS_PREVIEW, or ACTIONS_REFUSED / ACTIONS_FAILED
 * with the reason the run would stop (an audit file that looks unwritable
 * included; nothing is created to find out).  For socket actions the
 * other processes holding the socket are listed in out->sharers (one
 * readlink per fd of every process).  Not audited: nothing is attempted.
 * Returns 0 (see out), or -EINVAL for a malformed request.
 */
int actions_preview(const struct actions_request *req, struct actions_result *out);

/*
 * Carry the action out: pin, check, write and fsync the intent to the audit
 * file, save undo state, act, verify, write the outcome.  Returns 0 with out
 * filled for every outcome (done, refused, failed, uncertain), or
 * -EINVAL for a malformed request (unknown kind, pid <= 0, missing fd).
 * The duplicate fd is closed before returning and never shut down.
 */
int actions_run(const struct actions_request *req, struct actions_result *out);

enum actions_phase {
	ACTIONS_PHASE_OUTCOME = 0,	/* after: what happened */
	ACTIONS_PHASE_INTENT,		/* before the first change: what will */
};

/* The audit record of one action run. */
struct actions_audit {
	double time;		/* unix seconds */
	uint32_t uid;		/* real uid of leaktop */
	char user[64];		/* its name, or the number */
	int64_t loginuid;	/* /proc/self/loginuid, -1 unset */
	char login[64];		/* the login user's name, "" if unset */
	const struct actions_result *result;	/* kind, outcome, target,
						 * before/after, reason */
	char id[48];		/* shared by a run's intent and outcome lines
				 * ("LEAKTOPPID.TIME.N"), "" for none */
	enum actions_phase phase;
	const char *intent;	/* PHASE_INTENT: the change about to be made */
};

typedef void (*actions_audit_fn)(const struct actions_audit *rec, void *arg);

/*
 * Register the function that receives every outcome record (the recorder
 * writes them into the recording), or NULL to remove it.  rec and
 * everything it points to are valid only during the call.  Process-wide;
 * set it before running actions (not thread-safe against concurrent runs).
 */
void actions_set_audit_hook(actions_audit_fn fn, void *arg);

/*
 * Format rec as one audit line (key=value, untrusted text escaped, no
 * newline): "id=.. phase=outcome action=.. outcome=.. uid=.." after the
 * change, "id=.. phase=intent action=.. uid=.. .. before=[..] intent=\"..\""
 * before it.  The id and phase keys are left out when rec->id is "".
 */
char *actions_audit_format(const struct actions_audit *rec, char *out, size_t outsz);

/*
 * What was observed around prlimit (raise-fd-limit and its undo), and what
 * it means: prlimit names a pid, not the pidfd, so if the pinned process
 * exits and its pid is reused in between, another process's limit changes.
 */
struct actions_prlimit_obs {
	int alive_after;	/* the pidfd was live after prlimit returned */
	int stat_err;		/* 0, or -errno reading /proc/PID/stat after */
	uint64_t start_after;	/* its start time then (when stat_err is 0) */
	char state_after;	/* its state letter then ('Z': zombie) */
	uint64_t start_pinned;	/* the start time the action was pinned to */
};

/* ACTIONS_DONE when the pinned process verifiably held the pid throughout,
 * else ACTIONS_UNCERTAIN with what was seen and what to check in why. */
enum actions_outcome actions_prlimit_verdict(int pid, const struct actions_prlimit_obs *o,
					     char *why, size_t whysz);

/*
 * Append one line (a newline is added) to the audit file at path, created
 * 0600 (its directory 0700) if missing, O_APPEND|O_NOFOLLOW, made 0600 if it
 * is wider, and fsync'd.  0, or -errno with the cause in err.
 */
int actions_audit_append(const char *path, const char *line, struct lt_err *err);

/* 1 when procroot is not the host's /proc (a --procfs copy or test tree):
 * every action is refused there. */
int actions_procroot_foreign(const char *procroot);

/*
 * The safety rules as a pure function of what was inspected: 0 if kind may
 * run on target with the figures before and the saved state st (NULL: none),
 * or -EPERM with the reason in why.  Identity checks are separate.
 */
struct actions_state;
int actions_check(const struct actions_request *req, const struct actions_target *t,
		  const struct actions_figures *before, const struct actions_state *st,
		  char *why, size_t whysz);

/* Write the preview text for req on t into out (pure).  Returns out. */
char *actions_describe(const struct actions_request *req, const struct actions_target *t,
		       const struct actions_figures *before, const struct actions_state *st,
		       char *out, size_t outsz);

/* ---- undo state ---------------------------------------------------------- */

/*
 * What an undo needs, one file per target and action family.  The filter
 * array belongs to the struct; actions_state_clear() frees it.
 */
struct actions_state {
	enum actions_kind kind;	/* the action that wrote it: DROP_FILTER,
				 * SHRINK_RCVBUF or RAISE_FD_LIMIT */
	int pid;
	uint64_t start_ticks;
	int fd;			/* -1 for RAISE_FD_LIMIT */
	uint64_t inode;		/* 0 for RAISE_FD_LIMIT */
	int64_t time;		/* unix seconds when it was written */
	/* DROP_FILTER: the classic filter attached before (0: none) */
	uint32_t filter_len;
	struct sock_filter *filter;
	/* SHRINK_RCVBUF: SO_RCVBUF before and as set */
	uint32_t old_rcvbuf, new_rcvbuf;
	/* RAISE_FD_LIMIT: RLIMIT_NOFILE before and as set (ACTIONS_UNLIMITED) */
	uint64_t old_soft, old_hard, new_soft, new_hard;
};

void actions_state_clear(struct actions_state *st);

/* Encode st as text into a malloc'd NUL-terminated *text (caller frees). */
int actions_state_encode(const struct actions_state *st, char **text, size_t *len);

/*
 * Parse and validate a state file's text into st.  *st is overwritten, not
 * freed (clear an earlier state first); on error it is left empty.  Returns
 * 0, -EBADMSG with a cause in err for anything malformed, or -ENOMEM.
 * Never reads outside text[0..len).
 */
int actions_state_decode(const char *text, size_t len, struct actions_state *st,
			 struct lt_err *err);

/* The file name (no directory) of the state for (kind's family, target). */
int actions_state_name(enum actions_kind kind, int pid, uint64_t start_ticks, int fd,
		       uint64_t inode, char *out, size_t outsz);

/*
 * The directory undo state lives in, created 0700 if missing: /run/leaktop
 * when writable, else $XDG_RUNTIME_DIR/leaktop, else /tmp/leaktop-$UID.  A
 * directory not owned by us or open to others is refused (-EPERM).
 */
int actions_state_dir(char *out, size_t outsz, struct lt_err *err);

/* Read / write / remove one state file under dir (written atomically,
 * 0600; symlinks are not followed).  Load overwrites *st like decode:
 * -ENOENT when absent, -EBADMSG (err) when corrupt. */
int actions_state_load(const char *dir, const char *name, struct actions_state *st,
		       struct lt_err *err);
int actions_state_save(const char *dir, const char *name, const struct actions_state *st,
		       struct lt_err *err);
int actions_state_remove(const char *dir, const char *name);
/* Remove the states whose process has exited or whose pid was reused
 * (loadable states only; corrupt ones stay); the number removed.  Called
 * by the paths that save a state. */
int actions_state_prune(const char *procroot, const char *dir);

/*
 * The actions of leaktop's recorded in the state directory (undo states and
 * drain markers; nothing is created), each checked against its live target:
 * in_place 1 (the filter, buffer size or limit is still the one set, or
 * the drained socket is still held), 0 (why: exited, fd closed, changed
 * since) or -errno when it cannot be told.  The filter copies are freed.
 * *out is malloc'd (caller frees), *n its length.  Always 0.
 */
struct actions_in_place {
	struct actions_state st;
	int in_place;
	char why[128];
};
int actions_in_place(const char *procroot, struct actions_in_place **out, size_t *n);

/* ---- small pieces, exposed for tests ------------------------------------- */

/* Field 22 (starttime) of a /proc/PID/stat line; 0 and *ticks, or -EBADMSG. */
int actions_parse_stat_start(const char *stat, uint64_t *ticks);

/* The one-instruction drop-all filter leaktop attaches. */
extern const struct sock_filter actions_drop_insn;

#endif
