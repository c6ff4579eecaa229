#!/bin/bash
# The benchmark works (issue 9): bench/run.sh --smoke runs every command on
# a tiny load and writes a report with every row.  No figure is judged here:
# CI machines are too noisy for timing assertions.
. "${TESTS_SRC:-$(dirname "$0")}/lib.sh"
need_root
need_cmd ss
need_cmd lsof
[ -x /usr/bin/time ] || skip_test "needs /usr/bin/time (package time)"
RUN="${TESTS_SRC:-$(dirname "$0")}/../bench/run.sh"
[ -f "$RUN" ] || skip_test "no bench/run.sh beside the tests"

args=(--smoke --leaktop "$LEAKTOP" --report "$TMPD/report.md")
# the built load generator if there is one; run.sh builds it otherwise
[ -x "$TESTS_BIN/../bench/loadgen" ] && args+=(--loadgen "$TESTS_BIN/../bench/loadgen")
[ -x "$TESTS_BIN/../bench/forker" ] && args+=(--forker "$TESTS_BIN/../bench/forker")
have_top=0
command -v top >/dev/null && have_top=1
[ "$have_top" = 1 ] || args+=(--proc-scales "")
bash "$RUN" "${args[@]}" >"$TMPD/out" 2>"$TMPD/err"
rc=$?
check "run.sh --smoke exits 0" test "$rc" = 0
[ "$rc" = 0 ] || { cat "$TMPD/err"; tail -20 "$TMPD/out"; }
check "a report was written" test -s "$TMPD/report.md"
R="$TMPD/report.md"
check "report names the machine" grep -q '^- machine: [0-9]* CPUs, .*kernel ' "$R"
for row in '| `leaktop -b -n 1` (cold) |' ' (steady) |' '| `ss -anp` |' '| `ss -anpm` |' \
	'| `lsof -n -P` |' '| `LEAKTOP_FALLBACKS=bpf leaktop -b -n 1` (cold, no BPF: /proc and sock_diag) |' \
	'| `ss -tan` (TCP, no owners) |'; do
	check "report has the row $row" grep -qF -- "$row" "$R"
done
check "steady row gives CPU per sample" grep -q 'steady.*s CPU per sample' "$R"
# issue 27: the light samples the UI takes, and the goals judged per scale
check "light rows give CPU per light sample" grep -q '(light) .*s CPU per light sample' "$R"
check "the first light sample's row" grep -q 'the first light sample) .*s CPU for the first light sample' "$R"
check "issue 27's goals section" grep -q '^### Issue 27 goals over the socket scales' "$R"
check "issue 27: cold against ss -tan, judged" grep -qE \
	'^- 200 sockets: cold wall / `ss -tan` ([0-9.]+|-1\.00)' "$R"
check "issue 27: RSS per socket, judged" grep -qE \
	'^- 200 sockets: peak RSS per socket [0-9]+ B \(full census\), [0-9]+ B \(light\) \(<= 200: ' "$R"
# a ratio is "-" when ss took less than /usr/bin/time's 10 ms
check "ratios to ss -anp" grep -qE '^Ratios leaktop / `ss -anp`: cold wall ([0-9.]+|-), ' "$R"
check "ratios of the cold sample with and without BPF, and to ss -tan" grep -qE \
	'^Cold sample, owners through BPF / from /proc \(LEAKTOP_FALLBACKS=bpf\): wall ([0-9.]+|-), .*`ss -tan`' "$R"
check "no row FAILED" bash -c "! grep -q FAILED '$R'"
if command -v tmux >/dev/null; then
	check "report has the UI row" grep -q '^| leaktop UI in tmux.*% of one core' "$R"
	check "report has the UI rows with moving sockets" \
		bash -c "grep -c '^| leaktop UI, the same with 4 moving .* % of one core' '$R' | grep -qx 2"
fi
# thousands of processes, as few in --smoke (issue 14): top's rows beside ours
if [ "$have_top" = 1 ]; then
	check "report has the process-scale section" grep -q '^### 200 sleeping processes' "$R"
	check "report has the row | \`top -b -n 1\` |" grep -qF -- '| `top -b -n 1` |' "$R"
	check "ratios to top" grep -qE \
		'^Ratios at 200 processes: cold sample wall leaktop / `top -b -n 1` ([0-9.]+|-)' "$R"
	if command -v tmux >/dev/null; then
		check "report has top's UI row" grep -q "^| top's UI, \`top -d 1\` in tmux.*% of one core" "$R"
		check "UI ratio to top" grep -qE 'UI CPU leaktop / `top -d 1` ([0-9.]+|-)' "$R"
	fi
fi
check "every row has figures" bash -c \
	"! grep '^| \`' '$R' | awk -F'|' '\$3 !~ /[0-9]/ || \$4 !~ /[0-9]/ || \$5 !~ /[0-9]/' | grep -q ."
finish
