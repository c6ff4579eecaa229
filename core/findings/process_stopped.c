/*
 * process_stopped: a process that does not run (stopped, traced, in a
 * frozen cgroup, or stuck in D) while its queues fill.  No rule of its own
 * raises it: the grouping pass (core/findings_group.c) folds the process's
 * socket findings into it, its members.
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

const struct findings_kind_entry findings_kind_process_stopped = {
	.kind = FINDING_PROCESS_STOPPED,
	.name = "process_stopped",
	.about = FINDINGS_ABOUT_PROCESS,
	.run_state = 1,
	.explains = { { FINDING_SOCKET_MEMORY_PRESSURE, FINDINGS_LINK_ANY } },
	.next_steps = process_stopped_steps,
};
