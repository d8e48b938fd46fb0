// Scripts: the "#!" line the kernel reads to choose an interpreter.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "support/byte_view.h"
#include "support/limits.h"

namespace exray::script {

struct Shebang {
  std::string interpreter;           // the path the kernel executes
  std::string args;                  // the rest of the line, passed as one argument (Linux)
  std::string command;               // the program that finally runs: `env`'s operand resolved
  std::vector<std::string> command_args;  // arguments after the resolved command (env -S splits)
  bool via_env = false;
  bool truncated = false;            // the line is longer than the kernel reads
};

/// Parses a "#!" line; nullopt when the bytes do not start with "#!".
std::optional<Shebang> ParseShebang(ByteView bytes);

}  // namespace exray::script
