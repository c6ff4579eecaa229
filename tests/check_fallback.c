/*
 * Tests for core/fallback.c: LEAKTOP_FALLBACKS parsing (all or nothing),
 * forced and detected fallbacks, and each fallback said once.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <check.h>

#include "check_suites.h"
#include "leaktop/fallback.h"
#include "leaktop/sample.h"
#include "leaktop/out.h"

START_TEST(test_parse)
{
	struct lt_err err = { "" };
	int i;

	fallback_reset();
	ck_assert_int_eq(fallback_init("", &err), 0);
	ck_assert(!fallback_forced(LT_FB_RAW_DIAG));
	ck_assert_int_eq(fallback_init("raw_diag,,smaps_rollup,", &err), 0);
	ck_assert(fallback_forced(LT_FB_RAW_DIAG) && lt_fallback(LT_FB_RAW_DIAG));
	ck_assert(fallback_forced(LT_FB_SMAPS_ROLLUP));
	ck_assert(!fallback_forced(LT_FB_PIDFD_GETFD));
	/* an unknown name: an error naming it, and nothing forced */
	ck_assert_int_eq(fallback_init("raw_diag,raw", &err), -EINVAL);
	ck_assert_ptr_ne(strstr(err.msg, "'raw'"), NULL);
	ck_assert(!fallback_forced(LT_FB_RAW_DIAG));
	ck_assert_int_eq(fallback_init("all", &err), 0);
	for (i = 0; i < LT_FB_COUNT; i++) {
		ck_assert(fallback_forced(i));
		ck_assert_ptr_ne(fallback_name(i), NULL);
		ck_assert_int_eq(strncmp(fallback_since(i), "Linux ", 6), 0);
		ck_assert(strlen(fallback_lost(i)) > 0);
	}
	ck_assert_ptr_eq(fallback_name(LT_FB_COUNT), NULL);
	ck_assert(!lt_fallback(LT_FB_COUNT));
	fallback_reset();
}
END_TEST

START_TEST(test_said_once)
{
	struct lt_err err = { "" };
	char buf[256], *out = NULL;
	size_t outsz = 0;
	FILE *f;

	fallback_reset();
	ck_assert_int_eq(fallback_init("pidfd_getfd", &err), 0);
	fallback_detected(LT_FB_RAW_DIAG);
	ck_assert(lt_fallback(LT_FB_RAW_DIAG) && !fallback_forced(LT_FB_RAW_DIAG));
	f = open_memstream(&out, &outsz);
	ck_assert_ptr_ne(f, NULL);
	out_json_fallbacks(f);
	/* stderr: the forced one only */
	ck_assert_int_eq(fallback_warn(f), 1);
	ck_assert_int_eq(fallback_warn(f), 0);
	fclose(f);
	ck_assert_ptr_ne(strstr(out, "\"fallbacks\":[{\"name\":\"pidfd_getfd\",\"since\":\"Linux 5.6\""), NULL);
	ck_assert_ptr_ne(strstr(out, "\"name\":\"raw_diag\""), NULL);
	ck_assert_ptr_ne(strstr(out, "\"forced\":false}]"), NULL);
	ck_assert_ptr_ne(strstr(out, "leaktop: fallback pidfd_getfd (Linux 5.6; forced by LEAKTOP_FALLBACKS)"), NULL);
	ck_assert_ptr_eq(strstr(out, "leaktop: fallback raw_diag"), NULL);
	free(out);
	/* the status line names what stderr did not, then only what is new */
	ck_assert_int_eq(fallback_status(buf, sizeof(buf)), 1);
	ck_assert_ptr_ne(strstr(buf, "kernel fallbacks: raw_diag (raw from"), NULL);
	ck_assert_int_eq(fallback_status(buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "");
	fallback_detected(LT_FB_UNIX_DIAG);
	ck_assert_int_eq(fallback_status(buf, sizeof(buf)), 1);
	ck_assert_ptr_ne(strstr(buf, "kernel fallbacks: unix_diag (unix from /proc/net/unix"), NULL);
	ck_assert_int_eq(fallback_status(buf, sizeof(buf)), 0);
	fallback_reset();
	f = open_memstream(&out, &outsz);
	out_json_fallbacks(f);
	fclose(f);
	ck_assert_str_eq(out, "\"fallbacks\":[]");
	free(out);
}
END_TEST

/* A collector that says why: JSON and the status line carry it; the first
 * reason stays; a forced fallback has none. */
START_TEST(test_why)
{
	struct lt_err err = { "" };
	char buf[512], *out = NULL;
	size_t outsz = 0;
	FILE *f;

	fallback_reset();
	ck_assert_int_eq(fallback_init("", &err), 0);
	ck_assert_ptr_eq(fallback_why(LT_FB_BPF), NULL);
	fallback_detected_why(LT_FB_BPF, "loading the census programs: Operation not permitted");
	fallback_detected_why(LT_FB_BPF, "a second reason");
	ck_assert(lt_fallback(LT_FB_BPF));
	ck_assert_str_eq(fallback_why(LT_FB_BPF), "loading the census programs: Operation not permitted");
	f = open_memstream(&out, &outsz);
	ck_assert_ptr_ne(f, NULL);
	out_json_fallbacks(f);
	fclose(f);
	ck_assert_ptr_ne(strstr(out, "\"why\":\"loading the census programs: Operation not permitted\","
				 "\"forced\":false}"), NULL);
	free(out);
	/* at least this one: under valgrind, whose bpf() and pidfd_getfd
	 * are unhandled, the probes can find another */
	ck_assert_int_ge(fallback_status(buf, sizeof(buf)), 1);
	ck_assert_ptr_ne(strstr(buf, "bpf"), NULL);
	fallback_detected_why(LT_FB_COUNT, "out of range: ignored");
	fallback_reset();
	ck_assert_ptr_eq(fallback_why(LT_FB_BPF), NULL);
	ck_assert_int_eq(fallback_init("bpf", &err), 0);
	fallback_detected_why(LT_FB_BPF, "refused");
	ck_assert_ptr_eq(fallback_why(LT_FB_BPF), NULL);
	fallback_reset();
}
END_TEST

/* The exporter names the features done without, one series each. */
START_TEST(test_prom_series)
{
	struct lt_err err = { "" };
	struct sample s;
	char *out = NULL;
	size_t outsz = 0;
	FILE *f;

	memset(&s, 0, sizeof(s));
	s.census = 1;
	fallback_reset();
	ck_assert_int_eq(fallback_init("bpf", &err), 0);
	fallback_detected(LT_FB_RAW_DIAG);
	f = open_memstream(&out, &outsz);
	ck_assert_ptr_ne(f, NULL);
	ck_assert_int_eq(out_prom_write_default(f, &s), 0);
	fclose(f);
	ck_assert_ptr_ne(strstr(out, "\n# TYPE leaktop_fallback gauge\n"), NULL);
	ck_assert_ptr_ne(strstr(out, "\nleaktop_fallback{feature=\"bpf\",forced=\"yes\"} 1\n"),
			 NULL);
	ck_assert_ptr_ne(strstr(out, "\nleaktop_fallback{feature=\"raw_diag\",forced=\"no\"} 1\n"),
			 NULL);
	ck_assert_ptr_eq(strstr(out, "feature=\"smaps_rollup\""), NULL);
	free(out);
	out = NULL;
	fallback_reset();
	f = open_memstream(&out, &outsz);
	ck_assert_ptr_ne(f, NULL);
	ck_assert_int_eq(out_prom_write_default(f, &s), 0);
	fclose(f);
	ck_assert_ptr_eq(strstr(out, "leaktop_fallback"), NULL);
	free(out);
}
END_TEST

Suite *fallback_suite(void)
{
	Suite *s = suite_create("fallback");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_parse);
	tcase_add_test(tc, test_said_once);
	tcase_add_test(tc, test_why);
	tcase_add_test(tc, test_prom_series);
	suite_add_tcase(s, tc);
	return s;
}
