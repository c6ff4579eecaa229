#!/bin/bash
# Socket origins (issue 28): where a watched process creates its sockets.
# The ghost leaker built the way distributions build programs (-O2, no
# frame pointers) and stripped gets an origin naming its accept path by
# module and offset, and addr2line on the unstripped copy of that offset
# names main, the function that accepts; the unstripped copy gets it by
# function name.  A UDP socket a watched process creates (leak_udp
# --swap-after-ms) gets its socket() path.  A process no finding names and
# --trace does not name is not watched.  A recording carries the
# origins: the postmortem made from the file names the same path (the UI
# is bt_origin_ui.sh, which runs beside this one).  LEAKTOP_FALLBACKS=bpf gives the
# findings without origins and one line saying why; --read-only and a
# replay load nothing.  Loaded by libbpf instead of the kernel's loader
# program (LEAKTOP_FALLBACKS=bpf_loader), the tracer finds the same accept
# path.  After SIGKILL of a leaktop that had loaded the
# tracer, none of its BPF programs is left.  Everything is scoped to this
# test's own leakers (by pid and inode) and to its own leaktop's programs
# (by id), so it runs beside the others.
# Skips (77) when the build has no origins or the kernel refuses the tracer.
# start_bg sets gh_pid, ud_pid...; jq programs are quoted
# shellcheck disable=SC2154,SC2016
. "${TESTS_SRC:-$(dirname "$0")}/lib.sh"
need_root
need_cmd jq
need_cmd gcc
need_cmd strip
need_cmd addr2line
need_cmd bpftool
L="$TESTS_BIN/leakers"

"$LEAKTOP" -V | grep -q '^  libdw .*socket origins built in' ||
	skip_test "this build has no socket origins (BPF and libdw; see leaktop -V)"

# the ghost leaker as distributions build programs: -O2, no frame
# pointers; one copy keeps its symbols, the other is stripped
gcc -std=gnu11 -O2 -fomit-frame-pointer -o "$TMPD/leak_ghost" \
	"$TESTS_SRC/leakers/leak_ghost.c" || { fail "building the -O2 leaker"; finish; }
cp "$TMPD/leak_ghost" "$TMPD/leak_ghost_stripped" && strip "$TMPD/leak_ghost_stripped"
check "the stripped copy has no .symtab" \
	bash -c "! readelf -S '$TMPD/leak_ghost_stripped' | grep -q '\.symtab'"

# the probe: does this kernel take the tracer?
"$LEAKTOP" -b -n 1 --trace $$ --format json >"$TMPD/probe.json" 2>"$TMPD/probe.err"
if grep -q 'socket origins are off' "$TMPD/probe.err"; then
	skip_test "the kernel refused the origin tracer: $(cat "$TMPD/probe.err")"
fi

# origin ghost|stripped: run leaktop with --trace on a fresh leaker and
# keep its JSON in $TMPD/NAME.json
origin_run() {
	local name=$1 bin=$2
	start_bg "$name" "$bin" --limit 256 --interval-ms 50 --seconds 60
	eval "local pid=\$${name}_pid"
	"$LEAKTOP" -b --trace "$pid" -n 5 -d 1 --format json >"$TMPD/$name.json" \
		2>"$TMPD/$name.lterr"
	check "$name: leaktop exits 0 and says nothing on stderr" \
		bash -c "[ ! -s '$TMPD/$name.lterr' ]"
	# the last sample's ghost finding of the leaker, with its origin
	jq -c --argjson p "$pid" 'select(.seq == 5) | .findings[] |
		select(.pid == $p and .kind == "ghost_sockets")' \
		"$TMPD/$name.json" >"$TMPD/$name.finding"
	check "$name: the ghost finding carries an origin" \
		jq -e '.origin.paths | length >= 1' "$TMPD/$name.finding"
	check "$name: most of its ghosts were accepted on one path" \
		jq -e '.origin.paths[0] | .how == "accept" and .count >= 10' "$TMPD/$name.finding"
	check "$name: the sockets from before --trace are said to be so" \
		jq -e '.origin.before_watch >= 1 and
		       (.origin.note | test("created before leaktop watched it; restart it under watch or keep --serve running"))' \
		"$TMPD/$name.finding"
	check "$name: the next step hands the path to the developers" \
		jq -e 'any(.next_steps[]; test("hand this path to the program.s developers"))' \
		"$TMPD/$name.finding"
	check "$name: the innermost frame is the C library's accept4" \
		jq -e '.origin.paths[0].frames[0] | .function == "accept4" and
		       (.module | test("libc"))' "$TMPD/$name.finding"
}

# --- unstripped: by function name ------------------------------------------------
origin_run ghost "$TMPD/leak_ghost"
check "unstripped: the accept path is main in the leaker, by name" \
	jq -e --arg m "$TMPD/leak_ghost" '.origin.paths[0] | .frames[.first] |
	      .function == "main" and .module == $m' "$TMPD/ghost.finding"
check "unstripped: the sentence names it" \
	jq -e '.origin.paths[0].summary |
	       test("^[0-9]+ of its [0-9]+ ghost sockets were accepted at main \\(leak_ghost\\+0x[0-9a-f]+\\)")' \
	"$TMPD/ghost.finding"

# --- libbpf's loader (LEAKTOP_FALLBACKS=bpf_loader): the same origin ---------------
# the tracer is loaded by the kernel's loader program first; libbpf's
# skeleton is the fallback and must find the same path
start_bg lb "$TMPD/leak_ghost" --limit 256 --interval-ms 50 --seconds 120
LEAKTOP_FALLBACKS=bpf_loader "$LEAKTOP" -b --trace "$lb_pid" -n 5 -d 1 --format json \
	>"$TMPD/lb.json" 2>"$TMPD/lb.err"
stop_bg "$lb_bgpid"
jq -c --argjson p "$lb_pid" 'select(.seq == 5) | .findings[] |
	select(.pid == $p and .kind == "ghost_sockets")' "$TMPD/lb.json" >"$TMPD/lb.finding"
check "libbpf's loader: the ghosts were accepted at main in the leaker, as with the kernel's" \
	jq -e --arg m "$TMPD/leak_ghost" '.origin.paths[0] | .how == "accept" and .count >= 10 and
	      (.frames[.first] | .function == "main" and .module == $m)' "$TMPD/lb.finding"
check "libbpf's loader: stderr says only that bpf_loader is forced" \
	bash -c "[ \$(wc -l <'$TMPD/lb.err') = 1 ] && grep -q 'fallback bpf_loader.*forced' '$TMPD/lb.err'"

# --- stripped: by module, offset and build-id; addr2line gives main -------------------
origin_run stripped "$TMPD/leak_ghost_stripped"
check "stripped: the accept frame is the leaker's module, no function" \
	jq -e --arg m "$TMPD/leak_ghost_stripped" '.origin.paths[0] | .frames[.first] |
	      .function == null and .module == $m and (.build_id | length) == 40' \
	"$TMPD/stripped.finding"
check "stripped: the sentence names module+offset" \
	jq -e '.origin.paths[0].summary |
	       test("were accepted at leak_ghost_stripped\\+0x[0-9a-f]+")' "$TMPD/stripped.finding"
off=$(jq -r '.origin.paths[0] | .frames[.first].offset_hex' "$TMPD/stripped.finding")
check "stripped: addr2line on the unstripped copy names main at that offset ($off)" \
	bash -c "addr2line -f -e '$TMPD/leak_ghost' '$off' | head -1 | grep -qx main"
bid=$(readelf -n "$TMPD/leak_ghost_stripped" | sed -n 's/.*Build ID: //p')
check "stripped: the build-id is the file's" \
	jq -e --arg b "$bid" '.origin.paths[0] | .frames[.first].build_id == $b' \
	"$TMPD/stripped.finding"
# the text and Markdown outputs say the same, with the addr2line line.
# Each on a fresh copy of the leaker: the first one reaches its fd limit
# (256 at 20 a second) within seconds, and a new leaktop's tracer sees only
# the sockets made after it starts.
start_bg st "$TMPD/leak_ghost_stripped" --limit 256 --interval-ms 50 --seconds 60
"$LEAKTOP" -b --trace "$st_pid" -n 3 -d 1 >"$TMPD/stripped.txt" 2>&1
stop_bg "$st_bgpid" 2>/dev/null
check "text: the origin line under the finding" \
	grep -Eq "origin: [0-9]+ of its [0-9]+ (ghost )?sockets were accepted at leak_ghost_stripped\+0x" \
	"$TMPD/stripped.txt"
check "text: the addr2line command for the developers" \
	grep -q "addr2line -f -e $TMPD/leak_ghost_stripped 0x" "$TMPD/stripped.txt"
start_bg sm "$TMPD/leak_ghost_stripped" --limit 256 --interval-ms 50 --seconds 60
"$LEAKTOP" -b --trace "$sm_pid" -n 3 -d 1 --format markdown \
	--record "$TMPD/stripped.ltrec" >"$TMPD/stripped.md" 2>&1
stop_bg "$sm_bgpid" 2>/dev/null
check "markdown: the postmortem names the accept path" \
	grep -Eq "^- [0-9]+ of its [0-9]+ (ghost )?sockets were accepted at leak_ghost_stripped\+0x" \
	"$TMPD/stripped.md"
check "markdown: and the step for the developers" \
	grep -q "hand this path to the program's developers" "$TMPD/stripped.md"
grep -q "hand this path to the program's developers" "$TMPD/stripped.md" ||
	{ echo "--- the postmortem:"; grep -v '^|' "$TMPD/stripped.md" | head -80; }

# --- a UDP socket created while watched: its socket() path -------------------------
start_bg ud "$L/leak_udp" --interval-ms 5 --swap-after-ms 2500 --seconds 60
"$LEAKTOP" -b --trace "$ud_pid" -n 7 -d 1 --format json >"$TMPD/udp.json" 2>"$TMPD/udp.lterr"
new=$(sed -n 's/.*swapped fd [0-9]*: inode [0-9]* -> \([0-9]*\).*/\1/p' "$TMPD/ud.err")
check "udp: the leaker made its new socket while leaktop watched ($new)" test -n "$new"
check "udp: its unread queue finding says it was created by socket() in the leaker" \
	jq -e --argjson p "$ud_pid" --argjson i "${new:-0}" 'select(.seq == 7) |
	      any(.findings[]; .pid == $p and .inode == $i and .origin.traced == 1 and
	          (.origin.paths[0] | .how == "socket" and
	           any(.frames[]; .module | endswith("/leak_udp"))) and
	          (.origin.paths[0].summary | test("^its socket was created at ")))' \
	"$TMPD/udp.json"
check "udp: watched is the traced process only; its echo server (healthy) is not" \
	jq -e --argjson p "$ud_pid" --argjson s "$ud_server_pid" 'select(.seq == 7) |
	      (.origin_watch.pids | index($p)) and (.origin_watch.pids | index($s) | not)' \
	"$TMPD/udp.json"

# --- off: LEAKTOP_FALLBACKS=bpf, --read-only, replay -------------------------------------
LEAKTOP_FALLBACKS=bpf "$LEAKTOP" -b --trace "$ghost_pid" -n 3 -d 1 --format json \
	>"$TMPD/off.json" 2>"$TMPD/off.err"
check "bpf forced off: the leaker's findings still come" \
	jq -e --argjson p "$ghost_pid" 'select(.seq == 3) | any(.findings[]; .pid == $p)' \
	"$TMPD/off.json"
check "bpf forced off: no origin on any finding" \
	bash -c "! jq -e 'any(.findings[]; has(\"origin\"))' '$TMPD/off.json' | grep -q true"
check "bpf forced off: one line says why, once" \
	test "$(grep -c '^leaktop: socket origins are off: LEAKTOP_FALLBACKS names bpf$' "$TMPD/off.err")" = 1
check "--trace with --read-only is refused (it loads BPF)" \
	bash -c "'$LEAKTOP' -b --read-only --trace $ghost_pid -n 1 >/dev/null 2>&1; [ \$? = 2 ]"
"$LEAKTOP" -b --read-only -n 2 -d 1 --format json >"$TMPD/ro.json" 2>&1
check "--read-only: no origins, nothing watched" \
	bash -c "! grep -q '\"origin' '$TMPD/ro.json'"
LEAKTOP_FALLBACKS=bpf "$LEAKTOP" -b -n 2 -d 1 --record "$TMPD/s.ltrec" >/dev/null 2>&1
"$LEAKTOP" -b --replay "$TMPD/s.ltrec" --format json >"$TMPD/replay.json" 2>&1
check "replay of a run that traced nothing (bpf off): no origins" \
	bash -c "! grep -q '\"origin' '$TMPD/replay.json'"

# --- a recording carries them: the postmortem made from the file ----------------------
"$LEAKTOP" -b --replay "$TMPD/stripped.ltrec" --format markdown >"$TMPD/rstripped.md" \
	2>"$TMPD/rstripped.err"
check "recording: the replay says nothing on stderr" test ! -s "$TMPD/rstripped.err"
check "recording: the postmortem from the file names the accept path at the live offset ($off)" \
	grep -Eq "^- [0-9]+ of its [0-9]+ (ghost )?sockets were accepted at leak_ghost_stripped\+$off\b" \
	"$TMPD/rstripped.md"
check "recording: and the step for the developers" \
	grep -q "hand this path to the program's developers" "$TMPD/rstripped.md"
"$LEAKTOP" -b --replay "$TMPD/stripped.ltrec" --format json >"$TMPD/rstripped.json" 2>&1
check "recording: JSON replay carries the path with the file's build-id" \
	jq -e --argjson p "$sm_pid" --arg b "$bid" 'select(.seq == 3) | any(.findings[];
	      .pid == $p and .origin.paths[0].how == "accept" and
	      (.origin.paths[0] | .frames[.first].build_id == $b))' "$TMPD/rstripped.json"
check "recording: the watched pid comes back with it" \
	jq -e --argjson p "$sm_pid" 'select(.seq == 3) | .origin_watch.pids | index($p)' \
	"$TMPD/rstripped.json"

# --- --serve traces what its findings name: the exposition says where ------------------
# (the exporter keeps running, so a leak that goes on gets its path there;
# "keep --serve running" in the sentence above is that)
if command -v curl >/dev/null 2>&1; then
	start_bg sg "$TMPD/leak_ghost_stripped" --limit 256 --interval-ms 100 --seconds 90
	port=
	for i in $(seq 1 50); do
		p=$((20000 + RANDOM % 40000))
		ss -Hltn "sport = :$p" | grep -q . || { port=$p; break; }
	done
	"$LEAKTOP" --serve "127.0.0.1:$port" -d 1 >/dev/null 2>"$TMPD/serve.err" &
	srv=$!
	CHILDREN="$CHILDREN $srv"
	got=
	for i in $(seq 1 150); do
		curl -s --max-time 2 "http://127.0.0.1:$port/metrics" >"$TMPD/o.prom" 2>/dev/null
		grep -q "^leaktop_finding_origin_sockets{kind=\"ghost_sockets\",pid=\"$sg_pid\"" \
			"$TMPD/o.prom" && { got=1; break; }
		sleep 0.2
	done
	grep "^leaktop_finding_origin_sockets{.*pid=\"$sg_pid\"" "$TMPD/o.prom" | sed 's/^/  serve: /'
	check "serve: the ghost finding's sockets get their accept path in the exposition" \
		grep -Eq "^leaktop_finding_origin_sockets\{kind=\"ghost_sockets\",pid=\"$sg_pid\",fd=\"-1\",inode=\"0\",how=\"accept\",path=\"leak_ghost_stripped\+0x[0-9a-f]+( <- [^\"]*)?\"\} [1-9]" \
		"$TMPD/o.prom"
	if command -v promtool >/dev/null 2>&1; then
		check "serve: promtool check metrics passes with the origin series" \
			bash -c 'promtool check metrics <"$1"' _ "$TMPD/o.prom"
	fi
	stop_bg "$srv"
	wait "$srv" 2>/dev/null
	stop_bg "$sg_bgpid" 2>/dev/null
fi

# --- SIGKILL: the kernel drops the tracer with the process ------------------------------
ours() { bpftool prog show -j 2>/dev/null | command jq -r '.[]? | select(.name == "origin_sys_exit") | .id' | sort; }
ours >"$TMPD/before.ids"
"$LEAKTOP" -b --trace "$ghost_pid" -n 0 -d 1 >/dev/null 2>&1 &
lt=$!
CHILDREN="$CHILDREN $lt"
for i in $(seq 1 100); do
	ours | comm -13 "$TMPD/before.ids" - >"$TMPD/mine.ids"
	[ -s "$TMPD/mine.ids" ] && break
	sleep 0.1
done
check "the running leaktop has its tracer loaded" test -s "$TMPD/mine.ids"
kill -9 "$lt"
wait "$lt" 2>/dev/null
for i in $(seq 1 50); do
	ours | comm -12 "$TMPD/mine.ids" - >"$TMPD/left.ids"
	[ -s "$TMPD/left.ids" ] || break
	sleep 0.1
done
check "after SIGKILL none of its programs is left (bpftool prog show)" \
	test ! -s "$TMPD/left.ids"
check "nothing pinned in /sys/fs/bpf" \
	bash -c "! ls /sys/fs/bpf 2>/dev/null | grep -qi origin"
finish
