// The Go runtime's scheduler and allocator structures (g, m, p, schedt,
// mspan, mcache, mheap, and the GC's mstats, gcControllerState and heapStatsDelta): their sizes and key field offsets, from the binary's
// DWARF or from a table per release, and the runtime's global variables.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace exray::go {

struct RuntimeField {
  std::string name;              // "stack.lo" for a member of an embedded struct
  uint64_t offset = 0;
  std::optional<uint64_t> size;  // the field's type size, when known
  std::string type;              // the field's Go type as the release has it ("uint32", "atomic.Uint32"...)
};

struct RuntimeStruct {
  std::string name;  // "runtime.g"
  uint64_t size = 0;
  std::vector<RuntimeField> fields;
};

struct RuntimeGlobal {
  std::string name;  // "runtime.allgs"
  std::optional<uint64_t> address, size;  // nullopt: not found
  // How it was found: "symbol", or for a stripped binary the machine code that
  // uses it ("runtime.allgadd+0xe2: atomic store of len(allgs)").
  std::string how;
};

struct RuntimeLayout {
  std::string source;       // "dwarf", "table", or empty: no layout
  std::string table_range;  // with "table": the releases and targets the entry covers
  std::vector<RuntimeStruct> structs;
  std::vector<RuntimeGlobal> globals;
  std::vector<std::string> notes;
};

/// The struct type names read from DWARF: the ten structures,
/// runtime.stack for g.stack's lo and hi, and the unnamed struct types of
/// p.gFree and schedt.gFree (by the name Go 1.19's compiler gives them).
const std::vector<std::string>& RuntimeDwarfStructNames();

/// The runtime globals looked up by symbol: runtime.allgs, allglen, allm,
/// sched, memstats, gcController, mheap_, allp, gomaxprocs, ncpu.
const std::vector<std::string>& RuntimeGlobalNames();

/// From DWARF's structs (every member, as read; runtime.stack among them):
/// the ten structures with their key fields, in offset order. A struct or
/// key field the DWARF lacks is left out with a note saying so.
RuntimeLayout LayoutFromDwarf(const std::vector<RuntimeStruct>& all_members);

/// The table entry for a release (Go 1.minor), pointer size, GOOS and GOARCH, or
/// nullopt when none covers it. Only layouts read from a real binary's DWARF
/// are in the table; the test runtime_check proves them equal to it.
std::optional<RuntimeLayout> LayoutFromTable(int minor, int ptr_size, std::string_view goos, std::string_view goarch);

}  // namespace exray::go
