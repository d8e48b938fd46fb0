// An input file's bytes, read-only, read or mapped as is cheapest.
#pragma once

#include <cstdlib>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "support/byte_source.h"
#include "support/byte_view.h"
#include "support/limits.h"
#include "support/result.h"

namespace exray {

/// Memory that MappedFile reads files into, kept between files so reads land
/// on pages that are already mapped (a fresh page costs a fault each).
/// Reused file after file; between files it holds only zeros (MappedFile
/// zeroes what it read into it when done), so bytes a parser reads without
/// Ensure are zeros, never the previous file's.
class ReadBuffer {
 public:
  uint8_t* Reserve(uint64_t n) {
    if (n > cap_) {
      data_ = ZeroedBytes(n);
      cap_ = n;
    }
    return data_.get();
  }

  /// n zero bytes from calloc, whose large blocks are fresh mappings: pages
  /// nobody touches are never faulted in (new T[n]() would write all of them).
  struct FreeDeleter {
    void operator()(uint8_t* p) const { std::free(p); }
  };
  using Bytes = std::unique_ptr<uint8_t[], FreeDeleter>;
  static Bytes ZeroedBytes(uint64_t n) {
    auto* p = static_cast<uint8_t*>(std::calloc(n ? n : 1, 1));
    if (!p) throw std::bad_alloc();
    return Bytes(p);
  }

 private:
  Bytes data_;
  uint64_t cap_ = 0;
};

/// A regular file's bytes. Three ways, chosen by size, because on the
/// machines measured here a page fault costs ~10 us and unmapping a file
/// ~100-300 us, more than copying a few pages:
///  - up to kWholeReadLimit: read whole;
///  - up to kSparseReadLimit: read on demand, in kSparseChunk pieces, as the
///    parser calls Ensure (an ELF parse reads a few pages of a 300 KiB file);
///  - larger: memory-mapped, so memory grows with the pages touched. The
///    mapping is guarded: a file that shrinks while mapped would raise
///    SIGBUS on a read past its new end; instead a page of zeros takes the
///    faulting page's place and changed() says so (the other two ways leave
///    zeros for what a short read did not fill, and say so too).
/// Directories, devices, FIFOs and sockets are refused without being opened
/// for reading (a FIFO would block); an empty file gives an empty view.
class MappedFile final : public ByteSource {
 public:
  // The caps live in support/limits.h; these names are kept for callers and tests.
  static constexpr uint64_t kWholeReadLimit = exray::kWholeReadLimit;
  static constexpr uint64_t kSparseReadLimit = exray::kSparseReadLimit;
  static constexpr uint64_t kSparseChunk = 16u << 10;
  static constexpr uint64_t kPopulateMin = exray::kPopulateMin;

  /// With a ReadBuffer, the file is read into it, and this MappedFile must not
  /// outlive the next Open that uses the same buffer.
  static Result<std::unique_ptr<MappedFile>> Open(const std::string& path, ReadBuffer* buffer = nullptr);
  ~MappedFile() override;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  ByteView view() const { return ByteView(static_cast<const uint8_t*>(addr_), size_); }
  uint64_t size() const { return size_; }
  bool mapped() const { return mapped_; }
  bool sparse() const { return fd_ >= 0; }
  /// Reads the chunks of [off, off+len) not read yet when sparse; for a mapped
  /// file, maps the pages of a large range at once. A read error or a file
  /// that shrank leaves zeros in place.
  void Ensure(uint64_t off, uint64_t len) const override;
  /// A mapped file's pages come in as they are touched: nothing to do; a
  /// file read into memory reads the range as Ensure does.
  void EnsureFew(uint64_t off, uint64_t len) const override {
    if (!mapped_) Ensure(off, len);
  }
  /// Bytes read from the file so far (for tests and benchmarks).
  uint64_t bytes_read() const { return bytes_read_; }
  /// Whether the file turned out shorter than when it was opened: it was
  /// truncated or replaced in place while read, and what was read past its
  /// new end is zeros. The analysis of such a file is not to be trusted.
  bool changed() const;

 private:
  MappedFile() = default;
  void Populate(uint64_t off, uint64_t len) const;
  ReadBuffer::Bytes owned_;           // the bytes, when no ReadBuffer was given
  uint8_t* buffer_bytes_ = nullptr;   // the bytes, in a ReadBuffer: zeroed where read when done
  bool mapped_ = false;
  void* addr_ = nullptr;
  uint64_t size_ = 0;
  int fd_ = -1;                            // kept open while sparse
  int guard_ = -1;                         // the SIGBUS guard slot of a mapping
  mutable bool short_read_ = false;        // a read stopped before the bytes asked for
  mutable std::vector<bool> chunk_read_;   // one per kSparseChunk
  mutable uint64_t bytes_read_ = 0;
};

}  // namespace exray
