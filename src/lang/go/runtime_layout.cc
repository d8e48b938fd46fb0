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
      // gFree's count: n until Go 1.24, the list's own size from 1.25.
      {"runtime.p", {"id", "status", "m", "runqhead", "runqtail", "runq", "mcache", "gFree.n|gFree.size"}},
      // lock: the mutex exray locates sched by in a stripped binary (a call
      // lock(&sched.lock) in runtime.mcommoninit; analysis/go_globals.cc).
      {"runtime.schedt",
       {"lock", "midle", "nmidle", "ngsys", "nmspinning", "pidle", "npidle", "runq", "runqsize|runq.size",
        "gFree.n|gFree.stack.size", "gFree.noStack.size?", "gcwaiting"}},
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
      // inPtrScalarBits: until Go 1.24 (1.25 keeps pointer bitmaps in the spans).
      {"runtime.heapStatsDelta", {"inStacks", "inWorkBufs", "inPtrScalarBits?"}},
  };
  return k;
}

// The DWARF names of p.gFree's and schedt.gFree's struct types, as Go 1.19's
// compiler writes them (runtime2.go); a release that changes either gets a note
// for gFree.n, not a guess.
const char* const kGFreeTypes[] = {
    "struct { runtime.gList; runtime.n int32 }",
    "struct { runtime.lock runtime.mutex; runtime.stack runtime.gList; runtime.noStack runtime.gList; runtime.n int32 }",
    // Go 1.25 on: the counts moved into gList (size) and gQueue (size).
    "struct { runtime.lock runtime.mutex; runtime.stack runtime.gList; runtime.noStack runtime.gList }",
    "runtime.gList",
    "runtime.gQueue",
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
// (scripts/go_release_tables.py layout); runtime_check.py holds it to that
// DWARF when the toolchain is installed.
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
       {{"lock", 24, 8, "runtime.mutex"},
        {"midle", 32, 8, "runtime.muintptr"},
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
      {"runtime.mcache",
       1200,
       {{"alloc", 40, 1088, "[136]*runtime.mspan"}}},
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
       {{"inStacks", 24, 8, "int64"},
        {"inWorkBufs", 32, 8, "int64"},
        {"inPtrScalarBits", 40, 8, "int64"}}},
  };
  return l;
}

// Go 1.21, linux/amd64: read from the DWARF of a binary built by go1.21.13
// (scripts/go_release_tables.py layout); runtime_check.py holds it to that
// DWARF when the toolchain is installed.
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
       {{"lock", 24, 8, "runtime.mutex"},
        {"midle", 32, 8, "runtime.muintptr"},
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
        {"inPtrScalarBits", 40, 8, "int64"}}},
  };
  return l;
}

// Go 1.22, linux/amd64: read from the DWARF of a binary built by go1.22.12
// (scripts/go_release_tables.py layout); runtime_check.py holds it to that
// DWARF when the toolchain is installed.
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
       {{"lock", 24, 8, "runtime.mutex"},
        {"midle", 32, 8, "runtime.muintptr"},
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
        {"inPtrScalarBits", 40, 8, "int64"}}},
  };
  return l;
}

// Go 1.23, linux/amd64: read from the DWARF of a binary built by go1.23.5
// (scripts/go_release_tables.py layout); runtime_check.py holds it to that
// DWARF when the toolchain is installed.
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
       {{"lock", 24, 8, "runtime.mutex"},
        {"midle", 32, 8, "runtime.muintptr"},
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
        {"inPtrScalarBits", 40, 8, "int64"}}},
  };
  return l;
}

// Go 1.24, linux/amd64: read from the DWARF of a binary built by go1.24.4
// (scripts/go_release_tables.py layout); runtime_check.py holds it to that
// DWARF when the toolchain is installed.
RuntimeLayout Go124Amd64() {
  RuntimeLayout l;
  l.source = "table";
  l.table_range = "go1.24 linux/amd64";
  l.structs = {
      {"runtime.g",
       440,
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
       1808,
       {{"g0", 0, 8, "*runtime.g"},
        {"procid", 72, 8, "uint64"},
        {"mstartfn", 184, 8, "func()"},
        {"curg", 192, 8, "*runtime.g"},
        {"p", 208, 8, "runtime.puintptr"},
        {"id", 232, 8, "int64"},
        {"alllink", 328, 8, "*runtime.m"}}},
      {"runtime.p",
       8952,
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
       {{"lock", 24, 8, "runtime.mutex"},
        {"midle", 32, 8, "runtime.muintptr"},
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
       1208,
       {{"alloc", 48, 1088, "[136]*runtime.mspan"}}},
      {"runtime.mheap",
       93008,
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
        {"inPtrScalarBits", 40, 8, "int64"}}},
  };
  return l;
}

// Go 1.25, linux/amd64: read from the DWARF of a binary built by go1.25.12
// (scripts/go_release_tables.py layout); runtime_check.py holds it to that
// DWARF when the toolchain is installed.
RuntimeLayout Go125Amd64() {
  RuntimeLayout l;
  l.source = "table";
  l.table_range = "go1.25 linux/amd64";
  l.structs = {
      {"runtime.g",
       440,
       {{"stack.lo", 0, 8, "uintptr"},
        {"stack.hi", 8, 8, "uintptr"},
        {"stackguard0", 16, 8, "uintptr"},
        {"m", 48, 8, "*runtime.m"},
        {"sched", 56, 48, "runtime.gobuf"},
        {"atomicstatus", 144, 4, "internal/runtime/atomic.Uint32"},
        {"goid", 152, 8, "uint64"},
        {"waitreason", 176, 1, "runtime.waitReason"},
        {"startpc", 296, 8, "uintptr"}}},
      {"runtime.m",
       1816,
       {{"g0", 0, 8, "*runtime.g"},
        {"procid", 64, 8, "uint64"},
        {"mstartfn", 176, 8, "func()"},
        {"curg", 184, 8, "*runtime.g"},
        {"p", 200, 8, "runtime.puintptr"},
        {"id", 224, 8, "int64"},
        {"alllink", 344, 8, "*runtime.m"}}},
      {"runtime.p",
       9512,
       {{"id", 0, 4, "int32"},
        {"status", 4, 4, "uint32"},
        {"m", 48, 8, "runtime.muintptr"},
        {"mcache", 56, 8, "*runtime.mcache"},
        {"runqhead", 392, 4, "uint32"},
        {"runqtail", 396, 4, "uint32"},
        {"runq", 400, 2048, "[256]runtime.guintptr"},
        {"gFree.size", 2464, 4, "int32"}}},
      {"runtime.schedt",
       6848,
       {{"lock", 32, 8, "runtime.mutex"},
        {"midle", 40, 8, "runtime.muintptr"},
        {"nmidle", 48, 4, "int32"},
        {"ngsys", 80, 4, "internal/runtime/atomic.Int32"},
        {"pidle", 88, 8, "runtime.puintptr"},
        {"npidle", 96, 4, "internal/runtime/atomic.Int32"},
        {"nmspinning", 100, 4, "internal/runtime/atomic.Int32"},
        {"runq", 112, 24, "runtime.gQueue"},
        {"runq.size", 128, 4, "int32"},
        {"gFree.stack.size", 184, 4, "int32"},
        {"gFree.noStack.size", 200, 4, "int32"},
        {"gcwaiting", 248, 1, "internal/runtime/atomic.Bool"}}},
      {"runtime.mspan",
       160,
       {{"next", 0, 8, "*runtime.mspan"},
        {"startAddr", 24, 8, "uintptr"},
        {"npages", 32, 8, "uintptr"},
        {"allocCount", 96, 2, "uint16"},
        {"spanclass", 98, 1, "runtime.spanClass"},
        {"state", 99, 1, "runtime.mSpanStateBox"}}},
      {"runtime.mcache",
       1208,
       {{"alloc", 48, 1088, "[136]*runtime.mspan"}}},
      {"runtime.mheap",
       93320,
       {{"allspans", 65864, 24, "[]*runtime.mspan"},
        {"pagesInUse", 65888, 8, "internal/runtime/atomic.Uintptr"},
        {"arenas", 66008, 8, "[1]*[4194304]*runtime.heapArena"}}},
      {"runtime.mstats",
       8264,
       {{"heapStats.stats", 0, 3504, "[3]runtime.heapStatsDelta"},
        {"stacks_sys", 3520, 8, "runtime.sysMemStat"},
        {"mspan_sys", 3528, 8, "runtime.sysMemStat"},
        {"mcache_sys", 3536, 8, "runtime.sysMemStat"},
        {"buckhash_sys", 3544, 8, "runtime.sysMemStat"},
        {"gcMiscSys", 3552, 8, "runtime.sysMemStat"},
        {"other_sys", 3560, 8, "runtime.sysMemStat"},
        {"numgc", 7680, 4, "uint32"}}},
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
       1168,
       {{"inStacks", 24, 8, "int64"},
        {"inWorkBufs", 32, 8, "int64"}}},
  };
  return l;
}

// Go 1.26, linux/amd64: read from the DWARF of a binary built by go1.26.10
// (scripts/go_release_tables.py layout); runtime_check.py holds it to that
// DWARF when the toolchain is installed.
RuntimeLayout Go126Amd64() {
  RuntimeLayout l;
  l.source = "table";
  l.table_range = "go1.26 linux/amd64";
  l.structs = {
      {"runtime.g",
       456,
       {{"stack.lo", 0, 8, "uintptr"},
        {"stack.hi", 8, 8, "uintptr"},
        {"stackguard0", 16, 8, "uintptr"},
        {"m", 48, 8, "*runtime.m"},
        {"sched", 56, 48, "runtime.gobuf"},
        {"atomicstatus", 144, 4, "internal/runtime/atomic.Uint32"},
        {"goid", 152, 8, "uint64"},
        {"waitreason", 176, 1, "runtime.waitReason"},
        {"startpc", 304, 8, "uintptr"}}},
      {"runtime.m",
       1824,
       {{"g0", 0, 8, "*runtime.g"},
        {"procid", 64, 8, "uint64"},
        {"mstartfn", 176, 8, "func()"},
        {"curg", 184, 8, "*runtime.g"},
        {"p", 208, 8, "runtime.puintptr"},
        {"id", 232, 8, "int64"},
        {"alllink", 352, 8, "*runtime.m"}}},
      {"runtime.p",
       15920,
       {{"id", 0, 4, "int32"},
        {"status", 4, 4, "uint32"},
        {"m", 48, 8, "runtime.muintptr"},
        {"mcache", 56, 8, "*runtime.mcache"},
        {"runqhead", 400, 4, "uint32"},
        {"runqtail", 404, 4, "uint32"},
        {"runq", 408, 2048, "[256]runtime.guintptr"},
        {"gFree.size", 2472, 4, "int32"}}},
      {"runtime.schedt",
       6872,
       {{"lock", 32, 8, "runtime.mutex"},
        {"midle", 40, 24, "runtime.listHeadManual"},
        {"nmidle", 64, 4, "int32"},
        {"ngsys", 96, 4, "internal/runtime/atomic.Int32"},
        {"pidle", 104, 8, "runtime.puintptr"},
        {"npidle", 112, 4, "internal/runtime/atomic.Int32"},
        {"nmspinning", 116, 4, "internal/runtime/atomic.Int32"},
        {"runq", 128, 24, "runtime.gQueue"},
        {"runq.size", 144, 4, "int32"},
        {"gFree.stack.size", 200, 4, "int32"},
        {"gFree.noStack.size", 216, 4, "int32"},
        {"gcwaiting", 264, 1, "internal/runtime/atomic.Bool"}}},
      {"runtime.mspan",
       160,
       {{"next", 0, 8, "*runtime.mspan"},
        {"startAddr", 24, 8, "uintptr"},
        {"npages", 32, 8, "uintptr"},
        {"allocCount", 96, 2, "uint16"},
        {"spanclass", 98, 1, "runtime.spanClass"},
        {"state", 99, 1, "runtime.mSpanStateBox"}}},
      {"runtime.mcache",
       2296,
       {{"alloc", 48, 1088, "[136]*runtime.mspan"}}},
      {"runtime.mheap",
       93464,
       {{"allspans", 65864, 24, "[]*runtime.mspan"},
        {"pagesInUse", 65888, 8, "internal/runtime/atomic.Uintptr"},
        {"arenas", 66008, 8, "[1]*[4194304]*runtime.heapArena"}}},
      {"runtime.mstats",
       10440,
       {{"heapStats.stats", 0, 3504, "[3]runtime.heapStatsDelta"},
        {"stacks_sys", 3520, 8, "runtime.sysMemStat"},
        {"mspan_sys", 3528, 8, "runtime.sysMemStat"},
        {"mcache_sys", 3536, 8, "runtime.sysMemStat"},
        {"buckhash_sys", 3544, 8, "runtime.sysMemStat"},
        {"gcMiscSys", 3552, 8, "runtime.sysMemStat"},
        {"other_sys", 3560, 8, "runtime.sysMemStat"},
        {"numgc", 7680, 4, "uint32"}}},
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
       1168,
       {{"inStacks", 24, 8, "int64"},
        {"inWorkBufs", 32, 8, "int64"}}},
  };
  return l;
}

// Go 1.27, linux/amd64: read from the DWARF of a binary built by go1.27.3
// (scripts/go_release_tables.py layout); runtime_check.py holds it to that
// DWARF when the toolchain is installed.
RuntimeLayout Go127Amd64() {
  RuntimeLayout l;
  l.source = "table";
  l.table_range = "go1.27 linux/amd64";
  l.structs = {
      {"runtime.g",
       456,
       {{"stack.lo", 0, 8, "uintptr"},
        {"stack.hi", 8, 8, "uintptr"},
        {"stackguard0", 16, 8, "uintptr"},
        {"m", 48, 8, "*runtime.m"},
        {"sched", 56, 48, "runtime.gobuf"},
        {"atomicstatus", 144, 4, "internal/runtime/atomic.Uint32"},
        {"goid", 152, 8, "uint64"},
        {"waitreason", 176, 1, "runtime.waitReason"},
        {"startpc", 304, 8, "uintptr"}}},
      {"runtime.m",
       1832,
       {{"g0", 0, 8, "*runtime.g"},
        {"procid", 64, 8, "uint64"},
        {"mstartfn", 176, 8, "func()"},
        {"curg", 184, 8, "*runtime.g"},
        {"p", 208, 8, "runtime.puintptr"},
        {"id", 232, 8, "int64"},
        {"alllink", 352, 8, "*runtime.m"}}},
      {"runtime.p",
       15920,
       {{"id", 0, 4, "int32"},
        {"status", 4, 4, "uint32"},
        {"m", 48, 8, "runtime.muintptr"},
        {"mcache", 56, 8, "*runtime.mcache"},
        {"runqhead", 400, 4, "uint32"},
        {"runqtail", 404, 4, "uint32"},
        {"runq", 408, 2048, "[256]runtime.guintptr"},
        {"gFree.size", 2472, 4, "int32"}}},
      {"runtime.schedt",
       6872,
       {{"lock", 32, 8, "runtime.mutex"},
        {"midle", 40, 24, "runtime.listHeadManual"},
        {"nmidle", 64, 4, "int32"},
        {"ngsys", 96, 4, "internal/runtime/atomic.Int32"},
        {"pidle", 104, 8, "runtime.puintptr"},
        {"npidle", 112, 4, "internal/runtime/atomic.Int32"},
        {"nmspinning", 116, 4, "internal/runtime/atomic.Int32"},
        {"runq", 128, 24, "runtime.gQueue"},
        {"runq.size", 144, 4, "int32"},
        {"gFree.stack.size", 200, 4, "int32"},
        {"gFree.noStack.size", 216, 4, "int32"},
        {"gcwaiting", 264, 1, "internal/runtime/atomic.Bool"}}},
      {"runtime.mspan",
       160,
       {{"next", 0, 8, "*runtime.mspan"},
        {"startAddr", 24, 8, "uintptr"},
        {"npages", 32, 8, "uintptr"},
        {"allocCount", 96, 2, "uint16"},
        {"spanclass", 98, 1, "runtime.spanClass"},
        {"state", 99, 1, "runtime.mSpanStateBox"}}},
      {"runtime.mcache",
       2296,
       {{"alloc", 48, 1088, "[136]*runtime.mspan"}}},
      {"runtime.mheap",
       93464,
       {{"allspans", 65864, 24, "[]*runtime.mspan"},
        {"pagesInUse", 65888, 8, "internal/runtime/atomic.Uintptr"},
        {"arenas", 66008, 8, "[1]*[4194304]*runtime.heapArena"}}},
      {"runtime.mstats",
       10440,
       {{"heapStats.stats", 0, 3504, "[3]runtime.heapStatsDelta"},
        {"stacks_sys", 3520, 8, "runtime.sysMemStat"},
        {"mspan_sys", 3528, 8, "runtime.sysMemStat"},
        {"mcache_sys", 3536, 8, "runtime.sysMemStat"},
        {"buckhash_sys", 3544, 8, "runtime.sysMemStat"},
        {"gcMiscSys", 3552, 8, "runtime.sysMemStat"},
        {"other_sys", 3560, 8, "runtime.sysMemStat"},
        {"numgc", 7680, 4, "uint32"}}},
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
       1168,
       {{"inStacks", 24, 8, "int64"},
        {"inWorkBufs", 32, 8, "int64"}}},
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

namespace {

// A dotted path ("gFree.stack.size": member size of the struct type of member
// stack of the struct type of member gFree), resolved through the structs'
// types; the offsets add up. nullopt with *why set when a step is missing.
std::optional<RuntimeField> Resolve(const std::vector<RuntimeStruct>& all, const RuntimeStruct& s,
                                    std::string_view path, std::string* why) {
  const RuntimeStruct* cur = &s;
  uint64_t base = 0;
  for (int depth = 0; depth < 4; ++depth) {  // paths in Keys() have at most three steps
    const auto dot = path.find('.');
    const RuntimeField* f = FindField(*cur, path.substr(0, dot));
    if (!f) {
      *why = depth == 0 ? "no such member in this release's DWARF"
                        : fmt::format("the DWARF has no {} in {}", path.substr(0, dot), cur->name);
      return std::nullopt;
    }
    if (dot == std::string_view::npos) return RuntimeField{{}, base + f->offset, f->size, f->type};
    const RuntimeStruct* inner = Find(all, f->type);
    if (!inner) {
      *why = fmt::format("the DWARF has no struct {}", f->type.empty() ? "for " + std::string(path.substr(0, dot)) : f->type);
      return std::nullopt;
    }
    base += f->offset;
    cur = inner;
    path = path.substr(dot + 1);
  }
  *why = "the path is too deep";
  return std::nullopt;
}

}  // namespace

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
      // "a|b": the first of the names this release has; a trailing "?": a
      // field only some releases have, left out without a note.
      std::string_view spec = key;
      const bool optional = spec.ends_with('?');
      if (optional) spec.remove_suffix(1);
      std::string first_why;
      bool found = false;
      for (size_t start = 0; start <= spec.size() && !found;) {
        const size_t bar = std::min(spec.find('|', start), spec.size());
        const std::string_view name = spec.substr(start, bar - start);
        std::string why;
        if (std::optional<RuntimeField> f = Resolve(all, *s, name, &why)) {
          f->name = std::string(name);
          out.fields.push_back(std::move(*f));
          found = true;
        } else if (first_why.empty()) {
          first_why = fmt::format("{}.{}: {}", k.name, name, why);
        }
        start = bar + 1;
      }
      if (!found && !optional) l.notes.push_back(first_why);
    }
    SortFields(&out);
    l.structs.push_back(std::move(out));
  }
  return l;
}

std::optional<RuntimeLayout> LayoutFromTable(int minor, int ptr_size, std::string_view goos, std::string_view goarch) {
  if (ptr_size != 8 || goos != "linux" || goarch != "amd64") return std::nullopt;
  switch (minor) {
    case 19: return Go119Amd64();
    case 21: return Go121Amd64();
    case 22: return Go122Amd64();
    case 23: return Go123Amd64();
    case 24: return Go124Amd64();
    case 25: return Go125Amd64();
    case 26: return Go126Amd64();
    case 27: return Go127Amd64();
    default: return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace exray::go
