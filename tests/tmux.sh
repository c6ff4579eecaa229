# Shared helpers for the behaviour tests that drive the interactive UI in
# tmux and read the screen back with capture-pane (sourced after
# tests/lib.sh).  Each test gets a tmux server of its own ($TM), killed on
# exit along with lib.sh's cleanup, and a HOME and XDG_CONFIG_HOME in $TMPD
# so the UI never reads or writes the user's configuration.  Every wait
# polls the screen with a bound; nothing is timed.

need_cmd tmux

export LEAKTOP_THEMES_DIR="${LEAKTOP_THEMES_DIR:-$TESTS_SRC/../themes}"
export HOME="$TMPD/home" XDG_CONFIG_HOME="$TMPD/config"
mkdir -p "$HOME"
TM="tmux -L leaktop-$(basename "$0" .sh)-$$ -f /dev/null"
trap '$TM kill-server 2>/dev/null; cleanup' EXIT

# tmux_new SESSION WxH CMD: CMD (one string, run by tmux's shell) in a new
# detached session of that size
tmux_new() {
	$TM new-session -d -s "$1" -x "${2%x*}" -y "${2#*x}" "$3"
}

# tmux_start SESSION WxH CMD...: CMD with TERM=xterm-256color in a new
# session that stays when it exits; the shell's pid goes to $TMPD/SESSION.pid
# (leaktop is its child), stderr to SESSION.err, "EXIT=status" to
# SESSION.exit.  CMD may begin with VAR=value words for env.
# The command waits for $TMPD/SESSION.go, made once remain-on-exit is set:
# a command that exits at once (a bad file, a bad TERM) cannot take its
# pane with it first, however loaded the machine is.
tmux_start() {
	local s=$1 size=$2 i; shift 2
	tmux_new "$s" "$size" \
		"sh -c 'while [ ! -e $TMPD/$s.go ]; do sleep 0.05; done; echo \$\$ >$TMPD/$s.pid; env TERM=xterm-256color $* 2>$TMPD/$s.err; echo EXIT=\$? >$TMPD/$s.exit'"
	$TM set-option -t "$s" remain-on-exit on >/dev/null
	touch "$TMPD/$s.go"
	# callers read SESSION.pid at once: wait (bounded) until it is there
	for i in $(seq 1 100); do [ -s "$TMPD/$s.pid" ] && break; sleep 0.05; done
}

screen() { $TM capture-pane -p -t "$1"; }

# tmux_report: for a failed test's log, each session's state (its server,
# its exit status, the first lines of its stderr) and the last screen read
tmux_report() {
	local go s
	for go in "$TMPD"/*.go; do
		[ -e "$go" ] || continue
		s=$(basename "$go" .go)
		echo "--- session $s: $($TM has-session -t "$s" 2>&1 && echo "alive")" \
			"$(cat "$TMPD/$s.exit" 2>/dev/null || echo "no exit status yet")"
		head -5 "$TMPD/$s.err" 2>/dev/null | sed 's/^/  stderr: /'
	done
	if [ -s "$TMPD/screen" ]; then
		echo "--- the last screen read (blank lines left out):"
		sed -n '/[^ ]/s/^/  | /p' "$TMPD/screen"
	fi
}

# wait_for SESSION CMD...: poll the screen (up to 20 s) until CMD, reading
# the capture on stdin, succeeds; the last capture is left in $TMPD/screen
wait_for() {
	local s=$1 i; shift
	for i in $(seq 1 100); do
		screen "$s" >"$TMPD/screen" 2>/dev/null
		"$@" <"$TMPD/screen" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}

# keys SESSION KEY...: tmux send-keys
keys() { $TM send-keys -t "$@"; }
# resize SESSION WxH
resize() { $TM resize-window -t "$1" -x "${2%x*}" -y "${2#*x}"; }

# Predicates on a screen capture read from stdin (for wait_for):
has() { grep -qF -- "$1"; }
hasnt() { ! grep -qF -- "$1"; }
# the table's column header starts with $1 (which pane is up)
header_is() { grep -q "^$1 "; }
# the first table row under the header line that starts with $1
first_row() { awk -v h="$1" 'f { print; exit } index($0, h) == 1 { f = 1 }'; }
# the findings strip: the lines between the memory lines (rows 1-3) and the
# tabs
strip() { awk 'NR >= 5 && /^ 1 Sockets/ { exit } NR >= 5 { print }'; }
