#!/usr/bin/env python3
"""Writes a seed for go_globals_fuzzer from an unstripped Go binary (amd64).

Usage: make_globals_seeds.py BINARY RELEASE_INDEX OUT
RELEASE_INDEX picks the fuzzer's layout (0: Go 1.19, 1..7: Go 1.21 to 1.27).
The seed is that byte, then runtime.allgadd, mcommoninit, procresize,
(*mheap).init and (*mheap).allocSpan, each a 2-byte little-endian length and
its code as `go tool nm -size` places it in the file.
"""
import struct
import subprocess
import sys

NAMES = ["runtime.allgadd", "runtime.mcommoninit", "runtime.procresize", "runtime.(*mheap).init",
         "runtime.(*mheap).allocSpan"]


def main():
    path, index, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    syms = {}
    for line in subprocess.run(["go", "tool", "nm", "-size", path], capture_output=True, text=True,
                               check=True).stdout.splitlines():
        f = line.split()
        if len(f) >= 4 and f[3] in NAMES:
            syms[f[3]] = (int(f[0], 16), int(f[1]))
    # The text segment's file offset: vaddr - (p_vaddr - p_offset) of the executable PT_LOAD.
    for line in subprocess.run(["readelf", "-lW", path], capture_output=True, text=True).stdout.splitlines():
        f = line.split()
        if f[:1] == ["LOAD"] and "E" in f[-2]:
            delta = int(f[2], 16) - int(f[1], 16)
            break
    data = open(path, "rb").read()
    seed = bytes([index])
    for n in NAMES:
        addr, size = syms[n]
        code = data[addr - delta:addr - delta + min(size, 0xffff)]
        seed += struct.pack("<H", len(code)) + code
    open(out, "wb").write(seed)


if __name__ == "__main__":
    main()
