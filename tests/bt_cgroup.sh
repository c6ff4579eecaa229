#!/bin/bash
# Services and containers (issue 26): a cgroup of this test's own, made
# under the memory controller (cgroup v2 where the unified hierarchy has
# it, else v1 with a tcp limit set so the kernel charges tcp memory), holds
# a TCP stream whose reader never reads (leak_tcpstall --mode stream, both
# ends in the cgroup).  Batch JSON attributes the leaker's processes and
# sockets to the cgroup, its totals hold the leaker's socket memory, the
# kernel's own figure for the cgroup stands beside ours and agrees with it,
# the leak's finding names the cgroup, --cgroup (by path and by name) limits
# every list to that subtree (JSON, text, Prometheus, Markdown), orphaned
# connections of the cgroup stay its own through the kernel's cgroup id,
# a recording carries the cgroups (a replay lists them as recorded, and
# --replay --cgroup cuts as live does), and an unknown cgroup is a clear
# error.
. "${TESTS_SRC:-$(dirname "$0")}/lib.sh"
need_root
need_cmd jq
L="$TESTS_BIN/leakers"
[ -x "$L/leak_tcpstall" ] || skip_test "needs tests/leakers/leak_tcpstall (make check builds it)"

. "${TESTS_SRC:-$(dirname "$0")}/cgroup.sh"

cg_start st "'$L/leak_tcpstall'" --mode stream --seconds 60
check "the leaker and its server are in the test cgroup" \
	bash -c "grep -qx '$st_pid' '$CG/cgroup.procs' && grep -qx '$st_server_pid' '$CG/cgroup.procs'"

# --- the whole machine: the leaker's things name the cgroup -----------------
"$LEAKTOP" -b -n 3 -d 1 --format json >"$TMPD/all.all" 2>"$TMPD/all.err"
check "leaktop -b exits 0" test $? = 0
tail -1 "$TMPD/all.all" >"$TMPD/all.json"
j() { # FILE FILTER: FILTER holds on the one sample in FILE
	local file=$1; shift
	jq -e -s --arg cg "/$NAME" --argjson p "$st_pid" --argjson sp "$st_server_pid" \
		--argjson i "$st_inode" --argjson si "$st_server_inode" --arg acct "$ACCT" \
		"length == 1 and (.[0] | $*)" "$file"
}
check "the leaking socket names the cgroup" \
	j "$TMPD/all.json" 'any(.sockets[]; .inode == $i and .cgroup.path == $cg and .cgroup.name == $cg)'
check "the leaker's processes name the cgroup" \
	j "$TMPD/all.json" '[.processes[] | select(.pid == $p or .pid == $sp) | .cgroup.path] == [$cg, $cg]'
check "the cgroup's totals hold the leaking socket's memory and queue" \
	j "$TMPD/all.json" '(.sockets[] | select(.inode == $i)) as $k
	  | any(.cgroups[]; .path == $cg and .mem >= $k.mem and .queued >= $k.queued
	        and .rmem + .wmem == .mem and .sockets >= 2 and .processes == 2 and .fds >= 2)'
check "the cgroup's totals hold both ends' memory" \
	j "$TMPD/all.json" '([.sockets[] | select(.inode == $i or .inode == $si) | .mem] | add) as $m
	  | any(.cgroups[]; .path == $cg and .mem >= $m)'
check "the leak's finding names the cgroup" \
	j "$TMPD/all.json" 'any(.findings[]; .pid == $p and .cgroup.path == $cg)'
case $ACCT in
v1_tcp | v2_sock)
	# the kernel charges the cgroup every socket its processes created:
	# both ends here, and nothing else makes sockets in it.  Its figure
	# counts pages, ours bytes, so they agree within a page per socket
	# plus what moved between the two reads (the stream is stalled)
	check "the kernel's figure ($ACCT) stands beside ours and agrees" \
		j "$TMPD/all.json" 'any(.cgroups[]; .path == $cg and .kernel.accounting == $acct
		  and .kernel.bytes > 0 and .kernel.bytes * 2 >= .mem
		  and .kernel.bytes <= .mem * 2 + 1048576)'
	;;
*)
	check "the kernel's figure is said to be missing (nosocket)" \
		j "$TMPD/all.json" 'any(.cgroups[]; .path == $cg and .kernel.accounting == "nosocket"
		  and .kernel.bytes == null and (.kernel.note | test("nosocket")))'
	;;
esac
check "no cgroup filter without --cgroup" j "$TMPD/all.json" '.cgroup_filter == null'

# --- --cgroup: by path, then by name ----------------------------------------
for arg in "/$NAME" "$NAME"; do
	export CGARG=$arg
	"$LEAKTOP" -b -n 3 -d 0.5 --format json --cgroup "$arg" >"$TMPD/cut.all" 2>"$TMPD/cut.err"
	check "--cgroup $arg: exits 0, nothing on stderr" \
		bash -c "test $? = 0 && test ! -s '$TMPD/cut.err'"
	tail -1 "$TMPD/cut.all" >"$TMPD/cut.json"
	check "--cgroup $arg: only the test cgroup's processes" \
		j "$TMPD/cut.json" '[.processes[].pid] | sort == ([$p, $sp] | sort)'
	check "--cgroup $arg: only its sockets, the leaking one among them" \
		j "$TMPD/cut.json" 'all(.sockets[]; .cgroup.path == $cg) and any(.sockets[]; .inode == $i)'
	check "--cgroup $arg: one cgroup of totals, and the filter said" \
		j "$TMPD/cut.json" '[.cgroups[].path] == [$cg] and .cgroup_filter == env.CGARG'
	check "--cgroup $arg: findings only about the subtree, the leak's among them" \
		j "$TMPD/cut.json" 'all(.findings[]; .cgroup.path == $cg) and any(.findings[]; .pid == $p)'
done
"$LEAKTOP" -b -n 1 --format text --cgroup "$NAME" >"$TMPD/cut.txt" 2>&1
check "--cgroup in text: the leaker's socket, no other owner" \
	bash -c "grep -q '^  $st_pid/$st_fd leak_tcpstall' '$TMPD/cut.txt' &&
		 ! grep -E '^  [0-9]+/[0-9]+ ' '$TMPD/cut.txt' | grep -v leak_tcpstall"

# --- a recording carries the cgroups (format 4.1) ---------------------------
"$LEAKTOP" -b -n 2 -d 0.5 --format json --record "$TMPD/cg.ltrec" >"$TMPD/rec.all" 2>"$TMPD/rec.err"
check "record: exits 0" test $? = 0
tail -1 "$TMPD/rec.all" >"$TMPD/rec.json"
"$LEAKTOP" -b --replay "$TMPD/cg.ltrec" --format json >"$TMPD/rep.all" 2>"$TMPD/rep.err"
check "replay: exits 0" test $? = 0
tail -1 "$TMPD/rep.all" >"$TMPD/rep.json"
check "replay: the test cgroup holds the leaking socket's memory" \
	j "$TMPD/rep.json" '(.sockets[] | select(.inode == $i)) as $k
	  | any(.cgroups[]; .path == $cg and .mem >= $k.mem and .processes == 2)'
check "replay: the leaker, its socket and its finding name the cgroup" \
	j "$TMPD/rep.json" 'any(.processes[]; .pid == $p and .cgroup.path == $cg)
	  and any(.sockets[]; .inode == $i and .cgroup.path == $cg)'
check "replay: the cgroups as recorded (tree, figures, the kernel's)" \
	bash -c "cmp <(jq -cS .cgroups '$TMPD/rec.json') <(jq -cS .cgroups '$TMPD/rep.json')"
"$LEAKTOP" -b --replay "$TMPD/cg.ltrec" --format json --cgroup "$NAME" >"$TMPD/repcut.all" 2>"$TMPD/repcut.err"
check "replay --cgroup: exits 0, nothing on stderr" \
	bash -c "test $? = 0 && test ! -s '$TMPD/repcut.err'"
tail -1 "$TMPD/repcut.all" >"$TMPD/repcut.json"
check "replay --cgroup: only the test cgroup, its processes and its sockets" \
	j "$TMPD/repcut.json" '[.cgroups[].path] == [$cg] and ([.processes[].pid] | sort == ([$p, $sp] | sort))
	  and all(.sockets[]; .cgroup.path == $cg) and any(.sockets[]; .inode == $i)'
"$LEAKTOP" -b --replay "$TMPD/cg.ltrec" --cgroup "no-such-unit-$$.service" >/dev/null 2>"$TMPD/repbad.err"
rc=$?
check "replay --cgroup naming nothing: exit 1, one line" \
	bash -c "test $rc = 1 && grep -q 'no-such-unit-$$.service: no such cgroup in the recording' '$TMPD/repbad.err'"

# --- Prometheus and Markdown -------------------------------------------------
"$LEAKTOP" -b -n 1 --format prometheus --cgroup "$NAME" >"$TMPD/m.prom" 2>"$TMPD/m.err"
check "prometheus: the cgroup's socket memory series" \
	grep -Eq "^leaktop_cgroup_socket_memory_bytes\{cgroup=\"/$NAME\",name=\"/$NAME\"\} [1-9]" "$TMPD/m.prom"
case $ACCT in
v1_tcp | v2_sock)
	check "prometheus: the kernel's figure for the cgroup ($ACCT)" \
		grep -Eq "^leaktop_cgroup_kernel_socket_bytes\{cgroup=\"/$NAME\",name=\"/$NAME\",accounting=\"$ACCT\"\} [1-9]" "$TMPD/m.prom" ;;
esac
if command -v promtool >/dev/null; then
	check "prometheus: promtool check metrics passes" bash -c 'promtool check metrics <"$1"' _ "$TMPD/m.prom"
fi
"$LEAKTOP" -b -n 1 --format prometheus --top 0 >"$TMPD/top0.prom"
check "prometheus: --top 0 caps the cgroup series too" \
	bash -c "grep -q '^leaktop_cgroups [1-9]' '$TMPD/top0.prom' && ! grep -q '^leaktop_cgroup_socket_memory_bytes{' '$TMPD/top0.prom'"
"$LEAKTOP" -b -n 2 -d 0.5 --format markdown --cgroup "$NAME" >"$TMPD/pm.md" 2>&1
MDNAME="/$NAME"	# a cell escapes only what breaks it ('|'), not '_' 
check "markdown: the services involved list the test cgroup" \
	bash -c "grep -A4 '^## Services involved' '$TMPD/pm.md' | grep -qF '| $MDNAME | $MDNAME |'"

# --- orphans: attributed by the kernel's cgroup id, not by an owner ---------
if [ "$KERNEL_IDS" = 1 ]; then
	cg_start or "'$L/leak_tcpstall'" --mode orphans --count 4 --seconds 60
	"$LEAKTOP" -b -n 1 --format json --cgroup "$NAME" >"$TMPD/orph.json" 2>"$TMPD/orph.err"
	check "orphans: leaktop exits 0" test $? = 0
	check "orphans: the 4 orphaned connections are the cgroup's (no owner: the kernel's id)" \
		j "$TMPD/orph.json" '[.sockets[] | select(.orphan and (.owners | length) == 0
		  and .cgroup.path == $cg)] | length == 4'
	check "orphans: the cgroup's totals count them" \
		j "$TMPD/orph.json" '([.sockets[] | select(.orphan) | .mem] | add) as $m
		  | any(.cgroups[]; .path == $cg and .orphans == 4 and .mem >= $m)'
	case $ACCT in
	v1_tcp | v2_sock)
		check "orphans: the kernel's figure agrees with ours, orphans included" \
			j "$TMPD/orph.json" 'any(.cgroups[]; .path == $cg and .kernel.bytes > 0
			  and .kernel.bytes * 2 >= .mem and .kernel.bytes <= .mem * 2 + 1048576)' ;;
	esac
else
	echo "SKIP (part): orphans by the kernel's cgroup id: no cgroup2 hierarchy to name them"
fi

# --- a hostile cgroup name never reaches the terminal raw ------------------
HOSTILE="$(dirname "$CG")/$NAME-$(printf '\033]0;pwn\007\033[31m')red"
if mkdir "$HOSTILE" 2>/dev/null; then
	CG_EXTRA+=("$HOSTILE")
	# a UDP reader that never reads: its cgroup holds socket memory, so
	# the text's SERVICES list names it
	start_bg hs sh -c "echo \$\$ >'$HOSTILE/cgroup.procs' && exec '$L/leak_udp' --seconds 60"
	"$LEAKTOP" -b -n 1 >"$TMPD/hostile.txt" 2>&1
	"$LEAKTOP" -b -n 1 --format json >"$TMPD/hostile.json" 2>&1
	check "hostile name: JSON stays valid and keeps the name's bytes" \
		jq -e --argjson p "$hs_pid" 'any(.processes[]; .pid == $p and (.cgroup.path | test("\u001b")))
		  and any(.cgroups[]; (.path | test("\u001b")) and .mem > 0)' \
		"$TMPD/hostile.json"
	check "hostile name: the text lists it, escaped, and holds no escape byte" \
		bash -c "grep -qF -- '$NAME-\\x1b]0;pwn' '$TMPD/hostile.txt' && ! grep -q \$'\\033' '$TMPD/hostile.txt'"
	stop_bg "$hs_bgpid" 2>/dev/null
else
	echo "SKIP (part): cannot make a cgroup with control characters in its name"
fi

# --- bad input ----------------------------------------------------------------
# a recorded tree deeper than any real one (tests/gen_recording): the
# sample replays without its cgroups, and --cgroup says there are none
GEN="$TESTS_BIN/gen_recording"
if [ -x "$GEN" ] && "$GEN" "$TMPD/deep.ltrec" cgroups 1000 && "$GEN" "$TMPD/ok.ltrec" cgroups 100; then
	"$LEAKTOP" -b --replay "$TMPD/ok.ltrec" --cgroup /g0 >/dev/null 2>"$TMPD/ok.err"
	check "a recorded tree 100 deep: --replay --cgroup reads it (exit 0)" \
		bash -c "test $? = 0 && test ! -s '$TMPD/ok.err'"
	"$LEAKTOP" -b --replay "$TMPD/deep.ltrec" >/dev/null 2>"$TMPD/deep.err"
	check "a recorded tree 1000 deep: the sample still replays (exit 0)" test $? = 0
	"$LEAKTOP" -b --replay "$TMPD/deep.ltrec" --cgroup /g0 >/dev/null 2>"$TMPD/deep.err"
	rc=$?
	check "a recorded tree 1000 deep: --cgroup says the recording carries none (exit 1)" \
		bash -c "test $rc = 1 && grep -q 'carries no cgroups' '$TMPD/deep.err'"
else
	echo "SKIP (part): tests/gen_recording is not built"
fi
"$LEAKTOP" -b -n 1 --cgroup "no-such-unit-$$.service" >"$TMPD/bad.out" 2>"$TMPD/bad.err"
rc=$?
check "an unknown cgroup: exit 1" test "$rc" = 1
check "an unknown cgroup: one line that names it" \
	bash -c "test \$(wc -l <'$TMPD/bad.err') = 1 && grep -q 'no-such-unit-$$.service: no such cgroup' '$TMPD/bad.err'"
"$LEAKTOP" -b -n 1 --cgroup "" >/dev/null 2>"$TMPD/empty.err"
check "an empty --cgroup is a usage error (exit 2)" test $? = 2
finish
