// `exray FILE...`: the main report of each file, in parallel, in order.
#include <fmt/format.h>

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <optional>
#include <ostream>
#include <thread>

#include "analysis/code.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/self_sandbox.h"
#include "report/report.h"
#include "support/limits.h"

namespace exray {

namespace {

struct FileReport {
  std::string output, error;
};

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

// The subcommands for the main help, from the table.
std::string CommandsHelp() {
  std::string s = "Subcommands:\n";
  size_t width = 0;
  for (const Command& c : Commands()) width = std::max(width, c.usage.size());
  std::string names, dotted;
  const std::span<const Command> all = Commands();
  for (size_t i = 0; i < all.size(); ++i) {
    s += fmt::format("  {:<{}}   {}\n", all[i].usage, width, all[i].summary);
    const char* sep = i == 0 ? "" : i + 1 == all.size() ? " or " : ", ";
    names += sep + std::string(all[i].name);
    dotted += (i == 0 ? "" : ", ") + ("./" + std::string(all[i].name));
  }
  return s + "  a file named " + names + " is given as " + dotted;
}

}  // namespace

int RunMainReport(int argc, const char* const* argv, std::ostream& out, std::ostream& err, bool out_is_tty,
                  bool sandboxed) {
  CLI::App app{"exray: what a compiled program is made of and what it needs, with evidence"};
  app.set_version_flag("--version", "exray 0.1.0");
  app.footer(CommandsHelp());
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
  bool unused_no_sandbox = false;  // RunCli takes it out of the arguments; listed here for --help
  app.add_flag("--no-self-sandbox", unused_no_sandbox,
               "analyse without exray's own sandbox (for debugging; see docs/sandbox.md), in any subcommand");
  bool sandbox_probe = false;
  app.add_flag("--sandbox-probe", sandbox_probe,
               "try, from inside the analysis, to write, connect, exec, ptrace and map executable memory, and say "
               "what was refused (stderr)")
      ->group("");  // hidden: for the sandbox's test
  std::string arch;
  app.add_option("--arch", arch,
                 "a universal Mach-O file: the slice to report first (arm64, x86_64, ...); the others follow");
  int jobs = 0;
  app.add_option("-j,--jobs", jobs, "files analysed in parallel (default: one per CPU, at most 8)")->check(CLI::Range(1, 64));
  app.add_option("--color", color, "auto, always or never")->check(CLI::IsMember({"auto", "always", "never"}));
  if (auto rc = ParseOptions(app, argc, argv, out, err)) return *rc;
  const char* no_color = std::getenv("NO_COLOR");
  ro.color = color == "always" || (color == "auto" && out_is_tty && !(no_color && *no_color));

  AnalyzeOptions ao;
  ao.hash = hash;
  ao.symbol_list = ro.symbols;
  ao.identify = !no_identify;
  ao.arch = arch;
  json = json || jsonl;
  const int indent = files.size() == 1 && !jsonl ? 2 : -1;
  // One file's report, or its one-line error. Pure, so files can be done in parallel.
  std::once_flag probed;
  std::string probe;  // written once by whichever worker comes first, read after all are done
  auto report = [&](const std::string& path) -> FileReport {
    if (sandbox_probe) std::call_once(probed, [&] { probe = ProbeSelfSandbox(sandboxed); });
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
