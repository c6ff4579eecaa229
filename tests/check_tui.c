/*
 * Unit tests of the UI's curses-free parts: column formatting of sizes,
 * rates and percents, cutting UTF-8 text to a display width, untrusted
 * text as the UI shows it, and theme files (parser, lookup, leaktoprc).
 */
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_suites.h"
#include "leaktop/common.h"
#include "../tui/format.h"
#include "../tui/theme.h"

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
	ck_assert_str_eq(format_pct(-1, 4, b, sizeof(b)), "-");
	ck_assert_str_eq(format_num(12.5, 1, 6, b, sizeof(b)), "12");
	ck_assert_str_eq(format_num(2.5, 1, 6, b, sizeof(b)), "2.5");
	ck_assert_str_eq(format_num(1234567, 1, 6, b, sizeof(b)), "1.2M");
	ck_assert_str_eq(format_num(3, 0, 6, b, sizeof(b)), "-");
	ck_assert_str_eq(format_duration(42, b, sizeof(b)), "42s");
	ck_assert_str_eq(format_duration(3 * 86400 + 4 * 3600 + 5, b, sizeof(b)), "3d04h");
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

Suite *tui_suite(void)
{
	Suite *s = suite_create("tui");
	TCase *tc = tcase_create("format");

	tcase_add_test(tc, size_fits_width);
	tcase_add_test(tc, rates_and_percents);
	tcase_add_test(tc, fit_utf8_to_display_width);
	tcase_add_test(tc, cells_pad_and_align);
	tcase_add_test(tc, untrusted_text_as_the_ui_shows_it);
	suite_add_tcase(s, tc);
	tc = tcase_create("theme");
	tcase_add_test(tc, theme_good_file);
	tcase_add_test(tc, theme_bad_file_all_or_nothing);
	tcase_add_test(tc, theme_shipped_files_and_rc);
	suite_add_tcase(s, tc);
	return s;
}
