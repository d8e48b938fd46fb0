// Text and JSON views of `exray go FILE --listing LOG`.
#include "report/go_listing.h"

#include <fmt/format.h>

#include <cstdint>

#include "report/json_writer.h"
#include "report/safe.h"

namespace exray {
namespace {

std::string ListedFrame(const go::ListingFunction& f) {
  if (!f.frame) return f.args ? fmt::format("args={:#x}", *f.args) : "-";
  return f.text_args ? fmt::format("${}-{}", *f.frame, *f.text_args) : fmt::format("${}", *f.frame);
}

std::string BinaryFrame(const ListingMatch& m) {
  if (!m.found) return "-";
  return fmt::format("${}-{}", m.binary_frame ? std::to_string(*m.binary_frame) : "?",
                     m.binary_args == INT32_MIN ? "?" : std::to_string(m.binary_args));
}

std::string Check(const ListingMatch& m) {
  const go::ListingFunction& f = *m.listed;
  std::string listed = f.check_offset ? fmt::format("+{:#x}", *f.check_offset) : "-";
  std::string bin = !m.found                            ? "-"
                    : m.check == StackCheck::kPresent ? fmt::format("+{:#x}", *m.check_offset)
                    : m.check == StackCheck::kAbsent  ? "-"
                                                      : "?";
  return listed + "/" + bin;
}

void Int64(JsonWriter& w, std::string_view k, const std::optional<int64_t>& v) {
  w.Key(k);
  if (v) w.Int(*v);
  else w.Null();
}

}  // namespace

void GoListingToText(const GoListingReport& r, std::ostream& out) {
  const go::Listing& l = *r.listing;
  const ListingComparison& c = *r.comparison;
  std::string s = fmt::format("{}: listing {}: {} lines, {} functions declared\n", Safe(r.path),
                              Safe(r.listing_path), l.lines, c.listed);
  s += fmt::format("  formats   {}\n", c.formats.empty() ? "none" : c.formats);
  s += fmt::format("  go        {}\n", Safe(c.version));
  if (!c.placeholder_package.empty())
    s += fmt::format("  packages  placeholder names read as {} ({})\n", Safe(c.placeholder_package),
                     Safe(c.placeholder_reason));
  if (l.long_lines || l.other_lines)
    s += fmt::format("  skipped   {} lines of no listing shape, {} over the length limit\n", l.other_lines,
                     l.long_lines);
  s += fmt::format("  {:>10} {:>6} {:>6} {:<2} {:<11} {:<13} {:<13} {:<7} {:<15} {}\n", "address", "size", "bytes",
                   "ok", "abi", "frame-args", "binary", "nosplit", "check", "function");
  for (const ListingMatch& m : c.functions) {
    const go::ListingFunction& f = *m.listed;
    const std::string ok = !m.found ? "-" : !m.size_agrees ? "?" : *m.size_agrees ? "=" : "!=";
    s += fmt::format("  {:>10} {:>6} {:>6} {:<2} {:<11} {:<13} {:<13} {:<7} {:<15} {}",
                     m.found ? fmt::format("{:#x}", m.entry) : "-", f.size ? std::to_string(*f.size) : "-",
                     m.found ? std::to_string(m.end - m.entry) : "-", ok, go::ListingAbiName(f.abi),
                     ListedFrame(f), BinaryFrame(m), f.nosplit ? "nosplit" : "-", Check(m), Safe(m.name));
    if (!m.found && !m.not_found_note.empty()) s += fmt::format("  not in the binary ({})", Safe(m.not_found_note));
    else if (!m.found) s += "  not in the binary (dead-code eliminated or inlined)";
    else if (m.binary_name != m.name) s += fmt::format("  (pclntab: {})", Safe(m.binary_name));
    if (m.found && m.matched_by != "name" && m.matched_by != "symbol table")
      s += fmt::format("  [matched by {}]", m.matched_by);
    if (m.declarations > 1) s += fmt::format("  [declared {} times]", m.declarations);
    s += '\n';
    for (const std::string& d : m.disagreements) s += fmt::format("  {:>10} ! {}\n", "", Safe(d));
    if (s.size() > (64 << 10)) out << s, s.clear();
  }
  if (!c.unlisted.empty()) {
    s += fmt::format("in the binary, not in the listing ({} of the packages {}):\n", c.unlisted.size(),
                     Safe(fmt::format("{}", fmt::join(c.packages, ", "))));
    for (const go::Function* f : c.unlisted) {
      s += fmt::format("  {:>#10x} {:>6} {}\n", f->entry, f->end - f->entry, Safe(f->name));
      if (s.size() > (64 << 10)) out << s, s.clear();
    }
  }
  s += fmt::format(
      "summary: {} listed, {} found, {} size agrees, {} size differs, {} not found (dead-code eliminated or "
      "inlined); {} stack-check disagreements; {} in the binary not listed\n",
      c.listed, c.found, c.size_agree, c.size_differ, c.not_found, c.check_disagree, c.unlisted.size());
  for (const std::string& n : c.notes) s += fmt::format("note: {}\n", Safe(n));
  out << s;
}

void GoListingToJson(const GoListingReport& r, int indent, std::ostream& out) {
  const go::Listing& l = *r.listing;
  const ListingComparison& c = *r.comparison;
  JsonWriter w(indent);
  w.SetSink(&out);
  w.BeginObject();
  w.Field("path", r.path);
  w.Key("listing");
  w.BeginObject();
  w.Field("path", r.listing_path);
  w.Field("lines", l.lines);
  w.Field("formats", c.formats);
  w.Field("go_version", l.go_version.empty() ? std::optional<std::string>() : l.go_version);
  w.Field("version_note", c.version);
  w.Field("package_lines", l.packages);
  w.Key("placeholder");
  if (c.placeholder_package.empty()) {
    w.Null();
  } else {
    w.BeginObject();
    w.Field("package", c.placeholder_package);
    w.Field("reason", c.placeholder_reason);
    w.EndObject();
  }
  w.Field("other_lines", l.other_lines);
  w.Field("long_lines", l.long_lines);
  w.Field("truncated", l.truncated);
  w.EndObject();
  w.Field("arch", c.arch.empty() ? std::optional<std::string>() : c.arch);
  w.Field("packages", c.packages);
  w.Key("functions");
  w.BeginArray();
  for (const ListingMatch& m : c.functions) {
    const go::ListingFunction& f = *m.listed;
    w.BeginObject();
    w.Field("name", m.name);
    w.Field("listed_name", f.name);
    w.Field("line", f.line);
    w.Field("declarations", uint64_t{m.declarations});
    w.Field("abi", go::ListingAbiName(f.abi));
    w.Field("flags", f.flags);
    w.Field("nosplit", f.nosplit);
    w.Field("wrapper", f.wrapper);
    w.Field("size", f.size);
    w.Field("args", f.args);
    w.Field("locals", f.locals);
    Int64(w, "frame", f.frame);
    Int64(w, "text_args", f.text_args);
    w.Field("listing_check", f.check_offset);
    w.Field("found", m.found);
    w.Key("binary");
    if (!m.found) {
      w.Null();
    } else {
      w.BeginObject();
      w.Field("name", m.binary_name);
      w.Field("entry", m.entry);
      w.Field("end", m.end);
      w.Field("matched_by", m.matched_by);
      w.Field("candidates", uint64_t{m.candidates});
      w.Field("size_agrees", m.size_agrees);
      w.Key("args");
      w.Int(m.binary_args);
      Int64(w, "frame", m.binary_frame ? std::optional<int64_t>(*m.binary_frame) : std::nullopt);
      w.Field("frame_agrees", m.frame_agrees);
      w.Field("stack_check", StackCheckName(m.check));
      w.Field("check_offset", m.check_offset);
      w.EndObject();
    }
    w.Field("not_found_note", m.not_found_note.empty() ? std::optional<std::string>() : m.not_found_note);
    w.Field("disagreements", m.disagreements);
    w.EndObject();
  }
  w.EndArray();
  w.Key("unlisted");
  w.BeginArray();
  for (const go::Function* f : c.unlisted) {
    w.BeginObject();
    w.Field("name", f->name);
    w.Field("entry", f->entry);
    w.Field("end", f->end);
    w.EndObject();
  }
  w.EndArray();
  w.Key("summary");
  w.BeginObject();
  w.Field("listed", c.listed);
  w.Field("found", c.found);
  w.Field("size_agrees", c.size_agree);
  w.Field("size_differs", c.size_differ);
  w.Field("not_found", c.not_found);
  w.Field("stack_check_disagreements", c.check_disagree);
  w.Field("unlisted", uint64_t{c.unlisted.size()});
  w.EndObject();
  w.Field("notes", c.notes);
  w.Field("warnings", r.warnings ? *r.warnings : std::vector<std::string>{});
  w.EndObject();
  w.Flush();
  out << '\n';
}

}  // namespace exray
