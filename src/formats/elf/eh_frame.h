// Function address ranges from an ELF file's unwind tables (.eh_frame_hdr, .eh_frame).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "formats/elf/model.h"
#include "support/diag.h"
#include "support/limits.h"

namespace exray::elf {

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
