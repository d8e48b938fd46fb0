// A small DWARF (versions 2-4) reader for one question: the byte size and
// member offsets of named struct types in .debug_info.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "support/byte_view.h"
#include "support/diag.h"
#include "support/result.h"

namespace exray::dwarf {

struct Member {
  std::string name;
  uint64_t offset = 0;                 // DW_AT_data_member_location
  std::string type_name;               // the DW_AT_type entry's DW_AT_name ("" when it has none)
  std::optional<uint64_t> type_size;   // its DW_AT_byte_size, through typedefs; a pointer's is the address size
};

struct StructType {
  std::string name;
  uint64_t size = 0;  // DW_AT_byte_size
  std::vector<Member> members;
};

/// Walks every compilation unit of `info` (abbreviations from `abbrev`) and
/// returns, for each name in `names`, the first DW_TAG_structure_type of that
/// name that has a DW_AT_byte_size, with its DW_TAG_member children in order.
/// A unit that cannot be read (unknown version or form, truncated, over a
/// cap) gives a warning and the walk goes on with the next one; an error only
/// when .debug_info's first unit header cannot be read at all.
[[nodiscard]] Result<std::vector<StructType>> ReadStructs(ByteView info, ByteView abbrev, Endian endian,
                                                          const std::vector<std::string>& names, Diagnostics* diag);

}  // namespace exray::dwarf
