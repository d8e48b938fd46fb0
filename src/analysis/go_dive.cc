#include "analysis/go_dive.h"

#include "analysis/elf_facts.h"
#include "analysis/go_globals.h"
#include "formats/dwarf/structs.h"
#include "formats/elf/parser.h"
#include "lang/go/version.h"

#include <fmt/format.h>

#include <algorithm>

namespace exray {

namespace {

// The release the type layouts follow: the version found, else the first
// release of the moduledata layout (with a warning: 1.18 and 1.19 encode
// struct fields differently, 1.24 changed maps).
int TypeMinor(const GoDive& d, Diagnostics& diag) {
  if (d.minor) return *d.minor;
  const int minor =
      go::FallbackMinor(d.moduledata ? d.moduledata->layout : go::ModuledataLayout::kUnknown).value_or(18);
  diag.Warn(fmt::format("Go version unknown: type layouts read as Go 1.{}'s, the first release of the moduledata layout",
                        minor));
  return minor;
}

Result<go::TypeSet> ReadGoTypes(const AddressSpace& as, const GoDive& d, Diagnostics& diag) {
  if (!d.moduledata) {
    if (d.minor && *d.minor < go::kFirstTypesMinor)
      return Error{fmt::format("Go 1.{} kept no moduledata (it came in Go 1.{}), so its type descriptors are not read",
                               *d.minor, go::kFirstTypesMinor)};
    return Error{"no moduledata found (it holds the type tables)"};
  }
  return go::ReadTypes(as, *d.moduledata, TypeMinor(d, diag), diag);
}

// The named section's contents, decompressed; .zdebug_NAME too. nullopt when absent.
std::optional<Result<std::string>> DebugSection(const elf::File& f, std::string_view name) {
  for (const elf::Section& s : f.sections)
    if (s.name == fmt::format(".debug_{}", name) || s.name == fmt::format(".zdebug_{}", name))
      return elf::SectionContents(f, s);
  return std::nullopt;
}

// The runtime structs from .debug_info, as RuntimeStructs with every member;
// empty when the binary has no DWARF (a note says why when it has some but it
// cannot be read).
std::vector<go::RuntimeStruct> DwarfRuntimeStructs(const elf::File& f, go::RuntimeLayout* l, Diagnostics& diag) {
  auto info = DebugSection(f, "info");
  auto abbrev = DebugSection(f, "abbrev");
  if (!info || !abbrev) return {};
  if (!info->ok() || !abbrev->ok()) {
    l->notes.push_back(fmt::format("DWARF not read: {}", !info->ok() ? info->error().message : abbrev->error().message));
    return {};
  }
  const std::string& i = **info;
  const std::string& a = **abbrev;
  auto structs_or = dwarf::ReadStructs(ByteView(reinterpret_cast<const uint8_t*>(i.data()), i.size()),
                                       ByteView(reinterpret_cast<const uint8_t*>(a.data()), a.size()),
                                       f.header.endian, go::RuntimeDwarfStructNames(), &diag);
  if (!structs_or) {
    l->notes.push_back("DWARF not read: " + structs_or.error().message);
    return {};
  }
  std::vector<go::RuntimeStruct> out;
  for (const dwarf::StructType& s : *structs_or) {
    go::RuntimeStruct r{s.name, s.size, {}};
    for (const dwarf::Member& m : s.members) r.fields.push_back({m.name, m.offset, m.type_size, m.type_name});
    out.push_back(std::move(r));
  }
  return out;
}

std::string BuildSetting(const GoDive& d, std::string_view key) {
  if (const go::BuildInfo* bi = d.build_info_ok())
    for (const auto& [k, v] : bi->mod.settings)
      if (k == key) return v;
  return {};
}

go::RuntimeLayout ReadRuntime(const elf::File* fp, const AddressSpace& as, const GoDive& d, Diagnostics& diag,
                              std::string_view format_goos, std::string_view format_goarch) {
  go::RuntimeLayout l;
  std::vector<go::RuntimeStruct> dwarf;
  if (fp) dwarf = DwarfRuntimeStructs(*fp, &l, diag);
  if (!dwarf.empty()) {
    std::vector<std::string> notes = std::move(l.notes);
    l = go::LayoutFromDwarf(dwarf);
    l.notes.insert(l.notes.begin(), notes.begin(), notes.end());
  } else {
    std::string goos = BuildSetting(d, "GOOS"), goarch = BuildSetting(d, "GOARCH");
    if (goos.empty()) goos = std::string(format_goos);
    if (goarch.empty()) goarch = std::string(format_goarch);
    if (goarch.empty() && fp && fp->header.machine == 62) goarch = "amd64";  // EM_X86_64
    // No GOOS in the build info (esbuild's builds record no settings): Go's
    // linker marks a FreeBSD binary in EI_OSABI and the BSDs and Solaris with
    // their own notes, so System V or Linux there and no other OS's note is linux.
    if (goos.empty() && fp && (fp->header.osabi == 0 || fp->header.osabi == 3) &&
        std::none_of(fp->sections.begin(), fp->sections.end(), [](const elf::Section& s) {
          return s.name.starts_with(".note.netbsd") || s.name.starts_with(".note.openbsd") ||
                 s.name.starts_with(".note.dragonfly") || s.name.starts_with(".note.solaris");
        }))
      goos = "linux";
    std::optional<go::RuntimeLayout> t;
    if (d.minor) t = go::LayoutFromTable(*d.minor, as.ptr_size(), goos, goarch);
    if (t) {
      std::vector<std::string> notes = std::move(l.notes);
      l = std::move(*t);
      l.notes.insert(l.notes.begin(), notes.begin(), notes.end());
    } else if (!d.minor) {
      l.notes.push_back("the Go release is unknown and the binary has no DWARF: no layout");
    } else {
      l.notes.push_back(fmt::format("no layout table for Go 1.{}{}; the binary has no DWARF", *d.minor,
                                    goarch.empty() ? std::string() : fmt::format(" on {}/{}", goos.empty() ? "?" : goos, goarch)));
    }
  }
  // The globals, by name from the symbol table, with the symbol's size.
  for (const std::string& name : go::RuntimeGlobalNames()) l.globals.push_back({name, std::nullopt, std::nullopt, {}});
  bool any_symbols = false;
  if (!fp) {
    // Another format: each global by name through the address space (no sizes).
    for (go::RuntimeGlobal& g : l.globals)
      if (std::optional<uint64_t> at = as.Symbol(g.name)) {
        g.address = *at;
        g.how = "symbol";
        any_symbols = true;
      }
    if (!any_symbols) l.notes.push_back("no symbol table: the runtime's globals are located only in ELF files so far");
    return l;
  }
  const elf::File& f = *fp;
  for (const elf::SymbolTable* t : {&f.symtab, &f.dynsym}) {
    any_symbols = any_symbols || t->readable > 1;
    for (uint64_t i = 0; i < t->readable; ++i) {
      if (!t->NameStartsWith(i, "runtime.")) continue;
      const elf::Symbol s = t->At(i);
      if (!s.defined()) continue;
      for (go::RuntimeGlobal& g : l.globals)
        if (!g.address && s.name == g.name) {
          g.address = s.value;
          g.size = s.size;
          g.how = "symbol";
        }
    }
  }
  if (!any_symbols) {
    if (const go::Pclntab* t = d.pclntab_ok(); t && d.minor && !l.source.empty()) {
      l.notes.push_back("no symbol table: the runtime's globals are located through the runtime code that uses them");
      LocateRuntimeGlobals(f, as, *t, *d.minor, &l);
    } else {
      l.notes.push_back("no symbol table: the runtime's globals cannot be located without symbols");
    }
  }
  return l;
}

}  // namespace

GoDive DiveGo(const elf::File* f, const AddressSpace& as, const GoDiveOptions& opts, std::string_view goos,
              std::string_view goarch) {
  GoDive d;
  Diagnostics diag;
  d.build_info = go::ReadBuildInfo(as, &diag);
  if (d.build_info && !d.build_info->ok()) diag.Warn(d.build_info->error().message);
  const bool have_bi = d.build_info_ok() != nullptr;
  std::optional<std::string> md_error;
  if (opts.pclntab || opts.sizes || opts.runtime || !have_bi) {
    d.pclntab = go::ReadPclntab(as, diag, &d.moduledata);
  } else if (opts.types) {
    // The type tables need moduledata only: the functions are not parsed.
    Result<go::Moduledata> md = go::ReadModuledata(as, diag);
    if (md) d.moduledata = std::move(md.value());
    else md_error = md.error().message;
  }
  if (!have_bi && !d.pclntab_ok() && f) {
    // gccgo writes neither table: its own marks say whether the file is its.
    Analysis ga;
    AnalyzeGccgo(*f, &ga);
    if (ga.go) d.gccgo = std::move(ga);
  } else if (!have_bi) {
    // Without build info, the version the runtime keeps, checked against the layout.
    d.runtime_version =
        go::FindRuntimeVersion(as, go::LayoutHints(as, go::PclnMagic(d.pclntab_ok()->header().version)), diag);
  }
  if (opts.sizes && d.pclntab_ok()) d.sizes = go::MeasureCode(*d.pclntab_ok(), d.build_info_ok());
  if (have_bi) d.minor = go::GoMinorOf(d.build_info_ok()->version);
  else if (d.runtime_version) d.minor = d.runtime_version->minor;
  if (opts.types && (d.moduledata || md_error || d.pclntab_ok())) {
    d.types = md_error ? Result<go::TypeSet>(Error{*md_error}) : ReadGoTypes(as, d, diag);
    if (d.types->ok() && !opts.type_name.empty())
      for (go::GoType& t : d.types->value().types)
        if (t.name == opts.type_name)
          if (auto full = go::ReadTypeDetail(as, *d.moduledata, TypeMinor(d, diag), t.addr)) t = std::move(*full);
  }
  if (opts.runtime) d.runtime = ReadRuntime(f, as, d, diag, goos, goarch);
  d.warnings = diag.warnings();
  return d;
}

}  // namespace exray
