// Toolchain and execution-model identification (issue 4): small detectors
// read typed facts of the one model (producers, symbols, needed libraries,
// the #! line, Go facts) and each emits evidence with a strength; one merge
// step decides `toolchain` and `execution`, and a weak signal never outvotes
// a strong one. No execution of the file, ever.
#pragma once

#include <string>

namespace exray {

struct Analysis;

/// `{language, compiler, version}`; compiler and version empty when unknown.
struct Toolchain {
  std::string language = "unknown";
  std::string compiler, version;
};

/// `{model, engine, jit}` (the Go runtime is read from Analysis::go);
/// engine empty when none.
struct Execution {
  std::string model;  // native, vm, embedded, script, bytecode
  std::string engine;
  std::string jit = "unknown";  // yes, capable, no, unknown
};

/// Caps on the facts the detectors read.
inline constexpr unsigned long long kMaxIdentifySymbols = 4'000'000;  // entries looked at per symbol table
/// A program that needs an engine's library and has less executable code
/// than this is that engine's launcher (lua5.4: ~20 KB); a larger one embeds
/// the engine for scripting (gdb and libpython: megabytes).
inline constexpr unsigned long long kLauncherMaxText = 256 * 1024;

/// Fills a->toolchain and a->execution, and adds evidence ("toolchain.*",
/// "engine.*", "execution.*") for ELF files and scripts.
void Identify(Analysis* a);

}  // namespace exray
