// The PE/COFF model: what was read from one PE32 or PE32+ image, zero-copy
// over its bytes. Field names follow Microsoft's PE format specification
// (winnt.h's IMAGE_* structures), whose layouts the parser reads.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "support/byte_view.h"
#include "support/diag.h"

namespace exray::pe {

// IMAGE_FILE_HEADER.Machine
inline constexpr uint16_t kMachineI386 = 0x14c, kMachineAmd64 = 0x8664, kMachineArm64 = 0xaa64,
                          kMachineArmNt = 0x1c4, kMachineArm = 0x1c0;
// IMAGE_FILE_HEADER.Characteristics
inline constexpr uint16_t kFileExecutable = 0x2, kFileLargeAddressAware = 0x20, kFileDll = 0x2000;
// IMAGE_OPTIONAL_HEADER.DllCharacteristics
inline constexpr uint16_t kDllHighEntropyVa = 0x20, kDllDynamicBase = 0x40, kDllForceIntegrity = 0x80,
                          kDllNxCompat = 0x100, kDllNoIsolation = 0x200, kDllNoSeh = 0x400, kDllNoBind = 0x800,
                          kDllAppContainer = 0x1000, kDllWdmDriver = 0x2000, kDllGuardCf = 0x4000,
                          kDllTerminalServerAware = 0x8000;
// IMAGE_SECTION_HEADER.Characteristics
inline constexpr uint32_t kScnCode = 0x20, kScnUninitialized = 0x80, kScnExecute = 0x20000000,
                          kScnRead = 0x40000000, kScnWrite = 0x80000000;
// Data directory indexes
inline constexpr size_t kDirExport = 0, kDirImport = 1, kDirResource = 2, kDirException = 3, kDirSecurity = 4,
                        kDirBaseReloc = 5, kDirDebug = 6, kDirTls = 9, kDirLoadConfig = 10, kDirIat = 12,
                        kDirDelayImport = 13, kDirClr = 14;
// IMAGE_LOAD_CONFIG_DIRECTORY.GuardFlags
inline constexpr uint32_t kGuardCfInstrumented = 0x100;
// IMAGE_DLLCHARACTERISTICS_EX (debug directory type 20)
inline constexpr uint32_t kDllExCetCompat = 0x1;

struct DataDirectory {
  uint32_t rva = 0, size = 0;
};

struct Header {
  uint64_t pe_offset = 0;  // e_lfanew: where "PE\0\0" is
  uint16_t machine = 0, nsections = 0, opt_size = 0, characteristics = 0;
  uint32_t timestamp = 0, symtab_offset = 0, nsymbols = 0;
  bool pe32plus = false;  // optional header magic 0x20b
  uint8_t linker_major = 0, linker_minor = 0;
  uint32_t entry_rva = 0, section_alignment = 0, file_alignment = 0, image_size = 0, headers_size = 0,
           checksum = 0;
  uint64_t image_base = 0;
  uint16_t os_major = 0, os_minor = 0, subsystem_major = 0, subsystem_minor = 0, subsystem = 0,
           dll_characteristics = 0;
  uint32_t nrva_and_sizes = 0;
  std::vector<DataDirectory> directories;  // at most 16, as the header claims
};

struct Section {
  std::string_view name;  // 8 bytes NUL-trimmed, or the COFF string table's long name for "/N"
  uint32_t virtual_size = 0, virtual_address = 0, raw_size = 0, raw_offset = 0, characteristics = 0;
  bool in_file = false;  // raw data lies inside the file
};

/// One imported function: by name (with its hint) or by ordinal.
struct ImportFunction {
  std::string_view name;  // empty when imported by ordinal
  uint16_t hint = 0;
  std::optional<uint16_t> ordinal;
};
struct ImportDll {
  std::string_view name;
  bool delay = false;  // from the delay-load directory
  std::vector<ImportFunction> functions;
};

struct Exports {
  std::string_view dll_name;
  uint32_t ordinal_base = 0, nfunctions = 0, nnames = 0;
  std::vector<std::string_view> names;  // at most kMaxPeExportNames, in the table's order
};

/// A CodeView record (debug directory type 2): where the PDB was and which build.
struct CodeView {
  std::string_view pdb_path;
  std::array<uint8_t, 16> guid{};  // as stored: Data1-3 little-endian, Data4 bytes
  uint32_t age = 0;
};

struct DebugEntry {
  uint32_t type = 0, size = 0, rva = 0, file_offset = 0;
};

struct LoadConfig {
  uint32_t size = 0;
  uint64_t security_cookie = 0;               // /GS: the cookie's address; 0 without one
  std::optional<uint64_t> se_handler_count;   // PE32 only: SafeSEH's table of handlers
  std::optional<uint32_t> guard_flags;        // Control Flow Guard's flags, when the structure holds them
};

/// One Rich header entry: a tool (product id) of a build number, used count times.
struct RichEntry {
  uint16_t product = 0, build = 0;
  uint32_t count = 0;
};

struct File {
  Header header;
  ByteView bytes;
  std::vector<Section> sections;
  std::vector<ImportDll> imports;
  std::optional<Exports> exports;
  std::vector<DebugEntry> debug;
  std::optional<CodeView> codeview;
  std::optional<uint32_t> dll_characteristics_ex;  // debug type 20 (CET compatibility)
  std::optional<LoadConfig> load_config;
  std::optional<uint32_t> certificate_type;  // the first WIN_CERTIFICATE's wCertificateType; null without one
  std::vector<RichEntry> rich;
  uint64_t image_end = 0;  // past the last section's raw data (an overlay starts here)
  Diagnostics diag;

  /// The file offset of rva, when a section (or the headers) maps it from the file.
  std::optional<uint64_t> Offset(uint32_t rva) const;
  /// The bytes at rva, up to len, as far as the file backs them.
  ByteView AtRva(uint32_t rva, uint64_t len) const;
  const Section* FindSection(std::string_view name) const;
  const DataDirectory* Directory(size_t index) const {
    return index < header.directories.size() && header.directories[index].rva ? &header.directories[index] : nullptr;
  }
};

}  // namespace exray::pe
