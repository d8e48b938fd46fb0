#!/usr/bin/python3
"""Validates `exray --json` documents against docs/exray.schema.json.

Inputs: real binaries of several kinds on this machine, a script, unknown data,
and a truncated ELF file, each with and without the list options. Uses
Debian's python3-jsonschema, so run it with /usr/bin/python3.
"""
import glob
import shutil
import importlib.util
import io
import json
import struct
import os
import subprocess
import sys
import tempfile
import zipfile

import jsonschema


def bytecode_inputs():
    """One small file per bytecode and archive format (src/formats/bytecode)."""
    cls = b"\xca\xfe\xba\xbe\x00\x00\x00\x3d" + b"\x00" * 16
    jar, plain = io.BytesIO(), io.BytesIO()
    with zipfile.ZipFile(jar, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\nMain-Class: A\r\n\r\n")
        z.writestr("A.class", cls)
    with zipfile.ZipFile(plain, "w") as z:
        z.writestr("a.txt", "hello")
    prod = b"\x09producers\x01\x08language\x01\x04Rust\x00"
    wasm = b"\0asm\x01\0\0\0" + b"\x00" + bytes([len(prod)]) + prod
    atoms = b"\x00\x00\x00\x01\x01m\x00\x00"
    beam_body = b"BEAM" + b"AtU8" + struct.pack(">I", 6) + atoms
    beam = b"FOR1" + struct.pack(">I", len(beam_body)) + beam_body
    pyc = importlib.util.MAGIC_NUMBER + b"\x00" * 12
    return [("A.class", cls), ("a.jar", jar.getvalue()), ("a.zip", plain.getvalue()), ("a.wasm", wasm),
            ("a.beam", beam), ("a.pyc", pyc), ("a.luac", b"\x1bLua\x54\x00"), ("fat.bin", b"\xca\xfe\xba\xbe\0\0\0\x02" + b"\0" * 40)]


def main():
    exray, schema_path = sys.argv[1], sys.argv[2]
    schema = json.load(open(schema_path))
    validator = jsonschema.Draft202012Validator(schema)
    tmp = tempfile.mkdtemp()
    extra = []
    for name, data in [("script.sh", b"#!/usr/bin/env -S bash -e\necho hi\n"), ("data.bin", b"\x00" * 64),
                       ("trunc.elf", open("/bin/ls", "rb").read()[:3000])] + bytecode_inputs():
        path = os.path.join(tmp, name)
        with open(path, "wb") as f:
            f.write(data)
        extra.append(path)
    # Small ELF files for the identification step's optional objects
    # (execution.payload, toolchain.libc static), laid out by the lit tests' writer.
    mini_elf = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lit", "Inputs", "mini_elf.py")
    bun = "1e00000000000000636f6e736f6c652e6c6f672831290a2d2d2d2d2042756e21202d2d2d2d0a"
    for name, args in [("sea.elf", ["--needed", "libc.so.6", "--note", ".note.node.sea:NODE_SEA_BLOB:20da430100000000"]),
                       ("bun.elf", ["--needed", "libc.so", "--section", ".bun=" + bun]),
                       ("static.elf", ["--section", "__libc_freeres_fn=00"]),
                       ("guile.go", ["--machine", "0", "--section", ".rtl-text=00"])]:
        path = os.path.join(tmp, name)
        subprocess.run([sys.executable, mini_elf, path, *args], check=True)
        extra.append(path)
    files = ["/bin/ls", "/bin/sh", "/usr/lib/x86_64-linux-gnu/libc.so.6"]
    files += sorted(glob.glob("/usr/lib/x86_64-linux-gnu/*.o"))[:3]  # relocatable objects
    files += sorted(glob.glob("/usr/lib/go-*/pkg/tool/linux_amd64/*"))[:2]  # Go, if installed
    files += ["/usr/bin/hyperfine", "/usr/bin/rg"]  # Rust (the rust object), if installed
    # Mach-O and PE: the heads of real darwin and windows builds (thin,
    # universal) that seed the fuzzers, and whole builds when at hand.
    here = os.path.dirname(os.path.abspath(__file__))
    files += sorted(glob.glob(os.path.join(here, "..", "fuzz", "corpus", "macho", "*")))
    files += sorted(glob.glob(os.path.join(here, "..", "fuzz", "corpus", "pe", "*")))
    files += sorted(glob.glob(os.environ.get("EXRAY_MACHO_GLOB", "/nonexistent")))
    files = [f for f in files if os.path.isfile(f)] + extra
    open(os.path.join(tmp, "empty"), "wb").close()
    # A kernel module's shape (the module object): an object file with .modinfo.
    if shutil.which("gcc") and shutil.which("objcopy"):
        src, obj, info, ko = (os.path.join(tmp, n) for n in ("m.c", "m.o", "m.modinfo", "m.ko"))
        open(src, "w").write("int init_module(void) { return 0; }\n")
        open(info, "wb").write(b"license=GPL\0vermagic=6.1.0 SMP mod_unload \0name=m\0depends=\0")
        if subprocess.run(["gcc", "-c", src, "-o", obj]).returncode == 0 and subprocess.run(
                ["objcopy", "--add-section", f".modinfo={info}", obj, ko]).returncode == 0:
            files.append(ko)
    # A core file of a real process (the core object), when gdb's gcore is here.
    if shutil.which("gcore"):
        proc = subprocess.Popen(["/bin/sleep", "30"])
        subprocess.run(["gcore", "-o", os.path.join(tmp, "core"), str(proc.pid)], capture_output=True)
        proc.kill()
        proc.wait()
        core = os.path.join(tmp, f"core.{proc.pid}")
        if os.path.isfile(core):
            files.append(core)
    files += [os.path.join(tmp, "empty"), tmp]  # format empty; a directory: an error record
    checked = failed = 0
    for opts in ([], ["--sections", "--segments", "--symbols", "--dynamic", "--notes", "--hash"]):
        out = subprocess.run([exray, "--json", *opts, *files], capture_output=True, text=True)
        docs = [json.loads(line) for line in out.stdout.splitlines()]
        if len(docs) != len(files):
            print(f"FAIL: {len(files)} files gave {len(docs)} documents; stderr: {out.stderr.strip()}")
            failed += 1
        for doc in docs:
            checked += 1
            errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
            for e in errors[:5]:
                print(f"FAIL {doc.get('path')} {opts}: {'/'.join(map(str, e.path))}: {e.message[:200]}")
            failed += bool(errors)
    print(f"{checked - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
