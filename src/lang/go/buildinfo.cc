#include "lang/go/buildinfo.h"

#include <fmt/format.h>

#include <algorithm>

#include "support/checked.h"

namespace exray::go {

namespace {

// Where the magic was found: vaddr of the 32-byte header.
struct Found {
  uint64_t vaddr;
  std::string where;
};

// Searches [r.vaddr, r.vaddr + min(r.size, kMaxScan)) for the 16-byte-aligned
// magic, chunk by chunk. The chunks are multiples of 16 long and the magic is
// shorter than 16 bytes, so an aligned magic never straddles two chunks.
std::optional<uint64_t> Scan(const AddressSpace& as, const MemRegion& r) {
  static_assert(kScanChunk % kBuildInfoAlign == 0 && kBuildInfoMagic.size() <= kBuildInfoAlign);
  uint64_t limit = std::min(r.size, kMaxScan);
  for (uint64_t off = 0; off < limit; off += kScanChunk) {
    auto start = CheckedAdd(r.vaddr, off);
    if (!start) return std::nullopt;
    ByteView chunk = as.Read(*start, std::min(kScanChunk, limit - off));
    std::string_view s = chunk.AsString();
    for (size_t i = s.find(kBuildInfoMagic); i != std::string_view::npos; i = s.find(kBuildInfoMagic, i + 1)) {
      // Alignment relative to the start of the area, as in debug/buildinfo.
      if (i % kBuildInfoAlign == 0) return *start + i;
    }
    if (chunk.size() < std::min(kScanChunk, limit - off)) return std::nullopt;  // ran out of file bytes
  }
  return std::nullopt;
}

std::optional<Found> Locate(const AddressSpace& as) {
  // ELF's .go.buildinfo, Mach-O's __DATA,__go_buildinfo.
  for (std::string_view name : {".go.buildinfo", "__go_buildinfo"})
    if (const MemRegion* s = as.FindSection(name); s && s->size > 0) {
      if (auto v = Scan(as, *s)) return Found{*v, fmt::format("{} section at {:#x}", name, *v)};
    }
  for (const MemRegion& seg : as.Segments()) {
    if (!seg.write || seg.exec) continue;
    // Only the first writable data segment, as debug/buildinfo does.
    if (auto v = Scan(as, seg)) return Found{*v, fmt::format("writable segment at {:#x}", *v)};
    return std::nullopt;
  }
  return std::nullopt;
}

// One inline string (uvarint length, bytes) at *vaddr; advances *vaddr.
Result<std::string> InlineString(const AddressSpace& as, uint64_t* vaddr, std::string_view what) {
  // A uvarint (encoding/binary) takes at most 10 bytes.
  Reader r(as.Read(*vaddr, 10), Endian::kLittle);
  uint64_t len = 0;
  if (!r.Uleb128(&len)) return MakeError(fmt::format("go buildinfo: {} length at {:#x}: bad or truncated uvarint", what, *vaddr));
  if (len > kMaxStringLen)
    return MakeError(fmt::format("go buildinfo: {} length {} at {:#x} exceeds the {} byte limit", what, len, *vaddr, kMaxStringLen));
  auto data = CheckedAdd(*vaddr, r.offset());
  if (!data) return MakeError(fmt::format("go buildinfo: {} at {:#x}: address overflow", what, *vaddr));
  ByteView b = as.Read(*data, len);
  if (b.size() != len)
    return MakeError(fmt::format("go buildinfo: {} at {:#x}: {} bytes claimed, {} readable", what, *data, len, b.size()));
  *vaddr = *data + len;
  return std::string(b.AsString());
}

// A Go string header {data, len} at vaddr (pointer mode), followed.
Result<std::string> PointerString(const AddressSpace& as, uint64_t vaddr, int ptr_size, Endian e, std::string_view what) {
  ByteView hdr = as.Read(vaddr, 2 * static_cast<uint64_t>(ptr_size));
  Reader r(hdr, e);
  uint64_t data = ptr_size == 8 ? r.U64() : r.U32();
  uint64_t len = ptr_size == 8 ? r.U64() : r.U32();
  // A header in .bss is a string the linker left empty (runtime.modinfo of a
  // build outside module mode, Go 1.13-1.17).
  if (!r.ok() && as.ZeroFilled(vaddr, 2 * static_cast<uint64_t>(ptr_size))) return std::string();
  if (!r.ok()) return MakeError(fmt::format("go buildinfo: {} string header at {:#x} is not in the file", what, vaddr));
  if (len > kMaxStringLen)
    return MakeError(fmt::format("go buildinfo: {} length {} at {:#x} exceeds the {} byte limit", what, len, vaddr, kMaxStringLen));
  ByteView b = as.Read(data, len);
  if (b.size() != len)
    return MakeError(fmt::format("go buildinfo: {} at {:#x}: {} bytes claimed, {} readable", what, data, len, b.size()));
  return std::string(b.AsString());
}

}  // namespace

std::optional<Result<BuildInfo>> ReadBuildInfo(const AddressSpace& as, Diagnostics* diag) {
  auto found = Locate(as);
  if (!found) return std::nullopt;
  ByteView hdr = as.Read(found->vaddr, kBuildInfoHeaderSize);
  if (hdr.size() != kBuildInfoHeaderSize)
    return Result<BuildInfo>(MakeError(fmt::format("go buildinfo: header at {:#x} is truncated", found->vaddr)));
  BuildInfo bi;
  bi.where = found->where;
  uint8_t ptr_size = hdr.At(14), flags = hdr.At(15);
  std::string mod;
  if (flags & 0x2) {
    bi.inline_strings = true;
    uint64_t at = found->vaddr + kBuildInfoHeaderSize;
    auto vers_or = InlineString(as, &at, "version");
    if (!vers_or) return Result<BuildInfo>(vers_or.error());
    auto mod_or = InlineString(as, &at, "modinfo");
    if (!mod_or) return Result<BuildInfo>(mod_or.error());
    bi.version = std::move(*vers_or);
    mod = std::move(*mod_or);
  } else {
    if (ptr_size != 4 && ptr_size != 8)
      return Result<BuildInfo>(MakeError(fmt::format("go buildinfo: pointer size {} at {:#x} is not 4 or 8", ptr_size, found->vaddr)));
    Endian e = flags & 0x1 ? Endian::kBig : Endian::kLittle;
    Reader r(hdr, e, 16);
    uint64_t vers_ptr = ptr_size == 8 ? r.U64() : r.U32();
    uint64_t mod_ptr = ptr_size == 8 ? r.U64() : r.U32();
    auto vers_or = PointerString(as, vers_ptr, ptr_size, e, "version");
    if (!vers_or) return Result<BuildInfo>(vers_or.error());
    auto mod_or = PointerString(as, mod_ptr, ptr_size, e, "modinfo");
    if (!mod_or) return Result<BuildInfo>(mod_or.error());
    bi.version = std::move(*vers_or);
    mod = std::move(*mod_or);
  }
  if (bi.version.empty())
    return Result<BuildInfo>(MakeError(fmt::format("go buildinfo at {:#x}: empty Go version", found->vaddr)));
  // Sentinels of 16 bytes on each side (cmd/go/internal/modload/build.go infoStart/infoEnd).
  if (mod.size() >= 33 && mod[mod.size() - 17] == '\n') {
    bi.mod = ParseModInfo(std::string_view(mod).substr(16, mod.size() - 32), diag);
  } else if (!mod.empty()) {
    diag->Warn(fmt::format("go buildinfo at {:#x}: modinfo of {} bytes lacks its sentinels; ignored", found->vaddr, mod.size()));
  }
  return Result<BuildInfo>(std::move(bi));
}

}  // namespace exray::go
