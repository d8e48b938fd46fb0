#include "trace/vmaquery.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cstring>

#include "support/limits.h"
#include "trace/smaps.h"

namespace exray::trace {
namespace {

// The PROCMAP_QUERY ioctl (include/uapi/linux/fs.h, Linux 6.11); Debian 12's
// headers predate it.
struct ProcmapQuery {
  uint64_t size;
  uint64_t query_flags;
  uint64_t query_addr;
  uint64_t vma_start;
  uint64_t vma_end;
  uint64_t vma_flags;
  uint64_t vma_page_size;
  uint64_t vma_offset;
  uint64_t inode;
  uint32_t dev_major;
  uint32_t dev_minor;
  uint32_t vma_name_size;
  uint32_t build_id_size;
  uint64_t vma_name_addr;
  uint64_t build_id_addr;
};
static_assert(sizeof(ProcmapQuery) == 104);
constexpr unsigned long kProcmapQuery = 0xC0686611;  // _IOWR('f', 17, struct procmap_query)
constexpr uint64_t kVmaRead = 0x01, kVmaWrite = 0x02, kVmaExec = 0x04, kVmaShared = 0x08;
constexpr uint64_t kCoveringOrNext = 0x10;
constexpr uint64_t kPageSize = 4096;
constexpr uint64_t kPresent = 1ull << 63, kSwapped = 1ull << 62, kFileOrSharedAnon = 1ull << 61;

std::string ReadAll(int fd, size_t cap) {
  std::string s;
  char buf[65536];
  lseek(fd, 0, SEEK_SET);
  while (s.size() < cap) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    s.append(buf, static_cast<size_t>(n));
  }
  return s;
}

}  // namespace

std::string VmaInfo::Perms() const {
  std::string p = "----";
  if (read) p[0] = 'r';
  if (write) p[1] = 'w';
  if (exec) p[2] = 'x';
  p[3] = shared ? 's' : 'p';
  return p;
}

ProcessMaps::ProcessMaps(pid_t pid) {
  fd_ = open(fmt::format("/proc/{}/maps", pid).c_str(), O_RDONLY | O_CLOEXEC);
}

ProcessMaps::~ProcessMaps() {
  if (fd_ >= 0) close(fd_);
}

std::vector<VmaInfo> ProcessMaps::Overlapping(uint64_t start, uint64_t end, size_t max) {
  return Query(start, end, max, false);
}

std::vector<VmaInfo> ProcessMaps::Executable(size_t max) { return Query(0, ~uint64_t{0}, max, true); }

std::vector<VmaInfo> ProcessMaps::Query(uint64_t start, uint64_t end, size_t max, bool exec_only) {
  std::vector<VmaInfo> out;
  if (fd_ < 0 || end <= start) return out;
  if (fast_) {
    uint64_t addr = start;
    char name[kMaxName];
    while (addr < end && out.size() < max) {
      ProcmapQuery q{};
      q.size = sizeof q;
      q.query_flags = kCoveringOrNext | (exec_only ? kVmaExec : 0);
      q.query_addr = addr;
      q.vma_name_addr = reinterpret_cast<uint64_t>(name);
      q.vma_name_size = sizeof name;
      if (ioctl(fd_, kProcmapQuery, &q) != 0) {
        if (errno == ENOTTY || errno == EINVAL) {
          fast_ = false;  // an older kernel: the maps text below
          out.clear();
          break;
        }
        return out;  // ENOENT: nothing at or after addr; ESRCH: gone
      }
      if (q.vma_start >= end) break;
      VmaInfo v;
      v.start = q.vma_start;
      v.end = q.vma_end;
      v.read = q.vma_flags & kVmaRead;
      v.write = q.vma_flags & kVmaWrite;
      v.exec = q.vma_flags & kVmaExec;
      v.shared = q.vma_flags & kVmaShared;
      v.offset = q.vma_offset;
      v.inode = q.inode;
      v.dev_major = q.dev_major;
      v.dev_minor = q.dev_minor;
      if (q.vma_name_size > 0) v.name.assign(name, strnlen(name, std::min<size_t>(q.vma_name_size, sizeof name)));
      out.push_back(std::move(v));
      if (q.vma_end <= addr) break;  // no progress: never loop
      addr = q.vma_end;
    }
    if (fast_) return out;
  }
  for (const Vma& m : ParseSmaps(ReadAll(fd_, kMapsTextCap))) {
    if (m.end <= start || m.start >= end) continue;
    if (exec_only && (m.perms.size() < 3 || m.perms[2] != 'x')) continue;
    if (out.size() >= max) break;
    VmaInfo v;
    v.start = m.start;
    v.end = m.end;
    v.read = m.perms.size() > 0 && m.perms[0] == 'r';
    v.write = m.perms.size() > 1 && m.perms[1] == 'w';
    v.exec = m.perms.size() > 2 && m.perms[2] == 'x';
    v.shared = m.perms.size() > 3 && m.perms[3] == 's';
    v.offset = m.offset;
    v.inode = m.inode;
    v.name = m.path;
    out.push_back(std::move(v));
  }
  return out;
}

std::optional<uint64_t> WrittenPrivatePages(pid_t pid, uint64_t start, uint64_t end, uint64_t max_pages) {
  if (end <= start) return 0;
  int fd = open(fmt::format("/proc/{}/pagemap", pid).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  uint64_t pages = std::min((end - start) / kPageSize, max_pages);
  uint64_t written = 0;
  uint64_t buf[512];
  bool ok = true;
  for (uint64_t done = 0; done < pages;) {
    const uint64_t n = std::min<uint64_t>(pages - done, std::size(buf));
    const off_t off = static_cast<off_t>((start / kPageSize + done) * sizeof(uint64_t));
    ssize_t got = pread(fd, buf, n * sizeof(uint64_t), off);
    if (got <= 0) {
      ok = done > 0;
      break;
    }
    const uint64_t entries = static_cast<uint64_t>(got) / sizeof(uint64_t);
    for (uint64_t i = 0; i < entries; ++i) {
      const uint64_t e = buf[i];
      if ((e & kSwapped) || ((e & kPresent) && !(e & kFileOrSharedAnon))) ++written;
    }
    done += entries;
  }
  close(fd);
  if (!ok) return std::nullopt;
  return written;
}

}  // namespace exray::trace
