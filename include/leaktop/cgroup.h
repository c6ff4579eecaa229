/*
 * Cgroups: which service, container or pod a process (and the sockets it
 * holds) belongs to, and what the kernel charges that cgroup for sockets.
 *
 * The one home of three rules: which line of /proc/PID/cgroup names a
 * process's cgroup (cgroup_parse_proc), what an operator calls a cgroup
 * path (cgroup_name), and whether a path lies in a --cgroup subtree
 * (cgroup_in_subtree, cgroup_matches).  The kernel's figure for a cgroup
 * and the words of the reconciliation come from here too.
 *
 * Paths are raw bytes from the inspected machine: sanitise before display.
 */
#ifndef LEAKTOP_CGROUP_H
#define LEAKTOP_CGROUP_H

#include <stddef.h>
#include <stdint.h>
#include "leaktop/common.h"

/* Which hierarchy the paths of a machine are in. */
enum cgroup_version {
	CGROUP_UNKNOWN = 0,
	CGROUP_V1 = 1,		/* the v1 memory controller's path */
	CGROUP_V2 = 2,		/* the unified hierarchy's path */
};

enum cgroup_kind {
	CGROUP_KIND_PATH = 0,	/* nothing better: the path itself */
	CGROUP_KIND_ROOT,	/* "/" */
	CGROUP_KIND_UNIT,	/* a systemd unit: nginx.service, session-3.scope */
	CGROUP_KIND_CONTAINER,	/* a container (maybe inside a pod) */
	CGROUP_KIND_POD,	/* a Kubernetes pod's own cgroup */
};

/* What an operator calls a cgroup.  Every string is NUL-terminated and
 * empty when unknown. */
struct cgroup_name {
	enum cgroup_kind kind;
	char unit[128];		/* the innermost systemd unit (slice, service,
				 * scope) on the path */
	char runtime[16];	/* docker, containerd, cri-o, podman */
	char id[16];		/* the container's short id (12 hex digits) */
	char pod[40];		/* a pod's uid, dashes restored */
	char qos[16];		/* guaranteed, burstable, besteffort */
	char label[192];	/* what to show: "nginx.service",
				 * "docker 0123456789ab", "pod 1a2b3c4d (burstable)
				 * containerd 0123456789ab", else the path */
};

/*
 * The cgroup of a process from the text of /proc/PID/cgroup: the memory
 * controller's path where a v1 memory controller is mounted (a v1 or hybrid
 * machine: its path is where the kernel charges memory), else the unified
 * hierarchy's path ("0::").  path gets the path (at most pathsz - 1 bytes),
 * *version which one it is.  0, or -EBADMSG when no line names either (or
 * the path does not fit).
 */
int cgroup_parse_proc(const char *text, size_t len, char *path, size_t pathsz,
		      enum cgroup_version *version);
/* The same, with v1 0: the unified hierarchy's path even where a v1 memory
 * controller is mounted (LEAKTOP_FALLBACKS=memcg_v1, read as a v2 machine). */
int cgroup_parse_proc_in(const char *text, size_t len, int v1, char *path, size_t pathsz,
			 enum cgroup_version *version);

/* The name of path (see struct cgroup_name).  Never fails: an unknown
 * shape is a CGROUP_KIND_PATH whose label is the (truncated) path. */
void cgroup_name(const char *path, struct cgroup_name *out);

/* Is path root itself or below it ("/a/b" is in "/a", "/ab" is not)?  A
 * root of "/" holds everything. */
int cgroup_in_subtree(const char *path, const char *root);

/* Does a --cgroup argument (a path when it starts with '/', else a name:
 * a unit, a container's short or full id, a pod uid, or a label) name the
 * cgroup at path, or an ancestor of it?  The subtree of a named cgroup is
 * everything below the shallowest ancestor of path that carries the name. */
int cgroup_matches(const char *path, const char *arg);

/* Where the hierarchies are mounted on a live machine. */
#define CGROUP_ROOT_DEFAULT "/sys/fs/cgroup"

/* Is arg a path (starting with '/') of an existing cgroup directory under
 * cgroot, in any hierarchy mounted there (the unified one, or a v1
 * controller's)?  An empty cgroup is still a cgroup. */
int cgroup_dir_exists(const char *cgroot, const char *arg);

/* The shortest --cgroup argument (at most sz - 1 bytes) that names the
 * cgroup at path (name: cgroup_name's of it) for cgroup_matches: its label
 * when it fits, else a container's short id, the last component, a pod's
 * uid, or the path cut (which then names nothing). */
void cgroup_short_arg(const char *path, const struct cgroup_name *name, char *buf, size_t sz);

/* ---- what the kernel charges a cgroup for sockets ----------------------- */

enum cgroup_acct {
	CGROUP_ACCT_UNKNOWN = 0,	/* the figure could not be read */
	CGROUP_ACCT_V2_SOCK,		/* memory.stat "sock" (cgroup v2) */
	CGROUP_ACCT_V1_TCP,		/* memory.kmem.tcp.usage_in_bytes, tcp only:
					 * the cgroup has a tcp limit set */
	CGROUP_ACCT_V1_OFF,		/* v1 without a tcp limit: the kernel
					 * does not charge its sockets */
	CGROUP_ACCT_NOSOCKET,		/* cgroup.memory=nosocket on the kernel
					 * command line */
	CGROUP_ACCT_NO_MEMCG,		/* no memory controller over this path */
};

struct cgroup_kernel {
	enum cgroup_acct acct;
	uint64_t bytes;		/* valid for V2_SOCK and V1_TCP */
};

/* Where the hierarchies are: cgroot ("/sys/fs/cgroup", or a fixture tree)
 * and the kernel command line's verdict (procroot/cmdline). */
struct cgroup_host {
	char memroot[256];	/* the directory the memory controller's paths
				 * hang from ("" none) */
	enum cgroup_version version;	/* of memroot's hierarchy */
	int nosocket;		/* cgroup.memory=nosocket */
};

/* Find the memory controller under cgroot: cgroot itself when it is a
 * cgroup2 hierarchy with "memory" in cgroup.controllers, else
 * cgroot/memory when that is a v1 memory hierarchy. */
void cgroup_host_detect(const char *cgroot, const char *procroot, struct cgroup_host *h);

/* Read the kernel's socket figure for path (a path of h->version). */
void cgroup_kernel_read(const struct cgroup_host *h, const char *path,
			struct cgroup_kernel *out);

/* The kernel's side of a cgroup's figures as a few words for a column or a
 * note: "sock 1.2 MiB", "tcp 640 KiB", "not charged (v1, no tcp limit)". */
const char *cgroup_acct_words(enum cgroup_acct a);

/* A short token for a (JSON, Prometheus): "v2_sock", "v1_tcp", "v1_off",
 * "nosocket", "no_memcg", "unknown"; and whether the kernel's bytes are a
 * figure (V2_SOCK, V1_TCP). */
const char *cgroup_acct_name(enum cgroup_acct a);
int cgroup_acct_counts(enum cgroup_acct a);

/* A cgroup v2 memory.stat text: the "sock" line's bytes.  0 or -ENOENT. */
int cgroup_parse_memstat_sock(const char *text, size_t len, uint64_t *bytes);

/* ---- the cache of processes' cgroups, kept between samples -------------- */

struct cgroup_cache;

struct cgroup_cache *cgroup_cache_new(const char *procroot);
void cgroup_cache_free(struct cgroup_cache *c);

/*
 * The cgroup path of process pid (instance start_ticks), read from
 * procroot/PID/cgroup once per instance (and again after reread_every
 * seconds of now) and kept.  The pointer stays valid until the next
 * cgroup_cache_sweep; NULL when it cannot be read (gone, refused).
 */
const char *cgroup_cache_get(struct cgroup_cache *c, int pid, uint64_t start_ticks,
			     double now);
/*
 * The same for a process whose cgroup2 id is known (the task iterator's,
 * 0 unknown): on a unified machine the id names the process's cgroup, so
 * its path comes from the hierarchy (cgroup_cache_id_path, one walk for
 * every cgroup) and no process's file is read but the first (which tells
 * the version); the path is kept as the process's own, so that a later
 * lookup without the id finds it.  Elsewhere (v1 paths, no id, an id not
 * in the hierarchy) as cgroup_cache_get().  Valid as cgroup_cache_get's.
 */
const char *cgroup_cache_get_id(struct cgroup_cache *c, uint64_t id, int pid,
				uint64_t start_ticks, double now);
/* Forget the processes not asked for since the last sweep. */
void cgroup_cache_sweep(struct cgroup_cache *c);
/* Where the cgroup2 hierarchy is (cgroot itself, or cgroot/unified on a
 * hybrid machine), for cgroup_cache_id_path; none found: ids stay unknown. */
void cgroup_cache_set_root(struct cgroup_cache *c, const char *cgroot);

/*
 * The cgroup2 path of the cgroup whose id (its directory's inode, as
 * INET_DIAG_CGROUP_ID gives it) is id; NULL when unknown.  The hierarchy
 * is walked again at most once between two sweeps, and only when an id is
 * not known yet (nor known to be missing since the last walk).  Valid
 * until the next cgroup_cache_sweep or cgroup_cache_id_path.
 */
const char *cgroup_cache_id_path(struct cgroup_cache *c, uint64_t id);

/* The version of the paths read so far (CGROUP_UNKNOWN before any). */
enum cgroup_version cgroup_cache_version(const struct cgroup_cache *c);

#endif
