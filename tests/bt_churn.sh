#!/bin/bash
# Robustness under churn (issue 9): with hundreds of short-lived processes
# and sockets per second, leaktop -b -n 10 -d 1 runs clean, and neither an
# unread_queue nor a ghost_sockets finding lands on a churning process.
. "${TESTS_SRC:-$(dirname "$0")}/lib.sh"
need_root
need_cmd jq
L="$TESTS_BIN/leakers"
[ -x "$L/leak_churn" ] || skip_test "needs tests/leakers/leak_churn (make check builds it)"

start_bg churn "$L/leak_churn" --seconds 25 --sockets-per-sec 500 --forks-per-sec 200 \
	--hold-ms 50 --max-children 64
comms='["leak_churn"]'
# the benchmark's load generator too, when it is built: steady sockets with
# queued data in 4 processes, and its own churner
# run under a name of this test's own (the command of a process is the name
# it was started by): other tests run loadgen beside this one, some of
# them as a leaker on purpose
LG="$TESTS_BIN/../bench/loadgen"
if [ -x "$LG" ]; then
	ln -s "$(readlink -f "$LG")" "$TMPD/lg_churn"
	start_bg load "$TMPD/lg_churn" --procs 4 --sockets 300 --seconds 25 \
		--churn-forks-per-sec 100 --churn-sockets-per-sec 300
	comms='["leak_churn", "lg_churn"]'
fi

"$LEAKTOP" -b -n 10 -d 1 --format json >"$TMPD/churn.json" 2>"$TMPD/churn.err"
rc=$?
check "leaktop -b -n 10 -d 1 exits 0 amid churn" test "$rc" = 0
[ "$rc" = 0 ] || head -5 "$TMPD/churn.err"
check "nothing on stderr" test ! -s "$TMPD/churn.err"
# -s: jq fails on any line that is not JSON, not only the last
check "10 samples, each valid JSON" jq -e -s 'length == 10' "$TMPD/churn.json"
# jq writes into a file first and its own status is checked: a jq that
# fails is a failure, not "no finding"
jrc=0
jq -c --argjson comms "$comms" --argjson cp "$churn_pid" \
	'.findings[] | select(.kind == "unread_queue" or .kind == "ghost_sockets")
	 | select(.pid == $cp or (.comm as $c | $comms | index($c)))
	 | {kind, pid, comm, summary}' "$TMPD/churn.json" >"$TMPD/bad" 2>&1 || jrc=$?
[ -s "$TMPD/bad" ] && echo "findings on churn processes (jq exit $jrc): $(head -5 "$TMPD/bad")"
check "no unread_queue or ghost_sockets finding on a churn process" \
	test "$jrc" = 0 -a ! -s "$TMPD/bad"
check "the churn anchor socket stays tracked with its owner" \
	jq -e --argjson i "$churn_inode" --argjson p "$churn_pid" \
	'[.sockets[] | select(.inode == $i) | .owners[] | select(.pid == $p)] | length == 1' \
	<(tail -1 "$TMPD/churn.json")
check "leak_churn is listed among the processes" \
	jq -e --argjson p "$churn_pid" 'any(.processes[]; .pid == $p)' <(tail -1 "$TMPD/churn.json")
finish
