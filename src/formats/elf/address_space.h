// The AddressSpace of an ELF file: sections and PT_LOAD segments by address.
#pragma once

#include "formats/elf/model.h"
#include "support/address_space.h"

namespace exray::elf {

class ElfAddressSpace final : public AddressSpace {
 public:
  explicit ElfAddressSpace(const File& f);
  Endian endian() const override { return f_.header.endian; }
  int ptr_size() const override { return f_.header.is64 ? 8 : 4; }
  ByteView Read(uint64_t vaddr, uint64_t len) const override { return ReadWith(vaddr, len, false); }
  ByteView ReadFew(uint64_t vaddr, uint64_t len) const override { return ReadWith(vaddr, len, true); }
  const std::vector<MemRegion>& Sections() const override { return sections_; }
  const std::vector<MemRegion>& Segments() const override { return segments_; }
  std::optional<uint64_t> Symbol(std::string_view name) const override;

 private:
  ByteView ReadWith(uint64_t vaddr, uint64_t len, bool few) const;
  const File& f_;
  std::vector<MemRegion> sections_, segments_;
};

}  // namespace exray::elf
