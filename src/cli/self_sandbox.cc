#include "cli/self_sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cstring>
#include <memory>

#include "support/landlock.h"

#if defined(__SANITIZE_ADDRESS__)
#define EXRAY_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define EXRAY_ASAN 1
#endif
#endif

namespace exray {
namespace {

// System calls the analysis makes, with no argument worth checking: reading
// and seeking, closing, memory it owns, threads' synchronisation, signals to
// itself (abort), time, randomness (hash seeds), and exit; and a pipe, which
// reaches nothing outside (the sanitizers test memory by writing it to one).
// Names this architecture lacks are skipped.
constexpr const char* kAllowed[] = {
    "read", "readv", "pread64", "preadv", "preadv2", "write", "writev", "close", "lseek", "_llseek",
    "fstat", "fstat64", "newfstatat", "fstatat64", "stat", "stat64", "lstat", "lstat64", "statx",
    "getdents", "getdents64", "readlink", "readlinkat", "access", "faccessat", "faccessat2", "fcntl", "fcntl64",
    "dup", "getcwd", "munmap", "mremap", "madvise", "brk", "mincore", "membarrier", "pipe", "pipe2",
    "futex", "futex_time64", "set_robust_list", "get_robust_list", "rseq", "set_tid_address",
    "sched_yield", "sched_getaffinity", "getpid", "gettid", "getppid", "getuid", "geteuid", "getgid",
    "getegid", "uname", "sysinfo", "getrlimit", "ugetrlimit", "getrusage",
    "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack", "tgkill", "restart_syscall",
    "clock_gettime", "clock_gettime64", "clock_getres", "gettimeofday", "nanosleep", "clock_nanosleep",
    "clock_nanosleep_time64", "getrandom", "exit", "exit_group",
};

// LeakSanitizer checks for leaks at exit from a helper that shares the
// process's memory (clone with CLONE_VM, not CLONE_THREAD) and ptraces its
// threads: an AddressSanitizer build, a test build, lets both through.
#ifdef EXRAY_ASAN
constexpr bool kLeakChecker = true;
#else
constexpr bool kLeakChecker = false;
#endif

// Open flags that would change a file: none is allowed.
constexpr uint64_t kWriteFlags = O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND;
// The clone flags of a thread (glibc's pthread_create): a fork lacks CLONE_THREAD.
constexpr uint64_t kThreadFlags = CLONE_VM | CLONE_THREAD;

struct FilterDeleter {
  void operator()(void* c) const { seccomp_release(static_cast<scmp_filter_ctx>(c)); }
};

std::string ApplySeccomp(bool* ok) {
  *ok = false;
  std::unique_ptr<void, FilterDeleter> ctx(seccomp_init(SCMP_ACT_ERRNO(EPERM)));
  if (!ctx) return "seccomp: could not build the filter";
  int rc = 0;
  auto allow = [&](const char* name, unsigned n, const scmp_arg_cmp* args) {
    const int nr = seccomp_syscall_resolve_name(name);
    if (nr == __NR_SCMP_ERROR) return;  // not on this architecture
    const int r = seccomp_rule_add_array(ctx.get(), SCMP_ACT_ALLOW, nr, n, args);
    if (r != 0 && rc == 0) rc = r;
  };
  for (const char* name : kAllowed) allow(name, 0, nullptr);
  // Opening for reading only (openat's flags are its third argument, open's its second).
  const scmp_arg_cmp read_only_at[] = {scmp_arg_cmp{2, SCMP_CMP_MASKED_EQ, kWriteFlags, 0}};
  const scmp_arg_cmp read_only[] = {scmp_arg_cmp{1, SCMP_CMP_MASKED_EQ, kWriteFlags, 0}};
  allow("openat", 1, read_only_at);
  allow("open", 1, read_only);
  // Memory never executable: mapping a file to read it is fine, running it is not.
  const scmp_arg_cmp no_exec[] = {scmp_arg_cmp{2, SCMP_CMP_MASKED_EQ, PROT_EXEC, 0}};
  allow("mmap", 1, no_exec);
  allow("mmap2", 1, no_exec);
  allow("mprotect", 1, no_exec);
  // Threads, not processes. clone3 keeps its flags in memory the filter
  // cannot read: it is refused with ENOSYS, and glibc falls back to clone.
  const scmp_arg_cmp thread[] = {scmp_arg_cmp{0, SCMP_CMP_MASKED_EQ, kLeakChecker ? CLONE_VM : kThreadFlags,
                                              kLeakChecker ? CLONE_VM : kThreadFlags}};
  allow("clone", 1, thread);
  if (kLeakChecker)
    for (const char* name : {"ptrace", "prctl", "wait4", "waitid", "kill"}) allow(name, 0, nullptr);
  if (const int nr = seccomp_syscall_resolve_name("clone3"); nr != __NR_SCMP_ERROR)
    if (int r = seccomp_rule_add(ctx.get(), SCMP_ACT_ERRNO(ENOSYS), nr, 0); r != 0 && rc == 0) rc = r;
  // Asking whether stdout is a terminal, and its width.
  const scmp_arg_cmp tcgets[] = {scmp_arg_cmp{1, SCMP_CMP_EQ, TCGETS, 0}};
  const scmp_arg_cmp winsz[] = {scmp_arg_cmp{1, SCMP_CMP_EQ, TIOCGWINSZ, 0}};
  allow("ioctl", 1, tcgets);
  allow("ioctl", 1, winsz);
  // Reading resource limits (the sanitizers do), never setting them.
  const scmp_arg_cmp get_only[] = {scmp_arg_cmp{2, SCMP_CMP_EQ, 0, 0}};
  allow("prlimit64", 1, get_only);
  if (rc != 0) return fmt::format("seccomp: a rule was refused ({})", std::strerror(-rc));
  if (const int r = seccomp_load(ctx.get()); r != 0) return fmt::format("seccomp: not loaded ({})", std::strerror(-r));
  *ok = true;
  return "seccomp: read-only opens, no socket, no exec or fork, no ptrace, no executable memory";
}

// No right Landlock knows is granted anywhere, but reading files and
// directories: no write, truncate, create, remove, link or exec; no TCP
// bind or connect; no signal or abstract socket outside the process.
std::string ApplyLandlock(long* abi_out) {
  *abi_out = 0;
  const long abi = syscall(SYS_landlock_create_ruleset, nullptr, 0, 1 /* LANDLOCK_CREATE_RULESET_VERSION */);
  if (abi < 1) return fmt::format("Landlock: not available ({})", std::strerror(errno));
  landlock::RulesetAttr attr{landlock::AllFsRights(abi) & ~(landlock::kReadFile | landlock::kReadDir | landlock::kIoctlDev),
                             abi >= 4 ? (landlock::kBindTcp | landlock::kConnectTcp) : 0,
                             abi >= 6 ? (landlock::kScopeAbstractUnix | landlock::kScopeSignal) : 0};
  const int rfd = static_cast<int>(syscall(SYS_landlock_create_ruleset, &attr, landlock::RulesetAttrSize(abi), 0));
  if (rfd < 0) return fmt::format("Landlock: ruleset refused ({})", std::strerror(errno));
  const long r = syscall(SYS_landlock_restrict_self, rfd, 0);
  const int e = errno;
  close(rfd);
  if (r != 0) return fmt::format("Landlock: not enforced ({})", std::strerror(e));
  *abi_out = abi;
  return fmt::format("Landlock ABI {}: read only, everywhere", abi);
}

}  // namespace

SelfSandbox EnterSelfSandbox() {
  SelfSandbox s;
  // Both need it: no exec may gain privileges from here on.
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    s.detail = fmt::format("no_new_privs refused ({}); no sandbox", std::strerror(errno));
    return s;
  }
  // Landlock first: its set-up calls are not on the allow-list.
  const std::string ll = ApplyLandlock(&s.landlock_abi);
  const std::string sc = ApplySeccomp(&s.seccomp);
  s.detail = sc + "; " + ll;
  return s;
}

std::string ProbeSelfSandbox(bool sandboxed) {
  std::string out;
  auto say = [&](std::string_view what, bool done, int err) {
    out += fmt::format("{}: {}\n", what, done ? "allowed" : fmt::format("refused ({})", std::strerror(err)));
  };
  // A file for writing, where anyone may write.
  const std::string path = fmt::format("/tmp/exray-sandbox-probe-{}", getpid());
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  say("open-for-writing", fd >= 0, errno);
  if (fd >= 0) close(fd), unlink(path.c_str());
  // A socket, and a connection to this machine's discard port.
  fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  say("socket", fd >= 0, errno);
  if (fd >= 0) {
    sockaddr_in a{};
    a.sin_family = AF_INET, a.sin_port = htons(9), a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const int r = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    // Refused by a closed port is still a connection attempt that was made.
    say("connect", r == 0 || errno == ECONNREFUSED, errno);
    close(fd);
  }
  // A child process that execs.
  const pid_t pid = fork();
  if (pid == 0) {
    execl("/bin/true", "true", static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  if (pid > 0) waitpid(pid, &status, 0);
  say("fork-and-exec", pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0, errno);
  // Exec in place: only under the sandbox, where it must fail (were it to
  // succeed, this process would be /bin/true, and the probe's caller would
  // miss the rest of these lines).
  if (sandboxed) {
    execl("/bin/true", "true", static_cast<char*>(nullptr));
    say("exec", false, errno);
  } else {
    out += "exec: not tried without the sandbox (it would replace exray)\n";
  }
  // ptrace of a process that is not our tracee: ESRCH when ptrace itself is allowed.
  errno = 0;
  ptrace(PTRACE_PEEKUSER, 1, nullptr, nullptr);
  say("ptrace", errno != EPERM, errno);
  if (kLeakChecker) out.insert(out.size() - 1, " (a sanitizer build: LeakSanitizer needs ptrace)");
  // Executable memory.
  void* p = mmap(nullptr, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  say("exec-memory", p != MAP_FAILED, errno);
  if (p != MAP_FAILED) munmap(p, 4096);
  return out;
}

}  // namespace exray
