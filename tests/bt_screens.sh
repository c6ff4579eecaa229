#!/bin/bash
# The TUI at 80x24, 120x40 and 200x60 with two leakers running (issue 13),
# driven in tmux and read back with capture-pane:
# - the findings strip names the top finding's process above the Sockets
#   pane (one line at 80x24, three lines from 40 rows), and '!' opens it;
# - the Memory pane (4) shows its lines, and its parts add up to MemTotal
#   (the figures parsed from the screen, within their rounding);
# - Enter on the udp socket-memory line lands on the Sockets pane filtered
#   to udp; Enter on "unaccounted" explains what hides there;
# - problems first: sorted by PID, the leakers sit above pid 1 and the
#   kernel threads; P turns it off;
# - resizing between the three sizes keeps the selected process.
# Every wait polls the screen with a bound; nothing is timed.
# leaktop-test: alone (the strip names the top findings of the machine)
# shellcheck disable=SC2154
. "${TESTS_SRC:-$(dirname "$0")}/lib.sh"
need_root
need_cmd awk
L="$TESTS_BIN/leakers"
. "$TESTS_SRC/tmux.sh"


# sum_parts: the depth-1 lines of the Memory pane (two spaces of indent)
# against MemTotal, in MiB; 0 when they add up within the rounding
to_mib() {
	awk '{ v = $1; u = substr(v, length(v)); n = v + 0
	       if (u == "G") n *= 1024; else if (u == "K") n /= 1024
	       else if (u == "M") n = n; else n /= 1048576; printf "%.3f\n", n }'
}
sum_parts() {
	awk '/^PART / { f = 1; next } f && /^MemTotal / { print "T", $2 }
	     f && /^  [a-z]/ && !/^    / { for (i = 2; i <= NF; i++) if ($i ~ /^-?[0-9.]+[KMG]?$/) { print "P", $i; break } }
	     f && /^pinned by sockets/ { exit }' "$1" >"$TMPD/parts"
	total=$(awk '$1 == "T" { print $2 }' "$TMPD/parts" | to_mib)
	sum=$(awk '$1 == "P" { print $2 }' "$TMPD/parts" | to_mib | awk '{ s += $1 } END { printf "%.3f", s }')
	nparts=$(grep -c '^P' "$TMPD/parts")
	# each figure is rounded to 3 digits: allow 1 % of the total
	awk -v t="$total" -v s="$sum" -v n="$nparts" 'BEGIN { d = t - s; if (d < 0) d = -d;
		exit !(n >= 8 && t > 0 && d <= t / 100) }'
}

start_bg u "$L/leak_udp" --interval-ms 20 --seconds 120
start_bg g "$L/leak_ghost" --interval-ms 200 --limit 256 --seconds 120

tmux_start m 80x24 LC_ALL=C.UTF-8 "$LEAKTOP" -d 1

for size in 80x24 120x40 200x60; do
	resize m "$size"
	keys m 1
	check "$size: the Sockets pane" wait_for m header_is "PID/FD"
	if [ "$size" = 80x24 ]; then
		check "$size: a one-line strip with the counts and a leaker's pid" \
			wait_for m bash -c "$(declare -f strip)
				 strip <'$TMPD/screen' | grep -Eq '^ [0-9]+ critical.*\\(pid ($u_pid|$g_pid)[,)]' &&
				 [ \$(strip <'$TMPD/screen' | wc -l) = 1 ]"
	else
		check "$size: a three-line strip naming the leakers" \
			wait_for m bash -c "$(declare -f strip)
				 [ \$(strip <'$TMPD/screen' | wc -l) = 3 ] &&
				 strip <'$TMPD/screen' | grep -q '(pid $g_pid)' &&
				 strip <'$TMPD/screen' | grep -q '(pid $u_pid, fd $u_fd)'"
	fi
	keys m 4
	check "$size: the Memory pane (4) with MemTotal and free" \
		wait_for m bash -c "grep -q '^PART ' '$TMPD/screen' && grep -q '^MemTotal ' '$TMPD/screen' &&
				    grep -q '^  free ' '$TMPD/screen'"
done

# at 200x60 the whole tree is on the screen: the parts add up to MemTotal
added=0
for _ in $(seq 1 50); do
	screen m >"$TMPD/mem"
	if sum_parts "$TMPD/mem"; then added=1; break; fi
	sleep 0.2
done
check "200x60: Memory: the $nparts parts add up to MemTotal ($sum of $total MiB)" \
	test "$added" = 1
check "200x60: socket memory by protocol, udp holding the leaker's queue" \
	wait_for m grep -Eq "^  udp +[0-9.]+[KM] "

# Enter on udp: the Sockets pane filtered to udp
keys m / "udp" Enter
keys m Enter
check "Enter on udp: the Sockets pane" wait_for m header_is "PID/FD"
check "... filtered to udp's memory group (the status line says so)" wait_for m has 'Sockets filtered to "mem:udp"'
check "... with the leaker's socket" wait_for m grep -Eq "^$u_pid/$u_fd .* udp "
check "... and no netlink socket" bash -c "! grep -q ' netlink ' '$TMPD/screen'"
keys m '\' Enter

# Enter on unaccounted: an explanation
keys m 4 / "unaccounted" Enter Enter
check "Enter on unaccounted: what hides there" wait_for m has "page_owner"
keys m Escape

# '!' opens the top finding's evidence
keys m 1 '!'
check "!: the evidence view of the top finding" wait_for m has "Next steps:"
keys m Escape

# problems first: by PID ascending, the leakers above pid 1
keys m 2
check "Processes pane" wait_for m header_is " *PID"
for _ in 1 2 3 4 5 6 7 8 9 10; do
	screen m >"$TMPD/screen"
	grep -q "sort PID asc" "$TMPD/screen" && break
	if grep -q "sort PID desc" "$TMPD/screen"; then keys m I; else keys m '<'; fi
	sleep 0.3
done
check "sorted by PID, ascending" wait_for m has "sort PID asc"
check "problems first: a leaker is the first row, above pid 1" \
	wait_for m bash -c "awk 'f { print; exit } /^ +PID / { f = 1 }' | awk '{ print \$1 }' |
		 grep -Eqx '$u_pid|$g_pid'"
keys m P
check "P: the status line says problems first is off" wait_for m has "problems first: off"
# every row shown, the leaker's too, is in PID order: the sort key alone
check "P: problems first off, the rows are in PID order" \
	wait_for m bash -c "awk 'f && \$1 ~ /^[0-9]+\$/ { print \$1 } /^ +PID / { f = 1 }' |
		 awk 'NR > 1 && \$1 < p { bad = 1 } { p = \$1; n++ } END { exit bad || n < 5 }'"
keys m P
check "P again: problems first is on" wait_for m has "problems first: on"

# the selection survives resizes: select the leaker, resize, Enter.  It is
# selected by a filter on its pid: a search for "leak_udp" may land on its
# echo server, a child of the same name, whichever row comes first
keys m '\' "$u_pid" Enter
check "the filter leaves the leaker's row first" \
	wait_for m bash -c "awk 'f { print; exit } /^ +PID / { f = 1 }' | awk '{ print \$1 }' | grep -qx '$u_pid'"
for size in 200x60 80x24 120x40; do
	resize m "$size"
	keys m Enter
	check "$size: after the resize the leaker is still selected (Enter opens pid $u_pid)" \
		wait_for m has "pid $u_pid (leak_udp)"
	keys m Escape
done

keys m q
check "q exits 0" bash -c "for i in \$(seq 1 50); do grep -qx EXIT=0 '$TMPD/m.exit' 2>/dev/null && exit 0; sleep 0.2; done; exit 1"
check "no error output" test ! -s "$TMPD/m.err"
finish
