// Reads cargo-auditable's `.dep-v0` data: inflate with a cap, refuse deep
// nesting, then decode and validate the package list.
#include "lang/rust/auditable.h"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <nlohmann/json.hpp>

namespace exray::rust {

Result<std::string> InflateZlib(ByteView in, uint64_t max_out) {
  z_stream zs{};
  if (inflateInit(&zs) != Z_OK) return MakeError("zlib: cannot initialise the inflater");
  std::string out;
  // zlib counts in 32-bit units: feed the input and take the output in pieces.
  constexpr uint64_t kInChunk = uint64_t{1} << 30;
  constexpr uint64_t kOutChunk = uint64_t{64} << 10;
  uint64_t consumed = 0;
  int rc = Z_OK;
  uint8_t buf[kOutChunk];
  // Each turn either consumes input or produces output, or stops: the loop
  // ends after at most (input + max_out) / 1 turns, in practice far fewer.
  for (;;) {
    if (zs.avail_in == 0 && consumed < in.size()) {
      const uint64_t n = std::min(kInChunk, in.size() - consumed);
      ByteView part = in.Sub(consumed, n);
      zs.next_in = const_cast<Bytef*>(part.data());  // zlib's API is not const; it does not write
      zs.avail_in = static_cast<uInt>(n);
      consumed += n;
    }
    zs.next_out = buf;
    zs.avail_out = static_cast<uInt>(sizeof buf);
    rc = inflate(&zs, Z_NO_FLUSH);
    const uint64_t produced = sizeof buf - zs.avail_out;
    if (produced > max_out - out.size()) {
      inflateEnd(&zs);
      return MakeError(fmt::format("inflates to more than the {} MiB limit", max_out >> 20));
    }
    out.append(reinterpret_cast<const char*>(buf), produced);
    if (rc == Z_STREAM_END) break;
    if (rc == Z_BUF_ERROR && zs.avail_in == 0 && consumed == in.size()) {
      inflateEnd(&zs);
      return MakeError(fmt::format("zlib stream ends early after {} bytes of input", in.size()));
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      std::string msg = zs.msg ? zs.msg : fmt::format("error {}", rc);
      inflateEnd(&zs);
      return MakeError(fmt::format("zlib: {} at input byte {}", msg, zs.total_in));
    }
    if (rc == Z_BUF_ERROR && produced == 0 && zs.avail_in != 0) {
      inflateEnd(&zs);
      return MakeError("zlib: no progress");
    }
  }
  inflateEnd(&zs);
  return out;
}

bool JsonNestsDeeperThan(std::string_view json, int max_depth) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (char c : json) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '[' || c == '{') {
      if (++depth > max_depth) return true;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return false;
}

namespace {

// A string field, required or optional; an error message when it is there but not a string.
std::optional<std::string> StringField(const nlohmann::json& obj, const char* key, size_t i, bool required,
                                       std::string* err) {
  auto it = obj.find(key);
  if (it == obj.end()) {
    if (required) *err = fmt::format("package {}: no \"{}\"", i, key);
    return std::nullopt;
  }
  if (!it->is_string()) {
    *err = fmt::format("package {}: \"{}\" is not a string", i, key);
    return std::nullopt;
  }
  return it->get_ref<const std::string&>();
}

}  // namespace

Result<AuditableInfo> ParseDepV0(ByteView section) {
  if (section.empty()) return MakeError("empty section");
  auto json_or = InflateZlib(section, kMaxDepV0Json);
  if (!json_or) return json_or.error();
  const std::string& text = *json_or;
  // A crafted "[[[[..." of a few MiB would exhaust the stack wherever
  // nlohmann::json recurses per level (dump(), older parsers): depth is
  // measured first, so no such document ever exists.
  if (JsonNestsDeeperThan(text, kMaxJsonDepth))
    return MakeError(fmt::format("JSON nests deeper than {} levels", kMaxJsonDepth));
  nlohmann::json doc = nlohmann::json::parse(text, /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return MakeError("not valid JSON");
  if (!doc.is_object()) return MakeError("JSON is not an object");
  auto pk = doc.find("packages");
  if (pk == doc.end() || !pk->is_array()) return MakeError("no \"packages\" array");

  AuditableInfo info;
  info.json_bytes = text.size();
  if (auto fm = doc.find("format"); fm != doc.end()) {
    if (!fm->is_number_unsigned() || fm->get<uint64_t>() > UINT32_MAX)
      return MakeError("\"format\" is not an unsigned 32-bit integer");
    info.format = static_cast<uint32_t>(fm->get<uint64_t>());
  }
  const size_t n = pk->size();
  info.packages.reserve(n);  // bounded: every element took bytes of the capped JSON
  size_t roots = 0;
  for (size_t i = 0; i < n; ++i) {
    const nlohmann::json& p = (*pk)[i];
    if (!p.is_object()) return MakeError(fmt::format("package {}: not an object", i));
    AuditablePackage out;
    std::string err;
    auto name = StringField(p, "name", i, true, &err);
    auto version = StringField(p, "version", i, true, &err);
    auto source = StringField(p, "source", i, true, &err);
    auto kind = StringField(p, "kind", i, false, &err);
    if (!err.empty()) return MakeError(err);
    out.name = std::move(*name), out.version = std::move(*version), out.source = std::move(*source);
    if (kind) {
      if (*kind != "build" && *kind != "runtime")
        return MakeError(fmt::format("package {} ({}): unknown kind \"{}\"", i, out.name, *kind));
      out.kind = *kind;
    }
    if (auto r = p.find("root"); r != p.end()) {
      if (!r->is_boolean()) return MakeError(fmt::format("package {} ({}): \"root\" is not a boolean", i, out.name));
      out.root = r->get<bool>();
      roots += out.root;
    }
    if (auto d = p.find("dependencies"); d != p.end()) {
      if (!d->is_array())
        return MakeError(fmt::format("package {} ({}): \"dependencies\" is not an array", i, out.name));
      out.dependencies.reserve(d->size());
      for (const nlohmann::json& x : *d) {
        // An index must name another package of this list (auditable-serde's validation).
        if (!x.is_number_unsigned() || x.get<uint64_t>() >= n)
          return MakeError(fmt::format("package {} ({}): dependency {} is not an index below {}", i, out.name,
                                       x.is_number() ? x.dump() : std::string(x.type_name()), n));
        out.dependencies.push_back(x.get<uint64_t>());
      }
    }
    info.packages.push_back(std::move(out));
  }
  if (roots > 1) return MakeError(fmt::format("{} root packages; there is at most one", roots));
  return info;
}

}  // namespace exray::rust
