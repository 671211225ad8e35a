# CAIRND_TRACE: each daemon says when a message became durable, the sender
# "out" for the submit, the receiver "in" for the envelope in its inbox,
# with when the pass that stored it began and when its commit did, in a
# 0600 file, with ids and times only; a trace that cannot be opened
# stops the daemon from starting.
. "$(dirname "$0")/lib.sh"
federation
t0=$(($(date +%s) * 1000000))
CAIRND_TRACE="$T/lerum.trace" start lerum.elevhalsa
CAIRND_TRACE="$T/uph.trace" start alingsas.uph
id=$(request) || die "request refused"
wait_state lerum.elevhalsa "$id" DELIVERED
t1=$(($(date +%s) * 1000000 + 1000000))
out=$(awk -v id="$id" '$1 == "out" && $2 == id { print $3 }' "$T/lerum.trace")
in=$(awk -v id="$id" '$1 == "in" && $2 == id { print $3 }' "$T/uph.trace")
[ -n "$out" ] || die "no out line for $id: $(cat "$T/lerum.trace")"
[ -n "$in" ] || die "no in line for $id: $(cat "$T/uph.trace")"
[ "$out" -ge "$t0" ] && [ "$out" -le "$t1" ] || die "out time $out not in [$t0, $t1]"
[ "$in" -ge "$out" ] && [ "$in" -le "$t1" ] || die "in time $in not in [$out, $t1]"
grep -q "^in " "$T/lerum.trace" && die "sender traced an inbound message"
grep -q "^out " "$T/uph.trace" && die "receiver traced an outbound message"
for f in "$T/lerum.trace" "$T/uph.trace"; do
	[ "$(stat -c %a "$f")" = 600 ] || die "$f is mode $(stat -c %a "$f")"
	grep -Evq '^(in|out) [0-9a-f]{32} [0-9]{16} [0-9]{16} [0-9]{16}$' \
	    "$f" && die "$f has other lines: $(cat "$f")"
	# the pass began, then its commit, then the commit returned
	awk '!($4 <= $5 && $5 <= $3) { exit 1 }' "$f" ||
		die "$f: times out of order: $(cat "$f")"
done
# the guarantee goes back: the roles swap
due=$(c alingsas.uph cases --json | /usr/bin/python3 -c '
import json, sys
print([x for x in json.load(sys.stdin) if x["id"] == sys.argv[1]][0]["due"])' "$id")
c alingsas.uph guarantee "$id" --contact-by "$due" --channel phone \
    >/dev/null || die "guarantee refused"
for i in $(seq 1 100); do
	grep -q "^in " "$T/lerum.trace" && break
	sleep 0.1
done
gin=$(awk '$1 == "in" { print $2 }' "$T/lerum.trace")
gout=$(awk '$1 == "out" { print $2 }' "$T/uph.trace")
[ -n "$gin" ] && [ "$gin" = "$gout" ] ||
	die "guarantee traced as '$gout' out, '$gin' in"
stop lerum.elevhalsa
stop alingsas.uph
# a trace that cannot be opened: a clear error, exit 1, nothing started
rc=0
CAIRND_TRACE="$T/no/such/dir/trace" "$CAIRND" -c "$T/lerum.elevhalsa.conf" \
    >"$T/log/trace-bad.log" 2>&1 || rc=$?
[ $rc -eq 1 ] || die "cairnd with a bad trace path exited $rc"
grep -q "CAIRND_TRACE: cannot open" "$T/log/trace-bad.log" ||
	die "no clear error: $(cat "$T/log/trace-bad.log")"
