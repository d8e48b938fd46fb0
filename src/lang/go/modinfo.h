// The module-information text a Go binary carries (runtime/debug.ParseBuildInfo)
// and Go string unquoting (strconv.Unquote) for its quoted build settings.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "support/diag.h"
#include "support/limits.h"

namespace exray::go {

struct Module {
  std::string path, version, sum;
};

struct Dep {
  Module mod;
  std::optional<Module> replace;  // from a "=>" line after the mod or dep line
};

/// The parsed modinfo: what `go version -m` prints after the Go version.
struct ModInfo {
  std::string path;           // main package path ("path" line)
  std::optional<Dep> main;    // "mod" line, with its replacement if any
  std::vector<Dep> deps;      // "dep" lines, in file order
  std::vector<std::pair<std::string, std::string>> settings;  // "build" lines, in file order, unquoted
};

/// Decodes the Go-quoted string at the start of s ("..." with Go escapes, or
/// `...` raw) per strconv.QuotedPrefix + Unquote. Sets *consumed to the
/// quoted length. nullopt when s does not start with a valid quoted string.
std::optional<std::string> UnquotePrefix(std::string_view s, size_t* consumed);

/// strconv.Unquote for "..." and `...`: nullopt unless all of s is one quoted string.
std::optional<std::string> Unquote(std::string_view s);

/// Parses modinfo text (after the 16-byte sentinels are stripped). Lines that
/// runtime/debug.ParseBuildInfo rejects are skipped with a warning naming the
/// line, and the rest is kept; a final line without a newline is ignored, as in Go.
ModInfo ParseModInfo(std::string_view text, Diagnostics* diag);

}  // namespace exray::go
