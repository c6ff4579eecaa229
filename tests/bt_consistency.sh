#!/bin/bash
# One session, every view of it agrees (issues 24 and 25): a recording of
# three real leakers (a UDP reader that never reads, a ghost-socket leaker
# heading for its fd limit, a server that stopped reading twelve clients)
# is replayed through the UI's Findings pane (tmux), batch text, JSON,
# Prometheus and the Markdown postmortem.  Each must list the same open
# problems, in the same order, with the same severity, kind, subject and
# suggested action; the UI's abbreviated summary keeps only words of the
# sentence the exports print; and the postmortem's problems still there at
# the end are the same ones with the same severities.  Scoped to the
# leakers' pids (-p), so it runs beside the other tests.
. "${TESTS_SRC:-$(dirname "$0")}/lib.sh"
. "${TESTS_SRC:-$(dirname "$0")}/tmux.sh"
need_root
need_cmd jq
need_cmd tmux
L="$TESTS_BIN/leakers"
# same A B: the two lists are equal; else their diff in the log
same() { diff "$1" "$2" >&2; }

start_bg udp "$L/leak_udp" --seconds 120
start_bg gh "$L/leak_ghost" --seconds 120 --limit 400
start_bg ts "$L/leak_tcpstall" --mode orphans --count 12 --seconds 120
R="$TMPD/session.ltrec"
"$LEAKTOP" -b -n 10 -d 0.5 -p "$udp_pid,$gh_pid,$ts_pid" --record "$R" \
	>/dev/null 2>"$TMPD/rec.err"
check "the session is recorded" test -s "$R"
# the recording is the input from here on: the leakers may go
stop_bg "$udp_bgpid" "$gh_bgpid" "$ts_bgpid" 2>/dev/null

"$LEAKTOP" --replay "$R" -b --format json 2>/dev/null | jq -s 'last' >"$TMPD/last.json"
"$LEAKTOP" --replay "$R" -b 2>/dev/null >"$TMPD/all.txt"
"$LEAKTOP" --replay "$R" -b --format prometheus 2>/dev/null >"$TMPD/out.prom"
"$LEAKTOP" --replay "$R" -b --format markdown 2>/dev/null >"$TMPD/out.md"

# JSON: the reference list, one line per open problem:
# severity kind pid fd action
jq -r '.findings[] | select(.state != "resolved") |
	"\(.severity) \(.kind) \(.pid // -1) \(.fd // -1) \(.suggested_action // "-")"' \
	"$TMPD/last.json" >"$TMPD/ref"
n=$(wc -l <"$TMPD/ref")
echo "   the problems at the last sample (JSON):"; sed 's/^/     /' "$TMPD/ref"
check "the three leakers make problems ($n)" test "$n" -ge 3
check "... fd exhaustion among them, first" bash -c "head -1 '$TMPD/ref' | grep -q ' fd_exhaustion '"
check "... the never-read UDP queue among them" grep -q " unread_queue $udp_pid " "$TMPD/ref"

# text: the last sample's FINDINGS block, in order, with its sentences
awk '/^FINDINGS/ { n++; delete s; k = 0 } n { s[++k] = $0 } END { for (i = 1; i <= k; i++) print s[i] }' \
	"$TMPD/all.txt" >"$TMPD/last.txt"
jq -r '.findings[] | select(.state != "resolved") | "\(.severity) \(.summary)"' \
	"$TMPD/last.json" >"$TMPD/ref.sentences"
# (text tags a finding's state before its sentence: "(suspected)")
sed -n 's/^  \(critical\|warning\|info\) *\(([a-z, ]*) \)\{0,1\}\(.*\)$/\1 \3/p' \
	"$TMPD/last.txt" >"$TMPD/txt.sentences"
check "text: the same problems, order, severities and sentences as JSON" \
	same "$TMPD/ref.sentences" "$TMPD/txt.sentences"

# Prometheus: one leaktop_finding series per open problem, in the same order
sed -n 's/^leaktop_finding{kind="\([^"]*\)",severity="\([^"]*\)",.*pid="\([^"]*\)",fd="\([^"]*\)".*/\2 \1 \3 \4/p' \
	"$TMPD/out.prom" >"$TMPD/prom"
cut -d' ' -f1-4 "$TMPD/ref" >"$TMPD/ref4"
check "Prometheus: the same problems, order, severities and subjects" \
	same "$TMPD/ref4" "$TMPD/prom"
for sev in critical warning info; do
	# the counts are of open problems: a working mitigation is apart
	want=$(jq --arg s "$sev" '[.findings[] | select(.state != "resolved" and .severity == $s and
		(.state != "mitigated" or .mitigation.check == "not working"))] | length' "$TMPD/last.json")
	got=$(sed -n "s/^leaktop_findings{severity=\"$sev\"} //p" "$TMPD/out.prom")
	check "Prometheus: leaktop_findings{severity=\"$sev\"} is $want ($got)" test "$got" = "$want"
done

# the UI: the replay at its last sample, the Findings pane
tmux_start r 160x50 LC_ALL=C.UTF-8 "$LEAKTOP" --replay "$R"
check "UI: the replay opens" wait_for r grep -q 'REPLAY'
for _ in $(seq 1 15); do keys r t; done
samples=$(jq -s length < <("$LEAKTOP" --replay "$R" -b --format json 2>/dev/null))
check "UI: at the last sample ($samples)" wait_for r grep -q "sample $samples/$samples"
keys r 3
check "UI: the Findings pane" wait_for r grep -q '^SEVERITY STATE'
# rows: SEVERITY STATE KIND PID/FD COMMAND ACTION SUMMARY, cut at the
# header's columns (a state may be two words: "no effect")
awk 'function col(n,   i) { i = index(hdr, n); return i }
     function cell(a, b) { return substr($0, a, b - a) }
     /^SEVERITY STATE/ { hdr = $0; f = 1; next }
     f && $1 ~ /^(critical|warning|info)$/ {
	k = cell(col("KIND"), col("PID/FD")); p = cell(col("PID/FD"), col("COMMAND"));
	a = cell(col("ACTION"), col("SUMMARY")); gsub(/ /, "", k); gsub(/ /, "", p); gsub(/ /, "", a);
	split(p, pf, "/"); fd = (pf[2] == "" ? -1 : pf[2]);
	print $1, k, pf[1], fd, a }' <(LC_ALL=C.UTF-8 sed 's/[^ -~]/~/g' "$TMPD/screen") >"$TMPD/ui"
# a kind too long for its column is cut with an ellipsis (read as "~"
# above, one column like every character outside ASCII): cut the
# reference's the same way
paste -d'|' "$TMPD/ref" "$TMPD/ui" | while IFS='|' read -r a b; do
	set -- $a; k=$2
	set -- $b
	case "$2" in *~) k="${k:0:$((${#2} - 1))}~" ;; esac
	set -- $a
	echo "$1 $k $3 $4 $5"
done >"$TMPD/ref.ui"
check "UI: the same problems, order, severities, subjects and actions as JSON" \
	same "$TMPD/ref.ui" "$TMPD/ui"
# the UI's summary is cut and abbreviated to fit, never given other
# figures: every figure on the row (a count, a size, a time) is one of the
# sentence JSON and text print
# (the row leads with the unit or container that holds the finding, as
# JSON names it: its figures are that name's)
jq -r '.findings[] | select(.state != "resolved") | "\(.severity) \(if .cgroup != null and
	.cgroup.path != "/" then .cgroup.name + ": " else "" end)\(.summary)"' \
	"$TMPD/last.json" >"$TMPD/ref.named"
col=$(awk '/^SEVERITY STATE/ { print index($0, "SUMMARY"); exit }' "$TMPD/screen")
i=0
bad=0
while IFS= read -r row; do
	i=$((i + 1))
	sentence=$(sed -n "${i}p" "$TMPD/ref.named")
	summary=$(cut -c "$col"- <<<"$row")
	while IFS= read -r fig; do
		case " $sentence" in
		*"$fig"*) ;;
		*) echo "   row $i: the figure '$fig' is not in '$sentence'" >&2; bad=$((bad + 1)) ;;
		esac
	done < <(grep -oE '[0-9]+(\.[0-9]+)?( ?[KMGT]iB| B\b)?' <<<"$summary")
done < <(awk 'f && $1 ~ /^(critical|warning|info)$/ { print } /^SEVERITY STATE/ { f = 1 }' "$TMPD/screen")
check "UI: every figure of a summary is the exports' ($bad differ)" \
	test "$bad" = 0
keys r q

# the postmortem: its problems still there at the end (each under
# "Problems", heading and outcome; the summary lists only the first ten)
# are the same ones with the same severities and sentences
awk '/^### [0-9]+\. (critical|warning|info): / { h = $0; sub(/^### [0-9]+\. /, "", h); sub(/: /, " ", h) }
     /^- outcome: (mitigated, |no effect, )?still there at the end/ && h != "" { print h; h = "" }' \
	"$TMPD/out.md" | sort >"$TMPD/md.open"
sort "$TMPD/ref.sentences" >"$TMPD/ref.sorted"
check "Markdown: the problems still there at the end are the same, with the same severities" \
	same "$TMPD/ref.sorted" "$TMPD/md.open"
finish
