// Runs the command line in-process for tests: exit status, stdout, stderr.
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "cli/run.h"

namespace exray::testing {

struct CliRun {
  int rc;
  std::string out, err;
};

/// `exray ARGS...`, with stdout not a terminal.
inline CliRun Cli(std::vector<const char*> args) {
  args.insert(args.begin(), "exray");
  std::ostringstream out, err;
  int rc = RunCli(static_cast<int>(args.size()), args.data(), out, err, false);
  return {rc, out.str(), err.str()};
}

}  // namespace exray::testing
