#!/bin/bash
# The BPF census against the /proc path (issue 27).  With real leakers
# running (ghost sockets, an unread UDP queue, unix datagram senders) and
# then stopped, so that nothing moves between the two runs, leaktop's census
# with socket owners from the task_file iterator and the one with
# LEAKTOP_FALLBACKS=bpf agree socket by socket (--all: every socket of the
# census, not only those worth a row) for the leakers' processes and their
# children: the same sockets, owners (pid, fd), queues and flags; the same
# fds per process, each marked ghost or not alike; the same findings; and
# so does the census of the whole machine for the leakers' sockets.  Where BPF cannot be used
# (not root; another pid namespace, which the task iterator numbers as the
# first one does) the /proc path runs and JSON names the fallback.  The
# tcp and udp sockets come from the protocol iterators on the BPF path
# (JSON source "bpf"), from sock_diag on the other.  The iterators loaded
# by libbpf (LEAKTOP_FALLBACKS=bpf_loader) give the census the kernel's
# loader program gives, socket by socket.
# The processes of the whole machine (stat, owner, limits, ns/net, cgroup)
# from the task iterator agree with their files; in another time namespace
# the files are read and JSON names the bpf_task fallback.
# Skips (77) when the build has no BPF or the kernel refuses it.
. "${TESTS_SRC:-$(dirname "$0")}/lib.sh"
need_root
need_cmd jq
L="$TESTS_BIN/leakers"

"$LEAKTOP" -V | grep -q '^  libbpf .*built in' ||
	skip_test "this build has no BPF census (configure --enable-bpf; see leaktop -V)"
"$LEAKTOP" -b -n 1 -p $$ --format json >"$TMPD/probe.json" 2>"$TMPD/probe.err"
jq -e 'any(.fallbacks[]; .name == "bpf") | not' "$TMPD/probe.json" >/dev/null ||
	skip_test "the kernel refused the BPF census (JSON lists the bpf fallback)"

STOPPED=""
resume() { for p in $STOPPED; do kill -CONT "$p" 2>/dev/null; done; STOPPED=""; }
trap 'resume; cleanup' EXIT

start_bg gh "$L/leak_ghost" --limit 48 --interval-ms 20 --seconds 120
start_bg ud "$L/leak_udp" --interval-ms 5 --seconds 120
start_bg ux "$L/leak_unix" --type dgram --senders 3 --seconds 120
# a tcp stream whose reader never reads: Recv-Q, Send-Q and the send memory
start_bg ts "$L/leak_tcpstall" --mode stream --size 2097152 --seconds 120
PIDS="$gh_pid,$ud_pid,$ux_pid,${ux_sender_pids}"

# until the ghosts are there and the UDP queue holds something
for i in $(seq 1 100); do
	"$LEAKTOP" -b -n 1 -p "$gh_pid,$ud_pid" --format json 2>/dev/null >"$TMPD/wait.json"
	jq -e --argjson g "$gh_pid" --argjson u "$ud_inode" '
		any(.processes[]; .pid == $g and .ghost_sockets >= 10) and
		any(.sockets[]; .inode == $u and .recv_q > 0)' "$TMPD/wait.json" >/dev/null && break
	sleep 0.2
done

# stop every process of the leakers (their forked clients and servers too)
for p in $gh_pid $ud_pid $ux_pid ${ux_sender_pids//,/ } $ts_pid $ts_server_pid \
	$(ps -o pid= --ppid "$gh_pid") $(ps -o pid= --ppid "$ud_pid") \
	$(ps -o pid= --ppid "$ux_pid"); do
	kill -STOP "$p" 2>/dev/null && STOPPED="$STOPPED $p"
done
sleep 0.5	# what was on its way over loopback lands
# every stopped process, the forked clients and servers included
PIDS=$(echo $STOPPED | tr ' ' ',')

# two samples each, the second past the ghosts' grace (3 s); the last
# sample is compared
for f in bpf libbpf proc; do
	RC=0
	[ $f = libbpf ] && export LEAKTOP_FALLBACKS=bpf_loader
	[ $f = proc ] && export LEAKTOP_FALLBACKS=bpf
	"$LEAKTOP" -b -n 2 -d 3.5 -p "$PIDS" --all --format json >"$TMPD/$f.all" \
		2>"$TMPD/$f.err" || RC=$?
	check "$f path: exit 0" test "$RC" = 0
	tail -1 "$TMPD/$f.all" >"$TMPD/$f.json"
	# -p reads one iterator per process; the whole machine is one pass
	"$LEAKTOP" -b -n 1 --all --format json >"$TMPD/machine-$f.json" 2>/dev/null
	unset LEAKTOP_FALLBACKS
done
resume
cp "$TMPD/machine-bpf.json" "$TMPD/machine.json"

check "BPF path: no bpf fallback listed" \
	jq -e 'any(.fallbacks[]; .name == "bpf") | not' "$TMPD/bpf.json"
check "/proc path: the bpf fallback listed as forced, no why" \
	jq -e 'any(.fallbacks[]; .name == "bpf" and .forced and (has("why") | not))' "$TMPD/proc.json"
check "/proc path: its loss said once on stderr" \
	test "$(grep -c '^leaktop: fallback bpf (Linux 5.8; forced by LEAKTOP_FALLBACKS)' "$TMPD/proc.err")" = 1
# the iterators loaded by the kernel's loader program (a light skeleton,
# Linux 5.17) or, where that is refused or forced off, by libbpf: the
# same programs, the same census
if [ "$(printf '%s\n' 5.17 "$(uname -r)" | sort -V | head -1)" = 5.17 ]; then
	check "BPF path: the kernel's loader used (no bpf_loader fallback listed)" \
		jq -e 'any(.fallbacks[]; .name == "bpf_loader") | not' "$TMPD/bpf.json"
fi
check "libbpf path: the bpf_loader fallback listed as forced, the BPF census kept" \
	jq -e 'any(.fallbacks[]; .name == "bpf_loader" and .forced) and
	       (any(.fallbacks[]; .name == "bpf") | not)' "$TMPD/libbpf.json"

# what each path found (so that agreeing on nothing cannot pass)
for f in bpf proc; do
	check "$f: the ghost leaker's ghosts" \
		jq -e --argjson g "$gh_pid" 'any(.processes[]; .pid == $g and .ghost_sockets >= 10)' \
		"$TMPD/$f.json"
	check "$f: the ghost leaker's fds marked ghost" \
		jq -e --argjson g "$gh_pid" '[.processes[] | select(.pid == $g) | .fds[] |
			select(.ghost)] | length >= 10' "$TMPD/$f.json"
	check "$f: the UDP socket with its queue and owner fd" \
		jq -e --argjson u "$ud_inode" --argjson p "$ud_pid" --argjson fd "$ud_fd" \
		'any(.sockets[]; .inode == $u and .recv_q > 0 and
		     any(.owners[]; .pid == $p and .fd == $fd))' "$TMPD/$f.json"
	check "$f: the tcp stream's reader with its queue and owner fd" \
		jq -e --argjson u "$ts_inode" --argjson p "$ts_pid" --argjson fd "$ts_fd" \
		'any(.sockets[]; .inode == $u and .recv_q > 0 and .rmem > 0 and
		     any(.owners[]; .pid == $p and .fd == $fd))' "$TMPD/$f.json"
	check "$f: the tcp stream's writer with its send queue" \
		jq -e --argjson u "$ts_server_inode" \
		'any(.sockets[]; .inode == $u and .send_q > 0 and .wmem_queued > 0)' "$TMPD/$f.json"
	check "$f: the unix reader with its owner fd" \
		jq -e --argjson u "$ux_inode" --argjson p "$ux_pid" --argjson fd "$ux_fd" \
		'any(.sockets[]; .inode == $u and any(.owners[]; .pid == $p and .fd == $fd))' \
		"$TMPD/$f.json"
done

# the tcp and udp sockets came from the protocol iterators on the BPF path,
# from sock_diag on the other
check "BPF path: the UDP leak read by the udp iterator" \
	jq -e --argjson u "$ud_inode" 'any(.sockets[]; .inode == $u and .source == "bpf")' \
	"$TMPD/bpf.json"
check "BPF path: every tcp and udp socket from the iterators, the rest from sock_diag" \
	jq -e '[.sockets[] | select(.proto == "tcp" or .proto == "udp") | .source] as $i |
		($i | length > 0) and all($i[]; . == "bpf") and
		all(.sockets[] | select(.proto != "tcp" and .proto != "udp"); .source != "bpf")' \
	"$TMPD/machine-bpf.json"
check "/proc path: no socket from BPF" \
	jq -e 'all(.sockets[]; .source != "bpf")' "$TMPD/machine-proc.json"

# socket by socket: everything but the rate and where it was read (both 0 while stopped, but
# measured over two slightly different intervals), and the dropping flag,
# which says the drops counter moved between a run's two samples: packets
# still in flight when the senders stopped can land in the first run only
# (seen in a full run on a loaded machine)
# (only what the leakers own: a flagged socket of another test is listed
# too, and may have moved between the two runs)
norm='{sockets: ([.sockets[] | select(any(.owners[]; .pid as $p | any($ours[]; . == $p)))
		  | del(.growth_bps, .drops_ps, .send_growth_bps, .drops, .source)
		  | .flags |= map(select(. != "dropping"))
		  | .owners |= sort_by(.pid, .fd)] | sort_by(.netns, .inode)),
       processes: ([.processes[] | {pid, comm, fd_limit, ghost_sockets, queued_bytes,
			fds: [.fds[] | {fd, kind, target, inode, sockproto, ghost}]}]
		 | sort_by(.pid)),
       findings: ([.findings[] | select(.pid as $p | any($ours[]; . == $p))
		   | {kind, severity, pid, fd, inode}] | sort)}'
jq -S --argjson ours "[$PIDS]" "$norm" "$TMPD/bpf.json" >"$TMPD/bpf.norm"
jq -S --argjson ours "[$PIDS]" "$norm" "$TMPD/proc.json" >"$TMPD/proc.norm"
jq -S --argjson ours "[$PIDS]" "$norm" "$TMPD/libbpf.json" >"$TMPD/libbpf.norm"
check "both loaders: the same sockets, processes and findings" \
	cmp -s "$TMPD/bpf.norm" "$TMPD/libbpf.norm"
cmp -s "$TMPD/bpf.norm" "$TMPD/libbpf.norm" || diff -u "$TMPD/bpf.norm" "$TMPD/libbpf.norm" | head -40
check "both paths: the leakers' sockets compared (listener, UDP, unix reader, 3 senders, tcp pair)" \
	jq -e '.sockets | length >= 8' "$TMPD/bpf.norm"
check "both paths: the same sockets, owners, queues and flags" \
	cmp -s <(jq -c '.sockets[]' "$TMPD/bpf.norm") <(jq -c '.sockets[]' "$TMPD/proc.norm")
check "both paths: the same processes, fd by fd, ghost by ghost" \
	cmp -s <(jq -c '.processes' "$TMPD/bpf.norm") <(jq -c '.processes' "$TMPD/proc.norm")
check "both paths: the same findings" \
	cmp -s <(jq -c '.findings' "$TMPD/bpf.norm") <(jq -c '.findings' "$TMPD/proc.norm")
if ! cmp -s "$TMPD/bpf.norm" "$TMPD/proc.norm"; then
	echo "--- BPF path / +++ /proc path:"
	diff -u "$TMPD/bpf.norm" "$TMPD/proc.norm" | head -40
fi

# the whole machine with --all: every socket the census counted is listed,
# and the leakers' sockets agree socket by socket
for f in bpf proc; do
	check "$f, whole machine: --all lists every socket of the census" \
		jq -e '(.sockets | length) == .census.sockets and .census.sockets > 0' \
		"$TMPD/machine-$f.json"
done
mnorm='[.sockets[] | select(any(.owners[]; .pid as $p | any($ours[]; . == $p)))
	| del(.growth_bps, .drops_ps, .send_growth_bps, .drops, .source)
	| .owners |= sort_by(.pid, .fd)] | sort_by(.netns, .inode) | .[]'
jq -S -c --argjson ours "[$PIDS]" "$mnorm" "$TMPD/machine-bpf.json" >"$TMPD/mbpf.norm"
jq -S -c --argjson ours "[$PIDS]" "$mnorm" "$TMPD/machine-proc.json" >"$TMPD/mproc.norm"
jq -S -c --argjson ours "[$PIDS]" "$mnorm" "$TMPD/machine-libbpf.json" >"$TMPD/mlibbpf.norm"
check "whole machine: the leakers' sockets compared" test "$(wc -l <"$TMPD/mbpf.norm")" -ge 6
check "whole machine, both loaders: the same leakers' sockets, owners, queues and flags" \
	cmp -s "$TMPD/mbpf.norm" "$TMPD/mlibbpf.norm"
check "whole machine, libbpf's loading: every tcp and udp socket from the iterators" \
	jq -e '[.sockets[] | select(.proto == "tcp" or .proto == "udp") | .source] as $i |
		($i | length > 0) and all($i[]; . == "bpf")' "$TMPD/machine-libbpf.json"
check "whole machine: the same leakers' sockets, owners, queues and flags" \
	cmp -s "$TMPD/mbpf.norm" "$TMPD/mproc.norm"
cmp -s "$TMPD/mbpf.norm" "$TMPD/mproc.norm" || diff -u "$TMPD/mbpf.norm" "$TMPD/mproc.norm" | head -40

# the processes of the whole machine: stat, owner, limits, ns/net and cgroup
# from one pass of the task iterator, the same as from each one's files
check "whole machine, BPF path: the task iterator used (no bpf_task fallback listed)" \
	jq -e 'any(.fallbacks[]; .name == "bpf_task" or .name == "bpf") | not' "$TMPD/machine-bpf.json"
# (start_time is boot time + start ticks, and each run reckons the boot
# time from its own clock reading: compared within 0.05 s)
pnorm='[.processes[] | select(.pid as $p | any($ours[]; . == $p))
	| {pid, ppid, uid, user, comm, cmdline, netns, fd_limit, fd_limit_hard,
	   cgroup: .cgroup.path}] | sort_by(.pid) | .[]'
jq -S -c --argjson ours "[$PIDS]" "$pnorm" "$TMPD/machine-bpf.json" >"$TMPD/pbpf.norm"
jq -S -c --argjson ours "[$PIDS]" "$pnorm" "$TMPD/machine-proc.json" >"$TMPD/pproc.norm"
check "whole machine: the leakers' processes compared" \
	test "$(wc -l <"$TMPD/pbpf.norm")" -ge 6
check "whole machine: their netns, limits and cgroup known" \
	jq -e -s 'all(.[]; .netns > 0 and .fd_limit > 0 and (.cgroup | length > 0))' "$TMPD/pbpf.norm"
check "whole machine: the same processes (ppid, owner, name, start, netns, limits, cgroup)" \
	cmp -s "$TMPD/pbpf.norm" "$TMPD/pproc.norm"
cmp -s "$TMPD/pbpf.norm" "$TMPD/pproc.norm" || diff -u "$TMPD/pbpf.norm" "$TMPD/pproc.norm" | head -20
check "whole machine: the same start times" \
	jq -e --argjson ours "[$PIDS]" --slurpfile p "$TMPD/machine-proc.json" '
		[.processes[] | select(.pid as $x | any($ours[]; . == $x))] as $b |
		($b | length >= 6) and all($b[]; . as $q | any($p[0].processes[];
			.pid == $q.pid and (.start_time - $q.start_time | fabs) < 0.05))' \
	"$TMPD/machine-bpf.json"

check "the whole machine through BPF: the UDP and unix leaks with the same owners as -p" \
	jq -e --slurpfile p "$TMPD/proc.json" --argjson u "$ud_inode" --argjson x "$ux_inode" '
		def own($s; $i): [$s.sockets[] | select(.inode == $i) | .owners[] | [.pid, .fd]];
		(own(.; $u) | length == 1) and own(.; $u) == own($p[0]; $u) and
		(own(.; $x) | length == 1) and own(.; $x) == own($p[0]; $x)' "$TMPD/machine.json"

# --- where BPF cannot be used, the /proc path runs -----------------------------
# not root: the kernel refuses to load the programs
if command -v setpriv >/dev/null; then
	RC=0
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$LEAKTOP" -b -n 1 --format json >"$TMPD/user.json" 2>"$TMPD/user.err" || RC=$?
	check "not root: exit 0" test "$RC" = 0
	check "not root: the bpf fallback listed, not forced, saying why" \
		jq -e 'any(.fallbacks[]; .name == "bpf" and (.forced | not) and
			(.why | test("root or CAP_BPF")))' "$TMPD/user.json"
	check "not root: nothing on stderr" test ! -s "$TMPD/user.err"
fi
# another pid namespace: the iterator's pids are not the ones /proc shows
if command -v unshare >/dev/null && unshare --pid --fork --mount-proc true 2>/dev/null; then
	RC=0
	unshare --pid --fork --mount-proc \
		"$LEAKTOP" -b -n 1 --format json >"$TMPD/pidns.json" 2>"$TMPD/pidns.err" || RC=$?
	check "another pid namespace: exit 0" test "$RC" = 0
	check "another pid namespace: the bpf fallback listed, not forced, saying why" \
		jq -e 'any(.fallbacks[]; .name == "bpf" and (.forced | not) and
			(.why | test("pid namespace")))' "$TMPD/pidns.json"
	check "another pid namespace: leaktop's own process, as /proc numbers it" \
		jq -e 'any(.processes[]; .pid == 1)' "$TMPD/pidns.json"
fi
# another time namespace (its boot clock moved): the iterator's start times
# are not the ones stat gives, so the processes are read from their files
if command -v unshare >/dev/null && unshare --time --boottime 100000 --fork true 2>/dev/null; then
	RC=0
	unshare --time --boottime 100000 --fork \
		"$LEAKTOP" -b -n 1 --format json >"$TMPD/timens.json" 2>"$TMPD/timens.err" || RC=$?
	check "another time namespace: exit 0" test "$RC" = 0
	check "another time namespace: the bpf_task fallback listed, not forced, saying why" \
		jq -e 'any(.fallbacks[]; .name == "bpf_task" and (.forced | not) and
			(.why | test("time namespace")))' "$TMPD/timens.json"
	check "another time namespace: the owner census still through BPF" \
		jq -e 'any(.fallbacks[]; .name == "bpf") | not' "$TMPD/timens.json"
	check "another time namespace: leaktop itself listed with its start ticks from stat" \
		jq -e 'any(.processes[]; .comm == "leaktop" and .start_time > 0)' "$TMPD/timens.json"
fi
finish
