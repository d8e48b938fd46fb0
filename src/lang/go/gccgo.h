// gccgo recognition: whether a binary holds Go compiled by gccgo (GCC's Go
// front end, which writes no pclntab and no build info), from facts any
// container format can give, and the GCC and Go releases they imply.
// See docs/go-version.md for the evidence and the libgo soname table.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "support/address_space.h"
#include "support/byte_view.h"
#include "support/limits.h"

namespace exray::go {

/// What the container format knows about the binary; src/analysis fills it
/// from its model. Views must outlive the call.
struct GccgoFacts {
  std::vector<std::string_view> needed;         // DT_NEEDED names
  std::vector<std::string_view> section_names;  // every section, allocated or not
  std::vector<std::string_view> comments;       // .comment producer strings
  ByteView go_export;                           // contents of the .go_export section; empty when absent
  /// Whether a symbol table names this symbol, defined or undefined; unset
  /// when the format has no symbols.
  std::function<bool(std::string_view)> has_symbol;
  /// Where to look for libgo's runtime version string ("go1.18 gccgo ...");
  /// optional.
  const AddressSpace* as = nullptr;
};

enum class GccgoEvidenceKind : uint8_t {
  kLibgoNeeded,    // NEEDED libgo.so.N
  kGoExport,       // a .go_export section (gccgo export data, "v3;\npackage main")
  kSymbol,         // a gccgo-only symbol name (__go_init_main, main..import, ...)
  kComment,        // a "GCC: " producer in .comment
  kVersionString,  // libgo's runtime version string "go1.N gccgo" in read-only data
  kMaxValue = kVersionString,
};
/// "needed", "section", "symbol", "comment", "string".
std::string_view GccgoEvidenceKindName(GccgoEvidenceKind k);

struct GccgoEvidence {
  GccgoEvidenceKind kind = GccgoEvidenceKind::kComment;
  std::string what;       // "NEEDED libgo.so.21", "symbol __go_init_main"
  std::string where;      // "dynamic section", ".go_export section", "symbol table", ".comment", "vaddr 0x4b2e10"
  bool decisive = false;  // enough alone (or, for symbols, with a second one) to call it gccgo
};

/// A row of the libgo table: GCC release, libgo soname, the Go release its
/// libgo implements (golang.org/doc/install/gccgo "Releases").
struct LibgoRelease {
  int gcc_major = 0;
  int gcc_minor = 0;      // 7, 8 or 9 for GCC 4.x; 0 from GCC 5 on, where the major names the release
  int soname = 0;         // libgo.so.N
  int go_minor = 0;       // Go 1.N
  bool verified = false;  // soname checked against a Debian package (libgo19: gcc-11, libgo21: gcc-12)
};
std::span<const LibgoRelease> LibgoReleases();
/// The row for libgo.so.N; nullptr when unknown.
const LibgoRelease* LibgoBySoname(int soname);
/// The row for a GCC version such as "12.2.0" or "4.9.2"; nullptr when unknown.
const LibgoRelease* LibgoByGccVersion(std::string_view gcc_version);

struct GccgoInfo {
  std::optional<std::string> gcc_version;  // "12.2.0", from .comment
  std::optional<int> gcc_major;
  std::optional<int> libgo_soname;        // 21, from NEEDED libgo.so.21
  std::optional<std::string> go_version;  // "go1.18"
  std::string go_version_from;            // "libgo.so.21 (GCC 12)", "GCC 12 (.comment)", "runtime version string"
  std::vector<GccgoEvidence> evidence;
};

/// Recognises Go compiled by gccgo. Decisive: NEEDED libgo.so.N; a .go_export
/// section whose bytes start with gccgo's export header ("v1;" to "v9;");
/// two or more gccgo-only symbols. Supporting only: one such symbol, a GCC
/// .comment, the "go1.N gccgo" string, a .go_export section without its
/// bytes. A bare string (a C program quoting "__go_init_main") is never
/// enough. nullopt when nothing decisive is there. The Go release comes from
/// the version string, else the libgo soname, else the GCC version in .comment,
/// through LibgoReleases.
std::optional<GccgoInfo> DetectGccgo(const GccgoFacts& facts);

/// The version in a .comment producer "GCC: (Debian 12.2.0-14) 12.2.0" or
/// "GCC: (GNU) 4.8.5 20150623 (Red Hat 4.8.5-44)": "12.2.0", "4.8.5"; nullopt
/// when it is not a GCC producer string.
std::optional<std::string> GccVersionOf(std::string_view comment);

}  // namespace exray::go
