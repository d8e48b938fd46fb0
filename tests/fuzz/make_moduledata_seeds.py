#!/usr/bin/env python3
"""Writes the seed corpus of go_moduledata_fuzzer into corpus/go_moduledata/.

Input layout (see go_moduledata_fuzzer.cc): byte 0 flags, byte 1 text size / 16
(and, modulo 3, the pclntab version: none, Go 1.18, Go 1.20), bytes 2-9 ftab0
(u64 little-endian), then the writable data region, mapped at 0x600000 (+4 when
misaligned). The pclntab is at 0x500000, text at 0x401000.
    python3 tests/fuzz/make_moduledata_seeds.py
"""
import os
import struct

BIG, PTR4, TEXTOFF, GOMODULE, WXCOPY, MISALIGNED, ROCOPY = (1 << i for i in range(7))
PCLN, TEXT, DATA = 0x500000, 0x401000, 0x600000
NO_VERSION, GO118, GO120 = 15, 16, 17  # byte 1: 240, 256 or 272 bytes of text


def moduledata(flags, minpc, maxpc, text, etext, first=PCLN):
    ps = 4 if flags & PTR4 else 8
    fmt = (">" if flags & BIG else "<") + ("I" if ps == 4 else "Q")
    words = [0] * 24
    words[0], words[20], words[21], words[22], words[23] = first, minpc, maxpc, text, etext
    return b"".join(struct.pack(fmt, w) for w in words)


def with_tail(flags, gofunc64, textsectmap64, ftab0, sections=((0, 0x100, TEXT),)):
    """Moduledata with gofunc and a textsectmap ({vaddr, end, baseaddr} each) after it."""
    ps = 4 if flags & PTR4 else 8
    fmt = (">" if flags & BIG else "<") + ("I" if ps == 4 else "Q")
    words = [0] * ((textsectmap64 + 24) // 8 + 3 * len(sections))
    words[0], words[20], words[21], words[22], words[23] = PCLN, TEXT + ftab0, TEXT + 0x100, TEXT, TEXT + 0x100
    sects = (textsectmap64 + 24) // 8
    words[gofunc64 // 8] = PCLN + 8
    words[textsectmap64 // 8:textsectmap64 // 8 + 3] = [DATA + sects * ps, len(sections), len(sections)]
    words[sects:] = [w for sect in sections for w in sect]
    return b"".join(struct.pack(fmt, w) for w in words)


def seed(flags, ftab0, data, text_units=NO_VERSION):
    return bytes([flags, text_units]) + struct.pack("<Q", ftab0) + data


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "go_moduledata")
    os.makedirs(out, exist_ok=True)
    md = moduledata
    seeds = {
        # Validates: Go 1.18+ offsets, 64-bit little-endian, after some padding.
        "valid-le64": seed(TEXTOFF, 0x20, bytes(32) + md(TEXTOFF, TEXT + 0x20, TEXT + 0x100, TEXT, TEXT + 0x100)),
        # Validates: Go 1.16-1.17 absolute entries, 32-bit big-endian.
        "valid-be32": seed(BIG | PTR4, TEXT + 0x40,
                           md(BIG | PTR4, TEXT + 0x40, TEXT + 0x80, TEXT, TEXT + 0x80)),
        # Validates as the .go.module section (Go 1.26+).
        "valid-gomodule-le64": seed(TEXTOFF | GOMODULE, 0,
                                    md(TEXTOFF, TEXT, TEXT + 0x10, TEXT, TEXT + 0x10)),
        # The first pointer match fails (text outside the executable region), the second validates;
        # a W+X copy and a read-only copy must not be taken; the data region is misaligned by 4.
        "second-candidate-misaligned": seed(TEXTOFF | WXCOPY | ROCOPY | MISALIGNED, 0x8,
                                            bytes(4) + md(TEXTOFF, 0x900008, 0x900010, 0x900000, 0x900010) +
                                            md(TEXTOFF, TEXT + 8, TEXT + 0x10, TEXT, TEXT + 0x10)),
        # Does not validate: minpc > maxpc.
        "minpc-above-maxpc": seed(TEXTOFF, 0x20, md(TEXTOFF, TEXT + 0x20, TEXT + 0x10, TEXT, TEXT + 0x100)),
        # Does not validate: truncated in the middle of the fields.
        "truncated": seed(TEXTOFF, 0x20, md(TEXTOFF, TEXT + 0x20, TEXT + 0x100, TEXT, TEXT + 0x100)[:170]),
        "empty-data": seed(0, 0, b""),
        # The tail of each layout (gofunc, textsectmap offsets from reference §2.8).
        "tail-go118-le64": seed(TEXTOFF, 0x20, with_tail(TEXTOFF, 304, 312, 0x20), GO118),
        "tail-go120-le64": seed(TEXTOFF, 0x20, with_tail(TEXTOFF, 320, 328, 0x20), GO120),
        "tail-go126-be32": seed(TEXTOFF | BIG | PTR4, 0x20, with_tail(TEXTOFF | BIG | PTR4, 320, 336, 0x20), GO120),
        "tail-go127-le64": seed(TEXTOFF, 0x20, with_tail(TEXTOFF, 344, 360, 0x20), GO120),
        # Three text sections (as on large ppc64/arm64 binaries); then the same out of order.
        "tail-go120-3sects-le64": seed(TEXTOFF, 0x20, with_tail(TEXTOFF, 320, 328, 0x20, (
            (0, 0x100, TEXT), (0x100, 0x180, TEXT + 0x200), (0x180, 0x200, TEXT + 0x300))), GO120),
        "tail-go120-3sects-unordered-le64": seed(TEXTOFF, 0x20, with_tail(TEXTOFF, 320, 328, 0x20, (
            (0, 0x100, TEXT), (0x80, 0x180, TEXT + 0x200), (0x180, 0x200, TEXT + 0x300))), GO120),
        # kMaxModuledataCandidates = 256 pointer matches are validated: 255 that fail (text
        # outside the executable region), then a valid one is found; 256, and it is not.
        "candidate-cap-255-found": seed(PTR4, TEXT, struct.pack("<I", PCLN) * 255 +
                                        md(PTR4, TEXT, TEXT + 0x10, TEXT, TEXT + 0x10)),
        "candidate-cap-256-not-found": seed(PTR4, TEXT, struct.pack("<I", PCLN) * 256 +
                                            md(PTR4, TEXT, TEXT + 0x10, TEXT, TEXT + 0x10)),
    }
    for name, b in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(b)


if __name__ == "__main__":
    main()
