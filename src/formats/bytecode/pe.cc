// PE headers, as far as needed to find a .NET (CLI) assembly's runtime header
// and metadata version (PE/COFF spec; ECMA-335 §II.25.3.3 and §II.24.2.1).
#include <fmt/format.h>

#include <algorithm>

#include "formats/bytecode/model.h"
#include "support/limits.h"

namespace exray::bytecode {

namespace {

constexpr uint32_t kPeSig = 0x00004550;       // "PE\0\0"
constexpr uint32_t kMetadataSig = 0x424A5342;  // "BSJB"
constexpr uint16_t kPe32 = 0x10b, kPe32Plus = 0x20b;
constexpr uint64_t kComDescriptorDir = 14;
constexpr uint64_t kSectionHeaderSize = 40, kCliHeaderSize = 72;

struct Section {
  uint32_t va = 0, vsize = 0, raw_size = 0, raw_ptr = 0;
};

std::optional<uint64_t> RvaToOffset(const std::vector<Section>& secs, uint64_t rva, uint64_t len) {
  for (const Section& s : secs) {
    if (rva < s.va) continue;
    uint64_t delta = rva - s.va;
    if (InBounds(delta, len, s.raw_size)) return uint64_t{s.raw_ptr} + delta;
  }
  return std::nullopt;
}

}  // namespace

std::optional<PeFile> ParsePe(ByteView b, const ByteSource* src) {
  Need(src, 0, 0x40);
  uint16_t mz = 0;
  uint32_t lfanew = 0, sig = 0;
  if (!b.ReadInt(0, Endian::kLittle, &mz) || mz != 0x5A4D) return std::nullopt;
  if (!b.ReadInt(0x3c, Endian::kLittle, &lfanew)) return std::nullopt;
  Need(src, lfanew, 24 + 240);
  if (!b.ReadInt(lfanew, Endian::kLittle, &sig) || sig != kPeSig) return std::nullopt;  // DOS program, or NE/LE
  PeFile pe;
  Reader r(b, Endian::kLittle, uint64_t{lfanew} + 4);
  pe.machine = r.U16();
  pe.sections = r.U16();
  r.Skip(12);
  uint16_t opt_size = r.U16();
  r.Skip(2);
  const uint64_t opt = r.offset();
  uint16_t magic = r.U16();
  if (!r.ok()) {
    pe.warnings.push_back("COFF header truncated");
    return pe;
  }
  if (magic != kPe32 && magic != kPe32Plus) {
    pe.warnings.push_back(fmt::format("optional header magic {:#x} is neither PE32 nor PE32+", magic));
    return pe;
  }
  pe.pe32plus = magic == kPe32Plus;
  const uint64_t dirs = opt + (pe.pe32plus ? 112 : 96);  // NumberOfRvaAndSizes is the u32 just before
  uint32_t ndirs = 0, cli_rva = 0, cli_size = 0;
  (void)b.ReadInt(dirs - 4, Endian::kLittle, &ndirs);
  if (ndirs <= kComDescriptorDir || dirs + (kComDescriptorDir + 1) * 8 > opt + opt_size) return pe;  // no COM descriptor
  (void)b.ReadInt(dirs + kComDescriptorDir * 8, Endian::kLittle, &cli_rva);
  (void)b.ReadInt(dirs + kComDescriptorDir * 8 + 4, Endian::kLittle, &cli_size);
  if (cli_rva == 0 || cli_size == 0) return pe;
  pe.cli_directory = true;

  const uint64_t sec_table = opt + opt_size;
  uint16_t nsec = std::min(pe.sections, kMaxPeSections);
  Need(src, sec_table, nsec * kSectionHeaderSize);
  if (!b.Contains(sec_table, nsec * kSectionHeaderSize)) {
    pe.warnings.push_back(fmt::format("section table at {:#x}: {} sections past the end of the file", sec_table, nsec));
    nsec = static_cast<uint16_t>(sec_table < b.size() ? (b.size() - sec_table) / kSectionHeaderSize : 0);
  }
  std::vector<Section> secs;
  for (uint16_t i = 0; i < nsec; ++i) {
    Reader s(b, Endian::kLittle, sec_table + i * kSectionHeaderSize + 8);
    Section x;
    x.vsize = s.U32();
    x.va = s.U32();
    x.raw_size = s.U32();
    x.raw_ptr = s.U32();
    if (s.ok()) secs.push_back(x);
  }
  auto cli_off = RvaToOffset(secs, cli_rva, kCliHeaderSize);
  if (!cli_off) {
    pe.warnings.push_back(fmt::format("CLI header RVA {:#x} is in no section's file data", cli_rva));
    return pe;
  }
  Need(src, *cli_off, kCliHeaderSize);
  Reader c(b, Endian::kLittle, *cli_off);
  CliHeader h;
  h.cb = c.U32();
  h.runtime_major = c.U16();
  h.runtime_minor = c.U16();
  h.metadata_rva = c.U32();
  h.metadata_size = c.U32();
  h.flags = c.U32();
  if (!c.ok()) {
    pe.warnings.push_back(fmt::format("CLI header at {:#x} truncated", *cli_off));
    return pe;
  }
  if (auto md = RvaToOffset(secs, h.metadata_rva, 16)) {
    Need(src, *md, 16 + kMaxMetadataVersion);
    Reader m(b, Endian::kLittle, *md);
    uint32_t msig = m.U32();
    m.Skip(8);
    uint32_t len = m.U32();
    if (m.ok() && msig == kMetadataSig) {
      h.metadata_version = std::string(b.Sub(m.offset(), std::min(len, kMaxMetadataVersion)).CString(0));
    } else {
      pe.warnings.push_back(fmt::format("metadata root at {:#x}: no BSJB signature", *md));
    }
  } else {
    pe.warnings.push_back(fmt::format("metadata RVA {:#x} is in no section's file data", h.metadata_rva));
  }
  pe.cli = h;
  return pe;
}

}  // namespace exray::bytecode
