#!/usr/bin/env python3
# SPDX-License-Identifier: LiLiQ-P-1.1
"""The shape the architecture issue asks of the tree, checked on every run.

    layout.py BUILD_DIR

- no source file of daemon/, handlers/ or ctl/ over 800 lines;
- no function over 80 lines (from its name's line to its closing brace,
  in the tree's style: the name at column 0, the closing brace alone);
- no cycle between modules: module A "uses" B when A's object file has an
  undefined symbol B's defines (nm); the strongly connected components of
  that graph must all be single modules, so that a layer never calls back
  into the one above it;
- every C, shell and Python source of the tree says its licence in its
  first two lines (SPDX-License-Identifier: LiLiQ-P-1.1).
Prints every breach and exits 1 when there is one.
"""
import glob
import os
import re
import subprocess
import sys

MAX_FILE = 800
MAX_FUNCTION = 80
DIRS = ("daemon", "handlers", "ctl")


def sizes(root):
    bad = []
    for d in DIRS:
        for path in sorted(glob.glob(os.path.join(root, d, "*.c"))):
            with open(path, encoding="utf-8") as f:
                lines = f.read().split("\n")
            rel = os.path.relpath(path, root)
            if len(lines) - 1 > MAX_FILE:
                bad.append(f"{rel}: {len(lines) - 1} lines (> {MAX_FILE})")
            start = name = None
            for i, line in enumerate(lines):
                m = re.match(r"^([a-z_][a-z0-9_]*)\(", line)
                if m:
                    start, name = i, m.group(1)
                elif line == "}" and start is not None:
                    n = i - start + 1
                    if n > MAX_FUNCTION:
                        bad.append(f"{rel}:{start + 1}: {name}() is {n} "
                                   f"lines (> {MAX_FUNCTION})")
                    start = None
    return bad


SPDX = "SPDX-License-Identifier: LiLiQ-P-1.1"
SPDX_GLOBS = ("daemon/*.[ch]", "handlers/*.[ch]", "ctl/*.[ch]", "bench/*.[ch]",
              "bench/*.sh", "tests/*.sh", "tests/*.py", "tests/*/*.[ch]",
              "tests/*/*.sh", "tests/*/*.py", "Makefile")


def licences(root):
    bad = []
    for g in SPDX_GLOBS:
        for path in sorted(glob.glob(os.path.join(root, g))):
            with open(path, encoding="utf-8") as f:
                head = f.read(300).split("\n")[:2]
            if not any(SPDX in line for line in head):
                bad.append(f"{os.path.relpath(path, root)}: no {SPDX} in "
                           "its first two lines")
    return bad


def cycles(build):
    defs, uses = {}, {}
    for d in DIRS:
        for obj in sorted(glob.glob(os.path.join(build, "obj", d, "*.o"))):
            mod = os.path.relpath(obj, os.path.join(build, "obj"))[:-2]
            out = subprocess.run(["nm", obj], capture_output=True,
                                 text=True, check=True).stdout
            uses[mod] = set()
            for line in out.splitlines():
                f = line.split()
                if len(f) == 3 and f[1] in "TDBR":
                    defs[f[2]] = mod
                elif len(f) == 2 and f[0] == "U":
                    uses[mod].add(f[1])
    if not uses:
        return [f"{build}/obj: no object files (build first)"]
    graph = {m: {defs[s] for s in u if s in defs and defs[s] != m}
             for m, u in uses.items()}
    # Tarjan's strongly connected components, iteratively
    index, low, onstack, stack, comps, n = {}, {}, set(), [], [], [0]
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = n[0]
        n[0] += 1
        stack.append(root)
        onstack.add(root)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = n[0]
                    n[0] += 1
                    stack.append(w)
                    onstack.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                elif w in onstack:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    onstack.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    comps.append(sorted(comp))
    bad = []
    for comp in comps:
        edges = [f"{a} -> {b}" for a in comp for b in sorted(graph[a])
                 if b in comp]
        bad.append("modules calling each other: " + ", ".join(edges))
    return bad


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: layout.py BUILD_DIR")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    bad = sizes(root) + licences(root) + cycles(sys.argv[1])
    for b in bad:
        print("layout:", b)
    print(f"layout: {len(bad)} breach{'es' if len(bad) != 1 else ''}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
