#!/bin/bash
# The two-tier census (--census-interval): between full censuses a light
# sample reads again only the groups holding a moving socket, through a
# port-pair filtered sock_diag dump for inet sockets.  Against real leakers:
# a growing UDP socket in leaktop's namespace and one in a named namespace
# are read afresh in every light sample (their queues keep growing); a
# static socket of the same group is neither lost nor duplicated; a moving
# socket that is closed disappears in the next light sample; a full census
# comes back once the interval has passed; text output says which samples
# are light.  Sample order is enforced by reading the output as it comes;
# nothing is timed.
# start_bg sets a_pid, a_inode, b_inode, c_inode...
# shellcheck disable=SC2154
. "${TESTS_SRC:-$(dirname "$0")}/lib.sh"
need_root
need_cmd jq
need_cmd ip
L="$TESTS_BIN/leakers"
NS="ltlight$$"
trap 'ip netns del "$NS" 2>/dev/null; cleanup' EXIT

ip netns add "$NS" || skip_test "cannot create a network namespace"
ip -n "$NS" link set lo up

# A grows for minutes (a big buffer, 1 KiB every 50 ms); B got one reply
# and then nothing for a minute: queued but static; C grows in $NS.
start_bg a "$L/leak_udp" --interval-ms 50 --rcvbuf 4194304 --seconds 120
start_bg b "$L/leak_udp" --interval-ms 60000 --seconds 120
start_bg c ip netns exec "$NS" "$L/leak_udp" --interval-ms 50 --rcvbuf 4194304 --seconds 120
# U: a unix stream socket that gets 200 bytes every 100 ms (looked up by
# inode in light samples)
start_bg u "$TESTS_BIN/../bench/loadgen" --procs 1 --sockets 1 --queued-pct 0 \
	--moving 1 --moving-family unix --seconds 120

# lines N: wait until the streamed output has N samples
lines() {
	local i
	for i in $(seq 1 200); do
		[ "$(wc -l <"$TMPD/s.json")" -ge "$1" ] && return 0
		kill -0 "$lt_pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
# q N INODE: recv_q of that socket in sample N ("" if absent)
q() { sed -n "${1}p" "$TMPD/s.json" | jq -r --argjson i "$2" '.sockets[] | select(.inode == $i) | .recv_q'; }
# count N INODE: how many times sample N lists the socket
count() { sed -n "${1}p" "$TMPD/s.json" | jq --argjson i "$2" '[.sockets[] | select(.inode == $i)] | length'; }
age() { sed -n "${1}p" "$TMPD/s.json" | jq '.census.age'; }

# U must hold a queue when the census is taken (a socket quiet then waits
# for the next census): wait until it has one
u_inode=""
for _ in $(seq 1 50); do
	u_inode=$("$LEAKTOP" -b -n 1 -p "$u_mover_pid" --format json 2>/dev/null | jq \
		'first(.sockets[] | select(.family == "unix" and .recv_q > 0)) | .inode' 2>/dev/null)
	[ -n "$u_inode" ] && [ "$u_inode" != null ] && break
	sleep 0.1
done
check "U (unix, moving) has a queue" test -n "$u_inode" -a "$u_inode" != null

# as many samples as the checks below need, however slowly they run (a
# loaded machine): SIGINT ends the run once they are done
"$LEAKTOP" -b -n 0 -d 1 --census-interval 600 --format json >"$TMPD/s.json" 2>"$TMPD/s.err" &
lt_pid=$!
CHILDREN="$CHILDREN $lt_pid"
lines 4 || { fail "leaktop stopped early: $(cat "$TMPD/s.err")"; finish; }

check "sample 1 is a full census (age 0)" test "$(age 1)" = 0
for n in 2 3 4; do
	check "sample $n is light (0 < age < 600)" \
		jq -e -n --argjson a "$(age $n)" '$a > 0 and $a < 600'
done
prev_a=$(q 1 "$a_inode") prev_c=$(q 1 "$c_inode")
check "A is in the first sample" test -n "$prev_a"
check "C (in netns $NS) is in the first sample" test -n "$prev_c"
for n in 2 3 4; do
	qa=$(q $n "$a_inode") qc=$(q $n "$c_inode")
	check "sample $n: A read afresh, its queue grew ($prev_a -> $qa)" \
		test -n "$qa" -a "${qa:-0}" -gt "${prev_a:-0}"
	check "sample $n: C read afresh in its namespace ($prev_c -> $qc)" \
		test -n "$qc" -a "${qc:-0}" -gt "${prev_c:-0}"
	check "sample $n: A listed once" test "$(count $n "$a_inode")" = 1
	check "sample $n: static B kept, listed once" test "$(count $n "$b_inode")" = 1
	prev_a=$qa prev_c=$qc
done
u1=$(q 1 "${u_inode:-0}")
check "U read afresh in a light sample (Recv-Q $u1 -> $(q 2 "${u_inode:-0}"), $(q 3 "${u_inode:-0}"), $(q 4 "${u_inode:-0}"))" \
	bash -c "[ '$(q 2 "${u_inode:-0}")' != '$u1' ] || [ '$(q 3 "${u_inode:-0}")' != '$u1' ] || [ '$(q 4 "${u_inode:-0}")' != '$u1' ]"
check "B's queue is kept as the census saw it" test "$(q 4 "$b_inode")" = "$(q 1 "$b_inode")"
check "sample 4: C listed once" test "$(count 4 "$c_inode")" = 1
check "A's owner is kept from the census" \
	bash -c "sed -n 4p '$TMPD/s.json' | jq -e --argjson i $a_inode --argjson p $a_pid \
		'any(.sockets[] | select(.inode == \$i) | .owners[]; .pid == \$p)'"
check "A's process keeps its queued bytes, refreshed" \
	bash -c "sed -n 4p '$TMPD/s.json' | jq -e --argjson p $a_pid --argjson q $(q 4 "$a_inode") \
		'any(.processes[]; .pid == \$p and .queued_bytes == \$q)'"

# close A (the client and its echo server); the next sample taken after it
# is gone must not list it
kill "$a_pid" "$a_server_pid" 2>/dev/null
for _ in $(seq 1 100); do kill -0 "$a_pid" 2>/dev/null || break; sleep 0.1; done
gone_at=$(wc -l <"$TMPD/s.json")
lines $((gone_at + 2)) || { fail "leaktop stopped early: $(cat "$TMPD/s.err")"; finish; }
n=$((gone_at + 2))
check "sample $n (after A closed) is light" jq -e -n --argjson a "$(age $n)" '$a > 0'
check "sample $n: the closed socket A is gone" test "$(count $n "$a_inode")" = 0
check "sample $n: C still read afresh" test -n "$(q $n "$c_inode")"
kill -INT "$lt_pid"
wait "$lt_pid"
check "the light run ends on SIGINT with exit 0" test $? = 0
check "nothing on stderr" test ! -s "$TMPD/s.err"

# the full census comes back once the interval has passed: twelve samples
# at least 0.5 s apart span more than the 3 s interval, so a later one is a
# full census again; a light sample is one taken less than 3 s after the
# census it keeps (a sample of a loaded machine is far quicker than that)
"$LEAKTOP" -b -n 12 -d 0.5 --census-interval 3 --format json >"$TMPD/f.json" 2>"$TMPD/f.err"
check "interval 3: exit 0" test $? = 0
# (jq -s: jq 1.6's -e judges only the last input when a filter selects)
check "interval 3: some later sample is light" \
	jq -s -e '.[1:] | any(.census.age > 0)' "$TMPD/f.json"
check "interval 3: a full census again after the first" \
	jq -s -e '.[1:] | any(.census.age == 0)' "$TMPD/f.json"
# (the age is read when the sample ends: a light sample begun just inside
# the interval may end a little past it on a loaded machine)
check "interval 3: no sample keeps a census much older than the interval" \
	bash -c "jq -s -e 'all(.[]; .census.age < 6)' '$TMPD/f.json'"

# batch stays complete by default; text says when a sample is light
"$LEAKTOP" -b -n 2 -d 0.5 --format json >"$TMPD/d.json"
check "batch default: every sample a full census" jq -s -e 'all(.[]; .census.age == 0)' "$TMPD/d.json"
"$LEAKTOP" -b -n 2 -d 0.5 --census-interval 60 >"$TMPD/t.txt"
check "text: the light sample says so" grep -q "light sample: moving queues read now" "$TMPD/t.txt"
"$LEAKTOP" -b -n 1 --census-interval fast >/dev/null 2>"$TMPD/u.err"
check "--census-interval fast: exit 2" test $? = 2
check "--census-interval fast: one line" test "$(wc -l <"$TMPD/u.err")" = 1
finish
