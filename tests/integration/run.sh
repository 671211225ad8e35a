#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Runs every tests/integration/t_*.sh against real daemons on loopback and
# ends with the line "N passed, N failed".  B is the build directory.
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${B:=build}"
export B
pass=0
fail=0
skip=0
failed=""
for t in "$here"/t_*.sh; do
	name=$(basename "$t" .sh)
	[ -n "${ONLY:-}" ] && [ "$name" != "$ONLY" ] && continue
	start=$(date +%s)
	out=$(bash "$t" 2>&1)
	rc=$?
	if [ $rc -eq 0 ]; then
		pass=$((pass + 1))
		echo "ok   $name ($(( $(date +%s) - start ))s)"
	elif [ $rc -eq 77 ]; then
		skip=$((skip + 1))
		echo "skip $name: $(printf '%s\n' "$out" | tail -n 1)"
	else
		fail=$((fail + 1))
		failed="$failed $name"
		echo "FAIL $name"
		printf '%s\n' "$out" | sed 's/^/    /' | tail -n 60
	fi
done
[ $fail -eq 0 ] || echo "failed:$failed"
echo "integration: $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
