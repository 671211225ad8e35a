# kill -9 of the sender right after a submit was acknowledged: after a
# restart the message is delivered, exactly once.
. "$(dirname "$0")/lib.sh"
federation
start alingsas.uph
start lerum.elevhalsa
ids=""
for i in 1 2 3 4 5; do
	ids="$ids $(request)" || die "request refused"
done
crash lerum.elevhalsa
start lerum.elevhalsa
for id in $ids; do
	wait_state lerum.elevhalsa "$id" DELIVERED 20
done
for id in $ids; do
	n=$(c alingsas.uph inbox | grep -c "$id")
	[ "$n" -eq 1 ] || die "$id delivered $n times"
done
# the receiver crashes too, and nothing is lost or doubled
crash alingsas.uph
start alingsas.uph
total=$(c alingsas.uph inbox --json | /usr/bin/python3 -c \
	'import json,sys; print(len(json.load(sys.stdin)))')
[ "$total" -eq 5 ] || die "inbox has $total messages, expected 5"
stop lerum.elevhalsa
stop alingsas.uph
