// Java class files and zip/jar archives: headers and the central directory.
#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <string_view>

#include "formats/bytecode/model.h"
#include "support/limits.h"

namespace exray::bytecode {

namespace {

constexpr uint32_t kClassMagic = 0xCAFEBABE;

// APPNOTE.TXT signatures (little-endian u32).
constexpr uint32_t kLocalSig = 0x04034b50, kCentralSig = 0x02014b50, kEocdSig = 0x06054b50;
constexpr uint32_t kZip64LocatorSig = 0x07064b50, kZip64EocdSig = 0x06064b50;
constexpr uint64_t kEocdSize = 22, kCentralSize = 46, kLocalSize = 30;

bool EndsWith(std::string_view s, std::string_view suf) { return s.size() >= suf.size() && s.substr(s.size() - suf.size()) == suf; }

bool EqualsNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

/// Raw-deflate (zip method 8) `in`, keeping at most max_out bytes; what was
/// inflated before an error or the cap is returned.
std::string InflateRaw(ByteView in, uint64_t max_out, bool* complete) {
  *complete = false;
  std::string out;
  z_stream zs{};
  if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) return out;
  out.resize(max_out);
  zs.next_in = const_cast<Bytef*>(in.data());  // zlib's API is not const; it does not write
  zs.avail_in = static_cast<uInt>(std::min<uint64_t>(in.size(), kMaxInflateInput));
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(max_out);
  int rc = inflate(&zs, Z_FINISH);
  *complete = rc == Z_STREAM_END;
  out.resize(zs.total_out);
  inflateEnd(&zs);
  return out;
}

struct EntryRef {
  uint16_t flags = 0, method = 0;
  uint64_t csize = 0, usize = 0, local_offset = 0;
  bool found = false;
};

/// The bytes of one entry, at most max_out of them: stored or deflated only.
std::optional<std::string> ReadEntry(ByteView b, const ByteSource* src, const EntryRef& e, uint64_t max_out,
                                     std::string_view what, std::vector<std::string>* warnings, bool* complete) {
  *complete = false;
  if (e.flags & 1) {
    warnings->push_back(fmt::format("{}: encrypted, not read", what));
    return std::nullopt;
  }
  if (e.method != 0 && e.method != 8) {
    warnings->push_back(fmt::format("{}: compression method {} not read", what, e.method));
    return std::nullopt;
  }
  Need(src, e.local_offset, kLocalSize);
  Reader r(b, Endian::kLittle, e.local_offset);
  uint32_t sig = r.U32();
  r.Skip(22);
  uint16_t name_len = r.U16(), extra_len = r.U16();
  if (!r.ok() || sig != kLocalSig) {
    warnings->push_back(fmt::format("{}: no local header at {:#x}", what, e.local_offset));
    return std::nullopt;
  }
  uint64_t data = r.offset() + name_len + extra_len;
  uint64_t take = std::min(e.csize, e.method == 0 ? max_out : kMaxInflateInput);
  Need(src, data, take);
  ByteView raw = b.Sub(data, take);
  if (raw.size() != take) {
    warnings->push_back(fmt::format("{}: data at {:#x} + {:#x} past the end of the file", what, data, take));
    return std::nullopt;
  }
  if (e.method == 0) {
    *complete = take == e.csize;
    return std::string(raw.AsString());
  }
  return InflateRaw(raw, max_out, complete);
}

/// The value of `key` in a manifest's main section (JAR spec: "name: value",
/// continuation lines start with one space, the main section ends at a blank line).
std::string ManifestValue(std::string_view text, std::string_view key) {
  std::string value;
  bool in_value = false;
  size_t pos = 0;
  while (pos < text.size()) {  // each pass consumes at least one character
    size_t end = text.find_first_of("\r\n", pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + (end < text.size() && text[end] == '\r' && end + 1 < text.size() && text[end + 1] == '\n' ? 2 : 1);
    if (line.empty()) break;  // end of the main section
    if (line[0] == ' ') {
      if (in_value) value += line.substr(1);
    } else {
      if (in_value) break;
      size_t colon = line.find(':');
      if (colon != std::string_view::npos && EqualsNoCase(line.substr(0, colon), key)) {
        in_value = true;
        std::string_view v = line.substr(colon + 1);
        if (!v.empty() && v[0] == ' ') v.remove_prefix(1);
        value = v;
      }
    }
    if (value.size() > kMaxManifestValue) break;
  }
  if (value.size() > kMaxManifestValue) value.resize(kMaxManifestValue);
  return value;
}

}  // namespace

std::string JavaClass::Release() const {
  // JVMS table 4.1-A: 45 is JDK 1.0.2/1.1, 46..48 are 1.2..1.4, then major - 44.
  if (major < 45 || major > kMaxClassMajor) return "";
  if (major <= 48) return major == 45 ? "1.1" : fmt::format("1.{}", major - 44);
  return fmt::format("{}", major - 44);
}

bool IsFatMachO(ByteView b) {
  uint32_t magic = 0, nfat = 0;
  if (!b.ReadInt(0, Endian::kBig, &magic) || !b.ReadInt(4, Endian::kBig, &nfat)) return false;
  // Same test as file(1)'s magic/Magdir/cafebabe: a small count is fat Mach-O.
  return (magic == kClassMagic || magic == 0xCAFEBABF) && nfat >= 1 && nfat < 45;
}

std::optional<JavaClass> ParseJavaClass(ByteView b) {
  uint32_t magic = 0;
  JavaClass c;
  if (!b.ReadInt(0, Endian::kBig, &magic) || magic != kClassMagic) return std::nullopt;
  if (!b.ReadInt(4, Endian::kBig, &c.minor) || !b.ReadInt(6, Endian::kBig, &c.major)) return std::nullopt;
  // Mach-O universal binaries share 0xCAFEBABE; their next u32 (big-endian) is
  // nfat_arch, a small number, so the low u16 where a class keeps its major is
  // < 45 and the high u16 (a class's minor) is 0. file(1) draws the same line.
  if (c.major < 45 || c.major > kMaxClassMajor) return std::nullopt;
  return c;
}

std::optional<ZipArchive> ParseZip(ByteView b, const ByteSource* src) {
  uint32_t sig = 0;
  if (!b.ReadInt(0, Endian::kLittle, &sig) || sig != kLocalSig) return std::nullopt;
  ZipArchive z;
  // The EOCD record: last in the file, before a comment of up to 64 KiB.
  if (b.size() < kEocdSize) {
    z.warnings.push_back("no end of central directory record: file shorter than 22 bytes");
    return z;
  }
  const uint64_t window = std::min(b.size(), kZipEocdWindow);
  Need(src, b.size() - window, window);
  uint64_t eocd = UINT64_MAX;
  for (uint64_t off = b.size() - kEocdSize + 1; off-- > b.size() - window;) {
    uint32_t s = 0;
    if (b.ReadInt(off, Endian::kLittle, &s) && s == kEocdSig) {
      eocd = off;
      break;
    }
  }
  if (eocd == UINT64_MAX) {
    z.warnings.push_back(fmt::format("no end of central directory record in the last {} bytes", window));
    return z;
  }
  Reader r(b, Endian::kLittle, eocd + 10);
  uint64_t total = r.U16();
  uint64_t cd_size = r.U32(), cd_offset = r.U32();
  // Zip64: the locator sits just before the EOCD and points at a 64-bit record.
  uint32_t loc_sig = 0;
  if (eocd >= 20) Need(src, eocd - 20, 20);
  if (eocd >= 20 && b.ReadInt(eocd - 20, Endian::kLittle, &loc_sig) && loc_sig == kZip64LocatorSig) {
    uint64_t rec = 0;
    (void)b.ReadInt(eocd - 12, Endian::kLittle, &rec);
    Need(src, rec, 56);
    Reader r64(b, Endian::kLittle, rec);
    if (r64.U32() == kZip64EocdSig) {
      r64.Skip(28);
      uint64_t t = r64.U64(), s = r64.U64(), o = r64.U64();
      if (r64.ok()) total = t, cd_size = s, cd_offset = o;
    }
    if (!r64.ok()) z.warnings.push_back(fmt::format("zip64 end of central directory at {:#x} unreadable", rec));
  }
  z.declared_entries = total;
  // Data prepended to the archive (a launcher script, a self-extractor) shifts
  // every offset; the central directory ends where the EOCD starts.
  uint64_t shift = 0;
  if (cd_size <= eocd && eocd - cd_size > cd_offset) shift = eocd - cd_size - cd_offset;
  uint64_t off = 0;
  if (auto o = CheckedAdd(cd_offset, shift)) off = *o;
  if (!InBounds(off, cd_size, b.size())) {
    z.warnings.push_back(fmt::format("central directory at {:#x} + {:#x} past the end of the file {:#x}", off, cd_size, b.size()));
    return z;
  }
  if (total > kMaxZipEntries) z.warnings.push_back(fmt::format("{} entries: only the first {} read", total, kMaxZipEntries));
  // Each record is at least 46 bytes, so the count is also bounded by the directory's size.
  if (total > cd_size / kCentralSize) {
    z.warnings.push_back(fmt::format("{} entries do not fit in a central directory of {:#x} bytes", total, cd_size));
    total = cd_size / kCentralSize;
  }
  total = std::min(total, kMaxZipEntries);
  Need(src, off, cd_size);
  ByteView cd = b.Sub(off, cd_size);
  EntryRef manifest, first_class;
  Reader c(cd, Endian::kLittle);
  for (uint64_t i = 0; i < total; ++i) {
    uint64_t at = c.offset();
    uint32_t csig = c.U32();
    c.Skip(4);
    uint16_t flags = c.U16(), method = c.U16();
    c.Skip(8);
    uint64_t csize = c.U32(), usize = c.U32();
    uint16_t name_len = c.U16(), extra_len = c.U16(), comment_len = c.U16();
    c.Skip(8);
    uint64_t local = c.U32();
    std::string_view name = cd.Sub(c.offset(), name_len).AsString();
    c.Skip(uint64_t{name_len} + extra_len + comment_len);
    if (!c.ok() || csig != kCentralSig) {
      z.warnings.push_back(fmt::format("central directory entry {} at {:#x}: bad signature or truncated", i, off + at));
      break;
    }
    ++z.entries;
    EntryRef ref{flags, method, csize, usize, local + shift, true};
    if (EqualsNoCase(name, "META-INF/MANIFEST.MF")) {
      z.manifest = true;
      manifest = ref;
    } else if (EndsWith(name, ".class")) {
      if (!first_class.found) {
        first_class = ref;
        z.first_class_name = name;
      }
      ++z.classes;
    } else if (name.starts_with("META-INF/") && EndsWith(name, ".kotlin_module")) {
      z.kotlin = true;
    }
  }
  if (manifest.found) {
    if (manifest.usize > kMaxManifestBytes) {
      z.warnings.push_back(fmt::format("META-INF/MANIFEST.MF: {} bytes, more than the {} read", manifest.usize, kMaxManifestBytes));
    } else {
      bool complete = false;
      if (auto text = ReadEntry(b, src, manifest, kMaxManifestBytes, "META-INF/MANIFEST.MF", &z.warnings, &complete)) {
        z.main_class = ManifestValue(*text, "Main-Class");
        z.created_by = ManifestValue(*text, "Created-By");
        z.build_jdk = ManifestValue(*text, "Build-Jdk");
        if (z.build_jdk.empty()) z.build_jdk = ManifestValue(*text, "Build-Jdk-Spec");
      }
    }
  }
  if (first_class.found) {
    bool complete = false;
    auto head = ReadEntry(b, src, first_class, 8, z.first_class_name, &z.warnings, &complete);
    if (head) {
      z.first_class = ParseJavaClass(ByteView(reinterpret_cast<const uint8_t*>(head->data()), head->size()));
      if (!z.first_class) z.warnings.push_back(fmt::format("{}: not a class file header", z.first_class_name));
    }
  }
  return z;
}

}  // namespace exray::bytecode
