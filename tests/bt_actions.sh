#!/bin/bash
# leaktop --act against real leaking processes: drop-filter stops a growing
# queue while the leaker keeps sending (UDP, and the seed-000 AF_PACKET RARP
# socket) and undo-filter lets it grow again; shrink-rcvbuf and its undo;
# drain (only with --confirm-drain); raise-fd-limit and its undo; and every
# safety refusal (TCP, locked filter, swapped fd, exited pid, non-root user,
# corrupt undo state, read-only), each leaving the target untouched; the
# audit file (intent before the change, outcome after, on a box without
# syslog), an unwritable audit file refusing the action, the opt-out, and
# neither of those nor a refusal falling back to /var/log/leaktop; the
# processes sharing a socket in the preview; and a leaktop killed between
# saving the undo state and changing the socket.
. "${TESTS_SRC:-$(dirname "$0")}/lib.sh"
need_root
need_cmd jq
L="$TESTS_BIN/leakers"

# Undo state goes to /run/leaktop; keep this run's files apart from the
# operator's by only touching files named after our leakers' pids.  The
# audit lines go to this run's own file, not /var/log/leaktop.
AUDIT="$TMPD/audit/audit.log"

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
	"$LEAKTOP" --act "$@" --audit-log "$AUDIT" --format json >"$TMPD/$name.json" \
		2>"$TMPD/$name.err" || RC=$?
}
# act_own NAME args...: like act, with the caller's audit options
act_own() {
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
	"$LEAKTOP" --act drop-filter --pid "$1" --fd "$2" --no-audit-file --format json \
		2>/dev/null | jq -r '.before.filter // "?"'
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
stop_bg "$victim"

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
check "drain: leaves a marker for the triage" \
	sh -c "ls /run/leaktop/drain-$udp_pid-*-$udp_fd-$udp_inode >/dev/null 2>&1"
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
	stop_bg "$gl_bgpid"
else
	echo "SKIP: non-root refusal (nobody cannot run $LEAKTOP)"
fi
stop_bg "$udp_bgpid"; wait "$udp_bgpid" 2>/dev/null

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
# saving a state forgets those of processes that exited (the udp leaker's
# drain marker), so markers do not pile up in /run/leaktop
check "states of exited processes are forgotten (udp pid $udp_pid)" \
	sh -c "! ls /run/leaktop/drain-$udp_pid-* >/dev/null 2>&1"
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
stop_bg "$pkt_bgpid"

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
stop_bg "$gh_bgpid"

# --- a locked filter ------------------------------------------------------
# a big rcvbuf: at its ceiling (208 KiB by default, soon on a loaded
# machine) the queue could not show that it still grows
start_bg lk "$L/leak_udp" --lock-filter --interval-ms 20 --rcvbuf 4194304 --seconds 60
check "locked: queue builds up" wait_queue "$lk_pid" "$lk_inode"
act lock drop-filter --pid "$lk_pid" --fd "$lk_fd" --yes
check "locked: exit 3" test "$RC" = 3
check "locked: reason names SO_LOCK_FILTER" j lock '.refused and (.reason | test("SO_LOCK_FILTER"))'
check "locked: the leaker's own filter untouched" \
	j lock '.before.filter == "classic" and .before.filter_locked'
l1=$(rmem "$lk_pid" "$lk_inode"); sleep 1; l2=$(rmem "$lk_pid" "$lk_inode")
check "locked: queue still grows ($l1 -> $l2)" test "$l2" -gt "$l1"
stop_bg "$lk_bgpid"

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
stop_bg "$sw_bgpid"

# --- a process that has exited -------------------------------------------
start_bg dead "$L/leak_udp" --seconds 60
stop_bg "$dead_bgpid"; wait "$dead_bgpid" 2>/dev/null
act gone drop-filter --pid "$dead_pid" --fd "$dead_fd" --yes
check "exited pid: exit 3" test "$RC" = 3
check "exited pid: reason says so" grep -q "does not exist\|exited" "$TMPD/gone.err"
act gone2 raise-fd-limit --pid "$dead_pid" --yes
check "exited pid, raise-fd-limit: exit 3" test "$RC" = 3

# --- --read-only refuses everything ---------------------------------------
act ro raise-fd-limit --pid $$ --read-only
check "--read-only: exit 3 (even a preview)" test "$RC" = 3

# --- the audit file --------------------------------------------------------
# No syslog: where /dev/log exists, leaktop runs in a mount namespace with
# /dev/null over it, so nothing can depend on syslog taking the lines.
nosyslog() {
	if [ -e /dev/log ]; then
		unshare -m sh -c 'mount --bind /dev/null /dev/log && exec "$@"' sh "$@"
	else
		"$@"
	fi
}
start_bg au "$L/leak_udp" --interval-ms 20 --seconds 120
AUD2="$TMPD/audit2/sub.log"
# The real risk of a named audit file is a silent fall back to the default
# one.  Where the default file ends now; it is never created by this test.
# Other tests (and other clones) may append to it meanwhile, so its size and
# mtime alone prove nothing: what counts is a line about this test's
# leakers (their pids are ours alone) or one of its runs' audit ids.
SYSAUD=/var/log/leaktop/audit.log
sys_existed=0 sys_off=0
if [ -e "$SYSAUD" ]; then
	sys_existed=1
	sys_off=$(stat -c %s "$SYSAUD")
fi
# sys_clean ERE: the default audit file got no line matching ERE since the
# mark above, and exists only if it did then (or another writer made it)
sys_clean() {
	if [ ! -e "$SYSAUD" ]; then
		return 0
	fi
	local off=$sys_off
	[ "$sys_existed" = 1 ] || off=0
	[ "$(stat -c %s "$SYSAUD")" -ge "$off" ] || off=0	# rotated
	tail -c +$((off + 1)) "$SYSAUD" >"$TMPD/sysaud.new" || return 1
	grep -Eq -- "$1" "$TMPD/sysaud.new"
	test $? = 1	# 0 is a line found, 2 an error: both fail
}
RC=0
nosyslog "$LEAKTOP" --act drop-filter --pid "$au_pid" --fd "$au_fd" --audit-log "$AUD2" \
	--yes --format json >"$TMPD/au_drop.json" 2>"$TMPD/au_drop.err" || RC=$?
check "audit: drop-filter without syslog: exit 0" test "$RC" = 0
id=$(jq -r .audit_id "$TMPD/au_drop.json")
check "audit: two lines, both with the run's id ($id)" \
	test "$(grep -c "^id=$id " "$AUD2")" = 2
check "audit: the intent comes first" \
	bash -c "sed -n 1p '$AUD2' | grep -q '^id=$id phase=intent action=drop-filter .*pid=$au_pid .*fd=$au_fd inode=$au_inode .*before=\[rmem=.*filter=0\]'"
check "audit: then the outcome" \
	bash -c "sed -n 2p '$AUD2' | grep -q '^id=$id phase=outcome action=drop-filter outcome=done .*after=\[.*filter=1\]'"
check "audit: the default audit file got none of its lines" sys_clean "^id=$id "
check "audit: file mode 0600" test "$(stat -c %a "$AUD2")" = 600
check "audit: directory made 0700" test "$(stat -c %a "$(dirname "$AUD2")")" = 700
check "audit: every line is key=value, one per line" \
	bash -c "! grep -v '^id=[0-9]*\.[0-9]*\.[0-9]* phase=[a-z]* action=' '$AUD2'"
# refused before any change: one line
act_own au_ref drain --pid "$au_pid" --fd "$au_fd" --yes --audit-log "$AUD2"
id2=$(jq -r .audit_id "$TMPD/au_ref.json")
check "audit: a refusal is one line, outcome=refused" \
	bash -c "[ \$(grep -c '^id=$id2 ' '$AUD2') = 1 ] && grep -q '^id=$id2 phase=outcome action=drain outcome=refused' '$AUD2'"
check "audit: the refusal's line is in the named file only" sys_clean "^id=$id2 "
# an existing file open to others is made 0600
chmod 0644 "$AUD2"
act_own au_undo undo-filter --pid "$au_pid" --fd "$au_fd" --yes --audit-log "$AUD2"
check "audit: undo-filter: exit 0, intent and outcome" \
	bash -c "[ $RC = 0 ] && [ \$(grep -c \"^id=\$(jq -r .audit_id '$TMPD/au_undo.json') \" '$AUD2') = 2 ]"
check "audit: a 0644 audit file is made 0600" test "$(stat -c %a "$AUD2")" = 600

# an audit file that cannot be written: refused, target untouched
touch "$TMPD/afile"
lines_before=$(wc -l <"$AUD2")
act_own au_bad drop-filter --pid "$au_pid" --fd "$au_fd" --yes --audit-log "$TMPD/afile/x"
check "unwritable audit log: exit 3" test "$RC" = 3
check "unwritable audit log: one line naming the file and the way out" \
	bash -c "[ \$(wc -l <'$TMPD/au_bad.err') = 1 ] &&
		grep -q 'cannot write the audit log $TMPD/afile/x: .*--no-audit-file' '$TMPD/au_bad.err'"
check "unwritable audit log: filter untouched" test "$(filter_of "$au_pid" "$au_fd")" = none
check "unwritable audit log: no undo state left" \
	bash -c "! ls /run/leaktop/filter-$au_pid-* 2>/dev/null"
act_own au_bad2 shrink-rcvbuf --pid "$au_pid" --fd "$au_fd" --audit-log /proc/version/x
check "unwritable audit log: the preview says it would be refused (exit 3)" \
	bash -c "[ $RC = 3 ] && grep -q 'cannot write the audit log /proc/version/x' '$TMPD/au_bad2.err'"
act_own au_bad3 shrink-rcvbuf --pid "$au_pid" --fd "$au_fd" --yes --audit-log /proc/version/x
check "unwritable audit log (/proc): exit 3, rcvbuf unchanged" \
	bash -c "[ $RC = 3 ] && jq -e '.after == null' '$TMPD/au_bad3.json' >/dev/null"
check "unwritable audit log: census rcvbuf unchanged" \
	test "$(field "$au_pid" "$au_inode" rcvbuf)" = "$(jq .before.rcvbuf "$TMPD/au_bad3.json")"
start_bg al "$L/leak_ghost" --limit 128 --seconds 60
act_own au_bad4 raise-fd-limit --pid "$al_pid" --yes --audit-log "$TMPD/afile/x"
check "unwritable audit log: raise-fd-limit exit 3, limit untouched" \
	bash -c "[ $RC = 3 ] && grep -Eq '^Max open files +128 ' /proc/$al_pid/limits"
check "unwritable audit log: the file's lines are as before" test "$(wc -l <"$AUD2")" = "$lines_before"
check "unwritable audit log: nothing made at the named paths" \
	test ! -e "$TMPD/afile/x" -a ! -e /proc/version/x
check "unwritable audit log: no fall back to $SYSAUD" sys_clean "pid=($au_pid|$al_pid) "
"$LEAKTOP" --act drop-filter --pid 1 --fd 0 --audit-log x --no-audit-file >/dev/null 2>&1
check "--audit-log with --no-audit-file: exit 2" test $? = 2

# the opt-out: the operator acts without an audit file
act_own au_opt drop-filter --pid "$au_pid" --fd "$au_fd" --yes --no-audit-file
check "--no-audit-file: exit 0, filter attached" \
	bash -c "[ $RC = 0 ] && jq -e '.after.filter == \"drop-all\"' '$TMPD/au_opt.json' >/dev/null"
check "--no-audit-file: the named file is not written" test "$(wc -l <"$AUD2")" = "$lines_before"
act_own au_opt2 undo-filter --pid "$au_pid" --fd "$au_fd" --yes --no-audit-file
check "--no-audit-file: undo exit 0" test "$RC" = 0
check "--no-audit-file: the named file is not written by the undo either" \
	test "$(wc -l <"$AUD2")" = "$lines_before"
check "--no-audit-file: nothing written to $SYSAUD" sys_clean "pid=($au_pid|$al_pid) "

# --- killed between saving the undo state and the change ------------------
for a in shrink-rcvbuf drop-filter; do
	u=$([ $a = drop-filter ] && echo undo-filter || echo undo-rcvbuf)
	b_before=$(field "$au_pid" "$au_inode" rcvbuf); f_before=$(filter_of "$au_pid" "$au_fd")
	RC=0
	LEAKTOP_TEST_STOP_AFTER=undo-saved "$LEAKTOP" --act $a --pid "$au_pid" --fd "$au_fd" \
		--yes --audit-log "$AUD2" >/dev/null 2>&1 || RC=$?
	check "$a killed after saving: SIGKILL (exit $RC)" test "$RC" = 137
	state=$(ls /run/leaktop/*-"$au_pid"-*-"$au_fd"-"$au_inode" 2>/dev/null | head -1)
	check "$a killed after saving: the undo state is there ($state)" test -s "$state"
	check "$a killed after saving: the socket is unchanged" \
		test "$(field "$au_pid" "$au_inode" rcvbuf) $(filter_of "$au_pid" "$au_fd")" = "$b_before $f_before"
	check "$a killed after saving: its intent is the audit file's last line" \
		bash -c "tail -1 '$AUD2' | grep -q 'phase=intent action=$a '"
	act_own k_$a $u --pid "$au_pid" --fd "$au_fd" --yes --audit-log "$AUD2"
	check "$u after the kill: exit 0, nothing to undo" \
		bash -c "[ $RC = 0 ] && jq -e '.done and (.message | test(\"never made\"))' '$TMPD/k_$a.json' >/dev/null"
	check "$u after the kill: the state is gone, the socket as before" \
		bash -c "[ ! -e '$state' ] && [ \"\$(jq -r '.after.rcvbuf' '$TMPD/k_$a.json')\" = '$b_before' ]"
	check "$u after the kill: census agrees" \
		test "$(field "$au_pid" "$au_inode" rcvbuf) $(filter_of "$au_pid" "$au_fd")" = "$b_before $f_before"
done
RC=0
LEAKTOP_TEST_STOP_AFTER=undo-saved "$LEAKTOP" --act raise-fd-limit --pid "$al_pid" --yes \
	--audit-log "$AUD2" >/dev/null 2>&1 || RC=$?
check "raise-fd-limit killed after saving: SIGKILL, limit untouched" \
	bash -c "[ $RC = 137 ] && grep -Eq '^Max open files +128 ' /proc/$al_pid/limits"
act_own k_fd undo-fd-limit --pid "$al_pid" --yes --audit-log "$AUD2"
check "undo-fd-limit after the kill: exit 0, nothing to undo, limit 128" \
	bash -c "[ $RC = 0 ] && jq -e '.done and (.message | test(\"never made\"))' '$TMPD/k_fd.json' >/dev/null &&
		grep -Eq '^Max open files +128 ' /proc/$al_pid/limits"
check "undo-fd-limit after the kill: the state is gone" \
	bash -c "! ls /run/leaktop/fdlimit-$al_pid-* 2>/dev/null"
stop_bg "$al_bgpid" "$au_bgpid"

# --- a socket shared with a forked child ------------------------------------
start_bg sh "$L/leak_udp" --fork --interval-ms 20 --seconds 60
check "shared: the leaker forked a holder ($sh_fork_pid)" test "$sh_fork_pid" -gt 0
RC=0
"$LEAKTOP" --act drop-filter --pid "$sh_pid" --fd "$sh_fd" --audit-log "$AUDIT" \
	>"$TMPD/sh.txt" 2>&1 || RC=$?
check "shared: text preview exits 0" test "$RC" = 0
check "shared: text preview names the target pid" grep -q "on pid $sh_pid (leak_udp) fd $sh_fd" "$TMPD/sh.txt"
check "shared: text preview lists the child and says it is affected" \
	grep -q "Shared with 1 other process: the drop filter affects all of them: pid $sh_fork_pid (leak_udp) fd $sh_fd" "$TMPD/sh.txt"
act sh_json drain --pid "$sh_pid" --fd "$sh_fd" --confirm-drain
check "shared: JSON sharers lists the child, total 1" \
	j sh_json ".pid == $sh_pid and .sharers == [{\"pid\": $sh_fork_pid, \"fd\": $sh_fd, \"comm\": \"leak_udp\"}] and .sharers_total == 1"
check "shared: the preview touched nothing" test "$(filter_of "$sh_pid" "$sh_fd")" = none
act sh_one drop-filter --pid "$sh_fork_pid" --fd "$sh_fd"
check "shared: from the child's side the parent is the sharer" j sh_one ".sharers[0].pid == $sh_pid"
act sh_fd raise-fd-limit --pid "$sh_pid"
check "shared: process actions list no sharers" j sh_fd '.sharers == [] and .sharers_total == 0'
stop_bg "$sh_bgpid"
finish
