// libFuzzer target for the DWARF struct reader (formats/dwarf/structs.h):
// the input is a 2-byte little-endian length, that many bytes of
// .debug_abbrev, then .debug_info (bytes in memory, no temp files). Checks
// invariants, not just survival. Seeds in corpus/dwarf/ (see README.md there).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "formats/dwarf/structs.h"

#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace exray;
  ByteView in(data, size);
  uint16_t n = 0;
  if (!in.ReadInt<uint16_t>(0, Endian::kLittle, &n)) return 0;
  const ByteView abbrev = in.Sub(2, n), info = in.From(2 + uint64_t{n});
  if (abbrev.size() != n) return 0;
  const std::vector<std::string> names = {"runtime.g", "runtime.m", "runtime.stack", "runtime.mheap"};
  Diagnostics diag;
  auto r = dwarf::ReadStructs(info, abbrev, Endian::kLittle, names, &diag);
  if (!r) return 0;
  std::set<std::string> seen;
  for (const dwarf::StructType& s : *r) {
    FUZZ_CHECK(std::find(names.begin(), names.end(), s.name) != names.end(), "only the names asked for");
    FUZZ_CHECK(seen.insert(s.name).second, "each name once");
    FUZZ_CHECK(s.members.size() <= dwarf::kMaxDwarfMembers, "member cap");
    for (const dwarf::Member& m : s.members)
      FUZZ_CHECK(m.name.size() <= dwarf::kMaxDwarfName && m.type_name.size() <= dwarf::kMaxDwarfName, "name cap");
  }
  FUZZ_CHECK(diag.warnings().size() <= Diagnostics::kMaxWarnings, "warning cap");
  auto again = dwarf::ReadStructs(info, abbrev, Endian::kLittle, names, nullptr);
  FUZZ_CHECK(again.ok() && again->size() == r->size(), "deterministic");
  for (size_t i = 0; i < r->size(); ++i) {
    const dwarf::StructType &a = (*r)[i], &b = (*again)[i];
    FUZZ_CHECK(a.name == b.name && a.size == b.size && a.members.size() == b.members.size(), "deterministic");
    for (size_t k = 0; k < a.members.size(); ++k)
      FUZZ_CHECK(a.members[k].offset == b.members[k].offset && a.members[k].type_size == b.members[k].type_size,
                 "deterministic");
  }
  return 0;
}
