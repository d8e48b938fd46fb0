// Python .pyc, Lua/LuaJIT chunks and Erlang BEAM files: magic numbers and,
// for BEAM, the IFF chunk list.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "formats/bytecode/model.h"
#include "support/limits.h"

namespace exray::bytecode {

namespace {

/// CPython's .pyc magic numbers by release, from the history comment in
/// Lib/importlib/_bootstrap_external.py (3.13 and older) and
/// Include/internal/pycore_magic_number.h (3.14+). `first` is the first
/// alpha's number, `last` the one the release shipped with; numbers in
/// between come from pre-releases.
struct PycRange {
  uint16_t first, last;
  const char* version;
};
constexpr PycRange kPycMagics[] = {
    {62171, 62211, "2.7"}, {3320, 3351, "3.5"},  {3360, 3379, "3.6"},  {3390, 3394, "3.7"},
    {3400, 3413, "3.8"},   {3420, 3425, "3.9"},  {3430, 3439, "3.10"}, {3450, 3495, "3.11"},
    {3500, 3531, "3.12"},  {3550, 3571, "3.13"}, {3600, 3627, "3.14"},
};
/// Python 3 magics are 3000 + ...; since 3.11 release 3.n starts at 2900 + 50n.
/// An unlisted magic is accepted as Python only inside this range, because
/// any 2 bytes followed by "\r\n" would otherwise match (a text file's first line).
constexpr uint16_t kPyc3First = 3000, kPyc3Last = 3999;

constexpr uint64_t kBeamHeader = 12;

bool PrintableId(const uint8_t id[4]) {
  return std::all_of(id, id + 4, [](uint8_t ch) { return ch >= 0x20 && ch < 0x7f; });
}

/// The first atom of an "AtU8"/"Atom" chunk: u32 BE count, then each atom's
/// length and bytes. OTP 28 marks a compact-term length encoding with a
/// negative count (beam_lib); lengths are then tagged integers.
std::string FirstAtom(ByteView chunk) {
  Reader r(chunk, Endian::kBig);
  int32_t count = static_cast<int32_t>(r.U32());
  if (!r.ok() || count == 0) return "";
  uint64_t len = 0;
  uint8_t b0 = r.U8();
  if (count > 0) {
    len = b0;
  } else if (!(b0 & 0x08)) {
    len = b0 >> 4;  // 4-bit value
  } else if (!(b0 & 0x10)) {
    len = (uint64_t{b0} >> 5) << 8 | r.U8();  // 11-bit value
  } else {
    return "";  // longer encodings are not used for module names
  }
  if (!r.ok() || len > kMaxBeamModuleName) return "";
  ByteView name = chunk.Sub(r.offset(), len);
  return name.size() == len ? std::string(name.AsString()) : "";
}

}  // namespace

std::optional<Pyc> ParsePyc(ByteView b) {
  Pyc p;
  if (!b.ReadInt(0, Endian::kLittle, &p.magic) || b.At(2) != '\r' || b.At(3) != '\n' || b.size() < 4) return std::nullopt;
  for (const PycRange& r : kPycMagics) {
    if (p.magic >= r.first && p.magic <= r.last) {
      p.version = r.version;
      p.release = p.magic == r.last;
    }
  }
  if (p.version.empty() && (p.magic < kPyc3First || p.magic > kPyc3Last)) return std::nullopt;
  (void)b.ReadInt(4, Endian::kLittle, &p.flags);  // 3.7+; 0 when absent
  return p;
}

std::string LuaChunk::Release() const {
  if (luajit) return fmt::format("{}", version);  // BCDUMP_VERSION: 1 (LuaJIT 2.0), 2 (2.1)
  if (version >= 0x50 && version <= 0x59) return fmt::format("{}.{}", version >> 4, version & 0xf);
  return "";
}

std::optional<LuaChunk> ParseLuaChunk(ByteView b) {
  // lundump.h LUA_SIGNATURE "\x1bLua" then LUAC_VERSION (major*16+minor);
  // LuaJIT lj_bcdump.h: BCDUMP_HEAD1..3 = 0x1b 'L' 'J' then BCDUMP_VERSION.
  std::string_view s = b.Sub(0, std::min<uint64_t>(b.size(), 5)).AsString();
  if (s.size() == 5 && s.starts_with("\x1bLua")) return LuaChunk{false, static_cast<uint8_t>(s[4])};
  if (s.size() >= 4 && s.starts_with("\x1bLJ")) return LuaChunk{true, static_cast<uint8_t>(s[3])};
  return std::nullopt;
}

std::optional<Beam> ParseBeam(ByteView b, const ByteSource* src) {
  // beam_lib / erts/emulator/beam/beam_file.c: "FOR1" <u32 BE size> "BEAM", then IFF chunks.
  std::string_view head = b.Sub(0, std::min<uint64_t>(b.size(), kBeamHeader)).AsString();
  if (head.size() < kBeamHeader || !head.starts_with("FOR1") || head.substr(8, 4) != "BEAM") return std::nullopt;
  Beam m;
  (void)b.ReadInt(4, Endian::kBig, &m.form_size);
  uint64_t end = std::min<uint64_t>(b.size(), uint64_t{m.form_size} + 8);
  if (uint64_t{m.form_size} + 8 > b.size())
    m.warnings.push_back(fmt::format("form size {:#x} runs past the end of the file {:#x}", m.form_size, b.size()));
  uint64_t off = kBeamHeader;
  while (off + 8 <= end) {  // each chunk consumes at least its 8-byte header
    if (m.chunks.size() >= kMaxBeamChunks) {
      m.warnings.push_back(fmt::format("more than {} chunks: the rest not read", kMaxBeamChunks));
      break;
    }
    Need(src, off, 8);
    uint8_t id[4] = {};
    uint32_t size = 0;
    (void)b.Copy(off, id, 4);
    (void)b.ReadInt(off + 4, Endian::kBig, &size);
    std::string name(reinterpret_cast<const char*>(id), 4);
    if (!PrintableId(id)) {
      m.warnings.push_back(fmt::format("chunk at {:#x}: id is not printable", off));
      break;
    }
    if (!InBounds(off + 8, size, end)) {
      m.warnings.push_back(fmt::format("chunk {} at {:#x}: size {:#x} past the end of the form", name, off, size));
      break;
    }
    m.chunks.push_back(name);
    if ((name == "AtU8" || name == "Atom") && m.module.empty()) {
      Need(src, off + 8, std::min<uint64_t>(size, 4 + 2 + kMaxBeamModuleName));
      m.module = FirstAtom(b.Sub(off + 8, size));
    }
    off += 8 + ((uint64_t{size} + 3) & ~uint64_t{3});  // chunks are padded to 4 bytes
  }
  return m;
}

}  // namespace exray::bytecode
