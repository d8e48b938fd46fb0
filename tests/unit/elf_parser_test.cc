#include <gtest/gtest.h>

#include <vector>

#include "formats/elf/parser.h"
#include "formats/elf/raw.h"

namespace exray::elf {
namespace {

// Writes integers into a growing buffer in one byte order.
struct Buf {
  std::vector<uint8_t> b;
  bool big = false;
  void Put(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * (big ? n - 1 - i : i))));
  }
  void PutAt(size_t off, uint64_t v, int n) {
    for (int i = 0; i < n; ++i) b[off + i] = static_cast<uint8_t>(v >> (8 * (big ? n - 1 - i : i)));
  }
  ByteView view() const { return ByteView(b.data(), b.size()); }
};

// An ELF header for the given class and byte order; counts and offsets zero.
Buf Header(bool is64, bool big, uint16_t type = ET_EXEC, uint16_t machine = 62) {
  Buf h;
  h.big = big;
  h.b = {0x7f, 'E', 'L', 'F', static_cast<uint8_t>(is64 ? 2 : 1), static_cast<uint8_t>(big ? 2 : 1), 1, 0};
  h.b.resize(16, 0);
  h.Put(type, 2);
  h.Put(machine, 2);
  h.Put(1, 4);
  int w = is64 ? 8 : 4;
  h.Put(0x401000, w);  // entry
  h.Put(0, w);         // phoff
  h.Put(0, w);         // shoff
  h.Put(0, 4);         // flags
  h.Put(is64 ? 64 : 52, 2);
  h.Put(is64 ? 56 : 32, 2);
  h.Put(0, 2);
  h.Put(is64 ? 64 : 40, 2);
  h.Put(0, 2);
  h.Put(0, 2);
  return h;
}

TEST(ElfParser, RejectsNonElfAndTruncatedHeaders) {
  uint8_t junk[] = {'M', 'Z', 0, 0};
  EXPECT_FALSE(Parse(ByteView(junk, 4)));
  Buf h = Header(true, false);
  for (size_t n : {size_t{4}, size_t{15}, size_t{16}, size_t{63}}) {
    auto r = Parse(ByteView(h.b.data(), n));
    EXPECT_FALSE(r) << n;
    if (!r) {
      EXPECT_NE(r.error().message.find("truncated"), std::string::npos);
    }
  }
  h.b[4] = 7;  // bad class
  EXPECT_FALSE(Parse(h.view()));
}

TEST(ElfParser, HeaderOnlyFileHasNoSectionsOrSegments) {
  for (bool is64 : {false, true})
    for (bool big : {false, true}) {
      Buf h = Header(is64, big, ET_DYN, 22);
      auto f = Parse(h.view());
      ASSERT_TRUE(f) << f.error().message;
      EXPECT_EQ(f->header.is64, is64);
      EXPECT_EQ(f->header.endian, big ? Endian::kBig : Endian::kLittle);
      EXPECT_EQ(f->header.type, ET_DYN);
      EXPECT_EQ(f->header.machine, 22);
      EXPECT_EQ(f->header.entry, 0x401000u);
      EXPECT_TRUE(f->sections.empty());
      EXPECT_TRUE(f->segments.empty());
      EXPECT_TRUE(f->diag.warnings().empty());
    }
}

TEST(ElfParser, SectionTableOutsideFileIsAWarning) {
  Buf h = Header(true, false);
  h.PutAt(0x28, 0x100000, 8);  // e_shoff far past the end
  h.PutAt(0x3c, 5, 2);         // e_shnum
  auto f = Parse(h.view());
  ASSERT_TRUE(f);
  EXPECT_TRUE(f->sections.empty());
  ASSERT_FALSE(f->diag.warnings().empty());
  EXPECT_NE(f->diag.warnings()[0].find("outside the file"), std::string::npos);
}

TEST(ElfParser, ExtendedNumberingComesFromSectionZero) {
  Buf h = Header(true, false);
  h.PutAt(0x28, 64, 8);            // e_shoff right after the header
  h.PutAt(0x3c, 0, 2);             // e_shnum 0: the count is in section 0's sh_size
  h.PutAt(0x3e, SHN_XINDEX, 2);    // e_shstrndx in section 0's sh_link
  h.PutAt(0x38, PN_XNUM, 2);       // e_phnum in section 0's sh_info
  // Section 0: sh_size = 2, sh_link = 1, sh_info = 0 (no program headers then).
  std::vector<uint8_t> s0(64, 0), s1(64, 0);
  h.b.insert(h.b.end(), s0.begin(), s0.end());
  h.PutAt(64 + 32, 2, 8);  // sh_size
  h.PutAt(64 + 40, 1, 4);  // sh_link
  h.b.insert(h.b.end(), s1.begin(), s1.end());
  // Section 1: a STRTAB holding "\0.shstrtab\0" right after the headers.
  size_t str_off = h.b.size();
  const char names[] = "\0.shstrtab";
  h.b.insert(h.b.end(), names, names + sizeof names);
  h.PutAt(128 + 0, 1, 4);                 // sh_name
  h.PutAt(128 + 4, SHT_STRTAB, 4);        // sh_type
  h.PutAt(128 + 24, str_off, 8);          // sh_offset
  h.PutAt(128 + 32, sizeof names, 8);     // sh_size
  auto f = Parse(h.view());
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_EQ(f->header.shnum, 2u);
  EXPECT_EQ(f->header.shstrndx, 1u);
  ASSERT_EQ(f->sections.size(), 2u);
  EXPECT_EQ(f->sections[1].name, ".shstrtab");
  EXPECT_EQ(f->header.phnum, 0u);
}

TEST(ElfParser, HugeCountsAreClampedToTheFile) {
  Buf h = Header(true, false);
  h.PutAt(0x20, 64, 8);       // e_phoff
  h.PutAt(0x38, 0xfff0, 2);   // e_phnum far beyond what the file holds
  h.b.resize(64 + 56 * 2, 0); // room for two program headers
  auto f = Parse(h.view());
  ASSERT_TRUE(f);
  EXPECT_EQ(f->segments.size(), 2u);
  EXPECT_FALSE(f->diag.warnings().empty());
}

TEST(ElfParser, VaddrToOffsetUsesFileImageOnly) {
  File f;
  std::vector<uint8_t> bytes(0x3000, 0);
  f.bytes = ByteView(bytes.data(), bytes.size());
  Segment load;
  load.type = PT_LOAD;
  load.offset = 0x1000;
  load.vaddr = 0x401000;
  load.filesz = 0x800;
  load.memsz = 0x2000;  // the rest is bss: no file bytes behind it
  f.segments.push_back(load);
  EXPECT_EQ(f.VaddrToOffset(0x401010), 0x1010u);
  EXPECT_FALSE(f.VaddrToOffset(0x401900));
  EXPECT_FALSE(f.VaddrToOffset(0x4017ff, 2));
  EXPECT_FALSE(f.VaddrToOffset(0x400fff));
}

TEST(ElfNames, TablesNameCommonValues) {
  EXPECT_EQ(MachineName(62), "x86_64");
  EXPECT_EQ(MachineName(183), "aarch64");
  EXPECT_EQ(MachineName(9999), "machine-9999");
  EXPECT_EQ(SectionTypeName(SHT_GNU_verneed), "VERNEED");
  EXPECT_EQ(SegmentTypeName(PT_GNU_RELRO), "GNU_RELRO");
  EXPECT_EQ(DynamicTagName(DT_FLAGS_1), "DT_FLAGS_1");
  EXPECT_EQ(SegmentFlags(PF_R | PF_X), "R E");
  EXPECT_EQ(SectionFlags(SHF_ALLOC | SHF_EXECINSTR), "AX");
}

}  // namespace
}  // namespace exray::elf
