#include "formats/macho/parser.h"

#include <fmt/format.h>

#include <algorithm>

#include "support/limits.h"

namespace exray::macho {

namespace {

// Load commands (<mach-o/loader.h>); LC_REQ_DYLD marks those dyld must
// understand to load the image.
constexpr uint32_t kReqDyld = 0x80000000;
constexpr uint32_t kLcSegment = 0x1, kLcSymtab = 0x2, kLcThread = 0x4, kLcUnixThread = 0x5, kLcDysymtab = 0xb,
                   kLcLoadDylib = 0xc, kLcIdDylib = 0xd, kLcLoadDylinker = 0xe, kLcLoadWeakDylib = 0x18 | kReqDyld,
                   kLcSegment64 = 0x19, kLcUuid = 0x1b, kLcRpath = 0x1c | kReqDyld, kLcCodeSignature = 0x1d,
                   kLcSegmentSplitInfo = 0x1e, kLcReexportDylib = 0x1f | kReqDyld, kLcLazyLoadDylib = 0x20,
                   kLcEncryptionInfo = 0x21, kLcDyldInfo = 0x22, kLcDyldInfoOnly = 0x22 | kReqDyld,
                   kLcLoadUpwardDylib = 0x23 | kReqDyld, kLcVersionMinMacosx = 0x24, kLcVersionMinIphoneos = 0x25,
                   kLcFunctionStarts = 0x26, kLcMain = 0x28 | kReqDyld, kLcDataInCode = 0x29,
                   kLcSourceVersion = 0x2a, kLcDylibCodeSignDrs = 0x2b, kLcEncryptionInfo64 = 0x2c,
                   kLcLinkerOptimizationHint = 0x2e, kLcVersionMinTvos = 0x2f, kLcVersionMinWatchos = 0x30,
                   kLcBuildVersion = 0x32, kLcDyldExportsTrie = 0x33 | kReqDyld,
                   kLcDyldChainedFixups = 0x34 | kReqDyld, kLcAtomInfo = 0x36;

constexpr uint64_t kSegmentName = 16;  // segname and sectname are char[16], NUL-padded

// A char[16] name: up to its first NUL, all 16 bytes when it has none.
std::string_view FixedName(ByteView b) {
  std::string_view s(reinterpret_cast<const char*>(b.data()), b.size());
  return s.substr(0, s.find('\0'));
}

// A thin image's magic and byte order; nullopt when the word is no Mach-O magic.
std::optional<Header> Magic(ByteView bytes) {
  uint32_t le = 0;
  if (!bytes.ReadInt<uint32_t>(0, Endian::kLittle, &le)) return std::nullopt;
  Header h;
  if (le == kMagic32 || le == kMagic64) {
    h.endian = Endian::kLittle;
  } else if (ByteSwap(le) == kMagic32 || ByteSwap(le) == kMagic64) {
    h.endian = Endian::kBig;
    le = ByteSwap(le);
  } else {
    return std::nullopt;
  }
  h.magic = le;
  h.is64 = le == kMagic64;
  h.size = h.is64 ? 32 : 28;
  return h;
}

class Parser {
 public:
  Parser(ByteView bytes, File* f) : b_(bytes), f_(*f), e_(f->header.endian) {}

  void Commands() {
    const Header& h = f_.header;
    // The commands must fit sizeofcmds and the image; a count past the cap
    // or past what sizeofcmds can hold is read no further.
    const uint64_t end = h.size + uint64_t{h.sizeofcmds};
    if (end > b_.size())
      f_.diag.Warn(fmt::format("sizeofcmds {:#x} runs past the end of the image ({:#x} bytes): the commands are "
                               "read as far as the image goes",
                               h.sizeofcmds, b_.size()));
    const uint64_t stop = std::min<uint64_t>(end, b_.size());
    uint64_t n = h.ncmds;
    if (n > kMaxMachoLoadCommands) {
      f_.diag.Warn(fmt::format("ncmds {} is more than {}: the rest are not read", n, kMaxMachoLoadCommands));
      n = kMaxMachoLoadCommands;
    }
    uint64_t off = h.size;
    for (uint64_t i = 0; i < n; ++i) {
      Reader r(b_, e_, off);
      const uint32_t cmd = r.U32(), size = r.U32();
      if (!r.ok() || off + 8 > stop) {
        f_.diag.Warn(fmt::format("load command {} at {:#x}: past sizeofcmds or the image; {} of {} read", i, off, i,
                                 h.ncmds));
        return;
      }
      // Each command is at least its 8-byte head and a multiple of 4 (8 in a
      // 64-bit image, which Apple's tools warn about but load).
      if (size < 8 || size % 4 != 0 || off + size > stop) {
        f_.diag.Warn(fmt::format("load command {} ({}) at {:#x}: cmdsize {} {}; {} of {} read", i,
                                 LoadCommandName(cmd), off, size,
                                 size < 8 ? "is less than 8" : size % 4 ? "is not a multiple of 4"
                                                                       : "runs past sizeofcmds or the image",
                                 i, h.ncmds));
        return;
      }
      f_.commands.push_back({cmd, size, off});
      One(i, cmd, b_.Sub(off, size));
      off += size;
    }
    if (off != end && off <= stop)
      f_.diag.Warn(fmt::format("the load commands end at {:#x}, not at sizeofcmds' {:#x}", off, end));
  }

 private:
  // A string a load command holds at an offset from its own start (lc_str),
  // NUL-terminated inside the command.
  std::string_view LcStr(ByteView c, uint32_t off, std::string_view what, uint64_t index) {
    if (off < 8 || off >= c.size()) {
      f_.diag.Warn(fmt::format("load command {} ({}): string offset {} is outside the command", index, what, off));
      return {};
    }
    bool nul = false;
    std::string_view s = c.CString(off, c.size() - off, &nul);
    if (!nul) f_.diag.Warn(fmt::format("load command {} ({}): the string has no NUL inside the command", index, what));
    return s;
  }

  // A command too short for its fixed fields.
  bool Short(ByteView c, uint64_t need, uint32_t cmd, uint64_t index) {
    if (c.size() >= need) return false;
    f_.diag.Warn(fmt::format("load command {} ({}): cmdsize {} is less than its {} bytes of fields", index,
                             LoadCommandName(cmd), c.size(), need));
    return true;
  }

  void One(uint64_t index, uint32_t cmd, ByteView c) {
    Reader r(c, e_, 8);
    switch (cmd) {
      case kLcSegment:
      case kLcSegment64: SegmentCommand(index, cmd, c); break;
      case kLcLoadDylib:
      case kLcLoadWeakDylib:
      case kLcReexportDylib:
      case kLcLazyLoadDylib:
      case kLcLoadUpwardDylib:
      case kLcIdDylib: {
        if (Short(c, 24, cmd, index)) break;
        Dylib d;
        d.kind = cmd == kLcLoadWeakDylib   ? DylibKind::kWeak
                 : cmd == kLcReexportDylib ? DylibKind::kReexport
                 : cmd == kLcLazyLoadDylib ? DylibKind::kLazy
                 : cmd == kLcLoadUpwardDylib ? DylibKind::kUpward
                 : cmd == kLcIdDylib       ? DylibKind::kId
                                           : DylibKind::kLoad;
        const uint32_t name = r.U32();
        d.timestamp = r.U32(), d.current_version = r.U32(), d.compatibility_version = r.U32();
        d.name = LcStr(c, name, LoadCommandName(cmd), index);
        f_.dylibs.push_back(d);
        break;
      }
      case kLcLoadDylinker:
        if (!Short(c, 12, cmd, index)) f_.dylinker = LcStr(c, r.U32(), "LC_LOAD_DYLINKER", index);
        break;
      case kLcRpath:
        if (!Short(c, 12, cmd, index)) f_.rpaths.push_back(LcStr(c, r.U32(), "LC_RPATH", index));
        break;
      case kLcUuid:
        if (!Short(c, 24, cmd, index)) {
          std::array<uint8_t, 16> u{};
          c.Copy(8, u.data(), u.size());
          f_.uuid = u;
        }
        break;
      case kLcBuildVersion: {
        if (Short(c, 24, cmd, index)) break;
        BuildVersion v;
        v.cmd = cmd;
        v.platform = r.U32(), v.minos = r.U32(), v.sdk = r.U32();
        uint64_t ntools = r.U32();
        if (24 + 8 * ntools > c.size()) {
          f_.diag.Warn(fmt::format("load command {} (LC_BUILD_VERSION): {} tools do not fit cmdsize {}", index,
                                   ntools, c.size()));
          ntools = (c.size() - 24) / 8;
        }
        if (ntools > kMaxMachoBuildTools) {
          f_.diag.Warn(fmt::format("load command {} (LC_BUILD_VERSION): more than {} tools: the rest are not read",
                                   index, kMaxMachoBuildTools));
          ntools = kMaxMachoBuildTools;
        }
        for (uint64_t i = 0; i < ntools; ++i) v.tools.push_back({r.U32(), r.U32()});
        f_.build_versions.push_back(std::move(v));
        break;
      }
      case kLcVersionMinMacosx:
      case kLcVersionMinIphoneos:
      case kLcVersionMinTvos:
      case kLcVersionMinWatchos: {
        if (Short(c, 16, cmd, index)) break;
        BuildVersion v;
        v.cmd = cmd;
        // The platform the command implies (PLATFORM_MACOS 1, IOS 2, TVOS 3, WATCHOS 4).
        v.platform = cmd == kLcVersionMinMacosx ? 1 : cmd == kLcVersionMinIphoneos ? 2 : cmd == kLcVersionMinTvos ? 3 : 4;
        v.minos = r.U32(), v.sdk = r.U32();
        f_.build_versions.push_back(std::move(v));
        break;
      }
      case kLcCodeSignature:
      case kLcSegmentSplitInfo:
      case kLcFunctionStarts:
      case kLcDataInCode:
      case kLcDylibCodeSignDrs:
      case kLcLinkerOptimizationHint:
      case kLcDyldExportsTrie:
      case kLcDyldChainedFixups:
      case kLcAtomInfo: {
        if (Short(c, 16, cmd, index)) break;
        LinkeditData d{cmd, r.U32(), r.U32()};
        if (uint64_t{d.dataoff} + d.datasize > b_.size())
          f_.diag.Warn(fmt::format("load command {} ({}): data [{:#x}, +{:#x}) runs past the image", index,
                                   LoadCommandName(cmd), d.dataoff, d.datasize));
        f_.linkedit.push_back(d);
        break;
      }
      case kLcSymtab: {
        if (Short(c, 24, cmd, index)) break;
        Symtab s{r.U32(), r.U32(), r.U32(), r.U32()};
        f_.symtab = s;
        break;
      }
      case kLcDysymtab: {
        if (Short(c, 80, cmd, index)) break;
        Dysymtab d;
        d.ilocalsym = r.U32(), d.nlocalsym = r.U32(), d.iextdefsym = r.U32(), d.nextdefsym = r.U32();
        d.iundefsym = r.U32(), d.nundefsym = r.U32();
        r.Skip(6 * 4);  // tocoff, ntoc, modtaboff, nmodtab, extrefsymoff, nextrefsyms
        d.indirectsymoff = r.U32(), d.nindirectsyms = r.U32();
        f_.dysymtab = d;
        break;
      }
      case kLcDyldInfo:
      case kLcDyldInfoOnly: {
        if (Short(c, 48, cmd, index)) break;
        DyldInfo d;
        d.only = cmd == kLcDyldInfoOnly;
        d.rebase_off = r.U32(), d.rebase_size = r.U32(), d.bind_off = r.U32(), d.bind_size = r.U32();
        d.weak_bind_off = r.U32(), d.weak_bind_size = r.U32(), d.lazy_bind_off = r.U32(), d.lazy_bind_size = r.U32();
        d.export_off = r.U32(), d.export_size = r.U32();
        f_.dyld_info = d;
        break;
      }
      case kLcEncryptionInfo:
      case kLcEncryptionInfo64: {
        if (Short(c, 20, cmd, index)) break;
        f_.encryption = Encryption{r.U32(), r.U32(), r.U32()};
        break;
      }
      case kLcMain:
        if (Short(c, 24, cmd, index)) break;
        f_.main_entryoff = r.U64();
        f_.main_stacksize = r.U64();
        break;
      case kLcSourceVersion:
        if (!Short(c, 16, cmd, index)) f_.source_version = r.U64();
        break;
      case kLcThread:
      case kLcUnixThread: ThreadCommand(index, cmd, c); break;
      default: break;  // kept in commands by its number and size
    }
  }

  void SegmentCommand(uint64_t index, uint32_t cmd, ByteView c) {
    const bool is64 = cmd == kLcSegment64;
    const uint64_t head = is64 ? 72 : 56, sect_size = is64 ? 80 : 68;
    if (Short(c, head, cmd, index)) return;
    Reader r(c, e_, 8);
    Segment s;
    s.name = FixedName(r.Bytes(kSegmentName));
    s.vmaddr = r.Word(is64), s.vmsize = r.Word(is64), s.fileoff = r.Word(is64), s.filesize = r.Word(is64);
    s.maxprot = r.U32(), s.initprot = r.U32(), s.nsects = r.U32(), s.flags = r.U32();
    const bool past = s.fileoff > b_.size() || s.filesize > b_.size() - s.fileoff;
    if (past)
      f_.diag.Warn(fmt::format("segment {}: file range [{:#x}, +{:#x}) runs past the image ({:#x} bytes)", s.name,
                               s.fileoff, s.filesize, b_.size()));
    s.first_section = f_.sections.size();
    uint64_t n = s.nsects;
    if (head + n * sect_size > c.size()) {
      f_.diag.Warn(fmt::format("segment {}: {} sections do not fit cmdsize {}", s.name, n, c.size()));
      n = (c.size() - head) / sect_size;
    }
    const uint64_t seg_index = f_.segments.size();
    uint64_t outside = 0;
    Section first_outside;
    for (uint64_t i = 0; i < n; ++i) {
      if (f_.sections.size() >= kMaxMachoSections) {
        f_.diag.Warn(fmt::format("more than {} sections: the rest are not read", kMaxMachoSections));
        break;
      }
      Section x;
      x.sectname = FixedName(r.Bytes(kSegmentName));
      x.segname = FixedName(r.Bytes(kSegmentName));
      x.addr = r.Word(is64), x.size = r.Word(is64);
      x.offset = r.U32(), x.align = r.U32(), x.reloff = r.U32(), x.nreloc = r.U32(), x.flags = r.U32();
      x.reserved1 = r.U32(), x.reserved2 = r.U32();
      if (is64) x.reserved3 = r.U32();
      x.segment = seg_index;
      // S_ZEROFILL 0x1, S_GB_ZEROFILL 0xc, S_THREAD_LOCAL_ZEROFILL 0x12 take no file bytes.
      const uint32_t type = x.type();
      const bool zerofill = type == 0x1 || type == 0xc || type == 0x12;
      x.in_file = !zerofill && x.offset != 0 && uint64_t{x.offset} + x.size <= b_.size();
      if (!zerofill && x.offset != 0 && !x.in_file && !past)  // a cut segment's warning covers its sections
        f_.diag.Warn(fmt::format("section {},{}: file range [{:#x}, +{:#x}) runs past the image", x.segname,
                                 x.sectname, x.offset, x.size));
      // A section outside its segment's range is a damaged file, or an old
      // Go linker's __DWARF segment, which it wrote with a vmsize of 0: one
      // warning per segment names the first.
      if (x.addr < s.vmaddr || x.addr - s.vmaddr > s.vmsize || x.size > s.vmsize - (x.addr - s.vmaddr))
        if (outside++ == 0) first_outside = x;
      f_.sections.push_back(x);
    }
    if (outside)
      f_.diag.Warn(fmt::format("segment {} [{:#x}, +{:#x}): {} of its sections lie outside it, the first {} at [{:#x}, "
                               "+{:#x})",
                               s.name, s.vmaddr, s.vmsize, outside, first_outside.sectname, first_outside.addr,
                               first_outside.size));
    f_.segments.push_back(s);
  }

  // LC_UNIXTHREAD: flavor and count, then the registers; the initial pc of
  // the architectures exray knows.
  void ThreadCommand(uint64_t index, uint32_t cmd, ByteView c) {
    if (Short(c, 16, cmd, index)) return;
    Reader r(c, e_, 8);
    const uint32_t flavor = r.U32(), count = r.U32();
    ByteView state = c.Sub(16, uint64_t{count} * 4);
    if (state.empty()) {
      f_.diag.Warn(fmt::format("load command {} ({}): thread state of {} words does not fit cmdsize {}", index,
                               LoadCommandName(cmd), count, c.size()));
      return;
    }
    uint64_t pc = 0;
    bool ok = false;
    const uint32_t cpu = f_.header.cputype;
    if (cpu == kCpuX8664 && flavor == 4) {  // x86_THREAD_STATE64: rip after 16 registers
      ok = state.ReadInt<uint64_t>(16 * 8, e_, &pc);
    } else if (cpu == kCpuArm64 && flavor == 6) {  // ARM_THREAD_STATE64: x0-x28, fp, lr, sp, pc
      ok = state.ReadInt<uint64_t>(32 * 8, e_, &pc);
    } else if (cpu == kCpuX86 && flavor == 1) {  // x86_THREAD_STATE32: eip after 10 registers
      uint32_t eip = 0;
      ok = state.ReadInt<uint32_t>(10 * 4, e_, &eip);
      pc = eip;
    } else if (cpu == kCpuArm && flavor == 1) {  // ARM_THREAD_STATE: r0-r12, sp, lr, pc
      uint32_t p = 0;
      ok = state.ReadInt<uint32_t>(15 * 4, e_, &p);
      pc = p;
    }
    if (ok && cmd == kLcUnixThread) f_.thread_pc = pc;
  }

  ByteView b_;
  File& f_;
  Endian e_;
};

}  // namespace

bool IsMacho(ByteView bytes) { return Magic(bytes).has_value(); }

bool IsFat(ByteView bytes) {
  uint32_t magic = 0, n = 0;
  if (!bytes.ReadInt<uint32_t>(0, Endian::kBig, &magic) || !bytes.ReadInt<uint32_t>(4, Endian::kBig, &n)) return false;
  return (magic == kFatMagic || magic == kFatMagic64) && n < 43;
}

Result<File> Parse(ByteView bytes) {
  std::optional<Header> h = Magic(bytes);
  if (!h) return Error{"not a Mach-O image (no 0xfeedface or 0xfeedfacf magic)"};
  File f;
  f.bytes = bytes;
  f.header = *h;
  Reader r(bytes, h->endian, 4);
  f.header.cputype = r.U32(), f.header.cpusubtype = r.U32(), f.header.filetype = r.U32();
  f.header.ncmds = r.U32(), f.header.sizeofcmds = r.U32(), f.header.flags = r.U32();
  if (h->is64) r.U32();  // reserved
  if (!r.ok())
    return Error{fmt::format("Mach-O header cut short: {} bytes, {} needed", bytes.size(), f.header.size)};
  Parser(bytes, &f).Commands();
  return f;
}

Result<FatFile> ParseFat(ByteView bytes) {
  Reader r(bytes, Endian::kBig);
  const uint32_t magic = r.U32(), n = r.U32();
  if (!r.ok() || (magic != kFatMagic && magic != kFatMagic64))
    return Error{"not a universal file (no 0xcafebabe or 0xcafebabf magic)"};
  FatFile fat;
  fat.is64 = magic == kFatMagic64;
  fat.nfat_arch = n;
  uint64_t count = n;
  if (count > kMaxFatArchs) {
    fat.diag.Warn(fmt::format("nfat_arch {} is more than {}: the rest are not read", n, kMaxFatArchs));
    count = kMaxFatArchs;
  }
  const uint64_t record = fat.is64 ? 32 : 20;
  for (uint64_t i = 0; i < count; ++i) {
    FatArch a;
    a.cputype = r.U32(), a.cpusubtype = r.U32();
    a.offset = fat.is64 ? r.U64() : r.U32();
    a.size = fat.is64 ? r.U64() : r.U32();
    a.align = r.U32();
    if (fat.is64) r.U32();  // reserved
    if (!r.ok()) {
      fat.diag.Warn(fmt::format("the architecture records end with the file: {} of {} read", i, n));
      break;
    }
    fat.archs.push_back(a);
  }
  if (fat.archs.empty()) return Error{"a universal file with no architecture record that can be read"};
  const uint64_t header_end = 8 + record * n;
  std::vector<const FatArch*> sorted;
  for (const FatArch& a : fat.archs) {
    const std::string name = CpuTypeName(a.cputype, a.cpusubtype);
    if (a.offset > bytes.size() || a.size > bytes.size() - a.offset)
      fat.diag.Warn(fmt::format("slice {}: [{:#x}, +{:#x}) runs past the end of the file ({:#x} bytes)", name,
                                a.offset, a.size, bytes.size()));
    else if (a.offset < header_end)
      fat.diag.Warn(fmt::format("slice {}: offset {:#x} lies inside the header", name, a.offset));
    // lipo aligns slices to their page size, 2^12 or 2^14; cctools refuses more than 2^15.
    if (a.align > 15)
      fat.diag.Warn(fmt::format("slice {}: alignment 2^{} is more than 2^15", name, a.align));
    else if (a.offset % (uint64_t{1} << a.align) != 0)
      fat.diag.Warn(fmt::format("slice {}: offset {:#x} is not aligned to 2^{}", name, a.offset, a.align));
    sorted.push_back(&a);
  }
  std::sort(sorted.begin(), sorted.end(), [](const FatArch* x, const FatArch* y) { return x->offset < y->offset; });
  for (size_t i = 1; i < sorted.size(); ++i)
    if (sorted[i - 1]->offset + sorted[i - 1]->size > sorted[i]->offset)
      fat.diag.Warn(fmt::format("slices {} and {} overlap", CpuTypeName(sorted[i - 1]->cputype, sorted[i - 1]->cpusubtype),
                                CpuTypeName(sorted[i]->cputype, sorted[i]->cpusubtype)));
  return fat;
}

Result<ByteView> Slice(ByteView bytes, const FatArch& arch) {
  if (!bytes.Contains(arch.offset, arch.size))
    return Error{fmt::format("slice {}: [{:#x}, +{:#x}) is not inside the file ({:#x} bytes)",
                             CpuTypeName(arch.cputype, arch.cpusubtype), arch.offset, arch.size, bytes.size())};
  return bytes.Sub(arch.offset, arch.size);
}

uint64_t File::SymbolCount() const {
  if (!symtab) return 0;
  const uint64_t entry = header.is64 ? 16 : 12;
  if (symtab->symoff >= bytes.size()) return 0;
  return std::min<uint64_t>(symtab->nsyms, (bytes.size() - symtab->symoff) / entry);
}

Symbol File::SymbolAt(uint64_t i) const {
  Symbol s;
  if (!symtab || i >= SymbolCount()) return s;
  const Endian e = header.endian;
  const uint64_t off = symtab->symoff + i * (header.is64 ? 16 : 12);
  uint32_t strx = 0;
  bytes.ReadInt<uint32_t>(off, e, &strx);
  s.type = bytes.At(off + 4);
  s.sect = bytes.At(off + 5);
  bytes.ReadInt<uint16_t>(off + 6, e, &s.desc);
  if (header.is64) {
    bytes.ReadInt<uint64_t>(off + 8, e, &s.value);
  } else {
    uint32_t v = 0;
    bytes.ReadInt<uint32_t>(off + 8, e, &v);
    s.value = v;
  }
  // The string table is a region of its own: a name runs to its NUL or to
  // the table's end, never into what follows it.
  const uint64_t stroff = std::min<uint64_t>(symtab->stroff, bytes.size());
  const ByteView strtab = bytes.Sub(stroff, std::min<uint64_t>(symtab->strsize, bytes.size() - stroff));
  if (strx < strtab.size()) s.name = strtab.CString(strx);
  return s;
}

std::optional<CodeSignature> ReadCodeSignature(const File& f, Diagnostics* diag) {
  const LinkeditData* d = f.Linkedit(kLcCodeSignature);
  if (!d) return std::nullopt;
  // <Security/CSCommon.h>: SuperBlob {magic, length, count, {type, offset}[count]}.
  constexpr uint32_t kSuperBlob = 0xfade0cc0, kCodeDirectory = 0xfade0c02, kBlobWrapper = 0xfade0b01;
  constexpr uint32_t kSlotCodeDirectory = 0, kSlotSignature = 0x10000;
  CodeSignature cs;
  const ByteView blob = f.bytes.Sub(d->dataoff, d->datasize);
  uint32_t magic = 0, count = 0;
  if (blob.empty() || !blob.ReadInt<uint32_t>(0, Endian::kBig, &magic) || magic != kSuperBlob ||
      !blob.ReadInt<uint32_t>(8, Endian::kBig, &count)) {
    diag->Warn(fmt::format("code signature at {:#x} ({} bytes): not a readable SuperBlob", d->dataoff, d->datasize));
    return cs;
  }
  if (count > kMaxCodeSignatureSlots) {
    diag->Warn(fmt::format("code signature: {} blobs claimed, {} read", count, kMaxCodeSignatureSlots));
    count = kMaxCodeSignatureSlots;
  }
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t type = 0, off = 0, bmagic = 0, blen = 0;
    if (!blob.ReadInt<uint32_t>(12 + 8 * i, Endian::kBig, &type) ||
        !blob.ReadInt<uint32_t>(16 + 8 * i, Endian::kBig, &off)) {
      diag->Warn(fmt::format("code signature: blob index runs past the signature after {} of {} entries", i, count));
      break;
    }
    ++cs.slots;
    if (!blob.ReadInt<uint32_t>(off, Endian::kBig, &bmagic) || !blob.ReadInt<uint32_t>(off + 4, Endian::kBig, &blen))
      continue;
    if (type == kSlotCodeDirectory && bmagic == kCodeDirectory && !cs.cd_flags) {
      const ByteView cd = blob.Sub(off, std::min<uint64_t>(blen, blob.size() - off));
      uint32_t flags = 0, ident = 0;
      if (cd.ReadInt<uint32_t>(12, Endian::kBig, &flags)) cs.cd_flags = flags;
      if (cd.ReadInt<uint32_t>(20, Endian::kBig, &ident) && ident < cd.size()) cs.identifier = cd.CString(ident);
    } else if (type == kSlotSignature && bmagic == kBlobWrapper && blen > 8) {
      cs.cms = true;
    }
  }
  return cs;
}

const LinkeditData* File::Linkedit(uint32_t cmd) const {
  for (const LinkeditData& d : linkedit)
    if (d.cmd == cmd) return &d;
  return nullptr;
}

const Section* File::FindSection(std::string_view segname, std::string_view sectname) const {
  for (const Section& s : sections)
    if (s.segname == segname && s.sectname == sectname) return &s;
  return nullptr;
}

std::string CpuTypeName(uint32_t cputype, uint32_t cpusubtype) {
  const uint32_t sub = cpusubtype & 0x00ffffff;  // the top byte holds capability bits (CPU_SUBTYPE_LIB64, PTRAUTH)
  switch (cputype) {
    case kCpuX86: return "i386";
    case kCpuX8664: return sub == 8 ? "x86_64h" : "x86_64";
    case kCpuArm:
      switch (sub) {
        case 6: return "armv6";
        case 9: return "armv7";
        case 11: return "armv7s";
        case 12: return "armv7k";
        default: return "arm";
      }
    case kCpuArm64: return sub == 2 ? "arm64e" : "arm64";
    case kCpuArm6432: return "arm64_32";
    case kCpuPowerPc: return "ppc";
    case kCpuPowerPc64: return "ppc64";
    default: return fmt::format("{:#x}", cputype);
  }
}

std::string_view FileTypeName(uint32_t filetype) {
  switch (filetype) {
    case kObject: return "OBJECT";
    case kExecute: return "EXECUTE";
    case 3: return "FVMLIB";
    case 4: return "CORE";
    case 5: return "PRELOAD";
    case kDylib: return "DYLIB";
    case kDylinker: return "DYLINKER";
    case kBundle: return "BUNDLE";
    case 9: return "DYLIB_STUB";
    case kDsym: return "DSYM";
    case kKextBundle: return "KEXT_BUNDLE";
    case 12: return "FILESET";
    default: return "";
  }
}

std::string LoadCommandName(uint32_t cmd) {
  switch (cmd) {
    case kLcSegment: return "LC_SEGMENT";
    case kLcSymtab: return "LC_SYMTAB";
    case kLcThread: return "LC_THREAD";
    case kLcUnixThread: return "LC_UNIXTHREAD";
    case kLcDysymtab: return "LC_DYSYMTAB";
    case kLcLoadDylib: return "LC_LOAD_DYLIB";
    case kLcIdDylib: return "LC_ID_DYLIB";
    case kLcLoadDylinker: return "LC_LOAD_DYLINKER";
    case 0xf: return "LC_ID_DYLINKER";
    case 0x11: return "LC_ROUTINES";
    case 0x12: return "LC_SUB_FRAMEWORK";
    case 0x13: return "LC_SUB_UMBRELLA";
    case 0x14: return "LC_SUB_CLIENT";
    case 0x15: return "LC_SUB_LIBRARY";
    case 0x16: return "LC_TWOLEVEL_HINTS";
    case 0x17: return "LC_PREBIND_CKSUM";
    case kLcLoadWeakDylib: return "LC_LOAD_WEAK_DYLIB";
    case kLcSegment64: return "LC_SEGMENT_64";
    case 0x1a: return "LC_ROUTINES_64";
    case kLcUuid: return "LC_UUID";
    case kLcRpath: return "LC_RPATH";
    case kLcCodeSignature: return "LC_CODE_SIGNATURE";
    case kLcSegmentSplitInfo: return "LC_SEGMENT_SPLIT_INFO";
    case kLcReexportDylib: return "LC_REEXPORT_DYLIB";
    case kLcLazyLoadDylib: return "LC_LAZY_LOAD_DYLIB";
    case kLcEncryptionInfo: return "LC_ENCRYPTION_INFO";
    case kLcDyldInfo: return "LC_DYLD_INFO";
    case kLcDyldInfoOnly: return "LC_DYLD_INFO_ONLY";
    case kLcLoadUpwardDylib: return "LC_LOAD_UPWARD_DYLIB";
    case kLcVersionMinMacosx: return "LC_VERSION_MIN_MACOSX";
    case kLcVersionMinIphoneos: return "LC_VERSION_MIN_IPHONEOS";
    case kLcFunctionStarts: return "LC_FUNCTION_STARTS";
    case 0x27: return "LC_DYLD_ENVIRONMENT";
    case kLcMain: return "LC_MAIN";
    case kLcDataInCode: return "LC_DATA_IN_CODE";
    case kLcSourceVersion: return "LC_SOURCE_VERSION";
    case kLcDylibCodeSignDrs: return "LC_DYLIB_CODE_SIGN_DRS";
    case kLcEncryptionInfo64: return "LC_ENCRYPTION_INFO_64";
    case 0x2d: return "LC_LINKER_OPTION";
    case kLcLinkerOptimizationHint: return "LC_LINKER_OPTIMIZATION_HINT";
    case kLcVersionMinTvos: return "LC_VERSION_MIN_TVOS";
    case kLcVersionMinWatchos: return "LC_VERSION_MIN_WATCHOS";
    case 0x31: return "LC_NOTE";
    case kLcBuildVersion: return "LC_BUILD_VERSION";
    case kLcDyldExportsTrie: return "LC_DYLD_EXPORTS_TRIE";
    case kLcDyldChainedFixups: return "LC_DYLD_CHAINED_FIXUPS";
    case 0x35 | kReqDyld: return "LC_FILESET_ENTRY";
    case kLcAtomInfo: return "LC_ATOM_INFO";
    default: return fmt::format("{:#x}", cmd);
  }
}

std::string_view PlatformName(uint32_t platform) {
  switch (platform) {
    case 1: return "macos";
    case 2: return "ios";
    case 3: return "tvos";
    case 4: return "watchos";
    case 5: return "bridgeos";
    case 6: return "maccatalyst";
    case 7: return "iossimulator";
    case 8: return "tvossimulator";
    case 9: return "watchossimulator";
    case 10: return "driverkit";
    case 11: return "visionos";
    case 12: return "visionossimulator";
    default: return "";
  }
}

std::string_view ToolName(uint32_t tool) {
  switch (tool) {
    case 1: return "clang";
    case 2: return "swift";
    case 3: return "ld";
    case 4: return "lld";
    case 1024: return "metal";
    case 1025: return "airlld";
    case 1026: return "airnt";
    case 1027: return "airnt-plugin";
    case 1028: return "airpack";
    case 1031: return "gpuarchiver";
    case 1032: return "metal-framebuffer";
    default: return "";
  }
}

std::string_view DylibKindName(DylibKind kind) {
  switch (kind) {
    case DylibKind::kLoad: return "load";
    case DylibKind::kWeak: return "weak";
    case DylibKind::kReexport: return "reexport";
    case DylibKind::kLazy: return "lazy";
    case DylibKind::kUpward: return "upward";
    case DylibKind::kId: return "id";
  }
  return "";
}

std::string VersionString(uint32_t v) {
  const uint32_t major = v >> 16, minor = (v >> 8) & 0xff, patch = v & 0xff;
  return patch ? fmt::format("{}.{}.{}", major, minor, patch) : fmt::format("{}.{}", major, minor);
}

}  // namespace exray::macho
