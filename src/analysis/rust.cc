// The Rust part of the report: the rustc release (from .comment, the rustc
// commit in std's source paths, or Debian's rustc path) and the crate list
// (from cargo-auditable's .dep-v0, else from registry paths), with evidence.
#include <fmt/format.h>

#include <algorithm>

#include "analysis/elf_facts.h"
#include "formats/elf/raw.h"
#include "lang/rust/auditable.h"
#include "lang/rust/paths.h"
#include "lang/rust/version.h"
#include "support/limits.h"

namespace exray {
namespace {

// Whether the report looks further: a .dep-v0 manifest or a rustc producer
// line. `exray rust` always looks, paths included.
bool MaybeRust(const elf::File& f, const Analysis& a) {
  if (f.FindSection(".dep-v0")) return true;
  for (const std::string& c : f.comment)
    if (c.starts_with("rustc version ")) return true;
  return false;
}

// .rodata when the file has one; else every readable, non-executable PT_LOAD
// segment (read-only data lives there in a file without sections, or whose
// linker script named it otherwise).
std::vector<rust::ScanRegion> ReadOnlyData(const elf::File& f) {
  std::vector<rust::ScanRegion> regions;
  if (const elf::Section* s = f.FindSection(".rodata"); s && s->type != elf::SHT_NOBITS && s->in_file) {
    regions.push_back({f.Load(s->offset, std::min(s->size, rust::kMaxPathScan)), s->offset, ".rodata"});
    return regions;
  }
  uint64_t total = 0;
  for (size_t i = 0; i < f.segments.size() && total < rust::kMaxPathScan; ++i) {
    const elf::Segment& p = f.segments[i];
    if (p.type != elf::PT_LOAD || !(p.flags & elf::PF_R) || (p.flags & elf::PF_X)) continue;
    const uint64_t n = std::min(p.filesz, rust::kMaxPathScan - total);
    ByteView v = f.Load(p.offset, n);
    if (v.empty()) continue;
    total += v.size();
    regions.push_back({v, p.offset, "PT_LOAD"});
  }
  return regions;
}

// Whether the symbol tables hold Rust's own runtime symbols (rust_begin_unwind,
// rust_panic, __rust_alloc, __rust_probestack, ...).
bool HasRustSymbols(const elf::File& f) {
  for (const elf::SymbolTable* t : {&f.dynsym, &f.symtab}) {
    const uint64_t n = std::min(t->readable, kMaxRustSymbolScan);
    for (uint64_t i = 1; i < n; ++i)
      if (t->NameStartsWith(i, "rust_") || t->NameStartsWith(i, "__rust_")) return true;
      else if (t->NameStartsWith(i, "_R")) {
        // Rust's v0 mangling: _R, then a capital tag (_RNvCs..._12rustc_driver...).
        std::string_view n = t->NameBytes(i, 3);
        if (n.size() == 3 && n[2] >= 'A' && n[2] <= 'Z') return true;
      }
  }
  return false;
}

}  // namespace

void AnalyzeRust(const elf::File& f, Analysis* a, bool search_always) {
  if (!search_always && !MaybeRust(f, *a)) return;
  RustFacts r;
  r.paths_scanned = search_always;
  bool rust = false;

  // 1. cargo-auditable's manifest.
  std::optional<rust::AuditableInfo> audit;
  if (const elf::Section* s = f.FindSection(".dep-v0")) {
    rust = true;
    RustDepV0 d;
    d.bytes = s->size;
    d.where = fmt::format(".dep-v0 section at file offset {:#x}", s->offset);
    if (s->type == elf::SHT_NOBITS || !s->in_file) {
      d.error = "section has no bytes in the file";
    } else if (s->flags & elf::SHF_COMPRESSED) {
      d.error = "section is SHF_COMPRESSED (cargo-auditable never writes that)";
    } else {
      auto info_or = rust::ParseDepV0(f.SectionData(*s));
      if (!info_or) d.error = info_or.error().message;
      else audit = std::move(*info_or);
    }
    if (audit) {
      d.packages = audit->packages.size();
      d.format = audit->format;
      a->evidence.push_back({"rust.dep_v0", "carries a cargo-auditable dependency list", true, Strength::kManifest,
                             d.where, fmt::format("{} packages, format {}", audit->packages.size(), audit->format)});
    } else {
      a->warnings.push_back("rust: .dep-v0: " + d.error);
      a->evidence.push_back({"rust.dep_v0", "carries a cargo-auditable dependency list", false, Strength::kManifest,
                             d.where, "unreadable: " + d.error});
    }
    r.dep_v0 = std::move(d);
  }

  // 2. rustc's producer line (rustc 1.73 and later write one).
  std::optional<rust::RustcProducer> producer;
  for (const std::string& c : f.comment)
    if ((producer = rust::ParseRustcProducer(c))) break;

  // 3. Paths in read-only data: `exray rust` only. Reading up to
  // kMaxPathScan of .rodata costs about 1 ms a MiB here (deno: 60 ms), more
  // than the whole report of most files; the report keeps to the manifest
  // and the producer line.
  rust::PathScan scan = search_always ? rust::ScanRustPaths(ReadOnlyData(f)) : rust::PathScan{};
  auto where_of = [&](uint64_t off) {
    return fmt::format("{} at file offset {:#x}", f.FindSection(".rodata") ? ".rodata" : "read-only segment", off);
  };
  // rustup's std is built by the Rust project, whose build vendors std's own
  // dependencies under /rust/deps too: in a program that shows no other
  // /rust/deps crate they are std's, not the program's (a hello world would
  // list addr2line, gimli, libc, memchr, miniz_oxide, object and
  // rustc-demangle). The Rust project's own tools (cargo) list them all.
  static constexpr std::string_view kStdDeps[] = {
      "addr2line", "adler", "adler2", "allocator-api2", "cc", "cfg-if", "compiler_builtins", "dlmalloc",
      "fortanix-sgx-abi", "getopts", "gimli", "hashbrown", "hermit-abi", "libc", "memchr", "miniz_oxide",
      "object", "r-efi", "r-efi-alloc", "rand", "rand_xorshift", "rustc-demangle", "std_detect", "unicode-width",
      "unwinding", "wasi", "windows-targets", "windows-sys"};
  auto std_dep = [&](const rust::PathCrate& c) {
    return c.source == "vendored" && std::find(std::begin(kStdDeps), std::end(kStdDeps), c.name) != std::end(kStdDeps);
  };
  const bool own_vendored = std::any_of(scan.crates.begin(), scan.crates.end(), [&](const rust::PathCrate& c) {
    return c.source == "vendored" && !std_dep(c);
  });
  if (!own_vendored) std::erase_if(scan.crates, std_dep);
  if (!scan.commits.empty() || scan.debian_rustc || !scan.crates.empty()) rust = true;
  // rustc's producer line is easy to forge, or to inherit from one linked
  // object (tests/identify/fixtures/src/neg_fake_rustc_comment.c): alone it
  // counts only with Rust's runtime symbols beside it.
  // `exray rust` also takes Rust's runtime or v0-mangled names alone, as the
  // main report's identification does (Debian's rustc: a stub importing
  // rustc_driver's _RNv... functions).
  if (!rust && (producer || search_always) && HasRustSymbols(f)) rust = true;
  if (!rust) return;
  if (scan.scan_capped)
    a->warnings.push_back(fmt::format("rust: scanned only the first {} MiB of read-only data for paths",
                                      rust::kMaxPathScan >> 20));
  if (scan.commits.size() > 1)
    a->warnings.push_back(fmt::format("rust: {} different rustc commits in source paths", scan.commits.size()));

  // The version: the producer line, else the commit's release, else Debian's path.
  if (!scan.commits.empty()) r.commit = scan.commits.front();
  if (producer) {
    r.version = producer->version, r.version_from = "comment";
    if (r.commit.empty()) r.commit = producer->commit9;
    a->evidence.push_back({"rust.version", "compiled by rustc " + r.version, true, Strength::kProducer, ".comment",
                           "rustc version " + producer->version +
                               (producer->commit9.empty() ? "" : " (" + producer->commit9 + ")")});
  } else if (!scan.commits.empty()) {
    if (auto rel = rust::ReleaseForCommit(r.commit)) {
      r.version = std::string(rel->version), r.version_from = "rustc commit";
      a->evidence.push_back({"rust.version", "compiled by rustc " + r.version, true, Strength::kString,
                             where_of(scan.commit_offset),
                             fmt::format("/rustc/{}/: the commit of rustc {} ({})", r.commit, rel->version,
                                         rel->date)});
    } else {
      a->evidence.push_back({"rust.version", "compiled by a known rustc release", false, Strength::kString,
                             where_of(scan.commit_offset),
                             fmt::format("/rustc/{}/: not a stable release in exray's table (a nightly, a beta, or "
                                         "newer than the table)",
                                         r.commit)});
    }
  } else if (scan.debian_rustc) {
    r.version = *scan.debian_rustc, r.version_from = "debian rustc path";
    a->evidence.push_back({"rust.version", "compiled by rustc " + r.version, true, Strength::kString,
                           where_of(scan.debian_offset), "/usr/src/rustc-" + r.version + "/: Debian's rustc"});
  }
  if (producer && !scan.commits.empty() && !producer->commit9.empty() &&
      !scan.commits.front().starts_with(producer->commit9))
    a->warnings.push_back(fmt::format("rust: .comment names rustc commit {} but std's paths name {}",
                                      producer->commit9, scan.commits.front()));

  // The crates: the manifest when it could be read, else the paths.
  if (audit) {
    for (const rust::AuditablePackage& p : audit->packages)
      r.crates.push_back({p.name, p.version, p.source, p.kind, "dep-v0"});
    a->evidence.push_back({"rust.crates", "lists the crates it was built from", true, Strength::kManifest,
                           r.dep_v0->where, fmt::format("{} crates from .dep-v0", r.crates.size())});
  } else if (!scan.crates.empty()) {
    for (const rust::PathCrate& c : scan.crates) r.crates.push_back({c.name, c.version, c.source, "", "path"});
    r.crates_capped = scan.crates_capped;
    auto by_offset = [](const rust::PathCrate& x, const rust::PathCrate& y) { return x.file_offset < y.file_offset; };
    const rust::PathCrate& first = *std::min_element(scan.crates.begin(), scan.crates.end(), by_offset);
    a->evidence.push_back(
        {"rust.crates", "lists the crates it was built from", true, Strength::kString, where_of(first.file_offset),
         fmt::format("{}{} crates from registry paths (a crate whose code left no path is missed)", r.crates.size(),
                     r.crates_capped ? "+" : "")});
    if (r.crates_capped)
      a->warnings.push_back(fmt::format("rust: more than {} crates in paths; the list is cut", rust::kMaxPathCrates));
  }
  std::sort(r.crates.begin(), r.crates.end(), [](const RustCrate& x, const RustCrate& y) {
    return std::tie(x.name, x.version, x.source) < std::tie(y.name, y.version, y.source);
  });
  a->rust = std::move(r);
}

}  // namespace exray
