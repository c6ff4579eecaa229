# Shared helpers for leaktop's behaviour tests (sourced by tests/bt_*.sh).
# Each test runs the real binary ($LEAKTOP) against real kernel objects.

set -u
: "${LEAKTOP:?LEAKTOP must point at the leaktop binary}"
: "${TESTS_BIN:=$(dirname "$LEAKTOP")/tests}"
: "${TESTS_SRC:=$(dirname "$0")}"
TMPD=$(mktemp -d "${TMPDIR:-/tmp}/leaktop-test.XXXXXX")
CHILDREN=""
FAILS=0

# our_child PID: PID is still a child of this test's shell (running, or a
# zombie not yet reaped).  A leaker whose --seconds ran out on a loaded
# machine exits and is reaped, and the kernel hands its pid to another
# process: a kill by number then once hit another test's tmux server (CI:
# bt_loop's UI gone, "no server running").  Kill children through stop_bg.
our_child() {
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	s=${s##*) }
	# shellcheck disable=SC2086
	set -- $s
	[ "${2:-}" = "$$" ] || [ "${2:-}" = "$BASHPID" ]
}
# stop_bg [-SIG] PID...: SIG (TERM) to each PID that is still our child
stop_bg() {
	local sig=-TERM p
	case ${1:-} in -*) sig=$1; shift ;; esac
	for p; do
		our_child "$p" && kill "$sig" "$p" 2>/dev/null
	done
	return 0
}
cleanup() {
	# shellcheck disable=SC2086
	stop_bg $CHILDREN
	for p in $CHILDREN; do wait "$p" 2>/dev/null; done
	rm -rf "$TMPD"
}
trap cleanup EXIT

# jq 1.6 (Debian 12's) exits 0 under -e when it read no input at all, so a
# check on an empty file (leaktop printed nothing) would pass; jq 1.7 exits
# 4 then, and so does this jq: with -e, no output at all is a failure.
# Exported, so that the checks written as bash -c "..." get it too.
jq() {
	local a e=0 out rc
	for a in "$@"; do
		case $a in
		-e | --exit-status) e=1 ;;
		esac
	done
	[ $e = 1 ] || { command jq "$@"; return; }
	out=$(command jq "$@")
	rc=$?
	[ -n "$out" ] && printf '%s\n' "$out"
	[ $rc = 0 ] && [ -z "$out" ] && return 4
	return $rc
}
export -f jq

fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
pass() { echo "ok: $*"; }
check() { # check "description" command...
	local what=$1; shift
	if "$@" >/dev/null; then pass "$what"; else fail "$what"; fi
}
skip_test() { echo "SKIP: $*"; exit 77; }
need_root() { [ "$(id -u)" = 0 ] || skip_test "needs root"; }
need_cmd() { command -v "$1" >/dev/null 2>&1 || skip_test "needs $1"; }

# start_bg NAME cmd...: run cmd in the background, wait for its READY line,
# and set NAME_pid, and NAME_<key> for every key=value on the READY line.
start_bg() {
	local name=$1; shift
	local out="$TMPD/$name.out" i line
	"$@" >"$out" 2>"$TMPD/$name.err" &
	local pid=$!
	CHILDREN="$CHILDREN $pid"
	for i in $(seq 1 100); do
		line=$(grep -m1 '^READY' "$out" 2>/dev/null || true)
		[ -n "$line" ] && break
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "FAIL: $name exited before READY: $(cat "$TMPD/$name.err")"
			exit 1
		fi
		sleep 0.1
	done
	[ -n "$line" ] || { echo "FAIL: $name never printed READY"; exit 1; }
	eval "${name}_bgpid=$pid"
	for kv in ${line#READY }; do
		case "$kv" in
		*=*) eval "${name}_${kv%%=*}=\"${kv#*=}\"" ;;
		esac
	done
}

finish() {
	if [ "$FAILS" -gt 0 ]; then
		# what a test that drives the UI saw last (tests/tmux.sh)
		if declare -F tmux_report >/dev/null; then tmux_report; fi
		echo "$FAILS check(s) failed"
		exit 1
	fi
	exit 0
}
