#!/bin/bash
# The portable build (issue 16): portable/build.sh makes one static file;
# it runs in a chroot that holds only busybox and that file, with /proc,
# /sys and /dev bind-mounted and no terminfo database: batch JSON lists a
# leaker's socket (the leaker runs outside), --version names the static
# build, the UI draws its panes in tmux under TERM=xterm-256color and
# TERM=linux, and an unknown TERM gives one clear line and exit code 1
# with the terminal left as it was.
. "${TESTS_SRC:-$(dirname "$0")}/lib.sh"
. "${TESTS_SRC:-$(dirname "$0")}/tmux.sh"
need_root
need_cmd jq
need_cmd chroot
[ "$(uname -m)" = x86_64 ] || skip_test "the portable build is for x86_64"
BUSYBOX=/bin/busybox
[ -x "$BUSYBOX" ] && ! ldd "$BUSYBOX" >/dev/null 2>&1 ||
	skip_test "needs a static busybox (busybox-static)"
: "${TESTS_SRC:=$(dirname "$0")}"
L="$TESTS_BIN/leakers"
# the build dir's own copy unless one is named: distcheck's srcdir is read-only
export LEAKTOP_PORTABLE_DIR="${LEAKTOP_PORTABLE_DIR:-$TESTS_BIN/../build-portable}"

R="$TMPD/root"
MOUNTS=""
# unmount before lib.sh's cleanup removes $TMPD: rm -rf must never reach
# the bind-mounted /dev, /proc or /sys
teardown() {
	local m
	$TM kill-server 2>/dev/null
	rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/leaktop-$(basename "$0" .sh)-$$"
	for m in $MOUNTS; do umount "$R/$m" 2>/dev/null || umount -l "$R/$m"; done
	for m in $MOUNTS; do
		if mountpoint -q "$R/$m"; then
			echo "FAIL: $R/$m still mounted: $TMPD left in place"
			TMPD=/nonexistent
		fi
	done
	cleanup
}
trap teardown EXIT
trap 'exit 1' INT TERM HUP

start=$(date +%s)
if ! "$TESTS_SRC/../portable/build.sh" >"$TMPD/build.out" 2>"$TMPD/build.err"; then
	cat "$TMPD/build.err"
	echo "FAIL: portable/build.sh failed"
	exit 1
fi
P=$(tail -1 "$TMPD/build.out")
echo "note: portable build: $P in $(($(date +%s) - start)) s"
check "the last line of the build names an executable" test -x "$P"
size=$(stat -c %s "$P")
echo "note: $size bytes"
check "at most 4 MiB" test "$size" -le $((4 * 1024 * 1024))
check "statically linked: no program interpreter" \
	bash -c "! readelf -l '$P' | grep -q 'program interpreter'"
check "no shared libraries needed" bash -c "! readelf -d '$P' | grep -q NEEDED"
# a static glibc would dlopen() the appliance's NSS modules and libproc2 its
# libnuma: the build sends user lookups to portable/nss.c and drops NUMA
check "nothing to dlopen(): no libnss or libnuma named in the file" \
	bash -c "! grep -aqE 'libnss_|libnuma' '$P'"

# the appliance: busybox, leaktop, the kernel's file systems; nothing else
mkdir -p "$R/bin" "$R/proc" "$R/sys" "$R/dev" "$R/tmp"
cp "$BUSYBOX" "$R/bin/busybox"
ln -s busybox "$R/bin/sh"
cp "$P" "$R/leaktop"
for m in proc sys dev; do
	mount --bind "/$m" "$R/$m" || { echo "FAIL: bind-mount /$m"; exit 1; }
	MOUNTS="$m $MOUNTS"
done
check "the chroot has no terminfo database and no libraries" \
	bash -c "[ -z \"\$(find '$R' -xdev \( -name terminfo -o -name 'lib*' -o -name '*.so*' \) -print -quit)\" ]"

CHROOT=$(command -v chroot)
run() { "$CHROOT" "$R" /bin/sh -c "$*"; }

run /leaktop --version >"$TMPD/version" 2>&1
check "--version: the leaktop version first" grep -Eq "^leaktop [0-9]+\.[0-9]+" "$TMPD/version"
check "--version names the static, portable build" grep -q "portable, static" "$TMPD/version"
check "--version names libc, ncurses, libmnl, libproc2 and zstd" \
	bash -c "for l in libc ncurses libmnl libproc2 zstd; do grep -q \"^  \$l \" '$TMPD/version' || exit 1; done"

start_bg udp "$L/leak_udp" --interval-ms 50 --seconds 300
udp_pid=${udp_pid:?} udp_fd=${udp_fd:?}	# set by start_bg
sleep 1
run /leaktop -b -n 2 -d 0.5 --format json -p "$udp_pid" >"$TMPD/json" 2>"$TMPD/json.err"
check "batch JSON in the chroot: exit 0" test $? -eq 0
check "batch JSON: one object per sample" \
	bash -c "[ \$(jq -c . '$TMPD/json' | wc -l) -eq 2 ]"
check "batch JSON: the leaker's socket listed with its owner" \
	bash -c "tail -1 '$TMPD/json' | jq -e --argjson p $udp_pid --argjson f $udp_fd \
		'[.sockets[] | select(.owners[]? | .pid == \$p and .fd == \$f) | select(.proto == \"udp\" and .recv_q > 0)] | length == 1'"
check "batch JSON: the leaker's process listed" \
	bash -c "tail -1 '$TMPD/json' | jq -e --argjson p $udp_pid '[.processes[] | select(.pid == \$p)] | length == 1'"

# ui SESSION TERM: the portable leaktop in the chroot, in tmux, with TERM
ui() {
	# one command queue: the pane stays even if leaktop exits at once
	$TM new-session -d -s "$1" -x 120 -y 30 \
		"env -i TERM=$2 $CHROOT '$R' /leaktop -d 1 -p $udp_pid 2>$TMPD/$1.err; echo EXIT=\$? >$TMPD/$1.exit" \; \
		set-option -t "$1" remain-on-exit on >/dev/null
}

for t in xterm-256color linux; do
	ui "ui-$t" "$t"
	check "TERM=$t: the UI draws the header" wait_for "ui-$t" has "LIVE"
	check "TERM=$t: the Sockets pane's column headers" wait_for "ui-$t" has "PID/FD"
	# the Sockets pane filtered to the leaker: other tests' flagged sockets,
	# listed beside -p ones, may fill a 30-line screen
	$TM send-keys -t "ui-$t" 1 '\' leak_udp Enter
	check "TERM=$t: the leaker's socket row" wait_for "ui-$t" grep -q "^$udp_pid/$udp_fd "
	$TM send-keys -t "ui-$t" 2
	check "TERM=$t: key 2, the Processes pane's headers" wait_for "ui-$t" has "PSS"
	$TM send-keys -t "ui-$t" q
	check "TERM=$t: q exits with 0" wait_for "ui-$t" grep -qx "EXIT=0" "$TMPD/ui-$t.exit"
done

ui unknown foo-unknown
check "unknown TERM: exit code 1" wait_for unknown grep -qx "EXIT=1" "$TMPD/unknown.exit"
check "unknown TERM: one line naming the built-in terminals" \
	grep -q "^leaktop: no terminfo entry for TERM=foo-unknown; built in: xterm .*linux.*; use -b or set TERM=xterm$" \
	"$TMPD/unknown.err"
check "unknown TERM: the message is the only output" test "$(wc -l <"$TMPD/unknown.err")" -eq 1
check "unknown TERM: the terminal is left as it was (no alternate screen)" \
	test "$($TM display-message -p -t unknown '#{alternate_on}')" = 0
finish
