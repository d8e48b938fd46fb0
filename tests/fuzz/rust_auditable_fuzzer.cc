// libFuzzer target for cargo-auditable's .dep-v0 reader (ParseDepV0), bytes
// in memory. Input: byte 0 selects the mode: odd = the rest is JSON, which is
// zlib-compressed here first (so the fuzzer reaches the JSON checks, which
// random bytes never pass zlib to reach); even = the rest is the raw section.
// Checks invariants of an accepted list, not just survival.
// Seeds in corpus/rust_auditable/ (see README.md there).
#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_check.h"
#include "lang/rust/auditable.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace exray;
  if (size < 1) return 0;
  std::vector<uint8_t> section(data + 1, data + size);
  if (data[0] & 1) {
    uLongf n = compressBound(section.size());
    std::vector<uint8_t> z(n);
    if (compress2(z.data(), &n, section.data(), section.size(), 1) != Z_OK) return 0;
    z.resize(n);
    section = std::move(z);
  }
  auto info = rust::ParseDepV0(ByteView(section.data(), section.size()));
  if (!info) {
    FUZZ_CHECK(!info.error().message.empty(), "errors say what failed");
    return 0;
  }
  FUZZ_CHECK(info->json_bytes <= rust::kMaxDepV0Json, "inflated size within the cap");
  size_t roots = 0;
  for (const rust::AuditablePackage& p : info->packages) {
    FUZZ_CHECK(p.kind == "build" || p.kind == "runtime", "kind is build or runtime");
    for (uint64_t d : p.dependencies) FUZZ_CHECK(d < info->packages.size(), "dependency indices in range");
    roots += p.root;
  }
  FUZZ_CHECK(roots <= 1, "at most one root");
  return 0;
}
