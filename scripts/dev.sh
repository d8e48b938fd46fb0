#!/usr/bin/env bash
# The one entry point for a new machine: install dependencies, build, run, test.
#   bash scripts/dev.sh run [FILE...]   install, build, and run exray (default: on /usr/bin/ls)
#   bash scripts/dev.sh test            install, build, and run every test
#   bash scripts/dev.sh test-sanitize   the same suite built with ASan and UBSan (clang)
#   bash scripts/dev.sh fuzz-ci [SECS]  every fuzz target for SECS seconds (CI: 30)
#   bash scripts/dev.sh fuzz [SECONDS]  build the libFuzzer targets and fuzz each one
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${JOBS:-2}
go_newer=/opt/exray-go  # Go 1.24 to 1.27, unpacked by install_go_newer

install_deps() {
  # Debian 12 packages: build tools, libraries, and the toolchains the fixture tests compile with.
  local pkgs=(cmake ninja-build g++ clang llvm-14 llvm-14-tools libclang-rt-14-dev pkg-config libseccomp-dev
              # exray code: Zydis 4 decodes x86, Capstone arm64.
              libzydis-dev libcapstone-dev
              # identification's .rodata strings: Vectorscan (Hyperscan's portable fork), one pass for all.
              libvectorscan-dev
              libcli11-dev nlohmann-json3-dev libfmt-dev zlib1g-dev libzstd-dev nettle-dev
              libgtest-dev libgmock-dev python3 python3-jsonschema binutils file zstd
              golang-go musl-tools gccgo
              # Compiler fixture matrix (tests/identify/fixtures), download sizes with dependencies:
              # gfortran ~11 MB, gnat ~20 MB, fp-compiler ~9 MB, ldc ~11 MB, gdc ~22 MB, nim ~4 MB,
              # ocaml-nox ~73 MB (ocamlopt), libc++ ~1.5 MB, rustc ~55 MB (Debian's 1.63: the pre-1.73
              # case without a .comment producer; rustup's newer rustc stays first on PATH).
              gfortran gnat fp-compiler ldc gdc nim ocaml-nox libc++-dev libc++abi-dev rustc
              # Bytecode differential test (tests/bytecode): luac5.4, ~0.5 MB.
              lua5.4
              # exray code fixtures (tests/code): a host linking Lua's static library.
              liblua5.4-dev
              # exray run (tests/run): strace for the differential test; the runtimes of the
              # documented examples (luajit ~0.5 MB, nodejs ~12 MB, the JRE ~45 MB).
              strace luajit nodejs openjdk-17-jre-headless
              # Core files of real processes (tests/fixtures, core rows): gdb's gcore, ~4 MB.
              gdb)
  local missing=()
  for p in "${pkgs[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p"); done
  if ((${#missing[@]})); then
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    # Another apt run (a second checkout, unattended upgrades) holds the lock: wait for it.
    $sudo apt-get -o DPkg::Lock::Timeout=600 update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

install_go_backports() {
  # Go 1.21, 1.22 and 1.23 from Debian 12's bookworm-backports (~70 MB each):
  # the other Go releases the runtime tests build with (tests/go/runtime_check.py
  # and live_check.py; they skip a release that is missing). A failure here skips them too.
  local want=() m
  for m in 21 22 23; do [ -x /usr/lib/go-1.$m/bin/go ] || want+=(golang-1.$m-go); done
  [ ${#want[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  if ! grep -rqs '^[^#]*bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    echo "deb http://deb.debian.org/debian bookworm-backports main" |
      $sudo tee /etc/apt/sources.list.d/exray-bookworm-backports.list >/dev/null
  fi
  { $sudo apt-get -o DPkg::Lock::Timeout=600 update -qq &&
    DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
      --no-install-recommends -t bookworm-backports "${want[@]}"; } ||
    echo "warning: ${want[*]} from bookworm-backports could not be installed; their tests are skipped" >&2
}

install_go_newer() {
  # Go 1.24 to 1.27 from Debian 13 (trixie, trixie-backports) and unstable,
  # which Debian 12 cannot install: their packages are downloaded through a
  # private apt configuration and unpacked under $go_newer (~250 MB), not
  # installed, so nothing of Debian 12 changes. The runtime tests build with
  # them (tests/go/checklib.py looks there); a failure here skips those parts.
  local m want=()
  for m in 24 25 26 27; do [ -x "$go_newer/usr/lib/go-1.$m/bin/go" ] || want+=(golang-1.$m-go golang-1.$m-src); done
  [ ${#want[@]} -eq 0 ] && return 0
  local apt=/var/cache/exray-apt
  mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/debs" "$go_newer" || return 0
  cat >"$apt/sources.list" <<'SRC'
deb http://deb.debian.org/debian trixie main
deb http://deb.debian.org/debian trixie-backports main
deb http://deb.debian.org/debian sid main
SRC
  local opts=(-o "Dir::Etc::SourceList=$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" -o Acquire::Languages=none
    -o APT::Sandbox::User=root)
  if apt-get "${opts[@]}" update -qq && (cd "$apt/debs" && apt-get "${opts[@]}" download -qq "${want[@]}"); then
    for m in "$apt"/debs/golang-1.2*.deb; do dpkg-deb -x "$m" "$go_newer"; done
  else
    echo "warning: ${want[*]} could not be downloaded from Debian 13/unstable; their tests are skipped" >&2
  fi
  rm -rf "$apt/debs"
}

build() {  # build DIR [cmake args...]; EXRAY_WERROR=ON (as CI sets it) makes warnings errors
  local dir=$1; shift
  cmake -S . -B "$dir" -G Ninja -DEXRAY_WERROR="${EXRAY_WERROR:-OFF}" "$@" >/dev/null
  ninja -C "$dir" -j "$jobs"
}

case "${1:-run}" in
  run)
    shift || true
    install_deps
    build build
    ./build/exray "${@:-/usr/bin/ls}"
    ;;
  test)
    install_deps
    install_go_backports
    install_go_newer
    build build
    ctest --test-dir build --output-on-failure -j "$jobs"
    ;;
  test-sanitize)
    install_deps
    build build-san -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=clang++ \
      -DEXRAY_ENABLE_ASAN=ON -DEXRAY_ENABLE_UBSAN=ON
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
      ctest --test-dir build-san --output-on-failure -j "$jobs" -LE slow
    # Threads: exray alone, under ThreadSanitizer (ASan and TSan exclude each other).
    cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
      -DEXRAY_WERROR="${EXRAY_WERROR:-OFF}" \
      -DEXRAY_ENABLE_TSAN=ON -DEXRAY_BUILD_TESTS=OFF >/dev/null
    ninja -C build-tsan -j "$jobs" exray
    bash scripts/tsan-smoke.sh build-tsan
    ;;
  fuzz)
    install_deps
    build build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DEXRAY_BUILD_FUZZERS=ON -DEXRAY_ENABLE_ASAN=ON -DEXRAY_ENABLE_UBSAN=ON
    secs=${2:-60}
    for f in build-fuzz/tests/fuzz/*_fuzzer; do
      corpus="tests/fuzz/corpus/$(basename "$f" _fuzzer)"
      mkdir -p "$corpus"
      "$f" -max_total_time="$secs" -rss_limit_mb=2048 "$corpus"
    done
    ;;
  fuzz-ci)
    # CI's short fuzzing pass: every target for a fixed time, two at once.
    install_deps
    build build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DEXRAY_BUILD_FUZZERS=ON -DEXRAY_ENABLE_ASAN=ON -DEXRAY_ENABLE_UBSAN=ON
    bash scripts/fuzz-ci.sh build-fuzz "${2:-30}" "$jobs"
    ;;
  *) echo "usage: $0 run [FILE...] | test | test-sanitize | fuzz [SECONDS] | fuzz-ci [SECONDS]" >&2; exit 2 ;;
esac
