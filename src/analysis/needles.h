// The strings identification looks for in .rodata, and the one pass that
// finds them all. The tables are also read at build time by
// needle_db_gen.cc, which compiles them into the scanner's database.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string_view>
#include <vector>

namespace exray {

// Strings that mark a language's runtime or an engine in a stripped binary.
// Strings are weak: kMinStringMarks distinct ones are needed, and they are
// looked for only when symbols, libraries and producers decided nothing.
struct StringMarks {
  std::string_view name;  // a language, or an engine
  std::array<std::string_view, 4> needles;
};

constexpr StringMarks kLanguageStrings[] = {
    // Nim's system module: its fatal-error file and its crash messages.
    {"nim", {"fatal.nim", "@unhandled exception", "Illegal storage access. (Attempt to read from nil?)", ""}},
    // GHC's run-time system parses +RTS options and names its version.
    {"haskell", {"RTS options are disabled", "GHC version", "unknown RTS option", "ghc_rts_opts"}},
    // libstdc++ or libc++ linked statically: their typeinfo names.
    {"c++", {"St9exception", "N9__gnu_cxx", "NSt3__1", "St12length_error"}},
};

constexpr StringMarks kEngineStrings[] = {
    {"v8", {"v8::internal::", "V8 is running with", "--max-old-space-size", "v8_flags"}},
    {"jsc", {"JSC::", "JavaScriptCore", "WebKit", ""}},
    {"sbcl", {"SBCL_HOME", "sbcl.core", "This is SBCL %s", ""}},
    {"cpython", {"_PyEval_EvalFrameDefault", "PYTHONHOME", "Py_Initialize", ""}},
    // Interpreters written in C, by strings every build of them carries
    // (each pair checked on the Debian 12 build; none in busybox, sudo or login).
    {"bash", {"GNU bash, version", "BASH_VERSINFO", "BASH_COMPAT", ""}},
    {"gawk", {"GNU Awk", "AWKLIBPATH", "AWKPATH", ""}},
    {"chez", {"SCHEMEHEAPDIRS", "CHEZSCHEMELIBDIRS", "", ""}},
    {"gforth", {"GFORTHPATH", "Gforth", "", ""}},
    {"emacs", {"EMACSLOADPATH", "EMACSDATA", "Invalid byte opcode", ""}},
    {"clisp", {"GNU CLISP", "lispinit.mem", "", ""}},
    {"swipl", {"SWI-Prolog", "SWIPL", "", ""}},
    {"regina", {"REGINA_MACROS", "REXX-Regina", "", ""}},
    // Shells (each pair absent from busybox's ash, bash and the other shells here).
    {"dash", {"Bad for loop variable", "Maximum function recursion depth (%d) reached", "", ""}},
    {"zsh", {"ZSH_VERSION", "ZSH_EVAL_CONTEXT", "ZSH_ARGZERO", ""}},
    {"mksh", {"KSH_VERSION", "@(#)MIRBSD KSH", "@(#)LEGACY KSH", ""}},  // lksh: the POSIX build
    {"tcsh", {"See the tcsh(1) manual page", "Tcsh thinks your terminal has the", "", ""}},
    {"fish", {"FISH_DEBUG_OUTPUT", "fish_default_key_bindings", "__fish_print_help", ""}},
};

// Strings of interpreters whose engine is linked in statically and
// stripped, looked for only once the code shows a bytecode dispatch loop
// (NameInterpreter). Each needle was seen in .rodata of the engine's Debian 12
// build (and, for Lua, of a host linking liblua5.4.a).
constexpr StringMarks kInterpreterStrings[] = {
    {"lua",
     {"'for' step is zero", "attempt to compare two %s values", "'__index' chain too long; possible loop",
      "attempt to %s a %s value"}},
    {"cpython", {"PYTHONHOME", "Fatal Python error", "Py_Initialize", "_PyEval_EvalFrameDefault"}},
    {"perl", {"PERL5LIB", "PERL_HASH_SEED", "Can't locate object method", ""}},
    {"ruby", {"RUBYLIB", "RUBYOPT", "-- Control frame information", ""}},
    {"php", {"Zend Engine v", "PHP_INI_SCAN_DIR", "", ""}},
    {"ocamlrun", {"OCAMLRUNPARAM", "unknown C primitive", "", ""}},
};

// Rust's std in a stripped program: its source paths and its environment
// variable.
constexpr std::string_view kRustStrings[] = {"/rustc/", "/rustc-", "RUST_BACKTRACE"};
// Single strings the detectors ask about: Debian's Rust source path, Lua's
// standalone interpreter, static musl and musl's own loader.
constexpr std::string_view kOtherStrings[] = {"/usr/src/rustc-", "LUA_INIT", "MUSL_LOCPATH", "No error information",
                                              "musl libc ("};

// Every string identification looks for in .rodata, searched for together
// in one pass that goes only as far as the questions asked need: each byte
// is read and searched once per file, whichever detector asks first.
inline const std::vector<std::string_view>& KnownNeedles() {
  static const std::vector<std::string_view> all = [] {
    std::vector<std::string_view> v(std::begin(kRustStrings), std::end(kRustStrings));
    for (std::string_view n : kOtherStrings) v.push_back(n);
    for (std::span<const StringMarks> table : {std::span<const StringMarks>(kLanguageStrings),
                                               std::span<const StringMarks>(kEngineStrings),
                                               std::span<const StringMarks>(kInterpreterStrings)})
      for (const StringMarks& m : table)
        for (std::string_view n : m.needles)
          if (!n.empty() && std::find(v.begin(), v.end(), n) == v.end()) v.push_back(n);
    return v;
  }();
  return all;
}

inline size_t LongestKnownNeedle() {
  size_t n = 0;
  for (std::string_view k : KnownNeedles()) n = std::max(n, k.size());
  return n;
}

/// Every KnownNeedles() string in one pass over a text, with Vectorscan
/// (Hyperscan's portable fork) and a database compiled at build time from
/// the tables above: literal matching over SIMD buckets, 0.35 ns a byte over
/// /usr/bin's .rodata against 0.83 for the Wu-Manber loop it replaced.
class KnownNeedleScan {
 public:
  /// Whether the database loaded on this machine (a CPU below the library's
  /// baseline cannot run it); without it, callers search needle by needle.
  static bool Available();
  /// Calls hit(j, s) for the first occurrence of needle j (an index into
  /// KnownNeedles()) starting at s in [from, t.size()) and ending within t,
  /// once per needle at most. False when the scan could not run.
  static bool Scan(std::string_view t, size_t from, const std::function<void(size_t, size_t)>& hit);
};

}  // namespace exray
