/*
 * Unit tests of the UI's curses-free parts: column formatting of sizes,
 * rates and percents, cutting UTF-8 text to a display width, untrusted
 * text as the UI shows it, wrapping (the evidence view and the action
 * menu), text core made safe checked again without double escapes, action
 * figures, the replay's go-to prompt, and theme files (parser, lookup,
 * leaktoprc).
 */
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_suites.h"
#include "leaktop/actions.h"
#include "leaktop/common.h"
#include "leaktop/units.h"
#include "../tui/actlog.h"
#include "../tui/findpane.h"
#include "../tui/mempane.h"
#include "../tui/format.h"
#include "../tui/open.h"
#include "../tui/options.h"
#include "../tui/procpane.h"
#include "../tui/rows.h"
#include "../tui/sockpane.h"
#include "../tui/table.h"
#include "../tui/theme.h"
#include "../tui/tui.h"
#include "check_samples.h"
#include "leaktop/findings.h"
#include "leaktop/out.h"
#include "leaktop/procs.h"

Suite *tui_suite(void);

static void utf8_locale(void)
{
	ck_assert_ptr_nonnull(setlocale(LC_CTYPE, "C.UTF-8"));
}

START_TEST(size_fits_width)
{
	char b[32];

	ck_assert_str_eq(format_size(0, 6, b, sizeof(b)), "0");
	ck_assert_str_eq(format_size(512, 6, b, sizeof(b)), "512B");
	ck_assert_str_eq(format_size(1536, 6, b, sizeof(b)), "1.5K");
	ck_assert_str_eq(format_size(212992, 6, b, sizeof(b)), "208K");
	ck_assert_str_eq(format_size(123456789, 6, b, sizeof(b)), "118M");
	ck_assert_str_eq(format_size(25231245312ULL, 6, b, sizeof(b)), "23.5G");
	/* too wide for 4 columns: a bigger unit */
	ck_assert_str_eq(format_size(1023, 4, b, sizeof(b)), "1.0K");
	ck_assert_str_eq(format_size(25231245312ULL, 4, b, sizeof(b)), "23G");
	ck_assert_int_le((int)strlen(format_size(1ULL << 62, 5, b, sizeof(b))), 5);
	ck_assert_str_eq(format_size(123456, 1, b, sizeof(b)), "*");
}
END_TEST

START_TEST(rates_and_percents)
{
	char b[32];

	ck_assert_str_eq(format_rate(0, 0, 7, b, sizeof(b)), "-");
	ck_assert_str_eq(format_rate(0.2, 1, 7, b, sizeof(b)), "0");
	ck_assert_str_eq(format_rate(1536, 1, 7, b, sizeof(b)), "+1.5K");
	ck_assert_str_eq(format_rate(23040, 1, 7, b, sizeof(b)), "+22.5K");
	ck_assert_str_eq(format_rate(-300, 1, 7, b, sizeof(b)), "-300B");
	ck_assert_str_eq(format_pct(93.4, 4, b, sizeof(b)), "93%");
	ck_assert_str_eq(format_pct(0.4, 4, b, sizeof(b)), "0.4%");
	ck_assert_str_eq(format_pct(100, 4, b, sizeof(b)), "100%");
	/* one number for one label: the pane and the outputs word a fill
	 * past the rcvbuf alike (units_pct), not 101 % here and 100 % there */
	{
		char c[32];

		ck_assert_str_eq(format_pct(100.6, 6, b, sizeof(b)), units_pct(100.6, c, sizeof(c)));
		ck_assert_str_eq(c, "101%");
		ck_assert_str_eq(units_pct(0.4, c, sizeof(c)), "0.4%");
		ck_assert_str_eq(units_pct(-1, c, sizeof(c)), "-");
	}
	ck_assert_str_eq(format_pct(-1, 4, b, sizeof(b)), "-");
	ck_assert_str_eq(format_num(12.5, 1, 6, b, sizeof(b)), "12");
	ck_assert_str_eq(format_num(2.5, 1, 6, b, sizeof(b)), "2.5");
	ck_assert_str_eq(format_num(1234567, 1, 6, b, sizeof(b)), "1.2M");
	ck_assert_str_eq(format_num(3, 0, 6, b, sizeof(b)), "-");
	ck_assert_str_eq(format_duration(42, b, sizeof(b)), "42 s");
	ck_assert_str_eq(format_duration(3 * 86400 + 4 * 3600 + 5, b, sizeof(b)), "3.2 d");
}
END_TEST

/* The same figure reads the same on screen and in text: durations
 * (format_duration is units_duration_days: a ghost's age, "12 min" in
 * the fd view as in text's "a ghost for 12 min"), a socket's drops/s
 * (units_count) and growth (units_rate). */
START_TEST(same_figure_same_words)
{
	static const double secs[] = { 0, 42, 119, 725, 7199, 7200, 86400 * 2 - 1, 273605 };
	struct sample s;
	struct ltsock k = check_samples_sock(77, SOCK_DGRAM);
	uint8_t flags = 0;
	char b[64], c[64], *out = NULL;
	size_t len = 0, i;
	FILE *f;

	for (i = 0; i < sizeof(secs) / sizeof(secs[0]); i++)
		ck_assert_str_eq(format_duration(secs[i], b, sizeof(b)),
				 units_duration_days(secs[i], c, sizeof(c)));
	ck_assert_str_eq(format_duration(725, b, sizeof(b)), "12 min");
	ck_assert_str_eq(units_count(0.4, c, sizeof(c)), "0.4");
	ck_assert_str_eq(units_count(1234, c, sizeof(c)), "1234");

	check_samples_init(&s, 100, 3);
	check_mem(&k)->recv_q = check_mem(&k)->rmem = 4096;
	check_samples_socks(&s, &k, &flags, 1, 6);
	s.rates[0].drops_ps = 0.4;
	s.rates[0].growth_bps = 1536;
	s.shown = calloc(1, sizeof(*s.shown));
	ck_assert_ptr_nonnull(s.shown);
	s.nshown = 1;
	f = open_memstream(&out, &len);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(out_text_write(f, &s), 0);
	fclose(f);
	rows_sock_field(&s, 0, ROWS_SOCK_DROPS, 9, b, sizeof(b));
	ck_assert_str_eq(b, "0.4");
	snprintf(c, sizeof(c), " %7s %10s ", "0.4", units_rate(1536, b, sizeof(b)));
	ck_assert_msg(strstr(out, c), "no '%s' in %s", c, out);
	free(out);
	/* no drops figure from the kernel: "-" in both */
	s.socks.v[0].have &= ~LTSOCK_HAVE_DROPS;
	rows_sock_field(&s, 0, ROWS_SOCK_DROPS, 9, b, sizeof(b));
	ck_assert_str_eq(b, "-");
	out = NULL;
	f = open_memstream(&out, &len);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(out_text_write(f, &s), 0);
	fclose(f);
	snprintf(c, sizeof(c), " %7s %10s ", "-", units_rate(1536, b, sizeof(b)));
	ck_assert_msg(strstr(out, c), "no '%s' in %s", c, out);
	free(out);
	sample_release(&s);
}
END_TEST

START_TEST(fit_utf8_to_display_width)
{
	char b[64];

	utf8_locale();
	ck_assert_int_eq(format_fit("abcdef", 3, 1, b, sizeof(b)), 3);
	ck_assert_str_eq(b, "abc");
	/* double-width characters are never split */
	ck_assert_int_eq(format_fit("日本語", 5, 1, b, sizeof(b)), 4);
	ck_assert_str_eq(b, "日本");
	/* a combining accent takes no column */
	ck_assert_int_eq(format_fit("e\xcc\x81x", 2, 1, b, sizeof(b)), 2);
	ck_assert_str_eq(b, "e\xcc\x81x");
	ck_assert_int_eq(format_width("日本語 ok", 1), 9);
	/* no UTF-8 on the terminal: one '?' per character */
	ck_assert_int_eq(format_fit("日本語", 5, 0, b, sizeof(b)), 3);
	ck_assert_str_eq(b, "???");
	/* a small buffer cuts on a character boundary */
	ck_assert_int_eq(format_fit("日本語", 10, 1, b, 5), 2);
	ck_assert_str_eq(b, "日");
}
END_TEST

START_TEST(cells_pad_and_align)
{
	char b[64];

	utf8_locale();
	ck_assert_str_eq(format_cell("12", 5, 1, 1, b, sizeof(b)), "   12");
	ck_assert_str_eq(format_cell("ab", 5, 0, 1, b, sizeof(b)), "ab   ");
	ck_assert_str_eq(format_cell("abcdefg", 5, 0, 1, b, sizeof(b)), "abcde");
	ck_assert_str_eq(format_cell("日本語", 5, 0, 1, b, sizeof(b)), "日本 ");
	ck_assert_str_eq(format_cell("日本語", 5, 1, 0, b, sizeof(b)), "  ???");
	ck_assert_str_eq(format_cell("", 3, 0, 1, b, sizeof(b)), "   ");
	ck_assert_str_eq(format_cell("x", 0, 0, 1, b, sizeof(b)), "");
}
END_TEST

/* No byte a terminal acts on survives. */
static void assert_inert(const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p; p++) {
		ck_assert_msg(*p >= 0x20 && *p != 0x7f, "control byte 0x%02x in \"%s\"", *p, s);
		ck_assert_msg(!(p[0] == 0xc2 && p[1] >= 0x80 && p[1] < 0xa0), "C1 in \"%s\"", s);
	}
}

START_TEST(untrusted_text_as_the_ui_shows_it)
{
	char b[128];

	utf8_locale();
	format_untrusted("\x1b[2Jevil\x1b]0;x\x07", 40, 1, b, sizeof(b));
	ck_assert_str_eq(b, "\\x1b[2Jevil\\x1b]0;x\\x07");
	assert_inert(b);
	/* cut to the column: the escape stays visible text, never half a byte */
	ck_assert_int_eq(format_untrusted("\x1b[2Jevil", 6, 1, b, sizeof(b)), 6);
	ck_assert_str_eq(b, "\\x1b[2");
	format_untrusted("a\xc2\x9b" "31mb", 40, 1, b, sizeof(b));	/* C1 CSI */
	assert_inert(b);
	ck_assert_ptr_nonnull(strstr(b, "\\x9b"));
	format_untrusted("abc\xe2\x80\xae" "fdp.exe", 40, 1, b, sizeof(b));	/* RTL override */
	ck_assert_ptr_nonnull(strstr(b, "\\u202e"));
	format_untrusted("bad\xff\xfe", 40, 1, b, sizeof(b));
	ck_assert_str_eq(b, "bad\\xff\\xfe");
	format_untrusted("tab\there\nnl", 40, 0, b, sizeof(b));
	ck_assert_str_eq(b, "tab\\there\\nnl");
	format_untrusted("bo\xc3\xaete", 40, 0, b, sizeof(b));	/* no UTF-8 locale */
	ck_assert_str_eq(b, "bo?te");
	assert_inert(b);
}
END_TEST

START_TEST(theme_good_file)
{
	struct theme th, def;
	char err[256] = "";
	const char *text =
		"# a comment\n"
		"\n"
		"header = fg=brightred bg=colour236 bold,underline\n"
		"  selection=fg=black bg=cyan   # trailing comment\n"
		"muted = dim\n";

	theme_builtin(&def);
	theme_builtin(&th);
	ck_assert_int_eq(theme_parse(text, "good.theme", &th, err, sizeof(err)), 0);
	ck_assert_int_eq(th.el[THEME_HEADER].fg, 9);
	ck_assert_int_eq(th.el[THEME_HEADER].bg, 236);
	ck_assert_uint_eq(th.el[THEME_HEADER].attr, THEME_BOLD | THEME_UNDERLINE);
	ck_assert_int_eq(th.el[THEME_SELECTION].fg, 0);
	ck_assert_int_eq(th.el[THEME_SELECTION].bg, 6);
	ck_assert_int_eq(th.el[THEME_MUTED].fg, THEME_DEFAULT_COLOUR);
	ck_assert_uint_eq(th.el[THEME_MUTED].attr, THEME_DIM);
	/* elements the file does not name keep the built-in style */
	ck_assert_mem_eq(&th.el[THEME_MEM_USER], &def.el[THEME_MEM_USER],
			 sizeof(def.el[0]));
	ck_assert_str_eq(theme_element_name(THEME_MEM_UNACCOUNTED), "mem.unaccounted");
}
END_TEST

START_TEST(theme_bad_file_all_or_nothing)
{
	static const struct {
		const char *text, *msg;
	} bad[] = {
		{ "header = fg=red\nnormal = fg=blue\nmuted = fg=reed\n",
		  "x.theme:3: unknown colour 'reed'" },
		{ "header = fg=red\nnosuch = bold\n", "x.theme:2: unknown element 'nosuch'" },
		{ "header fg=red\n", "x.theme:1: unknown element 'header fg'" },
		{ "header fg:red\n", "x.theme:1: expected 'element = style'" },
		{ "header = blinky\n", "x.theme:1: unknown style word 'blinky'" },
		{ "header = fg=colour256\n", "x.theme:1: unknown colour 'colour256'" },
		{ "header =\n", "x.theme:1: empty style" },
	};
	struct theme th, before;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char err[256] = "";

		memset(&th, 0, sizeof(th));	/* name's tail is compared too */
		theme_builtin(&th);
		th.el[THEME_HEADER].fg = 4;	/* a state the parse must not touch */
		before = th;
		ck_assert_int_eq(theme_parse(bad[i].text, "x.theme", &th, err, sizeof(err)),
				 -EINVAL);
		ck_assert_str_eq(err, bad[i].msg);
		ck_assert_mem_eq(&th, &before, sizeof(th));
	}
}
END_TEST

START_TEST(theme_shipped_files_and_rc)
{
	char dir[4096], tmpl[] = "/tmp/leaktop-tui-XXXXXX", name[64] = "", err[256] = "";
	char names[16][64], path[4200];
	const char *shipped[] = { "default", "light", "monochrome", "high-contrast" };
	struct theme th, def;
	size_t i, n;
	FILE *f;

	/* tests run from the build tree; the themes sit beside the fixtures */
	snprintf(dir, sizeof(dir), "%s/../../themes", fixtures_dir());
	setenv("LEAKTOP_THEMES_DIR", dir, 1);
	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	setenv("XDG_CONFIG_HOME", tmpl, 1);
	for (i = 0; i < sizeof(shipped) / sizeof(shipped[0]); i++) {
		theme_builtin(&th);
		ck_assert_msg(theme_load(shipped[i], &th, err, sizeof(err)) == 0,
			      "%s: %s", shipped[i], err);
		ck_assert_str_eq(th.name, shipped[i]);
	}
	/* the shipped default is the built-in one */
	theme_builtin(&def);
	ck_assert_int_eq(theme_load("default", &th, err, sizeof(err)), 0);
	ck_assert_mem_eq(th.el, def.el, sizeof(def.el));
	n = theme_list(names, 16);
	ck_assert_uint_ge(n, 4);
	ck_assert_str_eq(names[0], "default");
	ck_assert_int_eq(theme_load("nope", &th, err, sizeof(err)), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "'nope' not found"));
	ck_assert_int_eq(theme_load("../etc/passwd", &th, err, sizeof(err)), -ENOENT);

	/* a user theme in the config dir, found by name, a bad one named */
	snprintf(path, sizeof(path), "%s/leaktop", tmpl);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/leaktop/themes", tmpl);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/leaktop/themes/mine.theme", tmpl);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("normal = fg=green\n\nheader = fg=purple\n", f);
	fclose(f);
	ck_assert_int_eq(theme_load("mine", &th, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "mine.theme:3: unknown colour 'purple'"));

	/* leaktoprc remembers the theme and keeps other lines */
	ck_assert_int_eq(theme_rc_read(name, sizeof(name)), -ENOENT);
	ck_assert_int_eq(theme_rc_write("light", err, sizeof(err)), 0);
	ck_assert_int_eq(theme_rc_read(name, sizeof(name)), 0);
	ck_assert_str_eq(name, "light");
	snprintf(path, sizeof(path), "%s/leaktop/leaktoprc", tmpl);
	f = fopen(path, "a");
	fputs("# mine\nother = 1\n", f);
	fclose(f);
	ck_assert_int_eq(theme_rc_write("monochrome", err, sizeof(err)), 0);
	ck_assert_int_eq(theme_rc_read(name, sizeof(name)), 0);
	ck_assert_str_eq(name, "monochrome");
	{
		char *buf = NULL;
		size_t len;

		ck_assert_int_eq(lt_read_file(path, &buf, &len, 4096), 0);
		ck_assert_str_eq(buf, "theme = monochrome\n# mine\nother = 1\n");
		free(buf);
	}
	unlink(path);
	snprintf(path, sizeof(path), "%s/leaktop/themes/mine.theme", tmpl);
	unlink(path);
	snprintf(path, sizeof(path), "%s/leaktop/themes", tmpl);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/leaktop", tmpl);
	rmdir(path);
	rmdir(tmpl);
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("LEAKTOP_THEMES_DIR");
}
END_TEST

/* The lines format_wrap made of text, joined with '|'. */
static char *wrapped(const char *text, int width, int utf8, char *out, size_t outsz)
{
	struct format_span sp[32];
	size_t n = format_wrap(text, width, utf8, sp, 32), i, o = 0;

	ck_assert_uint_le(n, 32);
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		ck_assert_uint_lt(o + sp[i].len + 2, outsz);
		if (i)
			out[o++] = '|';
		memcpy(out + o, text + sp[i].off, sp[i].len);
		o += sp[i].len;
		out[o] = '\0';
	}
	return out;
}

START_TEST(wrap_at_spaces_to_a_width)
{
	const char *expl = "This socket receives data that its program never reads, so every "
			   "packet stays queued in kernel memory that no process's RSS or PSS "
			   "shows, up to the socket's receive buffer.";
	struct format_span sp[32], one;
	char b[512], line[128];
	size_t n, i;
	int w;

	utf8_locale();
	ck_assert_uint_eq(format_wrap("", 10, 1, sp, 32), 0);
	ck_assert_str_eq(wrapped("hello world foo", 11, 1, b, sizeof(b)), "hello world|foo");
	ck_assert_str_eq(wrapped("hello world foo", 5, 1, b, sizeof(b)), "hello|world|foo");
	/* the spaces of a soft break go; a hard break keeps indentation */
	ck_assert_str_eq(wrapped("aaa   bbb", 4, 1, b, sizeof(b)), "aaa|bbb");
	ck_assert_str_eq(wrapped("a\n  b", 10, 1, b, sizeof(b)), "a|  b");
	ck_assert_str_eq(wrapped("a\n\nb\n", 10, 1, b, sizeof(b)), "a||b");
	/* a word longer than the line is cut */
	ck_assert_str_eq(wrapped("abcdefghij", 4, 1, b, sizeof(b)), "abcd|efgh|ij");
	ck_assert_str_eq(wrapped("x abcdefghij", 4, 1, b, sizeof(b)), "x|abcd|efgh|ij");
	/* by display width: CJK takes two columns, never split inside */
	ck_assert_str_eq(wrapped("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e "
				 "\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88", 6, 1, b, sizeof(b)),
			 "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e|"
			 "\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88");
	ck_assert_str_eq(wrapped("\xe6\x97\xa5\xe6\x9c\xac", 3, 1, b, sizeof(b)),
			 "\xe6\x97\xa5|\xe6\x9c\xac");
	/* a width below one column still makes progress */
	ck_assert_str_eq(wrapped("ab", 0, 1, b, sizeof(b)), "a|b");
	/* the count is of the whole text, however few spans fit */
	ck_assert_uint_eq(format_wrap("a b c d e", 1, 1, &one, 1), 5);
	ck_assert_uint_eq(one.off, 0);
	ck_assert_uint_eq(one.len, 1);
	/* every line of a real explanation fits, and no word is lost */
	for (w = 20; w <= 80; w += 7) {
		size_t words = 0;

		n = format_wrap(expl, w, 1, sp, 32);
		ck_assert_uint_le(n, 32);
		for (i = 0; i < n; i++) {
			memcpy(line, expl + sp[i].off, sp[i].len);
			line[sp[i].len] = '\0';
			ck_assert_int_le(format_width(line, 1), w);
			ck_assert_msg(line[0] != ' ' && (!sp[i].len || line[sp[i].len - 1] != ' '),
				      "width %d line %zu: \"%s\"", w, i, line);
			words += 1;
			for (const char *c = line; *c; c++)
				words += *c == ' ';
		}
		ck_assert_uint_eq(words, 30);
	}
}
END_TEST

/* Issue 24: at 80x24 a finding's sentence is shortened, never cut before
 * its size, its time left or its subject. */
START_TEST(brief_keeps_the_figures)
{
	const char *udp = "leak_udp (pid 14003, fd 4) never reads its udp socket "
			  "127.0.0.1:35050: 207.0 KiB queued, the queue is full";
	const char *fdx = "leak_ghost (pid 14004) will run out of file descriptors in about "
			  "37 s: 56 of its 73 fds are ghost sockets it never closed";
	const char *orph = "stopped reading 12 orphaned connections, which hold 44.1 MiB";
	char b[512], a[64];
	int w;

	utf8_locale();
	/* what fits is left alone */
	ck_assert_str_eq(format_brief("holds 3 sockets", 40, 1, b, sizeof(b)),
			 "holds 3 sockets");
	for (w = 40; w <= 80; w += 5) {
		format_brief(udp, w, 1, b, sizeof(b));
		ck_assert_int_le(format_width(b, 1), w);
		ck_assert_msg(strstr(b, "(pid 14003, fd 4)") && strstr(b, "207.0 KiB"),
			      "width %d: \"%s\"", w, b);
		format_brief(fdx, w, 1, b, sizeof(b));
		ck_assert_int_le(format_width(b, 1), w);
		ck_assert_msg(strstr(b, "(pid 14004)") && strstr(b, "37 s"),
			      "width %d: \"%s\"", w, b);
		format_brief(orph, w - 5, 1, b, sizeof(b));
		ck_assert_int_le(format_width(b, 1), w - 5);
		ck_assert_msg(strstr(b, "44.1 MiB"), "width %d: \"%s\"", w - 5, b);
	}
	/* a group's count is a fact: kept with its total at a narrow width */
	format_brief("[+] never reads 12 connections on :44269: 1.5 MiB queued, worst fd 5 "
		     "128.8 KiB", 30, 1, b, sizeof(b));
	ck_assert_int_le(format_width(b, 1), 30);
	ck_assert_msg(strstr(b, "12 conns") && strstr(b, "1.5 MiB"), "\"%s\"", b);
	/* the short forms first, the gaps marked */
	format_brief(fdx, 60, 1, b, sizeof(b));
	ck_assert_msg(strstr(b, "runs out of fds in ~37 s"), "\"%s\"", b);
	format_brief(udp, 50, 1, b, sizeof(b));
	ck_assert_msg(strstr(b, "\u2026"), "\"%s\"", b);
	format_brief(udp, 50, 0, b, sizeof(b));
	ck_assert_msg(strstr(b, "..") && !strstr(b, "\u2026"), "\"%s\"", b);
	/* rates and figures with their unit in one token */
	format_brief("grows by 1.5KiB/s while user memory stays flat; 90% of it", 20, 1, b,
		     sizeof(b));
	ck_assert_msg(strstr(b, "1.5KiB/s") && strstr(b, "90%"), "\"%s\"", b);
	/* facts wider than the width: cut, never past it */
	format_brief(udp, 12, 1, b, sizeof(b));
	ck_assert_int_le(format_width(b, 1), 12);

	/* one word abbreviated, marked */
	ck_assert_str_eq(format_abbrev("confirmed", 9, 1, a, sizeof(a)), "confirmed");
	ck_assert_str_eq(format_abbrev("confirmed", 5, 1, a, sizeof(a)), "conf\u2026");
	ck_assert_str_eq(format_abbrev("raise-fd-limit", 10, 0, a, sizeof(a)), "raise-fd..");
	ck_assert_int_eq(format_width(format_abbrev("drop-filter", 8, 1, a, sizeof(a)), 1), 8);
}
END_TEST

START_TEST(safe_text_escapes_once)
{
	char b[64];

	utf8_locale();
	/* what core escaped already stays as it is */
	ck_assert_str_eq(format_safe("comm \\x1b[2Jevil", 0, b, sizeof(b)),
			 "comm \\x1b[2Jevil");
	/* what it did not is escaped as lt_sanitize would */
	ck_assert_str_eq(format_safe("x\x1b[2J\x07", 0, b, sizeof(b)), "x\\x1b[2J\\x07");
	ck_assert_str_eq(format_safe("bad\xff", 0, b, sizeof(b)), "bad\\xff");
	ck_assert_str_eq(format_safe("abc\xe2\x80\xae" "x", 0, b, sizeof(b)), "abc\\u202ex");
	ck_assert_str_eq(format_safe("d\xc3\xa9j\xc3\xa0", 0, b, sizeof(b)), "d\xc3\xa9j\xc3\xa0");
	/* line breaks: kept for wrapping, or made visible */
	ck_assert_str_eq(format_safe("a\nb", 1, b, sizeof(b)), "a\nb");
	ck_assert_str_eq(format_safe("a\nb", 0, b, sizeof(b)), "a\\nb");
	ck_assert_str_eq(format_safe("a\tb", 1, b, sizeof(b)), "a\\tb");
	/* cut to the buffer, never inside an escape */
	ck_assert_str_eq(format_safe("\x1b\x1b", 0, b, 6), "\\x1b");
	ck_assert_str_eq(format_safe("abc", 0, b, 1), "");
	assert_inert(format_safe("\x9b\x1b]0;t\x07\x7f", 0, b, sizeof(b)));
}
END_TEST

START_TEST(action_figures_in_one_line)
{
	struct actions_figures g;
	char b[256];

	memset(&g, 0, sizeof(g));
	ck_assert_str_eq(format_figures(&g, b, sizeof(b)), "-");
	g.have = ACTIONS_HAVE_QUEUE | ACTIONS_HAVE_FILTER;
	g.rmem = g.recv_q = 2048;
	g.rcvbuf = 212992;
	g.drops = 7;
	ck_assert_str_eq(format_figures(&g, b, sizeof(b)),
			 "rmem 2.0K, recv_q 2.0K, rcvbuf 208K, drops 7, filter none");
	g.filter_len = 1;
	g.filter_drops_all = 1;
	ck_assert_ptr_nonnull(strstr(format_figures(&g, b, sizeof(b)), "filter drop-all (ret #0)"));
	g.filter_drops_all = 0;
	g.filter_len = 4;
	g.filter_locked = 1;
	ck_assert_ptr_nonnull(strstr(format_figures(&g, b, sizeof(b)),
				     "filter 4 instructions (locked)"));
	g.filter_len = ACTIONS_FILTER_EBPF;
	g.filter_locked = 0;
	ck_assert_ptr_nonnull(strstr(format_figures(&g, b, sizeof(b)), "filter eBPF"));
	g.have = ACTIONS_HAVE_QUEUE | ACTIONS_HAVE_DRAINED;
	g.drained_bytes = 1536;
	g.drained_packets = 3;
	ck_assert_str_eq(format_figures(&g, b, sizeof(b)),
			 "rmem 2.0K, recv_q 2.0K, rcvbuf 208K, drops 7, drained 1.5K in 3 reads");
	memset(&g, 0, sizeof(g));
	g.have = ACTIONS_HAVE_LIMITS;
	g.fd_soft = 1024;
	g.fd_hard = ACTIONS_UNLIMITED;
	g.nfds = 12;
	ck_assert_str_eq(format_figures(&g, b, sizeof(b)),
			 "fd limit 1024 soft / unlimited hard, 12 fds open");
	/* a small buffer is cut, not overrun */
	ck_assert_uint_eq(strlen(format_figures(&g, b, 10)), 9);
}
END_TEST

START_TEST(goto_prompt_times)
{
	const char *tz = getenv("TZ");
	char *saved = tz ? strdup(tz) : NULL;
	/* 2024-03-01 23:59:58 UTC */
	double start = 1709337598.25, t;

	setenv("TZ", "UTC", 1);
	tzset();
	ck_assert_int_eq(format_parse_when("+0", start, &t), 0);
	ck_assert(t == start);
	ck_assert_int_eq(format_parse_when("+12.5", start, &t), 0);
	ck_assert(t == start + 12.5);
	ck_assert_int_eq(format_parse_when(" +2m ", start, &t), 0);
	ck_assert(t == start + 120);
	ck_assert_int_eq(format_parse_when("+1h", start, &t), 0);
	ck_assert(t == start + 3600);
	/* the start's own second is on the start day */
	ck_assert_int_eq(format_parse_when("23:59:58", start, &t), 0);
	ck_assert(t == 1709337598.0);
	ck_assert_int_eq(format_parse_when("23:59:59", start, &t), 0);
	ck_assert(t == 1709337599.0);
	/* after midnight: the next day */
	ck_assert_int_eq(format_parse_when("00:00:03", start, &t), 0);
	ck_assert(t == 1709337603.0);
	ck_assert_int_eq(format_parse_when("0:1", start, &t), 0);
	ck_assert(t == 1709337660.0);
	/* malformed */
	ck_assert_int_eq(format_parse_when("", start, &t), -EINVAL);
	ck_assert_int_eq(format_parse_when("+", start, &t), -EINVAL);
	ck_assert_int_eq(format_parse_when("+-3", start, &t), -EINVAL);
	ck_assert_int_eq(format_parse_when("+nan", start, &t), -EINVAL);
	ck_assert_int_eq(format_parse_when("+3x", start, &t), -EINVAL);
	ck_assert_int_eq(format_parse_when("12", start, &t), -EINVAL);
	ck_assert_int_eq(format_parse_when("24:00", start, &t), -EINVAL);
	ck_assert_int_eq(format_parse_when("12:60", start, &t), -EINVAL);
	ck_assert_int_eq(format_parse_when("12:30:61", start, &t), -EINVAL);
	ck_assert_int_eq(format_parse_when("123:00", start, &t), -EINVAL);
	ck_assert_int_eq(format_parse_when("1:2:3:4", start, &t), -EINVAL);
	ck_assert_int_eq(format_parse_when("12:3a", start, &t), -EINVAL);
	if (saved) {
		setenv("TZ", saved, 1);
		free(saved);
	} else {
		unsetenv("TZ");
	}
	tzset();
}
END_TEST

/* What a view is: its class's name, or a table's descriptor's. */
static const char *view_name(const struct view *v)
{
	return v->cls == &table_view_class ? ((const struct table *)v)->d->name : v->cls->name;
}

/* The open table: each kind opens a view of its class, without a terminal
 * (no curses call happens before a draw); what cannot open says why in the
 * status line and opens nothing. */
START_TEST(open_table_opens_each_kind)
{
	static const struct check_owner own[] = { { 1001, 4242, 5, "leak_udp" } };
	struct lt_opts o = { .procroot = "/proc" };
	struct tui *t = calloc(1, sizeof(*t));
	struct ltsock k = check_samples_sock(1001, SOCK_DGRAM);
	uint8_t flags = 0;
	struct finding f = { 0 };
	struct tui_target tg;
	struct view *v;
	int i, depth;
	static const struct {
		struct tui_ref ref;
		const char *name;
	} want[] = {
		{ { .kind = TUI_REF_SOCKET, .sock = 0, .pid = 4242, .fd = 5 }, "socket" },
		{ { .kind = TUI_REF_FDS, .pid = 4242, .fd = TUI_FD_FIRST_GHOST }, "fds" },
		{ { .kind = TUI_REF_ACTLOG }, "actions" },
		{ { .kind = TUI_REF_HELP }, "help" },
	};

	ck_assert_ptr_nonnull(t);
	t->o = &o;
	t->openers = tui_open_table;
	check_samples_init(&t->cur, 100, 1);
	check_samples_socks(&t->cur, &k, &flags, 1, 4);
	check_samples_owners(&t->cur, own, 1);
	/* every kind has a line, and each line opens something */
	for (i = TUI_REF_NONE + 1; i < TUI_REF_NKINDS; i++) {
		ck_assert_msg(tui_open_table[i].name, "kind %d has no line", i);
		ck_assert_msg(!tui_open_table[i].view != !tui_open_table[i].go,
			      "kind %d: a view or a place, one of them", i);
	}
	for (i = 0; i < (int)(sizeof(want) / sizeof(want[0])); i++) {
		/* the fd table reads the live process only with a sample */
		t->have = want[i].ref.kind != TUI_REF_FDS;
		v = tui_open_view(t, &want[i].ref);
		ck_assert_msg(v != NULL, "kind %d: %s", (int)want[i].ref.kind, t->status);
		ck_assert_str_eq(view_name(v), want[i].name);
		v->cls->free(v);
	}
	t->have = 1;
	/* a finding about the socket: its evidence, the socket inside */
	f.kind = FINDING_UNREAD_QUEUE;
	f.pid = 4242;
	f.fd = 5;
	f.inode = 1001;
	f.netns = CHECK_SAMPLES_NETNS;
	v = tui_open_view(t, &(struct tui_ref){ .kind = TUI_REF_FINDING, .finding = &f });
	ck_assert_ptr_nonnull(v);
	ck_assert_str_eq(view_name(v), "evidence");
	ck_assert_ptr_nonnull(v->cls->table);
	v->cls->free(v);
	/* the action menu on leaktop's own process (previews only) */
	tui_target_init(t, (int)getpid(), -1, 0, 0, ACTIONS_NONE, &tg);
	v = tui_open_view(t, &(struct tui_ref){ .kind = TUI_REF_ACTIONS, .target = &tg });
	ck_assert_ptr_nonnull(v);
	ck_assert_str_eq(view_name(v), "actions");
	ck_assert_ptr_ne(v->cls, &table_view_class);	/* the menu, not the log */
	v->cls->free(v);
	/* tui_open pushes what it opened */
	ck_assert_int_eq(tui_open(t, &(struct tui_ref){ .kind = TUI_REF_HELP }), 0);
	ck_assert_int_eq(t->depth, 1);
	ck_assert_str_eq(view_name(tui_top(t)), "help");
	tui_pop(t);
	ck_assert_int_eq(t->depth, 0);

	/* what cannot open: a clear status, nothing pushed, no crash */
	depth = t->depth;
	ck_assert_int_eq(tui_open(t, &(struct tui_ref){ .kind = TUI_REF_NKINDS + 7 }), -1);
	ck_assert_ptr_nonnull(strstr(t->status, "unknown reference"));
	ck_assert_int_eq(tui_open(t, &(struct tui_ref){ .kind = TUI_REF_NONE }), -1);
	ck_assert_ptr_nonnull(strstr(t->status, "unknown reference"));
	ck_assert_int_eq(tui_open(t, &(struct tui_ref){ .kind = TUI_REF_SOCKET, .sock = 9 }), -1);
	ck_assert_ptr_nonnull(strstr(t->status, "no longer in the census"));
	ck_assert_int_eq(tui_open(t, &(struct tui_ref){ .kind = TUI_REF_EVENTS }), -1);
	ck_assert_ptr_nonnull(strstr(t->status, "only in a replay"));
	ck_assert_int_eq(tui_open(t, &(struct tui_ref){ .kind = TUI_REF_FINDING }), -1);
	ck_assert_ptr_null(tui_open_view(t, &(struct tui_ref){ .kind = TUI_REF_SOCKETS }));
	ck_assert_int_eq(t->depth, depth);
	/* without a table nothing opens */
	t->openers = NULL;
	ck_assert_int_eq(tui_open(t, &(struct tui_ref){ .kind = TUI_REF_HELP }), -1);
	ck_assert_int_eq(t->depth, depth);
	sample_release(&t->cur);
	free(t);
}
END_TEST

/* The Findings pane in core's order (findings_cmp): an open warning above
 * a resolved critical, whatever order the list came in. */
START_TEST(findings_pane_resolved_last)
{
	struct lt_opts o = { .procroot = "/proc" };
	struct tui *t = calloc(1, sizeof(*t));
	struct table *tb;
	size_t i;

	ck_assert_ptr_nonnull(t);
	t->o = &o;
	findings_config_default(&o.thresholds);
	check_samples_init(&t->cur, 100, 1);
	t->cur.findings.v = calloc(3, sizeof(struct finding));
	ck_assert_ptr_nonnull(t->cur.findings.v);
	t->cur.findings.n = t->cur.findings.cap = 3;
	for (i = 0; i < 3; i++) {
		struct finding *f = &t->cur.findings.v[i];

		f->kind = FINDING_UNREAD_QUEUE;
		f->pid = 4242 + (int)i;
		f->fd = 3;
		f->inode = 100 + i;
		f->state = i < 2 ? FINDING_RESOLVED : FINDING_CONFIRMED;
		f->severity = i < 2 ? FINDING_CRITICAL : FINDING_WARNING;
	}
	t->have = 1;
	tb = table_new(&findpane_desc, NULL);
	ck_assert_ptr_nonnull(tb);
	table_view_class.sample(&tb->v, t);
	ck_assert_uint_eq(tb->nrows, 3);
	ck_assert_msg(tb->rows[0] == 2, "first row: finding %u", tb->rows[0]);
	tb->v.cls->free(&tb->v);
	sample_release(&t->cur);
	free(t);
}
END_TEST

/* The Findings pane's note counts in the header's words (rows_verdict):
 * "2 critical, 1 warning", no "0 info", and a note is a note. */
START_TEST(findings_pane_note_is_the_verdict)
{
	struct lt_opts o = { .procroot = "/proc" };
	struct tui *t = calloc(1, sizeof(*t));
	struct table *tb;
	char buf[512], verdict[96];
	static const uint8_t sev[4] = { FINDING_CRITICAL, FINDING_CRITICAL, FINDING_WARNING,
					FINDING_INFO };
	size_t i;

	ck_assert_ptr_nonnull(t);
	t->o = &o;
	findings_config_default(&o.thresholds);
	check_samples_init(&t->cur, 100, 1);
	t->cur.seq = 10;
	t->cur.findings.v = calloc(4, sizeof(struct finding));
	ck_assert_ptr_nonnull(t->cur.findings.v);
	t->cur.findings.n = t->cur.findings.cap = 4;
	for (i = 0; i < 4; i++) {
		struct finding *f = &t->cur.findings.v[i];

		f->kind = i == 3 ? FINDING_UNACCOUNTED_GROWTH : FINDING_UNREAD_QUEUE;
		f->severity = sev[i];
		f->state = FINDING_CONFIRMED;
		f->pid = 4242 + (int)i;
		f->fd = 3;
		f->inode = 100 + i;
	}
	t->have = 1;
	tb = table_new(&findpane_desc, NULL);
	ck_assert_ptr_nonnull(tb);
	table_view_class.sample(&tb->v, t);
	findpane_desc.note(tb, t, buf, sizeof(buf));
	rows_verdict(&t->cur, &o.thresholds, verdict, sizeof(verdict));
	ck_assert_str_eq(verdict, "2 critical, 1 warning");
	ck_assert_msg(strstr(buf, "4 findings, most severe first: 2 critical, 1 warning.  ") == buf,
		      "%s", buf);
	ck_assert_msg(!strstr(buf, "info"), "%s", buf);
	tb->v.cls->free(&tb->v);
	sample_release(&t->cur);
	free(t);
}
END_TEST

/* The Findings pane names each row's link (the one rule, findings_links),
 * from the index it builds once per sample: the same words as the scan. */
START_TEST(findings_pane_links_from_the_index)
{
	struct lt_opts o = { .procroot = "/proc" };
	struct tui *t = calloc(1, sizeof(*t));
	struct table *tb;
	char buf[512], want[128];
	int sum = findpane_desc.ncols - 1;	/* SUMMARY, the last column */
	size_t i;

	ck_assert_ptr_nonnull(t);
	t->o = &o;
	check_samples_init(&t->cur, 100, 1);
	t->cur.findings.v = calloc(3, sizeof(struct finding));
	ck_assert_ptr_nonnull(t->cur.findings.v);
	t->cur.findings.n = t->cur.findings.cap = 3;
	for (i = 0; i < 3; i++) {
		struct finding *f = &t->cur.findings.v[i];

		f->severity = FINDING_WARNING;
		f->pid = 4242 + (int)(i == 2);
		f->fd = -1;
		snprintf(f->summary, sizeof(f->summary), "finding %zu", i);
	}
	t->cur.findings.v[0].kind = FINDING_FD_EXHAUSTION;
	t->cur.findings.v[1].kind = FINDING_GHOST_SOCKETS;
	t->cur.findings.v[2].kind = FINDING_GHOST_SOCKETS;	/* another process */
	t->have = 1;
	tb = table_new(&findpane_desc, NULL);
	ck_assert_ptr_nonnull(tb);
	table_view_class.sample(&tb->v, t);	/* reload (the index), rebuild */
	findpane_desc.cell(tb, t, 0, sum, buf, sizeof(buf));
	snprintf(want, sizeof(want), "[caused by %s]", findings_kind_name(FINDING_GHOST_SOCKETS));
	ck_assert_msg(strstr(buf, want), "row 0: %s", buf);
	findpane_desc.cell(tb, t, 1, sum, buf, sizeof(buf));
	snprintf(want, sizeof(want), "[leads to %s]", findings_kind_name(FINDING_FD_EXHAUSTION));
	ck_assert_msg(strstr(buf, want), "row 1: %s", buf);
	findpane_desc.cell(tb, t, 2, sum, buf, sizeof(buf));
	ck_assert_msg(!strchr(buf, '['), "row 2 links nothing: %s", buf);
	tb->v.cls->free(&tb->v);
	sample_release(&t->cur);
	free(t);
}
END_TEST

/* The Sockets pane's problems first: a group's members are its sockets
 * (findings_socks_build), a resolved finding's socket is no problem. */
START_TEST(sockets_pane_problems_are_the_findings_sockets)
{
	struct lt_opts o = { .procroot = "/proc" };
	struct tui *t = calloc(1, sizeof(*t));
	struct ltsock k[4];
	uint8_t flags[4] = { 0, 0, 0, 0 };
	struct finding_list *l;
	struct table *tb;
	size_t i;

	ck_assert_ptr_nonnull(t);
	t->o = &o;
	check_samples_init(&t->cur, 100, 1);
	for (i = 0; i < 4; i++)
		k[i] = check_samples_sock(10 + i, SOCK_DGRAM);
	check_samples_socks(&t->cur, k, flags, 4, 6);
	l = &t->cur.findings;
	l->v = calloc(2, sizeof(*l->v));
	l->members = calloc(2, sizeof(*l->members));
	ck_assert(l->v && l->members);
	l->n = l->cap = 2;
	l->nmembers = l->mcap = 2;
	/* a group of two members, inodes 11 and 12 */
	l->v[0].kind = FINDING_UNREAD_QUEUE;
	l->v[0].state = FINDING_CONFIRMED;
	l->v[0].pid = 7;
	l->v[0].fd = -1;
	l->v[0].nmembers = l->v[0].member_n = 2;
	for (i = 0; i < 2; i++) {
		l->members[i].kind = FINDING_UNREAD_QUEUE;
		l->members[i].state = FINDING_CONFIRMED;
		l->members[i].pid = 7;
		l->members[i].fd = 4 + (int)i;
		l->members[i].inode = 11 + i;
	}
	/* resolved, about inode 13 */
	l->v[1].kind = FINDING_UNREAD_QUEUE;
	l->v[1].state = FINDING_RESOLVED;
	l->v[1].pid = 8;
	l->v[1].fd = 3;
	l->v[1].inode = 13;
	t->have = 1;
	tb = table_new(&sockpane_desc, NULL);
	ck_assert_ptr_nonnull(tb);
	ck_assert_int_eq(sockpane_desc.problem(tb, t, 0), 0);
	ck_assert_int_eq(sockpane_desc.problem(tb, t, 1), 1);
	ck_assert_int_eq(sockpane_desc.problem(tb, t, 2), 1);
	ck_assert_int_eq(sockpane_desc.problem(tb, t, 3), 0);
	tb->v.cls->free(&tb->v);
	sample_release(&t->cur);
	free(t);
}
END_TEST

/* The Findings pane's PID/FD and COMMAND say who in core's words
 * (findings_subject_cells): a process leaktop cannot see is no "system". */
START_TEST(findings_pane_hidden_owner_is_no_system)
{
	struct lt_opts o = { .procroot = "/proc" };
	struct tui *t = calloc(1, sizeof(*t));
	struct table *tb;
	char buf[128], id[32], comm[64];
	size_t i;

	ck_assert_ptr_nonnull(t);
	t->o = &o;
	check_samples_init(&t->cur, 100, 1);
	t->cur.findings.v = calloc(3, sizeof(struct finding));
	ck_assert_ptr_nonnull(t->cur.findings.v);
	t->cur.findings.n = t->cur.findings.cap = 3;
	for (i = 0; i < 3; i++) {
		struct finding *f = &t->cur.findings.v[i];

		f->severity = FINDING_WARNING;
		f->state = FINDING_CONFIRMED;
		f->pid = -1;
		f->fd = -1;
		snprintf(f->summary, sizeof(f->summary), "finding %zu", i);
	}
	t->cur.findings.v[0].kind = FINDING_UNREAD_QUEUE;	/* owner hidden */
	t->cur.findings.v[1].kind = FINDING_UNACCOUNTED_GROWTH;	/* the machine */
	t->cur.findings.v[2].kind = FINDING_GHOST_SOCKETS;
	t->cur.findings.v[2].pid = 4242;
	snprintf(t->cur.findings.v[2].comm, sizeof(t->cur.findings.v[2].comm), "srv\x1b[2J");
	t->have = 1;
	tb = table_new(&findpane_desc, NULL);
	ck_assert_ptr_nonnull(tb);
	table_view_class.sample(&tb->v, t);
	for (i = 0; i < 3; i++) {
		findings_subject_cells(&t->cur.findings.v[i], id, sizeof(id), comm, sizeof(comm));
		findpane_desc.cell(tb, t, (uint32_t)i, 3, buf, sizeof(buf));	/* PID/FD */
		ck_assert_str_eq(buf, id);
		findpane_desc.cell(tb, t, (uint32_t)i, 4, buf, sizeof(buf));	/* COMMAND */
		ck_assert_str_eq(buf, comm);
	}
	findpane_desc.cell(tb, t, 0, 3, buf, sizeof(buf));
	ck_assert_str_eq(buf, "hidden");
	findpane_desc.cell(tb, t, 0, 4, buf, sizeof(buf));
	ck_assert_str_eq(buf, "run as root");
	findpane_desc.cell(tb, t, 1, 3, buf, sizeof(buf));
	ck_assert_str_eq(buf, "system");
	findpane_desc.cell(tb, t, 2, 3, buf, sizeof(buf));
	ck_assert_str_eq(buf, "4242");
	findpane_desc.cell(tb, t, 2, 4, buf, sizeof(buf));
	ck_assert_ptr_null(strchr(buf, '\x1b'));
	tb->v.cls->free(&tb->v);
	sample_release(&t->cur);
	free(t);
}
END_TEST

/* The action log's EFFECT is the finding the action acts on by core's rule
 * (findings_action_covers, what marks it mitigated), not any finding about
 * the same inode; an undo's is what the action it undid covered. */
START_TEST(action_log_effect_is_the_covered_finding)
{
	struct lt_opts o = { .procroot = "/proc" };
	struct tui *t = calloc(1, sizeof(*t));
	struct tui_action acts[3];
	struct finding_list *l;
	struct table *tb;
	struct view *v;
	char buf[128];
	size_t i;

	ck_assert_ptr_nonnull(t);
	t->o = &o;
	check_samples_init(&t->cur, 100, 1);
	l = &t->cur.findings;
	l->v = calloc(3, sizeof(*l->v));
	ck_assert_ptr_nonnull(l->v);
	l->n = l->cap = 3;
	for (i = 0; i < 3; i++) {
		l->v[i].pid = 7;
		l->v[i].fd = 4;
		l->v[i].inode = 11;
		l->v[i].severity = FINDING_WARNING;
		l->v[i].state = FINDING_CONFIRMED;
	}
	/* first, a finding about the same socket that no drop filter covers */
	l->v[0].kind = FINDING_SEND_STALL;
	l->v[1].kind = FINDING_UNREAD_QUEUE;
	l->v[1].state = FINDING_MITIGATED;
	l->v[1].check = FINDING_CHECK_WORKS;
	l->v[2].kind = FINDING_FD_EXHAUSTION;
	l->v[2].fd = -1;
	l->v[2].inode = 0;
	memset(acts, 0, sizeof(acts));
	acts[0].res.kind = ACTIONS_DROP_FILTER;
	acts[1].res.kind = ACTIONS_UNDO_FILTER;
	for (i = 0; i < 2; i++) {
		acts[i].res.outcome = ACTIONS_DONE;
		acts[i].res.target.pid = 7;
		acts[i].res.target.fd = 4;
		acts[i].res.target.inode = 11;
	}
	acts[2].res.kind = ACTIONS_RAISE_FD_LIMIT;
	acts[2].res.outcome = ACTIONS_DONE;
	acts[2].res.target.pid = 7;
	acts[2].res.target.fd = -1;
	t->acts = acts;
	t->nacts = 3;
	t->have = 1;
	v = actlog_new(t);
	ck_assert_ptr_nonnull(v);
	tb = (struct table *)v;
	tb->d->cell(tb, t, 0, 6, buf, sizeof(buf));	/* EFFECT */
	ck_assert_str_eq(buf, "works");
	tb->d->cell(tb, t, 1, 6, buf, sizeof(buf));
	ck_assert_str_eq(buf, "works");
	tb->d->cell(tb, t, 2, 6, buf, sizeof(buf));
	ck_assert_str_eq(buf, "confirmed");
	ck_assert_int_eq(findings_action_covers(&l->v[0], ACTIONS_DROP_FILTER, 7, 4, 11), 0);
	ck_assert_int_eq(findings_action_covers(&l->v[1], ACTIONS_DRAIN, 7, 4, 11), 1);
	ck_assert_int_eq(findings_action_covers(&l->v[1], ACTIONS_DROP_FILTER, 7, 4, 12), 0);
	ck_assert_int_eq(findings_action_covers(&l->v[2], ACTIONS_UNDO_FD_LIMIT, 7, -1, 0), 1);
	ck_assert_int_eq(findings_action_covers(&l->v[2], ACTIONS_RAISE_FD_LIMIT, 8, -1, 0), 0);
	v->cls->free(v);
	t->acts = NULL;
	sample_release(&t->cur);
	free(t);
}
END_TEST

/* The Processes pane's problems first: an open finding's process, or one
 * text and Markdown list (findings_proc_notable), by the --threshold
 * values, so --threshold moves the rows on screen too. */
START_TEST(processes_pane_problems_follow_the_thresholds)
{
	struct lt_opts o = { .procroot = "/proc" };
	struct tui *t = calloc(1, sizeof(*t));
	struct table *tb;
	size_t i;

	ck_assert_ptr_nonnull(t);
	findings_config_default(&o.thresholds);
	t->o = &o;
	check_samples_init(&t->cur, 100, 1);
	t->cur.have_procs = 1;
	t->cur.procs.v = calloc(4, sizeof(*t->cur.procs.v));
	ck_assert_ptr_nonnull(t->cur.procs.v);
	t->cur.procs.n = t->cur.procs.cap = 4;
	for (i = 0; i < 4; i++) {
		struct proc_info *p = &t->cur.procs.v[i];

		p->pid = 100 + (int)i;
		p->nfds = 10;
		p->fd_soft = p->fd_hard = 100;
		p->exhaustion_s = -1;
	}
	t->cur.procs.v[0].nfds = 60;		/* 60 % of its limit */
	t->cur.procs.v[2].queued = 4096;	/* bytes waiting in its sockets */
	t->cur.findings.v = calloc(1, sizeof(struct finding));
	ck_assert_ptr_nonnull(t->cur.findings.v);
	t->cur.findings.n = t->cur.findings.cap = 1;
	t->cur.findings.v[0].kind = FINDING_GHOST_SOCKETS;
	t->cur.findings.v[0].state = FINDING_CONFIRMED;
	t->cur.findings.v[0].pid = 103;
	t->cur.findings.v[0].fd = -1;
	t->have = 1;
	tb = table_new(&procpane_desc, NULL);
	ck_assert_ptr_nonnull(tb);
	ck_assert_int_eq(procpane_desc.problem(tb, t, 0), 0);	/* 60 % < 90 % */
	ck_assert_int_eq(procpane_desc.problem(tb, t, 1), 0);
	ck_assert_int_eq(procpane_desc.problem(tb, t, 2), 1);	/* queued: text lists it */
	ck_assert_int_eq(procpane_desc.problem(tb, t, 3), 1);	/* its finding */
	for (i = 0; i < 3; i++)	/* without a finding: text's rule alone */
		ck_assert_int_eq(procpane_desc.problem(tb, t, (uint32_t)i),
				 findings_proc_notable(&o.thresholds, &t->cur.procs.v[i]));
	o.thresholds.fd_crit_pct = 50;	/* --threshold fd_crit_pct=50 */
	ck_assert_int_eq(procpane_desc.problem(tb, t, 0), 1);
	t->cur.findings.v[0].state = FINDING_RESOLVED;
	t->cur.seq++;	/* another sample: the set is built again */
	ck_assert_int_eq(procpane_desc.problem(tb, t, 3), 0);
	tb->v.cls->free(&tb->v);
	sample_release(&t->cur);
	free(t);
}
END_TEST

/* The Memory pane highlights a line growing fast by core's rule
 * (findings_mem_growing), so --threshold unaccounted_bps moves it: 2000 B/s
 * of unaccounted memory is marked with unaccounted_bps=1000, not with the
 * default 64 KiB/s. */
START_TEST(memory_pane_growth_follows_the_thresholds)
{
	struct lt_opts o = { .procroot = "/proc" };
	int pass;

	for (pass = 0; pass < 2; pass++) {
		struct tui *t = calloc(1, sizeof(*t));
		struct table *tb;
		char buf[256];
		size_t row, n, at = SIZE_MAX;
		int i;

		ck_assert_ptr_nonnull(t);
		findings_config_default(&o.thresholds);
		if (pass == 0) {
			o.thresholds.unaccounted_bps = 1000;
			o.thresholds.unaccounted_window_s = 10;
		}
		t->o = &o;
		tb = table_new(&mempane_desc, NULL);
		ck_assert_ptr_nonnull(tb);
		t->panes[0] = &tb->v;
		t->npanes = 1;
		for (i = 0; i < 8; i++) {
			struct sample s;

			check_samples_init(&s, 1000 + 5.0 * i, (uint64_t)i + 1);
			s.interval = 5;
			s.mem.total = 1ULL << 34;
			s.mem.free = 1ULL << 33;
			s.mem.available = 1ULL << 33;
			s.mem.user_anon = 1ULL << 30;
			s.mem.unaccounted = (int64_t)(100 << 20) + i * 5 * 2000;
			tui_install_sample(t, &s);
		}
		n = mempane_desc.count(tb, t);
		for (row = 0; row < n; row++) {
			mempane_desc.cell(tb, t, (uint32_t)row, 0, buf, sizeof(buf));
			if (strstr(buf, "unaccounted"))
				at = row;
		}
		ck_assert_uint_ne(at, SIZE_MAX);
		if (pass == 0)
			ck_assert_int_eq(mempane_desc.elem(tb, t, (uint32_t)at, -1),
					 THEME_FINDING_WARNING);
		else
			ck_assert_int_ne(mempane_desc.elem(tb, t, (uint32_t)at, -1),
					 THEME_FINDING_WARNING);
		tb->v.cls->free(&tb->v);
		sample_release(&t->cur);
		free(t);
	}
}
END_TEST

Suite *tui_suite(void)
{
	Suite *s = suite_create("tui");
	TCase *tc = tcase_create("format");

	tcase_add_test(tc, size_fits_width);
	tcase_add_test(tc, rates_and_percents);
	tcase_add_test(tc, same_figure_same_words);
	tcase_add_test(tc, fit_utf8_to_display_width);
	tcase_add_test(tc, cells_pad_and_align);
	tcase_add_test(tc, untrusted_text_as_the_ui_shows_it);
	tcase_add_test(tc, wrap_at_spaces_to_a_width);
	tcase_add_test(tc, safe_text_escapes_once);
	tcase_add_test(tc, brief_keeps_the_figures);
	tcase_add_test(tc, action_figures_in_one_line);
	tcase_add_test(tc, goto_prompt_times);
	tcase_add_test(tc, open_table_opens_each_kind);
	tcase_add_test(tc, findings_pane_links_from_the_index);
	tcase_add_test(tc, findings_pane_note_is_the_verdict);
	tcase_add_test(tc, findings_pane_resolved_last);
	tcase_add_test(tc, sockets_pane_problems_are_the_findings_sockets);
	tcase_add_test(tc, findings_pane_hidden_owner_is_no_system);
	tcase_add_test(tc, action_log_effect_is_the_covered_finding);
	tcase_add_test(tc, processes_pane_problems_follow_the_thresholds);
	tcase_add_test(tc, memory_pane_growth_follows_the_thresholds);
	suite_add_tcase(s, tc);
	tc = tcase_create("theme");
	tcase_add_test(tc, theme_good_file);
	tcase_add_test(tc, theme_bad_file_all_or_nothing);
	tcase_add_test(tc, theme_shipped_files_and_rc);
	suite_add_tcase(s, tc);
	return s;
}
