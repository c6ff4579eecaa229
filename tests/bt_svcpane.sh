#!/bin/bash
# The Services pane (issue 26, key 5), driven in tmux: a cgroup of the
# test's own (tests/cgroup.sh) holding a stalled TCP stream is listed with
# the leaker's socket memory, the kernel's figure beside it, its processes
# and its findings; Enter shows its processes on the Processes pane, Esc
# goes back; --cgroup leaves the pane with that cgroup alone, and one that
# names nothing ends the UI with a one-line error.
. "${TESTS_SRC:-$(dirname "$0")}/lib.sh"
need_root
L="$TESTS_BIN/leakers"
[ -x "$L/leak_tcpstall" ] || skip_test "needs tests/leakers/leak_tcpstall (make check builds it)"
. "${TESTS_SRC:-$(dirname "$0")}/tmux.sh"
. "${TESTS_SRC:-$(dirname "$0")}/cgroup.sh"

cg_start st "'$L/leak_tcpstall'" --mode stream --seconds 90

# the row of the test cgroup, by its name (the label of a plain path is
# the path itself)
row() { grep -F -- "/$NAME"; }
tmux_start m 200x40 LC_ALL=C.UTF-8 "$LEAKTOP" -d 1
keys m 5
check "key 5: the Services pane with its columns" \
	wait_for m bash -c "grep -q 'SERVICE' '$TMPD/screen' && grep -q 'SOCK MEM' '$TMPD/screen' &&
		grep -q 'KERNEL' '$TMPD/screen'"
# the stalled stream pins a few MiB (the server's send queue) in the cgroup
check "the test cgroup is listed with the leaker's socket memory (MiB)" \
	wait_for m bash -c "grep -F -- '/$NAME' | grep -Eq ' [0-9.]+M +[0-9.]+M '"
screen m | row | head -1 | sed 's/^/  row: /'
case $ACCT in
v1_tcp | v2_sock)
	check "the kernel's figure stands beside ours (not n/c)" \
		bash -c "screen() { $TM capture-pane -p -t m; }; screen | grep -F -- '/$NAME' | grep -vq 'n/c'" ;;
esac
check "the note says what the KERNEL column counts" \
	bash -c "$TM capture-pane -p -t m | grep -q 'KERNEL: '"

# Enter on the test cgroup: its processes.  Select it by a search first.
# (The pane's corner shows the filter cut to its room: its start is checked,
# the rows say the rest.)
keys m / "$NAME" Enter
keys m Enter
check "Enter: the Processes pane filtered to the cgroup, the leaker in it" \
	wait_for m bash -c "grep -qF 'filter \"cg:/leaktop-' '$TMPD/screen' &&
		grep -q ' 2 processes' '$TMPD/screen' && grep -Eq '^ *$st_pid ' '$TMPD/screen'"
# the process rows: a pid, a user, then figures
check "Enter: no process outside the cgroup is listed" \
	bash -c "grep -aE '^ +[0-9]+ +[a-z_][^ ]* +[0-9.]+[KMG]? ' '$TMPD/screen' >'$TMPD/rows' &&
		test \$(wc -l <'$TMPD/rows') = 2 && ! grep -avE '^ *($st_pid|$st_server_pid) ' '$TMPD/rows'"
keys m Escape
check "Esc: back on the Services pane" wait_for m bash -c "grep -q 'SOCK MEM' '$TMPD/screen' && grep -q 'cleared' '$TMPD/screen'"
keys m q
wait_for m test -e "$TMPD/m.exit" >/dev/null

# --cgroup: the pane holds that cgroup alone
tmux_start c 200x40 LC_ALL=C.UTF-8 "$LEAKTOP" -d 1 --cgroup "$NAME"
keys c 5
check "--cgroup: the pane lists the test cgroup" \
	wait_for c bash -c "grep -q '1 cgroups in --cgroup $NAME' '$TMPD/screen' &&
		grep -qF -- '/$NAME' '$TMPD/screen'"
keys c q

# an unknown cgroup: the UI says so and exits 1, as -b does
tmux_start bad 80x24 "$LEAKTOP" --cgroup "no-such-cgroup-$$"
for i in $(seq 1 100); do [ -s "$TMPD/bad.exit" ] && break; sleep 0.2; done
check "--cgroup naming nothing: the UI exits 1" grep -qx 'EXIT=1' "$TMPD/bad.exit"
check "--cgroup naming nothing: one line names it" \
	grep -q "no-such-cgroup-$$: no such cgroup" "$TMPD/bad.err"
finish
