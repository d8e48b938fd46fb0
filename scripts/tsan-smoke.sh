#!/usr/bin/env bash
# The parts of exray that use threads, under ThreadSanitizer: `exray code`'s
# parallel sweep (on a file read whole, one read lazily and one mapped) and
# the main report over several files at once. Any report fails the run.
# Usage: bash scripts/tsan-smoke.sh BUILD_DIR   (a build with -DEXRAY_ENABLE_TSAN=ON)
set -euo pipefail
exray=$1/exray
export TSAN_OPTIONS="halt_on_error=1 exitcode=66"
# Files of 64 KiB to 4 MiB are read in pieces on demand (glibc's libc.so.6
# with 8 threads showed the race that reading every segment first removed).
lib=/usr/lib/x86_64-linux-gnu
files=("$exray" "$lib/libc.so.6" "$lib/libstdc++.so.6" /usr/bin/bash /usr/bin/ls)
for f in "${files[@]}"; do
  "$exray" code "$f" --json -j 2 >/dev/null
  "$exray" code "$f" --json -j 8 >/dev/null
  echo "tsan: exray code $f: no race"
done
"$exray" --json -j 2 --code /usr/bin/ls /usr/bin/cp "$lib/libc.so.6" >/dev/null
echo "tsan: exray -j 2 --code over three files: no race"
