// libFuzzer target for the ELF parser: runs the whole analysis on bytes in
// memory (no temp files) and checks invariants, not just survival.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "analysis/analyze.h"
#include "formats/elf/parser.h"
#include "formats/elf/raw.h"
#include "report/report.h"

#include "fuzz_check.h"

namespace {

// A view taken from the model must point into the input, never elsewhere.
bool Inside(std::string_view s, const exray::ByteView& bytes) {
  if (s.empty()) return true;
  auto p = reinterpret_cast<uintptr_t>(s.data());
  auto b = reinterpret_cast<uintptr_t>(bytes.data());
  return p >= b && s.size() <= bytes.size() && p - b <= bytes.size() - s.size();
}
bool Inside(const exray::ByteView& v, const exray::ByteView& bytes) {
  return Inside(std::string_view(reinterpret_cast<const char*>(v.data()), v.size()), bytes);
}

void CheckElf(const exray::elf::File& f, const exray::ByteView& bytes) {
  using namespace exray::elf;
  FUZZ_CHECK(f.bytes.data() == bytes.data() && f.bytes.size() == bytes.size(), "model views the input");
  FUZZ_CHECK(f.sections.size() <= bytes.size() / kShdrSize[0] + 1, "section count bounded by the file");
  FUZZ_CHECK(f.segments.size() <= bytes.size() / kPhdrSize[0] + 1, "segment count bounded by the file");
  for (size_t i = 0; i < f.sections.size(); ++i) {
    const Section& s = f.sections[i];
    FUZZ_CHECK(s.index == i, "section index");
    if (s.in_file) {
      FUZZ_CHECK(s.type != SHT_NOBITS, "NOBITS is never in the file");
      FUZZ_CHECK(exray::InBounds(s.offset, s.size, bytes.size()), "in_file section lies inside the file");
      FUZZ_CHECK(f.SectionData(s).size() == s.size, "SectionData matches sh_size");
    } else {
      FUZZ_CHECK(f.SectionData(s).empty(), "no data for a section outside the file");
    }
    FUZZ_CHECK(Inside(s.name, bytes), "section name points into the file");
    // Decompression output is bounded by the input (regress-compressed-size-bomb).
    if (s.flags & SHF_COMPRESSED) {
      auto out = SectionContents(f, s);
      if (out) FUZZ_CHECK(out->size() <= std::min(kMaxDecompressedSize, s.size * kMaxCompressionRatio),
                          "decompressed size bounded by the compressed size");
    }
  }
  for (const SymbolTable* t : {&f.symtab, &f.dynsym}) {
    FUZZ_CHECK(t->symbols.size() <= kMaxSymbols, "symbol cap");
    FUZZ_CHECK(t->readable * kSymSize[0] <= bytes.size(), "readable symbols bounded by the file");
    FUZZ_CHECK(t->symbols.size() <= t->readable, "listed symbols are readable ones");
    FUZZ_CHECK(Inside(t->data, bytes) && Inside(t->strtab, bytes) && Inside(t->xindex, bytes), "table views");
    // The on-demand decoder and the decoded list agree.
    for (uint64_t i = 0; i < t->symbols.size() && i < 64; ++i) {
      Symbol s = t->At(i);
      const Symbol& l = t->symbols[i];
      FUZZ_CHECK(s.name == l.name && s.value == l.value && s.size == l.size && s.shndx == l.shndx &&
                     s.type == l.type && s.bind == l.bind,
                 "SymbolTable::At matches the symbol list");
      FUZZ_CHECK(t->NameStartsWith(i, s.name.substr(0, 3)), "NameStartsWith agrees with the name");
    }
    FUZZ_CHECK(t->symbols.size() * kSymSize[0] <= bytes.size(), "symbols bounded by the file");
    FUZZ_CHECK(t->present || t->symbols.empty(), "symbols only for a present table");
    FUZZ_CHECK(Inside(t->section_name, bytes), "table name points into the file");
    for (const Symbol& s : t->symbols) {
      FUZZ_CHECK(s.type <= 0xf && s.bind <= 0xf && s.visibility <= 3, "symbol enum ranges");
      FUZZ_CHECK(Inside(s.name, bytes) && Inside(s.version, bytes), "symbol strings point into the file");
    }
  }
  // The hash tables name only what the symbol table holds under that name.
  for (uint64_t i = 1; i < f.dynsym.readable && i < 16; ++i) {
    const std::string_view name = f.dynsym.At(i).name;
    const File::HashLookup look = f.LookupDynamic(name);
    FUZZ_CHECK(!look.index || (*look.index < f.dynsym.readable && f.dynsym.At(*look.index).name == name),
               "LookupDynamic finds the name it was asked for");
  }
  FUZZ_CHECK(!f.LookupDynamic("exray_absent").index || f.dynsym.present, "no lookup without .dynsym");
  FUZZ_CHECK(f.dynamic.size() <= kMaxDynamicEntries, "dynamic cap");
  FUZZ_CHECK(f.notes.size() <= kMaxNotes, "note cap");
  FUZZ_CHECK(f.comment.size() <= kMaxCommentStrings, "comment cap");
  FUZZ_CHECK(f.verneed.size() <= kMaxVersionRecords && f.verdef.size() <= kMaxVersionRecords, "version caps");
  for (std::string_view s : f.needed) FUZZ_CHECK(Inside(s, bytes), "DT_NEEDED points into the file");
  for (const auto* o : {&f.soname, &f.rpath, &f.runpath, &f.interpreter})
    if (*o) FUZZ_CHECK(Inside(**o, bytes), "dynamic string points into the file");
  for (const Note& n : f.notes) {
    FUZZ_CHECK(Inside(n.owner, bytes) && Inside(n.desc, bytes), "note points into the file");
    FUZZ_CHECK(n.desc.size() <= bytes.size(), "note size");
  }
  for (const VersionNeed& n : f.verneed) {
    FUZZ_CHECK(Inside(n.file, bytes), "verneed file points into the file");
    for (const VersionNeedAux& v : n.versions) FUZZ_CHECK(Inside(v.name, bytes), "vernaux name points into the file");
  }
  for (const VersionDef& d : f.verdef)
    for (std::string_view s : d.names) FUZZ_CHECK(Inside(s, bytes), "verdaux name points into the file");
  if (f.build_id) FUZZ_CHECK(f.build_id->size() % 2 == 0, "build-id is whole bytes of hex");
  FUZZ_CHECK(f.diag.warnings().size() <= exray::Diagnostics::kMaxWarnings, "warning cap");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  exray::ByteView bytes(data, size);
  exray::AnalyzeOptions ao;
  ao.symbol_list = true;
  auto a_or = exray::Analyze("fuzz-input", bytes, ao);
  const bool elf = exray::elf::IsElf(bytes);
  if (!a_or) {
    // Fatal only when the ELF header cannot be read.
    FUZZ_CHECK(elf, "non-ELF input never fails");
    const bool header_ok = size >= 6 && (data[4] == exray::elf::ELFCLASS32 || data[4] == exray::elf::ELFCLASS64) &&
                           (data[5] == exray::elf::ELFDATA2LSB || data[5] == exray::elf::ELFDATA2MSB) &&
                           size >= exray::elf::kEhdrSize[data[4] == exray::elf::ELFCLASS64 ? 1 : 0];
    FUZZ_CHECK(!header_ok, "a readable ELF header is never fatal");
    FUZZ_CHECK(!a_or.error().message.empty() && a_or.error().message.find('\n') == std::string::npos,
               "fatal error is one line");
    return 0;
  }
  const exray::Analysis& a = *a_or;
  FUZZ_CHECK(a.size == size, "size");
  // Bytecode and archive files name their own format (lua-bytecode, jar, pe, ...).
  FUZZ_CHECK(a.bytecode ? !elf && !a.script && !a.format.empty() && a.format != "unknown"
                        : a.format == (elf ? "elf" : a.script ? "script" : size == 0 ? "empty" : "unknown"),
             "format");
  FUZZ_CHECK(a.warnings.size() <= exray::Diagnostics::kMaxWarnings + 1, "warnings capped");
  if (a.elf) CheckElf(*a.elf, bytes);

  exray::ReportOptions ro;
  ro.sections = ro.segments = ro.symbols = ro.dynamic = ro.notes = true;
  // ToJson writes the document itself; nlohmann must accept it, and its own
  // dump of what it read must parse back to the same value.
  std::string dumped = exray::ToJson(a, ro);
  auto back = nlohmann::ordered_json::parse(dumped, nullptr, /*allow_exceptions=*/false);
  FUZZ_CHECK(!back.is_discarded(), "JSON re-parses");
  FUZZ_CHECK(nlohmann::ordered_json::parse(back.dump()) == back, "JSON parse -> dump -> parse is stable");
  FUZZ_CHECK(nlohmann::ordered_json::parse(exray::ToJson(a, ro, 2)) == back, "pretty and compact JSON agree");
  FUZZ_CHECK(back["warnings"].size() == a.warnings.size(), "JSON warnings list");
  FUZZ_CHECK(back["format"] == a.format, "JSON format");
  std::string text = exray::ToText(a, ro);
  FUZZ_CHECK(!text.empty() && text.back() == '\n', "text report ends with a newline");
  // Names from the file are escaped, so the warnings block appears exactly when there are warnings
  // (regress-text-newline-in-section-name forged one with a section name).
  FUZZ_CHECK(a.warnings.empty() == (text.find("\n  warnings\n") == std::string::npos), "text shows warnings");
  FUZZ_CHECK(text.find('\033') == std::string::npos, "no escape bytes in a colourless report");
  ro.color = true;
  (void)exray::ToText(a, ro);
  return 0;
}
