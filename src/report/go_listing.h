// Text and JSON views of `exray go FILE --listing LOG` (analysis/go_listing.h).
#pragma once

#include <ostream>
#include <string_view>

#include "analysis/go_listing.h"
#include "lang/go/listing.h"

namespace exray {

struct GoListingReport {
  std::string_view path;          // the binary
  std::string_view listing_path;  // the listing
  const go::Listing* listing = nullptr;
  const ListingComparison* comparison = nullptr;
  const std::vector<std::string>* warnings = nullptr;
};

/// One line per listed function in aligned columns, the binary's unlisted
/// functions of the same packages, then the summary.
void GoListingToText(const GoListingReport& r, std::ostream& out);
/// The object documented in docs/go.md (`--listing`), one line when indent < 0.
void GoListingToJson(const GoListingReport& r, int indent, std::ostream& out);

}  // namespace exray
