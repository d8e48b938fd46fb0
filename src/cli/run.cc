#include "cli/run.h"

#include <ostream>
#include <string_view>
#include <vector>

#include "cli/commands.h"
#include "cli/self_sandbox.h"

namespace exray {

int RunCli(int argc, const char* const* argv, std::ostream& out, std::ostream& err, bool out_is_tty,
           bool self_sandbox) {
  // --no-self-sandbox is taken out of the arguments of every subcommand
  // (but not from a traced program's own, after "--").
  std::vector<const char*> args(argv, argv + argc);
  bool no_self_sandbox = false;
  for (size_t i = 1; i < args.size() && std::string_view(args[i]) != "--";)
    if (std::string_view(args[i]) == "--no-self-sandbox") {
      no_self_sandbox = true;
      args.erase(args.begin() + static_cast<std::ptrdiff_t>(i));
    } else {
      ++i;
    }
  argc = static_cast<int>(args.size());
  argv = args.data();
  // Static analysis reads and prints, nothing else; `exray run` starts a
  // program and has its own sandbox for it.
  const Command* command = argc >= 2 ? FindCommand(argv[1]) : nullptr;
  const bool sandbox = self_sandbox && !no_self_sandbox && (!command || command->self_sandbox);
  if (sandbox && command && command->prepare) command->prepare(argc - 1, argv + 1);
  if (sandbox) {
    const SelfSandbox s = EnterSelfSandbox();
    if (!s.seccomp) err << "exray: warning: the analysis runs without its own sandbox: " << s.detail << '\n';
  }
  // A subcommand by its first word; a file named "go" is given as ./go.
  if (command) return command->run(argc - 1, argv + 1, out, err);
  return RunMainReport(argc, argv, out, err, out_is_tty, sandbox);
}

}  // namespace exray
