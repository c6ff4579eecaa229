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
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "leaktop/actions.h"
#include "leaktop/common.h"
#include "leaktop/report.h"
#include "options.h"

static int usage(const char *msg)
{
	fprintf(stderr, "leaktop: %s (try 'leaktop --help')\n", msg);
	return EXIT_USAGE;
}

static void json_u64_or_null(FILE *f, const char *key, uint64_t v)
{
	if (v == ACTIONS_UNLIMITED)
		fprintf(f, ",\"%s\":null", key);
	else
		fprintf(f, ",\"%s\":%" PRIu64, key, v);
}

static void json_figures(FILE *f, const char *key, const struct actions_figures *g)
{
	fprintf(f, ",\"%s\":", key);
	if (!g->have) {
		fputs("null", f);
		return;
	}
	fputs("{\"have\":true", f);
	if (g->have & ACTIONS_HAVE_QUEUE)
		fprintf(f, ",\"rmem\":%u,\"recv_q\":%u,\"rcvbuf\":%u,\"drops\":%u", g->rmem,
			g->recv_q, g->rcvbuf, g->drops);
	if (g->have & ACTIONS_HAVE_FILTER) {
		if (g->filter_len == ACTIONS_FILTER_EBPF)
			fputs(",\"filter_len\":null,\"filter\":\"ebpf\"", f);
		else
			fprintf(f, ",\"filter_len\":%d,\"filter\":\"%s\"", g->filter_len,
				g->filter_drops_all ? "drop-all" :
				g->filter_len ? "classic" : "none");
		fprintf(f, ",\"filter_locked\":%s", g->filter_locked ? "true" : "false");
	}
	if (g->have & ACTIONS_HAVE_LIMITS) {
		json_u64_or_null(f, "fd_soft", g->fd_soft);
		json_u64_or_null(f, "fd_hard", g->fd_hard);
		fprintf(f, ",\"fds\":%u", g->nfds);
	}
	if (g->have & ACTIONS_HAVE_DRAINED)
		fprintf(f, ",\"drained_bytes\":%" PRIu64 ",\"drained_packets\":%" PRIu64,
			g->drained_bytes, g->drained_packets);
	fputc('}', f);
}

static void json_str_or_null(FILE *f, const char *key, const char *s)
{
	fprintf(f, ",\"%s\":", key);
	if (s && *s)
		report_json_string(f, s);
	else
		fputs("null", f);
}

static void print_json(FILE *f, const struct actions_result *r)
{
	const struct actions_target *t = &r->target;
	int i;

	fputs("{\"action\":", f);
	report_json_string(f, actions_kind_name(r->kind));
	fprintf(f, ",\"pid\":%d", t->pid);
	if (t->fd >= 0)
		fprintf(f, ",\"fd\":%d,\"inode\":%" PRIu64, t->fd, t->inode);
	else
		fputs(",\"fd\":null,\"inode\":null", f);
	fprintf(f, ",\"start_ticks\":%" PRIu64, t->start_ticks);
	json_str_or_null(f, "comm", t->comm);
	json_str_or_null(f, "proto", t->proto);
	json_str_or_null(f, "local", t->local);
	fprintf(f, ",\"outcome\":\"%s\",\"done\":%s,\"refused\":%s",
		actions_outcome_name(r->outcome), r->outcome == ACTIONS_DONE ? "true" : "false",
		r->outcome == ACTIONS_REFUSED ? "true" : "false");
	json_str_or_null(f, "reason", r->reason);
	json_str_or_null(f, "message", r->message);
	json_str_or_null(f, "warning", r->warning);
	json_str_or_null(f, "preview", r->preview);
	json_figures(f, "before", &r->before);
	json_figures(f, "after", &r->after);
	json_str_or_null(f, "undo", r->can_undo ? actions_kind_name(r->undo.kind) : NULL);
	json_str_or_null(f, "state_file", r->state_path);
	json_str_or_null(f, "audit_id", r->audit_id);
	fputs(",\"sharers\":[", f);
	for (i = 0; i < r->nsharers; i++) {
		fprintf(f, "%s{\"pid\":%d,\"fd\":%d,\"comm\":", i ? "," : "",
			r->sharers[i].pid, r->sharers[i].fd);
		report_json_string(f, r->sharers[i].comm);
		fputc('}', f);
	}
	fprintf(f, "],\"sharers_total\":%d", r->sharers_total);
	fputs("}\n", f);
}

static void text_figures(FILE *f, const char *label, const struct actions_figures *g)
{
	char b1[32], b2[32];

	if (!g->have)
		return;
	fprintf(f, "%-8s", label);
	if (g->have & ACTIONS_HAVE_QUEUE)
		fprintf(f, " rmem %s, recv_q %u B, rcvbuf %u B, drops %u,",
			report_size(g->rmem, b1, sizeof(b1)), g->recv_q, g->rcvbuf, g->drops);
	if (g->have & ACTIONS_HAVE_FILTER) {
		if (g->filter_len == ACTIONS_FILTER_EBPF)
			fputs(" filter eBPF", f);
		else if (g->filter_drops_all)
			fputs(" filter drop-all (ret #0)", f);
		else if (g->filter_len)
			fprintf(f, " filter %d instructions", g->filter_len);
		else
			fputs(" filter none", f);
		if (g->filter_locked)
			fputs(" (locked)", f);
	}
	if (g->have & ACTIONS_HAVE_LIMITS) {
		if (g->fd_soft == ACTIONS_UNLIMITED)
			snprintf(b1, sizeof(b1), "unlimited");
		else
			snprintf(b1, sizeof(b1), "%" PRIu64, g->fd_soft);
		if (g->fd_hard == ACTIONS_UNLIMITED)
			snprintf(b2, sizeof(b2), "unlimited");
		else
			snprintf(b2, sizeof(b2), "%" PRIu64, g->fd_hard);
		fprintf(f, " fd limit %s soft / %s hard, %u fds open", b1, b2, g->nfds);
	}
	if (g->have & ACTIONS_HAVE_DRAINED)
		fprintf(f, ", drained %" PRIu64 " bytes in %" PRIu64 " reads",
			g->drained_bytes, g->drained_packets);
	fputc('\n', f);
}

static void print_text(FILE *f, const struct actions_result *r, int preview,
		       const struct lt_opts *o)
{
	const struct actions_target *t = &r->target;
	char comm[96], local[160];

	lt_sanitize(t->comm, comm, sizeof(comm));
	lt_sanitize(t->local, local, sizeof(local));
	fprintf(f, "%s on pid %d", actions_kind_name(r->kind), t->pid);
	if (comm[0])
		fprintf(f, " (%s)", comm);
	if (t->fd >= 0)
		fprintf(f, " fd %d", t->fd);
	if (t->inode)
		fprintf(f, ", socket %" PRIu64, t->inode);
	if (t->proto[0])
		fprintf(f, " %s %s", t->proto, local);
	fputc('\n', f);
	/* core sanitised the untrusted parts (comm, address) of the preview */
	if (preview && r->preview[0])
		fputs(r->preview, f);
	fprintf(f, "%s\n", r->message);
	text_figures(f, "before:", &r->before);
	text_figures(f, "after:", &r->after);
	if (r->warning[0])
		fprintf(f, "warning: %s\n", r->warning);
	if (preview && r->outcome == ACTIONS_PREVIEW)
		fprintf(f, "Nothing was changed: add --yes%s to carry it out.\n",
			r->kind == ACTIONS_DRAIN ? " --confirm-drain" : "");
	if (r->can_undo) {
		if (r->undo.fd >= 0)
			fprintf(f, "undo:    leaktop --act %s --pid %d --fd %d\n",
				actions_kind_name(r->undo.kind), r->undo.pid, r->undo.fd);
		else
			fprintf(f, "undo:    leaktop --act %s --pid %d\n",
				actions_kind_name(r->undo.kind), r->undo.pid);
	}
	(void)o;
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
	if (o->format == FMT_JSON)
		print_json(stdout, &res);
	else
		print_text(stdout, &res, preview, o);
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
