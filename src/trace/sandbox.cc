// The namespace sandbox of `exray run` (see sandbox.h and
// reference/runtime-tracing.md §4.2). Everything between the clone and the
// program's execve runs in children of a single-threaded parent, with every
// string prepared beforehand; failures travel back on a pipe as fixed-size
// records (one write each, below PIPE_BUF, so they never interleave).
#include "trace/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/landlock.h>
#include <linux/securebits.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fmt/format.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>

namespace exray::trace {
namespace {

// Landlock constants newer than Debian 12's headers (ABI 4-6).
constexpr uint64_t kLandlockRefer = 1ull << 13;      // ABI 2
constexpr uint64_t kLandlockTruncate = 1ull << 14;   // ABI 3
constexpr uint64_t kLandlockIoctlDev = 1ull << 15;   // ABI 5
constexpr uint64_t kScopeAbstractUnix = 1ull << 0;   // ABI 6
constexpr uint64_t kScopeSignal = 1ull << 1;         // ABI 6
constexpr uint64_t kLandlockRead = LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR;

// The ruleset attribute as ABI 6 knows it; older kernels get a prefix of it.
struct LandlockRulesetAttr {
  uint64_t handled_access_fs;
  uint64_t handled_access_net;
  uint64_t scoped;
};

constexpr int kNamespaces = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC |
                            CLONE_NEWUTS | CLONE_NEWCGROUP;
constexpr const char* kNamespaceNames[] = {"user", "mount", "pid", "net", "ipc", "uts", "cgroup"};
// Device nodes the program gets in its /dev (bound from the host's).
constexpr const char* kDevices[] = {"null", "zero", "full", "random", "urandom", "tty"};
// Files of the fresh /proc that write to the kernel, not to the program's processes.
constexpr const char* kProcReadOnly[] = {"/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus",
                                         "/proc/fs"};
constexpr size_t kRecord = 256;  // one status record
constexpr int kMaxExpose = 64;

// Status records: a kind byte, then text.
enum Kind : char { kFatal = 'E', kFs = 'F', kLandlock = 'L', kNote = 'N', kLimit = 'R', kSetupNs = 'T' };

void Say(int fd, char kind, const char* fmt, ...) __attribute__((format(printf, 3, 4)));
void Say(int fd, char kind, const char* fmt, ...) {
  if (fd < 0) return;
  char rec[kRecord] = {};
  rec[0] = kind;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(rec + 1, sizeof rec - 1, fmt, ap);
  va_end(ap);
  ssize_t unused = write(fd, rec, sizeof rec);
  (void)unused;
}

[[noreturn]] void Fatal(int fd, const char* what) {
  Say(fd, kFatal, "%s: %s", what, strerror(errno));
  _exit(126);
}

// mkdir -p for a path inside the fresh tmpfs; true when it exists after.
bool MakeDirs(const std::string& path) {
  for (size_t i = 1; i <= path.size(); ++i) {
    if (i != path.size() && path[i] != '/') continue;
    std::string part = path.substr(0, i);
    if (mkdir(part.c_str(), 0755) != 0 && errno != EEXIST) return false;
  }
  return true;
}

// A detached copy of the mount at `path`, taken before something hides it.
int CloneTree(const char* path) {
  return static_cast<int>(syscall(SYS_open_tree, AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC));
}

// Attaches a detached copy at `target`, creating the file or directory it covers.
bool Attach(int tree, const std::string& target, bool dir) {
  if (dir) {
    if (!MakeDirs(target)) return false;
  } else {
    size_t slash = target.rfind('/');
    if (slash != std::string::npos && slash > 0 && !MakeDirs(target.substr(0, slash))) return false;
    int f = open(target.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (f < 0) return false;
    close(f);
  }
  return syscall(SYS_move_mount, tree, "", AT_FDCWD, target.c_str(), MOVE_MOUNT_F_EMPTY_PATH) == 0;
}

bool BindReadOnly(const char* path) {
  if (mount(path, path, nullptr, MS_BIND | MS_REC, nullptr) != 0) return false;
  return mount(nullptr, path, nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, nullptr) == 0;
}

void BringUpLoopback(int fd) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return Say(fd, kNote, "loopback not brought up: socket: %s", strerror(errno));
  ifreq ifr{};
  memcpy(ifr.ifr_name, "lo", 3);
  if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
    if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0) Say(fd, kNote, "loopback not brought up: %s", strerror(errno));
  }
  close(s);
}

// The mounts, in the init (which has every capability of the new user
// namespace). Host paths that the private mounts hide are cloned first.
void SetUpFilesystem(const sandbox_internal::Plan& plan) {
  const int fd = plan.status_fd;
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) Fatal(fd, "making / private");
  mount_attr ro{};
  ro.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID;
  if (mount_setattr(AT_FDCWD, "/", AT_RECURSIVE, &ro, sizeof ro) != 0) Fatal(fd, "making / read-only (mount_setattr)");
  Say(fd, kFs, "/ the host's tree, read-only, nosuid");

  // Copies of what the tmpfs mounts below will cover (already read-only).
  std::vector<int> expose;
  for (const std::string& p : plan.opts.expose) expose.push_back(CloneTree(p.c_str()));
  int devs[std::size(kDevices)];
  for (size_t i = 0; i < std::size(kDevices); ++i) devs[i] = CloneTree(fmt::format("/dev/{}", kDevices[i]).c_str());

  const std::string tmp_opts = fmt::format("mode=1777,size={},nr_inodes=65536", plan.opts.tmp_bytes);
  if (mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, tmp_opts.c_str()) != 0) Fatal(fd, "mounting /tmp");
  Say(fd, kFs, "/tmp private tmpfs, writable, %llu MiB", static_cast<unsigned long long>(plan.opts.tmp_bytes >> 20));

  struct stat st{};
  if (stat("/run", &st) == 0 && S_ISDIR(st.st_mode)) {
    // Hides the host's sockets (D-Bus, container daemons): a path socket is
    // reachable through a read-only mount and across network namespaces.
    if (mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=755,size=16m") != 0) Fatal(fd, "mounting /run");
    Say(fd, kFs, "/run private tmpfs (the host's sockets are not reachable)");
  }

  if (mount("tmpfs", "/dev", "tmpfs", MS_NOSUID, "mode=755,size=1m") != 0) Fatal(fd, "mounting /dev");
  std::string devlist;
  for (size_t i = 0; i < std::size(kDevices); ++i) {
    const std::string target = fmt::format("/dev/{}", kDevices[i]);
    if (devs[i] >= 0 && Attach(devs[i], target, false)) devlist += fmt::format(" {}", kDevices[i]);
  }
  const char* links[][2] = {{"/proc/self/fd", "/dev/fd"},
                            {"/proc/self/fd/0", "/dev/stdin"},
                            {"/proc/self/fd/1", "/dev/stdout"},
                            {"/proc/self/fd/2", "/dev/stderr"}};
  for (auto& l : links)
    if (symlink(l[0], l[1]) != 0) Say(fd, kNote, "%s: %s", l[1], strerror(errno));
  if (mkdir("/dev/shm", 01777) != 0 || mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777,size=256m") != 0)
    Fatal(fd, "mounting /dev/shm");
  Say(fd, kFs, "/dev private:%s, fd, stdin, stdout, stderr; /dev/shm private tmpfs", devlist.c_str());

  // What the run names beneath the hidden directories, back at the same place.
  for (size_t i = 0; i < expose.size(); ++i) {
    struct stat st{};
    const std::string& p = plan.opts.expose[i];
    if (expose[i] < 0 || stat(("/proc/self/fd/" + std::to_string(expose[i])).c_str(), &st) != 0 ||
        !Attach(expose[i], p, S_ISDIR(st.st_mode))) {
      Say(fd, kNote, "%s could not be bound into the sandbox: %s", p.c_str(), strerror(errno));
      continue;
    }
    Say(fd, kFs, "%s bound read-only from the host", p.c_str());
  }
  mount(nullptr, "/dev", nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID, nullptr);

  // A /proc of the new PID namespace. The kernel refuses it when the host's
  // /proc is partly covered (a container's masked paths); the host's stays then.
  if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) == 0) {
    std::string protected_list;
    for (const char* p : kProcReadOnly)
      if (stat(p, &st) == 0 && BindReadOnly(p)) protected_list += fmt::format(" {}", p);
    Say(fd, kFs, "/proc of the sandbox's PID namespace; read-only:%s", protected_list.c_str());
  } else {
    Say(fd, kNote, "a fresh /proc was refused (%s): the host's /proc stays visible, read-only", strerror(errno));
  }
}

// The rules: read and execute everywhere, write beneath the private
// /tmp and /dev/shm, and to the device nodes of /dev.
void ApplyLandlock(int fd) {
  const long abi = syscall(SYS_landlock_create_ruleset, nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION);
  if (abi < 1) {
    Say(fd, kLandlock, "0 not available (%s); the namespaces and read-only mounts still apply", strerror(errno));
    return;
  }
  uint64_t fs = (1ull << 13) - 1;  // ABI 1: execute .. make_sym
  if (abi >= 2) fs |= kLandlockRefer;
  if (abi >= 3) fs |= kLandlockTruncate;
  if (abi >= 5) fs |= kLandlockIoctlDev;
  LandlockRulesetAttr attr{fs, 0, abi >= 6 ? (kScopeAbstractUnix | kScopeSignal) : 0};
  const size_t size = abi >= 6 ? sizeof attr : abi >= 4 ? 2 * sizeof(uint64_t) : sizeof(uint64_t);
  int rfd = static_cast<int>(syscall(SYS_landlock_create_ruleset, &attr, size, 0));
  if (rfd < 0) {
    Say(fd, kLandlock, "0 ruleset refused (%s); the namespaces and read-only mounts still apply", strerror(errno));
    return;
  }
  const uint64_t dev_rights = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR | LANDLOCK_ACCESS_FS_WRITE_FILE |
                              kLandlockTruncate | kLandlockIoctlDev;
  const struct {
    const char* path;
    uint64_t access;
  } rules[] = {{"/", kLandlockRead}, {"/tmp", fs}, {"/dev/shm", fs}, {"/dev", dev_rights}};
  bool ok = true;
  for (const auto& r : rules) {
    landlock_path_beneath_attr pb{};
    pb.allowed_access = r.access & fs;
    pb.parent_fd = open(r.path, O_PATH | O_CLOEXEC);
    if (pb.parent_fd < 0) continue;
    if (syscall(SYS_landlock_add_rule, rfd, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) != 0) ok = false;
    close(pb.parent_fd);
  }
  if (!ok || syscall(SYS_landlock_restrict_self, rfd, 0) != 0) {
    Say(fd, kLandlock, "0 not enforced (%s); the namespaces and read-only mounts still apply", strerror(errno));
  } else {
    Say(fd, kLandlock, "%ld read and execute everywhere; write only beneath /tmp, /dev/shm and to /dev's nodes%s", abi,
        abi >= 6 ? "; no signals or abstract sockets beyond the sandbox" : "");
  }
  close(rfd);
}

}  // namespace

namespace sandbox_internal {

void DropCapabilities(int fd) {
  for (int cap = 0; cap < 64; ++cap) prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);  // EINVAL past the last: ignored
  prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  // Root inside must not regain capabilities by exec'ing.
  if (prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_CAP_AMBIENT_RAISE |
                                   SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED,
            0, 0, 0) != 0)
    Say(fd, kNote, "securebits: %s", strerror(errno));
  __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (syscall(SYS_capset, &hdr, data) != 0) Fatal(fd, "dropping capabilities");
}

}  // namespace sandbox_internal

namespace {

// Directories the sandbox replaces with private ones: what lies beneath them
// on the host is hidden unless bound in.
bool Hidden(const std::string& p) {
  return p.rfind("/tmp/", 0) == 0 || p.rfind("/run/", 0) == 0 || p.rfind("/dev/shm/", 0) == 0;
}

std::string RealPath(const std::string& p) {
  char buf[PATH_MAX];
  if (!realpath(p.c_str(), buf)) return "";
  return buf;
}

bool WriteFile(const std::string& path, const std::string& text) {
  int f = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (f < 0) return false;
  bool ok = write(f, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  close(f);
  return ok;
}

}  // namespace

std::vector<std::string> HiddenPathsToExpose(const std::string& program, const std::vector<std::string>& args) {
  std::set<std::string> out;
  std::string prog = RealPath(program);
  if (Hidden(prog)) {
    // Its directory, for the files beside it; never a whole hidden directory.
    const std::string dir = prog.substr(0, prog.rfind('/'));
    out.insert(dir == "/tmp" || dir == "/run" || dir == "/dev/shm" ? prog : dir);
  }
  char cwd[PATH_MAX];
  if (getcwd(cwd, sizeof cwd) && Hidden(cwd)) out.insert(cwd);
  for (const std::string& a : args) {
    struct stat st{};
    if (a.empty() || stat(a.c_str(), &st) != 0) continue;
    std::string r = RealPath(a);
    if (Hidden(r)) out.insert(r);
  }
  // A path beneath another exposed one is covered by it.
  std::vector<std::string> v;
  for (const std::string& p : out) {
    if (!v.empty() && p.rfind(v.back() + "/", 0) == 0) continue;
    if (v.size() < kMaxExpose) v.push_back(p);
  }
  return v;
}

namespace sandbox_internal {

pid_t CloneInit(const Plan& plan, int go_fd, int close_fd, void (*program)(void*), void* arg) {
  pid_t pid = static_cast<pid_t>(syscall(SYS_clone, kNamespaces | SIGCHLD, nullptr, nullptr, nullptr, 0));
  if (pid != 0) return pid;
  // The init: PID 1 of the new namespace. Its parent is outside it.
  prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  if (close_fd >= 0) close(close_fd);
  char c;
  if (read(go_fd, &c, 1) != 1) _exit(127);  // the tracer wrote the id maps and seized us, or died
  close(go_fd);
  SetUpFilesystem(plan);
  if (sethostname("exray-sandbox", 13) != 0) Say(plan.status_fd, kNote, "hostname: %s", strerror(errno));
  BringUpLoopback(plan.status_fd);
  pid_t child = fork();
  if (child < 0) Fatal(plan.status_fd, "fork of the program");
  if (child == 0) {
    program(arg);
    _exit(127);
  }
  // Reap whatever the namespace leaves to its init until the program is
  // gone; the kernel then kills the rest when this exits.
  close(plan.status_fd);
  for (;;) {
    int st = 0;
    pid_t w = waitpid(-1, &st, 0);
    if (w == child) _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
    if (w < 0 && errno != EINTR) _exit(0);
  }
}

Result<bool> WriteIdMaps(pid_t init, SandboxReport* report) {
  // Root inside is the invoking user outside (as bubblewrap does); with no
  // capabilities left at the exec it can do nothing that user could not.
  report->enabled = true;
  report->namespaces.assign(std::begin(kNamespaceNames), std::end(kNamespaceNames));
  report->uid_map = fmt::format("0 {} 1", geteuid());
  report->gid_map = fmt::format("0 {} 1", getegid());
  const std::string base = fmt::format("/proc/{}/", init);
  // setgroups must be denied before an unprivileged gid_map (user_namespaces(7)).
  WriteFile(base + "setgroups", "deny");
  if (!WriteFile(base + "uid_map", report->uid_map))
    return MakeError(fmt::format("writing uid_map of the sandbox: {}", strerror(errno)));
  if (!WriteFile(base + "gid_map", report->gid_map))
    return MakeError(fmt::format("writing gid_map of the sandbox: {}", strerror(errno)));
  return true;
}

void ConfineProgram(const Plan& plan) {
  const int fd = plan.status_fd;
  DropCapabilities(fd);
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) Fatal(fd, "no_new_privs");
  ApplyLandlock(fd);
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  Say(fd, kSetupNs, "%lld", static_cast<long long>(now.tv_sec) * 1000000000LL + now.tv_nsec);
}

void ReadStatus(int fd, int64_t clone_ns, SandboxReport* report, std::string* fatal) {
  char rec[kRecord];
  for (int i = 0; i < 1024; ++i) {
    ssize_t n = read(fd, rec, sizeof rec);
    if (n != static_cast<ssize_t>(sizeof rec)) break;
    rec[sizeof rec - 1] = 0;
    std::string text(rec + 1);
    switch (rec[0]) {
      case kFatal:
        *fatal = text;
        break;
      case kFs:
        report->filesystem.push_back(text);
        break;
      case kLandlock: {
        size_t sp = text.find(' ');
        report->landlock_abi = std::atoi(text.c_str());
        report->landlock = sp == std::string::npos ? "" : text.substr(sp + 1);
        if (report->landlock_abi == 0) report->notes.push_back("Landlock " + report->landlock);
        break;
      }
      case kLimit:
        report->limits.push_back(text);
        break;
      case kSetupNs:
        report->setup_ms = static_cast<double>(std::atoll(text.c_str()) - clone_ns) / 1e6;
        break;
      default:
        report->notes.push_back(text);
        break;
    }
  }
}

}  // namespace sandbox_internal

}  // namespace exray::trace
