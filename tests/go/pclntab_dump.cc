// pclntab_dump: prints every function of a Go ELF binary's pclntab as exray
// reads it, in gosym_dump's format, one line per function (hex addresses):
// "name\tentry\tend\tfile:line\tmid\tmidname\tfile:line", where mid is the pc
// halfway through the function and the rest is what Lookup(mid) finds;
// warnings go to stderr. The exray side of pclntab_diff.py.
// With --at PC (hex, repeatable) it prints instead, for each PC,
// "pc\tname\tentry\tfile:line\tframes" from Lookup and Frames (empty fields
// when no function holds it), frames being "name@file:line" joined by '|',
// innermost first, for traceback_check.py.
//
// Usage: pclntab_dump [--no-symbols] [--no-sections] [--at PC]... BINARY
//   --no-symbols hides the symbol tables from the reader, so the text base
//   must come from moduledata; --no-sections hides the section headers, so the
//   pclntab must be found by the symbol or by scanning segments.
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "formats/elf/address_space.h"
#include "formats/elf/parser.h"
#include "lang/go/pclntab.h"
#include "support/mapped_file.h"

namespace {

// Forwards to the ELF view, optionally hiding its symbols or sections.
class Hiding final : public exray::AddressSpace {
 public:
  Hiding(const exray::AddressSpace& as, bool symbols, bool sections)
      : as_(as), hide_symbols_(symbols), hide_sections_(sections) {}
  exray::Endian endian() const override { return as_.endian(); }
  int ptr_size() const override { return as_.ptr_size(); }
  exray::ByteView Read(uint64_t vaddr, uint64_t len) const override { return as_.Read(vaddr, len); }
  const std::vector<exray::MemRegion>& Sections() const override {
    return hide_sections_ ? none_ : as_.Sections();
  }
  const std::vector<exray::MemRegion>& Segments() const override { return as_.Segments(); }
  std::optional<uint64_t> Symbol(std::string_view name) const override {
    return hide_symbols_ ? std::nullopt : as_.Symbol(name);
  }

 private:
  const exray::AddressSpace& as_;
  bool hide_symbols_, hide_sections_;
  std::vector<exray::MemRegion> none_;
};

}  // namespace

int main(int argc, char** argv) {
  bool no_symbols = false, no_sections = false;
  std::vector<uint64_t> at;
  const char* path = nullptr;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--no-symbols") == 0) no_symbols = true;
    else if (std::strcmp(argv[i], "--no-sections") == 0) no_sections = true;
    else if (std::strcmp(argv[i], "--at") == 0 && i + 1 < argc) at.push_back(std::strtoull(argv[++i], nullptr, 16));
    else path = argv[i];
  }
  if (!path) {
    std::fprintf(stderr, "usage: pclntab_dump [--no-symbols] [--no-sections] [--at PC]... BINARY\n");
    return 2;
  }
  auto file_or = exray::MappedFile::Open(path);
  if (!file_or) {
    std::fprintf(stderr, "pclntab_dump: %s: %s\n", path, file_or.error().message.c_str());
    return 1;
  }
  exray::elf::ParseOptions po;
  po.source = file_or->get();
  po.source->Ensure(0, 64);  // the ELF header, which Parse reads before anything else
  auto elf_or = exray::elf::Parse((*file_or)->view(), po);
  if (!elf_or) {
    std::fprintf(stderr, "pclntab_dump: %s: %s\n", path, elf_or.error().message.c_str());
    return 1;
  }
  exray::elf::ElfAddressSpace elf_as(*elf_or);
  Hiding hidden(elf_as, no_symbols, no_sections);
  const exray::AddressSpace& as = hidden;
  exray::Diagnostics diag;
  auto t_or = exray::go::ReadPclntab(as, diag);
  for (const std::string& w : diag.warnings()) std::fprintf(stderr, "warning: %s\n", w.c_str());
  if (!t_or) {
    std::fprintf(stderr, "pclntab_dump: %s: %s\n", path, t_or.error().message.c_str());
    return 1;
  }
  const exray::go::Pclntab& t = *t_or;
  std::fprintf(stderr, "pclntab at 0x%" PRIx64 " (%s), Go %s layout, %zu functions, text base 0x%" PRIx64 " (%s)\n",
               t.vaddr(), std::string(exray::go::PclnSourceName(t.source())).c_str(),
               std::string(exray::go::PclnVersionName(t.header().version)).c_str(), t.functions().size(),
               t.text_base(), std::string(exray::go::TextBaseSourceName(t.text_base_source())).c_str());
  std::string out;
  if (!at.empty()) {
    for (uint64_t pc : at) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%#" PRIx64 "\t", pc);
      out.append(buf);
      if (auto loc = t.Lookup(pc, &diag)) {
        out.append(loc->function->name);
        std::snprintf(buf, sizeof buf, "\t%#" PRIx64 "\t", loc->function->entry);
        out.append(buf);
        out.append(loc->pos.file);
        out.append(":" + std::to_string(loc->pos.line));
        out.append("\t");
        bool first = true;
        for (const exray::go::Frame& f : t.Frames(as, pc, &diag)) {
          if (!first) out.append("|");
          first = false;
          out.append(f.function);
          out.append("@");
          out.append(f.pos.file);
          out.append(":" + std::to_string(f.pos.line));
        }
      } else {
        out.append("\t\t\t");
      }
      out.append("\n");
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    return 0;
  }
  for (size_t i = 0; i < t.functions().size(); ++i) {
    const exray::go::Function& f = t.functions()[i];
    exray::go::Position pos = t.EntryPosition(i, &diag);
    char buf[64];
    out.append(f.name);
    std::snprintf(buf, sizeof buf, "\t%#" PRIx64 "\t%#" PRIx64 "\t", f.entry, f.end);
    out.append(buf);
    out.append(pos.file);
    out.append(":" + std::to_string(pos.line));
    const uint64_t mid = f.entry + (f.end - f.entry) / 2;
    std::snprintf(buf, sizeof buf, "\t%#" PRIx64 "\t", mid);
    out.append(buf);
    exray::go::Position mpos;
    if (auto loc = t.Lookup(mid, &diag)) {
      out.append(loc->function->name);
      mpos = loc->pos;
    }
    out.append("\t");
    out.append(mpos.file);
    out.append(":" + std::to_string(mpos.line) + "\n");
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}
