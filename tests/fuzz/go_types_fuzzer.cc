// libFuzzer target for the Go type-descriptor reader (ReadTypes) over an
// in-memory type region built from the input, in both enumeration modes
// (typelinks and itablinks before Go 1.27; the contiguous walk since).
// Input: byte 0 = flags (kFlag*), byte 1 = the Go minor (16 + byte % 14;
// from 0xc0, 7 + byte % 9),
// bytes 2-7 = three u16 little-endian: typelinks count or typedesclen,
// itablinks count or itaboffset, itabsize; before 1.27 the next 4 bytes per
// typelink are the typelinks (mapped at kLinks; a pointer-size address each
// with kFlagPointerLinks, Go 1.5 or 1.6 by byte 1's low bit, whose
// descriptors' pointers seeds rebase
// to kTypes); the rest = the type region,
// mapped at kTypes, whose start also holds the itablinks.
// Seeds in corpus/go_types/ are slices of real binaries' type regions
// (make_types_seeds.py).
// Checks the header's promises: bounded counts, names cut at
// kMaxGoNameBytes, kinds in 1..26, types sorted and unique by address, and
// that the first kDetailed descriptors also read in full (ReadTypeDetail).
#include <cstddef>
#include <algorithm>
#include <cstdint>
#include <optional>
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
constexpr uint8_t kFlagPointerLinks = 1 << 3;  // Go 1.5/1.6: typelinks are descriptor addresses (pointer-size words)
constexpr size_t kDetailed = 16;  // descriptors also read by ReadTypeDetail

uint16_t U16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | p[1] << 8); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace exray;
  if (size < kHeaderBytes) return 0;
  const uint8_t flags = data[0];
  const bool contiguous = flags & kFlagContiguous, pointer_links = !contiguous && (flags & kFlagPointerLinks);
  // Go 1.16-1.29 (the seeds' releases), or from 0xc0 on Go 1.7-1.15; 1.5 or 1.6 with pointer links.
  const int minor = pointer_links ? 5 + (data[1] & 1) : data[1] < 0xc0 ? 16 + data[1] % 14 : 7 + data[1] % 9;
  const uint16_t a = U16(data + 2), b = U16(data + 4), c = U16(data + 6);
  const size_t link_bytes = pointer_links ? (flags & kFlagPtr4 ? 4 : 8) : 4;
  const size_t links = contiguous ? 0 : std::min<size_t>(size - kHeaderBytes, size_t{a} * link_bytes);
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
    tt.itablinks = kTypes, tt.nitablinks = pointer_links ? 0 : b;
    tt.pointer_links = pointer_links;
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
    FUZZ_CHECK(!t.members, "the walk keeps no members");
    FUZZ_CHECK(set.Find(t.addr) == &t, "Find finds it");
    // The first few read in full, as --type NAME does.
    if (i < kDetailed) {
      std::optional<go::GoType> d = go::ReadTypeDetail(as, md, minor, t.addr);
      FUZZ_CHECK(d && d->members, "a descriptor the walk read also reads in full");
      FUZZ_CHECK(d->members->fields.size() <= go::kMaxGoTypeMembers &&
                     d->members->method_list.size() <= go::kMaxGoTypeMembers &&
                     d->members->in.size() + d->members->out.size() <= 2 * size_t{UINT16_MAX},
                 "members bounded");
      for (const go::TypeField& f : d->members->fields)
        FUZZ_CHECK(f.name.size() <= go::kMaxGoNameBytes && f.tag.size() <= go::kMaxGoNameBytes, "member names cut");
      (void)set.NameOf(d->members->elem);
    }
  }
  return 0;
}
