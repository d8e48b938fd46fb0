#!/usr/bin/env python3
"""Writes a small x86-64 ELF shared object for identification tests.

Usage: mini_elf.py OUT [--needed LIB]... [--undef SYM]... [--def SYM]...
                   [--text-size N] [--rodata TEXT]... [--comment TEXT]...
                   [--section NAME=HEX]... [--note SECTION:OWNER:DESCHEX]...
                   [--append HEX] [--machine N] [--rodata-pad N] [--osabi N]

Each --rodata string is NUL-terminated; "@IMAGE_END@" in one is replaced by
the file offset where the ELF image ends, padded to 20 characters (as
vercel/pkg pads the offsets it patches in). --section adds a non-loaded
section with the given bytes, --note a SHT_NOTE section holding one note,
--append bytes after the image (an overlay).

yaml2obj cannot place chosen DT_NEEDED names (it reorders .dynstr), so this
lays the file out itself: an R segment with .dynsym, .dynstr and .rodata, an
RX segment with .text (N zero bytes), an RW segment with .dynamic, and the
non-loaded .comment and .shstrtab.
"""

import argparse
import struct


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--needed", action="append", default=[])
    ap.add_argument("--soname", default="", help="a DT_SONAME")
    ap.add_argument("--undef", action="append", default=[])
    ap.add_argument("--weak", action="append", default=[], help="an undefined weak symbol (crtstuff's __cxa_finalize)")
    ap.add_argument("--def", dest="defs", action="append", default=[])
    ap.add_argument("--text-size", type=lambda s: int(s, 0), default=0x100)
    ap.add_argument("--rodata", action="append", default=[])
    ap.add_argument("--comment", action="append", default=[])
    ap.add_argument("--section", action="append", default=[])
    ap.add_argument("--note", action="append", default=[])
    ap.add_argument("--interp", default="", help="a PT_INTERP naming this loader: a PIE program, not a library")
    ap.add_argument("--segment-note", default="",
                    help="OWNER:HEX: a note in a PT_NOTE segment of its own, under no section (as postject adds one)")
    ap.add_argument("--append", default="")
    ap.add_argument("--machine", type=int, default=62)
    ap.add_argument("--osabi", type=int, default=0, help="e_ident[EI_OSABI] (9: FreeBSD)")
    ap.add_argument("--rodata-pad", type=lambda s: int(s, 0), default=0, help="zero bytes before the --rodata strings")
    a = ap.parse_args()

    dynstr = bytearray(b"\0")

    def add(s):
        off = len(dynstr)
        dynstr.extend(s.encode() + b"\0")
        return off

    needed = [add(n) for n in a.needed]
    soname = add(a.soname) if a.soname else None
    syms = [(add(n), False, 1) for n in a.undef] + [(add(n), False, 2) for n in a.weak] + \
        [(add(n), True, 1) for n in a.defs]
    rodata = b"\0" * a.rodata_pad + (b"".join(r.encode() + b"\0" for r in a.rodata).replace(
        b"@IMAGE_END@", b"@IMAGE_END@".ljust(20)) or b"\0")
    extra = []  # (name, type, bytes)
    for spec in a.section:
        name, _, hexbytes = spec.partition("=")
        extra.append((name, 1, bytes.fromhex(hexbytes)))
    for spec in a.note:
        sec, owner, desc = spec.split(":", 2)
        o, d = owner.encode() + b"\0", bytes.fromhex(desc)
        pad = lambda b: b + b"\0" * (-len(b) % 4)
        extra.append((sec, 7, struct.pack("<III", len(o), len(d), 1) + pad(o) + pad(d)))
    comment = b"".join(c.encode() + b"\0" for c in a.comment)
    segnote = b""
    if a.segment_note:
        owner, _, desc = a.segment_note.partition(":")
        o, d = owner.encode() + b"\0", bytes.fromhex(desc)
        pad4 = lambda b: b + b"\0" * (-len(b) % 4)
        segnote = struct.pack("<III", len(o), len(d), 0) + pad4(o) + pad4(d)
    interp = a.interp.encode() + b"\0" if a.interp else b""
    nph = 4 + (1 if segnote else 0) + (1 if interp else 0)

    text_addr = 0x100000
    dyn_addr = 0x300000
    # Loaded R part: header, 4 program headers, dynsym, dynstr, rodata.
    off = 64 + nph * 56
    dynsym_off = off
    dynsym = bytearray(24)  # the null symbol
    for name, defined, bind in syms:
        info = (bind << 4) | 2  # STB_GLOBAL or STB_WEAK, STT_FUNC
        shndx = 4 if defined else 0
        dynsym += struct.pack("<IBBHQQ", name, info, 0, shndx, text_addr if defined else 0, 0)
    off += len(dynsym)
    dynstr_off = off
    off += len(dynstr)
    rodata_off = off
    off += len(rodata)
    ro_end = off
    text_off = (off + 0xfff) & ~0xfff
    dyn_off = (text_off + a.text_size + 0xfff) & ~0xfff
    dynamic = b"".join(struct.pack("<qQ", 1, n) for n in needed) + \
        (struct.pack("<qQ", 14, soname) if soname is not None else b"") + struct.pack("<qQ", 5, dynstr_off) + \
        struct.pack("<qQ", 6, dynsym_off) + struct.pack("<qQ", 10, len(dynstr)) + struct.pack("<qQ", 11, 24) + \
        struct.pack("<qQ", 0, 0)
    comment_off = dyn_off + len(dynamic)
    shstr = bytearray(b"\0")
    names = {}
    for n in [".dynsym", ".dynstr", ".rodata", ".text", ".dynamic", ".comment", ".shstrtab"] + [e[0] for e in extra]:
        names[n] = len(shstr)
        shstr += n.encode() + b"\0"
    extra_off = []
    off = comment_off + len(comment)
    for _, _, data in extra:
        off = (off + 7) & ~7
        extra_off.append(off)
        off += len(data)
    segnote_off = (off + 3) & ~3
    off = segnote_off + len(segnote)
    interp_off = off
    off += len(interp)
    shstr_off = off
    sh_off = (shstr_off + len(shstr) + 7) & ~7
    shnum = 8 + len(extra)
    image_end = sh_off + shnum * 64
    rodata = rodata.replace(b"@IMAGE_END@".ljust(20), str(image_end).ljust(20).encode())

    f = bytearray(image_end)
    f[0:16] = b"\x7fELF\x02\x01\x01" + bytes([a.osabi]) + b"\0" * 8
    f[16:64] = struct.pack("<HHIQQQIHHHHHH", 3, a.machine, 1, text_addr, 64, sh_off, 0, 64, 56, nph, 64, shnum, 7)
    phdrs = [
        (1, 4, 0, 0, ro_end, ro_end, 0x1000),                                     # PT_LOAD R
        (1, 5, text_off, text_addr, a.text_size, a.text_size, 0x1000),            # PT_LOAD RX
        (1, 6, dyn_off, dyn_addr, len(dynamic), len(dynamic), 0x1000),            # PT_LOAD RW
        (2, 6, dyn_off, dyn_addr, len(dynamic), len(dynamic), 8),                 # PT_DYNAMIC
    ] + ([(4, 4, segnote_off, 0, len(segnote), len(segnote), 4)] if segnote else []) + \
        ([(3, 4, interp_off, 0, len(interp), len(interp), 1)] if interp else [])  # PT_NOTE, PT_INTERP
    for i, (t, fl, o, v, fs, ms, al) in enumerate(phdrs):
        f[64 + 56 * i:64 + 56 * (i + 1)] = struct.pack("<IIQQQQQQ", t, fl, o, v, v, fs, ms, al)
    f[dynsym_off:dynsym_off + len(dynsym)] = dynsym
    f[dynstr_off:dynstr_off + len(dynstr)] = dynstr
    f[rodata_off:rodata_off + len(rodata)] = rodata
    f[dyn_off:dyn_off + len(dynamic)] = dynamic
    f[comment_off:comment_off + len(comment)] = comment
    f[shstr_off:shstr_off + len(shstr)] = shstr
    f[segnote_off:segnote_off + len(segnote)] = segnote
    f[interp_off:interp_off + len(interp)] = interp
    for (_, _, data), o in zip(extra, extra_off):
        f[o:o + len(data)] = data
    # name, type, flags, addr, offset, size, link, info, align, entsize
    shdrs = [
        (0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
        (names[".dynsym"], 11, 2, dynsym_off, dynsym_off, len(dynsym), 2, 1, 8, 24),
        (names[".dynstr"], 3, 2, dynstr_off, dynstr_off, len(dynstr), 0, 0, 1, 0),
        (names[".rodata"], 1, 2, rodata_off, rodata_off, len(rodata), 0, 0, 1, 0),
        (names[".text"], 1, 6, text_addr, text_off, a.text_size, 0, 0, 16, 0),
        (names[".dynamic"], 6, 3, dyn_addr, dyn_off, len(dynamic), 2, 0, 8, 16),
        (names[".comment"], 1, 0x30, 0, comment_off, len(comment), 0, 0, 1, 1),
        (names[".shstrtab"], 3, 0, 0, shstr_off, len(shstr), 0, 0, 1, 0),
    ] + [(names[n], t, 0, 0, o, len(d), 0, 0, 4 if t == 7 else 1, 0) for (n, t, d), o in zip(extra, extra_off)]
    for i, s in enumerate(shdrs):
        f[sh_off + 64 * i:sh_off + 64 * (i + 1)] = struct.pack("<IIQQQQIIQQ", *s)
    with open(a.out, "wb") as out:
        out.write(f + bytes.fromhex(a.append))


if __name__ == "__main__":
    main()
