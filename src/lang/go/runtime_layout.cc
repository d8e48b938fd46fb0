// Runtime structure layouts: the key fields of each, picked from DWARF, and
// the per-release table used when a binary has no DWARF.
#include "lang/go/runtime_layout.h"

#include <algorithm>

#include <fmt/format.h>

namespace exray::go {

namespace {

struct KeyFields {
  const char* name;
  std::vector<const char*> fields;  // "stack.lo": member lo of the struct type of member stack
};

// The fields shown for each structure (runtime/runtime2.go, mheap.go, mcache.go,
// mstats.go, mgcpacer.go).
// gFree.n and ngsys are what gcount() (runtime.NumGoroutine) subtracts from
// allglen; gFree is an unnamed struct type, found by the name the compiler
// gives it (kGFreeTypes).
const std::vector<KeyFields>& Keys() {
  static const std::vector<KeyFields> k = {
      {"runtime.g",
       {"stack.lo", "stack.hi", "stackguard0", "m", "sched", "atomicstatus", "goid", "waitreason", "startpc"}},
      {"runtime.m", {"g0", "curg", "p", "id", "procid", "alllink", "mstartfn"}},
      {"runtime.p", {"id", "status", "m", "runqhead", "runqtail", "runq", "mcache", "gFree.n"}},
      {"runtime.schedt",
       {"midle", "nmidle", "ngsys", "nmspinning", "pidle", "npidle", "runq", "runqsize", "gFree.n", "gcwaiting"}},
      {"runtime.mspan", {"next", "startAddr", "npages", "spanclass", "allocCount", "state"}},
      {"runtime.mcache", {"alloc"}},
      {"runtime.mheap", {"allspans", "arenas", "pagesInUse"}},
      // mstats.go: GC cycles completed, the consistent heap statistics'
      // ring (heapStats.stats, three heapStatsDelta summed: stacks, GC work
      // buffers and pointer bitmaps in use) and the off-heap memory mapped
      // for the runtime's own metadata (ReadMemStats's *Sys figures).
      {"runtime.mstats",
       {"numgc", "heapStats.stats", "stacks_sys", "mspan_sys", "mcache_sys", "buckhash_sys", "gcMiscSys", "other_sys"}},
      // mgcpacer.go: heap bytes in use, free and released, and the
      // allocation totals (HeapInuse, HeapIdle, HeapReleased, HeapAlloc).
      {"runtime.gcControllerState",
       {"heapLive", "heapInUse", "heapReleased", "heapFree", "totalAlloc", "totalFree", "mappedReady"}},
      {"runtime.heapStatsDelta", {"inStacks", "inWorkBufs", "inPtrScalarBits"}},
  };
  return k;
}

// The DWARF names of p.gFree's and schedt.gFree's struct types, as Go 1.19's
// compiler writes them (runtime2.go); a release that changes either gets a note
// for gFree.n, not a guess.
const char* const kGFreeTypes[] = {
    "struct { runtime.gList; runtime.n int32 }",
    "struct { runtime.lock runtime.mutex; runtime.stack runtime.gList; runtime.noStack runtime.gList; runtime.n int32 }",
};

const RuntimeStruct* Find(const std::vector<RuntimeStruct>& v, std::string_view name) {
  for (const RuntimeStruct& s : v)
    if (s.name == name) return &s;
  return nullptr;
}
const RuntimeField* FindField(const RuntimeStruct& s, std::string_view name) {
  for (const RuntimeField& f : s.fields)
    if (f.name == name) return &f;
  return nullptr;
}

void SortFields(RuntimeStruct* s) {
  std::stable_sort(s->fields.begin(), s->fields.end(),
                   [](const RuntimeField& a, const RuntimeField& b) { return a.offset < b.offset; });
}

// Go 1.19, linux/amd64: read from the DWARF of a binary built by go1.19.8
// (tests/go/runtime_check.py builds one and requires this table to equal its
// DWARF field for field). Other targets and releases have no entry: their
// layouts were not read from a binary, and are not guessed.
RuntimeLayout Go119Amd64() {
  RuntimeLayout l;
  l.source = "table";
  l.table_range = "go1.19 linux/amd64";
  l.structs = {
      {"runtime.g",
       392,
       {{"stack.lo", 0, 8, "uintptr"},
        {"stack.hi", 8, 8, "uintptr"},
        {"stackguard0", 16, 8, "uintptr"},
        {"m", 48, 8, "*runtime.m"},
        {"sched", 56, 56, "runtime.gobuf"},
        {"atomicstatus", 144, 4, "uint32"},
        {"goid", 152, 8, "int64"},
        {"waitreason", 176, 1, "runtime.waitReason"},
        {"startpc", 312, 8, "uintptr"}}},
      {"runtime.m",
       1008,
       {{"g0", 0, 8, "*runtime.g"},
        {"procid", 72, 8, "uint64"},
        {"mstartfn", 184, 8, "func()"},
        {"curg", 192, 8, "*runtime.g"},
        {"p", 208, 8, "runtime.puintptr"},
        {"id", 232, 8, "int64"},
        {"alllink", 336, 8, "*runtime.m"}}},
      {"runtime.p",
       8912,
       {{"id", 0, 4, "int32"},
        {"status", 4, 4, "uint32"},
        {"m", 56, 8, "runtime.muintptr"},
        {"mcache", 64, 8, "*runtime.mcache"},
        {"runqhead", 400, 4, "uint32"},
        {"runqtail", 404, 4, "uint32"},
        {"runq", 408, 2048, "[256]runtime.guintptr"},
        {"gFree.n", 2472, 4, "int32"}}},
      {"runtime.schedt",
       6080,
       {{"midle", 32, 8, "runtime.muintptr"},
        {"nmidle", 40, 4, "int32"},
        {"ngsys", 72, 4, "uint32"},
        {"pidle", 80, 8, "runtime.puintptr"},
        {"npidle", 88, 4, "uint32"},
        {"nmspinning", 92, 4, "uint32"},
        {"runq", 96, 16, "runtime.gQueue"},
        {"runqsize", 112, 4, "int32"},
        {"gFree.n", 176, 4, "int32"},
        {"gcwaiting", 224, 4, "uint32"}}},
      {"runtime.mspan",
       144,
       {{"next", 0, 8, "*runtime.mspan"},
        {"startAddr", 24, 8, "uintptr"},
        {"npages", 32, 8, "uintptr"},
        {"allocCount", 96, 2, "uint16"},
        {"spanclass", 98, 1, "runtime.spanClass"},
        {"state", 99, 1, "runtime.mSpanStateBox"}}},
      {"runtime.mcache", 1200, {{"alloc", 40, 1088, "[136]*runtime.mspan"}}},
      {"runtime.mheap",
       92672,
       {{"allspans", 65856, 24, "[]*runtime.mspan"},
        {"pagesInUse", 65880, 8, "runtime/internal/atomic.Uint64"},
        {"arenas", 65936, 8, "[1]*[4194304]*runtime.heapArena"}}},
      {"runtime.mstats",
       13512,
       {{"heapStats.stats", 0, 3528, "[3]runtime.heapStatsDelta"},
        {"stacks_sys", 3544, 8, "runtime.sysMemStat"},
        {"mspan_sys", 3552, 8, "runtime.sysMemStat"},
        {"mcache_sys", 3560, 8, "runtime.sysMemStat"},
        {"buckhash_sys", 3568, 8, "runtime.sysMemStat"},
        {"gcMiscSys", 3576, 8, "runtime.sysMemStat"},
        {"other_sys", 3584, 8, "runtime.sysMemStat"},
        {"numgc", 7704, 4, "uint32"}}},
      {"runtime.gcControllerState",
       424,
       {{"heapLive", 136, 8, "uint64"},
        {"heapInUse", 304, 8, "runtime.sysMemStat"},
        {"heapReleased", 312, 8, "runtime.sysMemStat"},
        {"heapFree", 320, 8, "runtime.sysMemStat"},
        {"totalAlloc", 328, 8, "runtime/internal/atomic.Uint64"},
        {"totalFree", 336, 8, "runtime/internal/atomic.Uint64"},
        {"mappedReady", 344, 8, "runtime/internal/atomic.Uint64"}}},
      {"runtime.heapStatsDelta",
       1176,
       {{"inStacks", 24, 8, "int64"}, {"inWorkBufs", 32, 8, "int64"}, {"inPtrScalarBits", 40, 8, "int64"}}},
  };
  return l;
}


// Go 1.23, linux/amd64: read from the DWARF of a binary built by go1.23.5
// (Debian 12's bookworm-backports golang-1.23); runtime_check.py holds it to
// that DWARF when the toolchain is installed.
RuntimeLayout Go123Amd64() {
  RuntimeLayout l;
  l.source = "table";
  l.table_range = "go1.23 linux/amd64";
  l.structs = {
      {"runtime.g",
       432,
       {{"stack.lo", 0, 8, "uintptr"},
        {"stack.hi", 8, 8, "uintptr"},
        {"stackguard0", 16, 8, "uintptr"},
        {"m", 48, 8, "*runtime.m"},
        {"sched", 56, 56, "runtime.gobuf"},
        {"atomicstatus", 152, 4, "internal/runtime/atomic.Uint32"},
        {"goid", 160, 8, "uint64"},
        {"waitreason", 184, 1, "runtime.waitReason"},
        {"startpc", 304, 8, "uintptr"}}},
      {"runtime.m",
       1760,
       {{"g0", 0, 8, "*runtime.g"},
        {"procid", 72, 8, "uint64"},
        {"mstartfn", 184, 8, "func()"},
        {"curg", 192, 8, "*runtime.g"},
        {"p", 208, 8, "runtime.puintptr"},
        {"id", 232, 8, "int64"},
        {"alllink", 328, 8, "*runtime.m"}}},
      {"runtime.p",
       8944,
       {{"id", 0, 4, "int32"},
        {"status", 4, 4, "uint32"},
        {"m", 48, 8, "runtime.muintptr"},
        {"mcache", 56, 8, "*runtime.mcache"},
        {"runqhead", 392, 4, "uint32"},
        {"runqtail", 396, 4, "uint32"},
        {"runq", 400, 2048, "[256]runtime.guintptr"},
        {"gFree.n", 2464, 4, "int32"}}},
      {"runtime.schedt",
       6824,
       {{"midle", 32, 8, "runtime.muintptr"},
        {"nmidle", 40, 4, "int32"},
        {"ngsys", 72, 4, "internal/runtime/atomic.Int32"},
        {"pidle", 80, 8, "runtime.puintptr"},
        {"npidle", 88, 4, "internal/runtime/atomic.Int32"},
        {"nmspinning", 92, 4, "internal/runtime/atomic.Int32"},
        {"runq", 104, 16, "runtime.gQueue"},
        {"runqsize", 120, 4, "int32"},
        {"gFree.n", 184, 4, "int32"},
        {"gcwaiting", 232, 1, "internal/runtime/atomic.Bool"}}},
      {"runtime.mspan",
       160,
       {{"next", 0, 8, "*runtime.mspan"},
        {"startAddr", 24, 8, "uintptr"},
        {"npages", 32, 8, "uintptr"},
        {"allocCount", 96, 2, "uint16"},
        {"spanclass", 98, 1, "runtime.spanClass"},
        {"state", 99, 1, "runtime.mSpanStateBox"}}},
      {"runtime.mcache",
       1200,
       {{"alloc", 40, 1088, "[136]*runtime.mspan"}}},
      {"runtime.mheap",
       92928,
       {{"allspans", 65864, 24, "[]*runtime.mspan"},
        {"pagesInUse", 65888, 8, "internal/runtime/atomic.Uintptr"},
        {"arenas", 66008, 8, "[1]*[4194304]*runtime.heapArena"}}},
      {"runtime.mstats",
       7744,
       {{"heapStats.stats", 0, 3528, "[3]runtime.heapStatsDelta"},
        {"stacks_sys", 3544, 8, "runtime.sysMemStat"},
        {"mspan_sys", 3552, 8, "runtime.sysMemStat"},
        {"mcache_sys", 3560, 8, "runtime.sysMemStat"},
        {"buckhash_sys", 3568, 8, "runtime.sysMemStat"},
        {"gcMiscSys", 3576, 8, "runtime.sysMemStat"},
        {"other_sys", 3584, 8, "runtime.sysMemStat"},
        {"numgc", 7704, 4, "uint32"}}},
      {"runtime.gcControllerState",
       392,
       {{"heapLive", 104, 8, "internal/runtime/atomic.Uint64"},
        {"heapInUse", 272, 8, "runtime.sysMemStat"},
        {"heapReleased", 280, 8, "runtime.sysMemStat"},
        {"heapFree", 288, 8, "runtime.sysMemStat"},
        {"totalAlloc", 296, 8, "internal/runtime/atomic.Uint64"},
        {"totalFree", 304, 8, "internal/runtime/atomic.Uint64"},
        {"mappedReady", 312, 8, "internal/runtime/atomic.Uint64"}}},
      {"runtime.heapStatsDelta",
       1176,
       {{"inStacks", 24, 8, "int64"},
        {"inWorkBufs", 32, 8, "int64"},
        {"inPtrScalarBits", 40, 8, "int64"}}}
  };
  return l;
}

// Go 1.21, linux/amd64: read from the DWARF of a binary built by go1.21.13
// (Debian 12's bookworm-backports golang-1.21); runtime_check.py holds it to
// that DWARF when the toolchain is installed.
RuntimeLayout Go121Amd64() {
  RuntimeLayout l;
  l.source = "table";
  l.table_range = "go1.21 linux/amd64";
  l.structs = {
      {"runtime.g",
       408,
       {{"stack.lo", 0, 8, "uintptr"},
        {"stack.hi", 8, 8, "uintptr"},
        {"stackguard0", 16, 8, "uintptr"},
        {"m", 48, 8, "*runtime.m"},
        {"sched", 56, 56, "runtime.gobuf"},
        {"atomicstatus", 144, 4, "runtime/internal/atomic.Uint32"},
        {"goid", 152, 8, "uint64"},
        {"waitreason", 176, 1, "runtime.waitReason"},
        {"startpc", 296, 8, "uintptr"}}},
      {"runtime.m",
       1008,
       {{"g0", 0, 8, "*runtime.g"},
        {"procid", 72, 8, "uint64"},
        {"mstartfn", 184, 8, "func()"},
        {"curg", 192, 8, "*runtime.g"},
        {"p", 208, 8, "runtime.puintptr"},
        {"id", 232, 8, "int64"},
        {"alllink", 336, 8, "*runtime.m"}}},
      {"runtime.p",
       8912,
       {{"id", 0, 4, "int32"},
        {"status", 4, 4, "uint32"},
        {"m", 56, 8, "runtime.muintptr"},
        {"mcache", 64, 8, "*runtime.mcache"},
        {"runqhead", 400, 4, "uint32"},
        {"runqtail", 404, 4, "uint32"},
        {"runq", 408, 2048, "[256]runtime.guintptr"},
        {"gFree.n", 2472, 4, "int32"}}},
      {"runtime.schedt",
       1632,
       {{"midle", 32, 8, "runtime.muintptr"},
        {"nmidle", 40, 4, "int32"},
        {"ngsys", 72, 4, "runtime/internal/atomic.Int32"},
        {"pidle", 80, 8, "runtime.puintptr"},
        {"npidle", 88, 4, "runtime/internal/atomic.Int32"},
        {"nmspinning", 92, 4, "runtime/internal/atomic.Int32"},
        {"runq", 104, 16, "runtime.gQueue"},
        {"runqsize", 120, 4, "int32"},
        {"gFree.n", 184, 4, "int32"},
        {"gcwaiting", 232, 1, "runtime/internal/atomic.Bool"}}},
      {"runtime.mspan",
       168,
       {{"next", 0, 8, "*runtime.mspan"},
        {"startAddr", 24, 8, "uintptr"},
        {"npages", 32, 8, "uintptr"},
        {"allocCount", 104, 2, "uint16"},
        {"spanclass", 106, 1, "runtime.spanClass"},
        {"state", 107, 1, "runtime.mSpanStateBox"}}},
      {"runtime.mcache",
       1200,
       {{"alloc", 40, 1088, "[136]*runtime.mspan"}}},
      {"runtime.mheap",
       92792,
       {{"allspans", 65864, 24, "[]*runtime.mspan"},
        {"pagesInUse", 65888, 8, "runtime/internal/atomic.Uintptr"},
        {"arenas", 65944, 8, "[1]*[4194304]*runtime.heapArena"}}},
      {"runtime.mstats",
       9040,
       {{"heapStats.stats", 0, 3528, "[3]runtime.heapStatsDelta"},
        {"stacks_sys", 3544, 8, "runtime.sysMemStat"},
        {"mspan_sys", 3552, 8, "runtime.sysMemStat"},
        {"mcache_sys", 3560, 8, "runtime.sysMemStat"},
        {"buckhash_sys", 3568, 8, "runtime.sysMemStat"},
        {"gcMiscSys", 3576, 8, "runtime.sysMemStat"},
        {"other_sys", 3584, 8, "runtime.sysMemStat"},
        {"numgc", 7704, 4, "uint32"}}},
      {"runtime.gcControllerState",
       392,
       {{"heapLive", 104, 8, "runtime/internal/atomic.Uint64"},
        {"heapInUse", 272, 8, "runtime.sysMemStat"},
        {"heapReleased", 280, 8, "runtime.sysMemStat"},
        {"heapFree", 288, 8, "runtime.sysMemStat"},
        {"totalAlloc", 296, 8, "runtime/internal/atomic.Uint64"},
        {"totalFree", 304, 8, "runtime/internal/atomic.Uint64"},
        {"mappedReady", 312, 8, "runtime/internal/atomic.Uint64"}}},
      {"runtime.heapStatsDelta",
       1176,
       {{"inStacks", 24, 8, "int64"},
        {"inWorkBufs", 32, 8, "int64"},
        {"inPtrScalarBits", 40, 8, "int64"}}}
  };
  return l;
}

// Go 1.22, linux/amd64: read from the DWARF of a binary built by go1.22.12
// (Debian 12's bookworm-backports golang-1.22); runtime_check.py holds it to
// that DWARF when the toolchain is installed.
RuntimeLayout Go122Amd64() {
  RuntimeLayout l;
  l.source = "table";
  l.table_range = "go1.22 linux/amd64";
  l.structs = {
      {"runtime.g",
       424,
       {{"stack.lo", 0, 8, "uintptr"},
        {"stack.hi", 8, 8, "uintptr"},
        {"stackguard0", 16, 8, "uintptr"},
        {"m", 48, 8, "*runtime.m"},
        {"sched", 56, 56, "runtime.gobuf"},
        {"atomicstatus", 144, 4, "runtime/internal/atomic.Uint32"},
        {"goid", 152, 8, "uint64"},
        {"waitreason", 176, 1, "runtime.waitReason"},
        {"startpc", 296, 8, "uintptr"}}},
      {"runtime.m",
       2024,
       {{"g0", 0, 8, "*runtime.g"},
        {"procid", 72, 8, "uint64"},
        {"mstartfn", 184, 8, "func()"},
        {"curg", 192, 8, "*runtime.g"},
        {"p", 208, 8, "runtime.puintptr"},
        {"id", 232, 8, "int64"},
        {"alllink", 328, 8, "*runtime.m"}}},
      {"runtime.p",
       8944,
       {{"id", 0, 4, "int32"},
        {"status", 4, 4, "uint32"},
        {"m", 56, 8, "runtime.muintptr"},
        {"mcache", 64, 8, "*runtime.mcache"},
        {"runqhead", 400, 4, "uint32"},
        {"runqtail", 404, 4, "uint32"},
        {"runq", 408, 2048, "[256]runtime.guintptr"},
        {"gFree.n", 2472, 4, "int32"}}},
      {"runtime.schedt",
       6824,
       {{"midle", 32, 8, "runtime.muintptr"},
        {"nmidle", 40, 4, "int32"},
        {"ngsys", 72, 4, "runtime/internal/atomic.Int32"},
        {"pidle", 80, 8, "runtime.puintptr"},
        {"npidle", 88, 4, "runtime/internal/atomic.Int32"},
        {"nmspinning", 92, 4, "runtime/internal/atomic.Int32"},
        {"runq", 104, 16, "runtime.gQueue"},
        {"runqsize", 120, 4, "int32"},
        {"gFree.n", 184, 4, "int32"},
        {"gcwaiting", 232, 1, "runtime/internal/atomic.Bool"}}},
      {"runtime.mspan",
       160,
       {{"next", 0, 8, "*runtime.mspan"},
        {"startAddr", 24, 8, "uintptr"},
        {"npages", 32, 8, "uintptr"},
        {"allocCount", 96, 2, "uint16"},
        {"spanclass", 98, 1, "runtime.spanClass"},
        {"state", 99, 1, "runtime.mSpanStateBox"}}},
      {"runtime.mcache",
       1200,
       {{"alloc", 40, 1088, "[136]*runtime.mspan"}}},
      {"runtime.mheap",
       92856,
       {{"allspans", 65864, 24, "[]*runtime.mspan"},
        {"pagesInUse", 65888, 8, "runtime/internal/atomic.Uintptr"},
        {"arenas", 66008, 8, "[1]*[4194304]*runtime.heapArena"}}},
      {"runtime.mstats",
       7744,
       {{"heapStats.stats", 0, 3528, "[3]runtime.heapStatsDelta"},
        {"stacks_sys", 3544, 8, "runtime.sysMemStat"},
        {"mspan_sys", 3552, 8, "runtime.sysMemStat"},
        {"mcache_sys", 3560, 8, "runtime.sysMemStat"},
        {"buckhash_sys", 3568, 8, "runtime.sysMemStat"},
        {"gcMiscSys", 3576, 8, "runtime.sysMemStat"},
        {"other_sys", 3584, 8, "runtime.sysMemStat"},
        {"numgc", 7704, 4, "uint32"}}},
      {"runtime.gcControllerState",
       392,
       {{"heapLive", 104, 8, "runtime/internal/atomic.Uint64"},
        {"heapInUse", 272, 8, "runtime.sysMemStat"},
        {"heapReleased", 280, 8, "runtime.sysMemStat"},
        {"heapFree", 288, 8, "runtime.sysMemStat"},
        {"totalAlloc", 296, 8, "runtime/internal/atomic.Uint64"},
        {"totalFree", 304, 8, "runtime/internal/atomic.Uint64"},
        {"mappedReady", 312, 8, "runtime/internal/atomic.Uint64"}}},
      {"runtime.heapStatsDelta",
       1176,
       {{"inStacks", 24, 8, "int64"},
        {"inWorkBufs", 32, 8, "int64"},
        {"inPtrScalarBits", 40, 8, "int64"}}}
  };
  return l;
}
}  // namespace

const std::vector<std::string>& RuntimeDwarfStructNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const KeyFields& k : Keys()) n.emplace_back(k.name);
    n.emplace_back("runtime.stack");
    n.emplace_back("runtime.consistentHeapStats");  // for mstats' heapStats.stats
    for (const char* t : kGFreeTypes) n.emplace_back(t);
    return n;
  }();
  return names;
}

const std::vector<std::string>& RuntimeGlobalNames() {
  static const std::vector<std::string> names = {
      "runtime.allgs", "runtime.allglen", "runtime.allm",   "runtime.sched",      "runtime.memstats",
      "runtime.gcController", "runtime.mheap_", "runtime.allp", "runtime.gomaxprocs", "runtime.ncpu"};
  return names;
}

RuntimeLayout LayoutFromDwarf(const std::vector<RuntimeStruct>& all) {
  RuntimeLayout l;
  l.source = "dwarf";
  for (const KeyFields& k : Keys()) {
    const RuntimeStruct* s = Find(all, k.name);
    if (!s) {
      l.notes.push_back(fmt::format("{}: not in the DWARF", k.name));
      continue;
    }
    RuntimeStruct out{s->name, s->size, {}};
    for (const char* key : k.fields) {
      std::string_view name = key;
      const auto dot = name.find('.');
      const RuntimeField* f = FindField(*s, name.substr(0, dot));
      if (f && dot != std::string_view::npos) {
        // A member of an embedded struct: its offset adds to the outer one's.
        const RuntimeStruct* inner = Find(all, f->type);
        const RuntimeField* g = inner ? FindField(*inner, name.substr(dot + 1)) : nullptr;
        if (g) out.fields.push_back({std::string(name), f->offset + g->offset, g->size, g->type});
        else l.notes.push_back(fmt::format("{}.{}: the DWARF has no {} in {}", k.name, name,
                                           name.substr(dot + 1), f->type.empty() ? "its type" : f->type));
        continue;
      }
      if (f) out.fields.push_back(*f);
      else l.notes.push_back(fmt::format("{}.{}: no such member in this release's DWARF", k.name, name));
    }
    SortFields(&out);
    l.structs.push_back(std::move(out));
  }
  return l;
}

std::optional<RuntimeLayout> LayoutFromTable(int minor, int ptr_size, std::string_view goos, std::string_view goarch) {
  if (ptr_size != 8 || goos != "linux" || goarch != "amd64") return std::nullopt;
  if (minor == 19) return Go119Amd64();
  if (minor == 21) return Go121Amd64();
  if (minor == 22) return Go122Amd64();
  if (minor == 23) return Go123Amd64();
  return std::nullopt;
}

}  // namespace exray::go
