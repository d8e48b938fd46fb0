// /proc/PID/smaps (and maps) parsing and the memory-by-kind grouping of `exray run`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "trace/model.h"

namespace exray::trace {

/// Parses smaps or maps text: one Vma per header line, with the Size, Rss,
/// Pss, Anonymous and Swap fields when present. Lines that parse as neither
/// are skipped; a " (deleted)" suffix stays in the path.
std::vector<Vma> ParseSmaps(std::string_view text);

struct GroupingInput {
  std::string program;  // the program's file as the kernel names it (/proc/PID/exe)
  std::vector<uint64_t> stack_pointers;  // thread stack pointers and clone child_stack values
  bool go = false;      // recognise Go heap arenas
};

/// Groups VMAs by kind, in this fixed order (empty kinds included):
///  program-text   the program's file, executable
///  program-data   the program's file, not executable, plus an anonymous rw VMA
///                 that starts where one of those ends (its bss)
///  heap           [heap] (brk)
///  go-arenas      for Go programs: anonymous VMAs that start in the 4 GiB after
///                 one of the heap arena hints of the Go runtime on amd64,
///                 i<<40 | 0x00c0<<32 (runtime/malloc.go; 0xc000000000 first),
///                 that is bits 32-39 of the address are 0xc0; goroutine stacks
///                 and, without cgo, the threads' g0 stacks live there too. The
///                 runtime's other reservations (page summaries, scavenger
///                 index: hundreds of MiB of PROT_NONE) count as anonymous
///  thread-stacks  [stack] and anonymous VMAs that hold a thread's stack pointer
///  anonymous      every other anonymous VMA (malloc arenas, large malloc, JIT code)
///  shared-memory  shmem that no file system holds: MAP_SHARED|MAP_ANONYMOUS
///                 ("/dev/zero (deleted)" with 's'), SysV segments ("/SYSV..."),
///                 memfd ("/memfd:...") and files under /dev/shm; it escapes
///                 RLIMIT_DATA (the sandbox's memory cgroup bounds it)
///  libraries      other file-backed VMAs
///  other          [vdso], [vvar], [vsyscall] and anything else
std::vector<MemoryGroup> GroupMemory(const std::vector<Vma>& vmas, const GroupingInput& in);

}  // namespace exray::trace
