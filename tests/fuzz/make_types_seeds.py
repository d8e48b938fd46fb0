#!/usr/bin/env python3
"""Writes seeds for go_types_fuzzer: the head of a real type region with the
typelinks that point into it (Go 1.19 fixture, esbuild's Go 1.26, and the
npm binaries of Go 1.7.3, 1.10 and 1.12.9 of types_check.py, and Go 1.5.4's and 1.6.2's
descriptors with their pointers rebased), and the head of buf's Go 1.27
region as a contiguous walk. The type region is cut to
LIMIT bytes so that seeds stay small; descriptors whose names lie past the
cut fail to read, which is itself worth fuzzing.

Usage: make_types_seeds.py OUTDIR BINARY:MINOR...   (64-bit little-endian ELF)
"""
import json
import os
import struct
import subprocess
import sys

LIMIT = 48 << 10
KTYPES = 0x100000  # go_types_fuzzer's kTypes


def minor_byte(minor):
    """go_types_fuzzer's byte 1 for a release: 16 + b % 14 below 0xc0, 7 + b % 9 from it."""
    if minor >= 16:
        return minor - 16
    return next(b for b in range(0xc0, 0x100) if 7 + b % 9 == minor)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for spec in sys.argv[2:]:
        path, minor = spec.rsplit(":", 1)
        doc = json.loads(subprocess.check_output(["exray", "go", path, "--types", "--json"]))
        reg = doc["types"]["region"]
        data = open(path, "rb").read()
        # file offset of types: from the program headers
        phoff, = struct.unpack_from("<Q", data, 0x20)
        phnum, = struct.unpack_from("<H", data, 0x38)
        for i in range(phnum):
            t, _, off, va, _, fs, _, _ = struct.unpack_from("<IIQQQQQQ", data, phoff + 56 * i)
            if t == 1 and va <= reg["types"] < va + fs:
                base = off + reg["types"] - va
        region = data[base:base + LIMIT]
        if int(minor) in (5, 6):
            # Go 1.5 and 1.6: from the first descriptor, with every word that points
            # into the slice moved to the fuzzer's kTypes, and the typelinks
            # as addresses there.
            first = min(t["address"] for t in doc["types"]["list"])
            region = bytearray(data[base + first - reg["types"]:base + first - reg["types"] + LIMIT])
            for i in range(0, len(region) - 7, 8):
                w, = struct.unpack_from("<Q", region, i)
                if first <= w < first + LIMIT:
                    struct.pack_into("<Q", region, i, KTYPES + w - first)
            addrs = sorted(t["address"] for t in doc["types"]["list"] if t["address"] - first < LIMIT)[:2000]
            head = struct.pack("<BBHHH", 8, int(minor) - 5, len(addrs), 0, 0)
            links = b"".join(struct.pack("<Q", KTYPES + a - first) for a in addrs)
            name = os.path.basename(path) + "-go1." + minor
            open(os.path.join(out, name), "wb").write(head + links + bytes(region))
            continue
        if "typedesclen" in reg:
            head = struct.pack("<BBHHH", 4, minor_byte(int(minor)), min(reg["typedesclen"], LIMIT), 0, 0)
            links = b""
        else:
            offs = sorted({t["address"] - reg["types"] for t in doc["types"]["list"]
                           if t["address"] - reg["types"] < LIMIT})[:2000]
            head = struct.pack("<BBHHH", 0, minor_byte(int(minor)), len(offs), 0, 0)
            links = b"".join(struct.pack("<I", o) for o in offs)
        name = os.path.basename(path) + "-go1." + minor
        open(os.path.join(out, name), "wb").write(head + links + region)


if __name__ == "__main__":
    main()
