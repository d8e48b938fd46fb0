#!/usr/bin/env python3
"""Differential test: `exray --json` against `readelf -W` (GNU binutils) on the system's ELF files.

Compares, per file: the section count and each section's name, type, addr,
offset and size; each segment's type, offset, vaddr, filesz, memsz and flags;
the interpreter; DT_NEEDED (in order), DT_SONAME, DT_RPATH, DT_RUNPATH; the
.symtab and .dynsym entry counts; the GNU build-id. Every difference must be
explained by a rule in QUIRKS (a documented readelf behaviour) or the test
fails and lists the first mismatches.

    readelf_diff.py --exray build/exray [--limit N] [--jobs 2] [ROOT...]

Stdlib only. Exit status: 0 all agree, 1 unexplained mismatches, 2 usage or
setup errors (no exray, no readelf, corpus too small).
"""

import argparse
import json
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import time

DEFAULT_ROOTS = ["/usr/bin", "/usr/sbin", "/usr/lib/x86_64-linux-gnu"]
READELF_FLAGS = ["-W", "-l", "-S", "-d", "-n", "--syms"]
CHUNK = 40                # files per exray invocation
EXRAY_TIMEOUT = 300       # seconds per chunk (sanitizer builds are slow)
READELF_TIMEOUT = 120     # seconds per file


# ---------------------------------------------------------------------------
# Corpus


def collect_corpus(roots):
    """Every regular ELF file under roots, no symlinks, deduplicated by realpath and inode."""
    seen_paths, seen_inodes, out = set(), set(), []
    for root in roots:
        for d, dirs, files in os.walk(root):
            dirs.sort()
            for name in sorted(files):
                p = os.path.join(d, name)
                try:
                    st = os.lstat(p)
                except OSError:
                    continue
                if not os.path.stat.S_ISREG(st.st_mode):  # skips symlinks too
                    continue
                real = os.path.realpath(p)
                key = (st.st_dev, st.st_ino)
                if real in seen_paths or key in seen_inodes:
                    continue
                try:
                    with open(p, "rb") as fh:
                        if fh.read(4) != b"\x7fELF":
                            continue
                except OSError:
                    continue
                seen_paths.add(real)
                seen_inodes.add(key)
                out.append(p)
    return out


def spread(items, n):
    """n items evenly spaced over the list, so a small run still sees every directory."""
    if n <= 0 or n >= len(items):
        return items
    return [items[i * len(items) // n] for i in range(n)]


# ---------------------------------------------------------------------------
# readelf output


# "  [ 1] .interp           PROGBITS        0000000000000318 000318 00001c 00   A  0   0  1"
# Name is padded to 17 (never cut with -W), then " ", then the type as %-15.15s.
SECTION_RE = re.compile(
    r"^  \[\s*(?P<nr>\d+)\] (?P<head>.*) (?P<addr>[0-9a-f]{8}|[0-9a-f]{16}) (?P<off>[0-9a-f]{6,}) "
    r"(?P<size>[0-9a-f]{6,}) (?P<es>[0-9a-f]{2,}) (?P<flg>[A-Za-z ]*?) ?(?P<lk>\d+) +(?P<inf>\d+) +(?P<al>\d+)$")
# "  LOAD           0x000000 0x0000000000000000 0x0000000000000000 0x0036c0 0x0036c0 R   0x1000"
# Type is %-14.14s.
SEGMENT_RE = re.compile(
    r"^  (?P<type>.{14}) 0x(?P<off>[0-9a-f]+) 0x(?P<vaddr>[0-9a-f]+) 0x(?P<paddr>[0-9a-f]+) "
    r"0x(?P<filesz>[0-9a-f]+) 0x(?P<memsz>[0-9a-f]+) (?P<flg>[R ][W ][E ]) (?P<align>\S+)$")
INTERP_RE = re.compile(r"^\s+\[Requesting program interpreter: (?P<path>.*)\]$")
DYNAMIC_RE = re.compile(
    r"^\s*0x[0-9a-f]+ \((?P<tag>NEEDED|SONAME|RPATH|RUNPATH)\)\s+"
    r"(?:Shared library|Library soname|Library rpath|Library runpath): \[(?P<val>.*)\]$")
SYMTAB_RE = re.compile(r"^Symbol table '(?P<name>.*)' contains (?P<n>\d+) entr(?:y|ies):$")
# "  GNU  0x00000014\tNT_GNU_BUILD_ID (unique build ID bitstring)\t    Build ID: 15dfff32..." (-W: one line)
BUILD_ID_RE = re.compile(r"\sBuild ID: (?P<hex>[0-9a-f]*)$")


def parse_readelf(text):
    sections, segments, needed, symtabs = [], [], [], []
    interp = soname = rpath = runpath = build_id = None
    in_sections = in_segments = False
    for line in text.splitlines():
        if line.startswith("Section Headers:"):
            in_sections, in_segments = True, False
            continue
        if line.startswith("Program Headers:"):
            in_sections, in_segments = False, True
            continue
        if in_sections:
            m = SECTION_RE.match(line)
            if m:
                head = m.group("head")
                sections.append({
                    "index": int(m.group("nr")),
                    "name": head[:-16].rstrip(" "),
                    "type": head[-15:].rstrip(" "),
                    "addr": int(m.group("addr"), 16),
                    "offset": int(m.group("off"), 16),
                    "size": int(m.group("size"), 16),
                })
                continue
            if not line.startswith("  [Nr]") and not line.startswith("       "):
                in_sections = False
        if in_segments:
            m = SEGMENT_RE.match(line)
            if m:
                segments.append({
                    "type": m.group("type").rstrip(" "),
                    "flags": m.group("flg"),
                    "offset": int(m.group("off"), 16),
                    "vaddr": int(m.group("vaddr"), 16),
                    "filesz": int(m.group("filesz"), 16),
                    "memsz": int(m.group("memsz"), 16),
                })
                continue
            m = INTERP_RE.match(line)
            if m:
                interp = m.group("path")
                continue
            if line.strip() == "" or line.startswith(" Section to Segment"):
                in_segments = False
            continue
        m = DYNAMIC_RE.match(line)
        if m:
            tag, val = m.group("tag"), m.group("val")
            if tag == "NEEDED":
                needed.append(val)
            elif tag == "SONAME" and soname is None:
                soname = val
            elif tag == "RPATH" and rpath is None:
                rpath = val
            elif tag == "RUNPATH" and runpath is None:
                runpath = val
            continue
        m = SYMTAB_RE.match(line)
        if m:
            symtabs.append((m.group("name"), int(m.group("n"))))
            continue
        m = BUILD_ID_RE.search(line)
        if m and build_id is None:
            build_id = m.group("hex")
    # Symbol tables are printed in section order; match each to its section to learn its type.
    symtab = dynsym = None
    tables = [s for s in sections if s["type"] in ("SYMTAB", "DYNSYM")]
    for (name, n), sec in zip(symtabs, tables):
        if name != sec["name"]:
            break
        if sec["type"] == "SYMTAB" and symtab is None:
            symtab = n
        if sec["type"] == "DYNSYM" and dynsym is None:
            dynsym = n
    return {
        "section_count": len(sections),
        "sections": sections,
        "segments": segments,
        "interpreter": interp,
        "needed": needed,
        "soname": soname,
        "rpath": rpath,
        "runpath": runpath,
        "symtab": symtab,
        "dynsym": dynsym,
        "build_id": build_id,
    }


def from_exray(doc):
    e = doc.get("elf") or {}
    sym = e.get("symbols") or {}
    return {
        "section_count": len(e.get("sections", [])),
        "sections": e.get("sections", []),
        "segments": e.get("segments", []),
        "interpreter": e.get("interpreter"),
        "needed": e.get("needed", []),
        "soname": e.get("soname"),
        "rpath": e.get("rpath"),
        "runpath": e.get("runpath"),
        "symtab": sym.get("symtab"),
        "dynsym": sym.get("dynsym"),
        "build_id": e.get("build_id"),
    }


# ---------------------------------------------------------------------------
# Comparison and readelf quirks

SECTION_FIELDS = ("name", "type", "addr", "offset", "size")
SEGMENT_FIELDS = ("type", "offset", "vaddr", "filesz", "memsz", "flags")
SCALARS = ("interpreter", "soname", "rpath", "runpath", "symtab", "dynsym", "build_id")


def compare(ex, re_):
    """Differences as (field, exray value, readelf value, kind) tuples; kind names the field's family."""
    diffs = []
    if ex["section_count"] != re_["section_count"]:
        diffs.append(("section_count", ex["section_count"], re_["section_count"], "section_count"))
    for a, b in zip(ex["sections"], re_["sections"]):
        for f in SECTION_FIELDS:
            if a.get(f) != b.get(f):
                diffs.append((f"sections[{a.get('index')}].{f}", a.get(f), b.get(f), "section." + f))
    if len(ex["segments"]) != len(re_["segments"]):
        diffs.append(("segment_count", len(ex["segments"]), len(re_["segments"]), "segment_count"))
    for i, (a, b) in enumerate(zip(ex["segments"], re_["segments"])):
        for f in SEGMENT_FIELDS:
            if a.get(f) != b.get(f):
                diffs.append((f"segments[{i}].{f}", a.get(f), b.get(f), "segment." + f))
    if ex["needed"] != re_["needed"]:
        diffs.append(("needed", ex["needed"], re_["needed"], "needed"))
    for f in SCALARS:
        if ex[f] != re_[f]:
            diffs.append((f, ex[f], re_[f], f))
    return diffs


def _readelf_type_number(s):
    """The number behind readelf's fallback type names: LOOS+0x.., LOPROC+0x.., LOUSER+0x.., <unknown>: .."""
    m = re.match(r"^(LOOS|LOPROC|LOUSER)\+(0x[0-9a-f]+|0)$", s or "")
    if m:
        return {"LOOS": 0x60000000, "LOPROC": 0x70000000, "LOUSER": 0x80000000}[m.group(1)] + int(m.group(2), 16)
    m = re.match(r"^<unknown>: (?:0x)?([0-9a-f]+)$", s or "")
    return int(m.group(1), 16) if m else None


def _exray_type_number(s):
    return int(s, 16) if isinstance(s, str) and re.match(r"^0x[0-9a-f]+$", s) else None


def _caret_escape(name):
    """readelf's print_symbol: control characters as ^@..^_, DEL as ^?."""
    out = []
    for c in name:
        o = ord(c)
        out.append("^" + chr(o + 0x40) if o < 0x20 else "^?" if o == 0x7f else c)
    return "".join(out)


LLVM_SECTION_TYPES = {"LLVM_ODRTAB": 0x6fff4c00, "LLVM_LINKER_OPTIONS": 0x6fff4c01, "LLVM_ADDRSIG": 0x6fff4c03,
                      "LLVM_DEPENDENT_LIBRARIES": 0x6fff4c04, "LLVM_SYMPART": 0x6fff4c05,
                      "LLVM_BB_ADDR_MAP": 0x6fff4c09}


def _cut_section_table(ctx):
    return ("extends past end of file for section headers" in ctx["readelf_err"] and
            any("section headers at" in w and "do not fit in the file" in w for w in ctx["warnings"]))


# Each rule: (id, applies to diff kinds, predicate(exray value, readelf value, context), why readelf
# differs). Context: readelf's stderr and exray's warnings for the file.
QUIRKS = [
    # readelf -S prints sh_type with "%-15.15s" and -l prints p_type with "%-14.14s" even under -W,
    # so longer names (LLVM_DEPENDENT_LIBRARIES, OPENBSD_RANDOMIZE) come out cut.
    ("type-truncated", ("section.type",), lambda e, r, c: isinstance(e, str) and len(e) > 15 and e[:15] == r),
    ("type-truncated", ("segment.type",), lambda e, r, c: isinstance(e, str) and len(e) > 14 and e[:14] == r),
    # For a type it has no name for, readelf prints "LOOS+0x..", "LOPROC+0x..", "LOUSER+0x.." or
    # "<unknown>: .." (then cut to the column width); exray prints the raw value in hex.
    ("unnamed-type-format", ("section.type", "segment.type"),
     lambda e, r, c: _exray_type_number(e) is not None and _exray_type_number(e) == _readelf_type_number(r)),
    # binutils 2.40 has no names for LLVM's section types (SHT_LLVM_*, 0x6fff4c00..); readelf prints
    # them as "LOOS+0xfff4cNN" while exray uses LLVM's names (llvm/BinaryFormat/ELF.h).
    ("llvm-type-unnamed", ("section.type",), lambda e, r, c: e in LLVM_SECTION_TYPES and
     _readelf_type_number(r) == LLVM_SECTION_TYPES[e]),
    # A PT_INTERP whose bytes are not in the file (p_filesz 0 in a separate debug file): readelf reports
    # "Unable to find program interpreter name" and prints none; exray keeps "" so that the segment's
    # presence (a dynamically linked file) is not lost.
    ("interp-unreadable", ("interpreter",), lambda e, r, c: e == "" and r is None),
    # A damaged file whose section header table runs past the end: readelf rejects the whole table
    # ("extends past end of file for section headers"), so it shows no sections and, with no sections,
    # no symbol tables; exray keeps the headers that fit and warns.
    ("cut-section-table", ("section_count", "symtab", "dynsym"), lambda e, r, c: _cut_section_table(c)),
    # readelf's print_symbol shows control characters in names as ^X; exray keeps the bytes.
    ("caret-escaped-name", ("section.name",), lambda e, r, c: isinstance(e, str) and e != r and _caret_escape(e) == r),
]


def classify(diff, ctx):
    field, e, r, kind = diff
    for qid, kinds, pred in QUIRKS:
        if kind in kinds:
            try:
                if pred(e, r, ctx):
                    return qid
            except Exception:  # a quirk predicate never decides a failure
                pass
    return None


# ---------------------------------------------------------------------------
# Running the tools


def run_readelf(path):
    try:
        p = subprocess.run(["readelf", *READELF_FLAGS, path], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=READELF_TIMEOUT)
    except subprocess.TimeoutExpired:
        return None, "readelf timed out"
    return p.stdout.decode("utf-8", "surrogateescape"), p.stderr.decode("utf-8", "replace")


def run_exray(exray, paths):
    """{path: document} for the files exray could read, and its stderr."""
    try:
        p = subprocess.run([exray, "--json", *paths], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=EXRAY_TIMEOUT)
    except subprocess.TimeoutExpired:
        return {}, "exray timed out", -1
    docs = {}
    for line in p.stdout.decode("utf-8", "surrogateescape").splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            d = json.loads(line)
        except ValueError:
            continue
        docs[d.get("path")] = d
    return docs, p.stderr.decode("utf-8", "replace"), p.returncode


def check_chunk(args):
    exray, paths = args
    docs, err, rc = run_exray(exray, paths)
    results = []
    for path in paths:
        doc = docs.get(path)
        text, rerr = run_readelf(path)
        if doc is None:
            # Rerun alone to separate this file's failure from a crash earlier in the chunk.
            single, serr, src = run_exray(exray, [path])
            doc = single.get(path)
            if doc is None:
                results.append((path, [("exray", f"no output (exit {src}): {serr.strip()[:300]}", None, "exray")],
                                []))
                continue
        if text is None:
            results.append((path, [("readelf", None, rerr, "readelf")], []))
            continue
        if doc.get("format") != "elf" or not doc.get("elf"):
            results.append((path, [("format", doc.get("format"), "elf", "format")], []))
            continue
        mismatches, quirks = [], []
        ctx = {"readelf_err": rerr, "warnings": doc.get("warnings") or []}
        for d in compare(from_exray(doc), parse_readelf(text)):
            q = classify(d, ctx)
            (quirks if q else mismatches).append((q, d) if q else d)
        results.append((path, mismatches, quirks))
    return results


# ---------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--exray", required=True, help="path to the exray binary")
    ap.add_argument("--limit", type=int, default=0, help="compare only N files, evenly spread over the corpus")
    ap.add_argument("--min-files", type=int, default=None,
                    help="fail when fewer files are found (default: 2000, or the limit)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--show", type=int, default=25, help="mismatches to list")
    ap.add_argument("--verbose", action="store_true", help="also list the quirks seen")
    ap.add_argument("roots", nargs="*", default=DEFAULT_ROOTS)
    args = ap.parse_args()

    if not os.access(args.exray, os.X_OK):
        print(f"readelf-diff: exray binary {args.exray} is not executable", file=sys.stderr)
        return 2
    if not shutil.which("readelf"):
        print("readelf-diff: readelf not found (install binutils)", file=sys.stderr)
        return 2
    start = time.monotonic()
    files = collect_corpus(args.roots)
    if args.limit:
        files = spread(files, args.limit)
    need = args.min_files if args.min_files is not None else (min(args.limit, 2000) if args.limit else 2000)
    if len(files) < need:
        print(f"readelf-diff: only {len(files)} ELF files under {' '.join(args.roots)}, need {need}",
              file=sys.stderr)
        return 2

    # Chunks of CHUNK files: one exray run each, readelf per file, spread over the pool.
    chunks = [(args.exray, files[i:i + CHUNK]) for i in range(0, len(files), CHUNK)]
    compared, bad_files, mismatches, quirk_counts, quirk_examples = 0, 0, [], {}, {}
    with multiprocessing.Pool(max(1, args.jobs)) as pool:
        for results in pool.imap_unordered(check_chunk, chunks):
            for path, mm, qs in results:
                compared += 1
                if mm:
                    bad_files += 1
                    mismatches.extend((path, d) for d in mm)
                for qid, d in qs:
                    quirk_counts[qid] = quirk_counts.get(qid, 0) + 1
                    quirk_examples.setdefault(qid, (path, d))

    mismatches.sort(key=lambda x: x[0])
    for path, (field, e, r, _) in mismatches[:args.show]:
        print(f"MISMATCH {path}: {field}: exray={e!r} readelf={r!r}")
    if len(mismatches) > args.show:
        print(f"... and {len(mismatches) - args.show} more")
    nquirks = sum(quirk_counts.values())
    for qid in sorted(quirk_counts):
        path, (field, e, r, _) = quirk_examples[qid]
        line = f"quirk {qid}: {quirk_counts[qid]}x"
        if args.verbose:
            line += f", e.g. {path}: {field}: exray={e!r} readelf={r!r}"
        print(line)
    print(f"readelf-diff: {compared} files, {len(mismatches)} mismatches in {bad_files} files "
          f"({nquirks} known readelf quirks) in {time.monotonic() - start:.1f}s")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
