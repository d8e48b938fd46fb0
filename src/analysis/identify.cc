// Identification: detectors over the model's facts, then one merge step.
// Signals and their strengths are described in docs/identify.md.
#include "analysis/identify.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <array>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "analysis/analyze.h"
#include "analysis/needles.h"
#include "formats/macho/parser.h"
#include "formats/pe/parser.h"
#include "lang/rust/version.h"

namespace exray {
namespace {

// ---- Engines: how each shows, and whether it JITs by default. ----

struct EngineInfo {
  std::string_view name;      // the JSON vocabulary
  std::string_view language;  // the language it runs
  Jit jit;                    // by default: yes, capable, no
};

constexpr EngineInfo kEngines[] = {
    {"cpython", "python", "no"},     {"pypy", "python", "yes"},     {"hotspot", "java", "yes"},
    {"v8", "javascript", "yes"},     {"jsc", "javascript", "yes"},  {"lua", "lua", "no"},
    {"luajit", "lua", "yes"},        {"perl", "perl", "no"},        {"ruby", "ruby", "capable"},
    {"php", "php", "capable"},       {"tcl", "tcl", "no"},          {"guile", "scheme", "yes"},
    {"beam", "erlang", "yes"},       {"mono", "csharp", "yes"},     {"coreclr", "csharp", "yes"},
    {"sbcl", "lisp", "yes"},         {"racket", "scheme", "yes"},  {"ocamlrun", "ocaml", "no"},
    // Interpreters and VMs written in C, told by their own strings (kEngineStrings).
    {"bash", "shell", "no"},         {"gawk", "awk", "no"},         {"chez", "scheme", "yes"},
    {"gforth", "forth", "yes"},      {"emacs", "elisp", "capable"}, {"clisp", "lisp", "no"},
    {"swipl", "prolog", "no"},       {"regina", "rexx", "no"},
    // Shells: interpreters of the shell language, none with a JIT.
    // Jim Tcl: a small Tcl of its own (libjim), not Tcl's libtcl.
    {"jim", "tcl", "no"},
    {"dash", "shell", "no"},         {"zsh", "shell", "no"},        {"mksh", "shell", "no"},
    {"tcsh", "shell", "no"},         {"fish", "shell", "no"},
};

const EngineInfo* EngineByName(std::string_view n) {
  for (const EngineInfo& e : kEngines)
    if (e.name == n) return &e;
  return nullptr;
}

// A symbol that marks an engine's core. `entry` marks the engine's own main
// (Py_BytesMain, node::Start, JLI_Launch): a binary that calls it and
// little else is that engine's launcher.
struct EngineSymbol {
  std::string_view prefix;
  std::string_view engine;
  bool entry;
};

constexpr EngineSymbol kEngineSymbols[] = {
    {"Py_BytesMain", "cpython", true},
    {"Py_Main", "cpython", true},
    {"_PyEval_EvalFrameDefault", "cpython", false},
    {"PyEval_EvalCode", "cpython", false},
    {"pypy_main_startup", "pypy", true},
    {"pypy_setup_home", "pypy", false},
    {"JLI_Launch", "hotspot", true},
    {"JNI_CreateJavaVM", "hotspot", false},
    {"_ZN4node5Start", "v8", true},  // node::Start
    {"_ZN2v88internal", "v8", false},
    {"_ZN2v87Isolate", "v8", false},
    {"_ZN3JSC", "jsc", false},
    {"luaJIT_setmode", "luajit", false},
    {"lua_newstate", "lua", false},
    {"luaL_newstate", "lua", false},
    {"perl_run", "perl", true},
    {"Perl_runops_standard", "perl", false},
    {"ruby_run_node", "ruby", true},
    {"rb_vm_exec", "ruby", false},
    {"php_execute_script", "php", true},
    {"zend_execute", "php", false},
    {"caml_interprete", "ocamlrun", false},  // the bytecode interpreter of ocamlrun (and of ocamlc -custom programs)
    {"Tcl_Main", "tcl", true},
    {"Tcl_EvalEx", "tcl", false},
    {"Jim_CreateInterp", "jim", false},
    {"Jim_EvalObj", "jim", false},
    {"scm_shell", "guile", true},
    {"scm_boot_guile", "guile", false},
    {"erl_start", "beam", true},
    {"erts_", "beam", false},
    {"mono_main", "mono", true},
    {"mono_jit_init", "mono", false},
    {"coreclr_initialize", "coreclr", false},
    {"racket_boot", "racket", true},
    // Node-API, defined: the file is a JavaScript runtime (node, deno, bun)
    // whose engine the other marks name. Not an engine of its own.
    {"napi_create_", "napi", false},
};

// Needed libraries that are an engine (prefix of the DT_NEEDED name).
// libjli.so is java's launcher library: it loads libjvm.so at run time.
constexpr std::string_view kLauncherLibraries[] = {"libjli.so"};
constexpr std::pair<std::string_view, std::string_view> kEngineLibraries[] = {
    {"libpython3", "cpython"}, {"libpython2", "cpython"}, {"libpypy", "pypy"},    {"libjvm.so", "hotspot"},
    {"libjli.so", "hotspot"},  {"libnode.so", "v8"},      {"libv8.so", "v8"},     {"libjavascriptcore", "jsc"},
    {"libluajit", "luajit"},   {"liblua", "lua"},         {"libperl.so", "perl"}, {"libruby", "ruby"},
    {"libphp", "php"},         {"libtcl", "tcl"},         {"libguile", "guile"},  {"libmonosgen", "mono"},
    {"libmono-2", "mono"},     {"libcoreclr", "coreclr"},   {"libswipl", "swipl"}, {"libregina", "regina"},
    {"libjim.so", "jim"},
};

// ---- Languages from their runtimes' symbols and libraries. ----

struct LangSymbol {
  std::string_view prefix;
  std::string_view language;
  std::string_view compiler;  // when the symbol names it
};

constexpr LangSymbol kLangSymbols[] = {
    {"rust_begin_unwind", "rust", "rustc"},
    {"rust_panic", "rust", "rustc"},
    {"__rust_alloc", "rust", "rustc"},
    {"_gfortran_", "fortran", "gfortran"},
    {"__gnat_", "ada", "gnat"},
    {"ada__", "ada", "gnat"},
    {"FPC_", "pascal", "fpc"},
    {"_Dmain", "d", ""},
    {"_d_run_main", "d", ""},
    {"NimMain", "nim", "nim"},
    {"caml_startup", "ocaml", "ocamlopt"},
    {"caml_plugin_header", "ocaml", "ocamlopt"},  // a natively compiled OCaml plugin (.cmxs)
    {"caml_main", "ocaml", "ocamlopt"},
    {"hs_main", "haskell", "ghc"},
    {"hs_init_ghc", "haskell", "ghc"},
    {"swift_", "swift", "swiftc"},
    // Crystal keeps its own readable names ("Crystal::Hasher::seed", "__crystal_main").
    {"Crystal::", "crystal", "crystal"},
    {"__crystal_", "crystal", "crystal"},
    // Emacs Lisp compiled to machine code by Emacs through libgccjit (.eln):
    // the table through which it calls Emacs's primitives.
    {"freloc_link_table", "elisp", "libgccjit"},
    {"__gxx_personality_v0", "c++", ""},
    {"_ZNSt", "c++", ""},
    {"_ZSt", "c++", ""},
    {"_ZNKSt", "c++", ""},
    {"__cxa_throw", "c++", ""},
    // Any Itanium-mangled name, defined or imported: C cannot call one.
    // Rust's legacy names share the prefix; Rust ranks first in the merge.
    // The vector-function ABI's "_ZGV" names are not C++ (see the pass).
    {"_Z", "c++", ""},
};

constexpr std::pair<std::string_view, std::string_view> kLangLibraries[] = {
    {"libstdc++.so", "c++"},  {"libc++.so", "c++"},        {"libgfortran.so", "fortran"},
    {"libgnat", "ada"},       {"libgphobos.so", "d"},      {"libphobos2-ldc", "d"},
    {"libdruntime-ldc", "d"}, {"libswiftCore.so", "swift"},
    // CHICKEN compiles Scheme through C; its output calls the runtime library.
    {"libchicken.so", "scheme"},
};

// ---- Facts gathered in one pass. ----

struct EngineHit {
  std::string_view engine;
  std::string where, detail;
  bool defined = false;  // the engine's code is in this file
  bool entry = false;    // its main is called from here
  Strength strength = Strength::kSymbol;
};

struct LangHit {
  std::string_view language, compiler;
  std::string where, detail;
  Strength strength = Strength::kSymbol;
};

// A legacy Rust mangled name ends in "17h" and 16 hex digits and "E"; v0 names start "_R".
bool IsRustMangled(std::string_view n) {
  if (n.starts_with("_R") && n.size() > 3 && (n[2] == 'N' || n[2] == 'C' || n[2] == 'M')) return true;
  if (!n.starts_with("_ZN") || n.size() < 24 || n.back() != 'E') return false;
  std::string_view tail = n.substr(n.size() - 20, 19);
  if (!tail.starts_with("17h")) return false;
  return std::all_of(tail.begin() + 3, tail.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}

struct Producer {
  std::string compiler, version;
};

// "GCC: (Debian 12.2.0-14) 12.2.0", "Debian clang version 14.0.6",
// "rustc version 1.63.0 (...)", "ldc version 1.30.0": the compiler and version.
std::optional<Producer> ParseProducer(std::string_view c) {
  auto version_after = [](std::string_view s, size_t at) {
    size_t b = at;
    while (b < s.size() && s[b] == ' ') ++b;
    size_t e = b;
    while (e < s.size() && s[e] != ' ' && s[e] != ')' && s[e] != '(') ++e;
    return std::string(s.substr(b, e - b));
  };
  if (c.starts_with("GCC: ")) {
    // "GCC: (VENDOR) VERSION [DATE] [(VENDOR VERSION)]": the word after the first ") ".
    size_t close = c.find(") ");
    return Producer{"gcc", version_after(c, close == std::string_view::npos ? 5 : close + 2)};
  }
  if (size_t p = c.find("clang version "); p != std::string_view::npos)
    return Producer{"clang", version_after(c, p + 14)};
  if (c.starts_with("rustc version ")) return Producer{"rustc", version_after(c, 14)};
  if (c.starts_with("ldc version ")) return Producer{"ldc", version_after(c, 12)};
  if (c.starts_with("GHC ")) return Producer{"ghc", version_after(c, 4)};
  return std::nullopt;
}

// The compiler a language's marks imply when no producer names one.
std::string_view DefaultCompiler(std::string_view language) {
  static constexpr std::pair<std::string_view, std::string_view> kDefaults[] = {
      {"fortran", "gfortran"}, {"ada", "gnat"}, {"pascal", "fpc"}, {"nim", "nim"},
      {"ocaml", "ocamlopt"},   {"haskell", "ghc"}, {"swift", "swiftc"}, {"rust", "rustc"},
      // Scheme is only found in machine code through libchicken (Guile's
      // compiled modules are bytecode, named on their own path).
      {"scheme", "chicken"}};
  for (auto [l, c] : kDefaults)
    if (l == language) return c;
  return {};
}

// ---- Strings in read-only data: weak signals, looked for only when the
// stronger ones leave a question open. ----

// How common a byte is in binaries' read-only data, roughly: NUL, 0xff, low
// control bytes, digits and frequent letters high; rare letters and
// punctuation low. The search below runs memchr over the needle's rarest byte.
int Commonness(uint8_t c) {
  if (c == 0 || c == 0xff || c < 0x09) return 9;
  if (std::string_view("etaoinsrlcdu _./").find(static_cast<char>(c)) != std::string_view::npos) return 7;
  if (std::string_view("zqjxkvZQJXKV:@%").find(static_cast<char>(c)) != std::string_view::npos) return 1;
  if (std::isdigit(c) || std::islower(c)) return 5;
  return 3;
}

// The first occurrence of needle in hay. glibc's generic memmem runs at ~1
// GB/s; memchr over the rarest byte of the needle is vectorised and checks
// few candidates (a 16 MiB .rodata costs about a millisecond).
const char* FindBytes(std::string_view hay, std::string_view needle) {
  if (needle.empty() || needle.size() > hay.size()) return nullptr;
  size_t k = 0;
  for (size_t i = 1; i < needle.size(); ++i)
    if (Commonness(uint8_t(needle[i])) < Commonness(uint8_t(needle[k]))) k = i;
  const char* base = hay.data();
  const char* end = base + hay.size() - (needle.size() - 1 - k);  // last place needle[k] can be
  for (const char* p = base + k; p < end;) {
    p = static_cast<const char*>(std::memchr(p, needle[k], static_cast<size_t>(end - p)));
    if (!p) return nullptr;
    if (std::memcmp(p - k, needle.data(), needle.size()) == 0) return p - k;
    ++p;
  }
  return nullptr;
}

// .rodata, or without section headers the first read-only, non-executable
// PT_LOAD, searched from its start up to a limit and read in windows as the
// search goes: reading is the cost (about 1 ms a MiB in a VM), and a mark
// found early spares the rest.
class RodataStrings {
 public:
  explicit RodataStrings(const elf::File& f) : f_(f), first_(KnownNeedles().size()) {
    uint64_t size = 0;
    if (const elf::Section* s = f.FindSection(".rodata"); s && s->type != 8 /* SHT_NOBITS */) {
      base_ = s->offset, size = s->size;
    } else {
      for (const elf::Segment& g : f.segments)
        if (g.type == 1 && !(g.flags & 1) && !(g.flags & 2) && g.filesz > 0) {
          base_ = g.offset, size = g.filesz, where_ = "read-only PT_LOAD";
          break;
        }
    }
    all_ = f.bytes.Sub(base_, std::min<uint64_t>(size, kMaxRodataScan)).AsString();
  }

  /// The file offset of the first occurrence of needle in the first limit bytes.
  std::optional<uint64_t> Find(std::string_view needle, uint64_t limit = kMaxRodataScan) {
    limit = std::min<uint64_t>(limit, all_.size());
    if (const std::optional<size_t> k = Known(needle)) {
      if (first_[*k] && *first_[*k] + needle.size() <= limit) return base_ + *first_[*k];
      if (first_[*k] || scanned_ >= limit) return std::nullopt;
      // The shared pass has not got this far: the rest, for this needle alone.
      const uint64_t from = scanned_ >= needle.size() ? scanned_ - needle.size() + 1 : 0;
      auto at = FindFrom(needle, from, limit);
      return at ? std::optional<uint64_t>(base_ + *at) : std::nullopt;
    }
    auto at = FindFrom(needle, 0, limit);
    if (!at) return std::nullopt;
    return base_ + *at;
  }
  /// Runs the shared pass over the first limit bytes, window by window,
  /// until done(found) holds, where found[j] says needles[j] (each one of
  /// KnownNeedles) was seen; Find then answers for them from what it saw.
  template <typename Done>
  void Prefetch(const std::vector<std::string_view>& needles, uint64_t limit, Done&& done) {
    std::vector<size_t> idx;
    for (std::string_view n : needles)
      if (auto k = Known(n)) idx.push_back(*k);
    limit = std::min<uint64_t>(limit, all_.size());
    std::vector<bool> found(idx.size());
    auto seen = [&] {
      for (size_t j = 0; j < idx.size(); ++j)
        found[j] = first_[idx[j]] && *first_[idx[j]] + KnownNeedles()[idx[j]].size() <= limit;
      return done(found);
    };
    const size_t longest = LongestKnownNeedle();
    while (scanned_ < limit && !seen()) {
      const uint64_t end = std::min<uint64_t>(limit, scanned_ + kRodataWindow);
      Ready(end);
      // Matches may start up to longest-1 bytes before the window's end and run past it.
      const uint64_t from = scanned_ >= longest ? scanned_ - longest + 1 : 0;
      const bool ran = KnownNeedleScan::Scan(all_.substr(0, end), from, [&](size_t j, size_t off) {
        if (!first_[j] || off < *first_[j]) first_[j] = off;
      });
      // Without the shared pass, Find searches needle by needle past scanned_.
      if (!ran) return;
      scanned_ = end;
    }
  }
  /// Occurrences of needle in the first limit bytes, counted up to max; the
  /// file offset of the first goes to *first when there is one.
  int Count(std::string_view needle, int max, uint64_t limit = kMaxRodataScan, uint64_t* first = nullptr) {
    int n = 0;
    for (uint64_t from = 0; n < max; ++n) {
      auto at = FindFrom(needle, from, limit);
      if (!at) break;
      if (n == 0 && first) *first = base_ + *at;
      from = *at + needle.size();
    }
    return n;
  }
  /// Up to 80 bytes from off to the next NUL or newline, for evidence.
  std::string Context(uint64_t off) {
    std::string_view rest = f_.Load(off, std::min<uint64_t>(80, f_.bytes.size() - std::min(off, f_.bytes.size()))).AsString();
    return std::string(rest.substr(0, std::min(rest.find('\0'), rest.find('\n'))));
  }
  std::string Where(uint64_t off) { return fmt::format("{} at file offset {:#x}", where_, off); }
  /// The file-name-like run of bytes around off ("js/webcore/Sink.zig").
  std::string PathAround(uint64_t off) {
    const uint64_t from = off >= 80 ? off - 80 : 0;
    std::string_view t = f_.Load(from, std::min<uint64_t>(160, f_.bytes.size() - std::min(from, f_.bytes.size()))).AsString();
    auto path_char = [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '.' || c == '_' || c == '-';
    };
    size_t b = std::min<size_t>(off - from, t.size()), e = b;
    while (b > 0 && path_char(t[b - 1])) --b;
    while (e < t.size() && path_char(t[e])) ++e;
    return std::string(t.substr(b, e - b));
  }

 private:

  static std::optional<size_t> Known(std::string_view needle) {
    const std::vector<std::string_view>& all = KnownNeedles();
    for (size_t k = 0; k < all.size(); ++k)
      if (all[k] == needle) return k;
    return std::nullopt;
  }
  // Reads all_ in up to end (on demand for a sparsely read file).
  void Ready(uint64_t end) {
    if (end <= ready_) return;
    f_.Load(base_ + ready_, end - ready_);
    ready_ = end;
  }
  // Offset (from base_) of needle at or after start, reading more of the
  // range as needed up to limit.
  std::optional<uint64_t> FindFrom(std::string_view needle, uint64_t start, uint64_t limit) {
    limit = std::min<uint64_t>(limit, all_.size());
    for (;;) {
      if (start < ready_)
        if (const char* p = FindBytes(all_.substr(start, std::min(ready_, limit) - start), needle))
          return static_cast<uint64_t>(p - all_.data());
      if (ready_ >= limit) return std::nullopt;
      // The next window, overlapping the last by the needle's length less one.
      start = std::max<uint64_t>(start, ready_ >= needle.size() ? ready_ - needle.size() + 1 : 0);
      Ready(std::min<uint64_t>(limit, ready_ + kRodataWindow));
    }
  }

  const elf::File& f_;
  std::vector<std::optional<uint64_t>> first_;  // per KnownNeedles(): offset in all_ of its first occurrence
  uint64_t base_ = 0, ready_ = 0;  // ready_: bytes of all_ read in so far
  uint64_t scanned_ = 0;           // bytes of all_ the shared pass has searched
  std::string_view all_;
  std::string where_ = ".rodata";
};

struct MarksFound {
  std::string_view name;
  int found = 0;
  uint64_t first = 0;
  std::string detail;
};

// The first entry of table with at least kMinStringMarks of its needles present.
template <size_t N>
std::optional<MarksFound> FindMarks(RodataStrings& s, const StringMarks (&table)[N], uint64_t limit) {
  std::vector<std::string_view> all;
  std::vector<size_t> entry;  // all[i] belongs to table[entry[i]]
  for (size_t e = 0; e < N; ++e)
    for (std::string_view n : table[e].needles)
      if (!n.empty()) all.push_back(n), entry.push_back(e);
  s.Prefetch(all, limit, [&](const std::vector<bool>& found) {
    std::array<int, N> per{};
    for (size_t i = 0; i < found.size(); ++i) per[entry[i]] += found[i];
    return std::any_of(per.begin(), per.end(), [](int c) { return c >= kMinStringMarks; });
  });
  for (const StringMarks& m : table) {
    MarksFound r;
    r.name = m.name;
    int left = static_cast<int>(std::count_if(m.needles.begin(), m.needles.end(), [](auto n) { return !n.empty(); }));
    for (std::string_view n : m.needles) {
      if (n.empty()) continue;
      if (r.found + left-- < kMinStringMarks) break;  // cannot reach the minimum any more
      if (auto at = s.Find(n, limit)) {
        if (r.found++ == 0) r.first = *at;
        r.detail += (r.detail.empty() ? "" : ", ") + fmt::format("\"{}\"", n);
        if (r.found == kMinStringMarks) break;  // enough: the rest would only cost reading
      }
    }
    if (r.found >= kMinStringMarks) return r;
  }
  return std::nullopt;
}

// ---- The file image and what lies past it. ----

// Where the ELF image ends: the furthest byte any header, section or segment
// names. Bytes past it (an overlay) are a payload someone appended.
uint64_t ImageEnd(const elf::File& f, uint64_t file_size) {
  auto end_of = [](uint64_t off, uint64_t len) { return len > UINT64_MAX - off ? UINT64_MAX : off + len; };
  uint64_t end = end_of(f.header.phoff, f.header.phnum * f.header.phentsize);
  end = std::max(end, end_of(f.header.shoff, f.header.shnum * f.header.shentsize));
  for (const elf::Section& s : f.sections)
    if (s.type != 8 /* SHT_NOBITS */) end = std::max(end, end_of(s.offset, s.size));
  for (const elf::Segment& g : f.segments) end = std::max(end, end_of(g.offset, g.filesz));
  return std::min(end, file_size);
}

// ---- Programs carried inside a native host. ----

struct Embedded {
  Embedded(std::string_view k, std::string_view l, std::string_view e) : kind(k), language(l), engine(e) {}
  std::string_view kind, language, engine;
  uint64_t offset = 0, size = 0;
  std::string where, detail;
  Strength strength = Strength::kStructure;
  std::string version;  // of the carried program's language, when recorded
};

// Node single-executable application: postject adds a note named
// NODE_SEA_BLOB (section .note.node.sea) whose blob starts with the magic
// 0x0143da20 (node/src/node_sea.h kMagic).
std::optional<Embedded> FindNodeSea(const elf::File& f) {
  for (const elf::Note& n : f.notes) {
    if (n.owner != "NODE_SEA_BLOB") continue;
    uint32_t magic = 0;
    n.desc.ReadInt<uint32_t>(0, Endian::kLittle, &magic);
    Embedded e("node-sea", "javascript", "v8");
    // The blob's own file offset: the note's desc is a view into the file.
    if (n.desc.data() >= f.bytes.data() && n.desc.data() <= f.bytes.data() + f.bytes.size())
      e.offset = static_cast<uint64_t>(n.desc.data() - f.bytes.data());
    e.size = n.desc.size();
    e.where = fmt::format("note NODE_SEA_BLOB in {}", n.where);
    e.detail = magic == 0x0143da20 ? fmt::format("blob of {} bytes, magic 0x143da20", n.desc.size())
                                   : fmt::format("blob of {} bytes, magic {:#x} is not Node's 0x143da20",
                                                 n.desc.size(), magic);
    if (magic != 0x0143da20) e.strength = Strength::kString;
    return e;
  }
  return std::nullopt;
}

// `bun build --compile`: the host's .bun section (zero in plain bun) holds a
// u64 length, the bundle, and ends in "\n---- Bun! ----\n".
std::optional<Embedded> FindBunCompile(const elf::File& f) {
  const elf::Section* s = f.FindSection(".bun");
  if (!s || s->type == 8 || s->size < 8 + 16) return std::nullopt;
  uint64_t len = 0;
  if (!f.Load(s->offset, 8).ReadInt<uint64_t>(0, f.header.endian, &len) || len < 16 || len > s->size - 8)
    return std::nullopt;
  constexpr std::string_view kTrailer = "\n---- Bun! ----\n";
  ByteView tail = f.Load(s->offset + 8 + len - kTrailer.size(), kTrailer.size());
  if (tail.AsString() != kTrailer) return std::nullopt;
  Embedded e("bun", "javascript", "jsc");
  e.offset = s->offset + 8, e.size = len;
  e.where = fmt::format(".bun section at file offset {:#x}", s->offset);
  e.detail = fmt::format("bundle of {} bytes ending in \"---- Bun! ----\"", len);
  return e;
}

// vercel/pkg: a Node host with its snapshot filesystem and then its prelude
// appended; the prelude is the bootstrap function, whose parameter list is
// looked for in the overlay's last kPkgWindow bytes (pnpm 9: 73 KB prelude).
std::optional<Embedded> FindPkg(const elf::File& f, uint64_t image_end, uint64_t file_size) {
  constexpr std::string_view kPrelude =
      "(function(process, require, console, EXECPATH_FD, PAYLOAD_POSITION, PAYLOAD_SIZE)";
  const uint64_t from = std::max(image_end, file_size > kPkgWindow ? file_size - kPkgWindow : 0);
  std::string_view tail = f.Load(from, file_size - from).AsString();
  const char* p = FindBytes(tail, kPrelude);
  if (!p) return std::nullopt;
  const uint64_t at = from + static_cast<uint64_t>(p - tail.data());
  Embedded e("pkg", "javascript", "v8");
  e.offset = image_end, e.size = file_size - image_end;
  e.where = fmt::format("overlay at file offset {:#x}", image_end);
  e.detail = fmt::format("pkg's prelude (its bootstrap function) at file offset {:#x}", at);
  return e;
}

// PyInstaller's CArchive ends in a cookie: "MEI\014\013\012\013\016", then
// big-endian u32 archive length, TOC offset, TOC length, Python version
// (major*100+minor) and a 64-byte library name (PyInstaller archive/readers.py).
std::optional<Embedded> FindPyInstaller(const elf::File& f, uint64_t image_end, uint64_t file_size) {
  constexpr std::string_view kMagic("MEI\014\013\012\013\016", 8);
  constexpr uint64_t kCookie = 8 + 4 * 4 + 64;
  const uint64_t from = file_size > kPyInstallerWindow ? file_size - kPyInstallerWindow : 0;
  if (from < image_end && file_size - image_end < kCookie) return std::nullopt;
  ByteView tail = f.Load(std::max(from, image_end), file_size - std::max(from, image_end));
  std::string_view t = tail.AsString();
  size_t at = t.rfind(kMagic);
  if (at == std::string_view::npos || t.size() - at < kCookie) return std::nullopt;
  Reader r(tail, Endian::kBig, at + 8);
  uint32_t len = r.U32();
  r.Skip(8);
  uint32_t pyvers = r.U32();
  const uint64_t cookie_end = std::max(from, image_end) + at + kCookie;
  if (!r.ok() || len < kCookie || len > cookie_end) return std::nullopt;
  Embedded e("pyinstaller", "python", "cpython");
  e.offset = cookie_end - len, e.size = len;
  if (pyvers >= 200 && pyvers < 1000) e.version = fmt::format("{}.{}", pyvers / 100, pyvers % 100);
  e.where = fmt::format("CArchive cookie at file offset {:#x}", std::max(from, image_end) + at);
  e.detail = fmt::format("archive of {} bytes{}", len, e.version.empty() ? "" : ", Python " + e.version);
  return e;
}

// ocamlc -custom appends the program's bytecode to the runtime: the file
// ends in the bytecode trailer's magic ("Caml1999X" and a version).
std::optional<Embedded> FindOcamlCustom(const elf::File& f, uint64_t file_size) {
  if (file_size < 16) return std::nullopt;
  std::string_view magic = f.Load(file_size - 12, 12).AsString();
  if (!magic.starts_with("Caml1999X")) return std::nullopt;
  Embedded e("ocamlc-custom", "ocaml", "ocamlrun");
  e.offset = file_size - 12, e.size = 12;
  e.where = fmt::format("file offset {:#x}", file_size - 12);
  e.detail = std::string(magic);
  return e;
}

// ---- The C library. ----

// A static program on musl: no library needed, no loader, and two of musl's
// own strings (its locale path variable, its strerror(0)). The offset of
// the first, or nothing.
std::optional<uint64_t> StaticMusl(const elf::File& f, RodataStrings& strings) {
  if (!f.needed.empty() || f.interpreter) return std::nullopt;
  auto at = strings.Find("MUSL_LOCPATH", kMaxLanguageScan);
  if (!at || !strings.Find("No error information", kMaxLanguageScan)) return std::nullopt;
  return at;
}

// The C library itself: "glibc" by its SONAME (libc.so.6), "musl" by its
// SONAME (libc.so, Alpine's libc.musl-ARCH.so.1) or, as Debian builds it
// (no SONAME: it is its own loader, no PT_INTERP, nothing needed), by the
// banner its loader prints, "musl libc (ARCH)"; empty lib for anything else.
// where and detail say how it was told. Decided once per file (Identify).
struct CLibSelf {
  std::string_view lib;
  std::string where, detail;
};
CLibSelf CLibraryItself(const elf::File& f, RodataStrings& strings) {
  if (f.soname) {
    if (*f.soname == "libc.so.6") return {"glibc", "DT_SONAME", std::string(*f.soname)};
    if (f.soname->starts_with("ld-linux")) return {"glibc", "DT_SONAME", std::string(*f.soname) + " (glibc's dynamic loader)"};
    if (*f.soname == "libc.so" || f.soname->starts_with("libc.musl-")) return {"musl", "DT_SONAME", std::string(*f.soname)};
    return {};
  }
  if (f.header.type != 3 /* ET_DYN */ || f.interpreter || !f.needed.empty() || !f.has_dynamic) return {};
  if (auto at = strings.Find("musl libc (", kMaxLanguageScan))
    return {"musl", strings.Where(*at), "\"" + strings.Context(*at) + "\", the banner of its own loader"};
  return {};
}

void IdentifyLibc(const elf::File& f, const CLibSelf& libc_self, RodataStrings& strings, Toolchain* t, Analysis* a) {
  auto needs = [&](std::string_view prefix) {
    for (std::string_view n : f.needed)
      if (n.starts_with(prefix)) return n;
    return std::string_view();
  };
  std::string_view interp = f.interpreter ? *f.interpreter : std::string_view();
  std::string where, detail;
  // musl's soname is "libc.so" (Alpine names it libc.musl-ARCH.so.1).
  std::string_view musl = needs("libc.musl");
  for (std::string_view n : f.needed)
    if (n == "libc.so") musl = n;
  const bool self = !libc_self.lib.empty();
  if (self) {
    t->libc = std::string(libc_self.lib), t->libc_linking = "shared", where = libc_self.where, detail = libc_self.detail;
  } else if (std::string_view n = musl; !n.empty() || interp.find("ld-musl") != std::string_view::npos) {
    t->libc = "musl", t->libc_linking = "shared";
    where = n.empty() ? "PT_INTERP" : "DT_NEEDED", detail = n.empty() ? std::string(interp) : std::string(n);
  } else if (std::string_view n = needs("libc.so.6"); !n.empty()) {
    t->libc = "glibc", t->libc_linking = "shared", where = "DT_NEEDED", detail = std::string(n);
  } else if (f.header.osabi == 9 /* ELFOSABI_FREEBSD */ || interp.starts_with("/libexec/ld-elf")) {
    // FreeBSD's own C library (libc.so.7), never glibc.
    if (std::string_view n = needs("libc.so.7"); !n.empty()) {
      t->libc = "freebsd", t->libc_linking = "shared", where = "DT_NEEDED", detail = std::string(n);
      if (f.header.osabi == 9) detail += "; e_ident OS/ABI FreeBSD";
    }
  } else if (interp.starts_with("/system/bin/linker")) {
    t->libc = "bionic", t->libc_linking = "shared", where = "PT_INTERP", detail = std::string(interp);
  } else if (auto at = t->language == "pascal" ? std::nullopt : StaticMusl(f, strings)) {
    // Free Pascal's static programs carry its own run-time library, not a C
    // one: the search would read 4 MiB of each for nothing.
    t->libc = "musl", t->libc_linking = "static", where = strings.Where(*at), detail = "MUSL_LOCPATH, \"No error information\"";
  } else if (f.needed.empty() && interp.empty()) {
    // Static glibc keeps its own sections for freeing resources at exit and
    // for its stdio vtables; they survive stripping.
    for (std::string_view s : {"__libc_freeres_fn", "__libc_IO_vtables", "__libc_atexit", "__libc_subfreeres"})
      if (f.FindSection(s)) {
        t->libc = "glibc", t->libc_linking = "static", where = "section headers", detail = std::string(s);
        break;
      }
  }
  if (!t->libc.empty())
    a->evidence.push_back({"toolchain.libc",
                           self ? fmt::format("is {} itself", t->libc)
                                                : fmt::format("runs on {} ({})", t->libc, t->libc_linking),
                           true,
                           Strength::kStructure, where, detail});
}

const char* EngineJitWhy(Jit jit) {
  if (jit == "yes") return "JITs by default";
  if (jit == "capable") return "has a JIT that is off by default";
  return "interprets; no JIT by default";
}

std::string_view ScriptLanguage(std::string_view cmd, std::string_view* engine) {
  std::string_view base = cmd.substr(cmd.rfind('/') == std::string_view::npos ? 0 : cmd.rfind('/') + 1);
  // "python3.11" -> "python"; trailing digits and dots are versions.
  std::string_view stem = base;
  while (!stem.empty() && (std::isdigit(static_cast<unsigned char>(stem.back())) || stem.back() == '.'))
    stem.remove_suffix(1);
  struct Row {
    std::string_view stem, language, engine;
  };
  static constexpr Row kRows[] = {
      {"python", "python", "cpython"}, {"pypy", "python", "pypy"},     {"node", "javascript", "v8"},
      {"nodejs", "javascript", "v8"},  {"bun", "javascript", "jsc"},   {"deno", "javascript", "v8"},
      {"perl", "perl", "perl"},        {"ruby", "ruby", "ruby"},       {"lua", "lua", "lua"},
      {"luajit", "lua", "luajit"},     {"php", "php", "php"},          {"tclsh", "tcl", "tcl"},
      {"wish", "tcl", "tcl"},          {"guile", "scheme", "guile"},   {"escript", "erlang", "beam"},
      {"sbcl", "lisp", "sbcl"},        {"racket", "scheme", "racket"}, {"sh", "shell", ""},
      {"bash", "shell", ""},           {"dash", "shell", ""},          {"zsh", "shell", ""},
      {"ksh", "shell", ""},            {"mksh", "shell", ""},          {"busybox", "shell", ""},
      {"java", "java", "hotspot"},     {"awk", "awk", ""},             {"ocamlrun", "ocaml", "ocamlrun"},
      {"lua-any", "lua", "lua"},  // Debian's chooser among the installed Lua 5.x
      {"elixir", "elixir", "beam"},    {"erl", "erlang", "beam"},      {"Rscript", "r", ""},
      {"julia", "julia", ""},          {"fish", "shell", ""},          {"tcsh", "shell", ""},
      {"csh", "shell", ""},            {"gawk", "awk", ""},            {"mawk", "awk", ""},
      {"nawk", "awk", ""},             {"sed", "sed", ""},             {"make", "make", ""},
      {"gforth", "forth", ""},         {"swipl", "prolog", ""},        {"clisp", "lisp", ""},
      {"ocaml", "ocaml", ""},          {"runghc", "haskell", ""},      {"scala", "scala", "hotspot"},
      {"kotlin", "kotlin", "hotspot"}, {"groovy", "groovy", "hotspot"}, {"pwsh", "powershell", "coreclr"},
      {"osascript", "applescript", ""}, {"expect", "tcl", "tcl"},
  };
  for (const Row& r : kRows)
    if (stem == r.stem) {
      *engine = r.engine;
      return r.language;
    }
  // "perl5.36-x86_64-linux-gnu", "python3.11-dbg": the letters before the version.
  std::string_view word = base.substr(0, std::min(base.size(), base.find_first_of("0123456789-.")));
  for (const Row& r : kRows)
    if (word == r.stem && !word.empty()) {
      *engine = r.engine;
      return r.language;
    }
  *engine = {};
  return "unknown";
}

void IdentifyScript(Analysis* a) {
  const script::Shebang& s = *a->script;
  std::string_view engine;
  std::string_view lang = ScriptLanguage(s.command.empty() ? s.interpreter : s.command, &engine);
  Toolchain t;
  t.language = std::string(lang);
  a->toolchain = t;
  Execution x;
  x.model = "script";
  x.engine = std::string(engine);
  if (const EngineInfo* e = EngineByName(engine)) x.jit = e->jit;
  else if (lang == "shell") x.jit = "no";  // no shell compiles to machine code
  a->execution = x;
  // An interpreter exray does not know names no language: say that, rather
  // than "written in unknown".
  a->evidence.push_back({"toolchain.language",
                         lang == "unknown" ? "written in a language exray knows" : "written in " + t.language,
                         lang != "unknown", Strength::kStructure, "#! line",
                         std::string(s.command.empty() ? s.interpreter : s.command) +
                             (lang == "unknown" ? " (an interpreter not in exray's table)" : "")});
}

// Symbol patterns indexed by their first two bytes: a name's first bytes pick
// the few patterns that can match, so the pass costs about one short read
// per symbol. Built once and never freed (65536 buckets' destructors at exit
// cost more than a small report).
struct Pattern {
  std::string_view prefix;
  const EngineSymbol* engine;
  const LangSymbol* lang;
  uint64_t word = 0, mask = 0;  // the prefix's first 8 bytes, and which of them it has
  uint32_t lang_bit = 0;        // LangBit(lang->language)
};
// One bit per language kLangSymbols names, so the pass asks "already seen?"
// with an AND rather than a search of the hits by name.
uint32_t LangBit(std::string_view language) {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> v;
    for (const LangSymbol& l : kLangSymbols)
      if (std::find(v.begin(), v.end(), l.language) == v.end()) v.push_back(l.language);
    return v;
  }();
  static_assert(std::size(kLangSymbols) <= 32, "one bit per language must fit");
  for (size_t k = 0; k < names.size(); ++k)
    if (names[k] == language) return 1u << k;
  return 0;
}
// The first 8 bytes of a name, zero-filled, as the patterns' words are.
uint64_t Word8(std::string_view s) {
  uint64_t w = 0;
  std::memcpy(&w, s.data(), std::min<size_t>(8, s.size()));
  return w;
}
struct PatternIndex {
  std::array<uint16_t, 65537> start{};  // patterns for key k are list[start[k], start[k+1])
  std::vector<Pattern> list;
};
const PatternIndex& Patterns() {
  static const PatternIndex* index = [] {
    auto* ix = new PatternIndex;
    auto key = [](std::string_view p) { return (uint8_t(p[0]) << 8) | uint8_t(p[1]); };
    std::vector<std::pair<int, Pattern>> all;
    auto make = [](std::string_view prefix, const EngineSymbol* e, const LangSymbol* l) {
      Pattern p{prefix, e, l};
      p.word = Word8(prefix);
      p.mask = prefix.size() >= 8 ? ~uint64_t{0} : Word8(std::string(prefix.size(), '\xff'));
      p.lang_bit = l ? LangBit(l->language) : 0;
      return p;
    };
    for (const EngineSymbol& e : kEngineSymbols) all.push_back({key(e.prefix), make(e.prefix, &e, nullptr)});
    for (const LangSymbol& l : kLangSymbols) all.push_back({key(l.prefix), make(l.prefix, nullptr, &l)});
    std::stable_sort(all.begin(), all.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
    size_t i = 0;
    for (int k = 0; k <= 65536; ++k) {
      ix->start[k] = static_cast<uint16_t>(i);
      while (i < all.size() && all[i].first == k) ix->list.push_back(all[i++].second);
    }
    return ix;
  }();
  return *index;
}

struct ElfFacts {
  std::vector<EngineHit> engines;
  std::vector<LangHit> langs;
  std::string rust_mangled;  // an example, when seen
  std::string_view rust_where;  // the table it was seen in
};

const LangHit* FindLang(const ElfFacts& x, std::string_view l) {
  for (const LangHit& h : x.langs)
    if (h.language == l) return &h;
  return nullptr;
}

// Needed libraries and one bounded pass over each symbol table.
void CollectLinkFacts(const elf::File& f, Analysis* a, ElfFacts* x) {
  // What the program links: strong evidence of the link, not of the
  // language its own code is in.
  for (std::string_view n : f.needed) {
    for (auto [lib, engine] : kEngineLibraries)
      if (n.starts_with(lib)) x->engines.push_back({engine, "DT_NEEDED", std::string(n), false, false, Strength::kStructure});
    for (auto [lib, lang] : kLangLibraries)
      if (n.starts_with(lib)) x->langs.push_back({lang, "", "DT_NEEDED", std::string(n), Strength::kStructure});
  }
  // JavaScriptCore's LLInt keeps its opcodes in a section of its own (named
  // the Mach-O way): structure, and it survives stripping.
  if (const elf::Section* s = f.FindSection("__DATA,__jsc_opcodes"))
    x->engines.push_back({"jsc", "section headers", std::string(s->name), true, false, Strength::kStructure});

  const PatternIndex& ix = Patterns();
  uint32_t langs_seen = 0;
  for (const LangHit& h : x->langs) langs_seen |= LangBit(h.language);
  // Rust mangling needs the whole name: only the first kRustSample defined
  // "_ZN"/"_R" names are measured.
  int rust_sampled = 0;
  // A Go binary's language is settled by its Go facts, and an engine it
  // uses comes through cgo's imports: its .symtab (100k+ Go names) is skipped.
  // The pass ends once it has what it can use: an engine's core and a
  // language, with Rust's mangling measured (libnode: 100k+ names, all V8).
  auto settled = [&] {
    return !x->langs.empty() && (!x->rust_mangled.empty() || rust_sampled >= kRustSample) &&
           std::any_of(x->engines.begin(), x->engines.end(),
                       [](const EngineHit& h) { return h.defined && h.engine != "napi"; });
  };
  // Names this many entries ahead are fetched while the current one is
  // matched: about one memory latency's worth of the loop.
  constexpr uint64_t kPrefetchAhead = 32;
  for (const elf::SymbolTable* t : {&f.dynsym, &f.symtab}) {
    if (a->go && t == &f.symtab) continue;
    if (settled()) break;
    const uint64_t n = std::min<uint64_t>(t->readable, kMaxIdentifySymbols);
    uint64_t i = 1;
    for (; i < n; ++i) {
      if ((i & 1023) == 0 && settled()) break;
      t->PrefetchName(i + kPrefetchAhead);
      // Raw bytes, NUL and all: the patterns hold no NUL, so a shorter name fails them.
      std::string_view head = t->NameBytes(i, 32);
      if (head.size() < 4 || head[0] == '\0') continue;
      const int k = (uint8_t(head[0]) << 8) | uint8_t(head[1]);
      const uint64_t word = ix.start[k] < ix.start[k + 1] ? Word8(head) : 0;
      for (uint16_t p = ix.start[k]; p < ix.start[k + 1]; ++p) {
        const Pattern& pat = ix.list[p];
        if (pat.lang_bit & langs_seen) continue;  // one witness per language is enough
        // Eight bytes at once, then the rest of a longer prefix.
        if ((word & pat.mask) != pat.word) continue;
        if (pat.prefix.size() > 8 && !head.starts_with(pat.prefix)) continue;
        // "_ZGV..." is the vector-function ABI's mangling (libmvec's
        // _ZGVbN4v_expf), which C code calls when GCC vectorises a loop.
        if (pat.lang && pat.prefix == "_Z" && head.starts_with("_ZGV")) continue;
        if (const EngineSymbol* e = pat.engine) {
          // One witness per engine and kind (defined, imported) too, unless
          // this is the engine's entry imported: a launcher's mark.
          const bool d = t->Defined(i);
          if (!(e->entry && !d) && std::any_of(x->engines.begin(), x->engines.end(), [&](const EngineHit& h) {
                return h.engine == e->engine && h.where != "DT_NEEDED" && h.defined == d;
              }))
            continue;
        }
        const elf::Symbol sym = t->At(i);
        if (const EngineSymbol* e = pat.engine) {
          auto it = std::find_if(x->engines.begin(), x->engines.end(), [&](const EngineHit& h) {
            return h.engine == e->engine && h.where != "DT_NEEDED" && h.defined == sym.defined();
          });
          if (it == x->engines.end()) {
            x->engines.push_back({e->engine, std::string(t->section_name), std::string(sym.name), sym.defined(),
                                  e->entry && !sym.defined(), Strength::kSymbol});
          } else if (e->entry && !sym.defined()) {
            it->entry = true;
            it->detail = std::string(sym.name);
          }
        } else if (const LangSymbol* l = pat.lang) {
          x->langs.push_back(
              {l->language, l->compiler, std::string(t->section_name), std::string(sym.name), Strength::kSymbol});
          langs_seen |= pat.lang_bit;
        }
      }
      // D's mangling: "_D" and a length ("_D2rt3dso12register_dsoFZv").
      if (head[0] == '_' && head[1] == 'D' && std::isdigit(static_cast<unsigned char>(head[2])) && !FindLang(*x, "d")) {
        const elf::Symbol sym = t->At(i);
        x->langs.push_back({"d", "", std::string(t->section_name), "D-mangled " + std::string(sym.name.substr(0, 96)),
                            Strength::kSymbol});
      }
      // Imported Rust names count too: only Rust calls into a Rust dylib
      // (Debian's rustc is a stub over librustc_driver).
      if (x->rust_mangled.empty() && rust_sampled < kRustSample &&
          (head.starts_with("_ZN") || head.starts_with("_R"))) {
        const elf::Symbol sym = t->At(i);
        ++rust_sampled;
        if (IsRustMangled(sym.name)) x->rust_mangled = std::string(sym.name), x->rust_where = t->section_name;
      }
    }
    if (i < t->readable)
      a->evidence.push_back({"toolchain.sample", "symbols looked at for language and engine marks", true,
                             Strength::kSymbol, std::string(t->section_name),
                             fmt::format("the first {} of {} entries{}", i, t->readable,
                                         i < n ? ": an engine's core and a language were found" : "")});
  }
  // A Rust-mangled name outranks the C++ mark the same "_Z" prefix gave.
  if (!x->rust_mangled.empty() && !FindLang(*x, "rust"))
    x->langs.push_back({"rust", "rustc", std::string(x->rust_where),
                        "Rust-mangled " + (x->rust_mangled.size() > 96 ? x->rust_mangled.substr(0, 96) + "…"
                                                                        : x->rust_mangled),
                        Strength::kSymbol});

  // Free Pascal keeps its version in .fpcdata ("FPC 3.2.2+dfsg-20 [2023/03/30] for x86_64 - Linux").
  if (const elf::Section* s = f.FindSection(".fpcdata")) {
    std::string_view text = f.Load(s->offset, std::min<uint64_t>(s->size, 4096)).AsString();
    size_t at = text.find("FPC ");
    std::string detail = ".fpcdata section";
    if (at != std::string_view::npos) {
      std::string_view ver = text.substr(at + 4, 64);
      detail = "FPC " + std::string(ver.substr(0, ver.find_first_of(std::string_view(" \0", 2))));
    }
    x->langs.insert(x->langs.begin(), {"pascal", "fpc", ".fpcdata", detail, Strength::kStructure});
  }
}

// Whether .dynsym imports a symbol of exactly this name (bounded like the pass).
bool ImportsSymbol(const elf::File& f, std::string_view name) {
  const uint64_t n = std::min<uint64_t>(f.dynsym.readable, kMaxIdentifySymbols);
  for (uint64_t i = 1; i < n; ++i)
    if (f.dynsym.NameStartsWith(i, name) && !f.dynsym.Defined(i) && f.dynsym.At(i).name == name) return true;
  return false;
}

// A shared library or object file that calls functions by plain C names
// only (its host's C API, the C library's), with no other language's
// runtime: C. Extension modules often need no library at all, the host
// having loaded the C library before them. (count of such imports, or 0)
uint64_t PlainCImports(const elf::File& f) {
  const elf::SymbolTable& t = f.header.type == 1 /* ET_REL */ ? f.symtab : f.dynsym;
  const uint64_t n = std::min<uint64_t>(t.readable, kMaxIdentifySymbols);
  uint64_t plain = 0;
  for (uint64_t i = 1; i < n; ++i) {
    if (t.Defined(i)) continue;
    const elf::Symbol s = t.At(i);
    // Weak references are the toolchain's own (crtstuff's __cxa_finalize,
    // __gmon_start__, _ITM_*), in every library of every language.
    if (s.name.empty() || s.bind == 2 /* STB_WEAK */) continue;
    if (s.name.starts_with("_Z") || s.name.starts_with("_R")) return 0;
    ++plain;
  }
  return plain;
}

// The language of the file's own code, and its compiler.
Toolchain DecideLanguage(const elf::File& f, Analysis* a, const ElfFacts& x, RodataStrings& strings,
                         const CLibSelf& libc_self) {
  Toolchain t;
  // An engine's own binary (its core or its launcher) is in the language its
  // marks say, C or C++: the runtime-string search is spared.
  const bool engine_core = std::any_of(x.engines.begin(), x.engines.end(), [](const EngineHit& h) {
    return h.engine != "napi" && h.where != "DT_NEEDED" && (h.defined || h.entry);
  });
  std::vector<Producer> producers;
  for (const std::string& c : f.comment)
    if (auto p = ParseProducer(c)) producers.push_back(*p);
  // Of several lines of one compiler, the newest: a C library's crt objects
  // keep the line of the compiler that built the library (musl's crt1.o:
  // GCC 11.2.0), while the driver that links the program adds its own
  // crtbegin.o, compiled by the same GCC as the program (12.2.0).
  auto newer = [](std::string_view a, std::string_view b) {  // a > b, by numeric dotted parts
    while (!a.empty() || !b.empty()) {
      auto part = [](std::string_view* v) {
        uint64_t n = 0;
        size_t i = 0;
        for (; i < v->size() && std::isdigit(static_cast<unsigned char>((*v)[i])) && n < (1ull << 40); ++i)
          n = n * 10 + static_cast<uint64_t>((*v)[i] - '0');
        *v = v->substr(std::min(v->size(), i + 1));
        return n;
      };
      const uint64_t x = part(&a), y = part(&b);
      if (x != y) return x > y;
    }
    return false;
  };
  auto producer = [&](std::string_view compiler) -> const Producer* {
    const Producer* best = nullptr;
    for (const Producer& p : producers)
      if (p.compiler == compiler && (!best || newer(p.version, best->version))) best = &p;
    return best;
  };
  auto add = [&](std::string claim, bool holds, Strength s, std::string where, std::string detail) {
    a->evidence.push_back({"toolchain.language", std::move(claim), holds, s, std::move(where), std::move(detail)});
  };

  if (a->go) {
    // Build info is a manifest; a pclntab or gccgo's marks are structure.
    t.language = "go";
    t.compiler = a->go->compiler;
    t.version = a->go->version;
    add("written in Go", true, a->go->build_info ? Strength::kManifest : Strength::kStructure,
        a->go->build_info ? a->go->build_info->where : std::string("go facts"), a->go->compiler + " " + a->go->version);
    return t;
  }
  // Languages with their own runtimes first (they link C and C++ runtimes
  // too), in order of how specific their marks are; then C++, then C.
  static constexpr std::string_view kOrder[] = {"pascal", "rust",    "haskell", "ocaml", "nim",   "d",     "ada",
                                                "fortran", "swift", "crystal", "elisp", "scheme", "c++"};
  // ocamlrun, the C program that runs OCaml bytecode, carries the OCaml
  // runtime's caml_* names too; its bytecode interpreter defined here says
  // the runtime is all there is, with no OCaml-compiled code.
  // The native runtime as a library (libasmrun_shared.so) defines
  // caml_startup but imports caml_program, which OCaml-compiled code defines.
  const bool ocaml_bytecode_runtime =
      std::any_of(x.engines.begin(), x.engines.end(),
                  [](const EngineHit& h) { return h.engine == "ocamlrun" && h.defined && h.where != "DT_NEEDED"; }) ||
      (FindLang(x, "ocaml") && ImportsSymbol(f, "caml_program"));
  const LangHit* hit = nullptr;
  for (std::string_view l : kOrder)
    if ((l != "ocaml" || !ocaml_bytecode_runtime) && (hit = FindLang(x, l))) break;

  // rustc's producer line is easy to forge or to inherit from one linked
  // object: it counts with Rust symbols (legacy Rust names are "_ZN...",
  // so a C++ mark counts too), or Rust's own strings in .rodata.
  // Stripped Rust without the line (Debian's rustc 1.63) needs libgcc_s for
  // unwinding and keeps its library paths.
  const Producer* rustc = producer("rustc");
  const bool needs_gcc_s =
      std::any_of(f.needed.begin(), f.needed.end(), [](std::string_view n) { return n.starts_with("libgcc_s.so"); });
  // Every string looked for below, in one pass over the first
  // kMaxLanguageScan bytes, when any of them may be needed.
  // The pass ends at the window where any is seen: Rust's sit early in a
  // Rust program, and a C program has none (it is read to the limit).
  // Rust's std imports these three together (XSI strerror_r for io::Error,
  // thread-local destructors, unwinding); C imports the first at most, and a
  // program with C++'s would have C++ marks. Symbols: no .rodata to read.
  // A rustc line beside C++ names needs Rust's own marks to speak for the
  // program (Bun: Rust over JavaScriptCore's C++); searched even in an
  // engine's binary, since only files with the line pay for it.
  const bool rust_vs_cxx = rustc && hit && hit->language == "c++";
  bool rust_std = false;
  if ((!hit && !engine_core && (rustc || needs_gcc_s)) || rust_vs_cxx) {
    static constexpr std::string_view kStd[] = {"__xpg_strerror_r", "__cxa_thread_atexit_impl", "_Unwind_Resume"};
    bool seen[3] = {};
    const uint64_t n = std::min<uint64_t>(f.dynsym.readable, kMaxIdentifySymbols);
    for (uint64_t i = 1; i < n; ++i) {
      std::string_view head = f.dynsym.NameBytes(i, 32);
      for (int k = 0; k < 3; ++k)
        if (head.starts_with(kStd[k]) && head.size() > kStd[k].size() &&
            (head[kStd[k].size()] == '\0' || head[kStd[k].size()] == '@'))
          seen[k] = true;
    }
    rust_std = seen[0] && seen[1] && seen[2];
  }
  if (((!hit && !engine_core) || rust_vs_cxx) && !rust_std) {
    std::vector<std::string_view> needles(std::begin(kRustStrings), std::end(kRustStrings));
    needles.push_back("/usr/src/rustc-");
    for (const StringMarks& m : kLanguageStrings)
      for (std::string_view n : m.needles)
        if (!n.empty()) needles.push_back(n);
    strings.Prefetch(needles, kMaxLanguageScan, [](const std::vector<bool>& found) {
      return std::find(found.begin(), found.end(), true) != found.end();
    });
  }
  std::optional<uint64_t> rust_at;
  std::string_view rust_needle;
  if (((!hit && !engine_core && (rustc || needs_gcc_s)) || rust_vs_cxx) && !rust_std) {
    for (std::string_view n : kRustStrings)
      if ((rust_at = strings.Find(n, kMaxLanguageScan))) {
        rust_needle = n;
        break;
      }
  }
  // Zig writes no producer line: its own marks are the source file names
  // its safety checks keep. Many of them outvote a rustc line that came with
  // one linked Rust library (Bun 1.3 links lol-html).
  int zig_names = 0;
  if ((rustc && hit && hit->language == "c++") || (!hit && !engine_core && !rust_std))
    zig_names = strings.Count(".zig", kZigNames, kMaxZigScan);

  if (zig_names >= kZigNames && (!hit || hit->language == "c++" || hit->language == "rust")) {
    t.language = "zig", t.compiler = "zig";
    auto at = strings.Find(".zig", kMaxZigScan);
    add("written in Zig", true, Strength::kString, strings.Where(*at),
        fmt::format("{}+ Zig source names, such as \"{}\"", kZigNames, strings.PathAround(*at)));
    if (rustc)
      a->evidence.push_back({"toolchain.conflict", "rustc's producer line speaks for the whole program", false,
                             Strength::kProducer, ".comment",
                             "rustc version " + rustc->version + " compiled linked-in Rust code; the Zig names decide"});
    return t;
  }
  const std::string kStdDetail = "imports __xpg_strerror_r, __cxa_thread_atexit_impl and _Unwind_Resume (Rust std's set)";
  // A shared library whose exported API is C++ is C++ code that bundles a
  // Rust library, not Rust (sharp's libvips-cpp.so carries librsvg): Rust
  // exports C names or its own manglings, never Itanium C++ API names.
  std::string cxx_api;
  bool std_name_example = false;
  uint64_t cxx_exports = 0;
  if (rustc && hit && hit->language == "c++" && a->kind == "shared-library") {
    const uint64_t n = std::min<uint64_t>(f.dynsym.readable, kMaxIdentifySymbols);
    for (uint64_t i = 1; i < n && cxx_exports < kMinCxxApi; ++i) {
      if (!f.dynsym.NameStartsWith(i, "_Z") || f.dynsym.NameStartsWith(i, "_ZGV") || !f.dynsym.Defined(i)) continue;
      const elf::Symbol sym = f.dynsym.At(i);
      if (sym.type != 2 /* STT_FUNC */ || sym.bind == 0 /* STB_LOCAL */ || IsRustMangled(sym.name)) continue;
      // The example: the library's own API rather than a std:: instantiation.
      const bool std_name = sym.name.starts_with("_ZNSt") || sym.name.starts_with("_ZNKSt") || sym.name.starts_with("_ZSt");
      if (cxx_api.empty() || (std_name_example && !std_name))
        cxx_api = std::string(sym.name.substr(0, 96)), std_name_example = std_name;
      ++cxx_exports;
    }
  }
  if (cxx_exports >= kMinCxxApi) {
    a->evidence.push_back({"toolchain.conflict", "rustc's producer line speaks for the whole library", false,
                           Strength::kSymbol, ".dynsym",
                           fmt::format("rustc version {} compiled a bundled Rust library; it exports {}+ C++ "
                                       "functions, such as {}",
                                       rustc->version, kMinCxxApi, cxx_api)});
    rustc = nullptr;
  }
  // Rust source names ("src/bundler/OutputFile.rs") back the line too: a
  // panic=abort build keeps no /rustc/ path (Bun 1.4).
  std::optional<uint64_t> rs_name;
  // Only files with a rustc line, C++ names and no other Rust mark pay for
  // this search; Bun 1.4 keeps its names 14 MiB into .rodata.
  if (uint64_t first = 0; rust_vs_cxx && !rust_at && !rust_std &&
                           strings.Count(".rs", kRustNames, kMaxRodataScan, &first) >= kRustNames)
    rs_name = first;
  if (rustc && ((!hit && (rust_at || rust_std)) || (hit && hit->language == "rust") ||
                (rust_vs_cxx && (rust_at || rust_std || rs_name)))) {
    t.language = "rust", t.compiler = "rustc", t.version = rustc->version;
    add("written in Rust", true, Strength::kProducer, ".comment",
        "rustc version " + rustc->version +
            (hit && hit->language == "rust" ? "; " + hit->detail
             : rust_std                     ? "; " + kStdDetail
             : rust_at                      ? "; string " + strings.Context(*rust_at)
                                            : fmt::format("; {}+ Rust source names, such as \"{}\"", kRustNames,
                                                          strings.PathAround(*rs_name))));
  } else {
    if (rustc)
      a->evidence.push_back({"toolchain.conflict", "rustc's producer line is backed by Rust code", false,
                             Strength::kProducer, ".comment",
                             "rustc version " + rustc->version + " but no Rust symbols or strings"});
    if (hit) {
      t.language = std::string(hit->language);
      t.compiler = std::string(hit->compiler);
      add("written in " + t.language, true, hit->strength, hit->where, hit->detail);
    } else if (rust_std) {
      t.language = "rust", t.compiler = "rustc";
      add("written in Rust", true, Strength::kSymbol, ".dynsym", kStdDetail);
    } else if (rust_at) {
      t.language = "rust", t.compiler = "rustc";
      std::string context = strings.Context(*rust_at);
      // "/usr/src/rustc-1.63.0/library/...": Debian's path names the release.
      if (rust_needle == "/rustc-") {
        std::string_view v = std::string_view(context).substr(7);
        t.version = std::string(v.substr(0, v.find('/')));
      }
      add("written in Rust", true, Strength::kString, strings.Where(*rust_at), context);
    } else if (const elf::Section* mi = f.FindSection("__minfo") ? f.FindSection("__minfo") : f.FindSection("minfo")) {
      // D's ModuleInfo records, one per module compiled in: ldc names the
      // section __minfo, gdc minfo. Stripping keeps section headers.
      t.language = "d";
      add("written in D", true, Strength::kStructure, "section headers",
          fmt::format("{} ({} bytes of D ModuleInfo records)", mi->name, mi->size));
    } else if (auto m = engine_core ? std::nullopt : FindMarks(strings, kLanguageStrings, kMaxLanguageScan)) {
      // Symbols stripped and no producer: the runtime's own strings.
      t.language = std::string(m->name);
      add("written in " + t.language, true, Strength::kString, strings.Where(m->first),
          fmt::format("{} of its runtime's strings: {}", m->found, m->detail));
    } else if (!producers.empty()) {
      t.language = "c";
      add("written in C", true, Strength::kProducer, ".comment",
          "C compiler producers only; no C++ or other runtime symbols or libraries");
    } else if (!libc_self.lib.empty()) {
      t.language = "c";
      add("written in C", true, Strength::kStructure, libc_self.where, "the C library itself: " + libc_self.detail);
    } else if (std::any_of(f.needed.begin(), f.needed.end(), [](std::string_view n) {
                 return n.starts_with("libc.so") || n.starts_with("libc.musl");
               })) {
      // Debian strips .comment: a program that links the C library and no
      // other language's runtime, with none of their symbols, is C.
      t.language = "c";
      add("written in C", true, Strength::kStructure, "DT_NEEDED",
          "links the C library and no other language's runtime library, symbols or strings");
    } else if (const elf::Section* s = f.FindSection("__libc_freeres_fn"); s && f.needed.empty()) {
      // Static glibc, nothing else: a C program (busybox-static).
      t.language = "c";
      add("written in C", true, Strength::kStructure, "section headers",
          "carries glibc statically (__libc_freeres_fn) and no other language's runtime, symbols or strings");
    } else if (auto musl = StaticMusl(f, strings)) {
      t.language = "c";
      add("written in C", true, Strength::kString, strings.Where(*musl),
          "carries musl statically (its strings MUSL_LOCPATH and \"No error information\") and no other "
          "language's runtime, symbols or strings");
    } else if (f.header.type != 2 /* ET_EXEC */ && !f.interpreter) {
      if (const uint64_t n = PlainCImports(f)) {
        t.language = "c";
        add("written in C", true, Strength::kSymbol, f.header.type == 1 ? ".symtab" : ".dynsym",
            fmt::format("a {} that calls {} functions by plain C names (its host's or the C library's) and "
                        "carries no other language's runtime, symbols or strings",
                        f.header.type == 1 ? "object file" : "shared object", n));
      } else if (a->kind == "extension-module") {
        t.language = "c";
        add("written in C", true, Strength::kSymbol, "kind.extension",
            "an extension module on its host's C API (an entry point of plain C name) that carries no other "
            "language's runtime, symbols or strings");
      }
    }
  }
  // Rust without a producer line: the release from std's paths, Debian's
  // "/usr/src/rustc-1.63.0/" or "/rustc/<commit>/" mapped through the table
  // of stable releases (lang/rust/version.h).
  if (t.language == "rust" && t.version.empty()) {
    if (auto at = strings.Find("/usr/src/rustc-", kMaxLanguageScan)) {
      std::string c = strings.Context(*at + 15);
      t.version = c.substr(0, c.find('/'));
      a->evidence.push_back({"toolchain.compiler", "compiled by rustc " + t.version, true, Strength::kString,
                             strings.Where(*at), "/usr/src/rustc-" + c.substr(0, std::min(c.find(".rs"), size_t{37}) + 3)});
    } else if (auto at2 = strings.Find("/rustc/", kMaxLanguageScan)) {
      std::string commit = strings.Context(*at2 + 7).substr(0, 40);
      if (auto rel = rust::ReleaseForCommit(commit)) {
        t.version = std::string(rel->version);
        a->evidence.push_back({"toolchain.compiler", "compiled by rustc " + t.version, true, Strength::kString,
                               strings.Where(*at2), fmt::format("/rustc/{}/: rustc {}", commit, rel->version)});
      }
    }
  }
  if (t.compiler.empty()) t.compiler = std::string(DefaultCompiler(t.language));
  if (t.language == "pascal" && t.version.empty())
    if (const LangHit* h = FindLang(x, "pascal"); h && h->detail.starts_with("FPC ")) t.version = h->detail.substr(4);
  if (t.language == "d") {
    auto needs = [&](std::string_view prefix) {
      return std::any_of(f.needed.begin(), f.needed.end(), [&](std::string_view n) { return n.starts_with(prefix); });
    };
    if (const Producer* p = producer("ldc")) t.compiler = "ldc", t.version = p->version;
    else if (needs("libphobos2-ldc") || needs("libdruntime-ldc") || f.FindSection("__minfo")) t.compiler = "ldc";
    else if (needs("libgphobos") || f.FindSection("minfo")) t.compiler = "gdc";
  }
  // The compiler of C, C++ and languages compiled through C: clang when it
  // appears (GCC's own crt objects name GCC in almost every file), else GCC.
  if (t.compiler.empty() && (t.language == "c" || t.language == "c++" || t.language == "nim")) {
    if (const Producer* p = producer("clang")) t.compiler = "clang", t.version = p->version;
    else if (const Producer* g = producer("gcc")) t.compiler = "gcc", t.version = g->version;
  }
  if (t.version.empty() && (t.compiler == "gfortran" || t.compiler == "gnat" || t.compiler == "gdc"))
    if (const Producer* g = producer("gcc")) t.version = g->version;
  // The compiler's item names where its version was read: a producer line,
  // or .fpcdata (the string searches above add their own).
  const bool said = std::any_of(a->evidence.begin(), a->evidence.end(),
                                [](const Evidence& e) { return e.id == "toolchain.compiler"; });
  if (!said && !t.compiler.empty() && !t.version.empty()) {
    if (std::any_of(producers.begin(), producers.end(), [&](const Producer& p) { return p.version == t.version; }))
      a->evidence.push_back({"toolchain.compiler", "compiled by " + t.compiler, true, Strength::kProducer,
                             ".comment", t.compiler + " " + t.version});
    else if (t.compiler == "fpc")
      a->evidence.push_back({"toolchain.compiler", "compiled by fpc", true, Strength::kStructure, ".fpcdata",
                             "FPC " + t.version});
  }
  // Other languages' runtimes seen beside the one chosen: mixed programs
  // (Fortran with a C++ main, Rust linking a C++ library) say so. C++ marks
  // in Rust are Rust's own legacy mangling, and C is everyone's.
  for (const LangHit& h : x.langs) {
    if (h.language == t.language || (h.language == "c++" && t.language == "rust")) continue;
    // ocamlrun's caml_* names are its own C runtime, not OCaml code.
    if (h.language == "ocaml" && std::any_of(x.engines.begin(), x.engines.end(), [](const EngineHit& e) {
          return e.engine == "ocamlrun" && e.defined && e.where != "DT_NEEDED";
        }))
      continue;
    if (std::any_of(a->evidence.begin(), a->evidence.end(), [&](const Evidence& e) {
          return e.id == "toolchain.also" && e.claim.ends_with(" " + std::string(h.language));
        }))
      continue;
    a->evidence.push_back({"toolchain.also", "also links code in " + std::string(h.language), true, h.strength,
                           h.where, h.detail});
  }
  return t;
}

void SetEngine(Execution* x, std::string_view engine) {
  x->engine = std::string(engine);
  if (const EngineInfo* e = EngineByName(engine)) x->jit = e->jit;
}

void AddJitEvidence(Analysis* a, std::string_view engine) {
  const EngineInfo* e = EngineByName(engine);
  if (!e) return;
  a->evidence.push_back({"execution.jit", "JITs by default", e->jit == "yes", Strength::kProducer,
                         "engine table (docs/identify.md)", fmt::format("{}: {}", engine, EngineJitWhy(e->jit))});
}

void IdentifyElf(const elf::File& f, Analysis* a) {
  // Guile's compiled modules are ELF files for no machine: bytecode for
  // Guile's VM (and its JIT), with sections of its own.
  if (f.header.machine == 0 /* EM_NONE */ && f.FindSection(".rtl-text")) {
    Toolchain t;
    t.language = "scheme", t.compiler = "guile";
    Execution x;
    x.model = "bytecode", x.engine = "guile", x.jit = "yes";
    a->toolchain = t;
    a->execution = x;
    a->evidence.push_back({"execution.bytecode", "is bytecode for the Guile VM, not machine code", true,
                           Strength::kStructure, "ELF header, section headers",
                           "e_machine EM_NONE and a .rtl-text section (Guile's compiled-module format)"});
    a->evidence.push_back({"toolchain.language", "written in Scheme", true, Strength::kStructure, "section headers",
                           ".rtl-text, Guile's compiled Scheme"});
    return;
  }

  ElfFacts facts;
  CollectLinkFacts(f, a, &facts);
  RodataStrings strings(f);
  const CLibSelf libc_self = CLibraryItself(f, strings);
  Toolchain t = DecideLanguage(f, a, facts, strings, libc_self);
  IdentifyLibc(f, libc_self, strings, &t, a);
  const bool fallback_c = t.language == "c" && std::none_of(a->evidence.begin(), a->evidence.end(), [](const Evidence& e) {
                            return e.id == "toolchain.language" && e.strength == Strength::kSymbol;
                          });

  // ---- The execution model. ----
  Execution x;
  x.model = "native";
  // The engine the file is: its core defined here, or its main called from
  // here with the engine's library needed (node, java, lua launchers).
  const EngineHit* core = nullptr;
  const EngineHit* launcher = nullptr;
  const EngineHit* linked = nullptr;
  const EngineHit* napi = nullptr;
  for (const EngineHit& h : facts.engines) {
    if (h.engine == "napi") {
      if (h.defined && !napi) napi = &h;
      continue;
    }
    if (h.defined && !core) core = &h;
    if (h.entry && !launcher) launcher = &h;
    if (h.where == "DT_NEEDED" && !linked) linked = &h;
  }
  auto prefer = [&](const EngineHit* cur, std::string_view over, std::string_view with, bool needed) {
    if (!cur || cur->engine != over) return cur;
    for (const EngineHit& h : facts.engines)
      if (h.engine == with && (needed ? h.where == "DT_NEEDED" : h.defined)) return &h;
    return cur;
  };
  // Bun defines V8's API over JavaScriptCore for Node addons: JSC's own core wins.
  const EngineHit* v8 = nullptr;
  const EngineHit* jsc = nullptr;
  for (const EngineHit& h : facts.engines) {
    if (h.defined && h.engine == "v8" && !v8) v8 = &h;
    if (h.defined && h.engine == "jsc" && !jsc) jsc = &h;
  }
  if (v8 && jsc) {
    a->evidence.push_back({"execution.conflict", "is the V8 engine", false, v8->strength, v8->where,
                           v8->detail + ": V8's API names over another engine (Bun's Node-API layer); " +
                               std::string(jsc->detail) + " decides"});
    core = jsc;
  }
  // LuaJIT also defines lua_* names: prefer it when its own marks are there.
  core = prefer(core, "lua", "luajit", false);
  linked = prefer(linked, "lua", "luajit", true);
  const EngineHit* is = core ? core : launcher;
  uint64_t exec_bytes = 0;
  for (const elf::Segment& s : f.segments)
    if (s.type == 1 && (s.flags & 1)) exec_bytes += s.filesz;
  // Lua's core in a large program without Lua's standalone interpreter
  // (lua.c reads LUA_INIT) is there for scripting: redis-server's EVAL.
  const EngineHit* static_embed = nullptr;
  if (core && core->engine == "lua" && !launcher && exec_bytes >= kLauncherMaxText &&
      !strings.Find("LUA_INIT", kMaxRodataScan)) {
    static_embed = core;
    core = nullptr, is = nullptr;
  }

  // A program carried inside this host decides the model: the host's engine
  // runs it.
  const uint64_t image_end = ImageEnd(f, a->size);
  std::optional<Embedded> emb = FindNodeSea(f);
  if (!emb) emb = FindBunCompile(f);
  if (!emb) emb = FindOcamlCustom(f, a->size);
  if (!emb && a->size > image_end) {
    a->evidence.push_back({"format.overlay", "carries bytes past its ELF image", true, Strength::kStructure,
                           fmt::format("file offset {:#x}", image_end),
                           fmt::format("{} bytes after the last header, section or segment", a->size - image_end)});
    emb = FindPyInstaller(f, image_end, a->size);
    if (!emb) emb = FindPkg(f, image_end, a->size);
  }
  if (emb) {
    x.model = "embedded";
    SetEngine(&x, emb->engine);
    x.engine_in_file = core && core->engine == emb->engine;
    x.payload_kind = std::string(emb->kind);
    x.payload_offset = emb->offset, x.payload_size = emb->size;
    a->evidence.push_back({"execution.embedded", fmt::format("carries a {} program ({})", emb->language, emb->kind),
                           true, emb->strength, emb->where, emb->detail});
    if (is && is->engine != emb->engine)
      a->evidence.push_back({"execution.conflict", fmt::format("the host is the {} engine", is->engine), false,
                             is->strength, is->where, is->detail});
    AddJitEvidence(a, emb->engine);
    // The verdict names the language of the program carried; what was
    // found of the host's own language and compiler stays, said of the host.
    for (Evidence& e : a->evidence)
      if (e.id == "toolchain.language" || e.id == "toolchain.compiler") {
        e.id = "toolchain.host";
        e.claim = "the host is " + e.claim;
      }
    a->evidence.push_back({"toolchain.language", fmt::format("written in {}", emb->language), true, emb->strength,
                           emb->where, fmt::format("the {} payload", emb->kind)});
    t.language = std::string(emb->language);
    t.compiler.clear();
    t.version = emb->version;
    if (emb->kind == "ocamlc-custom") t.compiler = "ocamlc";
    a->toolchain = t;
    a->execution = x;
    return;
  }
  a->toolchain = t;

  // An extension module runs inside its host: an engine library it needs is
  // the host's, not one it carries (libjava.so needs libjvm.so, a Ruby
  // extension libruby).
  // A library named as an engine's own (libswipl.so also holds an Emacs
  // module's entry point) is the engine, whatever plug-in entry it exports.
  const bool engine_soname = f.soname && std::any_of(std::begin(kEngineLibraries), std::end(kEngineLibraries),
                                                     [&](const auto& l) { return f.soname->starts_with(l.first); });
  if (a->kind == "extension-module" && engine_soname) {
    a->kind = "shared-library";
    for (Evidence& e : a->evidence)
      if (e.id == "kind.extension") e.holds = false, e.detail += fmt::format("; but its DT_SONAME {} names an engine's library", *f.soname);
  }
  if (a->kind == "extension-module" && !core) {
    x.jit = "no";
    a->evidence.push_back({"execution.native",
                           "its own logic is machine code, run inside its host's process; no engine of its own", true,
                           Strength::kSymbol, "kind.extension",
                           linked ? fmt::format("needs {}: its host's engine, not carried here", linked->detail)
                                  : std::string("no engine's core among its symbols")});
    a->execution = x;
    return;
  }

  // A small program that needs an engine's library, or calls its main, is
  // its launcher (lua5.4, the java command's libjli, node's stub); a large
  // one embeds it for scripting (gdb and libpython, perf and libperl).
  if (!core && launcher && exec_bytes >= kLauncherMaxText) {
    linked = launcher;
    is = nullptr;
  }
  // Only a program launches: a shared library that needs an engine's library
  // uses it (libverify.so and libjvm.so), it is not the engine's front end.
  if (!is && linked && f.dynsym.readable > 0 && exec_bytes < kLauncherMaxText && a->kind != "shared-library")
    is = linked;
  if (is) {
    x.model = "vm";
    SetEngine(&x, is->engine);
    x.engine_in_file = is == core;
    a->evidence.push_back({"execution.engine", fmt::format("is the {} engine", is->engine), true, is->strength,
                           is->where, is->detail});
    AddJitEvidence(a, is->engine);
    a->execution = x;
    return;
  }
  // Every engine whose library it needs, once each (vim.nox: Perl, Python,
  // Ruby, Lua and Tcl), in DT_NEEDED order; LuaJIT stands for Lua when both
  // marks name its library.
  std::vector<const EngineHit*> embeds;
  if (linked)
    for (const EngineHit& h : facts.engines) {
      if (h.where != "DT_NEEDED" || h.engine == "napi") continue;
      const EngineHit* e = (h.engine == "lua" && linked->engine == "luajit") ? linked : &h;
      if (std::none_of(embeds.begin(), embeds.end(), [&](const EngineHit* o) { return o->engine == e->engine; }))
        embeds.push_back(e);
    }
  if (static_embed) embeds.push_back(static_embed);
  for (const EngineHit* e : embeds) {
    x.embeds.emplace_back(e->engine);
    a->evidence.push_back({"execution.embeds",
                           fmt::format("{} the {} engine for scripting", e == static_embed ? "carries" : "links", e->engine),
                           true, e == static_embed ? Strength::kSymbol : Strength::kStructure, e->where,
                           e == static_embed ? e->detail + " defined, and no LUA_INIT of Lua's own interpreter" : e->detail});
  }
  // A stripped engine linked in statically shows only its strings: looked
  // for in JavaScript runtimes that name no engine (Deno: Node-API defined,
  // V8 stripped), and in programs whose language was C by default (an
  // engine's C runtime, such as SBCL's).
  // Programs of no known language are searched too, over less (mksh built
  // on dietlibc or klibc leaves no language mark), and C++ programs that
  // manage job control, as shells do (fish): reading every C++ program's
  // .rodata would cost a tenth of the main report over /usr/bin.
  const bool other_default = t.language.empty() || t.language == "unknown" ||
                             (t.language == "c++" && ImportsSymbol(f, "tcsetpgrp"));
  if (!linked && !a->go && (fallback_c || napi || other_default))
    if (auto m = FindMarks(strings, kEngineStrings, fallback_c || napi ? kMaxRodataScan : kMaxLanguageScan)) {
      x.model = "vm";
      SetEngine(&x, m->name);
      x.engine_in_file = true;
      if (napi)
        a->evidence.push_back({"execution.runtime", "implements Node-API: a JavaScript runtime", true, napi->strength,
                               napi->where, napi->detail});
      a->evidence.push_back({"execution.engine", fmt::format("is the {} engine", m->name), true, Strength::kString,
                             strings.Where(m->first), fmt::format("{} of its strings: {}", m->found, m->detail)});
      AddJitEvidence(a, m->name);
      a->execution = x;
      return;
    }
  // No engine among the symbols, libraries and strings looked at: compiled
  // ahead of time, nothing that JITs.
  x.jit = "no";
  std::string names;
  for (const EngineHit* e : embeds) names += (names.empty() ? "" : ", ") + std::string(e->engine);
  a->evidence.push_back(
      {"execution.native",
       embeds.empty() ? "its own logic is machine code; no VM, interpreter or JIT engine"
                      : "its own logic is machine code; the engines it carries or links run only the scripts it hands them",
       true, Strength::kStructure, "symbols, DT_NEEDED",
       embeds.empty()
           ? fmt::format("none of {} engine symbols or {} engine libraries", std::size(kEngineSymbols),
                         std::size(kEngineLibraries))
           : fmt::format("no engine's core or launcher among {} engine symbols; for scripting only: {} (execution.embeds)",
                         std::size(kEngineSymbols), names)});
  a->execution = x;
}



// A "/rustc/<40 hex>/" path of Rust's standard library (its panic
// locations), which survives stripping.
struct RustcPath {
  size_t at;
  std::string_view commit;
};
std::optional<RustcPath> FindRustcPath(std::string_view data) {
  for (size_t at = data.find("/rustc/"); at != std::string_view::npos; at = data.find("/rustc/", at + 1)) {
    const std::string_view commit = data.substr(at + 7, 40);
    if (commit.size() == 40 && commit.find_first_not_of("0123456789abcdef") == std::string_view::npos)
      return RustcPath{at, commit};
  }
  return std::nullopt;
}

// Rust as the language, from such a path; what was said of another language becomes toolchain.also.
void NoteRust(const RustcPath& r, std::string where, Toolchain* t, Analysis* a) {
  if (t->language != "unknown")
    for (Evidence& e : a->evidence)
      if (e.id == "toolchain.language") e.id = "toolchain.also";
  t->language = "rust";
  t->compiler = "rustc";
  std::string detail = fmt::format("/rustc/{}/ (the standard library's source paths)", r.commit);
  if (std::optional<rust::RustcRelease> rel = rust::ReleaseForCommit(r.commit)) {
    t->version = std::string(rel->version);
    detail += fmt::format(": rustc {}", rel->version);
  }
  a->evidence.push_back({"toolchain.language", "written in rust", true, Strength::kString, std::move(where), detail});
}


// An engine a detector found: its core in the file, or a library it needs.
struct EngineFinding {
  std::string_view engine;
  Strength strength;
  std::string where, detail;
};

// The execution verdict of a Mach-O or PE image from its detectors'
// findings: the engine whose core is in the file, or a small executable that
// needs an engine's library (its launcher), is a vm; a larger one embeds the
// engine for scripting; else native code with no JIT. `looked` says what was
// looked at, for the native verdict's evidence.
void DecideExecution(Analysis* a, const std::optional<EngineFinding>& core, const std::optional<EngineFinding>& lib,
                     uint64_t exec_bytes, std::string looked_where, std::string looked) {
  Execution x;
  x.model = "native";
  const EngineFinding* is = core ? &*core : (lib && exec_bytes < kLauncherMaxText && a->kind == "executable") ? &*lib : nullptr;
  if (is) {
    x.model = "vm";
    SetEngine(&x, is->engine);
    x.engine_in_file = core.has_value() && is == &*core;
    a->evidence.push_back({"execution.engine", fmt::format("is the {} engine", x.engine), true, is->strength, is->where,
                           is->detail});
    AddJitEvidence(a, x.engine);
    a->execution = x;
    return;
  }
  if (lib) {
    x.embeds.emplace_back(lib->engine);
    a->evidence.push_back({"execution.embeds", fmt::format("links the {} engine for scripting", lib->engine), true,
                           lib->strength, lib->where, lib->detail});
  }
  x.jit = "no";
  a->evidence.push_back({"execution.native",
                         lib ? "its own logic is machine code; the engine it links runs only the scripts it hands it"
                             : "its own logic is machine code; no VM, interpreter or JIT engine",
                         true, Strength::kStructure, std::move(looked_where), std::move(looked)});
  a->execution = x;
}

// ---- Mach-O (issue 16): the same tables, read from its symbols and dylibs. ----

// Dylibs and frameworks that are a language's runtime or an engine, by the
// last component of the install name (or a framework's directory).
constexpr std::pair<std::string_view, std::string_view> kMachoLangLibraries[] = {
    {"libswiftCore.dylib", "swift"}, {"libc++.1.dylib", "c++"},     {"libstdc++", "c++"},
    {"libgfortran", "fortran"},      {"libobjc.A.dylib", "objective-c"},
};
constexpr std::pair<std::string_view, std::string_view> kMachoEngineLibraries[] = {
    {"libpython3", "cpython"}, {"Python.framework", "cpython"}, {"libjvm.dylib", "hotspot"},
    {"libjli.dylib", "hotspot"}, {"libnode", "v8"}, {"libluajit", "luajit"}, {"liblua", "lua"},
    {"libruby", "ruby"}, {"libperl", "perl"}, {"libmonosgen", "mono"}, {"libcoreclr", "coreclr"},
    {"JavaScriptCore.framework", "jsc"},
};

bool DylibIs(std::string_view install_name, std::string_view lib) {
  if (lib.ends_with(".framework")) return install_name.find(std::string("/") + std::string(lib) + "/") != std::string_view::npos;
  const size_t slash = install_name.rfind('/');
  return install_name.substr(slash == std::string_view::npos ? 0 : slash + 1).starts_with(lib);
}

void IdentifyMachoImage(Analysis* a) {
  const MachoFacts& m = *a->macho;
  const macho::File& f = m.file;
  auto add = [&](EvidenceId id, std::string claim, bool holds, Strength st, std::string where, std::string detail) {
    a->evidence.push_back({id, std::move(claim), holds, st, std::move(where), std::move(detail)});
  };
  Toolchain t;
  Execution x;
  x.model = "native";

  // One pass over the symbol table: languages' runtimes and engines, by the
  // names of the ELF tables less the underscore Apple's C names get.
  struct Hit {
    std::string_view what, compiler;
    std::string name;
    bool defined = false, entry = false;
  };
  std::optional<Hit> lang_hits[std::size(kLangSymbols)];
  std::optional<Hit> engine_core, engine_any;
  const uint64_t n = std::min(f.SymbolCount(), macho::kMaxMachoSymbolScan);
  for (uint64_t i = 0; i < n; ++i) {
    const macho::Symbol sym = f.SymbolAt(i);
    if (sym.stab() || sym.name.size() < 2 || sym.name[0] != '_') continue;
    const std::string_view name = sym.name.substr(1);
    for (size_t k = 0; k < std::size(kLangSymbols); ++k)
      if (!lang_hits[k] && name.starts_with(kLangSymbols[k].prefix))
        lang_hits[k] = Hit{kLangSymbols[k].language, kLangSymbols[k].compiler, std::string(sym.name), sym.defined()};
    if (!sym.defined()) continue;
    for (const EngineSymbol& e : kEngineSymbols)
      if (e.engine != "napi" && name.starts_with(e.prefix)) {
        if (!engine_any) engine_any = Hit{e.engine, "", std::string(sym.name), true, e.entry};
        if (e.entry && !engine_core) engine_core = Hit{e.engine, "", std::string(sym.name), true, true};
      }
  }
  if (!engine_core) engine_core = engine_any;

  // The language: Go's facts, then the symbols (Rust ranks first among
  // them, as its legacy names look like C++'s), then the runtime dylibs.
  if (a->go) {
    t.language = "go";
    t.compiler = a->go->compiler;
    t.version = a->go->version;
    add("toolchain.language", "written in Go", true, a->go->build_info ? Strength::kManifest : Strength::kStructure,
        a->go->build_info ? a->go->build_info->where : std::string("go facts"), a->go->compiler + " " + a->go->version);
  } else {
    for (size_t k = 0; k < std::size(kLangSymbols) && t.language == "unknown"; ++k)
      if (lang_hits[k]) {
        t.language = std::string(lang_hits[k]->what);
        t.compiler = std::string(lang_hits[k]->compiler);
        add("toolchain.language", "written in " + t.language, true, Strength::kSymbol, "symbol table",
            fmt::format("{} {}", lang_hits[k]->name, lang_hits[k]->defined ? "defined" : "imported"));
      }
    // Swift and Objective-C programs link their runtime's dylib; C++ links libc++.
    for (auto [lib, lang] : kMachoLangLibraries)
      for (const macho::Dylib& d : f.dylibs)
        if (d.kind != macho::DylibKind::kId && DylibIs(d.name, lib) && (t.language == "unknown" || (lang == "swift" && t.language != "rust"))) {
          if (t.language != "unknown" && t.language != std::string(lang))
            for (Evidence& e : a->evidence)
              if (e.id == "toolchain.language") e.id = "toolchain.also";
          t.language = std::string(lang);
          add("toolchain.language", "written in " + t.language, true, Strength::kStructure, "LC_LOAD_DYLIB",
              std::string(d.name));
        }
    // Rust, stripped: the panic locations of its standard library keep
    // "/rustc/<commit>/library/..." paths in read-only data.
    if (t.language == "unknown" || t.language == "c++") {
      uint64_t budget = kMaxLanguageScan;
      // C strings first: rustc puts the paths there when it can, and __const can be larger than the budget.
      for (const std::string_view want : {"__cstring", "__const"})
      for (const macho::Section& c : f.sections) {
        if (!c.in_file || c.segname != "__TEXT" || c.sectname != want || t.language == "rust" || budget == 0) continue;
        const std::string_view data = f.bytes.Sub(c.offset, std::min<uint64_t>(c.size, budget)).AsString();
        budget -= data.size();
        if (const std::optional<RustcPath> r = FindRustcPath(data))
          NoteRust(*r, fmt::format("{},{} at {:#x}", c.segname, c.sectname, c.addr + r->at), &t, a);
      }
    }
    if (t.language == "unknown" && (a->kind == "executable" || a->kind == "shared-library" || a->kind == "bundle") &&
        std::any_of(f.dylibs.begin(), f.dylibs.end(), [](const macho::Dylib& d) { return DylibIs(d.name, "libSystem"); })) {
      t.language = "c";
      add("toolchain.language", "written in C", true, Strength::kStructure, "LC_LOAD_DYLIB",
          "links libSystem and no other language's runtime dylib or symbols");
    }
  }
  // The compiler and linker from LC_BUILD_VERSION's tools.
  for (const macho::BuildVersion& b : f.build_versions)
    for (const macho::BuildTool& tool : b.tools) {
      const std::string_view name = macho::ToolName(tool.tool);
      if (name.empty()) continue;
      add("toolchain.build", fmt::format("built with {}", name), true, Strength::kProducer, "LC_BUILD_VERSION",
          fmt::format("{} {}", name, macho::VersionString(tool.version)));
      if (t.compiler.empty() && (name == "clang" || name == "swift") && t.language != "go") {
        t.compiler = name == "swift" ? "swiftc" : "clang";
        t.version = macho::VersionString(tool.version);
      }
    }
  a->toolchain = t;

  // A program carried inside: Node's single executable applications and
  // Bun's compiled programs keep it in a segment of their own.
  for (const macho::Segment& s : f.segments) {
    const bool sea = s.name == "__NODE_SEA", bun = s.name == "__BUN";
    if (!sea && !bun) continue;
    x.model = "embedded";
    SetEngine(&x, sea ? "v8" : "jsc");
    x.engine_in_file = engine_core.has_value();
    x.payload_kind = sea ? "node-sea" : "bun";
    x.payload_offset = m.offset + s.fileoff, x.payload_size = s.filesize;
    add("execution.embedded", fmt::format("carries a javascript program ({})", x.payload_kind), true,
        Strength::kStructure, fmt::format("segment {}", s.name),
        fmt::format("{} bytes at file offset {:#x}", s.filesize, m.offset + s.fileoff));
    AddJitEvidence(a, x.engine);
    for (Evidence& e : a->evidence)
      if (e.id == "toolchain.language" || e.id == "toolchain.compiler") {
        e.id = "toolchain.host";
        e.claim = "the host is " + e.claim;
      }
    add("toolchain.language", "written in javascript", true, Strength::kStructure, fmt::format("segment {}", s.name),
        fmt::format("the {} payload", x.payload_kind));
    a->toolchain->language = "javascript";
    a->toolchain->compiler.clear(), a->toolchain->version.clear();
    a->execution = x;
    return;
  }

  // The engine it is (its core defined here), or launches (a small program
  // that needs the engine's dylib), or embeds for scripting (a large one).
  uint64_t text = 0;
  for (const macho::Segment& s : f.segments)
    if (s.initprot & 4) text += s.filesize;
  std::optional<EngineFinding> core, lib;
  if (engine_core) core = EngineFinding{engine_core->what, Strength::kSymbol, "symbol table", engine_core->name + " defined"};
  for (const macho::Dylib& d : f.dylibs)
    for (auto [name, engine] : kMachoEngineLibraries)
      if (!lib && d.kind != macho::DylibKind::kId && DylibIs(d.name, name))
        lib = EngineFinding{engine, Strength::kStructure, "LC_LOAD_DYLIB", std::string(d.name)};
  DecideExecution(a, core, lib, text, "symbols, LC_LOAD_DYLIB",
                  fmt::format("none of {} engine symbols defined, {} of {} engine dylibs linked",
                              std::size(kEngineSymbols), lib ? 1 : 0, std::size(kMachoEngineLibraries)));
}

// ---- PE (issue 16): imported DLLs, exported engine APIs, the Rich header. ----

// DLLs that are a language's runtime (lower case, by prefix).
constexpr std::pair<std::string_view, std::string_view> kPeLangDlls[] = {
    {"msvcp1", "c++"},        {"libstdc++", "c++"}, {"libc++", "c++"},       {"vcruntime1", "c"},
    {"ucrtbase", "c"},        {"api-ms-win-crt-", "c"}, {"msvcrt.dll", "c"}, {"libgfortran", "fortran"},
};
// DLLs that are an engine.
constexpr std::pair<std::string_view, std::string_view> kPeEngineDlls[] = {
    {"python3", "cpython"}, {"python2", "cpython"}, {"jvm.dll", "hotspot"}, {"libnode", "v8"},
    {"node.dll", "v8"},     {"lua5", "lua"},        {"lua.dll", "lua"},     {"luajit", "luajit"},
    {"libruby", "ruby"},    {"perl5", "perl"},      {"coreclr.dll", "coreclr"}, {"mono-2", "mono"},
};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

void IdentifyPeImage(Analysis* a) {
  const PeFacts& p = *a->pe;
  const pe::File& f = p.file;
  auto add = [&](EvidenceId id, std::string claim, bool holds, Strength st, std::string where, std::string detail) {
    a->evidence.push_back({id, std::move(claim), holds, st, std::move(where), std::move(detail)});
  };
  Toolchain t;

  // MinGW's runtime DLLs and GNU ld's linker version (2.x) tell it from MSVC.
  bool mingw = f.header.linker_major == 2;
  std::string mingw_dll;
  for (const pe::ImportDll& d : f.imports) {
    const std::string n = Lower(d.name);
    if (n.starts_with("libgcc_s") || n.starts_with("libwinpthread") || n.starts_with("libstdc++")) mingw = true, mingw_dll = n;
  }
  if (a->go) {
    t.language = "go";
    t.compiler = a->go->compiler;
    t.version = a->go->version;
    add("toolchain.language", "written in Go", true, a->go->build_info ? Strength::kManifest : Strength::kStructure,
        a->go->build_info ? a->go->build_info->where : std::string("go facts"), a->go->compiler + " " + a->go->version);
  } else {
    // Rust first (its programs import the C runtime too), then the runtime DLLs: C++ over C.
    for (const pe::Section& c : f.sections) {
      if (!c.in_file || c.name != ".rdata") continue;
      const std::string_view data = f.bytes.Sub(c.raw_offset, std::min<uint64_t>(c.raw_size, kMaxLanguageScan)).AsString();
      if (const std::optional<RustcPath> r = FindRustcPath(data))
        NoteRust(*r, fmt::format(".rdata at RVA {:#x}", c.virtual_address + r->at), &t, a);
    }
    if (t.language == "unknown") {
      for (const pe::ImportDll& d : f.imports) {
        const std::string n = Lower(d.name);
        for (auto [dll, lang] : kPeLangDlls)
          if (n.starts_with(dll) && (t.language == "unknown" || (t.language == "c" && lang == "c++"))) {
            t.language = std::string(lang);
            add("toolchain.language", "written in " + t.language, true, Strength::kStructure, "import directory",
                std::string(d.name));
          }
      }
      for (size_t i = 0; i + 1 < a->evidence.size(); ++i)  // C said before C++ was found: C++ decides
        if (t.language == "c++" && a->evidence[i].id == "toolchain.language" && a->evidence[i].claim == "written in c")
          a->evidence[i].id = "toolchain.also";
    }
  }
  // The compiler: MSVC's tools in the Rich header (the newest C/C++ compiler
  // among them), or MinGW's marks.
  if (t.language != "go" && t.language != "rust") {
    const pe::RichEntry* best = nullptr;
    for (const pe::RichEntry& r : f.rich)
      if (r.product >= 0x00fd && (!best || r.build > best->build)) best = &r;
    if (best) {
      t.compiler = "msvc";
      t.version = std::string(pe::VisualStudioFor(best->product, best->build));
      add("toolchain.compiler", "compiled by MSVC", true, Strength::kProducer, "Rich header",
          fmt::format("{} tools; newest build {} (product {:#x}): {}", f.rich.size(), best->build, best->product,
                      t.version));
    } else if (mingw) {
      t.compiler = "gcc";
      add("toolchain.compiler", "built with MinGW-w64 (GCC)", true, Strength::kStructure,
          mingw_dll.empty() ? "optional header" : "import directory",
          mingw_dll.empty() ? fmt::format("linker version {}.{} (GNU ld)", f.header.linker_major, f.header.linker_minor)
                            : mingw_dll);
    }
  }
  a->toolchain = t;

  // An engine: its API exported here (node.exe exports napi_* and V8's),
  // or a small launcher that imports its DLL; a large program embeds it.
  std::optional<EngineFinding> core, lib;
  if (f.exports) {
    for (std::string_view n : f.exports->names) {
      for (const EngineSymbol& e : kEngineSymbols)
        if (e.engine != "napi" && n.starts_with(e.prefix)) {
          core = EngineFinding{e.engine, Strength::kSymbol, "export directory", std::string(n) + " exported"};
          break;
        }
      if (core) break;
    }
    if (!core)  // a Node runtime exports Node-API for its addons
      for (std::string_view n : f.exports->names)
        if (n.starts_with("napi_")) {
          core = EngineFinding{"v8", Strength::kSymbol, "export directory", std::string(n) + " exported (Node-API)"};
          break;
        }
  }
  uint64_t text = 0;
  for (const pe::Section& c : f.sections)
    if (c.characteristics & pe::kScnExecute) text += c.raw_size;
  for (const pe::ImportDll& d : f.imports)
    for (auto [dll, engine] : kPeEngineDlls)
      if (!lib && Lower(d.name).starts_with(dll))
        lib = EngineFinding{engine, Strength::kStructure, "import directory", std::string(d.name)};
  DecideExecution(a, core, lib, text, "imports, exports",
                  fmt::format("none of {} engine symbols exported, {} of {} engine DLLs imported",
                              std::size(kEngineSymbols), lib ? 1 : 0, std::size(kPeEngineDlls)));
}
}  // namespace

bool IsEngineLibrary(std::string_view name, std::string_view engine) {
  for (std::string_view l : kLauncherLibraries)
    if (name.starts_with(l)) return false;
  for (auto [lib, e] : kEngineLibraries)
    if (e == engine && name.starts_with(lib)) return true;
  return false;
}

bool NameInterpreter(Analysis* a) {
  if (!a->elf || !a->execution || !a->execution->engine.empty()) return false;
  RodataStrings strings(*a->elf);
  auto m = FindMarks(strings, kInterpreterStrings, kMaxRodataScan);
  if (!m) return false;
  SetEngine(&*a->execution, m->name);
  a->execution->engine_in_file = true;
  a->evidence.push_back({"execution.engine", fmt::format("is the {} engine", m->name), true, Strength::kString,
                         strings.Where(m->first),
                         fmt::format("{} of its strings, beside its dispatch loop: {}", m->found, m->detail)});
  AddJitEvidence(a, m->name);
  return true;
}

Jit EngineJitByDefault(std::string_view engine) {
  const EngineInfo* e = EngineByName(engine);
  return e ? e->jit : Jit("unknown");
}

void IdentifyMacho(Analysis* a) {
  if (a->macho) IdentifyMachoImage(a);
}

void IdentifyPe(Analysis* a) {
  if (a->pe) IdentifyPeImage(a);
}

void Identify(Analysis* a) {
  if (a->script) return IdentifyScript(a);
  if (a->elf) return IdentifyElf(*a->elf, a);
}

}  // namespace exray
