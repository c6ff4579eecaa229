/*
 * Unit tests of the whole-session sinks (core/out_markdown.c and
 * core/out_prom.c, over core/export.c's session): the Markdown postmortem
 * names the leaker (pid, command, socket) and carries findings, actions
 * and notes with hostile text escaped; the Prometheus output passes a
 * strict parser of the text exposition format (metric and label names,
 * label value escapes, UTF-8, HELP/TYPE once and before the samples, one
 * family's samples together, no duplicate series, counters named _total, no
 * timestamps).  bt_record.sh also runs promtool when it is installed.
 * A duplicated finding is reported once, as the session's rule picks it;
 * a hostile number of findings, sockets and processes exports in
 * reasonable time; a stop request interrupts an export.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_suites.h"
#include "leaktop/export.h"
#include "leaktop/out.h"

Suite *export_suite(void);
void check_record_mk_sample(struct sample *s, unsigned seq, unsigned variant);

static char *capture_prom(const struct sample *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(out_prom_write_default(f, s), 0);
	fclose(f);
	return buf;
}

/* ---- a strict parser of the text exposition format (0.0.4) ---------------- */

struct family {
	char name[128], type[16];
	int help, done;
};

struct prom {
	struct family fam[64];
	int nfam, cur;		/* cur: family whose samples are being read */
	char **series;
	size_t nseries;
	char err[256];
};

static int name_ok(const char *p, size_t n, int metric)
{
	size_t i;

	if (!n)
		return 0;
	for (i = 0; i < n; i++) {
		int c = (unsigned char)p[i];

		if (!(isalpha(c) || c == '_' || (metric && c == ':') || (i && isdigit(c))))
			return 0;
	}
	return 1;
}

static int utf8_ok(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint32_t cp;
		size_t l = lt_utf8_decode((const unsigned char *)s + i, n - i, &cp);

		if (!l)
			return 0;
		i += l;
	}
	return 1;
}

static struct family *fam_get(struct prom *p, const char *name, size_t n)
{
	int i;

	for (i = 0; i < p->nfam; i++)
		if (strlen(p->fam[i].name) == n && !strncmp(p->fam[i].name, name, n))
			return &p->fam[i];
	if (p->nfam == 64 || n >= sizeof(p->fam[0].name))
		return NULL;
	memset(&p->fam[p->nfam], 0, sizeof(p->fam[0]));
	memcpy(p->fam[p->nfam].name, name, n);
	return &p->fam[p->nfam++];
}

/* The family a sample name belongs to (summary/histogram suffixes aside). */
static struct family *fam_of_sample(struct prom *p, const char *name, size_t n)
{
	int i;

	for (i = 0; i < p->nfam; i++)
		if (strlen(p->fam[i].name) == n && !strncmp(p->fam[i].name, name, n))
			return &p->fam[i];
	return NULL;
}

static int perr(struct prom *p, int line, const char *what)
{
	snprintf(p->err, sizeof(p->err), "line %d: %s", line, what);
	return -1;
}

static int parse_comment(struct prom *p, int ln, const char *l)
{
	const char *name, *e;
	struct family *f;
	int help;

	if (strncmp(l, "# HELP ", 7) && strncmp(l, "# TYPE ", 7))
		return 0;	/* a plain comment */
	help = l[2] == 'H';
	name = l + 7;
	e = strchr(name, ' ');
	if (!e || !name_ok(name, (size_t)(e - name), 1))
		return perr(p, ln, "bad metric name in HELP/TYPE");
	f = fam_get(p, name, (size_t)(e - name));
	if (!f)
		return perr(p, ln, "too many families");
	if (f->done)
		return perr(p, ln, "HELP/TYPE after the family's samples");
	if (help) {
		const char *q;

		if (f->help++)
			return perr(p, ln, "second HELP");
		for (q = e + 1; *q; q++)
			if (*q == '\\' && q[1] != '\\' && q[1] != 'n')
				return perr(p, ln, "bad escape in HELP");
			else if (*q == '\\')
				q++;
		if (!utf8_ok(e + 1, strlen(e + 1)))
			return perr(p, ln, "HELP not UTF-8");
	} else {
		static const char *const types[] = { "counter", "gauge", "histogram",
						     "summary", "untyped" };
		size_t i;

		if (f->type[0])
			return perr(p, ln, "second TYPE");
		for (i = 0; i < 5; i++)
			if (!strcmp(e + 1, types[i]))
				break;
		if (i == 5)
			return perr(p, ln, "unknown TYPE");
		snprintf(f->type, sizeof(f->type), "%s", e + 1);
		if (!strcmp(f->type, "counter") &&
		    (strlen(f->name) < 6 || strcmp(f->name + strlen(f->name) - 6, "_total")))
			return perr(p, ln, "counter not named _total");
	}
	return 0;
}

static int parse_sample(struct prom *p, int ln, const char *l)
{
	const char *q = l, *name = l, *vs;
	char key[4096], *end;
	size_t kn = 0, nlen, i;
	struct family *f;
	double v;

	while (*q && *q != '{' && *q != ' ')
		q++;
	nlen = (size_t)(q - name);
	if (!name_ok(name, nlen, 1))
		return perr(p, ln, "bad metric name");
	f = fam_of_sample(p, name, nlen);
	if (!f || !f->type[0] || !f->help)
		return perr(p, ln, "sample without HELP and TYPE before it");
	if (p->cur >= 0 && &p->fam[p->cur] != f) {
		p->fam[p->cur].done = 1;
		if (f->done)
			return perr(p, ln, "family's samples not together");
	}
	p->cur = (int)(f - p->fam);
	kn = (size_t)snprintf(key, sizeof(key), "%.*s", (int)nlen, name);
	if (*q == '{') {
		q++;
		while (*q != '}') {
			const char *ln0 = q, *vstart;

			while (*q && *q != '=')
				q++;
			if (*q != '=' || !name_ok(ln0, (size_t)(q - ln0), 0) ||
			    (q - ln0 >= 2 && ln0[0] == '_' && ln0[1] == '_'))
				return perr(p, ln, "bad label name");
			q++;
			if (*q++ != '"')
				return perr(p, ln, "label value not quoted");
			vstart = q;
			while (*q && *q != '"') {
				if ((unsigned char)*q < 0x20)
					return perr(p, ln, "control character in a label value");
				if (*q == '\\') {
					if (q[1] != '\\' && q[1] != '"' && q[1] != 'n')
						return perr(p, ln, "bad escape in a label value");
					q++;
				}
				q++;
			}
			if (*q != '"')
				return perr(p, ln, "unterminated label value");
			if (!utf8_ok(vstart, (size_t)(q - vstart)))
				return perr(p, ln, "label value not UTF-8");
			kn += (size_t)snprintf(key + kn, sizeof(key) - kn, "|%.*s",
					       (int)(q - ln0), ln0);
			if (kn >= sizeof(key))
				return perr(p, ln, "labels too long");
			q++;
			if (*q == ',')
				q++;
			else if (*q != '}')
				return perr(p, ln, "expected , or }");
		}
		q++;
	}
	if (*q++ != ' ')
		return perr(p, ln, "expected a space before the value");
	vs = q;
	if (!strcmp(vs, "NaN") || !strcmp(vs, "+Inf") || !strcmp(vs, "-Inf"))
		v = 0;
	else {
		errno = 0;
		v = strtod(vs, &end);
		if (end == vs || *end)
			return perr(p, ln, *end == ' ' ? "timestamp present" : "bad value");
		if (!isfinite(v))
			return perr(p, ln, "bad value");
	}
	if (!strcmp(f->type, "counter") && v < 0)
		return perr(p, ln, "negative counter");
	for (i = 0; i < p->nseries; i++)
		if (!strcmp(p->series[i], key))
			return perr(p, ln, "duplicate series");
	p->series = realloc(p->series, (p->nseries + 1) * sizeof(*p->series));
	ck_assert_ptr_nonnull(p->series);
	p->series[p->nseries++] = strdup(key);
	return 0;
}

/* 0 if text is valid exposition format; else -1 with p->err. */
static int prom_check(struct prom *p, const char *text)
{
	char *copy = strdup(text), *line, *save = NULL;
	int ln = 0, r = 0;
	size_t n = strlen(text);

	memset(p, 0, sizeof(*p));
	p->cur = -1;
	ck_assert_ptr_nonnull(copy);
	if (n && text[n - 1] != '\n')
		r = perr(p, 0, "no final newline");
	for (line = strtok_r(copy, "\n", &save); line && !r; line = strtok_r(NULL, "\n", &save)) {
		ln++;
		if (!*line)
			continue;
		if (line[0] == '#')
			r = parse_comment(p, ln, line);
		else
			r = parse_sample(p, ln, line);
	}
	free(copy);
	return r;
}

static void prom_free(struct prom *p)
{
	size_t i;

	for (i = 0; i < p->nseries; i++)
		free(p->series[i]);
	free(p->series);
}

/* ---- tests ---------------------------------------------------------------------- */

START_TEST(test_prom_parser_catches)
{
	static const char *const bad[] = {
		"x 1\n",						/* no TYPE */
		"# HELP x h\n# TYPE x gauge\nx{a=\"b\"} 1 1700000000\n",	/* timestamp */
		"# HELP x h\n# TYPE x gauge\nx{a=\"\\q\"} 1\n",		/* bad escape */
		"# HELP x h\n# TYPE x gauge\nx{a=\"b\"} 1\nx{a=\"b\"} 2\n",	/* duplicate */
		"# HELP x h\n# TYPE x counter\nx 1\n",			/* counter name */
		"# HELP x h\n# TYPE x gauge\n# HELP y h\n# TYPE y gauge\nx 1\ny 1\nx{a=\"c\"} 1\n",
		"# HELP 1x h\n# TYPE 1x gauge\n1x 1\n",			/* name */
		"# HELP x h\n# TYPE x gauge\nx{a=\"\xff\"} 1\n",		/* UTF-8 */
		"# HELP x h\n# TYPE x gauge\nx{a-b=\"c\"} 1\n",		/* label name */
	};
	struct prom p;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(prom_check(&p, bad[i]) < 0, "case %zu passed", i);
		prom_free(&p);
	}
	ck_assert_int_eq(prom_check(&p, "# HELP x a \\\\ b\n# TYPE x gauge\nx{a=\"\\\"\\n\"} 1.5e3\n"
				     "x{a=\"b\"} NaN\n"), 0);
	prom_free(&p);
}
END_TEST

START_TEST(test_prom_label_escape)
{
	char out[256];

	/* lt_sanitize doubles a backslash (unambiguous), then both are escaped */
	ck_assert_str_eq(out_prom_label("a\"b\\c", out, sizeof(out)), "a\\\"b\\\\\\\\c");
	/* control characters become visible escapes, whose backslash is escaped */
	ck_assert_str_eq(out_prom_label("x\ny\x1b", out, sizeof(out)),
			 "x\\\\ny\\\\x1b");
	ck_assert_str_eq(out_prom_label("bad\xff", out, sizeof(out)), "bad\\\\xff");
	out_prom_label("\"\"\"\"\"\"\"\"\"\"", out, 8);
	ck_assert_str_eq(out, "\\\"\\\"\\\"");	/* never cut inside an escape */
}
END_TEST

/* The synthetic samples (hostile names everywhere) export valid text. */
START_TEST(test_prom_valid)
{
	unsigned seq;

	for (seq = 1; seq <= 6; seq++) {
		struct sample s;
		struct prom p;
		char *out;

		check_record_mk_sample(&s, seq, seq);
		out = capture_prom(&s);
		ck_assert_msg(prom_check(&p, out) == 0, "seq %u: %s\n%s", seq, p.err, out);
		if (seq > 1) {
			ck_assert_ptr_nonnull(strstr(out, "leaktop_socket_recv_queue_bytes{netns="
						     "\"4026531840\",inode=\"1007\""));
			ck_assert_ptr_nonnull(strstr(out, "comm=\"leak_udp\""));
			ck_assert_ptr_nonnull(strstr(out, "leaktop_finding{kind=\"unread_queue\""));
		}
		ck_assert_ptr_nonnull(strstr(out, "leaktop_memory_bytes{part=\"unaccounted\"}"));
		ck_assert_ptr_nonnull(strstr(out, "leaktop_process_ghost_sockets{pid=\"101\","
					     "comm=\"evil\\\\x1b[31m|`*_<b>\"}"));
		prom_free(&p);
		free(out);
		sample_release(&s);
	}
}
END_TEST

/* A rate is a float (struct sock_rate): the exposition shows its digits,
 * not its binary tail. */
START_TEST(test_prom_rate_digits)
{
	struct sample s;
	char *out;

	check_record_mk_sample(&s, 3, 3);
	ck_assert_uint_gt(s.socks.n, 0);
	s.rates[0].known = 1;
	s.rates[0].flags |= SOCK_FLAG_NEVER_READ;
	s.rates[0].growth_bps = 14848.4f;
	out = capture_prom(&s);
	ck_assert_msg(strstr(out, "} 14848.4\n") != NULL, "%s", out);
	ck_assert_ptr_null(strstr(out, "14848.400"));
	free(out);
	s.rates[0].growth_bps = 2304;
	out = capture_prom(&s);
	ck_assert_ptr_nonnull(strstr(out, "} 2304\n"));
	free(out);
	sample_release(&s);
}
END_TEST

/* Occurrences of needle in hay, in one pass: strstr in a loop is quadratic
 * under ASan, whose interceptor measures the whole hay each call. */
static size_t count_of(const char *hay, const char *needle)
{
	size_t n = 0, i;

	if (!*needle)
		return 0;
	for (; *hay; hay++) {
		for (i = 0; needle[i] && hay[i] == needle[i]; i++)
			;
		if (!needle[i]) {
			n++;
			hay += i - 1;
		}
	}
	return n;
}

static char *capture_md(const struct export_session *es, const struct sample *a,
			const struct sample *b)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(out_markdown_write(f, es, a, b), 0);
	fclose(f);
	return buf;
}

/* The report names the leaker, its socket, the findings, the action with
 * its figures and the note; no raw hostile byte gets through. */
START_TEST(test_markdown)
{
	struct record_header h;
	struct export_session es;
	struct sample a, b, mid;
	struct record_action act;
	struct record_event ev;
	char *out;
	const char *p;

	memset(&h, 0, sizeof(h));
	snprintf(h.host, sizeof(h.host), "edge-router|1");
	snprintf(h.kernel, sizeof(h.kernel), "6.1.0");
	snprintf(h.version, sizeof(h.version), "0.1.0");
	export_session_init(&es, &h, "/tmp/x.ltrec");
	check_record_mk_sample(&a, 1, 0);
	check_record_mk_sample(&mid, 3, 0);
	check_record_mk_sample(&b, 6, 0);
	ck_assert_int_eq(export_session_add_sample(&es, &a), 0);
	ck_assert_int_eq(export_session_add_sample(&es, &mid), 0);
	ck_assert_int_eq(export_session_add_sample(&es, &b), 0);
	memset(&act, 0, sizeof(act));
	act.result.kind = ACTIONS_DROP_FILTER;
	act.result.outcome = ACTIONS_DONE;
	act.result.target.pid = 100;
	act.result.target.fd = 4;
	act.result.target.inode = 1007;
	snprintf(act.result.target.comm, sizeof(act.result.target.comm), "leak_udp");
	snprintf(act.result.target.proto, sizeof(act.result.target.proto), "udp");
	act.result.before.have = act.result.after.have = ACTIONS_HAVE_QUEUE;
	act.result.before.rmem = 212992;
	act.result.after.rmem = 0;
	snprintf(act.result.message, sizeof(act.result.message), "attached");
	act.result.can_undo = 1;
	act.result.undo.kind = ACTIONS_UNDO_FILTER;
	act.time = a.time + 5;
	snprintf(act.user, sizeof(act.user), "root");
	snprintf(act.login, sizeof(act.login), "alice");
	memset(&ev, 0, sizeof(ev));
	ev.type = RECORD_EV_ACTION;
	ev.time = act.time;
	ev.action = &act;
	ck_assert_int_eq(export_session_add_event(&es, &ev), 0);
	memset(&ev, 0, sizeof(ev));
	ev.type = RECORD_EV_NOTE;
	ev.time = act.time + 1;
	ev.note = (char *)"called the <b>friend_push</b> team | \x1b[2J";
	ck_assert_int_eq(export_session_add_event(&es, &ev), 0);

	out = capture_md(&es, &a, &b);
	/* a heading needs no escape for '|', a table cell does */
	ck_assert_ptr_nonnull(strstr(out, "# leaktop postmortem: edge-router|1\n"));
	ck_assert_ptr_nonnull(strstr(out, "| Machine | edge-router\\|1 ("));
	/* the leaker: pid, command, fd and socket in the sockets table */
	ck_assert_msg(strstr(out, "| pid 102 fd 10 caf\xc3\xa9, pid 104 fd 99 sp ace") != NULL,
		      "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "inode 1007"));
	ck_assert_ptr_nonnull(strstr(out, "| 100 | leak_udp |"));
	/* the one problem, named the same in the headline, the summary and
	 * its heading; it was a warning at first */
	ck_assert_msg(strstr(out, "The worst: critical: leak_udp (pid 100, fd 4) never reads") &&
		      strstr(out, "\n1. critical: leak_udp (pid 100, fd 4) never reads") &&
		      strstr(out, "### 1. critical: leak_udp (pid 100, fd 4) never reads"),
		      "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "; warning at first, critical from "));
	ck_assert_ptr_nonnull(strstr(out, "  - first, "));
	ck_assert_ptr_nonnull(strstr(out, ": recv_q 3072, growth 1536 B/s\n"));
	ck_assert_ptr_nonnull(strstr(out, ": recv_q 6144, growth 3072 B/s\n"));
	/* what was done, with the complete undo command */
	ck_assert_ptr_nonnull(strstr(out, "- what was done:\n  - "));
	ck_assert_ptr_nonnull(strstr(out, " `drop-filter`: done, attached; undo: "
				     "`leaktop --act undo-filter --pid 100 --fd 4 --inode 1007 --yes`"));
	ck_assert_ptr_null(strstr(out, "--fd ..."));
	ck_assert_ptr_nonnull(strstr(out, "drop-filter on pid 100 leak_udp fd 4 (done)"));
	/* the explanation's '|' and backticks: running text, not a cell */
	ck_assert_ptr_nonnull(strstr(out, "\nUse SO_ATTACH_FILTER or shrink SO_RCVBUF | evil \\`x\\`\n"));
	ck_assert_ptr_nonnull(strstr(out, "before: rmem 208.0 KiB"));
	ck_assert_ptr_nonnull(strstr(out, "login alice"));
	/* the note, once, in the timeline */
	ck_assert_uint_eq(count_of(out, "called the &lt;b>friend_push&lt;/b> team | \\x1b[2J\n"), 1);
	ck_assert_ptr_nonnull(strstr(out, " note: called the"));
	ck_assert_ptr_nonnull(strstr(out, "| **unaccounted** |"));
	ck_assert_ptr_nonnull(strstr(out, "- outcome: still there at the end"));
	/* no backslash where running text does not need one */
	ck_assert_ptr_null(strstr(out, "\\("));
	ck_assert_ptr_null(strstr(out, "\\."));
	ck_assert_ptr_null(strstr(out, "\\-"));
	ck_assert_ptr_null(strstr(out, "leak\\_udp"));
	ck_assert_ptr_nonnull(strstr(out, "evil\\x1b[31m|\\`\\*\\_&lt;b>"));
	/* no raw control bytes or unescaped hostile markup */
	for (p = out; *p; p++)
		ck_assert_msg((unsigned char)*p >= 0x20 || *p == '\n', "control byte at %td",
			      p - out);
	ck_assert_ptr_null(strstr(out, "<b>"));
	ck_assert_ptr_null(strstr(out, "\x1b"));
	free(out);

	/* one sample: start and end are the same, no crash without events */
	export_session_release(&es);
	export_session_init(&es, &h, NULL);
	ck_assert_int_eq(export_session_add_sample(&es, &a), 0);
	out = capture_md(&es, &a, &a);
	ck_assert_ptr_nonnull(strstr(out, "No action was taken"));
	ck_assert_ptr_nonnull(strstr(out, "**0 problems in 0 s**"));
	ck_assert_ptr_nonnull(strstr(out, "## Timeline\n\nNothing happened.\n"));
	free(out);
	out = capture_md(&es, NULL, NULL);
	ck_assert_ptr_nonnull(strstr(out, "No samples."));
	free(out);
	export_session_release(&es);
	sample_release(&a);
	sample_release(&mid);
	sample_release(&b);
}
END_TEST

/* ---- duplicates, size, interruption --------------------------------------- */

/* A finding whose identity is (kind, pid, fd, inode) and text tells it
 * apart. */
static void put_finding(struct sample *s, int kind, int pid, int fd, uint64_t inode,
			int severity, int suspected, const char *text)
{
	struct finding *x;

	if (s->findings.n == s->findings.cap) {
		size_t cap = s->findings.cap ? s->findings.cap * 2 : 8;

		s->findings.v = realloc(s->findings.v, cap * sizeof(*s->findings.v));
		ck_assert_ptr_nonnull(s->findings.v);
		s->findings.cap = cap;
	}
	x = &s->findings.v[s->findings.n++];
	memset(x, 0, sizeof(*x));
	x->kind = (uint8_t)kind;
	x->pid = pid;
	x->fd = fd;
	x->inode = inode;
	x->severity = (uint8_t)severity;
	x->suspected = (uint8_t)suspected;
	snprintf(x->comm, sizeof(x->comm), "%s", text);
	snprintf(x->summary, sizeof(x->summary), "%s", text);
}


/*
 * The session keeps one finding per identity, in the order first seen,
 * with the worst occurrence; among equally severe ones the latest, but a
 * suspected one never replaces a confirmed one.  Prometheus keeps the
 * first of a sample's duplicates.
 */
START_TEST(test_duplicates)
{
	struct export_session es;
	struct sample a, b;
	struct prom p;
	char *out;
	const char *b1, *a3, *c1;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.time = 1700000000;
	b.time = 1700000010;
	put_finding(&a, FINDING_UNREAD_QUEUE, 7, 3, 70, FINDING_CRITICAL, 0, "bravo-1");
	put_finding(&a, FINDING_GHOST_SOCKETS, 5, -1, 0, FINDING_WARNING, 1, "alpha-1");
	put_finding(&a, FINDING_GHOST_SOCKETS, 5, -1, 0, FINDING_CRITICAL, 1, "alpha-2");
	put_finding(&a, FINDING_GHOST_SOCKETS, 5, -1, 0, FINDING_CRITICAL, 0, "alpha-3");
	put_finding(&a, FINDING_GHOST_SOCKETS, 5, -1, 0, FINDING_CRITICAL, 1, "alpha-4");
	put_finding(&a, FINDING_FD_EXHAUSTION, 5, -1, 0, FINDING_CRITICAL, 0, "delta-1");
	/* the same pid, fd and inode as bravo but another kind: another one */
	put_finding(&a, FINDING_QUEUE_FULL_DROPPING, 7, 3, 70, FINDING_WARNING, 0, "echo-1");
	put_finding(&b, FINDING_SEND_STALL, 9, 4, 90, FINDING_CRITICAL, 0, "charlie-1");
	put_finding(&b, FINDING_GHOST_SOCKETS, 5, -1, 0, FINDING_CRITICAL, 1, "alpha-5");
	put_finding(&b, FINDING_UNREAD_QUEUE, 7, 3, 70, FINDING_CRITICAL, 1, "bravo-2");
	put_finding(&b, FINDING_QUEUE_FULL_DROPPING, 7, 3, 70, FINDING_WARNING, 0, "echo-2");

	export_session_init(&es, NULL, NULL);
	ck_assert_int_eq(export_session_add_sample(&es, &a), 0);
	ck_assert_int_eq(export_session_add_sample(&es, &b), 0);
	ck_assert_uint_eq(es.nfindings, 5);
	ck_assert_str_eq(es.findings[0].f.summary, "bravo-1");
	ck_assert_str_eq(es.findings[1].f.summary, "alpha-3");
	ck_assert_uint_eq(es.findings[1].samples, 5);	/* each occurrence counts */
	ck_assert_str_eq(es.findings[2].f.summary, "delta-1");
	ck_assert_int_eq(es.findings[2].at_end, 0);
	ck_assert_str_eq(es.findings[3].f.summary, "echo-2");
	ck_assert_str_eq(es.findings[4].f.summary, "charlie-1");
	ck_assert_int_eq(es.findings[4].at_end, 1);

	out = capture_md(&es, NULL, NULL);
	ck_assert_msg(strstr(out, "**5 problems in 10 s** (") &&
		      strstr(out, " samples): 4 critical, 1 warning."), "%s", out);
	b1 = strstr(out, "### 3. critical: bravo-1");
	a3 = strstr(out, "### 1. critical: alpha-3");
	c1 = strstr(out, "### 4. critical: charlie-1");
	/* in the order of every output (findings_cmp): by rank, then pid */
	ck_assert_msg(b1 && a3 && c1 && a3 < b1 && b1 < c1, "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "### 2. critical: delta-1"));
	ck_assert_ptr_nonnull(strstr(out, "### 5. warning: echo-2"));
	ck_assert_uint_eq(count_of(out, "### "), 5);
	ck_assert_ptr_null(strstr(out, "alpha-1"));
	ck_assert_ptr_null(strstr(out, "alpha-2"));
	ck_assert_ptr_null(strstr(out, "alpha-4"));
	ck_assert_ptr_null(strstr(out, "alpha-5"));
	ck_assert_ptr_null(strstr(out, "bravo-2"));
	ck_assert_ptr_null(strstr(out, "echo-1"));
	/* delta was not in the last sample: gone, and the timeline says when */
	ck_assert_ptr_nonnull(strstr(out, "- outcome: gone after "));
	ck_assert_ptr_nonnull(strstr(out, " last seen, then its process or socket was gone: "
				     "problem 2, fd_exhaustion of delta-1 (pid 5)\n"));
	free(out);

	/* one series per identity, the first of the sample's duplicates */
	out = capture_prom(&a);
	ck_assert_msg(prom_check(&p, out) == 0, "%s\n%s", p.err, out);
	prom_free(&p);
	ck_assert_uint_eq(count_of(out, "leaktop_finding{"), 4);
	ck_assert_ptr_nonnull(strstr(out, "suspected=\"true\",pid=\"5\",fd=\"-1\",inode=\"0\","
				      "comm=\"alpha-1\"} 1\n"));
	ck_assert_ptr_null(strstr(out, "alpha-2"));
	ck_assert_ptr_null(strstr(out, "alpha-3"));
	/* the counts by severity count every finding */
	ck_assert_ptr_nonnull(strstr(out, "leaktop_findings{severity=\"critical\"} 5\n"));
	free(out);

	export_session_release(&es);
	sample_release(&a);
	sample_release(&b);
}
END_TEST

/*
 * The story's rules on made-up samples: a finding seen once, suspected,
 * and gone is a brief condition (export_finding_brief), counted apart and
 * never a problem; a suspected one still there at the end is a problem;
 * a problem is ranked at its worst, so a critical that was over by the end
 * comes before open warnings, and a working mitigation after them; its
 * figures first, at the peak and last;
 * a mitigation taken outside the recording gets its complete undo.
 */
START_TEST(test_story)
{
	struct export_session es;
	struct sample s[4];
	char *out;
	const char *fd1, *warn;
	size_t i;

	memset(s, 0, sizeof(s));
	for (i = 0; i < 4; i++)
		s[i].time = 1700000000 + 10.0 * (double)i;
	/* the flicker: one sample, suspected, then gone */
	put_finding(&s[0], FINDING_UNREAD_QUEUE, 40, 3, 400, FINDING_WARNING, 1, "flicker");
	/* an fd exhaustion, confirmed, over by the last sample; its peak in
	 * the second */
	for (i = 0; i < 4; i++) {
		put_finding(&s[i], FINDING_FD_EXHAUSTION, 50, -1, 0, FINDING_CRITICAL, 0, "fdx");
		s[i].findings.v[s[i].findings.n - 1].state = FINDING_CONFIRMED;
		s[i].findings.v[s[i].findings.n - 1].score = i == 1 ? 900 : 100 + (double)i;
		snprintf(s[i].findings.v[s[i].findings.n - 1].evidence, 256, "fds %zu", 10 + i);
	}
	s[3].findings.v[s[3].findings.n - 1].state = FINDING_RESOLVED;
	/* a warning, mitigated by a drop filter taken outside the recording */
	for (i = 0; i < 4; i++) {
		struct finding *x;

		put_finding(&s[i], FINDING_UNREAD_QUEUE, 7, 3, 70, FINDING_WARNING, 0, "udpq");
		x = &s[i].findings.v[s[i].findings.n - 1];
		x->state = i < 2 ? FINDING_CONFIRMED : FINDING_MITIGATED;
		x->mitigation = ACTIONS_DROP_FILTER;
		x->mitigated_at = s[2].time - 1;
		snprintf(x->mitigation_note, sizeof(x->mitigation_note), "works");
	}
	/* suspected, but still there at the end: a problem */
	put_finding(&s[3], FINDING_GHOST_SOCKETS, 60, -1, 0, FINDING_WARNING, 1, "young");

	export_session_init(&es, NULL, NULL);
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(export_session_add_sample(&es, &s[i]), 0);
	ck_assert_uint_eq(es.nfindings, 4);
	ck_assert_int_eq(export_finding_brief(&es.findings[0]), 1);	/* flicker */
	ck_assert_int_eq(export_finding_brief(&es.findings[1]), 0);	/* fdx: confirmed */
	ck_assert_int_eq(export_finding_brief(&es.findings[2]), 0);	/* udpq: at the end */
	ck_assert_int_eq(export_finding_brief(&es.findings[3]), 0);	/* young: at the end */
	ck_assert_str_eq(es.findings[1].ev_first, "fds 10");
	ck_assert_str_eq(es.findings[1].ev_peak, "fds 11");
	ck_assert_str_eq(es.findings[1].ev_last, "fds 12");	/* the last open one */

	out = capture_md(&es, NULL, NULL);
	ck_assert_msg(strstr(out, "**3 problems in 30 s**") != NULL, "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "1 brief condition (seen for a moment"));
	ck_assert_ptr_nonnull(strstr(out, "The worst: critical: fdx (pid 50) fdx (over at "));
	fd1 = strstr(out, "\n1. critical: fdx (pid 50) fdx (over at ");
	warn = strstr(out, "\n2. warning (suspected): young (pid 60) young (still there at the end)");
	ck_assert_msg(fd1 && warn && fd1 < warn, "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "\n3. warning: udpq (pid 7, fd 3) udpq (mitigated, still"));
	/* the flicker: in Brief conditions only */
	ck_assert_uint_eq(count_of(out, "flicker"), 2);	/* its line: comm and summary */
	ck_assert_ptr_nonnull(strstr(out, "## Brief conditions\n"));
	ck_assert_ptr_nonnull(strstr(out, ", 1 sample: warning (suspected): flicker (pid 40, fd 3)"));
	ck_assert_ptr_null(strstr(out, "### 4."));
	/* how it grew, each figure once */
	ck_assert_ptr_nonnull(strstr(out, "  - first, "));
	ck_assert_ptr_nonnull(strstr(out, ": fds 10\n"));
	ck_assert_ptr_nonnull(strstr(out, "  - peak, "));
	ck_assert_uint_eq(count_of(out, ": fds 11\n"), 1);
	ck_assert_uint_eq(count_of(out, ": fds 12\n"), 1);
	/* no empty paragraph for a finding without an explanation */
	ck_assert_ptr_null(strstr(out, "\n\n\n"));
	ck_assert_ptr_nonnull(strstr(out, "(seen in 1 sample)\n"));
	/* the undo of a mitigation this recording did not see taken */
	ck_assert_msg(strstr(out, "- what was done: `drop-filter` at ") &&
		      strstr(out, ", outside this session (leaktop --act); undo: "
			     "`leaktop --act undo-filter --pid 7 --fd 3 --inode 70 --yes`\n"),
		      "%s", out);
	free(out);
	export_session_release(&es);
	for (i = 0; i < 4; i++)
		sample_release(&s[i]);
}
END_TEST

/*
 * Issue 25: an info finding is a note, never a problem (findings_is_note),
 * in the postmortem's headline as in the header's counts
 * (findings_open_counts) and text's verdict (findings_verdict).
 */
static char *capture_text(const struct sample *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(out_text_write(f, s), 0);
	fclose(f);
	return buf;
}

START_TEST(test_notes)
{
	struct export_session es;
	struct sample s[2];
	size_t i, crit, warn, info;
	char *out;
	const char *w, *n1, *notes;

	memset(s, 0, sizeof(s));
	for (i = 0; i < 2; i++) {
		s[i].time = 1700000000 + 10.0 * (double)i;
		s[i].seq = 10 + (unsigned)i;
		put_finding(&s[i], FINDING_UNREAD_QUEUE, 7, 3, 70, FINDING_WARNING, 0, "warnq");
		put_finding(&s[i], FINDING_UNACCOUNTED_GROWTH, -1, -1, 0, FINDING_INFO, 0, "notea");
		put_finding(&s[i], FINDING_GHOST_SOCKETS, 9, -1, 0, FINDING_INFO, 0, "noteb");
		put_finding(&s[i], FINDING_FD_EXHAUSTION, 5, -1, 0, FINDING_CRITICAL, 0, "critx");
		s[i].findings.v[0].state = s[i].findings.v[1].state = FINDING_CONFIRMED;
		s[i].findings.v[2].state = s[i].findings.v[3].state = FINDING_CONFIRMED;
	}
	ck_assert_int_eq(findings_is_note(&s[1].findings.v[1]), 1);
	ck_assert_int_eq(findings_is_note(&s[1].findings.v[0]), 0);
	findings_open_counts(&s[1].findings, &crit, &warn, &info);
	ck_assert_uint_eq(crit, 1);
	ck_assert_uint_eq(warn, 1);
	ck_assert_uint_eq(info, 2);

	export_session_init(&es, NULL, NULL);
	for (i = 0; i < 2; i++)
		ck_assert_int_eq(export_session_add_sample(&es, &s[i]), 0);
	out = capture_md(&es, NULL, NULL);
	/* the header's counts: 2 problems, 2 notes apart */
	ck_assert_msg(strstr(out, "**2 problems in 10 s** (") &&
		      strstr(out, " samples): 1 critical, 1 warning; 2 notes.  The worst: "
			     "critical: critx"), "%s", out);
	ck_assert_ptr_null(strstr(out, "info."));
	ck_assert_ptr_nonnull(strstr(out, "\n2 notes under \"Notes\".\n"));
	ck_assert_ptr_null(strstr(out, "\n3. "));	/* the summary: problems only */
	w = strstr(out, "### 2. warning: warnq");
	notes = strstr(out, "## Notes\n");
	n1 = strstr(out, "### 3. info: ");
	ck_assert_msg(w && notes && n1 && w < notes && notes < n1, "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "### 4. info: "));
	free(out);
	export_session_release(&es);

	/* notes alone: no problem, no leak, in every front end */
	for (i = 0; i < 2; i++) {
		s[i].findings.v[0].severity = FINDING_INFO;
		s[i].findings.v[3].state = FINDING_RESOLVED;
		s[i].findings.v[3].severity = FINDING_INFO;
	}
	findings_open_counts(&s[1].findings, &crit, &warn, &info);
	ck_assert_uint_eq(crit + warn, 0);
	ck_assert_uint_eq(info, 3);
	ck_assert_int_eq(findings_any_leak(&s[1].findings), 0);
	export_session_init(&es, NULL, NULL);
	for (i = 0; i < 2; i++)
		ck_assert_int_eq(export_session_add_sample(&es, &s[i]), 0);
	out = capture_md(&es, NULL, NULL);
	ck_assert_msg(strstr(out, "**0 problems in 10 s** (") &&
		      strstr(out, " samples): no socket queue grew unread, no process leaked "
			     "fds or sockets (4 notes).\n"), "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "No problems; 4 notes under \"Notes\".\n"));
	ck_assert_ptr_null(strstr(out, "## Problems\n"));
	ck_assert_ptr_nonnull(strstr(out, "### 1. info: "));
	free(out);
	export_session_release(&es);
	out = capture_text(&s[1]);
	ck_assert_msg(strstr(out, "FINDINGS  4, most severe first; no leaks found\n"), "%s", out);
	free(out);
	for (i = 0; i < 2; i++)
		sample_release(&s[i]);
}
END_TEST

/*
 * One predicate for "suspected" (findings_is_suspected) and one word for a
 * mitigation that does not work (findings_state_word, "no effect"): text,
 * the postmortem and the panes say the same of the same finding.
 */
START_TEST(test_state_words)
{
	struct export_session es;
	struct sample s[2];
	struct finding *x;
	size_t i;
	char *out;

	memset(s, 0, sizeof(s));
	for (i = 0; i < 2; i++) {
		s[i].time = 1700000000 + 10.0 * (double)i;
		s[i].seq = 10 + (unsigned)i;
		/* a drain on a queue that keeps filling: mitigated, no effect */
		put_finding(&s[i], FINDING_UNREAD_QUEUE, 7, 3, 70, FINDING_WARNING, 0, "fails");
		x = &s[i].findings.v[0];
		x->state = FINDING_MITIGATED;
		x->mitigation = ACTIONS_DRAIN;
		x->check = FINDING_CHECK_FAILS;
		/* a drop filter on a queue seen for too few samples yet */
		put_finding(&s[i], FINDING_UNREAD_QUEUE, 8, 4, 80, FINDING_WARNING, 1, "young");
		x = &s[i].findings.v[1];
		x->state = FINDING_MITIGATED;
		x->mitigation = ACTIONS_DROP_FILTER;
		x->check = FINDING_CHECK_WORKS;
	}
	ck_assert_str_eq(findings_state_word(&s[1].findings.v[0]), "no effect");
	ck_assert_str_eq(findings_state_word(&s[1].findings.v[1]), "mitigated");
	ck_assert_int_eq(findings_mitigation_fails(&s[1].findings.v[0]), 1);
	ck_assert_int_eq(findings_is_suspected(&s[1].findings.v[1]), 1);
	ck_assert_int_eq(findings_is_suspected(&s[1].findings.v[0]), 0);

	out = capture_text(&s[1]);
	ck_assert_msg(strstr(out, "  warning  (no effect) fails (pid 7, fd 3) fails\n"), "%s", out);
	ck_assert_msg(strstr(out, "  warning  (mitigated, suspected) young (pid 8, fd 4) young\n"),
		      "%s", out);
	free(out);

	export_session_init(&es, NULL, NULL);
	for (i = 0; i < 2; i++)
		ck_assert_int_eq(export_session_add_sample(&es, &s[i]), 0);
	out = capture_md(&es, NULL, NULL);
	ck_assert_msg(strstr(out, "warning: fails (pid 7, fd 3) fails (no effect, still there at "
			     "the end)"), "%s", out);
	ck_assert_msg(strstr(out, "warning (suspected): young (pid 8, fd 4) young (mitigated, "
			     "still there at the end)"), "%s", out);
	free(out);
	export_session_release(&es);
	for (i = 0; i < 2; i++)
		sample_release(&s[i]);
}
END_TEST

/*
 * A sample as big as a hostile recording might make it: nf findings with
 * nf / 4 identities (finding i is identity i % (nf / 4)), ns sockets,
 * every fourth flagged, np processes, the odd ones subjects of findings.
 */
static void mk_big(struct sample *s, double t, size_t nf, size_t ns, size_t np)
{
	size_t i, nid = nf / 4;

	memset(s, 0, sizeof(*s));
	s->time = t;
	s->census = 1;
	s->have_procs = 1;
	s->findings.v = calloc(nf, sizeof(*s->findings.v));
	ck_assert_ptr_nonnull(s->findings.v);
	s->findings.n = s->findings.cap = nf;
	for (i = 0; i < nf; i++) {
		struct finding *x = &s->findings.v[i];
		size_t id = i % nid;

		x->kind = (uint8_t)(id % FINDING_NKINDS);
		x->pid = (int32_t)(2 * (id % np) + 1);
		x->fd = (int32_t)(id / np);
		x->inode = id;
		x->severity = (uint8_t)(i % 3);
		x->suspected = (uint8_t)(i % 2);
		snprintf(x->summary, sizeof(x->summary), "finding %zu", i);
	}
	s->socks.v = calloc(ns, sizeof(*s->socks.v));
	s->rates = calloc(ns, sizeof(*s->rates));
	s->order = calloc(ns, sizeof(*s->order));
	ck_assert(s->socks.v && s->rates && s->order);
	s->socks.n = s->socks.cap = ns;
	for (i = 0; i < ns; i++) {
		struct ltsock *k = &s->socks.v[i];

		k->family = AF_INET;
		k->type = SOCK_DGRAM;
		k->protocol = IPPROTO_UDP;
		k->inode = 1 + i;
		k->netns = 4026531840ULL;
		check_mem(k)->recv_q = (uint32_t)i;
		s->rates[i].flags = i % 4 ? 0 : SOCK_FLAG_NEVER_READ;
		s->order[i] = (uint32_t)(ns - 1 - i);
	}
	s->procs.v = calloc(np, sizeof(*s->procs.v));
	ck_assert_ptr_nonnull(s->procs.v);
	s->procs.n = s->procs.cap = np;
	for (i = 0; i < np; i++) {
		s->procs.v[i].pid = (int32_t)(i + 1);
		s->procs.v[i].nfds = 10;
		snprintf(s->procs.v[i].comm, sizeof(s->procs.v[i].comm), "p%zu", i);
	}
}

/* The exports stay O(n log n): the old quadratic ones took minutes here
 * under ASan.  No timing is asserted, only the result. */
START_TEST(test_large)
{
	enum { NF = 200000, NS = 100000, NP = 50000 };
	struct export_session es;
	struct sample a;
	char *out = NULL, head[64];
	size_t len = 0;
	FILE *f;

	mk_big(&a, 1700000000, NF, NS, NP);
	export_session_init(&es, NULL, NULL);
	ck_assert_int_eq(export_session_add_sample(&es, &a), 0);
	a.time += 10;
	ck_assert_int_eq(export_session_add_sample(&es, &a), 0);
	ck_assert_uint_eq(es.nfindings, NF / 4);
	ck_assert_uint_eq(es.findings[0].samples, 8);

	f = open_memstream(&out, &len);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(out_markdown_write(f, &es, &a, &a), 0);
	fclose(f);
	snprintf(head, sizeof(head), "**%d problems in ", NF / 4);
	ck_assert_ptr_nonnull(strstr(out, head));
	ck_assert_uint_eq(count_of(out, "\n### "), NF / 4);
	/* every odd pid is the subject of a finding: 10 sockets, then the
	 * processes */
	ck_assert_ptr_nonnull(strstr(out, "| 1 | p0 |"));
	ck_assert_ptr_null(strstr(out, "| 2 | p1 |"));
	free(out);

	out = NULL;
	f = open_memstream(&out, &len);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(out_prom_write_default(f, &a), 0);
	fclose(f);
	ck_assert_uint_eq(count_of(out, "leaktop_finding{"), NF / 4);
	ck_assert_uint_eq(count_of(out, "leaktop_process_fds{"), OUT_PROM_MAX_PROCS);
	ck_assert_uint_eq(count_of(out, "leaktop_socket_recv_queue_bytes{"),
			  OUT_PROM_MAX_SOCKETS);
	free(out);

	export_session_release(&es);
	sample_release(&a);
}
END_TEST

/* A stream that raises the stop request once it has been given limit
 * bytes, as a signal in the middle of a long export would. */
struct stopper {
	size_t written, limit;
};

static ssize_t stopper_write(void *cookie, const char *buf, size_t n)
{
	struct stopper *st = cookie;

	(void)buf;
	st->written += n;
	if (st->written >= st->limit)
		lt_stop_requested = 1;
	return (ssize_t)n;
}

static FILE *stopper_open(struct stopper *st, size_t limit)
{
	static const cookie_io_functions_t io = { .write = stopper_write };
	FILE *f;

	st->written = 0;
	st->limit = limit;
	f = fopencookie(st, "w", io);
	ck_assert_ptr_nonnull(f);
	setvbuf(f, NULL, _IOFBF, 4096);
	return f;
}

/* lt_stop_requested stops an export: -1 and EINTR, set before the call
 * or during it; cleared, the export runs in full again. */
START_TEST(test_stop)
{
	enum { NF = 20000, NS = 8000, NP = 4000 };
	struct export_session es;
	struct stopper st;
	struct sample a;
	size_t full;
	FILE *f;
	int r, e;

	mk_big(&a, 1700000000, NF, NS, NP);
	export_session_init(&es, NULL, NULL);
	ck_assert_int_eq(export_session_add_sample(&es, &a), 0);

	lt_stop_requested = 1;
	f = stopper_open(&st, SIZE_MAX);
	errno = 0;
	r = out_markdown_write(f, &es, &a, &a);
	ck_assert_int_eq(r, -1);
	ck_assert_int_eq(errno, EINTR);
	errno = 0;
	r = out_prom_write_default(f, &a);
	ck_assert_int_eq(r, -1);
	ck_assert_int_eq(errno, EINTR);
	fclose(f);
	ck_assert_uint_eq(st.written, 0);

	/* the full report, for its size */
	lt_stop_requested = 0;
	f = stopper_open(&st, SIZE_MAX);
	ck_assert_int_eq(out_markdown_write(f, &es, &a, &a), 0);
	fclose(f);
	full = st.written;

	/* a stop after the first buffer ends the export at its next row */
	f = stopper_open(&st, 1);
	errno = 0;
	r = out_markdown_write(f, &es, &a, &a);
	e = errno;
	fclose(f);
	lt_stop_requested = 0;
	ck_assert_int_eq(r, -1);
	ck_assert_int_eq(e, EINTR);
	ck_assert_msg(st.written < full / 10, "%zu of %zu bytes", st.written, full);

	f = stopper_open(&st, 1);
	errno = 0;
	r = out_prom_write_default(f, &a);
	e = errno;
	fclose(f);
	lt_stop_requested = 0;
	ck_assert_int_eq(r, -1);
	ck_assert_int_eq(e, EINTR);

	export_session_release(&es);
	sample_release(&a);
}
END_TEST

/*
 * Cardinality: with top N, a socket gets series when flagged, the subject
 * of a finding or among the N biggest by queued bytes; a process when the
 * subject of a finding or among the N biggest by queued bytes or by fds.
 */
START_TEST(test_prom_top)
{
	struct sample a;
	struct prom p;
	char *out = NULL, needle[128];
	size_t len = 0, i;
	FILE *f;

	mk_big(&a, 1700000000, 4, 40, 30);
	for (i = 0; i < 40; i++) {
		a.rates[i].flags = 0;
		check_mem(&a.socks.v[i])->recv_q = (uint32_t)(1000 + i);	/* 39 is the biggest */
	}
	a.rates[0].flags = SOCK_FLAG_FULL;			/* flagged, smallest */
	for (i = 0; i < 4; i++) {				/* subjects: inode 6, pid 13 */
		a.findings.v[i].inode = 6;
		a.findings.v[i].pid = 13;
	}
	for (i = 0; i < 30; i++) {
		a.procs.v[i].nfds = (int32_t)(10 + i);		/* pid 30 has most fds */
		a.procs.v[i].queued = i == 2 ? 5000 : 0;	/* pid 3 queues most */
	}
	f = open_memstream(&out, &len);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(out_prom_write(f, &a, 3), 0);
	fclose(f);
	ck_assert_msg(prom_check(&p, out) == 0, "%s", p.err);
	prom_free(&p);
	/* 3 biggest (inodes 40, 39, 38), the flagged one (1), the subject (6) */
	ck_assert_uint_eq(count_of(out, "leaktop_socket_recv_queue_bytes{"), 5);
	ck_assert_uint_eq(count_of(out, "leaktop_socket_fill_ratio{"), 0);	/* no skmem */
	ck_assert_uint_eq(count_of(out, "leaktop_socket_pinned_bytes{"), 5);
	for (i = 0; i < 5; i++) {
		static const int ino[] = { 40, 39, 38, 1, 6 };

		snprintf(needle, sizeof(needle), "inode=\"%d\"", ino[i]);
		ck_assert_msg(strstr(out, needle), "%s missing", needle);
	}
	ck_assert_ptr_null(strstr(out, "inode=\"37\""));
	/* pids 30, 29, 28 by fds, 3 by queued bytes, 13 the subject */
	ck_assert_uint_eq(count_of(out, "leaktop_process_fds{"), 5);
	for (i = 0; i < 5; i++) {
		static const int pid[] = { 30, 29, 28, 3, 13 };

		snprintf(needle, sizeof(needle), "leaktop_process_fds{pid=\"%d\",", pid[i]);
		ck_assert_msg(strstr(out, needle), "%s missing", needle);
	}
	free(out);

	/* top 0: only the flagged and the subjects */
	out = NULL;
	f = open_memstream(&out, &len);
	ck_assert_int_eq(out_prom_write(f, &a, 0), 0);
	fclose(f);
	ck_assert_uint_eq(count_of(out, "leaktop_socket_recv_queue_bytes{"), 2);
	ck_assert_uint_eq(count_of(out, "leaktop_process_fds{"), 1);
	free(out);
	sample_release(&a);
}
END_TEST

/* The textfile: written whole, 0644, no .tmp left; a failure leaves the
 * old file as it was. */
START_TEST(test_prom_file)
{
	char dir[] = "/tmp/leaktop-check.XXXXXX", path[256], tmp[300], *buf = NULL;
	struct lt_err err = { "" };
	struct sample a;
	struct stat st;
	struct prom p;
	size_t len;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/leaktop.prom", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	check_record_mk_sample(&a, 2, 2);
	ck_assert_int_eq(out_prom_file(path, &a, 10, &err), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0644);
	ck_assert_int_ne(access(tmp, F_OK), 0);
	ck_assert_int_eq(lt_read_file(path, &buf, &len, 1 << 24), 0);
	ck_assert_msg(prom_check(&p, buf) == 0, "%s", p.err);
	prom_free(&p);
	free(buf);

	/* a stop request: the export is cut, the old file stays */
	lt_stop_requested = 1;
	ck_assert_int_eq(out_prom_file(path, &a, 10, &err), -EINTR);
	lt_stop_requested = 0;
	ck_assert_int_ne(access(tmp, F_OK), 0);
	ck_assert_int_eq(lt_read_file(path, &buf, &len, 1 << 24), 0);
	ck_assert_ptr_nonnull(strstr(buf, "leaktop_finding{"));
	free(buf);
	ck_assert_int_eq(unlink(path), 0);

	/* no such directory: an error naming the file */
	snprintf(path, sizeof(path), "%s/none/leaktop.prom", dir);
	ck_assert_int_eq(out_prom_file(path, &a, 10, &err), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err.msg, "leaktop.prom.tmp"));
	ck_assert_int_eq(rmdir(dir), 0);
	sample_release(&a);
}
END_TEST

Suite *export_suite(void)
{
	Suite *s = suite_create("export");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_prom_parser_catches);
	tcase_add_test(tc, test_prom_label_escape);
	tcase_add_test(tc, test_prom_valid);
	tcase_add_test(tc, test_prom_rate_digits);
	tcase_add_test(tc, test_markdown);
	tcase_add_test(tc, test_duplicates);
	tcase_add_test(tc, test_story);
	tcase_add_test(tc, test_notes);
	tcase_add_test(tc, test_state_words);
	tcase_add_test(tc, test_stop);
	tcase_add_test(tc, test_prom_top);
	tcase_add_test(tc, test_prom_file);
	suite_add_tcase(s, tc);
	/* big inputs: a bound for a slow sanitised build, not a timing test */
	tc = tcase_create("large");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_large);
	suite_add_tcase(s, tc);
	return s;
}
