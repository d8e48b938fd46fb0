#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "analysis/elf_facts.h"
#include "analysis/code.h"
#include "code/code.h"
#include "formats/elf/address_space.h"
#include "formats/elf/parser.h"
#include "formats/elf/raw.h"

namespace exray {

using namespace elf;

namespace {

bool IsFortifyName(std::string_view n) {
  // glibc's fortified entry points: __memcpy_chk, __printf_chk, ... (not __stack_chk_*).
  return n.size() > 6 && n.rfind("__", 0) == 0 && n.substr(n.size() - 4) == "_chk" && n.rfind("__stack_chk", 0) != 0;
}

bool IsCanaryName(std::string_view n) {
  return n == "__stack_chk_fail" || n == "__stack_chk_fail_local" || n == "__stack_chk_guard" ||
         n == "__intel_security_cookie";
}

std::string TrimRight(std::string s) {
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

}  // namespace

void AnalyzeHardening(const File& f, Analysis* a) {
  Hardening& h = a->hardening;
  auto add = [&](EvidenceId id, std::string claim, bool holds, Strength st, std::string where, std::string detail = "") {
    a->evidence.push_back({id, std::move(claim), holds, st, std::move(where), std::move(detail)});
  };
  const bool is_static = a->linking == "static" || a->linking == "static-pie";

  // RELRO: PT_GNU_RELRO makes data read-only after relocation; with BIND_NOW
  // the GOT is resolved up front and read-only too (full).
  const Segment* relro = f.FindSegment(PT_GNU_RELRO);
  if (relro) h.relro = f.bind_now ? "full" : "partial";
  std::string now_where = (f.dt_flags & DF_BIND_NOW)   ? "DT_FLAGS BIND_NOW"
                          : (f.dt_flags_1 & DF_1_NOW) ? "DT_FLAGS_1 NOW"
                          : f.bind_now                 ? "DT_BIND_NOW"
                                                       : "no BIND_NOW in the dynamic table";
  // A static ET_EXEC has no dynamic table to carry BIND_NOW (so `-static -z now`
  // read as partial) and binds nothing lazily; what can stay writable is
  // .got.plt (IRELATIVE slots), which GNU ld folds into the RELRO .got under
  // -z now. So judge it by layout: full when no .got.plt byte lies past PT_GNU_RELRO.
  if (relro && !f.has_dynamic && f.header.type == ET_EXEC && !f.sections.empty()) {
    const Section* gotplt = f.FindSection(".got.plt");
    uint64_t relro_end = relro->vaddr + relro->memsz;  // wraps only on a bogus header; then partial
    bool covered = !gotplt || (relro_end >= relro->vaddr && gotplt->addr >= relro->vaddr &&
                               gotplt->addr <= relro_end && gotplt->size <= relro_end - gotplt->addr);
    if (covered) h.relro = "full";
    now_where = gotplt ? fmt::format("no dynamic table, .got.plt {} PT_GNU_RELRO", covered ? "inside" : "extends past")
                       : "no dynamic table, no .got.plt";
  }
  add("hardening.relro", fmt::format("RELRO {}", h.relro), relro != nullptr, Strength::kStructure,
      relro ? fmt::format("PT_GNU_RELRO, {}", now_where) : "no PT_GNU_RELRO segment",
      relro ? fmt::format("{:#x} bytes at {:#x}", relro->memsz, relro->vaddr) : "");

  // NX: a PT_GNU_STACK without PF_X. Without PT_GNU_STACK the kernel falls back
  // to the architecture's default, executable on several (checksec says "NX disabled").
  const Segment* stack = f.FindSegment(PT_GNU_STACK);
  h.execstack = !stack || (stack->flags & PF_X);
  h.nx = !h.execstack;
  add("hardening.nx", "stack is not executable (NX)", h.nx, Strength::kStructure,
      stack ? fmt::format("PT_GNU_STACK flags {}", TrimRight(SegmentFlags(stack->flags))) : "no PT_GNU_STACK segment",
      stack ? "" : "the kernel's per-architecture default applies");

  // Writable and executable load segments.
  for (size_t i = 0; i < f.segments.size(); ++i) {
    const Segment& p = f.segments[i];
    if (p.type == PT_LOAD && (p.flags & PF_W) && (p.flags & PF_X)) h.wx_segments.push_back(i);
  }
  std::string wx;
  for (uint64_t i : h.wx_segments) wx += fmt::format("{}segment {} at {:#x}", wx.empty() ? "" : ", ", i, f.segments[i].vaddr);
  add("hardening.wx", "has no writable and executable segment", h.wx_segments.empty(), Strength::kStructure,
      h.wx_segments.empty() ? "PT_LOAD flags" : wx, "");

  // Canary and FORTIFY: the functions the compiler emits calls to.
  std::set<std::string_view> fortify;
  std::string canary_where;
  std::string_view fortify_from;
  // A dynamic file that defines __stack_chk_fail is a C library providing it
  // (glibc's libc.so.6, musl's libc.so): its own use shows only in its code.
  uint64_t provided_canary = 0, provided_fortify = 0;
  auto scan = [&](const SymbolTable& t, bool undefined_only) {
    for (uint64_t i = 0; i < t.readable; ++i) {
      // The entry's section index before its name: a dynamic file's
      // exports are most of its names (node: 75,000 over 5 MB of strings).
      if (undefined_only && t.Defined(i)) continue;
      if (!t.NameStartsWith(i, "__")) continue;  // both kinds are "__" names; skip the rest cheaply
      const Symbol s = t.At(i);
      if (canary_where.empty() && IsCanaryName(s.name))
        canary_where = fmt::format("{} ({}, {})", s.name, t.section_name, s.defined() ? "defined" : "imported");
      if (IsFortifyName(s.name) && fortify.insert(s.name).second && fortify_from.empty()) fortify_from = t.section_name;
    }
  };
  // What a dynamic file defines matters only when it imports neither kind:
  // then it may be the C library that provides them.
  auto provided = [&](const SymbolTable& t) {
    for (uint64_t i = 0; i < t.readable; ++i) {
      if (!t.Defined(i) || !t.NameStartsWith(i, "__")) continue;
      const Symbol s = t.At(i);
      if (s.name == "__stack_chk_fail" && s.value) provided_canary = s.value;
      provided_fortify += IsFortifyName(s.name);
    }
  };
  // A dynamic file imports both kinds through .dynsym; .symtab adds only for files without one.
  const SymbolTable& table = f.dynsym.present ? f.dynsym : f.symtab;
  scan(table, /*undefined_only=*/!is_static);
  // The loader's hash table answers for __stack_chk_fail without reading
  // every exported name (node: 75,000); the walk is left for the library
  // that defines it (the C library) and for libraries that may define the
  // checks alone (libasan's interceptors).
  if (!is_static && (canary_where.empty() || fortify.empty())) {
    const elf::File::HashLookup look = f.dynsym.present ? f.LookupDynamic("__stack_chk_fail") : elf::File::HashLookup{};
    if (!look.usable || (look.index && f.dynsym.Defined(*look.index)) || (fortify.empty() && f.soname))
      provided(table);
  }
  h.canary = !canary_where.empty();
  if (!h.canary && provided_canary) {
    // Count the direct calls its own code makes to it (glibc: 870).
    const std::optional<code::Arch> arch = CodeArch(f);
    const bool known = arch.has_value();
    const ElfAddressSpace as(f);
    const uint64_t calls = known ? code::CountDirectCalls(as, *arch, provided_canary) : 0;
    h.canary = calls > 0;
    add("hardening.canary", "uses stack canaries", h.canary, Strength::kPattern,
        fmt::format("__stack_chk_fail defined at {:#x} (.dynsym): the C library that provides it", provided_canary),
        !known  ? "its own calls are counted on x86 and arm64 only"
        : calls ? fmt::format("{} direct calls to it from its own code", calls)
                : "no direct call to it from its own code");
  } else {
    add("hardening.canary", "uses stack canaries", h.canary, Strength::kSymbol,
        h.canary ? canary_where : "no __stack_chk_fail symbol",
        h.canary && is_static ? "a static C library brings its own, so this may not cover the program's code" : "");
  }
  h.fortify = !fortify.empty();
  for (std::string_view n : fortify) h.fortify_functions.emplace_back(n);
  std::string flist;
  for (size_t i = 0; i < h.fortify_functions.size() && i < 6; ++i) flist += (i ? ", " : "") + h.fortify_functions[i];
  if (h.fortify_functions.size() > 6) flist += fmt::format(", and {} more", h.fortify_functions.size() - 6);
  add("hardening.fortify", "uses FORTIFY_SOURCE checked functions", h.fortify, Strength::kSymbol,
      h.fortify            ? fmt::format("{} _chk functions ({})", h.fortify_functions.size(), fortify_from)
      : provided_fortify   ? fmt::format("imports no __*_chk symbol; defines {} for other programs (.dynsym)",
                                         provided_fortify)
                           : "no __*_chk symbols",
      h.fortify ? flist
      : provided_fortify ? "it is the C library that provides FORTIFY's checks; calls inside it are not counted"
                         : flist);

  // CET: the linker sets IBT/SHSTK in the GNU property note only when every
  // input object was built with -fcf-protection.
  const GnuProperties& gp = f.gnu_properties;
  std::string prop_where = !gp.present ? "no GNU property note"
                           : (gp.x86_feature_1_and || gp.aarch64_feature_1_and)
                               ? ".note.gnu.property"
                               : ".note.gnu.property has no FEATURE_1_AND property";
  if (gp.x86_feature_1_and) {
    h.ibt = *gp.x86_feature_1_and & GNU_PROPERTY_X86_FEATURE_1_IBT;
    h.shstk = *gp.x86_feature_1_and & GNU_PROPERTY_X86_FEATURE_1_SHSTK;
    prop_where += fmt::format(", X86_FEATURE_1_AND {:#x}", *gp.x86_feature_1_and);
  } else if (gp.aarch64_feature_1_and) {
    // AArch64's equivalents: BTI for indirect branches, PAC for return addresses.
    h.ibt = *gp.aarch64_feature_1_and & GNU_PROPERTY_AARCH64_FEATURE_1_BTI;
    h.shstk = *gp.aarch64_feature_1_and & GNU_PROPERTY_AARCH64_FEATURE_1_PAC;
    prop_where += fmt::format(", AARCH64_FEATURE_1_AND {:#x} (BTI, PAC)", *gp.aarch64_feature_1_and);
  }
  add("hardening.ibt", "indirect branch tracking (CET IBT / BTI)", h.ibt, Strength::kStructure, prop_where);
  add("hardening.shstk", "shadow stack (CET SHSTK / PAC)", h.shstk, Strength::kStructure, prop_where);

  h.textrel = f.textrel;
  add("hardening.textrel", "has no text relocations", !h.textrel, Strength::kStructure,
      h.textrel ? ((f.dt_flags & DF_TEXTREL) ? "DT_FLAGS TEXTREL" : "DT_TEXTREL") : "no DT_TEXTREL");
  h.rpath = f.rpath.has_value();
  h.runpath = f.runpath.has_value();
  const char* dyn_where = f.has_dynamic ? "dynamic table" : "no dynamic table";
  add("hardening.rpath", "has no DT_RPATH", !h.rpath, Strength::kStructure, h.rpath ? "DT_RPATH" : dyn_where,
      h.rpath ? std::string(*f.rpath) : "");
  add("hardening.runpath", "has no DT_RUNPATH", !h.runpath, Strength::kStructure, h.runpath ? "DT_RUNPATH" : dyn_where,
      h.runpath ? std::string(*f.runpath) : "");
}

}  // namespace exray
