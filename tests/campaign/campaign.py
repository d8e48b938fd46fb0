#!/usr/bin/env python3
"""The malformed-file campaign: real binaries, cut and mutated, through exray.

From at least 50 real files of different toolchains, formats and sizes (what
a Debian 12 machine with the test dependencies has), the campaign writes:
  - a truncation at every structure boundary it can name (ELF header,
    program and section header tables, each segment and section, their
    ends), and one byte short of each;
  - mutations: bit flips, header fields overwritten (zero, all ones, the
    file size, a random value), counts and sizes set to the maximum, two
    section headers or the two header tables swapped, offsets and links
    pointing into the structure that holds them, and random bytes over the
    first page of non-ELF files.
Each variant goes through `exray --json`, `exray go --functions --json`,
`exray rust --json` and `exray code --json`. A variant passes when every
command exits 0 or 1, says why in one line per failure ("exray...: reason"),
dies of no signal, prints no sanitizer report and stays within the limits:
1 GiB of address space (release builds; AddressSanitizer reserves terabytes,
so there its RSS is capped) and 1 s of CPU.

Modes: --per-file runs one process per variant and command (time and memory
per run, the worst printed); --batch runs each command over a batch of
variants in one process (the sanitizer build, where a process costs ~10x),
and a failed batch is rerun file by file to name the culprit.

Usage: campaign.py EXRAY [--per-file|--batch] [--variants N] [--seed S] [--keep DIR]
"""
import argparse
import concurrent.futures
import glob
import math
import os
import random
import resource
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import time

MIN_SEEDS = 50
MIN_KINDS = 8
MAX_SEED_BYTES = 8 << 20      # larger files make few variants each (see per_seed)
MAX_CUTS = 48                 # boundaries cut at per seed (each also one byte short)
CODE_EVERY_BIG = 4            # exray code on every variant of seeds up to 2 MiB, every 4th up to
CODE_MAX_SEED = 4 << 20       # 4 MiB, none above (decoding 5 MiB of code takes most of the 1 s)
CODE_EVERY_BATCH = 16         # and on every 16th in batch mode (a process per file there)
ADDRESS_SPACE = 1 << 30       # RLIMIT_AS of each run (release builds)
CPU_LIMIT_S = 1.0             # CPU time allowed to one file in one command
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:", "ERROR: libFuzzer",
                   "SUMMARY: ", "ThreadSanitizer")
COMMANDS = [
    ("report", ["--json"]),
    ("go", ["go", "--functions", "--json"]),
    ("rust", ["rust", "--json"]),
    ("code", ["code", "--json", "-j", "1"]),
]

# (kind, glob patterns): the first files that exist of each pattern, up to
# `take` per kind. Every package named is a dependency of scripts/dev.sh or
# part of a Debian 12 base system.
SEEDS = [
    ("c-small", ["/usr/bin/true", "/usr/bin/cat", "/usr/bin/env", "/usr/bin/head", "/usr/bin/basename",
                 "/usr/bin/sleep", "/usr/bin/uname", "/usr/bin/tty"], 8),
    ("c-medium", ["/usr/bin/ls", "/usr/bin/cp", "/usr/bin/tar", "/usr/bin/grep", "/usr/bin/sed", "/usr/bin/find",
                  "/usr/bin/strace"], 5),
    ("c-shared", ["/usr/lib/x86_64-linux-gnu/libz.so.1.*", "/usr/lib/x86_64-linux-gnu/libzstd.so.1.*",
                  "/usr/lib/x86_64-linux-gnu/libseccomp.so.2.*", "/usr/lib/x86_64-linux-gnu/libc.so.6",
                  "/usr/lib/x86_64-linux-gnu/libm.so.6", "/usr/lib/x86_64-linux-gnu/libgmp.so.10.*",
                  "/usr/lib/x86_64-linux-gnu/libmpfr.so.6.*", "/usr/lib/x86_64-linux-gnu/libpcre2-8.so.0.*",
                  "/usr/lib/x86_64-linux-gnu/libselinux.so.1"], 8),
    ("loader", ["/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"], 1),
    ("c++", ["/usr/lib/x86_64-linux-gnu/libstdc++.so.6.*", "/usr/bin/cmake", "/usr/bin/ninja",
             "/usr/lib/x86_64-linux-gnu/libzydis.so.*", "/usr/bin/gdb"], 4),
    ("go", ["/usr/lib/go-1.19/pkg/tool/linux_amd64/addr2line", "/usr/lib/go-1.19/pkg/tool/linux_amd64/buildid",
            "/usr/lib/go-1.19/pkg/tool/linux_amd64/nm", "/usr/lib/go-1.19/pkg/tool/linux_amd64/pack",
            "/usr/lib/go-1.19/pkg/tool/linux_amd64/test2json", "/usr/lib/go-1.19/bin/gofmt",
            "/usr/lib/go-1.19/pkg/tool/linux_amd64/asm"], 6),
    ("gccgo", ["/usr/bin/x86_64-linux-gnu-gccgo-*"], 1),
    ("rust", ["/usr/bin/rustc", "/usr/lib/rustlib/x86_64-unknown-linux-gnu/bin/rust-lld"], 2),
    ("ocaml", ["/usr/bin/ocamlrun", "/usr/bin/ocamlobjinfo.opt", "/usr/bin/ocamlprof.opt"], 2),
    ("nim-d-fortran-ada-pascal", ["/usr/bin/nim", "/usr/bin/ldc-prune-cache", "/usr/bin/ldmd2",
                                  "/usr/lib/x86_64-linux-gnu/libgfortran.so.5.*", "/usr/lib/x86_64-linux-gnu/libgnat-12.so",
                                  "/usr/bin/fpcmake-*", "/usr/lib/x86_64-linux-gnu/libphobos2-ldc-shared.so.*"], 5),
    ("interpreter", ["/usr/bin/lua5.4", "/usr/bin/luajit-*", "/usr/bin/dash", "/usr/bin/bash",
                     "/usr/bin/python3.11", "/usr/lib/x86_64-linux-gnu/liblua5.4.so.0.*"], 4),
    ("jvm", ["/usr/lib/jvm/java-17-openjdk-amd64/bin/java", "/usr/lib/jvm/java-17-openjdk-amd64/lib/libjava.so",
             "/usr/lib/jvm/java-17-openjdk-amd64/lib/libjli.so"], 3),
    ("object-and-static", ["/usr/lib/x86_64-linux-gnu/crt1.o", "/usr/lib/x86_64-linux-gnu/crti.o",
                           "/usr/lib/musl/lib/crt1.o", "/usr/lib/gcc/x86_64-linux-gnu/12/crtbegin.o",
                           "/usr/lib/x86_64-linux-gnu/libc_nonshared.a"], 3),
    ("bytecode", ["/usr/lib/python3.11/__pycache__/abc.cpython-311.pyc",
                  "/usr/lib/python3.11/__pycache__/os.cpython-311.pyc",
                  "/usr/lib/jvm/java-17-openjdk-amd64/lib/jrt-fs.jar"], 3),
    ("script", ["/usr/bin/zdiff", "/usr/bin/lsb_release", "/usr/bin/c_rehash"], 2),
]


def pick_seeds():
    seeds = []
    for kind, patterns, take in SEEDS:
        got = 0
        for pat in patterns:
            for p in sorted(glob.glob(pat)):
                real = os.path.realpath(p)
                if got >= take or not os.path.isfile(real) or any(real == s[1] for s in seeds):
                    continue
                if os.path.getsize(real) == 0 or os.path.getsize(real) > MAX_SEED_BYTES:
                    continue
                seeds.append((kind, real))
                got += 1
    return seeds


def elf_header(data):
    """(is64, byte order, phoff, shoff, phentsize, phnum, shentsize, shnum) of
    an ELF file whose header is all there, else None."""
    if len(data) < 64 or data[:4] != b"\x7fELF" or data[4] not in (1, 2) or data[5] not in (1, 2):
        return None
    is64, e = data[4] == 2, "<" if data[5] == 1 else ">"
    if is64:
        phoff, shoff = struct.unpack_from(e + "QQ", data, 32)
        phentsize, phnum, shentsize, shnum = struct.unpack_from(e + "HHHH", data, 54)
    else:
        phoff, shoff = struct.unpack_from(e + "II", data, 28)
        phentsize, phnum, shentsize, shnum = struct.unpack_from(e + "HHHH", data, 42)
    return is64, e, phoff, shoff, phentsize, phnum, shentsize, shnum


def elf_boundaries(data):
    """Offsets where an ELF structure starts or ends, as far as the headers say."""
    h = elf_header(data)
    if not h:
        return []
    is64, e, phoff, shoff, phentsize, phnum, shentsize, shnum = h
    ehsize = 64 if is64 else 52
    out = {16, ehsize, phoff, phoff + phentsize * phnum, shoff, shoff + shentsize * shnum}
    for i in range(min(phnum, 256)):
        at = phoff + i * phentsize
        if at + phentsize > len(data):
            break
        out.add(at)
        if is64:
            off, filesz = struct.unpack_from(e + "Q", data, at + 8)[0], struct.unpack_from(e + "Q", data, at + 32)[0]
        else:
            off, filesz = struct.unpack_from(e + "I", data, at + 4)[0], struct.unpack_from(e + "I", data, at + 16)[0]
        out.update((off, off + filesz))
    for i in range(min(shnum, 512)):
        at = shoff + i * shentsize
        if at + shentsize > len(data):
            break
        out.add(at)
        if is64:
            typ = struct.unpack_from(e + "I", data, at + 4)[0]
            off, size = struct.unpack_from(e + "QQ", data, at + 24)
        else:
            typ = struct.unpack_from(e + "I", data, at + 4)[0]
            off, size = struct.unpack_from(e + "II", data, at + 16)
        if typ != 8:  # SHT_NOBITS has no bytes in the file
            out.update((off, off + size))
    return sorted(b for b in out if 0 < b < len(data))


def elf_fields(data):
    """(offset, width) of header fields worth overwriting: the file header's
    and each program and section header's offsets, sizes, counts and links."""
    h = elf_header(data)
    if not h:
        return []
    is64, e, phoff, shoff, phentsize, phnum, shentsize, shnum = h
    W = 8 if is64 else 4
    fields = ([(16, 2), (18, 2), (24, W), (32, W), (40, W), (54, 2), (56, 2), (58, 2), (60, 2), (62, 2)] if is64
              else [(16, 2), (18, 2), (24, 4), (28, 4), (32, 4), (42, 2), (44, 2), (46, 2), (48, 2), (50, 2)])
    for i in range(min(phnum, 64)):
        at = phoff + i * phentsize
        if at + phentsize <= len(data):
            # p_type, p_offset, p_vaddr, p_filesz, p_memsz
            fields += ([(at, 4), (at + 8, 8), (at + 16, 8), (at + 32, 8), (at + 40, 8)] if is64
                       else [(at, 4), (at + 4, 4), (at + 8, 4), (at + 16, 4), (at + 20, 4)])
    for i in range(min(shnum, 128)):
        at = shoff + i * shentsize
        if at + shentsize <= len(data):
            # sh_name, sh_type, sh_offset, sh_size, sh_link, sh_info, sh_entsize
            fields += ([(at, 4), (at + 4, 4), (at + 24, 8), (at + 32, 8), (at + 40, 4), (at + 44, 4), (at + 56, 8)]
                       if is64 else
                       [(at, 4), (at + 4, 4), (at + 16, 4), (at + 20, 4), (at + 24, 4), (at + 28, 4), (at + 36, 4)])
    return [(o, w) for o, w in fields if o + w <= len(data)]


def put(buf, off, width, value, little):
    buf[off:off + width] = (value & ((1 << (8 * width)) - 1)).to_bytes(width, "little" if little else "big")


def variants(data, rng, count, max_cuts=MAX_CUTS):
    """Yields (name, bytes) for the truncations and count mutations of data."""
    cuts = elf_boundaries(data) or sorted({16, 64, 512, 4096, len(data) // 2, len(data) - 1} - {0})
    if len(cuts) > max_cuts:  # every boundary of small files; evenly spread over large ones
        cuts = [cuts[i * len(cuts) // max_cuts] for i in range(max_cuts)]
    for c in cuts:
        if 0 < c < len(data):
            yield f"cut@{c:#x}", data[:c]
        if 1 < c <= len(data):
            yield f"cut@{c - 1:#x}", data[:c - 1]
    fields = elf_fields(data)
    little = len(data) > 5 and data[5] != 2
    for k in range(count):
        buf = bytearray(data)
        how = rng.randrange(6) if fields else rng.choice((0, 5))
        if how == 0:  # bit flips, mostly in the first page
            for _ in range(rng.randint(1, 8)):
                at = rng.randrange(min(len(buf), 4096)) if rng.random() < 0.7 else rng.randrange(len(buf))
                buf[at] ^= 1 << rng.randrange(8)
            name = "flip"
        elif how == 1:  # a header field: zero, all ones, the file size (±1), a random value
            off, w = rng.choice(fields)
            v = rng.choice((0, (1 << (8 * w)) - 1, len(buf), len(buf) - 1, len(buf) + 1, rng.getrandbits(8 * w),
                            (1 << (8 * w - 1)), 0x7fffffff))
            put(buf, off, w, v, little)
            name = f"field@{off:#x}={v:#x}"
        elif how == 2:  # counts and sizes at their maximum
            for _ in range(rng.randint(1, 3)):
                off, w = rng.choice(fields)
                put(buf, off, w, (1 << (8 * w)) - 1, little)
            name = "max"
        elif how == 3:  # two headers swapped, or the two tables' offsets
            is64 = buf[4] == 2
            if rng.random() < 0.3:
                a, b = (32, 40) if is64 else (28, 32)
                w = 8 if is64 else 4
                buf[a:a + w], buf[b:b + w] = bytes(buf[b:b + w]), bytes(buf[a:a + w])
                name = "swap-tables"
            else:
                (o1, _), (o2, _) = rng.choice(fields), rng.choice(fields)
                n = 64 if is64 else 40
                if o1 + n <= len(buf) and o2 + n <= len(buf):
                    buf[o1:o1 + n], buf[o2:o2 + n] = bytes(buf[o2:o2 + n]), bytes(buf[o1:o1 + n])
                name = "swap-headers"
        elif how == 4:  # an offset or link pointing into its own structure
            off, w = rng.choice(fields)
            put(buf, off, w, rng.choice((off, off - (off % 64), 0, 1)), little)
            name = f"self@{off:#x}"
        else:  # random bytes over a run in the first page (non-ELF formats' headers)
            at = rng.randrange(min(len(buf), 4096))
            n = rng.randint(1, 16)
            buf[at:at + n] = bytes(rng.getrandbits(8) for _ in range(min(n, len(buf) - at)))
            name = "bytes"
        yield f"m{k}-{name}", bytes(buf)


def limits():
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def judge(rc, err, n_files):
    """Why a run failed, or None."""
    if rc < 0:
        return f"killed by signal {-rc}"
    if rc not in (0, 1):
        return f"exit status {rc}"
    for m in SANITIZER_MARKS:
        if m in err:
            return "sanitizer report: " + next(l for l in err.splitlines() if m in l)
    lines = [l for l in err.splitlines() if l.strip()]
    if rc == 1 and not lines:
        return "exit 1 with no reason"
    for l in lines:
        if not l.startswith("exray"):
            return f"stderr line that is not a one-line reason: {l[:160]!r}"
    if len(lines) > 2 * n_files + 4:
        return f"{len(lines)} stderr lines for {n_files} files"
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("exray")
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--per-file", action="store_true", help="one process per variant and command (default)")
    mode.add_argument("--batch", action="store_true", help="one process per batch of variants and command")
    ap.add_argument("--variants", type=int, default=10000, help="mutated variants in all (truncations come on top)")
    ap.add_argument("--cuts", type=int, default=MAX_CUTS, help="structure boundaries cut at per seed")
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--keep", help="copy failing variants into this directory")
    a = ap.parse_args()
    sanitized = a.batch
    exray = os.path.abspath(a.exray)
    if not sanitized:
        limits()  # inherited by every run (and enough for this script)

    seeds = pick_seeds()
    kinds = sorted({k for k, _ in seeds})
    print(f"campaign: {len(seeds)} seed files of {len(kinds)} kinds ({', '.join(kinds)}), "
          f"{sum(os.path.getsize(p) for _, p in seeds) / 1048576:.1f} MiB")
    if len(seeds) < MIN_SEEDS or len(kinds) < MIN_KINDS:
        print(f"campaign: FAIL: need {MIN_SEEDS} seeds of {MIN_KINDS} kinds (install the test dependencies: "
              "bash scripts/dev.sh test)")
        return 1
    # Mutations per seed: fewer for large files (each variant is a full copy).
    weights = [1.0 / max(1.0, (os.path.getsize(p) / (1 << 20)) ** 0.5) for _, p in seeds]
    per_seed = [max(5, math.ceil(a.variants * w / sum(weights))) for w in weights]  # at least --variants in all

    rng = random.Random(a.seed)
    scratch = tempfile.mkdtemp(prefix="exray-campaign-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
    failures, runs, files = [], 0, 0
    worst_cpu = (0.0, "")
    worst_rss = (0, "")
    started = time.monotonic()
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=a.jobs)

    def one(cmd, n_files, label):
        """Runs cmd over n_files in batch mode; returns (failure or None, _, _)."""
        timeout = (CPU_LIMIT_S * 10 if not sanitized else 60) * max(1, n_files)
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             env={**os.environ, "ASAN_OPTIONS": os.environ.get("ASAN_OPTIONS", "detect_leaks=1") +
                                  ":hard_rss_limit_mb=2048"})
        try:
            _, err = p.communicate(timeout=timeout)
            killed = False
        except subprocess.TimeoutExpired:
            p.kill()
            _, err = p.communicate()
            killed = True
        err = err.decode("utf-8", "replace")
        if killed:
            return f"{label}: no result in {timeout:.0f} s", timeout, 0
        why = judge(p.returncode, err, n_files)
        return (f"{label}: {why}" if why else None), None, None

    try:
        for (kind, path), count in zip(seeds, per_seed):
            data = open(path, "rb").read()
            base = os.path.basename(path)
            batch = []
            for n, (vname, vdata) in enumerate(variants(data, rng, count, a.cuts)):
                vp = os.path.join(scratch, f"{base}.{n}.{vname}".replace("/", "_")[:200])
                with open(vp, "wb") as fh:
                    fh.write(vdata)
                batch.append(vp)
            files += len(batch)
            jobs = []
            if sanitized:
                chunk = 64
                for i in range(0, len(batch), chunk):
                    part = batch[i:i + chunk]
                    for cname, args in COMMANDS:
                        if cname == "code":
                            continue  # one file per process; below, on part of the variants
                        jobs.append((pool.submit(one, [exray, *args, "-j", "1", *part] if cname == "report"
                                                 else [exray, *args, *part], len(part), f"{cname} x{len(part)}"),
                                     cname, part))
                # exray code takes one file: some of the variants of each seed.
                for vp in (batch[::CODE_EVERY_BATCH] if len(data) <= CODE_MAX_SEED else []):
                    jobs.append((pool.submit(one, [exray, *COMMANDS[3][1], vp], 1, "code"), "code", [vp]))
            else:
                code_every = 1 if len(data) <= (2 << 20) else CODE_EVERY_BIG if len(data) <= CODE_MAX_SEED else 0
                for i, vp in enumerate(batch):
                    for cname, args in COMMANDS:
                        if cname != "code" or (code_every and i % code_every == 0):
                            jobs.append((pool.submit(timed, exray, args, vp), cname, [vp]))
            for fut, cname, part in jobs:
                res = fut.result()
                runs += 1
                if sanitized:
                    why = res[0]
                    if why and len(part) > 1:
                        # Name the culprit: each file of the failed batch alone.
                        for vp in part:
                            w1 = one([exray, *dict(COMMANDS)[cname], vp], 1, cname)[0]
                            if w1:
                                failures.append(f"{os.path.basename(vp)}: {w1}")
                                keep(a.keep, vp)
                    elif why:
                        failures.append(f"{os.path.basename(part[0])}: {why}")
                        keep(a.keep, part[0])
                else:
                    why, cpu, rss = res
                    if why:
                        failures.append(f"{os.path.basename(part[0])}: {cname}: {why}")
                        keep(a.keep, part[0])
                    if cpu > worst_cpu[0]:
                        worst_cpu = (cpu, f"{cname} {os.path.basename(part[0])}")
                    if rss > worst_rss[0]:
                        worst_rss = (rss, f"{cname} {os.path.basename(part[0])}")
            for vp in batch:
                os.unlink(vp)
    finally:
        pool.shutdown(wait=True)
        shutil.rmtree(scratch, ignore_errors=True)

    took = time.monotonic() - started
    print(f"campaign: {files} variants ({files - sum(per_seed)} truncations, {sum(per_seed)} mutations), "
          f"{runs} runs in {took:.0f} s ({'batches' if sanitized else 'one process per run'})")
    if not sanitized:
        print(f"campaign: worst CPU time {worst_cpu[0] * 1000:.0f} ms ({worst_cpu[1]}); "
              f"worst peak RSS {worst_rss[0] / 1024:.1f} MiB ({worst_rss[1]})")
    for f in failures[:50]:
        print("campaign: FAIL:", f)
    if failures:
        print(f"campaign: {len(failures)} failures")
        return 1
    print("campaign: every variant gave exit 0 or 1 with one-line reasons, no signal, no sanitizer report"
          + ("" if sanitized else f", each within {CPU_LIMIT_S:.0f} s of CPU and {ADDRESS_SPACE >> 20} MiB of address space"))
    return 0


def timed(exray, args, path):
    """One command on one file: (failure or None, CPU s, peak RSS KiB).

    Popen without preexec_fn uses vfork (a full fork of this interpreter
    costs more than most runs); the address-space limit was set on this
    process and is inherited. wait4 gives the child's own CPU time and RSS."""
    p = subprocess.Popen([exray, *args, path], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    timer = threading.Timer(CPU_LIMIT_S * 20, p.kill)
    timer.start()
    err = p.stderr.read().decode("utf-8", "replace")
    p.stderr.close()
    _, status, ru = os.wait4(p.pid, 0)
    timer.cancel()
    p.returncode = 0  # reaped here; keeps Popen from waiting again
    rc = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
    cpu = ru.ru_utime + ru.ru_stime
    why = judge(rc, err, 1)
    if not why and cpu > CPU_LIMIT_S:
        why = f"{cpu * 1000:.0f} ms of CPU (limit {CPU_LIMIT_S * 1000:.0f})"
    return why, cpu, ru.ru_maxrss


def keep(directory, path):
    if directory:
        os.makedirs(directory, exist_ok=True)
        shutil.copy(path, directory)


if __name__ == "__main__":
    sys.exit(main())
