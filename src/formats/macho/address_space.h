// The AddressSpace of one Mach-O image: its sections and segments by address.
#pragma once

#include "formats/macho/model.h"
#include "support/address_space.h"

namespace exray::macho {

/// Every byte of the image must be readable (see Parse). Section names are
/// the bare sectname ("__gopclntab"), which is how the Go readers look for
/// Mach-O sections; segments without access (__PAGEZERO) are left out.
class MachoAddressSpace final : public AddressSpace {
 public:
  explicit MachoAddressSpace(const File& f);
  Endian endian() const override { return f_.header.endian; }
  int ptr_size() const override { return f_.header.is64 ? 8 : 4; }
  ByteView Read(uint64_t vaddr, uint64_t len) const override;
  const std::vector<MemRegion>& Sections() const override { return sections_; }
  const std::vector<MemRegion>& Segments() const override { return segments_; }
  /// Defined symbols of the symbol table by name, with or without the
  /// leading underscore C names get on Apple's platforms.
  std::optional<uint64_t> Symbol(std::string_view name) const override;

 private:
  const File& f_;
  std::vector<MemRegion> sections_, segments_;
};

}  // namespace exray::macho
