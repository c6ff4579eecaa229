#!/bin/bash
# Two fresh clones of this checkout's HEAD run `./setup test` at the same
# time on this machine, and both must pass: the proof that the tests are
# isolated from each other (names, ports, namespaces, state files, tmux
# servers) and that the alone tests take turns through the machine's lock
# (doc/testing.md).  By hand, as root, on a machine where `./setup test`
# has run once (so that neither clone installs packages):
#
#     tests/twice.sh [WORKDIR]
#
# Each clone's output is kept in WORKDIR (default: a new /tmp/leaktop-twice.*).
set -u
src=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel) || exit 1
work=${1:-$(mktemp -d "${TMPDIR:-/tmp}/leaktop-twice.XXXXXX")}
mkdir -p "$work" || exit 1
for c in a b; do
	rm -rf "${work:?}/$c"
	git clone -q "$src" "$work/$c" || { echo "twice: cannot clone $src" >&2; exit 1; }
done
start=$(date +%s)
for c in a b; do
	(cd "$work/$c" && ./setup test >"$work/$c.out" 2>&1; echo $? >"$work/$c.rc") &
done
wait
status=0
for c in a b; do
	rc=$(cat "$work/$c.rc")
	echo "clone $c: exit $rc, $(grep -E '^[0-9]+ passed' "$work/$c.out")"
	grep -E '^(FAIL|ERROR):' "$work/$c.out" | sed 's/^/  /'
	[ "$rc" = 0 ] || status=1
done
echo "both runs in $(($(date +%s) - start)) s; outputs in $work"
exit $status
