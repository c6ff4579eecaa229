/*
 * Batch output: JSON Lines (the contract in doc/leaktop.1 and DESIGN.md) and
 * the text table.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>

#include "leaktop/actions.h"
#include "leaktop/fallback.h"
#include "leaktop/report.h"
#include "leaktop/procnet.h"
#include "leaktop/sockdiag.h"

char *report_size(uint64_t bytes, char *out, size_t outsz)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)bytes;
	int u = 0;

	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(out, outsz, "%" PRIu64 " B", bytes);
	else
		snprintf(out, outsz, "%.1f %s", v, units[u]);
	return out;
}

void report_json_string(FILE *f, const char *s)
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
 * Text from a sample at a terminal sink: as it is when it is already safe
 * (a live sample's sentences were built from sanitised parts), else
 * sanitised into buf (a recording from elsewhere is untrusted input).
 */
static const char *text_safe(const char *in, char *buf, size_t bufsz)
{
	return lt_terminal_safe(in) ? in : lt_sanitize(in, buf, bufsz);
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
			report_json_string(f, s->slab.top[i].name);
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
		report_json_string(f, p ? p->comm : "");
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
		k->netns, k->inode, ltsock_family_name(k), ltsock_proto_name(k),
		(unsigned)k->protocol);
	report_json_string(f, ltsock_format_addr(k, 0, addr, sizeof(addr)));
	fputs(",\"peer\":", f);
	report_json_string(f, ltsock_format_addr(k, 1, addr, sizeof(addr)));
	fprintf(f, ",\"state\":\"%s\",\"recv_q\":%" PRIu64 ",\"send_q\":%u"
		",\"queued\":%" PRIu64 ",\"send_held\":%" PRIu64 ",\"mem\":%" PRIu64,
		ltsock_state_name(k), ltsock_recv_q(k), k->send_q, ltsock_queued(k),
		ltsock_send_held(k), ltsock_mem(k));
	if (k->have & LTSOCK_HAVE_SKMEM)
		fprintf(f, ",\"wmem\":%u,\"sndbuf\":%u", k->wmem, k->sndbuf);
	else
		fputs(",\"wmem\":null,\"sndbuf\":null", f);
	if (k->have & LTSOCK_HAVE_SKMEM2)
		fprintf(f, ",\"wmem_queued\":%u,\"fwd_alloc\":%u,\"optmem\":%u,\"backlog\":%u",
			k->wmem_queued, k->fwd_alloc, k->optmem, k->backlog);
	else
		fputs(",\"wmem_queued\":null,\"fwd_alloc\":null,\"optmem\":null,\"backlog\":null", f);
	if (k->family == AF_UNIX && (k->have & LTSOCK_HAVE_PEERQ))
		fprintf(f, ",\"senders\":%u,\"senders_queued\":%u,\"senders_blocked\":%u",
			(unsigned)k->npeer_q, k->peer_q, (unsigned)k->npeer_blocked);
	fprintf(f, ",\"orphan\":%s", ltsock_is_orphan(k) ? "true" : "false");
	if (k->have & LTSOCK_HAVE_SKMEM)
		fprintf(f, ",\"rmem\":%u,\"rcvbuf\":%u", k->rmem, k->rcvbuf);
	else
		fprintf(f, ",\"rmem\":%u,\"rcvbuf\":null", k->recv_q);
	if (k->have & LTSOCK_HAVE_DROPS)
		fprintf(f, ",\"drops\":%u", k->drops);
	else
		fputs(",\"drops\":null", f);
	if (r->known)
		fprintf(f, ",\"growth_bps\":%.1f,\"drops_ps\":%.2f,\"send_growth_bps\":%.1f",
			r->growth_bps, r->drops_ps, r->send_growth_bps);
	else
		fputs(",\"growth_bps\":null,\"drops_ps\":null,\"send_growth_bps\":null", f);
	fprintf(f, ",\"cookie\":%" PRIu64 ",\"source\":\"%s\"", k->cookie,
		k->source == LTSOCK_SRC_PROCNET ? "procnet" : "sock_diag");
	json_flags(f, r->flags);
	json_owners(f, s, k);
	fputc('}', f);
}

/* The sockets worth showing, in census order: the sample's shown rows
 * when it has them (a live sample), else each one asked (a replay). */
static size_t shown_n(const struct sample *s)
{
	return s->shown ? s->nshown : s->socks.n;
}

static int shown_at(const struct sample *s, size_t k, size_t *i)
{
	if (s->shown) {
		*i = s->shown[k];
		return 1;
	}
	*i = s->order[k];
	return sample_sock_interesting(s, *i, s->pid_filter);
}

static void json_sockets(FILE *f, const struct sample *s)
{
	const char *sep = "";
	size_t i, k;

	fputs(",\"sockets\":[", f);
	for (k = 0; k < shown_n(s); k++) {
		if (!shown_at(s, k, &i))
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
		report_json_string(f, n->name);
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
		report_json_string(f, n->rep.why);
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
		report_json_string(f, e->target);
		fprintf(f, ",\"pos\":%" PRIu64 ",\"flags\":%u", e->pos, e->flags);
		if (e->kind == FD_SOCKET) {
			fprintf(f, ",\"inode\":%" PRIu64 ",\"sockproto\":", e->inode);
			report_json_string(f, e->sockproto);
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
	report_json_string(f, p->user);
	fputs(",\"comm\":", f);
	report_json_string(f, p->comm);
	fputs(",\"cmdline\":", f);
	if (p->cmdline)
		report_json_string(f, p->cmdline);
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
static void json_links(FILE *f, const struct sample *s, size_t i, int effects)
{
	size_t ix[16], n, k;
	char id[16];

	n = findings_links(s->findings.v, s->findings.n, i, effects, ix, 16);
	fputc('[', f);
	for (k = 0; k < n && k < 16; k++)
		fprintf(f, "%s\"%s\"", k ? "," : "",
			findings_id(&s->findings.v[ix[k]], id, sizeof(id)));
	fputc(']', f);
}

/* id, state, links, the mitigation in place and the next steps. */
static void json_triage(FILE *f, const struct sample *s, size_t i)
{
	const struct finding *x = &s->findings.v[i];
	char id[16], steps[2048], *p, *nl;
	int first = 1;

	fprintf(f, ",\"id\":\"%s\",\"state\":\"%s\",\"caused_by\":",
		findings_id(x, id, sizeof(id)),
		findings_state_name((enum finding_state)x->state));
	json_links(f, s, i, 0);
	fputs(",\"causes\":", f);
	json_links(f, s, i, 1);
	if (x->mitigation) {
		fputs(",\"mitigation\":{\"action\":", f);
		report_json_string(f, actions_kind_name((enum actions_kind)x->mitigation));
		fprintf(f, ",\"time\":%.0f,\"check\":\"%s\",\"note\":", x->mitigated_at,
			findings_check_name((enum finding_check)x->check));
		report_json_string(f, x->mitigation_note);
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
		report_json_string(f, p);
		first = 0;
	}
	fputc(']', f);
}

static void json_findings(FILE *f, const struct sample *s)
{
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
		report_json_string(f, x->comm);
		if (x->victim_pid >= 0) {
			fprintf(f, ",\"victim\":{\"pid\":%d,\"fd\":%d,\"comm\":",
				(int)x->victim_pid, (int)x->victim_fd);
			report_json_string(f, x->victim_comm);
			fputc('}', f);
		} else {
			fputs(",\"victim\":null", f);
		}
		fprintf(f, ",\"observed_seconds\":%.1f,\"summary\":", x->observed_s);
		report_json_string(f, x->summary);
		fputs(",\"evidence\":", f);
		report_json_string(f, x->evidence);
		fputs(",\"explanation\":", f);
		report_json_string(f, x->explanation);
		fputs(",\"suggested_action\":", f);
		if (x->action)
			report_json_string(f, x->action);
		else
			fputs("null", f);
		json_triage(f, s, i);
		fputc('}', f);
	}
	fputc(']', f);
}

int report_json(FILE *f, const struct sample *s)
{
	fprintf(f, "{\"time\":%.3f,\"interval\":%.3f,\"seq\":%u,", s->time,
		s->interval, s->seq);
	json_memory(f, s);
	json_hidden(f, s);
	if (s->census)
		json_sockets(f, s);
	if (s->have_procs)
		json_processes(f, s);
	json_findings(f, s);
	fputc(',', f);
	fallback_json(f);
	fputs("}\n", f);
	return ferror(f) ? -1 : 0;
}

static void text_line(FILE *f, const char *label, uint64_t v, uint64_t total)
{
	char b[32];

	fprintf(f, "  %-24s %12s %6.1f%%\n", label, report_size(v, b, sizeof(b)),
		total ? 100.0 * (double)v / (double)total : 0.0);
}

static void text_rate(char *out, size_t outsz, const struct sock_rate *r, double v,
		      int is_bytes)
{
	char b[32];

	if (!r->known)
		snprintf(out, outsz, "-");
	else if (is_bytes && v >= 0)
		snprintf(out, outsz, "%s", report_size((uint64_t)(v + 0.5), b, sizeof(b)));
	else if (is_bytes)
		snprintf(out, outsz, "-%s", report_size((uint64_t)(-v + 0.5), b, sizeof(b)));
	else
		snprintf(out, outsz, "%.1f", v);
}

static void text_sockets(FILE *f, const struct sample *s)
{
	size_t k, shown = 0, i;
	int kind;

	for (k = 0; k < shown_n(s); k++)
		shown += shown_at(s, k, &i);
	fprintf(f, "SOCKETS  %zu of %zu in %zu netns (%s); sorted by growth\n", shown,
		s->socks.n, s->nnetns,
		s->pid_filter ? "owned by -p or flagged" : "with a queue or a flag");
	if (s->census_age > 0)
		fprintf(f, "  light sample: moving queues read now, the rest as the full "
			"census saw it %.1f s ago\n", s->census_age);
	for (i = 0; i < s->nnetns; i++)
		for (kind = 0; kind < SOCKDIAG_NKINDS; kind++)
			if (s->netns[i].rep.fallback[kind])
				fprintf(f, "  netns %" PRIu64 ": no %s sock_diag, read "
					"/proc/net/%s instead\n", s->netns[i].ino,
					sockdiag_kind_name(kind),
					procnet_table_name(kind));
	if (!shown)
		return;
	fprintf(f, "  %-22s %-7s %-22s %-22s %9s %9s %9s %9s %5s %7s %10s %s\n",
		"OWNER PID/FD COMM", "PROTO", "LOCAL", "PEER", "RECV-Q", "SEND-Q", "MEM",
		"RCVBUF", "FILL", "DROP/s", "GROWTH/s", "FLAGS");
	for (k = 0; k < shown_n(s); k++) {
		const struct ltsock *q;
		const struct sock_rate *r;
		const struct fd_owner *o;
		char owner[96], comm[64], loc[64], peer[64], b1[32], b2[32], fill[8];
		char drops[16], growth[32], flags[64] = "", b3[32], b4[32];
		size_t no = 0;
		unsigned bit;

		if (!shown_at(s, k, &i))
			continue;
		q = &s->socks.v[i];
		r = &s->rates[i];
		o = q->inode ? fdtable_census_owners(&s->owners, q->inode, &no) : NULL;
		if (o) {
			const struct fd_proc *p = fdtable_census_proc(&s->owners, o->pid);

			int n = snprintf(owner, sizeof(owner), "%d/%d ", (int)o->pid,
					 (int)o->fd);
			/* the name gets what is left of the column, cut between
			 * escapes, never inside one */
			int room = 22 - n - (no > 1 ? 2 : 0);

			lt_sanitize(p ? p->comm : "", comm, room > 1 ? (size_t)room + 1 : 2);
			snprintf(owner + n, sizeof(owner) - (size_t)n, "%s%s", comm,
				 no > 1 ? " +" : "");
		} else {
			snprintf(owner, sizeof(owner), "%s",
				 ltsock_is_orphan(q) ? "(orphan: no fd)" :
				 s->owners.hidden_procs ? "(hidden: not root)" : "(no fd)");
		}
		lt_sanitize(ltsock_format_addr(q, 0, b1, sizeof(b1)), loc, 23);
		lt_sanitize(ltsock_format_addr(q, 1, b2, sizeof(b2)), peer, 23);
		if (ltsock_fill_pct(q) >= 0)
			snprintf(fill, sizeof(fill), "%u%%", (unsigned)ltsock_fill_pct(q));
		else
			snprintf(fill, sizeof(fill), "-");
		text_rate(drops, sizeof(drops), r, r->drops_ps, 0);
		text_rate(growth, sizeof(growth), r, r->growth_bps, 1);
		for (bit = 1; bit <= SOCK_FLAG_SEND_STALLED; bit <<= 1)
			if (r->flags & bit)
				snprintf(flags + strlen(flags), sizeof(flags) - strlen(flags),
					 "%s%s", flags[0] ? "," : "", history_flag_name(bit));
		fprintf(f, "  %-22.22s %-7s %-22s %-22s %9s %9s %9s %9s %5s %7s %10s %s\n",
			owner, ltsock_proto_name(q), loc, peer,
			report_size(ltsock_recv_q(q), b1, sizeof(b1)),
			report_size(ltsock_send_held(q), b3, sizeof(b3)),
			report_size(ltsock_mem(q), b4, sizeof(b4)),
			(q->have & LTSOCK_HAVE_SKMEM) ? report_size(q->rcvbuf, b2, sizeof(b2)) : "-",
			fill, drops, growth, flags);
	}
}

/* Seconds as "3.2 h", "12 min", "40 s". */
static char *text_duration(double sec, char *out, size_t outsz)
{
	if (sec >= 86400 * 2)
		snprintf(out, outsz, "%.1f d", sec / 86400);
	else if (sec >= 7200)
		snprintf(out, outsz, "%.1f h", sec / 3600);
	else if (sec >= 120)
		snprintf(out, outsz, "%.0f min", sec / 60);
	else
		snprintf(out, outsz, "%.0f s", sec);
	return out;
}

/* Worth a row: ghosts, queued bytes, near its fd limit, or fds growing
 * toward it within a day (a few fds of noise over a short history would
 * otherwise forecast an exhaustion years away).  leaktop leaves itself out. */
static int proc_notable(const struct sample *s, const struct proc_info *p, int32_t self)
{
	if (s->pid_filter)
		return 1;
	if (p->pid == self)
		return 0;
	return p->ghosts > 0 || p->queued > 0 ||
	       (p->fd_soft > 0 && p->nfds >= 0 && p->nfds * 10 >= p->fd_soft * 9) ||
	       (p->growth_known && p->exhaustion_s >= 0 && p->exhaustion_s < 86400 &&
		p->fd_growth_per_hour >= 60 && p->fd_increase >= 10);
}

static void text_fdtable(FILE *f, const struct sample *s, const struct fd_table *t)
{
	char tgt[96], b[32], proto[32];
	size_t i;

	if (t->hidden) {
		fprintf(f, "    fd table of %d hidden (run as root)\n", (int)t->pid);
		return;
	}
	fprintf(f, "    %5s %-9s %-7s %s\n", "FD", "KIND", "GHOST", "TARGET");
	for (i = 0; i < t->n; i++) {
		const struct fd_entry *e = &t->v[i];
		const char *g = "";

		if (e->ghost == FD_GHOST_YES)
			g = "GHOST";
		else if (e->ghost == FD_GHOST_UNKNOWN)
			g = "?";
		lt_sanitize(e->target, tgt, sizeof(tgt));
		fprintf(f, "    %5d %-9s %-7s %s", (int)e->fd, fdtable_kind_name(e->kind),
			g, tgt);
		if (e->kind == FD_SOCKET && e->sockproto[0])
			fprintf(f, " protocol: %s", lt_sanitize(e->sockproto, proto, sizeof(proto)));
		if (e->ghost == FD_GHOST_YES)
			fprintf(f, " (a ghost for %s)", text_duration(e->ghost_age, b, sizeof(b)));
		if (e->sock >= 0) {
			const struct ltsock *k = &s->socks.v[e->sock];

			fprintf(f, " %s %s %s", ltsock_proto_name(k), ltsock_state_name(k),
				lt_sanitize(ltsock_format_addr(k, 0, b, sizeof(b)), tgt, 48));
		}
		fputc('\n', f);
	}
}

static void text_processes(FILE *f, const struct sample *s)
{
	int32_t self = (int32_t)getpid();
	size_t i, shown = 0;

	for (i = 0; i < s->procs.n; i++)
		shown += proc_notable(s, &s->procs.v[i], self);
	fprintf(f, "PROCESSES  %zu of %zu (%s)\n", shown, s->procs.n,
		s->pid_filter ? "-p" : "with ghosts, queues, fd growth or near the limit");
	if (!shown)
		return;
	fprintf(f, "  %7s %-10s %-16s %11s %9s %7s %9s %10s\n", "PID", "USER", "COMMAND",
		"FDS/LIMIT", "FDS/h", "GHOSTS", "QUEUED", "LIMIT IN");
	for (i = 0; i < s->procs.n; i++) {
		const struct proc_info *p = &s->procs.v[i];
		char user[40], comm[64], fds[32], rate[24], gh[16], q[32], ex[32];
		size_t t;

		if (!proc_notable(s, p, self))
			continue;
		lt_sanitize(p->user, user, 11);
		lt_sanitize(p->comm, comm, 17);
		if (p->nfds < 0)
			snprintf(fds, sizeof(fds), "hidden");
		else if (p->fd_soft >= 0)
			snprintf(fds, sizeof(fds), "%d/%lld", (int)p->nfds, (long long)p->fd_soft);
		else
			snprintf(fds, sizeof(fds), "%d/-", (int)p->nfds);
		if (p->growth_known)
			snprintf(rate, sizeof(rate), "%+.0f", p->fd_growth_per_hour);
		else
			snprintf(rate, sizeof(rate), "-");
		if (p->ghosts_known)
			snprintf(gh, sizeof(gh), "%d", (int)p->ghosts);
		else
			snprintf(gh, sizeof(gh), "?");
		if (p->exhaustion_s >= 0) {
			char d[24];

			snprintf(ex, sizeof(ex), "in %s", text_duration(p->exhaustion_s, d, sizeof(d)));
		} else {
			snprintf(ex, sizeof(ex), "-");
		}
		fprintf(f, "  %7d %-10s %-16s %11s %9s %7s %9s %10s\n", (int)p->pid, user, comm,
			fds, rate, gh, report_size(p->queued, q, sizeof(q)), ex);
		for (t = 0; t < s->nfdtables; t++)
			if (s->fdtables[t].pid == p->pid)
				text_fdtable(f, s, &s->fdtables[t]);
	}
}

static void text_findings(FILE *f, const struct sample *s)
{
	size_t i;

	if (!s->findings.n) {
		fputs("FINDINGS  no leaks found: no socket queue grows unread, no process "
		      "leaks fds or sockets\n", f);
		return;
	}
	fprintf(f, "FINDINGS  %zu, most severe first\n", s->findings.n);
	for (i = 0; i < s->findings.n; i++) {
		const struct finding *x = &s->findings.v[i];
		char b1[4 * sizeof(x->evidence)];

		char id[16];
		size_t ix[4], nc, k;

		fprintf(f, "  %-8s %s%s\n", findings_severity_name(x->severity),
			x->state != FINDING_CONFIRMED ?
			(x->state == FINDING_SUSPECTED ? "(suspected) " :
			 x->state == FINDING_MITIGATED ? (x->check == FINDING_CHECK_FAILS ?
							  "(mitigated, not working) " :
							  "(mitigated) ") : "(resolved) ") : "",
			text_safe(x->summary, b1, sizeof(b1)));
		fprintf(f, "           id %s, %s\n", findings_id(x, id, sizeof(id)),
			findings_state_name((enum finding_state)x->state));
		fprintf(f, "           evidence: %s\n", text_safe(x->evidence, b1, sizeof(b1)));
		if (x->mitigation)
			fprintf(f, "           mitigation: %s: %s\n",
				actions_kind_name((enum actions_kind)x->mitigation),
				text_safe(x->mitigation_note, b1, sizeof(b1)));
		nc = findings_links(s->findings.v, s->findings.n, i, 0, ix, 4);
		for (k = 0; k < nc && k < 4; k++)
			fprintf(f, "           caused by: %s (%s)\n",
				findings_id(&s->findings.v[ix[k]], id, sizeof(id)),
				findings_kind_name(s->findings.v[ix[k]].kind));
		nc = findings_links(s->findings.v, s->findings.n, i, 1, ix, 4);
		for (k = 0; k < nc && k < 4; k++)
			fprintf(f, "           leads to: %s (%s)\n",
				findings_id(&s->findings.v[ix[k]], id, sizeof(id)),
				findings_kind_name(s->findings.v[ix[k]].kind));
		if (x->action && x->fd >= 0)
			fprintf(f, "           safe action: leaktop --act %s --pid %d --fd %d\n",
				x->action, (int)x->pid, (int)x->fd);
		else if (x->action)
			fprintf(f, "           safe action: leaktop --act %s --pid %d\n",
				x->action, (int)x->pid);
	}
}

/* "+4 %": the census against a kernel counter, or why they may differ. */
static const char *text_vs(uint64_t census, uint64_t kernel, uint64_t slack, char *out,
			   size_t outsz)
{
	uint64_t d = census > kernel ? census - kernel : kernel - census;

	if (!census && !kernel)
		snprintf(out, outsz, "both 0");
	else if (d <= slack && (!kernel || d * 10 > kernel))
		snprintf(out, outsz, "within the kernel's per-CPU reserve");
	else if (!kernel)
		snprintf(out, outsz, "the kernel counts none");
	else
		snprintf(out, outsz, "%+.0f %%", 100.0 * ((double)census - (double)kernel) /
						(double)kernel);
	return out;
}

/* Socket memory by group and against the kernel's counters. */
static void text_socket_memory(FILE *f, const struct sample *s)
{
	const struct meminfo_breakdown *m = &s->mem;
	uint64_t tcp = m->socket_group[LTSOCK_MEM_TCP] + m->socket_group[LTSOCK_MEM_ORPHANED];
	char b1[32], b2[32], b3[32], v1[48], v2[48];
	int g, n = 0;

	if (!m->socket_queues_from_census) {
		fprintf(f, "  socket memory: %s (sockstat TCP + UDP; no census)\n",
			report_size(m->socket_queues, b1, sizeof(b1)));
		return;
	}
	fprintf(f, "  SOCKET MEMORY %s pinned (%s waiting for readers):",
		report_size(m->socket_queues, b1, sizeof(b1)),
		report_size(m->socket_recv, b2, sizeof(b2)));
	for (g = 0; g < LTSOCK_MEM_NGROUPS; g++) {
		if (!m->socket_group[g] && g != LTSOCK_MEM_TCP && g != LTSOCK_MEM_UDP)
			continue;
		fprintf(f, "%s %s %s", n++ ? "," : "", ltsock_mem_group_name(g),
			report_size(m->socket_group[g], b1, sizeof(b1)));
		if (g == LTSOCK_MEM_ORPHANED)
			fprintf(f, " (%" PRIu64 " connections)", m->orphans);
	}
	fputc('\n', f);
	fprintf(f, "    kernel: TCP mem %s (tcp + orphaned here %s), UDP mem %s (udp here %s), "
		"FRAG %s, %" PRIu64 " orphans",
		report_size(m->sockstat_tcp, b1, sizeof(b1)), text_vs(tcp, m->sockstat_tcp, m->sockstat_slack, v1, sizeof(v1)),
		report_size(m->sockstat_udp, b2, sizeof(b2)),
		text_vs(m->socket_group[LTSOCK_MEM_UDP], m->sockstat_udp, m->sockstat_slack, v2,
			sizeof(v2)),
		report_size(m->sockstat_frag, b3, sizeof(b3)), m->sockstat_orphans);
	if (s->have_mem_limits)
		fprintf(f, "; tcp_mem pressure %s, max %s",
			report_size(s->tcp_mem_limits[1], b1, sizeof(b1)),
			report_size(s->tcp_mem_limits[2], b2, sizeof(b2)));
	fputc('\n', f);
	fprintf(f, "    %s of it lies outside slab (skb page fragments): the \"socket buffers\" "
		"part; the rest is in the slab lines\n",
		report_size(m->socket_buffers, b1, sizeof(b1)));
}

int report_text(FILE *f, const struct sample *s)
{
	const struct meminfo_breakdown *m = &s->mem;
	char b1[32], b2[32], b3[32], b4[32], when[64], sbuf[512];
	time_t t = (time_t)s->time;
	struct tm tm;
	int i;

	localtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(f, "sample %u at %s", s->seq, when);
	if (s->interval > 0)
		fprintf(f, " (%.2f s after the previous one)", s->interval);
	fputc('\n', f);
	text_findings(f, s);
	fprintf(f, "MEMORY                     %12s  of MemTotal\n",
		report_size(m->total, b1, sizeof(b1)));
	text_line(f, "free", m->free, m->total);
	text_line(f, "page cache", m->page_cache, m->total);
	text_line(f, "buffers", m->buffers, m->total);
	text_line(f, "shmem", m->shmem, m->total);
	text_line(f, "user (anon pages)", m->user_anon, m->total);
	text_line(f, "kernel known", m->kernel_known, m->total);
	fprintf(f, "    slab %s reclaimable + %s unreclaimable, stacks %s%s,\n"
		"    page tables %s, ",
		report_size(m->slab_reclaimable, b1, sizeof(b1)),
		report_size(m->slab_unreclaimable, b2, sizeof(b2)),
		report_size(m->kernel_stack, b3, sizeof(b3)),
		m->stacks_in_vmalloc ? " (inside vmalloc)" : "",
		report_size(m->page_tables, b4, sizeof(b4)));
	fprintf(f, "vmalloc %s, percpu %s, hugetlb %s\n",
		report_size(m->vmalloc, b1, sizeof(b1)),
		report_size(m->percpu, b2, sizeof(b2)),
		report_size(m->hugetlb, b3, sizeof(b3)));
	text_line(f, "socket buffers", m->socket_buffers, m->total);
	if (m->unaccounted >= 0)
		text_line(f, "UNACCOUNTED", (uint64_t)m->unaccounted, m->total);
	else
		fprintf(f, "  %-24s -%11s (the kernel's lines overlap)\n", "UNACCOUNTED",
			report_size((uint64_t)-m->unaccounted, b1, sizeof(b1)));
	text_socket_memory(f, s);
	fprintf(f, "  user PSS: %s (anon %s, file %s, shmem %s) over %d processes, "
		"read %.0f s ago\n",
		report_size(m->pss.pss, b1, sizeof(b1)),
		report_size(m->pss.anon, b2, sizeof(b2)),
		report_size(m->pss.file, b3, sizeof(b3)),
		report_size(m->pss.shmem, b4, sizeof(b4)), m->pss.procs, s->pss_age);
	if (s->slab.readable && s->slab.n > 0) {
		fputs("  top slab caches:", f);
		for (i = 0; i < s->slab.n && i < 5; i++)
			fprintf(f, "%s %s %s", i ? "," : "",
				lt_sanitize(s->slab.top[i].name, sbuf, sizeof(sbuf)),
				report_size(s->slab.top[i].bytes, b1, sizeof(b1)));
		fputc('\n', f);
	}
	if (s->hidden & SAMPLE_HIDDEN_SLAB)
		fputs("  hidden: slab caches (/proc/slabinfo needs root)\n", f);
	if (s->hidden & SAMPLE_HIDDEN_FDS)
		fprintf(f, "  hidden: fd tables of %d processes, their sockets show no "
			"owner (run as root)\n", s->owners.hidden_procs);
	if (s->hidden & SAMPLE_HIDDEN_NETNS)
		for (i = 0; i < (int)s->nnetns; i++)
			if (!s->netns[i].rep.entered)
				fprintf(f, "  hidden: sockets of netns %" PRIu64 " (%s)\n",
					s->netns[i].ino,
					text_safe(s->netns[i].rep.why, sbuf, sizeof(sbuf)));
	if (s->hidden & SAMPLE_HIDDEN_PSS)
		fprintf(f, "  hidden: PSS of %d processes (%s)\n", m->pss.hidden,
			s->as_root ? "smaps_rollup refused even to root: ptrace policy"
				   : "other users' processes: run as root");
	if (s->census)
		text_sockets(f, s);
	if (s->have_procs)
		text_processes(f, s);
	fputc('\n', f);
	return ferror(f) ? -1 : 0;
}
