// Mach-O in the main report (issue 16): one thin image, or every slice of a
// universal file. Identity, what it needs (dylibs with their compatibility
// versions, the loader, the minimum OS), linking, hardening as it applies
// to Apple's platforms, and the Go runtime through the format-neutral
// address space. Identification is IdentifyMacho (identify.cc).
#include "analysis/macho.h"

#include <fmt/format.h>

#include <algorithm>

#include "analysis/elf_facts.h"
#include "formats/macho/address_space.h"
#include "formats/macho/parser.h"
#include "support/limits.h"

namespace exray {

namespace {

std::string Kind(uint32_t filetype) {
  switch (filetype) {
    case macho::kExecute: return "executable";
    case macho::kDylib: return "shared-library";
    case macho::kBundle: return "bundle";
    case macho::kObject: return "relocatable";
    case macho::kDsym: return "debug-symbols";
    default: return "other";
  }
}

bool IsCanaryName(std::string_view n) { return n == "___stack_chk_fail" || n == "___stack_chk_guard"; }
// objc_release's callers are ARC's: compiled code under MRC sends -release.
bool IsArcName(std::string_view n) {
  return n == "_objc_release" || n == "_objc_storeStrong" || n == "_objc_retainAutoreleasedReturnValue";
}

void Add(Analysis* a, EvidenceId id, std::string claim, bool holds, Strength st, std::string where,
         std::string detail = "") {
  a->evidence.push_back({id, std::move(claim), holds, st, std::move(where), std::move(detail)});
}

// Go's darwin builds keep __gopclntab and __go_buildinfo sections, even
// stripped (-s -w leaves the sections, drops the symbol table).
bool LooksLikeGo(const macho::File& f) {
  for (const macho::Section& s : f.sections)
    if (s.sectname == "__gopclntab" || s.sectname == "__go_buildinfo" || s.sectname == "__gosymtab") return true;
  return false;
}

void AnalyzeImage(const macho::File& f, uint64_t offset, Analysis* a) {
  MachoFacts m;
  m.offset = offset;
  const macho::Header& h = f.header;
  const std::string cpu = macho::CpuTypeName(h.cputype, h.cpusubtype);
  switch (h.cputype) {
    case macho::kCpuX8664: a->arch = "x86_64"; break;
    case macho::kCpuX86: a->arch = "i386"; break;
    case macho::kCpuArm64: a->arch = "aarch64"; break;
    case macho::kCpuArm: a->arch = "arm"; break;
    case macho::kCpuArm6432: a->arch = "aarch64_32"; break;
    case macho::kCpuPowerPc: a->arch = "ppc"; break;
    case macho::kCpuPowerPc64: a->arch = "ppc64"; break;
    default: a->arch = cpu; break;
  }
  a->kind = Kind(h.filetype);
  Add(a, "format.magic", "is a Mach-O image", true, Strength::kStructure, fmt::format("header at {:#x}", m.offset),
      fmt::format("{:#x}, {}, {}, {} load commands", h.magic, cpu, macho::FileTypeName(h.filetype), h.ncmds));

  // The platform and minimum OS: LC_BUILD_VERSION, or the older LC_VERSION_MIN_*.
  if (!f.build_versions.empty()) {
    const macho::BuildVersion& b = f.build_versions.front();
    m.platform = std::string(macho::PlatformName(b.platform));
    if (m.platform.empty()) m.platform = fmt::format("platform-{}", b.platform);
    m.min_os = macho::VersionString(b.minos);
    if (b.sdk) m.sdk = macho::VersionString(b.sdk);
  }

  // The entry: LC_MAIN's offset is from the start of __TEXT's file range.
  if (f.main_entryoff) {
    for (const macho::Segment& s : f.segments)
      if (s.name == "__TEXT" && *f.main_entryoff >= s.fileoff && *f.main_entryoff - s.fileoff < s.filesize)
        m.entry = s.vmaddr + (*f.main_entryoff - s.fileoff);
  } else if (f.thread_pc) {
    m.entry = f.thread_pc;
  }

  // Linking: dyld loads the image when it names a loader (LC_LOAD_DYLINKER)
  // or depends on dylibs; a static executable has neither (the kernel's
  // own, or one built with -static).
  size_t loads = 0;
  for (const macho::Dylib& d : f.dylibs) loads += d.kind != macho::DylibKind::kId;
  const bool program = h.filetype == macho::kExecute;
  if (!f.dylinker.empty() || loads) {
    a->linking = "dynamic";
    Add(a, "linking.interp", "is loaded by a dynamic loader", true, Strength::kStructure,
        f.dylinker.empty() ? "LC_LOAD_DYLIB" : "LC_LOAD_DYLINKER",
        f.dylinker.empty() ? fmt::format("{} dylibs", loads) : std::string(f.dylinker));
  } else if (program) {
    a->linking = "static";
    Add(a, "linking.interp", "is loaded by a dynamic loader", false, Strength::kStructure, "load commands",
        "no LC_LOAD_DYLINKER and no LC_LOAD_DYLIB");
  }
  MachoFacts::Hardening& hd = m.hardening;
  hd.pie = h.flags & macho::kFlagPie;
  a->pie = hd.pie;
  if (program)
    Add(a, "linking.pie", "is position-independent (ASLR for its image)", hd.pie, Strength::kStructure,
        "mach_header flags", hd.pie ? "MH_PIE" : "no MH_PIE");

  // Symbols: what it imports (undefined external entries) and the marks of
  // hardening and runtimes among them.
  m.symbols = f.SymbolCount();
  a->stripped = true;
  std::string canary_name, arc_name;
  const uint64_t scan = std::min(m.symbols, macho::kMaxMachoSymbolScan);
  for (uint64_t i = 0; i < scan; ++i) {
    const macho::Symbol s = f.SymbolAt(i);
    if (s.stab()) {
      m.debug_map = true;  // STABS entries: the map from code to object files dsymutil reads
      continue;
    }
    if (s.defined() && !s.external()) a->stripped = false;  // local symbols survive only an unstripped link
    if (!s.undefined() || !s.external()) continue;
    ++m.imports;
    if (canary_name.empty() && IsCanaryName(s.name)) canary_name = s.name;
    if (arc_name.empty() && IsArcName(s.name)) arc_name = s.name;
  }
  for (const macho::Section& s : f.sections)
    if (s.segname == "__DWARF") a->debug_info = true;
  for (const macho::Dylib& d : f.dylibs) m.objc |= d.name.find("libobjc") != std::string_view::npos;
  for (const macho::Section& s : f.sections) m.objc |= s.sectname.starts_with("__objc_");

  // Hardening as it applies on Apple's platforms.
  if (program || h.filetype == macho::kDylib || h.filetype == macho::kBundle) {
    m.hardening_read = true;
    hd.stack_exec = h.flags & macho::kFlagAllowStackExecution;
    hd.nx_heap = h.flags & macho::kFlagNoHeapExecution;
    Add(a, "hardening.nx", "keeps the stack non-executable", !hd.stack_exec, Strength::kStructure,
        "mach_header flags", hd.stack_exec ? "MH_ALLOW_STACK_EXECUTION" : "no MH_ALLOW_STACK_EXECUTION");
    std::string wx;
    for (const macho::Segment& s : f.segments)
      if ((s.initprot & 6) == 6) wx += (wx.empty() ? "" : ", ") + std::string(s.name);
    hd.wx = !wx.empty();
    Add(a, "hardening.wx", "maps no segment writable and executable", wx.empty(), Strength::kStructure,
        "segment initprot", wx.empty() ? "no segment with VM_PROT_WRITE|VM_PROT_EXECUTE" : "W+X: " + wx);
    hd.canary = !canary_name.empty();
    Add(a, "hardening.canary", "is built with stack canaries", hd.canary, Strength::kSymbol, "symbol table",
        hd.canary ? canary_name + " imported" : "no ___stack_chk_fail or ___stack_chk_guard");
    if (m.objc) {
      hd.arc = !arc_name.empty();
      Add(a, "hardening.arc", "uses automatic reference counting (Objective-C)", hd.arc, Strength::kSymbol,
          "symbol table", hd.arc ? arc_name + " imported" : "no objc_release or objc_storeStrong");
    }
    hd.restrict_segment = f.FindSection("__RESTRICT", "__restrict") != nullptr;
    Add(a, "hardening.restrict", "has a __RESTRICT segment (dyld ignores DYLD_* variables)", hd.restrict_segment,
        Strength::kStructure, "segments", hd.restrict_segment ? "__RESTRICT,__restrict" : "no __RESTRICT,__restrict");
    Diagnostics sdiag;
    if (std::optional<macho::CodeSignature> cs = macho::ReadCodeSignature(f, &sdiag)) {
      for (const std::string& w : sdiag.warnings()) a->warnings.push_back(w);
      const uint32_t flags = cs->cd_flags.value_or(0);
      hd.signature = cs->cms                          ? "signed"
                     : (flags & macho::kCsLinkerSigned) ? "linker-signed"
                     : cs->cd_flags                     ? "ad-hoc"
                                                        : "damaged";
      if (cs->cd_flags) hd.hardened_runtime = (flags & macho::kCsRuntime) != 0;
      std::string detail = fmt::format("{}: {} blob{}", hd.signature, cs->slots, cs->slots == 1 ? "" : "s");
      if (cs->cd_flags) detail += fmt::format(", CodeDirectory flags {:#x}", flags);
      if (!cs->identifier.empty()) detail += fmt::format(", identifier {}", cs->identifier);
      if (!cs->cms) detail += ", no CMS signature";
      Add(a, "hardening.signature", "carries a code signature", true, Strength::kStructure, "LC_CODE_SIGNATURE",
          detail);
      if (hd.hardened_runtime)
        Add(a, "hardening.runtime", "opts into the hardened runtime", *hd.hardened_runtime, Strength::kStructure,
            "CodeDirectory flags", *hd.hardened_runtime ? "CS_RUNTIME (0x10000) set" : "no CS_RUNTIME (0x10000)");
    } else {
      Add(a, "hardening.signature", "carries a code signature", false, Strength::kStructure, "load commands",
          "no LC_CODE_SIGNATURE");
    }
    if (f.Linkedit(macho::kCmdChainedFixups)) hd.fixups = "chained";
    else if (f.dyld_info) hd.fixups = "dyld-info";
    else if (f.dysymtab) hd.fixups = "classic";
    Add(a, "hardening.fixups", "uses chained fixups (pointers rebound in place, as arm64e authentication needs)",
        hd.fixups == "chained", Strength::kStructure, "load commands",
        hd.fixups == "chained"     ? "LC_DYLD_CHAINED_FIXUPS"
        : hd.fixups == "dyld-info" ? (f.dyld_info->only ? "LC_DYLD_INFO_ONLY opcodes" : "LC_DYLD_INFO opcodes")
        : hd.fixups == "classic"   ? "relocations and the indirect symbol table (LC_DYSYMTAB)"
                                   : "no fixup command");
    if (f.encryption) {
      hd.encrypted = f.encryption->cryptid != 0;
      Add(a, "hardening.encryption", "is encrypted (App Store FairPlay)", hd.encrypted, Strength::kStructure,
          "LC_ENCRYPTION_INFO", fmt::format("cryptid {}, {} bytes at {:#x}", f.encryption->cryptid,
                                            f.encryption->cryptsize, f.encryption->cryptoff));
    }
  }

  for (const std::string& w : f.diag.warnings()) a->warnings.push_back(w);
  if (f.diag.dropped()) a->warnings.push_back(fmt::format("{} more warnings not shown", f.diag.dropped()));
  a->macho = std::move(m);
}

}  // namespace

void AnalyzeMachoImage(ByteView image, uint64_t offset, const AnalyzeOptions& opts, Analysis* a) {
  auto f_or = macho::Parse(image);
  if (!f_or) {
    a->warnings.push_back(f_or.error().message);
    return;
  }
  a->format = "macho";
  // The image's facts first, then the address space over the stored model
  // (it keeps a reference to the File).
  AnalyzeImage(*f_or, offset, a);
  a->macho->file = std::move(*f_or);
  const macho::File& f = a->macho->file;
  if (LooksLikeGo(f)) {
    macho::MachoAddressSpace as(f);
    AnalyzeGoIn(as, a);
  }
  if (opts.identify) IdentifyMacho(a);
}

Result<bool> AnalyzeMacho(ByteView bytes, const AnalyzeOptions& opts, Analysis* a) {
  if (macho::IsMacho(bytes)) {
    AnalyzeMachoImage(bytes, 0, opts, a);
    return true;
  }
  if (!macho::IsFat(bytes)) return false;
  auto fat_or = macho::ParseFat(bytes);
  a->format = "macho";
  if (!fat_or) {
    // A universal header with nothing to read (no slices, or cut short):
    // still a Mach-O file, with the reason as a warning.
    a->warnings.push_back("universal: " + fat_or.error().message);
    return true;
  }
  UniversalFacts u;
  u.is64 = fat_or->is64;
  u.nfat_arch = fat_or->nfat_arch;
  u.archs = fat_or->archs;
  for (const std::string& w : fat_or->diag.warnings()) a->warnings.push_back("universal: " + w);
  // The slice to report first: the one --arch names (by Apple's name or
  // exray's), else the first.
  auto names = [](const macho::FatArch& x) {
    return macho::CpuTypeName(x.cputype, x.cpusubtype);
  };
  if (!opts.arch.empty()) {
    std::string have;
    bool found = false;
    for (uint64_t i = 0; i < u.archs.size() && !found; ++i) {
      const std::string apple = names(u.archs[i]);
      const bool aarch64 = opts.arch == "aarch64" && (u.archs[i].cputype == macho::kCpuArm64);
      if (apple == opts.arch || aarch64) u.selected = i, found = true;
      have += (have.empty() ? "" : ", ") + apple;
    }
    if (!found) return Error{fmt::format("no {} slice in this universal file (it has {})", opts.arch, have)};
  }
  for (uint64_t i = 0; i < u.archs.size(); ++i) {
    const macho::FatArch& x = u.archs[i];
    auto slice = macho::Slice(bytes, x);
    Analysis other;
    Analysis* into = i == u.selected ? a : &other;
    if (!slice) {
      a->warnings.push_back(fmt::format("universal: slice {} ({}): {}", i, names(x), slice.error().message));
      continue;
    }
    if (into == &other) {
      other.path = a->path;
      other.size = x.size;
    }
    AnalyzeMachoImage(*slice, x.offset, opts, into);
    if (into == &other) a->slices.push_back(std::move(other));
  }
  a->universal = std::move(u);
  return true;
}

}  // namespace exray
