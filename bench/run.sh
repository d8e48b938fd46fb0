#!/usr/bin/env bash
# Benchmarks for issue 2, run on demand (never from tests):
#  1. the full report of two ~100 MB binaries from npm: time (hyperfine) and peak RSS
#  2. `exray --json` over every ELF file in /usr/bin against `readelf -hlSdnW` on the same files
#  3. Go (issue 3): buf's build info, functions and files, and its types against its functions (issue 15);
#  4. build info alone over Debian's Go binaries
#  5. Identification (issue 4): the report with and without it over the labelled corpus
#     (tests/identify/corpus, fetched into $EXRAY_CORPUS or bench/out/corpus) and over /usr/bin; file(1) alongside
# Usage: bash bench/run.sh [BUILD_DIR]   (default build; results also go to bench/out/results.md)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
exray=$PWD/$build/exray
out=bench/out
mkdir -p "$out"
command -v hyperfine >/dev/null || { apt-get install -y -qq hyperfine >/dev/null; }
command -v file >/dev/null || { apt-get install -y -qq file >/dev/null; }
[ -x "$exray" ] || { echo "build exray first: bash scripts/dev.sh run" >&2; exit 2; }

# Pinned third-party binaries (npm registry; --force installs other platforms' packages too).
BUN=@oven/bun-linux-x64@1.4.5
BIOME=@biomejs/cli-linux-x64@2.6.8
BUF=@bufbuild/buf-linux-x64@1.75.0
if [ ! -d "$out/npm/node_modules/@oven/bun-linux-x64" ] || [ ! -d "$out/npm/node_modules/@biomejs/cli-linux-x64" ] ||
   [ ! -d "$out/npm/node_modules/@bufbuild/buf-linux-x64" ]; then
  mkdir -p "$out/npm"
  (cd "$out/npm" && npm install --no-save --force --ignore-scripts --no-audit --no-fund "$BUN" "$BIOME" "$BUF" >/dev/null)
fi
buf=$out/npm/node_modules/@bufbuild/buf-linux-x64/bin/buf
# Debian's Go binaries: fzf, restic, age, runc, hugo and the go command's tools.
for p in fzf restic age runc hugo; do
  dpkg -s "$p" >/dev/null 2>&1 || apt-get install -y -qq "$p" >/dev/null 2>&1 || echo "could not install $p" >&2
done
gobins=$(ls /usr/bin/fzf /usr/bin/restic /usr/bin/age /usr/sbin/runc /usr/bin/runc /usr/bin/hugo \
           /usr/lib/go-1.19/bin/* /usr/lib/go-1.19/pkg/tool/linux_amd64/* 2>/dev/null | tr '\n' ' ')
bun=$out/npm/node_modules/@oven/bun-linux-x64/bin/bun
biome=$out/npm/node_modules/@biomejs/cli-linux-x64/biome

{
echo "# exray benchmarks, $(date -u +%Y-%m-%d), $(nproc) cores, exray $($exray --version)"
echo
echo "## 1. Full report of a ~100 MB binary (target: <= 30 ms; peak RSS grows with pages read, not file size)"
echo
echo "| file | size | mode | mean ± σ | peak RSS |"
echo "|---|---|---|---|---|"
for f in "$bun" "$biome" /usr/bin/true; do
  for mode in text json; do
    args=("$f"); [ $mode = json ] && args+=(--json)
    hyperfine -N --warmup 3 --runs 30 --export-json "$out/h.json" "$exray ${args[*]}" >/dev/null 2>&1
    mean=$(python3 -c "import json;r=json.load(open('$out/h.json'))['results'][0];print(f\"{r['mean']*1e3:.1f} ms ± {r['stddev']*1e3:.1f}\")")
    rss=$( { /usr/bin/time -f %M "$exray" "${args[@]}" >/dev/null; } 2>&1 | tail -1)
    echo "| $(basename "$f") | $(( $(stat -c %s "$f") / 1048576 )) MiB | $mode | $mean | ${rss} KB |"
  done
done
echo
echo "(/usr/bin/true, 35 KB, is the floor: the RSS of the process itself.)"
echo
echo "## 2. Every ELF file in /usr/bin: exray --json vs readelf -hlSdnW (targets: >= 3x faster, -j1 >= 2x; identification <= 15% CPU)"
echo
find /usr/bin -maxdepth 1 -type f -print0 | xargs -0 -n 200 python3 -c '
import sys
for p in sys.argv[1:]:
    try:
        with open(p, "rb") as fh:
            if fh.read(4) == b"\x7fELF": print(p)
    except OSError: pass' > "$out/elf-files.txt"
n=$(wc -l < "$out/elf-files.txt")
echo "$n ELF files."
echo
echo '```'
files=$(tr '\n' ' ' < "$out/elf-files.txt")
# One process per tool over all files; cat reads every byte once with no parsing (the I/O floor of reading whole files).
hyperfine -N --warmup 3 --runs 30 --export-json "$out/usrbin.json" \
  -n "exray --json" "$exray --json $files" \
  -n "exray --json -j1" "$exray --json -j1 $files" \
  -n "exray --json --no-identify" "$exray --json --no-identify $files" \
  -n "exray --json -j1 --no-identify" "$exray --json -j1 --no-identify $files" \
  -n "readelf -hlSdnW" "readelf -hlSdnW $files" \
  -n "file" "file $files" \
  -n "cat (read every byte)" "cat $files" 2>&1 | sed 's/\x1b\[[0-9;]*m//g'
echo '```'
python3 - "$out/usrbin.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
m = lambda k: r[k]["mean"] * 1e3
cpu = lambda k: (r[k]["user"] + r[k]["system"]) * 1e3
print(f"\nexray --json is {m('readelf -hlSdnW') / m('exray --json'):.2f}x faster than readelf -hlSdnW "
      f"({m('exray --json'):.1f} against {m('readelf -hlSdnW'):.1f} ms); with -j1 {m('readelf -hlSdnW') / m('exray --json -j1'):.2f}x; "
      f"{m('file') / m('exray --json'):.2f}x faster than file.")
print(f"Identification costs {100 * (cpu('exray --json -j1') / cpu('exray --json -j1 --no-identify') - 1):.0f}% of CPU "
      f"(-j1: {cpu('exray --json -j1'):.0f} against {cpu('exray --json -j1 --no-identify'):.0f} ms user+system).")
PY
echo
echo "## 3. Go: buf (Go 1.27, $(( $(stat -c %s "$buf") / 1048576 )) MiB): build info, every function and every file (target: <= 100 ms, <= 64 MB beyond the file's pages)"
echo
echo '```'
hyperfine -N --warmup 2 --runs 20 \
  -n "exray go --functions --files" "$exray go $buf --functions --files" \
  -n "exray go --functions --files --json" "$exray go $buf --functions --files --json" \
  -n "exray go (build info only)" "$exray go $buf" \
  -n "go version -m" "go version -m $buf" 2>&1 | sed 's/\x1b\[[0-9;]*m//g'
echo '```'
rss=$( { /usr/bin/time -f %M "$exray" go "$buf" --functions --files --json >/dev/null; } 2>&1 | tail -1)
echo "Peak RSS of exray go --functions --files --json: ${rss} KB (file pages it touched included)."
echo
echo "Types against functions (issue 15's target: --types at least as fast as --functions):"
echo
echo '```'
hyperfine -N --warmup 3 --runs 40 \
  -n "exray go --types --json" "$exray go $buf --types --json" \
  -n "exray go --functions --json" "$exray go $buf --functions --json" \
  -n "exray go --types" "$exray go $buf --types" \
  -n "exray go --functions" "$exray go $buf --functions" 2>&1 | sed 's/\x1b\[[0-9;]*m//g'
echo '```'
echo
n=$(echo $gobins | wc -w)
echo "## 4. Go build info alone over Debian's $n Go binaries: one process over all files, and one per file, for each tool"
echo
echo '```'
hyperfine -N --warmup 2 --runs 10 \
  -n "exray go FILES" "$exray go $gobins" \
  -n "go version -m FILES" "go version -m $gobins" \
  -n "exray go FILE, one process per file" "sh -c 'for f in $gobins; do $exray go \$f >/dev/null; done'" \
  -n "go version -m FILE, one process per file" "sh -c 'for f in $gobins; do go version -m \$f >/dev/null; done'" \
  2>&1 | sed 's/\x1b\[[0-9;]*m//g'
echo '```'
corpus=${EXRAY_CORPUS:-$PWD/$out/corpus}
python3 tests/identify/corpus/fetch.py --cache "$corpus" >/dev/null 2>&1 || echo "corpus fetch incomplete" >&2
python3 -c "
import sys; sys.path.insert(0, 'tests/identify/corpus'); import check, os
for r in check.read_rows('tests/identify/corpus/expectations.tsv'):
    p = check.file_of('$corpus', r)
    if os.path.isfile(p): print(p)" > "$out/corpus-files.txt"
n=$(wc -l < "$out/corpus-files.txt")
echo "## 5. Identification: the report with and without it (target: at most +10% on the corpus)"
echo
echo "The labelled corpus ($n files present, $(du -cshL $(cat "$out/corpus-files.txt") | tail -1 | cut -f1)), one process each way; file(1) on the same files for comparison:"
echo
echo '```'
files=$(tr '\n' ' ' < "$out/corpus-files.txt")
hyperfine -N --warmup 2 --runs 20 \
  -n "exray --json" "$exray --json $files" \
  -n "exray --json --no-identify" "$exray --json --no-identify $files" \
  -n "file" "file $files" 2>&1 | sed 's/\x1b\[[0-9;]*m//g'
echo '```'
echo
echo "Every ELF file in /usr/bin:"
echo
echo '```'
files=$(tr '\n' ' ' < "$out/elf-files.txt")
hyperfine -N --warmup 2 --runs 20 \
  -n "exray --json" "$exray --json $files" \
  -n "exray --json --no-identify" "$exray --json --no-identify $files" 2>&1 | sed 's/\x1b\[[0-9;]*m//g'
echo '```'
} | tee "$out/results.md"
