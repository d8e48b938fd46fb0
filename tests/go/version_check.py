#!/usr/bin/env python3
"""Checks the Go version readers (FindRuntimeVersion, DetectGccgo) on real binaries.

Usage: version_check.py --dump GO_VERSION_DUMP --scratch DIR [--npm]

Without --npm, on binaries built at test time in DIR (offline: GOPROXY=off,
GOFLAGS=-mod=mod, GOTOOLCHAIN=local, an own GOCACHE) and on Debian's own:
- Go 1.19 (Debian's go and tools, tests/go/testdata/pclnfix built default,
  -ldflags='-s -w', -buildmode=pie, GOARCH=386, GOARCH=arm64, and
  tests/go/testdata/pclncgo built cgo PIE, also with -s -w): the runtime
  version exray finds, strong and consistent with the layout, equals what
  `go version FILE` prints; with --no-symbols too (the string-header scan);
  and copies of the PIE and 386 fixtures with the runtime.buildVersion pointer
  zeroed (as a relocation-only PIE has it) fall back to the string scan;
- gccgo (dynamic, -static-libgo, -static, each also with -s): recognised as
  gccgo, with the GCC version `gccgo -dumpfullversion` prints and the Go
  release of its libgo;
- not gccgo: /usr/bin/ls, gcc-built C programs (plain, one quoting gccgo's
  names and version string, one defining one gccgo symbol), Go gc binaries
  (one built with cgo, which carries a GCC .comment).
With --npm, on binaries from the npm registry (pinned): esbuild 0.28.2 for five
Linux arches (Go 1.26, no build info) must give go1.26.5, strong and
consistent with a Go 1.26+ layout; buf 1.75.0 (Go 1.27) must agree with its
own build info. Exit 77 (skip) when npm or the install fails.
Parts whose toolchain is missing are skipped. Last line: "N passed, N failed".
"""

import argparse
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
GO_ROOT_BINS = ["/usr/lib/go-1.19/bin", "/usr/lib/go-1.19/pkg/tool/linux_amd64"]
BUILD_TIMEOUT = 600
RUN_TIMEOUT = 120
SKIP = 77

GO_FIXTURES = [  # name, extra environment, go build flags
    ("default", {}, []),
    ("stripped", {}, ["-ldflags=-s -w"]),
    ("pie", {}, ["-buildmode=pie"]),
    ("386", {"GOARCH": "386"}, []),
    ("arm64", {"GOARCH": "arm64"}, []),
]
CGO_FIXTURES = [  # external linking through gcc
    ("cgo-pie", {"CGO_ENABLED": "1"}, ["-buildmode=pie"]),
    ("cgo-pie-stripped", {"CGO_ENABLED": "1"}, ["-buildmode=pie", "-ldflags=-s -w"]),
]
GCCGO_FIXTURES = [  # name, gccgo flags
    ("dynamic", []),
    ("dynamic-s", ["-s"]),
    ("static-libgo", ["-static-libgo"]),
    ("static-libgo-s", ["-static-libgo", "-s"]),
    ("static", ["-static"]),
    ("static-s", ["-static", "-s"]),
]
# GCC major -> the Go release its libgo implements (docs/go-version.md).
GCC_GO = {5: "go1.4", 6: "go1.6", 7: "go1.8", 8: "go1.10", 9: "go1.12", 10: "go1.14", 11: "go1.16",
          12: "go1.18", 13: "go1.18", 14: "go1.18", 15: "go1.18"}

GCCGO_SRC = """package main

import (
\t"fmt"
\t"os"
\t"runtime"
)

func main() {
\tfmt.Println("hello", runtime.Compiler, len(os.Args))
}
"""
C_SOURCES = {
    "c-plain": '#include <stdio.h>\nint main(void) { puts("hello"); return 0; }\n',
    # Quotes gccgo's symbol names, soname and runtime version as strings only.
    "c-lookalike": '#include <stdio.h>\n'
                   'static const char *marks[] = {"__go_init_main", "main..import", "libgo.so.21",\n'
                   '  "go1.18 gccgo (Debian 12.2.0-14) 12.2.0", ".go_export"};\n'
                   'int main(int argc, char **argv) { (void)argv; puts(marks[argc % 5]); return 0; }\n',
    # Defines one gccgo-only symbol name of its own.
    "c-onesym": '#include <stdio.h>\nvoid __go_init_main(void) { puts("not go"); }\n'
                'int main(void) { __go_init_main(); return 0; }\n',
}
NPM_ESBUILD = ["x64", "arm64", "ia32", "s390x", "riscv64"]
ESBUILD_VERSION = "0.28.2"
ESBUILD_GO = "go1.26.5"
BUF = "@bufbuild/buf-linux-x64@1.75.0"


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=RUN_TIMEOUT, **kw)


def dump(tool, path, *flags):
    """The dump's lines as {key: [fields...]} (first occurrence) plus the raw lines."""
    r = run([tool, *flags, path])
    if r.returncode != 0:
        raise RuntimeError(f"go_version_dump {' '.join(flags)} {path} failed: {r.stderr.strip()}")
    facts, lines = {}, []
    for line in r.stdout.splitlines():
        fields = line.split("\t")
        lines.append(fields)
        facts.setdefault(fields[0], fields[1:])
    return facts, lines


class Checker:
    def __init__(self, tool):
        self.tool = tool
        self.passed = 0
        self.failed = 0

    def result(self, label, problems):
        if problems:
            self.failed += 1
            print(f"FAIL {label}: " + "; ".join(problems))
        else:
            self.passed += 1
            print(f"ok   {label}")

    def version(self, path, want, flags=(), want_layout=None, label=None):
        label = label or path + (f" ({' '.join(flags)})" if flags else "")
        try:
            facts, lines = dump(self.tool, path, *flags)
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            return self.result(label, [str(e)])
        problems = []
        v = facts.get("version")
        if not v:
            problems.append(f"no runtime version found (want {want})")
        else:
            version, source, strong, _, _, consistent = v[:6]
            if version != want:
                problems.append(f"version {version!r} != {want!r}")
            if strong != "1":
                problems.append(f"found by {source}, not a strong source")
            if consistent != "1":
                problems.append("inconsistent with the layout: " +
                                "; ".join(l[2] for l in lines if l[0] == "check" and l[1] == "0"))
        if want_layout and facts.get("layout", [""])[0] != want_layout:
            problems.append(f"layout {facts.get('layout')} != {want_layout!r}")
        if "buildinfo" in facts and facts["buildinfo"][0] != want:
            problems.append(f"build info says {facts['buildinfo'][0]}")
        warnings = [l[1] for l in lines if l[0] == "warning"]
        if warnings:
            problems.append("warnings: " + "; ".join(warnings[:3]))
        if facts.get("gccgo", ["?"])[0] != "0":
            problems.append("taken for gccgo")
        self.result(f"{label}: {want}", problems)

    def gccgo(self, path, gcc_version, go_version):
        try:
            facts, lines = dump(self.tool, path)
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            return self.result(path, [str(e)])
        problems = []
        if facts.get("gccgo", ["?"])[0] != "1":
            problems.append("not recognised as gccgo")
        else:
            if facts.get("gcc_version", ["-"])[0] != gcc_version:
                problems.append(f"GCC {facts.get('gcc_version')} != {gcc_version}")
            if facts.get("gccgo_go", ["-"])[0] != go_version:
                problems.append(f"Go {facts.get('gccgo_go')} != {go_version}")
            if not any(l[0] == "evidence" and l[2] == "1" for l in lines):
                problems.append("no decisive evidence listed")
        self.result(f"{path}: gccgo, GCC {gcc_version}, {go_version}", problems)

    def not_gccgo(self, path):
        try:
            facts, _ = dump(self.tool, path)
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            return self.result(path, [str(e)])
        self.result(f"{path}: not gccgo", [] if facts.get("gccgo", ["?"])[0] == "0" else ["taken for gccgo"])


def go_env(scratch):
    env = dict(os.environ)
    env.update(GOFLAGS="-mod=mod", GOPROXY="off", GOCACHE=os.path.join(scratch, "gocache"),
               GOPATH=os.path.join(scratch, "gopath"), CGO_ENABLED="0", GOTOOLCHAIN="local")
    return env


def go_version_of(go, path):
    r = run([go, "version", path])
    m = re.match(r"^.*: (\S+)$", r.stdout.strip())
    return m.group(1) if r.returncode == 0 and m else None


def check_go(c, scratch):
    go = shutil.which("go")
    if not go:
        print("SKIP Go 1.19: no go")
        return None
    binaries = []
    for d in GO_ROOT_BINS:
        if os.path.isdir(d):
            binaries += sorted(os.path.join(d, n) for n in os.listdir(d))
    out_dir = os.path.join(scratch, "go")
    os.makedirs(out_dir, exist_ok=True)
    builds = [(name, "pclnfix", env, flags) for name, env, flags in GO_FIXTURES]
    if shutil.which("gcc") or shutil.which("cc"):
        builds += [(name, "pclncgo", env, flags) for name, env, flags in CGO_FIXTURES]
    else:
        print("SKIP cgo fixtures: no C compiler")
    fixtures = []
    for name, folder, env, flags in builds:
        src = os.path.join(HERE, "testdata", folder)
        out = os.path.join(out_dir, name)
        e = go_env(scratch)
        e.update(env)
        r = subprocess.run([go, "build", "-o", out, *flags, "."], cwd=src, env=e, capture_output=True, text=True,
                           timeout=BUILD_TIMEOUT)
        if r.returncode != 0:
            c.result(f"go build {name}", [r.stderr.strip()[-500:]])
            continue
        fixtures.append(out)
    for path in binaries + fixtures:
        want = go_version_of(go, path)
        if not want:
            continue  # not a Go binary (a script)
        c.version(path, want)
    for path in fixtures:
        c.version(path, go_version_of(go, path), flags=["--no-symbols"])
    for path in fixtures:
        if os.path.basename(path) in ("pie", "386"):
            check_zeroed_pointer(c, path)
    return fixtures


def vaddr_to_offset(path, vaddr):
    r = run(["readelf", "-lW", path])
    for line in r.stdout.splitlines():
        p = line.split()
        if p and p[0] == "LOAD":
            off, va, filesz = int(p[1], 16), int(p[2], 16), int(p[4], 16)
            if va <= vaddr < va + filesz:
                return off + vaddr - va
    return None


def check_zeroed_pointer(c, path):
    """A PIE whose runtime.buildVersion pointer is 0 on disk (as when only a
    dynamic relocation fills it in): a copy with the pointer zeroed must fall
    back to the string scan, say so, and still find the version."""
    label = f"{path} with the buildVersion pointer zeroed"
    try:
        facts, _ = dump(c.tool, path)
        v = facts.get("version")
        if not v or v[4] == "-":
            return c.result(label, ["no string header found in the original"])
        want, header = v[0], int(v[4], 16)
        off = vaddr_to_offset(path, header)
        if off is None:
            return c.result(label, [f"header {v[4]} not in a PT_LOAD"])
        ptr_size = 8 if open(path, "rb").read(5)[4] == 2 else 4
        data = bytearray(open(path, "rb").read())
        data[off:off + ptr_size] = bytes(ptr_size)
        patched = path + "-zeroed"
        with open(patched, "wb") as f:
            f.write(data)
        for flags, note in (([], "pointer 0 on disk"), (["--no-symbols"], "no string header")):
            facts, lines = dump(c.tool, patched, *flags)
            got = facts.get("version")
            problems = []
            if not got or got[0] != want or got[1] != "string scan":
                problems.append(f"got {got}, want {want} by the string scan")
            if not any(l[0] == "note" and note in l[1] for l in lines):
                problems.append(f"no note saying {note!r}")
            c.result(f"{label} {' '.join(flags)}".strip(), problems)
    except (RuntimeError, subprocess.TimeoutExpired, OSError) as e:
        c.result(label, [str(e)])


def check_gccgo(c, scratch):
    gccgo = shutil.which("gccgo")
    if not gccgo:
        print("SKIP gccgo: no gccgo")
        return
    r = run([gccgo, "-dumpfullversion"])
    gcc_version = r.stdout.strip()
    major = int(gcc_version.split(".")[0]) if gcc_version[:1].isdigit() else 0
    want_go = GCC_GO.get(major)
    d = os.path.join(scratch, "gccgo")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "hello.go"), "w") as f:
        f.write(GCCGO_SRC)
    for name, flags in GCCGO_FIXTURES:
        out = os.path.join(d, name)
        r = subprocess.run([gccgo, *flags, "-o", out, "hello.go"], cwd=d, capture_output=True, text=True,
                           timeout=BUILD_TIMEOUT)
        if r.returncode != 0:
            if "-static" in flags:
                print(f"SKIP gccgo {name}: {r.stderr.strip()[-200:]}")
                continue
            c.result(f"gccgo {name}", [r.stderr.strip()[-500:]])
            continue
        c.gccgo(out, gcc_version, want_go)


def check_not_gccgo(c, scratch, go_fixtures):
    if os.path.exists("/usr/bin/ls"):
        c.not_gccgo("/usr/bin/ls")
    cc = shutil.which("gcc") or shutil.which("cc")
    if not cc:
        print("SKIP C fixtures: no C compiler")
    else:
        d = os.path.join(scratch, "c")
        os.makedirs(d, exist_ok=True)
        for name, text in C_SOURCES.items():
            src = os.path.join(d, name + ".c")
            with open(src, "w") as f:
                f.write(text)
            out = os.path.join(d, name)
            r = subprocess.run([cc, "-O1", "-o", out, src], capture_output=True, text=True, timeout=BUILD_TIMEOUT)
            if r.returncode != 0:
                c.result(f"cc {name}", [r.stderr.strip()[-500:]])
                continue
            c.not_gccgo(out)
    for path in go_fixtures or []:
        c.not_gccgo(path)


def check_npm(c, scratch):
    npm = shutil.which("npm")
    if not npm:
        print("SKIP: no npm")
        return False
    prefix = os.path.join(scratch, "npm")
    pkgs = [f"@esbuild/linux-{a}@{ESBUILD_VERSION}" for a in NPM_ESBUILD] + [BUF]
    try:
        r = subprocess.run([npm, "install", "--prefix", prefix, "--no-save", "--force", "--no-audit", "--no-fund",
                            *pkgs], capture_output=True, text=True, timeout=BUILD_TIMEOUT)
    except subprocess.TimeoutExpired:
        print("SKIP: npm install timed out")
        return False
    if r.returncode != 0:
        print(f"SKIP: npm install failed: {r.stderr.strip()[-500:]}")
        return False
    mods = os.path.join(prefix, "node_modules")
    for a in NPM_ESBUILD:
        c.version(os.path.join(mods, "@esbuild", f"linux-{a}", "bin", "esbuild"), ESBUILD_GO, want_layout="Go 1.26+",
                  label=f"esbuild {ESBUILD_VERSION} linux-{a}")
    buf = os.path.join(mods, "@bufbuild", "buf-linux-x64", "bin", "buf")
    try:
        facts, _ = dump(c.tool, buf)
        want = facts.get("buildinfo", ["(no build info)"])[0]
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        c.result("buf", [str(e)])
        return True
    c.version(buf, want, want_layout="Go 1.27+", label="buf 1.75.0")
    c.version(buf, want, flags=["--no-symbols"], want_layout="Go 1.27+", label="buf 1.75.0 (--no-symbols)")
    return True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dump", required=True)
    ap.add_argument("--scratch", required=True)
    ap.add_argument("--npm", action="store_true")
    args = ap.parse_args()
    args.scratch = os.path.abspath(args.scratch)  # go and gccgo run in other folders
    os.makedirs(args.scratch, exist_ok=True)
    c = Checker(args.dump)
    if args.npm:
        if not check_npm(c, args.scratch):
            print("0 passed, 0 failed")
            return SKIP
    else:
        fixtures = check_go(c, args.scratch)
        check_gccgo(c, args.scratch)
        check_not_gccgo(c, args.scratch, [f for f in fixtures or [] if os.path.basename(f) in ("default", "cgo-pie")])
    print(f"{c.passed} passed, {c.failed} failed")
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
