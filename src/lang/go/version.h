// The Go version of a gc-built binary without build info: the version string
// the runtime keeps (runtime.buildVersion), checked against the Go releases
// the binary's layout allows (pclntab magic, .go.module/.go.type sections).
// See docs/go-version.md.
#pragma once

#include <climits>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/address_space.h"
#include "lang/go/pclntab.h"
#include "support/diag.h"
#include "support/limits.h"

namespace exray::go {

/// An inclusive range of Go 1.x releases by minor number: {20, kOpen} is "Go 1.20+".
struct GoRange {
  static constexpr int kOpen = INT_MAX;
  int min_minor = 0;
  int max_minor = kOpen;

  bool empty() const { return min_minor > max_minor; }
  bool Contains(int minor) const { return minor >= min_minor && minor <= max_minor; }
  GoRange Intersect(GoRange o) const;
  /// "Go 1.20+", "Go 1.18-1.19", "Go 1.26", "any Go release", "no Go release".
  std::string ToString() const;
};

/// What the layout says about the release, filled by the caller (see LayoutHints).
struct VersionHints {
  std::optional<uint32_t> pcln_magic;  // the pcHeader magic, in the target's byte order
  bool go_module_section = false;      // .go.module / __go_module: Go 1.26+
  bool go_type_section = false;        // .go.type / __go_type: Go 1.27+
  bool gosymtab_section = false;       // .gosymtab / __gosymtab: Go 1.3-1.25 (removed in 1.26)
};

/// The section hints of as (by name, ELF and Mach-O spellings), plus pcln_magic
/// as given (from Pclntab::header().version through PclnMagic).
VersionHints LayoutHints(const AddressSpace& as, std::optional<uint32_t> pcln_magic);

/// One fact the layout states, with the releases it allows.
struct LayoutFact {
  std::string what;  // "pclntab magic 0xfffffff1", ".go.module section"
  GoRange range;     // Go 1.20+
};

/// The releases the layout alone allows: the intersection of every hint's
/// range, and the facts it came from. An unknown pclntab magic adds a fact
/// with an empty range. With no hints the range is "any Go release".
struct LayoutRange {
  GoRange range;
  std::vector<LayoutFact> facts;
};
LayoutRange RangeFromLayout(const VersionHints& hints);

/// The minor release of a Go version string: 26 for "go1.26.5", "go1.21rc2",
/// "go1.21.0 X:loopvar" or "devel go1.27-abcdef ..."; nullopt for anything else.
std::optional<int> GoMinorOf(std::string_view version);

/// How the version string was found, strongest first.
enum class VersionSource : uint8_t {
  kSymbol,        // the runtime.buildVersion symbol's {ptr,len} header
  kStringHeader,  // a {ptr,len} header in writable data pointing at a version string in read-only data
  kStringScan,    // a bare "go1.N..." string in read-only data (weak: no header vouches for it)
  kMaxValue = kStringScan,
};
/// "runtime.buildVersion symbol", "string header", "string scan".
std::string_view VersionSourceName(VersionSource s);

struct VersionCheck {
  std::string detail;  // "go1.26.5 agrees with pclntab magic 0xfffffff1 (Go 1.20+)"
  bool holds = true;
};

struct RuntimeVersion {
  std::string version;       // as stored: "go1.26.5", "go1.21.0 X:loopvar", "devel go1.27-abc ..."
  std::optional<int> minor;  // 26 for go1.26.5
  VersionSource source = VersionSource::kStringScan;
  uint64_t string_vaddr = 0;             // where the version bytes are
  std::optional<uint64_t> header_vaddr;  // the {ptr,len} header, for kSymbol and kStringHeader
  std::vector<VersionCheck> checks;      // one per layout fact, in RangeFromLayout order
  bool consistent = true;                // every check holds (true when there is none)
  std::vector<std::string> notes;        // fallbacks taken, other candidates seen

  bool strong() const { return source != VersionSource::kStringScan; }
};

/// Finds the Go version the runtime keeps, for binaries without build info:
///  1. the runtime.buildVersion symbol: a Go string header {ptr, len} in
///     writable data whose bytes ("go1.26.5", no NUL) are in read-only data;
///  2. else a pointer-aligned {ptr, len} pair in writable, non-executable
///     memory whose ptr is a "go1." string in non-writable memory and whose
///     len covers exactly a well-formed version (strong);
///  3. else a bare "go1.N[.P]" string in non-writable memory (weak); with
///     several, the one agreeing with hints and with clean ends wins.
/// A header whose pointer is 0 on disk (filled in by a dynamic relocation in
/// a PIE) falls through to 3, with a note; its length still picks the string.
/// Each layout fact of hints becomes a check of the version found. nullopt
/// when no version string is found (use RangeFromLayout then). Work is
/// bounded by kMaxVersionScanBytes, kMaxVersionHeaderScanBytes,
/// kMaxVersionStrings and kMaxVersionHeaders; a damaged runtime.buildVersion
/// header is a warning in diag and the search goes on.
std::optional<RuntimeVersion> FindRuntimeVersion(const AddressSpace& as, const VersionHints& hints, Diagnostics& diag);

}  // namespace exray::go
