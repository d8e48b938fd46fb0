// libFuzzer target for the Go moduledata search (FindModuledata) over an
// in-memory AddressSpace built from the input; checks the invariants the
// header documents, agrees with a naive reference search, and checks the tail
// (textsectmap, gofunc) read for Go 1.18+ pclntabs.
// Input: byte 0 = flags (kFlag*), byte 1 = text region size / 16 and, modulo 3,
// the pclntab version passed (none, Go 1.18, Go 1.20), bytes 2-9 = ftab0 (u64
// little-endian), the rest = the writable data region.
// Seeds in corpus/go_moduledata/ are written by make_moduledata_seeds.py.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "../go/memory_address_space.h"
#include "lang/go/moduledata.h"

#include "fuzz_check.h"

namespace {

constexpr uint64_t kTextVaddr = 0x401000;
constexpr uint64_t kPclnVaddr = 0x500000;
constexpr uint64_t kDataVaddr = 0x600000;
constexpr uint64_t kWxVaddr = 0x700000;  // the W+X copy (never scanned); the read-only copy 1 MiB above
constexpr size_t kHeaderBytes = 10;

constexpr uint8_t kFlagBigEndian = 1 << 0;
constexpr uint8_t kFlagPtr4 = 1 << 1;
constexpr uint8_t kFlagTextOffsets = 1 << 2;  // entries_are_text_offsets (Go 1.18+)
constexpr uint8_t kFlagGoModule = 1 << 3;     // the data region is also the .go.module section
constexpr uint8_t kFlagWxCopy = 1 << 4;       // a W+X copy of the data, mapped first
constexpr uint8_t kFlagMisaligned = 1 << 5;   // the data region starts 4 bytes past kDataVaddr
constexpr uint8_t kFlagReadOnlyCopy = 1 << 6;  // a read-only copy of the data, mapped first

struct Layout {
  uint64_t data_vaddr = kDataVaddr;
  bool wx_copy = false, ro_copy = false, go_module = false;
};

bool InRegion(uint64_t addr, uint64_t vaddr, uint64_t size) { return addr >= vaddr && addr - vaddr < size; }

bool InExec(const exray::AddressSpace& as, uint64_t addr) {
  for (const exray::MemRegion& r : as.Segments())
    if (r.exec && InRegion(addr, r.vaddr, r.size)) return true;
  return false;
}

uint64_t Word(const exray::AddressSpace& as, uint64_t vaddr, bool* ok) {
  const uint64_t ps = static_cast<uint64_t>(as.ptr_size());
  uint64_t x = 0;
  if (!as.Read(vaddr, ps).ReadWord(0, ps, as.endian(), &x)) *ok = false;
  return x;
}

// The moduledata fields at md, if the header's conditions hold there.
std::optional<exray::go::Moduledata> Validate(const exray::AddressSpace& as, uint64_t md, bool text_offsets,
                                              uint64_t ftab0) {
  const uint64_t ps = static_cast<uint64_t>(as.ptr_size());
  bool ok = true;
  exray::go::Moduledata m;
  m.vaddr = md;
  const uint64_t first = Word(as, md, &ok);
  m.minpc = Word(as, md + 20 * ps, &ok);  // 160 / 8
  m.maxpc = Word(as, md + 21 * ps, &ok);
  m.text = Word(as, md + 22 * ps, &ok);
  m.etext = Word(as, md + 23 * ps, &ok);
  if (!ok || first != kPclnVaddr || m.minpc > m.maxpc || m.text > m.etext || !InExec(as, m.text)) return std::nullopt;
  if (m.minpc != (text_offsets ? m.text + ftab0 : ftab0)) return std::nullopt;
  return m;
}

// A naive reference: the .go.module section, else every aligned word of the
// writable, non-executable data region in order, counting pointer matches.
std::optional<exray::go::Moduledata> Reference(const exray::AddressSpace& as, const Layout& l, uint64_t data_size,
                                               bool text_offsets, uint64_t ftab0) {
  const uint64_t ps = static_cast<uint64_t>(as.ptr_size());
  if (l.go_module)
    if (auto m = Validate(as, l.data_vaddr, text_offsets, ftab0)) return m;
  uint64_t candidates = 0;
  for (uint64_t a = (l.data_vaddr + ps - 1) / ps * ps; a + ps <= l.data_vaddr + data_size; a += ps) {
    bool ok = true;
    if (Word(as, a, &ok) != kPclnVaddr || !ok) continue;
    if (++candidates > exray::go::kMaxModuledataCandidates) return std::nullopt;
    if (auto m = Validate(as, a, text_offsets, ftab0)) return m;
  }
  return std::nullopt;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace exray;
  if (size < kHeaderBytes) return 0;
  const uint8_t flags = data[0];
  const Endian e = flags & kFlagBigEndian ? Endian::kBig : Endian::kLittle;
  const int ps = flags & kFlagPtr4 ? 4 : 8;
  const bool text_offsets = flags & kFlagTextOffsets;
  uint64_t ftab0 = 0;
  for (int i = 0; i < 8; ++i) ftab0 |= static_cast<uint64_t>(data[2 + i]) << (8 * i);
  const std::vector<uint8_t> rest(data + kHeaderBytes, data + size);
  const uint64_t text_size = uint64_t{data[1]} * 16;

  Layout l;
  l.data_vaddr = kDataVaddr + (flags & kFlagMisaligned ? 4 : 0);
  l.wx_copy = flags & kFlagWxCopy;
  l.ro_copy = flags & kFlagReadOnlyCopy;
  l.go_module = flags & kFlagGoModule;

  testing::MemoryAddressSpace as(e, ps);
  as.Map(kTextVaddr, std::vector<uint8_t>(text_size, 0xcc), ".text", /*write=*/false, /*exec=*/true);
  as.Map(kPclnVaddr, std::vector<uint8_t>(64, 0), ".gopclntab");
  if (l.wx_copy) as.Map(kWxVaddr, rest, "", /*write=*/true, /*exec=*/true);
  if (l.ro_copy) as.Map(kWxVaddr + 0x100000, rest, "", /*write=*/false, /*exec=*/false);
  as.Map(l.data_vaddr, rest, l.go_module ? ".go.module" : ".noptrdata", /*write=*/true, /*exec=*/false);

  std::optional<go::PclnVersion> version;
  if (data[1] % 4 == 1) version = go::PclnVersion::kGo118;
  if (data[1] % 4 == 2) version = go::PclnVersion::kGo120;
  if (data[1] % 4 == 3) version = go::PclnVersion::kGo116;  // the same head; its own tail
  const std::optional<go::Moduledata> m = go::FindModuledata(as, kPclnVaddr, text_offsets, ftab0, version);
  const std::optional<go::Moduledata> want = Reference(as, l, rest.size(), text_offsets, ftab0);
  FUZZ_CHECK(m.has_value() == want.has_value(), "found exactly when the reference search finds");
  if (!m) return 0;
  FUZZ_CHECK(m->vaddr == want->vaddr, "same moduledata as the reference search");
  FUZZ_CHECK(InRegion(m->vaddr, l.data_vaddr, rest.size()), "moduledata in the writable, non-executable region");
  FUZZ_CHECK((l.go_module && m->vaddr == l.data_vaddr) || m->vaddr % ps == 0, "scan results are pointer-aligned");
  bool ok = true;
  FUZZ_CHECK(Word(as, m->vaddr, &ok) == kPclnVaddr && ok, "first word points to the pclntab");
  FUZZ_CHECK(InExec(as, m->text), "text in an executable region");
  FUZZ_CHECK(m->minpc <= m->maxpc, "minpc <= maxpc");
  FUZZ_CHECK(m->text <= m->etext, "text <= etext");
  FUZZ_CHECK(m->minpc == (text_offsets ? m->text + ftab0 : ftab0), "minpc == ftab[0]");
  FUZZ_CHECK(m->minpc == want->minpc && m->maxpc == want->maxpc && m->text == want->text && m->etext == want->etext,
             "same fields as the reference search");
  // The tail (textsectmap, gofunc): only for Go 1.18+, and then consistent.
  FUZZ_CHECK(static_cast<int>(m->layout) <= static_cast<int>(go::ModuledataLayout::kMaxValue), "layout in range");
  if (!version || m->layout == go::ModuledataLayout::kUnknown) {
    FUZZ_CHECK(m->textsects.empty() && !m->gofunc, "no tail without a layout");
    return 0;
  }
  FUZZ_CHECK(m->layout == go::ModuledataLayout::kGo118   ? *version == go::PclnVersion::kGo118
             : m->layout == go::ModuledataLayout::kGo116 ? *version == go::PclnVersion::kGo116
                                                         : *version == go::PclnVersion::kGo120,
             "layout matches version");
  FUZZ_CHECK(m->layout != go::ModuledataLayout::kGo116 || !m->gofunc, "no gofunc before Go 1.18");
  FUZZ_CHECK(!m->textsects.empty() && m->textsects.size() <= go::kMaxTextSections, "1..kMaxTextSections sections");
  FUZZ_CHECK(m->textsects[0].vaddr == 0 && m->textsects[0].baseaddr == m->text, "first section at text");
  for (size_t i = 0; i < m->textsects.size(); ++i) {
    FUZZ_CHECK(m->textsects[i].vaddr <= m->textsects[i].end, "section end >= start");
    if (i) FUZZ_CHECK(m->textsects[i - 1].end <= m->textsects[i].vaddr, "sections in order");
  }
  if (m->gofunc) {
    bool mapped = false;
    for (const exray::MemRegion& r : as.Segments()) mapped |= InRegion(*m->gofunc, r.vaddr, r.size);
    FUZZ_CHECK(mapped && *m->gofunc != 0, "gofunc mapped");
  }
  return 0;
}
