// Imported-symbol slots from the dynamic relocation tables (gABI "Relocation", "Dynamic Section").
#include "formats/elf/imports.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "formats/elf/parser.h"
#include "formats/elf/raw.h"
#include "support/checked.h"

namespace exray::elf {

namespace {

constexpr int64_t DT_PLTRELSZ = 2, DT_SYMTAB = 6, DT_RELA = 7, DT_RELASZ = 8, DT_RELAENT = 9, DT_SYMENT = 11,
                  DT_REL = 17, DT_RELSZ = 18, DT_RELENT = 19, DT_PLTREL = 20, DT_JMPREL = 23;
constexpr uint32_t SHT_RELA = 4, SHT_REL = 9;
// Elf{32,64}_Rel {r_offset, r_info} and Elf{32,64}_Rela {r_offset, r_info, r_addend}: {32-bit, 64-bit}.
constexpr uint64_t kRelSize[2] = {8, 16}, kRelaSize[2] = {12, 24};

constexpr uint16_t EM_386 = 3, EM_X86_64 = 62, EM_AARCH64 = 183;

// The relocation types that fill a slot with a symbol's address, per machine
// (psABIs: x86-64 table 4.9, i386 table 4.8, AArch64 ELF "Dynamic relocations").
struct SlotTypes {
  uint32_t jump_slot = 0, glob_dat = 0;
  std::optional<uint32_t> abs;  // absolute pointer-sized: function pointers in data, some linkers' GOT entries
};
std::optional<SlotTypes> SlotTypesFor(uint16_t machine) {
  switch (machine) {
    case EM_X86_64: return SlotTypes{7, 6, 1};     // R_X86_64_JUMP_SLOT, _GLOB_DAT, _64
    case EM_386: return SlotTypes{7, 6, {}};       // R_386_JMP_SLOT, R_386_GLOB_DAT
    case EM_AARCH64: return SlotTypes{1026, 1025, 257};  // R_AARCH64_JUMP_SLOT, _GLOB_DAT, _ABS64
    default: return std::nullopt;
  }
}

struct RelocTable {
  ByteView data;
  bool rela = false;
};

class ImportReader {
 public:
  ImportReader(const File& f, Diagnostics* diag) : f_(f), diag_(diag), c_(f.header.is64 ? 1 : 0) {}

  std::vector<ImportSlot> Run() {
    std::vector<ImportSlot> out;
    auto types = SlotTypesFor(f_.header.machine);
    if (!types) return out;
    if (!FromDynamic()) FromSections();
    const SymbolTable* syms = Symbols();
    uint64_t total = 0;
    for (const RelocTable& t : tables_) total += t.data.size() / EntSize(t.rela);
    // Most relocations are RELATIVE; a named symbol rarely fills more than
    // two slots (its PLT slot and a GOT entry). A hint, not a cap.
    out.reserve(std::min({total, kMaxRelocations, 2 * syms->readable + 64}));
    uint64_t read = 0, bad_symbol = 0;
    const uint64_t word = f_.header.is64 ? 8 : 4;
    for (const RelocTable& t : tables_) {
      const uint64_t entsize = EntSize(t.rela);
      const uint64_t n = t.data.size() / entsize;
      for (uint64_t i = 0; i < n; ++i) {
        if (read++ >= kMaxRelocations) {
          Warn(fmt::format("more than {} relocations: the rest are ignored", kMaxRelocations));
          return Finish(std::move(out), bad_symbol, syms);
        }
        // r_info first: most entries are RELATIVE, skipped on their type.
        // ELF64 r_info is sym << 32 | type; ELF32 sym << 8 | (uint8) type.
        Reader r(t.data, f_.header.endian, i * entsize + word);
        uint64_t info = r.Word(f_.header.is64);
        uint32_t type = static_cast<uint32_t>(f_.header.is64 ? info & 0xffffffff : info & 0xff);
        if (type != types->jump_slot && type != types->glob_dat && type != types->abs) continue;
        uint64_t sym = f_.header.is64 ? info >> 32 : info >> 8;
        if (sym == 0) continue;  // no symbol: nothing to name
        // An absolute relocation holds the symbol's address only without an
        // addend (vtables are full of symbol + 16).
        if (type == types->abs && (!t.rela || r.Word(f_.header.is64) != 0)) continue;
        uint64_t offset = 0;
        t.data.ReadWord(i * entsize, word, f_.header.endian, &offset);  // inside: the entry was checked whole
        if (sym >= syms->readable) {
          ++bad_symbol;
          continue;
        }
        std::string_view name = syms->At(sym).name;
        if (!name.empty()) out.push_back(ImportSlot{offset, name});
      }
    }
    return Finish(std::move(out), bad_symbol, syms);
  }

 private:
  void Warn(std::string m) {
    if (diag_) diag_->Warn(std::move(m));
  }
  uint64_t EntSize(bool rela) const { return rela ? kRelaSize[c_] : kRelSize[c_]; }

  std::vector<ImportSlot> Finish(std::vector<ImportSlot> out, uint64_t bad_symbol, const SymbolTable* syms) {
    if (bad_symbol)
      Warn(fmt::format("{} relocations name a symbol past the end of the dynamic symbol table ({} symbols)",
                       bad_symbol, syms->readable));
    std::sort(out.begin(), out.end(), [](const ImportSlot& a, const ImportSlot& b) {
      return a.slot != b.slot ? a.slot < b.slot : a.name < b.name;
    });
    auto same = [](const ImportSlot& a, const ImportSlot& b) { return a.slot == b.slot && a.name == b.name; };
    out.erase(std::unique(out.begin(), out.end(), same), out.end());
    return out;
  }

  std::optional<uint64_t> Tag(int64_t tag) const {
    for (const DynamicEntry& e : f_.dynamic)
      if (e.tag == tag) return e.value;
    return std::nullopt;
  }

  // Adds the table [addr, addr+size) named by the dynamic tag addr_tag.
  void AddDynamic(int64_t addr_tag, int64_t size_tag, bool rela, std::optional<int64_t> ent_tag) {
    auto addr = Tag(addr_tag), size = Tag(size_tag);
    if (!addr) return;
    const std::string what = DynamicTagName(addr_tag);
    if (!size) {
      Warn(fmt::format("{} without {}: the table is not read", what, DynamicTagName(size_tag)));
      return;
    }
    if (ent_tag) {
      auto ent = Tag(*ent_tag);
      if (ent && *ent != EntSize(rela)) {
        Warn(fmt::format("{} {} is not {}: {} is not read", DynamicTagName(*ent_tag), *ent, EntSize(rela), what));
        return;
      }
    }
    if (*size == 0) return;
    auto off = f_.VaddrToOffset(*addr, *size);
    if (!off) {
      Warn(fmt::format("{} {:#x} + {} {:#x} is not in the file image of a PT_LOAD segment", what, *addr,
                       DynamicTagName(size_tag), *size));
      return;
    }
    if (*size % EntSize(rela))
      Warn(fmt::format("{} {:#x} is not a multiple of the entry size {}", DynamicTagName(size_tag), *size,
                       EntSize(rela)));
    tables_.push_back(RelocTable{f_.Load(*off, *size), rela});
  }

  // The tables the dynamic section names; false when it names none.
  bool FromDynamic() {
    if (!Tag(DT_JMPREL) && !Tag(DT_RELA) && !Tag(DT_REL)) return false;
    if (Tag(DT_JMPREL)) {
      auto pltrel = Tag(DT_PLTREL);
      if (pltrel && (*pltrel == static_cast<uint64_t>(DT_RELA) || *pltrel == static_cast<uint64_t>(DT_REL))) {
        AddDynamic(DT_JMPREL, DT_PLTRELSZ, *pltrel == static_cast<uint64_t>(DT_RELA), std::nullopt);
      } else {
        Warn(pltrel ? fmt::format("DT_PLTREL {} is neither DT_RELA nor DT_REL: DT_JMPREL is not read", *pltrel)
                    : std::string("DT_JMPREL without DT_PLTREL: the table is not read"));
      }
    }
    AddDynamic(DT_RELA, DT_RELASZ, /*rela=*/true, DT_RELAENT);
    AddDynamic(DT_REL, DT_RELSZ, /*rela=*/false, DT_RELENT);
    return true;
  }

  void FromSections() {
    for (const Section& s : f_.sections) {
      if (s.type != SHT_RELA && s.type != SHT_REL) continue;
      if (s.name != ".rela.plt" && s.name != ".rel.plt" && s.name != ".rela.dyn" && s.name != ".rel.dyn") continue;
      const bool rela = s.type == SHT_RELA;
      if (s.entsize != EntSize(rela)) {
        Warn(fmt::format("section {} ({}): sh_entsize {} is not {}: not read", s.index, s.name, s.entsize,
                         EntSize(rela)));
        continue;
      }
      tables_.push_back(RelocTable{f_.SectionData(s), rela});
    }
  }

  // .dynsym as parsed; without section headers, the table DT_SYMTAB and
  // DT_STRTAB name, taken to run to the end of their segments (only the
  // entries relocations name are read).
  const SymbolTable* Symbols() {
    if (f_.dynsym.present) return &f_.dynsym;
    auto symtab = Tag(DT_SYMTAB), strtab = Tag(DT_STRTAB), strsz = Tag(DT_STRSZ), syment = Tag(DT_SYMENT);
    own_.endian = f_.header.endian;
    own_.is64 = f_.header.is64;
    if (!symtab || tables_.empty()) return &own_;
    if (syment && *syment != kSymSize[c_]) {
      Warn(fmt::format("DT_SYMENT {} is not {}: symbols are not read", *syment, kSymSize[c_]));
      return &own_;
    }
    own_.data = SegmentTail(*symtab);
    own_.readable = own_.data.size() / kSymSize[c_];
    if (strtab) {
      own_.strtab = SegmentTail(*strtab);
      if (strsz && *strsz < own_.strtab.size()) own_.strtab = own_.strtab.Sub(0, *strsz);
    }
    if (own_.data.empty()) Warn(fmt::format("DT_SYMTAB {:#x} is not in the file image of a PT_LOAD segment", *symtab));
    return &own_;
  }

  // From vaddr to the end of the file image of the PT_LOAD segment holding it.
  ByteView SegmentTail(uint64_t vaddr) const {
    for (const Segment& p : f_.segments) {
      if (p.type != PT_LOAD || vaddr < p.vaddr || vaddr - p.vaddr >= p.filesz) continue;
      auto off = CheckedAdd(p.offset, vaddr - p.vaddr);
      if (!off || *off >= f_.bytes.size()) continue;
      return f_.Load(*off, std::min(p.filesz - (vaddr - p.vaddr), f_.bytes.size() - *off));
    }
    return {};
  }

  const File& f_;
  Diagnostics* diag_;
  const int c_;  // class index: 0 for ELF32, 1 for ELF64
  std::vector<RelocTable> tables_;
  SymbolTable own_;
};

}  // namespace

std::vector<ImportSlot> ReadImportSlots(const File& f, Diagnostics* diag) { return ImportReader(f, diag).Run(); }

}  // namespace exray::elf
