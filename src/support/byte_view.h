// ByteView and Reader: the only way parser code touches file bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "support/checked.h"

namespace exray {

enum class Endian : uint8_t { kLittle, kBig };

inline constexpr Endian kHostEndian =
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? Endian::kLittle : Endian::kBig;

template <typename T>
constexpr T ByteSwap(T v) {
  if constexpr (sizeof(T) == 1) return v;
  else if constexpr (sizeof(T) == 2) return static_cast<T>(__builtin_bswap16(v));
  else if constexpr (sizeof(T) == 4) return static_cast<T>(__builtin_bswap32(v));
  else return static_cast<T>(__builtin_bswap64(v));
}

/// A non-owning, bounds-checked window onto bytes (usually the mmap'd file).
/// Every accessor checks its range; an out-of-range request yields an empty
/// view or false, never a read outside the window.
class ByteView {
 public:
  ByteView() = default;
  ByteView(const uint8_t* data, uint64_t size) : data_(data), size_(size) {}

  uint64_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const uint8_t* data() const { return data_; }

  /// The sub-range [off, off+len), or an empty view when it is not inside.
  ByteView Sub(uint64_t off, uint64_t len) const {
    if (!InBounds(off, len, size_)) return {};
    return ByteView(data_ + off, len);
  }
  /// Whether [off, off+len) is inside this view.
  bool Contains(uint64_t off, uint64_t len) const { return InBounds(off, len, size_); }
  /// From off to the end, or empty when off is past the end.
  ByteView From(uint64_t off) const { return off > size_ ? ByteView() : ByteView(data_ + off, size_ - off); }

  /// Copies len bytes at off into out; false (and nothing written) when out of range.
  bool Copy(uint64_t off, void* out, uint64_t len) const {
    if (!InBounds(off, len, size_)) return false;
    if (len) std::memcpy(out, data_ + off, len);
    return true;
  }
  /// The byte at off, or 0 when out of range.
  uint8_t At(uint64_t off) const { return off < size_ ? data_[off] : 0; }

  /// Reads an unsigned integer at off in the given byte order; false (and 0) when out of range.
  template <typename T>
  bool ReadInt(uint64_t off, Endian e, T* out) const {
    static_assert(sizeof(T) == 1 || sizeof(T) == 2 || sizeof(T) == 4 || sizeof(T) == 8);
    if (!InBounds(off, sizeof(T), size_)) { *out = 0; return false; }
    T v;
    std::memcpy(&v, data_ + off, sizeof(T));  // unaligned-safe
    if (e != kHostEndian) v = ByteSwap(v);
    *out = v;
    return true;
  }

  /// A 4- or 8-byte unsigned word (a target pointer) at off; false (and 0) when out of range.
  bool ReadWord(uint64_t off, uint64_t size, Endian e, uint64_t* out) const {
    if (size == 8) return ReadInt<uint64_t>(off, e, out);
    uint32_t x = 0;
    bool ok = ReadInt<uint32_t>(off, e, &x);
    *out = x;
    return ok;
  }

  /// The NUL-terminated string starting at off. found_nul reports whether a
  /// terminator was seen inside the view; without one the string runs to the end.
  std::string_view CString(uint64_t off, bool* found_nul = nullptr) const {
    if (off >= size_) { if (found_nul) *found_nul = false; return {}; }
    const void* nul = std::memchr(data_ + off, 0, size_ - off);
    uint64_t end = nul ? static_cast<uint64_t>(static_cast<const uint8_t*>(nul) - data_) : size_;
    if (found_nul) *found_nul = nul != nullptr;
    return std::string_view(reinterpret_cast<const char*>(data_ + off), end - off);
  }

  std::string_view AsString() const { return std::string_view(reinterpret_cast<const char*>(data_), size_); }

 private:
  const uint8_t* data_ = nullptr;
  uint64_t size_ = 0;
};

/// A cursor over a ByteView with a byte order and a sticky error: once a read
/// fails, every later read yields 0 and ok() stays false, so a record is
/// checked once after all of its fields are read.
class Reader {
 public:
  Reader(ByteView view, Endian endian, uint64_t offset = 0) : view_(view), endian_(endian), off_(offset) {
    if (offset > view.size()) ok_ = false;
  }

  bool ok() const { return ok_; }
  uint64_t offset() const { return off_; }
  uint64_t remaining() const { return ok_ ? view_.size() - off_ : 0; }

  uint8_t U8() { return Read<uint8_t>(); }
  uint16_t U16() { return Read<uint16_t>(); }
  uint32_t U32() { return Read<uint32_t>(); }
  uint64_t U64() { return Read<uint64_t>(); }
  /// A 32- or 64-bit word, by ELF class.
  uint64_t Word(bool is64) { return is64 ? U64() : U32(); }

  void Skip(uint64_t n) {
    if (!ok_ || n > view_.size() - off_) { ok_ = false; return; }
    off_ += n;
  }
  void Seek(uint64_t off) {
    if (off > view_.size()) { ok_ = false; return; }
    off_ = off;
  }

 private:
  template <typename T>
  T Read() {
    T v = 0;
    if (!ok_) return 0;
    if (!view_.ReadInt<T>(off_, endian_, &v)) { ok_ = false; return 0; }
    off_ += sizeof(T);
    return v;
  }

  ByteView view_;
  Endian endian_;
  uint64_t off_;
  bool ok_ = true;
};

}  // namespace exray
