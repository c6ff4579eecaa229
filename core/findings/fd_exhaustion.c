/*
 * fd_exhaustion: a process's fds head for its soft limit (RLIMIT_NOFILE),
 * steadily enough to be sure, or are nearly all in use already.
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

/* fds that head for the soft limit and still rise (findings_fds_growing),
 * or fd_crit_pct of it in use already. */
static int fd_exhaustion_process(struct findings_ctx *x, const struct findings_proc_view *v)
{
	const struct findings_config *c = x->c;
	const struct sample *s = x->s;
	const struct proc_info *p = v->p;
	struct findings_impact im = v->im;
	double pct = v->fd_pct;
	int growing = v->growing;
	char b1[32], cause[96];
	struct finding *f;

	if (!(growing || pct >= c->fd_crit_pct))
		return 0;
	/* its own summary says how soon: no words to add */
	f = findings_rule_add(x, FINDING_FD_EXHAUSTION,
		findings_severity(c, &im, NULL, 0));
	if (!f)
		return -ENOMEM;
	f->pid = p->pid;
	snprintf(f->comm, sizeof(f->comm), "%s", p->comm);
	f->suspected = !growing ? 0 : s->seq < c->confirm_samples;
	/* an outage on a clock ranks above memory of any size */
	f->score = growing ? 1e15 / (1 + p->exhaustion_s) : pct;
	f->action = p->fd_hard < 0 || p->fd_hard > p->fd_soft ? ACTIONS_RAISE_FD_LIMIT :
							    ACTIONS_NONE;
	/* the cause, when it is in sight: ghosts among the fds */
	cause[0] = '\0';
	if (p->ghosts_known && p->ghosts > 0 && p->ghosts >= c->ghost_min)
		snprintf(cause, sizeof(cause), ": %d of its %d fds are ghost "
			 "sockets it never closed", (int)p->ghosts, (int)p->nfds);
	if (p->fd_soft > 0 && p->nfds >= p->fd_soft)
		/* the forecast is over: say what is true now */
		snprintf(f->summary, sizeof(f->summary),
			 "has reached its fd limit (%d of %lld): every new "
			 "socket, accept() and open() fails with EMFILE now%s",
			 (int)p->nfds, (long long)p->fd_soft, cause);
	else if (growing)
		snprintf(f->summary, sizeof(f->summary),
			 "will run out of file descriptors in about %.0f s%s",
			 p->exhaustion_s, cause[0] ? cause :
			 " (more open every minute)");
	else
		snprintf(f->summary, sizeof(f->summary),
			 "uses %d of its %lld file descriptors (%.0f %%)%s",
			 (int)p->nfds, (long long)p->fd_soft, pct, cause);
	snprintf(f->evidence, sizeof(f->evidence),
		 "%d fds open (%d sockets, %d of them ghosts), soft limit %lld, "
		 "hard %lld, %+.1f fds/hour (regression over the samples), %s "
		 "queued in its sockets", (int)p->nfds, (int)p->nsockets,
		 p->ghosts_known ? (int)p->ghosts : 0, (long long)p->fd_soft,
		 (long long)p->fd_hard, p->fd_growth_per_hour,
		 units_size(p->queued, b1, sizeof(b1)));
	snprintf(f->explanation, sizeof(f->explanation),
		 "When a process reaches its RLIMIT_NOFILE soft limit, every "
		 "open(), socket() and accept() fails with EMFILE ('too many open "
		 "files'): a server stops taking connections. %s",
		 f->action ? "Raising the soft limit toward the hard limit "
			     "(raise-fd-limit) buys time; the fd leak itself must be "
			     "fixed in the program." :
			     "The soft limit is already at the hard limit; the leak "
			     "must be fixed, or the service restarted.");
	return 0;
}

static void fd_exhaustion_steps(const struct finding *f, struct findings_steps *st)
{
	int pid = st->pid;

	(void)f;
	findings_rule_step(st, "Collect now, before the limit is hit: ls -l /proc/%d/fd "
			   "(which kinds grow: sockets, files, pipes); cat /proc/%d/limits; "
			   "lsof -p %d; the program's version (readlink /proc/%d/exe)",
			   pid, pid, pid, pid);
	findings_rule_step(st, "Confirm the cause: a caused_by finding names it (ghost "
			   "sockets); else count fds by target twice a minute apart "
			   "(ls -l /proc/%d/fd | awk '{print $NF}' | sed 's/[0-9]*//g' | sort | uniq -c)",
			   pid);
	findings_rule_step(st, "Buy time: raise-fd-limit (leaktop --act raise-fd-limit "
			   "--pid %d) or a restart; fix in the program: close the fds it no longer "
			   "uses", pid);
	findings_rule_step(st, "Verify after a restart with the fix: the fd count of the "
			   "new process stays flat under load (leaktop -p NEWPID, FDS column)");
}

/* A raised fd limit on the process covers it. */
static int fd_exhaustion_mitigated_by(const struct finding_mitigation *m, const struct finding *f)
{
	return m->kind == ACTIONS_RAISE_FD_LIMIT && m->pid == f->pid;
}

const struct findings_kind_entry findings_kind_fd_exhaustion = {
	.kind = FINDING_FD_EXHAUSTION,
	.name = "fd_exhaustion",
	.about = FINDINGS_ABOUT_PROCESS,
	.origin = FINDINGS_ORIGIN_PROCESS,
	.process = fd_exhaustion_process,
	.mitigated_by = fd_exhaustion_mitigated_by,
	.next_steps = fd_exhaustion_steps,
};
