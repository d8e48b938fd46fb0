// What an ELF core file (e_type ET_CORE) says about the process it came
// from: the program and its arguments (NT_PRPSINFO), the pid and the signal
// that ended it (NT_PRSTATUS), and the files it had mapped (NT_FILE). Read
// through the notes the parser already bounded; nothing here trusts a count.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "formats/elf/model.h"
#include "support/limits.h"

namespace exray::elf {

struct CoreFile {
  uint64_t start = 0, end = 0, offset = 0;  // offset in pages of the note's page size
  std::string path;
};

struct CoreFacts {
  std::string program;  // pr_fname: the first 15 bytes of the command's name
  std::string args;     // pr_psargs: the first 80 bytes of the command line
  std::optional<uint32_t> pid;
  std::optional<uint32_t> signal;  // pr_cursig
  uint64_t file_count = 0;         // NT_FILE's count
  std::vector<CoreFile> files;     // at most kMaxCoreFiles
  std::vector<std::string> warnings;
};

/// The facts of a core file's notes; empty fields for notes that are absent or short.
CoreFacts ReadCoreFacts(const File& f);

/// A Linux kernel module's .modinfo: NUL-separated key=value strings.
struct ModuleFacts {
  std::string name, license, vermagic, version, srcversion, description;
  std::vector<std::string> depends;  // the modules it needs loaded first
  bool retpoline = false;            // built with retpolines (retpoline=Y)
  bool intree = false;               // built in the kernel's tree (intree=Y)
  uint64_t entries = 0;
};
/// The facts of .modinfo; nullopt when the file has none.
std::optional<ModuleFacts> ReadModuleFacts(const File& f);

}  // namespace exray::elf
