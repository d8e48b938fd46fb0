// The text and JSON views of an `exray run` (docs/run.md).
#include "report/run_report.h"

#include <signal.h>
#include <string.h>
#include <sys/mman.h>

#include <fmt/format.h>

#include <map>

#include "report/go_live.h"
#include "report/json_writer.h"
#include "trace/go_live.h"
#include "report/safe.h"

namespace exray {

using trace::ExecMapping;
using trace::MapSource;

namespace {

std::string Prot(uint32_t p) {
  std::string s;
  s += p & PROT_READ ? 'r' : '-';
  s += p & PROT_WRITE ? 'w' : '-';
  s += p & PROT_EXEC ? 'x' : '-';
  return s;
}

/// null for an empty string (a field that does not apply).
std::optional<std::string> OrNull(const std::string& s) { return s.empty() ? std::nullopt : std::optional<std::string>(s); }

/// "+12.3 ms": when, since the run began.
std::string Ms(uint64_t us) { return fmt::format("+{:.1f} ms", us / 1000.0); }

std::string Kib(uint64_t kb) {
  if (kb >= 10 * 1024) return fmt::format("{:.1f} MiB", kb / 1024.0);
  return fmt::format("{} KiB", kb);
}

/// How the run ended, one word: exited, signaled, timed-out, killed-tracee-cap,
/// killed-step-cap, not-started.
std::string EndState(const trace::Observation& o) {
  if (o.timed_out) return "timed-out";
  if (o.tracee_cap_hit) return "killed-tracee-cap";
  if (o.step_cap_hit) return "killed-step-cap";
  if (!o.started) return "not-started";
  if (o.term_signal) return "signaled";
  return "exited";
}

struct EscapeCount {
  std::string what, action, detail;
  uint64_t count = 0;
};

std::vector<EscapeCount> CountEscapes(const trace::Observation& o) {
  std::vector<EscapeCount> out;
  std::map<std::string, size_t> idx;
  for (const trace::EscapeAttempt& e : o.escapes) {
    auto [it, fresh] = idx.emplace(e.what + "\t" + e.action, out.size());
    if (fresh) out.push_back({e.what, e.action, e.detail, 0});
    ++out[it->second].count;
  }
  // The kept list is capped; the counts are not.
  for (EscapeCount& e : out)
    if (auto c = o.escape_counts.find(e.what + "\t" + e.action); c != o.escape_counts.end()) e.count = c->second;
  return out;
}

}  // namespace

std::vector<std::string> TracerPolicy(bool sandboxed) {
  return {"clone3 and io_uring_setup fail with ENOSYS (glibc and io_uring users fall back)",
          "ptrace and process_vm_writev fail with EPERM",
          "unshare, setns, clone with namespace flags, mount and the new mount API, bpf, perf_event_open, "
          "userfaultfd, keyrings, kexec and module loading fail with EPERM",
          sandboxed ? "signals stay inside the run: its own PID namespace and Landlock's signal scope; "
                      "signals to PID 1 (exray's init) fail with EPERM"
                    : "kill, tkill, tgkill, rt_sigqueueinfo, rt_tgsigqueueinfo, pidfd_open and pidfd_send_signal fail "
                      "with EPERM unless they name a process or group of the run",
          "clone with CLONE_UNTRACED and seccomp filters with a user-notification listener fail with EPERM",
          "i386 and x32 system calls are classified as the x86-64 calls of the same name and flagged; those "
          "without one (i386 old mmap, ipc) fail with ENOSYS",
          sandboxed ? "other seccomp filters, prctl(PR_SET_SECCOMP) and personality(READ_IMPLIES_EXEC) are allowed "
                      "and flagged; Landlock refuses /proc/*/mem for writing"
                    : "other seccomp filters, prctl(PR_SET_SECCOMP), personality(READ_IMPLIES_EXEC) and /proc/*/mem "
                      "opened for writing are allowed and flagged",
          "the program's stdout and stderr are a pipe that exray copies, escaped, to its own stderr"};
}

namespace {

constexpr size_t kGoWaitReasonsShown = 6;  // the text's one line of wait reasons; JSON has them all

std::string GoError(const RunReport& r) {
  return r.go_at_exit_error.empty() ? r.obs->go_at_exit_error : r.go_at_exit_error;
}

// A Go program's runtime as it stood at exit_group, beside what the tracer
// counted; nothing for other programs.
std::string GoAtExitText(const RunReport& r) {
  const trace::Observation& o = *r.obs;
  const trace::GoLive* g = o.go_at_exit.get();
  const std::string error = GoError(r);
  if (!g && error.empty()) {
    if (!r.go_layout) return "";
    return "\nGo runtime at exit: not read (the program did not reach exit_group)\n";
  }
  if (!g) return fmt::format("\nGo runtime at exit: not read: {}\n", Safe(error));
  std::string s = fmt::format("\nGo runtime at exit (read from /proc/PID/mem at exit_group with {})\n",
                              r.go_layout ? LayoutSourceText(*r.go_layout) : std::string("a layout"));
  s += fmt::format("  goroutines {} (NumGoroutine) · allgs {}", g->goroutines, g->allglen);
  if (g->user_live) s += fmt::format(": {} the program's, {} the runtime's", *g->user_live, g->system_live.value_or(0));
  s += "\n";
  if (!g->waiting.empty()) {
    s += "  waiting:";
    size_t shown = 0;
    for (const trace::GoLiveCount& c : g->waiting) {
      if (shown++ == kGoWaitReasonsShown) {
        s += " ...";
        break;
      }
      s += fmt::format(" {} {},", Safe(c.name), c.count);
    }
    if (s.back() == ',') s.pop_back();
    s += "\n";
  }
  size_t in_task = 0;
  for (const trace::GoLiveM& m : g->ms) in_task += m.in_task;
  s += fmt::format("  GOMAXPROCS {} · Ps {} · Ms {} (allm), {} of them threads alive at exit ({} threads) · the tracer "
                   "saw {} threads started, {} at once at most\n",
                   g->gomaxprocs, g->nprocs, g->ms.size(), in_task, g->threads, o.threads_started, o.peak_threads);
  s += fmt::format("  GC cycles {}", g->gc_cycles ? std::to_string(*g->gc_cycles) : std::string("?"));
  if (const trace::GoMemStats* m = g->memstats ? &*g->memstats : nullptr)
    s += fmt::format(" · HeapAlloc {} · HeapInuse {} · StackInuse {} · Sys {} (mapped; resident: Memory at exit)",
                     Kib(m->HeapAlloc() / 1024), Kib(m->heap_in_use / 1024), Kib(m->stack_in_use / 1024),
                     Kib(m->Sys() / 1024));
  s += "\n";
  for (const std::string& n : g->notes) s += fmt::format("  note: {}\n", Safe(n));
  return s;
}

void GoAtExitToJson(const RunReport& r, JsonWriter& w) {
  const trace::GoLive* g = r.obs->go_at_exit.get();
  const std::string error = GoError(r);
  w.Key("go_at_exit");
  if (!g && error.empty() && !r.go_layout) {
    w.Null();
    return;
  }
  w.BeginObject();
  w.Key("error");
  if (g) w.Null();
  else w.String(error.empty() ? "the program did not reach exit_group" : error);
  if (g) {
    LayoutToJson(r.go_layout ? *r.go_layout : go::RuntimeLayout{}, w);
    GoLiveFieldsToJson(*g, w);
  }
  w.EndObject();
}

}  // namespace

std::string RunToText(const RunReport& r) {
  const trace::Observation& o = *r.obs;
  std::string s;
  std::string argv;
  for (size_t i = 1; i < o.argv.size(); ++i) argv += " " + o.argv[i];
  // Paths, arguments and names below come from the program or the file: Safe().
  s += fmt::format("exray run: {}{}\n", Safe(o.program), Safe(argv));
  const trace::SandboxReport& sb = o.sandbox;
  if (!sb.enabled) {
    s += "  NOT SANDBOXED (--no-sandbox): the program ran unconfined under the tracer, with your files and network\n";
  } else {
    std::string ns;
    for (const std::string& n : sb.namespaces) ns += (ns.empty() ? "" : ", ") + n;
    s += fmt::format("  sandbox: namespaces {} · uid map {} · no capabilities · no_new_privs · set up in {:.1f} ms\n",
                     ns, sb.uid_map, sb.setup_ms);
    for (const std::string& f : sb.filesystem) s += "    fs: " + Safe(f) + "\n";
    s += "    network: loopback only\n";
    if (sb.landlock_abi) s += fmt::format("    Landlock ABI {}: {}\n", sb.landlock_abi, sb.landlock);
    for (const std::string& l : sb.limits) s += "    limit: " + l + "\n";
    for (const std::string& n : sb.notes) s += "    WEAKER: " + Safe(n) + "\n";
  }
  if (!o.stdin_from.empty()) s += fmt::format("  stdin: {}\n", Safe(o.stdin_from));
  std::string env;
  for (const std::string& e : o.env) env += (env.empty() ? "" : " ") + e;
  s += fmt::format("  environment: {} (nothing else passed)\n", Safe(env));
  const std::string end = EndState(o);
  if (end == "exited") s += fmt::format("  exit: status {}", o.exit_code);
  else if (end == "signaled") s += fmt::format("  exit: killed by signal {} ({})", o.term_signal, strsignal(o.term_signal));
  else if (end == "timed-out") s += fmt::format("  exit: TIMED OUT after {:g} s; every process of the run was killed", r.timeout_seconds);
  else if (end == "killed-tracee-cap") s += "  exit: too many threads and processes at once; every process of the run was killed";
  else if (end == "killed-step-cap") s += "  exit: too many tracer stops; every process of the run was killed";
  else s += fmt::format("  exit: did not start: {}", Safe(o.start_error));
  s += fmt::format(" · wall {:.3f} s · user {:.3f} s · sys {:.3f} s · peak RSS {}\n", o.wall_seconds, o.user_seconds,
                   o.sys_seconds, Kib(o.peak_rss_kb));
  s += fmt::format("  traced calls {} · tracer stops {} · program output {} byte(s), on exray's stderr, escaped\n",
                   o.traced_calls, o.stops, o.output_bytes);
  if (o.terminal_restored) s += "  TERMINAL: the program changed your terminal's settings; exray put them back\n";

  s += "\nExecuted\n";
  if (o.execs.empty()) s += "  nothing\n";
  for (const trace::ExecEvent& e : o.execs)
    s += fmt::format("  {:>9} {} {} (argv[0] {}){}{}{}\n", Ms(e.t_us), e.ok ? "exec" : "FAILED exec", Safe(e.path),
                     Safe(e.argv0), e.initial ? " · the run itself" : fmt::format(" · by pid {}", e.pid),
                     e.requested.empty() ? "" : " · asked for " + Safe(e.requested),
                     e.generated ? " · GENERATED (memfd, deleted, /dev/shm or written by the run)" : "");

  s += "\nFiles mapped executable by the program\n";
  auto files = trace::MappedFiles(o);
  if (files.empty()) s += "  none by mmap (the kernel maps the program and its interpreter at exec)\n";
  for (const trace::MappedObject& f : files)
    s += fmt::format("  {:>9} {:<15} {}{}\n", Ms(f.first_us), trace::ToString(f.source), Safe(f.path),
                     f.mappings > 1 ? fmt::format(" ({} mappings)", f.mappings) : "");
  if (!r.expected->unresolved.empty()) {
    std::string u;
    for (const std::string& n : r.expected->unresolved) u += (u.empty() ? "" : ", ") + n;
    s += fmt::format("  (needed but not found on this system: {})\n", Safe(u));
  }

  auto jit = trace::JitMappings(o);
  const uint64_t fileless = trace::FilelessExecs(o);
  s += fmt::format("\nRun-time code (JIT): {}\n", jit.empty() && !fileless ? "none observed"
                                                   : fmt::format("{} event(s)", jit.size() + fileless));
  size_t shown = 0;
  for (const ExecMapping* m : jit) {
    if (shown++ == 20) {
      s += fmt::format("  ... {} more\n", jit.size() - 20);
      break;
    }
    std::string what = m->call == "mmap" || m->call == "shmat"
                           ? fmt::format("{} {}", m->call, Prot(m->prot))
                           : fmt::format("{} {} -> {}", m->call, m->prev_prot.empty() ? "?" : m->prev_prot, Prot(m->prot));
    std::string why;
    if (m->written_pages) why += fmt::format(" · {} page(s) written before", m->written_pages);
    if (m->written_file) why += " · a file the run wrote";
    if (!m->requested.empty()) why += " · the fd was " + Safe(m->requested) + " at the call";
    if (m->image != o.program_real && !m->image.empty()) why += " · in " + Safe(m->image);
    s += fmt::format("  {:>9} {:<28} {:#x} +{:#x} {}{}{}{}\n", Ms(m->t_us), what, m->addr, m->len, trace::ToString(m->source),
                     m->path.empty() ? "" : " " + Safe(m->path), m->writable ? " · RWX" : "", why);
  }
  for (const trace::ExecEvent& e : o.execs)
    if (e.ok && !e.initial && e.generated) s += fmt::format("  exec of generated code {} by pid {}\n", Safe(e.path), e.pid);
  if (o.exec_mappings_dropped) s += fmt::format("  ({} more executable mappings not kept)\n", o.exec_mappings_dropped);

  s += fmt::format("\nThreads and processes\n  threads started {} · peak at once {} in one process (with its main "
                   "thread), {} across the run · processes forked {}\n",
                   o.threads_started, o.peak_threads, o.peak_tree_threads, o.processes_forked);

  s += GoAtExitText(r);

  s += "\nEscape hatches (tracer policy)\n";
  for (const std::string& p : TracerPolicy(sb.enabled)) s += "  " + p + "\n";
  auto escapes = CountEscapes(o);
  if (escapes.empty()) s += "  attempts: none\n";
  for (const EscapeCount& e : escapes)
    s += fmt::format("  attempt: {} {} ×{}{}\n", e.what, e.action, e.count, e.detail.empty() ? "" : " · " + Safe(e.detail));

  s += "\nMemory at exit";
  if (!o.memory_snapshot) {
    s += ": no snapshot (the process did not reach exit_group)\n";
  } else {
    s += " (/proc/PID/smaps at exit_group; RSS / mapped)\n";
    for (const trace::MemoryGroup& g : o.memory)
      if (g.vmas) s += fmt::format("  {:<14} {:>10} / {:>10}  {} VMA(s)\n", g.kind, Kib(g.rss_kb), Kib(g.size_kb), g.vmas);
    if (o.vm_hwm_kb) s += fmt::format("  VmHWM {}\n", Kib(*o.vm_hwm_kb));
  }

  s += "\nStatic claims against this run\n";
  for (const trace::Claim& c : r.claims)
    s += fmt::format("  {:<16} {:<10} static: {}\n  {:<16} {:<10} observed: {}\n", c.name,
                     c.status == "refuted" ? "REFUTED" : c.status == "no static claim" ? "-" : c.status,
                     Safe(c.static_says), "", "", Safe(c.observed));
  return s;
}

std::string RunToJson(const RunReport& r, int indent) {
  const trace::Observation& o = *r.obs;
  JsonWriter w(indent);
  w.BeginObject();
  w.Field("schema_version", kRunSchemaVersion);
  w.Field("document", "exray-run");
  w.Field("path", o.program);
  w.Field("argv", o.argv);
  w.Field("env", o.env);
  w.Field("stdin", OrNull(o.stdin_from));
  const trace::SandboxReport& sb = o.sandbox;
  w.Key("sandbox");
  w.BeginObject();
  w.Field("enabled", sb.enabled);
  w.Field("namespaces", sb.namespaces);
  w.Field("uid_map", sb.enabled ? std::optional<std::string>(sb.uid_map) : std::nullopt);
  w.Field("gid_map", sb.enabled ? std::optional<std::string>(sb.gid_map) : std::nullopt);
  w.Field("filesystem", sb.filesystem);
  w.Key("landlock");
  w.BeginObject();
  w.Field("abi", sb.landlock_abi);
  w.Field("detail", sb.landlock);
  w.EndObject();
  w.Field("limits", sb.limits);
  w.Field("notes", sb.notes);
  w.Field("setup_us", static_cast<uint64_t>(sb.setup_ms * 1000));
  w.EndObject();
  w.Key("exit");
  w.BeginObject();
  w.Field("state", EndState(o));
  if (o.exited && !o.term_signal) w.Field("code", o.exit_code);
  else w.Field("code", nullptr);
  if (o.term_signal) w.Field("signal", o.term_signal);
  else w.Field("signal", nullptr);
  w.Field("start_error", OrNull(o.start_error));
  w.EndObject();
  w.Key("time");
  w.BeginObject();
  w.Field("timeout_ms", static_cast<uint64_t>(r.timeout_seconds * 1000));
  w.Field("wall_ms", static_cast<uint64_t>(o.wall_seconds * 1000));
  w.Field("user_ms", static_cast<uint64_t>(o.user_seconds * 1000));
  w.Field("sys_ms", static_cast<uint64_t>(o.sys_seconds * 1000));
  w.EndObject();
  w.Field("traced_calls", o.traced_calls);
  w.Field("stops", o.stops);
  w.Key("execs");
  w.BeginArray();
  for (const trace::ExecEvent& e : o.execs) {
    w.BeginObject();
    w.Field("path", e.path);
    w.Field("requested", OrNull(e.requested));
    w.Field("generated", e.generated);
    w.Field("argv0", e.argv0);
    w.Field("pid", e.pid);
    w.Field("ok", e.ok);
    w.Field("initial", e.initial);
    w.Field("t_us", e.t_us);
    w.EndObject();
  }
  w.EndArray();
  w.Key("mapped_files");
  w.BeginArray();
  for (const trace::MappedObject& f : trace::MappedFiles(o)) {
    w.BeginObject();
    w.Field("path", f.path);
    w.Field("source", trace::ToString(f.source));
    w.Field("mappings", f.mappings);
    w.Field("first_us", f.first_us);
    w.EndObject();
  }
  w.EndArray();
  w.Field("needed_unresolved", r.expected->unresolved);
  w.Key("exec_mappings");
  w.BeginArray();
  for (const ExecMapping& m : o.exec_mappings) {
    w.BeginObject();
    w.Field("seq", m.seq);
    w.Field("t_us", m.t_us);
    w.Field("pid", m.pid);
    w.Field("call", m.call);
    w.Field("addr", m.addr);
    w.Field("len", m.len);
    w.Field("prot", Prot(m.prot));
    w.Field("prev_prot", OrNull(m.prev_prot));
    w.Field("adds_exec", m.call == "mmap" || m.call == "shmat" ? true : m.adds_exec);
    w.Field("rwx", m.writable);
    w.Field("path", OrNull(m.path));
    w.Field("requested", OrNull(m.requested));
    w.Field("inode", m.inode);
    w.Field("shared", m.shared);
    w.Field("written_pages", m.written_pages);
    w.Field("written_file", m.written_file);
    w.Field("image", m.image);
    w.Field("source", trace::ToString(m.source));
    w.Field("jit", trace::IsJit(m.source));
    w.Field("ok", m.ok);
    w.EndObject();
  }
  w.EndArray();
  w.Field("exec_mappings_dropped", o.exec_mappings_dropped);
  w.Field("jit_events", static_cast<uint64_t>(trace::JitMappings(o).size()));
  w.Key("threads");
  w.BeginObject();
  w.Field("started", o.threads_started);
  w.Field("peak", o.peak_threads);
  w.Field("peak_run", o.peak_tree_threads);
  w.EndObject();
  w.Field("processes_forked", o.processes_forked);
  w.Field("elf_files_opened", o.files_opened_elf);
  w.Field("policy", TracerPolicy(sb.enabled));
  w.Key("escapes");
  w.BeginArray();
  for (const EscapeCount& e : CountEscapes(o)) {
    w.BeginObject();
    w.Field("what", e.what);
    w.Field("action", e.action);
    w.Field("count", e.count);
    w.Field("detail", e.detail);
    w.EndObject();
  }
  w.EndArray();
  w.Key("escape_counts");
  w.BeginObject();
  {
    std::map<std::string, uint64_t> by_what;
    for (const auto& [k, n] : o.escape_counts) by_what[k.substr(0, k.find('\t'))] += n;
    for (const auto& [k, n] : by_what) w.Field(k, n);
  }
  w.EndObject();
  w.Field("foreign_arch_calls", o.foreign_arch_calls);
  w.Field("output_bytes", o.output_bytes);
  w.Field("terminal_restored", o.terminal_restored);
  w.Key("memory");
  w.BeginObject();
  w.Field("peak_rss_kb", o.peak_rss_kb);
  w.Field("vm_hwm_kb", o.vm_hwm_kb);
  w.Key("at_exit");
  if (!o.memory_snapshot) {
    w.Null();
  } else {
    MemoryGroupsToJson(o.memory, w);
  }
  w.EndObject();
  GoAtExitToJson(r, w);
  w.Key("claims");
  w.BeginArray();
  for (const trace::Claim& c : r.claims) {
    w.BeginObject();
    w.Field("name", c.name);
    w.Field("static", c.static_says);
    w.Field("observed", c.observed);
    w.Field("status", c.status);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return w.Take();
}

}  // namespace exray
