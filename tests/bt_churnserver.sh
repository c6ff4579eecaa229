#!/bin/bash
# No false alarm under connection churn (issue 24): a healthy server whose
# clients connect, exchange and reset thousands of times a minute holds,
# for a moment each, the fd of a connection the network stack no longer
# lists (a ghost), as haproxy does.  Over eight samples leaktop raises no
# warning or critical finding on it, although its ghosts are seen; the same
# server that never closes them (the negative control) gets its
# ghost_sockets finding.  Every check is scoped to the leakers' pids.
. "${TESTS_SRC:-$(dirname "$0")}/lib.sh"
need_root
need_cmd jq
L="$TESTS_BIN/leakers"
[ -x "$L/leak_resetsrv" ] || skip_test "needs tests/leakers/leak_resetsrv (make check builds it)"

# healthy: 100 connections a second (6000 a minute), each closed 50 ms
# after its client reset it; the load comes on 2.5 s in, so the first
# samples see no ghost and then a few (haproxy's "+1021 ghosts/hour")
start_bg ok "$L/leak_resetsrv" --seconds 40 --rate 100 --close-delay-ms 50 --start-ms 2500
# the control: it never closes them (within the run)
start_bg bad "$L/leak_resetsrv" --seconds 40 --rate 20 --close-delay-ms 600000

"$LEAKTOP" -b -n 8 -d 1 --format json >"$TMPD/run.json" 2>"$TMPD/run.err"
rc=$?
check "leaktop -b -n 8 -d 1 exits 0" test "$rc" = 0
[ "$rc" = 0 ] || head -5 "$TMPD/run.err"
check "8 samples, each valid JSON" jq -e -s 'length == 8' "$TMPD/run.json"

# -s and a length check: jq 1.6's -e passes an empty file
check "the healthy server's ghosts are seen (the case is real)" \
	jq -e -s --argjson p "$ok_pid" 'length == 8 and
		([.[].processes[] | select(.pid == $p) | .ghost_sockets] | max > 0)' "$TMPD/run.json"
jrc=0
jq -c -s --argjson p "$ok_pid" --argjson c "$ok_client" \
	'.[].findings[] | select(.pid == $p or .pid == $c)
	 | select(.severity == "warning" or .severity == "critical")
	 | {kind, severity, pid, summary}' "$TMPD/run.json" >"$TMPD/bad" 2>&1 || jrc=$?
check "jq read every sample" test "$jrc" = 0
check "no warning or critical finding on the healthy server or its client in 8 samples" \
	test ! -s "$TMPD/bad"
[ -s "$TMPD/bad" ] && head -5 "$TMPD/bad"

check "the server that never closes them: a ghost_sockets finding on its pid" \
	jq -e -s --argjson p "$bad_pid" 'length == 8 and
		(.[-1] | any(.findings[]; .kind == "ghost_sockets" and .pid == $p
			     and (.severity == "warning" or .severity == "critical")))' "$TMPD/run.json"

# the same churn without the grace period is the issue's false alarm: the
# check above is one that could fail
start_bg ok2 "$L/leak_resetsrv" --seconds 30 --rate 100 --close-delay-ms 50 --start-ms 2500
"$LEAKTOP" -b -n 7 -d 1 --threshold ghost_grace_s=0 --format json >"$TMPD/nograce.json" \
	2>"$TMPD/nograce.err"
check "without the grace period the healthy server gets a ghost_sockets finding" \
	jq -e -s --argjson p "$ok2_pid" 'length == 7 and
		any(.[].findings[]; .kind == "ghost_sockets" and .pid == $p)' "$TMPD/nograce.json"
finish
