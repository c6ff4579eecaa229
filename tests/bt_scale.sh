#!/bin/bash
# Process churn with pids reused (issue 14).  leak_pidreuse forks 300
# short-lived children a second and hands one pid back and forth between
# an fd leaker (lt_fdleak) and a program that holds 200 fds without
# growing (lt_reuser), started at the leaker's pid with clone3's set_tid;
# bench/forker adds 500 sleeping processes when it is built.  Two leaktops
# watch for BT_SCALE_SECONDS (90): one at the UI's cadence (light samples,
# a full census every 5 s), one at batch's (everything every sample).
# Neither may crash, write to stderr (ASan/UBSan/LSan in CI), or keep more
# fds at the end than at the start; no finding may name a process by the
# wrong command; the reuser never inherits the leaker's growth or forecast.
# No timing is judged.
. "${TESTS_SRC:-$(dirname "$0")}/lib.sh"
need_root
need_cmd jq
L="$TESTS_BIN/leakers"
[ -x "$L/leak_pidreuse" ] || skip_test "needs tests/leakers/leak_pidreuse (make check builds it)"
SECS=${BT_SCALE_SECONDS:-90}

start_bg pr "$L/leak_pidreuse" --seconds $((SECS + 30)) --churn-per-sec 300 \
	--leak-ms 50 --life-ms 6000
FK="$TESTS_BIN/../bench/forker"
[ -x "$FK" ] && start_bg fk "$FK" --procs 500 --seconds $((SECS + 30))
P=$pr_reuse_pid

"$LEAKTOP" -b -n 0 -d 0.5 --census-interval 5 --format json >"$TMPD/light.json" 2>"$TMPD/light.err" &
LP=$!
"$LEAKTOP" -b -n 0 -d 1 --format json >"$TMPD/full.json" 2>"$TMPD/full.err" &
FP=$!
CHILDREN="$CHILDREN $LP $FP"

# fewest fds of pid over a few looks (a sample opens files for a moment),
# two kinds apart, each bounded below: BPF objects and their BTF (the census's programs
# and the origin tracer, loaded once when a finding first names a process,
# which other tests' leakers can do at any time) and the program files the
# origin unwinder keeps open for the processes it watches (their program
# files and /proc/PID/mem; a cache of at most 16 processes, dropped when
# they exit): what is left are sockets,
# /proc files, namespaces, pidfds, pipes, where a leak would show
fds_of() {
	local i n min="" looks=${2:-6}
	for i in $(seq 1 "$looks"); do
		n=$(ls -l "/proc/$1/fd" 2>/dev/null | grep -- '-> ' |
			grep -v -e '-> anon_inode:b[pt]f' -e '-> /[^p]' -e '-> /p[^r]' \
				-e '-> /proc/[0-9]*/mem$' -c || true)
		[ -z "$min" ] || [ "$n" -lt "$min" ] && min=$n
		# at the end: stop once back at the start's count (a sample
		# under load can hold its files open for most of a second)
		[ -n "${3:-}" ] && [ "$min" -le "$3" ] && break
		sleep 0.2
	done
	echo "$min"
}
bpf_now() { ls -l "/proc/$1/fd" 2>/dev/null | grep -c -- '-> anon_inode:b[pt]f' || true; }
files_now() {
	ls -l "/proc/$1/fd" 2>/dev/null |
		grep -c -e '-> /[^p]' -e '-> /p[^r]' -e '-> /proc/[0-9]*/mem$' || true
}
rss_of() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status" 2>/dev/null; }

# the first fds once each has finished two samples (it opens what it
# keeps, the BPF programs among them, in its first): a loaded machine may
# take longer than a few seconds for that
for _ in $(seq 1 300); do
	[ "$(wc -l <"$TMPD/light.json")" -ge 2 ] && [ "$(wc -l <"$TMPD/full.json")" -ge 2 ] && break
	sleep 0.1
done
sleep 2
lfd0=$(fds_of $LP) ffd0=$(fds_of $FP) lrss0=$(rss_of $LP) frss0=$(rss_of $FP)
lbpf0=$(bpf_now $LP) fbpf0=$(bpf_now $FP) lfiles0=$(files_now $LP) ffiles0=$(files_now $FP)
# what each holds, by kind, for the log when a count moves
fd_kinds() { ls -l "/proc/$1/fd" 2>/dev/null | sed -n 's/.* -> //p' | sed 's/[0-9]\+/N/g' | sort | uniq -c; }
fd_kinds $LP >"$TMPD/lfd0"; fd_kinds $FP >"$TMPD/ffd0"
sleep "$SECS"
lfd1=$(fds_of $LP 50 "$lfd0") ffd1=$(fds_of $FP 50 "$ffd0") lrss1=$(rss_of $LP) frss1=$(rss_of $FP)
lbpf1=$(bpf_now $LP) fbpf1=$(bpf_now $FP) lfiles1=$(files_now $LP) ffiles1=$(files_now $FP)
fd_kinds $LP >"$TMPD/lfd1"; fd_kinds $FP >"$TMPD/ffd1"
diff "$TMPD/lfd0" "$TMPD/lfd1" | sed 's/^/  light fds: /'
diff "$TMPD/ffd0" "$TMPD/ffd1" | sed 's/^/  full fds: /'
echo "leaktop BPF fds: light $lbpf0 -> $lbpf1, full $fbpf0 -> $fbpf1;" \
	"files: light $lfiles0 -> $lfiles1, full $ffiles0 -> $ffiles1"
echo "leaktop fds: light $lfd0 -> $lfd1, full $ffd0 -> $ffd1;" \
	"VmRSS KiB: light $lrss0 -> $lrss1, full $frss0 -> $frss1"
gens=$(grep -c '^gen ' "$TMPD/pr.err")
echo "pid $P changed hands $gens times"
kill -INT $LP $FP
wait $LP
lrc=$?
wait $FP
frc=$?

check "light leaktop exits 0 amid churn" test "$lrc" = 0
check "full leaktop exits 0 amid churn" test "$frc" = 0
check "light: nothing on stderr" test ! -s "$TMPD/light.err"
check "full: nothing on stderr" test ! -s "$TMPD/full.err"
[ -s "$TMPD/light.err" ] && head -20 "$TMPD/light.err"
[ -s "$TMPD/full.err" ] && head -20 "$TMPD/full.err"
# up to 4 more: what one sample holds open while it runs (its netlink
# socket, a /proc directory and file: 2 seen), since a full census on a
# machine this busy can run for most of its second and no look then finds
# it idle; a leak grows with every sample and every process that churns
check "light: no fd of its own leaked ($lfd0 -> $lfd1)" test "$lfd1" -le $((lfd0 + 4))
check "full: no fd of its own leaked ($ffd0 -> $ffd1)" test "$ffd1" -le $((ffd0 + 4))
# the BPF objects: at most one more program set (the tracer, once) than at
# the start, never one per sample
check "light: BPF objects loaded once ($lbpf0 -> $lbpf1)" test "$lbpf1" -le $((lbpf0 + 12))
check "full: BPF objects loaded once ($fbpf0 -> $fbpf1)" test "$fbpf1" -le $((fbpf0 + 12))
# files: its output, /dev/null, and the unwinder's cache (16 processes, each
# a program, its libraries and their debug files): far below 200
check "light: open files bounded ($lfiles1)" test "$lfiles1" -le 200
check "full: open files bounded ($ffiles1)" test "$ffiles1" -le 200
# loose: the history follows exited processes for a while, nothing more.
# Under ASan freed memory waits in its quarantine (RSS grows by design);
# LeakSanitizer reports what was never freed at exit (stderr, above).
if ldd "$LEAKTOP" 2>/dev/null | grep -q libasan; then
	echo "ASan build: memory judged by LeakSanitizer at exit, not by RSS"
else
	check "light: memory does not run away" test "$lrss1" -lt $((lrss0 + 32768))
	check "full: memory does not run away" test "$frss1" -lt $((frss0 + 32768))
fi
check "the pid changed hands several times" test "$gens" -ge 6

# none NAME JQ-ARGS...: jq -c over every sample into $TMPD/NAME.bad; true
# when jq succeeded and printed nothing (what it found goes to stderr, which
# check lets through to the log).  A failing jq (a bad filter, a
# line that is not JSON) is a failure, never "nothing found".
none() {
	local name=$1; shift
	if ! jq -c "$@" >"$TMPD/$name.bad" 2>&1; then
		echo "$name: jq failed: $(head -3 "$TMPD/$name.bad")" >&2
		return 1
	fi
	[ -s "$TMPD/$name.bad" ] && echo "$name: $(head -5 "$TMPD/$name.bad")" >&2
	test ! -s "$TMPD/$name.bad"
}
for run in light full; do
	J="$TMPD/$run.json"
	check "$run: every line is JSON" jq -e -s 'length > 10' "$J"
	# a finding's command is its process's in the same sample (a resolved
	# one describes the process that had the problem: it may be gone)
	check "$run: no finding names a process by another's command" \
		none "$run-othercomm" '. as $s | .findings[] | select(.pid > 0 and .state != "resolved") | . as $f
		| ($s.processes[] | select(.pid == $f.pid) | .comm) as $c
		| select($c != null and $c != $f.comm) | {kind, pid, comm, process_comm: $c}' "$J"
	check "$run: no finding on the reuser or the churning children" \
		none "$run-churners" '.findings[] | select(.comm == "lt_reuser" or .comm == "lt_churnkid")
		| {kind, pid, comm, summary}' "$J"
	check "$run: findings on pid $P name lt_fdleak only" \
		none "$run-pidfindings" --argjson p "$P" '.findings[] | select(.pid == $p and .comm != "lt_fdleak")
		| {kind, pid, comm}' "$J"
	# the reuser holds 200 fds and never grows: no growth, no forecast
	check "$run: the reuser at pid $P inherits no fd growth or forecast" \
		none "$run-reuser" --argjson p "$P" '.processes[] | select(.pid == $p and .comm == "lt_reuser")
		| select((.fd_growth_per_hour // 0) > 0 or .exhaustion_seconds != null)
		| {comm, fds, fd_growth_per_hour, exhaustion_seconds}' "$J"
	check "$run: pid $P seen as lt_reuser" \
		jq -e -s --argjson p "$P" 'any(.[].processes[]; .pid == $p and .comm == "lt_reuser")' "$J"
	check "$run: pid $P seen as lt_fdleak" \
		jq -e -s --argjson p "$P" 'any(.[].processes[]; .pid == $p and .comm == "lt_fdleak")' "$J"
done
# which program held pid P when: "start comm" from the handovers; a sample
# more than 1 s from a handover must name the program that held it
awk '/^gen / { print $8, $4 }' "$TMPD/pr.err" >"$TMPD/gens"
for run in light full; do
	jq -r --argjson p "$P" '.time as $t | .processes[] | select(.pid == $p)
		| "\($t) \(.comm)"' "$TMPD/$run.json" >"$TMPD/$run.p"
	# a sample reads the command some time after its .time, before the
	# next sample starts (longer on a loaded machine): judge only the
	# samples with no handover from a second before .time to a second
	# after the next sample's
	wrong=$(awk 'NR == FNR { at[n] = $1; who[n++] = $2; next }
		{ st[m] = $1; sc[m++] = $2 }
		END {
		  for (j = 0; j < m; j++) {
		    t = st[j]; tn = j + 1 < m ? st[j + 1] : t + 1; k = -1
		    for (i = 0; i < n; i++) if (at[i] <= t) k = i
		    if (k < 0 || t - at[k] < 1 || (k + 1 < n && at[k + 1] <= tn + 1)) continue
		    checked++
		    if (sc[j] != who[k]) { bad++; if (bad <= 3) print "at " t ": " sc[j] " for " who[k] }
		  }
		  if (!checked) print "nothing checked" }' "$TMPD/gens" "$TMPD/$run.p")
	[ -z "$wrong" ] || echo "$run: $wrong"
	check "$run: pid $P is named by the program that holds it" test -z "$wrong"
done
# batch reads every process every sample: the leaker's growth is seen
check "full: the leaker's fd growth is measured" \
	jq -e -s --argjson p "$P" 'any(.[].processes[]; .pid == $p and .comm == "lt_fdleak"
		and (.fd_growth_per_hour // 0) > 0)' "$TMPD/full.json"
finish
