// `exray check FILE --require LIST`: requirements for CI scripts, each
// judged from the analysis and answered with the evidence it rests on.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "analysis/analyze.h"
#include "support/result.h"

namespace exray {

/// The requirement names; `glibc<=X.Y` and `language=NAME` take a value.
inline constexpr std::string_view kRequirements[] = {"static", "no-interpreter", "no-vm", "no-jit", "pie",
                                                     "relro=full", "nx", "canary", "glibc<=X.Y", "language=NAME"};

struct CheckOutcome {
  std::string requirement;
  bool holds = false;
  std::string why;    // what the file has
  std::string where;  // the evidence: where it was seen
};

/// Judges each requirement; an Error names the first one not understood.
Result<std::vector<CheckOutcome>> CheckRequirements(const Analysis& a, const std::vector<std::string>& reqs);

}  // namespace exray
