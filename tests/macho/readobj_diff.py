#!/usr/bin/env python3
"""Differential test of exray's Mach-O parser against llvm-readobj-14.

For every Mach-O image (each slice of a universal file too) the header
(cpu type and subtype, file type, load command count and size, flags), every
segment (name, addresses, file range, protections, section count, flags),
every section (names, address, size, offset, alignment, relocations, type
and attributes, reserved words), the needed dylibs and the minimum-version
commands must agree with what llvm-readobj-14 prints for the same file.

Files: Mach-O builds that npm packages carry (fetched with npm pack into
--scratch): esbuild's darwin builds (Go 1.26), buf's (Go 1.27), biome's
(Rust), fsevents' universal bundle (clang, x86_64 and arm64), lefthook's
(Go 1.16) and sqip's primitive (Go 1.10, with the old Go linker's __DWARF
segment), plus any FILE given on the command line.

Usage: readobj_diff.py --dump MACHO_DUMP --scratch DIR [--npm] [FILE...]
Exit 77 (skip) without llvm-readobj-14, or with --npm when npm cannot fetch.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys

SKIP = 77
READOBJ = "llvm-readobj-14"
# package spec, the Mach-O files inside it
NPM = [("@esbuild/darwin-arm64@0.28.2", ["bin/esbuild"]),
       ("@esbuild/darwin-x64@0.28.2", ["bin/esbuild"]),
       ("@bufbuild/buf-darwin-arm64@1.75.0", ["bin/buf", "bin/protoc-gen-buf-lint"]),
       ("@biomejs/cli-darwin-arm64@2.6.9", ["biome"]),
       ("fsevents@2.3.3", ["fsevents.node"]),
       ("@arkweid/lefthook@0.7.7", ["bin/lefthook_darwin_arm64/lefthook", "bin/lefthook_darwin_amd64/lefthook"]),
       ("sqip@0.3.3", ["vendor/primitive-darwin-x64"])]
PROT = {"r": 1, "w": 2, "x": 4}


def num(s):
    return int(s, 0)


def prot(s):
    return sum(PROT[c] for c in s if c in PROT)


def readobj(path):
    """llvm-readobj's view: one dict per slice, in file order."""
    out = subprocess.run([READOBJ, "--file-headers", "--sections", "--macho-segment", "--needed-libs",
                          "--macho-version-min", path], capture_output=True, text=True, timeout=300)
    if out.returncode != 0:
        raise RuntimeError(f"{READOBJ} failed on {path}: {out.stderr[-300:]}")
    slices, cur, block, libs = [], None, None, False
    for line in out.stdout.splitlines():
        s = line.strip()
        if line.startswith("File: "):
            cur = {"header": {}, "sections": [], "segments": [], "needed": [], "min_versions": []}
            slices.append(cur)
            continue
        if cur is None:
            continue
        if s == "NeededLibraries [":
            libs = True
            continue
        if libs:
            if s == "]":
                libs = False
            else:
                cur["needed"].append(s)
            continue
        if s in ("MachHeader {", "Section {", "Segment {", "MinVersion {"):
            block = {}
            kind = s.split()[0]
            if kind == "MachHeader":
                cur["header"] = block
            elif kind == "Section":
                cur["sections"].append(block)
            elif kind == "Segment":
                cur["segments"].append(block)
            else:
                cur["min_versions"].append(block)
            continue
        m = re.match(r"(\w+): (.*)$", s)
        if block is not None and m:
            key, val = m.groups()
            # "Name: __text (5F 5F ...)", "CpuType: X86-64 (0x1000007)", "Flags [ (0x85)"
            block[key] = val
        m = re.match(r"(Flags|Attributes) \[ \((0x[0-9A-Fa-f]+)\)", s)
        if block is not None and m:
            block[m.group(1)] = m.group(2)
    return slices


def paren_hex(v):
    """The number in "Name (0x1F)", or the value itself."""
    m = re.search(r"\((0x[0-9A-Fa-f]+)\)", v)
    return int(m.group(1), 16) if m else num(v)


def compare(name, ours, theirs, fails):
    def check(cond, what):
        if not cond:
            fails.append(f"{name}: {what}")

    check(len(ours) == len(theirs), f"{len(ours)} slices, llvm-readobj {len(theirs)}")
    for i, (o, t) in enumerate(zip(ours, theirs)):
        where = f"slice {i} ({o.get('arch', '?')})"
        if "error" in o:
            check(False, f"{where}: {o['error']}")
            continue
        h = t["header"]
        for ok_key, t_key in (("cputype", "CpuType"), ("cpusubtype", "CpuSubType"), ("filetype", "FileType")):
            check(o[ok_key] == paren_hex(h[t_key]), f"{where}: {ok_key} {o[ok_key]:#x}, llvm-readobj {h[t_key]}")
        check(o["ncmds"] == num(h["NumOfLoadCommands"]), f"{where}: ncmds {o['ncmds']}")
        check(o["sizeofcmds"] == num(h["SizeOfLoadCommands"]), f"{where}: sizeofcmds {o['sizeofcmds']}")
        check(o["flags"] == num(h["Flags"]), f"{where}: flags {o['flags']:#x}, llvm-readobj {h['Flags']}")
        check(len(o["segments"]) == len(t["segments"]),
              f"{where}: {len(o['segments'])} segments, llvm-readobj {len(t['segments'])}")
        for s, ts in zip(o["segments"], t["segments"]):
            want = {"name": ts["Name"], "vmaddr": num(ts["vmaddr"]), "vmsize": num(ts["vmsize"]),
                    "fileoff": num(ts["fileoff"]), "filesize": num(ts["filesize"]), "maxprot": prot(ts["maxprot"]),
                    "initprot": prot(ts["initprot"]), "nsects": num(ts["nsects"]), "flags": num(ts["flags"])}
            got = {k: s[k] for k in want}
            check(got == want, f"{where}: segment {s['name']}: {got} != llvm-readobj {want}")
        check(len(o["sections"]) == len(t["sections"]),
              f"{where}: {len(o['sections'])} sections, llvm-readobj {len(t['sections'])}")
        for s, ts in zip(o["sections"], t["sections"]):
            want = {"name": ts["Name"].split(" (")[0], "segment": ts["Segment"].split(" (")[0],
                    "addr": num(ts["Address"]), "size": num(ts["Size"]), "offset": num(ts["Offset"]),
                    "align": num(ts["Alignment"]), "reloff": num(ts["RelocationOffset"]),
                    "nreloc": num(ts["RelocationCount"]),
                    # llvm-readobj shows the type byte and the attributes above it, shifted down by 8
                    "flags": paren_hex(ts["Type"]) | (num(ts["Attributes"]) << 8),
                    "reserved1": num(ts["Reserved1"]), "reserved2": num(ts["Reserved2"]),
                    "reserved3": num(ts.get("Reserved3", "0"))}
            got = {k: s[k] for k in want}
            check(got == want, f"{where}: section {s['segment']},{s['name']}: {got} != llvm-readobj {want}")
        check(sorted(o["needed"]) == sorted(t["needed"]), f"{where}: needed {o['needed']}, llvm-readobj {t['needed']}")
        want_v = [(v["Cmd"], v.get("Platform", ""), v["Version"], v["SDK"]) for v in t["min_versions"]]
        got_v = [(v["cmd"], v["platform"] if v["cmd"] == "LC_BUILD_VERSION" else "", v["version"], v["sdk"])
                 for v in o["min_versions"]]
        check(got_v == want_v, f"{where}: min versions {got_v}, llvm-readobj {want_v}")


def fetch(scratch):
    files = []
    for spec, inside in NPM:
        out = os.path.join(scratch, re.sub(r"[@/]", "-", spec).strip("-"))
        os.makedirs(out, exist_ok=True)
        if not os.path.isdir(os.path.join(out, "package")):
            r = subprocess.run(["npm", "pack", "-q", "--pack-destination", out, spec], capture_output=True, text=True,
                               timeout=600)
            if r.returncode != 0:
                print("skip: npm pack failed:", r.stderr[-300:])
                return None
            tgz = os.path.join(out, r.stdout.strip().splitlines()[-1])
            subprocess.run(["tar", "xzf", tgz, "-C", out], check=True, timeout=300)
        files += [os.path.join(out, "package", f) for f in inside]
    return files


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dump", required=True)
    ap.add_argument("--scratch", required=True)
    ap.add_argument("--npm", action="store_true")
    ap.add_argument("files", nargs="*")
    a = ap.parse_args()
    if not shutil.which(READOBJ):
        print(f"skip: {READOBJ} not installed")
        return SKIP
    files = list(a.files)
    if a.npm:
        got = fetch(a.scratch)
        if got is None:
            return SKIP
        files += got
    if not files:
        print("skip: no files")
        return SKIP
    fails, slices = [], 0
    for path in files:
        r = subprocess.run([a.dump, path], capture_output=True, text=True, timeout=300)
        if r.returncode != 0:
            fails.append(f"{path}: macho_dump failed: {r.stderr[-300:]}")
            continue
        ours = json.loads(r.stdout)
        theirs = readobj(path)
        compare(os.path.basename(path), ours["slices"], theirs, fails)
        slices += len(ours["slices"])
        notes = ours["warnings"] + [w for s in ours["slices"] for w in s.get("warnings", [])]
        print(f"{path}: {len(ours['slices'])} slice(s), "
              f"{sum(len(s.get('sections', [])) for s in ours['slices'])} sections"
              + (f"; warnings: {notes}" if notes else ""))
    for f in fails[:50]:
        print("FAIL", f)
    print(f"{len(files)} files, {slices} images, {len(fails)} mismatches")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
