// go_version_dump: prints what the format-neutral Go version readers find in
// an ELF file, one "key\tvalue..." line per fact, for version_check.py:
//   layout       the Go releases the layout allows (RangeFromLayout)
//   fact         one line per layout fact: what, range
//   version      runtime version, source, strong 0/1, string vaddr, header vaddr or "-", consistent 0/1
//   check        holds 0/1, detail
//   note         a note from FindRuntimeVersion
//   buildinfo    the build info's Go version, when there is build info
//   gccgo        0/1; then gcc_version, gccgo_go (version, from) and evidence (kind, decisive 0/1, what, where)
//   warning      a diagnostic
// Usage: go_version_dump [--no-symbols] BINARY
//   --no-symbols hides the symbol tables from FindRuntimeVersion, so the
//   version must come from a string header or the string scan.
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "formats/elf/address_space.h"
#include "formats/elf/parser.h"
#include "lang/go/buildinfo.h"
#include "lang/go/gccgo.h"
#include "lang/go/pclntab.h"
#include "lang/go/version.h"
#include "support/mapped_file.h"

namespace {

class NoSymbols final : public exray::AddressSpace {
 public:
  explicit NoSymbols(const exray::AddressSpace& as) : as_(as) {}
  exray::Endian endian() const override { return as_.endian(); }
  int ptr_size() const override { return as_.ptr_size(); }
  exray::ByteView Read(uint64_t vaddr, uint64_t len) const override { return as_.Read(vaddr, len); }
  const std::vector<exray::MemRegion>& Sections() const override { return as_.Sections(); }
  const std::vector<exray::MemRegion>& Segments() const override { return as_.Segments(); }
  std::optional<uint64_t> Symbol(std::string_view) const override { return std::nullopt; }

 private:
  const exray::AddressSpace& as_;
};

// Defined or undefined, in .symtab or .dynsym.
bool HasSymbol(const exray::elf::File& f, std::string_view name) {
  for (const exray::elf::SymbolTable* t : {&f.symtab, &f.dynsym})
    for (uint64_t i = 0; i < t->readable; ++i)
      if (t->NameStartsWith(i, name) && t->At(i).name == name) return true;
  return false;
}

std::string Hex(uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%#" PRIx64, v);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  bool no_symbols = false;
  const char* path = nullptr;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--no-symbols") == 0)
      no_symbols = true;
    else
      path = argv[i];
  }
  if (!path) {
    std::fprintf(stderr, "usage: go_version_dump [--no-symbols] BINARY\n");
    return 2;
  }
  auto file_or = exray::MappedFile::Open(path);
  if (!file_or) {
    std::fprintf(stderr, "go_version_dump: %s: %s\n", path, file_or.error().message.c_str());
    return 1;
  }
  exray::elf::ParseOptions po;
  po.source = file_or->get();
  po.source->Ensure(0, 64);
  auto elf_or = exray::elf::Parse((*file_or)->view(), po);
  if (!elf_or) {
    std::fprintf(stderr, "go_version_dump: %s: %s\n", path, elf_or.error().message.c_str());
    return 1;
  }
  const exray::elf::File& f = *elf_or;
  exray::elf::ElfAddressSpace elf_as(f);
  NoSymbols hidden(elf_as);
  const exray::AddressSpace& as = no_symbols ? static_cast<const exray::AddressSpace&>(hidden) : elf_as;
  exray::Diagnostics diag;
  std::string out;
  auto line = [&out](std::initializer_list<std::string> fields) {
    bool first = true;
    for (const std::string& s : fields) {
      if (!first) out += '\t';
      out += s;
      first = false;
    }
    out += '\n';
  };

  std::optional<uint32_t> magic;
  exray::Diagnostics pcln_diag;
  if (auto t_or = exray::go::ReadPclntab(elf_as, pcln_diag)) magic = exray::go::PclnMagic(t_or->header().version);
  const exray::go::VersionHints hints = exray::go::LayoutHints(as, magic);
  const exray::go::LayoutRange lr = exray::go::RangeFromLayout(hints);
  line({"layout", lr.range.ToString()});
  for (const exray::go::LayoutFact& fact : lr.facts) line({"fact", fact.what, fact.range.ToString()});

  if (auto rv = exray::go::FindRuntimeVersion(as, hints, diag)) {
    line({"version", rv->version, std::string(exray::go::VersionSourceName(rv->source)), rv->strong() ? "1" : "0",
          Hex(rv->string_vaddr), rv->header_vaddr ? Hex(*rv->header_vaddr) : "-", rv->consistent ? "1" : "0"});
    for (const exray::go::VersionCheck& c : rv->checks) line({"check", c.holds ? "1" : "0", c.detail});
    for (const std::string& n : rv->notes) line({"note", n});
  }
  exray::Diagnostics bi_diag;
  if (auto bi = exray::go::ReadBuildInfo(elf_as, &bi_diag); bi && bi->ok()) line({"buildinfo", (*bi)->version});

  exray::go::GccgoFacts facts;
  facts.needed = f.needed;
  for (const exray::elf::Section& s : f.sections) {
    facts.section_names.push_back(s.name);
    if (s.name == ".go_export" && s.in_file) facts.go_export = f.Load(s.offset, s.size);
  }
  for (const std::string& c : f.comment) facts.comments.push_back(c);
  facts.has_symbol = [&f](std::string_view name) { return HasSymbol(f, name); };
  facts.as = &elf_as;
  if (auto g = exray::go::DetectGccgo(facts)) {
    line({"gccgo", "1"});
    line({"gcc_version", g->gcc_version.value_or("-")});
    line({"gccgo_go", g->go_version.value_or("-"), g->go_version_from});
    for (const exray::go::GccgoEvidence& e : g->evidence)
      line(
          {"evidence", std::string(exray::go::GccgoEvidenceKindName(e.kind)), e.decisive ? "1" : "0", e.what, e.where});
  } else {
    line({"gccgo", "0"});
  }
  for (const std::string& w : diag.warnings()) line({"warning", w});
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}
