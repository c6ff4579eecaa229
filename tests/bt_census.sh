#!/bin/bash
# The socket census against real leaking processes (the seeds): each
# leaker's never-read socket is listed with its owner, protocol and netns,
# grows, is flagged never_read and ranks first; a socket read promptly is
# never flagged; a quiet machine flags nothing.
# leaktop-test: alone (ranks a leaker first among every socket; a quiet machine)
. "${TESTS_SRC:-$(dirname "$0")}/lib.sh"
need_root
need_cmd jq
L="$TESTS_BIN/leakers"

# run leaktop for 3 samples 1 s apart; keep the last sample in $TMPD/$1.json
census() {
	local name=$1; shift
	"$LEAKTOP" -b -n 3 -d 1 --format json "$@" >"$TMPD/$name.all" 2>"$TMPD/$name.err" ||
		{ echo "leaktop failed: $(cat "$TMPD/$name.err")"; return 1; }
	tail -1 "$TMPD/$name.all" >"$TMPD/$name.json"
}

# sock NAME INODE: that socket's JSON object (empty if absent)
sock() { jq -c --argjson i "$2" '.sockets[] | select(.inode == $i)' "$TMPD/$1.json"; }

expect_leak() { # NAME INODE PID FD PROTO FAMILY PROTOCOL
	local name=$1 inode=$2 pid=$3 fd=$4 proto=$5 family=$6 protocol=$7 s
	s=$(sock "$name" "$inode")
	check "$name: socket $inode listed" test -n "$s"
	[ -n "$s" ] || return
	check "$name: owner pid $pid fd $fd" \
		jq -e --argjson p "$pid" --argjson f "$fd" 'any(.owners[]; .pid == $p and .fd == $f)' <<<"$s"
	check "$name: proto $proto family $family protocol $protocol" \
		jq -e --arg p "$proto" --arg f "$family" --argjson n "$protocol" \
		'.proto == $p and .family == $f and .protocol == $n' <<<"$s"
	check "$name: growth_bps > 0" jq -e '.growth_bps > 0' <<<"$s"
	check "$name: flagged never_read" jq -e '.flags | index("never_read")' <<<"$s"
	check "$name: ranked first by growth" \
		jq -e --argjson i "$inode" '.sockets[0].inode == $i' "$TMPD/$name.json"
	check "$name: first sample has no growth yet" \
		jq -e --argjson i "$inode" 'first(.sockets[] | select(.inode == $i)) | .growth_bps == null' \
		<(head -1 "$TMPD/$name.all")
	check "$name: in leaktop's own netns ($(stat -L -c %i /proc/self/ns/net))" \
		jq -e --argjson n "$(stat -L -c %i /proc/self/ns/net)" '.netns == $n' <<<"$s"
}

# --- a quiet machine: nothing flagged never_read -------------------------
census quiet
flagged=$(jq -c '[.sockets[] | select(.flags | index("never_read")) | {proto, local, owners}]' "$TMPD/quiet.json")
echo "flagged never_read on the quiet machine: $flagged"
check "quiet: no socket flagged never_read" test "$flagged" = "[]"
check "quiet: census complete" jq -e '.census.complete' "$TMPD/quiet.json"
check "quiet: raw falls back to /proc/net on this kernel or has raw_diag" \
	jq -e '.census.netns[0] | .entered and .complete' "$TMPD/quiet.json"

# --- seed 001: UDP client never reading replies, beside a prompt reader ---
start_bg udp "$L/leak_udp" --interval-ms 100 --seconds 30
start_bg reader "$L/leak_udp" --read --interval-ms 10 --seconds 30
census udp
expect_leak udp "$udp_inode" "$udp_pid" "$udp_fd" udp inet 17
r=$(sock udp "$reader_inode")
check "udp: the prompt reader is not flagged never_read" \
	bash -c "[ -z '$r' ] || jq -e '.flags | index(\"never_read\") | not' <<<'$r'"
check "udp: socket_queues counts the census" \
	jq -e '.memory.socket_queues_source == "census" and .memory.socket_queues > 0' "$TMPD/udp.json"
stop_bg "$udp_bgpid" "$reader_bgpid"

# --- seed 000: AF_PACKET ETH_P_RARP socket that never reads --------------
start_bg pkt "$L/leak_packet" --interval-ms 100 --seconds 30
census pkt
expect_leak pkt "$pkt_inode" "$pkt_pid" "$pkt_fd" packet packet 32821
stop_bg "$pkt_bgpid"

# --- seed 002: raw ICMPv6 socket (protocol 58) that never reads ----------
start_bg raw6 "$L/leak_raw6" --interval-ms 200 --seconds 30
census raw6
expect_leak raw6 "$raw6_inode" "$raw6_pid" "$raw6_fd" raw inet6 58
stop_bg "$raw6_bgpid"

# --- the UDP leak inside a network namespace the test creates ------------
if command -v ip >/dev/null; then
	ns="leaktop-test-$$"
	ip netns add "$ns" && ip -n "$ns" link set lo up || fail "cannot create netns"
	trap 'ip netns del "$ns" 2>/dev/null; cleanup' EXIT
	nsino=$(stat -L -c %i "/run/netns/$ns")
	start_bg nsudp ip netns exec "$ns" "$L/leak_udp" --interval-ms 100 --seconds 30
	census nsudp
	s=$(sock nsudp "$nsudp_inode")
	check "netns: leak listed" test -n "$s"
	check "netns: tagged with the test's netns $nsino" jq -e --argjson n "$nsino" '.netns == $n' <<<"${s:-null}"
	check "netns: owner found" jq -e --argjson p "$nsudp_pid" 'any(.owners[]; .pid == $p)' <<<"${s:-null}"
	check "netns: never_read, growing, first" jq -e --argjson i "$nsudp_inode" \
		'.sockets[0].inode == $i and (.sockets[0].flags | index("never_read")) and .sockets[0].growth_bps > 0' \
		"$TMPD/nsudp.json"
	check "netns: the namespace is in the census, by name" jq -e --argjson n "$nsino" --arg name "$ns" \
		'any(.census.netns[]; .inode == $n and .name == $name and .entered)' "$TMPD/nsudp.json"
fi

# --- text output names the leak ------------------------------------------
start_bg udp2 "$L/leak_udp" --interval-ms 100 --seconds 30
"$LEAKTOP" -b -n 3 -d 1 >"$TMPD/text.out"
check "text: the leaker's row, flagged" grep -Eq "^  $udp2_pid/$udp2_fd leak_udp .*never_read" "$TMPD/text.out"
finish
