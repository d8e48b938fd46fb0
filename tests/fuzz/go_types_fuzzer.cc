// libFuzzer target for the Go type-descriptor reader (ReadTypes) over an
// in-memory type region built from the input, in both enumeration modes
// (typelinks and itablinks before Go 1.27; the contiguous walk since).
// Input: byte 0 = flags (kFlag*), byte 1 = the Go minor (16 + byte % 14),
// bytes 2-7 = three u16 little-endian: typelinks count or typedesclen,
// itablinks count or itaboffset, itabsize; before 1.27 the next 4 bytes per
// typelink are the typelinks (mapped at kLinks); the rest = the type region,
// mapped at kTypes, whose start also holds the itablinks.
// Seeds in corpus/go_types/ are slices of real binaries' type regions
// (make_types_seeds.py).
// Checks the header's promises: bounded counts, names cut at
// kMaxGoNameBytes, kinds in 1..26, types sorted and unique by address.
#include <cstddef>
#include <algorithm>
#include <cstdint>
#include <vector>

#include "../go/memory_address_space.h"
#include "lang/go/types.h"
#include "support/limits.h"

#include "fuzz_check.h"

namespace {

constexpr uint64_t kLinks = 0x8000;
constexpr uint64_t kTypes = 0x100000;
constexpr size_t kHeaderBytes = 8;
constexpr uint8_t kFlagBigEndian = 1 << 0;
constexpr uint8_t kFlagPtr4 = 1 << 1;
constexpr uint8_t kFlagContiguous = 1 << 2;

uint16_t U16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | p[1] << 8); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace exray;
  if (size < kHeaderBytes) return 0;
  const uint8_t flags = data[0];
  const int minor = 16 + data[1] % 14;
  const uint16_t a = U16(data + 2), b = U16(data + 4), c = U16(data + 6);
  const bool contiguous = flags & kFlagContiguous;
  const size_t links = contiguous ? 0 : std::min<size_t>(size - kHeaderBytes, size_t{a} * 4);
  std::vector<uint8_t> region(data + kHeaderBytes + links, data + size);
  const uint64_t len = region.size();
  testing::MemoryAddressSpace as(flags & kFlagBigEndian ? Endian::kBig : Endian::kLittle, flags & kFlagPtr4 ? 4 : 8);
  if (links) as.Map(kLinks, std::vector<uint8_t>(data + kHeaderBytes, data + kHeaderBytes + links), ".typelink");
  as.Map(kTypes, std::move(region), ".rodata");
  go::Moduledata md;
  md.text = 0x1000;
  go::TypeTables tt;
  tt.types = kTypes;
  tt.etypes = kTypes + len;
  if (contiguous) {
    tt.typedesclen = a;
    tt.itaboffset = b;
    tt.itabsize = c;
  } else {
    tt.typelinks = kLinks, tt.ntypelinks = a;
    tt.itablinks = kTypes, tt.nitablinks = b;
  }
  md.type_tables = tt;
  Diagnostics diag;
  Result<go::TypeSet> r = go::ReadTypes(as, md, minor, diag);
  if (!r.ok()) return 0;
  const go::TypeSet& set = *r;
  FUZZ_CHECK(set.types.size() <= go::kMaxGoTypes, "type count bounded");
  FUZZ_CHECK(set.itabs.size() <= go::kMaxGoItabs, "itab count bounded");
  for (size_t i = 0; i < set.types.size(); ++i) {
    const go::GoType& t = set.types[i];
    FUZZ_CHECK(t.kind >= 1 && t.kind <= 26, "kind in 1..26");
    FUZZ_CHECK(t.addr >= tt.types && t.addr < tt.etypes, "descriptor inside the region");
    FUZZ_CHECK(i == 0 || set.types[i - 1].addr < t.addr, "sorted and unique");
    FUZZ_CHECK(t.name.size() <= go::kMaxGoNameBytes && t.pkg_path.size() <= go::kMaxGoNameBytes, "names cut");
    FUZZ_CHECK(t.fields.size() <= go::kMaxGoTypeMembers && t.method_list.size() <= go::kMaxGoTypeMembers,
               "members bounded");
    FUZZ_CHECK(set.Find(t.addr) == &t, "Find finds it");
    (void)set.NameOf(t.elem);
  }
  return 0;
}
