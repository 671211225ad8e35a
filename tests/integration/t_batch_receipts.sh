# Batched receipts end to end: 1,500 requests submitted pipelined (the
# bench's load client, 256 in flight) reach the clinic in passes of many,
# each pass answered with one signature over a Merkle root.  Every message
# is DELIVERED with a receipt that proves its own place in its batch
# (cairn audit trace says so), both audit trails verify, reconcile finds
# every message matched, and the trail read through the socket (pages
# full of receipts) is byte for byte the one read offline.
. "$(dirname "$0")/lib.sh"
A=lerum.elevhalsa
U=alingsas.uph
BOOK="$T/book.cairnbook"
FED="$T/keys/federation.pub"
N=1500
federation
start $A
start $U
"$BIN/bench/load" throughput -s "$T/run/$A.sock" -w 256 -m $N -d 60 \
    > "$T/load.out" 2>&1 || { cat "$T/load.out"; die "load failed"; }
grep -q "tp_1k_not_delivered 0 " "$T/load.out" ||
	{ cat "$T/load.out"; die "not all delivered"; }
n=$(c $A stats --json | /usr/bin/python3 -c \
    'import json,sys; print(json.load(sys.stdin)["out_delivered"])')
[ "$n" -eq $N ] || die "sender counts $n delivered, not $N"
# a message's receipt is one of a batch, its place proven
id=$(c $A outbox --json | /usr/bin/python3 -c \
    'import json,sys; print(json.load(sys.stdin)[700]["id"])')
out=$(c $A audit trace -b "$BOOK" -F "$FED" "$id") || die "trace: $out"
printf '%s\n' "$out" | grep -q "signature valid (one signature for a batch of" ||
	die "trace shows no batched receipt: $out"
sleep 1
for org in $A $U; do
	env -u CAIRN_STATE_DIR "$CAIRN" -s "$T/run/$org.sock" audit export \
	    -o "$T/$org.live.jsonl" || die "live export $org"
	"$CAIRN" audit export -d "$T/state/$org" -o "$T/$org.off.jsonl" ||
		die "offline export $org"
	cmp -s <(sed 's/"created_ms":[0-9]*/"created_ms":0/' "$T/$org.live.jsonl") \
	    <(sed 's/"created_ms":[0-9]*/"created_ms":0/' "$T/$org.off.jsonl") ||
		die "export $org: live and offline differ"
	out=$("$CAIRN" audit verify -b "$BOOK" -F "$FED" -e "$T/$org.live.jsonl") &&
		printf '%s' "$out" | grep -q "result: sound" ||
		die "export $org does not verify: $out"
done
out=$("$CAIRN" audit reconcile -b "$BOOK" -F "$FED" "$T/$A.live.jsonl" \
    "$T/$U.live.jsonl") || die "reconcile: $out"
printf '%s\n' "$out" | grep -q "$N matched" || die "reconcile: $out"
stop $A
stop $U
