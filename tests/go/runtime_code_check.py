#!/usr/bin/env python3
"""Checks the collector's and the scheduler's code sizes the main report cites
(`exray FILE --json`: execution.runtime.gc_code and scheduler_code) against
Go 1.19's own debug/gosym on the same files.

Usage: runtime_code_check.py --exray EXRAY --scratch DIR

Builds tests/go/gosym_dump (Go's debug/elf and debug/gosym) and the hello
fixture with the local Go, then, for the fixture, gosym_dump itself and every
Go binary Debian ships in /usr/lib/go-1.19/bin, sums what gosym says of the
functions of package runtime whose entry lies in the collector's source files
(runtime/mgc*.go, mbarrier.go, mbitmap.go, mwbbuf.go, mfinal.go) and in the
scheduler's (proc.go, preempt.go): the function count and the bytes from entry
to end must equal exray's exactly. Without go: exit 77. Last line: "N passed,
N failed".
"""

import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from checklib import SKIP, Tally, parse_args  # noqa: E402
from pclntab_diff import go_build, is_elf  # noqa: E402

GC_FILES = ("mbarrier.go", "mbitmap.go", "mwbbuf.go", "mfinal.go")
SCHED_FILES = ("proc.go", "preempt.go")

check = Tally()


def package_of(name):
    """The package of a Go symbol name, as exray's PackageOf: up to the first
    dot after the last slash."""
    slash = name.rfind("/", 0, name.find("(") if "(" in name else len(name))
    dot = name.find(".", slash + 1)
    return name[:dot] if dot > 0 else ""


def reference(gosym, binary):
    out = subprocess.run([gosym, binary], capture_output=True, text=True, check=True, timeout=300).stdout
    gc = [0, 0]
    sched = [0, 0]
    for line in out.splitlines():
        f = line.split("\t")
        if len(f) < 4 or package_of(f[0]) != "runtime":
            continue
        size = max(int(f[2], 16) - int(f[1], 16), 0)
        base = f[3].rsplit(":", 1)[0].rsplit("/", 1)[-1]
        if (base.startswith("mgc") and base.endswith(".go")) or base in GC_FILES:
            gc[0] += 1
            gc[1] += size
        elif base in SCHED_FILES:
            sched[0] += 1
            sched[1] += size
    return gc, sched


def main():
    args = parse_args()
    if args is None:
        return SKIP
    gosym = os.path.join(args.scratch, "gosym_dump")
    hello = os.path.join(args.scratch, "hello")
    go_build("go", args.scratch, os.path.join(HERE, "gosym_dump"), gosym)
    go_build("go", args.scratch, os.path.join(HERE, "testdata", "buildinfo", "hello"), hello, {"CGO_ENABLED": "0"})
    binaries = [hello, gosym]
    d = "/usr/lib/go-1.19/bin"
    if os.path.isdir(d):
        binaries += [os.path.join(d, n) for n in sorted(os.listdir(d)) if is_elf(os.path.join(d, n))]
    for b in binaries:
        r = subprocess.run([args.exray, b, "--json"], capture_output=True, text=True, timeout=300)
        if r.returncode != 0:
            check(False, f"{b}: exit {r.returncode}: {r.stderr.strip()}")
            continue
        rt = json.loads(r.stdout)["execution"]["runtime"]
        gc, sched = reference(gosym, b)
        got_gc = [rt["gc_code"]["functions"], rt["gc_code"]["bytes"]]
        got_sched = [rt["scheduler_code"]["functions"], rt["scheduler_code"]["bytes"]]
        check(gc[0] > 50 and sched[0] > 50, f"{b}: too few functions by gosym: {gc} {sched}")
        check(got_gc == gc, f"{b}: collector {got_gc} != gosym {gc}")
        check(got_sched == sched, f"{b}: scheduler {got_sched} != gosym {sched}")
        print(f"{os.path.basename(b)}: collector {gc[0]} functions {gc[1]} bytes, scheduler {sched[0]} functions "
              f"{sched[1]} bytes")
    print(check.summary())
    return check.status()


if __name__ == "__main__":
    sys.exit(main())
