#!/usr/bin/env python3
"""Writes seeds for macho_fuzzer: the load-command head of each thin image
(header and commands, cut at LIMIT bytes), and for a universal file a small
universal file of the same slices' heads, its records pointing at them.

Usage: make_macho_seeds.py OUTDIR FILE...
"""
import os
import struct
import sys

LIMIT = 16 << 10


def head(img):
    """The header and load commands of a thin image, at most LIMIT bytes."""
    magic, = struct.unpack_from("<I", img, 0)
    end = "<" if magic in (0xfeedface, 0xfeedfacf) else ">"
    sizeofcmds, = struct.unpack_from(end + "I", img, 20)
    hdr = 32 if magic in (0xfeedfacf, 0xcffaedfe) else 28
    return img[:min(hdr + sizeofcmds, LIMIT, len(img))]


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for path in sys.argv[2:]:
        data = open(path, "rb").read()
        name = os.path.basename(os.path.dirname(path)) + "-" + os.path.basename(path)
        magic, n = struct.unpack_from(">II", data, 0)
        if magic in (0xcafebabe, 0xcafebabf) and n < 43:
            rec = 32 if magic == 0xcafebabf else 20
            heads, archs = [], []
            for i in range(n):
                cpu, sub = struct.unpack_from(">ii", data, 8 + rec * i)
                off, size = struct.unpack_from(">QQ" if rec == 32 else ">II", data, 16 + rec * i)
                heads.append(head(data[off:off + size]))
                archs.append((cpu, sub))
            blob = bytearray(struct.pack(">II", 0xcafebabe, n))
            at = 8 + 20 * n
            at = (at + 15) // 16 * 16
            body = b""
            for (cpu, sub), h in zip(archs, heads):
                blob += struct.pack(">iiIII", cpu, sub, at + len(body), len(h), 4)
                body += h + b"\0" * (-len(h) % 16)
            blob += b"\0" * (at - len(blob))
            open(os.path.join(out, name), "wb").write(bytes(blob) + body)
        else:
            open(os.path.join(out, name), "wb").write(head(data))


if __name__ == "__main__":
    main()
