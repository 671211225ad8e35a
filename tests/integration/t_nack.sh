# Unknown function: the receiver answers with a signed nack; the sender
# marks the message REJECTED and says why.
. "$(dirname "$0")/lib.sh"
federation
start lerum.elevhalsa
start alingsas.uph
id=$(request alingsas.uph/nosuchfunction) || die "request refused locally"
wait_state lerum.elevhalsa "$id" REJECTED
st=$(c lerum.elevhalsa status "$id" --json)
json_field "$st" last_error | grep -q "no such function" ||
	die "reason missing: $st"
c lerum.elevhalsa status "$id" | grep -qi "rejected" || die "status text"
stop lerum.elevhalsa
stop alingsas.uph
