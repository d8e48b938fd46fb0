#!/usr/bin/env python3
"""Check exray's toolchain and execution verdicts on the labelled corpus (issue 4).

Usage: check.py --exray BIN --cache DIR [--only ID[,ID...]] [--tsv FILE] [--jobs N]
       check.py --list --cache DIR

For each row of expectations.tsv whose file is in the cache (fetch.py puts it
there), runs `BIN FILE --json` and compares:
  toolchain.language and execution.model   must be right on every row (100%)
  execution.engine and execution.jit       must be right on at least 95% of rows
  toolchain.compiler                       reported, not gated (where asserted)
Prints one line per row: PASS, or FAIL with each wrong field as want/got and
the evidence items exray gave (those that hold), then the accuracy of each
field, and last "N passed, N failed, N skipped". A row whose file is missing
is skipped and named. Exit 1 when a threshold is missed, fewer than 60 rows
were checked, or exray crashed on a file; 77 ("SKIP: ...") when no corpus
file is in the cache at all. --list prints which files exist and their sizes.
exray is only ever given the files to read: nothing from the corpus is run.
"""

import argparse
import concurrent.futures
import json
import os
import subprocess
import sys

SKIP = 77
HERE = os.path.dirname(os.path.abspath(__file__))
MIN_ROWS = 60
GATES = [("language", 1.0), ("model", 1.0), ("engine", 0.95), ("jit", 0.95)]
EVIDENCE_SHOWN = 14


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
    ap.add_argument("--only", action="append", default=[], help="row ids, comma-separated or repeated")
    ap.add_argument("--list", action="store_true", help="only list which corpus files exist")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=int, default=300, help="seconds per file")
    args = ap.parse_args()
    cache = os.path.abspath(args.cache)
    rows = read_rows(args.tsv)
    only = {i for arg in args.only for i in arg.split(",") if i}
    if only:
        unknown = only - {r["id"] for r in rows}
        if unknown:
            sys.exit("unknown row ids: %s" % ", ".join(sorted(unknown)))
        rows = [r for r in rows if r["id"] in only]

    if args.list:
        present = 0
        for r in rows:
            path = file_of(cache, r)
            if os.path.isfile(path):
                present += 1
                print("%-22s %12d  %s" % (r["id"], os.path.getsize(path), path))
            else:
                print("%-22s %12s  %s" % (r["id"], "MISSING", path))
        print("%d of %d corpus files present" % (present, len(rows)))
        return 0

    if not args.exray:
        ap.error("--exray is required unless --list")
    exray = os.path.abspath(args.exray)
    present, skipped = [], []
    for r in rows:
        path = file_of(cache, r)
        (present if os.path.isfile(path) else skipped).append((r, path))
    if not present:
        print("SKIP: no corpus file in %s (run fetch.py --cache %s first)" % (cache, args.cache))
        return SKIP

    with concurrent.futures.ThreadPoolExecutor(max(1, args.jobs)) as pool:
        results = list(pool.map(lambda rp: analyse(exray, rp[1], args.timeout), present))

    right = {f: 0 for f, _ in GATES}
    comp_right = comp_total = 0
    passed = failed = crashed = 0
    misses = {f: [] for f, _ in GATES}
    for (r, path), (report, err) in zip(present, results):
        want = {f: want_value(r[f]) for f, _ in GATES}
        if err:
            failed += 1
            crashed += err.startswith("CRASH")
            for f in misses:
                misses[f].append(r["id"])
            print("FAIL %s: %s [%s]" % (r["id"], err, path))
            continue
        got = got_fields(report)
        wrong = []
        for f, _ in GATES:
            if got[f] == want[f]:
                right[f] += 1
            else:
                misses[f].append(r["id"])
                wrong.append("%s want %s got %s" % (f, fmt(want[f]), fmt(got[f])))
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
            print("FAIL %s: %s%s" % (r["id"], "; ".join(wrong), " (%s)" % ", ".join(notes) if notes else ""))
            print("     file: %s" % path)
            print("     expected because: %s" % r["note"])
            print("     exray evidence: %s" % evidence_line(report))
        else:
            passed += 1
            print("PASS %s: %s %s %s %s" % (r["id"], fmt(got["language"]), fmt(got["model"]),
                                           fmt(got["engine"]), fmt(got["jit"])))
    for r, path in skipped:
        print("SKIP %s: file missing: %s" % (r["id"], path))

    n = len(present)
    print()
    ok = True
    for f, gate in GATES:
        acc = right[f] / n
        good = acc >= gate
        ok &= good
        print("%-9s %3d/%d = %6.2f%%  (need %3.0f%%) %s%s" % (
            f, right[f], n, 100 * acc, 100 * gate, "ok" if good else "MISSED",
            "" if good or not misses[f] else ": " + ", ".join(misses[f][:20]) + (" ..." if len(misses[f]) > 20 else "")))
    if comp_total:
        print("compiler  %3d/%d = %6.2f%%  (reported only, rows that assert one)" % (
            comp_right, comp_total, 100 * comp_right / comp_total))
    if n < MIN_ROWS and not only:
        ok = False
        print("only %d rows checked, issue 4 needs at least %d (fetch.py fills the cache)" % (n, MIN_ROWS))
    if crashed:
        ok = False
        print("exray crashed on %d files" % crashed)
    print("%d passed, %d failed, %d skipped" % (passed, failed, len(skipped)))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
