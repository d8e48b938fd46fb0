// libFuzzer target for the text `exray run` takes from the traced program:
// its output as the relay escapes it (chunk by chunk, as the pipe delivers
// it) and /proc/PID/maps or smaps text, whose paths the program chooses.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "support/escape.h"
#include "trace/smaps.h"

#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::string whole = exray::EscapeTerminal(in, "\n\t");
  for (char c : whole) {
    const unsigned char u = static_cast<unsigned char>(c);
    FUZZ_CHECK(u >= 0x20 || c == '\n' || c == '\t', "no control byte but newline and tab passes");
    FUZZ_CHECK(u != 0x7f, "DEL never passes");
  }
  FUZZ_CHECK(whole.find("\xe2\x80\xae") == std::string::npos, "U+202E never passes");
  // The relay escapes what each read gives, keeping an incomplete UTF-8 tail
  // for the next: the same text as escaping it whole, wherever it is cut.
  const size_t cut = size ? data[0] % (size + 1) : 0;
  std::string carry(in.substr(0, cut)), streamed;
  size_t keep = exray::IncompleteUtf8Tail(carry);
  FUZZ_CHECK(keep <= 3 && keep <= carry.size(), "a tail of at most 3 bytes");
  streamed += exray::EscapeTerminal(std::string_view(carry).substr(0, carry.size() - keep), "\n\t");
  carry.erase(0, carry.size() - keep);
  carry.append(in.substr(cut));
  streamed += exray::EscapeTerminal(carry, "\n\t");
  FUZZ_CHECK(streamed == whole, "escaping in two reads equals escaping at once");
  // maps/smaps text: every VMA parsed has start <= end, bounded by the input.
  auto vmas = exray::trace::ParseSmaps(in);
  FUZZ_CHECK(vmas.size() <= size / 8 + 1, "no more VMAs than lines could hold");
  return 0;
}
