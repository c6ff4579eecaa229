#!/bin/bash
# The test harness itself (issue 29), tests/run-one.sh on small tests of its
# own, with a lock file of this run so that nothing else on the machine is
# held up:
# - a test that hangs is killed at its limit, reported by name, and fails;
#   its EXIT trap runs (its leakers stopped) and no child of it is left;
# - a test marked "alone" starts only after a test holding the lock shared
#   has finished, and two unmarked tests run at the same time;
# - the log line the summary of ./setup test reads is there, with the mode.
# Orders are proven by the lock, never by a clock: each waiting step polls
# with a bound.
. "${TESTS_SRC:-$(dirname "$0")}/lib.sh"
RUN="$TESTS_SRC/run-one.sh"
export LEAKTOP_TEST_LOCK="$TMPD/lock"

# --- a hung test: named, killed, cleaned up -----------------------------------
cat >"$TMPD/hang.sh" <<EOF
#!/bin/bash
# a test that never ends, with a leaker-like child
# leaktop-test: limit=2
trap 'echo trap-ran >"$TMPD/hang.trap"; kill \$child 2>/dev/null' EXIT
sleep 1000 &
child=\$!
echo \$child >"$TMPD/hang.child"
sleep 1000
EOF
RC=0
bash "$RUN" "$TMPD/hang.sh" >"$TMPD/hang.out" 2>&1 || RC=$?
cat "$TMPD/hang.out"
check "hung test: fails (exit $RC)" test "$RC" = 1
check "hung test: reported by name, with its limit" \
	grep -qx "TIMEOUT: hang.sh did not finish within its limit of 2 s and was killed" "$TMPD/hang.out"
check "hung test: its EXIT trap ran" grep -qx trap-ran "$TMPD/hang.trap"
child=$(cat "$TMPD/hang.child" 2>/dev/null)
check "hung test: no child of it is left" \
	bash -c "[ -n '$child' ] && for i in \$(seq 1 50); do kill -0 '$child' 2>/dev/null || exit 0; sleep 0.1; done; exit 1"
check "hung test: the lock is free again" flock -n -x "$LEAKTOP_TEST_LOCK" true

# LEAKTOP_TEST_LIMIT is the default limit; the test's own line wins over it
cat >"$TMPD/hang2.sh" <<'EOF'
#!/bin/bash
sleep 1000
EOF
RC=0
LEAKTOP_TEST_LIMIT=1 bash "$RUN" "$TMPD/hang2.sh" >"$TMPD/hang2.out" 2>&1 || RC=$?
check "LEAKTOP_TEST_LIMIT: a test without its own limit is held to it" \
	bash -c "[ $RC = 1 ] && grep -q 'TIMEOUT: hang2.sh .* limit of 1 s' '$TMPD/hang2.out'"

# --- a passing test: its exit status and the summary's line -------------------
printf '#!/bin/bash\necho fine\nexit 0\n' >"$TMPD/ok.sh"
printf '#!/bin/bash\nexit 77\n' >"$TMPD/skip.sh"
RC=0
bash "$RUN" "$TMPD/ok.sh" >"$TMPD/ok.out" 2>&1 || RC=$?
check "a passing test: exit 0" test "$RC" = 0
check "a passing test: the duration line, shared" \
	grep -Eq '^leaktop-test: ok\.sh took [0-9]+\.[0-9] s \(shared, waited [0-9]+\.[0-9] s for the lock\)$' \
	"$TMPD/ok.out"
RC=0
bash "$RUN" "$TMPD/skip.sh" >/dev/null 2>&1 || RC=$?
check "a skipped test keeps its exit status 77" test "$RC" = 77

# --- alone waits for the shared holder; two shared ones run together ----------
# the holder takes the lock shared, says so, and finishes only when told
(
	exec 9>>"$LEAKTOP_TEST_LOCK"
	flock -s 9
	echo holder-start >>"$TMPD/order"
	for _ in $(seq 1 300); do [ -e "$TMPD/release" ] && break; sleep 0.1; done
	echo holder-end >>"$TMPD/order"
) &
holder=$!
CHILDREN="$CHILDREN $holder"
for _ in $(seq 1 100); do grep -q holder-start "$TMPD/order" 2>/dev/null && break; sleep 0.1; done
cat >"$TMPD/alone.sh" <<EOF
#!/bin/bash
# leaktop-test: alone (this harness's own check)
echo alone-start >>"$TMPD/order"
EOF
bash "$RUN" "$TMPD/alone.sh" >"$TMPD/alone.out" 2>&1 &
alone=$!
CHILDREN="$CHILDREN $alone"
# let the holder finish once the alone test waits for the lock (its flock)
for _ in $(seq 1 100); do pgrep -P "$alone" -x flock >/dev/null && break; sleep 0.1; done
touch "$TMPD/release"
wait "$alone"
RC=$?
wait "$holder"
echo "order: $(tr '\n' ' ' <"$TMPD/order")"
check "alone: exit 0" test "$RC" = 0
check "alone: it started only after the shared holder had finished" \
	test "$(tr '\n' ' ' <"$TMPD/order")" = "holder-start holder-end alone-start "
check "alone: its duration line says exclusive" grep -q '(exclusive, waited' "$TMPD/alone.out"

# two unmarked tests: each waits (bounded) to see the other running
for me in a b; do
	other=$([ $me = a ] && echo b || echo a)
	cat >"$TMPD/par_$me.sh" <<EOF
#!/bin/bash
touch "$TMPD/running_$me"
for _ in \$(seq 1 100); do [ -e "$TMPD/running_$other" ] && exit 0; sleep 0.1; done
exit 1
EOF
done
bash "$RUN" "$TMPD/par_a.sh" >/dev/null 2>&1 &
pa=$!
bash "$RUN" "$TMPD/par_b.sh" >/dev/null 2>&1 &
pb=$!
CHILDREN="$CHILDREN $pa $pb"
wait "$pa"; ra=$?
wait "$pb"; rb=$?
check "two unmarked tests ran at the same time (each saw the other)" test "$ra$rb" = 00

# --- the real tests' marks: the ones that need the machine alone say why -------
for t in "$TESTS_SRC"/bt_*.sh; do
	m=$(awk 'NR > 1 && !/^#/ { exit } /^# leaktop-test: alone/ { sub(/^# leaktop-test: alone/, ""); print }' "$t")
	[ -z "$m" ] && continue
	check "$(basename "$t") is marked alone and says why" grep -Eq '^ \(.+\)$' <<<"$m"
done
finish
