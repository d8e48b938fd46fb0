// The exray command as a library call, so tests drive the same entry as main.
#pragma once

#include <iosfwd>

namespace exray {

/// Runs the command line; returns the process exit code (0 ok, 1 an input
/// could not be analysed, 2 usage error).
int RunCli(int argc, const char* const* argv, std::ostream& out, std::ostream& err, bool out_is_tty);

}  // namespace exray
