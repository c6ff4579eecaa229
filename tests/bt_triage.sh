#!/bin/bash
# Guided triage against the seed leakers: after six samples the top finding
# is the right kind, on the right pid and fd, with the right suggested
# action.  A quiet machine and a busy but healthy one (a UDP echo exchange
# under load that reads everything, processes opening and closing sockets)
# raise no warning or critical finding.
# leaktop-test: alone (the top finding of the machine; a quiet machine)
. "${TESTS_SRC:-$(dirname "$0")}/lib.sh"
need_root
need_cmd jq
L="$TESTS_BIN/leakers"

triage() { # NAME: six samples; the last one in $TMPD/NAME.json
	"$LEAKTOP" -b -n 6 -d 1 --format json >"$TMPD/$1.all" 2>"$TMPD/$1.err" ||
		{ echo "leaktop failed: $(cat "$TMPD/$1.err")"; return 1; }
	tail -1 "$TMPD/$1.all" >"$TMPD/$1.json"
	jq -r '.findings[] | "  finding: \(.severity) \(.kind) pid \(.pid) fd \(.fd): \(.summary)"' "$TMPD/$1.json"
}

expect_top() { # NAME KIND PID FD ACTION
	check "$1: top finding $2 on pid $3 fd $4, action $5" \
		jq -e --arg k "$2" --argjson p "$3" --argjson f "$4" --arg a "$5" \
		'.findings[0] | .kind == $k and .pid == $p and .fd == $f and .suggested_action == $a
		 and (.severity == "warning" or .severity == "critical") and (.suspected | not)' \
		"$TMPD/$1.json"
}

no_alarm() { # NAME
	check "$1: no warning or critical finding" \
		jq -e '[.findings[] | select(.severity != "info")] | length == 0' "$TMPD/$1.json"
}

# --- quiet machine --------------------------------------------------------
triage quiet
no_alarm quiet
check "quiet: text says no leaks found" bash -c '"$LEAKTOP" -b -n 1 | grep -q "no leaks found"'

# --- seed 001: UDP client never reading replies ---------------------------
start_bg udp "$L/leak_udp" --interval-ms 100 --seconds 30
triage udp
expect_top udp unread_queue "$udp_pid" "$udp_fd" drop-filter
check "udp: the explanation says how to fix it" \
	jq -e '.findings[0].explanation | test("SO_ATTACH_FILTER") and test("SO_RCVBUF")' "$TMPD/udp.json"
check "udp: first samples say suspected" \
	jq -e '[.findings[] | select(.kind == "unread_queue")] | length == 0 or .[0].suspected' \
	<(sed -n 3p "$TMPD/udp.all")
kill "$udp_bgpid"

# --- seed 000: AF_PACKET RARP socket ---------------------------------------
start_bg pkt "$L/leak_packet" --interval-ms 100 --seconds 30
triage pkt
expect_top pkt unread_queue "$pkt_pid" "$pkt_fd" drop-filter
kill "$pkt_bgpid"

# --- seed 002: raw ICMPv6 socket -------------------------------------------
start_bg raw6 "$L/leak_raw6" --interval-ms 200 --seconds 30
triage raw6
expect_top raw6 unread_queue "$raw6_pid" "$raw6_fd" drop-filter
kill "$raw6_bgpid"

# --- seed 004: ghost TCP fds with a low limit -------------------------------
start_bg g "$L/leak_ghost" --interval-ms 200 --limit 128 --seconds 30
triage ghost
check "ghost: top finding is fd_exhaustion on the leaker, raise-fd-limit" \
	jq -e --argjson p "$g_pid" '.findings[0] | .kind == "fd_exhaustion" and .pid == $p
	   and .suggested_action == "raise-fd-limit" and .severity == "critical"' "$TMPD/ghost.json"
check "ghost: a ghost_sockets finding on the leaker" \
	jq -e --argjson p "$g_pid" 'any(.findings[]; .kind == "ghost_sockets" and .pid == $p)' "$TMPD/ghost.json"
kill "$g_bgpid"

# --- busy but healthy -------------------------------------------------------
start_bg echo1 "$L/leak_udp" --read --interval-ms 1 --seconds 30
start_bg echo2 "$L/leak_udp" --read --ipv6 --interval-ms 1 --seconds 30
start_bg churn "$L/leak_churn" --sockets-per-sec 300 --forks-per-sec 30 --seconds 30
triage busy
no_alarm busy
finish
