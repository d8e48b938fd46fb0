#include <gtest/gtest.h>

#include <initializer_list>
#include <vector>

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

TEST(ByteView, BoundedCStringStopsAtTheBound) {
  const uint8_t b[] = {'a', 'b', 'c', 0, 'd', 'e'};
  ByteView v(b, sizeof b);
  bool nul = false, too_long = false;
  EXPECT_EQ(v.CString(0, 3, &nul, &too_long), "abc");  // the NUL is the (max_len + 1)th byte
  EXPECT_TRUE(nul);
  EXPECT_FALSE(too_long);
  EXPECT_EQ(v.CString(0, 2, &nul, &too_long), "ab");  // no NUL within 3 bytes, more left
  EXPECT_FALSE(nul);
  EXPECT_TRUE(too_long);
  EXPECT_EQ(v.CString(4, 1, &nul, &too_long), "d");  // max_len + 1 bytes left, none a NUL
  EXPECT_FALSE(nul);
  EXPECT_TRUE(too_long);
  EXPECT_EQ(v.CString(4, 2, &nul, &too_long), "de");  // exactly max_len bytes left, none a NUL
  EXPECT_FALSE(nul);
  EXPECT_FALSE(too_long);
  EXPECT_EQ(v.CString(6, 2, &nul, &too_long), "");  // at the end of the view
  EXPECT_FALSE(nul);
  EXPECT_FALSE(too_long);
}

// The bytes of a Reader, spelled as a list.
struct Bytes {
  std::vector<uint8_t> b;
  Bytes(std::initializer_list<uint8_t> l) : b(l) {}
  Reader At(uint64_t off = 0) const { return Reader(ByteView(b.data(), b.size()), Endian::kLittle, off); }
};

TEST(Reader, Uleb128Decodes) {
  Bytes b{0x00, 0x7f, 0xe5, 0x8e, 0x26, 0x80, 0x01};  // 0, 127, 624485 (DWARF 4 figure 22), 128
  Reader r = b.At();
  uint64_t v = 1;
  ASSERT_TRUE(r.Uleb128(&v));
  EXPECT_EQ(v, 0u);
  ASSERT_TRUE(r.Uleb128(&v));
  EXPECT_EQ(v, 127u);
  ASSERT_TRUE(r.Uleb128(&v));
  EXPECT_EQ(v, 624485u);
  ASSERT_TRUE(r.Uleb128(&v));
  EXPECT_EQ(v, 128u);
  EXPECT_EQ(r.offset(), 7u);
  EXPECT_FALSE(r.Uleb128(&v));  // at the exact end of the view
  EXPECT_EQ(v, 0u);
  EXPECT_FALSE(r.ok());
}

TEST(Reader, Uleb128TruncatedFailsAndSticks) {
  Bytes b{0x80, 0x80};
  Reader r = b.At();
  uint64_t v = 1;
  EXPECT_FALSE(r.Uleb128(&v));
  EXPECT_EQ(v, 0u);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.U8(), 0);  // sticky
}

TEST(Reader, Uleb128TenBytesAtMost) {
  Bytes max{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
  Reader r = max.At();
  uint64_t v = 0;
  ASSERT_TRUE(r.Uleb128(&v));
  EXPECT_EQ(v, UINT64_MAX);
  EXPECT_EQ(r.offset(), 10u);
  // Zero padded past 10 bytes: a wrap-free value, but longer than any 64-bit LEB128.
  Bytes padded{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
  Reader p = padded.At();
  EXPECT_FALSE(p.Uleb128(&v));
  EXPECT_FALSE(p.ok());
  // Nine bytes of padding and a final 0 in the 10th: still fine.
  Bytes nine{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
  Reader n = nine.At();
  ASSERT_TRUE(n.Uleb128(&v));
  EXPECT_EQ(v, 0u);
}

TEST(Reader, Uleb128OverflowIsAnErrorNotAWrap) {
  // Bit 64 set in the 10th byte: the old hand-rolled DWARF reader shifted it out.
  Bytes over{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02};
  Reader r = over.At();
  uint64_t v = 1;
  EXPECT_FALSE(r.Uleb128(&v));
  EXPECT_EQ(v, 0u);
  // 32-bit values (WebAssembly's u32): 5 bytes, the 5th at most 0x0f.
  Bytes u32max{0xff, 0xff, 0xff, 0xff, 0x0f};
  Reader a = u32max.At();
  ASSERT_TRUE(a.Uleb128(&v, 32));
  EXPECT_EQ(v, 0xffffffffu);
  Bytes u32over{0xff, 0xff, 0xff, 0xff, 0x10};
  Reader o = u32over.At();
  EXPECT_FALSE(o.Uleb128(&v, 32));
  Bytes u32long{0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
  Reader l = u32long.At();
  EXPECT_FALSE(l.Uleb128(&v, 32));
}

TEST(Reader, Sleb128SignExtends) {
  Bytes b{0x02, 0x7e, 0xff, 0x00, 0x81, 0x7f, 0x80, 0x7f, 0xc0, 0xbb, 0x78};
  // 2, -2, 127, -127, -128, -123456 (DWARF 4 figure 23 and LLVM's tests)
  Reader r = b.At();
  int64_t v = 0;
  ASSERT_TRUE(r.Sleb128(&v));
  EXPECT_EQ(v, 2);
  ASSERT_TRUE(r.Sleb128(&v));
  EXPECT_EQ(v, -2);
  ASSERT_TRUE(r.Sleb128(&v));
  EXPECT_EQ(v, 127);
  ASSERT_TRUE(r.Sleb128(&v));
  EXPECT_EQ(v, -127);
  ASSERT_TRUE(r.Sleb128(&v));
  EXPECT_EQ(v, -128);
  ASSERT_TRUE(r.Sleb128(&v));
  EXPECT_EQ(v, -123456);
  EXPECT_FALSE(r.Sleb128(&v));  // at the exact end of the view
  EXPECT_FALSE(r.ok());
}

TEST(Reader, Sleb128TenthByteHoldsOnlyTheSign) {
  Bytes min{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f};
  Reader r = min.At();
  int64_t v = 0;
  ASSERT_TRUE(r.Sleb128(&v));
  EXPECT_EQ(v, INT64_MIN);
  Bytes max{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00};
  Reader m = max.At();
  ASSERT_TRUE(m.Sleb128(&v));
  EXPECT_EQ(v, INT64_MAX);
  // 2^63 as a positive number does not fit an int64_t.
  Bytes over{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
  Reader o = over.At();
  EXPECT_FALSE(o.Sleb128(&v));
  EXPECT_EQ(v, 0);
  Bytes truncated{0xff};
  Reader t = truncated.At();
  EXPECT_FALSE(t.Sleb128(&v));
}

TEST(Reader, CStringNeedsANulWithinTheBound) {
  Bytes b{'a', 'b', 0, 'c', 'd', 'e', 0, 'f', 'g'};
  Reader r = b.At();
  std::string_view s;
  ASSERT_TRUE(r.CString(2, &s));  // exactly max_len bytes, then the NUL
  EXPECT_EQ(s, "ab");
  EXPECT_EQ(r.offset(), 3u);
  Reader longer = b.At(3);
  EXPECT_FALSE(longer.CString(2, &s));  // "cde" is one byte too long
  EXPECT_TRUE(s.empty());
  EXPECT_FALSE(longer.ok());
  Reader tail = b.At(7);
  EXPECT_FALSE(tail.CString(100, &s));  // "fg" runs to the end of the view without a NUL
  EXPECT_FALSE(tail.ok());
  Reader end = b.At(9);
  EXPECT_FALSE(end.CString(100, &s));  // at the exact end of the view
  Reader last = b.At(6);
  ASSERT_TRUE(last.CString(0, &s));  // a NUL alone: the empty string
  EXPECT_EQ(s, "");
  EXPECT_EQ(last.offset(), 7u);
}

TEST(Reader, BytesChecksBounds) {
  Bytes b{1, 2, 3};
  Reader r = b.At(1);
  ByteView v = r.Bytes(2);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v.At(0), 2);
  EXPECT_EQ(r.remaining(), 0u);
  EXPECT_TRUE(r.Bytes(1).empty());
  EXPECT_FALSE(r.ok());
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
