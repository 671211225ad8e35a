# Bad input at the edge: no consent, an invalid identity number, an
# unknown organisation, a broken config, a bad new address book on SIGHUP.
. "$(dirname "$0")/lib.sh"
federation
start lerum.elevhalsa
c lerum.elevhalsa request --from skolskoterska --to alingsas.uph/konsultation \
	--subject 19121212-1212 --question "x" 2>"$T/err" && die "no consent"
grep -qi consent "$T/err" || die "no consent message: $(cat "$T/err")"
c lerum.elevhalsa request --from skolskoterska --to alingsas.uph/konsultation \
	--subject 19121212-1213 --consent "guardian:$TODAY" --question x \
	2>"$T/err" && die "bad identity number accepted"
c lerum.elevhalsa request --from skolskoterska --to nosuch.org/x \
	--subject 19121212-1212 --consent "guardian:$TODAY" --question x \
	2>"$T/err" && die "unknown org accepted"
grep -q "nosuch.org" "$T/err" || die "unknown org message: $(cat "$T/err")"
# a bad new book is refused on SIGHUP and the old one stays
echo garbage > "$T/book.cairnbook"
kill -HUP "$(pid_of lerum.elevhalsa)"
sleep 0.5
grep -q "refused new address book" "$T/log/lerum.elevhalsa.log" ||
	die "bad book not refused"
request >/dev/null || die "old book not kept"
# a good newer one is taken
sign_book 2
kill -HUP "$(pid_of lerum.elevhalsa)"
sleep 0.5
grep -q "loaded address book serial 2" "$T/log/lerum.elevhalsa.log" ||
	die "new book not loaded"
stop lerum.elevhalsa
# an older book is refused at start (rollback)
sign_book 1
"$CAIRND" -c "$T/lerum.elevhalsa.conf" 2>"$T/err" && die "rollback accepted"
grep -qi "rollback" "$T/err" || die "rollback message: $(cat "$T/err")"
# a config error names file and line
printf '[daemon]\norg = Bad Org\n' > "$T/bad.conf"
"$CAIRND" -c "$T/bad.conf" 2>"$T/err" && die "bad config accepted"
grep -q "bad.conf:2" "$T/err" || die "config error: $(cat "$T/err")"
true
