// The one formatting of addresses and offsets in messages and reports.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>

namespace exray {

/// v as "0x" and lowercase hex digits, as fmt's "{:#x}" prints it ("0x0" for 0);
/// without fmt so that the support layer needs no library.
inline std::string Hex(uint64_t v) {
  char buf[18] = {'0', 'x'};
  const auto end = std::to_chars(buf + 2, buf + sizeof buf, v, 16).ptr;
  return std::string(buf, end);
}

}  // namespace exray
