#!/usr/bin/env python3
"""Checks exray's pclntab Lookup against a Go program's own symbolization.

Usage: traceback_check.py --dump PCLNTAB_DUMP --scratch DIR
           [--npm PKG@VER:BIN:ARGS]... | [--go-fixture SRC_DIR]

A Go program that gets SIGQUIT with GOTRACEBACK=system prints every
goroutine's frames: the function, file:line and pc of each physical frame,
preceded by the frames inlined at that pc. For every physical frame, exray's
Lookup(pc - 1) (the call instruction; the runtime does the same) must give the
same function and the entry pc - "+0x" offset, and its Frames(pc - 1) the same
list of functions with file:line as the runtime printed, inlined frames first;
the frame the signal interrupted (pc equal to the "PC=" the runtime prints
first) is looked up at pc itself. This reaches Go releases Debian's Go 1.19
debug/gosym cannot read (1.20+ pclntabs, Go 1.26's textStart of 0), and
inlined frames, which gosym does not decode at all.

The binaries come from the npm registry, pinned (when npm or the install
fails the test is skipped, exit 77), or with --go-fixture from a program built
here with the local Go, as is and with -ldflags=-s -w (skipped without Go).
Last line: "N passed, N failed".
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
    """Yields (physical function, offset, pc, [(function, file:line)...]) per
    physical frame, the list innermost first and ending with the physical frame."""
    group = []  # the frames at this pc so far: inlined ones, then the physical one
    lines = trace.splitlines()
    for i in range(len(lines) - 1):
        m = FUNC_RE.match(lines[i])
        loc = LOC_RE.match(lines[i + 1])
        if not m or not loc:
            continue
        name = m.group(1)
        if name.startswith("created by "):
            continue
        group.append((name, f"{loc.group(1)}:{loc.group(2)}"))
        if loc.group(4):  # a physical frame ends the group
            yield name, int(loc.group(3), 16), int(loc.group(4), 16), group
            group = []


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
        return 0, 0, [f"{binary}: no frames in the traceback: {trace[:300]!r}"]
    # A PIE runs at a random base: the bias is where the runtime saw a
    # function's entry minus where the file puts it.
    bias = 0
    with open(binary, "rb") as f:
        ident = f.read(18)
    if ident[16] == 3:  # e_type ET_DYN (low byte; little-endian fixtures only)
        listing = subprocess.run([dump, binary], capture_output=True, text=True, timeout=TIMEOUT).stdout
        entries = {l.split("\t")[0]: int(l.split("\t")[1], 16) for l in listing.splitlines() if "\t" in l}
        name, off, pc, _ = fs[-1]
        if name not in entries:
            return 0, 0, [f"{binary}: PIE, and {name} is not in the listing to find the load bias"]
        bias = pc - off - entries[name]
    fs = [(name, off, pc - bias, group) for name, off, pc, group in fs]
    if trap_pc is not None:
        trap_pc -= bias
    cmd = [dump]
    for _, _, pc, _ in fs:
        cmd += ["--at", hex(pc if pc == trap_pc else pc - 1)]
    r = subprocess.run(cmd + [binary], capture_output=True, text=True, timeout=TIMEOUT)
    if r.returncode != 0:
        return 0, 0, [f"{binary}: pclntab_dump failed: {r.stderr.strip()}"]
    got = r.stdout.splitlines()
    problems = []
    inlined = 0
    for (name, off, pc, group), line in zip(fs, got):
        _, gname, gentry, gpos, gframes = (line.split("\t") + ["", "", "", ""])[:5]
        want_entry = hex(pc - off)
        if (gname, gentry, gpos) != (name, want_entry, group[0][1]):
            problems.append(f"pc {hex(pc)}: exray {gname} {gentry} {gpos} != runtime {name} {want_entry} {group[0][1]}")
        # The runtime prints arguments of inlined frames as "(...)"; names match as they are.
        want = "|".join(f"{n}@{p}" for n, p in group)
        if gframes != want:
            problems.append(f"pc {hex(pc)}: exray frames {gframes} != runtime {want}")
        inlined += len(group) - 1
    if len(got) != len(fs):
        problems.append(f"{len(got)} lookups for {len(fs)} frames")
    return len(fs), inlined, problems


def npm_binaries(specs, scratch):
    """Installs the pinned packages; [(label, binary, args)], or None to skip."""
    npm = shutil.which("npm")
    if not npm:
        print("SKIP: no npm")
        return None
    prefix = os.path.join(scratch, "npm")
    os.makedirs(prefix, exist_ok=True)
    pkgs = [s.split(":")[0] for s in specs]
    r = subprocess.run([npm, "install", "--prefix", prefix, "--no-save", "--force", "--no-audit", "--no-fund", *pkgs],
                       capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        print(f"SKIP: npm install failed: {r.stderr.strip()[-500:]}")
        return None
    out = []
    for spec in specs:
        pkg, path, argstr = spec.split(":", 2)
        name = pkg.rsplit("@", 1)[0]
        out.append((pkg, os.path.join(prefix, "node_modules", name, path), argstr.split()))
    return out


def fixture_binaries(src, scratch):
    """Builds the fixture offline with the local Go; [(label, binary, args)], or None to skip."""
    go = shutil.which("go")
    if not go:
        print("SKIP: no go")
        return None
    env = dict(os.environ, GOPROXY="off", GOFLAGS="-mod=mod", GOTOOLCHAIN="local", CGO_ENABLED="0",
               GOCACHE=os.path.join(scratch, "gocache"), GOPATH=os.path.join(scratch, "gopath"))
    out = []
    for label, flags in (("default", []), ("-s -w", ["-ldflags=-s -w"]), ("pie", ["-buildmode=pie"])):
        binary = os.path.join(scratch, "fixture-" + label.replace(" ", "").replace("-", ""))
        r = subprocess.run([go, "build", "-o", binary, *flags, "."], cwd=src, env=env, capture_output=True,
                           text=True, timeout=600)
        if r.returncode != 0:
            print(f"FAIL build {label}: {r.stderr.strip()[-500:]}")
            return []
        out.append((f"{os.path.basename(src)} ({label})", binary, []))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dump", required=True)
    ap.add_argument("--scratch", required=True)
    ap.add_argument("--npm", action="append", help="PKG@VER:PATH_IN_PKG:ARGS")
    ap.add_argument("--go-fixture", help="a Go main package to build here and check")
    args = ap.parse_args()
    os.makedirs(args.scratch, exist_ok=True)
    if args.go_fixture:
        binaries = fixture_binaries(args.go_fixture, args.scratch)
    else:
        binaries = npm_binaries(args.npm or DEFAULT_NPM, args.scratch)
    if binaries is None:
        return SKIP
    passed = failed = total = total_inlined = 0
    if not binaries:
        failed += 1
    for label, binary, argv in binaries:
        n, inlined, problems = check(args.dump, binary, argv)
        total += n
        total_inlined += inlined
        if problems:
            failed += 1
            print(f"FAIL {label}: {n} frames, {inlined} inlined")
            for p in problems[:10]:
                print(f"  {p}")
        else:
            passed += 1
            print(f"PASS {label}: {n} frames, {inlined} inlined")
    print(f"{total} frames checked, {total_inlined} inlined frames among them")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
