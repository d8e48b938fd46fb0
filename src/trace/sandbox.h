// The sandbox of `exray run`, from plain system calls (docs/run.md, "The
// sandbox"): new user, mount, PID, network, IPC, UTS and
// cgroup namespaces; a fresh root that shows an allow-list of the host's
// system directories read-only (credentials masked), with a private /tmp,
// /run, /dev and /proc; no network but loopback; no capabilities; Landlock
// where the kernel has it; rlimits and a memory cgroup. The tracer stays
// outside, in the host's namespaces.
//
// The process layout: the tracer clones the sandbox's init (PID 1 of the new
// PID namespace), which builds the mounts and forks the program (PID 2). When
// the init dies the kernel kills everything left in the namespace, so
// nothing outlives the run.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "support/result.h"
#include "trace/model.h"

namespace exray::trace {

struct SandboxOptions {
  bool enabled = true;
  // RLIMIT_DATA of the program, the memory cgroup's limit, and the bound on
  // the private tmpfs mounts and SysV shared memory together; 0: none.
  uint64_t memory_bytes = 0;
  std::vector<std::string> expose;  // host paths the root does not show, bound read-only at the same place
  uint64_t tmp_bytes = 1ull << 30;  // size of the private /tmp (at most half of memory_bytes)
};

/// Paths a run names (the program's directory, the working directory, file
/// arguments) that the sandbox's root does not show: outside its allow-list
/// of host directories (/usr, /etc, /opt, /sys, ...), or beneath its private
/// /tmp, /run and /dev/shm. They are bound read-only at the same place.
/// Never "/", /dev, /proc or a whole top-level directory the sandbox makes
/// (/home, /var, /tmp, ...): a program directly in one is bound alone. Real
/// paths, unique, none beneath another; nonexistent arguments are skipped.
std::vector<std::string> HiddenPathsToExpose(const std::string& program, const std::vector<std::string>& args);

namespace sandbox_internal {

/// Everything the children need, prepared before the clone so they only
/// make system calls.
struct Plan {
  SandboxOptions opts;
  int status_fd = -1;  // write end of the report pipe (CLOEXEC)
  std::vector<std::string> expose_targets;
};

/// Clones the sandbox's init with the new namespaces. Returns its pid (in the
/// parent); the child never returns from here: it waits for `go_fd`, builds
/// the mounts, forks, and the grandchild calls `program()` (which must
/// execve or _exit).
pid_t CloneInit(const Plan& plan, int go_fd, int close_fd, void (*program)(void*), void* arg);

/// Writes uid_map, setgroups and gid_map of the init (from the parent).
Result<bool> WriteIdMaps(pid_t init, SandboxReport* report);

/// A memory cgroup made for one run; removed when destroyed (after the run,
/// when every process in it is gone).
class MemoryCgroup {
 public:
  MemoryCgroup() = default;
  MemoryCgroup(std::string dir, int version) : dir_(std::move(dir)), version_(version) {}
  MemoryCgroup(MemoryCgroup&& o) noexcept : dir_(std::move(o.dir_)), version_(o.version_) { o.dir_.clear(); }
  MemoryCgroup& operator=(MemoryCgroup&&) = delete;
  MemoryCgroup(const MemoryCgroup&) = delete;
  ~MemoryCgroup() { Remove(nullptr); }

  /// Adds the peak usage and the OOM kills to `report->limits` (when given),
  /// kills what is left in the cgroup (v2) and removes it. Idempotent.
  void Remove(SandboxReport* report);
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;  // empty: none
  int version_ = 0;
};

/// From the parent, before the init is let go: makes a child of exray's own
/// memory cgroup (v1 memory.limit_in_bytes and memsw, or v2 memory.max and
/// memory.swap.max 0) and moves the init into it, so the program and its
/// shared memory, tmpfs files and page cache are charged there. `bytes` 0:
/// nothing. Where no memory cgroup can be made the run goes on: the reason
/// is a note (WEAKER) and the result is empty. Reported in `report->limits`.
MemoryCgroup JoinMemoryCgroup(pid_t init, uint64_t bytes, SandboxReport* report);

/// Drops every capability for good: bounding and ambient sets, securebits
/// (where permitted), capset. `status_fd` -1: nowhere to report.
void DropCapabilities(int status_fd);

/// In the program's process, after the fork from init and before the
/// seccomp filter: drops capabilities, sets rlimits, no_new_privs and
/// Landlock. Reports failures on the status pipe and _exits on fatal ones.
void ConfineProgram(const Plan& plan);

/// Reads what the children wrote on the status pipe. `fatal` is the setup
/// error that stopped the run, if any; setup_ms counts from `clone_ns`
/// (CLOCK_MONOTONIC, taken before the clone).
void ReadStatus(int fd, int64_t clone_ns, SandboxReport* report, std::string* fatal);

}  // namespace sandbox_internal
}  // namespace exray::trace
