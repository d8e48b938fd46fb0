#include "formats/pe/address_space.h"

#include <algorithm>

#include "support/limits.h"

namespace exray::pe {

PeAddressSpace::PeAddressSpace(const File& f) : f_(f) {
  for (const Section& s : f.sections) {
    MemRegion r;
    r.name = s.name;
    r.vaddr = f.header.image_base + s.virtual_address;
    const uint32_t vsize = s.virtual_size ? s.virtual_size : s.raw_size;
    r.size = s.in_file ? std::min(s.raw_size, vsize) : 0;
    r.mem_size = vsize;
    r.read = s.characteristics & kScnRead;
    r.write = s.characteristics & kScnWrite;
    r.exec = s.characteristics & kScnExecute;
    regions_.push_back(r);
  }
}

ByteView PeAddressSpace::Read(uint64_t vaddr, uint64_t len) const {
  for (const MemRegion& r : regions_) {
    if (vaddr < r.vaddr || vaddr - r.vaddr >= r.size) continue;
    const uint64_t rva = vaddr - f_.header.image_base;
    if (rva > UINT32_MAX) return {};
    return f_.AtRva(static_cast<uint32_t>(rva), std::min(len, r.size - (vaddr - r.vaddr)));
  }
  return {};
}

std::optional<uint64_t> PeAddressSpace::Symbol(std::string_view name) const {
  const Header& h = f_.header;
  if (!h.symtab_offset || !h.nsymbols) return std::nullopt;
  const uint64_t strtab = uint64_t{h.symtab_offset} + uint64_t{h.nsymbols} * 18;
  const uint64_t n = std::min<uint64_t>(h.nsymbols, kMaxPeSymbolScan);
  for (uint64_t i = 0; i < n; ++i) {
    const uint64_t at = h.symtab_offset + 18 * i;
    const ByteView e = f_.bytes.Sub(at, 18);
    if (e.empty()) return std::nullopt;
    uint32_t zeros = 0, value = 0, strx = 0;
    uint16_t section = 0;
    e.ReadInt<uint32_t>(0, Endian::kLittle, &zeros);
    e.ReadInt<uint32_t>(4, Endian::kLittle, &strx);
    e.ReadInt<uint32_t>(8, Endian::kLittle, &value);
    e.ReadInt<uint16_t>(12, Endian::kLittle, &section);
    const uint8_t aux = e.At(17);
    std::string_view got;
    if (zeros == 0) {
      got = f_.bytes.CString(strtab + strx);
    } else {
      std::string_view raw(reinterpret_cast<const char*>(e.data()), 8);
      got = raw.substr(0, raw.find('\0'));
    }
    if (got.size() == name.size() + 1 && got.front() == '_') got.remove_prefix(1);
    // Section numbers count from 1; 0, -1 and -2 are undefined, absolute and debug.
    if (got == name && section >= 1 && section <= f_.sections.size())
      return h.image_base + f_.sections[section - 1].virtual_address + value;
    i += aux;
  }
  return std::nullopt;
}

}  // namespace exray::pe
