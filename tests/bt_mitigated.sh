#!/bin/bash
# Figures that are true now (issue 24, item 4), against a real leaker:
# after drop-filter on a packet socket whose queue is not full, the queue
# stops growing but its bytes stay pinned until a drain or a restart.  A
# fresh batch run (no history of the growth) still lists the finding,
# mitigated, with the bytes still pinned; the check says "works" because
# the growth stopped, and how much stays.  The UI's header counts it
# apart from the open findings, and says nothing about leaks before it
# has the samples a verdict needs.  Scoped to the leaker's pid (-p).
. "${TESTS_SRC:-$(dirname "$0")}/lib.sh"
. "${TESTS_SRC:-$(dirname "$0")}/tmux.sh"
need_root
need_cmd jq
need_cmd tmux
L="$TESTS_BIN/leakers"
AUDIT="$TMPD/audit.log"

# rmem PID INODE: the socket's queue as leaktop's census sees it
rmem() {
	"$LEAKTOP" -b -n 1 --format json -p "$1" 2>/dev/null |
		jq -e --argjson i "$2" 'first(.sockets[] | select(.inode == $i) | .rmem)'
}

start_bg pkt "$L/leak_packet" --interval-ms 20 --rcvbuf 4194304 --seconds 120
for _ in $(seq 1 100); do
	q=$(rmem "$pkt_pid" "$pkt_inode" || echo 0)
	[ "$q" -gt 0 ] && break
	sleep 0.1
done
check "the packet queue builds up ($q bytes)" test "$q" -gt 0

# the UI from its first sample: no "no leaks found" before the samples
# the verdict needs, while the never-read queue grows below it
tmux_start w 120x40 LC_ALL=C.UTF-8 "$LEAKTOP" -d 1 -p "$pkt_pid"
check "UI: the first screen waits for samples, it does not say 'no leaks found'" \
	wait_for w grep -Eq 'checking: [0-9] more|[0-9] (warning|critical)'
check "UI: 'no leaks found' never shown while the leaker grows" hasnt 'no leaks found' <"$TMPD/screen"
check "UI: the never-read packet queue becomes a finding" \
	wait_for w grep -q '[0-9] \(warning\|critical\)'
keys w q

RC=0
"$LEAKTOP" --act drop-filter --pid "$pkt_pid" --fd "$pkt_fd" --yes --audit-log "$AUDIT" \
	--format json >"$TMPD/drop.json" 2>"$TMPD/drop.err" || RC=$?
check "drop-filter exits 0" test "$RC" = 0
check "drop-filter done" jq -e '.done and .after.filter == "drop-all"' "$TMPD/drop.json"
sleep 0.5
q1=$(rmem "$pkt_pid" "$pkt_inode")
check "the queue still holds bytes after the filter ($q1)" test "$q1" -gt 0

# a fresh batch run: 4 samples, so the check has the two it needs
"$LEAKTOP" -b -n 4 -d 0.5 --format json -p "$pkt_pid" >"$TMPD/fresh.json" 2>"$TMPD/fresh.err"
check "fresh run exits 0" test $? = 0
last() { jq -s "last | $1" "$TMPD/fresh.json"; }
F='first(.findings[] | select(.inode == '"$pkt_inode"'))'
check "fresh run: the packet socket is still a finding" last "$F | .kind == \"unread_queue\""
check "fresh run: ... listed as mitigated by drop-filter" \
	last "$F | .state == \"mitigated\" and .mitigation.action == \"drop-filter\""
check "fresh run: ... saying how much is still queued" \
	last "$F | .summary | test(\"still queued behind leaktop's drop-filter\")"
check "fresh run: the check works (the growth stopped) and says what stays pinned" \
	last "$F | .mitigation.check == \"works\" and (.mitigation.note | test(\"still pinned\"))"
"$LEAKTOP" -b -n 4 -d 0.5 -p "$pkt_pid" >"$TMPD/fresh.txt" 2>&1
check "fresh run, text: the finding is listed, mitigated" \
	grep -q 'still queued behind leaktop.s drop-filter' "$TMPD/fresh.txt"

# the UI counts it apart from the open findings
tmux_start m 120x40 LC_ALL=C.UTF-8 "$LEAKTOP" -d 1 -p "$pkt_pid" --read-only
check "UI: the header says '1 mitigated'" wait_for m grep -q '1 mitigated'
check "UI: ... and counts no open warning for it" \
	bash -c "! head -1 '$TMPD/screen' | grep -Eq '[0-9] (warning|critical)'" ||
	cat "$TMPD/screen"
keys m q
# at 80x24 the strip is one line with a count: the mitigated finding is
# counted as such, not as "0 info"
tmux_start n 80x24 LC_ALL=C.UTF-8 "$LEAKTOP" -d 1 -p "$pkt_pid" --read-only
check "UI 80x24: the strip's one line says '1 mitigated:'" \
	wait_for n grep -q '^ *1 mitigated:' || cat "$TMPD/screen"
check "UI 80x24: ... and no count of 0" bash -c "! grep -Eq '^ *0 [a-z]+:' '$TMPD/screen'"
keys n q

RC=0
"$LEAKTOP" --act undo-filter --pid "$pkt_pid" --fd "$pkt_fd" --yes --audit-log "$AUDIT" \
	--format json >"$TMPD/undo.json" 2>"$TMPD/undo.err" || RC=$?
check "undo-filter exits 0" test "$RC" = 0
stop_bg "$pkt_bgpid" 2>/dev/null
finish
