#!/usr/bin/env python3
"""Fills a YAML template's "@CONTENT@" with the hex of an SHF_COMPRESSED
section: an Elf32_Chdr or Elf64_Chdr followed by zlib or zstd data.

  compress_section.py TEMPLATE OUT --algo zlib|zstd [--class 32|64] [--endian le|be]
                      [--text STRING] [--ch-type N] [--ch-size N] [--corrupt]

--text takes Python escapes ("a\\0b"); --ch-type / --ch-size override the
header fields, --corrupt flips bytes in the middle of the compressed stream.
zstd data comes from the zstd command (Python has no zstd module)."""
import argparse
import struct
import subprocess
import zlib

ELFCOMPRESS = {"zlib": 1, "zstd": 2}

p = argparse.ArgumentParser()
p.add_argument("template")
p.add_argument("out")
p.add_argument("--algo", choices=sorted(ELFCOMPRESS), required=True)
p.add_argument("--class", dest="cls", type=int, choices=(32, 64), default=64)
p.add_argument("--endian", choices=("le", "be"), default="le")
p.add_argument("--text", default="GCC: (Debian 12.2.0-14) 12.2.0\\0")
p.add_argument("--ch-type", type=lambda s: int(s, 0))
p.add_argument("--ch-size", type=lambda s: int(s, 0))
p.add_argument("--corrupt", action="store_true")
a = p.parse_args()

raw = a.text.encode("latin-1").decode("unicode_escape").encode("latin-1")
if a.algo == "zlib":
    data = zlib.compress(raw, 9)
else:
    data = subprocess.run(["zstd", "-q", "-c", "-19"], input=raw, stdout=subprocess.PIPE, check=True).stdout
if a.corrupt:
    mid = len(data) // 2
    data = data[:mid] + bytes(b ^ 0x5A for b in data[mid:mid + 4]) + data[mid + 4:]
e = "<" if a.endian == "le" else ">"
ch_type = ELFCOMPRESS[a.algo] if a.ch_type is None else a.ch_type
ch_size = len(raw) if a.ch_size is None else a.ch_size
if a.cls == 64:
    hdr = struct.pack(e + "IIQQ", ch_type, 0, ch_size, 1)
else:
    hdr = struct.pack(e + "III", ch_type, ch_size, 1)
with open(a.template) as f:
    text = f.read()
with open(a.out, "w") as f:
    f.write(text.replace("@CONTENT@", (hdr + data).hex()))
