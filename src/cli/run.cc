#include "cli/run.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdlib>
#include <ostream>

#include "analysis/analyze.h"
#include "report/report.h"
#include "support/mapped_file.h"

namespace exray {

int RunCli(int argc, const char* const* argv, std::ostream& out, std::ostream& err, bool out_is_tty) {
  CLI::App app{"exray: what a compiled program is made of and what it needs, with evidence"};
  app.set_version_flag("--version", "exray 0.1.0");
  std::vector<std::string> files;
  bool json = false, hash = false;
  ReportOptions ro;
  std::string color = "auto";
  app.add_option("files", files, "files to analyse")->required();
  app.add_flag("--json", json, "print the JSON document (one object per line for several files)");
  app.add_flag("--hash", hash, "compute the SHA-256 of each file (reads every byte)");
  app.add_flag("--sections", ro.sections, "list section headers");
  app.add_flag("--segments", ro.segments, "list program headers");
  app.add_flag("--symbols", ro.symbols, "list .dynsym and .symtab entries");
  app.add_flag("--dynamic", ro.dynamic, "list the dynamic table and version needs");
  app.add_flag("--notes", ro.notes, "list notes");
  app.add_option("--color", color, "auto, always or never")->check(CLI::IsMember({"auto", "always", "never"}));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e, out, err);  // prints help, version or the error
    return code == 0 ? 0 : 2;
  }
  const char* no_color = std::getenv("NO_COLOR");
  ro.color = color == "always" || (color == "auto" && out_is_tty && !(no_color && *no_color));

  int rc = 0;
  bool pretty = files.size() == 1;
  for (size_t i = 0; i < files.size(); ++i) {
    const std::string& path = files[i];
    auto file_or = MappedFile::Open(path);
    if (!file_or) {
      err << "exray: " << file_or.error().message << '\n';
      rc = 1;
      continue;
    }
    AnalyzeOptions ao;
    ao.hash = hash;
    ao.symbol_list = ro.symbols;
    auto a_or = Analyze(path, (*file_or)->view(), ao);
    if (!a_or) {
      err << "exray: " << path << ": " << a_or.error().message << '\n';
      rc = 1;
      continue;
    }
    if (json) {
      out << ToJson(*a_or, ro, pretty ? 2 : -1) << '\n';
    } else {
      if (i) out << '\n';
      out << ToText(*a_or, ro);
    }
  }
  return rc;
}

}  // namespace exray
