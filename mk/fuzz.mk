# Fuzzing (issue 8): one libFuzzer target per parser family,
# tests/fuzz/fuzz_<name>.c, with its corpus in tests/fuzz/corpus/<name>/
# and its dictionary tests/fuzz/<name>.dict (json.dict for the JSON ones,
# config.dict for keys).
#
#   make tests         also builds $(O)/tests/fuzz/fuzz_<name>: the target
#                      with tests/fuzz/replay.c's plain main, under $(CC);
#                      make check replays every corpus with them
#                      (tests/cli/fuzz_replay.sh)
#   make fuzz          builds build/fuzz/fuzz_<name> with clang and libFuzzer
#                      (ASan + UBSan) and replays each corpus once
#   make fuzz FUZZ_TIME=600      then fuzzes each target for 600 s, merging
#   make fuzz-run FUZZ_TIME=600  the inputs that add coverage into its corpus
#                      (FUZZ_TARGETS="config shell" picks targets)
#   make fuzz-cmin     minimizes every corpus in place (-merge=1)

FUZZ_NAMES   := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_TARGETS ?= $(FUZZ_NAMES)
FUZZ_TIME    ?=
FUZZ_CORPUS  := tests/fuzz/corpus

# --- replay binaries, any compiler, part of `make tests` ---
FUZZ_REPLAY     := $(patsubst %,$(O)/tests/fuzz/fuzz_%,$(FUZZ_NAMES))
FUZZ_REPLAY_OBJ := $(O)/tests/fuzz/replay.o

$(O)/tests/fuzz/fuzz_%: $(O)/tests/fuzz/fuzz_%.o $(FUZZ_REPLAY_OBJ) $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(FUZZ_REPLAY_OBJ) $(LIB_A) $(DEP_LIBS)

tests: $(FUZZ_REPLAY)

-include $(patsubst %,$(O)/tests/fuzz/fuzz_%.d,$(FUZZ_NAMES)) $(FUZZ_REPLAY_OBJ:.o=.d)

# --- libFuzzer build: clang only, into build/fuzz ---
FUZZ_CC     ?= clang
FUZZ_DIR    := build/fuzz
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -pthread -Ilib $(DEP_CFLAGS) \
               -DTFA_VERSION='"$(VERSION)"' -g -O1 -fno-omit-frame-pointer \
               -fno-sanitize-recover=all
FUZZ_LIB_OBJ := $(patsubst lib/%.c,$(FUZZ_DIR)/lib/%.o,$(LIB_SRC))
FUZZ_LIB_A   := $(FUZZ_DIR)/libtfauth.a
FUZZ_BINS    := $(patsubst %,$(FUZZ_DIR)/fuzz_%,$(FUZZ_NAMES))

# One clear message when clang or its libFuzzer runtime is missing.
$(FUZZ_DIR)/.toolchain:
	@mkdir -p $(@D)
	@command -v $(FUZZ_CC) >/dev/null 2>&1 || { \
	  echo "make fuzz: '$(FUZZ_CC)' not found: install the Debian packages 'clang' and 'libclang-rt-dev' (or 'libclang-rt-NN-dev' for clang-NN)" >&2; exit 1; }
	@printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' | \
	  $(FUZZ_CC) -fsanitize=fuzzer,address,undefined -x c - -o $@.probe >/dev/null 2>&1 || { \
	  rm -f $@.probe; \
	  echo "make fuzz: '$(FUZZ_CC)' cannot link libFuzzer with ASan/UBSan: install the Debian package 'libclang-rt-dev' (or 'libclang-rt-NN-dev' matching 'clang --version')" >&2; exit 1; }
	@rm -f $@.probe
	@touch $@

$(FUZZ_DIR)/lib/%.o: lib/%.c | $(FUZZ_DIR)/.toolchain
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined -MMD -MP -c -o $@ $<

$(FUZZ_LIB_A): $(FUZZ_LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_LIB_A) | $(FUZZ_DIR)/.toolchain
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $< \
	  $(FUZZ_LIB_A) $(DEP_LIBS)

-include $(FUZZ_LIB_OBJ:.o=.d)

# Shell code: the dictionary of target $t in $dict (tests/fuzz/NAME.dict,
# json.dict for the targets that read JSON, config.dict for keys), empty
# when none.
FUZZ_DICT = d=tests/fuzz/$$t.dict; case $$t in process|cache|sso|imds) d=tests/fuzz/json.dict ;; \
	    keys) d=tests/fuzz/config.dict ;; esac; \
	    dict=; [ -f $$d ] && dict=-dict=$$d

# Build, then a smoke run: each target over its corpus once.
fuzz: $(FUZZ_BINS)
	@for t in $(FUZZ_TARGETS); do \
	  $(FUZZ_DICT); \
	  $(FUZZ_DIR)/fuzz_$$t -runs=0 $$dict $(FUZZ_CORPUS)/$$t >$(FUZZ_DIR)/$$t.smoke.log 2>&1 \
	    && echo "fuzz_$$t: corpus replayed ($$(ls $(FUZZ_CORPUS)/$$t | wc -l) inputs)" \
	    || { echo "fuzz_$$t: FAILED, see $(FUZZ_DIR)/$$t.smoke.log" >&2; exit 1; }; \
	done
ifneq ($(FUZZ_TIME),)
	@$(MAKE) --no-print-directory fuzz-run FUZZ_TIME=$(FUZZ_TIME) FUZZ_TARGETS="$(FUZZ_TARGETS)"
endif

# Fuzz each target FUZZ_TIME seconds: new inputs go to a scratch folder,
# then only those that add coverage are merged into the corpus.  Findings
# are written to build/fuzz/artifacts/.  Merging counts coverage edges,
# not hit counts, so that a corpus stays at a few hundred small files.
FUZZ_MERGE := -use_counters=0
fuzz-run: $(FUZZ_BINS)
	@test -n "$(FUZZ_TIME)" || { echo "make fuzz-run: set FUZZ_TIME=SECONDS" >&2; exit 2; }
	@mkdir -p $(FUZZ_DIR)/artifacts
	@for t in $(FUZZ_TARGETS); do \
	  new=$(FUZZ_DIR)/new/$$t; rm -rf $$new; mkdir -p $$new $(FUZZ_CORPUS)/$$t; \
	  $(FUZZ_DICT); \
	  echo "fuzz_$$t: $(FUZZ_TIME) s, log in $(FUZZ_DIR)/$$t.log"; \
	  nice -n 10 $(FUZZ_DIR)/fuzz_$$t -max_total_time=$(FUZZ_TIME) -print_final_stats=1 \
	    -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
	    -artifact_prefix=$(FUZZ_DIR)/artifacts/$$t- $$dict \
	    $$new $(FUZZ_CORPUS)/$$t >$(FUZZ_DIR)/$$t.log 2>&1; rc=$$?; \
	  grep -E '^(stat::number_of_executed_units|#[0-9]+ *DONE)' $(FUZZ_DIR)/$$t.log; \
	  if [ $$rc -ne 0 ]; then echo "fuzz_$$t: a finding, see $(FUZZ_DIR)/$$t.log" >&2; exit 1; fi; \
	  $(FUZZ_DIR)/fuzz_$$t -merge=1 $(FUZZ_MERGE) $(FUZZ_CORPUS)/$$t $$new >$(FUZZ_DIR)/$$t.merge.log 2>&1 || exit 1; \
	  echo "fuzz_$$t: corpus now $$(ls $(FUZZ_CORPUS)/$$t | wc -l) files"; \
	done

# Keep each corpus small: the hand-made seeds (seed-*) and findings
# (finding-*) stay; of the rest, the fewest files that add coverage edges.
fuzz-cmin: $(FUZZ_BINS)
	@for t in $(FUZZ_TARGETS); do \
	  min=$(FUZZ_DIR)/cmin/$$t; rm -rf $$min $$min.rest; mkdir -p $$min $$min.rest; \
	  for f in $(FUZZ_CORPUS)/$$t/*; do \
	    case $${f##*/} in seed-* | finding-*) cp $$f $$min/ ;; *) cp $$f $$min.rest/ ;; esac; \
	  done; \
	  $(FUZZ_DIR)/fuzz_$$t -merge=1 $(FUZZ_MERGE) $$min $$min.rest >$(FUZZ_DIR)/$$t.cmin.log 2>&1 || exit 1; \
	  echo "fuzz_$$t: $$(ls $(FUZZ_CORPUS)/$$t | wc -l) -> $$(ls $$min | wc -l) files"; \
	  rm -rf $(FUZZ_CORPUS)/$$t $$min.rest && mv $$min $(FUZZ_CORPUS)/$$t; \
	done

.PHONY: fuzz fuzz-run fuzz-cmin
