// `exray check FILE --require LIST`: 0 when every requirement holds, 3 with
// one line per failed one naming its evidence, 2 on usage errors, 1 when the
// file cannot be read.
#include <ostream>

#include "analysis/check.h"
#include "analysis/code.h"
#include "cli/commands.h"
#include "cli/common.h"

namespace exray {

int RunCheck(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  CLI::App app{"exray check: whether a binary meets requirements, for CI scripts", "exray check"};
  std::string path;
  std::vector<std::string> reqs;
  app.add_option("file", path, "the file to check")->required();
  app.add_option("--require", reqs,
                 "comma-separated requirements: static, no-interpreter, no-vm, no-jit, pie, relro=full, nx, "
                 "canary, glibc<=X.Y, language=NAME")
      ->required()
      ->delimiter(',');
  if (auto rc = ParseOptions(app, argc, argv, out, err)) return *rc;
  auto opened = OpenAndAnalyze(path, err);
  if (!opened) return 1;
  // The machine code answers no-jit, no-vm and no-interpreter too (a dispatch
  // loop, a PROT_EXEC request); it is read only when one of them is asked.
  for (const std::string& r : reqs)
    if (r == "no-jit" || r == "no-vm" || r == "no-interpreter") {
      AnalyzeCode(&opened->analysis);
      break;
    }
  auto results = CheckRequirements(opened->analysis, reqs);
  if (!results) {
    err << "exray check: " << results.error().message << '\n';
    return 2;
  }
  int failed = 0;
  for (const CheckOutcome& o : *results) {
    if (o.holds) continue;
    ++failed;
    out << path << ": " << o.requirement << " fails: " << o.why << " [" << o.where << "]\n";
  }
  if (failed == 0)
    out << path << ": " << (results->size() == 1 ? "the requirement holds" : std::to_string(results->size()) + " requirements hold") << "\n";
  return failed ? 3 : 0;
}

}  // namespace exray
