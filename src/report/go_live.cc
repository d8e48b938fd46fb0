// `exray go --pid`: a running Go program's scheduler state, as text and as
// JSON (docs/go.md).
#include "report/go_live.h"

#include <fmt/format.h>

#include "report/json_writer.h"
#include "report/safe.h"

namespace exray {

namespace {

std::string Kb(const std::optional<uint64_t>& kb) {
  if (!kb) return "?";
  if (*kb >= 10 * 1024) return fmt::format("{:.1f} MiB", static_cast<double>(*kb) / 1024);
  return fmt::format("{} KiB", *kb);
}

}  // namespace

void GoLiveToText(const GoLiveReport& r, std::ostream& out) {
  const trace::GoLive& g = r.live;
  std::string s = fmt::format("pid {}  {}  {}\n", g.pid, Safe(r.path),
                              r.version.empty() ? "Go version unknown" : Safe(r.version));
  s += fmt::format("runtime layout: {}; load bias {:#x}\n",
                   r.layout.source == "table" ? fmt::format("exray's table for {}", Safe(r.layout.table_range))
                                              : std::string("the binary's DWARF"),
                   g.load_bias);
  s += fmt::format("GOMAXPROCS {}, Ps {}\n", g.gomaxprocs, g.nprocs);
  s += fmt::format("\ngoroutines {}  ({})\n", g.goroutines, kGcountDefinition);
  s += fmt::format("  = {} - {} - {} - {}\n", g.allglen, g.sched_gfree, g.ngsys, g.p_gfree);
  s += fmt::format("  allgs read {}:", g.allgs_read);
  for (const trace::GoLiveCount& c : g.by_status) s += fmt::format(" {} {},", Safe(c.name), c.count);
  s.pop_back();
  s += "\n";
  if (g.user_live)
    s += fmt::format("  not dead: {} the program's, {} the runtime's own (isSystemGoroutine)\n", *g.user_live,
                     g.system_live.value_or(0));
  for (const trace::GoLiveCount& c : g.waiting)
    s += g.user_live ? fmt::format("    waiting: {:>6}  {:<22}  ({} the program's)\n", c.count, Safe(c.name), c.user)
                     : fmt::format("    waiting: {:>6}  {}\n", c.count, Safe(c.name));
  size_t in_task = 0;
  for (const trace::GoLiveM& m : g.ms) in_task += m.in_task;
  s += fmt::format("\nMs {} (allm), {} of them in /proc/{}/task; threads {} (/proc/{}/status), {} in task/\n",
                   g.ms.size(), in_task, g.pid, g.threads, g.pid, g.tasks.size());
  for (const trace::GoLiveM& m : g.ms)
    s += fmt::format("  m{:<4} thread {}{}\n", m.id, m.procid, m.in_task ? "" : "  (not in task/)");
  s += fmt::format("\nkernel: VmRSS {}, RssAnon {}, RssFile {}\n", Kb(g.vm_rss_kb), Kb(g.rss_anon_kb),
                   Kb(g.rss_file_kb));
  if (g.heap_in_use && g.heap_live)
    s += fmt::format("heap:   in use {} (gcController.heapInUse), live {} (heapLive)\n", Kb(*g.heap_in_use / 1024),
                     Kb(*g.heap_live / 1024));
  if (g.gc_cycles) s += fmt::format("GC:     {} cycles completed (memstats.numgc)\n", *g.gc_cycles);
  s += fmt::format("read with {} preads of /proc/{}/mem\n", g.reads, g.pid);
  for (const std::string& n : g.notes) s += fmt::format("note: {}\n", Safe(n));
  for (const std::string& w : r.warnings) s += fmt::format("warning: {}\n", Safe(w));
  out << s;
}

void GoLiveToJson(const GoLiveReport& r, int indent, std::ostream& out) {
  const trace::GoLive& g = r.live;
  JsonWriter w(indent);
  w.BeginObject();
  w.Field("pid", static_cast<uint64_t>(g.pid));
  w.Field("path", r.path);
  w.Key("go");
  if (r.version.empty()) w.Null();
  else w.String(r.version);
  w.Key("layout");
  w.BeginObject();
  w.Field("source", r.layout.source);
  w.Key("table_range");
  if (r.layout.table_range.empty()) w.Null();
  else w.String(r.layout.table_range);
  w.EndObject();
  w.Field("load_bias", g.load_bias);
  w.Key("gomaxprocs");
  w.Int(g.gomaxprocs);
  w.Field("procs", g.nprocs);
  w.Key("goroutines");
  w.BeginObject();
  w.Key("count");
  w.Int(g.goroutines);
  w.Field("definition", kGcountDefinition);
  w.Field("allglen", g.allglen);
  w.Field("allgs_read", g.allgs_read);
  w.Key("sched_gfree");
  w.Int(g.sched_gfree);
  w.Key("p_gfree");
  w.Int(g.p_gfree);
  w.Field("ngsys", static_cast<uint64_t>(g.ngsys));
  w.Field("user", g.user_live);
  w.Field("system", g.system_live);
  w.Key("by_status");
  w.BeginObject();
  for (const trace::GoLiveCount& c : g.by_status) w.Field(c.name, c.count);
  w.EndObject();
  w.Key("waiting");
  w.BeginArray();
  for (const trace::GoLiveCount& c : g.waiting) {
    w.BeginObject();
    w.Field("reason", c.name);
    w.Field("count", c.count);
    if (g.user_live) w.Field("user", c.user);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  w.Key("ms");
  w.BeginArray();
  for (const trace::GoLiveM& m : g.ms) {
    w.BeginObject();
    w.Key("id");
    w.Int(m.id);
    w.Field("procid", m.procid);
    w.Field("in_task", m.in_task);
    w.EndObject();
  }
  w.EndArray();
  w.Key("threads");
  w.BeginObject();
  w.Field("status", g.threads);
  w.Key("task");
  w.BeginArray();
  for (uint64_t t : g.tasks) w.Uint(t);
  w.EndArray();
  w.EndObject();
  w.Key("memory");
  w.BeginObject();
  w.Field("vm_rss_kb", g.vm_rss_kb);
  w.Field("rss_anon_kb", g.rss_anon_kb);
  w.Field("rss_file_kb", g.rss_file_kb);
  w.EndObject();
  w.Key("gc");
  w.BeginObject();
  w.Field("cycles", g.gc_cycles);
  w.Field("heap_in_use", g.heap_in_use);
  w.Field("heap_live", g.heap_live);
  w.EndObject();
  w.Field("reads", g.reads);
  w.Key("notes");
  w.BeginArray();
  for (const std::string& n : g.notes) w.String(n);
  w.EndArray();
  w.Key("warnings");
  w.BeginArray();
  for (const std::string& s : r.warnings) w.String(s);
  w.EndArray();
  w.EndObject();
  out << w.Take() << '\n';
}

}  // namespace exray
