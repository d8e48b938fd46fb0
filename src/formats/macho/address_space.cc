#include "formats/macho/address_space.h"

#include <algorithm>

#include "support/limits.h"

namespace exray::macho {

namespace {
constexpr uint32_t kProtRead = 1, kProtWrite = 2, kProtExec = 4;  // vm_prot_t
}

MachoAddressSpace::MachoAddressSpace(const File& f) : f_(f) {
  for (const Segment& s : f.segments) {
    if (s.initprot == 0) continue;  // __PAGEZERO: no access, nothing to read
    MemRegion r;
    r.name = {};
    r.vaddr = s.vmaddr;
    r.size = std::min(s.filesize, s.vmsize);
    r.mem_size = s.vmsize;
    r.read = s.initprot & kProtRead;
    r.write = s.initprot & kProtWrite;
    r.exec = s.initprot & kProtExec;
    segments_.push_back(r);
  }
  for (const Section& s : f.sections) {
    if (s.addr == 0 && s.size == 0) continue;
    const Segment* seg = s.segment < f.segments.size() ? &f.segments[s.segment] : nullptr;
    MemRegion r;
    r.name = s.sectname;
    r.vaddr = s.addr;
    r.size = s.in_file ? s.size : 0;
    r.mem_size = s.size;
    r.read = true;
    r.write = seg && (seg->initprot & kProtWrite);
    r.exec = seg && (seg->initprot & kProtExec);
    sections_.push_back(r);
  }
}

ByteView MachoAddressSpace::Read(uint64_t vaddr, uint64_t len) const {
  // The file-backed run of one segment starting at vaddr, up to len, cut
  // where the segment or the image ends.
  for (const Segment& s : f_.segments) {
    const uint64_t backed = std::min(s.filesize, s.vmsize);
    if (s.initprot == 0 || vaddr < s.vmaddr || vaddr - s.vmaddr >= backed) continue;
    const uint64_t delta = vaddr - s.vmaddr;
    if (s.fileoff > f_.bytes.size() || delta >= f_.bytes.size() - s.fileoff) return {};
    const uint64_t off = s.fileoff + delta;
    const uint64_t n = std::min({len, backed - delta, f_.bytes.size() - off});
    return f_.bytes.Sub(off, n);
  }
  return {};
}

std::optional<uint64_t> MachoAddressSpace::Symbol(std::string_view name) const {
  const uint64_t n = std::min(f_.SymbolCount(), kMaxMachoSymbolScan);
  for (uint64_t i = 0; i < n; ++i) {
    const macho::Symbol s = f_.SymbolAt(i);
    if (!s.defined()) continue;
    std::string_view got = s.name;
    if (got.size() == name.size() + 1 && got.front() == '_') got.remove_prefix(1);
    if (got == name) return s.value;
  }
  return std::nullopt;
}

}  // namespace exray::macho
