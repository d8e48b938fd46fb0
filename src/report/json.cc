#include <fmt/format.h>

#include "formats/elf/parser.h"
#include "formats/elf/raw.h"
#include "report/report.h"

namespace exray {

using Json = nlohmann::ordered_json;

namespace {

template <typename T>
Json OptStr(const std::optional<T>& v) {
  return v ? Json(std::string(*v)) : Json(nullptr);
}

Json SymbolList(const elf::SymbolTable& t) {
  static const char* kBind[] = {"LOCAL", "GLOBAL", "WEAK"};
  static const char* kType[] = {"NOTYPE", "OBJECT", "FUNC", "SECTION", "FILE", "COMMON", "TLS"};
  Json list = Json::array();
  for (const elf::Symbol& s : t.symbols) {
    Json j;
    j["name"] = std::string(s.name);
    j["value"] = s.value;
    j["size"] = s.size;
    j["type"] = s.type < 7 ? kType[s.type] : (s.type == elf::STT_GNU_IFUNC ? "IFUNC" : fmt::format("{}", s.type));
    j["bind"] = s.bind < 3 ? kBind[s.bind] : (s.bind == elf::STB_GNU_UNIQUE ? "UNIQUE" : fmt::format("{}", s.bind));
    j["shndx"] = s.shndx;
    if (!s.version.empty()) j["version"] = std::string(s.version);
    list.push_back(std::move(j));
  }
  return list;
}

Json ElfJson(const elf::File& f, const Analysis& a, const ReportOptions& opts) {
  Json e;
  e["class"] = f.header.is64 ? 64 : 32;
  e["endianness"] = f.header.endian == Endian::kLittle ? "little" : "big";
  e["type"] = elf::TypeName(f.header.type);
  e["machine"] = elf::MachineName(f.header.machine);
  e["osabi"] = f.header.osabi;
  e["entry"] = f.header.entry;
  e["interpreter"] = OptStr(f.interpreter);
  Json needed = Json::array();
  for (auto n : f.needed) needed.push_back(std::string(n));
  e["needed"] = needed;
  e["soname"] = OptStr(f.soname);
  e["rpath"] = OptStr(f.rpath);
  e["runpath"] = OptStr(f.runpath);
  Json secs = Json::array();
  for (const elf::Section& s : f.sections) {
    Json j;
    j["index"] = s.index;
    j["name"] = std::string(s.name);
    j["type"] = elf::SectionTypeName(s.type);
    j["flags"] = elf::SectionFlags(s.flags);
    j["addr"] = s.addr;
    j["offset"] = s.offset;
    j["size"] = s.size;
    if (opts.sections) {
      j["link"] = s.link;
      j["info"] = s.info;
      j["addralign"] = s.addralign;
      j["entsize"] = s.entsize;
    }
    secs.push_back(std::move(j));
  }
  e["sections"] = secs;
  Json segs = Json::array();
  for (const elf::Segment& p : f.segments) {
    Json j;
    j["type"] = elf::SegmentTypeName(p.type);
    j["flags"] = elf::SegmentFlags(p.flags);
    j["offset"] = p.offset;
    j["vaddr"] = p.vaddr;
    j["filesz"] = p.filesz;
    j["memsz"] = p.memsz;
    if (opts.segments) {
      j["paddr"] = p.paddr;
      j["align"] = p.align;
    }
    segs.push_back(std::move(j));
  }
  e["segments"] = segs;
  e["symbols"] = {{"symtab", f.symtab.present ? Json(f.symtab.count) : Json(nullptr)},
                  {"dynsym", f.dynsym.present ? Json(f.dynsym.count) : Json(nullptr)}};
  e["build_id"] = OptStr(f.build_id);
  e["go_build_id"] = OptStr(f.go_build_id);
  e["abi_tag"] = OptStr(f.abi_tag);
  e["comment"] = f.comment;
  e["glibc_min"] = OptStr(a.glibc_min);
  if (opts.symbols) {
    e["symtab"] = SymbolList(f.symtab);
    e["dynsym"] = SymbolList(f.dynsym);
  }
  if (opts.dynamic) {
    Json d = Json::array();
    for (const elf::DynamicEntry& x : f.dynamic)
      d.push_back({{"tag", elf::DynamicTagName(x.tag)}, {"value", x.value}});
    e["dynamic"] = d;
    Json vn = Json::array();
    for (const elf::VersionNeed& n : f.verneed) {
      Json vs = Json::array();
      for (const auto& v : n.versions) vs.push_back(std::string(v.name));
      vn.push_back({{"file", std::string(n.file)}, {"versions", vs}});
    }
    e["version_needs"] = vn;
  }
  if (opts.notes) {
    Json n = Json::array();
    for (const elf::Note& x : f.notes) {
      std::string hex;
      for (uint64_t i = 0; i < x.desc.size() && i < 256; ++i) hex += fmt::format("{:02x}", x.desc.At(i));
      n.push_back({{"where", std::string(x.where)}, {"owner", std::string(x.owner)}, {"type", x.type},
                   {"size", x.desc.size()}, {"desc", hex}});
    }
    e["notes"] = n;
  }
  return e;
}

}  // namespace

Json ToJson(const Analysis& a, const ReportOptions& opts) {
  Json j;
  j["schema_version"] = kSchemaVersion;
  j["path"] = a.path;
  j["size"] = a.size;
  j["sha256"] = OptStr(a.sha256);
  j["format"] = a.format;
  j["arch"] = a.arch.empty() ? Json(nullptr) : Json(a.arch);
  j["elf"] = a.elf ? ElfJson(*a.elf, a, opts) : Json(nullptr);
  if (a.script) {
    const script::Shebang& s = *a.script;
    j["script"] = {{"interpreter", s.interpreter}, {"args", s.args}, {"command", s.command},
                   {"command_args", s.command_args}, {"via_env", s.via_env}};
  }
  j["linking"] = a.linking;
  j["pie"] = a.pie;
  j["stripped"] = a.stripped;
  j["debug_info"] = a.debug_info;
  if (a.elf) {
    const Hardening& h = a.hardening;
    j["hardening"] = {{"relro", h.relro}, {"canary", h.canary},   {"nx", h.nx},
                      {"fortify", h.fortify}, {"fortify_functions", h.fortify_functions},
                      {"ibt", h.ibt},     {"shstk", h.shstk},     {"textrel", h.textrel},
                      {"execstack", h.execstack}, {"wx_segments", h.wx_segments},
                      {"rpath", h.rpath}, {"runpath", h.runpath}};
  } else {
    j["hardening"] = nullptr;
  }
  // Filled by the identification step (toolchain, engines); a script's model is known now.
  j["toolchain"] = nullptr;
  if (a.script) j["execution"] = {{"model", "script"}, {"engine", nullptr}, {"jit", "unknown"}, {"runtime", nullptr}};
  else j["execution"] = nullptr;
  Json ev = Json::array();
  for (const Evidence& e : a.evidence)
    ev.push_back({{"id", e.id}, {"claim", e.claim}, {"holds", e.holds}, {"strength", StrengthName(e.strength)},
                  {"where", e.where}, {"detail", e.detail}});
  j["evidence"] = ev;
  j["warnings"] = a.warnings;
  return j;
}

}  // namespace exray
