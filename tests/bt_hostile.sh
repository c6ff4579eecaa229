#!/bin/bash
# Hostile recordings (issue 15): files under 1 MB, written by
# tests/gen_recording, that describe millions of rows (findings, sockets,
# processes, fd entries), long delta chains, thousands of events, and
# control characters in every string field.  Each is replayed in every
# format; each run must end with exit 0 or 1 (never a crash), say what it
# refused in lines that start "leaktop: ", stay under a memory limit
# (measured by GNU time; higher under ASan), and print no control
# character, bidi mark or invalid UTF-8.  A SIGTERM in the middle of a long
# decode ends the replay at once with "interrupted".  The timeout on each
# run only keeps a hang from stalling CI; nothing is timed (bench/run.sh
# times the many-findings case against issue 25's bound of 15 s).
. "${TESTS_SRC:-$(dirname "$0")}/lib.sh"
need_cmd iconv
TIME=/usr/bin/time
[ -x "$TIME" ] || skip_test "needs GNU time (/usr/bin/time)"
GEN="$TESTS_BIN/gen_recording"
[ -x "$GEN" ] || skip_test "needs $GEN (make check builds it)"
trap cleanup EXIT

# resident memory a replay may reach: "a few hundred MB"; ASan's shadow
# memory and quarantine roughly triple it
limit_kb=450000
if ldd "$LEAKTOP" 2>/dev/null | grep -q libasan; then
	limit_kb=1500000
fi

# the bytes no terminal sink may carry: C0 but tab and newline, DEL, C1 as
# UTF-8, LRM/RLM, the line/paragraph separators, LRE..RLO, LRI..PDI, ALM
BAD='[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\x8e\x8f\xa8-\xae]|\xe2\x81[\xa6-\xa9]|\xd8\x9c'

gen() { # gen NAME ARGS...: a hostile file, which must stay under 1 MB
	local name=$1; shift
	"$GEN" "$TMPD/$name.ltrec" "$@" || { fail "gen_recording $*"; return 1; }
	local size
	size=$(stat -c %s "$TMPD/$name.ltrec")
	check "$name: the file is under 1 MB ($size bytes)" test "$size" -lt 1048576
}

# replay NAME FORMAT: exit 0 or 1, one-line messages, memory bound, clean
replay() {
	local name=$1 fmt=$2 rc kb
	timeout -s KILL 300 "$TIME" -o "$TMPD/$name.$fmt.time" -f "%M" \
		"$LEAKTOP" --replay "$TMPD/$name.ltrec" --format "$fmt" \
		>"$TMPD/$name.$fmt.out" 2>"$TMPD/$name.$fmt.err"
	rc=$?
	kb=$(tail -1 "$TMPD/$name.$fmt.time")
	check "$name $fmt: exit 0 or 1, not a crash or a hang (exit $rc)" \
		test "$rc" -le 1
	check "$name $fmt: at most $limit_kb KB resident ($kb KB)" test "${kb:-0}" -le "$limit_kb"
	check "$name $fmt: every message is one line starting 'leaktop: '" \
		bash -c "! grep -v '^leaktop: ' '$TMPD/$name.$fmt.err'"
	check "$name $fmt: no sanitizer report" \
		bash -c "! grep -qiE 'sanitizer|runtime error' '$TMPD/$name.$fmt.err'"
	check "$name $fmt: output and messages are valid UTF-8" \
		bash -c "iconv -f UTF-8 -t UTF-8 '$TMPD/$name.$fmt.out' >/dev/null &&
			 iconv -f UTF-8 -t UTF-8 '$TMPD/$name.$fmt.err' >/dev/null"
	check "$name $fmt: no control character or bidi mark reaches the output" \
		bash -c "! LC_ALL=C grep -qP '$BAD' '$TMPD/$name.$fmt.out' '$TMPD/$name.$fmt.err'"
}

gen findings rows findings 4000000
gen sockets rows sockets 2000000
gen processes rows processes 1000000
gen fdentries rows fdentries 100000
gen chain chain 262144 200
gen growing growing 262144 200
gen events events 12000
gen strings strings
for name in findings sockets processes fdentries chain growing events strings; do
	for fmt in text json markdown prometheus; do
		replay "$name" "$fmt"
	done
done

# what each refusal says
check "4 Mi findings: refused before decoding, naming the budget" \
	grep -q "would decode to more than the replay budget of 256.0 MiB" "$TMPD/findings.json.err"
check "4 Mi findings: exit 1, nothing decoded" \
	grep -q "no sample could be decoded" "$TMPD/findings.json.err"
check "a chain of 200 deltas over 262144 sockets: stops when the file's budget is spent" \
	grep -q "the replay budget of 4096.0 MiB for this file is spent" "$TMPD/chain.json.err"
check "the chain: samples before the stop were printed" \
	test "$(wc -l <"$TMPD/chain.json.out")" -ge 2
check "growing deltas: stop the same way" \
	grep -q "for this file is spent" "$TMPD/growing.markdown.err"
check "100k fd entries fit the default budget (exit 0)" \
	bash -c "'$LEAKTOP' --replay '$TMPD/fdentries.ltrec' --format json >/dev/null 2>&1"
check "--replay-budget 4M refuses them, naming 4.0 MiB" \
	bash -c "'$LEAKTOP' --replay '$TMPD/fdentries.ltrec' --replay-budget 4M --format json 2>&1 >/dev/null |
		 grep -q 'would decode to more than the replay budget of 4.0 MiB'"
check "--replay-budget needs --replay (exit 2)" \
	bash -c "'$LEAKTOP' -b -n 1 --replay-budget 1G >/dev/null 2>&1; test \$? = 2"
check "--replay-budget rejects a non-size (exit 2, one line)" \
	bash -c "'$LEAKTOP' --replay '$TMPD/chain.ltrec' --replay-budget lots 2>&1 >/dev/null |
		 grep -q \"^leaktop: --replay-budget: 'lots' is not a size\""

# many distinct findings (issue 25): every format exports them all, with
# their links (the links cost F log F, not F^2: bench/run.sh times it)
gen manyfindings findings 65536
check "manyfindings: the file is under 100 KB" \
	test "$(stat -c %s "$TMPD/manyfindings.ltrec")" -lt 102400
for fmt in text json markdown prometheus; do
	replay manyfindings "$fmt"
done
check "manyfindings json: every finding, with its links" \
	bash -c "jq -e '.findings | length == 65536 and (.[0].causes | length) > 0' \
		'$TMPD/manyfindings.json.out' >/dev/null"

# strings: every field was hostile; nothing forged a line of its own
for fmt in text markdown prometheus; do
	check "strings $fmt: the injected newline did not start a line" \
		bash -c "! grep -q '^INJECTED-LINE' '$TMPD/strings.$fmt.out'"
done
check "strings json: the finding's summary survives, escaped" \
	bash -c "jq -r '.findings[0].summary' '$TMPD/strings.json.out' | grep -q 'INJECTED-LINE'"
check "strings text: the escape shows as visible text" \
	grep -qF '\x1b]0;pwned' "$TMPD/strings.text.out"

# SIGTERM in the middle of a long decode: with no budget the chain would
# take many seconds; the replay stops at the next 4096 rows
"$LEAKTOP" --replay "$TMPD/chain.ltrec" --replay-budget none --format json \
	>"$TMPD/term.out" 2>"$TMPD/term.err" &
pid=$!
for _ in $(seq 1 300); do
	[ -s "$TMPD/term.out" ] && break
	sleep 0.1
done
kill -TERM "$pid"
for _ in $(seq 1 300); do
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
if kill -0 "$pid" 2>/dev/null; then
	fail "SIGTERM: the replay still runs 30 s later"
	kill -KILL "$pid"
fi
wait "$pid"
rc=$?
check "SIGTERM: exit 1 (exit $rc)" test "$rc" = 1
check "SIGTERM: says where it stopped" grep -qE "interrupted at sample [0-9]+ of 201" "$TMPD/term.err"
n=$(grep -oE "interrupted at sample [0-9]+" "$TMPD/term.err" | grep -oE "[0-9]+$")
check "SIGTERM: it stopped before the end (sample ${n:-?} of 201)" test "${n:-201}" -lt 201

finish
