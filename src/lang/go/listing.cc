// Go assembly listing reader (see listing.h). The shapes read, as
// cmd/internal/obj prints them (objfile.go WriteSym for the header, util.go
// Prog.String for the TEXT line):
//   main.add STEXT nosplit size=4 args=0x10 locals=0x0 funcid=0x0 align=0x0
//   \t0x0000 00000 (x.go:13)\tTEXT\tmain.add(SB), NOSPLIT|ABIInternal, $0-16
//   \t0x0000 48 01 d8 c3                       H...      (code bytes)
//   \trel 5+4 t=7 runtime.morestack_noctxt+0            (relocations)
//   main.main.stkobj SRODATA static size=24             (a data symbol)
//   # example.com/listing                               (go build's package line)
#include "lang/go/listing.h"

#include <charconv>
#include <set>

#include "support/limits.h"

namespace exray::go {
namespace {

constexpr std::string_view kEmptyPkg = "\"\".";
constexpr std::string_view kUnlinkablePkg = "<unlinkable>.";

bool IsSpace(char c) { return c == ' ' || c == '\t'; }

std::string_view TrimLeft(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && IsSpace(s[i])) ++i;
  return s.substr(i);
}

std::string_view Trim(std::string_view s) {
  s = TrimLeft(s);
  while (!s.empty() && (IsSpace(s.back()) || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

/// The next whitespace-separated token of *s, which is advanced past it.
std::string_view Token(std::string_view* s) {
  *s = TrimLeft(*s);
  size_t i = 0;
  while (i < s->size() && !IsSpace((*s)[i])) ++i;
  std::string_view t = s->substr(0, i);
  s->remove_prefix(i);
  return t;
}

/// An unsigned number, hex with 0x or decimal; nullopt unless all of s is one.
std::optional<uint64_t> Number(std::string_view s) {
  int base = 10;
  if (s.starts_with("0x") || s.starts_with("0X")) s.remove_prefix(2), base = 16;
  if (s.empty()) return std::nullopt;
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

/// A signed decimal at the start of *s, advanced past it.
std::optional<int64_t> SignedPrefix(std::string_view* s) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), v, 10);
  if (ec != std::errc()) return std::nullopt;
  s->remove_prefix(static_cast<size_t>(p - s->data()));
  return v;
}

ListingPlaceholder PlaceholderOf(std::string_view name) {
  if (name.starts_with(kEmptyPkg)) return ListingPlaceholder::kEmpty;
  if (name.starts_with(kUnlinkablePkg)) return ListingPlaceholder::kUnlinkable;
  return ListingPlaceholder::kNone;
}

/// One instruction line: `0x0010 00016 (x.go:16)\tCMPQ\tR12, 16(R14)`.
struct Insn {
  uint64_t offset = 0;
  std::string_view mnemonic, operands;
};

/// Reads a body line (leading whitespace already removed) as an instruction;
/// false for code-byte dumps, `rel` lines and anything else.
bool ParseInsn(std::string_view s, Insn* out) {
  std::string_view pc = Token(&s);
  if (!pc.starts_with("0x")) return false;
  std::string_view dec = Token(&s);
  auto off = Number(pc);
  if (!off || !Number(dec)) return false;
  s = TrimLeft(s);
  // The position: (file:line) or (<unknown line number>); a path may hold spaces.
  if (!s.starts_with('(')) return false;
  size_t close = s.find(')');
  while (close != std::string_view::npos && close + 1 < s.size() && !IsSpace(s[close + 1]))
    close = s.find(')', close + 1);
  if (close == std::string_view::npos) return false;
  s.remove_prefix(close + 1);
  out->offset = *off;
  out->mnemonic = Token(&s);
  out->operands = Trim(s);
  return !out->mnemonic.empty();
}

/// The operand list split at ", " (names may hold spaces, never ", ").
std::vector<std::string_view> SplitOperands(std::string_view s) {
  std::vector<std::string_view> parts;
  while (!s.empty() && parts.size() < 8) {
    size_t c = s.find(", ");
    parts.push_back(s.substr(0, c));
    if (c == std::string_view::npos) break;
    s.remove_prefix(c + 2);
  }
  return parts;
}

void ApplyFlag(std::string_view flag, ListingFunction* f) {
  if (flag == "NOSPLIT" || flag == "nosplit") f->nosplit = true;
  else if (flag == "DUPOK" || flag == "dupok") f->dupok = true;
  else if (flag == "WRAPPER" || flag == "wrapper") f->wrapper = true;
  else if (flag == "NOFRAME") f->noframe = true;
  else if (flag == "ABIWRAPPER") f->abi_wrapper = true;
  else if (flag == "ABIInternal") f->abi = ListingAbi::kAbiInternal;
  else if (flag == "ABI0") f->abi = ListingAbi::kAbi0;
}

/// `main.add(SB), NOSPLIT|ABIInternal, $0-16` into f; false when the operand
/// does not name a symbol.
bool ParseText(std::string_view operands, std::string_view* name, ListingFunction* f) {
  size_t sb = operands.rfind("(SB)");
  if (sb == std::string_view::npos || sb == 0) return false;
  *name = operands.substr(0, sb);
  if (f == nullptr) return true;
  std::string_view rest = operands.substr(sb + 4);
  if (rest.starts_with(", ")) rest.remove_prefix(2);
  f->abi = ListingAbi::kAbi0;  // printed as no flag at all (link.go TextAttrString)
  for (std::string_view part : SplitOperands(rest)) {
    part = Trim(part);
    if (part.starts_with('$')) {
      std::string_view n = part.substr(1);
      if (auto frame = SignedPrefix(&n)) {
        f->frame = *frame;
        if (n.starts_with('-')) {
          n.remove_prefix(1);
          if (auto args = SignedPrefix(&n)) f->text_args = *args;
        }
      }
    } else {
      f->flags = std::string(part);
      while (!part.empty()) {
        size_t bar = part.find('|');
        ApplyFlag(part.substr(0, bar), f);
        if (bar == std::string_view::npos) break;
        part.remove_prefix(bar + 1);
      }
    }
  }
  return true;
}

/// Notes Go 1.20's renaming of compiler-generated symbols (type..eq. to
/// type:.eq., go.string. to go:string.) from a symbol name.
void NoteNaming(std::string_view name, Listing* l) {
  if (name.starts_with("type..") || name.starts_with("go.string.") || name.starts_with("go.info.") ||
      name.starts_with("go.cuinfo.") || name.starts_with("go.itab."))
    l->old_type_names = true;
  else if (name.starts_with("type:") || name.starts_with("go:"))
    l->new_type_names = true;
}

/// Whether the instruction reads the goroutine's stack guard (g.stackguard0,
/// at 2 pointers into runtime.g): the first instruction of the prologue that
/// runtime.morestack's check compiles to (cmd/internal/obj/*/obj*.go stacksplit).
bool ReadsStackGuard(const Insn& in, std::string* tls_reg) {
  std::string_view op = in.operands;
  if (in.mnemonic.starts_with("MOV") && (op.starts_with("(TLS), ") || op.starts_with("TLS, "))) {
    *tls_reg = std::string(op.substr(op.find(", ") + 2));
    return false;
  }
  if (in.mnemonic.starts_with("CMP")) {
    if (op.ends_with(", 16(R14)")) return true;  // amd64 with the register ABI: g is R14
    if (!tls_reg->empty()) {
      const bool q = in.mnemonic == "CMPQ";
      if (op.ends_with(std::string(q ? ", 16(" : ", 8(") + *tls_reg + ")")) return true;
    }
    return false;
  }
  // arm64, ppc64, s390x, mips64, riscv64 load it from g (R28 on arm64); arm and mips 32-bit at 8(g).
  return in.mnemonic.starts_with("MOV") &&
         (op.starts_with("16(g), ") || op.starts_with("8(g), ") || op.starts_with("16(R28), "));
}

}  // namespace

std::string_view ListingAbiName(ListingAbi a) {
  switch (a) {
    case ListingAbi::kUnknown: return "unknown";
    case ListingAbi::kAbi0: return "ABI0";
    case ListingAbi::kAbiInternal: return "ABIInternal";
  }
  return "unknown";
}

std::string ResolvePlaceholder(std::string_view name, std::string_view pkg) {
  std::string out;
  out.reserve(name.size() + pkg.size());
  size_t i = 0;
  while (i < name.size()) {
    std::string_view rest = name.substr(i);
    const std::string_view* hit = rest.starts_with(kEmptyPkg)        ? &kEmptyPkg
                                  : rest.starts_with(kUnlinkablePkg) ? &kUnlinkablePkg
                                                                     : nullptr;
    // Only at the start of a name or of a type inside it ([, *, (, space, comma).
    const bool boundary = i == 0 || name[i - 1] == '[' || name[i - 1] == '*' || name[i - 1] == '(' ||
                          name[i - 1] == ' ' || name[i - 1] == ',';
    if (hit && boundary) {
      out += pkg;
      out += '.';
      i += hit->size();
    } else {
      out += name[i++];
    }
  }
  return out;
}

Result<Listing> ParseListing(ByteView text, Diagnostics& diag) {
  Listing l;
  const std::string_view all = text.AsString();
  std::set<std::string, std::less<>> packages;
  std::string package_line;
  ListingFunction* cur = nullptr;  // the function whose body lines follow
  uint64_t prologue = 0;           // instruction lines of cur seen so far
  std::string tls_reg;             // the register `MOVQ (TLS), REG` loaded g into
  // A new function, cur from now on; nullptr once kMaxListingFunctions are listed.
  auto start_function = [&](std::string_view name) -> ListingFunction* {
    if (l.functions.size() >= kMaxListingFunctions) {
      l.truncated = true;
      diag.Warn("listing: stopped after " + std::to_string(kMaxListingFunctions) + " functions");
      return nullptr;
    }
    ListingFunction& f = l.functions.emplace_back();
    f.name = std::string(name);
    f.line = l.lines;
    f.package_line = package_line;
    f.placeholder = PlaceholderOf(name);
    cur = &f;
    prologue = 0;
    tls_reg.clear();
    return cur;
  };
  size_t off = 0;
  while (off < all.size()) {
    if (l.lines >= kMaxListingLines) {
      l.truncated = true;
      diag.Warn("listing: stopped after " + std::to_string(kMaxListingLines) + " lines");
      break;
    }
    size_t nl = all.find('\n', off);
    if (nl == std::string_view::npos) nl = all.size();
    std::string_view line = all.substr(off, nl - off);
    off = nl + 1;
    ++l.lines;
    if (line.size() > kMaxListingLineLength) {
      if (++l.long_lines == 1)
        diag.Warn("listing line " + std::to_string(l.lines) + ": over " + std::to_string(kMaxListingLineLength) +
                  " bytes, skipped (and any like it)");
      continue;
    }
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;

    // `go build -x` prints the compile command: -goversion names the toolchain.
    if (size_t gv = line.find(" -goversion go1."); gv != std::string_view::npos && l.go_version.empty()) {
      std::string_view v = line.substr(gv + 12);
      l.go_version = std::string(Token(&v).substr(0, kMaxVersionLen));
    }

    if (IsSpace(line[0])) {
      std::string_view body = TrimLeft(line);
      Insn in;
      if (!ParseInsn(body, &in)) {
        if (!(body.starts_with("0x") || body.starts_with("rel "))) ++l.other_lines;
        continue;
      }
      ++l.instruction_lines;
      if (in.mnemonic == "TEXT") {
        ++l.text_lines;
        std::string_view name;
        if (!ParseText(in.operands, &name, nullptr)) {
          ++l.other_lines;
          continue;
        }
        // The header line above declared the same function: the TEXT line completes it.
        if (!(cur && !cur->has_text && cur->name == name) && !start_function(name)) break;
        cur->has_text = true;
        (void)ParseText(in.operands, &name, cur);
        continue;
      }
      if (!cur) continue;
      ++cur->instructions;
      if (in.mnemonic == "PCDATA" || in.mnemonic == "FUNCDATA") continue;
      if (!cur->check_offset && prologue++ < kMaxListingPrologueLines && ReadsStackGuard(in, &tls_reg))
        cur->check_offset = in.offset;
      continue;
    }

    if (line.starts_with("# ")) {
      cur = nullptr;
      package_line = std::string(Trim(line.substr(2)));
      if (!package_line.empty() && packages.size() < kMaxListingFunctions &&
          packages.insert(package_line).second)
        l.packages.push_back(package_line);
      continue;
    }

    // A symbol header: NAME STYPE [words] size=N [key=value...]. The name may
    // hold spaces (`go.interface { Value() int }.Value`), so the type is found
    // as the first " S<UPPER>... " token followed later by " size=".
    size_t sz = line.find(" size=");
    size_t st = line.find(" S");
    while (st != std::string_view::npos && st < sz) {
      size_t e = st + 2;
      while (e < line.size() && line[e] >= 'A' && line[e] <= 'Z') ++e;
      if (e > st + 2 && (e == line.size() || line[e] == ' ')) break;
      st = line.find(" S", st + 1);
    }
    if (sz == std::string_view::npos || st == std::string_view::npos || st >= sz || st == 0) {
      cur = nullptr;
      ++l.other_lines;
      continue;
    }
    std::string_view name = line.substr(0, st);
    std::string_view rest = line.substr(st + 1);
    std::string_view type = Token(&rest);
    NoteNaming(name, &l);
    if (type != "STEXT") {
      ++l.data_symbols;
      cur = nullptr;
      continue;
    }
    ++l.header_lines;
    ListingFunction* f = start_function(name);
    if (!f) break;
    f->has_header = true;
    std::string words;
    for (std::string_view t = Token(&rest); !t.empty(); t = Token(&rest)) {
      size_t eq = t.find('=');
      if (eq == std::string_view::npos) {
        ApplyFlag(t, f);
        if (!words.empty()) words += ' ';
        words += t;
        continue;
      }
      std::string_view key = t.substr(0, eq);
      auto v = Number(t.substr(eq + 1));
      if (!v) {
        diag.Warn("listing line " + std::to_string(l.lines) + ": " + std::string(key) + " is not a number");
        continue;
      }
      if (key == "size") f->size = v;
      else if (key == "args") f->args = v;
      else if (key == "locals") f->locals = v;
      else if (key == "funcid") f->funcid = v;
    }
    f->flags = words;
  }
  for (const ListingFunction& f : l.functions) {
    NoteNaming(f.name, &l);
    if (f.placeholder != ListingPlaceholder::kNone) ++l.placeholder_names;
  }
  if (l.functions.empty()) {
    std::string msg = "no function declaration (an STEXT header or a TEXT line) in " + std::to_string(l.lines) +
                      " lines: not a Go assembly listing";
    if (l.long_lines) msg += " (" + std::to_string(l.long_lines) + " lines over the length limit skipped)";
    return MakeError(std::move(msg));
  }
  return l;
}

}  // namespace exray::go
