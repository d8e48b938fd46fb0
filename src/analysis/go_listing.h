// `exray go FILE --listing LOG`: a Go assembly listing held against the
// binary it should describe. Each listed function is looked up by name in
// the pclntab; its size, args, frame, ABI and nosplit flag are set beside
// what the binary says (the function's bytes, _func.args, the pcsp table,
// the stack check decoded at its entry).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "code/decoder.h"
#include "lang/go/buildinfo.h"
#include "lang/go/listing.h"
#include "lang/go/pclntab.h"
#include "support/address_space.h"
#include "support/diag.h"

namespace exray {

/// The stack-growth check at a function's entry: a read of g.stackguard0
/// (16(R14) on amd64, 16(g) on arm64, through TLS on older amd64 and 386)
/// compared with SP, and a conditional branch to code that calls
/// runtime.morestack*.
enum class StackCheck : uint8_t {
  kUnknown,  // the architecture has no decoder here, or the bytes are not readable
  kAbsent,
  kPresent,
  kMaxValue = kPresent,
};
std::string_view StackCheckName(StackCheck c);

struct ListingMatch {
  const go::ListingFunction* listed = nullptr;  // its first declaration
  std::string name;                             // placeholder resolved
  uint32_t declarations = 1;                    // the name declared again (dupok across packages)
  bool found = false;
  std::string binary_name;       // the pclntab's name (`pkg.F[...]` for a generic instantiation)
  uint64_t entry = 0, end = 0;   // [entry, end): to the next function, alignment padding included
  uint32_t candidates = 0;       // pclntab functions of that name
  /// How the pclntab function was chosen: "name" (the only one), "symbol
  /// table" (the ELF symbol of the full name), "size" (the only candidate
  /// size= fits), "size, N alike: ambiguous", or "first of N".
  std::string matched_by;
  /// size= agrees: it is at most end - entry and the bytes after it are the
  /// architecture's padding (int3 on x86, zeros elsewhere); nullopt without size=.
  std::optional<bool> size_agrees;
  int32_t binary_args = 0;
  std::optional<int32_t> binary_frame;  // the pcsp table's largest SP delta
  std::optional<bool> frame_agrees;     // x86 only: the listing's $frame against the pcsp maximum
  StackCheck check = StackCheck::kUnknown;
  std::optional<uint64_t> check_offset;  // offset of the stack-guard read in the binary
  std::vector<std::string> disagreements;
  std::string not_found_note;  // why a same-named function of the binary was not taken
};

struct ListingComparison {
  std::vector<ListingMatch> functions;         // listing order, one per name
  std::vector<const go::Function*> unlisted;   // functions of the listed packages in the binary, not listed
  std::vector<std::string> packages;           // the listed packages (placeholders resolved), sorted
  std::string placeholder_package;             // what `"".` / `<unlinkable>.` were read as; empty when none
  std::string placeholder_reason;
  std::string formats;                         // the listing shapes recognised, for the report
  std::string version;                         // the Go version the listing states or implies
  std::string arch;                            // of the binary's code; empty when not decoded
  uint64_t listed = 0, found = 0, size_agree = 0, size_differ = 0, not_found = 0;
  uint64_t check_disagree = 0;
  std::vector<std::string> notes;
};

/// Matches listing against the binary's pclntab, reading code through as and
/// decoding it with decoder (null: no stack checks). bi, when given, names the
/// main package's path for placeholder names. Bounded by the listing's and the
/// pclntab's own caps, plus kMaxPrologueInsns, kMaxMorestackInsns and
/// kMaxListingSymbolLookups.
ListingComparison CompareListing(const go::Listing& listing, const go::Pclntab& pclntab, const AddressSpace& as,
                                 const code::Decoder* decoder, const go::BuildInfo* bi, Diagnostics& diag);

}  // namespace exray
