#!/usr/bin/env python3
"""packaging_dist — `make dist` makes a tarball that builds and tests.

make dist DISTDIR=TMP writes TMP/tfauth-VERSION.tar.gz: every entry under
tfauth-VERSION/, and every file git has committed (git ls-tree HEAD) in
it, nothing else.  Extracted in a temporary folder, `make -j2 all tests`
builds there, and `make check TESTS=profile` (the profile suites) passes
there (both with CFLAGS=-O0 -g, for time).  No file of the tests is read
from outside the tree (the extracted copy has no ../shared next to it).

Skipped outside a git checkout (make check run from the tarball itself).
"""
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time

TOP = os.environ.get("TFAUTH_TOP") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
n = 0
failed = 0


def check(desc, cond, diag=""):
    global n, failed
    n += 1
    if cond:
        print("ok %d - %s" % (n, desc))
    else:
        failed += 1
        print("not ok %d - %s" % (n, desc))
        for line in str(diag).splitlines()[-40:]:
            print("#   " + line)
    sys.stdout.flush()
    return bool(cond)


def env_for_tree():
    """The environment less everything that would point a nested make or
    tests/run.sh back at this tree (or at a sanitizer build)."""
    return {k: v for k, v in os.environ.items()
            if not k.startswith(("TFAUTH_", "MAKE", "AWS_"))
            and k not in ("MFLAGS", "SANITIZE", "DESTDIR", "CFLAGS", "LDFLAGS")}


def run(argv, cwd, timeout):
    t0 = time.monotonic()
    try:
        p = subprocess.run(argv, cwd=cwd, env=env_for_tree(), capture_output=True,
                           text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        rc, out = p.returncode, p.stdout + p.stderr
    except subprocess.TimeoutExpired as e:
        rc, out = -1, "%s\n(killed: timeout)" % (e.stdout or "")
    return rc, out, time.monotonic() - t0


def main():
    if not os.path.isdir(os.path.join(TOP, ".git")) or not shutil.which("git"):
        print("ok 1 - make dist # SKIP not a git checkout")
        print("1..1")
        return 0
    version = re.search(r"^VERSION\s*:?=\s*(\S+)",
                        open(os.path.join(TOP, "Makefile")).read(), re.M).group(1)
    name = "tfauth-" + version
    tmp = tempfile.mkdtemp(prefix="tfauth-dist.")
    try:
        rc, out, _ = run(["make", "-s", "--no-print-directory", "dist",
                          "DISTDIR=" + tmp], TOP, 120)
        tgz = os.path.join(tmp, name + ".tar.gz")
        if not check("make dist DISTDIR=... writes %s.tar.gz" % name,
                     rc == 0 and os.path.isfile(tgz), out):
            return
        check("... and nothing in the source tree",
              not os.path.exists(os.path.join(TOP, name + ".tar.gz.tmp")))
        with tarfile.open(tgz) as t:
            members = t.getmembers()
        names = [m.name for m in members]
        check("every entry is under %s/" % name,
              all(x == name or x.startswith(name + "/") for x in names),
              [x for x in names if not x.startswith(name)][:10])
        writable = [m.name for m in members if m.mode & 0o022]
        check("no entry is group- or world-writable (0644/0755)", not writable,
              writable[:10])
        files = set(x[len(name) + 1:] for x, m in zip(names, members)
                    if not m.isdir())
        p = subprocess.run(["git", "-C", TOP, "ls-tree", "-r", "--name-only", "HEAD"],
                           capture_output=True, text=True)
        tracked = set(p.stdout.splitlines())
        check("the tarball holds every committed file (%d) and nothing else" % len(tracked),
              files == tracked, "missing: %s\nextra: %s" % (
                  sorted(tracked - files)[:20], sorted(files - tracked)[:20]))
        need = ["Makefile", "tfauth.pc.in", "man/tfauth.7", "packaging/deb/debian/rules",
                "tests/run.sh", "tests/integration/harness.py"]
        check("... among them the Makefile, tfauth.pc.in, the man pages, packaging/, "
              "the test harness and tests/data/sigv4",
              all(x in files for x in need) and
              any(x.startswith("tests/data/sigv4/") for x in files),
              [x for x in need if x not in files])

        # Extracted two levels down, so that no ../shared or ../../shared of
        # this checkout is next to it.
        # World-searchable: some suites run the tools as another user.
        ex = os.path.join(tmp, "x", "y")
        os.makedirs(ex)
        for d in (tmp, os.path.dirname(ex), ex):
            os.chmod(d, 0o755)
        with tarfile.open(tgz) as t:
            t.extractall(ex)
        tree = os.path.join(ex, name)
        # -O0: this checks that the tarball builds, not the optimiser.
        rc, out, secs = run(["make", "-j2", "all", "tests", "CFLAGS=-O0 -g"], tree, 400)
        check("make -j2 all tests builds in the extracted tree (CFLAGS=-O0 -g, %.0fs)" % secs,
              rc == 0 and os.access(os.path.join(tree, "bin", "tfauth"), os.X_OK), out[-3000:])
        if rc == 0:
            rc, out, secs = run(["make", "check", "TESTS=profile", "CFLAGS=-O0 -g"],
                                tree, 300)
            last = out.strip().splitlines()[-1] if out.strip() else ""
            m = re.match(r"(\d+) passed, (\d+) failed", last)
            check("make check TESTS=profile passes there (%s, %.0fs)" % (last, secs),
                  rc == 0 and m and int(m.group(1)) > 0 and m.group(2) == "0", out[-3000:])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("1..%d" % n)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main() or (1 if failed else 0))
