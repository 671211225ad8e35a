# A failing fdatasync (LMDB syncs its data pages with fdatasync(2) and
# writes the meta page through an O_DSYNC descriptor with pwrite64; strace
# shows it), or a failing write of pages (writev, pwrite64), injected with
# strace into the sender or the receiver at a random point after start:
# the client gets an error or no answer for what was in that commit, the
# daemon exits non-zero at once without trying another fsync, and after a
# restart everything acknowledged is delivered exactly once.
# short: 6 rounds (each fault on each side); long: 24 rounds.
. "$(dirname "$0")/lib.sh"
need_cmd strace
ROUNDS=$(tier 6 24)
SUBMIT_TIMEOUT=2
RETRY_MIN=100ms RETRY_MAX=1s federation
start "$RECEIVER"
start "$SENDER"
R="$T/results"
: > "$R"
seq=0
# some messages acknowledged before the first failure
stream 1 20 "$R"
seq=20

# tracee ORG: the daemon's pid under its strace wrapper
tracee() {
	local p
	p=$(pid_of "$1")
	awk '{ print $1 }' "/proc/$p/task/$p/children" 2>/dev/null
}

# calls SYSCALL ORG: how many SYSCALL calls ORG's daemon makes to start,
# in CALLS
calls() {
	local log="$T/strace.calib"
	stop "$2"
	wrap "$2" strace -f -qq -o "$log" -e trace="$1"
	fstart "$2"
	rm -f "$T/bin/$2"
	kill -TERM "$(tracee "$2")"
	wait_exit "$2" 10 || die "$2 did not stop"
	CALLS=$(grep -c "^[0-9]* *$1(" "$log")
}

failstops=0
faults="fdatasync writev pwrite64"
for round in $(seq 1 "$ROUNDS"); do
	if [ $((round % 2)) -eq 1 ]; then side=$SENDER; else side=$RECEIVER; fi
	# the fault: a failed fdatasync, or a failed write of data pages
	# (writev) or of a data or meta page (pwrite64)
	set -- $faults
	sc=$(eval echo "\${$(( (round - 1) / 2 % 3 + 1 ))}")
	calls "$sc" "$side"
	k=$((1 + RANDOM % 8))
	log="$T/strace.$round"
	wrap "$side" strace -f -qq -o "$log" -e trace="$sc" \
	    -e inject="$sc":error=EIO:when=$((CALLS + k))+
	# (the start itself may commit more than in the calibration run,
	# and fail: that is a failed commit too)
	if try_start "$side"; then
		rm -f "$T/bin/$side"
		# traffic until the injected failure stops the daemon
		for i in $(seq 1 40); do
			seq=$((seq + 1))
			submit1 "$seq" >> "$R"
			wait_exit "$side" 0.1 && break
		done
		[ "$XSTATUS" = running ] && wait_exit "$side" 5
	else
		rm -f "$T/bin/$side"
		echo "round $round ($side): the failure came during start"
	fi
	if [ "$XSTATUS" = running ]; then
		# too few commits to reach the failure: stop it, no verdict
		kill -TERM "$(tracee "$side")"
		wait_exit "$side" 10
		echo "round $round ($side): failure not reached (k=$k)"
		start "$side"
		continue
	fi
	status=$XSTATUS
	inj=$(grep -c "INJECTED" "$log")
	echo "round $round ($side): $sc call $k after start failed (EIO)," \
	    "daemon exit $status, injected failures $inj"
	[ "$status" != 0 ] || die "$side exited 0 after a failed $sc"
	if [ "$sc" = fdatasync ] && [ "$inj" -ne 1 ]; then
		cat "$log" >&2
		die "$side tried fdatasync again after EIO (must stop)"
	fi
	tail -n 3 "$T/log/$side.log" | grep -q "store commit failed" ||
		die "$side did not say why it stopped"
	failstops=$((failstops + 1))
	stat failstop 1
	# what systemd would do
	start "$side"
	seq=$((seq + 1))
	submit1 "$seq" >> "$R" || die "submit after restart refused"
done
[ "$failstops" -ge $((ROUNDS / 2)) ] ||
	die "only $failstops of $ROUNDS rounds reached the failure"
drained "$SENDER" 60
check_delivery "$R"
echo "fail-stops on EIO: $failstops; refused or unanswered submits:" \
	"$(grep -vc " ok " "$R")"
stop "$SENDER"
stop "$RECEIVER"
audit_sound "$SENDER"
audit_sound "$RECEIVER"
finish
