# mongoose: see README.md. `make test` is the one command that proves it works.
# Builds run in parallel (tests themselves run one after another).
MAKEFLAGS += -j$(shell nproc 2>/dev/null || echo 2)
CC ?= cc
CXX ?= g++
# TLS: `make test SSL=openssl` or `SSL=mbedtls` builds the library and every
# test with TLS on (MG_ENABLE_SSL=1) into build/<ssl>/; without SSL the
# library needs nothing but libc.
SSL ?=
ifeq ($(SSL),openssl)
SSL_CFLAGS = -DMG_ENABLE_SSL=1
SSL_LIBS = -lssl -lcrypto
else ifeq ($(SSL),mbedtls)
SSL_CFLAGS = -DMG_ENABLE_SSL=1 -DMG_SSL_IF=MG_SSL_IF_MBEDTLS
SSL_LIBS = -lmbedtls -lmbedx509 -lmbedcrypto
else ifneq ($(SSL),)
$(error SSL=$(SSL): use SSL=openssl or SSL=mbedtls)
endif
ifeq ($(SSL),)
BUILD ?= build
else
BUILD ?= build/$(SSL)
endif
WARN = -W -Wall -Wextra -Werror -pedantic -std=c99 -Wundef -Wshadow
SAN = -fsanitize=address,undefined -fno-sanitize-recover=all
CFLAGS ?= -O2 -g
LIBS = $(SSL_LIBS) -lpthread
TEST_CFLAGS = $(WARN) -g -O1 $(SAN) -I. $(SSL_CFLAGS) $(EXTRA_CFLAGS)
VG_CFLAGS = $(WARN) -g -O0 -I. $(SSL_CFLAGS) $(EXTRA_CFLAGS)
FUZZ_TIME ?= 30
FUZZ_RUNS ?= -1

SRC_C = $(wildcard src/*.c)
SRC_H = $(wildcard src/*.h)
UNIT_TESTS = $(patsubst test/unit/%.c,$(BUILD)/test/%,$(wildcard test/unit/test_*.c))
FUZZ_NAMES = $(patsubst test/fuzz/fuzz_%.c,%,$(wildcard test/fuzz/fuzz_*.c))
EXAMPLE_DIRS = $(patsubst %/main.c,%,$(wildcard examples/*/main.c))
EXAMPLES = $(foreach d,$(EXAMPLE_DIRS),$(d)/$(notdir $(d)))

.PHONY: compat headers all examples test valgrind-tls fuzz-replay-build deps deps-sqlite switches valgrind amalgamate check-amalgamation \
  unamalgamated mg_prefix cxx format-check soak hostile fuzz fuzz-merge fuzz-replay clean run bench bench-pass size
.SECONDEXPANSION:

all: $(BUILD)/mongoose.o examples

examples: $(EXAMPLES)

# An example that needs more libraries names them in LIBS_<name>.
LIBS_api_server = -lsqlite3

# The CGI example turns CGI on (off by default, as in 6.x).
CFLAGS_cgi = -DMG_ENABLE_HTTP_CGI=1
# The WebDAV example turns WebDAV on (off by default, as in 6.x).
CFLAGS_webdav = -DMG_ENABLE_HTTP_WEBDAV=1

# TLS examples: always built with OpenSSL (libssl-dev).
CFLAGS_simplest_web_server_ssl = -DMG_ENABLE_SSL=1
LIBS_simplest_web_server_ssl = -lssl -lcrypto
CFLAGS_http_client = -DMG_ENABLE_SSL=1
LIBS_http_client = -lssl -lcrypto

$(EXAMPLES): $$(@D)/main.c mongoose.c mongoose.h
	$(CC) $(WARN) $(CFLAGS) $(CFLAGS_$(notdir $(@D))) -I. $(@D)/main.c mongoose.c -o $@ $(LIBS_$(notdir $(@D))) $(LIBS)

# api_server needs the system sqlite3 (libsqlite3-dev).
examples/api_server/api_server: | deps-sqlite

$(BUILD)/mongoose.o: mongoose.c mongoose.h
	@mkdir -p $(@D)
	$(CC) $(WARN) $(CFLAGS) $(SSL_CFLAGS) -c mongoose.c -o $@

# The amalgamation is generated from src/ and committed.
mongoose.c mongoose.h &: $(SRC_C) $(SRC_H) tools/amalgam.sh
	tools/amalgam.sh

amalgamate:
	tools/amalgam.sh

check-amalgamation:
	@mkdir -p $(BUILD)/amal
	tools/amalgam.sh $(BUILD)/amal
	cmp mongoose.c $(BUILD)/amal/mongoose.c
	cmp mongoose.h $(BUILD)/amal/mongoose.h
	@echo "check-amalgamation: mongoose.c and mongoose.h match src/"

# Every src/*.c compiles on its own, and together they link a program.
unamalgamated:
	@mkdir -p $(BUILD)/unamal
	@for h in $$(sed -n '/^HDRS=/,/"$$/p' tools/amalgam.sh | sed 's/HDRS=//' | tr -d '"'); do \
	  echo "#include \"$$h\""; done > $(BUILD)/unamal/mongoose.h
	@set -e; for f in $(SRC_C); do \
	  echo "CC $$f"; \
	  $(CC) $(WARN) -O1 $(SSL_CFLAGS) -Isrc -c $$f -o $(BUILD)/unamal/$$(basename $$f .c).o; \
	done
	$(CC) $(WARN) -O1 $(SSL_CFLAGS) -I$(BUILD)/unamal -Isrc examples/tcp_echo_server/main.c -x none \
	  $(patsubst src/%.c,$(BUILD)/unamal/%.o,$(SRC_C)) -o $(BUILD)/unamal/tcp_echo_server $(LIBS)
	@echo "unamalgamated: every src/*.c compiles alone and links"

# The include graph is the architecture: every header compiles alone, and
# includes and calls point down the layers (base -> core -> ifaces ->
# protocols; inside HTTP: parsers and http_conn -> features -> server).
headers: unamalgamated
	tools/check_layers.sh $(BUILD)/unamal

# Every exported symbol starts with mg_ or mbuf_.
mg_prefix: $(BUILD)/mongoose.o
	@bad=$$(nm -g --defined-only $(BUILD)/mongoose.o | awk '{print $$3}' | grep -Ev '^(mg_|mbuf_)' || true); \
	if [ -n "$$bad" ]; then echo "mg_prefix: symbols without mg_/mbuf_ prefix:"; echo "$$bad"; exit 1; fi
	@echo "mg_prefix: all exported symbols are prefixed"

# The amalgamation also compiles as C++, and the header works from C++.
cxx:
	@mkdir -p $(BUILD)
	$(CXX) -x c++ -std=c++11 -W -Wall -Wextra -Werror -pedantic -c mongoose.c -o $(BUILD)/mongoose_cxx.o
	$(CXX) -x c++ -std=c++11 -W -Wall -Wextra -Werror -pedantic -I. examples/tcp_echo_server/main.c -x none \
	  $(BUILD)/mongoose_cxx.o -o $(BUILD)/tcp_echo_server_cxx $(LIBS)
	@echo "cxx: mongoose.c builds as C++"

# src/ is formatted as .clang-format says (clang-format 14); lists the files
# that are not.
CLANG_FORMAT ?= clang-format
format-check:
	@command -v $(CLANG_FORMAT) >/dev/null || \
	  { echo "format-check: $(CLANG_FORMAT) is missing. Run: apt-get install -y clang-format"; exit 1; }
	@bad=""; for f in $(SRC_C) $(SRC_H); do \
	  $(CLANG_FORMAT) --dry-run -Werror $$f >/dev/null 2>&1 || bad="$$bad $$f"; \
	done; \
	if [ -n "$$bad" ]; then \
	  echo "format-check: not clang-formatted ($$($(CLANG_FORMAT) --version)):"; \
	  for f in $$bad; do echo "  $$f"; done; \
	  echo "See the changes with: $(CLANG_FORMAT) --dry-run FILE"; exit 1; \
	fi
	@echo "format-check: src/ is clang-formatted"

# Every MG_ENABLE_* switch can be turned off (alone, and all at once) and the
# library still compiles, as C and as C++.
SWITCHES = $(shell sed -n 's/^\#define \(MG_ENABLE_[A-Z0-9_]*\) 1.*/\1/p' src/config.h)
switches: mongoose.c mongoose.h
	@mkdir -p $(BUILD)
	@set -e; for s in $(SWITCHES) "$(foreach s,$(SWITCHES),-D$(s)=0)" -DMG_ENABLE_LINES=1 -DMG_ENABLE_CALLBACK_USERDATA=1 \
	    -DMG_ENABLE_HTTP_CGI=1 "-DMG_ENABLE_HTTP_CGI=1 -DMG_ENABLE_CALLBACK_USERDATA=1" \
	    -DMG_ENABLE_HTTP_WEBDAV=1 "-DMG_ENABLE_HTTP_WEBDAV=1 -DMG_ENABLE_HTTP_CGI=1 -DMG_ENABLE_CALLBACK_USERDATA=1" \
	    "-DMG_ENABLE_HTTP_WEBDAV=1 -DMG_ENABLE_FILESYSTEM=0" "-DMG_ENABLE_HTTP_WEBDAV=1 -DMG_ENABLE_HTTP=0" \
	    -DMG_ENABLE_SSL=1 "-DMG_ENABLE_SSL=1 -DMG_SSL_IF=MG_SSL_IF_MBEDTLS" -DMG_ENABLE_HTTP_SSI_EXEC=1 \
	    "$(foreach s,$(SWITCHES),-D$(s)=0) -DMG_ENABLE_SSL=1"; do \
	  case "$$s" in -D*) d="$$s" ;; *) d="-D$$s=0" ;; esac; \
	  echo "CC mongoose.c $$d"; \
	  $(CC) $(WARN) $$d -c mongoose.c -o $(BUILD)/switch.o; \
	  $(CXX) -x c++ -std=c++11 -W -Wall -Wextra -Werror -pedantic $$d -c mongoose.c -o $(BUILD)/switch.o; \
	done
	@echo "switches: every MG_ENABLE_* switch compiles off"

# cmocka is the one test dependency; install it when we can, else say how.
deps:
	@if ! printf '#include <stdarg.h>\n#include <stddef.h>\n#include <stdint.h>\n#include <setjmp.h>\n#include <cmocka.h>\n' | $(CC) -E -x c - >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update && apt-get install -y libcmocka-dev) || exit 1; \
	  else \
	    echo "cmocka is missing. Run: sudo apt-get install -y libcmocka-dev"; exit 1; \
	  fi; \
	fi

deps-sqlite:
	@if ! printf '#include <sqlite3.h>\n' | $(CC) -E -x c - >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update && apt-get install -y libsqlite3-dev) || exit 1; \
	  else \
	    echo "sqlite3 is missing (examples/api_server). Run: sudo apt-get install -y libsqlite3-dev"; exit 1; \
	  fi; \
	fi

$(BUILD)/san/mongoose.o: mongoose.c mongoose.h
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -c mongoose.c -o $@

$(BUILD)/vg/mongoose.o: mongoose.c mongoose.h
	@mkdir -p $(@D)
	$(CC) $(VG_CFLAGS) -c mongoose.c -o $@

$(BUILD)/test/%: test/unit/%.c $(BUILD)/san/mongoose.o mongoose.c | deps
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) $< $(call LIB_FOR,$<,$(BUILD)/san/mongoose.o) -o $@ -lcmocka $(LIBS)

# A test that includes mongoose.c itself (to compile in other limits) does
# not link the shared object.
LIB_FOR = $$(grep -q '"../../mongoose.c"' $(1) || echo $(2))

$(BUILD)/vg/%: test/unit/%.c $(BUILD)/vg/mongoose.o mongoose.c | deps
	@mkdir -p $(@D)
	$(CC) $(VG_CFLAGS) $< $(call LIB_FOR,$<,$(BUILD)/vg/mongoose.o) -o $@ -lcmocka $(LIBS)

# Net and interop tests run against every iface: a test matrix. For each
# iface the library is built with MG_DEFAULT_IFACE set to it, into
# build/<iface>-san (sanitizers) and build/<iface>-vg (valgrind).
IFACES = select poll epoll
VT_select = mg_socket_iface_vtable
VT_poll = mg_poll_iface_vtable
VT_epoll = mg_epoll_iface_vtable
NET_NAMES = $(patsubst test/net/%.c,%,$(wildcard test/net/test_*.c)) \
  $(patsubst test/interop/%.c,%,$(wildcard test/interop/test_*.c))
MATRIX_SAN = $(foreach i,$(IFACES),$(addprefix $(BUILD)/$(i)-san/,$(NET_NAMES)))
MATRIX_VG = $(foreach i,$(IFACES),$(addprefix $(BUILD)/$(i)-vg/,$(NET_NAMES)))

define IFACE_RULES
$(BUILD)/$(1)-$(2)/mongoose.o: mongoose.c mongoose.h
	@mkdir -p $$(@D)
	$$(CC) $(3) -DMG_DEFAULT_IFACE=$$(VT_$(1)) -c mongoose.c -o $$@
$(BUILD)/$(1)-$(2)/%: test/net/%.c test/net/net_util.h $(BUILD)/$(1)-$(2)/mongoose.o mongoose.c | deps
	$$(CC) $(3) -DMG_DEFAULT_IFACE=$$(VT_$(1)) -Itest/net $$< $$(call LIB_FOR,$$<,$(BUILD)/$(1)-$(2)/mongoose.o) -o $$@ -lcmocka $$(LIBS)
$(BUILD)/$(1)-$(2)/%: test/interop/%.c test/net/net_util.h $(BUILD)/$(1)-$(2)/mongoose.o | deps
	$$(CC) $(3) -DMG_DEFAULT_IFACE=$$(VT_$(1)) -Itest/net $$< $(BUILD)/$(1)-$(2)/mongoose.o -o $$@ -lcmocka $$(LIBS)
endef
# test_examples starts the example binaries: they are built first.
$(foreach i,$(IFACES),$(BUILD)/$(i)-san/test_examples $(BUILD)/$(i)-vg/test_examples): $(EXAMPLES)
# test_sntp_interop runs examples/sntp_client against chronyd.
$(foreach i,$(IFACES),$(BUILD)/$(i)-san/test_sntp_interop $(BUILD)/$(i)-vg/test_sntp_interop): examples/sntp_client/sntp_client
# test_dns_interop starts examples/captive_dns_server.
$(foreach i,$(IFACES),$(BUILD)/$(i)-san/test_dns_interop $(BUILD)/$(i)-vg/test_dns_interop): examples/captive_dns_server/captive_dns_server
# test_mqtt_broker_interop starts examples/mqtt_broker and
# examples/mqtt_over_websocket_server.
$(foreach i,$(IFACES),$(BUILD)/$(i)-san/test_mqtt_broker_interop $(BUILD)/$(i)-vg/test_mqtt_broker_interop): examples/mqtt_broker/mqtt_broker examples/mqtt_over_websocket_server/mqtt_over_websocket_server
# test_mqtt_client_interop runs examples/mqtt_client against mosquitto.
$(foreach i,$(IFACES),$(BUILD)/$(i)-san/test_mqtt_client_interop $(BUILD)/$(i)-vg/test_mqtt_client_interop): examples/mqtt_client/mqtt_client
$(foreach i,$(IFACES),$(eval $(call IFACE_RULES,$(i),san,$(TEST_CFLAGS))))
$(foreach i,$(IFACES),$(eval $(call IFACE_RULES,$(i),vg,$(VG_CFLAGS))))

# The compat tier (test/compat): 6.x-style programs that use the 6.x names
# and behaviours as 6.x programs do, compiled with the warnings such
# programs use, as C and as C++, in both callback modes
# (MG_ENABLE_CALLBACK_USERDATA 0 and 1; the library is built to match).
# build/compat/<name>-<c|cxx>-ud<0|1>, sanitizers on; the C ones also
# under valgrind (build/compat-vg/).
COMPAT_NAMES = $(patsubst test/compat/%.c,%,$(wildcard test/compat/compat_*.c))
COMPAT_WARN = -W -Wall -Wextra -Werror -pedantic
COMPAT_SAN = $(foreach n,$(COMPAT_NAMES),$(foreach l,c cxx,$(foreach u,0 1,$(BUILD)/compat/$(n)-$(l)-ud$(u))))
COMPAT_VG = $(foreach n,$(COMPAT_NAMES),$(foreach u,0 1,$(BUILD)/compat-vg/$(n)-c-ud$(u)))
$(BUILD)/compat/mongoose-ud%.o: mongoose.c mongoose.h
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -DMG_ENABLE_CALLBACK_USERDATA=$* -c mongoose.c -o $@
$(BUILD)/compat-vg/mongoose-ud%.o: mongoose.c mongoose.h
	@mkdir -p $(@D)
	$(CC) $(VG_CFLAGS) -DMG_ENABLE_CALLBACK_USERDATA=$* -c mongoose.c -o $@
define COMPAT_RULES
$(BUILD)/compat/$(1)-c-ud$(2): test/compat/$(1).c test/compat/compat.h $(BUILD)/compat/mongoose-ud$(2).o | deps
	$$(CC) $(COMPAT_WARN) -std=c99 -g -O1 $(SAN) -I. $(SSL_CFLAGS) -DMG_ENABLE_CALLBACK_USERDATA=$(2) $$< $(BUILD)/compat/mongoose-ud$(2).o -o $$@ -lcmocka $$(LIBS)
$(BUILD)/compat/$(1)-cxx-ud$(2): test/compat/$(1).c test/compat/compat.h $(BUILD)/compat/mongoose-ud$(2).o | deps
	$$(CXX) -x c++ -std=c++11 $(COMPAT_WARN) -g -O1 $(SAN) -I. $(SSL_CFLAGS) -DMG_ENABLE_CALLBACK_USERDATA=$(2) $$< -x none $(BUILD)/compat/mongoose-ud$(2).o -o $$@ -lcmocka $$(LIBS)
$(BUILD)/compat-vg/$(1)-c-ud$(2): test/compat/$(1).c test/compat/compat.h $(BUILD)/compat-vg/mongoose-ud$(2).o | deps
	$$(CC) $(COMPAT_WARN) -std=c99 -g -O0 -I. $(SSL_CFLAGS) -DMG_ENABLE_CALLBACK_USERDATA=$(2) $$< $(BUILD)/compat-vg/mongoose-ud$(2).o -o $$@ -lcmocka $$(LIBS)
endef
$(foreach n,$(COMPAT_NAMES),$(foreach u,0 1,$(eval $(call COMPAT_RULES,$(n),$(u)))))

# Sanitizers: ASan and UBSan abort on the first report, so a report fails
# the binary and so the run.
test: deps switches $(UNIT_TESTS) $(MATRIX_SAN) $(COMPAT_SAN) fuzz-replay-build
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  tools/run_tests.sh $(UNIT_TESTS) $(MATRIX_SAN) $(COMPAT_SAN) -- $(foreach n,$(FUZZ_NAMES),$(BUILD)/fuzz/replay_$(n):test/fuzz/corpus/$(n))

valgrind: deps $(patsubst $(BUILD)/test/%,$(BUILD)/vg/%,$(UNIT_TESTS)) $(MATRIX_VG) $(COMPAT_VG)
	VALGRIND=1 tools/run_tests.sh $(patsubst $(BUILD)/test/%,$(BUILD)/vg/%,$(UNIT_TESTS)) $(MATRIX_VG) $(COMPAT_VG)

# The TLS tests under valgrind (with SSL=openssl or SSL=mbedtls), on the
# default iface: handshakes by the hundred, no leak.
TLS_NAMES = $(filter %tls %tls_interop,$(NET_NAMES))
valgrind-tls: deps $(addprefix $(BUILD)/select-vg/,$(TLS_NAMES))
	VALGRIND=1 tools/run_tests.sh $(addprefix $(BUILD)/select-vg/,$(TLS_NAMES))

# Only the compat tier (sanitizers), e.g. while porting a 6.x program.
compat: $(COMPAT_SAN)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 tools/run_tests.sh $(COMPAT_SAN)

# Fuzzing: libFuzzer targets (clang) for a set time each; the seed corpora
# are replayed with gcc and the sanitizers inside `make test`.
$(BUILD)/fuzz/replay_%: test/fuzz/fuzz_%.c test/fuzz/replay.c $(BUILD)/san/mongoose.o
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) $< test/fuzz/replay.c $(call LIB_FOR,$<,$(BUILD)/san/mongoose.o) -o $@ $(LIBS)

fuzz-replay-build: $(foreach n,$(FUZZ_NAMES),$(BUILD)/fuzz/replay_$(n))

fuzz-replay: fuzz-replay-build
	tools/run_tests.sh -- $(foreach n,$(FUZZ_NAMES),$(BUILD)/fuzz/replay_$(n):test/fuzz/corpus/$(n))

# `make fuzz FUZZ_TIME=S [FUZZ_RUNS=N] [FUZZ_TARGETS="uri xml"]` fuzzes each
# target for S seconds or N executions; `make fuzz-merge` then adds the finds
# that raise coverage to test/fuzz/corpus (tools/fuzz.sh).
fuzz:
	BUILD=$(BUILD) FUZZ_TIME=$(FUZZ_TIME) FUZZ_RUNS=$(FUZZ_RUNS) tools/fuzz.sh run $(FUZZ_TARGETS)

fuzz-merge:
	BUILD=$(BUILD) tools/fuzz.sh merge $(FUZZ_TARGETS)

# Soak (not in `make test`): the example servers under a mixed load for
# SOAK_SECONDS (default 600); table, samples.csv and soak.svg in build/soak.
SOAK_SECONDS ?= 600
soak: examples/http_server/http_server examples/websocket_chat/websocket_chat examples/big_upload/big_upload
	/usr/bin/python3 test/soak/soak.py $(SOAK_SECONDS) $(BUILD)/soak

# Hostile load (not in `make test`): 10,000 slowloris connections on the
# epoll iface with fresh-GET latency, resets at each request stage, and a
# 1 GiB response never read (test/soak/hostile.py; HOSTILE_LORIS=N).
$(BUILD)/hostile/bench_server: bench/bench_server.c mongoose.c mongoose.h
	@mkdir -p $(@D)
	$(CC) $(WARN) -O2 -DNDEBUG -I. bench/bench_server.c mongoose.c -o $@ $(LIBS)

hostile: $(BUILD)/hostile/bench_server
	/usr/bin/python3 test/soak/hostile.py $(BUILD)/hostile/bench_server $(BUILD)/hostile

# The cost of one mg_mgr_poll() iteration with many idle HTTP connections
# (bench/poll_pass.c), three runs per iface; BENCH_PASS_N connections
# (default 9000; select holds what fits under FD_SETSIZE).
BENCH_PASS_N ?= 9000
$(BUILD)/bench/poll_pass: bench/poll_pass.c mongoose.c mongoose.h
	@mkdir -p $(@D)
	$(CC) $(WARN) -O2 -DNDEBUG -I. bench/poll_pass.c mongoose.c -o $@ $(LIBS)

bench-pass: $(BUILD)/bench/poll_pass
	@for r in 1 2 3; do for i in epoll poll select; do \
	  $(BUILD)/bench/poll_pass $(BENCH_PASS_N) 300 $$i || exit 1; done; done

# Serves web_root/ with the HTTP server example on http://127.0.0.1:8000.
run: examples/http_server/http_server
	examples/http_server/http_server -d web_root -p 127.0.0.1:8000

clean:
	rm -rf $(BUILD) $(EXAMPLES)

# Speed and memory beside nginx and civetweb, and the DNS server beside
# dnsmasq, measured in the same run (not a test: nothing is asserted).
# Installs nginx, civetweb, wrk, strace, dnsperf, dnsmasq and dig when root.
# `BENCH_ONLY=dns make bench`: the DNS row alone (under a minute);
# BENCH_ONLY=http: the HTTP part alone. See bench/README.md.
bench: mongoose.c mongoose.h
	bench/run.sh

# Footprint: -Os .text/.data/.bss of mongoose.c for the default build,
# everything on (with and without TLS glue) and MG_ENABLE_HTTP=0.
size: mongoose.c mongoose.h
	tools/size.sh

# make cross, make test-cross: 32-bit ARM, big-endian MIPS, i386.
include cross.mk
