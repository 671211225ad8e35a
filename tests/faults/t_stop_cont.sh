# SIGSTOP/SIGCONT of the receiver and of the sender in the middle of a
# message stream: nothing accepted is lost or doubled; submits that timed
# out while the sender was stopped are delivered once or not at all.
# short: 300 messages, 2 stops of each side; long: 5,000 messages, 10 each.
. "$(dirname "$0")/lib.sh"
N=$(tier 300 5000)
K=$(tier 4 20)
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
	if [ $((i % 2)) -eq 0 ]; then
		pause "$RECEIVER" 3
	else
		pause "$SENDER" 2
	fi
done
wait "$STREAM_PID"
[ "$(progress "$R")" -eq "$N" ] || die "stream stopped at $(progress "$R")"
drained "$SENDER" 60
check_delivery "$R"
echo "SIGSTOP/SIGCONT cycles: $K; submits without an answer:" \
	"$(grep -c noanswer "$R")"
stop "$SENDER"
stop "$RECEIVER"
audit_sound "$SENDER"
audit_sound "$RECEIVER"
finish
