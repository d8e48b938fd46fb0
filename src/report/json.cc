#include <fmt/format.h>

#include <unordered_map>
#include <unordered_set>

#include "formats/elf/parser.h"
#include "formats/elf/raw.h"
#include "formats/macho/parser.h"
#include "formats/pe/parser.h"
#include "report/json_writer.h"
#include "report/report.h"
#include "report/rust_json.h"

namespace exray {

namespace {

template <typename T>
std::optional<std::string_view> Opt(const std::optional<T>& v) {
  return v ? std::optional<std::string_view>(*v) : std::nullopt;
}

std::string Hex(ByteView b, uint64_t max) {
  std::string hex;
  for (uint64_t i = 0; i < b.size() && i < max; ++i) fmt::format_to(std::back_inserter(hex), "{:02x}", b.At(i));
  return hex;
}

void SymbolList(JsonWriter& w, const elf::SymbolTable& t) {
  static const char* kBind[] = {"LOCAL", "GLOBAL", "WEAK"};
  static const char* kType[] = {"NOTYPE", "OBJECT", "FUNC", "SECTION", "FILE", "COMMON", "TLS"};
  w.BeginArray();
  for (const elf::Symbol& s : t.symbols) {
    w.BeginObject();
    w.Field("name", s.name);
    w.Field("value", s.value);
    w.Field("size", s.size);
    w.Field("type", s.type < 7 ? kType[s.type] : (s.type == elf::STT_GNU_IFUNC ? "IFUNC" : fmt::format("{}", s.type)));
    w.Field("bind", s.bind < 3 ? kBind[s.bind] : (s.bind == elf::STB_GNU_UNIQUE ? "UNIQUE" : fmt::format("{}", s.bind)));
    w.Field("shndx", s.shndx);
    if (!s.version.empty()) w.Field("version", s.version);
    w.EndObject();
  }
  w.EndArray();
}

void ModuleJson(JsonWriter& w, const go::Module& m) {
  w.Field("path", m.path);
  w.Field("version", m.version);
  w.Field("sum", m.sum);
}

// The fields of `go version -m`, inside an object the caller opens.
void BuildInfoFields(JsonWriter& w, const go::BuildInfo& bi) {
  w.Field("path", bi.mod.path);
  w.Key("main");
  if (bi.mod.main) {
    w.BeginObject();
    ModuleJson(w, bi.mod.main->mod);
    w.EndObject();
  } else {
    w.Null();
  }
  w.Key("deps");
  w.BeginArray();
  for (const go::Dep& d : bi.mod.deps) {
    w.BeginObject();
    ModuleJson(w, d.mod);
    w.Key("replace");
    if (d.replace) {
      w.BeginObject();
      ModuleJson(w, *d.replace);
      w.EndObject();
    } else {
      w.Null();
    }
    w.EndObject();
  }
  w.EndArray();
  // An object keyed in file order. A key repeated in the file keeps its last
  // value at its first position, so the object never has duplicate keys.
  w.Key("settings");
  w.BeginObject();
  // Linear in the number of lines: a crafted blob may hold ~10^5 build lines.
  std::unordered_map<std::string_view, size_t> last;
  for (size_t i = 0; i < bi.mod.settings.size(); ++i) last[bi.mod.settings[i].first] = i;
  std::unordered_set<std::string_view> written;
  for (const auto& [k, v] : bi.mod.settings) {
    if (!written.insert(k).second) continue;
    w.InputKey(k);
    w.String(bi.mod.settings[last[k]].second);
  }
  w.EndObject();
}

void GoJson(JsonWriter& w, const go::BuildInfo& bi) {
  w.BeginObject();
  w.Field("version", bi.version);
  BuildInfoFields(w, bi);
  w.Field("compiler", bi.compiler);
  w.EndObject();
}

// The report's go object: build info when there is some (else the same keys,
// empty), and what the pclntab and moduledata say.
void GoFactsJson(JsonWriter& w, const GoFacts& g) {
  w.BeginObject();
  w.Key("version");
  if (g.version.empty()) w.Null();
  else w.String(g.version);
  w.Key("version_from");
  if (g.version_from.empty()) w.Null();
  else w.String(g.version_from);
  w.Key("version_range");
  if (g.version_range.empty()) w.Null();
  else w.String(g.version_range);
  if (g.build_info) {
    BuildInfoFields(w, *g.build_info);
  } else {
    w.Field("path", "");
    w.Field("main", nullptr);
    w.Key("deps");
    w.BeginArray();
    w.EndArray();
    w.Key("settings");
    w.BeginObject();
    w.EndObject();
  }
  w.Field("compiler", g.compiler);
  w.Field("build_info", g.build_info.has_value());
  w.Field("cgo", g.cgo);
  w.Key("pclntab");
  if (g.pclntab) {
    w.BeginObject();
    w.Field("magic", fmt::format("{:#x}", g.pclntab->magic));
    w.Field("layout", g.pclntab->layout);
    w.Field("vaddr", g.pclntab->vaddr);
    w.Field("found_by", g.pclntab->found_by);
    w.Field("functions", g.pclntab->functions);
    w.Field("files", g.pclntab->files);
    w.EndObject();
  } else {
    w.Null();
  }
  w.Key("moduledata_layout");
  if (g.moduledata_layout.empty()) w.Null();
  else w.String(g.moduledata_layout);
  w.Key("type_tables");
  if (const std::optional<GoFacts::TypeTables>& t = g.type_tables) {
    w.BeginObject();
    w.Field("itabs", t->itabs);
    w.Key("typelinks");
    if (t->typelinks) w.Uint(*t->typelinks);
    else w.Null();
    w.Field("region_bytes", t->region_bytes);  // null before Go 1.7
    w.EndObject();
  } else {
    w.Null();
  }
  w.EndObject();
}

// execution.runtime for a Go binary: what it carries, and the bytes of code
// by owner (lang/go/codesize.h).
void GoRuntimeJson(JsonWriter& w, const GoFacts& g) {
  w.BeginObject();
  w.Field("name", "go");
  w.Field("gc", g.code->gc);
  w.Field("scheduler", g.code->scheduler);
  for (const char* what : {"code_bytes", "functions"}) {
    w.Key(what);
    w.BeginObject();
    const bool bytes = what[0] == 'c';
    w.Field("total", bytes ? g.code->total_bytes : g.pclntab->functions);
    for (size_t i = 0; i < go::kCodeOwners; ++i)
      w.Field(go::CodeOwnerName(static_cast<go::CodeOwner>(i)),
              bytes ? g.code->by_owner[i].bytes : g.code->by_owner[i].functions);
    w.EndObject();
  }
  w.Field("main_module", g.code->main_module);
  w.Field("attribution", g.code->rule);
  for (auto [key, c] : {std::pair{"gc_code", &g.code->gc_code}, std::pair{"scheduler_code", &g.code->scheduler_code}}) {
    w.Key(key);
    w.BeginObject();
    w.Field("bytes", c->bytes);
    w.Field("functions", c->functions);
    w.EndObject();
  }
  w.EndObject();
}

void ElfJson(JsonWriter& w, const elf::File& f, const Analysis& a, const ReportOptions& opts) {
  w.BeginObject();
  w.Field("class", f.header.is64 ? 64 : 32);
  w.Field("endianness", f.header.endian == Endian::kLittle ? "little" : "big");
  w.Field("type", elf::TypeName(f.header.type));
  w.Field("machine", elf::MachineName(f.header.machine));
  w.Field("osabi", f.header.osabi);
  w.Field("entry", f.header.entry);
  w.Field("interpreter", f.interpreter);
  w.Field("needed", f.needed);
  w.Field("soname", f.soname);
  w.Field("rpath", f.rpath);
  w.Field("runpath", f.runpath);
  w.Key("sections");
  w.BeginArray();
  for (const elf::Section& s : f.sections) {
    w.BeginObject();
    w.Field("index", s.index);
    w.Field("name", s.name);
    w.Field("type", elf::SectionTypeName(s.type, f.header.machine));
    w.Field("flags", elf::SectionFlags(s.flags));
    w.Field("addr", s.addr);
    w.Field("offset", s.offset);
    w.Field("size", s.size);
    if (opts.sections) {
      w.Field("link", s.link);
      w.Field("info", s.info);
      w.Field("addralign", s.addralign);
      w.Field("entsize", s.entsize);
    }
    w.EndObject();
  }
  w.EndArray();
  w.Key("segments");
  w.BeginArray();
  for (const elf::Segment& p : f.segments) {
    w.BeginObject();
    w.Field("type", elf::SegmentTypeName(p.type, f.header.machine));
    w.Field("flags", elf::SegmentFlags(p.flags));
    w.Field("offset", p.offset);
    w.Field("vaddr", p.vaddr);
    w.Field("filesz", p.filesz);
    w.Field("memsz", p.memsz);
    if (opts.segments) {
      w.Field("paddr", p.paddr);
      w.Field("align", p.align);
    }
    w.EndObject();
  }
  w.EndArray();
  w.Key("symbols");
  w.BeginObject();
  w.Field("symtab", f.symtab.present ? std::optional<uint64_t>(f.symtab.count) : std::nullopt);
  w.Field("dynsym", f.dynsym.present ? std::optional<uint64_t>(f.dynsym.count) : std::nullopt);
  w.EndObject();
  w.Field("build_id", f.build_id);
  w.Field("go_build_id", f.go_build_id);
  w.Field("abi_tag", f.abi_tag);
  w.Field("comment", f.comment);
  w.Field("glibc_min", a.glibc_min);
  if (opts.symbols) {
    w.Key("symtab");
    SymbolList(w, f.symtab);
    w.Key("dynsym");
    SymbolList(w, f.dynsym);
  }
  if (opts.dynamic) {
    w.Key("dynamic");
    w.BeginArray();
    for (const elf::DynamicEntry& x : f.dynamic) {
      w.BeginObject();
      w.Field("tag", elf::DynamicTagName(x.tag));
      w.Field("value", x.value);
      w.EndObject();
    }
    w.EndArray();
    w.Key("version_needs");
    w.BeginArray();
    for (const elf::VersionNeed& n : f.verneed) {
      w.BeginObject();
      w.Field("file", n.file);
      w.Key("versions");
      w.BeginArray();
      for (const auto& v : n.versions) w.String(v.name);
      w.EndArray();
      w.EndObject();
    }
    w.EndArray();
  }
  if (opts.notes) {
    w.Key("notes");
    w.BeginArray();
    for (const elf::Note& x : f.notes) {
      w.BeginObject();
      w.Field("where", x.where);
      w.Field("owner", x.owner);
      w.Field("type", x.type);
      w.Field("size", x.desc.size());
      w.Field("desc", Hex(x.desc, 256));
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
}

// The `bytecode` object: kind and version, then the facts of that kind (docs/json.md).
void BytecodeJson(JsonWriter& w, const BytecodeFacts& f) {
  auto nstr = [&](std::string_view k, const std::string& v) {
    w.Key(k);
    if (v.empty()) w.Null();
    else w.String(v);
  };
  w.BeginObject();
  w.Field("kind", f.kind);
  nstr("version", f.version);
  if (f.java_class) {
    w.Field("major", f.java_class->major);
    w.Field("minor", f.java_class->minor);
  }
  if (const auto* z = f.zip ? &*f.zip : nullptr) {
    w.Field("entries", z->entries);
    w.Field("declared_entries", z->declared_entries);
    w.Field("classes", z->classes);
    w.Field("manifest", z->manifest);
    nstr("main_class", z->main_class);
    nstr("created_by", z->created_by);
    nstr("build_jdk", z->build_jdk);
    w.Key("first_class");
    if (z->first_class) {
      w.BeginObject();
      w.Field("name", z->first_class_name);
      w.Field("major", z->first_class->major);
      w.Field("minor", z->first_class->minor);
      w.EndObject();
    } else {
      w.Null();
    }
  }
  if (f.pyc) {
    w.Field("magic", f.pyc->magic);
    w.Field("release_magic", f.pyc->release);
    w.Field("flags", static_cast<uint64_t>(f.pyc->flags));
  }
  if (const auto* m = f.wasm ? &*f.wasm : nullptr) {
    w.Field("sections", m->sections);
    w.Field("imports", m->imports);
    w.Field("exports", m->exports);
    w.Field("functions", m->functions);
    w.Field("custom_sections", m->custom_sections);
    w.Key("producers");
    w.BeginArray();
    for (const bytecode::WasmProducer& p : m->producers) {
      w.BeginObject();
      w.Field("field", p.field);
      w.Field("name", p.name);
      w.Field("version", p.version);
      w.EndObject();
    }
    w.EndArray();
  }
  if (f.lua) w.Field("version_byte", f.lua->version);
  if (f.beam) {
    w.Field("chunks", f.beam->chunks);
    nstr("module", f.beam->module);
  }
  if (f.pe && f.pe->cli) {
    const bytecode::CliHeader& h = *f.pe->cli;
    w.Field("pe32plus", f.pe->pe32plus);
    w.Field("machine", fmt::format("{:#x}", f.pe->machine));
    w.Field("runtime_version", fmt::format("{}.{}", h.runtime_major, h.runtime_minor));
    w.Field("flags", fmt::format("{:#x}", h.flags));
    w.Field("il_only", (h.flags & bytecode::CliHeader::kIlOnly) != 0);
    nstr("metadata_version", h.metadata_version);
  }
  w.EndObject();
}

}  // namespace

std::string ErrorToJson(std::string_view path, std::string_view error, int indent) {
  JsonWriter w(indent);
  w.BeginObject();
  w.Field("schema_version", kSchemaVersion);
  w.Field("path", path);
  w.Field("error", error);
  w.EndObject();
  return w.Take();
}

namespace {

void MachoJson(JsonWriter& w, const Analysis& a, const ReportOptions& opts) {
  const MachoFacts& m = *a.macho;
  const macho::File& f = m.file;
  auto nstr = [&](std::string_view k, std::string_view v) {
    w.Key(k);
    if (v.empty()) w.Null();
    else w.String(v);
  };
  w.BeginObject();
  w.Field("offset", m.offset);
  w.Field("class", f.header.is64 ? 64 : 32);
  w.Field("endianness", f.header.endian == Endian::kLittle ? "little" : "big");
  w.Field("cputype", macho::CpuTypeName(f.header.cputype, f.header.cpusubtype));
  w.Field("filetype", macho::FileTypeName(f.header.filetype).empty() ? fmt::format("{:#x}", f.header.filetype)
                                                                     : std::string(macho::FileTypeName(f.header.filetype)));
  w.Field("flags", f.header.flags);
  w.Field("entry", m.entry);
  w.Key("uuid");
  if (f.uuid) {
    std::string u;
    for (uint8_t b : *f.uuid) u += fmt::format("{:02x}", b);
    w.String(u);
  } else {
    w.Null();
  }
  nstr("platform", m.platform);
  nstr("min_os", m.min_os);
  nstr("sdk", m.sdk);
  nstr("dylinker", f.dylinker);
  std::string_view id;
  for (const macho::Dylib& d : f.dylibs)
    if (d.kind == macho::DylibKind::kId) id = d.name;
  nstr("id", id);
  w.Key("dylibs");
  w.BeginArray();
  for (const macho::Dylib& d : f.dylibs) {
    if (d.kind == macho::DylibKind::kId) continue;
    w.BeginObject();
    w.Field("name", d.name);
    w.Field("kind", macho::DylibKindName(d.kind));
    w.Field("compatibility_version", macho::VersionString(d.compatibility_version));
    w.Field("current_version", macho::VersionString(d.current_version));
    w.EndObject();
  }
  w.EndArray();
  w.Field("rpaths", f.rpaths);
  w.Key("build_tools");
  w.BeginArray();
  for (const macho::BuildVersion& b : f.build_versions)
    for (const macho::BuildTool& t : b.tools) {
      w.BeginObject();
      const std::string_view name = macho::ToolName(t.tool);
      w.Field("tool", name.empty() ? fmt::format("{}", t.tool) : std::string(name));
      w.Field("version", macho::VersionString(t.version));
      w.EndObject();
    }
  w.EndArray();
  w.Field("symbols", f.symtab ? std::optional<uint64_t>(m.symbols) : std::nullopt);
  w.Field("imports", m.imports);
  w.Field("debug_map", m.debug_map);
  w.Field("objc", m.objc);
  w.Key("segments");
  w.BeginArray();
  for (const macho::Segment& g : f.segments) {
    w.BeginObject();
    w.Field("name", g.name);
    w.Field("vmaddr", g.vmaddr);
    w.Field("vmsize", g.vmsize);
    w.Field("fileoff", g.fileoff);
    w.Field("filesize", g.filesize);
    w.Field("initprot", g.initprot);
    w.Field("maxprot", g.maxprot);
    w.Field("nsects", g.nsects);
    w.EndObject();
  }
  w.EndArray();
  w.Key("sections");
  w.BeginArray();
  for (const macho::Section& c : f.sections) {
    w.BeginObject();
    w.Field("segment", c.segname);
    w.Field("name", c.sectname);
    w.Field("addr", c.addr);
    w.Field("size", c.size);
    w.Field("offset", c.offset);
    w.Field("type", c.type());
    w.Field("in_file", c.in_file);
    w.EndObject();
  }
  w.EndArray();
  if (opts.dynamic) {
    w.Key("load_commands");
    w.BeginArray();
    for (const macho::LoadCommand& c : f.commands) {
      w.BeginObject();
      w.Field("cmd", macho::LoadCommandName(c.cmd));
      w.Field("offset", c.offset);
      w.Field("size", c.cmdsize);
      w.EndObject();
    }
    w.EndArray();
  }
  if (opts.symbols) {
    w.Key("symbol_list");
    w.BeginArray();
    for (uint64_t i = 0; i < f.SymbolCount(); ++i) {
      const macho::Symbol y = f.SymbolAt(i);
      w.BeginObject();
      w.Field("name", y.name);
      w.Field("value", y.value);
      w.Field("type", y.type);
      w.Field("sect", y.sect);
      w.Field("desc", y.desc);
      w.Field("defined", y.defined());
      w.Field("external", y.external());
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
}

void MachoHardeningJson(JsonWriter& w, const Analysis& a) {
  const MachoFacts::Hardening& h = a.macho->hardening;
  w.BeginObject();
  w.Field("pie", h.pie);
  w.Field("nx_heap", h.nx_heap);
  w.Field("stack_exec", h.stack_exec);
  w.Field("wx", h.wx);
  w.Field("canary", h.canary);
  w.Field("arc", a.macho->objc ? std::optional<bool>(h.arc) : std::nullopt);
  w.Field("signature", h.signature);
  w.Field("hardened_runtime", h.hardened_runtime);
  w.Field("restrict", h.restrict_segment);
  w.Field("encrypted", h.encrypted);
  w.Field("fixups", h.fixups);
  w.EndObject();
}

void UniversalJson(JsonWriter& w, const UniversalFacts& u) {
  w.BeginObject();
  w.Field("fat64", u.is64);
  w.Field("nfat_arch", u.nfat_arch);
  w.Field("selected", u.selected);
  w.Key("archs");
  w.BeginArray();
  for (const macho::FatArch& x : u.archs) {
    w.BeginObject();
    w.Field("cputype", macho::CpuTypeName(x.cputype, x.cpusubtype));
    w.Field("offset", x.offset);
    w.Field("size", x.size);
    w.Field("align", x.align);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}


void PeJson(JsonWriter& w, const Analysis& a, const ReportOptions& opts) {
  const pe::File& f = a.pe->file;
  const pe::Header& h = f.header;
  w.BeginObject();
  w.Field("pe32plus", h.pe32plus);
  w.Field("machine", pe::MachineName(h.machine));
  w.Field("characteristics", h.characteristics);
  w.Field("timestamp", h.timestamp);
  w.Field("image_base", h.image_base);
  w.Field("entry_rva", h.entry_rva);
  w.Field("subsystem", pe::SubsystemName(h.subsystem).empty() ? fmt::format("{}", h.subsystem)
                                                               : std::string(pe::SubsystemName(h.subsystem)));
  w.Field("os_version", fmt::format("{}.{}", h.os_major, h.os_minor));
  w.Field("subsystem_version", fmt::format("{}.{}", h.subsystem_major, h.subsystem_minor));
  w.Field("linker_version", fmt::format("{}.{}", h.linker_major, h.linker_minor));
  w.Field("dll_characteristics", h.dll_characteristics);
  w.Field("image_size", h.image_size);
  w.Field("checksum", h.checksum);
  w.Field("symbols", h.nsymbols);
  w.Key("sections");
  w.BeginArray();
  for (const pe::Section& c : f.sections) {
    w.BeginObject();
    w.Field("name", c.name);
    w.Field("virtual_address", c.virtual_address);
    w.Field("virtual_size", c.virtual_size);
    w.Field("raw_offset", c.raw_offset);
    w.Field("raw_size", c.raw_size);
    w.Field("characteristics", c.characteristics);
    w.EndObject();
  }
  w.EndArray();
  w.Key("imports");
  w.BeginArray();
  for (const pe::ImportDll& d : f.imports) {
    w.BeginObject();
    w.Field("dll", d.name);
    w.Field("delay", d.delay);
    w.Field("count", static_cast<uint64_t>(d.functions.size()));
    if (opts.dynamic) {
      w.Key("functions");
      w.BeginArray();
      for (const pe::ImportFunction& fn : d.functions) {
        if (fn.ordinal) w.String(fmt::format("#{}", *fn.ordinal));
        else w.String(fn.name);
      }
      w.EndArray();
    }
    w.EndObject();
  }
  w.EndArray();
  w.Key("exports");
  if (f.exports) {
    w.BeginObject();
    w.Field("dll", f.exports->dll_name);
    w.Field("ordinal_base", f.exports->ordinal_base);
    w.Field("functions", f.exports->nfunctions);
    w.Field("names", f.exports->nnames);
    if (opts.dynamic) w.Field("name_list", f.exports->names);
    w.EndObject();
  } else {
    w.Null();
  }
  w.Key("pdb");
  if (f.codeview) {
    w.BeginObject();
    w.Field("path", f.codeview->pdb_path);
    std::string g;
    for (uint8_t b : f.codeview->guid) g += fmt::format("{:02x}", b);
    w.Field("guid", g);
    w.Field("age", f.codeview->age);
    w.EndObject();
  } else {
    w.Null();
  }
  w.Key("rich");
  w.BeginArray();
  for (const pe::RichEntry& r : f.rich) {
    w.BeginObject();
    w.Field("product", r.product);
    w.Field("build", r.build);
    w.Field("count", r.count);
    const std::string_view vs = pe::VisualStudioFor(r.product, r.build);
    w.Field("visual_studio", vs.empty() ? std::nullopt : std::optional<std::string_view>(vs));
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

void PeHardeningJson(JsonWriter& w, const PeFacts::Hardening& h) {
  w.BeginObject();
  w.Field("aslr", h.aslr);
  w.Field("high_entropy_va", h.high_entropy_va);
  w.Field("nx", h.nx);
  w.Field("cfg", h.cfg);
  w.Field("gs", h.gs);
  w.Field("safeseh", h.safeseh);
  w.Field("cet", h.cet);
  w.Field("force_integrity", h.force_integrity);
  w.Field("signature", h.signature);
  w.EndObject();
}

void AnalysisJson(JsonWriter& w, const Analysis& a, const ReportOptions& opts);

}  // namespace

std::string ToJson(const Analysis& a, const ReportOptions& opts, int indent) {
  JsonWriter w(indent);
  AnalysisJson(w, a, opts);
  return w.Take();
}

namespace {

void AnalysisJson(JsonWriter& w, const Analysis& a, const ReportOptions& opts) {
  w.BeginObject();
  w.Field("schema_version", kSchemaVersion);
  w.Field("path", a.path);
  w.Field("size", a.size);
  w.Field("sha256", a.sha256);
  w.Field("format", a.format);
  w.Field("kind", a.kind.empty() ? std::nullopt : std::optional<std::string_view>(a.kind));
  w.Field("arch", a.arch.empty() ? std::nullopt : std::optional<std::string_view>(a.arch));
  if (a.core) {
    const elf::CoreFacts& c = *a.core;
    w.Key("core");
    w.BeginObject();
    w.Field("program", c.program);
    w.Field("args", c.args);
    w.Key("pid");
    if (c.pid) w.Value(uint64_t{*c.pid});
    else w.Null();
    w.Key("signal");
    if (c.signal) w.Value(uint64_t{*c.signal});
    else w.Null();
    w.Field("file_count", c.file_count);
    w.Key("files");
    w.BeginArray();
    for (const elf::CoreFile& m : c.files) {
      w.BeginObject();
      w.Field("start", m.start);
      w.Field("end", m.end);
      w.Field("offset", m.offset);
      w.Field("path", m.path);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  if (a.module) {
    const elf::ModuleFacts& m = *a.module;
    w.Key("module");
    w.BeginObject();
    w.Field("name", m.name);
    w.Field("license", m.license);
    w.Field("vermagic", m.vermagic);
    w.Field("version", m.version);
    w.Field("srcversion", m.srcversion);
    w.Field("description", m.description);
    w.Field("depends", m.depends);
    w.Field("retpoline", m.retpoline);
    w.Field("intree", m.intree);
    w.EndObject();
  }
  if (a.universal) {
    w.Key("universal");
    UniversalJson(w, *a.universal);
  }
  w.Key("elf");
  if (a.elf) ElfJson(w, *a.elf, a, opts);
  else w.Null();
  if (a.macho) {
    w.Key("macho");
    MachoJson(w, a, opts);
  }
  if (a.pe) {
    w.Key("pe");
    PeJson(w, a, opts);
  }
  if (a.script) {
    const script::Shebang& s = *a.script;
    w.Key("script");
    w.BeginObject();
    w.Field("interpreter", s.interpreter);
    w.Field("args", s.args);
    w.Field("command", s.command);
    w.Field("command_args", s.command_args);
    w.Field("via_env", s.via_env);
    w.EndObject();
  }
  if (a.bytecode) {
    w.Key("bytecode");
    BytecodeJson(w, *a.bytecode);
  }
  w.Field("linking", a.linking);
  w.Field("pie", a.pie);
  w.Field("stripped", a.stripped);
  w.Field("debug_info", a.debug_info);
  w.Key("hardening");
  if (a.elf && !a.core && !a.module) {
    const Hardening& h = a.hardening;
    w.BeginObject();
    w.Field("relro", h.relro);
    w.Field("canary", h.canary);
    w.Field("nx", h.nx);
    w.Field("fortify", h.fortify);
    w.Field("fortify_functions", h.fortify_functions);
    w.Field("ibt", h.ibt);
    w.Field("shstk", h.shstk);
    w.Field("textrel", h.textrel);
    w.Field("execstack", h.execstack);
    w.Field("wx_segments", h.wx_segments);
    w.Field("rpath", h.rpath);
    w.Field("runpath", h.runpath);
    w.EndObject();
  } else if (a.macho && a.macho->hardening_read) {
    MachoHardeningJson(w, a);
  } else if (a.pe) {
    PeHardeningJson(w, a.pe->hardening);
  } else {
    w.Null();
  }
  // The identification step's verdicts (analysis/identify.h).
  auto nstr = [&](std::string_view k, const std::string& v) {
    w.Key(k);
    if (v.empty()) w.Null();
    else w.String(v);
  };
  w.Key("toolchain");
  if (a.toolchain) {
    w.BeginObject();
    w.Field("language", a.toolchain->language);
    nstr("compiler", a.toolchain->compiler);
    nstr("version", a.toolchain->version);
    w.Key("libc");
    if (a.toolchain->libc.empty()) {
      w.Null();
    } else {
      w.BeginObject();
      w.Field("name", a.toolchain->libc);
      w.Field("linking", a.toolchain->libc_linking);
      w.EndObject();
    }
    w.EndObject();
  } else {
    w.Null();
  }
  w.Key("execution");
  if (a.execution) {
    w.BeginObject();
    w.Field("model", a.execution->model);
    nstr("engine", a.execution->engine);
    w.Field("jit", a.execution->jit);
    w.Key("payload");  // the program an embedded host carries
    if (a.execution->payload_kind.empty()) {
      w.Null();
    } else {
      w.BeginObject();
      w.Field("kind", a.execution->payload_kind);
      w.Field("offset", a.execution->payload_offset);
      w.Field("size", a.execution->payload_size);
      w.EndObject();
    }
    w.Key("runtime");
    if (a.go && a.go->code) GoRuntimeJson(w, *a.go);  // the Go runtime it carries
    else w.Null();
    w.EndObject();
  } else {
    w.Null();
  }
  if (a.go) {
    w.Key("go");
    GoFactsJson(w, *a.go);
  }
  if (a.rust) {
    w.Key("rust");
    WriteRustFacts(w, *a.rust);
  }
  w.Key("evidence");
  w.BeginArray();
  for (const Evidence& e : a.evidence) {
    w.BeginObject();
    w.Field("id", e.id);
    w.Field("claim", e.claim);
    w.Field("holds", e.holds);
    w.Field("strength", StrengthName(e.strength));
    w.Field("where", e.where);
    w.Field("detail", e.detail);
    w.EndObject();
  }
  w.EndArray();
  w.Field("warnings", a.warnings);
  if (a.universal) {
    // The reports of a universal file's other slices, in file order.
    w.Key("slices");
    w.BeginArray();
    for (const Analysis& slice : a.slices) AnalysisJson(w, slice, opts);
    w.EndArray();
  }
  w.EndObject();
}

}  // namespace

namespace {

void PclntabJson(JsonWriter& w, const go::Pclntab& t) {
  w.BeginObject();
  w.Field("layout", go::PclnVersionName(t.header().version));
  w.Field("vaddr", t.vaddr());
  w.Field("size", t.size());
  w.Field("ptr_size", t.header().ptr_size);
  w.Field("quantum", t.header().quantum);
  w.Field("found_by", go::PclnSourceName(t.source()));
  w.Field("text_base", t.text_base());
  w.Field("text_base_from", go::TextBaseSourceName(t.text_base_source()));
  w.Field("functions", static_cast<uint64_t>(t.functions().size()));
  w.EndObject();
}

}  // namespace

void WriteGoReport(JsonWriter& w, const GoReport& r);

std::string GoReportToJson(const GoReport& r, int indent) {
  JsonWriter w(indent);
  WriteGoReport(w, r);
  return w.Take();
}

void GoReportToJson(const GoReport& r, int indent, std::ostream& out) {
  JsonWriter w(indent);
  w.SetSink(&out);
  WriteGoReport(w, r);
  w.Flush();
  out << '\n';
}

void WriteGoReport(JsonWriter& w, const GoReport& r) {
  w.BeginObject();
  w.Field("path", r.path);
  w.Key("go");
  if (r.build_info) GoJson(w, *r.build_info);
  else w.Null();
  if (r.runtime_version) {
    const go::RuntimeVersion& v = *r.runtime_version;
    w.Key("runtime_version");
    w.BeginObject();
    w.Field("version", v.version);
    w.Field("found_by", go::VersionSourceName(v.source));
    w.Field("string_vaddr", v.string_vaddr);
    w.Field("consistent", v.consistent);
    w.Key("checks");
    w.BeginArray();
    for (const go::VersionCheck& c : v.checks) {
      w.BeginObject();
      w.Field("detail", c.detail);
      w.Field("holds", c.holds);
      w.EndObject();
    }
    w.EndArray();
    w.Field("notes", v.notes);  // fallbacks taken, other candidates, caps reached
    w.EndObject();
  }
  w.Key("pclntab");
  if (r.pclntab) PclntabJson(w, *r.pclntab);
  else w.Null();
  if (r.pclntab && r.functions) {
    const auto& fns = r.pclntab->functions();
    w.Key("functions");
    w.BeginArray();
    for (size_t i = 0; i < fns.size(); ++i) {
      w.BeginObject();
      w.Field("name", fns[i].name);
      w.Field("package", go::PackageOf(fns[i].name));
      w.Field("entry", fns[i].entry);
      w.Field("end", fns[i].end);
      if (r.lines) {
        go::Position pos = r.pclntab->EntryPosition(i);
        w.Field("file", pos.file);
        w.Key("line");
        w.Int(pos.line);
      }
      w.EndObject();
    }
    w.EndArray();
  }
  if (r.sizes) {
    const go::CodeSizes& c = *r.sizes;
    w.Key("code");
    w.BeginObject();
    w.Field("total_bytes", c.total_bytes);
    w.Field("attribution", c.rule);
    w.Key("owners");
    w.BeginObject();
    for (size_t i = 0; i < go::kCodeOwners; ++i) {
      w.Key(go::CodeOwnerName(static_cast<go::CodeOwner>(i)));
      w.BeginObject();
      w.Field("bytes", c.by_owner[i].bytes);
      w.Field("functions", c.by_owner[i].functions);
      w.EndObject();
    }
    w.EndObject();
    w.Key("packages");
    w.BeginArray();
    for (const go::PackageSize& p : c.packages) {
      w.BeginObject();
      w.Field("package", p.package);
      w.Field("owner", go::CodeOwnerName(p.owner));
      w.Field("bytes", p.share.bytes);
      w.Field("functions", p.share.functions);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  if (r.pclntab && r.files) {
    w.Key("files");
    w.BeginArray();
    for (std::string_view f : r.pclntab->Files()) w.String(f);
    w.EndArray();
  }
  if (!r.pcs.empty()) {
    w.Key("pcs");
    w.BeginArray();
    for (uint64_t pc : r.pcs) {
      w.BeginObject();
      w.Field("pc", pc);
      std::optional<go::Location> loc = r.pclntab ? r.pclntab->Lookup(pc) : std::nullopt;
      if (loc && loc->function) {
        w.Field("function", loc->function->name);
        w.Field("entry", loc->function->entry);
        w.Field("file", loc->pos.file);
        w.Key("line");
        w.Int(loc->pos.line);
        // Innermost first; the last is the physical function, at its call site.
        if (r.as) {
          w.Key("frames");
          w.BeginArray();
          for (const go::Frame& f : r.pclntab->Frames(*r.as, pc)) {
            w.BeginObject();
            w.Field("function", f.function);
            w.Field("file", f.pos.file);
            w.Key("line");
            w.Int(f.pos.line);
            w.Field("inlined", f.inlined);
            w.EndObject();
          }
          w.EndArray();
        }
      } else {
        w.Field("function", nullptr);
      }
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
}

std::string GoToJson(std::string_view path, const go::BuildInfo& bi, int indent) {
  JsonWriter w(indent);
  w.BeginObject();
  w.Field("path", path);
  w.Key("go");
  GoJson(w, bi);
  w.EndObject();
  return w.Take();
}

}  // namespace exray
