// Reading a running Go program's scheduler state through /proc/PID/mem.
#include "trace/go_live.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <map>
#include <set>
#include <string_view>

#include <fmt/format.h>

#include "support/limits.h"
#include "trace/smaps.h"

namespace exray::trace {

namespace {

constexpr uint64_t kPage = 4096;  // the bias is page-aligned whatever the page size

std::string ReadSmallFile(const std::string& path, size_t cap) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  std::string out;
  char buf[8192];
  while (out.size() < cap) {
    const ssize_t n = read(fd, buf, std::min(sizeof buf, cap - out.size()));
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return out;
}

std::string ReadFd(int fd, size_t cap) {
  std::string out;
  char buf[65536];
  uint64_t off = 0;
  while (out.size() < cap) {
    const ssize_t n = pread(fd, buf, std::min(sizeof buf, cap - out.size()), static_cast<off_t>(off));
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
    off += static_cast<uint64_t>(n);
  }
  return out;
}

// A "Key:   123 kB" line of /proc/PID/status.
std::optional<uint64_t> StatusField(std::string_view status, std::string_view key) {
  size_t pos = 0;
  while (pos < status.size()) {
    size_t end = status.find('\n', pos);
    if (end == std::string_view::npos) end = status.size();
    std::string_view line = status.substr(pos, end - pos);
    pos = end + 1;
    if (line.size() <= key.size() || line.substr(0, key.size()) != key || line[key.size()] != ':') continue;
    line.remove_prefix(key.size() + 1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(line.data(), line.data() + line.size(), v);
    if (ec != std::errc()) return std::nullopt;
    return v;
  }
  return std::nullopt;
}

// Whether the process has exited (gone, or a zombie whose memory is freed).
bool ProcessGone(int pid) {
  const std::string stat = ReadSmallFile(fmt::format("/proc/{}/stat", pid), kMaxProcText);
  const size_t paren = stat.rfind(')');
  if (paren == std::string::npos || paren + 2 >= stat.size()) return true;
  const char state = stat[paren + 2];
  return state == 'Z' || state == 'X';
}

uint64_t U64(const std::vector<uint8_t>& b, uint64_t off) {
  uint64_t v = 0;
  if (off <= b.size() && b.size() - off >= 8) std::memcpy(&v, b.data() + off, 8);  // little-endian hosts only (amd64)
  return v;
}
uint32_t U32(const std::vector<uint8_t>& b, uint64_t off) {
  uint32_t v = 0;
  if (off <= b.size() && b.size() - off >= 4) std::memcpy(&v, b.data() + off, 4);
  return v;
}

// /proc/PID/mem, read with pread; a failed read tells an exited process from
// an unreadable address.
class Mem {
 public:
  Mem(int fd, int pid, uint64_t* reads) : fd_(fd), pid_(pid), reads_(reads) {}

  Result<std::vector<uint8_t>> Read(uint64_t addr, uint64_t len, std::string_view what) {
    std::vector<uint8_t> out(len);
    uint64_t done = 0;
    while (done < len) {
      ++*reads_;
      const ssize_t n = pread(fd_, out.data() + done, len - done, static_cast<off_t>(addr + done));
      if (n > 0) {
        done += static_cast<uint64_t>(n);
        continue;
      }
      const int e = n < 0 ? errno : 0;
      if (ProcessGone(pid_)) return Error{fmt::format("process {} exited while being read", pid_)};
      return Error{fmt::format("{}: cannot read {} bytes at {:#x} of process {} ({})", what, len, addr, pid_,
                               e ? std::strerror(e) : "end of memory")};
    }
    return out;
  }

 private:
  int fd_, pid_;
  uint64_t* reads_;
};

// Reads [addr + lo, addr + hi) for many addresses with as few reads as
// possible: sorted, and joined into one read while the next starts within
// kLiveReadGap of the last and the read stays under kMaxLiveRead. A joined
// read that fails (a hole between two of them) is split into single ones;
// an address that cannot be read alone (torn or hostile memory) is counted
// in *unreadable and left out. An error only when the process has exited.
Result<std::map<uint64_t, std::vector<uint8_t>>> ReadScattered(Mem& mem, std::vector<uint64_t> addrs, uint64_t lo,
                                                              uint64_t hi, std::string_view what, int pid,
                                                              uint64_t* unreadable) {
  // Past the top of a 64-bit address space (2^63: pread's offset is signed)
  // nothing can be read, and addr + hi must not wrap.
  constexpr uint64_t kTop = uint64_t{1} << 63;
  const auto past = std::remove_if(addrs.begin(), addrs.end(), [&](uint64_t a) { return a >= kTop - hi; });
  *unreadable += static_cast<uint64_t>(addrs.end() - past);
  addrs.erase(past, addrs.end());
  std::sort(addrs.begin(), addrs.end());
  addrs.erase(std::unique(addrs.begin(), addrs.end()), addrs.end());
  std::map<uint64_t, std::vector<uint8_t>> out;
  const uint64_t span = hi - lo;
  size_t i = 0;
  while (i < addrs.size()) {
    size_t j = i + 1;
    const uint64_t start = addrs[i] + lo;
    uint64_t end = start + span;
    while (j < addrs.size() && addrs[j] + lo <= end + kLiveReadGap && addrs[j] + lo + span - start <= kMaxLiveRead) {
      end = addrs[j] + lo + span;
      ++j;
    }
    auto run_or = mem.Read(start, end - start, what);
    if (run_or) {
      for (size_t k = i; k < j; ++k) {
        const uint64_t off = addrs[k] + lo - start;
        out[addrs[k]] = std::vector<uint8_t>(run_or->begin() + static_cast<std::ptrdiff_t>(off),
                                             run_or->begin() + static_cast<std::ptrdiff_t>(off + span));
      }
    } else {
      for (size_t k = i; k < j; ++k) {
        auto one_or = j - i == 1 ? std::move(run_or) : mem.Read(addrs[k] + lo, span, what);
        if (one_or) {
          out[addrs[k]] = std::move(*one_or);
        } else {
          if (ProcessGone(pid)) return one_or.error();
          ++*unreadable;
        }
      }
    }
    i = j;
  }
  return out;
}

struct FieldRef {
  uint64_t offset = 0, size = 0;
};

class Layout {
 public:
  explicit Layout(const go::RuntimeLayout& l) : l_(l) {}
  Result<FieldRef> Field(std::string_view st, std::string_view name) const {
    for (const go::RuntimeStruct& s : l_.structs) {
      if (s.name != st) continue;
      for (const go::RuntimeField& f : s.fields)
        if (f.name == name) return FieldRef{f.offset, f.size.value_or(0)};
    }
    return Error{fmt::format("the runtime layout has no {}.{}: the goroutines cannot be read", st, name)};
  }
  std::optional<uint64_t> StructSize(std::string_view st) const {
    for (const go::RuntimeStruct& s : l_.structs)
      if (s.name == st) return s.size;
    return std::nullopt;
  }
  Result<uint64_t> Global(std::string_view name, uint64_t bias) const {
    for (const go::RuntimeGlobal& g : l_.globals)
      if (g.name == name && g.address) return *g.address + bias;
    return Error{fmt::format("{} not found: neither the symbol table nor the runtime's code gave its address "
                             "(exray go FILE --runtime says why)",
                             name)};
  }

 private:
  const go::RuntimeLayout& l_;
};

// Go's goroutine statuses (runtime2.go, the same values from Go 1.4 to 1.19).
std::string StatusName(uint32_t s) {
  static const char* const kNames[] = {"idle",     "runnable", "running",          "syscall",  "waiting",
                                       "moribund", "dead",     "enqueue",          "copystack", "preempted"};
  if (s < std::size(kNames)) return kNames[s];
  return fmt::format("status {}", s);
}

Result<uint64_t> LoadBias(const GoLiveInput& in, const ProcFiles& pf, std::string_view maps) {
  struct stat st {};
  if (pf.exe_fd < 0 || fstat(pf.exe_fd, &st) != 0)
    return Error{fmt::format("process {}: its executable cannot be opened", in.pid)};
  for (const Vma& v : ParseSmaps(maps)) {
    if (v.inode != st.st_ino) continue;
    for (const LoadSegment& s : in.loads) {
      if ((s.offset & ~(kPage - 1)) != v.offset) continue;
      const uint64_t bias = v.start - (s.vaddr & ~(kPage - 1));
      if (!in.pie && bias != 0)
        return Error{fmt::format("process {}: the executable is not position-independent but is mapped {:#x} away "
                                 "from its addresses: the file is not the one running",
                                 in.pid, bias)};
      return bias;
    }
  }
  return Error{fmt::format("process {}: no mapping of its executable in /proc/{}/maps matches the file's PT_LOAD "
                           "segments: the file is not the one running",
                           in.pid, in.pid)};
}


// The NSpid line of a /proc status file: one number per pid namespace the
// task is in, the outermost first.
std::vector<uint64_t> NsPids(std::string_view status) {
  std::vector<uint64_t> out;
  const size_t at = status.find("\nNSpid:");
  if (at == std::string_view::npos) return out;
  std::string_view line = status.substr(at + 7);
  line = line.substr(0, line.find('\n'));
  while (!line.empty() && out.size() < kMaxPidNamespaces) {
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(line.data(), line.data() + line.size(), v);
    if (ec != std::errc()) break;
    out.push_back(v);
    line.remove_prefix(static_cast<size_t>(p - line.data()));
  }
  return out;
}
size_t NsPidDepth(std::string_view status) { return NsPids(status).size(); }
std::optional<uint64_t> InnermostNsPid(std::string_view status) {
  std::vector<uint64_t> v = NsPids(status);
  if (v.empty()) return std::nullopt;
  return v.back();
}

// The words ReadMemStats derives its figures from: gcController's heap and
// allocation totals (one read), memstats' metadata figures and the three
// deltas of its heapStats ring (one read of the span holding them). Missing
// fields are not an error: the reason, and no figures.
struct MemStatsRead {
  std::optional<GoMemStats> stats;
  std::string missing;
};
Result<MemStatsRead> ReadMemStats(Mem& mem, const Layout& lay, uint64_t bias) {
  MemStatsRead out;
  struct Want {
    const char* st;
    const char* name;
    uint64_t* dst;
  };
  GoMemStats m;
  const std::vector<Want> controller = {
      {"runtime.gcControllerState", "heapInUse", &m.heap_in_use},
      {"runtime.gcControllerState", "heapFree", &m.heap_free},
      {"runtime.gcControllerState", "heapReleased", &m.heap_released},
      {"runtime.gcControllerState", "totalAlloc", &m.total_alloc},
      {"runtime.gcControllerState", "totalFree", &m.total_free}};
  const std::vector<Want> stats = {{"runtime.mstats", "stacks_sys", &m.stacks_sys},
                                   {"runtime.mstats", "mspan_sys", &m.mspan_sys},
                                   {"runtime.mstats", "mcache_sys", &m.mcache_sys},
                                   {"runtime.mstats", "buckhash_sys", &m.buckhash_sys},
                                   {"runtime.mstats", "gcMiscSys", &m.gc_misc_sys},
                                   {"runtime.mstats", "other_sys", &m.other_sys}};
  const std::vector<Want> delta = {{"runtime.heapStatsDelta", "inStacks", &m.stack_in_use},
                                   {"runtime.heapStatsDelta", "inWorkBufs", &m.work_bufs},
                                   {"runtime.heapStatsDelta", "inPtrScalarBits", &m.ptr_scalar_bits}};
  std::vector<std::pair<const Want*, FieldRef>> c_fields, s_fields, d_fields;
  for (auto [list, dst] : {std::pair{&controller, &c_fields}, std::pair{&stats, &s_fields}, std::pair{&delta, &d_fields}})
    for (const Want& w : *list) {
      auto f = lay.Field(w.st, w.name);
      // Go 1.25 dropped inPtrScalarBits (pointer bitmaps live in the spans): it counts 0.
      if (!f && std::string_view(w.name) == "inPtrScalarBits") continue;
      if (!f || f->size != 8) {
        out.missing = fmt::format("memory statistics not read: the layout has no 8-byte {}.{}", w.st, w.name);
        return out;
      }
      dst->emplace_back(&w, *f);
    }
  auto ring = lay.Field("runtime.mstats", "heapStats.stats");
  auto delta_size = lay.StructSize("runtime.heapStatsDelta");
  auto a_controller = lay.Global("runtime.gcController", bias);
  auto a_memstats = lay.Global("runtime.memstats", bias);
  if (!ring || !delta_size || *delta_size == 0 || ring->size != 3 * *delta_size || !a_controller || !a_memstats) {
    out.missing =
        "memory statistics not read: the layout has no mstats.heapStats.stats of three heapStatsDelta, or "
        "memstats or gcController was not found";
    return out;
  }
  // One read per struct, over the span of the fields wanted.
  auto read_span = [&](uint64_t base, const std::vector<std::pair<const Want*, FieldRef>>& fs, uint64_t extra_lo,
                       uint64_t extra_hi, const char* what) -> Result<std::pair<uint64_t, std::vector<uint8_t>>> {
    uint64_t lo = extra_lo, hi = extra_hi;
    for (const auto& [w, f] : fs) {
      lo = std::min(lo, f.offset);
      hi = std::max(hi, f.offset + 8);
    }
    if (hi - lo > kMaxLiveRead) return Error{fmt::format("{}: the fields wanted span {} bytes", what, hi - lo)};
    auto b_or = mem.Read(base + lo, hi - lo, what);
    if (!b_or) return b_or.error();
    for (const auto& [w, f] : fs) *w->dst = U64(*b_or, f.offset - lo);
    return std::pair{lo, std::move(*b_or)};
  };
  auto c_or = read_span(*a_controller, c_fields, UINT64_MAX, 0, "runtime.gcController");
  if (!c_or) return c_or.error();
  auto s_or = read_span(*a_memstats, s_fields, ring->offset, ring->offset + ring->size, "runtime.memstats");
  if (!s_or) return s_or.error();
  // consistentHeapStats.read merges the three deltas; their sum is the total
  // whichever generation writers are on.
  const auto& [s_lo, s_bytes] = *s_or;
  for (const auto& [w, f] : d_fields) {
    int64_t sum = 0;
    for (uint64_t i = 0; i < 3; ++i)
      sum += static_cast<int64_t>(U64(s_bytes, ring->offset - s_lo + i * *delta_size + f.offset));
    *w->dst = sum > 0 ? static_cast<uint64_t>(sum) : 0;
  }
  out.stats = m;
  return out;
}
}  // namespace

const ProcFiles& OpenProcFiles(int pid) {
  static std::map<int, ProcFiles> opened;
  auto it = opened.find(pid);
  if (it != opened.end()) return it->second;
  ProcFiles f;
  f.pid = pid;
  const std::string dir = fmt::format("/proc/{}", pid);
  struct stat st {};
  f.exists = pid > 0 && stat(dir.c_str(), &st) == 0;
  auto open_one = [&](const char* name, int* fd, int* err) {
    *fd = open((dir + "/" + name).c_str(), O_RDONLY | O_CLOEXEC);
    *err = *fd < 0 ? errno : 0;
  };
  if (f.exists) {
    open_one("mem", &f.mem_fd, &f.mem_errno);
    open_one("maps", &f.maps_fd, &f.maps_errno);
    open_one("exe", &f.exe_fd, &f.exe_errno);
    int smaps_errno = 0;
    open_one("smaps", &f.smaps_fd, &smaps_errno);
    char buf[4096];
    const ssize_t n = readlink((dir + "/exe").c_str(), buf, sizeof buf - 1);
    if (n > 0) f.exe_path.assign(buf, static_cast<size_t>(n));
  }
  return opened.emplace(pid, std::move(f)).first->second;
}

std::optional<Error> ProcAccessError(const ProcFiles& pf) {
  if (!pf.exists) return Error{fmt::format("no such process: {}", pf.pid)};
  if (pf.mem_fd < 0 || pf.maps_fd < 0) {
    const int e = pf.mem_fd < 0 ? pf.mem_errno : pf.maps_errno;
    if (e == ENOENT || e == ESRCH) return Error{fmt::format("no such process: {}", pf.pid)};
    std::string scope = ReadSmallFile("/proc/sys/kernel/yama/ptrace_scope", 64);
    while (!scope.empty() && (scope.back() == '\n' || scope.back() == ' ')) scope.pop_back();
    return Error{fmt::format(
        "process {}: cannot open /proc/{}/{} ({}): reading another process's memory needs ptrace access to it "
        "(the same user, or CAP_SYS_PTRACE); {}",
        pf.pid, pf.pid, pf.mem_fd < 0 ? "mem" : "maps", std::strerror(e),
        scope.empty() ? "this kernel has no Yama (/proc/sys/kernel/yama/ptrace_scope is absent)"
                      : fmt::format("kernel.yama.ptrace_scope is {} (1: only a parent may read its children; "
                                    "2: only CAP_SYS_PTRACE; 3: no one)",
                                    scope))};
  }
  return std::nullopt;
}

Result<GoLive> ReadGoLive(const GoLiveInput& in) {
  const ProcFiles& pf = OpenProcFiles(in.pid);
  GoLive live;
  live.pid = in.pid;
  if (auto e = ProcAccessError(pf)) return *e;
  if (!in.layout || in.layout->source.empty())
    return Error{"no runtime layout for this release (no DWARF and no table): the goroutines cannot be read"};
  const Layout lay(*in.layout);
  const std::string maps = ReadFd(pf.maps_fd, kMapsTextCap);
  if (maps.empty()) {
    if (ProcessGone(in.pid)) return Error{fmt::format("process {} exited while being read", in.pid)};
    return Error{fmt::format("process {}: /proc/{}/maps is empty", in.pid, in.pid)};
  }
  auto bias_or = LoadBias(in, pf, maps);
  if (!bias_or) return bias_or.error();
  live.load_bias = *bias_or;
  const uint64_t bias = live.load_bias;

  // Every field and global first: a missing one fails before any read.
  auto g_status = lay.Field("runtime.g", "atomicstatus");
  auto g_wait = lay.Field("runtime.g", "waitreason");
  auto m_procid = lay.Field("runtime.m", "procid");
  auto m_id = lay.Field("runtime.m", "id");
  auto m_alllink = lay.Field("runtime.m", "alllink");
  // The free goroutines' counts: gFree.n until Go 1.24; from 1.25 the lists'
  // own sizes (p.gFree.size, sched.gFree.stack.size + noStack.size).
  auto p_gfree = lay.Field("runtime.p", "gFree.n");
  if (!p_gfree) p_gfree = lay.Field("runtime.p", "gFree.size");
  auto s_gfree = lay.Field("runtime.schedt", "gFree.n");
  auto s_gfree2 = lay.Field("runtime.schedt", "gFree.noStack.size");
  if (!s_gfree) s_gfree = lay.Field("runtime.schedt", "gFree.stack.size");
  else s_gfree2 = Error{"gFree.n counts both lists"};
  auto s_ngsys = lay.Field("runtime.schedt", "ngsys");
  for (const auto* f : {&g_status, &g_wait, &m_procid, &m_id, &m_alllink, &p_gfree, &s_gfree, &s_ngsys})
    if (!*f) return f->error();
  auto a_allgs = lay.Global("runtime.allgs", bias);
  auto a_allglen = lay.Global("runtime.allglen", bias);
  auto a_allm = lay.Global("runtime.allm", bias);
  auto a_allp = lay.Global("runtime.allp", bias);
  auto a_sched = lay.Global("runtime.sched", bias);
  auto a_gomaxprocs = lay.Global("runtime.gomaxprocs", bias);
  for (const auto* g : {&a_allgs, &a_allglen, &a_allm, &a_allp, &a_sched, &a_gomaxprocs})
    if (!*g) return g->error();

  Mem mem(pf.mem_fd, in.pid, &live.reads);
  for (const SameBytes& want : in.same) {
    auto got = mem.Read(want.vaddr + bias, want.bytes.size(), want.what);
    if (!got) return got.error();
    if (!std::equal(got->begin(), got->end(), want.bytes.begin(), want.bytes.end(),
                    [](uint8_t a, char b) { return a == static_cast<uint8_t>(b); }))
      return Error{fmt::format("process {}: its {} at {:#x} differs from the file's: the file is not the one running",
                               in.pid, want.what, want.vaddr + bias)};
  }
  // The globals: allglen, allgs' and allp's slice headers, gomaxprocs, and
  // sched's ngsys and gFree.n (one read of the span between them).
  auto allglen_or = mem.Read(*a_allglen, 8, "runtime.allglen");
  if (!allglen_or) return allglen_or.error();
  live.allglen = U64(*allglen_or, 0);
  auto allgs_or = mem.Read(*a_allgs, 24, "runtime.allgs");
  if (!allgs_or) return allgs_or.error();
  auto allp_or = mem.Read(*a_allp, 24, "runtime.allp");
  if (!allp_or) return allp_or.error();
  auto gmp_or = mem.Read(*a_gomaxprocs, 4, "runtime.gomaxprocs");
  if (!gmp_or) return gmp_or.error();
  live.gomaxprocs = static_cast<int32_t>(U32(*gmp_or, 0));
  uint64_t s_lo = std::min(s_ngsys->offset, s_gfree->offset);
  uint64_t s_hi = std::max(s_ngsys->offset, s_gfree->offset) + 4;
  if (s_gfree2) {
    s_lo = std::min(s_lo, s_gfree2->offset);
    s_hi = std::max(s_hi, s_gfree2->offset + 4);
  }
  auto sched_or = mem.Read(*a_sched + s_lo, s_hi - s_lo, "runtime.sched");
  if (!sched_or) return sched_or.error();
  live.ngsys = U32(*sched_or, s_ngsys->offset - s_lo);
  live.sched_gfree = static_cast<int32_t>(U32(*sched_or, s_gfree->offset - s_lo));
  if (s_gfree2) live.sched_gfree += static_cast<int32_t>(U32(*sched_or, s_gfree2->offset - s_lo));

  // allp: the array of P pointers in one read, each P's gFree.n.
  uint64_t np = U64(*allp_or, 8);
  live.nprocs = np;
  if (np > kMaxLiveProcs) {
    live.notes.push_back(fmt::format("allp holds {} Ps: the first {} are read", np, kMaxLiveProcs));
    np = kMaxLiveProcs;
  }
  if (np) {
    auto ps_or = mem.Read(U64(*allp_or, 0), np * 8, "allp's array");
    if (!ps_or) return ps_or.error();
    std::vector<uint64_t> ps;
    for (uint64_t i = 0; i < np; ++i)
      if (uint64_t p = U64(*ps_or, i * 8)) ps.push_back(p);
    uint64_t unreadable = 0;
    auto pg_or = ReadScattered(mem, ps, p_gfree->offset, p_gfree->offset + 4, "p.gFree.n", in.pid, &unreadable);
    if (!pg_or) return pg_or.error();
    if (unreadable) live.notes.push_back(fmt::format("{} Ps of allp could not be read", unreadable));
    for (const auto& [addr, b] : *pg_or) live.p_gfree += static_cast<int32_t>(U32(b, 0));
  }

  // allgs: the array in one read, then the g structs' status and wait reason.
  uint64_t ng = std::min(live.allglen, U64(*allgs_or, 8));
  if (ng > kMaxLiveGoroutines) {
    live.notes.push_back(fmt::format("allgs holds {} goroutines: the first {} are read", ng, kMaxLiveGoroutines));
    ng = kMaxLiveGoroutines;
  }
  std::map<std::string, uint64_t> by_status;
  std::map<std::string, std::pair<uint64_t, uint64_t>> waiting;  // reason -> all, user
  for (const char* s : {"idle", "runnable", "running", "syscall", "waiting", "dead"}) by_status[s] = 0;
  if (ng) {
    auto gs_or = mem.Read(U64(*allgs_or, 0), ng * 8, "allgs' array");
    if (!gs_or) return gs_or.error();
    std::vector<uint64_t> gs;
    for (uint64_t i = 0; i < ng; ++i)
      if (uint64_t g = U64(*gs_or, i * 8)) gs.push_back(g);
    auto g_startpc = lay.Field("runtime.g", "startpc");
    const bool classify = g_startpc.ok() && in.func_at;
    uint64_t lo = std::min(g_status->offset, g_wait->offset);
    uint64_t hi = std::max(g_status->offset + 4, g_wait->offset + 1);
    if (classify) {
      lo = std::min(lo, g_startpc->offset);
      hi = std::max(hi, g_startpc->offset + 8);
      live.user_live = 0;
      live.system_live = 0;
    } else {
      live.notes.push_back("the runtime's goroutines are not told from the program's: no g.startpc or no pclntab");
    }
    // startpc -> the runtime's own; at most kMaxLiveStartPcs kept (a process
    // may give every goroutine its own), the rest looked up each time.
    std::map<uint64_t, bool> system_at;
    auto is_system = [&](uint64_t pc) {
      auto it = system_at.find(pc);
      if (it != system_at.end()) return it->second;
      // isSystemGoroutine (Go 1.19 runtime/traceback.go), with runfinq
      // the runtime's as newproc1 counted it in ngsys.
      const std::optional<std::string> f = in.func_at(pc);
      const bool system =
          f && f->rfind("runtime.", 0) == 0 && *f != "runtime.main" && *f != "runtime.handleAsyncEvent";
      if (system_at.size() < kMaxLiveStartPcs) system_at.emplace(pc, system);
      return system;
    };
    // The g structs in batches of kLiveGoroutineBatch, so memory stays
    // bounded whatever allglen the process claims.
    std::sort(gs.begin(), gs.end());
    gs.erase(std::unique(gs.begin(), gs.end()), gs.end());
    uint64_t unreadable = 0;
    for (size_t first = 0; first < gs.size(); first += kLiveGoroutineBatch) {
      const size_t last = std::min<size_t>(gs.size(), first + kLiveGoroutineBatch);
      auto g_or = ReadScattered(mem, std::vector<uint64_t>(gs.begin() + static_cast<std::ptrdiff_t>(first),
                                                           gs.begin() + static_cast<std::ptrdiff_t>(last)),
                                lo, hi, "g", in.pid, &unreadable);
      if (!g_or) return g_or.error();
      live.allgs_read += g_or->size();
      for (const auto& [addr, b] : *g_or) {
        const uint32_t status = U32(b, g_status->offset - lo) & ~0x1000u;  // _Gscan is a bit on top
        by_status[StatusName(status)]++;
        bool user = false;
        if (classify && status != 6 /* _Gdead */) {
          user = !is_system(U64(b, g_startpc->offset - lo) - bias);
          ++*(user ? live.user_live : live.system_live);
        }
        if (status != 4) continue;
        const uint8_t reason = b[g_wait->offset - lo];
        std::string name = WaitReasonName(in.minor, reason);
        auto& w = waiting[name.empty() ? fmt::format("reason {}", reason) : name];
        ++w.first;
        w.second += user;
      }
    }
    if (unreadable) live.notes.push_back(fmt::format("{} goroutines of allgs could not be read", unreadable));
  }
  for (const char* s : {"idle", "runnable", "running", "syscall", "waiting", "dead"}) {
    live.by_status.push_back({s, by_status[s]});
    by_status.erase(s);
  }
  for (const auto& [name, n] : by_status) live.by_status.push_back({name, n});
  for (const auto& [name, n] : waiting) live.waiting.push_back({name, n.first, n.second});
  std::stable_sort(live.waiting.begin(), live.waiting.end(),
                   [](const GoLiveCount& a, const GoLiveCount& b) { return a.count > b.count; });
  // gcount() (runtime/proc.go), as NumGoroutine returns it.
  int64_t n = static_cast<int32_t>(live.allglen) - live.sched_gfree - static_cast<int32_t>(live.ngsys) - live.p_gfree;
  live.goroutines = n < 1 ? 1 : n;

  // /proc's view, read before the Ms so a thread started in between shows as
  // an M missing from the task list rather than the reverse.
  const std::string status = ReadSmallFile(fmt::format("/proc/{}/status", in.pid), kMaxProcText);
  if (status.empty()) return Error{fmt::format("process {} exited while being read", in.pid)};
  live.threads = StatusField(status, "Threads").value_or(0);
  live.vm_rss_kb = StatusField(status, "VmRSS");
  live.rss_anon_kb = StatusField(status, "RssAnon");
  live.rss_file_kb = StatusField(status, "RssFile");
  if (DIR* d = opendir(fmt::format("/proc/{}/task", in.pid).c_str())) {
    while (const dirent* e = readdir(d)) {
      uint64_t tid = 0;
      const std::string_view name = e->d_name;
      auto [p, ec] = std::from_chars(name.data(), name.data() + name.size(), tid);
      if (ec != std::errc() || p != name.data() + name.size()) continue;
      if (live.tasks.size() >= kMaxLiveTasks) {
        live.notes.push_back(fmt::format("/proc/{}/task: only the first {} threads are listed", in.pid, kMaxLiveTasks));
        break;
      }
      live.tasks.push_back(tid);
    }
    closedir(d);
    std::sort(live.tasks.begin(), live.tasks.end());
  }
  // In a pid namespace of its own (exray run's sandbox) a thread has another
  // number there, and that one is what the M recorded (gettid).
  if (NsPidDepth(status) > 1) {
    for (uint64_t tid : live.tasks) {
      const std::string ts = ReadSmallFile(fmt::format("/proc/{}/task/{}/status", in.pid, tid), kMaxProcText);
      if (auto ns = InnermostNsPid(ts)) live.tasks_ns.push_back(*ns);
    }
    std::sort(live.tasks_ns.begin(), live.tasks_ns.end());
  }

  // The GC's figures: optional (a release whose layout lacks them still
  // gives the rest), a note says which are missing.
  {
    auto numgc = lay.Field("runtime.mstats", "numgc");
    auto memstats = lay.Global("runtime.memstats", bias);
    if (numgc && memstats) {
      auto b_or = mem.Read(*memstats + numgc->offset, 4, "memstats.numgc");
      if (!b_or) return b_or.error();
      live.gc_cycles = U32(*b_or, 0);
    } else {
      live.notes.push_back("GC cycles not read: the layout has no runtime.mstats.numgc, or memstats was not found");
    }
    auto heap_live = lay.Field("runtime.gcControllerState", "heapLive");
    auto controller = lay.Global("runtime.gcController", bias);
    if (heap_live && controller) {
      auto b_or = mem.Read(*controller + heap_live->offset, 8, "gcController.heapLive");
      if (!b_or) return b_or.error();
      live.heap_live = U64(*b_or, 0);
    } else {
      live.notes.push_back(
          "heapLive not read: the layout has no runtime.gcControllerState.heapLive, or gcController was not found");
    }
    auto ms_or = ReadMemStats(mem, lay, bias);
    if (!ms_or) return ms_or.error();
    if (ms_or->stats) live.memstats = ms_or->stats;
    else live.notes.push_back(ms_or->missing);
  }

  // The kernel's view of the same memory, by kind.
  if (!in.smaps.empty() || pf.smaps_fd >= 0) {
    GroupingInput gi;
    gi.program = pf.exe_path;
    gi.go = true;
    live.memory = GroupMemory(ParseSmaps(in.smaps.empty() ? ReadFd(pf.smaps_fd, kMapsTextCap) : in.smaps), gi);
  } else {
    live.notes.push_back(fmt::format("/proc/{}/smaps could not be opened: no memory by kind", in.pid));
  }

  // allm, along alllink: one read per M, bounded, a cycle stopped.
  auto allm_or = mem.Read(*a_allm, 8, "runtime.allm");
  if (!allm_or) return allm_or.error();
  const uint64_t m_lo = std::min({m_procid->offset, m_id->offset, m_alllink->offset});
  const uint64_t m_hi = std::max({m_procid->offset, m_id->offset, m_alllink->offset}) + 8;
  std::set<uint64_t> seen;
  for (uint64_t m = U64(*allm_or, 0); m != 0;) {
    if (!seen.insert(m).second) {
      live.notes.push_back("allm loops back to an M already read");
      break;
    }
    if (live.ms.size() >= kMaxLiveMs) {
      live.notes.push_back(fmt::format("allm: stopped after {} Ms", kMaxLiveMs));
      break;
    }
    auto b_or = mem.Read(m + m_lo, m_hi - m_lo, "m");
    if (!b_or) return b_or.error();
    GoLiveM gm;
    gm.id = static_cast<int64_t>(U64(*b_or, m_id->offset - m_lo));
    gm.procid = U64(*b_or, m_procid->offset - m_lo);
    const std::vector<uint64_t>& ids = live.tasks_ns.empty() ? live.tasks : live.tasks_ns;
    gm.in_task = std::binary_search(ids.begin(), ids.end(), gm.procid);
    live.ms.push_back(gm);
    m = U64(*b_or, m_alllink->offset - m_lo);
  }
  std::sort(live.ms.begin(), live.ms.end(), [](const GoLiveM& a, const GoLiveM& b) { return a.id < b.id; });
  if (ProcessGone(in.pid)) return Error{fmt::format("process {} exited while being read", in.pid)};
  return live;
}

}  // namespace exray::trace
