# Tampering with the audit trail of a stopped daemon: an edited record, a
# deleted record in the middle, the last record deleted, the chain head in
# meta edited.  Each must be detected: the daemon refuses to start with a
# clear message, or the chain no longer verifies (auditdump, which reads
# it through store_audit_each), or for the head, the daemon says the store
# is corrupt -- never a trail that verifies after the damage.  The daemon must not crash.  Whether the damaged record is named
# is reported.
# short: each kind once on each side; long: 5 times each.
. "$(dirname "$0")/lib.sh"
REP=$(tier 1 5)
CORRUPT="/usr/bin/python3 $FAULTS/corrupt.py"
AUDITDUMP="$BIN/tests/auditdump"
[ -x "$AUDITDUMP" ] || die "no $AUDITDUMP (make build)"
verify() {
	"$CAIRN" audit verify -b "$T/book.cairnbook" \
	    -F "$T/keys/federation.pub" -d "$1"
}
RETRY_MIN=100ms RETRY_MAX=1s federation
start "$RECEIVER"
start "$SENDER"
R="$T/results"
: > "$R"
stream 1 10 "$R"
drained "$SENDER" 20
stop "$SENDER"
stop "$RECEIVER"
mkdir -p "$T/pristine"
cp -a "$T/state/$SENDER" "$T/state/$RECEIVER" "$T/pristine/"
for org in $SENDER $RECEIVER; do
	"$AUDITDUMP" "$T/state/$org" > "$T/audit.$org" ||
		die "the undamaged audit trail of $org does not verify"
	verify "$T/state/$org" > "$T/verify.$org" 2>&1 ||
		die "cairn audit verify fails on $org's undamaged trail:" \
		    "$(cat "$T/verify.$org")"
	echo "$org: $(wc -l < "$T/audit.$org") audit records," \
	    "$(grep "^result:" "$T/verify.$org")"
done

tried=0 detected=0 silent=0 crashed=0 named=0
trial() {
	local org=$1 kind=$2 what out seq verdict how
	rm -rf "$T/state/$org"
	cp -a "$T/pristine/$org" "$T/state/$org"
	what=$($CORRUPT "$kind" "$T/state/$org" ${3:+"$3"} 2>&1) ||
		die "corrupt.py $kind: $what"
	seq=$(echo "$what" | sed -n 's/.*seq \([0-9]*\).*/\1/p')
	tried=$((tried + 1))
	: > "$T/log/$org.log"
	wrap "$org"
	if try_start "$org"; then
		how="daemon started"
		# it keeps working (and appending to the trail)
		if [ "$org" = "$SENDER" ]; then
			submit1 "$((100 + tried))" >> "$R" ||
			    how="$how, refused a submit: $(tail -n 1 \
			    "$T/submit-errors")"
		fi
		sleep 0.3
		if alive "$org"; then
			stop "$org"
		elif [ "$XSTATUS" -gt 128 ]; then
			crashed=$((crashed + 1))
			soft_fail "$org crashed (signal $((XSTATUS - 128)))" \
			    "after '$what'"
		else
			how="$how, then exited: $(grep -v info: \
			    "$T/log/$org.log" | tail -n 1)"
		fi
	elif [ "$XSTATUS" -gt 128 ]; then
		crashed=$((crashed + 1))
		how="crashed at start"
		soft_fail "$org crashed at start (signal $((XSTATUS - 128)))" \
		    "after '$what'"
	else
		how="start refused: $(grep -v info: "$T/log/$org.log" |
		    tail -n 1)"
	fi
	out=$(verify "$T/state/$org" 2>&1)
	vrc=$?
	dump=$("$AUDITDUMP" "$T/state/$org" 2>&1 >/dev/null)
	drc=$?
	out="$(echo "$out" | grep "result:\|cairn:" | head -n 1)"
	if [ $vrc -ne 0 ] || echo "$how" | grep -q "start refused"; then
		verdict=detected
		detected=$((detected + 1))
	else
		verdict=silent
		silent=$((silent + 1))
		soft_fail "$org: the audit trail verifies after '$what'" \
		    "($how): $out"
	fi
	[ $drc -ne 0 ] || [ "$kind" = audit-head ] ||
		soft_fail "$org: auditdump reads the trail after '$what'"
	if [ -n "$seq" ]; then
		if echo "$out" | grep -q "at seq $seq\b"; then
			named=$((named + 1))
			out="$out [damaged record named]"
		else
			soft_fail "$org: '$what' but verify says: $out"
		fi
	fi
	if [ "$kind" = audit-head ] && ! echo "$how" | grep -q "start refused"
	then
		note "$org starts with a damaged audit head and then refuses" \
		    "every write: $(grep -v info: "$T/log/$org.log" |
		    grep corrupt | tail -n 1)"
	fi
	printf '%-8s %-15s %s\n         daemon: %s\n         verify: %s\n' \
	    "$verdict" "$org" "$what" "$how" "$out"
}
n=0
for i in $(seq 1 "$REP"); do
	for org in $SENDER $RECEIVER; do
		n=$((n + 1))
		trial "$org" audit-edit "$n"
		n=$((n + 1))
		trial "$org" audit-delete "$n"
		trial "$org" audit-last
		n=$((n + 1))
		trial "$org" audit-head "$n"
	done
done
echo "audit tampering trials: $tried; detected: $detected; verified" \
	"silently: $silent; crashes: $crashed; damaged record named: $named"
note "audit tampering: $detected of $tried detected; the damaged record" \
	"named by cairn audit verify in $named"
stat bad_tried "$tried"
stat bad_rejected "$detected"
stat bad_silent "$silent"
stat bad_crash "$crashed"
finish
