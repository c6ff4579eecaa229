/*
 * Socket origins (issue 28): where in a program its leaked sockets were
 * created, for the developers who have to fix it.
 *
 * The pipeline, in three parts:
 *
 * - the kernel side (core/bpf/origin.bpf.c): for each process in a watched
 *   map, every new socket file (socket(), socketpair(), accept(), accept4())
 *   writes its inode, the user registers and a copy of the top of the user
 *   stack to a ring buffer, within a rate limit per process; a traced
 *   socket's release writes a "freed" record;
 * - the unwinder (core/unwind.c): libdw unwinds the copied stack with the
 *   program's and libraries' .eh_frame (the way perf's --call-graph dwarf
 *   does), so an -O2 program without frame pointers, even stripped, gives
 *   its path; frames are named from .symtab/.dynsym where present, else
 *   module, offset and build-id (what `addr2line -e MODULE OFFSET` needs);
 * - this module (core/origin.c): loads the program on first use, reads the
 *   events as they come (each is unwound at once: the process may exit
 *   later), keeps one distinct path per call path and the path of each
 *   live traced socket, watches the processes the operator names (--trace)
 *   and those a finding names, and groups a finding's sockets by path.
 *
 * Origins are off, and everything else works as before, without root, BTF
 * or BPF, in a build without BPF or libdw, when LEAKTOP_FALLBACKS names
 * "bpf", under --read-only and in replay (the caller does not make one);
 * origin_why_off() gives the one line that says why.  Memory is bounded:
 * ORIGIN_MAX_PATHS paths, ORIGIN_MAX_SOCKETS traced sockets (the oldest go
 * first), ORIGIN_MAX_WATCHED processes; the kernel's maps are bounded too.
 */
#ifndef LEAKTOP_ORIGIN_H
#define LEAKTOP_ORIGIN_H

#include <stddef.h>
#include <stdint.h>
#include "leaktop/common.h"

struct sample;
struct finding;
struct history;

#define ORIGIN_MAX_FRAMES	32
#define ORIGIN_MAX_PATHS	4096
#define ORIGIN_MAX_SOCKETS	65536
#define ORIGIN_MAX_GROUPS	4	/* paths listed per finding */

/* One frame of a call path.  Text is raw (from the inspected machine's
 * files): sanitise before printing. */
struct origin_frame {
	uint64_t pc;		/* the address in the process (a return
				 * address for every frame but the first) */
	uint64_t offset;	/* pc in the module's own addresses: what
				 * `addr2line -e module offset` takes */
	char module[160];	/* the module's path, "" when none covers pc */
	char function[96];	/* the symbol, "" when the module has none */
	uint64_t sym_off;	/* pc - the symbol's start */
	char build_id[41];	/* hex, "" unknown */
};

/* How the socket came: the system call behind sock_alloc_file. */
enum origin_how {
	ORIGIN_HOW_OTHER,
	ORIGIN_HOW_SOCKET,	/* socket() */
	ORIGIN_HOW_ACCEPT,	/* accept(), accept4() */
	ORIGIN_HOW_SOCKETPAIR,	/* socketpair() */
};

/* One distinct call path (the same system call and module offsets). */
struct origin_path {
	uint8_t how;		/* enum origin_how */
	uint8_t truncated;	/* the copied stack ended before the outermost frame */
	uint32_t nframes;
	struct origin_frame frames[ORIGIN_MAX_FRAMES];	/* innermost first */
	uint64_t hits;		/* sockets seen created here */
};

/* A finding's sockets by path. */
struct origin_group {
	uint32_t path;		/* origin_path() index */
	uint32_t count;
};

struct origin_summary {
	const char *what;	/* "ghost sockets", "sockets", "socket" (static) */
	uint32_t total;		/* the finding's sockets */
	uint32_t traced;	/* of which a path is known for */
	uint32_t before;	/* created before leaktop watched the process */
	uint32_t missed;	/* created while watched, but not recorded
				 * (rate limit, full buffer, process gone
				 * before its stack could be read) */
	uint32_t ngroups;
	struct origin_group groups[ORIGIN_MAX_GROUPS];	/* most first */
};

struct origin;

/* 1 when this build carries origins (BPF and libdw). */
int origin_built(void);

/* An origin tracer; nothing is loaded until a process is watched.  NULL on
 * -ENOMEM. */
struct origin *origin_new(void);
/* Detach and unload everything.  NULL does nothing. */
void origin_free(struct origin *o);

/*
 * Watch pid from now on: load the program on the first call.  0; -errno
 * when origins are off (origin_why_off says why) or the watched map is
 * full.  Watching a pid again does nothing.
 */
int origin_watch(struct origin *o, int pid);

/* Why origins are off: "" when on or not tried yet.  Borrowed from o. */
const char *origin_why_off(const struct origin *o);

/*
 * Once per sample: watch the processes s's findings name (ghost sockets,
 * fd growth, unread queues), read the events that came since, forget the
 * sockets that were freed and the processes that exited, and group the
 * sockets of each of s's findings by path.  h gives the ghosts (may be
 * NULL: ghosts are then the owners' inodes no census socket has).  The
 * summaries are kept in o until the next call; s->origin is set to o.
 */
void origin_update(struct origin *o, struct sample *s, const struct history *h);

/* The summary of f (a finding of the sample last given to origin_update),
 * or NULL when f has none (no process, or not watched). */
const struct origin_summary *origin_summary_of(const struct origin *o,
					       const struct finding *f);
/* Path i, or NULL.  Valid until origin_free. */
const struct origin_path *origin_path(const struct origin *o, uint32_t i);

/* The number of the first frame that is the program's own (not in the C
 * library's system call wrappers), the frame the sentence names. */
uint32_t origin_path_first(const struct origin_path *p);
/* "accepted", "created", "created (socketpair)". */
const char *origin_how_verb(enum origin_how how);
/* One frame in words: "handle_client (leak_ghost+0x1a2b)" or, without a
 * symbol, "leak_ghost+0x1a2b"; sanitised. */
void origin_frame_words(const struct origin_frame *fr, char *buf, size_t bufsz);
/* The sentence of one group: "31 of its 33 ghost sockets were accepted at
 * handle_client (leak_ghost+0x1a2b) <- serve_loop <- main"; sanitised. */
void origin_group_words(const struct origin *o, const struct origin_summary *sum,
			const struct origin_group *g, char *buf, size_t bufsz);
/* The line for the sockets no path is known for, "" when none: "2 of its
 * 33 ghost sockets were created before leaktop watched it; restart it
 * under watch or keep --serve running". */
void origin_rest_words(const struct origin_summary *sum, char *buf, size_t bufsz);
/* The one line a view gives f's origin (the socket view, an fd table):
 * its biggest path's sentence, else its rest line; 0 and "" when f has
 * none.  Sanitised. */
int origin_brief(const struct origin *o, const struct finding *f, char *buf, size_t bufsz);
/* The addr2line command for a frame without a symbol:
 * "addr2line -f -e /usr/bin/gshell 0x1a2b"; sanitised. */
void origin_addr2line(const struct origin_frame *fr, char *buf, size_t bufsz);

/* The processes watched now (the i-th's pid, -1 past the end), and the
 * traced sockets kept. */
size_t origin_nwatched(const struct origin *o);
int origin_watched_pid(const struct origin *o, size_t i);
size_t origin_nsockets(const struct origin *o);

/* The next step a finding with a known path adds to its own, or NULL. */
const char *origin_next_step(const struct origin_summary *sum);

/* ---- a recording's origins (core/rec_*.c) -------------------------------- */

/* The summaries o holds for the findings of its last sample: the i-th's
 * finding (its identity) and summary, NULL past the end. */
size_t origin_nsums(const struct origin *o);
const struct finding *origin_sum_at(const struct origin *o, size_t i,
				    const struct origin_summary **sum);
/* The word of a summary's what ("socket", "sockets", "ghost sockets") as a
 * number for a recording (0, 1, 2), and back (NULL for an unknown one). */
unsigned origin_what_code(const char *what);
const char *origin_what_word(unsigned code);
/*
 * An origin as a recording gave it: nothing loaded, nothing watched live
 * (origin_why_off says ""); the reader adds its paths, summaries and
 * watched pids.  NULL on -ENOMEM.  Each add: 0, -ENOMEM, or -E2BIG
 * (a path) or -ENOSPC (a pid) past the bounds of a live one
 * (ORIGIN_MAX_PATHS, ORIGIN_MAX_WATCHED).
 */
struct origin *origin_replayed(void);
int origin_replayed_path(struct origin *o, const struct origin_path *p, uint32_t *idx);
int origin_replayed_summary(struct origin *o, const struct finding *key,
			    const struct origin_summary *sum);
int origin_replayed_watched(struct origin *o, int pid);
void origin_replayed_nsockets(struct origin *o, size_t n);

/* ---- for tests: what the ring buffer would bring ------------------------ */

/* Take one record as the ring buffer gives it (core/bpf/origin_rec.h): a
 * new socket is unwound at once, a freed one forgotten.  0 or -errno. */
int origin_feed(struct origin *o, const void *rec, size_t len);
/* Mark pid watched since now without loading anything (tests). */
void origin_watch_fake(struct origin *o, int pid);

/* ---- the unwinder (core/unwind.c) ---------------------------------------- */

struct unwind_cache;

/* A cache of the processes' modules and their unwind tables.  NULL on
 * -ENOMEM. */
struct unwind_cache *unwind_cache_new(void);
void unwind_cache_free(struct unwind_cache *c);
/* Forget pid (it exited). */
void unwind_cache_forget(struct unwind_cache *c, int pid);

/*
 * Unwind one captured user stack of thread tid of process pid: regs in
 * x86_64 DWARF order (ORIGIN_NREGS of them, regs[7] the stack pointer,
 * regs[16] the instruction pointer), stack the len bytes copied from the
 * stack pointer up.  Memory outside the copy is read from the live process
 * (/proc/PID/mem), except the stack beyond the copy, which ends the walk.
 * The frames go to out[0..max), innermost first, named as origin_frame
 * says.  Returns how many (>= 1), or -errno with err set (no libdw in this
 * build, the process is gone, no module covers the pc).  *truncated (may
 * be NULL) is set when the walk stopped at the end of the copy.
 */
int unwind_stack(struct unwind_cache *c, int pid, int tid, const uint64_t *regs,
		 const void *stack, size_t len, struct origin_frame *out, size_t max,
		 int *truncated, struct lt_err *err);

/* For --version: "libdw 0.188" or that the build has none. */
void unwind_version(char *buf, size_t bufsz);

#endif
