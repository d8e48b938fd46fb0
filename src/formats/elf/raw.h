// ELF constants with their gABI names (https://www.sco.com/developers/gabi/latest/contents.html)
// and the GNU extensions from glibc's elf.h. Sizes of the on-disk records are
// given per class because records are read field by field, never cast.
#pragma once

#include <cstdint>

namespace exray::elf {

inline constexpr uint8_t kElfMag[4] = {0x7f, 'E', 'L', 'F'};
inline constexpr uint8_t ELFCLASS32 = 1, ELFCLASS64 = 2;
inline constexpr uint8_t ELFDATA2LSB = 1, ELFDATA2MSB = 2;

inline constexpr uint16_t ET_NONE = 0, ET_REL = 1, ET_EXEC = 2, ET_DYN = 3, ET_CORE = 4;

// Extended numbering (gABI "Extended Section Numbering" and PN_XNUM).
inline constexpr uint16_t PN_XNUM = 0xffff;
inline constexpr uint16_t SHN_UNDEF = 0, SHN_LORESERVE = 0xff00, SHN_ABS = 0xfff1, SHN_COMMON = 0xfff2,
                          SHN_XINDEX = 0xffff;

// Header and record sizes per class: {32-bit, 64-bit}.
inline constexpr uint64_t kEhdrSize[2] = {52, 64};
inline constexpr uint64_t kPhdrSize[2] = {32, 56};
inline constexpr uint64_t kShdrSize[2] = {40, 64};
inline constexpr uint64_t kSymSize[2] = {16, 24};
inline constexpr uint64_t kDynSize[2] = {8, 16};
inline constexpr uint64_t kChdrSize[2] = {12, 24};

inline constexpr uint32_t SHT_NULL = 0, SHT_PROGBITS = 1, SHT_SYMTAB = 2, SHT_STRTAB = 3, SHT_NOTE = 7,
                          SHT_NOBITS = 8, SHT_DYNAMIC = 6, SHT_DYNSYM = 11, SHT_SYMTAB_SHNDX = 18,
                          SHT_GNU_verdef = 0x6ffffffd, SHT_GNU_verneed = 0x6ffffffe, SHT_GNU_versym = 0x6fffffff;

inline constexpr uint64_t SHF_WRITE = 0x1, SHF_ALLOC = 0x2, SHF_EXECINSTR = 0x4, SHF_MERGE = 0x10,
                          SHF_STRINGS = 0x20, SHF_INFO_LINK = 0x40, SHF_LINK_ORDER = 0x80,
                          SHF_OS_NONCONFORMING = 0x100, SHF_GROUP = 0x200, SHF_TLS = 0x400,
                          SHF_COMPRESSED = 0x800, SHF_GNU_RETAIN = 0x200000, SHF_EXCLUDE = 0x80000000;

inline constexpr uint32_t ELFCOMPRESS_ZLIB = 1, ELFCOMPRESS_ZSTD = 2;

inline constexpr uint32_t PT_NULL = 0, PT_LOAD = 1, PT_DYNAMIC = 2, PT_INTERP = 3, PT_NOTE = 4, PT_PHDR = 6,
                          PT_TLS = 7, PT_GNU_EH_FRAME = 0x6474e550, PT_GNU_STACK = 0x6474e551,
                          PT_GNU_RELRO = 0x6474e552, PT_GNU_PROPERTY = 0x6474e553;
inline constexpr uint32_t PF_X = 1, PF_W = 2, PF_R = 4;

inline constexpr int64_t DT_NULL = 0, DT_NEEDED = 1, DT_STRTAB = 5, DT_STRSZ = 10, DT_SONAME = 14,
                         DT_RPATH = 15, DT_TEXTREL = 22, DT_BIND_NOW = 24, DT_RUNPATH = 29, DT_FLAGS = 30,
                         DT_VERSYM = 0x6ffffff0, DT_FLAGS_1 = 0x6ffffffb, DT_VERDEF = 0x6ffffffc,
                         DT_VERDEFNUM = 0x6ffffffd, DT_VERNEED = 0x6ffffffe, DT_VERNEEDNUM = 0x6fffffff;
inline constexpr uint64_t DF_TEXTREL = 0x4, DF_BIND_NOW = 0x8;
inline constexpr uint64_t DF_1_NOW = 0x1, DF_1_PIE = 0x08000000;

inline constexpr uint8_t STT_NOTYPE = 0, STT_OBJECT = 1, STT_FUNC = 2, STT_SECTION = 3, STT_FILE = 4,
                         STT_COMMON = 5, STT_TLS = 6, STT_GNU_IFUNC = 10;
inline constexpr uint8_t STB_LOCAL = 0, STB_GLOBAL = 1, STB_WEAK = 2, STB_GNU_UNIQUE = 10;

// Notes. Owner "GNU": types from glibc elf.h. Owner "Go": cmd/link's ELF_NOTE_GO*_TAG.
inline constexpr uint32_t NT_GNU_ABI_TAG = 1, NT_GNU_HWCAP = 2, NT_GNU_BUILD_ID = 3, NT_GNU_GOLD_VERSION = 4,
                          NT_GNU_PROPERTY_TYPE_0 = 5;
inline constexpr uint32_t NT_GO_BUILDID = 4;
inline constexpr uint32_t GNU_PROPERTY_X86_FEATURE_1_AND = 0xc0000002;
inline constexpr uint32_t GNU_PROPERTY_X86_FEATURE_1_IBT = 1, GNU_PROPERTY_X86_FEATURE_1_SHSTK = 2;
inline constexpr uint32_t GNU_PROPERTY_AARCH64_FEATURE_1_AND = 0xc0000000;
inline constexpr uint32_t GNU_PROPERTY_AARCH64_FEATURE_1_BTI = 1, GNU_PROPERTY_AARCH64_FEATURE_1_PAC = 2;

// Symbol versioning (glibc elf.h, LSB "Symbol Versioning").
inline constexpr uint16_t VER_NDX_LOCAL = 0, VER_NDX_GLOBAL = 1, VERSYM_HIDDEN = 0x8000, VERSYM_VERSION = 0x7fff;
inline constexpr uint16_t VER_FLG_BASE = 0x1;

enum class Machine : uint16_t {
#define X(value, id, name) id = value,
#include "formats/elf/elf_machines.def"
#undef X
};

}  // namespace exray::elf
