#!/bin/bash
# The Services pane (issue 26, key 5), driven in tmux: a cgroup of the
# test's own (tests/cgroup.sh) holding a stalled TCP stream is listed with
# the leaker's socket memory, the kernel's figure beside it, its processes
# and its findings; Enter shows its processes on the Processes pane, Esc
# goes back; the cgroups form a tree (a child cgroup indented under its
# parent, Left/Right fold and open it); the first screen (the strip, the
# Findings pane's row) names the leak's cgroup; a recording's replay shows
# the same tree, cut by --cgroup; --cgroup leaves the pane
# with that cgroup alone, and one that names nothing ends the UI with a
# one-line error.
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

# the first screen names the cgroup that holds the leak: the strip (scoped
# to the leaker with -p, so its finding is the top one) and the Findings
# pane's row, "<name>: <summary>"
tmux_start f 200x40 LC_ALL=C.UTF-8 "$LEAKTOP" -d 1 -p "$st_pid,$st_server_pid"
check "first screen: the strip names the leak's cgroup" \
	wait_for f bash -c "strip() { awk 'NR >= 5 && /^ 1 Sockets/ { exit } NR >= 5 { print }'; }
		strip <'$TMPD/screen' | grep -qF -- '[/$NAME] '"
screen f | grep -F -- "[/$NAME]" | head -1 | sed 's/^/  strip: /'
keys f 3
check "the Findings pane: the leak's row names its cgroup" \
	wait_for f bash -c "grep -E '^ *[a-z]+ .* $st_pid/[0-9]+ ' '$TMPD/screen' | grep -qF -- '/$NAME: '"
screen f | grep -F -- "/$NAME: " | head -1 | sed 's/^/  row: /'
keys f q
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

# the tree: a child cgroup with a UDP reader that never reads sits under
# the test cgroup, indented; the parent's figures hold it; Left folds it,
# Right opens it again
cg_sub inner || skip_test "cannot create a child cgroup under $CG"
cg_start_in inner ud "'$L/leak_udp'" --seconds 90
check "tree: the parent is marked open and its child is indented under it" \
	wait_for m bash -c "grep -A1 -F -- '[-] /$NAME ' '$TMPD/screen' | tail -1 | grep -Eq '^ +inner +[0-9.]+[KM]? '"
screen m | grep -A1 -F -- "/$NAME " | sed 's/^/  tree: /'
# PROCS is the fifth field from the end (PROCS FDS GHOSTS FINDS CGROUP)
check "tree: the parent's processes are its own 2 and its child's" \
	bash -c "$TM capture-pane -p -t m | awk -v p='[-] /$NAME ' '
		index(\$0, p) { par = \$(NF - 4) } \$1 == \"inner\" { kid = \$(NF - 4) }
		END { exit !(kid > 0 && par == kid + 2) }'"
# (other tests' cgroups that come and go can move the rows between the
# search and the key: the key is tried again, at most five times)
folded=
for i in 1 2 3 4 5; do
	keys m / "$NAME" Enter Left
	if wait_for m bash -c "grep -qF -- '[+] /$NAME ' '$TMPD/screen' &&
		! grep -Eq '^ +inner ' '$TMPD/screen'"; then
		folded=1
		break
	fi
done
check "Left: the parent folds, its child is hidden" test -n "$folded"
# the selection stays at its place on the screen across samples (as in
# htop, unless F follows a row): other tests' cgroups that come and go move
# the rows under it, so the parent is found again right before the key
opened=
for i in 1 2 3 4 5; do
	keys m / "$NAME" Enter Right
	if wait_for m bash -c "grep -A1 -F -- '[-] /$NAME ' '$TMPD/screen' | tail -1 |
		grep -Eq '^ +inner '"; then
		opened=1
		break
	fi
done
check "Right: the child is back under its parent" test -n "$opened"
screen m | grep -aE -A1 -- "/$NAME |inner|Left|Right" | sed 's/^/  after Right: /'
keys m q
wait_for m test -e "$TMPD/m.exit" >/dev/null

# a recording carries the cgroups: its replay shows the same tree, and
# --cgroup cuts it
"$LEAKTOP" -b -n 2 -d 0.5 --record "$TMPD/svc.ltrec" >/dev/null 2>"$TMPD/rec.err"
check "record: exits 0" test $? = 0
tmux_start r 200x40 LC_ALL=C.UTF-8 "$LEAKTOP" --replay "$TMPD/svc.ltrec"
keys r 5
check "replay: the Services pane shows the recorded tree with its figures" \
	wait_for r bash -c "grep -F -- '[-] /$NAME ' '$TMPD/screen' | grep -Eq ' [0-9.]+M +[0-9.]+M ' &&
		grep -A1 -F -- '[-] /$NAME ' '$TMPD/screen' | tail -1 | grep -Eq '^ +inner '"
keys r q
"$LEAKTOP" -b --replay "$TMPD/svc.ltrec" --format markdown --cgroup "/$NAME" >"$TMPD/svc.md" 2>&1
grep -aA6 "^## Services involved" "$TMPD/svc.md" | sed 's/^/  markdown: /'
check "markdown: the child cgroup is one step in, under its parent" \
	bash -c "grep -aA6 '^## Services involved' '$TMPD/svc.md' | grep -aF -A1 '| /$NAME | /$NAME |' |
		tail -1 | grep -aEq '^\| ↳ inner \| /$NAME/inner \|'"
tmux_start rc 200x40 LC_ALL=C.UTF-8 "$LEAKTOP" --replay "$TMPD/svc.ltrec" --cgroup "/$NAME/inner"
keys rc 5
check "replay --cgroup: the child cgroup alone, a top of the tree" \
	wait_for rc bash -c "grep -q '1 cgroups in --cgroup /$NAME/inner' '$TMPD/screen' &&
		grep -Eq '^/$NAME/inner ' '$TMPD/screen'"
keys rc q

# --cgroup: the pane holds that cgroup alone
tmux_start c 200x40 LC_ALL=C.UTF-8 "$LEAKTOP" -d 1 --cgroup "$NAME"
keys c 5
check "--cgroup: the pane lists the test cgroup and its child alone" \
	wait_for c bash -c "grep -q '2 cgroups in --cgroup $NAME' '$TMPD/screen' &&
		grep -qF -- '[-] /$NAME ' '$TMPD/screen' && grep -Eq '^ +inner ' '$TMPD/screen'"
keys c q

# an unknown cgroup: the UI says so and exits 1, as -b does
tmux_start bad 80x24 "$LEAKTOP" --cgroup "no-such-cgroup-$$"
for i in $(seq 1 100); do [ -s "$TMPD/bad.exit" ] && break; sleep 0.2; done
check "--cgroup naming nothing: the UI exits 1" grep -qx 'EXIT=1' "$TMPD/bad.exit"
check "--cgroup naming nothing: one line names it" \
	grep -q "no-such-cgroup-$$: no such cgroup" "$TMPD/bad.err"
finish
