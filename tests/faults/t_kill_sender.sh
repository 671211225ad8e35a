# kill -9 of the sender at random points of a message stream, some of them
# while a client submit is in flight: every message the client was told is
# accepted is delivered exactly once; a submit that got no answer is
# delivered once or not at all.
# short: 300 messages, 5 kills; long: 5,000 messages, 50 kills.
. "$(dirname "$0")/lib.sh"
N=$(tier 300 5000)
K=$(tier 5 50)
SUBMIT_TIMEOUT=1
RETRY_MIN=100ms RETRY_MAX=1s federation
start "$RECEIVER"
start "$SENDER"
R="$T/results"
: > "$R"
stream_bg 1 "$N" "$R"
i=0
for p in $(random_points "$K" 1 "$N"); do
	while [ "$(progress "$R")" -lt "$p" ]; do
		kill -0 "$STREAM_PID" 2>/dev/null || break
		sleep 0.01
	done
	i=$((i + 1))
	if [ $((i % 3)) -eq 0 ]; then
		# certainly during a submit: the daemon runs under strace
		# with every fdatasync delayed 0.4 s, so it has read the
		# request and is committing it when it is killed
		stop "$SENDER"
		wrap "$SENDER" strace -f -qq -o /dev/null -e trace=fdatasync \
		    -e inject=fdatasync:delay_enter=400000
		fstart "$SENDER"
		rm -f "$T/bin/$SENDER"
		submit1 "$((N + i))" >> "$R" &
		sp=$!
		sleep 0.2
		tp=$(pid_of "$SENDER")
		kill -9 "$(awk '{ print $1 }' "/proc/$tp/task/$tp/children")"
		wait_exit "$SENDER" 5 || die "traced sender did not die"
		start "$SENDER"
		KILLS=$((KILLS + 1))
		stat kills 1
		wait "$sp"
	else
		rsleep 10
		kill9 "$SENDER"
	fi
done
wait "$STREAM_PID"
[ "$(grep -c . "$R")" -eq $((N + K / 3)) ] ||
	die "expected $((N + K / 3)) submits, have $(grep -c . "$R")"
drained "$SENDER" 60
check_delivery "$R"
u=$(grep -c "noanswer\|error\|notstored" "$R")
echo "kills of the sender survived: $KILLS; submits cut off by a kill: $u"
stat submits_cut_by_kill "$u"
[ "$u" -gt 0 ] || die "no kill landed during a submit"
stop "$SENDER"
stop "$RECEIVER"
audit_sound "$SENDER"
audit_sound "$RECEIVER"
finish
