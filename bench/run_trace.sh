#!/usr/bin/env bash
# Benchmark for issue 5, run on demand (never from tests): the cost of `exray run`
# on a workload of one million untraced system calls (getpid), against the same
# program run natively and under `strace -f` (which stops at every call) and
# `strace -f --seccomp-bpf -e trace=mmap` (the same filtering idea as exray).
# Target: exray run at most 1.3x native. Usage: bash bench/run_trace.sh [BUILD_DIR]
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
t "strace -f --seccomp-bpf -e trace=mmap" strace -f -qq --seccomp-bpf -e trace=mmap -o /dev/null "$w" >/dev/null
s=$(date +%s.%N); strace -f -qq -o /dev/null "$w"; e=$(date +%s.%N)
printf '%-44s %8.3f s (one run)\n' "strace -f (every call)" "$(python3 -c "print($e-$s)")" >&2
python3 -c "print(f'exray run / native: {$traced/$native:.2f}x (target <= 1.3x)')" >&2
