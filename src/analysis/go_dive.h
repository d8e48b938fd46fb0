// `exray go`'s reading of one Go binary, beyond the main report's Go facts:
// build info, and on demand the pclntab, the runtime's version string and
// the code sizes by owner; for gccgo's binaries (neither table) its facts.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "analysis/analyze.h"
#include "lang/go/buildinfo.h"
#include "lang/go/codesize.h"
#include "lang/go/pclntab.h"
#include "lang/go/runtime_layout.h"
#include "lang/go/types.h"
#include "lang/go/version.h"
#include "support/address_space.h"

namespace exray {

struct GoDiveOptions {
  bool pclntab = false;  // the function and file tables are wanted
  bool sizes = false;    // code bytes by owner and by package (reads the pclntab)
  bool types = false;    // type descriptors and itabs (reads the pclntab to find moduledata)
  std::string type_name;  // with types: the types of this name are read in full (member names, tags)
  bool runtime = false;   // the runtime structures' layouts (DWARF, else the release's table) and globals
};

struct GoDive {
  std::optional<Result<go::BuildInfo>> build_info;  // nullopt: no build info found
  // Read when asked for, or to tell a Go binary without build info (esbuild) from a non-Go one.
  std::optional<Result<go::Pclntab>> pclntab;
  std::optional<go::RuntimeVersion> runtime_version;  // without build info: the runtime's own string
  std::optional<go::CodeSizes> sizes;
  std::optional<go::Moduledata> moduledata;      // found with the pclntab (Go 1.16+)
  std::optional<Result<go::TypeSet>> types;      // asked for, and the pclntab was found
  std::optional<go::RuntimeLayout> runtime;     // asked for
  std::optional<int> minor;                      // the Go release, from build info or the runtime's string
  std::optional<Analysis> gccgo;  // neither table, and the file is gccgo's: its facts and evidence
  std::vector<std::string> warnings;

  const go::BuildInfo* build_info_ok() const { return build_info && build_info->ok() ? &**build_info : nullptr; }
  const go::Pclntab* pclntab_ok() const { return pclntab && pclntab->ok() ? &**pclntab : nullptr; }
  /// Whether the file showed itself a Go binary (either table, or gccgo's marks).
  bool is_go() const { return build_info_ok() || pclntab_ok() || gccgo; }
};

/// Reads the binary through as (which must outlive the result's pclntab,
/// whose inline trees read through it). f is the ELF model when the file is
/// ELF (gccgo's marks, DWARF, the symbol tables with sizes), null for other
/// formats; goos and goarch are what the format implies ("darwin",
/// "arm64"), or empty.
GoDive DiveGo(const elf::File* f, const AddressSpace& as, const GoDiveOptions& opts, std::string_view goos = {},
              std::string_view goarch = {});

}  // namespace exray
