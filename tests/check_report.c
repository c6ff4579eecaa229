/*
 * Unit tests of core/report.c: JSON string escaping of untrusted text and
 * human sizes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_suites.h"
#include "leaktop/report.h"

static char *json_of(const char *in)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	report_json_string(f, in);
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

	ck_assert_str_eq(report_size(0, b, sizeof(b)), "0 B");
	ck_assert_str_eq(report_size(1023, b, sizeof(b)), "1023 B");
	ck_assert_str_eq(report_size(1536, b, sizeof(b)), "1.5 KiB");
	ck_assert_str_eq(report_size(204800896, b, sizeof(b)), "195.3 MiB");
	ck_assert_str_eq(report_size(13ULL << 30, b, sizeof(b)), "13.0 GiB");
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
	ck_assert_int_eq(report_json(f, &s), 0);
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

Suite *report_suite(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("format");

	tcase_add_test(tc, test_json_escapes);
	tcase_add_test(tc, test_sizes);
	tcase_add_test(tc, test_json_sample_shape);
	tcase_add_test(tc, test_sanitize);
	suite_add_tcase(s, tc);
	return s;
}
