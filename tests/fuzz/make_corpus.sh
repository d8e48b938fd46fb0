#!/usr/bin/env bash
# Regenerates the seed ELF corpus in corpus/elf/ from source (never downloaded).
# Toolchain used for the checked-in files: Debian 12 gcc 12.2.0, musl-gcc 1.2.3,
# clang 14, LLVM 14 yaml2obj/llvm-objcopy. Each file stays under 20 KB.
# The regress-* and crafted-* inputs are not made here: they are fuzzer finds
# and hand-made files, kept as they are.
#   bash tests/fuzz/make_corpus.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$here/corpus/elf
lit=$here/../lit
llvm_bin=/usr/lib/llvm-14/bin
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"

cat > "$tmp/hello.c" <<'C'
#include <stdio.h>
#include <string.h>
int main(int argc, char** argv) { char b[16]; strcpy(b, argv[0]); puts(b); return argc; }
C
# noseparate-code keeps the page-aligned gaps out so the files stay small.
small="-Os -s -Wl,-z,noseparate-code -Wl,--build-id"
gcc $small -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fcf-protection -Wl,-z,relro,-z,now \
    "$tmp/hello.c" -o "$out/gcc-pie-dynamic"
gcc $small -no-pie -Wl,-rpath,/opt/lib "$tmp/hello.c" -o "$out/gcc-nopie-rpath"
gcc $small -shared -fPIC -Wl,-soname,libhello.so.1 -Wl,--enable-new-dtags,-rpath,'$ORIGIN' \
    "$tmp/hello.c" -o "$out/gcc-shared-runpath"
musl-gcc $small -static "$tmp/hello.c" -o "$out/musl-static"
musl-gcc $small -static-pie "$tmp/hello.c" -o "$out/musl-static-pie"
# Object files: relocations, a full .symtab, and compressed debug info.
gcc -Os -g -c "$tmp/hello.c" -o "$tmp/hello.o"
"$llvm_bin/llvm-objcopy" --compress-debug-sections=zlib "$tmp/hello.o" "$out/gcc-object-zdebug"
clang -Os -g -gz=zlib -c "$tmp/hello.c" -o "$out/clang-object-gz"

# yaml2obj inputs from the lit tests: big-endian, extended numbering, and so on.
for t in "$lit"/*.test; do
  name=$(basename "$t" .test)
  grep -q -- '--- !ELF' "$t" || continue
  "$llvm_bin/yaml2obj" "$t" -o "$out/yaml-$name" 2>/dev/null || rm -f "$out/yaml-$name"
done

find "$out" -type f -size +20k -print -exec rm {} \;
du -sh "$out"
