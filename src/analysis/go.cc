// The Go part of the report: build info, pclntab, version, cgo, and how much
// of the code is the Go runtime (lang/go/codesize.h), each with its evidence.
#include <fmt/format.h>

#include <algorithm>

#include "analysis/elf_facts.h"
#include "formats/elf/address_space.h"
#include "lang/go/gccgo.h"
#include "lang/go/moduledata.h"
#include "lang/go/types.h"
#include "lang/go/pclntab.h"
#include "lang/go/version.h"
#include "support/limits.h"

namespace exray {
namespace {

// Whether the file shows any sign of the Go toolchain. The report looks
// further only then: scanning every ELF file's writable segment for the build
// info magic more than doubled the time of a report over /usr/bin. `exray go`
// always searches.
bool LooksLikeGo(const elf::File& f) {
  if (f.go_build_id) return true;
  for (const elf::Section& s : f.sections)
    if (s.name == ".go.buildinfo" || s.name == ".gopclntab" || s.name == ".note.go.buildid" ||
        s.name == ".data.rel.ro.gopclntab" || s.name == ".go.module")
      return true;
  return false;
}

void Warn(const Diagnostics& diag, std::string_view what, Analysis* a) {
  for (const std::string& w : diag.warnings()) a->warnings.push_back(w);
  if (diag.dropped()) a->warnings.push_back(fmt::format("{} more {} warnings not shown", diag.dropped(), what));
}

std::string Percent(uint64_t part, uint64_t total) {
  return total ? fmt::format("{:.1f}%", 100.0 * static_cast<double>(part) / static_cast<double>(total)) : "0%";
}

bool HasSymbol(const elf::File& f, std::string_view name) {
  for (const elf::SymbolTable* t : {&f.dynsym, &f.symtab}) {
    const uint64_t n = std::min(t->readable, kMaxGccgoSymbolScan);
    for (uint64_t i = 1; i < n; ++i)
      if (t->NameStartsWith(i, name) && t->At(i).name == name) return true;
  }
  return false;
}

}  // namespace

// gccgo output has no pclntab or build info: it links libgo (NEEDED
// libgo.so.N) or, linked statically, keeps the .go_export section.
void AnalyzeGccgo(const elf::File& f, Analysis* a) {
  go::GccgoFacts facts;
  bool candidate = false;
  for (std::string_view n : f.needed) {
    facts.needed.push_back(n);
    candidate |= n.starts_with("libgo.so");
  }
  for (const elf::Section& s : f.sections) {
    facts.section_names.push_back(s.name);
    if (s.name == ".go_export") {
      candidate = true;
      facts.go_export = f.SectionData(s);
    }
  }
  if (!candidate) return;
  for (const std::string& c : f.comment) facts.comments.push_back(c);
  facts.has_symbol = [&f](std::string_view name) { return HasSymbol(f, name); };
  elf::ElfAddressSpace as(f);
  facts.as = &as;
  std::optional<go::GccgoInfo> info = go::DetectGccgo(facts);
  if (!info) return;
  GoFacts g;
  g.compiler = "gccgo";
  if (info->go_version) g.version = *info->go_version, g.version_from = info->go_version_from;
  for (const go::GccgoEvidence& e : info->evidence) {
    // Each kind's name has its id in the table (EvidenceIds).
    const auto id = EvidenceId::Find("go.gccgo." + std::string(go::GccgoEvidenceKindName(e.kind)));
    a->evidence.push_back({id ? *id : EvidenceId("go.gccgo.symbol"), "compiled by gccgo", true,
                           e.decisive ? Strength::kStructure : Strength::kProducer, e.where, e.what});
  }
  a->go = std::move(g);
}

void AnalyzeGo(const elf::File& f, Analysis* a) {
  if (!LooksLikeGo(f)) return AnalyzeGccgo(f, a);
  elf::ElfAddressSpace as(f);
  AnalyzeGoIn(as, a);
}

void AnalyzeGoIn(const AddressSpace& as, Analysis* a) {
  GoFacts g;
  bool any = false;

  Diagnostics bdiag;
  auto bi = go::ReadBuildInfo(as, &bdiag);
  Warn(bdiag, "go modinfo", a);
  if (bi && !bi->ok()) a->warnings.push_back(bi->error().message);
  if (bi && bi->ok()) {
    any = true;
    g.build_info = std::move(bi->value());
    g.version = g.build_info->version;
    g.version_from = "build info";
    g.compiler = g.build_info->compiler;
    a->evidence.push_back({"go.buildinfo", "carries Go build info", true, Strength::kManifest, g.build_info->where,
                           g.build_info->version});
  }

  Diagnostics pdiag;
  std::optional<go::Moduledata> md;
  auto t = go::ReadPclntab(as, pdiag, &md);
  Warn(pdiag, "go pclntab", a);
  if (!t) {
    a->warnings.push_back("go pclntab: " + t.error().message);
  } else {
    any = true;
    const go::PclnHeader& h = t->header();
    GoPclntabSummary p;
    const uint32_t magic = go::PclnMagic(h.version);
    p.magic = magic;
    p.layout = go::PclnVersionName(h.version);
    p.vaddr = t->vaddr();
    p.functions = t->functions().size();
    p.files = h.nfiles;
    p.found_by = go::PclnSourceName(t->source());
    const std::string where = t->source() == go::PclnSource::kSection
                                  ? fmt::format("pclntab section at {:#x}", p.vaddr)
                                  : fmt::format("pclntab ({}) at {:#x}", p.found_by, p.vaddr);
    a->evidence.push_back({"go.pclntab", "carries a Go pclntab (function and line table)", true,
                           Strength::kStructure, where,
                           fmt::format("magic {:#x} (Go {}+ layout), {} functions", magic, p.layout, p.functions)});
    // The release range the layouts allow, and the version the runtime keeps
    // when there is no build info to say it.
    go::VersionHints hints = go::LayoutHints(as, magic);
    go::LayoutRange range = go::RangeFromLayout(hints);
    g.version_range = range.range.ToString();
    if (!g.build_info) {
      Diagnostics vdiag;
      std::optional<go::RuntimeVersion> rv = go::FindRuntimeVersion(as, hints, vdiag);
      Warn(vdiag, "go version", a);
      if (rv) {
        g.version = rv->version;
        g.version_from = std::string(go::VersionSourceName(rv->source));
        const std::string where = rv->header_vaddr ? fmt::format("string header at {:#x} -> {:#x}",
                                                                 *rv->header_vaddr, rv->string_vaddr)
                                                   : fmt::format("string at {:#x}", rv->string_vaddr);
        const Strength st = rv->source == go::VersionSource::kSymbol        ? Strength::kSymbol
                            : rv->source == go::VersionSource::kStringHeader ? Strength::kStructure
                                                                             : Strength::kString;
        a->evidence.push_back({"go.version", "the Go version the runtime keeps", true, st, where, rv->version});
        for (const go::VersionCheck& c : rv->checks)
          a->evidence.push_back({"go.version.layout", "the version agrees with the binary's layout", c.holds,
                                 Strength::kStructure, "pclntab, sections", c.detail});
      } else {
        g.version_from = "layout";
        a->evidence.push_back({"go.version", "the Go version the runtime keeps", false, Strength::kString,
                               "read-only data", "no version string found; the layout allows " + g.version_range});
      }
    }
    g.pclntab = std::move(p);
    if (md && md->layout != go::ModuledataLayout::kUnknown) {
      g.moduledata_layout = go::ModuledataLayoutName(md->layout);
      if (const std::optional<go::TypeTables>& tt = md->type_tables) {
        GoFacts::TypeTables t;
        if (!tt->contiguous()) t.typelinks = tt->ntypelinks;
        const int minor = go::GoMinorOf(g.version).value_or(go::FallbackMinor(md->layout).value_or(18));
        t.itabs = go::ItabCount(as, *md, minor).value_or(0);
        // Go 1.6's bounds are a whole segment, not the descriptors' region.
        if (!tt->pointer_links) t.region_bytes = tt->etypes - tt->types;
        g.type_tables = t;
      }
      a->evidence.push_back({"go.moduledata", "carries Go moduledata", true, Strength::kStructure,
                             fmt::format("moduledata at {:#x}", md->vaddr),
                             fmt::format("Go {} layout", g.moduledata_layout)});
    }
    // The moduledata tail moved in Go 1.20, 1.26 and 1.27: a check of the
    // version, whichever way it was found.
    if (md && md->layout != go::ModuledataLayout::kUnknown && !g.version.empty()) {
      if (std::optional<int> minor = go::GoMinorOf(g.version)) {
        int lo = 18, hi = 19;
        switch (md->layout) {
          case go::ModuledataLayout::kGo16: lo = 5, hi = 6; break;
          case go::ModuledataLayout::kGo17: lo = hi = 7; break;
          case go::ModuledataLayout::kGo18: lo = 8, hi = 15; break;
          case go::ModuledataLayout::kGo116: lo = 16, hi = 17; break;
          case go::ModuledataLayout::kGo120: lo = 20, hi = 25; break;
          case go::ModuledataLayout::kGo126: lo = hi = 26; break;
          case go::ModuledataLayout::kGo127: lo = 27, hi = 1'000; break;
          default: break;
        }
        const bool agrees = *minor >= lo && *minor <= hi;
        a->evidence.push_back({"go.version.layout", "the version agrees with the binary's layout", agrees,
                               Strength::kStructure, fmt::format("moduledata at {:#x}", md->vaddr),
                               fmt::format("{} {} moduledata layout of Go {}", g.version,
                                           agrees ? "agrees with the" : "contradicts the", g.moduledata_layout)});
        if (!agrees)
          a->warnings.push_back(fmt::format("go: version {} ({}) contradicts the moduledata layout of Go {}",
                                            g.version, g.version_from, g.moduledata_layout));
      }
    }
    go::CodeSizes code = go::MeasureCode(*t, g.build_info ? &*g.build_info : nullptr);
    // runtime/cgo's assembly (crosscall2, _cgo_panic, _cgo_topofstack) and
    // the _Cfunc_ stubs cgo writes for every C call are in the pclntab.
    for (const go::Function& fn : t->functions())
      if (fn.name == "crosscall2" || fn.name.starts_with("_cgo_") || go::PackageOf(fn.name) == "runtime/cgo" ||
          fn.name.find("._Cfunc_") != std::string_view::npos) {
        g.cgo = true;
        a->evidence.push_back({"go.cgo", "links C code through cgo", true, Strength::kSymbol,
                               "pclntab function " + std::string(fn.name), "runtime/cgo is linked in"});
        break;
      }
    // The collector and the scheduler are compiled code of a size the
    // pclntab states: the runtime's functions from their source files.
    auto compiled = [](const go::CodeShare& c, std::string_view files) {
      return fmt::format("{} functions, {} bytes of compiled code from runtime/{}", c.functions, c.bytes, files);
    };
    a->evidence.push_back({"go.runtime.gc", "carries the Go garbage collector", code.gc, Strength::kSymbol,
                           code.gc ? "pclntab function " + code.gc_function : "pclntab",
                           code.gc ? compiled(code.gc_code, "mgc*.go, mbarrier.go, mbitmap.go, mwbbuf.go, mfinal.go")
                                   : "no runtime.gcStart or runtime.mallocgc"});
    a->evidence.push_back({"go.runtime.scheduler", "carries the Go scheduler", code.scheduler, Strength::kSymbol,
                           code.scheduler ? "pclntab function " + code.scheduler_function : "pclntab",
                           code.scheduler ? compiled(code.scheduler_code, "proc.go, preempt.go")
                                          : "no runtime.schedule or runtime.newproc"});
    const go::CodeShare& rt = code[go::CodeOwner::kRuntime];
    a->evidence.push_back({"go.runtime.size", "Go runtime code size", true, Strength::kStructure,
                           "pclntab function ranges",
                           fmt::format("{} bytes in {} functions, {} of {} bytes of Go-described code", rt.bytes,
                                       rt.functions, Percent(rt.bytes, code.total_bytes), code.total_bytes)});
    g.code = std::move(code);
  }
  if (any) a->go = std::move(g);
}

}  // namespace exray
