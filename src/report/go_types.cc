// `exray go FILE --types` and `--type NAME`: the type descriptors and itabs
// a Go binary carries, as text and as JSON (docs/go.md, docs/json.md).
#include "report/go_types.h"

#include <algorithm>

#include <fmt/format.h>

#include "report/json_writer.h"
#include "report/safe.h"

namespace exray {
namespace {

uint64_t NamedCount(const go::TypeSet& s) {
  return static_cast<uint64_t>(std::count_if(s.types.begin(), s.types.end(), [](const go::GoType& t) { return t.named; }));
}

std::string RegionText(const GoTypesReport& r) {
  const go::TypeTables& tt = r.tables;
  if (tt.contiguous())
    return fmt::format("type region {:#x}-{:#x}: {} bytes of descriptors, itabs at {:#x}", tt.types, tt.etypes,
                       tt.typedesclen, tt.types + tt.itaboffset);
  return fmt::format("types {:#x}-{:#x}, {} typelinks, {} itablinks", tt.types, tt.etypes, tt.ntypelinks,
                     tt.nitablinks);
}

void Header(const GoTypesReport& r, std::string& s) {
  const go::TypeSet& set = r.set;
  s += fmt::format("{}: {}\n", Safe(r.path), r.version.empty() ? "Go version unknown" : Safe(r.version));
  s += fmt::format("types: {} descriptors ({} named) from {}{}; {} itabs\n", set.types.size(), NamedCount(set),
                   go::TypeSourceName(set.source),
                   fmt::format(" ({} roots)", set.roots),
                   set.itabs.size());
  s += fmt::format("where: {}\n", RegionText(r));
}

const go::TypeMembers kNoMembers;

// The members ReadTypeDetail kept, or none.
const go::TypeMembers& MembersOf(const go::GoType& t) { return t.members ? *t.members : kNoMembers; }

void TypeDetail(const go::TypeSet& set, const go::GoType& t, std::string& s) {
  const go::TypeMembers& mem = MembersOf(t);
  s += fmt::format("{}: {}, size {}, align {}, field align {}{}, descriptor at {:#x}\n", Safe(t.name),
                   go::KindName(t.kind), t.size, t.align, t.field_align,
                   t.pkg_path.empty() ? std::string() : ", package " + Safe(t.pkg_path), t.addr);
  if (mem.elem) s += fmt::format("  elem: {}\n", Safe(set.NameOf(mem.elem)));
  if (mem.key) s += fmt::format("  key: {}\n", Safe(set.NameOf(mem.key)));
  if (t.kind == go::kKindArray) s += fmt::format("  len: {}\n", mem.len);
  if (t.kind == go::kKindChan) s += fmt::format("  dir: {}\n", mem.chan_dir == 1 ? "recv" : mem.chan_dir == 2 ? "send" : "both");
  if (t.kind == go::kKindFunc) {
    for (uint64_t a : mem.in) s += fmt::format("  in: {}\n", Safe(set.NameOf(a)));
    for (uint64_t a : mem.out) s += fmt::format("  out: {}\n", Safe(set.NameOf(a)));
    if (mem.variadic) s += "  variadic\n";
  }
  if (!mem.fields.empty()) {
    s += fmt::format("  fields ({}):\n", mem.fields.size());
    for (const go::TypeField& f : mem.fields)
      s += fmt::format("    {:>6}  {}  {}{}{}\n", f.offset, Safe(f.name), Safe(set.NameOf(f.type)),
                       f.embedded ? "  embedded" : "", f.tag.empty() ? std::string() : "  `" + Safe(f.tag) + "`");
  }
  if (!mem.method_list.empty()) {
    s += t.kind == go::kKindInterface ? fmt::format("  methods ({}):\n", mem.method_list.size())
                                      : fmt::format("  methods ({}, {} exported):\n", t.methods, t.exported_methods);
    for (const go::TypeMethod& m : mem.method_list) {
      s += fmt::format("    {}  {}", Safe(m.name), m.type ? Safe(set.NameOf(m.type)) : std::string("(type dropped)"));
      if (t.kind != go::kKindInterface) {
        if (m.ifn || m.tfn) s += fmt::format("  ifn {:#x} tfn {:#x}", m.ifn, m.tfn);
        else s += "  (code not kept for reflection)";
      }
      s += '\n';
    }
  }
}

void TypeJson(const go::TypeSet& set, const go::GoType& t, bool detail, JsonWriter& w) {
  w.BeginObject();
  w.Field("address", t.addr);
  w.Field("name", t.name);
  w.Field("package", t.pkg_path);
  w.Field("kind", go::KindName(t.kind));
  w.Field("size", t.size);
  w.Field("align", t.align);
  w.Field("field_align", t.field_align);
  w.Field("named", t.named);
  w.Field("methods", t.methods);
  w.Field("exported_methods", t.exported_methods);
  if (detail) {
    const go::TypeMembers& mem = MembersOf(t);
    auto ref = [&](std::string_view key, uint64_t a) {
      if (!a) return;
      w.Key(key);
      w.String(set.NameOf(a));
    };
    ref("elem", mem.elem);
    ref("key", mem.key);
    if (t.kind == go::kKindArray) w.Field("len", mem.len);
    if (t.kind == go::kKindChan) w.Field("dir", mem.chan_dir);
    if (t.kind == go::kKindFunc) {
      for (auto [key, list] : {std::pair{"in", &mem.in}, std::pair{"out", &mem.out}}) {
        w.Key(key);
        w.BeginArray();
        for (uint64_t a : *list) w.String(set.NameOf(a));
        w.EndArray();
      }
      w.Field("variadic", mem.variadic);
    }
    if (t.kind == go::kKindStruct) {
      w.Key("fields");
      w.BeginArray();
      for (const go::TypeField& f : mem.fields) {
        w.BeginObject();
        w.Field("name", f.name);
        w.Field("type", set.NameOf(f.type));
        w.Field("offset", f.offset);
        w.Field("embedded", f.embedded);
        w.Field("tag", f.tag);
        w.EndObject();
      }
      w.EndArray();
    }
    w.Key("method_list");
    w.BeginArray();
    for (const go::TypeMethod& m : mem.method_list) {
      w.BeginObject();
      w.Field("name", m.name);
      w.Key("type");
      if (m.type) w.String(set.NameOf(m.type));
      else w.Null();
      w.Field("exported", m.exported);
      if (t.kind != go::kKindInterface) {
        w.Key("ifn");
        if (m.ifn) w.Uint(m.ifn);
        else w.Null();
        w.Key("tfn");
        if (m.tfn) w.Uint(m.tfn);
        else w.Null();
      }
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
}

}  // namespace

std::vector<const go::GoType*> FindTypesByName(const go::TypeSet& set, std::string_view name) {
  std::vector<const go::GoType*> out;
  for (const go::GoType& t : set.types)
    if (t.name == name) out.push_back(&t);
  return out;
}

void GoTypesToText(const GoTypesReport& r, std::ostream& out) {
  std::string s;
  Header(r, s);
  const go::TypeSet& set = r.set;
  if (!r.type_name.empty()) {
    std::vector<const go::GoType*> found = FindTypesByName(set, r.type_name);
    if (found.empty()) s += fmt::format("no type named {}\n", Safe(r.type_name));
    for (const go::GoType* t : found) TypeDetail(set, *t, s);
  } else {
    s += fmt::format("named types ({}; the {} unnamed ones, pointers, slices, maps, funcs and the like, are in --json):\n",
                     NamedCount(set), set.types.size() - NamedCount(set));
    s += fmt::format("  {:<10} {:>8} {:>5} {:>7}  {}  ({})\n", "KIND", "SIZE", "ALIGN", "METHODS", "TYPE", "PACKAGE");
    std::vector<const go::GoType*> named;
    for (const go::GoType& t : set.types)
      if (t.named) named.push_back(&t);
    std::stable_sort(named.begin(), named.end(), [](auto* a, auto* b) { return a->name < b->name; });
    for (const go::GoType* t : named) {
      s += fmt::format("  {:<10} {:>8} {:>5} {:>7}  {}  ({})\n", go::KindName(t->kind), t->size, t->align,
                       t->methods, Safe(t->name), Safe(t->pkg_path));
      if (s.size() > (64 << 10)) out << s, s.clear();
    }
    s += fmt::format("itabs ({}): interface <- concrete type\n", set.itabs.size());
    for (const go::Itab& it : set.itabs) {
      s += fmt::format("  {} <- {}\n", Safe(set.NameOf(it.inter)), Safe(set.NameOf(it.type)));
      if (s.size() > (64 << 10)) out << s, s.clear();
    }
  }
  for (const std::string& wn : r.warnings) s += fmt::format("warning: {}\n", Safe(wn));
  out << s;
}

void GoTypesToJson(const GoTypesReport& r, int indent, std::ostream& out) {
  JsonWriter w(indent);
  w.SetSink(&out);
  const go::TypeSet& set = r.set;
  const go::TypeTables& tt = r.tables;
  w.BeginObject();
  w.Field("path", r.path);
  w.Key("go");
  if (r.version.empty()) w.Null();
  else w.String(r.version);
  w.Key("types");
  w.BeginObject();
  w.Field("source", set.source == go::TypeSource::kLinks ? "links" : "contiguous");
  w.Field("complete", set.complete);
  w.Field("count", static_cast<uint64_t>(set.types.size()));
  w.Field("named", NamedCount(set));
  w.Key("region");
  w.BeginObject();
  w.Field("types", tt.types);
  w.Field("etypes", tt.etypes);
  if (tt.contiguous()) {
    w.Field("typedesclen", tt.typedesclen);
    w.Field("itaboffset", tt.itaboffset);
    w.Field("itabsize", tt.itabsize);
  } else {
    w.Field("typelinks", tt.ntypelinks);
    w.Field("itablinks", tt.nitablinks);
  }
  w.EndObject();
  w.Key("list");
  w.BeginArray();
  if (!r.type_name.empty()) {
    for (const go::GoType* t : FindTypesByName(set, r.type_name)) TypeJson(set, *t, true, w);
  } else {
    constexpr size_t kAhead = 8;
    const std::vector<go::GoType>& types = set.types;
    for (size_t i = 0; i < types.size(); ++i) {
      // The names lie apart from the descriptors, scattered over megabytes:
      // asking for those a few entries ahead hides most of each cache miss.
      if (i + kAhead < types.size()) {
        __builtin_prefetch(types[i + kAhead].name.data());
        __builtin_prefetch(types[i + kAhead].pkg_path.data());
      }
      TypeJson(set, types[i], false, w);
    }
  }
  w.EndArray();
  w.EndObject();
  w.Key("itabs");
  w.BeginObject();
  w.Field("count", static_cast<uint64_t>(set.itabs.size()));
  w.Key("list");
  w.BeginArray();
  if (r.type_name.empty())
    for (const go::Itab& it : set.itabs) {
      w.BeginObject();
      w.Field("address", it.addr);
      w.Field("interface", set.NameOf(it.inter));
      w.Field("type", set.NameOf(it.type));
      w.EndObject();
    }
  w.EndArray();
  w.EndObject();
  w.Field("warnings", r.warnings);
  w.EndObject();
  w.Flush();
  out << '\n';
}

}  // namespace exray
