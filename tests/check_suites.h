/* The Check suites of leaktop's unit tests; check_main.c runs them all. */
#ifndef CHECK_SUITES_H
#define CHECK_SUITES_H

#include <stddef.h>
#include <check.h>

Suite *meminfo_suite(void);
Suite *report_suite(void);
Suite *socket_suite(void);
Suite *sockdiag_suite(void);
Suite *procnet_suite(void);
Suite *history_suite(void);
Suite *fdtable_suite(void);
Suite *netns_suite(void);
Suite *procs_suite(void);
Suite *findings_suite(void);
Suite *triage_suite(void);
Suite *actions_suite(void);
Suite *tui_suite(void);
Suite *record_suite(void);
Suite *export_suite(void);
Suite *serve_suite(void);
Suite *fallback_suite(void);
Suite *sample_suite(void);
Suite *severity_suite(void);
Suite *ltbpf_suite(void);
Suite *group_suite(void);
Suite *cgroup_suite(void);
Suite *origin_suite(void);

/* Fixture helpers (check_main.c): the fixtures directory, from the
 * LEAKTOP_FIXTURES environment variable or "tests/fixtures". */
const char *fixtures_dir(void);
/* Read fixtures_dir()/rel into a malloc'd buffer; fails the test if absent. */
char *fixture_read(const char *rel, size_t *len);

struct ltsock;
struct ltsock_mem;
/* (check_samples.c) The figures of socket s, to change them: a block of the test's own that
 * s points at from now on (a copy of what it held; the same block again
 * for the same s).  Never one its vector shares with other sockets, so a
 * change touches s alone: `check_mem(&v.v[3])->recv_q = 5`.  A socket
 * returned by value and stored elsewhere must be given its own again. */
struct ltsock_mem *check_mem(struct ltsock *s);

#endif
