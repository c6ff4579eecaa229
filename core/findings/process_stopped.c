/*
 * process_stopped: a process that does not run (stopped, traced, in a
 * frozen cgroup, or stuck in D) while its queues fill.  No rule of its own
 * raises it: the grouping pass (core/findings_group.c) tracks the
 * processes that do not run and folds their socket findings into it, its
 * members; its words are here.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "leaktop/actions.h"
#include "leaktop/findings.h"
#include "leaktop/sample.h"
#include "leaktop/units.h"
#include "../alloc_hook.h"
#include "findings_int.h"

static void process_stopped_steps(const struct finding *f, struct findings_steps *st)
{
	int pid = st->pid;

	(void)f;
	findings_rule_step(st, "Collect: grep -E 'State|TracerPid' /proc/%d/status (T: "
			   "stopped, t: traced; a TracerPid other than 0 is the debugger or strace "
			   "that holds it); cat /proc/%d/cgroup, then cgroup.freeze and cgroup.events "
			   "of that cgroup under /sys/fs/cgroup (frozen 1: a frozen cgroup); "
			   "cat /proc/%d/wchan and /proc/%d/stack for state D", pid, pid, pid, pid);
	findings_rule_step(st, "Confirm who stopped it: the shell job that holds it (jobs), "
			   "ps -o pid,comm -p TRACERPID for a tracer, the service manager or "
			   "container runtime for a frozen cgroup");
	findings_rule_step(st, "Resume it: kill -CONT %d (or detach the tracer, or "
			   "echo 0 > cgroup.freeze); for D, the device or the filesystem it waits "
			   "on (an NFS server, a disk) is the fix", pid);
	findings_rule_step(st, "Verify: this finding resolves and the members' queues "
			   "drain (leaktop -b -p %d -n 5)", pid);
}

/* The words of a process's state letter. */
static const char *state_words(char c)
{
	switch (c) {
	case 'T':
		return "is stopped (SIGSTOP)";
	case 't':
		return "is stopped by a tracer";
	case 'F':
		return "is in a frozen cgroup";
	default:
		return "is stuck in the kernel (D)";
	}
}

/* g: proc_state, since and observed_s (how long) set by the grouping
 * pass. */
static void process_stopped_group(struct finding *g, const struct finding *m, size_t n,
				  const char *total, const char *worst_size)
{
	char b3[32], where[96];

	if (g->proc_state == 'F')
		snprintf(where, sizeof(where), "the freezer of its cgroup (/proc/%d/cgroup) "
			 "says frozen", (int)g->pid);
	else
		snprintf(where, sizeof(where), "state %c in /proc/%d/stat", g->proc_state,
			 (int)g->pid);
	findings_rule_say(g->summary, sizeof(g->summary),
			  "%s for at least %s and its queues fill: %s, worst fd %d %s",
			  state_words(g->proc_state), units_duration(g->observed_s, b3, sizeof(b3)),
			  total, (int)m[0].fd, worst_size);
	findings_rule_say(g->evidence, sizeof(g->evidence),
			  "%s, seen so for %.0f s; %zu finding%s about its sockets folded in "
			  "(its unread or full queues, the senders stalled on it, the orphans "
			  "it keeps), %s in total; the worst: %s, %s", where, g->observed_s, n,
			  n == 1 ? "" : "s", total,
			  findings_kind_name((enum finding_kind)m[0].kind), worst_size);
	findings_rule_say(g->explanation, sizeof(g->explanation),
			  "A process that does not run reads nothing: every socket it holds "
			  "keeps what arrives, up to its buffer, and the programs that write "
			  "to it stall. Its queues are not a leak in the program but the "
			  "consequence of its being stopped (a SIGSTOP or Ctrl-Z, a debugger "
			  "or strace attached, a frozen cgroup) or stuck in the kernel (D). "
			  "Resume it (kill -CONT %d) or find who stops it; its members are the "
			  "sockets that fill meanwhile.", (int)g->pid);
}

const struct findings_kind_entry findings_kind_process_stopped = {
	.kind = FINDING_PROCESS_STOPPED,
	.name = "process_stopped",
	.about = FINDINGS_ABOUT_PROCESS,
	.run_state = 1,
	.group_words = process_stopped_group,
	.explains = { { FINDING_SOCKET_MEMORY_PRESSURE, FINDINGS_LINK_ANY } },
	.next_steps = process_stopped_steps,
};
