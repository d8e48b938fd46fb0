// The DWARF struct reader (formats/dwarf/structs.h) on hand-built
// .debug_abbrev and .debug_info bytes: members and their types, then
// truncation at every length, unknown forms, deep nesting and loops of typedefs.
#include "formats/dwarf/structs.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace exray::dwarf {
namespace {

using Bytes = std::vector<uint8_t>;

void Uleb(Bytes& b, uint64_t v) {
  do {
    uint8_t c = v & 0x7f;
    v >>= 7;
    b.push_back(c | (v ? 0x80 : 0));
  } while (v);
}
void Str(Bytes& b, const std::string& s) {
  b.insert(b.end(), s.begin(), s.end());
  b.push_back(0);
}
void U32(Bytes& b, uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

// Abbreviations: code, tag, children, then (attribute, form) pairs.
struct Ab {
  uint64_t code, tag;
  bool children;
  std::vector<std::pair<uint64_t, uint64_t>> attrs;
};
Bytes Abbrevs(const std::vector<Ab>& v) {
  Bytes b;
  for (const Ab& a : v) {
    Uleb(b, a.code);
    Uleb(b, a.tag);
    b.push_back(a.children ? 1 : 0);
    for (auto [at, f] : a.attrs) {
      Uleb(b, at);
      Uleb(b, f);
    }
    b.push_back(0);
    b.push_back(0);
  }
  b.push_back(0);
  return b;
}

// The usual table: 1 unit, 2 struct, 3 member (location udata, type ref4),
// 4 base type, 5 typedef (type ref_addr), 6 pointer (no size), 7 member
// with a DW_OP_plus_uconst block.
const std::vector<Ab> kTable = {
    {1, 0x11, true, {{0x03, 0x08}}},
    {2, 0x13, true, {{0x03, 0x08}, {0x0b, 0x0f}}},
    {3, 0x0d, false, {{0x03, 0x08}, {0x38, 0x0f}, {0x49, 0x13}}},
    {4, 0x24, false, {{0x03, 0x08}, {0x0b, 0x0b}}},
    {5, 0x16, false, {{0x03, 0x08}, {0x49, 0x10}}},
    {6, 0x0f, false, {{0x03, 0x08}}},
    {7, 0x0d, false, {{0x03, 0x08}, {0x38, 0x0a}, {0x49, 0x13}}},
};

// A DWARF 4 unit around body (its DIEs); header 11 bytes.
// A unit of DWARF 4 (length, version, abbrev_offset, address_size: 11 bytes)
// or 5 (length, version, unit_type, address_size, abbrev_offset: 12 bytes).
Bytes Unit(const Bytes& body, int version = 4) {
  Bytes b;
  U32(b, static_cast<uint32_t>(body.size() + (version >= 5 ? 8 : 7)));
  b.push_back(static_cast<uint8_t>(version));
  b.push_back(0);
  if (version >= 5) {
    b.push_back(0x01);  // DW_UT_compile
    b.push_back(8);
    U32(b, 0);
  } else {
    U32(b, 0);
    b.push_back(8);
  }
  b.insert(b.end(), body.begin(), body.end());
  return b;
}

// runtime.stack {lo uintptr; hi myint (typedef of uintptr); p *T; q at 24 by a block}.
Bytes StackUnit(int version = 4) {
  const uint32_t header = version >= 5 ? 12 : 11;  // unit offsets count from the unit's start
  Bytes d;
  Uleb(d, 1);
  Str(d, "cu");
  // Types first, at known unit offsets: uintptr at header + 4.
  const uint32_t uintptr_off = static_cast<uint32_t>(header + d.size());
  Uleb(d, 4);
  Str(d, "uintptr");
  d.push_back(8);
  const uint32_t myint_off = static_cast<uint32_t>(header + d.size());
  Uleb(d, 5);
  Str(d, "main.myint");
  U32(d, uintptr_off);  // ref_addr: from the start of .debug_info (the only unit)
  const uint32_t ptr_off = static_cast<uint32_t>(header + d.size());
  Uleb(d, 6);
  Str(d, "*main.T");
  Uleb(d, 2);
  Str(d, "runtime.stack");
  Uleb(d, 32);
  Uleb(d, 3);
  Str(d, "lo");
  Uleb(d, 0);
  U32(d, uintptr_off);
  Uleb(d, 3);
  Str(d, "hi");
  Uleb(d, 8);
  U32(d, myint_off);
  Uleb(d, 3);
  Str(d, "p");
  Uleb(d, 16);
  U32(d, ptr_off);
  Uleb(d, 7);
  Str(d, "q");
  d.push_back(2);  // block1 of 2 bytes: DW_OP_plus_uconst 24
  d.push_back(0x23);
  d.push_back(24);
  U32(d, uintptr_off);
  d.push_back(0);  // end of runtime.stack's members
  d.push_back(0);  // end of the unit's children
  return Unit(d, version);
}

ByteView View(const Bytes& b) { return ByteView(b.data(), b.size()); }

TEST(DwarfStructs, ReadsMembersAndTheirTypes) {
  Bytes ab = Abbrevs(kTable), info = StackUnit();
  Diagnostics diag;
  auto r = ReadStructs(View(info), View(ab), Endian::kLittle, {"runtime.stack", "runtime.g"}, &diag);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(diag.warnings().empty());
  ASSERT_EQ(r->size(), 1u);
  const StructType& s = (*r)[0];
  EXPECT_EQ(s.name, "runtime.stack");
  EXPECT_EQ(s.size, 32u);
  ASSERT_EQ(s.members.size(), 4u);
  EXPECT_EQ(s.members[0].name, "lo");
  EXPECT_EQ(s.members[0].offset, 0u);
  EXPECT_EQ(s.members[0].type_name, "uintptr");
  EXPECT_EQ(s.members[0].type_size, 8u);
  EXPECT_EQ(s.members[1].offset, 8u);
  EXPECT_EQ(s.members[1].type_name, "main.myint");
  EXPECT_EQ(s.members[1].type_size, 8u);  // through the typedef
  EXPECT_EQ(s.members[2].type_name, "*main.T");
  EXPECT_EQ(s.members[2].type_size, 8u);  // a pointer: the address size
  EXPECT_EQ(s.members[3].name, "q");
  EXPECT_EQ(s.members[3].offset, 24u);  // DW_OP_plus_uconst
}

TEST(DwarfStructs, TruncatedAtEveryLengthNeverReadsPast) {
  Bytes ab = Abbrevs(kTable), full = StackUnit();
  for (size_t n = 0; n < full.size(); ++n) {
    Bytes info(full.begin(), full.begin() + static_cast<long>(n));
    Diagnostics diag;
    auto r = ReadStructs(View(info), View(ab), Endian::kLittle, {"runtime.stack"}, &diag);
    if (n == 0) {
      ASSERT_TRUE(r.ok());
      EXPECT_TRUE(r->empty());
      continue;
    }
    // The unit's length runs past the cut: an error, since it is the first unit.
    EXPECT_FALSE(r.ok()) << n;
  }
  // The abbreviations cut short: the unit is skipped with a warning.
  for (size_t n = 0; n + 1 < ab.size(); ++n) {
    Bytes cut(ab.begin(), ab.begin() + static_cast<long>(n));
    Diagnostics diag;
    auto r = ReadStructs(View(full), View(cut), Endian::kLittle, {"runtime.stack"}, &diag);
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(diag.warnings().empty()) << n;
  }
}

TEST(DwarfStructs, UnknownFormStopsTheUnit) {
  std::vector<Ab> t = kTable;
  t[1].attrs.push_back({0x3e, 0x7f});  // an attribute in a form DWARF 4 does not have
  Bytes ab = Abbrevs(t), info = StackUnit();
  Diagnostics diag;
  auto r = ReadStructs(View(info), View(ab), Endian::kLittle, {"runtime.stack"}, &diag);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
  ASSERT_EQ(diag.warnings().size(), 1u);
  EXPECT_NE(diag.warnings()[0].find("unknown form 0x7f"), std::string::npos) << diag.warnings()[0];
}

TEST(DwarfStructs, IndirectOfIndirectIsRefused) {
  std::vector<Ab> t = {{1, 0x11, true, {{0x03, 0x16}}}};
  Bytes ab = Abbrevs(t);
  Bytes d;
  Uleb(d, 1);
  for (int i = 0; i < 1000; ++i) d.push_back(0x16);  // DW_FORM_indirect naming indirect, over and over
  Bytes info = Unit(d);
  Diagnostics diag;
  auto r = ReadStructs(View(info), View(ab), Endian::kLittle, {"x"}, &diag);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(diag.warnings().size(), 1u);
}

TEST(DwarfStructs, DeepNestingIsCapped) {
  Bytes ab = Abbrevs(kTable);
  Bytes d;
  for (int i = 0; i < 10000; ++i) {
    Uleb(d, 2);
    Str(d, "s");
    Uleb(d, 1);
  }
  Bytes info = Unit(d);
  Diagnostics diag;
  auto r = ReadStructs(View(info), View(ab), Endian::kLittle, {"runtime.stack"}, &diag);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(diag.warnings().size(), 1u);
  EXPECT_NE(diag.warnings()[0].find("nest deeper than"), std::string::npos) << diag.warnings()[0];
}

TEST(DwarfStructs, TypedefLoopEnds) {
  // A typedef whose type is itself: the member's size stays unknown.
  Bytes ab = Abbrevs(kTable);
  Bytes d;
  Uleb(d, 1);
  Str(d, "cu");
  const uint32_t self = static_cast<uint32_t>(11 + d.size());
  Uleb(d, 5);
  Str(d, "loop");
  U32(d, self);
  Uleb(d, 2);
  Str(d, "runtime.g");
  Uleb(d, 8);
  Uleb(d, 3);
  Str(d, "x");
  Uleb(d, 0);
  U32(d, self);
  d.push_back(0);
  d.push_back(0);
  Bytes info = Unit(d);
  auto r = ReadStructs(View(info), View(ab), Endian::kLittle, {"runtime.g"}, nullptr);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  ASSERT_EQ((*r)[0].members.size(), 1u);
  EXPECT_EQ((*r)[0].members[0].type_name, "loop");
  EXPECT_FALSE((*r)[0].members[0].type_size);
}

// DWARF 5 (Go writes it from 1.25): unit_type and address_size come before
// the abbreviation offset. The same unit in that header reads the same.
TEST(DwarfStructs, Version5HeaderIsRead) {
  Bytes ab = Abbrevs(kTable), info = StackUnit(), v5 = StackUnit(5);
  Diagnostics diag;
  auto r = ReadStructs(View(v5), View(ab), Endian::kLittle, {"runtime.stack"}, &diag);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  auto r4 = ReadStructs(View(info), View(ab), Endian::kLittle, {"runtime.stack"}, &diag);
  ASSERT_TRUE(r4.ok() && r4->size() == 1u);
  EXPECT_EQ((*r)[0].size, (*r4)[0].size);
  ASSERT_EQ((*r)[0].members.size(), (*r4)[0].members.size());
  for (size_t i = 0; i < (*r)[0].members.size(); ++i) {
    EXPECT_EQ((*r)[0].members[i].name, (*r4)[0].members[i].name);
    EXPECT_EQ((*r)[0].members[i].offset, (*r4)[0].members[i].offset);
    EXPECT_EQ((*r)[0].members[i].type_size, (*r4)[0].members[i].type_size);  // through refs: header size counted
  }
  EXPECT_TRUE(diag.warnings().empty());
}

TEST(DwarfStructs, Version6AndBadAddressSizeAreSkipped) {
  Bytes ab = Abbrevs(kTable), info = StackUnit();
  Bytes v6 = info;
  v6[4] = 6;
  Diagnostics diag;
  auto r = ReadStructs(View(v6), View(ab), Endian::kLittle, {"runtime.stack"}, &diag);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
  ASSERT_EQ(diag.warnings().size(), 1u);
  EXPECT_NE(diag.warnings()[0].find("version 6 is not read (2 to 5 are)"), std::string::npos);
  Bytes a3 = info;
  a3[10] = 3;
  Diagnostics diag2;
  r = ReadStructs(View(a3), View(ab), Endian::kLittle, {"runtime.stack"}, &diag2);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
  EXPECT_EQ(diag2.warnings().size(), 1u);
}

}  // namespace
}  // namespace exray::dwarf
