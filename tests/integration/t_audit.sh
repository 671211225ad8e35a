# The audit trail end to end: requests delivered with receipts, one
# refused with a nack, one read at the receiver; `cairn audit verify` on a
# running daemon and on stopped ones; both sides exported (JSON lines and
# CSV), each export verified on its own, and reconciled: all matched.
# Then tampering: a line deleted from one export and a receipt swapped in
# the other are reported by reconcile; a changed, deleted, reordered or
# cut-off record in a copy of the state directory is reported by verify
# with the first bad sequence number.  The read appears in the trail with
# the reader's uid.
. "$(dirname "$0")/lib.sh"
pass=0
failed=0
ok() { pass=$((pass + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }

A=lerum.elevhalsa
U=alingsas.uph
BOOK="$T/book.cairnbook"
FED="$T/keys/federation.pub"
audit() { "$CAIRN" audit "$@"; }

federation
# a checkpoint every 5 records, so that this short run has several
for org in $A $U; do
	echo "checkpoint_records = 5" >> "$T/$org.conf"
done
start $A
start $U
ids=""
for i in 1 2 3; do
	id=$(request) || die "request refused"
	ids="$ids $id"
done
for id in $ids; do
	wait_state $A "$id" DELIVERED
done
set -- $ids
id1=$1
id2=$2
id3=$3
nack=$(request $U/nosuch) || die "request refused"
wait_state $A "$nack" REJECTED
c $U show "$id1" >/dev/null || die "show failed"

# verify next to a running daemon (LMDB readers do not block it)
out=$(audit verify -k "$T/keys/$U.pub" -d "$T/state/$U") &&
	printf '%s' "$out" | grep -q "result: sound" && ok ||
	bad "live verify: $out"

stop $A
stop $U

# stopped daemons: every record is under a checkpoint signed at shutdown
for org in $A $U; do
	out=$(audit verify -k "$T/keys/$org.pub" -d "$T/state/$org") &&
		printf '%s' "$out" | grep -q "result: sound" &&
		! printf '%s' "$out" | grep -q "unsigned" && ok ||
		bad "verify $org: $out"
	out=$(audit verify -b "$BOOK" -F "$FED" -d "$T/state/$org") && ok ||
		bad "verify $org with the book: $out"
	audit export -d "$T/state/$org" -o "$T/$org.jsonl" && ok ||
		bad "export $org"
	out=$(audit verify -b "$BOOK" -F "$FED" -e "$T/$org.jsonl") &&
		printf '%s' "$out" | grep -q "result: sound" && ok ||
		bad "verify --export $org: $out"
done
audit export -d "$T/state/$A" -f csv -o "$T/$A.csv" && ok || bad "csv export"
head -1 "$T/$A.csv" | grep -q "^type,seq,time_ms,event" && ok ||
	bad "csv header"
out=$(audit verify -k "$T/keys/$A.pub" -e "$T/$A.csv") && ok ||
	bad "verify csv: $out"
# one organisation's key does not vouch for the other's checkpoints
audit verify -k "$T/keys/$U.pub" -d "$T/state/$A" >/dev/null &&
	bad "verified with the wrong key" || ok

out=$(audit reconcile -b "$BOOK" -F "$FED" "$T/$A.jsonl" "$T/$U.jsonl") &&
	printf '%s' "$out" | grep -q "^4 messages, 4 matched, 0 mismatched$" &&
	ok || bad "reconcile: $out"
# a CSV export reconciles with a JSON one
out=$(audit reconcile -b "$BOOK" -F "$FED" "$T/$U.jsonl" "$T/$A.csv") &&
	ok || bad "reconcile csv: $out"

# the read is in the trail, with the reader's uid; the content is not
grep "\"event\":\"read\"" "$T/$U.jsonl" | grep "$id1" |
	grep -q "\"uid\":$(id -u)," && ok || bad "read not audited"
grep -q "ångest" "$T/$U.jsonl" "$T/$A.jsonl" && bad "content exported" || ok
grep -q "19121212" "$T/$U.jsonl" "$T/$A.jsonl" && bad "pnr exported" || ok

out=$(audit trace -b "$BOOK" -F "$FED" -d "$T/state/$A" "$id2") &&
	printf '%s' "$out" | grep -q "delivered" &&
	printf '%s' "$out" | grep -q "receipt by $U.*signature valid" && ok ||
	bad "trace at $A: $out"
out=$(audit trace -d "$T/state/$U" "$id1") &&
	printf '%s' "$out" | grep -q " received " &&
	printf '%s' "$out" | grep -q " read .*by uid $(id -u)" && ok ||
	bad "trace at $U: $out"
out=$(audit trace -b "$BOOK" -F "$FED" -d "$T/state/$A" "$nack") &&
	printf '%s' "$out" | grep -q "nack by $U.*signature valid" && ok ||
	bad "trace nack: $out"
audit trace -d "$T/state/$A" 00000000000000000000000000000000 \
	>/dev/null 2>&1 && bad "trace of an unknown id" || ok

# tampered exports: a deleted line at UPH, a receipt from another message
grep -v "\"event\":\"received\",\"msg_id\":\"$id2\"" "$T/$U.jsonl" \
	> "$T/$U.cut.jsonl"
out=$(audit reconcile -b "$BOOK" -F "$FED" "$T/$A.jsonl" "$T/$U.cut.jsonl")
[ $? -eq 1 ] && printf '%s' "$out" | grep -q "chain FAILED at seq" &&
	printf '%s' "$out" | grep -q "^missing .*$id2.*(no record at $U)" &&
	printf '%s' "$out" | grep -q "^4 messages, 3 matched, 1 mismatched$" &&
	ok || bad "reconcile after a deleted line: $out"
r2=$(grep "\"type\":\"receipt\",\"msg_id\":\"$id2\"" "$T/$A.jsonl" |
	sed 's/.*"reply":"\([^"]*\)".*/\1/')
sed "/\"type\":\"receipt\",\"msg_id\":\"$id3\"/s|\"reply\":\"[^\"]*\"|\"reply\":\"$r2\"|" \
	"$T/$A.jsonl" > "$T/$A.forged.jsonl"
out=$(audit reconcile -b "$BOOK" -F "$FED" "$T/$A.forged.jsonl" \
	"$T/$U.jsonl")
[ $? -eq 1 ] && printf '%s' "$out" | grep -q "^bad receipt .*$id3" && ok ||
	bad "reconcile with a receipt of another message: $out"
sed "/\"msg_id\":\"$id1\"/s/konsultation/kurator/" "$T/$U.jsonl" \
	> "$T/$U.edited.jsonl"
audit verify -b "$BOOK" -F "$FED" -e "$T/$U.edited.jsonl" >/dev/null &&
	bad "edited export verified" || ok

# tampered state directories (copies of the stopped one), if python's
# lmdb module is there to write them
tamper() {	# tamper DIR flip|delete|swap SEQ
	/usr/bin/python3 - "$@" <<'EOP'
import lmdb, sys
env = lmdb.open(sys.argv[1], max_dbs=32, map_size=1 << 30)
db = env.open_db(b"audit", create=False)
op, seq = sys.argv[2], int(sys.argv[3])
k = seq.to_bytes(8, "big")
with env.begin(write=True, db=db) as t:
    if op == "flip":
        v = bytearray(t.get(k))
        i = v.find(b"skolskoterska")
        v[i] ^= 1
        t.put(k, bytes(v))
    elif op == "delete":
        t.delete(k)
    elif op == "swap":
        k2 = (seq + 1).to_bytes(8, "big")
        a, b = t.get(k), t.get(k2)
        t.put(k, b)
        t.put(k2, a)
EOP
}
if /usr/bin/python3 -c "import lmdb" 2>/dev/null; then
	head=$(audit verify -k "$T/keys/$A.pub" -d "$T/state/$A" |
		sed -n 's/^records: .* to \([0-9]*\)$/\1/p')
	sub=$(grep "\"event\":\"submitted\",\"msg_id\":\"$id1\"" \
		"$T/$A.jsonl" | sed 's/.*"seq":\([0-9]*\),.*/\1/')
	for t in "flip $sub hash does not match" \
	    "delete 4 missing, repeated or out of order" \
	    "swap 5 missing, repeated or out of order" \
	    "delete $head records missing after a checkpoint"; do
		set -- $t
		rm -rf "$T/copy"
		cp -a "$T/state/$A" "$T/copy"
		tamper "$T/copy" "$1" "$2" || die "tamper $t"
		out=$(audit verify -k "$T/keys/$A.pub" -d "$T/copy")
		rc=$?
		what=$1
		at=$2
		shift 2
		[ $rc -eq 1 ] &&
			printf '%s' "$out" | grep -q "FAILED at seq $at: .*$*" &&
			ok || bad "$what $at: $out"
	done
else
	echo "skip: python3-lmdb missing, state tampering not tried" >&2
fi

echo "$pass passed, $failed failed"
[ $failed -eq 0 ]
