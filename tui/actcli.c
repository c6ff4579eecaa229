/*
 * leaktop --act ACTION --pid PID --fd FD [--yes]: one remediation from a
 * script or a runbook.  Without --yes it prints the preview and changes
 * nothing.  The target is pinned to what is seen when the command starts
 * (the socket inode of /proc/PID/fd/FD, or --inode N from an earlier scan,
 * and the process start time); core/actions.c re-checks both through the
 * pidfd before touching anything.  Exit codes: 0 done or previewed,
 * 1 runtime failure or an uncertain outcome, 2 usage error, 3 refused by a
 * safety check (including an audit file that cannot take the intent).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "leaktop/actions.h"
#include "leaktop/common.h"
#include "leaktop/out.h"
#include "options.h"

static int usage(const char *msg)
{
	fprintf(stderr, "leaktop: %s (try 'leaktop --help')\n", msg);
	return EXIT_USAGE;
}

int actcli_run(const struct lt_opts *o)
{
	struct actions_request req;
	struct actions_result res;
	enum actions_kind kind = actions_kind_parse(o->act);
	int preview = !o->yes, r;

	if (kind == ACTIONS_NONE) {
		int k;

		fprintf(stderr, "leaktop: --act: unknown action '%s' (", o->act);
		for (k = ACTIONS_NONE + 1; k < ACTIONS_NKINDS; k++)
			fprintf(stderr, "%s%s", k > ACTIONS_NONE + 1 ? ", " : "",
				actions_kind_name((enum actions_kind)k));
		fprintf(stderr, ") (try 'leaktop --help')\n");
		return EXIT_USAGE;
	}
	if (o->npids == 0)
		return usage("--act needs --pid PID");
	if (o->npids > 1)
		return usage("--act acts on exactly one process: give one --pid");
	if (actions_kind_needs_fd(kind) && o->act_fd < 0)
		return usage("--act needs --fd FD (the socket's fd in that process)");
	if (o->act_value >= 0 && kind != ACTIONS_RAISE_FD_LIMIT)
		return usage("--value applies to raise-fd-limit only");
#ifdef LT_OPTS_HAVE_ACT_INODE
	if (o->act_inode && !actions_kind_needs_fd(kind))
		return usage("--inode applies to the socket actions only");
#endif

	/* refused before anything is read: a --procfs tree's pids are not
	 * this machine's processes */
	if (actions_procroot_foreign(o->procroot)) {
		fprintf(stderr, "leaktop: %s refused: actions need the live /proc, not "
			"a --procfs tree\n", o->act);
		return EXIT_REFUSED;
	}

	memset(&req, 0, sizeof(req));
	req.kind = kind;
	req.pid = o->pids[0];
	req.fd = actions_kind_needs_fd(kind) ? o->act_fd : -1;
	/* 0: pinned to what /proc shows now, re-checked through the pidfd */
	req.inode = 0;
#ifdef LT_OPTS_HAVE_ACT_INODE
	req.inode = o->act_inode;
#endif
	req.start_ticks = 0;
	req.value = o->act_value;
	req.confirm_drain = o->confirm_drain;
	req.read_only = o->read_only;
	req.procroot = o->procroot;
	req.audit_log = o->audit_log;
	req.no_audit_file = o->no_audit_file;

	r = preview ? actions_preview(&req, &res) : actions_run(&req, &res);
	if (r == -EINVAL)
		return usage("--act: malformed request");
	if (r < 0) {
		fprintf(stderr, "leaktop: --act %s: %s\n", o->act, strerror(-r));
		return EXIT_RUNTIME;
	}
	o->sink->action(stdout, &res, preview);
	fflush(stdout);
	switch (res.outcome) {
	case ACTIONS_PREVIEW:
	case ACTIONS_DONE:
		return 0;
	case ACTIONS_REFUSED:
		fprintf(stderr, "leaktop: %s refused: %s\n", o->act, res.reason);
		return EXIT_REFUSED;
	case ACTIONS_UNCERTAIN:
		fprintf(stderr, "leaktop: %s uncertain: %s\n", o->act, res.reason);
		return EXIT_RUNTIME;
	case ACTIONS_FAILED:
	default:
		fprintf(stderr, "leaktop: %s failed: %s\n", o->act, res.reason);
		return EXIT_RUNTIME;
	}
}
