// What reading a running Go program needs from its executable: the runtime
// layout, the globals' addresses, the load segments and the pclntab, shared by
// `exray go --pid` and `exray run` (the figures at the program's exit).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "analysis/go_dive.h"
#include "formats/elf/address_space.h"
#include "support/result.h"
#include "trace/go_live.h"

namespace exray {

struct GoLiveSetup {
  GoDive dive;           // owns the layout and the pclntab `in` points into
  trace::GoLiveInput in; // pid 0: the caller sets it
  std::string version;   // "go1.19.8", or empty when unknown
};

/// From an executable that stays open while the setup is used. An Error, with
/// a message fit for the user, when it is not Go, when there is no layout for
/// its release (no DWARF, no table) or no symbols to locate the globals.
[[nodiscard]] Result<std::unique_ptr<GoLiveSetup>> SetUpGoLive(const elf::File& elf, const elf::ElfAddressSpace& as,
                                                               std::string_view path);

}  // namespace exray
