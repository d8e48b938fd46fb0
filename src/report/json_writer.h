// A streaming JSON writer: the report's JSON is written straight to a string.
// nlohmann::json builds a DOM first, which cost two thirds of the time of
// `exray --json` on small files (measured with callgrind); tests still parse
// every document with nlohmann::json to check it.
#pragma once

#include <cassert>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "support/closed_name.h"
#include "support/limits.h"

namespace exray {

class JsonWriter {
 public:
  /// indent < 0: compact, one line; otherwise pretty with that many spaces.
  explicit JsonWriter(int indent = -1) : indent_(indent) { Grow(kFirstBytes); }
  ~JsonWriter() { std::free(buf_); }
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;

  void BeginObject() { Open('{'); }
  void EndObject() {
    Close('}');
    if (sink_ && len_ >= kFlushBytes) Flush();
  }
  void BeginArray() { Open('['); }
  void EndArray() { Close(']'); }
  /// k must be plain ASCII without quotes or backslashes (keys are literals).
  [[gnu::always_inline]] void Key(std::string_view k) {
    BeforeValue();
    char* p = Room(k.size() + 4);
    *p++ = '"';
    if (!k.empty()) std::memcpy(p, k.data(), k.size());
    p += k.size();
    *p++ = '"';
    *p++ = ':';
    if (indent_ >= 0) *p++ = ' ';
    len_ = static_cast<size_t>(p - buf_);
    after_key_ = true;
  }
  /// A key taken from the input (a Go build setting name): escaped like a string.
  void InputKey(std::string_view k);
  /// Strings are escaped; bytes that are not valid UTF-8 become U+FFFD.
  void String(std::string_view s) {
    BeforeValue();
    Escaped(s);
  }
  void Uint(uint64_t v) {
    BeforeValue();
    char* p = Room(20);  // UINT64_MAX has 20 digits
    len_ = static_cast<size_t>(std::to_chars(p, p + 20, v).ptr - buf_);
  }
  void Int(int64_t v);
  void Bool(bool v);
  void Null();

  template <typename T>
  void Field(std::string_view k, const T& v) {
    Key(k);
    Value(v);
  }
  // A literal key: its length is a constant, so its copy is a few moves.
  template <size_t N>
  void Key(const char (&k)[N]) {
    assert(k[N - 1] == '\0' && "a key array is a string literal");
    Key(std::string_view(k, N - 1));
  }
  template <size_t N, typename T>
  void Field(const char (&k)[N], const T& v) {
    Key(k);
    Value(v);
  }
  void Value(std::string_view s) { String(s); }
  void Value(const std::string& s) { String(s); }
  void Value(const char* s) { String(s); }
  template <typename Set>
  void Value(ClosedName<Set> n) { String(n.str()); }
  void Value(bool v) { Bool(v); }
  void Value(int v) { Int(v); }
  void Value(uint64_t v) { Uint(v); }
  void Value(uint32_t v) { Uint(v); }
  void Value(uint16_t v) { Uint(v); }
  void Value(uint8_t v) { Uint(v); }
  void Value(std::nullptr_t) { Null(); }
  template <typename T>
  void Value(const std::optional<T>& v) {
    if (v) Value(*v);
    else Null();
  }
  template <typename T>
  void Value(const std::vector<T>& v) {
    BeginArray();
    for (const T& x : v) Value(x);
    EndArray();
  }

  std::string Take() {
    std::string s(buf_, len_);
    len_ = 0;
    return s;
  }

  /// Streams the document to sink in pieces as it grows, so a long listing
  /// never sits in memory whole (fresh pages cost ~10 us each in a VM);
  /// Flush writes what is left.
  void SetSink(std::ostream* sink) { sink_ = sink; }
  void Flush() {
    if (sink_) sink_->write(buf_, static_cast<std::streamsize>(len_));
    len_ = 0;
  }
  static constexpr size_t kFlushBytes = 64 * 1024;
  static constexpr size_t kFirstBytes = 16 * 1024;

 private:
  void Open(char c);
  void Close(char c);
  // A comma and a new line as the container needs them; nothing after a key.
  void BeforeValue() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (depth_ == 0) return;
    if (indent_ >= 0) return Separate();
    if (has_items_[depth_ - 1]) Append(',');  // compact: no new lines
    has_items_[depth_ - 1] = true;
  }
  void Separate();
  void NewLine();
  void Escaped(std::string_view s);  // a quoted, escaped string, nothing else
  // Room for n more bytes at buf_ + len_: the writer fills them and moves
  // len_ past what it wrote. A plain buffer, not a std::string: each of the
  // hundreds of thousands of appends of a listing paid for a capacity check
  // and a call into the library.
  char* Room(size_t n) {
    if (cap_ - len_ < n) Grow(n);
    return buf_ + len_;
  }
  void Append(std::string_view s) {
    if (s.empty()) return;  // its data may be null, which memcpy may not be given
    std::memcpy(Room(s.size()), s.data(), s.size());
    len_ += s.size();
  }
  void Append(char c) {
    *Room(1) = c;
    ++len_;
  }
  void Grow(size_t n);  // room for n more bytes, or std::bad_alloc
  char* buf_ = nullptr;
  size_t len_ = 0, cap_ = 0;
  std::ostream* sink_ = nullptr;
  int indent_;
  // Whether each open container has items yet. The report nests a few levels
  // deep; a fixed array keeps this hot path cheap (vector<bool> cost 13%).
  static constexpr int kMaxDepth = kMaxJsonWriterDepth;  // support/limits.h
  bool has_items_[kMaxDepth] = {};
  int depth_ = 0;
  bool after_key_ = false;
};

}  // namespace exray
