#!/usr/bin/env python3
"""Writes seeds for dwarf_fuzzer from an unstripped Go binary's DWARF.

Usage: make_dwarf_seeds.py BINARY OUTDIR
Each seed is a 2-byte little-endian length, .debug_abbrev, then some units of
.debug_info (inflated when SHF_COMPRESSED): the first three units, and the
unit holding runtime.stack, cut to its first 16 KiB.
"""
import struct
import subprocess
import sys
import zlib


def section(path, name):
    data = open(path, "rb").read()
    for line in subprocess.run(["readelf", "-S", "-W", path], capture_output=True, text=True).stdout.splitlines():
        if "] " + name + " " in line:
            f = line.split("]", 1)[1].split()
            off, size, flags = int(f[3], 16), int(f[4], 16), f[6] if len(f) > 9 else ""
            raw = data[off:off + size]
            if "C" in flags:  # Elf64_Chdr: type, reserved, size, align; then zlib
                return zlib.decompress(raw[24:])
            return raw
    sys.exit(f"{path}: no {name}")


def units(info):
    off = 0
    while off + 4 <= len(info):
        n = struct.unpack_from("<I", info, off)[0]
        yield off, 4 + n
        off += 4 + n


def main():
    binary, out = sys.argv[1], sys.argv[2]
    ab, info = section(binary, ".debug_abbrev"), section(binary, ".debug_info")
    us = list(units(info))
    head = info[:us[2][0] + us[2][1]]
    at = info.find(b"runtime.stack\0")
    rt = next(info[o:o + n] for o, n in us if o <= at < o + n)
    for name, body in (("go119-first-units", head), ("go119-runtime-unit-cut", rt[:16384])):
        open(f"{out}/{name}", "wb").write(struct.pack("<H", len(ab)) + ab + body)


if __name__ == "__main__":
    main()
