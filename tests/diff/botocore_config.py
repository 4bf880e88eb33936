#!/usr/bin/env python3
"""Differential test: the shared config and credentials files as tfauth reads
them, against botocore.

tests/data/config-corpus/NN-name/{config,credentials} holds inputs on which
botocore (the AWS CLI) and aws-sdk-go-v2 (Terraform) agree, so tfauth must
agree with botocore too: the same set of profiles and, for each profile, the
same settings (key -> value, or key -> {sub-key: value} for nested values).
A missing file is a missing file for both.

tests/data/config-corpus-disagree/NN-name/ holds inputs on which botocore and
go-v2 are known to differ; its expect.json says what tfauth must give
("tfauth", or "tfauth_error": a substring of its message), what botocore gives
("botocore", or "botocore_error": the exception class), and what go-v2 gives
("go_v2", read from its source, not run here), so the test documents each
difference and notices when one of them changes.

tfauth's view comes from `tfauth-profile list --json` and
`tfauth-profile show --json -- NAME`, run with a clean environment (no AWS_*
from the machine, HOME a temporary directory).  tfauth masks
aws_access_key_id and the secrets; botocore's values of those keys are masked
the same way (lib/creds.c tfa_mask) before comparing, so no secret is
printed.  botocore runs in a child python3 with the same clean environment.

Environment: TFAUTH_BIN (default TOP/bin), TFAUTH_TOP (default: two levels
up).  Output: TAP, "1..N" last; exit status 1 on any failure.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile

TOP = os.environ.get("TFAUTH_TOP") or os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("TFAUTH_BIN") or os.path.join(TOP, "bin")
PROFILE_BIN = os.path.join(BIN, "tfauth-profile")
AGREE_DIR = os.path.join(TOP, "tests", "data", "config-corpus")
DISAGREE_DIR = os.path.join(TOP, "tests", "data", "config-corpus-disagree")
MIN_AGREE_CASES = 25
TIMEOUT = 30            # seconds, for any one child process
BOTOCORE_TIMEOUT = 120  # the whole botocore batch
MASKED_KEYS = frozenset(("aws_access_key_id", "aws_secret_access_key",
                         "aws_session_token", "aws_security_token"))
MAX_DIFF_LINES = 24


# ---------------------------------------------------------------- helpers

def mask(value):
    """lib/creds.c tfa_mask: at most 16 '*' then the last 4 bytes (fewer for
    a short value: never most of it)."""
    b = value.encode("utf-8")
    n = len(b)
    tail = 4 if n > 4 else n // 2
    stars = min(n - tail, 16)
    return "*" * stars + b[n - tail:].decode("utf-8", "replace")


def shown(key, value):
    return mask(value) if key in MASKED_KEYS else value


def normalize_botocore(profile):
    """botocore's dict for one profile -> {key: str | {sub: str}}, masked."""
    out = {}
    for k, v in profile.items():
        if isinstance(v, dict):
            out[k] = {sk: shown(sk, sv) for sk, sv in v.items()}
        else:
            out[k] = shown(k, v)
    return out


def normalize_expected(profiles):
    return {name: normalize_botocore(p) for name, p in profiles.items()}


def clean_env(home):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home,
           "LC_ALL": "C.UTF-8", "PYTHONUTF8": "1"}
    # botocore may live on a PYTHONPATH rather than in site-packages.
    if os.environ.get("PYTHONPATH"):
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return env


def case_paths(case_dir):
    """Absolute paths of the case's files; a missing one is passed anyway
    (a path that does not exist), so both readers see 'no such file'."""
    return (os.path.join(case_dir, "config"),
            os.path.join(case_dir, "credentials"))


def private_copy(case_dir, into):
    """case_dir copied into the folder into, its files 0600."""
    dst = os.path.join(into, os.path.basename(case_dir))
    shutil.copytree(case_dir, dst)
    for n in os.listdir(dst):
        os.chmod(os.path.join(dst, n), 0o600)
    return dst


def list_cases(d):
    if not os.path.isdir(d):
        return []
    return sorted(os.path.join(d, n) for n in os.listdir(d)
                  if os.path.isdir(os.path.join(d, n)))


def short(s, n=160):
    s = repr(s)
    return s if len(s) <= n else s[:n - 3] + "..."


# ---------------------------------------------------------------- botocore

BOTOCORE_CHILD = r"""
import json, sys
import botocore, botocore.session, botocore.configloader
from botocore.exceptions import ConfigNotFound
out = []
for cfg, cred in json.load(sys.stdin):
    r = {}
    try:
        s = botocore.session.Session()
        s.set_config_variable("config_file", cfg)
        s.set_config_variable("credentials_file", cred)
        fc = s.full_config
        r["profiles"] = fc["profiles"]
        r["available"] = list(s.available_profiles)
        r["sso_sessions"] = fc.get("sso_sessions", {})
        r["services"] = fc.get("services", {})
        try:
            raw = botocore.configloader.raw_config_parse(cred)
        except ConfigNotFound:
            raw = {}
        # Which keys of which profile come from the credentials file.
        r["cred_keys"] = {p: sorted(v) for p, v in raw.items()}
    except Exception as e:
        r["error"] = "%s: %s" % (type(e).__name__, e)
        r["error_class"] = type(e).__name__
    out.append(r)
json.dump({"version": botocore.__version__, "results": out}, sys.stdout)
"""


def botocore_views(pairs, home):
    """botocore's view of each (config, credentials) pair, in one child."""
    p = subprocess.run([sys.executable, "-c", BOTOCORE_CHILD],
                       input=json.dumps(pairs), capture_output=True,
                       text=True, env=clean_env(home), timeout=BOTOCORE_TIMEOUT)
    if p.returncode != 0:
        raise RuntimeError("botocore child failed: " + p.stderr.strip()[-2000:])
    return json.loads(p.stdout)


# ---------------------------------------------------------------- tfauth

class TfauthError(Exception):
    pass


def run_tfauth(args, cfg, cred, home):
    env = clean_env(home)
    env["AWS_CONFIG_FILE"] = cfg
    env["AWS_SHARED_CREDENTIALS_FILE"] = cred
    p = subprocess.run([PROFILE_BIN] + args, capture_output=True,
                       env=env, timeout=TIMEOUT)
    if p.returncode != 0:
        raise TfauthError("tfauth-profile %s: exit %d: %s" % (
            " ".join(args[:1]), p.returncode,
            p.stderr.decode("utf-8", "replace").strip()[:400]))
    try:
        return json.loads(p.stdout.decode("utf-8"))
    except ValueError as e:
        raise TfauthError("tfauth-profile %s: bad JSON: %s" % (args[0], e))


def file_line(path, line, cache):
    if path not in cache:
        try:
            with open(path, "rb") as f:
                cache[path] = f.read().split(b"\n")
        except OSError:
            cache[path] = []
    lines = cache[path]
    if not 1 <= line <= len(lines):
        return None
    return lines[line - 1].decode("utf-8", "replace").strip()


def tfauth_view(cfg, cred, home, problems):
    """{profile: {key: value | {sub: value}}} as tfauth shows it; every
    setting's file:line is checked on the way (problems gets the misses)."""
    names = [row["name"] for row in run_tfauth(["list", "--json"], cfg, cred, home)]
    if names != sorted(names, key=lambda s: s.encode("utf-8")):
        problems.append("list is not sorted by name (byte order)")
    if len(set(names)) != len(names):
        problems.append("list shows a profile twice")
    lines = {}
    view = {}
    for name in names:
        shown_p = run_tfauth(["show", "--json", "--", name], cfg, cred, home)
        if shown_p.get("name") != name:
            problems.append("show %s answered for %s" % (short(name), short(shown_p.get("name"))))
        settings = {}
        for s in shown_p.get("settings", []):
            key = s["key"]
            if key in settings:
                problems.append("%s: key %s shown twice" % (name, key))
            subs = s.get("sub")
            for where in [s] + list((subs or {}).values()):
                text = file_line(where["file"], where["line"], lines)
                if text is None or not text.lower().startswith(where["key"]):
                    problems.append("%s: %s is said to come from %s:%s, which reads %s" % (
                        name, where["key"], where["file"], where["line"], short(text, 60)))
            if subs:
                if s["value"] != "":
                    problems.append("%s: %s has sub-properties and value %s" % (name, key, short(s["value"])))
                settings[key] = {sk: sv["value"] for sk, sv in subs.items()}
            else:
                settings[key] = s["value"]
        view[name] = (settings, shown_p.get("settings", []))
    return view


# ---------------------------------------------------------------- comparing

def dict_diff(want, got, want_name, got_name):
    """Lines describing how two {profile: {key: value}} maps differ."""
    out = []
    for p in sorted(set(want) | set(got)):
        if p not in got:
            out.append("profile %s: only in %s" % (short(p), want_name))
            continue
        if p not in want:
            out.append("profile %s: only in %s" % (short(p), got_name))
            continue
        w, g = want[p], got[p]
        for k in sorted(set(w) | set(g)):
            if w.get(k) != g.get(k):
                out.append("profile %s key %s: %s %s, %s %s" % (
                    short(p, 40), k, want_name, short(w.get(k, "<absent>")),
                    got_name, short(g.get(k, "<absent>"))))
    return out


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def result(self, ok, desc, diag=()):
        self.n += 1
        print("%s %d - %s" % ("ok" if ok else "not ok", self.n, desc))
        if not ok:
            self.failed += 1
            diag = list(diag)
            for line in diag[:MAX_DIFF_LINES]:
                print("#   " + line.replace("\n", "\\n"))
            if len(diag) > MAX_DIFF_LINES:
                print("#   ... %d more" % (len(diag) - MAX_DIFF_LINES))
        sys.stdout.flush()

    def skip(self, desc, why):
        self.n += 1
        print("ok %d - %s # SKIP %s" % (self.n, desc, why))


def check_agree(tap, case_dir, bview, home):
    name = "agree/" + os.path.basename(case_dir)
    cfg, cred = case_paths(case_dir)
    if "error" in bview:
        tap.result(False, name + ": botocore could not read the corpus case "
                   "(not a case they agree on)", [bview["error"]])
        return
    problems = []
    try:
        tview = tfauth_view(cfg, cred, home, problems)
    except (TfauthError, subprocess.TimeoutExpired) as e:
        tap.result(False, name, [str(e)])
        return
    want = {p: normalize_botocore(v) for p, v in bview["profiles"].items()}
    if sorted(bview["available"]) != sorted(want):
        problems.append("botocore available_profiles and full_config disagree")
    got = {p: v[0] for p, v in tview.items()}
    problems += dict_diff(want, got, "botocore", "tfauth")
    # Where each setting came from: the credentials file wins per key.
    cred_keys = bview.get("cred_keys", {})
    for p, (settings, raw) in tview.items():
        for s in raw:
            from_cred = s["key"] in cred_keys.get(p, ())
            expect = cred if from_cred else cfg
            if os.path.abspath(s["file"]) != expect:
                problems.append("profile %s key %s: from %s, expected %s" % (
                    short(p, 40), s["key"], s["file"], expect))
    if not want and not os.path.basename(case_dir).endswith("-no-profiles"):
        problems.append("no profile at all: a corpus case must have some "
                        "(or be named *-no-profiles)")
    nsettings = sum(len(v) for v in got.values())
    tap.result(not problems, "%s: %d profiles, %d settings" % (name, len(got), nsettings),
               problems)


def check_disagree(tap, case_dir, bview, home):
    name = "disagree/" + os.path.basename(case_dir)
    cfg, cred = case_paths(case_dir)
    try:
        with open(os.path.join(case_dir, "expect.json"), encoding="utf-8") as f:
            exp = json.load(f)
    except (OSError, ValueError) as e:
        tap.result(False, name + ": expect.json", [str(e)])
        return
    problems = []
    # botocore, as documented.
    if "botocore_error" in exp:
        if bview.get("error_class") != exp["botocore_error"]:
            problems.append("botocore: expected %s, got %s" % (
                exp["botocore_error"], bview.get("error") or "no error"))
    elif "error" in bview:
        problems.append("botocore: " + bview["error"])
    else:
        problems += dict_diff(normalize_expected(exp["botocore"]),
                              {p: normalize_botocore(v) for p, v in bview["profiles"].items()},
                              "documented-botocore", "botocore")
    # The case must be a real botocore/go-v2 difference.
    if "botocore" in exp and exp["botocore"] == exp.get("go_v2"):
        problems.append("expect.json: botocore and go_v2 are the same; not a disagreement")
    # tfauth, as decided.
    side = "?"
    if "tfauth_error" in exp:
        try:
            tview = tfauth_view(cfg, cred, home, [])
            problems.append("tfauth read the files; expected an error containing %s; got %s" % (
                short(exp["tfauth_error"]), short({p: v[0] for p, v in tview.items()})))
        except TfauthError as e:
            if exp["tfauth_error"] not in str(e):
                problems.append("tfauth: expected an error containing %s, got %s" % (
                    short(exp["tfauth_error"]), e))
        except subprocess.TimeoutExpired as e:
            problems.append(str(e))
        side = "neither (error)"
    else:
        try:
            tview = tfauth_view(cfg, cred, home, problems)
            problems += dict_diff(normalize_expected(exp["tfauth"]),
                                  {p: v[0] for p, v in tview.items()},
                                  "expected-tfauth", "tfauth")
        except (TfauthError, subprocess.TimeoutExpired) as e:
            problems.append(str(e))
        if exp["tfauth"] == exp.get("go_v2"):
            side = "go-v2"
        elif exp["tfauth"] == exp.get("botocore"):
            side = "botocore"
        else:
            side = "neither"
    tap.result(not problems, "%s: tfauth sides with %s" % (name, side), problems)


# ---------------------------------------------------------------- main

def main():
    tap = Tap()
    agree = list_cases(AGREE_DIR)
    disagree = list_cases(DISAGREE_DIR)
    if not os.access(PROFILE_BIN, os.X_OK):
        tap.result(False, "tfauth-profile is built", [PROFILE_BIN + " is missing; run make"])
        print("1..%d" % tap.n)
        return 1
    home = tempfile.mkdtemp(prefix="tfauth-botocore-")
    # A clone made under umask 002 has group-writable fixtures, and tfauth
    # refuses a credentials file others can write to: read 0600 copies.
    # (Not under home: tfauth would show their paths as ~/...)
    corpus = tempfile.mkdtemp(prefix="tfauth-corpus-")
    agree = [private_copy(c, os.path.join(corpus, "agree")) for c in agree]
    disagree = [private_copy(c, os.path.join(corpus, "disagree")) for c in disagree]
    try:
        try:
            pairs = [list(case_paths(c)) for c in agree + disagree]
            bc = botocore_views(pairs, home)
        except (RuntimeError, ValueError, subprocess.TimeoutExpired) as e:
            if "No module named 'botocore'" in str(e):
                tap.skip("botocore differential test", "botocore is not installed")
                print("1..%d" % tap.n)
                return 0
            tap.result(False, "botocore reads the corpus", [str(e)])
            print("1..%d" % tap.n)
            return 1
        tap.result(len(agree) >= MIN_AGREE_CASES,
                   "corpus: %d agreeing cases, %d disagreeing, botocore %s" % (
                       len(agree), len(disagree), bc["version"]),
                   ["fewer than %d cases in %s" % (MIN_AGREE_CASES, AGREE_DIR)])
        results = bc["results"]
        for c, r in zip(agree, results[:len(agree)]):
            check_agree(tap, c, r, home)
        for c, r in zip(disagree, results[len(agree):]):
            check_disagree(tap, c, r, home)
    finally:
        shutil.rmtree(home, ignore_errors=True)
        shutil.rmtree(corpus, ignore_errors=True)
    print("1..%d" % tap.n)
    return 1 if tap.failed else 0


if __name__ == "__main__":
    sys.exit(main())
