# Receiver down, then up: the message waits QUEUED with attempts counted
# and is delivered after backoff once the receiver starts.
. "$(dirname "$0")/lib.sh"
federation
start lerum.elevhalsa
id=$(request) || die "request refused"
sleep 1.5
[ "$(state_of lerum.elevhalsa "$id")" = QUEUED ] || die "not QUEUED"
a=$(json_field "$(c lerum.elevhalsa status "$id" --json)" attempts)
[ "$a" -ge 2 ] || die "expected retries while down, got $a attempts"
start alingsas.uph
wait_state lerum.elevhalsa "$id" DELIVERED 20
n=$(c alingsas.uph inbox | grep -c "$id")
[ "$n" -eq 1 ] || die "inbox has $n copies"
stop lerum.elevhalsa
stop alingsas.uph
