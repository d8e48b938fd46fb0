#include "support/mapped_file.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>

namespace exray {

namespace {
const char* KindOf(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISFIFO(mode)) return "a fifo";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

// ---- Guarded mappings. A mapped file that shrinks raises SIGBUS on a read
// past its new end. The handler looks the address up among the live
// mappings (lock-free: each slot's range is published with release order),
// maps a page of zeros over the faulting page, notes the file as changed and
// returns, so the read is retried and sees zeros. A fault outside every
// mapping restores the previous disposition and returns: the fault recurs
// and takes its ordinary course. kGuardSlots (support/limits.h) slots.
struct GuardSlot {
  std::atomic<uintptr_t> begin{0}, end{0};
  std::atomic<bool> faulted{false};
};
GuardSlot g_slots[kGuardSlots];
std::mutex g_slots_mu;  // serialises taking and giving back slots (never taken in the handler)
struct sigaction g_previous;
uintptr_t g_page = 4096;

void OnSigbus(int, siginfo_t* info, void*) {
  const uintptr_t a = reinterpret_cast<uintptr_t>(info->si_addr);
  for (GuardSlot& s : g_slots) {
    const uintptr_t b = s.begin.load(std::memory_order_acquire);
    if (b == 0 || a < b || a >= s.end.load(std::memory_order_acquire)) continue;
    void* page = reinterpret_cast<void*>(a & ~(g_page - 1));
    if (mmap(page, g_page, PROT_READ, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) != MAP_FAILED) {
      s.faulted.store(true, std::memory_order_relaxed);
      return;
    }
    break;
  }
  sigaction(SIGBUS, &g_previous, nullptr);
}

// A slot for [begin, end), the handler installed on first use; -1 when every
// slot is taken (the caller reads the file instead of mapping it).
int TakeGuard(const void* begin, uint64_t len) {
  static std::once_flag installed;
  std::call_once(installed, [] {
    g_page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
    struct sigaction sa {};
    sa.sa_sigaction = OnSigbus;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGBUS, &sa, &g_previous);
  });
  std::lock_guard<std::mutex> lock(g_slots_mu);
  for (int i = 0; i < kGuardSlots; ++i) {
    GuardSlot& s = g_slots[i];
    if (s.begin.load(std::memory_order_relaxed) != 0) continue;
    s.faulted.store(false, std::memory_order_relaxed);
    s.end.store(reinterpret_cast<uintptr_t>(begin) + len, std::memory_order_release);
    s.begin.store(reinterpret_cast<uintptr_t>(begin), std::memory_order_release);
    return i;
  }
  return -1;
}

void GiveGuard(int i) {
  std::lock_guard<std::mutex> lock(g_slots_mu);
  g_slots[i].begin.store(0, std::memory_order_release);
  g_slots[i].end.store(0, std::memory_order_release);
}

// Reads [off, off+len) fully; zero-fills what cannot be read. Returns bytes read.
uint64_t ReadAt(int fd, uint8_t* dst, uint64_t off, uint64_t len) {
  uint64_t got = 0;
  while (got < len) {
    ssize_t n = pread(fd, dst + got, len - got, static_cast<off_t>(off + got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // error, or the file shrank since fstat
    got += static_cast<uint64_t>(n);
  }
  if (got < len) std::memset(dst + got, 0, len - got);
  return got;
}
}  // namespace

Result<std::unique_ptr<MappedFile>> MappedFile::Open(const std::string& path, ReadBuffer* buffer) {
  struct stat st;
  // stat first: opening a FIFO for reading would block until a writer comes.
  if (stat(path.c_str(), &st) != 0) return MakeError(path + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return MakeError(path + ": " + KindOf(st.st_mode));
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0 && errno == ELOOP) fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return MakeError(path + ": " + std::strerror(errno));
  // Re-check on the descriptor: the path may have been swapped since stat.
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return MakeError(path + ": not a regular file");
  }
  std::unique_ptr<MappedFile> f(new MappedFile());
  f->size_ = static_cast<uint64_t>(st.st_size);
  if (f->size_ == 0) {
    close(fd);
    return f;
  }
  if (f->size_ <= kSparseReadLimit) {
    uint8_t* dst;
    if (buffer) {
      dst = f->buffer_bytes_ = buffer->Reserve(f->size_);
    } else {
      f->owned_ = ReadBuffer::ZeroedBytes(f->size_);  // zeros where nothing is read
      dst = f->owned_.get();
    }
    f->addr_ = dst;
    if (f->size_ <= kWholeReadLimit) {
      f->bytes_read_ = ReadAt(fd, dst, 0, f->size_);
      f->short_read_ = f->bytes_read_ < f->size_;
      close(fd);
    } else {
      f->fd_ = fd;  // read on demand through Ensure
      f->chunk_read_.assign((f->size_ + kSparseChunk - 1) / kSparseChunk, false);
    }
    return f;
  }
  void* p = mmap(nullptr, f->size_, PROT_READ, MAP_PRIVATE, fd, 0);
  int e = errno;
  if (p == MAP_FAILED) {
    close(fd);
    return MakeError(path + ": mmap: " + std::strerror(e));
  }
  f->guard_ = TakeGuard(p, f->size_);
  if (f->guard_ < 0) {
    // No guard left: read the file whole rather than map it unguarded.
    munmap(p, f->size_);
    f->owned_ = ReadBuffer::ZeroedBytes(f->size_);
    f->addr_ = f->owned_.get();
    f->bytes_read_ = ReadAt(fd, f->owned_.get(), 0, f->size_);
    f->short_read_ = f->bytes_read_ < f->size_;
    close(fd);
    return f;
  }
  close(fd);
  f->addr_ = p;
  f->mapped_ = true;
  return f;
}

bool MappedFile::changed() const {
  return short_read_ || (guard_ >= 0 && g_slots[guard_].faulted.load(std::memory_order_relaxed));
}

void MappedFile::Ensure(uint64_t off, uint64_t len) const {
  if (mapped_) {
    Populate(off, len);
    return;
  }
  if (fd_ < 0 || len == 0 || off >= size_) return;
  uint64_t end = off + std::min(len, size_ - off);
  uint64_t first = off / kSparseChunk, last = (end - 1) / kSparseChunk;
  uint8_t* base = static_cast<uint8_t*>(addr_);
  // One read per run of chunks not read yet.
  for (uint64_t c = first; c <= last;) {
    if (chunk_read_[c]) {
      ++c;
      continue;
    }
    uint64_t run_end = c;
    while (run_end + 1 <= last && !chunk_read_[run_end + 1]) ++run_end;
    uint64_t from = c * kSparseChunk, to = std::min(size_, (run_end + 1) * kSparseChunk);
    const uint64_t got = ReadAt(fd_, base + from, from, to - from);
    bytes_read_ += got;
    short_read_ = short_read_ || got < to - from;
    for (uint64_t k = c; k <= run_end; ++k) chunk_read_[k] = true;
    c = run_end + 1;
  }
}

void MappedFile::Populate(uint64_t off, uint64_t len) const {
#ifdef MADV_POPULATE_READ
  // A large range about to be read (a Go pclntab, a symbol table): map its
  // pages in one call rather than one fault per 64 KiB (a fault costs ~10 us
  // here). Small ranges are left to faults; errors (old kernels) change nothing.
  if (len < kPopulateMin || off >= size_) return;
  const uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  uint64_t start = off & ~(page - 1), end = off + std::min(len, size_ - off);
  madvise(static_cast<uint8_t*>(addr_) + start, end - start, MADV_POPULATE_READ);
#else
  (void)off;
  (void)len;
#endif
}

MappedFile::~MappedFile() {
  // The shared buffer goes back as it came, all zeros: only what was read
  // into it is cleared (a sparse file's read chunks, or a small file whole).
  if (buffer_bytes_) {
    if (chunk_read_.empty()) {
      std::memset(buffer_bytes_, 0, size_);
    } else {
      for (uint64_t c = 0; c < chunk_read_.size(); ++c)
        if (chunk_read_[c]) {
          const uint64_t from = c * kSparseChunk;
          std::memset(buffer_bytes_ + from, 0, std::min(kSparseChunk, size_ - from));
        }
    }
  }
  if (mapped_) {
    // The slot first: once unmapped, the range may be mapped again by another
    // file, whose faults must not be taken for this one's.
    GiveGuard(guard_);
    munmap(addr_, size_);
  }
  if (fd_ >= 0) close(fd_);
}

}  // namespace exray
