// Scans read-only data for the source paths rustc and cargo leave behind.
#include "lang/rust/paths.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

namespace exray::rust {
namespace {

bool IsHex(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  });
}
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) { return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// A semver numeric part: "0" or digits without a leading zero.
bool IsNumber(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), IsDigit) && (s.size() == 1 || s[0] != '0');
}

// Dot-separated identifiers of [0-9A-Za-z-]; numeric ones (pre-release only)
// without leading zeros.
bool IsIdentifiers(std::string_view s, bool check_numeric) {
  if (s.empty()) return false;
  size_t start = 0;
  while (start <= s.size()) {
    size_t dot = s.find('.', start);
    if (dot == std::string_view::npos) dot = s.size();
    std::string_view id = s.substr(start, dot - start);
    if (id.empty()) return false;
    if (!std::all_of(id.begin(), id.end(), [](char c) { return IsAlnum(c) || c == '-'; })) return false;
    if (check_numeric && std::all_of(id.begin(), id.end(), IsDigit) && !IsNumber(id)) return false;
    start = dot + 1;
  }
  return true;
}

bool IsCrateName(std::string_view s) {
  // crates.io: ASCII alphanumerics, '-' and '_', at most 64 characters.
  return !s.empty() && s.size() <= 64 && (IsAlnum(s[0]) || s[0] == '_') &&
         std::all_of(s.begin(), s.end(), [](char c) { return IsAlnum(c) || c == '-' || c == '_'; });
}

// The path component at text[pos...] up to the next '/', or nullopt when the
// '/' is not within kMaxComponent bytes (a cut path, or not a path at all) or
// a byte cannot be in such a name.
std::optional<std::string_view> Component(std::string_view text, size_t pos) {
  if (pos >= text.size()) return std::nullopt;
  const size_t end = std::min(text.size(), pos + kMaxComponent + 1);
  for (size_t i = pos; i < end; ++i) {
    const char c = text[i];
    if (c == '/') return i > pos ? std::optional(text.substr(pos, i - pos)) : std::nullopt;
    if (!IsAlnum(c) && c != '-' && c != '_' && c != '.' && c != '+') return std::nullopt;
  }
  return std::nullopt;
}

// "<host>-<16 hex>": cargo's directory for a registry index or a git checkout.
std::optional<std::string_view> HostOfHashedDir(std::string_view dir) {
  if (dir.size() < 18 || dir[dir.size() - 17] != '-') return std::nullopt;
  if (!IsHex(dir.substr(dir.size() - 16))) return std::nullopt;
  return dir.substr(0, dir.size() - 17);
}

struct Collector {
  PathScan* out;
  std::set<std::string> commits;
  std::map<std::tuple<std::string, std::string, std::string>, PathCrate> crates;

  void AddCrate(std::string_view name, std::string_view version, std::string_view source, std::string_view registry,
                uint64_t off) {
    auto key = std::make_tuple(std::string(name), std::string(version), std::string(source));
    if (crates.count(key)) return;
    if (crates.size() >= kMaxPathCrates) {
      out->crates_capped = true;
      return;
    }
    crates.emplace(std::move(key),
                   PathCrate{std::string(name), std::string(version), std::string(source), std::string(registry), off});
  }
};

template <typename F>
void ForEachHit(std::string_view text, std::string_view needle, F&& f) {
  // Each turn moves past one hit, so the loop ends within text.size() turns.
  for (size_t at = text.find(needle); at != std::string_view::npos; at = text.find(needle, at + 1))
    f(at, at + needle.size());
}

void ScanText(std::string_view text, uint64_t base, Collector& c) {
  PathScan& out = *c.out;
  ForEachHit(text, "/rustc/", [&](size_t at, size_t p) {
    if (p + 41 > text.size() || text[p + 40] != '/') return;
    std::string_view commit = text.substr(p, 40);
    if (!IsHex(commit)) return;
    if (c.commits.empty()) out.commit_offset = base + at;
    if (c.commits.size() < kMaxCommits) c.commits.insert(std::string(commit));
  });
  ForEachHit(text, "/usr/src/rustc-", [&](size_t at, size_t p) {
    auto v = Component(text, p);
    if (!v || !IsSemver(*v) || out.debian_rustc) return;
    out.debian_rustc = std::string(*v);
    out.debian_offset = base + at;
  });
  ForEachHit(text, "/registry/src/", [&](size_t at, size_t p) {
    auto index = Component(text, p);
    if (!index) return;
    auto host = HostOfHashedDir(*index);
    if (!host || host->empty()) return;
    auto dir = Component(text, p + index->size() + 1);
    if (!dir) return;
    auto split = SplitCrateVersion(*dir);
    if (!split) return;
    // The index dir is "<host>-<hash of the source id>": index.crates.io for
    // the sparse protocol (whatever the hash, which cargo 1.85 changed), and
    // github.com-1ecc6299db9ec823 for the git index of crates.io.
    const bool crates_io = *host == "index.crates.io" || *index == "github.com-1ecc6299db9ec823";
    c.AddCrate(split->first, split->second, crates_io ? "crates.io" : "registry", *index, base + at);
  });
  ForEachHit(text, "/git/checkouts/", [&](size_t at, size_t p) {
    auto checkout = Component(text, p);
    if (!checkout) return;
    auto repo = HostOfHashedDir(*checkout);
    if (!repo || !IsCrateName(*repo)) return;
    auto rev = Component(text, p + checkout->size() + 1);
    if (!rev || rev->size() < 7 || rev->size() > 40 || !IsHex(*rev)) return;
    c.AddCrate(*repo, *rev, "git", *checkout, base + at);
  });
  ForEachHit(text, "/usr/share/cargo/registry/", [&](size_t at, size_t p) {
    auto dir = Component(text, p);
    if (!dir) return;
    if (auto split = SplitCrateVersion(*dir)) c.AddCrate(split->first, split->second, "debian-vendored", "", base + at);
  });
  // The Rust project's own builds (rustup's cargo, rustfmt, clippy, rustdoc)
  // vendor their dependencies under /rust/deps/<crate>-<version>/.
  ForEachHit(text, "/rust/deps/", [&](size_t at, size_t p) {
    auto dir = Component(text, p);
    if (!dir) return;
    if (auto split = SplitCrateVersion(*dir)) c.AddCrate(split->first, split->second, "vendored", "", base + at);
  });
}

}  // namespace

bool IsSemver(std::string_view s) {
  // x.y.z
  size_t d1 = s.find('.');
  if (d1 == std::string_view::npos || !IsNumber(s.substr(0, d1))) return false;
  size_t d2 = s.find('.', d1 + 1);
  if (d2 == std::string_view::npos || !IsNumber(s.substr(d1 + 1, d2 - d1 - 1))) return false;
  size_t end = s.find_first_of("-+", d2 + 1);
  if (!IsNumber(s.substr(d2 + 1, end == std::string_view::npos ? std::string_view::npos : end - d2 - 1))) return false;
  if (end == std::string_view::npos) return true;
  std::string_view rest = s.substr(end);
  std::string_view pre, build;
  if (rest[0] == '-') {
    size_t plus = rest.find('+');
    pre = rest.substr(1, plus == std::string_view::npos ? std::string_view::npos : plus - 1);
    if (!IsIdentifiers(pre, /*check_numeric=*/true)) return false;
    if (plus == std::string_view::npos) return true;
    build = rest.substr(plus + 1);
  } else {
    build = rest.substr(1);
  }
  return IsIdentifiers(build, /*check_numeric=*/false);
}

std::optional<std::pair<std::string_view, std::string_view>> SplitCrateVersion(std::string_view dir) {
  // From the right: "rc-2" in "foo-1.0.0-rc-2" is not a version, "1.0.0-rc-2" is.
  for (size_t dash = dir.rfind('-'); dash != std::string_view::npos && dash > 0; dash = dir.rfind('-', dash - 1)) {
    if (dash + 1 < dir.size() && IsDigit(dir[dash + 1]) && IsSemver(dir.substr(dash + 1)) &&
        IsCrateName(dir.substr(0, dash)))
      return std::make_pair(dir.substr(0, dash), dir.substr(dash + 1));
  }
  return std::nullopt;
}

PathScan ScanRustPaths(const std::vector<ScanRegion>& regions) {
  PathScan out;
  Collector c{&out, {}, {}};
  for (const ScanRegion& r : regions) {
    const uint64_t budget = kMaxPathScan - out.scanned;
    if (budget == 0) {
      out.scan_capped = true;
      break;
    }
    const uint64_t n = std::min(budget, r.bytes.size());
    if (n < r.bytes.size()) out.scan_capped = true;
    ScanText(r.bytes.Sub(0, n).AsString(), r.file_offset, c);
    out.scanned += n;
  }
  out.commits.assign(c.commits.begin(), c.commits.end());
  out.crates.reserve(c.crates.size());
  for (auto& [key, crate] : c.crates) out.crates.push_back(std::move(crate));
  return out;
}

}  // namespace exray::rust
