// The Go runtime's global variables in a binary without symbols, located
// through the machine code of the runtime functions that use them (found by
// name in the pclntab, which stripping keeps).
#pragma once

#include <string>
#include <vector>

#include "formats/elf/model.h"
#include "lang/go/pclntab.h"
#include "lang/go/runtime_layout.h"
#include "support/address_space.h"

namespace exray {

/// Fills the address, size and how of each global in layout->globals that is
/// not yet found and that one of the rules knows (allgs, allglen, allm,
/// sched, allp, gomaxprocs, memstats, gcController), from the code of
/// runtime.allgadd, mcommoninit, procresize, (*mheap).init and
/// (*mheap).allocSpan. Only linux/amd64 under Go's register ABI (Go 1.17
/// on), with a layout (sched and the structs' sizes come from it). A rule
/// that does not find exactly one candidate, or finds one outside the
/// writable segments, leaves its global unfound and adds a note saying why.
void LocateRuntimeGlobals(const elf::File& f, const AddressSpace& as, const go::Pclntab& pclntab, int minor,
                          go::RuntimeLayout* layout);

}  // namespace exray
