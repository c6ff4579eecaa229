#!/bin/bash
# The interactive UI, driven inside tmux and read back with capture-pane:
# a quiet machine says "no leaks found"; with a leaker the UI opens on
# Findings naming it; a live leaker's socket ranks first; Enter drills down
# to its details and its owner's fd table; search, sort, help, resize below
# the minimum and back, a hostile process name drawn escaped, clean exit
# and signal exit, ASCII rendering without colour or UTF-8, theme files.
# Actions: a finding's evidence, the action menu with its preview, y
# applies drop-filter (checked from outside with leaktop itself), drain
# needs the word typed, the session's list undoes it, --read-only has no
# menu.  Every wait polls the screen with a bound; nothing is timed.
# leaktop-test: alone (the first socket and finding of the machine; a quiet machine)
. "${TESTS_SRC:-$(dirname "$0")}/lib.sh"
need_root
need_cmd jq
L="$TESTS_BIN/leakers"
. "$TESTS_SRC/tmux.sh"

first_row_is() { [ "$(first_row "$1" | awk '{ print $1 }')" = "$2" ]; }
# the first row of the Findings pane matches the regex $1
first_finding_is() { first_row SEVERITY | grep -Eq -- "$1"; }
# start SESSION WxH ENV...: leaktop in a new tmux session, exit status to
# $TMPD/SESSION.exit; $ARGS are more leaktop options
start() {
	local s=$1 size=$2; shift 2
	tmux_start "$s" "$size" "$* $LEAKTOP -d 1 ${ARGS:-}"
}

# --- a quiet machine (no leaker of ours running) ---------------------------
# Only when nothing else on the machine leaks (another test's leaker would
# rightly be reported): leaktop's batch mode says whether it is quiet.
alarms() {
	"$LEAKTOP" -b -n 4 -d 1 --format json 2>/dev/null | tail -1 |
		jq '[.findings[] | select(.severity != "info")] | length'
}
n_alarms=$(alarms)
check "quiet: leaktop -b answers whether the machine is quiet ($n_alarms alarms)" \
	grep -Eqx '[0-9]+' <<<"$n_alarms"
if [ "$n_alarms" = 0 ]; then
	start quiet 100x30 LC_ALL=C.UTF-8
	check "quiet: the UI opens on Sockets" wait_for quiet header_is "PID/FD"
	check "quiet: the header says no leaks found" \
		wait_for quiet bash -c "head -1 '$TMPD/screen' | grep -q 'no leaks found'"
	keys quiet 3
	check "quiet: Findings says no leaks found after three samples or more" \
		wait_for quiet grep -Eq "no leaks found after ([3-9]|[1-9][0-9]+) samples"
	keys quiet 2
	check "quiet: no leaks found on the Processes pane too" \
		wait_for quiet bash -c "grep -q PSS '$TMPD/screen' && grep -q 'no leaks found' '$TMPD/screen'"
	keys quiet q
	check "quiet: exit status 0" wait_for quiet grep -qx "EXIT=0" "$TMPD/quiet.exit"
else
	echo "note: quiet-machine checks skipped: something else on this machine leaks now"
fi

start_bg udp "$L/leak_udp" --interval-ms 100 --seconds 60
start_bg esc "$L/leak_escname" --seconds 60

start main 100x30 LC_ALL=C.UTF-8
check "the UI comes up" wait_for main has "PID/FD"
# unread_queue needs three samples: the pane follows until the first key
check "with a leaker the UI opens on Findings" wait_for main header_is "SEVERITY"
check "the first finding names the leaker's pid and fd" \
	wait_for main first_finding_is "^(warning|critical) .* $udp_pid/$udp_fd +leak_udp "
check "the header counts the findings" \
	bash -c "head -1 '$TMPD/screen' | grep -Eq '[0-9]+ (warning|critical)'"
keys main 1
check "1: the Sockets pane" wait_for main header_is "PID/FD"
check "the leaker's socket is the first row of Sockets" \
	wait_for main first_row_is "PID/FD" "$udp_pid/$udp_fd"
check "header: host, kernel, interval and the LIVE badge" \
	bash -c "head -1 '$TMPD/screen' | grep -q \"$(uname -n).*$(uname -r).*every 1s.*LIVE\""
check "memory pane: bar, legend, socket queues" \
	bash -c "grep -q '^Mem\[' '$TMPD/screen' && grep -q 'unaccounted' '$TMPD/screen' && grep -qE 'pinned by sockets|sockets pin' '$TMPD/screen'"
check "UTF-8 locale with colour: the bar is drawn with blocks" \
	bash -c "grep '^Mem\[' '$TMPD/screen' | grep -q '[█░]'"

# hostile name: drawn escaped, nothing else on the screen disturbed
check "ESC in a process name is shown as text" wait_for main has '\x1b[2Jevil'
check "the screen was not cleared by it: the leaker's row is still there" \
	grep -q "^$udp_pid/$udp_fd " "$TMPD/screen"
check "the window title was not set by it" \
	bash -c "[ \"\$($TM display-message -p -t main '#{pane_title}')\" != x ]"

# Enter: socket details, then its owner's fd table; Esc goes back
keys main Home Enter
check "Enter on the socket shows its details" wait_for main has "inode $udp_inode"
check "details list the owner" has "pid $udp_pid" <"$TMPD/screen"
check "details show the queue history" wait_for main has "samples,"
keys main Enter
check "Enter on the owner shows its fd table" wait_for main has "pid $udp_pid (leak_udp):"
check "the fd table lists the socket" \
	wait_for main grep -Eq "^ +$udp_fd socket .*socket:\[$udp_inode\]"
keys main Escape
check "Esc goes back to the details" wait_for main has "inode $udp_inode"
keys main BSpace
check "Backspace goes back to Sockets" wait_for main has "PID/FD"

# search by command name
keys main End / l e a k _ u d p Enter
check "search prompt closed" wait_for main has "F1Help"
keys main Enter
check "/ finds the leaker by command name" wait_for main has "inode $udp_inode"
keys main Escape
wait_for main has "PID/FD" >/dev/null

# the process view of its pid
keys main 2
check "2 switches to Processes" wait_for main has "COMMAND"
keys main / "$udp_pid" Enter
wait_for main has "F1Help" >/dev/null
keys main Enter
check "a process's Enter shows its fd table with the socket" \
	wait_for main grep -Eq "^ +$udp_fd socket .*socket:\[$udp_inode\]"
keys main Escape
wait_for main has "F1Help" >/dev/null

# resize below the minimum and back: same pane, same selection
resize main 60x15
check "60x15: the screen says the size it needs" wait_for main has "leaktop needs 80x24"
check "60x15: and the size it has" wait_for main has "this one is 60x15"
resize main 100x30
check "100x30: the view comes back" wait_for main has "PSS"
keys main Enter
check "the same row is still selected (Enter opens pid $udp_pid)" \
	wait_for main has "pid $udp_pid (leak_udp):"
keys main Escape 1
wait_for main has "PID/FD" >/dev/null

# sort by another column: PID/FD ascending
keys main '>' '>'
check "> moves the sort to PID/FD" wait_for main has "sort PID/FD asc"
# problems first (on by default) keeps the flagged rows on top: off for this
keys main P
check "P: problems first off" wait_for main has "problems first: off"
check "rows are reordered by owner pid" wait_for main bash -c \
	"awk 'f && /^[0-9-]/ { split(\$1, a, \"/\"); p = a[1] == \"-\" ? 0 : a[1] + 0; if (p < last) bad = 1; last = p } /^PID\/FD/ { f = 1 } END { exit bad }'"
keys main I
check "I inverts: the highest pid first" wait_for main has "sort PID/FD desc"
keys main P
check "P: problems first on again" wait_for main has "problems first: on"

# help
keys main F1
check "F1 opens the help" wait_for main has "Press any key to close this help"
keys main Escape
check "a key closes the help" wait_for main hasnt "Press any key to close"

# pause
keys main Space
check "Space pauses" wait_for main has "PAUSED"
keys main Space
check "Space resumes" wait_for main has "LIVE"

# quit
keys main q
check "q exits with status 0" wait_for main test -s "$TMPD/main.exit"
check "exit status 0" grep -qx "EXIT=0" "$TMPD/main.exit"
check "the terminal is restored (the UI is gone from the pane)" \
	wait_for main hasnt "F1Help"

# --- findings, evidence and actions ----------------------------------------
# A leaker with a big buffer, so that its queue keeps growing all along.
stop_bg "$udp_bgpid" "$esc_bgpid" 2>/dev/null
start_bg act "$L/leak_udp" --interval-ms 300 --rcvbuf 4000000 --seconds 180
# growth_is PID INODE JQ-TEST: the socket's growth over three samples, as
# leaktop's own census sees it, passes the test
growth_is() {
	"$LEAKTOP" -b -n 3 -d 1 --format json -p "$1" 2>/dev/null | tail -1 |
		jq -e --argjson i "$2" "first(.sockets[] | select(.inode == \$i) | .growth_bps) $3"
}
rmem() {
	"$LEAKTOP" -b -n 1 --format json -p "$1" 2>/dev/null |
		jq -e --argjson i "$2" 'first(.sockets[] | select(.inode == $i) | .rmem)'
}
# filter_of PID FD: the socket's filter as leaktop's preview reads it
filter_of() {
	"$LEAKTOP" --act undo-filter --pid "$1" --fd "$2" --format json 2>/dev/null |
		jq -r '.before.filter // "?"'
}
start act 100x30 LC_ALL=C.UTF-8
check "act: the leaker's finding is listed" \
	wait_for act grep -Eq "unread_queue +$act_pid/$act_fd +leak_udp +drop-filter"
keys act / "$act_pid/$act_fd" Enter
wait_for act has "F1Help" >/dev/null
keys act Enter
check "Enter on the finding shows its evidence" wait_for act has "Evidence: Recv-Q"
check "the evidence view names the leaker" has "leak_udp (pid $act_pid, fd $act_fd)" <"$TMPD/screen"
check "... and explains it" has "Why it matters: This socket receives data" <"$TMPD/screen"
check "... above the socket's details" has "inode $act_inode" <"$TMPD/screen"
check "... with the safe action" has "Safe action: drop-filter" <"$TMPD/screen"
keys act a
check "a: the menu offers drop-filter, pre-selected" \
	wait_for act grep -Eq "> drop-filter +ready +\(suggested\) "
check "a: with a preview of what it does" has "What drop-filter will do:" <"$TMPD/screen"
check "a: the preview names the socket" \
	has "attach a one-instruction classic BPF filter (ret #0) with SO_ATTACH_FILTER" <"$TMPD/screen"
check "a: and asks y/N" wait_for act has "Apply drop-filter? y: yes"
check "nothing is attached before y" test "$(filter_of "$act_pid" "$act_fd")" = none
keys act y
check "y: the result says done" wait_for act has "Result: done: attached a drop-all filter"
check "y: before and after figures" \
	bash -c "grep -q 'before: rmem .*filter none' '$TMPD/screen' && grep -q 'after:  rmem .*filter drop-all' '$TMPD/screen'"
check "outside: leaktop's drop filter is attached" \
	test "$(filter_of "$act_pid" "$act_fd")" = drop-all
check "outside: the queue stops growing" growth_is "$act_pid" "$act_inode" "<= 0"

# drain without the word: nothing happens (the queue is still: filtered)
q0=$(rmem "$act_pid" "$act_inode")
keys act Down Down Down Down
check "drain selected" wait_for act grep -Eq "> drain +ready"
keys act y
check "y on drain asks for the word" wait_for act has "Type drain and press Enter"
keys act n o Enter
check "not typing drain: nothing was done" wait_for act has "nothing was done"
check "not typing drain: the queue is unchanged" \
	test "$(rmem "$act_pid" "$act_inode")" = "$q0"
check "not typing drain: no result shown" hasnt "Result:" <"$TMPD/screen"

# the session's list, and undo from it
keys act A
check "A lists this session's action" \
	wait_for act grep -Eq "drop-filter +done +$act_pid/$act_fd +leak_udp +u: undo-filter"
keys act u
check "u: the menu offers undo-filter, pre-selected" \
	wait_for act grep -Eq "> undo-filter +ready +\(suggested\) "
check "u: with its preview" has "What undo-filter will do:" <"$TMPD/screen"
keys act y
check "undo: the result says done" wait_for act has "Result: done: detached the drop filter"
check "outside: no filter any more" test "$(filter_of "$act_pid" "$act_fd")" = none
check "outside: the queue grows again" growth_is "$act_pid" "$act_inode" "> 0"
keys act Escape
check "the list marks the drop-filter undone" \
	wait_for act grep -Eq "drop-filter +done +$act_pid/$act_fd +leak_udp +undone"
keys act q
check "act: exit status 0" wait_for act grep -qx "EXIT=0" "$TMPD/act.exit"

# --read-only: no menu, and the help says why
ARGS=--read-only start ro 100x30 LC_ALL=C.UTF-8
check "read-only: the READ-ONLY badge" \
	wait_for ro bash -c "head -1 '$TMPD/screen' | grep -q 'READ-ONLY'"
check "read-only: the finding is listed" \
	wait_for ro grep -Eq "unread_queue +$act_pid/$act_fd +leak_udp"
check "read-only: no action key on the key bar" hasnt "aAct" <"$TMPD/screen"
keys ro / "$act_pid/$act_fd" Enter a
check "read-only: a says actions are disabled" wait_for ro has "actions disabled: --read-only"
check "read-only: a opens no menu" \
	bash -c "! grep -q 'Apply \|What drop-filter will do\|> drop-filter' '$TMPD/screen'"
keys ro Enter a
check "read-only: a in the evidence view opens no menu either" \
	wait_for ro has "Safe action: drop-filter (actions disabled: --read-only)"
check "read-only: still no menu" bash -c "! grep -q 'Apply ' '$TMPD/screen'"
keys ro F1
check "read-only: the help says actions are disabled" \
	wait_for ro grep -Eq "a A +actions disabled: --read-only"
keys ro Escape q
check "read-only: the filter was never touched" test "$(filter_of "$act_pid" "$act_fd")" = none
stop_bg "$act_bgpid" 2>/dev/null

# SIGTERM restores the terminal and exits
start sig 100x30 LC_ALL=C.UTF-8
wait_for sig has "PID/FD" >/dev/null
# leaktop is the child of the sh that reports its status
pkid=$(pgrep -P "$(cat "$TMPD/sig.pid")" | head -1)
check "SIGTERM: leaktop found" test -n "$pkid"
[ -n "$pkid" ] && kill -TERM "$pkid"
check "SIGTERM: leaktop exits" wait_for sig test -s "$TMPD/sig.exit"
check "SIGTERM: exit status 0" grep -qx "EXIT=0" "$TMPD/sig.exit"
check "SIGTERM: the UI is gone from the pane" wait_for sig hasnt "F1Help"

# no colour, no UTF-8: ASCII bar
ascii_bar() { grep '^Mem\[' | grep -Eq '^Mem\[[][#=+k!. ]+\] '; }
start nc 100x30 NO_COLOR=1 LC_ALL=C.UTF-8
check "NO_COLOR: the memory bar is ASCII" wait_for nc ascii_bar
keys nc q
start lc 100x30 LANG=C LC_ALL=C
check "LANG=C: the memory bar is ASCII" wait_for lc ascii_bar
check "LANG=C: sparklines are ASCII" wait_for lc bash -c "! LC_ALL=C grep -q \$'[\x80-\xff]'"
keys lc q
start ncc 80x24 NO_COLOR=1 LANG=C LC_ALL=C
check "NO_COLOR + LANG=C at 80x24: ASCII bar" wait_for ncc ascii_bar
check "NO_COLOR + LANG=C at 80x24: table and key bar" \
	wait_for ncc bash -c "grep -q PID/FD && grep -q F10Quit '$TMPD/screen'"
keys ncc q

# a failing sample ends the UI with a one-line reason and status 1
tmux_start fail 100x30 "$LEAKTOP" --procfs "$TMPD/nonexistent"
check "sample failure: exit status 1" wait_for fail grep -qx "EXIT=1" "$TMPD/fail.exit"
check "sample failure: one line naming the cause" \
	bash -c "[ \$(wc -l <'$TMPD/fail.err') = 1 ] &&
		 grep -Eq '^leaktop: .*(meminfo|/nonexistent)' '$TMPD/fail.err'"

# -p naming no process: the UI does not start, one line says so, status 1
# (pid_max itself is never a pid)
tmux_start nop 100x30 "$LEAKTOP" -p "$(cat /proc/sys/kernel/pid_max)"
check "-p with no process: exit status 1" wait_for nop grep -qx "EXIT=1" "$TMPD/nop.exit"
check "-p with no process: one line naming the pid" \
	test "$(cat "$TMPD/nop.err")" = "leaktop: -p: no process $(cat /proc/sys/kernel/pid_max)"

# themes: a bad file is named with its line, the default is used
printf 'normal = fg=default\n# ok\nheader = fg=reed bold\n' >"$TMPD/bad.theme"
tmux_new th2 100x30 "env TERM=xterm-256color $LEAKTOP -d 1 --theme $TMPD/bad.theme"
check "bad theme: file and line in the status line" \
	wait_for th2 has "bad.theme:3: unknown colour 'reed'"
check "bad theme: the UI runs on the default theme" has "PID/FD" <"$TMPD/screen"
keys th2 C
check "C cycles the theme and saves it" wait_for th2 test -s "$XDG_CONFIG_HOME/leaktop/leaktoprc"
check "leaktoprc names the theme" grep -Eq '^theme = [a-z-]+$' "$XDG_CONFIG_HOME/leaktop/leaktoprc"
keys th2 q
for name in default light monochrome high-contrast; do
	check "theme $name is shipped and parses" test -f "$LEAKTOP_THEMES_DIR/$name.theme"
done
finish
