/*
 * drop-filter and undo-filter: attach a one-instruction classic BPF filter
 * ("ret #0") so the socket queues nothing more, and take it off again,
 * restoring the classic filter that was there before (saved in the undo
 * state, instruction by instruction).  Refused where a filter does not
 * apply (TCP stalls, AF_UNIX streams ignore it) or cannot be saved and
 * restored (eBPF, SO_LOCK_FILTER); leaktop never locks a filter.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "action_int.h"

const struct sock_filter actions_drop_insn = BPF_STMT(BPF_RET | BPF_K, 0);

/* ---- the undo state: the classic filter attached before ------------------ */

static void filter_encode(const struct actions_state *st, char *out, size_t outsz)
{
	uint32_t i;

	actions_fmt_append(out, outsz, "filter %u\n", st->filter_len);
	for (i = 0; i < st->filter_len; i++)
		actions_fmt_append(out, outsz, "insn %04x %02x %02x %08x\n", st->filter[i].code,
				   st->filter[i].jt, st->filter[i].jf, st->filter[i].k);
}

static int filter_decode(struct action_lines *l, struct actions_state *st, struct lt_err *err)
{
	char *tok[6];
	uint64_t v;
	uint32_t i;
	int ret;

	if ((ret = actions_state_num(l, "filter", BPF_MAXINSNS, &v, err)) < 0)
		return ret;
	st->filter_len = (uint32_t)v;
	if (v) {
		st->filter = calloc((size_t)v, sizeof(*st->filter));
		if (!st->filter)
			return -ENOMEM;
	}
	for (i = 0; i < st->filter_len; i++) {
		uint32_t code, jt, jf, k;

		if (actions_state_line(l) < 0 || actions_state_split(l->line, tok, 6) != 5 ||
		    strcmp(tok[0], "insn") != 0 || actions_state_hex(tok[1], 4, &code) < 0 ||
		    actions_state_hex(tok[2], 2, &jt) < 0 ||
		    actions_state_hex(tok[3], 2, &jf) < 0 ||
		    actions_state_hex(tok[4], 8, &k) < 0)
			return lt_err_set(err, EBADMSG, "line %d: expected instruction %u of %u "
					  "(\"insn CODE JT JF K\" in hex)", l->no + (l->no == 0),
					  i + 1, st->filter_len);
		st->filter[i].code = (uint16_t)code;
		st->filter[i].jt = (uint8_t)jt;
		st->filter[i].jf = (uint8_t)jf;
		st->filter[i].k = k;
	}
	return 0;
}

static int filter_in_place(const struct actions_state *st, int sfd, char *why, size_t whysz)
{
	struct sock_filter *insns = NULL;
	int32_t n = 0;
	int ret = 1;

	(void)st;
	if (actions_inspect_filter(sfd, &n, &insns) < 0)
		ret = -EIO;
	else if (n != 1 || !insns || !actions_inspect_is_drop(&insns[0])) {
		actions_fmt(why, whysz, "the drop filter was detached or replaced");
		ret = 0;
	}
	free(insns);
	return ret;
}

static const struct action_state_codec filter_state = {
	.kind = ACTIONS_DROP_FILTER,
	.file = "filter",
	.encode = filter_encode,
	.decode = filter_decode,
	.in_place = filter_in_place,
};

/* ---- drop-filter ---------------------------------------------------------- */

static int drop_check(const struct actions_request *req, const struct actions_target *t,
		      const struct actions_figures *b, const struct actions_state *st,
		      char *why, size_t whysz)
{
	(void)req;
	(void)st;
	if (actions_inspect_is_tcp(t))
		return actions_checkf(why, whysz, "TCP socket: a drop-all filter would stall "
				      "the connection (segments dropped, peer retransmits)");
	if (t->family == AF_UNIX && t->type == SOCK_STREAM)
		return actions_checkf(why, whysz, "AF_UNIX stream socket: socket filters do "
				      "not apply to it, a drop filter would have no effect");
	if (b->filter_locked)
		return actions_checkf(why, whysz, "the socket's filter is locked (SO_LOCK_FILTER): "
				      "it cannot be replaced or restored");
	if (b->filter_len == ACTIONS_FILTER_EBPF)
		return actions_checkf(why, whysz, "an eBPF program is attached: it cannot be "
				      "saved and restored, so leaktop will not replace it");
	if (!(b->have & ACTIONS_HAVE_FILTER))
		return actions_checkf(why, whysz, "cannot read the socket's current filter "
				      "(SO_GET_FILTER), so it could not be restored");
	return 0;
}

static void drop_describe(const struct actions_request *req, const struct actions_target *t,
			  const struct actions_figures *b, const struct actions_state *st,
			  const char *label, char *out, size_t outsz)
{
	(void)req;
	(void)t;
	(void)st;
	actions_fmt_append(out, outsz, "drop-filter: attach a one-instruction classic BPF "
			   "filter (ret #0) with SO_ATTACH_FILTER to %s.\n", label);
	actions_fmt_append(out, outsz, "Effect: from now on every packet that reaches the "
			   "socket is dropped before it is queued, so the queue (%u bytes "
			   "charged) stops growing; what is already queued stays until read "
			   "or drained. The process keeps running and can still send.\n", b->rmem);
	if (b->filter_drops_all)
		actions_fmt_append(out, outsz, "A drop-all filter is already attached: "
				   "nothing will change.\n");
	else if (b->filter_len > 0)
		actions_fmt_append(out, outsz, "Undo: undo-filter restores the %d-instruction "
				   "classic filter attached now (saved before replacing it).\n",
				   b->filter_len);
	else
		actions_fmt_append(out, outsz, "Undo: undo-filter detaches it (no filter is "
				   "attached now). The filter is not locked.\n");
}

static int attach(int sfd, const struct sock_filter *insns, uint32_t n)
{
	struct sock_fprog prog = { .len = (unsigned short)n,
				   .filter = (struct sock_filter *)insns };

	return setsockopt(sfd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0 ?
		-errno : 0;
}

static void drop_run(struct action_run *r)
{
	struct actions_result *res = r->res;
	struct actions_state st;
	int e;

	memset(&st, 0, sizeof(st));
	if (res->before.filter_drops_all) {
		actions_done(r, "a drop-all filter is already attached; nothing changed");
		return;
	}
	if (res->before.filter_len > 0) {
		int32_t n;

		e = actions_inspect_filter(r->sfd, &n, &st.filter);
		if (e < 0 || n != res->before.filter_len) {
			actions_fail(r, e < 0 ? -e : EAGAIN, "the attached filter changed while "
				     "it was being saved; nothing changed");
			goto out;
		}
		st.filter_len = (uint32_t)n;
	}
	if (actions_audit_intent(r, "attach a drop-all classic filter (ret #0)") ||
	    actions_state_run_save(r, &st))
		goto out;
	actions_test_stop("undo-saved");
	e = attach(r->sfd, &actions_drop_insn, 1);
	if (e < 0) {
		actions_state_remove(r->statedir, r->statename);
		if (e == -EPERM)
			actions_refuse(r, EPERM, "SO_ATTACH_FILTER: the filter is locked "
				       "(SO_LOCK_FILTER)");
		else
			actions_fail(r, -e, "SO_ATTACH_FILTER: %s", strerror(-e));
		goto out;
	}
	actions_inspect_figures(r->sfd, &res->target, &res->after);
	if (!res->after.filter_drops_all) {
		actions_fail(r, EIO, "verification failed: the filter read back is not the drop "
			     "filter (%d instructions)", res->after.filter_len);
		goto out;
	}
	actions_done(r, "attached a drop-all filter (ret #0): the socket queues nothing more "
		     "(%u bytes still charged)", res->after.rmem);
out:
	actions_state_clear(&st);
}

const struct action_entry actions_dropfilter_entry = {
	.name = "drop-filter",
	.effect = "stop queueing: drop every packet that arrives (undo: undo-filter)",
	.undo = ACTIONS_UNDO_FILTER,
	.needs_fd = 1,
	.shared = "the drop filter affects all of them",
	.state = &filter_state,
	.check = drop_check,
	.describe = drop_describe,
	.run = drop_run,
};

/* ---- undo-filter ---------------------------------------------------------- */

/* The state was saved but the drop filter never attached: the filter on
 * the socket is still the saved one (same length; the run compares the
 * instructions in undo_verify_unapplied). */
static int undo_unapplied(const struct actions_figures *b, const struct actions_state *st)
{
	return !b->filter_drops_all && b->filter_len >= 0 &&
		(uint32_t)b->filter_len == st->filter_len;
}

static int undo_check(const struct actions_request *req, const struct actions_target *t,
		      const struct actions_figures *b, const struct actions_state *st,
		      char *why, size_t whysz)
{
	(void)req;
	(void)t;
	if (b->filter_locked)
		return actions_checkf(why, whysz, "the socket's filter is locked (SO_LOCK_FILTER)");
	if (b->filter_len == ACTIONS_FILTER_EBPF)
		return actions_checkf(why, whysz, "an eBPF program is attached now, not "
				      "leaktop's drop filter: not touching it");
	if (st && !b->filter_drops_all && !undo_unapplied(b, st))
		return actions_checkf(why, whysz, "the filter changed since drop-filter (now %d "
				      "instructions, not leaktop's drop filter): not touching it",
				      b->filter_len);
	if (!st && b->filter_len == 0)
		return actions_checkf(why, whysz, "no filter is attached: nothing to undo");
	if (!st && !b->filter_drops_all)
		return actions_checkf(why, whysz, "no undo state for this socket and the "
				      "attached filter is not leaktop's drop filter");
	return 0;
}

static void undo_describe(const struct actions_request *req, const struct actions_target *t,
			  const struct actions_figures *b, const struct actions_state *st,
			  const char *label, char *out, size_t outsz)
{
	(void)req;
	(void)t;
	(void)b;
	if (st && st->filter_len)
		actions_fmt_append(out, outsz, "undo-filter: replace leaktop's drop filter on %s "
				   "with the %u-instruction classic filter saved by "
				   "drop-filter.\n", label, st->filter_len);
	else
		actions_fmt_append(out, outsz, "undo-filter: detach leaktop's drop filter from "
				   "%s (SO_DETACH_FILTER).\n", label);
	actions_fmt_append(out, outsz, "Effect: the socket queues incoming packets again.\n");
	if (!st)
		actions_fmt_append(out, outsz, "No undo state was found; the drop filter is "
				   "simply detached.\n");
}

static void undo_run(struct action_run *r)
{
	struct actions_result *res = r->res;
	uint32_t want = r->have_state ? r->st.filter_len : 0;
	char what[96];
	int e, dummy = 0;

	if (want)
		actions_fmt(what, sizeof(what), "replace the drop filter with the saved "
			    "%u-instruction filter", want);
	else
		actions_fmt(what, sizeof(what), "detach the drop filter (SO_DETACH_FILTER)");
	if (actions_audit_intent(r, what))
		return;
	if (want)
		e = attach(r->sfd, r->st.filter, want);
	else	/* the value is ignored, but must be int-sized */
		e = setsockopt(r->sfd, SOL_SOCKET, SO_DETACH_FILTER, &dummy,
			       sizeof(dummy)) < 0 ? -errno : 0;
	if (e < 0) {
		actions_fail(r, -e, "%s: %s",
			     want ? "SO_ATTACH_FILTER (restore)" : "SO_DETACH_FILTER",
			     strerror(-e));
		return;
	}
	actions_inspect_figures(r->sfd, &res->target, &res->after);
	if (res->after.filter_len != (int32_t)want) {
		actions_fail(r, EIO, "verification failed: %d filter instructions read back, "
			     "expected %u", res->after.filter_len, want);
		return;
	}
	if (r->have_state)
		actions_state_remove(r->statedir, r->statename);
	if (want)
		actions_done(r, "restored the saved %u-instruction filter; the socket queues again",
			     want);
	else
		actions_done(r, "detached the drop filter; the socket queues again");
	if (!r->have_state)
		actions_fmt(res->warning, sizeof(res->warning), "no undo state was found; the drop "
			    "filter was detached (if another filter was there before, it is lost)");
}

/* A stale undo state (the drop filter was never attached): the filter on
 * the socket must still be the one saved, instruction by instruction. */
static int undo_verify_unapplied(struct action_run *r)
{
	struct sock_filter *now = NULL;
	int32_t n = 0;

	if (!r->st.filter_len)
		return 0;
	if (actions_inspect_filter(r->sfd, &n, &now) < 0 || n != (int32_t)r->st.filter_len ||
	    memcmp(now, r->st.filter, (size_t)n * sizeof(*now)) != 0) {
		free(now);
		return actions_refuse(r, EPERM, "the filter changed since drop-filter (now %d "
				      "instructions, not leaktop's drop filter): not touching it",
				      r->res->before.filter_len);
	}
	free(now);
	return 0;
}

const struct action_entry actions_dropfilter_undo_entry = {
	.name = "undo-filter",
	.effect = "remove leaktop's drop filter: the socket queues again",
	.needs_fd = 1,
	.shared = "removing the filter affects all of them",
	.state = &filter_state,
	.check = undo_check,
	.describe = undo_describe,
	.unapplied = undo_unapplied,
	.unapplied_verify = undo_verify_unapplied,
	.run = undo_run,
};
