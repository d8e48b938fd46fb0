#!/usr/bin/env bash
# Every libFuzzer target for a short, fixed time, on top of its corpus (which
# the `fuzz` ctest label replays in every build). New inputs go to a scratch
# directory, never into the repository's corpus; a crash, leak, timeout or
# sanitizer report fails the run and prints the input in base64, to be kept
# as tests/fuzz/corpus/<target>/regress-<what-it-found>.
# Usage: bash scripts/fuzz-ci.sh BUILD_DIR [SECONDS_EACH] [PARALLEL]
set -euo pipefail
build=$1
secs=${2:-30}
parallel=${3:-2}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
targets=$(ls "$build"/tests/fuzz/*_fuzzer)
[ -n "$targets" ] || { echo "fuzz-ci: no fuzzer in $build/tests/fuzz" >&2; exit 2; }
run_one() {
  local f=$1 secs=$2 scratch=$3 name
  name=$(basename "$f" _fuzzer)
  mkdir -p "$scratch/$name/new" "$scratch/$name/crash"
  # -timeout: one input over 10 s is a finding; -rss_limit_mb: so is 2 GiB.
  if "$f" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$scratch/$name/crash/" "$scratch/$name/new" "tests/fuzz/corpus/$name" \
      >"$scratch/$name/log" 2>&1; then
    echo "fuzz-ci: $name: $(grep -E '^stat::number_of_executed_units' "$scratch/$name/log" | awk '{print $2}') inputs in ${secs}s, no finding"
  else
    echo "fuzz-ci: $name: FINDING"
    grep -E 'ERROR|SUMMARY|invariant failed|runtime error' "$scratch/$name/log" | head -5
    for c in "$scratch/$name"/crash/*; do
      [ -f "$c" ] && echo "  keep as tests/fuzz/corpus/$name/regress-...: base64 $(base64 -w0 "$c" | head -c 4000)"
    done
    return 1
  fi
}
export -f run_one
# shellcheck disable=SC2086
printf '%s\n' $targets | xargs -P "$parallel" -I{} bash -c 'run_one "$@"' _ {} "$secs" "$scratch"
