// Imported-symbol slots: the GOT entries that dynamic relocations fill with a named symbol's address.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "formats/elf/model.h"
#include "support/diag.h"
#include "support/limits.h"

namespace exray::elf {

struct ImportSlot {
  uint64_t slot = 0;       // address of the GOT entry (or pointer) the relocation fills
  std::string_view name;   // the symbol's name in .dynsym, without version
};

/// The slots filled by JUMP_SLOT and GLOB_DAT relocations (and by absolute
/// 64-bit ones, R_X86_64_64 / R_AARCH64_ABS64, with addend 0) with a named symbol, for
/// x86-64, i386 and AArch64; empty for other machines. Relocation tables come
/// from DT_JMPREL, DT_RELA and DT_REL (mapped through PT_LOAD) or, when the
/// dynamic table names none, from the sections .rela.plt, .rel.plt, .rela.dyn
/// and .rel.dyn; names from .dynsym, else from DT_SYMTAB/DT_STRTAB. Sorted by
/// slot, exact duplicates removed. Damage (a table outside the file, a bad
/// entry size, a symbol index past the table) becomes a warning through diag
/// (which may be null), and what could be read is returned.
std::vector<ImportSlot> ReadImportSlots(const File& f, Diagnostics* diag);

}  // namespace exray::elf
