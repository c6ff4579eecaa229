#!/bin/bash
# Memory accounting against the live kernel: a process that touches 200 MiB
# of anonymous memory raises user_pss by about that much; an unprivileged
# run still prints a breakdown and says what it could not see.
# leaktop-test: alone (the user PSS of the whole machine)
. "${TESTS_SRC:-$(dirname "$0")}/lib.sh"
need_cmd jq

pss() { "$LEAKTOP" -b -n 1 --format json | jq '.memory.user_pss'; }

# Other processes come and go (a parallel build): measure three times,
# with and without the hog, and judge the median difference.
deltas=""
for round in 1 2 3; do
	before=$(pss)
	start_bg hog "$TESTS_BIN/memhog" 200 60
	after=$(pss)
	stop_bg "$hog_bgpid"; wait "$hog_bgpid" 2>/dev/null
	deltas="$deltas $(( (after - before) / 1048576 ))"
done
median=$(printf '%s\n' $deltas | sort -n | sed -n 2p)
echo "user_pss rises with a 200 MiB hog (MiB, three rounds):$deltas"
check "200 MiB hog raises user_pss by 180..260 MiB (median $median)" \
	test "$median" -ge 180 -a "$median" -le 260
start_bg hog "$TESTS_BIN/memhog" 200 60
anon=$("$LEAKTOP" -b -n 1 --format json | jq '.memory.user_anon')
check "user_anon includes the hog" test "$anon" -ge $((200 * 1048576))

if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	# as nobody: slabinfo and other users' smaps_rollup are refused
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$LEAKTOP" -b -n 1 --format json >"$TMPD/nobody.json" 2>"$TMPD/nobody.err"
	check "nobody: exit 0" test $? = 0
	check "nobody: slabinfo hidden" jq -e '.hidden | index("slabinfo")' "$TMPD/nobody.json"
	check "nobody: pss hidden" jq -e '(.hidden | index("pss")) and (.memory.user_pss_hidden > 0)' "$TMPD/nobody.json"
	check "nobody: breakdown still sums to total" \
		jq -e '.memory as $m | ([$m.parts[] as $p | $m[$p]] | add) == $m.total' "$TMPD/nobody.json"
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$LEAKTOP" -b -n 1 >"$TMPD/nobody.txt" 2>&1
	check "nobody: text says what is hidden and why" grep -q 'hidden: .*run as root\|needs root' "$TMPD/nobody.txt"
	# as root nothing is hidden
	"$LEAKTOP" -b -n 1 --format json >"$TMPD/root.json"
	check "root: slab caches listed, not hidden" \
		jq -e '(.hidden | index("slabinfo") | not) and (.memory.slab_top | length) > 0' "$TMPD/root.json"
	rh=$(jq '.memory.user_pss_hidden' "$TMPD/root.json")
	nh=$(jq '.memory.user_pss_hidden' "$TMPD/nobody.json")
	check "root sees more processes' PSS than nobody ($rh < $nh hidden)" test "$rh" -lt "$nh"
else
	echo "SKIP part: unprivileged run needs root and setpriv"
fi
finish
