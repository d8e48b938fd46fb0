#!/usr/bin/env python3
"""The examples of docs/run.md, run for real: each runtime's run under
`exray run --json` (in the sandbox) must come out as the docs say.

    python3 tests/run/examples.py --exray BUILD/exray --out DIR [--no-sandbox]

A runtime missing here is skipped by name; exit 77 when none could run.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

SKIP = 77
failures: list[str] = []


def check(cond: bool, what: str) -> None:
    print(f"  {'ok' if cond else 'FAIL'}: {what}")
    if not cond:
        failures.append(what)


def claim(d: dict, name: str) -> dict:
    return next((c for c in d["claims"] if c["name"] == name), {})


def sources(d: dict) -> set[str]:
    return {f["source"] for f in d["mapped_files"]}


def build_go(out: Path) -> Path | None:
    if not shutil.which("go"):
        return None
    src = out / "gohello"
    src.mkdir(parents=True, exist_ok=True)
    (src / "go.mod").write_text("module example.com/hello\n\ngo 1.19\n")
    (src / "main.go").write_text('package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hello from Go") }\n')
    env = {"PATH": "/usr/bin:/bin", "HOME": str(out), "GOCACHE": str(out / "gocache"), "GOFLAGS": "-buildvcs=false",
           "CGO_ENABLED": "0", "GOTOOLCHAIN": "local"}
    subprocess.run(["go", "build", "-o", str(src / "hello"), "."], cwd=src, env=env, check=True)
    return src / "hello"


def build_static_c(out: Path) -> Path | None:
    if not shutil.which("gcc"):
        return None
    c = out / "static_hello.c"
    c.write_text('#include <stdio.h>\nint main(void) { puts("hello"); return 0; }\n')
    exe = out / "static_hello"
    subprocess.run(["gcc", "-static", "-O1", "-o", str(exe), str(c)], check=True)
    return exe


def t_go(d):
    check(d["exit"]["code"] == 0, "go: exits 0")
    check(claim(d, "jit")["status"] == "confirmed", "go: no JIT, confirmed")
    check(claim(d, "runtime-loading")["status"] == "confirmed" and not d["mapped_files"],
          "go: loads nothing at run time")
    check(claim(d, "threads")["status"] == "confirmed" and d["threads"]["started"] >= 1,
          f"go: the runtime's threads ({d['threads']})")
    kinds = {g["kind"] for g in d["memory"]["at_exit"] or []}
    check({"go-arenas", "program-text"} <= kinds, f"go: Go heap arenas in the memory breakdown ({sorted(kinds)})")


def t_static_c(d):
    check(d["exit"]["code"] == 0, "static C: exits 0")
    check(claim(d, "linking")["status"] == "confirmed" and claim(d, "linking")["static"] == "static",
          "static C: static, confirmed")
    check(not d["mapped_files"] and d["jit_events"] == 0, "static C: maps no file, no JIT")


def t_node(d):
    check(d["exit"]["code"] == 0, "node: exits 0")
    check(claim(d, "jit")["status"] == "confirmed" and d["jit_events"] > 0, f"node: JIT observed ({d['jit_events']})")


def t_java(d):
    check(d["exit"]["code"] == 0, "java: exits 0")
    check("engine" in sources(d) and any(f["path"].endswith("/libjvm.so") for f in d["mapped_files"]),
          "java: libjvm.so loaded at run time by the launcher")
    check(claim(d, "runtime-loading")["status"] == "confirmed", f"java: {claim(d, 'runtime-loading')}")
    check(claim(d, "jit")["status"] == "confirmed" and d["jit_events"] > 0, "java: JIT observed")
    check(d["threads"]["started"] > 5, f"java: the VM's threads ({d['threads']})")


def t_python(d):
    check(d["exit"]["code"] == 0, "python3: exits 0")
    check(claim(d, "jit")["status"] == "confirmed" and d["jit_events"] == 0, "python3: no JIT, confirmed")


def t_python_ext(d):
    check(d["exit"]["code"] == 0, "python3 extensions: exits 0")
    ext = [f["path"] for f in d["mapped_files"] if f["source"] == "extension"]
    check(any("/lib-dynload/_json." in p for p in ext), f"python3 extensions: _json is an extension module ({ext})")
    check("runtime-load" not in sources(d), f"python3 extensions: nothing else loaded at run time ({sources(d)})")
    check(claim(d, "runtime-loading")["status"] == "confirmed",
          f"python3 extensions: expected of the engine ({claim(d, 'runtime-loading')})")


def t_luajit(d):
    check(d["exit"]["code"] == 0, "luajit: exits 0")
    check(claim(d, "jit")["status"] == "confirmed" and d["jit_events"] > 0, "luajit: the hot loop was compiled")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--exray", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--no-sandbox", action="store_true")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    python = "/usr/bin/python3"  # not a pyenv or venv shim: the system's interpreter
    cases = [
        ("go hello world", build_go, [], t_go),
        ("static C", build_static_c, [], t_static_c),
        ("node -e", lambda _: shutil.which("node"), ["-e", "let s = 0; for (let i = 0; i < 1e6; i++) s += i; console.log(s)"], t_node),
        ("java -version", lambda _: shutil.which("java"), ["-version"], t_java),
        ("python3 -c", lambda _: python if Path(python).exists() else None, ["-c", "print(6 * 7)"], t_python),
        # _json and _ssl come from lib-dynload at run time; _ssl needs libssl and libcrypto.
        ("python3 extension modules", lambda _: python if Path(python).exists() else None,
         ["-c", "import json, _json, ssl"], t_python_ext),
        ("luajit hot loop", lambda _: shutil.which("luajit"),
         ["-e", "local s = 0 for i = 1, 1e7 do s = s + i % 7 end print(s)"], t_luajit),
    ]
    ran = 0
    for name, get, prog_args, fn in cases:
        print(f"{name}:")
        try:
            exe = get(out)
        except subprocess.CalledProcessError as e:
            check(False, f"{name}: could not build ({e})")
            continue
        if not exe:
            print("  skip: not installed here")
            continue
        cmd = [args.exray, "run", str(exe), "--json", "--timeout", "60"]
        if args.no_sandbox:
            cmd.append("--no-sandbox")
        p = subprocess.run([*cmd, "--", *prog_args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=120)
        if p.returncode != 0:
            check(False, f"{name}: exray run exited {p.returncode}: {p.stderr.strip()[-300:]}")
            continue
        ran += 1
        fn(json.loads(p.stdout))
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    if not ran:
        print("skip: none of the runtimes is installed")
        return SKIP
    print(f"ok: {ran} examples")
    return 0


if __name__ == "__main__":
    sys.exit(main())
