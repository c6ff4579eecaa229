#!/bin/bash
# Services and containers on the unified (v2) hierarchy (issue 26), where a
# cgroup2 hierarchy is mounted: at /sys/fs/cgroup on a v2 machine, at
# /sys/fs/cgroup/unified on a hybrid one (this CI's: its memory controller
# is on v1).  The test makes a cgroup there only, runs its leakers in it,
# and checks the v2 paths of leaktop against the kernel's:
#   - LEAKTOP_FALLBACKS=memcg_v1 (a hybrid machine read as a v2 one; on a
#     v2 machine the default): /proc/PID/cgroup's "0::" path names the
#     leaker's processes, INET_DIAG_CGROUP_ID resolved through the cgroup2
#     hierarchy names its sockets, the totals hold its socket memory, the
#     finding names the cgroup, --cgroup (by path and by name) cuts to it;
#     the kernel's memory.stat "sock" agrees where the memory controller is
#     on v2, and is said to be missing where it is not;
#   - orphans of the leaker (no process holds them) are the v2 cgroup's by
#     the kernel's id alone, with the fallback and, on a hybrid machine,
#     without it (there the id places only the sockets no process holds).
. "${TESTS_SRC:-$(dirname "$0")}/lib.sh"
need_root
need_cmd jq
L="$TESTS_BIN/leakers"
[ -x "$L/leak_tcpstall" ] || skip_test "needs tests/leakers/leak_tcpstall (make check builds it)"

if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
	V2=/sys/fs/cgroup HYBRID=0
elif [ -f /sys/fs/cgroup/unified/cgroup.controllers ]; then
	V2=/sys/fs/cgroup/unified HYBRID=1
else
	skip_test "no cgroup2 hierarchy mounted (/sys/fs/cgroup, /sys/fs/cgroup/unified)"
fi
NAME="leaktop-$(basename "$0" .sh)-$$"
CG="$V2/$NAME"
if grep -qw memory "$V2/cgroup.controllers"; then
	ACCT=v2_sock
	grep -qw memory "$V2/cgroup.subtree_control" ||
		echo +memory >"$V2/cgroup.subtree_control" 2>/dev/null ||
		skip_test "cannot enable the memory controller in $V2"
else
	ACCT=no_memcg
fi
grep -Eq '(^| )cgroup.memory=[^ ]*nosocket' /proc/cmdline && ACCT=nosocket

v2_cleanup() {
	local i p
	if [ -d "$CG" ]; then
		for i in $(seq 1 50); do
			for p in $(cat "$CG/cgroup.procs" 2>/dev/null); do kill "$p" 2>/dev/null; done
			rmdir "$CG" 2>/dev/null && break
			sleep 0.1
		done
	fi
	cleanup
}
trap v2_cleanup EXIT
mkdir "$CG" || skip_test "cannot create a cgroup under $V2"
echo "cgroup2 at $V2 (hybrid: $HYBRID); the kernel's figure here: $ACCT"
[ "$ACCT" = v2_sock ] ||
	echo "NOTE: the memory controller is not on the cgroup2 hierarchy here: the kernel's" \
		"v2 memory.stat sock figure cannot be checked on this machine, only that leaktop says so"

# in the v2 cgroup only: its memory controller path (hybrid) stays its parent's
v2_start() {
	local name=$1; shift
	start_bg "$name" sh -c "echo \$\$ >'$CG/cgroup.procs' && exec $*"
}
v2_start st "'$L/leak_tcpstall'" --mode stream --seconds 60
check "the kernel puts the leaker in the v2 cgroup (0::/$NAME)" \
	grep -qx "0::/$NAME" "/proc/$st_pid/cgroup"

j() { # FILE FILTER: FILTER holds on the one sample in FILE
	local file=$1; shift
	jq -e -s --arg cg "/$NAME" --argjson p "$st_pid" --argjson sp "$st_server_pid" \
		--argjson i "$st_inode" --arg acct "$ACCT" "length == 1 and (.[0] | $*)" "$file"
}

# --- read as a v2 machine -----------------------------------------------------
export LEAKTOP_FALLBACKS=memcg_v1
"$LEAKTOP" -b -n 3 -d 1 --format json >"$TMPD/all.all" 2>"$TMPD/all.err"
check "leaktop -b exits 0" test $? = 0
check "stderr says the v1 memory controller is forced off" grep -q "fallback memcg_v1" "$TMPD/all.err"
tail -1 "$TMPD/all.all" >"$TMPD/all.json"
check "v2 paths: the leaker's processes are in /$NAME (from /proc/PID/cgroup)" \
	j "$TMPD/all.json" '[.processes[] | select(.pid == $p or .pid == $sp) | .cgroup.path] == [$cg, $cg]'
check "v2 paths: the leaking socket is in /$NAME (the kernel's cgroup id)" \
	j "$TMPD/all.json" 'any(.sockets[]; .inode == $i and .cgroup.path == $cg and .cgroup.name == $cg)'
check "v2 paths: the cgroup's totals hold the leaking socket's memory" \
	j "$TMPD/all.json" '(.sockets[] | select(.inode == $i)) as $k
	  | any(.cgroups[]; .path == $cg and .mem >= $k.mem and .processes == 2 and .depth == 0)'
check "v2 paths: the leak's finding names the cgroup" \
	j "$TMPD/all.json" 'any(.findings[]; .pid == $p and .cgroup.path == $cg)'
case $ACCT in
v2_sock)
	check "the kernel's memory.stat sock agrees with ours" \
		j "$TMPD/all.json" 'any(.cgroups[]; .path == $cg and .kernel.accounting == "v2_sock"
		  and .kernel.bytes > 0 and .kernel.bytes * 2 >= .mem and .kernel.bytes <= .mem * 2 + 1048576)' ;;
*)
	check "the kernel's figure is said to be missing ($ACCT), not made up" \
		j "$TMPD/all.json" 'any(.cgroups[]; .path == $cg and .kernel.accounting == $acct
		  and .kernel.bytes == null and (.kernel.note | startswith("not charged")))' ;;
esac
for arg in "/$NAME" "$NAME"; do
	export CGARG=$arg
	"$LEAKTOP" -b -n 2 -d 0.5 --format json --cgroup "$arg" >"$TMPD/cut.all" 2>/dev/null
	check "--cgroup $arg: exits 0" test $? = 0
	tail -1 "$TMPD/cut.all" >"$TMPD/cut.json"
	check "--cgroup $arg: only the v2 cgroup, its processes and sockets" \
		j "$TMPD/cut.json" '[.cgroups[].path] == [$cg] and ([.processes[].pid] | sort == ([$p, $sp] | sort))
		  and all(.sockets[]; .cgroup.path == $cg) and any(.sockets[]; .inode == $i)
		  and .cgroup_filter == env.CGARG'
done

# --- orphans: the kernel's id alone places them ----------------------------
v2_start or "'$L/leak_tcpstall'" --mode orphans --count 4 --seconds 60
"$LEAKTOP" -b -n 1 --format json --cgroup "$NAME" >"$TMPD/orph.json" 2>/dev/null
check "orphans (read as v2): the 4 orphaned connections are the cgroup's" \
	j "$TMPD/orph.json" '[.sockets[] | select(.orphan and (.owners | length) == 0
	  and .cgroup.path == $cg)] | length == 4'
if [ "$HYBRID" = 1 ]; then
	# the default on a hybrid machine: processes by their v1 memory path,
	# and the kernel's v2 id only for the sockets no process holds
	unset LEAKTOP_FALLBACKS
	"$LEAKTOP" -b -n 1 --format json --cgroup "/$NAME" >"$TMPD/hyb.json" 2>"$TMPD/hyb.err"
	check "orphans (hybrid default): leaktop exits 0 on the v2-only cgroup" test $? = 0
	check "orphans (hybrid default): placed in /$NAME by the kernel's id, no process there" \
		j "$TMPD/hyb.json" '([.sockets[] | select(.orphan and .cgroup.path == $cg)] | length == 4)
		  and .processes == [] and any(.cgroups[]; .path == $cg and .orphans == 4 and .processes == 0)'
fi
finish
