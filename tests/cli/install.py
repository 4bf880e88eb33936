#!/usr/bin/env python3
"""install — `make install` / `make uninstall` into a DESTDIR, and the
packaging files kept in step with that layout.

  - make install DESTDIR=D PREFIX=/usr: the files are those `make
    install-list` names; the tools run from there; the hidden helper is in
    libexec/tfauth/ and the tools find it (tfauth keycheck --help);
    libtfauth.so.VERSION has the soname libtfauth.so.MAJOR and exports
    tfa_* only; tfauth.pc says the prefix and version; make uninstall
    leaves no file behind.
  - packaging/rpm/tfauth.spec: make install with the variables of its
    %make_install line puts exactly the files its %files lists name.
  - packaging/homebrew/tfauth.rb: make install with its install step's
    arguments puts exactly the files its INSTALLED list names.
  - packaging/deb/debian: make install with rules' MAKE_VARS puts exactly
    the files the *.install files name, each in one package; the
    changelog's version is the Makefile's.
  - the tools of bin/ link libtfauth statically: bin/tfauth-env needs
    libinih, libjansson and libc only.

Every install goes to a temporary folder; nothing is written elsewhere.
"""
import fnmatch
import os
import re
import shutil
import subprocess
import sys
import tempfile

TOP = os.environ.get("TFAUTH_TOP") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
SANITIZE = os.environ.get("TFAUTH_SANITIZE", "")
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
        for line in str(diag).splitlines()[:30]:
            print("#   " + line)
    sys.stdout.flush()
    return bool(cond)


def make(*args):
    """make -s -C TOP ARGS (no parent make's jobserver): (rc, out, err)."""
    env = dict(os.environ)
    for k in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "DESTDIR", "PREFIX"):
        env.pop(k, None)
    argv = ["make", "-s", "--no-print-directory", "-C", TOP] + list(args)
    if SANITIZE:
        argv.append("SANITIZE=" + SANITIZE)
    p = subprocess.run(argv, env=env, capture_output=True, text=True,
                       timeout=600)
    return p.returncode, p.stdout, p.stderr


def files_under(root):
    """Every file and symlink under root, as /paths relative to root."""
    out = set()
    for d, dirs, names in os.walk(root):
        for x in names + [y for y in dirs if os.path.islink(os.path.join(d, y))]:
            out.add("/" + os.path.relpath(os.path.join(d, x), root))
    return out


def makefile_version():
    with open(os.path.join(TOP, "Makefile")) as f:
        return re.search(r"^VERSION\s*:?=\s*(\S+)", f.read(), re.M).group(1)


def match_entries(entries, files):
    """entries: patterns (globs; a trailing / is a whole tree).  Returns
    (files no entry matches, entries that match nothing, files matched
    by more than one entry)."""
    hits = {e: set() for e in entries}
    for f in files:
        for e in entries:
            if e.endswith("/"):
                if f.startswith(e):
                    hits[e].add(f)
            elif fnmatch.fnmatchcase(f, e):
                hits[e].add(f)
    covered = {}
    for e, fs in hits.items():
        for f in fs:
            covered.setdefault(f, []).append(e)
    unmatched = sorted(files - set(covered))
    empty = sorted(e for e, fs in hits.items() if not fs)
    twice = sorted(f for f, es in covered.items() if len(es) > 1)
    return unmatched, empty, twice


def install_into(tmp, name, variables):
    root = os.path.join(tmp, name)
    os.makedirs(root)
    rc, out, err = make("install", "DESTDIR=" + root, *variables)
    return root, rc, "%s\n%s" % (out[-800:], err[-1500:])


def layout_check(what, root, entries, rc, log):
    if not check("%s: make install with its variables succeeds" % what, rc == 0, log):
        return
    files = files_under(root)
    unmatched, empty, twice = match_entries(entries, files)
    check("%s: every installed file is listed (%d files)" % (what, len(files)),
          not unmatched, "not listed:\n" + "\n".join(unmatched))
    check("%s: every listed entry names installed files (%d entries)" % (
        what, len(entries)), not empty, "nothing installed for:\n" + "\n".join(empty))
    return files, twice


# ------------------------------------------------------------ make install

def plain_install(tmp):
    version = makefile_version()
    major = version.split(".")[0]
    root, rc, log = install_into(tmp, "usr", ["PREFIX=/usr"])
    if not check("make install DESTDIR=... PREFIX=/usr succeeds", rc == 0, log):
        return
    files = files_under(root)
    rc2, listed, err = make("install-list", "PREFIX=/usr")
    listed = set(listed.split())
    check("the files installed are those 'make install-list' names (%d)" % len(files),
          rc2 == 0 and files == listed,
          "installed, not listed: %s\nlisted, not installed: %s" % (
              sorted(files - listed), sorted(listed - files)))
    tools = ["tfauth", "tfauth-env", "tfauth-profile", "tfauth-refresh",
             "tfauth-run", "tfauth-doctor"]
    check("the six tools are in /usr/bin, and only they",
          sorted(f for f in files if f.startswith("/usr/bin/")) ==
          sorted("/usr/bin/" + t for t in tools), sorted(files))
    check("tfauth-keycheck is in /usr/libexec/tfauth/, not on PATH",
          "/usr/libexec/tfauth/tfauth-keycheck" in files and
          "/usr/bin/tfauth-keycheck" not in files)
    env = {"PATH": "/usr/bin:/bin", "HOME": tmp}
    p = subprocess.run([root + "/usr/bin/tfauth", "--version"], env=env,
                       capture_output=True, text=True, timeout=30)
    check("installed tfauth --version says %s" % version,
          p.returncode == 0 and p.stdout.strip() == "tfauth " + version, p)
    # The dispatcher finds tfauth-NAME beside itself, then in
    # ../libexec/tfauth/ (as tfauth-profile set-keys finds the helper).
    p = subprocess.run([root + "/usr/bin/tfauth", "keycheck", "--help"], env=env,
                       capture_output=True, text=True, timeout=30)
    check("the installed tools find their helper in ../libexec/tfauth/",
          "tfauth-keycheck" in p.stdout + p.stderr and "usage" in p.stdout + p.stderr, p)
    for sh in ("bash", "zsh", "fish"):
        with open(os.path.join(TOP, "shell", "tfauth." + sh), "rb") as a, \
                open(root + "/usr/share/tfauth/tfauth." + sh, "rb") as b:
            same = a.read() == b.read()
        check("shell integration: /usr/share/tfauth/tfauth.%s" % sh, same)
    lib = root + "/usr/lib/"
    check("libtfauth.so -> libtfauth.so.%s -> libtfauth.so.%s" % (major, version),
          os.readlink(lib + "libtfauth.so") == "libtfauth.so." + major and
          os.readlink(lib + "libtfauth.so." + major) == "libtfauth.so." + version)
    if shutil.which("readelf"):
        p = subprocess.run(["readelf", "-d", lib + "libtfauth.so." + version],
                           capture_output=True, text=True)
        check("its soname is libtfauth.so.%s" % major,
              "Library soname: [libtfauth.so.%s]" % major in p.stdout, p.stdout)
    if shutil.which("nm"):
        p = subprocess.run(["nm", "-D", "--defined-only", lib + "libtfauth.so." + version],
                           capture_output=True, text=True)
        syms = [l.split()[-1] for l in p.stdout.splitlines() if l.strip()]
        other = [s for s in syms if not s.startswith("tfa_") or
                 (s.startswith("tfa__") and s != "tfa__buf_empty")]
        check("it exports the tfa_* API only (%d symbols)" % len(syms),
              syms and not other, "others: %s" % other[:20])
    with open(lib + "pkgconfig/tfauth.pc") as f:
        pc = f.read()
    check("tfauth.pc: prefix=/usr, Version %s, -ltfauth, Requires.private" % version,
          "prefix=/usr\n" in pc and "Version: %s\n" % version in pc and
          "-ltfauth" in pc and re.search(r"^Requires.private:.*jansson", pc, re.M), pc)
    check("headers in /usr/include/tfauth/, no *_priv.h",
          "/usr/include/tfauth/ctx.h" in files and
          not any(f.endswith("_priv.h") for f in files))
    check("completions: bash (one name per command), zsh, fish",
          all("/usr/share/bash-completion/completions/" + t in files for t in tools) and
          any(f.endswith("/_tfauth") and "/zsh/" in f for f in files) and
          "/usr/share/fish/vendor_completions.d/tfauth.fish" in files)
    check("man pages: six in man1, tfauth.7",
          len([f for f in files if f.startswith("/usr/share/man/man1/")]) == 6 and
          "/usr/share/man/man7/tfauth.7" in files)
    rc, out, err = make("uninstall", "DESTDIR=" + root, "PREFIX=/usr")
    left = files_under(root)
    check("make uninstall removes every file install put", rc == 0 and not left,
          "%s\n%s\nleft: %s" % (out, err, sorted(left)[:20]))
    tfa_dirs = [d for d in ("/usr/libexec/tfauth", "/usr/include/tfauth",
                            "/usr/share/tfauth") if os.path.isdir(root + d)]
    check("... and tfauth's own folders", not tfa_dirs, tfa_dirs)

    # BINDIR and friends are honoured one by one.
    root2, rc, log = install_into(tmp, "dirs", [
        "PREFIX=/opt/t", "BINDIR=/opt/t/b", "LIBDIR=/opt/t/l", "INCLUDEDIR=/opt/t/i",
        "DATADIR=/opt/t/d", "MANDIR=/opt/t/m", "ZSHCOMPDIR=/opt/t/z"])
    files = files_under(root2)
    check("BINDIR, LIBDIR, INCLUDEDIR, DATADIR, MANDIR, ZSHCOMPDIR are honoured",
          rc == 0 and "/opt/t/b/tfauth" in files and "/opt/t/l/libtfauth.a" in files and
          "/opt/t/l/pkgconfig/tfauth.pc" in files and "/opt/t/i/tfauth/ctx.h" in files and
          "/opt/t/d/tfauth/tfauth.zsh" in files and "/opt/t/m/man7/tfauth.7" in files and
          "/opt/t/z/_tfauth" in files and
          "/opt/t/d/bash-completion/completions/tfauth" in files,
          "%s\n%s" % (log, sorted(files)))
    with open(root2 + "/opt/t/l/pkgconfig/tfauth.pc") as f:
        pc = f.read()
    check("tfauth.pc follows LIBDIR and INCLUDEDIR",
          "libdir=${exec_prefix}/l\n" in pc and "includedir=${prefix}/i\n" in pc, pc)


# ------------------------------------------------------------------- RPM

RPM_MACROS = {
    "_prefix": "/usr", "_exec_prefix": "/usr", "_bindir": "/usr/bin",
    "_libdir": "/usr/lib64", "_libexecdir": "/usr/libexec",
    "_includedir": "/usr/include", "_datadir": "/usr/share",
    "_mandir": "/usr/share/man", "_sysconfdir": "/etc", "name": "tfauth",
}


def rpm_expand(s, macros):
    def sub(m):
        k = m.group(1) or m.group(2)
        return macros.get(k, m.group(0))
    for _ in range(5):
        s = re.sub(r"%\{([A-Za-z_][A-Za-z0-9_]*)\}|%([A-Za-z_][A-Za-z0-9_]*)", sub, s)
    return s


def rpm(tmp):
    path = os.path.join(TOP, "packaging", "rpm", "tfauth.spec")
    with open(path) as f:
        spec = f.read()
    m = re.search(r"^Version:\s*(\S+)", spec, re.M)
    version = makefile_version()
    check("tfauth.spec: Version is the Makefile's (%s)" % version,
          m and m.group(1) == version, m and m.group(1))
    macros = dict(RPM_MACROS, version=version)
    inst = re.search(r"^%make_install\s+(.*)$", spec, re.M)
    if not check("tfauth.spec: %install runs %make_install with the directories",
                 inst, spec[:500]):
        return
    variables = [rpm_expand(a, macros) for a in inst.group(1).split()]
    entries, section = [], None
    for line in spec.splitlines():
        if re.match(r"%[a-z]+(\s|$)", line):
            section = line.split()[0]
            if section == "%files":
                continue
        if section == "%files" and line.strip() and not line.startswith("#"):
            if line.startswith("%doc") or line.startswith("%license"):
                continue
            e = rpm_expand(line.split()[-1], macros)
            entries.append(e)
    root, rc, log = install_into(tmp, "rpm", variables)
    r = layout_check("tfauth.spec", root, entries, rc, log)
    if r:
        check("tfauth.spec: no file is in two packages", not r[1], r[1])


# -------------------------------------------------------------- Homebrew

def homebrew(tmp):
    path = os.path.join(TOP, "packaging", "homebrew", "tfauth.rb")
    with open(path) as f:
        rb = f.read()
    version = makefile_version()
    m = re.search(r'^\s*url\s+"[^"]*tfauth-([0-9][^"/]*)\.tar\.gz"', rb, re.M)
    check("tfauth.rb: its url is the tarball of version %s" % version,
          m and m.group(1) == version, m and m.group(0))
    prefix = "/home/linuxbrew/.linuxbrew/Cellar/tfauth/" + version
    paths = {
        "prefix": prefix, "bin": prefix + "/bin", "lib": prefix + "/lib",
        "libexec": prefix + "/libexec", "include": prefix + "/include",
        "share": prefix + "/share", "man": prefix + "/share/man",
        "zsh_completion": prefix + "/share/zsh/site-functions",
        "fish_completion": prefix + "/share/fish/vendor_completions.d",
        "bash_completion": prefix + "/etc/bash_completion.d",
    }
    m = re.search(r'system\s+"make",\s*"install",((?:\s*"[^"]*",?)*)', rb)
    if not check('tfauth.rb: install runs system "make", "install", ...', m, rb[:600]):
        return
    variables = []
    for a in re.findall(r'"([^"]*)"', m.group(1)):
        variables.append(re.sub(r"#\{(\w+)\}", lambda x: paths[x.group(1)], a))
    lst = re.search(r"INSTALLED\s*=\s*%w\[(.*?)\]", rb, re.S)
    if not check("tfauth.rb: lists what it installs (INSTALLED)", lst):
        return
    entries = [prefix + "/" + e for e in lst.group(1).split()]
    root, rc, log = install_into(tmp, "brew", variables)
    layout_check("tfauth.rb", root, entries, rc, log)


# ---------------------------------------------------------------- Debian

def debian(tmp):
    d = os.path.join(TOP, "packaging", "deb", "debian")
    version = makefile_version()
    with open(os.path.join(d, "changelog")) as f:
        first = f.readline()
    m = re.match(r"tfauth \(([^)]+)\)", first)
    check("debian/changelog: the version is the Makefile's (%s)" % version,
          m and m.group(1).split("-")[0] == version, first)
    with open(os.path.join(d, "rules")) as f:
        rules = f.read()
    m = re.search(r"^MAKE_VARS\s*=\s*((?:.*\\\n)*.*)$", rules, re.M)
    if not check("debian/rules: MAKE_VARS names the directories", m):
        return
    multiarch = "x86_64-linux-gnu"
    variables = []
    for a in m.group(1).replace("\\\n", " ").split():
        if "=" in a and not a.startswith(("CFLAGS", "LDFLAGS", '"', "SANITIZE=",
                                           "DEVELOPER=")) and \
                not a.endswith('"'):
            variables.append(a.replace("$(DEB_HOST_MULTIARCH)", multiarch))
    entries, owner = [], {}
    for name in sorted(os.listdir(d)):
        if not name.endswith(".install"):
            continue
        with open(os.path.join(d, name)) as f:
            for line in f:
                line = line.split("#")[0].strip()
                if not line:
                    continue
                e = "/" + line.split()[0].replace("${DEB_HOST_MULTIARCH}", multiarch)
                entries.append(e)
                owner[e] = name
    root, rc, log = install_into(tmp, "deb", variables)
    r = layout_check("debian/*.install", root, entries, rc, log)
    if r:
        check("debian: no file is in two packages", not r[1], r[1])
        files = r[0]
        dev = [f for f in files if f.endswith((".h", ".a", ".pc", "/libtfauth.so"))]
        lib0 = [f for f in files if re.search(r"/libtfauth\.so\.", f)]
        unmatched, _, _ = match_entries(
            [e for e in entries if owner[e] == "libtfauth-dev.install"], set(dev))
        unmatched0, _, _ = match_entries(
            [e for e in entries if owner[e] == "libtfauth0.install"], set(lib0))
        check("debian: headers, .a, .so and .pc in libtfauth-dev; the shared "
              "library in libtfauth0", not unmatched and not unmatched0,
              unmatched + unmatched0)


def static_tools():
    global n
    if SANITIZE or not shutil.which("readelf"):
        n += 1
        print("ok %d - bin/tfauth-env links libtfauth statically # SKIP %s" % (
            n, "sanitizer build" if SANITIZE else "no readelf"))
        return
    b = os.environ.get("TFAUTH_BIN") or os.path.join(TOP, "bin")
    p = subprocess.run(["readelf", "-d", os.path.join(b, "tfauth-env")],
                       capture_output=True, text=True)
    needed = sorted(re.findall(r"\(NEEDED\).*\[(.*)\]", p.stdout))
    check("bin/tfauth-env needs libinih, libjansson and libc only (not "
          "libtfauth.so, not libcurl)", needed and all(
              re.match(r"lib(inih|jansson|c)\.so", x) for x in needed), needed)


def main():
    tmp = tempfile.mkdtemp(prefix="tfauth-install.")
    try:
        plain_install(tmp)
        rpm(tmp)
        homebrew(tmp)
        debian(tmp)
        static_tools()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("1..%d" % n)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
