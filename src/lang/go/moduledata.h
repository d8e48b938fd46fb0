// Go runtime moduledata: found without symbols by the pointer to the pclntab
// that is its first word (reference §2.8 and its Go 1.26/1.27 table).
#pragma once

#include <cstdint>
#include <optional>

#include "lang/address_space.h"

namespace exray::go {

/// Caps on the search through writable data.
inline constexpr uint64_t kMaxModuledataScanBytes = 256ull << 20;
inline constexpr uint64_t kMaxModuledataCandidates = 256;  // pointer matches validated

/// The fields of moduledata read so far; their offsets are the same from Go 1.16
/// through 1.27 (64-bit: minpc 160, maxpc 168, text 176, etext 184; halved on 32-bit).
struct Moduledata {
  uint64_t vaddr = 0;
  uint64_t minpc = 0, maxpc = 0, text = 0, etext = 0;
};

/// Finds the moduledata of a Go 1.16+ binary whose pcHeader is at pcln_vaddr:
/// the .go.module (__go_module) section of Go 1.26+, else the first
/// pointer-aligned word in a writable, non-executable segment equal to
/// pcln_vaddr where text lies in an executable region, minpc <= maxpc,
/// text <= etext and minpc == text + ftab0 (ftab0 is the first functab entry:
/// an offset from text when entries_are_text_offsets, Go 1.18+; else absolute).
/// nullopt when nothing validates within kMaxModuledataScanBytes and
/// kMaxModuledataCandidates. On-disk values: in a PIE whose pointers are
/// filled in only by dynamic relocations this finds nothing.
std::optional<Moduledata> FindModuledata(const AddressSpace& as, uint64_t pcln_vaddr, bool entries_are_text_offsets,
                                         uint64_t ftab0);

}  // namespace exray::go
