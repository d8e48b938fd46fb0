// Go build info (src/lang/go/buildinfo, modinfo) on hand-built blobs.
#include "lang/go/buildinfo.h"

#include <gtest/gtest.h>

#include <string>

#include "memory_address_space.h"

namespace exray::go {
namespace {

using exray::testing::MemoryAddressSpace;

const std::string kStart("\x30\x77\xaf\x0c\x92\x74\x08\x02\x41\xe1\xc1\x07\xe6\xd6\x18\xe6", 16);
const std::string kEnd("\xf9\x32\x43\x31\x86\x18\x20\x72\x00\x82\x42\x10\x41\x16\xd8\xf2", 16);

std::string Framed(const std::string& text) { return kStart + text + kEnd; }

const std::string kModText =
    "path\texample.com/hello\n"
    "mod\texample.com/hello\t(devel)\t\n"
    "dep\texample.com/dep\tv1.2.3\th1:abc=\n"
    "dep\texample.com/old\tv0.1.0\n"
    "=>\t./local/old\t(devel)\t\n"
    "build\t-compiler=gc\n"
    "build\t-ldflags=\"-s -w\"\n"
    "build\tCGO_ENABLED=0\n";

std::string Uvarint(uint64_t v) {
  std::string s;
  while (v >= 0x80) {
    s += static_cast<char>(v | 0x80);
    v >>= 7;
  }
  s += static_cast<char>(v);
  return s;
}

std::vector<uint8_t> Bytes(const std::string& s) { return std::vector<uint8_t>(s.begin(), s.end()); }

std::string Header(uint8_t ptr_size, uint8_t flags) {
  std::string h("\xff Go buildinf:", 14);
  h += static_cast<char>(ptr_size);
  h += static_cast<char>(flags);
  h.resize(32, '\0');
  return h;
}

std::string InlineBlob(const std::string& vers, const std::string& mod) {
  return Header(8, 2) + Uvarint(vers.size()) + vers + Uvarint(mod.size()) + mod;
}

void ExpectHello(const BuildInfo& bi) {
  EXPECT_EQ(bi.version, "go1.19.8");
  EXPECT_EQ(bi.mod.path, "example.com/hello");
  ASSERT_TRUE(bi.mod.main);
  EXPECT_EQ(bi.mod.main->mod.path, "example.com/hello");
  EXPECT_EQ(bi.mod.main->mod.version, "(devel)");
  ASSERT_EQ(bi.mod.deps.size(), 2u);
  EXPECT_EQ(bi.mod.deps[0].mod.sum, "h1:abc=");
  EXPECT_FALSE(bi.mod.deps[0].replace);
  ASSERT_TRUE(bi.mod.deps[1].replace);
  EXPECT_EQ(bi.mod.deps[1].replace->path, "./local/old");
  ASSERT_EQ(bi.mod.settings.size(), 3u);
  EXPECT_EQ(bi.mod.settings[1].first, "-ldflags");
  EXPECT_EQ(bi.mod.settings[1].second, "-s -w");
}

TEST(GoBuildInfo, InlineInSection) {
  MemoryAddressSpace as(Endian::kLittle, 8);
  as.Map(0x400000, std::vector<uint8_t>(64, 0x90), ".text", false, true);
  as.Map(0x500000, Bytes(InlineBlob("go1.19.8", Framed(kModText))), ".go.buildinfo", true);
  Diagnostics d;
  auto bi = ReadBuildInfo(as, &d);
  ASSERT_TRUE(bi);
  ASSERT_TRUE(bi->ok()) << bi->error().message;
  EXPECT_TRUE((*bi)->inline_strings);
  EXPECT_EQ((*bi)->where, ".go.buildinfo section at 0x500000");
  ExpectHello(**bi);
  EXPECT_TRUE(d.warnings().empty());
}

TEST(GoBuildInfo, ScanFindsOnlyAlignedMagicInFirstWritableSegment) {
  MemoryAddressSpace as(Endian::kLittle, 8);
  // A misaligned copy of the magic comes first and must be skipped.
  std::string seg(8, 'x');
  seg += Header(8, 2);
  seg.resize(0x40, '\0');
  seg += InlineBlob("go1.20", Framed(kModText));
  as.Map(0x400000, std::vector<uint8_t>(64, 0), "", false, true);
  as.Map(0x600000, Bytes(seg), "", true, false);
  Diagnostics d;
  auto bi = ReadBuildInfo(as, &d);
  ASSERT_TRUE(bi && bi->ok());
  EXPECT_EQ((*bi)->version, "go1.20");
  EXPECT_EQ((*bi)->where, "writable segment at 0x600040");
}

TEST(GoBuildInfo, OnlyTheFirstWritableSegmentIsSearched) {
  MemoryAddressSpace as(Endian::kLittle, 8);
  as.Map(0x600000, std::vector<uint8_t>(64, 0), "", true, false);
  as.Map(0x700000, Bytes(InlineBlob("go1.20", "")), "", true, false);
  Diagnostics d;
  EXPECT_FALSE(ReadBuildInfo(as, &d));
}

TEST(GoBuildInfo, NoneAtAll) {
  MemoryAddressSpace as(Endian::kLittle, 8);
  as.Map(0x600000, std::vector<uint8_t>(4096, 0), ".data", true, false);
  Diagnostics d;
  EXPECT_FALSE(ReadBuildInfo(as, &d));
}

std::string Word(uint64_t v, int size, bool big) {
  std::string s;
  for (int i = 0; i < size; ++i) {
    int shift = big ? (size - 1 - i) * 8 : i * 8;
    s += static_cast<char>((v >> shift) & 0xff);
  }
  return s;
}

// Pointer mode (Go 1.13-1.17): the header points at two Go string headers.
MemoryAddressSpace PointerSpace(int ptr, bool big, const std::string& vers, const std::string& mod) {
  MemoryAddressSpace as(big ? Endian::kBig : Endian::kLittle, ptr);
  const uint64_t kStrings = 0x10000, kData = 0x20000;
  std::string h("\xff Go buildinf:", 14);
  h += static_cast<char>(ptr);
  h += static_cast<char>(big ? 1 : 0);
  h += Word(kStrings, ptr, big) + Word(kStrings + 2 * ptr, ptr, big);
  h.resize(32, '\0');
  as.Map(0x8000, Bytes(h), ".go.buildinfo", true);
  std::string hdrs = Word(kData, ptr, big) + Word(vers.size(), ptr, big) + Word(kData + 0x100, ptr, big) +
                     Word(mod.size(), ptr, big);
  as.Map(kStrings, Bytes(hdrs), ".rodata");
  std::string data = vers;
  data.resize(0x100, '\0');
  data += mod;
  as.Map(kData, Bytes(data), ".rodata2");
  return as;
}

TEST(GoBuildInfo, PointerModeAllLayouts) {
  for (int ptr : {4, 8}) {
    for (bool big : {false, true}) {
      SCOPED_TRACE(::testing::Message() << "ptr " << ptr << " big " << big);
      MemoryAddressSpace as = PointerSpace(ptr, big, "go1.19.8", Framed(kModText));
      Diagnostics d;
      auto bi = ReadBuildInfo(as, &d);
      ASSERT_TRUE(bi);
      ASSERT_TRUE(bi->ok()) << bi->error().message;
      EXPECT_FALSE((*bi)->inline_strings);
      ExpectHello(**bi);
    }
  }
}

TEST(GoBuildInfo, PointerModeDanglingPointerIsAnError) {
  MemoryAddressSpace as(Endian::kLittle, 8);
  std::string h = Header(8, 0);
  h.replace(16, 8, Word(0xdead0000, 8, false));
  as.Map(0x8000, Bytes(h), ".go.buildinfo", true);
  Diagnostics d;
  auto bi = ReadBuildInfo(as, &d);
  ASSERT_TRUE(bi);
  ASSERT_FALSE(bi->ok());
  EXPECT_EQ(bi->error().message, "go buildinfo: version string header at 0xdead0000 is not in the file");
}

// A build outside module mode (Go 1.13-1.17) leaves runtime.modinfo empty:
// its string header lies in .bss, past the file's bytes, and reads as zeros.
TEST(GoBuildInfo, PointerModeModinfoInBssIsEmpty) {
  MemoryAddressSpace as(Endian::kLittle, 8);
  std::string h = Header(8, 0);
  h.replace(16, 8, Word(0x10000, 8, false));
  h.replace(24, 8, Word(0x30040, 8, false));
  as.Map(0x8000, Bytes(h), ".go.buildinfo", true);
  as.Map(0x10000, Bytes(Word(0x20000, 8, false) + Word(8, 8, false)), ".rodata");
  as.Map(0x20000, Bytes("go1.13.8"), ".rodata2");
  as.Map(0x30000, std::vector<uint8_t>(0x40, 0), ".data", true);
  as.ZeroFillAfterLast(0x100);
  Diagnostics d;
  auto bi = ReadBuildInfo(as, &d);
  ASSERT_TRUE(bi);
  ASSERT_TRUE(bi->ok()) << bi->error().message;
  EXPECT_EQ((*bi)->version, "go1.13.8");
  EXPECT_TRUE((*bi)->mod.path.empty() && (*bi)->mod.deps.empty());
  EXPECT_TRUE(d.warnings().empty());
  // Past the zero-filled tail it is an error again.
  MemoryAddressSpace as2(Endian::kLittle, 8);
  h.replace(24, 8, Word(0x30140, 8, false));
  as2.Map(0x8000, Bytes(h), ".go.buildinfo", true);
  as2.Map(0x10000, Bytes(Word(0x20000, 8, false) + Word(8, 8, false)), ".rodata");
  as2.Map(0x20000, Bytes("go1.13.8"), ".rodata2");
  as2.Map(0x30000, std::vector<uint8_t>(0x40, 0), ".data", true);
  as2.ZeroFillAfterLast(0x100);
  auto bi2 = ReadBuildInfo(as2, &d);
  ASSERT_TRUE(bi2);
  EXPECT_FALSE(bi2->ok());
}

TEST(GoBuildInfo, PointerModeBadPointerSize) {
  MemoryAddressSpace as(Endian::kLittle, 8);
  as.Map(0x8000, Bytes(Header(3, 0)), ".go.buildinfo", true);
  Diagnostics d;
  auto bi = ReadBuildInfo(as, &d);
  ASSERT_TRUE(bi && !bi->ok());
  EXPECT_EQ(bi->error().message, "go buildinfo: pointer size 3 at 0x8000 is not 4 or 8");
}

TEST(GoBuildInfo, PointerModeHugeLength) {
  // Rewrite the version length to 2^63.
  MemoryAddressSpace bad(Endian::kLittle, 8);
  std::string h = Header(8, 0);
  h.replace(16, 8, Word(0x10000, 8, false));
  bad.Map(0x8000, Bytes(h), ".go.buildinfo", true);
  bad.Map(0x10000, Bytes(Word(0x20000, 8, false) + Word(uint64_t{1} << 63, 8, false)), ".rodata");
  Diagnostics d;
  auto bi = ReadBuildInfo(bad, &d);
  ASSERT_TRUE(bi && !bi->ok());
  EXPECT_NE(bi->error().message.find("exceeds the 1048576 byte limit"), std::string::npos);
}

TEST(GoBuildInfo, InlineTruncatedAndHugeLengths) {
  Diagnostics d;
  {
    MemoryAddressSpace as(Endian::kLittle, 8);
    as.Map(0x8000, Bytes(Header(8, 2) + Uvarint(100) + "go1.2"), ".go.buildinfo", true);
    auto bi = ReadBuildInfo(as, &d);
    ASSERT_TRUE(bi && !bi->ok());
    EXPECT_EQ(bi->error().message, "go buildinfo: version at 0x8021: 100 bytes claimed, 5 readable");
  }
  {
    MemoryAddressSpace as(Endian::kLittle, 8);
    as.Map(0x8000, Bytes(Header(8, 2) + Uvarint(uint64_t{1} << 40) + "go"), ".go.buildinfo", true);
    auto bi = ReadBuildInfo(as, &d);
    ASSERT_TRUE(bi && !bi->ok());
    EXPECT_EQ(bi->error().message,
              "go buildinfo: version length 1099511627776 at 0x8020 exceeds the 1048576 byte limit");
  }
  {
    MemoryAddressSpace as(Endian::kLittle, 8);
    as.Map(0x8000, Bytes(Header(8, 2) + std::string(12, '\xff')), ".go.buildinfo", true);
    auto bi = ReadBuildInfo(as, &d);
    ASSERT_TRUE(bi && !bi->ok());
    EXPECT_EQ(bi->error().message, "go buildinfo: version length at 0x8020: bad or truncated uvarint");
  }
  {
    MemoryAddressSpace as(Endian::kLittle, 8);
    as.Map(0x8000, Bytes(Header(8, 2).substr(0, 20)), ".go.buildinfo", true);
    auto bi = ReadBuildInfo(as, &d);
    ASSERT_TRUE(bi && !bi->ok());
    EXPECT_EQ(bi->error().message, "go buildinfo: header at 0x8000 is truncated");
  }
  {
    MemoryAddressSpace as(Endian::kLittle, 8);
    as.Map(0x8000, Bytes(InlineBlob("", "")), ".go.buildinfo", true);
    auto bi = ReadBuildInfo(as, &d);
    ASSERT_TRUE(bi && !bi->ok());
    EXPECT_EQ(bi->error().message, "go buildinfo at 0x8000: empty Go version");
  }
}

TEST(GoBuildInfo, FramingRequiredForModinfo) {
  MemoryAddressSpace as(Endian::kLittle, 8);
  as.Map(0x8000, Bytes(InlineBlob("go1.19", kModText)), ".go.buildinfo", true);  // no sentinels
  Diagnostics d;
  auto bi = ReadBuildInfo(as, &d);
  ASSERT_TRUE(bi && bi->ok());
  EXPECT_TRUE((*bi)->mod.path.empty());
  EXPECT_EQ(d.warnings().size(), 1u);
  // An empty modinfo (a GOPATH build) is normal: no warning.
  MemoryAddressSpace as2(Endian::kLittle, 8);
  as2.Map(0x8000, Bytes(InlineBlob("go1.19", "")), ".go.buildinfo", true);
  Diagnostics d2;
  auto bi2 = ReadBuildInfo(as2, &d2);
  ASSERT_TRUE(bi2 && bi2->ok());
  EXPECT_TRUE(d2.warnings().empty());
}

TEST(GoModInfo, Unquote) {
  EXPECT_EQ(Unquote("\"a b\""), "a b");
  EXPECT_EQ(Unquote("`raw \\n`"), "raw \\n");
  EXPECT_EQ(Unquote("`a\rb`"), "ab");
  EXPECT_EQ(Unquote(R"("\n\t\"\\\a\b\f\r\v")"), "\n\t\"\\\a\b\f\r\v");
  EXPECT_EQ(Unquote(R"("\x41\101\u00e9\U0001F600")"), "AA\xc3\xa9\xf0\x9f\x98\x80");
  EXPECT_EQ(Unquote(R"("\xff")"), std::string("\xff"));
  EXPECT_FALSE(Unquote(R"("\400")"));       // octal > 255
  EXPECT_FALSE(Unquote(R"("\ud800")"));     // surrogate
  EXPECT_FALSE(Unquote(R"("\U00110000")")); // past U+10FFFF
  EXPECT_FALSE(Unquote(R"("\q")"));
  EXPECT_FALSE(Unquote(R"("\x4")"));
  EXPECT_FALSE(Unquote(R"("\')"));          // \' only in rune literals
  EXPECT_FALSE(Unquote("\"abc"));
  EXPECT_FALSE(Unquote("\"a\"b"));
  EXPECT_FALSE(Unquote("\"a\nb\""));
  EXPECT_FALSE(Unquote("`abc"));
  EXPECT_FALSE(Unquote("abc"));
  EXPECT_FALSE(Unquote(""));
  EXPECT_FALSE(Unquote("\"\\"));
  size_t n = 0;
  EXPECT_EQ(UnquotePrefix("\"k y\"=v", &n), "k y");
  EXPECT_EQ(n, 5u);
}

TEST(GoModInfo, BuildLinesAndDamage) {
  Diagnostics d;
  ModInfo mi = ParseModInfo(
      "build\t\"a key\"=\"a value\"\n"
      "build\tplain=\n"
      "build\t=novalue\n"
      "build\tnoequals\n"
      "build\t\"bad\n"
      "build\tk=has space\n"
      "=>\tx\tv1\th1:\n"
      "dep\tonlypath\n"
      "mod\tm\tv1\n"
      "=>\tr\tv2\th1:r\n"
      "unknown\tline\n"
      "path\tlast/without/newline",
      &d);
  ASSERT_EQ(mi.settings.size(), 2u);
  EXPECT_EQ(mi.settings[0], (std::pair<std::string, std::string>{"a key", "a value"}));
  EXPECT_EQ(mi.settings[1], (std::pair<std::string, std::string>{"plain", ""}));
  EXPECT_TRUE(mi.deps.empty());
  ASSERT_TRUE(mi.main && mi.main->replace);
  EXPECT_EQ(mi.main->replace->sum, "h1:r");
  EXPECT_TRUE(mi.path.empty());  // a final line without a newline is ignored, as in Go
  ASSERT_EQ(d.warnings().size(), 6u);
  EXPECT_EQ(d.warnings()[0], "go modinfo line 3: build line with missing key");
  EXPECT_EQ(d.warnings()[5], "go modinfo line 8: expected 2 or 3 columns; got 1");
}

}  // namespace
}  // namespace exray::go
