// rustc versions: the producer line rustc writes to .comment, and a table of
// stable releases by the commit they were built from.
#pragma once

#include <optional>
#include <string>
#include <span>
#include <string_view>

namespace exray::rust {

/// A stable release and the first 9 hex digits of its commit, as
/// `rustc --version` prints them: "rustc 1.76.0 (07dca489a 2024-02-04)".
struct RustcRelease {
  std::string_view version, commit9, date;
};

/// The stable release built from commit (a 40-hex commit or a prefix of at
/// least 9 hex digits); nullopt for a commit not in the table (a nightly, a
/// beta, a release newer than the table, or one whose source was not checked).
std::optional<RustcRelease> ReleaseForCommit(std::string_view commit);

/// The rows of the table, oldest first.
std::span<const RustcRelease> Releases();

/// What rustc's .comment producer says: "rustc version 1.73.0 (cc66ad468
/// 2023-10-03)", possibly with a vendor suffix. commit9 is empty when the
/// parentheses hold no hash (distribution builds).
struct RustcProducer {
  std::string version, commit9, date;
};
/// nullopt unless s starts with "rustc version " and a x.y.z version.
std::optional<RustcProducer> ParseRustcProducer(std::string_view s);

}  // namespace exray::rust
