// Text from a file or a traced program, made safe for a terminal.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace exray {

/// Escapes, as \xNN per byte, whatever could forge report lines or control a
/// terminal: C0 controls and DEL (except the bytes in `keep`), C1 controls
/// (U+0080..U+009F, which some terminals obey as escapes), the bidirectional
/// overrides and isolates that reorder what is shown (U+202A..U+202E,
/// U+2066..U+2069, U+200E, U+200F, U+061C), and bytes that are not valid
/// UTF-8. Other UTF-8 passes.
std::string EscapeTerminal(std::string_view in, std::string_view keep = {});

/// How many bytes at the end of `in` start a UTF-8 sequence that is not yet
/// complete (0 to 3): a stream escaper keeps them for its next chunk.
size_t IncompleteUtf8Tail(std::string_view in);

}  // namespace exray
