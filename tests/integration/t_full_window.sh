# A peer whose window is full does not hold up messages to other peers:
# with the receiver stopped (SIGSTOP: connected, never answering) and more
# messages queued to it than one look at the schedule goes past, a message
# to a third organisation queued behind them is still delivered at once;
# the stopped peer never has more than its window in flight, and
# everything reaches it once it runs again.
. "$(dirname "$0")/lib.sh"
# a long retry_min: the two in flight stay in flight while it is stopped
WINDOW=2 RETRY_MIN=60s RETRY_MAX=120s federation
start lerum.elevhalsa
start alingsas.uph
start alingsas.soc
first=$(request) || die "request"
wait_state lerum.elevhalsa "$first" DELIVERED
kill -STOP "$(pid_of alingsas.uph)"
for i in $(seq 1 100); do
	request >/dev/null || die "request $i"
done
other=$(request alingsas.soc/mottagning) || die "request to alingsas.soc"
wait_state lerum.elevhalsa "$other" DELIVERED 10
st=$(c lerum.elevhalsa stats --json) || die "stats"
[ "$(json_field "$st" out_queued)" -eq 100 ] || die "queued: $st"
f=$(json_field "$st" in_flight)
[ "$f" -le 2 ] || die "$f in flight to a peer with a window of 2"
kill -CONT "$(pid_of alingsas.uph)"
st=$(wait_delivered lerum.elevhalsa 102) || die "stats"
[ "$(json_field "$st" out_queued)" -eq 0 ] || die "not all delivered: $st"
stop lerum.elevhalsa
stop alingsas.uph
stop alingsas.soc
