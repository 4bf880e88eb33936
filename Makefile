# tfauth — one GNU Makefile.  `make` builds, `make check` runs every test,
# `make deps` installs the build dependencies (Debian/Ubuntu).
#
#   make DEVELOPER=1                   warnings are errors
#   make check SANITIZE=address,undefined

.DELETE_ON_ERROR:
.SUFFIXES:
.SECONDARY:

VERSION    := 0.1.0
CC         ?= cc
PKG_CONFIG ?= pkg-config
PREFIX     ?= /usr/local
DESTDIR    ?=
BINDIR     ?= $(PREFIX)/bin
CFLAGS     ?= -O2 -g
LDFLAGS    ?=

# Debian package for each pkg-config module we need.
DEP_PKGS := libcurl:libcurl4-openssl-dev openssl:libssl-dev inih:libinih-dev \
            jansson:libjansson-dev expat:libexpat1-dev readline:libreadline-dev
DEB_BUILD_DEPS := build-essential pkg-config $(foreach d,$(DEP_PKGS),$(word 2,$(subst :, ,$(d))))

ifeq ($(filter deps clean help,$(MAKECMDGOALS)),)
  $(foreach d,$(DEP_PKGS),$(if $(shell $(PKG_CONFIG) --exists $(word 1,$(subst :, ,$(d))) && echo y),,\
    $(error missing $(word 1,$(subst :, ,$(d))): install the Debian package '$(word 2,$(subst :, ,$(d)))' (or run 'make deps'))))
  DEP_CFLAGS := $(shell $(PKG_CONFIG) --cflags libcurl openssl inih jansson expat readline)
  DEP_LIBS   := $(shell $(PKG_CONFIG) --libs libcurl openssl inih jansson expat readline)
endif

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wpointer-arith -Wformat=2 -Wno-unused-parameter
ifeq ($(DEVELOPER),1)
  WARN += -Werror
endif

ifneq ($(SANITIZE),)
  O := build/san
  SAN_FLAGS := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
else
  O := build/rel
  SAN_FLAGS :=
endif
# Binaries of the default build go to bin/, the README's path.
ifeq ($(SANITIZE),)
  B := bin
else
  B := $(O)/bin
endif

ALL_CFLAGS  = -std=c11 -D_GNU_SOURCE -pthread -Ilib $(WARN) $(DEP_CFLAGS) \
              -DTFA_VERSION='"$(VERSION)"' $(SAN_FLAGS) $(CFLAGS) -MMD -MP
ALL_LDFLAGS = $(SAN_FLAGS) -pthread -Wl,--as-needed $(LDFLAGS)

LIB_SRC  := $(wildcard lib/*.c)
LIB_OBJ  := $(patsubst %.c,$(O)/%.o,$(LIB_SRC))
LIB_A    := $(O)/libtfauth.a
CLI_OBJ  := $(O)/cmd/cli.o
CMD_SRC  := $(filter-out cmd/cli.c,$(wildcard cmd/*.c))
BINS     := $(patsubst cmd/%.c,$(B)/%,$(CMD_SRC))
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(O)/tests/%,$(UNIT_SRC))
TOOL_SRC := $(wildcard tests/tools/*.c)
TOOL_BIN := $(patsubst tests/tools/%.c,$(O)/tests/tools/%,$(TOOL_SRC))

all: $(BINS)

$(O)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIB_A): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/%: $(O)/cmd/%.o $(CLI_OBJ) $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(CLI_OBJ) $(LIB_A) $(DEP_LIBS)

$(O)/tests/%: $(O)/tests/unit/%.o $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIB_A) $(DEP_LIBS)

$(O)/tests/tools/%: $(O)/tests/tools/%.o $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIB_A) $(DEP_LIBS)

tests: $(UNIT_BIN) $(TOOL_BIN)

# Installs what the tests need and is missing, then runs every test.
check: all tests
	@sh tests/deps.sh
	@TFAUTH_BIN=$(abspath $(B)) TFAUTH_TESTBIN=$(abspath $(O)/tests) \
	  TFAUTH_SANITIZE='$(SANITIZE)' sh tests/run.sh $(TESTS)

bench: all tests
	@sh tests/bench/run.sh
	@TFAUTH_BIN=$(abspath $(B)) python3 tests/bench/doctor.py
	@TFAUTH_BIN=$(abspath $(B)) TFAUTH_TESTBIN=$(abspath $(O)/tests) sh tests/bench/credentials.sh

deps:
	@if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	$$SUDO apt-get update && $$SUDO env DEBIAN_FRONTEND=noninteractive \
	  apt-get install -y --no-install-recommends $(DEB_BUILD_DEPS)

install: all
	install -d $(DESTDIR)$(BINDIR)
	install -m 755 $(BINS) $(DESTDIR)$(BINDIR)

clean:
	rm -rf build bin

help:
	@echo 'targets: all check bench deps install clean'

.PHONY: all tests check bench deps install clean help

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(patsubst %.c,$(O)/%.d,$(CMD_SRC) $(UNIT_SRC) $(TOOL_SRC))
