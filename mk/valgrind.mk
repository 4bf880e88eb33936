# make check-valgrind — the unit tests, and the CLI, shell and main
# integration suites with every tfauth binary, under valgrind memcheck
# (tests/valgrind/wrap.sh: wrappers in $(O)/valgrind/bin, given to the
# suites as TFAUTH_BIN; siblings run under valgrind too).  tests/run.sh ends with one more result: every
# valgrind log is free of errors and of definitely lost blocks.
#
#   make check-valgrind                     unit, cli, shell, integration
#   make check-valgrind VALGRIND_TESTS=cli  only some suites (run.sh words)
VALGRIND       ?= valgrind
# The integration suites whose tools' paths matter most (STS, IAM, SSO,
# caches, set-keys); not run.py: valgrind runs posix_spawn's vfork child
# as a fork, so tfauth-run cannot see a failed exec there.  Not
# install.py: it checks the binaries themselves (ldd), not their runs.
VALGRIND_TESTS ?= test_ cli/ shell/ integration/hygiene integration/chain \
                  integration/sso.py integration/moto_sts integration/doctor.py \
                  integration/set_keys integration/cache_interop -cli/install.py
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
