// Finds Go moduledata by validating pointers to the pclntab.
#include "lang/go/moduledata.h"

#include <algorithm>
#include <string_view>
#include <vector>

namespace exray::go {
namespace {

// Byte offsets in moduledata on 64-bit, Go 1.16-1.27 (reference §2.8).
constexpr uint64_t kMinpc64 = 160;
constexpr uint64_t kMaxpc64 = 168;
constexpr uint64_t kText64 = 176;
constexpr uint64_t kEtext64 = 184;

uint64_t ReadWord(ByteView v, uint64_t off, uint64_t ps, Endian e, bool* ok) {
  uint64_t x = 0;
  *ok = v.ReadWord(off, ps, e, &x) && *ok;
  return x;
}

bool InExecRegion(const AddressSpace& as, uint64_t addr) {
  const std::vector<MemRegion>& regions = as.Segments().empty() ? as.Sections() : as.Segments();
  for (const MemRegion& r : regions)
    if (r.exec && addr >= r.vaddr && addr - r.vaddr < r.size) return true;
  return false;
}

}  // namespace

std::optional<Moduledata> FindModuledata(const AddressSpace& as, uint64_t pcln_vaddr, bool entries_are_text_offsets,
                                         uint64_t ftab0) {
  const uint64_t ps = static_cast<uint64_t>(as.ptr_size());
  if (ps != 4 && ps != 8) return std::nullopt;
  const Endian e = as.endian();
  auto validate = [&](uint64_t md) -> std::optional<Moduledata> {
    ByteView v = as.Read(md, (kEtext64 + 8) * ps / 8);
    bool ok = true;
    Moduledata m;
    m.vaddr = md;
    const uint64_t first = ReadWord(v, 0, ps, e, &ok);
    m.minpc = ReadWord(v, kMinpc64 * ps / 8, ps, e, &ok);
    m.maxpc = ReadWord(v, kMaxpc64 * ps / 8, ps, e, &ok);
    m.text = ReadWord(v, kText64 * ps / 8, ps, e, &ok);
    m.etext = ReadWord(v, kEtext64 * ps / 8, ps, e, &ok);
    if (!ok || first != pcln_vaddr || m.minpc > m.maxpc || m.text > m.etext) return std::nullopt;
    if (!InExecRegion(as, m.text)) return std::nullopt;
    // ftab[0] == minpc (runtime.moduledataverify1).
    const uint64_t want = entries_are_text_offsets ? m.text + ftab0 : ftab0;
    if (m.minpc != want) return std::nullopt;
    return m;
  };
  for (std::string_view name : {".go.module", "__go_module"})
    if (const MemRegion* r = as.FindSection(name))
      if (auto m = validate(r->vaddr)) return m;

  std::vector<const MemRegion*> regions;
  for (const MemRegion& r : as.Segments())
    if (r.write && !r.exec) regions.push_back(&r);
  if (regions.empty())
    for (const MemRegion& r : as.Sections())
      if (r.write && !r.exec) regions.push_back(&r);
  uint64_t scanned = 0, candidates = 0;
  for (const MemRegion* r : regions) {
    if (scanned >= kMaxModuledataScanBytes) break;
    const uint64_t len = std::min(r->size, kMaxModuledataScanBytes - scanned);
    ByteView v = as.Read(r->vaddr, len);
    scanned += len;
    // Pointer-aligned by address, not by offset in the region.
    for (uint64_t off = (ps - r->vaddr % ps) % ps; off + ps <= v.size(); off += ps) {
      bool ok = true;
      if (ReadWord(v, off, ps, e, &ok) != pcln_vaddr || !ok) continue;
      if (++candidates > kMaxModuledataCandidates) return std::nullopt;
      if (auto m = validate(r->vaddr + off)) return m;
    }
  }
  return std::nullopt;
}

}  // namespace exray::go
