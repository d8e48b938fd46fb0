#include "formats/pe/parser.h"

#include <fmt/format.h>

#include <algorithm>

#include "support/limits.h"

namespace exray::pe {

namespace {

constexpr Endian kLe = Endian::kLittle;

uint32_t U32(ByteView b, uint64_t off) {
  uint32_t v = 0;
  b.ReadInt<uint32_t>(off, kLe, &v);
  return v;
}
uint16_t U16(ByteView b, uint64_t off) {
  uint16_t v = 0;
  b.ReadInt<uint16_t>(off, kLe, &v);
  return v;
}
uint64_t U64(ByteView b, uint64_t off) {
  uint64_t v = 0;
  b.ReadInt<uint64_t>(off, kLe, &v);
  return v;
}

class Parser {
 public:
  Parser(ByteView b, File* f) : b_(b), f_(*f) {}

  bool Headers() {
    Header& h = f_.header;
    h.pe_offset = U32(b_, 0x3c);
    const uint64_t coff = h.pe_offset + 4;
    if (!b_.Contains(coff, 20)) return false;
    h.machine = U16(b_, coff);
    h.nsections = U16(b_, coff + 2);
    h.timestamp = U32(b_, coff + 4);
    h.symtab_offset = U32(b_, coff + 8);
    h.nsymbols = U32(b_, coff + 12);
    h.opt_size = U16(b_, coff + 16);
    h.characteristics = U16(b_, coff + 18);
    const uint64_t opt = coff + 20;
    const uint16_t magic = U16(b_, opt);
    if (h.opt_size < 2 || (magic != 0x10b && magic != 0x20b)) {
      f_.diag.Warn(fmt::format("optional header magic {:#x} (size {}): neither PE32 nor PE32+", magic, h.opt_size));
      return true;
    }
    if (!b_.Contains(opt, h.opt_size)) f_.diag.Warn("the optional header runs past the end of the file");
    h.pe32plus = magic == 0x20b;
    const ByteView o = b_.Sub(opt, std::min<uint64_t>(h.opt_size, b_.size() - std::min<uint64_t>(opt, b_.size())));
    h.linker_major = o.At(2);
    h.linker_minor = o.At(3);
    h.entry_rva = U32(o, 16);
    h.image_base = h.pe32plus ? U64(o, 24) : U32(o, 28);
    h.section_alignment = U32(o, 32);
    h.file_alignment = U32(o, 36);
    h.os_major = U16(o, 40);
    h.os_minor = U16(o, 42);
    h.subsystem_major = U16(o, 48);
    h.subsystem_minor = U16(o, 50);
    h.image_size = U32(o, 56);
    h.headers_size = U32(o, 60);
    h.checksum = U32(o, 64);
    h.subsystem = U16(o, 68);
    h.dll_characteristics = U16(o, 70);
    const uint64_t nrva_at = h.pe32plus ? 108 : 92;
    h.nrva_and_sizes = U32(o, nrva_at);
    const uint64_t n = std::min<uint64_t>(h.nrva_and_sizes, 16);
    for (uint64_t i = 0; i < n; ++i) {
      const uint64_t at = nrva_at + 4 + 8 * i;
      if (!o.Contains(at, 8)) {
        f_.diag.Warn(fmt::format("data directory {} lies past the optional header; {} of {} read", i, i,
                                 h.nrva_and_sizes));
        break;
      }
      h.directories.push_back({U32(o, at), U32(o, at + 4)});
    }
    return true;
  }

  void Sections() {
    const Header& h = f_.header;
    const uint64_t table = h.pe_offset + 24 + h.opt_size;
    uint64_t n = h.nsections;
    if (n > kMaxPeSections) {
      f_.diag.Warn(fmt::format("{} sections: the first {} are read", n, kMaxPeSections));
      n = kMaxPeSections;
    }
    // COFF string table (long section names "/N"): right after the symbols.
    const uint64_t strtab = uint64_t{h.symtab_offset} + uint64_t{h.nsymbols} * 18;
    for (uint64_t i = 0; i < n; ++i) {
      const uint64_t at = table + 40 * i;
      if (!b_.Contains(at, 40)) {
        f_.diag.Warn(fmt::format("section table runs past the end of the file; {} of {} read", i, h.nsections));
        break;
      }
      Section s;
      std::string_view raw(reinterpret_cast<const char*>(b_.data() + at), 8);
      s.name = raw.substr(0, raw.find('\0'));
      if (s.name.size() > 1 && s.name[0] == '/' && h.symtab_offset) {
        uint64_t off = 0;
        bool digits = true;
        for (char c : s.name.substr(1)) digits &= c >= '0' && c <= '9', off = off * 10 + static_cast<uint64_t>(c - '0');
        if (digits && strtab + off < b_.size()) s.name = b_.CString(strtab + off);
      }
      s.virtual_size = U32(b_, at + 8);
      s.virtual_address = U32(b_, at + 12);
      s.raw_size = U32(b_, at + 16);
      s.raw_offset = U32(b_, at + 20);
      s.characteristics = U32(b_, at + 36);
      s.in_file = s.raw_size && b_.Contains(s.raw_offset, s.raw_size);
      if (s.raw_size && !s.in_file)
        f_.diag.Warn(fmt::format("section {} raw data [{:#x}, +{:#x}) runs past the end of the file", s.name,
                                 s.raw_offset, s.raw_size));
      if (s.raw_size) f_.image_end = std::max<uint64_t>(f_.image_end, uint64_t{s.raw_offset} + s.raw_size);
      f_.sections.push_back(s);
    }
  }

  // A NUL-terminated string at rva, or empty (with a warning) when it is not in the file.
  std::string_view StringAt(uint32_t rva, std::string_view what) {
    const std::optional<uint64_t> off = f_.Offset(rva);
    bool nul = false;
    std::string_view s = off ? b_.CString(*off, &nul) : std::string_view();
    if (!off || !nul) {
      Warn(fmt::format("{} at RVA {:#x} is not a string in the file", what, rva));
      return {};
    }
    return s.substr(0, kMaxPeName);
  }

  void Warn(std::string w) { f_.diag.Warn(std::move(w)); }

  // A thunk array at rva: names or ordinals until the zero entry.
  void Thunks(uint32_t rva, ImportDll* dll) {
    const bool wide = f_.header.pe32plus;
    const uint64_t entry = wide ? 8 : 4;
    for (uint64_t i = 0;; ++i) {
      if (functions_ >= kMaxPeImportFunctions) {
        if (!functions_capped_) Warn(fmt::format("more than {} imported functions: the rest are not read", kMaxPeImportFunctions));
        functions_capped_ = true;
        return;
      }
      const ByteView v = f_.AtRva(static_cast<uint32_t>(rva + i * entry), entry);
      if (v.size() < entry) {
        Warn(fmt::format("{}: the import thunks at RVA {:#x} run off the file after {} entries", dll->name, rva, i));
        return;
      }
      const uint64_t t = wide ? U64(v, 0) : U32(v, 0);
      if (t == 0) return;
      ImportFunction fn;
      const uint64_t ordinal_flag = wide ? (uint64_t{1} << 63) : (uint64_t{1} << 31);
      if (t & ordinal_flag) {
        fn.ordinal = static_cast<uint16_t>(t & 0xffff);
      } else {
        const uint32_t at = static_cast<uint32_t>(t & 0x7fffffff);
        const ByteView hint = f_.AtRva(at, 2);
        fn.hint = hint.size() == 2 ? U16(hint, 0) : 0;
        fn.name = StringAt(at + 2, "an imported name");
      }
      dll->functions.push_back(fn);
      ++functions_;
    }
  }

  void Imports() {
    const DataDirectory* d = f_.Directory(kDirImport);
    if (!d) return;
    for (uint64_t i = 0;; ++i) {
      if (f_.imports.size() >= kMaxPeImportDlls) {
        Warn(fmt::format("more than {} import descriptors: the rest are not read", kMaxPeImportDlls));
        return;
      }
      const ByteView v = f_.AtRva(static_cast<uint32_t>(d->rva + i * 20), 20);
      if (v.size() < 20) {
        Warn(fmt::format("the import directory at RVA {:#x} runs off the file after {} descriptors", d->rva, i));
        return;
      }
      const uint32_t lookup = U32(v, 0), name = U32(v, 12), iat = U32(v, 16);
      if (lookup == 0 && name == 0 && iat == 0) return;
      ImportDll dll;
      dll.name = StringAt(name, "an imported DLL's name");
      Thunks(lookup ? lookup : iat, &dll);
      f_.imports.push_back(std::move(dll));
    }
  }

  void DelayImports() {
    const DataDirectory* d = f_.Directory(kDirDelayImport);
    if (!d) return;
    for (uint64_t i = 0;; ++i) {
      if (f_.imports.size() >= kMaxPeImportDlls) {
        Warn(fmt::format("more than {} import descriptors: the rest are not read", kMaxPeImportDlls));
        return;
      }
      const ByteView v = f_.AtRva(static_cast<uint32_t>(d->rva + i * 32), 32);
      if (v.size() < 32) {
        Warn(fmt::format("the delay-import directory at RVA {:#x} runs off the file after {} entries", d->rva, i));
        return;
      }
      const uint32_t attrs = U32(v, 0);
      uint64_t name = U32(v, 4), names = U32(v, 16);
      if (name == 0) return;
      // Attribute bit 0 clear: VC6-era entries hold addresses, not RVAs.
      if (!(attrs & 1)) {
        name = name >= f_.header.image_base ? name - f_.header.image_base : 0;
        names = names >= f_.header.image_base ? names - f_.header.image_base : 0;
      }
      ImportDll dll;
      dll.delay = true;
      dll.name = StringAt(static_cast<uint32_t>(name), "a delay-loaded DLL's name");
      if (names) Thunks(static_cast<uint32_t>(names), &dll);
      f_.imports.push_back(std::move(dll));
    }
  }

  void ExportTable() {
    const DataDirectory* d = f_.Directory(kDirExport);
    if (!d) return;
    const ByteView v = f_.AtRva(d->rva, 40);
    if (v.size() < 40) {
      Warn(fmt::format("the export directory at RVA {:#x} is not in the file", d->rva));
      return;
    }
    Exports e;
    e.dll_name = StringAt(U32(v, 12), "the export directory's DLL name");
    e.ordinal_base = U32(v, 16);
    e.nfunctions = U32(v, 20);
    e.nnames = U32(v, 24);
    const uint32_t names = U32(v, 32);
    const uint64_t n = std::min<uint64_t>(e.nnames, kMaxPeExportNames);
    if (e.nnames > kMaxPeExportNames)
      Warn(fmt::format("{} exported names: the first {} are read", e.nnames, kMaxPeExportNames));
    for (uint64_t i = 0; i < n; ++i) {
      const ByteView p = f_.AtRva(static_cast<uint32_t>(names + 4 * i), 4);
      if (p.size() < 4) {
        Warn(fmt::format("the export name table runs off the file after {} of {} names", i, e.nnames));
        break;
      }
      e.names.push_back(StringAt(U32(p, 0), "an exported name"));
    }
    f_.exports = std::move(e);
  }

  void Debug() {
    const DataDirectory* d = f_.Directory(kDirDebug);
    if (!d) return;
    const uint64_t n = d->size / 28;
    for (uint64_t i = 0; i < n; ++i) {
      if (i >= kMaxPeDebugEntries) {
        Warn(fmt::format("{} debug directory entries: the first {} are read", n, kMaxPeDebugEntries));
        break;
      }
      const ByteView v = f_.AtRva(static_cast<uint32_t>(d->rva + 28 * i), 28);
      if (v.size() < 28) {
        Warn(fmt::format("the debug directory runs off the file after {} entries", i));
        break;
      }
      DebugEntry e{U32(v, 12), U32(v, 16), U32(v, 20), U32(v, 24)};
      f_.debug.push_back(e);
      const ByteView data = b_.Sub(e.file_offset, e.size);
      if (e.type == 2 && data.size() >= 24 && U32(data, 0) == 0x53445352 /* RSDS */ && !f_.codeview) {
        CodeView cv;
        data.Copy(4, cv.guid.data(), 16);
        cv.age = U32(data, 20);
        cv.pdb_path = data.CString(24);
        f_.codeview = cv;
      } else if (e.type == 20 && data.size() >= 4) {
        f_.dll_characteristics_ex = U32(data, 0);
      }
    }
  }

  void LoadConfiguration() {
    const DataDirectory* d = f_.Directory(kDirLoadConfig);
    if (!d) return;
    const ByteView head = f_.AtRva(d->rva, 4);
    if (head.size() < 4) {
      Warn(fmt::format("the load configuration at RVA {:#x} is not in the file", d->rva));
      return;
    }
    LoadConfig lc;
    lc.size = U32(head, 0);
    const ByteView v = f_.AtRva(d->rva, std::min<uint64_t>(lc.size, 0x400));
    const bool wide = f_.header.pe32plus;
    // Fields exist only as far as the structure's own size goes (it grew with each Windows release).
    auto word = [&](uint64_t off32, uint64_t off64) -> std::optional<uint64_t> {
      const uint64_t off = wide ? off64 : off32, len = wide ? 8 : 4;
      if (off + len > v.size()) return std::nullopt;
      return wide ? U64(v, off) : U32(v, off);
    };
    lc.security_cookie = word(60, 88).value_or(0);
    if (!wide) lc.se_handler_count = word(68, 104);
    if (v.size() >= (wide ? 148u : 92u)) lc.guard_flags = U32(v, wide ? 144 : 88);
    f_.load_config = lc;
  }

  void Certificate() {
    // The security directory's address is a file offset, not an RVA.
    const DataDirectory* d = f_.Directory(kDirSecurity);
    if (!d || d->size < 8) return;
    const ByteView v = b_.Sub(d->rva, 8);
    if (v.empty()) {
      Warn(fmt::format("the certificate table at file offset {:#x} (+{:#x}) is not in the file", d->rva, d->size));
      return;
    }
    f_.certificate_type = U16(v, 6);
  }

  // The Rich header: "Rich" and a key end it; "DanS" xor the key starts it,
  // then three padding words, then (comp.id, count) pairs, all xor the key.
  void Rich() {
    const uint64_t end = std::min<uint64_t>(f_.header.pe_offset, b_.size());
    uint64_t rich = 0;
    for (uint64_t off = 0x80; off + 8 <= end; off += 4)
      if (U32(b_, off) == 0x68636952 /* Rich */) {
        rich = off;
        break;
      }
    if (!rich) return;
    const uint32_t key = U32(b_, rich + 4);
    uint64_t dans = 0;
    for (uint64_t off = rich; off >= 0x80 + 4 && off > 4;) {
      off -= 4;
      if ((U32(b_, off) ^ key) == 0x536e6144 /* DanS */) {
        dans = off;
        break;
      }
    }
    if (!dans) {
      Warn("a Rich header without its DanS start");
      return;
    }
    for (uint64_t off = dans + 16; off + 8 <= rich; off += 8) {
      if (f_.rich.size() >= kMaxRichEntries) {
        Warn(fmt::format("more than {} Rich header entries: the rest are not read", kMaxRichEntries));
        break;
      }
      const uint32_t id = U32(b_, off) ^ key, count = U32(b_, off + 4) ^ key;
      f_.rich.push_back({static_cast<uint16_t>(id >> 16), static_cast<uint16_t>(id & 0xffff), count});
    }
  }

 private:
  ByteView b_;
  File& f_;
  uint64_t functions_ = 0;
  bool functions_capped_ = false;
};

}  // namespace

bool IsPe(ByteView bytes) {
  if (bytes.size() < 0x40 || bytes.At(0) != 'M' || bytes.At(1) != 'Z') return false;
  const uint32_t lfanew = U32(bytes, 0x3c);
  return U32(bytes, lfanew) == 0x00004550 && bytes.Contains(lfanew, 4);
}

Result<File> Parse(ByteView bytes) {
  if (!IsPe(bytes)) return Error{"not a PE file (no MZ header pointing at PE\\0\\0)"};
  File f;
  f.bytes = bytes;
  Parser p(bytes, &f);
  if (!p.Headers()) return Error{"the COFF file header runs past the end of the file"};
  p.Sections();
  p.Imports();
  p.DelayImports();
  p.ExportTable();
  p.Debug();
  p.LoadConfiguration();
  p.Certificate();
  p.Rich();
  return f;
}

std::optional<uint64_t> File::Offset(uint32_t rva) const {
  for (const Section& s : sections) {
    const uint32_t span = std::max(s.virtual_size, s.raw_size);
    if (rva < s.virtual_address || rva - s.virtual_address >= span) continue;
    const uint64_t delta = rva - s.virtual_address;
    if (delta >= s.raw_size) return std::nullopt;  // the zero-filled tail
    return uint64_t{s.raw_offset} + delta;
  }
  if (rva < header.headers_size) return rva;
  return std::nullopt;
}

ByteView File::AtRva(uint32_t rva, uint64_t len) const {
  const std::optional<uint64_t> off = Offset(rva);
  if (!off || *off >= bytes.size()) return {};
  // As far as the section's raw data (or the file) goes.
  uint64_t room = bytes.size() - *off;
  for (const Section& s : sections)
    if (rva >= s.virtual_address && rva - s.virtual_address < s.raw_size)
      room = std::min<uint64_t>(room, s.raw_size - (rva - s.virtual_address));
  return bytes.Sub(*off, std::min(len, room));
}

const Section* File::FindSection(std::string_view name) const {
  for (const Section& s : sections)
    if (s.name == name) return &s;
  return nullptr;
}

std::string MachineName(uint16_t m) {
  switch (m) {
    case kMachineI386: return "IMAGE_FILE_MACHINE_I386";
    case kMachineAmd64: return "IMAGE_FILE_MACHINE_AMD64";
    case kMachineArm64: return "IMAGE_FILE_MACHINE_ARM64";
    case kMachineArmNt: return "IMAGE_FILE_MACHINE_ARMNT";
    case kMachineArm: return "IMAGE_FILE_MACHINE_ARM";
    case 0: return "IMAGE_FILE_MACHINE_UNKNOWN";
    default: return fmt::format("{:#x}", m);
  }
}

std::string_view ArchName(uint16_t m) {
  switch (m) {
    case kMachineI386: return "i386";
    case kMachineAmd64: return "x86_64";
    case kMachineArm64: return "aarch64";
    case kMachineArmNt:
    case kMachineArm: return "arm";
    default: return "";
  }
}

std::string_view SubsystemName(uint16_t s) {
  switch (s) {
    case 1: return "native";
    case 2: return "windows-gui";
    case 3: return "windows-cui";
    case 9: return "windows-ce-gui";
    case 10: return "efi-application";
    case 11: return "efi-boot-service-driver";
    case 12: return "efi-runtime-driver";
    case 13: return "efi-rom";
    case 14: return "xbox";
    case 16: return "windows-boot-application";
    default: return "";
  }
}

std::string_view VisualStudioFor(uint16_t product, uint16_t build) {
  if (product <= 1) return "";  // 0: unmarked objects; 1: the count of imports (Import0)
  if (product < 0x00fd) return "VS2013 or older";
  if (build < 25000) return "VS2015 (MSVC 14.0)";
  if (build < 27500) return "VS2017 (MSVC 14.1x)";
  if (build < 30500) return "VS2019 (MSVC 14.2x)";
  return "VS2022 (MSVC 14.3x or later)";
}

}  // namespace exray::pe
