// ELF parser: builds an elf::File from the bytes of a file.
#pragma once

#include <string>

#include "formats/elf/model.h"
#include "support/byte_view.h"
#include "support/limits.h"
#include "support/result.h"

namespace exray::elf {

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
