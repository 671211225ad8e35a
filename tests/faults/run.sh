#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Runs every tests/faults/t_*.sh (real daemons, real CLIs, injected
# faults) and ends with the line "N passed, N failed, N skipped" after a
# closing report of the counts: kills survived, messages lost and
# duplicated, bad inputs tried and rejected.
#   B=build TIER=short|long tests/faults/run.sh      ONLY=t_name runs one,
#   SKIP="t_a t_b" leaves those out
# A test that exits 77 is skipped (e.g. one that needs root).
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${B:=build}"
: "${TIER:=short}"
export B TIER
FAULT_STATS=$(mktemp "${TMPDIR:-/tmp}/cairn-faults-stats.XXXXXX")
FAULT_NOTES=$(mktemp "${TMPDIR:-/tmp}/cairn-faults-notes.XXXXXX")
export FAULT_STATS FAULT_NOTES
trap 'rm -f "$FAULT_STATS" "$FAULT_NOTES"' EXIT
pass=0
fail=0
skip=0
failed=""
t0=$(date +%s)
if [ "$TIER" = long ]; then limit=${TEST_TIMEOUT:-3600}; else limit=${TEST_TIMEOUT:-300}; fi
echo "faults: tier $TIER"
for t in "$here"/t_*.sh; do
	name=$(basename "$t" .sh)
	[ -n "${ONLY:-}" ] && [ "$name" != "$ONLY" ] && continue
	case " ${SKIP:-} " in *" $name "*) continue ;; esac
	start=$(date +%s)
	# a hung scenario fails rather than stalling the suite; the soak
	# runs for SOAK_SECONDS on top of its setup and checks
	this=$limit
	if [ "$name" = t_soak ]; then
		if [ "$TIER" = long ]; then soak=${SOAK_SECONDS:-3600}
		else soak=${SOAK_SECONDS:-40}; fi
		this=$((limit + soak))
	fi
	out=$(timeout -k 10 "$this" bash "$t" 2>&1)
	rc=$?
	secs=$(( $(date +%s) - start ))
	if [ $rc -eq 0 ]; then
		pass=$((pass + 1))
		echo "ok   $name (${secs}s)"
		if [ -n "${VERBOSE:-}" ]; then
			printf '%s\n' "$out" | sed 's/^/    /'
		else
			# the checker's counts, and a few figures
			printf '%s\n' "$out" |
				grep -E "accepted=[0-9]|trials:|^soak:|^judged" |
				sed 's/^/    /'
		fi
	elif [ $rc -eq 77 ]; then
		skip=$((skip + 1))
		echo "skip $name: $(printf '%s\n' "$out" | tail -n 1)"
	else
		fail=$((fail + 1))
		failed="$failed $name"
		[ $rc -eq 124 ] && out="$out
timed out after ${this}s"
		echo "FAIL $name (${secs}s)"
		printf '%s\n' "$out" | sed 's/^/    /' | tail -n 80
	fi
done
sum() {
	awk -v k="$1" '$1 == k { s += $2 } END { print s + 0 }' "$FAULT_STATS"
}
echo "---- closing report (tier $TIER, $(( $(date +%s) - t0 ))s)"
echo "kills survived (kill -9, restarted): $(sum kills)"
echo "SIGSTOP/SIGCONT cycles: $(sum stops)"
echo "submits cut off by a kill: $(sum submits_cut_by_kill)"
echo "daemon exits on a failed commit (fail-stop, restarted): $(sum failstop)"
echo "messages accepted and checked: $(sum messages)," \
	"delivered once: $(sum delivered_once)"
echo "messages lost: $(sum lost)"
echo "messages duplicated: $(sum duplicated)"
echo "unexpected deliveries: $(sum unexpected)," \
	"corrupt content served: $(sum corrupt_served)"
echo "submits refused (store full / not stored): $(sum refused_submits)," \
	"unanswered: $(sum unanswered_submits)" \
	"(of which delivered once: $(sum unanswered_delivered))"
echo "bad inputs tried: $(sum bad_tried), rejected or detected:" \
	"$(sum bad_rejected), harmless (no effect on what is served):" \
	"$(sum bad_harmless), served silently: $(sum bad_silent)," \
	"crashes: $(sum bad_crash), requests left unanswered: $(sum bad_noanswer)"
[ -s "$FAULT_NOTES" ] && awk '!seen[$0]++ { print "note: " $0 }' "$FAULT_NOTES"
[ $fail -eq 0 ] || echo "failed:$failed"
echo "faults: $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
