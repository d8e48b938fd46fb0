// `exray go FILE... [--json]`: the Go build info, as `go version -m` shows
// it; with --functions, --files, --packages or --pc, the pclntab of one file;
// with --listing, a Go assembly listing held against it (cmd_go_listing.cc);
// with --pid, a running Go program read through /proc.
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <ostream>
#include <string_view>

#include <fmt/format.h>

#include "analysis/go_dive.h"
#include "cli/cmd_go_listing.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/go_live_setup.h"
#include "formats/elf/address_space.h"
#include "report/go_live.h"
#include "report/go_runtime.h"
#include "report/go_types.h"
#include "report/report.h"

namespace exray {

namespace {

// --types / --type: the descriptors and itabs; warnings go with them (JSON's
// warnings list, or the text's last lines), not to stderr.
int PrintTypes(const std::string& path, const GoDive& dive, const std::string& type_name, bool json,
               std::ostream& out, std::ostream& err) {
  if (!dive.types || !dive.types->ok()) {
    err << "exray: " << path << ": types: "
        << (dive.types ? dive.types->error().message : std::string("not read")) << '\n';
    return 1;
  }
  std::string version;
  if (dive.build_info_ok()) version = dive.build_info_ok()->version;
  else if (dive.runtime_version) version = dive.runtime_version->version;
  GoTypesReport r{path, version, **dive.types, *dive.moduledata->type_tables, type_name, dive.warnings};
  if (json) GoTypesToJson(r, type_name.empty() ? -1 : 2, out);
  else GoTypesToText(r, out);
  if (!type_name.empty() && FindTypesByName(r.set, type_name).empty()) return 1;
  return 0;
}

// --runtime: the structure layouts and globals; exit 0 also when there is no
// layout (the notes say why).
int PrintRuntime(const std::string& path, const GoDive& dive, bool json, std::ostream& out) {
  std::string version;
  if (dive.build_info_ok()) version = dive.build_info_ok()->version;
  else if (dive.runtime_version) version = dive.runtime_version->version;
  GoRuntimeReport r{path, version, *dive.runtime, dive.warnings};
  if (json) GoRuntimeToJson(r, 2, out);
  else GoRuntimeToText(r, out);
  return 0;
}

// --pid: the running process's goroutines, Ps and Ms; the layout and the
// globals' addresses come from FILE, else the process's own executable.
int PrintLive(int pid, const std::string& file, bool json, std::ostream& out, std::ostream& err) {
  const std::string who = fmt::format("exray go: --pid {}", pid);
  const trace::ProcFiles& pf = trace::OpenProcFiles(pid);
  if (auto e = trace::ProcAccessError(pf)) {
    err << who << ": " << e->message << '\n';
    return 1;
  }
  if (file.empty() && pf.exe_fd < 0) {
    err << who << ": cannot open /proc/" << pid << "/exe (" << std::strerror(pf.exe_errno)
        << "); give the program's file as FILE\n";
    return 1;
  }
  // The executable through this process's own descriptor: opening
  // /proc/PID/exe again would be a ptrace access the sandbox refuses.
  const std::string open_path = file.empty() ? fmt::format("/proc/self/fd/{}", pf.exe_fd) : file;
  const std::string path = file.empty() ? pf.exe_path : file;
  ReadBuffer buffer;
  auto opened = OpenElf(open_path, &buffer, err);
  if (!opened) return 1;
  elf::ElfAddressSpace as(opened->elf);
  auto setup_or = SetUpGoLive(opened->elf, as, path);
  if (!setup_or) {
    err << who << ": " << setup_or.error().message << '\n';
    return 1;
  }
  GoLiveSetup& setup = **setup_or;
  setup.in.pid = pid;
  auto live_or = trace::ReadGoLive(setup.in);
  if (!live_or) {
    err << who << ": " << live_or.error().message << '\n';
    return 1;
  }
  GoLiveReport r{path, setup.version, *setup.dive.runtime, *live_or, setup.dive.warnings};
  if (json) GoLiveToJson(r, 2, out);
  else GoLiveToText(r, out);
  return 0;
}

// The integer after --pid (or in --pid=N), or 0.
int PidArgument(int argc, const char* const* argv) {
  for (int i = 0; i < argc; ++i) {
    const std::string_view a = argv[i];
    const char* v = nullptr;
    if (a == "--pid" && i + 1 < argc) v = argv[i + 1];
    else if (a.substr(0, 6) == "--pid=") v = argv[i] + 6;
    if (!v) continue;
    char* end = nullptr;
    const long pid = std::strtol(v, &end, 10);
    return *v && *end == '\0' && pid > 0 && pid <= INT32_MAX ? static_cast<int>(pid) : 0;
  }
  return 0;
}

}  // namespace

void PrepareGo(int argc, const char* const* argv) {
  if (const int pid = PidArgument(argc, argv)) (void)trace::OpenProcFiles(pid);
}

int RunGo(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  CLI::App app{"exray go: the Go version, modules and build settings of a Go binary (like `go version -m`)", "exray go"};
  std::vector<std::string> paths;
  bool json = false;
  app.add_option("files", paths, "the Go binaries (one with --functions, --files, --packages or --pc)");
  app.add_flag("--json", json, "print {path, go} as JSON");
  GoReport report;
  std::vector<std::string> pcs;
  app.add_flag("--functions", report.functions, "list every function from pclntab: entry, end, name, file:line");
  app.add_flag("--lines", report.lines, "with --functions: the file and line at each function's entry");
  app.add_flag("--files", report.files, "list every source file from pclntab");
  bool packages = false;
  app.add_flag("--packages", packages,
               "code bytes by owner (runtime, stdlib, program, dependencies, ...) and by package");
  app.add_option("--pc", pcs, "addresses (hex with 0x, or decimal) to turn into function, file and line");
  bool types = false;
  std::string type_name;
  app.add_flag("--types", types, "list the type descriptors (named types) and itabs the binary carries");
  app.add_option("--type", type_name, "one type in detail (fields, methods, element types), by reflect's name: main.T");
  bool runtime = false;
  app.add_flag("--runtime", runtime,
               "the runtime's g, m, p, schedt, mspan, mcache, mheap, mstats, gcControllerState and heapStatsDelta layouts (DWARF, else a "
               "table per release) and globals");
  int pid = 0;
  app.add_option("--pid", pid,
                 "a running Go program: goroutines by status, Ps, Ms and threads, read from /proc/PID/mem "
                 "(FILE, if given, is its executable with symbols)")
      ->check([](const std::string& v) {
        char* end = nullptr;
        errno = 0;
        const long n = std::strtol(v.c_str(), &end, 10);
        const bool ok = !v.empty() && *end == '\0' && errno == 0 && n > 0 && n <= INT32_MAX;
        return ok ? std::string() : "not a process id: " + v;
      });
  std::string listing_log;
  app.add_option("--listing", listing_log,
                 "a Go assembly listing (go build -gcflags=-S) to hold against the binary, function by function");
  if (auto rc = ParseOptions(app, argc, argv, out, err)) return *rc;
  if (pid) {
    if (paths.size() > 1 || !listing_log.empty() || !type_name.empty() || types || runtime || packages ||
        report.functions || report.files || !pcs.empty()) {
      err << "exray go: --pid takes at most one file and only --json\n";
      return 2;
    }
    return PrintLive(pid, paths.empty() ? std::string() : paths[0], json, out, err);
  }
  if (paths.empty()) {
    err << "exray go: give a Go binary, or --pid PID\n";
    return 2;
  }
  if (!listing_log.empty()) {
    if (paths.size() > 1) {
      err << "exray go: --listing takes one file\n";
      return 2;
    }
    return RunGoListing(paths[0], listing_log, json, out, err);
  }
  if (!type_name.empty()) types = true;
  const bool listing = report.functions || report.files || packages || !pcs.empty();
  if ((listing || types || runtime) && paths.size() > 1) {
    err << "exray go: --functions, --files, --packages, --pc, --types, --type and --runtime take one file\n";
    return 2;
  }
  if (runtime && (listing || types)) {
    err << "exray go: --runtime goes alone\n";
    return 2;
  }
  if (listing && types) {
    err << "exray go: --types and --type go alone, without --functions, --files, --packages or --pc\n";
    return 2;
  }
  for (const std::string& p : pcs) {
    char* end = nullptr;
    errno = 0;
    const uint64_t v = std::strtoull(p.c_str(), &end, 0);
    if (p.empty() || *end != '\0' || errno == ERANGE) {
      err << "exray go: --pc " << p << ": not an address\n";
      return 2;
    }
    report.pcs.push_back(v);
  }
  // Several files: build info for each, like `go version -m`; JSON one object per line.
  const int bi_indent = paths.size() > 1 ? -1 : 2;
  ReadBuffer buffer;
  auto one = [&](const std::string& path) -> int {
    auto opened = OpenBinary(path, &buffer, err);
    if (!opened) return 1;
    const AddressSpace& as = *opened->as;
    GoDiveOptions opts;
    opts.pclntab = listing;
    opts.sizes = packages;
    opts.types = types;
    opts.type_name = type_name;
    opts.runtime = runtime;
    const GoDive dive = DiveGo(opened->elf.get(), as, opts, opened->goos, opened->goarch);
    if (!dive.build_info_ok() && !dive.pclntab_ok()) {
      if (const std::optional<Analysis>& ga = dive.gccgo) {
        out << path << ": " << (ga->go->version.empty() ? "Go version unknown" : ga->go->version) << " (gccgo"
            << (ga->go->version_from.empty() ? "" : ", from " + ga->go->version_from)
            << "; gccgo writes no build info or pclntab)\n";
        for (const Evidence& e : ga->evidence) out << "\t" << e.where << ": " << e.detail << "\n";
        return 0;
      }
      err << "exray: " << path << ": not a Go binary (no build info or pclntab found)\n";
      return 1;
    }
    if (types) return PrintTypes(path, dive, type_name, json, out, err);
    if (runtime) return PrintRuntime(path, dive, json, out);
    for (const std::string& w : dive.warnings) err << "exray: " << path << ": warning: " << w << '\n';
    if (dive.build_info_ok() && !listing) {
      out << (json ? GoToJson(path, *dive.build_info_ok(), bi_indent) + "\n" : GoToText(path, *dive.build_info_ok()));
      return 0;
    }
    report.path = path;
    report.build_info = dive.build_info_ok();
    report.pclntab = dive.pclntab_ok();
    report.as = &as;
    report.runtime_version = dive.runtime_version ? &*dive.runtime_version : nullptr;
    report.sizes = dive.sizes ? &*dive.sizes : nullptr;
    // The lists run to tens of thousands of entries: compact JSON is a third of the size.
    const int indent = report.functions || report.files ? -1 : 2;
    if (json) GoReportToJson(report, indent, out);
    else GoReportToText(report, out);
    return 0;
  };
  int rc = 0;
  for (const std::string& p : paths) rc = std::max(rc, one(p));
  return rc;
}

}  // namespace exray
