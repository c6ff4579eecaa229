#!/bin/bash
# The harness's runner for one test (automake's LOG_COMPILER): it takes the
# machine's test lock, runs the test under a time limit that names it when
# it hangs, and writes how long the test took into its log.
#
# The lock is /tmp/leaktop-test.lock (LEAKTOP_TEST_LOCK), the one every
# behaviour test, benchmark and CI run on this machine shares.  A test whose
# header has the line
#     # leaktop-test: alone
# needs the machine to itself (it ranks a leaker among every socket of the
# machine, or asserts that a quiet machine raises nothing): it takes the
# lock exclusively.  Every other test takes it shared, so any number of them
# run at once, from one `make -j check` or from several clones, and none of
# them runs while an "alone" test does.
#
# The limit is LEAKTOP_TEST_LIMIT seconds (default 600), or the test's own
#     # leaktop-test: limit=SECONDS
# It counts from when the lock is held, not while waiting for it.  A test
# over its limit gets SIGTERM (its EXIT trap stops its leakers and removes
# its namespaces), SIGKILL 20 s later, and fails with a line naming it.
#
# usage: run-one.sh TEST [ARGS...]   (a shell script or an executable)
set -u
t=$1
shift
name=${t##*/}
lock=${LEAKTOP_TEST_LOCK:-/tmp/leaktop-test.lock}
limit=${LEAKTOP_TEST_LIMIT:-600}
mode=shared
case "$t" in
*.sh)
	# the marks are read from the comment block the script starts with
	marks=$(awk 'NR > 1 && !/^#/ { exit } /^# leaktop-test:/' "$t")
	grep -q '\<alone\>' <<<"$marks" && mode=exclusive
	l=$(sed -n 's/.*\<limit=\([0-9][0-9]*\).*/\1/p' <<<"$marks" | head -1)
	[ -n "$l" ] && limit=$l
	run=(bash "$t" "$@")
	;;
*)
	run=("$t" "$@")
	;;
esac

# the lock's fd is closed in the test: a leaker or a tmux server that
# outlives its test must not hold the machine's lock
if ! exec 9>>"$lock"; then
	echo "run-one: cannot open the test lock $lock" >&2
	exit 99
fi
waited=$(date +%s%N)
if [ $mode = exclusive ]; then flock -x 9; else flock -s 9; fi
start=$(date +%s%N)
# timeout makes the test a process group of its own and signals all of it
timeout --kill-after=20 "$limit" "${run[@]}" 9>&-
rc=$?
end=$(date +%s%N)
ds() { local n=$(($1 / 100000000)); echo "$((n / 10)).$((n % 10))"; }
if [ $rc = 124 ] || [ $rc = 137 ]; then
	echo "TIMEOUT: $name did not finish within its limit of $limit s and was killed"
	rc=1
fi
# read by ./setup test for the summary of where the time goes
echo "leaktop-test: $name took $(ds $((end - start))) s" \
	"($mode, waited $(ds $((start - waited))) s for the lock)"
exit $rc
