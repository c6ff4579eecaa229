/*
 * drain: read and discard everything queued on the socket (recv with
 * MSG_DONTWAIT|MSG_TRUNC, bounded), which frees the memory at once and
 * destroys the data.  It needs a second, explicit confirmation, is never
 * the suggested default, and has no undo; it leaves a marker next to the
 * undo states so the triage knows it happened.  Refused on stream sockets
 * (it would cut bytes out of the middle of a byte stream) and listeners.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>

#include "action_int.h"

#define DRAIN_MAX_READS (1u << 20)
#define DRAIN_MAX_BYTES (1ull << 30)
#define DRAIN_BUF (64 * 1024)

/* The marker: a state file with the target's lines only. */
static const struct action_state_codec drain_state = {
	.kind = ACTIONS_DRAIN,
	.file = "drain",
	.marker = 1,
};

static int drain_check(const struct actions_request *req, const struct actions_target *t,
		       const struct actions_figures *b, const struct actions_state *st,
		       char *why, size_t whysz)
{
	(void)req;
	(void)b;
	(void)st;
	if (t->listening)
		return actions_checkf(why, whysz, "a listening socket has no data queue to drain");
	if (t->type == SOCK_STREAM)
		return actions_checkf(why, whysz, "%s stream socket: draining would cut bytes "
				      "out of the middle of the program's byte stream, which it "
				      "would then read corrupted",
				      t->family == AF_UNIX ? "unix" : "TCP");
	return 0;
}

static void drain_describe(const struct actions_request *req, const struct actions_target *t,
			   const struct actions_figures *b, const struct actions_state *st,
			   const char *label, char *out, size_t outsz)
{
	(void)req;
	(void)t;
	(void)st;
	actions_fmt_append(out, outsz, "drain: read and discard everything queued on %s "
			   "(recv MSG_DONTWAIT|MSG_TRUNC, at most %u reads / %llu bytes).\n",
			   label, DRAIN_MAX_READS, DRAIN_MAX_BYTES);
	actions_fmt_append(out, outsz, "Effect: the %u bytes charged are freed now. The data "
			   "is DESTROYED: the process will never see it. It needs a second "
			   "confirmation (--confirm-drain). No undo.\n", b->rmem);
}

/*
 * A drain changes nothing that can be undone, but the triage wants to know
 * it happened (the finding it was taken on is then mitigated, and whether
 * the queue grows back says if it worked): a marker state next to the undo
 * states.  Best effort: without it only the audit knows.
 */
static void drain_marker(struct action_run *r)
{
	struct actions_state st;
	struct lt_err err = { "" };
	char dir[PATH_MAX], name[128];

	actions_state_init(&st);
	if (actions_state_open_dir(r->rq.statedir, dir, sizeof(dir), 1, &err) < 0 ||
	    actions_state_name(ACTIONS_DRAIN, r->rq.pid, r->rq.start_ticks, r->rq.fd,
			       r->rq.inode, name, sizeof(name)) < 0)
		return;
	st.kind = ACTIONS_DRAIN;
	st.pid = r->rq.pid;
	st.start_ticks = r->rq.start_ticks;
	st.fd = r->rq.fd;
	st.inode = r->rq.inode;
	st.time = (int64_t)time(NULL);
	(void)actions_state_prune(r->procroot, dir);
	(void)actions_state_save(dir, name, &st, &err);
}

static void drain_run(struct action_run *r)
{
	struct actions_result *res = r->res;
	uint64_t bytes = 0, packets = 0;
	char *buf = malloc(DRAIN_BUF);
	int e = 0;

	if (!buf) {
		actions_fail(r, ENOMEM, "out of memory");
		return;
	}
	if (actions_audit_intent(r, "read and discard the queued data")) {
		free(buf);
		return;
	}
	while (packets < DRAIN_MAX_READS && bytes < DRAIN_MAX_BYTES) {
		ssize_t n = recv(r->sfd, buf, DRAIN_BUF, MSG_DONTWAIT | MSG_TRUNC);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				e = errno;
			break;
		}
		/* end of stream, or of a seqpacket connection: 0 for ever */
		if (n == 0 && (res->target.type == SOCK_STREAM ||
			       res->target.type == SOCK_SEQPACKET))
			break;
		bytes += (uint64_t)n;
		packets++;
	}
	free(buf);
	actions_inspect_figures(r->sfd, &res->target, &res->after);
	res->after.drained_bytes = bytes;
	res->after.drained_packets = packets;
	res->after.have |= ACTIONS_HAVE_DRAINED;
	if (e && !packets) {
		actions_fail(r, e, "recv: %s", strerror(e));
		return;
	}
	actions_done(r, "drained %" PRIu64 " bytes in %" PRIu64 " reads; charged memory %u -> "
		     "%u bytes", bytes, packets, res->before.rmem, res->after.rmem);
	drain_marker(r);
	if (e)
		actions_fmt(res->warning, sizeof(res->warning), "stopped early: recv: %s",
			    strerror(e));
	else if (packets >= DRAIN_MAX_READS || bytes >= DRAIN_MAX_BYTES)
		actions_fmt(res->warning, sizeof(res->warning), "stopped at the bound (%u reads "
			    "/ %llu bytes): data keeps arriving; consider drop-filter",
			    DRAIN_MAX_READS, DRAIN_MAX_BYTES);
}

const struct action_entry actions_drain_entry = {
	.name = "drain",
	.effect = "free the queue now: DESTROYS the data, no undo",
	.needs_fd = 1,
	.confirm = "drain discards the queued data",
	.shared = "the drained data is lost to all of them",
	.state = &drain_state,
	.check = drain_check,
	.describe = drain_describe,
	.run = drain_run,
};
