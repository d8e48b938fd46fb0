#!/usr/bin/env python3
"""Check `exray code` on fixtures built here with gcc, clang and Go.

    python3 tests/code/check_fixtures.py --exray build/exray --out DIR [--only SUBSTR ...]

Builds the programs of tests/code/fixtures/ into DIR (C: gcc and clang at -O2,
PIE and -no-pie, stripped copies; Go 1.19: plain, -ldflags=-s -w,
-buildmode=pie and cgo; a host program with liblua5.4.a linked in), runs each
once (it must print what it prints), then checks what `exray code FILE --json`
and `exray code FILE --function NAME --json` say against ground truth taken
from the fixtures themselves, objdump, readelf, the Go compiler's listing
(-gcflags=-S) and strace:

  dispatch loops   interp_switch: shape switch, >= 60 handlers, jumps and table
                   as objdump shows them; interp_goto: threaded, 64-entry label
                   table (the `labels` symbol), every indirect jmp; call-thread:
                   call-threaded, in runops; stripped copies the same (function
                   by address); luahost (Lua linked in, stripped): Lua's
                   loop inside luaV_execute, a switch by its code (3 jumps
                   through the label table). None in bigswitch, hello,
                   rawsyscall, jitlike.
  syscalls         rawsyscall (static): sites with 1 (write) and 39 (getpid), the
                   number of glibc's syscall() found at its caller, and an
                   exec-memory request "syscall mmap" with prot 7; jitlike: "call
                   mprotect" with prot 5; hello: no site and no request.
  conventions      every function of package main that the Go compiler listed and
                   the linker kept has exray's convention (ABIInternal ->
                   go-abiinternal, ABI0 -> go-abi0), >= 95% agreement per binary;
                   cgo's C glue is sysv, C fixtures have no Go convention.
  listings         3 functions per compiler (gcc, clang, Go, and static glibc's
                   hand-written AVX code) instruction by instruction against
                   `objdump -d --no-show-raw-insn -M intel`: same addresses,
                   lengths and mnemonics; boundaries against the symbol table.
  strace           every system call a run of the static Go fixture makes under
                   `strace -f` is among the numbers exray found at its sites.
  contract         exit 1 for an unreadable file or unknown function, 2 for a
                   usage error; --function by address on a stripped file.

One line per check: PASS/FAIL with what was expected and what exray said, or
"skip:" with the reason (a compiler or tool that is missing, by name). Last
line "N passed, N failed, N skipped". Exit 1 on any failure, 77 ("SKIP: ...")
when no fixture could be built (no gcc, clang or go). x86-64 only. Nothing is
downloaded; Go builds offline (GOPROXY=off) with its cache under DIR; every
build runs one job at a time (the machines have 2 cores).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIX = HERE / "fixtures"
SKIP = 77
GO_MIN_AGREEMENT = 0.95
LIBLUA = Path("/usr/lib/x86_64-linux-gnu/liblua5.4.a")
UNISTD = Path("/usr/include/x86_64-linux-gnu/asm/unistd_64.h")

# ---------------------------------------------------------------- reporting


# Misses exray does not fix yet, each explained (docs/code.md, "Not yet"):
# printed as KNOWN, not counted as failures. Remove a row when it passes.
KNOWN_MISSES: dict[str, str] = {}


class Report:
    def __init__(self) -> None:
        self.passed = self.failed = self.skipped = self.known = 0
        self.only: list[str] = []

    def wanted(self, name: str) -> bool:
        return not self.only or any(s in name for s in self.only)

    def ok(self, what: str, detail: str = "") -> None:
        self.passed += 1
        print(f"PASS {what}" + (f": {detail}" if detail else ""), flush=True)

    def bad(self, what: str, detail: str) -> None:
        for prefix, why in KNOWN_MISSES.items():
            if what.startswith(prefix) and what.endswith("dispatch loops"):
                self.known += 1
                print(f"KNOWN {what}: {detail} [{why}]", flush=True)
                return
        self.failed += 1
        print(f"FAIL {what}: {detail}", flush=True)

    def skip(self, what: str, why: str) -> None:
        self.skipped += 1
        print(f"skip: {what}: {why}", flush=True)

    def check(self, cond: bool, what: str, detail_ok: str, detail_bad: str) -> bool:
        if cond:
            self.ok(what, detail_ok)
        else:
            self.bad(what, detail_bad)
        return cond


def sh(cmd, cwd=None, env=None, input=None, timeout=600):
    return subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, input=input, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=timeout, check=False)


def tail(text: str, n: int = 400) -> str:
    text = (text or "").strip()
    return text if len(text) <= n else "..." + text[-n:]


# ---------------------------------------------------------------- ELF facts (readelf)


def elf_symbols(path: Path) -> dict[str, tuple[int, int]]:
    """FUNC/OBJECT symbols of .symtab and .dynsym: name -> (value, size)."""
    out: dict[str, tuple[int, int]] = {}
    p = sh(["readelf", "-sW", path])
    for line in p.stdout.splitlines():
        cols = line.split()
        if len(cols) < 8 or cols[3] not in ("FUNC", "OBJECT", "IFUNC") or cols[6] == "UND":
            continue
        try:
            value, size = int(cols[1], 16), int(cols[2], 0)
        except ValueError:
            continue
        out.setdefault(cols[7].split("@")[0], (value, size))
    return out


def syscall_numbers() -> dict[str, int]:
    """x86-64 system call names -> numbers, from the kernel headers (linux-libc-dev)."""
    table: dict[str, int] = {}
    try:
        for m in re.finditer(r"#define __NR_(\w+)\s+(\d+)", UNISTD.read_text()):
            table[m.group(1)] = int(m.group(2))
    except OSError:
        pass
    return table


# ---------------------------------------------------------------- objdump and mnemonic normalisation

OBJDUMP_LINE = re.compile(r"^\s*([0-9a-f]+):\s+(.*?)\s*$")

# Prefix words that objdump (and sometimes Zydis) print before the mnemonic and
# that are not part of it: branch hints and CET's `bnd`/`notrack` (gcc emits
# `notrack jmp rax` for switch tables under -fcf-protection), operand/address
# size and segment overrides used as padding (`data16 cs nop WORD PTR ...` is
# gcc's 10-byte nop, `addr32 call` a call the linker relaxed from a GOT load),
# REX prefixes objdump shows as words (`rex.W`), and the lock/rep family
# (`rep stos`, `repz ret`). We compare the mnemonic, so these are dropped on
# both sides.
PREFIX_WORDS = {"lock", "rep", "repe", "repz", "repne", "repnz", "bnd", "notrack", "data16", "data32",
                "addr16", "addr32", "cs", "ds", "es", "ss", "fs", "gs", "xacquire", "xrelease"}

# Condition-code spellings: objdump says je/jne/jae/ja/setne/cmovae, Zydis
# jz/jnz/jnb/jnbe/setnz/cmovnb. Both are mapped to one spelling per condition.
CC_CANON = {"e": "z", "ne": "nz", "c": "b", "nae": "b", "nc": "nb", "ae": "nb", "na": "be", "a": "nbe",
            "nge": "l", "ge": "nl", "ng": "le", "g": "nle", "pe": "p", "po": "np"}
CC_ALL = {"z", "nz", "b", "nb", "be", "nbe", "l", "nl", "le", "nle", "p", "np", "o", "no", "s", "ns"} | set(CC_CANON)
STRING_OPS = ("movs", "stos", "lods", "scas", "cmps", "ins", "outs")
# objdump writes SSE/AVX compares with the predicate in the name (cmpltsd,
# vcmpeq_oqps, pclmullqlqdq); Zydis writes the base name and an immediate.
PREDICATE_CMP = re.compile(r"^(v?)cmp[a-z_]+?(ss|sd|ps|pd|sh|ph)$")
PCLMUL = re.compile(r"^(v?)pclmul[lh]q[lh]qdq$")
# AVX-512 integer compares into a mask register: objdump spells `vpcmpb k0,
# ymm16, [rsi], 0` as `vpcmpeqb k0,ymm16,...` (and 4 as vpcmpneqb,
# vpcmpnequb), Zydis as `vpcmpb ..., 0x00`; with a k destination both
# spellings are mapped to vpcmp[u]{b,w,d,q}. (The VEX vpcmpeqb, with a vector
# destination, is left alone.)
MASK_CMP = re.compile(r"^vpcmp(eq|lt|le|false|neq|nlt|nle|true)?(u?)([bwdq])$")


def is_prefix_word(w: str) -> bool:
    return w in PREFIX_WORDS or w == "rex" or w.startswith("rex.")


def norm_mnemonic(text: str) -> str:
    """The first word of an instruction's text after the prefix words, in one
    spelling for objdump and Zydis (see the tables above)."""
    words = text.lower().replace(",", " ").split()
    while words and is_prefix_word(words[0]):
        words.pop(0)
    if not words:
        return "(prefix)"
    m, rest = words[0], " ".join(words[1:])
    if m == "movabs":  # objdump's name for mov with a 64-bit immediate or moffs
        return "mov"
    if m == "xchg" and rest.replace(" ", "") == "axax":  # 66 90, which Zydis calls nop
        return "nop"
    if m in ("pushfq", "popfq"):
        return m[:-1]
    for op in STRING_OPS:  # objdump: `stos QWORD PTR es:[rdi],rax`; Zydis: `stosq`
        if m == op or (m[:-1] == op and m[-1] in "bwdq"):
            if m in ("movsd", "cmpsd") and "xmm" in rest:
                break  # the SSE instruction, not the string one
            return op
    for head in ("j", "set", "cmov"):
        if m.startswith(head) and m[len(head):] in CC_ALL:
            cc = m[len(head):]
            return head + CC_CANON.get(cc, cc)
    pm = PREDICATE_CMP.match(m)
    if pm and m not in ("cmpxchg",):
        return f"{pm.group(1)}cmp{pm.group(2)}"
    pm = PCLMUL.match(m)
    if pm:
        return f"{pm.group(1)}pclmulqdq"
    pm = MASK_CMP.match(m)
    if pm and rest.startswith("k"):
        return f"vpcmp{pm.group(2)}{pm.group(3)}"
    return m


def objdump_range(path: Path, start: int, end: int) -> list[tuple[int, str]]:
    """[(address, text)] of `objdump -d --no-show-raw-insn -M intel` over
    [start, end). A line holding only prefix words (objdump prints `rex.W` or
    `data16` alone when the prefix is followed by another one it does not
    combine with) is merged into the instruction after it, as Zydis decodes
    prefixes and instruction as one."""
    # -z: objdump otherwise shows a run of zero bytes as "..." where Zydis
    # decodes `add [rax], al`.
    p = sh(["objdump", "-d", "-z", "--no-show-raw-insn", "-M", "intel", f"--start-address={start:#x}",
            f"--stop-address={end:#x}", path])
    insns: list[tuple[int, str]] = []
    pending: int | None = None
    for line in p.stdout.splitlines():
        if line.rstrip().endswith(">:") or "file format" in line or line.startswith("Disassembly"):
            continue
        m = OBJDUMP_LINE.match(line)
        if not m or not m.group(2):
            continue
        addr, text = int(m.group(1), 16), re.sub(r"\s+", " ", m.group(2).split("#")[0]).strip()
        words = text.lower().split()
        if words and all(is_prefix_word(w) for w in words):
            pending = addr if pending is None else pending
            continue
        if pending is not None:
            addr, pending = pending, None
        insns.append((addr, text))
    if pending is not None:  # prefixes cut off by the end of the range
        insns.append((pending, "(prefix)"))
    return insns


def indirect_jmps(insns: list[tuple[int, str]]) -> list[tuple[int, int]]:
    """[(index, address)] of indirect jmps (register or memory operand), not
    counting `[rip+...]` (tail calls through the GOT)."""
    out = []
    for i, (addr, text) in enumerate(insns):
        if norm_mnemonic(text) == "jmp":
            op = text.split("jmp", 1)[1].strip()
            if not re.match(r"^[0-9a-f]+( <|$)", op) and "rip+" not in op:
                out.append((i, addr))
    return out


def jump_table_of(path: Path, insns: list[tuple[int, str]], index: int) -> int | None:
    """The jump table an indirect jmp reads: `lea r, [rip+X]  # ADDR` or a
    `[idx*8+0xADDR]` displacement among the 6 instructions before it."""
    p = sh(["objdump", "-d", "--no-show-raw-insn", "-M", "intel", f"--start-address={insns[max(0, index - 6)][0]:#x}",
            f"--stop-address={insns[index][0] + 1:#x}", path])
    for line in reversed(p.stdout.splitlines()):
        m = re.search(r"\*[48]\+0x([0-9a-f]+)\]", line)
        if m:
            return int(m.group(1), 16)
        m = re.search(r"lea\s+\w+,\[rip\+0x[0-9a-f]+\]\s+#\s+([0-9a-f]+)", line)
        if m:
            return int(m.group(1), 16)
    return None


# ---------------------------------------------------------------- running exray


class Exray:
    def __init__(self, path: Path, timeout: float) -> None:
        self.path, self.timeout = path, timeout
        self.cache: dict[tuple, tuple] = {}

    def run(self, args: list[str]) -> tuple[int, str, str]:
        try:
            p = sh([self.path] + args, timeout=self.timeout)
        except subprocess.TimeoutExpired:
            return -999, "", f"timed out after {self.timeout:.0f}s"
        return p.returncode, p.stdout, p.stderr

    def code(self, file: Path) -> tuple[dict | None, str]:
        """(the `code` object, error text)."""
        key = ("code", str(file))
        if key not in self.cache:
            rc, out, err = self.run(["code", str(file), "--json"])
            self.cache[key] = self._parse(rc, out, err, "code")
        return self.cache[key]

    def function(self, file: Path, name: str) -> tuple[dict | None, str]:
        key = ("function", str(file), name)
        if key not in self.cache:
            rc, out, err = self.run(["code", str(file), "--function", name, "--json"])
            self.cache[key] = self._parse(rc, out, err, "function")
        return self.cache[key]

    @staticmethod
    def _parse(rc: int, out: str, err: str, key: str) -> tuple[dict | None, str]:
        if rc < 0 or "Sanitizer" in err or "runtime error:" in err:
            return None, f"CRASH (exit {rc}): {tail(err)}"
        if rc != 0:
            return None, f"exit {rc}: {tail(err, 200)}"
        try:
            doc = json.loads(out)
        except ValueError as e:
            return None, f"output is not JSON ({e}): {tail(out, 200)}"
        if not isinstance(doc, dict) or not isinstance(doc.get(key), dict):
            return None, f"no \"{key}\" object in the JSON: {tail(out, 200)}"
        return doc[key], ""


def loops_text(loops) -> str:
    if not loops:
        return "no dispatch loop"
    return "; ".join(f"{l.get('shape')} in {l.get('function')} @ {l.get('addr')} handlers={l.get('handlers')} "
                     f"jumps={l.get('jumps')} table={l.get('table')}" for l in loops)


def hexint(v) -> int | None:
    try:
        return int(str(v), 16) if isinstance(v, str) else int(v)
    except (TypeError, ValueError):
        return None


# ---------------------------------------------------------------- building


class Built:
    def __init__(self, name: str, path: Path, twin: Path | None = None, cc: str = "", fixture: str = "") -> None:
        self.name, self.path, self.cc, self.fixture = name, path, cc, fixture
        self.twin = twin or path  # the unstripped build (same code addresses) for symbol facts
        self.stripped = twin is not None

    def syms(self) -> dict[str, tuple[int, int]]:
        return elf_symbols(self.twin)


# fixture: (source, variants, extra link args, stdin, expected output)
C_FIXTURES = {
    "interp_switch": ("interp_switch.c", ["pie", "nopie"], [], None, "switch: 169 bytes, 1 prints, checksum 24257\n"),
    "interp_goto": ("interp_goto.c", ["pie", "nopie"], [], None, "threaded: 169 bytes, 1 prints, checksum 24257\n"),
    "interp_callthread": ("interp_callthread.c", ["pie", "nopie"], [], None,
                          "call-threaded: checksum 39390 (7 ops unused)\n"),
    "bigswitch": ("bigswitch.c", ["pie", "nopie"], [], "1\n4\n2\n71\n99\n", "ENOENT\nEIO\nEMULTIHOP\nlines 5 total 79\n"),
    "rawsyscall": ("rawsyscall.c", ["static"], [], None, "syscall(SYS_write)\ninline syscall write\n"),
    "jitlike": ("jitlike.c", ["pie", "nopie"], [], None, "jit: 42\n"),
    "hello": ("hello.c", ["pie", "nopie"], [], None, "hello\n"),
    "luahost": ("luahost.c", ["pie"], [str(LIBLUA), "-lm"], None, "lua: 338350\n"),
}
STRIPPED = {"interp_switch", "interp_goto", "interp_callthread", "bigswitch", "luahost"}
VARIANT_FLAGS = {"pie": ["-fPIE", "-pie"], "nopie": ["-fno-pie", "-no-pie"], "static": ["-static"]}


def build_c(rep: Report, out: Path) -> list[Built]:
    built: list[Built] = []
    cdir = out / "c"
    cdir.mkdir(parents=True, exist_ok=True)
    strip = shutil.which("strip")
    for cc in ("gcc", "clang"):
        if not shutil.which(cc):
            rep.skip(f"C fixtures with {cc}", f"no {cc} on PATH")
            continue
        for fx, (src, variants, libs, stdin, want) in C_FIXTURES.items():
            if fx == "luahost" and not (LIBLUA.exists() and Path("/usr/include/lua5.4/lua.h").exists()):
                rep.skip(f"{fx}.{cc}", f"no {LIBLUA} or /usr/include/lua5.4 (apt-get install liblua5.4-dev)")
                continue
            for v in variants:
                name = f"{fx}.{cc}.{v}"
                if not (rep.wanted(name) or rep.wanted(f"{name}.stripped")):
                    continue
                target = cdir / name
                cmd = [cc, "-O2", "-w", *VARIANT_FLAGS[v], "-o", target, FIX / src, *libs]
                p = sh(cmd, cwd=FIX)
                if p.returncode != 0:
                    if v == "static" and "cannot find -lc" in p.stderr:
                        rep.skip(name, "no static libc (libc6-dev's libc.a)")
                    else:
                        rep.bad(f"build {name}", f"{' '.join(map(str, cmd))}: {tail(p.stderr)}")
                    continue
                r = sh([target], input=stdin or "", timeout=60)
                if r.returncode != 0 or r.stdout != want:
                    rep.bad(f"run {name}", f"want exit 0 and {want!r}, got exit {r.returncode} and {r.stdout!r} {tail(r.stderr, 200)}")
                    continue
                built.append(Built(name, target, cc=cc, fixture=fx))
                if fx in STRIPPED:
                    if not strip:
                        rep.skip(f"{name}.stripped", "no strip on PATH (binutils)")
                        continue
                    sp = cdir / f"{name}.stripped"
                    p = sh(["strip", "-o", sp, target])
                    if p.returncode != 0:
                        rep.bad(f"strip {name}", tail(p.stderr))
                        continue
                    built.append(Built(f"{name}.stripped", sp, twin=target, cc=cc, fixture=fx))
    return built


GO_BUILDS = [  # name, source dir, flags, CGO_ENABLED, GOARCH
    ("go-abi", "abi", [], "0", "amd64"),
    ("go-abi-s-w", "abi", ["-ldflags=-s -w"], "0", "amd64"),
    ("go-abi-pie", "abi", ["-buildmode=pie"], "0", "amd64"),
    ("go-cgo", "cgo", [], "1", "amd64"),
    # arm64, cross-compiled: Capstone's side of the code (not run here).
    ("go-abi-arm64", "abi", [], "0", "arm64"),
]
# Syscalls the amd64 build makes directly that its arm64 build cannot or does
# not: arch_prctl and epoll_create do not exist on arm64, and Go's arm64
# runtime installs no signal restorer (the kernel's vDSO one does rt_sigreturn).
NOT_ON_ARM64 = {"arch_prctl", "epoll_create", "rt_sigreturn"}


def go_env(out: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(GOPROXY="off", GOFLAGS="-mod=mod", GOTOOLCHAIN="local", GO111MODULE="on", GOSUMDB="off",
               GOCACHE=str(out / "gocache"), GOPATH=str(out / "gopath"), GOMODCACHE=str(out / "gopath" / "pkg" / "mod"),
               GOARCH="amd64", GOOS="linux", CC="gcc")
    return env


def build_go(rep: Report, out: Path) -> list[tuple[Built, Path]]:
    """[(binary, compiler listing)]."""
    go = shutil.which("go")
    if not go:
        rep.skip("Go fixtures", "no go on PATH")
        return []
    gdir = out / "go"
    gdir.mkdir(parents=True, exist_ok=True)
    res = []
    for name, src, flags, cgo, goarch in GO_BUILDS:
        if not rep.wanted(name):
            continue
        if cgo == "1" and not shutil.which("gcc"):
            rep.skip(name, "cgo needs gcc")
            continue
        work = gdir / "src" / name
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(FIX / "go" / src, work)
        target = gdir / name
        listing = gdir / f"{name}.S"
        # -S makes the compiler print its listing for package main only; the
        # build cache replays it when nothing changed, so it is always there.
        cmd = [go, "build", "-p=1", "-o", target, "-gcflags=-S", "-asmflags=-S", *flags, "."]
        p = sh(cmd, cwd=work, env=dict(go_env(out), CGO_ENABLED=cgo, GOARCH=goarch), timeout=900)
        listing.write_text(p.stderr)
        if p.returncode != 0:
            rep.bad(f"build {name}", tail(p.stderr))
            continue
        if goarch != "amd64":
            res.append((Built(name, target, cc="go", fixture=src), listing))
            continue
        r = sh([target], timeout=60)
        want = "15 3 6 0.75 140 1\n" if src == "abi" else "42 21\n"
        if r.returncode != 0 or r.stdout != want:
            rep.bad(f"run {name}", f"want {want!r}, got exit {r.returncode} {r.stdout!r}")
            continue
        res.append((Built(name, target, cc="go", fixture=src), listing))
    return res


# ---------------------------------------------------------------- checks: dispatch loops


def func_range(b: Built, name: str) -> tuple[int, int] | None:
    s = b.syms().get(name)
    return (s[0], s[0] + s[1]) if s else None


def loop_in(loops, rng: tuple[int, int] | None, name: str, stripped: bool):
    """The loops exray placed in function NAME: by name on an unstripped file,
    by address (inside the symbol's range, taken from the unstripped twin) on
    either."""
    hits = []
    for l in loops or []:
        a = hexint(l.get("addr"))
        if (not stripped and l.get("function") == name) or (rng and a is not None and rng[0] <= a < rng[1]):
            hits.append(l)
    return hits


def check_verdict(rep: Report, ex: Exray, b: Built, has_loop: bool) -> None:
    """The code's evidence in the verdict: `exray --code` says whether a dispatch loop is
    there, and `exray check --require no-vm` fails on one (exit 3) and holds without."""
    what = f"{b.name}: verdict with --code"
    rc, out, err = ex.run([str(b.path), "--code", "--json"])
    try:
        ev = {e["id"]: e for e in json.loads(out).get("evidence", [])} if rc == 0 else {}
    except ValueError:
        ev = {}
    d = ev.get("code.dispatch")
    model = None
    try:
        model = json.loads(out).get("execution", {}).get("model") if rc == 0 else None
    except (ValueError, AttributeError):
        pass
    rep.check(d is not None and d.get("holds") == has_loop and (model == "vm") == has_loop, what,
              f"code.dispatch holds={has_loop}, model {model}",
              f"want code.dispatch holds={has_loop} and model {'vm' if has_loop else 'not vm'}; got {d}, model {model}, exit {rc} {tail(err, 200)}")
    if has_loop and rc == 0:
        # The engine: Lua by its strings in the host that links liblua5.4.a
        # (stripped or not), none for the interpreters written for the test.
        doc = json.loads(out)
        engine = (doc.get("execution") or {}).get("engine")
        want = "lua" if b.fixture == "luahost" else "unknown interpreter"
        native = ev.get("execution.native")
        rep.check(engine == want and (native is None or native.get("holds") is False), f"{b.name}: engine with --code",
                  f"{engine}{'' if native is None else ', execution.native no longer holds'}",
                  f"want engine {want} and execution.native not holding; got {engine}, {native}")
    rc, out, err = ex.run(["check", str(b.path), "--require", "no-vm"])
    rep.check(rc == (3 if has_loop else 0), f"{b.name}: check --require no-vm",
              f"exit {rc}", f"want exit {3 if has_loop else 0}, got {rc}: {tail(out + err, 200)}")


def check_dispatch(rep: Report, ex: Exray, b: Built) -> None:
    doc, err = ex.code(b.path)
    what = f"{b.name}: dispatch loops"
    if doc is None:
        rep.bad(what, err)
        return
    loops = doc.get("dispatch_loops")
    if not isinstance(loops, list):
        rep.bad(what, f"no dispatch_loops list: {tail(json.dumps(doc), 200)}")
        return
    fx = b.fixture
    check_verdict(rep, ex, b, bool(loops))
    if fx in ("bigswitch", "hello", "rawsyscall", "jitlike"):
        rep.check(not loops, what, "none, as expected (no interpreter here)",
                  f"expected none ({'a dense 72-case switch per input line, not a dispatch loop' if fx == 'bigswitch' else 'no interpreter'}), exray said {loops_text(loops)}")
        return
    func, shape, min_handlers = {
        "interp_switch": ("run_switch", "switch", 60),
        "interp_goto": ("run_threaded", "threaded", 60),
        "interp_callthread": ("runops", "call-threaded", None),
        # Lua's computed gotos, merged by the compiler into 3 jumps: a switch by its code.
        "luahost": ("luaV_execute", "switch", 60),  # 83 opcodes in Lua 5.4
    }[fx]
    rng = func_range(b, func)
    hits = loop_in(loops, rng, func, b.stripped)
    where = f"{func} [{rng[0]:#x}, {rng[1]:#x})" if rng else func
    if not hits:
        rep.bad(what, f"expected a {shape} loop in {where}, exray said {loops_text(loops)}")
        return
    l = hits[0]
    problems = []
    if l.get("shape") != shape:
        problems.append(f"shape {l.get('shape')!r}, want {shape!r}")
    if min_handlers and not (isinstance(l.get("handlers"), int) and l["handlers"] >= min_handlers):
        problems.append(f"handlers {l.get('handlers')}, want >= {min_handlers}")
    if rng and hexint(l.get("addr")) is not None and not rng[0] <= hexint(l["addr"]) < rng[1]:
        problems.append(f"addr {l.get('addr')} outside {where}")
    if b.stripped and not str(l.get("function", "")).strip():
        problems.append("no function name (sub_ADDR expected on a stripped file)")
    # Ground truth for jumps and table, from objdump over the function.
    if rng and fx in ("interp_switch", "interp_goto"):
        insns = objdump_range(b.twin, rng[0], rng[1])
        jmps = indirect_jmps(insns)
        if l.get("jumps") != len(jmps):
            problems.append(f"jumps {l.get('jumps')}, objdump shows {len(jmps)} indirect jmps in {func}")
        if fx == "interp_goto":
            lab = next((v for k, v in b.syms().items() if k.startswith("labels") or k.endswith(".labels")), None)
            want_table = lab[0] if lab else None
        else:
            want_table = jump_table_of(b.twin, insns, jmps[0][0]) if jmps else None
        if want_table is not None and hexint(l.get("table")) != want_table:
            problems.append(f"table {l.get('table')}, want {want_table:#x}")
        elif want_table is None and l.get("table") is None:
            problems.append("table null, want the jump table's address")
    if fx == "interp_callthread" and l.get("table") is not None:
        problems.append(f"table {l.get('table')}, want null (the op holds the function)")
    desc = f"{l.get('shape')} in {l.get('function')} @ {l.get('addr')}, handlers={l.get('handlers')} jumps={l.get('jumps')} table={l.get('table')}"
    rep.check(not problems, what, f"{desc} (want {shape} in {where})", "; ".join(problems) + f" -- exray said {desc}")
    others = [x for x in loops if x is not l]
    if others and fx.startswith("interp"):  # Lua's library has lexer loops: not judged here
        rep.bad(f"{b.name}: no other dispatch loop", f"exray also said {loops_text(others)}")


# ---------------------------------------------------------------- checks: syscalls and exec memory


def all_numbers(doc: dict) -> set[int]:
    nums: set[int] = set()
    sc = doc.get("syscalls") or {}
    for g in sc.get("groups") or []:
        for n in g.get("numbers") or []:
            if isinstance(n, dict) and isinstance(n.get("nr"), int):
                nums.add(n["nr"])
            elif isinstance(n, int):
                nums.add(n)
    for s in doc.get("syscall_sites") or []:
        nums.update(x for x in s.get("numbers") or [] if isinstance(x, int))
    return nums


def check_syscalls(rep: Report, ex: Exray, b: Built) -> None:
    doc, err = ex.code(b.path)
    if doc is None:
        rep.bad(f"{b.name}: syscalls", err)
        return
    sites = doc.get("syscall_sites") or []
    reqs = (doc.get("exec_memory") or {}).get("requests") or []
    if b.fixture == "rawsyscall":
        nums = all_numbers(doc)
        rep.check({1, 39} <= nums, f"{b.name}: syscall numbers", "1 (write) and 39 (getpid) among " + str(sorted(nums)),
                  f"want 1 and 39 among the numbers, exray found {sorted(nums)}")
        for fn, nr in (("raw_write", 1), ("raw_getpid", 39), ("raw_mmap_rwx", 9)):
            s = [x for x in sites if x.get("function") == fn]
            good = [x for x in s if nr in (x.get("numbers") or []) and x.get("nr_from") == "constant" and x.get("insn") == "syscall"]
            rep.check(bool(good), f"{b.name}: site in {fn}", f"{good[0] if good else ''}",
                      f"want a `syscall` site with numbers [{nr}] nr_from constant, exray said {s or 'no site in ' + fn}")
        # glibc's syscall(): the number is its first argument, set by main.
        s = [x for x in sites if x.get("function") == "syscall"]
        good = [x for x in s if 1 in (x.get("numbers") or []) and x.get("nr_from") == "caller"]
        rep.check(bool(good), f"{b.name}: syscall() number from its caller",
                  f"{good[0] if good else ''}",
                  f"want the site in glibc's syscall() to list 1 (SYS_write, passed by main) with nr_from caller, exray said {s or 'no site in syscall'}")
        good = [r for r in reqs if r.get("prot") == 7 and r.get("via") == "syscall mmap"]
        ok = rep.check(bool(good), f"{b.name}: exec memory", f"{good[0] if good else ''}",
                       f"want a request via \"syscall mmap\" with prot 7 (in raw_mmap_rwx), exray said {reqs}")
        if ok and good[0].get("function") != "raw_mmap_rwx":
            rep.bad(f"{b.name}: exec memory function", f"want raw_mmap_rwx, exray said {good[0].get('function')}")
    elif b.fixture == "jitlike":
        good = [r for r in reqs if r.get("prot") == 5 and r.get("via") == "call mprotect"]
        rep.check(bool(good) and good[0].get("function") == "main", f"{b.name}: exec memory", f"{good[0] if good else ''}",
                  f"want a request in main via \"call mprotect\" with prot 5 (PROT_READ|PROT_EXEC), exray said {reqs}")
    elif b.fixture == "hello":
        und = (doc.get("exec_memory") or {}).get("undetermined")
        rep.check(not reqs and not sites and not und, f"{b.name}: no syscalls, no exec memory", "none",
                  f"want no site and no request, exray said sites={sites} requests={reqs} undetermined={und}")


# ---------------------------------------------------------------- checks: conventions


def parse_go_listing(text: str) -> dict[str, set[str]]:
    """{function: {"ABIInternal" and/or "ABI0"}} for package main from `go build
    -gcflags=-S -asmflags=-S` output. A function is a `NAME STEXT ...` header
    followed by its `TEXT NAME(SB), FLAGS, $frame-args` line; the compiler
    marks ABIInternal in FLAGS, and what it compiles without the mark (cgo's
    _Cfunc_ stubs, //go:cgo_unsafe_args) is ABI0, as is everything the
    assembler lists (`"".add STEXT ... asm`, printed with package "" in Go
    1.19). The compiler prints cgo's `_Cfunc_twice` as `C.twice`."""
    abi: dict[str, set[str]] = {}
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r'^(\S.*?) STEXT\b(.*)$', line)
        if not m:
            continue
        name, rest = m.group(1), m.group(2)
        if name.startswith('"".'):
            name = "main." + name[3:]
        if not name.startswith("main."):
            continue
        flags = ""
        for nxt in lines[i + 1:i + 4]:
            t = re.search(r"\tTEXT\t.*?\(SB\),\s*(.*?),?\s*\$", nxt)
            if t:
                flags = t.group(1)
                break
        name = re.sub(r"^main\.C\.", "main._Cfunc_", name)
        kind = "ABIInternal" if "ABIInternal" in flags.split("|") else "ABI0"
        if " asm " in rest + " ":
            kind = "ABI0"
        # A name can be listed twice: an ABI0 function and the ABIInternal
        # wrapper the compiler makes for it (ABIWRAPPER). Both are kept.
        abi.setdefault(name, set()).add(kind)
    return abi


CONV = {"ABIInternal": "go-abiinternal", "ABI0": "go-abi0"}


def check_go_conventions(rep: Report, ex: Exray, b: Built, listing: Path, kept_from: Built) -> None:
    abi = parse_go_listing(listing.read_text())
    if not abi:
        rep.bad(f"{b.name}: conventions", f"no function of package main in the compiler listing {listing}")
        return
    syms = kept_from.syms()
    doc, err = ex.code(b.path)
    examples = {}
    if doc:
        for c in doc.get("conventions") or []:
            for e in c.get("examples") or []:
                examples[e] = c.get("name")
    agree, total, bad = 0, 0, []
    for name, kinds in sorted(abi.items()):
        for kind in sorted(kinds):
            # The linker drops what nothing calls (ABI wrappers, empty inits):
            # only functions the unstripped build kept count. An ABI0 function
            # is `NAME.abi0` in the symbol table when an ABIInternal NAME
            # exists too (pclntab calls both NAME).
            symname = name if kind == "ABIInternal" else (name + ".abi0" if name + ".abi0" in syms else name)
            if symname not in syms or (kind == "ABI0" and symname == name and "ABIInternal" in kinds):
                continue
            want, addr = CONV[kind], syms[symname][0]
            total += 1
            got, why = None, ""
            # By name first: the listing's, the symbol table's (`.abi0`), and
            # pclntab's, which Go 1.18+ writes with the type arguments of an
            # instantiation elided (`main.total[...]`, shared by every shape).
            # Then by address (the -s -w build has the plain build's layout:
            # same code, only the symbol table and DWARF dropped). A name
            # counts when it leads to the function at the right address.
            queries = list(dict.fromkeys([name, symname, re.sub(r"\[.*\]$", "[...]", name), f"{addr:#x}"]))
            for q in queries:
                f, ferr = ex.function(b.path, q)
                if f is None:
                    why = ferr
                    continue
                if hexint(f.get("start")) != addr:
                    why = f"--function {q} gave {f.get('name')} at {f.get('start')}, not the one at {addr:#x}"
                    continue
                got = f.get("convention")
                break
            if got is None and (name in examples or symname in examples):
                got = examples.get(name) or examples.get(symname)
            if got == want:
                agree += 1
            else:
                bad.append(f"{symname}: want {want} ({kind}), exray said {got or 'nothing: ' + why}")
    for line in bad:
        print(f"  disagree {b.name}: {line}")
    if total == 0:
        rep.bad(f"{b.name}: conventions", "none of the listed functions is in the binary's symbol table")
        return
    rate = agree / total
    rep.check(rate >= GO_MIN_AGREEMENT, f"{b.name}: Go conventions",
              f"{agree}/{total} functions of package main agree with the compiler listing",
              f"{agree}/{total} ({rate:.0%}) agree with the compiler listing, want >= {GO_MIN_AGREEMENT:.0%}")
    if doc:
        names = {c.get("name") for c in doc.get("conventions") or []}
        want_names = {"go-abiinternal", "go-abi0"}
        rep.check(want_names <= names, f"{b.name}: convention summary", f"{sorted(names)}",
                  f"want {sorted(want_names)} among the conventions, exray said {sorted(n for n in names if n)}")
    if b.fixture == "cgo":
        glue = [n for n in syms if re.match(r"_cgo_[0-9a-f]+_Cfunc_twice$", n)]
        if glue:
            f, ferr = ex.function(b.path, glue[0])
            got = f.get("convention") if f else None
            rep.check(got == "sysv", f"{b.name}: cgo C glue {glue[0]}", "sysv",
                      f"want sysv (C compiled by gcc), exray said {got or ferr}")


def check_functions(rep: Report, ex: Exray, b: Built) -> None:
    """Where function boundaries came from: symbols when there are any, else
    .eh_frame (C) or pclntab (Go)."""
    doc, _ = ex.code(b.path)
    if doc is None:
        return
    by = (doc.get("functions") or {}).get("by_source") or {}
    has_symtab = ".symtab" in sh(["readelf", "-SW", b.path]).stdout
    want = []
    if b.cc == "go":
        want.append(("pclntab", by.get("pclntab", 0) > 0))
        if not has_symtab:
            want.append(("symbols == 0 (no .symtab)", by.get("symbols", 0) == 0))
    elif has_symtab:
        want.append(("symbols", by.get("symbols", 0) > 0))
    else:
        want.append(("eh_frame", by.get("eh_frame", 0) > 0))
        want.append(("symbols == 0 (stripped)", by.get("symbols", 0) == 0))
    bad = [w for w, ok in want if not ok]
    total = (doc.get("functions") or {}).get("total")
    rep.check(not bad and isinstance(total, int) and total > 0, f"{b.name}: function sources",
              f"total {total}, by_source {by}", f"want {', '.join(w for w, _ in want)}; exray said total {total}, by_source {by}")


def check_c_conventions(rep: Report, ex: Exray, b: Built) -> None:
    doc, err = ex.code(b.path)
    if doc is None:
        return  # reported by the dispatch check
    names = {c.get("name") for c in doc.get("conventions") or []}
    rep.check("sysv" in names and not names & {"go-abiinternal", "go-abi0"}, f"{b.name}: conventions",
              f"{sorted(n for n in names if n)}", f"want sysv and no Go convention, exray said {sorted(n for n in names if n)}")
    if not b.stripped and b.fixture.startswith("interp"):
        fn = {"interp_switch": "run_switch", "interp_goto": "run_threaded", "interp_callthread": "runops"}[b.fixture]
        f, ferr = ex.function(b.path, fn)
        got = f.get("convention") if f else ferr
        rep.check(got == "sysv", f"{b.name}: convention of {fn}", "sysv", f"want sysv, exray said {got}")


# ---------------------------------------------------------------- checks: listings against objdump


def check_listing(rep: Report, ex: Exray, b: Built, name: str, symname: str | None = None) -> None:
    what = f"{b.name}: listing of {name}"
    f, err = ex.function(b.path, name)
    if f is None and symname:  # Go: `main.add` is `main.add.abi0` in the symbol table
        f, err = ex.function(b.path, symname)
    sym = b.syms().get(symname or name)
    if f is None and sym:
        # glibc gives one function several names (memmove and memcpy share
        # an address): a name exray does not answer to is its own failure,
        # and the listing is still compared, by address.
        aliases = sorted(n for n, v in b.syms().items() if v[0] == sym[0] and n != name)
        rep.bad(f"{b.name}: --function {name}", f"{err} (a symbol of the file at {sym[0]:#x}; same address: {', '.join(aliases) or 'no other name'})")
        f, err = ex.function(b.path, f"{sym[0]:#x}")
    if f is None:
        rep.bad(what, f"exray code --function {name}: {err}")
        return
    start, end = hexint(f.get("start")), hexint(f.get("end"))
    insns = f.get("instructions") or []
    if start is None or end is None or not insns:
        rep.bad(what, f"start {f.get('start')} end {f.get('end')} and {len(insns)} instructions")
        return
    problems = []
    if sym and sym[1]:  # (crtstuff's local functions have size 0: no end to compare)
        s0, s1 = sym[0], sym[0] + sym[1]
        if start != s0:
            problems.append(f"start {start:#x}, the symbol says {s0:#x}")
        if end < s1:
            problems.append(f"end {end:#x} before the symbol's end {s1:#x}")
        elif end > s1:  # only alignment padding may follow the symbol's end
            pad = [t for a, t in objdump_range(b.path, s1, end)
                   if norm_mnemonic(t) not in ("nop", "int3") and t.replace(" ", "") != "addBYTEPTR[rax],al"]
            if pad:
                problems.append(f"end {end:#x} past the symbol's end {s1:#x} over code: {pad[:3]}")
    ref = objdump_range(b.path, start, end)
    ours = [(hexint(i.get("addr")), i.get("len"), str(i.get("text", ""))) for i in insns]
    ref_lens = [(ref[k + 1][0] if k + 1 < len(ref) else end) - ref[k][0] for k in range(len(ref))]
    mism = []
    for k in range(max(len(ref), len(ours))):
        r = ref[k] if k < len(ref) else None
        o = ours[k] if k < len(ours) else None
        if r is None or o is None:
            mism.append(f"#{k}: objdump {r and (hex(r[0]), r[1])} exray {o and (hex(o[0] or 0), o[2])}")
            continue
        if o[0] != r[0] or o[1] != ref_lens[k] or norm_mnemonic(o[2]) != norm_mnemonic(r[1]):
            mism.append(f"{r[0]:#x}: objdump {r[1]!r} ({ref_lens[k]} bytes) vs exray {hex(o[0] or 0)} {o[2]!r} ({o[1]} bytes)")
        if len(mism) >= 5:
            break
    if mism:
        problems.append(f"{len(ref)} objdump vs {len(ours)} exray instructions; first differences: " + "; ".join(mism))
    rep.check(not problems, what, f"{len(ours)} instructions at [{start:#x}, {end:#x}) agree with objdump",
              "; ".join(problems))


LISTINGS = [  # (fixture name, [(function for --function, symbol name)])
    ("interp_switch.gcc.nopie", [("run_switch", None), ("main", None), ("_start", None)]),
    ("interp_goto.clang.pie", [("run_threaded", None), ("main", None), ("_start", None)]),
    ("luahost.clang.pie", [("luaV_execute", None), ("luaH_getshortstr", None), ("luaO_pushvfstring", None)]),
    ("rawsyscall.gcc.static", [("syscall", None), ("__memmove_avx_unaligned_erms", None), ("raw_mmap_rwx", None)]),
    ("go-abi", [("main.main", None), ("main.mix", None), ("main.add", "main.add.abi0")]),
]


# ---------------------------------------------------------------- checks: strace


def strace_names(path: Path, trace: Path) -> tuple[set[str] | None, str]:
    if not shutil.which("strace"):
        return None, "no strace on PATH (apt-get install strace)"
    p = sh(["strace", "-f", "-qq", "-o", trace, path], timeout=120)
    if p.returncode != 0 or not trace.exists():
        return None, f"strace failed (ptrace not permitted here?): exit {p.returncode} {tail(p.stderr, 200)}"
    names: set[str] = set()
    for line in trace.read_text().splitlines():
        # `PID name(args...) = ret`, `PID name(args <unfinished ...>`; the
        # `<... name resumed>` halves and `--- SIG ---`/`+++ exited +++` are not calls.
        m = re.match(r"^(?:\d+\s+)?([a-z_][a-z0-9_]*)\(", line)
        if m:
            names.add(m.group(1))
    return names, ""


# The first call in every trace is the execve that starts the fixture: strace's
# child makes it before the fixture's first instruction, so no site of the
# fixture can hold it.
STRACE_EXCEPTIONS = {"execve": "made by strace's child to start the program, before any of its code runs"}


def check_strace(rep: Report, ex: Exray, b: Built, out: Path) -> None:
    what = f"{b.name}: syscalls seen under strace"
    names, why = strace_names(b.path, out / f"{b.name}.strace")
    if names is None:
        rep.skip(what, why)
        return
    doc, err = ex.code(b.path)
    if doc is None:
        rep.bad(what, err)
        return
    table = syscall_numbers()
    found = all_numbers(doc)
    found_names = {n.get("name") for g in (doc.get("syscalls") or {}).get("groups") or [] for n in g.get("numbers") or []
                   if isinstance(n, dict)}
    missing, unknown = [], []
    for n in sorted(names):
        if n in STRACE_EXCEPTIONS:
            continue
        nr = table.get(n)
        if nr is None:
            unknown.append(n)
            if n not in found_names:
                missing.append(n)
        elif nr not in found:
            missing.append(f"{n} ({nr})")
    seen = sorted(n for n in names if n not in STRACE_EXCEPTIONS)
    rep.check(not missing, what, f"all {len(seen)} ({', '.join(seen)}) among the {len(found)} numbers exray found",
              f"{len(missing)} of {len(seen)} calls made at run time are at no site exray found: {', '.join(missing)}"
              f" (exray found {sorted(found)})")
    if unknown:
        print(f"  note: not in {UNISTD}: {unknown} (compared by name)")


def check_arm64_syscalls(rep: Report, ex: Exray, amd: Built, arm: Built) -> None:
    """The same Go source for arm64: every syscall its amd64 build makes directly
    (checked against strace above) is at a site of the arm64 build too, by
    name (the numbers differ), but for NOT_ON_ARM64."""
    names = []
    for b in (amd, arm):
        doc, err = ex.code(b.path)
        names.append(None if doc is None else {n for s in doc.get("syscall_sites") or [] for n in s.get("names") or []})
        if doc is None:
            rep.bad(f"{b.name}: syscalls", err)
    if None in names:
        return
    missing = sorted(names[0] - names[1] - NOT_ON_ARM64)
    rep.check(not missing and len(names[1]) >= 20, f"{arm.name}: syscalls against {amd.name}",
              f"{len(names[1])} names, all {len(names[0] - NOT_ON_ARM64)} of amd64's that arm64 has",
              f"missing on arm64: {missing} (arm64 has {sorted(names[1])})")


# ---------------------------------------------------------------- checks: the contract


def check_contract(rep: Report, ex: Exray, files: list[Built], out: Path) -> None:
    some = files[0].path
    rc, _, err = ex.run(["code", str(out / "no-such-file"), "--json"])
    rep.check(rc == 1, "contract: unreadable file", "exit 1", f"want exit 1, got {rc}: {tail(err, 200)}")
    rc, _, err = ex.run(["code", str(some), "--function", "no_such_function_here", "--json"])
    rep.check(rc == 1, "contract: unknown function", "exit 1", f"want exit 1, got {rc}: {tail(err, 200)}")
    rc, _, err = ex.run(["code", str(some), "--no-such-option"])
    rep.check(rc == 2, "contract: usage error", "exit 2", f"want exit 2, got {rc}: {tail(err, 200)}")
    doc, err = ex.code(some)
    if doc is not None:
        problems = [k for k in ("arch", "text_bytes", "decoded_bytes", "instructions", "invalid", "functions",
                                "conventions", "syscalls", "syscall_sites", "exec_memory", "dispatch_loops", "warnings")
                    if k not in doc]
        rep.check(not problems, f"contract: fields of {files[0].name}", "all present", f"missing {problems}")
    for b in files:
        if b.fixture == "rawsyscall":
            doc, err = ex.code(b.path)
            if doc is None:
                continue
            sc = doc.get("syscalls") or {}
            n_sites, n_list = sc.get("sites"), len(doc.get("syscall_sites") or [])
            n_groups = sum(g.get("sites", 0) for g in sc.get("groups") or [])
            rep.check(n_sites == n_list == n_groups, f"contract: {b.name} site counts",
                      f"syscalls.sites {n_sites} = len(syscall_sites) = sum of groups",
                      f"syscalls.sites {n_sites}, len(syscall_sites) {n_list}, sum over groups {n_groups}")
    # Threads: the sweep's chunks are merged in order, so any number of
    # threads gives the same document. Only files with more code than
    # kMinParallelBytes (512 KiB) go parallel: exray itself always has.
    for path in [ex.path] + [b.path for b in files if b.name.startswith("go-")]:
        runs = [ex.run(["code", str(path), "--json", "-j", str(j)]) for j in (1, 2, 8)]
        text = (json.loads(runs[0][1]).get("code") or {}).get("text_bytes", 0) if runs[0][0] == 0 else 0
        if text < 512 * 1024:
            rep.skip(f"contract: {path.name} with 1, 2 and 8 threads", f"{text} bytes of code: one thread only")
            continue
        rep.check(all(r[0] == 0 for r in runs) and runs[0][1] == runs[1][1] == runs[2][1],
                  f"contract: {path.name} with 1, 2 and 8 threads", f"the same document ({text} bytes of code)",
                  "the documents differ: " + ", ".join(f"-j{j}: exit {r[0]}, {len(r[1])} bytes"
                                                      for j, r in zip((1, 2, 8), runs)))
    # --function by address on a stripped file: boundaries from .eh_frame.
    for b in files:
        if b.stripped and b.fixture == "interp_switch":
            rng = func_range(b, "run_switch")
            if not rng:
                continue
            f, err = ex.function(b.path, f"{rng[0]:#x}")
            got = (hexint(f.get("start")), hexint(f.get("end"))) if f else None
            rep.check(bool(f) and got[0] == rng[0] and got[1] is not None and got[1] >= rng[1],
                      f"{b.name}: --function {rng[0]:#x}", f"{f and f.get('name')} [{f and f.get('start')}, {f and f.get('end')}) source {f and f.get('source')}",
                      f"want run_switch's range [{rng[0]:#x}, {rng[1]:#x}), exray said {f and (f.get('name'), f.get('start'), f.get('end')) or err}")


# ---------------------------------------------------------------- main


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--exray", required=True, type=Path)
    ap.add_argument("--out", required=True, type=Path, help="build folder (created)")
    ap.add_argument("--only", nargs="*", default=[], help="only fixtures whose name contains one of these")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds per exray run")
    a = ap.parse_args()
    rep = Report()
    rep.only = a.only
    out = a.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    if not shutil.which("objdump") or not shutil.which("readelf"):
        print("SKIP: objdump and readelf (binutils) are needed for the ground truth")
        return SKIP

    c_built = build_c(rep, out)
    go_built = build_go(rep, out)
    if not c_built and not go_built:
        print(f"{rep.passed} passed, {rep.failed} failed, {rep.known} known misses, {rep.skipped} skipped")
        print("SKIP: no fixture could be built (no gcc, clang or go)")
        return SKIP if rep.failed == 0 else 1
    exray = a.exray.resolve()
    if not exray.exists():
        rep.bad("exray", f"no exray at {exray}")
        print(f"{rep.passed} passed, {rep.failed} failed, {rep.known} known misses, {rep.skipped} skipped")
        return 1
    ex = Exray(exray, a.timeout)

    for b in c_built:
        if not rep.wanted(b.name):
            continue
        check_dispatch(rep, ex, b)
        check_functions(rep, ex, b)
        check_c_conventions(rep, ex, b)
        if b.fixture in ("rawsyscall", "jitlike", "hello"):
            check_syscalls(rep, ex, b)

    by_name = {b.name: b for b in c_built}
    by_name.update({b.name: b for b, _ in go_built})
    for fname, funcs in LISTINGS:
        if not rep.wanted(fname):
            continue
        b = by_name.get(fname)
        if b is None:
            rep.skip(f"{fname}: listings", "fixture not built")
            continue
        syms = b.syms()
        for fn, sym in funcs:
            if (sym or fn) not in syms:
                rep.skip(f"{fname}: listing of {fn}", f"no symbol {sym or fn} in this build")
                continue
            check_listing(rep, ex, b, fn, sym)

    plain = next((b for b, _ in go_built if b.name == "go-abi"), None)
    for b, listing in go_built:
        # -s -w drops the symbol table: which functions the linker kept is
        # read from the plain build of the same source (same linker, same
        # dead-code pass).
        kept_from = plain if (b.name == "go-abi-s-w" and plain) else b
        if b.name == "go-abi-s-w" and not plain:
            rep.skip(f"{b.name}: conventions", "needs the plain build go-abi for the list of kept functions")
            continue
        check_functions(rep, ex, b)
        check_go_conventions(rep, ex, b, listing, kept_from)
    if plain is not None:
        check_strace(rep, ex, plain, out)
        arm = next((b for b, _ in go_built if b.name == "go-abi-arm64"), None)
        if arm is not None:
            check_arm64_syscalls(rep, ex, plain, arm)

    if c_built or go_built:
        check_contract(rep, ex, c_built or [b for b, _ in go_built], out)

    print(f"{rep.passed} passed, {rep.failed} failed, {rep.known} known misses, {rep.skipped} skipped")
    return 1 if rep.failed else 0


if __name__ == "__main__":
    sys.exit(main())
