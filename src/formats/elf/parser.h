// ELF parser: builds an elf::File from the bytes of a file.
#pragma once

#include <string>

#include "formats/elf/model.h"
#include "support/byte_view.h"
#include "support/result.h"

namespace exray::elf {

/// Caps that keep a crafted file from making us allocate or loop without bound.
inline constexpr uint64_t kMaxSymbols = 1u << 24;           // per table
inline constexpr uint64_t kMaxDynamicEntries = 1u << 16;
inline constexpr uint64_t kMaxNotes = 4096;
inline constexpr uint64_t kMaxHashChain = 1u << 16;       // entries walked in one hash bucket's chain
inline constexpr uint64_t kMaxVersionRecords = 1u << 16;    // verneed/verdef entries and aux, each
inline constexpr uint64_t kMaxCommentStrings = 256;
inline constexpr uint64_t kMaxDecompressedSize = 256u << 20;  // 256 MiB for one section
// A section may not claim to grow more than this when decompressed, so memory
// stays a fixed multiple of the file size: deflate's own ceiling is 1032:1
// (zlib.net/zlib_tech.html); zstd can go further, but real sections do not.
inline constexpr uint64_t kMaxCompressionRatio = 1032;

struct ParseOptions {
  bool symbol_list = false;  // fill SymbolTable::symbols (with versions) for listing
  const ByteSource* source = nullptr;  // reads ranges of the file on demand (MappedFile)
};

/// True when the bytes start with the ELF magic.
bool IsElf(ByteView bytes);

/// Parses an ELF file. Fails only when the ELF header itself cannot be read
/// (too short, unknown class or byte order); any later damage becomes a
/// warning in File::diag and the facts that could be read are kept.
Result<File> Parse(ByteView bytes, const ParseOptions& opts = {});

/// The contents of a section, decompressed when it is SHF_COMPRESSED (zlib or
/// zstd) or a legacy .zdebug section; fails on a bad header, an unknown
/// algorithm, a size over kMaxDecompressedSize or over kMaxCompressionRatio
/// times the compressed bytes, or a size mismatch.
Result<std::string> SectionContents(const File& file, const Section& s);

/// Human-readable names for header fields and table values.
std::string MachineName(uint16_t machine);
std::string TypeName(uint16_t type);
/// Processor-specific types (LOPROC..HIPROC) are named only for the e_machine
/// they belong to; other unknown values come back as hex ("0x70000001").
std::string SectionTypeName(uint32_t type, uint16_t machine = 0);
std::string SegmentTypeName(uint32_t type, uint16_t machine = 0);
std::string DynamicTagName(int64_t tag);
std::string SegmentFlags(uint32_t flags);   // "R E", like readelf
std::string SectionFlags(uint64_t flags);   // "AX", like readelf's key letters

}  // namespace exray::elf
