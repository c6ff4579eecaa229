#!/bin/bash
# Kernel fallbacks forced (LEAKTOP_FALLBACKS=all, issue 16): the census,
# fd-table and triage tests run again on a kernel without every feature
# leaktop can do without, and must find the same leaks.  bt_census.sh and
# bt_triage.sh rank a leaker among every socket of the machine, so this
# test needs the machine alone as they do.
# leaktop-test: alone (runs bt_census.sh and bt_triage.sh)
. "${TESTS_SRC:-$(dirname "$0")}/lib.sh"
need_root
need_cmd jq

for t in census procs triage; do
	RC=0
	LEAKTOP_FALLBACKS=all bash "$TESTS_SRC/bt_$t.sh" >"$TMPD/bt_$t.log" 2>&1 || RC=$?
	echo "bt_$t.sh with LEAKTOP_FALLBACKS=all: exit $RC," \
		"$(grep -c '^ok:' "$TMPD/bt_$t.log") checks passed"
	grep '^FAIL' "$TMPD/bt_$t.log" | sed 's/^/  /'
	check "bt_$t.sh passes with every fallback forced" test "$RC" = 0
done
finish
