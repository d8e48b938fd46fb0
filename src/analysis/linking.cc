#include <fmt/format.h>

#include <charconv>

#include "analysis/elf_facts.h"
#include "formats/elf/parser.h"
#include "formats/elf/raw.h"

namespace exray {

using namespace elf;

int CompareGlibcVersions(std::string_view a, std::string_view b) {
  // "GLIBC_2.3.4" compares by its numeric parts; non-numeric parts compare as 0.
  auto parts = [](std::string_view s) {
    std::vector<unsigned> v;
    size_t us = s.find('_');
    s = us == std::string_view::npos ? s : s.substr(us + 1);
    while (!s.empty() && v.size() < 8) {
      unsigned n = 0;
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
      v.push_back(ec == std::errc() ? n : 0);
      size_t dot = s.find('.');
      if (dot == std::string_view::npos) break;
      s.remove_prefix(dot + 1);
    }
    return v;
  };
  auto pa = parts(a), pb = parts(b);
  for (size_t i = 0; i < std::max(pa.size(), pb.size()); ++i) {
    unsigned x = i < pa.size() ? pa[i] : 0, y = i < pb.size() ? pb[i] : 0;
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

namespace {
std::string SegWhere(const File& f, uint32_t type) {
  for (size_t i = 0; i < f.segments.size(); ++i)
    if (f.segments[i].type == type) return fmt::format("PT_{} (segment {}, offset {:#x})", SegmentTypeName(type), i, f.segments[i].offset);
  return SegmentTypeName(type);
}
}  // namespace

void AnalyzeLinking(const File& f, Analysis* a) {
  const bool interp = f.interpreter.has_value();
  const bool dyn = f.has_dynamic;
  const bool pie_flag = f.dt_flags_1 & DF_1_PIE;
  const uint16_t type = f.header.type;

  a->evidence.push_back({"linking.interp", "names a program interpreter (dynamic loader)", interp, Strength::kStructure,
                         interp ? SegWhere(f, PT_INTERP) : "no PT_INTERP segment",
                         interp ? std::string(*f.interpreter) : ""});
  a->evidence.push_back({"linking.dynamic", "has a dynamic table", dyn, Strength::kStructure,
                         dyn ? std::string(f.dynamic_from) : "no PT_DYNAMIC segment",
                         dyn ? fmt::format("{} entries, {} DT_NEEDED", f.dynamic.size(), f.needed.size()) : ""});

  if (type == ET_EXEC) {
    a->linking = (interp || dyn) ? Linking("dynamic") : Linking("static");
  } else if (type == ET_DYN) {
    if (interp) a->linking = "dynamic";
    else if (pie_flag) a->linking = "static-pie";
    else if (dyn) a->linking = "dynamic";  // a shared library
    else a->linking = "static-pie";        // self-relocating without DT_FLAGS_1 (rare; old toolchains)
  } else {
    a->linking = "none";
  }
  // PIE: an ET_DYN executable. DF_1_PIE is set by GNU ld and lld for -pie;
  // without it, an ET_DYN with PT_INTERP and no DT_SONAME is one too.
  a->pie = type == ET_DYN && (pie_flag || (interp && !f.soname) || a->linking == "static-pie");
  a->evidence.push_back({"linking.pie", "is a position-independent executable", a->pie, Strength::kStructure,
                         fmt::format("e_type {}{}", TypeName(type), pie_flag ? ", DT_FLAGS_1 PIE" : ""),
                         f.soname ? fmt::format("DT_SONAME {}", *f.soname) : ""});

  // Stripped: no .symtab (the static symbol table). Debug info: .debug_* or .zdebug_*.
  a->stripped = !f.symtab.present;
  a->evidence.push_back({"symbols.symtab", "has a static symbol table", f.symtab.present, Strength::kStructure,
                         f.symtab.present ? fmt::format("section {} {}", f.symtab.section_index, f.symtab.section_name)
                                          : "no SHT_SYMTAB section",
                         f.symtab.present ? fmt::format("{} entries", f.symtab.count) : ""});
  // .debug_gdb_scripts is a GDB script to auto-load (rustc adds one), not
  // debug information; nor is an empty or SHT_NOBITS .debug_* section (what
  // `strip --only-keep-debug` leaves of the others).
  std::vector<std::string> debug;
  bool gdb_scripts = false;
  for (const Section& s : f.sections) {
    if (s.name.rfind(".debug_", 0) != 0 && s.name.rfind(".zdebug_", 0) != 0) continue;
    if (s.name == ".debug_gdb_scripts") gdb_scripts = true;
    else if (s.size > 0 && s.type != 8 /* SHT_NOBITS */) debug.emplace_back(s.name);
  }
  a->debug_info = !debug.empty();
  std::string list;
  for (size_t i = 0; i < debug.size() && i < 4; ++i) list += (i ? ", " : "") + debug[i];
  if (debug.size() > 4) list += fmt::format(", and {} more", debug.size() - 4);
  a->evidence.push_back({"symbols.debug_info", "carries debug information", a->debug_info, Strength::kStructure,
                         a->debug_info ? "sections"
                         : gdb_scripts ? "only .debug_gdb_scripts (a GDB script to load, not debug information)"
                                       : "no .debug_* sections",
                         list});

  // The newest glibc symbol version this file needs, from the version-needs table.
  std::string best, from;
  for (const VersionNeed& n : f.verneed)
    for (const VersionNeedAux& v : n.versions)
      if (v.name.rfind("GLIBC_2", 0) == 0 && (best.empty() || CompareGlibcVersions(v.name, best) > 0)) {
        best = std::string(v.name);
        from = std::string(n.file);
      }
  if (!best.empty()) {
    a->glibc_min = best;
    a->evidence.push_back({"needs.glibc", "needs a minimum glibc version", true, Strength::kStructure,
                           ".gnu.version_r (DT_VERNEED)", fmt::format("{} from {}", best, from)});
  }
}

}  // namespace exray
