/*
 * shrink-rcvbuf and undo-rcvbuf: set SO_RCVBUF of the socket to the
 * kernel minimum, so that new data is dropped while the queue is over it,
 * and put the old size back (SO_RCVBUFFORCE where allowed, as the old
 * size may exceed net.core.rmem_max).  The kernel keeps the size locked
 * afterwards (SOCK_RCVBUF_LOCK), which the preview and result say.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/socket.h>

#include "action_int.h"

/* what the other holders of the socket share in, for both actions */
#define RCVBUF_SHARED "the buffer size is the socket's, so it applies to all of them"

/* ---- the undo state: the size before, and as set -------------------------- */

static void rcvbuf_encode(const struct actions_state *st, char *out, size_t outsz)
{
	actions_fmt_append(out, outsz, "rcvbuf %u %u\n", st->old_rcvbuf, st->new_rcvbuf);
}

static int rcvbuf_decode(struct action_lines *l, struct actions_state *st, struct lt_err *err)
{
	uint64_t a, b;
	char *tok[6];

	if (actions_state_line(l) < 0 || actions_state_split(l->line, tok, 6) != 3 ||
	    strcmp(tok[0], "rcvbuf") != 0 || actions_state_u64(tok[1], INT_MAX, 0, &a) < 0 ||
	    actions_state_u64(tok[2], INT_MAX, 0, &b) < 0 || !a)
		return lt_err_set(err, EBADMSG, "line %d: expected \"rcvbuf OLD NEW\"", l->no);
	st->old_rcvbuf = (uint32_t)a;
	st->new_rcvbuf = (uint32_t)b;
	return 0;
}

/* SO_RCVBUF as read back: 0 and *v, or -errno. */
static int get_rcvbuf(int sfd, uint32_t *v)
{
	int n = 0;
	socklen_t len = sizeof(n);

	if (getsockopt(sfd, SOL_SOCKET, SO_RCVBUF, &n, &len) < 0)
		return -errno;
	*v = (uint32_t)n;
	return 0;
}

static int rcvbuf_in_place(const struct actions_state *st, int sfd, char *why, size_t whysz)
{
	uint32_t v = 0;
	int e = get_rcvbuf(sfd, &v);

	if (e < 0)
		return e;
	if (v != st->new_rcvbuf) {
		actions_fmt(why, whysz, "SO_RCVBUF was changed since");
		return 0;
	}
	return 1;
}

static const struct action_state_codec rcvbuf_state = {
	.kind = ACTIONS_SHRINK_RCVBUF,
	.file = "rcvbuf",
	.encode = rcvbuf_encode,
	.decode = rcvbuf_decode,
	.in_place = rcvbuf_in_place,
};

static uint32_t read_rcvbuf(int sfd)
{
	uint32_t v = 0;

	return get_rcvbuf(sfd, &v) == 0 ? v : 0;
}

/* ---- shrink-rcvbuf -------------------------------------------------------- */

/* Is the size the one leaktop set (st: the state found, or NULL)? */
static int shrunk(const struct actions_figures *b, const struct actions_state *st)
{
	return st && st->new_rcvbuf && b->rcvbuf == st->new_rcvbuf;
}

static void shrink_describe(const struct actions_request *req, const struct actions_target *t,
			    const struct actions_figures *b, const struct actions_state *st,
			    const char *label, char *out, size_t outsz)
{
	(void)req;
	actions_fmt_append(out, outsz, "shrink-rcvbuf: set SO_RCVBUF of %s to the kernel "
			   "minimum (now %u bytes).\n", label, b->rcvbuf);
	actions_fmt_append(out, outsz, "Effect: new data is dropped while %u bytes charged "
			   "exceed the new limit; what is queued stays until read or drained. "
			   "Undo: undo-rcvbuf restores %u bytes.\n", b->rmem,
			   shrunk(b, st) ? st->old_rcvbuf : b->rcvbuf);
	if (actions_inspect_is_tcp(t))
		actions_fmt_append(out, outsz, "Warning: on TCP this shrinks the advertised "
				   "window, and the kernel keeps the size locked "
				   "(SOCK_RCVBUF_LOCK): receive autotuning stays off even after "
				   "undo.\n");
}

static void shrink_run(struct action_run *r)
{
	struct actions_result *res = r->res;
	struct actions_state st;
	int zero = 0;

	memset(&st, 0, sizeof(st));
	if (r->have_state && shrunk(&res->before, &r->st)) {
		actions_done(r, "SO_RCVBUF is already at leaktop's minimum (%u); nothing changed",
			     res->before.rcvbuf);
		return;
	}
	/* the undo state first (the size set is not known yet: 0), so that
	 * leaktop killed between the two still leaves a way back */
	st.old_rcvbuf = res->before.rcvbuf;
	st.new_rcvbuf = 0;
	if (actions_audit_intent(r, "set SO_RCVBUF to the kernel minimum") ||
	    actions_state_run_save(r, &st))
		return;	/* nothing changed */
	actions_test_stop("undo-saved");
	if (setsockopt(r->sfd, SOL_SOCKET, SO_RCVBUF, &zero, sizeof(zero)) < 0) {
		int e = errno;

		actions_state_remove(r->statedir, r->statename);
		actions_fail(r, e, "SO_RCVBUF: %s", strerror(e));
		return;
	}
	st.new_rcvbuf = read_rcvbuf(r->sfd);
	if (!st.new_rcvbuf || st.new_rcvbuf >= st.old_rcvbuf) {
		actions_inspect_figures(r->sfd, &res->target, &res->after);
		if (res->after.rcvbuf >= st.old_rcvbuf)
			actions_state_remove(r->statedir, r->statename);
		actions_fail(r, EIO, "verification failed: SO_RCVBUF reads back %u (was %u)",
			     st.new_rcvbuf, st.old_rcvbuf);
		return;
	}
	{
		struct lt_err err = { "" };

		/* now with the size set; if this fails the first state still
		 * undoes it */
		if (actions_state_save(r->statedir, r->statename, &st, &err) < 0)
			actions_fmt(res->warning, sizeof(res->warning), "the undo state keeps "
				    "no record of the size set (%s); undo-rcvbuf still works",
				    err.msg);
	}
	actions_inspect_figures(r->sfd, &res->target, &res->after);
	actions_done(r, "SO_RCVBUF %u -> %u bytes; new data is dropped while %u bytes are "
		     "charged", st.old_rcvbuf, res->after.rcvbuf, res->after.rmem);
	if (actions_inspect_is_tcp(&res->target))
		actions_fmt(res->warning, sizeof(res->warning), "the kernel now keeps SO_RCVBUF "
			    "locked (SOCK_RCVBUF_LOCK): TCP receive autotuning stays off, even "
			    "after undo");
}

const struct action_entry actions_rcvbuf_entry = {
	.name = "shrink-rcvbuf",
	.effect = "cap the queue at the kernel minimum (undo: undo-rcvbuf)",
	.undo = ACTIONS_UNDO_RCVBUF,
	.needs_fd = 1,
	.shared = RCVBUF_SHARED,
	.state = &rcvbuf_state,
	.describe = shrink_describe,
	.run = shrink_run,
};

/* ---- undo-rcvbuf ---------------------------------------------------------- */

/* Is the size still the one leaktop set?  new 0: saved before the change
 * (leaktop may have died before it or before saving the size it set):
 * shrunk or not yet. */
static int undo_matches(const struct actions_figures *b, const struct actions_state *st)
{
	return st->new_rcvbuf ? b->rcvbuf == st->new_rcvbuf : b->rcvbuf <= st->old_rcvbuf;
}

static int undo_unapplied(const struct actions_figures *b, const struct actions_state *st)
{
	return !st->new_rcvbuf && b->rcvbuf == st->old_rcvbuf;
}

static int undo_check(const struct actions_request *req, const struct actions_target *t,
		      const struct actions_figures *b, const struct actions_state *st,
		      char *why, size_t whysz)
{
	(void)req;
	(void)t;
	if (!st)
		return actions_checkf(why, whysz, "no undo state for this socket (was "
				      "shrink-rcvbuf run on it?)");
	if (!undo_matches(b, st))
		return actions_checkf(why, whysz, "SO_RCVBUF changed since shrink-rcvbuf (now "
				      "%u, leaktop set %u): not touching it", b->rcvbuf,
				      st->new_rcvbuf);
	return 0;
}

static void undo_describe(const struct actions_request *req, const struct actions_target *t,
			  const struct actions_figures *b, const struct actions_state *st,
			  const char *label, char *out, size_t outsz)
{
	(void)req;
	(void)t;
	if (st)
		actions_fmt_append(out, outsz, "undo-rcvbuf: set SO_RCVBUF of %s back to %u "
				   "bytes (now %u).\n", label, st->old_rcvbuf, b->rcvbuf);
	else
		actions_fmt_append(out, outsz, "undo-rcvbuf: set SO_RCVBUF of %s back to the "
				   "size shrink-rcvbuf saved (now %u).\n", label, b->rcvbuf);
	actions_fmt_append(out, outsz, "Note: the kernel keeps the size locked "
			   "(SOCK_RCVBUF_LOCK), so TCP receive autotuning stays off.\n");
}

static void undo_run(struct action_run *r)
{
	struct actions_result *res = r->res;
	int half = (int)((r->st.old_rcvbuf + 1) / 2);
	char what[96];

	actions_fmt(what, sizeof(what), "set SO_RCVBUF back to %u bytes", r->st.old_rcvbuf);
	if (actions_audit_intent(r, what))
		return;
	/* FORCE passes net.core.rmem_max, which the old size may exceed */
	if (setsockopt(r->sfd, SOL_SOCKET, SO_RCVBUFFORCE, &half, sizeof(half)) < 0 &&
	    setsockopt(r->sfd, SOL_SOCKET, SO_RCVBUF, &half, sizeof(half)) < 0) {
		actions_fail(r, errno, "SO_RCVBUF: %s", strerror(errno));
		return;
	}
	actions_inspect_figures(r->sfd, &res->target, &res->after);
	actions_state_remove(r->statedir, r->statename);
	actions_done(r, "SO_RCVBUF %u -> %u bytes (restored)", res->before.rcvbuf,
		     res->after.rcvbuf);
	if (res->after.rcvbuf + 1 < r->st.old_rcvbuf)
		actions_fmt(res->warning, sizeof(res->warning), "restored to %u bytes only, not "
			    "%u: capped by net.core.rmem_max (SO_RCVBUFFORCE needs CAP_NET_ADMIN)",
			    res->after.rcvbuf, r->st.old_rcvbuf);
	else
		actions_fmt(res->warning, sizeof(res->warning), "the kernel keeps SO_RCVBUF "
			    "locked (SOCK_RCVBUF_LOCK): the size stays fixed, TCP receive "
			    "autotuning stays off");
}

const struct action_entry actions_rcvbuf_undo_entry = {
	.name = "undo-rcvbuf",
	.effect = "give the socket its receive buffer size back",
	.needs_fd = 1,
	.shared = RCVBUF_SHARED,
	.state = &rcvbuf_state,
	.check = undo_check,
	.describe = undo_describe,
	.unapplied = undo_unapplied,
	.run = undo_run,
};
