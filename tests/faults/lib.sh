# SPDX-License-Identifier: MIT
#
# Helpers for the fault scenarios (tests/faults/t_*.sh).  Builds on the
# integration helpers (a federation of real daemons in a temporary
# directory, driven through the real CLIs) and adds a stream driver that
# numbers every submit, the delivery checker, counters for run.sh's closing
# report, and small fault tools.  B must be set; TIER is short or long.

FAULTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$FAULTS/../integration/lib.sh"

: "${TIER:=short}"
case "$TIER" in
short|long) ;;
*) echo "TIER must be short or long, not '$TIER'" >&2; exit 2 ;;
esac
CHECK="$FAULTS/check.py"
SENDER=lerum.elevhalsa
RECEIVER=alingsas.uph

# tier VALUE_SHORT VALUE_LONG
tier() {
	if [ "$TIER" = long ]; then echo "$2"; else echo "$1"; fi
}

# stat KEY N: a count for run.sh's closing report.
stat() {
	[ -n "${FAULT_STATS:-}" ] && echo "$1 $2" >> "$FAULT_STATS"
	return 0
}

# note TEXT: a line for the closing report (a figure worth keeping).
note() {
	echo "note: $*"
	[ -n "${FAULT_NOTES:-}" ] && echo "$(basename "$0" .sh): $*" \
		>> "$FAULT_NOTES"
	return 0
}

# skip REASON: exit 77 (run.sh counts it as skipped).
skip() {
	echo "skip: $*"
	exit 77
}

need_root() {
	[ "$(id -u)" = 0 ] || skip "needs root ($*)"
}

need_cmd() {
	local x
	for x in "$@"; do
		command -v "$x" >/dev/null 2>&1 || skip "needs $x"
	done
}

# submit1 SEQ [ORG] [TO]: one tagged consultation request; prints one
# results line "SEQ ok ID" or "SEQ full|notstored|noanswer|error -".
# The refusal text goes to $T/submit-errors.
submit1() {
	local seq=$1 org=${2:-$SENDER} to=${3:-$RECEIVER/konsultation}
	local id rc err="$T/submit.$BASHPID.err"
	id=$("$CAIRN" -s "$T/run/$org.sock" -t "${SUBMIT_TIMEOUT:-2}" \
	    request --from skolskoterska --to "$to" --subject 19121212-1212 \
	    --consent "guardian:$TODAY" --urgency soon \
	    --question "fault-seq=$seq Eleven har haft svår ångest." \
	    2>"$err")
	rc=$?
	if [ $rc -eq 0 ] && [[ $id =~ ^[0-9a-f]{32}$ ]]; then
		echo "$seq ok $id"
		return 0
	fi
	{ printf '%s rc=%s ' "$seq" "$rc"; cat "$err"; } >> "$T/submit-errors"
	if grep -q "store is full" "$err"; then
		echo "$seq full -"
	elif grep -q "could not store this durably" "$err"; then
		echo "$seq notstored -"
	elif grep -qi "timed out\|is cairnd running\|connection\|no such file" \
	    "$err" || [ $rc -gt 1 ]; then
		echo "$seq noanswer -"
	else
		echo "$seq error -"
	fi
	return 1
}

# stream FIRST LAST OUT [SLEEP]: submits FIRST..LAST one after another,
# appending a results line per submit to OUT (so that a watcher can follow
# progress with `wc -l`).
stream() {
	local i
	for i in $(seq "$1" "$2"); do
		# stream_stop asks between submits, so none is cut off
		[ -e "$T/stream.stop" ] && break
		submit1 "$i" >> "$3"
		[ -n "${4:-}" ] && sleep "$4"
	done
	return 0
}

# stream_stop: ends a background stream after the submit in progress.
stream_stop() {
	touch "$T/stream.stop"
	wait "$STREAM_PID" 2>/dev/null
	rm -f "$T/stream.stop"
}

# stream_bg FIRST LAST OUT [SLEEP]: stream in the background; its pid in
# STREAM_PID (cleanup kills it).
stream_bg() {
	stream "$@" &
	STREAM_PID=$!
	PIDS="$PIDS $STREAM_PID"
}

progress() {
	if [ -f "$1" ]; then wc -l < "$1"; else echo 0; fi
}

# accepted OUT: the number of accepted submits so far.
accepted() {
	grep -c " ok " "$1" 2>/dev/null || true
}

# random_points N LO HI: N sorted random integers in [LO, HI).
random_points() {
	/usr/bin/python3 -c 'import random,sys
n,lo,hi=map(int,sys.argv[1:])
print(" ".join(str(x) for x in sorted(random.randrange(lo,hi) for _ in range(n))))' "$@"
}

# rsleep MAX_MS: sleeps a random time up to MAX_MS milliseconds.
rsleep() {
	sleep "$(printf '0.%03d' $((RANDOM % ($1 + 1))))"
}

# kill9 ORG: kill -9 and restart; counted as a kill survived once the
# daemon is ready again.
kill9() {
	crash "$1"
	start "$1"
	KILLS=$((${KILLS:-0} + 1))
	stat kills 1
}

# pause ORG SECONDS: SIGSTOP, wait, SIGCONT.
pause() {
	local pid
	pid=$(pid_of "$1")
	kill -STOP "$pid" || die "SIGSTOP $1"
	sleep "$2"
	kill -CONT "$pid" || die "SIGCONT $1"
	stat stops 1
}

# box ORG inbox|outbox FILE: `cairn inbox|outbox --json` of ORG into
# FILE.  If the CLI cannot list the box (with more than about a thousand
# messages the client refuses the daemon's reply: "local protocol error"),
# that is reported once per test and the ids are read from the store
# instead (storelist.py), so that the delivery check still runs.  A
# listing cut off at 10,000 (the CLI says "more exist") is read from the
# store too.
LIST_FAILED=""
box() {
	if c "$1" -t 30 "$2" --json > "$3" 2> "$T/box.err"; then
		grep -q "more exist" "$T/box.err" || return 0
		/usr/bin/python3 "$FAULTS/storelist.py" "$T/state/$1" "$2" \
		    > "$3" || die "cannot list $2 of $1"
		return 0
	fi
	if [ -z "$LIST_FAILED" ]; then
		LIST_FAILED=1
		soft_fail "cairn $2 --json on $1 fails with" \
		    "$(/usr/bin/python3 "$FAULTS/storelist.py" "$T/state/$1" \
		    "$2" | /usr/bin/python3 -c \
		    'import json,sys; print(len(json.load(sys.stdin)))') messages:" \
		    "$(cat "$T/box.err")"
		stat listing_failures 1
		daemon_state "$1" >&2
	fi
	/usr/bin/python3 "$FAULTS/storelist.py" "$T/state/$1" "$2" > "$3" ||
		die "cannot list $2 of $1"
}
outbox_json() {
	box "$1" outbox "$2"
}
inbox_json() {
	box "$1" inbox "$2"
}

# count_queued ORG: the number of QUEUED messages in ORG's outbox, in Q
# (no $(...): a listing failure must reach this shell's SOFT_FAILS).
count_queued() {
	box "$1" outbox "$T/queued.json"
	Q=$(/usr/bin/python3 -c 'import json,sys
print(sum(1 for e in json.load(open(sys.argv[1])) if e["state"]=="QUEUED"))' \
	    "$T/queued.json")
}

# drained ORG SECONDS: waits until ORG's outbox has nothing QUEUED.
drained() {
	local i
	Q=""
	for i in $(seq 1 $(($2 * 2))); do
		count_queued "$1"
		[ "$Q" = 0 ] && return 0
		sleep 0.5
	done
	die "$1 still has ${Q:-?} messages QUEUED after $2 s"
}

# check_delivery RESULTS [LABEL]: runs the checker on the sender's outbox
# and the receiver's inbox (contents decrypted and matched: every message
# the client did not hear about, and CHECK_SAMPLE of the others, all of
# them in the long tier); fails the test on anything but delivered-once.
check_delivery() {
	outbox_json "$SENDER" "$T/outbox.json"
	inbox_json "$RECEIVER" "$T/inbox.json"
	/usr/bin/python3 "$CHECK" --label "${2:-$(basename "$0" .sh)}" \
	    --results "$1" --inbox "$T/inbox.json" --outbox "$T/outbox.json" \
	    --sample "${CHECK_SAMPLE:-$(tier 300 0)}" \
	    --show "$CAIRN -s $T/run/$RECEIVER.sock -t 30 show --json" ||
		die "delivery check failed"
}

# rss_kib PID [FIELD]: VmRSS (or FIELD, e.g. RssAnon) in KiB.
rss_kib() {
	awk -v f="${2:-VmRSS}:" '$1 == f { print $2 }' "/proc/$1/status"
}

# wrap ORG CMD...: the next `start ORG` runs cairnd under CMD (strace,
# ip netns exec, ...).  The wrapper execs, so the pid stays the one run.
wrap() {
	local org=$1
	shift
	mkdir -p "$T/bin"
	{
		echo '#!/bin/sh'
		printf 'exec'
		[ $# -eq 0 ] || printf ' %q' "$@"
		printf ' %q "$@"\n' "$REAL_CAIRND"
	} > "$T/bin/$org"
	chmod +x "$T/bin/$org"
}
REAL_CAIRND=$CAIRND

# fstart ORG: like start, with the wrapper of ORG if there is one.
fstart() {
	if [ -x "$T/bin/$1" ]; then
		CAIRND="$T/bin/$1" start "$1"
	else
		CAIRND=$REAL_CAIRND start "$1"
	fi
}

# wait_exit ORG SECONDS: waits (SECONDS may be 0.5) for ORG's daemon to
# exit by itself.  Returns 0 with its exit status in XSTATUS, or 1 while
# it still runs.  Not in a $(...) subshell: only this shell can wait.
wait_exit() {
	local pid i n
	pid=$(pid_of "$1")
	n=$(awk -v s="$2" 'BEGIN { n = int(s * 10); print n < 1 ? 1 : n }')
	XSTATUS=running
	for i in $(seq 1 "$n"); do
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid" 2>/dev/null
			XSTATUS=$?
			rm -f "$T/run/$1.pid"
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# setconf ORG KEY VALUE: sets a [daemon] key in ORG's configuration.
setconf() {
	local f="$T/$1.conf"
	if grep -q "^$2 = " "$f"; then
		sed -i "s|^$2 = .*|$2 = $3|" "$f"
	else
		sed -i "/^\[daemon\]/a $2 = $3" "$f"
	fi
}

# soft_fail TEXT: records a failure and goes on, so that one run reports
# every problem and still checks delivery; finish() fails the test if any.
SOFT_FAILS=""
soft_fail() {
	echo "FAIL: $*" >&2
	SOFT_FAILS="$SOFT_FAILS
  - $*"
}
finish() {
	[ -z "$SOFT_FAILS" ] || die "problems found:$SOFT_FAILS"
	return 0
}

# cpu_ticks PID: user + system time so far, in clock ticks (1/100 s)
cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# idle_check ORG SECONDS WHAT: ORG's daemon, meant to be waiting, must not
# spin (under 25 % of a core) nor flood its log (under 20 lines/s).
idle_check() {
	local pid a b l1 l2 cpu lines
	pid=$(pid_of "$1")
	a=$(cpu_ticks "$pid")
	l1=$(wc -l < "$T/log/$1.log")
	sleep "$2"
	b=$(cpu_ticks "$pid")
	l2=$(wc -l < "$T/log/$1.log")
	cpu=$(( (b - a) / $2 ))
	lines=$(( (l2 - l1) / $2 ))
	echo "$1 $3: ${cpu}% CPU, $lines log lines/s"
	[ "$cpu" -lt 25 ] || soft_fail "$1 spins at ${cpu}% CPU $3"
	[ "$lines" -lt 20 ] ||
		soft_fail "$1 writes $lines log lines/s $3: $(tail -n 1 \
		    "$T/log/$1.log")"
}

# fill ORG RESULTS FIRST MAX: submits until 5 in a row are refused with
# "store is full" (or MAX submits); NEXT is the next seq; FULL_MS is the
# slowest refusal in milliseconds.  With FILL_ALIVE=1 it also stops when
# the daemon has exited (FILLED=exited).
fill() {
	local i=$3 full=0 s e ms
	FULL_MS=0
	FILLED=full
	while [ $full -lt 5 ] && [ $i -lt $(($3 + $4)) ]; do
		if [ "${FILL_ALIVE:-0}" = 1 ] && ! alive "$1"; then
			FILLED=exited
			NEXT=$i
			return 0
		fi
		s=$(date +%s%N)
		if submit1 "$i" "$1" >> "$2"; then
			full=0
		else
			e=$(date +%s%N)
			ms=$(( (e - s) / 1000000 ))
			[ $ms -gt "$FULL_MS" ] && FULL_MS=$ms
			tail -n 1 "$2" | grep -q " full " && full=$((full + 1))
		fi
		i=$((i + 1))
	done
	NEXT=$i
	[ $full -ge 5 ] || die "$1: $4 submits and the store is not full"
}

# tmpfs_state ORG SIZE: ORG's state directory on a tmpfs of SIZE (root
# only); unmounted at exit.
MOUNTS=""
tmpfs_state() {
	local d="$T/state/$1"
	mkdir -p "$d" && chmod 700 "$d"
	mount -t tmpfs -o "size=$2,mode=0700" "cairn-faults" "$d" ||
		die "mount tmpfs on $d"
	MOUNTS="$MOUNTS $d"
}
NETNS=""
fault_cleanup() {
	local p m
	for p in $PIDS; do
		kill -9 "$p" 2>/dev/null
	done
	wait 2>/dev/null
	for m in $MOUNTS; do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
	done
	for m in $NETNS; do
		ip netns del "$m" 2>/dev/null
	done
	cleanup
}
trap fault_cleanup EXIT
# run.sh's timeout sends SIGTERM: clean up (mounts, namespaces) then too
trap 'exit 143' TERM
trap 'exit 130' INT

# try_start ORG: like start, but returns 1 when the daemon exits before it
# is ready (e.g. no room for its start record) instead of failing.
try_start() {
	local org=$1 i pid before
	before=$(grep -c "ready on" "$T/log/$org.log" 2>/dev/null)
	"${T}/bin/$org" -c "$T/$org.conf" >>"$T/log/$org.log" 2>&1 &
	pid=$!
	echo "$pid" > "$T/run/$org.pid"
	PIDS="$PIDS $pid"
	for i in $(seq 1 100); do
		[ "$(grep -c "ready on" "$T/log/$org.log")" -gt "${before:-0}" ] &&
			return 0
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid" 2>/dev/null
			XSTATUS=$?
			rm -f "$T/run/$org.pid"
			return 1
		fi
		sleep 0.1
	done
	die "cairnd $org not ready"
}

# daemon_state ORG: why a daemon does not answer, for the test's output:
# the end of its log (an ASan report, a fatal error), and if it still
# runs, each thread's state and where it waits (and a backtrace when gdb
# is there).
daemon_state() {
	local pid t
	pid=$(pid_of "$1")
	echo "    $1: the last lines of its log:"
	grep -v "info:" "$T/log/$1.log" | tail -n 15 | sed 's/^/      /'
	if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
		echo "    $1: not running"
		return 0
	fi
	for t in /proc/"$pid"/task/*; do
		echo "      thread ${t##*/} $(cat "$t/comm" 2>/dev/null):" \
		    "$(awk '{ print "state", $3 }' "$t/stat" 2>/dev/null)," \
		    "waits in $(cat "$t/wchan" 2>/dev/null)"
	done
	command -v gdb >/dev/null 2>&1 &&
		timeout 60 gdb -p "$pid" -batch -ex "thread apply all bt 12" \
		    2>/dev/null | grep -E "^(Thread|#)" | sed 's/^/      /'
	return 0
}

# alive ORG: 0 while ORG's daemon runs; else 1, its status in XSTATUS.
alive() {
	[ -n "$(pid_of "$1")" ] || return 1
	! wait_exit "$1" 0
}

# revive ORG WHEN: if ORG's daemon has exited, reports it (a soft
# failure) and restarts it the way systemd would (Restart=on-failure,
# every RestartSec=2, here every second), up to 30 times.
revive() {
	local i
	alive "$1" && return 0
	soft_fail "$1 exited with status $XSTATUS $2: $(grep -v "info:" \
	    "$T/log/$1.log" | tail -n 1)"
	stat failstop 1
	[ -x "$T/bin/$1" ] || wrap "$1"
	for i in $(seq 1 30); do
		try_start "$1" && return 0
		echo "$1: restart $i failed (status $XSTATUS): $(tail -n 1 \
		    "$T/log/$1.log")"
		sleep 1
	done
	die "$1 does not start again"
}

# audit_sound ORG: ORG's daemon stopped, its audit trail must verify
# (`cairn audit verify -d`, checkpoint signatures included) after whatever
# the test did to it.
audit_sound() {
	local out
	out=$("$CAIRN" audit verify -b "$T/book.cairnbook" \
	    -F "$T/keys/federation.pub" -d "$T/state/$1" 2>&1) ||
		soft_fail "$1: audit trail does not verify: $(echo "$out" |
		    grep "result:\|cairn:" | head -n 1)"
	echo "$1 audit: $(echo "$out" | grep "^records:\|^result:" |
	    tr '\n' ' ')"
}
