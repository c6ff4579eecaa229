/*
 * Remediation through pidfd_open + pidfd_getfd: pin the process, duplicate
 * its socket fd, check the identity against the scan, then hand the run to
 * the action's entry (core/actions/, one file per family, listed in
 * ACTIONS_LIST), which acts on the shared socket, reads the result back
 * and keeps what undo needs in a state file (core/actions/state.c).  Every
 * run is audited (core/actions/audit.c): an intent line before the first
 * change, an outcome line after.  No terminal output.
 *
 * The safety rules (actions_check) and the preview text (actions_describe)
 * are pure functions of what was inspected, so tests can feed fake targets:
 * the rules every action shares are here, each action's own are in its
 * entry.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "actions/action_int.h"
#include "leaktop/fallback.h"

/* "udp 127.0.0.1:5000" style label of the socket for messages. */
static void target_label(const struct actions_target *t, char *out, size_t outsz)
{
	char comm[96], local[160];

	lt_sanitize(t->comm, comm, sizeof(comm));
	lt_sanitize(t->local, local, sizeof(local));
	if (t->fd >= 0)
		actions_fmt(out, outsz, "socket %" PRIu64 " (%s %s) of pid %d (%s) fd %d",
			    t->inode, t->proto[0] ? t->proto : "?", local[0] ? local : "?",
			    t->pid, comm, t->fd);
	else
		actions_fmt(out, outsz, "pid %d (%s)", t->pid, comm);
}

/* The preview's paragraph on the sharers: who, and that they are affected. */
static void describe_sharers(const struct actions_result *res, char *out, size_t outsz)
{
	const struct action_entry *e = actions_kind_entry(res->kind);
	const char *what;
	char comm[96];
	int i, shown = res->nsharers < 8 ? res->nsharers : 8;

	if (res->sharers_total > 0) {
		what = e && e->shared ? e->shared : "the action affects all of them";
		actions_fmt_append(out, outsz, "Shared with %d other process%s: %s:",
				   res->sharers_total, res->sharers_total == 1 ? "" : "es", what);
		for (i = 0; i < shown; i++) {
			lt_sanitize(res->sharers[i].comm, comm, sizeof(comm));
			actions_fmt_append(out, outsz, "%s pid %d (%s) fd %d", i ? "," : "",
					   res->sharers[i].pid, comm, res->sharers[i].fd);
		}
		if (res->sharers_total > shown)
			actions_fmt_append(out, outsz, " and %d more", res->sharers_total - shown);
		actions_fmt_append(out, outsz, ".\n");
	}
	if (res->sharers_unread > 0)
		actions_fmt_append(out, outsz, "The fds of %d process%s could not be read: they "
				   "may share the socket too.\n", res->sharers_unread,
				   res->sharers_unread == 1 ? "" : "es");
}

/* ---- pin ----------------------------------------------------------------- */

/* The ptrace policy that applies, for a permission refusal. */
static void yama_note(const char *procroot, char *out, size_t outsz)
{
	char path[512], *buf = NULL;
	size_t len;

	actions_fmt(path, sizeof(path), "%s/sys/kernel/yama/ptrace_scope", procroot);
	if (lt_read_file(path, &buf, &len, 64) < 0) {
		actions_fmt(out, outsz, "no Yama ptrace_scope");
		return;
	}
	actions_fmt(out, outsz, "/proc/sys/kernel/yama/ptrace_scope=%c%s", buf[0],
		    buf[0] == '0' ? "" : buf[0] == '3' ? " (attach disabled)" :
		    " (non-descendants need CAP_SYS_PTRACE)");
	free(buf);
}

static int refuse_ptrace(struct action_run *r, const char *what, int e)
{
	char yama[96];

	yama_note(r->procroot, yama, sizeof(yama));
	return actions_refuse(r, e, "%s on pid %d: %s: needs CAP_SYS_PTRACE or ptrace access "
			      "to it (PTRACE_MODE_ATTACH_REALCREDS, same uid); %s",
			      what, r->rq.pid, strerror(e), yama);
}

/*
 * The identity checks: scan (if the request did not), pin with pidfd_open,
 * re-check the start time, duplicate the fd and compare its inode.  0 when
 * the target is pinned; 1 when the result says refused/failed.
 */
static int pin(struct action_run *r)
{
	struct actions_request *rq = &r->rq;
	struct actions_target *t = &r->res->target;
	uint64_t ticks = 0;
	struct stat st;
	char state = '?';
	int e;

	/* the scan, when the caller has none: what /proc says right now */
	if (!rq->start_ticks) {
		e = actions_inspect_stat(r->procroot, rq->pid, &rq->start_ticks, NULL);
		if (e == -ESRCH)
			return actions_refuse(r, ESRCH, "pid %d does not exist", rq->pid);
		if (e < 0)
			return actions_fail(r, -e, "reading %s/%d/stat: %s", r->procroot, rq->pid,
					    strerror(-e));
	}
	t->start_ticks = rq->start_ticks;
	actions_inspect_comm(r->procroot, rq->pid, t->comm, sizeof(t->comm));
	if (actions_kind_needs_fd(rq->kind) && !rq->inode) {
		e = actions_inspect_fd_inode(r->procroot, rq->pid, rq->fd, &rq->inode);
		if (e == -EACCES || e == -EPERM)
			return refuse_ptrace(r, "reading the fd table", -e);
		if (e == -ENOENT)
			return kill(rq->pid, 0) < 0 && errno == ESRCH ? actions_refuse_gone(r) :
				actions_refuse(r, EBADF, "fd %d is not open in pid %d", rq->fd,
					       rq->pid);
		if (e == -ENOTSOCK)
			return actions_refuse(r, ENOTSOCK, "fd %d of pid %d is not a socket",
					      rq->fd, rq->pid);
		if (e < 0)
			return actions_fail(r, -e, "reading fd %d of pid %d: %s", rq->fd, rq->pid,
					    strerror(-e));
	}
	t->inode = rq->inode;

	/* before 5.6 (or with the fallback forced) no fd can be duplicated:
	 * said before pidfd_open (5.3) can fail on an older kernel */
	if (actions_kind_needs_fd(rq->kind) && lt_fallback(LT_FB_PIDFD_GETFD))
		return actions_refuse(r, ENOSYS, "needs pidfd_getfd (Linux 5.6)%s",
				      fallback_forced(LT_FB_PIDFD_GETFD) ?
				      "; forced off by LEAKTOP_FALLBACKS" :
				      ", missing on this kernel");
	r->pidfd = lt_pidfd_open(rq->pid);
	if (r->pidfd < 0) {
		e = errno;
		if (e == ESRCH)
			return actions_refuse_gone(r);
		if (e == EINVAL)
			return actions_refuse(r, e, "%d is not a process id (a thread?)", rq->pid);
		if (e == ENOSYS)
			return actions_fail(r, e, "pidfd_open: %s (needs Linux 5.3+)", strerror(e));
		return actions_fail(r, e, "pidfd_open %d: %s", rq->pid, strerror(e));
	}
	/* with the process pinned, its /proc entry is the one we hold */
	e = actions_inspect_stat(r->procroot, rq->pid, &ticks, &state);
	if (e == -ESRCH || !actions_pidfd_alive(r->pidfd))
		return actions_refuse_gone(r);
	if (e < 0)
		return actions_fail(r, -e, "reading %s/%d/stat: %s", r->procroot, rq->pid,
				    strerror(-e));
	if (ticks != rq->start_ticks)
		return actions_refuse(r, ESTALE, "pid %d is another process now (start time %"
				      PRIu64 ", the scan saw %" PRIu64 ")", rq->pid, ticks,
				      rq->start_ticks);
	if (state == 'Z' || state == 'X')
		return actions_refuse(r, ESRCH, "pid %d has exited (zombie)", rq->pid);
	if (!actions_kind_needs_fd(rq->kind))
		return 0;

	r->sfd = actions_getfd(r->pidfd, rq->fd);
	if (r->sfd < 0) {
		e = errno;
		r->sfd = -1;
		if (e == EPERM || e == EACCES)
			return refuse_ptrace(r, "pidfd_getfd", e);
		if (e == ESRCH)
			return actions_refuse_gone(r);
		if (e == EBADF)
			return actions_refuse(r, e, "fd %d is no longer open in pid %d", rq->fd,
					      rq->pid);
		if (e == ENOSYS)
			return actions_refuse(r, e, "needs pidfd_getfd (Linux 5.6), missing on "
					      "this kernel");
		return actions_fail(r, e, "pidfd_getfd pid %d fd %d: %s", rq->pid, rq->fd,
				    strerror(e));
	}
	if (fstat(r->sfd, &st) < 0)
		return actions_fail(r, errno, "fstat of the duplicate: %s", strerror(errno));
	if (!S_ISSOCK(st.st_mode))
		return actions_refuse(r, ENOTSOCK, "fd %d of pid %d is no longer a socket", rq->fd,
				      rq->pid);
	if ((uint64_t)st.st_ino != rq->inode)
		return actions_refuse(r, ESTALE, "fd %d of pid %d now holds socket %" PRIu64
				      ", not socket %" PRIu64 " seen at scan time", rq->fd, rq->pid,
				      (uint64_t)st.st_ino, rq->inode);
	return 0;
}

/* ---- the safety rules and the preview (pure) ----------------------------- */

int actions_procroot_foreign(const char *procroot)
{
	return procroot && strcmp(procroot, "/proc") != 0;
}

/* Is st an undo state whose change was never made (see .unapplied)? */
static int unapplied(const struct action_entry *e, const struct actions_figures *b,
		     const struct actions_state *st)
{
	return st && e && e->unapplied && e->unapplied(b, st);
}

int actions_check(const struct actions_request *req, const struct actions_target *t,
		  const struct actions_figures *b, const struct actions_state *st,
		  char *why, size_t whysz)
{
	const struct action_entry *e = actions_kind_entry(req->kind);

	if (whysz)
		why[0] = '\0';
	if (req->read_only)
		return actions_checkf(why, whysz, "the session is read-only (--read-only)");
	/* the identity checks read procroot: a copy's pids and start times
	 * say nothing of this machine's processes */
	if (actions_procroot_foreign(req->procroot))
		return actions_checkf(why, whysz, "actions need the live /proc: the --procfs "
				      "tree is not this machine's processes");
	if (!e)
		return actions_checkf(why, whysz, "unknown action");
	if (e->confirm && !req->confirm_drain)
		return actions_checkf(why, whysz, "%s: it needs a second, explicit "
				      "confirmation (--confirm-drain)", e->confirm);
	return e->check ? e->check(req, t, b, st, why, whysz) : 0;
}

char *actions_describe(const struct actions_request *req, const struct actions_target *t,
		       const struct actions_figures *b, const struct actions_state *st,
		       char *out, size_t outsz)
{
	const struct action_entry *e = actions_kind_entry(req->kind);
	char label[256], why[256];
	struct actions_request rq;

	if (!outsz)
		return out;
	out[0] = '\0';
	target_label(t, label, sizeof(label));
	if (!e)
		actions_fmt_append(out, outsz, "unknown action\n");
	else if (e->describe)
		e->describe(req, t, b, st, label, out, outsz);
	if (unapplied(e, b, st))
		actions_fmt_append(out, outsz, "The undo state was saved but the change was "
				   "never made (leaktop stopped in between): nothing will change; "
				   "the stale state is removed.\n");
	/* drain's second confirmation is asked for after the preview */
	rq = *req;
	rq.confirm_drain = 1;
	if (actions_check(&rq, t, b, st, why, sizeof(why)) < 0)
		actions_fmt_append(out, outsz, "Refused: %s\n", why);
	return out;
}

/* ---- the run ------------------------------------------------------------- */

static int valid_request(const struct actions_request *req)
{
	if (!req || req->kind <= ACTIONS_NONE || req->kind >= ACTIONS_NKINDS || req->pid <= 0)
		return 0;
	if (actions_kind_needs_fd(req->kind) && req->fd < 0)
		return 0;
	return 1;
}

/* Shared by preview and run: pin, inspect, load state, check. */
static int prepare(struct action_run *r, const struct actions_request *req,
		   struct actions_result *out, int run)
{
	const struct action_entry *e = actions_kind_entry(req->kind);
	struct actions_result *res = out;
	int err;

	memset(out, 0, sizeof(*out));
	memset(r, 0, sizeof(*r));
	r->rq = *req;
	if (!actions_kind_needs_fd(r->rq.kind)) {
		r->rq.fd = -1;
		r->rq.inode = 0;
	}
	r->res = out;
	r->procroot = req->procroot ? req->procroot : "/proc";
	r->pidfd = -1;
	r->sfd = -1;
	r->audit_path = req->no_audit_file ? NULL :
			req->audit_log ? req->audit_log : ACTIONS_AUDIT_LOG_DEFAULT;
	actions_state_init(&r->st);
	if (run)
		actions_audit_new_id(res);
	res->kind = req->kind;
	res->target.pid = req->pid;
	res->target.fd = r->rq.fd;
	res->target.inode = r->rq.inode;
	res->target.start_ticks = r->rq.start_ticks;

	/* for the audit of an early refusal: who it was aimed at (best effort) */
	actions_inspect_comm(r->procroot, req->pid, res->target.comm,
			     sizeof(res->target.comm));
	if (actions_kind_needs_fd(req->kind) && !res->target.inode)
		actions_inspect_fd_inode(r->procroot, req->pid, req->fd, &res->target.inode);

	/* refusals that need no look at the target come first */
	if (req->read_only)
		return actions_refuse(r, EPERM, "the session is read-only (--read-only)");
	if (e && e->confirm && !req->confirm_drain && run)
		return actions_refuse(r, EPERM, "%s: it needs a second, explicit confirmation "
				      "(--confirm-drain)", e->confirm);
	if (pin(r))
		return 1;
	if (r->sfd >= 0) {
		actions_inspect_target(r->sfd, &res->target);
		actions_inspect_figures(r->sfd, &res->target, &res->before);
		actions_inspect_sharers(r->procroot, r->rq.pid, res);
	} else {
		err = actions_inspect_limits(r->procroot, r->rq.pid, &res->before);
		if (err == -EPERM)
			return actions_refuse_resource(r, "reading RLIMIT_NOFILE", -err);
		if (err == -ESRCH)
			return actions_refuse_gone(r);
		if (err < 0)
			return actions_fail(r, -err, "prlimit: %s", strerror(-err));
	}
	if (actions_state_run_load(r, run))
		return 1;
	return 0;
}

static void finish_run(struct action_run *r)
{
	if (r->sfd >= 0)
		close(r->sfd);	/* the duplicate only: the process's fd stays */
	if (r->pidfd >= 0)
		close(r->pidfd);
	r->sfd = r->pidfd = -1;
	actions_state_clear(&r->st);
}

static void set_undo(struct action_run *r)
{
	struct actions_result *res = r->res;
	enum actions_kind u = actions_kind_undo(r->rq.kind);

	if (res->outcome != ACTIONS_DONE || u == ACTIONS_NONE)
		return;
	res->can_undo = 1;
	res->undo = r->rq;
	res->undo.kind = u;
	res->undo.value = -1;
	res->undo.confirm_drain = 0;
}

/* An undo whose change was never made: check, drop the stale state, touch
 * nothing. */
static void drop_stale_state(struct action_run *r, const struct action_entry *e)
{
	if (e->unapplied_verify && e->unapplied_verify(r))
		return;
	actions_state_remove(r->statedir, r->statename);
	r->res->after = r->res->before;
	actions_done(r, "nothing to undo: the undo state was saved but the change was never "
		     "made (leaktop stopped in between); the stale state %s is removed",
		     r->statename);
}

int actions_preview(const struct actions_request *req, struct actions_result *out)
{
	struct action_run r;
	char why[256];

	if (!valid_request(req))
		return -EINVAL;
	if (!prepare(&r, req, out, 0)) {
		const struct actions_state *st = r.have_state ? &r.st : NULL;
		struct actions_request rq = r.rq;

		actions_describe(&r.rq, &out->target, &out->before, st, out->preview,
				 sizeof(out->preview));
		describe_sharers(out, out->preview, sizeof(out->preview));
		rq.confirm_drain = 1;	/* asked for after the preview */
		if (actions_check(&rq, &out->target, &out->before, st, why,
				  sizeof(why)) < 0) {
			actions_refuse(&r, EPERM, "%s", why);
		} else if (!actions_audit_probe(&r)) {
			out->outcome = ACTIONS_PREVIEW;
			actions_fmt(out->message, sizeof(out->message), "preview: %s would be "
				    "carried out (nothing done yet)", actions_kind_name(req->kind));
		}
	}
	finish_run(&r);
	return 0;
}

int actions_run(const struct actions_request *req, struct actions_result *out)
{
	const struct action_entry *e;
	struct action_run r;
	char why[256];

	if (!valid_request(req))
		return -EINVAL;
	if (prepare(&r, req, out, 1))
		goto out;
	actions_describe(&r.rq, &out->target, &out->before, r.have_state ? &r.st : NULL,
			 out->preview, sizeof(out->preview));
	describe_sharers(out, out->preview, sizeof(out->preview));
	if (actions_check(&r.rq, &out->target, &out->before, r.have_state ? &r.st : NULL,
			  why, sizeof(why)) < 0) {
		actions_refuse(&r, EPERM, "%s", why);
		goto out;
	}
	e = actions_kind_entry(r.rq.kind);
	if (r.have_state && unapplied(e, &out->before, &r.st)) {
		drop_stale_state(&r, e);
		goto out;
	}
	e->run(&r);
	set_undo(&r);
out:
	finish_run(&r);
	actions_audit_outcome(&r);
	return 0;
}

