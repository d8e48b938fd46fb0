#!/usr/bin/env python3
"""Checks `exray go --pid` against a running Go program that knows its own state.

Usage: live_check.py --exray EXRAY --scratch DIR

Needs /usr/bin/go (else exit 77). Builds testdata/live with the local Go as a
PIE, unstripped, with a scratch GOCACHE, and once more as a plain executable
stripped with `objcopy --strip-all` (not -ldflags=-s -w: that flag is
recorded in the build info, whose length then moves the data after it, so an
unstripped build would no longer match the stripped one's addresses). The fixture starts goroutines blocked in a channel
receive, in time.Sleep and, locked to OS threads, in a select, prints its pid,
runtime.NumGoroutine() and runtime.GOMAXPROCS(0), and waits on stdin. If
/proc/PID/mem cannot be read (ptrace access refused), exit 77. Requires:
 - the goroutine count equal to NumGoroutine exactly, with gcount's definition;
 - "chan receive", "sleep" and "select" counted as created among the
   program's goroutines (told from the runtime's by their start function),
   the program's not-dead goroutines equal to NumGoroutine too, and the
   runtime's equal to sched.ngsys;
 - GOMAXPROCS equal, and as many Ps;
 - the GC cycles equal to MemStats.NumGC (the fixture runs two), and the
   MemStats figures equal to what its ReadMemStats printed: Sys, MCacheSys
   and BuckHashSys exactly, OtherSys within 64 KiB, the others within 256 KiB (spans move between
   the heap, the stacks and the GC's work buffers after it printed, never in
   or out of Sys); the 4 MiB it wrote resident in the Go arenas, no more
   resident there than the runtime holds (unless transparent huge pages are
   on), and the memory by kind adding up to VmRSS;
 - every M's thread id in /proc/PID/task, as many Ms as threads, and the
   thread count equal to /proc/PID/status's and to the task list's length;
 - the same through `exray go FILE --pid PID`, FILE the program itself;
 - the stripped build alone: read through the release's table and the
   globals located from the runtime's code, the same checks; with the
   unstripped build as FILE it is read too (the layout and globals from
   FILE, the load bias 0);
 - `exray run` of the fixture (stdin /dev/null: it prints and exits): the
   same goroutines, GC cycles, Sys and HeapAlloc read at its exit_group, its
   Ms found among its threads through the sandbox's pid namespace; the
   stripped build's run gives the same goroutine count; /bin/true's run has
   go_at_exit null;
 - for each release of --releases (default 27) from Debian (checklib.backport_go:
   1.21-1.23 from bookworm-backports, 1.24 on unpacked from Debian 13/unstable): the same checks on the fixture built
   by it, read through its DWARF, and its stripped build through exray's
   table for it with the unstripped one as FILE (--releases-only: those
   parts alone; CI's slow label checks 1.21 and 1.22);
 - `sleep 30`: exit 1, "not a Go process"; a pid that is gone: exit 1,
   "no such process".
Last line: "N passed, N failed".
"""

import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from checklib import backport_go, SKIP, Tally, parse_args, build, go_env  # noqa: E402

check = Tally()


def build_stripped(src, plain, stripped, env):
    """plain, and stripped: the same file without its symbols and DWARF."""
    build(src, plain, env)
    subprocess.run(["objcopy", "--strip-all", plain, stripped], check=True, timeout=300)


def exray(exe, *args):
    return subprocess.run([exe, "go", *args], capture_output=True, text=True, timeout=120)


def start(binary):
    """Runs the fixture; returns (process, {pid, goroutines, gomaxprocs, chan, sleep, select, numgc,
    memstats: {sys, heap_sys, ...}})."""
    p = subprocess.Popen([binary], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    words = p.stdout.readline().split()
    want = {words[i]: int(words[i + 1]) for i in range(0, len(words) - 1, 2)}
    words = p.stdout.readline().split()[1:]
    want["memstats"] = {words[i]: int(words[i + 1]) for i in range(0, len(words) - 1, 2)}
    return p, want


def stop(p):
    p.stdin.close()
    try:
        p.wait(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def tasks(pid):
    return sorted(int(t) for t in os.listdir(f"/proc/{pid}/task"))


def status_threads(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("Threads:"):
                return int(line.split()[1])
    return None


KIB = 1024
# After ReadMemStats the fixture prints (a few small objects, and its stack
# may grow), and a GC cycle its allocation started may end meanwhile: spans
# move between the heap, the stacks and the GC's work buffers, never in or out
# of Sys. These move by less.
DRIFT = 256 * KIB


def check_memory(doc, ms, label):
    """MemStats read from outside against what the program's ReadMemStats said."""
    got = doc["gc"]["memstats"]
    if not got:
        check(False, f"{label}: no memstats")
        return
    # Exact: what only a new mapping changes.
    for k in ("sys", "mcache_sys", "buckhash_sys"):
        check(got[k] == ms[k], f"{label}: {k} {got[k]} != ReadMemStats {ms[k]}")
    # OtherSys: within Sys, a few KiB move between it and the other counters
    # after the program printed (seen on Go 1.24: 2 KiB, Sys unchanged).
    check(abs(got["other_sys"] - ms["other_sys"]) <= 64 * KIB,
          f"{label}: other_sys {got['other_sys']} vs ReadMemStats {ms['other_sys']}")
    check(got["stack_sys"] == got["stack_inuse"], f"{label}: stack_sys {got['stack_sys']} (no cgo: no OS stacks)")
    for k in ("heap_sys", "heap_inuse", "heap_alloc", "stack_inuse", "mspan_sys", "gc_sys"):
        check(abs(got[k] - ms[k]) <= DRIFT, f"{label}: {k} {got[k]} vs ReadMemStats {ms[k]}")
    # The scavenger may release more idle pages meanwhile; idle stays idle.
    check(got["heap_released"] <= got["heap_idle"] and abs(got["heap_idle"] - ms["heap_idle"]) <= DRIFT,
          f"{label}: heap_idle {got['heap_idle']} released {got['heap_released']} vs {ms['heap_idle']}")
    # The 4 MiB the fixture wrote are live heap, and resident in the arenas.
    check(got["heap_alloc"] >= 4096 * KIB, f"{label}: heap_alloc {got['heap_alloc']} < the 4 MiB kept")
    kinds = {k["kind"]: k for k in doc["memory"]["by_kind"]}
    arenas = kinds.get("go-arenas", {"rss_kb": 0, "size_kb": 0})
    check(arenas["rss_kb"] >= 4096, f"{label}: go-arenas resident {arenas['rss_kb']} KiB < the 4 MiB written")
    # Resident in the arenas: at most what the runtime holds there, by more
    # only with transparent huge pages (Go 1.19 marks its heap MADV_HUGEPAGE,
    # so "madvise" lets khugepaged back it with 2 MiB pages too).
    held = got["heap_inuse"] + got["heap_idle"] - got["heap_released"] + got["stack_inuse"]
    thp = "/sys/kernel/mm/transparent_hugepage/enabled"
    thp_on = os.path.exists(thp) and "[never]" not in open(thp).read()
    check(thp_on or arenas["rss_kb"] * KIB <= held + DRIFT,
          f"{label}: go-arenas resident {arenas['rss_kb']} KiB > held {held // KIB} KiB")
    check(arenas["size_kb"] * KIB >= got["heap_sys"] + got["stack_inuse"], f"{label}: go-arenas mapped {arenas}")
    total = sum(k["rss_kb"] for k in doc["memory"]["by_kind"])
    rss = doc["memory"]["vm_rss_kb"]
    check(abs(total - rss) <= max(rss // 20, 256), f"{label}: smaps by kind {total} KiB vs VmRSS {rss} KiB")


def check_live(doc, want, pid, label):
    g = doc["goroutines"]
    check(g["count"] == want["goroutines"], f"{label}: goroutines {g['count']} != NumGoroutine {want['goroutines']}")
    check(g["definition"].startswith("gcount: allglen - sched.gFree.n - sched.ngsys"),
          f"{label}: definition {g['definition']!r}")
    waiting = {w["reason"]: w["count"] for w in g["waiting"]}
    # The program's own goroutines: the runtime's may wait for the same
    # reasons (its scavenger sleeps with "sleep" after a GC).
    user = {w["reason"]: w["user"] for w in g["waiting"]}
    for reason, key in (("chan receive", "chan"), ("sleep", "sleep"), ("select", "select")):
        check(user.get(reason) == want[key], f"{label}: {reason} {user.get(reason)} != {want[key]} ({g['waiting']})")
        check(waiting.get(reason, 0) >= want[key], f"{label}: {reason} {waiting.get(reason)} < {want[key]}")
    # Walked one by one, the program's goroutines that are not dead are what
    # gcount counts: the two definitions agree on a program at rest.
    check(g["user"] == want["goroutines"], f"{label}: the program's goroutines {g['user']} != {want['goroutines']}")
    check(g["system"] == g["ngsys"], f"{label}: the runtime's goroutines {g['system']} != ngsys {g['ngsys']}")
    check(g["by_status"]["waiting"] == sum(waiting.values()), f"{label}: waiting {g['by_status']} vs {waiting}")
    check(g["by_status"]["waiting"] >= want["chan"] + want["sleep"] + want["select"], f"{label}: by_status")
    check(doc["gomaxprocs"] == want["gomaxprocs"], f"{label}: GOMAXPROCS {doc['gomaxprocs']} != {want['gomaxprocs']}")
    check(doc["procs"] == want["gomaxprocs"], f"{label}: Ps {doc['procs']} != GOMAXPROCS {want['gomaxprocs']}")
    t = tasks(pid)
    ms = doc["ms"]
    check(all(m["procid"] in t and m["in_task"] for m in ms), f"{label}: Ms' thread ids {ms} not all in task {t}")
    check(len(ms) >= want["select"] + 1, f"{label}: {len(ms)} Ms, want at least {want['select'] + 1}")
    check(len(ms) == len(t), f"{label}: {len(ms)} Ms != {len(t)} threads in /proc/{pid}/task")
    check(doc["threads"]["status"] == status_threads(pid) == len(t),
          f"{label}: threads {doc['threads']['status']} != /proc's {status_threads(pid)} / {len(t)}")
    check(doc["threads"]["task"] == t, f"{label}: task list {doc['threads']['task']} != {t}")
    check(all(doc["memory"][k] for k in ("vm_rss_kb", "rss_anon_kb", "rss_file_kb")), f"{label}: memory {doc['memory']}")
    gc = doc["gc"]
    check(gc["cycles"] == want["numgc"], f"{label}: GC cycles {gc['cycles']} != MemStats.NumGC {want['numgc']}")
    check((gc["heap_live"] or 0) > 0, f"{label}: heap {gc}")
    check_memory(doc, want["memstats"], label)
    check(doc["notes"] == [], f"{label}: notes {doc['notes']}")


def parse_fixture_output(text):
    """The fixture's two lines, from what exray run relayed."""
    want = {}
    for line in text.splitlines():
        words = line.split()
        if words[:1] == ["pid"]:
            want.update({words[i]: int(words[i + 1]) for i in range(0, len(words) - 1, 2)})
        elif words[:1] == ["memstats"]:
            want["memstats"] = {words[i]: int(words[i + 1]) for i in range(1, len(words) - 1, 2)}
    return want


def check_run(exe, pie, stripped):
    """exray run: the same figures read at the fixture's exit_group (its stdin
    is /dev/null, so it exits right after printing)."""
    r = subprocess.run([exe, "run", pie, "--json"], capture_output=True, text=True, timeout=300)
    if r.returncode == 1 and "sandbox" in r.stderr:
        print(f"skip run: {r.stderr.strip()}")
        return
    check(r.returncode == 0, f"run: exit {r.returncode}: {r.stderr[-400:]}")
    if r.returncode != 0:
        return
    doc = json.loads(r.stdout)
    want = parse_fixture_output(r.stderr)
    g = doc.get("go_at_exit")
    check(doc["schema_version"] == 4, f"run: schema_version {doc['schema_version']}")
    check(g is not None and g["error"] is None, f"run: go_at_exit {g}")
    if not g or g["error"] is not None or "goroutines" not in want:
        return
    # At exit_group every goroutine the fixture started is still blocked.
    check(g["goroutines"]["count"] == want["goroutines"],
          f"run: goroutines at exit {g['goroutines']['count']} != NumGoroutine {want['goroutines']}")
    check(g["goroutines"]["user"] == want["goroutines"], f"run: the program's {g['goroutines']['user']}")
    check(g["gc"]["cycles"] == want["numgc"], f"run: GC cycles {g['gc']['cycles']} != {want['numgc']}")
    # In the sandbox's pid namespace the Ms' thread ids are the namespace's:
    # matched to the host's task list through NSpid.
    check(g["ms"] and all(m["in_task"] for m in g["ms"]), f"run: Ms {g['ms']}")
    check(len(g["ms"]) == g["threads"]["status"], f"run: {len(g['ms'])} Ms, {g['threads']['status']} threads")
    check(doc["threads"]["started"] + 1 >= len(g["ms"]),
          f"run: the tracer saw {doc['threads']['started']} threads started, the runtime has {len(g['ms'])} Ms")
    ms, got = want["memstats"], g["gc"]["memstats"]
    check(got is not None and got["sys"] == ms["sys"], f"run: Sys {got and got['sys']} != {ms['sys']}")
    if got:
        check(abs(got["heap_alloc"] - ms["heap_alloc"]) <= DRIFT, f"run: heap_alloc {got['heap_alloc']} vs {ms}")
    r = subprocess.run([exe, "run", pie], capture_output=True, text=True, timeout=300)
    check(r.returncode == 0 and f"goroutines {want['goroutines']} (NumGoroutine)" in r.stdout,
          f"run text: {r.stdout[-600:]}")
    # Stripped: the table's layout and the globals located from code give
    # the same count at exit.
    r = subprocess.run([exe, "run", stripped, "--json"], capture_output=True, text=True, timeout=300)
    check(r.returncode == 0, f"run stripped: exit {r.returncode}")
    if r.returncode == 0:
        g = json.loads(r.stdout).get("go_at_exit")
        sw = parse_fixture_output(r.stderr)
        check(g is not None and g["error"] is None and "goroutines" in sw
              and g["goroutines"]["count"] == sw["goroutines"], f"run stripped: go_at_exit {g}")
    # Not Go: no go_at_exit at all.
    r = subprocess.run([exe, "run", "/bin/true", "--json"], capture_output=True, text=True, timeout=300)
    check(r.returncode == 0 and json.loads(r.stdout).get("go_at_exit", 0) is None, f"run /bin/true: {r.stdout[:200]}")


def check_release(exe, src, scratch, minor):
    """The same fixture built by a Go release from Debian (backport_go) when
    installed: the layout from its DWARF, and stripped from exray's table for
    that release with the unstripped build as FILE."""
    bindir = backport_go(minor)
    if not bindir:
        return
    v = f"go1.{minor}"
    env = dict(go_env(scratch), PATH=bindir + os.pathsep + os.environ.get("PATH", ""))
    plain, stripped = os.path.join(scratch, f"live-1{minor}"), os.path.join(scratch, f"live-1{minor}-s")
    build_stripped(src, plain, stripped, env)
    for binary, args, label in ((plain, [], v), (stripped, [plain], f"{v} stripped + FILE"),
                                (stripped, [], f"{v} stripped, globals from code")):
        p, want = start(binary)
        try:
            pid = want["pid"]
            r = exray(exe, *args, "--pid", str(pid), "--json")
            check(r.returncode == 0, f"{label}: exit {r.returncode}: {r.stderr.strip()}")
            if r.returncode == 0:
                doc = json.loads(r.stdout)
                check(doc["go"].startswith(v + "."), f"{label}: go {doc['go']}")
                check_live(doc, want, pid, label)
                print(f"{label}: goroutines {doc['goroutines']['count']}, Ms {len(doc['ms'])}, layout "
                      f"{doc['layout']['source']}")
        finally:
            stop(p)
    r = exray(exe, stripped, "--runtime", "--json")
    doc = json.loads(r.stdout)["runtime"] if r.returncode == 0 else {}
    check(doc.get("source") == "table" and doc.get("table_range") == f"{v} linux/amd64",
          f"{v} stripped: layout {doc.get('source')} {doc.get('table_range')}")


def main():
    args = parse_args()
    if args is None:
        return SKIP
    env = go_env(args.scratch)
    src = os.path.join(HERE, "testdata", "live")
    if args.releases_only:
        for minor in args.releases:
            check_release(args.exray, src, args.scratch, minor)
        print(check.summary())
        return check.status()
    pie, stripped = os.path.join(args.scratch, "live-pie"), os.path.join(args.scratch, "live-s")
    build(src, pie, env, "-buildmode=pie")
    plain = os.path.join(args.scratch, "live-plain")
    build_stripped(src, plain, stripped, env)
    # Another build of the same source (main compiled without optimisation):
    # the same segment layout, another build ID and other code.
    other = os.path.join(args.scratch, "live-other")
    build(src, other, env, "-gcflags=-N -l")

    p, want = start(pie)
    try:
        pid = want["pid"]
        try:
            with open(f"/proc/{pid}/mem", "rb"):
                pass
        except OSError as e:
            print(f"skip: /proc/{pid}/mem cannot be opened ({e})")
            return SKIP
        print("fixture:", want)
        r = exray(args.exray, "--pid", str(pid), "--json")
        check(r.returncode == 0, f"--pid: exit {r.returncode}: {r.stderr.strip()}")
        if r.returncode == 0:
            doc = json.loads(r.stdout)
            check(doc["load_bias"] != 0, "PIE: a load bias")
            check(doc["go"].startswith("go1."), f"go {doc['go']}")
            check(os.path.realpath(doc["path"]) == os.path.realpath(pie), f"path {doc['path']}")
            check_live(doc, want, pid, "pie")
            print(f"pie: goroutines {doc['goroutines']['count']}, Ms {len(doc['ms'])}, "
                  f"threads {doc['threads']['status']} (task {len(tasks(pid))}), reads {doc['reads']}")
        r = exray(args.exray, pie, "--pid", str(pid), "--json")
        check(r.returncode == 0, f"FILE --pid: exit {r.returncode}: {r.stderr.strip()}")
        if r.returncode == 0:
            check_live(json.loads(r.stdout), want, pid, "FILE --pid")
        r = exray(args.exray, "--pid", str(pid))
        check(r.returncode == 0 and f"goroutines {want['goroutines']}  (gcount:" in r.stdout,
              f"text: exit {r.returncode}: {r.stdout[:400]} {r.stderr}")
    finally:
        stop(p)

    # Stripped: no symbols, so nothing located; with the symbols from a build
    # of the same source (not PIE either), the same state is read.
    p, want = start(stripped)
    try:
        pid = want["pid"]
        # Alone: the release's table and the globals located from its code.
        r = exray(args.exray, "--pid", str(pid), "--json")
        check(r.returncode == 0, f"stripped: exit {r.returncode}: {r.stderr.strip()}")
        if r.returncode == 0:
            doc = json.loads(r.stdout)
            check(doc["layout"]["source"] == "table", f"stripped: layout {doc['layout']}")
            check_live(doc, want, pid, "stripped, globals from code")
        r = exray(args.exray, plain, "--pid", str(pid), "--json")
        # Stripping removes only what is not loaded: the same addresses.
        check(r.returncode == 0, f"stripped + FILE: exit {r.returncode}: {r.stderr.strip()}")
        if r.returncode == 0:
            doc = json.loads(r.stdout)
            check(doc["load_bias"] == 0, f"not PIE: load bias {doc['load_bias']}")
            check_live(doc, want, pid, "stripped + FILE")
        # FILE of another build: refused before any of its addresses is used.
        r = exray(args.exray, other, "--pid", str(pid), "--json")
        check(r.returncode == 1 and "differs from the file's: the file is not the one running" in r.stderr,
              f"other build as FILE: exit {r.returncode}: {r.stderr.strip()}")
    finally:
        stop(p)

    check_run(args.exray, pie, stripped)
    for minor in args.releases:
        check_release(args.exray, src, args.scratch, minor)

    s = subprocess.Popen(["sleep", "30"])
    try:
        r = exray(args.exray, "--pid", str(s.pid))
        check(r.returncode == 1 and "not a Go process" in r.stderr, f"sleep: exit {r.returncode}: {r.stderr}")
    finally:
        s.kill()
        s.wait()
    r = exray(args.exray, "--pid", str(s.pid))  # reaped: gone
    check(r.returncode == 1 and "no such process" in r.stderr, f"gone: exit {r.returncode}: {r.stderr}")
    print(check.summary())
    return check.status()


if __name__ == "__main__":
    sys.exit(main())
