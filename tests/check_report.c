/*
 * Unit tests of the JSON sink (core/out_json.c) and core/units.c: JSON
 * string escaping of untrusted text, human sizes, changes, rates and
 * durations; the Markdown sink's escaping, one function per context
 * (core/out_markdown.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_suites.h"
#include "leaktop/actions.h"
#include "leaktop/out.h"
#include "leaktop/units.h"

static char *json_of(const char *in)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	out_json_string(f, in);
	fclose(f);
	return buf;
}

START_TEST(test_json_escapes)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "plain", "\"plain\"" },
		{ "a\"b\\c", "\"a\\\"b\\\\c\"" },
		{ "\x1b[2Jevil\x07", "\"\\u001b[2Jevil\\u0007\"" },
		{ "tab\tnl\n", "\"tab\\u0009nl\\u000a\"" },
		{ "caf\xc3\xa9", "\"caf\xc3\xa9\"" },		/* valid UTF-8 kept */
		{ "bad\xff\xfe", "\"bad\\ufffd\\ufffd\"" },	/* invalid replaced */
		{ "\xc0\xaf", "\"\\ufffd\\ufffd\"" },		/* overlong '/' */
		{ "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"" },	/* surrogate */
		{ "cut\xe2\x82", "\"cut\\ufffd\\ufffd\"" },	/* truncated seq */
		{ "\x7f", "\"\\u007f\"" },
		{ "", "\"\"" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = json_of(cases[i].in);

		ck_assert_msg(strcmp(got, cases[i].out) == 0, "case %zu: got %s want %s",
			      i, got, cases[i].out);
		free(got);
	}
}
END_TEST

START_TEST(test_sizes)
{
	char b[32];

	ck_assert_str_eq(units_size(0, b, sizeof(b)), "0 B");
	ck_assert_str_eq(units_size(1023, b, sizeof(b)), "1023 B");
	ck_assert_str_eq(units_size(1536, b, sizeof(b)), "1.5 KiB");
	ck_assert_str_eq(units_size(204800896, b, sizeof(b)), "195.3 MiB");
	ck_assert_str_eq(units_size(13ULL << 30, b, sizeof(b)), "13.0 GiB");
	/* units_size rounds in integers: the same text as printf's %.1f of
	 * the exact quotient, ties to even, over every unit and its edges */
	{
		static const char *const un[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
		uint64_t x = 88172645463325252ULL, v;
		char want[64], small[4];
		int i, u;

		for (i = 0; i < 200000; i++) {
			double d;

			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			switch (i % 4) {
			case 0: v = x >> (x % 64); break;		/* any size */
			case 1: v = (x % 4096) << (10 * (i % 5)); break;	/* near a unit */
			case 2: v = ((x % 2048) * 2 + 1) << (10 * (i % 5)) >> 1; break;
			default: v = (1ULL << (10 * (1 + i % 4))) * 1024 - 1 - x % 64; /* 1023.9x */
			}
			d = (double)v;
			for (u = 0; d >= 1024 && u < 5; u++)
				d /= 1024;
			if (u == 0)
				snprintf(want, sizeof(want), "%llu B", (unsigned long long)v);
			else
				snprintf(want, sizeof(want), "%.1f %s", d, un[u]);
			ck_assert_str_eq(units_size(v, b, sizeof(b)), want);
		}
		/* a tie: 1.25 KiB is 1.2 (to even), 1.75 KiB is 1.8 */
		ck_assert_str_eq(units_size(1280, b, sizeof(b)), "1.2 KiB");
		ck_assert_str_eq(units_size(1792, b, sizeof(b)), "1.8 KiB");
		ck_assert_str_eq(units_size(UINT64_MAX, b, sizeof(b)), "16384.0 PiB");
		/* cut to the buffer, never past it */
		ck_assert_str_eq(units_size(204800896, small, sizeof(small)), "195");
		/* units_pct's whole percents: printf's %.0f, ties to even */
		for (i = 0; i < 100000; i++) {
			double pct;

			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			pct = i % 3 == 0 ? (double)(x % 4000) / 2 :	/* halves: ties */
			      i % 3 == 1 ? 100.0 * (double)(x % 300000) / 212992 :
			      (double)(x % 1000000) / 1000;
			if (pct < 9.95 && pct != floor(pct))
				continue;	/* the one-decimal form: printf's own */
			snprintf(want, sizeof(want), "%.0f%%", pct);
			ck_assert_str_eq(units_pct(pct, b, sizeof(b)), want);
		}
		ck_assert_str_eq(units_pct(100.5, small, sizeof(small)), "100");
	}
	ck_assert_str_eq(units_size_signed(-1536, b, sizeof(b)), "-1.5 KiB");
	/* no overflow at INT64_MIN; the units top out at PiB */
	ck_assert_str_eq(units_size_signed(INT64_MIN, b, sizeof(b)), "-8192.0 PiB");
	ck_assert_str_eq(units_change(0, b, sizeof(b)), "0 B");
	ck_assert_str_eq(units_change(1536, b, sizeof(b)), "+1.5 KiB");
	ck_assert_str_eq(units_change(-12, b, sizeof(b)), "-12 B");
	ck_assert_str_eq(units_rate(1535.6, b, sizeof(b)), "1.5 KiB");
	ck_assert_str_eq(units_rate(-11.6, b, sizeof(b)), "-12 B");
}
END_TEST

/* An action's figures in the three styles: the same parts in the same
 * order, each style only its words and separators. */
START_TEST(test_figures)
{
	struct actions_figures g;
	char b[256];

	memset(&g, 0, sizeof(g));
	ck_assert_str_eq(units_figures(&g, UNITS_FIGURES_LINE, b, sizeof(b)), "");
	ck_assert_str_eq(units_figures(&g, UNITS_FIGURES_NOTE, b, sizeof(b)), "-");
	ck_assert_str_eq(units_figures(&g, UNITS_FIGURES_LIST, b, sizeof(b)), "-");

	g.have = ACTIONS_HAVE_QUEUE | ACTIONS_HAVE_FILTER;
	g.rmem = g.recv_q = 2048;
	g.rcvbuf = 212992;
	g.drops = 7;
	ck_assert_str_eq(units_figures(&g, UNITS_FIGURES_LINE, b, sizeof(b)),
			 " rmem 2.0 KiB, recv_q 2048 B, rcvbuf 212992 B, drops 7, filter none");
	ck_assert_str_eq(units_figures(&g, UNITS_FIGURES_NOTE, b, sizeof(b)),
			 "rmem 2.0 KiB, recv_q 2048 B, rcvbuf 212992 B, drops 7; filter none; ");
	ck_assert_str_eq(units_figures(&g, UNITS_FIGURES_LIST, b, sizeof(b)),
			 "rmem 2.0 KiB, recv_q 2.0 KiB, rcvbuf 208.0 KiB, drops 7, filter none");
	g.filter_len = 1;
	g.filter_drops_all = 1;
	ck_assert_str_eq(units_figures(&g, UNITS_FIGURES_NOTE, b, sizeof(b)),
			 "rmem 2.0 KiB, recv_q 2048 B, rcvbuf 212992 B, drops 7; filter drop-all; ");
	ck_assert_ptr_nonnull(strstr(units_figures(&g, UNITS_FIGURES_LINE, b, sizeof(b)),
				     ", filter drop-all (ret #0)"));
	g.filter_drops_all = 0;
	g.filter_len = 4;
	g.filter_locked = 1;
	ck_assert_ptr_nonnull(strstr(units_figures(&g, UNITS_FIGURES_LINE, b, sizeof(b)),
				     ", filter 4 instructions (locked)"));
	ck_assert_ptr_nonnull(strstr(units_figures(&g, UNITS_FIGURES_NOTE, b, sizeof(b)),
				     "; filter classic (locked); "));
	g.filter_len = ACTIONS_FILTER_EBPF;
	g.filter_locked = 0;
	ck_assert_ptr_nonnull(strstr(units_figures(&g, UNITS_FIGURES_NOTE, b, sizeof(b)),
				     "; filter eBPF; "));

	/* a drain: one comma between the queue and what it took */
	g.have = ACTIONS_HAVE_QUEUE | ACTIONS_HAVE_DRAINED;
	g.rmem = g.recv_q = 0;
	g.drained_bytes = 1536;
	g.drained_packets = 3;
	ck_assert_str_eq(units_figures(&g, UNITS_FIGURES_LINE, b, sizeof(b)),
			 " rmem 0 B, recv_q 0 B, rcvbuf 212992 B, drops 7, "
			 "drained 1536 bytes in 3 reads");
	ck_assert_str_eq(units_figures(&g, UNITS_FIGURES_NOTE, b, sizeof(b)),
			 "rmem 0 B, recv_q 0 B, rcvbuf 212992 B, drops 7; "
			 "drained 1.5 KiB in 3 packets; ");

	memset(&g, 0, sizeof(g));
	g.have = ACTIONS_HAVE_LIMITS;
	g.fd_soft = 1024;
	g.fd_hard = ACTIONS_UNLIMITED;
	g.nfds = 12;
	ck_assert_str_eq(units_figures(&g, UNITS_FIGURES_LINE, b, sizeof(b)),
			 " fd limit 1024 soft / unlimited hard, 12 fds open");
	ck_assert_str_eq(units_figures(&g, UNITS_FIGURES_NOTE, b, sizeof(b)),
			 "fd limit 1024, 12 fds; ");
	ck_assert_str_eq(units_figures(&g, UNITS_FIGURES_LIST, b, sizeof(b)),
			 "fd limit 1024 soft / unlimited hard, 12 fds open");
	/* a small buffer is cut, not overrun */
	ck_assert_uint_eq(strlen(units_figures(&g, UNITS_FIGURES_NOTE, b, 10)), 9);
	ck_assert_str_eq(units_figures(&g, UNITS_FIGURES_LINE, b, 1), "");
}
END_TEST

START_TEST(test_durations)
{
	char b[32];

	ck_assert_str_eq(units_duration(40, b, sizeof(b)), "40 s");
	ck_assert_str_eq(units_duration(720, b, sizeof(b)), "12 min");
	ck_assert_str_eq(units_duration(3 * 86400, b, sizeof(b)), "72.0 h");
	ck_assert_str_eq(units_duration_days(3 * 86400, b, sizeof(b)), "3.0 d");
	ck_assert_str_eq(units_duration_days(7200, b, sizeof(b)), "2.0 h");
}
END_TEST

START_TEST(test_json_sample_shape)
{
	struct sample s;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	memset(&s, 0, sizeof(s));
	s.time = 1700000000.25;
	s.seq = 1;
	s.mem.total = 100;
	s.mem.free = 40;
	s.mem.unaccounted = -3;
	s.hidden = SAMPLE_HIDDEN_SLAB | SAMPLE_HIDDEN_PSS;
	f = open_memstream(&buf, &len);
	ck_assert_int_eq(out_json_write(f, &s), 0);
	fclose(f);
	ck_assert_ptr_ne(strstr(buf, "\"time\":1700000000.250"), NULL);
	ck_assert_ptr_ne(strstr(buf, "\"total\":100,\"free\":40"), NULL);
	ck_assert_ptr_ne(strstr(buf, "\"unaccounted\":-3"), NULL);
	ck_assert_ptr_ne(strstr(buf, "\"slab_top\":null"), NULL);
	ck_assert_ptr_ne(strstr(buf, "\"hidden\":[\"slabinfo\",\"pss\"]"), NULL);
	ck_assert_int_eq(buf[len - 1], '\n');
	ck_assert_ptr_eq(strchr(buf, '\n'), buf + len - 1);	/* one line */
	free(buf);
}
END_TEST

START_TEST(test_sanitize)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "leak_udp", "leak_udp" },
		{ "\x1b[2Jevil\x1b]0;x\x07", "\\x1b[2Jevil\\x1b]0;x\\x07" },
		{ "a\nb\tc", "a\\nb\\tc" },
		{ "back\\slash", "back\\\\slash" },
		{ "caf\xc3\xa9", "caf\xc3\xa9" },
		{ "\xc2\x9b" "31m", "\\x9b31m" },		/* C1 CSI */
		{ "\xe2\x80\xae" "evil", "\\u202eevil" },	/* right-to-left override */
		{ "bad\xff", "bad\\xff" },
		{ "\xd8\x9c" "a", "\\u061ca" },			/* Arabic letter mark */
		{ "l1\xe2\x80\xa8l2\xe2\x80\xa9", "l1\\u2028l2\\u2029" },	/* separators */
		{ "\xe2\x81\xa6x\xe2\x81\xa9", "\\u2066x\\u2069" },	/* isolates */
	};
	char out[64];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		lt_sanitize(cases[i].in, out, sizeof(out));
		ck_assert_msg(strcmp(out, cases[i].out) == 0, "case %zu: got '%s'", i, out);
	}
	/* cut to fit, never inside an escape */
	lt_sanitize("ab\x1b[2J", out, 5);
	ck_assert_str_eq(out, "ab");
	lt_sanitize("ab\x1b[2J", out, 7);
	ck_assert_str_eq(out, "ab\\x1b");
	lt_sanitize("anything", out, 1);
	ck_assert_str_eq(out, "");
}
END_TEST

/* A sample from a hostile recording printed as text: every string from
 * the file (summary, evidence, slab name, a namespace's reason) reaches
 * the terminal sanitised; text that is already safe is left as it is. */
START_TEST(test_text_sanitises_recorded_strings)
{
	static const char *const evil[] = {
		"\x1b]0;owned\x07", "\x1b[2J", "\xc2\x9b" "31m", "\xe2\x80\xae",
		"\xe2\x80\xa8", "\xd8\x9c",
	};
	struct finding fv[2];
	struct sample s;
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f;

	memset(&s, 0, sizeof(s));
	memset(fv, 0, sizeof(fv));
	s.time = 1700000000;
	s.seq = 1;
	s.mem.total = 100;
	s.mem.free = 100;
	fv[0].kind = FINDING_UNREAD_QUEUE;
	fv[0].severity = FINDING_CRITICAL;
	fv[0].pid = -1;
	fv[0].fd = -1;
	snprintf(fv[0].summary, sizeof(fv[0].summary),
		 "evil \x1b]0;owned\x07 then \x1b[2J and \xc2\x9b" "31m\nnext line");
	snprintf(fv[0].evidence, sizeof(fv[0].evidence), "bidi \xe2\x80\xae reversed \xe2\x80\xa8");
	fv[1] = fv[0];
	snprintf(fv[1].summary, sizeof(fv[1].summary), "safe \\\\x1b stays as it is");
	snprintf(fv[1].evidence, sizeof(fv[1].evidence), "plain \xd8\x9c");
	s.findings.v = fv;
	s.findings.n = 2;
	s.slab.readable = 1;
	s.slab.n = 1;
	snprintf(s.slab.top[0].name, sizeof(s.slab.top[0].name), "kmalloc\x1b[31m");
	f = open_memstream(&buf, &len);
	ck_assert_int_eq(out_text_write(f, &s), 0);
	fclose(f);
	for (i = 0; i < sizeof(evil) / sizeof(evil[0]); i++)
		ck_assert_msg(strstr(buf, evil[i]) == NULL, "raw sequence %zu reached the text", i);
	ck_assert_ptr_null(strstr(buf, "\nnext line"));
	ck_assert_ptr_nonnull(strstr(buf, "\\x1b]0;owned\\x07"));
	ck_assert_ptr_nonnull(strstr(buf, "kmalloc\\x1b[31m"));
	/* a live sentence, already safe, is not escaped twice */
	ck_assert_ptr_nonnull(strstr(buf, "safe \\\\x1b stays as it is"));
	free(buf);
}
END_TEST

/* ---- Markdown: one escaping function per context ------------------------ */

/* Running text: only what would change the document is escaped; text a
 * person would write by hand stays as it is. */
/* The suggested action in text output is the whole command, from the one
 * home of command lines (actions_kind_command), pinned by the inode. */
START_TEST(test_text_safe_action_command)
{
	struct sample s;
	struct finding fv[2];
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	memset(&s, 0, sizeof(s));
	memset(fv, 0, sizeof(fv));
	s.time = 1700000000;
	s.seq = 1;
	s.mem.total = 100;
	s.mem.free = 100;
	fv[0].kind = FINDING_UNREAD_QUEUE;
	fv[0].severity = FINDING_CRITICAL;
	fv[0].pid = 12;
	fv[0].fd = 3;
	fv[0].inode = 99;
	fv[0].action = ACTIONS_DROP_FILTER;
	snprintf(fv[0].summary, sizeof(fv[0].summary), "a queue");
	fv[1] = fv[0];
	fv[1].kind = FINDING_FD_EXHAUSTION;
	fv[1].fd = -1;
	fv[1].inode = 0;
	fv[1].action = ACTIONS_RAISE_FD_LIMIT;
	s.findings.v = fv;
	s.findings.n = 2;
	f = open_memstream(&buf, &len);
	ck_assert_int_eq(out_text_write(f, &s), 0);
	fclose(f);
	ck_assert_msg(strstr(buf, "safe action: leaktop --act drop-filter --pid 12 --fd 3 "
			      "--inode 99\n") != NULL, "%s", buf);
	ck_assert_msg(strstr(buf, "safe action: leaktop --act raise-fd-limit --pid 12\n") != NULL,
		      "%s", buf);
	free(buf);
}
END_TEST

START_TEST(test_md_text)
{
	static const struct { const char *in, *out; } cases[] = {
		/* plain prose, process names, commands: untouched */
		{ "leak_udp (pid 12, fd 3) holds 4.5 KiB.", "leak_udp (pid 12, fd 3) holds 4.5 KiB." },
		{ "x86_64 #1 SMP PREEMPT_DYNAMIC", "x86_64 #1 SMP PREEMPT_DYNAMIC" },
		{ "a - b + c = d! {e} $f 3. (g)", "a - b + c = d! {e} $f 3. (g)" },
		{ "ls -l /proc/1/fd | wc -l", "ls -l /proc/1/fd | wc -l" },
		{ "a & b, [x] and y]", "a & b, [x] and y]" },
		/* emphasis, code, strikethrough */
		{ "*bold* `code` ~strike~", "\\*bold\\* \\`code\\` \\~strike\\~" },
		{ "_x_ a_b", "\\_x\\_ a_b" },
		/* no HTML, no entity, no link, no autolink */
		{ "<script>alert(1)</script>", "&lt;script>alert(1)&lt;/script>" },
		{ "&amp; &#60; &lt", "&amp;amp; &amp;#60; &lt" },
		{ "[click](http://evil)", "\\[click](http\\://evil)" },
		{ "![img](x) [a][b]", "!\\[img](x) [a][b]" },
		{ "see www.evil.com or me@evil.com", "see www\\.evil.com or me\\@evil.com" },
		{ "<http://x>", "&lt;http\\://x>" },
		/* lt_sanitize doubles a backslash; each one before punctuation
		 * is escaped, so the reader sees the sanitised text */
		{ "a\\*b", "a\\\\\\\\\\*b" },
		{ "\\x1b", "\\\\\\x1b" },
		/* control characters: made visible by lt_sanitize, on one line */
		{ "\x1b[2Jevil\nnext", "\\x1b[2Jevil\\nnext" },
		/* a leading marker is only escaped where text starts a line */
		{ "# title", "# title" },
		{ "> quote", "> quote" },
		{ "", "" },
	};
	char out[512];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		out_markdown_text(cases[i].in, out, sizeof(out));
		ck_assert_msg(strcmp(out, cases[i].out) == 0, "case %zu: got '%s' want '%s'", i,
			      out, cases[i].out);
	}
}
END_TEST

/* A table cell: the same, and '|' (a backslash before it stays escaped). */
START_TEST(test_md_cell)
{
	char out[256];

	ck_assert_str_eq(out_markdown_cell("a|b", out, sizeof(out)), "a\\|b");
	ck_assert_str_eq(out_markdown_cell("a\\|b", out, sizeof(out)), "a\\\\\\\\\\|b");
	ck_assert_str_eq(out_markdown_cell("x86_64 (pid 3)", out, sizeof(out)), "x86_64 (pid 3)");
	ck_assert_str_eq(out_markdown_cell("|`|", out, sizeof(out)), "\\|\\`\\|");
	/* a cut never leaves half an escape, so never a lone backslash */
	ck_assert_str_eq(out_markdown_cell("ab|", out, 4), "ab");
	ck_assert_str_eq(out_markdown_cell("a<", out, 5), "a");
}
END_TEST

/* Text that starts a line: a block marker at its start is escaped. */
START_TEST(test_md_block)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "# not a heading", "\\# not a heading" },
		{ "> not a quote", "\\> not a quote" },
		{ "- not a list", "\\- not a list" },
		{ "+ nor this", "\\+ nor this" },
		{ "* nor this", "\\* nor this" },
		{ "12. not a list", "12\\. not a list" },
		{ "3) nor this", "3\\) nor this" },
		{ "=== not a heading", "\\=== not a heading" },
		{ "[x]: http://evil", "\\[x]: http\\://evil" },
		{ "    not code", "not code" },
		{ "1999 was a year. # not", "1999 was a year. # not" },
		{ "Plain (with) - marks.", "Plain (with) - marks." },
	};
	char out[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		out_markdown_block(cases[i].in, out, sizeof(out));
		ck_assert_msg(strcmp(out, cases[i].out) == 0, "case %zu: got '%s' want '%s'", i,
			      out, cases[i].out);
	}
}
END_TEST

/* A code span: the text as it is, fenced longer than any backtick run. */
START_TEST(test_md_code)
{
	char out[64];

	ck_assert_str_eq(out_markdown_code("leaktop --act drain --pid 3", out, sizeof(out)),
			 "`leaktop --act drain --pid 3`");
	ck_assert_str_eq(out_markdown_code("a*b_c|<d>", out, sizeof(out)), "`a*b_c|<d>`");
	ck_assert_str_eq(out_markdown_code("a`b", out, sizeof(out)), "``a`b``");
	ck_assert_str_eq(out_markdown_code("``x", out, sizeof(out)), "``` ``x ```");
	ck_assert_str_eq(out_markdown_code("new\nline", out, sizeof(out)), "`new\\nline`");
	/* too long for out: nothing rather than an open span */
	ck_assert_str_eq(out_markdown_code("0123456789", out, 12), "");
	ck_assert_str_eq(out_markdown_code("0123456789", out, 13), "`0123456789`");
}
END_TEST

Suite *report_suite(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("format");

	tcase_add_test(tc, test_json_escapes);
	tcase_add_test(tc, test_sizes);
	tcase_add_test(tc, test_figures);
	tcase_add_test(tc, test_durations);
	tcase_add_test(tc, test_json_sample_shape);
	tcase_add_test(tc, test_sanitize);
	tcase_add_test(tc, test_text_sanitises_recorded_strings);
	tcase_add_test(tc, test_text_safe_action_command);
	tcase_add_test(tc, test_md_text);
	tcase_add_test(tc, test_md_cell);
	tcase_add_test(tc, test_md_block);
	tcase_add_test(tc, test_md_code);
	suite_add_tcase(s, tc);
	return s;
}
