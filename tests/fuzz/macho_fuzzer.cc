// libFuzzer target for the Mach-O parser: the bytes as a thin image, and as a
// universal file whose slices are each parsed in turn. Checks that work and
// output stay within the named caps, that every view the parser hands out
// lies inside the input, and that section indexes point at real segments.
// Each image's symbol table, code signature and address space are read too,
// and the whole main report (analysis, identification, text and JSON) runs
// on the input.
// Seeds in corpus/macho/ are the load-command heads of real images and a
// small universal file (make_macho_seeds.py).
#include <cstddef>
#include <cstdint>

#include "analysis/analyze.h"
#include "formats/macho/address_space.h"
#include "formats/macho/parser.h"
#include "report/report.h"
#include "support/limits.h"

#include "fuzz_check.h"

namespace {

using exray::ByteView;
namespace macho = exray::macho;

bool Inside(std::string_view s, ByteView b) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  return s.empty() || (p >= b.data() && p + s.size() <= b.data() + b.size());
}

void Image(ByteView b) {
  auto f = macho::Parse(b);
  if (!f) return;
  FUZZ_CHECK(f->commands.size() <= macho::kMaxMachoLoadCommands, "load commands bounded");
  FUZZ_CHECK(f->sections.size() <= macho::kMaxMachoSections, "sections bounded");
  for (const macho::LoadCommand& c : f->commands)
    FUZZ_CHECK(c.cmdsize >= 8 && c.offset + c.cmdsize <= b.size(), "every command kept lies inside the image");
  for (const macho::Segment& s : f->segments) FUZZ_CHECK(Inside(s.name, b), "segment names point into the image");
  for (const macho::Section& s : f->sections) {
    FUZZ_CHECK(s.segment < f->segments.size(), "a section's segment exists");
    FUZZ_CHECK(Inside(s.sectname, b) && Inside(s.segname, b) && s.sectname.size() <= 16, "section names bounded");
    FUZZ_CHECK(!s.in_file || uint64_t{s.offset} + s.size <= b.size(), "in_file sections lie inside the image");
  }
  for (const macho::Dylib& d : f->dylibs) FUZZ_CHECK(Inside(d.name, b), "dylib names point into the image");
  for (std::string_view r : f->rpaths) FUZZ_CHECK(Inside(r, b), "rpaths point into the image");
  FUZZ_CHECK(Inside(f->dylinker, b), "the dylinker's path points into the image");
  for (const macho::BuildVersion& v : f->build_versions)
    FUZZ_CHECK(v.tools.size() <= macho::kMaxMachoBuildTools, "build tools bounded");
  (void)macho::CpuTypeName(f->header.cputype, f->header.cpusubtype);
  for (const macho::LoadCommand& c : f->commands) (void)macho::LoadCommandName(c.cmd);
  // Symbols: the count never exceeds what the image holds; names stay inside it.
  const uint64_t n = f->SymbolCount();
  FUZZ_CHECK(n * (f->header.is64 ? 16 : 12) <= b.size(), "symbol entries lie inside the image");
  for (uint64_t i = 0; i < n && i < 4096; ++i) FUZZ_CHECK(Inside(f->SymbolAt(i).name, b), "symbol names inside");
  exray::Diagnostics diag;
  if (auto cs = macho::ReadCodeSignature(*f, &diag)) {
    FUZZ_CHECK(cs->slots <= macho::kMaxCodeSignatureSlots, "signature slots bounded");
    FUZZ_CHECK(Inside(cs->identifier, b), "the signing identifier lies inside the image");
  }
  macho::MachoAddressSpace as(*f);
  for (const exray::MemRegion& r : as.Segments()) {
    ByteView v = as.Read(r.vaddr, r.size);
    FUZZ_CHECK(v.empty() || (v.data() >= b.data() && v.data() + v.size() <= b.data() + b.size()),
               "segment reads stay inside the image");
  }
  (void)as.Symbol("runtime.buildVersion");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ByteView b(data, size);
  Image(b);
  if (auto a = exray::Analyze("fuzz-input", b, {})) {
    exray::ReportOptions ro;
    ro.sections = ro.segments = ro.symbols = ro.dynamic = true;
    (void)exray::ToJson(*a, ro);
    (void)exray::ToText(*a, ro);
  }
  auto fat = macho::ParseFat(b);
  if (!fat) return 0;
  FUZZ_CHECK(fat->archs.size() <= macho::kMaxFatArchs, "slices bounded");
  for (const macho::FatArch& a : fat->archs) {
    auto s = macho::Slice(b, a);
    if (!s) continue;
    FUZZ_CHECK(s->data() >= b.data() && s->data() + s->size() <= b.data() + b.size(), "a slice lies inside the file");
    Image(*s);
  }
  return 0;
}
