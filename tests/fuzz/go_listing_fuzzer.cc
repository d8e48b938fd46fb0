// libFuzzer target for the Go assembly listing reader (ParseListing): the
// input is the listing text, in memory. Checks invariants, not just survival:
// every function has a name and came from a header or a TEXT line within the
// lines read, counts stay within the caps, enums in range, and placeholder
// resolution leaves no placeholder behind.
// Seeds in corpus/go_listing/: real listings printed by Go 1.19 (see README.md there).
#include <cstddef>
#include <cstdint>

#include "fuzz_check.h"
#include "lang/go/listing.h"
#include "support/limits.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace exray;
  Diagnostics diag;
  auto l_or = go::ParseListing(ByteView(data, size), diag);
  FUZZ_CHECK(diag.warnings().size() <= kMaxWarnings, "warnings capped");
  if (!l_or) {
    FUZZ_CHECK(!l_or.error().message.empty(), "an error says why");
    return 0;
  }
  const go::Listing& l = *l_or;
  FUZZ_CHECK(!l.functions.empty(), "a listing holds a function");
  FUZZ_CHECK(l.functions.size() <= go::kMaxListingFunctions, "function cap");
  FUZZ_CHECK(l.lines <= go::kMaxListingLines, "line cap");
  FUZZ_CHECK(l.lines <= size + 1, "no more lines than bytes");
  FUZZ_CHECK(l.header_lines + l.text_lines >= l.functions.size(), "each function was declared");
  for (const go::ListingFunction& f : l.functions) {
    FUZZ_CHECK(f.has_header || f.has_text, "declared by a header or a TEXT line");
    FUZZ_CHECK(!f.name.empty() || f.has_header, "a TEXT line names its symbol");
    FUZZ_CHECK(f.line >= 1 && f.line <= l.lines, "line inside the listing");
    FUZZ_CHECK(f.name.size() <= go::kMaxListingLineLength, "name within a line");
    FUZZ_CHECK(static_cast<uint8_t>(f.abi) <= static_cast<uint8_t>(go::ListingAbi::kMaxValue), "abi in range");
    FUZZ_CHECK(static_cast<uint8_t>(f.placeholder) <= static_cast<uint8_t>(go::ListingPlaceholder::kMaxValue),
               "placeholder in range");
    FUZZ_CHECK(!f.has_text || f.abi != go::ListingAbi::kUnknown, "a TEXT line gives an ABI");
    if (f.placeholder != go::ListingPlaceholder::kNone) {
      const std::string r = go::ResolvePlaceholder(f.name, "p");
      FUZZ_CHECK(!r.starts_with("\"\".") && !r.starts_with("<unlinkable>."), "placeholder resolved");
    }
  }
  return 0;
}
