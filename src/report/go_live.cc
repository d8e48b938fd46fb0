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

std::string KiB(uint64_t bytes) { return Kb((bytes + 512) / 1024); }

const trace::MemoryGroup* Group(const trace::GoLive& g, std::string_view kind) {
  for (const trace::MemoryGroup& m : g.memory)
    if (m.kind == kind) return &m;
  return nullptr;
}

// The kernel's resident memory by kind beside the runtime's account of the
// same memory, and why the two differ, line by line.
std::string MemoryText(const trace::GoLive& g) {
  std::string s = fmt::format("\nkernel: VmRSS {}, RssAnon {}, RssFile {}\n", Kb(g.vm_rss_kb), Kb(g.rss_anon_kb),
                              Kb(g.rss_file_kb));
  const trace::GoMemStats* m = g.memstats ? &*g.memstats : nullptr;
  if (m) {
    s += fmt::format(
        "runtime (what ReadMemStats would say): Sys {}, HeapSys {}, HeapInuse {}, HeapIdle {}, HeapReleased {}, "
        "HeapAlloc {}, StackInuse {}\n",
        KiB(m->Sys()), KiB(m->HeapSys()), KiB(m->heap_in_use), KiB(m->HeapIdle()), KiB(m->heap_released),
        KiB(m->HeapAlloc()), KiB(m->stack_in_use));
  }
  if (g.heap_live) s += fmt::format("heap live {} (gcController.heapLive: marked by the last cycle, plus allocated since)\n", KiB(*g.heap_live));
  if (g.memory.empty()) return s;
  s += fmt::format("\n  {:<14} {:>11} {:>11}  {}\n", "by kind", "resident", "mapped", "the runtime's account");
  uint64_t rss = 0;
  for (const trace::MemoryGroup& k : g.memory) {
    rss += k.rss_kb;
    if (!k.vmas) continue;
    std::string account;
    if (k.kind == "go-arenas")
      account = m ? fmt::format("heap in use {}, idle {} ({} of it released), stacks {}, GC buffers {}",
                                KiB(m->heap_in_use), KiB(m->HeapIdle()), KiB(m->heap_released), KiB(m->stack_in_use),
                                KiB(m->work_bufs + m->ptr_scalar_bits))
                  : "the heap and goroutine stacks";
    else if (k.kind == "anonymous")
      account = m ? fmt::format("runtime metadata mapped outside the arenas {}: spans {}, mcaches {}, GC {}, "
                                "profiling {}, other {}, OS stacks {}",
                                KiB(m->OffArenaSys()), KiB(m->mspan_sys), KiB(m->mcache_sys), KiB(m->gc_misc_sys),
                                KiB(m->buckhash_sys), KiB(m->other_sys), KiB(m->stacks_sys))
                  : "the runtime's metadata and reservations";
    else if (k.kind == "program-text" || k.kind == "program-data" || k.kind == "libraries")
      account = "not in MemStats: the file's pages";
    else if (k.kind == "thread-stacks")
      account = "not in MemStats: the main thread's stack";
    else if (k.kind == "heap")
      account = "not in MemStats: brk, C's malloc (cgo)";
    else
      account = "not in MemStats";
    s += fmt::format("  {:<14} {:>11} {:>11}  {}\n", k.kind, Kb(k.rss_kb), Kb(k.size_kb), account);
  }
  s += fmt::format("  {:<14} {:>11}\n", "total", Kb(rss));
  if (!m) return s;
  // Why RSS and MemStats differ.
  auto rss_of = [&](std::string_view kind) -> uint64_t {
    const trace::MemoryGroup* k = Group(g, kind);
    return k ? k->rss_kb * 1024 : 0;
  };
  // From Sys to the resident total, term by term: Sys is the arenas' part
  // (InArenas), the released pages and the metadata outside (OffArenaSys).
  const int64_t sys = static_cast<int64_t>(m->Sys());
  const int64_t arenas = static_cast<int64_t>(rss_of("go-arenas"));
  const int64_t held = static_cast<int64_t>(m->InArenas());
  const int64_t meta = static_cast<int64_t>(rss_of("anonymous"));
  const int64_t meta_sys = static_cast<int64_t>(m->OffArenaSys());
  const int64_t files = static_cast<int64_t>(rss_of("program-text") + rss_of("program-data") + rss_of("libraries"));
  const int64_t other =
      static_cast<int64_t>(rss_of("thread-stacks") + rss_of("heap") + rss_of("shared-memory") + rss_of("other"));
  auto line = [&](int64_t v, std::string_view why) {
    s += fmt::format("  {} {:>10}  {}\n", v < 0 ? '-' : '+', KiB(static_cast<uint64_t>(v < 0 ? -v : v)), why);
  };
  s += fmt::format("\nfrom MemStats.Sys to the resident total, line by line:\n    {:>10}  Sys: what the runtime has "
                   "mapped for the heap, stacks and its metadata\n",
                   KiB(m->Sys()));
  line(-static_cast<int64_t>(m->heap_released), "released to the kernel (HeapReleased): mapped, not resident");
  line(arenas - held, fmt::format("in the arenas: {} resident of the {} the runtime holds there (in use, idle, stacks, "
                                  "GC buffers); {}",
                                  KiB(static_cast<uint64_t>(arenas)), KiB(static_cast<uint64_t>(held)),
                                  arenas <= held ? "the rest was never touched, or was given back"
                                                 : "the excess is huge pages, or released pages touched again"));
  line(meta - meta_sys, fmt::format("outside the arenas: {} resident in anonymous mappings against {} of metadata "
                                    "Sys; {}",
                                    KiB(static_cast<uint64_t>(meta)), KiB(static_cast<uint64_t>(meta_sys)),
                                    meta <= meta_sys ? "metadata is mapped ahead and touched as needed"
                                                     : "the excess is not the runtime's (cgo, a library) or its "
                                                       "reservations"));
  line(files, "the executable's and libraries' pages and bss: resident, not in MemStats");
  line(other, "thread stacks, brk heap, shared memory, vdso: resident, not in MemStats");
  const int64_t total = sys - static_cast<int64_t>(m->heap_released) + (arenas - held) + (meta - meta_sys) + files + other;
  s += fmt::format("  = {:>10}  resident by smaps{}\n", KiB(static_cast<uint64_t>(std::max<int64_t>(total, 0))),
                   g.vm_rss_kb ? fmt::format(" (VmRSS {})", Kb(g.vm_rss_kb)) : std::string());
  s += fmt::format("  heap in use {} holds {} of objects (HeapAlloc: live, and garbage not yet swept); the rest is free "
                   "space in spans in use\n",
                   KiB(m->heap_in_use), KiB(m->HeapAlloc()));
  return s;
}

}  // namespace

void GoLiveToText(const GoLiveReport& r, std::ostream& out) {
  const trace::GoLive& g = r.live;
  std::string s = fmt::format("pid {}  {}  {}\n", g.pid, Safe(r.path),
                              r.version.empty() ? "Go version unknown" : Safe(r.version));
  s += fmt::format("runtime layout: {}; load bias {:#x}\n", LayoutSourceText(r.layout), g.load_bias);
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
  s += MemoryText(g);
  if (g.gc_cycles) s += fmt::format("GC:     {} cycles completed (memstats.numgc)\n", *g.gc_cycles);
  s += fmt::format("read with {} preads of /proc/{}/mem\n", g.reads, g.pid);
  for (const std::string& n : g.notes) s += fmt::format("note: {}\n", Safe(n));
  for (const std::string& w : r.warnings) s += fmt::format("warning: {}\n", Safe(w));
  out << s;
}

std::string LayoutSourceText(const go::RuntimeLayout& l) {
  return l.source == "table" ? fmt::format("exray's table for {}", Safe(l.table_range))
                             : std::string("the binary's DWARF");
}

void LayoutToJson(const go::RuntimeLayout& l, JsonWriter& w) {
  w.Key("layout");
  w.BeginObject();
  w.Field("source", l.source);
  w.Key("table_range");
  if (l.table_range.empty()) w.Null();
  else w.String(l.table_range);
  w.EndObject();
}

void MemoryGroupsToJson(const std::vector<trace::MemoryGroup>& groups, JsonWriter& w) {
  w.BeginArray();
  for (const trace::MemoryGroup& k : groups) {
    w.BeginObject();
    w.Field("kind", k.kind);
    w.Field("vmas", k.vmas);
    w.Field("size_kb", k.size_kb);
    w.Field("rss_kb", k.rss_kb);
    w.EndObject();
  }
  w.EndArray();
}

void GoLiveFieldsToJson(const trace::GoLive& g, JsonWriter& w) {
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
  w.Key("by_kind");
  MemoryGroupsToJson(g.memory, w);
  w.EndObject();
  w.Key("gc");
  w.BeginObject();
  w.Field("cycles", g.gc_cycles);
  w.Field("heap_live", g.heap_live);
  w.Key("memstats");
  if (!g.memstats) {
    w.Null();
  } else {
    // ReadMemStats's fields, in bytes, by their Go names in snake case.
    const trace::GoMemStats& m = *g.memstats;
    w.BeginObject();
    w.Field("sys", m.Sys());
    w.Field("heap_sys", m.HeapSys());
    w.Field("heap_inuse", m.heap_in_use);
    w.Field("heap_idle", m.HeapIdle());
    w.Field("heap_released", m.heap_released);
    w.Field("heap_alloc", m.HeapAlloc());
    w.Field("total_alloc", m.total_alloc);
    w.Field("stack_inuse", m.stack_in_use);
    w.Field("stack_sys", m.StackSys());
    w.Field("mspan_sys", m.mspan_sys);
    w.Field("mcache_sys", m.mcache_sys);
    w.Field("buckhash_sys", m.buckhash_sys);
    w.Field("gc_sys", m.GCSys());
    w.Field("other_sys", m.other_sys);
    w.EndObject();
  }
  w.EndObject();
  w.Field("reads", g.reads);
  w.Key("notes");
  w.BeginArray();
  for (const std::string& n : g.notes) w.String(n);
  w.EndArray();
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
  LayoutToJson(r.layout, w);
  GoLiveFieldsToJson(g, w);
  w.Key("warnings");
  w.BeginArray();
  for (const std::string& s : r.warnings) w.String(s);
  w.EndArray();
  w.EndObject();
  out << w.Take() << '\n';
}

}  // namespace exray
