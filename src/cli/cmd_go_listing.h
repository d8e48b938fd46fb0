// `exray go FILE --listing LOG`: the part of `exray go` that holds a Go
// assembly listing against the binary (cmd_go_listing.cc).
#pragma once

#include <iosfwd>
#include <string>

namespace exray {

/// Reads the listing at listing_path and the Go binary at path, and prints
/// their comparison as text or JSON. 0 when both were read (disagreements
/// are findings, not failures); 1 when either file cannot be read, the binary
/// has no pclntab, or the listing declares no function.
int RunGoListing(const std::string& path, const std::string& listing_path, bool json, std::ostream& out,
                 std::ostream& err);

}  // namespace exray
