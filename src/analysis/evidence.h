// The evidence model: every verdict names the facts it rests on.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "support/closed_name.h"

namespace exray {

/// How much a piece of evidence weighs, strongest first. A weak kind (a string,
/// a byte pattern) never outvotes a strong one (a manifest, a header).
enum class Strength { kManifest, kStructure, kProducer, kSymbol, kString, kPattern, kObserved, kMaxValue = kObserved };

const char* StrengthName(Strength s);

/// Every evidence id, stable and dotted, by area; docs/json.md lists them.
struct EvidenceIds {
  static constexpr std::string_view kNames[] = {
      // What the file is.
      "format.magic", "format.shebang", "format.overlay", "kind.core", "kind.kernel_module", "kind.extension",
      // Linking, symbols and what it needs.
      "linking.interp", "linking.dynamic", "linking.pie", "symbols.symtab", "symbols.debug_info", "needs.glibc",
      // Hardening.
      "hardening.relro", "hardening.nx", "hardening.wx", "hardening.canary", "hardening.fortify", "hardening.ibt",
      "hardening.shstk", "hardening.textrel", "hardening.rpath", "hardening.runpath",
      // Hardening on Apple's platforms (Mach-O).
      "hardening.arc", "hardening.restrict", "hardening.signature", "hardening.runtime", "hardening.fixups",
      "hardening.encryption",
      // Hardening on Windows (PE).
      "hardening.aslr", "hardening.high_entropy_va", "hardening.cfg", "hardening.safeseh", "hardening.gs",
      "hardening.cet", "hardening.force_integrity",
      // Go and Rust facts.
      "go.buildinfo", "go.pclntab", "go.moduledata", "go.version", "go.version.layout", "go.cgo",
      "go.runtime.size", "go.runtime.gc", "go.runtime.scheduler", "go.gccgo.needed", "go.gccgo.section",
      "go.gccgo.symbol", "go.gccgo.comment", "go.gccgo.string", "rust.version", "rust.crates", "rust.dep_v0",
      // The toolchain verdict.
      "toolchain.language", "toolchain.compiler", "toolchain.version", "toolchain.libc", "toolchain.build",
      "toolchain.also", "toolchain.host", "toolchain.conflict", "toolchain.sample",
      // The execution verdict.
      "execution.native", "execution.engine", "execution.runtime", "execution.embeds", "execution.embedded",
      "execution.bytecode", "execution.jit", "execution.conflict",
      // The machine code (analysis/code.h).
      "code.decoded", "code.convention", "code.syscalls", "code.exec_memory", "code.dispatch",
  };
};
using EvidenceId = ClosedName<EvidenceIds>;

struct Evidence {
  EvidenceId id;       // stable, dotted: "hardening.relro"
  std::string claim;   // what the fact says, as a sentence fragment
  bool holds = false;  // whether the claim is true of this file
  Strength strength = Strength::kStructure;
  std::string where;   // section, segment, dynamic tag, symbol, note, offset
  std::string detail;  // the value seen
};

}  // namespace exray
