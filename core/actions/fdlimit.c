/*
 * raise-fd-limit and undo-fd-limit: prlimit RLIMIT_NOFILE of the process
 * (soft up to the hard limit, or to a given value), which buys time
 * against EMFILE, and put the old limits back.  prlimit names a pid, not
 * the pidfd, so the run checks afterwards that the pinned process held the
 * pid throughout (actions_prlimit_verdict) and says "uncertain" if not.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/resource.h>

#include "action_int.h"

/* ---- the undo state: the limits before, and as set ------------------------ */

static void put_u64(char *out, size_t outsz, uint64_t v)
{
	if (v == ACTIONS_UNLIMITED)
		actions_fmt_append(out, outsz, " unlimited");
	else
		actions_fmt_append(out, outsz, " %" PRIu64, v);
}

static void limits_encode(const struct actions_state *st, char *out, size_t outsz)
{
	actions_fmt_append(out, outsz, "limits");
	put_u64(out, outsz, st->old_soft);
	put_u64(out, outsz, st->old_hard);
	put_u64(out, outsz, st->new_soft);
	put_u64(out, outsz, st->new_hard);
	actions_fmt_append(out, outsz, "\n");
}

static int limits_decode(struct action_lines *l, struct actions_state *st, struct lt_err *err)
{
	uint64_t x[4];
	char *tok[6];
	int n;

	n = actions_state_line(l) < 0 ? 0 : actions_state_split(l->line, tok, 6);
	if (n != 5 || strcmp(tok[0], "limits") != 0 ||
	    actions_state_u64(tok[1], UINT64_MAX - 1, 1, &x[0]) < 0 ||
	    actions_state_u64(tok[2], UINT64_MAX - 1, 1, &x[1]) < 0 ||
	    actions_state_u64(tok[3], UINT64_MAX - 1, 1, &x[2]) < 0 ||
	    actions_state_u64(tok[4], UINT64_MAX - 1, 1, &x[3]) < 0 ||
	    x[0] > x[1] || x[2] > x[3])
		return lt_err_set(err, EBADMSG, "line %d: expected \"limits OLD_SOFT OLD_HARD "
				  "NEW_SOFT NEW_HARD\"", l->no);
	st->old_soft = x[0];
	st->old_hard = x[1];
	st->new_soft = x[2];
	st->new_hard = x[3];
	return 0;
}

static int limits_in_place(const struct actions_state *st, int sfd, char *why, size_t whysz)
{
	struct rlimit cur;

	(void)sfd;
	if (prlimit(st->pid, RLIMIT_NOFILE, NULL, &cur) < 0)
		return -errno;
	if ((uint64_t)cur.rlim_cur != st->new_soft) {
		actions_fmt(why, whysz, "the soft fd limit is no longer the one set");
		return 0;
	}
	return 1;
}

static const struct action_state_codec limits_state = {
	.kind = ACTIONS_RAISE_FD_LIMIT,
	.file = "fdlimit",
	.encode = limits_encode,
	.decode = limits_decode,
	.in_place = limits_in_place,
};

/* Are the limits the ones leaktop set (st: the state found, or NULL)? */
static int limits_match(const struct actions_figures *b, const struct actions_state *st)
{
	return st && b->fd_soft == st->new_soft && b->fd_hard == st->new_hard;
}

static rlim_t to_rlim(uint64_t v)
{
	return v == ACTIONS_UNLIMITED ? RLIM_INFINITY : (rlim_t)v;
}

/* Set RLIMIT_NOFILE of the pinned pid; 0, or 1 with the result set. */
static int set_limits(struct action_run *r, uint64_t soft, uint64_t hard)
{
	struct rlimit rl = { .rlim_cur = to_rlim(soft), .rlim_max = to_rlim(hard) };
	struct actions_prlimit_obs obs;
	char why[256];

	if (!actions_pidfd_alive(r->pidfd))
		return actions_refuse_gone(r);
	if (prlimit(r->rq.pid, RLIMIT_NOFILE, &rl, NULL) < 0) {
		int e = errno;

		if (e == EPERM)
			return actions_refuse_resource(r, "prlimit RLIMIT_NOFILE", e);
		if (e == ESRCH)
			return actions_refuse_gone(r);
		if (e == EINVAL)
			return actions_refuse(r, e, "prlimit RLIMIT_NOFILE: the kernel refuses %"
					      PRIu64 " (above fs.nr_open?)", soft);
		return actions_fail(r, e, "prlimit RLIMIT_NOFILE: %s", strerror(e));
	}
	/* prlimit named a pid: only a pidfd still live afterwards proves the
	 * pid was our process's throughout */
	memset(&obs, 0, sizeof(obs));
	obs.alive_after = actions_pidfd_alive(r->pidfd);
	obs.start_pinned = r->rq.start_ticks;
	obs.stat_err = actions_inspect_stat(r->procroot, r->rq.pid, &obs.start_after,
					    &obs.state_after);
	if (actions_prlimit_verdict(r->rq.pid, &obs, why, sizeof(why)) != ACTIONS_DONE) {
		actions_set_outcome(r, ACTIONS_UNCERTAIN, ESRCH, why);
		return 1;
	}
	return 0;
}

enum actions_outcome actions_prlimit_verdict(int pid, const struct actions_prlimit_obs *o,
					     char *why, size_t whysz)
{
	if (!o->alive_after || o->stat_err == -ESRCH || o->stat_err == -ENOENT) {
		actions_fmt(why, whysz, "pid %d exited during the change; a process reusing the "
			    "pid may have had its limit changed: check /proc/%d/limits", pid, pid);
		return ACTIONS_UNCERTAIN;
	}
	if (o->stat_err < 0) {
		actions_fmt(why, whysz, "cannot read /proc/%d/stat after the change (%s), so which "
			    "process holds pid %d is not verified: check /proc/%d/limits", pid,
			    strerror(-o->stat_err), pid, pid);
		return ACTIONS_UNCERTAIN;
	}
	if (o->start_after != o->start_pinned) {
		actions_fmt(why, whysz, "pid %d is another process after the change (start time %"
			    PRIu64 ", pinned %" PRIu64 "): its limit may have been changed: check "
			    "/proc/%d/limits", pid, o->start_after, o->start_pinned, pid);
		return ACTIONS_UNCERTAIN;
	}
	if (o->state_after == 'Z' || o->state_after == 'X') {
		actions_fmt(why, whysz, "pid %d exited during the change (a zombie now): the limit "
			    "was set on it, no other process, but it no longer runs", pid);
		return ACTIONS_UNCERTAIN;
	}
	if (whysz)
		why[0] = '\0';
	return ACTIONS_DONE;
}

/* ---- raise-fd-limit ------------------------------------------------------- */

/* The limits raise-fd-limit would set. */
static void raise_target(const struct actions_request *req, const struct actions_figures *b,
			 uint64_t *soft, uint64_t *hard)
{
	*soft = req->value > 0 ? (uint64_t)req->value : b->fd_hard;
	*hard = b->fd_hard;
	if (*hard != ACTIONS_UNLIMITED && *soft > *hard)
		*hard = *soft;
}

static int raise_check(const struct actions_request *req, const struct actions_target *t,
		       const struct actions_figures *b, const struct actions_state *st,
		       char *why, size_t whysz)
{
	char s1[32], s2[32];

	(void)t;
	(void)st;
	actions_fmt_limit(b->fd_soft, s1, sizeof(s1));
	actions_fmt_limit(b->fd_hard, s2, sizeof(s2));
	if (b->fd_soft == ACTIONS_UNLIMITED)
		return actions_checkf(why, whysz, "the fd limit is already unlimited");
	if (req->value > 0 && (uint64_t)req->value <= b->fd_soft)
		return actions_checkf(why, whysz, "%ld would not raise the soft limit (now %s)",
				      req->value, s1);
	if (req->value <= 0 && b->fd_soft >= b->fd_hard)
		return actions_checkf(why, whysz, "the soft limit already equals the hard "
				      "limit (%s); give a value to raise both", s2);
	return 0;
}

static void raise_describe(const struct actions_request *req, const struct actions_target *t,
			   const struct actions_figures *b, const struct actions_state *st,
			   const char *label, char *out, size_t outsz)
{
	char s1[32], s2[32], s3[32], s4[32];
	uint64_t soft, hard;

	(void)t;
	(void)st;
	raise_target(req, b, &soft, &hard);
	actions_fmt_limit(b->fd_soft, s1, sizeof(s1));
	actions_fmt_limit(b->fd_hard, s2, sizeof(s2));
	actions_fmt_limit(soft, s3, sizeof(s3));
	actions_fmt_limit(hard, s4, sizeof(s4));
	actions_fmt_append(out, outsz, "raise-fd-limit: prlimit RLIMIT_NOFILE of %s from "
			   "%s/%s (soft/hard) to %s/%s; %u fds are open.\n", label, s1, s2, s3,
			   s4, b->nfds);
	actions_fmt_append(out, outsz, "Effect: the process can open more fds at once (buys "
			   "time against EMFILE; it does not close leaked fds). Undo: "
			   "undo-fd-limit restores %s/%s.\n", s1, s2);
}

static void raise_run(struct action_run *r)
{
	struct actions_result *res = r->res;
	struct actions_state st;
	char s1[32], s2[32], what[96];

	memset(&st, 0, sizeof(st));
	raise_target(&r->rq, &res->before, &st.new_soft, &st.new_hard);
	/* raised before by leaktop: undo still goes back to the original */
	if (r->have_state && limits_match(&res->before, &r->st)) {
		st.old_soft = r->st.old_soft;
		st.old_hard = r->st.old_hard;
	} else {
		st.old_soft = res->before.fd_soft;
		st.old_hard = res->before.fd_hard;
	}
	actions_fmt_limit(st.new_soft, s1, sizeof(s1));
	actions_fmt_limit(st.new_hard, s2, sizeof(s2));
	actions_fmt(what, sizeof(what), "prlimit RLIMIT_NOFILE to %s/%s", s1, s2);
	if (actions_audit_intent(r, what) || actions_state_run_save(r, &st))
		return;
	actions_test_stop("undo-saved");
	if (set_limits(r, st.new_soft, st.new_hard)) {
		/* the pinned process exited: its state never matches again */
		if (res->outcome == ACTIONS_UNCERTAIN)
			actions_state_remove(r->statedir, r->statename);
		/* put back the state that was there, or none */
		else if (r->have_state) {
			struct lt_err err;

			actions_state_save(r->statedir, r->statename, &r->st, &err);
		} else {
			actions_state_remove(r->statedir, r->statename);
		}
		return;
	}
	actions_inspect_limits(r->procroot, r->rq.pid, &res->after);
	if (res->after.fd_soft != st.new_soft || res->after.fd_hard != st.new_hard) {
		actions_fail(r, EIO, "verification failed: RLIMIT_NOFILE reads back differently");
		return;
	}
	actions_fmt_limit(res->after.fd_soft, s1, sizeof(s1));
	actions_fmt_limit(res->after.fd_hard, s2, sizeof(s2));
	actions_done(r, "RLIMIT_NOFILE soft/hard now %s/%s (%u fds open)", s1, s2, res->after.nfds);
}

const struct action_entry actions_fdlimit_entry = {
	.name = "raise-fd-limit",
	.effect = "soft fd limit up to the hard limit (undo: undo-fd-limit)",
	.undo = ACTIONS_UNDO_FD_LIMIT,
	.state = &limits_state,
	.check = raise_check,
	.describe = raise_describe,
	.run = raise_run,
};

/* ---- undo-fd-limit -------------------------------------------------------- */

static int undo_unapplied(const struct actions_figures *b, const struct actions_state *st)
{
	return !limits_match(b, st) && b->fd_soft == st->old_soft && b->fd_hard == st->old_hard;
}

static int undo_check(const struct actions_request *req, const struct actions_target *t,
		      const struct actions_figures *b, const struct actions_state *st,
		      char *why, size_t whysz)
{
	char s1[32], s2[32];

	(void)req;
	if (!st)
		return actions_checkf(why, whysz, "no undo state for pid %d (was raise-fd-limit "
				      "run on it?)", t->pid);
	if (!limits_match(b, st) && !undo_unapplied(b, st)) {
		actions_fmt_limit(st->new_soft, s1, sizeof(s1));
		actions_fmt_limit(st->new_hard, s2, sizeof(s2));
		return actions_checkf(why, whysz, "the fd limit changed since raise-fd-limit "
				      "(leaktop set %s/%s): not touching it", s1, s2);
	}
	return 0;
}

static void undo_describe(const struct actions_request *req, const struct actions_target *t,
			  const struct actions_figures *b, const struct actions_state *st,
			  const char *label, char *out, size_t outsz)
{
	char s1[32], s2[32], s3[32], s4[32];

	(void)req;
	(void)t;
	if (st) {
		actions_fmt_limit(st->old_soft, s1, sizeof(s1));
		actions_fmt_limit(st->old_hard, s2, sizeof(s2));
	} else {
		actions_fmt(s1, sizeof(s1), "the limits");
		actions_fmt(s2, sizeof(s2), "raise-fd-limit saved");
	}
	actions_fmt_limit(b->fd_soft, s3, sizeof(s3));
	actions_fmt_limit(b->fd_hard, s4, sizeof(s4));
	actions_fmt_append(out, outsz, "undo-fd-limit: prlimit RLIMIT_NOFILE of %s back to "
			   "%s%s%s (now %s/%s); %u fds are open.\n", label, s1, st ? "/" : " ",
			   s2, s3, s4, b->nfds);
	actions_fmt_append(out, outsz, "Note: fds above a lowered soft limit stay open; new "
			   "opens fail with EMFILE until the count drops.\n");
}

static void undo_run(struct action_run *r)
{
	struct actions_result *res = r->res;
	char s1[32], s2[32], what[96];

	actions_fmt_limit(r->st.old_soft, s1, sizeof(s1));
	actions_fmt_limit(r->st.old_hard, s2, sizeof(s2));
	actions_fmt(what, sizeof(what), "prlimit RLIMIT_NOFILE back to %s/%s", s1, s2);
	if (actions_audit_intent(r, what))
		return;
	if (set_limits(r, r->st.old_soft, r->st.old_hard)) {
		if (res->outcome == ACTIONS_UNCERTAIN)
			actions_state_remove(r->statedir, r->statename);
		return;
	}
	actions_inspect_limits(r->procroot, r->rq.pid, &res->after);
	actions_state_remove(r->statedir, r->statename);
	actions_fmt_limit(res->after.fd_soft, s1, sizeof(s1));
	actions_fmt_limit(res->after.fd_hard, s2, sizeof(s2));
	actions_done(r, "RLIMIT_NOFILE soft/hard restored to %s/%s (%u fds open)", s1, s2,
		     res->after.nfds);
	if (res->after.nfds > res->after.fd_soft)
		actions_fmt(res->warning, sizeof(res->warning), "%u fds are open, above the "
			    "restored soft limit: new opens fail with EMFILE", res->after.nfds);
}

const struct action_entry actions_fdlimit_undo_entry = {
	.name = "undo-fd-limit",
	.effect = "put back the fd limits from before raise-fd-limit",
	.state = &limits_state,
	.check = undo_check,
	.describe = undo_describe,
	.unapplied = undo_unapplied,
	.run = undo_run,
};
