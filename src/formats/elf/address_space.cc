#include "formats/elf/address_space.h"

#include <algorithm>

#include "formats/elf/raw.h"

namespace exray::elf {

ElfAddressSpace::ElfAddressSpace(const File& f) : f_(f) {
  for (const Section& s : f.sections) {
    if (!(s.flags & SHF_ALLOC) || s.addr == 0) continue;
    MemRegion r;
    r.name = s.name;
    r.vaddr = s.addr;
    r.size = s.in_file ? s.size : 0;
    r.mem_size = s.size;
    r.read = true;
    r.write = s.flags & SHF_WRITE;
    r.exec = s.flags & SHF_EXECINSTR;
    sections_.push_back(r);
  }
  for (const Segment& p : f.segments) {
    if (p.type != PT_LOAD) continue;
    MemRegion r;
    r.vaddr = p.vaddr;
    r.size = p.filesz;
    r.mem_size = std::max(p.memsz, p.filesz);
    r.read = p.flags & PF_R;
    r.write = p.flags & PF_W;
    r.exec = p.flags & PF_X;
    segments_.push_back(r);
  }
}

ByteView ElfAddressSpace::ReadWith(uint64_t vaddr, uint64_t len, bool few) const {
  auto load = [&](uint64_t off, uint64_t n) { return few ? f_.LoadFew(off, n) : f_.Load(off, n); };
  // The longest file-backed run of PT_LOAD bytes starting at vaddr, up to len.
  for (const Segment& p : f_.segments) {
    if (p.type != PT_LOAD || vaddr < p.vaddr || vaddr - p.vaddr >= p.filesz) continue;
    uint64_t delta = vaddr - p.vaddr;
    uint64_t n = std::min(len, p.filesz - delta);
    if (delta > UINT64_MAX - p.offset) return {};
    ByteView v = load(p.offset + delta, n);
    if (v.size() == n) return v;
    // The segment claims more than the file holds: return what is there.
    uint64_t off = p.offset + delta;
    if (off >= f_.bytes.size()) return {};
    return load(off, f_.bytes.size() - off);
  }
  return {};
}

std::optional<uint64_t> ElfAddressSpace::Symbol(std::string_view name) const {
  for (const SymbolTable* t : {&f_.symtab, &f_.dynsym}) {
    for (uint64_t i = 0; i < t->readable; ++i) {
      if (!t->NameStartsWith(i, name)) continue;
      elf::Symbol s = t->At(i);
      if (s.name == name && s.defined()) return s.value;
    }
  }
  return std::nullopt;
}

}  // namespace exray::elf
