#!/usr/bin/env python3
"""Checks `exray go --runtime` against the DWARF the Go compiler wrote and
against `go tool nm`.

Usage: runtime_check.py --exray EXRAY --scratch DIR [--releases 21,22] [--releases-only]

Needs /usr/bin/go (else exit 77). Builds testdata/runtime twice with the
local Go, as is and with -ldflags=-s -w, and goruntime_dwarf (Go's own
debug/dwarf), then requires:
 - unstripped: exray reads the layout from DWARF, and every struct size and
   key field offset, size and type agrees with goruntime_dwarf's (g's
   stack.lo and stack.hi through runtime.stack, p's and schedt's gFree.n
   through their unnamed struct types);
 - stripped: exray uses its Go 1.19 table, and gives exactly what the DWARF
   of the unstripped build says (so the table cannot drift from the DWARF);
 - every global's address and size equals `go tool nm -size`'s on the
   unstripped build (found by "symbol");
 - stripped of its symbols by objcopy (which moves nothing), the eight
   globals the live reader needs are located through the runtime's machine
   code at exactly nm's addresses and sizes (mheap_ and ncpu are not looked
   for);
 - for each release of --releases (default 27) from Debian
   (checklib.backport_go): the same against its DWARF and its
   `go tool nm`, and the stripped build's table for it equal to that DWARF
   (--releases-only: those parts alone; CI's slow label checks 1.21 to 1.26);
 - the same program for linux/arm64: unstripped, the DWARF agrees again;
   stripped, there is no table for it, so no layout and the note
   "no layout table for Go 1.19 on linux/arm64; the binary has no DWARF".
Last line: "N passed, N failed".
"""

import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from checklib import backport_go, SKIP, Tally, parse_args, build, go_env  # noqa: E402
STRUCTS = ["runtime.g", "runtime.m", "runtime.p", "runtime.schedt", "runtime.mspan", "runtime.mcache", "runtime.mheap",
           "runtime.mstats", "runtime.gcControllerState", "runtime.heapStatsDelta"]
# Located from machine code when there are no symbols (analysis/go_globals.cc).
LOCATED = ["runtime.allgs", "runtime.allglen", "runtime.allm", "runtime.sched", "runtime.memstats",
           "runtime.gcController", "runtime.allp", "runtime.gomaxprocs"]
GLOBALS = ["runtime.allgs", "runtime.allglen", "runtime.allm", "runtime.sched", "runtime.memstats",
           "runtime.gcController", "runtime.mheap_", "runtime.allp", "runtime.gomaxprocs", "runtime.ncpu"]

check = Tally()


def exray_runtime(exray, binary):
    r = subprocess.run([exray, "go", binary, "--runtime", "--json"], capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        raise RuntimeError(f"exray go {binary} --runtime: exit {r.returncode}: {r.stderr.strip()}")
    return json.loads(r.stdout)


def dwarf_reference(tool, binary):
    """{struct: (size, {member: (offset, type, size)})} from Go's debug/dwarf."""
    out = subprocess.run([tool, binary], capture_output=True, text=True, check=True, timeout=300).stdout
    ref = {}
    for line in out.splitlines():
        f = line.split("\t")
        if f[0] == "S":
            ref[f[1]] = (int(f[2]), {})
        elif f[0] == "F":
            ref[f[1]][1][f[2]] = (int(f[3]), f[4], int(f[5]))
    return ref


def expected_field(ref, struct, name):
    """(offset, type, size) of a key field by the DWARF; a dotted path
    ("stack.lo", "gFree.stack.size") through its members' struct types."""
    members = ref[struct][1]
    base = 0
    parts = name.split(".")
    for part in parts[:-1]:
        o = members[part]
        base += o[0]
        members = ref[o[1]][1]
    off, typ, size = members[parts[-1]]
    return (base + off, typ, size)


def nm_symbols(binary, env):
    out = subprocess.run(["go", "tool", "nm", "-size", binary], capture_output=True, text=True, check=True,
                         env=env, timeout=300).stdout
    syms = {}
    for line in out.split("\n"):
        f = line.split()
        if len(f) >= 4:
            syms[f[3]] = (int(f[0], 16), int(f[1]))
    return syms


def check_against_dwarf(doc, ref, label):
    rt = doc["runtime"]
    names = [s["name"] for s in rt["structs"]]
    check(names == STRUCTS, f"{label}: structs {names}")
    for s in rt["structs"]:
        name = s["name"]
        if name not in ref:
            check(False, f"{label}: {name} not in the DWARF reference")
            continue
        check(s["size"] == ref[name][0], f"{label}: {name} size {s['size']} != DWARF {ref[name][0]}")
        for f in s["fields"]:
            try:
                off, typ, size = expected_field(ref, name, f["name"])
            except KeyError:
                check(False, f"{label}: {name}.{f['name']} not in the DWARF reference")
                continue
            check(f["offset"] == off, f"{label}: {name}.{f['name']} offset {f['offset']} != DWARF {off}")
            check(f.get("size") == size, f"{label}: {name}.{f['name']} size {f.get('size')} != DWARF {size}")
            # debug/dwarf leaves unnamed types' names empty (pointers, arrays, slices, funcs).
            if typ:
                check(f["type"] == typ, f"{label}: {name}.{f['name']} type {f['type']!r} != DWARF {typ!r}")


def strip_copy(binary, scratch):
    """A copy without .symtab (objcopy --strip-all keeps every loaded address,
    unlike -ldflags=-s -w, which changes the build info and can shift data)."""
    out = os.path.join(scratch, os.path.basename(binary) + "-x")
    subprocess.run(["objcopy", "--strip-all", binary, out], check=True, timeout=300)
    return out


def check_located(exray, binary, syms, label, scratch):
    """exray on binary's symbol-less copy locates LOCATED at nm's addresses."""
    doc = exray_runtime(exray, strip_copy(binary, scratch))["runtime"]
    if doc["source"] is None:
        check(False, f"{label}: no layout, notes {doc['notes']}")
        return
    for g in doc["globals"]:
        want = syms.get(g["name"])
        if g["name"] in LOCATED:
            check(want is not None and g.get("address") == want[0] and g.get("size") == want[1] and g.get("how"),
                  f"{label} {g['name']}: located {g} != nm {want}; notes {doc['notes']}")
        else:
            check(g.get("found") is False and any(g["name"] in n for n in doc["notes"]) is False,
                  f"{label} {g['name']}: {g}")


def check_release(args, env, tool, minor):
    """A Go release from Debian when installed (checklib.backport_go): its DWARF, its
    `go tool nm`, and its table entry equal to that DWARF."""
    bindir = backport_go(minor)
    if not bindir:
        return
    v = f"go1.{minor}"
    envn = dict(env, PATH=bindir + os.pathsep + env.get("PATH", ""))
    nplain, nstripped = os.path.join(args.scratch, f"rt-1{minor}"), os.path.join(args.scratch, f"rt-1{minor}-s")
    build(os.path.join(HERE, "testdata", "runtime"), nplain, envn)
    build(os.path.join(HERE, "testdata", "runtime"), nstripped, envn, "-ldflags=-s -w")
    ndoc = exray_runtime(args.exray, nplain)
    check(ndoc["go"].startswith(v + ".") and ndoc["runtime"]["source"] == "dwarf",
          f"{v}: {ndoc['go']} source {ndoc['runtime']['source']}")
    check(ndoc["runtime"]["notes"] == [], f"{v}: notes {ndoc['runtime']['notes']}")
    check_against_dwarf(ndoc, dwarf_reference(tool, nplain), v)
    nsyms = nm_symbols(nplain, envn)
    for g in ndoc["runtime"]["globals"]:
        want = nsyms.get(g["name"])
        if want is None and g["name"] not in LOCATED:  # ncpu is gone from Go 1.25
            check(g.get("found") is False, f"{v} {g['name']}: exray {g}, not in nm")
            continue
        check(want is not None and g.get("address") == want[0] and g.get("size") == want[1],
              f"{v} {g['name']}: exray {g} != nm {want}")
    check_located(args.exray, nplain, nsyms, f"{v} located", args.scratch)
    nsdoc = exray_runtime(args.exray, nstripped)["runtime"]
    check(nsdoc["source"] == "table" and nsdoc["table_range"] == f"{v} linux/amd64",
          f"{v} stripped: {nsdoc['source']} {nsdoc['table_range']}")
    check(nsdoc["structs"] == ndoc["runtime"]["structs"], f"{v} stripped: the table equals the DWARF exactly")


def main():
    args = parse_args()
    if args is None:
        return SKIP
    env = go_env(args.scratch)
    plain, stripped = os.path.join(args.scratch, "rt"), os.path.join(args.scratch, "rt-s")
    tool = os.path.join(args.scratch, "goruntime_dwarf")
    build(os.path.join(HERE, "goruntime_dwarf"), tool, env)
    if args.releases_only:
        for minor in args.releases:
            check_release(args, env, tool, minor)
        print(check.summary())
        return check.status()
    build(os.path.join(HERE, "testdata", "runtime"), plain, env)
    build(os.path.join(HERE, "testdata", "runtime"), stripped, env, "-ldflags=-s -w")
    ref = dwarf_reference(tool, plain)

    doc = exray_runtime(args.exray, plain)
    check(doc["runtime"]["source"] == "dwarf", f"unstripped: source {doc['runtime']['source']}")
    check(doc["runtime"]["notes"] == [], f"unstripped: notes {doc['runtime']['notes']}")
    check_against_dwarf(doc, ref, "unstripped")
    nfields = sum(len(s["fields"]) for s in doc["runtime"]["structs"])
    check(nfields == 63, f"unstripped: {nfields} key fields, want 63")
    syms = nm_symbols(plain, env)
    for g in doc["runtime"]["globals"]:
        want = syms.get(g["name"])
        check(want is not None, f"{g['name']}: not in go tool nm")
        check(want is not None and g.get("address") == want[0] and g.get("size") == want[1] and g.get("how") == "symbol",
              f"{g['name']}: exray {g} != nm {want}")
    check_located(args.exray, plain, syms, "located", args.scratch)
    check([g["name"] for g in doc["runtime"]["globals"]] == GLOBALS, "globals listed in order")

    sdoc = exray_runtime(args.exray, stripped)
    srt = sdoc["runtime"]
    check(srt["source"] == "table", f"stripped: source {srt['source']}")
    check((srt["table_range"] or "").startswith("go1.19 "), f"stripped: table_range {srt['table_range']}")
    check_against_dwarf(sdoc, ref, "stripped")
    check(srt["structs"] == doc["runtime"]["structs"], "stripped: the table equals the DWARF's structs exactly")
    # -s -w moves data (the build info records the flag), so only how they
    # were found is checked here; check_located holds the addresses to nm.
    check(all(g.get("how", "").startswith("runtime.") for g in srt["globals"] if g["name"] in LOCATED)
          and all(g.get("found") is False for g in srt["globals"] if g["name"] not in LOCATED),
          f"stripped: located from code {srt['globals']}")
    check(any("located through the runtime code" in n for n in srt["notes"]), f"stripped: notes {srt['notes']}")

    # linux/arm64 has no table entry: DWARF or nothing, never a guess.
    arm = dict(env, GOARCH="arm64")
    aplain, astripped = os.path.join(args.scratch, "rt-arm64"), os.path.join(args.scratch, "rt-arm64-s")
    build(os.path.join(HERE, "testdata", "runtime"), aplain, arm)
    build(os.path.join(HERE, "testdata", "runtime"), astripped, arm, "-ldflags=-s -w")
    adoc = exray_runtime(args.exray, aplain)
    check(adoc["runtime"]["source"] == "dwarf", f"arm64: source {adoc['runtime']['source']}")
    check_against_dwarf(adoc, dwarf_reference(tool, aplain), "arm64")
    asdoc = exray_runtime(args.exray, astripped)["runtime"]
    check(asdoc["source"] is None and asdoc["table_range"] is None and asdoc["structs"] == [],
          f"arm64 stripped: no layout, got {asdoc['source']} {asdoc['table_range']}")
    check("no layout table for Go 1.19 on linux/arm64; the binary has no DWARF" in asdoc["notes"],
          f"arm64 stripped: notes {asdoc['notes']}")

    for minor in args.releases:
        check_release(args, env, tool, minor)

    # The text view: one block per struct.
    r = subprocess.run([args.exray, "go", stripped, "--runtime"], capture_output=True, text=True, timeout=300)
    check(r.returncode == 0 and all(f"\n{s}  size " in r.stdout for s in STRUCTS), "text: a block per struct")
    print(check.summary())
    return check.status()


if __name__ == "__main__":
    sys.exit(main())
