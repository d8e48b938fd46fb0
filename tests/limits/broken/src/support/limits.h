// A limits.h with one constant the doc does not list.
#pragma once
#include <cstdint>
namespace exray {
inline constexpr uint64_t kMaxListedCap = 16;
inline constexpr uint64_t kMaxUndocumented = 8;
}  // namespace exray
