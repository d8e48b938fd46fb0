// What one traced run of a program did: the observation `exray run` reports
// and compares with the static Analysis.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace exray::trace {

/// Where an executable mapping came from (Classify in trace/verdict.h decides it).
enum class MapSource {
  kProgram,      // the traced program's own file
  kInterpreter,  // its PT_INTERP (ld.so)
  kNeeded,       // a file of the static DT_NEEDED closure
  kGlibc,        // glibc's own run-time loads: libnss_*, gconv modules, libgcc_s
  kEngine,       // a VM launcher's engine: a file of its installation, or one those files need
  kRuntimeLoad,  // any other file: loaded at run time (dlopen or a private loader)
  kExtension,    // an extension module of the program's engine loaded at run time (php's opcache.so)
  kAnonymous,    // anonymous memory: JIT
  kMemfd,        // a memfd: JIT (double mapping)
  kShared,       // /dev/shm, a tmpfs file or SysV shm: JIT
  kOtherImage,   // mapped by another program the run exec'd (not FILE)
  kWritten,      // a file's code that was writable or written in the run: a private
                 // mapping made RWX or with pages copied on write, or a file the run wrote
  kMaxValue = kWritten,
};
const char* ToString(MapSource s);
/// Whether code from this source is generated at run time.
inline bool IsJit(MapSource s) {
  return s == MapSource::kAnonymous || s == MapSource::kMemfd || s == MapSource::kShared ||
         s == MapSource::kWritten;
}

/// One mmap/mprotect/pkey_mprotect/mremap/shmat that made memory executable.
struct ExecMapping {
  uint64_t seq = 0;  // order among the run's traced calls
  uint64_t t_us = 0; // when, in microseconds since the run began
  int pid = 0;       // the thread that called
  std::string call;  // mmap, mprotect, pkey_mprotect, mremap, shmat; at-exit (seen only in smaps at exit)
  uint64_t addr = 0, len = 0;
  uint32_t prot = 0, flags = 0;
  int fd = -1;
  std::string path;          // the VMA's file as the kernel mapped it ("" when anonymous)
  std::string requested;     // mmap: the file behind the fd at the call, when it is not what was mapped
  uint64_t inode = 0;        // of the mapped file (0: anonymous)
  bool shared = false;       // MAP_SHARED (shared anonymous memory is shmem)
  uint64_t written_pages = 0;  // private file pages the process had written (pagemap)
  bool written_file = false;   // the file was opened for writing by the run
  std::string prev_prot;     // mprotect: the protection(s) before, as in maps ("rw-p")
  bool adds_exec = false;    // mprotect: a page of the range was not executable before
  bool writable = false;     // RWX
  bool ok = true;            // the call succeeded
  bool tmpfs = false;        // the file is on tmpfs/shmem (statfs at the stop)
  std::string image;         // the program running in that process at the time
  MapSource source = MapSource::kAnonymous;
};

/// A successful or failed execve/execveat.
struct ExecEvent {
  uint64_t seq = 0;
  uint64_t t_us = 0;
  int pid = 0;
  std::string path;       // what the kernel exec'd (/proc/PID/exe), or the argument when it is that file
  std::string requested;  // the path argument, when it is not the file that ran
  std::string argv0;
  bool ok = false;
  bool initial = false;  // the tracer's own exec of FILE
  bool generated = false;  // a memfd, a deleted file, /dev/shm, or a file the run wrote
};

/// A denied or flagged attempt to get out of sight of the tracer.
struct EscapeAttempt {
  int pid = 0;
  std::string what;    // clone3, ptrace, process_vm_writev, io_uring_setup, clone-untraced,
                       // seccomp-filter, proc-mem-write, foreign-arch, personality-exec,
                       // signal-outside, host-socket
  std::string action;  // "denied (ENOSYS)", "denied (EPERM)", "flagged"
  std::string detail;
};

/// One VMA of /proc/PID/smaps.
struct Vma {
  uint64_t start = 0, end = 0;
  std::string perms;  // "r-xp"
  uint64_t offset = 0, inode = 0;
  std::string path;   // "" for anonymous; "[heap]", "[stack]", "/usr/lib/..."
  uint64_t size_kb = 0, rss_kb = 0, pss_kb = 0, anonymous_kb = 0, swap_kb = 0;
};

/// Memory at exit by kind, in KiB (Rss and Size summed over VMAs).
struct MemoryGroup {
  std::string kind;  // program-text, program-data, heap, go-arenas, thread-stacks, anonymous, libraries, other
  uint64_t vmas = 0, size_kb = 0, rss_kb = 0;
};

/// What the sandbox of one run was made of, for the report.
struct SandboxReport {
  bool enabled = false;
  std::vector<std::string> namespaces;  // user, mount, pid, net, ipc, uts, cgroup
  std::string uid_map, gid_map;         // "0 1000 1": root inside is the invoking user outside
  std::vector<std::string> filesystem;  // one line per mount decision
  int landlock_abi = 0;                 // 0: Landlock not enforced
  std::string landlock;                 // what it enforces, or why it is absent
  std::vector<std::string> limits;      // "RLIMIT_DATA 536870912", ...
  std::vector<std::string> notes;       // anything weaker than asked
  double setup_ms = 0;                  // clone to the program's execve, measured in the sandbox
};

struct GoLive;  // trace/go_live.h

struct Observation {
  std::string program;       // the path exec'd
  std::string program_real;  // /proc/PID/exe after the exec: the file that ran
  std::vector<std::string> argv;
  std::vector<std::string> env;  // the tracee's whole environment
  SandboxReport sandbox;
  std::string stdin_from;        // the file given as stdin ("" for /dev/null)
  uint64_t peak_tree_threads = 0;  // most threads alive at once across the whole run

  // How it ended.
  bool started = false;          // the initial exec succeeded
  std::string start_error;       // why it did not
  bool exited = false;           // exit status below is valid
  int exit_code = 0;
  int term_signal = 0;           // killed by this signal (0: exited normally)
  bool timed_out = false;
  bool tracee_cap_hit = false;   // more tracees than the cap: the run was killed
  bool step_cap_hit = false;     // more ptrace stops than the cap: the run was killed
  double wall_seconds = 0, user_seconds = 0, sys_seconds = 0;
  uint64_t peak_rss_kb = 0;       // ru_maxrss of the largest process of the run
  std::optional<uint64_t> vm_hwm_kb;  // VmHWM of FILE's process at exit

  // What it did.
  std::vector<ExecMapping> exec_mappings;
  uint64_t exec_mappings_dropped = 0;  // beyond the caps (file code and run-time code kept apart)
  std::vector<ExecEvent> execs;
  std::vector<std::string> files_opened_elf;  // files opened that start with \x7fELF (unique)
  uint64_t threads_started = 0, processes_forked = 0;
  uint64_t peak_threads = 0;  // most threads alive at once in one process (the main thread counts)
  uint64_t traced_calls = 0, stops = 0;
  std::vector<EscapeAttempt> escapes;
  std::map<std::string, uint64_t> escape_counts;  // every attempt, by "what\taction", beyond the kept list
  uint64_t foreign_arch_calls = 0;

  // The program's stdout and stderr, relayed by exray (escaped) to its own stderr.
  uint64_t output_bytes = 0;
  bool terminal_restored = false;  // the program changed exray's terminal; exray put it back

  // Memory of FILE's process at exit_group (or its exit event).
  bool memory_snapshot = false;
  std::vector<Vma> vmas;
  std::vector<MemoryGroup> memory;
  std::vector<uint64_t> thread_stack_pointers;  // sp of each thread seen, for grouping

  // A Go program's runtime read at the same moment (TraceOptions::go_live):
  // the figures, or why they could not be read; neither when not asked.
  std::shared_ptr<const GoLive> go_at_exit;
  std::string go_at_exit_error;
};

}  // namespace exray::trace
