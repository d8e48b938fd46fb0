// `exray run FILE [--json] [--timeout S] [--no-sandbox] -- ARGS...`: one
// traced run of the program, compared with the static analysis of its file
// (trace/traced_run.h does the work).
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <optional>
#include <ostream>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/go_live_setup.h"
#include "report/run_report.h"
#include "trace/sandbox.h"
#include "trace/traced_run.h"

namespace exray {

namespace {

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

}  // namespace

// 0 when the run was observed
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
  // A Go program: its runtime is read at exit too, when its layout and
  // symbols allow (else the report says why).
  std::unique_ptr<GoLiveSetup> go_live;
  std::string go_live_error;
  std::optional<elf::ElfAddressSpace> go_as;  // outlives the setup, which reads through it
  if (analysis.go && analysis.elf) {
    go_as.emplace(*analysis.elf);
    auto setup_or = SetUpGoLive(*analysis.elf, *go_as, path);
    if (setup_or) {
      go_live = std::move(*setup_or);
      to.go_live = &go_live->in;
    } else {
      go_live_error = setup_or.error().message;
    }
  }
  auto run_or = trace::TraceAndCompare(analysis, to);
  if (!run_or) {
    err << "exray run: " << run_or.error().message << '\n';
    return 1;
  }
  const trace::Observation& obs = run_or->obs;
  RunReport rr;
  rr.analysis = &analysis;
  rr.obs = &obs;
  rr.expected = &run_or->expected;
  rr.claims = std::move(run_or->claims);
  rr.timeout_seconds = timeout;
  if (go_live) rr.go_layout = go_live->dive.runtime ? &*go_live->dive.runtime : nullptr;
  if (!go_live_error.empty()) rr.go_at_exit_error = go_live_error;
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

}  // namespace exray
