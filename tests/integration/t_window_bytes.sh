# window_bytes bounds the envelope bytes in flight to one peer: with the
# receiver stopped (SIGSTOP: connected, never answering), of ten ~40 KB
# messages queued to it only one is in flight with window_bytes 64K (two
# would not fit); a message larger than window_bytes still goes, alone;
# all of them arrive once the receiver runs again.
. "$(dirname "$0")/lib.sh"
# a long retry_min: what is in flight stays in flight while it is stopped
WINDOW_BYTES=64K RETRY_MIN=60s RETRY_MAX=120s federation
start lerum.elevhalsa
start alingsas.uph
head -c 40000 /dev/urandom > "$T/a40k.bin"
head -c 100000 /dev/urandom > "$T/a100k.bin"
attach() {
	c lerum.elevhalsa request --from skolskoterska \
		--to alingsas.uph/konsultation --subject 19121212-1212 \
		--consent "guardian:$TODAY" \
		--question "Eleven har haft svår ångest sedan i höstas." \
		--urgency soon --attach "$1"
}
first=$(request) || die "request"
wait_state lerum.elevhalsa "$first" DELIVERED
# larger than window_bytes, with nothing in flight: it goes
big=$(attach "$T/a100k.bin") || die "request with 100 KB"
wait_state lerum.elevhalsa "$big" DELIVERED 10
kill -STOP "$(pid_of alingsas.uph)"
for i in $(seq 1 10); do
	attach "$T/a40k.bin" >/dev/null || die "request $i"
done
# the due scan runs every pass: give it a few
sleep 1
st=$(c lerum.elevhalsa stats --json) || die "stats"
[ "$(json_field "$st" out_queued)" -eq 10 ] || die "queued: $st"
f=$(json_field "$st" in_flight)
[ "$f" -ge 1 ] || die "nothing in flight: $st"
[ "$f" -le 1 ] || die "$f envelopes of ~40 KB in flight within 64 KiB"
kill -CONT "$(pid_of alingsas.uph)"
st=$(wait_delivered lerum.elevhalsa 12) || die "stats"
[ "$(json_field "$st" out_queued)" -eq 0 ] || die "not all delivered: $st"
[ "$(json_field "$(c alingsas.uph stats --json)" in_total)" -ge 12 ] ||
	die "receiver: $(c alingsas.uph stats --json)"
stop lerum.elevhalsa
stop alingsas.uph
