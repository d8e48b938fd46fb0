#!/usr/bin/env python3
"""Fetch the labelled corpus of real binaries (issue 4) into a cache folder.

Usage: fetch.py --cache DIR [--tsv expectations.tsv] [--no-update]

Every package and version comes from the `source` column of expectations.tsv
(beside this script), so the table is the one list of pins:
  deb:PKG=VERSION          `apt-get download PKG=VERSION` run in DIR/debs/,
                           then `dpkg-deb -x` into DIR/deb/PKG/
  npm:NAME@VERSION         one `npm install --prefix DIR/npm --no-save --force
  npm:ALIAS=NAME@VERSION     --ignore-scripts --no-audit --no-fund ...` of all
                           npm pins (ALIAS installs NAME@VERSION under
                           node_modules/ALIAS, for a second version of a name)
Idempotent: an extracted package whose DIR/deb/PKG/.exray-version holds the
pinned version, and an npm package whose package.json has the pinned version,
are left alone. Nothing downloaded is ever executed (npm runs with
--ignore-scripts; debs are unpacked, not installed).

When apt lists do not know a pinned version, `apt-get update` is run once
(root only) and the download retried.

Exit codes: 0 everything is in the cache; 1 some pins could not be fetched
(listed on stderr: a version gone from the archive, say); 77 with a
"SKIP: ..." line when neither apt-get/dpkg-deb nor npm is usable, or the
registries cannot be reached and nothing is cached yet.
"""

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import time

from check import read_rows  # tests/identify/corpus/check.py: the one reader of expectations.tsv

SKIP = 77
HERE = os.path.dirname(os.path.abspath(__file__))
OFFLINE_MARKS = ("Temporary failure resolving", "Could not resolve", "Failed to fetch",
                 "ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ETIMEDOUT", "network", "Network is unreachable")
NOT_FOUND_MARKS = ("was not found", "Unable to locate package", "Can't select")


def read_sources(tsv):
    """The distinct deb and npm pins of the table, in table order."""
    debs, npms = {}, {}
    for row in read_rows(tsv):  # the checker's reader: one parser of the table
        src = row["source"]
        kind, _, spec = src.partition(":")
        if kind == "deb":
            pkg, _, ver = spec.partition("=")
            if debs.get(pkg, ver) != ver:
                sys.exit("expectations.tsv pins two versions of %s" % pkg)
            debs[pkg] = ver
        elif kind == "npm":
            alias, eq, rest = spec.partition("=")
            if not eq:
                rest, alias = spec, None
            name, _, ver = rest.rpartition("@")
            npms[alias or name] = (name, ver)
        else:
            sys.exit("unknown source kind: %s" % src)
    return debs, npms


def run(cmd, cwd=None):
    p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout


def deb_done(cache, pkg, ver):
    marker = os.path.join(cache, "deb", pkg, ".exray-version")
    try:
        with open(marker, encoding="utf-8") as f:
            return f.read().strip() == ver
    except OSError:
        return False


def find_deb(debdir, pkg, ver):
    """The downloaded .deb of PKG=VER (apt writes an epoch colon as %3a)."""
    for path in glob.glob(os.path.join(debdir, glob.escape(pkg) + "_*.deb")):
        rc, out = run(["dpkg-deb", "-f", path, "Package", "Version"])
        fields = dict(l.split(": ", 1) for l in out.splitlines() if ": " in l)
        if rc == 0 and fields.get("Package") == pkg and fields.get("Version") == ver:
            return path
    return None


def apt_download(debdir, specs):
    return run(["apt-get", "-q", "-o", "APT::Sandbox::User=root", "download"] + specs, cwd=debdir)


def fetch_debs(cache, debs, allow_update):
    """Returns (failed pins, offline?)."""
    debdir = os.path.join(cache, "debs")
    os.makedirs(debdir, exist_ok=True)
    todo = [(p, v) for p, v in debs.items() if not deb_done(cache, p, v)]
    need = [(p, v) for p, v in todo if not find_deb(debdir, p, v)]
    offline = False
    if need:
        print("apt-get download: %d packages" % len(need), flush=True)
        rc, out = apt_download(debdir, ["%s=%s" % pv for pv in need])
        if rc != 0 and any(m in out for m in NOT_FOUND_MARKS) and allow_update and os.geteuid() == 0:
            print("apt lists do not know a pinned version: apt-get update", flush=True)
            run(["apt-get", "-q", "-o", "DPkg::Lock::Timeout=600", "update"])
            rc, out = apt_download(debdir, ["%s=%s" % pv for pv in need])
        if rc != 0:
            # One bad pin fails the whole batch: retry one by one to name it.
            offline = any(m in out for m in OFFLINE_MARKS)
            for p, v in need:
                if not find_deb(debdir, p, v):
                    prc, pout = apt_download(debdir, ["%s=%s" % (p, v)])
                    if prc != 0:
                        sys.stderr.write("apt-get download %s=%s failed:\n%s\n" % (p, v, pout.strip()[-600:]))
    failed = []
    for p, v in todo:
        path = find_deb(debdir, p, v)
        if not path:
            failed.append("deb:%s=%s" % (p, v))
            continue
        dest = os.path.join(cache, "deb", p)
        tmp = dest + ".tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(dest, ignore_errors=True)
        os.makedirs(tmp)
        rc, out = run(["dpkg-deb", "-x", path, tmp])
        if rc != 0:
            sys.stderr.write("dpkg-deb -x %s failed:\n%s\n" % (path, out))
            failed.append("deb:%s=%s" % (p, v))
            continue
        with open(os.path.join(tmp, ".exray-version"), "w", encoding="utf-8") as f:
            f.write(v + "\n")
        os.rename(tmp, dest)
        print("extracted %s=%s" % (p, v), flush=True)
    return failed, offline and len(failed) == len(todo)


def npm_done(cache, dirname, ver):
    try:
        with open(os.path.join(cache, "npm", "node_modules", dirname, "package.json"), encoding="utf-8") as f:
            return json.load(f).get("version") == ver
    except (OSError, ValueError):
        return False


def fetch_npm(cache, npms):
    """Returns (failed pins, offline?). Installs every pin in one npm run when
    any is missing, since `npm install --no-save` prunes what it is not told."""
    missing = [d for d, (n, v) in npms.items() if not npm_done(cache, d, v)]
    if not missing:
        return [], False
    specs = []
    for d, (n, v) in npms.items():
        specs.append("%s@%s" % (n, v) if d == n else "%s@npm:%s@%s" % (d, n, v))
    prefix = os.path.join(cache, "npm")
    os.makedirs(prefix, exist_ok=True)
    print("npm install: %d packages (%d missing)" % (len(specs), len(missing)), flush=True)
    rc, out = run(["npm", "install", "--prefix", prefix, "--no-save", "--force", "--ignore-scripts",
                   "--no-audit", "--no-fund", "--no-package-lock"] + specs)
    if rc != 0:
        sys.stderr.write("npm install failed:\n%s\n" % out.strip()[-1500:])
    failed = ["npm:%s" % ("%s@%s" % (n, v) if d == n else "%s=%s@%s" % (d, n, v))
              for d, (n, v) in npms.items() if not npm_done(cache, d, v)]
    offline = rc != 0 and any(m in out for m in OFFLINE_MARKS) and len(failed) == len(npms)
    return failed, offline


def du(path):
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                pass
    return total


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", required=True, help="cache folder (created)")
    ap.add_argument("--tsv", default=os.path.join(HERE, "expectations.tsv"))
    ap.add_argument("--no-update", action="store_true", help="never run apt-get update")
    args = ap.parse_args()
    cache = os.path.abspath(args.cache)
    os.makedirs(cache, exist_ok=True)
    debs, npms = read_sources(args.tsv)
    have_apt = all(shutil.which(t) for t in ("apt-get", "dpkg-deb"))
    have_npm = shutil.which("npm") is not None
    if not have_apt and not have_npm:
        print("SKIP: neither apt-get/dpkg-deb nor npm is available")
        return SKIP
    start = time.monotonic()
    failed, offline = [], []
    if have_apt:
        f, off = fetch_debs(cache, debs, not args.no_update)
        failed += f
        offline.append(off)
    else:
        failed += ["deb:%s=%s" % pv for pv in debs.items() if not deb_done(cache, *pv)]
        print("apt-get or dpkg-deb missing: %d Debian pins not fetched" % len(debs))
    if have_npm:
        f, off = fetch_npm(cache, npms)
        failed += f
        offline.append(off)
    else:
        failed += ["npm:%s" % d for d, (n, v) in npms.items() if not npm_done(cache, d, v)]
        print("npm missing: %d npm pins not fetched" % len(npms))
    elapsed = time.monotonic() - start
    print("cache %s: debs %.0f MB downloaded, %.0f MB extracted; npm %.0f MB; %.0f s" % (
        cache, du(os.path.join(cache, "debs")) / 1e6, du(os.path.join(cache, "deb")) / 1e6,
        du(os.path.join(cache, "npm")) / 1e6, elapsed))
    total = len(debs) + len(npms)
    if failed:
        sys.stderr.write("not fetched (%d of %d pins):\n  %s\n" % (len(failed), total, "\n  ".join(failed)))
        if len(failed) == total:
            what = "cannot be reached" if any(offline) else "gave none of the pins"
            print("SKIP: the package registries %s and the cache holds none of them" % what)
            return SKIP
        return 1
    print("all %d pins present (%d deb, %d npm)" % (total, len(debs), len(npms)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
