// ByteView and Reader: the only way parser code touches file bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "support/checked.h"
#include "support/limits.h"

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
  [[gnu::always_inline]] bool ReadInt(uint64_t off, Endian e, T* out) const {
    static_assert(sizeof(T) == 1 || sizeof(T) == 2 || sizeof(T) == 4 || sizeof(T) == 8);
    if (!InBounds(off, sizeof(T), size_)) { *out = 0; return false; }
    T v;
    std::memcpy(&v, data_ + off, sizeof(T));  // unaligned-safe
    if (e != kHostEndian) v = ByteSwap(v);
    *out = v;
    return true;
  }

  /// A 4- or 8-byte unsigned word (a target pointer) at off; false (and 0) when out of range.
  [[gnu::always_inline]] bool ReadWord(uint64_t off, uint64_t size, Endian e, uint64_t* out) const {
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

  /// The NUL-terminated string at off, looked for within max_len + 1 bytes so a
  /// view without terminators costs O(max_len) per call, not O(view). Without a
  /// terminator the string is cut at max_len bytes or the end of the view, and
  /// too_long reports which: whether more than max_len bytes were left at off.
  std::string_view CString(uint64_t off, uint64_t max_len, bool* found_nul, bool* too_long = nullptr) const {
    const uint64_t left = off < size_ ? size_ - off : 0;
    const bool cut = left > max_len;
    std::string_view s = Sub(off, cut ? max_len + 1 : left).CString(0, found_nul);
    if (!*found_nul && cut) s = s.substr(0, max_len);
    if (too_long) *too_long = !*found_nul && cut;
    return s;
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

  /// An unsigned LEB128 (DWARF 4 section 7.6; Go's uvarint and WebAssembly's
  /// uN are the same encoding) of a value of at most `bits` bits (1..64). The
  /// read takes at most ceil(bits / 7) bytes and refuses a last byte with bits
  /// set above `bits` rather than wrapping: for 64 bits, the 10th byte must be
  /// 0 or 1 (Go's encoding/binary.Uvarint rule). false (sticky, *out = 0) at
  /// the end of the view or on such an overflow.
  bool Uleb128(uint64_t* out, unsigned bits = 64) {
    *out = 0;
    const unsigned max_bytes = (bits + 6) / 7;
    uint64_t v = 0;
    for (unsigned i = 0; ok_ && i < max_bytes; ++i) {
      if (off_ >= view_.size()) break;
      const uint8_t b = view_.data()[off_++];
      const unsigned shift = 7 * i;  // <= 63
      // The bits this byte may still hold; a continuation bit on the last one is also an overflow.
      if (i + 1 == max_bytes && (b >> (bits - shift)) != 0) break;
      v |= uint64_t{b & 0x7fu} << shift;
      if (!(b & 0x80)) {
        *out = v;
        return true;
      }
    }
    ok_ = false;
    return false;
  }
  /// A signed LEB128 of at most 10 bytes, sign-extended to 64 bits. The 10th
  /// byte, which holds bit 63 and the sign, must be 0x00 or 0x7f (as LLVM's
  /// decodeSLEB128 requires); anything else does not fit an int64_t. false
  /// (sticky, *out = 0) at the end of the view or on such an overflow.
  bool Sleb128(int64_t* out) {
    *out = 0;
    uint64_t v = 0;
    for (unsigned i = 0; ok_ && i < kMaxLeb128Bytes; ++i) {
      if (off_ >= view_.size()) break;
      const uint8_t b = view_.data()[off_++];
      const unsigned shift = 7 * i;
      if (i + 1 == kMaxLeb128Bytes && b != 0x00 && b != 0x7f) break;
      v |= uint64_t{b & 0x7fu} << shift;
      if (!(b & 0x80)) {
        if (shift + 7 < 64 && (b & 0x40)) v |= ~uint64_t{0} << (shift + 7);  // sign-extend
        *out = static_cast<int64_t>(v);
        return true;
      }
    }
    ok_ = false;
    return false;
  }
  /// The NUL-terminated string at the cursor, of at most max_len bytes before
  /// its NUL; moves past the NUL. false (sticky, *out empty) when no NUL comes
  /// within max_len + 1 bytes or before the end of the view.
  bool CString(uint64_t max_len, std::string_view* out) {
    bool nul = false;
    std::string_view s = ok_ ? view_.CString(off_, max_len, &nul) : std::string_view();
    if (!nul) {
      ok_ = false;
      *out = {};
      return false;
    }
    off_ += s.size() + 1;
    *out = s;
    return true;
  }
  /// The next n bytes as a view; empty (sticky) when fewer remain.
  ByteView Bytes(uint64_t n) {
    if (!ok_ || n > view_.size() - off_) { ok_ = false; return {}; }
    ByteView b = view_.Sub(off_, n);
    off_ += n;
    return b;
  }

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
