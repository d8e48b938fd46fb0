// Identification: detectors over the model's facts, then one merge step.
// Signals and their strengths follow /work/shared/reference/identification.md.
#include "analysis/identify.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <optional>
#include <string_view>
#include <vector>

#include "analysis/analyze.h"

namespace exray {
namespace {

// ---- Engines: how each shows, and whether it JITs by default. ----

struct EngineInfo {
  std::string_view name;      // the JSON vocabulary
  std::string_view language;  // the language it runs
  std::string_view jit;       // by default: yes, capable, no
};

constexpr EngineInfo kEngines[] = {
    {"cpython", "python", "no"},     {"pypy", "python", "yes"},     {"hotspot", "java", "yes"},
    {"v8", "javascript", "yes"},     {"jsc", "javascript", "yes"},  {"lua", "lua", "no"},
    {"luajit", "lua", "yes"},        {"perl", "perl", "no"},        {"ruby", "ruby", "capable"},
    {"php", "php", "capable"},       {"tcl", "tcl", "no"},          {"guile", "scheme", "yes"},
    {"beam", "erlang", "yes"},       {"mono", "csharp", "yes"},     {"coreclr", "csharp", "yes"},
    {"sbcl", "lisp", "yes"},         {"racket", "scheme", "yes"},  {"ocamlrun", "ocaml", "no"},
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
    {"Tcl_Main", "tcl", true},
    {"Tcl_EvalEx", "tcl", false},
    {"scm_shell", "guile", true},
    {"scm_boot_guile", "guile", false},
    {"erl_start", "beam", true},
    {"erts_", "beam", false},
    {"mono_main", "mono", true},
    {"mono_jit_init", "mono", false},
    {"coreclr_initialize", "coreclr", false},
    {"racket_boot", "racket", true},
};

// Needed libraries that are an engine (prefix of the DT_NEEDED name).
constexpr std::pair<std::string_view, std::string_view> kEngineLibraries[] = {
    {"libpython3", "cpython"}, {"libpython2", "cpython"}, {"libpypy", "pypy"},    {"libjvm.so", "hotspot"},
    {"libjli.so", "hotspot"},  {"libnode.so", "v8"},      {"libv8.so", "v8"},     {"libjavascriptcore", "jsc"},
    {"libluajit", "luajit"},   {"liblua", "lua"},         {"libperl.so", "perl"}, {"libruby", "ruby"},
    {"libphp", "php"},         {"libtcl", "tcl"},         {"libguile", "guile"},  {"libmonosgen", "mono"},
    {"libmono-2", "mono"},     {"libcoreclr", "coreclr"},
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
    {"caml_main", "ocaml", "ocamlopt"},
    {"hs_main", "haskell", "ghc"},
    {"hs_init_ghc", "haskell", "ghc"},
    {"swift_", "swift", "swiftc"},
    {"__gxx_personality_v0", "c++", ""},
    {"_ZNSt", "c++", ""},
    {"_ZSt", "c++", ""},
    {"_ZNKSt", "c++", ""},
    {"__cxa_throw", "c++", ""},
};

constexpr std::pair<std::string_view, std::string_view> kLangLibraries[] = {
    {"libstdc++.so", "c++"},  {"libc++.so", "c++"},        {"libgfortran.so", "fortran"},
    {"libgnat", "ada"},       {"libgphobos.so", "d"},      {"libphobos2-ldc", "d"},
    {"libdruntime-ldc", "d"}, {"libswiftCore.so", "swift"},
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
      {"ocaml", "ocamlopt"},   {"haskell", "ghc"}, {"swift", "swiftc"}, {"rust", "rustc"}};
  for (auto [l, c] : kDefaults)
    if (l == language) return c;
  return {};
}

// The first of needles found in .rodata (bounded), with where.
struct StringHit {
  std::string_view needle;
  uint64_t offset = 0;
  std::string_view context;  // the bytes from the needle to the next NUL or newline, at most 80
};
std::optional<StringHit> FindInRodata(const elf::File& f, std::initializer_list<std::string_view> needles) {
  const elf::Section* s = f.FindSection(".rodata");
  if (!s || s->type == 8 /* SHT_NOBITS */) return std::nullopt;
  ByteView v = f.Load(s->offset, std::min<uint64_t>(s->size, kMaxRodataScan));
  std::string_view text(reinterpret_cast<const char*>(v.data()), v.size());
  for (std::string_view n : needles)
    if (size_t at = text.find(n); at != std::string_view::npos) {
      std::string_view rest = text.substr(at, 80);
      rest = rest.substr(0, std::min(rest.find('\0'), rest.find('\n')));
      return StringHit{n, s->offset + at, rest};
    }
  return std::nullopt;
}

const char* EngineJitWhy(std::string_view jit) {
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
      {"java", "java", "hotspot"},     {"awk", "unknown", ""},         {"ocamlrun", "ocaml", "ocamlrun"},
  };
  for (const Row& r : kRows)
    if (stem == r.stem) {
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
  if (const EngineInfo* e = EngineByName(engine)) x.jit = std::string(e->jit);
  else if (lang == "shell") x.jit = "no";  // no shell compiles to machine code
  a->execution = x;
  a->evidence.push_back({"toolchain.language", "written in " + t.language, true, Strength::kStructure, "#! line",
                         s.command.empty() ? s.interpreter : s.command});
}

void IdentifyElf(const elf::File& f, Analysis* a) {
  std::vector<EngineHit> engines;
  std::vector<LangHit> langs;
  bool rust_mangled = false;
  std::string rust_example;

  // 1. Needed libraries: what the program links (strong evidence of the
  // link, not of the language its own code is in).
  for (std::string_view n : f.needed) {
    for (auto [lib, engine] : kEngineLibraries)
      if (n.starts_with(lib)) engines.push_back({engine, "DT_NEEDED", std::string(n), false, false, Strength::kStructure});
    for (auto [lib, lang] : kLangLibraries)
      if (n.starts_with(lib)) langs.push_back({lang, "", "DT_NEEDED", std::string(n), Strength::kStructure});
  }

  // 2. Symbols, one bounded pass over each table. Each name's first bytes
  // pick the few patterns that can match (bucketed by their first two
  // bytes), and only a match decodes the whole entry: the pass costs about
  // one short read per symbol. Rust mangling needs the whole name, so only
  // the first kRustSample "_ZN"/"_R" names are measured.
  struct Pattern {
    std::string_view prefix;
    const EngineSymbol* engine;
    const LangSymbol* lang;
  };
  static const std::vector<std::vector<Pattern>> kBuckets = [] {
    std::vector<std::vector<Pattern>> b(65536);
    auto key = [](std::string_view p) { return (uint8_t(p[0]) << 8) | uint8_t(p[1]); };
    for (const EngineSymbol& e : kEngineSymbols) b[key(e.prefix)].push_back({e.prefix, &e, nullptr});
    for (const LangSymbol& l : kLangSymbols) b[key(l.prefix)].push_back({l.prefix, nullptr, &l});
    return b;
  }();
  constexpr int kRustSample = 64;
  int rust_sampled = 0;
  // A Go binary's language is settled by its Go facts, and an engine it
  // uses comes through cgo's imports: its .symtab (100k+ Go names) is skipped.
  for (const elf::SymbolTable* t : {&f.dynsym, &f.symtab}) {
    if (a->go && t == &f.symtab) continue;
    const uint64_t n = std::min<uint64_t>(t->readable, kMaxIdentifySymbols);
    if (t->readable > kMaxIdentifySymbols)
      a->evidence.push_back({"toolchain.sample", "symbols looked at for language and engine marks", true,
                             Strength::kSymbol, std::string(t->section_name),
                             fmt::format("the first {} of {} entries", n, t->readable)});
    for (uint64_t i = 1; i < n; ++i) {
      // Raw bytes, NUL and all: the patterns hold no NUL, so a shorter name fails them.
      std::string_view head = t->NameBytes(i, 32);
      if (head.size() < 4 || head[0] == '\0') continue;
      for (const Pattern& pat : kBuckets[(uint8_t(head[0]) << 8) | uint8_t(head[1])]) {
        if (!head.starts_with(pat.prefix)) continue;
        const elf::Symbol sym = t->At(i);
        if (const EngineSymbol* e = pat.engine) {
          auto it = std::find_if(engines.begin(), engines.end(), [&](const EngineHit& h) {
            return h.engine == e->engine && h.where != "DT_NEEDED" && h.defined == sym.defined();
          });
          if (it == engines.end()) {
            engines.push_back({e->engine, std::string(t->section_name), std::string(sym.name), sym.defined(),
                               e->entry && !sym.defined(), Strength::kSymbol});
          } else if (e->entry && !sym.defined()) {
            it->entry = true;
            it->detail = std::string(sym.name);
          }
        } else if (const LangSymbol* l = pat.lang) {
          if (std::none_of(langs.begin(), langs.end(), [&](const LangHit& h) { return h.language == l->language; }))
            langs.push_back({l->language, l->compiler, std::string(t->section_name), std::string(sym.name),
                             Strength::kSymbol});
        }
      }
      if (!rust_mangled && rust_sampled < kRustSample && (head.starts_with("_ZN") || head.starts_with("_R"))) {
        const elf::Symbol sym = t->At(i);
        if (!sym.defined()) continue;
        ++rust_sampled;
        if (IsRustMangled(sym.name)) {
          rust_mangled = true;
          rust_example = std::string(sym.name);
        }
      }
    }
  }
  if (rust_mangled && std::none_of(langs.begin(), langs.end(), [](const LangHit& h) { return h.language == "rust"; }))
    langs.push_back({"rust", "rustc", ".symtab", "Rust-mangled " + rust_example, Strength::kSymbol});

  // Free Pascal keeps its version in .fpcdata ("FPC 3.2.2+dfsg-20 [2023/03/30] for x86_64 - Linux").
  std::string fpc_version;
  if (const elf::Section* s = f.FindSection(".fpcdata")) {
    ByteView v = f.Load(s->offset, std::min<uint64_t>(s->size, 4096));
    std::string_view text(reinterpret_cast<const char*>(v.data()), v.size());
    size_t at = text.find("FPC ");
    std::string detail = ".fpcdata section";
    if (at != std::string_view::npos) {
      std::string_view ver = text.substr(at + 4, 64);
      ver = ver.substr(0, ver.find_first_of(" \0"));
      fpc_version = std::string(ver);
      detail = "FPC " + fpc_version;
    }
    langs.insert(langs.begin(), {"pascal", "fpc", ".fpcdata", detail, Strength::kStructure});
  }

  // 3. Producers in .comment: the compilers that made the objects.
  std::vector<Producer> producers;
  for (const std::string& c : f.comment)
    if (auto p = ParseProducer(c)) producers.push_back(*p);
  auto producer = [&](std::string_view compiler) -> const Producer* {
    for (const Producer& p : producers)
      if (p.compiler == compiler) return &p;
    return nullptr;
  };

  // ---- Merge: the language of the file's own code. ----
  Toolchain t;
  auto lang_hit = [&](std::string_view l) -> const LangHit* {
    for (const LangHit& h : langs)
      if (h.language == l) return &h;
    return nullptr;
  };
  if (a->go) {
    // Build info is a manifest; a pclntab or gccgo's marks are structure.
    t.language = "go";
    t.compiler = a->go->compiler;
    t.version = a->go->version;
    a->evidence.push_back({"toolchain.language", "written in Go", true,
                           a->go->build_info ? Strength::kManifest : Strength::kStructure,
                           a->go->build_info ? a->go->build_info->where : std::string("go facts"),
                           a->go->compiler + " " + a->go->version});
  } else {
    // Languages with their own runtimes first (they link C and C++ runtimes
    // too), in order of how specific their marks are; then C++, then C.
    static constexpr std::string_view kOrder[] = {"pascal", "rust", "haskell", "ocaml", "nim", "d", "ada",
                                                  "fortran", "swift", "c++"};
    const LangHit* hit = nullptr;
    for (std::string_view l : kOrder)
      if ((hit = lang_hit(l))) break;
    // rustc's producer line is easy to forge or to inherit from one linked
    // object: it counts with Rust symbols, or Rust's own strings in .rodata.
    // Stripped Rust without the line (Debian's rustc 1.63) needs libgcc_s
    // for unwinding and keeps its library paths; stripped Nim keeps its
    // runtime's file names. Those strings are looked for only when nothing
    // stronger decided.
    const Producer* rustc = producer("rustc");
    const bool needs_gcc_s = std::any_of(f.needed.begin(), f.needed.end(),
                                         [](std::string_view n) { return n.starts_with("libgcc_s.so"); });
    std::optional<StringHit> strings;
    if ((!hit && (rustc || needs_gcc_s)) || (rustc && hit && hit->language != "rust"))
      strings = FindInRodata(f, {"/rustc/", "/rustc-", "RUST_BACKTRACE", "fatal.nim"});
    const bool rust_strings = strings && strings->needle != "fatal.nim";
    if (rustc && (!hit || hit->language == "rust" || hit->language == "c++") && (hit || rust_strings)) {
      t.language = "rust", t.compiler = "rustc", t.version = rustc->version;
      a->evidence.push_back({"toolchain.language", "written in Rust", true, Strength::kProducer, ".comment",
                             "rustc version " + rustc->version +
                                 (hit ? "; " + hit->detail : "; string " + std::string(strings->context))});
    } else {
      if (rustc)
        a->evidence.push_back({"toolchain.conflict", "rustc's producer line is backed by Rust code", false,
                               Strength::kProducer, ".comment",
                               "rustc version " + rustc->version + " but no Rust symbols or strings"});
      if (hit) {
        t.language = std::string(hit->language);
        t.compiler = std::string(hit->compiler);
        a->evidence.push_back({"toolchain.language", "written in " + t.language, true, hit->strength, hit->where,
                               hit->detail});
      } else if (strings) {
        const bool nim = strings->needle == "fatal.nim";
        t.language = nim ? "nim" : "rust";
        t.compiler = nim ? "nim" : "rustc";
        // "/usr/src/rustc-1.63.0/library/...": Debian's path names the release.
        if (strings->needle == "/rustc-") {
          std::string_view v = strings->context.substr(7);
          t.version = std::string(v.substr(0, v.find('/')));
        }
        a->evidence.push_back({"toolchain.language", "written in " + t.language, true, Strength::kString,
                               fmt::format(".rodata at file offset {:#x}", strings->offset),
                               std::string(strings->context)});
      } else if (!producers.empty()) {
        t.language = "c";
        a->evidence.push_back({"toolchain.language", "written in C", true, Strength::kProducer, ".comment",
                               "C compiler producers only; no C++ or other runtime symbols or libraries"});
      } else if (std::any_of(f.needed.begin(), f.needed.end(), [](std::string_view n) {
                   return n.starts_with("libc.so") || n.starts_with("libc.musl");
                 })) {
        // Debian strips .comment: a program that links the C library and no
        // other language's runtime, with none of their symbols, is C.
        t.language = "c";
        a->evidence.push_back({"toolchain.language", "written in C", true, Strength::kStructure, "DT_NEEDED",
                               "links the C library and no other language's runtime library or symbols"});
      }
    }
    if (t.compiler.empty()) t.compiler = std::string(DefaultCompiler(t.language));
    if (t.language == "pascal" && t.version.empty()) t.version = fpc_version;
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
    if (!t.compiler.empty() && !t.version.empty())
      a->evidence.push_back({"toolchain.compiler", "compiled by " + t.compiler, true, Strength::kProducer, ".comment",
                             t.compiler + " " + t.version});
  }
  a->toolchain = t;

  // ---- Merge: the execution model. ----
  Execution x;
  x.model = "native";
  // The engine the file is: its core defined here, or its main called from
  // here with the engine's library needed (node, java, lua launchers).
  const EngineHit* core = nullptr;
  const EngineHit* launcher = nullptr;
  const EngineHit* linked = nullptr;
  for (const EngineHit& h : engines) {
    if (h.defined && !core) core = &h;
    if (h.entry && !launcher) launcher = &h;
    if (h.where == "DT_NEEDED" && !linked) linked = &h;
  }
  // Bun defines V8's API over JavaScriptCore for Node addons: JSC's own core wins.
  if (core && core->engine == "v8")
    for (const EngineHit& h : engines)
      if (h.engine == "jsc" && h.defined) core = &h;
  // LuaJIT also defines lua_* names: prefer it when its own marks are there.
  if (core && core->engine == "lua")
    for (const EngineHit& h : engines)
      if (h.engine == "luajit" && h.defined) core = &h;
  if (linked && linked->engine == "lua")
    for (const EngineHit& h : engines)
      if (h.engine == "luajit" && h.where == "DT_NEEDED") linked = &h;
  const EngineHit* is = core ? core : launcher;
  // ocamlc -custom appends the program's bytecode to the runtime: the file
  // ends in the bytecode trailer's magic ("Caml1999X" and a version).
  if (a->size >= 16) {
    ByteView tail = f.Load(a->size - 12, 12);
    std::string_view magic(reinterpret_cast<const char*>(tail.data()), tail.size());
    if (magic.starts_with("Caml1999X")) {
      x.model = "embedded";
      x.engine = "ocamlrun";
      x.jit = "no";
      a->toolchain->language = "ocaml";
      a->toolchain->compiler = "ocamlc";
      a->toolchain->version.clear();
      a->evidence.push_back({"execution.embedded", "carries a bytecode program for its built-in interpreter", true,
                             Strength::kStructure, fmt::format("file offset {:#x}", a->size - 12),
                             std::string(magic)});
      a->execution = x;
      return;
    }
  }
  if (!is && linked && f.dynsym.readable > 0) {
    // A small program whose imports are mostly the engine's is its launcher
    // (lua5.4, the java command's libjli); a large one embeds it for scripting.
    uint64_t exec_bytes = 0;
    for (const elf::Segment& s : f.segments)
      if (s.type == 1 && (s.flags & 1)) exec_bytes += s.filesz;
    if (exec_bytes < kLauncherMaxText) is = linked;
  }
  if (is) {
    const EngineInfo* e = EngineByName(is->engine);
    x.model = "vm";
    x.engine = std::string(is->engine);
    x.jit = std::string(e->jit);
    a->evidence.push_back({"execution.engine", fmt::format("is the {} engine", is->engine), true, is->strength,
                           is->where, is->detail});
    a->evidence.push_back({"execution.jit", "JITs by default", e->jit == "yes", Strength::kProducer,
                           "engine table (docs/identify.md)",
                           fmt::format("{}: {}", is->engine, EngineJitWhy(e->jit))});
  } else {
    if (linked)
      a->evidence.push_back({"execution.embeds", fmt::format("links the {} engine for scripting", linked->engine), true,
                             Strength::kStructure, linked->where, linked->detail});
    // No engine among the symbols and libraries looked at: compiled ahead of
    // time, nothing that JITs.
    x.jit = "no";
    a->evidence.push_back({"execution.native", "its own logic is machine code; no VM, interpreter or JIT engine",
                           true, Strength::kStructure, "symbols, DT_NEEDED",
                           fmt::format("none of {} engine symbols or {} engine libraries", std::size(kEngineSymbols),
                                       std::size(kEngineLibraries))});
  }
  a->execution = x;
}

}  // namespace

void Identify(Analysis* a) {
  if (a->script) return IdentifyScript(a);
  if (a->elf) return IdentifyElf(*a->elf, a);
}

}  // namespace exray
