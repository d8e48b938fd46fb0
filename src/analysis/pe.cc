// Native PE images in the main report (issue 16): identity, the DLLs and
// functions they import, linking, the PDB they were built with, the Rich
// header's tools, Windows' hardening flags, and the Go runtime through the
// format-neutral address space. Identification is IdentifyPe (identify.cc).
#include "analysis/pe.h"

#include <fmt/format.h>

#include <algorithm>

#include "analysis/elf_facts.h"
#include "formats/pe/address_space.h"
#include "formats/pe/parser.h"

namespace exray {

namespace {

void Add(Analysis* a, EvidenceId id, std::string claim, bool holds, Strength st, std::string where,
         std::string detail = "") {
  a->evidence.push_back({id, std::move(claim), holds, st, std::move(where), std::move(detail)});
}

// Go writes its build ID at the start of .text and its build info at the
// start of .data on Windows, and its internal linker names a ".symtab"
// section even when -s empties it (esbuild's builds have only that): cheap
// looks before any scan.
bool LooksLikeGo(const pe::File& f) {
  if (f.FindSection(".symtab")) return true;
  for (const pe::Section& s : f.sections) {
    if (!s.in_file) continue;
    const std::string_view head = f.bytes.Sub(s.raw_offset, std::min<uint32_t>(s.raw_size, 4096)).AsString();
    if ((s.characteristics & pe::kScnExecute) && head.find("Go build ID: \"") != std::string_view::npos) return true;
    if (s.name == ".data" && head.find("\xff Go buildinf:") != std::string_view::npos) return true;
  }
  return false;
}

void AnalyzeImage(const pe::File& f, Analysis* a) {
  PeFacts p;
  const pe::Header& h = f.header;
  a->format = "pe";
  a->arch = std::string(pe::ArchName(h.machine));
  if (a->arch.empty()) a->arch = fmt::format("pe-machine-{:#x}", h.machine);
  const bool dll = h.characteristics & pe::kFileDll;
  a->kind = dll ? "shared-library" : (h.characteristics & pe::kFileExecutable) ? "executable" : "other";
  Add(a, "format.magic", "is a PE image", true, Strength::kStructure, fmt::format("PE header at {:#x}", h.pe_offset),
      fmt::format("{}, {}, {} sections{}", h.pe32plus ? "PE32+" : "PE32", pe::MachineName(h.machine), h.nsections,
                  pe::SubsystemName(h.subsystem).empty() ? std::string()
                                                         : fmt::format(", subsystem {}", pe::SubsystemName(h.subsystem))));
  for (const pe::ImportDll& d : f.imports) p.import_functions += d.functions.size();

  // Windows' loader maps every image; it needs DLLs when the import table names some.
  if (!f.imports.empty()) {
    a->linking = "dynamic";
    Add(a, "linking.dynamic", "needs DLLs the loader maps", true, Strength::kStructure, "import directory",
        fmt::format("{} DLLs, {} functions", f.imports.size(), p.import_functions));
  } else {
    a->linking = "static";
    Add(a, "linking.dynamic", "needs DLLs the loader maps", false, Strength::kStructure, "import directory",
        "no imports");
  }
  PeFacts::Hardening& hd = p.hardening;
  const uint16_t dc = h.dll_characteristics;
  hd.aslr = dc & pe::kDllDynamicBase;
  a->pie = hd.aslr;
  auto flag = [&](EvidenceId id, std::string claim, bool holds, std::string_view name) {
    Add(a, id, std::move(claim), holds, Strength::kStructure, "DllCharacteristics",
        fmt::format("{}{}", holds ? "" : "no ", name));
  };
  flag("hardening.aslr", "may be loaded at a random address (ASLR)", hd.aslr, "DYNAMICBASE");
  if (h.pe32plus) {
    hd.high_entropy_va = dc & pe::kDllHighEntropyVa;
    flag("hardening.high_entropy_va", "uses 64-bit ASLR entropy", hd.high_entropy_va, "HIGH_ENTROPY_VA");
  }
  hd.nx = dc & pe::kDllNxCompat;
  flag("hardening.nx", "runs with DEP (no execution from data pages)", hd.nx, "NX_COMPAT");
  hd.force_integrity = dc & pe::kDllForceIntegrity;
  const std::optional<pe::LoadConfig>& lc = f.load_config;
  const bool cf_instrumented = lc && lc->guard_flags && (*lc->guard_flags & pe::kGuardCfInstrumented);
  hd.cfg = (dc & pe::kDllGuardCf) && cf_instrumented;
  Add(a, "hardening.cfg", "is built with Control Flow Guard", hd.cfg, Strength::kStructure,
      "DllCharacteristics, load configuration",
      fmt::format("{}GUARD_CF; {}", dc & pe::kDllGuardCf ? "" : "no ",
                  !lc ? "no load configuration"
                  : lc->guard_flags ? fmt::format("GuardFlags {:#x}", *lc->guard_flags)
                                    : "a load configuration too short for GuardFlags"));
  hd.gs = lc && lc->security_cookie != 0;
  Add(a, "hardening.gs", "is built with stack cookies (/GS)", hd.gs, Strength::kStructure, "load configuration",
      hd.gs ? fmt::format("SecurityCookie at {:#x}", lc->security_cookie)
            : lc ? std::string("SecurityCookie 0") : std::string("no load configuration"));
  if (!h.pe32plus && h.machine == pe::kMachineI386) {
    const bool no_seh = dc & pe::kDllNoSeh;
    hd.safeseh = no_seh || (lc && lc->se_handler_count && *lc->se_handler_count > 0);
    Add(a, "hardening.safeseh", "registers its exception handlers (SafeSEH)", *hd.safeseh, Strength::kStructure,
        "DllCharacteristics, load configuration",
        no_seh ? std::string("NO_SEH: uses no structured exception handlers")
        : lc && lc->se_handler_count ? fmt::format("SEHandlerCount {}", *lc->se_handler_count)
                                     : std::string("no SafeSEH table"));
  }
  hd.cet = f.dll_characteristics_ex && (*f.dll_characteristics_ex & pe::kDllExCetCompat);
  Add(a, "hardening.cet", "is marked compatible with CET shadow stacks", hd.cet, Strength::kStructure,
      "debug directory",
      f.dll_characteristics_ex ? fmt::format("extended DLL characteristics {:#x}", *f.dll_characteristics_ex)
                               : std::string("no extended DLL characteristics entry"));
  if (f.certificate_type) hd.signature = *f.certificate_type == 2 ? "authenticode" : "other";
  Add(a, "hardening.signature", "carries an Authenticode signature", hd.signature == "authenticode",
      Strength::kStructure, "certificate table",
      f.certificate_type ? fmt::format("WIN_CERTIFICATE type {}", *f.certificate_type) : std::string("none"));

  // Symbols and debug info: a COFF symbol table (MinGW, Go), DWARF sections
  // (MinGW with -g), or a PDB named by the CodeView record (MSVC).
  a->stripped = h.nsymbols == 0;
  for (const pe::Section& s : f.sections) a->debug_info |= s.name.starts_with(".debug_") && s.raw_size > 0;

  for (const std::string& w : f.diag.warnings()) a->warnings.push_back(w);
  if (f.diag.dropped()) a->warnings.push_back(fmt::format("{} more warnings not shown", f.diag.dropped()));
  a->pe = std::move(p);
}

}  // namespace

void AnalyzePe(const pe::File& parsed, const AnalyzeOptions& opts, Analysis* a) {
  AnalyzeImage(parsed, a);
  a->pe->file = parsed;
  const pe::File& f = a->pe->file;
  if (LooksLikeGo(f)) {
    pe::PeAddressSpace as(f);
    AnalyzeGoIn(as, a);
  }
  if (opts.identify) IdentifyPe(a);
}

}  // namespace exray
