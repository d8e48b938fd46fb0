// Function address ranges from an ELF file's unwind tables (.eh_frame_hdr, .eh_frame).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "formats/elf/model.h"
#include "support/diag.h"

namespace exray::elf {

/// Caps that keep a crafted table from making us allocate or loop without bound.
// A 100 MB binary has ~100k FDEs; forty times that is beyond any real file and
// keeps the output under 64 MiB (16 bytes a range).
inline constexpr uint64_t kMaxFdes = 4'000'000;
// Records visited in one call (CIEs, FDEs, search-table entries), whatever
// they yield: several .eh_frame sections may alias the same bytes, and FDEs
// of size zero add no range, so kMaxFdes alone would not bound the work.
inline constexpr uint64_t kMaxRecords = 2 * kMaxFdes;
// Real files have one CIE per distinct compiler setting, a handful; the cache
// that lets each CIE be parsed once stops growing here.
inline constexpr uint64_t kMaxCies = 65'536;
// Real augmentation strings are a few letters ("zPLRSB"); a longer one is
// taken as damage rather than scanned to the end of the section.
inline constexpr uint64_t kMaxAugmentationLength = 32;
// Damaged records are described one by one up to this many per call, then
// counted, so a table of a million bad entries costs no million messages.
inline constexpr uint64_t kMaxDetailedWarnings = 16;

struct FdeRange {
  uint64_t begin = 0, size = 0;
};

struct EhFrameRanges {
  std::vector<FdeRange> fdes;
  std::string_view from;  // ".eh_frame_hdr" or ".eh_frame"; empty when neither was read
};

/// The code ranges [pc_begin, pc_begin + pc_range) of the FDEs in the unwind
/// tables. Prefers .eh_frame_hdr's search table (located by section name or
/// PT_GNU_EH_FRAME) to find each FDE, reading pc_begin and pc_range from the
/// FDE itself; falls back to walking .eh_frame when the header is absent,
/// damaged or has no table. Returned sorted by begin, exact duplicates and
/// zero-size ranges removed, overlaps kept. On damage (a record running past
/// its section, a bad CIE pointer, an unsupported pointer encoding, a count
/// the table cannot hold) it warns through diag (which may be null) and
/// returns the ranges it could read; it never reads outside the file.
/// Nothing for a relocatable object (ET_REL), whose pc_begin fields are
/// filled by relocations.
EhFrameRanges ReadFdeRanges(const File& f, Diagnostics* diag);

}  // namespace exray::elf
