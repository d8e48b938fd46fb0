// Checked arithmetic for offsets, sizes and counts taken from untrusted input.
#pragma once

#include <cstdint>
#include <optional>

namespace exray {

/// a + b, or nullopt on unsigned overflow.
inline std::optional<uint64_t> CheckedAdd(uint64_t a, uint64_t b) {
  uint64_t r;
  if (__builtin_add_overflow(a, b, &r)) return std::nullopt;
  return r;
}

/// a * b, or nullopt on unsigned overflow.
inline std::optional<uint64_t> CheckedMul(uint64_t a, uint64_t b) {
  uint64_t r;
  if (__builtin_mul_overflow(a, b, &r)) return std::nullopt;
  return r;
}

/// True when [off, off+len) lies inside [0, size). Written so that it cannot
/// overflow: `off > size || len > size - off` is the rejecting form.
inline bool InBounds(uint64_t off, uint64_t len, uint64_t size) {
  return off <= size && len <= size - off;
}

}  // namespace exray
