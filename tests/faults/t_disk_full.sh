# Disk full, for real: state directories on small tmpfs mounts (root).
# 1. The receiver's disk fills up: it cannot store what comes in, so no
#    receipts; the sender keeps everything QUEUED and retries; when the
#    disk grows, the backlog drains by itself.
# 2. The sender's disk fills up: submits are refused with "store is full"
#    within seconds; when it grows, the daemon accepts again and delivers.
# Neither daemon may spin or flood its log while full; nothing accepted is
# lost or doubled.
. "$(dirname "$0")/lib.sh"
need_root "mounts a tmpfs"
N=$(tier 200 1000)
RETRY_MIN=100ms RETRY_MAX=1s federation
tmpfs_state "$RECEIVER" 256k
tmpfs_state "$SENDER" 8m
start "$RECEIVER"
start "$SENDER"
R="$T/results"
: > "$R"

# 1. receiver full
stream 1 "$N" "$R"
[ "$(accepted "$R")" -eq "$N" ] || die "sender refused submits: $(tail -n 2 \
	"$T/submit-errors")"
sleep 2
count_queued "$SENDER"; q=$Q
echo "receiver's disk full: $q of $N still QUEUED at the sender"
[ "$q" -gt 0 ] || die "the receiver's 256k disk never filled up"
grep -q "store is full" "$T/log/$RECEIVER.log" ||
	soft_fail "the receiver does not say its store is full"
revive "$RECEIVER" "on a full disk"
alive "$RECEIVER" && idle_check "$RECEIVER" 3 \
	"with a full disk and a sender retrying"
revive "$RECEIVER" "on a full disk"
mount -o remount,size=64m "$T/state/$RECEIVER" || die "remount"
revive "$RECEIVER" "on a full disk"
drained "$SENDER" 30
echo "receiver's disk grown: backlog drained"

# 2. sender full
mount -o remount,size=$(( $(du -k "$T/state/$SENDER/data.mdb" | \
	cut -f1) + 64 ))k "$T/state/$SENDER" || die "remount"
FILL_ALIVE=1 fill "$SENDER" "$R" $((N + 1)) 5000
revive "$SENDER" "on a full disk while accepting submits"
echo "sender's disk full after $(( $(accepted "$R") - N )) more;" \
	"slowest refusal ${FULL_MS} ms"
stat refused_full 5
[ "$FULL_MS" -lt 5000 ] || soft_fail "a refusal took ${FULL_MS} ms"
alive "$SENDER" && idle_check "$SENDER" 3 "with a full disk"
revive "$SENDER" "on a full disk"
mount -o remount,size=64m "$T/state/$SENDER" || die "remount"
revive "$SENDER" "on a full disk"
for i in $(seq 1 20); do
	submit1 "$((NEXT + i))" >> "$R" && break
	sleep 0.5
done || true
tail -n 1 "$R" | grep -q " ok " ||
	soft_fail "the sender still refuses after its disk grew"
drained "$SENDER" 30
check_delivery "$R"
stop "$SENDER"
stop "$RECEIVER"
audit_sound "$SENDER"
audit_sound "$RECEIVER"
finish
