#!/usr/bin/env python3
# SPDX-License-Identifier: LiLiQ-P-1.1
"""Every metric the shipped alerting rules and dashboard read is exported.

    metric_names.py METRICS_TXT RULES_YML DASHBOARD_JSON

METRICS_TXT is a scrape of relaisd's /metrics. The names of relais_* and
process_* series in the rules' expressions and in the dashboard's queries
(panels and template variables) must each be a family, or a histogram's
_bucket, _sum or _count, of that scrape. The dashboard must be JSON whose
panels all query the Prometheus data source variable. Prints what is
missing and exits 1.
"""
import json
import re
import sys

NAME = re.compile(r"\b((?:relais|process)_[a-zA-Z0-9_:]*)")


def exported(path):
    names = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"# TYPE (\S+) (\S+)", line)
            if m:
                names.add(m.group(1))
                if m.group(2) == "histogram":
                    names.update(m.group(1) + s
                                 for s in ("_bucket", "_sum", "_count"))
            elif line and not line.startswith("#"):
                names.add(re.split(r"[{ ]", line, 1)[0])
    return names


def rule_exprs(path):
    # the rules file is YAML; its expressions are "expr: ..." scalars,
    # folded ones ("expr: |") running to the next key of the rule
    exprs, cur = [], None
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"\s*(?:- )?(\w+):\s*(.*)$", line)
            if m and (cur is None or not line.startswith(cur[0])):
                if cur is not None:
                    exprs.append(cur[1])
                    cur = None
                if m.group(1) == "expr":
                    indent = line[:len(line) - len(line.lstrip())] + "  "
                    cur = [indent, "" if m.group(2) == "|" else m.group(2)]
            elif cur is not None:
                cur[1] += " " + line.strip()
    if cur is not None:
        exprs.append(cur[1])
    return exprs


def dashboard_exprs(path, bad):
    with open(path, encoding="utf-8") as f:
        d = json.load(f)
    exprs = []
    for v in d.get("templating", {}).get("list", []):
        q = v.get("query")
        if isinstance(q, dict):
            q = q.get("query")
        if v.get("type") == "query" and q:
            exprs.append(q)
    panels = list(d.get("panels", []))
    while panels:
        p = panels.pop()
        panels.extend(p.get("panels", []))
        if p.get("type") == "row":
            continue
        ds = json.dumps(p.get("datasource"))
        if "${datasource}" not in ds and "${DS_PROMETHEUS}" not in ds:
            bad.append(f"{path}: panel \"{p.get('title')}\" does not use "
                       f"the data source variable: {ds}")
        if not p.get("targets"):
            bad.append(f"{path}: panel \"{p.get('title')}\" has no query")
        exprs.extend(t.get("expr", "") for t in p.get("targets", []))
    return exprs


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    have = exported(sys.argv[1])
    bad = []
    sources = [(sys.argv[2], rule_exprs(sys.argv[2])),
               (sys.argv[3], dashboard_exprs(sys.argv[3], bad))]
    for path, exprs in sources:
        if not exprs:
            bad.append(f"{path}: no expression found")
        for e in exprs:
            for n in NAME.findall(e):
                if n not in have:
                    bad.append(f"{path}: {n} is not exported (in: {e})")
    for b in sorted(set(bad)):
        print(b)
    n = sum(len(e) for _, e in sources)
    print(f"metric_names: {n} expressions, {len(bad)} problems")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
