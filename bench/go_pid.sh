#!/usr/bin/env bash
# Benchmark for issue 15, run on demand (never from tests): `exray go --pid`
# on a Go program with 100,000 goroutines (target: under 1 s), text and JSON,
# with the number of reads of /proc/PID/mem it made, and reading the kernel's
# own view of the same process (/proc/PID/smaps and status) timed alongside
# as the floor. The program is tests/go/testdata/live, built with the local
# Go (Debian's 1.19), given the extra goroutines as its argument.
# Usage: bash bench/go_pid.sh [BUILD_DIR] [GOROUTINES]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
n=${2:-100000}
exray=$PWD/$build/exray
out=bench/out/gopid
mkdir -p "$out"
command -v hyperfine >/dev/null || apt-get install -y -qq hyperfine >/dev/null
command -v go >/dev/null || { echo "needs go (apt-get install golang-go)" >&2; exit 2; }
[ -x "$exray" ] || { echo "build exray first: bash scripts/dev.sh run" >&2; exit 2; }
(cd tests/go/testdata/live && GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local CGO_ENABLED=0 \
  GOCACHE="$PWD/../../../../$out/gocache" go build -o "../../../../$out/live" .)
# The fixture waits until its stdin closes: a fifo held open by this shell.
rm -f "$out/stdin"
mkfifo "$out/stdin"
"$out/live" "$n" < "$out/stdin" > "$out/live.txt" &
live=$!
exec 3> "$out/stdin"
trap 'exec 3>&-; wait $live 2>/dev/null || true; rm -f "$out/stdin"' EXIT
for _ in $(seq 600); do [ -s "$out/live.txt" ] && break; sleep 0.1; done
pid=$live
echo "# exray go --pid, $(date -u +%Y-%m-%d), $(nproc) cores, exray $($exray --version)"
echo
echo "fixture: $(head -1 "$out/live.txt")"
"$exray" go --pid "$pid" | grep -E '^goroutines|^  allgs read|^read with'
echo
echo '```'
hyperfine -N --warmup 2 --runs 20 \
  -n "exray go --pid (text)" "$exray go --pid $pid" \
  -n "exray go --pid --json" "$exray go --pid $pid --json" \
  -n "cat /proc/PID/smaps /proc/PID/status" "cat /proc/$pid/smaps /proc/$pid/status" 2>&1 | sed 's/\x1b\[[0-9;]*m//g'
echo '```'
echo "peak RSS of exray go --pid: $( { /usr/bin/time -f %M "$exray" go --pid "$pid" --json >/dev/null; } 2>&1 | tail -1) KB"
