#!/bin/bash
# Recording and replay in the interactive UI, driven inside tmux and read
# back with capture-pane: a live leak_udp recorded with -b replays in the UI
# (REPLAY badge, "sample i/N", the recorded time, t/T stepping, the leaker's
# socket with its recorded pid, ] to a finding, no actions, the socket's
# recorded history, fd tables not recorded); the UI records with --record
# (RECORDING badge, an 'm' note, a clean close on q and on SIGTERM) and the
# note is in the replay's events list and the markdown export; a file cut
# mid-frame opens with a warning; random bytes exit 1 with one line and the
# terminal restored.  Every wait polls the screen with a bound; nothing is
# timed.
# start_bg sets udp_pid, udp_fd, udp_inode
# shellcheck disable=SC2154
. "${TESTS_SRC:-$(dirname "$0")}/lib.sh"
need_root
need_cmd jq
L="$TESTS_BIN/leakers"
. "$TESTS_SRC/tmux.sh"

top_line() { head -1 | grep -Eq -- "$1"; }
# start SESSION CMD...: in a new 110x30 tmux session; status to SESSION.exit
start() {
	local s=$1; shift
	tmux_start "$s" 110x30 LC_ALL=C.UTF-8 "$@"
}
# the recorded time shown in the header
shown_time() { head -1 "$TMPD/screen" | grep -Eo '[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8}'; }

start_bg udp "$L/leak_udp" --interval-ms 20 --seconds 90

# --- a recording made with -b, replayed in the UI ----------------------------
F="$TMPD/s.ltrec"
"$LEAKTOP" -b -n 5 -d 1 --record "$F" --format json >"$TMPD/live.json" 2>"$TMPD/live.err" ||
	{ fail "recording run: $(cat "$TMPD/live.err")"; finish; }

start rp "$LEAKTOP" --replay "$F"
check "replay: the REPLAY badge" wait_for rp top_line "REPLAY"
check "replay: it opens on the first sample (1/5)" wait_for rp top_line "sample 1/5"
check "replay: no LIVE badge" bash -c "! head -1 '$TMPD/screen' | grep -q LIVE"
# the machine in the header is the one the recording names, with the
# uptime it had then (from the recording, not from this machine)
rec_host=$("$LEAKTOP" --replay "$F" -b -n 1 --format text 2>/dev/null |
	sed -n '1s/.* samples recorded on \(.*\) (kernel .*/\1/p')
check "replay: the header names the recorded host ($rec_host) and its uptime" \
	bash -c "[ -n '$rec_host' ] && head -1 '$TMPD/screen' | grep -qF -- 'leaktop $rec_host  ' &&
		head -1 '$TMPD/screen' | grep -Eq -- '  up [0-9]'"
t1=$(shown_time)
keys rp t
check "t: the next sample (2/5)" wait_for rp top_line "sample 2/5"
t2=$(shown_time)
check "the recorded time changes with the sample" test -n "$t1" -a -n "$t2" -a "$t1" != "$t2"
check "the time shown is the recorded one" \
	bash -c "[ \"$t2\" = \"\$(date -d @\$(jq -r 'select(.seq == 2) | .time | floor' '$TMPD/live.json') '+%Y-%m-%d %H:%M:%S')\" ]"
keys rp T
check "T: back to sample 1/5" wait_for rp top_line "sample 1/5"
keys rp t t t t t
check "t stops at the last sample (5/5)" wait_for rp top_line "sample 5/5"
# The Memory pane, opened for the first time at 5/5, has the history of
# the samples shown before (core's one memory series, as the header's
# sparklines): a CHANGE on the unaccounted line.  Back on sample 1 the
# series is the first sample's alone: no CHANGE, not samples 1-5 mixed.
keys rp 4
check "replay Memory pane: the unaccounted line has a CHANGE over the samples shown" \
	wait_for rp grep -Eq "^ +unaccounted +[-0-9.]+[A-Za-z]* +[-0-9.]+% +[-+][0-9]"
keys rp g + 0 Enter
wait_for rp top_line "sample 1/5" >/dev/null
check "replay Memory pane: back on sample 1, no CHANGE (one point)" \
	wait_for rp grep -Eq "^ +unaccounted +[-0-9.]+[A-Za-z]* +[-0-9.]+% *\$"
keys rp t t t t t
wait_for rp top_line "sample 5/5" >/dev/null
keys rp 1
check "Sockets lists the leaker's socket with the recorded pid" \
	wait_for rp grep -Eq "^$udp_pid/$udp_fd +leak_udp +udp "
keys rp g + 0 Enter
check "g +0: the first sample" wait_for rp top_line "sample 1/5"
keys rp ']'
check "]: jumps to a sample with a finding" wait_for rp has "* finding here:"
n=$(head -1 "$TMPD/screen" | grep -Eo 'sample [0-9]+/5' | grep -Eo '[0-9]+/' | tr -d /)
check "] landed on a sample the recording has a finding for" \
	test "$(jq -r "select(.seq == ${n:-0}) | .findings | length" "$TMPD/live.json")" -gt 0
keys rp a
check "a: actions are not available in replay" wait_for rp has "replay: actions are not available"
keys rp A
check "A: the same" wait_for rp has "replay: actions are not available"
keys rp 1 t t t t
wait_for rp top_line "sample 5/5" >/dev/null
keys rp / "$udp_pid/" Enter
wait_for rp has "F1Help" >/dev/null
keys rp Enter
check "Enter: the replayed socket's details" wait_for rp has "inode $udp_inode"
check "the socket's queue history comes from the recording" \
	wait_for rp grep -Eq "queue .* [2-5] samples,"
keys rp Enter
check "the fd table of a process is not recorded" wait_for rp has "fd tables are not recorded"
keys rp q
check "replay: q exits 0" wait_for rp grep -qx "EXIT=0" "$TMPD/rp.exit"

# --- recording in the UI, with a note ----------------------------------------
F2="$TMPD/ui.ltrec"
start rec "$LEAKTOP" --record "$F2" -d 1
check "record: the RECORDING badge" wait_for rec top_line "LIVE +RECORDING"
keys rec m
check "m: the note prompt" wait_for rec has "Note:"
keys rec "restarted the consumer at 12:00" Enter
check "the note is confirmed" wait_for rec has "note saved at"
check "a few samples are recorded" wait_for rec bash -c \
	"[ \"\$('$LEAKTOP' -b --replay '$F2' --format json 2>/dev/null | wc -l)\" -ge 4 ]"
keys rec q
check "record: q exits 0" wait_for rec grep -qx "EXIT=0" "$TMPD/rec.exit"
"$LEAKTOP" -b --replay "$F2" --format json >"$TMPD/ui.json" 2>"$TMPD/ui.err"
check "the UI's recording replays without a warning (closed cleanly)" test ! -s "$TMPD/ui.err"
check "the UI's recording has the samples" test "$(wc -l <"$TMPD/ui.json")" -ge 4
check "the UI's recording has the leaker" \
	jq -s -e --argjson i "$udp_inode" 'any(.[] | select(.seq >= 2); any(.sockets[]; .inode == $i))' \
	"$TMPD/ui.json"
"$LEAKTOP" -b --replay "$F2" --format markdown >"$TMPD/ui.md"
check "the markdown export has the note" grep -q "restarted the consumer at 12:00" "$TMPD/ui.md"

start rp2 "$LEAKTOP" --replay "$F2"
check "replay of the UI's recording" wait_for rp2 top_line "REPLAY"
keys rp2 E
check "E: the events list shows the note" \
	wait_for rp2 grep -Eq "note +restarted the consumer at 12:00"
keys rp2 q
wait_for rp2 grep -qx "EXIT=0" "$TMPD/rp2.exit" >/dev/null

start m "$LEAKTOP" -d 1
check "m without --record" wait_for m has "F1Help"
keys m m
check "m without --record: not recording" wait_for m has "not recording"
keys m q

# SIGTERM closes the recording cleanly too
F3="$TMPD/term.ltrec"
start term "$LEAKTOP" --record "$F3" -d 1
wait_for term top_line "RECORDING" >/dev/null
wait_for term bash -c "[ \"\$('$LEAKTOP' -b --replay '$F3' --format json 2>/dev/null | wc -l)\" -ge 2 ]" >/dev/null
kill -TERM "$(pgrep -P "$(cat "$TMPD/term.pid")" leaktop)"
check "SIGTERM: exit 0" wait_for term grep -qx "EXIT=0" "$TMPD/term.exit"
"$LEAKTOP" -b --replay "$F3" --format json >/dev/null 2>"$TMPD/term.err"
check "SIGTERM: the recording was closed cleanly" test ! -s "$TMPD/term.err"

# --- damage ------------------------------------------------------------------
# Cut inside the last sample frame: frames start with the magic "LTFR"; the
# last one is the end frame, the one before it the fifth sample.  A fixed
# fraction of the size is not enough: the first keyframe's share of the file
# depends on how many sockets the machine has.
offs=$(grep -obUa LTFR "$F" | cut -d: -f1)
last_sample=$(echo "$offs" | tail -2 | head -1)
head -c $((last_sample + 40)) "$F" >"$TMPD/cut.ltrec"
start cut "$LEAKTOP" --replay "$TMPD/cut.ltrec"
check "a cut file opens" wait_for cut top_line "REPLAY"
check "a cut file: the warning on the status line" \
	wait_for cut bash -c "tail -1 '$TMPD/screen' | grep -q 'cut short: '"
# the reader's warnings come after the events, which a recording of a
# busy machine (other tests' leakers) may have more of than a screen holds
keys cut E End
check "a cut file: E lists the warning" wait_for cut grep -Eq "^- +- +warning "
keys cut q
check "a cut file: exit 0" wait_for cut grep -qx "EXIT=0" "$TMPD/cut.exit"

# cut inside the first keyframe: nothing to show, one line and exit 1
first=$(echo "$offs" | head -1)
head -c $((first + 40)) "$F" >"$TMPD/cut1.ltrec"
start cut1 "$LEAKTOP" --replay "$TMPD/cut1.ltrec"
check "no whole sample: exit 1" wait_for cut1 grep -qx "EXIT=1" "$TMPD/cut1.exit"
check "no whole sample: it says so" grep -q "no readable sample" "$TMPD/cut1.err"
"$LEAKTOP" -b --replay "$TMPD/cut1.ltrec" >/dev/null 2>"$TMPD/cut1b.err"
check "no whole sample, batch: exit 1" test $? = 1
check "no whole sample, batch: it says so" grep -q "no readable sample" "$TMPD/cut1b.err"

head -c 4096 /dev/urandom >"$TMPD/random.bin"
start rnd "$LEAKTOP" --replay "$TMPD/random.bin"
check "random bytes: exit 1" wait_for rnd grep -qx "EXIT=1" "$TMPD/rnd.exit"
check "random bytes: one line on stderr" test "$(wc -l <"$TMPD/rnd.err")" = 1
check "random bytes: it says so" grep -q "random.bin: .*" "$TMPD/rnd.err"
check "random bytes: the terminal is left as it was (no alternate screen)" \
	bash -c "[ \"\$($TM display-message -p -t rnd '#{alternate_on}')\" = 0 ]"

# --cgroup on a recording without cgroups: the UI and batch read a
# recording one way (source_replay_reader), and say the same
V40="$TESTS_SRC/fixtures/recordings/v4.0.ltrec"
"$LEAKTOP" -b --replay "$V40" --cgroup /g0 >/dev/null 2>"$TMPD/v40b.err"
check "--cgroup, a 4.0 recording, batch: exit 1" test $? = 1
check "--cgroup, a 4.0 recording, batch: it says why" \
	grep -q "v4.0.ltrec: --cgroup: the recording carries no cgroups (written before format 4.1" \
	"$TMPD/v40b.err"
start v40 "$LEAKTOP" --replay "$V40" --cgroup /g0
check "--cgroup, a 4.0 recording, UI: exit 1" wait_for v40 grep -qx "EXIT=1" "$TMPD/v40.exit"
check "--cgroup, a 4.0 recording, UI: the same line" cmp "$TMPD/v40b.err" "$TMPD/v40.err"
if [ -x "$TESTS_BIN/gen_recording" ] && "$TESTS_BIN/gen_recording" "$TMPD/deep.ltrec" cgroups 1000; then
	# 4.1, but its cgroups do not decode: known at the first sample
	"$LEAKTOP" -b --replay "$TMPD/deep.ltrec" --cgroup /g0 >/dev/null 2>"$TMPD/deepb.err"
	start deep "$LEAKTOP" --replay "$TMPD/deep.ltrec" --cgroup /g0
	check "--cgroup, cgroups that do not decode, UI: exit 1" \
		wait_for deep grep -qx "EXIT=1" "$TMPD/deep.exit"
	check "--cgroup, cgroups that do not decode: UI and batch say the same" \
		bash -c "grep -q 'or they do not decode' '$TMPD/deep.err' &&
			 cmp '$TMPD/deep.err' '$TMPD/deepb.err'"
fi

finish
