# SPDX-License-Identifier: MIT
#
# Helpers for the integration tests: a federation of real cairnd daemons on
# 127.0.0.1 in a temporary directory, driven through the real CLIs.
# Sourced by each test script; B (the build directory) must be set.

set -u

: "${B:=build}"
BIN=$(cd "$B" && pwd)
CAIRN_KEYS="$BIN/cairn-keys"
CAIRND="$BIN/cairnd"
CAIRN="$BIN/cairn"
PEERTOOL="$BIN/tests/peertool"

T=$(mktemp -d "${TMPDIR:-/tmp}/cairn-it.XXXXXX")
PIDS=""

cleanup() {
	local p
	for p in $PIDS; do
		kill -9 "$p" 2>/dev/null
	done
	wait 2>/dev/null
	if [ "${KEEP:-0}" = 1 ]; then
		echo "kept $T" >&2
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT

die() {
	echo "FAIL: $*" >&2
	if [ -d "$T/log" ]; then
		for f in "$T"/log/*.log; do
			echo "--- $f" >&2
			tail -n 30 "$f" >&2
		done
	fi
	exit 1
}

# A port nobody listens on (bash's /dev/tcp fails to connect).
free_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 30000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
}

ORGS="lerum.elevhalsa alingsas.uph alingsas.soc"

# federation: keys, book source, signed book, one config per organisation.
# GUARANTEE_DAYS may be set for the UPH function.
federation() {
	local org port
	mkdir -p "$T/keys" "$T/log" "$T/run" "$T/state"
	"$CAIRN_KEYS" federation "$T/keys" >/dev/null || die "federation keys"
	for org in $ORGS; do
		"$CAIRN_KEYS" generate -o "$org" "$T/keys" >/dev/null ||
			die "generate $org"
		port=$(free_port)
		eval "PORT_$(echo "$org" | tr .- __)=$port"
	done
	cat > "$T/book.ini" <<EOB
[org lerum.elevhalsa]
name = Lerums kommun, elevhälsa
orgnr = 212000-1488
endpoint = tcp://127.0.0.1:$PORT_lerum_elevhalsa
key = keys/lerum.elevhalsa.pub

[function lerum.elevhalsa/skolskoterska]
guarantee_days = 3

[function lerum.elevhalsa/kurator]

[org alingsas.uph]
name = Alingsås primärvård, ungdomspsykiatrisk mottagning
endpoint = tcp://127.0.0.1:$PORT_alingsas_uph
key = keys/alingsas.uph.pub

[function alingsas.uph/konsultation]
accepts = consultation-request, withdrawal
guarantee_days = ${GUARANTEE_DAYS:-3}

[org alingsas.soc]
name = Alingsås kommun, socialtjänsten
endpoint = tcp://127.0.0.1:$PORT_alingsas_soc
key = keys/alingsas.soc.pub

[function alingsas.soc/mottagning]
accepts = consultation-request
guarantee_days = 5
EOB
	sign_book 1
	for org in $ORGS; do
		port=$(eval echo "\$PORT_$(echo "$org" | tr .- __)")
		cat > "$T/$org.conf" <<EOC
[daemon]
org = $org
listen = tcp://127.0.0.1:$port
state_dir = state/$org
socket = run/$org.sock
key = keys/$org.secret
book = book.cairnbook
federation = keys/federation.pub
retry_min = ${RETRY_MIN:-200ms}
retry_max = ${RETRY_MAX:-2s}
EOC
		[ -n "${WINDOW:-}" ] && echo "window = $WINDOW" >> "$T/$org.conf"
		if [ -n "${WINDOW_BYTES:-}" ]; then
			echo "window_bytes = $WINDOW_BYTES" >> "$T/$org.conf"
		fi
	done
}

sign_book() {
	"$CAIRN_KEYS" book sign -k "$T/keys/federation.secret" -s "$1" \
		-o "$T/book.cairnbook" "$T/book.ini" >/dev/null ||
		die "book sign"
}

pid_of() {
	cat "$T/run/$1.pid" 2>/dev/null
}

faketime_lib() {
	local f
	for f in /usr/lib/*/faketime/libfaketime.so.1 \
	    /usr/lib/faketime/libfaketime.so.1; do
		[ -e "$f" ] && { echo "$f"; return; }
	done
	die "libfaketime not found (apt-get install faketime)"
}

# start ORG: runs cairnd in the background and waits until it is ready.
start() {
	local org=$1 i pid before
	before=$(grep -c "ready on" "$T/log/$org.log" 2>/dev/null)
	# CLOCK (e.g. +10d) runs the daemon with a shifted clock (faketime)
	if [ -n "${CLOCK:-}" ]; then
		# preloaded directly, so that $! is cairnd itself
		ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" \
		    LD_PRELOAD="$(faketime_lib)" FAKETIME="$CLOCK" \
		    FAKETIME_DONT_FAKE_MONOTONIC=1 \
		    "$CAIRND" -c "$T/$org.conf" >>"$T/log/$org.log" 2>&1 &
	else
		"$CAIRND" -c "$T/$org.conf" >>"$T/log/$org.log" 2>&1 &
	fi
	pid=$!
	echo "$pid" > "$T/run/$org.pid"
	PIDS="$PIDS $pid"
	for i in $(seq 1 100); do
		[ "$(grep -c "ready on" "$T/log/$org.log")" -gt "${before:-0}" ] &&
			return 0
		kill -0 "$pid" 2>/dev/null || die "cairnd $org exited"
		sleep 0.1
	done
	die "cairnd $org not ready"
}

# stop ORG: SIGTERM and wait for a clean exit (status 0).
stop() {
	local pid
	pid=$(pid_of "$1")
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	local rc=$?
	rm -f "$T/run/$1.pid"
	[ $rc -eq 0 ] || die "cairnd $1 exited with $rc on SIGTERM"
}

crash() {
	local pid
	pid=$(pid_of "$1")
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rm -f "$T/run/$1.pid"
}

# c ORG ARGS...: the cairn CLI against ORG's daemon.
c() {
	local org=$1
	shift
	"$CAIRN" -s "$T/run/$org.sock" "$@"
}

TODAY=$(date -u +%F)

# request: a consultation request from the school nurse to UPH; prints id.
request() {
	c lerum.elevhalsa request --from skolskoterska \
		--to "${1:-alingsas.uph/konsultation}" --subject 19121212-1212 \
		--consent "guardian:$TODAY" \
		--question "Eleven har haft svår ångest sedan i höstas." \
		--urgency soon
}

# json_field JSON KEY: a top-level string or number field.
json_field() {
	printf '%s' "$1" | /usr/bin/python3 -c \
	    'import json,sys; v=json.load(sys.stdin).get(sys.argv[1]); print("" if v is None else v)' "$2"
}

state_of() {
	json_field "$(c "$1" status "$2" --json)" state
}

# wait_delivered ORG N: polls ORG's stats (up to 60 s) until N of its
# messages are DELIVERED; prints the last stats (JSON).  Fails only when
# stats cannot be read: the caller checks what it printed.
wait_delivered() {
	local i st
	for i in $(seq 1 300); do
		st=$(c "$1" stats --json) || return 1
		[ "$(json_field "$st" out_delivered)" -eq "$2" ] && break
		sleep 0.2
	done
	printf '%s\n' "$st"
}

# wait_state ORG ID STATE [SECONDS]
wait_state() {
	local i s
	for i in $(seq 1 $((${4:-15} * 10))); do
		s=$(state_of "$1" "$2" 2>/dev/null)
		[ "$s" = "$3" ] && return 0
		sleep 0.1
	done
	die "message $2 at $1 is '$s', expected $3"
}
