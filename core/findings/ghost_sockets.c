/*
 * ghost_sockets: a process holds fds of sockets whose connections are
 * over (the network stack no longer lists them): closed connections whose
 * fds it never closed.
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

/* Ghost sockets that grow (ghost_min of them settled past the grace
 * period), or one that stays a ghost for ghost_persist_s. */
static int ghost_sockets_process(struct findings_ctx *x, const struct findings_proc_view *v)
{
	const struct findings_config *c = x->c;
	const struct sample *s = x->s;
	const struct proc_info *p = v->p;
	struct findings_impact im = v->im;
	double pct = v->fd_pct;
	int growing = v->growing;
	/* a ghost younger than the grace period is a connection its
	 * peer closed and the program is about to close (a healthy
	 * server under churn): it counts only once it stayed, each
	 * ghost on its own age (ghosts_settled), not the oldest's */
	int ghosts_grow = p->growth_known && p->ghost_growth_per_hour > 0 &&
			  p->ghosts_settled >= c->ghost_min;
	char why[128];
	struct finding *f;

	if (!(p->ghosts_known && p->ghosts > 0 &&
	      (ghosts_grow || p->oldest_ghost_age >= c->ghost_persist_s)))
		return 0;
	f = findings_rule_add(x, FINDING_GHOST_SOCKETS,
		findings_severity(c, &im, why, sizeof(why)));
	if (!f)
		return -ENOMEM;
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
	findings_rule_say_why(f, why);
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
	return 0;
}

static void ghost_sockets_steps(const struct finding *f, struct findings_steps *st)
{
	int pid = st->pid;

	(void)f;
	findings_rule_step(st, "Collect: ls -l /proc/%d/fd | grep -c socket; lsof -p %d "
			   "(ghosts show as 'sock ... protocol: TCP' with no address); "
			   "cat /proc/%d/limits; the program's version (readlink /proc/%d/exe)",
			   pid, pid, pid, pid);
	findings_rule_step(st, "Confirm: the ghost count grows with the connections that "
			   "end (clients that reset or time out): compare leaktop's ghosts column "
			   "with ss -tan state close-wait and the program's connection log");
	findings_rule_step(st, "Fix in the program: close the fd on every path that ends "
			   "a connection (errors, resets, timeouts); a blocked thread or goroutine "
			   "that never returns keeps its fd too");
	findings_rule_step(st, "Verify after a restart with the fix: the ghosts column stays "
			   "at 0 while clients come and go (leaktop -p NEWPID)");
}

const struct findings_kind_entry findings_kind_ghost_sockets = {
	.kind = FINDING_GHOST_SOCKETS,
	.name = "ghost_sockets",
	.about = FINDINGS_ABOUT_PROCESS,
	.origin = FINDINGS_ORIGIN_GHOSTS,
	.process = ghost_sockets_process,
	.explains = { { FINDING_FD_EXHAUSTION, FINDINGS_LINK_PID } },
	.next_steps = ghost_sockets_steps,
};
