# Receiver down, then up: the message waits QUEUED for the connection
# (nothing sent, no attempt counted, the reason shown, looked at again
# within retry_max) and is delivered as soon as the receiver starts.
. "$(dirname "$0")/lib.sh"
# a long retry_max: delivery within seconds below can only come from the
# connection being made (and, after the restart, from connecting at start)
RETRY_MAX=60s federation
start lerum.elevhalsa
id=$(request) || die "request refused"
sleep 1.5
[ "$(state_of lerum.elevhalsa "$id")" = QUEUED ] || die "not QUEUED"
js=$(c lerum.elevhalsa status "$id" --json)
a=$(json_field "$js" attempts)
[ "$a" -eq 0 ] || die "nothing can be sent while down, got $a attempts"
e=$(json_field "$js" last_error)
case $e in *onnect*) ;; *) die "no reason shown while down: '$e'" ;; esac
now=$(( $(date +%s) * 1000 ))
nx=$(json_field "$js" next_attempt_ms)
[ "$nx" -gt $((now - 1000)) ] && [ "$nx" -le $((now + 61000)) ] ||
	die "next look at $nx, now $now: not within retry_max"
st=$(c lerum.elevhalsa stats --json) || die "stats"
[ "$(json_field "$st" out_queued)" -eq 1 ] || die "stats queued: $st"
[ "$(json_field "$st" oldest_queued_ms)" -gt 0 ] || die "stats oldest: $st"
c lerum.elevhalsa stats | grep -q "alingsas.uph.*unreachable" ||
	die "peer not shown unreachable: $(c lerum.elevhalsa stats)"
# restarted while the receiver is still down: it connects at start
stop lerum.elevhalsa
start lerum.elevhalsa
start alingsas.uph
wait_state lerum.elevhalsa "$id" DELIVERED 10
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
