// ByteSource: lets a parser ask for a range of the file before reading it.
#pragma once

#include <cstdint>

namespace exray {

/// A file whose bytes may be brought into memory on demand. Parsers call
/// Ensure(off, len) before taking a view of [off, off+len); where no source is
/// given (tests, fuzzers, mapped files) every byte is already present.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  /// Makes [off, off+len), clamped to the file, readable in the file's view.
  virtual void Ensure(uint64_t off, uint64_t len) const = 0;
  /// As Ensure, for a caller that will look at a few of the bytes only: a
  /// source that can bring pages in on demand (a mapping) need not bring in
  /// the range ahead.
  virtual void EnsureFew(uint64_t off, uint64_t len) const { Ensure(off, len); }
};

}  // namespace exray
