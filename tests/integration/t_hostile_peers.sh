# A transport key not in the book gets nothing (refused at ZAP); an
# envelope signed by another organisation than the connection's is refused
# and audited; an expired envelope is nacked.
. "$(dirname "$0")/lib.sh"
federation
start alingsas.uph
K="$T/keys"
P="-b $T/book.cairnbook -F $K/federation.pub"
"$PEERTOOL" seal -k "$K/lerum.elevhalsa.secret" $P \
	-f lerum.elevhalsa/skolskoterska -t alingsas.uph/konsultation \
	-o "$T/good.bin" >/dev/null || die "seal"
r=$("$PEERTOOL" knock $P -p alingsas.uph -w 1500 "$T/good.bin")
[ "$r" = timeout ] || die "unknown CURVE key got an answer: $r"
grep -q "transport key not in the address book" "$T/log/alingsas.uph.log" ||
	die "ZAP refusal not logged"
# signed by the school, sent over social services' connection
"$PEERTOOL" seal -k "$K/lerum.elevhalsa.secret" $P \
	-f lerum.elevhalsa/skolskoterska -t alingsas.uph/konsultation \
	-o "$T/wrong.bin" >/dev/null || die "seal"
r=$("$PEERTOOL" send -k "$K/alingsas.soc.secret" $P -p alingsas.uph \
	-w 1500 "$T/wrong.bin")
[ "$r" = timeout ] || die "envelope of another org got: $r"
grep -q "refused envelope from alingsas.soc" "$T/log/alingsas.uph.log" ||
	die "wrong-org refusal not logged"
# expired
"$PEERTOOL" seal -k "$K/lerum.elevhalsa.secret" $P -e 0 \
	-f lerum.elevhalsa/skolskoterska -t alingsas.uph/konsultation \
	-o "$T/old.bin" >/dev/null || die "seal"
r=$("$PEERTOOL" send -k "$K/lerum.elevhalsa.secret" $P -p alingsas.uph \
	"$T/old.bin")
[ "$r" = "nack expired" ] || die "expired envelope got: $r"
n=$(c alingsas.uph inbox --json | /usr/bin/python3 -c \
	'import json,sys; print(len(json.load(sys.stdin)))')
[ "$n" -eq 0 ] || die "inbox has $n messages"
stop alingsas.uph
# the refusals are in the audit trail
"$BIN/tests/auditdump" "$T/state/alingsas.uph" > "$T/audit.txt" ||
	die "audit dump"
n=$(grep -c " refused " "$T/audit.txt")
[ "$n" -ge 2 ] || die "expected 2 audited refusals, got $n"
