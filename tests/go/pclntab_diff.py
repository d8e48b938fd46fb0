#!/usr/bin/env python3
"""Differential test of exray's Go pclntab reader against Go 1.19's debug/gosym.

Usage: pclntab_diff.py --dump PCLNTAB_DUMP --scratch DIR [--go GO] [-j N]

Builds tests/go/gosym_dump (stdlib only) and a small fixture program with Go
1.19 (default, -ldflags='-s -w', -buildmode=pie, GOARCH=386, GOARCH=arm64),
then, for every fixture and every Go binary Debian ships in
/usr/lib/go-1.19/bin and /usr/lib/go-1.19/pkg/tool/linux_amd64, compares
pclntab_dump's output with gosym_dump's: the same functions, in order, with the
same entry, end, and file:line at the entry, and the same function and
file:line for the pc halfway through each function. Binaries that keep their symbol
tables are compared a second time with --no-symbols, which makes the reader
take the text base from moduledata, and every binary once more with
--no-symbols --no-sections, which makes it find the pclntab by scanning
segments. The last line is "N passed, N failed"; the
exit status is 1 on any failure. Without a Go toolchain the test is skipped.
"""

import argparse
import concurrent.futures
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
GO_ROOT_BINS = ["/usr/lib/go-1.19/bin", "/usr/lib/go-1.19/pkg/tool/linux_amd64"]
BUILD_TIMEOUT = 600  # seconds; a cold cache compiles the standard library per GOARCH
RUN_TIMEOUT = 120
SHOW_MISMATCHES = 5

# name, source folder, extra environment, extra go build flags, reference fixture.
# gosym reads the reference (itself when None): a stripped externally linked
# PIE has no .gopclntab section and no symbols, so gosym reads the same build
# with symbols instead (their allocated bytes are the same).
FIXTURES = [
    ("default", "pclnfix", {}, [], None),
    ("stripped", "pclnfix", {}, ["-ldflags=-s -w"], None),
    ("pie", "pclnfix", {}, ["-buildmode=pie"], None),
    ("386", "pclnfix", {"GOARCH": "386"}, [], None),
    ("arm64", "pclnfix", {"GOARCH": "arm64"}, [], None),
]
# cgo makes the go command link with the system C toolchain (external linking).
CGO_FIXTURES = [
    ("cgo", "pclncgo", {"CGO_ENABLED": "1"}, [], None),
    ("cgo-pie", "pclncgo", {"CGO_ENABLED": "1"}, ["-buildmode=pie"], None),
    ("cgo-pie-stripped", "pclncgo", {"CGO_ENABLED": "1"}, ["-buildmode=pie", "-ldflags=-s -w"], "cgo-pie"),
]


def go_env(scratch):
    env = dict(os.environ)
    env.update(
        GOFLAGS="-mod=mod",
        GOPROXY="off",
        GOCACHE=os.path.join(scratch, "gocache"),
        GOPATH=os.path.join(scratch, "gopath"),
        CGO_ENABLED="0",  # fixtures that need cgo turn it on
        GOTOOLCHAIN="local",
    )
    return env


def go_build(go, scratch, src, out, extra_env=None, flags=()):
    env = go_env(scratch)
    env.update(extra_env or {})
    cmd = [go, "build", "-o", out, *flags, "."]
    r = subprocess.run(cmd, cwd=src, env=env, capture_output=True, text=True, timeout=BUILD_TIMEOUT)
    if r.returncode != 0:
        raise RuntimeError(f"go build {' '.join(flags)} in {src} failed:\n{r.stderr}")


def is_elf(path):
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=RUN_TIMEOUT)
    return r.returncode, r.stdout, r.stderr


def compare(dump, gosym, binary, reference, flags):
    label = binary + (f" ({' '.join(flags)})" if flags else "")
    if reference != binary:
        label += f" [gosym reads {os.path.basename(reference)}]"
    rc, want, err = run([gosym, reference])
    if rc != 0:
        return label, False, 0, [f"gosym_dump failed: {err.strip()}"]
    rc, got, err2 = run([dump, *flags, binary])
    if rc != 0:
        return label, False, 0, [f"pclntab_dump failed: {err2.strip()}"]
    want_lines, got_lines = want.splitlines(), got.splitlines()
    problems = []
    if len(want_lines) != len(got_lines):
        problems.append(f"{len(got_lines)} functions, gosym has {len(want_lines)}")
    for i, (w, g) in enumerate(zip(want_lines, got_lines)):
        if w != g:
            problems.append(f"function {i}: exray {g!r} != gosym {w!r}")
            if len(problems) >= SHOW_MISMATCHES:
                break
    # The reader's warnings are part of the verdict: a clean binary has none.
    warnings = [l for l in err2.splitlines() if l.startswith("warning:")]
    if warnings:
        problems.append("unexpected warnings: " + "; ".join(warnings[:3]))
    return label, not problems, len(want_lines), problems


def has_symtab(path):
    r = subprocess.run(["readelf", "-S", "-W", path], capture_output=True, text=True)
    return r.returncode == 0 and " .symtab " in r.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dump", required=True)
    ap.add_argument("--scratch", required=True)
    ap.add_argument("--go", default="/usr/bin/go")
    ap.add_argument("-j", type=int, default=os.cpu_count() or 2)
    args = ap.parse_args()

    if not shutil.which(args.go):
        print(f"SKIP: no Go toolchain at {args.go}")
        print("0 passed, 0 failed")
        return 0
    os.makedirs(args.scratch, exist_ok=True)
    gosym = os.path.join(args.scratch, "gosym_dump")
    binaries = []  # (binary, the binary gosym reads)
    fixtures = FIXTURES
    if shutil.which("gcc") or shutil.which("cc"):
        fixtures = FIXTURES + CGO_FIXTURES
    else:
        print("SKIP cgo fixtures: no C compiler")
    try:
        go_build(args.go, args.scratch, os.path.join(HERE, "gosym_dump"), gosym)
        for name, src, env, flags, ref in fixtures:
            out = os.path.join(args.scratch, f"fixture-{name}")
            go_build(args.go, args.scratch, os.path.join(HERE, "testdata", src), out, env, flags)
            binaries.append((out, os.path.join(args.scratch, f"fixture-{ref}") if ref else out))
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        print(f"FAIL: {e}")
        print("0 passed, 1 failed")
        return 1
    binaries.append((gosym, gosym))
    for d in GO_ROOT_BINS:
        if os.path.isdir(d):
            for n in sorted(os.listdir(d)):
                p = os.path.join(d, n)
                if os.path.isfile(p) and is_elf(p):
                    binaries.append((p, p))

    jobs = [(b, r, []) for b, r in binaries]
    jobs += [(b, r, ["--no-symbols"]) for b, r in binaries if has_symtab(b)]
    jobs += [(b, r, ["--no-symbols", "--no-sections"]) for b, r in binaries]
    passed = failed = functions = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.j) as ex:
        futs = [ex.submit(compare, args.dump, gosym, b, r, flags) for b, r, flags in jobs]
        for fut in futs:
            label, ok, n, problems = fut.result()
            functions += n
            if ok:
                passed += 1
                print(f"PASS {label}: {n} functions")
            else:
                failed += 1
                print(f"FAIL {label}")
                for p in problems:
                    print(f"  {p}")
    print(f"{len(jobs)} comparisons over {len(binaries)} binaries, {functions} functions")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
