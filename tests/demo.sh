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
say "8. A request to a function that does not exist is refused by the receiver with a signed nack"
bad=$(request alingsas.uph/nosuch)
wait_state lerum.elevhalsa "$bad" REJECTED
run "$CAIRN" -s "$T/run/lerum.elevhalsa.sock" status "$bad"
say "9. The audit trail on both sides (metadata only: ids, addresses, hashes, never content)"
for org in lerum.elevhalsa alingsas.uph; do
	stop "$org"
	echo "-- $org"
	"$BIN/tests/auditdump" "$T/state/$org" | sed 's/^/    /'
done
stop alingsas.soc
say "Done: request delivered with a signed receipt, refused input explained, every step audited."
