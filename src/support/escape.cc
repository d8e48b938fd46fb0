#include "support/escape.h"

namespace exray {
namespace {

constexpr char kHex[] = "0123456789abcdef";

void Hex(std::string* s, unsigned char c) {
  s->append("\\x");
  s->push_back(kHex[c >> 4]);
  s->push_back(kHex[c & 15]);
}

/// The length of the UTF-8 sequence led by `c`, 0 if `c` cannot lead one.
size_t LeadLength(unsigned char c) {
  if (c >= 0xc2 && c <= 0xdf) return 2;
  if (c >= 0xe0 && c <= 0xef) return 3;
  if (c >= 0xf0 && c <= 0xf4) return 4;
  return 0;
}

/// The code point of a well-formed sequence (no overlongs, no surrogates, at
/// most U+10FFFF), or -1.
long Decode(std::string_view s) {
  const auto b = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  for (size_t i = 1; i < s.size(); ++i)
    if ((b(i) & 0xc0) != 0x80) return -1;
  long cp;
  switch (s.size()) {
    case 2: cp = ((b(0) & 0x1fL) << 6) | (b(1) & 0x3f); return cp >= 0x80 ? cp : -1;
    case 3:
      cp = ((b(0) & 0x0fL) << 12) | ((b(1) & 0x3fL) << 6) | (b(2) & 0x3f);
      return cp >= 0x800 && (cp < 0xd800 || cp > 0xdfff) ? cp : -1;
    case 4:
      cp = ((b(0) & 0x07L) << 18) | ((b(1) & 0x3fL) << 12) | ((b(2) & 0x3fL) << 6) | (b(3) & 0x3f);
      return cp >= 0x10000 && cp <= 0x10ffff ? cp : -1;
  }
  return -1;
}

bool Hidden(long cp) {
  return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
         cp == 0x200e || cp == 0x200f || cp == 0x061c;
}

}  // namespace

std::string EscapeTerminal(std::string_view in, std::string_view keep) {
  std::string s;
  s.reserve(in.size());
  for (size_t i = 0; i < in.size();) {
    // Printable ASCII, most of any report, is copied a run at a time.
    size_t run = i;
    while (run < in.size() && static_cast<unsigned char>(in[run]) - 0x20u < 0x5fu) ++run;
    if (run > i) {
      s.append(in.data() + i, run - i);
      i = run;
      continue;
    }
    const unsigned char c = static_cast<unsigned char>(in[i]);
    if (c < 0x80) {
      if ((c < 0x20 || c == 0x7f) && keep.find(static_cast<char>(c)) == std::string_view::npos) Hex(&s, c);
      else s.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    const size_t n = LeadLength(c);
    const long cp = n && i + n <= in.size() ? Decode(in.substr(i, n)) : -1;
    if (cp < 0 || Hidden(cp)) {
      // One byte at a time: what follows an invalid lead is looked at again.
      const size_t bad = cp < 0 ? 1 : n;
      for (size_t k = 0; k < bad; ++k) Hex(&s, static_cast<unsigned char>(in[i + k]));
      i += bad;
      continue;
    }
    s.append(in.substr(i, n));
    i += n;
  }
  return s;
}

size_t IncompleteUtf8Tail(std::string_view in) {
  // A lead byte within the last three bytes whose sequence runs past the end.
  for (size_t back = 1; back <= 3 && back <= in.size(); ++back) {
    const unsigned char c = static_cast<unsigned char>(in[in.size() - back]);
    if ((c & 0xc0) == 0x80) continue;  // a continuation byte: look further back
    const size_t n = LeadLength(c);
    return n > back ? back : 0;
  }
  return 0;
}

}  // namespace exray
