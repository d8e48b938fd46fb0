// Finds runtime.buildVersion and checks it against the layout's Go releases.
#include "lang/go/version.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "support/checked.h"
#include "support/hex.h"
#include "support/limits.h"

namespace exray::go {
namespace {

constexpr std::string_view kGo1 = "go1.";
constexpr std::string_view kDevel = "devel ";

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) { return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsPrintable(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

// Counts up to max digits at s[i]; 0 when none.
size_t Digits(std::string_view s, size_t i, int max) {
  size_t n = 0;
  while (i + n < s.size() && n < static_cast<size_t>(max) && IsDigit(s[i + n])) ++n;
  return n;
}

// The length of the "go1.N[.P][(rc|beta)K]" prefix of s (cmd/dist's version
// format), 0 when s does not start with one; *minor gets N.
size_t ParseCore(std::string_view s, int* minor) {
  if (s.substr(0, kGo1.size()) != kGo1) return 0;
  size_t i = kGo1.size();
  size_t n = Digits(s, i, kMaxMinorDigits);
  if (n == 0) return 0;
  int m = 0;
  for (size_t k = 0; k < n; ++k) m = m * 10 + (s[i + k] - '0');
  i += n;
  if (i + 1 < s.size() && s[i] == '.' && IsDigit(s[i + 1])) i += 1 + Digits(s, i + 1, kMaxPatchDigits);
  for (std::string_view pre : {std::string_view("rc"), std::string_view("beta")}) {
    if (s.substr(i, pre.size()) == pre) {
      size_t d = Digits(s, i + pre.size(), kMaxPreDigits);
      if (d) i += pre.size() + d;
      break;
    }
  }
  *minor = m;
  return i;
}

// A whole version string as runtime.buildVersion holds it: a core version
// followed by nothing, or by " X:experiments" / other printable text after a
// space; or "devel " and printable text.
bool IsRuntimeVersion(std::string_view s) {
  if (s.size() < kMinVersionLen || s.size() > kMaxVersionLen || !IsPrintable(s)) return false;
  if (s.substr(0, kDevel.size()) == kDevel) return s.size() > kDevel.size();
  int minor = 0;
  size_t n = ParseCore(s, &minor);
  return n > 0 && (n == s.size() || s[n] == ' ');
}

std::string MagicName(uint32_t magic) { return fmt::format("pclntab magic {:#010x}", magic); }

// The non-writable regions to search for version bytes (segments, else sections),
// read-only data first, then executable ones (old layouts keep rodata in text).
std::vector<const MemRegion*> ReadOnlyRegions(const AddressSpace& as) {
  std::vector<const MemRegion*> out;
  const std::vector<MemRegion>& all = as.Segments().empty() ? as.Sections() : as.Segments();
  for (bool exec : {false, true})
    for (const MemRegion& r : all)
      if (!r.write && r.exec == exec && r.size > 0) out.push_back(&r);
  return out;
}

std::vector<const MemRegion*> WritableRegions(const AddressSpace& as) {
  std::vector<const MemRegion*> out;
  const std::vector<MemRegion>& all = as.Segments().empty() ? as.Sections() : as.Segments();
  for (const MemRegion& r : all)
    if (r.write && !r.exec && r.size > 0) out.push_back(&r);
  return out;
}

// A "go1." occurrence in read-only data.
struct Hit {
  uint64_t vaddr = 0;        // of the 'g' (or the 'd' of "devel ")
  std::string_view text;     // from vaddr to at most kMaxVersionLen bytes on (may run into other strings)
  bool clean_start = false;  // the byte before is not part of a word or path
};

struct Hits {
  std::vector<Hit> hits;  // by address within each region
  bool capped = false;
};

Hits FindGoStrings(const AddressSpace& as) {
  Hits out;
  uint64_t scanned = 0;
  for (const MemRegion* r : ReadOnlyRegions(as)) {
    if (scanned >= kMaxVersionScanBytes) break;
    const uint64_t len = std::min(r->size, kMaxVersionScanBytes - scanned);
    ByteView v = as.Read(r->vaddr, len);
    scanned += len;
    std::string_view s = v.AsString();
    for (size_t i = s.find(kGo1); i != std::string_view::npos; i = s.find(kGo1, i + 1)) {
      int minor = 0;
      if (ParseCore(s.substr(i, kMaxVersionLen), &minor) == 0) continue;
      if (out.hits.size() >= kMaxVersionStrings) {
        out.capped = true;
        return out;
      }
      Hit h;
      size_t start = i;
      if (i >= kDevel.size() && s.substr(i - kDevel.size(), kDevel.size()) == kDevel) start = i - kDevel.size();
      h.vaddr = r->vaddr + start;
      h.text = s.substr(start, kMaxVersionLen);
      const char before = start > 0 ? s[start - 1] : '\0';
      h.clean_start = !(IsAlnum(before) || before == '_' || before == '.' || before == '/' || before == '-');
      out.hits.push_back(h);
    }
  }
  return out;
}

// Reads a Go string header {ptr, len} at vaddr.
bool ReadHeader(const AddressSpace& as, uint64_t vaddr, uint64_t* ptr, uint64_t* len) {
  const uint64_t ps = static_cast<uint64_t>(as.ptr_size());
  ByteView v = as.Read(vaddr, 2 * ps);
  return v.ReadWord(0, ps, as.endian(), ptr) && v.ReadWord(ps, ps, as.endian(), len);
}

// The version string a header points at, if it is one.
std::optional<std::string_view> VersionAt(const AddressSpace& as, uint64_t ptr, uint64_t len) {
  if (ptr == 0 || len < kMinVersionLen || len > kMaxVersionLen) return std::nullopt;
  ByteView v = as.Read(ptr, len);
  if (v.size() != len || !IsRuntimeVersion(v.AsString())) return std::nullopt;
  return v.AsString();
}

void Check(RuntimeVersion* rv, const VersionHints& hints) {
  const LayoutRange lr = RangeFromLayout(hints);
  for (const LayoutFact& f : lr.facts) {
    VersionCheck c;
    if (!rv->minor) {
      c.holds = false;
      c.detail =
          fmt::format("{}: {} names no Go 1.x release to check against {}", f.what, rv->version, f.range.ToString());
    } else {
      c.holds = f.range.Contains(*rv->minor);
      c.detail = fmt::format("{} {} {} ({})", rv->version, c.holds ? "agrees with" : "contradicts", f.what,
                             f.range.ToString());
    }
    rv->consistent = rv->consistent && c.holds;
    rv->checks.push_back(std::move(c));
  }
}

bool AgreesWithLayout(std::optional<int> minor, const GoRange& range) { return minor && range.Contains(*minor); }

// Step 2: {ptr,len} pairs in writable data pointing at one of hits.
struct HeaderHit {
  uint64_t header_vaddr, ptr;
  std::string_view version;
};

std::vector<HeaderHit> FindHeaders(const AddressSpace& as, const Hits& hits) {
  std::vector<HeaderHit> out;
  if (hits.hits.empty()) return out;
  const uint64_t ps = static_cast<uint64_t>(as.ptr_size());
  const Endian e = as.endian();
  std::vector<uint64_t> targets;
  targets.reserve(2 * hits.hits.size());
  for (const Hit& h : hits.hits) {
    targets.push_back(h.vaddr);
    // "go1." right after another string that happens to end in "devel ".
    if (h.text.substr(0, kDevel.size()) == kDevel) targets.push_back(h.vaddr + kDevel.size());
  }
  std::sort(targets.begin(), targets.end());
  uint64_t scanned = 0;
  for (const MemRegion* r : WritableRegions(as)) {
    if (scanned >= kMaxVersionHeaderScanBytes) break;
    const uint64_t len = std::min(r->size, kMaxVersionHeaderScanBytes - scanned);
    ByteView v = as.Read(r->vaddr, len);
    scanned += len;
    // Pointer-aligned by address, as the linker lays out a string variable.
    for (uint64_t off = (ps - r->vaddr % ps) % ps; off + 2 * ps <= v.size(); off += ps) {
      uint64_t ptr = 0, n = 0;
      if (!v.ReadWord(off, ps, e, &ptr) || !std::binary_search(targets.begin(), targets.end(), ptr)) continue;
      if (!v.ReadWord(off + ps, ps, e, &n)) continue;
      auto s = VersionAt(as, ptr, n);
      if (!s) continue;
      out.push_back({r->vaddr + off, ptr, *s});
      if (out.size() >= kMaxVersionHeaders) return out;
    }
  }
  return out;
}

// Step 3: the best bare string. want_len, when known from a header whose
// pointer was not filled in, picks strings of exactly that length.
struct Bare {
  uint64_t vaddr = 0;
  std::string version;
  int score = -1;
};

Bare PickBare(const Hits& hits, const GoRange& range, std::optional<uint64_t> want_len, size_t* distinct) {
  Bare best;
  std::map<std::string, int> seen;
  for (const Hit& h : hits.hits) {
    std::string_view s = h.text;
    if (s.substr(0, kDevel.size()) == kDevel) s.remove_prefix(kDevel.size());
    int minor = 0;
    const size_t n = ParseCore(s, &minor);
    if (n == 0) continue;
    const char after = n < s.size() ? s[n] : '\0';
    const bool clean_end = !(IsAlnum(after) || after == '_' || after == '.' || after == '/' || after == '-');
    std::string version(s.substr(0, n));
    int exact = 0;  // 2: the length covers exactly the version; 1: the version and a suffix
    if (want_len && *want_len <= h.text.size() && IsRuntimeVersion(h.text.substr(0, *want_len))) {
      exact = *want_len == n + (h.text.size() - s.size()) ? 2 : 1;
      version = std::string(h.text.substr(0, *want_len));
    }
    // Exact length beats agreeing with the layout beats clean ends beats a patch number.
    const int score = exact * 16 + (range.Contains(minor) ? 8 : 0) + (clean_end ? 4 : 0) + (h.clean_start ? 2 : 0) +
                      (version.find('.', kGo1.size()) != std::string::npos ? 1 : 0);
    seen.emplace(version, 0);
    if (score > best.score) {
      best.score = score;
      best.vaddr = h.vaddr + (exact ? 0 : h.text.size() - s.size());  // past a "devel " prefix it dropped
      best.version = version;
    }
  }
  *distinct = seen.size();
  return best;
}

}  // namespace

GoRange GoRange::Intersect(GoRange o) const {
  return GoRange{std::max(min_minor, o.min_minor), std::min(max_minor, o.max_minor)};
}

std::string GoRange::ToString() const {
  if (empty()) return "no Go release";
  if (min_minor <= 0 && max_minor == kOpen) return "any Go release";
  if (max_minor == kOpen) return fmt::format("Go 1.{}+", min_minor);
  if (min_minor == max_minor) return fmt::format("Go 1.{}", min_minor);
  if (min_minor <= 0) return fmt::format("Go 1.{} or older", max_minor);
  return fmt::format("Go 1.{}-1.{}", min_minor, max_minor);
}

VersionHints LayoutHints(const AddressSpace& as, std::optional<uint32_t> pcln_magic) {
  VersionHints h;
  h.pcln_magic = pcln_magic;
  h.go_module_section = as.FindSection(".go.module") || as.FindSection("__go_module");
  h.go_type_section = as.FindSection(".go.type") || as.FindSection("__go_type");
  h.gosymtab_section =
      as.FindSection(".gosymtab") || as.FindSection("__gosymtab") || as.FindSection(".data.rel.ro.gosymtab");
  return h;
}

LayoutRange RangeFromLayout(const VersionHints& hints) {
  LayoutRange out;
  auto add = [&](std::string what, GoRange r) {
    out.range = out.range.Intersect(r);
    out.facts.push_back({std::move(what), r});
  };
  if (hints.pcln_magic) {
    // runtime/symtab.go pcHeader magics; reference §2.5.
    switch (*hints.pcln_magic) {
      case 0xfffffffb:
        add(MagicName(*hints.pcln_magic), {2, 15});
        break;
      case 0xfffffffa:
        add(MagicName(*hints.pcln_magic), {16, 17});
        break;
      case 0xfffffff0:
        add(MagicName(*hints.pcln_magic), {18, 19});
        break;
      case 0xfffffff1:
        add(MagicName(*hints.pcln_magic), {20, GoRange::kOpen});
        break;
      default:
        add(MagicName(*hints.pcln_magic) + " (unknown layout)", {1, 0});
        break;
    }
  }
  // Go 1.26 release notes (moduledata in .go.module; .gosymtab removed); Go 1.27 .go.type (reference §2.1).
  if (hints.go_module_section) add(".go.module section", {26, GoRange::kOpen});
  if (hints.go_type_section) add(".go.type section", {27, GoRange::kOpen});
  if (hints.gosymtab_section) add(".gosymtab section", {3, 25});
  return out;
}

std::optional<int> GoMinorOf(std::string_view version) {
  if (version.substr(0, kDevel.size()) == kDevel) version.remove_prefix(kDevel.size());
  int minor = 0;
  if (ParseCore(version.substr(0, kMaxVersionLen), &minor) == 0) return std::nullopt;
  return minor;
}

std::string_view VersionSourceName(VersionSource s) {
  switch (s) {
    case VersionSource::kSymbol:
      return "runtime.buildVersion symbol";
    case VersionSource::kStringHeader:
      return "string header";
    case VersionSource::kStringScan:
      return "string scan";
  }
  return "unknown";
}

std::optional<RuntimeVersion> FindRuntimeVersion(const AddressSpace& as, const VersionHints& hints, Diagnostics& diag) {
  const int ps = as.ptr_size();
  if (ps != 4 && ps != 8) return std::nullopt;
  const GoRange range = RangeFromLayout(hints).range;
  std::vector<std::string> notes;
  std::optional<uint64_t> want_len;  // from a header whose pointer is not filled in on disk

  // 1. The symbol.
  if (auto sym = as.Symbol("runtime.buildVersion")) {
    uint64_t ptr = 0, len = 0;
    if (!ReadHeader(as, *sym, &ptr, &len)) {
      // Zero-filled memory (.bss): never set at link time, as in gccgo's libgo. Not damage.
      notes.push_back(fmt::format("runtime.buildVersion at {} is not backed by the file", Hex(*sym)));
    } else if (ptr == 0 && len >= kMinVersionLen && len <= kMaxVersionLen) {
      want_len = len;
      notes.push_back(
          fmt::format("runtime.buildVersion at {} has pointer 0 on disk (filled in by a dynamic relocation): "
                      "fell back to the string scan, length {}",
                      Hex(*sym), len));
    } else if (auto s = VersionAt(as, ptr, len)) {
      RuntimeVersion rv;
      rv.version = std::string(*s);
      rv.minor = GoMinorOf(rv.version);
      rv.source = VersionSource::kSymbol;
      rv.string_vaddr = ptr;
      rv.header_vaddr = *sym;
      rv.notes = std::move(notes);
      Check(&rv, hints);
      return rv;
    } else {
      diag.Warn(fmt::format("runtime.buildVersion at {}: {{ptr {}, len {}}} is not a Go version string", Hex(*sym),
                            Hex(ptr), len));
    }
  }

  const Hits hits = FindGoStrings(as);
  if (hits.capped)
    notes.push_back(fmt::format("stopped after {} \"go1.\" strings in read-only data", kMaxVersionStrings));

  // 2. A header in writable data.
  if (!want_len) {
    std::vector<HeaderHit> headers = FindHeaders(as, hits);
    if (!headers.empty()) {
      // runtime.buildVersion is a lone string variable; a static []string of
      // versions (a table in some package) shows up as adjacent headers. So:
      // agreeing with the layout, then standing alone, then a patch number
      // or suffix; the first of equals.
      const uint64_t stride = 2 * static_cast<uint64_t>(ps);
      auto adjacent = [&](const HeaderHit& h) {
        for (const HeaderHit& o : headers)
          if (o.header_vaddr != h.header_vaddr &&
              (o.header_vaddr == h.header_vaddr + stride || h.header_vaddr == o.header_vaddr + stride))
            return true;
        return false;
      };
      const HeaderHit* pick = nullptr;
      int best = -1;
      for (const HeaderHit& h : headers) {
        const bool specific = h.version.find_first_of(". ", kGo1.size()) != std::string_view::npos;
        const int score =
            (AgreesWithLayout(GoMinorOf(h.version), range) ? 4 : 0) + (adjacent(h) ? 0 : 2) + (specific ? 1 : 0);
        if (score > best) {
          best = score;
          pick = &h;
        }
      }
      RuntimeVersion rv;
      rv.version = std::string(pick->version);
      rv.minor = GoMinorOf(rv.version);
      rv.source = VersionSource::kStringHeader;
      rv.string_vaddr = pick->ptr;
      rv.header_vaddr = pick->header_vaddr;
      for (const HeaderHit& h : headers)
        if (h.version != pick->version)
          notes.push_back(fmt::format("another string header at {} holds {}", Hex(h.header_vaddr), h.version));
      if (headers.size() >= kMaxVersionHeaders)
        notes.push_back(fmt::format("stopped after {} string headers", kMaxVersionHeaders));
      rv.notes = std::move(notes);
      Check(&rv, hints);
      return rv;
    }
    if (!hits.hits.empty())
      notes.push_back(
          "no string header in writable data points at a \"go1.\" string (in a PIE the pointers may be "
          "filled in only by dynamic relocations): fell back to the string scan");
  }

  // 3. A bare string.
  size_t distinct = 0;
  Bare b = PickBare(hits, range, want_len, &distinct);
  if (b.score < 0) return std::nullopt;
  RuntimeVersion rv;
  rv.version = b.version;
  rv.minor = GoMinorOf(rv.version);
  rv.source = VersionSource::kStringScan;
  rv.string_vaddr = b.vaddr;
  if (distinct > 1) notes.push_back(fmt::format("{} different \"go1.\" strings in read-only data", distinct));
  rv.notes = std::move(notes);
  Check(&rv, hints);
  return rv;
}

}  // namespace exray::go
