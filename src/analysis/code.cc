#include "analysis/code.h"

#include <algorithm>

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

std::optional<std::unique_ptr<CodeInput>> MakeCodeInput(const elf::File& f, std::string* why) {
  auto ci = std::make_unique<CodeInput>();
  code::Input& in = ci->input;
  switch (f.header.machine) {
    case kEmX86_64: in.arch = code::Arch::kX86_64; break;
    case kEm386: in.arch = code::Arch::kX86; break;
    case kEmAarch64: in.arch = code::Arch::kArm64; break;
    default:
      *why = "exray decodes x86-64, i386 and arm64 code only";
      return std::nullopt;
  }
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

}  // namespace exray
