#include "cli/commands.h"

#include <iterator>

namespace exray {

namespace {

constexpr Command kCommands[] = {
    {"go", "exray go FILE... [--json] | exray go [FILE] --pid PID [--json]", "Go version, modules and build settings (like `go version -m`)", RunGo, true,
     PrepareGo},
    {"rust", "exray rust FILE... [--json]", "rustc version and crate list of a Rust binary", RunRust, true},
    {"check", "exray check FILE --require LIST", "exit 3 unless every requirement holds", RunCheck, true},
    {"code", "exray code FILE [--json] [--function NAME|ADDR]", "functions, conventions, syscalls, dispatch loops",
     RunCode, true},
    // Starts the program: the traced program gets a sandbox of its own (trace/sandbox.cc).
    {"run", "exray run FILE [--json] [--timeout S] -- ARGS", "one sandboxed, traced run, checked against the verdict",
     RunRun, false},
};

}  // namespace

std::span<const Command> Commands() { return kCommands; }

const Command* FindCommand(std::string_view name) {
  for (const Command& c : kCommands)
    if (c.name == name) return &c;
  return nullptr;
}

}  // namespace exray
