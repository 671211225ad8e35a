# Delivery with a signed receipt: request from the school nurse to UPH,
# DELIVERED with a receipt time on the sender's side, in UPH's inbox, and
# readable there; the sender's outbox lists it.
. "$(dirname "$0")/lib.sh"
federation
start lerum.elevhalsa
start alingsas.uph
id=$(request) || die "request refused"
[ ${#id} -eq 32 ] || die "bad message id '$id'"
wait_state lerum.elevhalsa "$id" DELIVERED
st=$(c lerum.elevhalsa status "$id" --json)
[ "$(json_field "$st" receipt_ms)" -gt 0 ] || die "no receipt time: $st"
[ "$(json_field "$st" attempts)" -ge 1 ] || die "no attempts: $st"
c alingsas.uph inbox | grep -q "$id" || die "not in UPH inbox"
c alingsas.uph inbox --json | grep -q "$id" || die "not in inbox json"
c lerum.elevhalsa outbox --json | grep -q "$id" || die "not in outbox json"
out=$(c alingsas.uph show "$id") || die "show failed"
printf '%s' "$out" | grep -q "svår ångest" || die "content not shown: $out"
# the sender cannot read it back: sealed to the recipient
c lerum.elevhalsa show "$id" >/dev/null 2>&1 && die "sender read sealed content"
# personal data never reaches the logs
grep -q "19121212" "$T"/log/*.log && die "identity number in a log"
grep -q "ångest" "$T"/log/*.log && die "content in a log"
stop lerum.elevhalsa
stop alingsas.uph
