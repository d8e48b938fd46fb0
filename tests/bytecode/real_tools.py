#!/usr/bin/env python3
"""exray on bytecode files made by the real tools on this machine.

    python3 tests/bytecode/real_tools.py --exray build/exray

Builds, in a temporary folder, a .pyc with every python3.X on PATH (and the
running one), class files with javac (--release 8 and the default), a jar
with the jar tool and one with Python's zipfile around a javac class, a plain
zip, a Lua 5.4 chunk with luac5.4, and WebAssembly modules with clang-14
(C and C++, -g for the producers section's language). Each must give the
format, version and verdict the tool implies. Prints PASS/FAIL per file.

Exit status: 0 all pass; 1 any failure; 77 (with "SKIP: ...") when every
check ran passed but a tool was missing (named), so a partial run never
looks complete.
"""
import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile

failed = 0
missing = []


def exray_json(exray, path):
    out = subprocess.run([exray, "--json", path], capture_output=True, text=True)
    if out.returncode != 0:
        return {"error": out.stderr.strip()}
    return json.loads(out.stdout)


def check(exray, path, what, **want):
    """want: dotted paths into the JSON document -> expected values."""
    global failed
    doc = exray_json(exray, path)
    bad = []
    for key, value in want.items():
        cur = doc
        for part in key.split("__"):
            cur = cur.get(part) if isinstance(cur, dict) else None
        if cur != value:
            bad.append(f"{key.replace('__', '.')}: want {value!r} got {cur!r}")
    print(("FAIL " if bad else "PASS ") + what + (": " + "; ".join(bad) if bad else ""))
    failed += bool(bad)
    return doc


def tool(name):
    path = shutil.which(name)
    if not path:
        missing.append(name)
    return path


def pythons():
    found = {sys.executable}
    for d in os.environ.get("PATH", "").split(os.pathsep):
        found.update(p for p in glob.glob(os.path.join(d, "python3.*")) if re.fullmatch(r"python3\.\d+", os.path.basename(p)))
    by_target = {}
    for p in sorted(found):  # one per real interpreter (pyenv shims, /bin -> /usr/bin)
        by_target.setdefault(os.path.realpath(p), p)
    return sorted(by_target.values())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--exray", required=True)
    args = ap.parse_args()
    ex = os.path.abspath(args.exray)
    tmp = tempfile.mkdtemp(prefix="exray-bytecode-")
    src = os.path.join(tmp, "m.py")
    with open(src, "w") as f:
        f.write("def f(x):\n    return x + 1\n")

    # Python: each interpreter's own .pyc must map to its own X.Y.
    for py in pythons():
        ver = subprocess.run([py, "-c", "import sys;print('%d.%d' % sys.version_info[:2])"], capture_output=True, text=True)
        if ver.returncode != 0:
            continue
        xy = ver.stdout.strip()
        out = os.path.join(tmp, f"m-{xy}.pyc")
        subprocess.run([py, "-c", f"import py_compile;py_compile.compile({src!r}, cfile={out!r}, doraise=True)"], check=True)
        check(ex, out, f"pyc from {py} ({xy})", format="pyc", bytecode__kind="pyc", bytecode__version=xy,
              toolchain__language="python", toolchain__version=xy, execution__model="bytecode",
              execution__engine="cpython", execution__jit="no")

    # Java: javac's class files carry the --release they were built for.
    javac, jar = tool("javac"), tool("jar")
    if javac:
        jsrc = os.path.join(tmp, "p", "Hello.java")
        os.makedirs(os.path.dirname(jsrc))
        with open(jsrc, "w") as f:
            f.write("package p; public class Hello { public static void main(String[] a) { System.out.println(1); } }\n")
        default = subprocess.run([javac, "-version"], capture_output=True, text=True)
        jdk = re.search(r"javac (\d+)", default.stdout + default.stderr).group(1)
        for release in ["8", jdk]:
            out = os.path.join(tmp, f"c{release}")
            subprocess.run([javac, "--release", release, "-d", out, jsrc], check=True, capture_output=True)
            check(ex, os.path.join(out, "p", "Hello.class"), f"javac --release {release}", format="java-class",
                  bytecode__version=release, toolchain__language="java", toolchain__version=release,
                  execution__model="bytecode", execution__engine=None, execution__jit="unknown")
        classes = os.path.join(tmp, f"c{jdk}")
        # A jar made with zipfile around the class, deflated, with a manifest.
        zpath = os.path.join(tmp, "zipfile.jar")
        with zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\nMain-Class: p.Hello\r\nCreated-By: zipfile\r\n\r\n")
            z.write(os.path.join(classes, "p", "Hello.class"), "p/Hello.class")
        check(ex, zpath, "jar from zipfile", format="jar", bytecode__classes=1, bytecode__manifest=True,
              bytecode__main_class="p.Hello", bytecode__created_by="zipfile", bytecode__version=jdk,
              toolchain__language="java", execution__model="bytecode", execution__engine=None, execution__jit="unknown")
        if jar:
            jpath = os.path.join(tmp, "tool.jar")
            subprocess.run([jar, "--create", "--file", jpath, "--main-class", "p.Hello", "-C", classes, "."], check=True)
            doc = check(ex, jpath, "jar from the jar tool", format="jar", bytecode__classes=1, bytecode__manifest=True,
                        bytecode__main_class="p.Hello", bytecode__version=jdk, toolchain__language="java")
            if not (doc.get("bytecode") or {}).get("created_by", "").startswith(jdk):
                print(f"FAIL jar tool's Created-By: want {jdk}... got {(doc.get('bytecode') or {}).get('created_by')!r}")
                global failed
                failed += 1
    zpath = os.path.join(tmp, "plain.zip")
    with zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("readme.txt", "not a jar\n" * 50)
    check(ex, zpath, "plain zip", format="zip", bytecode__kind="zip", bytecode__entries=1, toolchain=None, execution=None)

    # Lua 5.4: luac writes "\x1bLua" 0x54.
    luac = tool("luac5.4")
    if luac:
        lsrc, lout = os.path.join(tmp, "a.lua"), os.path.join(tmp, "a.luac")
        with open(lsrc, "w") as f:
            f.write("print('hi')\n")
        subprocess.run([luac, "-o", lout, lsrc], check=True)
        check(ex, lout, "luac5.4", format="lua-bytecode", bytecode__kind="lua", bytecode__version="5.4",
              toolchain__language="lua", execution__model="bytecode", execution__engine="lua", execution__jit="no")

    # WebAssembly from clang: with -g wasm-ld writes the language into the producers section.
    clang, clangxx = tool("clang-14"), tool("clang++-14")
    wasm_ld = shutil.which("wasm-ld-14") or shutil.which("wasm-ld")
    if not wasm_ld:
        missing.append("wasm-ld")
    if clang and clangxx and wasm_ld:
        for lang, ext, want, drv in [("C", "c", "c", clang), ("C++", "cc", "c++", clangxx)]:
            wsrc, wout = os.path.join(tmp, f"w.{ext}"), os.path.join(tmp, f"w-{ext}.wasm")
            with open(wsrc, "w") as f:
                f.write("int add(int a, int b) { return a + b; }\n")
            r = subprocess.run([drv, "--target=wasm32", "-g", "-O1", "-nostdlib", "-Wl,--no-entry", "-Wl,--export-all",
                                "-o", wout, wsrc], capture_output=True, text=True)
            if r.returncode != 0:
                print(f"FAIL clang wasm {lang}: {r.stderr.strip()[:300]}")
                failed += 1
                continue
            check(ex, wout, f"clang-14 wasm32 {lang}", format="wasm", bytecode__version="1", toolchain__language=want,
                  toolchain__compiler="clang", execution__model="bytecode", execution__engine=None, execution__jit="unknown")

    shutil.rmtree(tmp, ignore_errors=True)
    if failed:
        print(f"{failed} failed")
        return 1
    if missing:
        print("SKIP: not on this machine (scripts/dev.sh installs them): " + ", ".join(missing))
        return 77
    return 0


if __name__ == "__main__":
    sys.exit(main())
