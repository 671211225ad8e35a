# A large message: a request with a 5 MiB attachment crosses as a
# multipart message (frames of 1 MiB), is sealed and opened without
# copies in the daemons, and arrives byte for byte; both sides
# name the same envelope hash.
. "$(dirname "$0")/lib.sh"
federation
start lerum.elevhalsa
start alingsas.uph
head -c $((5 * 1024 * 1024 + 123)) /dev/urandom > "$T/scan.bin"
id=$(c lerum.elevhalsa request --from skolskoterska \
	--to alingsas.uph/konsultation --subject 19121212-1212 \
	--consent "guardian:$TODAY" --question "Se bifogad utredning." \
	--urgency routine --attach "$T/scan.bin") || die "request refused"
wait_state lerum.elevhalsa "$id" DELIVERED 60
mkdir "$T/saved"
c alingsas.uph show "$id" --save "$T/saved" >/dev/null || die "show failed"
cmp -s "$T/scan.bin" "$T/saved/scan.bin" || die "attachment differs"
sh=$(c lerum.elevhalsa status "$id" --json)
rh=$(c alingsas.uph status "$id" --json)
[ -n "$(json_field "$sh" envelope_hash)" ] || die "no hash: $sh"
[ "$(json_field "$sh" envelope_hash)" = "$(json_field "$rh" envelope_hash)" ] ||
	die "envelope hashes differ: $sh / $rh"
stop lerum.elevhalsa
stop alingsas.uph
