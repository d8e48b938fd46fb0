// `exray code`: the machine-code report, as text and JSON (docs/code.md).
#pragma once

#include <ostream>
#include <string_view>

#include "code/code.h"

namespace exray {

/// One function of `exray code --function`, with its listing.
struct CodeFunctionView {
  const code::Result* result = nullptr;
  uint32_t index = 0;
  std::vector<code::ListedInsn> listing;
};

void CodeToJson(std::string_view path, const code::Result& r, std::string_view fde_source, std::ostream& out);
void CodeToText(std::string_view path, const code::Result& r, std::string_view fde_source, std::ostream& out);
void CodeFunctionToJson(std::string_view path, const CodeFunctionView& v, std::ostream& out);
void CodeFunctionToText(std::string_view path, const CodeFunctionView& v, std::ostream& out);

}  // namespace exray
