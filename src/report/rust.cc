// Views of the Rust facts: the report's rust object and `exray rust`'s output.
#include <fmt/format.h>

#include "report/report.h"
#include "report/rust_json.h"
#include "report/safe.h"

namespace exray {

namespace {

void OptString(JsonWriter& w, std::string_view key, const std::string& v) {
  w.Key(key);
  if (v.empty()) w.Null();
  else w.String(v);
}

}  // namespace

void WriteRustFacts(JsonWriter& w, const RustFacts& r) {
  w.BeginObject();
  OptString(w, "version", r.version);
  OptString(w, "version_from", r.version_from);
  OptString(w, "commit", r.commit);
  w.Key("crates");
  w.BeginArray();
  for (const RustCrate& c : r.crates) {
    w.BeginObject();
    w.Field("name", c.name);
    w.Field("version", c.version);
    w.Field("source", c.source);
    OptString(w, "kind", c.kind);
    w.Field("from", c.from);
    w.EndObject();
  }
  w.EndArray();
  w.Field("crates_capped", r.crates_capped);
  w.Field("paths_scanned", r.paths_scanned);
  w.Key("dep_v0");
  if (r.dep_v0) {
    const RustDepV0& d = *r.dep_v0;
    w.BeginObject();
    w.Field("bytes", d.bytes);
    w.Key("packages");
    if (d.packages) w.Uint(*d.packages);
    else w.Null();
    w.Field("format", d.format);
    OptString(w, "error", d.error);
    w.Field("where", d.where);
    w.EndObject();
  } else {
    w.Null();
  }
  w.EndObject();
}

std::string RustToJson(std::string_view path, const RustFacts& r, int indent) {
  JsonWriter w(indent);
  w.BeginObject();
  w.Field("path", path);
  w.Key("rust");
  WriteRustFacts(w, r);
  w.EndObject();
  return w.Take();
}

std::string RustSummary(const RustFacts& r) {
  std::string s = r.version.empty() ? "rustc version unknown" : "rustc " + r.version;
  if (r.version.empty() && !r.commit.empty()) s += " (commit " + r.commit.substr(0, 9) + ")";
  const bool dep = !r.crates.empty() && r.crates.front().from == "dep-v0";
  if (r.crates.empty() && !r.paths_scanned) {
    s += " · crates: see exray rust (its paths are read there)";
  } else {
    s += fmt::format(" · {}{} crates", r.crates.size(), r.crates_capped ? "+" : "");
    if (!r.crates.empty()) s += dep ? " (from .dep-v0)" : " (from paths)";
  }
  if (r.dep_v0 && !r.dep_v0->error.empty()) s += " · .dep-v0 unreadable";
  return s;
}

std::string RustToText(std::string_view path, const RustFacts& r) {
  std::string s = fmt::format("{}: {}\n", Safe(path), Safe(RustSummary(r)));
  if (!r.version_from.empty()) s += fmt::format("\tversion from\t{}\n", r.version_from);
  if (!r.commit.empty()) s += fmt::format("\trustc commit\t{}\n", r.commit);
  if (r.dep_v0) {
    if (r.dep_v0->error.empty())
      s += fmt::format("\t.dep-v0\t{} packages, format {}, {} bytes\n", r.dep_v0->packages.value_or(0),
                       r.dep_v0->format, r.dep_v0->bytes);
    else
      s += fmt::format("\t.dep-v0\tunreadable: {}\n", Safe(r.dep_v0->error));
  }
  for (const RustCrate& c : r.crates)
    s += fmt::format("\tcrate\t{}\t{}\t{}\t{}\n", Safe(c.name), Safe(c.version),
                     Safe(c.kind.empty() || c.kind == "runtime" ? c.source : c.source + "," + c.kind), c.from);
  if (r.crates_capped) s += "\t(more crates not listed: cap reached)\n";
  return s;
}

}  // namespace exray
