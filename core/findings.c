/*
 * Guided triage: the rules.  Each rule reads evidence the sample already
 * holds (socket rates and flags, process fd/ghost growth, the memory
 * breakdown) and writes a finding an engineer can act on.  Wording matters
 * here as much as the thresholds: a support engineer is not a kernel
 * developer.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "leaktop/actions.h"
#include "leaktop/findings.h"
#include "leaktop/units.h"
#include "leaktop/sample.h"
#include "alloc_hook.h"
#include "findings_int.h"

#define MEM_POINTS 64

struct findings_state {
	/* the memory breakdown over the session, for unaccounted_growth */
	double t[MEM_POINTS];
	double unacc[MEM_POINTS], anon[MEM_POINTS], sockq[MEM_POINTS];
	unsigned n, head;
	/* top slab caches at the first sample, to name the ones that grew */
	struct meminfo_slab first_slab;
	int have_first_slab;
	unsigned samples;
	/* findings confirmed in the last sample, and resolved ones still
	 * listed (gone_since > 0), to tell when one is resolved */
	struct kept_finding {
		struct finding f;
		double gone_since;
	} *kept;
	size_t nkept;
	/* each process's fds at the last fresh read, and whether they rose
	 * then: a forecast needs fds that still rise (sorted by pid) */
	struct fd_step {
		int32_t pid;
		int32_t nfds;
		double rose_at;	/* sample time of the last rise, 0 none */
		int rising;	/* they rose at the last fresh read */
	} *steps;
	size_t nsteps;
	/* the grouping pass's own memory (findings_group.c) */
	struct findings_group_state *group;
};

struct cfg_field {
	const char *name;
	size_t off;
	double def;
};

#define C(n, d) { #n, offsetof(struct findings_config, n), d }
static const struct cfg_field cfg_fields[] = {
	C(unread_min_bytes, 65536),
	C(unread_crit_bytes, 1048576),
	C(confirm_samples, 5),
	C(ghost_min, 2),
	C(ghost_persist_s, 300),
	C(ghost_crit, 100),
	C(ghost_grace_s, 3),
	C(fd_horizon_s, 86400),
	C(fd_crit_s, 3600),
	C(fd_crit_pct, 90),
	C(fd_min_growth, 60),
	C(fd_min_increase, 10),
	C(fd_min_span_s, 60),
	C(unaccounted_bps, 65536),
	C(unaccounted_window_s, 30),
	C(pressure_pct, 80),
	C(resolved_keep_s, 300),
	C(crit_horizon_s, 14400),
	C(crit_mem_pct, 10),
	C(verdict_samples, 3),
};
#undef C
#define NFIELDS (sizeof(cfg_fields) / sizeof(cfg_fields[0]))

void findings_config_default(struct findings_config *c)
{
	size_t i;

	for (i = 0; i < NFIELDS; i++)
		*(double *)((char *)c + cfg_fields[i].off) = cfg_fields[i].def;
}

int findings_config_set(struct findings_config *c, const char *name,
			const char *value, struct lt_err *err)
{
	char *end;
	double v;
	size_t i;

	for (i = 0; i < NFIELDS; i++) {
		if (strcmp(name, cfg_fields[i].name) != 0)
			continue;
		v = strtod(value, &end);
		if (end == value || *end || !isfinite(v) || v < 0)
			return lt_err_set(err, EINVAL,
					  "threshold %s: '%s' is not a non-negative number",
					  name, value);
		*(double *)((char *)c + cfg_fields[i].off) = v;
		return 0;
	}
	return lt_err_set(err, EINVAL, "unknown threshold '%s'", name);
}

const char *findings_config_name(size_t i, const struct findings_config *c,
				 double *value)
{
	if (i >= NFIELDS)
		return NULL;
	if (value)
		*value = *(const double *)((const char *)c + cfg_fields[i].off);
	return cfg_fields[i].name;
}

enum finding_severity findings_severity(const struct findings_config *c,
					const struct findings_impact *in,
					char *why, size_t whysz)
{
	char b1[32], b2[32];
	char scratch[8];
	double share, reach;

	if (!why) {
		why = scratch;
		whysz = sizeof(scratch);
	}
	why[0] = '\0';
	if (in->note)
		return FINDING_INFO;
	/* fds: an outage of the process, the nearest harm */
	if (in->fd_pct >= c->fd_crit_pct) {
		snprintf(why, whysz, "%.0f %% of its fd limit in use", in->fd_pct);
		return FINDING_CRITICAL;
	}
	if (in->fd_left_s >= 0 && in->fd_left_s <= c->fd_crit_s) {
		snprintf(why, whysz, "its fds run out in about %s",
			 units_duration(in->fd_left_s, b1, sizeof(b1)));
		return FINDING_CRITICAL;
	}
	/* memory: what it can reach, against what the machine has */
	share = in->mem_available ? (double)in->mem_available * c->crit_mem_pct / 100 :
				    c->unread_crit_bytes;
	if (in->pressure_room == 0) {
		snprintf(why, whysz, "socket memory is at the kernel's pressure value");
		return FINDING_CRITICAL;
	}
	if (in->ceiling) {
		reach = (double)(in->ceiling > in->bytes ? in->ceiling - in->bytes : 0);
		if ((double)in->ceiling >= share) {
			snprintf(why, whysz, "its ceiling, %s (%s), is %s available memory",
				 units_size(in->ceiling, b1, sizeof(b1)),
				 in->ceiling_of ? in->ceiling_of : "its buffer",
				 in->mem_available ? "a real share of" : "more than the usual");
			return FINDING_CRITICAL;
		}
		if (in->growth_bps > 0 && in->pressure_room > 0 &&
		    reach >= (double)in->pressure_room) {
			snprintf(why, whysz, "filling to %s would take socket memory past "
				 "the kernel's pressure value",
				 units_size(in->ceiling, b1, sizeof(b1)));
			return FINDING_CRITICAL;
		}
		snprintf(why, whysz, "%s at %s, %s",
			 in->at_ceiling || in->bytes >= in->ceiling ? "stopped" : "will stop",
			 units_size(in->ceiling, b1, sizeof(b1)),
			 in->ceiling_of ? in->ceiling_of : "its buffer");
		return FINDING_WARNING;
	}
	if ((double)in->bytes >= share && in->bytes) {
		snprintf(why, whysz, "no ceiling, and %s is %s available memory",
			 units_size(in->bytes, b1, sizeof(b1)),
			 in->mem_available ? "a real share of" : "more than the usual");
		return FINDING_CRITICAL;
	}
	if (in->growth_bps > 0) {
		/* growth without a ceiling: out of memory, unless MemAvailable
		 * is unknown */
		double to_oom = in->mem_available ?
				(double)in->mem_available / in->growth_bps : -1;
		double to_press = in->pressure_room > 0 ?
				  (double)in->pressure_room / in->growth_bps : -1;

		if (to_press >= 0 && to_press <= c->crit_horizon_s) {
			snprintf(why, whysz, "no ceiling: at %s/s socket memory reaches the "
				 "kernel's pressure value in about %s",
				 units_size((uint64_t)in->growth_bps, b1, sizeof(b1)),
				 units_duration(to_press, b2, sizeof(b2)));
			return FINDING_CRITICAL;
		}
		if (to_oom >= 0 && to_oom <= c->crit_horizon_s) {
			snprintf(why, whysz, "no ceiling: at %s/s it takes the memory "
				 "available in about %s",
				 units_size((uint64_t)in->growth_bps, b1, sizeof(b1)),
				 units_duration(to_oom, b2, sizeof(b2)));
			return FINDING_CRITICAL;
		}
		snprintf(why, whysz, "no ceiling, but slow: %s/s",
			 units_size((uint64_t)in->growth_bps, b1, sizeof(b1)));
	}
	return FINDING_WARNING;
}

void findings_impact_machine(const struct sample *s, int tcp, struct findings_impact *in)
{
	uint64_t used = tcp ? s->mem.sockstat_tcp : s->mem.sockstat_udp;
	const uint64_t *lim = tcp ? s->tcp_mem_limits : s->udp_mem_limits;

	in->mem_available = s->mem.available;
	in->pressure_room = -1;
	if (s->have_mem_limits && lim[1])
		in->pressure_room = used >= lim[1] ? 0 : (int64_t)(lim[1] - used);
}

/* Append "; why" to a finding's summary, when there is something to say. */
static void say_why(struct finding *f, const char *why)
{
	size_t len = strlen(f->summary);

	if (why[0] && len + 3 < sizeof(f->summary))
		snprintf(f->summary + len, sizeof(f->summary) - len, "; %s", why);
}

struct findings_state *findings_state_new(void)
{
	struct findings_state *st = calloc(1, sizeof(struct findings_state));

	if (st && !(st->group = findings_group_state_new())) {
		free(st);
		return NULL;
	}
	return st;
}

void findings_state_free(struct findings_state *st)
{
	if (st) {
		free(st->kept);
		free(st->steps);
		findings_group_state_free(st->group);
	}
	free(st);
}

void findings_list_free(struct finding_list *l)
{
	if (!l)
		return;
	free(l->v);
	free(l->members);
	memset(l, 0, sizeof(*l));
}

static struct finding *add(struct finding_list *l, enum finding_kind kind,
			   enum finding_severity sev)
{
	struct finding *f;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		struct finding *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		l->v = v;
		l->cap = cap;
	}
	f = &l->v[l->n++];
	memset(f, 0, sizeof(*f));
	f->kind = (uint8_t)kind;
	f->severity = (uint8_t)sev;
	f->pid = -1;
	f->fd = -1;
	f->victim_pid = -1;
	f->victim_fd = -1;
	f->worst_fd = -1;
	return f;
}

/* snprintf for sentences that may be cut at the end (long names). */
static void say(char *dst, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *dst, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dst, n, fmt, ap);
	va_end(ap);
}

static char *sz(uint64_t v, char *b, size_t n)
{
	return units_size(v, b, n);
}

/* The first owner of a socket: pid, fd and comm (64 bytes); 0, or -1
 * when no fd holds it (or leaktop cannot see which). */
static int owner_into(const struct sample *s, const struct ltsock *k, int32_t *pid,
		      int32_t *fd, char *comm)
{
	const struct fd_owner *o;
	size_t n;

	if (!k->inode)
		return -1;
	o = fdtable_census_owners(&s->owners, k->inode, &n);
	if (!o)
		return -1;
	*pid = o->pid;
	*fd = o->fd;
	if (fdtable_census_proc(&s->owners, o->pid))
		snprintf(comm, 64, "%s", fdtable_census_proc(&s->owners, o->pid)->comm);
	return 0;
}

static void owner_of(const struct sample *s, const struct ltsock *k, struct finding *f)
{
	owner_into(s, k, &f->pid, &f->fd, f->comm);
}

static int is_inet(const struct ltsock *k)
{
	return k->family == AF_INET || k->family == AF_INET6;
}

/* The other ends of inet connections, indexed once per evaluation: the
 * shown inet sockets sorted by (netns, local port, peer port, place in the
 * shown list), and the listening ones.  A busy server may hold thousands of
 * orphans or stalled senders. */
struct peer_ix {
	uint32_t *v;		/* places in the shown list of inet sockets, sorted */
	size_t n;
	uint32_t *lis;		/* listening inet sockets with an inode */
	size_t nlis;
	int built;
};

/* The socket at place j of the shown list (of all sockets without one). */
static uint32_t shown_at(const struct sample *s, uint32_t j)
{
	return s->shown ? s->shown[j] : j;
}

static int cmp_peer_ix(const void *a, const void *b, void *arg)
{
	const struct sample *s = arg;
	uint32_t ja = *(const uint32_t *)a, jb = *(const uint32_t *)b;
	const struct ltsock *x = &s->socks.v[shown_at(s, ja)], *y = &s->socks.v[shown_at(s, jb)];

	if (x->netns != y->netns)
		return x->netns < y->netns ? -1 : 1;
	if (x->local.port != y->local.port)
		return x->local.port < y->local.port ? -1 : 1;
	if (x->peer.port != y->peer.port)
		return x->peer.port < y->peer.port ? -1 : 1;
	/* equal ports in shown order: the first match is the first shown */
	return (ja > jb) - (ja < jb);
}

static int peer_ix_build(const struct sample *s, struct peer_ix *ix)
{
	size_t j, n = s->shown ? s->nshown : s->socks.n;

	memset(ix, 0, sizeof(*ix));
	ix->built = 1;
	ix->v = malloc((n ? n : 1) * sizeof(*ix->v));
	if (!ix->v)
		return -ENOMEM;
	for (j = 0; j < n; j++)
		if (is_inet(&s->socks.v[shown_at(s, (uint32_t)j)]))
			ix->v[ix->n++] = (uint32_t)j;
	qsort_r(ix->v, ix->n, sizeof(*ix->v), cmp_peer_ix, (void *)s);
	for (j = 0; j < s->socks.n; j++) {
		const struct ltsock *p = &s->socks.v[j];

		if (p->state != 10 /* LISTEN */ || !is_inet(p) || !p->inode)
			continue;
		if (!(ix->nlis & (ix->nlis + 1))) {	/* 0, 1, 3, 7...: grow */
			uint32_t *nv = realloc(ix->lis, (ix->nlis * 2 + 2) * sizeof(*nv));

			if (!nv)
				return -ENOMEM;
			ix->lis = nv;
		}
		ix->lis[ix->nlis++] = (uint32_t)j;
	}
	return 0;
}

static void peer_ix_free(struct peer_ix *ix)
{
	free(ix->v);
	free(ix->lis);
}

/* The other end of an inet connection k when it is a socket of this
 * machine in the same namespace (loopback, or a local address), among ix's
 * shown sockets: an index into s->socks, or -1.  Only shown sockets are
 * asked: an end that does not read has a queue. */
static ssize_t peer_ix_find(const struct sample *s, const struct peer_ix *ix,
			    const struct ltsock *k)
{
	size_t lo = 0, hi = ix->n;

	while (lo < hi) {	/* the first with (netns, k's peer port, k's port) */
		size_t mid = lo + (hi - lo) / 2;
		const struct ltsock *p = &s->socks.v[shown_at(s, ix->v[mid])];

		if (p->netns < k->netns || (p->netns == k->netns &&
		    (p->local.port < k->peer.port ||
		     (p->local.port == k->peer.port && p->peer.port < k->local.port))))
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < ix->n; lo++) {
		const struct ltsock *p = &s->socks.v[shown_at(s, ix->v[lo])];

		if (p->netns != k->netns || p->local.port != k->peer.port ||
		    p->peer.port != k->local.port)
			break;
		if (p != k && p->family == k->family && p->protocol == k->protocol &&
		    p->type == k->type && !memcmp(p->local.addr, k->peer.addr, 16) &&
		    !memcmp(p->peer.addr, k->local.addr, 16))
			return (ssize_t)shown_at(s, ix->v[lo]);
	}
	return -1;
}

/* The listener an unaccepted connection waits in: same namespace and local
 * port, a v6 listener taking v4 too; an index into s->socks, or -1. */
static ssize_t peer_ix_listener(const struct sample *s, const struct peer_ix *ix,
				const struct ltsock *k)
{
	size_t j;

	for (j = 0; j < ix->nlis; j++) {
		const struct ltsock *p = &s->socks.v[ix->lis[j]];

		if (p->netns == k->netns && p->protocol == k->protocol &&
		    p->local.port == k->local.port &&
		    (p->family == k->family || p->family == AF_INET6))
			return (ssize_t)ix->lis[j];
	}
	return -1;
}

/* FNV-1a of a cause's parts (findings_group's key). */
static uint64_t cause_hash(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t h = 14695981039346656037ull;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h ? h : 1;
}

/*
 * The cause the socket findings of one process may share (findings_group
 * folds those with equal kind, pid, netns and cause): for a connection a
 * server accepted, its listening port; for any other connection, its peer
 * (toward_peer asks for the peer always: the stalled senders of one
 * reader); for a unix connection, the path it was accepted on.  An
 * unconnected socket is its own problem: cause 0.
 */
static int set_cause(const struct sample *s, struct peer_ix *ix, const struct ltsock *k,
		     int toward_peer, struct finding *f)
{
	struct { uint8_t tag, proto; uint16_t port; uint8_t addr[16]; } key;
	char a[64], p[60];

	memset(&key, 0, sizeof(key));
	key.proto = k->protocol;
	if (is_inet(k)) {
		if (!k->peer.port)
			return 0;
		if (!ix->built && peer_ix_build(s, ix) < 0)
			return -ENOMEM;
		if (!toward_peer && peer_ix_listener(s, ix, k) >= 0) {
			key.tag = 'L';
			key.port = k->local.port;
			snprintf(f->cause_text, sizeof(f->cause_text), "on :%u",
				 (unsigned)k->local.port);
		} else {
			key.tag = 'P';
			key.port = k->peer.port;
			memcpy(key.addr, k->peer.addr, sizeof(key.addr));
			lt_sanitize(ltsock_format_addr(k, 1, a, sizeof(a)), p, sizeof(p));
			snprintf(f->cause_text, sizeof(f->cause_text), "to %s", p);
		}
		f->cause = cause_hash(&key, sizeof(key));
		return 0;
	}
	if (k->family == AF_UNIX && k->path && k->path[0]) {
		f->cause = cause_hash(k->path, strlen(k->path)) ^ 'U';
		lt_sanitize(k->path, p, sizeof(p));
		snprintf(f->cause_text, sizeof(f->cause_text), "on %s", p);
	}
	return 0;
}

/* The sockets with bytes sent (wmem), sorted by (netns, unix peer's inode,
 * index): a unix reader's senders are one range, in census order.  Built
 * on the first reader that asks. */
struct sender_ix {
	uint32_t *v;
	size_t n;
	int built;
};

static int cmp_sender_ix(const void *a, const void *b, void *arg)
{
	const struct ltsock *v = arg;
	uint32_t ia = *(const uint32_t *)a, ib = *(const uint32_t *)b;
	uint64_t pa = ltsock_unix_peer(&v[ia]), pb = ltsock_unix_peer(&v[ib]);

	if (v[ia].netns != v[ib].netns)
		return v[ia].netns < v[ib].netns ? -1 : 1;
	if (pa != pb)
		return pa < pb ? -1 : 1;
	return (ia > ib) - (ia < ib);
}

static int sender_ix_build(const struct sample *s, struct sender_ix *ix)
{
	size_t i;

	ix->built = 1;
	ix->v = malloc((s->socks.n ? s->socks.n : 1) * sizeof(*ix->v));
	if (!ix->v)
		return -ENOMEM;
	for (i = 0; i < s->socks.n; i++)
		if (s->socks.v[i].wmem)
			ix->v[ix->n++] = (uint32_t)i;
	qsort_r(ix->v, ix->n, sizeof(*ix->v), cmp_sender_ix, s->socks.v);
	return 0;
}

/* The first place in ix of a socket sending to (netns, peer). */
static size_t sender_ix_first(const struct sample *s, const struct sender_ix *ix,
			      uint64_t netns, uint64_t peer)
{
	size_t lo = 0, hi = ix->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct ltsock *p = &s->socks.v[ix->v[mid]];

		if (p->netns < netns || (p->netns == netns && ltsock_unix_peer(p) < peer))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* "3 senders wait with 12.0 KiB queued: pid 7 (logger), pid 8 (cron)" for
 * a unix reader; "" without senders.  Names sanitised.  0 or -ENOMEM (the
 * index of senders, built on the first call). */
static int unix_senders(const struct sample *s, struct sender_ix *ix, const struct ltsock *k,
			char *out, size_t outsz)
{
	size_t j, len = 0, named = 0;
	char b1[32];

	out[0] = '\0';
	if (k->family != AF_UNIX || !k->npeer_q)
		return 0;
	if (!ix->built && sender_ix_build(s, ix) < 0)
		return -ENOMEM;
	len = (size_t)snprintf(out, outsz, "; %u connected sender%s queued %s at it, %u of "
			       "them blocked", (unsigned)k->npeer_q, k->npeer_q == 1 ? "" : "s",
			       sz(k->peer_q, b1, sizeof(b1)), (unsigned)k->npeer_blocked);
	for (j = sender_ix_first(s, ix, k->netns, k->inode);
	     j < ix->n && named < 3 && len < outsz; j++) {
		const struct ltsock *p = &s->socks.v[ix->v[j]];
		int32_t pid = -1, fd = -1;
		char comm[64] = "", c2[48];

		if (p->netns != k->netns || ltsock_unix_peer(p) != k->inode)
			break;
		if (owner_into(s, p, &pid, &fd, comm) < 0)
			continue;
		lt_sanitize(comm, c2, sizeof(c2));
		len += (size_t)snprintf(out + len, outsz - len, "%s pid %d (%s)",
					named ? "," : ":", (int)pid, c2);
		named++;
	}
	return 0;
}

/* Who, in words, safe for the terminal: "leak_udp (pid 42, fd 3)". */
static void who(const struct finding *f, char *out, size_t outsz)
{
	findings_subject(f, out, outsz);
}

static int dgram_like(const struct ltsock *k)
{
	/* a drop-all filter is safe where losing input loses nothing wanted;
	 * never on TCP or a unix stream, which it would stall */
	return k->type != SOCK_STREAM;
}

/*
 * A sender whose bytes stay queued because its peer takes none (the flag
 * SOCK_FLAG_SEND_STALLED, at least unread_min_bytes waiting).  When the
 * peer is a socket of this machine, its owner is the culprit (the finding's
 * pid) and the stalled sender the victim; else the sender's owner is named
 * and the peer is remote.  Never a drop filter: the stream would stall.
 */
static int send_stall(const struct findings_config *c, const struct sample *s,
		      struct peer_ix *ix, const struct ltsock *k, const struct sock_rate *r,
		      struct finding_list *out)
{
	uint64_t held = ltsock_send_held(k);
	char b1[32], b2[32], b3[32], v[96], addr[64], a2[64], pa[64], pa2[64];
	struct finding *f;
	ssize_t pi;
	int full;

	if ((double)held < c->unread_min_bytes)
		return 0;
	if (!ix->built && peer_ix_build(s, ix) < 0)
		return -ENOMEM;
	full = (k->have & LTSOCK_HAVE_SKMEM) && k->sndbuf &&
	       (uint64_t)held * 100 >= (uint64_t)k->sndbuf * 90;
	f = add(out, FINDING_SEND_STALL, FINDING_WARNING);
	if (!f)
		return -ENOMEM;
	f->inode = k->inode;
	f->netns = k->netns;
	f->suspected = r->points < c->confirm_samples;
	f->observed_s = s->interval * (r->points > 0 ? r->points - 1 : 0);
	/* below the culprit's own unread-queue finding of the same size */
	f->score = (double)held / 2;
	owner_into(s, k, &f->victim_pid, &f->victim_fd, f->victim_comm);
	pi = is_inet(k) ? peer_ix_find(s, ix, k) : -1;
	if (pi < 0 || owner_into(s, &s->socks.v[pi], &f->pid, &f->fd, f->comm) < 0) {
		/* a remote peer, or one no process holds: name the sender */
		f->pid = f->victim_pid;
		f->fd = f->victim_fd;
		memcpy(f->comm, f->victim_comm, sizeof(f->comm));
		f->victim_pid = -1;
		f->victim_fd = -1;
		f->victim_comm[0] = '\0';
	}
	lt_sanitize(ltsock_format_addr(k, 0, addr, sizeof(addr)), a2, sizeof(a2));
	lt_sanitize(ltsock_format_addr(k, 1, pa, sizeof(pa)), pa2, sizeof(pa2));
	if (f->victim_pid >= 0) {
		struct finding vf = *f;

		vf.pid = f->victim_pid;
		vf.fd = f->victim_fd;
		memcpy(vf.comm, f->victim_comm, sizeof(vf.comm));
		who(&vf, v, sizeof(v));
		say(f->summary, sizeof(f->summary),
			 "does not read its %s connection %s: %s of %s waits unsent",
			 ltsock_proto_name(k), pa2, sz(held, b1, sizeof(b1)), v);
	} else {
		say(f->summary, sizeof(f->summary),
			 "cannot send on %s %s: %s waits, its peer %s takes nothing",
			 ltsock_proto_name(k), a2, sz(held, b1, sizeof(b1)), pa2);
	}
	{
		struct findings_impact im = { .bytes = held, .fd_left_s = -1,
					      .ceiling_of = "its sndbuf" };
		char why[128];

		if ((k->have & LTSOCK_HAVE_SKMEM) && k->sndbuf)
			im.ceiling = k->sndbuf;
		im.at_ceiling = full;
		im.growth_bps = r->send_growth_bps > 0 ? r->send_growth_bps : 0;
		f->bytes = held;
		f->ceiling = im.ceiling;
		findings_impact_machine(s, k->protocol == IPPROTO_TCP, &im);
		if (!is_inet(k))
			im.pressure_room = -1;
		f->severity = (uint8_t)findings_severity(c, &im, why, sizeof(why));
		say_why(f, why);
	}
	say(f->evidence, sizeof(f->evidence),
		 "Send-Q %s (%s queued%s), sndbuf %s, %s over %u samples, never "
		 "decreased; the stalled sender is %s -> %s",
		 sz(k->send_q, b1, sizeof(b1)), sz(held, b2, sizeof(b2)),
		 full ? ", the send buffer is full" : "",
		 (k->have & LTSOCK_HAVE_SKMEM) ? sz(k->sndbuf, b3, sizeof(b3)) : "unknown",
		 r->send_growth_bps > 0 ? "growing" : "standing still",
		 (unsigned)r->points, a2, pa2);
	say(f->explanation, sizeof(f->explanation),
		 "The bytes this socket sends wait in kernel memory because the other "
		 "end does not read them: its receive window is closed. %s The memory "
		 "is bounded by the sender's SO_SNDBUF, but the sender blocks or "
		 "buffers more in user space. The reader must read (or close) its "
		 "socket; a drop filter would not help a stream and is never offered.",
		 f->victim_pid >= 0 ? "The reader is a process of this machine, named "
				      "first: it is the cause; the sender is its victim." :
				      "The reader is not on this machine: check it, or the "
				      "path to it.");
	return set_cause(s, ix, k, 1, f);
}

/* One culprit's orphans: the pid (or -1: remote or unknown) and the sums. */
struct orphan_group {
	int32_t pid, fd;
	char comm[64];
	int unaccepted;		/* waiting in a listener, not closed by a process */
	uint64_t bytes;
	unsigned n;
	unsigned peer_stuck;	/* the peer end's queue is flagged never_read */
};

/*
 * TCP connections that no fd holds, grouped by the local process that
 * keeps them alive: the reader of an orphan's peer end (it stopped
 * reading, so the orphan cannot finish sending), or the owner of the
 * listener an unaccepted connection waits in.  A group that pins at least
 * unread_min_bytes is a finding.
 */
static int rule_orphans(const struct findings_config *c, const struct sample *s,
			struct finding_list *out)
{
	struct orphan_group g[16];
	/* an orphan that pins bytes has a queue, so it is among the shown
	 * rows, except under -p (only those processes' sockets are shown) */
	const uint32_t *rows = s->pid_filter ? NULL : s->shown;
	size_t i, ng = 0, j, n = rows ? s->nshown : s->socks.n;
	unsigned other = 0;
	const struct meminfo_breakdown *m = &s->mem;
	struct peer_ix ix;

	if (!s->census || !m->orphans)
		return 0;
	if (peer_ix_build(s, &ix) < 0) {
		peer_ix_free(&ix);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		const struct ltsock *k = &s->socks.v[rows ? rows[i] : i];
		struct orphan_group key;
		ssize_t pi;

		if (!ltsock_is_orphan(k) || !ltsock_mem(k))
			continue;
		memset(&key, 0, sizeof(key));
		key.pid = -1;
		key.fd = -1;
		/* ESTAB or CLOSE_WAIT without an fd: never accepted */
		key.unaccepted = k->state == 1 || k->state == 8;
		pi = key.unaccepted ? peer_ix_listener(s, &ix, k) : peer_ix_find(s, &ix, k);
		if (pi >= 0) {
			owner_into(s, &s->socks.v[pi], &key.pid, &key.fd, key.comm);
			key.peer_stuck = !!(s->rates[pi].flags & SOCK_FLAG_NEVER_READ);
		}
		for (j = 0; j < ng; j++)
			if (g[j].pid == key.pid && g[j].unaccepted == key.unaccepted)
				break;
		if (j == ng) {
			if (ng == sizeof(g) / sizeof(g[0])) {
				other++;
				continue;
			}
			g[ng++] = key;
			g[j].peer_stuck = 0;
		}
		g[j].n++;
		g[j].bytes += ltsock_mem(k);
		g[j].peer_stuck += key.peer_stuck;
	}
	peer_ix_free(&ix);
	for (j = 0; j < ng; j++) {
		char b1[32], b2[32], b3[32];
		struct finding *f;

		if ((double)g[j].bytes < c->unread_min_bytes)
			continue;
		f = add(out, FINDING_ORPHANED_CONNECTIONS, FINDING_WARNING);
		if (!f)
			return -ENOMEM;
		f->pid = g[j].pid;
		f->fd = g[j].fd;
		memcpy(f->comm, g[j].comm, sizeof(f->comm));
		/* sure when the culprit's end is seen not reading */
		f->suspected = g[j].pid < 0 || !g[j].peer_stuck;
		f->score = (double)g[j].bytes / 2;
		f->bytes = g[j].bytes;
		/* the reader is the subject: the sentence starts with it */
		if (g[j].pid >= 0)
			say(f->summary, sizeof(f->summary),
				 "%s %u %s connection%s, which hold%s %s",
				 g[j].unaccepted ? "does not accept" : "stopped reading",
				 g[j].n, g[j].unaccepted ? "unaccepted" : "orphaned",
				 g[j].n == 1 ? "" : "s", g[j].n == 1 ? "s" : "",
				 sz(g[j].bytes, b1, sizeof(b1)));
		else
			say(f->summary, sizeof(f->summary),
				 "%u %s connection%s hold %s, toward peers not on this machine",
				 g[j].n, g[j].unaccepted ? "unaccepted" : "orphaned",
				 g[j].n == 1 ? "" : "s", sz(g[j].bytes, b1, sizeof(b1)));
		{
			/* no ceiling: each new orphan adds to them */
			struct findings_impact im = { .bytes = g[j].bytes, .fd_left_s = -1 };
			char why[128];

			findings_impact_machine(s, 1, &im);
			f->severity = (uint8_t)findings_severity(c, &im, why, sizeof(why));
			say_why(f, why);
		}
		say(f->evidence, sizeof(f->evidence),
			 "%u connection%s without an fd, %s pinned; the kernel counts %llu "
			 "orphans, TCP memory %s of pressure %s (net.ipv4.tcp_mem)%s",
			 g[j].n, g[j].n == 1 ? "" : "s", sz(g[j].bytes, b1, sizeof(b1)),
			 (unsigned long long)m->sockstat_orphans,
			 sz(m->sockstat_tcp, b2, sizeof(b2)),
			 s->have_mem_limits ? sz(s->tcp_mem_limits[1], b3, sizeof(b3)) : "unknown",
			 other ? "; more groups not listed" : "");
		say(f->explanation, sizeof(f->explanation), "%s",
			 g[j].unaccepted ?
			 "These connections completed the handshake but the listening "
			 "program never accepted them; the kernel holds them and what their "
			 "clients sent. The program must accept (or close its listener); "
			 "a smaller listen backlog bounds it." :
			 "A program closed these connections with data still to send; the "
			 "kernel keeps each one (an orphan, no process's memory) until the "
			 "other end takes the data, retrying per net.ipv4.tcp_orphan_retries. "
			 "The other end is a local process that stopped reading: it is the "
			 "cause, and reading or closing its sockets frees this memory.");
	}
	return 0;
}

/* The severity of a finding about socket k's receive queue (q bytes,
 * growing at growth bytes/s), and its words in the summary.  A unix
 * reader's queue is its senders': no one rcvbuf caps it. */
static void sock_severity(const struct findings_config *c, const struct sample *s,
			  const struct ltsock *k, uint64_t q, double growth, struct finding *f)
{
	struct findings_impact im = { .bytes = q, .fd_left_s = -1,
				      .ceiling_of = "its rcvbuf" };
	char why[128];

	if ((k->have & LTSOCK_HAVE_SKMEM) && k->rcvbuf && k->family != AF_UNIX) {
		im.ceiling = k->rcvbuf;
		im.at_ceiling = ltsock_is_full(k);
	}
	im.growth_bps = growth > 0 ? growth : 0;
	f->bytes = q;
	f->ceiling = im.ceiling;
	findings_impact_machine(s, k->protocol == IPPROTO_TCP, &im);
	if (!is_inet(k) || (k->protocol != IPPROTO_TCP && k->protocol != IPPROTO_UDP))
		im.pressure_room = -1;
	f->severity = (uint8_t)findings_severity(c, &im, why, sizeof(why));
	say_why(f, why);
}

static int rule_sockets(const struct findings_config *c, const struct sample *s,
			struct finding_list *out)
{
	struct peer_ix pix = { 0 };
	struct sender_ix six = { 0 };
	size_t j;
	int ret = 0;

	if (!s->census)
		return 0;
	/* a flagged socket is always shown: the short list is enough */
	for (j = 0; j < (s->shown ? s->nshown : s->socks.n); j++) {
		size_t i = s->shown ? s->shown[j] : j;
		const struct ltsock *k = &s->socks.v[i];
		const struct sock_rate *r = &s->rates[i];
		uint64_t q = ltsock_queued(k);
		char b1[32], b2[32], b3[32], addr[64], a2[64], snd[200];
		struct finding *f;
		int full = !!(r->flags & SOCK_FLAG_FULL);

		if (r->flags & SOCK_FLAG_SEND_STALLED) {
			ret = send_stall(c, s, &pix, k, r, out);
			if (ret < 0)
				goto out;
		}

		if ((r->flags & SOCK_FLAG_NEVER_READ) &&
		    (r->growth_bps > 0 || q >= c->unread_min_bytes || full)) {
			f = add(out, FINDING_UNREAD_QUEUE, FINDING_WARNING);
			if (!f) {
				ret = -ENOMEM;
				goto out;
			}
			f->inode = k->inode;
			f->netns = k->netns;
			owner_of(s, k, f);
			f->suspected = r->points < c->confirm_samples;
			f->observed_s = s->interval * (r->points > 0 ? r->points - 1 : 0);
			f->score = r->growth_bps * 60 + (double)q;
			f->action = dgram_like(k) && f->pid >= 0 ? ACTIONS_DROP_FILTER : ACTIONS_NONE;
			lt_sanitize(ltsock_format_addr(k, 0, addr, sizeof(addr)), a2, sizeof(a2));
			snprintf(f->summary, sizeof(f->summary),
				 "never reads its %s socket %s: %s queued%s",
				 ltsock_proto_name(k), a2, sz(q, b1, sizeof(b1)),
				 !full ? (r->growth_bps > 0 ? ", and growing" : ", and it stays") :
				 k->family == AF_UNIX && k->npeer_blocked ?
				 ", the queue is full and its senders are blocked" :
				 k->type == SOCK_STREAM ?
				 ", the queue is full and its peer has to wait" :
				 ", the queue is full and drops what arrives");
			sock_severity(c, s, k, q, r->growth_bps, f);
			ret = set_cause(s, &pix, k, 0, f);
			if (ret == 0)
				ret = unix_senders(s, &six, k, snd, sizeof(snd));
			if (ret < 0)
				goto out;
			snprintf(f->evidence, sizeof(f->evidence),
				 "Recv-Q %s, rcvbuf %s, growth %s/s over %u samples, never "
				 "decreased, drops %.1f/s%s",
				 sz(q, b1, sizeof(b1)),
				 (k->have & LTSOCK_HAVE_SKMEM) ? sz(k->rcvbuf, b2, sizeof(b2)) : "unknown",
				 sz(r->growth_bps > 0 ? (uint64_t)r->growth_bps : 0, b3, sizeof(b3)),
				 (unsigned)r->points, r->drops_ps, snd);
			snprintf(f->explanation, sizeof(f->explanation),
				 "This socket receives data that its program never reads, so "
				 "every packet stays queued in kernel memory that no process's "
				 "RSS or PSS shows, up to the socket's receive buffer. %s%s",
				 dgram_like(k) ?
				 "If the program only sends on it, it should attach a drop-all "
				 "filter (SO_ATTACH_FILTER with a single 'ret #0') or set a "
				 "minimum SO_RCVBUF; otherwise it must read it." :
				 "A stream socket must be read by its program; dropping its "
				 "input would stall the connection.",
				 f->action ? " leaktop can attach the drop filter now "
					     "(action drop-filter), and undo it." : "");
			continue;
		}
		/* before never_read can be told (three points), a full,
		 * dropping queue is not yet "read too slowly" either: the
		 * kind must not flip on the same evidence */
		if (full && (r->flags & SOCK_FLAG_DROPPING) && r->points >= 3) {
			f = add(out, FINDING_QUEUE_FULL_DROPPING, FINDING_WARNING);
			if (!f) {
				ret = -ENOMEM;
				goto out;
			}
			f->inode = k->inode;
			f->netns = k->netns;
			owner_of(s, k, f);
			f->suspected = r->points < c->confirm_samples;
			f->score = r->drops_ps;
			lt_sanitize(ltsock_format_addr(k, 0, addr, sizeof(addr)), a2, sizeof(a2));
			snprintf(f->summary, sizeof(f->summary),
				 "reads its %s socket %s too slowly: the queue is full and "
				 "drops %.1f packets/s", ltsock_proto_name(k), a2,
				 r->drops_ps);
			sock_severity(c, s, k, q, 0, f);
			ret = set_cause(s, &pix, k, 0, f);
			if (ret < 0)
				goto out;
			snprintf(f->evidence, sizeof(f->evidence),
				 "Recv-Q %s of rcvbuf %s, drops %.1f/s, the queue went down "
				 "at least once in the window", sz(q, b1, sizeof(b1)),
				 sz(k->rcvbuf, b2, sizeof(b2)), r->drops_ps);
			snprintf(f->explanation, sizeof(f->explanation),
				 "The program reads this socket, but not as fast as data "
				 "arrives: its receive buffer stays full and the kernel drops "
				 "the rest. Memory is bounded by rcvbuf; the loss is data. The "
				 "program needs to read faster, or a bigger SO_RCVBUF.");
		}
	}
out:
	peer_ix_free(&pix);
	free(six.v);
	return ret;
}

/*
 * A socket leaktop mitigated stays a finding while it still pins memory:
 * a drop filter or a smaller rcvbuf stops the growth, so the unread rule
 * (which needs the growth) goes quiet, and a fresh run would list nothing
 * while the queued bytes stay until a drain or a restart.  Same kind and
 * subject as the unread finding it was, so the id does not change;
 * mark_states marks it mitigated.
 */
static int rule_mitigated(const struct findings_config *c, const struct sample *s,
			  struct finding_list *out)
{
	size_t i, j, k;

	if (!s->census)
		return 0;
	for (i = 0; i < s->nmitigations; i++) {
		const struct finding_mitigation *m = &s->mitigations[i];
		const struct ltsock *sk = NULL;
		char b1[32], b2[32], addr[64], a2[64];
		struct finding *f;
		uint64_t q;
		int covered = 0;

		if (m->in_place == 0 || !m->inode ||
		    (m->kind != ACTIONS_DROP_FILTER && m->kind != ACTIONS_SHRINK_RCVBUF &&
		     m->kind != ACTIONS_DRAIN))
			continue;
		for (j = 0; j < out->n && !covered; j++)
			covered = out->v[j].inode == m->inode &&
				  (out->v[j].kind == FINDING_UNREAD_QUEUE ||
				   out->v[j].kind == FINDING_QUEUE_FULL_DROPPING);
		for (k = 0; k < s->socks.n && !sk && !covered; k++)
			if (s->socks.v[k].inode == m->inode)
				sk = &s->socks.v[k];
		if (covered || !sk || !(q = ltsock_queued(sk)))
			continue;
		f = add(out, FINDING_UNREAD_QUEUE, FINDING_WARNING);
		if (!f)
			return -ENOMEM;
		f->inode = sk->inode;
		f->netns = sk->netns;
		owner_of(s, sk, f);
		if (f->pid < 0 && !s->pid_filter) {	/* -p: only its owners */
			f->pid = m->pid;
			f->fd = m->fd;
		}
		f->score = (double)q;
		lt_sanitize(ltsock_format_addr(sk, 0, addr, sizeof(addr)), a2, sizeof(a2));
		snprintf(f->summary, sizeof(f->summary),
			 "never read its %s socket %s: %s still queued behind leaktop's %s",
			 ltsock_proto_name(sk), a2, sz(q, b1, sizeof(b1)),
			 actions_kind_name((enum actions_kind)m->kind));
		sock_severity(c, s, sk, q, 0, f);
		snprintf(f->evidence, sizeof(f->evidence),
			 "Recv-Q %s, rcvbuf %s; the queue no longer grows, the bytes "
			 "stay pinned until the socket is drained or closed",
			 sz(q, b1, sizeof(b1)),
			 (sk->have & LTSOCK_HAVE_SKMEM) ? sz(sk->rcvbuf, b2, sizeof(b2)) : "unknown");
		snprintf(f->explanation, sizeof(f->explanation),
			 "leaktop's action stopped this queue from growing, but what it "
			 "held before stays in kernel memory: nothing reads it. Drain it "
			 "(action drain) or restart the program to free it; the program "
			 "still needs the fix (read the socket, or attach its own drop "
			 "filter).");
	}
	return 0;
}

/* fd usage of p in % of its soft limit, 0 when either is unknown. */
static double fd_pct(const struct proc_info *p)
{
	return p->fd_soft > 0 && p->nfds >= 0 ? 100.0 * p->nfds / (double)p->fd_soft : 0;
}

/*
 * fds growing toward the limit: a shell opening one more fd is not a leak,
 * so the growth must be steady, large enough, and reach the limit within
 * the horizon.  A few seconds of a busy daemon's burst, extrapolated over
 * hours, is no evidence: a short history counts only when the limit is
 * close (a leak like gshell's at a low limit).
 */
static int fds_growing(const struct findings_config *c, const struct proc_info *p)
{
	if (!(p->growth_known && p->fd_growth_per_hour >= c->fd_min_growth &&
	      p->fd_increase >= c->fd_min_increase &&
	      p->exhaustion_s >= 0 && p->exhaustion_s <= c->fd_horizon_s))
		return 0;
	return p->growth_span_s >= c->fd_min_span_s || p->exhaustion_s <= c->fd_crit_s;
}

int findings_proc_notable(const struct findings_config *c, const struct proc_info *p)
{
	struct findings_config def;

	if (!c) {
		findings_config_default(&def);
		c = &def;
	}
	return p->ghosts > 0 || p->queued > 0 || fd_pct(p) >= c->fd_crit_pct ||
	       fds_growing(c, p);
}

static int cmp_step(const void *a, const void *b)
{
	const struct fd_step *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

/*
 * Record each process's fds of this sample in st and return, in rose_at
 * (s->procs' order), when its fds last rose (0: not seen to), and in
 * rising whether they rose at the last read.  A light sample that did not
 * read a process's fds carries both on.  0 or -ENOMEM.
 */
static int fd_steps(struct findings_state *st, const struct sample *s, double *rose_at,
		    int *rising)
{
	struct fd_step *nv = malloc((s->procs.n ? s->procs.n : 1) * sizeof(*nv));
	size_t i;

	if (!nv)
		return -ENOMEM;
	for (i = 0; i < s->procs.n; i++) {
		const struct proc_info *p = &s->procs.v[i];
		struct fd_step key = { .pid = p->pid }, *old;

		old = st->steps ? bsearch(&key, st->steps, st->nsteps, sizeof(key), cmp_step) :
				  NULL;
		nv[i].pid = p->pid;
		nv[i].nfds = p->nfds;
		nv[i].rose_at = old ? old->rose_at : 0;
		nv[i].rising = old ? old->rising : 1;
		if (!old) {
			/* no step seen yet: no evidence that it stopped */
			nv[i].rose_at = s->time;
		} else if (!p->fds_fresh) {
			nv[i].nfds = old->nfds;
		} else {
			nv[i].rising = p->nfds > old->nfds;
			if (nv[i].rising)
				nv[i].rose_at = s->time;
		}
		rose_at[i] = nv[i].rose_at;
		rising[i] = nv[i].rising;
	}
	qsort(nv, s->procs.n, sizeof(*nv), cmp_step);
	free(st->steps);
	st->steps = nv;
	st->nsteps = s->procs.n;
	return 0;
}

/* A burst that has stopped is no forecast: with a short history the fds
 * must have risen at their last read, with a long one within
 * fd_min_span_s. */
static int fds_still_rising(const struct findings_config *c, const struct sample *s,
			    const struct proc_info *p, double rose_at, int rising)
{
	if (p->growth_span_s < c->fd_min_span_s)
		return rising;
	return s->time - rose_at <= c->fd_min_span_s;
}

static int rule_procs(const struct findings_config *c, struct findings_state *st,
		      const struct sample *s, struct finding_list *out)
{
	int32_t self = (int32_t)getpid();
	double *rose_at;
	int *rising;
	size_t i;

	if (!s->have_procs)
		return 0;
	rose_at = malloc((s->procs.n ? s->procs.n : 1) * sizeof(*rose_at));
	rising = malloc((s->procs.n ? s->procs.n : 1) * sizeof(*rising));
	if (!rose_at || !rising || fd_steps(st, s, rose_at, rising) < 0) {
		free(rose_at);
		free(rising);
		return -ENOMEM;
	}
	for (i = 0; i < s->procs.n; i++) {
		const struct proc_info *p = &s->procs.v[i];
		char b1[32], cause[96], why[128];
		struct findings_impact im = { .fd_left_s = -1 };
		struct finding *f;
		double pct = fd_pct(p);
		int growing = fds_growing(c, p) &&
			      fds_still_rising(c, s, p, rose_at[i], rising[i]);
		/* a ghost younger than the grace period is a connection its
		 * peer closed and the program is about to close (a healthy
		 * server under churn): it counts only once it stayed, each
		 * ghost on its own age (ghosts_settled), not the oldest's */
		int ghosts_grow = p->growth_known && p->ghost_growth_per_hour > 0 &&
				  p->ghosts_settled >= c->ghost_min;

		im.fd_pct = pct;
		im.fd_left_s = growing ? p->exhaustion_s : -1;
		im.mem_available = s->mem.available;
		im.pressure_room = -1;

		if (p->pid == self)
			continue;	/* leaktop's own fds come and go */
		if (p->ghosts_known && p->ghosts > 0 &&
		    (ghosts_grow || p->oldest_ghost_age >= c->ghost_persist_s)) {
			f = add(out, FINDING_GHOST_SOCKETS,
				findings_severity(c, &im, why, sizeof(why)));
			if (!f)
				goto nomem;
			f->pid = p->pid;
			snprintf(f->comm, sizeof(f->comm), "%s", p->comm);
			f->observed_s = p->oldest_ghost_age;
			f->suspected = s->seq < c->confirm_samples &&
				       p->oldest_ghost_age < c->ghost_persist_s;
			f->score = p->ghosts;
			f->action = pct >= 50 && p->fd_hard != p->fd_soft ? ACTIONS_RAISE_FD_LIMIT :
								       ACTIONS_NONE;
			snprintf(f->summary, sizeof(f->summary),
				 "holds %d sockets the network stack no longer lists "
				 "(ghosts): closed connections whose fds it never closed",
				 (int)p->ghosts);
			say_why(f, why);
			snprintf(f->evidence, sizeof(f->evidence),
				 "%d ghost sockets of %d socket fds, %+.0f ghosts/hour, the "
				 "oldest a ghost for %.0f s; %d fds of a %lld limit%s",
				 (int)p->ghosts, (int)p->nsockets, p->ghost_growth_per_hour,
				 p->oldest_ghost_age, (int)p->nfds, (long long)p->fd_soft,
				 growing || pct >= c->fd_crit_pct ?
				 ": they drive it toward fd exhaustion" : "");
			snprintf(f->explanation, sizeof(f->explanation),
				 "The program keeps file descriptors of sockets whose "
				 "connections are over (lsof shows them as 'sock ... protocol: "
				 "TCPv6'; ss and netstat do not list them). Each costs an fd and "
				 "kernel memory; they accumulate until accept() fails with 'too "
				 "many open files'. The program must close the fd when a "
				 "connection ends (look for a code path, or a blocked thread or "
				 "goroutine, that skips close).%s",
				 f->action ? " Raising the fd limit (raise-fd-limit) buys time." : "");
		}
		if (growing || pct >= c->fd_crit_pct) {
			/* its own summary says how soon: no words to add */
			f = add(out, FINDING_FD_EXHAUSTION,
				findings_severity(c, &im, NULL, 0));
			if (!f)
				goto nomem;
			f->pid = p->pid;
			snprintf(f->comm, sizeof(f->comm), "%s", p->comm);
			f->suspected = !growing ? 0 : s->seq < c->confirm_samples;
			/* an outage on a clock ranks above memory of any size */
			f->score = growing ? 1e15 / (1 + p->exhaustion_s) : pct;
			f->action = p->fd_hard < 0 || p->fd_hard > p->fd_soft ? ACTIONS_RAISE_FD_LIMIT :
									    ACTIONS_NONE;
			/* the cause, when it is in sight: ghosts among the fds */
			cause[0] = '\0';
			if (p->ghosts_known && p->ghosts > 0 && p->ghosts >= c->ghost_min)
				snprintf(cause, sizeof(cause), ": %d of its %d fds are ghost "
					 "sockets it never closed", (int)p->ghosts, (int)p->nfds);
			if (p->fd_soft > 0 && p->nfds >= p->fd_soft)
				/* the forecast is over: say what is true now */
				snprintf(f->summary, sizeof(f->summary),
					 "has reached its fd limit (%d of %lld): every new "
					 "socket, accept() and open() fails with EMFILE now%s",
					 (int)p->nfds, (long long)p->fd_soft, cause);
			else if (growing)
				snprintf(f->summary, sizeof(f->summary),
					 "will run out of file descriptors in about %.0f s%s",
					 p->exhaustion_s, cause[0] ? cause :
					 " (more open every minute)");
			else
				snprintf(f->summary, sizeof(f->summary),
					 "uses %d of its %lld file descriptors (%.0f %%)%s",
					 (int)p->nfds, (long long)p->fd_soft, pct, cause);
			snprintf(f->evidence, sizeof(f->evidence),
				 "%d fds open (%d sockets, %d of them ghosts), soft limit %lld, "
				 "hard %lld, %+.1f fds/hour (regression over the samples), %s "
				 "queued in its sockets", (int)p->nfds, (int)p->nsockets,
				 p->ghosts_known ? (int)p->ghosts : 0, (long long)p->fd_soft,
				 (long long)p->fd_hard, p->fd_growth_per_hour,
				 sz(p->queued, b1, sizeof(b1)));
			snprintf(f->explanation, sizeof(f->explanation),
				 "When a process reaches its RLIMIT_NOFILE soft limit, every "
				 "open(), socket() and accept() fails with EMFILE ('too many open "
				 "files'): a server stops taking connections. %s",
				 f->action ? "Raising the soft limit toward the hard limit "
					     "(raise-fd-limit) buys time; the fd leak itself must be "
					     "fixed in the program." :
					     "The soft limit is already at the hard limit; the leak "
					     "must be fixed, or the service restarted.");
		}
	}
	free(rose_at);
	free(rising);
	return 0;
nomem:
	free(rose_at);
	free(rising);
	return -ENOMEM;
}

static unsigned mpt(const struct findings_state *st, unsigned i)
{
	return (st->head + MEM_POINTS - st->n + i) % MEM_POINTS;
}

static double mslope(const struct findings_state *st, const double *y)
{
	double sx = 0, sy = 0, sxx = 0, sxy = 0, d;
	unsigned i, n = st->n;
	double t0 = st->t[mpt(st, 0)];

	for (i = 0; i < n; i++) {
		double x = st->t[mpt(st, i)] - t0, v = y[mpt(st, i)];

		sx += x;
		sy += v;
		sxx += x * x;
		sxy += x * v;
	}
	d = sxx - sx * sx / n;
	return n >= 2 && d > 1e-9 ? (sxy - sx * sy / n) / d : 0;
}

static int rule_memory(const struct findings_config *c, struct findings_state *st,
		       const struct sample *s, struct finding_list *out)
{
	const struct meminfo_breakdown *m = &s->mem;
	double span, gu, ga, gq;
	char b1[32], b2[32], b3[32], slabs[160] = "", cause[160], w[96];
	struct finding *f;
	int i, j;

	st->t[st->head] = s->time;
	st->unacc[st->head] = (double)m->unaccounted;
	st->anon[st->head] = (double)m->user_anon;
	st->sockq[st->head] = (double)m->socket_queues;
	st->head = (st->head + 1) % MEM_POINTS;
	if (st->n < MEM_POINTS)
		st->n++;
	if (!st->have_first_slab && s->slab.readable) {
		st->first_slab = s->slab;
		st->have_first_slab = 1;
	}
	span = s->time - st->t[mpt(st, 0)];
	if (st->n < 3 || span < c->unaccounted_window_s)
		goto pressure;
	gu = mslope(st, st->unacc);
	ga = mslope(st, st->anon);
	gq = mslope(st, st->sockq);
	if (gu >= c->unaccounted_bps && fabs(ga) < gu / 2) {
		double share = gq > 0 ? 100 * gq / gu : 0;

		if (share > 100)
			share = 100;
		/* name the slab caches that grew since the first sample */
		for (i = 0; s->slab.readable && i < s->slab.n; i++) {
			uint64_t was = 0;

			for (j = 0; j < st->first_slab.n; j++)
				if (!strcmp(st->first_slab.top[j].name, s->slab.top[i].name))
					was = st->first_slab.top[j].bytes;
			if (s->slab.top[i].bytes > was + (1 << 20))
				snprintf(slabs + strlen(slabs), sizeof(slabs) - strlen(slabs),
					 "%s%.40s +%s", slabs[0] ? ", " : "", s->slab.top[i].name,
					 sz(s->slab.top[i].bytes - was, b3, sizeof(b3)));
		}
		{
			/* a note when the socket findings explain it */
			struct findings_impact im = {
				.note = share >= 50, .fd_left_s = -1, .growth_bps = gu,
				.bytes = m->unaccounted > 0 ? (uint64_t)m->unaccounted : 0,
				.mem_available = m->available, .pressure_room = -1 };

			f = add(out, FINDING_UNACCOUNTED_GROWTH,
				findings_severity(c, &im, NULL, 0));
		}
		if (!f)
			return -ENOMEM;
		f->observed_s = span;
		f->score = gu;
		snprintf(f->summary, sizeof(f->summary),
			 "kernel memory that no counter explains grows by %s/s while user "
			 "memory stays flat; socket queues explain %.0f %% of it",
			 sz((uint64_t)gu, b1, sizeof(b1)), share);
		snprintf(f->evidence, sizeof(f->evidence),
			 "unaccounted %s, %+.0f B/s over %.0f s; user anon %+.0f B/s; socket "
			 "queues %s, %+.0f B/s%s%s", sz((uint64_t)(m->unaccounted > 0 ?
			 m->unaccounted : 0), b2, sizeof(b2)), gu, span, ga,
			 sz(m->socket_queues, b3, sizeof(b3)), gq,
			 slabs[0] ? "; growing slab caches: " : "", slabs);
		snprintf(f->explanation, sizeof(f->explanation),
			 "MemTotal minus every known category (free, cache, shmem, user "
			 "anonymous memory, slab, page tables, stacks, vmalloc, percpu, "
			 "hugetlb) keeps growing: the kernel is allocating pages no counter "
			 "names. %s",
			 share >= 50 ? "Socket receive queues account for most of it: see "
				       "the unread-queue findings." :
			 slabs[0] ? "Socket queues do not explain it; the slab caches "
				    "named in the evidence grew: a kernel module or driver "
				    "may be leaking (kmemleak can confirm)." :
				    "Socket queues do not explain it and no slab cache "
				    "grew: pages taken straight from the page allocator "
				    "(drivers, page frags). kmemleak or page_owner can tell.");
	}
pressure:
	if (s->have_mem_limits) {
		static const char *const name[2] = { "TCP", "UDP" };
		const uint64_t used[2] = { m->sockstat_tcp, m->sockstat_udp };
		const uint64_t *lim[2] = { s->tcp_mem_limits, s->udp_mem_limits };

		for (i = 0; i < 2; i++) {
			double pct = lim[i][1] ? 100.0 * (double)used[i] / (double)lim[i][1] : 0;

			if (pct < c->pressure_pct)
				continue;
			{
				struct findings_impact im = { .bytes = used[i], .fd_left_s = -1 };

				findings_impact_machine(s, i == 0, &im);
				f = add(out, FINDING_SOCKET_MEMORY_PRESSURE,
					findings_severity(c, &im, NULL, 0));
			}
			if (!f)
				return -ENOMEM;
			f->score = pct;
			/* name the biggest holder the socket rules found (they
			 * ran first): the cause, in the consequence's words */
			{
				const struct finding *big = NULL;
				size_t g_i;

				for (g_i = 0; g_i + 1 < out->n; g_i++) {
					const struct finding *g = &out->v[g_i];

					if (findings_explains(g, f) && (!big || g->score > big->score))
						big = g;
				}
				cause[0] = '\0';
				if (big) {
					who(big, w, sizeof(w));
					snprintf(cause, sizeof(cause), ": the most by %s (%s)", w,
						 findings_kind_name(big->kind));
				}
			}
			snprintf(f->summary, sizeof(f->summary),
				 "%s socket memory is at %.0f %% of the kernel's pressure "
				 "threshold%s", name[i], pct, cause);
			snprintf(f->evidence, sizeof(f->evidence),
				 "%s in %s sockets; net.ipv4.%s_mem: pressure %s, max %s",
				 sz(used[i], b1, sizeof(b1)), name[i], i ? "udp" : "tcp",
				 sz(lim[i][1], b2, sizeof(b2)), sz(lim[i][2], b3, sizeof(b3)));
			snprintf(f->explanation, sizeof(f->explanation),
				 "Above the pressure threshold the kernel shrinks socket "
				 "buffers; at the maximum it refuses new socket memory and "
				 "drops packets for every socket of the protocol on this "
				 "machine. Find the sockets holding it (the unread-queue "
				 "findings) before raising %s_mem.", i ? "udp" : "tcp");
		}
	}
	return 0;
}

/* The action in s that covers f, or NULL: the socket's for socket
 * findings, a raised fd limit for fd exhaustion. */
static const struct finding_mitigation *mitigation_of(const struct sample *s,
						      const struct finding *f)
{
	size_t i;

	for (i = 0; i < s->nmitigations; i++) {
		const struct finding_mitigation *m = &s->mitigations[i];

		if (m->in_place == 0)
			continue;	/* undone, or its fd closed */
		switch (f->kind) {
		case FINDING_UNREAD_QUEUE:
		case FINDING_QUEUE_FULL_DROPPING:
			if (m->inode && m->inode == f->inode &&
			    (m->kind == ACTIONS_DROP_FILTER || m->kind == ACTIONS_SHRINK_RCVBUF ||
			     m->kind == ACTIONS_DRAIN))
				return m;
			break;
		case FINDING_FD_EXHAUSTION:
			if (m->kind == ACTIONS_RAISE_FD_LIMIT && m->pid == f->pid)
				return m;
			break;
		}
	}
	return NULL;
}

/* Positions in a list, sorted by the identity of the findings there:
 * mark_states finds the kept findings that came back by binary search.
 * Positions, not pointers: the list grows (and moves) meanwhile. */
static int cmp_pos_identity(const void *a, const void *b, void *arg)
{
	const struct finding *v = arg;

	return findings_identity_cmp(&v[*(const size_t *)a], &v[*(const size_t *)b]);
}

/* Is x the same problem as one of v[pos[0..n))? */
static int pos_has(const struct finding *v, const size_t *pos, size_t n,
		   const struct finding *x)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = findings_identity_cmp(&v[pos[mid]], x);

		if (!c)
			return 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static int keep_push(struct findings_state *st, size_t *cap, const struct finding *f,
		     double gone)
{
	if (st->nkept == *cap) {
		size_t nc = *cap ? *cap * 2 : 8;
		struct kept_finding *v = realloc(st->kept, nc * sizeof(*v));

		if (!v)
			return -ENOMEM;
		st->kept = v;
		*cap = nc;
	}
	st->kept[st->nkept].f = *f;
	st->kept[st->nkept].gone_since = gone;
	st->nkept++;
	return 0;
}

/*
 * States: suspected or confirmed from the rules; mitigated when an action
 * of leaktop's covers it (with what the samples since say in the
 * evidence); a finding confirmed in the last sample and gone in this one
 * is listed again, resolved, for resolved_keep_s.
 */
static int mark_states(const struct findings_config *c, struct findings_state *st,
		       const struct sample *s, struct finding_list *out)
{
	struct kept_finding *old = st->kept;
	size_t *now = NULL;
	size_t nold = st->nkept, cap = 0, i, j, nnow = out->n;
	char when[32];
	int r = 0;

	for (i = 0; i < out->n; i++) {
		struct finding *f = &out->v[i];
		const struct finding_mitigation *m = mitigation_of(s, f);

		f->state = f->suspected ? FINDING_SUSPECTED : FINDING_CONFIRMED;
		if (!m)
			continue;
		f->state = FINDING_MITIGATED;
		f->mitigation = m->kind;
		f->check = m->check;
		f->mitigated_at = m->time;
		snprintf(f->mitigation_note, sizeof(f->mitigation_note), "%s", m->how);
		{
			time_t t = (time_t)m->time;
			struct tm tm;
			size_t len = strlen(f->evidence);

			localtime_r(&t, &tm);
			strftime(when, sizeof(when), "%H:%M:%S", &tm);
			snprintf(f->evidence + len, sizeof(f->evidence) - len,
				 "; mitigated by %s at %s: %s",
				 actions_kind_name((enum actions_kind)m->kind), when,
				 findings_check_name((enum finding_check)m->check));
		}
	}
	/* the kept list starts over: this sample's confirmed findings, then
	 * the resolved ones that still show */
	st->kept = NULL;
	st->nkept = 0;
	for (i = 0; i < nnow && r == 0; i++)
		if (out->v[i].state != FINDING_SUSPECTED)
			r = keep_push(st, &cap, &out->v[i], 0);
	if (nold && r == 0) {
		now = malloc((nnow ? nnow : 1) * sizeof(*now));
		if (!now)
			r = -ENOMEM;
		for (i = 0; now && i < nnow; i++)
			now[i] = i;
		if (now)
			qsort_r(now, nnow, sizeof(*now), cmp_pos_identity, out->v);
	}
	for (j = 0; j < nold && r == 0; j++) {
		struct finding g;

		if (nnow && pos_has(out->v, now, nnow, &old[j].f))
			continue;	/* back: it is in this sample's list */
		g = old[j].f;
		if (!old[j].gone_since)
			old[j].gone_since = s->time;
		if (s->time - old[j].gone_since > c->resolved_keep_s)
			continue;
		if (g.state != FINDING_RESOLVED) {
			time_t t = (time_t)old[j].gone_since;
			struct tm tm;
			size_t len = strlen(g.evidence);

			localtime_r(&t, &tm);
			strftime(when, sizeof(when), "%H:%M:%S", &tm);
			g.state = FINDING_RESOLVED;
			if (len + 40 < sizeof(g.evidence))
				snprintf(g.evidence + len, sizeof(g.evidence) - len,
					 "; gone since %s", when);
		}
		r = keep_push(st, &cap, &g, old[j].gone_since);
		if (r == 0) {
			struct finding *f = add(out, (enum finding_kind)g.kind,
						(enum finding_severity)g.severity);

			if (!f)
				r = -ENOMEM;
			else
				*f = g;
		}
	}
	free(now);
	free(old);
	return r;
}

static int cmp_finding(const void *a, const void *b)
{
	return findings_cmp(a, b);
}

/*
 * Under -p the owners are scanned for those processes only, so a socket
 * of any other process has no owner here: its finding would name "a
 * process leaktop cannot see" when leaktop was only told to look
 * elsewhere.  Keep the findings of -p's processes and the machine's own
 * (memory, pressure); drop the socket findings without a subject.
 */
static void scope_to_pids(const struct sample *s, struct finding_list *out)
{
	size_t i, n = 0;

	if (!s->pid_filter)
		return;
	for (i = 0; i < out->n; i++) {
		const struct finding *f = &out->v[i];
		int machine = f->kind == FINDING_UNACCOUNTED_GROWTH ||
			      f->kind == FINDING_SOCKET_MEMORY_PRESSURE;

		if (f->pid >= 0 || machine)
			out->v[n++] = *f;
	}
	out->n = n;
}

int findings_evaluate(const struct findings_config *c, struct findings_state *st,
		      const struct sample *s, struct finding_list *out)
{
	int r;

	memset(out, 0, sizeof(*out));
	st->samples++;
	r = rule_sockets(c, s, out);
	if (r == 0)
		r = rule_mitigated(c, s, out);
	if (r == 0)
		r = rule_orphans(c, s, out);
	if (r == 0)
		r = rule_procs(c, st, s, out);
	if (r == 0)
		r = rule_memory(c, st, s, out);
	if (r == 0) {
		scope_to_pids(s, out);
		r = mark_states(c, st, s, out);
	}
	if (r == 0)
		r = findings_group(c, st->group, s, out);
	if (r < 0) {
		findings_list_free(out);
		return r;
	}
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), cmp_finding);
	return 0;
}
