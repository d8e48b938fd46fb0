// Views of one `exray run`: the text report and the "exray-run" JSON document.
#pragma once

#include <string>
#include <vector>

#include "analysis/analyze.h"
#include "lang/go/runtime_layout.h"
#include "trace/model.h"
#include "trace/verdict.h"

namespace exray {

inline constexpr int kRunSchemaVersion = 4;  // 2: sandbox became an object; stdin, threads.peak_run
                                            // 3: the kernel's view of mappings and execs, escape_counts, output
                                            // 4: go_at_exit

/// Everything the run report shows; the observation is already classified.
struct RunReport {
  const Analysis* analysis = nullptr;  // the static analysis of FILE (may be null if it failed)
  const trace::Observation* obs = nullptr;
  const trace::Expected* expected = nullptr;
  std::vector<trace::Claim> claims;
  double timeout_seconds = 0;
  // A Go program: the layout its runtime was read with at exit (null when it
  // was not read), or why it could not be read before the run.
  const go::RuntimeLayout* go_layout = nullptr;
  std::string go_at_exit_error;
};

std::string RunToText(const RunReport& r);
std::string RunToJson(const RunReport& r, int indent = 2);

/// The fixed policy of the tracer, one line each, as the report states it.
std::vector<std::string> TracerPolicy(bool sandboxed);

}  // namespace exray
