#!/usr/bin/env bash
# Benchmark for issue 5, run on demand (never from tests):
#  1. the cost of `exray run` (sandboxed and not) on a workload of one million
#     untraced system calls (getpid), against the same program run natively,
#     under `strace -f` (which stops at every call) and under
#     `strace -f --seccomp-bpf -e trace=mmap` (the same filtering idea as exray).
#     Target: exray run at most 1.3x native.
#  2. what the sandbox adds to a program's start: hyperfine on `exray run
#     /bin/true` with and without --no-sandbox, and the set-up time the
#     sandbox measures itself (clone to execve). Target: at most 20 ms.
# Usage: bash bench/run_trace.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
exray=$PWD/$build/exray
out=bench/out
mkdir -p "$out"
[ -x "$exray" ] || { echo "build exray first: bash scripts/dev.sh run" >&2; exit 2; }
cat > "$out/getpid_loop.c" <<'C'
#include <sys/syscall.h>
#include <unistd.h>
int main(void) { for (int i = 0; i < 1000000; ++i) syscall(SYS_getpid); return 0; }
C
gcc -O1 -o "$out/getpid_loop" "$out/getpid_loop.c"
w=$out/getpid_loop
t() {  # t LABEL CMD...: best of 3 wall-clock seconds; the line to stderr, the number to stdout
  local best=""
  for _ in 1 2 3; do
    local s e
    s=$(date +%s.%N); "${@:2}" >/dev/null 2>&1; e=$(date +%s.%N)
    best=$(python3 -c "import sys; a=float(sys.argv[1]); b=sys.argv[2]; print(a if not b else min(a, float(b)))" \
           "$(python3 -c "print($e-$s)")" "$best")
  done
  printf '%-44s %8.3f s\n' "$1" "$best" >&2
  echo "$best"
}
native=$(t "native" "$w")
traced=$(t "exray run --no-sandbox" "$exray" run "$w" --no-sandbox --timeout 120)
sandboxed=$(t "exray run (sandboxed)" "$exray" run "$w" --timeout 120)
t "strace -f --seccomp-bpf -e trace=mmap" strace -f -qq --seccomp-bpf -e trace=mmap -o /dev/null "$w" >/dev/null
s=$(date +%s.%N); strace -f -qq -o /dev/null "$w"; e=$(date +%s.%N)
printf '%-44s %8.3f s (one run)\n' "strace -f (every call)" "$(python3 -c "print($e-$s)")" >&2
python3 -c "print(f'exray run / native: {$traced/$native:.2f}x unsandboxed, {$sandboxed/$native:.2f}x sandboxed (target <= 1.3x)')" >&2

echo "--- start cost of the sandbox (/bin/true)" >&2
if command -v hyperfine >/dev/null; then
  hyperfine -N -w 5 -r 50 --export-json "$out/sandbox_start.json" \
    "/bin/true" "$exray run /bin/true --no-sandbox" "$exray run /bin/true" >&2
  python3 - "$out/sandbox_start.json" <<'PY' >&2
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
(_, plain), (_, sb) = [(k, v) for k, v in r.items() if k.endswith("--no-sandbox")][0], \
    [(k, v) for k, v in r.items() if k.endswith("run /bin/true")][0]
print(f"sandbox adds {1000 * (sb['mean'] - plain['mean']):.1f} ms to the start (mean; target <= 20 ms)")
PY
fi
# The sandbox's own measure: clone of its init to the program's execve.
for _ in 1 2 3 4 5; do "$exray" run /bin/true --json 2>/dev/null; done |
  python3 -c "import json,sys; d=[json.loads(x) for x in sys.stdin.read().replace('}\n{', '}\x00{').split('\x00')]; \
v=sorted(x['sandbox']['setup_us'] for x in d); print(f'sandbox set-up (clone to execve), 5 runs: median {v[2]/1000:.1f} ms, max {v[-1]/1000:.1f} ms')" >&2
