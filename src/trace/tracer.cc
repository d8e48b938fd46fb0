// The ptrace + seccomp RET_TRACE tracer (see reference/runtime-tracing.md §1-2).
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
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "trace/smaps.h"

namespace exray::trace {

const char* const kTraceSet[] = {
    "mmap",   "mprotect", "pkey_mprotect", "mremap",         "shmat",       "memfd_create", "open",
    "openat", "openat2",  "execve",        "execveat",       "clone",       "clone3",       "fork",
    "vfork",  "exit_group", "ptrace",      "process_vm_writev", "io_uring_setup", "seccomp", "prctl",
    "personality", "kill", "tkill", "tgkill",
    // Denied, and reported: ways to change namespaces or mounts, and kernel
    // facilities a program under study has no business with (§4.2 step 6).
    "unshare", "setns", "mount", "umount2", "pivot_root", "open_tree", "move_mount", "fsopen", "fsmount",
    "fsconfig", "fspick", "mount_setattr", "bpf", "perf_event_open", "userfaultfd", "keyctl", "add_key",
    "request_key", "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", nullptr};

namespace {

// Caps that keep a hostile program from growing the observation without end.
constexpr size_t kMaxEvents = 100000;      // exec mappings and execs kept
constexpr size_t kMaxElfFiles = 4096;      // distinct ELF files opened
constexpr size_t kMaxMapsReads = 20000;    // /proc/PID/maps reads for mprotect(PROT_EXEC)
constexpr size_t kMaxEscapes = 1000;
constexpr size_t kMaxCloneStacks = 4096;   // clone child_stack values kept
constexpr size_t kMaxFilesChecked = 16384; // distinct opened paths checked for ELF magic
constexpr size_t kMaxString = 4096;        // bytes read of a path or argv[0]
constexpr int kDrainSeconds = 5;           // reaping after SIGKILL
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

struct Ids {
  int tgid = 0;
  int nspid = 0;  // the innermost PID namespace's number (the last of NSpid)
};

Ids ReadIds(int tid) {
  Ids ids;
  std::string s = ReadFileText(fmt::format("/proc/{}/status", tid), 8192);
  size_t p = s.find("\nTgid:");
  if (p != std::string::npos) ids.tgid = std::atoi(s.c_str() + p + 6);
  p = s.find("\nNSpid:");
  if (p != std::string::npos) {
    size_t e = s.find('\n', p + 1);
    size_t last = s.find_last_of(" \t", e == std::string::npos ? s.size() : e);
    if (last != std::string::npos && last > p) ids.nspid = std::atoi(s.c_str() + last + 1);
  }
  return ids;
}

std::optional<uint64_t> ReadVmHwm(int tid) {
  std::string s = ReadFileText(fmt::format("/proc/{}/status", tid), 8192);
  size_t p = s.find("\nVmHWM:");
  if (p == std::string::npos) return std::nullopt;
  return std::strtoull(s.c_str() + p + 7, nullptr, 10);
}

/// The seccomp filter as BPF, built by libseccomp in the parent so that the
/// child only has to load it (no allocation between fork and exec).
Result<std::vector<sock_filter>> BuildFilter() {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (!ctx) return MakeError("seccomp_init failed");
  struct Guard {
    scmp_filter_ctx c;
    ~Guard() { seccomp_release(c); }
  } guard{ctx};
  // i386 (int 0x80) and x32 calls stop the tracee too; the tracer flags them.
  if (int rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_TRACE(1)); rc != 0)
    return MakeError(fmt::format("seccomp bad-arch action: {}", strerror(-rc)));
  if (int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0); rc != 0)  // set by the child itself
    return MakeError(fmt::format("seccomp no_new_privs attribute: {}", strerror(-rc)));
  for (const char* const* n = kTraceSet; *n; ++n) {
    int nr = seccomp_syscall_resolve_name(*n);
    if (nr == __NR_SCMP_ERROR) continue;
    if (int rc = seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), nr, 0); rc != 0)
      return MakeError(fmt::format("seccomp rule for {}: {}", *n, strerror(-rc)));
  }
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

/// One thread under trace.
struct Tracee {
  int tgid = 0;
  int nspid = 0;  // its number inside the sandbox's PID namespace (the host's without a sandbox)
  // The call whose exit stop is awaited (PTRACE_SYSCALL after the seccomp stop).
  enum class Pending { kNone, kMap, kExec, kOpen } pending = Pending::kNone;
  ExecMapping map;  // for kMap
  ExecEvent exec;   // for kExec
  uint64_t open_flags = 0;
  std::string open_path;  // for opens with write access only: a refused /proc/PID/mem is reported
};

class Tracer {
 public:
  Tracer(const TraceOptions& opts, Observation* obs) : opts_(opts), obs_(*obs) {}
  Result<bool> Run();

 private:
  void Loop();
  void OnNewTid(int tid);
  void OnGone(int tid, int status, const rusage* ru);
  void OnSeccomp(int tid);
  void OnSyscallExit(int tid);
  void OnExec(int tid);
  void Snapshot(int tid);
  void Deny(int tid, int err);
  void Resume(int tid, int request = PTRACE_CONT, int sig = 0);
  void KillAll();
  void Drain();
  void Escape(int tid, std::string what, std::string action, std::string detail = "");

  const TraceOptions& opts_;
  Observation& obs_;
  int main_pid_ = -1;
  int init_pid_ = -1;  // the sandbox's init (PID 1 inside), traced only for its fork
  std::map<int, Tracee> live_;
  std::map<int, uint64_t> group_live_;  // tgid -> threads alive
  std::map<int, uint64_t> sp_;          // last stack pointer seen per tid
  std::set<std::string> checked_;  // opened paths already checked for ELF magic
  size_t clone_stacks_ = 0;
  size_t maps_reads_ = 0;
  bool killing_ = false;
  std::chrono::steady_clock::time_point start_;
};

void Tracer::Escape(int tid, std::string what, std::string action, std::string detail) {
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
  // A call that could not be skipped must not run: the tracee dies instead
  // (ESRCH: it is gone already).
  if (!skipped && errno != ESRCH) kill(tid, SIGKILL);
  Resume(tid);
}

void Tracer::OnNewTid(int tid) {
  if (live_.count(tid)) return;
  if (main_pid_ < 0) {
    // The sandbox's init forks once: that child is the program.
    main_pid_ = tid;
    live_[tid].tgid = tid;
    live_[tid].nspid = ReadIds(tid).nspid;
    group_live_[tid] = 1;
    obs_.peak_threads = obs_.peak_tree_threads = 1;
    return;
  }
  const Ids ids = ReadIds(tid);
  const int tgid = ids.tgid > 0 ? ids.tgid : tid;
  live_[tid].tgid = tgid;
  live_[tid].nspid = ids.nspid > 0 ? ids.nspid : tid;
  if (tgid != tid) {
    ++obs_.threads_started;
  } else if (tid != main_pid_) {
    ++obs_.processes_forked;
  }
  uint64_t n = ++group_live_[tgid];
  obs_.peak_threads = std::max(obs_.peak_threads, n);
  const uint64_t tree = live_.size() - (init_pid_ > 0 && live_.count(init_pid_) ? 1 : 0);
  obs_.peak_tree_threads = std::max(obs_.peak_tree_threads, tree);
  if (live_.size() > opts_.max_tracees && !killing_) {
    obs_.tracee_cap_hit = true;
    KillAll();
  }
}

void Tracer::OnGone(int tid, int status, const rusage* ru) {
  auto it = live_.find(tid);
  if (it != live_.end()) {
    auto g = group_live_.find(it->second.tgid);
    if (g != group_live_.end() && g->second > 0 && --g->second == 0) group_live_.erase(g);
    live_.erase(it);
  }
  sp_.erase(tid);
  if (tid == main_pid_) {
    obs_.exited = true;
    if (WIFEXITED(status)) obs_.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) obs_.term_signal = WTERMSIG(status);
    // What FILE left running is killed now: nothing outlives the run.
    if (!live_.empty() && !killing_) KillAll();
  }
}

void Tracer::Snapshot(int tid) {
  if (obs_.memory_snapshot) return;
  std::string text = ReadFileText(fmt::format("/proc/{}/smaps", tid));
  if (text.empty()) return;
  obs_.vmas = ParseSmaps(text);
  obs_.memory_snapshot = true;
  obs_.vm_hwm_kb = ReadVmHwm(tid);
  for (const auto& [t, sp] : sp_) {
    auto it = live_.find(t);
    if (it != live_.end() && it->second.tgid == main_pid_) obs_.thread_stack_pointers.push_back(sp);
  }
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
  const uint64_t nr = info.seccomp.nr;
  const uint64_t* a = info.seccomp.args;
  if (info.arch != AUDIT_ARCH_X86_64 || (nr & kX32Bit)) {
    // A 32-bit or x32 call: the numbers mean other calls; flag it and let it run.
    if (obs_.foreign_arch_calls++ == 0)
      Escape(tid, "foreign-arch", "flagged",
             fmt::format("{} call {} (not classified)", info.arch == AUDIT_ARCH_I386 ? "i386" : "x32", nr & ~kX32Bit));
    Resume(tid);
    return;
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
    m.image = Readlink(fmt::format("/proc/{}/exe", tid));
    return m;
  };
  switch (nr) {
    case SYS_mmap: {
      if (!(a[2] & PROT_EXEC)) break;
      const int fd = static_cast<int>(a[4]);
      ExecMapping m = exec_map("mmap", a[0], a[1], a[2], a[3], (a[3] & MAP_ANONYMOUS) ? -1 : fd);
      if (m.fd >= 0) {
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
      // What the range was before: from /proc/PID/maps at the stop (the call has not run yet).
      if (maps_reads_++ < kMaxMapsReads) {
        std::string maps = ReadFileText(fmt::format("/proc/{}/maps", tid));
        for (const Vma& v : ParseSmaps(maps)) {
          if (v.end <= a[0] || v.start >= a[0] + a[1]) continue;
          if (m.prev_prot.find(v.perms) == std::string::npos) m.prev_prot += (m.prev_prot.empty() ? "" : ",") + v.perms;
          if (v.perms.size() > 2 && v.perms[2] != 'x') m.adds_exec = true;
          if (m.path.empty()) m.path = v.path;
        }
        if (m.path.rfind("[", 0) == 0 && m.path.rfind("[anon", 0) != 0) m.path.clear();
        if (m.path.rfind("[anon", 0) == 0) m.path.clear();
      } else {
        m.adds_exec = true;  // unknown: count it
      }
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
    case SYS_openat2: {
      t.pending = Tracee::Pending::kOpen;
      t.open_flags = nr == SYS_open ? a[1] : nr == SYS_openat ? a[2] : ReadPointer(tid, a[2]);  // open_how.flags
      t.open_path.clear();
      if ((t.open_flags & O_ACCMODE) != O_RDONLY) t.open_path = ReadString(tid, nr == SYS_open ? a[0] : a[1]);
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
      e.path = ReadString(tid, path_arg);
      if (nr == SYS_execveat && e.path.empty()) {
        // fexecve / execveat(fd, "", AT_EMPTY_PATH): what the fd is.
        e.path = Readlink(fmt::format("/proc/{}/fd/{}", tid, static_cast<int>(a[0])));
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
      // child_stack, kept for the stack grouping (negative keys: not a tid).
      if (a[1] && clone_stacks_++ < kMaxCloneStacks) sp_[-static_cast<int>(clone_stacks_)] = a[1];
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
    case SYS_tgkill: {
      // Without a PID namespace a signal could reach exray or any process of
      // the user (kill(-1) as root: every process). Numbers are the caller's
      // namespace's: in the sandbox -1 reaches only the run, and 1 is exray's init.
      const int64_t target = static_cast<int32_t>(nr == SYS_tgkill ? a[1] : a[0]);
      const int64_t abs_target = target < 0 ? -target : target;
      bool inside = nr == SYS_kill && (target == 0 || (target == -1 && opts_.sandbox.enabled));
      for (const auto& [ltid, lt] : live_) {
        if (inside) break;
        if (ltid != init_pid_ && lt.nspid == abs_target && (nr == SYS_kill || target > 0)) inside = true;
      }
      if (!inside) {
        Escape(tid, "signal-outside", "denied (EPERM)",
               fmt::format("{}({}, signal {}) names a process outside the run",
                           nr == SYS_kill ? "kill" : nr == SYS_tkill ? "tkill" : "tgkill", target,
                           nr == SYS_tgkill ? a[2] : a[1]));
        Deny(tid, EPERM);
        return;
      }
      break;
    }
    case SYS_exit_group:
      if (t.tgid == main_pid_) Snapshot(tid);
      break;
    case SYS_memfd_create:
    case SYS_fork:
    case SYS_vfork:
    case SYS_mremap:
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
      t.map.ok = ok;
      if (ok && t.map.call != "mprotect" && t.map.call != "pkey_mprotect") t.map.addr = static_cast<uint64_t>(rval);
      if (obs_.exec_mappings.size() < kMaxEvents) obs_.exec_mappings.push_back(std::move(t.map));
      else ++obs_.exec_mappings_dropped;
      break;
    case Tracee::Pending::kExec:  // a failed exec (success is PTRACE_EVENT_EXEC)
      t.exec.ok = false;
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
        // Only regular files are opened here: opening a device or FIFO can have effects.
        struct stat st{};
        if (!path.empty() && path[0] == '/' && checked_.size() < kMaxFilesChecked && checked_.insert(path).second &&
            stat(link.c_str(), &st) == 0 && S_ISREG(st.st_mode) && obs_.files_opened_elf.size() < kMaxElfFiles) {
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
      auto g = group_live_.find(moved.tgid);
      if (g != group_live_.end() && g->second > 1) --g->second;
      live_.erase(it);
      live_[tid] = std::move(moved);
    }
  }
  Tracee& t = live_[tid];
  if (t.tgid == 0) t.tgid = tid;
  if (t.pending == Tracee::Pending::kExec) {
    t.exec.ok = true;
    t.exec.pid = tid;
    if (t.exec.initial) {
      obs_.started = true;
      obs_.program_real = Readlink(fmt::format("/proc/{}/exe", tid));
    }
    if (obs_.execs.size() < kMaxEvents) obs_.execs.push_back(std::move(t.exec));
  }
  t.pending = Tracee::Pending::kNone;
  Resume(tid);
}

void Tracer::KillAll() {
  killing_ = true;
  // The init's death makes the kernel kill everything in its PID namespace.
  if (init_pid_ > 0) kill(init_pid_, SIGKILL);
  if (main_pid_ > 0) kill(-main_pid_, SIGKILL);
  for (const auto& [tid, t] : live_) kill(tid, SIGKILL);
}

// Reaps every child after SIGKILL, killing any that shows up, for at most
// kDrainSeconds; this process is a child subreaper, so orphans come here too.
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
      kill(p, SIGKILL);
      Resume(p);
      continue;
    }
    OnGone(p, st, nullptr);
  }
}

void Tracer::Loop() {
  const auto deadline = start_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                     std::chrono::duration<double>(opts_.timeout_seconds));
  while (!live_.empty()) {
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
    int st = 0;
    rusage ru{};
    pid_t tid = wait4(-1, &st, __WALL, &ru);
    if (tid < 0) {
      if (errno == EINTR) continue;  // the periodic tick: look at the clock
      break;                         // ECHILD
    }
    ++obs_.stops;
    if (WIFEXITED(st) || WIFSIGNALED(st)) {
      OnGone(tid, st, &ru);
      continue;
    }
    if (!WIFSTOPPED(st)) continue;
    if (!live_.count(tid)) OnNewTid(tid);  // a new child's first stop can come before its parent's event
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
        if (ptrace(PTRACE_GETEVENTMSG, tid, nullptr, &child) == 0 && child > 0) OnNewTid(static_cast<int>(child));
        Resume(tid);
        break;
      }
      case PTRACE_EVENT_EXEC:
        OnExec(tid);
        break;
      case PTRACE_EVENT_EXIT:
        if (tid == main_pid_) Snapshot(tid);  // exit without exit_group (killed, or the last thread's exit)
        Resume(tid);
        break;
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
}

// What the program's process needs between its fork and its execve, all
// prepared before: only system calls happen there.
struct ChildContext {
  const char* path = nullptr;
  char* const* argv = nullptr;
  char* const* envp = nullptr;
  const sock_fprog* filter = nullptr;
  int stdin_fd = -1;
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
  dup2(STDERR_FILENO, STDOUT_FILENO);  // the report owns stdout
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

Result<bool> Tracer::Run() {
  auto prog_or = BuildFilter();
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
    int in = -1, go[2] = {-1, -1}, status[2] = {-1, -1};
    ~Fds() {
      for (int f : {in, go[0], go[1], status[0], status[1]})
        if (f >= 0) close(f);
    }
  } fds;
  const std::string in_path = opts_.stdin_path.empty() ? "/dev/null" : opts_.stdin_path;
  // O_NONBLOCK: a FIFO without a writer must not hang the open; the program gets a blocking fd.
  fds.in = open(in_path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fds.in < 0) return MakeError(fmt::format("stdin {}: {}", in_path, strerror(errno)));
  fcntl(fds.in, F_SETFL, fcntl(fds.in, F_GETFL) & ~O_NONBLOCK);
  if (pipe2(fds.go, O_CLOEXEC) != 0) return MakeError(fmt::format("pipe: {}", strerror(errno)));
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
  ctx.go_fd = fds.go[0];
  ctx.close_fd = fds.go[1];
  ctx.parent = getpid();
  ctx.file_size_limit = opts_.file_size_limit;
  ctx.memory_bytes = opts_.sandbox.memory_bytes;
  obs_.sandbox.limits.push_back(fmt::format("RLIMIT_FSIZE {}", opts_.file_size_limit));
  obs_.sandbox.limits.push_back("RLIMIT_CORE 0");
  if (opts_.sandbox.memory_bytes) obs_.sandbox.limits.push_back(fmt::format("RLIMIT_DATA {}", opts_.sandbox.memory_bytes));
  ctx.plan = sandboxed ? &plan : nullptr;

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
  close(fds.go[0]);
  fds.go[0] = -1;
  if (sandboxed) {
    close(fds.status[1]);
    fds.status[1] = -1;
  }
  auto abandon = [&](std::string msg) -> Result<bool> {
    close(fds.go[1]);  // the child reads EOF and exits
    fds.go[1] = -1;
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, __WALL);
    return MakeError(std::move(msg));
  };
  if (sandboxed) {
    auto maps = sandbox_internal::WriteIdMaps(pid, &obs_.sandbox);
    if (!maps) return abandon(maps.error().message);
    init_pid_ = pid;
  } else {
    main_pid_ = pid;
  }
  // sandbox-allowlist: the init joins a memory cgroup before it is let go, so the program and its shared memory are in it.
  sandbox_internal::MemoryCgroup memcg = sandboxed ? sandbox_internal::JoinMemoryCgroup(pid, opts_.sandbox.memory_bytes, &obs_.sandbox)
                                                   : sandbox_internal::MemoryCgroup();
  const long opts = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEEXEC | PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK |
                    PTRACE_O_TRACEVFORK | PTRACE_O_TRACESECCOMP | PTRACE_O_TRACEEXIT | PTRACE_O_EXITKILL;
  if (ptrace(PTRACE_SEIZE, pid, nullptr, reinterpret_cast<void*>(opts)) != 0) {
    return abandon(fmt::format("ptrace(PTRACE_SEIZE): {} (is ptrace allowed here? see "
                               "/proc/sys/kernel/yama/ptrace_scope)",
                               strerror(errno)));
  }
  live_[pid].tgid = pid;
  live_[pid].nspid = sandboxed ? 1 : pid;
  group_live_[pid] = 1;
  if (!sandboxed) obs_.peak_threads = obs_.peak_tree_threads = 1;
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
  for (const auto& [k, sp] : sp_)
    if (k < 0) obs_.thread_stack_pointers.push_back(sp);  // clone child_stack arguments
  if (sandboxed) {
    // Every writer has exec'd or exited: what is in the pipe is all there is.
    fcntl(fds.status[0], F_SETFL, O_NONBLOCK);
    std::string fatal;
    sandbox_internal::ReadStatus(fds.status[0], int64_t{clone_time.tv_sec} * 1'000'000'000 + clone_time.tv_nsec,
                                 &obs_.sandbox, &fatal);
    if (!fatal.empty() && !obs_.started) obs_.start_error = "sandbox: " + fatal;
  }
  memcg.Remove(&obs_.sandbox);  // sandbox-allowlist: its peak and OOM kills, then rmdir (the run is over)
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
