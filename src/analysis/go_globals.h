// The Go runtime's global variables in a binary without symbols, located
// through the machine code of the runtime functions that use them (found by
// name in the pclntab, which stripping keeps).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "formats/elf/model.h"
#include "lang/go/pclntab.h"
#include "lang/go/runtime_layout.h"
#include "support/address_space.h"

namespace exray {

/// What the locator reads besides the bytes: the runtime functions it knows
/// (runtime.allgadd, mcommoninit, procresize, (*mheap).init and
/// (*mheap).allocSpan, by name and extent), the name of the function at a
/// call's target, and the writable ranges a global must lie in.
struct GlobalsCode {
  std::vector<go::Function> functions;
  std::function<std::string_view(uint64_t)> name_at;
  std::vector<std::pair<uint64_t, uint64_t>> writable;  // [start, end)
};

/// The runtime functions LocateRuntimeGlobals reads.
const std::vector<std::string_view>& GlobalsFunctionNames();

/// Fills the address, size and how of each global in layout->globals that is
/// not yet found and that one of the rules knows (allgs, allglen, allm,
/// sched, allp, gomaxprocs, memstats, gcController), from the x86-64 code of
/// the functions in code (Go's register ABI: Go 1.17 on), with the layout's
/// offsets and sizes. A rule that does not find exactly one candidate, or
/// finds one outside the writable ranges, leaves its global unfound and adds
/// a note saying why. Every function is read through as, at most
/// kMaxGlobalScanBytes of it.
void LocateRuntimeGlobals(const AddressSpace& as, const GlobalsCode& code, go::RuntimeLayout* layout);

/// The same for an ELF file and its pclntab: amd64 from Go 1.17 only (else a
/// note), with the file's writable PT_LOAD segments.
void LocateRuntimeGlobals(const elf::File& f, const AddressSpace& as, const go::Pclntab& pclntab, int minor,
                          go::RuntimeLayout* layout);

}  // namespace exray
