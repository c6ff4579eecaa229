/*
 * How an action's run ends (done, refused, failed: the result's outcome,
 * reason and message), and the calls on the pinned process that every
 * family makes (is it alive, duplicate its fd).  The lowest layer of the
 * actions: the entries, the state files, the audit and actions.c use it;
 * it uses none of them.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "action_int.h"
#include "leaktop/fallback.h"

#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

const char *actions_outcome_name(enum actions_outcome o)
{
	switch (o) {
	case ACTIONS_PREVIEW:
		return "preview";
	case ACTIONS_DONE:
		return "done";
	case ACTIONS_REFUSED:
		return "refused";
	case ACTIONS_FAILED:
		return "failed";
	case ACTIONS_UNCERTAIN:
		return "uncertain";
	case ACTIONS_NOUTCOMES:
		break;
	}
	return "?";
}

void actions_set_outcome(struct action_run *r, enum actions_outcome o, int e,
			 const char *why)
{
	struct actions_result *res = r->res;

	res->outcome = o;
	res->err = e;
	actions_fmt(res->reason, sizeof(res->reason), "%s", why);
	actions_fmt(res->message, sizeof(res->message), "%s: %s", actions_outcome_name(o), why);
}

/* Refuse (nothing touched): returns 1, for "return actions_refuse(...)". */
int actions_refuse(struct action_run *r, int e, const char *f, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, f);
	vsnprintf(why, sizeof(why), f, ap);
	va_end(ap);
	actions_set_outcome(r, ACTIONS_REFUSED, e, why);
	return 1;
}

int actions_fail(struct action_run *r, int e, const char *f, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, f);
	vsnprintf(why, sizeof(why), f, ap);
	va_end(ap);
	actions_set_outcome(r, ACTIONS_FAILED, e, why);
	return 1;
}

void actions_done(struct action_run *r, const char *f, ...)
{
	va_list ap;

	r->res->outcome = ACTIONS_DONE;
	r->res->err = 0;
	r->res->reason[0] = '\0';
	va_start(ap, f);
	vsnprintf(r->res->message, sizeof(r->res->message), f, ap);
	va_end(ap);
}

int actions_refuse_resource(struct action_run *r, const char *what, int e)
{
	return actions_refuse(r, e, "%s of pid %d: %s: needs CAP_SYS_RESOURCE, or the same "
			      "uid and gid as the process", what, r->rq.pid, strerror(e));
}

int actions_checkf(char *why, size_t whysz, const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	vsnprintf(why, whysz, f, ap);
	va_end(ap);
	return -EPERM;
}

/* tests/bt_actions.sh checks what a crash at POINT leaves behind. */
void actions_test_stop(const char *point)
{
	const char *e = getenv("LEAKTOP_TEST_STOP_AFTER");

	if (e && !strcmp(e, point))
		raise(SIGKILL);
}

int actions_refuse_gone(struct action_run *r)
{
	return actions_refuse(r, ESRCH, "pid %d has exited", r->rq.pid);
}

int actions_pidfd_alive(int pidfd)
{
	if (syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0 && errno == ESRCH)
		return 0;
	return 1;
}

/* Every pidfd_getfd() of the actions goes through here (pin, and the
 * in-place check of state.c): a policy on it belongs here too. */
int actions_getfd(int pidfd, int fd)
{
	int dup;

	/* LEAKTOP_FALLBACKS=pidfd_getfd: as on a kernel before 5.6 */
	if (lt_fallback(LT_FB_PIDFD_GETFD)) {
		errno = ENOSYS;
		return -1;
	}
	dup = lt_pidfd_getfd(pidfd, fd);
	if (dup < 0 && errno == ENOSYS)
		fallback_detected(LT_FB_PIDFD_GETFD);
	return dup;
}
