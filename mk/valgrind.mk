# make check-valgrind — the unit tests, and the CLI and shell test suites
# with every tfauth binary, under valgrind memcheck (tests/valgrind/wrap.sh: wrappers in
# $(O)/valgrind/bin, given to the suites as TFAUTH_BIN; siblings run under
# valgrind too).  tests/run.sh ends with one more result: every
# valgrind log is free of errors and of definitely lost blocks.
#
#   make check-valgrind                     unit, tests/cli, tests/shell
#   make check-valgrind VALGRIND_TESTS=cli  only some suites (run.sh words)
VALGRIND       ?= valgrind
VALGRIND_TESTS ?= test_ cli/ shell/
VALGRIND_DIR   := $(O)/valgrind

check-valgrind: all tests
	@if [ -n '$(SANITIZE)' ]; then \
	  echo 'check-valgrind: not with SANITIZE= (valgrind cannot run sanitized binaries)' >&2; \
	  exit 2; fi
	@sh tests/deps.sh
	@VALGRIND='$(VALGRIND)' sh tests/valgrind/wrap.sh $(abspath $(B)) $(abspath $(VALGRIND_DIR)) \
	  $(abspath $(O)/tests)
	@TFAUTH_BIN=$(abspath $(VALGRIND_DIR))/bin TFAUTH_TESTBIN=$(abspath $(VALGRIND_DIR))/tests \
	  TFAUTH_VALGRIND_LOGS=$(abspath $(VALGRIND_DIR))/logs \
	  TFAUTH_TEST_TIMEOUT=$${TFAUTH_TEST_TIMEOUT:-900} \
	  sh tests/run.sh $(VALGRIND_TESTS)

.PHONY: check-valgrind
