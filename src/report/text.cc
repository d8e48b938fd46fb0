#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <ostream>
#include <span>

#include "formats/elf/parser.h"
#include "formats/elf/raw.h"
#include "formats/macho/parser.h"
#include "formats/pe/parser.h"
#include "report/report.h"
#include "report/safe.h"
#include "support/escape.h"

namespace exray {

std::string Safe(std::string_view in) { return EscapeTerminal(in); }

namespace {

class Out {
 public:
  explicit Out(bool color) : color_(color) {}
  std::string Paint(std::string_view s, const char* code) const {
    return color_ ? fmt::format("\033[{}m{}\033[0m", code, s) : std::string(s);
  }
  std::string Good(std::string_view s) const { return Paint(s, "32"); }
  std::string Bad(std::string_view s) const { return Paint(s, "31"); }
  std::string Dim(std::string_view s) const { return Paint(s, "2"); }
  std::string Bold(std::string_view s) const { return Paint(s, "1"); }

  // value is escaped for the terminal first, then painted with code: the
  // file's bytes never carry escapes, exray's own colour does.
  void Field(std::string_view label, std::string_view value, std::string_view where = "", const char* code = nullptr) {
    s_ += fmt::format("  {:<11} {}", label, code ? Paint(Safe(value), code) : Safe(value));
    if (!where.empty()) s_ += "  " + Dim(fmt::format("[{}]", Safe(where)));
    s_ += '\n';
  }
  void Line(std::string_view text) { s_ += text; s_ += '\n'; }
  std::string& str() { return s_; }

 private:
  bool color_;
  std::string s_;
};

std::string HumanSize(uint64_t n) {
  if (n < 1024) return fmt::format("{} B", n);
  if (n < (1u << 20)) return fmt::format("{:.1f} KiB", n / 1024.0);
  if (n < (1u << 30)) return fmt::format("{:.1f} MiB", n / 1048576.0);
  return fmt::format("{:.1f} GiB", n / 1073741824.0);
}

std::string Join(const std::vector<std::string_view>& v, std::string_view sep) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += fmt::format("{}{}", i ? sep : "", v[i]);
  return s;
}

const Evidence* Find(const Analysis& a, EvidenceId id) {
  for (const Evidence& e : a.evidence)
    if (e.id == id) return &e;
  return nullptr;
}

void ElfLists(const elf::File& f, const ReportOptions& o, Out& out) {
  if (o.sections) {
    out.Line(fmt::format("\n  sections ({})", f.sections.size()));
    out.Line("    [Nr] Name                 Type            Address          Off      Size     Flg");
    for (const elf::Section& s : f.sections)
      out.Line(fmt::format("    [{:>2}] {:<20} {:<15} {:016x} {:08x} {:08x} {}", s.index, Safe(s.name),
                           elf::SectionTypeName(s.type, f.header.machine), s.addr, s.offset, s.size, elf::SectionFlags(s.flags)));
  }
  if (o.segments) {
    out.Line(fmt::format("\n  segments ({})", f.segments.size()));
    out.Line("    Type           Offset   VirtAddr         FileSiz  MemSiz   Flg");
    for (const elf::Segment& p : f.segments)
      out.Line(fmt::format("    {:<14} {:08x} {:016x} {:08x} {:08x} {}", elf::SegmentTypeName(p.type, f.header.machine), p.offset, p.vaddr,
                           p.filesz, p.memsz, elf::SegmentFlags(p.flags)));
  }
  if (o.dynamic) {
    out.Line(fmt::format("\n  dynamic ({}, {} entries)", f.dynamic_from, f.dynamic.size()));
    for (const elf::DynamicEntry& d : f.dynamic) out.Line(fmt::format("    {:<20} {:#x}", elf::DynamicTagName(d.tag), d.value));
    for (const elf::VersionNeed& n : f.verneed) {
      std::vector<std::string_view> names;
      for (const auto& v : n.versions) names.push_back(v.name);
      out.Line(fmt::format("    version needs  {}: {}", Safe(n.file), Safe(Join(names, ", "))));
    }
  }
  if (o.notes) {
    out.Line(fmt::format("\n  notes ({})", f.notes.size()));
    for (const elf::Note& n : f.notes) {
      std::string hex;
      for (uint64_t i = 0; i < n.desc.size() && i < 32; ++i) hex += fmt::format("{:02x}", n.desc.At(i));
      if (n.desc.size() > 32) hex += "…";
      out.Line(fmt::format("    {:<22} {:<6} type {:#x}  {} bytes  {}", Safe(n.where), Safe(n.owner), n.type, n.desc.size(), hex));
    }
  }
  if (o.symbols) {
    static const char* kType[] = {"NOTYPE", "OBJECT", "FUNC", "SECTION", "FILE", "COMMON", "TLS"};
    for (const elf::SymbolTable* t : {&f.dynsym, &f.symtab}) {
      if (!t->present) continue;
      out.Line(fmt::format("\n  {} ({} entries)", Safe(t->section_name), t->count));
      for (size_t i = 0; i < t->symbols.size(); ++i) {
        const elf::Symbol& s = t->symbols[i];
        std::string name(s.name);
        if (!s.version.empty()) name += fmt::format("{}{}", s.version_hidden ? "@" : "@@", s.version);
        out.Line(fmt::format("    {:>6} {:016x} {:>6} {:<7} {:<6} {}", i, s.value, s.size,
                             s.type < 7 ? kType[s.type] : "OTHER", s.defined() ? "" : "UND", Safe(name)));
      }
    }
  }
}

std::string_view EngineLabel(std::string_view e) {
  static constexpr std::pair<std::string_view, std::string_view> kLabels[] = {
      {"cpython", "CPython"}, {"pypy", "PyPy"}, {"hotspot", "HotSpot"}, {"v8", "V8"}, {"jsc", "JavaScriptCore"},
      {"lua", "Lua"},         {"luajit", "LuaJIT"}, {"perl", "Perl"},   {"ruby", "Ruby"}, {"php", "PHP"},
      {"tcl", "Tcl"},         {"guile", "Guile"}, {"beam", "BEAM"},     {"mono", "Mono"}, {"coreclr", "CoreCLR"},
      {"sbcl", "SBCL"},       {"racket", "Racket"}, {"bash", "Bash"},   {"gawk", "GNU Awk"}, {"chez", "Chez Scheme"},
      {"gforth", "Gforth"},   {"emacs", "Emacs Lisp"}, {"clisp", "CLISP"}, {"swipl", "SWI-Prolog"},
      {"regina", "Regina REXX"}, {"ocamlrun", "ocamlrun"}, {"dash", "Dash"}, {"zsh", "Zsh"},
      {"mksh", "MirBSD Korn Shell"}, {"tcsh", "tcsh"}, {"fish", "fish"}, {"jim", "Jim Tcl"}};
  for (auto [k, v] : kLabels)
    if (k == e) return v;
  return e;
}

// The verdict block: one line that answers what the file is, then the
// evidence it rests on, each item marked and with where it was seen.
void Verdict(const Analysis& a, Out& out) {
  if (!a.execution) return;
  const Execution& x = *a.execution;
  std::string v(x.model.str());
  if (x.model == "native") {
    // Engines it links for scripting (vim.nox: five) run its users' scripts,
    // not its own logic: named here, so "no interpreter" is not read as none at all.
    std::string embeds;
    for (const std::string& e : x.embeds) embeds += std::string(embeds.empty() ? "" : ", ") + std::string(EngineLabel(e));
    v += " · no VM · no interpreter";
    v += x.jit == "no" ? " · no JIT engine" : " · JIT " + std::string(x.jit.str());
    if (!embeds.empty()) v += " · embeds for scripting: " + embeds;
    if (a.go && a.go->code)
      v += fmt::format(" · runtime: Go ({}{})", a.go->code->gc ? "GC" : "no GC",
                       a.go->code->scheduler ? ", scheduler" : "");
    if (a.linking == "static" || a.linking == "static-pie") v += " · needs: the kernel only";
    else if (a.elf && a.elf->interpreter)
      v += fmt::format(" · needs: {} and {} librar{}", *a.elf->interpreter, a.elf->needed.size(),
                       a.elf->needed.size() == 1 ? "y" : "ies");
    else if (a.pe && a.linking == "dynamic")
      v += fmt::format(" · needs: {} DLL{}", a.pe->file.imports.size(), a.pe->file.imports.size() == 1 ? "" : "s");
    else if (a.macho && a.linking == "dynamic") {
      size_t n = 0;
      for (const macho::Dylib& d : a.macho->file.dylibs) n += d.kind != macho::DylibKind::kId;
      const std::string_view loader = a.macho->file.dylinker.empty() ? "its host's dyld" : a.macho->file.dylinker;
      v += fmt::format(" · needs: {} and {} dylib{}", Safe(loader), n, n == 1 ? "" : "s");
    }
  } else if (x.model == "script") {
    if (a.script) v += fmt::format(" · interpreter: {}", a.script->via_env ? a.script->command + " (via env)"
                                                                          : a.script->interpreter);
    if (!x.engine.empty()) v += fmt::format(" · engine: {}", EngineLabel(x.engine));
  } else {
    static constexpr std::pair<std::string_view, std::string_view> kHosts[] = {
        {"node-sea", "Node single-executable"}, {"bun", "bun --compile"}, {"pkg", "vercel/pkg"},
        {"pyinstaller", "PyInstaller"},        {"ocamlc-custom", "ocamlc -custom"}};
    std::string_view host;
    for (auto [k, label] : kHosts)
      if (k == x.payload_kind) host = label;
    if (!x.engine.empty())
      v += host.empty() ? fmt::format(" · engine: {}", EngineLabel(x.engine))
                        : fmt::format(" · engine: {} ({})", EngineLabel(x.engine), host);
    v += fmt::format(" · JIT: {}", x.jit.str());
    if (!x.payload_kind.empty()) v += fmt::format(" · carries: {} of {}", HumanSize(x.payload_size), a.toolchain ? a.toolchain->language : "program");
  }
  out.Field("verdict", v, "", "1");  // bold
  if (a.toolchain) {
    const Toolchain& t = *a.toolchain;
    std::string tc = t.language;
    if (!t.compiler.empty()) tc += ", " + t.compiler + (t.version.empty() ? "" : " " + t.version);
    else if (!t.version.empty()) tc += " " + t.version;
    if (!t.libc.empty()) tc += fmt::format(" · {} ({})", t.libc, t.libc_linking);
    out.Field("toolchain", Safe(tc));
  }
  // Toolchain first, then what runs the code, then the Go runtime's parts,
  // then what the machine code shows (with --code).
  static constexpr std::string_view kRanks[] = {"toolchain.", "go.version", "execution.", "go.runtime.gc",
                                                "go.runtime.scheduler", "code."};
  std::vector<std::pair<size_t, const Evidence*>> shown;
  for (const Evidence& e : a.evidence)
    for (size_t r = 0; r < std::size(kRanks); ++r)
      if (e.id.str().starts_with(kRanks[r])) {
        shown.emplace_back(r, &e);
        break;
      }
  std::stable_sort(shown.begin(), shown.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  for (const auto& [rank, ep] : shown) {
    const Evidence& e = *ep;
    std::string mark = e.holds ? out.Good("✓") : out.Bad("✗");
    std::string detail = e.detail.empty() ? "" : ": " + e.detail;
    out.Line(fmt::format("    {} {} {}", mark, Safe(e.claim), out.Dim(fmt::format("[{}, {}{}]", StrengthName(e.strength),
                                                                                 Safe(e.where), Safe(detail)))));
  }
}

struct HardeningRow {
  EvidenceId id;
  const char* label;
};

// One line per row whose evidence is there: ✓ holds, ✗ does not, ~ holds
// only in part (RELRO partial).
void HardeningLines(const Analysis& a, std::span<const HardeningRow> rows, Out& out, int width = 14) {
  out.Line("  hardening");
  for (const HardeningRow& row : rows) {
    const Evidence* e = Find(a, row.id);
    if (!e) continue;
    std::string label = row.label;
    if (row.id == "hardening.relro") label = fmt::format("RELRO {}", a.hardening.relro);
    bool good = e->holds && !(row.id == "hardening.relro" && a.hardening.relro != "full");
    std::string mark = good ? out.Good("✓") : (e->holds ? out.Paint("~", "33") : out.Bad("✗"));
    std::string detail = e->detail.empty() ? "" : ": " + e->detail;
    out.Line(fmt::format("    {} {:<{}} {}", mark, label, width, out.Dim(Safe(e->where + detail))));
  }
}

void GoLines(const Analysis& a, Out& out) {
  if (!a.go) return;
  {
    const GoFacts& g = *a.go;
    std::string v = g.version.empty() ? "version not recorded" : g.version;
    if (g.compiler != "gc") v += " (" + g.compiler + ")";
    if (const go::BuildInfo* bi = g.build_info ? &*g.build_info : nullptr) {
      if (bi->mod.main) v += fmt::format(", module {} {}", bi->mod.main->mod.path, bi->mod.main->mod.version);
      else if (!bi->mod.path.empty()) v += fmt::format(", {}", bi->mod.path);
      v += fmt::format(", {} deps", bi->mod.deps.size());
    }
    v += g.cgo ? ", cgo" : ", no cgo";
    std::string where = g.build_info ? g.build_info->where : g.version_from;
    if (!g.build_info && !g.version_range.empty()) where += fmt::format(" ({} by layout)", g.version_range);
    if (g.pclntab)
      where += fmt::format("{}pclntab {} layout, {} functions", where.empty() ? "" : "; ", g.pclntab->layout,
                           g.pclntab->functions);
    out.Field("go", Safe(v), where);
    if (const std::optional<GoFacts::TypeTables>& t = g.type_tables)
      out.Field("go types",
                fmt::format("{} itabs{}{}", t->itabs,
                            t->typelinks ? fmt::format(", {} typelinks", *t->typelinks) : std::string(),
                            t->region_bytes ? fmt::format(", {} of type data", HumanSize(*t->region_bytes))
                                            : std::string()),
                "moduledata; `exray go FILE --types` lists them");
    if (g.code) {
      const go::CodeSizes& c = *g.code;
      auto pct = [&](go::CodeOwner o) {
        return c.total_bytes ? 100.0 * static_cast<double>(c[o].bytes) / static_cast<double>(c.total_bytes) : 0.0;
      };
      std::string rt = fmt::format("Go ({}{}{}), {} of code ({:.0f}%)", c.gc ? "GC" : "no GC",
                                   c.scheduler ? ", scheduler" : "", "", HumanSize(c[go::CodeOwner::kRuntime].bytes),
                                   pct(go::CodeOwner::kRuntime));
      rt += fmt::format("; stdlib {} ({:.0f}%), program {} ({:.0f}%), dependencies {} ({:.0f}%)",
                        HumanSize(c[go::CodeOwner::kStdlib].bytes), pct(go::CodeOwner::kStdlib),
                        HumanSize(c[go::CodeOwner::kProgram].bytes), pct(go::CodeOwner::kProgram),
                        HumanSize(c[go::CodeOwner::kDependency].bytes), pct(go::CodeOwner::kDependency));
      out.Field("runtime", rt, fmt::format("pclntab, {} bytes of code", c.total_bytes));
    }
  }
}


std::string UuidString(const std::array<uint8_t, 16>& u) {
  std::string s;
  for (size_t i = 0; i < u.size(); ++i) s += fmt::format("{}{:02X}", i == 4 || i == 6 || i == 8 || i == 10 ? "-" : "", u[i]);
  return s;
}

void MachoLists(const macho::File& f, const ReportOptions& o, Out& out) {
  if (o.segments) {
    out.Line(fmt::format("\n  segments ({})", f.segments.size()));
    out.Line("    Name             VMAddr           VMSize           FileOff  FileSize Prot Max  Sects");
    auto prot = [](uint32_t p) {
      return fmt::format("{}{}{}", p & 1 ? 'r' : '-', p & 2 ? 'w' : '-', p & 4 ? 'x' : '-');
    };
    for (const macho::Segment& g : f.segments)
      out.Line(fmt::format("    {:<16} {:016x} {:016x} {:08x} {:08x} {}  {}  {}", Safe(g.name), g.vmaddr, g.vmsize,
                           g.fileoff, g.filesize, prot(g.initprot), prot(g.maxprot), g.nsects));
  }
  if (o.sections) {
    out.Line(fmt::format("\n  sections ({})", f.sections.size()));
    out.Line("    [Nr] Segment,Section                  Address          Offset   Size     Type");
    for (size_t i = 0; i < f.sections.size(); ++i) {
      const macho::Section& c = f.sections[i];
      out.Line(fmt::format("    [{:>2}] {:<32} {:016x} {:08x} {:08x} {:#x}{}", i + 1,
                           Safe(std::string(c.segname) + "," + std::string(c.sectname)), c.addr, c.offset, c.size,
                           c.type(), c.in_file ? "" : " (not in file)"));
    }
  }
  if (o.dynamic) {
    out.Line(fmt::format("\n  load commands ({})", f.commands.size()));
    for (const macho::LoadCommand& c : f.commands)
      out.Line(fmt::format("    {:#08x} {:<28} {} bytes", c.offset, macho::LoadCommandName(c.cmd), c.cmdsize));
    out.Line(fmt::format("\n  dylibs ({})", f.dylibs.size()));
    for (const macho::Dylib& d : f.dylibs)
      out.Line(fmt::format("    {:<8} {}  compatibility {}, current {}", macho::DylibKindName(d.kind), Safe(d.name),
                           macho::VersionString(d.compatibility_version), macho::VersionString(d.current_version)));
  }
  if (o.symbols && f.symtab) {
    out.Line(fmt::format("\n  symbol table ({} entries)", f.SymbolCount()));
    for (uint64_t i = 0; i < f.SymbolCount(); ++i) {
      const macho::Symbol y = f.SymbolAt(i);
      const char* kind = y.stab() ? "STAB" : y.undefined() ? "UND" : y.defined() ? "SECT" : (y.type & macho::kNTypeMask) == macho::kNAbs ? "ABS" : "OTHER";
      out.Line(fmt::format("    {:>6} {:016x} {:<5} {:<3} {}", i, y.value, kind, y.external() ? "ext" : "", Safe(y.name)));
    }
  }
}

void MachoReport(const Analysis& a, const ReportOptions& o, Out& out) {
  const MachoFacts& m = *a.macho;
  const macho::File& f = m.file;
  const std::string cpu = macho::CpuTypeName(f.header.cputype, f.header.cpusubtype);
  std::string title = fmt::format("{}  Mach-O {}-bit {}{} {}, {}", out.Bold(Safe(a.path)), f.header.is64 ? 64 : 32,
                                  macho::FileTypeName(f.header.filetype),
                                  f.header.endian == Endian::kBig ? " big-endian" : "", cpu, HumanSize(a.size));
  if (!a.universal && m.offset) title += fmt::format(", slice at offset {:#x}", m.offset);
  out.Line(title);
  if (a.universal) {
    std::string slices;
    for (size_t i = 0; i < a.universal->archs.size(); ++i) {
      const macho::FatArch& x = a.universal->archs[i];
      slices += fmt::format("{}{} at {:#x}{}", i ? ", " : "", macho::CpuTypeName(x.cputype, x.cpusubtype), x.offset,
                            i == a.universal->selected ? " (this report)" : "");
    }
    out.Field("universal", fmt::format("{} slices: {}", a.universal->archs.size(), slices),
              a.universal->is64 ? "fat_header, fat_arch_64" : "fat_header, fat_arch");
  }
  Verdict(a, out);
  if (m.entry) out.Field("entry", fmt::format("{:#x}", *m.entry), f.main_entryoff ? "LC_MAIN" : "LC_UNIXTHREAD");
  if (f.uuid) out.Field("uuid", UuidString(*f.uuid), "LC_UUID (its dSYM has the same)");
  if (!m.platform.empty()) {
    std::string p = fmt::format("{} {} or newer", m.platform, m.min_os);
    if (!m.sdk.empty()) p += fmt::format(" (SDK {})", m.sdk);
    out.Field("platform", p, macho::LoadCommandName(f.build_versions.front().cmd));
  }
  if (a.sha256) out.Field("sha256", *a.sha256);
  GoLines(a, out);

  std::string link(a.linking.str());
  if (a.pie) link += ", PIE";
  std::string id;
  for (const macho::Dylib& d : f.dylibs)
    if (d.kind == macho::DylibKind::kId) id = std::string(d.name);
  if (!id.empty()) link += fmt::format(", dylib {}", Safe(id));
  out.Field("linking", link, "LC_LOAD_DYLINKER, LC_LOAD_DYLIB; mach_header flags");
  if (a.linking == "static") {
    out.Field("needs", "the kernel only", "no LC_LOAD_DYLINKER, no LC_LOAD_DYLIB");
  } else if (a.linking == "dynamic") {
    if (!f.dylinker.empty()) out.Field("needs", fmt::format("loader {}", Safe(f.dylinker)), "LC_LOAD_DYLINKER");
    bool first = f.dylinker.empty();
    for (const macho::Dylib& d : f.dylibs) {
      if (d.kind == macho::DylibKind::kId) continue;
      std::string line = fmt::format("{} (compatibility {})", Safe(d.name), macho::VersionString(d.compatibility_version));
      if (d.kind != macho::DylibKind::kLoad) line += fmt::format(", {}", macho::DylibKindName(d.kind));
      out.Field(first ? "needs" : "", line, first ? "LC_LOAD_DYLIB" : "");
      first = false;
    }
    for (std::string_view r : f.rpaths) out.Field("", fmt::format("rpath {}", Safe(r)), "LC_RPATH");
  }
  std::string syms = !f.symtab ? "no symbol table" : a.stripped ? fmt::format("stripped ({} entries, no local symbols)", m.symbols)
                                                                   : fmt::format("{} entries", m.symbols);
  if (f.symtab) syms += fmt::format(", {} imported", m.imports);
  syms += a.debug_info ? ", debug info" : m.debug_map ? ", a debug map to object files (STABS), no DWARF here" : ", no debug info";
  out.Field("symbols", syms, "LC_SYMTAB");
  bool first = true;
  for (const macho::BuildVersion& b : f.build_versions)
    for (const macho::BuildTool& t : b.tools) {
      const std::string_view name = macho::ToolName(t.tool);
      out.Field(first ? "producers" : "", fmt::format("{} {}", name.empty() ? fmt::format("tool {}", t.tool) : std::string(name),
                                                      macho::VersionString(t.version)),
                first ? "LC_BUILD_VERSION" : "");
      first = false;
    }
  static const HardeningRow kRows[] = {
      {"linking.pie", "PIE"},
      {"hardening.nx", "NX stack"},
      {"hardening.wx", "no W+X segment"},
      {"hardening.canary", "stack canary"},
      {"hardening.arc", "ARC"},
      {"hardening.signature", "code signature"},
      {"hardening.runtime", "hardened runtime"},
      {"hardening.restrict", "__RESTRICT"},
      {"hardening.fixups", "chained fixups"},
      {"hardening.encryption", "encrypted"},
  };
  if (Find(a, "hardening.nx")) HardeningLines(a, kRows, out, 16);
  MachoLists(f, o, out);
}


std::string GuidString(const std::array<uint8_t, 16>& g) {
  // Data1-3 are little-endian on disk; PDB tools print them as numbers.
  return fmt::format("{:02X}{:02X}{:02X}{:02X}-{:02X}{:02X}-{:02X}{:02X}-{:02X}{:02X}-{:02X}{:02X}{:02X}{:02X}{:02X}{:02X}",
                     g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9], g[10], g[11], g[12], g[13], g[14],
                     g[15]);
}

void PeLists(const pe::File& f, const ReportOptions& o, Out& out) {
  if (o.sections || o.segments) {
    out.Line(fmt::format("\n  sections ({})", f.sections.size()));
    out.Line("    [Nr] Name             VirtAddr VirtSize RawOff   RawSize  Flags");
    for (size_t i = 0; i < f.sections.size(); ++i) {
      const pe::Section& c = f.sections[i];
      out.Line(fmt::format("    [{:>2}] {:<16} {:08x} {:08x} {:08x} {:08x} {}{}{} {:#010x}", i + 1, Safe(c.name),
                           c.virtual_address, c.virtual_size, c.raw_offset, c.raw_size,
                           c.characteristics & pe::kScnRead ? 'r' : '-', c.characteristics & pe::kScnWrite ? 'w' : '-',
                           c.characteristics & pe::kScnExecute ? 'x' : '-', c.characteristics));
    }
  }
  if (o.dynamic) {
    for (const pe::ImportDll& d : f.imports) {
      out.Line(fmt::format("\n  imports from {}{} ({})", Safe(d.name), d.delay ? " (delay-loaded)" : "", d.functions.size()));
      for (const pe::ImportFunction& fn : d.functions)
        out.Line(fn.ordinal ? fmt::format("    ordinal {}", *fn.ordinal) : fmt::format("    {}", Safe(fn.name)));
    }
    if (f.exports) {
      out.Line(fmt::format("\n  exports of {} ({} functions, {} names)", Safe(f.exports->dll_name),
                           f.exports->nfunctions, f.exports->nnames));
      for (std::string_view n : f.exports->names) out.Line(fmt::format("    {}", Safe(n)));
    }
  }
}

void PeReport(const Analysis& a, const ReportOptions& o, Out& out) {
  const PeFacts& p = *a.pe;
  const pe::File& f = p.file;
  const pe::Header& h = f.header;
  std::string_view sub = pe::SubsystemName(h.subsystem);
  out.Line(fmt::format("{}  {} {}{}, {}, {}", out.Bold(Safe(a.path)), h.pe32plus ? "PE32+" : "PE32",
                       h.characteristics & pe::kFileDll ? "DLL" : "executable",
                       sub.empty() ? std::string() : fmt::format(" ({})", sub), a.arch, HumanSize(a.size)));
  Verdict(a, out);
  out.Field("entry", fmt::format("{:#x}", h.image_base + h.entry_rva), fmt::format("AddressOfEntryPoint {:#x} + ImageBase", h.entry_rva));
  out.Field("platform", fmt::format("Windows {}.{} or newer (subsystem {}.{})", h.os_major, h.os_minor,
                                    h.subsystem_major, h.subsystem_minor),
            "optional header");
  if (f.codeview)
    out.Field("pdb", fmt::format("{} (GUID {}, age {})", Safe(f.codeview->pdb_path), GuidString(f.codeview->guid),
                                 f.codeview->age),
              "debug directory, CodeView");
  if (a.sha256) out.Field("sha256", *a.sha256);
  GoLines(a, out);
  out.Field("linking", std::string(a.linking.str()) + (a.pie ? ", relocatable (DYNAMICBASE)" : ""), "import directory; DllCharacteristics");
  if (!f.imports.empty()) {
    bool first = true;
    for (const pe::ImportDll& d : f.imports) {
      out.Field(first ? "needs" : "", fmt::format("{} ({} function{}{})", Safe(d.name), d.functions.size(),
                                                  d.functions.size() == 1 ? "" : "s", d.delay ? ", delay-loaded" : ""),
                first ? "import directory" : "");
      first = false;
    }
  }
  if (f.exports)
    out.Field("exports", fmt::format("{} functions, {} names{}", f.exports->nfunctions, f.exports->nnames,
                                     f.exports->dll_name.empty() ? std::string() : " as " + Safe(f.exports->dll_name)),
              "export directory");
  out.Field("symbols", fmt::format("{}{}", h.nsymbols ? fmt::format("COFF symbol table, {} records", h.nsymbols) : "no COFF symbol table",
                                   a.debug_info ? ", DWARF debug info" : f.codeview ? ", debug info in the PDB" : ", no debug info"));
  bool first = true;
  for (const pe::RichEntry& r : f.rich) {
    if (r.product <= 1) continue;  // unmarked objects; the import count
    const std::string_view vs = pe::VisualStudioFor(r.product, r.build);
    if (first) out.Field("producers", fmt::format("linker {}.{}", h.linker_major, h.linker_minor), "optional header");
    out.Field("", fmt::format("product {:#06x} build {} ×{}{}", r.product, r.build, r.count, vs.empty() ? "" : fmt::format(" ({})", vs)),
              first ? "Rich header" : "");
    first = false;
  }
  if (first) out.Field("producers", fmt::format("linker {}.{}", h.linker_major, h.linker_minor), "optional header; no Rich header");
  static const HardeningRow kRows[] = {
      {"hardening.aslr", "ASLR"},          {"hardening.high_entropy_va", "high-entropy VA"},
      {"hardening.nx", "DEP (NX)"},        {"hardening.cfg", "CFG"},
      {"hardening.gs", "/GS cookies"},     {"hardening.safeseh", "SafeSEH"},
      {"hardening.cet", "CET shadow stack"}, {"hardening.signature", "Authenticode"},
  };
  HardeningLines(a, kRows, out, 16);
  PeLists(f, o, out);
}

void ElfReport(const Analysis& a, const ReportOptions& o, Out& out) {
  const elf::File& f = *a.elf;
  out.Line(fmt::format("{}  ELF {}-bit {}-endian {}, {}, {}", out.Bold(Safe(a.path)), f.header.is64 ? 64 : 32,
                       f.header.endian == Endian::kLittle ? "little" : "big", elf::TypeName(f.header.type), a.arch,
                       HumanSize(a.size)));
  if (a.core) {
    // A core dump: the process it came from, not a program to judge.
    const elf::CoreFacts& c = *a.core;
    std::string who = c.program.empty() ? "a process (no NT_PRPSINFO note)" : c.program;
    if (c.pid) who += fmt::format(", pid {}", *c.pid);
    if (c.signal && *c.signal) who += fmt::format(", signal {}", *c.signal);
    out.Field("core of", Safe(who), "NT_PRPSINFO, NT_PRSTATUS");
    if (!c.args.empty()) out.Field("command", Safe(c.args), "pr_psargs (first 80 bytes)");
    if (c.file_count) {
      out.Field("mapped", fmt::format("{} file mappings", c.file_count), "NT_FILE");
      std::vector<std::string> seen;
      for (const elf::CoreFile& m : c.files)
        if (std::find(seen.begin(), seen.end(), m.path) == seen.end() && seen.size() < 8) {
          seen.push_back(m.path);
          out.Field("", Safe(m.path));
        }
    }
    if (f.build_id) out.Field("build-id", *f.build_id, "NT_GNU_BUILD_ID note");
    if (a.sha256) out.Field("sha256", *a.sha256);
    return;
  }
  if (a.module) {
    const elf::ModuleFacts& m = *a.module;
    out.Field("module", Safe(m.name.empty() ? std::string("Linux kernel module") : "Linux kernel module " + m.name),
              ".modinfo");
    if (!m.description.empty()) out.Field("", Safe(m.description));
    if (!m.vermagic.empty()) out.Field("vermagic", Safe(m.vermagic), "the kernel it was built for");
    if (!m.license.empty()) out.Field("license", Safe(m.license));
    std::string deps;
    for (const std::string& d : m.depends) deps += (deps.empty() ? "" : ", ") + d;
    out.Field("depends", deps.empty() ? "no other module" : Safe(deps));
    out.Field("retpoline", m.retpoline ? "yes (retpoline=Y)" : "not marked", ".modinfo");
    for (size_t i = 0; i < f.comment.size() && i < 3; ++i) out.Field(i ? "" : "producers", f.comment[i], i ? "" : ".comment");
    if (a.sha256) out.Field("sha256", *a.sha256);
    return;
  }
  Verdict(a, out);
  if (const Evidence* e = Find(a, "kind.extension"))
    out.Field("extension", Safe(e->claim.substr(e->claim.find("is ") == 0 ? 3 : 0)),
              fmt::format("{}: {}", e->where, Safe(e->detail)));
  out.Field("entry", fmt::format("{:#x}", f.header.entry), "e_entry");
  if (f.build_id) out.Field("build-id", *f.build_id, "NT_GNU_BUILD_ID note");
  if (f.go_build_id) out.Field("go build-id", *f.go_build_id, "Go build-id note");
  if (a.sha256) out.Field("sha256", *a.sha256);
  GoLines(a, out);

  if (a.rust) {
    const Evidence* v = Find(a, "rust.version");
    const Evidence* c = Find(a, "rust.crates");
    out.Field("rust", RustSummary(*a.rust),
              fmt::format("{}{}{}", v ? v->where : "", v && c ? "; " : "", c ? c->where : ""));
  }

  std::string link(a.linking.str());
  if (a.pie && a.linking != "static-pie") link += ", PIE";
  if (f.soname) link += fmt::format(", shared library {}", *f.soname);
  std::vector<std::string_view> why;
  const Evidence* interp = Find(a, "linking.interp");
  const Evidence* dyn = Find(a, "linking.dynamic");
  const Evidence* pie = Find(a, "linking.pie");
  std::string where = fmt::format("{}; {}; {}", interp ? interp->where : "", dyn ? dyn->where : "", pie ? pie->where : "");
  out.Field("linking", link, where);

  if (a.linking == "static" || a.linking == "static-pie") {
    out.Field("needs", "the kernel only", "no PT_INTERP, no DT_NEEDED");
  } else if (a.linking == "dynamic") {
    if (f.interpreter) out.Field("needs", fmt::format("loader {}", *f.interpreter), "PT_INTERP");
    else out.Field("needs", "a loader that maps it (no PT_INTERP of its own)", "no PT_INTERP");
    if (!f.needed.empty()) out.Field("", Join(f.needed, ", "), "DT_NEEDED");
    if (a.glibc_min) out.Field("", fmt::format("glibc {} or newer", a.glibc_min->substr(6)), ".gnu.version_r");
    if (f.rpath) out.Field("", fmt::format("rpath {}", *f.rpath), "DT_RPATH");
    if (f.runpath) out.Field("", fmt::format("runpath {}", *f.runpath), "DT_RUNPATH");
  }

  std::string syms = a.stripped ? "stripped (no .symtab)" : fmt::format(".symtab {} entries", f.symtab.count);
  if (f.dynsym.present) syms += fmt::format(", .dynsym {} entries", f.dynsym.count);
  syms += a.debug_info ? ", debug info" : ", no debug info";
  out.Field("symbols", syms);
  for (size_t i = 0; i < f.comment.size() && i < 6; ++i) out.Field(i ? "" : "producers", f.comment[i], i ? "" : ".comment");
  if (f.comment.size() > 6) out.Field("", fmt::format("and {} more", f.comment.size() - 6));
  if (f.abi_tag) out.Field("abi tag", *f.abi_tag, "NT_GNU_ABI_TAG note");

  static const HardeningRow kRows[] = {
      {"hardening.relro", "RELRO"},       {"hardening.nx", "NX stack"},     {"hardening.canary", "stack canary"},
      {"hardening.fortify", "FORTIFY"},   {"hardening.ibt", "IBT / BTI"},   {"hardening.shstk", "SHSTK / PAC"},
      {"hardening.wx", "no W+X load"},    {"hardening.textrel", "no TEXTREL"}, {"hardening.rpath", "no RPATH"},
      {"hardening.runpath", "no RUNPATH"}};
  HardeningLines(a, kRows, out);
  ElfLists(f, o, out);
}

// Bytecode and archive files (analysis/bytecode.h): a title, the verdict, the kind's facts.
void BytecodeReport(const Analysis& a, Out& out) {
  static constexpr std::pair<std::string_view, std::string_view> kTitles[] = {
      {"java-class", "Java class file"}, {"jar", "jar (Java archive)"}, {"zip", "zip archive"},
      {"pyc", "Python bytecode (.pyc)"}, {"wasm", "WebAssembly module"}, {"lua", "Lua bytecode"},
      {"luajit", "LuaJIT bytecode"},     {"beam", "Erlang BEAM file"},  {"cli", ".NET assembly (PE, CLI header)"}};
  std::string title = a.format == "pe" ? "PE file (native code is not analysed yet)" : a.format;
  const BytecodeFacts* f = a.bytecode ? &*a.bytecode : nullptr;
  if (f)
    for (auto [k, v] : kTitles)
      if (k == f->kind) title = std::string(v);
  if (f && !f->version.empty()) {
    if (f->kind == "java-class") title += ", Java " + f->version;
    else if (f->kind == "jar") title += ", Java " + f->version + " classes";
    else if (f->kind == "pyc") title += ", Python " + f->version;
    else if (f->kind == "cli") title += ", metadata " + f->version;
    else title += ", version " + f->version;
  }
  out.Line(fmt::format("{}  {}, {}", out.Bold(Safe(a.path)), Safe(title), HumanSize(a.size)));
  Verdict(a, out);
  if (a.format == "pe" && !a.arch.empty()) out.Field("machine", a.arch, "COFF header");
  if (a.sha256) out.Field("sha256", *a.sha256);
  if (!f) return;
  if (const auto* z = f->zip ? &*f->zip : nullptr) {
    out.Field("entries", fmt::format("{} ({} .class){}", z->entries, z->classes, z->manifest ? ", META-INF/MANIFEST.MF" : ""),
              "central directory");
    if (!z->main_class.empty()) out.Field("main class", Safe(z->main_class), "MANIFEST.MF");
    if (!z->created_by.empty()) out.Field("created by", Safe(z->created_by), "MANIFEST.MF");
    if (!z->build_jdk.empty()) out.Field("build jdk", Safe(z->build_jdk), "MANIFEST.MF");
  }
  if (const auto* m = f->wasm ? &*f->wasm : nullptr) {
    out.Field("sections", fmt::format("{}{}{}", m->sections, m->imports ? fmt::format(", {} imports", *m->imports) : "",
                                      m->exports ? fmt::format(", {} exports", *m->exports) : ""));
    for (const bytecode::WasmProducer& p : m->producers)
      out.Field(Safe(p.field), Safe(p.name + (p.version.empty() ? "" : " " + p.version)), "producers section");
  }
  if (f->beam && !f->beam->module.empty()) out.Field("module", Safe(f->beam->module), "atom chunk");
  if (f->pe && f->pe->cli)
    out.Field("runtime", fmt::format("CLI {}.{}, flags {:#x}", f->pe->cli->runtime_major, f->pe->cli->runtime_minor,
                                     f->pe->cli->flags), "CLI header");
}

}  // namespace

std::string ToText(const Analysis& a, const ReportOptions& o) {
  Out out(o.color);
  if (a.elf) {
    ElfReport(a, o, out);
  } else if (a.macho) {
    MachoReport(a, o, out);
  } else if (a.pe) {
    PeReport(a, o, out);
  } else if (a.script) {
    const script::Shebang& s = *a.script;
    out.Line(fmt::format("{}  script, {}", out.Bold(Safe(a.path)), HumanSize(a.size)));
    Verdict(a, out);
    out.Field("interpreter", s.interpreter + (s.args.empty() ? "" : " " + s.args), "#! line");
    if (s.via_env) out.Field("runs", fmt::format("{} found on PATH by env", s.command));
    if (a.sha256) out.Field("sha256", *a.sha256);
  } else if (a.format == "empty") {
    out.Line(fmt::format("{}  empty file, 0 B", out.Bold(Safe(a.path))));
    if (a.sha256) out.Field("sha256", *a.sha256);
  } else if (a.format != "unknown") {
    BytecodeReport(a, out);
  } else {
    out.Line(fmt::format("{}  unknown format, {}", out.Bold(Safe(a.path)), HumanSize(a.size)));
    if (a.sha256) out.Field("sha256", *a.sha256);
  }
  if (!a.warnings.empty()) {
    out.Line("  warnings");
    for (const std::string& w : a.warnings) out.Line(fmt::format("    {} {}", out.Paint("!", "33"), Safe(w)));
  }
  // A universal file's other slices, each a report of its own.
  for (const Analysis& slice : a.slices) out.str() += "\n" + ToText(slice, o);
  return std::move(out.str());
}

void GoReportToText(const GoReport& r, std::ostream& out) {
  std::string s;
  // Lines gather in s and go out a chunk at a time; s keeps its capacity.
  constexpr size_t kChunk = 64 << 10;
  auto flush = [&](bool all) {
    if (!all && s.size() < kChunk) return;
    out << s;
    s.clear();
  };
  if (r.build_info) {
    s = GoToText(r.path, *r.build_info);
  } else if (r.runtime_version) {
    const go::RuntimeVersion& v = *r.runtime_version;
    s = fmt::format("{}: {} (no build info; from the runtime's version string, {} at {:#x}{})\n", Safe(r.path),
                    Safe(v.version), go::VersionSourceName(v.source), v.string_vaddr,
                    v.consistent ? "" : "; contradicts the layout");
    for (const go::VersionCheck& c : v.checks) s += fmt::format("\t{} {}\n", c.holds ? "ok" : "CONFLICT", c.detail);
    for (const std::string& n : v.notes) s += fmt::format("\tnote {}\n", Safe(n));
  } else {
    s = fmt::format("{}: no build info (the Go version is not recorded)\n", Safe(r.path));
  }
  if (!r.pclntab) {
    s += "pclntab: not found\n";
    return flush(true);
  }
  const go::Pclntab& t = *r.pclntab;
  s += fmt::format("pclntab: Go {} layout at {:#x} ({} by {}), {} functions, text base {:#x} from {}\n",
                   go::PclnVersionName(t.header().version), t.vaddr(), t.size(), go::PclnSourceName(t.source()),
                   t.functions().size(), t.text_base(), go::TextBaseSourceName(t.text_base_source()));
  if (r.functions) {
    s += "functions:\n";
    for (size_t i = 0; i < t.functions().size(); ++i) {
      const go::Function& f = t.functions()[i];
      if (!r.lines) {
        fmt::format_to(std::back_inserter(s), "  {:#x} {:#x} {}\n", f.entry, f.end, Safe(f.name));
        flush(false);
        continue;
      }
      go::Position pos = t.EntryPosition(i);
      fmt::format_to(std::back_inserter(s), "  {:#x} {:#x} {} {}:{}\n", f.entry, f.end, Safe(f.name), Safe(pos.file),
                     pos.line);
      flush(false);
    }
  }
  if (r.sizes) {
    const go::CodeSizes& c = *r.sizes;
    s += fmt::format("code: {} bytes in {} functions ({})\n", c.total_bytes, t.functions().size(), c.rule);
    for (size_t i = 0; i < go::kCodeOwners; ++i)
      s += fmt::format("  {:<13} {:>10} bytes {:>7} functions\n", go::CodeOwnerName(static_cast<go::CodeOwner>(i)),
                       c.by_owner[i].bytes, c.by_owner[i].functions);
    s += "packages:\n";
    for (const go::PackageSize& p : c.packages)
      s += fmt::format("  {:>10} {:>6} {:<13} {}\n", p.share.bytes, p.share.functions, go::CodeOwnerName(p.owner),
                       Safe(p.package));
  }
  if (r.files) {
    s += "files:\n";
    for (std::string_view f : t.Files()) {
      fmt::format_to(std::back_inserter(s), "  {}\n", Safe(f));
      flush(false);
    }
  }
  // Like the Go runtime's traceback: the frames inlined at pc first, innermost
  // first, then the physical function with the offset from its entry.
  for (uint64_t pc : r.pcs) {
    std::optional<go::Location> loc = t.Lookup(pc);
    if (!loc || !loc->function) {
      s += fmt::format("{:#x} ?\n", pc);
      continue;
    }
    std::vector<go::Frame> frames;
    if (r.as) frames = t.Frames(*r.as, pc);
    const std::string pad(fmt::format("{:#x} ", pc).size(), ' ');
    bool first = true;
    for (const go::Frame& f : frames) {
      if (!f.inlined) break;
      s += fmt::format("{}{} {}:{} (inlined)\n", first ? fmt::format("{:#x} ", pc) : pad, Safe(f.function),
                       Safe(f.pos.file), f.pos.line);
      first = false;
    }
    const go::Position pos = frames.empty() ? loc->pos : frames.back().pos;
    s += fmt::format("{}{}+{:#x} {}:{}\n", first ? fmt::format("{:#x} ", pc) : pad, Safe(loc->function->name),
                     pc - loc->function->entry, Safe(pos.file), pos.line);
    flush(false);
  }
  flush(true);
}

namespace {
// A Go string literal as strconv.Quote writes it: quotes and backslashes
// escaped, control bytes as \n, \t or \xNN; valid UTF-8 beyond ASCII is
// kept (Quote escapes the few non-printable code points too; build values
// do not carry them).
std::string GoQuote(std::string_view v) {
  std::string out = "\"";
  for (size_t i = 0; i < v.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(v[i]);
    switch (c) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      case '\a': out += "\\a"; continue;
      case '\b': out += "\\b"; continue;
      case '\f': out += "\\f"; continue;
      case '\n': out += "\\n"; continue;
      case '\r': out += "\\r"; continue;
      case '\t': out += "\\t"; continue;
      case '\v': out += "\\v"; continue;
      default: break;
    }
    if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
      continue;
    }
    if (c < 0x80) {
      out += static_cast<char>(c);
      continue;
    }
    // A whole UTF-8 sequence, or \xNN for a byte that starts none.
    const size_t n = c >= 0xf5 ? 0 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
    bool ok = n > 0 && i + n <= v.size();
    for (size_t k = 1; ok && k < n; ++k) ok = (static_cast<unsigned char>(v[i + k]) & 0xc0) == 0x80;
    if (!ok) {
      out += fmt::format("\\x{:02x}", c);
      continue;
    }
    out.append(v.substr(i, n));
    i += n - 1;
  }
  return out + "\"";
}
}  // namespace

std::string GoToText(std::string_view path, const go::BuildInfo& bi) {
  // The layout of `go version -m` (cmd/go/internal/version, BuildInfo.String).
  std::string s = fmt::format("{}: {}\n", Safe(path), Safe(bi.version));
  // An empty version prints as (devel), and the sum column is always there, as in Go.
  auto line = [&](std::string_view word, const go::Module& m) {
    s += fmt::format("\t{}\t{}\t{}\t{}\n", word, Safe(m.path), m.version.empty() ? "(devel)" : Safe(m.version),
                     Safe(m.sum));
  };
  auto mod = [&](std::string_view word, const go::Dep& d) {
    if (!d.replace) return line(word, d.mod);
    s += fmt::format("\t{}\t{}\t{}\n", word, Safe(d.mod.path), d.mod.version.empty() ? "(devel)" : Safe(d.mod.version));
    line("=>", *d.replace);
  };
  if (!bi.mod.path.empty()) s += fmt::format("\tpath\t{}\n", Safe(bi.mod.path));
  if (bi.mod.main) mod("mod", *bi.mod.main);
  for (const go::Dep& d : bi.mod.deps) mod("dep", d);
  // Go quotes a key that is empty or holds any of `= \t\r\n"` and a backquote,
  // and a value that holds any of ` \t\r\n"` and a backquote (debug.BuildInfo.String).
  for (const auto& [k, v] : bi.mod.settings) {
    const bool qk = k.empty() || k.find_first_of("= \t\r\n\"`") != std::string::npos;
    const bool qv = v.find_first_of(" \t\r\n\"`") != std::string::npos;
    s += fmt::format("\tbuild\t{}={}\n", Safe(qk ? GoQuote(k) : k), Safe(qv ? GoQuote(v) : v));
  }
  return s;
}

}  // namespace exray
