# A message whose receiver never comes up fails when it expires, with a
# visible status.
. "$(dirname "$0")/lib.sh"
federation
start lerum.elevhalsa
id=$(c lerum.elevhalsa request --from skolskoterska --ttl 2 \
	--to alingsas.soc/mottagning --subject 19121212-1212 \
	--consent "both:$TODAY" --question "Kort livslängd") || die "request"
wait_state lerum.elevhalsa "$id" FAILED 15
st=$(c lerum.elevhalsa status "$id" --json)
json_field "$st" last_error | grep -qi "expired" || die "reason: $st"
stop lerum.elevhalsa
