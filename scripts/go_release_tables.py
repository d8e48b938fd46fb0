#!/usr/bin/env python3
"""Prints the C++ of one Go release's tables, for a maintainer adding a release
to exray (see docs/go.md, "Adding a Go release"):

  go_release_tables.py layout MINOR EXRAY BINARY
      the runtime layout table (src/lang/go/runtime_layout.cc) from what
      `exray go BINARY --runtime --json` reads in BINARY's DWARF; BINARY is
      an unstripped linux/amd64 build by go1.MINOR (tests/go/testdata/runtime);
  go_release_tables.py waitreasons MINOR GOROOT
      the wait-reason names (src/trace/go_wait_reasons.cc) by value: the
      waitReason constants' order in GOROOT/src/runtime/runtime2.go (iota)
      mapped through its waitReasonStrings.

Both print data read from the release itself; nothing is typed by hand.
tests/go/runtime_check.py holds each layout table equal to its release's
DWARF, and tests/go/live_check.py reads wait reasons from running programs.
"""

import json
import re
import subprocess
import sys


def layout(minor, exray, binary):
    doc = json.loads(subprocess.run([exray, "go", binary, "--runtime", "--json"], capture_output=True, text=True,
                                    check=True).stdout)
    rt = doc["runtime"]
    if rt.get("source") != "dwarf":
        sys.exit(f"{binary}: the layout comes from {rt.get('source')!r}, not from DWARF")
    for note in rt.get("notes", []):
        print(f"// note: {note}", file=sys.stderr)
    ver = doc.get("go") or f"go1.{minor}"
    out = [f"// Go 1.{minor}, linux/amd64: read from the DWARF of a binary built by {ver}",
           "// (scripts/go_release_tables.py layout); runtime_check.py holds it to that",
           "// DWARF when the toolchain is installed.",
           f"RuntimeLayout Go1{minor}Amd64() {{",
           "  RuntimeLayout l;",
           '  l.source = "table";',
           f'  l.table_range = "go1.{minor} linux/amd64";',
           "  l.structs = {"]
    for s in rt["structs"]:
        fields = ",\n        ".join(f'{{"{f["name"]}", {f["offset"]}, {f["size"]}, "{f["type"]}"}}' for f in s["fields"])
        out.append(f'      {{"{s["name"]}",\n       {s["size"]},\n       {{{fields}}}}},')
    out += ["  };", "  return l;", "}"]
    print("\n".join(out))


def waitreasons(minor, goroot):
    src = open(f"{goroot}/src/runtime/runtime2.go").read()
    block = re.search(r"\nconst \(\n\twaitReasonZero\s+waitReason = iota.*?\n\)", src, re.S)
    if not block:
        sys.exit("no waitReason const block")
    order = re.findall(r"^\t(waitReason\w+)", block.group(0), re.M)
    table = re.search(r"var waitReasonStrings = \[\.\.\.\]string\{(.*?)\n\}", src, re.S)
    names = dict(re.findall(r"^\s*(waitReason\w+):\s*\"([^\"]*)\",", table.group(1), re.M))
    missing = [c for c in order if c not in names]
    if missing:
        sys.exit(f"constants without a string: {missing}")
    print(f"  // go1.{minor}: {len(order)} reasons")
    print(f"  {{{minor},\n   {{" + ",\n    ".join(json.dumps(names[c]) for c in order) + "}},")


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "layout":
        layout(int(sys.argv[2]), sys.argv[3], sys.argv[4])
    elif len(sys.argv) == 4 and sys.argv[1] == "waitreasons":
        waitreasons(int(sys.argv[2]), sys.argv[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
