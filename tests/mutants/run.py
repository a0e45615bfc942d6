#!/usr/bin/env python3
# SPDX-License-Identifier: LiLiQ-P-1.1
"""Mutation check: each listed one-line mutant must be caught by a test.

Reads tests/mutants/*.txt (blocks of "key: value" lines, a blank line
between blocks):

    mutant: NAME          unique name
    file:   PATH          file to mutate, from the repository root
    from:   TEXT          exact text, found exactly once in FILE
    to:     TEXT          what replaces it
    catch:  T ...         scenarios (t_*) and unit tests (test_*) meant to fail
    why:    TEXT          the guarantee the mutant breaks

The work tree is copied to a scratch directory once and built there; the
catching tests are run unmutated first (they must pass), then for each
mutant the file is changed, the binaries rebuilt, the tests run: the mutant
is killed when one of them fails. Exits non-zero if any mutant survives, no
longer applies (its text is gone or ambiguous) or does not build.

    run.py [-k] [NAME ...]     -k keeps the scratch copies
    run.py --check             only that every mutant still applies (its
                               text found once, its tests exist): seconds,
                               no build; make check-layout runs it
    MUTANT_JOBS=2              mutants tried at a time, each in its own copy
"""
import os
import multiprocessing
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
LISTDIR = os.path.join(ROOT, "tests", "mutants")
KEYS = ("mutant", "file", "from", "to", "catch", "why")
SCENARIO_TIMEOUT = int(os.environ.get("MUTANT_TIMEOUT", "120"))


def parse(path):
    mutants, cur = [], {}
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    for n, line in enumerate(lines + [""], 1):
        if line.startswith("#"):
            continue
        if line.strip() == "":
            if cur:
                missing = [k for k in KEYS if k not in cur]
                if missing:
                    sys.exit("%s:%d: mutant %s lacks %s" % (
                        path, n, cur.get("mutant", "?"), ", ".join(missing)))
                cur["list"] = os.path.basename(path)
                mutants.append(cur)
                cur = {}
            continue
        key, sep, value = line.partition(":")
        if not sep or key not in KEYS:
            sys.exit("%s:%d: expected one of %s, got: %s" % (
                path, n, ", ".join(KEYS), line))
        if key in cur:
            sys.exit("%s:%d: %s given twice" % (path, n, key))
        # one space after the colon is the separator; the rest is the text
        cur[key] = value[1:] if value.startswith(" ") else value
    return mutants


def load(names):
    mutants = []
    for fn in sorted(os.listdir(LISTDIR)):
        if fn.endswith(".txt"):
            mutants += parse(os.path.join(LISTDIR, fn))
    seen = set()
    for m in mutants:
        if m["mutant"] in seen:
            sys.exit("mutant %s listed twice" % m["mutant"])
        seen.add(m["mutant"])
    if names:
        unknown = set(names) - seen
        if unknown:
            sys.exit("no such mutant: %s" % " ".join(sorted(unknown)))
        mutants = [m for m in mutants if m["mutant"] in names]
    return mutants


def copy_tree(dst):
    files = subprocess.run(
        ["git", "-C", ROOT, "ls-files", "-z", "--cached", "--others",
         "--exclude-standard"], check=True, capture_output=True).stdout
    for rel in files.decode().split("\0"):
        if not rel or not os.path.exists(os.path.join(ROOT, rel)):
            continue
        os.makedirs(os.path.join(dst, os.path.dirname(rel)), exist_ok=True)
        shutil.copy2(os.path.join(ROOT, rel), os.path.join(dst, rel),
                     follow_symlinks=False)


def scratch():
    """An empty tree in a scratch directory, beside a link to the folder
    the repository has beside it (../shared: the providers' OpenAPI
    descriptions the fakes check requests against), as the tests expect."""
    top = tempfile.mkdtemp(prefix="relais-mutants.")
    shared = os.path.join(ROOT, "..", "shared")
    if os.path.isdir(shared):
        os.symlink(os.path.abspath(shared), os.path.join(top, "shared"))
    tree = os.path.join(top, "relais")
    os.mkdir(tree)
    return tree


def build(tree, units):
    targets = ["all"] + ["build/tests/%s" % u for u in sorted(units)]
    r = subprocess.run(["make", "-C", tree, "-j2", "BUILD=build"] + targets,
                       capture_output=True, text=True)
    return r.returncode == 0, r.stdout + r.stderr


def run_test(tree, test, logdir):
    """Runs one test; returns (passed, seconds, log file)."""
    log = os.path.join(logdir, test + ".log")
    start = time.time()
    with open(log, "w") as out:
        if test.startswith("test_"):
            cmd = ["timeout", "-k", "10", str(SCENARIO_TIMEOUT),
                   os.path.join(tree, "build", "tests", test)]
            env = dict(os.environ)
        else:
            cmd = ["timeout", "-k", "30", str(SCENARIO_TIMEOUT), "bash",
                   os.path.join(tree, "tests", "integration", test + ".sh")]
            env = dict(os.environ, BUILD="build")
        rc = subprocess.run(cmd, cwd=tree, env=env, stdout=out,
                            stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL).returncode
    return rc == 0, time.time() - start, log


def last_fail(log):
    with open(log, errors="replace") as f:
        lines = [l.rstrip() for l in f if l.startswith("FAIL") or
                 "FAILED" in l or "ERROR" in l or "timed out" in l]
    return lines[0] if lines else "(exit status only)"


def try_mutant(tree, m, units, logdir):
    """Applies m in tree, builds, runs its catch tests, restores the file.
    Returns (verdict, line): verdict is "killed", "survived" or "broken"."""
    path = os.path.join(tree, m["file"])
    with open(path, encoding="utf-8") as f:
        orig = f.read()
    count = orig.count(m["from"])
    if count != 1:
        return "broken", "STALE    %s: '%s' found %d times in %s" % (
            m["mutant"], m["from"], count, m["file"])
    with open(path, "w", encoding="utf-8") as f:
        f.write(orig.replace(m["from"], m["to"]))
    try:
        ok, out = build(tree, units)
        if not ok:
            return "broken", "NOBUILD  %s (%s)" % (m["mutant"], m["file"])
        for t in m["catch"].split():
            passed, secs, log = run_test(tree, t, logdir)
            if not passed:
                return "killed", "killed   %-36s by %s (%.0fs): %s" % (
                    m["mutant"], t, secs, last_fail(log))
        return "survived", "SURVIVED %-36s %s: %s [%s]" % (
            m["mutant"], m["file"], m["why"], m["catch"])
    finally:
        with open(path, "w", encoding="utf-8") as f:
            f.write(orig)
        # the restored file must be rebuilt even within one second
        os.utime(path, None)


def worker(tree, units, todo, done):
    logdir = os.path.join(tree, "mutant-logs")
    os.makedirs(logdir, exist_ok=True)
    while True:
        m = todo.get()
        if m is None:
            return
        done.put((m["mutant"],) + try_mutant(tree, m, units, logdir))


def check(mutants):
    """Every mutant applies to the tree as it is: 0, or 1 with the stale."""
    bad = 0
    for m in mutants:
        try:
            with open(os.path.join(ROOT, m["file"]), encoding="utf-8") as f:
                count = f.read().count(m["from"])
        except OSError as e:
            print("mutants: %s (%s): %s" % (m["mutant"], m["list"], e))
            bad += 1
            continue
        if count != 1:
            print("mutants: %s (%s): '%s' found %d times in %s" % (
                m["mutant"], m["list"], m["from"], count, m["file"]))
            bad += 1
    print("mutants: %d listed, %d stale" % (len(mutants), bad))
    return 1 if bad else 0


def main(argv):
    if argv == ["--check"]:
        mutants = load([])
        for t in sorted({t for m in mutants for t in m["catch"].split()}):
            if t.startswith("t_") and not os.path.exists(
                    os.path.join(ROOT, "tests", "integration", t + ".sh")):
                sys.exit("catch %s: no such scenario" % t)
        return check(mutants)
    keep = "-k" in argv
    jobs = int(os.environ.get("MUTANT_JOBS", "2"))
    names = [a for a in argv if a != "-k"]
    mutants = load(names)
    if not mutants:
        sys.exit("mutants: none listed")
    tests = sorted({t for m in mutants for t in m["catch"].split()})
    for t in tests:
        if not (t.startswith("t_") or t.startswith("test_")):
            sys.exit("catch %s: neither a scenario (t_*) nor a unit test (test_*)" % t)
        if t.startswith("t_") and not os.path.exists(
                os.path.join(ROOT, "tests", "integration", t + ".sh")):
            sys.exit("catch %s: no such scenario" % t)
    units = {t for t in tests if t.startswith("test_")}
    jobs = max(1, min(jobs, len(mutants)))
    start = time.time()
    trees = [scratch() for _ in range(jobs)]
    bad = []
    try:
        copy_tree(trees[0])
        ok, out = build(trees[0], units)
        if not ok:
            print(out[-3000:])
            sys.exit("mutants: the unmutated tree does not build")
        logdir = os.path.join(trees[0], "mutant-logs")
        os.makedirs(logdir)
        print("mutants: %d listed, %d tests, %d at a time; checking the "
              "tests pass unmutated" % (len(mutants), len(tests), jobs),
              flush=True)
        for t in tests:
            passed, secs, log = run_test(trees[0], t, logdir)
            if not passed:
                sys.exit("mutants: %s fails unmutated: %s" % (t, last_fail(log)))
        for tree in trees[1:]:
            shutil.rmtree(tree)
            subprocess.run(["cp", "-a", trees[0], tree], check=True)
        todo, done = multiprocessing.Queue(), multiprocessing.Queue()
        for m in mutants:
            todo.put(m)
        procs = []
        for tree in trees:
            todo.put(None)
            p = multiprocessing.Process(target=worker,
                                        args=(tree, units, todo, done))
            p.start()
            procs.append(p)
        for _ in mutants:
            name, verdict, line = done.get()
            print(line, flush=True)
            if verdict != "killed":
                bad.append(name)
        for p in procs:
            p.join()
        print("mutants: %d killed, %d survived or broken%s (%.0f s)" % (
            len(mutants) - len(bad), len(bad),
            (": " + " ".join(bad)) if bad else "", time.time() - start))
        return 1 if bad else 0
    finally:
        if keep:
            print("mutants: scratch copies kept in %s" % " ".join(trees))
        else:
            for tree in trees:
                shutil.rmtree(os.path.dirname(tree), ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
