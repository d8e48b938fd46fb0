// libFuzzer target for the Go build-info reader: the input is the contents of
// a ".go.buildinfo" section (and, in a second pass, of an unnamed writable
// segment that is scanned for the magic), at address 0x1000 of an in-memory
// AddressSpace, so pointer-mode string headers may point back into it.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "../go/memory_address_space.h"
#include "lang/go/buildinfo.h"

#include "fuzz_check.h"

namespace {

void Check(const exray::AddressSpace& as, size_t size) {
  using namespace exray::go;
  exray::Diagnostics diag;
  auto bi = ReadBuildInfo(as, &diag);
  if (!bi) return;
  if (!bi->ok()) {
    FUZZ_CHECK(!bi->error().message.empty(), "errors say what went wrong");
    return;
  }
  const BuildInfo& b = **bi;
  FUZZ_CHECK(!b.version.empty(), "a decoded blob has a version");
  // Every string comes from the input, so nothing is longer than it.
  FUZZ_CHECK(b.version.size() <= size && b.version.size() <= kMaxStringLen, "version bounded by the input");
  FUZZ_CHECK(b.mod.path.size() <= size, "path bounded by the input");
  FUZZ_CHECK(b.mod.deps.size() <= size / 4, "one dep per line");
  FUZZ_CHECK(b.mod.settings.size() <= size / 7, "one setting per build line");
  for (const auto& [k, v] : b.mod.settings) FUZZ_CHECK(k.size() + v.size() <= size, "setting bounded by the input");
  FUZZ_CHECK(b.compiler == "gc", "compiler is gc");
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using exray::Endian;
  using exray::testing::MemoryAddressSpace;
  {
    MemoryAddressSpace as(Endian::kLittle, 8);
    as.Map(0x400000, std::vector<uint8_t>(16, 0xcc), ".text", /*write=*/false, /*exec=*/true);
    as.Map(0x1000, std::vector<uint8_t>(data, data + size), ".go.buildinfo", /*write=*/true);
    Check(as, size);
  }
  {
    MemoryAddressSpace as(Endian::kBig, 4);
    as.Map(0x1000, std::vector<uint8_t>(data, data + size), "", /*write=*/true);
    Check(as, size);
  }
  return 0;
}
