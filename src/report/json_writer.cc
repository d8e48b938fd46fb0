#include "report/json_writer.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <charconv>
#include <cstring>
#include <new>

namespace exray {

namespace {

// Length of the valid UTF-8 sequence at s[i], or 0 when it is not valid
// (overlong forms, surrogates and code points past U+10FFFF are invalid).
size_t Utf8Length(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  auto cont = [&](size_t k) { return k < s.size() && (b(k) & 0xc0) == 0x80; };
  unsigned char c = b(i);
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) return cont(i + 1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    if (!cont(i + 1) || !cont(i + 2)) return 0;
    if (c == 0xe0 && b(i + 1) < 0xa0) return 0;   // overlong
    if (c == 0xed && b(i + 1) >= 0xa0) return 0;  // surrogate
    return 3;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (!cont(i + 1) || !cont(i + 2) || !cont(i + 3)) return 0;
    if (c == 0xf0 && b(i + 1) < 0x90) return 0;   // overlong
    if (c == 0xf4 && b(i + 1) >= 0x90) return 0;  // past U+10FFFF
    return 4;
  }
  return 0;
}

// Bytes copied as they are: printable ASCII other than '"' and '\\'.
constexpr auto kPlain = [] {
  std::array<bool, 256> t{};
  for (int c = 0x20; c < 0x80; ++c) t[c] = c != '"' && c != '\\';
  return t;
}();

// Length of the leading run of plain bytes, eight at a time: a word is all
// plain when no byte has its high bit set, none is below 0x20 and none is
// '"' or '\\' (the zero-byte test is exact for "some byte is zero").
size_t PlainPrefix(std::string_view s) {
  constexpr uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
  auto has_zero = [](uint64_t v) { return ((v - kOnes) & ~v & kHigh) != 0; };
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    if ((w & kHigh) || has_zero(w & 0xe0e0e0e0e0e0e0e0ull) || has_zero(w ^ 0x2222222222222222ull) ||
        has_zero(w ^ 0x5c5c5c5c5c5c5c5cull))
      break;
  }
  while (i < s.size() && kPlain[static_cast<unsigned char>(s[i])]) ++i;
  return i;
}

}  // namespace

void JsonWriter::Grow(size_t n) {
  size_t cap = std::max<size_t>(cap_ * 2, kFirstBytes);
  while (cap - len_ < n) cap *= 2;
  char* p = static_cast<char*>(std::realloc(buf_, cap));
  if (!p) throw std::bad_alloc();
  buf_ = p;
  cap_ = cap;
}

void JsonWriter::NewLine() {
  if (indent_ < 0) return;
  const size_t n = static_cast<size_t>(depth_) * static_cast<size_t>(indent_);
  char* p = Room(n + 1);
  *p = '\n';
  std::memset(p + 1, ' ', n);
  len_ += n + 1;
}

void JsonWriter::Separate() {
  if (has_items_[depth_ - 1]) Append(',');
  has_items_[depth_ - 1] = true;
  NewLine();
}

void JsonWriter::Open(char c) {
  BeforeValue();
  Append(c);
  assert(depth_ < kMaxDepth && "JSON nests deeper than kMaxDepth");
  if (depth_ < kMaxDepth) has_items_[depth_++] = false;
}

void JsonWriter::Close(char c) {
  bool had = depth_ > 0 && has_items_[depth_ - 1];
  if (depth_ > 0) --depth_;
  if (had) NewLine();
  Append(c);
}

void JsonWriter::InputKey(std::string_view k) {
  BeforeValue();
  Escaped(k);
  Append(indent_ < 0 ? std::string_view(":") : std::string_view(": "));
  after_key_ = true;
}

void JsonWriter::Escaped(std::string_view s) {
  const size_t plain = PlainPrefix(s);  // most strings need no escaping: copy them whole
  if (plain == s.size()) {
    char* p = Room(s.size() + 2);
    *p++ = '"';
    if (!s.empty()) std::memcpy(p, s.data(), s.size());  // an empty view's data may be null
    p[s.size()] = '"';
    len_ += s.size() + 2;
    return;
  }
  Append('"');
  Append(s.substr(0, plain));
  s.remove_prefix(plain);
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      Append('\\');
      Append(static_cast<char>(c));
      ++i;
    } else if (c < 0x20) {
      switch (c) {
        case '\n': Append("\\n"); break;
        case '\t': Append("\\t"); break;
        case '\r': Append("\\r"); break;
        case '\b': Append("\\b"); break;
        case '\f': Append("\\f"); break;
        default: Append(fmt::format("\\u{:04x}", c));
      }
      ++i;
    } else if (c < 0x80) {
      size_t j = i + 1;  // copy a run of plain ASCII at once
      while (j < s.size() && kPlain[static_cast<unsigned char>(s[j])]) ++j;
      Append(s.substr(i, j - i));
      i = j;
    } else if (size_t n = Utf8Length(s, i)) {
      Append(s.substr(i, n));
      i += n;
    } else {
      Append("\xef\xbf\xbd");  // U+FFFD for each byte of a bad sequence
      ++i;
    }
  }
  Append('"');
}

void JsonWriter::Int(int64_t v) {
  BeforeValue();
  char* p = Room(20);  // INT64_MIN has 19 digits and a sign
  len_ = static_cast<size_t>(std::to_chars(p, p + 20, v).ptr - buf_);
}

void JsonWriter::Bool(bool v) {
  BeforeValue();
  Append(v ? std::string_view("true") : std::string_view("false"));
}

void JsonWriter::Null() {
  BeforeValue();
  Append("null");
}

}  // namespace exray
