// Go assembly listing reader: the functions a `go build -gcflags=-S` or `go
// tool compile -S` listing declares, with what its header and TEXT lines say
// (size, args, locals, frame, ABI, flags) and where its code compares the
// stack pointer against the goroutine's stack guard. Pure text parsing: no
// binary is involved (analysis/go_listing.h matches the records to one).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/byte_view.h"
#include "support/diag.h"
#include "support/result.h"

namespace exray::go {

/// The ABI a TEXT line names among its flags (cmd/internal/obj TextAttrString):
/// ABIInternal is printed, ABI0 is the zero value and printed as nothing
/// (or ABI0 by some releases); kUnknown when there is no TEXT line.
enum class ListingAbi : uint8_t { kUnknown, kAbi0, kAbiInternal, kMaxValue = kAbiInternal };
std::string_view ListingAbiName(ListingAbi a);

/// How a name's package was written.
enum class ListingPlaceholder : uint8_t {
  kNone,        // a real package path ("main.add", "example.com/p.F")
  kEmpty,       // `"".add`: the package being compiled (Go 1.18 and earlier, `go tool compile` without -p)
  kUnlinkable,  // `<unlinkable>.add`: Go 1.19+ `go tool compile` of a non-main package without -p
  kMaxValue = kUnlinkable,
};

/// One function the listing declares: an STEXT header line, a TEXT line, or
/// both (the header first, as `-S` prints them).
struct ListingFunction {
  std::string name;          // as listed, placeholder included
  std::string package_line;  // the `# path` line above it (go build), empty when none
  ListingPlaceholder placeholder = ListingPlaceholder::kNone;
  uint64_t line = 0;         // 1-based line of its first declaration
  bool has_header = false, has_text = false;
  // From the header: `size=N args=0xN locals=0xN funcid=0xN align=0xN`.
  std::optional<uint64_t> size, args, locals, funcid;
  // From the TEXT line's `$frame-args`.
  std::optional<int64_t> frame, text_args;
  ListingAbi abi = ListingAbi::kUnknown;
  bool nosplit = false, dupok = false, wrapper = false, noframe = false;
  bool abi_wrapper = false;  // ABIWRAPPER: a compiler-made bridge to the same function in the other ABI
  std::string flags;  // the TEXT line's flags as printed ("NOSPLIT|ABIInternal"), or the header's words
  /// Offset (from the function's start) of the instruction that reads the
  /// stack guard: `CMPQ SP|REG, 16(R14)` (amd64 regabi), `CMPQ REG, 16(CX)`
  /// after `MOVQ (TLS), CX` (older amd64; `CMPL ..., 8(CX)` on 386), `MOVD
  /// 16(g), REG` (arm64 and the other RISC ports); nullopt when none is seen
  /// among its first kMaxListingPrologueLines instructions.
  std::optional<uint64_t> check_offset;
  uint64_t instructions = 0;  // instruction lines seen
};

struct Listing {
  std::vector<ListingFunction> functions;  // in listing order
  std::vector<std::string> packages;       // `# path` lines, first-seen order, unique
  uint64_t lines = 0;                      // lines read
  uint64_t header_lines = 0, text_lines = 0, instruction_lines = 0, data_symbols = 0;
  uint64_t other_lines = 0;                // lines of no known shape
  uint64_t long_lines = 0;                 // over kMaxListingLineLength: skipped
  uint64_t placeholder_names = 0;          // `"".` / `<unlinkable>.` names
  bool old_type_names = false;             // `type..eq.`/`go.` helper names: Go 1.19 and earlier
  bool new_type_names = false;             // `type:.eq.`/`go:` helper names: Go 1.20 and later
  std::string go_version;                  // a `go1.N...` the listing states, else empty
  bool truncated = false;                  // stopped at kMaxListingLines or kMaxListingFunctions
};

/// Parses the text of a listing. Lines are read up to kMaxListingLines, each
/// up to kMaxListingLineLength bytes (longer ones are skipped and counted);
/// lines of no known shape (compiler messages, binary junk) are counted and
/// skipped. An Error when the text holds no function declaration at all (it
/// is not an assembly listing); damage short of that is a warning in diag.
[[nodiscard]] Result<Listing> ParseListing(ByteView text, Diagnostics& diag);

/// The name with its placeholder package (`"".`, `<unlinkable>.`) replaced by
/// pkg, everywhere it occurs (a closure or a generic shape may repeat it).
std::string ResolvePlaceholder(std::string_view name, std::string_view pkg);

}  // namespace exray::go
