// Views of an Analysis: the one-screen text report and the JSON document.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "analysis/analyze.h"
#include "lang/go/codesize.h"
#include "lang/go/pclntab.h"
#include "lang/go/version.h"

namespace exray {

/// Which optional lists to include, beside the report.
struct ReportOptions {
  bool sections = false, segments = false, symbols = false, dynamic = false, notes = false;
  bool color = false;
};

/// The JSON document of the contract in docs/json.md, compact on one line
/// (indent < 0) or pretty. Key order is fixed and nothing depends on time or
/// the environment, so output is deterministic.
std::string ToJson(const Analysis& a, const ReportOptions& opts, int indent = -1);

/// The record that stands for a file exray could not read or parse:
/// {schema_version, path, error} (docs/json.md).
std::string ErrorToJson(std::string_view path, std::string_view error, int indent = -1);

/// The one-screen text report, ending with a newline.
std::string ToText(const Analysis& a, const ReportOptions& opts);

/// `exray rust FILE --json`: {path, rust: {...}}, the rust object as in ToJson.
std::string RustToJson(std::string_view path, const RustFacts& r, int indent = -1);
/// `exray rust FILE`: the version line, then one line per crate: name, version, source, from.
std::string RustToText(std::string_view path, const RustFacts& r);
/// One line: "rustc 1.63.0 · 42 crates (from paths)".
std::string RustSummary(const RustFacts& r);

/// `exray go FILE --json`: {path, go: {...}}, the go object as in ToJson.
std::string GoToJson(std::string_view path, const go::BuildInfo& bi, int indent = -1);

/// `exray go FILE --functions/--files/--pc`: build info (if any) and what the pclntab says.
struct GoReport {
  std::string_view path;
  const go::BuildInfo* build_info = nullptr;  // null when the binary carries none
  const go::Pclntab* pclntab = nullptr;       // null when none was found
  const AddressSpace* as = nullptr;           // where the pclntab came from (inline trees); may be null
  const go::RuntimeVersion* runtime_version = nullptr;  // without build info: the runtime's version string
  bool functions = false, files = false;
  bool lines = false;  // with functions: file:line at each entry (walks every line table)
  const go::CodeSizes* sizes = nullptr;  // --packages: code by owner and by package
  std::vector<uint64_t> pcs;
};
std::string GoReportToJson(const GoReport& r, int indent = -1);
/// The same, streamed to out as it is written, with a final newline.
void GoReportToJson(const GoReport& r, int indent, std::ostream& out);
/// Written to out in chunks as it goes: the function and file lists run to
/// megabytes, and one string grown to that size costs more than the work.
void GoReportToText(const GoReport& r, std::ostream& out);

/// `exray go FILE`: what `go version -m` prints, with build settings unquoted.
/// Control bytes from the file are shown as \xNN.
std::string GoToText(std::string_view path, const go::BuildInfo& bi);

}  // namespace exray
