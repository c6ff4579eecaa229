#!/bin/bash
# The Prometheus exporter (issue 17) against a real leaker and a real
# Prometheus: leaktop --serve on a loopback port, scraped every second by a
# Prometheus server loaded with doc/leaktop.rules.yml; its HTTP API finds
# the leaker's socket queue with its pid label and the finding.  promtool
# checks the exposition and the rules and runs tests/leaktop.rules.test.yml.
# Bad requests (other methods, other paths, long and malformed request
# lines, a slow client, 50 connections at once) get their 4xx and do not
# stop good requests; the exporter's memory stays bounded.  The exporter
# runs as an unprivileged uid with only the capabilities of
# doc/leaktop-exporter.service, which systemd-analyze verifies.  Textfile
# mode replaces its file atomically: a reader polling it never sees a
# partial file.  Every wait is a poll with a bound; nothing is timed.
# start_bg sets udp_pid, udp_fd, udp_inode; jq programs are quoted
# shellcheck disable=SC2154,SC2016
. "${TESTS_SRC:-$(dirname "$0")}/lib.sh"
need_root
# installed by ./setup: missing ones are a set-up bug, not a reason to skip
for c in curl jq prometheus promtool setpriv; do
	command -v "$c" >/dev/null || { echo "FAIL: $c is not installed (./setup installs it)"; exit 1; }
done
L="$TESTS_BIN/leakers"
DOC="$TESTS_SRC/../doc"

# free_port: a TCP port nothing listens on now (bind errors are checked
# where it is used)
free_port() {
	local p i
	for i in $(seq 1 50); do
		p=$((20000 + RANDOM % 40000))
		ss -Hltn "sport = :$p" | grep -q . || { echo "$p"; return 0; }
	done
	return 1
}

# poll N CMD...: run CMD every 0.2 s until it succeeds, at most N times
poll() {
	local n=$1 i; shift
	for i in $(seq 1 "$n"); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}

# code URL [curl args]: the HTTP status curl gets
code() {
	local url=$1; shift
	curl -s -o /dev/null --max-time 30 -w '%{http_code}' "$@" "$url"
}

# raw PORT TEXT: send TEXT on a new connection, print the status line
raw() {
	local fd line
	exec {fd}<>"/dev/tcp/127.0.0.1/$1" || return 1
	printf '%b' "$2" >&"$fd"
	IFS= read -r -t 10 line <&"$fd"
	exec {fd}>&-
	printf '%s\n' "${line%$'\r'}"
}

vmrss() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# stop_wait PID: wait (bounded) for PID to end; its exit code in $rc
stop_wait() {
	local i
	rc=""
	for i in $(seq 1 100); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$1" 2>/dev/null && { kill -9 "$1"; rc=killed; return 1; }
	wait "$1"
	rc=$?
}

start_bg udp "$L/leak_udp" --interval-ms 20 --seconds 300

# --- usage --------------------------------------------------------------------
"$LEAKTOP" --serve >/dev/null 2>"$TMPD/u.err"
check "--serve without an address: exit 2" test $? = 2
for bad in localhost:9187 127.0.0.1 127.0.0.1:0 127.0.0.1:70000 ::1:9187 '[::1]' 0.0.0.0:x; do
	"$LEAKTOP" --serve "$bad" >/dev/null 2>"$TMPD/u.err"
	r=$?
	check "--serve '$bad': exit 2, one line" test "$r" = 2 -a "$(wc -l <"$TMPD/u.err")" = 1
done
"$LEAKTOP" --serve 127.0.0.1:9 -b >/dev/null 2>"$TMPD/u.err"
check "--serve with -b: exit 2" test $? = 2
"$LEAKTOP" --serve 127.0.0.1:9 --format json >/dev/null 2>"$TMPD/u.err"
check "--serve with --format json: exit 2" test $? = 2
"$LEAKTOP" --output "$TMPD/x.prom" >/dev/null 2>"$TMPD/u.err"
check "--output without --format prometheus: exit 2" test $? = 2
"$LEAKTOP" --top 1001 --format prometheus -b -n 1 >/dev/null 2>"$TMPD/u.err"
check "--top 1001: exit 2" test $? = 2
"$LEAKTOP" --help | grep -q -- '--serve ADDR:PORT'
check "--help lists --serve" test $? = 0
"$LEAKTOP" --help | grep -q -- '--output FILE'
check "--help lists --output" test $? = 0

# --- the exporter, as the unit runs it: a uid of its own, four capabilities ---
# (a copy of the binary where that uid may run it: the build tree may sit
# in a private home)
BIN=$(mktemp -d /tmp/leaktop-serve-bin.XXXXXX)
trap 'rm -rf "$BIN"; cleanup' EXIT
chmod 755 "$BIN"
cp "$LEAKTOP" "$BIN/leaktop"
chmod 755 "$BIN/leaktop"
P1=$(free_port) || { echo "FAIL: no free port"; exit 1; }
CAPS=+sys_ptrace,+dac_read_search,+sys_admin,+net_admin
setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all,$CAPS \
	--ambient-caps=-all,$CAPS --bounding-set=-all,$CAPS --no-new-privs \
	"$BIN/leaktop" --serve "127.0.0.1:$P1" -d 1 2>"$TMPD/serve.err" &
SRV=$!
CHILDREN="$CHILDREN $SRV"
M="http://127.0.0.1:$P1/metrics"
poll 100 curl -sf --max-time 2 -o /dev/null "$M" ||
	{ fail "the exporter never answered: $(cat "$TMPD/serve.err")"; finish; }
check "one start line on stderr" \
	grep -qx "leaktop: serving /metrics on 127.0.0.1:$P1 every 1 s" "$TMPD/serve.err"
curl -s -D "$TMPD/h.txt" -o "$TMPD/m.prom" "$M"
check "GET /metrics: 200" grep -q '^HTTP/1.1 200 OK' "$TMPD/h.txt"
check "the exposition's content type" \
	grep -qi '^Content-Type: text/plain; version=0.0.4; charset=utf-8' "$TMPD/h.txt"
check "promtool check metrics on the exposition" \
	bash -c 'promtool check metrics <"$1"' _ "$TMPD/m.prom"
check "the exporter's own figures" grep -q '^leaktop_exporter_samples_total [1-9]' "$TMPD/m.prom"
check "HEAD /metrics: 200 and no body" \
	test "$(curl -s -I -o /dev/null -w '%{http_code} %{size_download}' "$M")" = "200 0"
check "HEAD: the Content-Length of the body" \
	bash -c 'curl -s -I "$1" | grep -qi "^Content-Length: [1-9]"' _ "$M"

# the leaker's socket, owned (pid label) though not root: the capabilities do
sockq() {
	curl -s "$M" >"$TMPD/cur.prom" &&
		grep -q "^leaktop_socket_recv_queue_bytes{.*inode=\"$udp_inode\".*pid=\"$udp_pid\",fd=\"$udp_fd\",comm=\"leak_udp\"} [1-9]" \
			"$TMPD/cur.prom"
}
check "the leaker's queue with its pid, fd and comm (unprivileged uid + 4 caps)" poll 100 sockq
finding() {
	curl -s "$M" | grep -q "^leaktop_finding{kind=\"unread_queue\",.*pid=\"$udp_pid\",fd=\"$udp_fd\""
}
check "the leaker's unread_queue finding" poll 150 finding

# --- a real Prometheus scrapes it -----------------------------------------------
P2=$(free_port) || { echo "FAIL: no free port"; exit 1; }
cat >"$TMPD/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - $DOC/leaktop.rules.yml
scrape_configs:
  - job_name: leaktop
    static_configs:
      - targets: ['127.0.0.1:$P1']
EOF
prometheus --config.file="$TMPD/prometheus.yml" --storage.tsdb.path="$TMPD/tsdb" \
	--web.listen-address="127.0.0.1:$P2" >"$TMPD/prometheus.log" 2>&1 &
PROM=$!
CHILDREN="$CHILDREN $PROM"
API="http://127.0.0.1:$P2/api/v1"
poll 150 curl -sf "http://127.0.0.1:$P2/-/ready" ||
	{ fail "Prometheus never became ready: $(tail -5 "$TMPD/prometheus.log")"; finish; }
# q PROMQL JQ: the query's result passes the jq test.  -s and "length == 1":
# jq 1.6's -e exits 0 on an empty reply, which must not count as a pass.
q() {
	curl -sf --max-time 5 --data-urlencode "query=$1" "$API/query" >"$TMPD/q.json" &&
		jq -e -s "length == 1 and (.[0] | $2)" "$TMPD/q.json"
}
check "Prometheus: the target is up" \
	poll 150 q 'up{job="leaktop"}' '.data.result[0].value[1] == "1"'
check "Prometheus: the leaker's socket queue, with its pid label" \
	poll 150 q "leaktop_socket_recv_queue_bytes{pid=\"$udp_pid\",fd=\"$udp_fd\",comm=\"leak_udp\"}" \
	'.data.result | length == 1 and (.[0].value[1] | tonumber) > 0'
check "Prometheus: the finding series" \
	poll 150 q "leaktop_finding{kind=\"unread_queue\",pid=\"$udp_pid\"}" '.data.result | length >= 1'
check "Prometheus: the totals" \
	poll 50 q 'leaktop_memory_bytes{part="unaccounted"}' '.data.result | length == 1'
check "Prometheus loaded the alerting rules" \
	bash -c 'curl -sf "$1/rules" >"$2" && jq -e -s "length == 1 and
		([.[0].data.groups[].rules[]] | length == 8)" "$2"' _ "$API" "$TMPD/rules.json"

# --- rules --------------------------------------------------------------------
check "promtool check rules doc/leaktop.rules.yml" promtool check rules "$DOC/leaktop.rules.yml"
if promtool test rules "$TESTS_SRC/leaktop.rules.test.yml" >"$TMPD/rt.log" 2>&1; then
	pass "promtool test rules: each alert fires on a leak, quiet when healthy"
else
	fail "promtool test rules"; cat "$TMPD/rt.log"
fi
# every runbook link names a heading of doc/triage.md
slugs=$(grep '^#' "$DOC/triage.md" | sed 's/^#* //' | tr 'A-Z ' 'a-z-' | tr -cd 'a-z0-9-\n')
# the links are read into a file and counted first: a rules file that cannot
# be read, or that has no link, is a failure, not "no bad link"
bad="" nlinks=0
grep -o 'runbook_url: doc/triage.md#[a-z0-9-]*' "$DOC/leaktop.rules.yml" >"$TMPD/links" ||
	bad=" (no runbook_url read from $DOC/leaktop.rules.yml)"
for a in $(sed 's/.*#//' "$TMPD/links"); do
	nlinks=$((nlinks + 1))
	grep -qx "$a" <<<"$slugs" || bad="$bad $a"
done
check "every runbook_url ($nlinks) is a section of doc/triage.md${bad:+ (not:$bad)}" \
	test -z "$bad" -a "$nlinks" -gt 0
if command -v systemd-analyze >/dev/null; then
	sed "s|/usr/local/bin/leaktop|$LEAKTOP|" "$DOC/leaktop-exporter.service" \
		>"$TMPD/leaktop-exporter.service"
	check "systemd-analyze verify doc/leaktop-exporter.service" \
		systemd-analyze verify --man=no "$TMPD/leaktop-exporter.service"
else
	fail "systemd-analyze is not installed (./setup installs systemd)"
fi

# --- bad requests -----------------------------------------------------------------
check "POST /metrics: 405" test "$(code "$M" -X POST -d x=1)" = 405
check "405 says Allow: GET, HEAD" \
	bash -c 'curl -s -D - -o /dev/null -X POST "$1" | grep -q "^Allow: GET, HEAD"' _ "$M"
check "PUT /metrics: 405" test "$(code "$M" -X PUT -d x)" = 405
check "GET /other: 404" test "$(code "http://127.0.0.1:$P1/other")" = 404
check "GET /: 404" test "$(code "http://127.0.0.1:$P1/")" = 404
long=$(head -c 10000 /dev/zero | tr '\0' a)
check "a 10 kB request line: 414" test "$(code "$M?$long")" = 414
check "10 kB of headers: 431" test "$(code "$M" -H "X-Big: $long")" = 431
check "a malformed request line: 400" test "$(raw "$P1" 'GARBAGE\r\n\r\n')" = "HTTP/1.1 400 Bad Request"
check "two spaces in the request line: 400" \
	test "$(raw "$P1" 'GET  /metrics HTTP/1.1\r\n\r\n')" = "HTTP/1.1 400 Bad Request"
check "HTTP/2.0: 505" test "$(raw "$P1" 'GET /metrics HTTP/2.0\r\n\r\n')" = \
	"HTTP/1.1 505 HTTP Version Not Supported"
check "a bare HTTP/1.0 request: 200" test "$(raw "$P1" 'GET /metrics HTTP/1.0\r\n\r\n')" = \
	"HTTP/1.1 200 OK"

# a slow client: half a request, then nothing
exec {slow}<>"/dev/tcp/127.0.0.1/$P1"
printf 'GET /metr' >&"$slow"
check "a good request while a slow client stalls: 200" test "$(code "$M")" = 200
IFS= read -r -t 15 line <&"$slow"
check "the slow client gets 408 after the read timeout" test "${line%$'\r'}" = "HTTP/1.1 408 Request Timeout"
exec {slow}>&-

# 50 connections at once: idle ones that send half a request, then 50
# parallel scrapes (each may wait up to 60 s on a loaded machine: the
# bound is for a hang, not a speed)
rss0=$(vmrss "$SRV")
fds=""
for i in $(seq 1 50); do
	exec {f}<>"/dev/tcp/127.0.0.1/$P1" && fds="$fds $f" && printf 'GET /' >&"$f"
done
check "a good request with 50 idle connections open: 200" test "$(code "$M")" = 200
cpids=""
for i in $(seq 1 50); do
	curl -s -o /dev/null --max-time 60 -w '%{http_code}\n' "$M" >"$TMPD/par.$i" &
	cpids="$cpids $!"
done
for p in $cpids; do wait "$p"; done
codes=$(cat "$TMPD"/par.* | sort | uniq -c | tr -s ' \n' ' ')
check "50 parallel scrapes: each gets 200 or 503 ($codes)" \
	bash -c '! grep -hvx -e 200 -e 503 "$@"' _ "$TMPD"/par.*
check "... most of them 200" test "$(cat "$TMPD"/par.* | grep -c 200)" -ge 25
rss1=$(vmrss "$SRV")
for f in $fds; do exec {f}>&-; done
check "good requests are answered afterwards" test "$(code "$M")" = 200
# bounded: 50 scrapes at once leave it where it was (the real check); the
# ceiling is loose because what it holds scales with the machine's sockets
# and processes, and other tests run beside this one (and ASan's shadow)
check "exporter RSS below 256 MiB (${rss1} kB) and grew < 16 MiB (from ${rss0} kB)" \
	test "$rss1" -lt 262144 -a $((rss1 - rss0)) -lt 16384
check "the exporter logged nothing but its start line" test "$(wc -l <"$TMPD/serve.err")" = 1

# a port taken: one line, exit 1
"$LEAKTOP" --serve "127.0.0.1:$P1" -d 1 >/dev/null 2>"$TMPD/busy.err"
r=$?
check "a port in use: exit 1 and one line" test "$r" = 1 -a "$(wc -l <"$TMPD/busy.err")" = 1
check "... naming the address" grep -q "127.0.0.1:$P1.*in use" "$TMPD/busy.err"

# IPv6 loopback where the box has it
if ip -6 addr show dev lo 2>/dev/null | grep -q '::1/128'; then
	P3=$(free_port)
	"$LEAKTOP" --serve "[::1]:$P3" -d 1 2>"$TMPD/v6.err" &
	V6=$!
	CHILDREN="$CHILDREN $V6"
	check "[::1]: GET /metrics: 200" poll 100 curl -sfg --max-time 2 -o /dev/null \
		"http://[::1]:$P3/metrics"
	check "[::1]: the start line names it" grep -q "serving /metrics on \[::1\]:$P3 every" "$TMPD/v6.err"
	kill -INT "$V6"
	stop_wait "$V6"
	check "SIGINT ends the exporter with exit 0" test "$rc" = 0
else
	echo "note: no IPv6 loopback here; [::1] not tried"
fi

kill -TERM "$SRV"
stop_wait "$SRV"
check "SIGTERM ends the exporter with exit 0" test "$rc" = 0
kill "$PROM" 2>/dev/null
stop_wait "$PROM"

# --- textfile mode --------------------------------------------------------------
mkdir "$TMPD/tf"
T="$TMPD/tf/leaktop.prom"
"$LEAKTOP" --format prometheus --output "$T" -n 0 -d 0.2 2>"$TMPD/tf.err" &
TF=$!
CHILDREN="$CHILDREN $TF"
check "the textfile appears" poll 100 test -s "$T"
# read it 300 times as fast as we can: every read is whole (ends with its
# last family and a newline), and the file was replaced under us
partial=0 inodes=""
for i in $(seq 1 300); do
	cp "$T" "$TMPD/snap" 2>/dev/null || continue
	inodes="$inodes $(stat -c %i "$T" 2>/dev/null)"
	if [ "$(tail -c 1 "$TMPD/snap" | od -An -c | tr -d ' ')" != '\n' ] ||
		! grep -q '^# TYPE leaktop_finding gauge' "$TMPD/snap"; then
		partial=$((partial + 1))
		cp "$TMPD/snap" "$TMPD/partial.prom"
	fi
	if [ $((i % 50)) = 0 ]; then
		promtool check metrics <"$TMPD/snap" >/dev/null 2>&1 || partial=$((partial + 1))
	fi
done
nino=$(tr ' ' '\n' <<<"$inodes" | grep . | sort -u | wc -l)
check "300 reads of the textfile: none partial" test "$partial" = 0
check "the textfile was replaced (rename: $nino inodes seen)" test "$nino" -ge 3
check "the textfile is 0644" test "$(stat -c %a "$T")" = 644
check "the textfile holds the leaker" grep -q "pid=\"$udp_pid\"" "$T"
kill -TERM "$TF"
stop_wait "$TF"
check "SIGTERM ends textfile mode with exit 0" test "$rc" = 0
check "no temporary file left" test ! -e "$T.tmp"
check "the textfile passes promtool" bash -c 'promtool check metrics <"$1"' _ "$T"
check "textfile mode wrote nothing on stderr" test ! -s "$TMPD/tf.err"
"$LEAKTOP" --format prometheus --output "$TMPD/none/x.prom" -n 1 2>"$TMPD/tf2.err"
r=$?
check "textfile in a missing directory: exit 1, one line" \
	test "$r" = 1 -a "$(wc -l <"$TMPD/tf2.err")" = 1

finish
