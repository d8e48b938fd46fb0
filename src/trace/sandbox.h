// The sandbox of `exray run`, from plain system calls (reference/
// runtime-tracing.md §4.2): new user, mount, PID, network, IPC, UTS and
// cgroup namespaces; the host's tree read-only with a private /tmp, /run,
// /dev and /proc; no network but loopback; no capabilities; Landlock where
// the kernel has it; rlimits. The tracer stays outside, in the host's
// namespaces.
//
// The process layout: the tracer clones the sandbox's init (PID 1 of the new
// PID namespace), which builds the mounts and forks the program (PID 2). When
// the init dies the kernel kills everything left in the namespace, so
// nothing outlives the run.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "support/result.h"
#include "trace/model.h"

namespace exray::trace {

struct SandboxOptions {
  bool enabled = true;
  uint64_t memory_bytes = 0;        // RLIMIT_DATA of the program; 0: none
  std::vector<std::string> expose;  // host paths beneath /tmp, /run, /dev/shm bound read-only in
  uint64_t tmp_bytes = 1ull << 30;  // size of the private /tmp
};


/// Paths beneath /tmp, /run or /dev/shm that a run names (the program's
/// directory, the working directory, file arguments): the sandbox's private
/// ones would hide them, so they are bound read-only at the same place.
/// Real paths, unique, none beneath another.
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
