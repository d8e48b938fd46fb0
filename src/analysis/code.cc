#include "analysis/code.h"

#include <algorithm>

#include <fmt/format.h>

#include "analysis/analyze.h"
#include "analysis/identify.h"
#include "formats/elf/eh_frame.h"
#include "formats/elf/imports.h"

namespace exray {
namespace {

constexpr uint16_t kEm386 = 3, kEmX86_64 = 62, kEmAarch64 = 183;
constexpr uint8_t kSttFunc = 2, kSttGnuIfunc = 10;

void AddSymbols(const elf::SymbolTable& t, std::vector<code::Seed>* seeds) {
  for (uint64_t i = 1; i < t.readable; ++i) {
    const elf::Symbol s = t.At(i);
    if ((s.type != kSttFunc && s.type != kSttGnuIfunc) || !s.defined() || s.value == 0) continue;
    seeds->push_back({s.value, s.size ? s.value + s.size : 0, s.name, code::FuncSource::kSymbols});
  }
}

}  // namespace

std::optional<code::Arch> CodeArch(const elf::File& f) {
  switch (f.header.machine) {
    case kEmX86_64: return code::Arch::kX86_64;
    case kEm386: return code::Arch::kX86;
    case kEmAarch64: return code::Arch::kArm64;
    default: return std::nullopt;
  }
}

std::optional<std::unique_ptr<CodeInput>> MakeCodeInput(const elf::File& f, std::string* why) {
  auto ci = std::make_unique<CodeInput>();
  code::Input& in = ci->input;
  const std::optional<code::Arch> arch = CodeArch(f);
  if (!arch) {
    *why = "exray decodes x86-64, i386 and arm64 code only";
    return std::nullopt;
  }
  in.arch = *arch;
  if ((in.arch == code::Arch::kX86_64 || in.arch == code::Arch::kArm64) != f.header.is64) {
    *why = "the ELF class does not match the machine";
    return std::nullopt;
  }
  ci->as = std::make_unique<elf::ElfAddressSpace>(f);
  in.as = ci->as.get();
  in.entry = f.header.entry;
  AddSymbols(f.symtab, &in.seeds);
  AddSymbols(f.dynsym, &in.seeds);
  // The Go pclntab: every function of a gc-compiled binary, stripped or not.
  Diagnostics pdiag;
  auto t = go::ReadPclntab(*ci->as, pdiag);
  if (t.ok()) {
    ci->pclntab = std::move(*t);
    in.go = true;
    for (const go::Function& fn : ci->pclntab->functions())
      in.seeds.push_back({fn.entry, fn.end, fn.name, code::FuncSource::kPclntab});
  }
  elf::EhFrameRanges fdes = elf::ReadFdeRanges(f, &ci->diag);
  ci->fde_source = std::string(fdes.from);
  for (const elf::FdeRange& r : fdes.fdes) in.seeds.push_back({r.begin, r.begin + r.size, {}, code::FuncSource::kEhFrame});
  for (const elf::ImportSlot& s : elf::ReadImportSlots(f, &ci->diag)) in.imports.push_back({s.slot, s.name});
  std::sort(in.imports.begin(), in.imports.end(),
            [](const code::ImportSlot& a, const code::ImportSlot& b) { return a.slot < b.slot; });
  return ci;
}

void AnalyzeCode(Analysis* a) {
  if (!a->elf) return;
  std::string why;
  auto ci = MakeCodeInput(*a->elf, &why);
  if (!ci) {
    a->evidence.push_back({"code.decoded", "the machine code was read", false, Strength::kPattern, "code", why});
    return;
  }
  const code::Result r = code::Analyze((*ci)->input);
  for (const std::string& w : r.diag.warnings()) a->warnings.push_back("code: " + w);
  a->evidence.push_back({"code.decoded", "the machine code was read", true, Strength::kPattern, "executable sections",
                         fmt::format("{} instructions in {} functions, {} invalid", r.instructions,
                                     r.functions.size(), r.invalid)});
  // Direct kernel calls, by package (Go) or function.
  if (!r.syscall_sites.empty()) {
    std::vector<std::string> groups;
    for (const code::SyscallSite& s : r.syscall_sites) {
      const std::string g = r.SiteGroup(s.function);
      if (std::find(groups.begin(), groups.end(), g) == groups.end()) groups.push_back(g);
    }
    std::string list;
    for (size_t i = 0; i < groups.size() && i < 6; ++i) list += (i ? ", " : "") + groups[i];
    if (groups.size() > 6) list += fmt::format(" and {} more", groups.size() - 6);
    a->evidence.push_back({"code.syscalls", "calls the kernel directly", true, Strength::kPattern,
                           fmt::format("{} syscall sites", r.syscall_sites.size()), "in " + list});
  } else {
    a->evidence.push_back({"code.syscalls", "calls the kernel directly", false, Strength::kPattern,
                           "executable sections", "no syscall instruction"});
  }
  // The dominant calling convention of the program's own functions.
  uint64_t total = 0, best = 0;
  int best_c = 0;
  for (int c = 0; c <= static_cast<int>(code::Convention::kMaxValue); ++c) {
    total += r.by_convention[c];
    if (c != static_cast<int>(code::Convention::kUnknown) && r.by_convention[c] > best) best = r.by_convention[c], best_c = c;
  }
  if (best)
    a->evidence.push_back({"code.convention", fmt::format("functions use {}", code::ConventionName(static_cast<code::Convention>(best_c))),
                           true, Strength::kPattern, "function prologues",
                           fmt::format("{} of {} functions", best, total)});
  // Executable memory asked for in the code.
  if (!r.exec_requests.empty()) {
    const code::ExecRequest& e = r.exec_requests.front();
    a->evidence.push_back({"code.exec_memory", "asks for executable memory", true, Strength::kPattern,
                           fmt::format("{:#x} in {}", e.addr, r.NameOf(e.function)),
                           fmt::format("{}, prot {:#x}{}", e.via, e.prot,
                                       r.exec_requests.size() > 1 ? fmt::format(" (+{} more)", r.exec_requests.size() - 1) : "")});
    if (a->execution && a->execution->jit == "no") a->execution->jit = "capable";
  } else {
    a->evidence.push_back({"code.exec_memory", "asks for executable memory", false, Strength::kPattern,
                           "mmap and mprotect calls and syscalls",
                           fmt::format("{} resolved without PROT_EXEC, {} undetermined", r.exec_checked, r.exec_undetermined)});
  }
  // A bytecode dispatch loop: an interpreter, whatever the names say.
  if (!r.loops.empty()) {
    const code::DispatchLoop& l = r.loops.front();
    a->evidence.push_back({"code.dispatch", "contains a bytecode dispatch loop", true, Strength::kPattern,
                           fmt::format("{:#x} in {}", l.addr, r.NameOf(l.function)),
                           fmt::format("{}: {}", code::LoopShapeName(l.shape), l.evidence)});
    if (a->execution && a->execution->model == "native") {
      a->execution->model = "vm";
      if (a->execution->engine.empty() && !NameInterpreter(a)) a->execution->engine = "unknown interpreter";
      // The metadata's "no VM" stands corrected by the code.
      for (Evidence& e : a->evidence)
        if (e.id == "execution.native") {
          e.holds = false;
          e.detail += "; but the code holds a bytecode dispatch loop (code.dispatch)";
        }
    }
  } else {
    a->evidence.push_back({"code.dispatch", "contains a bytecode dispatch loop", false, Strength::kPattern,
                           "every function", "no dispatch loop found"});
  }
}

}  // namespace exray
