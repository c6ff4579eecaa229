#!/bin/bash
# The postmortem reads as a story (issue 24), from a session recorded in
# the UI against real leakers: a ghost-socket leaker heading for its fd
# limit, a UDP reader that never reads (drop-filter applied from the UI,
# then an operator's note), a process with a hostile name, and a second
# UDP reader killed as soon as its finding shows, a flicker.  The Markdown
# export:
# - names the fd exhaustion first, in the headline and the summary, before
#   any warning;
# - lists the flicker under "Brief conditions", never as a problem;
# - gives the complete undo command of the drop filter, which, run as
#   printed, takes the filter off the leaker's socket;
# - has the note once, in the timeline;
# - puts no backslash into running text where Markdown needs none, and
#   keeps every table's rows as wide as its header whatever the names.
# The UI is restricted to the leakers' pids (-p), so the test runs beside
# the others.  Every wait polls with a bound; nothing is timed.
# start_bg sets NAME_pid, NAME_fd, NAME_inode
# jq, sed and awk programs are quoted on purpose; the helpers run through check and poll
# shellcheck disable=SC2154,SC2016,SC2317
. "${TESTS_SRC:-$(dirname "$0")}/lib.sh"
need_root
need_cmd jq
L="$TESTS_BIN/leakers"
. "$TESTS_SRC/tmux.sh"
AUDIT="$TMPD/audit.log"
F="$TMPD/session.ltrec"
MD="$TMPD/pm.md"

start_bg ghost "$L/leak_ghost" --interval-ms 100 --limit 400 --seconds 120
start_bg udp "$L/leak_udp" --interval-ms 20 --seconds 120
start_bg esc "$L/leak_escname" --seconds 120
start_bg fl "$L/leak_udp" --interval-ms 2 --seconds 120

# the recorded findings so far, one JSON sample per line
recorded() { "$LEAKTOP" -b --replay "$F" --format json 2>/dev/null; }
# a recorded sample has a finding about pid $1
has_finding() { recorded | jq -e --argjson p "$1" 'select(any(.findings[]; .pid == $p))' >/dev/null; }
# the last recorded sample has none about pid $1
gone() { recorded | tail -1 | jq -e --argjson p "$1" 'all(.findings[]; .pid != $p)' >/dev/null; }
# a recorded sample has pid $1's finding of kind $2, confirmed
confirmed() {
	recorded | jq -e --argjson p "$1" --arg k "$2" \
		'select(any(.findings[]; .pid == $p and .kind == $k and .state == "confirmed"))' >/dev/null
}
poll() { # poll CMD...: up to 30 s
	local _
	for _ in $(seq 1 150); do "$@" && return 0; sleep 0.2; done
	return 1
}

# confirm_samples=8: the flicker is killed within its first samples, well
# before it could be confirmed, however loaded the machine is
tmux_start ui 160x40 LC_ALL=C.UTF-8 "$LEAKTOP" -d 1 \
	-p "$ghost_pid,$udp_pid,$esc_pid,$fl_pid" --threshold confirm_samples=8 \
	--audit-log "$AUDIT" --record "$F"
check "ui: records" wait_for ui grep -q "RECORDING"
check "the flicker's finding is recorded" poll has_finding "$fl_pid"
stop_bg "$fl_bgpid"
check "the flicker is gone from a later sample" poll gone "$fl_pid"
check "ui: the leaker's finding" wait_for ui grep -Eq "unread_queue +$udp_pid/$udp_fd +leak_udp"
keys ui / "$udp_pid/$udp_fd" Enter
wait_for ui has "F1Help" >/dev/null
keys ui Enter
check "Enter: the finding's evidence" wait_for ui has "Safe action: drop-filter"
keys ui a
check "a: drop-filter, pre-selected" wait_for ui grep -Eq "> drop-filter +ready"
keys ui y
check "y: drop-filter done" wait_for ui has "Result: done: attached a drop-all filter"
keys ui Escape
keys ui m
check "m: the note prompt" wait_for ui has "Note:"
keys ui "filtered the friend_push socket; owners paged" Enter
check "the note is saved" wait_for ui has "note saved at"
check "the fd exhaustion is recorded, confirmed" poll confirmed "$ghost_pid" fd_exhaustion
keys ui q
check "ui: q exits 0" poll grep -qsx "EXIT=0" "$TMPD/ui.exit"

"$LEAKTOP" -b --replay "$F" --format markdown >"$MD" 2>"$TMPD/md.err"
check "the export exits 0, silent" test $? = 0 -a ! -s "$TMPD/md.err"

# --- problems first, worst first ---------------------------------------------
# the sections, one file each: summary, timeline, brief
section() { awk -v h="## $1" '/^## / { on = ($0 == h) } on' "$MD" >"$TMPD/$2"; }
section Summary summary
section Timeline timeline
section "Brief conditions" brief
ghost_fd="leak_ghost (pid $ghost_pid) will run out of file descriptors"
check "the headline names the fd exhaustion as the worst" \
	grep -qF "The worst: critical: $ghost_fd" "$MD"
check "the summary's first problem is the fd exhaustion" \
	bash -c "grep -E '^[0-9]+\. ' '$TMPD/summary' | head -1 | grep -qF '1. critical: $ghost_fd'"
check "no warning before a critical in the summary" \
	bash -c "! grep -E '^[0-9]+\. (warning|critical)' '$TMPD/summary' | cut -d' ' -f2 |
		uniq | tr '\n' ' ' | grep -q 'warning.*critical'"
check "the problems section starts with it too" grep -qF "### 1. critical: $ghost_fd" "$MD"
check "the UDP leak is a problem" grep -Eq "^### [0-9]+\. (warning|critical).*leak_udp \(pid $udp_pid, fd $udp_fd\)" "$MD"

# --- the flicker is not a problem --------------------------------------------
check "the flicker is no problem heading" bash -c "! grep -q '^### .*(pid $fl_pid' '$MD'"
check "nor in the summary" bash -c "! grep -q '(pid $fl_pid' '$TMPD/summary'"
check "nor in the timeline" bash -c "! grep -q '(pid $fl_pid' '$TMPD/timeline'"
check "it is listed under Brief conditions" grep -qF "leak_udp (pid $fl_pid, fd $fl_fd)" "$TMPD/brief"
check "the headline counts it apart" grep -Eq "^[0-9]+ brief conditions? \(seen for a moment" "$MD"

# --- the undo command is complete, and works as printed -------------------------
undo=$(grep -o "undo: \`leaktop --act undo-filter --pid $udp_pid [^\`]*\`" "$MD" | head -1 |
	sed 's/^undo: `//; s/`$//')
check "the undo command names fd, inode and --yes ($undo)" \
	test "$undo" = "leaktop --act undo-filter --pid $udp_pid --fd $udp_fd --inode $udp_inode --yes"
check "no placeholder in any command" bash -c "! grep -qF -- '--fd ...' '$MD'"
filter_of() {
	"$LEAKTOP" --act undo-filter --pid "$udp_pid" --fd "$udp_fd" --format json 2>/dev/null |
		jq -r '.before.filter // "?"'
}
check "the filter is on before the undo" test "$(filter_of)" = drop-all
# shellcheck disable=SC2086
"$LEAKTOP" ${undo#leaktop } --audit-log "$AUDIT" --format json >"$TMPD/undo.json" 2>&1
check "the printed undo command runs: done" jq -e '.outcome == "done"' "$TMPD/undo.json"
check "and the filter is off" test "$(filter_of)" = none

# --- notes once, in time order ------------------------------------------------
check "the note appears once" \
	test "$(grep -c 'filtered the friend_push socket; owners paged' "$MD")" = 1
check "in the timeline" \
	grep -Eq '^- [0-9:]{8} note: filtered the friend_push socket; owners paged$' "$TMPD/timeline"
check "the timeline is in time order" \
	bash -c "grep -Eo '^- [0-9:]{8}' '$TMPD/timeline' | sort -c"
check "the action is in the timeline, with its undo" \
	grep -Eq "^- [0-9:]{8} action \`drop-filter\` on pid $udp_pid leak_udp fd $udp_fd: done; undo: " \
	"$TMPD/timeline"

# --- Markdown that reads as written by hand, and holds ---------------------------
# running text: every line outside tables and code spans
grep -v '^|' "$MD" | sed 's/`[^`]*`//g' >"$TMPD/prose"
check "no backslash before . - ( ) # ! in running text" \
	bash -c "! grep -E '\\\\[-.()#!]' '$TMPD/prose'"
grep -nE '\\[-.()#!]' "$TMPD/prose" | head -5
check "process names with underscores stay as they are" \
	bash -c "! grep -qF 'leak\\_' '$MD'"
check "the hostile process is in the processes table" grep -Eq "^\| $esc_pid \| " "$MD"
check "no raw escape byte" bash -c "! grep -q $'\x1b' '$MD'"
# every row of a table has as many cells as its header: count the pipes
# that are not escaped by a backslash
check "every table row is as wide as its header" awk '
	function cells(s,   i, c, n) {
		n = 0
		for (i = 1; i <= length(s); i++) {
			c = substr(s, i, 1)
			if (c == "\\") { i++; continue }
			if (c == "|") n++
		}
		return n
	}
	/^\|/ { n = cells($0); if (!intable) { want = n; intable = 1 }
		else if (n != want) { print NR ": " $0; bad = 1 } next }
	{ intable = 0 }
	END { exit bad }' "$MD"
# for the log: how the report begins and what it counted apart
[ "$FAILS" = 0 ] || { sed -n '1,/^## Problems/p' "$MD"; cat "$TMPD/brief"; }
finish
