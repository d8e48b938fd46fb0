// Mach-O parser: builds a macho::File from one image, and a macho::FatFile
// from a universal file's header.
#pragma once

#include <string>
#include <string_view>

#include "formats/macho/model.h"
#include "support/byte_view.h"
#include "support/result.h"

namespace exray::macho {

/// True when the bytes start with a thin Mach-O magic (32- or 64-bit, either
/// byte order).
bool IsMacho(ByteView bytes);

/// True when the bytes start with a universal file's header. FAT_MAGIC is
/// also a Java class file's magic: as LLVM's identify_magic does, a header
/// whose architecture count is 43 or more (the class file's major version
/// sits there, 45 and up) is not taken for a universal file.
bool IsFat(ByteView bytes);

/// Parses one image. Fails only when its header cannot be read (too short,
/// not a Mach-O magic); any later damage (a load command that runs past
/// sizeofcmds or the image, a section outside its segment, a string without
/// its NUL) is a warning in File::diag, and what could be read is kept.
/// Work is bounded by kMaxMachoLoadCommands, kMaxMachoSections and
/// kMaxMachoBuildTools. Every byte of the view must be readable: a file read
/// on demand (MappedFile) must have the image's range loaded first, since
/// load commands point anywhere in it.
Result<File> Parse(ByteView bytes);

/// Reads a universal file's header and architecture records (at most
/// kMaxFatArchs, with a warning past that). A slice that lies outside the
/// file, or overlaps the header or another slice, is kept with a warning;
/// Slice refuses to hand out one outside the file.
Result<FatFile> ParseFat(ByteView bytes);

/// The bytes of one slice, or an Error when they are not all in the file.
Result<ByteView> Slice(ByteView bytes, const FatArch& arch);

/// Reads the SuperBlob LC_CODE_SIGNATURE points at (big-endian, as Apple's
/// codesign writes it); nullopt when the image has no such command. Damage
/// is a warning in diag; at most kMaxCodeSignatureSlots index entries.
std::optional<CodeSignature> ReadCodeSignature(const File& f, Diagnostics* diag);
/// Names as Apple's headers and llvm-readobj spell them.
std::string CpuTypeName(uint32_t cputype, uint32_t cpusubtype);  // "x86_64", "arm64", "arm64e", or hex
std::string_view FileTypeName(uint32_t filetype);                // "EXECUTE", "DYLIB", ... or ""
std::string LoadCommandName(uint32_t cmd);                       // "LC_SEGMENT_64", ... or hex
std::string_view PlatformName(uint32_t platform);                // "macos", "ios", ... or ""
std::string_view ToolName(uint32_t tool);                        // "clang", "swift", "ld", ... or ""
std::string_view DylibKindName(DylibKind kind);                  // "load", "weak", ...
/// A version packed as xxxx.yy.zz nibbles: "13.0", "1300.36.2".
std::string VersionString(uint32_t v);

}  // namespace exray::macho
