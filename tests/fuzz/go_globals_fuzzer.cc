// libFuzzer target for the locator of the Go runtime's globals in a stripped
// binary (analysis/go_globals.h): the input is the machine code of the five
// runtime functions it reads, decoded with the layout of one release.
// Input: byte 0 = the release (one of the table's, by byte % 8); then five
// functions, each a u16 little-endian length and that many bytes of code,
// mapped one after another from kText (a short input ends the list). A call
// to kLock2 is runtime.lock2; the writable range is [kDataLo, kDataHi).
// Seeds in corpus/go_globals/ are the five functions cut from real Go 1.19
// to 1.27 binaries (make_globals_seeds.py).
// Checks the header's promises: every global found lies with its size in the
// writable range and says how; at most one note per global and rule.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "../go/memory_address_space.h"
#include "analysis/go_globals.h"
#include "lang/go/runtime_layout.h"

#include "fuzz_check.h"

namespace {

constexpr uint64_t kText = 0x401000;
constexpr uint64_t kLock2 = 0x400000;
constexpr uint64_t kDataLo = 0x500000, kDataHi = 0x600000;
constexpr int kMinors[] = {19, 21, 22, 23, 24, 25, 26, 27};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace exray;
  if (size < 1) return 0;
  std::optional<go::RuntimeLayout> layout = go::LayoutFromTable(kMinors[data[0] % 8], 8, "linux", "amd64");
  FUZZ_CHECK(layout.has_value(), "every table release has a layout");
  for (const std::string& name : go::RuntimeGlobalNames()) layout->globals.push_back({name, std::nullopt, std::nullopt, {}});
  GlobalsCode gc;
  std::vector<uint8_t> text;
  size_t at = 1;
  for (std::string_view name : GlobalsFunctionNames()) {
    if (size - at < 2) break;
    const size_t n = std::min<size_t>(data[at] | data[at + 1] << 8, size - at - 2);
    at += 2;
    const uint64_t entry = kText + text.size();
    text.insert(text.end(), data + at, data + at + n);
    at += n;
    gc.functions.push_back({name, entry, entry + n});
  }
  testing::MemoryAddressSpace as(Endian::kLittle, 8);
  as.Map(kText, std::move(text), ".text", false, true);
  gc.name_at = [](uint64_t pc) { return pc == kLock2 ? std::string_view("runtime.lock2") : std::string_view(); };
  gc.writable.emplace_back(kDataLo, kDataHi);
  LocateRuntimeGlobals(as, gc, &*layout);
  for (const go::RuntimeGlobal& g : layout->globals) {
    if (!g.address) continue;
    FUZZ_CHECK(*g.address >= kDataLo && *g.address <= kDataHi && g.size.value_or(0) <= kDataHi - *g.address,
               "a global found lies in the writable range");
    FUZZ_CHECK(!g.how.empty(), "a global found says how");
  }
  FUZZ_CHECK(layout->notes.size() <= 2 * layout->globals.size(), "notes are bounded by the globals");
  return 0;
}
