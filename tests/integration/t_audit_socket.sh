# cairn audit through the daemon's socket (no -d): verify, export and
# trace against a running daemon give what -d gives on its state
# directory, byte for byte for exports (but for the header's creation
# time); pages are small here so that every command reads several; a
# daemon that is not running is named; a tampered record is found over
# the socket as it is offline.
. "$(dirname "$0")/lib.sh"
pass=0
failed=0
ok() { pass=$((pass + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }

A=lerum.elevhalsa
U=alingsas.uph
BOOK="$T/book.cairnbook"
FED="$T/keys/federation.pub"
live() {	# ORG ARGS...: cairn audit through ORG's socket
	local org=$1
	shift
	env -u CAIRN_STATE_DIR CAIRN_AUDIT_PAGE=4 "$CAIRN" -s "$T/run/$org.sock" audit "$@"
}
offline() {	# ORG ARGS...: cairn audit on ORG's state directory
	local org=$1
	shift
	"$CAIRN" audit "$@" -d "$T/state/$org"
}
# the export header's creation time is the only difference allowed
nocreated() {
	sed 's/"created_ms":[0-9]*/"created_ms":0/; s/^\(header,[0-9]*\),[0-9]*,/\1,0,/' "$@"
}

federation
for org in $A $U; do
	echo "checkpoint_records = 3" >> "$T/$org.conf"
	echo "checkpoint_interval = 1d" >> "$T/$org.conf"
done
start $A
start $U
ids=""
for i in 1 2 3 4 5; do
	id=$(request) || die "request refused"
	ids="$ids $id"
done
for id in $ids; do
	wait_state $A "$id" DELIVERED
done
set -- $ids
id1=$1
nack=$(request $U/nosuch) || die "request refused"
wait_state $A "$nack" REJECTED
c $U show "$id1" >/dev/null || die "show failed"
sleep 1		# let both settle: nothing more is appended while we compare

for org in $A $U; do
	key="$T/keys/$org.pub"
	lv=$(live $org verify -k "$key") && ok || bad "live verify $org: $lv"
	ov=$(offline $org verify -k "$key") && ok ||
		bad "offline verify $org: $ov"
	printf '%s\n' "$lv" | head -1 | grep -q "^daemon: $T/run/$org.sock$" &&
		ok || bad "live verify names the socket: $lv"
	[ "$(printf '%s\n' "$lv" | tail -n +2)" = \
	    "$(printf '%s\n' "$ov" | tail -n +2)" ] && ok ||
		bad "verify $org: live and offline differ: $lv // $ov"
	for f in jsonl csv; do
		live $org export -f $f -o "$T/$org.live.$f" && ok ||
			bad "live export $org $f"
		offline $org export -f $f -o "$T/$org.off.$f" && ok ||
			bad "offline export $org $f"
		cmp -s <(nocreated "$T/$org.live.$f") \
		    <(nocreated "$T/$org.off.$f") && ok ||
			bad "export $org $f: live and offline differ"
	done
	grep -q '"type":"receipt"' "$T/$org.live.jsonl" && ok ||
		bad "live export $org has no receipts"
	out=$(live $org verify -b "$BOOK" -F "$FED" -e "$T/$org.live.jsonl") &&
		printf '%s' "$out" | grep -q "result: sound" && ok ||
		bad "live export $org does not verify: $out"
done
out=$(live $A reconcile -b "$BOOK" -F "$FED" "$T/$A.live.jsonl" \
    "$T/$U.live.jsonl") &&
	printf '%s' "$out" | grep -q "^6 messages, 6 matched, 0 mismatched$" &&
	ok || bad "reconcile of live exports: $out"
for t in "$A $id1" "$A $nack" "$U $id1"; do
	set -- $t
	lt=$(live $1 trace -b "$BOOK" -F "$FED" "$2") && ok ||
		bad "live trace $t: $lt"
	ot=$(offline $1 trace -b "$BOOK" -F "$FED" "$2") && ok ||
		bad "offline trace $t: $ot"
	[ "$lt" = "$ot" ] && ok || bad "trace $t differs: $lt // $ot"
done
live $A trace 00000000000000000000000000000000 >/dev/null 2>&1 &&
	bad "live trace of an unknown id" || ok
# $CAIRN_STATE_DIR still chooses the directory
out=$(CAIRN_STATE_DIR="$T/state/$A" "$CAIRN" -s "$T/run/nosuch.sock" audit \
    verify -k "$T/keys/$A.pub") &&
	printf '%s' "$out" | grep -q "^state: $T/state/$A$" && ok ||
	bad "CAIRN_STATE_DIR: $out"

stop $A
out=$(live $A verify -k "$T/keys/$A.pub" 2>&1) &&
	bad "verify without a daemon" ||
	{ printf '%s' "$out" | grep -q "is cairnd running" && ok ||
		bad "no daemon: $out"; }

# a tampered record is found over the socket as offline
if /usr/bin/python3 -c "import lmdb" 2>/dev/null; then
	/usr/bin/python3 - "$T/state/$A" 4 <<'EOP' || die "tamper"
import lmdb, sys
env = lmdb.open(sys.argv[1], max_dbs=32, map_size=1 << 30)
db = env.open_db(b"audit", create=False)
k = int(sys.argv[2]).to_bytes(8, "big")
with env.begin(write=True, db=db) as t:
    t.delete(k)
EOP
	ov=$(offline $A verify -k "$T/keys/$A.pub")
	start $A
	lv=$(live $A verify -k "$T/keys/$A.pub")
	[ $? -eq 1 ] && printf '%s' "$lv" | grep -q "FAILED at seq 4: " &&
		printf '%s' "$ov" | grep -q "FAILED at seq 4: " && ok ||
		bad "tampered, live: $lv // offline: $ov"
	stop $A
else
	echo "skip: python3-lmdb missing, tampering not tried" >&2
fi
stop $U

echo "$pass passed, $failed failed"
[ $failed -eq 0 ]
