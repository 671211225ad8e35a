# The same envelope sent twice: one inbox entry, and the same receipt
# both times.
. "$(dirname "$0")/lib.sh"
federation
start alingsas.uph
K="$T/keys"
id=$("$PEERTOOL" seal -k "$K/lerum.elevhalsa.secret" -b "$T/book.cairnbook" \
	-F "$K/federation.pub" -f lerum.elevhalsa/skolskoterska \
	-t alingsas.uph/konsultation -o "$T/env.bin") || die "seal"
r1=$("$PEERTOOL" send -k "$K/lerum.elevhalsa.secret" -b "$T/book.cairnbook" \
	-F "$K/federation.pub" -p alingsas.uph "$T/env.bin") || die "send 1: $r1"
r2=$("$PEERTOOL" send -k "$K/lerum.elevhalsa.secret" -b "$T/book.cairnbook" \
	-F "$K/federation.pub" -p alingsas.uph "$T/env.bin") || die "send 2: $r2"
case "$r1" in receipt*) ;; *) die "first send: $r1" ;; esac
[ "$r1" = "$r2" ] || die "receipts differ: '$r1' vs '$r2'"
n=$(c alingsas.uph inbox | grep -c "$id")
[ "$n" -eq 1 ] || die "inbox has $n copies"
stop alingsas.uph
