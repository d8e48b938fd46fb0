// `exray go FILE --runtime`: the runtime's structure layouts and globals, as
// text and as JSON (docs/go.md).
#include "report/go_runtime.h"

#include <fmt/format.h>

#include "report/json_writer.h"
#include "report/safe.h"

namespace exray {

void GoRuntimeToText(const GoRuntimeReport& r, std::ostream& out) {
  const go::RuntimeLayout& l = r.layout;
  std::string s = fmt::format("{}: {}\n", Safe(r.path), r.version.empty() ? "Go version unknown" : Safe(r.version));
  if (l.source == "dwarf") s += "runtime layout: from the binary's DWARF\n";
  else if (l.source == "table") s += fmt::format("runtime layout: from exray's table for {}\n", Safe(l.table_range));
  else s += "runtime layout: none\n";
  for (const go::RuntimeStruct& st : l.structs) {
    s += fmt::format("\n{}  size {}\n", Safe(st.name), st.size);
    for (const go::RuntimeField& f : st.fields)
      s += fmt::format("  {:>6}  {:<14} {:>5}  {}\n", f.offset, Safe(f.name),
                       f.size ? fmt::format("{}", *f.size) : std::string("?"), Safe(f.type));
  }
  s += "\nglobals:\n";
  for (const go::RuntimeGlobal& g : l.globals) {
    if (g.address)
      s += fmt::format("  {:#x}  {:>6}  {}{}\n", *g.address, g.size.value_or(0), Safe(g.name),
                       g.how.empty() || g.how == "symbol" ? std::string() : fmt::format("  ({})", Safe(g.how)));
    else s += fmt::format("  {:>18}  {:>6}  {}\n", "not found", "", Safe(g.name));
  }
  for (const std::string& n : l.notes) s += fmt::format("note: {}\n", Safe(n));
  for (const std::string& w : r.warnings) s += fmt::format("warning: {}\n", Safe(w));
  out << s;
}

void GoRuntimeToJson(const GoRuntimeReport& r, int indent, std::ostream& out) {
  const go::RuntimeLayout& l = r.layout;
  JsonWriter w(indent);
  w.BeginObject();
  w.Field("path", r.path);
  w.Key("go");
  if (r.version.empty()) w.Null();
  else w.String(r.version);
  w.Key("runtime");
  w.BeginObject();
  w.Key("source");
  if (l.source.empty()) w.Null();
  else w.String(l.source);
  w.Key("table_range");
  if (l.table_range.empty()) w.Null();
  else w.String(l.table_range);
  w.Key("structs");
  w.BeginArray();
  for (const go::RuntimeStruct& st : l.structs) {
    w.BeginObject();
    w.Field("name", st.name);
    w.Field("size", st.size);
    w.Key("fields");
    w.BeginArray();
    for (const go::RuntimeField& f : st.fields) {
      w.BeginObject();
      w.Field("name", f.name);
      w.Field("offset", f.offset);
      if (f.size) w.Field("size", *f.size);
      w.Field("type", f.type);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.Key("globals");
  w.BeginArray();
  for (const go::RuntimeGlobal& g : l.globals) {
    w.BeginObject();
    w.Field("name", g.name);
    if (g.address) {
      w.Field("address", *g.address);
      w.Field("size", g.size.value_or(0));
      w.Field("how", g.how);
    } else {
      w.Field("found", false);
    }
    w.EndObject();
  }
  w.EndArray();
  w.Key("notes");
  w.BeginArray();
  for (const std::string& n : l.notes) w.String(n);
  w.EndArray();
  w.EndObject();
  w.Key("warnings");
  w.BeginArray();
  for (const std::string& s : r.warnings) w.String(s);
  w.EndArray();
  w.EndObject();
  out << w.Take() << '\n';
}

}  // namespace exray
