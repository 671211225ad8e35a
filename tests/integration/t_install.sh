# make install DESTDIR=... lays out programs, libcairn (static and shared),
# headers, pkg-config file, man pages, systemd units, sysusers/tmpfiles
# snippets and bash completion; the example integrator builds against the
# installed library and sends a request end to end; the unit verifies.
. "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
D="$T/dest"
# the same B and SANITIZE as the build under test, so nothing is rebuilt
make -C "$top" --no-print-directory -s B="$B" SANITIZE="${SANITIZE:-}" \
	install DESTDIR="$D" \
	PREFIX=/usr/local SYSTEMDUNITDIR=/usr/local/lib/systemd/system \
	>"$T/install.log" 2>&1 || die "make install: $(tail -5 "$T/install.log")"
for f in bin/cairn bin/cairn-keys sbin/cairnd lib/libcairn.a \
    lib/libcairn.so lib/libcairn.so.0 lib/pkgconfig/cairn.pc \
    include/cairn/client/cairn.h include/cairn/proto/payload.h \
    share/man/man1/cairn.1 share/man/man1/cairn-keys.1 \
    share/man/man3/libcairn.3 share/man/man5/cairnd.conf.5 \
    share/man/man8/cairnd.8 lib/systemd/system/cairnd@.service \
    lib/sysusers.d/cairn.conf lib/tmpfiles.d/cairn.conf \
    share/bash-completion/completions/cairn \
    share/doc/cairn/cairnd.conf.example share/doc/cairn/example-send.c; do
	[ -e "$D/usr/local/$f" ] || die "not installed: $f"
done
find "$D" -name '*.secret' | grep -q . && die "secret material installed"
grep -q "ExecStart=/usr/local/sbin/cairnd -c /etc/cairn/%i.conf" \
	"$D/usr/local/lib/systemd/system/cairnd@.service" || die "unit paths"
if command -v systemd-analyze >/dev/null; then
	cp "$D/usr/local/lib/systemd/system/cairnd@.service" "$T/cairnd@x.service"
	sed -i "s|/usr/local/sbin/cairnd|$D/usr/local/sbin/cairnd|" "$T/cairnd@x.service"
	out=$(cd "$T" && systemd-analyze verify --man=no ./cairnd@x.service 2>&1)
	[ -z "$out" ] || die "systemd-analyze verify: $out"
fi
# the example integrator, built against the installed headers and
# shared library through pkg-config
export PKG_CONFIG_PATH="$D/usr/local/lib/pkgconfig"
export PKG_CONFIG_SYSROOT_DIR="$D"
# a sanitizer build installs an instrumented library: build to match
san=""
ldd "$D/usr/local/lib/libcairn.so" | grep -q libasan &&
	san="-fsanitize=address,undefined"
cc $san -o "$T/example-send" "$D/usr/local/share/doc/cairn/example-send.c" \
	$(pkg-config --cflags --libs cairn libzmq libsodium libprotobuf-c) \
	-Wl,-rpath,"$D/usr/local/lib" 2>"$T/cc.log" ||
	die "example does not build against the install: $(cat "$T/cc.log")"
federation
start lerum.elevhalsa
start alingsas.uph
out=$("$T/example-send" -s "$T/run/lerum.elevhalsa.sock" skolskoterska \
	alingsas.uph/konsultation 19121212-1212 "Fråga från journalsystemet") ||
	die "example-send: $out"
id=$(printf '%s\n' "$out" | head -n 1)
[ "$(printf '%s\n' "$out" | tail -n 1)" = DELIVERED ] || die "example: $out"
c alingsas.uph inbox | grep -q "$id" || die "not in UPH's inbox"
stop lerum.elevhalsa
stop alingsas.uph
