#!/usr/bin/env python3
"""Checks `exray go --types` and `--type` against a Go program's own view of
its types, and against the DWARF the Go compiler wrote for them.

Usage: types_check.py --exray EXRAY --scratch DIR [--npm]

Local part (needs /usr/bin/go, else exit 77): builds testdata/types with the
local Go (as is, with -ldflags=-s -w, and as a PIE), runs it once to get
what reflect and unsafe say (kind, size, alignment, exported method count,
package, Rect's fields), then requires exray to report the same for every
type the program printed, the four itabs its interface conversions create,
and the same type list for the stripped build as for the unstripped one.
Then the differential: gotypes_dwarf (Go's debug/dwarf) lists every type
whose DWARF names its runtime descriptor (DW_AT_go_runtime_type); each of
those exray also found must agree in kind and size, and the share found is
printed. This runs over the fixture and over Debian's unstripped Go
binaries when present.

--npm: esbuild (Go 1.26) and buf (Go 1.27) from the npm registry, pinned,
and fourteen older binaries built with Go 1.6.2 to 1.19 (OLD_NPM; exit 77 when
npm fails): the moduledata layout found must be the build info's release's, the
walk must complete without warnings, every itab must pair an interface with
a type, and standard-library types whose layout is fixed across releases
must have their known sizes; where an old binary has DWARF, the differential
above runs on it too.
Last line: "N passed, N failed".
"""

import argparse
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from checklib import SKIP, Tally, build, go_env  # noqa: E402
EXPECTED_ITABS = {("main.Shape", "main.Rect"), ("main.Shape", "*main.Circle"), ("io.Writer", "*main.countWriter"),
                  ("fmt.Stringer", "main.Celsius")}
# Standard-library types whose size has not changed since a release (64-bit;
# the first Go 1.x whose size it is, 7 when it held from 1.7 to 1.27): the
# first two must be present, the rest are checked when present. bytes.Buffer
# lost its 64-byte bootstrap array in 1.12 (112 bytes in 1.7, 104 in 1.9-1.11).
STABLE_SIZES = {"time.Time": (24, 7), "errors.errorString": (16, 7), "strings.Builder": (32, 10),
                "bytes.Buffer": (40, 12), "os.File": (8, 7), "strings.Reader": (32, 7)}
REQUIRED = ("time.Time", "errors.errorString")
NPM = ["@esbuild/linux-x64@0.28.2:bin/esbuild", "@bufbuild/buf-linux-x64@1.75.0:bin/buf"]
# Older releases from npm packages that carry their Go binaries (fetched with
# npm pack): package, the binary in it, the Go release, the moduledata layout.
# Go 1.6.2 to 1.19: 1.6's descriptors of pointers listed by a []*_type
# typelinks and no itab list, the moduledata without textsectmap (1.7) and the layouts
# of 1.8-1.15, 1.16-1.17 and 1.18-1.19; map descriptors with hmap (before
# 1.11) and without a hasher (1.11-1.13); no exported-method count before
# 1.11; struct field offsets without the embedded bit before 1.9; the 2-byte
# name lengths before 1.17. app-builder's is stripped.
OLD_NPM = [("pbf2json@4.1.0", "build/pbf2json.linux-x64", "go1.6.2", "1.5-1.6"),
           ("@bazel/ibazel@0.0.1", "bin/linux_amd64/ibazel", "go1.7.3", "1.7"),
           ("pbf2json@4.4.0", "build/pbf2json.linux-x64", "go1.8.3", "1.8-1.15"),
           ("@bazel/ibazel@0.2.0", "bin/linux_amd64/ibazel", "go1.9.2", "1.8-1.15"),
           ("pbf2json@4.9.0", "build/pbf2json.linux-x64", "go1.10", "1.8-1.15"),
           ("app-builder-bin-linux@1.5.0", "x64/app-builder", "go1.10", "1.8-1.15"),
           ("@bazel/ibazel@0.6.0", "bin/linux_amd64/ibazel", "go1.11", "1.8-1.15"),
           ("esbuild-linux-64@0.0.2", "bin/esbuild", "go1.12.9", "1.8-1.15"),
           ("esbuild-linux-64@0.1.0", "bin/esbuild", "go1.13.8", "1.8-1.15"),
           ("esbuild-linux-64@0.5.26", "bin/esbuild", "go1.14.2", "1.8-1.15"),
           ("esbuild-linux-64@0.7.22", "bin/esbuild", "go1.15", "1.8-1.15"),
           ("esbuild-linux-64@0.8.57", "bin/esbuild", "go1.16", "1.16-1.17"),
           ("esbuild-linux-64@0.13.15", "bin/esbuild", "go1.17.2", "1.16-1.17"),
           ("esbuild-linux-64@0.14.54", "bin/esbuild", "go1.19", "1.18-1.19")]

check = Tally()


def exray_types(exray, binary, type_name=None):
    cmd = [exray, "go", binary, "--json"] + (["--type", type_name] if type_name else ["--types"])
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        raise RuntimeError(f"{cmd}: exit {r.returncode}: {r.stderr.strip()}")
    return json.loads(r.stdout)


def dwarf_differential(exray, dwarf_tool, binary):
    """Every DWARF-listed descriptor exray found agrees in kind and size."""
    doc = exray_types(exray, binary)
    base = doc["types"]["region"]["types"]
    found = {t["address"]: t for t in doc["types"]["list"]}
    r = subprocess.run([dwarf_tool, binary], capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        print(f"note: {binary}: no DWARF ({r.stderr.strip()})")
        return
    # Before Go 1.10 DWARF names no descriptor: named structs are matched by
    # their full name (DWARF's import path and name; exray's package and name).
    by_full = {}
    for t in doc["types"]["list"]:
        if t.get("package") and t["kind"] == "struct" and "." in t["name"] and not t["name"].startswith("*"):
            by_full.setdefault(t["package"] + "." + t["name"].rsplit(".", 1)[1], []).append(t)
    listed = both = 0
    for line in r.stdout.splitlines():
        off, name, kind, size = line.split("\t")
        listed += 1
        if off == "-":
            same = by_full.get(name, [])
            t = same[0] if len(same) == 1 else None
        else:
            t = found.get(base + int(off, 16))
        if t is None:
            continue
        both += 1
        kinds = {1: "bool", 2: "int", 3: "int8", 4: "int16", 5: "int32", 6: "int64", 7: "uint", 8: "uint8",
                 9: "uint16", 10: "uint32", 11: "uint64", 12: "uintptr", 13: "float32", 14: "float64",
                 15: "complex64", 16: "complex128", 17: "array", 18: "chan", 19: "func", 20: "interface",
                 21: "map", 22: "ptr", 23: "slice", 24: "string", 25: "struct", 26: "unsafe.Pointer"}
        check(kinds.get(int(kind)) == t["kind"], f"{binary}: {name}: DWARF kind {kind}, exray {t['kind']}")
        # DWARF gives pointers, maps and chans no size of their own; structs and basics have one.
        if int(size) >= 0 and t["kind"] not in ("map", "chan", "func", "interface", "slice", "string"):
            check(int(size) == t["size"], f"{binary}: {name}: DWARF size {size}, exray {t['size']}")
        # DWARF names carry the full import path; reflect's the package name.
        if name.startswith("main.") and off != "-":
            check(name == t["name"], f"{binary}: DWARF name {name}, exray {t['name']}")
    print(f"{binary}: DWARF lists {listed} runtime types; exray found {both} of them ({100 * both / max(listed, 1):.0f}%) "
          f"and {len(found)} descriptors in all")
    check(both > 0, f"{binary}: exray found none of the DWARF-listed descriptors")


def local(exray, scratch):
    if not shutil.which("go"):
        print("skip: no go")
        return False
    env = go_env(scratch)
    src = os.path.join(HERE, "testdata", "types")
    bins = {v: os.path.join(scratch, "types-" + v) for v in ("plain", "sw", "pie")}
    build(src, bins["plain"], env)
    build(src, bins["sw"], env, "-ldflags=-s -w")
    build(src, bins["pie"], env, "-buildmode=pie")
    dwarf_tool = os.path.join(scratch, "gotypes_dwarf")
    build(os.path.join(HERE, "gotypes_dwarf"), dwarf_tool, env)
    out = subprocess.run([bins["plain"]], capture_output=True, text=True, check=True, timeout=60).stdout
    truth = [line.split("\t") for line in out.splitlines()]
    for variant in ("plain", "sw"):
        doc = exray_types(exray, bins[variant])
        by_name = {}
        for t in doc["types"]["list"]:
            by_name.setdefault(t["name"], t)
        check(doc["types"]["source"] == "links" and doc["warnings"] == [], f"{variant}: {doc['types']['source']} {doc['warnings']}")
        for row in truth:
            if row[0] != "type":
                continue
            name, kind, size, align, methods, pkg = row[1:]
            t = by_name.get(name)
            check(t is not None, f"{variant}: {name} not found")
            if not t:
                continue
            check(t["kind"] == kind, f"{variant}: {name}: kind {t['kind']}, reflect {kind}")
            check(t["size"] == int(size) and t["align"] == int(align),
                  f"{variant}: {name}: size {t['size']} align {t['align']}, reflect {size} {align}")
            # reflect's NumMethod counts exported methods (an interface's: all of them).
            got = t["methods"] if kind == "interface" else t["exported_methods"]
            check(got == int(methods), f"{variant}: {name}: {got} methods, reflect {methods}")
            if pkg:
                check(t["package"] == pkg, f"{variant}: {name}: package {t['package']}, reflect {pkg}")
        itabs = {(i["interface"], i["type"]) for i in doc["itabs"]["list"]}
        check(EXPECTED_ITABS <= itabs, f"{variant}: itabs missing: {EXPECTED_ITABS - itabs}")
        rect = exray_types(exray, bins[variant], "main.Rect")["types"]["list"]
        check(len(rect) == 1, f"{variant}: --type main.Rect gave {len(rect)} types")
        fields = [(f["name"], f["type"], str(f["offset"]), "true" if f["embedded"] else "false", f["tag"])
                  for f in rect[0]["fields"]] if rect else []
        want = [tuple(row[2:7]) for row in truth if row[0] == "field"]
        check(fields == want, f"{variant}: Rect fields {fields}, reflect {want}")
        if variant == "plain":
            plain_names = sorted((t["name"], t["size"]) for t in doc["types"]["list"])
        else:
            names = sorted((t["name"], t["size"]) for t in doc["types"]["list"])
            check(names == plain_names, f"sw: {len(names)} types, unstripped {len(plain_names)}")
    # A PIE's descriptor pointers are filled in by relocations at load: on disk
    # they are zero, so what is read must be said, not invented.
    r = subprocess.run([exray, "go", bins["pie"], "--types"], capture_output=True, text=True, timeout=60)
    check(r.returncode in (0, 1) and "Traceback" not in r.stderr, f"pie: exit {r.returncode} {r.stderr[:200]}")
    print(f"pie: exit {r.returncode}: {(r.stdout.splitlines()[1:2] or [r.stderr.strip()])[0]}")
    dwarf_differential(exray, dwarf_tool, bins["plain"])
    for deb in ("/usr/lib/go-1.19/bin/go", "/usr/lib/go-1.19/pkg/tool/linux_amd64/compile"):
        if os.path.exists(deb):
            dwarf_differential(exray, dwarf_tool, deb)
    return True


def dwarf_reader(scratch):
    """gotypes_dwarf built with the host's Go, or None without one."""
    if not shutil.which("go"):
        return None
    tool = os.path.join(scratch, "gotypes_dwarf")
    build(os.path.join(HERE, "gotypes_dwarf"), tool, go_env(scratch))
    return tool


def check_binary(exray, dwarf_tool, name, binary, go, layout):
    """The checks every real binary gets: its release and moduledata layout
    (when go is given), a complete walk without warnings, itabs, the stable
    sizes, the kinds, and the DWARF differential when it has DWARF."""
    if go:
        # The release the build info names, and the moduledata layout found
        # for it without symbols.
        r = subprocess.run([exray, binary, "--json"], capture_output=True, text=True, timeout=300)
        g = json.loads(r.stdout)["go"]
        check(g["version"] == go and g["moduledata_layout"] == layout,
              f"{name}: {g['version']} layout {g['moduledata_layout']}, want {go} {layout}")
    doc = exray_types(exray, binary)
    types = doc["types"]
    check(types["complete"] and doc["warnings"] == [], f"{name}: complete {types['complete']} {doc['warnings']}")
    by_addr = {t["address"]: t for t in types["list"]}
    by_name, kinds_of = {}, {}
    for t in types["list"]:
        by_name.setdefault(t["name"], t)
        kinds_of.setdefault(t["name"], set()).add(t["kind"])  # two packages may both have a netrc.Machine
    kinds = {t["kind"] for t in types["list"]}
    if layout == "1.5-1.6":  # Go 1.5 and 1.6 kept no list of its itabs
        check(doc["itabs"]["count"] == 0, f"{name}: {doc['itabs']['count']} itabs")
    else:
        check(doc["itabs"]["count"] > 10, f"{name}: {doc['itabs']['count']} itabs")
    for i in doc["itabs"]["list"]:
        check("interface" in kinds_of.get(i["interface"], ()), f"{name}: itab {i}")
    minor = int(doc["go"].split(".")[1]) if doc["go"].startswith("go1.") else 99
    for tname, (size, since) in STABLE_SIZES.items():
        t = by_name.get(tname)
        check(t is not None or tname not in REQUIRED, f"{name}: {tname} not found")
        if t and minor >= since:
            check(t["size"] == size, f"{name}: {tname} size {t['size']}, want {size}")
    check({"struct", "interface", "map", "func", "ptr", "slice"} <= kinds, f"{name}: kinds {kinds}")
    print(f"{name}: Go {doc['go']}: {types['count']} types ({types['named']} named), {doc['itabs']['count']} itabs, "
          f"{len(by_addr)} distinct addresses")
    if go and dwarf_tool:
        dwarf_differential(exray, dwarf_tool, binary)


def npm(exray, scratch):
    d = os.path.join(scratch, "npm")
    os.makedirs(d, exist_ok=True)
    pkgs = [spec.rsplit(":", 1)[0] for spec in NPM]
    r = subprocess.run(["npm", "install", "--no-save", "--force", "--prefix", d, *pkgs], capture_output=True,
                       text=True, timeout=600)
    if r.returncode != 0:
        print("skip: npm install failed:", r.stderr[-300:])
        return False
    binaries = []
    for spec in NPM:
        pkg, path = spec.rsplit(":", 1)
        name = pkg.rsplit("@", 1)[0]
        binaries.append((name, os.path.join(d, "node_modules", name, path), None, None))
    for pkg, inside, go, layout in OLD_NPM:
        out = os.path.join(d, pkg.replace("@", "-").replace("/", "-"))
        os.makedirs(out, exist_ok=True)
        r = subprocess.run(["npm", "pack", "--pack-destination", out, pkg], capture_output=True, text=True, timeout=600)
        if r.returncode != 0:
            print("skip: npm pack failed:", r.stderr[-300:])
            return False
        tgz = os.path.join(out, r.stdout.strip().splitlines()[-1])
        subprocess.run(["tar", "xzf", tgz, "-C", out], check=True, timeout=300)
        binaries.append((pkg, os.path.join(out, "package", inside), go, layout))
    dwarf_tool = dwarf_reader(scratch)
    for name, binary, go, layout in binaries:
        check_binary(exray, dwarf_tool, name, binary, go, layout)
    return True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--exray", required=True)
    ap.add_argument("--scratch", required=True)
    ap.add_argument("--npm", action="store_true")
    ap.add_argument("--binary", action="append", default=[], metavar="PATH:GOVERSION:LAYOUT",
                    help="check a binary at hand instead (e.g. one built by a Go release no registry carries)")
    a = ap.parse_args()
    os.makedirs(a.scratch, exist_ok=True)
    if a.binary:
        tool = dwarf_reader(a.scratch)
        for spec in a.binary:
            path, go, layout = spec.rsplit(":", 2)
            check_binary(a.exray, tool, os.path.basename(path), path, go, layout)
        ran = True
    else:
        ran = npm(a.exray, a.scratch) if a.npm else local(a.exray, a.scratch)
    print(check.summary())
    if not ran:
        return SKIP
    return check.status()


if __name__ == "__main__":
    sys.exit(main())
