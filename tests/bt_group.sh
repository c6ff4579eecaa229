#!/bin/bash
# Issue 24, item 2: one row per problem.
# - leak_tcpstall --mode orphans --count 12, a server that stopped reading
#   twelve clients: batch text prints one "never reads 12 connections on
#   port P" finding for the server, JSON one unread_queue finding with
#   count 12, its twelve members (twelve fds) inside it and none of them
#   beside it; in the UI at 120x40 the strip and the Findings pane show it
#   as one row, Right opens its twelve members under it and Left folds
#   them;
# - leak_udp with a full queue, then kill -STOP: one process_stopped
#   finding that says it is stopped, with the unread queue as its member
#   and not beside it; after kill -CONT, in the same session, it is
#   resolved and the unread queue is a finding of its own again; the same
#   with its cgroup frozen (the v1 freezer, or cgroup2's cgroup.freeze)
#   and thawed.
# Every check selects our leakers' pids (-p, or jq on .pid), so the test
# runs beside the others.  Every wait polls with a bound; nothing is timed.
# shellcheck disable=SC2154,SC2016
. "${TESTS_SRC:-$(dirname "$0")}/lib.sh"
need_root
need_cmd jq
need_cmd awk
L="$TESTS_BIN/leakers"
. "$TESTS_SRC/tmux.sh"

start_bg o "$L/leak_tcpstall" --mode orphans --count 12 --seconds 150
start_bg u "$L/leak_udp" --interval-ms 5 --seconds 150
# a stopped or frozen process ignores the SIGTERM of the cleanup: continue
# and thaw it first (thaw: below)
FRZ="" FRZ_ROOT="" FRZ_KIND=""
thaw() {
	[ -n "$FRZ" ] || return 0
	if [ "$FRZ_KIND" = v1 ]; then
		echo THAWED >"$FRZ/freezer.state"
		echo "$u_pid" >"$FRZ_ROOT/tasks"
	else
		echo 0 >"$FRZ/cgroup.freeze"
		echo "$u_pid" >"$FRZ_ROOT/cgroup.procs"
	fi
	rmdir "$FRZ" && FRZ=""
}
trap '$TM kill-server 2>/dev/null; kill -CONT "$u_pid" 2>/dev/null; thaw 2>/dev/null; cleanup' EXIT

# --- the twelve stalled connections: batch text and JSON ---------------------
"$LEAKTOP" -b -n 4 -d 1 -p "$o_pid" >"$TMPD/o.txt" 2>"$TMPD/o.err" ||
	fail "leaktop -b (text) failed: $(cat "$TMPD/o.err")"
sed -n '/^sample 4/,/^MEMORY/p' "$TMPD/o.txt" >"$TMPD/o4.txt"
check "text: one finding says the server never reads 12 connections on :$o_port" \
	bash -c "[ \$(grep -c 'leak_tcpstall (pid $o_pid) never reads 12 connections on :$o_port' '$TMPD/o4.txt') = 1 ]"
check "text: no finding of one of its sockets beside it" \
	bash -c "! grep -q 'pid $o_pid, fd [0-9]*) never reads its tcp socket' '$TMPD/o4.txt'"
check "text: the group's members line names the count" \
	grep -q '^ *members: 12: fd ' "$TMPD/o4.txt"

"$LEAKTOP" -b -n 4 -d 1 -p "$o_pid" --format json --record "$TMPD/o.ltrec" \
	>"$TMPD/o.all" 2>"$TMPD/o.err" || fail "leaktop -b (json) failed: $(cat "$TMPD/o.err")"
tail -1 "$TMPD/o.all" >"$TMPD/o.json"
grp() { # FILTER on the server's unread_queue findings of the last sample
	jq -e --argjson p "$o_pid" "[.findings[] | select(.pid == \$p and .kind == \"unread_queue\")] | $1" "$TMPD/o.json"
}
check "json: one unread_queue finding of the server" grp 'length == 1'
check "json: count 12, fd null, the cause is its port" \
	grp ".[0] | .count == 12 and .fd == null and .cause == \"on :$o_port\""
check "json: twelve members inside it, twelve fds, each an unread_queue of the server" \
	grp '.[0].members | length == 12 and (map(.fd) | unique | length) == 12 and
	     all(.[]; .kind == "unread_queue" and .pid == '"$o_pid"' and .bytes > 0)'
check "json: the total is the members' sum, the worst is the biggest member" \
	grp '.[0] | .bytes == (.members | map(.bytes) | add) and
	     .worst.bytes == (.members | map(.bytes) | max) and
	     (.worst.fd as $w | .members | map(.fd) | index($w)) != null'
check "json: the group's id is a 12-digit id of its own" \
	grp '.[0].id | test("^[0-9a-f]{12}$")'
# the recording replays the same groups, members and all
"$LEAKTOP" --replay "$TMPD/o.ltrec" -b --format json >"$TMPD/r.all" 2>"$TMPD/r.err" ||
	fail "replay failed: $(cat "$TMPD/r.err")"
groups() { jq -c '[.findings[] | {id, kind, count, bytes, cause, worst, members: [.members[] | {id, fd, bytes, state}]}]' "$1"; }
check "replay: the same groups with the same members as live" \
	bash -c "[ \"\$($(declare -f groups); tail -1 '$TMPD/r.all' >'$TMPD/r.json'; groups '$TMPD/r.json')\" = \"\$($(declare -f groups); groups '$TMPD/o.json')\" ] &&
		 jq -e '[.findings[] | select(.count == 12 and (.members | length) == 12)] | length == 1' '$TMPD/r.json'"

# --- the UI at 120x40 ------------------------------------------------------
# (the sentence may be abbreviated to fit: "conns"; the figures stay)
tmux_start m 120x40 LC_ALL=C.UTF-8 "$LEAKTOP" -d 1 -p "$o_pid"
check "UI: the strip shows the twelve connections as one row" \
	wait_for m bash -c "$(declare -f strip); strip <'$TMPD/screen' >'$TMPD/strip';
			    [ \$(grep -Ec 'pid $o_pid\\) never reads 12 conn(ection)?s on :$o_port' '$TMPD/strip') = 1 ] &&
			    ! grep -q 'pid $o_pid, fd [0-9]*) never reads its tcp' '$TMPD/strip'"
keys m 3
check "UI: the Findings pane" wait_for m header_is "SEVERITY"
# a member's row: its pid/fd indented under the group's PID column
check "UI: one row for the twelve, marked [+], none for a member" \
	wait_for m bash -c "[ \$(grep -Ec 'unread_queue +$o_pid +.*\\[\\+\\] never reads 12 conn' '$TMPD/screen') = 1 ] &&
			    ! grep -Eq 'unread_queue +$o_pid/' '$TMPD/screen'"
keys m / "never reads 12" Enter Right
check "UI: Right opens its twelve members under it" \
	wait_for m bash -c "[ \$(grep -Ec 'unread_queue {3,}$o_pid/[0-9]+ ' '$TMPD/screen') = 12 ] &&
			    grep -q '\\[-\\] never reads 12 conn' '$TMPD/screen'"
check "UI: the members come right under their group" \
	awk -v p="$o_pid" '/\[-\] never reads 12 conn/ { g = NR }
			   $0 ~ ("unread_queue    *" p "/[0-9]+ ") { if (!g || NR <= g) bad = 1; n++; last = NR }
			   END { exit bad || n != 12 || last - g != 12 }' "$TMPD/screen"
check "UI: ... and the status line says Left folds them" wait_for m has "Left folds them"
keys m Left
check "UI: Left folds them again" \
	wait_for m bash -c "! grep -Eq 'unread_queue {3,}$o_pid/' '$TMPD/screen' &&
			    grep -q '\\[+\\] never reads 12 conn' '$TMPD/screen'"
# the same one row where SSH sessions land and on a wide screen, its
# count kept however narrow the summary
for size in 80x24 200x60; do
	resize m "$size"
	check "UI at $size: the twelve are one row with their count, no member row" \
		wait_for m bash -c "[ \$(grep -Ec '\\[\\+\\].* 12 conn' '$TMPD/screen') = 1 ] &&
				    ! grep -Eq 'unread_q[^ ]* +$o_pid/[0-9]+ ' '$TMPD/screen'"
done
keys m q
wait_for m bash -c "[ -s '$TMPD/m.exit' ]" || true

# --- a stopped process: one finding, resolved after SIGCONT -------------------
# one session across the stop and the continue: confirmation after two
# samples, so the stopped finding is confirmed and can resolve
"$LEAKTOP" -b -n 400 -d 0.3 -p "$u_pid" --threshold confirm_samples=2 --format json \
	>"$TMPD/u.all" 2>"$TMPD/u.err" &
lt_pid=$!
CHILDREN="$CHILDREN $lt_pid"
# poll_json FILTER: until the last sample written satisfies FILTER (60 s)
poll_json() {
	local _
	for _ in $(seq 1 300); do
		tail -n 1 "$TMPD/u.all" 2>/dev/null | jq -e --argjson p "$u_pid" "$1" >/dev/null 2>&1 &&
			return 0
		sleep 0.2
	done
	return 1
}
mine='[.findings[] | select(.pid == $p)]'
check "udp: its full queue is a confirmed unread_queue finding" \
	poll_json "$mine | any(.kind == \"unread_queue\" and .state == \"confirmed\" and .fd == $u_fd)"
kill -STOP "$u_pid"
check "stopped: one process_stopped finding that says it is stopped" \
	poll_json "$mine | map(select(.kind == \"process_stopped\")) | length == 1 and
		   (.[0] | .process_state == \"T\" and (.summary | test(\"is stopped.* for at least\")) and
		    .state == \"confirmed\")"
check "stopped: its unread queue is a member, not a finding beside it" \
	poll_json "$mine | (map(select(.kind == \"unread_queue\")) | length == 0) and
		   (map(select(.kind == \"process_stopped\"))[0].members | any(.kind == \"unread_queue\" and .fd == $u_fd))"
check "stopped: its next steps say how to resume it and who stops it" \
	poll_json "$mine | map(select(.kind == \"process_stopped\"))[0].next_steps | join(\" \") |
		   test(\"kill -CONT $u_pid\") and test(\"TracerPid\")"
kill -CONT "$u_pid"
check "continued: the process_stopped finding is resolved" \
	poll_json "$mine | map(select(.kind == \"process_stopped\")) | length == 1 and .[0].state == \"resolved\""
check "continued: the unread queue is a finding of its own again" \
	poll_json "$mine | any(.kind == \"unread_queue\" and .fd == $u_fd and .state != \"resolved\")"

# --- a frozen cgroup: the same finding, with F, resolved when thawed ----------
# the v1 freezer where it is mounted, else cgroup2's cgroup.freeze
v2=$(awk '$0 ~ / - cgroup2 / { print $5; exit }' /proc/self/mountinfo)
if [ -d /sys/fs/cgroup/freezer ] && [ -w /sys/fs/cgroup/freezer/tasks ]; then
	FRZ_KIND=v1 FRZ_ROOT=/sys/fs/cgroup/freezer
elif [ -n "$v2" ] && [ -w "$v2/cgroup.procs" ]; then
	FRZ_KIND=v2 FRZ_ROOT=$v2
fi
if [ -n "$FRZ_ROOT" ] && mkdir "$FRZ_ROOT/lkt-group-$$" 2>/dev/null; then
	FRZ="$FRZ_ROOT/lkt-group-$$"
	if [ "$FRZ_KIND" = v1 ]; then
		echo "$u_pid" >"$FRZ/tasks" && echo FROZEN >"$FRZ/freezer.state"
	else
		echo "$u_pid" >"$FRZ/cgroup.procs" && echo 1 >"$FRZ/cgroup.freeze"
	fi
	check "frozen ($FRZ_KIND freezer): one process_stopped finding that says its cgroup is frozen" \
		poll_json "$mine | map(select(.kind == \"process_stopped\" and .state != \"resolved\")) |
			   length == 1 and (.[0] | .process_state == \"F\" and
			   (.summary | test(\"is in a frozen cgroup for at least\")) and
			   (.members | any(.kind == \"unread_queue\" and .fd == $u_fd)))"
	thaw
	check "thawed: it is resolved, and the unread queue is a finding of its own again" \
		poll_json "$mine | (map(select(.kind == \"process_stopped\")) | length == 1 and
			   .[0].state == \"resolved\" and .[0].process_state == \"F\") and
			   any(.kind == \"unread_queue\" and .fd == $u_fd and .state != \"resolved\")"
else
	echo "note: no freezer to try here (neither the v1 freezer nor cgroup2 is writable)"
fi
stop_bg "$lt_pid"
wait "$lt_pid" 2>/dev/null

finish
