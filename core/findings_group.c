/*
 * One row per problem: the grouping pass at the end of findings_evaluate.
 * The rules raise one finding per socket; a server that stopped reading
 * twelve clients is one problem, not twelve, and a stopped process is the
 * one fact that explains every queue it holds.  This pass folds them:
 *
 *  - the open socket findings (unread_queue, queue_full_dropping,
 *    send_stall, orphans) of a process that is stopped (T), traced (t), in
 *    a frozen cgroup (F, leaktop's letter) or stuck in D for two samples
 *    become the members of one process_stopped finding,
 *    which says how long it has been so (the first sample that saw it);
 *  - the other socket findings of one process with the same kind,
 *    namespace and cause (the listening port, the peer or the unix path
 *    that findings_rule_set_cause names) are one finding when there are
 *    two or more: a group, whose identity is kind, pid, netns and cause,
 *    so the row stays the same row as members come and go; a group
 *    listed before stays one while a member is left.
 *
 * A group carries the count, the total bytes and its worst member; the
 * members themselves, each with its own state, sit in the list's members
 * array.  Every output and pane reads the grouped list: this is the one
 * home of the rule (doc/structure.md).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "leaktop/actions.h"
#include "leaktop/findings.h"
#include "leaktop/sample.h"
#include "leaktop/sample_clock.h"
#include "leaktop/units.h"
#include "alloc_hook.h"
#include "findings/findings_int.h"

/* A process seen stopped, from the first sample that saw it so. */
struct stopped {
	int32_t pid;
	uint64_t start_ticks;
	char state;
	double since;		/* wall time first seen in this state (shown) */
	double since_steady;	/* the same on the steady clock (intervals) */
	unsigned samples;	/* samples seen so, in a row */
};

/* A process_stopped finding listed in the last sample (gone_since 0), or
 * resolved and still listed. */
struct kept_stop {
	struct finding f;
	double gone_since;
};

/* The key of a group listed in the last sample: such a group keeps its
 * row, and so its id, while one member is left. */
struct group_key {
	uint8_t kind;
	int32_t pid;
	uint64_t netns, cause;
};

struct findings_group_state {
	struct stopped *st;
	size_t nst;
	struct kept_stop *kept;
	size_t nkept;
	struct group_key *keys;	/* sorted (cmp_key) */
	size_t nkeys;
};

struct findings_group_state *findings_group_state_new(void)
{
	return calloc(1, sizeof(struct findings_group_state));
}

void findings_group_state_free(struct findings_group_state *g)
{
	if (g) {
		free(g->st);
		free(g->kept);
		free(g->keys);
	}
	free(g);
}

const struct finding *findings_members(const struct finding_list *l,
				       const struct finding *f, size_t *n)
{
	*n = 0;
	if (!f->nmembers || !f->member_n || !l->members ||
	    (size_t)f->member_first + f->member_n > l->nmembers)
		return NULL;
	*n = f->member_n;
	return l->members + f->member_first;
}

/* Calls fn(inode, arg) for each socket open finding f of l is about: its
 * own, or its open members' (findings_about_socket's rule); stops at
 * fn's first non-zero, which it returns. */
static int socks_of(const struct finding_list *l, const struct finding *f,
		    int (*fn)(uint64_t, void *), void *arg)
{
	const struct finding *m;
	size_t n, k;
	int r;

	if (!findings_is_open(f))
		return 0;
	if (f->inode && (r = fn(f->inode, arg)) != 0)
		return r;
	m = findings_members(l, f, &n);
	for (k = 0; k < n; k++)
		if (findings_is_open(&m[k]) && m[k].inode && (r = fn(m[k].inode, arg)) != 0)
			return r;
	return 0;
}

static int socks_is(uint64_t ino, void *arg)
{
	return ino == *(const uint64_t *)arg;
}

int findings_about_socket(const struct finding_list *l, uint64_t inode)
{
	size_t i;

	if (!inode)
		return 0;
	for (i = 0; i < l->n; i++)
		if (socks_of(l, &l->v[i], socks_is, &inode))
			return 1;
	return 0;
}

struct socks_fill {
	struct findings_socks *set;
	size_t cap;
};

/* Stops when full: a recording's groups may claim the same members. */
static int socks_add(uint64_t ino, void *arg)
{
	struct socks_fill *sf = arg;

	if (sf->set->n == sf->cap)
		return 1;
	sf->set->ino[sf->set->n++] = ino;
	return 0;
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

int findings_socks_build(struct findings_socks *set, const struct finding_list *l)
{
	struct socks_fill sf = { set, l->n + l->nmembers };
	size_t i;

	set->n = 0;
	set->ino = reallocarray(NULL, sf.cap ? sf.cap : 1, sizeof(*set->ino));
	if (!set->ino)
		return -ENOMEM;
	for (i = 0; i < l->n; i++)
		socks_of(l, &l->v[i], socks_add, &sf);
	qsort(set->ino, set->n, sizeof(*set->ino), u64_cmp);
	return 0;
}

int findings_socks_has(const struct findings_socks *set, uint64_t inode)
{
	return inode && set->n &&
	       bsearch(&inode, set->ino, set->n, sizeof(*set->ino), u64_cmp) != NULL;
}

void findings_socks_free(struct findings_socks *set)
{
	free(set->ino);
	set->ino = NULL;
	set->n = 0;
}

int findings_about_pid(const struct finding_list *l, int pid)
{
	size_t i;

	if (pid < 0)
		return 0;
	for (i = 0; i < l->n; i++)
		if (findings_is_open(&l->v[i]) && l->v[i].pid == pid)
			return 1;
	return 0;
}

static int pid_cmp(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	return (x > y) - (x < y);
}

int findings_pids_build(struct findings_pids *set, const struct finding_list *l)
{
	size_t i;

	set->n = 0;
	set->pid = reallocarray(NULL, l->n ? l->n : 1, sizeof(*set->pid));
	if (!set->pid)
		return -ENOMEM;
	for (i = 0; i < l->n; i++)
		if (findings_is_open(&l->v[i]) && l->v[i].pid >= 0)
			set->pid[set->n++] = l->v[i].pid;
	qsort(set->pid, set->n, sizeof(*set->pid), pid_cmp);
	return 0;
}

int findings_pids_has(const struct findings_pids *set, int pid)
{
	int32_t key = pid;

	return set->n && bsearch(&key, set->pid, set->n, sizeof(*set->pid), pid_cmp) != NULL;
}

void findings_pids_free(struct findings_pids *set)
{
	free(set->pid);
	set->pid = NULL;
	set->n = 0;
}

/* A finding about the sockets of process f->pid: one a group can hold
 * (its kind's entry says .folds).  Orphans have no cause to share
 * (their rule groups them already) but fold into their reader's
 * process_stopped finding. */
static int groupable(const struct finding *f)
{
	const struct findings_kind_entry *e = findings_kind_entry((enum finding_kind)f->kind);

	return f->pid >= 0 && e && e->folds;
}

/* Does state letter c stop a process from reading (after samples in a
 * row)?  D only once it stays: a read from disk passes through it. */
static int stops_reading(char c, unsigned samples)
{
	return c == 'T' || c == 't' || c == 'F' || (c == 'D' && samples >= 2);
}

/* Track the processes seen stopped in s: since when, how many samples. */
static int track_stopped(struct findings_group_state *g, const struct sample *s)
{
	struct stopped *nv;
	size_t i, j, n = 0;

	if (!s->have_procs)
		return 0;	/* no processes read: what was known stays */
	for (i = 0; i < s->procs.n; i++) {
		char c = s->procs.v[i].run_state;

		n += c == 'T' || c == 't' || c == 'D' || c == 'F';
	}
	nv = malloc((n ? n : 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	n = 0;
	for (i = 0; i < s->procs.n; i++) {
		const struct proc_info *p = &s->procs.v[i];
		char c = p->run_state;

		if (c != 'T' && c != 't' && c != 'D' && c != 'F')
			continue;
		nv[n] = (struct stopped){ p->pid, p->start_ticks, c, s->time,
					  sample_steady_time(s), 1 };
		for (j = 0; j < g->nst; j++)
			if (g->st[j].pid == p->pid && g->st[j].start_ticks == p->start_ticks &&
			    g->st[j].state == c) {
				nv[n].since = g->st[j].since;
				nv[n].since_steady = g->st[j].since_steady;
				nv[n].samples = g->st[j].samples + 1;
				break;
			}
		n++;
	}
	free(g->st);
	g->st = nv;
	g->nst = n;
	return 0;
}

static const struct stopped *stopped_of(const struct findings_group_state *g, int32_t pid)
{
	size_t j;

	for (j = 0; j < g->nst; j++)
		if (g->st[j].pid == pid && stops_reading(g->st[j].state, g->st[j].samples))
			return &g->st[j];
	return NULL;
}

/* The place of each finding in the sort that brings a group's together:
 * its key, then resolved after open, then bytes (worst first). */
struct slot {
	size_t i;		/* index in the list */
	uint8_t kind;		/* the group's kind: process_stopped or its own */
	int32_t pid;
	uint64_t netns, cause;
	int resolved;
};

static int cmp_slot(const void *a, const void *b, void *arg)
{
	const struct slot *x = a, *y = b;
	const struct finding *v = arg;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->netns != y->netns)
		return x->netns < y->netns ? -1 : 1;
	if (x->cause != y->cause)
		return x->cause < y->cause ? -1 : 1;
	if (x->resolved != y->resolved)
		return x->resolved - y->resolved;
	if (v[x->i].bytes != v[y->i].bytes)
		return v[x->i].bytes > v[y->i].bytes ? -1 : 1;
	return findings_cmp(&v[x->i], &v[y->i]);
}

static int same_key(const struct slot *x, const struct slot *y)
{
	return x->kind == y->kind && x->pid == y->pid && x->netns == y->netns &&
	       x->cause == y->cause;
}

static int cmp_key(const void *a, const void *b)
{
	const struct group_key *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->netns != y->netns)
		return x->netns < y->netns ? -1 : 1;
	return (x->cause > y->cause) - (x->cause < y->cause);
}

static struct group_key key_of(const struct slot *x)
{
	return (struct group_key){ x->kind, x->pid, x->netns, x->cause };
}

/* Was the group of x's key listed in the last sample? */
static int was_group(const struct findings_group_state *g, const struct slot *x)
{
	struct group_key k = key_of(x);

	return g->nkeys && bsearch(&k, g->keys, g->nkeys, sizeof(k), cmp_key) != NULL;
}

/* Append n findings to out's members; their first index into *first. */
static int members_push(struct finding_list *l, const struct finding *v, const struct slot *sl,
			size_t n, uint32_t *first)
{
	size_t k;

	if (l->nmembers + n > l->mcap) {
		size_t cap = l->mcap ? l->mcap : 16;
		struct finding *nv;

		while (cap < l->nmembers + n)
			cap *= 2;
		nv = realloc(l->members, cap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		l->members = nv;
		l->mcap = cap;
	}
	*first = (uint32_t)l->nmembers;
	for (k = 0; k < n; k++)
		l->members[l->nmembers++] = v[sl[k].i];
	return 0;
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

/*
 * The group of members m[0..n) (worst first) as one finding in *g: the
 * worst member's subject and cause, count, total and worst, the state the
 * members share, the severity of what they pin together (never below the
 * worst member's), and its sentence.
 */
static void make_group(const struct findings_config *c, const struct sample *s,
		       const struct finding *m, size_t n, enum finding_kind kind,
		       const struct stopped *st, struct finding *g)
{
	const struct findings_kind_entry *e = findings_kind_entry(kind);
	struct findings_impact im = { .fd_left_s = -1, .ceiling_of = "their buffers" };
	char b1[32], b2[32], why[128];
	size_t k, confirmed = 0, suspected = 0, mitigated = 0, resolved = 0, open = 0;
	uint64_t total = 0, ceil = 0;
	int all_ceiling = 1, same_victim = 1;
	double obs = 0, score = 0;
	uint8_t sev = FINDING_INFO;
	enum finding_severity gsev;

	*g = m[0];
	g->kind = (uint8_t)kind;
	g->fd = -1;
	g->inode = 0;
	g->action = ACTIONS_NONE;
	g->mitigation = 0;
	g->check = FINDING_CHECK_NONE;
	g->mitigated_at = 0;
	g->mitigation_note[0] = '\0';
	g->summary_whole = 0;
	for (k = 0; k < n; k++) {
		const struct finding *x = &m[k];

		total += x->bytes;
		ceil += x->ceiling;
		all_ceiling &= x->ceiling > 0;
		if (x->victim_pid != m[0].victim_pid)
			same_victim = 0;
		if (x->observed_s > obs)
			obs = x->observed_s;
		if (x->state == FINDING_RESOLVED) {
			resolved++;
			continue;
		}
		open++;
		score += x->score;
		if (x->severity > sev)
			sev = x->severity;
		confirmed += x->state == FINDING_CONFIRMED;
		suspected += x->state == FINDING_SUSPECTED;
		mitigated += x->state == FINDING_MITIGATED;
	}
	if (!open)		/* a resolved group: the severity it had */
		for (k = 0; k < n; k++)
			if (m[k].severity > sev)
				sev = m[k].severity;
	g->nmembers = (uint32_t)n;
	g->bytes = total;
	g->ceiling = all_ceiling ? ceil : 0;
	g->worst_fd = m[0].fd;
	g->worst_inode = m[0].inode;
	g->worst_bytes = m[0].bytes;
	g->observed_s = obs;
	g->score = open ? score : m[0].score;
	if (!same_victim) {
		g->victim_pid = -1;
		g->victim_fd = -1;
		g->victim_comm[0] = '\0';
	}
	g->victim_fd = -1;
	/* what the members share */
	if (!open)
		g->state = FINDING_RESOLVED;
	else if (confirmed)
		g->state = FINDING_CONFIRMED;
	else if (mitigated && !suspected)
		g->state = FINDING_MITIGATED;
	else if (mitigated)
		g->state = FINDING_CONFIRMED;
	else
		g->state = FINDING_SUSPECTED;
	g->suspected = g->state == FINDING_SUSPECTED;
	if (g->state == FINDING_MITIGATED) {
		g->mitigation = m[0].mitigation;
		g->check = m[0].check;
		g->mitigated_at = m[0].mitigated_at;
		snprintf(g->mitigation_note, sizeof(g->mitigation_note), "%s",
			 m[0].mitigation_note);
	}
	/* together they pin the total: the one severity rule on it */
	im.bytes = total;
	im.ceiling = g->ceiling;
	findings_impact_machine(s, 1, &im);
	gsev = findings_severity(c, &im, why, sizeof(why));
	if ((uint8_t)gsev < sev)
		why[0] = '\0';	/* the worst member's words stand */
	g->severity = (uint8_t)gsev > sev ? (uint8_t)gsev : sev;

	units_size(total, b1, sizeof(b1));
	units_size(m[0].bytes, b2, sizeof(b2));
	if (kind == FINDING_PROCESS_STOPPED) {
		g->cause = 0;
		g->cause_text[0] = '\0';
		g->netns = 0;
		g->victim_pid = -1;
		g->victim_comm[0] = '\0';
		g->proc_state = st ? st->state : 'T';
		g->since = st ? st->since : s->time;
		g->observed_s = st ? sample_steady_time(s) - st->since_steady : 0;
		g->score = 1e12 + (double)total;	/* the fact that explains them */
	}
	/* the words: the members' in general, then the kind's (its sentence,
	 * and for a kind this pass raises its evidence and explanation) */
	say(g->evidence, sizeof(g->evidence),
	    "%zu %s %s, %s in total (%zu confirmed, %zu suspected%s); the worst "
	    "is fd %d, socket %llu, with %s: %.120s", n, findings_rule_connections(n),
	    g->cause_text, b1, confirmed, suspected, resolved ? ", some resolved" : "",
	    (int)m[0].fd, (unsigned long long)m[0].inode, b2, m[0].evidence);
	if (e && e->group_words)
		e->group_words(g, m, n, b1, b2);
	else
		say(g->summary, sizeof(g->summary), "%zu %s findings %s: %s, worst fd %d %s", n,
		    findings_kind_name(kind), g->cause_text, b1, (int)m[0].fd, b2);
	/* the words of a warning's ceiling are the members'; a critical
	 * group says why it is one */
	if (why[0] && g->severity == FINDING_CRITICAL) {
		size_t len = strlen(g->summary);

		if (len + 3 < sizeof(g->summary))
			snprintf(g->summary + len, sizeof(g->summary) - len, "; %s", why);
	}
}

/* A process_stopped finding listed before and not raised now: listed
 * again, resolved, for resolved_keep_s (as mark_states does for rules). */
static int keep_stops(const struct findings_config *c, struct findings_group_state *g,
		      const struct sample *s, const struct finding_list *out, size_t from)
{
	struct kept_stop *nv;
	size_t i, j, n = 0, cap = g->nkept + (out->n - from) + 1;
	char when[32];

	nv = malloc(cap * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	for (i = from; i < out->n; i++)
		if (out->v[i].kind == FINDING_PROCESS_STOPPED && out->v[i].state != FINDING_SUSPECTED)
			nv[n++] = (struct kept_stop){ out->v[i], 0 };
	for (j = 0; j < g->nkept; j++) {
		struct kept_stop k = g->kept[j];
		int back = 0;

		for (i = from; i < out->n && !back; i++)
			back = findings_same(&out->v[i], &k.f);
		if (back)
			continue;
		if (!k.gone_since)
			k.gone_since = sample_steady_time(s);
		if (sample_steady_time(s) - k.gone_since > c->resolved_keep_s)
			continue;
		if (k.f.state != FINDING_RESOLVED) {
			/* it ran again in this sample: its wall time, shown */
			time_t t = (time_t)s->time;
			struct tm tm;
			size_t len = strlen(k.f.evidence);

			localtime_r(&t, &tm);
			strftime(when, sizeof(when), "%H:%M:%S", &tm);
			k.f.state = FINDING_RESOLVED;
			k.f.suspected = 0;
			k.f.member_n = 0;	/* its members are not this list's */
			if (len + 40 < sizeof(k.f.evidence))
				snprintf(k.f.evidence + len, sizeof(k.f.evidence) - len,
					 "; runs again since %s", when);
		}
		nv[n++] = k;
	}
	free(g->kept);
	g->kept = nv;
	g->nkept = n;
	return 0;
}

int findings_group(const struct findings_config *c, struct findings_group_state *g,
		   const struct sample *s, struct finding_list *out)
{
	struct finding *v = out->v, *nv = NULL;
	struct slot *sl = NULL;
	struct group_key *keys = NULL;
	size_t i, j, n = out->n, nsl = 0, nn = 0, nkeys = 0;
	int r;

	out->nmembers = 0;
	r = track_stopped(g, s);
	if (r < 0)
		return r;
	sl = malloc((n ? n : 1) * sizeof(*sl));
	/* the groups' own rows are at most one per member, plus the kept */
	nv = malloc((n + g->nkept + 1) * sizeof(*nv));
	keys = malloc((n ? n : 1) * sizeof(*keys));
	if (!sl || !nv || !keys) {
		r = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		const struct finding *f = &v[i];
		const struct stopped *st;
		struct slot x = { .i = i, .kind = f->kind, .pid = f->pid, .netns = f->netns,
				  .cause = f->cause, .resolved = f->state == FINDING_RESOLVED };

		if (!groupable(f)) {
			nv[nn++] = *f;
			continue;
		}
		st = x.resolved ? NULL : stopped_of(g, f->pid);
		if (st) {
			x.kind = FINDING_PROCESS_STOPPED;
			x.netns = 0;
			x.cause = 0;
		} else if (!f->cause) {
			nv[nn++] = *f;
			continue;
		}
		sl[nsl++] = x;
	}
	qsort_r(sl, nsl, sizeof(*sl), cmp_slot, v);
	for (i = 0; i < nsl; i = j) {
		size_t nopen = 0, k, at;
		int stop = sl[i].kind == FINDING_PROCESS_STOPPED;
		int was = was_group(g, &sl[i]);

		for (j = i; j < nsl && same_key(&sl[i], &sl[j]); j++)
			nopen += !sl[j].resolved;
		/* open members make the group; resolved ones of the same cause
		 * stay out of sight while it lives; a group listed before
		 * stays one while a member is left (its row keeps its id) */
		if (nopen >= 2 || (nopen >= 1 && (stop || was))) {
			struct finding *gf = &nv[nn++];
			uint32_t first;
			struct finding *m;

			r = members_push(out, v, sl + i, nopen, &first);
			if (r < 0)
				goto out;
			m = out->members + first;
			make_group(c, s, m, nopen, (enum finding_kind)sl[i].kind,
				   stop ? stopped_of(g, sl[i].pid) : NULL, gf);
			gf->member_first = first;
			gf->member_n = (uint32_t)nopen;
			keys[nkeys++] = key_of(&sl[i]);
			continue;
		}
		if (nopen == 1)
			nv[nn++] = v[sl[i].i];
		at = i + nopen;
		if (j - at >= 2 || (was && !nopen && j > at)) {
			uint32_t first;

			r = members_push(out, v, sl + at, j - at, &first);
			if (r < 0)
				goto out;
			make_group(c, s, out->members + first, j - at,
				   (enum finding_kind)sl[i].kind, NULL, &nv[nn]);
			nv[nn].member_first = first;
			nv[nn].member_n = (uint32_t)(j - at);
			nn++;
			keys[nkeys++] = key_of(&sl[i]);
		} else {
			for (k = at; k < j; k++)
				nv[nn++] = v[sl[k].i];
		}
	}
	qsort(keys, nkeys, sizeof(*keys), cmp_key);
	free(g->keys);
	g->keys = keys;
	g->nkeys = nkeys;
	keys = NULL;
	free(out->v);
	out->v = nv;
	out->n = nn;
	out->cap = n + g->nkept + 1;
	nv = NULL;
	/* a process_stopped finding no longer raised: listed resolved */
	r = keep_stops(c, g, s, out, 0);
	if (r < 0)
		goto out;
	for (j = 0; j < g->nkept; j++)
		if (g->kept[j].gone_since && out->n < out->cap)
			out->v[out->n++] = g->kept[j].f;
	r = 0;
out:
	free(sl);
	free(nv);
	free(keys);
	return r;
}
