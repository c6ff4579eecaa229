#!/bin/bash
# The cost of socket origins (issue 28) to a program that creates sockets
# as fast as it can (bench/sockloop): alone; beside a leaktop whose tracer
# is loaded but watches another process (every system call then pays the
# tracer's one comparison); and watched itself (--trace: a map lookup per
# socket, the token bucket, and a stack copy for the first 200 and then
# 100 a second).  Root.  Prints a Markdown table; doc/performance.md keeps
# one.  usage: bench/origin.sh LEAKTOP SOCKLOOP [COUNT] [ROUNDS]
set -eu
lt=$1 loop=$2 count=${3:-1000000} rounds=${4:-3}
tmp=$(mktemp -d)
trap 'kill $ltpid $idle 2>/dev/null; rm -rf "$tmp"' EXIT
ltpid="" idle=""

# one run of sockloop: with MODE none, other (leaktop traces a sleeper) or
# self (leaktop traces sockloop); prints its rate
run() {
	local mode=$1 pid line
	"$loop" "$count" >"$tmp/out" &
	pid=$!
	until line=$(grep -m1 READY "$tmp/out" 2>/dev/null); do sleep 0.05; done
	case $mode in
	other) "$lt" -b -n 0 -d 1 --trace "$idle" >/dev/null 2>"$tmp/lt.err" & ltpid=$! ;;
	self) "$lt" -b -n 0 -d 1 --trace "$pid" >/dev/null 2>"$tmp/lt.err" & ltpid=$! ;;
	esac
	# until the tracer is loaded (its program listed), then go
	if [ "$mode" != none ]; then
		for _ in $(seq 1 100); do
			bpftool prog show 2>/dev/null | grep -q origin_sys_exit && break
			sleep 0.1
		done
		sleep 1
	fi
	kill -USR1 "$pid"
	wait "$pid"
	[ -n "$ltpid" ] && { kill "$ltpid"; wait "$ltpid" 2>/dev/null || true; ltpid=""; }
	sed -n 's/^rate=//p' "$tmp/out"
}

sleep 3600 &
idle=$!
echo "| run | sockets a second (socket()+close(), $count, best of $rounds) | vs alone |"
echo "|---|---|---|"
for mode in none other self; do
	best=0
	for _ in $(seq 1 "$rounds"); do
		r=$(run $mode)
		[ "${r:-0}" -gt "$best" ] && best=$r
	done
	[ $mode = none ] && base=$best
	case $mode in
	none) what="alone (no leaktop)" ;;
	other) what="leaktop's tracer loaded, this program not watched" ;;
	self) what="watched (--trace)" ;;
	esac
	echo "| $what | $best | $(awk -v a="$best" -v b="$base" 'BEGIN { printf "%.1f %%", (a - b) * 100 / b }') |"
done
