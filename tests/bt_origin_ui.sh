#!/bin/bash
# Socket origins in the UI (issue 28), driven in tmux.  With --trace PID
# the finding about a socket the watched leaker creates (leak_udp
# --swap-after-ms) shows "Origin: its socket was created at leak_udp+0x..."
# in its evidence view.  Without --trace, the key o on the leaker's row in
# the Processes pane traces it: the status line says so, and the socket it
# creates afterwards gets its origin in the evidence view, in the
# socket's own view and in the note of the process's fd table.  Under
# --read-only the key says origins are off, and why.  Scoped to this test's own leakers (by pid, fd and inode), so it runs
# beside the others.  Skips (77) when the build has no origins, the kernel
# refuses the tracer, or there is no tmux.
# start_bg sets uiu_pid, uik_pid...
# shellcheck disable=SC2154
. "${TESTS_SRC:-$(dirname "$0")}/lib.sh"
need_root
need_cmd tmux
L="$TESTS_BIN/leakers"

"$LEAKTOP" -V | grep -q '^  libdw .*socket origins built in' ||
	skip_test "this build has no socket origins (BPF and libdw; see leaktop -V)"
"$LEAKTOP" -b -n 1 --trace $$ --format json >"$TMPD/probe.json" 2>"$TMPD/probe.err"
if grep -q 'socket origins are off' "$TMPD/probe.err"; then
	skip_test "the kernel refused the origin tracer: $(cat "$TMPD/probe.err")"
fi
. "$TESTS_SRC/tmux.sh"

# uicheck "description" command...: check, and show the last screen when it fails
uicheck() {
	local what=$1; shift
	if "$@" >/dev/null; then
		pass "$what"
	else
		fail "$what"
		echo "--- the screen:"
		cat "$TMPD/screen"
	fi
}

# swapped NAME: the new socket's inode once the leaker NAME has swapped
# (waits at most 40 s)
swapped() {
	local i
	for i in $(seq 1 200); do
		grep -q "swapped fd" "$TMPD/$1.err" && break
		sleep 0.2
	done
	sed -n 's/.*swapped fd [0-9]*: inode [0-9]* -> \([0-9]*\).*/\1/p' "$TMPD/$1.err"
}

# open_new SESSION PID/FD INODE: open the evidence of the finding about
# socket INODE from the Findings pane.  The old socket's resolved finding
# says the same PID/FD, and on a loaded machine the new one comes samples
# later: open each row the search finds (n goes to the next) and look at
# its next steps, which name the socket's inode ("ino:N"), for at most
# 120 s in all; the evidence view is left open.
open_new() {
	local s=$1 pidfd=$2 ino=$3 end=$((SECONDS + 120)) m
	while [ "$SECONDS" -lt "$end" ]; do
		keys "$s" 3
		wait_for "$s" has "F1Help" >/dev/null
		keys "$s" / "$pidfd" Enter
		for m in 1 2 3; do
			keys "$s" Enter
			if wait_for "$s" grep -q "Next steps:" &&
			   grep -q "ino:$ino'" "$TMPD/screen"; then
				return 0
			fi
			keys "$s" Escape n
		done
		keys "$s" Escape
		sleep 1
	done
	return 1
}

# --- --trace PID: the evidence view says where ----------------------------------------
start_bg uiu "$L/leak_udp" --interval-ms 5 --swap-after-ms 2500 --seconds 150
# a full census every sample: the new socket has its owner at once
tmux_start ui 120x40 "LC_ALL=C.UTF-8 $LEAKTOP -d 1 --census-interval 1 --trace $uiu_pid"
new=$(swapped uiu)
check "--trace: the leaker made its new socket ($new)" test -n "$new"
uicheck "--trace: the new socket's finding opens" open_new ui "$uiu_pid/$uiu_fd" "${new:-none}"
uicheck "--trace: the evidence view says where the socket was created" \
	wait_for ui grep -Eq "Origin: its socket was created at .*leak_udp\+0x"
keys ui q
stop_bg "$uiu_bgpid" 2>/dev/null

# --- no --trace: the key o on a process traces it -------------------------------------
# the swap comes 10 s after the start: the key is pressed well before it
start_bg uik "$L/leak_udp" --interval-ms 5 --swap-after-ms 10000 --seconds 150
tmux_start uik 120x40 "LC_ALL=C.UTF-8 $LEAKTOP -d 1 --census-interval 1"
wait_for uik has "F1Help" >/dev/null
# the Processes pane; the search lands on the leaker's row (a pid that
# merely contains its digits is skipped with n)
keys uik 2
wait_for uik grep -q "[0-9] processes" >/dev/null
keys uik / "$uik_pid " Enter
traced=
for i in $(seq 1 5); do
	keys uik o
	wait_for uik grep -q "tracing pid [0-9]*: \|socket origins are off" || break
	if grep -q "tracing pid $uik_pid: sockets it creates from now on get their origin" \
		"$TMPD/screen"; then
		traced=1
		break
	fi
	keys uik n
done
uicheck "key o: the status line says the leaker is traced" test -n "$traced"
check "key o: it was traced before the leaker made its new socket" \
	bash -c "! grep -q 'swapped fd' '$TMPD/uik.err'"
new=$(swapped uik)
check "key o: the leaker made its new socket ($new)" test -n "$new"
uicheck "key o: the new socket's finding opens" open_new uik "$uik_pid/$uik_fd" "${new:-none}"
uicheck "key o: the evidence view says where the socket was created" \
	wait_for uik grep -Eq "Origin: its socket was created at .*leak_udp\+0x"
# the socket's own view says it too (the Sockets pane; the old socket is
# closed, so the leaker's pid/fd is the new one's row)
keys uik Escape 1
wait_for uik has "F1Help" >/dev/null
keys uik / "$uik_pid/$uik_fd" Enter
keys uik Enter
uicheck "key o: the socket view is the new socket's" \
	wait_for uik grep -q "inode $new "
uicheck "key o: the socket view has the origin line" \
	wait_for uik grep -Eq "origin  its socket was created at .*leak_udp\+0x"
# and the leaker's fd table, in its note line (wide enough to hold it)
resize uik 240x40
keys uik Escape 2
wait_for uik grep -q "[0-9] processes" >/dev/null
keys uik / "$uik_pid " Enter
keys uik Enter
uicheck "key o: the fd table's note has the origin" \
	wait_for uik grep -Eq "pid $uik_pid \(leak_udp\): .*; origin: its socket was created at .*leak_udp\+0x"
keys uik q
stop_bg "$uik_bgpid" 2>/dev/null

# --- --read-only: the key says origins are off ------------------------------------------
tmux_start ro 120x40 "LC_ALL=C.UTF-8 $LEAKTOP -d 1 --read-only"
wait_for ro has "F1Help" >/dev/null
keys ro 2
wait_for ro grep -q "[0-9] processes" >/dev/null
keys ro o
uicheck "--read-only: the key o says origins are off, and why" \
	wait_for ro grep -q "socket origins are off: --read-only loads no BPF"
keys ro q
finish
