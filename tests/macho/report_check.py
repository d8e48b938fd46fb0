#!/usr/bin/env python3
"""The main report and `exray go` on Mach-O files, checked against
llvm-readobj-14 and against the Linux builds of the same releases.

- Every Mach-O image of the npm darwin builds readobj_diff.py fetches (each
  slice of a universal file too): `exray FILE --json` names the same needed
  dylibs and the same number of symbol table entries as llvm-readobj-14, and
  the universal file's report carries one document per slice.
- Go: buf 1.75.0's darwin-arm64 build and its linux-x64 build give the same
  build info from `exray go --json` (path, main module, every dependency with
  version and sum, and every build setting but the target's GOOS/GOARCH and
  its per-architecture level); esbuild 0.28.2's darwin-arm64, darwin-x64 and
  linux-x64 builds all say go1.26.5, and `exray go --functions` lists as many
  functions as each pclntab's header declares.
- Every Go build is judged written in Go by gc, native, with no JIT, and
  carrying the Go runtime's collector and scheduler; biome (stripped) in
  Rust, fsevents' bundle in C++.

Usage: report_check.py --exray EXRAY --scratch DIR
Exit 77 (skip) without llvm-readobj-14, or when npm cannot fetch.
"""
import argparse
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys

SKIP = 77
HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("readobj_diff", os.path.join(HERE, "readobj_diff.py"))
readobj_diff = importlib.util.module_from_spec(spec)
spec.loader.exec_module(readobj_diff)

LINUX = [("@bufbuild/buf-linux-x64@1.75.0", ["bin/buf"]), ("@esbuild/linux-x64@0.28.2", ["bin/esbuild"])]
# Settings that name the target, so differ between builds of one release.
TARGET_SETTINGS = {"GOOS", "GOARCH", "GOAMD64", "GOARM64", "GO386", "GOARM"}


def run_json(*args):
    r = subprocess.run(list(args), capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: exit {r.returncode}: {r.stderr[-300:]}")
    return json.loads(r.stdout)


def readobj_counts(path):
    """Per slice: the needed dylibs and the number of symbol entries llvm-readobj-14 prints."""
    out = subprocess.run([readobj_diff.READOBJ, "--needed-libs", "--symbols", path], capture_output=True, text=True,
                         timeout=600)
    if out.returncode != 0:
        raise RuntimeError(f"llvm-readobj-14 failed on {path}: {out.stderr[-300:]}")
    slices, cur, libs = [], None, False
    for line in out.stdout.splitlines():
        s = line.strip()
        if line.startswith("File: "):
            cur = {"needed": [], "symbols": 0}
            slices.append(cur)
        elif cur is None:
            continue
        elif s == "NeededLibraries [":
            libs = True
        elif libs:
            if s == "]":
                libs = False
            else:
                cur["needed"].append(s)
        elif s == "Symbol {":
            cur["symbols"] += 1
    return slices


def fetch_linux(scratch):
    files = {}
    for spec_, inside in LINUX:
        out = os.path.join(scratch, re.sub(r"[@/]", "-", spec_).strip("-"))
        os.makedirs(out, exist_ok=True)
        if not os.path.isdir(os.path.join(out, "package")):
            r = subprocess.run(["npm", "pack", "-q", "--pack-destination", out, spec_], capture_output=True, text=True,
                               timeout=600)
            if r.returncode != 0:
                return None
            tgz = os.path.join(out, r.stdout.strip().splitlines()[-1])
            subprocess.run(["tar", "xzf", tgz, "-C", out], check=True, timeout=300)
        files[spec_] = os.path.join(out, "package", inside[0])
    return files


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--exray", required=True)
    ap.add_argument("--scratch", required=True)
    a = ap.parse_args()
    if not shutil.which(readobj_diff.READOBJ):
        print("skip: llvm-readobj-14 not installed")
        return SKIP
    darwin = readobj_diff.fetch(a.scratch)
    linux = fetch_linux(a.scratch)
    if darwin is None or linux is None:
        print("skip: npm pack failed")
        return SKIP
    fails = []
    reports = {}
    images = 0
    for path in darwin:
        doc = run_json(a.exray, "--json", path)
        docs = [doc] + doc.get("slices", [])
        theirs = readobj_counts(path)
        # llvm-readobj prints slices in file order; the report's first is archs[selected] (0 here).
        if len(docs) != len(theirs):
            fails.append(f"{path}: {len(docs)} reports, llvm-readobj-14 shows {len(theirs)} images")
            continue
        for d, t in zip(docs, theirs):
            images += 1
            m = d.get("macho")
            if d["format"] != "macho" or m is None:
                fails.append(f"{path}: format {d['format']}, no macho object")
                continue
            needed = [x["name"] for x in m["dylibs"]] + ([m["id"]] if m["id"] else [])
            if sorted(needed) != sorted(t["needed"]):
                fails.append(f"{path} ({m['cputype']}): dylibs {needed} != llvm-readobj {t['needed']}")
            if (m["symbols"] or 0) != t["symbols"]:
                fails.append(f"{path} ({m['cputype']}): {m['symbols']} symbols != llvm-readobj {t['symbols']}")
            if d["warnings"]:  # sqip's old Go linker wrote a __DWARF segment of vmsize 0: said, not failed
                print(f"{path} ({m['cputype']}): warnings {d['warnings']}")
        reports[path] = doc
        print(f"{path}: {len(docs)} image(s), {docs[0]['toolchain'] and docs[0]['toolchain']['language']}, "
              f"{docs[0]['execution'] and docs[0]['execution']['model']}")

    def find(part):
        return next(p for p in darwin if part in p)

    # Go: the same build info across operating systems.
    buf_darwin, buf_linux = find("buf-darwin-arm64-1.75.0/package/bin/buf"), linux["@bufbuild/buf-linux-x64@1.75.0"]
    bd, bl = run_json(a.exray, "go", "--json", buf_darwin)["go"], run_json(a.exray, "go", "--json", buf_linux)["go"]
    for key in ("version", "path", "main", "deps"):
        if bd[key] != bl[key]:
            fails.append(f"buf: build info {key} differs between darwin-arm64 and linux-x64")
    sd = {k: v for k, v in bd["settings"].items() if k not in TARGET_SETTINGS}
    sl = {k: v for k, v in bl["settings"].items() if k not in TARGET_SETTINGS}
    if sd != sl:
        fails.append(f"buf: settings differ: {set(sd.items()) ^ set(sl.items())}")
    print(f"buf: {len(bd['deps'])} deps, {len(sd)} settings agree between darwin-arm64 and linux-x64")
    esbuilds = [find("esbuild-darwin-arm64"), find("esbuild-darwin-x64"), linux["@esbuild/linux-x64@0.28.2"]]
    for path in esbuilds:
        g = run_json(a.exray, "go", "--functions", "--json", path)
        if g["pclntab"]["functions"] != len(g["functions"]) or len(g["functions"]) < 5000:
            fails.append(f"{path}: {len(g['functions'])} functions listed, the pclntab declares "
                         f"{g['pclntab']['functions']}")
        rep = reports.get(path) or run_json(a.exray, "--json", path)
        reports[path] = rep
        print(f"{path}: {len(g['functions'])} functions, {rep['go']['version']}")
        if rep["go"]["version"] != "go1.26.5":
            fails.append(f"{path}: Go version {rep['go']['version']}, not go1.26.5")
    # The verdict on every Go build.
    for path in [buf_darwin, buf_linux] + esbuilds + [p for p in darwin if "lefthook" in p or "primitive" in p]:
        rep = reports.get(path) or run_json(a.exray, "--json", path)
        t, x = rep["toolchain"], rep["execution"]
        if not t or t["language"] != "go" or t["compiler"] != "gc":
            fails.append(f"{path}: toolchain {t}")
        if not x or x["model"] != "native" or x["jit"] != "no" or not x["runtime"] or not x["runtime"]["gc"] \
                or not x["runtime"]["scheduler"]:
            fails.append(f"{path}: execution {x}")
    # Rust, stripped: the standard library's /rustc/<commit>/ paths; fsevents: libc++.
    for part, lang in (("biome", "rust"), ("fsevents.node", "c++")):
        rep = reports[find(part)]
        if not rep["toolchain"] or rep["toolchain"]["language"] != lang:
            fails.append(f"{part}: toolchain {rep['toolchain']}, not {lang}")
    for f in fails[:50]:
        print("FAIL", f)
    print(f"{len(darwin)} darwin files, {images} images, {len(fails)} failures")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
