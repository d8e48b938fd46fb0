#!/usr/bin/env python3
"""Fails when a cap is defined outside src/support/limits.h, or undocumented.

Every cap on input-driven work is a named constant in src/support/limits.h
and a row of docs/limits.md (the issue "Limits named"). This check fails on
 - a constant named kMax*, kMin*, *Limit or *Cap defined anywhere else in
   src/, unless ALLOWED lists it;
 - an alias in ALLOWED whose value is not a constant of limits.h;
 - a constant of limits.h, or a local one ALLOWED keeps, that docs/limits.md
   does not name in backquotes.
Usage: check_limits.py ROOT (the directory holding src/ and docs/).
"""
import pathlib
import re
import sys

LIMITS = "src/support/limits.h"
DOC = "docs/limits.md"
CAP_NAME = re.compile(r"^k(Max|Min)[A-Z0-9]|Limit$|Cap$")
# A name being defined: `kName = ...`, `kName[...]` or `kName{...}` on a line with constexpr or const.
DEFINED = re.compile(r"(?<![\w:.>])(k[A-Z]\w*)\s*(?:=(?!=)|\[|\{)")
DECLARES = re.compile(r"\b(constexpr|const)\b")
LIMITS_NAME = re.compile(r"inline\s+constexpr\s+[\w\s:]+?\s(k\w+)\s*=")

# Names kept outside limits.h on purpose, by file.
ALLOWED = {
    # Class members kept for callers and tests; each must alias a limits.h constant.
    "src/support/mapped_file.h": {"kWholeReadLimit": "alias", "kSparseReadLimit": "alias"},
    "src/support/diag.h": {"kMaxWarnings": "alias"},
    "src/report/json_writer.h": {"kMaxDepth": "alias"},
}


def strip_comment(line: str) -> str:
    return line.split("//", 1)[0]


def main(root: pathlib.Path) -> int:
    limits_text = (root / LIMITS).read_text(encoding="utf-8")
    doc_text = (root / DOC).read_text(encoding="utf-8")
    limits = set(LIMITS_NAME.findall(limits_text))  # go:: and code:: both have kMaxFunctions
    bad = []
    for n in sorted(limits):
        if f"`{n}`" not in doc_text:
            bad.append(f"{DOC}: {n} of {LIMITS} is not listed")

    seen_allowed = set()
    for f in sorted((root / "src").rglob("*")):
        if f.suffix not in (".h", ".cc") or not f.is_file():
            continue
        rel = f.relative_to(root).as_posix()
        if rel == LIMITS:
            continue
        for num, raw in enumerate(f.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            line = strip_comment(raw)
            if not DECLARES.search(line):
                continue
            for m in DEFINED.finditer(line):
                name = m.group(1)
                if not CAP_NAME.search(name):
                    continue
                kind = ALLOWED.get(rel, {}).get(name)
                if kind is None:
                    bad.append(f"{rel}:{num}: {name} is a cap defined outside {LIMITS}")
                    continue
                seen_allowed.add((rel, name))
                if kind == "alias":
                    value = re.search(re.escape(name) + r"\s*=\s*(?:exray::)?(k\w+)\s*;", line)
                    if not value or value.group(1) not in limits:
                        bad.append(f"{rel}:{num}: {name} must alias a constant of {LIMITS}")
                elif f"`{name}`" not in doc_text:
                    bad.append(f"{DOC}: {name}, kept in {rel}, is not listed")
    for rel, names_kept in ALLOWED.items():
        for name in names_kept:
            if (rel, name) not in seen_allowed:
                print(f"note: {rel} no longer defines {name}: remove it from ALLOWED")

    for b in bad:
        print(b)
    print(f"{len(limits)} constants in {LIMITS}; " + (f"{len(bad)} problems" if bad else "all documented, none defined elsewhere"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".")))
