/*
 * Kernel fallbacks: each kernel feature leaktop relies on, whether this run
 * does without it, and what that costs.  A fallback is taken when the
 * feature was found missing (a probe at fallback_init(), or a collector
 * that met ENOENT/ENOSYS and called fallback_detected()) or when the user
 * forced it with LEAKTOP_FALLBACKS=name,name|all, so every fallback path can
 * be run on a kernel that has the feature.
 *
 * The state is process-wide: set once at start-up, then only bits are added
 * (atomically: namespace dumps run in helper threads).
 */
#ifndef LEAKTOP_FALLBACK_H
#define LEAKTOP_FALLBACK_H

#include <stdio.h>
#include "leaktop/common.h"

enum lt_fallback_id {
	LT_FB_PIDFD_GETFD,	/* 5.6: duplicate another process's fd */
	LT_FB_FD_SIZE,		/* 6.2: st_size of /proc/PID/fd is the fd count */
	LT_FB_SMAPS_ROLLUP,	/* 4.14: /proc/PID/smaps_rollup */
	LT_FB_INET_DIAG,	/* tcp through sock_diag */
	LT_FB_UDP_DIAG,		/* 3.3: udp and udplite through sock_diag */
	LT_FB_RAW_DIAG,		/* 4.10 */
	LT_FB_UNIX_DIAG,	/* 3.3 */
	LT_FB_PACKET_DIAG,	/* 3.6 */
	LT_FB_NETLINK_DIAG,	/* 3.10 */
	LT_FB_DIAG_LOOKUP,	/* one socket asked for by its identity */
	LT_FB_DIAG_FILTER,	/* INET_DIAG_REQ_BYTECODE port filters */
	LT_FB_SIOCGSKNS,	/* 4.9: the namespace of a socket fd */
	LT_FB_THREAD_SELF,	/* 3.17: /proc/thread-self */
	LT_FB_BPF,		/* 5.8: BPF iterators (root or CAP_BPF, BTF) */
	LT_FB_MEMCG_V1,		/* the v1 memory controller: forced off, a
				 * hybrid machine is read as a v2 one */
	LT_FB_BPF_TASK,		/* 5.8: the BPF task iterator (processes) */
	LT_FB_BPF_LOADER,	/* 5.17: BPF programs loaded by the kernel's loader */
	LT_FB_COUNT
};

#define LT_FB_ALL	((1u << LT_FB_COUNT) - 1)

/*
 * Parse spec (LEAKTOP_FALLBACKS when NULL: a comma-separated list of the
 * names below, or "all"; empty or unset forces nothing) and probe the live
 * kernel for the features a probe can tell.  Returns 0, or -EINVAL with a
 * one-line cause in err for an unknown name (nothing is forced then).
 * Call once, before any collector runs.
 */
int fallback_init(const char *spec, struct lt_err *err);

/* 1 when the fallback for id is taken: forced, or the feature is missing. */
int lt_fallback(enum lt_fallback_id id);

/* 1 when id was forced by LEAKTOP_FALLBACKS. */
int fallback_forced(enum lt_fallback_id id);

/* A collector found the feature missing on this kernel. */
void fallback_detected(enum lt_fallback_id id);

/* The same, with a one-line reason (a borrowed string, copied; the first
 * one given is kept): "loading the census programs: Operation not
 * permitted (needs root or CAP_BPF)". */
void fallback_detected_why(enum lt_fallback_id id, const char *reason);
/* That reason, or NULL (none given, not missing, or forced); valid until
 * fallback_reset(). */
const char *fallback_why(enum lt_fallback_id id);

/* Its name ("raw_diag"), the kernel that brought the feature ("Linux
 * 4.10") and what the fallback loses: string literals; NULL for a bad id. */
const char *fallback_name(enum lt_fallback_id id);
const char *fallback_since(enum lt_fallback_id id);
const char *fallback_lost(enum lt_fallback_id id);

/*
 * The forced fallbacks not said yet, each once: one line per fallback on f
 * ("leaktop: fallback raw_diag (Linux 4.10; forced by LEAKTOP_FALLBACKS):
 * lost: ..."); returns how many were written.  A fallback taken because
 * the kernel lacks the feature is not written here (a healthy run keeps
 * stderr empty): JSON and the status line name it.
 */
int fallback_warn(FILE *f);

/*
 * For the UI's status line: one sentence naming every fallback taken
 * (forced or missing) not said yet, into buf; returns how many, 0 when
 * there is nothing new (buf is then "").
 */
int fallback_status(char *buf, size_t bufsz);

/* Forget everything (tests). */
void fallback_reset(void);

#endif
