// Toolchain and execution-model identification (issue 4): small detectors
// read typed facts of the one model (producers, symbols, needed libraries,
// the #! line, Go facts) and each emits evidence with a strength; one merge
// step decides `toolchain` and `execution`, and a weak signal never outvotes
// a strong one. No execution of the file, ever.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "support/closed_name.h"
#include "support/limits.h"

namespace exray {

struct Analysis;

/// `{language, compiler, version}`; compiler and version empty when unknown.
struct Toolchain {
  std::string language = "unknown";
  std::string compiler, version;
  /// The C library the program runs on: "glibc", "musl", "bionic"; empty
  /// when none or unknown. libc_linking is "shared" or "static".
  std::string libc, libc_linking;
};

/// `{model, engine, jit}` (the Go runtime is read from Analysis::go);
/// engine empty when none.
/// How the file's own logic runs; "unknown" until identification decides.
struct ExecutionModels {
  static constexpr std::string_view kNames[] = {"unknown", "native", "vm", "embedded", "script", "bytecode"};
};
using ExecutionModel = ClosedName<ExecutionModels>;
/// Whether it compiles code at run time: yes, capable (an engine that can,
/// off by default), no, unknown.
struct JitAnswers {
  static constexpr std::string_view kNames[] = {"unknown", "yes", "capable", "no"};
};
using Jit = ClosedName<JitAnswers>;

struct Execution {
  ExecutionModel model = "unknown";
  std::string engine;
  Jit jit = "unknown";
  /// For model "native": the engines it links for scripting, in DT_NEEDED order.
  std::vector<std::string> embeds;
  /// The engine's own code is in this file (its core defined, a section of
  /// its own, its strings), not in a library it needs or loads.
  bool engine_in_file = false;
  /// For model "embedded": what carries the program ("node-sea", "pkg",
  /// "bun", "pyinstaller", "ocamlc-custom") and where its bytes are.
  std::string payload_kind;
  uint64_t payload_offset = 0, payload_size = 0;
};

/// Whether an engine of the JSON vocabulary JITs by default ("yes",
/// "capable", "no"); "unknown" for an empty or unknown name. The one table
/// is in identify.cc (docs/identify.md, "Engines and JIT by default").
Jit EngineJitByDefault(std::string_view engine);
/// Whether a needed library (its DT_NEEDED or file name) is the engine's own
/// code ("libguile-3.0.so.1" for guile); a launcher's library that loads the
/// engine itself later (libjli.so for hotspot) is not.
bool IsEngineLibrary(std::string_view name, std::string_view engine);

/// For a program whose machine code holds a bytecode dispatch loop and whose
/// engine no symbol or library named: the engine its strings name (a stripped
/// host with Lua linked in), with evidence. False when they name none.
bool NameInterpreter(Analysis* a);

/// The same for one Mach-O image (a->macho): Go facts, the languages' and
/// engines' symbols, runtime dylibs, LC_BUILD_VERSION's tools, and programs
/// carried in a __NODE_SEA or __BUN segment.
void IdentifyMacho(Analysis* a);
/// The same for a native PE image (a->pe): Go facts, imported DLLs (the C
/// and C++ runtimes of MSVC and MinGW, engines' DLLs), exported engine
/// APIs, the Rich header's MSVC tools, and Rust's /rustc/ paths.
void IdentifyPe(Analysis* a);

/// Fills a->toolchain and a->execution, and adds evidence ("toolchain.*",
/// "engine.*", "execution.*") for ELF files and scripts.
void Identify(Analysis* a);

}  // namespace exray
