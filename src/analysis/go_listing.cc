// `exray go FILE --listing LOG`: matching a Go assembly listing to the binary
// (see go_listing.h).
#include "analysis/go_listing.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "support/hex.h"
#include "support/limits.h"

namespace exray {
namespace {

/// The pclntab name of a generic instantiation: since Go 1.18 the linker
/// writes `pkg.F[...]` for every shape instantiation (cmd/link pclntab.go
/// funcNameForLookup strips the type arguments), while the listing and the
/// symbol table keep `pkg.F[go.shape.int_0]`.
std::string Elided(std::string_view name) {
  size_t lb = name.find('[');
  size_t rb = name.rfind(']');
  if (lb == std::string_view::npos || rb == std::string_view::npos || rb < lb) return std::string(name);
  return std::string(name.substr(0, lb)) + "[...]" + std::string(name.substr(rb + 1));
}

/// The package a resolved listed name belongs to, or empty for compiler-generated ones.
std::string_view PackageOfListed(std::string_view name) { return go::PackageOf(name); }

bool IsGenerated(std::string_view name) {
  return name.starts_with("go:") || name.starts_with("type:") || name.starts_with("go.") ||
         name.starts_with("type.");
}

struct Prologue {
  StackCheck check = StackCheck::kUnknown;
  std::optional<uint64_t> offset;
};

/// Whether the code at target reaches a call of runtime.morestack* before a
/// return, a jump or another call.
bool CallsMorestack(const code::Decoder& d, const AddressSpace& as, const go::Pclntab& p, uint64_t target) {
  const uint64_t window = go::kMaxMorestackInsns * 16;
  ByteView bytes = as.Read(target, window);
  uint64_t off = 0;
  for (uint64_t i = 0; i < go::kMaxMorestackInsns && off < bytes.size(); ++i) {
    code::Insn in;
    d.Decode(bytes.From(off), target + off, &in);
    if (in.flow == code::Flow::kCall) {
      auto loc = p.Lookup(in.target);
      return loc && loc->function && loc->function->name.starts_with("runtime.morestack");
    }
    if (in.flow != code::Flow::kNext && in.flow != code::Flow::kCondJump) return false;
    off += in.len;
  }
  return false;
}

/// The stack check at entry (cmd/internal/obj/x86/obj6.go and arm64/obj7.go stacksplit).
Prologue FindStackCheck(const code::Decoder& d, const AddressSpace& as, const go::Pclntab& p, uint64_t entry,
                        uint64_t end) {
  Prologue r;
  if (end <= entry) return r;
  ByteView bytes = as.Read(entry, std::min<uint64_t>(end - entry, go::kMaxPrologueInsns * 16));
  if (bytes.empty()) return r;
  r.check = StackCheck::kAbsent;
  const bool x86 = d.arch() == code::Arch::kX86_64 || d.arch() == code::Arch::kX86;
  // g lives in R14 under amd64's register ABI, in x28 on arm64; otherwise it is loaded from TLS.
  const uint8_t g = d.arch() == code::Arch::kX86_64 ? code::kX86R14 : d.arch() == code::Arch::kArm64 ? 28 : code::kNoReg;
  const int64_t guard = 2 * d.ptr_size();  // runtime.g: stack{lo, hi}, then stackguard0
  uint32_t tls_regs = 0;                   // registers loaded from fs:/gs: (g on older amd64 and 386)
  std::optional<uint64_t> guard_at;
  uint64_t off = 0;
  for (uint64_t i = 0; i < go::kMaxPrologueInsns && off < bytes.size(); ++i) {
    code::Insn in;
    const ByteView at = bytes.From(off);
    d.Decode(at, entry + off, &in);
    if (in.flow == code::Flow::kInvalid) break;
    code::Detail det;
    if (d.Describe(at, entry + off, &det) && det.has_mem) {
      const uint8_t base = det.mem.base;
      const bool is_g = base != code::kNoReg && (base == g || (base < 32 && (tls_regs >> base) & 1));
      if (!guard_at && is_g && det.mem.disp == guard &&
          (det.op == code::Op::kCompare || (!x86 && det.op == code::Op::kLoad)))
        guard_at = entry + off;
      if (x86 && det.op == code::Op::kLoad && (det.mem.fs || det.mem.gs) && det.dst < 32) tls_regs |= 1u << det.dst;
    }
    if (in.flow == code::Flow::kCondJump) {
      if (guard_at && CallsMorestack(d, as, p, in.target)) {
        r.check = StackCheck::kPresent;
        r.offset = *guard_at - entry;
        return r;
      }
    } else if (in.flow != code::Flow::kNext) {
      break;  // a call, jump or return comes before any check
    }
    off += in.len;
  }
  return r;
}

/// Whether [entry+size, end) holds only the linker's padding, and, on x86
/// with a decoder, the listed size ends the function's last instruction and
/// not a run of that padding: a shorter function followed by INT3 fill would
/// otherwise agree with any longer size up to its end (seen with Go 1.21's
/// `go tool nm`, whose main.main fits inside the fixture's listed size).
bool SizeAgrees(const AddressSpace& as, const code::Decoder* d, uint64_t entry, uint64_t end, uint64_t size) {
  if (end < entry || size > end - entry) return false;
  // cmd/link pads x86 text with INT3 (0xcc), the other architectures with zeros.
  const bool x86 = d && (d->arch() == code::Arch::kX86_64 || d->arch() == code::Arch::kX86);
  const uint8_t fill = x86 ? 0xcc : 0x00;
  const uint64_t pad = end - entry - size;
  if (pad) {
    ByteView bytes = as.Read(entry + size, pad);
    if (bytes.size() != pad) return false;
    for (uint64_t i = 0; i < pad; ++i)
      if (bytes.At(i) != fill) return false;
  }
  if (x86 && size > 0 && size <= go::kMaxListingSweepBytes) {
    ByteView code = as.Read(entry, size);
    if (code.size() != size) return false;
    uint64_t off = 0;
    code::Insn in;
    while (off < size) {
      d->Decode(code.From(off), entry + off, &in);
      off += in.len ? in.len : 1;
    }
    // The sweep must land on the listed end, and not with a lone INT3 (fill).
    if (off != size || (in.len == 1 && code.At(size - 1) == fill)) return false;
  }
  return true;
}

}  // namespace

std::string_view StackCheckName(StackCheck c) {
  switch (c) {
    case StackCheck::kUnknown: return "unknown";
    case StackCheck::kAbsent: return "absent";
    case StackCheck::kPresent: return "present";
  }
  return "unknown";
}

ListingComparison CompareListing(const go::Listing& listing, const go::Pclntab& pclntab, const AddressSpace& as,
                                 const code::Decoder* decoder, const go::BuildInfo* bi, Diagnostics& diag) {
  ListingComparison out;
  if (decoder) out.arch = std::string(code::ArchName(decoder->arch()));

  // The pclntab by name; a name can occur more than once (ABI wrappers, generic shapes).
  std::unordered_map<std::string_view, std::vector<size_t>> by_name;
  std::set<std::string_view, std::less<>> binary_packages;
  const std::vector<go::Function>& fns = pclntab.functions();
  by_name.reserve(fns.size());
  for (size_t i = 0; i < fns.size(); ++i) {
    by_name[fns[i].name].push_back(i);
    if (std::string_view pkg = go::PackageOf(fns[i].name); !pkg.empty()) binary_packages.insert(pkg);
  }
  const bool has_main = by_name.count("main.main") != 0;

  // What the placeholder package (`"".`, `<unlinkable>.`) stands for, per `# path` line.
  std::map<std::string, std::string> placeholder_for;  // package line -> package
  for (const go::ListingFunction& f : listing.functions) {
    if (f.placeholder == go::ListingPlaceholder::kNone || placeholder_for.count(f.package_line)) continue;
    const std::string& line = f.package_line;
    std::string pkg, why;
    const bool main_path = bi && !bi->mod.path.empty() && bi->mod.path == line;
    if (!line.empty() && binary_packages.count(line)) {
      pkg = line, why = "from the listing's \"# " + line + "\" line";
    } else if (has_main && (line.empty() || main_path || line == "command-line-arguments")) {
      pkg = "main";
      why = line.empty() ? "no \"# path\" line: taken as the binary's main package"
                         : "the \"# " + line + "\" line names the binary's main package";
    } else if (!line.empty()) {
      pkg = line, why = "from the listing's \"# " + line + "\" line (the binary has no function of that package)";
    } else {
      pkg = "main", why = "no \"# path\" line, and the binary has no main.main: taken as main";
    }
    placeholder_for[line] = pkg;
    if (out.placeholder_package.empty()) out.placeholder_package = pkg, out.placeholder_reason = why;
    else if (out.placeholder_package != pkg) out.placeholder_reason += "; others as " + pkg;
  }

  std::unordered_map<std::string, size_t> row_of;  // resolved name -> row
  std::vector<bool> claimed(fns.size(), false);
  uint64_t lookups = 0;
  bool lookups_capped = false;
  std::set<std::string> packages;
  for (const go::ListingFunction& f : listing.functions) {
    std::string name = f.placeholder == go::ListingPlaceholder::kNone
                           ? f.name
                           : go::ResolvePlaceholder(f.name, placeholder_for[f.package_line]);
    // A function and its ABI wrapper share a name: one row for each ABI.
    const std::string row_key = name + '\0' + std::string(go::ListingAbiName(f.abi));
    if (auto it = row_of.find(row_key); it != row_of.end()) {
      ++out.functions[it->second].declarations;
      continue;
    }
    row_of.emplace(row_key, out.functions.size());
    ListingMatch m;
    m.listed = &f;
    m.name = name;
    if (std::string_view pkg = PackageOfListed(name); !pkg.empty()) packages.insert(std::string(pkg));

    // Candidates: the exact name, else the generic form `pkg.F[...]`.
    std::string key = name;
    auto it = by_name.find(key);
    if (it == by_name.end() && name.find('[') != std::string::npos) {
      key = Elided(name);
      it = by_name.find(key);
    }
    std::vector<size_t> cands;
    if (it != by_name.end())
      for (size_t i : it->second)
        if (!claimed[i]) cands.push_back(i);
    m.candidates = it == by_name.end() ? 0 : static_cast<uint32_t>(it->second.size());
    std::optional<size_t> pick;
    if (cands.size() == 1 && m.candidates == 1) {
      pick = cands[0], m.matched_by = "name";
    } else if (!cands.empty()) {
      // Ambiguous: the symbol table names each one in full (`pkg.F[go.shape.int_0]`,
      // `pkg.F.abi0` for the ABI0 side of a wrapped function).
      if (lookups < go::kMaxListingSymbolLookups) {
        ++lookups;
        const std::string sym = f.abi == go::ListingAbi::kAbi0 && it->second.size() > 1 ? name + ".abi0" : name;
        std::optional<uint64_t> addr = as.Symbol(sym);
        if (!addr && sym != name) addr = as.Symbol(name);
        if (addr)
          for (size_t i : cands)
            if (fns[i].entry == *addr) pick = i, m.matched_by = "symbol table";
      } else {
        lookups_capped = true;
      }
      if (!pick && f.size) {
        // Without symbols, shapes of one generic are told apart by size alone;
        // when several fit, the first is taken in listing order and the row says so.
        uint64_t fit = 0;
        for (size_t i : cands)
          if (SizeAgrees(as, decoder, fns[i].entry, fns[i].end, *f.size) && fit++ == 0) pick = i;
        if (fit == 1) m.matched_by = "size";
        else if (fit > 1) m.matched_by = "size, " + std::to_string(fit) + " alike: ambiguous";
      }
      if (!pick) pick = cands[0], m.matched_by = "first of " + std::to_string(cands.size());
    }
    // An ABI wrapper (ABIWRAPPER) shares its name with the function it
    // bridges to; when the wrapper was dropped, the binary's function of that
    // name is the other ABI's body (often assembly), which size= does not fit.
    if (pick && f.abi_wrapper && f.size && m.matched_by != "symbol table" &&
        !SizeAgrees(as, decoder, fns[*pick].entry, fns[*pick].end, *f.size)) {
      m.not_found_note = "the binary's " + std::string(fns[*pick].name) +
                         " is the other ABI's body: this ABI wrapper was dropped";
      pick.reset();
    }
    if (pick) {
      claimed[*pick] = true;
      const go::Function& bf = fns[*pick];
      m.found = true;
      m.binary_name = std::string(bf.name);
      m.entry = bf.entry, m.end = bf.end;
      if (f.size) m.size_agrees = SizeAgrees(as, decoder, bf.entry, bf.end, *f.size);
      const go::Pclntab::Stack st = pclntab.StackOf(*pick, &diag);
      m.binary_args = st.args;
      m.binary_frame = st.max_sp;
      const bool x86 = decoder && (decoder->arch() == code::Arch::kX86_64 || decoder->arch() == code::Arch::kX86);
      if (x86 && f.frame && st.max_sp) m.frame_agrees = *f.frame == *st.max_sp;
      if (decoder) {
        Prologue pr = FindStackCheck(*decoder, as, pclntab, bf.entry, bf.end);
        m.check = pr.check;
        m.check_offset = pr.offset;
      }
      // What the listing and the binary disagree on.
      int64_t args = -1;
      if (f.args) args = static_cast<int64_t>(*f.args);
      else if (f.text_args) args = *f.text_args;
      if (m.size_agrees == false)
        m.disagreements.push_back("size: listing " + std::to_string(*f.size) + ", binary " +
                                  std::to_string(bf.end - bf.entry) + " bytes to the next function");
      // ArgsSizeUnknown (0x80000000, cmd/internal/objabi): assembly without a declared size.
      if (args >= 0 && args != st.args && st.args != INT32_MIN)
        m.disagreements.push_back("args: listing " + std::to_string(args) + ", binary " + std::to_string(st.args));
      if (m.frame_agrees == false)
        m.disagreements.push_back("frame: listing " + std::to_string(*f.frame) + ", binary pcsp " +
                                  std::to_string(*st.max_sp));
      if (m.check == StackCheck::kPresent && f.nosplit)
        m.disagreements.push_back("nosplit in the listing, yet a stack check at the entry");
      else if (m.check == StackCheck::kAbsent && f.check_offset)
        m.disagreements.push_back("the listing checks the stack at +" + Hex(*f.check_offset) +
                                  ", the binary has no check");
      else if (m.check == StackCheck::kPresent && f.check_offset && *f.check_offset != *m.check_offset)
        m.disagreements.push_back("stack check at +" + Hex(*m.check_offset) + ", the listing's at +" +
                                  Hex(*f.check_offset));
      else if (m.check == StackCheck::kAbsent && !f.nosplit && f.frame && *f.frame > 0 && f.instructions == 0)
        m.disagreements.push_back("a frame of " + std::to_string(*f.frame) +
                                  " bytes without nosplit, yet no stack check at the entry");
      if (m.check != StackCheck::kUnknown && !m.disagreements.empty() &&
          m.disagreements.back().find("stack check") != std::string::npos)
        ++out.check_disagree;
    }
    out.functions.push_back(std::move(m));
  }
  if (lookups_capped)
    out.notes.push_back("stopped looking up ambiguous names in the symbol table after " +
                        std::to_string(go::kMaxListingSymbolLookups));

  for (const ListingMatch& m : out.functions) {
    ++out.listed;
    if (!m.found) {
      ++out.not_found;
      continue;
    }
    ++out.found;
    if (m.size_agrees == true) ++out.size_agree;
    else if (m.size_agrees == false) ++out.size_differ;
  }
  out.packages.assign(packages.begin(), packages.end());

  // The listed packages' functions the listing does not declare: wrappers the
  // compiler or linker made elsewhere, ABI wrappers, the other shapes of a generic.
  for (size_t i = 0; i < fns.size(); ++i) {
    if (claimed[i]) continue;
    std::string_view name = fns[i].name;
    std::string_view pkg = go::PackageOf(name);
    bool ours = !pkg.empty() && packages.count(std::string(pkg));
    if (!ours && pkg.empty() && IsGenerated(name))
      for (const std::string& p : packages)
        if (name.find(p + ".") != std::string_view::npos) ours = true;
    if (ours) out.unlisted.push_back(&fns[i]);
  }

  // What the listing's lines show of its format and release.
  std::vector<std::string> formats;
  if (listing.header_lines) formats.push_back("STEXT headers");
  if (listing.text_lines) formats.push_back("TEXT lines");
  if (!listing.packages.empty()) formats.push_back("\"# package\" lines (go build)");
  uint64_t empty = 0, unlinkable = 0;
  for (const go::ListingFunction& f : listing.functions) {
    if (f.placeholder == go::ListingPlaceholder::kEmpty) ++empty;
    if (f.placeholder == go::ListingPlaceholder::kUnlinkable) ++unlinkable;
  }
  if (empty) formats.push_back("\"\". package placeholders (Go 1.19 and earlier)");
  if (unlinkable) formats.push_back("<unlinkable>. package placeholders (go tool compile without -p, Go 1.19+)");
  for (size_t i = 0; i < formats.size(); ++i) out.formats += (i ? ", " : "") + formats[i];
  if (!listing.go_version.empty()) {
    out.version = listing.go_version + " (from a -goversion flag in the listing)";
  } else if (listing.old_type_names && !listing.new_type_names) {
    out.version = "not stated; type.. and go. symbol names: Go 1.19 or earlier";
  } else if (listing.new_type_names && !listing.old_type_names) {
    out.version = "not stated; type: and go: symbol names: Go 1.20 or later";
  } else {
    out.version = "not stated";
  }

  if (out.listed && !out.found)
    out.notes.push_back("none of the " + std::to_string(out.listed) +
                        " listed functions is in the binary: the listing is probably of another program");
  else if (out.found >= 4 && out.size_differ * 2 > out.found)
    out.notes.push_back(std::to_string(out.size_differ) + " of " + std::to_string(out.found) +
                        " sizes differ: the listing is probably of another build (Go release, flags or source)");
  if (!decoder) out.notes.push_back("no decoder for this architecture: stack checks not looked for");
  return out;
}

}  // namespace exray
