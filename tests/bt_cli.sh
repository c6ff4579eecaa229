#!/bin/bash
# Command line contract: help, version, bad options and numbers give a
# one-line error and exit 2; batch output is well-formed.
. "${TESTS_SRC:-$(dirname "$0")}/lib.sh"

expect_usage() { # args...: exit 2, one line on stderr, nothing on stdout
	local rc
	"$LEAKTOP" "$@" >"$TMPD/out" 2>"$TMPD/err"
	rc=$?
	[ "$rc" = 2 ] || { echo "  '$*': exit $rc, want 2"; return 1; }
	[ "$(wc -l <"$TMPD/err")" = 1 ] || { echo "  '$*': stderr:"; cat "$TMPD/err"; return 1; }
	grep -q '^leaktop: ' "$TMPD/err" || return 1
	[ ! -s "$TMPD/out" ]
}

check "-h prints usage, exit 0" bash -c '"$LEAKTOP" -h | grep -q "^Usage: leaktop"'
check "--help mentions --format" bash -c '"$LEAKTOP" --help | grep -q -- "--format"'
check "-V prints the version" bash -c '"$LEAKTOP" -V | grep -Eq "^leaktop [0-9]+\.[0-9]+"'
for args in "-n -1" "-n abc" "-n 1x" "-d abc" "-d -1" "-d 0" "-d nan" "-d inf" \
	    "--format xml" "-p 0" "-p abc" "-p 1,,x" "--bogus" "-n" "extra-arg" "-Z"; do
	# shellcheck disable=SC2086
	check "usage error: $args" expect_usage -b $args
done
check "the -n error names the bad value" \
	bash -c '"$LEAKTOP" -b -n -1 2>&1 | grep -q "'"'"'-1'"'"'"'

# a procfs root without meminfo: a runtime failure, exit 1, one line
mkdir -p "$TMPD/emptyproc"
"$LEAKTOP" -b -n 1 --procfs "$TMPD/emptyproc" >"$TMPD/out" 2>"$TMPD/err"
rc=$?
check "unreadable meminfo: exit 1" test "$rc" = 1
check "unreadable meminfo: one line naming the file" \
	bash -c "[ \$(wc -l <'$TMPD/err') = 1 ] && grep -q 'meminfo' '$TMPD/err'"
# a corrupt meminfo: clear error, exit 1
printf 'MemTotal:  12 kB\nMemFree: lots kB\n' >"$TMPD/emptyproc/meminfo"
"$LEAKTOP" -b -n 1 --procfs "$TMPD/emptyproc" >"$TMPD/out" 2>"$TMPD/err"
rc=$?
check "corrupt meminfo: exit 1 with the line" \
	bash -c "[ $rc = 1 ] && grep -q 'line 2' '$TMPD/err'"

# batch JSON: N lines, each a JSON object whose parts sum to total
"$LEAKTOP" -b -n 3 -d 0.2 --format json >"$TMPD/j" 2>"$TMPD/err"
check "json: exit 0" test $? = 0
check "json: 3 lines" test "$(wc -l <"$TMPD/j")" = 3
if command -v jq >/dev/null; then
	check "json: parts sum to total" bash -c "jq -e '.memory as \$m | ([\$m.parts[] as \$p | \$m[\$p]] | add) == \$m.total' '$TMPD/j' | grep -qv false"
	check "json: first interval 0, later > 0" bash -c "jq -s -e '.[0].interval == 0 and .[1].interval > 0.1' '$TMPD/j' >/dev/null"
	check "json: required memory fields" bash -c "jq -e '.memory | has(\"total\") and has(\"free\") and has(\"page_cache\") and has(\"shmem\") and has(\"user_pss\") and has(\"kernel_known\") and has(\"socket_queues\") and has(\"unaccounted\")' '$TMPD/j' | grep -qv false"
fi
# text is the default
"$LEAKTOP" -b -n 1 >"$TMPD/t"
check "text: names the unaccounted line" grep -q UNACCOUNTED "$TMPD/t"
# --all: every socket of the census, the same census as without it
if command -v jq >/dev/null; then
	"$LEAKTOP" -b -n 1 --all --format json >"$TMPD/all.json" 2>"$TMPD/err"
	check "--all: json lists as many sockets as the census counted" \
		jq -e '(.sockets | length) == .census.sockets' "$TMPD/all.json"
	check "--all: text says every socket" \
		bash -c "'$LEAKTOP' -b -n 1 -a | grep -q '^SOCKETS .*(every socket: --all)'"
fi
"$LEAKTOP" -b -n 1 --all --format markdown >/dev/null 2>"$TMPD/err"
check "--all with markdown: usage error" test $? = 2
# standard fds the caller closed are held by /dev/null, so that nothing the
# census opens (a BPF program, a netlink socket) takes their numbers
"$LEAKTOP" -b -n 1 --format json <&- 2>&- >"$TMPD/closed.json"
check "stdin and stderr closed: exit 0, the sample printed" \
	jq -e '.census.sockets > 0' "$TMPD/closed.json"
"$LEAKTOP" -b -n 30 -d 0.2 --format json <&- 2>&- >/dev/null &
lt=$!
CHILDREN="$CHILDREN $lt"
for _ in $(seq 1 50); do [ -e "/proc/$lt/fd/3" ] && break; sleep 0.1; done
check "stdin closed: fd 0 is /dev/null while it samples" \
	test "$(readlink "/proc/$lt/fd/0")" = /dev/null
check "stderr closed: fd 2 is /dev/null while it samples" \
	test "$(readlink "/proc/$lt/fd/2")" = /dev/null
stop_bg "$lt"
wait "$lt" 2>/dev/null
"$LEAKTOP" -b -n 1 >&- 2>"$TMPD/err"
rc=$?
check "stdout closed: exit 1, one line that says writing failed" \
	bash -c "[ $rc = 1 ] && [ \$(wc -l <'$TMPD/err') = 1 ] && grep -q 'writing output' '$TMPD/err'"
# -p and --trace naming no process (pid_max itself is never a pid): with
# every -p pid missing a run would show nothing and say "no open findings"
dead=$(cat /proc/sys/kernel/pid_max)
"$LEAKTOP" -b -n 1 -p "$dead" >"$TMPD/out" 2>"$TMPD/err"
rc=$?
check "-p with no process: exit 1, one line, no output" \
	bash -c "[ $rc = 1 ] && [ ! -s '$TMPD/out' ] &&
		 [ \"\$(cat '$TMPD/err')\" = 'leaktop: -p: no process $dead' ]"
"$LEAKTOP" -b -n 1 -p "$dead,$$" --format json >"$TMPD/out" 2>"$TMPD/err"
rc=$?
check "-p with one of two missing: exit 0, one line on stderr" \
	bash -c "[ $rc = 0 ] && [ \"\$(cat '$TMPD/err')\" = 'leaktop: -p: no process $dead; the others are shown' ]"
check "-p with one of two missing: the other process is listed" \
	jq -e --argjson p $$ '[.processes[] | select(.pid == $p)] | length == 1' "$TMPD/out"
"$LEAKTOP" -b -n 1 --trace "$dead" >"$TMPD/out" 2>"$TMPD/err"
rc=$?
check "--trace with no process: exit 1, one line" \
	bash -c "[ $rc = 1 ] && [ \"\$(cat '$TMPD/err')\" = 'leaktop: --trace: no process $dead' ]"
# a closed pipe is not an error
"$LEAKTOP" -b -n 5 -d 0.1 | head -1 >/dev/null
check "closed pipe: exit 0" test "${PIPESTATUS[0]}" = 0
finish
