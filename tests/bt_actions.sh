#!/bin/bash
# leaktop --act against real leaking processes: drop-filter stops a growing
# queue while the leaker keeps sending (UDP, and the seed-000 AF_PACKET RARP
# socket) and undo-filter lets it grow again; shrink-rcvbuf and its undo;
# drain (only with --confirm-drain); raise-fd-limit and its undo; and every
# safety refusal (TCP, locked filter, swapped fd, exited pid, non-root user,
# corrupt undo state, read-only), each leaving the target untouched.
. "${TESTS_SRC:-$(dirname "$0")}/lib.sh"
need_root
need_cmd jq
L="$TESTS_BIN/leakers"

# Undo state goes to /run/leaktop; keep this run's files apart from the
# operator's by only touching files named after our leakers' pids.

# rmem PID INODE: the socket's charged memory as leaktop's census sees it
rmem() {
	"$LEAKTOP" -b -n 1 --format json -p "$1" 2>/dev/null |
		jq -e --argjson i "$2" 'first(.sockets[] | select(.inode == $i) | .rmem)'
}
# field PID INODE KEY: any field of the socket in leaktop's census
field() {
	"$LEAKTOP" -b -n 1 --format json -p "$1" 2>/dev/null |
		jq -e --argjson i "$2" --arg k "$3" 'first(.sockets[] | select(.inode == $i) | .[$k])'
}
# act NAME args...: leaktop --act ... --format json; output in $TMPD/NAME.json,
# stderr in $TMPD/NAME.err; sets RC
act() {
	local name=$1; shift
	RC=0
	"$LEAKTOP" --act "$@" --format json >"$TMPD/$name.json" 2>"$TMPD/$name.err" || RC=$?
}
j() { jq -e "$2" "$TMPD/$1.json" >/dev/null; }
# sent LOGFILE PID: ask a leaker for its counter (SIGUSR1), print the number
sent() {
	local before after i
	before=$(grep -c 'sent=\|received=' "$1")
	kill -USR1 "$2"
	for i in $(seq 1 50); do
		after=$(grep -c 'sent=\|received=' "$1")
		[ "$after" -gt "$before" ] && break
		sleep 0.1
	done
	grep -o '\(sent\|received\)=[0-9]*' "$1" | tail -1 | cut -d= -f2
}
# wait_growth PID INODE: wait (up to 10 s) until the queue has something
wait_queue() {
	local i q
	for i in $(seq 1 100); do
		q=$(rmem "$1" "$2" || echo 0)
		[ "$q" -gt 0 ] && return 0
		sleep 0.1
	done
	return 1
}
# filter PID FD: what leaktop's preview reads as the socket's current filter
filter_of() {
	"$LEAKTOP" --act drop-filter --pid "$1" --fd "$2" --format json 2>/dev/null |
		jq -r '.before.filter // "?"'
}

# --- usage errors: exit 2 -----------------------------------------------
"$LEAKTOP" --act bogus --pid 1 --fd 0 >/dev/null 2>&1; check "unknown action: exit 2" test $? = 2
"$LEAKTOP" --act drop-filter --fd 0 >/dev/null 2>&1; check "no --pid: exit 2" test $? = 2
"$LEAKTOP" --act drop-filter --pid 1 >/dev/null 2>&1; check "no --fd: exit 2" test $? = 2
"$LEAKTOP" --act drop-filter --pid 1,2 --fd 0 >/dev/null 2>&1; check "two pids: exit 2" test $? = 2
"$LEAKTOP" --act drain --pid 1 --fd 0 --value 5 >/dev/null 2>&1; check "--value on drain: exit 2" test $? = 2

# --- --procfs: a copy's pids are not this machine's processes: refused ----
# a fake tree whose stat for the pid of a live process says whatever it
# likes; the live process's limits must not move
bash -c 'ulimit -Sn 256 && exec sleep 30' & victim=$!
for _ in $(seq 1 50); do	# until its soft limit is the lowered one
	grep -q 'Max open files *256 ' "/proc/$victim/limits" && break
	sleep 0.1
done
CHILDREN="$CHILDREN $victim"
mkdir -p "$TMPD/fakeproc/$victim/fd"
cp "/proc/$victim/stat" "/proc/$victim/comm" "/proc/$victim/limits" "$TMPD/fakeproc/$victim/"
lim_before=$(grep 'Max open files' "/proc/$victim/limits")
act p_ro raise-fd-limit --pid "$victim" --yes --procfs "$TMPD/fakeproc"
check "--procfs: raise-fd-limit refused, exit 3" test "$RC" = 3
check "--procfs: one line says why" bash -c "test \$(wc -l <'$TMPD/p_ro.err') = 1 &&
	grep -q 'live /proc' '$TMPD/p_ro.err'"
check "--procfs: the live process's limits are unchanged" \
	test "$(grep 'Max open files' "/proc/$victim/limits")" = "$lim_before"
kill "$victim" 2>/dev/null

# --- seed 001: drop-filter on the UDP leaker, then undo ------------------
start_bg udp "$L/leak_udp" --interval-ms 20 --rcvbuf 4194304 --seconds 120
check "udp: queue builds up" wait_queue "$udp_pid" "$udp_inode"
act udp_preview drop-filter --pid "$udp_pid" --fd "$udp_fd"
check "udp: preview exits 0" test "$RC" = 0
check "udp: preview says what happens" j udp_preview '.outcome == "preview" and (.preview | test("ret #0"))'
check "udp: preview touched nothing" test "$(filter_of "$udp_pid" "$udp_fd")" = none
q1=$(rmem "$udp_pid" "$udp_inode"); sleep 2; q2=$(rmem "$udp_pid" "$udp_inode")
check "udp: queue grows before ($q1 -> $q2)" test "$q2" -gt "$q1"
s1=$(sent "$TMPD/udp.err" "$udp_pid"); r1=$(sent "$TMPD/udp.err" "$udp_server_pid")
act udp_drop drop-filter --pid "$udp_pid" --fd "$udp_fd" --yes
check "udp: drop-filter exits 0" test "$RC" = 0
check "udp: drop-filter done, drop-all read back" \
	j udp_drop '.done and .after.filter == "drop-all" and .after.filter_len == 1 and .inode == '"$udp_inode"
check "udp: undo is undo-filter" j udp_drop '.undo == "undo-filter"'
state=$(jq -r .state_file "$TMPD/udp_drop.json")
check "udp: undo state saved ($state)" test -s "$state"
check "udp: state directory is private" test "$(stat -c %a "$(dirname "$state")")" = 700
sleep 0.5
q3=$(rmem "$udp_pid" "$udp_inode"); sleep 3; q4=$(rmem "$udp_pid" "$udp_inode")
echo "   udp queue: $q1 -> $q2 before; $q3 -> $q4 over 3 s after drop-filter"
check "udp: queue stops growing ($q3 -> $q4)" test "$q4" = "$q3"
s2=$(sent "$TMPD/udp.err" "$udp_pid"); r2=$(sent "$TMPD/udp.err" "$udp_server_pid")
check "udp: leaker still running" kill -0 "$udp_pid"
check "udp: leaker still sends ($s1 -> $s2)" test "$s2" -gt "$s1"
check "udp: echo server still receives ($r1 -> $r2)" test "$r2" -gt "$r1"
check "udp: replies are dropped (drops grow)" test "$(field "$udp_pid" "$udp_inode" drops)" -gt 0
act udp_again drop-filter --pid "$udp_pid" --fd "$udp_fd" --yes
check "udp: drop-filter again: nothing changed" j udp_again '.done and (.message | test("already"))'
check "udp: state kept" test -s "$state"
act udp_undo undo-filter --pid "$udp_pid" --fd "$udp_fd" --yes
check "udp: undo-filter exits 0" test "$RC" = 0
check "udp: undo-filter detached it" j udp_undo '.done and .after.filter == "none"'
check "udp: undo state removed" test ! -e "$state"
q5=$(rmem "$udp_pid" "$udp_inode"); sleep 2; q6=$(rmem "$udp_pid" "$udp_inode")
check "udp: growth resumes after undo ($q5 -> $q6)" test "$q6" -gt "$q5"
act udp_undo2 undo-filter --pid "$udp_pid" --fd "$udp_fd" --yes
check "udp: undo with nothing to undo: exit 3" test "$RC" = 3

# --- drain: needs --confirm-drain; frees the queue -----------------------
act d_filter drop-filter --pid "$udp_pid" --fd "$udp_fd" --yes	# freeze the queue
qd=$(rmem "$udp_pid" "$udp_inode")
act d_noconfirm drain --pid "$udp_pid" --fd "$udp_fd" --yes
check "drain without --confirm-drain: exit 3" test "$RC" = 3
check "drain without --confirm-drain: reason says so" grep -q -- '--confirm-drain' "$TMPD/d_noconfirm.err"
check "drain without --confirm-drain: queue unchanged" test "$(rmem "$udp_pid" "$udp_inode")" = "$qd"
act d_preview drain --pid "$udp_pid" --fd "$udp_fd" --confirm-drain
check "drain preview (no --yes): exit 0, nothing done" \
	bash -c "[ $RC = 0 ] && [ \"\$(jq -r .outcome '$TMPD/d_preview.json')\" = preview ]"
check "drain preview: queue unchanged" test "$(rmem "$udp_pid" "$udp_inode")" = "$qd"
act d_ro drain --pid "$udp_pid" --fd "$udp_fd" --yes --confirm-drain --read-only
check "drain --read-only: exit 3" test "$RC" = 3
check "drain --read-only: queue unchanged" test "$(rmem "$udp_pid" "$udp_inode")" = "$qd"
act d_go drain --pid "$udp_pid" --fd "$udp_fd" --yes --confirm-drain
check "drain: exit 0" test "$RC" = 0
check "drain: drained bytes, rmem 0 after" j d_go '.done and .after.drained_bytes > 0 and .after.rmem == 0'
check "drain: no undo offered" j d_go '.undo == null'
q7=$(rmem "$udp_pid" "$udp_inode")
echo "   drain: rmem $qd -> $q7 (census)"
check "drain: census rmem falls to 0 ($qd -> $q7)" test "$q7" = 0
act d_undo undo-filter --pid "$udp_pid" --fd "$udp_fd" --yes

# --- shrink-rcvbuf and undo ----------------------------------------------
b0=$(field "$udp_pid" "$udp_inode" rcvbuf)
act shrink shrink-rcvbuf --pid "$udp_pid" --fd "$udp_fd" --yes
check "shrink: exit 0" test "$RC" = 0
b1=$(field "$udp_pid" "$udp_inode" rcvbuf)
echo "   rcvbuf: $b0 -> $b1"
check "shrink: census rcvbuf at the minimum ($b0 -> $b1)" test "$b1" -le 4608
check "shrink: read back matches the census" j shrink ".after.rcvbuf == $b1 and .before.rcvbuf == $b0"
act unshrink undo-rcvbuf --pid "$udp_pid" --fd "$udp_fd" --yes
check "undo-rcvbuf: exit 0" test "$RC" = 0
check "undo-rcvbuf: census rcvbuf restored ($b0)" test "$(field "$udp_pid" "$udp_inode" rcvbuf)" = "$b0"
check "undo-rcvbuf: warns about SOCK_RCVBUF_LOCK" j unshrink '.warning | test("SOCK_RCVBUF_LOCK")'
# the undo state is written before the change: a leaktop killed after
# setsockopt, before it recorded the size it set, leaves "rcvbuf OLD 0"
act shrink2 shrink-rcvbuf --pid "$udp_pid" --fd "$udp_fd" --yes
state=$(jq -r .state_file "$TMPD/shrink2.json")
check "shrink: the undo state records the old size" grep -q "^rcvbuf $b0 " "$state"
sed -i "s/^rcvbuf $b0 .*/rcvbuf $b0 0/" "$state"
act unshrink2 undo-rcvbuf --pid "$udp_pid" --fd "$udp_fd" --yes
check "undo-rcvbuf from a state saved before the change: exit 0" test "$RC" = 0
check "undo-rcvbuf from a state saved before the change: restored ($b0)" \
	test "$(field "$udp_pid" "$udp_inode" rcvbuf)" = "$b0"
check "text output names the target" \
	bash -c "'$LEAKTOP' --act shrink-rcvbuf --pid $udp_pid --fd $udp_fd | grep -q 'socket $udp_inode udp'"

# --- corrupt undo state: refuse, exit 3, filter stays ---------------------
act c_drop drop-filter --pid "$udp_pid" --fd "$udp_fd" --yes
state=$(jq -r .state_file "$TMPD/c_drop.json")
printf 'leaktop-undo 1\naction drop-filter\npid \001garbage\n' >"$state"
act c_undo undo-filter --pid "$udp_pid" --fd "$udp_fd" --yes
check "corrupt state: exit 3" test "$RC" = 3
check "corrupt state: clear error" grep -q 'corrupt' "$TMPD/c_undo.err"
check "corrupt state: filter untouched" test "$(filter_of "$udp_pid" "$udp_fd")" = drop-all
rm -f "$state"
act c_undo2 undo-filter --pid "$udp_pid" --fd "$udp_fd" --yes
check "no state: undo-filter still detaches leaktop's filter, with a warning" \
	j c_undo2 '.done and .warning != null and .after.filter == "none"'

# --- a non-root user acting on root's process ----------------------------
if command -v setpriv >/dev/null &&
	setpriv --reuid=nobody --regid=nogroup --clear-groups test -x "$LEAKTOP" 2>/dev/null; then
	qn=$(rmem "$udp_pid" "$udp_inode")
	RC=0
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$LEAKTOP" --act drop-filter \
		--pid "$udp_pid" --fd "$udp_fd" --yes >"$TMPD/nobody.out" 2>"$TMPD/nobody.err" || RC=$?
	check "non-root: exit 3" test "$RC" = 3
	check "non-root: reason names CAP_SYS_PTRACE" grep -q 'CAP_SYS_PTRACE' "$TMPD/nobody.err"
	check "non-root: filter untouched" test "$(filter_of "$udp_pid" "$udp_fd")" = none
	check "non-root: queue still grows" test "$(rmem "$udp_pid" "$udp_inode")" -gt "$qn"
	start_bg gl "$L/leak_ghost" --limit 128 --seconds 60
	RC=0
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$LEAKTOP" --act raise-fd-limit \
		--pid "$gl_pid" --yes >/dev/null 2>"$TMPD/nobody2.err" || RC=$?
	check "non-root raise-fd-limit: exit 3, names CAP_SYS_RESOURCE" \
		bash -c "[ $RC = 3 ] && grep -q CAP_SYS_RESOURCE '$TMPD/nobody2.err'"
	check "non-root raise-fd-limit: limit untouched" \
		grep -Eq '^Max open files +128 ' "/proc/$gl_pid/limits"
	kill "$gl_bgpid"
else
	echo "SKIP: non-root refusal (nobody cannot run $LEAKTOP)"
fi
kill "$udp_bgpid"

# --- seed 000: the AF_PACKET RARP socket ---------------------------------
start_bg pkt "$L/leak_packet" --interval-ms 20 --rcvbuf 4194304 --seconds 120
check "packet: queue builds up" wait_queue "$pkt_pid" "$pkt_inode"
p1=$(rmem "$pkt_pid" "$pkt_inode"); sleep 2; p2=$(rmem "$pkt_pid" "$pkt_inode")
check "packet: queue grows before ($p1 -> $p2)" test "$p2" -gt "$p1"
n1=$(sent "$TMPD/pkt.err" "$pkt_pid")
act pkt_drop drop-filter --pid "$pkt_pid" --fd "$pkt_fd" --yes
check "packet: drop-filter exits 0" test "$RC" = 0
check "packet: proto packet, drop-all read back" \
	j pkt_drop '.done and .proto == "packet" and .after.filter == "drop-all"'
sleep 0.5
p3=$(rmem "$pkt_pid" "$pkt_inode"); sleep 3; p4=$(rmem "$pkt_pid" "$pkt_inode")
echo "   packet queue: $p1 -> $p2 before; $p3 -> $p4 over 3 s after drop-filter"
check "packet: queue stops growing ($p3 -> $p4)" test "$p4" = "$p3"
n2=$(sent "$TMPD/pkt.err" "$pkt_pid")
check "packet: leaker still sends RARP ($n1 -> $n2)" test "$n2" -gt "$n1"
act pkt_undo undo-filter --pid "$pkt_pid" --fd "$pkt_fd" --yes
check "packet: undo-filter exits 0" test "$RC" = 0
p5=$(rmem "$pkt_pid" "$pkt_inode"); sleep 2; p6=$(rmem "$pkt_pid" "$pkt_inode")
check "packet: growth resumes after undo ($p5 -> $p6)" test "$p6" -gt "$p5"
kill "$pkt_bgpid"

# --- seed 004: raise-fd-limit on the gshell-like leaker -------------------
start_bg gh "$L/leak_ghost" --limit 128 --seconds 120
hard=$(awk '/^Max open files/ {print $5}' "/proc/$gh_pid/limits")
act raise raise-fd-limit --pid "$gh_pid" --yes
check "raise-fd-limit: exit 0" test "$RC" = 0
check "raise-fd-limit: soft = hard ($hard) in /proc/PID/limits" \
	grep -Eq "^Max open files +$hard +$hard " "/proc/$gh_pid/limits"
check "raise-fd-limit: before/after figures" \
	j raise ".before.fd_soft == 128 and .after.fd_soft == $hard and .undo == \"undo-fd-limit\""
act unraise undo-fd-limit --pid "$gh_pid" --yes
check "undo-fd-limit: exit 0" test "$RC" = 0
check "undo-fd-limit: back to 128 in /proc/PID/limits" \
	grep -Eq "^Max open files +128 +$hard " "/proc/$gh_pid/limits"
act raise2 raise-fd-limit --pid "$gh_pid" --value 300 --yes
check "raise-fd-limit --value 300" grep -Eq "^Max open files +300 +$hard " "/proc/$gh_pid/limits"
act raise3 raise-fd-limit --pid "$gh_pid" --value 200 --yes
check "raise-fd-limit below the current soft limit: exit 3" test "$RC" = 3
act unraise2 undo-fd-limit --pid "$gh_pid" --yes
check "undo-fd-limit after --value: back to 128" grep -Eq "^Max open files +128 +$hard " "/proc/$gh_pid/limits"

# --- TCP: drop-filter refused on the listener ----------------------------
act tcp drop-filter --pid "$gh_pid" --fd "$gh_fd" --yes
check "tcp: exit 3" test "$RC" = 3
check "tcp: reason says TCP" j tcp '.refused and (.reason | test("TCP"))'
check "tcp: filter untouched" test "$(filter_of "$gh_pid" "$gh_fd")" = none
kill "$gh_bgpid"

# --- a locked filter ------------------------------------------------------
start_bg lk "$L/leak_udp" --lock-filter --interval-ms 20 --seconds 60
check "locked: queue builds up" wait_queue "$lk_pid" "$lk_inode"
act lock drop-filter --pid "$lk_pid" --fd "$lk_fd" --yes
check "locked: exit 3" test "$RC" = 3
check "locked: reason names SO_LOCK_FILTER" j lock '.refused and (.reason | test("SO_LOCK_FILTER"))'
check "locked: the leaker's own filter untouched" \
	j lock '.before.filter == "classic" and .before.filter_locked'
l1=$(rmem "$lk_pid" "$lk_inode"); sleep 1; l2=$(rmem "$lk_pid" "$lk_inode")
check "locked: queue still grows ($l1 -> $l2)" test "$l2" -gt "$l1"
kill "$lk_bgpid"

# --- the fd now holds another socket than the scan saw --------------------
start_bg sw "$L/leak_udp" --swap-after-ms 1000 --interval-ms 20 --seconds 60
for i in $(seq 1 50); do
	grep -q swapped "$TMPD/sw.err" && break
	sleep 0.1
done
new=$(readlink "/proc/$sw_pid/fd/$sw_fd" | tr -dc 0-9)
check "swap: the leaker replaced its socket ($sw_inode -> $new)" test "$new" != "$sw_inode"
if "$LEAKTOP" --help | grep -q -- '--inode'; then
	act swap drop-filter --pid "$sw_pid" --fd "$sw_fd" --inode "$sw_inode" --yes
	check "swap: --inode of the earlier scan: exit 3" test "$RC" = 3
	check "swap: reason names both sockets" \
		grep -q "holds socket $new, not socket $sw_inode" "$TMPD/swap.err"
	check "swap: new socket untouched" test "$(filter_of "$sw_pid" "$sw_fd")" = none
else
	echo "SKIP: --inode not in this build (check_actions covers the swapped fd)"
fi
act swap2 drop-filter --pid "$sw_pid" --fd "$sw_fd"
check "swap: without --inode the CLI pins what is there now" j swap2 ".inode == $new"
kill "$sw_bgpid"

# --- a process that has exited -------------------------------------------
start_bg dead "$L/leak_udp" --seconds 60
kill "$dead_bgpid"; wait "$dead_bgpid" 2>/dev/null
act gone drop-filter --pid "$dead_pid" --fd "$dead_fd" --yes
check "exited pid: exit 3" test "$RC" = 3
check "exited pid: reason says so" grep -q "does not exist\|exited" "$TMPD/gone.err"
act gone2 raise-fd-limit --pid "$dead_pid" --yes
check "exited pid, raise-fd-limit: exit 3" test "$RC" = 3

# --- --read-only refuses everything ---------------------------------------
act ro raise-fd-limit --pid $$ --read-only
check "--read-only: exit 3 (even a preview)" test "$RC" = 3
finish
