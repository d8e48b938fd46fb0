#!/usr/bin/env python3
"""Writes the seed corpus of the bytecode fuzzer (corpus/bytecode/): one small
hand-built file per format, from this script alone (never downloaded).
   python3 tests/fuzz/make_bytecode_seeds.py
Files named regress-* in that folder are fuzzer finds and are kept as they are."""
import io
import os
import struct
import zipfile

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "bytecode")


def leb(n):
    b = bytearray()
    while True:
        x, n = n & 0x7F, n >> 7
        b.append(x | (0x80 if n else 0))
        if not n:
            return bytes(b)


def name(s):
    return leb(len(s)) + s


def wasm():
    prod = name(b"producers") + leb(2) + name(b"language") + leb(1) + name(b"Rust") + name(b"") \
        + name(b"processed-by") + leb(1) + name(b"rustc") + name(b"1.76.0")
    types = b"\x01\x60\x00\x00"
    imports = leb(1) + name(b"env") + name(b"f") + b"\x00\x00"
    funcs = b"\x01\x00"
    exports = leb(1) + name(b"run") + b"\x00\x01"
    code = b"\x01\x02\x00\x0b"
    body = b""
    for sid, data in [(1, types), (2, imports), (3, funcs), (7, exports), (10, code), (0, prod),
                      (0, name(b"go:buildid") + b"abc/def")]:
        body += bytes([sid]) + leb(len(data)) + data
    return b"\0asm\x01\0\0\0" + body


def chunk(cid, data):
    c = cid + struct.pack(">I", len(data)) + data
    return c + b"\0" * (-len(c) % 4)


def beam(module):
    atoms = struct.pack(">I", 2) + bytes([len(module)]) + module + b"\x03map"
    body = b"BEAM" + chunk(b"AtU8", atoms) + chunk(b"Code", b"\x00" * 20) + chunk(b"ExpT", b"\x00" * 4)
    return b"FOR1" + struct.pack(">I", len(body)) + body


def pe_cli():
    b = bytearray(0x400)
    b[0:2] = b"MZ"
    struct.pack_into("<I", b, 0x3C, 0x40)
    coff = b"PE\0\0" + struct.pack("<HHIIIHH", 0x14C, 1, 0, 0, 0, 0xE0, 0x102)
    opt = bytearray(0xE0)
    struct.pack_into("<H", opt, 0, 0x10B)
    struct.pack_into("<I", opt, 92, 16)
    struct.pack_into("<II", opt, 96 + 14 * 8, 0x2008, 72)
    sec = b".text\0\0\0" + struct.pack("<IIII", 0x1000, 0x2000, 0x200, 0x200) + b"\0" * 16
    hdr = coff + bytes(opt) + sec
    b[0x40:0x40 + len(hdr)] = hdr
    struct.pack_into("<IHHIII", b, 0x208, 72, 2, 5, 0x2050, 0x100, 1)
    b[0x250:0x250 + 28] = struct.pack("<IHHII", 0x424A5342, 1, 1, 0, 12) + b"v4.0.30319\0\0"
    return bytes(b)


def jar():
    cls = b"\xca\xfe\xba\xbe\x00\x00\x00\x3d" + b"\x00" * 8
    f = io.BytesIO()
    with zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\nCreated-By: 17 (x)\r\nMain-Class: a.B\r\n\r\n")
        z.writestr("a/B.class", cls)
        z.writestr(zipfile.ZipInfo("a/C.class"), cls)  # stored
        z.writestr("META-INF/main.kotlin_module", b"\0")
    return f.getvalue()


def plain_zip():
    f = io.BytesIO()
    with zipfile.ZipFile(f, "w") as z:
        z.writestr("a.txt", "hello")
    return f.getvalue()


seeds = {
    "class-java17": b"\xca\xfe\xba\xbe\x00\x00\x00\x3d" + b"\x00" * 16,
    "fat-macho": b"\xca\xfe\xba\xbe\x00\x00\x00\x02" + b"\x01\x00\x00\x07" + b"\x00" * 36,
    "jar": jar(),
    "zip": plain_zip(),
    "pyc-3.11": struct.pack("<H", 3495) + b"\r\n" + b"\0" * 12 + b"\xe3",
    "wasm-producers": wasm(),
    "lua54": b"\x1bLua\x54\x00\x19\x93\r\n\x1a\n\x04\x08\x08",
    "luajit2": b"\x1bLJ\x02\x02\x00",
    "beam": beam(b"lists"),
    "beam-elixir": beam(b"Elixir.Foo"),
    "pe-cli": pe_cli(),
}
os.makedirs(out, exist_ok=True)
for fname, data in seeds.items():
    with open(os.path.join(out, fname), "wb") as f:
        f.write(data)
