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
st=$(c lerum.elevhalsa stats --json) || die "stats"
[ "$(json_field "$st" out_queued)" -eq 1 ] || die "stats queued: $st"
[ "$(json_field "$st" oldest_queued_ms)" -gt 0 ] || die "stats oldest: $st"
c lerum.elevhalsa stats | grep -q "alingsas.uph.*unreachable" ||
	die "peer not shown unreachable: $(c lerum.elevhalsa stats)"
start alingsas.uph
wait_state lerum.elevhalsa "$id" DELIVERED 20
st=$(c lerum.elevhalsa stats --json) || die "stats"
[ "$(json_field "$st" out_delivered)" -eq 1 ] || die "stats delivered: $st"
[ "$(json_field "$st" out_queued)" -eq 0 ] || die "stats queued after: $st"
[ "$(json_field "$st" audit_seq)" -gt 3 ] || die "stats audit: $st"
c lerum.elevhalsa stats | grep -q "alingsas.uph .*reachable" ||
	die "peer not shown reachable: $(c lerum.elevhalsa stats)"
n=$(c alingsas.uph inbox | grep -c "$id")
[ "$n" -eq 1 ] || die "inbox has $n copies"
stop lerum.elevhalsa
stop alingsas.uph
