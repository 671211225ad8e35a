# The consultation workflow with the CLI alone: request -> guarantee ->
# answer with a meeting invitation, both sides seeing the same states;
# illegal transitions refused; redirect; withdrawal hides the content.
. "$(dirname "$0")/lib.sh"
federation
start lerum.elevhalsa
start alingsas.uph
S=lerum.elevhalsa
U=alingsas.uph
case_field() {	# ORG ID KEY: a field of the case from `cairn cases --json`
	c "$1" cases --json | /usr/bin/python3 -c '
import json, sys
for x in json.load(sys.stdin):
    if x["id"] == sys.argv[1]:
        v = x.get(sys.argv[2])
        print("" if v is None else v)' "$2" "$3"
}
wait_case() {	# ORG ID STATE
	local i s
	for i in $(seq 1 100); do
		s=$(case_field "$1" "$2" state)
		[ "$s" = "$3" ] && return 0
		sleep 0.1
	done
	die "case $2 at $1 is '$s', expected $3"
}
id=$(request) || die "request refused"
wait_case $S "$id" DELIVERED
wait_case $U "$id" DELIVERED
[ "$(case_field $S "$id" direction)" = sent ] || die "direction at school"
[ "$(case_field $U "$id" direction)" = received ] || die "direction at UPH"
due=$(case_field $U "$id" due)
[ -n "$due" ] || die "no due date at UPH"
[ "$(case_field $S "$id" due)" = "$due" ] || die "due dates differ"
# a date after the due date is refused, and so is one in the past
c $U guarantee "$id" --contact-by 2099-01-01 --channel phone 2>"$T/err" &&
	die "contact date after due date accepted"
c $U guarantee "$id" --contact-by 2001-01-01 --channel phone 2>/dev/null &&
	die "contact date in the past accepted"
# the school cannot guarantee its own request
c $S guarantee "$id" --contact-by "$due" --channel phone 2>/dev/null &&
	die "sender gave a guarantee"
c $U guarantee "$id" --contact-by "$due" --channel video \
	--note "Vi ringer vårdnadshavaren." >/dev/null || die "guarantee refused"
wait_case $S "$id" GUARANTEED
[ "$(case_field $S "$id" contact_by)" = "$due" ] || die "contact_by at school"
c $U guarantee "$id" --contact-by "$due" --channel phone 2>/dev/null &&
	die "second guarantee accepted"
c $U answer "$id" --advice "Boka ett samtal med skolkurator." \
	--level first-line --meeting "${due}T10:00" --minutes 45 \
	--join "meet-4711" >/dev/null || die "answer refused"
wait_case $S "$id" ANSWERED
wait_case $U "$id" ANSWERED
c $S withdraw "$id" --reason "x" 2>/dev/null &&
	die "withdrawal of an answered request accepted"
# the answer arrives in the school's inbox, readable there
aid=$(c $S inbox --json | /usr/bin/python3 -c '
import json, sys
for x in json.load(sys.stdin):
    if x.get("kind") == "consultation-response": print(x["id"])')
[ -n "$aid" ] || die "no answer in the school's inbox"
c $S show "$aid" | grep -q "skolkurator" || die "answer content"
c $S show "$aid" | grep -q "meet-4711" || die "meeting invitation"

# redirect: UPH says the request belongs with social services
id2=$(request) || die "request 2"
wait_case $U "$id2" DELIVERED
c $U redirect "$id2" --to alingsas.soc/mottagning --note "Socialtjänsten" \
	>/dev/null || die "redirect refused"
wait_case $S "$id2" REDIRECTED
c $U answer "$id2" --advice "x" 2>/dev/null && die "answer after redirect"

# withdrawal: consent withdrawn, the receiver's copy is no longer shown
id3=$(request) || die "request 3"
wait_case $U "$id3" DELIVERED
c $U show "$id3" >/dev/null || die "show before withdrawal"
c $S withdraw "$id3" --reason "Samtycket återkallat" >/dev/null ||
	die "withdraw refused"
wait_case $U "$id3" WITHDRAWN
wait_case $S "$id3" WITHDRAWN
c $U show "$id3" >/dev/null 2>&1 && die "withdrawn content still shown"
c $U answer "$id3" --advice "x" 2>/dev/null && die "answer to withdrawn"

# both sides list the same three cases
[ "$(c $S cases --json | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" -eq 3 ] || die "school cases"
[ "$(c $U cases --json | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" -eq 3 ] || die "UPH cases"
[ "$(c $U overdue --json | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" -eq 0 ] || die "nothing is overdue"
stop lerum.elevhalsa
stop alingsas.uph
