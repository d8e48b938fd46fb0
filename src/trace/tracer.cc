// The ptrace + seccomp RET_TRACE tracer (docs/run.md, "How it observes").
#include "trace/tracer.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <cstddef>
#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <sstream>

#include "support/limits.h"
#include "trace/relay.h"
#include "trace/smaps.h"
#include "trace/verdict.h"
#include "trace/vmaquery.h"

namespace exray::trace {

const char* const kTraceSet[] = {
    "mmap",   "mprotect", "pkey_mprotect", "mremap",         "shmat",       "memfd_create", "open",
    "openat", "openat2",  "execve",        "execveat",       "clone",       "clone3",       "fork",
    "vfork",  "exit_group", "ptrace",      "process_vm_writev", "io_uring_setup", "seccomp", "prctl",
    "personality", "kill", "tkill", "tgkill", "creat", "pidfd_open", "pidfd_send_signal", "rt_sigqueueinfo",
    "rt_tgsigqueueinfo",
    // Denied, and reported: ways to change namespaces or mounts, and kernel
    // facilities a program under study has no business with (§4.2 step 6).
    "unshare", "setns", "mount", "umount2", "pivot_root", "open_tree", "move_mount", "fsopen", "fsmount",
    "fsconfig", "fspick", "mount_setattr", "bpf", "perf_event_open", "userfaultfd", "keyctl", "add_key",
    "request_key", "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", nullptr};

namespace {

// Every tracee's options. A thread that is not its process's leader drops
// TRACEEXIT at its first stop: its exit needs no stop (the witness and the
// memory snapshot come from exit_group and the leader's exit event), and a
// program that makes many short threads saves a stop on each.
constexpr long kPtraceOptions = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEEXEC | PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK |
                                PTRACE_O_TRACEVFORK | PTRACE_O_TRACESECCOMP | PTRACE_O_TRACEEXIT | PTRACE_O_EXITKILL;
constexpr long kThreadOptions = kPtraceOptions & ~PTRACE_O_TRACEEXIT;
constexpr uint64_t kReadImpliesExec = 0x0400000;  // personality(2) READ_IMPLIES_EXEC
constexpr uint64_t kTmpfsMagic = 0x01021994;
constexpr uint64_t kX32Bit = 0x40000000;
constexpr uint64_t kNamespaceFlags = CLONE_NEWNS | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC |
                                     CLONE_NEWUTS | CLONE_NEWCGROUP;

volatile sig_atomic_t g_tick = 0;
void OnAlarm(int) { g_tick = 1; }

std::string Readlink(const std::string& p) {
  char buf[4096];
  ssize_t n = readlink(p.c_str(), buf, sizeof buf);
  if (n <= 0) return "";
  return std::string(buf, static_cast<size_t>(n));
}

std::string ReadFileText(const std::string& p, size_t cap = 64u << 20) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return "";
  std::string s;
  char buf[65536];
  while (s.size() < cap && in.read(buf, sizeof buf).gcount() > 0) s.append(buf, static_cast<size_t>(in.gcount()));
  return s;
}

/// Reads a NUL-terminated string from the tracee, a page at a time.
std::string ReadString(int tid, uint64_t addr) {
  std::string s;
  while (addr != 0 && s.size() < kMaxString) {
    char buf[256];
    size_t want = 256 - (addr % 256);  // never cross a 256-byte boundary: it may end a mapping
    iovec local{buf, want}, remote{reinterpret_cast<void*>(addr), want};
    ssize_t n = process_vm_readv(tid, &local, 1, &remote, 1, 0);
    if (n <= 0) break;
    const char* nul = static_cast<const char*>(memchr(buf, 0, static_cast<size_t>(n)));
    if (nul) {
      s.append(buf, static_cast<size_t>(nul - buf));
      break;
    }
    s.append(buf, static_cast<size_t>(n));
    addr += static_cast<uint64_t>(n);
  }
  return s;
}

std::string SyscallName(uint64_t nr) {
  char* name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, static_cast<int>(nr));
  std::string s = name ? name : fmt::format("system call {}", nr);
  free(name);
  return s;
}

/// /proc/self/mem, /proc/PID/mem, /proc/PID/task/TID/mem: written, it
/// punches through page protections.
bool IsProcMem(const std::string& path) {
  return path.rfind("/proc/", 0) == 0 && path.size() > 4 && path.compare(path.size() - 4, 4, "/mem") == 0;
}

uint64_t ReadPointer(int tid, uint64_t addr) {
  uint64_t v = 0;
  iovec local{&v, sizeof v}, remote{reinterpret_cast<void*>(addr), sizeof v};
  if (process_vm_readv(tid, &local, 1, &remote, 1, 0) != sizeof v) return 0;
  return v;
}

/// The thread group of a tid, from /proc (only when its clone event has not come yet).
int ReadTgid(int tid) {
  std::string s = ReadFileText(fmt::format("/proc/{}/status", tid), 8192);
  size_t p = s.find("\nTgid:");
  return p == std::string::npos ? 0 : std::atoi(s.c_str() + p + 6);
}

std::optional<uint64_t> ReadVmHwm(int tid) {
  std::string s = ReadFileText(fmt::format("/proc/{}/status", tid), 8192);
  size_t p = s.find("\nVmHWM:");
  if (p == std::string::npos) return std::nullopt;
  return std::strtoull(s.c_str() + p + 7, nullptr, 10);
}

/// The seccomp filter as BPF, built by libseccomp in the parent so that the
/// child only has to load it (no allocation between fork and exec).
Result<std::vector<sock_filter>> BuildFilter(bool sandboxed) {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (!ctx) return MakeError("seccomp_init failed");
  struct Guard {
    scmp_filter_ctx c;
    ~Guard() { seccomp_release(c); }
  } guard{ctx};
  // i386 (int 0x80) and x32 calls are filtered like x86-64 ones and
  // classified by name; any other architecture stops and is denied.
  if (int rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_TRACE(1)); rc != 0)
    return MakeError(fmt::format("seccomp bad-arch action: {}", strerror(-rc)));
  if (int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0); rc != 0)  // set by the child itself
    return MakeError(fmt::format("seccomp no_new_privs attribute: {}", strerror(-rc)));
  for (uint32_t arch : {SCMP_ARCH_X86, SCMP_ARCH_X32})
    if (int rc = seccomp_arch_add(ctx, arch); rc != 0 && rc != -EEXIST)
      return MakeError(fmt::format("seccomp architecture: {}", strerror(-rc)));
  // Calls that only matter with PROT_EXEC (SHM_EXEC) stop only then: a
  // program's many ordinary mmaps and mprotects run at full speed.
  const scmp_arg_cmp prot_exec = SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, PROT_EXEC);
  const scmp_arg_cmp shm_exec = SCMP_A2(SCMP_CMP_MASKED_EQ, SHM_EXEC, SHM_EXEC);
  for (const char* const* n = kTraceSet; *n; ++n) {
    int nr = seccomp_syscall_resolve_name(*n);
    if (nr == __NR_SCMP_ERROR) continue;
    const std::string_view name = *n;
    int rc;
    if (name == "mmap" || name == "mprotect" || name == "pkey_mprotect") {
      rc = seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), nr, 1, prot_exec);
    } else if (name == "shmat") {
      rc = seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), nr, 1, shm_exec);
    } else if (name == "clone") {
      // A new thread needs no stop of its own: its clone event says enough.
      // New processes stop (their flags tell a process from a thread at the
      // event), and so does any clone with a flag the tracer denies.
      rc = seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), nr, 1, SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0));
      for (uint64_t bit = 1; rc == 0 && bit != 0; bit <<= 1)
        if (bit & (kNamespaceFlags | CLONE_UNTRACED))
          rc = seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), nr, 1, SCMP_A0(SCMP_CMP_MASKED_EQ, bit, bit));
    } else {
      rc = seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), nr, 0);
    }
    if (rc != 0) return MakeError(fmt::format("seccomp rule for {}: {}", *n, strerror(-rc)));
  }
  // In the sandbox, connects and addressed sends to path sockets are
  // checked as a second layer behind the allow-list root (host sockets
  // should not be there at all). sendmsg's address is in memory the filter
  // cannot read: it is not checked.
  if (sandboxed) {
    if (int rc = seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), SCMP_SYS(connect), 0); rc != 0)
      return MakeError(fmt::format("seccomp rule for connect: {}", strerror(-rc)));
    if (int rc = seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), SCMP_SYS(sendto), 1, scmp_arg_cmp{4, SCMP_CMP_NE, 0, 0}); rc != 0)
      return MakeError(fmt::format("seccomp rule for sendto: {}", strerror(-rc)));
  }
  // i386 only: mmap2 (mmap's arguments), and ipc(2), which multiplexes shmat.
  if (int nr = seccomp_syscall_resolve_name("mmap2"); nr != __NR_SCMP_ERROR)
    seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), nr, 1, prot_exec);
  if (int nr = seccomp_syscall_resolve_name("ipc"); nr != __NR_SCMP_ERROR) seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), nr, 0);
  int fd = memfd_create("exray-filter", MFD_CLOEXEC);
  if (fd < 0) return MakeError(fmt::format("memfd_create: {}", strerror(errno)));
  std::string bytes;
  if (int rc = seccomp_export_bpf(ctx, fd); rc == 0) {
    lseek(fd, 0, SEEK_SET);
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) bytes.append(buf, static_cast<size_t>(n));
  } else {
    close(fd);
    return MakeError(fmt::format("seccomp_export_bpf: {}", strerror(-rc)));
  }
  close(fd);
  if (bytes.empty() || bytes.size() % sizeof(sock_filter) != 0 || bytes.size() / sizeof(sock_filter) > BPF_MAXINSNS)
    return MakeError("seccomp filter: unexpected size");
  std::vector<sock_filter> prog(bytes.size() / sizeof(sock_filter));
  memcpy(prog.data(), bytes.data(), bytes.size());
  return prog;
}

/// One thread under trace. A tid is in the live set only from a stop the
/// kernel reported for it to its exit: never from an event that names it,
/// which can arrive after the thread is gone and its number reused.
struct Tracee {
  int tgid = 0;
  // The call whose exit stop is awaited (PTRACE_SYSCALL after the seccomp stop).
  enum class Pending { kNone, kMap, kExec, kOpen } pending = Pending::kNone;
  ExecMapping map;  // for kMap
  uint64_t map_end = 0;  // mprotect/mremap: the end of the range asked for
  ExecEvent exec;   // for kExec
  uint64_t open_flags = 0;
  std::string open_path;  // for opens with write access only: a refused /proc/PID/mem is reported
  uint64_t clone_flags = 0;    // of the last clone call that stopped, for its event
  bool clone_stopped = false;  // that call's event is still to come
};

/// One process of the run (a thread group).
struct Process {
  int pidfd = -1;      // opened at its first stop: the only handle a kill goes through
  uint64_t threads = 0;
  std::unique_ptr<ProcessMaps> maps;  // for this image; reset at exec
  std::string image;   // /proc/PID/exe of the image running
  bool witnessed = false;  // its exit's smaps looked at
};

using FileId = std::pair<uint64_t, uint64_t>;  // st_dev, st_ino

class Tracer {
 public:
  Tracer(const TraceOptions& opts, Observation* obs) : opts_(opts), obs_(*obs) {}
  ~Tracer() {
    for (auto& [tgid, p] : procs_)
      if (p.pidfd >= 0) close(p.pidfd);
    if (init_pidfd_ >= 0) close(init_pidfd_);
  }
  Result<bool> Run();

 private:
  void Loop();
  void Handle(pid_t tid, int status);  // one wait status
  void OnFirstStop(int tid);
  void OnCloneEvent(int parent, int child, int event);
  void AddLive(int tid, int tgid);
  void OnGone(int tid, int status);
  void OnSeccomp(int tid);
  void OnSyscallExit(int tid);
  void OnExec(int tid);
  void Snapshot(int tid);
  void Witness(int tgid);
  void RecordMapping(int tid, Tracee& t, int64_t rval);
  void Keep(ExecMapping m);
  bool InsideRun(int64_t target, bool group) const;
  bool SignalAllowed(int tid, uint64_t nr, const uint64_t* a, std::string* detail);
  void Deny(int tid, int err);
  void Resume(int tid, int request = PTRACE_CONT, int sig = 0);
  void KillAll();
  void Drain();
  void Escape(int tid, std::string what, std::string action, std::string detail = "");
  Process& Proc(int tgid) { return procs_[tgid]; }
  ProcessMaps& Maps(int tgid);
  std::string Image(int tgid);

  const TraceOptions& opts_;
  Observation& obs_;
  int main_pid_ = -1;
  int init_pid_ = -1;    // the sandbox's init (PID 1 inside), traced only for its fork
  int init_pidfd_ = -1;  // ending the run in the sandbox: SIGKILL to the init ends its PID namespace
  std::unordered_map<int, Tracee> live_;
  std::unordered_map<int, Process> procs_;   // tgid -> process, while one of its threads lives
  std::unordered_map<int, int> announced_;   // child tid -> tgid, from a clone event before its first stop
  std::unordered_set<int> gone_unseen_;      // tids that exited before their clone event came
  std::unordered_map<int, uint64_t> sp_;     // last stack pointer seen per tid
  std::vector<uint64_t> clone_stacks_;       // clone child_stack arguments
  std::set<std::string> checked_;  // opened paths already checked for ELF magic
  std::set<FileId> written_;       // files the run opened for writing
  uint64_t file_events_ = 0, jit_events_ = 0;
  size_t witness_reads_ = 0;
  bool killing_ = false;
  std::chrono::steady_clock::time_point start_;
};

void Tracer::Escape(int tid, std::string what, std::string action, std::string detail) {
  ++obs_.escape_counts[what + "\t" + action];
  if (obs_.escapes.size() >= kMaxEscapes) return;
  obs_.escapes.push_back({tid, std::move(what), std::move(action), std::move(detail)});
}

void Tracer::Resume(int tid, int request, int sig) {
  // ESRCH: the tracee died while stopped (SIGKILL from elsewhere); its exit is reported later.
  ptrace(static_cast<__ptrace_request>(request), tid, nullptr, reinterpret_cast<void*>(static_cast<intptr_t>(sig)));
}

// Skips the call: the tracee sees -err (seccomp(2): "the tracer can skip the
// system call by changing the system call number to -1").
void Tracer::Deny(int tid, int err) {
  user_regs_struct regs{};
  bool skipped = false;
  if (ptrace(PTRACE_GETREGS, tid, nullptr, &regs) == 0) {
    regs.orig_rax = static_cast<unsigned long long>(-1);
    regs.rax = static_cast<unsigned long long>(-static_cast<long long>(err));
    skipped = ptrace(PTRACE_SETREGS, tid, nullptr, &regs) == 0;
  }
  // A call that could not be skipped must not run: the tracee dies instead.
  // It is stopped in a ptrace stop, so its number cannot have been reused.
  if (!skipped && errno != ESRCH) syscall(SYS_tgkill, live_.count(tid) ? live_[tid].tgid : tid, tid, SIGKILL);
  Resume(tid);
}

ProcessMaps& Tracer::Maps(int tgid) {
  Process& p = Proc(tgid);
  if (!p.maps) p.maps = std::make_unique<ProcessMaps>(tgid);
  return *p.maps;
}

std::string Tracer::Image(int tgid) {
  Process& p = Proc(tgid);
  if (p.image.empty()) p.image = Readlink(fmt::format("/proc/{}/exe", tgid));
  return p.image;
}

void Tracer::AddLive(int tid, int tgid) {
  Tracee& t = live_[tid];
  t.tgid = tgid;
  Process& p = Proc(tgid);
  if (p.threads++ == 0 && !opts_.sandbox.enabled && p.pidfd < 0) {
    // Opened while the process is stopped under us: it is this process, and
    // a kill through it can never reach another that later takes its number.
    p.pidfd = static_cast<int>(syscall(SYS_pidfd_open, tgid, 0));
  }
  obs_.peak_threads = std::max(obs_.peak_threads, p.threads);
  const uint64_t tree = live_.size() - (init_pid_ > 0 && live_.count(init_pid_) ? 1 : 0);
  obs_.peak_tree_threads = std::max(obs_.peak_tree_threads, tree);
  if (live_.size() > opts_.max_tracees && !killing_) {
    obs_.tracee_cap_hit = true;
    KillAll();
  }
}

// A tid's first stop: it lives. Its thread group comes from its clone event
// when that came first, else from /proc (it is stopped, so it is there).
void Tracer::OnFirstStop(int tid) {
  if (main_pid_ < 0) {
    // The sandbox's init forks once: that child is the program.
    main_pid_ = tid;
    announced_.erase(tid);
    AddLive(tid, tid);
    return;
  }
  int tgid = 0;
  if (auto it = announced_.find(tid); it != announced_.end()) {
    tgid = it->second;
    announced_.erase(it);
  } else {
    tgid = ReadTgid(tid);
    announced_[tid] = -1;  // seen: its clone event, when it comes, only counts
  }
  AddLive(tid, tgid > 0 ? tgid : tid);
  if (tgid > 0 && tgid != tid) ptrace(PTRACE_SETOPTIONS, tid, nullptr, reinterpret_cast<void*>(kThreadOptions));
  if (tgid > 0 && tgid != tid && clone_stacks_.size() < kMaxCloneStacks) {
    // A new thread stops before its first instruction: its stack pointer is
    // where clone put its stack (the grouping of memory at exit needs it).
    user_regs_struct regs{};
    if (ptrace(PTRACE_GETREGS, tid, nullptr, &regs) == 0 && regs.rsp) clone_stacks_.push_back(regs.rsp);
  }
}

// Counts the new thread or process. The child may have stopped already, or
// even exited: the event never makes it live.
void Tracer::OnCloneEvent(int parent, int child, int event) {
  auto pt = live_.find(parent);
  // Thread clones do not stop at the call (see BuildFilter): a clone event
  // is a thread unless the call that stopped said otherwise.
  const bool stopped = pt != live_.end() && pt->second.clone_stopped;
  const bool thread = event == PTRACE_EVENT_CLONE && (!stopped || (pt->second.clone_flags & CLONE_THREAD));
  if (thread) ++obs_.threads_started;
  else ++obs_.processes_forked;
  if (pt != live_.end()) pt->second.clone_stopped = false;
  if (gone_unseen_.erase(child)) return;  // it came and went before this event
  auto it = announced_.find(child);
  if (it != announced_.end() && it->second == -1) {
    announced_.erase(it);  // its first stop came first
    return;
  }
  announced_[child] = thread && pt != live_.end() ? pt->second.tgid : child;
}

void Tracer::OnGone(int tid, int status) {
  auto it = live_.find(tid);
  if (it == live_.end()) {
    // Never seen stopped. If its clone event is still to come, that event must not revive it.
    if (announced_.erase(tid) == 0 && tid != main_pid_ && tid != init_pid_) gone_unseen_.insert(tid);
  } else {
    const int tgid = it->second.tgid;
    live_.erase(it);
    auto p = procs_.find(tgid);
    if (p != procs_.end() && p->second.threads > 0 && --p->second.threads == 0) {
      if (p->second.pidfd >= 0) close(p->second.pidfd);
      procs_.erase(p);
    }
  }
  sp_.erase(tid);
  if (tid == main_pid_) {
    obs_.exited = true;
    if (WIFEXITED(status)) obs_.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) obs_.term_signal = WTERMSIG(status);
    // What FILE left running is killed now: nothing outlives the run.
    if (!killing_) KillAll();
  }
}

void Tracer::Snapshot(int tid) {
  if (obs_.memory_snapshot) return;
  std::string text = ReadFileText(fmt::format("/proc/{}/smaps", tid));
  if (text.empty()) return;
  if (opts_.go_live) {
    // The Go runtime's own account at the same moment: the calling thread is
    // stopped at exit_group's entry, so every thread and the memory are still there.
    GoLiveInput in = *opts_.go_live;
    in.pid = main_pid_;
    in.smaps = text;  // read once for both
    auto live_or = ReadGoLive(in);
    if (live_or) obs_.go_at_exit = std::make_shared<const GoLive>(std::move(*live_or));
    else obs_.go_at_exit_error = live_or.error().message;
  }
  obs_.vmas = ParseSmaps(text);
  obs_.memory_snapshot = true;
  obs_.vm_hwm_kb = ReadVmHwm(tid);
  for (const auto& [t, sp] : sp_) {
    auto it = live_.find(t);
    if (it != live_.end() && it->second.tgid == main_pid_) obs_.thread_stack_pointers.push_back(sp);
  }
  // Threads that made no traced call: the stack pointer the kernel shows for
  // a thread blocked in a system call ("nr args... sp pc").
  for (const auto& [t, tr] : live_) {
    if (tr.tgid != main_pid_ || sp_.count(t) || obs_.thread_stack_pointers.size() >= kMaxCloneStacks) continue;
    std::string line = ReadFileText(fmt::format("/proc/{}/task/{}/syscall", main_pid_, t), kMaxSyscallLine);
    std::istringstream in(line);
    std::vector<std::string> f;
    for (std::string w; f.size() < 9 && in >> w;) f.push_back(w);
    if (f.size() == 9) obs_.thread_stack_pointers.push_back(std::strtoull(f[7].c_str(), nullptr, 16));
  }
}


// The second witness, at a process's exit: executable memory that holds
// run-time code (anonymous, shared, or a file's pages the process wrote)
// and that no traced call accounts for is recorded as seen at exit. Only
// the executable VMAs are asked for, so a process with many mappings costs
// no more than one with few.
void Tracer::Witness(int tgid) {
  Process& p = Proc(tgid);
  if (p.witnessed || witness_reads_++ >= kMaxWitnessReads) return;
  p.witnessed = true;
  const std::string image = Image(tgid);
  for (const VmaInfo& v : Maps(tgid).Executable(kMaxWitnessVmas)) {
    if (v.name == "[vdso]" || v.name == "[vsyscall]" || v.name == "[uprobes]") continue;
    const bool anon = !v.file_backed() || v.name.rfind("/dev/zero", 0) == 0;
    uint64_t written = 0;
    if (!anon && !v.shared) written = WrittenPrivatePages(tgid, v.start, v.end, kMaxPagemapPages).value_or(0);
    if (!anon && !written && !v.write) continue;  // a file's own pages
    bool known = false;
    for (auto m = obs_.exec_mappings.rbegin(); m != obs_.exec_mappings.rend() && !known; ++m)
      known = m->ok && m->image == image && m->addr < v.end && m->addr + std::max<uint64_t>(m->len, 1) > v.start &&
              RunTimeSource(*m).has_value();
    if (known) continue;
    ExecMapping m;
    m.seq = obs_.traced_calls;
    m.t_us = static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start_).count());
    m.pid = tgid;
    m.call = "at-exit";
    m.addr = v.start;
    m.len = v.end - v.start;
    m.prot = PROT_EXEC | (v.read ? PROT_READ : 0) | (v.write ? PROT_WRITE : 0);
    m.writable = v.write;
    m.shared = v.shared;
    m.path = v.name.rfind("[", 0) == 0 ? "" : v.name;
    m.inode = v.inode;
    m.written_pages = written;
    m.adds_exec = true;
    m.image = image;
    Keep(std::move(m));
  }
}

void Tracer::Keep(ExecMapping m) {
  const bool jit = RunTimeSource(m).has_value();  // the other sources are set later, against the static closure
  uint64_t& n = jit ? jit_events_ : file_events_;
  if (n++ < (jit ? kMaxJitEvents : kMaxEvents)) obs_.exec_mappings.push_back(std::move(m));
  else ++obs_.exec_mappings_dropped;
}

// At the exit of a call that made memory executable: what the kernel
// mapped there now, VMA by VMA, is the record; the arguments only said where.
void Tracer::RecordMapping(int tid, Tracee& t, int64_t rval) {
  ExecMapping base = std::move(t.map);
  base.ok = base.call == "mprotect" || base.call == "pkey_mprotect" ? rval == 0 : !(rval < 0 && rval > -4096);
  if (!base.ok) {
    Keep(std::move(base));
    return;
  }
  uint64_t start = base.addr, end = t.map_end;
  if (base.call == "mmap" || base.call == "mremap" || base.call == "shmat") {
    start = static_cast<uint64_t>(rval);
    end = base.call == "shmat" ? start + 1 : start + std::max<uint64_t>(base.len, 1);
    base.addr = start;
  }
  const std::vector<VmaInfo> vmas = Maps(t.tgid).Overlapping(start, end, kMaxVmasPerCall);
  bool any = false;
  for (const VmaInfo& v : vmas) {
    if (!v.exec) continue;
    any = true;
    ExecMapping m = base;
    m.addr = std::max(start, v.start);
    m.len = (base.call == "shmat" ? v.end : std::min(end, v.end)) - m.addr;
    const std::string fd_path = m.path;
    m.path = v.name.rfind("[", 0) == 0 ? "" : v.name;
    if (!fd_path.empty() && fd_path != m.path) m.requested = fd_path;
    if (base.call == "shmat" && m.path.empty()) m.path = base.path;
    m.inode = v.inode;
    m.shared = v.shared;
    m.writable = m.writable || v.write;
    if (v.file_backed() && !v.shared) {
      // Copies the process wrote into a private file mapping: the file's code no more.
      m.written_pages = WrittenPrivatePages(t.tgid, m.addr, m.addr + m.len, kMaxPagemapPages).value_or(0);
    }
    if (v.file_backed() && (v.dev_major || v.dev_minor))  // the maps text fallback has no device
      m.written_file = written_.count({makedev(v.dev_major, v.dev_minor), v.inode}) > 0;
    if (m.path.rfind("/dev/shm/", 0) == 0) m.tmpfs = true;
    Keep(std::move(m));
  }
  if (!any) Keep(std::move(base));  // made executable, then changed by another thread already
}

// In the run: a live thread or process of it (by the numbers the caller's
// PID namespace uses). Without the sandbox those are the host's numbers;
// with it the PID namespace itself keeps signals inside, and only its init
// (PID 1, exray's) is outside.
bool Tracer::InsideRun(int64_t target, bool group) const {
  if (opts_.sandbox.enabled) return target != 1 && target != -1 ? true : group && target == -1;
  if (target == 0) return group;  // the caller's own group
  // A child announced by its clone event but not stopped yet is the run's
  // too: not reaped, so its number is still its own.
  const auto ours = [&](int id) {
    auto a = announced_.find(id);
    return procs_.count(id) > 0 || live_.count(id) > 0 || (a != announced_.end() && a->second > 0);
  };
  if (target < 0 && target != -1) return ours(static_cast<int>(-target));
  if (target <= 0) return false;  // -1: every process the user may signal
  return ours(static_cast<int>(target));
}

/// The pid behind a pidfd or a /proc/PID directory fd of the tracee; 0 if neither.
int PidOfFd(int tid, int fd) {
  const std::string link = Readlink(fmt::format("/proc/{}/fd/{}", tid, fd));
  if (link == "anon_inode:[pidfd]" || link.rfind("pidfd:", 0) == 0) {
    std::string info = ReadFileText(fmt::format("/proc/{}/fdinfo/{}", tid, fd), 4096);
    size_t p = info.find("\nPid:");
    if (p != std::string::npos) return std::atoi(info.c_str() + p + 5);
    return 0;
  }
  if (link.rfind("/proc/", 0) == 0) return std::atoi(link.c_str() + 6);
  return 0;
}

bool Tracer::SignalAllowed(int tid, uint64_t nr, const uint64_t* a, std::string* detail) {
  const auto i32 = [](uint64_t v) { return static_cast<int64_t>(static_cast<int32_t>(v)); };
  switch (nr) {
    case SYS_kill:
      *detail = fmt::format("kill({}, signal {})", i32(a[0]), a[1]);
      return InsideRun(i32(a[0]), true);
    case SYS_tkill:
      *detail = fmt::format("tkill({}, signal {})", i32(a[0]), a[1]);
      return i32(a[0]) > 0 && InsideRun(i32(a[0]), false);
    case SYS_tgkill:
      *detail = fmt::format("tgkill({}, {}, signal {})", i32(a[0]), i32(a[1]), a[2]);
      return i32(a[1]) > 0 && InsideRun(i32(a[0]), false) && InsideRun(i32(a[1]), false);
    case SYS_rt_sigqueueinfo:
      *detail = fmt::format("rt_sigqueueinfo({}, signal {})", i32(a[0]), a[1]);
      return i32(a[0]) > 0 && InsideRun(i32(a[0]), false);
    case SYS_rt_tgsigqueueinfo:
      *detail = fmt::format("rt_tgsigqueueinfo({}, {}, signal {})", i32(a[0]), i32(a[1]), a[2]);
      return i32(a[1]) > 0 && InsideRun(i32(a[0]), false) && InsideRun(i32(a[1]), false);
    case SYS_pidfd_open:
      *detail = fmt::format("pidfd_open({})", i32(a[0]));
      return i32(a[0]) > 0 && InsideRun(i32(a[0]), false);
    case SYS_pidfd_send_signal: {
      if (opts_.sandbox.enabled) return true;  // only pidfds of the namespace can exist there
      const int pid = PidOfFd(tid, static_cast<int>(a[0]));
      *detail = fmt::format("pidfd_send_signal(fd {} = pid {}, signal {})", static_cast<int>(a[0]), pid, a[1]);
      return pid > 0 && InsideRun(pid, false);
    }
  }
  return true;
}

/// The path of a Unix socket address in the tracee's memory when it names a
/// socket on a host file system: resolved from the tracee's own root and
/// working directory, a socket on one of the sandbox's private file systems
/// (/tmp, /run, /dev/shm) is the run's own; any other (a host directory
/// bound in) is the host's. "" otherwise (not a path socket, or nothing there:
/// the kernel refuses the call itself).
std::string HostSocketPath(int tid, uint64_t addr, uint64_t addr_len) {
  sockaddr_un sun{};
  const size_t len = std::min<uint64_t>(addr_len, sizeof sun);
  iovec local{&sun, len}, remote{reinterpret_cast<void*>(addr), len};
  if (len <= offsetof(sockaddr_un, sun_path) || process_vm_readv(tid, &local, 1, &remote, 1, 0) != static_cast<ssize_t>(len) ||
      sun.sun_family != AF_UNIX || sun.sun_path[0] == 0)
    return "";  // not a path socket (abstract ones are Landlock's, from ABI 6)
  std::string path(sun.sun_path, strnlen(sun.sun_path, len - offsetof(sockaddr_un, sun_path)));
  const std::string at =
      path[0] == '/' ? fmt::format("/proc/{}/root{}", tid, path) : fmt::format("/proc/{}/cwd/{}", tid, path);
  struct stat sock{};
  if (stat(at.c_str(), &sock) != 0) return "";
  for (const char* d : {"/tmp", "/run", "/dev/shm"}) {
    struct stat fs{};
    if (stat(fmt::format("/proc/{}/root{}", tid, d).c_str(), &fs) == 0 && fs.st_dev == sock.st_dev) return "";
  }
  return path;
}

void Tracer::OnSeccomp(int tid) {
  __ptrace_syscall_info info{};
  if (ptrace(PTRACE_GET_SYSCALL_INFO, tid, sizeof info, &info) <= 0 || info.op != PTRACE_SYSCALL_INFO_SECCOMP) {
    Resume(tid);
    return;
  }
  ++obs_.traced_calls;
  Tracee& t = live_[tid];
  sp_[tid] = info.stack_pointer;
  uint64_t nr = info.seccomp.nr;
  const uint64_t* a = info.seccomp.args;
  if (info.arch != AUDIT_ARCH_X86_64 || (nr & kX32Bit)) {
    // An i386 (int 0x80) or x32 call: the same call by name, or denied.
    const bool i386 = info.arch == AUDIT_ARCH_I386;
    const bool x32 = info.arch == AUDIT_ARCH_X86_64;
    char* name = i386 || x32 ? seccomp_syscall_resolve_num_arch(i386 ? SCMP_ARCH_X86 : SCMP_ARCH_X32, static_cast<int>(nr))
                             : nullptr;
    std::string n = name ? name : "";
    free(name);
    const char* abi = i386 ? "i386" : x32 ? "x32" : "unknown architecture";
    // Old i386 mmap and ipc take their arguments from memory the program can change: not classified.
    int native = n.empty() || (i386 && (n == "mmap" || n == "ipc")) ? __NR_SCMP_ERROR
                 : n == "mmap2" ? SYS_mmap
                                : seccomp_syscall_resolve_name_arch(SCMP_ARCH_NATIVE, n.c_str());
    if (native == __NR_SCMP_ERROR || native < 0) {
      ++obs_.foreign_arch_calls;
      Escape(tid, "foreign-arch", "denied (ENOSYS)", fmt::format("{} call {} {}", abi, nr & ~kX32Bit, n));
      Deny(tid, ENOSYS);
      return;
    }
    if (obs_.foreign_arch_calls++ == 0)
      Escape(tid, "foreign-arch", "flagged", fmt::format("{} calls, classified as the x86-64 ones of the same name", abi));
    nr = static_cast<uint64_t>(native);
    if ((nr == SYS_mmap || nr == SYS_mprotect || nr == SYS_pkey_mprotect) && !(a[2] & PROT_EXEC)) {
      Resume(tid);  // the filter cannot look at the arguments of another architecture's calls
      return;
    }
  }
  const uint64_t seq = obs_.traced_calls;
  const uint64_t t_us = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start_).count());
  auto exec_map = [&](const char* call, uint64_t addr, uint64_t len, uint64_t prot, uint64_t flags, int fd) {
    ExecMapping m;
    m.seq = seq;
    m.t_us = t_us;
    m.pid = tid;
    m.call = call;
    m.addr = addr;
    m.len = len;
    m.prot = static_cast<uint32_t>(prot);
    m.flags = static_cast<uint32_t>(flags);
    m.fd = fd;
    m.writable = prot & PROT_WRITE;
    m.image = Image(t.tgid);
    return m;
  };
  switch (nr) {
    case SYS_mmap: {
      if (!(a[2] & PROT_EXEC)) break;
      const int fd = static_cast<int>(a[4]);
      ExecMapping m = exec_map("mmap", a[0], a[1], a[2], a[3], (a[3] & MAP_ANONYMOUS) ? -1 : fd);
      if (m.fd >= 0) {
        // Only what the fd was at the call: the record comes from the VMA at the exit.
        std::string link = fmt::format("/proc/{}/fd/{}", tid, fd);
        m.path = Readlink(link);
        struct statfs sf{};
        if (statfs(link.c_str(), &sf) == 0 && static_cast<uint64_t>(sf.f_type) == kTmpfsMagic) m.tmpfs = true;
      }
      t.pending = Tracee::Pending::kMap;
      t.map = std::move(m);
      Resume(tid, PTRACE_SYSCALL);
      return;
    }
    case SYS_mprotect:
    case SYS_pkey_mprotect: {
      if (!(a[2] & PROT_EXEC)) break;
      ExecMapping m = exec_map(nr == SYS_mprotect ? "mprotect" : "pkey_mprotect", a[0], a[1], a[2], 0, -1);
      const uint64_t end = a[0] + ((a[1] + 4095) & ~uint64_t{4095});
      // What the range was before: the call has not run yet.
      for (const VmaInfo& v : Maps(t.tgid).Overlapping(a[0], end, kMaxVmasPerCall)) {
        const std::string perms = v.Perms();
        if (m.prev_prot.find(perms) == std::string::npos) m.prev_prot += (m.prev_prot.empty() ? "" : ",") + perms;
        if (!v.exec) m.adds_exec = true;
      }
      t.pending = Tracee::Pending::kMap;
      t.map = std::move(m);
      t.map_end = end;
      Resume(tid, PTRACE_SYSCALL);
      return;
    }
    case SYS_mremap: {
      // Moving code moves where it runs: followed when the old range was executable.
      const std::vector<VmaInfo> old = Maps(t.tgid).Overlapping(a[0], a[0] + 1, 1);
      if (old.empty() || !old[0].exec) break;
      ExecMapping m = exec_map("mremap", a[0], a[2], PROT_EXEC | (old[0].read ? PROT_READ : 0) | (old[0].write ? PROT_WRITE : 0),
                               a[3], -1);
      m.prev_prot = old[0].Perms();
      t.pending = Tracee::Pending::kMap;
      t.map = std::move(m);
      Resume(tid, PTRACE_SYSCALL);
      return;
    }
    case SYS_shmat: {
      if (!(a[2] & SHM_EXEC)) break;
      ExecMapping m = exec_map("shmat", a[1], 0, PROT_READ | PROT_EXEC | ((a[2] & SHM_RDONLY) ? 0 : PROT_WRITE), a[2], -1);
      m.path = fmt::format("SYSV shm id {}", a[0]);
      m.tmpfs = true;
      t.pending = Tracee::Pending::kMap;
      t.map = std::move(m);
      Resume(tid, PTRACE_SYSCALL);
      return;
    }
    case SYS_open:
    case SYS_openat:
    case SYS_openat2:
    case SYS_creat: {
      t.pending = Tracee::Pending::kOpen;
      t.open_flags = nr == SYS_open ? a[1]
                     : nr == SYS_openat ? a[2]
                     : nr == SYS_creat ? uint64_t{O_WRONLY | O_CREAT | O_TRUNC}
                                       : ReadPointer(tid, a[2]);  // open_how.flags
      t.open_path.clear();
      if ((t.open_flags & O_ACCMODE) != O_RDONLY)
        t.open_path = ReadString(tid, nr == SYS_open || nr == SYS_creat ? a[0] : a[1]);
      Resume(tid, PTRACE_SYSCALL);
      return;
    }
    case SYS_execve:
    case SYS_execveat: {
      ExecEvent e;
      e.seq = seq;
      e.t_us = t_us;
      e.pid = tid;
      const uint64_t path_arg = nr == SYS_execve ? a[0] : a[1];
      const uint64_t argv_arg = nr == SYS_execve ? a[1] : a[2];
      // What was asked for; what ran is read from the kernel at the exec event.
      e.requested = ReadString(tid, path_arg);
      if (nr == SYS_execveat && e.requested.empty()) {
        // fexecve / execveat(fd, "", AT_EMPTY_PATH): what the fd is.
        e.requested = Readlink(fmt::format("/proc/{}/fd/{}", tid, static_cast<int>(a[0])));
      } else if (nr == SYS_execveat && !e.requested.empty() && e.requested[0] != '/' && static_cast<int>(a[0]) != AT_FDCWD) {
        e.requested = Readlink(fmt::format("/proc/{}/fd/{}", tid, static_cast<int>(a[0]))) + "/" + e.requested;
      }
      if (argv_arg) e.argv0 = ReadString(tid, ReadPointer(tid, argv_arg));
      e.initial = obs_.execs.empty() && tid == main_pid_;
      t.pending = Tracee::Pending::kExec;
      t.exec = std::move(e);
      Resume(tid, PTRACE_SYSCALL);
      return;
    }
    case SYS_clone:
      if (a[0] & CLONE_UNTRACED) {
        Escape(tid, "clone-untraced", "denied (EPERM)", fmt::format("clone flags {:#x}", a[0]));
        Deny(tid, EPERM);
        return;
      }
      if (a[0] & kNamespaceFlags) {
        Escape(tid, "namespace", "denied (EPERM)", fmt::format("clone flags {:#x}", a[0]));
        Deny(tid, EPERM);
        return;
      }
      t.clone_flags = a[0];
      t.clone_stopped = true;
      // child_stack, kept for the stack grouping.
      if (a[1] && clone_stacks_.size() < kMaxCloneStacks) clone_stacks_.push_back(a[1]);
      break;
    case SYS_clone3:
      Escape(tid, "clone3", "denied (ENOSYS)", "flags are in memory the filter cannot inspect; glibc falls back to clone");
      Deny(tid, ENOSYS);
      return;
    case SYS_io_uring_setup:
      Escape(tid, "io_uring", "denied (ENOSYS)", "io_uring operations would run unseen by seccomp and ptrace");
      Deny(tid, ENOSYS);
      return;
    case SYS_ptrace:
      Escape(tid, "ptrace", "denied (EPERM)", fmt::format("request {}", a[0]));
      Deny(tid, EPERM);
      return;
    case SYS_process_vm_writev:
      Escape(tid, "process_vm_writev", "denied (EPERM)", fmt::format("target pid {}", a[0]));
      Deny(tid, EPERM);
      return;
    case SYS_seccomp:
      if (a[0] == SECCOMP_SET_MODE_FILTER && (a[1] & SECCOMP_FILTER_FLAG_NEW_LISTENER)) {
        // A user-notification filter outranks RET_TRACE: calls it approves would never stop here.
        Escape(tid, "seccomp-filter", "denied (EPERM)", "SECCOMP_FILTER_FLAG_NEW_LISTENER");
        Deny(tid, EPERM);
        return;
      }
      if (a[0] == SECCOMP_SET_MODE_FILTER) Escape(tid, "seccomp-filter", "flagged", "the program installed its own filter");
      break;
    case SYS_prctl:
      if (a[0] == PR_SET_SECCOMP && a[1] == SECCOMP_MODE_FILTER)
        Escape(tid, "seccomp-filter", "flagged", "prctl(PR_SET_SECCOMP): the program installed its own filter");
      break;
    case SYS_personality:
      if (a[0] != 0xffffffff && (a[0] & kReadImpliesExec))
        Escape(tid, "personality-exec", "flagged", "READ_IMPLIES_EXEC: every readable mapping becomes executable");
      break;
    case SYS_unshare:
    case SYS_setns:
      Escape(tid, "namespace", "denied (EPERM)", fmt::format("{}({:#x})", nr == SYS_unshare ? "unshare" : "setns",
                                                              nr == SYS_unshare ? a[0] : a[1]));
      Deny(tid, EPERM);
      return;
    case SYS_mount:
    case SYS_umount2:
    case SYS_pivot_root:
    case SYS_open_tree:
    case SYS_move_mount:
    case SYS_fsopen:
    case SYS_fsmount:
    case SYS_fsconfig:
    case SYS_fspick:
    case SYS_mount_setattr:
      Escape(tid, "mount", "denied (EPERM)", SyscallName(nr));
      Deny(tid, EPERM);
      return;
    case SYS_bpf:
    case SYS_perf_event_open:
    case SYS_userfaultfd:
    case SYS_keyctl:
    case SYS_add_key:
    case SYS_request_key:
    case SYS_kexec_load:
    case SYS_kexec_file_load:
    case SYS_init_module:
    case SYS_finit_module:
    case SYS_delete_module:
      Escape(tid, "kernel-facility", "denied (EPERM)", SyscallName(nr));
      Deny(tid, EPERM);
      return;
    case SYS_kill:
    case SYS_tkill:
    case SYS_tgkill:
    case SYS_rt_sigqueueinfo:
    case SYS_rt_tgsigqueueinfo:
    case SYS_pidfd_open:
    case SYS_pidfd_send_signal: {
      // Without a PID namespace a signal could reach exray or any process of
      // the user (kill(-1) as root: every process), and a pidfd or /proc
      // directory names a process by handle: each is checked against the run.
      std::string detail;
      if (!SignalAllowed(tid, nr, a, &detail)) {
        Escape(tid, "signal-outside", "denied (EPERM)", detail + " names a process outside the run");
        Deny(tid, EPERM);
        return;
      }
      break;
    }
    case SYS_connect:
    case SYS_sendto: {
      // A path socket outside the sandbox's private /tmp, /run and /dev/shm
      // belongs to the host (one bound in with the program's directory, say).
      const uint64_t addr = nr == SYS_connect ? a[1] : a[4], len = nr == SYS_connect ? a[2] : a[5];
      if (!opts_.sandbox.enabled || addr == 0) break;
      if (std::string path = HostSocketPath(tid, addr, len); !path.empty()) {
        Escape(tid, "host-socket", "denied (EACCES)", fmt::format("{} to {}", nr == SYS_connect ? "connect" : "sendto", path));
        Deny(tid, EACCES);
        return;
      }
      break;
    }
    case SYS_exit_group:
      if (t.tgid == main_pid_) Snapshot(tid);
      Witness(t.tgid);
      break;
    default:
      break;
  }
  Resume(tid);
}

void Tracer::OnSyscallExit(int tid) {
  auto it = live_.find(tid);
  if (it == live_.end()) {
    Resume(tid);
    return;
  }
  Tracee& t = it->second;
  __ptrace_syscall_info info{};
  const bool have = ptrace(PTRACE_GET_SYSCALL_INFO, tid, sizeof info, &info) > 0 && info.op == PTRACE_SYSCALL_INFO_EXIT;
  const int64_t rval = have ? info.exit.rval : -ENOSYS;
  const bool ok = have && !info.exit.is_error;
  switch (t.pending) {
    case Tracee::Pending::kMap:
      RecordMapping(tid, t, ok ? rval : (rval < 0 ? rval : -EINVAL));
      break;
    case Tracee::Pending::kExec:  // a failed exec (success is PTRACE_EVENT_EXEC)
      t.exec.ok = false;
      t.exec.path = t.exec.requested;
      t.exec.requested.clear();
      if (t.exec.initial) {
        obs_.start_error = fmt::format("execve {}: {}", t.exec.path, strerror(static_cast<int>(-rval)));
      }
      if (obs_.execs.size() < kMaxEvents) obs_.execs.push_back(std::move(t.exec));
      break;
    case Tracee::Pending::kOpen:
      if (!ok && rval == -EACCES && IsProcMem(t.open_path))
        Escape(tid, "proc-mem-write", "denied (Landlock)", t.open_path);
      if (ok) {
        std::string link = fmt::format("/proc/{}/fd/{}", tid, rval);
        std::string path = Readlink(link);
        const uint64_t acc = t.open_flags & O_ACCMODE;
        // /proc/PID/mem opened for writing punches through page protections.
        if (acc != O_RDONLY && IsProcMem(path)) Escape(tid, "proc-mem-write", "flagged", path);
        struct stat st{};
        const bool have_st = stat(link.c_str(), &st) == 0;
        // A file the run may write: its code, if mapped or exec'd later, is the run's own.
        if (have_st && (acc != O_RDONLY || (t.open_flags & (O_CREAT | O_TRUNC))) && S_ISREG(st.st_mode) &&
            written_.size() < kMaxWrittenFiles)
          written_.insert({st.st_dev, st.st_ino});
        // Only regular files are opened here: opening a device or FIFO can have effects.
        if (!path.empty() && path[0] == '/' && checked_.size() < kMaxFilesChecked && checked_.insert(path).second &&
            have_st && S_ISREG(st.st_mode) && obs_.files_opened_elf.size() < kMaxElfFiles) {
          int fd = open(link.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
          if (fd >= 0) {
            char magic[4] = {};
            if (pread(fd, magic, 4, 0) == 4 && memcmp(magic, "\x7f" "ELF", 4) == 0) obs_.files_opened_elf.push_back(path);
            close(fd);
          }
        }
      }
      break;
    case Tracee::Pending::kNone:
      break;
  }
  t.pending = Tracee::Pending::kNone;
  Resume(tid);
}

void Tracer::OnExec(int tid) {
  unsigned long former = 0;
  ptrace(PTRACE_GETEVENTMSG, tid, nullptr, &former);
  if (former != 0 && static_cast<int>(former) != tid) {
    // The exec'ing thread took the leader's tid; the former tid is gone without an exit report.
    auto it = live_.find(static_cast<int>(former));
    if (it != live_.end()) {
      Tracee moved = std::move(it->second);
      live_.erase(it);
      auto p = procs_.find(moved.tgid);
      if (p != procs_.end() && p->second.threads > 1) --p->second.threads;
      live_[tid] = std::move(moved);
    }
    sp_.erase(static_cast<int>(former));
  }
  Tracee& t = live_[tid];
  if (t.tgid == 0) t.tgid = tid;
  ptrace(PTRACE_SETOPTIONS, tid, nullptr, reinterpret_cast<void*>(kPtraceOptions));  // a leader now
  // A new address space and image: what was asked of the old one no longer applies.
  Process& p = Proc(t.tgid);
  p.maps.reset();
  const std::string exe_link = fmt::format("/proc/{}/exe", tid);
  p.image = Readlink(exe_link);
  if (t.pending == Tracee::Pending::kExec) {
    ExecEvent& e = t.exec;
    e.ok = true;
    e.pid = tid;
    // What ran is the kernel's file, not the argument (another thread may
    // have changed it after the stop); the argument names it when both are
    // the same file, seen from the tracee's own root.
    struct stat ran{}, asked{};
    const bool have_ran = stat(exe_link.c_str(), &ran) == 0;
    std::string asked_at = e.requested.empty() ? ""
                           : e.requested[0] == '/' ? fmt::format("/proc/{}/root{}", tid, e.requested)
                                                   : fmt::format("/proc/{}/cwd/{}", tid, e.requested);
    const bool same = have_ran && !asked_at.empty() && stat(asked_at.c_str(), &asked) == 0 &&
                      asked.st_dev == ran.st_dev && asked.st_ino == ran.st_ino;
    e.path = same ? e.requested : p.image;
    if (same || e.requested == e.path) e.requested.clear();
    const std::string deleted = " (deleted)";
    e.generated = p.image.rfind("/memfd:", 0) == 0 || p.image.rfind("/dev/shm/", 0) == 0 ||
                  (p.image.size() > deleted.size() &&
                   p.image.compare(p.image.size() - deleted.size(), deleted.size(), deleted) == 0) ||
                  (have_ran && written_.count({ran.st_dev, ran.st_ino}) > 0);
    if (e.initial) {
      obs_.started = true;
      obs_.program_real = p.image;
      e.generated = false;
    }
    if (obs_.execs.size() < kMaxEvents) obs_.execs.push_back(std::move(e));
  }
  t.pending = Tracee::Pending::kNone;
  Resume(tid);
}

// Ends the run through handles only, never a bare number: in the sandbox
// the init's pidfd (its death ends the PID namespace, and with it every
// process of the run); without it, each process's pidfd, opened while that
// process was stopped under this tracer.
void Tracer::KillAll() {
  killing_ = true;
  if (init_pidfd_ >= 0) syscall(SYS_pidfd_send_signal, init_pidfd_, SIGKILL, nullptr, 0);
  for (const auto& [tgid, p] : procs_)
    if (p.pidfd >= 0) syscall(SYS_pidfd_send_signal, p.pidfd, SIGKILL, nullptr, 0);
  // A process whose pidfd could not be opened is still a tracee: ptrace
  // requests reach only this tracer's tracees, so an interrupt by number is
  // safe; Drain kills it at the stop that follows.
  if (init_pidfd_ < 0)
    for (const auto& [tid, t] : live_) {
      auto p = procs_.find(t.tgid);
      if (p == procs_.end() || p->second.pidfd < 0) ptrace(PTRACE_INTERRUPT, tid, nullptr, nullptr);
    }
}

// Reaps every child after SIGKILL, killing any that shows up stopped, for
// at most kDrainSeconds; this process is a child subreaper, so orphans come
// here too. A waited-for child cannot have been reaped, so its number is its own.
void Tracer::Drain() {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(kDrainSeconds);
  for (;;) {
    int st = 0;
    pid_t p = waitpid(-1, &st, __WALL);
    if (p < 0) {
      if (errno == EINTR && std::chrono::steady_clock::now() < deadline) continue;
      break;  // ECHILD: nothing left
    }
    if (WIFSTOPPED(st)) {
      syscall(SYS_tgkill, live_.count(p) ? live_[p].tgid : ReadTgid(p), p, SIGKILL);
      Resume(p);
      continue;
    }
    OnGone(p, st);
  }
}

void Tracer::Loop() {
  const auto deadline = start_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                     std::chrono::duration<double>(opts_.timeout_seconds));
  std::vector<std::pair<pid_t, int>> batch;
  while (!live_.empty()) {
    // steady_clock keeps counting while exray itself is stopped: a run
    // continued after its deadline ends at once.
    if (!killing_ && std::chrono::steady_clock::now() >= deadline) {
      obs_.timed_out = true;
      KillAll();
    }
    if (!killing_ && obs_.stops >= opts_.max_stops) {
      obs_.step_cap_hit = true;
      KillAll();
    }
    if (killing_) {
      Drain();
      return;
    }
    // One blocking wait, then everything else already waiting, before any of
    // it is resumed. The kernel looks at real children before traced ones:
    // taken one at a time, a busy main thread (exray's child without the
    // sandbox) would be found first every time, and ended threads would
    // wait unreaped, still counted as live, until the tracee cap.
    batch.clear();
    int st = 0;
    pid_t first = waitpid(-1, &st, __WALL);
    if (first < 0) {
      if (errno == EINTR) continue;  // the periodic tick: look at the clock
      break;                         // ECHILD
    }
    batch.emplace_back(first, st);
    for (pid_t more; batch.size() < kMaxBatch && (more = waitpid(-1, &st, __WALL | WNOHANG)) > 0;) batch.emplace_back(more, st);
    for (const auto& [tid, status] : batch) Handle(tid, status);
  }
}

void Tracer::Handle(pid_t tid, int st) {
  ++obs_.stops;
  if (WIFEXITED(st) || WIFSIGNALED(st)) {
    OnGone(tid, st);
    return;
  }
  if (!WIFSTOPPED(st)) return;
  if (!live_.count(tid)) OnFirstStop(tid);  // a new child's first stop can come before its parent's event
  const int sig = WSTOPSIG(st);
  const int event = st >> 16;
  switch (event) {
    case PTRACE_EVENT_SECCOMP:
      OnSeccomp(tid);
      break;
    case PTRACE_EVENT_CLONE:
    case PTRACE_EVENT_FORK:
    case PTRACE_EVENT_VFORK: {
      unsigned long child = 0;
      if (ptrace(PTRACE_GETEVENTMSG, tid, nullptr, &child) == 0 && child > 0) {
        if (tid == init_pid_) {
          // The init's one fork, of the program: its start, not a fork of the run.
          if (main_pid_ < 0) announced_[static_cast<int>(child)] = static_cast<int>(child);
        } else {
          OnCloneEvent(tid, static_cast<int>(child), event);
        }
      }
      Resume(tid);
      break;
    }
    case PTRACE_EVENT_EXEC:
      OnExec(tid);
      break;
    case PTRACE_EVENT_EXIT: {
      // The end of a thread: for a process's last one (exit without
      // exit_group, or killed), the snapshot and the witness.
      auto it = live_.find(tid);
      if (it != live_.end()) {
        auto p = procs_.find(it->second.tgid);
        if (p != procs_.end() && p->second.threads == 1 && tid != init_pid_) {
          if (it->second.tgid == main_pid_) Snapshot(tid);
          Witness(it->second.tgid);
        }
      }
      Resume(tid);
      break;
    }
    case PTRACE_EVENT_STOP:
      // Group-stop (SIGSTOP and friends) under SEIZE: stay stopped until SIGCONT.
      if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU) Resume(tid, PTRACE_LISTEN);
      else Resume(tid);  // a new tracee's first stop, or the end of a group-stop
      break;
    case 0:
      if (sig == (SIGTRAP | 0x80)) OnSyscallExit(tid);
      else Resume(tid, PTRACE_CONT, sig);  // signal-delivery-stop: deliver it
      break;
    default:
      Resume(tid);
      break;
  }
}

// What the program's process needs between its fork and its execve, all
// prepared before: only system calls happen there.
struct ChildContext {
  const char* path = nullptr;
  char* const* argv = nullptr;
  char* const* envp = nullptr;
  const sock_fprog* filter = nullptr;
  int stdin_fd = -1;
  int output_fd = -1;   // the relay pipe's write end: the program's stdout and stderr
  int go_fd = -1;       // unsandboxed: wait for the tracer's seizure
  int close_fd = -1;    // unsandboxed: the pipe's other end
  pid_t parent = 0;     // unsandboxed: exit if the parent is not this one any more
  uint64_t file_size_limit = 0;
  uint64_t memory_bytes = 0;  // RLIMIT_DATA; 0: none
  const sandbox_internal::Plan* plan = nullptr;  // sandboxed
};

[[noreturn]] void ExecProgram(void* arg) {
  const ChildContext& c = *static_cast<const ChildContext*>(arg);
  // A session of its own, so no controlling terminal: TIOCSTI on an
  // inherited terminal fd would type commands into the user's shell. Its
  // process group (pgid = pid) is what KillAll signals.
  if (setsid() < 0) _exit(126);
  prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  if (!c.plan) {
    close(c.close_fd);
    if (getppid() != c.parent) _exit(127);
    char ch;
    if (read(c.go_fd, &ch, 1) != 1) _exit(127);  // the tracer has seized us, or died
  }
  if (c.stdin_fd >= 0) dup2(c.stdin_fd, STDIN_FILENO);
  // Never exray's own descriptors: a pipe that exray relays, escaped.
  if (dup2(c.output_fd, STDOUT_FILENO) < 0 || dup2(c.output_fd, STDERR_FILENO) < 0) _exit(126);
  rlimit core{0, 0};
  setrlimit(RLIMIT_CORE, &core);
  rlimit fsize{c.file_size_limit, c.file_size_limit};
  setrlimit(RLIMIT_FSIZE, &fsize);
  // Writable private memory (heap, anonymous maps, data): what a program
  // commits. RLIMIT_AS would also count the address space that Go, Java and
  // V8 reserve without using.
  rlimit data{c.memory_bytes, c.memory_bytes};
  if (c.memory_bytes && setrlimit(RLIMIT_DATA, &data) != 0) _exit(126);
  if (c.plan) sandbox_internal::ConfineProgram(*c.plan);
  else sandbox_internal::DropCapabilities(-1);  // as root: no TIOCSTI, mounts, modules, raw sockets
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) _exit(126);
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, c.filter) != 0) _exit(126);
  execve(c.path, c.argv, c.envp);
  _exit(127);
}

void ExecProgramThunk(void* arg) { ExecProgram(arg); }

/// The settings of the terminals on exray's stdin, stdout and stderr.
class TerminalState {
 public:
  TerminalState() {
    for (int fd = 0; fd < 3; ++fd) {
      Saved& s = saved_[fd];
      s.tty = isatty(fd) && tcgetattr(fd, &s.tio) == 0;
      s.have_ws = s.tty && ioctl(fd, TIOCGWINSZ, &s.ws) == 0;
    }
  }
  /// Puts back what changed; true if anything had.
  bool Restore() {
    bool changed = false;
    for (int fd = 0; fd < 3; ++fd) {
      Saved& s = saved_[fd];
      if (!s.tty) continue;
      termios now{};
      if (tcgetattr(fd, &now) == 0 && memcmp(&now, &s.tio, sizeof now) != 0) {
        changed = true;
        tcsetattr(fd, TCSANOW, &s.tio);
      }
      winsize ws{};
      if (s.have_ws && ioctl(fd, TIOCGWINSZ, &ws) == 0 && memcmp(&ws, &s.ws, sizeof ws) != 0) {
        changed = true;
        ioctl(fd, TIOCSWINSZ, &s.ws);
      }
    }
    return changed;
  }

 private:
  struct Saved {
    bool tty = false, have_ws = false;
    termios tio{};
    winsize ws{};
  } saved_[3];
};

Result<bool> Tracer::Run() {
  auto prog_or = BuildFilter(opts_.sandbox.enabled);
  if (!prog_or) return prog_or.error();
  std::vector<sock_filter>& prog = *prog_or;
  sock_fprog fprog{static_cast<unsigned short>(prog.size()), prog.data()};

  std::vector<std::string> env = CleanEnvironment(opts_.env);
  obs_.env = env;
  obs_.stdin_from = opts_.stdin_path;
  std::vector<char*> argv, envp;
  for (const std::string& s : opts_.argv) argv.push_back(const_cast<char*>(s.c_str()));
  argv.push_back(nullptr);
  for (const std::string& s : env) envp.push_back(const_cast<char*>(s.c_str()));
  envp.push_back(nullptr);

  struct Fds {
    int in = -1, go[2] = {-1, -1}, status[2] = {-1, -1}, out[2] = {-1, -1};
    ~Fds() {
      for (int f : {in, go[0], go[1], status[0], status[1], out[0], out[1]})
        if (f >= 0) close(f);
    }
  } fds;
  const std::string in_path = opts_.stdin_path.empty() ? "/dev/null" : opts_.stdin_path;
  // O_NONBLOCK: a FIFO without a writer must not hang the open; the program gets a blocking fd.
  fds.in = open(in_path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fds.in < 0) return MakeError(fmt::format("stdin {}: {}", in_path, strerror(errno)));
  fcntl(fds.in, F_SETFL, fcntl(fds.in, F_GETFL) & ~O_NONBLOCK);
  if (pipe2(fds.go, O_CLOEXEC) != 0) return MakeError(fmt::format("pipe: {}", strerror(errno)));
  if (pipe2(fds.out, O_CLOEXEC) != 0) return MakeError(fmt::format("pipe: {}", strerror(errno)));
  const bool sandboxed = opts_.sandbox.enabled;
  if (sandboxed && pipe2(fds.status, O_CLOEXEC) != 0) return MakeError(fmt::format("pipe: {}", strerror(errno)));

  sandbox_internal::Plan plan;
  plan.opts = opts_.sandbox;
  plan.status_fd = fds.status[1];
  ChildContext ctx;
  ctx.path = opts_.path.c_str();
  ctx.argv = argv.data();
  ctx.envp = envp.data();
  ctx.filter = &fprog;
  ctx.stdin_fd = fds.in;
  ctx.output_fd = fds.out[1];
  ctx.go_fd = fds.go[0];
  ctx.close_fd = fds.go[1];
  ctx.parent = getpid();
  ctx.file_size_limit = opts_.file_size_limit;
  ctx.memory_bytes = opts_.sandbox.memory_bytes;
  obs_.sandbox.limits.push_back(fmt::format("RLIMIT_FSIZE {}", opts_.file_size_limit));
  obs_.sandbox.limits.push_back("RLIMIT_CORE 0");
  if (opts_.sandbox.memory_bytes) obs_.sandbox.limits.push_back(fmt::format("RLIMIT_DATA {}", opts_.sandbox.memory_bytes));
  ctx.plan = sandboxed ? &plan : nullptr;

  // exray's terminal, as it is now: put back after the run if anything changed it.
  TerminalState terminal;
  // Orphans of the run are re-parented here, so they can be reaped and none survives.
  prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  start_ = std::chrono::steady_clock::now();
  timespec clone_time{};
  clock_gettime(CLOCK_MONOTONIC, &clone_time);
  pid_t pid;
  if (sandboxed) {
    pid = sandbox_internal::CloneInit(plan, fds.go[0], fds.go[1], ExecProgramThunk, &ctx);
  } else {
    pid = fork();
    if (pid == 0) ExecProgram(&ctx);
  }
  if (pid < 0) {
    return MakeError(fmt::format("{}: {}{}", sandboxed ? "clone of the sandbox" : "fork", strerror(errno),
                                 sandboxed ? " (are user namespaces allowed here? --no-sandbox runs without)" : ""));
  }
  // A pidfd and a maps handle for each process of the run (up to 512): the
  // soft limit on open files goes up to the hard one (after the clone: the
  // program keeps the limit it would have had).
  rlimit nofile{};
  if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
    rlimit raised{nofile.rlim_max, nofile.rlim_max};
    setrlimit(RLIMIT_NOFILE, &raised);
  }
  close(fds.go[0]);
  fds.go[0] = -1;
  close(fds.out[1]);
  fds.out[1] = -1;
  // Only the children hold the write end now: the relay sees its end when they are gone.
  OutputRelay relay(fds.out[0], STDERR_FILENO, kMaxRelayBytes);
  fds.out[0] = -1;
  if (sandboxed) {
    close(fds.status[1]);
    fds.status[1] = -1;
  }
  auto abandon = [&](std::string msg) -> Result<bool> {
    close(fds.go[1]);  // the child reads EOF and exits
    fds.go[1] = -1;
    kill(pid, SIGKILL);  // our child, not yet reaped: the number is still its own
    waitpid(pid, nullptr, __WALL);
    return MakeError(std::move(msg));
  };
  if (sandboxed) {
    auto maps = sandbox_internal::WriteIdMaps(pid, &obs_.sandbox);
    if (!maps) return abandon(maps.error().message);
    init_pid_ = pid;
    init_pidfd_ = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
    if (init_pidfd_ < 0) return abandon(fmt::format("pidfd_open of the sandbox's init: {}", strerror(errno)));
  } else {
    main_pid_ = pid;
  }
  // The init joins a memory cgroup before it is let go, so the program and its shared memory are in it.
  sandbox_internal::MemoryCgroup memcg = sandboxed ? sandbox_internal::JoinMemoryCgroup(pid, opts_.sandbox.memory_bytes, &obs_.sandbox)
                                                   : sandbox_internal::MemoryCgroup();
  const long opts = kPtraceOptions;
  if (ptrace(PTRACE_SEIZE, pid, nullptr, reinterpret_cast<void*>(opts)) != 0) {
    return abandon(fmt::format("ptrace(PTRACE_SEIZE): {} (is ptrace allowed here? see "
                               "/proc/sys/kernel/yama/ptrace_scope)",
                               strerror(errno)));
  }
  AddLive(pid, pid);
  if (sandboxed) obs_.peak_threads = obs_.peak_tree_threads = 0;  // the init is not the program
  // A periodic tick interrupts wait4 so the wall-clock limit is checked.
  struct sigaction sa{}, old_sa{};
  sa.sa_handler = OnAlarm;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: wait4 returns EINTR
  sigaction(SIGALRM, &sa, &old_sa);
  itimerval tick{{0, 100000}, {0, 100000}}, old_tick{};
  setitimer(ITIMER_REAL, &tick, &old_tick);
  if (write(fds.go[1], "g", 1) != 1) KillAll();
  close(fds.go[1]);
  fds.go[1] = -1;

  Loop();
  if (!live_.empty() || !killing_) {
    // Anything still around (a child re-parented here that was never traced): kill and reap.
    KillAll();
    Drain();
  }
  itimerval off{};
  setitimer(ITIMER_REAL, &off, nullptr);
  sigaction(SIGALRM, &old_sa, nullptr);
  obs_.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  rusage ru{};
  if (getrusage(RUSAGE_CHILDREN, &ru) == 0) {
    obs_.user_seconds = static_cast<double>(ru.ru_utime.tv_sec) + ru.ru_utime.tv_usec / 1e6;
    obs_.sys_seconds = static_cast<double>(ru.ru_stime.tv_sec) + ru.ru_stime.tv_usec / 1e6;
    obs_.peak_rss_kb = static_cast<uint64_t>(ru.ru_maxrss);
  }
  obs_.thread_stack_pointers.insert(obs_.thread_stack_pointers.end(), clone_stacks_.begin(), clone_stacks_.end());
  obs_.output_bytes = relay.Finish(kRelayGraceMs);
  obs_.terminal_restored = terminal.Restore();
  if (sandboxed) {
    // Every writer has exec'd or exited: what is in the pipe is all there is.
    fcntl(fds.status[0], F_SETFL, O_NONBLOCK);
    std::string fatal;
    sandbox_internal::ReadStatus(fds.status[0], int64_t{clone_time.tv_sec} * 1'000'000'000 + clone_time.tv_nsec,
                                 &obs_.sandbox, &fatal);
    if (!fatal.empty() && !obs_.started) obs_.start_error = "sandbox: " + fatal;
  }
  memcg.Remove(&obs_.sandbox);  // its peak and OOM kills, then rmdir (the run is over)
  return true;
}

}  // namespace

std::vector<std::string> CleanEnvironment(const std::vector<std::string>& extra) {
  std::vector<std::string> env = {"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/tmp", "LANG=C.UTF-8"};
  for (const std::string& e : extra) {
    const size_t eq = e.find('=');
    if (eq == std::string::npos || eq == 0) continue;
    auto same = [&](const std::string& d) { return d.compare(0, eq + 1, e, 0, eq + 1) == 0; };
    env.erase(std::remove_if(env.begin(), env.end(), same), env.end());
    env.push_back(e);
  }
  return env;
}

Result<Observation> Trace(const TraceOptions& opts) {
  Observation obs;
  obs.program = opts.path;
  obs.argv = opts.argv;
  Tracer t(opts, &obs);
  auto r = t.Run();
  if (!r) return r.error();
  if (!obs.started && obs.start_error.empty()) obs.start_error = "the program did not start";
  return obs;
}

}  // namespace exray::trace
