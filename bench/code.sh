#!/usr/bin/env bash
# Benchmark for issue 12, run on demand (never from tests): `exray code --json`
# against `objdump -d --no-show-raw-insn` on the same files, timed in the same
# hyperfine run, with exray's peak RSS. Files: buf (Go, 46 MB) and biome
# (Rust, 100 MB) from npm, pinned as in bench/run.sh, and python3.11.
# Usage: bash bench/code.sh [BUILD_DIR]   (results also go to bench/out/code.md)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
exray=$PWD/$build/exray
out=bench/out
mkdir -p "$out/npm"
command -v hyperfine >/dev/null || { apt-get install -y -qq hyperfine >/dev/null; }
[ -x "$exray" ] || { echo "build exray first: bash scripts/dev.sh run" >&2; exit 2; }
BIOME=@biomejs/cli-linux-x64@2.6.8
BUF=@bufbuild/buf-linux-x64@1.75.0
if [ ! -d "$out/npm/node_modules/@biomejs/cli-linux-x64" ] || [ ! -d "$out/npm/node_modules/@bufbuild/buf-linux-x64" ]; then
  (cd "$out/npm" && npm install --no-save --force --ignore-scripts --no-audit --no-fund "$BIOME" "$BUF" >/dev/null)
fi
files=("$out/npm/node_modules/@bufbuild/buf-linux-x64/bin/buf" "$out/npm/node_modules/@biomejs/cli-linux-x64/biome")
[ -x /usr/bin/python3.11 ] && files+=(/usr/bin/python3.11)
{
  echo "# exray code against objdump -d ($(date -u +%Y-%m-%d), $(nproc) CPUs)"
  for f in "${files[@]}"; do
    echo
    echo "## $(basename "$f"), $(stat -c %s "$f") bytes"
    # hyperfine rewrites its export after each command: print the final table once.
    hyperfine -w 1 -r 5 -N --style none --export-markdown "$out/code.tmp.md" --output=null \
      "$exray code $f --json" "objdump -d --no-show-raw-insn $f" >/dev/null 2>&1
    cat "$out/code.tmp.md"
    rss=$(/usr/bin/time -f %M "$exray" code "$f" --json 2>&1 >/dev/null | tail -1)
    echo
    echo "exray peak RSS: ${rss} KiB"
  done
} | tee "$out/code.md"
