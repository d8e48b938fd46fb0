// libFuzzer target for the PE parser: the headers, section table, imports
// and delay imports, exports, debug directory, load configuration,
// certificate entry and Rich header of one image, its address space, and the
// whole main report on it. Checks that work and output stay within the
// named caps and that every view the parser hands out lies inside the input.
// Seeds in corpus/pe/ are the first 4 KiB of real Windows builds from npm
// (headers, Rich header and section table).
#include <cstddef>
#include <cstdint>

#include "analysis/analyze.h"
#include "formats/pe/address_space.h"
#include "formats/pe/parser.h"
#include "report/report.h"
#include "support/limits.h"

#include "fuzz_check.h"

namespace {

using exray::ByteView;
namespace pe = exray::pe;

bool Inside(std::string_view s, ByteView b) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  return s.empty() || (p >= b.data() && p + s.size() <= b.data() + b.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ByteView b(data, size);
  if (auto f = pe::Parse(b)) {
    FUZZ_CHECK(f->sections.size() <= pe::kMaxPeSections, "sections bounded");
    FUZZ_CHECK(f->imports.size() <= pe::kMaxPeImportDlls, "import descriptors bounded");
    FUZZ_CHECK(f->debug.size() <= pe::kMaxPeDebugEntries, "debug entries bounded");
    FUZZ_CHECK(f->rich.size() <= pe::kMaxRichEntries, "Rich entries bounded");
    FUZZ_CHECK(f->header.directories.size() <= 16, "data directories bounded");
    uint64_t functions = 0;
    for (const pe::ImportDll& d : f->imports) {
      FUZZ_CHECK(Inside(d.name, b) && d.name.size() <= pe::kMaxPeName, "DLL names inside, bounded");
      for (const pe::ImportFunction& fn : d.functions) FUZZ_CHECK(Inside(fn.name, b), "import names inside");
      functions += d.functions.size();
    }
    FUZZ_CHECK(functions <= pe::kMaxPeImportFunctions, "imported functions bounded");
    for (const pe::Section& s : f->sections) {
      FUZZ_CHECK(Inside(s.name, b), "section names inside");
      FUZZ_CHECK(!s.in_file || uint64_t{s.raw_offset} + s.raw_size <= b.size(), "in_file sections inside");
    }
    if (f->exports) {
      FUZZ_CHECK(f->exports->names.size() <= pe::kMaxPeExportNames, "export names bounded");
      for (std::string_view n : f->exports->names) FUZZ_CHECK(Inside(n, b), "export names inside");
    }
    if (f->codeview) FUZZ_CHECK(Inside(f->codeview->pdb_path, b), "the PDB path lies inside the file");
    pe::PeAddressSpace as(*f);
    for (const exray::MemRegion& r : as.Segments()) {
      ByteView v = as.Read(r.vaddr, r.size);
      FUZZ_CHECK(v.empty() || (v.data() >= b.data() && v.data() + v.size() <= b.data() + b.size()),
                 "section reads stay inside the file");
    }
    (void)as.Symbol("runtime.pclntab");
  }
  if (auto a = exray::Analyze("fuzz-input", b, {})) {
    exray::ReportOptions ro;
    ro.sections = ro.segments = ro.symbols = ro.dynamic = true;
    (void)exray::ToJson(*a, ro);
    (void)exray::ToText(*a, ro);
  }
  return 0;
}
