/*
 * The Prometheus sink: the text exposition format (version 0.0.4) of one
 * sample, for node_exporter's textfile collector and --serve
 * (doc/exports.md).  Label values from the inspected machine are
 * sanitised, then escaped.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "leaktop/fallback.h"
#include "leaktop/origin.h"
#include "leaktop/out.h"
#include "out_common.h"

char *out_prom_label(const char *raw, char *out, size_t outsz)
{
	char clean[1024];
	size_t o = 0;
	const char *p;

	if (!outsz)
		return out;
	lt_sanitize(raw ? raw : "", clean, sizeof(clean));
	for (p = clean; *p; p++) {
		char two[3] = { '\\', *p, '\0' };
		const char *rep = *p == '\\' || *p == '"' ? two : *p == '\n' ? "\\n" : NULL;
		size_t n = rep ? 2 : 1;

		if (o + n >= outsz)
			break;
		memcpy(out + o, rep ? rep : p, n);
		o += n;
	}
	out[o] = '\0';
	return out;
}

static void prom_family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A float as the exposition format wants it. */
static void prom_value(FILE *f, double v)
{
	if (v != v)
		fputs(" NaN\n", f);
	else if (v > 1e308)
		fputs(" +Inf\n", f);
	else if (v < -1e308)
		fputs(" -Inf\n", f);
	else if (v == (double)(int64_t)v && v < 9e15 && v > -9e15)
		fprintf(f, " %" PRId64 "\n", (int64_t)v);
	else
		fprintf(f, " %.17g\n", v);
}

/* A rate (struct sock_rate keeps floats): its seven digits, not the float's
 * binary tail (14848.4, not 14848.400390625). */
static void prom_rate(FILE *f, float v)
{
	if (v != v || fabsf(v) >= 1e7f || v == floorf(v))
		prom_value(f, v);	/* NaN, infinite, whole, or exact as it is */
	else
		fprintf(f, " %.7g\n", v);
}

static void prom_u(FILE *f, const char *name, const char *labels, uint64_t v)
{
	fprintf(f, "%s%s%s%s %" PRIu64 "\n", name, labels ? "{" : "", labels ? labels : "",
		labels ? "}" : "", v);
}

/* The labels of a socket series: netns, inode, proto, local, peer and its
 * first owner. */
static void sock_labels(const struct sample *s, const struct ltsock *k, char *out,
			size_t outsz)
{
	const struct fd_owner *o;
	size_t n = 0;
	char loc[160], peer[160], el[700], ep[700], comm[300];
	int pid = -1, fd = -1;
	const char *c = "";

	o = k->inode ? fdtable_census_owners(&s->owners, k->inode, &n) : NULL;
	if (o) {
		const struct fd_proc *p = fdtable_census_proc(&s->owners, o->pid);

		pid = o->pid;
		fd = o->fd;
		c = p ? p->comm : "";
	}
	ltsock_format_addr(k, 0, loc, sizeof(loc));
	ltsock_format_addr(k, 1, peer, sizeof(peer));
	snprintf(out, outsz, "netns=\"%" PRIu64 "\",inode=\"%" PRIu64 "\",proto=\"%s\","
		 "local=\"%s\",peer=\"%s\",pid=\"%d\",fd=\"%d\",comm=\"%s\"", (uint64_t)k->netns,
		 (uint64_t)k->inode, ltsock_proto_name(k), out_prom_label(loc, el, sizeof(el)),
		 out_prom_label(peer, ep, sizeof(ep)), pid, fd,
		 out_prom_label(c, comm, sizeof(comm)));
}

/* ---- which sockets and processes get series (cardinality) ------------------- */

/* An entry of a ranking: biggest key first, then smallest tie. */
struct rank {
	uint64_t key, tie;
	size_t i;
};

static int rank_cmp(const void *a, const void *b)
{
	const struct rank *x = a, *y = b;

	if (x->key != y->key)
		return x->key > y->key ? -1 : 1;
	return (x->tie > y->tie) - (x->tie < y->tie);
}

/* Mark in sel the first top entries of r[0..n) (sorted here). */
static void mark_top(struct rank *r, size_t n, unsigned top, unsigned char *sel)
{
	size_t k;

	qsort(r, n, sizeof(*r), rank_cmp);
	for (k = 0; k < n && k < top; k++)
		sel[r[k].i] = 1;
}

/*
 * sel[i] = 1 for the sockets socks.v[i] that get series: flagged, one an
 * open finding is about (findings_socks_build: a group's members
 * included), or among the top sockets by queued bytes (ltsock_queued,
 * more than 0).  A socket without an inode has no identity for a series
 * and never gets one.  NULL with errno ENOMEM.
 */
static unsigned char *prom_sock_select(const struct sample *s, unsigned top)
{
	size_t n = s->socks.n, i, nr = 0;
	unsigned char *sel = calloc(n ? n : 1, 1);
	struct rank *r = reallocarray(NULL, n ? n : 1, sizeof(*r));
	struct findings_socks about = { NULL, 0 };

	if (!sel || !r || findings_socks_build(&about, &s->findings) < 0) {
		free(sel);
		sel = NULL;
		errno = ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		const struct ltsock *q = &s->socks.v[i];
		uint64_t queued = ltsock_queued(q);

		if (!q->inode)
			continue;
		if (s->rates[i].flags || findings_socks_has(&about, q->inode))
			sel[i] = 1;
		if (queued)
			r[nr++] = (struct rank){ .key = queued, .tie = q->inode, .i = i };
	}
	mark_top(r, nr, top, sel);
out:
	free(r);
	findings_socks_free(&about);
	return sel;
}

/*
 * sel[i] = 1 for the processes procs.v[i] that get series: the subject of
 * a finding, or among the top processes by queued bytes (more than 0) or
 * by open fds.  NULL with errno ENOMEM.
 */
static unsigned char *prom_proc_select(const struct sample *s, unsigned top)
{
	size_t n = s->procs.n, i, nq = 0, nf = 0;
	unsigned char *sel = calloc(n ? n : 1, 1);
	struct rank *rq = reallocarray(NULL, n ? n : 1, sizeof(*rq));
	struct rank *rf = reallocarray(NULL, n ? n : 1, sizeof(*rf));
	struct out_common_pidset subj = { NULL, 0 };

	if (!sel || !rq || !rf || out_common_pidset_build(&subj, &s->findings) < 0) {
		free(sel);
		sel = NULL;
		errno = ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		const struct proc_info *p = &s->procs.v[i];

		if (out_common_pidset_has(&subj, p->pid))
			sel[i] = 1;
		if (p->queued)
			rq[nq++] = (struct rank){ .key = p->queued, .tie = (uint64_t)p->pid,
						  .i = i };
		if (p->nfds > 0)
			rf[nf++] = (struct rank){ .key = (uint64_t)p->nfds,
						  .tie = (uint64_t)p->pid, .i = i };
	}
	mark_top(rq, nq, top, sel);
	mark_top(rf, nf, top, sel);
out:
	free(rq);
	free(rf);
	out_common_pidset_free(&subj);
	return sel;
}

static int prom_sockets(FILE *f, const struct sample *s, unsigned top)
{
	static const struct { const char *name, *type, *help; } fam[] = {
		{ "leaktop_socket_recv_queue_bytes", "gauge",
		  "Bytes queued for reading (Recv-Q) in the socket." },
		{ "leaktop_socket_rmem_bytes", "gauge",
		  "Memory charged to the socket's receive queue (rmem_alloc)." },
		{ "leaktop_socket_rcvbuf_bytes", "gauge",
		  "Receive buffer limit (SO_RCVBUF) of the socket." },
		{ "leaktop_socket_growth_bytes_per_second", "gauge",
		  "Growth of the socket's Recv-Q over the rate window." },
		{ "leaktop_socket_drops_total", "counter",
		  "Packets the socket dropped (SK_MEMINFO_DROPS)." },
		{ "leaktop_socket_flagged", "gauge",
		  "1 for each flag (never_read, full, dropping, send_stalled) a socket carries." },
		{ "leaktop_socket_fill_ratio", "gauge",
		  "How full the receive buffer is: rmem over rcvbuf (1 = full)." },
		{ "leaktop_socket_send_queue_bytes", "gauge",
		  "Bytes waiting on the socket's send side." },
		{ "leaktop_socket_pinned_bytes", "gauge",
		  "Memory the socket pins in total (receive, send, forward alloc)." },
	};
	char labels[2600];
	unsigned char *sel = prom_sock_select(s, top);
	size_t m, k, shown;
	unsigned bit;
	int r = -1;

	if (!sel)
		return -1;
	for (m = 0; m < sizeof(fam) / sizeof(fam[0]); m++) {
		prom_family(f, fam[m].name, fam[m].type, fam[m].help);
		for (k = 0, shown = 0; k < s->socks.n && shown < OUT_PROM_MAX_SOCKETS; k++) {
			size_t i = s->order[k];
			const struct ltsock *q = &s->socks.v[i];
			const struct sock_rate *rt = &s->rates[i];

			if (out_common_halted(f))
				goto out;
			if (!sel[i])
				continue;
			shown++;
			sock_labels(s, q, labels, sizeof(labels));
			switch (m) {
			case 0:
				fprintf(f, "%s{%s} %" PRIu64 "\n", fam[m].name, labels, (uint64_t)ltsock_recv_q(q));
				break;
			case 1:
				if (q->have & LTSOCK_HAVE_SKMEM)
					fprintf(f, "%s{%s} %u\n", fam[m].name, labels, q->m->rmem);
				break;
			case 2:
				if (q->have & LTSOCK_HAVE_SKMEM)
					fprintf(f, "%s{%s} %u\n", fam[m].name, labels, q->m->rcvbuf);
				break;
			case 3:
				if (rt->known) {
					fprintf(f, "%s{%s}", fam[m].name, labels);
					prom_rate(f, rt->growth_bps);
				}
				break;
			case 4:
				if (q->have & LTSOCK_HAVE_DROPS)
					fprintf(f, "%s{%s} %u\n", fam[m].name, labels, q->m->drops);
				break;
			case 5:
				for (bit = 1; bit <= SOCK_FLAG_SEND_STALLED; bit <<= 1)
					if (rt->flags & bit)
						fprintf(f, "%s{%s,flag=\"%s\"} 1\n", fam[m].name,
							labels, history_flag_name(bit));
				break;
			case 6:
				if (ltsock_fill(q) >= 0) {
					fprintf(f, "%s{%s}", fam[m].name, labels);
					prom_value(f, ltsock_fill(q));
				}
				break;
			case 7:
				fprintf(f, "%s{%s} %" PRIu64 "\n", fam[m].name, labels,
					ltsock_send_held(q));
				break;
			case 8:
				fprintf(f, "%s{%s} %" PRIu64 "\n", fam[m].name, labels,
					ltsock_mem(q));
				break;
			}
		}
	}
	r = 0;
out:
	free(sel);
	return r;
}

static int prom_procs(FILE *f, const struct sample *s, unsigned top)
{
	static const struct { const char *name, *help; } fam[] = {
		{ "leaktop_process_fds", "Open fds of the process." },
		{ "leaktop_process_fd_limit", "Soft RLIMIT_NOFILE of the process." },
		{ "leaktop_process_sockets", "Socket fds the process holds." },
		{ "leaktop_process_ghost_sockets",
		  "Socket fds no network namespace's dump lists (leaked)." },
		{ "leaktop_process_queued_bytes", "Bytes queued in the sockets it holds." },
		{ "leaktop_process_fd_growth_per_hour", "Growth of its fd count, per hour." },
		{ "leaktop_process_fd_exhaustion_seconds",
		  "leaktop's forecast of the time left until the fd count reaches the soft limit." },
	};
	char labels[400], comm[300];
	unsigned char *sel = prom_proc_select(s, top);
	size_t m, i, shown;
	int r = -1;

	if (!sel)
		return -1;
	for (m = 0; m < sizeof(fam) / sizeof(fam[0]); m++) {
		prom_family(f, fam[m].name, "gauge", fam[m].help);
		for (i = 0, shown = 0; i < s->procs.n && shown < OUT_PROM_MAX_PROCS; i++) {
			const struct proc_info *p = &s->procs.v[i];

			if (out_common_halted(f))
				goto out;
			if (!sel[i])
				continue;
			shown++;
			snprintf(labels, sizeof(labels), "pid=\"%d\",comm=\"%s\"", (int)p->pid,
				 out_prom_label(p->comm, comm, sizeof(comm)));
			switch (m) {
			case 0:
				if (p->nfds >= 0)
					prom_u(f, fam[m].name, labels, (uint64_t)p->nfds);
				break;
			case 1:
				if (p->fd_soft >= 0)
					prom_u(f, fam[m].name, labels, (uint64_t)p->fd_soft);
				break;
			case 2:
				if (!(p->hidden & PROC_HIDDEN_FDS))
					prom_u(f, fam[m].name, labels, (uint64_t)p->nsockets);
				break;
			case 3:
				if (p->ghosts_known)
					prom_u(f, fam[m].name, labels, (uint64_t)p->ghosts);
				break;
			case 4:
				prom_u(f, fam[m].name, labels, p->queued);
				break;
			case 5:
				if (p->growth_known) {
					fprintf(f, "%s{%s}", fam[m].name, labels);
					prom_value(f, p->fd_growth_per_hour);
				}
				break;
			case 6:
				if (p->growth_known && p->exhaustion_s >= 0) {
					fprintf(f, "%s{%s}", fam[m].name, labels);
					prom_value(f, p->exhaustion_s);
				}
				break;
			}
		}
	}
	r = 0;
out:
	free(sel);
	return r;
}

/*
 * Per cgroup, within the same --top cap as sockets and processes: the first
 * top cgroups of the sample's order (the tree's pre-order, each level most
 * socket memory first) that hold socket memory or an open finding; each
 * figure is its whole subtree's, as the kernel's is.  The kernel's own figure where it
 * charges the cgroup.
 */
static void prom_cgroups(FILE *f, const struct sample *s, unsigned top)
{
	static const struct { const char *name, *help; } fam[] = {
		{ "leaktop_cgroup_socket_memory_bytes",
		  "Socket memory pinned by the sockets of the cgroup and the cgroups below it." },
		{ "leaktop_cgroup_queued_bytes",
		  "Bytes waiting for a reader in the sockets of the cgroup and the cgroups below it." },
		{ "leaktop_cgroup_kernel_socket_bytes",
		  "What the kernel charges the cgroup for sockets (v2 memory.stat sock, v1 tcp usage)." },
	};
	char labels[700], path[300], name[300];
	size_t m, i, shown;

	prom_family(f, "leaktop_cgroups", "gauge", "Cgroups that hold the sample's processes.");
	prom_u(f, "leaktop_cgroups", NULL, s->cgroups.n);
	for (m = 0; m < sizeof(fam) / sizeof(fam[0]); m++) {
		prom_family(f, fam[m].name, "gauge", fam[m].help);
		for (i = 0, shown = 0; i < s->cgroups.n && shown < top; i++) {
			const struct sample_cgroup *g = &s->cgroups.v[i];

			if (!g->mem && !g->nfindings)
				continue;
			shown++;
			snprintf(labels, sizeof(labels), "cgroup=\"%s\",name=\"%s\"",
				 out_prom_label(g->path, path, sizeof(path)),
				 out_prom_label(g->name.label, name, sizeof(name)));
			if (m == 0)
				prom_u(f, fam[m].name, labels, g->mem);
			else if (m == 1)
				prom_u(f, fam[m].name, labels, g->queued);
			else if (cgroup_acct_counts(g->kernel.acct)) {
				size_t n = strlen(labels);

				snprintf(labels + n, sizeof(labels) - n, ",accounting=\"%s\"",
					 cgroup_acct_name(g->kernel.acct));
				prom_u(f, fam[m].name, labels, g->kernel.bytes);
			}
		}
	}
}

/*
 * One series per finding identity (findings_same): the first in the
 * sample's order is kept, the series come in that order.  The duplicates
 * are found by sorting, not by comparing each finding with those before
 * it.  The counts by severity count every open finding not held by a
 * working mitigation (findings_open_counts), duplicates included.
 */
/* Where each open finding's sockets were created (leaktop/origin.h), when
 * the exporter traced its process: one series per path, the sockets
 * created there as its value.  The labels are the call (socket, accept,
 * socketpair) and the path from the program's own frame outwards (at most
 * four frames: the series stays the same while the counts move). */
static void prom_origins(FILE *f, const struct sample *s, const unsigned char *keep)
{
	char at[700], one[400], lbl[800];
	size_t i;
	uint32_t g, k, first;
	int said = 0;

	for (i = 0; s->origin && i < s->findings.n; i++) {
		const struct finding *x = &s->findings.v[i];
		const struct origin_summary *sum = origin_summary_of(s->origin, x);

		if (!keep[i] || !findings_is_open(x) || !sum)
			continue;
		for (g = 0; g < sum->ngroups; g++) {
			const struct origin_path *p = origin_path(s->origin, sum->groups[g].path);

			if (!p)
				continue;
			if (!said++)
				prom_family(f, "leaktop_finding_origin_sockets", "gauge",
					    "Sockets of a finding created on one call path of its "
					    "program (processes leaktop traced; doc/origin.md).");
			at[0] = '\0';
			first = origin_path_first(p);
			for (k = first; k < p->nframes && k < first + 4; k++) {
				size_t len = strlen(at);

				origin_frame_words(&p->frames[k], one, sizeof(one));
				snprintf(at + len, sizeof(at) - len, "%s%s", k > first ? " <- " : "",
					 one);
			}
			fprintf(f, "leaktop_finding_origin_sockets{kind=\"%s\",pid=\"%d\",fd=\"%d\","
				"inode=\"%" PRIu64 "\",how=\"%s\",path=\"%s\"} %u\n",
				findings_kind_name(x->kind), (int)x->pid, (int)x->fd, x->inode,
				p->how == ORIGIN_HOW_ACCEPT ? "accept" :
				p->how == ORIGIN_HOW_SOCKETPAIR ? "socketpair" :
				p->how == ORIGIN_HOW_SOCKET ? "socket" : "other",
				out_prom_label(at, lbl, sizeof(lbl)), sum->groups[g].count);
		}
	}
}

static int prom_findings(FILE *f, const struct sample *s)
{
	static const int sev[] = { FINDING_CRITICAL, FINDING_WARNING, FINDING_INFO };
	char comm[300], cause[300];
	size_t i, g, k, n[3];
	struct export_fref *ref;
	unsigned char *keep;

	ref = export_fref_sorted(s->findings.v, s->findings.n);
	keep = calloc(s->findings.n ? s->findings.n : 1, 1);
	if (!ref || !keep) {
		free(ref);
		free(keep);
		errno = ENOMEM;
		return -1;
	}
	for (g = 0; g < s->findings.n; g++)
		keep[ref[g].i] = !g || !findings_same(ref[g - 1].f, ref[g].f);
	free(ref);

	prom_family(f, "leaktop_findings", "gauge", "Findings of the triage rules by severity.");
	findings_open_counts(&s->findings, &n[0], &n[1], &n[2]);
	for (k = 0; k < 3; k++)
		fprintf(f, "leaktop_findings{severity=\"%s\"} %zu\n",
			findings_severity_name(sev[k]), n[k]);
	prom_family(f, "leaktop_finding", "gauge",
		    "1 for each finding: its kind, severity and subject.");
	for (i = 0; i < s->findings.n; i++) {
		const struct finding *x = &s->findings.v[i];

		if (out_common_halted(f)) {
			free(keep);
			return -1;
		}
		if (!keep[i] || !findings_is_open(x))
			continue;	/* no longer a problem: no series */
		/* a group's series is told apart by its cause (a label only
		 * groups have: the series of one socket stay as they were) */
		fprintf(f, "leaktop_finding{kind=\"%s\",severity=\"%s\",suspected=\"%s\","
			"pid=\"%d\",fd=\"%d\",inode=\"%" PRIu64 "\",comm=\"%s\"%s%s%s} 1\n",
			findings_kind_name(x->kind), findings_severity_name(x->severity),
			x->suspected ? "true" : "false", (int)x->pid, (int)x->fd, x->inode,
			out_prom_label(x->comm, comm, sizeof(comm)),
			x->nmembers ? ",cause=\"" : "",
			x->nmembers ? out_prom_label(x->cause_text, cause, sizeof(cause)) : "",
			x->nmembers ? "\"" : "");
	}
	/* one row per problem: a group's members are counted, not listed (a
	 * series per member would be a series per socket) */
	prom_family(f, "leaktop_finding_members", "gauge",
		    "Members folded into each finding that groups them (the sockets of one "
		    "process that share a cause, or a stopped process's).");
	for (i = 0; i < s->findings.n; i++) {
		const struct finding *x = &s->findings.v[i];

		if (!keep[i] || !findings_is_open(x) || !x->nmembers)
			continue;
		fprintf(f, "leaktop_finding_members{kind=\"%s\",pid=\"%d\",cause=\"%s\"} %u\n",
			findings_kind_name(x->kind), (int)x->pid,
			out_prom_label(x->cause_text, cause, sizeof(cause)), (unsigned)x->nmembers);
	}
	prom_family(f, "leaktop_finding_bytes", "gauge",
		    "Bytes each finding pins: a socket's queue, a group's total.");
	for (i = 0; i < s->findings.n; i++) {
		const struct finding *x = &s->findings.v[i];

		if (!keep[i] || !findings_is_open(x) || !x->bytes)
			continue;
		fprintf(f, "leaktop_finding_bytes{kind=\"%s\",pid=\"%d\",fd=\"%d\",inode=\"%"
			PRIu64 "\",cause=\"%s\"} %" PRIu64 "\n", findings_kind_name(x->kind),
			(int)x->pid, (int)x->fd, x->inode,
			out_prom_label(x->cause_text, cause, sizeof(cause)), x->bytes);
	}
	prom_origins(f, s, keep);
	free(keep);
	return 0;
}

/* The kernel features leaktop does without in this run, one series each
 * (the JSON's "fallbacks"): an exporter's operator sees, for example, that
 * socket owners come from /proc because bpf() is filtered. */
static void prom_fallbacks(FILE *f)
{
	char lbl[96];
	int i, first = 1;

	for (i = 0; i < LT_FB_COUNT; i++) {
		if (!lt_fallback((enum lt_fallback_id)i))
			continue;
		if (first)
			prom_family(f, "leaktop_fallback", "gauge",
				    "1 for each kernel feature this run does without (LEAKTOP_FALLBACKS names).");
		first = 0;
		snprintf(lbl, sizeof(lbl), "feature=\"%s\",forced=\"%s\"",
			 fallback_name((enum lt_fallback_id)i),
			 fallback_forced((enum lt_fallback_id)i) ? "yes" : "no");
		prom_u(f, "leaktop_fallback", lbl, 1);
	}
}

int out_prom_write(FILE *f, const struct sample *s, unsigned top)
{
	const struct meminfo_breakdown *m = &s->mem;
	static const char *const parts[] = {
		"free", "page_cache", "buffers", "shmem", "user_anon", "kernel_known",
		"socket_buffers",
	};
	uint64_t pv[7] = { m->free, m->page_cache, m->buffers, m->shmem, m->user_anon,
			   m->kernel_known, m->socket_buffers };
	char l[64];
	size_t i;

	if (out_common_halted(f))
		return -1;
	prom_family(f, "leaktop_sample_time_seconds", "gauge",
		    "When the sample was taken (unix seconds).");
	fprintf(f, "leaktop_sample_time_seconds");
	prom_value(f, s->time);
	prom_family(f, "leaktop_memory_total_bytes", "gauge", "MemTotal.");
	prom_u(f, "leaktop_memory_total_bytes", NULL, m->total);
	prom_family(f, "leaktop_memory_bytes", "gauge",
		    "Where MemTotal goes; the parts add up to MemTotal.");
	for (i = 0; i < 7; i++) {
		snprintf(l, sizeof(l), "part=\"%s\"", parts[i]);
		prom_u(f, "leaktop_memory_bytes", l, pv[i]);
	}
	fprintf(f, "leaktop_memory_bytes{part=\"unaccounted\"} %" PRId64 "\n", m->unaccounted);
	prom_family(f, "leaktop_memory_kernel_bytes", "gauge",
		    "The known kernel lines inside kernel_known.");
	{
		static const char *const kn[] = { "slab_reclaimable", "slab_unreclaimable",
						  "kernel_stack", "page_tables", "vmalloc",
						  "percpu", "hugetlb", "zswap" };
		uint64_t kv[8] = { m->slab_reclaimable, m->slab_unreclaimable, m->kernel_stack,
				   m->page_tables, m->vmalloc, m->percpu, m->hugetlb, m->zswap };

		for (i = 0; i < 8; i++) {
			snprintf(l, sizeof(l), "part=\"%s\"", kn[i]);
			prom_u(f, "leaktop_memory_kernel_bytes", l, kv[i]);
		}
	}
	prom_family(f, "leaktop_socket_queues_bytes", "gauge",
		    "Memory pinned by sockets: queues, send queues, orphans (the census).");
	prom_u(f, "leaktop_socket_queues_bytes", NULL, m->socket_queues);
	if (m->socket_queues_from_census) {
		prom_family(f, "leaktop_socket_memory_bytes", "gauge",
			    "Memory pinned by sockets, by protocol group (orphaned: TCP "
			    "connections no process holds).");
		for (i = 0; i < MEMINFO_SOCK_GROUPS; i++) {
			snprintf(l, sizeof(l), "proto=\"%s\"", ltsock_mem_group_name((int)i));
			prom_u(f, "leaktop_socket_memory_bytes", l, m->socket_group[i]);
		}
		prom_family(f, "leaktop_tcp_orphans", "gauge",
			    "Orphaned TCP connections: in the census, and as the kernel counts them.");
		prom_u(f, "leaktop_tcp_orphans", "source=\"census\"", m->orphans);
		prom_u(f, "leaktop_tcp_orphans", "source=\"kernel\"", m->sockstat_orphans);
	}
	prom_family(f, "leaktop_user_pss_bytes", "gauge", "Sum of every readable process's PSS.");
	prom_u(f, "leaktop_user_pss_bytes", NULL, m->pss.pss);
	if (s->census) {
		prom_family(f, "leaktop_census_sockets", "gauge",
			    "Sockets seen in every network namespace.");
		prom_u(f, "leaktop_census_sockets", NULL, s->socks.n);
		prom_family(f, "leaktop_census_complete", "gauge",
			    "1 when every namespace and socket family was enumerated.");
		prom_u(f, "leaktop_census_complete", NULL, s->census_complete ? 1 : 0);
		prom_fallbacks(f);
		if (prom_sockets(f, s, top) < 0)
			return -1;
	}
	if (s->have_procs && prom_procs(f, s, top) < 0)
		return -1;
	if (s->have_procs)
		prom_cgroups(f, s, top);
	if (prom_findings(f, s) < 0)
		return -1;
	return ferror(f) ? -1 : 0;
}

int out_prom_write_default(FILE *f, const struct sample *s)
{
	return out_prom_write(f, s, OUT_PROM_TOP_DEFAULT);
}

/*
 * The textfile collector may read the file at any moment: it must see the
 * previous exposition or the new one, whole.  So the new one goes to
 * FILE.tmp in the same directory (the collector reads *.prom only), is
 * synced, then renamed over FILE; the directory is synced so the rename
 * survives a crash.
 */
int out_prom_file(const char *path, const struct sample *s, unsigned top,
			   struct lt_err *err)
{
	char tmp[4096], dir[4096];
	FILE *f = NULL;
	int fd, dfd, r, e;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return lt_err_set(err, ENAMETOOLONG, "%s: name too long", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return lt_err_set(err, errno, "%s: %s", tmp, strerror(errno));
	/* metrics are for the collector's user to read, whatever the umask */
	if (fchmod(fd, 0644) < 0 || !(f = fdopen(fd, "w"))) {
		e = errno;
		close(fd);
		r = lt_err_set(err, e, "%s: %s", tmp, strerror(e));
		goto fail;
	}
	r = out_prom_write(f, s, top);
	e = errno;
	if (r == 0 && fflush(f) != 0) {
		r = -1;
		e = errno;
	}
	if (r == 0 && fsync(fileno(f)) < 0) {
		r = -1;
		e = errno;
	}
	if (fclose(f) != 0 && r == 0) {
		r = -1;
		e = errno;
	}
	if (r < 0) {
		r = lt_err_set(err, e, e == EINTR ? "%s: interrupted" : "%s: %s", tmp,
			       strerror(e));
		goto fail;
	}
	if (rename(tmp, path) < 0) {
		e = errno;
		r = lt_err_set(err, e, "rename %s to %s: %s", tmp, path, strerror(e));
		goto fail;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);	/* best effort: the file itself is complete */
		close(dfd);
	}
	return 0;
fail:
	unlink(tmp);
	return r;
}

/* the last sample, if any */
static int prom_end(FILE *f, const struct out_session *ss, const struct out_args *a)
{
	return ss->last ? out_prom_write(f, ss->last, a->top) : 0;
}

const struct out_sink out_prom_sink = {
	.name = "prometheus",
	.keep = OUT_KEEP_LAST,
	.end = prom_end,
};
