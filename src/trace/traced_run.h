// `exray run`'s work below the command line: one traced run of a program,
// its mappings classified against what the static analysis expects, its
// memory grouped by kind, and the static claims held against it.
#pragma once

#include <vector>

#include "support/result.h"
#include "trace/model.h"
#include "trace/tracer.h"
#include "trace/verdict.h"

namespace exray::trace {

struct TracedRun {
  Observation obs;
  Expected expected;
  std::vector<Claim> claims;
};

/// Runs opts.path once under the tracer (and its sandbox, when enabled),
/// then compares the run with a, the analysis of the same file. An error only
/// when no run could be made; a program that failed to start is a run too.
Result<TracedRun> TraceAndCompare(const Analysis& a, const TraceOptions& opts);

}  // namespace exray::trace
