// Unit tests for the Go pclntab reader on hand-built bytes: varints, pc-value
// tables, header detection for each magic in both byte orders and pointer
// sizes, function and file tables, location, and malformed input.
#include "lang/go/moduledata.h"
#include "lang/go/pclntab.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <tuple>
#include <memory>
#include <vector>

#include "memory_address_space.h"
#include "pclntab_builder.h"

namespace exray::go {
namespace {

using testing::BuildPclntab;
using testing::EncodePcValue;
using testing::FuncSpec;
using testing::MemoryAddressSpace;
using testing::PclnSpec;

ByteView View(const std::vector<uint8_t>& v) { return ByteView(v.data(), v.size()); }

bool Is118(PclnVersion v) { return v == PclnVersion::kGo118 || v == PclnVersion::kGo120; }

// Three functions over two files; 1.2 numbers files from 1, 1.16+ from 0.
PclnSpec Spec(PclnVersion v, Endian e, uint8_t ps, uint8_t quantum = 1) {
  PclnSpec s;
  s.version = v;
  s.endian = e;
  s.ptr_size = ps;
  s.quantum = quantum;
  const int32_t f0 = v == PclnVersion::kGo12 ? 1 : 0;
  const uint64_t base = Is118(v) ? 0 : 0x401000;  // 1.18+ entries are offsets from the text base
  s.text_start = 0x401000;
  s.files = {"/src/main.go", "/usr/lib/go/src/fmt/print.go"};
  s.funcs = {
      {"main.main", base + 0x0, {{10, 0x10 * quantum}, {11, 0x30 * quantum}}, {{f0, 0x40 * quantum}}, {}},
      {"fmt.(*pp).doPrintf", base + 0x40 * quantum, {{200, 0x20 * quantum}}, {{f0 + 1, 0x20 * quantum}}, {}},
      {"main.Map[go.shape.int,go.shape.string]", base + 0x60 * quantum, {{-1, 0x8 * quantum}, {7, 0x8 * quantum}},
       {{f0, 0x10 * quantum}}, {}},
  };
  s.end = base + 0x70 * quantum;
  return s;
}

TEST(GoVarint, Decodes) {
  std::vector<uint8_t> b = {0x00, 0x7f, 0x80, 0x01, 0xff, 0xff, 0x03};
  uint64_t off = 0, v = 0;
  ASSERT_TRUE(ReadUvarint(View(b), &off, &v));
  EXPECT_EQ(v, 0u);
  ASSERT_TRUE(ReadUvarint(View(b), &off, &v));
  EXPECT_EQ(v, 0x7fu);
  ASSERT_TRUE(ReadUvarint(View(b), &off, &v));
  EXPECT_EQ(v, 0x80u);
  ASSERT_TRUE(ReadUvarint(View(b), &off, &v));
  EXPECT_EQ(v, 0xffffu);
  EXPECT_EQ(off, b.size());
  EXPECT_FALSE(ReadUvarint(View(b), &off, &v));  // at the end
}

TEST(GoVarint, MaxLengthAndOverflow) {
  std::vector<uint8_t> max(9, 0xff);
  max.push_back(0x01);  // 2^64-1 in exactly 10 bytes
  uint64_t off = 0, v = 0;
  ASSERT_TRUE(ReadUvarint(View(max), &off, &v));
  EXPECT_EQ(v, UINT64_MAX);
  std::vector<uint8_t> too_big(9, 0xff);
  too_big.push_back(0x02);  // bit 64
  off = 0;
  EXPECT_FALSE(ReadUvarint(View(too_big), &off, &v));
  std::vector<uint8_t> too_long(11, 0x80);
  too_long.push_back(0);
  off = 0;
  EXPECT_FALSE(ReadUvarint(View(too_long), &off, &v));
  EXPECT_LE(off, static_cast<uint64_t>(kMaxVarintBytes));
  std::vector<uint8_t> truncated = {0x80, 0x80};
  off = 0;
  EXPECT_FALSE(ReadUvarint(View(truncated), &off, &v));
}

TEST(GoPcValue, Walks) {
  // Value 10 for [0x1000,0x1010), 12 for [0x1010,0x1030), 5 for [0x1030,0x1034).
  for (uint8_t q : {1, 2, 4}) {
    std::vector<uint8_t> t = {0xff};  // the table starts at offset 1
    auto enc = EncodePcValue({{10, 0x10}, {12, 0x20}, {5, 0x4}}, q);
    t.insert(t.end(), enc.begin(), enc.end());
    Diagnostics d;
    EXPECT_EQ(PcValue(View(t), 1, 0x1000, 0x1000, q, &d), 10);
    EXPECT_EQ(PcValue(View(t), 1, 0x1000, 0x100f, q, &d), 10);
    EXPECT_EQ(PcValue(View(t), 1, 0x1000, 0x1010, q, &d), 12);
    EXPECT_EQ(PcValue(View(t), 1, 0x1000, 0x1033, q, &d), 5);
    EXPECT_EQ(PcValue(View(t), 1, 0x1000, 0x1034, q, &d), -1);  // past the table
    EXPECT_TRUE(d.warnings().empty());
  }
}

TEST(GoPcValue, MalformedTablesWarnAndEnd) {
  Diagnostics d;
  // No end marker: the walk stops at the end of the bytes.
  auto enc = EncodePcValue({{10, 0x10}}, 1);
  enc.pop_back();
  EXPECT_EQ(PcValue(View(enc), 0, 0x1000, 0x2000, 1, &d), std::nullopt);
  EXPECT_FALSE(d.warnings().empty());
  // Offset outside the table.
  EXPECT_EQ(PcValue(View(enc), 100, 0x1000, 0x1000, 1, &d), std::nullopt);
  // A table of continuation bytes only, and one of zero pc deltas that never ends.
  std::vector<uint8_t> cont(1 << 16, 0x80);
  EXPECT_EQ(PcValue(View(cont), 0, 0x1000, 0x1000, 1, &d), std::nullopt);
  std::vector<uint8_t> zeros;
  for (int i = 0; i < 1 << 15; ++i) zeros.insert(zeros.end(), {0x02, 0x00});  // +1, pc += 0
  Diagnostics dz;
  EXPECT_EQ(PcValue(View(zeros), 0, 0x1000, 0x1000, 1, &dz), std::nullopt);
  ASSERT_EQ(dz.warnings().size(), 1u);
  EXPECT_NE(dz.warnings()[0].find("without a pc advance"), std::string::npos) << dz.warnings()[0];
  EXPECT_EQ(PcValue(ByteView(), 0, 0, 0, 1, &d), std::nullopt);
}

TEST(GoPackage, FromNames) {
  EXPECT_EQ(PackageOf("main.main"), "main");
  EXPECT_EQ(PackageOf("net/http.(*Server).Serve"), "net/http");
  EXPECT_EQ(PackageOf("runtime.gcBgMarkWorker.func1"), "runtime");
  EXPECT_EQ(PackageOf("gopkg.in/yaml%2ev3.(*parser).parse"), "gopkg.in/yaml%2ev3");
  EXPECT_EQ(PackageOf("go.uber.org/zap.(*Logger).Info"), "go.uber.org/zap");
  EXPECT_EQ(PackageOf("example.com/m/x.Map[go.shape.int,example.com/m/y.T]"), "example.com/m/x");
  EXPECT_EQ(PackageOf("example.com/m/x.(*List[...]).Push"), "example.com/m/x");
  EXPECT_EQ(PackageOf("type..eq.[2]interface {}"), "");
  EXPECT_EQ(PackageOf("go.buildid"), "");
  EXPECT_EQ(PackageOf("type:.eq.main.T"), "");
  EXPECT_EQ(PackageOf("go:buildid"), "");
  EXPECT_EQ(PackageOf("nodot"), "");
  EXPECT_EQ(PackageOf(""), "");
}

class GoPclnLayouts : public ::testing::TestWithParam<std::tuple<PclnVersion, Endian, int, int>> {};

TEST_P(GoPclnLayouts, HeaderFunctionsAndLines) {
  auto [version, endian, ps, quantum] = GetParam();
  PclnSpec spec = Spec(version, endian, static_cast<uint8_t>(ps), static_cast<uint8_t>(quantum));
  std::vector<uint8_t> bytes = BuildPclntab(spec);

  auto h_or = ParseHeader(View(bytes));
  ASSERT_TRUE(h_or.has_value());
  ASSERT_TRUE(h_or->ok()) << h_or->error().message;
  const PclnHeader& h = h_or->value();
  EXPECT_EQ(h.version, version);
  EXPECT_EQ(h.endian, endian);
  EXPECT_EQ(h.ptr_size, ps);
  EXPECT_EQ(h.quantum, quantum);
  EXPECT_EQ(h.nfunc, 3u);
  if (Is118(version)) {
    EXPECT_EQ(h.text_start, 0x401000u);
  }
  EXPECT_EQ(h.nfiles, version == PclnVersion::kGo12 ? 3u : 2u);

  Diagnostics d;
  std::optional<uint64_t> base;
  if (Is118(version)) base = 0x401000;
  auto t_or = Pclntab::Parse(View(bytes), 0x500000, base, d);
  ASSERT_TRUE(t_or.has_value());
  ASSERT_TRUE(t_or->ok()) << t_or->error().message;
  const Pclntab& t = t_or->value();
  EXPECT_TRUE(d.warnings().empty()) << d.warnings().front();
  ASSERT_EQ(t.functions().size(), 3u);
  const uint64_t q = quantum;
  EXPECT_EQ(t.functions()[0].name, "main.main");
  EXPECT_EQ(t.functions()[0].entry, 0x401000u);
  EXPECT_EQ(t.functions()[0].end, 0x401000 + 0x40 * q);
  EXPECT_EQ(t.functions()[1].name, "fmt.(*pp).doPrintf");
  EXPECT_EQ(t.functions()[2].name, "main.Map[go.shape.int,go.shape.string]");
  EXPECT_EQ(t.functions()[2].end, 0x401000 + 0x70 * q);
  EXPECT_EQ(PackageOf(t.functions()[1].name), "fmt");

  Position p0 = t.EntryPosition(0, &d);
  EXPECT_EQ(p0.file, "/src/main.go");
  EXPECT_EQ(p0.line, 10);
  Position p1 = t.EntryPosition(1, &d);
  EXPECT_EQ(p1.file, "/usr/lib/go/src/fmt/print.go");
  EXPECT_EQ(p1.line, 200);
  EXPECT_EQ(t.EntryPosition(2, &d).line, -1);  // a negative line value is kept as decoded

  auto loc = t.Lookup(0x401000 + 0x20 * q, &d);
  ASSERT_TRUE(loc.has_value());
  EXPECT_EQ(loc->function, &t.functions()[0]);
  EXPECT_EQ(loc->pos.line, 11);
  EXPECT_EQ(loc->pos.file, "/src/main.go");
  loc = t.Lookup(0x401000 + 0x68 * q, &d);
  ASSERT_TRUE(loc.has_value());
  EXPECT_EQ(loc->pos.line, 7);
  EXPECT_FALSE(t.Lookup(0x400fff, &d).has_value());
  EXPECT_FALSE(t.Lookup(0x401000 + 0x70 * q, &d).has_value());
  EXPECT_TRUE(d.warnings().empty()) << d.warnings().front();

  // Every truncation of the bytes is rejected or read without a crash.
  for (size_t n = 0; n < bytes.size(); ++n) {
    Diagnostics dn;
    std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + n);
    auto c_or = Pclntab::Parse(View(cut), 0, base, dn);
    if (n < 8) {
      EXPECT_FALSE(c_or.has_value()) << n;
    }
    if (c_or && c_or->ok())
      for (size_t i = 0; i < c_or->value().functions().size(); ++i) (void)c_or->value().EntryPosition(i, &dn);
  }
}

INSTANTIATE_TEST_SUITE_P(AllLayouts, GoPclnLayouts,
                         ::testing::Combine(::testing::Values(PclnVersion::kGo12, PclnVersion::kGo116,
                                                              PclnVersion::kGo118, PclnVersion::kGo120),
                                            ::testing::Values(Endian::kLittle, Endian::kBig), ::testing::Values(4, 8),
                                            ::testing::Values(1, 4)));

TEST(GoPclnHeader, NotAHeader) {
  auto good = BuildPclntab(Spec(PclnVersion::kGo118, Endian::kLittle, 8));
  EXPECT_FALSE(ParseHeader(ByteView()).has_value());
  EXPECT_FALSE(ParseHeader(View(std::vector<uint8_t>{0xf0, 0xff, 0xff, 0xff})).has_value());
  for (auto [at, value] : {std::pair{0, 0xf2}, {4, 1}, {5, 1}, {6, 3}, {6, 0}, {7, 2}, {7, 16}}) {
    auto b = good;
    b[at] = static_cast<uint8_t>(value);
    EXPECT_FALSE(ParseHeader(View(b)).has_value()) << at << "=" << value;
  }
}

TEST(GoPclnHeader, BrokenHeadersAreErrors) {
  auto good = BuildPclntab(Spec(PclnVersion::kGo118, Endian::kLittle, 8));
  auto expect_error = [](const std::vector<uint8_t>& b, const char* what) {
    auto h = ParseHeader(View(b));
    ASSERT_TRUE(h.has_value()) << what;
    EXPECT_FALSE(h->ok()) << what;
  };
  expect_error(std::vector<uint8_t>(good.begin(), good.begin() + 40), "truncated header");
  auto b = good;
  b[8] = 0xff, b[9] = 0xff, b[10] = 0xff, b[11] = 0x7f;  // nfunc huge
  expect_error(b, "nfunc over the cap");
  b = good;
  b[8] = 200;  // nfunc whose functab overruns the bytes
  expect_error(b, "functab past the end");
  b = good;
  b[64 + 6] = 0x10;  // pclnOffset far past the end
  expect_error(b, "offset past the end");
  // Go 1.2: a filetab offset past the end.
  auto g12 = BuildPclntab(Spec(PclnVersion::kGo12, Endian::kLittle, 8));
  const uint64_t fileoff_at = 16 + 7 * 8;
  g12[fileoff_at + 3] = 0x7f;
  expect_error(g12, "go1.2 filetab offset");
}

TEST(GoPclntab, UnsortedFunctabAndBadNamesWarn) {
  PclnSpec s = Spec(PclnVersion::kGo120, Endian::kBig, 8);
  std::swap(s.funcs[0].entry, s.funcs[2].entry);
  s.funcs[1].name = std::string(kMaxNameLength + 10, 'x');
  auto bytes = BuildPclntab(s);
  Diagnostics d;
  auto t_or = Pclntab::Parse(View(bytes), 0, 0x1000, d);
  ASSERT_TRUE(t_or && t_or->ok());
  std::string all;
  for (const std::string& w : d.warnings()) all += w + "\n";
  EXPECT_NE(all.find("not sorted"), std::string::npos) << all;
  EXPECT_NE(all.find("longer than"), std::string::npos) << all;
  EXPECT_EQ(t_or->value().functions()[1].name.size(), kMaxNameLength);
}

TEST(GoPclntab, NameWithoutTerminator) {
  PclnSpec s = Spec(PclnVersion::kGo116, Endian::kLittle, 4);
  s.funcs.resize(1);
  s.funcs[0].name = "main.main";
  auto bytes = BuildPclntab(s);
  // Overwrite from the name's NUL to the end of the bytes with non-zero bytes, via
  // a funcnametab offset pointing at the last byte of the pclntab.
  uint32_t name_field = 0;
  const uint32_t pcln = bytes[8 + 6 * 4] | bytes[8 + 6 * 4 + 1] << 8;
  const uint32_t funcoff = bytes[pcln + 4] | bytes[pcln + 5] << 8;
  const uint32_t funcname = bytes[8 + 2 * 4];
  name_field = static_cast<uint32_t>(bytes.size() - 1 - funcname);
  bytes.back() = 'z';
  for (int i = 0; i < 4; ++i) bytes[pcln + funcoff + 4 + i] = static_cast<uint8_t>(name_field >> (8 * i));
  Diagnostics d;
  auto t_or = Pclntab::Parse(View(bytes), 0, std::nullopt, d);
  ASSERT_TRUE(t_or && t_or->ok());
  ASSERT_EQ(d.warnings().size(), 1u);
  EXPECT_NE(d.warnings()[0].find("no terminator"), std::string::npos) << d.warnings()[0];
  EXPECT_EQ(t_or->value().functions()[0].name, "z");
}

TEST(GoPclntab, FuncRecordsOutOfRange) {
  auto bytes = BuildPclntab(Spec(PclnVersion::kGo118, Endian::kLittle, 8));
  const uint64_t pcln = bytes[8 + 7 * 8] | bytes[8 + 7 * 8 + 1] << 8;
  for (int i = 0; i < 3; ++i) bytes[pcln + 4 + i * 8 + 3] = 0x7f;  // funcoff of every function
  Diagnostics d;
  auto t_or = Pclntab::Parse(View(bytes), 0, 0, d);
  ASSERT_TRUE(t_or && t_or->ok());
  EXPECT_EQ(t_or->value().functions().size(), 3u);
  EXPECT_TRUE(t_or->value().functions()[0].name.empty());
  EXPECT_EQ(t_or->value().EntryPosition(0).line, -1);
  EXPECT_GE(d.warnings().size(), 2u);
}

// Regression for quadratic work: many functions share one long table of
// entries that never advance the pc; each walk stops after kMaxPcValueStalls.
TEST(GoPclntab, SharedStalledTableIsBounded) {
  constexpr uint32_t kFuncs = 200000;
  constexpr uint32_t kPairs = 500000;
  testing::Bytes b(Endian::kLittle);
  b.Put(0xfffffff0, 4);
  b.Put(0, 2);
  b.v.push_back(1);
  b.v.push_back(8);
  const uint64_t names = 72, cu = names + 7, files = cu + 4, pc = files + 5;
  const uint64_t pcln = (pc + 1 + 2 * kPairs + 1 + 7) / 8 * 8;
  for (uint64_t w : {uint64_t{kFuncs}, uint64_t{1}, uint64_t{0x401000}, names, cu, files, pc, pcln}) b.Put(w, 8);
  b.Str("main.f");
  b.Put(0, 4);
  b.Str("x.go");
  b.v.push_back(0);
  for (uint32_t i = 0; i < kPairs; ++i) b.v.insert(b.v.end(), {0x02, 0x00});
  b.v.push_back(0);
  b.Align(8);
  ASSERT_EQ(b.v.size(), pcln);
  const uint32_t rec = (2 * kFuncs + 1) * 4;
  for (uint32_t i = 0; i < kFuncs; ++i) {
    b.Put(i * 16, 4);
    b.Put(rec, 4);
  }
  b.Put(kFuncs * 16, 4);
  for (uint32_t f : {0u, 0u, 0u, 0u, 0u, 1u, 1u, 0u, 0u, 0u}) b.Put(f, 4);  // pcfile = pcln = offset 1
  Diagnostics d;
  auto t_or = Pclntab::Parse(View(b.v), 0, 0x401000, d);
  ASSERT_TRUE(t_or && t_or->ok());
  const Pclntab& t = t_or->value();
  ASSERT_EQ(t.functions().size(), kFuncs);
  for (size_t i = 0; i < t.functions().size(); ++i) EXPECT_EQ(t.EntryPosition(i, &d).line, -1);
  EXPECT_EQ(d.warnings().size(), 1u);
}

TEST(GoPclntab, HeaderTextStartWarns) {
  auto bytes = BuildPclntab(Spec(PclnVersion::kGo118, Endian::kLittle, 8));
  Diagnostics d;
  auto t_or = Pclntab::Parse(View(bytes), 0, std::nullopt, d);
  ASSERT_TRUE(t_or && t_or->ok());
  EXPECT_EQ(t_or->value().text_base(), 0x401000u);
  EXPECT_EQ(t_or->value().text_base_source(), TextBaseSource::kHeader);
  EXPECT_EQ(d.warnings().size(), 1u);
}

// Locating the pclntab and the text base through an AddressSpace.
TEST(GoReadPclntab, FromSectionSymbolAndScan) {
  for (Endian e : {Endian::kLittle, Endian::kBig}) {
    PclnSpec s = Spec(PclnVersion::kGo120, e, 8);
    s.text_start = 0;  // as since Go 1.26
    auto bytes = BuildPclntab(s);
    {
      MemoryAddressSpace as(e, 8);
      as.Map(0x401000, std::vector<uint8_t>(0x100, 0xcc), ".text", false, true);
      as.Map(0x500000, bytes, ".gopclntab");
      as.AddSymbol("runtime.text", 0x401000);
      Diagnostics d;
      auto t_or = ReadPclntab(as, d);
      ASSERT_TRUE(t_or.ok()) << t_or.error().message;
      EXPECT_EQ(t_or->source(), PclnSource::kSection);
      EXPECT_EQ(t_or->text_base_source(), TextBaseSource::kSymbol);
      EXPECT_EQ(t_or->functions()[1].entry, 0x401040u);
      EXPECT_TRUE(d.warnings().empty());
    }
    {
      // No section, no symbols: a scan finds the pclntab after some decoys, and
      // moduledata (a pointer to it, then minpc and text) gives the text base.
      MemoryAddressSpace as(e, 8);
      as.Map(0x401000, std::vector<uint8_t>(0x100, 0xcc), "", false, true);
      std::vector<uint8_t> ro(0x40, 0);
      auto decoy = BuildPclntab(Spec(PclnVersion::kGo118, e, 8));
      decoy.resize(24);  // a truncated header: rejected, the scan goes on
      ro.insert(ro.end(), decoy.begin(), decoy.end());
      while (ro.size() % 8) ro.push_back(0);
      const uint64_t pcln_at = 0x500000 + ro.size();
      ro.insert(ro.end(), bytes.begin(), bytes.end());
      as.Map(0x500000, ro);
      testing::Bytes md(e);
      md.Put(0x12345, 8);  // unrelated words
      const uint64_t decoy_md = md.v.size();
      md.Put(pcln_at, 8);  // a pointer to the pclntab that is not moduledata
      md.Put(0, 8);
      const uint64_t real_md = md.v.size();
      md.Put(pcln_at, 8);
      while (md.v.size() < real_md + 160) md.Put(0, 8);
      md.Put(0x401000, 8);  // minpc = text + ftab[0]
      md.Put(0x401070, 8);  // maxpc
      md.Put(0x401000, 8);  // text
      md.Put(0x401100, 8);  // etext
      (void)decoy_md;
      as.Map(0x600000, md.v, "", true, false);
      Diagnostics d;
      auto t_or = ReadPclntab(as, d);
      ASSERT_TRUE(t_or.ok()) << t_or.error().message;
      EXPECT_EQ(t_or->source(), PclnSource::kScan);
      EXPECT_EQ(t_or->vaddr(), pcln_at);
      EXPECT_EQ(t_or->text_base_source(), TextBaseSource::kModuledata);
      EXPECT_EQ(t_or->text_base(), 0x401000u);
      EXPECT_EQ(t_or->functions()[2].entry, 0x401060u);
      EXPECT_EQ(t_or->functions()[0].name, "main.main");
    }
    {
      // The runtime.pclntab symbol, no text information: textStart with a warning.
      MemoryAddressSpace as(e, 8);
      as.Map(0x500000, bytes, "", true, false);
      as.AddSymbol("runtime.pclntab", 0x500000);
      Diagnostics d;
      auto t_or = ReadPclntab(as, d);
      ASSERT_TRUE(t_or.ok()) << t_or.error().message;
      EXPECT_EQ(t_or->source(), PclnSource::kSymbol);
      EXPECT_EQ(t_or->text_base_source(), TextBaseSource::kHeader);
      EXPECT_EQ(d.warnings().size(), 1u);
    }
  }
}

// Go 1.26+: textStart is 0 and moduledata sits in .go.module; 32-bit offsets are halved.
TEST(GoReadPclntab, ModuledataSectionAnd32Bit) {
  for (auto [e, ps] : {std::pair{Endian::kLittle, 8}, {Endian::kBig, 8}, {Endian::kLittle, 4}, {Endian::kBig, 4}}) {
    PclnSpec s = Spec(PclnVersion::kGo120, e, static_cast<uint8_t>(ps));
    s.text_start = 0;
    for (auto& f : s.funcs) f.entry += 0x20;  // ftab[0] = 0x20: minpc = text + 0x20
    s.end += 0x20;
    MemoryAddressSpace as(e, ps);
    as.Map(0x401000, std::vector<uint8_t>(0x100, 0xcc), ".text", false, true);
    as.Map(0x500000, BuildPclntab(s), ".gopclntab");
    testing::Bytes md(e);
    md.Put(0x500000, ps);
    while (md.v.size() < 160u * ps / 8) md.Put(0, ps);
    md.Put(0x401020, ps);  // minpc
    md.Put(0x401090, ps);  // maxpc
    md.Put(0x401000, ps);  // text
    md.Put(0x401100, ps);  // etext
    as.Map(0x600000, md.v, ".go.module", true, false);
    Diagnostics d;
    auto t_or = ReadPclntab(as, d);
    ASSERT_TRUE(t_or.ok()) << t_or.error().message;
    EXPECT_EQ(t_or->text_base_source(), TextBaseSource::kModuledata) << ps;
    EXPECT_EQ(t_or->functions()[0].entry, 0x401020u);
    EXPECT_TRUE(d.warnings().empty());
    // A moduledata whose minpc disagrees with the functab is rejected.
    auto bad = md.v;
    bad[160 * ps / 8 + (e == Endian::kLittle ? 0 : ps - 1)] ^= 0x40;
    MemoryAddressSpace as2(e, ps);
    as2.Map(0x401000, std::vector<uint8_t>(0x100, 0xcc), ".text", false, true);
    as2.Map(0x500000, BuildPclntab(s), ".gopclntab");
    as2.Map(0x600000, bad, ".go.module", true, false);
    Diagnostics d2;
    auto t2 = ReadPclntab(as2, d2);
    ASSERT_TRUE(t2.ok());
    EXPECT_EQ(t2->text_base_source(), TextBaseSource::kHeader);
    EXPECT_EQ(d2.warnings().size(), 1u);
  }
}

// Inline trees: main.main inlines doPrintf at 0x38, which inlines Map at
// 0x10; the index table says which tree entry covers each pc.
PclnSpec InlineSpec(PclnVersion v, Endian e, uint8_t ps) {
  PclnSpec s = Spec(v, e, ps);
  s.funcs[0].lines = {{10, 0x10}, {20, 0x10}, {30, 0x20}};
  s.funcs[0].inl = {{-1, 0x10}, {0, 0x10}, {1, 0x10}, {-1, 0x10}};
  s.funcs[0].inltree_off = 0x10;
  return s;
}

// The tree at gofunc + 0x10: entry 0 doPrintf (called at 0x38), entry 1 Map
// (called at 0x10); names are funcnametab offsets (10 and 29 in Spec's order).
std::vector<uint8_t> InlineTree(PclnVersion v, Endian e, uint32_t parent_of_0 = 0x38) {
  testing::Bytes b(e);
  b.v.resize(0x10, 0);  // the tree starts 0x10 bytes into gofunc
  for (auto [name, parent_pc] : {std::pair<uint32_t, uint32_t>{10, parent_of_0}, {29, 0x10}}) {
    if (v == PclnVersion::kGo120) {
      b.Put(0, 4), b.Put(name, 4), b.Put(parent_pc, 4), b.Put(0, 4);  // funcID+pad, nameOff, parentPc, startLine
    } else {
      b.Put(0, 4), b.Put(0, 4), b.Put(0, 4), b.Put(name, 4), b.Put(parent_pc, 4);  // parent+funcID, file, line, func_, parentPc
    }
  }
  return b.v;
}

std::string Render(const std::vector<Frame>& fs) {
  std::string out;
  for (const Frame& f : fs)
    out += std::string(f.function) + "@" + std::to_string(f.pos.line) + (f.inlined ? "i " : " ");
  return out;
}

TEST(GoFrames, InlineTreeThroughGofuncSymbol) {
  for (PclnVersion v : {PclnVersion::kGo118, PclnVersion::kGo120})
    for (auto [e, ps] : {std::pair{Endian::kLittle, 8}, {Endian::kBig, 8}, {Endian::kLittle, 4}}) {
      MemoryAddressSpace as(e, ps);
      as.Map(0x401000, std::vector<uint8_t>(0x100, 0xcc), ".text", false, true);
      as.Map(0x500000, BuildPclntab(InlineSpec(v, e, static_cast<uint8_t>(ps))), ".gopclntab");
      as.Map(0x700000, InlineTree(v, e), ".rodata");
      as.AddSymbol("runtime.text", 0x401000);
      as.AddSymbol(v == PclnVersion::kGo120 ? "go:func.*" : "go.func.*", 0x700000);
      Diagnostics d;
      auto t_or = ReadPclntab(as, d);
      ASSERT_TRUE(t_or.ok()) << t_or.error().message;
      EXPECT_EQ(t_or->gofunc_source(), GofuncSource::kSymbol);
      EXPECT_EQ(Render(t_or->Frames(as, 0x401005, &d)), "main.main@10 ");
      EXPECT_EQ(Render(t_or->Frames(as, 0x401015, &d)), "fmt.(*pp).doPrintf@20i main.main@30 ");
      EXPECT_EQ(Render(t_or->Frames(as, 0x401025, &d)),
                "main.Map[go.shape.int,go.shape.string]@30i fmt.(*pp).doPrintf@20i main.main@30 ");
      EXPECT_EQ(Render(t_or->Frames(as, 0x401045, &d)), "fmt.(*pp).doPrintf@200 ");
      EXPECT_TRUE(t_or->Frames(as, 0x402000, &d).empty());
      EXPECT_TRUE(d.warnings().empty()) << d.warnings()[0];
    }
}

TEST(GoFrames, HostileTrees) {
  const Endian e = Endian::kLittle;
  const PclnVersion v = PclnVersion::kGo120;
  {
    // Entry 0's parentPc leads back into entry 0's range: a cycle, cut at kMaxInlineDepth.
    MemoryAddressSpace as(e, 8);
    as.Map(0x401000, std::vector<uint8_t>(0x100, 0xcc), ".text", false, true);
    as.Map(0x500000, BuildPclntab(InlineSpec(v, e, 8)), ".gopclntab");
    as.Map(0x700000, InlineTree(v, e, /*parent_of_0=*/0x15), ".rodata");
    as.AddSymbol("runtime.text", 0x401000);
    as.AddSymbol("go:func.*", 0x700000);
    Diagnostics d;
    auto t = ReadPclntab(as, d);
    ASSERT_TRUE(t.ok());
    std::vector<Frame> fs = t->Frames(as, 0x401015, &d);
    EXPECT_EQ(fs.size(), static_cast<size_t>(kMaxInlineDepth) + 1);
    EXPECT_EQ(fs.back().function, "main.main");
    ASSERT_EQ(d.warnings().size(), 1u);
    EXPECT_NE(d.warnings()[0].find("deeper than"), std::string::npos);
  }
  {
    // The tree lies outside the file, or parentPc outside the function: the physical frame, warned.
    for (uint32_t parent : {0x38u, 0x1000u}) {
      MemoryAddressSpace as(e, 8);
      as.Map(0x401000, std::vector<uint8_t>(0x100, 0xcc), ".text", false, true);
      as.Map(0x500000, BuildPclntab(InlineSpec(v, e, 8)), ".gopclntab");
      as.Map(0x700000, InlineTree(v, e, parent), ".rodata");
      as.AddSymbol("runtime.text", 0x401000);
      as.AddSymbol("go:func.*", parent == 0x38u ? 0x7fffff : 0x700000);
      Diagnostics d;
      auto t = ReadPclntab(as, d);
      ASSERT_TRUE(t.ok());
      std::vector<Frame> fs = t->Frames(as, 0x401015, &d);
      ASSERT_FALSE(fs.empty());
      EXPECT_EQ(fs.back().function, "main.main");
      EXPECT_FALSE(fs.back().inlined);
      EXPECT_EQ(d.warnings().size(), 1u) << parent;
    }
  }
}

// moduledata in .go.module: the tail layout is told apart by its textsectmap,
// which gives gofunc; with two text sections entries map through the map.
TEST(GoModuledata, TailLayoutsAndTextSections) {
  struct Case {
    ModuledataLayout layout;
    uint64_t gofunc64, textsectmap64;
  };
  for (Case c : {Case{ModuledataLayout::kGo120, 320, 328}, Case{ModuledataLayout::kGo126, 320, 336},
                 Case{ModuledataLayout::kGo127, 344, 360}})
    for (auto [e, ps] : {std::pair{Endian::kLittle, 8}, {Endian::kBig, 4}})
      for (bool two_sections : {false, true}) {
        PclnSpec s = InlineSpec(PclnVersion::kGo120, e, static_cast<uint8_t>(ps));
        s.text_start = 0;
        MemoryAddressSpace as(e, ps);
        as.Map(0x401000, std::vector<uint8_t>(0x100, 0xcc), ".text", false, true);
        as.Map(0x900000, std::vector<uint8_t>(0x100, 0xcc), ".text.1", false, true);
        as.Map(0x500000, BuildPclntab(s), ".gopclntab");
        as.Map(0x700000, InlineTree(PclnVersion::kGo120, e), ".rodata");
        testing::Bytes md(e);
        const uint64_t psz = static_cast<uint64_t>(ps);  // clang 14 cannot capture a structured binding
        auto at = [psz](uint64_t off64) { return off64 * psz / 8; };
        md.v.resize(at(480), 0);
        md.Set(0, 0x500000, ps);
        md.Set(at(160), 0x401000, ps);  // minpc = text + ftab[0]
        md.Set(at(168), 0x401070, ps);  // maxpc
        md.Set(at(176), 0x401000, ps);  // text
        md.Set(at(184), 0x401100, ps);  // etext
        md.Set(at(c.gofunc64), 0x700000, ps);
        const uint64_t n = two_sections ? 2 : 1;
        md.Set(at(c.textsectmap64), 0x600000 + at(400), ps);
        md.Set(at(c.textsectmap64 + 8), n, ps);
        md.Set(at(c.textsectmap64 + 16), n, ps);
        // {vaddr, end, baseaddr}: offsets [0, 0x60) at text; [0x60, 0x70) at 0x900000.
        md.Set(at(400), 0, ps), md.Set(at(408), two_sections ? 0x60 : 0x70, ps), md.Set(at(416), 0x401000, ps);
        md.Set(at(424), 0x60, ps), md.Set(at(432), 0x70, ps), md.Set(at(440), 0x900000, ps);
        as.Map(0x600000, md.v, ".go.module", true, false);
        Diagnostics d;
        std::optional<Moduledata> m;
        auto t = ReadPclntab(as, d, &m);
        ASSERT_TRUE(t.ok()) << t.error().message;
        ASSERT_TRUE(m.has_value());
        EXPECT_EQ(m->layout, c.layout) << ModuledataLayoutName(c.layout) << " " << ps;
        EXPECT_EQ(m->textsects.size(), n);
        EXPECT_EQ(t->gofunc_source(), GofuncSource::kModuledata);
        EXPECT_EQ(t->functions()[2].entry, two_sections ? 0x900000u : 0x401060u);
        EXPECT_EQ(t->functions()[2].end, two_sections ? 0x900010u : 0x401070u);
        EXPECT_EQ(t->Lookup(two_sections ? 0x900004 : 0x401064)->function->name,
                  "main.Map[go.shape.int,go.shape.string]");
        EXPECT_EQ(Render(t->Frames(as, 0x401025, &d)),
                  "main.Map[go.shape.int,go.shape.string]@30i fmt.(*pp).doPrintf@20i main.main@30 ");
        EXPECT_TRUE(d.warnings().empty());
        // A textsectmap claiming more than kMaxTextSections entries, or not
        // starting at offset 0, leaves the layout unknown (and gofunc unread).
        for (uint64_t poison : {uint64_t{kMaxTextSections + 1}, uint64_t{0}}) {
          testing::Bytes bad = md;
          if (poison) bad.Set(at(c.textsectmap64 + 8), poison, ps), bad.Set(at(c.textsectmap64 + 16), poison, ps);
          else bad.Set(at(400), 4, ps);
          MemoryAddressSpace as2(e, ps);
          as2.Map(0x401000, std::vector<uint8_t>(0x100, 0xcc), ".text", false, true);
          as2.Map(0x500000, BuildPclntab(s), ".gopclntab");
          as2.Map(0x600000, bad.v, ".go.module", true, false);
          Diagnostics d2;
          std::optional<Moduledata> m2;
          auto t2 = ReadPclntab(as2, d2, &m2);
          ASSERT_TRUE(t2.ok());
          ASSERT_TRUE(m2.has_value());
          EXPECT_EQ(m2->layout, ModuledataLayout::kUnknown);
          EXPECT_FALSE(t2->gofunc().has_value());
          EXPECT_EQ(t2->functions()[0].entry, 0x401000u);
        }
      }
}

// Before Go 1.18 functab entries are absolute and moduledata is found by
// the scan; Go 1.7-1.15 begin it with pclntable and keep the head at 80-104,
// Go 1.16-1.17 at 160-184 as later releases; each tail gives the type tables.
// Go 1.7 had no textsectmap (textsectmap64 0): its type tables' slices
// validate the layout, and the one text section is [text, etext).
TEST(GoModuledata, OlderLayoutsByScan) {
  struct Case {
    PclnVersion version;
    ModuledataLayout layout;
    uint64_t minpc64, textsectmap64, types64, typelinks64;
  };
  for (Case c : {Case{PclnVersion::kGo12, ModuledataLayout::kGo18, 80, 216, 200, 240},
                 Case{PclnVersion::kGo12, ModuledataLayout::kGo17, 80, 0, 200, 216},
                 Case{PclnVersion::kGo116, ModuledataLayout::kGo116, 160, 296, 280, 320}})
    for (auto [e, ps] : {std::pair{Endian::kLittle, 8}, {Endian::kBig, 4}}) {
      PclnSpec s = Spec(c.version, e, static_cast<uint8_t>(ps));
      s.text_start = 0x401000;
      MemoryAddressSpace probe(e, ps);
      probe.Map(0x401000, std::vector<uint8_t>(0x100, 0xcc), ".text", false, true);
      probe.Map(0x500000, BuildPclntab(s), ".gopclntab");
      Diagnostics d0;
      auto t0 = ReadPclntab(probe, d0);
      ASSERT_TRUE(t0.ok()) << t0.error().message;
      const uint64_t entry0 = t0->functions()[0].entry;

      testing::Bytes md(e);
      const uint64_t psz = static_cast<uint64_t>(ps);
      auto at = [psz](uint64_t off64) { return off64 * psz / 8; };
      md.v.resize(at(480), 0);
      md.Set(0, 0x500000, ps);  // pcHeader, or pclntable's pointer before 1.16
      md.Set(at(c.minpc64), entry0, ps);
      md.Set(at(c.minpc64 + 8), 0x401070, ps);
      md.Set(at(c.minpc64 + 16), 0x401000, ps);  // text
      md.Set(at(c.minpc64 + 24), 0x401100, ps);  // etext
      md.Set(at(c.types64), 0x700000, ps), md.Set(at(c.types64 + 8), 0x700100, ps);
      if (c.textsectmap64) {
        md.Set(at(c.textsectmap64), 0x600000 + at(400), ps);
        md.Set(at(c.textsectmap64 + 8), 1, ps), md.Set(at(c.textsectmap64 + 16), 1, ps);
      }
      md.Set(at(c.typelinks64), 0x700080, ps), md.Set(at(c.typelinks64 + 8), 3, ps);
      md.Set(at(c.typelinks64 + 16), 3, ps);
      md.Set(at(c.typelinks64 + 24), 0x700090, ps), md.Set(at(c.typelinks64 + 32), 2, ps);
      md.Set(at(c.typelinks64 + 40), 2, ps);
      md.Set(at(400), 0, ps), md.Set(at(408), 0x70, ps), md.Set(at(416), 0x401000, ps);
      MemoryAddressSpace as(e, ps);
      as.Map(0x401000, std::vector<uint8_t>(0x100, 0xcc), ".text", false, true);
      as.Map(0x500000, BuildPclntab(s), ".gopclntab");
      as.Map(0x600000, md.v, ".noptrdata", true, false);
      as.Map(0x700000, std::vector<uint8_t>(0x100, 0), ".rodata");
      Diagnostics d;
      auto m = ReadModuledata(as, d);
      ASSERT_TRUE(m.ok()) << m.error().message << " " << ModuledataLayoutName(c.layout);
      EXPECT_EQ(m->vaddr, 0x600000u);
      EXPECT_EQ(m->layout, c.layout) << ps;
      EXPECT_FALSE(m->gofunc.has_value());
      ASSERT_TRUE(m->type_tables.has_value());
      EXPECT_EQ(m->type_tables->types, 0x700000u);
      EXPECT_EQ(m->type_tables->ntypelinks, 3u);
      EXPECT_EQ(m->type_tables->nitablinks, 2u);
      ASSERT_EQ(m->textsects.size(), 1u);
      EXPECT_EQ(m->textsects[0].baseaddr, 0x401000u);
      EXPECT_EQ(m->textsects[0].end, c.textsectmap64 ? 0x70u : 0x100u);  // etext - text without a map
      if (c.layout == ModuledataLayout::kGo17) {
        // A typelinks slice whose capacity is not its length is not the linker's.
        testing::Bytes bad = md;
        bad.Set(at(c.typelinks64 + 16), 4, ps);
        MemoryAddressSpace as3(e, ps);
        as3.Map(0x401000, std::vector<uint8_t>(0x100, 0xcc), ".text", false, true);
        as3.Map(0x500000, BuildPclntab(s), ".gopclntab");
        as3.Map(0x600000, bad.v, ".noptrdata", true, false);
        as3.Map(0x700000, std::vector<uint8_t>(0x100, 0), ".rodata");
        auto m3 = ReadModuledata(as3, d);
        ASSERT_TRUE(m3.ok());
        EXPECT_EQ(m3->layout, ModuledataLayout::kUnknown);
        EXPECT_FALSE(m3->type_tables.has_value());
      }
      // The other release's head does not validate: nothing is found.
      md.Set(at(c.minpc64), entry0 + 4, ps);
      MemoryAddressSpace as2(e, ps);
      as2.Map(0x401000, std::vector<uint8_t>(0x100, 0xcc), ".text", false, true);
      as2.Map(0x500000, BuildPclntab(s), ".gopclntab");
      as2.Map(0x600000, md.v, ".noptrdata", true, false);
      EXPECT_FALSE(ReadModuledata(as2, d).ok());
    }
}

// Go 1.6: no textsectmap, no types; typelinks at 200 is a slice of
// descriptor addresses, and the read-only segment its first entry points
// into bounds the descriptors.
TEST(GoModuledata, Go16TypelinksOfPointers) {
  for (auto pair : {std::pair{Endian::kLittle, 8}, {Endian::kBig, 4}}) {
    // Plain locals: clang 14 lets no lambda capture a structured binding.
    const Endian e = pair.first;
    const int ps = pair.second;
    PclnSpec s = Spec(PclnVersion::kGo12, e, static_cast<uint8_t>(ps));
    s.text_start = 0x401000;
    MemoryAddressSpace probe(e, ps);
    probe.Map(0x401000, std::vector<uint8_t>(0x100, 0xcc), ".text", false, true);
    probe.Map(0x500000, BuildPclntab(s), ".gopclntab");
    Diagnostics d0;
    auto t0 = ReadPclntab(probe, d0);
    ASSERT_TRUE(t0.ok()) << t0.error().message;
    const uint64_t psz = static_cast<uint64_t>(ps);
    auto at = [psz](uint64_t off64) { return off64 * psz / 8; };
    auto build = [&](uint64_t len, uint64_t cap, uint64_t first) {
      testing::Bytes md(e);
      md.v.resize(at(320), 0);
      md.Set(0, 0x500000, ps);
      md.Set(at(80), t0->functions()[0].entry, ps);
      md.Set(at(88), 0x401070, ps);
      md.Set(at(96), 0x401000, ps), md.Set(at(104), 0x401100, ps);
      md.Set(at(200), 0x600000 + at(304), ps), md.Set(at(208), len, ps), md.Set(at(216), cap, ps);
      md.Set(at(304), first, ps);
      auto as = std::make_unique<MemoryAddressSpace>(e, ps);
      as->Map(0x401000, std::vector<uint8_t>(0x100, 0xcc), ".text", false, true);
      as->Map(0x500000, BuildPclntab(s), ".gopclntab");
      as->Map(0x600000, md.v, ".noptrdata", true, false);
      as->Map(0x700000, std::vector<uint8_t>(0x100, 0), ".rodata");
      return as;
    };
    Diagnostics d;
    auto as = build(1, 1, 0x700040);
    auto m = ReadModuledata(*as, d);
    ASSERT_TRUE(m.ok()) << m.error().message;
    EXPECT_EQ(m->layout, ModuledataLayout::kGo16) << ps;
    ASSERT_TRUE(m->type_tables.has_value());
    EXPECT_TRUE(m->type_tables->pointer_links);
    EXPECT_EQ(m->type_tables->types, 0x700000u);
    EXPECT_EQ(m->type_tables->etypes, 0x700100u);
    EXPECT_EQ(m->type_tables->ntypelinks, 1u);
    ASSERT_EQ(m->textsects.size(), 1u);
    EXPECT_EQ(m->textsects[0].end, 0x100u);
    // Not the linker's slice, or a first entry outside read-only data: no layout.
    for (auto [len, cap, first] : {std::tuple{1, 2, 0x700040}, {0, 0, 0x700040}, {1, 1, 0x401010}, {1, 1, 0x600010}}) {
      auto bad = build(static_cast<uint64_t>(len), static_cast<uint64_t>(cap), static_cast<uint64_t>(first));
      auto mb = ReadModuledata(*bad, d);
      ASSERT_TRUE(mb.ok());
      EXPECT_EQ(mb->layout, ModuledataLayout::kUnknown);
      EXPECT_FALSE(mb->type_tables.has_value());
    }
  }
}

TEST(GoReadPclntab, NothingFound) {
  MemoryAddressSpace as(Endian::kLittle, 8);
  as.Map(0x1000, std::vector<uint8_t>(4096, 0xff));
  Diagnostics d;
  auto t_or = ReadPclntab(as, d);
  EXPECT_FALSE(t_or.ok());
  // A broken .gopclntab section is an error, not a fallback.
  MemoryAddressSpace as2(Endian::kLittle, 8);
  auto bytes = BuildPclntab(Spec(PclnVersion::kGo118, Endian::kLittle, 8));
  bytes.resize(30);
  as2.Map(0x1000, bytes, ".gopclntab");
  auto t2 = ReadPclntab(as2, d);
  ASSERT_FALSE(t2.ok());
  EXPECT_NE(t2.error().message.find("section .gopclntab"), std::string::npos) << t2.error().message;
}

}  // namespace
}  // namespace exray::go

namespace exray::go {
namespace {

// Writes the crafted seeds of tests/fuzz/corpus/go_pclntab/ (one per layout,
// byte order and pointer size) into $EXRAY_GO_PCLNTAB_CORPUS; run with
// --gtest_also_run_disabled_tests --gtest_filter='*WriteFuzzSeeds'.
TEST(GoPclntabCorpus, DISABLED_WriteFuzzSeeds) {
  const char* dir = std::getenv("EXRAY_GO_PCLNTAB_CORPUS");
  ASSERT_NE(dir, nullptr);
  for (PclnVersion v : {PclnVersion::kGo12, PclnVersion::kGo116, PclnVersion::kGo118, PclnVersion::kGo120})
    for (Endian e : {Endian::kLittle, Endian::kBig})
      for (uint8_t ps : {4, 8}) {
        auto bytes = BuildPclntab(Spec(v, e, ps, ps == 4 ? 4 : 1));
        std::string name = std::string(dir) + "/crafted-go" + std::string(PclnVersionName(v)) +
                           (e == Endian::kLittle ? "-le" : "-be") + std::to_string(ps * 8);
        FILE* f = std::fopen(name.c_str(), "wb");
        ASSERT_NE(f, nullptr) << name;
        std::fwrite(bytes.data(), 1, bytes.size(), f);
        std::fclose(f);
      }
  // With an inline tree after the pclntab: the fuzzer's go:func.* is the input's start.
  for (PclnVersion v : {PclnVersion::kGo118, PclnVersion::kGo120})
    for (Endian e : {Endian::kLittle, Endian::kBig}) {
      PclnSpec s = InlineSpec(v, e, 8);
      s.funcs[0].inltree_off = static_cast<uint32_t>(BuildPclntab(s).size());  // same size for any offset
      auto bytes = BuildPclntab(s);
      auto tree = InlineTree(v, e);
      bytes.insert(bytes.end(), tree.begin() + 0x10, tree.end());
      std::string name = std::string(dir) + "/crafted-inline-go" + std::string(PclnVersionName(v)) +
                         (e == Endian::kLittle ? "-le64" : "-be64");
      FILE* f = std::fopen(name.c_str(), "wb");
      ASSERT_NE(f, nullptr) << name;
      std::fwrite(bytes.data(), 1, bytes.size(), f);
      std::fclose(f);
    }
}

}  // namespace
}  // namespace exray::go
