# SPDX-License-Identifier: MIT
#
# cairn: the one build entry point.  GNU make, no generator in front.
#
#   make                 programs and libcairn (after `make deps`)
#   make deps            install missing Debian packages (as root) or print
#                        the apt-get line
#   make check [T=mod]   unit tests (cmocka) and integration tests
#   make check SANITIZE=1  the same under ASan+UBSan, objects in build/san/
#   make memcheck        unit tests under valgrind
#   make demo            a small federation on loopback, end to end
#   make bench           benchmarks (tests/bench/)
#   make install / uninstall / clean

PREFIX		?= /usr/local
DESTDIR		?=
BINDIR		?= $(PREFIX)/bin
SBINDIR		?= $(PREFIX)/sbin
LIBDIR		?= $(PREFIX)/lib
INCLUDEDIR	?= $(PREFIX)/include
MANDIR		?= $(PREFIX)/share/man
SYSCONFDIR	?= /etc
PKG_CONFIG	?= pkg-config
CC		:= $(if $(filter default,$(origin CC)),gcc,$(CC))
PROTOC_C	?= protoc-c
SYSTEMDUNITDIR	?= $(shell $(PKG_CONFIG) --variable=systemdsystemunitdir systemd 2>/dev/null || echo $(PREFIX)/lib/systemd/system)

VERSION		:= 0.1.0

# Debian packages behind each pkg-config module (and the tools we run).
PKGS		:= libzmq libsodium lmdb libprotobuf-c inih libsystemd jansson
TEST_PKGS	:= cmocka
DEB_PKGS	:= build-essential pkg-config libzmq3-dev libsodium-dev \
		   liblmdb-dev libprotobuf-c-dev protobuf-c-compiler \
		   libinih-dev libsystemd-dev libjansson-dev libcmocka-dev \
		   faketime python3 strace iptables iproute2 python3-lmdb gdb

ifeq ($(SANITIZE),1)
B		:= build/san
SANFLAGS	:= -fsanitize=address,undefined -fno-omit-frame-pointer \
		   -fno-sanitize-recover=all
else
B		:= build
SANFLAGS	:=
endif

# pkg-config is asked once, and only when a rule needs the answer, so that
# `make deps` works on a machine that has none of the packages yet.
PKG_CFLAGS	= $(eval PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) $(TEST_PKGS)))$(PKG_CFLAGS)
PKG_LIBS	= $(eval PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS)))$(PKG_LIBS)
TEST_LIBS	= $(eval TEST_LIBS := $(shell $(PKG_CONFIG) --libs $(TEST_PKGS)))$(TEST_LIBS)

WARN		:= -Wall -Wextra -Werror -Wformat=2 -Wshadow \
		   -Wstrict-prototypes -Wmissing-prototypes -Wvla
# -fPIC rather than -fPIE: the same objects go into libcairn.so
HARDEN		:= -fstack-protector-strong -fPIC
ifneq ($(SANITIZE),1)
HARDEN		+= -D_FORTIFY_SOURCE=2
endif
CFLAGS		?= -O2 -g
ALL_CFLAGS	= -std=c11 -D_GNU_SOURCE $(CFLAGS) $(WARN) $(HARDEN) $(SANFLAGS) \
		  -I. -I$(B)/gen $(PKG_CFLAGS) -DCAIRN_VERSION='"$(VERSION)"' \
		  -MMD -MP
ALL_LDFLAGS	= -pie -Wl,-z,relro,-z,now $(SANFLAGS) $(LDFLAGS)

ifeq ($(V),1)
Q		:=
quiet		= @:
else
Q		:= @
quiet		= @printf '  %-6s %s\n'
endif

# ---- sources ----------------------------------------------------------------

GEN_C		:= $(B)/gen/proto/cairn.pb-c.c
GEN_H		:= $(B)/gen/proto/cairn.pb-c.h
PROTO_SRCS	:= $(wildcard proto/*.c)
KEYS_SRCS	:= $(filter-out keys/cairn-keys.c,$(wildcard keys/*.c))
CLIENT_SRCS	:= $(filter-out client/cli.c client/cli_%.c client/example-%.c,$(wildcard client/*.c))
CLI_OBJS	:= $(patsubst %.c,$(B)/%.o,client/cli.c $(wildcard client/cli_*.c))
DAEMON_SRCS	:= $(filter-out daemon/main.c,$(wildcard daemon/*.c))

LIB_OBJS	:= $(B)/gen/proto/cairn.pb-c.o \
		   $(PROTO_SRCS:%.c=$(B)/%.o) $(KEYS_SRCS:%.c=$(B)/%.o) \
		   $(CLIENT_SRCS:%.c=$(B)/%.o)
DAEMON_OBJS	:= $(DAEMON_SRCS:%.c=$(B)/%.o)
LIBCAIRN	:= $(B)/libcairn.a
SOVERSION	:= 0
LIBCAIRN_SO	:= $(B)/libcairn.so.$(VERSION)
# The daemon's modules as an archive, so that a unit test links only the
# modules it uses.
LIBCAIRND	:= $(B)/libcairnd.a

PROGS		:=
ifneq ($(wildcard keys/cairn-keys.c),)
PROGS		+= $(B)/cairn-keys
endif
ifneq ($(wildcard daemon/main.c),)
PROGS		+= $(B)/cairnd
endif
ifneq ($(wildcard client/cli.c),)
PROGS		+= $(B)/cairn
endif
EXAMPLES	:= $(patsubst client/%.c,$(B)/%,$(wildcard client/example-*.c))

UNIT_SRCS	:= $(wildcard tests/unit/test_*.c)
UNIT_NAMES	:= $(patsubst tests/unit/test_%.c,%,$(UNIT_SRCS))
UNIT_BINS	:= $(UNIT_NAMES:%=$(B)/tests/test_%)
BENCH_SRCS	:= $(wildcard tests/bench/*.c)
BENCH_BINS	:= $(patsubst tests/bench/%.c,$(B)/bench/%,$(BENCH_SRCS))

ifneq ($(T),)
RUN_UNITS	:= $(filter $(T),$(UNIT_NAMES))
else
RUN_UNITS	:= $(UNIT_NAMES)
endif

.PHONY: all build deps check test check-unit check-integration memcheck \
	check-faults faults bench demo fuzz install uninstall clean
.DEFAULT_GOAL := all
# keep objects that pattern rules treat as intermediate
.SECONDARY:

# ---- dependencies -----------------------------------------------------------

deps:
	@missing=""; \
	for m in $(PKGS) $(TEST_PKGS); do \
		$(PKG_CONFIG) --exists $$m 2>/dev/null || missing="$$missing $$m"; \
	done; \
	command -v $(PROTOC_C) >/dev/null 2>&1 || missing="$$missing protoc-c"; \
	command -v faketime >/dev/null 2>&1 || missing="$$missing faketime"; \
	command -v strace >/dev/null 2>&1 || missing="$$missing strace"; \
	command -v gdb >/dev/null 2>&1 || missing="$$missing gdb"; \
	[ -x /usr/sbin/iptables ] || missing="$$missing iptables"; \
	[ -x /usr/sbin/ip ] || [ -x /bin/ip ] || missing="$$missing iproute2"; \
	/usr/bin/python3 -c 'import lmdb' 2>/dev/null || \
		missing="$$missing python3-lmdb"; \
	[ -x /usr/bin/python3 ] || missing="$$missing python3"; \
	command -v $(CC) >/dev/null 2>&1 || missing="$$missing $(CC)"; \
	if [ -n "$$missing" ]; then \
		echo "deps: missing:$$missing"; \
		if [ "$$(id -u)" = 0 ]; then \
			echo "deps: installing Debian packages"; \
			apt-get update -qq && \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
				$(DEB_PKGS) >/dev/null || exit 1; \
		else \
			echo "deps: run as root, or install them with:"; \
			echo "  sudo apt-get install -y $(DEB_PKGS)"; \
			exit 1; \
		fi; \
	fi

all: deps
	@$(MAKE) --no-print-directory build

TOOLS		:= $(B)/tests/peertool $(B)/tests/auditdump $(B)/bench/load

build: $(LIBCAIRN) $(LIBCAIRN_SO) $(PROGS) $(EXAMPLES) $(TOOLS)

# ---- compile ----------------------------------------------------------------

$(GEN_C) $(GEN_H) &: proto/cairn.proto
	$(quiet) PROTOC $@
	@mkdir -p $(B)/gen
	$(Q)$(PROTOC_C) --proto_path=. --c_out=$(B)/gen proto/cairn.proto

# protoc-c's output is not ours to fix: it trips -Wmissing-prototypes-free
# but not -Wshadow/-Wunused clean on every version, so those two are
# relaxed for the generated file only.
$(B)/gen/proto/cairn.pb-c.o: $(GEN_C) $(GEN_H) $(B)/.cflags
	$(quiet) CC $@
	$(Q)$(CC) $(ALL_CFLAGS) -Wno-unused-parameter -Wno-shadow -c -o $@ $<

# Objects depend on the flags they were built with, so that a change of
# flags (or of SANITIZE) rebuilds them.
$(B)/.cflags: FORCE
	@mkdir -p $(@D)
	@echo '$(ALL_CFLAGS)' | cmp -s - $@ || echo '$(ALL_CFLAGS)' > $@

.PHONY: FORCE
FORCE:

$(B)/%.o: %.c $(GEN_H) $(B)/.cflags
	$(quiet) CC $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIBCAIRN): $(LIB_OBJS)
	$(quiet) AR $@
	$(Q)rm -f $@ && ar rcs $@ $^

$(LIBCAIRN_SO): $(LIB_OBJS)
	$(quiet) LD $@
	$(Q)$(CC) -shared $(SANFLAGS) -Wl,-soname,libcairn.so.$(SOVERSION) \
		-Wl,-z,relro,-z,now -o $@ $^ $(PKG_LIBS)
	$(Q)ln -sf libcairn.so.$(VERSION) $(B)/libcairn.so.$(SOVERSION)
	$(Q)ln -sf libcairn.so.$(SOVERSION) $(B)/libcairn.so

$(LIBCAIRND): $(DAEMON_OBJS)
	$(quiet) AR $@
	$(Q)rm -f $@ && ar rcs $@ $^

$(B)/cairn-keys: $(B)/keys/cairn-keys.o $(LIBCAIRN)
	$(quiet) LD $@
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(B)/cairnd: $(B)/daemon/main.o $(DAEMON_OBJS) $(LIBCAIRN)
	$(quiet) LD $@
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(B)/cairn: $(CLI_OBJS) $(LIBCAIRN)
	$(quiet) LD $@
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(B)/example-%: $(B)/client/example-%.o $(LIBCAIRN)
	$(quiet) LD $@
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(B)/tests/test_%: $(B)/tests/unit/test_%.o $(LIBCAIRND) $(LIBCAIRN)
	$(quiet) LD $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(TEST_LIBS)

$(B)/tests/%: $(B)/tests/integration/%.o $(LIBCAIRND) $(LIBCAIRN)
	$(quiet) LD $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(B)/bench/%: $(B)/tests/bench/%.o $(LIBCAIRND) $(LIBCAIRN)
	$(quiet) LD $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

# ---- tests ------------------------------------------------------------------

test: check
check: deps
	@$(MAKE) --no-print-directory build
	@$(MAKE) --no-print-directory check-unit
	@$(MAKE) --no-print-directory check-integration
	@$(MAKE) --no-print-directory check-faults

check-unit: $(RUN_UNITS:%=$(B)/tests/test_%)
	@pass=0; fail=0; \
	for t in $(RUN_UNITS); do \
		echo "== unit: $$t"; \
		if $(B)/tests/test_$$t; then pass=$$((pass+1)); \
		else fail=$$((fail+1)); echo "FAILED: unit suite $$t"; fi; \
	done; \
	echo "unit suites: $$pass passed, $$fail failed"; \
	[ $$fail -eq 0 ]

check-integration: build
	@if [ -z "$(T)" ] && [ -x tests/integration/run.sh ]; then \
		B=$(B) SANITIZE=$(SANITIZE) tests/integration/run.sh; \
	fi

# The fault suite (tests/faults/): kills, stops, failed fsync and writes,
# full map and disk, partition and loss, corruption.  The short tier runs
# with check; `make faults` runs the long one (about 20 minutes, and the
# one-hour soak; SKIP=t_soak leaves it out) and closes with the counts.
check-faults: build
	@if [ -z "$(T)" ] && [ -x tests/faults/run.sh ]; then \
		B=$(B) SANITIZE=$(SANITIZE) TIER=short tests/faults/run.sh; \
	fi

faults: deps
	@$(MAKE) --no-print-directory build
	@B=$(B) SANITIZE=$(SANITIZE) TIER=long tests/faults/run.sh

memcheck: deps
	@command -v valgrind >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
				valgrind >/dev/null || exit 1; \
		else \
			echo "memcheck: sudo apt-get install -y valgrind"; exit 1; \
		fi; }
	@$(MAKE) --no-print-directory $(UNIT_BINS)
	@pass=0; fail=0; for t in $(RUN_UNITS); do \
		echo "== valgrind: $$t"; \
		if valgrind -q --error-exitcode=1 --leak-check=full \
			--errors-for-leak-kinds=definite \
			$(B)/tests/test_$$t; then pass=$$((pass+1)); \
		else fail=$$((fail+1)); echo "FAILED: valgrind $$t"; fi; \
	done; echo "memcheck: $$pass passed, $$fail failed"; [ $$fail -eq 0 ]

bench: deps
	@$(MAKE) --no-print-directory build $(BENCH_BINS)
	@B=$(B) tests/bench/run.sh

demo: deps
	@$(MAKE) --no-print-directory build
	@B=$(B) tests/demo.sh

# ---- fuzz (clang only) ------------------------------------------------------
#
# One libFuzzer harness per parser, tests/fuzz/fuzz_<name>.c.  The project
# sources they need are compiled again with clang, ASan+UBSan and coverage
# under build/fuzz/, apart from the gcc objects.  Each harness runs for
# FUZZ_SECONDS from tests/fuzz/corpus/<name>/ (written by mkseeds) and
# keeps what it finds in build/fuzz/corpus/<name>/; a crash leaves
# build/fuzz/artifacts/<name>-crash-* and fails the target.
#   make fuzz [T=name] [FUZZ_SECONDS=300]
# protobuf-c itself is Debian's uninstrumented shared library, so its
# unpacker's own branches are not steered by coverage (PITFALLS.md).

FUZZ_CC		?= clang
FUZZ_SECONDS	?= 20
FUZZ_B		:= build/fuzz
FUZZ_NAMES	:= $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_RUN	:= $(if $(T),$(filter $(T),$(FUZZ_NAMES)),$(FUZZ_NAMES))
FUZZ_SAN	:= -fsanitize=address,undefined -fno-sanitize-recover=all \
		   -fno-omit-frame-pointer
# -Wno-error: clang warns where gcc, the compiler of record, does not.
FUZZ_CFLAGS	= -std=c11 -D_GNU_SOURCE -O1 -g $(WARN) -Wno-error $(FUZZ_SAN) \
		  -fsanitize=fuzzer-no-link -I. -I$(B)/gen $(PKG_CFLAGS) \
		  -DCAIRN_VERSION='"$(VERSION)"' -MMD -MP
FUZZ_OBJS	:= $(FUZZ_B)/gen/proto/cairn.pb-c.o \
		   $(patsubst %.c,$(FUZZ_B)/%.o,$(PROTO_SRCS) $(KEYS_SRCS) \
		   daemon/config.c)
# Largest input per harness: a little over what each parser accepts, or
# what reaches all of its paths.
FUZZ_MAXLEN_envelope	:= 8192
FUZZ_MAXLEN_payload	:= 8192
FUZZ_MAXLEN_reply	:= 1100
FUZZ_MAXLEN_audit	:= 1100
FUZZ_MAXLEN_bookwire	:= 16384
FUZZ_MAXLEN_book	:= 16384
FUZZ_MAXLEN_control	:= 8192
FUZZ_MAXLEN_keyfile	:= 4096
FUZZ_MAXLEN_config	:= 4096

fuzz: deps
	@mkdir -p $(FUZZ_B)
	@echo 'int LLVMFuzzerTestOneInput(void) { return 0; }' | \
	$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -x c - \
	    -o $(FUZZ_B)/probe >/dev/null 2>&1 || \
	if [ "$$(id -u)" = 0 ]; then \
		echo "fuzz: installing clang and libFuzzer"; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang \
			libclang-rt-14-dev >/dev/null || exit 1; \
	else \
		echo "fuzz: needs clang with libFuzzer; install it with:"; \
		echo "  sudo apt-get install -y clang libclang-rt-14-dev"; \
		exit 1; \
	fi
	@rm -f $(FUZZ_B)/probe
	@$(MAKE) --no-print-directory $(FUZZ_B)/mkseeds \
		$(FUZZ_RUN:%=$(FUZZ_B)/fuzz_%)
	@$(FUZZ_B)/mkseeds tests/fuzz/corpus
	@$(MAKE) --no-print-directory -k $(FUZZ_RUN:%=fuzz-run-%)

fuzz-run-%: $(FUZZ_B)/fuzz_%
	@mkdir -p $(FUZZ_B)/corpus/$* $(FUZZ_B)/artifacts
	@echo "== fuzz: $* ($(FUZZ_SECONDS)s)"
	@if $< -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
	    -max_len=$(or $(FUZZ_MAXLEN_$*),4096) -print_final_stats=1 \
	    -artifact_prefix=$(FUZZ_B)/artifacts/$*- \
	    $(FUZZ_B)/corpus/$* tests/fuzz/corpus/$* \
	    >$(FUZZ_B)/$*.log 2>&1; then \
		grep -E '^#[0-9]+.*(DONE|pulse)' $(FUZZ_B)/$*.log | tail -1; \
		grep -E '^stat::(number_of_executed_units|average_exec)' \
		    $(FUZZ_B)/$*.log | tr '\n' ' '; echo; \
	else \
		tail -60 $(FUZZ_B)/$*.log; \
		echo "FAILED: fuzz $* (log: $(FUZZ_B)/$*.log)"; exit 1; \
	fi

.PRECIOUS: $(FUZZ_B)/%.o $(FUZZ_B)/fuzz_%

$(FUZZ_B)/gen/proto/cairn.pb-c.o: $(GEN_C) $(GEN_H)
	$(quiet) FUZZCC $@
	@mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -Wno-unused-parameter -Wno-shadow \
		-c -o $@ $<

$(FUZZ_B)/%.o: %.c $(GEN_H)
	$(quiet) FUZZCC $@
	@mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_B)/libcairn-fuzz.a: $(FUZZ_OBJS)
	$(quiet) AR $@
	$(Q)rm -f $@ && ar rcs $@ $^

$(FUZZ_B)/fuzz_%: $(FUZZ_B)/tests/fuzz/fuzz_%.o $(FUZZ_B)/libcairn-fuzz.a
	$(quiet) FUZZLD $@
	$(Q)$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $^ $(PKG_LIBS)

$(FUZZ_B)/mkseeds: $(FUZZ_B)/tests/fuzz/mkseeds.o $(FUZZ_B)/libcairn-fuzz.a
	$(quiet) FUZZLD $@
	$(Q)$(FUZZ_CC) $(FUZZ_SAN) -o $@ $^ $(PKG_LIBS)

# ---- install ----------------------------------------------------------------

INSTALL_HEADERS	:= client/cairn.h proto/error.h proto/kind.h proto/payload.h \
		   proto/validate.h proto/control.h proto/sig.h
DATADIR		?= $(PREFIX)/share
SYSUSERSDIR	?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR	?= $(PREFIX)/lib/tmpfiles.d
COMPLETIONDIR	?= $(DATADIR)/bash-completion/completions

install: build
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) \
		$(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)/cairn \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(SYSUSERSDIR) \
		$(DESTDIR)$(TMPFILESDIR) $(DESTDIR)$(COMPLETIONDIR) \
		$(DESTDIR)$(DATADIR)/doc/cairn
	install -m 0755 $(B)/cairn-keys $(B)/cairn $(DESTDIR)$(BINDIR)/
	install -m 0755 $(B)/cairnd $(DESTDIR)$(SBINDIR)/
	install -m 0644 $(LIBCAIRN) $(DESTDIR)$(LIBDIR)/
	install -m 0755 $(LIBCAIRN_SO) $(DESTDIR)$(LIBDIR)/
	ln -sf libcairn.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libcairn.so.$(SOVERSION)
	ln -sf libcairn.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/libcairn.so
	install -m 0644 keys/cairn-keys.1 client/cairn.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 client/libcairn.3 $(DESTDIR)$(MANDIR)/man3/
	install -m 0644 daemon/cairnd.conf.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 daemon/cairnd.8 $(DESTDIR)$(MANDIR)/man8/
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
		-e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' -e 's|@VERSION@|$(VERSION)|g' \
		client/cairn.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/cairn.pc
	for h in $(INSTALL_HEADERS); do \
		install -D -m 0644 $$h $(DESTDIR)$(INCLUDEDIR)/cairn/$$h; done
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' systemd/cairnd@.service \
		> $(DESTDIR)$(SYSTEMDUNITDIR)/cairnd@.service
	install -m 0644 systemd/cairn.sysusers $(DESTDIR)$(SYSUSERSDIR)/cairn.conf
	install -m 0644 systemd/cairn.tmpfiles $(DESTDIR)$(TMPFILESDIR)/cairn.conf
	install -m 0644 client/cairn.bash-completion $(DESTDIR)$(COMPLETIONDIR)/cairn
	install -m 0644 systemd/cairnd.conf.example client/example-send.c \
		$(DESTDIR)$(DATADIR)/doc/cairn/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/cairn-keys $(DESTDIR)$(BINDIR)/cairn \
		$(DESTDIR)$(SBINDIR)/cairnd $(DESTDIR)$(LIBDIR)/libcairn.a \
		$(DESTDIR)$(LIBDIR)/libcairn.so $(DESTDIR)$(LIBDIR)/libcairn.so.$(SOVERSION) \
		$(DESTDIR)$(LIBDIR)/libcairn.so.$(VERSION) \
		$(DESTDIR)$(MANDIR)/man1/cairn-keys.1 \
		$(DESTDIR)$(MANDIR)/man1/cairn.1 \
		$(DESTDIR)$(MANDIR)/man3/libcairn.3 \
		$(DESTDIR)$(MANDIR)/man5/cairnd.conf.5 \
		$(DESTDIR)$(MANDIR)/man8/cairnd.8 \
		$(DESTDIR)$(LIBDIR)/pkgconfig/cairn.pc \
		$(DESTDIR)$(SYSTEMDUNITDIR)/cairnd@.service \
		$(DESTDIR)$(SYSUSERSDIR)/cairn.conf \
		$(DESTDIR)$(TMPFILESDIR)/cairn.conf \
		$(DESTDIR)$(COMPLETIONDIR)/cairn
	rm -rf $(DESTDIR)$(INCLUDEDIR)/cairn $(DESTDIR)$(DATADIR)/doc/cairn

clean:
	rm -rf build

-include $(shell find $(B) -name '*.d' 2>/dev/null)
