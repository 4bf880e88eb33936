#!/usr/bin/env python3
"""packaging — the Debian packages, built and installed into a throwaway
root.

packaging/deb/build.sh builds tfauth, libtfauth0 and libtfauth-dev
(dpkg-buildpackage -us -uc -b, DEB_BUILD_OPTIONS "nocheck noddebs noopt
parallel=2", into a temporary folder); `dpkg --root=ROOT --admindir=...
--force-not-root --force-depends --force-script-chrootless -i` installs
them under ROOT (never into the machine: dpkg-deb -x is the fallback when
dpkg --root fails, and the test says which was used).  Then, from ROOT:
`tfauth --version`; `man -w tfauth-env` with MANPATH; the bash completion
loaded by bash-completion's own loader from ROOT/usr/share (XDG_DATA_DIRS)
and completing `tfauth-env --cre`; `pkg-config --cflags --libs tfauth`
(PKG_CONFIG_PATH, PKG_CONFIG_SYSROOT_DIR) compiling and linking a
three-line program against libtfauth.so, which runs.  lintian, when it is
installed, must report no error (its warnings are shown as notes).

Skipped when dpkg-buildpackage, debhelper or fakeroot is missing.
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

TOP = os.environ.get("TFAUTH_TOP") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD_TIMEOUT = 400
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
        for line in str(diag).splitlines()[:40]:
            print("#   " + line)
    sys.stdout.flush()
    return bool(cond)


def skip(desc, why):
    global n
    n += 1
    print("ok %d - %s # SKIP %s" % (n, desc, why))


def note(text):
    for line in str(text).splitlines():
        print("# " + line)
    sys.stdout.flush()


class R:
    def __init__(self, argv, p=None, err=None):
        self.argv = argv
        self.rc = p.returncode if p else -1
        self.out = p.stdout if p else ""
        self.err = p.stderr if p else str(err)

    def __str__(self):
        return "%s\nrc=%s\nstdout: %s\nstderr: %s" % (
            " ".join(self.argv), self.rc, self.out[-2000:], self.err[-2500:])


def run(argv, env=None, timeout=60, cwd=None):
    try:
        p = subprocess.run(argv, env=env, capture_output=True, text=True,
                           timeout=timeout, cwd=cwd, stdin=subprocess.DEVNULL)
        return R(argv, p)
    except (subprocess.TimeoutExpired, OSError) as e:
        return R(argv, err=e)


def base_env(**extra):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_", "TFAUTH_", "MAKE", "DEB_", "DH_",
                                "PKG_CONFIG", "MANPATH", "LD_"))
           and k not in ("MFLAGS", "DESTDIR", "CFLAGS", "LDFLAGS", "CPPFLAGS",
                         "SANITIZE", "DEVELOPER")}
    env.update(extra)
    return env


def multiarch():
    r = run(["dpkg-architecture", "-qDEB_HOST_MULTIARCH"])
    return r.out.strip() if r.rc == 0 and r.out.strip() else "x86_64-linux-gnu"


def build(tmp):
    out = os.path.join(tmp, "debs")
    # noopt (-O0) keeps the build short: this checks the packaging, not
    # the optimiser.
    env = base_env(DEB_BUILD_OPTIONS="nocheck noddebs noopt parallel=2",
                   TMPDIR=tmp)
    t0 = time.monotonic()
    r = run(["sh", os.path.join(TOP, "packaging", "deb", "build.sh"), out],
            env=env, timeout=BUILD_TIMEOUT)
    debs = sorted(glob.glob(os.path.join(out, "*.deb")))
    names = sorted(re.sub(r"_.*", "", os.path.basename(d)) for d in debs)
    check("dpkg-buildpackage -us -uc -b builds tfauth, libtfauth0, libtfauth-dev "
          "(%.0fs)" % (time.monotonic() - t0),
          r.rc == 0 and names == ["libtfauth-dev", "libtfauth0", "tfauth"], r)
    return debs


def contents(deb):
    r = run(["dpkg-deb", "-c", deb])
    return [l.split()[5].lstrip(".") for l in r.out.splitlines() if len(l.split()) >= 6]


def install(tmp, debs):
    root = os.path.join(tmp, "root")
    admin = os.path.join(root, "var", "lib", "dpkg")
    for d in ("info", "updates", "triggers"):
        os.makedirs(os.path.join(admin, d), exist_ok=True)
    for f in ("status", "available"):
        open(os.path.join(admin, f), "a").close()
    env = base_env(PATH="/usr/sbin:/usr/bin:/sbin:/bin")
    r = run(["dpkg", "--root=" + root, "--admindir=" + admin,
             "--force-not-root", "--force-depends", "--force-script-chrootless",
             "--log=" + os.path.join(tmp, "dpkg.log"), "-i"] + debs, env=env)
    if r.rc == 0:
        st = run(["dpkg-query", "--admindir=" + admin, "-W",
                  "-f=${Package} ${Status}\n"])
        check("dpkg --root=ROOT -i installs the three packages into a throwaway root",
              st.out.count("install ok installed") == 3, "%s\n%s" % (r, st))
        return root
    note("dpkg --root failed; extracting with dpkg-deb -x instead:\n%s" % r)
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    ok = all(run(["dpkg-deb", "-x", d, root]).rc == 0 for d in debs)
    check("dpkg-deb -x unpacks the three packages into a throwaway root", ok)
    return root


def checks(tmp, root, debs):
    ma = multiarch()
    libdir = os.path.join(root, "usr", "lib", ma)
    byname = {re.sub(r"_.*", "", os.path.basename(d)): contents(d) for d in debs}
    t = byname.get("tfauth", [])
    check("tfauth holds the tools, the helper, the shell integration, the "
          "completions and the man pages, and no library",
          "/usr/bin/tfauth-env" in t and "/usr/libexec/tfauth/tfauth-keycheck" in t and
          "/usr/share/tfauth/tfauth.zsh" in t and
          "/usr/share/zsh/vendor-completions/_tfauth" in t and
          "/usr/share/man/man7/tfauth.7.gz" in t and
          not any("libtfauth" in x for x in t), "\n".join(t))
    check("libtfauth0 holds libtfauth.so.0 (multiarch)",
          "/usr/lib/%s/libtfauth.so.0" % ma in byname.get("libtfauth0", []),
          byname.get("libtfauth0"))
    dev = byname.get("libtfauth-dev", [])
    check("libtfauth-dev holds the headers, libtfauth.so, libtfauth.a, tfauth.pc",
          "/usr/include/tfauth/ctx.h" in dev and "/usr/lib/%s/libtfauth.a" % ma in dev and
          "/usr/lib/%s/libtfauth.so" % ma in dev and
          "/usr/lib/%s/pkgconfig/tfauth.pc" % ma in dev, "\n".join(dev))

    env = base_env(PATH=os.path.join(root, "usr", "bin") + ":/usr/bin:/bin",
                   LD_LIBRARY_PATH=libdir, HOME=tmp)
    r = run([os.path.join(root, "usr", "bin", "tfauth"), "--version"], env=env)
    version = open(os.path.join(TOP, "Makefile")).read()
    version = re.search(r"^VERSION\s*:?=\s*(\S+)", version, re.M).group(1)
    check("installed: tfauth --version says tfauth %s" % version,
          r.rc == 0 and r.out.strip() == "tfauth " + version, r)
    r = run([os.path.join(root, "usr", "bin", "tfauth"), "env", "--help"], env=env)
    check("installed: tfauth env --help (the dispatcher finds tfauth-env)",
          r.rc == 0 and "usage: tfauth-env" in r.out, r)

    if shutil.which("man"):
        menv = dict(env, MANPATH=os.path.join(root, "usr", "share", "man"))
        r = run(["man", "-w", "tfauth-env"], env=menv)
        check("man -w tfauth-env finds the installed page",
              r.rc == 0 and r.out.strip().startswith(root) and
              r.out.strip().endswith("man1/tfauth-env.1.gz"), r)
        r = run(["man", "-w", "7", "tfauth"], env=menv)
        check("man -w 7 tfauth finds the configuration page",
              r.rc == 0 and r.out.strip().endswith("man7/tfauth.7.gz"), r)
    else:
        skip("man -w tfauth-env", "man is not installed")

    bc = "/usr/share/bash-completion/bash_completion"
    share = os.path.join(root, "usr", "share")
    if os.path.exists(bc) and shutil.which("bash"):
        # bash-completion's loader, as an interactive shell would use it on
        # the first Tab, with only ROOT/usr/share in XDG_DATA_DIRS.
        script = (". %s\n"
                  "XDG_DATA_DIRS=%s BASH_COMPLETION_USER_DIR=/nonexistent\n"
                  "__load_completion tfauth-env || echo LOAD-FAILED\n"
                  "complete -p tfauth-env\n"
                  "COMP_WORDS=(tfauth-env --cre); COMP_CWORD=1\n"
                  "COMP_LINE='tfauth-env --cre'; COMP_POINT=${#COMP_LINE}\n"
                  "_tfauth_complete tfauth-env --cre tfauth-env\n"
                  "printf 'reply:%%s\\n' \"${COMPREPLY[@]}\"\n") % (bc, share)
        r = run(["bash", "--norc", "--noprofile", "-c", script], env=env)
        check("bash: the completion loads from ROOT/usr/share/bash-completion/"
              "completions/tfauth-env (complete -p tfauth-env)",
              "LOAD-FAILED" not in r.out and
              "complete -F _tfauth_complete tfauth-env" in r.out, r)
        check("... and completes 'tfauth-env --cre' to --credentials",
              "reply:--credentials" in r.out, r)
    else:
        r = run(["bash", "--norc", "-c", ". %s/bash-completion/completions/tfauth-env; "
                 "complete -p tfauth-env" % share], env=env)
        check("bash: sourcing ROOT/.../completions/tfauth-env registers it",
              "_tfauth_complete" in r.out, r)

    pcenv = dict(env, PKG_CONFIG_PATH=os.path.join(libdir, "pkgconfig"),
                 PKG_CONFIG_SYSROOT_DIR=root, PKG_CONFIG_ALLOW_SYSTEM_CFLAGS="1",
                 PKG_CONFIG_ALLOW_SYSTEM_LIBS="1", PKG_CONFIG_LIBDIR="/usr/lib/%s/pkgconfig:"
                 "/usr/lib/pkgconfig:/usr/share/pkgconfig" % ma)
    r = run(["pkg-config", "--cflags", "--libs", "tfauth"], env=pcenv)
    flags = r.out.split()
    check("pkg-config --cflags --libs tfauth (from ROOT)",
          r.rc == 0 and "-ltfauth" in flags and
          "-I%s/usr/include" % root in flags and "-L%s" % libdir in flags, r)
    src = os.path.join(tmp, "t.c")
    with open(src, "w") as f:
        f.write("#include <stdio.h>\n#include <tfauth/ctx.h>\n"
                "int main(void) { static char *env[] = { \"HOME=/h\", 0 }; struct tfa_ctx c;\n"
                "tfa_ctx_init(&c, env); printf(\"config=%s\\n\", c.config_path); "
                "tfa_ctx_dispose(&c); return 0; }\n")
    exe = os.path.join(tmp, "t")
    cc = os.environ.get("CC") or "cc"
    r = run([cc, "-o", exe, src] + flags, env=pcenv)
    check("a three-line program compiles and links against libtfauth with those "
          "flags", r.rc == 0, r)
    r2 = run(["readelf", "-d", exe]) if r.rc == 0 else r
    check("... it needs libtfauth.so.0 (the shared library)",
          "[libtfauth.so.0]" in r2.out, r2)
    r = run([exe], env=env)
    check("... and runs (tfa_ctx_init: config=/h/.aws/config)",
          r.rc == 0 and r.out.strip() == "config=/h/.aws/config", r)


def lintian(debs):
    if not shutil.which("lintian"):
        skip("lintian reports no error", "lintian is not installed")
        return
    r = run(["lintian", "--tag-display-limit", "0"] + debs, timeout=300,
            env=base_env())
    lines = [l for l in r.out.splitlines() if re.match(r"^[EWIXP]: ", l)]
    errors = [l for l in lines if l.startswith("E: ")]
    others = [l for l in lines if not l.startswith("E: ")]
    if others:
        note("lintian (warnings and notes):\n" + "\n".join(others[:30]))
    check("lintian reports no error (%d warnings/notes)" % len(others),
          not errors and r.rc in (0, 1), "\n".join(errors) or r)


def main():
    missing = [c for c in ("dpkg-buildpackage", "dh", "fakeroot", "dpkg-deb")
               if not shutil.which(c)]
    if missing:
        skip("Debian packages", "not installed: " + " ".join(missing))
        print("1..%d" % n)
        return 0
    tmp = tempfile.mkdtemp(prefix="tfauth-pkg.")
    try:
        debs = build(tmp)
        if len(debs) == 3:
            root = install(tmp, debs)
            checks(tmp, root, debs)
            lintian(debs)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("1..%d" % n)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
