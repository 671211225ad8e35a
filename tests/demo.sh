#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# make demo: a small federation on loopback, end to end, explained.
# Three organisations (a school's student health team in Lerum, a youth
# mental-health clinic (UPH) in Alingsås, social services in Alingsås) get
# keys, a federation signs their address book, three cairnd daemons start,
# and a consultation request travels from the school nurse to UPH with a
# signed receipt coming back.
set -u
: "${B:=build}"
export B
. "$(dirname "$0")/integration/lib.sh"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

say "1. Keys: a federation key, and signing, encryption and transport keys for three organisations"
federation
run ls -l "$T/keys"
say "2. The address book: who is in the federation, their endpoints, keys and functional addresses, signed by the federation key"
run "$CAIRN_KEYS" book verify -f "$T/keys/federation.pub" "$T/book.cairnbook"
"$CAIRN_KEYS" book show "$T/book.cairnbook" | sed 's/^/    /'
say "3. One cairnd per organisation, on 127.0.0.1"
for org in $ORGS; do
	start "$org"
	echo "started cairnd for $org (log: $T/log/$org.log)"
done
say "4. The school nurse (lerum.elevhalsa/skolskoterska) sends a consultation request to UPH (alingsas.uph/konsultation)"
echo "   It needs a consent basis; without one the daemon refuses it:"
printf '$ cairn request ... (no --consent)\n'
c lerum.elevhalsa request --from skolskoterska --to alingsas.uph/konsultation \
	--subject 19121212-1212 --question "Eleven mår dåligt." || true
echo "   With the guardian's consent recorded:"
printf '$ cairn request --from skolskoterska --to alingsas.uph/konsultation --subject 19121212-1212 --consent guardian:%s --urgency soon --question ...\n' "$TODAY"
id=$(request) || die "request refused"
echo "accepted, message id $id (stored durably in the outbox before this answer)"
say "5. cairnd seals it (encrypted to UPH's key, signed by Lerum) and delivers it over CURVE; UPH answers with a signed receipt"
wait_state lerum.elevhalsa "$id" DELIVERED
run "$CAIRN" -s "$T/run/lerum.elevhalsa.sock" status "$id"
say "6. UPH's inbox: the request has arrived"
run "$CAIRN" -s "$T/run/alingsas.uph.sock" inbox
say "7. A clinician at UPH opens it (only UPH can decrypt it; the read is audited)"
run "$CAIRN" -s "$T/run/alingsas.uph.sock" show "$id"
say "8. UPH promises contact: a contact guarantee within the guarantee period (working days, Swedish holidays excluded)"
due=$(c alingsas.uph cases --json | /usr/bin/python3 -c '
import json, sys
print([x for x in json.load(sys.stdin) if x["id"] == sys.argv[1]][0]["due"])' "$id")
echo "   the guarantee is due by $due"
run "$CAIRN" -s "$T/run/alingsas.uph.sock" guarantee "$id" --contact-by "$due" --channel video --note "Vi kontaktar vårdnadshavaren."
sleep 0.5
say "9. UPH answers with advice and invites to a digital meeting"
run "$CAIRN" -s "$T/run/alingsas.uph.sock" answer "$id" --advice "Boka ett samtal med skolkurator; vi ses på video." --level first-line --meeting "${due}T10:00" --minutes 45 --join "uph-rum-4711"
for i in $(seq 1 50); do
	c lerum.elevhalsa cases --json | grep -q ANSWERED && break
	sleep 0.1
done
say "10. Both sides see the same case, ANSWERED"
run "$CAIRN" -s "$T/run/lerum.elevhalsa.sock" cases
run "$CAIRN" -s "$T/run/alingsas.uph.sock" cases
say "11. A request that nobody guarantees goes OVERDUE (social services have a 5-working-day period; we look at it with the daemons' clocks ten days ahead, through faketime)"
late=$(request alingsas.soc/mottagning)
wait_state lerum.elevhalsa "$late" DELIVERED
stop lerum.elevhalsa
stop alingsas.soc
CLOCK=+10d start lerum.elevhalsa
CLOCK=+10d start alingsas.soc
run "$CAIRN" -s "$T/run/lerum.elevhalsa.sock" overdue
run "$CAIRN" -s "$T/run/alingsas.soc.sock" overdue
stop lerum.elevhalsa
stop alingsas.soc
start lerum.elevhalsa
start alingsas.soc
say "12. A request to a function that does not exist is refused by the receiver with a signed nack"
bad=$(request alingsas.uph/nosuch)
wait_state lerum.elevhalsa "$bad" REJECTED
run "$CAIRN" -s "$T/run/lerum.elevhalsa.sock" status "$bad"
say "13. The audit trail, as an auditor sees it: metadata only (ids, addresses, hashes, never content), hash-chained and signed"
echo "   Each organisation's chain recomputed, every checkpoint signature checked against the address book:"
for org in lerum.elevhalsa alingsas.uph; do
	stop "$org"
	run "$CAIRN" audit verify -b "$T/book.cairnbook" \
		-F "$T/keys/federation.pub" -d "$T/state/$org"
	"$CAIRN" audit export -d "$T/state/$org" -o "$T/$org.audit.jsonl"
done
stop alingsas.soc
echo "   The first request's life at Lerum, with UPH's signed receipt:"
run "$CAIRN" audit trace -b "$T/book.cairnbook" -F "$T/keys/federation.pub" \
	-d "$T/state/lerum.elevhalsa" "$id"
echo "   Both exports side by side: what Lerum delivered UPH received, same hashes, receipts signed by UPH:"
run "$CAIRN" audit reconcile -b "$T/book.cairnbook" \
	-F "$T/keys/federation.pub" "$T/lerum.elevhalsa.audit.jsonl" \
	"$T/alingsas.uph.audit.jsonl"
say "Done: request -> guarantee -> answer with a meeting, an overdue request seen on both sides, refused input explained, every step audited."
