/*
 * Guided triage: rules that turn a sample's evidence into a short, ranked
 * list of findings, each a plain sentence with the figures behind it, an
 * explanation to forward to the owning team, and the safe action to take.
 *
 * Thresholds live in struct findings_config (documented in doc/triage.md,
 * settable with --threshold NAME=VALUE).  A finding needs enough samples to
 * be sure; until then it is marked suspected.  struct findings_state keeps
 * what the rules need across samples (memory series, first-seen times).
 */
#ifndef LEAKTOP_FINDINGS_H
#define LEAKTOP_FINDINGS_H

#include <stddef.h>
#include <stdint.h>
#include "leaktop/common.h"

struct sample;

/*
 * The kinds of finding, one line each: X(ID, file, value).  ID names the
 * kind FINDING_<ID>; file is its rule's file core/findings/<file>.c, whose
 * entry findings_kind_<file> says everything about the kind (doc/
 * adding-a-finding.md); value is the kind's number, kept in recordings and
 * hashed into every id: never change or reuse one, a new kind takes the
 * next.  The order of the lines is the order the rules run in: a socket
 * rule that claims a socket hides it from the socket rules below it.
 */
#define FINDINGS_LIST(X)						\
	X(SEND_STALL, send_stall, 6)	/* a sender waits on a reader */ \
	X(UNREAD_QUEUE, unread_queue, 0) /* a queue never read */	\
	X(QUEUE_FULL_DROPPING, queue_full_dropping, 1) /* read too slowly */ \
	X(ORPHANED_CONNECTIONS, orphaned_connections, 7) /* no fd holds them */ \
	X(GHOST_SOCKETS, ghost_sockets, 2) /* fds of connections that ended */ \
	X(FD_EXHAUSTION, fd_exhaustion, 3) /* fds run out */		\
	X(UNACCOUNTED_GROWTH, unaccounted_growth, 4) /* memory no counter names */ \
	X(SOCKET_MEMORY_PRESSURE, socket_memory_pressure, 5) /* tcp_mem, udp_mem */ \
	X(PROCESS_STOPPED, process_stopped, 8) /* a stopped, traced or D-state \
				 * process whose queues fill: its socket	\
				 * findings are its members (raised by the	\
				 * grouping pass, core/findings_group.c) */

enum finding_kind {
#define FINDINGS_ENUM(id, file, value) FINDING_##id = value,
	FINDINGS_LIST(FINDINGS_ENUM)
#undef FINDINGS_ENUM
#define FINDINGS_COUNT(id, file, value) + 1
	FINDING_NKINDS = 0 FINDINGS_LIST(FINDINGS_COUNT)
#undef FINDINGS_COUNT
};

enum finding_severity { FINDING_INFO, FINDING_WARNING, FINDING_CRITICAL };

/* Where a finding stands (doc/triage.md, "States"). */
enum finding_state {
	FINDING_SUSPECTED,	/* not enough samples yet to be sure */
	FINDING_CONFIRMED,
	FINDING_MITIGATED,	/* an action of leaktop's is in place on it */
	FINDING_RESOLVED,	/* the condition is gone (kept for a while) */
	FINDING_NSTATES
};

/* Whether the mitigation in place works. */
enum finding_check {
	FINDING_CHECK_NONE,	/* not mitigated */
	FINDING_CHECK_PENDING,	/* too few samples since the action to tell */
	FINDING_CHECK_WORKS,	/* the queue stopped growing or fell; headroom */
	FINDING_CHECK_FAILS,	/* it grows on regardless */
	FINDING_NCHECKS
};

/*
 * An action of leaktop's found in place on a process or socket (from the
 * undo state leaktop keeps, verified against the live target), with what
 * the samples since say about it.  The sampler fills them; findings_evaluate
 * marks the findings they cover mitigated.
 */
struct finding_mitigation {
	uint8_t kind;		/* enum actions_kind */
	uint8_t check;		/* enum finding_check */
	int8_t in_place;	/* 1 verified, 0 gone (undone, fd closed), -1 unknown */
	int32_t pid;
	int32_t fd;		/* -1 for a process-wide action */
	uint64_t inode;		/* 0 for a process-wide action */
	double time;		/* unix seconds it was taken */
	char how[160];		/* what the samples since show */
};

struct finding {
	uint8_t kind;		/* enum finding_kind */
	uint8_t severity;	/* enum finding_severity */
	uint8_t suspected;	/* not enough samples yet to be sure */
	int32_t pid;		/* subject process, -1 for the system */
	int32_t fd;		/* subject fd, -1 if none */
	uint64_t inode;		/* subject socket, 0 if none */
	uint64_t netns;
	char comm[64];		/* raw, untrusted */
	int32_t victim_pid;	/* who suffers from it (a stalled sender), -1 */
	int32_t victim_fd;
	char victim_comm[64];	/* raw, untrusted */
	double observed_s;	/* how long the evidence has been seen */
	double score;		/* rank within a severity: bigger first */
	uint8_t action;		/* enum actions_kind suggested, ACTIONS_NONE: none
				 * (actions_kind_name gives its --act name) */
	char summary[256];	/* what is wrong, without who (the subject is
				 * pid/fd/comm): findings_summary makes the
				 * sentence */
	uint8_t summary_whole;	/* summary is already the whole sentence (an
				 * old recording's that did not split) */
	char evidence[256];	/* the figures */
	char explanation[640];	/* what to forward to the owning team */
	uint8_t state;		/* enum finding_state */
	uint8_t mitigation;	/* enum actions_kind in place, 0 none */
	uint8_t check;		/* enum finding_check */
	double mitigated_at;	/* unix seconds of that action, 0 */
	char mitigation_note[160];	/* what the samples since show */
	/*
	 * One row per problem (findings_group): the socket findings of one
	 * process that share a cause (the same listening port, peer or
	 * kind), or all those of a stopped process, are folded into one
	 * finding, a group, whose members sit in its list's members array.
	 */
	uint64_t cause;		/* the shared cause, part of the identity
				 * (findings_hash); 0: none */
	char cause_text[64];	/* it in words (":8080", "127.0.0.1:6379"),
				 * sanitised; "" none */
	uint64_t bytes;		/* what it pins: a socket's queue, a group's
				 * total */
	uint64_t ceiling;	/* the most a socket finding can pin (its
				 * buffer), 0 none */
	uint32_t nmembers;	/* members folded into it, 0: not a group */
	uint32_t member_first;	/* its members: list->members[member_first
				 * .. + member_n) */
	uint32_t member_n;	/* how many of them the list holds (0 for a
				 * resolved group kept from an earlier sample) */
	int32_t worst_fd;	/* the member that pins the most, -1 none */
	uint64_t worst_inode;
	uint64_t worst_bytes;
	double since;		/* process_stopped: unix seconds it was first
				 * seen so, 0 */
	char proc_state;	/* process_stopped: 'T' stopped, 't' traced,
				 * 'D' uninterruptible; 0 */
	uint32_t member_of;	/* a recording's member row: 1 + the row of
				 * its group; 0 everywhere else */
};

struct finding_list {
	struct finding *v;	/* most severe first */
	size_t n, cap;
	struct finding *members;	/* the members of v's groups, each
					 * group's together, worst first */
	size_t nmembers, mcap;
};

/* The members of f, a finding of l: their count into *n; NULL when f is
 * no group or its members are not listed (a resolved group). */
const struct finding *findings_members(const struct finding_list *l,
				       const struct finding *f, size_t *n);

/*
 * The sockets the findings of l are about, the one rule: a socket is a
 * finding's when an open finding (findings_is_open) names its inode, or an
 * open member of an open group does (a group row names no socket of its
 * own; its members do).  findings_about_socket asks the list itself
 * (O(F)); for a whole table, build the set once per sample
 * (findings_socks_build, O(F log F)) and ask it per socket
 * (findings_socks_has, O(log F)).  The Sockets pane's problems first and
 * Prometheus's socket series read it.
 */
int findings_about_socket(const struct finding_list *l, uint64_t inode);
struct findings_socks {
	uint64_t *ino;		/* sorted; owned, findings_socks_free */
	size_t n;
};
/* 0, or -ENOMEM with set empty. */
int findings_socks_build(struct findings_socks *set, const struct finding_list *l);
int findings_socks_has(const struct findings_socks *set, uint64_t inode);
void findings_socks_free(struct findings_socks *set);
/*
 * The processes the open findings of l are about (findings_is_open, pid
 * not -1), as a sorted set built once per sample: with
 * findings_proc_notable, the Processes pane's problems first.
 * findings_about_pid asks the list itself (O(F)).
 */
int findings_about_pid(const struct finding_list *l, int pid);
struct findings_pids {
	int32_t *pid;		/* sorted; owned, findings_pids_free */
	size_t n;
};
/* 0, or -ENOMEM with set empty. */
int findings_pids_build(struct findings_pids *set, const struct finding_list *l);
int findings_pids_has(const struct findings_pids *set, int pid);
void findings_pids_free(struct findings_pids *set);

struct findings_config {
	double unread_min_bytes;	/* a never-read queue this big is a finding (64 KiB) */
	double unread_crit_bytes;	/* a real share of memory when MemAvailable
					 * is unknown (1 MiB) */
	double confirm_samples;		/* samples before a finding is confirmed (5) */
	double ghost_min;		/* ghosts at least (2) ... */
	double ghost_persist_s;		/* ... or one persisting this long (300 s) */
	double ghost_crit;		/* unused since #24 (severity is impact);
					 * still accepted by --threshold */
	double ghost_grace_s;		/* a ghost younger than this is a connection
					 * its program is still closing (3 s) */
	double fd_horizon_s;		/* forecast exhaustion within (86400 s) */
	double fd_crit_s;		/* critical within (3600 s) */
	double fd_crit_pct;		/* or fd usage above (90 %) */
	double fd_min_growth;		/* fds per hour, at least (60) ... */
	double fd_min_increase;		/* ... and this many more fds in the window (10) */
	double fd_min_span_s;		/* a shorter history only counts when the
					 * limit is within fd_crit_s (60 s) */
	double unaccounted_bps;		/* unaccounted growth at least (65536 B/s) */
	double unaccounted_window_s;	/* over at least (30 s) */
	double pressure_pct;		/* socket memory vs the pressure limit (80 %) */
	double resolved_keep_s;		/* a resolved finding stays listed (300 s) */
	double crit_horizon_s;		/* harm within this is critical (14400 s) */
	double crit_mem_pct;		/* memory this share of MemAvailable is
					 * critical (10 %) */
	double verdict_samples;		/* samples before "no leaks found" (3) */
};

/* The defaults above. */
void findings_config_default(struct findings_config *c);
/* Set one threshold by name ("unread_min_bytes"); -EINVAL with a cause for
 * an unknown name or a value that is not a non-negative number. */
int findings_config_set(struct findings_config *c, const char *name,
			const char *value, struct lt_err *err);
/* Names and current values, for --help and docs: the i-th, or NULL. */
const char *findings_config_name(size_t i, const struct findings_config *c,
				 double *value);

/*
 * What a finding will do to this machine: the inputs of the one severity
 * rule (doc/triage.md, "Severity is impact").  Each rule fills the
 * finding's own part; findings_impact_machine the machine's.
 */
struct findings_impact {
	int note;		/* worth knowing, harms nothing by itself: info */
	uint64_t bytes;		/* kernel memory it pins now */
	uint64_t ceiling;	/* the most it can pin, 0: no ceiling */
	const char *ceiling_of;	/* what sets the ceiling ("its rcvbuf"), static */
	int at_ceiling;		/* it is there (ltsock_is_full): "stopped at" */
	double growth_bps;	/* bytes/s it grows, 0 when it does not */
	double fd_left_s;	/* seconds until its fds reach the soft limit,
				 * < 0: not heading there */
	double fd_pct;		/* fd usage in % of the soft limit, 0 unknown */
	/* the machine */
	uint64_t mem_available;	/* MemAvailable, 0 unknown */
	int64_t pressure_room;	/* bytes until its protocol's socket memory
				 * reaches the tcp_mem / udp_mem pressure
				 * value (0: there already), < 0 unknown */
};

/*
 * The one severity rule, for every finding and so every output: critical
 * when the harm comes within crit_horizon_s (fds within fd_crit_s or above
 * fd_crit_pct; memory whose ceiling, or what it holds without one, is
 * crit_mem_pct of MemAvailable (unread_crit_bytes when that is unknown);
 * growth without a ceiling that takes MemAvailable; its protocol's socket
 * memory at or, filling, past the pressure value); info for a note;
 * warning for the rest, a real but bounded or slow leak.  Writes into why
 * (may be NULL) the words that say so ("will stop at 208 KiB, its
 * rcvbuf"), "" when there is nothing to add.
 */
enum finding_severity findings_severity(const struct findings_config *c,
					const struct findings_impact *in,
					char *why, size_t whysz);
/* The machine's part of in, from s: MemAvailable and the room left below
 * the pressure value of tcp_mem (tcp 1) or udp_mem (tcp 0); the rest of in
 * is left as it is. */
void findings_impact_machine(const struct sample *s, int tcp, struct findings_impact *in);

/* What a front end may say about the findings so far (findings_verdict). */
enum findings_verdict_kind {
	FINDINGS_WAITING,	/* too few samples to say "no leaks" */
	FINDINGS_NO_LEAK,	/* enough samples, no open warning or critical */
	FINDINGS_LEAK,		/* an open warning or critical */
};
/*
 * The verdict after `samples` samples: a leak as soon as one is found;
 * "no leaks found" only once verdict_samples samples (the rules need three
 * to see a queue never read or fds growing) have been taken; until then
 * waiting, with the samples still needed in *need (may be NULL).
 */
enum findings_verdict_kind findings_verdict(const struct findings_config *c,
					    const struct finding_list *l,
					    unsigned samples, unsigned *need);

struct findings_state;
struct findings_state *findings_state_new(void);
void findings_state_free(struct findings_state *st);

/*
 * Evaluate the rules on s (which must carry the census and processes for
 * the socket and process rules) and fill out, most severe first.  out is
 * overwritten; free it with findings_list_free.  0 or -ENOMEM.
 *
 * A finding an action in s->mitigations covers is marked mitigated (with
 * the check's verdict in its evidence); a consequence names its cause (fd
 * exhaustion its ghost sockets); a finding confirmed before and gone now is
 * kept, resolved, for findings_config's resolved_keep_s.  Last, one row
 * per problem (core/findings_group.c): the socket findings of one process
 * that share a cause become one group, those of a stopped, traced or
 * D-state process its process_stopped finding; their members move to
 * out->members (findings_members).
 */
int findings_evaluate(const struct findings_config *c, struct findings_state *st,
		      const struct sample *s, struct finding_list *out);
void findings_list_free(struct finding_list *l);

struct proc_info;
/*
 * Is process p worth a row in an output?  Ghost sockets, bytes queued in
 * its sockets, fd usage at fd_crit_pct or more, or fds growing toward the
 * limit as the fd_exhaustion rule counts it (fd_min_growth,
 * fd_min_increase, within fd_horizon_s): the thresholds of c, so
 * --threshold moves the rows with the findings.  c NULL: the defaults.
 */
int findings_proc_notable(const struct findings_config *c, const struct proc_info *p);
/*
 * Does a memory figure grow fast: by unaccounted_bps or more, seen over
 * unaccounted_window_s or longer?  The rate and window unaccounted_growth
 * fires at, and the Memory pane marks a line by, so --threshold moves
 * both.  c NULL: the defaults.
 */
int findings_mem_growing(const struct findings_config *c, double bps, double span_s);

const char *findings_kind_name(enum finding_kind k);
/* Which sockets of a finding of kind k socket origins (origin.c) count:
 * none (the kind names no process whose sockets' origin matters), the
 * process's ghost sockets, all its sockets, or the finding's own socket
 * (a group's: its members').  From the table of kinds. */
enum findings_origin_scope {
	FINDINGS_ORIGIN_NONE,
	FINDINGS_ORIGIN_GHOSTS,
	FINDINGS_ORIGIN_PROCESS,
	FINDINGS_ORIGIN_SOCKET,
};
enum findings_origin_scope findings_kind_origin_scope(enum finding_kind k);
/* 1 when findings of kind k carry a process's run state and since when
 * (proc_state, since: process_stopped's); from the table of kinds. */
int findings_kind_has_run_state(enum finding_kind k);
/*
 * Does an action of kind taken on pid, fd, inode (fd -1 and inode 0 for a
 * process-wide one) act on f?  The rule that marks f mitigated by it (its
 * kind's .mitigated_by: a socket action the finding about that socket, a
 * group's member, not the group; a raised fd limit the process's fd
 * exhaustion); an undo acts on what the action it undoes covers.  An
 * action names no finding kind nor namespace, so this is the one rule, not
 * findings_same.
 */
int findings_action_covers(const struct finding *f, int kind, int pid, int fd,
			   uint64_t inode);
const char *findings_severity_name(enum finding_severity s);
const char *findings_state_name(enum finding_state s);
const char *findings_check_name(enum finding_check c);

/*
 * A finding's id: stable across samples, runs and recordings for the same
 * problem (its kind and subject: pid, fd, socket, namespace), 12 hex
 * digits into out (at least 13 bytes).  Returns out.
 */
char *findings_id(const struct finding *f, char *out, size_t outsz);
/* The whole hash the id is cut from: equal for the same problem. */
uint64_t findings_hash(const struct finding *f);
/*
 * A finding's identity, the one rule: two findings are the same problem
 * when kind, pid, fd, socket inode and namespace are equal (what
 * findings_hash hashes).  findings_identity_cmp orders by it (for sorting
 * and binary search); findings_same is its equality.
 */
int findings_identity_cmp(const struct finding *a, const struct finding *b);
int findings_same(const struct finding *a, const struct finding *b);
/*
 * The order of findings in every output and pane: what still needs
 * someone first.  Resolved last; then severity; working mitigations below
 * the open problems of their severity; suspected below confirmed; then
 * score (bigger first), pid, identity.  <0 when a comes first.
 */
int findings_cmp(const struct finding *a, const struct finding *b);
/* Is f still a problem?  Every state but resolved (a resolved finding
 * stays listed for resolved_keep_s). */
int findings_is_open(const struct finding *f);
/* Is f suspected: the rules have seen too few samples to be sure (its
 * suspected mark; state FINDING_SUSPECTED is the same on a finding no
 * mitigation holds).  Every output and pane asks this, not the state. */
int findings_is_suspected(const struct finding *f);
/* Is f held by a mitigation of leaktop's that does not work (check
 * FINDING_CHECK_FAILS): it counts as an open problem. */
int findings_mitigation_fails(const struct finding *f);
/* f's state in one word, as every output and pane says it: the state's
 * name (findings_state_name), "no effect" for a mitigation that does not
 * work (findings_mitigation_fails).  A string literal. */
const char *findings_state_word(const struct finding *f);
/* Is f held by a mitigation of leaktop's that works (or is still being
 * checked)?  It stays listed, mitigated, while it pins memory, but it is
 * not an open problem in the counts. */
int findings_mitigated_works(const struct finding *f);
/* How many findings of l findings_mitigated_works holds: the header's
 * "N mitigated", apart from the open ones. */
size_t findings_mitigated_count(const struct finding_list *l);
/* Is f a note, not a problem: an info finding.  Every front end lists it,
 * none counts it as a problem or a leak (the header's "(2 notes)", text's
 * "no leaks found", the postmortem's "**2 problems** ...; 1 note"). */
int findings_is_note(const struct finding *f);
/* The findings of l that are still a problem (findings_is_open) and not
 * held by a working mitigation, by severity; info: the notes
 * (findings_is_note). */
void findings_open_counts(const struct finding_list *l, size_t *crit, size_t *warn,
			  size_t *info);
/* "Is there a leak?": 1 when an open (not resolved) finding is a warning
 * or critical, mitigated ones included (their memory stays pinned); info
 * findings are notes, not leaks. */
int findings_any_leak(const struct finding_list *l);
/*
 * Who a finding is about, as every output words it: "comm (pid N, fd M)",
 * "comm (pid N)", or "a process leaktop cannot see (run as root)";
 * the command sanitised.  Returns out.
 */
char *findings_subject(const struct finding *f, char *out, size_t outsz);
/* 1 when f's sentence starts with its subject (a process's problem);
 * 0 for the system's (memory, pressure, orphans toward remote peers). */
int findings_has_subject(const struct finding *f);
/*
 * Who f is about in a table's two narrow cells, the short form of
 * findings_subject: into id "812/3" or "812", into comm the command
 * (sanitised); a process leaktop cannot see: "hidden" and "run as root";
 * a finding about the machine (findings_has_subject 0): "system" and "".
 */
void findings_subject_cells(const struct finding *f, char *id, size_t idsz, char *comm,
			    size_t commsz);
/*
 * The one human sentence of f (the JSON "summary", the text and Markdown
 * headings, the strip): subject and summary, or the summary alone when f
 * has no subject.  Cut to outsz; returns out.  Unsanitised text of the
 * summary is left for the sink to escape.
 */
char *findings_summary(const struct finding *f, char *out, size_t outsz);
/*
 * The recording's boundary: a recording keeps the whole sentence in its
 * summary field (findings_summary).  Take the subject off f->summary again
 * when it starts with it; else mark it summary_whole.
 */
void findings_summary_from_sentence(struct finding *f);
/* Does finding c explain finding e?  The one rule findings_links lists. */
int findings_explains(const struct finding *c, const struct finding *e);

/*
 * Findings that explain one another: the indices in v[0..n) of the
 * findings that cause v[i] (causes=0) or that v[i] causes (causes=1), at
 * most max into out; returns how many there are.  A pure function of the
 * list: fd exhaustion is caused by the same process's ghost sockets;
 * socket memory pressure by the findings that pin socket memory; a
 * stalled sender by its reader's unread or full queue; a full, dropping
 * queue by the same socket never being read.
 */
size_t findings_links(const struct finding *v, size_t n, size_t i, int causes,
		      size_t *out, size_t max);

/*
 * The same links for a whole list at once, for a sink that lists every
 * finding's: findings_links_index indexes v[0..n) in O(n log n) (NULL with
 * errno ENOMEM); findings_links_at then answers exactly what
 * findings_links(v, n, i, causes, out, max) answers, in O(log n + max).
 * With ix NULL (the index could not be built) it falls back to that scan.
 * The index borrows v: valid while v[0..n) is unchanged; free it with
 * findings_links_index_free (NULL does nothing).
 */
struct findings_links_ix;
struct findings_links_ix *findings_links_index(const struct finding *v, size_t n);
size_t findings_links_at(const struct findings_links_ix *ix, const struct finding *v,
			 size_t n, size_t i, int causes, size_t *out, size_t max);
void findings_links_index_free(struct findings_links_ix *ix);

/*
 * What to do next about f, one step per line ('\n' between): what to
 * collect now (the exact commands), how to confirm the root cause, the
 * lasting fix in the program, how to verify it after a restart.  Returns
 * the number of steps written into out (cut to outsz).
 */
size_t findings_next_steps(const struct finding *f, char *out, size_t outsz);

#endif
