// The ELF model: what was read from one file, zero-copy over its mapping.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/byte_source.h"
#include "support/byte_view.h"
#include "support/diag.h"

namespace exray::elf {

struct Header {
  bool is64 = false;
  Endian endian = Endian::kLittle;
  uint8_t osabi = 0, abiversion = 0, version_ident = 0;
  uint16_t type = 0, machine = 0;
  uint32_t version = 0, flags = 0;
  uint64_t entry = 0, phoff = 0, shoff = 0;
  uint16_t ehsize = 0, phentsize = 0, shentsize = 0;
  // The real counts after extended numbering (PN_XNUM, e_shnum 0, SHN_XINDEX).
  uint64_t phnum = 0, shnum = 0, shstrndx = 0;
  uint16_t raw_phnum = 0, raw_shnum = 0, raw_shstrndx = 0;
};

struct Section {
  uint64_t index = 0;
  std::string_view name;  // points into the section-name string table
  uint32_t name_offset = 0, type = 0, link = 0, info = 0;
  uint64_t flags = 0, addr = 0, offset = 0, size = 0, addralign = 0, entsize = 0;
  bool in_file = false;  // false for NOBITS and for ranges outside the file
};

struct Segment {
  uint32_t type = 0, flags = 0;
  uint64_t offset = 0, vaddr = 0, paddr = 0, filesz = 0, memsz = 0, align = 0;
};

struct Symbol {
  std::string_view name;
  uint64_t value = 0, size = 0;
  uint8_t type = 0, bind = 0, visibility = 0;
  uint32_t shndx = 0;          // after SHN_XINDEX resolution
  std::string_view version;    // from .gnu.version, empty when none
  bool version_hidden = false; // the symbol@version (one @) form
  bool defined() const { return shndx != 0; }
};

struct SymbolTable {
  std::string_view section_name;  // ".symtab" or ".dynsym", as named in the file
  uint64_t section_index = 0;
  uint64_t count = 0;              // sh_size / sh_entsize, the null entry included
  uint64_t readable = 0;           // entries whose bytes are in the file
  bool present = false;
  // Symbols are decoded on demand (At); the full list is built only when
  // asked for, since most reports need a few names out of many thousands.
  std::vector<Symbol> symbols;     // index i is symbol i; empty unless requested
  ByteView data, strtab, xindex;
  Endian endian = Endian::kLittle;
  bool is64 = false;

  /// Decodes entry i; an all-zero Symbol when i >= readable. No version.
  Symbol At(uint64_t i) const;
  /// Whether entry i's name starts with prefix, without measuring the whole name.
  bool NameStartsWith(uint64_t i, std::string_view prefix) const;
  /// max bytes of the string table from entry i's name on, NUL and all
  /// (fewer at the table's end): for prefix tests of patterns without NUL.
  std::string_view NameBytes(uint64_t i, size_t max) const;
  /// Asks the CPU to fetch entry i's name ahead of its use: a pass over a
  /// large table waits on each name's first byte otherwise (names are
  /// scattered through the string table). No effect when i is out of range.
  void PrefetchName(uint64_t i) const;
  /// Whether entry i has a section index (st_shndx != SHN_UNDEF), read
  /// without decoding the entry; false when i >= readable.
  bool Defined(uint64_t i) const;
};

struct DynamicEntry {
  int64_t tag = 0;
  uint64_t value = 0;
};

struct Note {
  std::string_view where;  // section name, or "PT_NOTE[i]" when read from segments
  std::string_view owner;
  uint32_t type = 0;
  ByteView desc;
};

struct VersionNeedAux {
  std::string_view name;
  uint32_t hash = 0;
  uint16_t flags = 0, other = 0;
};
struct VersionNeed {
  std::string_view file;
  std::vector<VersionNeedAux> versions;
};
struct VersionDef {
  uint16_t index = 0, flags = 0;
  std::vector<std::string_view> names;  // first is the version, the rest its parents
};

struct GnuProperties {
  bool present = false;
  std::optional<uint32_t> x86_feature_1_and;
  std::optional<uint32_t> aarch64_feature_1_and;
  std::optional<uint32_t> x86_isa_needed;
};

/// Everything read from one ELF file. String views point into the mapping, so
/// the model must not outlive the MappedFile it was parsed from.
struct File {
  ByteView bytes;                      // the whole file; see Load
  const ByteSource* source = nullptr;  // brings ranges of bytes in on demand, if set
  Header header;
  std::vector<Section> sections;
  std::vector<Segment> segments;
  std::string_view section_names_from;  // which string table named the sections

  std::optional<std::string_view> interpreter;
  bool has_dynamic = false;
  std::string_view dynamic_from;  // "PT_DYNAMIC" or ".dynamic section"
  std::vector<DynamicEntry> dynamic;
  std::vector<std::string_view> needed;
  std::optional<std::string_view> soname, rpath, runpath;
  uint64_t dt_flags = 0, dt_flags_1 = 0;
  bool bind_now = false, textrel = false;

  SymbolTable symtab, dynsym;
  std::vector<VersionNeed> verneed;
  std::vector<VersionDef> verdef;

  std::vector<Note> notes;
  std::optional<std::string> build_id;  // lowercase hex
  std::optional<std::string> go_build_id;
  std::optional<std::string> abi_tag;   // "Linux 3.2.0"
  GnuProperties gnu_properties;
  std::vector<std::string> comment;     // .comment producers, first-seen order, unique

  Diagnostics diag;

  /// Maps a virtual address to a file offset through PT_LOAD segments; nullopt
  /// when no segment holds [vaddr, vaddr+len) in its file image.
  std::optional<uint64_t> VaddrToOffset(uint64_t vaddr, uint64_t len = 1) const;
  /// [off, off+len) of the file, read in first when a ByteSource is set; empty
  /// when the range is not inside the file. Every read of file bytes goes
  /// through Load, SectionData or a view obtained from them.
  ByteView Load(uint64_t off, uint64_t len) const {
    if (source) source->Ensure(off, len);
    return bytes.Sub(off, len);
  }
  /// As Load, for a reader that will look at a few of the bytes only (a
  /// table's header of a table that is not parsed): a mapped file's pages
  /// are left to come in as touched.
  ByteView LoadFew(uint64_t off, uint64_t len) const {
    if (source) source->EnsureFew(off, len);
    return bytes.Sub(off, len);
  }
  /// The bytes of a section in the file (still compressed if SHF_COMPRESSED).
  ByteView SectionData(const Section& s) const;
  const Section* FindSection(std::string_view name) const;
  /// What the dynamic loader's hash table (DT_GNU_HASH, else DT_HASH) says
  /// of a name, as the loader looks it up: the .dynsym index of the symbol
  /// it defines under that name, if any. `usable` is false when the file has
  /// no readable hash table, and then only a walk of .dynsym can tell.
  struct HashLookup {
    bool usable = false;
    std::optional<uint64_t> index;
  };
  HashLookup LookupDynamic(std::string_view name) const;
  const Segment* FindSegment(uint32_t type) const;
};

}  // namespace exray::elf
