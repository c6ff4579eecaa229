#!/bin/bash
# Kernel fallbacks forced (LEAKTOP_FALLBACKS, issue 16): leaktop behaves as on
# a kernel without each feature.  (bt_fallbacks_rerun.sh runs the census,
# fd-table and triage tests again with every fallback forced.)  What the
# fallbacks cannot see (a unix socket's queue without unix_diag) is named in
# the output instead.  Each fallback forced alone: exit 0, its loss said once
# on stderr and listed in JSON.  An action that needs pidfd_getfd is refused
# naming Linux 5.6.  The interface names a fallback once in its status line.
. "${TESTS_SRC:-$(dirname "$0")}/lib.sh"
need_root
need_cmd jq
L="$TESTS_BIN/leakers"
NAMES="pidfd_getfd fd_size smaps_rollup inet_diag udp_diag raw_diag unix_diag
	packet_diag netlink_diag diag_lookup diag_filter siocgskns thread_self bpf memcg_v1 bpf_task
	bpf_loader"

# --- a name leaktop does not know: usage error ------------------------------
RC=0
LEAKTOP_FALLBACKS=udp_diag,nonsense "$LEAKTOP" -b -n 1 >/dev/null 2>"$TMPD/bad.err" || RC=$?
check "unknown fallback: exit 2" test "$RC" = 2
check "unknown fallback: one line naming it" \
	bash -c "test \$(wc -l <'$TMPD/bad.err') = 1 && grep -q \"'nonsense'\" '$TMPD/bad.err'"

# --- each fallback forced alone: one batch run each ---------------------------
for n in $NAMES; do
	RC=0
	LEAKTOP_FALLBACKS=$n "$LEAKTOP" -b -n 2 -d 0.5 --format json \
		>"$TMPD/one.json" 2>"$TMPD/one.err" || RC=$?
	check "$n forced: exit 0" test "$RC" = 0
	check "$n forced: its loss said once on stderr" \
		test "$(grep -c "^leaktop: fallback $n (Linux [0-9.]*; forced by LEAKTOP_FALLBACKS): lost: " \
			"$TMPD/one.err")" = 1
	check "$n forced: listed in every sample's JSON, with since and lost" \
		jq -e --arg n "$n" --slurp 'length == 2 and all(.[]; any(.fallbacks[];
		   .name == $n and .forced and (.since | startswith("Linux ")) and (.lost | length > 0)))' \
		"$TMPD/one.json"
	check "$n forced: the census still lists sockets" \
		jq -e --slurp '.[-1] | .census.complete and (.sockets | length >= 0)' "$TMPD/one.json"
done

# --- all forced: each loss said once in a run of several samples --------------
LEAKTOP_FALLBACKS=all "$LEAKTOP" -b -n 3 -d 0.5 --format json >"$TMPD/all.json" 2>"$TMPD/all.err"
check "all forced: exit 0" test $? = 0
for n in $NAMES; do
	check "all forced: $n said once" test "$(grep -c "^leaktop: fallback $n " "$TMPD/all.err")" = 1
done
check "all forced: JSON lists all $(wc -w <<<"$NAMES")" \
	jq -e --argjson k "$(wc -w <<<"$NAMES")" '[.fallbacks[] | select(.forced)] | length == $k' \
	<(tail -1 "$TMPD/all.json")
check "no fallback forced: JSON has the member, none forced" \
	bash -c "LEAKTOP_FALLBACKS= '$LEAKTOP' -b -n 1 --format json 2>/dev/null |
		jq -e '(.fallbacks | type == \"array\") and ([.fallbacks[] | select(.forced)] | length == 0)'"

# --- what the fallbacks cannot see: a unix reader's queue ---------------------
# /proc/net/unix has no queue column: without unix_diag the stopped reader is
# listed with an empty queue and no flag, and the output says why.
start_bg ud "$L/leak_unix" --type dgram --senders 3 --seconds 30
sleep 1
"$LEAKTOP" -b -n 2 -d 0.5 -p "$ud_pid" --format json 2>/dev/null | tail -1 >"$TMPD/ud_diag.json"
LEAKTOP_FALLBACKS=unix_diag "$LEAKTOP" -b -n 2 -d 0.5 -p "$ud_pid" --format json \
	2>"$TMPD/ud_fb.err" | tail -1 >"$TMPD/ud_fb.json"
sel='.sockets[] | select(.inode == $i)'
check "unix: with unix_diag the reader's queue is seen (full)" \
	jq -e --argjson i "$ud_inode" "$sel"' | .recv_q > 0 and (.flags | index("full"))' "$TMPD/ud_diag.json"
check "unix_diag forced: the reader is still listed with its owner (from /proc/net/unix)" \
	jq -e --argjson i "$ud_inode" --argjson p "$ud_pid" \
	"$sel"' | .source == "procnet" and any(.owners[]; .pid == $p)' "$TMPD/ud_fb.json"
check "unix_diag forced: expected missing: its queue (0) and its flags" \
	jq -e --argjson i "$ud_inode" "$sel"' | .recv_q == 0 and .flags == []' "$TMPD/ud_fb.json"
check "unix_diag forced: JSON says unix queues are not seen" \
	jq -e 'any(.fallbacks[]; .name == "unix_diag" and (.lost | test("unix queues are not seen")))' \
	"$TMPD/ud_fb.json"
check "unix_diag forced: stderr says so once" \
	test "$(grep -c 'fallback unix_diag .*unix queues are not seen' "$TMPD/ud_fb.err")" = 1
stop_bg "$ud_bgpid"

# --- an action that needs pidfd_getfd: refused, naming Linux 5.6 --------------
start_bg udp "$L/leak_udp" --interval-ms 100 --seconds 30
for mode in preview run; do
	RC=0
	LEAKTOP_FALLBACKS=pidfd_getfd "$LEAKTOP" --act drop-filter --pid "$udp_pid" --fd "$udp_fd" \
		$([ $mode = run ] && echo --yes) --no-audit-file --format json \
		>"$TMPD/act_$mode.json" 2>"$TMPD/act_$mode.err" || RC=$?
	check "drop-filter $mode without pidfd_getfd: refused, exit 3" test "$RC" = 3
	check "drop-filter $mode without pidfd_getfd: the reason names Linux 5.6" \
		jq -e '.refused and (.reason | test("pidfd_getfd \\(Linux 5\\.6\\)"))' "$TMPD/act_$mode.json"
	check "drop-filter $mode without pidfd_getfd: stderr names Linux 5.6" \
		grep -q 'Linux 5\.6' "$TMPD/act_$mode.err"
done
check "the socket is untouched: no filter attached" \
	bash -c "'$LEAKTOP' -b -n 1 -p '$udp_pid' --format json 2>/dev/null |
		jq -e --argjson i '$udp_inode' '.sockets[] | select(.inode == \$i) | .recv_q > 0'"
# an action that needs no fd duplicate keeps working
RC=0
LEAKTOP_FALLBACKS=pidfd_getfd "$LEAKTOP" --act raise-fd-limit --pid "$udp_pid" \
	--no-audit-file --format json >"$TMPD/raise.json" 2>"$TMPD/raise.err" || RC=$?
check "raise-fd-limit without pidfd_getfd: not refused for it" \
	bash -c "! grep -q pidfd_getfd '$TMPD/raise.err' '$TMPD/raise.json'"
stop_bg "$udp_bgpid"

# --- the interface says it once in its status line, then gives the keys back --
if command -v tmux >/dev/null; then
	TM="tmux -L leaktop-fb-$$ -f /dev/null"
	trap '$TM kill-server 2>/dev/null; cleanup' EXIT
	$TM new-session -d -s fb -x 160 -y 30 \
		"env TERM=xterm-256color LEAKTOP_FALLBACKS=unix_diag $LEAKTOP -d 1 2>$TMPD/ui.err"
	seen=0 back=0
	for i in $(seq 1 60); do
		$TM capture-pane -p -t fb >"$TMPD/ui.screen" 2>/dev/null
		if [ $seen = 0 ] && tail -1 "$TMPD/ui.screen" | grep -q '^kernel fallbacks: .*unix_diag'; then
			seen=1
			tail -1 "$TMPD/ui.screen" >"$TMPD/ui.status"
		elif [ $seen = 1 ] && tail -1 "$TMPD/ui.screen" | grep -q 'F10Quit'; then
			back=1
			break
		fi
		sleep 0.2
	done
	echo "UI status line: $(cat "$TMPD/ui.status" 2>/dev/null)"
	check "UI: the status line names unix_diag" test $seen = 1
	check "UI: the key bar comes back after it" test $back = 1
	sleep 2
	$TM capture-pane -p -t fb >"$TMPD/ui.screen" 2>/dev/null
	check "UI: said once (not again at later samples)" \
		bash -c "! tail -1 '$TMPD/ui.screen' | grep -q 'kernel fallbacks'"
	$TM send-keys -t fb q
	sleep 0.5
	$TM kill-server 2>/dev/null
fi
finish
