// The subcommands, as a table: a new one is a file with its entry function
// and a row in Commands() (cli/commands.cc); the main help lists the table.
#pragma once

#include <iosfwd>
#include <span>
#include <string_view>

namespace exray {

using CommandEntry = int (*)(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

struct Command {
  std::string_view name;   // the first word: `exray NAME ...`
  std::string_view usage;  // its synopsis, for the main help
  std::string_view summary;
  CommandEntry run;        // argv[0] is the name
  bool self_sandbox;       // static analysis: runs in exray's own sandbox
  // Called before the sandbox with the same arguments as run, to open what
  // the sandbox would refuse (exray go --pid: another process's /proc files).
  void (*prepare)(int argc, const char* const* argv) = nullptr;
};

/// Every subcommand, in the order the help lists them.
std::span<const Command> Commands();
/// The subcommand named name, or null.
const Command* FindCommand(std::string_view name);

/// `exray FILE...`: the main report (cli/report.cc).
int RunMainReport(int argc, const char* const* argv, std::ostream& out, std::ostream& err, bool out_is_tty,
              bool sandboxed);
// One per file of cli/: cmd_go.cc, cmd_rust.cc, cmd_check.cc, cmd_code.cc, cmd_run.cc.
int RunGo(int argc, const char* const* argv, std::ostream& out, std::ostream& err);
/// Opens /proc/PID's files for `exray go --pid PID` before the sandbox.
void PrepareGo(int argc, const char* const* argv);
int RunRust(int argc, const char* const* argv, std::ostream& out, std::ostream& err);
int RunCheck(int argc, const char* const* argv, std::ostream& out, std::ostream& err);
int RunCode(int argc, const char* const* argv, std::ostream& out, std::ostream& err);
int RunRun(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

}  // namespace exray
