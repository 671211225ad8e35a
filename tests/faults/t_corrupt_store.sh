# Corruption of a stopped daemon's store: one bit flipped in a record of
# each database (value or key), and random bytes flipped anywhere in
# data.mdb.  After each, the daemon either refuses to start with a clear
# message, or starts and refuses the damaged reads, or serves exactly what
# was stored -- never different data silently, and it never crashes.
# Both daemons are damaged in turn: the sender (outbox, outenv, sched,
# receipts, cases, meta) and the receiver (inbox, inenv, dedup, cases).
# short: 1 flip per database per side + 8 raw trials; long: 6 + 150.
. "$(dirname "$0")/lib.sh"
PER_DB=${PER_DB:-$(tier 1 6)}
RAW=${RAW:-$(tier 8 150)}
PROBE="/usr/bin/python3 $FAULTS/probe.py"
CORRUPT="/usr/bin/python3 $FAULTS/corrupt.py"
RETRY_MIN=100ms RETRY_MAX=1s federation
start "$RECEIVER"
start "$SENDER"
R="$T/results"
: > "$R"
stream 1 30 "$R"
drained "$SENDER" 20
$PROBE ref "$CAIRN" "$T/run/$RECEIVER.sock" "$T/ref.$RECEIVER" ||
	die "reference of $RECEIVER"
stop "$RECEIVER"
stream 31 40 "$R"
$PROBE ref "$CAIRN" "$T/run/$SENDER.sock" "$T/ref.$SENDER" ||
	die "reference of $SENDER"
stop "$SENDER"
mkdir -p "$T/pristine"
cp -a "$T/state/$SENDER" "$T/state/$RECEIVER" "$T/pristine/"

tried=0 detected=0 harmless=0 silent=0 crashed=0 noanswer=0
# trial ORG CORRUPT-ARGS...: damage a fresh copy of ORG's store, start,
# probe, classify.
trial() {
	local org=$1 what verdict detail pid
	shift
	rm -rf "$T/state/$org"
	cp -a "$T/pristine/$org" "$T/state/$org"
	what=$($CORRUPT "$1" "$T/state/$org" "${@:2}" 2>&1) ||
		die "corrupt.py $*: $what"
	rm -rf "$T/damaged"
	cp -a "$T/state/$org" "$T/damaged"
	tried=$((tried + 1))
	wrap "$org"
	if ! try_start "$org"; then
		detail=$(grep -v "info:" "$T/log/$org.log" | tail -n 1)
		if [ "$XSTATUS" -gt 128 ]; then
			verdict=crash
			detail="killed by signal $((XSTATUS - 128)) at start"
		else
			verdict=refused
		fi
	else
		verdict=$($PROBE check "$CAIRN" "$T/run/$org.sock" \
		    "$T/ref.$org")
		detail=${verdict#*: }
		verdict=${verdict%%:*}
		# a second of sends and retries: it must not spin on the
		# damaged record
		pid=$(pid_of "$org")
		a=$(cpu_ticks "$pid" 2>/dev/null)
		sleep 0.5
		b=$(cpu_ticks "$pid" 2>/dev/null)
		if [ -n "$a" ] && [ -n "$b" ] && [ $((b - a)) -gt 25 ]; then
			soft_fail "$org spins ($((2 * (b - a)))% CPU) after" \
			    "'$what':" \
			    "$(grep -v "info:" "$T/log/$org.log" | tail -n 1)"
		fi
		if alive "$org" && [ "$verdict" = gone ]; then
			verdict=noanswer	# alive, but a request got nothing
		fi
		if ! alive "$org"; then
			if [ "$XSTATUS" -gt 128 ]; then
				verdict=crash
				detail="killed by signal $((XSTATUS - 128)):" \
				    "$detail"
			elif [ "$verdict" != differs ]; then
				verdict=exited
				detail="$(grep -v "info:" "$T/log/$org.log" | \
				    tail -n 1)"
			fi
		else
			kill -TERM "$(pid_of "$org")"
			wait_exit "$org" 10 ||
				{ kill -9 "$(pid_of "$org")"; wait_exit "$org" 5; }
			[ "$XSTATUS" -gt 128 ] && [ "$XSTATUS" != 137 ] && {
				verdict=crash
				detail="signal $((XSTATUS - 128)) on stop: $detail"
			}
		fi
	fi
	case $verdict in
	refused|error|exited) detected=$((detected + 1)) ;;
	equal) harmless=$((harmless + 1)) ;;
	differs) silent=$((silent + 1))
		soft_fail "$org served damaged data silently after" \
		    "'$what': $detail" ;;
	noanswer) noanswer=$((noanswer + 1))
		soft_fail "$org left a request unanswered after '$what':" \
		    "$detail; log: $(grep -v "info:" "$T/log/$org.log" |
		    tail -n 1)"
		crash_report "$org" ;;
	gone|crash) crashed=$((crashed + 1))
		soft_fail "$org crashed after '$what': $detail"
		crash_report "$org" ;;
	esac
	# what the daemon logged about it, if anything
	printf '%-8s %-15s %s\n         -> %s\n' "$verdict" "$org" "$what" \
	    "$detail"
	grep -v "info:\|ready on\|signal 15\|stopped$" "$T/log/$org.log" |
		sed 's/^cairnd: //' | sort | uniq -c | sort -rn | head -n 3 |
		sed 's/^ */         log: /'
	: > "$T/log/$org.log"
}

# ids of the messages still QUEUED at the sender: their records are read
# again by the scheduler
QUEUED_IDS=$(/usr/bin/python3 -c 'import json,sys
print(" ".join(e["id"] for e in json.load(open(sys.argv[1]))["outbox"]
    if e["state"] == "QUEUED"))' "$T/ref.$SENDER")
[ -n "$QUEUED_IDS" ] || die "no QUEUED message at the sender"
# crash_report ORG: keeps the damaged store that crashed ORG (the test's
# directory is kept) and prints where the daemon died, from gdb.
crash_report() {
	local keep="$T/crash.$tried"
	mv "$T/damaged" "$keep"
	KEEP=1
	echo "         kept the damaged store: $keep; reproduce with:"
	echo "           rm -rf $T/state/$1 && cp -a $keep $T/state/$1 &&" \
	    "$REAL_CAIRND -c $T/$1.conf"
	if [ "$verdict" != noanswer ] && command -v gdb >/dev/null 2>&1; then
		rm -rf "$T/state/$1"
		cp -a "$keep" "$T/state/$1"
		timeout 30 gdb -q -batch -ex run -ex bt --args "$REAL_CAIRND" \
		    -c "$T/$1.conf" 2>&1 | grep -E "^#|SIG" | head -n 12 |
		    sed 's/^/         gdb: /'
	fi
}

n=0
for i in $(seq 1 "$PER_DB"); do
	set -- $QUEUED_IDS
	qid=$(eval echo "\${$((1 + RANDOM % $#))}")
	for db in outbox outenv; do
		n=$((n + 1))
		trial "$SENDER" record "$db" "$n" "$qid"
	done
	for db in outbox outenv receipts cases meta audit; do
		n=$((n + 1))
		trial "$SENDER" record "$db" "$n"
	done
	n=$((n + 1))
	trial "$SENDER" key sched "$n"	# its values are empty
	for db in inbox inenv dedup cases; do
		n=$((n + 1))
		trial "$RECEIVER" record "$db" "$n"
	done
	n=$((n + 1))
	trial "$SENDER" key outbox "$n"
	n=$((n + 1))
	trial "$RECEIVER" key inbox "$n"
done
for i in $(seq 1 "$RAW"); do
	n=$((n + 1))
	if [ $((i % 2)) -eq 0 ]; then org=$SENDER; else org=$RECEIVER; fi
	trial "$org" raw $((1 + RANDOM % 8)) "$n"
done
# Live: the envelope of one QUEUED message is damaged and the receiver is
# up.  The other queued messages must be delivered, the damaged one must
# not be (the receiver would refuse it anyway) and its status must show
# the problem, and the sender must not spin on it.
set -- $QUEUED_IDS
qid=$1
rm -rf "$T/state/$SENDER" "$T/state/$RECEIVER"
cp -a "$T/pristine/$SENDER" "$T/pristine/$RECEIVER" "$T/state/"
what=$($CORRUPT record "$T/state/$SENDER" outenv 7 "$qid")
tried=$((tried + 1))
: > "$T/log/$SENDER.log"
start "$SENDER"
start "$RECEIVER"
sleep 3
idle_check "$SENDER" 2 "with a damaged envelope in its queue"
st=$(c "$SENDER" status "$qid" --json)
state=$(json_field "$st" state)
err=$(json_field "$st" last_error)
count_queued "$SENDER"
echo "live: $what; its state $state ($err); $Q QUEUED in all"
[ "$Q" -le 1 ] || soft_fail "one damaged envelope holds up $Q messages"
if [ "$state" = QUEUED ] && ! echo "$err" | grep -qi corrupt; then
	soft_fail "the message with a damaged envelope stays QUEUED and its" \
	    "status does not say why ($err); log: $(grep -v info: \
	    "$T/log/$SENDER.log" | sort | uniq -c | sort -rn | head -n 1)"
else
	detected=$((detected + 1))
fi
c "$RECEIVER" status "$qid" >/dev/null 2>&1 &&
	soft_fail "the message with a damaged envelope was delivered"
stop "$SENDER"
stop "$RECEIVER"

echo "corruption trials: $tried; detected (start refused, read refused or" \
	"daemon stopped): $detected; no effect on what is served: $harmless;" \
	"served silently: $silent; crashes: $crashed; requests left" \
	"unanswered: $noanswer"
stat bad_tried "$tried"
stat bad_rejected "$detected"
stat bad_harmless "$harmless"
stat bad_silent "$silent"
stat bad_crash "$crashed"
stat bad_noanswer "$noanswer"
finish
