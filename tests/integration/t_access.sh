# Roles on the client socket, with real Unix users: each role x each
# operation, allowed and refused, refusals audited.  Needs root (to create
# the test users); skipped otherwise.
. "$(dirname "$0")/lib.sh"
if [ "$(id -u)" != 0 ]; then
	echo "needs root to create test users"
	exit 77
fi
U_NURSE=cit-nurse U_KUR=cit-kur U_AUD=cit-aud U_ADM=cit-adm U_NONE=cit-none
U_OUT=cit-out
getent group cit-cairn >/dev/null || groupadd cit-cairn
getent group cit-kurator >/dev/null || groupadd cit-kurator
for u in $U_NURSE $U_KUR $U_AUD $U_ADM $U_NONE $U_OUT; do
	id -u "$u" >/dev/null 2>&1 || useradd -M -N -s /usr/sbin/nologin "$u"
done
for u in $U_NURSE $U_KUR $U_AUD $U_ADM $U_NONE; do
	usermod -a -G cit-cairn "$u"
done
usermod -a -G cit-kurator "$U_KUR"
federation
cat >> "$T/lerum.elevhalsa.conf" <<EOC
socket_group = cit-cairn

[access]
skolskoterska = user:$U_NURSE
kurator = group:cit-kurator
auditor = user:$U_AUD
admin = user:$U_ADM
EOC
# the users must reach the socket and the CLI, nothing else
chmod 0711 "$T"
chmod 0755 "$T/run"
start lerum.elevhalsa
start alingsas.uph
as() {	# USER ARGS...: the CLI as that user against the school's daemon
	local u=$1
	shift
	runuser -u "$u" -- "$CAIRN" -s "$T/run/lerum.elevhalsa.sock" -t 5 "$@"
}
req() {	# USER FUNCTION
	as "$1" request --from "$2" --to alingsas.uph/konsultation \
		--subject 19121212-1212 --consent "guardian:$TODAY" \
		--question "Fråga" 2>"$T/err"
}
ls -l "$T/run/lerum.elevhalsa.sock" | grep -q "^srw-rw----.* cit-cairn " ||
	die "socket permissions: $(ls -l "$T/run/lerum.elevhalsa.sock")"
n1=$(req $U_NURSE skolskoterska) || die "nurse cannot send as skolskoterska"
req $U_KUR skolskoterska >/dev/null && die "kurator sent as skolskoterska"
grep -q "permission denied" "$T/err" || die "denial text: $(cat "$T/err")"
k1=$(req $U_KUR kurator) || die "kurator cannot send as kurator"
req $U_AUD skolskoterska >/dev/null && die "auditor sent a request"
req $U_NONE skolskoterska >/dev/null && die "user without role sent"
as $U_NONE outbox >/dev/null 2>&1 && die "user without role listed outbox"
as $U_OUT outbox >/dev/null 2>&1 && die "user outside the socket group got in"
a1=$(req $U_ADM skolskoterska) || die "admin cannot send"
wait_state lerum.elevhalsa "$n1" DELIVERED
wait_state lerum.elevhalsa "$k1" DELIVERED
# listing: each function sees its own, auditor and admin see all
as $U_NURSE outbox | grep -q "$n1" || die "nurse misses own message"
as $U_NURSE outbox | grep -q "$k1" && die "nurse sees kurator's message"
as $U_KUR outbox | grep -q "$n1" && die "kurator sees nurse's message"
as $U_AUD outbox | grep -q "$k1" || die "auditor misses a message"
as $U_ADM outbox | grep -q "$k1" || die "admin misses a message"
as $U_KUR outbox --function skolskoterska >/dev/null 2>&1 &&
	die "kurator listed skolskoterska"
as $U_KUR status "$n1" >/dev/null 2>&1 && die "kurator read nurse's status"
as $U_AUD status "$n1" >/dev/null || die "auditor cannot see status"
# content: UPH answers the nurse; only she (and admin) may read it
due=$(c alingsas.uph cases --json | /usr/bin/python3 -c '
import json, sys
print([x for x in json.load(sys.stdin) if x["id"] == sys.argv[1]][0]["due"])' "$n1")
c alingsas.uph guarantee "$n1" --contact-by "$due" --channel phone \
	>/dev/null || die "guarantee"
for i in $(seq 1 50); do
	g=$(as $U_NURSE inbox --json | /usr/bin/python3 -c '
import json, sys
print(" ".join(x["id"] for x in json.load(sys.stdin)))')
	[ -n "$g" ] && break
	sleep 0.1
done
[ -n "$g" ] || die "guarantee not in the nurse's inbox"
as $U_NURSE show "$g" >/dev/null || die "nurse cannot read her inbox"
as $U_KUR show "$g" >/dev/null 2>&1 && die "kurator read the nurse's inbox"
as $U_AUD show "$g" 2>"$T/err" >/dev/null && die "auditor read content"
grep -q "metadata only" "$T/err" || die "auditor denial: $(cat "$T/err")"
as $U_ADM show "$g" >/dev/null || die "admin cannot read"
as $U_KUR cases | grep -q "$n1" && die "kurator sees nurse's case"
as $U_NURSE cases | grep -q "$n1" || die "nurse misses her case"
as $U_NURSE stats >/dev/null 2>&1 && die "a function user read stats"
as $U_AUD stats >/dev/null || die "auditor cannot read stats"
as $U_ADM stats >/dev/null || die "admin cannot read stats"
# the audit trail over the socket: auditor and admin, never a function
install -m 0644 "$T/keys/lerum.elevhalsa.pub" "$T/school.pub"
for u in $U_AUD $U_ADM; do
	as $u audit verify -k "$T/school.pub" | grep -q "result: sound" ||
		die "$u cannot verify the trail over the socket"
done
as $U_AUD audit export > "$T/aud.jsonl" &&
	grep -q '"type":"record"' "$T/aud.jsonl" ||
	die "auditor cannot export over the socket"
as $U_NURSE audit verify -k "$T/school.pub" >/dev/null 2>"$T/err" &&
	die "a function user verified the trail"
grep -q "permission denied: the audit trail" "$T/err" ||
	die "audit denial: $(cat "$T/err")"
as $U_KUR audit export >/dev/null 2>&1 && die "a function user exported"
stop lerum.elevhalsa
stop alingsas.uph
# every refusal is in the audit trail, with the caller's uid
"$BIN/tests/auditdump" "$T/state/lerum.elevhalsa" > "$T/audit.txt"
nd=$(grep -c " denied " "$T/audit.txt")
[ "$nd" -ge 7 ] || die "expected >= 7 audited denials, got $nd"
grep " denied " "$T/audit.txt" | grep -q " $(id -u $U_KUR)\$" ||
	die "denial without the caller's uid"
grep " read " "$T/audit.txt" | grep -q " $(id -u $U_NURSE)\$" ||
	die "read without the reader's uid"
