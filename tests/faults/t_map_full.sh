# LMDB map full on the sender (map_size = 1M) while the receiver is down:
# submits are refused with "store is full" within seconds, the daemon
# waits without spinning, the backlog it accepted is delivered once the
# receiver is up (the daemon must still be able to record sends and
# receipts with a full map), and nothing accepted is lost or doubled.
# An audit checkpoint falls due with every record, so that some come due
# while the map is full: the pass that cannot store one is abandoned (it
# once made the daemon exit on "store commit failed"), and the
# checkpoint waits until the passes that free room have committed.
# Finally the map is grown (what an operator does) and everything is
# checked.
. "$(dirname "$0")/lib.sh"
RETRY_MIN=100ms RETRY_MAX=1s federation
setconf "$SENDER" map_size 1M
setconf "$SENDER" checkpoint_records 1
start "$SENDER"
R="$T/results"
: > "$R"
fill "$SENDER" "$R" 1 5000
n=$(accepted "$R")
echo "accepted $n, then refused: slowest refusal ${FULL_MS} ms"
stat refused_full $((NEXT - 1 - n))
[ "$FULL_MS" -lt 5000 ] || soft_fail "a refusal took ${FULL_MS} ms"
grep -q "store is full" "$T/submit-errors" || soft_fail "no 'store is full'"
idle_check "$SENDER" 3 "with a full map and the receiver down"

start "$RECEIVER"
ok=0
t0=$(date +%s)
for i in $(seq 1 60); do
	if ! alive "$SENDER"; then
		soft_fail "$SENDER exited (status $XSTATUS) while delivering" \
		    "its backlog with a full map"
		daemon_state "$SENDER" >&2
		break
	fi
	count_queued "$SENDER"
	q=$Q
	[ "$q" = 0 ] && { ok=1; break; }
	[ $((i % 10)) -eq 0 ] && echo "  after $i s: $q QUEUED"
	sleep 1
done
if [ $ok = 1 ]; then
	echo "backlog of $n drained with the map full in" \
	    "$(( $(date +%s) - t0 )) s"
else
	soft_fail "with a full map the sender delivers only $((n - q)) of" \
	    "$n accepted messages in 60 s after the receiver came up" \
	    "(log: $(grep -v info: "$T/log/$SENDER.log" | tail -n 1))"
	idle_check "$SENDER" 3 "with a full map and a backlog"
fi
# space returns: a bigger map
stop "$SENDER"
setconf "$SENDER" map_size 4M
start "$SENDER"
drained "$SENDER" 60
submit1 "$NEXT" >> "$R" || soft_fail "refused after the map was grown"
drained "$SENDER" 30
check_delivery "$R"
stop "$SENDER"
stop "$RECEIVER"
audit_sound "$SENDER"
audit_sound "$RECEIVER"
finish
