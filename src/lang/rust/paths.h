// Source paths that rustc and cargo leave in a Rust binary's read-only data
// (panic locations, file!()): the rustc commit or Debian's rustc release, and
// the crates (with versions) the build compiled from a registry or git.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/byte_view.h"
#include "support/limits.h"

namespace exray::rust {

/// A region of read-only data and where it lies in the file.
struct ScanRegion {
  ByteView bytes;
  uint64_t file_offset = 0;
  std::string_view name;  // ".rodata", or "PT_LOAD[2]"
};

struct PathCrate {
  std::string name, version;
  std::string source;    // "crates.io", "registry", "git", "debian-vendored", "vendored"
  std::string registry;  // the index dir ("index.crates.io-6f17d22bba15001f") or git checkout dir; "" for Debian
  uint64_t file_offset = 0;  // first place seen
};

struct PathScan {
  std::vector<std::string> commits;      // 40-hex rustc commits from /rustc/<commit>/, sorted
  uint64_t commit_offset = 0;            // file offset of the first one seen
  std::optional<std::string> debian_rustc;  // "1.63.0" from /usr/src/rustc-1.63.0/
  uint64_t debian_offset = 0;
  std::vector<PathCrate> crates;         // deduplicated, sorted by name, version, source
  bool crates_capped = false;            // more than kMaxPathCrates distinct crates were seen
  uint64_t scanned = 0;                  // bytes looked at
  bool scan_capped = false;              // the regions held more than kMaxPathScan bytes
};

/// Finds, in the regions (in order, up to kMaxPathScan bytes in all):
///  /rustc/<40 hex>/                          the rustc commit of the standard library
///  /usr/src/rustc-<x.y.z>/                   Debian's rustc release
///  /registry/src/<host>-<16 hex>/<crate>-<semver>/   a crate from a registry
///                                            (crates.io when the host is index.crates.io or github.com)
///  /git/checkouts/<repo>-<16 hex>/<rev>/     a git dependency (name = repo, version = rev)
///  /usr/share/cargo/registry/<crate>-<semver>/   a crate vendored by Debian
/// A component must end with '/' inside the region: a path cut at the end of
/// a region is skipped, since its last name may be cut too. Never fails;
/// garbage yields nothing.
PathScan ScanRustPaths(const std::vector<ScanRegion>& regions);

/// Splits "foo-bar-1.2.3-alpha.1" into {"foo-bar", "1.2.3-alpha.1"}: the
/// version starts after the last '-' whose remainder is a semantic version
/// (https://semver.org: x.y.z, optional -pre and +build) and the name is a
/// valid crate name. nullopt when there is no such split.
std::optional<std::pair<std::string_view, std::string_view>> SplitCrateVersion(std::string_view dir);

/// Whether s is a semantic version (numeric parts without leading zeros).
bool IsSemver(std::string_view s);

}  // namespace exray::rust
