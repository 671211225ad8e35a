# Network partition and packet loss between the two daemons, each in its
# own network namespace joined by a veth pair (root only; the kernel here
# has no netem, so loss is iptables -m statistic).  A steady stream of
# submits runs throughout; retries back off but never beyond retry_max;
# once the network heals, everything is delivered before it expires, with
# no duplicates.
# short: 20 s partition, then 30 s at 30 % loss each way;
# long: 60 s partition, 3 min at 30 % loss, 60 s with the link down.
. "$(dirname "$0")/lib.sh"
need_root "network namespaces"
need_cmd ip iptables
PART=$(tier 20 60)
LOSS=$(tier 30 180)
DOWN=$(tier 0 60)
PACE=$(tier 0.1 0.4)
RETRY_MIN=200ms RETRY_MAX=2s federation
# addresses and names of our own, unique to this run
net=10.254.$(( $$ % 250 )).
NA=cairnf-a-$$
NB=cairnf-b-$$
VA=cfa$$
VB=cfb$$
ip netns add "$NA" || die "ip netns add"
NETNS="$NA"
ip netns add "$NB" || die "ip netns add"
NETNS="$NA $NB"
ip link add "$VA" type veth peer name "$VB" || die "veth"
ip link set "$VA" netns "$NA" && ip link set "$VB" netns "$NB" ||
	die "veth into namespaces"
ip -n "$NA" addr add "${net}1/24" dev "$VA" &&
	ip -n "$NB" addr add "${net}2/24" dev "$VB" &&
	ip -n "$NA" link set lo up && ip -n "$NB" link set lo up &&
	ip -n "$NA" link set "$VA" up && ip -n "$NB" link set "$VB" up ||
	die "addresses"
# the book and the configurations point at the namespaces' addresses
sed -i "s|tcp://127.0.0.1:$PORT_lerum_elevhalsa|tcp://${net}1:$PORT_lerum_elevhalsa|;
	s|tcp://127.0.0.1:$PORT_alingsas_uph|tcp://${net}2:$PORT_alingsas_uph|" \
	"$T/book.ini"
sign_book 1
setconf "$SENDER" listen "tcp://${net}1:$PORT_lerum_elevhalsa"
setconf "$RECEIVER" listen "tcp://${net}2:$PORT_alingsas_uph"
TTL=$(( (PART + LOSS + DOWN) / 60 + 3 ))m
setconf "$SENDER" message_ttl "$TTL"
wrap "$SENDER" ip netns exec "$NA"
wrap "$RECEIVER" ip netns exec "$NB"
fstart "$RECEIVER"
fstart "$SENDER"
ipt() {
	ip netns exec "$1" iptables "${@:2}" || die "iptables $*"
}
R="$T/results"
: > "$R"
submit1 1 >> "$R" && drained "$SENDER" 10 || die "no delivery at all"
stream_bg 2 100000 "$R" "$PACE"

# backoff_max: the longest wait until a next attempt among QUEUED messages
backoff_max() {
	box "$SENDER" outbox "$T/ob.json"
	/usr/bin/python3 -c 'import json,sys,time
now = time.time() * 1000
w = [e["next_attempt_ms"] - now for e in json.load(open(sys.argv[1]))
     if e["state"] == "QUEUED"]
print(int(max(w) if w else 0), len(w))' "$T/ob.json"
}
worst=0
watch() {
	local end=$(( $(date +%s) + $1 )) b
	while [ "$(date +%s)" -lt "$end" ]; do
		sleep 2
		b=$(backoff_max)
		[ "${b% *}" -gt "$worst" ] && worst=${b% *}
	done
	echo "  $(date +%T) ${b#* } QUEUED, longest wait to a next attempt" \
	    "${worst} ms"
}

sleep 3
echo "partition ($PART s): everything between the namespaces dropped"
ipt "$NA" -I INPUT -i "$VA" -j DROP
ipt "$NA" -I OUTPUT -o "$VA" -j DROP
ipt "$NB" -I INPUT -i "$VB" -j DROP
ipt "$NB" -I OUTPUT -o "$VB" -j DROP
watch "$PART"
ipt "$NA" -F
ipt "$NB" -F
echo "loss ($LOSS s): 30 % of packets dropped each way"
ipt "$NA" -A INPUT -i "$VA" -m statistic --mode random --probability 0.3 \
	-j DROP
ipt "$NB" -A INPUT -i "$VB" -m statistic --mode random --probability 0.3 \
	-j DROP
watch "$LOSS"
ipt "$NA" -F
ipt "$NB" -F
if [ "$DOWN" -gt 0 ]; then
	echo "link down ($DOWN s)"
	ip -n "$NA" link set "$VA" down || die "link down"
	watch "$DOWN"
	ip -n "$NA" link set "$VA" up || die "link up"
fi
stream_stop
sleep 0.5
t0=$(date +%s)
drained "$SENDER" 120
echo "healed: backlog drained in $(( $(date +%s) - t0 )) s;" \
	"$(accepted "$R") accepted during the faults"
limit=$((2000 + 500))
[ "$worst" -le "$limit" ] ||
	soft_fail "a retry was scheduled $worst ms ahead (retry_max 2s)"
note "partition ${PART}s + loss ${LOSS}s: $(accepted "$R") messages," \
	"drained $(( $(date +%s) - t0 )) s after healing, longest backoff" \
	"$worst ms (retry_max 2 s)"
check_delivery "$R"
stop "$SENDER"
stop "$RECEIVER"
audit_sound "$SENDER"
audit_sound "$RECEIVER"
finish
