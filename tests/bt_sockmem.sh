#!/bin/bash
# Socket memory outside receive queues, against real processes: orphaned
# connections toward a local reader that stopped reading, a TCP client that
# stopped reading a stream, a netlink subscriber that stopped reading while
# addresses change in a private netns, unix datagram and stream readers
# whose senders block, and live sockets of a namespace no process is in.
# Each: the culprit is the top warning/critical finding; socket memory by
# protocol agrees with /proc/net/sockstat within 10 % (TCP, UDP) where the
# kernel's counter is well above its per-cpu slack; and the same program
# reading everything raises nothing.  Ranks leakers first: run alone.
# leaktop-test: alone (the top finding of the machine; sockstat totals)
. "${TESTS_SRC:-$(dirname "$0")}/lib.sh"
need_root
need_cmd jq
need_cmd ip
L="$TESTS_BIN/leakers"
NS="lkt-sockmem-$$"
trap 'ip netns del "$NS" 2>/dev/null; cleanup' EXIT

sample() { # NAME: six samples; the last one in $TMPD/NAME.json
	"$LEAKTOP" -b -n 6 -d 1 --format json >"$TMPD/$1.all" 2>"$TMPD/$1.err" ||
		{ echo "leaktop failed: $(cat "$TMPD/$1.err")"; return 1; }
	tail -1 "$TMPD/$1.all" >"$TMPD/$1.json"
	jq -r '.findings[] | "  finding: \(.severity) \(.kind) pid \(.pid) fd \(.fd): \(.summary)"' \
		"$TMPD/$1.json" | head -4
}

top_is() { # NAME PID: the most severe finding is a warning or critical on PID
	check "$1: top finding (warning or critical, confirmed) is on pid $2" \
		jq -e --argjson p "$2" '.findings[0] | .pid == $p and (.suspected | not)
		   and (.severity == "warning" or .severity == "critical")' "$TMPD/$1.json"
}

quiet() { # NAME: no warning or critical finding
	check "$1: nothing raised" \
		jq -e '[.findings[] | select(.severity != "info")] | length == 0' "$TMPD/$1.json"
}

# The kernel's counter lags by what each CPU keeps in reserve
# (net.core.mem_pcpu_rsv pages, 256 = 1 MiB, per CPU; leaktop reports it as
# check.slack): below that, 10 % is noise, so the slack is the tolerance
# when it is the larger.
agrees() { # NAME tcp|udp: census within 10 % of sockstat (or the per-cpu slack)
	check "$1: $2 socket memory within 10 % of sockstat" \
		jq -e --arg p "$2" '.memory.socket_memory.check as $k | $k[$p] as $c |
		   $k.slack > 0 and $c.census > 1048576 and
		   (($c.census - $c.sockstat) | fabs) <= ([0.10 * $c.sockstat, $k.slack] | max)' \
		"$TMPD/$1.json"
}

stop() { stop_bg "$1"; wait "$1" 2>/dev/null; }

# --- orphans: twelve clients closed with full send queues ------------------
start_bg o "$L/leak_tcpstall" --mode orphans --count 12 --seconds 60
sample orphans
top_is orphans "$o_pid"
agrees orphans tcp
check "orphans: listed as a group of at least 12 holding over 24 MiB" \
	jq -e '.memory.socket_memory | .orphans >= 12 and .orphaned > 25165824' "$TMPD/orphans.json"
check "orphans: the kernel's own orphan count and tcp_mem are beside them" \
	jq -e '.memory.socket_memory | .sockstat.tcp_orphans >= 12 and (.tcp_mem_limits | length == 3)' \
	"$TMPD/orphans.json"
check "orphans: one finding names the reader that stopped reading" \
	jq -e --argjson p "$o_pid" 'any(.findings[]; .kind == "orphaned_connections" and .pid == $p
	   and (.summary | test("^.*\\(pid [0-9]+.*\\) stopped reading 1[0-9] orphaned connections, which hold ")))' \
	"$TMPD/orphans.json"
check "orphans: listed as sockets without owners, with their send queue" \
	jq -e '[.sockets[] | select(.orphan and .owners == [] and .send_q > 0 and .wmem_queued > 0)] | length >= 12' \
	"$TMPD/orphans.json"
check "orphans: socket memory is its own part, out of unaccounted" \
	jq -e '.memory | .socket_buffers > 25165824 and
	   (.free + .page_cache + .buffers + .shmem + .user_anon + .kernel_known + .socket_buffers + .unaccounted == .total)' \
	"$TMPD/orphans.json"
check "orphans: the text report shows the group and the kernel's figures" \
	bash -c '"$LEAKTOP" -b -n 1 | grep -E "orphaned [0-9.]+ MiB \(1[0-9] connections\)" &&
		 "$LEAKTOP" -b -n 1 | grep -q "kernel: TCP mem"'
stop "$o_bgpid"

start_bg or "$L/leak_tcpstall" --mode orphans --count 12 --read --seconds 60
sample orphans_read
quiet orphans_read
stop "$or_bgpid"

# --- a TCP client that stopped reading a stream ------------------------------
start_bg st "$L/leak_tcpstall" --mode stream --seconds 60
sample stream
top_is stream "$st_pid"
agrees stream tcp
check "stream: send_stall names the reader as culprit and the server as victim" \
	jq -e --argjson p "$st_pid" --argjson v "$st_server_pid" 'any(.findings[];
	   .kind == "send_stall" and .pid == $p and .victim.pid == $v and .suggested_action == null)' \
	"$TMPD/stream.json"
check "stream: the server's socket shows its Send-Q and is send_stalled" \
	jq -e --argjson i "$st_server_inode" '.sockets[] | select(.inode == $i) |
	   .send_q > 65536 and .wmem_queued >= .send_q and .sndbuf > 0 and .mem >= .wmem_queued
	   and (.flags | index("send_stalled"))' "$TMPD/stream.json"
jq -c --argjson i "$st_server_inode" '.sockets[] | select(.inode == $i) |
	"  server socket: send_q \(.send_q) wmem_queued \(.wmem_queued) flags \(.flags)"' \
	"$TMPD/stream.all"
check "stream: never a drop filter on a TCP stream" \
	jq -e --argjson p "$st_pid" --argjson v "$st_server_pid" '[.findings[] |
	   select((.pid == $p or .pid == $v) and .suggested_action == "drop-filter")] | length == 0' \
	"$TMPD/stream.json"
# draining a stream would corrupt the program's byte stream: refused
"$LEAKTOP" --act drain --pid "$st_pid" --fd "$st_fd" --yes --confirm-drain \
	>"$TMPD/drain_tcp.out" 2>"$TMPD/drain_tcp.err"
check "stream: drain on a TCP stream is refused, exit 3" test $? = 3
check "stream: the refusal is one line naming the stream" \
	bash -c "test \$(wc -l <'$TMPD/drain_tcp.err') = 1 && grep -q 'TCP stream socket' '$TMPD/drain_tcp.err'"
stop "$st_bgpid"

start_bg sr "$L/leak_tcpstall" --mode stream --read --seconds 60
sample stream_read
quiet stream_read
stop "$sr_bgpid"

# --- a UDP client that never reads, with a big buffer: UDP mem -----------------
start_bg u "$L/leak_udp" --interval-ms 1 --size 8000 --rcvbuf 33554432 --seconds 60
sample udp
top_is udp "$u_pid"
agrees udp udp
stop "$u_bgpid"

# --- netlink: a routing daemon that stopped reading --------------------------
ip netns add "$NS" || skip_test "cannot create a network namespace"
start_bg nl ip netns exec "$NS" "$L/leak_netlink" --rcvbuf 4194304 --churn-ms 5 --seconds 60
sample netlink
top_is netlink "$nl_pid"
check "netlink: its NETLINK_ROUTE socket is never_read, with a drop filter offered" \
	jq -e --argjson p "$nl_pid" --argjson f "$nl_fd" 'any(.findings[]; .kind == "unread_queue"
	   and .pid == $p and .fd == $f and .suggested_action == "drop-filter")' "$TMPD/netlink.json"
check "netlink: listed once" \
	jq -e --argjson i "$nl_inode" '[.sockets[] | select(.inode == $i)] | length == 1' "$TMPD/netlink.json"
# the drop filter works on a netlink socket, and so does its undo
check "netlink: drop-filter attaches" "$LEAKTOP" --act drop-filter --pid "$nl_pid" --fd "$nl_fd" --yes
nlq() { # FILE: the netlink socket's recv_q and drops in each sample
	jq -c --argjson i "$nl_inode" '[.sockets[] | select(.inode == $i) | .recv_q, .drops]' "$1"
}
"$LEAKTOP" -b -n 2 -d 1 --format json >"$TMPD/nl_filtered.json"
check "netlink: with the filter the queue stands still while addresses change" \
	test "$(nlq "$TMPD/nl_filtered.json" | uniq | wc -l)" = 1
check "netlink: undo-filter restores" "$LEAKTOP" --act undo-filter --pid "$nl_pid" --fd "$nl_fd" --yes
"$LEAKTOP" -b -n 2 -d 1 --format json >"$TMPD/nl_undone.json"
check "netlink: without it the socket queues (or drops) again" \
	test "$(nlq "$TMPD/nl_undone.json" | uniq | wc -l)" = 2
stop "$nl_bgpid"

start_bg nlr ip netns exec "$NS" "$L/leak_netlink" --read --churn-ms 5 --seconds 60
sample netlink_read
quiet netlink_read
stop "$nlr_bgpid"

# --- unix datagram: a log collector that stopped reading ---------------------
start_bg ud "$L/leak_unix" --type dgram --senders 3 --seconds 60
sample unix_dgram
top_is unix_dgram "$ud_pid"
check "unix dgram: the reader carries its senders' bytes and is full" \
	jq -e --argjson i "$ud_inode" '.sockets[] | select(.inode == $i) |
	   .senders == 3 and .senders_blocked == 3 and .senders_queued > 0 and .recv_q == .senders_queued
	   and (.flags | index("never_read")) and (.flags | index("full"))' "$TMPD/unix_dgram.json"
check "unix dgram: the evidence names the blocked senders" \
	jq -e --argjson p "$ud_pid" --arg s "${ud_sender_pids%%,*}" '.findings[0] | .pid == $p and
	   (.evidence | test("3 connected senders queued .* at it, 3 of them blocked"))
	   and (.evidence | test("pid " + $s))' \
	"$TMPD/unix_dgram.json"
stop "$ud_bgpid"

start_bg udr "$L/leak_unix" --type dgram --senders 3 --read --seconds 60
sample unix_dgram_read
quiet unix_dgram_read
stop "$udr_bgpid"

# --- unix stream ---------------------------------------------------------------
start_bg us "$L/leak_unix" --type stream --senders 2 --seconds 60
sample unix_stream
top_is unix_stream "$us_pid"
"$LEAKTOP" --act drain --pid "$us_pid" --fd "$us_fd" --yes --confirm-drain >/dev/null 2>&1
check "unix stream: drain is refused, exit 3" test $? = 3
check "unix stream: the reader's queue is its sender's wmem" \
	jq -e --argjson i "$us_inode" '.sockets[] | select(.inode == $i) |
	   .senders == 1 and .senders_blocked == 1 and .senders_queued >= .recv_q
	   and (.flags | index("never_read"))' \
	"$TMPD/unix_stream.json"
stop "$us_bgpid"

start_bg usr "$L/leak_unix" --type stream --senders 2 --read --seconds 60
sample unix_stream_read
quiet unix_stream_read
stop "$usr_bgpid"

# --- sockets of a namespace no process is in -------------------------------------
start_bg ns "$L/leak_nsonly" --seconds 60
sample nsonly
top_is nsonly "$ns_pid"
check "nsonly: the namespace is dumped, held by the process" \
	jq -e --argjson p "$ns_pid" --argjson n "$ns_netns" 'any(.census.netns[];
	   .inode == $n and .held_by == $p and .entered and .sockets >= 9)' "$TMPD/nsonly.json"
check "nsonly: no ghosts on the process" \
	jq -e --argjson p "$ns_pid" '.processes[] | select(.pid == $p) | .ghost_sockets == 0' \
	"$TMPD/nsonly.json"
check "nsonly: its unread socket is listed in that namespace" \
	jq -e --argjson i "$ns_inode" --argjson n "$ns_netns" 'any(.sockets[]; .inode == $i and .netns == $n
	   and (.flags | index("never_read")))' "$TMPD/nsonly.json"
stop "$ns_bgpid"

start_bg nsr "$L/leak_nsonly" --read --seconds 60
sample nsonly_read
quiet nsonly_read
check "nsonly, reading: still no ghosts" \
	jq -e --argjson p "$nsr_pid" '.processes[] | select(.pid == $p) | .ghost_sockets == 0' \
	"$TMPD/nsonly_read.json"
stop "$nsr_bgpid"
finish
