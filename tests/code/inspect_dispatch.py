#!/usr/bin/env python3
"""Look at the dispatch of a function with objdump: the tool used to verify
the shape of every row of corpus.tsv, independent of exray.

    inspect_dispatch.py FILE FUNCTION        a symbol (.symtab or .dynsym)
    inspect_dispatch.py FILE 0xADDR          the .eh_frame FDE holding ADDR
    inspect_dispatch.py FILE --top N         stripped files: the N FDE ranges
                                             with the most indirect jumps (not
                                             counting [rip+..] GOT/PLT jumps)

For the function it prints its range (where it came from), the number of
instructions, every indirect `jmp` with the instructions that compute its
target, every indirect `call`, and a summary:
  - threaded:      computed goto. Several indirect jmps (gcc duplicates the
                   dispatch into handlers unless the dispatch block is too big:
                   Lua 5.4 keeps 3), each loading an 8-byte code address from
                   one table (`mov r, QWORD PTR [tab+idx*8]`), no bounds check
                   (the opcode is a byte or masked);
  - switch:        one (sometimes two) indirect jmp through a jump table
                   guarded by `cmp idx, N; ja default`: in PIC code 4-byte
                   offsets (`movsxd r, DWORD PTR [tab+idx*4]; add r, tab`);
  - call-threaded: a short loop whose only dispatch is an indirect `call`
                   through the op just returned (`call QWORD PTR [rax+..]`) and
                   a test of the result (Perl's runops).
The verdict is a person's, from this listing and the engine's source; this
script only gathers the facts.
"""

import argparse
import bisect
import re
import subprocess
import sys

INDIRECT_JMP = re.compile(r"^\s*([0-9a-f]+):\s+(?:(?:bnd|notrack|rex\.W|ds|cs)\s+)*jmp\s+(.*)$")
INDIRECT_CALL = re.compile(r"^\s*([0-9a-f]+):\s+(?:(?:bnd|notrack|rex\.W|ds|cs|addr32)\s+)*call\s+(.*)$")
INSN = re.compile(r"^\s*([0-9a-f]+):\s+(\S.*)$")


def run(cmd):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, check=False).stdout


def symbols(path):
    """{name: (start, end)} of FUNC symbols of .symtab and .dynsym (version suffix dropped)."""
    out = {}
    for line in run(["readelf", "-sW", "--wide", path]).splitlines():
        cols = line.split()
        if len(cols) < 8 or cols[3] not in ("FUNC", "IFUNC") or cols[6] == "UND":
            continue
        try:
            start = int(cols[1], 16)
            size = int(cols[2], 0) if not cols[2].startswith("0x") else int(cols[2], 16)
        except ValueError:
            continue
        name = cols[7].split("@")[0]
        if start and size and name not in out:
            out[name] = (start, start + size)
    return out


def fdes(path):
    """[(start, end)] of the .eh_frame FDEs (readelf --debug-dump=frames)."""
    ranges = []
    for m in re.finditer(r"FDE cie=\S+ pc=([0-9a-f]+)\.\.([0-9a-f]+)", run(["readelf", "--debug-dump=frames", path])):
        ranges.append((int(m.group(1), 16), int(m.group(2), 16)))
    return sorted(set(ranges))


def disasm(path, start, end):
    text = run(["objdump", "-d", "--no-show-raw-insn", "-M", "intel", "--start-address=0x%x" % start,
                "--stop-address=0x%x" % end, path])
    insns = []
    for line in text.splitlines():
        m = INSN.match(line)
        if m and not line.rstrip().endswith(">:"):
            insns.append((int(m.group(1), 16), re.sub(r"\s+", " ", m.group(2)).strip()))
    return insns


def is_indirect(target):
    # `jmp 4011a0 <foo+0x10>` is direct; a register or a memory operand is not.
    # (Callers leave out `[rip+...]` jmps: tail calls through the GOT, PLT stubs.)
    return not re.match(r"^[0-9a-f]+ <", target)


def describe(path, start, end, how):
    insns = disasm(path, start, end)
    print("%s: 0x%x-0x%x (%s), %d instructions" % (path, start, end, how, len(insns)))
    jmps, calls, tables = [], [], {}
    for i, (addr, text) in enumerate(insns):
        m = INDIRECT_JMP.match("%x: %s" % (addr, text))
        if m and is_indirect(m.group(2)) and "rip+" not in m.group(2):
            ctx = [t for _, t in insns[max(0, i - 6):i]]
            jmps.append((addr, text, ctx))
            for t in ctx + [text]:
                tm = re.search(r"(QWORD|DWORD) PTR \[([^\]]*\*(8|4)[^\]]*)\]", t)
                if tm:
                    key = "%s [%s]" % (tm.group(1), tm.group(2))
                    tables[key] = tables.get(key, 0) + 1
            continue
        m = INDIRECT_CALL.match("%x: %s" % (addr, text))
        if m and is_indirect(m.group(2)):
            calls.append((addr, text))
    for addr, text, ctx in jmps:
        print("  jmp site 0x%x: %s    <- %s" % (addr, text, " ; ".join(ctx[-4:])))
    for addr, text in calls[:20]:
        print("  call site 0x%x: %s" % (addr, text))
    if len(calls) > 20:
        print("  ... %d indirect calls in all" % len(calls))
    print("summary: %d indirect jmp sites, %d indirect call sites; table operands near the jmps: %s" % (
        len(jmps), len(calls), ", ".join("%s x%d" % kv for kv in sorted(tables.items(), key=lambda kv: -kv[1])) or "none"))
    return len(jmps), len(calls)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("file")
    ap.add_argument("function", nargs="?", help="symbol name or 0xADDR")
    ap.add_argument("--top", type=int, help="list the N FDE ranges with the most indirect jmps")
    a = ap.parse_args()
    if a.top:
        # One objdump pass over the file, each indirect jmp put in its FDE.
        ranges = fdes(a.file)
        starts = [r[0] for r in ranges]
        counts = {}
        for line in run(["objdump", "-d", "--no-show-raw-insn", "-M", "intel", a.file]).splitlines():
            m = INDIRECT_JMP.match(line)
            if not m or not is_indirect(m.group(2)) or "rip+" in m.group(2):
                continue
            addr = int(m.group(1), 16)
            k = bisect.bisect_right(starts, addr) - 1
            if k >= 0 and ranges[k][0] <= addr < ranges[k][1]:
                counts[ranges[k]] = counts.get(ranges[k], 0) + 1
        syms = {v: k for k, v in symbols(a.file).items()}
        for (start, end), n in sorted(counts.items(), key=lambda kv: -kv[1])[:a.top]:
            print("%4d indirect jmps  0x%x-0x%x  %s" % (n, start, end, syms.get((start, end), "")))
        return 0
    if not a.function:
        ap.error("FUNCTION or --top")
    if a.function.startswith("0x"):
        addr = int(a.function, 16)
        hits = [(s, e) for s, e in fdes(a.file) if s <= addr < e]
        if not hits:
            sys.exit("no FDE holds 0x%x" % addr)
        describe(a.file, hits[0][0], hits[0][1], "eh_frame FDE")
    else:
        syms = symbols(a.file)
        if a.function not in syms:
            sys.exit("no FUNC symbol %s in %s" % (a.function, a.file))
        describe(a.file, syms[a.function][0], syms[a.function][1], "symbol")
    return 0


if __name__ == "__main__":
    sys.exit(main())
