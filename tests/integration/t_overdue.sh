# A request nobody guarantees goes OVERDUE on both sides once its due
# date has passed (the daemons are restarted with their clocks moved ten
# days ahead with faketime), and `cairn overdue` lists it; a guaranteed
# one does not go overdue.
. "$(dirname "$0")/lib.sh"
command -v faketime >/dev/null || die "faketime is not installed (make deps)"
GUARANTEE_DAYS=1 federation
start lerum.elevhalsa
start alingsas.uph
id=$(request) || die "request"
id2=$(request) || die "request 2"
wait_state lerum.elevhalsa "$id" DELIVERED
wait_state lerum.elevhalsa "$id2" DELIVERED
[ "$(c alingsas.uph overdue --json | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" -eq 0 ] || die "overdue too early"
due=$(c alingsas.uph cases --json | /usr/bin/python3 -c '
import json, sys
print([x for x in json.load(sys.stdin) if x["id"] == sys.argv[1]][0]["due"])' "$id2")
c alingsas.uph guarantee "$id2" --contact-by "$due" --channel phone \
	>/dev/null || die "guarantee"
for i in $(seq 1 50); do
	c lerum.elevhalsa cases --json | grep -q GUARANTEED && break
	sleep 0.1
done
stop lerum.elevhalsa
stop alingsas.uph
CLOCK=+10d start lerum.elevhalsa
CLOCK=+10d start alingsas.uph
for org in lerum.elevhalsa alingsas.uph; do
	out=$(c $org overdue --json) || die "overdue at $org"
	ids=$(printf '%s' "$out" | /usr/bin/python3 -c '
import json, sys
print(" ".join(x["id"] + ":" + x["state"] for x in json.load(sys.stdin)))')
	[ "$ids" = "$id:OVERDUE" ] || die "overdue at $org: '$ids'"
	c $org cases --state OVERDUE | grep -q "$id" || die "cases --state"
done
stop lerum.elevhalsa
stop alingsas.uph
