#!/usr/bin/env bash
# Speed of `exray run` on the workloads of issue 11, finding 12 (run on
# demand, never from ctest; nothing here is asserted):
#   mmap_churn     100,000 mmap/munmap pairs (anonymous RW: exray should not stop at them)
#   mmap_exec      100,000 mmap/munmap pairs of libc with PROT_EXEC (every one is traced)
#   threads        10,000 threads created and joined one after another
#   maps_mprotect  60,000 mappings kept, then 2,000 mprotect(PROT_EXEC) on one anonymous page
# each timed natively, under `exray run --no-sandbox`, `exray run` and
# `strace -f --seccomp-bpf` (tracing mmap, mprotect, munmap and the clone family:
# strace's seccomp filter needs a list), with hyperfine when installed
# (mean of 3 runs), else /usr/bin/time (one run). Prints a table.
# Usage: bash bench/run_attack.sh [BUILD_DIR]   (default build; relative to the repository or absolute)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
case $build in /*) exray=$build/exray ;; *) exray=$PWD/$build/exray ;; esac
out=$PWD/bench/out/attack
src=$PWD/tests/run/fixtures/attack
mkdir -p "$out"
[ -x "$exray" ] || { echo "build exray first: bash scripts/dev.sh run" >&2; exit 2; }
gcc -O1 -o "$out/mmap_churn" "$src/mmap_churn.c"
gcc -O1 -pthread -o "$out/threads_churn" "$src/threads_churn.c"
gcc -O1 -o "$out/maps_mprotect" "$src/maps_mprotect.c"

workloads=(
  "mmap_churn|$out/mmap_churn 100000"
  "mmap_exec|$out/mmap_churn 100000 exec"
  "threads|$out/threads_churn serial 10000"
  "maps_mprotect|$out/maps_mprotect 60000 2000"
)
# exray's own timeout is generous: a slow run is what is measured here.
runners=(
  "native|"
  "exray --no-sandbox|$exray run --no-sandbox --timeout 600 --json"
  "exray (sandboxed)|$exray run --timeout 600 --json"
  "strace -f --seccomp-bpf|strace -f -qq --seccomp-bpf -e trace=mmap,munmap,mprotect,clone,clone3,fork,vfork,execve -o /dev/null"
)

seconds() {  # seconds CMD...: wall-clock seconds of one command (its output dropped)
  if command -v hyperfine >/dev/null; then
    local j=$out/hf.json
    hyperfine -N -w 1 -r 3 --export-json "$j" "$*" >/dev/null 2>&1 || { echo "failed"; return; }
    python3 -c "import json,sys; print(f\"{json.load(open(sys.argv[1]))['results'][0]['mean']:.3f}\")" "$j"
  else
    local f=$out/time.txt
    /usr/bin/time -f %e -o "$f" "$@" >/dev/null 2>&1 || { echo "failed"; return; }
    tail -1 "$f"
  fi
}

{
  printf '%-16s' "workload"
  for r in "${runners[@]}"; do printf ' %24s' "${r%%|*}"; done
  echo
  for w in "${workloads[@]}"; do
    name=${w%%|*} cmd=${w#*|}
    printf '%-16s' "$name"
    native=""
    for r in "${runners[@]}"; do
      label=${r%%|*} pre=${r#*|}
      if [ "$label" = native ]; then
        # shellcheck disable=SC2086
        s=$(seconds $cmd)
        native=$s
        printf ' %22s s' "$s"
      else
        prog=${cmd%% *} args=${cmd#* }
        if [ "${pre#"$exray"}" != "$pre" ]; then
          # shellcheck disable=SC2086
          s=$(seconds $pre "$prog" -- $args)
        else
          # shellcheck disable=SC2086
          s=$(seconds $pre $cmd)
        fi
        ratio=$(python3 -c "import sys; a,b=sys.argv[1:]; print(f'{float(a)/float(b):.1f}x' if a!='failed' and b not in ('failed','0.000') and float(b)>0 else '')" "$s" "$native")
        printf ' %14s s %6s' "$s" "$ratio"
      fi
    done
    echo
  done
} | tee "$out/table.txt"
echo "(${HYPERFINE:-$(command -v hyperfine >/dev/null && echo 'hyperfine, mean of 3' || echo '/usr/bin/time, one run')}; table in $out/table.txt)"
