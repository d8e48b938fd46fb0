// libFuzzer target for the unwind-table and import-slot readers: parses the
// input as ELF (bytes in memory, no temp files), runs ReadFdeRanges and
// ReadImportSlots, and checks invariants, not just survival.
// Seeds in corpus/eh_frame/ (see README.md there).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <tuple>

#include "formats/elf/eh_frame.h"
#include "formats/elf/imports.h"
#include "formats/elf/parser.h"
#include "formats/elf/raw.h"

#include "fuzz_check.h"

namespace {

// A view taken from the model must point into the input, never elsewhere.
bool Inside(std::string_view s, const exray::ByteView& bytes) {
  if (s.empty()) return true;
  auto p = reinterpret_cast<uintptr_t>(s.data());
  auto b = reinterpret_cast<uintptr_t>(bytes.data());
  return p >= b && s.size() <= bytes.size() && p - b <= bytes.size() - s.size();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace exray::elf;
  exray::ByteView bytes(data, size);
  auto f_or = Parse(bytes);
  if (!f_or) return 0;
  const File& f = *f_or;
  const uint64_t addr_max = f.header.is64 ? UINT64_MAX : UINT32_MAX;

  exray::Diagnostics diag;
  EhFrameRanges r = ReadFdeRanges(f, &diag);
  FUZZ_CHECK(r.from.empty() || r.from == ".eh_frame_hdr" || r.from == ".eh_frame", "from names a table");
  FUZZ_CHECK(r.fdes.size() <= kMaxFdes, "FDE cap");
  if (f.header.type == ET_REL) FUZZ_CHECK(r.fdes.empty() && r.from.empty(), "nothing for a relocatable object");
  if (r.from.empty()) FUZZ_CHECK(r.fdes.empty(), "ranges only from a table");
  for (size_t i = 0; i < r.fdes.size(); ++i) {
    const FdeRange& x = r.fdes[i];
    FUZZ_CHECK(x.size != 0, "no zero-size ranges");
    FUZZ_CHECK(x.begin <= addr_max && x.size <= addr_max, "ranges fit the address size");
    if (i) {
      const FdeRange& p = r.fdes[i - 1];
      FUZZ_CHECK(std::tie(p.begin, p.size) < std::tie(x.begin, x.size), "sorted by begin then size, no duplicates");
    }
  }

  std::vector<ImportSlot> slots = ReadImportSlots(f, &diag);
  FUZZ_CHECK(slots.size() <= kMaxRelocations, "relocation cap");
  const uint16_t m = f.header.machine;
  if (m != 3 && m != 62 && m != 183) FUZZ_CHECK(slots.empty(), "slots only for x86-64, i386 and AArch64");
  for (size_t i = 0; i < slots.size(); ++i) {
    const ImportSlot& s = slots[i];
    FUZZ_CHECK(!s.name.empty() && Inside(s.name, bytes), "slot names point into the file");
    FUZZ_CHECK(s.slot <= addr_max, "slots fit the address size");
    if (i)
      FUZZ_CHECK(std::tie(slots[i - 1].slot, slots[i - 1].name) < std::tie(s.slot, s.name), "slots sorted, unique");
  }
  FUZZ_CHECK(diag.warnings().size() <= exray::Diagnostics::kMaxWarnings, "warning cap");

  // Without a warning sink the readers must give the same answer.
  auto same_range = [](const FdeRange& a, const FdeRange& b) { return a.begin == b.begin && a.size == b.size; };
  auto same_slot = [](const ImportSlot& a, const ImportSlot& b) { return a.slot == b.slot && a.name == b.name; };
  EhFrameRanges again = ReadFdeRanges(f, nullptr);
  FUZZ_CHECK(again.from == r.from && std::equal(again.fdes.begin(), again.fdes.end(), r.fdes.begin(), r.fdes.end(),
                                                same_range),
             "FDE ranges are deterministic");
  std::vector<ImportSlot> slots_again = ReadImportSlots(f, nullptr);
  FUZZ_CHECK(std::equal(slots_again.begin(), slots_again.end(), slots.begin(), slots.end(), same_slot),
             "import slots are deterministic");
  return 0;
}
