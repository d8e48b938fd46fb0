#!/usr/bin/env python3
"""Differential test of exray's PE reading against llvm-readobj-14, and of
`exray go` on Windows builds against the linux builds of the same releases.

For every PE file: the COFF header (machine, section count, characteristics,
symbol count), the optional header (image base, entry point RVA, subsystem,
DLL characteristics), every section (name, virtual address and size, raw
offset and size, characteristics), every imported DLL with its functions
(names and ordinals, ordinary and delay-loaded), the export table's counts
and names, the CodeView record (PDB path, GUID, age) and the load
configuration's SecurityCookie and GuardFlags must agree with what
llvm-readobj-14 prints.

Go: buf 1.75.0's win32-x64 build gives the same build info as its linux-x64
build (target settings aside; the Windows build links two modules more, and
every module both link has the same version and sum); esbuild 0.28.2's three Windows builds say
go1.26.5 and list as many functions as their pclntab declares. Every Go build
is judged written in Go, native, with no JIT; biome's (Rust, MSVC) in Rust.

Files: the Windows builds npm packages carry (fetched with npm pack into
--scratch), plus any FILE given.

Usage: readobj_diff.py --exray EXRAY --scratch DIR [--npm] [FILE...]
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
NPM = [("@esbuild/win32-x64@0.28.2", ["esbuild.exe"]),
       ("@esbuild/win32-ia32@0.28.2", ["esbuild.exe"]),
       ("@esbuild/win32-arm64@0.28.2", ["esbuild.exe"]),
       ("@bufbuild/buf-win32-x64@1.75.0", ["bin/buf.exe"]),
       ("@biomejs/cli-win32-x64@2.6.9", ["biome.exe"]),
       ("@arkweid/lefthook@0.7.7", ["bin/lefthook_windows_386/lefthook.exe", "bin/lefthook_windows_amd64/lefthook.exe"]),
       ("@bufbuild/buf-linux-x64@1.75.0", []),
       ("@esbuild/linux-x64@0.28.2", [])]
TARGET_SETTINGS = {"GOOS", "GOARCH", "GOAMD64", "GOARM64", "GO386", "GOARM"}


def fetch(scratch):
    files, dirs = [], {}
    for spec, inside in NPM:
        out = os.path.join(scratch, re.sub(r"[@/]", "-", spec).strip("-"))
        os.makedirs(out, exist_ok=True)
        if not os.path.isdir(os.path.join(out, "package")):
            r = subprocess.run(["npm", "pack", "-q", "--pack-destination", out, spec], capture_output=True, text=True,
                               timeout=600)
            if r.returncode != 0:
                print("skip: npm pack failed:", r.stderr[-300:])
                return None, None
            tgz = os.path.join(out, r.stdout.strip().splitlines()[-1])
            subprocess.run(["tar", "xzf", tgz, "-C", out], check=True, timeout=300)
        dirs[spec] = os.path.join(out, "package")
        files += [os.path.join(out, "package", f) for f in inside]
    return files, dirs


def num(s):
    return int(s.split()[0], 0)


def readobj(path):
    """llvm-readobj's view of the file."""
    out = subprocess.run([READOBJ, "--file-headers", "--sections", "--coff-imports", "--coff-exports",
                          "--coff-debug-directory", "--coff-load-config", path],
                         capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise RuntimeError(f"{READOBJ} failed on {path}: {out.stderr[-300:]}")
    r = {"header": {}, "sections": [], "imports": [], "exports": [], "pdb": None, "load_config": {}}
    stack, cur = [], None
    for line in out.stdout.splitlines():
        s = line.strip()
        m = re.match(r"(\w+) \[ \((0x[0-9A-Fa-f]+)\)$", s)
        if m:  # a flags list: its value is the number in parentheses
            key = m.group(1)
            if key == "Characteristics" and stack and stack[-1] == "ImageOptionalHeader":
                key = "DLLCharacteristics"
            if cur is not None:
                cur.setdefault(key, m.group(2))
            stack.append("[")
            continue
        if s.endswith("{"):
            name = s[:-1].strip()
            stack.append(name)
            if name == "Section":
                cur = {}
                r["sections"].append(cur)
            elif name in ("Import", "DelayImport"):
                cur = {"delay": name == "DelayImport", "functions": []}
                r["imports"].append(cur)
            elif name == "Export":
                cur = {}
                r["exports"].append(cur)
            elif name == "PDBInfo":
                r["pdb"] = cur = {}
            elif name in ("ImageFileHeader", "ImageOptionalHeader"):
                cur = r["header"]
            elif name == "LoadConfig":
                cur = r["load_config"]
            continue
        if s == "}" or s == "]":
            if stack:
                stack.pop()
            continue
        if ":" not in s or cur is None:
            continue
        k, v = s.split(":", 1)
        v = v.strip()
        if stack and stack[-1] in ("Import", "DelayImport") and k == "Symbol":
            cur["functions"].append(v)
        elif stack and stack[-1] == "[":
            continue
        else:
            cur.setdefault(k, v)
    return r


def compare(path, doc, t, fails):
    p = doc["pe"]
    name = os.path.basename(path)

    def check(cond, what):
        if not cond:
            fails.append(f"{name}: {what}")

    h = t["header"]
    check(p["machine"] == h["Machine"].split()[0], f"machine {p['machine']} != {h['Machine']}")
    check(len(p["sections"]) == num(h["SectionCount"]), f"{len(p['sections'])} sections != {h['SectionCount']}")
    check(p["characteristics"] == num(h["Characteristics"]), "characteristics")
    check(p["symbols"] == num(h["SymbolCount"]), f"symbols {p['symbols']} != {h['SymbolCount']}")
    check(p["image_base"] == num(h["ImageBase"]), "image base")
    check(p["entry_rva"] == num(h["AddressOfEntryPoint"]), "entry point")
    check(p["dll_characteristics"] == num(h["DLLCharacteristics"]), "DLL characteristics")
    for ours, theirs in zip(p["sections"], t["sections"]):
        for a, b in (("virtual_address", "VirtualAddress"), ("virtual_size", "VirtualSize"),
                     ("raw_offset", "PointerToRawData"), ("raw_size", "RawDataSize"),
                     ("characteristics", "Characteristics")):
            check(ours[a] == num(theirs[b]), f"section {ours['name']} {a} {ours[a]:#x} != {theirs[b]}")
        check(ours["name"] == theirs["Name"].split(" (")[0], f"section name {ours['name']} != {theirs['Name']}")
    check(len(p["imports"]) == len(t["imports"]), f"{len(p['imports'])} import DLLs != {len(t['imports'])}")
    for ours, theirs in zip(p["imports"], t["imports"]):
        check(ours["dll"] == theirs["Name"] and ours["delay"] == theirs["delay"], f"import {ours['dll']} != {theirs}")
        mine = [f if not f.startswith("#") else f"ordinal {f[1:]}" for f in ours["functions"]]
        them = []
        for s in theirs["functions"]:
            m = re.match(r"(.*) \((\d+)\)$", s)
            them.append(m.group(1) if m and m.group(1) else f"ordinal {m.group(2)}" if m else s)
        check(mine == them, f"{ours['dll']}: {len(mine)} functions != {len(them)} ({mine[:3]} / {them[:3]})")
    if p["exports"]:
        named = [e["Name"] for e in t["exports"] if e.get("Name")]
        check(sorted(p["exports"]["name_list"]) == sorted(named),
              f"{len(p['exports']['name_list'])} exported names != {len(named)}")
    else:
        check(not t["exports"], "exports missing")
    if t["pdb"]:
        g = "".join(t["pdb"]["PDBGUID"].strip("()").split()).lower()
        check(p["pdb"] and p["pdb"]["path"] == t["pdb"]["PDBFileName"] and p["pdb"]["guid"] == g
              and p["pdb"]["age"] == num(t["pdb"]["PDBAge"]), f"pdb {p['pdb']} != {t['pdb']}")
    else:
        check(p["pdb"] is None, "a PDB llvm-readobj does not see")
    lc = t["load_config"]
    if lc.get("GuardFlags"):
        cfg = doc["hardening"]["cfg"]
        check(cfg == bool(num(lc["GuardFlags"]) & 0x100 and p["dll_characteristics"] & 0x4000), "cfg")
    if lc.get("SecurityCookie"):
        check(doc["hardening"]["gs"] == (num(lc["SecurityCookie"]) != 0), "gs")


def run_json(*args):
    r = subprocess.run(list(args), capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: exit {r.returncode}: {r.stderr[-300:]}")
    return json.loads(r.stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--exray", required=True)
    ap.add_argument("--scratch", required=True)
    ap.add_argument("--npm", action="store_true")
    ap.add_argument("files", nargs="*")
    a = ap.parse_args()
    if not shutil.which(READOBJ):
        print(f"skip: {READOBJ} not installed")
        return SKIP
    files, dirs = list(a.files), {}
    if a.npm:
        got, dirs = fetch(a.scratch)
        if got is None:
            return SKIP
        files += got
    if not files:
        print("skip: no files")
        return SKIP
    fails = []
    docs = {}
    for path in files:
        doc = run_json(a.exray, "--json", "--dynamic", path)
        docs[path] = doc
        if doc["format"] != "pe" or "pe" not in doc:
            fails.append(f"{path}: format {doc['format']}")
            continue
        compare(path, doc, readobj(path), fails)
        t = doc["toolchain"] or {}
        print(f"{path}: {len(doc['pe']['sections'])} sections, {len(doc['pe']['imports'])} DLLs, "
              f"{t.get('language')} {t.get('compiler')} {t.get('version')}"
              + (f"; warnings: {doc['warnings']}" if doc["warnings"] else ""))
    if dirs:
        by = {os.path.relpath(p, a.scratch): p for p in files}
        find = lambda part: next(p for k, p in by.items() if part in k)
        buf_win = find("buf-win32-x64")
        buf_linux = os.path.join(dirs["@bufbuild/buf-linux-x64@1.75.0"], "bin", "buf")
        bw, bl = run_json(a.exray, "go", "--json", buf_win)["go"], run_json(a.exray, "go", "--json", buf_linux)["go"]
        for key in ("version", "path", "main"):
            if bw[key] != bl[key]:
                fails.append(f"buf: build info {key} differs between win32-x64 and linux-x64")
        # Windows builds link a few modules of their own (console and named-pipe
        # support); every module both builds link must be the same version and sum.
        dw, dl = {d["path"]: d for d in bw["deps"]}, {d["path"]: d for d in bl["deps"]}
        for mod in sorted(set(dw) & set(dl)):
            if dw[mod] != dl[mod]:
                fails.append(f"buf: {mod} differs: {dw[mod]} != {dl[mod]}")
        only = sorted(set(dw) ^ set(dl))
        print(f"buf: {len(set(dw) & set(dl))} modules agree; only in one build: {only}")
        if len(only) > 5:
            fails.append(f"buf: {len(only)} modules in one build only")
        sw = {k: v for k, v in bw["settings"].items() if k not in TARGET_SETTINGS}
        sl = {k: v for k, v in bl["settings"].items() if k not in TARGET_SETTINGS}
        if sw != sl:
            fails.append(f"buf: settings differ: {set(sw.items()) ^ set(sl.items())}")
        print(f"buf: {len(sw)} build settings agree between win32-x64 and linux-x64")
        for path in [find("esbuild-win32-x64"), find("esbuild-win32-ia32"), find("esbuild-win32-arm64")]:
            g = run_json(a.exray, "go", "--functions", "--json", path)
            if g["pclntab"]["functions"] != len(g["functions"]) or len(g["functions"]) < 5000:
                fails.append(f"{path}: {len(g['functions'])} functions, the pclntab declares {g['pclntab']['functions']}")
            if docs[path]["go"]["version"] != "go1.26.5":
                fails.append(f"{path}: Go version {docs[path]['go']['version']}")
            print(f"{path}: {len(g['functions'])} functions, {docs[path]['go']['version']}")
        for path in files:
            t, x = docs[path]["toolchain"], docs[path]["execution"]
            want = "rust" if "biome" in path else "go"
            if not t or t["language"] != want:
                fails.append(f"{path}: toolchain {t}, not {want}")
            if not x or x["model"] != "native" or x["jit"] != "no":
                fails.append(f"{path}: execution {x}")
    for f in fails[:50]:
        print("FAIL", f)
    print(f"{len(files)} files, {len(fails)} mismatches")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
