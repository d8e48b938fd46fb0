// The namespace sandbox of `exray run` (see sandbox.h and docs/run.md).
// Everything between the clone and the
// program's execve runs in children of a single-threaded parent, with every
// string prepared beforehand; failures travel back on a pipe as fixed-size
// records (one write each, below PIPE_BUF, so they never interleave).
#include "trace/sandbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
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

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>

#include "support/landlock.h"
#include "support/limits.h"

namespace exray::trace {
namespace {

constexpr uint64_t kLandlockRead = landlock::kExecute | landlock::kReadFile | landlock::kReadDir;

constexpr int kNamespaces = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC |
                            CLONE_NEWUTS | CLONE_NEWCGROUP;
constexpr const char* kNamespaceNames[] = {"user", "mount", "pid", "net", "ipc", "uts", "cgroup"};
// Device nodes the program gets in its /dev (bound from the host's).
constexpr const char* kDevices[] = {"null", "zero", "full", "random", "urandom", "tty"};
// Files of the fresh /proc that write to the kernel, not to the program's processes.
constexpr const char* kProcReadOnly[] = {"/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus",
                                         "/proc/fs"};
constexpr size_t kRecord = 256;  // one status record

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

// Host directories the sandbox's root shows, read-only, nosuid and nodev,
// recursively (where they exist; symlinks, as on merged-/usr systems, are
// recreated, never bound through). Everything else of the host is absent
// unless the run names it (HiddenPathsToExpose, --expose).
constexpr const char* kSystemDirs[] = {"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32",
                                       "/etc", "/opt", "/sys"};
constexpr const char* kEssentialDirs[] = {"/usr", "/etc"};  // the run stops without them
// Top-level directories that exist in the root, empty and read-only: paths
// that programs expect, with none of the host's files (sockets under
// /var/tmp or /root, home directories).
constexpr const char* kEmptyDirs[] = {"/var", "/home", "/root", "/srv", "/mnt", "/media"};
// Directories the sandbox replaces with private ones.
constexpr const char* kPrivateDirs[] = {"/tmp", "/run", "/dev/shm"};
// Credentials and private keys inside the directories shown: covered by an
// empty read-only file or an empty read-only tmpfs. '*' matches within one
// name (fnmatch); symlinks are not followed (their target, if shown, is its
// own entry).
constexpr const char* kMasks[] = {
    "/etc/shadow",          "/etc/shadow-",          "/etc/gshadow",         "/etc/gshadow-",
    "/etc/sudoers",         "/etc/sudoers.d",        "/etc/security/opasswd", "/etc/krb5.keytab",
    "/etc/ssl/private",     "/etc/pki/tls/private",  "/etc/ssh/ssh_host_*_key", "/etc/ipsec.secrets",
    "/etc/ipsec.d/private", "/etc/ppp/chap-secrets", "/etc/ppp/pap-secrets", "/etc/NetworkManager/system-connections",
    "/etc/wpa_supplicant",  "/etc/letsencrypt",      "/etc/kubernetes",      "/etc/docker/key.json",
    "/etc/libvirt/secrets", "/etc/cups/ssl",         "/etc/samba/private",   "/etc/openvpn/server"};
// The same beneath every exposed directory: the working directory can be a
// home directory.
constexpr const char* kExposedMasks[] = {".ssh",  ".gnupg",          ".aws",  ".azure", ".config/gcloud",
                                         ".kube", ".docker/config.json", ".netrc", ".git-credentials", ".pgpass",
                                         ".password-store"};
constexpr size_t kMaskLine = 200;               // report line length before a new "masked" line
constexpr uint64_t kSysvPage = 4096;            // shmall counts pages (PAGE_SIZE on x86-64)
constexpr const char* kStage = "/tmp";          // where the new root is built (in our mount namespace only)
constexpr const char* kEmptyFile = ".exray-empty";  // in the new root while masking, removed after

bool Beneath(const std::string& p, const std::string& dir) {
  return p == dir || (p.size() > dir.size() && p.compare(0, dir.size(), dir) == 0 && p[dir.size()] == '/');
}

// mkdir -p for a path inside the fresh tmpfs (relative to it or absolute);
// true when it exists after.
bool MakeDirs(const std::string& path) {
  for (size_t i = 1; i <= path.size(); ++i) {
    if (i != path.size() && path[i] != '/') continue;
    std::string part = path.substr(0, i);
    if (mkdir(part.c_str(), 0755) != 0 && errno != EEXIST) return false;
  }
  return true;
}

// A detached read-only copy of the mounts at and beneath `path`, taken
// before the pivot hides them. `attr` is added to every mount of the copy.
int CloneTree(const char* path, uint64_t attr) {
  int tree = static_cast<int>(
      syscall(SYS_open_tree, AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE));
  if (tree < 0) return -1;
  mount_attr a{};
  a.attr_set = attr;
  if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof a) != 0) {
    close(tree);
    return -1;
  }
  return tree;
}

// Attaches a detached copy at `target`, creating the file or directory it covers.
bool Attach(int tree, const std::string& target, bool dir) {
  if (dir) {
    if (!MakeDirs(target)) return false;
  } else {
    size_t slash = target.rfind('/');
    if (slash != std::string::npos && slash > 0 && !MakeDirs(target.substr(0, slash))) return false;
    // O_RDONLY|O_CREAT: succeeds on an existing file of a read-only mount too.
    int f = open(target.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
    if (f < 0) return false;
    close(f);
  }
  return syscall(SYS_move_mount, tree, "", AT_FDCWD, target.c_str(), MOVE_MOUNT_F_EMPTY_PATH) == 0;
}

bool BindReadOnly(const char* path) {
  if (mount(path, path, nullptr, MS_BIND | MS_REC, nullptr) != 0) return false;
  return mount(nullptr, path, nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, nullptr) == 0;
}

bool WriteText(const char* path, const std::string& text) {
  int f = open(path, O_WRONLY | O_CLOEXEC);
  if (f < 0) return false;
  bool ok = write(f, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  close(f);
  return ok;
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

std::string RealPath(const std::string& p) {
  char buf[PATH_MAX];
  if (!realpath(p.c_str(), buf)) return "";
  return buf;
}

// Shown by the root: beneath an allowed system directory (and not masked,
// which the caller does not ask about).
bool Shown(const std::string& p) {
  for (const char* d : kSystemDirs)
    if (Beneath(p, d)) return true;
  return false;
}

// A path the sandbox provides itself, never bound whole from the host.
bool SandboxOwned(const std::string& p) {
  if (p == "/" || Beneath(p, "/proc") || (Beneath(p, "/dev") && !Beneath(p, "/dev/shm/"))) return true;
  for (const char* d : kEmptyDirs)
    if (p == d) return true;
  for (const char* d : kPrivateDirs)
    if (p == d) return true;
  return false;
}

// The host paths the root does not show: neither shown nor the sandbox's own.
bool Hidden(const std::string& p) { return !p.empty() && p[0] == '/' && !Shown(p) && !SandboxOwned(p); }

// Everything the init needs, prepared in the parent before the clone so the
// children only make system calls with it. Paths in the new root are
// relative (`rel`): the init builds it as its working directory.
struct Prepared {
  struct Dir {
    const char* path;
    std::string link;  // non-empty: a symlink to recreate
    bool essential;
  };
  struct Expose {
    std::string path, rel;
  };
  struct Mask {
    std::string rel;
    bool dir;
  };
  std::vector<Dir> dirs;
  std::string shown_line, links_line, empty_line;
  std::vector<Expose> exposes;
  std::vector<Mask> masks;
  std::vector<std::string> mask_lines;  // the report's lines, when every mask worked
  std::vector<std::string> notes;       // said by the init (the parent has no status to write yet)
  std::string tmp_opts, run_opts, shm_opts, tmp_line, run_line, devshm_mib;
  bool has_run = false;
  std::string shmmax, shmall, shmmni, sysv_line;  // empty: no SysV limits
  std::string cwd;                                // the working directory, restored after the pivot
  std::string devices[std::size(kDevices)], device_rel[std::size(kDevices)];
};

void AddMask(const std::string& path, Prepared* p) {
  if (p->masks.size() >= kMaxMasks) return;
  struct stat st{};
  if (lstat(path.c_str(), &st) != 0 || !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))) return;
  p->masks.push_back({path.substr(1), S_ISDIR(st.st_mode)});
  if (p->mask_lines.empty() || p->mask_lines.back().size() > kMaskLine)
    p->mask_lines.push_back("masked (empty, read-only):");
  p->mask_lines.back() += " " + path;
}

void AddMaskPattern(const std::string& pattern, Prepared* p) {
  const size_t slash = pattern.rfind('/');
  if (pattern.find('*') == std::string::npos || slash == std::string::npos) return AddMask(pattern, p);
  const std::string dir = pattern.substr(0, slash), name = pattern.substr(slash + 1);
  DIR* d = opendir(dir.c_str());
  if (!d) return;
  std::vector<std::string> found;
  int n = 0;
  for (dirent* e; n < kMaxGlobEntries && (e = readdir(d)); ++n)
    if (fnmatch(name.c_str(), e->d_name, FNM_PERIOD) == 0) found.push_back(dir + "/" + e->d_name);
  closedir(d);
  std::sort(found.begin(), found.end());
  for (const std::string& f : found) AddMask(f, p);
}

std::string Mib(uint64_t bytes) { return fmt::format("{} MiB", bytes >> 20); }

Prepared Prepare(const sandbox_internal::Plan& plan) {
  Prepared p;
  struct stat st{};
  char buf[PATH_MAX];
  std::string shown, links;
  for (const char* d : kSystemDirs) {
    const bool essential = std::find_if(std::begin(kEssentialDirs), std::end(kEssentialDirs),
                                        [&](const char* e) { return strcmp(e, d) == 0; }) != std::end(kEssentialDirs);
    if (lstat(d, &st) != 0) {
      if (essential) p.notes.push_back(fmt::format("{} does not exist on the host", d));
      continue;
    }
    if (S_ISLNK(st.st_mode)) {
      ssize_t n = readlink(d, buf, sizeof buf - 1);
      if (n <= 0) continue;
      p.dirs.push_back({d, std::string(buf, static_cast<size_t>(n)), essential});
      links += fmt::format(" {} -> {}", d, p.dirs.back().link);
    } else if (S_ISDIR(st.st_mode)) {
      p.dirs.push_back({d, "", essential});
      shown += fmt::format(" {}", d);
    }
  }
  p.shown_line = "/ a fresh tmpfs, read-only; host directories bound read-only, nosuid, nodev:" + shown;
  if (!links.empty()) p.links_line = "/ symlinks as on the host:" + links;
  for (const char* d : kEmptyDirs) p.empty_line += fmt::format(" {}", d);
  p.empty_line += " empty, read-only";
  p.empty_line.erase(0, 1);

  // What the run names or --expose asks for, unless the root shows it already.
  std::set<std::string> exposed;
  for (const std::string& e : plan.opts.expose) {
    const std::string r = RealPath(e);
    if (r.empty()) {
      p.notes.push_back(fmt::format("{} could not be exposed: {}", e, strerror(errno)));
    } else if (Shown(r)) {
      continue;  // already there, masks still apply
    } else if (SandboxOwned(r)) {
      p.notes.push_back(fmt::format("{} is the sandbox's own, not bound from the host", e));
    } else {
      exposed.insert(r);
    }
  }
  for (const std::string& e : exposed) {
    if (!p.exposes.empty() && Beneath(e, p.exposes.back().path)) continue;  // covered by the one before
    if (p.exposes.size() >= kMaxExpose) break;
    p.exposes.push_back({e, e.substr(1)});
  }

  for (const char* m : kMasks) AddMaskPattern(m, &p);
  for (const Prepared::Expose& e : p.exposes)
    if (stat(e.path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
      for (const char* m : kExposedMasks) AddMask(e.path + "/" + m, &p);

  // Sizes: with a memory limit the private tmpfs mounts and SysV shared
  // memory fit in it together (1/2 + 1/16 + 1/4 + 1/8), since their pages
  // are not the program's data and escape RLIMIT_DATA.
  const uint64_t mem = plan.opts.memory_bytes;
  auto within = [&](uint64_t dflt, uint64_t divisor) {
    return mem ? std::max(kMinTmpfs, std::min(dflt, mem / divisor)) : dflt;
  };
  const uint64_t tmp = within(plan.opts.tmp_bytes, 2), run = within(kRunBytes, 16), shm = within(kShmBytes, 4);
  p.tmp_opts = fmt::format("mode=1777,size={},nr_inodes=65536", tmp);
  p.tmp_line = fmt::format("/tmp private tmpfs, writable, {}", Mib(tmp));
  p.has_run = stat("/run", &st) == 0 && S_ISDIR(st.st_mode);
  p.run_opts = fmt::format("mode=755,size={}", run);
  p.run_line = fmt::format("/run private tmpfs, {} (the host's sockets are not reachable)", Mib(run));
  p.shm_opts = fmt::format("mode=1777,size={}", shm);
  p.devshm_mib = Mib(shm);
  if (mem) {
    const uint64_t sysv = std::max(kMinTmpfs, mem / 8);
    p.shmmax = std::to_string(sysv);
    p.shmall = std::to_string(sysv / kSysvPage);
    p.shmmni = std::to_string(kShmmni);
    p.sysv_line = fmt::format("SysV shared memory of the IPC namespace: shmall {} pages ({}), shmmax {}, shmmni {}",
                              p.shmall, Mib(sysv), sysv, kShmmni);
  }
  for (size_t i = 0; i < std::size(kDevices); ++i) {
    p.devices[i] = fmt::format("/dev/{}", kDevices[i]);
    p.device_rel[i] = p.devices[i].substr(1);
  }
  if (getcwd(buf, sizeof buf)) p.cwd = buf;
  return p;
}

// The mounts, in the init (which has every capability of the new user
// namespace): a fresh tmpfs root built at kStage, with copies of the host's
// trees taken before, then pivot_root into it.
void SetUpFilesystem(const sandbox_internal::Plan& plan, const Prepared& p) {
  const int fd = plan.status_fd;
  for (const std::string& n : p.notes) Say(fd, kNote, "%s", n.c_str());
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) Fatal(fd, "making / private");

  // Copies of the host's trees, read-only, before anything covers them.
  constexpr uint64_t kShowAttr = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
  std::vector<int> dirs(p.dirs.size(), -1), exposes(p.exposes.size(), -1);
  for (size_t i = 0; i < p.dirs.size(); ++i) {
    if (!p.dirs[i].link.empty()) continue;
    const uint64_t attr = kShowAttr | (strcmp(p.dirs[i].path, "/sys") == 0 ? MOUNT_ATTR_NOEXEC : 0);
    if ((dirs[i] = CloneTree(p.dirs[i].path, attr)) >= 0) continue;
    if (p.dirs[i].essential) Fatal(fd, p.dirs[i].path);
    Say(fd, kNote, "%s could not be shown: %s", p.dirs[i].path, strerror(errno));
  }
  for (size_t i = 0; i < p.exposes.size(); ++i) exposes[i] = CloneTree(p.exposes[i].path.c_str(), kShowAttr);
  int devs[std::size(kDevices)];
  for (size_t i = 0; i < std::size(kDevices); ++i)
    devs[i] = CloneTree(p.devices[i].c_str(), MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID);

  // The new root. Its own mount namespace's copy of kStage is covered, not the host's.
  if (mount("tmpfs", kStage, "tmpfs", MS_NOSUID | MS_NODEV, "mode=755,size=1m,nr_inodes=4096") != 0)
    Fatal(fd, "mounting the new root");
  if (chdir(kStage) != 0) Fatal(fd, "entering the new root");
  for (size_t i = 0; i < p.dirs.size(); ++i) {
    const char* rel = p.dirs[i].path + 1;
    if (!p.dirs[i].link.empty()) {
      if (symlink(p.dirs[i].link.c_str(), rel) != 0) Say(fd, kNote, "%s: symlink: %s", p.dirs[i].path, strerror(errno));
    } else if (dirs[i] >= 0 && !Attach(dirs[i], rel, true)) {
      if (p.dirs[i].essential) Fatal(fd, p.dirs[i].path);
      Say(fd, kNote, "%s could not be shown: %s", p.dirs[i].path, strerror(errno));
    }
  }
  Say(fd, kFs, "%s", p.shown_line.c_str());
  if (!p.links_line.empty()) Say(fd, kFs, "%s", p.links_line.c_str());
  for (const char* d : kEmptyDirs)
    if (mkdir(d + 1, 0755) != 0) Fatal(fd, d);
  Say(fd, kFs, "%s", p.empty_line.c_str());

  if (mkdir("tmp", 01777) != 0 || mount("tmpfs", "tmp", "tmpfs", MS_NOSUID | MS_NODEV, p.tmp_opts.c_str()) != 0)
    Fatal(fd, "mounting /tmp");
  Say(fd, kFs, "%s", p.tmp_line.c_str());
  if (mkdir("run", 0755) != 0) Fatal(fd, "making /run");
  // Hides the host's sockets (D-Bus, container daemons): a path socket is
  // reachable through a read-only mount and across network namespaces.
  if (p.has_run) {
    if (mount("tmpfs", "run", "tmpfs", MS_NOSUID | MS_NODEV, p.run_opts.c_str()) != 0) Fatal(fd, "mounting /run");
    Say(fd, kFs, "%s", p.run_line.c_str());
  }

  if (mkdir("dev", 0755) != 0 || mount("tmpfs", "dev", "tmpfs", MS_NOSUID, "mode=755,size=1m") != 0)
    Fatal(fd, "mounting /dev");
  std::string devlist;
  for (size_t i = 0; i < std::size(kDevices); ++i)
    if (devs[i] >= 0 && Attach(devs[i], p.device_rel[i], false)) devlist += fmt::format(" {}", kDevices[i]);
  const char* links[][2] = {{"/proc/self/fd", "dev/fd"},
                            {"/proc/self/fd/0", "dev/stdin"},
                            {"/proc/self/fd/1", "dev/stdout"},
                            {"/proc/self/fd/2", "dev/stderr"}};
  for (auto& l : links)
    if (symlink(l[0], l[1]) != 0) Say(fd, kNote, "/%s: %s", l[1], strerror(errno));
  if (mkdir("dev/shm", 01777) != 0 || mount("tmpfs", "dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, p.shm_opts.c_str()) != 0)
    Fatal(fd, "mounting /dev/shm");
  Say(fd, kFs, "/dev private:%s, fd, stdin, stdout, stderr; /dev/shm private tmpfs, %s", devlist.c_str(),
      p.devshm_mib.c_str());

  // What the run names outside the root, back at the same place.
  for (size_t i = 0; i < exposes.size(); ++i) {
    struct stat st{};
    const Prepared::Expose& e = p.exposes[i];
    if (exposes[i] < 0 || fstat(exposes[i], &st) != 0 || !Attach(exposes[i], e.rel, S_ISDIR(st.st_mode))) {
      Say(fd, kNote, "%s could not be bound into the sandbox: %s", e.path.c_str(), strerror(errno));
      continue;
    }
    Say(fd, kFs, "%s bound read-only from the host", e.path.c_str());
  }

  // Masks: an empty file of the new root over files, an empty tmpfs over directories.
  bool masked = true;
  int empty = open(kEmptyFile, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
  if (empty >= 0) close(empty);
  for (const Prepared::Mask& m : p.masks) {
    const bool ok =
        m.dir ? mount("tmpfs", m.rel.c_str(), "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=755") == 0
              : mount(kEmptyFile, m.rel.c_str(), nullptr, MS_BIND, nullptr) == 0 &&
                    mount(nullptr, m.rel.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                          nullptr) == 0;
    if (!ok) {
      masked = false;
      Say(fd, kNote, "/%s could not be masked: %s", m.rel.c_str(), strerror(errno));
    }
  }
  unlink(kEmptyFile);
  if (masked)
    for (const std::string& l : p.mask_lines) Say(fd, kFs, "%s", l.c_str());
  mount(nullptr, "dev", nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID, nullptr);

  // A /proc of the new PID namespace, mounted while the host's is still in
  // this mount namespace: the kernel refuses a new proc where no fully
  // visible one exists (mount_too_revealing). Where it refuses anyway (the
  // host's /proc is partly covered, as in some containers) a read-only copy
  // of the host's is shown.
  struct stat st{};
  if (mkdir("proc", 0555) != 0) Fatal(fd, "making /proc");
  const bool fresh = mount("proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) == 0;
  // SysV shared memory: root of the user namespace that owns the new IPC
  // namespace may set its limits, before /proc/sys turns read-only.
  if (!p.shmmax.empty()) {
    const char* base = fresh ? "proc/sys/kernel/" : "/proc/sys/kernel/";
    char path[64];
    bool ok = true;
    for (const auto& [name, value] : {std::pair{"shmmax", &p.shmmax}, {"shmall", &p.shmall}, {"shmmni", &p.shmmni}}) {
      snprintf(path, sizeof path, "%s%s", base, name);
      ok = WriteText(path, *value) && ok;
    }
    if (ok) Say(fd, kLimit, "%s", p.sysv_line.c_str());
    else Say(fd, kNote, "SysV shared memory limits not set (%s): only the memory cgroup bounds them", strerror(errno));
  }
  if (fresh) {
    std::string protected_list;
    for (const char* path : kProcReadOnly)
      if (stat(path + 1, &st) == 0 && BindReadOnly(path + 1)) protected_list += fmt::format(" {}", path);
    Say(fd, kFs, "/proc of the sandbox's PID namespace; read-only:%s", protected_list.c_str());
  } else {
    const int saved = errno;
    const int host_proc = CloneTree("/proc", MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
    if (host_proc < 0 || !Attach(host_proc, "proc", true)) Fatal(fd, "showing the host's /proc");
    Say(fd, kNote, "a fresh /proc was refused (%s): the host's /proc is shown, read-only", strerror(saved));
  }

  if (mount(nullptr, kStage, nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, nullptr) != 0)
    Fatal(fd, "making the new root read-only");
  // pivot_root(".", "."): the old root ends up on top of the new one and is
  // detached at once (pivot_root(2)).
  if (syscall(SYS_pivot_root, ".", ".") != 0) Fatal(fd, "pivot_root");
  if (umount2(".", MNT_DETACH) != 0) Fatal(fd, "detaching the host's root");
  if (chdir("/") != 0) Fatal(fd, "chdir /");
  if (!p.cwd.empty() && chdir(p.cwd.c_str()) != 0)
    Say(fd, kNote, "the working directory %s is not in the sandbox (%s): the program starts in /", p.cwd.c_str(),
        strerror(errno));
  for (int t : dirs)
    if (t >= 0) close(t);
  for (int t : exposes)
    if (t >= 0) close(t);
  for (int t : devs)
    if (t >= 0) close(t);
}

// The rules: read and execute everywhere, write beneath the private
// /tmp and /dev/shm, and to the device nodes of /dev.
void ApplyLandlock(int fd) {
  const long abi = syscall(SYS_landlock_create_ruleset, nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION);
  if (abi < 1) {
    Say(fd, kLandlock, "0 not available (%s); the namespaces and read-only mounts still apply", strerror(errno));
    return;
  }
  const uint64_t fs = landlock::AllFsRights(abi);
  landlock::RulesetAttr attr{fs, 0, abi >= 6 ? (landlock::kScopeAbstractUnix | landlock::kScopeSignal) : 0};
  const size_t size = landlock::RulesetAttrSize(abi);
  int rfd = static_cast<int>(syscall(SYS_landlock_create_ruleset, &attr, size, 0));
  if (rfd < 0) {
    Say(fd, kLandlock, "0 ruleset refused (%s); the namespaces and read-only mounts still apply", strerror(errno));
    return;
  }
  const uint64_t dev_rights =
      landlock::kReadFile | landlock::kReadDir | landlock::kWriteFile | landlock::kTruncate | landlock::kIoctlDev;
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

std::vector<std::string> HiddenPathsToExpose(const std::string& program, const std::vector<std::string>& args) {
  std::set<std::string> out;
  std::string prog = RealPath(program);
  if (Hidden(prog)) {
    // Its directory, for the files beside it; never a directory the sandbox makes itself.
    const size_t slash = prog.rfind('/');
    const std::string dir = slash == 0 ? "/" : prog.substr(0, slash);
    out.insert(Hidden(dir) ? dir : prog);
  }
  char cwd[PATH_MAX];
  if (getcwd(cwd, sizeof cwd) && Hidden(cwd)) out.insert(cwd);
  for (const std::string& a : args) {
    // Files and directories only: a socket or FIFO named on the command line
    // would be a channel to the host.
    struct stat st{};
    if (a.empty() || stat(a.c_str(), &st) != 0 || !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))) continue;
    std::string r = RealPath(a);
    if (Hidden(r)) out.insert(r);
  }
  // A path beneath another exposed one is covered by it.
  std::vector<std::string> v;
  for (const std::string& p : out) {
    if (!v.empty() && Beneath(p, v.back())) continue;
    if (v.size() < kMaxExpose) v.push_back(p);
  }
  return v;
}

namespace sandbox_internal {

pid_t CloneInit(const Plan& plan, int go_fd, int close_fd, void (*program)(void*), void* arg) {
  const Prepared prep = Prepare(plan);  // the child gets its own copy
  pid_t pid = static_cast<pid_t>(syscall(SYS_clone, kNamespaces | SIGCHLD, nullptr, nullptr, nullptr, 0));
  if (pid != 0) return pid;
  // The init: PID 1 of the new namespace. Its parent is outside it.
  prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  if (close_fd >= 0) close(close_fd);
  char c;
  if (read(go_fd, &c, 1) != 1) _exit(127);  // the tracer wrote the id maps and seized us, or died
  close(go_fd);
  SetUpFilesystem(plan, prep);
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
  WriteText((base + "setgroups").c_str(), "deny");
  if (!WriteText((base + "uid_map").c_str(), report->uid_map))
    return MakeError(fmt::format("writing uid_map of the sandbox: {}", strerror(errno)));
  if (!WriteText((base + "gid_map").c_str(), report->gid_map))
    return MakeError(fmt::format("writing gid_map of the sandbox: {}", strerror(errno)));
  return true;
}

namespace {

std::string ReadText(const std::string& path) {
  std::string out;
  int f = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (f < 0) return out;
  char buf[4096];
  for (ssize_t n; out.size() < kMaxProcText && (n = read(f, buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  close(f);
  return out;
}

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t b = 0;
  for (int i = 0; i < kMaxLines && b <= s.size(); ++i) {
    size_t e = s.find(sep, b);
    if (e == std::string::npos) e = s.size();
    out.push_back(s.substr(b, e - b));
    b = e + 1;
  }
  return out;
}

bool HasWord(const std::string& list, char sep, const std::string& word) {
  for (const std::string& w : Split(list, sep))
    if (w == word) return true;
  return false;
}

// Where the hierarchy holding exray's own cgroup is mounted: v1 with the
// memory controller (`v2` false) or the unified one. "" when not mounted.
std::string CgroupDir(const std::string& path, bool v2) {
  // mountinfo(5): ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS... - FSTYPE SOURCE SUPER_OPTIONS
  for (const std::string& line : Split(ReadText("/proc/self/mountinfo"), '\n')) {
    const size_t dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    std::vector<std::string> f = Split(line.substr(0, dash), ' '), t = Split(line.substr(dash + 3), ' ');
    if (f.size() < 5 || t.size() < 3) continue;
    if (v2 ? t[0] != "cgroup2" : (t[0] != "cgroup" || !HasWord(t[2], ',', "memory"))) continue;
    const std::string& root = f[3];
    if (root == "/") return f[4] + (path == "/" ? "" : path);
    if (Beneath(path, root)) return f[4] + path.substr(root.size());
  }
  return "";
}

uint64_t Field(const std::string& text, const std::string& key) {
  for (const std::string& line : Split(text, '\n'))
    if (line.rfind(key + " ", 0) == 0) return std::strtoull(line.c_str() + key.size() + 1, nullptr, 10);
  return 0;
}

}  // namespace

MemoryCgroup JoinMemoryCgroup(pid_t init, uint64_t bytes, SandboxReport* report) {
  if (bytes == 0) return {};
  std::string v1_path, v2_path;
  for (const std::string& line : Split(ReadText("/proc/self/cgroup"), '\n')) {
    std::vector<std::string> f = Split(line, ':');  // ID:CONTROLLERS:PATH (cgroups(7))
    if (f.size() < 3) continue;
    if (f[0] == "0" && f[1].empty()) v2_path = f[2];
    else if (HasWord(f[1], ',', "memory")) v1_path = f[2];
  }
  std::string why = "no memory cgroup controller for exray's cgroup";
  const std::string name = fmt::format("exray-run-{}", init);
  auto weaker = [&](std::string reason) {
    report->notes.push_back(fmt::format("no memory cgroup ({}): --memory bounds the program's data (RLIMIT_DATA), "
                                        "the private tmpfs mounts and SysV shared memory, not shared anonymous "
                                        "memory or memfd",
                                        reason));
    return MemoryCgroup();
  };
  // The unified hierarchy when it has the memory controller, else v1's.
  const std::string v2_dir = v2_path.empty() ? "" : CgroupDir(v2_path, true);
  if (!v2_dir.empty() && HasWord(Split(ReadText(v2_dir + "/cgroup.controllers"), '\n')[0], ' ', "memory")) {
    if (!HasWord(Split(ReadText(v2_dir + "/cgroup.subtree_control"), '\n')[0], ' ', "memory") &&
        !WriteText((v2_dir + "/cgroup.subtree_control").c_str(), "+memory"))
      return weaker(fmt::format("{}/cgroup.subtree_control: +memory: {}", v2_dir, strerror(errno)));
    const std::string dir = v2_dir + "/" + name;
    if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return weaker(fmt::format("{}: {}", dir, strerror(errno)));
    MemoryCgroup cg(dir, 2);
    if (!WriteText((dir + "/memory.max").c_str(), std::to_string(bytes)))
      return weaker(fmt::format("{}/memory.max: {}", dir, strerror(errno)));
    WriteText((dir + "/memory.swap.max").c_str(), "0");  // absent without swap accounting
    WriteText((dir + "/memory.oom.group").c_str(), "1");  // an OOM kill takes the whole run
    if (!WriteText((dir + "/cgroup.procs").c_str(), std::to_string(init)))
      return weaker(fmt::format("{}/cgroup.procs: {}", dir, strerror(errno)));
    report->limits.push_back(fmt::format("memory cgroup v2 {} limit {}", dir, bytes));
    return cg;
  }
  const std::string v1_dir = v1_path.empty() ? "" : CgroupDir(v1_path, false);
  if (v1_dir.empty()) return weaker(why);
  const std::string dir = v1_dir + "/" + name;
  if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return weaker(fmt::format("{}: {}", dir, strerror(errno)));
  MemoryCgroup cg(dir, 1);
  if (!WriteText((dir + "/memory.limit_in_bytes").c_str(), std::to_string(bytes)))
    return weaker(fmt::format("{}/memory.limit_in_bytes: {}", dir, strerror(errno)));
  // Memory plus swap, where swap is accounted (after the limit: memsw >= limit);
  // swappiness 0 keeps the cgroup's reclaim from swapping its tmpfs pages.
  const bool memsw = WriteText((dir + "/memory.memsw.limit_in_bytes").c_str(), std::to_string(bytes));
  WriteText((dir + "/memory.swappiness").c_str(), "0");
  if (!WriteText((dir + "/cgroup.procs").c_str(), std::to_string(init)))
    return weaker(fmt::format("{}/cgroup.procs: {}", dir, strerror(errno)));
  report->limits.push_back(fmt::format("memory cgroup v1 {} limit {}{}", dir, bytes, memsw ? " (memory+swap too)" : ""));
  return cg;
}

void MemoryCgroup::Remove(SandboxReport* report) {
  if (dir_.empty()) return;
  if (report) {
    const uint64_t peak = std::strtoull(ReadText(dir_ + (version_ == 2 ? "/memory.peak" : "/memory.max_usage_in_bytes")).c_str(),
                                        nullptr, 10);
    const uint64_t kills = Field(ReadText(dir_ + (version_ == 2 ? "/memory.events" : "/memory.oom_control")), "oom_kill");
    report->limits.push_back(fmt::format("memory cgroup peak {}, OOM kills {}", peak, kills));
  }
  if (version_ == 2) WriteText((dir_ + "/cgroup.kill").c_str(), "1");
  for (int i = 0; i < kRemoveTries && rmdir(dir_.c_str()) != 0 && errno == EBUSY; ++i) usleep(kRemoveWaitUs);
  dir_.clear();
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
