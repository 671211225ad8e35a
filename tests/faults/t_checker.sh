# The checker itself, on made-up inputs: it must pass a clean run and
# catch a lost, a duplicated (same id twice, or the same submit under two
# ids), an unexpected (refused yet delivered, or unknown) message, content
# that does not match its id, and a message without a receipt.
. "$(dirname "$0")/lib.sh"
cd "$T" || die "cd"
id() { printf '%032x' "$1"; }
# fake `cairn show --json ID`: content from show.map ("ID SEQ")
cat > show.py <<'EOP'
import json, sys
m = dict(l.split() for l in open(sys.argv[1]))
i = sys.argv[2]
if i not in m:
    sys.exit("no such message")
print(json.dumps({"id": i, "content": {"question": "fault-seq=%s x" % m[i]}}))
EOP
# run CASE EXPECT(0|1) — builds inbox.json/outbox.json from inbox.ids
run() {
	/usr/bin/python3 -c 'import json,sys
ids=[l.split()[0] for l in open("inbox.ids") if l.strip()]
json.dump([{"id": i} for i in ids], open("inbox.json","w"))
out=[l.split() for l in open("outbox.ids") if l.strip()]
json.dump([{"id": o[0], "state": o[1]} for o in out], open("outbox.json","w"))'
	awk '{ print $1, $2 }' inbox.ids > show.map
	out=$(FAULT_STATS= /usr/bin/python3 "$CHECK" --label "$1" \
	    --results results --inbox inbox.json --outbox outbox.json \
	    --show "/usr/bin/python3 $T/show.py $T/show.map" 2>&1)
	rc=$?
	echo "$out" | head -n 3
	[ $rc -eq "$2" ] || die "checker case '$1': exit $rc, expected $2"
	[ -z "${3:-}" ] || echo "$out" | grep -q "$3" ||
		die "checker case '$1' does not say '$3'"
}
base() {
	printf '1 ok %s\n2 ok %s\n3 noanswer -\n4 full -\n5 noanswer -\n' \
	    "$(id 1)" "$(id 2)" > results
	printf '%s 1\n%s 2\n%s 3\n' "$(id 1)" "$(id 2)" "$(id 33)" > inbox.ids
	printf '%s DELIVERED\n%s DELIVERED\n%s DELIVERED\n' "$(id 1)" \
	    "$(id 2)" "$(id 33)" > outbox.ids
}
base; run clean 0 "delivered-once=2 lost=0 duplicated=0 unexpected=0"
base; sed -i 2d inbox.ids; run lost 1 "lost=1"
base; echo "$(id 2) 2" >> inbox.ids; run "same id twice" 1 "duplicated=1"
base; echo "$(id 44) 2" >> inbox.ids; run "same submit, new id" 1 \
	"duplicated=1"
base; echo "$(id 44) 3" >> inbox.ids; run "unanswered twice" 1 \
	"duplicated=1"
base; echo "$(id 44) 4" >> inbox.ids; run "refused, delivered" 1 \
	"unexpected=1"
base; echo "$(id 45) 99" >> inbox.ids; run "unknown" 1 "unexpected=1"
base; sed -i "s/^$(id 2) 2/$(id 2) 1/" inbox.ids; run "content" 1 \
	"corrupt=1"
base; sed -i "s/^$(id 2) DELIVERED/$(id 2) QUEUED/" outbox.ids
run "no receipt" 1 "not-receipted=1"
echo "checker: 9 cases ok"
