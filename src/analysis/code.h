// The machine-code step for an ELF file (docs/code.md): the function starts
// the file knows (symbols, the Go pclntab, unwind tables), the GOT slots of
// its imports, handed to the format-neutral analyses of code/code.h.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "code/code.h"
#include "formats/elf/address_space.h"
#include "formats/elf/model.h"
#include "lang/go/pclntab.h"

namespace exray {

/// Everything the code analysis of one ELF file reads, kept alive together:
/// the seeds' names point into the file and the pclntab.
struct CodeInput {
  std::unique_ptr<elf::ElfAddressSpace> as;
  std::optional<go::Pclntab> pclntab;
  code::Input input;
  std::string fde_source;  // ".eh_frame_hdr", ".eh_frame" or empty
  Diagnostics diag;
};

/// The decoder architecture of f's machine; nullopt for one exray does not decode.
std::optional<code::Arch> CodeArch(const elf::File& f);

/// The code analysis input of f; nullopt, with why, when the machine is not one exray decodes.
std::optional<std::unique_ptr<CodeInput>> MakeCodeInput(const elf::File& f, std::string* why);

struct Analysis;

/// Reads the machine code of an analysed ELF file and adds what it shows to
/// the verdict (docs/code.md, "In the verdict"): evidence "code.syscalls",
/// "code.convention", "code.exec_memory" and "code.dispatch"; a bytecode
/// dispatch loop makes a native program a vm ("unknown interpreter" unless
/// identification named the engine), and a constant PROT_EXEC request makes
/// "no JIT" at most "capable". Run on demand: it decodes all of the text.
void AnalyzeCode(Analysis* a);

}  // namespace exray
