// cargo-auditable's dependency list: the `.dep-v0` section, zlib-compressed
// JSON naming every crate a Rust binary was built from
// (https://github.com/rust-secure-code/cargo-auditable, auditable-serde).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "support/byte_view.h"
#include "support/limits.h"
#include "support/result.h"

namespace exray::rust {

struct AuditablePackage {
  std::string name, version;
  std::string source;            // "crates.io", "git", "local", "registry" or another string
  std::string kind = "runtime";  // "build" or "runtime" (the default when absent)
  std::vector<uint64_t> dependencies;  // indices into the package list, validated
  bool root = false;
};

struct AuditableInfo {
  std::vector<AuditablePackage> packages;  // in file order (dependencies index into it)
  uint32_t format = 0;                     // "format" field; 0 when absent
  uint64_t json_bytes = 0;                 // size after inflating
};

/// Inflates and decodes the raw bytes of a `.dep-v0` section. An Error, and
/// never a partial list, when the data is not what cargo-auditable writes:
/// bad or truncated zlib, output past kMaxDepV0Json, nesting past
/// kMaxJsonDepth, invalid JSON, a package without a string name, version or
/// source, an unknown kind, a dependency index outside the list, or more than
/// one root. Bytes after the end of the zlib stream are ignored.
Result<AuditableInfo> ParseDepV0(ByteView section);

/// Inflates a zlib stream into at most max_out bytes; an Error when the
/// stream is damaged, ends early, or would inflate to more than max_out.
Result<std::string> InflateZlib(ByteView in, uint64_t max_out);

/// Whether the JSON text nests [ and { deeper than max_depth (counted outside
/// strings, with escapes honoured). One pass, no recursion.
bool JsonNestsDeeperThan(std::string_view json, int max_depth);

}  // namespace exray::rust
