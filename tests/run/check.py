#!/usr/bin/env python3
"""Behaviour fixtures for `exray run` (issue 5), built at test time.

    python3 tests/run/check.py --exray BUILD/exray --out DIR [--only NAME...] [--strace] [--no-sandbox]

Compiles one tiny C program per behaviour (fixtures/*.c) with gcc into DIR,
runs `exray run --json` on each (in the sandbox, or with --no-sandbox
without it) and checks the expected verdicts. With --strace, also runs `strace -f -y` on the same fixtures and
checks that exray saw the same executable mappings (mmap with PROT_EXEC,
mprotect adding PROT_EXEC: call, protection, file), the same successful
execs and the same number of threads.

Exit status: 0 all passed, 1 a check failed, 77 skipped (no gcc, ptrace
not permitted here, no user namespaces for the sandbox, or no strace for
--strace).
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from runprobe import skip_reason  # noqa: E402

HERE = Path(__file__).resolve().parent
SRC = HERE / "fixtures"
SKIP = 77

failures: list[str] = []
SANDBOX = True  # --no-sandbox clears it


def check(cond: bool, what: str) -> None:
    if not cond:
        failures.append(what)
        print(f"  FAIL: {what}")


def build(out: Path, name: str, extra: list[str] = ()) -> Path:
    exe = out / name
    script = SRC / (name + ".sh")
    if script.exists():  # scripts are copied, not compiled
        shutil.copyfile(script, exe)
        exe.chmod(0o755)
        return exe
    src = SRC / (name.split("-")[0] + ".c")
    cmd = ["gcc", "-O1", "-o", str(exe), str(src), *extra]
    subprocess.run(cmd, check=True)
    return exe


SCHEMA = HERE.parent.parent / "docs" / "exray-run.schema.json"
try:
    import jsonschema  # python3-jsonschema (scripts/dev.sh)
    VALIDATOR = jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text()))
except ImportError:  # the checks below still run
    VALIDATOR = None


def run(exray: str, exe: Path, *args: str, timeout: float = 10, opts: list[str] = ()) -> tuple[dict, float]:
    t0 = time.monotonic()
    # The program's stdout and stderr go to exray's stderr: dropped here.
    mode = [] if SANDBOX else ["--no-sandbox"]
    p = subprocess.run([exray, "run", str(exe), *mode, *opts, "--json", "--timeout", str(timeout), "--", *args],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=timeout + 30)
    dt = time.monotonic() - t0
    if p.returncode != 0:
        raise RuntimeError(f"exray run {exe.name} exited {p.returncode}")
    doc = json.loads(p.stdout)
    if VALIDATOR:
        errs = [f"{'/'.join(map(str, e.path))}: {e.message}" for e in VALIDATOR.iter_errors(doc)]
        check(not errs, f"{exe.name}: the document does not match {SCHEMA.name}: {errs[:3]}")
    return doc, dt


def run_watching_shmem(exray: str, exe: Path, *args: str, timeout: float = 10, opts: list[str] = ()) -> tuple[dict, float]:
    """run(), sampling the host's Shmem (/proc/meminfo) before and during it:
    the document gets the largest rise as _shmem_rise_kib."""
    t0 = time.monotonic()
    before = peak = shmem_kib()
    p = subprocess.Popen([exray, "run", str(exe), *opts, "--json", "--timeout", str(timeout), "--", *args],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    chunks = []
    import threading
    reader = threading.Thread(target=lambda: chunks.append(p.stdout.read()))
    reader.start()
    while p.poll() is None and time.monotonic() - t0 < timeout + 30:
        peak = max(peak, shmem_kib())
        time.sleep(0.005)
    if p.poll() is None:
        p.kill()
    p.wait()
    reader.join()
    dt = time.monotonic() - t0
    if p.returncode != 0:
        raise RuntimeError(f"exray run {exe.name} exited {p.returncode}")
    doc = json.loads(chunks[0])
    if VALIDATOR:
        errs = [f"{'/'.join(map(str, e.path))}: {e.message}" for e in VALIDATOR.iter_errors(doc)]
        check(not errs, f"{exe.name}: the document does not match {SCHEMA.name}: {errs[:3]}")
    doc["_shmem_rise_kib"] = peak - before
    return doc, dt


def run_on_terminal(exray: str, exe: Path, timeout: float = 10) -> tuple[dict, float]:
    """exray with a pseudo-terminal as its controlling terminal and stderr
    (where the program's stdout goes), as when a person runs it."""
    import fcntl
    import termios
    master, slave = os.openpty()
    mode = [] if SANDBOX else ["--no-sandbox"]
    t0 = time.monotonic()
    try:
        p = subprocess.Popen([exray, "run", str(exe), *mode, "--json", "--timeout", str(timeout)],
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave, start_new_session=True,
                             preexec_fn=lambda: fcntl.ioctl(slave, termios.TIOCSCTTY, 0))
        out, _ = p.communicate(timeout=timeout + 30)
    finally:
        os.close(slave)
        os.close(master)
    return json.loads(out), time.monotonic() - t0


def claim(doc: dict, name: str) -> dict:
    for c in doc["claims"]:
        if c["name"] == name:
            return c
    return {}


def jit_sources(doc: dict) -> list[str]:
    return [m["source"] for m in doc["exec_mappings"] if m["jit"] and m["ok"]]


def escapes(doc: dict) -> set[str]:
    return {e["what"] for e in doc["escapes"]}


def left_running(path: str) -> list[str]:
    # The fixture's full path: unique to this build directory, absent from this runner's own command line.
    p = subprocess.run(["pgrep", "-f", re.escape(path)], stdout=subprocess.PIPE, text=True)
    return p.stdout.split()


# name -> (check function, extra gcc flags, program args, timeout)
def t_hello(d, _):
    check(d["exit"]["state"] == "exited" and d["exit"]["code"] == 0, "hello exits 0")
    sb = d["sandbox"]
    check(sb["enabled"] == SANDBOX, f"hello: sandbox enabled is {SANDBOX}")
    if SANDBOX:
        check(set(sb["namespaces"]) >= {"user", "mount", "pid", "net", "ipc", "uts"}, f"hello: namespaces {sb['namespaces']}")
        check(any(f.startswith("/tmp private") for f in sb["filesystem"]), "hello: private /tmp")
        check(0 < sb["setup_us"] < 1_000_000, f"hello: sandbox set-up time measured ({sb['setup_us']} us)")
    check(claim(d, "jit")["status"] == "confirmed", "hello: no JIT confirmed")
    check(claim(d, "runtime-loading")["status"] == "confirmed", "hello: no run-time loading confirmed")
    check(claim(d, "linking")["status"] == "confirmed", "hello: dynamic linking confirmed")
    srcs = {f["source"] for f in d["mapped_files"]}
    check(srcs == {"needed"}, f"hello: only needed files mapped executable ({srcs})")
    check(d["memory"]["at_exit"] is not None, "hello: memory snapshot at exit_group")
    kinds = {g["kind"]: g for g in d["memory"]["at_exit"] or []}
    check(kinds.get("program-text", {}).get("vmas", 0) >= 1, "hello: program text grouped")
    check(kinds.get("libraries", {}).get("vmas", 0) >= 1, "hello: libraries grouped")
    check(kinds.get("thread-stacks", {}).get("vmas", 0) >= 1, "hello: [stack] grouped")


def t_static(d, _):
    check(d["exit"]["code"] == 0, "static hello exits 0")
    check(claim(d, "linking")["static"] == "static" and claim(d, "linking")["status"] == "confirmed",
          "static: static linking confirmed")
    check(d["mapped_files"] == [], "static: no file mapped executable")


def t_rwx(d, _):
    check(d["exit"]["code"] == 0, "rwx exits 0")
    check("anonymous" in jit_sources(d), "rwx: anonymous executable mapping seen")
    check(any(m["rwx"] and m["call"] == "mmap" for m in d["exec_mappings"]), "rwx: flagged RWX")
    check(claim(d, "jit")["status"] == "refuted", "rwx: static 'no JIT' refuted")


def t_mprotect(d, _):
    check(d["exit"]["code"] == 0, "mprotect exits 0")
    ms = [m for m in d["exec_mappings"] if m["call"] == "mprotect" and m["jit"]]
    check(len(ms) == 1 and ms[0]["adds_exec"] and ms[0]["prev_prot"] == "rw-p" and ms[0]["prot"] == "r-x",
          f"mprotect: one RW->RX change of anonymous memory ({ms})")
    check(claim(d, "jit")["status"] == "refuted", "mprotect: static 'no JIT' refuted")


def t_memfd(d, _):
    check(d["exit"]["code"] == 0, "memfd exits 0")
    check("memfd" in jit_sources(d), "memfd: memfd mapped executable seen")
    check(claim(d, "jit")["status"] == "refuted", "memfd: static 'no JIT' refuted")


def t_dlopen(d, _):
    check(d["exit"]["code"] == 0, "dlopen exits 0")
    rl = [f["path"] for f in d["mapped_files"] if f["source"] == "runtime-load"]
    check(any(p.endswith("/libm.so.6") for p in rl), f"dlopen: libm loaded at run time ({rl})")
    check(claim(d, "runtime-loading")["status"] == "refuted", "dlopen: 'needed libraries only' refuted")
    check(claim(d, "jit")["status"] == "confirmed", "dlopen: no JIT confirmed")


def t_threads(d, _):
    check(d["exit"]["code"] == 0, "threads exits 0")
    check(d["threads"]["started"] == 4, f"threads: 4 started ({d['threads']})")
    check(d["threads"]["peak"] == 5, f"threads: peak 5 ({d['threads']})")
    check(d["processes_forked"] == 0, "threads: no process forked")
    kinds = {g["kind"]: g for g in d["memory"]["at_exit"] or []}
    check(kinds.get("thread-stacks", {}).get("vmas", 0) >= 5, f"threads: 5 stacks grouped ({kinds.get('thread-stacks')})")
    check(claim(d, "jit")["status"] == "confirmed", "threads: no JIT confirmed")


def t_fork_exec(d, _):
    check(d["exit"]["code"] == 0, "fork_exec exits 0")
    ex = [e for e in d["execs"] if e["ok"] and not e["initial"]]
    check(len(ex) == 1 and ex[0]["path"] == "/bin/true", f"fork_exec: exec of /bin/true ({ex})")
    check(d["processes_forked"] == 1, "fork_exec: one process forked")
    check(claim(d, "runtime-loading")["status"] == "confirmed", "fork_exec: the child's libraries are not FILE's")


def t_clone3(d, _):
    check(d["exit"]["code"] == 0, "clone3: the program saw ENOSYS (exit 0)")
    check("clone3" in escapes(d), "clone3: attempt flagged")


def t_io_uring(d, _):
    check(d["exit"]["code"] == 0, "io_uring: the program saw ENOSYS (exit 0)")
    check("io_uring" in escapes(d), "io_uring: attempt flagged")


def t_kill_parent(d, _):
    check(d["exit"]["code"] == 0, f"kill_parent: kill(parent) and kill(-1) failed with EPERM, kill(child) worked ({d['exit']})")
    check("signal-outside" in escapes(d), "kill_parent: attempts flagged")


MARKER_NAME = "escape-marker"


def never_connected(listener, what: str) -> None:
    """No connection is waiting on a listener the test made on the host; it is closed and removed."""
    if listener is None:
        return
    listener.setblocking(False)
    try:
        listener.accept()
        check(False, f"sandbox_escape: {what} was connected to from the sandbox")
    except BlockingIOError:
        pass
    Path(listener.getsockname()).unlink(missing_ok=True)
    listener.close()


def t_sandbox_escape(d, dt, exe):
    check(d["exit"]["state"] == "exited" and d["exit"]["code"] == 0,
          f"sandbox_escape: every attempt failed (exit {d['exit']}: see fixtures/sandbox_escape.c)")
    never_connected(LISTENER, "the host's socket under /var/tmp")
    if DGRAM is not None:
        DGRAM.setblocking(False)
        try:
            DGRAM.recv(16)
            check(False, "sandbox_escape: the host's datagram socket in the program's directory was written to")
        except BlockingIOError:
            pass
        Path(DGRAM.getsockname()).unlink(missing_ok=True)
        DGRAM.close()
    if DIR_LISTENER is not None:
        never_connected(DIR_LISTENER, "the host's socket in the program's directory")
        want = 2 if DGRAM is not None else 1  # connect, and sendto
        check(d["escape_counts"].get("host-socket", 0) == want,
              f"sandbox_escape: connect and sendto to host sockets denied and reported ({d['escape_counts']})")
    fs = " ".join(d["sandbox"]["filesystem"])
    check("/etc/shadow" in fs and "masked" in fs, f"sandbox_escape: /etc/shadow masked, and reported ({fs})")
    check(not (exe.parent / MARKER_NAME).exists(), "sandbox_escape: the host file was not created")
    check({"namespace", "mount"} <= escapes(d), f"sandbox_escape: unshare and mount denied and reported ({escapes(d)})")
    if d["sandbox"]["landlock"]["abi"]:
        check(any(e["what"] == "proc-mem-write" and "Landlock" in e["action"] for e in d["escapes"]),
              "sandbox_escape: /proc/self/mem for writing refused by Landlock, and reported")
    ll = d["sandbox"]["landlock"]
    if ll["abi"] == 0:
        print(f"  note: Landlock not enforced here: {ll['detail']}")


def t_stdin_env(d, _):
    check(d["exit"]["code"] == 0, f"stdin_env: stdin from the file and the passed variable arrived ({d['exit']})")
    check("EXRAY_PROBE=passed value" in d["env"], f"stdin_env: the variable is in the environment ({d['env']})")
    check(d["stdin"] is not None and d["stdin"].endswith("stdin.txt"), f"stdin_env: stdin file reported ({d['stdin']})")


def t_alloc_limited(d, _):
    check(d["exit"]["code"] == 1, f"alloc: malloc of 256 MiB failed under --memory 64M ({d['exit']})")
    check("RLIMIT_DATA 67108864" in d["sandbox"]["limits"], f"alloc: the limit is reported ({d['sandbox']['limits']})")


def shmem_kib() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("Shmem:"):
            return int(line.split()[1])
    return 0


SHMEM_RISE_KIB = 100 << 10  # what the host's Shmem may rise while a 64 MiB run floods shared memory


def t_shm_flood(d, _):
    name = f"shm_flood-{d['argv'][1]}"
    e = d["exit"]
    refused = (e["state"] == "exited" and e["code"] == 0) or (e["state"] == "signaled" and e["signal"] in (7, 9))
    check(refused, f"{name}: 256 MiB of shared memory refused under --memory 64M ({e})")
    rise = d["_shmem_rise_kib"]
    check(rise < SHMEM_RISE_KIB, f"{name}: the host's Shmem rose {rise >> 10} MiB (at most {SHMEM_RISE_KIB >> 10})")
    limits = " ".join(d["sandbox"]["limits"])
    if not any(n.startswith("no memory cgroup") for n in d["sandbox"]["notes"]):
        check("memory cgroup" in limits and "limit 67108864" in limits, f"{name}: the memory cgroup reported ({limits})")
    print(f"  {name}: {e['state']} {e['code'] if e['code'] is not None else e['signal']}, host Shmem +{rise >> 10} MiB at most")


def t_kill_self(d, _):
    check(d["exit"]["state"] == "signaled" and d["exit"]["signal"] == 15, f"kill_self: killed by SIGTERM ({d['exit']})")


def t_tiocsti(d, _):
    legacy = Path("/proc/sys/dev/tty/legacy_tiocsti")
    if legacy.exists() and legacy.read_text().strip() == "0":
        print("  note: this kernel refuses TIOCSTI to everyone (dev.tty.legacy_tiocsti 0)")
    check(d["exit"]["state"] == "exited" and d["exit"]["code"] == 0,
          f"tiocsti: typing into exray's terminal failed (its own session, no capabilities) ({d['exit']})")


def t_memfd_execveat(d, _):
    check(d["exit"]["code"] == 0, f"memfd_execveat: /bin/true ran from the memfd ({d['exit']})")
    ex = [e for e in d["execs"] if e["ok"] and not e["initial"]]
    check(len(ex) == 1 and ex[0]["path"].startswith("/memfd:exray-fileless"), f"memfd_execveat: exec of the memfd ({ex})")
    check(claim(d, "jit")["status"] == "refuted", "memfd_execveat: a fileless exec refutes 'no JIT'")


def t_script(d, _):
    check(d["exit"]["code"] == 0, "script exits 0")
    srcs = {f["source"] for f in d["mapped_files"]}
    check(srcs <= {"needed"}, f"script: the shell's libraries are its needed ones ({d['mapped_files']})")
    check(claim(d, "jit")["status"] in ("confirmed", "no static claim"), "script: no JIT")


def t_sleep(d, dt, exe):
    check(d["exit"]["state"] == "timed-out", f"sleep: timed out ({d['exit']})")
    check(dt < 8, f"sleep: exray returned soon after the 1 s timeout ({dt:.1f} s)")
    check(d["processes_forked"] == 1, "sleep: its child was seen")
    left = left_running(str(exe))
    check(not left, f"sleep: nothing left running ({left})")


def t_fork_loop(d, dt, exe):
    check(d["exit"]["state"] in ("killed-tracee-cap", "timed-out"), f"fork_loop: contained ({d['exit']})")
    check(d["processes_forked"] >= 1, "fork_loop: forks seen")
    left = left_running(str(exe))
    check(not left, f"fork_loop: nothing left running ({len(left)} processes)")


def t_flood(d, dt, exe):
    check(d["exit"]["state"] in ("timed-out", "exited", "signaled"), f"flood: ended ({d['exit']})")
    check(dt < 10, f"flood: exray did not hang ({dt:.1f} s)")
    check(not left_running(str(exe)), "flood: nothing left running")


CASES = [
    # name, source, gcc flags, checker, timeout, needs (dt, exe)
    ("hello", [], t_hello, 10, False),
    ("hello-static", ["-static"], t_static, 10, False),
    ("rwx_mmap", [], t_rwx, 10, False),
    ("mprotect_rx", [], t_mprotect, 10, False),
    ("memfd_exec", [], t_memfd, 10, False),
    ("dlopen_libm", [], t_dlopen, 10, False),
    ("thread_pool", ["-pthread"], t_threads, 10, False),
    ("fork_exec", [], t_fork_exec, 10, False),
    ("clone3_call", [], t_clone3, 10, False),
    ("io_uring_call", [], t_io_uring, 10, False),
    ("kill_parent", [], t_kill_parent, 10, False),
    ("kill_self", [], t_kill_self, 10, False),
    ("tiocsti", [], t_tiocsti, 10, False),
    ("memfd_execveat", [], t_memfd_execveat, 10, False),
    ("script_hello", [], t_script, 10, False),
    ("sleep_forever", [], t_sleep, 1, True),
    ("fork_loop", [], t_fork_loop, 5, True),
    ("flood", [], t_flood, 2, True),
    ("sandbox_escape", [], t_sandbox_escape, 10, True),
    ("stdin_env", [], t_stdin_env, 10, False),
    ("alloc", [], t_alloc_limited, 10, False),
    ("shm_flood-anon", [], t_shm_flood, 20, False),
    ("shm_flood-devshm", [], t_shm_flood, 20, False),
    ("shm_flood-sysv", [], t_shm_flood, 20, False),
]
SANDBOX_ONLY = {"sandbox_escape", "shm_flood-anon", "shm_flood-devshm", "shm_flood-sysv"}
LISTENER = None  # sandbox_escape: a Unix socket listening on the host under /var/tmp
DIR_LISTENER = None  # and one in the program's directory, which the sandbox binds in
DGRAM = None  # and a datagram socket there


def program_args(name: str, out: Path) -> tuple[list[str], list[str]]:
    """The program's arguments and exray's own options for a fixture."""
    if name == "sandbox_escape":
        global LISTENER
        import socket
        sock = Path("/var/tmp") / f"exray-escape-{os.getpid()}.sock"
        sock.unlink(missing_ok=True)
        try:
            LISTENER = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            LISTENER.bind(str(sock))
            LISTENER.listen(1)
        except OSError as e:  # no /var/tmp here: the rest of the probe still runs
            print(f"  note: no listener under /var/tmp ({e})")
            LISTENER = None
            return [str(out / MARKER_NAME)], []
        global DIR_LISTENER
        dir_sock = out / "host-dir.sock"
        dir_sock.unlink(missing_ok=True)
        if len(str(dir_sock)) >= 108:  # sun_path's size
            return [str(out / MARKER_NAME), str(sock)], []
        DIR_LISTENER = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        DIR_LISTENER.bind(str(dir_sock))
        DIR_LISTENER.listen(1)
        global DGRAM
        dgram = out / "host-dgram.sock"
        dgram.unlink(missing_ok=True)
        DGRAM = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        DGRAM.bind(str(dgram))
        return [str(out / MARKER_NAME), str(sock), str(dir_sock), str(dgram)], []
    if name.startswith("shm_flood-"):
        return [name.split("-")[1], "256"], ["--memory", "64M"]
    if name == "stdin_env":
        (out / "stdin.txt").write_text("from the stdin file")
        return ["from the stdin file", "passed value"], ["--stdin", str(out / "stdin.txt"), "--env",
                                                        "EXRAY_PROBE=passed value"]
    if name == "alloc":
        return ["256"], ["--memory", "64M"]
    return [], []

# ---- the strace differential ----

STRACE_LINE = re.compile(r"^(?:\[pid\s+\d+\]\s+|\d+\s+)?(mmap|mprotect|execve|clone|clone3|fork|vfork)\((.*)\)\s+=\s+(\S+)")


def strace_events(exe: Path, out: Path) -> dict:
    log = out / (exe.name + ".strace")
    subprocess.run(["strace", "-f", "-qq", "-y", "-o", str(log),
                    "-e", "trace=mmap,mprotect,execve,clone,clone3,fork,vfork", str(exe)],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    maps = collections.Counter()
    execs = 0
    threads = 0
    for line in log.read_text(errors="replace").splitlines():
        m = STRACE_LINE.match(line)
        if not m:
            continue
        call, args, ret = m.groups()
        if ret.startswith("-") or ret == "?":
            continue
        if call == "execve":
            execs += 1
        elif call in ("clone", "clone3"):
            threads += "CLONE_THREAD" in args
        elif call in ("mmap", "mprotect"):
            parts = [p.strip() for p in args.split(", ")]
            prot = parts[2] if len(parts) > 2 else ""
            if "PROT_EXEC" not in prot:
                continue
            p = "".join(c for c, f in (("r", "PROT_READ"), ("w", "PROT_WRITE"), ("x", "PROT_EXEC")) if f in prot)
            path = ""
            if call == "mmap" and "MAP_ANONYMOUS" not in args:
                fm = re.search(r"\d+<([^>]*)>", parts[4] if len(parts) > 4 else "")
                path = fm.group(1) if fm else "?"
            maps[(call, p, norm(path))] += 1
    return {"maps": maps, "execs": execs, "threads": threads}


def norm(path: str) -> str:
    # strace -y prints a memfd as /memfd:NAME (deleted); so does /proc/PID/fd.
    return path.replace(" (deleted)", "")


def exray_events(d: dict) -> dict:
    maps = collections.Counter()
    for m in d["exec_mappings"]:
        if not m["ok"] or m["call"] not in ("mmap", "mprotect"):
            continue
        p = "".join(c for c in m["prot"] if c != "-")
        path = norm(m["path"] or "") if m["call"] == "mmap" else ""
        maps[(m["call"], p, path)] += 1
    execs = sum(1 for e in d["execs"] if e["ok"])
    return {"maps": maps, "execs": execs, "threads": d["threads"]["started"]}


DIFF_CASES = ["hello", "rwx_mmap", "mprotect_rx", "memfd_exec", "dlopen_libm", "thread_pool", "fork_exec"]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--exray", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--strace", action="store_true", help="the differential test against strace -f")
    ap.add_argument("--no-sandbox", action="store_true", help="run the fixtures with exray run --no-sandbox")
    args = ap.parse_args()
    global SANDBOX
    SANDBOX = not args.no_sandbox
    if not shutil.which("gcc"):
        print("skip: no gcc")
        return SKIP
    if args.strace and not shutil.which("strace"):
        print("skip: no strace")
        return SKIP
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    reason = skip_reason(args.exray, SANDBOX)
    if reason:
        print(f"skip: {reason}")
        return SKIP
    cases = [c for c in CASES if not args.only or c[0] in args.only]
    if not SANDBOX:
        cases = [c for c in cases if c[0] not in SANDBOX_ONLY]
    if args.strace:
        cases = [c for c in cases if c[0] in DIFF_CASES]
    for name, flags, fn, timeout, wants_exe in cases:
        print(f"{name}:")
        try:
            exe = build(out, name, flags)
            (out / MARKER_NAME).unlink(missing_ok=True)
            prog_args, opts = program_args(name, out)
            if name == "tiocsti":
                doc, dt = run_on_terminal(args.exray, exe, timeout=timeout)
            elif name.startswith("shm_flood-"):
                doc, dt = run_watching_shmem(args.exray, exe, *prog_args, timeout=timeout, opts=opts)
            else:
                doc, dt = run(args.exray, exe, *prog_args, timeout=timeout, opts=opts)
        except Exception as e:  # noqa: BLE001 - one fixture's failure is reported, the rest still run
            check(False, f"{name}: {e}")
            continue
        if args.strace:
            s, x = strace_events(exe, out), exray_events(doc)
            check(s["maps"] == x["maps"], f"{name}: executable mappings differ:\n    strace {sorted(s['maps'].items())}\n"
                                          f"    exray  {sorted(x['maps'].items())}")
            check(s["execs"] == x["execs"], f"{name}: execs strace {s['execs']} exray {x['execs']}")
            check(s["threads"] == x["threads"], f"{name}: threads strace {s['threads']} exray {x['threads']}")
            print(f"  strace and exray agree: {sum(x['maps'].values())} executable mappings, "
                  f"{x['execs']} execs, {x['threads']} threads" if not failures else "")
            continue
        if wants_exe:
            fn(doc, dt, exe)
        else:
            fn(doc, dt)
        if name in ("rwx_mmap", "hello") and not args.strace:
            # --fail-on-refuted: exit 3 and a line naming the claim when the run
            # refutes one (rwx_mmap's "no JIT engine"), 0 when none is.
            mode = [] if SANDBOX else ["--no-sandbox"]
            p = subprocess.run([args.exray, "run", str(exe), *mode, "--fail-on-refuted", "--timeout", str(timeout)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=timeout + 30)
            want = 3 if name == "rwx_mmap" else 0
            check(p.returncode == want and (want == 0 or "exray run: jit refuted:" in p.stderr),
                  f"{name}: --fail-on-refuted exits {p.returncode} (want {want}); stderr {p.stderr.strip()[-200:]!r}")
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    print(f"ok: {len(cases)} fixtures")
    return 0


if __name__ == "__main__":
    sys.exit(main())
