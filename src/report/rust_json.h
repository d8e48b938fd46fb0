// The rust object of the JSON report, shared by ToJson and `exray rust --json`.
#pragma once

#include "analysis/analyze.h"
#include "report/json_writer.h"

namespace exray {

/// Writes the rust object (docs/json.md, docs/rust.md) as the next value.
void WriteRustFacts(JsonWriter& w, const RustFacts& r);

}  // namespace exray
