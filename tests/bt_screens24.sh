#!/bin/bash
# Issue 24, items 5 and 6: the memory in reach, and 80x24 keeps the facts.
# The TUI in tmux with leak_udp, leak_ghost (toward a 256-fd limit) and
# leak_tcpstall --mode orphans (a server that stopped reading 12 clients
# that then closed: 12 orphans toward its port):
# - 120x40, Memory pane: the socket lines (pinned by sockets, tcp ...
#   orphaned) are on the screen without scrolling, the slab caches folded
#   under their line; Right opens them, Left folds them;
# - Enter on "orphaned" opens the Sockets pane filtered on "mem:orphaned"
#   (the sockets that line counts): our leaker's orphans, nothing but
#   orphans; Esc clears that filter and goes back to the Memory pane;
# - orphans rank by the memory they hold: in census order (problems first
#   off) they come above the server's own sockets on the same port;
# - 80x24: the strip's one line keeps a figure with its unit and the top
#   finding's action (the one the Findings pane's first row names); the
#   Findings pane keeps its STATE and ACTION columns, and our udp row its
#   size; an active filter is visible; help scrolls;
# - from a finding the drill-down lands on the finding's fd (the udp
#   socket's, the ghost leaker's first ghost), and Enter on a non-socket
#   fd says why it opens nothing.
# Every check is about our leakers' pids, inodes and ports, or compares two
# parts of one screen capture, so the test runs beside the others.
# Every wait polls the screen with a bound; nothing is timed.
# shellcheck disable=SC2154
. "${TESTS_SRC:-$(dirname "$0")}/lib.sh"
need_root
need_cmd awk
L="$TESTS_BIN/leakers"
. "$TESTS_SRC/tmux.sh"

# the body rows under a table header starting with $1
rows_under() { head -n -1 | awk -v h="$1" 'f && NF { print } index($0, h) == 1 { f = 1 }'; }
# the last line (status or key bar)
status_line() { tail -n 1; }

start_bg u "$L/leak_udp" --interval-ms 20 --seconds 150
start_bg g "$L/leak_ghost" --interval-ms 200 --limit 256 --seconds 150
start_bg o "$L/leak_tcpstall" --mode orphans --count 12 --seconds 150

tmux_start m 120x40 LC_ALL=C.UTF-8 "$LEAKTOP" -d 1

# --- 120x40: the Memory pane --------------------------------------------------
keys m 4
check "120x40: the Memory pane" wait_for m header_is "PART"
check "120x40: the socket lines are on the screen (pinned by sockets ... orphaned)" \
	wait_for m bash -c "grep -q '^pinned by sockets' '$TMPD/screen' &&
			    grep -Eq '^  tcp +[0-9]' '$TMPD/screen' &&
			    grep -Eq '^  orphaned +[0-9.]+[BKMG]? ' '$TMPD/screen'"
check "120x40: the user PSS view below them is on the screen too" \
	wait_for m grep -q '^user PSS'
check "120x40: the slab caches are folded under their line" \
	wait_for m bash -c "grep -q '^    slab unreclaimable .*\\[+\\] [0-9]* top caches' '$TMPD/screen' &&
			    ! grep -q '^      cache ' '$TMPD/screen'"
keys m / "slab unrecl" Enter Right
check "Right on the slab line opens the caches" wait_for m grep -q '^      cache '
check "... and the status line says Left folds them" wait_for m has "Left folds them"
keys m Left
check "Left folds them again" wait_for m bash -c "! grep -q '^      cache '"

# --- Enter on orphaned: the orphans; Esc clears the filter -------------------
keys m / "orphaned" Enter Enter
check "Enter on orphaned: the Sockets pane" wait_for m header_is "PID/FD"
check "... filtered on \"mem:orphaned\" (status line and the filter's tag)" \
	wait_for m bash -c "grep -q 'Sockets filtered to \"mem:orphaned\"' '$TMPD/screen' &&
			    grep -q ' filter \"mem:orphaned\"\$' '$TMPD/screen'"
check "... with our leaker's orphans (peer 127.0.0.1:$o_port)" \
	wait_for m grep -Eq "^orphan .*127\\.0\\.0\\.1:$o_port "
check "... and nothing but orphans" \
	bash -c "$(declare -f rows_under); rows_under PID/FD <'$TMPD/screen' |
		 awk '{ n++ } \$1 != \"orphan\" { bad = 1 } END { exit bad || n < 1 }'"
keys m Escape
check "Esc: back on the Memory pane" wait_for m header_is "PART"
check "... saying the filter is cleared" wait_for m has 'filter "mem:orphaned" cleared'
keys m 1
check "... and the Sockets pane has no filter left" \
	wait_for m bash -c "grep -q '^PID/FD' '$TMPD/screen' && ! grep -q ' filter \"' '$TMPD/screen'"

# orphans rank by what they hold: above the server's own sockets
keys m '\' ":$o_port" Enter
check "Sockets filtered to our port" wait_for m has " filter \":$o_port\""
keys m P
check "problems first off" wait_for m has "problems first: off"
check "in census order our orphans (3.7M unsent each) come first" \
	wait_for m bash -c "$(declare -f rows_under); rows_under PID/FD | head -1 |
			    grep -Eq '^orphan .*:$o_port '"
keys m P '\' Escape

# --- 80x24 -----------------------------------------------------------------
resize m 80x24
keys m 3
check "80x24: the Findings pane" wait_for m header_is "SEVERITY"
check "80x24: STATE and ACTION columns stay" \
	wait_for m grep -Eq '^SEVERITY +STATE +KIND +PID/FD +COMMAND +ACTION +SUMMARY'
check "80x24: our udp finding keeps its size and names its action" \
	wait_for m grep -Eq "^[a-z]+ +[a-z].* $u_pid/$u_fd +leak_udp +drop-.* [0-9.]+ (B|KiB|MiB)"
# the strip's one line and the Findings pane's first row, from one capture
strip_ok() {
	local line first act
	line=$(strip <"$TMPD/screen")
	first=$(rows_under SEVERITY <"$TMPD/screen" | head -1)
	[ "$(strip <"$TMPD/screen" | wc -l)" = 1 ] || return 1
	echo "$line" | grep -Eq '^ [0-9]+ (critical|warning|info):' || return 1
	# a figure with its unit: a size, a time left, a share
	echo "$line" | grep -Eq '[0-9] ?(B|KiB|MiB|GiB|s|min|h|%)([^A-Za-z]|$)' || return 1
	# the ACTION cell of the first row (abbreviated or whole) starts the
	# action the strip names in full
	act=$(echo "$first" | awk '{ print $6 }' | sed 's/\xe2\x80\xa6$//')
	if [ "$act" = "-" ]; then
		echo "$line" | grep -q '!: more'
	else
		echo "$line" | grep -Eq "→ ${act}[a-z-]*\$"
	fi
}
check "80x24: the strip keeps a figure and the top finding's action" \
	wait_for m bash -c "$(declare -f strip rows_under strip_ok); TMPD='$TMPD'; strip_ok"

# an active filter stays visible at 80x24
keys m 1 '\' "$u_pid/" Enter
check "80x24: the filter's tag is on the screen" wait_for m has " filter \"$u_pid/\""
check "80x24: ... beside the filtered row" wait_for m grep -Eq "^$u_pid/$u_fd "
keys m '\' Escape
check "80x24: the filter cleared, the tag goes" wait_for m bash -c "! grep -q ' filter \"'"

# help fits or scrolls
keys m F1
check "80x24: help says which lines it shows" wait_for m grep -Eq 'lines 1-[0-9]+ of [0-9]+\)'
check "80x24: ... and its last key is below the fold" bash -c "! grep -q '  q F10 ' '$TMPD/screen'"
keys m NPage
check "80x24: PgDn scrolls to its last lines" wait_for m has "  q F10 "
keys m x
check "80x24: any other key closes it" wait_for m bash -c "! grep -q 'close this help'"

# drill-down from a finding lands on the finding's fd
keys m 3 / "$u_pid/$u_fd" Enter Enter
check "80x24: Enter on our udp finding: its evidence" wait_for m has "unread_queue"
keys m Enter
check "80x24: Enter on its owner: the fd table" wait_for m has "pid $u_pid (leak_udp):"
keys m Enter
check "80x24: the fd table landed on fd $u_fd (Enter opens socket $u_inode)" \
	wait_for m has "inode $u_inode"
keys m Escape
check "80x24: back in the fd table" wait_for m has "pid $u_pid (leak_udp):"
keys m PPage PPage Enter
check "80x24: Enter on fd 0 (not a socket) says why it opens nothing" \
	wait_for m bash -c "status_line() { tail -n 1; }; status_line | grep -Eq '^fd 0: an? [a-z]+, not a socket'"

# a process finding about the ghost leaker (its ghosts, or its fds running out)
keys m 3
check "80x24: a finding about our ghost leaker" \
	wait_for m grep -Eq "^[a-z]+ .* $g_pid +leak_gh"
keys m / "$g_pid" Enter Enter
check "80x24: its evidence, the process's fd table" wait_for m has "pid $g_pid (leak_ghost):"
keys m Enter
check "80x24: the fd table landed on a ghost (Enter says so)" \
	wait_for m bash -c "tail -n 1 | grep -Eq '^fd [1-9][0-9]*: a ghost socket'"

keys m q
check "q exits 0" bash -c "for i in \$(seq 1 50); do grep -qx EXIT=0 '$TMPD/m.exit' 2>/dev/null && exit 0; sleep 0.2; done; exit 1"
check "no error output" test ! -s "$TMPD/m.err"
finish
