// Text-report hygiene shared by every text view.
#pragma once

#include <string>
#include <string_view>

namespace exray {

/// Names, paths and strings come from the file or the traced program: a
/// newline or an escape sequence in them must not forge report lines or
/// recolour the terminal, so control bytes are shown as \xNN.
std::string Safe(std::string_view in);

}  // namespace exray
