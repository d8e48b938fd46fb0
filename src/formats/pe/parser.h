// PE/COFF parser: builds a pe::File from a PE32 or PE32+ image.
#pragma once

#include <string>
#include <string_view>

#include "formats/pe/model.h"
#include "support/byte_view.h"
#include "support/result.h"

namespace exray::pe {

/// True when the bytes start with "MZ" and e_lfanew points at "PE\0\0".
bool IsPe(ByteView bytes);

/// Parses the headers, the section table (long names from the COFF string
/// table), imports and delay imports, exports, the debug directory (CodeView
/// and the extended DLL characteristics), the load configuration, the
/// certificate table's first entry and the Rich header. Fails only when the
/// COFF header cannot be read; any later damage (a directory outside the
/// image, a name without its NUL, a thunk array that runs off the file) is a
/// warning in File::diag, and what could be read is kept. Work is bounded by
/// the kMaxPe* limits. Every byte of the view must be readable.
Result<File> Parse(ByteView bytes);

/// Names as llvm-readobj spells them.
std::string MachineName(uint16_t machine);      // "IMAGE_FILE_MACHINE_AMD64", or hex
std::string_view ArchName(uint16_t machine);    // "x86_64", "i386", "aarch64", "arm", or ""
std::string_view SubsystemName(uint16_t subsystem);  // "windows-gui", "windows-cui", "efi-application", ...
/// The Visual Studio release a Rich header entry's tool came with: VS2015 and
/// later share product ids (0x00fd and up) and differ by build number
/// ("VS2022 (MSVC 14.3x)"); older ids give "VS2013 or older"; 0 and 1
/// (unmarked objects, the import count) give "".
std::string_view VisualStudioFor(uint16_t product, uint16_t build);

}  // namespace exray::pe
