// A class-static cap that is not an alias of limits.h.
#pragma once
namespace exray {
class Diagnostics {
 public:
  static constexpr unsigned kMaxWarnings = 200;
};
}  // namespace exray
