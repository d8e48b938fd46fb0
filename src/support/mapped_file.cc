#include "support/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

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
  if (f->size_ > 0 && f->size_ <= kReadLimit) {
    uint8_t* dst;
    if (buffer) {
      dst = buffer->Reserve(f->size_);
    } else {
      f->owned_.reset(new uint8_t[f->size_]);
      dst = f->owned_.get();
    }
    uint64_t got = 0;
    while (got < f->size_) {
      ssize_t n = pread(fd, dst + got, f->size_ - got, static_cast<off_t>(got));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        int e = errno;
        close(fd);
        return MakeError(path + ": read: " + std::strerror(e));
      }
      if (n == 0) break;  // the file shrank since fstat: keep what was there
      got += static_cast<uint64_t>(n);
    }
    f->size_ = got;
    f->addr_ = dst;
  } else if (f->size_ > 0) {
    void* p = mmap(nullptr, f->size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      int e = errno;
      close(fd);
      return MakeError(path + ": mmap: " + std::strerror(e));
    }
    f->addr_ = p;
    f->mapped_ = true;
  }
  close(fd);
  return f;
}

MappedFile::~MappedFile() {
  if (mapped_) munmap(addr_, size_);
}

}  // namespace exray
