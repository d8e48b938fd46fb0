#!/usr/bin/env python3
"""Checks `exray go BIN --listing LISTING --json` end to end.

Usage: listing_check.py --exray EXRAY --fixture SRC_DIR --scratch DIR

Builds the fixture (tests/go/testdata/listing: a nosplit function, a frame
over 4 KiB, a method with a pointer receiver, a generic function, a function
inlined away and one never called) with the local Go, `go build -gcflags=-S
-o bin . 2> listing.txt`, as is and with -ldflags=-s -w, and holds exray's
answer against references it does not share code with:
 - `go tool nm -size` of the unstripped binary, for which listed functions are
   in the binary, at which address and of which size;
 - the listing read here in Python, for each function's size= and the offset
   of its `CMPQ ..., 16(R14)` (the read of the stack guard) or arm64 `MOVD
   16(g)`, which must be where exray finds the check in the machine code, and
   nowhere in nosplit functions.
Then a garbage listing must fail cleanly (exit 1) and the listing held
against a different Go program (`go tool nm` itself) must not claim agreement.
Skipped (exit 77) when go is absent. Last line: "N passed, N failed".
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys

SKIP = 77
HEADER = re.compile(r"^(\S.*?) STEXT\b(.*)$")
INSN = re.compile(r"^\s+0x([0-9a-f]+) \d+ \(.*?\)\s+(\S+)\s*(.*)$")
GUARD = re.compile(r"^(CMPQ\s+\S+, 16\(R14\)|MOVD\s+16\(g\), \S+)$")


def go_env(scratch):
    return dict(os.environ, GOFLAGS="-mod=mod", GOPROXY="off", GOTOOLCHAIN="local", CGO_ENABLED="0",
                GOCACHE=os.path.join(scratch, "gocache"), GOPATH=os.path.join(scratch, "gopath"))


def read_listing(text):
    """{name: {size, nosplit, check}} from the listing's STEXT headers and code."""
    out, cur, seen = {}, None, 0
    for line in text.splitlines():
        m = HEADER.match(line)
        if m:
            cur = m.group(1)
            size = re.search(r"\bsize=(\d+)", m.group(2))
            out[cur] = {"size": int(size.group(1)) if size else None,
                        "nosplit": " nosplit" in m.group(2), "check": None}
            seen = 0
            continue
        if line and not line[0].isspace():
            cur = None
            continue
        i = INSN.match(line)
        if not cur or not i or i.group(2) in ("TEXT", "PCDATA", "FUNCDATA"):
            continue
        seen += 1
        if seen <= 8 and out[cur]["check"] is None and GUARD.match(f"{i.group(2)}\t{i.group(3)}".replace("\t", " ")
                                                                 .replace("  ", " ")):
            out[cur]["check"] = int(i.group(1), 16)
    return out


def nm(go, binary):
    r = subprocess.run([go, "tool", "nm", "-size", binary], capture_output=True, text=True, check=True)
    syms = {}
    for line in r.stdout.splitlines():
        parts = line.split(None, 3)
        if len(parts) == 4 and parts[2] in ("T", "t"):
            syms[parts[3]] = (int(parts[0], 16), int(parts[1]))
    return syms


def exray_json(exray, binary, listing):
    r = subprocess.run([exray, "go", binary, "--listing", listing, "--json"], capture_output=True, text=True,
                       timeout=120)
    if r.returncode != 0:
        raise RuntimeError(f"exray exited {r.returncode}: {r.stderr.strip()}")
    return json.loads(r.stdout)


def check_build(label, doc, listed, syms, problems):
    rows = {f["name"]: f for f in doc["functions"]}
    for name, want in listed.items():
        f = rows.get(name)
        if f is None:
            problems.append(f"{label}: {name}: listed, missing from exray's rows")
            continue
        ref = syms.get(name)
        if bool(ref) != f["found"]:
            problems.append(f"{label}: {name}: go tool nm {'has' if ref else 'lacks'} it, exray found={f['found']}")
            continue
        if f["size"] != want["size"]:
            problems.append(f"{label}: {name}: size {f['size']}, the listing says {want['size']}")
        if not ref:
            continue
        b = f["binary"]
        if "ambiguous" in b["matched_by"]:
            # Shapes of one generic with equal sizes and no symbols: any of them fits.
            base = name.split("[", 1)[0] + "["
            if b["entry"] not in {a for n, (a, _) in syms.items() if n.startswith(base)}:
                problems.append(f"{label}: {name}: entry {b['entry']:#x} is none of {base}...")
        elif b["entry"] != ref[0]:
            problems.append(f"{label}: {name}: entry {b['entry']:#x}, go tool nm {ref[0]:#x}")
        if (ref[1] == want["size"]) != b["size_agrees"]:
            problems.append(f"{label}: {name}: size_agrees {b['size_agrees']}, nm size {ref[1]}, "
                            f"listing {want['size']}")
        if b["check_offset"] != want["check"]:
            problems.append(f"{label}: {name}: stack check at {b['check_offset']}, the listing's at {want['check']}")
        if want["nosplit"] and b["stack_check"] != "absent":
            problems.append(f"{label}: {name}: nosplit, exray says stack_check {b['stack_check']}")
        if f["disagreements"]:
            problems.append(f"{label}: {name}: disagreements {f['disagreements']}")
    s = doc["summary"]
    found = sum(1 for n in listed if n in syms)
    if s["listed"] != len(listed) or s["found"] != found or s["not_found"] != len(listed) - found:
        problems.append(f"{label}: summary {s}, expected listed {len(listed)} found {found}")


def fixture_facts(doc, problems):
    """What the fixture was written to show."""
    rows = {f["name"]: f for f in doc["functions"]}
    expect_missing = ["main.add", "main.twice", "main.unused"]
    for n in expect_missing:
        if rows.get(n, {}).get("found", True):
            problems.append(f"{n}: should be inlined away or dead")
    big = rows.get("main.bigFrame")
    if not big or not big["found"] or big["frame"] != 8200 or big["binary"]["frame"] != 8200 \
            or big["binary"]["stack_check"] != "present":
        problems.append(f"main.bigFrame: expected a found 8200-byte frame with a stack check: {big}")
    inc = rows.get("main.(*counter).Inc")
    if not inc or not inc["found"] or not inc["nosplit"] or inc["binary"]["stack_check"] != "absent":
        problems.append(f"main.(*counter).Inc: expected found, nosplit, no check: {inc}")
    sums = [f for n, f in rows.items() if n.startswith("main.sum[") and f["found"]]
    if len(sums) != 2 or sums[0]["binary"]["entry"] == sums[1]["binary"]["entry"]:
        problems.append(f"main.sum: expected two instantiations at distinct entries: {sums}")
    if rows.get("main.main", {}).get("binary", {}).get("stack_check") != "present":
        problems.append("main.main: expected a stack check")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--exray", required=True)
    ap.add_argument("--fixture", required=True)
    ap.add_argument("--scratch", required=True)
    args = ap.parse_args()
    go = shutil.which("go")
    if not go:
        print("SKIP: no go")
        return SKIP
    os.makedirs(args.scratch, exist_ok=True)
    env = go_env(args.scratch)
    passed = failed = 0
    figures = []
    builds = {}
    for label, flags in (("default", []), ("-s -w", ["-ldflags=-s -w"])):
        binary = os.path.join(args.scratch, "bin-" + label.replace(" ", "").replace("-", ""))
        listing = binary + ".listing.txt"
        # A cached compile replays its output, so a warm cache still prints the listing.
        r = subprocess.run([go, "build", "-gcflags=-S", *flags, "-o", binary, "."], cwd=args.fixture, env=env,
                           capture_output=True, text=True, timeout=600)
        if r.returncode != 0:
            print(f"FAIL build {label}: {r.stderr.strip()[-500:]}")
            return 1
        with open(listing, "w") as f:
            f.write(r.stderr)
        builds[label] = (binary, listing)
    ref_bin = builds["default"][0]
    syms = nm(go, ref_bin)
    for label, (binary, listing) in builds.items():
        problems = []
        listed = read_listing(open(listing).read())
        try:
            doc = exray_json(args.exray, binary, listing)
        except (RuntimeError, ValueError, subprocess.TimeoutExpired) as e:
            problems.append(str(e))
            doc = None
        if doc:
            # The stripped build has no symbols: its addresses equal the unstripped build's.
            check_build(label, doc, listed, syms, problems)
            fixture_facts(doc, problems)
            s = doc["summary"]
            figures.append(f"{label}: {s['listed']} listed, {s['found']} found, {s['size_agrees']} size agrees, "
                           f"{s['size_differs']} size differs, {s['not_found']} not found, "
                           f"{s['stack_check_disagreements']} stack-check disagreements")
        if problems:
            failed += 1
            print(f"FAIL {label}")
            for p in problems[:20]:
                print(f"  {p}")
        else:
            passed += 1
            print(f"PASS {label}")

    # Garbage: exit 1, a message, no crash.
    junk = os.path.join(args.scratch, "junk.txt")
    with open(junk, "wb") as f:
        f.write(bytes((i * 7919) & 0xFF for i in range(200000)))
    r = subprocess.run([args.exray, "go", ref_bin, "--listing", junk], capture_output=True, text=True, timeout=60)
    if r.returncode == 1 and "not a Go assembly listing" in r.stderr:
        passed += 1
        print("PASS garbage listing")
    else:
        failed += 1
        print(f"FAIL garbage listing: exit {r.returncode}, {r.stderr.strip()[:300]}")

    # Another program: `go tool nm` is a Go binary with its own main.main.
    other = subprocess.run([go, "tool", "-n", "nm"], capture_output=True, text=True).stdout.strip()
    if other and os.path.exists(other):
        try:
            doc = exray_json(args.exray, other, builds["default"][1])
            s = doc["summary"]
            # Compiler-generated functions (type:.eq.*, from the standard
            # library's types) are the same code in any program that needs
            # them (go1.24's nm shares type:.eq.sync/atomic.Pointer[os.dirInfo]
            # with the fixture): only the fixture's own may not agree.
            agreeing = [f["name"] for f in doc["functions"] if f["found"] and f["binary"]["size_agrees"]
                        and not f["name"].startswith(("type:", "type."))]
            if s["found"] < s["listed"] and not agreeing:
                passed += 1
                print(f"PASS other program: {s['found']} of {s['listed']} names found, none of the fixture's own "
                      "agrees in size")
            else:
                failed += 1
                print(f"FAIL other program: {s}, sizes agreeing: {agreeing}")
        except (RuntimeError, ValueError, subprocess.TimeoutExpired) as e:
            failed += 1
            print(f"FAIL other program: {e}")
    for fig in figures:
        print(fig)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
