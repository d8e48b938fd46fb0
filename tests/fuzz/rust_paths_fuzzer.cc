// libFuzzer target for the Rust source-path scanner (ScanRustPaths), bytes in
// memory. Input: byte 0 says where the data splits into two regions (as
// .rodata and a second read-only segment would); the rest is the data.
// Checks invariants, not just survival.
// Seeds in corpus/rust_paths/ (see README.md there).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <tuple>

#include "fuzz_check.h"
#include "lang/rust/paths.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace exray;
  if (size < 1) return 0;
  const uint8_t* body = data + 1;
  const size_t n = size - 1;
  const size_t split = n * data[0] / 255;
  constexpr uint64_t kBaseA = 0x1000, kBaseB = 0x100000;
  std::vector<rust::ScanRegion> regions = {{ByteView(body, split), kBaseA, ".rodata"},
                                           {ByteView(body + split, n - split), kBaseB, "PT_LOAD"}};
  rust::PathScan p = rust::ScanRustPaths(regions);
  FUZZ_CHECK(p.scanned == n, "every byte scanned (input is below the cap)");
  FUZZ_CHECK(!p.scan_capped, "no cap on small input");
  FUZZ_CHECK(p.crates.size() <= rust::kMaxPathCrates, "crate cap");
  FUZZ_CHECK(p.commits.size() <= rust::kMaxCommits, "commit cap");
  auto in_input = [&](uint64_t off) {
    return (off >= kBaseA && off < kBaseA + split) || (off >= kBaseB && off < kBaseB + (n - split));
  };
  for (const std::string& c : p.commits) FUZZ_CHECK(c.size() == 40, "commits are 40 hex digits");
  if (!p.commits.empty()) FUZZ_CHECK(in_input(p.commit_offset), "commit offset inside the input");
  if (p.debian_rustc) {
    FUZZ_CHECK(rust::IsSemver(*p.debian_rustc), "Debian rustc version is x.y.z");
    FUZZ_CHECK(in_input(p.debian_offset), "Debian path offset inside the input");
  }
  for (size_t i = 0; i < p.crates.size(); ++i) {
    const rust::PathCrate& c = p.crates[i];
    FUZZ_CHECK(!c.name.empty() && !c.version.empty(), "crates have a name and a version");
    FUZZ_CHECK(c.source == "git" || rust::IsSemver(c.version), "registry versions are semver");
    FUZZ_CHECK(in_input(c.file_offset), "crate offset inside the input");
    if (i > 0) {
      const rust::PathCrate& b = p.crates[i - 1];
      FUZZ_CHECK(std::tie(b.name, b.version, b.source) < std::tie(c.name, c.version, c.source), "sorted and unique");
    }
  }
  return 0;
}
