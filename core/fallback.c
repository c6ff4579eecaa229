/*
 * Kernel fallbacks: one table of the features leaktop relies on (name, the
 * kernel that brought it, what doing without it costs), the bits forced by
 * LEAKTOP_FALLBACKS, the bits found missing, and the bits already said to
 * the user.  Collectors ask lt_fallback() before using a feature; the
 * outputs say each fallback once (stderr, the UI status line) and list
 * them all in JSON.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "leaktop/fallback.h"

#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

struct fallback_entry {
	const char *name;
	const char *since;
	const char *lost;
};

static const struct fallback_entry entries[LT_FB_COUNT] = {
	[LT_FB_PIDFD_GETFD] = { "pidfd_getfd", "Linux 5.6",
		"actions on another process's socket are refused; sockets of a "
		"namespace no process is in are not found (their fds count as ghosts)" },
	[LT_FB_FD_SIZE] = { "fd_size", "Linux 6.2",
		"fd counts come from listing every /proc/PID/fd (slower); fd tables "
		"are read afresh at every census (no cache)" },
	[LT_FB_SMAPS_ROLLUP] = { "smaps_rollup", "Linux 4.14",
		"PSS is summed over every mapping of /proc/PID/smaps (slower); its "
		"anon/file/shmem split is told from each mapping's name" },
	[LT_FB_INET_DIAG] = { "inet_diag", "Linux 3.3",
		"tcp from /proc/net/tcp{,6}: queue lengths only, no buffer sizes, "
		"charged memory or drops" },
	[LT_FB_UDP_DIAG] = { "udp_diag", "Linux 3.3",
		"udp, udplite from /proc/net/udp*: queue and drops only, no rcvbuf "
		"(no 'full' flag) or send memory" },
	[LT_FB_RAW_DIAG] = { "raw_diag", "Linux 4.10",
		"raw from /proc/net/raw{,6}: queue and drops only, no rcvbuf "
		"(no 'full' flag) or send memory" },
	[LT_FB_UNIX_DIAG] = { "unix_diag", "Linux 3.3",
		"unix from /proc/net/unix: no queue or memory figures (unix queues "
		"are not seen), no peer" },
	[LT_FB_PACKET_DIAG] = { "packet_diag", "Linux 3.6",
		"packet from /proc/net/packet: charged memory only, no rcvbuf "
		"(no 'full' flag) or drops" },
	[LT_FB_NETLINK_DIAG] = { "netlink_diag", "Linux 3.10",
		"netlink from /proc/net/netlink: no rcvbuf (no 'full' flag)" },
	[LT_FB_DIAG_LOOKUP] = { "diag_lookup", "Linux 3.3",
		"nothing seen; quiet sockets are re-read by dumps instead of one "
		"lookup each (slower)" },
	[LT_FB_DIAG_FILTER] = { "diag_filter", "Linux 3.3",
		"nothing seen; light refreshes dump whole kinds instead of the "
		"kernel filtering by port (slower)" },
	[LT_FB_SIOCGSKNS] = { "siocgskns", "Linux 4.9",
		"sockets of a namespace no process is in are not found (their fds "
		"count as ghosts)" },
	[LT_FB_THREAD_SELF] = { "thread_self", "Linux 3.17",
		"nothing seen; another namespace's /proc/net tables are read "
		"through /proc/TID/net" },
	[LT_FB_BPF] = { "bpf", "Linux 5.8",
		"nothing seen; owners come from reading every /proc/PID/fd link "
		"instead of one pass of the task_file iterator (slower); no socket "
		"origins (where a process creates its sockets)" },
	[LT_FB_MEMCG_V1] = { "memcg_v1", "Linux 2.6.25",
		"processes are placed by their unified (v2) cgroup path; where only "
		"v1 has the memory controller, no cgroup's socket figure is read" },
	[LT_FB_BPF_TASK] = { "bpf_task", "Linux 5.8",
		"nothing seen; every process's stat, limits, ns/net and owner are read "
		"from its files instead of one pass of the task iterator (slower)" },
	[LT_FB_BPF_LOADER] = { "bpf_loader", "Linux 5.17",
		"nothing seen; the iterators and the origin tracer are loaded by libbpf, "
		"which reads and parses the kernel's BTF first (some 50 ms more at every "
		"start)" },
};

static unsigned forced, detected, said;
/* why a feature was found missing, where the collector said (first wins) */
static char why[LT_FB_COUNT][160];

static unsigned taken(void)
{
	return forced | __atomic_load_n(&detected, __ATOMIC_RELAXED);
}

/* Features a cheap probe of the live kernel can tell. */
static void probe(void)
{
	struct stat st;

	errno = 0;
	if (syscall(SYS_pidfd_getfd, -1, 0, 0) < 0 && errno == ENOSYS)
		detected |= 1u << LT_FB_PIDFD_GETFD;
	/* leaktop itself has fds open: 0 means the size is not the count */
	if (stat("/proc/self/fd", &st) == 0 && st.st_size == 0)
		detected |= 1u << LT_FB_FD_SIZE;
	if (access("/proc/self/smaps_rollup", F_OK) < 0 && errno == ENOENT &&
	    access("/proc/self/smaps", F_OK) == 0)
		detected |= 1u << LT_FB_SMAPS_ROLLUP;
	if (access("/proc/thread-self", F_OK) < 0 && errno == ENOENT &&
	    access("/proc/self", F_OK) == 0)
		detected |= 1u << LT_FB_THREAD_SELF;
}

/* The bit of the name [s, s + n), or 0. */
static unsigned name_bit(const char *s, size_t n)
{
	int i;

	if (n == 3 && !strncmp(s, "all", 3))
		return LT_FB_ALL;
	for (i = 0; i < LT_FB_COUNT; i++)
		if (strlen(entries[i].name) == n && !strncmp(entries[i].name, s, n))
			return 1u << i;
	return 0;
}

int fallback_init(const char *spec, struct lt_err *err)
{
	const char *p, *comma;
	unsigned want = 0, bit;
	size_t n;

	if (!spec)
		spec = getenv("LEAKTOP_FALLBACKS");
	for (p = spec; p && *p; p = comma ? comma + 1 : p + n) {
		comma = strchr(p, ',');
		n = comma ? (size_t)(comma - p) : strlen(p);
		if (!n)
			continue;
		bit = name_bit(p, n);
		if (!bit) {
			forced = 0;
			return lt_err_set(err, EINVAL,
					  "LEAKTOP_FALLBACKS: unknown fallback '%.*s' "
					  "(see leaktop(1), ENVIRONMENT)", (int)(n > 40 ? 40 : n), p);
		}
		want |= bit;
	}
	forced = want;
	probe();
	return 0;
}

int lt_fallback(enum lt_fallback_id id)
{
	return (unsigned)id < LT_FB_COUNT && (taken() & (1u << id));
}

int fallback_forced(enum lt_fallback_id id)
{
	return (unsigned)id < LT_FB_COUNT && (forced & (1u << id));
}

void fallback_detected(enum lt_fallback_id id)
{
	if ((unsigned)id < LT_FB_COUNT)
		__atomic_fetch_or(&detected, 1u << id, __ATOMIC_RELAXED);
}

void fallback_detected_why(enum lt_fallback_id id, const char *reason)
{
	if ((unsigned)id >= LT_FB_COUNT)
		return;
	/* the words first, then the bit that makes them read */
	if (!(__atomic_load_n(&detected, __ATOMIC_ACQUIRE) & (1u << id)) && reason)
		snprintf(why[id], sizeof(why[id]), "%s", reason);
	__atomic_fetch_or(&detected, 1u << id, __ATOMIC_RELEASE);
}

const char *fallback_why(enum lt_fallback_id id)
{
	if ((unsigned)id >= LT_FB_COUNT || (forced & (1u << id)) ||
	    !(__atomic_load_n(&detected, __ATOMIC_ACQUIRE) & (1u << id)) || !why[id][0])
		return NULL;
	return why[id];
}

const char *fallback_name(enum lt_fallback_id id)
{
	return (unsigned)id < LT_FB_COUNT ? entries[id].name : NULL;
}

const char *fallback_since(enum lt_fallback_id id)
{
	return (unsigned)id < LT_FB_COUNT ? entries[id].since : NULL;
}

const char *fallback_lost(enum lt_fallback_id id)
{
	return (unsigned)id < LT_FB_COUNT ? entries[id].lost : NULL;
}

/* The fallbacks taken and not said yet; they count as said from now. */
static unsigned take_unsaid(void)
{
	unsigned t = taken() & ~said;

	said |= t;
	return t;
}

int fallback_warn(FILE *f)
{
	/* only the forced ones: a healthy batch run keeps stderr empty on a
	 * kernel that merely lacks a feature (JSON and the UI name those) */
	unsigned t = taken() & forced & ~said;
	int i, n = 0;

	said |= t;

	for (i = 0; i < LT_FB_COUNT; i++) {
		if (!(t & (1u << i)))
			continue;
		fprintf(f, "leaktop: fallback %s (%s; %s): lost: %s\n",
			entries[i].name, entries[i].since,
			forced & (1u << i) ? "forced by LEAKTOP_FALLBACKS" :
			"missing on this kernel", entries[i].lost);
		n++;
	}
	return n;
}

int fallback_status(char *buf, size_t bufsz)
{
	unsigned t = take_unsaid();
	size_t len = 0;
	int i, n = 0;

	if (bufsz)
		buf[0] = '\0';
	for (i = 0; i < LT_FB_COUNT && bufsz; i++) {
		int w;

		if (!(t & (1u << i)))
			continue;
		w = snprintf(buf + len, bufsz - len, "%s%s", n ? ", " : "kernel fallbacks: ",
			     entries[i].name);
		n++;
		if (w < 0 || (size_t)w >= bufsz - len)
			break;
		len += (size_t)w;
	}
	if (n == 1 && len + 4 < bufsz) {
		i = __builtin_ctz(t);
		snprintf(buf + len, bufsz - len, " (%s%s%s)", fallback_why(i) ? fallback_why(i) : "",
			 fallback_why(i) ? "; " : "", entries[i].lost);
	} else if (n > 1 && len < bufsz) {
		snprintf(buf + len, bufsz - len, " (what each loses: leaktop(1), LEAKTOP_FALLBACKS)");
	}
	return n;
}

void fallback_reset(void)
{
	memset(why, 0, sizeof(why));
	forced = said = 0;
	__atomic_store_n(&detected, 0, __ATOMIC_RELAXED);
}
