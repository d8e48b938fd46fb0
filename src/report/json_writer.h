// A streaming JSON writer: the report's JSON is written straight to a string.
// nlohmann::json builds a DOM first, which cost two thirds of the time of
// `exray --json` on small files (measured with callgrind); tests still parse
// every document with nlohmann::json to check it.
#pragma once

#include <cstdint>
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
  explicit JsonWriter(int indent = -1) : indent_(indent) { out_.reserve(16384); }

  void BeginObject() { Open('{'); }
  void EndObject() {
    Close('}');
    if (sink_ && out_.size() >= kFlushBytes) Flush();
  }
  void BeginArray() { Open('['); }
  void EndArray() { Close(']'); }
  /// k must be plain ASCII without quotes or backslashes (keys are literals).
  void Key(std::string_view k);
  /// A key taken from the input (a Go build setting name): escaped like a string.
  void InputKey(std::string_view k);
  /// Strings are escaped; bytes that are not valid UTF-8 become U+FFFD.
  void String(std::string_view s);
  void Uint(uint64_t v);
  void Int(int64_t v);
  void Bool(bool v);
  void Null();

  template <typename T>
  void Field(std::string_view k, const T& v) {
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

  std::string Take() { return std::move(out_); }

  /// Streams the document to sink in pieces as it grows, so a long listing
  /// never sits in memory whole (fresh pages cost ~10 us each in a VM);
  /// Flush writes what is left.
  void SetSink(std::ostream* sink) { sink_ = sink; }
  void Flush() {
    if (sink_) sink_->write(out_.data(), static_cast<std::streamsize>(out_.size()));
    out_.clear();
  }
  static constexpr size_t kFlushBytes = 64 * 1024;

 private:
  void Open(char c);
  void Close(char c);
  void BeforeValue();
  void NewLine();
  void Escaped(std::string_view s);  // a quoted, escaped string, nothing else

  std::string out_;
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
