// Text-report hygiene shared by every text view.
#pragma once

#include <string>
#include <string_view>

namespace exray {

/// Names, paths and strings come from the file or the traced program: a
/// newline or an escape sequence in them must not forge report lines or
/// recolour or reorder the terminal, so such bytes are shown as \xNN
/// (support/escape.h's EscapeTerminal).
std::string Safe(std::string_view in);

}  // namespace exray
