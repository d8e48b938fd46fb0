// libFuzzer target for the Go version readers (FindRuntimeVersion,
// RangeFromLayout, DetectGccgo) over an in-memory AddressSpace (bytes in
// memory, no temp files); checks invariants, not just survival.
// Input: byte 0 flags (bit0 big-endian, bit1 32-bit, bit2 a runtime.buildVersion
// symbol, bit3 .go.module, bit4 .go.type, bit5 .gosymtab, bits6-7 pcln magic
// none/0xfffffff0/0xfffffff1/other), byte 1 where the input splits into
// read-only and writable data, byte 2 the symbol's offset in writable data
// (in pointer-size units); the rest is the data. DetectGccgo gets the
// read-only part's NUL-separated strings as needed libraries, section names
// and comments, the writable part as .go_export, and the whole as memory.
// Seeds in corpus/go_version/: crafted-* (hand-made, see README.md there).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "../go/memory_address_space.h"
#include "fuzz_check.h"
#include "lang/go/gccgo.h"
#include "lang/go/version.h"

namespace {

constexpr uint64_t kRodata = 0x400000;
constexpr uint64_t kData = 0x600000;

std::vector<std::string_view> Strings(std::string_view s) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start < s.size()) {
    size_t end = s.find('\0', start);
    if (end == std::string_view::npos) end = s.size();
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace exray;
  if (size < 3) return 0;
  const uint8_t flags = data[0];
  const Endian e = flags & 1 ? Endian::kBig : Endian::kLittle;
  const int ps = flags & 2 ? 4 : 8;
  const uint8_t* body = data + 3;
  const size_t n = size - 3;
  const size_t split = n * data[1] / 255;
  std::vector<uint8_t> ro(body, body + split), rw(body + split, body + n);

  testing::MemoryAddressSpace as(e, ps);
  as.Map(kRodata, ro, ".rodata");
  as.Map(kData, rw, ".data", /*write=*/true);
  if (flags & 4) as.AddSymbol("runtime.buildVersion", kData + uint64_t{data[2]} * ps);

  go::VersionHints hints;
  hints.go_module_section = flags & 8;
  hints.go_type_section = flags & 16;
  hints.gosymtab_section = flags & 32;
  static constexpr uint32_t kMagics[] = {0, 0xfffffff0, 0xfffffff1, 0x12345678};
  if (flags >> 6) hints.pcln_magic = kMagics[flags >> 6];

  const go::LayoutRange lr = go::RangeFromLayout(hints);
  FUZZ_CHECK(lr.facts.size() <= 4, "one fact per hint");

  Diagnostics diag;
  if (auto rv = go::FindRuntimeVersion(as, hints, diag)) {
    FUZZ_CHECK(static_cast<int>(rv->source) <= static_cast<int>(go::VersionSource::kMaxValue), "source in range");
    FUZZ_CHECK(!rv->version.empty() && rv->version.size() <= go::kMaxVersionLen, "version length cap");
    FUZZ_CHECK(rv->minor == go::GoMinorOf(rv->version), "minor parsed from the version");
    FUZZ_CHECK(rv->checks.size() == lr.facts.size(), "one check per layout fact");
    const bool all_hold =
        std::all_of(rv->checks.begin(), rv->checks.end(), [](const go::VersionCheck& c) { return c.holds; });
    FUZZ_CHECK(rv->consistent == all_hold, "consistent means every check holds");
    FUZZ_CHECK(rv->strong() == rv->header_vaddr.has_value(), "strong sources name their header");
    // The bytes at string_vaddr are the version (a weak one may be a prefix of longer text).
    ByteView at = as.Read(rv->string_vaddr, rv->version.size());
    FUZZ_CHECK(at.AsString() == rv->version, "version read back at its vaddr");
    if (rv->strong()) {
      ByteView h = as.Read(*rv->header_vaddr, 2 * ps);
      FUZZ_CHECK(h.size() == static_cast<uint64_t>(2 * ps), "header inside the data");
    }
    FUZZ_CHECK(rv->notes.size() <= go::kMaxVersionHeaders + 4, "notes bounded");
  }
  FUZZ_CHECK(diag.warnings().size() <= 1, "one warning at most (the symbol's header)");

  std::string_view ro_text(reinterpret_cast<const char*>(ro.data()), ro.size());
  std::vector<std::string_view> strings = Strings(ro_text);
  go::GccgoFacts facts;
  facts.needed = strings;
  facts.section_names = strings;
  facts.comments = strings;
  facts.go_export = ByteView(rw.data(), rw.size());
  facts.has_symbol = [&strings](std::string_view name) {
    return std::find(strings.begin(), strings.end(), name) != strings.end();
  };
  facts.as = &as;
  if (auto g = go::DetectGccgo(facts)) {
    FUZZ_CHECK(
        std::any_of(g->evidence.begin(), g->evidence.end(), [](const go::GccgoEvidence& ev) { return ev.decisive; }),
        "recognised only on decisive evidence");
    for (const go::GccgoEvidence& ev : g->evidence)
      FUZZ_CHECK(static_cast<int>(ev.kind) <= static_cast<int>(go::GccgoEvidenceKind::kMaxValue), "kind in range");
    FUZZ_CHECK(g->evidence.size() <= 3 * go::kMaxGccgoFacts + 16, "evidence bounded");
    if (g->go_version) FUZZ_CHECK(go::GoMinorOf(*g->go_version).has_value(), "Go version well-formed");
  }
  return 0;
}
