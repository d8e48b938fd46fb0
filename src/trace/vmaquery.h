// What the kernel mapped, asked of the kernel: one VMA of a traced process
// by address (the PROCMAP_QUERY ioctl of /proc/PID/maps, Linux 6.11+, with
// /proc/PID/maps text as the fallback), and whether a private file mapping
// holds pages the process wrote (/proc/PID/pagemap). `exray run` classifies
// executable memory from these answers, never from the call's arguments,
// which another thread of the program can change under the tracer.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace exray::trace {

/// One VMA as the kernel has it.
struct VmaInfo {
  uint64_t start = 0, end = 0;
  bool read = false, write = false, exec = false, shared = false;
  uint64_t offset = 0, inode = 0;
  uint32_t dev_major = 0, dev_minor = 0;
  std::string name;  // the file, "[heap]", "/dev/zero (deleted)", "/memfd:x (deleted)"; "" anonymous
  bool file_backed() const { return inode != 0; }
  std::string Perms() const;  // "r-xp", as in maps
};

/// The VMAs of one process, asked one at a time. Opened once per process
/// image: an exec replaces the address space the open file refers to.
class ProcessMaps {
 public:
  explicit ProcessMaps(pid_t pid);
  ~ProcessMaps();
  ProcessMaps(const ProcessMaps&) = delete;
  ProcessMaps& operator=(const ProcessMaps&) = delete;

  /// The VMAs overlapping [start, end), in address order, at most `max`.
  /// Empty when the process is gone or nothing is mapped there.
  std::vector<VmaInfo> Overlapping(uint64_t start, uint64_t end, size_t max);
  /// The executable VMAs of the whole address space, at most `max`.
  std::vector<VmaInfo> Executable(size_t max);

 private:
  std::vector<VmaInfo> Query(uint64_t start, uint64_t end, size_t max, bool exec_only);

  int fd_ = -1;
  bool fast_ = true;  // the ioctl answers (false: every query reads the maps text)
};

/// Pages of [start, end) in `pid` that are present or swapped and not the
/// file's own page cache: in a private file mapping, copies the process
/// wrote. At most `max_pages` pages are looked at (from the start); nullopt
/// when pagemap cannot be read.
std::optional<uint64_t> WrittenPrivatePages(pid_t pid, uint64_t start, uint64_t end, uint64_t max_pages);

}  // namespace exray::trace
