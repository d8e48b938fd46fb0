#!/usr/bin/env python3
"""The attack suite of issue 11: one fixture per fault an attack probe found in `exray run`.

    python3 tests/run/attack.py --exray BUILD/exray --out DIR [--only NAME...] [--no-sandbox]

Compiles the programs of fixtures/attack/*.c with gcc into DIR, runs each under
`exray run` (in the sandbox, or with --no-sandbox) and checks the report
facts that the fixed exray must show (see each case's checker). Every run must
also
  - end within its --timeout plus SLACK seconds,
  - leave nothing of the fixture running (pgrep -f its full path),
  - signal no host process outside the run: a canary `sleep 1000` started
    before each run (watched through a pidfd) must be alive after it.

Exit status: 0 all passed, 1 a check failed, 77 skipped (no gcc, ptrace not
permitted here, no user namespaces for the sandbox). The last line is
`attack: N passed, M failed[, K skipped]`.
"""
from __future__ import annotations

import argparse
import fcntl
import json
import os
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from runprobe import skip_reason  # noqa: E402
from typing import Callable

HERE = Path(__file__).resolve().parent
SRC = HERE / "fixtures" / "attack"
SCHEMA = HERE.parent.parent / "docs" / "exray-run.schema.json"
SKIP = 77
SLACK = 5.0  # seconds past --timeout a run may take (start, reaping, the report)
SANDBOX = True  # --no-sandbox clears it

VALIDATOR = None  # set in main() when python3-jsonschema is installed (scripts/dev.sh); the checks run without it


def load_validator(schema: Path):
    try:
        import jsonschema
    except ImportError:
        return None
    return jsonschema.Draft202012Validator(json.loads(schema.read_text()))


class Skip(Exception):
    """The case cannot be exercised on this machine (the reason is printed)."""


@dataclass
class Run:
    """One `exray run`: what came out of it."""
    exe: Path
    doc: dict | None  # the --json document, or None for text runs
    out: bytes  # exray's stdout (the report)
    err: bytes  # exray's stderr (the program's output, exray's messages)
    dt: float
    rc: int | None  # exray's exit status; None: it had to be killed
    extra: dict = field(default_factory=dict)  # what a special runner measured

    @property
    def code(self):
        return self.doc["exit"]["code"] if self.doc else None


failures: list[str] = []


def check(cond: bool, what: str) -> bool:
    if not cond:
        failures.append(what)
        print(f"  FAIL: {what}")
    return cond


def note(what: str) -> None:
    print(f"  note: {what}")


def program_output(r: Run, lines: int = 12) -> None:
    """The fixture's own lines from exray's stderr, for the reader of a failure."""
    text = r.err.decode("utf-8", "replace").encode("unicode_escape").decode("ascii").split("\\n")
    for line in [l for l in text if l.strip()][:lines]:
        print(f"    | {line[:200]}")


# ---- helpers on the document ----

def claim(d: dict, name: str) -> dict:
    return next((c for c in d["claims"] if c["name"] == name), {})


def jit_refuted(d: dict) -> bool:
    return claim(d, "jit").get("status") == "refuted"


def jit_maps(d: dict) -> list[dict]:
    return [m for m in d["exec_mappings"] if m["jit"] and m["ok"]]


def later_execs(d: dict) -> list[dict]:
    return [e for e in d["execs"] if e["ok"] and not e["initial"]]


def escapes(d: dict) -> set[str]:
    return {e["what"] for e in d["escapes"]}


def exited(r: Run, code: int | None = 0) -> bool:
    ex = r.doc["exit"]
    ok = ex["state"] == "exited" and (code is None or ex["code"] == code)
    if not ok:
        program_output(r)
    return ok


def short(d: dict, key: str, n: int = 4) -> str:
    return json.dumps(d[key][:n])[:600]


# ---- processes of the host: the canary and the spawner ----

class HostProcess:
    """A process of the harness, outside every run, watched through a pidfd."""

    def __init__(self, argv: list[str]):
        self.p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, start_new_session=True)
        self.pidfd = os.pidfd_open(self.p.pid)

    @property
    def pid(self) -> int:
        return self.p.pid

    def alive(self) -> bool:
        # A pidfd polls readable once the process has exited.
        if select.select([self.pidfd], [], [], 0)[0]:
            return False
        # Stopped (SIGSTOP) counts as signalled too.
        try:
            state = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return False
        return state not in ("T", "t", "Z", "X")

    def how(self) -> str:
        rc = self.p.poll()
        return f"exit status {rc}" if rc is not None else "stopped or gone"

    def stop(self) -> None:
        try:
            os.killpg(self.p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.p.wait()
        os.close(self.pidfd)


class Spawner:
    """Pid churn on the host during a run: a shell loop of /bin/true, and a thread that starts a
    `sleep 1000` every 0.2 s and keeps it (late canaries). A tracer that keeps stale thread ids
    and signals them would hit these: they take recycled pids while the run goes on."""

    def __init__(self):
        self.loop = HostProcess(["sh", "-c", "while :; do /bin/true; done"])
        self.late: list[HostProcess] = []
        self.done = threading.Event()
        self.t = threading.Thread(target=self.spawn, daemon=True)
        self.t.start()

    def spawn(self) -> None:
        while not self.done.wait(0.2):
            self.late.append(HostProcess(["sleep", "1000"]))

    def finish(self) -> None:
        self.done.set()
        self.t.join()

    def check(self, name: str) -> None:
        check(self.loop.alive(), f"{name}: the host spawner (pid {self.loop.pid}) was not signalled ({self.loop.how()})")
        dead = [(h.pid, h.how()) for h in self.late if not h.alive()]
        check(not dead, f"{name}: the {len(self.late)} host processes started during the run were not signalled "
                        f"({len(dead)} were: {dead[:5]})")

    def stop(self) -> None:
        self.finish()
        for h in [self.loop, *self.late]:
            h.stop()


def left_running(path: str) -> list[str]:
    # The fixture's full path: unique to this build directory, absent from this runner's own command line.
    p = subprocess.run(["pgrep", "-f", re.escape(path)], stdout=subprocess.PIPE, text=True)
    return p.stdout.split()


# ---- running exray ----

def mode() -> list[str]:
    return [] if SANDBOX else ["--no-sandbox"]


def wait_bounded(p: subprocess.Popen, limit: float, stdin_data=None) -> tuple[bytes, bytes, int | None]:
    """communicate() with a hard limit; a stopped or hung exray is continued, then killed."""
    try:
        out, err = p.communicate(stdin_data, timeout=limit)
        return out or b"", err or b"", p.returncode
    except subprocess.TimeoutExpired:
        try:
            os.kill(p.pid, signal.SIGCONT)
        except ProcessLookupError:
            pass
        try:
            out, err = p.communicate(timeout=3)
            return out or b"", err or b"", p.returncode
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
            return out or b"", err or b"", None


def validate(name: str, doc: dict) -> None:
    if VALIDATOR:
        errs = [f"{'/'.join(map(str, e.path))}: {e.message}" for e in VALIDATOR.iter_errors(doc)]
        check(not errs, f"{name}: the document does not match {SCHEMA}: {errs[:3]}")


def parse(name: str, out: bytes) -> dict | None:
    try:
        doc = json.loads(out)
    except ValueError:
        check(False, f"{name}: exray printed no JSON document ({out[:200]!r})")
        return None
    validate(name, doc)
    return doc


def run_json(name: str, exray: str, exe: Path, args: list[str], timeout: float, opts: list[str] = (),
             stderr=subprocess.PIPE) -> Run:
    argv = [exray, "run", str(exe), *mode(), *opts, "--json", "--timeout", str(timeout), "--", *args]
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=stderr)
    out, err, rc = wait_bounded(p, timeout + SLACK + 25)
    dt = time.monotonic() - t0
    doc = None
    if check(rc == 0, f"{name}: exray exited {rc} ({err[-300:]!r})"):
        doc = parse(name, out)
    return Run(exe, doc, out, err, dt, rc)


class PtyDrain:
    """Reads a pty master until stopped, so exray never blocks writing to it."""

    def __init__(self, master: int):
        self.master, self.data, self.done = master, bytearray(), threading.Event()
        self.t = threading.Thread(target=self.loop, daemon=True)
        self.t.start()

    def loop(self) -> None:
        while not self.done.is_set():
            if select.select([self.master], [], [], 0.05)[0]:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:
                    return
                if not chunk:
                    return
                self.data += chunk

    def finish(self) -> bytes:
        time.sleep(0.2)  # the last bytes in flight
        self.done.set()
        self.t.join()
        return bytes(self.data)


WINSIZE = (37, 111, 0, 0)  # rows, cols: a size no default has


def run_on_pty(name: str, exray: str, exe: Path, args: list[str], timeout: float, json_out: bool,
               all_fds: bool) -> Run:
    """exray with a pseudo-terminal as its controlling terminal and stdout (all_fds: stdin, stdout and
    stderr); the terminal's settings before and after are kept in extra."""
    master, slave = os.openpty()
    attrs = termios.tcgetattr(slave)
    attrs[3] |= termios.ECHO | termios.ICANON | termios.ISIG
    termios.tcsetattr(slave, termios.TCSANOW, attrs)
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", *WINSIZE))
    before = termios.tcgetattr(slave), fcntl.ioctl(slave, termios.TIOCGWINSZ, b"\0" * 8)
    drain = PtyDrain(master)
    argv = [exray, "run", str(exe), *mode(), *(["--json"] if json_out else []), "--timeout", str(timeout), "--", *args]
    t0 = time.monotonic()
    try:
        p = subprocess.Popen(argv, stdin=slave if all_fds else subprocess.DEVNULL, stdout=slave,
                             stderr=slave if all_fds else subprocess.PIPE, start_new_session=True,
                             preexec_fn=lambda: fcntl.ioctl(slave, termios.TIOCSCTTY, 0))
        _, err, rc = wait_bounded(p, timeout + SLACK + 25)
        dt = time.monotonic() - t0
        after = termios.tcgetattr(slave), fcntl.ioctl(slave, termios.TIOCGWINSZ, b"\0" * 8)
    finally:
        data = drain.finish()
        os.close(slave)
        os.close(master)
    check(rc == 0, f"{name}: exray exited {rc}")
    return Run(exe, None, data, err, dt, rc, {"before": before, "after": after})


# ---- the cases ----

LIBC = "/lib/x86_64-linux-gnu/libc.so.6"


def c_threads_waves(r: Run, ctx) -> None:
    d = r.doc
    check(exited(r), f"threads_waves: exits 0 ({d['exit']})")
    check(d["exit"]["state"] != "killed-tracee-cap", "threads_waves: not killed for too many tracees")
    check(d["threads"]["started"] == ctx["total"], f"threads_waves: {ctx['total']} threads started ({d['threads']})")
    check(d["processes_forked"] == 0, f"threads_waves: no process forked ({d['processes_forked']})")


def c_threads_serial(r: Run, ctx) -> None:
    d = r.doc
    check(exited(r), f"threads_serial: exits 0 ({d['exit']})")
    check(d["threads"]["started"] == ctx["total"], f"threads_serial: {ctx['total']} threads started ({d['threads']})")
    check(d["processes_forked"] == 0, f"threads_serial: no process forked ({d['processes_forked']})")
    # Never more than 2 alive; a new thread's first stop may be taken just
    # before the exit of the one before it, hence 3. More means ended threads
    # were still counted as live (unreaped, or never removed).
    check(d["threads"]["peak"] <= 3, f"threads_serial: ended threads are not counted as live ({d['threads']})")


def jit_file_checker(label: str, want: set[str]):
    def c(r: Run, ctx) -> None:
        d = r.doc
        if not check(exited(r), f"{label}: the injected code ran (exit 0: {d['exit']})"):
            return
        check(jit_refuted(d), f"{label}: 'no JIT' refuted ({claim(d, 'jit')})")
        srcs = {m["source"] for m in jit_maps(d)}
        check(want <= srcs, f"{label}: an executable mapping with jit true, source {sorted(want)} "
                            f"(jit sources seen {sorted(srcs)}; mappings {short(d, 'exec_mappings')})")
    return c


def c_mmap_fd_race(r: Run, ctx) -> None:
    d = r.doc
    if d["exit"]["state"] == "exited" and d["exit"]["code"] == 20:
        raise Skip("the race was never won in 3 s: nothing to check")
    if not check(exited(r), f"mmap_fd_race: the memfd's code ran ({d['exit']})"):
        return
    check(jit_refuted(d), f"mmap_fd_race: the memfd's code ran, 'no JIT' refuted ({claim(d, 'jit')})")
    # Every try maps at the same address and the fixture stops at the mapping whose bytes ran: the last one there.
    at = [m for m in d["exec_mappings"] if m["addr"] == ctx["at"] and m["ok"]]
    last = max(at, key=lambda m: m["seq"]) if at else None
    check(last is not None and last["jit"] and last["source"] == "memfd",
          f"mmap_fd_race: the mapping whose code ran ({ctx['at']:#x}, the last of {len(at)} there) is the memfd's, "
          f"jit true ({last and {k: last[k] for k in ('seq', 'source', 'path', 'jit')}}; "
          f"{d['exec_mappings_dropped']} mappings dropped)")


def c_exec_path_race(r: Run, ctx) -> None:
    d = r.doc
    if not check(d["exit"]["state"] == "exited" and 0 <= (d["exit"]["code"] or 0) <= 30,
                 f"exec_path_race: every child ran /bin/true or the payload ({d['exit']})"):
        program_output(r)
        return
    n = d["exit"]["code"]
    ex = later_execs(d)
    payl = sum(e["path"].endswith("/payl") for e in ex)
    true = sum(e["path"].endswith("/true") for e in ex)
    note(f"the payload ran in {n} of 30 children")
    check(payl == n, f"exec_path_race: execs of .../payl in the report ({payl}) = payloads that ran ({n})")
    check(true == 30 - n, f"exec_path_race: execs of .../true in the report ({true}) = 30 - {n}")


def c_jit_any(label: str):
    def c(r: Run, ctx) -> None:
        d = r.doc
        if not check(exited(r), f"{label}: the injected code ran (exit 0: {d['exit']})"):
            return
        check(jit_refuted(d), f"{label}: 'no JIT' refuted ({claim(d, 'jit')})")
        check(bool(jit_maps(d)), f"{label}: an executable mapping with jit true ({short(d, 'exec_mappings')})")
    return c


def c_fileless(label: str):
    def c(r: Run, ctx) -> None:
        d = r.doc
        if not check(exited(r), f"{label}: the generated program ran (exit 0: {d['exit']})"):
            return
        ex = later_execs(d)
        check(len(ex) == 1 and all(e.get("generated") is True for e in ex),
              f"{label}: the exec of the generated program is marked generated ({ex})")
        check(jit_refuted(d), f"{label}: 'no JIT' refuted ({claim(d, 'jit')})")
    return c


def c_exec_jit(r: Run, ctx) -> None:
    d = r.doc
    if not check(exited(r), f"exec_jit: the exec'd program's code ran (exit 0: {d['exit']})"):
        return
    check(jit_refuted(d), f"exec_jit: run-time code by the exec'd program refutes 'no JIT' ({claim(d, 'jit')})")


def c_many_maps(r: Run, ctx) -> None:
    d = r.doc
    if not check(exited(r), f"many_maps_rwx: the code ran (exit 0: {d['exit']})"):
        return
    check(jit_refuted(d), f"many_maps_rwx: the RWX mapping after {ctx['n']} ordinary ones refutes 'no JIT' "
                          f"({claim(d, 'jit')}; {d['exec_mappings_dropped']} mappings dropped)")
    check(any(m["source"] == "anonymous" for m in jit_maps(d)) or d["jit_events"] >= 1,
          f"many_maps_rwx: the anonymous RWX mapping is counted (jit_events {d['jit_events']})")


def c_stderr_truncate(r: Run, ctx) -> None:
    d = r.doc
    check(d is None or d["exit"]["state"] == "exited", f"stderr_truncate: ran ({d and d['exit']})")
    head = ctx["log"].read_bytes()[:64]
    check(head.startswith(b"precious\n"), f"stderr_truncate: exray's stderr file still begins with 'precious' ({head!r})")


def c_terminal(r: Run, ctx) -> None:
    (attrs0, ws0), (attrs1, ws1) = r.extra["before"], r.extra["after"]
    names = ["iflag", "oflag", "cflag", "lflag", "ispeed", "ospeed"]
    changed = [n for n, a, b in zip(names, attrs0, attrs1) if a != b]
    if attrs0[3] != attrs1[3]:
        lost = [f for f in ("ECHO", "ICANON", "ISIG") if attrs0[3] & getattr(termios, f) and
                not attrs1[3] & getattr(termios, f)]
        changed.append(f"lflag lost {lost}")
    check(not changed and attrs0[6] == attrs1[6], f"term_attack: the terminal's settings are unchanged ({changed})")
    check(ws0 == ws1, f"term_attack: the window size is unchanged ({struct.unpack('HHHH', ws0)} -> "
                      f"{struct.unpack('HHHH', ws1)})")
    worked = re.findall(rb"term_attack ([^:]*): tcsetattr (\w+), TIOCSWINSZ (\w+)", r.out)
    hits = [w[0].decode() for w in worked if b"WORKED" in w[1:]]
    if hits:
        note(f"the program changed settings through {hits}")


def c_spoof(r: Run, ctx) -> None:
    check(b"\x1b" not in r.err, f"spoof: no raw ESC on exray's stderr ({r.err[:160]!r})")
    check(r.out.startswith(b"\x1b[0m"), f"spoof: the text report starts with a reset ESC[0m ({r.out[:40]!r})")


def c_signals(r: Run, ctx) -> None:
    d = r.doc
    code = d["exit"]["code"]
    calls = ["kill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "pidfd_send_signal", "kill(exray, SIGSTOP)",
             "tkill"]
    worked = [c for i, c in enumerate(calls) if code is not None and code < 128 and code & (1 << i)]
    check(d["exit"]["state"] == "exited" and code == 0,
          f"signal_canary: every signal outside the run failed ({d['exit']}: worked {worked})")
    if not SANDBOX:
        n = sum(e["count"] for e in d["escapes"] if e["what"] == "signal-outside")
        check(n >= 1, f"signal_canary: the attempts are in escapes[] as signal-outside ({d['escapes']})")


def c_mremap(r: Run, ctx) -> None:
    d = r.doc
    if not check(exited(r), f"mremap_rx: the code ran at the new address (exit 0: {d['exit']})"):
        return
    at = [m for m in d["exec_mappings"] if m["addr"] == ctx["target"]]
    check(bool(at), f"mremap_rx: an executable mapping at the new address {ctx['target']:#x} "
                    f"({[(m['call'], hex(m['addr'])) for m in d['exec_mappings']][-4:]})")


def c_clone3_many(r: Run, ctx) -> None:
    d = r.doc
    check(exited(r), f"clone3_many: every clone3 failed with ENOSYS (exit 0: {d['exit']})")
    counts = d.get("escape_counts")
    check(isinstance(counts, dict) and counts.get("clone3") == ctx["n"],
          f"clone3_many: escape_counts maps clone3 to {ctx['n']} ({counts!r}; escapes {d['escapes']})")


def c_rlo(r: Run, ctx) -> None:
    check(b"exit: status 0" in r.out, f"rlo_exec: the tiny program ran (exit 0) ({r.out[-200:]!r})")
    n = r.out.count("\u202e".encode())
    check(n == 0, f"rlo_exec: no raw U+202E in the text report ({n} found)")


def c_int80(r: Run, ctx) -> None:
    d = r.doc
    code = d["exit"]["code"]
    if d["exit"]["state"] == "exited" and code == 50:
        raise Skip("this kernel has no 32-bit system calls (int 0x80 faults: ia32_emulation off)")
    if not check(d["exit"]["state"] == "exited" and code is not None and code < 8, f"int80: ran ({d['exit']})"):
        program_output(r)
        return
    denied = any(e["what"] == "foreign-arch" and e["action"].startswith("denied") for e in d["escapes"])
    note(f"worked: mmap2 {bool(code & 1)}, old mmap {bool(code & 2)}, execve {bool(code & 4)}; denied: {denied}")
    for bit, addr, what in ((1, ctx["a1"], "mmap2"), (2, ctx["a2"], "old mmap")):
        if code & bit:
            check(any(m["addr"] == addr and "x" in m["prot"] for m in d["exec_mappings"]),
                  f"int80: the {what} that worked is an exec mapping at {addr:#x}")
    if code & 4:
        check(any(e["path"].endswith("/true") for e in later_execs(d)), "int80: the execve that worked is in execs[]")
    if not code:
        check(denied, f"int80: every call failed, so they were denied and reported ({d['escapes']})")


@dataclass
class Case:
    name: str  # also the case's label in the output
    finding: str
    source: str  # fixtures/attack/SOURCE.c
    check: Callable
    args: Callable = lambda ctx: []  # ctx -> the program's arguments
    timeout: float = 10
    flags: list[str] = field(default_factory=list)
    runner: str = "json"  # json, stderr-file, pty-all, pty-text, text
    spawner: bool = False  # host processes churning pids during the run (Spawner)
    sandbox_only: bool = False


def ctx_set(**kw):
    def f(ctx):
        ctx.update(kw)
        return []
    return f


CASES = [
    Case("threads_waves", "1a", "threads_churn", c_threads_waves, lambda c: (c.update(total=40000), ["waves", "40000", "150"])[1],
         timeout=120, flags=["-pthread"], spawner=True),
    Case("threads_serial", "1b", "threads_churn", c_threads_serial, lambda c: (c.update(total=10000), ["serial", "10000"])[1],
         timeout=60, flags=["-pthread"], spawner=True),
    Case("jit_libc_rwx", "2", "jit_file", jit_file_checker("jit_libc_rwx", {"written-file"}), lambda c: ["libc-rwx"]),
    Case("jit_self_rwx", "2", "jit_file", jit_file_checker("jit_self_rwx", {"written-file"}), lambda c: ["self-rwx"]),
    Case("jit_libc_rw_rx", "2", "jit_file", jit_file_checker("jit_libc_rw_rx", {"written-file"}), lambda c: ["libc-rw-rx"]),
    Case("jit_span", "2", "jit_file", jit_file_checker("jit_span", {"written-file", "anonymous"}), lambda c: ["span"]),
    Case("mmap_fd_race", "3", "mmap_fd_race", c_mmap_fd_race,
         lambda c: (c.update(at=0x300000000000), ["300000000000"])[1], timeout=20, flags=["-pthread"]),
    Case("exec_path_race", "4", "exec_path_race", c_exec_path_race, timeout=60, flags=["-pthread"]),
    Case("shared_anon_rx", "5a", "shared_anon_rx", c_jit_any("shared_anon_rx")),
    Case("tmpfile_remap", "5b", "tmpfile_remap", c_jit_any("tmpfile_remap")),
    Case("fileless_memfd", "5c", "fileless_exec", c_fileless("fileless_memfd"), lambda c: ["memfd"]),
    Case("fileless_devshm", "5c", "fileless_exec", c_fileless("fileless_devshm"), lambda c: ["devshm"]),
    Case("fileless_tmp", "5c", "fileless_exec", c_fileless("fileless_tmp"), lambda c: ["tmp"]),
    Case("exec_jit", "5d", "exec_jit", c_exec_jit, lambda c: [str(c["out"] / "child_rwx")]),
    Case("many_maps_rwx", "5e", "many_maps_rwx", c_many_maps, lambda c: (c.update(n=100000), ["100000"])[1], timeout=90),
    Case("stderr_truncate", "8", "stderr_truncate", c_stderr_truncate, runner="stderr-file"),
    Case("term_attack", "9", "term_attack", c_terminal, runner="pty-all"),
    Case("spoof", "10", "spoof", c_spoof, runner="pty-text"),
    Case("signal_canary", "11", "signal_canary", c_signals, lambda c: [str(c["canary"].pid)], timeout=3),
    Case("mremap_rx", "13", "mremap_rx", c_mremap, lambda c: (c.update(target=0x200000000000), ["200000000000"])[1]),
    Case("clone3_many", "13", "clone3_many", c_clone3_many, lambda c: (c.update(n=10000), ["10000"])[1], timeout=60),
    Case("rlo_exec", "13", "rlo_exec", c_rlo, lambda c: ["\u202eexe.txt"], runner="text"),
    Case("int80", "13", "int80", c_int80,
         lambda c: (c.update(a1=0x30000000, a2=0x31000000), ["30000000", "31000000"])[1]),
]
EXTRA_BUILDS = {"exec_jit": ["child_rwx"]}  # fixtures a case needs beside its own


def build(out: Path, source: str, flags: list[str]) -> Path:
    exe = out / source
    if not exe.exists() or exe.stat().st_mtime < (SRC / (source + ".c")).stat().st_mtime:
        subprocess.run(["gcc", "-O1", "-o", str(exe), str(SRC / (source + ".c")), *flags], check=True)
    return exe


def run_case(case: Case, exray: str, out: Path) -> str:
    """pass, fail or skip."""
    before = len(failures)
    print(f"{case.name} (finding {case.finding}):")
    canary = spawner = None
    try:
        exe = build(out, case.source, case.flags)
        for extra in EXTRA_BUILDS.get(case.name, []):
            build(out, extra, [])
        canary = HostProcess(["sleep", "1000"])
        if case.spawner:
            spawner = Spawner()
        ctx = {"out": out, "canary": canary}
        args = case.args(ctx)
        if case.runner == "json":
            r = run_json(case.name, exray, exe, args, case.timeout)
        elif case.runner == "stderr-file":
            log = out / "stderr_truncate.log"
            log.write_bytes(b"precious\n")
            ctx["log"] = log
            fd = os.open(log, os.O_WRONLY | os.O_APPEND)
            try:
                r = run_json(case.name, exray, exe, args, case.timeout, stderr=fd)
            finally:
                os.close(fd)
        elif case.runner in ("pty-all", "pty-text"):
            r = run_on_pty(case.name, exray, exe, args, case.timeout, json_out=False, all_fds=case.runner == "pty-all")
        else:  # text
            argv = [exray, "run", str(exe), *mode(), "--timeout", str(case.timeout), "--", *args]
            t0 = time.monotonic()
            p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            o, e, rc = wait_bounded(p, case.timeout + SLACK + 25)
            r = Run(exe, None, o, e, time.monotonic() - t0, rc)
            check(rc == 0, f"{case.name}: exray exited {rc}")
        # What every run must hold.
        check(r.rc is not None and r.dt <= case.timeout + SLACK,
              f"{case.name}: the run ended within its timeout ({r.dt:.1f} s, --timeout {case.timeout:g} + {SLACK:g})")
        left = left_running(str(exe))
        check(not left, f"{case.name}: nothing left running ({len(left)} processes: {left[:5]})")
        check(canary.alive(), f"{case.name}: the host canary (pid {canary.pid}) was not signalled ({canary.how()})")
        if spawner:
            spawner.finish()
            spawner.check(case.name)
        if r.doc is not None or case.runner not in ("json", "stderr-file"):
            case.check(r, ctx)
        if r.doc is not None:
            t = r.doc["threads"]
            print(f"  ({r.dt:.1f} s; exit {r.doc['exit']['state']} {r.doc['exit']['code']}; "
                  f"threads {t['started']}; stops {r.doc['stops']})")
        else:
            print(f"  ({r.dt:.1f} s)")
    except Skip as s:
        note(f"skipped: {s}")
        return "skip" if len(failures) == before else "fail"
    except Exception as e:  # noqa: BLE001 - one fixture's failure is reported, the rest still run
        check(False, f"{case.name}: {type(e).__name__}: {e}")
    finally:
        for h in (spawner, canary):
            if h:
                h.stop()
    return "pass" if len(failures) == before else "fail"


def main() -> int:
    global SANDBOX, SCHEMA, VALIDATOR
    ap = argparse.ArgumentParser()
    ap.add_argument("--exray", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--only", nargs="*", help="case names (or finding numbers: 1a, 2, 13)")
    ap.add_argument("--no-sandbox", action="store_true", help="run the fixtures with exray run --no-sandbox")
    ap.add_argument("--schema", type=Path, default=SCHEMA,
                    help=f"the schema the documents must match (default {SCHEMA.relative_to(HERE.parent.parent)})")
    args = ap.parse_args()
    SANDBOX = not args.no_sandbox
    SCHEMA = args.schema
    VALIDATOR = load_validator(SCHEMA)
    if not VALIDATOR:
        print("note: no python3-jsonschema: the documents are not validated")
    if not shutil.which("gcc"):
        print("skip: no gcc")
        return SKIP
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    reason = skip_reason(args.exray, SANDBOX)
    if reason:
        print(f"skip: {reason}")
        return SKIP
    cases = [c for c in CASES if not args.only or c.name in args.only or c.finding in args.only
             or c.finding.rstrip("abcde") in args.only]
    if not SANDBOX:
        cases = [c for c in cases if not c.sandbox_only]
    t0 = time.monotonic()
    results = {}
    for case in cases:
        results[case.name] = run_case(case, args.exray, out)
    print(f"\nper finding ({'sandboxed' if SANDBOX else '--no-sandbox'}, {time.monotonic() - t0:.0f} s):")
    for case in cases:
        print(f"  {case.finding:<4} {case.name:<18} {results[case.name]}")
    n = {k: sum(v == k for v in results.values()) for k in ("pass", "fail", "skip")}
    print(f"attack: {n['pass']} passed, {n['fail']} failed" + (f", {n['skip']} skipped" if n["skip"] else ""))
    return 1 if n["fail"] else 0


if __name__ == "__main__":
    sys.exit(main())
