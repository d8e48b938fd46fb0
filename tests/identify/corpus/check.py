#!/usr/bin/env python3
"""Check exray's toolchain and execution verdicts on the labelled corpus (issues 4 and 13).

Usage: check.py --exray BIN --cache DIR [--only ID[,ID...]] [--tsv FILE] [--jobs N] [--verbose]
       check.py --list --cache DIR

Rows of expectations.tsv name one file (`path` is a plain path) or every ELF
file of a Debian package that matches a pattern (`path` holds `*`, `?` or
`[`, matched with fnmatch against the path inside the package, `*` crossing
`/`). A file is claimed by its exact row first, else by the first pattern row
of its package in table order; each case is named ROWID or ROWID:PATH. Every
ELF file (regular file, one name per inode) of every Debian package in the
table must be claimed by some row: one that is not is UNLABELLED and fails
the run, and so does a pattern that matches nothing.

For each case whose file is in the cache (fetch.py puts it there), runs
`BIN FILE --json` and compares:
  toolchain.language and execution.model   gated at 99% of cases
  execution.engine and execution.jit       gated at 97% of cases
  toolchain.compiler                       reported, not gated (where asserted)
Every miss must be named, with its reason, in the "Known misses" table of
docs/identify.md (`| case pattern | field | reason |`); a miss not named
there fails the run, and so does a named miss that no longer happens (the
docs would then be wrong). Prints FAIL lines (and PASS lines with
--verbose), the accuracy of each field, the cases by kind, and last
"N passed, N failed, N skipped". A case whose file is missing is skipped and
named. Exit 1 when a gate is missed, fewer than 1,000 cases were checked, or
exray crashed on a file; 77 ("SKIP: ...") when no corpus file is in the cache
at all. --list prints the cases and their sizes. exray is only ever given the
files to read: nothing from the corpus is run.
"""

import argparse
import collections
import concurrent.futures
import fnmatch
import json
import os
import re
import subprocess
import sys

SKIP = 77
HERE = os.path.dirname(os.path.abspath(__file__))
DOCS = os.path.join(HERE, "..", "..", "..", "docs", "identify.md")
MIN_CASES = 1000
GATES = [("language", 0.99), ("model", 0.99), ("engine", 0.97), ("jit", 0.97)]
EVIDENCE_SHOWN = 14
GLOB_CHARS = "*?["
# Kernel modules are checked (kind kernel-module, a vermagic) but kept out of
# the gates: a thousand of them would outweigh every other kind of file.
SEPARATE_PREFIX = "kmod-"
ELF_MAGIC = b"\x7fELF"
MAX_TREE_FILES = 200000  # a package tree larger than this is not a corpus package


def read_rows(tsv):
    rows = []
    with open(tsv, encoding="utf-8") as f:
        header = None
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            cols = line.split("\t")
            if header is None:
                header = cols
                continue
            if len(cols) != len(header):
                sys.exit("%s:%d: %d columns, want %d" % (tsv, n, len(cols), len(header)))
            rows.append(dict(zip(header, cols)))
    return rows


def file_of(cache, row):
    kind, _, spec = row["source"].partition(":")
    if kind == "deb":
        return os.path.join(cache, "deb", spec.partition("=")[0], row["path"])
    alias, eq, rest = spec.partition("=")
    name = alias if eq else spec.rpartition("@")[0]
    return os.path.join(cache, "npm", "node_modules", name, row["path"])


def is_pattern(row):
    return any(c in row["path"] for c in GLOB_CHARS)


def package_of(row):
    """The deb package a row belongs to, or None for npm rows."""
    kind, _, spec = row["source"].partition(":")
    return spec.partition("=")[0] if kind == "deb" else None


def elf_files(root):
    """Paths (relative to root, sorted) of the ELF regular files under root,
    one name per inode (dpkg-deb keeps hard links: perl and perl5.36.0)."""
    found, seen, n = [], set(), 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            n += 1
            if n > MAX_TREE_FILES:
                sys.exit("%s: more than %d files" % (root, MAX_TREE_FILES))
            path = os.path.join(dirpath, name)
            if os.path.islink(path) or not os.path.isfile(path):
                continue
            st = os.stat(path)
            if (st.st_dev, st.st_ino) in seen:
                continue
            try:
                with open(path, "rb") as f:
                    if f.read(4) != ELF_MAGIC:
                        continue
            except OSError:
                continue
            seen.add((st.st_dev, st.st_ino))
            found.append(os.path.relpath(path, root))
    return found


def expand(cache, rows):
    """(cases, problems): cases are (case id, row, path); problems name the
    unlabelled ELF files and the patterns that match nothing."""
    trees, claimed, problems = {}, set(), []
    cases = []
    for r in rows:
        if not is_pattern(r):
            path = file_of(cache, r)
            cases.append((r["id"], r, path))
            pkg = package_of(r)
            if pkg:
                claimed.add((pkg, os.path.normpath(r["path"])))
    for r in rows:
        if not is_pattern(r):
            continue
        pkg = package_of(r)
        if pkg is None:
            sys.exit("row %s: a pattern needs a deb: source" % r["id"])
        root = os.path.join(cache, "deb", pkg)
        if not os.path.isdir(root):
            continue  # not fetched: its cases are not known, reported by the pinned row count
        if pkg not in trees:
            trees[pkg] = elf_files(root)
        matched = 0
        for rel in trees[pkg]:
            if (pkg, rel) in claimed or not fnmatch.fnmatchcase(rel, r["path"]):
                continue
            claimed.add((pkg, rel))
            cases.append(("%s:%s" % (r["id"], rel), r, os.path.join(root, rel)))
            matched += 1
        if not matched:
            problems.append("pattern of row %s matches no unclaimed ELF file: %s" % (r["id"], r["path"]))
    for r in rows:  # packages with only exact rows must be covered too
        pkg = package_of(r)
        root = os.path.join(cache, "deb", pkg) if pkg else None
        if pkg and pkg not in trees and os.path.isdir(root):
            trees[pkg] = elf_files(root)
    for pkg in sorted(trees):
        for rel in trees[pkg]:
            if (pkg, rel) not in claimed:
                problems.append("UNLABELLED %s: %s" % (pkg, rel))
    return cases, problems


def read_known_misses(path):
    """[(case pattern, field, reason)] from the "Known misses" table of docs/identify.md."""
    out, inside = [], False
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.startswith("#"):
                    inside = "known misses" in line.lower()
                    continue
                if not inside or not line.startswith("|"):
                    continue
                cols = [c.strip() for c in line.strip().strip("|").split("|")]
                if len(cols) < 3 or cols[0] in ("case", "") or set(cols[0]) <= set("-: "):
                    continue
                out.append((cols[0].strip("`"), cols[1].strip("`"), cols[2]))
    except OSError:
        pass
    return out


def want_value(v):
    return None if v == "null" else v


def analyse(exray, path, timeout, subcommand=()):
    """(report dict or None, error text or None): `exray [SUBCOMMAND] PATH --json`."""
    try:
        p = subprocess.run([exray, *subcommand, path, "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           stdin=subprocess.DEVNULL, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, "timed out after %ds" % timeout
    except OSError as e:
        return None, "cannot run exray: %s" % e
    err = p.stderr.decode("utf-8", "replace").strip()
    if p.returncode < 0 or "Sanitizer" in err or "runtime error:" in err:
        return None, "CRASH (exit %d): %s" % (p.returncode, err[-300:])
    if p.returncode != 0:
        return None, "exit %d: %s" % (p.returncode, err.splitlines()[-1] if err else "")
    try:
        return json.loads(p.stdout), None
    except ValueError as e:
        return None, "output is not JSON: %s" % e


def got_fields(report):
    tc = report.get("toolchain") or {}
    ex = report.get("execution") or {}
    if not isinstance(tc, dict):
        tc = {}
    if not isinstance(ex, dict):
        ex = {}
    return {"language": tc.get("language"), "compiler": tc.get("compiler"),
            "model": ex.get("model"), "engine": ex.get("engine"), "jit": ex.get("jit"),
            "_toolchain_null": report.get("toolchain") is None,
            "_execution_null": report.get("execution") is None}


STRUCTURAL = ("linking.", "hardening.", "symbols.", "needs.")


def evidence_line(report):
    """The evidence items that hold, those about toolchain and execution first
    (the structural linking/hardening facts are left out when others exist)."""
    items = [e for e in (report.get("evidence") or []) if isinstance(e, dict) and e.get("holds")]
    about = [e for e in items if not str(e.get("id", "")).startswith(STRUCTURAL)]
    if not about:
        return "none about toolchain or execution (%d structural items hold)" % len(items)
    shown = []
    for e in about[:EVIDENCE_SHOWN]:
        s = "%s[%s]" % (e.get("id") or e.get("claim") or "?", e.get("strength") or "?")
        if e.get("where"):
            s += " @ " + str(e["where"])
        if e.get("detail"):
            s += ": " + str(e["detail"])[:70]
        shown.append(s)
    more = len(about) - len(shown)
    return "; ".join(shown) + (" (+%d more)" % more if more > 0 else "")


def fmt(v):
    return "null" if v is None else str(v)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--exray", help="the exray binary")
    ap.add_argument("--cache", required=True, help="the folder fetch.py filled")
    ap.add_argument("--tsv", default=os.path.join(HERE, "expectations.tsv"))
    ap.add_argument("--docs", default=DOCS, help="the page holding the Known misses table")
    ap.add_argument("--only", action="append", default=[], help="case ids or fnmatch patterns, comma-separated or repeated")
    ap.add_argument("--list", action="store_true", help="only list the cases and which files exist")
    ap.add_argument("--verbose", action="store_true", help="print PASS lines too")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=int, default=300, help="seconds per file")
    args = ap.parse_args()
    cache = os.path.abspath(args.cache)
    rows = read_rows(args.tsv)
    cases, problems = expand(cache, rows)
    only = [i for arg in args.only for i in arg.split(",") if i]
    if only:
        cases = [c for c in cases if any(fnmatch.fnmatchcase(c[0], o) or c[1]["id"] == o for o in only)]
        if not cases:
            sys.exit("no case matches %s" % ", ".join(only))
        problems = []

    if args.list:
        present = 0
        for cid, r, path in cases:
            if os.path.isfile(path):
                present += 1
                print("%-40s %12d  %s" % (cid, os.path.getsize(path), path))
            else:
                print("%-40s %12s  %s" % (cid, "MISSING", path))
        for p in problems:
            print(p)
        print("%d of %d corpus files present" % (present, len(cases)))
        return 0

    if not args.exray:
        ap.error("--exray is required unless --list")
    exray = os.path.abspath(args.exray)
    present, skipped = [], []
    for c in cases:
        (present if os.path.isfile(c[2]) else skipped).append(c)
    if not present:
        print("SKIP: no corpus file in %s (run fetch.py --cache %s first)" % (cache, args.cache))
        return SKIP

    with concurrent.futures.ThreadPoolExecutor(max(1, args.jobs)) as pool:
        results = list(pool.map(lambda c: analyse(exray, c[2], args.timeout), present))

    known = read_known_misses(args.docs)
    known_used = set()
    right = {f: 0 for f, _ in GATES}
    comp_right = comp_total = 0
    passed = failed = crashed = 0
    misses = {f: [] for f, _ in GATES}
    unexplained = []
    kinds = collections.Counter()

    def explained(cid, field):
        for k, (pat, f, _) in enumerate(known):
            if f == field and fnmatch.fnmatchcase(cid, pat):
                known_used.add(k)
                return True
        return False

    separate = [0, 0]  # kernel-module cases: checked, right
    gated = []
    for (cid, r, path), (report, err) in zip(present, results):
        if r["id"].startswith(SEPARATE_PREFIX):
            separate[0] += 1
            mod = (report or {}).get("module") or {}
            if report and report.get("kind") == "kernel-module" and mod.get("vermagic") and report.get("toolchain") is None:
                separate[1] += 1
            else:
                unexplained.append("%s kind" % cid)
                print("FAIL %s: %s" % (cid, err or "not read as a kernel module with a vermagic and no verdict"))
            continue
        gated.append(cid)
        want = {f: want_value(r[f]) for f, _ in GATES}
        if err:
            failed += 1
            crashed += err.startswith("CRASH")
            for f in misses:
                misses[f].append(cid)
            unexplained.append(cid)
            print("FAIL %s: %s [%s]" % (cid, err, path))
            continue
        kinds[report.get("kind") or "?"] += 1
        got = got_fields(report)
        wrong = []
        for f, _ in GATES:
            if got[f] == want[f]:
                right[f] += 1
            else:
                misses[f].append(cid)
                tag = "" if explained(cid, f) else " (UNEXPLAINED)"
                if tag:
                    unexplained.append("%s %s" % (cid, f))
                wrong.append("%s want %s got %s%s" % (f, fmt(want[f]), fmt(got[f]), tag))
        if r["compiler"] != "-":
            comp_total += 1
            comp_right += got["compiler"] == r["compiler"]
        if wrong:
            failed += 1
            notes = []
            if got["_toolchain_null"]:
                notes.append("toolchain is null")
            if got["_execution_null"]:
                notes.append("execution is null")
            print("FAIL %s: %s%s" % (cid, "; ".join(wrong), " (%s)" % ", ".join(notes) if notes else ""))
            print("     file: %s" % path)
            print("     expected because: %s" % r["note"])
            print("     exray evidence: %s" % evidence_line(report))
        else:
            passed += 1
            if args.verbose:
                print("PASS %s: %s %s %s %s" % (cid, fmt(got["language"]), fmt(got["model"]),
                                               fmt(got["engine"]), fmt(got["jit"])))
    for cid, r, path in skipped:
        print("SKIP %s: file missing: %s" % (cid, path))

    n = len(gated)
    print()
    ok = True
    for f, gate in GATES:
        acc = right[f] / n
        good = acc >= gate
        ok &= good
        print("%-9s %4d/%d = %6.2f%%  (need %3.0f%%) %s%s" % (
            f, right[f], n, 100 * acc, 100 * gate, "ok" if good else "MISSED",
            "" if not misses[f] else ": " + ", ".join(misses[f][:12]) + (" ..." if len(misses[f]) > 12 else "")))
    if comp_total:
        print("compiler  %4d/%d = %6.2f%%  (reported only, rows that assert one)" % (
            comp_right, comp_total, 100 * comp_right / comp_total))
    if separate[0]:
        print("kernel modules (not in the gates): %d/%d read as kernel-module with vermagic" % (separate[1], separate[0]))
    print("cases by kind: " + ", ".join("%s %d" % kv for kv in kinds.most_common()))
    print("packages: %d Debian, %d npm" % (len({package_of(r) for _, r, _ in cases if package_of(r)}),
                                          len({r["source"] for _, r, _ in cases if not package_of(r)})))
    if unexplained:
        ok = False
        print("%d misses are not named in the Known misses table of docs/identify.md: %s" % (
            len(unexplained), ", ".join(unexplained[:20]) + (" ..." if len(unexplained) > 20 else "")))
    if not only:
        stale = [known[k] for k in range(len(known)) if k not in known_used]
        for pat, f, _ in stale:
            ok = False
            print("STALE known miss (no case misses it now; remove it from docs/identify.md): %s %s" % (pat, f))
    for p in problems:
        ok = False
        print(p)
    if n < MIN_CASES and not only:
        ok = False
        print("only %d cases checked, issue 13 needs at least %d (fetch.py fills the cache)" % (n, MIN_CASES))
    if crashed:
        ok = False
        print("exray crashed on %d files" % crashed)
    print("%d passed, %d failed, %d skipped" % (passed, failed, len(skipped)))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
