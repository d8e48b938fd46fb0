// libFuzzer target for the "#!" parser: bytes in memory, invariants checked.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "formats/script/shebang.h"

#include "fuzz_check.h"

namespace {

bool OneLine(const std::string& s) { return s.find('\n') == std::string::npos; }
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using exray::script::kMaxShebangLine;
  auto sb = exray::script::ParseShebang(exray::ByteView(data, size));
  const bool is_script = size >= 2 && data[0] == '#' && data[1] == '!';
  FUZZ_CHECK(sb.has_value() == is_script, "parsed exactly when the bytes start with #!");
  if (!sb) return 0;
  // Everything comes from the first kMaxShebangLine bytes, on one line.
  FUZZ_CHECK(sb->interpreter.size() + sb->args.size() <= kMaxShebangLine, "line length bounded");
  FUZZ_CHECK(OneLine(sb->interpreter) && OneLine(sb->args) && OneLine(sb->command), "one line");
  FUZZ_CHECK(sb->interpreter.find_first_of(" \t") == std::string::npos, "interpreter is one word");
  FUZZ_CHECK(sb->args.empty() || (sb->args.front() != ' ' && sb->args.front() != '\t'), "args trimmed at the front");
  FUZZ_CHECK(sb->args.empty() || (sb->args.back() != ' ' && sb->args.back() != '\t'), "args trimmed at the back");
  FUZZ_CHECK(sb->command_args.size() <= kMaxShebangLine, "argument count bounded");
  for (const std::string& a : sb->command_args) FUZZ_CHECK(!a.empty() && OneLine(a), "arguments non-empty, one line");
  if (sb->via_env) FUZZ_CHECK(!sb->command.empty(), "env resolves to a command");
  else FUZZ_CHECK(sb->command == sb->interpreter, "without env the command is the interpreter");
  FUZZ_CHECK(!sb->truncated || size > kMaxShebangLine, "truncated only when longer than the kernel reads");
  return 0;
}
