/*
 * The JSON Lines sink: one object per sample per line (the contract in
 * doc/leaktop.1 and DESIGN.md), and --act's outcome as one object.
 * Untrusted strings are escaped by out_json_string().
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "leaktop/fallback.h"
#include "leaktop/origin.h"
#include "leaktop/out.h"
#include "leaktop/procnet.h"
#include "leaktop/sockdiag.h"
#include "out_common.h"

void out_json_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p);

	fputc('"', f);
	while (n > 0) {
		uint32_t cp;
		size_t l = lt_utf8_decode(p, n, &cp);

		if (l == 0) {
			fputs("\\ufffd", f);
			p++;
			n--;
			continue;
		}
		if (l == 1) {
			if (*p == '"' || *p == '\\')
				fprintf(f, "\\%c", *p);
			else if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		} else if (lt_codepoint_unsafe(cp)) {
			fprintf(f, "\\u%04x", (unsigned)cp);	/* C1, bidi: all below U+FFFF */
		} else {
			fwrite(p, 1, l, f);
		}
		p += l;
		n -= l;
	}
	fputc('"', f);
}

/*
 * "socket_memory": what the census's sockets pin, by group, checked against
 * the kernel's own counters where they count the same thing (sockstat's
 * TCP mem covers tcp and orphaned sockets; UDP mem covers udp), with the
 * orphan counts and the tcp_mem limits beside them.
 */
static void json_socket_memory(FILE *f, const struct sample *s)
{
	const struct meminfo_breakdown *m = &s->mem;
	uint64_t tcp = m->socket_group[LTSOCK_MEM_TCP] + m->socket_group[LTSOCK_MEM_ORPHANED];
	int g;

	if (!m->socket_queues_from_census) {
		fputs(",\"socket_memory\":null", f);
		return;
	}
	fprintf(f, ",\"socket_memory\":{\"total\":%" PRIu64 ",\"waiting_for_readers\":%" PRIu64
		",\"outside_slab\":%" PRIu64, m->socket_queues, m->socket_recv,
		m->socket_buffers);
	for (g = 0; g < LTSOCK_MEM_NGROUPS; g++)
		fprintf(f, ",\"%s\":%" PRIu64, ltsock_mem_group_name(g), m->socket_group[g]);
	fprintf(f, ",\"orphans\":%" PRIu64 ",\"sockstat\":{\"tcp_mem\":%" PRIu64
		",\"udp_mem\":%" PRIu64 ",\"frag_memory\":%" PRIu64 ",\"tcp_orphans\":%" PRIu64 "}",
		m->orphans, m->sockstat_tcp, m->sockstat_udp, m->sockstat_frag,
		m->sockstat_orphans);
	fprintf(f, ",\"check\":{\"tcp\":{\"census\":%" PRIu64 ",\"sockstat\":%" PRIu64
		"},\"udp\":{\"census\":%" PRIu64 ",\"sockstat\":%" PRIu64 "},"
		"\"slack\":%" PRIu64 "}",
		tcp, m->sockstat_tcp, m->socket_group[LTSOCK_MEM_UDP], m->sockstat_udp,
		m->sockstat_slack);
	if (s->have_mem_limits)
		fprintf(f, ",\"tcp_mem_limits\":[%" PRIu64 ",%" PRIu64 ",%" PRIu64 "]",
			s->tcp_mem_limits[0], s->tcp_mem_limits[1], s->tcp_mem_limits[2]);
	else
		fputs(",\"tcp_mem_limits\":null", f);
	fputc('}', f);
}

static void json_memory(FILE *f, const struct sample *s)
{
	const struct meminfo_breakdown *m = &s->mem;
	int i;

	fprintf(f, "\"memory\":{\"total\":%" PRIu64 ",\"free\":%" PRIu64
		",\"available\":%" PRIu64 ",\"page_cache\":%" PRIu64
		",\"buffers\":%" PRIu64 ",\"shmem\":%" PRIu64
		",\"user_anon\":%" PRIu64 ",\"kernel_known\":%" PRIu64
		",\"socket_buffers\":%" PRIu64 ",\"unaccounted\":%" PRId64,
		m->total, m->free, m->available, m->page_cache, m->buffers,
		m->shmem, m->user_anon, m->kernel_known, m->socket_buffers, m->unaccounted);
	fputs(",\"parts\":[\"free\",\"page_cache\",\"buffers\",\"shmem\","
	      "\"user_anon\",\"kernel_known\",\"socket_buffers\",\"unaccounted\"]", f);
	fprintf(f, ",\"user_pss\":%" PRIu64 ",\"user_pss_anon\":%" PRIu64
		",\"user_pss_file\":%" PRIu64 ",\"user_pss_shmem\":%" PRIu64
		",\"user_pss_processes\":%d,\"user_pss_hidden\":%d"
		",\"user_pss_age\":%.1f",
		m->pss.pss, m->pss.anon, m->pss.file, m->pss.shmem,
		m->pss.procs, m->pss.hidden, s->pss_age);
	fprintf(f, ",\"kernel\":{\"slab_reclaimable\":%" PRIu64
		",\"slab_unreclaimable\":%" PRIu64 ",\"kernel_stack\":%" PRIu64
		",\"stacks_in_vmalloc\":%s,\"page_tables\":%" PRIu64
		",\"vmalloc\":%" PRIu64 ",\"percpu\":%" PRIu64
		",\"hugetlb\":%" PRIu64 ",\"zswap\":%" PRIu64 "}",
		m->slab_reclaimable, m->slab_unreclaimable, m->kernel_stack,
		m->stacks_in_vmalloc ? "true" : "false", m->page_tables,
		m->vmalloc, m->percpu, m->hugetlb, m->zswap);
	fprintf(f, ",\"socket_queues\":%" PRIu64 ",\"socket_queues_source\":\"%s\""
		",\"sockstat_tcp_mem\":%" PRIu64 ",\"sockstat_udp_mem\":%" PRIu64,
		m->socket_queues, m->socket_queues_from_census ? "census" : "sockstat",
		m->sockstat_tcp, m->sockstat_udp);
	json_socket_memory(f, s);
	fputs(",\"slab_top\":", f);
	if (!s->slab.readable) {
		fputs("null", f);
	} else {
		fputc('[', f);
		for (i = 0; i < s->slab.n; i++) {
			fputs(i ? ",{\"name\":" : "{\"name\":", f);
			out_json_string(f, s->slab.top[i].name);
			fprintf(f, ",\"bytes\":%" PRIu64 ",\"objects\":%" PRIu64
				",\"objsize\":%" PRIu64 "}", s->slab.top[i].bytes,
				s->slab.top[i].active_objs, s->slab.top[i].objsize);
		}
		fputc(']', f);
	}
	fputc('}', f);
}

static void json_hidden(FILE *f, const struct sample *s)
{
	static const struct { unsigned bit; const char *name; } names[] = {
		{ SAMPLE_HIDDEN_SLAB, "slabinfo" },
		{ SAMPLE_HIDDEN_PSS, "pss" },
		{ SAMPLE_HIDDEN_FDS, "fd_tables" },
		{ SAMPLE_HIDDEN_NETNS, "netns" },
		{ SAMPLE_HIDDEN_NOMEM, "memory" },
	};
	const char *sep = "";
	size_t i;

	fputs(",\"hidden\":[", f);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(s->hidden & names[i].bit))
			continue;
		fprintf(f, "%s\"%s\"", sep, names[i].name);
		sep = ",";
	}
	fputc(']', f);
}

static void json_flags(FILE *f, unsigned flags)
{
	const char *sep = "";
	unsigned bit;

	fputs(",\"flags\":[", f);
	for (bit = 1; bit <= SOCK_FLAG_SEND_STALLED; bit <<= 1) {
		if (!(flags & bit))
			continue;
		fprintf(f, "%s\"%s\"", sep, history_flag_name(bit));
		sep = ",";
	}
	fputc(']', f);
}

/* ,"cgroup":{"path":..,"name":..} of a process, socket or finding, or null */
static void json_cgroup_ref(FILE *f, const struct sample_cgroup *g)
{
	if (!g) {
		fputs(",\"cgroup\":null", f);
		return;
	}
	fputs(",\"cgroup\":{\"path\":", f);
	out_json_string(f, g->path);
	fputs(",\"name\":", f);
	out_json_string(f, g->name.label);
	fputc('}', f);
}

/* ,"cgroups":[...]: the tree of cgroups in pre-order, the totals of each
 * (its subtree's) beside the kernel's figure */
static void json_cgroups(FILE *f, const struct sample *s)
{
	static const char *const kinds[] = { "path", "root", "unit", "container", "pod" };
	size_t i;

	fputs(",\"cgroup_filter\":", f);
	if (s->cgroups.filter)
		out_json_string(f, s->cgroups.filter);
	else
		fputs("null", f);
	fputs(",\"cgroups\":[", f);
	for (i = 0; i < s->cgroups.n; i++) {
		const struct sample_cgroup *g = &s->cgroups.v[i];

		fputs(i ? ",{\"path\":" : "{\"path\":", f);
		out_json_string(f, g->path);
		fputs(",\"name\":", f);
		out_json_string(f, g->name.label);
		/* the tree: its parent's path (null for a top), how deep, and
		 * whether processes or sockets are in it itself */
		fputs(",\"parent\":", f);
		if (g->parent >= 0)
			out_json_string(f, s->cgroups.v[g->parent].path);
		else
			fputs("null", f);
		fprintf(f, ",\"depth\":%u,\"direct\":%s", (unsigned)g->depth,
			g->direct ? "true" : "false");
		fprintf(f, ",\"kind\":\"%s\",\"unit\":", kinds[g->name.kind]);
		out_json_string(f, g->name.unit);
		fputs(",\"runtime\":", f);
		out_json_string(f, g->name.runtime);
		fputs(",\"container_id\":", f);
		out_json_string(f, g->name.id);
		fputs(",\"pod_uid\":", f);
		out_json_string(f, g->name.pod);
		fputs(",\"qos\":", f);
		out_json_string(f, g->name.qos);
		fprintf(f, ",\"mem\":%" PRIu64 ",\"rmem\":%" PRIu64 ",\"wmem\":%" PRIu64
			",\"queued\":%" PRIu64 ",\"sockets\":%u,\"orphans\":%u"
			",\"processes\":%u,\"fds\":%u,\"ghost_sockets\":%u,\"findings\":%u",
			g->mem, g->rmem, g->wmem, g->queued, g->nsockets, g->norphans,
			g->nprocs, g->nfds, g->ghosts, g->nfindings);
		fprintf(f, ",\"kernel\":{\"accounting\":\"%s\",\"bytes\":",
			cgroup_acct_name(g->kernel.acct));
		if (cgroup_acct_counts(g->kernel.acct))
			fprintf(f, "%" PRIu64, g->kernel.bytes);
		else
			fputs("null", f);
		fputs(",\"note\":", f);
		out_json_string(f, cgroup_acct_words(g->kernel.acct));
		fputs("}}", f);
	}
	fputc(']', f);
}

static void json_owners(FILE *f, const struct sample *s, const struct ltsock *k)
{
	const struct fd_owner *o;
	size_t n = 0, i;

	o = k->inode ? fdtable_census_owners(&s->owners, k->inode, &n) : NULL;
	fputs(",\"owners\":[", f);
	for (i = 0; o && i < n; i++) {
		const struct fd_proc *p = fdtable_census_proc(&s->owners, o[i].pid);

		fprintf(f, "%s{\"pid\":%d,\"fd\":%d,\"comm\":", i ? "," : "",
			(int)o[i].pid, (int)o[i].fd);
		out_json_string(f, p ? p->comm : "");
		fputc('}', f);
	}
	fputc(']', f);
	/* no owner found while some fd tables were refused: hidden, not none */
	fprintf(f, ",\"owners_hidden\":%s",
		n == 0 && s->owners.hidden_procs > 0 ? "true" : "false");
}

static void json_socket(FILE *f, const struct sample *s, size_t i)
{
	const struct ltsock *k = &s->socks.v[i];
	const struct sock_rate *r = &s->rates[i];
	char addr[160];

	fprintf(f, "{\"netns\":%" PRIu64 ",\"inode\":%" PRIu64 ",\"family\":\"%s\""
		",\"proto\":\"%s\",\"protocol\":%u,\"local\":",
		(uint64_t)k->netns, (uint64_t)k->inode, ltsock_family_name(k),
		ltsock_proto_name(k), (unsigned)k->protocol);
	out_json_string(f, ltsock_format_addr(k, 0, addr, sizeof(addr)));
	fputs(",\"peer\":", f);
	out_json_string(f, ltsock_format_addr(k, 1, addr, sizeof(addr)));
	fprintf(f, ",\"state\":\"%s\",\"recv_q\":%" PRIu64 ",\"send_q\":%u"
		",\"queued\":%" PRIu64 ",\"send_held\":%" PRIu64 ",\"mem\":%" PRIu64,
		ltsock_state_name(k), ltsock_recv_q(k), k->m->send_q, ltsock_queued(k),
		ltsock_send_held(k), ltsock_mem(k));
	if (k->have & LTSOCK_HAVE_SKMEM)
		fprintf(f, ",\"wmem\":%u,\"sndbuf\":%u", k->m->wmem, k->m->sndbuf);
	else
		fputs(",\"wmem\":null,\"sndbuf\":null", f);
	if (k->have & LTSOCK_HAVE_SKMEM2)
		fprintf(f, ",\"wmem_queued\":%u,\"fwd_alloc\":%u,\"optmem\":%u,\"backlog\":%u",
			k->m->wmem_queued, k->m->fwd_alloc, k->m->optmem, k->m->backlog);
	else
		fputs(",\"wmem_queued\":null,\"fwd_alloc\":null,\"optmem\":null,\"backlog\":null", f);
	if (k->family == AF_UNIX && (k->have & LTSOCK_HAVE_PEERQ))
		fprintf(f, ",\"senders\":%u,\"senders_queued\":%u,\"senders_blocked\":%u",
			(unsigned)k->m->npeer_q, k->m->peer_q, (unsigned)k->m->npeer_blocked);
	fprintf(f, ",\"orphan\":%s", ltsock_is_orphan(k) ? "true" : "false");
	if (k->have & LTSOCK_HAVE_SKMEM)
		fprintf(f, ",\"rmem\":%u,\"rcvbuf\":%u", k->m->rmem, k->m->rcvbuf);
	else
		fprintf(f, ",\"rmem\":%u,\"rcvbuf\":null", k->m->recv_q);
	if (k->have & LTSOCK_HAVE_DROPS)
		fprintf(f, ",\"drops\":%u", k->m->drops);
	else
		fputs(",\"drops\":null", f);
	if (r->known)
		fprintf(f, ",\"growth_bps\":%.1f,\"drops_ps\":%.2f,\"send_growth_bps\":%.1f",
			r->growth_bps, r->drops_ps, r->send_growth_bps);
	else
		fputs(",\"growth_bps\":null,\"drops_ps\":null,\"send_growth_bps\":null", f);
	fprintf(f, ",\"cookie\":%" PRIu64 ",\"source\":\"%s\"", k->cookie,
		ltsock_source_name(k));
	json_flags(f, r->flags);
	json_cgroup_ref(f, sample_cgroup_of_sock(s, i));
	json_owners(f, s, k);
	fputc('}', f);
}

static void json_sockets(FILE *f, const struct sample *s, int all)
{
	const char *sep = "";
	size_t i, k;

	fputs(",\"sockets\":[", f);
	for (k = 0; k < out_common_rows_n(s, all); k++) {
		out_common_prefetch_row(s, all, k + 8);
		if (!out_common_rows_at(s, all, k, &i))
			continue;
		fputs(sep, f);
		json_socket(f, s, i);
		sep = ",";
	}
	fputc(']', f);
	fprintf(f, ",\"census\":{\"complete\":%s,\"age\":%.1f,\"sockets\":%zu,"
		"\"unknown_netns_sockets\":%zu,\"netns\":[",
		s->census_complete ? "true" : "false", s->census_age, s->socks.n,
		s->nns_unknown);
	for (i = 0; i < s->nnetns; i++) {
		const struct sample_netns *n = &s->netns[i];
		const char *fsep = "";
		int kind;

		fprintf(f, "%s{\"inode\":%" PRIu64 ",\"pid\":%d,\"held_by\":%d,\"name\":",
			i ? "," : "", n->ino, n->pid, n->held_by);
		out_json_string(f, n->name);
		fprintf(f, ",\"sockets\":%zu,\"entered\":%s,\"complete\":%s,\"fallback\":[",
			n->nsockets, n->rep.entered ? "true" : "false",
			n->rep.complete ? "true" : "false");
		for (kind = 0; kind < SOCKDIAG_NKINDS; kind++) {
			if (!n->rep.fallback[kind])
				continue;
			fprintf(f, "%s\"%s\"", fsep, sockdiag_kind_name(kind));
			fsep = ",";
		}
		fputs("],\"why\":", f);
		out_json_string(f, n->rep.why);
		fputc('}', f);
	}
	fprintf(f, "],\"owners_hidden_processes\":%d}", s->owners.hidden_procs);
}

/* ,"key":v with the given decimals, or ,"key":null when not known. */
static void json_num_or_null(FILE *f, const char *key, int known, double v,
			     int decimals)
{
	fprintf(f, ",\"%s\":", key);
	if (known)
		fprintf(f, "%.*f", decimals, v);
	else
		fputs("null", f);
}

static void json_fdtable(FILE *f, const struct sample *s, const struct fd_table *t)
{
	size_t i;

	fprintf(f, ",\"fds_hidden\":%s,\"fds\":[", t->hidden ? "true" : "false");
	for (i = 0; i < t->n; i++) {
		const struct fd_entry *e = &t->v[i];

		fprintf(f, "%s{\"fd\":%d,\"kind\":\"%s\",\"target\":", i ? "," : "",
			(int)e->fd, fdtable_kind_name(e->kind));
		out_json_string(f, e->target);
		fprintf(f, ",\"pos\":%" PRIu64 ",\"flags\":%u", e->pos, e->flags);
		if (e->kind == FD_SOCKET) {
			fprintf(f, ",\"inode\":%" PRIu64 ",\"sockproto\":", e->inode);
			out_json_string(f, e->sockproto);
			fprintf(f, ",\"ghost\":%s",
				e->ghost == FD_GHOST_YES ? "true" :
				e->ghost == FD_GHOST_UNKNOWN ? "null" : "false");
			if (e->ghost == FD_GHOST_YES)
				fprintf(f, ",\"ghost_age\":%.1f", e->ghost_age);
			fputs(",\"socket\":", f);
			if (e->sock >= 0)
				json_socket(f, s, (size_t)e->sock);
			else
				fputs("null", f);
		} else {
			fputs(",\"ghost\":false", f);
		}
		fputc('}', f);
	}
	fputc(']', f);
}

static void json_process(FILE *f, const struct sample *s, const struct proc_info *p)
{
	const char *sep = "";
	size_t i;

	fprintf(f, "{\"pid\":%d,\"ppid\":%d,\"uid\":%u,\"user\":", (int)p->pid,
		(int)p->ppid, p->uid);
	out_json_string(f, p->user);
	fputs(",\"comm\":", f);
	out_json_string(f, p->comm);
	fputs(",\"cmdline\":", f);
	if (p->cmdline)
		out_json_string(f, p->cmdline);
	else
		fputs("null", f);
	fprintf(f, ",\"start_time\":%.2f,\"netns\":%" PRIu64, p->start_time, p->netns);
	json_num_or_null(f, "pss", !(p->hidden & PROC_HIDDEN_PSS) && p->pss_age >= 0,
			 (double)p->pss, 0);
	json_num_or_null(f, "fds", p->nfds >= 0, p->nfds, 0);
	json_num_or_null(f, "fd_limit", p->fd_soft >= 0, (double)p->fd_soft, 0);
	json_num_or_null(f, "fd_limit_hard", p->fd_hard >= 0, (double)p->fd_hard, 0);
	json_num_or_null(f, "fd_growth_per_hour", p->growth_known, p->fd_growth_per_hour, 1);
	json_num_or_null(f, "sockets", !(p->hidden & PROC_HIDDEN_FDS), p->nsockets, 0);
	json_num_or_null(f, "ghost_sockets", p->ghosts_known, p->ghosts, 0);
	json_num_or_null(f, "ghost_growth_per_hour", p->growth_known && p->ghosts_known,
			 p->ghost_growth_per_hour, 1);
	fprintf(f, ",\"oldest_ghost_age\":%.1f", p->oldest_ghost_age);
	json_num_or_null(f, "exhaustion_seconds", p->exhaustion_s >= 0, p->exhaustion_s, 1);
	json_cgroup_ref(f, sample_cgroup_of_pid(s, p->pid));
	fprintf(f, ",\"queued_bytes\":%" PRIu64 ",\"hidden\":[", p->queued);
	if (p->hidden & PROC_HIDDEN_FDS) {
		fprintf(f, "%s\"fds\"", sep);
		sep = ",";
	}
	if (p->hidden & PROC_HIDDEN_PSS) {
		fprintf(f, "%s\"pss\"", sep);
		sep = ",";
	}
	if (p->hidden & PROC_HIDDEN_LIMITS)
		fprintf(f, "%s\"limits\"", sep);
	fputc(']', f);
	for (i = 0; i < s->nfdtables; i++)
		if (s->fdtables[i].pid == p->pid)
			json_fdtable(f, s, &s->fdtables[i]);
	fputc('}', f);
}

static void json_processes(FILE *f, const struct sample *s)
{
	size_t i;

	fputs(",\"processes\":[", f);
	for (i = 0; i < s->procs.n; i++) {
		if (i)
			fputc(',', f);
		json_process(f, s, &s->procs.v[i]);
	}
	fputc(']', f);
}

/* The ids of the findings linked to finding i: its causes or effects. */
static void json_links(FILE *f, const struct sample *s, const struct findings_links_ix *lx,
		       size_t i, int effects)
{
	size_t ix[16], n, k;
	char id[16];

	n = findings_links_at(lx, s->findings.v, s->findings.n, i, effects, ix, 16);
	fputc('[', f);
	for (k = 0; k < n && k < 16; k++)
		fprintf(f, "%s\"%s\"", k ? "," : "",
			findings_id(&s->findings.v[ix[k]], id, sizeof(id)));
	fputc(']', f);
}

/* id, state, links, the mitigation in place and the next steps. */
static void json_triage(FILE *f, const struct sample *s, const struct findings_links_ix *lx,
			size_t i)
{
	const struct finding *x = &s->findings.v[i];
	char id[16], steps[2048], *p, *nl;
	int first = 1;

	fprintf(f, ",\"id\":\"%s\",\"state\":\"%s\",\"caused_by\":",
		findings_id(x, id, sizeof(id)),
		findings_state_name((enum finding_state)x->state));
	json_links(f, s, lx, i, 0);
	fputs(",\"causes\":", f);
	json_links(f, s, lx, i, 1);
	if (x->mitigation) {
		fputs(",\"mitigation\":{\"action\":", f);
		out_json_string(f, actions_kind_name((enum actions_kind)x->mitigation));
		fprintf(f, ",\"time\":%.0f,\"check\":\"%s\",\"note\":", x->mitigated_at,
			findings_check_name((enum finding_check)x->check));
		out_json_string(f, x->mitigation_note);
		fputc('}', f);
	} else {
		fputs(",\"mitigation\":null", f);
	}
	fputs(",\"next_steps\":[", f);
	findings_next_steps(x, steps, sizeof(steps));
	for (p = steps; *p; p = nl ? nl + 1 : p + strlen(p)) {
		nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		if (!first)
			fputc(',', f);
		out_json_string(f, p);
		first = 0;
	}
	if (origin_next_step(origin_summary_of(s->origin, x))) {
		if (!first)
			fputc(',', f);
		out_json_string(f, origin_next_step(origin_summary_of(s->origin, x)));
	}
	fputc(']', f);
}

/*
 * One row per problem: what the finding pins ("bytes"), the cause its
 * members share, their count, the worst one and the members themselves
 * (each with its own id, state and figures); a stopped process's state
 * and since when.  A finding of one socket has count 1 and no members.
 */
static void json_group(FILE *f, const struct sample *s, const struct finding *x)
{
	const struct finding *m;
	char id[16], sentence[400];
	size_t k, n;

	fprintf(f, ",\"bytes\":%" PRIu64 ",\"cause\":", x->bytes);
	if (x->cause_text[0])
		out_json_string(f, x->cause_text);
	else
		fputs("null", f);
	fprintf(f, ",\"count\":%u", x->nmembers ? (unsigned)x->nmembers : 1u);
	if (x->nmembers)
		fprintf(f, ",\"worst\":{\"fd\":%d,\"inode\":%" PRIu64 ",\"bytes\":%" PRIu64 "}",
			(int)x->worst_fd, x->worst_inode, x->worst_bytes);
	else
		fputs(",\"worst\":null", f);
	if (findings_kind_has_run_state((enum finding_kind)x->kind))
		fprintf(f, ",\"process_state\":\"%c\",\"stopped_since\":%.0f",
			x->proc_state ? x->proc_state : '?', x->since);
	fputs(",\"members\":[", f);
	m = findings_members(&s->findings, x, &n);
	for (k = 0; m && k < n; k++) {
		fprintf(f, "%s{\"id\":\"%s\",\"kind\":\"%s\",\"severity\":\"%s\",\"state\":\"%s\"",
			k ? "," : "", findings_id(&m[k], id, sizeof(id)),
			findings_kind_name(m[k].kind), findings_severity_name(m[k].severity),
			findings_state_name((enum finding_state)m[k].state));
		fprintf(f, ",\"pid\":%d", (int)m[k].pid);
		if (m[k].fd >= 0)
			fprintf(f, ",\"fd\":%d", (int)m[k].fd);
		else
			fputs(",\"fd\":null", f);
		fprintf(f, ",\"inode\":%" PRIu64 ",\"netns\":%" PRIu64 ",\"bytes\":%" PRIu64
			",\"suggested_action\":", m[k].inode, m[k].netns, m[k].bytes);
		if (m[k].action)
			out_json_string(f, actions_kind_name((enum actions_kind)m[k].action));
		else
			fputs("null", f);
		fputs(",\"summary\":", f);
		out_json_string(f, findings_summary(&m[k], sentence, sizeof(sentence)));
		fputc('}', f);
	}
	fputc(']', f);
}

/* Where the finding's sockets were created (leaktop/origin.h): absent
 * when its process is not traced. */
static void json_origin(FILE *f, const struct sample *s, const struct finding *x)
{
	static const char *const how[] = { "other", "socket", "accept", "socketpair" };
	const struct origin_summary *sum = origin_summary_of(s->origin, x);
	const struct origin_path *p;
	char words[640];
	uint32_t g, k;

	if (!sum)
		return;
	fprintf(f, ",\"origin\":{\"sockets\":\"%s\",\"total\":%u,\"traced\":%u,"
		"\"before_watch\":%u,\"missed\":%u,\"paths\":[", sum->what, sum->total,
		sum->traced, sum->before, sum->missed);
	for (g = 0; g < sum->ngroups; g++) {
		p = origin_path(s->origin, sum->groups[g].path);
		if (!p)
			continue;
		origin_group_words(s->origin, sum, &sum->groups[g], words, sizeof(words));
		fprintf(f, "%s{\"count\":%u,\"how\":\"%s\",\"truncated\":%s,\"first\":%u,"
			"\"summary\":", g ? "," : "", sum->groups[g].count,
			how[p->how < 4 ? p->how : 0], p->truncated ? "true" : "false",
			origin_path_first(p));
		out_json_string(f, words);
		fputs(",\"frames\":[", f);
		for (k = 0; k < p->nframes; k++) {
			const struct origin_frame *fr = &p->frames[k];

			fprintf(f, "%s{\"pc\":%" PRIu64 ",\"function\":", k ? "," : "", fr->pc);
			if (fr->function[0])
				out_json_string(f, fr->function);
			else
				fputs("null", f);
			fputs(",\"module\":", f);
			out_json_string(f, fr->module);
			fprintf(f, ",\"offset\":%" PRIu64 ",\"offset_hex\":\"0x%" PRIx64 "\"",
				fr->offset, fr->offset);
			if (fr->function[0])
				fprintf(f, ",\"symbol_offset\":%" PRIu64, fr->sym_off);
			fputs(",\"build_id\":", f);
			if (fr->build_id[0])
				out_json_string(f, fr->build_id);
			else
				fputs("null", f);
			fputc('}', f);
		}
		fputs("]}", f);
	}
	fputs("],\"note\":", f);
	origin_rest_words(sum, words, sizeof(words));
	if (words[0])
		out_json_string(f, words);
	else
		fputs("null", f);
	fputc('}', f);
}

/* The processes whose new sockets are traced, when origins are on. */
static void json_origin_watch(FILE *f, const struct sample *s)
{
	size_t i;

	if (!s->origin)
		return;
	fputs(",\"origin_watch\":{\"pids\":[", f);
	for (i = 0; i < origin_nwatched(s->origin); i++)
		fprintf(f, "%s%d", i ? "," : "", origin_watched_pid(s->origin, i));
	fprintf(f, "],\"sockets\":%zu}", origin_nsockets(s->origin));
}

static void json_findings(FILE *f, const struct sample *s)
{
	/* the links of every finding: indexed once, not a scan per finding */
	struct findings_links_ix *lx = findings_links_index(s->findings.v, s->findings.n);
	char sentence[400];
	size_t i;

	fputs(",\"findings\":[", f);
	for (i = 0; i < s->findings.n; i++) {
		const struct finding *x = &s->findings.v[i];

		fprintf(f, "%s{\"kind\":\"%s\",\"severity\":\"%s\",\"suspected\":%s",
			i ? "," : "", findings_kind_name(x->kind),
			findings_severity_name(x->severity), x->suspected ? "true" : "false");
		if (x->pid >= 0)
			fprintf(f, ",\"pid\":%d", (int)x->pid);
		else
			fputs(",\"pid\":null", f);
		if (x->fd >= 0)
			fprintf(f, ",\"fd\":%d", (int)x->fd);
		else
			fputs(",\"fd\":null", f);
		if (x->inode)
			fprintf(f, ",\"inode\":%" PRIu64 ",\"netns\":%" PRIu64, x->inode,
				x->netns);
		else
			fputs(",\"inode\":null,\"netns\":null", f);
		fputs(",\"comm\":", f);
		out_json_string(f, x->comm);
		json_cgroup_ref(f, sample_cgroup_of_finding(s, x));
		if (x->victim_pid >= 0) {
			fprintf(f, ",\"victim\":{\"pid\":%d,\"fd\":%d,\"comm\":",
				(int)x->victim_pid, (int)x->victim_fd);
			out_json_string(f, x->victim_comm);
			fputc('}', f);
		} else {
			fputs(",\"victim\":null", f);
		}
		fprintf(f, ",\"observed_seconds\":%.1f,\"summary\":", x->observed_s);
		/* one human sentence: it says who */
		out_json_string(f, findings_summary(x, sentence, sizeof(sentence)));
		fputs(",\"evidence\":", f);
		out_json_string(f, x->evidence);
		fputs(",\"explanation\":", f);
		out_json_string(f, x->explanation);
		fputs(",\"suggested_action\":", f);
		if (x->action)
			out_json_string(f, actions_kind_name((enum actions_kind)x->action));
		else
			fputs("null", f);
		json_triage(f, s, lx, i);
		json_group(f, s, x);
		json_origin(f, s, x);
		fputc('}', f);
	}
	fputc(']', f);
	findings_links_index_free(lx);
}

static int json_write(FILE *f, const struct sample *s, int all)
{
	fprintf(f, "{\"time\":%.3f,\"interval\":%.3f,\"seq\":%u,", s->time,
		s->interval, s->seq);
	json_memory(f, s);
	json_hidden(f, s);
	if (s->census)
		json_sockets(f, s, all);
	if (s->have_procs)
		json_processes(f, s);
	if (s->have_procs)
		json_cgroups(f, s);
	json_findings(f, s);
	json_origin_watch(f, s);
	fputc(',', f);
	out_json_fallbacks(f);
	fputs("}\n", f);
	return ferror(f) ? -1 : 0;
}

int out_json_write(FILE *f, const struct sample *s)
{
	return json_write(f, s, 0);
}

/* ---- --act ------------------------------------------------------------- */

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
		out_json_string(f, s);
	else
		fputs("null", f);
}

static int json_action(FILE *f, const struct actions_result *r, int preview)
{
	const struct actions_target *t = &r->target;
	int i;

	fputs("{\"action\":", f);
	out_json_string(f, actions_kind_name(r->kind));
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
		out_json_string(f, r->sharers[i].comm);
		fputc('}', f);
	}
	fprintf(f, "],\"sharers_total\":%d", r->sharers_total);
	fputs("}\n", f);
	(void)preview;
	return ferror(f) ? -1 : 0;
}

static int json_sample(FILE *f, const struct sample *s, const struct out_args *a)
{
	return json_write(f, s, a && a->all);
}

const struct out_sink out_json_sink = {
	.name = "json",
	.keep = OUT_KEEP_NONE,
	.sample = json_sample,
	.action = json_action,
};

void out_json_fallbacks(FILE *f)
{
	int i, first = 1;

	fputs("\"fallbacks\":[", f);
	for (i = 0; i < LT_FB_COUNT; i++) {
		if (!lt_fallback((enum lt_fallback_id)i))
			continue;
		fputs(first ? "{\"name\":" : ",{\"name\":", f);
		first = 0;
		out_json_string(f, fallback_name((enum lt_fallback_id)i));
		fputs(",\"since\":", f);
		out_json_string(f, fallback_since((enum lt_fallback_id)i));
		fputs(",\"lost\":", f);
		out_json_string(f, fallback_lost((enum lt_fallback_id)i));
		if (fallback_why((enum lt_fallback_id)i)) {
			fputs(",\"why\":", f);
			out_json_string(f, fallback_why((enum lt_fallback_id)i));
		}
		fprintf(f, ",\"forced\":%s}",
			fallback_forced((enum lt_fallback_id)i) ? "true" : "false");
	}
	fputc(']', f);
}
