// The AddressSpace of a PE image: its sections by virtual address (image
// base + RVA). PE has no segments apart from its sections, so Segments()
// lists the sections too.
#pragma once

#include "formats/pe/model.h"
#include "support/address_space.h"

namespace exray::pe {

class PeAddressSpace final : public AddressSpace {
 public:
  explicit PeAddressSpace(const File& f);
  Endian endian() const override { return Endian::kLittle; }
  int ptr_size() const override { return f_.header.pe32plus ? 8 : 4; }
  ByteView Read(uint64_t vaddr, uint64_t len) const override;
  const std::vector<MemRegion>& Sections() const override { return regions_; }
  const std::vector<MemRegion>& Segments() const override { return regions_; }
  /// Defined COFF symbols by name (Go and MinGW keep a COFF symbol table),
  /// with or without the leading underscore of 32-bit x86 C names.
  std::optional<uint64_t> Symbol(std::string_view name) const override;

 private:
  const File& f_;
  std::vector<MemRegion> regions_;
};

}  // namespace exray::pe
