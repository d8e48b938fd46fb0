// Warning sink: non-fatal damage found while parsing, deduplicated.
#pragma once

#include <cstddef>
#include <set>
#include <string>
#include <vector>

#include "support/limits.h"

namespace exray {

/// Collects warnings in the order first seen; identical messages are kept once
/// and the total is capped so a crafted file cannot grow it without bound.
class Diagnostics {
 public:
  static constexpr size_t kMaxWarnings = exray::kMaxWarnings;  // support/limits.h

  void Warn(std::string message) {
    if (seen_.count(message)) return;
    if (warnings_.size() >= kMaxWarnings) { ++dropped_; return; }
    seen_.insert(message);
    warnings_.push_back(std::move(message));
  }
  const std::vector<std::string>& warnings() const { return warnings_; }
  size_t dropped() const { return dropped_; }

 private:
  std::vector<std::string> warnings_;
  std::set<std::string> seen_;
  size_t dropped_ = 0;
};

}  // namespace exray
