#!/bin/sh
# Builds the Debian packages: tfauth, libtfauth0, libtfauth-dev.
#
#   packaging/deb/build.sh [OUTDIR]          (make deb: OUTDIR build/deb)
#
# debian/ lives in packaging/deb/, so the sources (the files git knows,
# tracked or new, as they are in the working tree; every file when there
# is no git) are copied to a temporary tfauth-VERSION/ with debian/ at its
# top, and `dpkg-buildpackage -us -uc -b` runs there.  The .deb files (and
# the .changes and .buildinfo) land in OUTDIR.  DEB_BUILD_OPTIONS is the
# caller's, plus nocheck (the package build runs no tests) and
# parallel=<cores> unless it says otherwise.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$top/build/deb}
version=$(sed -n 's/^VERSION *:*= *//p' "$top/Makefile")
clversion=$(dpkg-parsechangelog -l "$top/packaging/deb/debian/changelog" -SVersion)
if [ "$version" != "$clversion" ]; then
	echo "build.sh: the Makefile says VERSION $version, debian/changelog $clversion" >&2
	echo "hint: add a changelog entry: dch -c packaging/deb/debian/changelog -v $version" >&2
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tfauth-deb.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
src=$tmp/tfauth-$version
mkdir "$src"
cd "$top"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	# (a tracked file deleted in the working tree is left out)
	git ls-files -z --cached --others --exclude-standard -- . ':!:packaging/deb/debian' |
		xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done; :' sh |
		tar --null -T - -cf - | tar -xf - -C "$src"
else
	find . -path ./build -prune -o -path ./bin -prune -o -path ./.git -prune -o \
		-path ./packaging/deb/debian -prune -o \( -type f -o -type l \) -print0 |
		tar --null -T - -cf - | tar -xf - -C "$src"
fi
cp -R "$top/packaging/deb/debian" "$src/debian"

opts=${DEB_BUILD_OPTIONS:-}
case " $opts " in *" parallel="*) ;; *) opts="$opts parallel=$(nproc 2>/dev/null || echo 1)" ;; esac
case " $opts " in *" nocheck "*) ;; *) opts="$opts nocheck" ;; esac
(cd "$src" && DEB_BUILD_OPTIONS="${opts# }" dpkg-buildpackage -us -uc -b) >"$tmp/build.log" 2>&1 || {
	echo "build.sh: dpkg-buildpackage failed; its log ends:" >&2
	tail -n 40 "$tmp/build.log" >&2
	exit 1
}
mkdir -p "$out"
for f in "$tmp"/*.deb "$tmp"/*.ddeb "$tmp"/*.changes "$tmp"/*.buildinfo; do
	[ -e "$f" ] && cp "$f" "$out/"
done
ls "$out"/*.deb
