// The exray command as a library call, so tests drive the same entry as main.
#pragma once

#include <iosfwd>

namespace exray {

/// Runs the command line; returns the process exit code (0 ok, 1 an input
/// could not be analysed, 2 usage error). With self_sandbox (the exray
/// program; never a test process, which goes on to other work), static
/// analysis runs in the analyser's own sandbox (cli/self_sandbox.h) unless
/// the command line says --no-self-sandbox.
int RunCli(int argc, const char* const* argv, std::ostream& out, std::ostream& err, bool out_is_tty,
           bool self_sandbox = false);

}  // namespace exray
