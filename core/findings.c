/*
 * The model of a finding, the bottom of the triage files: the names of
 * kinds, states, checks and severities; the thresholds (struct
 * findings_config); the one severity rule; a finding's identity, id and
 * order; whether it is still a problem and whether there is a leak; who it
 * is about.  Pure functions of a finding, a list or the thresholds, so
 * they work on recordings too.  It calls nothing above it: the rules
 * (core/findings/), the table of kinds (findings_guide.c), grouping and
 * evaluation build on it (core/findings_int.h draws the layers).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leaktop/findings.h"
#include "leaktop/procs.h"
#include "leaktop/sample.h"
#include "leaktop/units.h"
#include "findings/findings_int.h"

/* Every kind's value is below FINDING_NKINDS (the names are then one
 * each: a value used twice is an initializer given twice, a warning). */
#define FINDINGS_CHECK_VALUE(id, file, value) \
	_Static_assert((value) >= 0 && (value) < FINDING_NKINDS, #file ": value out of range");
FINDINGS_LIST(FINDINGS_CHECK_VALUE)
#undef FINDINGS_CHECK_VALUE

const char *findings_kind_name(enum finding_kind k)
{
	static const char *const names[FINDING_NKINDS] = {
#define FINDINGS_NAME(id, file, value) [FINDING_##id] = #file,
		FINDINGS_LIST(FINDINGS_NAME)
#undef FINDINGS_NAME
	};

	return (unsigned)k < FINDING_NKINDS && names[k] ? names[k] : "?";
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

const char *findings_severity_name(enum finding_severity s)
{
	switch (s) {
	case FINDING_CRITICAL: return "critical";
	case FINDING_WARNING: return "warning";
	default: return "info";
	}
}

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

void findings_list_free(struct finding_list *l)
{
	if (!l)
		return;
	free(l->v);
	free(l->members);
	memset(l, 0, sizeof(*l));
}

/* fd usage of p in % of its soft limit, 0 when either is unknown. */
double findings_fd_pct(const struct proc_info *p)
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
int findings_fds_growing(const struct findings_config *c, const struct proc_info *p)
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
	return p->ghosts > 0 || p->queued > 0 || findings_fd_pct(p) >= c->fd_crit_pct ||
	       findings_fds_growing(c, p);
}

int findings_mem_growing(const struct findings_config *c, double bps, double span_s)
{
	struct findings_config def;

	if (!c) {
		findings_config_default(&def);
		c = &def;
	}
	return bps >= c->unaccounted_bps && span_s >= c->unaccounted_window_s;
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
	if (findings_is_suspected(x) != findings_is_suspected(y))
		return findings_is_suspected(x) ? 1 : -1;
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

int findings_is_suspected(const struct finding *f)
{
	return f->suspected != 0;
}

int findings_mitigation_fails(const struct finding *f)
{
	return f->state == FINDING_MITIGATED && f->check == FINDING_CHECK_FAILS;
}

const char *findings_state_word(const struct finding *f)
{
	if (findings_mitigation_fails(f))
		return "no effect";
	return findings_state_name((enum finding_state)f->state);
}

int findings_mitigated_works(const struct finding *f)
{
	return f->state == FINDING_MITIGATED && !findings_mitigation_fails(f);
}

size_t findings_mitigated_count(const struct finding_list *l)
{
	size_t i, n = 0;

	for (i = 0; i < l->n; i++)
		n += !!findings_mitigated_works(&l->v[i]);
	return n;
}

int findings_is_note(const struct finding *f)
{
	return f->severity != FINDING_CRITICAL && f->severity != FINDING_WARNING;
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
		if (findings_is_note(&l->v[i]))
			(*info)++;
		else if (l->v[i].severity == FINDING_CRITICAL)
			(*crit)++;
		else
			(*warn)++;
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
		if (findings_mitigated_works(&l->v[i]) && !findings_is_note(&l->v[i]))
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

