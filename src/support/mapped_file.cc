#include "support/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

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
      dst = buffer->Reserve(f->size_);
    } else {
      f->owned_.reset(new uint8_t[f->size_]);
      dst = f->owned_.get();
    }
    f->addr_ = dst;
    if (f->size_ <= kWholeReadLimit) {
      f->bytes_read_ = ReadAt(fd, dst, 0, f->size_);
      close(fd);
    } else {
      f->fd_ = fd;  // read on demand through Ensure
      f->chunk_read_.assign((f->size_ + kSparseChunk - 1) / kSparseChunk, false);
    }
    return f;
  }
  void* p = mmap(nullptr, f->size_, PROT_READ, MAP_PRIVATE, fd, 0);
  int e = errno;
  close(fd);
  if (p == MAP_FAILED) return MakeError(path + ": mmap: " + std::strerror(e));
  f->addr_ = p;
  f->mapped_ = true;
  return f;
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
    bytes_read_ += ReadAt(fd_, base + from, from, to - from);
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
  if (mapped_) munmap(addr_, size_);
  if (fd_ >= 0) close(fd_);
}

}  // namespace exray
