# A stopped, then slow receiver with a backlog of thousands: the backlog
# lives in LMDB, not in memory, so the sender's resident memory stays flat
# (peak VmRSS under 2 x idle + 20 MiB); afterwards everything is delivered
# exactly once, and listings of the whole outbox leave no memory behind.
# short: 2,000 messages, receiver stopped 5 s more, slow 5 s;
# long: 9,000 messages (listings stop at 10,000), stopped 60 s more, slow 30 s.
. "$(dirname "$0")/lib.sh"
[ "${SANITIZE:-}" = 1 ] && skip "resident memory under ASan says nothing"
N=$(tier 2000 9000)
HOLD=$(tier 5 60)
SLOW=$(tier 5 30)
RETRY_MIN=100ms RETRY_MAX=1s federation
start "$RECEIVER"
start "$SENDER"
R="$T/results"
: > "$R"
stream 1 20 "$R"
drained "$SENDER" 20
sleep 1
spid=$(pid_of "$SENDER")
idle=$(rss_kib "$spid")
idle_anon=$(rss_kib "$spid" RssAnon)
echo "sender idle: VmRSS $idle KiB (RssAnon $idle_anon KiB)"
peak=$idle
peak_anon=$idle_anon
sample() {
	local r a
	r=$(rss_kib "$spid")
	a=$(rss_kib "$spid" RssAnon)
	[ -n "$r" ] || die "sender gone"
	[ "$r" -gt "$peak" ] && peak=$r
	[ "$a" -gt "$peak_anon" ] && peak_anon=$a
	return 0
}
# stopped receiver: its connection stays open and its socket buffers fill
kill -STOP "$(pid_of "$RECEIVER")"
stream_bg 21 "$N" "$R"
while kill -0 "$STREAM_PID" 2>/dev/null; do
	sample
	sleep 0.5
done
wait "$STREAM_PID"
for i in $(seq 1 $((HOLD * 2))); do
	sample
	sleep 0.5
done
count_queued "$SENDER"; q=$Q
echo "backlog while the receiver is stopped: $q QUEUED"
[ "$q" -ge $((N / 2)) ] || die "backlog too small: $q"
# slow: the receiver runs 10 % of the time
rpid=$(pid_of "$RECEIVER")
for i in $(seq 1 $((SLOW * 2))); do
	kill -CONT "$rpid"
	sleep 0.05
	kill -STOP "$rpid"
	sample
	sleep 0.45
done
kill -CONT "$rpid"
stat stops 1
t0=$(date +%s)
drained "$SENDER" 120
echo "backlog drained $(( $(date +%s) - t0 )) s after the receiver resumed"
sample
limit=$((2 * idle + 20 * 1024))
echo "sender VmRSS: idle $idle KiB, peak $peak KiB (limit $limit KiB);" \
	"RssAnon: idle $idle_anon KiB, peak $peak_anon KiB"
note "sender VmRSS with a backlog of $N: idle $((idle / 1024)) MiB," \
	"peak $((peak / 1024)) MiB (RssAnon $((idle_anon / 1024)) ->" \
	"$((peak_anon / 1024)) MiB)"
[ "$peak" -le "$limit" ] ||
	soft_fail "sender VmRSS grew from $idle to $peak KiB with a backlog"
# listings of the whole outbox (megabytes each; `drained` made dozens)
# are given back: after six more, RssAnon is within 4 MiB (long: 8) of
# idle.  glibc's sliding mmap threshold once kept each in the heap
# (2,000 messages: +8 MiB; 9,000: +14 MiB).
for i in 1 2 3 4 5 6; do
	c "$SENDER" -t 30 outbox --json > /dev/null || die "listing"
done
a=$(rss_kib "$spid" RssAnon)
budget=$(tier 4096 8192)
echo "sender RssAnon after listings of $N: $a KiB (idle $idle_anon KiB)"
[ $((a - idle_anon)) -le "$budget" ] ||
	soft_fail "sender RssAnon grew from $idle_anon to $a KiB with listings"
check_delivery "$R"
stop "$SENDER"
stop "$RECEIVER"
audit_sound "$SENDER"
audit_sound "$RECEIVER"
finish
