// `exray rust FILE... [--json]`: the rustc release and the crates of a Rust
// binary, one crate per line (or {path, rust} as JSON, one object per line
// for several files). Exits 1 for a file that shows no sign of Rust.
#include <ostream>

#include "analysis/elf_facts.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "report/report.h"

namespace exray {

int RunRust(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  CLI::App app{"exray rust: the rustc version and crate list of a Rust binary", "exray rust"};
  std::vector<std::string> paths;
  bool json = false;
  app.add_option("files", paths, "the Rust binaries")->required();
  app.add_flag("--json", json, "print {path, rust} as JSON");
  if (auto rc = ParseOptions(app, argc, argv, out, err)) return *rc;
  const int indent = paths.size() > 1 ? -1 : 2;
  ReadBuffer buffer;
  auto one = [&](const std::string& path) -> int {
    auto opened = OpenElf(path, &buffer, err);
    if (!opened) return 1;
    Analysis a;
    AnalyzeRust(opened->elf, &a, /*search_always=*/true);
    for (const std::string& w : a.warnings) err << "exray: " << path << ": warning: " << w << '\n';
    if (!a.rust) {
      err << "exray: " << path
          << ": not a Rust binary (no .dep-v0, no rustc or cargo paths, no Rust runtime or mangled symbols)\n";
      return 1;
    }
    out << (json ? RustToJson(path, *a.rust, indent) + "\n" : RustToText(path, *a.rust));
    return 0;
  };
  int rc = 0;
  for (const std::string& p : paths) rc = std::max(rc, one(p));
  return rc;
}

}  // namespace exray
