// The Mach-O parser on images built here, byte by byte, as <mach-o/loader.h>
// lays them out: a well-formed executable read field for field, then the
// damage a hostile file can carry (every truncation, commands that lie about
// their size or count, strings without a NUL, universal headers with
// thousands of slices or overlapping ones), each giving a warning or an
// Error and never a read outside the bytes.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "formats/macho/parser.h"
#include "support/limits.h"

namespace exray::macho {
namespace {

// Little- or big-endian bytes appended field by field.
class Bytes {
 public:
  explicit Bytes(bool big = false) : big_(big) {}
  Bytes& U32(uint32_t v) { return Int(v, 4); }
  Bytes& U64(uint64_t v) { return Int(v, 8); }
  Bytes& Name16(std::string_view s) {
    std::string n(s);
    n.resize(16, '\0');
    b_.insert(b_.end(), n.begin(), n.end());
    return *this;
  }
  Bytes& Str(std::string_view s, size_t pad_to) {  // s, its NUL, zeros up to pad_to bytes
    std::string n(s);
    n.resize(pad_to, '\0');
    b_.insert(b_.end(), n.begin(), n.end());
    return *this;
  }
  Bytes& Raw(const std::vector<uint8_t>& v) {
    b_.insert(b_.end(), v.begin(), v.end());
    return *this;
  }
  size_t size() const { return b_.size(); }
  std::vector<uint8_t>& vec() { return b_; }
  void Put32(size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) b_[at + static_cast<size_t>(i)] = static_cast<uint8_t>(v >> (big_ ? 24 - 8 * i : 8 * i));
  }

 private:
  Bytes& Int(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) b_.push_back(static_cast<uint8_t>(v >> (big_ ? 8 * (n - 1 - i) : 8 * i)));
    return *this;
  }
  bool big_;
  std::vector<uint8_t> b_;
};

ByteView View(const std::vector<uint8_t>& v) { return ByteView(v.data(), v.size()); }

constexpr uint32_t kLcSegment64 = 0x19, kLcLoadDylib = 0xc, kLcLoadWeakDylib = 0x80000018, kLcRpath = 0x8000001c,
                   kLcUuid = 0x1b, kLcBuildVersion = 0x32, kLcMain = 0x80000028, kLcCodeSignature = 0x1d,
                   kLcLoadDylinker = 0xe, kLcSourceVersion = 0x2a, kLcSymtab = 0x2, kLcUnixThread = 0x5,
                   kLcSegment = 0x1;

// A 64-bit arm64 executable: __TEXT with __text and __cstring, __DATA with a
// zero-fill __bss, two dylibs, an rpath, a UUID, a build version with one
// tool, LC_MAIN, a code signature, the dylinker, a source version, a symtab.
std::vector<uint8_t> Executable() {
  Bytes c;
  // __TEXT: 72 + 2 * 80
  c.U32(kLcSegment64).U32(72 + 2 * 80).Name16("__TEXT").U64(0x100000000).U64(0x4000).U64(0).U64(0x610);
  c.U32(5).U32(5).U32(2).U32(0);
  c.Name16("__text").Name16("__TEXT").U64(0x100000400).U64(0x100).U32(0x400).U32(4).U32(0).U32(0);
  c.U32(0x80000400).U32(0).U32(0).U32(0);
  c.Name16("__cstring").Name16("__TEXT").U64(0x100000500).U64(0x20).U32(0x500).U32(0).U32(0).U32(0);
  c.U32(0x2).U32(0).U32(0).U32(0);
  // __DATA: 72 + 80, a zero-fill section with no file offset
  c.U32(kLcSegment64).U32(72 + 80).Name16("__DATA").U64(0x100004000).U64(0x4000).U64(0).U64(0);
  c.U32(3).U32(3).U32(1).U32(0);
  c.Name16("__bss").Name16("__DATA").U64(0x100004000).U64(0x1000).U32(0).U32(3).U32(0).U32(0);
  c.U32(0x1).U32(0).U32(0).U32(0);
  // dylibs: 24 bytes of fields, the name at 24
  c.U32(kLcLoadDylib).U32(56).U32(24).U32(2).U32(0x05270000).U32(0x00010000).Str("/usr/lib/libSystem.B.dylib", 32);
  c.U32(kLcLoadWeakDylib).U32(48).U32(24).U32(0).U32(0x00010203).U32(0x00010000).Str("@rpath/libweak.dylib", 24);
  c.U32(kLcRpath).U32(32).U32(12).Str("@loader_path/../lib", 20);
  c.U32(kLcUuid).U32(24).Raw({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15});
  c.U32(kLcBuildVersion).U32(32).U32(1).U32(0x000b0000).U32(0x000d0100).U32(1).U32(3).U32(0x03340100);
  c.U32(kLcMain).U32(24).U64(0x400).U64(0);
  c.U32(kLcCodeSignature).U32(16).U32(0x600).U32(0x10);
  c.U32(kLcLoadDylinker).U32(28).U32(12).Str("/usr/lib/dyld", 16);
  c.U32(kLcSourceVersion).U32(16).U64(0x1234);
  c.U32(kLcSymtab).U32(24).U32(0x580).U32(2).U32(0x5a0).U32(16);
  const uint32_t ncmds = 12;
  Bytes f;
  f.U32(kMagic64).U32(kCpuArm64).U32(0).U32(kExecute).U32(ncmds).U32(static_cast<uint32_t>(c.size()));
  f.U32(kFlagPie | kFlagDyldLink | kFlagTwoLevel | kFlagNoUndefs).U32(0);
  f.Raw(c.vec());
  f.vec().resize(0x610, 0);  // room for the sections' and signature's bytes
  return f.vec();
}

TEST(MachoParser, ReadsAnExecutableFieldForField) {
  std::vector<uint8_t> img = Executable();
  ASSERT_TRUE(IsMacho(View(img)));
  EXPECT_FALSE(IsFat(View(img)));
  auto f = Parse(View(img));
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_TRUE(f->diag.warnings().empty()) << f->diag.warnings()[0];
  EXPECT_TRUE(f->header.is64);
  EXPECT_EQ(CpuTypeName(f->header.cputype, f->header.cpusubtype), "arm64");
  EXPECT_EQ(FileTypeName(f->header.filetype), "EXECUTE");
  EXPECT_EQ(f->commands.size(), 12u);
  ASSERT_EQ(f->segments.size(), 2u);
  EXPECT_EQ(f->segments[0].name, "__TEXT");
  EXPECT_EQ(f->segments[0].initprot, 5u);
  ASSERT_EQ(f->sections.size(), 3u);
  EXPECT_EQ(f->sections[1].sectname, "__cstring");
  EXPECT_EQ(f->sections[1].segment, 0u);
  EXPECT_TRUE(f->sections[1].in_file);
  EXPECT_EQ(f->sections[2].segname, "__DATA");
  EXPECT_FALSE(f->sections[2].in_file);  // zero-fill
  EXPECT_EQ(f->FindSection("__TEXT", "__text")->size, 0x100u);
  ASSERT_EQ(f->dylibs.size(), 2u);
  EXPECT_EQ(f->dylibs[0].name, "/usr/lib/libSystem.B.dylib");
  EXPECT_EQ(VersionString(f->dylibs[0].current_version), "1319.0");
  EXPECT_EQ(f->dylibs[1].kind, DylibKind::kWeak);
  EXPECT_EQ(VersionString(f->dylibs[1].current_version), "1.2.3");
  ASSERT_EQ(f->rpaths.size(), 1u);
  EXPECT_EQ(f->rpaths[0], "@loader_path/../lib");
  ASSERT_TRUE(f->uuid);
  EXPECT_EQ((*f->uuid)[15], 15);
  ASSERT_EQ(f->build_versions.size(), 1u);
  EXPECT_EQ(PlatformName(f->build_versions[0].platform), "macos");
  EXPECT_EQ(VersionString(f->build_versions[0].minos), "11.0");
  EXPECT_EQ(VersionString(f->build_versions[0].sdk), "13.1");
  ASSERT_EQ(f->build_versions[0].tools.size(), 1u);
  EXPECT_EQ(ToolName(f->build_versions[0].tools[0].tool), "ld");
  EXPECT_EQ(VersionString(f->build_versions[0].tools[0].version), "820.1");
  EXPECT_EQ(f->main_entryoff, 0x400u);
  EXPECT_EQ(f->dylinker, "/usr/lib/dyld");
  EXPECT_EQ(f->source_version, 0x1234u);
  ASSERT_NE(f->Linkedit(0x1d), nullptr);
  EXPECT_EQ(f->Linkedit(0x1d)->dataoff, 0x600u);
  ASSERT_TRUE(f->symtab);
  EXPECT_EQ(f->symtab->nsyms, 2u);
}

TEST(MachoParser, EveryTruncationReadsWhatItCanAndNeverMore) {
  const std::vector<uint8_t> img = Executable();
  for (size_t n = 0; n <= img.size(); ++n) {
    std::vector<uint8_t> cut(img.begin(), img.begin() + static_cast<ptrdiff_t>(n));
    auto f = Parse(View(cut));
    if (n < 32) {
      EXPECT_FALSE(f) << n;
      continue;
    }
    ASSERT_TRUE(f) << n;
    EXPECT_LE(f->commands.size(), 12u);
    for (const Section& s : f->sections) EXPECT_LT(s.segment, f->segments.size() + 1);
    if (n < img.size()) {
      EXPECT_FALSE(f->diag.warnings().empty()) << n;  // something it claims lies past the cut
    }
  }
}

TEST(MachoParser, BigEndian32BitAndTheUnixThreadPc) {
  // i386 is little-endian; a big-endian ppc image shows the byte order, an i386 one the thread state.
  Bytes c(/*big=*/true);
  c.U32(kLcSegment).U32(56).Name16("__TEXT").U32(0x1000).U32(0x1000).U32(0).U32(0x1000).U32(5).U32(5).U32(0).U32(0);
  Bytes f(/*big=*/true);
  f.U32(kMagic32).U32(kCpuPowerPc).U32(0).U32(kExecute).U32(1).U32(56).U32(0).Raw(c.vec());
  auto p = Parse(View(f.vec()));
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->header.endian, Endian::kBig);
  EXPECT_EQ(CpuTypeName(p->header.cputype, 0), "ppc");
  ASSERT_EQ(p->segments.size(), 1u);
  EXPECT_EQ(p->segments[0].vmaddr, 0x1000u);

  Bytes t;
  t.U32(kLcUnixThread).U32(16 + 16 * 4).U32(1).U32(16);  // x86_THREAD_STATE32, 16 words
  for (uint32_t i = 0; i < 16; ++i) t.U32(i == 10 ? 0x1f00 : 0);
  Bytes g;
  g.U32(kMagic32).U32(kCpuX86).U32(3).U32(kExecute).U32(1).U32(static_cast<uint32_t>(t.size())).U32(0).Raw(t.vec());
  auto q = Parse(View(g.vec()));
  ASSERT_TRUE(q);
  EXPECT_EQ(q->thread_pc, 0x1f00u);
}

TEST(MachoParser, CommandsThatLieAboutTheirSizeStopTheWalk) {
  std::vector<uint8_t> img = Executable();
  Bytes b;
  b.vec() = img;
  b.Put32(32 + 4, 0);  // the first command's cmdsize
  auto f = Parse(View(b.vec()));
  ASSERT_TRUE(f);
  EXPECT_TRUE(f->commands.empty());
  ASSERT_FALSE(f->diag.warnings().empty());
  EXPECT_NE(f->diag.warnings()[0].find("cmdsize 0 is less than 8"), std::string::npos) << f->diag.warnings()[0];

  b.vec() = img;
  b.Put32(20, 0x7fffffff);  // sizeofcmds past the image
  f = Parse(View(b.vec()));
  ASSERT_TRUE(f);
  EXPECT_EQ(f->commands.size(), 12u);  // every command is still inside the image
  EXPECT_NE(f->diag.warnings()[0].find("runs past the end of the image"), std::string::npos);

  b.vec() = img;
  b.Put32(16, 0xffffffff);  // ncmds: four billion
  f = Parse(View(b.vec()));
  ASSERT_TRUE(f);
  EXPECT_EQ(f->commands.size(), 12u);  // the walk ends at sizeofcmds
  EXPECT_FALSE(f->diag.warnings().empty());
}

TEST(MachoParser, StringsWithoutTheirNulAndSectionsThatDoNotFit) {
  Bytes c;
  c.U32(kLcLoadDylib).U32(32).U32(24).U32(0).U32(0).U32(0).Raw({'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'});
  c.U32(kLcRpath).U32(16).U32(200).U32(0);  // the string's offset lies past the command
  c.U32(kLcSegment64).U32(72).Name16("__TEXT").U64(0).U64(0x1000).U64(0).U64(0).U32(5).U32(5).U32(9).U32(0);
  Bytes f;
  f.U32(kMagic64).U32(kCpuX8664).U32(3).U32(kDylib).U32(3).U32(static_cast<uint32_t>(c.size())).U32(0).U32(0);
  f.Raw(c.vec());
  auto p = Parse(View(f.vec()));
  ASSERT_TRUE(p);
  ASSERT_EQ(p->dylibs.size(), 1u);
  EXPECT_EQ(p->dylibs[0].name, "abcdefgh");  // cut at the command's end
  ASSERT_EQ(p->rpaths.size(), 1u);
  EXPECT_TRUE(p->rpaths[0].empty());
  EXPECT_TRUE(p->sections.empty());  // nine claimed, none fit
  const std::vector<std::string>& w = p->diag.warnings();
  ASSERT_EQ(w.size(), 3u);
  EXPECT_NE(w[0].find("no NUL"), std::string::npos) << w[0];
  EXPECT_NE(w[1].find("outside the command"), std::string::npos) << w[1];
  EXPECT_NE(w[2].find("9 sections do not fit"), std::string::npos) << w[2];
}

TEST(MachoParser, NotMachoOrTooShortIsAnError) {
  std::vector<uint8_t> elf = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0};
  EXPECT_FALSE(IsMacho(View(elf)));
  EXPECT_FALSE(Parse(View(elf)));
  std::vector<uint8_t> short_header = {0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1};
  EXPECT_TRUE(IsMacho(View(short_header)));
  auto f = Parse(View(short_header));
  ASSERT_FALSE(f);
  EXPECT_NE(f.error().message.find("cut short"), std::string::npos);
}

std::vector<uint8_t> Universal(uint32_t n, uint32_t off1, uint32_t off2) {
  const std::vector<uint8_t> img = Executable();
  Bytes f(/*big=*/true);
  f.U32(kFatMagic).U32(n);
  f.U32(kCpuArm64).U32(0).U32(off1).U32(static_cast<uint32_t>(img.size())).U32(12);
  f.U32(kCpuX8664).U32(3).U32(off2).U32(static_cast<uint32_t>(img.size())).U32(12);
  f.vec().resize(std::max(off1, off2) + img.size(), 0);
  std::copy(img.begin(), img.end(), f.vec().begin() + off1);
  std::copy(img.begin(), img.end(), f.vec().begin() + off2);
  return f.vec();
}

TEST(MachoFat, ReadsEachSlice) {
  std::vector<uint8_t> u = Universal(2, 0x1000, 0x2000);
  ASSERT_TRUE(IsFat(View(u)));
  EXPECT_FALSE(IsMacho(View(u)));
  auto fat = ParseFat(View(u));
  ASSERT_TRUE(fat) << fat.error().message;
  EXPECT_TRUE(fat->diag.warnings().empty());
  ASSERT_EQ(fat->archs.size(), 2u);
  EXPECT_EQ(CpuTypeName(fat->archs[1].cputype, fat->archs[1].cpusubtype), "x86_64");
  for (const FatArch& a : fat->archs) {
    auto s = Slice(View(u), a);
    ASSERT_TRUE(s);
    auto img = Parse(*s);
    ASSERT_TRUE(img);
    EXPECT_EQ(img->sections.size(), 3u);
  }
}

TEST(MachoFat, OverlapsMisalignmentAndSlicesOutsideTheFileAreWarnings) {
  std::vector<uint8_t> u = Universal(2, 0x1000, 0x1200);  // the second starts inside the first
  auto fat = ParseFat(View(u));
  ASSERT_TRUE(fat);
  bool overlap = false, misaligned = false;
  for (const std::string& w : fat->diag.warnings()) {
    overlap |= w.find("overlap") != std::string::npos;
    misaligned |= w.find("not aligned to 2^12") != std::string::npos;
  }
  EXPECT_TRUE(overlap);
  EXPECT_TRUE(misaligned);

  u = Universal(2, 0x1000, 0x2000);
  u.resize(0x2000 + 100);  // the second slice is cut
  fat = ParseFat(View(u));
  ASSERT_TRUE(fat);
  ASSERT_EQ(fat->archs.size(), 2u);
  EXPECT_FALSE(Slice(View(u), fat->archs[1]));
  EXPECT_TRUE(Slice(View(u), fat->archs[0]));
}

TEST(MachoFat, ThousandsOfSlicesAreReadUpToTheCap) {
  Bytes f(/*big=*/true);
  f.U32(kFatMagic).U32(5000);
  for (int i = 0; i < 5000; ++i) f.U32(kCpuArm64).U32(0).U32(0x4000).U32(0x10).U32(14);
  EXPECT_FALSE(IsFat(View(f.vec())));  // 43 or more: a Java class's version would sit there
  auto fat = ParseFat(View(f.vec()));
  ASSERT_TRUE(fat);
  EXPECT_EQ(fat->archs.size(), kMaxFatArchs);
  EXPECT_NE(fat->diag.warnings()[0].find("nfat_arch 5000 is more than 64"), std::string::npos);
}

TEST(MachoFat, AJavaClassIsNotAUniversalFile) {
  // CAFEBABE, minor 0, major 52 (Java 8)
  std::vector<uint8_t> cls = {0xca, 0xfe, 0xba, 0xbe, 0x00, 0x00, 0x00, 0x34, 0x00, 0x10};
  EXPECT_FALSE(IsFat(View(cls)));
  EXPECT_FALSE(IsMacho(View(cls)));
}

}  // namespace
}  // namespace exray::macho
