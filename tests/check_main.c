/*
 * One runner for every unit suite, so the run ends with a single Check
 * summary line.
 */
#include <stdio.h>
#include <stdlib.h>

#include "check_suites.h"
#include "leaktop/common.h"

const char *fixtures_dir(void)
{
	const char *d = getenv("LEAKTOP_FIXTURES");

	return d && *d ? d : "tests/fixtures";
}

char *fixture_read(const char *rel, size_t *len)
{
	char path[4096], *buf = NULL;
	int r;

	snprintf(path, sizeof(path), "%s/%s", fixtures_dir(), rel);
	r = lt_read_file(path, &buf, len, 64 << 20);
	ck_assert_msg(r == 0, "cannot read fixture %s (%d)", path, r);
	return buf;
}

int main(void)
{
	Suite *(*const suites[])(void) = {
		meminfo_suite,
		report_suite,
		socket_suite,
		sockdiag_suite,
		procnet_suite,
		history_suite,
		fdtable_suite,
		netns_suite,
		procs_suite,
		findings_suite,
		triage_suite,
		actions_suite,
		tui_suite,
		record_suite,
		export_suite,
		serve_suite,
		fallback_suite,
		sample_suite,
		severity_suite,
		ltbpf_suite,
		group_suite,
		cgroup_suite,
		origin_suite,
	};
	SRunner *sr = srunner_create(NULL);
	size_t i;
	int failed;

	for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		srunner_add_suite(sr, suites[i]());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
