# Cross builds and tests (included by the Makefile).
#
# make cross       the amalgamation and every example for 32-bit ARM (hard
#                  float), 32-bit big-endian MIPS and i386, -Werror: the
#                  default switches, everything on, and large files
#                  (-D_FILE_OFFSET_BITS=64 -D_TIME_BITS=64). The examples
#                  that need a library Debian has for the host only
#                  (api_server: sqlite3) are left out; the TLS examples
#                  build without TLS (no cross OpenSSL) and say so when run.
# make test-cross  the unit tests, the fuzz-corpus replays and the net tests
#                  (select iface, loopback only) built for each target and
#                  run under qemu-arm and qemu-mips (Debian's qemu-user, the
#                  cross toolchains' libraries as sysroot) and natively for
#                  i386 (also as i386t32: 64-bit file offsets and time_t).
#                  The interop tests are not run there (their peers are x86
#                  programs). cmocka comes from test/cmocka_lite/cmocka.h:
#                  Debian has no libcmocka for these targets on amd64.
#
# Left out, with the reason (CMOCKA_LITE_EXCLUDE):
#   mips: test_connect_refused_reports_error: qemu-mips hands the guest
#         the host's ECONNREFUSED (111) from getsockopt(SO_ERROR) without
#         translating it to MIPS's 146, so the refusal reads as another
#         error; a qemu limit, not ours (the same test passes on arm, i386).
#
# Packages: gcc-arm-linux-gnueabihf gcc-mips-linux-gnu qemu-user
# libc6-dev-i386 lib32gcc-12-dev (not gcc-multilib: it conflicts with the
# cross compilers; -idirafter gives gcc -m32 the asm/ headers it would
# have linked).

CROSS_TARGETS = arm mips i386 i386t32
XCC_arm = arm-linux-gnueabihf-gcc
XCC_mips = mips-linux-gnu-gcc
XCC_i386 = gcc -m32 -idirafter /usr/include/x86_64-linux-gnu
XCC_i386t32 = $(XCC_i386) -D_FILE_OFFSET_BITS=64 -D_TIME_BITS=64
XRUN_arm = qemu-arm -L /usr/arm-linux-gnueabihf
XRUN_mips = qemu-mips -L /usr/mips-linux-gnu
XRUN_i386 =
XRUN_i386t32 =
XEXCLUDE_mips = test_connect_refused_reports_error
XBUILD = build/cross
# Everything on: the switches that are off by default and build here.
XON = -DMG_ENABLE_CALLBACK_USERDATA=1 -DMG_ENABLE_HTTP_SSI_EXEC=1 \
  -DMG_ENABLE_LINES=1 -DMG_ENABLE_HTTP_NO_HOST=1 -DMG_ENABLE_HTTP_CGI=1 \
  -DMG_ENABLE_HTTP_WEBDAV=1
XLFS = -D_FILE_OFFSET_BITS=64 -D_TIME_BITS=64
XEXAMPLES = $(filter-out api_server,$(notdir $(EXAMPLE_DIRS)))
XTEST_CFLAGS = $(WARN) -g -O1 -I. -Itest/cmocka_lite
# Under qemu-user a 32-bit guest's readdir() fails with EOVERFLOW on this
# file system unless off_t is 64-bit (the host kernel hands qemu 64-bit
# directory cookies; a real 32-bit kernel, or i386 on a 64-bit one, gives
# 32-bit ones): the emulated tests use 64-bit off_t and time_t. i386 runs
# both ways (i386, i386t32); make cross compiles all three ways.
XTEST_arm = $(XLFS)
XTEST_mips = $(XLFS)
XUNIT = $(patsubst test/unit/%.c,%,$(wildcard test/unit/test_*.c))
XNET = $(patsubst test/net/%.c,%,$(wildcard test/net/test_*.c))

.PHONY: cross test-cross $(addprefix cross-,$(CROSS_TARGETS)) \
  $(addprefix test-cross-,$(CROSS_TARGETS))

cross: $(addprefix cross-,arm mips i386)
	@echo "cross: arm, mips and i386 builds compile (default, all on, large files; $(words $(XEXAMPLES)) examples each)"

define CROSS_RULES
cross-$(1): mongoose.c mongoose.h
	@mkdir -p $(XBUILD)/$(1)/ex
	$(XCC_$(1)) $(WARN) -O2 -c mongoose.c -o $(XBUILD)/$(1)/mongoose.o
	$(XCC_$(1)) $(WARN) -O2 $(XON) -c mongoose.c -o $(XBUILD)/$(1)/mongoose-on.o
	$(XCC_$(1)) $(WARN) -O2 $(XLFS) -c mongoose.c -o $(XBUILD)/$(1)/mongoose-lfs.o
	@set -e; for e in $(XEXAMPLES); do \
	  echo "$(XCC_$(1)) examples/$$$$e"; \
	  $(XCC_$(1)) $(WARN) -O2 -I. examples/$$$$e/main.c $(XBUILD)/$(1)/mongoose.o \
	    -o $(XBUILD)/$(1)/ex/$$$$e -lpthread; \
	done

test-cross-$(1): mongoose.c mongoose.h
	@mkdir -p $(XBUILD)/$(1)/t
	$(XCC_$(1)) $(XTEST_CFLAGS) $(XTEST_$(1)) -c mongoose.c -o $(XBUILD)/$(1)/t/mongoose.o
	@set -e; for f in $(addprefix test/unit/,$(addsuffix .c,$(XUNIT))) \
	    $(addprefix test/net/,$(addsuffix .c,$(XNET))) \
	    $(addprefix test/fuzz/fuzz_,$(addsuffix .c,$(FUZZ_NAMES))); do \
	  b=$$$$(basename $$$$f .c); extra=; \
	  case $$$$f in test/fuzz/*) b=replay_$$$${b#fuzz_}; extra=test/fuzz/replay.c ;; esac; \
	  lib=$(XBUILD)/$(1)/t/mongoose.o; \
	  if grep -q '"../../mongoose.c"' $$$$f; then lib=; fi; \
	  echo "$(XCC_$(1)) $$$$f"; \
	  $(XCC_$(1)) $(XTEST_CFLAGS) $(XTEST_$(1)) -Itest/net $$$$f $$$$extra $$$$lib \
	    -o $(XBUILD)/$(1)/t/$$$$b -lpthread; \
	done
	@echo "=== test-cross $(1)"
	TEST_RUNNER="$(XRUN_$(1))" CMOCKA_LITE_EXCLUDE="$(XEXCLUDE_$(1))" \
	  tools/run_tests.sh $(addprefix $(XBUILD)/$(1)/t/,$(XUNIT) $(XNET)) \
	  -- $(foreach n,$(FUZZ_NAMES),$(XBUILD)/$(1)/t/replay_$(n):test/fuzz/corpus/$(n))
endef
$(foreach t,$(CROSS_TARGETS),$(eval $(call CROSS_RULES,$(t))))

test-cross: $(addprefix test-cross-,$(CROSS_TARGETS))
