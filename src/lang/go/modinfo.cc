#include "lang/go/modinfo.h"

#include <fmt/format.h>

namespace exray::go {

namespace {

int HexVal(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void AppendUtf8(uint32_t r, std::string* out) {
  if (r < 0x80) {
    *out += static_cast<char>(r);
  } else if (r < 0x800) {
    *out += static_cast<char>(0xc0 | (r >> 6));
    *out += static_cast<char>(0x80 | (r & 0x3f));
  } else if (r < 0x10000) {
    *out += static_cast<char>(0xe0 | (r >> 12));
    *out += static_cast<char>(0x80 | ((r >> 6) & 0x3f));
    *out += static_cast<char>(0x80 | (r & 0x3f));
  } else {
    *out += static_cast<char>(0xf0 | (r >> 18));
    *out += static_cast<char>(0x80 | ((r >> 12) & 0x3f));
    *out += static_cast<char>(0x80 | ((r >> 6) & 0x3f));
    *out += static_cast<char>(0x80 | (r & 0x3f));
  }
}

// One escape sequence after the backslash at s[*i] (strconv.UnquoteChar,
// quote '"'); advances *i past it. False on an invalid escape.
bool Escape(std::string_view s, size_t* i, std::string* out) {
  size_t p = *i + 1;  // past the backslash
  if (p >= s.size()) return false;
  char c = s[p++];
  switch (c) {
    case 'a': *out += '\a'; break;
    case 'b': *out += '\b'; break;
    case 'f': *out += '\f'; break;
    case 'n': *out += '\n'; break;
    case 'r': *out += '\r'; break;
    case 't': *out += '\t'; break;
    case 'v': *out += '\v'; break;
    case '\\': *out += '\\'; break;
    case '"': *out += '"'; break;
    case 'x': case 'u': case 'U': {
      size_t n = c == 'x' ? 2 : c == 'u' ? 4 : 8;
      if (s.size() - p < n) return false;
      uint32_t v = 0;
      for (size_t k = 0; k < n; ++k) {
        int h = HexVal(s[p + k]);
        if (h < 0) return false;
        v = v << 4 | static_cast<uint32_t>(h);
      }
      p += n;
      if (c == 'x') {
        *out += static_cast<char>(v);  // a single byte, not a rune
      } else {
        if (v > 0x10ffff || (v >= 0xd800 && v < 0xe000)) return false;  // utf8.ValidRune
        AppendUtf8(v, out);
      }
      break;
    }
    case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
      if (s.size() - p < 2) return false;
      uint32_t v = static_cast<uint32_t>(c - '0');
      for (size_t k = 0; k < 2; ++k) {
        char d = s[p + k];
        if (d < '0' || d > '7') return false;
        v = v << 3 | static_cast<uint32_t>(d - '0');
      }
      if (v > 255) return false;
      p += 2;
      *out += static_cast<char>(v);
      break;
    }
    default:
      return false;
  }
  *i = p;
  return true;
}

// Characters that force quoting of a build key or value (runtime/debug quoteKey/quoteValue).
bool NeedsQuoteKey(std::string_view k) {
  return k.empty() || k.find_first_of("= \t\r\n\"`") != std::string_view::npos;
}
bool NeedsQuoteValue(std::string_view v) { return v.find_first_of(" \t\r\n\"`") != std::string_view::npos; }

std::vector<std::string_view> SplitTabs(std::string_view s) {
  std::vector<std::string_view> parts;
  for (;;) {
    size_t t = s.find('\t');
    parts.push_back(s.substr(0, t));
    if (t == std::string_view::npos) return parts;
    s.remove_prefix(t + 1);
  }
}

}  // namespace

std::optional<std::string> UnquotePrefix(std::string_view s, size_t* consumed) {
  *consumed = 0;
  if (s.empty()) return std::nullopt;
  std::string out;
  if (s[0] == '`') {
    size_t end = s.find('`', 1);
    if (end == std::string_view::npos || end - 1 > kMaxQuoted) return std::nullopt;
    for (char c : s.substr(1, end - 1))
      if (c != '\r') out += c;  // Unquote drops carriage returns from raw strings
    *consumed = end + 1;
    return out;
  }
  if (s[0] != '"') return std::nullopt;
  for (size_t i = 1; i < s.size();) {
    if (out.size() > kMaxQuoted) return std::nullopt;
    char c = s[i];
    if (c == '"') {
      *consumed = i + 1;
      return out;
    }
    if (c == '\n') return std::nullopt;
    if (c == '\\') {
      if (!Escape(s, &i, &out)) return std::nullopt;
      continue;
    }
    out += c;
    ++i;
  }
  return std::nullopt;  // no closing quote
}

std::optional<std::string> Unquote(std::string_view s) {
  size_t n = 0;
  auto v = UnquotePrefix(s, &n);
  if (!v || n != s.size()) return std::nullopt;
  return v;
}

ModInfo ParseModInfo(std::string_view data, Diagnostics* diag) {
  ModInfo mi;
  Dep* last = nullptr;
  size_t line_num = 0;
  auto bad = [&](std::string_view why) { diag->Warn(fmt::format("go modinfo line {}: {}", line_num, why)); };
  auto module = [&](std::string_view rest, Dep* d) {
    std::vector<std::string_view> e = SplitTabs(rest);
    if (e.size() != 2 && e.size() != 3) {
      bad(fmt::format("expected 2 or 3 columns; got {}", e.size()));
      return false;
    }
    d->mod = Module{std::string(e[0]), std::string(e[1]), e.size() == 3 ? std::string(e[2]) : std::string()};
    return true;
  };
  while (!data.empty()) {
    size_t nl = data.find('\n');
    if (nl == std::string_view::npos) break;
    std::string_view line = data.substr(0, nl);
    data.remove_prefix(nl + 1);
    ++line_num;
    if (line.starts_with("path\t")) {
      mi.path = std::string(line.substr(5));
    } else if (line.starts_with("mod\t")) {
      Dep d;
      if (module(line.substr(4), &d)) {
        mi.main = std::move(d);
        last = &*mi.main;
      } else {
        last = nullptr;
      }
    } else if (line.starts_with("dep\t")) {
      Dep d;
      last = nullptr;
      if (module(line.substr(4), &d)) {
        mi.deps.push_back(std::move(d));
        last = &mi.deps.back();
      }
    } else if (line.starts_with("=>\t")) {
      std::vector<std::string_view> e = SplitTabs(line.substr(3));
      if (e.size() != 3) bad(fmt::format("expected 3 columns for replacement; got {}", e.size()));
      else if (!last) bad("replacement with no module on previous line");
      else last->replace = Module{std::string(e[0]), std::string(e[1]), std::string(e[2])};
      last = nullptr;
    } else if (line.starts_with("build\t")) {
      std::string_view kv = line.substr(6);
      std::string key, value;
      std::string_view raw;
      if (kv.empty()) { bad("build line missing '='"); continue; }
      if (kv[0] == '=') { bad("build line with missing key"); continue; }
      if (kv[0] == '"' || kv[0] == '`') {
        size_t n = 0;
        auto k = UnquotePrefix(kv, &n);
        if (!k) { bad("invalid quoted key in build line"); continue; }
        if (n == kv.size() || kv[n] != '=') { bad("build line missing '=' after quoted key"); continue; }
        key = std::move(*k);
        raw = kv.substr(n + 1);
      } else {
        size_t eq = kv.find('=');
        if (eq == std::string_view::npos) { bad("build line missing '=' after key"); continue; }
        key = std::string(kv.substr(0, eq));
        if (NeedsQuoteKey(key)) { bad("unquoted key must be quoted"); continue; }
        raw = kv.substr(eq + 1);
      }
      if (!raw.empty() && (raw[0] == '"' || raw[0] == '`')) {
        auto v = Unquote(raw);
        if (!v) { bad("invalid quoted value in build line"); continue; }
        value = std::move(*v);
      } else {
        if (NeedsQuoteValue(raw)) { bad("unquoted value must be quoted"); continue; }
        value = std::string(raw);
      }
      mi.settings.emplace_back(std::move(key), std::move(value));
    }
  }
  return mi;
}

}  // namespace exray::go
