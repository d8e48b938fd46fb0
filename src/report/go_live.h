// `exray go --pid PID [--json]`: a running Go program's goroutines, Ps, Ms
// and memory as /proc shows them (trace/go_live.h), as text and as JSON.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "lang/go/runtime_layout.h"
#include "trace/go_live.h"

namespace exray {

struct GoLiveReport {
  std::string_view path;  // the executable read for the layout and symbols
  std::string version;    // "go1.19.8"; empty when unknown
  const go::RuntimeLayout& layout;
  const trace::GoLive& live;
  std::vector<std::string> warnings;
};

/// The definition of the goroutine count, as both views say it.
inline constexpr std::string_view kGcountDefinition =
    "gcount: allglen - sched.gFree.n - sched.ngsys - sum of p.gFree.n over allp (runtime.NumGoroutine; from Go 1.25 each gFree.n is the size of its lists)";

/// A header line (pid, executable, release, layout, load bias), GOMAXPROCS
/// and Ps, goroutines with their definition, by status and wait reason, the
/// Ms against /proc's threads, the kernel's memory by kind beside what
/// ReadMemStats would say and why the two differ, the GC cycles, the notes.
void GoLiveToText(const GoLiveReport& r, std::ostream& out);
/// {pid, path, go, layout: {source, table_range}, load_bias, gomaxprocs,
/// procs, goroutines: {count, definition, allglen, allgs_read, sched_gfree,
/// p_gfree, ngsys, user, system, by_status: {name: n}, waiting: [{reason,
/// count, user?}]}, ms:
/// [{id, procid, in_task}], threads: {status, task: [tid]}, memory: {vm_rss_kb,
/// rss_anon_kb, rss_file_kb, by_kind: [{kind, vmas, size_kb, rss_kb}]}, gc:
/// {cycles, heap_live, memstats: {sys, heap_sys, heap_inuse, heap_idle,
/// heap_released, heap_alloc, total_alloc, stack_inuse, stack_sys, mspan_sys,
/// mcache_sys, buckhash_sys, gc_sys, other_sys}} (null when not read), reads,
/// notes, warnings}.
void GoLiveToJson(const GoLiveReport& r, int indent, std::ostream& out);

class JsonWriter;
/// "exray's table for go1.19 linux/amd64" or "the binary's DWARF": where the
/// layout the process was read with came from.
std::string LayoutSourceText(const go::RuntimeLayout& l);
/// `"layout": {source, table_range}` into the object w is in.
void LayoutToJson(const go::RuntimeLayout& l, JsonWriter& w);
/// `[{kind, vmas, size_kb, rss_kb}]` (trace/smaps.h's grouping), as the
/// array w is about to write (go --pid's memory.by_kind, run's memory.at_exit).
void MemoryGroupsToJson(const std::vector<trace::MemoryGroup>& groups, JsonWriter& w);
/// The process's state as fields of the object w is in: load_bias through
/// notes above (shared with `exray run`'s go_at_exit).
void GoLiveFieldsToJson(const trace::GoLive& g, JsonWriter& w);

}  // namespace exray
