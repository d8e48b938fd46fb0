// One analysis of one file: the model every report is a view of.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "analysis/evidence.h"
#include "formats/elf/model.h"
#include "formats/script/shebang.h"
#include "lang/go/buildinfo.h"
#include "support/byte_view.h"
#include "support/result.h"

namespace exray {

inline constexpr int kSchemaVersion = 1;

struct Hardening {
  std::string relro = "none";  // none, partial, full
  bool nx = false, canary = false, fortify = false, ibt = false, shstk = false;
  bool textrel = false, execstack = false, rpath = false, runpath = false;
  std::vector<std::string> fortify_functions;  // the __*_chk functions used
  std::vector<uint64_t> wx_segments;           // indices of PT_LOAD segments that are W and X
};

struct Analysis {
  std::string path;
  uint64_t size = 0;
  std::optional<std::string> sha256;
  std::string format = "unknown";  // elf, script, unknown
  std::string arch;                // empty when not known
  std::optional<elf::File> elf;
  std::optional<script::Shebang> script;

  std::string linking = "none";  // static, static-pie, dynamic, none
  bool pie = false, stripped = false, debug_info = false;
  std::optional<std::string> glibc_min;
  Hardening hardening;
  std::optional<go::BuildInfo> go;  // Go build info, for Go binaries that carry it
  std::vector<Evidence> evidence;
  std::vector<std::string> warnings;
};

struct AnalyzeOptions {
  bool hash = false;
  bool symbol_list = false;  // decode every symbol for listing (--symbols)
  const ByteSource* source = nullptr;  // reads ranges of the file on demand, if set
};

/// Analyses the bytes of one file. Fails only when nothing at all could be
/// read (an ELF file whose header is unreadable); unknown formats succeed with
/// format "unknown". Never executes the file.
Result<Analysis> Analyze(std::string path, ByteView bytes, const AnalyzeOptions& opts);

/// The lowercase hex SHA-256 of the bytes.
std::string Sha256Hex(ByteView bytes);

/// Compares two GLIBC version names ("GLIBC_2.34"): negative, zero or positive.
int CompareGlibcVersions(std::string_view a, std::string_view b);

}  // namespace exray
