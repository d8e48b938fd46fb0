// The tracer of `exray run`: runs a program under ptrace with a seccomp
// filter that stops it only at the system calls of interest (the way
// `strace --seccomp-bpf` does), and records what it mapped, exec'd and started.
#pragma once

#include <string>
#include <vector>

#include "support/result.h"
#include "trace/go_live.h"
#include "trace/model.h"
#include "trace/sandbox.h"

namespace exray::trace {

/// The system calls that stop the tracee (x86-64 names); every other call
/// runs at full speed. clone3, io_uring_setup, ptrace and process_vm_writev
/// are in the set only to be denied (and counted) by the tracer.
extern const char* const kTraceSet[];

struct TraceOptions {
  std::string path;                 // what to execve
  std::vector<std::string> argv;    // argv[0] included
  double timeout_seconds = 10;      // wall clock, then the whole tree is killed
  uint64_t max_tracees = 512;       // threads and processes alive at once
  uint64_t max_stops = 50'000'000;  // ptrace stops in the whole run
  uint64_t file_size_limit = 1ull << 30;  // RLIMIT_FSIZE of the tracee
  SandboxOptions sandbox;                 // sandbox.enabled false: run unconfined (--no-sandbox)
  std::string stdin_path;                 // the program's stdin ("" : /dev/null)
  std::vector<std::string> env;           // added to (or replacing in) the clean environment
  // A Go program: how to read its runtime (pid left 0). When set, the
  // goroutines, threads, GC and heap figures are read at the program's
  // exit_group, with its memory still there (Observation::go_at_exit).
  const GoLiveInput* go_live = nullptr;
};

/// The clean environment the program gets: PATH, HOME=/tmp, LANG=C.UTF-8,
/// then each NAME=VALUE of `extra` (replacing a default of the same name).
std::vector<std::string> CleanEnvironment(const std::vector<std::string>& extra = {});

/// Runs the program once and observes it, in the sandbox unless
/// opts.sandbox.enabled is false. The tracee's stdin is /dev/null (or
/// opts.stdin_path) and its stdout and stderr are this process's stderr. Every tracee is killed
/// and reaped before this returns, on every path. Fails only when the run
/// could not be set up (fork, ptrace or the filter refused).
Result<Observation> Trace(const TraceOptions& opts);

}  // namespace exray::trace
