# Soak: steady traffic between two daemons for SOAK_SECONDS, with a kill -9
# and restart every KILL_EVERY seconds, alternating receiver and sender.
# Each daemon's VmRSS (and RssAnon) and open descriptors (/proc/PID/fd)
# are sampled every SAMPLE_EVERY seconds.  At the end every accepted
# message is delivered exactly once (the checker), and both audit trails
# verify and reconcile.
# short: 40 s, about 8 messages/s, a kill every 10 s (2);
# long: 3,600 s (SOAK_SECONDS), the same rate, a kill every 300 s (11).
# No kill comes so late that the new daemon could not be judged.
#
# What is fair to compare.  A kill -9 ends a process and its memory: a
# leak cannot outlive it, so drift is judged per incarnation (one pid),
# never across a restart.  An incarnation is judged only when it ran long
# enough: WARM_UP seconds are skipped (connections, malloc arenas and
# ZeroMQ buffers settle; a restarted sender also works off its backlog),
# then the median of the first WINDOW seconds is compared with the median
# of the last WINDOW seconds; the median, so that one sample taken during
# a burst (a client request, a resend after the peer came back) does not
# decide.  The memory judged is VmRSS less the resident pages of the LMDB
# file mapping (from /proc/PID/smaps): those are clean page cache that
# the kernel drops when it needs to, and they grow with the store
# (a few KiB a message read back), not with a leak; VmRSS itself, RssAnon
# and the store's pages are printed next to it.  Limits: that memory
# grows less than 10 %, and the median descriptor count of the last
# window is not above the most seen in the first window (the peer
# connection and client connections come and go; a leak only grows).
# With kills alternating, each daemon lives 2 x KILL_EVERY (10 min in the
# long tier).  Across incarnations the figures are shown (first and last
# of the run), not judged.
. "$(dirname "$0")/lib.sh"
[ "${SANITIZE:-}" = 1 ] && skip "resident memory under ASan says nothing"
SOAK_SECONDS=${SOAK_SECONDS:-$(tier 40 3600)}
KILL_EVERY=${KILL_EVERY:-$(tier 10 300)}
SAMPLE_EVERY=${SAMPLE_EVERY:-$(tier 1 5)}
WARM_UP=${WARM_UP:-$(tier 4 60)}
WINDOW=${WINDOW:-$(tier 4 60)}
# pause between submits; one submit (a CLI run) takes a few ms more
GAP=${GAP:-0.1}
CHECK_SAMPLE=${CHECK_SAMPLE:-$(tier 300 1000)}
SUBMIT_TIMEOUT=2
RETRY_MIN=100ms RETRY_MAX=1s federation
start "$RECEIVER"
start "$SENDER"
R="$T/results"
S="$T/samples"
: > "$R"
: > "$S"

# store_rss_kib PID: the resident part of PID's mapping of its LMDB file
store_rss_kib() {
	awk '$6 ~ /\/data\.mdb$/ { m = 1; next }
	    /^[0-9a-f]+-[0-9a-f]+ / { m = 0 }
	    m && $1 == "Rss:" { s += $2 }
	    END { print s + 0 }' "/proc/$1/smaps" 2>/dev/null
}

# sampler: "TIME ORG PID VMRSS RSSANON STORE_RSS FDS" (sizes in KiB) for
# each running daemon
sampler() {
	local org pid r a m n now
	while [ ! -e "$T/sampler.stop" ]; do
		now=$(date +%s)
		for org in "$SENDER" "$RECEIVER"; do
			pid=$(pid_of "$org")
			[ -n "$pid" ] || continue
			r=$(rss_kib "$pid" 2>/dev/null)
			a=$(rss_kib "$pid" RssAnon 2>/dev/null)
			m=$(store_rss_kib "$pid")
			n=$(ls "/proc/$pid/fd" 2>/dev/null | wc -l)
			[ -n "$r" ] && [ -n "$a" ] && [ -n "$m" ] &&
			    [ "$n" -gt 0 ] &&
				echo "$now $org $pid $r $a $m $n" >> "$S"
		done
		sleep "$SAMPLE_EVERY"
	done
}
sampler &
SAMPLER_PID=$!
PIDS="$PIDS $SAMPLER_PID"

t0=$(date +%s)
stream_bg 1 $((SOAK_SECONDS * 50)) "$R" "$GAP"
next_kill=$((t0 + KILL_EVERY))
victim=$RECEIVER
while [ $(($(date +%s) - t0)) -lt "$SOAK_SECONDS" ]; do
	kill -0 "$STREAM_PID" 2>/dev/null || die "the stream stopped"
	if [ "$(date +%s)" -ge "$next_kill" ] &&
	    [ $((next_kill + WARM_UP + 2 * WINDOW - t0)) -le "$SOAK_SECONDS" ]
	then
		rsleep 500
		kill9 "$victim"
		echo "$(( $(date +%s) - t0 )) s: killed and restarted $victim" \
		    "($(progress "$R") submits so far)"
		if [ "$victim" = "$RECEIVER" ]; then
			victim=$SENDER
		else
			victim=$RECEIVER
		fi
		next_kill=$((next_kill + KILL_EVERY))
	fi
	sleep 1
done
stream_stop
secs=$(( $(date +%s) - t0 ))
touch "$T/sampler.stop"
wait "$SAMPLER_PID"
n=$(progress "$R")
echo "soak: $secs s, $n submits ($((n / secs)) per second), $KILLS kills," \
    "$(grep -c . "$S") samples"

# the judgement of the samples (see the header)
/usr/bin/python3 - "$S" "$WARM_UP" "$WINDOW" > "$T/drift" <<'EOF'
import statistics, sys
path, warm, win = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
inc = {}                # (org, pid) -> [(t, rss, anon, store, fds)]
order = []
for line in open(path):
    t, org, pid, rss, anon, store, fds = line.split()
    k = (org, int(pid))
    if k not in inc:
        inc[k] = []
        order.append(k)
    inc[k].append((int(t), int(rss), int(anon), int(store), int(fds)))
med = statistics.median
bad = judged = 0
whole = {}
for org, pid in order:
    s = inc[(org, pid)]
    t0, t1 = s[0][0], s[-1][0]
    first = [x for x in s if t0 + warm <= x[0] < t0 + warm + win]
    last = [x for x in s if x[0] > t1 - win]
    if t1 - t0 < warm + 2 * win or not first or not last:
        print("%s pid %d: %d s, too short to judge" % (org, pid, t1 - t0))
        continue
    judged += 1
    r0, r1 = med(x[1] for x in first), med(x[1] for x in last)
    a0, a1 = med(x[2] for x in first), med(x[2] for x in last)
    m0, m1 = med(x[3] for x in first), med(x[3] for x in last)
    o0, o1 = med(x[1] - x[3] for x in first), med(x[1] - x[3] for x in last)
    f0, f1 = max(x[4] for x in first), max(x[4] for x in last)
    fm = med(x[4] for x in last)
    drift = 100.0 * (o1 - o0) / o0
    ok = drift < 10.0 and fm <= f0
    bad += not ok
    w = whole.setdefault(org, {})
    w.setdefault("first", (r0, o0, f0))
    w["last"] = (r1, o1, f1)
    print("%s pid %d: %d s, VmRSS %d -> %d KiB, of which the store's "
          "pages %d -> %d KiB: own %d -> %d KiB (%+.1f %%); RssAnon %d -> "
          "%d KiB; fds %d -> %d (median %d)%s"
          % (org, pid, t1 - t0, r0, r1, m0, m1, o0, o1, drift, a0, a1,
             f0, f1, fm, "" if ok else "  TOO MUCH"))
for org, w in sorted(whole.items()):
    print("whole run %s: VmRSS first %d KiB, last %d KiB; own (without "
          "the store's pages) first %d KiB, last %d KiB; fds first %d, "
          "last %d" % (org, w["first"][0], w["last"][0], w["first"][1],
                       w["last"][1], w["first"][2], w["last"][2]))
print("judged %d incarnations, %d over the limits" % (judged, bad))
sys.exit(1 if bad or not judged else 0)
EOF
drift_rc=$?
cat "$T/drift"
[ $drift_rc -eq 0 ] ||
	soft_fail "memory or descriptors grew: $(tail -n 1 "$T/drift")"
stat soak_incarnations_judged \
    "$(awk '/^judged/ { print $2 }' "$T/drift")"
grep "^whole run" "$T/drift" | while read -r _ _ org rest; do
	note "$org $rest"
done

# a long soak is far beyond the 10,000 entries a listing shows: the checker
# reads the ids from the stores (storelist.py), contents through `show`
drained "$SENDER" 120
/usr/bin/python3 "$FAULTS/storelist.py" "$T/state/$SENDER" outbox \
    > "$T/outbox.json" || die "cannot list the outbox"
# and the CLI's listing says when it is cut off, its JSON still one array
if c "$SENDER" -t 60 outbox --json > "$T/cli.json" 2> "$T/cli.err"; then
	listed=$(/usr/bin/python3 -c 'import json,sys
print(len(json.load(open(sys.argv[1]))))' "$T/cli.json")
	stored=$(/usr/bin/python3 -c 'import json,sys
print(len(json.load(open(sys.argv[1]))))' "$T/outbox.json")
	echo "cairn outbox --json: $listed of $stored;" \
	    "stderr: $(head -c 200 "$T/cli.err")"
	if [ "$stored" -gt 10000 ]; then
		[ "$listed" = 10000 ] && grep -q "more exist" "$T/cli.err" ||
			soft_fail "a cut-off listing does not say so"
	else
		[ "$listed" = "$stored" ] && [ ! -s "$T/cli.err" ] ||
			soft_fail "listing of $stored: $listed, $(cat "$T/cli.err")"
	fi
else
	soft_fail "cairn outbox --json: $(cat "$T/cli.err")"
fi
/usr/bin/python3 "$FAULTS/storelist.py" "$T/state/$RECEIVER" inbox \
    > "$T/inbox.json" || die "cannot list the inbox"
/usr/bin/python3 "$CHECK" --label t_soak --results "$R" \
    --inbox "$T/inbox.json" --outbox "$T/outbox.json" \
    --sample "$CHECK_SAMPLE" \
    --show "$CAIRN -s $T/run/$RECEIVER.sock -t 30 show --json" ||
	soft_fail "delivery check failed"
u=$(grep -c "noanswer\|error\|notstored" "$R")
stat submits_cut_by_kill "$u"
stop "$SENDER"
stop "$RECEIVER"
audit_sound "$SENDER"
audit_sound "$RECEIVER"
for org in "$SENDER" "$RECEIVER"; do
	"$CAIRN" audit export -d "$T/state/$org" -o "$T/$org.jsonl" ||
		soft_fail "audit export $org"
done
out=$("$CAIRN" audit reconcile -b "$T/book.cairnbook" \
    -F "$T/keys/federation.pub" "$T/$SENDER.jsonl" "$T/$RECEIVER.jsonl" 2>&1)
rc=$?
echo "reconcile: $(echo "$out" | tail -n 1)"
[ $rc -eq 0 ] && echo "$out" | grep -q " 0 mismatched$" ||
	soft_fail "audit reconcile: $(echo "$out" | tail -n 3)"
note "soak of $secs s: $n submits, $KILLS kills," \
    "$(tail -n 1 "$T/drift")"
finish
