/*
 * Private to the triage files (core/findings*.c and the kinds in
 * core/findings/): the entry that says everything about one kind of
 * finding, the context its rule runs in, the toolkit the rules share
 * (core/findings/rule.c), and the grouping pass that findings_evaluate
 * runs last.
 *
 * The calls go one way, from the top down (doc/structure.md):
 *
 *   findings_evaluate.c  runs the rules, marks states, groups, sorts
 *   findings_group.c     one row per problem
 *   findings_guide.c     the table of kinds and what reads it: subjects,
 *                        links, next steps
 *   findings/<kind>.c    one kind each: its rule, links, steps, words
 *   findings/rule.c      what the rules share: adding a finding, owners,
 *                        the peer and sender indexes, causes, severity
 *   findings.c           the model: names, thresholds, the severity rule,
 *                        identity, order, counts, subject
 */
#ifndef LEAKTOP_FINDINGS_INT_H
#define LEAKTOP_FINDINGS_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "leaktop/findings.h"
#include "leaktop/history.h"
#include "leaktop/meminfo.h"

struct sample;
struct ltsock;
struct sock_rate;
struct proc_info;
struct findings_group_state;

/* What a finding is about, for its sentence and for -p. */
enum findings_about {
	FINDINGS_ABOUT_PROCESS,		/* a process: the sentence starts with it */
	FINDINGS_ABOUT_PROCESS_SEEN,	/* a process when one is seen (pid >= 0),
					 * else no one (remote peers) */
	FINDINGS_ABOUT_MACHINE,		/* the machine: no subject, kept under -p */
};

/* On what two findings must agree for one to explain the other. */
enum findings_link_key {
	FINDINGS_LINK_END = 0,		/* ends an entry's list of links */
	FINDINGS_LINK_ANY,		/* nothing: every one of the kind */
	FINDINGS_LINK_PID,		/* the same process (pid >= 0) */
	FINDINGS_LINK_PID_FD,		/* the same process and fd (pid >= 0) */
	FINDINGS_LINK_SOCKET,		/* the same socket: inode (not 0), netns */
};

/* "This kind explains findings of kind `kind` that agree on `key`." */
struct findings_link {
	uint8_t kind;			/* enum finding_kind of the effect */
	uint8_t key;			/* enum findings_link_key */
};

#define FINDINGS_MAX_LINKS 4

/* A process as the process rules see it (findings_evaluate works out
 * whether its fds still rise, across samples). */
struct findings_proc_view {
	const struct proc_info *p;
	double fd_pct;			/* fd usage in % of its soft limit, 0 unknown */
	int growing;			/* its fds head for the limit, and still rise */
	struct findings_impact im;	/* the process's part of the severity inputs */
};

/* unaccounted_growth's memory over the session (in findings_state): core's
 * one memory series (history.h), on the steady clock. */
struct findings_mem_series {
	struct mem_series ms;
	/* top slab caches at the first sample, to name the ones that grew */
	struct meminfo_slab first_slab;
	int have_first_slab;
};

/* The indexes of the other ends of inet connections and of unix senders,
 * built on the first rule that asks (findings/rule.c). */
struct findings_peer_ix {
	uint32_t *v;		/* places in the shown list of inet sockets, sorted */
	size_t n;
	uint32_t *lis;		/* listening inet sockets with an inode */
	size_t nlis;
	int built;
};

struct findings_sender_ix {
	uint32_t *v;
	size_t n;
	int built;
};

/* What a rule reads and writes while findings_evaluate runs it. */
struct findings_ctx {
	const struct findings_config *c;
	const struct sample *s;
	struct finding_list *out;	/* the findings so far: a rule adds to it */
	struct findings_mem_series *mem;
	struct findings_peer_ix peers;
	struct findings_sender_ix senders;
};

/* Appends the steps of a kind to a next-steps text (findings_next_steps). */
struct findings_steps {
	char *out;
	size_t outsz;
	size_t n;		/* steps written */
	int pid, fd;		/* the subject's (a group's worst member's fd) */
	unsigned long long ino;	/* its socket (a group's worst member's) */
};

/*
 * One kind of finding: one const entry in core/findings/<name>.c, named
 * findings_kind_<name>, listed once in FINDINGS_LIST.  .kind and .name are
 * required; leave out what the kind does not have.  The rule is one or
 * more of .socket, .process, .sample (findings_evaluate calls them in that
 * order of passes, the kinds in the list's order within each pass).
 */
struct findings_kind_entry {
	enum finding_kind kind;
	const char *name;		/* the kind's name in every output */
	enum findings_about about;
	/* a finding about one socket of a process: it folds into a group of
	 * the same cause, and into its process's process_stopped finding */
	unsigned folds : 1;
	/* its findings carry a process's run state and since when (JSON's
	 * process_state and stopped_since) */
	unsigned run_state : 1;
	/* its summary names the finding that explains it most (the biggest
	 * score): ": the most by SUBJECT (KIND)", added once all rules ran */
	unsigned names_cause : 1;
	/* which of its sockets socket origins count (findings_kind_origin_scope) */
	enum findings_origin_scope origin;

	/* For each shown socket (index into s->socks); 1: this rule claims the
	 * socket, the socket rules after it in the list skip it.  0, 1 or
	 * -ENOMEM. */
	int (*socket)(struct findings_ctx *x, size_t i);
	/* For each process but leaktop itself.  0 or -ENOMEM. */
	int (*process)(struct findings_ctx *x, const struct findings_proc_view *v);
	/* Once per sample, after the socket and process passes.  0 or -ENOMEM. */
	int (*sample)(struct findings_ctx *x);
	/* Does action m of leaktop's (in place) cover finding f? */
	int (*mitigated_by)(const struct finding_mitigation *m, const struct finding *f);
	/* Which kinds this kind explains (findings_explains, findings_links),
	 * ended by a FINDINGS_LINK_END key. */
	struct findings_link explains[FINDINGS_MAX_LINKS];
	/* A group's sentence, without who (findings_group): its n members
	 * m[0..n) (worst first), their total and the worst's size in words.
	 * It may write the group's evidence and explanation too (else they
	 * are the members' count and figures, and the worst one's). */
	void (*group_words)(struct finding *g, const struct finding *m, size_t n,
			    const char *total, const char *worst_size);
	/* What to do next (findings_next_steps): findings_rule_step each. */
	void (*next_steps)(const struct finding *f, struct findings_steps *st);
};

#define FINDINGS_DECLARE(id, file, value) \
	extern const struct findings_kind_entry findings_kind_##file;
FINDINGS_LIST(FINDINGS_DECLARE)
#undef FINDINGS_DECLARE

/* The entry of kind k (findings_guide.c, the table), NULL for a kind
 * this version does not know (a newer recording's).  Not for the kinds'
 * own files: they sit below the table. */
const struct findings_kind_entry *findings_kind_entry(enum finding_kind k);

/* --- findings.c: the model's parts the rules share --- */

/* fd usage of p in % of its soft limit, 0 when either is unknown. */
double findings_fd_pct(const struct proc_info *p);
/* fds growing toward the limit by c's thresholds (findings_proc_notable's
 * and fd_exhaustion's rule). */
int findings_fds_growing(const struct findings_config *c, const struct proc_info *p);

/* --- findings/rule.c: the toolkit of the rules --- */

/* A new finding of kind and severity at the end of x->out, its subject
 * and victim unset (-1); NULL on ENOMEM. */
struct finding *findings_rule_add(struct findings_ctx *x, enum finding_kind kind,
				  enum finding_severity sev);
/* snprintf for sentences that may be cut at the end (long names). */
void findings_rule_say(char *dst, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Append "; why" to f's summary, when there is something to say. */
void findings_rule_say_why(struct finding *f, const char *why);
/* Append one step (a line) to st. */
void findings_rule_step(struct findings_steps *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The first owner of socket k: pid, fd and comm (64 bytes); 0, or -1 when
 * no fd holds it (or leaktop cannot see which). */
int findings_rule_owner(const struct sample *s, const struct ltsock *k, int32_t *pid,
			int32_t *fd, char *comm);
int findings_rule_is_inet(const struct ltsock *k);
/* A drop-all filter is safe where losing input loses nothing wanted: never
 * on TCP or a unix stream, which it would stall. */
int findings_rule_dgram_like(const struct ltsock *k);
/* The peer index of x, built on first use: 0 or -ENOMEM. */
int findings_rule_peers(struct findings_ctx *x);
/* Free x's indexes. */
void findings_rule_peers_free(struct findings_ctx *x);
/* The other end of inet connection k among the shown sockets (loopback or
 * a local address, same namespace), or the listener an unaccepted
 * connection waits in: an index into s->socks, or -1. */
ssize_t findings_rule_peer_of(struct findings_ctx *x, const struct ltsock *k);
ssize_t findings_rule_listener_of(struct findings_ctx *x, const struct ltsock *k);
/* The cause f (about socket k) may share with others of its process
 * (findings_group); toward_peer asks for the peer always.  0 or -ENOMEM. */
int findings_rule_set_cause(struct findings_ctx *x, const struct ltsock *k,
			    int toward_peer, struct finding *f);
/* "; 3 connected senders queued ... : pid 7 (logger)" for a unix reader,
 * "" without senders; names sanitised.  0 or -ENOMEM. */
int findings_rule_unix_senders(struct findings_ctx *x, const struct ltsock *k, char *out,
			       size_t outsz);
/* The severity of a finding about socket k's receive queue (q bytes,
 * growing at growth bytes/s) into f, and its words in the summary. */
void findings_rule_sock_severity(struct findings_ctx *x, const struct ltsock *k, uint64_t q,
				 double growth, struct finding *f);
/* Does m, an action on a socket (drop filter, smaller rcvbuf, drain),
 * cover f's socket? */
int findings_rule_socket_action(const struct finding_mitigation *m, const struct finding *f);
/* The next steps of a socket queue never read, or read too slowly. */
void findings_rule_queue_steps(const struct finding *f, struct findings_steps *st);
/* The words of a group of socket findings: "%zu connection(s) CAUSE". */
const char *findings_rule_connections(size_t n);

/* --- findings_group.c --- */

struct findings_group_state *findings_group_state_new(void);
void findings_group_state_free(struct findings_group_state *g);

/*
 * One row per problem (doc/triage.md, "Groups"): fold the socket findings
 * of out that share a cause into one finding each, their members moved to
 * out->members; the findings of a process that is stopped, traced or stuck
 * in D become the members of its process_stopped finding.  Runs after the
 * states are marked, so each member keeps its own (confirmation, first
 * seen, mitigation); a process_stopped finding no longer raised is listed
 * resolved for resolved_keep_s.  A group keeps its row (its id) while one
 * member is left.  out is left unsorted.  0 or -ENOMEM.
 */
int findings_group(const struct findings_config *c, struct findings_group_state *g,
		   const struct sample *s, struct finding_list *out);

#endif
