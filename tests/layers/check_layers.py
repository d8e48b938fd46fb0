#!/usr/bin/env python3
"""Fails on an #include that goes up the layers of src/.

The layers, lowest first, as CMakeLists.txt links them: each may include its
own headers and those of the layers below it, never those above. CMake links
each layer only to the ones below, so a call upward would fail to link; this
check catches the header that makes such a call look possible.
"""
import pathlib
import re
import sys

LAYERS = ["support", "formats", "lang", "code", "analysis", "trace", "report", "cli"]
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def main(src: pathlib.Path) -> int:
    rank = {name: i for i, name in enumerate(LAYERS)}
    bad, seen = [], 0
    for f in sorted(src.rglob("*")):
        if f.suffix not in (".h", ".cc", ".def") or not f.is_file():
            continue
        layer = f.relative_to(src).parts[0]
        if layer not in rank:
            bad.append(f"{f.relative_to(src)}: folder {layer!r} is in no layer (add it to LAYERS)")
            continue
        text = f.read_text(encoding="utf-8", errors="replace")
        for m in INCLUDE.finditer(text):
            target = m.group(1).split("/")[0]
            if target not in rank:
                continue  # a header beside this file, or a third-party one
            seen += 1
            if rank[target] > rank[layer]:
                line = text.count("\n", 0, m.start()) + 1
                bad.append(f"{f.relative_to(src)}:{line}: {layer} includes {m.group(1)} from {target}, a layer above it")
    for b in bad:
        print(b)
    print(f"{seen} includes between layers checked; {len(bad)} go up" if bad else f"{seen} includes between layers checked, none goes up")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "src")))
