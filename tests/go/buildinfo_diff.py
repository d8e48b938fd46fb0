#!/usr/bin/env python3
"""Differential test of `exray go FILE --json` against Go 1.19's `go version -m`.

Inputs: every Go binary in Debian's Go 1.19 tree (bin/ and pkg/tool/linux_amd64)
and fixtures built here from testdata/buildinfo with Go 1.19, offline (amd64,
and cross builds for 386 and arm64). Compares
the Go version, main package path, main module, every dependency (path, version,
sum, replacement) and every build setting. Also checks that non-Go files are
refused with exit 1. Prints "N passed, N failed"; exits 1 on any failure.
Skips (exit 0, reason printed) when /usr/bin/go is missing.
"""
import argparse
import ast
import glob
import json
import os
import shutil
import subprocess
import sys

GO = "/usr/bin/go"
GOROOT_DIRS = ["/usr/lib/go-1.19/bin", "/usr/lib/go-1.19/pkg/tool/linux_amd64"]


def go_unquote(s):
    """strconv.Unquote for the ASCII strings strconv.Quote writes."""
    if s.startswith("`"):
        return s[1:-1].replace("\r", "")
    return ast.literal_eval(s)


def quoted_prefix(s):
    """Length of the Go-quoted string at the start of s."""
    if s[0] == "`":
        return s.index("`", 1) + 1
    i = 1
    while s[i] != '"':
        i += 2 if s[i] == "\\" else 1
    return i + 1


def parse_go_version_m(text):
    """The build info `go version -m` prints, as the JSON shape exray uses."""
    lines = text.rstrip("\n").split("\n")
    head = lines[0]
    info = {"version": head.rsplit(": ", 1)[1], "path": "", "main": None, "deps": [], "settings": []}
    last = None
    for line in lines[1:]:
        if line == "\t":
            continue  # Go 1.19 prints an empty line after each "=>" line
        assert line.startswith("\t"), line
        word, _, rest = line[1:].partition("\t")
        if word == "path":
            info["path"] = rest
        elif word in ("mod", "dep"):
            f = rest.split("\t")
            m = {"path": f[0], "version": f[1], "sum": f[2] if len(f) > 2 else ""}
            if word == "mod":
                info["main"] = m
            else:
                m["replace"] = None
                info["deps"].append(m)
            last = m
        elif word == "=>":
            f = rest.split("\t")
            last["replace"] = {"path": f[0], "version": f[1], "sum": f[2] if len(f) > 2 else ""}
            if last is info["main"]:
                # exray's JSON has no replace for main; the => line is still checked in text.
                pass
        elif word == "build":
            if rest[0] in "\"`":
                n = quoted_prefix(rest)
                key, raw = go_unquote(rest[:n]), rest[n + 1:]
            else:
                key, _, raw = rest.partition("=")
            value = go_unquote(raw) if raw[:1] in ("\"", "`") else raw
            info["settings"].append([key, value])
        else:
            raise ValueError("unexpected line: " + line)
    return info


def compare(exray, path):
    ref = subprocess.run([GO, "version", "-m", path], capture_output=True, text=True)
    got = subprocess.run([exray, "go", path, "--json"], capture_output=True, text=True)
    if ref.returncode != 0 or not ref.stdout.startswith(path + ": go"):
        return "go version -m failed: " + (ref.stderr or ref.stdout).strip()
    if got.returncode != 0:
        return "exray go exited {}: {}".format(got.returncode, got.stderr.strip())
    want = parse_go_version_m(ref.stdout)
    doc = json.loads(got.stdout)
    g = doc["go"]
    have = {"version": g["version"], "path": g["path"], "deps": g["deps"],
            "settings": [[k, v] for k, v in g["settings"].items()]}
    main = want.pop("main")
    if main is not None:
        main.pop("replace", None)
    have_main = g["main"]
    problems = []
    if doc["path"] != path:
        problems.append("path field {!r}".format(doc["path"]))
    if main != have_main:
        problems.append("main: go {} exray {}".format(main, have_main))
    for k in ("version", "path", "deps", "settings"):
        if want[k] != have[k]:
            problems.append("{}: go {} exray {}".format(k, want[k], have[k]))
    if g["compiler"] != "gc":
        problems.append("compiler " + g["compiler"])
    # The text form mirrors `go version -m` line for line, build settings
    # quoted where Go quotes them (a -ldflags value with spaces or quotes).
    text = subprocess.run([exray, "go", path], capture_output=True, text=True).stdout
    ref_lines = [l for l in ref.stdout.split("\n") if l != "\t"]
    got_lines = text.split("\n")
    if ref_lines != got_lines:
        problems.append("text differs:\n" + text)
    return "; ".join(problems)


def build_fixtures(testdata, scratch):
    """Builds the fixtures offline; returns [(name, path)]."""
    env = dict(os.environ)
    env.update(GOPROXY="off", GOFLAGS="-mod=mod", GOTOOLCHAIN="local", GO111MODULE="on",
               GOCACHE=os.path.join(scratch, "gocache"), GOPATH=os.path.join(scratch, "gopath"),
               GOMODCACHE=os.path.join(scratch, "gopath", "pkg", "mod"), CGO_ENABLED="0")
    out = os.path.join(scratch, "bin")
    os.makedirs(out, exist_ok=True)
    builds = [
        ("hello", "hello", [], {}),
        ("hello-s-w", "hello", ["-ldflags=-s -w"], {}),
        ("hello-pie", "hello", ["-buildmode=pie"], {}),
        ("hello-trimpath", "hello", ["-trimpath"], {}),
        # A -ldflags value with spaces and quotes: go version -m prints it as a Go string literal.
        ("hello-ldflags-quoted", "hello", ['-ldflags=-X "main.note=a b" -s'], {}),
        ("cgo", "cgo", [], {"CGO_ENABLED": "1"}),
        ("withdep", "withdep", [], {}),
        ("withdep-trimpath-s-w", "withdep", ["-trimpath", "-ldflags=-s -w"], {}),
        # Cross builds: ELF32 (386) and arm64; build info records GOARCH and, for 386, GO386.
        ("hello-386", "hello", [], {"GOARCH": "386"}),
        ("hello-arm64", "hello", [], {"GOARCH": "arm64"}),
        ("withdep-386", "withdep", [], {"GOARCH": "386"}),
        ("withdep-arm64", "withdep", [], {"GOARCH": "arm64"}),
    ]
    result = []
    for name, src, flags, extra in builds:
        target = os.path.join(out, name)
        e = dict(env, **extra)
        r = subprocess.run([GO, "build", "-o", target] + flags + ["."], cwd=os.path.join(testdata, "buildinfo", src),
                           env=e, capture_output=True, text=True)
        if r.returncode != 0:
            result.append((name, None, r.stderr.strip()))
        else:
            result.append((name, target, ""))
    return result


def npm_main(args):
    """Go binaries from the npm registry (e.g. buf, built by recent Go releases)."""
    npm = shutil.which("npm")
    if not npm:
        print("SKIP: npm is missing")
        return 77
    scratch = os.path.join(os.path.abspath(args.scratch), "npm")
    os.makedirs(scratch, exist_ok=True)
    try:
        r = subprocess.run([npm, "install", "--no-save", "--force", "--ignore-scripts", "--no-audit", "--no-fund",
                            args.npm], cwd=scratch, capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        print("SKIP: npm install {} timed out".format(args.npm))
        return 77
    if r.returncode != 0:
        print("SKIP: npm install {} failed: {}".format(args.npm, r.stderr.strip()[-500:]))
        return 77
    passed = failed = 0
    for p in sorted(glob.glob(os.path.join(scratch, "node_modules", "**", "bin", "*"), recursive=True)):
        if not os.path.isfile(p) or open(p, "rb").read(4) != b"\x7fELF":
            continue
        problem = compare(args.exray, p)
        print(("FAIL {}: {}" if problem else "ok   {}{}").format(p, problem))
        if problem:
            failed += 1
        else:
            passed += 1
    if passed + failed == 0:
        print("FAIL: no ELF binaries in " + args.npm)
        failed = 1
    print("{} passed, {} failed".format(passed, failed))
    return 1 if failed else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--exray", required=True)
    ap.add_argument("--testdata", required=True)
    ap.add_argument("--scratch", required=True)
    ap.add_argument("--npm", metavar="PACKAGE@VERSION",
                    help="compare only the Go binaries of this npm package (installed into the scratch dir "
                         "with --ignore-scripts); exit 77 (skip) when npm or the install fails")
    args = ap.parse_args()
    if not os.path.exists(GO):
        print("SKIP: {} is missing".format(GO))
        return 0
    passed = failed = 0

    def report(name, problem):
        nonlocal passed, failed
        if problem:
            failed += 1
            print("FAIL {}: {}".format(name, problem))
        else:
            passed += 1
            print("ok   {}".format(name))

    if args.npm:
        return npm_main(args)
    files = []
    for d in GOROOT_DIRS:
        files += sorted(p for p in glob.glob(os.path.join(d, "*")) if os.path.isfile(p))
    if not files:
        print("no Go binaries found in " + ", ".join(GOROOT_DIRS))
    for p in files:
        report(p, compare(args.exray, p))
    args.scratch = os.path.abspath(args.scratch)
    os.makedirs(args.scratch, exist_ok=True)
    for name, path, err in build_fixtures(args.testdata, args.scratch):
        report("fixture " + name, compare(args.exray, path) if path else "build failed: " + err)
    # The `=>` line must be there for the replaced dependency.
    wd = os.path.join(args.scratch, "bin", "withdep")
    if os.path.exists(wd):
        g = json.loads(subprocess.run([args.exray, "go", wd, "--json"], capture_output=True, text=True).stdout)["go"]
        rep = [d for d in g["deps"] if d["replace"]]
        report("fixture withdep has a replacement",
               "" if rep and rep[0]["replace"]["path"] == "./greet" else "no ./greet replacement: {}".format(g["deps"]))
    # Files that are not Go binaries: one line on stderr, exit 1.
    for p in ["/usr/bin/ls", "/bin/sh", os.path.abspath(__file__)]:
        if not os.path.exists(p):
            continue
        r = subprocess.run([args.exray, "go", p], capture_output=True, text=True)
        want = ("exray: {}: not a Go binary (no build info or pclntab found)\n".format(p) if open(p, "rb").read(4) == b"\x7fELF"
                else "exray: {}: format not supported yet\n".format(p))
        report("not Go: " + p, "" if r.returncode == 1 and r.stderr == want and not r.stdout
               else "rc {} stderr {!r}".format(r.returncode, r.stderr))
    print("{} passed, {} failed".format(passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
