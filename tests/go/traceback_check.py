#!/usr/bin/env python3
"""Checks exray's pclntab Lookup against a Go program's own symbolization.

Usage: traceback_check.py --dump PCLNTAB_DUMP --scratch DIR [--npm PKG@VER:BIN:ARGS]...

A Go program that gets SIGQUIT with GOTRACEBACK=system prints every
goroutine's frames: the function, file:line and pc of each physical frame,
preceded by the frames inlined at that pc. For every physical frame, exray's
Lookup(pc - 1) (the call instruction; the runtime does the same) must give the
same function, the entry pc - "+0x" offset, and the file:line the runtime
printed for the innermost frame at that pc; the frame the signal interrupted
(pc equal to the "PC=" the runtime prints first) is looked up at pc itself. This reaches Go releases Debian's
Go 1.19 debug/gosym cannot read (1.20+ pclntabs, Go 1.26's textStart of 0).
The binaries come from the npm registry, pinned; when npm or the install
fails the test is skipped (exit 77). Last line: "N passed, N failed".
"""

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import time

# Programs that block reading stdin, so they are alive when SIGQUIT comes.
DEFAULT_NPM = [
    "@esbuild/linux-x64@0.28.2:bin/esbuild:",  # Go 1.26
    "@bufbuild/buf-linux-x64@1.75.0:bin/buf:lsp serve",  # Go 1.27
]
STARTUP_SECONDS = (1.5, 4, 10)  # waits before SIGQUIT, retried while no frames come back
TIMEOUT = 60
SKIP = 77

FUNC_RE = re.compile(r"^(\S.*)\((.*)\)$")
LOC_RE = re.compile(r"^\t(.+):(\d+)(?: \+0x([0-9a-f]+))?(?: .*pc=0x([0-9a-f]+))?")


def frames(trace):
    """Yields (physical function, offset, pc, innermost file:line) per physical frame."""
    group_first = None  # file:line of the first (innermost) frame at this pc
    lines = trace.splitlines()
    for i in range(len(lines) - 1):
        m = FUNC_RE.match(lines[i])
        loc = LOC_RE.match(lines[i + 1])
        if not m or not loc:
            continue
        name = m.group(1)
        if name.startswith("created by "):
            continue
        if group_first is None:
            group_first = f"{loc.group(1)}:{loc.group(2)}"
        if loc.group(4):  # a physical frame ends the group
            yield name, int(loc.group(3), 16), int(loc.group(4), 16), group_first
            group_first = None


def traceback(binary, args, wait):
    env = dict(os.environ, GOTRACEBACK="system")
    p = subprocess.Popen([binary, *args], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, env=env, text=True)
    time.sleep(wait)
    p.send_signal(signal.SIGQUIT)
    try:
        _, err = p.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        p.kill()
        _, err = p.communicate()
    return err


def check(dump, binary, args):
    for wait in STARTUP_SECONDS:
        trace = traceback(binary, args, wait)
        if "pc=0x" in trace:
            break
    m = re.search(r"^PC=0x([0-9a-f]+)", trace, re.M)
    trap_pc = int(m.group(1), 16) if m else None
    fs = list(frames(trace))
    if not fs:
        return 0, [f"{binary}: no frames in the traceback: {trace[:300]!r}"]
    cmd = [dump]
    for _, _, pc, _ in fs:
        cmd += ["--at", hex(pc if pc == trap_pc else pc - 1)]
    r = subprocess.run(cmd + [binary], capture_output=True, text=True, timeout=TIMEOUT)
    if r.returncode != 0:
        return 0, [f"{binary}: pclntab_dump failed: {r.stderr.strip()}"]
    got = r.stdout.splitlines()
    problems = []
    for (name, off, pc, pos), line in zip(fs, got):
        _, gname, gentry, gpos = (line.split("\t") + ["", "", ""])[:4]
        want_entry = hex(pc - off)
        if (gname, gentry, gpos) != (name, want_entry, pos):
            problems.append(f"pc {hex(pc)}: exray {gname} {gentry} {gpos} != runtime {name} {want_entry} {pos}")
    if len(got) != len(fs):
        problems.append(f"{len(got)} lookups for {len(fs)} frames")
    return len(fs), problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dump", required=True)
    ap.add_argument("--scratch", required=True)
    ap.add_argument("--npm", action="append", help="PKG@VER:PATH_IN_PKG:ARGS")
    args = ap.parse_args()
    specs = args.npm or DEFAULT_NPM
    npm = shutil.which("npm")
    if not npm:
        print("SKIP: no npm")
        return SKIP
    prefix = os.path.join(args.scratch, "npm")
    os.makedirs(prefix, exist_ok=True)
    pkgs = [s.split(":")[0] for s in specs]
    r = subprocess.run([npm, "install", "--prefix", prefix, "--no-save", "--force", "--no-audit", "--no-fund", *pkgs],
                       capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        print(f"SKIP: npm install failed: {r.stderr.strip()[-500:]}")
        return SKIP
    passed = failed = total = 0
    for spec in specs:
        pkg, path, argstr = spec.split(":", 2)
        name = pkg.rsplit("@", 1)[0]
        binary = os.path.join(prefix, "node_modules", name, path)
        n, problems = check(args.dump, binary, argstr.split())
        total += n
        if problems:
            failed += 1
            print(f"FAIL {pkg}: {n} frames")
            for p in problems[:10]:
                print(f"  {p}")
        else:
            passed += 1
            print(f"PASS {pkg}: {n} frames")
    print(f"{total} frames checked")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
