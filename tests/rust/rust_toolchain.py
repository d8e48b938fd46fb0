#!/usr/bin/env python3
"""Rust facts against real toolchains (tests/rust, label "rust").

1. Builds main.rs with each rustc found (Debian's /usr/bin/rustc, and the
   rustc on PATH when it is another one) and checks `exray rust --json`
   reports the version that `rustc --version` prints; for a rustc that writes
   a .comment producer, also on a copy without .comment (the version must
   then come from the /rustc/<commit>/ paths and exray's release table, or be
   reported as unknown with the commit).
2. Adds a .dep-v0 section (zlib-compressed JSON written here) with objcopy and
   checks `exray rust --json` lists exactly those packages; then a broken one
   (a warning, exit 0, the error in dep_v0.error).
3. Differential: on Debian Rust binaries already installed (/usr/bin/rg, ...;
   nothing is installed), compares exray's crate list from paths with an
   independent regex extraction of the same paths from .rodata (taken out
   with objcopy).
Exit 77 (skipped) when there is no rustc and no Debian Rust binary.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import zlib

FAILS = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        FAILS.append(what)


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def exray_rust(exray, path):
    r = run([exray, "rust", "--json", path])
    doc = json.loads(r.stdout) if r.returncode == 0 and r.stdout.strip() else None
    return r, doc


def rustcs():
    found = []
    for c in ["/usr/bin/rustc", shutil.which("rustc")]:
        if c and os.path.exists(c) and os.path.realpath(c) not in [os.path.realpath(x) for x in found]:
            found.append(c)
    return found


def toolchain_part(exray, scratch, src):
    any_built = False
    for i, rustc in enumerate(rustcs()):
        v = run([rustc, "--version"])
        m = re.match(r"rustc (\d+\.\d+\.\d+)", v.stdout)
        if v.returncode != 0 or not m:
            print(f"skip {rustc}: {v.stdout or v.stderr}")
            continue
        want = m.group(1)
        out = os.path.join(scratch, f"hello{i}")
        b = run([rustc, "-O", src, "-o", out])
        if b.returncode != 0:
            print(f"skip {rustc}: build failed: {b.stderr[-500:]}")
            continue
        any_built = True
        r, doc = exray_rust(exray, out)
        check(r.returncode == 0 and doc is not None, f"{rustc} ({want}): exray rust exits 0 ({r.stderr.strip()})")
        if not doc:
            continue
        rs = doc["rust"]
        check(rs["version"] == want, f"{rustc}: version {rs['version']} == {want} (from {rs['version_from']})")
        check(rs["dep_v0"] is None and rs["crates"] == [], f"{rustc}: no .dep-v0, no crates")
        # The same file without .comment: the paths must say it, or say they cannot.
        bare = out + "-nocomment"
        c = run(["objcopy", "--remove-section", ".comment", out, bare])
        rs2 = {}
        if c.returncode == 0 and rs["version_from"] == "comment":
            r2, doc2 = exray_rust(exray, bare)
            rs2 = doc2["rust"] if doc2 else {}
            ok = (rs2.get("version") == want and rs2.get("version_from") == "rustc commit") or (
                rs2.get("version") is None and rs2.get("commit"))
            check(ok, f"{rustc}: without .comment: version {rs2.get('version')} from {rs2.get('version_from')}, "
                      f"commit {rs2.get('commit')}")
        # Also in the full report: toolchain.version always (identification
        # reads Debian's path too); the rust object when .comment names rustc
        # (the report does not search read-only data for paths).
        full = run([exray, "--json", out])
        doc = json.loads(full.stdout) if full.returncode == 0 else {}
        check((doc.get("toolchain") or {}).get("version") == want, f"{rustc}: the report's toolchain has the version")
        if rs["version_from"] == "comment":
            check(doc.get("rust", {}).get("version") == want and doc["rust"].get("paths_scanned") is False,
                  f"{rustc}: the report's rust object has the version, from .comment, no paths read")
        # Without section headers: read-only PT_LOAD segments are scanned instead of .rodata.
        objcopy = shutil.which("llvm-objcopy") or shutil.which("llvm-objcopy-14")
        nosec = out + "-nosections"
        if objcopy and run([objcopy, "--strip-sections", out, nosec]).returncode == 0:
            r3, doc3 = exray_rust(exray, nosec)
            rs3 = doc3["rust"] if doc3 else {}
            want3 = want if rs["version_from"] != "comment" else rs2.get("version")
            check(rs3.get("version") == want3 and rs3.get("version_from") in ("rustc commit", "debian rustc path"),
                  f"{rustc}: without section headers: version {rs3.get('version')} from {rs3.get('version_from')}")
        if i == 0:
            dep_v0_part(exray, scratch, out)
    return any_built


def dep_v0_part(exray, scratch, binary):
    packages = [
        {"name": "adler", "version": "1.0.2", "source": "crates.io"},
        {"name": "cc", "version": "1.0.83", "source": "crates.io", "kind": "build"},
        {"name": "hello", "version": "0.1.0", "source": "local", "dependencies": [0, 1, 3], "root": True},
        {"name": "wasi", "version": "0.11.0+wasi-snapshot-preview1", "source": "crates.io"},
        {"name": "my-git-dep", "version": "0.3.0-alpha.1", "source": "git"},
    ]
    blob = os.path.join(scratch, "dep-v0.bin")
    with open(blob, "wb") as f:
        f.write(zlib.compress(json.dumps({"packages": packages, "format": 1}).encode()))
    withdep = binary + "-depv0"
    c = run(["objcopy", "--add-section", f".dep-v0={blob}", "--set-section-flags", ".dep-v0=noload,readonly",
             binary, withdep])
    check(c.returncode == 0, f"objcopy adds .dep-v0 ({c.stderr.strip()})")
    r, doc = exray_rust(exray, withdep)
    check(r.returncode == 0 and doc is not None, "exray rust on the .dep-v0 copy exits 0")
    if not doc:
        return
    got = [(c["name"], c["version"], c["source"], c["kind"], c["from"]) for c in doc["rust"]["crates"]]
    want = sorted((p["name"], p["version"], p["source"], p.get("kind", "runtime"), "dep-v0") for p in packages)
    check(got == want, f".dep-v0 crates exactly as written: {got}")
    d = doc["rust"]["dep_v0"]
    check(d and d["packages"] == len(packages) and d["format"] == 1 and d["error"] is None, f".dep-v0 summary {d}")
    # A broken one: a warning, and the rest of the facts.
    with open(blob, "wb") as f:
        f.write(zlib.compress(b'{"packages":[{"name":"a","version":"1.0.0","source":"local","dependencies":[9]}]}'))
    broken = binary + "-depv0-broken"
    run(["objcopy", "--add-section", f".dep-v0={blob}", "--set-section-flags", ".dep-v0=noload,readonly", binary,
         broken])
    r, doc = exray_rust(exray, broken)
    check(r.returncode == 0 and "warning: rust: .dep-v0" in r.stderr, f"broken .dep-v0 warns ({r.stderr.strip()})")
    check(doc and doc["rust"]["dep_v0"]["error"] and doc["rust"]["dep_v0"]["packages"] is None,
          "broken .dep-v0: error reported, no packages")
    check(doc and doc["rust"]["version"] is not None, "broken .dep-v0: the version is still reported")
    # Hostile sections: a decompression bomb (1 GiB of spaces in ~1 MiB) and
    # nesting a million deep; refused quickly, under a time limit.
    hostile = {
        "bomb": zlib.compress(b'{"packages":[' + b" " * (1 << 30) + b"]}", 9),
        "deep": zlib.compress(b'{"packages":' + b"[" * (1 << 20) + b"]" * (1 << 20) + b"}", 9),
    }
    for name, data in hostile.items():
        with open(blob, "wb") as f:
            f.write(data)
        bad = binary + "-depv0-" + name
        run(["objcopy", "--add-section", f".dep-v0={blob}", "--set-section-flags", ".dep-v0=noload,readonly", binary,
             bad])
        try:
            r = run([exray, "rust", "--json", bad], timeout=20)
            doc = json.loads(r.stdout) if r.returncode == 0 else None
            err = doc and doc["rust"]["dep_v0"]["error"]
            check(r.returncode == 0 and err, f".dep-v0 {name}: refused with an error ({err})")
            r = run([exray, "--json", bad], timeout=20)
            check(r.returncode == 0, f".dep-v0 {name}: the full report still exits 0")
        except subprocess.TimeoutExpired:
            check(False, f".dep-v0 {name}: exray took more than 20 s")


def forged_part(exray, scratch):
    """A C program with a forged rustc producer line is not reported as Rust."""
    gcc = shutil.which("gcc")
    if not gcc:
        return
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "identify", "fixtures", "src",
                       "neg_fake_rustc_comment.c")
    out = os.path.join(scratch, "forged-comment")
    if run([gcc, "-o", out, src]).returncode != 0:
        return
    r, doc = exray_rust(exray, out)
    check(r.returncode == 1 and doc is None, f"forged rustc producer alone: exray rust exits 1 ({r.stderr.strip()})")
    full = run([exray, "--json", out])
    check(full.returncode == 0 and "rust" not in json.loads(full.stdout), "forged rustc producer: no rust object")


# An independent reading of the same paths: plain regular expressions over
# .rodata, with semver as https://semver.org writes it.
SEMVER = rb"\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?"
REGISTRY = re.compile(rb"/registry/src/([A-Za-z0-9._-]+)-([0-9a-f]{16})/([A-Za-z0-9_-]+?)-(" + SEMVER + rb")/")
GIT = re.compile(rb"/git/checkouts/([A-Za-z0-9_-]+)-[0-9a-f]{16}/([0-9a-f]{7,40})/")
DEBIAN = re.compile(rb"/usr/share/cargo/registry/([A-Za-z0-9_-]+?)-(" + SEMVER + rb")/")


def reference_crates(rodata):
    out = set()
    for m in REGISTRY.finditer(rodata):
        host, h = m.group(1).decode(), m.group(2).decode()
        src = "crates.io" if host == "index.crates.io" or (host, h) == ("github.com", "1ecc6299db9ec823") else "registry"
        out.add((m.group(3).decode(), m.group(4).decode(), src))
    for m in GIT.finditer(rodata):
        out.add((m.group(1).decode(), m.group(2).decode(), "git"))
    for m in DEBIAN.finditer(rodata):
        out.add((m.group(1).decode(), m.group(2).decode(), "debian-vendored"))
    return out


DEBIAN_RUST_BINARIES = ["/usr/bin/rg", "/usr/bin/fdfind", "/usr/bin/batcat", "/usr/bin/hyperfine", "/usr/bin/delta",
                        "/usr/bin/exa", "/usr/bin/sd", "/usr/bin/dust", "/usr/bin/zoxide", "/usr/bin/cargo",
                        "/usr/bin/rustdoc", "/usr/bin/just", "/usr/bin/tealdeer", "/usr/bin/procs"]


def diff_part(exray, scratch, extra):
    done = 0
    for path in DEBIAN_RUST_BINARIES + extra:
        if not os.path.isfile(path):
            continue
        rodata = os.path.join(scratch, os.path.basename(path) + ".rodata")
        c = run(["objcopy", "-O", "binary", "--only-section=.rodata", path, rodata])
        if c.returncode != 0 or not os.path.exists(rodata):
            print(f"skip {path}: objcopy: {c.stderr.strip()}")
            continue
        with open(rodata, "rb") as f:
            ref = reference_crates(f.read())
        r, doc = exray_rust(exray, path)
        if doc is None:
            check(not ref, f"{path}: not Rust to exray ({r.stderr.strip()}) and no crate paths to the reference")
            continue
        if doc["rust"]["dep_v0"] and doc["rust"]["dep_v0"]["error"] is None:
            print(f"skip {path}: crates come from .dep-v0, not paths")
            continue
        got = {(c["name"], c["version"], c["source"]) for c in doc["rust"]["crates"]}
        check(got == ref, f"{path}: {len(got)} crates from paths == {len(ref)} by the reference regexes; "
                          f"only exray: {sorted(got - ref)[:5]}, only reference: {sorted(ref - got)[:5]}")
        done += 1
    return done


def vendored_part(exray):
    """The Rust project's own tools, as rustup installs them, vendor their crates
    under /rust/deps/NAME-VERSION: exray rust lists them (cargo: 155 in 1.95),
    and Debian's rustc stub, which imports rustc_driver's v0-mangled names, is
    Rust for `exray rust` as for the main report."""
    for rustc in rustcs():
        sysroot = run([rustc, "--print", "sysroot"]).stdout.strip()
        cargo = os.path.join(sysroot, "bin", "cargo")
        if not sysroot or not os.path.isfile(cargo):
            continue
        r, doc = exray_rust(exray, cargo)
        crates = doc["rust"]["crates"] if doc else []
        vendored = [c for c in crates if c["source"] == "vendored"]
        check(len(vendored) >= 20, f"{cargo}: {len(vendored)} vendored crates from /rust/deps paths (want >= 20)")
    if os.path.isfile("/usr/bin/rustc"):
        r, doc = exray_rust(exray, "/usr/bin/rustc")
        check(r.returncode == 0 and doc is not None, f"/usr/bin/rustc is Rust for exray rust ({r.stderr.strip()})")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--exray", required=True)
    ap.add_argument("--scratch", required=True)
    ap.add_argument("--src", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "main.rs"))
    ap.add_argument("--diff", nargs="*", default=[], help="more Rust binaries for the differential part")
    a = ap.parse_args()
    os.makedirs(a.scratch, exist_ok=True)
    if not shutil.which("objcopy"):
        print("skip: no objcopy")
        return 77
    built = toolchain_part(a.exray, a.scratch, a.src)
    forged_part(a.exray, a.scratch)
    vendored_part(a.exray)
    diffed = diff_part(a.exray, a.scratch, a.diff)
    if not built and not diffed:
        print("skip: no rustc and no Rust binary to compare")
        return 77
    print(f"{len(FAILS)} failures")
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
