/*
 * The words of a finding, apart from the rules that find it: the names of
 * its kind, state and check, its stable id, the links between findings
 * (which one explains which) and the next steps an engineer takes.  All
 * pure functions of a finding or a list, so they work on recordings too.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leaktop/findings.h"

const char *findings_kind_name(enum finding_kind k)
{
	static const char *const names[FINDING_NKINDS] = {
		[FINDING_UNREAD_QUEUE] = "unread_queue",
		[FINDING_QUEUE_FULL_DROPPING] = "queue_full_dropping",
		[FINDING_GHOST_SOCKETS] = "ghost_sockets",
		[FINDING_FD_EXHAUSTION] = "fd_exhaustion",
		[FINDING_UNACCOUNTED_GROWTH] = "unaccounted_growth",
		[FINDING_SOCKET_MEMORY_PRESSURE] = "socket_memory_pressure",
		[FINDING_SEND_STALL] = "send_stall",
		[FINDING_ORPHANED_CONNECTIONS] = "orphaned_connections",
		[FINDING_PROCESS_STOPPED] = "process_stopped",
	};

	return (unsigned)k < FINDING_NKINDS ? names[k] : "?";
}

const char *findings_state_name(enum finding_state s)
{
	static const char *const names[FINDING_NSTATES] = {
		[FINDING_SUSPECTED] = "suspected", [FINDING_CONFIRMED] = "confirmed",
		[FINDING_MITIGATED] = "mitigated", [FINDING_RESOLVED] = "resolved",
	};

	return (unsigned)s < FINDING_NSTATES ? names[s] : "?";
}

const char *findings_check_name(enum finding_check c)
{
	static const char *const names[FINDING_NCHECKS] = {
		[FINDING_CHECK_NONE] = "none", [FINDING_CHECK_PENDING] = "checking",
		[FINDING_CHECK_WORKS] = "works", [FINDING_CHECK_FAILS] = "not working",
	};

	return (unsigned)c < FINDING_NCHECKS ? names[c] : "?";
}

/* The cause that is part of f's identity: a group's (findings_group), 0
 * for a finding of one socket (its fd and inode say which). */
static uint64_t group_cause(const struct finding *f)
{
	return f->nmembers ? f->cause : 0;
}

/* FNV-1a over the kind and the subject: the same problem, the same id.
 * A group's cause is part of its subject; a finding that is no group
 * hashes as it did before groups (its id stays). */
uint64_t findings_hash(const struct finding *f)
{
	uint64_t v[6] = { f->kind, (uint64_t)(int64_t)f->pid, (uint64_t)(int64_t)f->fd,
			  f->inode, f->netns, group_cause(f) };
	const uint8_t *p = (const uint8_t *)v;
	uint64_t h = 14695981039346656037ull;
	size_t i, n = v[5] ? sizeof(v) : 5 * sizeof(v[0]);

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

/* Kind, then the subject: pid, fd, socket, namespace. */
int findings_identity_cmp(const struct finding *a, const struct finding *b)
{
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	if (a->fd != b->fd)
		return a->fd < b->fd ? -1 : 1;
	if (a->inode != b->inode)
		return a->inode < b->inode ? -1 : 1;
	if (a->netns != b->netns)
		return a->netns < b->netns ? -1 : 1;
	/* a group: its cause (0 for a finding of one socket) */
	if (group_cause(a) != group_cause(b))
		return group_cause(a) < group_cause(b) ? -1 : 1;
	return 0;
}

int findings_same(const struct finding *a, const struct finding *b)
{
	return findings_identity_cmp(a, b) == 0;
}

int findings_cmp(const struct finding *x, const struct finding *y)
{
	int xr = x->state == FINDING_RESOLVED, yr = y->state == FINDING_RESOLVED;
	int xm = findings_mitigated_works(x);
	int ym = findings_mitigated_works(y);

	/* what still needs someone first: resolved last, then working
	 * mitigations below the open problems of their severity */
	if (xr != yr)
		return xr - yr;
	if (x->severity != y->severity)
		return x->severity > y->severity ? -1 : 1;
	if (xm != ym)
		return xm - ym;
	if (x->suspected != y->suspected)
		return x->suspected ? 1 : -1;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	/* the same rank: by identity, so every output breaks ties alike */
	return findings_identity_cmp(x, y);
}

int findings_is_open(const struct finding *f)
{
	return f->state != FINDING_RESOLVED;
}

int findings_mitigated_works(const struct finding *f)
{
	return f->state == FINDING_MITIGATED && f->check != FINDING_CHECK_FAILS;
}

size_t findings_mitigated_count(const struct finding_list *l)
{
	size_t i, n = 0;

	for (i = 0; i < l->n; i++)
		n += !!findings_mitigated_works(&l->v[i]);
	return n;
}

void findings_open_counts(const struct finding_list *l, size_t *crit, size_t *warn,
			  size_t *info)
{
	size_t i;

	*crit = *warn = *info = 0;
	for (i = 0; i < l->n; i++) {
		if (!findings_is_open(&l->v[i]) || findings_mitigated_works(&l->v[i]))
			continue;	/* listed, but no longer a problem, or
					 * held by a mitigation: counted apart */
		switch (l->v[i].severity) {
		case FINDING_CRITICAL:
			(*crit)++;
			break;
		case FINDING_WARNING:
			(*warn)++;
			break;
		default:
			(*info)++;
			break;
		}
	}
}

int findings_any_leak(const struct finding_list *l)
{
	size_t crit, warn, info;

	size_t i;

	findings_open_counts(l, &crit, &warn, &info);
	if (crit + warn > 0)
		return 1;
	/* a mitigated leak is still a leak: its memory stays pinned */
	for (i = 0; i < l->n; i++)
		if (findings_mitigated_works(&l->v[i]) && l->v[i].severity != FINDING_INFO)
			return 1;
	return 0;
}

enum findings_verdict_kind findings_verdict(const struct findings_config *c,
					    const struct finding_list *l,
					    unsigned samples, unsigned *need)
{
	struct findings_config def;
	double want;

	if (!c) {
		findings_config_default(&def);
		c = &def;
	}
	want = c->verdict_samples;
	if (need)
		*need = 0;
	if (findings_any_leak(l))
		return FINDINGS_LEAK;
	if ((double)samples >= want)
		return FINDINGS_NO_LEAK;
	if (need)
		*need = (unsigned)(want - samples + 0.999);
	return FINDINGS_WAITING;
}

char *findings_id(const struct finding *f, char *out, size_t outsz)
{
	snprintf(out, outsz, "%012" PRIx64, findings_hash(f) & UINT64_C(0xffffffffffff));
	return out;
}

char *findings_subject(const struct finding *f, char *out, size_t outsz)
{
	char comm[48];

	if (f->pid < 0) {
		snprintf(out, outsz, "a process leaktop cannot see (run as root)");
		return out;
	}
	lt_sanitize(f->comm, comm, sizeof(comm));
	if (f->fd >= 0)
		snprintf(out, outsz, "%s (pid %d, fd %d)", comm, (int)f->pid, (int)f->fd);
	else
		snprintf(out, outsz, "%s (pid %d)", comm, (int)f->pid);
	return out;
}

int findings_has_subject(const struct finding *f)
{
	switch (f->kind) {
	case FINDING_UNREAD_QUEUE:
	case FINDING_QUEUE_FULL_DROPPING:
	case FINDING_GHOST_SOCKETS:
	case FINDING_FD_EXHAUSTION:
	case FINDING_SEND_STALL:
	case FINDING_PROCESS_STOPPED:
		return 1;
	case FINDING_ORPHANED_CONNECTIONS:
		return f->pid >= 0;	/* else the peers are remote: no one */
	}
	return 0;
}

char *findings_summary(const struct finding *f, char *out, size_t outsz)
{
	char who[96];

	if (!findings_has_subject(f) || f->summary_whole)
		snprintf(out, outsz, "%s", f->summary);
	else
		snprintf(out, outsz, "%s %s", findings_subject(f, who, sizeof(who)),
			 f->summary);
	return out;
}

void findings_summary_from_sentence(struct finding *f)
{
	char who[96];
	size_t n;

	f->summary_whole = 0;
	if (!findings_has_subject(f))
		return;
	findings_subject(f, who, sizeof(who));
	n = strlen(who);
	if (strncmp(f->summary, who, n) || f->summary[n] != ' ') {
		f->summary_whole = 1;
		return;
	}
	memmove(f->summary, f->summary + n + 1, strlen(f->summary + n + 1) + 1);
}

/* Does c explain e?  The rules of findings_links(). */
int findings_explains(const struct finding *c, const struct finding *e)
{
	if (c == e || c->state == FINDING_RESOLVED || e->state == FINDING_RESOLVED)
		return 0;
	switch (e->kind) {
	case FINDING_FD_EXHAUSTION:
		return c->kind == FINDING_GHOST_SOCKETS && c->pid == e->pid && c->pid >= 0;
	case FINDING_SOCKET_MEMORY_PRESSURE:
		return c->kind == FINDING_UNREAD_QUEUE || c->kind == FINDING_QUEUE_FULL_DROPPING ||
		       c->kind == FINDING_ORPHANED_CONNECTIONS || c->kind == FINDING_SEND_STALL ||
		       c->kind == FINDING_PROCESS_STOPPED;
	case FINDING_SEND_STALL:
		return (c->kind == FINDING_UNREAD_QUEUE || c->kind == FINDING_QUEUE_FULL_DROPPING) &&
		       c->pid == e->pid && c->fd == e->fd && c->pid >= 0;
	case FINDING_QUEUE_FULL_DROPPING:
		return c->kind == FINDING_UNREAD_QUEUE && c->inode == e->inode &&
		       c->netns == e->netns && c->inode;
	}
	return 0;
}

size_t findings_links(const struct finding *v, size_t n, size_t i, int want_effects,
		      size_t *out, size_t max)
{
	size_t j, k = 0;

	if (i >= n)
		return 0;
	for (j = 0; j < n; j++) {
		int hit = want_effects ? findings_explains(&v[i], &v[j]) : findings_explains(&v[j], &v[i]);

		if (!hit)
			continue;
		if (k < max)
			out[k] = j;
		k++;
	}
	return k;
}

/*
 * The index behind findings_links_at.  findings_explains links a cause c
 * to an effect e by one of four rules, chosen by e's kind; each rule pairs
 * a set of cause kinds with one effect kind and asks equal keys (a pid, a
 * pid and fd, a socket, or nothing).  For each rule and side the index
 * keeps the open findings of that side, sorted by (key, position), so the
 * findings linked to one are a range found by binary search, already in
 * list order.
 */
enum { LX_FDX, LX_PRESSURE, LX_STALL, LX_FULL, LX_NRULES };

struct lx_ent {
	uint64_t a, b;		/* the rule's key */
	size_t i;		/* position in the list */
};

struct findings_links_ix {
	const struct finding *v;
	size_t n;
	struct lx_ent *e;
	size_t lo[LX_NRULES][2], hi[LX_NRULES][2];	/* [rule][0 cause, 1 effect] */
};

/* Is f on side (0 cause, 1 effect) of rule r?  Its key into *a, *b.  The
 * conditions of findings_explains, split by side. */
static int lx_side(const struct finding *f, int r, int side, uint64_t *a, uint64_t *b)
{
	unsigned k = f->kind;

	*a = *b = 0;
	if (f->state == FINDING_RESOLVED)
		return 0;
	switch (r) {
	case LX_FDX:
		*a = (uint64_t)(int64_t)f->pid;
		return f->pid >= 0 && k == (side ? FINDING_FD_EXHAUSTION : FINDING_GHOST_SOCKETS);
	case LX_PRESSURE:
		return side ? k == FINDING_SOCKET_MEMORY_PRESSURE :
			      k == FINDING_UNREAD_QUEUE || k == FINDING_QUEUE_FULL_DROPPING ||
			      k == FINDING_ORPHANED_CONNECTIONS || k == FINDING_SEND_STALL ||
			      k == FINDING_PROCESS_STOPPED;
	case LX_STALL:
		*a = (uint64_t)(int64_t)f->pid;
		*b = (uint64_t)(int64_t)f->fd;
		return f->pid >= 0 && (side ? k == FINDING_SEND_STALL :
				       k == FINDING_UNREAD_QUEUE || k == FINDING_QUEUE_FULL_DROPPING);
	case LX_FULL:
		*a = f->inode;
		*b = f->netns;
		return f->inode && k == (side ? FINDING_QUEUE_FULL_DROPPING : FINDING_UNREAD_QUEUE);
	}
	return 0;
}

static int lx_cmp(const void *x, const void *y)
{
	const struct lx_ent *p = x, *q = y;

	if (p->a != q->a)
		return p->a < q->a ? -1 : 1;
	if (p->b != q->b)
		return p->b < q->b ? -1 : 1;
	return (p->i > q->i) - (p->i < q->i);
}

struct findings_links_ix *findings_links_index(const struct finding *v, size_t n)
{
	struct findings_links_ix *ix = calloc(1, sizeof(*ix));
	size_t i, m = 0;
	uint64_t a, b;
	int r, side;

	if (!ix)
		return NULL;
	ix->v = v;
	ix->n = n;
	for (i = 0; i < n; i++)
		for (r = 0; r < LX_NRULES; r++)
			for (side = 0; side < 2; side++)
				m += (size_t)lx_side(&v[i], r, side, &a, &b);
	ix->e = malloc((m ? m : 1) * sizeof(*ix->e));
	if (!ix->e) {
		free(ix);
		errno = ENOMEM;
		return NULL;
	}
	m = 0;
	for (r = 0; r < LX_NRULES; r++)
		for (side = 0; side < 2; side++) {
			ix->lo[r][side] = m;
			for (i = 0; i < n; i++)
				if (lx_side(&v[i], r, side, &a, &b))
					ix->e[m++] = (struct lx_ent){ a, b, i };
			ix->hi[r][side] = m;
			qsort(ix->e + ix->lo[r][side], m - ix->lo[r][side], sizeof(*ix->e),
			      lx_cmp);
		}
	return ix;
}

void findings_links_index_free(struct findings_links_ix *ix)
{
	if (!ix)
		return;
	free(ix->e);
	free(ix);
}

/* The first entry in [lo, hi) whose key is not below (a, b) (with
 * strictly: above it). */
static size_t lx_bound(const struct lx_ent *e, size_t lo, size_t hi, uint64_t a, uint64_t b,
		       int strictly)
{
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int below = e[mid].a != a ? e[mid].a < a : strictly ? e[mid].b <= b : e[mid].b < b;

		if (below)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

size_t findings_links_at(const struct findings_links_ix *ix, const struct finding *v,
			 size_t n, size_t i, int causes, size_t *out, size_t max)
{
	size_t from[LX_NRULES], to[LX_NRULES], k = 0, total = 0;
	int r, nr = 0;
	uint64_t a, b;

	if (!ix)
		return findings_links(v, n, i, causes, out, max);
	if (i >= ix->n)
		return 0;
	/* causes=1 asks what v[i] causes: v[i] on the cause side of each rule,
	 * its links on the effect side; causes=0 the other way round */
	for (r = 0; r < LX_NRULES; r++) {
		int mine = causes ? 0 : 1, theirs = !mine;

		if (!lx_side(&ix->v[i], r, mine, &a, &b))
			continue;
		from[nr] = lx_bound(ix->e, ix->lo[r][theirs], ix->hi[r][theirs], a, b, 0);
		to[nr] = lx_bound(ix->e, from[nr], ix->hi[r][theirs], a, b, 1);
		total += to[nr] - from[nr];
		nr++;
	}
	/* the rules' ranges hold different kinds: merge them in list order */
	while (k < max) {
		int best = -1;

		for (r = 0; r < nr; r++)
			if (from[r] < to[r] &&
			    (best < 0 || ix->e[from[r]].i < ix->e[from[best]].i))
				best = r;
		if (best < 0)
			break;
		out[k++] = ix->e[from[best]++].i;
	}
	return total;
}

/* Append one step (a line) to out. */
static void step(char *out, size_t outsz, size_t *n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void step(char *out, size_t outsz, size_t *n, const char *fmt, ...)
{
	size_t len = strlen(out);
	va_list ap;

	if (len + 2 >= outsz)
		return;
	if (len)
		out[len++] = '\n';
	va_start(ap, fmt);
	vsnprintf(out + len, outsz - len, fmt, ap);
	va_end(ap);
	(*n)++;
}

size_t findings_next_steps(const struct finding *f, char *out, size_t outsz)
{
	/* a group's commands name its worst member */
	int pid = f->pid, fd = f->nmembers ? f->worst_fd : f->fd;
	unsigned long long ino = (unsigned long long)(f->nmembers ? f->worst_inode : f->inode);
	size_t n = 0;

	if (!outsz)
		return 0;
	out[0] = '\0';
	switch (f->kind) {
	case FINDING_UNREAD_QUEUE:
	case FINDING_QUEUE_FULL_DROPPING:
		step(out, outsz, &n, "Collect: ss -eampni | grep -A1 'ino:%llu' (the socket, its "
		     "owner and memory); ls -l /proc/%d/fd/%d; cat /proc/%d/cmdline; the program's "
		     "version (readlink /proc/%d/exe, then dpkg -S or rpm -qf on it)", ino, pid,
		     fd, pid, pid);
		step(out, outsz, &n, "Confirm: the queue only grows while the program runs "
		     "(leaktop -b -p %d -n 10), and its threads never read fd %d: "
		     "strace -f -e trace=read,recv,recvfrom,recvmsg,recvmmsg -p %d shows no "
		     "call on it", pid, fd, pid);
		step(out, outsz, &n, "Fix in the program: read the socket (replies, "
		     "notifications it asked for), or close it, or for a socket opened "
		     "only to send, attach a drop-all filter or shutdown(SHUT_RD) when it "
		     "is created");
		step(out, outsz, &n, "Verify after a restart with the fix: leaktop -b -n 30 -d 2 "
		     "--format json | jq '.findings[] | select(.pid == NEWPID)' stays empty, "
		     "and the socket's Recv-Q stays near 0");
		break;
	case FINDING_GHOST_SOCKETS:
		step(out, outsz, &n, "Collect: ls -l /proc/%d/fd | grep -c socket; lsof -p %d "
		     "(ghosts show as 'sock ... protocol: TCP' with no address); "
		     "cat /proc/%d/limits; the program's version (readlink /proc/%d/exe)",
		     pid, pid, pid, pid);
		step(out, outsz, &n, "Confirm: the ghost count grows with the connections that "
		     "end (clients that reset or time out): compare leaktop's ghosts column "
		     "with ss -tan state close-wait and the program's connection log");
		step(out, outsz, &n, "Fix in the program: close the fd on every path that ends "
		     "a connection (errors, resets, timeouts); a blocked thread or goroutine "
		     "that never returns keeps its fd too");
		step(out, outsz, &n, "Verify after a restart with the fix: the ghosts column stays "
		     "at 0 while clients come and go (leaktop -p NEWPID)");
		break;
	case FINDING_FD_EXHAUSTION:
		step(out, outsz, &n, "Collect now, before the limit is hit: ls -l /proc/%d/fd "
		     "(which kinds grow: sockets, files, pipes); cat /proc/%d/limits; "
		     "lsof -p %d; the program's version (readlink /proc/%d/exe)",
		     pid, pid, pid, pid);
		step(out, outsz, &n, "Confirm the cause: a caused_by finding names it (ghost "
		     "sockets); else count fds by target twice a minute apart "
		     "(ls -l /proc/%d/fd | awk '{print $NF}' | sed 's/[0-9]*//g' | sort | uniq -c)",
		     pid);
		step(out, outsz, &n, "Buy time: raise-fd-limit (leaktop --act raise-fd-limit "
		     "--pid %d) or a restart; fix in the program: close the fds it no longer "
		     "uses", pid);
		step(out, outsz, &n, "Verify after a restart with the fix: the fd count of the "
		     "new process stays flat under load (leaktop -p NEWPID, FDS column)");
		break;
	case FINDING_SEND_STALL:
		step(out, outsz, &n, "Collect: ss -tnpie 'ino:%llu' or ss -xpe for unix "
		     "sockets (both ends, Send-Q and Recv-Q); cat /proc/%d/cmdline; the reader's "
		     "version", ino, pid);
		step(out, outsz, &n, "Confirm: the reader (pid %d) holds a full Recv-Q on the "
		     "peer socket and never reads it: strace -f -e trace=read,recvmsg -p %d",
		     pid, pid);
		step(out, outsz, &n, "Fix in the reader: read its socket, or close it; in the "
		     "sender: a send timeout and a bound on what it buffers");
		step(out, outsz, &n, "Verify after a restart with the fix: the Send-Q of the "
		     "sender drains (ss -tn state established)");
		break;
	case FINDING_ORPHANED_CONNECTIONS:
		step(out, outsz, &n, "Collect: ss -tnoe state fin-wait-1 state last-ack "
		     "(orphans and their timers); cat /proc/net/sockstat; "
		     "sysctl net.ipv4.tcp_max_orphans net.ipv4.tcp_orphan_retries");
		step(out, outsz, &n, "Confirm: the peers named in the evidence stopped reading; "
		     "their Recv-Q is full (ss -tn on the peer host)");
		step(out, outsz, &n, "Fix: the peers must read or close; on this side, "
		     "net.ipv4.tcp_orphan_retries bounds how long orphans are kept");
		step(out, outsz, &n, "Verify: orphans in /proc/net/sockstat fall back after the "
		     "peers are fixed");
		break;
	case FINDING_SOCKET_MEMORY_PRESSURE:
		step(out, outsz, &n, "Collect: cat /proc/net/sockstat /proc/net/sockstat6; "
		     "sysctl net.ipv4.tcp_mem net.ipv4.udp_mem; leaktop -b -n 1 --format json "
		     "(the sockets pinning most)");
		step(out, outsz, &n, "Confirm: the caused_by findings hold most of the bytes");
		step(out, outsz, &n, "Fix: the programs behind those findings; raising tcp_mem "
		     "or udp_mem only moves the limit");
		step(out, outsz, &n, "Verify: the TCP/UDP pages in /proc/net/sockstat stay below "
		     "the pressure threshold");
		break;
	case FINDING_PROCESS_STOPPED:
		step(out, outsz, &n, "Collect: grep -E 'State|TracerPid' /proc/%d/status (T: "
		     "stopped, t: traced; a TracerPid other than 0 is the debugger or strace "
		     "that holds it); cat /proc/%d/cgroup, then cgroup.freeze and cgroup.events "
		     "of that cgroup under /sys/fs/cgroup (frozen 1: a frozen cgroup); "
		     "cat /proc/%d/wchan and /proc/%d/stack for state D", pid, pid, pid, pid);
		step(out, outsz, &n, "Confirm who stopped it: the shell job that holds it (jobs), "
		     "ps -o pid,comm -p TRACERPID for a tracer, the service manager or "
		     "container runtime for a frozen cgroup");
		step(out, outsz, &n, "Resume it: kill -CONT %d (or detach the tracer, or "
		     "echo 0 > cgroup.freeze); for D, the device or the filesystem it waits "
		     "on (an NFS server, a disk) is the fix", pid);
		step(out, outsz, &n, "Verify: this finding resolves and the members' queues "
		     "drain (leaktop -b -p %d -n 5)", pid);
		break;
	case FINDING_UNACCOUNTED_GROWTH:
		step(out, outsz, &n, "Collect: cat /proc/meminfo /proc/slabinfo (twice, a "
		     "minute apart); slabtop -o; cat /proc/vmallocinfo | sort -k2 -n | tail");
		step(out, outsz, &n, "Confirm: name the slab cache or vmalloc user that grows "
		     "by the same amount; a kernel module or driver is the usual owner");
		step(out, outsz, &n, "Fix: the kernel or the module that leaks (update it); "
		     "kmemleak (echo scan > /sys/kernel/debug/kmemleak) finds unreferenced "
		     "objects on a debug kernel");
		step(out, outsz, &n, "Verify: leaktop's unaccounted line stays flat after the "
		     "change");
		break;
	}
	return n;
}

const char *findings_severity_name(enum finding_severity s)
{
	switch (s) {
	case FINDING_CRITICAL: return "critical";
	case FINDING_WARNING: return "warning";
	default: return "info";
	}
}
