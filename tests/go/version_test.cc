// Unit tests for the Go version readers without build info (lang/go/version.h),
// on address spaces built in memory, including hostile ones.
#include "lang/go/version.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "memory_address_space.h"

namespace exray::go {
namespace {

using testing::MemoryAddressSpace;

constexpr uint64_t kRodata = 0x400000;
constexpr uint64_t kData = 0x600000;

std::vector<uint8_t> Bytes(std::string_view s) { return std::vector<uint8_t>(s.begin(), s.end()); }

// Appends a ptr_size word in byte order e.
void PutWord(std::vector<uint8_t>* out, uint64_t v, Endian e, int ps) {
  for (int i = 0; i < ps; ++i) {
    const int shift = e == Endian::kLittle ? 8 * i : 8 * (ps - 1 - i);
    out->push_back(static_cast<uint8_t>(shift < 64 ? v >> shift : 0));
  }
}

// Read-only data holding text at kRodata + at; writable data holding a string
// header {ptr, len} at kData + header_at (after zero padding).
struct Binary {
  MemoryAddressSpace as;
  Binary(Endian e, int ps, std::string rodata, uint64_t header_at, uint64_t ptr, uint64_t len,
         std::string data_name = ".data")
      : as(e, ps) {
    as.Map(kRodata, Bytes(rodata), ".rodata");
    std::vector<uint8_t> data(header_at, 0);
    PutWord(&data, ptr, e, ps);
    PutWord(&data, len, e, ps);
    data.resize(data.size() + 64, 0);
    as.Map(kData, data, data_name, /*write=*/true);
  }
};

TEST(GoMinorOf, Forms) {
  EXPECT_EQ(GoMinorOf("go1.26.5"), 26);
  EXPECT_EQ(GoMinorOf("go1.2"), 2);
  EXPECT_EQ(GoMinorOf("go1.21rc2"), 21);
  EXPECT_EQ(GoMinorOf("go1.21.0 X:loopvar"), 21);
  EXPECT_EQ(GoMinorOf("devel go1.27-abcdef Tue Jan 1"), 27);
  EXPECT_EQ(GoMinorOf("go1"), std::nullopt);
  EXPECT_EQ(GoMinorOf("go1."), std::nullopt);
  EXPECT_EQ(GoMinorOf("go1.x"), std::nullopt);
  EXPECT_EQ(GoMinorOf("golang"), std::nullopt);
  EXPECT_EQ(GoMinorOf(""), std::nullopt);
  EXPECT_EQ(GoMinorOf("devel +abc"), std::nullopt);
}

TEST(GoRange, ToString) {
  EXPECT_EQ((GoRange{20, GoRange::kOpen}).ToString(), "Go 1.20+");
  EXPECT_EQ((GoRange{18, 19}).ToString(), "Go 1.18-1.19");
  EXPECT_EQ((GoRange{26, 26}).ToString(), "Go 1.26");
  EXPECT_EQ(GoRange{}.ToString(), "any Go release");
  EXPECT_EQ((GoRange{5, 4}).ToString(), "no Go release");
  EXPECT_EQ((GoRange{20, GoRange::kOpen}).Intersect({3, 25}).ToString(), "Go 1.20-1.25");
}

TEST(PclnMagic, EveryLayout) {
  EXPECT_EQ(PclnMagic(PclnVersion::kGo12), 0xfffffffbu);
  EXPECT_EQ(PclnMagic(PclnVersion::kGo116), 0xfffffffau);
  EXPECT_EQ(PclnMagic(PclnVersion::kGo118), 0xfffffff0u);
  EXPECT_EQ(PclnMagic(PclnVersion::kGo120), 0xfffffff1u);
}

TEST(RangeFromLayout, Magics) {
  auto range = [](uint32_t magic) {
    VersionHints h;
    h.pcln_magic = magic;
    return RangeFromLayout(h).range.ToString();
  };
  EXPECT_EQ(range(0xfffffffb), "Go 1.2-1.15");
  EXPECT_EQ(range(0xfffffffa), "Go 1.16-1.17");
  EXPECT_EQ(range(0xfffffff0), "Go 1.18-1.19");
  EXPECT_EQ(range(0xfffffff1), "Go 1.20+");
  EXPECT_EQ(range(0x12345678), "no Go release");
  EXPECT_EQ(RangeFromLayout(VersionHints{}).range.ToString(), "any Go release");
  EXPECT_TRUE(RangeFromLayout(VersionHints{}).facts.empty());
}

TEST(RangeFromLayout, SectionsNarrowTheMagic) {
  VersionHints h;
  h.pcln_magic = 0xfffffff1;
  h.go_module_section = true;
  LayoutRange lr = RangeFromLayout(h);
  EXPECT_EQ(lr.range.ToString(), "Go 1.26+");
  ASSERT_EQ(lr.facts.size(), 2u);
  EXPECT_EQ(lr.facts[0].what, "pclntab magic 0xfffffff1");
  EXPECT_EQ(lr.facts[1].what, ".go.module section");
  h.go_type_section = true;
  EXPECT_EQ(RangeFromLayout(h).range.ToString(), "Go 1.27+");
  VersionHints old;
  old.pcln_magic = 0xfffffff1;
  old.gosymtab_section = true;
  EXPECT_EQ(RangeFromLayout(old).range.ToString(), "Go 1.20-1.25");
  // Contradicting facts: an empty range, every fact still listed.
  VersionHints bad;
  bad.pcln_magic = 0xfffffff0;
  bad.go_module_section = true;
  EXPECT_TRUE(RangeFromLayout(bad).range.empty());
  EXPECT_EQ(RangeFromLayout(bad).facts.size(), 2u);
}

TEST(LayoutHints, SectionNames) {
  MemoryAddressSpace as(Endian::kLittle, 8);
  as.Map(0x1000, {0}, ".go.module", true);
  as.Map(0x2000, {0}, "__go_type");
  VersionHints h = LayoutHints(as, 0xfffffff1);
  EXPECT_TRUE(h.go_module_section);
  EXPECT_TRUE(h.go_type_section);
  EXPECT_FALSE(h.gosymtab_section);
  EXPECT_EQ(h.pcln_magic, 0xfffffff1u);
}

TEST(FindRuntimeVersion, Symbol) {
  Binary b(Endian::kLittle, 8, std::string("xxxxgo1.26.5\0\0\0\0", 16), 0x40, kRodata + 4, 8);
  b.as.AddSymbol("runtime.buildVersion", kData + 0x40);
  VersionHints h;
  h.pcln_magic = 0xfffffff1;
  h.go_module_section = true;
  Diagnostics diag;
  auto rv = FindRuntimeVersion(b.as, h, diag);
  ASSERT_TRUE(rv);
  EXPECT_EQ(rv->version, "go1.26.5");
  EXPECT_EQ(rv->minor, 26);
  EXPECT_EQ(rv->source, VersionSource::kSymbol);
  EXPECT_TRUE(rv->strong());
  EXPECT_EQ(rv->string_vaddr, kRodata + 4);
  EXPECT_EQ(rv->header_vaddr, kData + 0x40);
  EXPECT_TRUE(rv->consistent);
  ASSERT_EQ(rv->checks.size(), 2u);
  EXPECT_EQ(rv->checks[0].detail, "go1.26.5 agrees with pclntab magic 0xfffffff1 (Go 1.20+)");
  EXPECT_EQ(rv->checks[1].detail, "go1.26.5 agrees with .go.module section (Go 1.26+)");
  EXPECT_TRUE(diag.warnings().empty());
}

// Every byte order and pointer size, found by the header scan (no symbols).
class HeaderScan : public ::testing::TestWithParam<std::tuple<Endian, int>> {};

TEST_P(HeaderScan, FindsTheHeader) {
  auto [e, ps] = GetParam();
  // The string is followed by another string without a separator, as Go lays them out.
  Binary b(e, ps, "garbagego1.19.8runtime: bad pointer", 3 * ps, kRodata + 7, 8);
  VersionHints h;
  h.pcln_magic = 0xfffffff0;
  Diagnostics diag;
  auto rv = FindRuntimeVersion(b.as, h, diag);
  ASSERT_TRUE(rv);
  EXPECT_EQ(rv->version, "go1.19.8");
  EXPECT_EQ(rv->source, VersionSource::kStringHeader);
  EXPECT_EQ(rv->header_vaddr, kData + 3 * ps);
  EXPECT_TRUE(rv->consistent);
  EXPECT_TRUE(rv->notes.empty());
}

INSTANTIATE_TEST_SUITE_P(All, HeaderScan,
                         ::testing::Combine(::testing::Values(Endian::kLittle, Endian::kBig), ::testing::Values(4, 8)));

TEST(FindRuntimeVersion, ExperimentSuffix) {
  Binary b(Endian::kLittle, 8, "go1.21.0 X:loopvar", 0, kRodata, 18);
  Diagnostics diag;
  auto rv = FindRuntimeVersion(b.as, VersionHints{}, diag);
  ASSERT_TRUE(rv);
  EXPECT_EQ(rv->version, "go1.21.0 X:loopvar");
  EXPECT_EQ(rv->minor, 21);
  EXPECT_TRUE(rv->checks.empty());
  EXPECT_TRUE(rv->consistent);
}

TEST(FindRuntimeVersion, ContradictionIsReported) {
  Binary b(Endian::kLittle, 8, "go1.19.8", 0, kRodata, 8);
  VersionHints h;
  h.pcln_magic = 0xfffffff0;
  h.go_module_section = true;
  Diagnostics diag;
  auto rv = FindRuntimeVersion(b.as, h, diag);
  ASSERT_TRUE(rv);
  EXPECT_FALSE(rv->consistent);
  ASSERT_EQ(rv->checks.size(), 2u);
  EXPECT_TRUE(rv->checks[0].holds);
  EXPECT_FALSE(rv->checks[1].holds);
  EXPECT_EQ(rv->checks[1].detail, "go1.19.8 contradicts .go.module section (Go 1.26+)");
}

TEST(FindRuntimeVersion, PrefersTheHeaderAgreeingWithTheLayout) {
  MemoryAddressSpace as(Endian::kLittle, 8);
  as.Map(kRodata, Bytes("go1.4go1.26.5"), ".rodata");
  std::vector<uint8_t> data;
  PutWord(&data, kRodata, Endian::kLittle, 8);
  PutWord(&data, 5, Endian::kLittle, 8);
  PutWord(&data, kRodata + 5, Endian::kLittle, 8);
  PutWord(&data, 8, Endian::kLittle, 8);
  as.Map(kData, data, ".data", true);
  VersionHints h;
  h.go_module_section = true;
  Diagnostics diag;
  auto rv = FindRuntimeVersion(as, h, diag);
  ASSERT_TRUE(rv);
  EXPECT_EQ(rv->version, "go1.26.5");
  EXPECT_EQ(rv->header_vaddr, kData + 16);
  ASSERT_EQ(rv->notes.size(), 1u);
  EXPECT_EQ(rv->notes[0], "another string header at 0x600000 holds go1.4");
}

// A static []string of versions elsewhere in the program: adjacent headers,
// all agreeing with the layout; the lone header is runtime.buildVersion.
TEST(FindRuntimeVersion, PrefersTheLoneHeaderOverATable) {
  MemoryAddressSpace as(Endian::kBig, 4);
  as.Map(kRodata, Bytes("go1.20go1.21go1.22go1.21.3"), ".rodata");
  std::vector<uint8_t> data;
  for (uint64_t off : {0, 6, 12}) {
    PutWord(&data, kRodata + off, Endian::kBig, 4);
    PutWord(&data, 6, Endian::kBig, 4);
  }
  data.resize(data.size() + 8, 0);
  PutWord(&data, kRodata + 18, Endian::kBig, 4);
  PutWord(&data, 8, Endian::kBig, 4);
  as.Map(kData, data, ".data", true);
  VersionHints h;
  h.pcln_magic = 0xfffffff1;
  Diagnostics diag;
  auto rv = FindRuntimeVersion(as, h, diag);
  ASSERT_TRUE(rv);
  EXPECT_EQ(rv->version, "go1.21.3");
  EXPECT_EQ(rv->header_vaddr, kData + 32);
  EXPECT_EQ(rv->notes.size(), 3u);
}

// A PIE whose header pointer is filled in only by a relocation: the scan, guided by the length.
TEST(FindRuntimeVersion, PiePointerZeroFallsBackToTheScan) {
  Binary b(Endian::kLittle, 8, std::string("go1.4 heap dump\0xgo1.19.8\0", 26), 8, 0, 8);
  b.as.AddSymbol("runtime.buildVersion", kData + 8);
  Diagnostics diag;
  auto rv = FindRuntimeVersion(b.as, VersionHints{}, diag);
  ASSERT_TRUE(rv);
  EXPECT_EQ(rv->version, "go1.19.8");
  EXPECT_EQ(rv->source, VersionSource::kStringScan);
  EXPECT_FALSE(rv->strong());
  EXPECT_EQ(rv->string_vaddr, kRodata + 17);
  EXPECT_FALSE(rv->header_vaddr);
  ASSERT_FALSE(rv->notes.empty());
  EXPECT_NE(rv->notes[0].find("pointer 0 on disk"), std::string::npos) << rv->notes[0];
  EXPECT_TRUE(diag.warnings().empty());
}

TEST(FindRuntimeVersion, StrippedPieScanSaysSo) {
  Binary b(Endian::kLittle, 8, std::string("fips140only_go1.26.go\0go1.26.5\0", 31), 0, 0, 8);
  VersionHints h;
  h.go_module_section = true;
  Diagnostics diag;
  auto rv = FindRuntimeVersion(b.as, h, diag);
  ASSERT_TRUE(rv);
  EXPECT_EQ(rv->version, "go1.26.5");
  EXPECT_EQ(rv->source, VersionSource::kStringScan);
  ASSERT_GE(rv->notes.size(), 2u);
  EXPECT_NE(rv->notes[0].find("fell back to the string scan"), std::string::npos);
  EXPECT_EQ(rv->notes[1], "2 different \"go1.\" strings in read-only data");
}

TEST(FindRuntimeVersion, NothingToFind) {
  Binary b(Endian::kLittle, 8, "no version here", 0, kRodata, 8);
  Diagnostics diag;
  EXPECT_FALSE(FindRuntimeVersion(b.as, VersionHints{}, diag));
  MemoryAddressSpace empty(Endian::kLittle, 8);
  EXPECT_FALSE(FindRuntimeVersion(empty, VersionHints{}, diag));
  MemoryAddressSpace odd(Endian::kLittle, 3);
  odd.Map(kRodata, Bytes("go1.19.8"), ".rodata");
  EXPECT_FALSE(FindRuntimeVersion(odd, VersionHints{}, diag));
}

// Hostile headers: huge lengths, pointers anywhere, truncated strings, a
// version string glued to other text; none is taken as strong.
TEST(FindRuntimeVersion, HostileHeaders) {
  const std::string rodata = "go1.26.5xyz";
  for (uint64_t len :
       {uint64_t{0}, uint64_t{3}, uint64_t{11}, uint64_t{12}, kMaxVersionLen + 1, uint64_t{1} << 40, UINT64_MAX}) {
    for (uint64_t ptr :
         {kRodata, kRodata + 1, kRodata + 10, kRodata + 11, kData, uint64_t{0}, UINT64_MAX, UINT64_MAX - 3}) {
      for (int ps : {4, 8}) {
        Binary b(Endian::kLittle, ps, rodata, 0, ptr, len);
        b.as.AddSymbol("runtime.buildVersion", kData);
        Diagnostics diag;
        auto rv = FindRuntimeVersion(b.as, VersionHints{}, diag);
        ASSERT_TRUE(rv);  // the bare string is still there
        EXPECT_EQ(rv->source, VersionSource::kStringScan) << len << " " << ptr;
        EXPECT_EQ(rv->version, "go1.26.5");
      }
    }
  }
}

TEST(FindRuntimeVersion, SymbolOutsideTheFile) {
  Binary b(Endian::kBig, 8, "go1.26.5", 0, kRodata, 8);
  for (uint64_t at : {uint64_t{0}, kData + 76, UINT64_MAX, UINT64_MAX - 7}) {
    MemoryAddressSpace& as = b.as;
    as.AddSymbol("runtime.buildVersion", at);
    Diagnostics diag;
    auto rv = FindRuntimeVersion(as, VersionHints{}, diag);
    ASSERT_TRUE(rv);
    EXPECT_EQ(rv->version, "go1.26.5");
    EXPECT_EQ(rv->source, VersionSource::kStringHeader);  // the scan finds the real header
  }
}

TEST(FindRuntimeVersion, DamagedSymbolHeaderWarns) {
  Binary b(Endian::kLittle, 8, "go1.26.5", 0, kRodata, 8);
  std::vector<uint8_t> bad;
  PutWord(&bad, kRodata, Endian::kLittle, 8);
  PutWord(&bad, 1000, Endian::kLittle, 8);
  b.as.Map(0x700000, bad, ".data2", true);
  b.as.AddSymbol("runtime.buildVersion", 0x700000);
  Diagnostics diag;
  auto rv = FindRuntimeVersion(b.as, VersionHints{}, diag);
  ASSERT_TRUE(rv);
  EXPECT_EQ(rv->source, VersionSource::kStringHeader);
  ASSERT_EQ(diag.warnings().size(), 1u);
  EXPECT_EQ(diag.warnings()[0],
            "runtime.buildVersion at 0x700000: {ptr 0x400000, len 1000} is not a Go version string");
}

// Many "go1." strings and many matching headers: bounded by the caps.
TEST(FindRuntimeVersion, ManyCandidatesAreCapped) {
  std::string rodata;
  for (size_t i = 0; i < kMaxVersionStrings + 100; ++i) rodata += "go1.9 ";
  MemoryAddressSpace as(Endian::kLittle, 8);
  as.Map(kRodata, Bytes(rodata), ".rodata");
  std::vector<uint8_t> data;
  for (size_t i = 0; i < 4 * kMaxVersionHeaders; ++i) {
    PutWord(&data, kRodata + 6 * i, Endian::kLittle, 8);
    PutWord(&data, 5, Endian::kLittle, 8);
  }
  as.Map(kData, data, ".data", true);
  Diagnostics diag;
  auto rv = FindRuntimeVersion(as, VersionHints{}, diag);
  ASSERT_TRUE(rv);
  EXPECT_EQ(rv->version, "go1.9");
  EXPECT_EQ(rv->source, VersionSource::kStringHeader);
  bool capped_strings = false, capped_headers = false;
  for (const std::string& n : rv->notes) {
    capped_strings = capped_strings || n.find("stopped after 4096") != std::string::npos;
    capped_headers = capped_headers || n.find("stopped after 64 string headers") != std::string::npos;
  }
  EXPECT_TRUE(capped_strings);
  EXPECT_TRUE(capped_headers);
}

TEST(FindRuntimeVersion, TruncatedRegions) {
  // A version string cut by the end of read-only data; a header cut by the end of writable data.
  MemoryAddressSpace as(Endian::kLittle, 8);
  as.Map(kRodata, Bytes("go1.2"), ".rodata");
  std::vector<uint8_t> data;
  PutWord(&data, kRodata, Endian::kLittle, 8);
  data.push_back(8);
  as.Map(kData, data, ".data", true);
  Diagnostics diag;
  auto rv = FindRuntimeVersion(as, VersionHints{}, diag);
  ASSERT_TRUE(rv);
  EXPECT_EQ(rv->version, "go1.2");
  EXPECT_EQ(rv->source, VersionSource::kStringScan);
}

}  // namespace
}  // namespace exray::go
