// The Mach-O model: what was read from one thin Mach-O image (or one slice
// of a universal file), zero-copy over its bytes. Field names follow Apple's
// <mach-o/loader.h> and <mach-o/fat.h>, whose layouts the parser reads.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "support/byte_view.h"
#include "support/diag.h"

namespace exray::macho {

inline constexpr uint32_t kMagic32 = 0xfeedface, kMagic64 = 0xfeedfacf;
inline constexpr uint32_t kFatMagic = 0xcafebabe, kFatMagic64 = 0xcafebabf;  // big-endian on disk

// mach_header.filetype
inline constexpr uint32_t kObject = 1, kExecute = 2, kDylib = 6, kDylinker = 7, kBundle = 8, kDsym = 10,
                          kKextBundle = 11;
// mach_header.flags
inline constexpr uint32_t kFlagNoUndefs = 0x1, kFlagDyldLink = 0x4, kFlagTwoLevel = 0x80,
                          kFlagAllowStackExecution = 0x20000, kFlagPie = 0x200000,
                          kFlagHasTlvDescriptors = 0x800000, kFlagNoHeapExecution = 0x1000000;
// cputype
inline constexpr uint32_t kCpuArch64 = 0x01000000, kCpuArch6432 = 0x02000000;
inline constexpr uint32_t kCpuX86 = 7, kCpuX8664 = kCpuX86 | kCpuArch64, kCpuArm = 12,
                          kCpuArm64 = kCpuArm | kCpuArch64, kCpuArm6432 = kCpuArm | kCpuArch6432, kCpuPowerPc = 18,
                          kCpuPowerPc64 = kCpuPowerPc | kCpuArch64;

struct Header {
  bool is64 = false;
  Endian endian = Endian::kLittle;
  uint32_t magic = 0, cputype = 0, cpusubtype = 0, filetype = 0, ncmds = 0, sizeofcmds = 0, flags = 0;
  uint64_t size = 0;  // 28 or 32 bytes: where the load commands start
};

/// Every load command as the header lists it, in order; offset is from the
/// image's first byte.
struct LoadCommand {
  uint32_t cmd = 0, cmdsize = 0;
  uint64_t offset = 0;
};

struct Segment {
  std::string_view name;  // segname, up to 16 bytes, NUL-trimmed
  uint64_t vmaddr = 0, vmsize = 0, fileoff = 0, filesize = 0;
  uint32_t maxprot = 0, initprot = 0, nsects = 0, flags = 0;
  uint64_t first_section = 0;  // index into File::sections of its first section
};

struct Section {
  std::string_view segname, sectname;
  uint64_t addr = 0, size = 0;
  uint32_t offset = 0, align = 0, reloff = 0, nreloc = 0, flags = 0, reserved1 = 0, reserved2 = 0, reserved3 = 0;
  uint64_t segment = 0;  // index into File::segments
  bool in_file = false;  // false for zero-fill sections and for ranges outside the image
  uint32_t type() const { return flags & 0xff; }
};

/// A dylib the image loads (LC_LOAD_DYLIB and its kin) or its own id (LC_ID_DYLIB).
enum class DylibKind : uint8_t { kLoad, kWeak, kReexport, kLazy, kUpward, kId, kMaxValue = kId };
struct Dylib {
  DylibKind kind = DylibKind::kLoad;
  std::string_view name;
  uint32_t timestamp = 0, current_version = 0, compatibility_version = 0;  // versions as xxxx.yy.zz nibbles
};

struct BuildTool {
  uint32_t tool = 0, version = 0;
};
/// LC_BUILD_VERSION, or LC_VERSION_MIN_* (which name no tools and imply
/// the platform by the command).
struct BuildVersion {
  uint32_t cmd = 0;
  uint32_t platform = 0, minos = 0, sdk = 0;  // versions as xxxx.yy.zz nibbles
  std::vector<BuildTool> tools;
};

// linkedit_data commands the analysis asks File::Linkedit for.
inline constexpr uint32_t kCmdCodeSignature = 0x1d, kCmdChainedFixups = 0x80000034, kCmdExportsTrie = 0x80000033;

/// A linkedit_data_command: code signature, function starts, chained
/// fixups, the exports trie, data in code, and their kin.
struct LinkeditData {
  uint32_t cmd = 0, dataoff = 0, datasize = 0;
};

struct Symtab {
  uint32_t symoff = 0, nsyms = 0, stroff = 0, strsize = 0;
};
// nlist.n_type
inline constexpr uint8_t kNStab = 0xe0, kNPext = 0x10, kNTypeMask = 0x0e, kNExt = 0x01;
inline constexpr uint8_t kNUndf = 0x0, kNAbs = 0x2, kNSect = 0xe, kNIndr = 0xa;
/// One nlist or nlist_64 entry of the symbol table.
struct Symbol {
  std::string_view name;  // empty when n_strx is outside the string table
  uint8_t type = 0, sect = 0;
  uint16_t desc = 0;
  uint64_t value = 0;
  bool stab() const { return type & kNStab; }
  bool undefined() const { return !stab() && (type & kNTypeMask) == kNUndf; }
  bool defined() const { return !stab() && (type & kNTypeMask) == kNSect; }
  bool external() const { return type & kNExt; }
};
struct Dysymtab {
  uint32_t ilocalsym = 0, nlocalsym = 0, iextdefsym = 0, nextdefsym = 0, iundefsym = 0, nundefsym = 0;
  uint32_t indirectsymoff = 0, nindirectsyms = 0;
};
/// LC_DYLD_INFO and LC_DYLD_INFO_ONLY: the opcode streams older linkers
/// wrote for rebasing, binding and exports.
struct DyldInfo {
  bool only = false;
  uint32_t rebase_off = 0, rebase_size = 0, bind_off = 0, bind_size = 0, weak_bind_off = 0, weak_bind_size = 0;
  uint32_t lazy_bind_off = 0, lazy_bind_size = 0, export_off = 0, export_size = 0;
};
struct Encryption {
  uint32_t cryptoff = 0, cryptsize = 0, cryptid = 0;
};

struct File {
  Header header;
  ByteView bytes;  // the image (a universal file's slice)
  std::vector<LoadCommand> commands;
  std::vector<Segment> segments;
  std::vector<Section> sections;
  std::vector<Dylib> dylibs;
  std::vector<std::string_view> rpaths;
  std::vector<BuildVersion> build_versions;
  std::vector<LinkeditData> linkedit;  // in command order
  std::optional<std::array<uint8_t, 16>> uuid;
  std::optional<Symtab> symtab;
  std::optional<Dysymtab> dysymtab;
  std::optional<DyldInfo> dyld_info;
  std::optional<Encryption> encryption;
  std::string_view dylinker;               // LC_LOAD_DYLINKER's path; empty when none
  std::optional<uint64_t> main_entryoff;   // LC_MAIN: entry as an offset into __TEXT
  std::optional<uint64_t> main_stacksize;
  std::optional<uint64_t> thread_pc;       // LC_UNIXTHREAD's initial pc (x86_64, arm64, i386, arm)
  std::optional<uint64_t> source_version;  // LC_SOURCE_VERSION, a.b.c.d.e packed 24.10.10.10.10 bits
  Diagnostics diag;

  /// Symbol table entries that lie in the image (at most LC_SYMTAB's nsyms).
  uint64_t SymbolCount() const;
  /// Entry i (< SymbolCount()); its name is cut at the string table's end.
  Symbol SymbolAt(uint64_t i) const;
  /// The first linkedit_data command of the given kind, or null.
  const LinkeditData* Linkedit(uint32_t cmd) const;
  /// The section named segname,sectname, or null.
  const Section* FindSection(std::string_view segname, std::string_view sectname) const;
};

/// What the code signature's SuperBlob (LC_CODE_SIGNATURE) says: the
/// CodeDirectory's flags and identifier, and whether a CMS signature is there.
inline constexpr uint32_t kCsAdhoc = 0x2, kCsRuntime = 0x10000, kCsLinkerSigned = 0x20000;  // CodeDirectory flags
struct CodeSignature {
  uint32_t slots = 0;                // blob index entries read
  std::optional<uint32_t> cd_flags;  // null when no CodeDirectory was read
  std::string_view identifier;
  bool cms = false;  // a non-empty CMS signature blob (a certificate's signature, not ad-hoc)
};

/// One slice of a universal ("fat") file.
struct FatArch {
  uint32_t cputype = 0, cpusubtype = 0, align = 0;
  uint64_t offset = 0, size = 0;
};
struct FatFile {
  bool is64 = false;  // fat_arch_64 records (FAT_MAGIC_64)
  uint32_t nfat_arch = 0;  // as the header claims
  std::vector<FatArch> archs;  // those read, in order
  Diagnostics diag;
};

}  // namespace exray::macho
