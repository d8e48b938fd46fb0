// A read-only memory mapping of an input file.
#pragma once

#include <memory>
#include <string>

#include "support/byte_view.h"
#include "support/result.h"

namespace exray {

/// Maps a regular file read-only. Directories, devices, FIFOs and sockets are
/// refused without being opened for reading (a FIFO would block); an empty
/// file maps to an empty view.
class MappedFile {
 public:
  static Result<std::unique_ptr<MappedFile>> Open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  ByteView view() const { return ByteView(static_cast<const uint8_t*>(addr_), size_); }
  uint64_t size() const { return size_; }

 private:
  MappedFile() = default;
  void* addr_ = nullptr;
  uint64_t size_ = 0;
};

}  // namespace exray
