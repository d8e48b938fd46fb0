#include <gtest/gtest.h>

#include "support/byte_view.h"
#include "support/checked.h"
#include "support/diag.h"

namespace exray {
namespace {

TEST(Checked, AddAndMulDetectOverflow) {
  EXPECT_EQ(CheckedAdd(1, 2), 3u);
  EXPECT_FALSE(CheckedAdd(UINT64_MAX, 1));
  EXPECT_EQ(CheckedMul(1u << 20, 1u << 20), uint64_t{1} << 40);
  EXPECT_FALSE(CheckedMul(uint64_t{1} << 32, uint64_t{1} << 32));
}

TEST(Checked, InBoundsNeverOverflows) {
  EXPECT_TRUE(InBounds(0, 10, 10));
  EXPECT_TRUE(InBounds(10, 0, 10));
  EXPECT_FALSE(InBounds(11, 0, 10));
  EXPECT_FALSE(InBounds(5, 6, 10));
  EXPECT_FALSE(InBounds(1, UINT64_MAX, 10));
  EXPECT_FALSE(InBounds(UINT64_MAX, 2, 10));
}

TEST(ByteView, SubOutOfRangeIsEmpty) {
  uint8_t b[4] = {1, 2, 3, 4};
  ByteView v(b, 4);
  EXPECT_EQ(v.Sub(1, 3).size(), 3u);
  EXPECT_TRUE(v.Sub(2, 3).empty());
  EXPECT_TRUE(v.Sub(UINT64_MAX, 1).empty());
  EXPECT_TRUE(v.From(5).empty());
  EXPECT_EQ(v.At(3), 4);
  EXPECT_EQ(v.At(4), 0);
}

TEST(ByteView, ReadsBothByteOrders) {
  uint8_t b[8] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};
  ByteView v(b, 8);
  uint32_t x = 0;
  ASSERT_TRUE(v.ReadInt<uint32_t>(0, Endian::kLittle, &x));
  EXPECT_EQ(x, 0x04030201u);
  ASSERT_TRUE(v.ReadInt<uint32_t>(0, Endian::kBig, &x));
  EXPECT_EQ(x, 0x01020304u);
  uint64_t y = 0;
  ASSERT_TRUE(v.ReadInt<uint64_t>(0, Endian::kBig, &y));
  EXPECT_EQ(y, 0x0102030405060708u);
  EXPECT_FALSE(v.ReadInt<uint32_t>(5, Endian::kLittle, &x));
  EXPECT_EQ(x, 0u);  // zeroed on failure
}

TEST(ByteView, CStringWithoutTerminatorStopsAtEnd) {
  const uint8_t b[] = {'a', 'b', 0, 'c', 'd'};
  ByteView v(b, sizeof b);
  bool nul = false;
  EXPECT_EQ(v.CString(0, &nul), "ab");
  EXPECT_TRUE(nul);
  EXPECT_EQ(v.CString(3, &nul), "cd");
  EXPECT_FALSE(nul);
  EXPECT_EQ(v.CString(99, &nul), "");
}

TEST(Reader, ErrorIsSticky) {
  uint8_t b[6] = {1, 0, 2, 0, 0, 0};
  Reader r(ByteView(b, 6), Endian::kLittle);
  EXPECT_EQ(r.U16(), 1);
  EXPECT_EQ(r.U64(), 0u);  // runs past the end
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.U16(), 0);  // would fit, but the error sticks
  EXPECT_FALSE(r.ok());
}

TEST(Reader, SkipAndSeekCheckBounds) {
  uint8_t b[4] = {};
  Reader r(ByteView(b, 4), Endian::kBig);
  r.Skip(4);
  EXPECT_TRUE(r.ok());
  r.Skip(1);
  EXPECT_FALSE(r.ok());
  Reader s(ByteView(b, 4), Endian::kBig, 5);
  EXPECT_FALSE(s.ok());
}

TEST(Diagnostics, DeduplicatesAndCaps) {
  Diagnostics d;
  d.Warn("a");
  d.Warn("a");
  EXPECT_EQ(d.warnings().size(), 1u);
  for (size_t i = 0; i < Diagnostics::kMaxWarnings + 10; ++i) d.Warn(std::to_string(i));
  EXPECT_EQ(d.warnings().size(), Diagnostics::kMaxWarnings);
  EXPECT_GT(d.dropped(), 0u);
}

}  // namespace
}  // namespace exray
