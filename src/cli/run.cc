#include "cli/run.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <charconv>
#include <optional>
#include <thread>
#include <ostream>

#include "analysis/analyze.h"
#include "cli/self_sandbox.h"
#include "analysis/check.h"
#include "analysis/code.h"
#include "analysis/elf_facts.h"
#include "formats/elf/address_space.h"
#include "formats/elf/parser.h"
#include "lang/go/buildinfo.h"
#include "lang/go/pclntab.h"
#include "lang/go/version.h"
#include "report/code.h"
#include "report/report.h"
#include "report/run_report.h"
#include "support/limits.h"
#include "support/mapped_file.h"
#include "trace/smaps.h"
#include "trace/tracer.h"
#include "trace/verdict.h"

#include <sys/stat.h>
#include <unistd.h>

namespace exray {

namespace {

struct FileReport {
  std::string output, error;
};

/// Why a file could not be opened, without the path MappedFile puts first.
std::string FileErrorReason(const std::string& path, const std::string& message) {
  const std::string prefix = path + ": ";
  return message.rfind(prefix, 0) == 0 ? message.substr(prefix.size()) : message;
}

/// Runs work(i) for i in [0, n) on `jobs` threads, the calling one among
/// them, and hands each result to emit(i, result) on the calling thread in
/// index order. Work runs at most kReportWindow items ahead of the output, so
/// memory stays bounded. The calling thread works whenever the next result
/// is not ready, and sleeps only when there is nothing left to take: one
/// thread fewer to schedule, and few wake-ups (a wake-up costs as much as a
/// small file's report).
void ForEachInOrder(size_t n, unsigned jobs, const std::function<FileReport(size_t)>& work,
                    const std::function<void(size_t, FileReport)>& emit) {
  if (jobs <= 1 || n <= 1) {
    for (size_t i = 0; i < n; ++i) emit(i, work(i));
    return;
  }
  std::mutex mu;
  std::condition_variable main_cv, workers_cv;
  std::vector<std::optional<FileReport>> slots(kReportWindow);
  size_t next = 0, emitted = 0;
  bool main_waits = false;
  unsigned workers_wait = 0;
  // Under mu: whether item next may be taken now.
  auto can_take = [&] { return next < n && next < emitted + kReportWindow; };
  auto store = [&](size_t i, FileReport r) {
    std::lock_guard lock(mu);
    slots[i % kReportWindow] = std::move(r);
    if (main_waits && i == emitted) main_cv.notify_one();
  };
  auto worker = [&] {
    for (;;) {
      size_t i;
      {
        std::unique_lock lock(mu);
        if (!can_take() && next < n) {
          ++workers_wait;
          workers_cv.wait(lock, [&] { return next >= n || can_take(); });
          --workers_wait;
        }
        if (next >= n) return;
        i = next++;
      }
      store(i, work(i));
    }
  };
  std::vector<std::thread> threads;
  for (unsigned t = 1; t < std::min<size_t>(jobs, n); ++t) threads.emplace_back(worker);
  while (emitted < n) {
    std::unique_lock lock(mu);
    if (std::optional<FileReport>& slot = slots[emitted % kReportWindow]; slot) {
      FileReport r = std::move(*slot);
      slot.reset();
      const size_t i = emitted++;
      if (workers_wait) workers_cv.notify_all();
      lock.unlock();
      emit(i, std::move(r));
    } else if (can_take()) {
      const size_t i = next++;
      lock.unlock();
      store(i, work(i));
    } else {
      main_waits = true;
      main_cv.wait(lock, [&] { return slots[emitted % kReportWindow].has_value(); });
      main_waits = false;
    }
  }
  for (std::thread& t : threads) t.join();
}

constexpr std::string_view kChangedWhileRead = "the file changed while it was read (it became shorter)";

// A file opened and analysed as `exray FILE` does; the mapping lives as
// long as the analysis, whose views point into it.
struct OpenedAnalysis {
  ReadBuffer buffer;
  std::unique_ptr<MappedFile> file;
  Analysis analysis;
};

/// Opens and analyses path; on failure prints why to err and returns null.
std::unique_ptr<OpenedAnalysis> OpenAndAnalyze(const std::string& path, std::ostream& err) {
  auto o = std::make_unique<OpenedAnalysis>();
  auto file_or = MappedFile::Open(path, &o->buffer);
  if (!file_or) {
    err << "exray: " << file_or.error().message << '\n';
    return nullptr;
  }
  o->file = std::move(*file_or);
  AnalyzeOptions ao;
  ao.source = o->file.get();
  auto a_or = Analyze(path, o->file->view(), ao);
  if (!a_or) {
    err << "exray: " << path << ": " << a_or.error().message << '\n';
    return nullptr;
  }
  if (o->file->changed()) {
    err << "exray: " << path << ": " << kChangedWhileRead << '\n';
    return nullptr;
  }
  o->analysis = std::move(*a_or);
  return o;
}

/// An ELF file opened for a subcommand that needs only its model (`exray go`,
/// `exray rust`): the mapping stays alive beside the views into it.
struct OpenedElf {
  std::unique_ptr<MappedFile> file;
  elf::File elf;
};

/// Opens and parses path as ELF; on failure prints why to err and returns nullopt.
std::optional<OpenedElf> OpenElf(const std::string& path, ReadBuffer* buffer, std::ostream& err) {
  auto file_or = MappedFile::Open(path, buffer);
  if (!file_or) {
    err << "exray: " << file_or.error().message << '\n';
    return std::nullopt;
  }
  const MappedFile& mf = **file_or;
  mf.Ensure(0, 64);  // enough for the ELF identification
  if (!elf::IsElf(mf.view())) {
    err << "exray: " << path << ": format not supported yet\n";
    return std::nullopt;
  }
  elf::ParseOptions po;
  po.source = &mf;
  auto elf_or = elf::Parse(mf.view(), po);
  if (!elf_or) {
    err << "exray: " << path << ": " << elf_or.error().message << '\n';
    return std::nullopt;
  }
  return OpenedElf{std::move(*file_or), std::move(*elf_or)};
}

// `exray go FILE [--json]`: the Go build info, as `go version -m` shows it.
int RunGo(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  CLI::App app{"exray go: the Go version, modules and build settings of a Go binary (like `go version -m`)", "exray go"};
  std::vector<std::string> paths;
  bool json = false;
  app.add_option("files", paths, "the Go binaries (one with --functions, --files, --packages or --pc)")->required();
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
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e, out, err);
    return code == 0 ? 0 : 2;
  }
  const bool listing = report.functions || report.files || packages || !pcs.empty();
  if (listing && paths.size() > 1) {
    err << "exray go: --functions, --files, --packages and --pc take one file\n";
    return 2;
  }
  // Several files: build info for each, like `go version -m`; JSON one object per line.
  const int bi_indent = paths.size() > 1 ? -1 : 2;
  ReadBuffer buffer;
  auto one = [&](const std::string& path) -> int {
    auto opened = OpenElf(path, &buffer, err);
    if (!opened) return 1;
    const elf::File& elf_file = opened->elf;
    for (const std::string& p : pcs) {
      char* end = nullptr;
      errno = 0;
      uint64_t v = std::strtoull(p.c_str(), &end, 0);
      if (p.empty() || *end != '\0' || errno == ERANGE) {
        err << "exray go: --pc " << p << ": not an address\n";
        return 2;
      }
      report.pcs.push_back(v);
    }
    elf::ElfAddressSpace as(elf_file);
    Diagnostics diag;
    auto bi = go::ReadBuildInfo(as, &diag);
    if (bi && !bi->ok()) diag.Warn(bi->error().message);
    const bool have_bi = bi && bi->ok();
    const bool want_pcln = report.functions || report.files || packages || !report.pcs.empty();
    // pclntab is read when asked for, or to tell a Go binary without build info (esbuild) from a non-Go one.
    std::optional<Result<go::Pclntab>> pcln;
    if (want_pcln || !have_bi) pcln = go::ReadPclntab(as, diag);
    const bool have_pcln = pcln && pcln->ok();
    if (!have_bi && !have_pcln) {
      // gccgo writes neither: say so when the file is gccgo's.
      Analysis ga;
      AnalyzeGccgo(elf_file, &ga);
      if (ga.go) {
        out << path << ": " << (ga.go->version.empty() ? "Go version unknown" : ga.go->version) << " (gccgo"
            << (ga.go->version_from.empty() ? "" : ", from " + ga.go->version_from)
            << "; gccgo writes no build info or pclntab)\n";
        for (const Evidence& e : ga.evidence) out << "\t" << e.where << ": " << e.detail << "\n";
        return 0;
      }
      err << "exray: " << path << ": not a Go binary (no build info or pclntab found)\n";
      return 1;
    }
    // Without build info, the version the runtime keeps, checked against the layout.
    std::optional<go::RuntimeVersion> rv;
    if (!have_bi) {
      rv = go::FindRuntimeVersion(as, go::LayoutHints(as, go::PclnMagic((*pcln)->header().version)), diag);
    }
    for (const std::string& w : diag.warnings()) err << "exray: " << path << ": warning: " << w << '\n';
    if (have_bi && !want_pcln) {
      out << (json ? GoToJson(path, **bi, bi_indent) + "\n" : GoToText(path, **bi));
      return 0;
    }
    report.path = path;
    report.build_info = have_bi ? &**bi : nullptr;
    report.pclntab = have_pcln ? &**pcln : nullptr;
    report.as = &as;
    report.runtime_version = rv ? &*rv : nullptr;
    std::optional<go::CodeSizes> sizes;
    if (packages && have_pcln) sizes = go::MeasureCode(**pcln, have_bi ? &**bi : nullptr);
    report.sizes = sizes ? &*sizes : nullptr;
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

// `exray rust FILE... [--json]`: the rustc release and the crates of a Rust
// binary, one crate per line (or {path, rust} as JSON, one object per line
// for several files). Exits 1 for a file that shows no sign of Rust.
int RunRust(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  CLI::App app{"exray rust: the rustc version and crate list of a Rust binary", "exray rust"};
  std::vector<std::string> paths;
  bool json = false;
  app.add_option("files", paths, "the Rust binaries")->required();
  app.add_flag("--json", json, "print {path, rust} as JSON");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e, out, err);
    return code == 0 ? 0 : 2;
  }
  const int indent = paths.size() > 1 ? -1 : 2;
  ReadBuffer buffer;
  auto one = [&](const std::string& path) -> int {
    auto opened = OpenElf(path, &buffer, err);
    if (!opened) return 1;
    const elf::File& elf_file = opened->elf;
    Analysis a;
    AnalyzeRust(elf_file, &a, /*search_always=*/true);
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

// `exray code FILE [--json] [--function NAME|ADDR]`: the machine code as
// evidence (docs/code.md). Exits 1 when the file cannot be read, is not code
// exray decodes, or has no such function.
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
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e, out, err);
    return code == 0 ? 0 : 2;
  }
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

// `exray check FILE --require LIST`: 0 when every requirement holds, 3 with
// one line per failed one naming its evidence, 2 on usage errors, 1 when the
// file cannot be read.
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
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e, out, err);
    return code == 0 ? 0 : 2;
  }
  auto opened = OpenAndAnalyze(path, err);
  if (!opened) return 1;
  // The machine code answers no-jit, no-vm and no-interpreter too (a dispatch
  // loop, a PROT_EXEC request); it is read only when one of them is asked.
  for (const std::string& r : reqs)
    if (r == "no-jit" || r == "no-vm" || r == "no-interpreter") {
      AnalyzeCode(&opened->analysis);
      break;
    }
  const Analysis& analysis = opened->analysis;
  auto results = CheckRequirements(analysis, reqs);
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


constexpr const char* kNoSandboxWarning =
    "exray run: --no-sandbox: FILE runs unconfined under the tracer: it can read and write your files, use the "
    "network and see your processes; only the tracer's own denials (ptrace, namespaces, mounts, signals outside "
    "the run) still hold\n";

/// "512M", "2G", "1048576": bytes.
std::optional<uint64_t> ParseSize(std::string_view s) {
  if (s.empty()) return std::nullopt;
  uint64_t mult = 1;
  switch (s.back()) {
    case 'k': case 'K': mult = 1ull << 10; break;
    case 'm': case 'M': mult = 1ull << 20; break;
    case 'g': case 'G': mult = 1ull << 30; break;
    default: break;
  }
  if (mult != 1) s.remove_suffix(1);
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v == 0 || v > (1ull << 50) / mult) return std::nullopt;
  return v * mult;
}

/// FILE as execve needs it: as given when it names a path, else found on PATH.
std::string ResolveProgram(const std::string& file) {
  if (file.find('/') != std::string::npos) return file;
  if (access(file.c_str(), X_OK) == 0) return "./" + file;
  const char* path = std::getenv("PATH");
  std::string_view list = path ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t b = 0;
  while (b <= list.size()) {
    size_t e = list.find(':', b);
    if (e == std::string_view::npos) e = list.size();
    std::string cand = std::string(list.substr(b, e - b)) + "/" + file;
    struct stat st{};
    if (e > b && stat(cand.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(cand.c_str(), X_OK) == 0) return cand;
    b = e + 1;
  }
  return file;
}

// `exray run FILE [--json] [--timeout S] [--no-sandbox] -- ARGS...`: one
// traced run, compared with the static analysis. 0 when the run was observed
// (whatever the program's own exit status), 1 when it could not be made (no
// user namespaces, the sandbox could not be built, ptrace refused), 2 on
// usage errors.
int RunRun(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  // Everything after the first "--" goes to the program untouched.
  std::vector<const char*> own;
  std::vector<std::string> args;
  bool rest = false;
  for (int i = 0; i < argc; ++i) {
    if (!rest && i > 0 && std::string_view(argv[i]) == "--") {
      rest = true;
      continue;
    }
    if (rest) args.emplace_back(argv[i]);
    else own.push_back(argv[i]);
  }
  CLI::App app{"exray run: run a program once under a tracer and check the static verdict against what it did",
               "exray run"};
  std::string file, memory, stdin_path;
  std::vector<std::string> env;
  bool json = false, no_sandbox = false;
  double timeout = 10;
  app.add_option("file", file, "the program to run")->required();
  app.add_flag("--json", json, "print the exray-run JSON document (docs/json.md)");
  app.add_option("--timeout", timeout, "wall-clock limit in seconds; the whole process tree is killed after it")
      ->check(CLI::Range(0.01, 86400.0));
  app.add_option("--memory", memory,
                 "limit on the program's memory, shared memory and tmpfs included (a memory cgroup where one can be "
                 "made, RLIMIT_DATA and tmpfs sizes always), e.g. 512M or 2G; default half of this machine's memory");
  app.add_option("--stdin", stdin_path, "a file to give the program as stdin (default /dev/null)")
      ->check(CLI::ExistingFile);
  app.add_option("--env", env,
                 "NAME=VALUE to add to the clean environment, or NAME to pass exray's own value (repeatable)");
  std::vector<std::string> expose;
  app.add_option("--expose", expose, "a host path to show in the sandbox, read-only, at the same place (repeatable)");
  app.add_flag("--no-sandbox", no_sandbox,
               "run unconfined under the tracer, for hosts that block user namespaces (the program can read and "
               "write your files and use the network)");
  bool fail_on_refuted = false;
  app.add_flag("--fail-on-refuted", fail_on_refuted,
               "exit 3 when the run refutes a static claim (for CI: a JIT, a run-time load or threads the file's "
               "structure said it would not have)");
  app.footer("Arguments for the program follow --: exray run ./a.out --timeout 5 -- -v input.txt");
  try {
    app.parse(static_cast<int>(own.size()), own.data());
  } catch (const CLI::ExtrasError& e) {
    // `exray run prog arg`: the program's arguments belong after --.
    err << "exray run: " << e.what() << "\n"
        << "the program's own arguments go after --: exray run FILE [OPTIONS] -- ARGS...\n";
    return 2;
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e, out, err);
    return code == 0 ? 0 : 2;
  }
  std::optional<uint64_t> memory_bytes;
  if (!memory.empty() && !(memory_bytes = ParseSize(memory))) {
    err << "exray run: --memory " << memory << ": not a size (e.g. 512M, 2G)\n";
    return 2;
  }
  for (std::string& e : env) {
    if (e.find('=') != std::string::npos) continue;
    const char* v = std::getenv(e.c_str());
    if (!v) {
      err << "exray run: --env " << e << ": not set in exray's environment (give NAME=VALUE)\n";
      return 2;
    }
    e += "=" + std::string(v);
  }
  if (no_sandbox) err << kNoSandboxWarning;
  const std::string path = ResolveProgram(file);
  auto opened = OpenAndAnalyze(path, err);
  if (!opened) return 1;
  const Analysis& analysis = opened->analysis;
  trace::TraceOptions to;
  to.path = path;
  to.argv.push_back(file);
  to.argv.insert(to.argv.end(), args.begin(), args.end());
  to.timeout_seconds = timeout;
  to.stdin_path = stdin_path;
  to.env = env;
  to.sandbox.enabled = !no_sandbox;
  // By default half of this machine's memory: one process that allocates
  // without end gets ENOMEM before the host runs out.
  const uint64_t half_ram = static_cast<uint64_t>(sysconf(_SC_PHYS_PAGES)) * static_cast<uint64_t>(sysconf(_SC_PAGESIZE)) / 2;
  to.sandbox.memory_bytes = memory_bytes.value_or(half_ram);
  if (!no_sandbox) to.sandbox.expose = trace::HiddenPathsToExpose(path, args);
  to.sandbox.expose.insert(to.sandbox.expose.end(), expose.begin(), expose.end());
  auto obs_or = trace::Trace(to);
  if (!obs_or) {
    err << "exray run: " << obs_or.error().message << '\n';
    return 1;
  }
  trace::Observation& obs = *obs_or;
  trace::Expected expected = trace::ComputeExpected(analysis, obs.program_real);
  trace::ClassifyAll(&obs, expected);
  if (obs.memory_snapshot) {
    trace::GroupingInput gi;
    gi.program = obs.program_real;
    gi.stack_pointers = obs.thread_stack_pointers;
    gi.go = expected.go;
    obs.memory = trace::GroupMemory(obs.vmas, gi);
  }
  RunReport rr;
  rr.analysis = &analysis;
  rr.obs = &obs;
  rr.expected = &expected;
  rr.claims = trace::CompareWithStatic(analysis, obs, &expected);
  rr.timeout_seconds = timeout;
  // On a terminal the report starts from a clean state: nothing the program
  // printed can hide or recolour it (its output is escaped as well).
  if (!json && isatty(STDOUT_FILENO)) out << "\033[0m";
  out << (json ? RunToJson(rr, 2) + "\n" : RunToText(rr));
  out.flush();
  // A sandbox that could not be built is exray's failure, not the program's.
  if (!obs.started && obs.start_error.rfind("sandbox: ", 0) == 0) {
    err << "exray run: " << obs.start_error << " (--no-sandbox runs without it)\n";
    return 1;
  }
  if (fail_on_refuted) {
    int refuted = 0;
    for (const trace::Claim& c : rr.claims)
      if (c.status == "refuted") {
        err << "exray run: " << c.name << " refuted: the file says " << c.static_says << ", the run saw " << c.observed
            << "\n";
        ++refuted;
      }
    if (refuted) return 3;
  }
  return 0;
}

}  // namespace

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
  const bool sandbox = self_sandbox && !no_self_sandbox && !(argc >= 2 && std::string_view(argv[1]) == "run");
  if (sandbox) {
    const SelfSandbox s = EnterSelfSandbox();
    if (!s.seccomp) err << "exray: warning: the analysis runs without its own sandbox: " << s.detail << '\n';
  }
  // A subcommand by its first word; a file named "go" is given as ./go.
  if (argc >= 2 && std::string_view(argv[1]) == "go") return RunGo(argc - 1, argv + 1, out, err);
  if (argc >= 2 && std::string_view(argv[1]) == "check") return RunCheck(argc - 1, argv + 1, out, err);
  if (argc >= 2 && std::string_view(argv[1]) == "rust") return RunRust(argc - 1, argv + 1, out, err);
  if (argc >= 2 && std::string_view(argv[1]) == "run") return RunRun(argc - 1, argv + 1, out, err);
  if (argc >= 2 && std::string_view(argv[1]) == "code") return RunCode(argc - 1, argv + 1, out, err);
  CLI::App app{"exray: what a compiled program is made of and what it needs, with evidence"};
  app.set_version_flag("--version", "exray 0.1.0");
  app.footer("Subcommands:\n  exray go FILE... [--json]   Go version, modules and build settings (like `go version -m`)\n"
             "  exray rust FILE... [--json] rustc version and crate list of a Rust binary\n"
             "  exray check FILE --require LIST   exit 3 unless every requirement holds\n"
             "  exray code FILE [--json] [--function NAME|ADDR]   functions, conventions, syscalls, dispatch loops\n"
             "  exray run FILE [--json] [--timeout S] -- ARGS   one sandboxed, traced run, checked against the verdict\n"
             "  a file named go, rust, check, run or code is given as ./go, ./rust, ./check, ./run, ./code");
  std::vector<std::string> files;
  bool json = false, hash = false;
  ReportOptions ro;
  std::string color = "auto";
  app.add_option("files", files, "files to analyse")->required();
  app.add_flag("--json", json, "print the JSON document (one object per line for several files)");
  bool jsonl = false;
  app.add_flag("--jsonl", jsonl, "JSON Lines: one compact object per line, however many files (for line-based tools)");
  app.add_flag("--hash", hash, "compute the SHA-256 of each file (reads every byte)");
  app.add_flag("--sections", ro.sections, "list section headers");
  app.add_flag("--segments", ro.segments, "list program headers");
  app.add_flag("--symbols", ro.symbols, "list .dynsym and .symtab entries");
  app.add_flag("--dynamic", ro.dynamic, "list the dynamic table and version needs");
  app.add_flag("--notes", ro.notes, "list notes");
  bool with_code = false;
  app.add_flag("--code", with_code,
               "read the machine code too: direct syscalls, conventions, exec-memory requests and dispatch loops join "
               "the verdict (decodes all of the text; see exray code)");
  bool no_identify = false;
  app.add_flag("--no-identify", no_identify, "skip the toolchain and execution verdicts (to measure their cost)")
      ->group("");  // hidden: for bench/run.sh
  bool unused_no_sandbox = false;  // taken out of the arguments above; listed here for --help
  app.add_flag("--no-self-sandbox", unused_no_sandbox,
               "analyse without exray's own sandbox (for debugging; see docs/sandbox.md), in any subcommand");
  bool sandbox_probe = false;
  app.add_flag("--sandbox-probe", sandbox_probe,
               "try, from inside the analysis, to write, connect, exec, ptrace and map executable memory, and say "
               "what was refused (stderr)")
      ->group("");  // hidden: for the sandbox's test
  int jobs = 0;
  app.add_option("-j,--jobs", jobs, "files analysed in parallel (default: one per CPU, at most 8)")->check(CLI::Range(1, 64));
  app.add_option("--color", color, "auto, always or never")->check(CLI::IsMember({"auto", "always", "never"}));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e, out, err);  // prints help, version or the error
    return code == 0 ? 0 : 2;
  }
  const char* no_color = std::getenv("NO_COLOR");
  ro.color = color == "always" || (color == "auto" && out_is_tty && !(no_color && *no_color));

  AnalyzeOptions ao;
  ao.hash = hash;
  ao.symbol_list = ro.symbols;
  ao.identify = !no_identify;
  json = json || jsonl;
  const int indent = files.size() == 1 && !jsonl ? 2 : -1;
  // One file's report, or its one-line error. Pure, so files can be done in parallel.
  std::once_flag probed;
  std::string probe;  // written once by whichever worker comes first, read after all are done
  auto report = [&](const std::string& path) -> FileReport {
    if (sandbox_probe) std::call_once(probed, [&] { probe = ProbeSelfSandbox(sandbox); });
    thread_local ReadBuffer buffer;  // one per worker, reused file after file
    // A file that cannot be read still gets a record in JSON, so that a
    // consumer sees every path it asked for.
    auto failed = [&](const std::string& message, const std::string& why) -> FileReport {
      return {json ? ErrorToJson(path, why, indent) + "\n" : "", "exray: " + message + "\n"};
    };
    auto file_or = MappedFile::Open(path, &buffer);
    if (!file_or) return failed(file_or.error().message, FileErrorReason(path, file_or.error().message));
    AnalyzeOptions opts = ao;
    opts.source = file_or->get();
    auto a_or = Analyze(path, (*file_or)->view(), opts);
    if (!a_or) return failed(path + ": " + a_or.error().message, a_or.error().message);
    if (with_code && !no_identify) AnalyzeCode(&*a_or);
    // Truncated or rewritten while read: what was read past its new end is
    // zeros, so the report would describe no file that ever existed.
    if ((*file_or)->changed()) return failed(path + ": " + std::string(kChangedWhileRead), std::string(kChangedWhileRead));
    return {json ? ToJson(*a_or, ro, indent) + "\n" : ToText(*a_or, ro), ""};
  };
  unsigned n_jobs = jobs > 0 ? static_cast<unsigned>(jobs) : std::clamp(std::thread::hardware_concurrency(), 1u, 8u);
  int rc = 0;
  bool first = true;
  // Reports go out in blocks of about kOutputBlock bytes, not one write per
  // file; on a terminal, or when an error is said, at once.
  constexpr size_t kOutputBlock = 64 << 10;
  std::string pending;
  auto flush = [&] {
    out << pending;
    pending.clear();
  };
  ForEachInOrder(files.size(), n_jobs, [&](size_t i) { return report(files[i]); },
                 [&](size_t, FileReport r) {
                   if (!r.error.empty()) {
                     flush();
                     err << r.error;
                     rc = 1;
                     out << r.output;  // the error record, in JSON
                     return;
                   }
                   if (!json && !first) pending += '\n';
                   first = false;
                   pending += r.output;
                   if (out_is_tty || pending.size() >= kOutputBlock) flush();
                 });
  flush();
  err << probe;
  return rc;
}

}  // namespace exray
