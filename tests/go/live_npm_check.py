#!/usr/bin/env python3
"""`exray go --pid` on two stripped Go programs nobody here built, while they
serve: esbuild 0.28.2 (Go 1.26) in `--serve` mode and buf 1.75.0 (Go 1.27) as
a language server (`buf lsp serve`), both from the npm registry, pinned.

Neither has symbols or DWARF, so this is the whole stripped path: the layout
from exray's table for the release, the eight runtime globals located through
the runtime's machine code. Requires, for each:
 - the release is the one the build info names, the layout comes from the
   table, and every global the reader needs was located from code;
 - Ms equal the threads in /proc/PID/task, every M's thread is one of them;
 - Ps equal GOMAXPROCS, which equals the CPUs this process may use (Go's
   default) unless GOMAXPROCS is set;
 - goroutines: the not-dead ones in allgs at least NumGoroutine's count
   (program's and runtime's), at most allglen; every waiting goroutine's
   reason has a name (the table for this release read the right byte);
 - the memory figures hold together: HeapInuse + HeapIdle = HeapSys,
   HeapReleased <= HeapIdle, HeapAlloc <= HeapInuse, Sys >= HeapSys, and the
   Go arenas are a mapping kind with memory in them.
Exit 77 when npm cannot fetch the packages or /proc/PID/mem cannot be read.
Last line: "N passed, N failed".
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from checklib import SKIP, Tally  # noqa: E402

PACKAGES = {"esbuild": ("@esbuild/linux-x64@0.28.2", "bin/esbuild", "go1.26."),
            "buf": ("@bufbuild/buf-linux-x64@1.75.0", "bin/buf", "go1.27.")}
NEEDED = ["runtime.allgs", "runtime.allglen", "runtime.allm", "runtime.sched", "runtime.memstats",
          "runtime.gcController", "runtime.allp", "runtime.gomaxprocs"]

check = Tally()


def fetch(scratch):
    out = {}
    for name, (pkg, path, _) in PACKAGES.items():
        d = os.path.join(scratch, name)
        binary = os.path.join(d, "package", path)
        if not os.path.exists(binary):
            os.makedirs(d, exist_ok=True)
            r = subprocess.run(["npm", "pack", "--pack-destination", d, pkg], capture_output=True, text=True,
                               timeout=600)
            if r.returncode != 0:
                return None
            tgz = os.path.join(d, r.stdout.strip().splitlines()[-1])
            subprocess.run(["tar", "xzf", tgz, "-C", d], check=True)
        out[name] = binary
    return out


def start(name, binary, scratch):
    # Both stop when stdin closes: a pipe left open keeps them serving.
    if name == "esbuild":
        www = os.path.join(scratch, "www")
        os.makedirs(www, exist_ok=True)
        with open(os.path.join(www, "index.html"), "w") as f:
            f.write("hi\n")
        args = [binary, "--serve=127.0.0.1:0", f"--servedir={www}"]
    else:
        args = [binary, "lsp", "serve"]
    env = {k: v for k, v in os.environ.items() if k != "GOMAXPROCS"}
    return subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=env)


def exray_pid(exray, pid):
    return subprocess.run([exray, "go", "--pid", str(pid), "--json"], capture_output=True, text=True, timeout=300)


def check_one(exray, name, binary, scratch):
    want_ver = PACKAGES[name][2]
    doc = json.loads(subprocess.run([exray, "go", binary, "--runtime", "--json"], capture_output=True, text=True,
                                    check=True, timeout=300).stdout)
    rt = doc["runtime"]
    check((doc["go"] or "").startswith(want_ver), f"{name}: go {doc['go']}, want {want_ver}*")
    check(rt["source"] == "table" and rt["table_range"] == want_ver[:-1] + " linux/amd64",
          f"{name}: layout {rt['source']} {rt['table_range']}")
    for g in rt["globals"]:
        if g["name"] in NEEDED:
            check(g.get("address") and g.get("how", "").startswith("runtime."), f"{name}: {g} not located from code")

    p = start(name, binary, scratch)
    try:
        time.sleep(2)
        if p.poll() is not None:
            check(False, f"{name}: exited {p.returncode} before it could be read")
            return True
        r = exray_pid(exray, p.pid)
        if r.returncode != 0 and "mem" in r.stderr and "permission" in r.stderr.lower():
            print(f"skip {name}: {r.stderr.strip()}")
            return False
        check(r.returncode == 0, f"{name}: exray go --pid exit {r.returncode}: {r.stderr.strip()}")
        if r.returncode != 0:
            return True
        lv = json.loads(r.stdout)
        tasks = sorted(int(t) for t in os.listdir(f"/proc/{p.pid}/task"))
        ms = lv["ms"]
        check(len(ms) == len(tasks) and all(m["in_task"] for m in ms), f"{name}: {len(ms)} Ms, {len(tasks)} threads")
        check(sorted(m["procid"] for m in ms) == tasks, f"{name}: the Ms' threads {[m['procid'] for m in ms]} != {tasks}")
        cpus = len(os.sched_getaffinity(p.pid))
        check(lv["gomaxprocs"] == cpus and lv["procs"] == cpus,
              f"{name}: GOMAXPROCS {lv['gomaxprocs']}, Ps {lv['procs']}, CPUs {cpus}")
        g = lv["goroutines"]
        check(0 < g["count"] <= g["allglen"] and g["allgs_read"] == g["allglen"],
              f"{name}: goroutines {g['count']} of allglen {g['allglen']}, read {g['allgs_read']}")
        alive = sum(n for s, n in g["by_status"].items() if s != "dead")
        check(alive >= g["count"] and g["user"] + g["system"] == alive,
              f"{name}: {alive} not dead in allgs, NumGoroutine {g['count']}, user+system {g['user']}+{g['system']}")
        check(g["waiting"] and all(w["reason"] for w in g["waiting"]),
              f"{name}: a wait reason without a name: {g['waiting']}")
        mem = lv["gc"]["memstats"]
        check(mem["heap_inuse"] + mem["heap_idle"] == mem["heap_sys"], f"{name}: HeapInuse+HeapIdle != HeapSys {mem}")
        check(mem["heap_released"] <= mem["heap_idle"] and mem["heap_alloc"] <= mem["heap_inuse"]
              and mem["sys"] >= mem["heap_sys"], f"{name}: memory figures {mem}")
        arenas = [k for k in lv["memory"]["by_kind"] if k["kind"] == "go-arenas"]
        check(arenas and arenas[0]["rss_kb"] > 0, f"{name}: no resident Go arenas in {lv['memory']['by_kind']}")
        check(lv["notes"] == [] and lv["warnings"] == [], f"{name}: notes {lv['notes']} warnings {lv['warnings']}")
        print(f"{name}: pid {p.pid}, {len(ms)} Ms, {g['count']} goroutines, GC cycles {lv['gc']['cycles']}")
    finally:
        p.kill()
        p.wait()
    return True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--exray", required=True)
    ap.add_argument("--scratch", required=True)
    a = ap.parse_args()
    os.makedirs(a.scratch, exist_ok=True)
    bins = fetch(os.path.abspath(a.scratch))
    if bins is None:
        print("skip: npm pack failed")
        return SKIP
    ran = False
    for name, binary in bins.items():
        with tempfile.TemporaryDirectory(dir=a.scratch) as t:
            ran = check_one(os.path.abspath(a.exray), name, binary, t) or ran
    if not ran:
        return SKIP
    print(check.summary())
    return check.status()


if __name__ == "__main__":
    sys.exit(main())
