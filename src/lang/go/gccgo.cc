// Recognises gccgo output from needed libraries, sections, symbols and producers.
#include "lang/go/gccgo.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "lang/go/version.h"
#include "support/limits.h"

namespace exray::go {
namespace {

// GCC release -> libgo soname -> Go release of its libgo. The Go releases are
// from golang.org/doc/install/gccgo "Releases" (GCC 4.7.1: Go 1; 4.8.2: Go
// 1.1.2; 4.9: 1.2; 5: 1.4; 6: 1.6.1; 7: 1.8.1; 8: 1.10.1; 9: 1.12.2; 10: 1.14;
// 11: 1.16.3; 12 and 13: the Go 1.18 library, without generics). Sonames are
// libgo's libtool_VERSION per release; 19 (gcc-11) and 21 (gcc-12) are checked
// against Debian 12's packages, the others are from Debian's package names
// (libgoN) and not checked here. GCC 14 and 15 did not update libgo past 1.18.
constexpr std::array<LibgoRelease, 14> kLibgo = {{
    {4, 7, 3, 0, false},
    {4, 8, 4, 1, false},
    {4, 9, 5, 2, false},
    {5, 0, 7, 4, false},
    {6, 0, 9, 6, false},
    {7, 0, 11, 8, false},
    {8, 0, 13, 10, false},
    {9, 0, 14, 12, false},
    {10, 0, 16, 14, false},
    {11, 0, 19, 16, true},
    {12, 0, 21, 18, true},
    {13, 0, 22, 18, false},
    {14, 0, 23, 18, false},
    {15, 0, 24, 18, false},
}};

// Symbols only gccgo output has: the main package's init function (named
// __go_init_main up to GCC 12, and the <pkg>..import init of each package),
// libgo's goroutine start and personality routine. gc names package inits
// <pkg>..inittask and starts goroutines with runtime.newproc.
constexpr std::array<std::string_view, 6> kGccgoSymbols = {
    "__go_init_main", "main..import", "runtime..import", "__go_go", "__gccgo_personality_v0", "__go_runtime_error",
};

constexpr std::string_view kLibgoPrefix = "libgo.so.";

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// N of "libgo.so.N" (a path prefix is allowed); nullopt otherwise.
std::optional<int> LibgoSoname(std::string_view needed) {
  if (size_t slash = needed.rfind('/'); slash != std::string_view::npos) needed.remove_prefix(slash + 1);
  if (needed.substr(0, kLibgoPrefix.size()) != kLibgoPrefix) return std::nullopt;
  std::string_view n = needed.substr(kLibgoPrefix.size());
  if (n.empty() || n.size() > 4 || !std::all_of(n.begin(), n.end(), IsDigit)) return std::nullopt;
  int v = 0;
  for (char c : n) v = v * 10 + (c - '0');
  return v;
}

// gccgo export data begins "v<digit>;\n" (gcc/go/export.cc magic: v1, v2, v3).
bool IsGoExport(ByteView b) {
  std::string_view s = b.Sub(0, std::min<uint64_t>(b.size(), kMaxGoExportHeader)).AsString();
  return s.size() >= 4 && s[0] == 'v' && IsDigit(s[1]) && s[2] == ';' && s[3] == '\n';
}

std::optional<int> MajorOf(std::string_view version) {
  size_t n = 0;
  int v = 0;
  while (n < version.size() && n < 3 && IsDigit(version[n])) v = v * 10 + (version[n++] - '0');
  if (n == 0) return std::nullopt;
  return v;
}

// libgo's runtime version, "go1.N[.P] gccgo ..." in non-writable memory.
struct VersionString {
  uint64_t vaddr = 0;
  std::string text;
};

std::optional<VersionString> FindGccgoVersionString(const AddressSpace& as) {
  constexpr std::string_view kMark = " gccgo";
  const std::vector<MemRegion>& all = as.Segments().empty() ? as.Sections() : as.Segments();
  uint64_t scanned = 0;
  for (const MemRegion& r : all) {
    if (r.write || r.size == 0 || scanned >= kMaxGccgoScanBytes) continue;
    const uint64_t len = std::min(r.size, kMaxGccgoScanBytes - scanned);
    scanned += len;
    std::string_view s = as.Read(r.vaddr, len).AsString();
    for (size_t i = s.find(kMark); i != std::string_view::npos; i = s.find(kMark, i + 1)) {
      const size_t from = i > kGoVersionLookBack ? i - kGoVersionLookBack : 0;
      const size_t g = s.substr(from, i - from).rfind("go1.");
      if (g == std::string_view::npos) continue;
      const size_t start = from + g;
      std::string_view core = s.substr(start, i - start);
      auto minor = GoMinorOf(core);
      // The whole "go1.N[.P]" must end right at " gccgo".
      if (!minor || !std::all_of(core.begin() + 4, core.end(), [](char c) { return IsDigit(c) || c == '.'; })) continue;
      std::string_view rest = s.substr(start, kMaxGccgoVersionLen);
      size_t end = 0;
      while (end < rest.size() && rest[end] >= 0x20 && rest[end] < 0x7f) ++end;
      return VersionString{r.vaddr + start, std::string(rest.substr(0, end))};
    }
  }
  return std::nullopt;
}

}  // namespace

std::string_view GccgoEvidenceKindName(GccgoEvidenceKind k) {
  switch (k) {
    case GccgoEvidenceKind::kLibgoNeeded:
      return "needed";
    case GccgoEvidenceKind::kGoExport:
      return "section";
    case GccgoEvidenceKind::kSymbol:
      return "symbol";
    case GccgoEvidenceKind::kComment:
      return "comment";
    case GccgoEvidenceKind::kVersionString:
      return "string";
  }
  return "unknown";
}

std::span<const LibgoRelease> LibgoReleases() { return kLibgo; }

const LibgoRelease* LibgoBySoname(int soname) {
  for (const LibgoRelease& r : kLibgo)
    if (r.soname == soname) return &r;
  return nullptr;
}

const LibgoRelease* LibgoByGccVersion(std::string_view gcc_version) {
  auto major = MajorOf(gcc_version);
  if (!major) return nullptr;
  int minor = 0;
  if (*major == 4) {  // 4.7, 4.8 and 4.9 differ; from GCC 5 on the major names the release
    const size_t dot = gcc_version.find('.');
    if (dot == std::string_view::npos) return nullptr;
    auto m = MajorOf(gcc_version.substr(dot + 1));
    if (!m) return nullptr;
    minor = *m;
  }
  for (const LibgoRelease& r : kLibgo)
    if (r.gcc_major == *major && r.gcc_minor == minor) return &r;
  return nullptr;
}

std::optional<std::string> GccVersionOf(std::string_view c) {
  constexpr std::string_view kGcc = "GCC: ";
  if (c.substr(0, kGcc.size()) != kGcc) return std::nullopt;
  c.remove_prefix(kGcc.size());
  if (!c.empty() && c[0] == '(') {
    size_t close = c.find(')');
    if (close == std::string_view::npos) return std::nullopt;
    c.remove_prefix(close + 1);
  }
  while (!c.empty() && c[0] == ' ') c.remove_prefix(1);
  size_t end = 0;
  while (end < c.size() && (IsDigit(c[end]) || c[end] == '.')) ++end;
  if (end == 0 || !IsDigit(c[0])) return std::nullopt;
  return std::string(c.substr(0, end));
}

std::optional<GccgoInfo> DetectGccgo(const GccgoFacts& facts) {
  GccgoInfo info;
  bool decisive = false;
  auto add = [&](GccgoEvidenceKind kind, std::string what, std::string where, bool is_decisive) {
    info.evidence.push_back({kind, std::move(what), std::move(where), is_decisive});
    decisive = decisive || is_decisive;
  };

  for (size_t i = 0; i < facts.needed.size() && i < kMaxGccgoFacts; ++i) {
    if (auto n = LibgoSoname(facts.needed[i])) {
      if (!info.libgo_soname) info.libgo_soname = *n;
      add(GccgoEvidenceKind::kLibgoNeeded, fmt::format("NEEDED {}", facts.needed[i]), "dynamic section", true);
    }
  }

  bool has_go_export = false;
  for (size_t i = 0; i < facts.section_names.size() && i < kMaxGccgoFacts; ++i)
    if (facts.section_names[i] == ".go_export") has_go_export = true;
  if (has_go_export) {
    if (IsGoExport(facts.go_export))
      add(GccgoEvidenceKind::kGoExport, fmt::format("gccgo export data \"{}\"", facts.go_export.Sub(0, 3).AsString()),
          ".go_export section", true);
    else
      add(GccgoEvidenceKind::kGoExport, "section named .go_export (contents not gccgo export data or not read)",
          ".go_export section", false);
  }

  if (facts.has_symbol) {
    size_t symbols = 0;
    for (std::string_view name : kGccgoSymbols)
      if (facts.has_symbol(name)) {
        ++symbols;
        add(GccgoEvidenceKind::kSymbol, fmt::format("symbol {}", name), "symbol table", false);
      }
    // Two different gccgo-only names: one could be a C program's own choice.
    if (symbols >= 2)
      for (GccgoEvidence& e : info.evidence)
        if (e.kind == GccgoEvidenceKind::kSymbol) e.decisive = decisive = true;
  }

  // GCC producers: prefer the one whose major matches the libgo soname, else the highest.
  std::vector<std::string> gcc_versions;
  for (size_t i = 0; i < facts.comments.size() && i < kMaxGccgoFacts; ++i)
    if (auto v = GccVersionOf(facts.comments[i])) {
      add(GccgoEvidenceKind::kComment, std::string(facts.comments[i]), ".comment", false);
      gcc_versions.push_back(*v);
    }

  std::optional<VersionString> vs;
  if (facts.as) vs = FindGccgoVersionString(*facts.as);
  if (vs)
    add(GccgoEvidenceKind::kVersionString, fmt::format("runtime version \"{}\"", vs->text),
        fmt::format("vaddr {:#x}", vs->vaddr), false);

  if (!decisive) return std::nullopt;

  const LibgoRelease* by_soname = info.libgo_soname ? LibgoBySoname(*info.libgo_soname) : nullptr;
  int best_rank = -1;
  for (const std::string& v : gcc_versions) {
    auto major = MajorOf(v);
    if (!major) continue;
    const int rank = (by_soname && *major == by_soname->gcc_major ? 1000 : 0) + *major;
    if (rank > best_rank) {
      best_rank = rank;
      info.gcc_major = major;
      info.gcc_version = v;
    }
  }

  if (vs) {
    std::string_view t = vs->text;
    info.go_version = std::string(t.substr(0, t.find(' ')));
    info.go_version_from = "runtime version string";
  } else if (by_soname) {
    info.go_version = fmt::format("go1.{}", by_soname->go_minor);
    info.go_version_from = fmt::format("libgo.so.{} (GCC {})", by_soname->soname, by_soname->gcc_major);
  } else if (info.gcc_version) {
    if (const LibgoRelease* r = LibgoByGccVersion(*info.gcc_version)) {
      info.go_version = fmt::format("go1.{}", r->go_minor);
      info.go_version_from = r->gcc_minor ? fmt::format("GCC {}.{} (.comment)", r->gcc_major, r->gcc_minor)
                                          : fmt::format("GCC {} (.comment)", r->gcc_major);
    }
  }
  return info;
}

}  // namespace exray::go
