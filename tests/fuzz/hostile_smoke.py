#!/usr/bin/env python3
"""Hostile-input smoke test: runs exray on a real ELF file cut at every header
and table boundary (and at many other sizes), and on copies with smashed
header fields, under a memory limit and a timeout. Every run must exit 0 or 1,
never die from a signal or time out, and on exit 1 print exactly one line on
stderr ("exray: FILE: reason").

  hostile_smoke.py --exray BUILD/exray --workdir DIR [--input /bin/ls] [--jobs 2]
"""
import argparse
import concurrent.futures
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile

TIMEOUT_SECONDS = 20          # per run; ASan builds are slower
# ulimit -v for non-sanitizer builds: exray needs a few MiB for these inputs,
# so running out means an allocation sized by the input instead of bounded.
MEMORY_LIMIT = 256 << 20
RANDOM_SIZES = 60


def parse_elf(data):
    """Header, program-header and section-header facts needed to pick cut points."""
    is64 = data[4] == 2
    e = "<" if data[5] == 1 else ">"
    if is64:
        (phoff, shoff) = struct.unpack_from(e + "QQ", data, 32)
        (phentsize, phnum, shentsize, shnum, shstrndx) = struct.unpack_from(e + "HHHHH", data, 54)
    else:
        (phoff, shoff) = struct.unpack_from(e + "II", data, 28)
        (phentsize, phnum, shentsize, shnum, shstrndx) = struct.unpack_from(e + "HHHHH", data, 42)
    ranges = []  # (offset, size) of every header, segment and section
    for i in range(phnum):
        off = phoff + i * phentsize
        ranges.append((off, phentsize))
        if is64:
            (p_off, p_filesz) = struct.unpack_from(e + "QQ", data, off + 8)[0], struct.unpack_from(e + "Q", data, off + 32)[0]
        else:
            (p_off, p_filesz) = struct.unpack_from(e + "I", data, off + 4)[0], struct.unpack_from(e + "I", data, off + 16)[0]
        ranges.append((p_off, p_filesz))
    for i in range(shnum):
        off = shoff + i * shentsize
        ranges.append((off, shentsize))
        if is64:
            (s_type,) = struct.unpack_from(e + "I", data, off + 4)
            (s_off, s_size) = struct.unpack_from(e + "QQ", data, off + 24)
        else:
            (s_type,) = struct.unpack_from(e + "I", data, off + 4)
            (s_off, s_size) = struct.unpack_from(e + "II", data, off + 16)
        if s_type != 8:  # SHT_NOBITS has no bytes in the file
            ranges.append((s_off, s_size))
    return dict(is64=is64, endian=e, phoff=phoff, shoff=shoff, phentsize=phentsize, phnum=phnum,
                shentsize=shentsize, shnum=shnum, shstrndx=shstrndx, ranges=ranges)


def cut_sizes(data, info):
    n = len(data)
    sizes = set(range(0, 80))  # every byte of the identification and the header
    for off, size in info["ranges"]:
        for edge in (off, off + size, off + size // 2):
            for d in (-1, 0, 1):
                if 0 <= edge + d < n:
                    sizes.add(edge + d)
    p = 1
    while p < n:
        sizes.update((p - 1, p, p + 1))
        p *= 2
    rng = random.Random(1234)  # fixed seed: the same sizes every run
    sizes.update(rng.randrange(n) for _ in range(RANDOM_SIZES))
    return sorted(s for s in sizes if s < n)


def smashed(data, info):
    """Copies with one header field set to a hostile value: (name, bytes)."""
    e, is64 = info["endian"], info["is64"]
    word = "Q" if is64 else "I"
    hdr_fields = ([("e_phoff", 32, word), ("e_shoff", 40, word)] if is64 else
                  [("e_phoff", 28, word), ("e_shoff", 32, word)])
    base = 54 if is64 else 42
    hdr_fields += [("e_phentsize", base, "H"), ("e_phnum", base + 2, "H"), ("e_shentsize", base + 4, "H"),
                   ("e_shnum", base + 6, "H"), ("e_shstrndx", base + 8, "H")]
    for name, off, fmt in hdr_fields:
        for value in (0, 1, 0xFFFF, (1 << (8 * struct.calcsize(fmt))) - 1):
            value &= (1 << (8 * struct.calcsize(fmt))) - 1
            b = bytearray(data)
            struct.pack_into(e + fmt, b, off, value)
            yield "%s=%#x" % (name, value), bytes(b)
    # Each section header: sh_offset, sh_size, sh_link and sh_entsize at extremes.
    sh_fields = ([("sh_offset", 24, "Q"), ("sh_size", 32, "Q"), ("sh_link", 40, "I"), ("sh_entsize", 56, "Q")] if is64
                 else [("sh_offset", 16, "I"), ("sh_size", 20, "I"), ("sh_link", 24, "I"), ("sh_entsize", 36, "I")])
    for i in range(info["shnum"]):
        for name, rel, fmt in sh_fields:
            off = info["shoff"] + i * info["shentsize"] + rel
            if off + struct.calcsize(fmt) > len(data):
                continue
            for value in ((1 << (8 * struct.calcsize(fmt))) - 1, len(data) - 1):
                b = bytearray(data)
                struct.pack_into(e + fmt, b, off, value)
                yield "section %d %s=%#x" % (i, name, value), bytes(b)


def is_sanitized(exray):
    try:
        with open(exray, "rb") as f:
            blob = f.read()
        return b"__asan_init" in blob or b"__ubsan_handle" in blob
    except OSError:
        return False


def run_one(exray, path, args, limit_memory):
    env = dict(os.environ, NO_COLOR="1")
    # Sanitizer reports must not pass for exit 1: give them their own codes.
    env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":exitcode=86"
    env["UBSAN_OPTIONS"] = env.get("UBSAN_OPTIONS", "") + ":halt_on_error=1:exitcode=87"
    # The shell sets the limits and then execs exray in its place.
    ulimit = "ulimit -v %d; " % (MEMORY_LIMIT >> 10) if limit_memory else ""
    cmd = ["/bin/sh", "-c", ulimit + 'ulimit -c 0; exec "$0" "$@"', exray, path] + args
    with tempfile.TemporaryFile() as errf:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=errf, env=env)
        try:
            rc = proc.wait(timeout=TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            return "timed out after %ds" % TIMEOUT_SECONDS
        errf.seek(0)
        err = errf.read().decode("utf-8", "replace")
    if rc < 0:
        return "killed by signal %d; stderr: %s" % (-rc, err[-500:])
    if rc not in (0, 1):
        return "exit %d; stderr: %s" % (rc, err[-500:])
    if "internal error" in err:  # main's last-resort catch: std::bad_alloc under the limit lands here
        return "internal error (exit %d): %r" % (rc, err[-500:])
    if rc == 1 and (err.count("\n") != 1 or not err.endswith("\n") or not err.startswith("exray: ")):
        return "exit 1 without a one-line reason; stderr: %r" % err[-500:]
    if rc == 0 and err:
        return "exit 0 but stderr: %r" % err[-500:]
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--exray", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--input", default="/bin/ls")
    ap.add_argument("--jobs", type=int, default=2)
    a = ap.parse_args()

    src = a.input if os.path.exists(a.input) else a.exray
    with open(src, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF":
        print("%s is not an ELF file" % src)
        return 2
    shutil.rmtree(a.workdir, ignore_errors=True)
    os.makedirs(a.workdir)
    info = parse_elf(data)
    limit_memory = not is_sanitized(a.exray)  # ASan reserves terabytes of address space

    def cases():
        for n in cut_sizes(data, info):
            yield "cut at %d" % n, data[:n]
        yield from smashed(data, info)

    jobs = []
    for i, (name, blob) in enumerate(cases()):
        path = os.path.join(a.workdir, "case-%05d" % i)
        with open(path, "wb") as f:
            f.write(blob)
        # Alternate the report forms so both printers see every kind of damage.
        args = ["--sections", "--segments", "--symbols", "--dynamic", "--notes"]
        if i % 2:
            args.append("--json")
        jobs.append((name, path, args))

    failures = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=a.jobs) as pool:
        futs = {pool.submit(run_one, a.exray, path, args, limit_memory): (name, path) for name, path, args in jobs}
        for fut in concurrent.futures.as_completed(futs):
            problem = fut.result()
            if problem:
                failures.append("%s (%s): %s" % (futs[fut][0], futs[fut][1], problem))
    print("%d runs on %s (%d bytes), ulimit -v %s, timeout %ds each" %
          (len(jobs), src, len(data), "%d MiB" % (MEMORY_LIMIT >> 20) if limit_memory else "off (sanitizer build)",
           TIMEOUT_SECONDS))
    for f in sorted(failures):
        print("FAIL: " + f)
    if failures:
        return 1
    shutil.rmtree(a.workdir, ignore_errors=True)
    print("all runs exited 0 or 1, within time and memory")
    return 0


if __name__ == "__main__":
    sys.exit(main())
