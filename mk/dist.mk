# make dist: tfauth-$(VERSION).tar.gz (in DISTDIR, default .), the
# committed tree (git archive HEAD) under a top folder tfauth-$(VERSION)/,
# from which `make` and `make check` work.  Uncommitted changes are not in
# it (make dist says so).  Modes are 0644/0755 (git's default tar.umask
# 0002 would make them group-writable, which the credentials fixtures of
# the tests must not be).  make deb: the Debian packages, into build/deb
# (packaging/deb/build.sh).
DISTDIR   ?= .
DIST_NAME := tfauth-$(VERSION)
DIST_TAR  := $(DISTDIR)/$(DIST_NAME).tar.gz

dist:
	@git rev-parse --verify -q HEAD >/dev/null || \
	  { echo 'make dist: needs a git checkout (it packs what git has committed)' >&2; exit 1; }
	@git diff --quiet HEAD -- || \
	  echo 'make dist: note: uncommitted changes are not in the tarball' >&2
	git -c tar.umask=0022 archive --format=tar --prefix=$(DIST_NAME)/ HEAD | gzip -n9 >$(DIST_TAR).tmp
	@mv $(DIST_TAR).tmp $(DIST_TAR)
	@echo "$(DIST_TAR)"

deb:
	sh packaging/deb/build.sh $(abspath build/deb)

.PHONY: dist deb
