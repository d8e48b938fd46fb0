// `exray go FILE --runtime [--json]`: the Go runtime's structure layouts and
// global variables (lang/go/runtime_layout.h), as text and as JSON.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "lang/go/runtime_layout.h"

namespace exray {

struct GoRuntimeReport {
  std::string_view path;
  std::string version;  // "go1.19.8"; empty when unknown
  const go::RuntimeLayout& layout;
  std::vector<std::string> warnings;
};

/// A header line, where the layout came from, one block per struct (name,
/// size, the key fields with offset, size and type), the globals, the notes.
void GoRuntimeToText(const GoRuntimeReport& r, std::ostream& out);
/// {path, go, runtime: {source, table_range, structs: [{name, size, fields:
/// [{name, offset, size?, type}]}], globals: [{name, address, size} |
/// {name, found: false}], notes}, warnings}; source and table_range are null
/// when they do not apply.
void GoRuntimeToJson(const GoRuntimeReport& r, int indent, std::ostream& out);

}  // namespace exray
