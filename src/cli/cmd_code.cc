// `exray code FILE [--json] [--function NAME|ADDR]`: the machine code as
// evidence (docs/code.md). Exits 1 when the file cannot be read, is not code
// exray decodes, or has no such function.
#include <cerrno>
#include <cstdlib>
#include <ostream>

#include "analysis/code.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "report/code.h"

namespace exray {

int RunCode(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  CLI::App app{"exray code: functions, calling conventions, direct syscalls, executable-memory requests and "
               "dispatch loops, read from the machine code", "exray code"};
  std::string path, function;
  bool json = false;
  app.add_option("file", path, "the binary")->required();
  app.add_flag("--json", json, "print the JSON document (docs/json.md)");
  app.add_option("--function", function, "one function, by name or by an address inside it (0x...), with its listing");
  unsigned jobs = 0;
  app.add_option("-j,--jobs", jobs, "threads decoding the code (default: one per CPU, at most 8)")
      ->check(CLI::Range(1u, code::kMaxThreads));
  if (auto rc = ParseOptions(app, argc, argv, out, err)) return *rc;
  ReadBuffer buffer;
  auto opened = OpenElf(path, &buffer, err);
  if (!opened) return 1;
  std::string why;
  auto ci = MakeCodeInput(opened->elf, &why);
  if (!ci) {
    err << "exray code: " << path << ": " << why << '\n';
    return 1;
  }
  (*ci)->input.threads = jobs;
  code::Result r = code::Analyze((*ci)->input);
  for (const std::string& w : (*ci)->diag.warnings()) r.diag.Warn(w);
  if (function.empty()) {
    if (json) CodeToJson(path, r, (*ci)->fde_source, out);
    else CodeToText(path, r, (*ci)->fde_source, out);
    return 0;
  }
  int64_t idx = -1;
  for (uint32_t i = 0; i < r.functions.size() && idx < 0; ++i)
    if (r.functions[i].name == function || r.NameOf(i) == function) idx = i;
  // A name the file gives to a function known under another (an alias at the same start).
  for (const code::Seed& sd : (*ci)->input.seeds)
    if (idx < 0 && sd.name == function) idx = r.FunctionAt(sd.start);
  if (idx < 0 && function.rfind("0x", 0) == 0) {
    char* end = nullptr;
    errno = 0;
    const uint64_t a = std::strtoull(function.c_str(), &end, 16);
    if (*end == '\0' && errno != ERANGE) idx = r.FunctionAt(a);
  }
  if (idx < 0) {
    err << "exray code: " << path << ": no function " << function << '\n';
    return 1;
  }
  CodeFunctionView v{&r, static_cast<uint32_t>(idx),
                     code::List((*ci)->input, r.functions[idx].start, r.functions[idx].end)};
  if (json) CodeFunctionToJson(path, v, out);
  else CodeFunctionToText(path, v, out);
  return 0;
}

}  // namespace exray
