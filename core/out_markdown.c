/*
 * The Markdown sink: the postmortem report of a session (doc/exports.md),
 * written once at the end from its first and last samples and the
 * session's findings, actions and notes, as a story: the headline, the
 * problems in order of impact, one timeline, the brief conditions apart,
 * then the appendix's tables.  Everything printed that came from the
 * inspected machine is sanitised, then escaped for where it goes, by one
 * function per context and no more than that context needs.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "leaktop/origin.h"
#include "leaktop/out.h"
#include "leaktop/units.h"
#include "out_common.h"

/* ---- escaping: one function per context ---------------------------------- */

/*
 * Markdown needs few escapes where it is written by hand, and the report
 * should read like that.  The rules, after lt_sanitize has made the text
 * printable on one line:
 * - a backslash is doubled only before ASCII punctuation or at the end
 *   (elsewhere it is a literal backslash already: "\x1b" stays);
 * - a backtick (a code span), '*' and '~' (emphasis, strikethrough) get a
 *   backslash; '_' only where it is not inside a word (leak_udp stays);
 * - '<' becomes "&lt;" (no HTML, no autolink), '&' becomes "&amp;" only
 *   where it would start an entity ("a & b" stays);
 * - no link: '[' gets a backslash when a "](" follows it, and the
 *   autolinks GFM makes of bare text are broken ("http\://", "www\.",
 *   "user\@host");
 * - table cells also escape '|'; text that starts a line also escapes a
 *   leading block marker (#, >, -, +, =, "1." or "1)", and '[', which could
 *   define a link) and drops leading spaces (an indented code block).
 * Everything else, '(' ')' '.' '-' '#' '!' '{' '}' '$' inside a line,
 * stays as it is.
 */
enum md_ctx { MD_INLINE, MD_CELL, MD_BLOCK };

static int ascii_punct(unsigned char c)
{
	return c > 0x20 && c < 0x7f && !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
					 (c >= 'A' && c <= 'Z'));
}

/* part of a word: ASCII letters and digits, and every byte of UTF-8 */
static int word_char(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       c >= 0x80;
}

/* p follows a '&': would "&p" be read as an entity ("&amp;", "&#60;")? */
static int entity_like(const char *p)
{
	size_t n = 0;

	if (*p == '#')
		p++;
	while (n < 32 && word_char((unsigned char)p[n]) && (unsigned char)p[n] < 0x80)
		n++;
	return n && p[n] == ';';
}

/* The end of a leading ordered-list marker ("12." or "3)") at p, or NULL. */
static const char *olist_marker(const char *p)
{
	size_t n = 0;

	while (n < 9 && p[n] >= '0' && p[n] <= '9')
		n++;
	return n && (p[n] == '.' || p[n] == ')') ? p + n : NULL;
}

static char *md_escape(const char *raw, enum md_ctx ctx, char *out, size_t outsz)
{
	char clean[1024];
	const char *p, *start, *lastlink, *ol = NULL, *q;
	size_t o = 0;

	if (!outsz)
		return out;
	lt_sanitize(raw ? raw : "", clean, sizeof(clean));
	start = clean;
	if (ctx == MD_BLOCK) {
		while (*start == ' ')
			start++;
		ol = olist_marker(start);
	}
	/* the last "](": every '[' before it could open a link */
	lastlink = NULL;
	for (q = start; (q = strstr(q, "](")); q++)
		lastlink = q;
	for (p = start; *p; p++) {
		unsigned char c = (unsigned char)*p, nx = (unsigned char)p[1];
		unsigned char pv = p > start ? (unsigned char)p[-1] : 0;
		const char *rep = NULL;
		char two[3] = { '\\', *p, '\0' };
		int esc = 0;
		size_t n;

		switch (c) {
		case '\\': esc = !nx || ascii_punct(nx); break;
		case '`': case '*': case '~': esc = 1; break;
		case '_': esc = !(word_char(pv) && word_char(nx)); break;
		case '[': esc = (lastlink && p < lastlink) || (ctx == MD_BLOCK && p == start); break;
		case '|': esc = ctx == MD_CELL; break;
		case ':': esc = nx == '/' && p[2] == '/'; break;
		case '@': esc = word_char(pv) && word_char(nx); break;
		case '<': rep = "&lt;"; break;
		case '&': if (entity_like(p + 1)) rep = "&amp;"; break;
		case '.':
			/* "www." at the start of a word */
			esc = p - start >= 3 && !strncasecmp(p - 3, "www", 3) &&
			      (p - start == 3 || !word_char((unsigned char)p[-4]));
			break;
		}
		if (ctx == MD_BLOCK && ((p == start && strchr("#>+-=", c)) || p == ol))
			esc = 1;
		if (esc)
			rep = two;
		n = rep ? strlen(rep) : 1;
		if (o + n >= outsz)
			break;
		memcpy(out + o, rep ? rep : p, n);
		o += n;
	}
	out[o] = '\0';
	return out;
}

char *out_markdown_text(const char *raw, char *out, size_t outsz)
{
	return md_escape(raw, MD_INLINE, out, outsz);
}

char *out_markdown_cell(const char *raw, char *out, size_t outsz)
{
	return md_escape(raw, MD_CELL, out, outsz);
}

char *out_markdown_block(const char *raw, char *out, size_t outsz)
{
	return md_escape(raw, MD_BLOCK, out, outsz);
}

/*
 * A code span: nothing inside one is Markdown, so the text goes in as it
 * is (sanitised), between fences one backtick longer than its longest run
 * of backticks, with a space inside them when it starts or ends with one.
 * Cut whole: an empty span when it does not fit.  Not for table cells
 * (GFM splits a cell at '|' even inside a code span).
 */
char *out_markdown_code(const char *raw, char *out, size_t outsz)
{
	char clean[1024];
	size_t run = 0, longest = 0, n, fence, pad, i, o = 0;

	if (!outsz)
		return out;
	lt_sanitize(raw ? raw : "", clean, sizeof(clean));
	for (i = 0; clean[i]; i++) {
		run = clean[i] == '`' ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	n = i;
	fence = longest + 1;
	pad = n && (clean[0] == '`' || clean[n - 1] == '`');
	if (2 * (fence + pad) + n >= outsz) {
		out[0] = '\0';
		return out;
	}
	for (i = 0; i < fence; i++)
		out[o++] = '`';
	if (pad)
		out[o++] = ' ';
	memcpy(out + o, clean, n);
	o += n;
	if (pad)
		out[o++] = ' ';
	for (i = 0; i < fence; i++)
		out[o++] = '`';
	out[o] = '\0';
	return out;
}

/* ---- Markdown ---------------------------------------------------------------- */

static char *when(double t, char *out, size_t outsz)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0 || !localtime_r(&tt, &tm) ||
	    !strftime(out, outsz, "%Y-%m-%d %H:%M:%S %z", &tm))
		snprintf(out, outsz, "-");
	return out;
}

/* b - a, saturated (figures from a damaged recording can be anything). */
static int64_t diff64(int64_t b, int64_t a)
{
	int64_t d;

	if (__builtin_sub_overflow(b, a, &d))
		return b > a ? INT64_MAX : INT64_MIN;
	return d;
}

/* A byte count as a signed figure, saturated. */
static int64_t s64(uint64_t v)
{
	return v > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)v;
}

static void md_mem_row(FILE *f, const char *label, int64_t a, int64_t b)
{
	char s1[32], s2[32], s3[32];

	fprintf(f, "| %s | %s | %s | %s |\n", label, units_size_signed(a, s1, sizeof(s1)),
		units_size_signed(b, s2, sizeof(s2)), units_change(diff64(b, a), s3, sizeof(s3)));
}

static void md_memory(FILE *f, const struct sample *a, const struct sample *b)
{
	const struct meminfo_breakdown *m = &a->mem, *n = &b->mem;

	fputs("## Appendix: memory\n\n", f);
	fputs("The parts add up to MemTotal; what sockets pin and user PSS are views that "
	      "overlap them.\n\n", f);
	fputs("| Part | Start | End | Change |\n|---|---:|---:|---:|\n", f);
	md_mem_row(f, "MemTotal", s64(m->total), s64(n->total));
	md_mem_row(f, "free", s64(m->free), s64(n->free));
	md_mem_row(f, "page cache", s64(m->page_cache), s64(n->page_cache));
	md_mem_row(f, "buffers", s64(m->buffers), s64(n->buffers));
	md_mem_row(f, "shmem", s64(m->shmem), s64(n->shmem));
	md_mem_row(f, "user (anon pages)", s64(m->user_anon), s64(n->user_anon));
	md_mem_row(f, "kernel known", s64(m->kernel_known), s64(n->kernel_known));
	md_mem_row(f, "socket buffers (outside slab)", s64(m->socket_buffers),
		   s64(n->socket_buffers));
	md_mem_row(f, "**unaccounted**", m->unaccounted, n->unaccounted);
	md_mem_row(f, "pinned by sockets", s64(m->socket_queues),
		   s64(n->socket_queues));
	md_mem_row(f, "of which orphaned TCP", s64(m->socket_group[LTSOCK_MEM_ORPHANED]),
		   s64(n->socket_group[LTSOCK_MEM_ORPHANED]));
	md_mem_row(f, "user PSS", s64(m->pss.pss), s64(n->pss.pss));
	md_mem_row(f, "slab (reclaimable + unreclaimable)",
		   s64(m->slab_reclaimable + m->slab_unreclaimable),
		   s64(n->slab_reclaimable + n->slab_unreclaimable));
	fputc('\n', f);
}

/* The socket of s whose (netns, inode) is k's, or NULL: a scan, which
 * md_sockets does for its ten rows at most. */
static const struct ltsock *find_sock(const struct sample *s, const struct ltsock *k)
{
	size_t i;

	if (!k->inode)
		return NULL;
	for (i = 0; i < s->socks.n; i++)
		if (s->socks.v[i].inode == k->inode && s->socks.v[i].netns == k->netns)
			return &s->socks.v[i];
	return NULL;
}

static void md_owner(FILE *f, const struct sample *s, const struct ltsock *k)
{
	const struct fd_owner *o;
	size_t n = 0, i;
	char comm[320];

	o = k->inode ? fdtable_census_owners(&s->owners, k->inode, &n) : NULL;
	if (!o) {
		fputs(s->owners.hidden_procs ? "(hidden: not root)" : "(no fd)", f);
		return;
	}
	for (i = 0; i < n && i < 3; i++) {
		const struct fd_proc *p = fdtable_census_proc(&s->owners, o[i].pid);

		fprintf(f, "%spid %d fd %d %s", i ? ", " : "", (int)o[i].pid, (int)o[i].fd,
			p ? out_markdown_cell(p->comm, comm, sizeof(comm)) : "?");
	}
	if (n > 3)
		fprintf(f, " and %zu more", n - 3);
}

static void md_flags(FILE *f, unsigned flags)
{
	const char *sep = "";
	unsigned bit;

	for (bit = 1; bit <= SOCK_FLAG_SEND_STALLED; bit <<= 1)
		if (flags & bit) {
			fprintf(f, "%s%s", sep, history_flag_name(bit));
			sep = ", ";
		}
	if (!*sep)
		fputs("-", f);
}

static int md_sockets(FILE *f, const struct sample *a, const struct sample *b)
{
	size_t k, shown = 0;

	fputs("## Appendix: sockets growing the most\n\n", f);
	if (!b->census) {
		fputs("No socket census in this session.\n\n", f);
		return 0;
	}
	for (k = 0; k < b->socks.n && shown < 10; k++) {
		size_t i = b->order[k];
		const struct ltsock *q = &b->socks.v[i], *old;
		const struct sock_rate *r = &b->rates[i];
		char loc[160], peer[160], e1[480], e2[480], s1[32], s2[32], g[40];

		if (out_common_halted(f))
			return -1;
		if (!r->flags && !(r->known && r->growth_bps > 0))
			continue;
		if (!shown++)
			fputs("| Owner | Socket | Local | Peer | Recv-Q start | Recv-Q end | "
			      "Growth/s | Flags |\n|---|---|---|---|---:|---:|---:|---|\n", f);
		old = find_sock(a, q);
		fputs("| ", f);
		md_owner(f, b, q);
		ltsock_format_addr(q, 0, loc, sizeof(loc));
		ltsock_format_addr(q, 1, peer, sizeof(peer));
		if (r->known)
			snprintf(g, sizeof(g), "%s%s", r->growth_bps < 0 ? "-" : "",
				 units_size((uint64_t)(fabs(r->growth_bps) + 0.5), s2, sizeof(s2)));
		else
			snprintf(g, sizeof(g), "-");
		fprintf(f, " | %s inode %" PRIu64 " (netns %" PRIu64 ") | %s | %s | %s | ",
			ltsock_proto_name(q), (uint64_t)q->inode, (uint64_t)q->netns,
			out_markdown_cell(loc, e1, sizeof(e1)), out_markdown_cell(peer, e2, sizeof(e2)),
			old ? units_size(ltsock_recv_q(old), s1, sizeof(s1)) : "(new)");
		fprintf(f, "%s | %s | ", units_size(ltsock_recv_q(q), s1, sizeof(s1)), g);
		md_flags(f, r->flags);
		fputs(" |\n", f);
	}
	if (!shown)
		fputs("No socket queue grew or was flagged at the end of the session.\n", f);
	fputc('\n', f);
	return 0;
}

/* The processes worth a row (findings_proc_notable by c's thresholds) or
 * that a finding is about. */
static int md_processes(FILE *f, const struct sample *a, const struct sample *b,
			const struct findings_config *c)
{
	struct out_common_pidset subj;
	size_t i, shown = 0;
	int r = -1;

	fputs("## Appendix: processes that leak\n\n", f);
	if (!b->have_procs) {
		fputs("No process table in this session.\n\n", f);
		return 0;
	}
	if (out_common_pidset_build(&subj, &b->findings) < 0)
		goto out;
	for (i = 0; i < b->procs.n; i++) {
		const struct proc_info *p = &b->procs.v[i], *old = procs_find(&a->procs, p->pid);
		char comm[320], cmd[1100], q[32], qb[32], fds[64], rate[32], ex[32];

		if (out_common_halted(f))
			goto out;
		if (!findings_proc_notable(c, p) && !out_common_pidset_has(&subj, p->pid))
			continue;
		if (old && old->start_ticks != p->start_ticks)
			old = NULL;	/* the pid was reused */
		if (!shown++)
			fputs("| PID | Command | Command line | FDs start | FDs end / limit | "
			      "FDs/h | Ghost sockets | Queued | Limit in |\n"
			      "|---:|---|---|---:|---:|---:|---:|---:|---:|\n", f);
		if (p->nfds >= 0 && p->fd_soft >= 0)
			snprintf(fds, sizeof(fds), "%d / %lld", (int)p->nfds, (long long)p->fd_soft);
		else if (p->nfds >= 0)
			snprintf(fds, sizeof(fds), "%d", (int)p->nfds);
		else
			snprintf(fds, sizeof(fds), "hidden");
		if (p->growth_known)
			snprintf(rate, sizeof(rate), "%+.0f", p->fd_growth_per_hour);
		else
			snprintf(rate, sizeof(rate), "-");
		if (p->exhaustion_s >= 0)
			units_duration_days(p->exhaustion_s, ex, sizeof(ex));
		else
			snprintf(ex, sizeof(ex), "-");
		fprintf(f, "| %d | %s | %s | ", (int)p->pid,
			out_markdown_cell(p->comm, comm, sizeof(comm)),
			p->cmdline ? out_markdown_cell(p->cmdline, cmd, sizeof(cmd)) : "-");
		if (old && old->nfds >= 0)
			fprintf(f, "%d", (int)old->nfds);
		else
			fputs(old ? "hidden" : "(started later)", f);
		fprintf(f, " | %s | %s | %s | %s | %s |\n", fds, rate,
			p->ghosts_known ? (snprintf(q, sizeof(q), "%d", (int)p->ghosts), q) : "?",
			units_size(p->queued, qb, sizeof(qb)), ex);
	}
	if (!shown)
		fputs("No process held ghost sockets, queued bytes or growing fds at the end "
		      "of the session.\n", f);
	fputc('\n', f);
	r = 0;
out:
	out_common_pidset_free(&subj);
	return r;
}

/* ---- the story ------------------------------------------------------------ */

/*
 * What the report prints from: the session's findings in the postmortem's
 * order, problems (numbered from 1), then notes (findings_is_note: numbered
 * on, never counted as problems), then brief conditions, and the session's
 * actions by target pid.
 */
struct md {
	FILE *f;
	const struct export_session *es;
	size_t *pos;		/* session indices: problems, notes, brief ones */
	size_t nprob, nnote, nbrief;
	size_t *num;		/* session index -> number (problems, then notes), 0: brief */
	size_t *acts;		/* event indices of actions, by target pid, then time */
	size_t nacts;
	int multi_day;		/* the session spans more than one day */
	const struct sample *last;	/* the session's last sample, or NULL */
};

/* A time of the session: hours, minutes and seconds (with the date when
 * the session spans days); the headline gives the date and zone. */
static char *md_time(const struct md *m, double t, char *out, size_t outsz)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0 || !localtime_r(&tt, &tm) ||
	    !strftime(out, outsz, m->multi_day ? "%Y-%m-%d %H:%M:%S" : "%H:%M:%S", &tm))
		snprintf(out, outsz, "-");
	return out;
}

/*
 * The postmortem ranks a problem as it was at its worst: the one order
 * rule (findings_cmp) on its worst occurrence, as if still open (a problem
 * that was over by the end happened all the same) and with its peak score.
 */
static void md_rank_of(const struct export_finding *ef, struct finding *out)
{
	*out = ef->f;
	if (out->state == FINDING_RESOLVED)
		out->state = FINDING_CONFIRMED;
	if (ef->peak_at)
		out->score = ef->peak_score;
}

static int md_pos_cmp(const void *a, const void *b, void *arg)
{
	const struct export_session *es = arg;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int bi = export_finding_brief(&es->findings[i]);
	int bj = export_finding_brief(&es->findings[j]);
	struct finding x, y;
	int c;

	if (bi != bj)
		return bi - bj;
	bi = findings_is_note(&es->findings[i].f);
	bj = findings_is_note(&es->findings[j].f);
	if (bi != bj)
		return bi - bj;
	md_rank_of(&es->findings[i], &x);
	md_rank_of(&es->findings[j], &y);
	c = findings_cmp(&x, &y);
	return c ? c : (i > j) - (i < j);
}

static int md_act_cmp(const void *a, const void *b, void *arg)
{
	const struct export_session *es = arg;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int pi = es->events[i].action->result.target.pid;
	int pj = es->events[j].action->result.target.pid;

	if (pi != pj)
		return pi < pj ? -1 : 1;
	return (i > j) - (i < j);	/* events are in time order */
}

static void md_free(struct md *m)
{
	free(m->pos);
	free(m->num);
	free(m->acts);
}

/* 0, or -1 with errno ENOMEM (md_free it either way). */
static int md_init(struct md *m, FILE *f, const struct export_session *es)
{
	size_t n = es->nfindings, i, k;
	time_t t0 = (time_t)es->start, t1 = (time_t)es->end;
	struct tm a, b;

	memset(m, 0, sizeof(*m));
	m->f = f;
	m->es = es;
	m->multi_day = localtime_r(&t0, &a) && localtime_r(&t1, &b) &&
		       (a.tm_yday != b.tm_yday || a.tm_year != b.tm_year);
	m->pos = reallocarray(NULL, n ? n : 1, sizeof(*m->pos));
	m->num = calloc(n ? n : 1, sizeof(*m->num));
	m->acts = reallocarray(NULL, es->nevents ? es->nevents : 1, sizeof(*m->acts));
	if (!m->pos || !m->num || !m->acts) {
		errno = ENOMEM;
		return -1;
	}
	for (i = 0; i < n; i++)
		m->pos[i] = i;
	qsort_r(m->pos, n, sizeof(*m->pos), md_pos_cmp, (void *)es);
	for (k = 0; k < n; k++) {
		if (export_finding_brief(&es->findings[m->pos[k]]))
			break;
		m->num[m->pos[k]] = k + 1;
		if (findings_is_note(&es->findings[m->pos[k]].f))
			m->nnote++;
	}
	m->nprob = k - m->nnote;
	m->nbrief = n - k;
	for (i = 0; i < es->nevents; i++)
		if (es->events[i].type == RECORD_EV_ACTION && es->events[i].action)
			m->acts[m->nacts++] = i;
	qsort_r(m->acts, m->nacts, sizeof(*m->acts), md_act_cmp, (void *)es);
	return 0;
}

/* The first of m->acts whose target is pid (m->nacts when none). */
static size_t md_acts_of(const struct md *m, int pid)
{
	size_t lo = 0, hi = m->nacts;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->es->events[m->acts[mid]].action->result.target.pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Does action r touch finding x's subject (its process, or its socket)? */
static int action_on(const struct actions_result *r, const struct finding *x)
{
	const struct actions_target *t = &r->target;

	if (x->pid < 0 || t->pid != x->pid)
		return 0;
	return !x->inode || !t->inode || t->inode == x->inode;
}

/* An action's complete command line (actions_kind_command) as a code span. */
static char *md_act_command(enum actions_kind kind, int pid, int fd, uint64_t inode, int yes,
			    char *out, size_t outsz)
{
	char cmd[200];

	return out_markdown_code(actions_kind_command(kind, pid, fd, inode, yes, cmd,
						      sizeof(cmd)), out, outsz);
}

/* The undo of the action event at ev, as a complete command line ("" when
 * it cannot be undone). */
static char *md_undo_command(const struct record_event *ev, char *out, size_t outsz)
{
	const struct actions_result *r = &ev->action->result;

	if (!r->can_undo || r->undo.kind == ACTIONS_NONE ||
	    (r->outcome != ACTIONS_DONE && r->outcome != ACTIONS_UNCERTAIN)) {
		out[0] = '\0';
		return out;
	}
	return md_act_command(r->undo.kind, r->target.pid, r->target.fd, r->target.inode, 1,
			      out, outsz);
}

/* The event that undid the action event at e (a later undo of the same
 * target, done), or NULL. */
static const struct record_event *md_undone_by(const struct md *m, size_t k)
{
	const struct record_event *e = &m->es->events[m->acts[k]];
	const struct actions_result *r = &e->action->result;
	size_t j;

	if (!r->can_undo)
		return NULL;
	for (j = k + 1; j < m->nacts; j++) {
		const struct record_event *u = &m->es->events[m->acts[j]];
		const struct actions_result *ur = &u->action->result;

		if (ur->target.pid != r->target.pid)
			break;
		if (ur->kind == r->undo.kind && ur->outcome == ACTIONS_DONE &&
		    ur->target.fd == r->target.fd)
			return u;
	}
	return NULL;
}

/*
 * One finding as a line: severity, "(suspected)", and its sentence.
 * Every place that names a finding (the headline, the summary, a problem's
 * heading, the brief conditions) prints it through here.
 */
static void md_finding_line(FILE *f, const struct export_finding *ef)
{
	const struct finding *x = &ef->f;
	char sentence[400], txt[2600];

	fprintf(f, "%s%s: %s", findings_severity_name(x->severity),
		findings_is_suspected(x) ? " (suspected)" : "",
		out_markdown_text(findings_summary(x, sentence, sizeof(sentence)), txt, sizeof(txt)));
}

/* Where a problem stands at the end, in a few words. */
static void md_end_state(const struct md *m, const struct export_finding *ef)
{
	char b[64];

	if (ef->resolved_at)
		fprintf(m->f, "over at %s", md_time(m, ef->resolved_at, b, sizeof(b)));
	else if (!ef->at_end)
		fprintf(m->f, "gone after %s", md_time(m, ef->last_seen, b, sizeof(b)));
	else if (ef->f.state == FINDING_MITIGATED)	/* "no effect" when it does not work */
		fprintf(m->f, "%s, still there at the end", findings_state_word(&ef->f));
	else
		fputs("still there at the end", m->f);
}

/* A finding's short name, for the timeline: its kind and subject. */
static void md_short_name(FILE *f, const struct finding *x)
{
	char who[200], txt[400];

	fputs(findings_kind_name(x->kind), f);
	if (findings_has_subject(x))
		fprintf(f, " of %s", out_markdown_text(findings_subject(x, who, sizeof(who)), txt,
						      sizeof(txt)));
}

/* ---- headline and summary ------------------------------------------------ */

static void md_headline(const struct md *m, const struct sample *first, const struct sample *last)
{
	const struct export_session *es = m->es;
	FILE *f = m->f;
	size_t k, n[3] = { 0, 0, 0 };
	char b1[64], b2[64], b3[32], notes[32];

	for (k = 0; k < m->nprob; k++)
		n[es->findings[m->pos[k]].f.severity % 3]++;
	units_duration(es->end - es->start, b3, sizeof(b3));
	if (!es->nsamples) {
		fputs("No samples: nothing to tell.\n\n", f);
		return;
	}
	/* the date once, the zone at the end: "2026-12-04 11:49:06 to
	 * 11:49:26 +0000" */
	when(es->start, b1, sizeof(b1));
	when(es->end, b2, sizeof(b2));
	if (!m->multi_day && strlen(b1) > 6 && strlen(b2) > 17) {
		b1[strlen(b1) - 6] = '\0';	/* " +0000" */
		memmove(b2, b2 + 11, strlen(b2 + 11) + 1);	/* "2026-12-04 " */
	}
	fprintf(f, "**%zu problem%s in %s** (%s to %s, %zu samples)", m->nprob,
		m->nprob == 1 ? "" : "s", b3, b1, b2, es->nsamples);
	/* notes (findings_is_note) are listed, never counted as problems:
	 * the header's and text's rule */
	snprintf(notes, sizeof(notes), "%zu note%s", m->nnote, m->nnote == 1 ? "" : "s");
	if (m->nprob) {
		const char *sep = ": ";

		static const enum finding_severity order[] = {
			FINDING_CRITICAL, FINDING_WARNING
		};

		for (k = 0; k < 2; k++) {
			if (!n[order[k]])
				continue;
			fprintf(f, "%s%zu %s", sep, n[order[k]], findings_severity_name(order[k]));
			sep = ", ";
		}
		if (m->nnote)
			fprintf(f, "; %s", notes);
		fputs(".  The worst: ", f);
		md_finding_line(f, &es->findings[m->pos[0]]);
		fputs(" (", f);
		md_end_state(m, &es->findings[m->pos[0]]);
		fputs(").\n\n", f);
	} else {
		fprintf(f, ": no socket queue grew unread, no process leaked fds or sockets%s%s%s.\n\n",
			m->nnote ? " (" : "", m->nnote ? notes : "", m->nnote ? ")" : "");
	}
	if (first && last) {
		char s1[32], s2[32], s3[32];

		fprintf(f, "Memory: sockets pinned %s at the end (%s over the session); ",
			units_size(last->mem.socket_queues, s1, sizeof(s1)),
			units_change(diff64(s64(last->mem.socket_queues),
					    s64(first->mem.socket_queues)), s3, sizeof(s3)));
		fprintf(f, "unaccounted kernel memory went from %s to %s (%s).\n\n",
			units_size_signed(first->mem.unaccounted, s1, sizeof(s1)),
			units_size_signed(last->mem.unaccounted, s2, sizeof(s2)),
			units_change(diff64(last->mem.unaccounted, first->mem.unaccounted), s3,
				     sizeof(s3)));
	}
	if (m->nbrief)
		fprintf(f, "%zu brief condition%s (seen for a moment, never confirmed, gone by "
			"the end) %s: see \"Brief conditions\".\n\n", m->nbrief,
			m->nbrief == 1 ? "" : "s",
			m->nbrief == 1 ? "is not counted as a problem" : "are not counted as problems");
}

static void md_machine(FILE *f, const struct export_session *es)
{
	const struct record_header *h = &es->hdr;
	char t[1600];

	fputs("| | |\n|---|---|\n", f);
	fprintf(f, "| Machine | %s", out_markdown_cell(h->host, t, sizeof(t)));
	fprintf(f, " (%s) |\n", out_markdown_cell(h->machine[0] ? h->machine : "?", t, sizeof(t)));
	fprintf(f, "| Kernel | %s |\n", out_markdown_cell(h->kernel, t, sizeof(t)));
	fprintf(f, "| Boot id | %s |\n", out_markdown_cell(h->boot_id[0] ? h->boot_id : "-",
						     t, sizeof(t)));
	fprintf(f, "| Source | %s |\n", out_markdown_cell(es->source ? es->source : "live",
						    t, sizeof(t)));
	fprintf(f, "| leaktop | %s |\n", out_markdown_cell(h->version, t, sizeof(t)));
	if (h->samples_dropped)
		fprintf(f, "| Dropped | %" PRIu64 " older samples (--record-max-size) |\n",
			h->samples_dropped);
	fputc('\n', f);
}

#define MD_SUMMARY_MAX 10

static int md_summary(const struct md *m)
{
	FILE *f = m->f;
	size_t k;

	fputs("## Summary\n\n", f);
	if (!m->nprob) {
		if (m->nnote)
			fprintf(f, "No problems; %zu note%s under \"Notes\".\n\n", m->nnote,
				m->nnote == 1 ? "" : "s");
		else
			fputs("No problems.\n\n", f);
		return 0;
	}
	fputs("The problems, most harmful first:\n\n", f);
	for (k = 0; k < m->nprob && k < MD_SUMMARY_MAX; k++) {
		const struct export_finding *ef = &m->es->findings[m->pos[k]];

		if (out_common_halted(f))
			return -1;
		fprintf(f, "%zu. ", k + 1);
		md_finding_line(f, ef);
		fputs(" (", f);
		md_end_state(m, ef);
		fputs(")\n", f);
	}
	if (m->nprob > MD_SUMMARY_MAX)
		fprintf(f, "\nand %zu more under \"Problems\".\n", m->nprob - MD_SUMMARY_MAX);
	if (m->nnote)
		fprintf(f, "\n%zu note%s under \"Notes\".\n", m->nnote, m->nnote == 1 ? "" : "s");
	fputc('\n', f);
	return 0;
}

/* ---- one problem ----------------------------------------------------------- */

/* Causes and consequences among the session's findings (skipped for a
 * session with very many: the links are a pairwise rule). */
static void md_links(const struct md *m, size_t i)
{
	const struct export_session *es = m->es;
	const struct export_finding *a = &es->findings[i];
	char id[16];
	size_t j;

	if (es->nfindings > 512)
		return;
	for (j = 0; j < es->nfindings; j++) {
		const struct finding *b = &es->findings[j].f;
		struct finding pair[2];
		size_t ix;
		int cause;

		if (j == i || !m->num[j])
			continue;
		pair[0] = a->f;
		pair[1] = *b;
		pair[0].state = pair[1].state = FINDING_CONFIRMED;
		if (findings_links(pair, 2, 0, 0, &ix, 1))
			cause = 1;
		else if (findings_links(pair, 2, 0, 1, &ix, 1))
			cause = 0;
		else
			continue;
		fprintf(m->f, "- %s problem %zu, `%s`: ", cause ? "caused by" : "leads to",
			m->num[j], findings_id(b, id, sizeof(id)));
		md_short_name(m->f, b);
		fputc('\n', m->f);
	}
}

/* How it grew: the figures when first seen, at the peak and when last seen
 * open (each once: the peak is left out when it is the first or the last). */
static void md_growth(const struct md *m, const struct export_finding *ef)
{
	FILE *f = m->f;
	char b[64], txt[1600];

	if (!ef->last_open_at || !ef->ev_last[0])
		return;
	if (ef->last_open_at == ef->first_seen) {
		fprintf(f, "- figures, %s: %s\n", md_time(m, ef->first_seen, b, sizeof(b)),
			out_markdown_text(ef->ev_first, txt, sizeof(txt)));
		return;
	}
	fputs("- how it grew:\n", f);
	fprintf(f, "  - first, %s: %s\n", md_time(m, ef->first_seen, b, sizeof(b)),
		out_markdown_text(ef->ev_first, txt, sizeof(txt)));
	if (ef->peak_at != ef->first_seen && ef->peak_at != ef->last_open_at)
		fprintf(f, "  - peak, %s: %s\n", md_time(m, ef->peak_at, b, sizeof(b)),
			out_markdown_text(ef->ev_peak, txt, sizeof(txt)));
	fprintf(f, "  - last, %s: %s\n", md_time(m, ef->last_open_at, b, sizeof(b)),
		out_markdown_text(ef->ev_last, txt, sizeof(txt)));
}

/* What was done: the actions on its subject, each with its outcome and
 * the complete undo command (or when it was undone); else the safe action. */
static void md_done(const struct md *m, const struct export_finding *ef)
{
	const struct finding *x = &ef->f;
	FILE *f = m->f;
	char b[64], txt[1200], cmd[256];
	size_t k, n = 0;

	for (k = x->pid >= 0 ? md_acts_of(m, x->pid) : m->nacts; k < m->nacts; k++) {
		const struct record_event *e = &m->es->events[m->acts[k]], *u;
		const struct actions_result *r = &e->action->result;

		if (r->target.pid != x->pid)
			break;
		if (!action_on(r, x))
			continue;
		if (!n++)
			fputs("- what was done:\n", f);
		fprintf(f, "  - %s `%s`: %s", md_time(m, e->time, b, sizeof(b)),
			actions_kind_name(r->kind), actions_outcome_name(r->outcome));
		if (r->outcome == ACTIONS_DONE ? r->message[0] : r->reason[0])
			fprintf(f, ", %s", out_markdown_text(r->outcome == ACTIONS_DONE ? r->message :
							     r->reason, txt, sizeof(txt)));
		if ((u = md_undone_by(m, k)))
			fprintf(f, "; undone at %s", md_time(m, u->time, b, sizeof(b)));
		else if (*md_undo_command(e, cmd, sizeof(cmd)))
			fprintf(f, "; undo: %s", cmd);
		fputc('\n', f);
	}
	if (!n && ef->mitigated_at && ef->mit_kind) {
		/* taken by a leaktop --act this recording did not see */
		enum actions_kind undo = actions_kind_undo((enum actions_kind)ef->mit_kind);

		fprintf(f, "- what was done: `%s` at %s, outside this session (leaktop --act)",
			actions_kind_name((enum actions_kind)ef->mit_kind),
			md_time(m, ef->mitigated_at, b, sizeof(b)));
		if (undo != ACTIONS_NONE && !ef->mit_ended && x->pid >= 0)
			fprintf(f, "; undo: %s",
				md_act_command(undo, x->pid, x->fd, x->inode, 1, cmd, sizeof(cmd)));
		fputc('\n', f);
	} else if (!n && x->action) {
		fprintf(f, "- what was done: nothing by leaktop; the safe action: %s\n",
			md_act_command((enum actions_kind)x->action, x->pid, x->fd, 0, 0, cmd,
				       sizeof(cmd)));
	}
	if (ef->mitigated_at && ef->mit_kind) {
		fprintf(f, "- mitigated by `%s` at %s: %s",
			actions_kind_name((enum actions_kind)ef->mit_kind),
			md_time(m, ef->mitigated_at, b, sizeof(b)),
			out_markdown_text(ef->mit_note, txt, sizeof(txt)));
		if (ef->mit_ended)
			fprintf(f, "; no longer in place from %s",
				md_time(m, ef->mit_ended, b, sizeof(b)));
		fputc('\n', f);
	}
}

/* What to do next, as a list; extra (may be NULL) is one more step. */
static void md_next_steps(FILE *f, const struct finding *x, const char *extra)
{
	char steps[2048], txt[2600], *p, *nl;

	if (!findings_next_steps(x, steps, sizeof(steps)) && !extra)
		return;
	fputs("Next steps:\n\n", f);
	for (p = steps; *p; p = nl ? nl + 1 : p + strlen(p)) {
		nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		fprintf(f, "1. %s\n", out_markdown_text(p, txt, sizeof(txt)));
	}
	if (extra)
		fprintf(f, "1. %s\n", out_markdown_text(extra, txt, sizeof(txt)));
	fputc('\n', f);
}

/* Where the problem's sockets were created (leaktop/origin.h), from the
 * last sample: one item per path, with its frames, and the rest. */
static void md_origin(FILE *f, const struct sample *last, const struct origin_summary *sum)
{
	const struct origin_path *p;
	char words[640], txt[2600];
	uint32_t g, k;

	fputs("Where its sockets were created:\n\n", f);
	for (g = 0; g < sum->ngroups; g++) {
		p = origin_path(last->origin, sum->groups[g].path);
		if (!p)
			continue;
		origin_group_words(last->origin, sum, &sum->groups[g], words, sizeof(words));
		fprintf(f, "- %s\n\n", out_markdown_text(words, txt, sizeof(txt)));
		fputs("  ```\n", f);
		for (k = 0; k < p->nframes; k++) {
			origin_frame_words(&p->frames[k], words, sizeof(words));
			/* a fence inside the block cannot end it: no backticks */
			for (char *c = words; *c; c++)
				if (*c == '`')
					*c = '\'';
			fprintf(f, "  #%u %s%s%s\n", k, words,
				p->frames[k].build_id[0] ? " build-id " : "", p->frames[k].build_id);
		}
		fputs("  ```\n\n", f);
		if (!p->frames[origin_path_first(p)].function[0]) {
			origin_addr2line(&p->frames[origin_path_first(p)], words, sizeof(words));
			fprintf(f, "  No symbols in the program: run %s against its debug "
				"files.\n\n", out_markdown_code(words, txt, sizeof(txt)));
		}
	}
	origin_rest_words(sum, words, sizeof(words));
	if (words[0])
		fprintf(f, "- %s\n\n", out_markdown_text(words, txt, sizeof(txt)));
}

/* A problem's story: when it started, how it grew, what was done, where
 * it stands at the end, why it matters and what to do next. */
static void md_problem(const struct md *m, size_t k)
{
	size_t i = m->pos[k];
	const struct export_finding *ef = &m->es->findings[i];
	const struct finding *x = &ef->f;
	const struct origin_summary *sum;
	FILE *f = m->f;
	char b1[64], b2[64], txt[2600];

	fprintf(f, "### %zu. ", k + 1);
	md_finding_line(f, ef);
	fputs("\n\n", f);
	fprintf(f, "- `%s`", findings_kind_name(x->kind));
	if (x->pid >= 0)
		fprintf(f, ", process %d %s", (int)x->pid,
			out_markdown_text(x->comm, txt, sizeof(txt)));
	if (x->fd >= 0)
		fprintf(f, " fd %d", (int)x->fd);
	if (x->inode)
		fprintf(f, ", socket inode %" PRIu64, x->inode);
	fprintf(f, "; id `%s`\n", findings_id(x, b1, sizeof(b1)));
	if (x->nmembers)	/* one row per problem (findings_group) */
		fprintf(f, "- members: %u, %s in total, the worst fd %d (%s)\n",
			(unsigned)x->nmembers, units_size(x->bytes, b1, sizeof(b1)),
			(int)x->worst_fd, units_size(x->worst_bytes, b2, sizeof(b2)));
	fprintf(f, "- started %s", md_time(m, ef->first_seen, b1, sizeof(b1)));
	if (ef->confirmed_at)
		fprintf(f, ", confirmed %s", md_time(m, ef->confirmed_at, b1, sizeof(b1)));
	if (ef->first_severity != x->severity)
		fprintf(f, "; %s at first, %s from %s",
			findings_severity_name((enum finding_severity)ef->first_severity),
			findings_severity_name((enum finding_severity)x->severity),
			md_time(m, ef->worst_at, b2, sizeof(b2)));
	fputc('\n', f);
	md_growth(m, ef);
	md_links(m, i);
	md_done(m, ef);
	fputs("- outcome: ", f);
	md_end_state(m, ef);
	fprintf(f, " (seen in %u sample%s)\n\n", ef->samples, ef->samples == 1 ? "" : "s");
	if (x->explanation[0])
		fprintf(f, "%s\n\n", out_markdown_block(x->explanation, txt, sizeof(txt)));
	sum = m->last ? origin_summary_of(m->last->origin, x) : NULL;
	if (sum)
		md_origin(f, m->last, sum);
	md_next_steps(f, x, origin_next_step(sum));
}

static int md_problems(const struct md *m)
{
	size_t k;

	for (k = 0; k < m->nprob + m->nnote; k++) {
		if (out_common_halted(m->f))
			return -1;
		if (k == 0 && m->nprob)
			fputs("## Problems\n\n", m->f);
		if (k == m->nprob)
			fputs("## Notes\n\n"
			      "Info findings: listed, numbered on, not counted as problems.\n\n",
			      m->f);
		md_problem(m, k);
	}
	return 0;
}

/* ---- the timeline ---------------------------------------------------------- */

/* What happened when, each event once.  The order of kinds is the order
 * of events at the same second. */
enum md_ev { EV_START, EV_WORSE, EV_ACTION, EV_MITIGATED, EV_NOTE, EV_MIT_ENDED, EV_OVER };

struct md_entry {
	double time;
	uint8_t kind;		/* enum md_ev */
	size_t i;		/* a session finding, or an event */
	size_t seq;		/* the problem number, or the event index */
};

static int md_entry_cmp(const void *a, const void *b)
{
	const struct md_entry *x = a, *y = b;
	long long tx = (long long)x->time, ty = (long long)y->time;

	if (tx != ty)
		return tx < ty ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

/* Lines at one second that say the same of several problems are one line:
 * "problems 4, 5 and 6 started"; at most this many numbers are named. */
#define MD_TIMELINE_NAMES 12

static void md_entry_problems(const struct md *m, const struct md_entry *v, size_t n)
{
	FILE *f = m->f;
	size_t j;

	if (n == 1) {
		fprintf(f, "problem %zu, ", v[0].seq);
		md_short_name(f, &m->es->findings[v[0].i].f);
		return;
	}
	fputs("problems ", f);
	for (j = 0; j < n && j < MD_TIMELINE_NAMES; j++)
		fprintf(f, "%s%zu", !j ? "" : j + 1 == n ? " and " : ", ", v[j].seq);
	if (n > MD_TIMELINE_NAMES)
		fprintf(f, " and %zu more", n - MD_TIMELINE_NAMES);
}

static void md_entry_line(const struct md *m, const struct md_entry *v, size_t n)
{
	const struct export_session *es = m->es;
	/* v[0].i is a finding's index, or an event's for actions and notes:
	 * no pointer into the findings for those (there may be none) */
	int of_event = v[0].kind == EV_ACTION || v[0].kind == EV_NOTE;
	const struct export_finding *ef = of_event ? NULL : &es->findings[v[0].i];
	FILE *f = m->f;
	char b[64], txt[1600], cmd[256];

	fprintf(f, "- %s ", md_time(m, v[0].time, b, sizeof(b)));
	switch ((enum md_ev)v[0].kind) {
	case EV_START:
		fprintf(f, "%s started: ",
			findings_severity_name((enum finding_severity)ef->first_severity));
		md_entry_problems(m, v, n);
		break;
	case EV_WORSE:
		fprintf(f, "became %s: ", findings_severity_name(ef->f.severity));
		md_entry_problems(m, v, n);
		break;
	case EV_MITIGATED:
		fprintf(f, "mitigated by `%s`: ", actions_kind_name((enum actions_kind)ef->mit_kind));
		md_entry_problems(m, v, n);
		break;
	case EV_MIT_ENDED:
		fputs("mitigation no longer in place: ", f);
		md_entry_problems(m, v, n);
		break;
	case EV_OVER:
		fputs(ef->resolved_at ? "over, the condition is gone: " :
		      "last seen, then its process or socket was gone: ", f);
		md_entry_problems(m, v, n);
		break;
	case EV_NOTE:
		fprintf(f, "note: %s", out_markdown_text(es->events[v[0].i].note, txt, sizeof(txt)));
		break;
	case EV_ACTION: {
		const struct record_event *e = &es->events[v[0].i];
		const struct actions_result *r = &e->action->result;

		fprintf(f, "action `%s` on pid %d %s", actions_kind_name(r->kind), r->target.pid,
			out_markdown_text(r->target.comm, txt, sizeof(txt)));
		if (r->target.fd >= 0)
			fprintf(f, " fd %d", r->target.fd);
		fprintf(f, ": %s", actions_outcome_name(r->outcome));
		if (*md_undo_command(e, cmd, sizeof(cmd)))
			fprintf(f, "; undo: %s", cmd);
		break;
	}
	}
	fputc('\n', f);
}

static int md_timeline(const struct md *m)
{
	const struct export_session *es = m->es;
	struct md_entry *v;
	size_t n = 0, k, i, j, cap;
	int r = -1;

	if (m->nprob + m->nnote > (SIZE_MAX - es->nevents) / 6)
		return errno = ENOMEM, -1;
	cap = (m->nprob + m->nnote) * 6 + es->nevents;
	v = reallocarray(NULL, cap ? cap : 1, sizeof(*v));
	if (!v)
		return errno = ENOMEM, -1;
	for (k = 0; k < m->nprob + m->nnote; k++) {
		const struct export_finding *ef = &es->findings[m->pos[k]];
		struct md_entry e = { .i = m->pos[k], .seq = k + 1 };

		e.time = ef->first_seen, e.kind = EV_START, v[n++] = e;
		if (ef->first_severity != ef->f.severity)
			e.time = ef->worst_at, e.kind = EV_WORSE, v[n++] = e;
		if (ef->mitigated_at && ef->mit_kind)
			e.time = ef->mitigated_at, e.kind = EV_MITIGATED, v[n++] = e;
		if (ef->mitigated_at && ef->mit_kind && ef->mit_ended)
			e.time = ef->mit_ended, e.kind = EV_MIT_ENDED, v[n++] = e;
		if (ef->resolved_at || !ef->at_end)
			e.time = ef->resolved_at ? ef->resolved_at : ef->last_seen, e.kind = EV_OVER,
			v[n++] = e;
	}
	for (i = 0; i < es->nevents; i++) {
		const struct record_event *ev = &es->events[i];
		struct md_entry e = { .time = ev->time, .i = i, .seq = i };

		if (ev->type == RECORD_EV_NOTE && ev->note)
			e.kind = EV_NOTE, v[n++] = e;
		else if (ev->type == RECORD_EV_ACTION && ev->action)
			e.kind = EV_ACTION, v[n++] = e;
	}
	qsort(v, n, sizeof(*v), md_entry_cmp);

	fputs("## Timeline\n\n", m->f);
	if (!n)
		fputs("Nothing happened.\n", m->f);
	for (k = 0; k < n; k = j) {
		if (out_common_halted(m->f))
			goto out;
		/* the same kind of problem event in the same second: one line */
		for (j = k + 1; j < n && v[k].kind != EV_NOTE && v[k].kind != EV_ACTION &&
		     v[j].kind == v[k].kind && (long long)v[j].time == (long long)v[k].time &&
		     (v[k].kind != EV_WORSE ||
		      es->findings[v[j].i].f.severity == es->findings[v[k].i].f.severity) &&
		     (v[k].kind != EV_START ||
		      es->findings[v[j].i].first_severity == es->findings[v[k].i].first_severity) &&
		     (v[k].kind != EV_MITIGATED ||
		      es->findings[v[j].i].mit_kind == es->findings[v[k].i].mit_kind) &&
		     (v[k].kind != EV_OVER ||
		      !es->findings[v[j].i].resolved_at == !es->findings[v[k].i].resolved_at);
		     j++)
			;
		md_entry_line(m, v + k, j - k);
	}
	fputc('\n', m->f);
	r = 0;
out:
	free(v);
	return r;
}

/* ---- brief conditions -------------------------------------------------------- */

#define MD_BRIEF_MAX 20

static int md_brief(const struct md *m)
{
	FILE *f = m->f;
	size_t k;
	char b[64];

	if (!m->nbrief)
		return 0;
	fputs("## Brief conditions\n\n", f);
	fprintf(f, "Seen for a moment and gone before they were confirmed: not problems, "
		"listed so that nothing seen is hidden.\n\n");
	for (k = 0; k < m->nbrief && k < MD_BRIEF_MAX; k++) {
		const struct export_finding *ef = &m->es->findings[m->pos[m->nprob + m->nnote + k]];

		if (out_common_halted(f))
			return -1;
		fprintf(f, "- %s, %u sample%s: ", md_time(m, ef->first_seen, b, sizeof(b)),
			ef->samples, ef->samples == 1 ? "" : "s");
		md_finding_line(f, ef);
		fputc('\n', f);
	}
	if (m->nbrief > MD_BRIEF_MAX)
		fprintf(f, "- and %zu more\n", m->nbrief - MD_BRIEF_MAX);
	fputc('\n', f);
	return 0;
}

/* ---- the appendix: actions in detail ------------------------------------------ */

static void md_figures(FILE *f, const struct actions_figures *g)
{
	char b[256];

	fputs(units_figures(g, UNITS_FIGURES_NOTE, b, sizeof(b)), f);
}

static int md_actions(const struct md *m)
{
	const struct export_session *es = m->es;
	FILE *f = m->f;
	size_t i, n = 0;
	char b[64], t1[1200], t2[1200], cmd[256];

	fputs("## Appendix: actions\n\n", f);
	for (i = 0; i < es->nevents; i++) {
		const struct record_action *a = es->events[i].action;
		const struct actions_result *r;

		if (out_common_halted(f))
			return -1;
		if (es->events[i].type != RECORD_EV_ACTION || !a)
			continue;
		r = &a->result;
		n++;
		fprintf(f, "### %s: %s on pid %d %s", md_time(m, es->events[i].time, b, sizeof(b)),
			actions_kind_name(r->kind), r->target.pid,
			out_markdown_text(r->target.comm, t1, sizeof(t1)));
		if (r->target.fd >= 0)
			fprintf(f, " fd %d", r->target.fd);
		fprintf(f, " (%s)\n\n", actions_outcome_name(r->outcome));
		fprintf(f, "- by: %s", out_markdown_text(a->user, t1, sizeof(t1)));
		if (a->login[0])
			fprintf(f, " (login %s)", out_markdown_text(a->login, t2, sizeof(t2)));
		fputc('\n', f);
		if (r->target.inode)
			fprintf(f, "- socket: %s inode %" PRIu64 ", local %s\n",
				out_markdown_text(r->target.proto, t2, sizeof(t2)), r->target.inode,
				out_markdown_text(r->target.local, t1, sizeof(t1)));
		fputs("- before: ", f);
		md_figures(f, &r->before);
		fputs("\n- after: ", f);
		md_figures(f, &r->after);
		fputc('\n', f);
		if (r->message[0])
			fprintf(f, "- result: %s\n", out_markdown_text(r->message, t1, sizeof(t1)));
		if (r->reason[0])
			fprintf(f, "- reason: %s\n", out_markdown_text(r->reason, t1, sizeof(t1)));
		if (r->warning[0])
			fprintf(f, "- warning: %s\n", out_markdown_text(r->warning, t1, sizeof(t1)));
		if (*md_undo_command(&es->events[i], cmd, sizeof(cmd)))
			fprintf(f, "- undo: %s\n", cmd);
		fputc('\n', f);
	}
	if (!n)
		fputs("No action was taken in this session.\n\n", f);
	return 0;
}

/*
 * The report, as a story: the headline (what happened, the worst first,
 * the time span), the machine, the problems in order of impact (each with
 * when it started, how it grew, what was done and what to do next), the
 * timeline of every event and note once, the brief conditions, then the
 * appendix's tables.
 */
/* The services (cgroups) of the last sample that hold socket memory or a
 * finding, in the sample's order (a tree: a parent, whose figures are its
 * subtree's, before its children), with the kernel's figure beside ours. */
static void md_services(FILE *f, const struct sample *last)
{
	char t[400], b1[32], b2[32], b3[32];
	size_t i, n = 0;
	unsigned d;

	for (i = 0; i < last->cgroups.n && n < 10; i++) {
		const struct sample_cgroup *g = &last->cgroups.v[i];

		if (!g->mem && !g->nfindings)
			continue;
		if (!n++)
			fputs("## Services involved\n\n| Service | Cgroup | Socket memory | "
			      "Kernel's figure | Waiting | Findings |\n|---|---|---:|---|---:|---:|\n",
			      f);
		/* the tree, as the text table and the Services pane show it: a
		 * child under its parent, one step in (a cell's leading
		 * spaces are dropped, an em space is not) */
		fputs("| ", f);
		for (d = 1; d < g->depth && d < 8; d++)
			fputs("\u2003", f);
		fprintf(f, "%s%s", g->depth ? "\u21b3 " : "",
			out_markdown_text(sample_cgroup_tree_label(g), t, sizeof(t)));
		fprintf(f, " | %s | %s | %s | %s | %u |\n", out_markdown_text(g->path, t, sizeof(t)),
			units_size(g->mem, b1, sizeof(b1)),
			cgroup_acct_counts(g->kernel.acct) ? units_size(g->kernel.bytes, b2, sizeof(b2)) :
			cgroup_acct_words(g->kernel.acct),
			units_size(g->queued, b3, sizeof(b3)), g->nfindings);
	}
	if (n)
		fputc('\n', f);
}

static int md_write(FILE *f, const struct export_session *es, const struct sample *first,
		    const struct sample *last, const struct findings_config *c)
{
	const struct record_header *h = &es->hdr;
	struct md m;
	char t[1600];
	int r = -1;

	if (out_common_halted(f))
		return -1;
	if (md_init(&m, f, es) < 0)
		goto out;
	m.last = last;
	fprintf(f, "# leaktop postmortem: %s\n\n", out_markdown_text(h->host, t, sizeof(t)));
	md_headline(&m, first, last);
	md_machine(f, es);
	if (md_summary(&m) < 0 || md_problems(&m) < 0 || md_timeline(&m) < 0 ||
	    md_brief(&m) < 0)
		goto out;
	if (first && last) {
		md_memory(f, first, last);
		if (md_sockets(f, first, last) < 0 || md_processes(f, first, last, c) < 0)
			goto out;
		md_services(f, last);
	} else {
		fputs("No samples.\n\n", f);
	}
	if (md_actions(&m) < 0)
		goto out;
	r = ferror(f) ? -1 : 0;
out:
	md_free(&m);
	return r;
}

int out_markdown_write(FILE *f, const struct export_session *es,
		       const struct sample *first, const struct sample *last)
{
	return md_write(f, es, first, last, NULL);
}

static int markdown_end(FILE *f, const struct out_session *ss, const struct out_args *a)
{
	return md_write(f, ss->es, ss->first, ss->last, a ? a->thresholds : NULL);
}

const struct out_sink out_markdown_sink = {
	.name = "markdown",
	.keep = OUT_KEEP_FIRST_LAST,
	.end = markdown_end,
};
