#!/bin/sh
# Installs the test-only packages that are missing (Debian/Ubuntu), so that
# `make check` on a fresh machine needs nothing done by hand.
set -u
missing=""
for p in zsh:zsh fish:fish bats:bats tmux:tmux curl:curl strace:strace openssl:openssl setpriv:util-linux \
	valgrind:valgrind dpkg-buildpackage:dpkg-dev dh:debhelper fakeroot:fakeroot man:man-db \
	groff:groff-base mandoc:mandoc lintian:lintian; do
	cmd=${p%%:*} pkg=${p#*:}
	command -v "$cmd" >/dev/null 2>&1 || missing="$missing $pkg"
done
[ -x /usr/bin/aws ] || missing="$missing awscli"
[ -f /usr/share/bash-completion/bash_completion ] || missing="$missing bash-completion"
if [ -n "$missing" ]; then
	echo "tests/deps.sh: installing test packages:$missing" >&2
	if [ "$(id -u)" = 0 ]; then sudo=; else sudo=sudo; fi
	$sudo apt-get update -qq >/dev/null &&
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends $missing >/dev/null ||
	{ echo "tests/deps.sh: could not install:$missing" >&2; exit 1; }
fi
if ! python3 -c 'import botocore, moto' 2>/dev/null; then
	echo "tests/deps.sh: python3 needs botocore and moto[server] (pip install 'moto[server]' boto3)" >&2
	exit 1
fi
exit 0
