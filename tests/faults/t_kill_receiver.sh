# kill -9 of the receiver at random points of a message stream: every
# message the client was told is accepted is delivered exactly once.
# short: 300 messages, 5 kills; long: 5,000 messages, 50 kills.
. "$(dirname "$0")/lib.sh"
N=$(tier 300 5000)
K=$(tier 5 50)
RETRY_MIN=100ms RETRY_MAX=1s federation
start "$RECEIVER"
start "$SENDER"
R="$T/results"
: > "$R"
stream_bg 1 "$N" "$R"
for p in $(random_points "$K" 1 "$N"); do
	while [ "$(progress "$R")" -lt "$p" ]; do
		kill -0 "$STREAM_PID" 2>/dev/null || break
		sleep 0.01
	done
	rsleep 50
	kill9 "$RECEIVER"
done
wait "$STREAM_PID"
[ "$(progress "$R")" -eq "$N" ] || die "stream stopped at $(progress "$R")"
drained "$SENDER" 60
check_delivery "$R"
echo "kills of the receiver survived: $KILLS"
stop "$SENDER"
stop "$RECEIVER"
audit_sound "$SENDER"
audit_sound "$RECEIVER"
finish
