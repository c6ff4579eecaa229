# A cgroup of the test's own under the memory controller, for the tests of
# services and containers (issue 26), sourced after tests/lib.sh.
# Sourcing it makes the cgroup ($CG, named $NAME, its path in
# /proc/PID/cgroup "/$NAME"), with $ACCT the kernel's accounting leaktop should report (v2_sock; v1_tcp
# once a tcp limit is set; nosocket), or skip the test where the kernel has
# no memory controller.  cg_start NAME CMD...: start_bg CMD inside it (it
# joins before it makes a socket: a socket is charged to the cgroup of the
# process that created it).  $KERNEL_IDS is 1 where the kernel names the
# cgroup2 of a socket that the test's cgroup is (v2, or hybrid with the
# unified hierarchy mounted).  On exit every process in it is killed and it
# is removed, then tmux.sh's server (when sourced before) is killed and
# lib.sh's cleanup runs: the EXIT trap is cg_cleanup's.

CGROOT=/sys/fs/cgroup
CGU=""
CG_EXTRA=()	# more cgroups a test makes: removed the same way
CG_SUBS=()	# children of $CG (cg_sub): removed first
NAME="leaktop-$(basename "$0" .sh)-$$"
if grep -qw memory "$CGROOT/cgroup.controllers" 2>/dev/null; then
	# cgroup v2: the memory controller must be on for the root's children
	grep -qw memory "$CGROOT/cgroup.subtree_control" ||
		echo +memory >"$CGROOT/cgroup.subtree_control" 2>/dev/null ||
		skip_test "cannot enable the memory controller in $CGROOT"
	CG="$CGROOT/$NAME"
	ACCT=v2_sock
elif [ -f "$CGROOT/memory/memory.kmem.tcp.limit_in_bytes" ]; then
	CG="$CGROOT/memory/$NAME"
	ACCT=v1_tcp
	# a hybrid machine: the same path in the unified hierarchy too, which
	# is where the kernel's INET_DIAG_CGROUP_ID of a socket points
	[ -f "$CGROOT/unified/cgroup.procs" ] && CGU="$CGROOT/unified/$NAME"
else
	skip_test "no memory cgroup controller (v2 memory or v1 with kmem.tcp)"
fi
grep -Eq '(^| )cgroup.memory=[^ ]*nosocket' /proc/cmdline && ACCT=nosocket

cg_cleanup() {
	local i p d
	for d in "${CG_SUBS[@]}" "$CG" ${CGU:+"$CGU"} "${CG_EXTRA[@]}"; do
		[ -d "$d" ] || continue
		for i in $(seq 1 50); do
			for p in $(cat "$d/cgroup.procs" 2>/dev/null); do kill "$p" 2>/dev/null; done
			rmdir "$d" 2>/dev/null && break
			sleep 0.1
		done
	done
	[ -n "${TM:-}" ] && $TM kill-server 2>/dev/null
	cleanup
}
trap cg_cleanup EXIT
mkdir "$CG" || skip_test "cannot create a cgroup under $(dirname "$CG")"
if [ -n "$CGU" ] && ! mkdir "$CGU"; then
	CGU=""
fi
if [ "$ACCT" = v1_tcp ]; then
	# v1 charges tcp memory only to a cgroup whose tcp limit was written
	echo 1073741824 >"$CG/memory.kmem.tcp.limit_in_bytes" ||
		skip_test "cannot set memory.kmem.tcp.limit_in_bytes"
fi

cg_start() {
	local name=$1; shift
	start_bg "$name" sh -c "echo \$\$ >'$CG/cgroup.procs' &&
		{ [ -z '$CGU' ] || echo \$\$ >'$CGU/cgroup.procs'; } && exec $*"
}
# cg_sub SUB: a child cgroup $CG/SUB (its path "/$NAME/SUB"), with its twin
# in the unified hierarchy on a hybrid machine; cg_start_in SUB NAME CMD...:
# cg_start inside it.
cg_sub() {
	mkdir "$CG/$1" || return 1
	CG_SUBS+=("$CG/$1")
	if [ -n "$CGU" ] && mkdir "$CGU/$1"; then CG_SUBS+=("$CGU/$1"); fi
}
cg_start_in() {
	local sub=$1 name=$2; shift 2
	start_bg "$name" sh -c "echo \$\$ >'$CG/$sub/cgroup.procs' &&
		{ [ -z '$CGU' ] || echo \$\$ >'$CGU/$sub/cgroup.procs'; } && exec $*"
}
KERNEL_IDS=0
{ [ "$ACCT" = v2_sock ] || [ -n "$CGU" ]; } && KERNEL_IDS=1
