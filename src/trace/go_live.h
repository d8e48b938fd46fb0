// `exray go --pid`: a running Go program's scheduler state, read from outside
// through /proc/PID/maps and /proc/PID/mem without stopping it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lang/go/runtime_layout.h"
#include "trace/model.h"
#include "support/result.h"

namespace exray::trace {

/// The /proc files of one process, opened before exray's own sandbox: with
/// Landlock in force, opening /proc/PID/mem of a process outside the sandbox
/// is a ptrace access the kernel refuses, while reading a descriptor opened
/// earlier is not (maps and exe are opened with it).
struct ProcFiles {
  int pid = 0;
  int mem_fd = -1, maps_fd = -1, exe_fd = -1, smaps_fd = -1;
  int mem_errno = 0, maps_errno = 0, exe_errno = 0;  // why an open failed
  bool exists = false;                               // /proc/PID was there
  std::string exe_path;                              // readlink /proc/PID/exe
};

/// Opens /proc/PID/{mem,maps,exe,smaps} once per process and keeps them; later
/// calls for the same pid return the same files. Never fails: a file that
/// could not be opened has fd -1 and its errno.
const ProcFiles& OpenProcFiles(int pid);

/// Why the process cannot be read, as a message for the user (no such
/// process; permission denied, with Yama's ptrace_scope), or nullopt.
std::optional<Error> ProcAccessError(const ProcFiles& f);

/// The ELF's PT_LOAD segments as the file says (for the load bias).
struct LoadSegment {
  uint64_t vaddr = 0, offset = 0, filesz = 0;
};

/// Bytes of the file that the running process must hold at the same address
/// (plus the load bias): the Go build ID note and the start of .text. Without
/// them a FILE of another build would be read at its own addresses, and a
/// non-PIE Go program's segments sit at the same offsets whatever it is.
struct SameBytes {
  uint64_t vaddr = 0;
  std::string bytes;
  std::string what;  // "Go build ID note", ".text"
};

struct GoLiveInput {
  int pid = 0;
  std::vector<SameBytes> same;  // checked before anything is read
  const go::RuntimeLayout* layout = nullptr;  // with globals at link-time addresses
  std::vector<LoadSegment> loads;
  bool pie = false;  // ET_DYN: mapped at a base chosen at exec
  int minor = 0;     // the Go release (1.minor): wait reasons are named for 1.19 and 1.21 to 1.23
  // The function at a link-time pc (from the pclntab), or nullopt: tells the
  // runtime's own goroutines from the program's by g.startpc.
  std::function<std::optional<std::string>(uint64_t pc)> func_at;
  // /proc/PID/smaps as the caller already read it at the same stop (exray
  // run's snapshot); empty: read it here.
  std::string_view smaps;
};

struct GoLiveM {
  int64_t id = 0;
  uint64_t procid = 0;  // the thread id (gettid) of the M
  bool in_task = false; // procid is in /proc/PID/task
};

struct GoLiveCount {
  std::string name;
  uint64_t count = 0;
  uint64_t user = 0;  // of those, the program's (not the runtime's own)
};

/// What runtime.ReadMemStats would report (Go 1.19's readmemstats_m in
/// runtime/mstats.go), from the words it derives them from, read from outside
/// without stopping the world: each word is current, the set is a moment's.
/// Bytes.
struct GoMemStats {
  uint64_t heap_in_use = 0, heap_free = 0, heap_released = 0;  // gcController
  uint64_t total_alloc = 0, total_free = 0;                    // gcController: HeapAlloc's terms
  // The consistent heap statistics' ring, its three deltas summed (what
  // consistentHeapStats.read adds up): in the heap arenas but not heap.
  uint64_t stack_in_use = 0, work_bufs = 0, ptr_scalar_bits = 0;
  // Mapped outside the arenas for the runtime's own metadata (memstats).
  uint64_t stacks_sys = 0, mspan_sys = 0, mcache_sys = 0, buckhash_sys = 0, gc_misc_sys = 0, other_sys = 0;

  uint64_t HeapSys() const { return heap_in_use + heap_free + heap_released; }
  uint64_t HeapIdle() const { return heap_free + heap_released; }
  uint64_t HeapAlloc() const { return total_alloc >= total_free ? total_alloc - total_free : 0; }
  uint64_t StackSys() const { return stack_in_use + stacks_sys; }
  uint64_t GCSys() const { return gc_misc_sys + work_bufs + ptr_scalar_bits; }
  // What the runtime keeps in the arenas, released pages aside: the most
  // of the arenas that can be resident.
  uint64_t InArenas() const { return heap_in_use + heap_free + stack_in_use + work_bufs + ptr_scalar_bits; }
  // Mapped outside the arenas for metadata (MSpanSys, MCacheSys, BuckHashSys,
  // gcMiscSys, OtherSys, and stacks the OS gave: stacks_sys).
  uint64_t OffArenaSys() const {
    return stacks_sys + mspan_sys + mcache_sys + buckhash_sys + gc_misc_sys + other_sys;
  }
  uint64_t Sys() const { return HeapSys() + StackSys() + mspan_sys + mcache_sys + buckhash_sys + GCSys() + other_sys; }
};

struct GoLive {
  int pid = 0;
  uint64_t load_bias = 0;
  int32_t gomaxprocs = 0;
  uint64_t nprocs = 0;  // len(allp)
  // NumGoroutine as gcount() computes it (Go 1.19 runtime/proc.go).
  int64_t goroutines = 0;
  uint64_t allglen = 0, allgs_read = 0;
  int64_t sched_gfree = 0, p_gfree = 0;
  uint32_t ngsys = 0;
  std::vector<GoLiveCount> by_status;  // idle, runnable, running, syscall, waiting, dead, then any other
  std::vector<GoLiveCount> waiting;    // wait reasons of the waiting ones, most first
  // Walked in allgs, not dead, by isSystemGoroutine's rule (Go 1.19
  // runtime/traceback.go: started in a runtime.* function other than
  // runtime.main; the finalizer goroutine counts as the runtime's); nullopt
  // when the layout has no g.startpc or there is no pclntab.
  std::optional<uint64_t> user_live, system_live;
  std::vector<GoLiveM> ms;
  uint64_t threads = 0;                 // Threads: of /proc/PID/status
  std::vector<uint64_t> tasks;          // /proc/PID/task, sorted
  // The same threads as the process's own pid namespace numbers them (NSpid),
  // when it is in one of its own (exray run's sandbox): M.procid is that number.
  std::vector<uint64_t> tasks_ns;
  std::optional<uint64_t> vm_rss_kb, rss_anon_kb, rss_file_kb;
  // The GC's figures, when the layout has them: memstats.numgc (cycles
  // completed), gcController.heapLive (bytes marked live by the last cycle,
  // plus allocated since) and ReadMemStats's figures.
  std::optional<uint32_t> gc_cycles;
  std::optional<uint64_t> heap_live;
  std::optional<GoMemStats> memstats;
  // The kernel's view: /proc/PID/smaps grouped by kind (trace/smaps.h, Go
  // arenas recognised), empty when smaps could not be read.
  std::vector<MemoryGroup> memory;
  uint64_t reads = 0;                   // pread calls on /proc/PID/mem
  std::vector<std::string> notes;
};

/// Reads the goroutines, Ps and Ms of process pid. An Error, with a message
/// fit for the user, when the process is gone (or exits while read), its
/// memory cannot be read, the layout lacks a field or a global is missing.
/// Every count read from the process is capped (kMaxLive* in limits.h), the
/// allm walk stops on a cycle, and a cap reached is said in notes.
[[nodiscard]] Result<GoLive> ReadGoLive(const GoLiveInput& in);

/// The waitReason names of Go 1.19 and 1.21 to 1.27 (runtime/runtime2.go), by value;
/// "" past the end or for another release.
std::string WaitReasonName(int minor, uint8_t reason);

}  // namespace exray::trace
