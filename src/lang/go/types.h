// Go type descriptors and itabs (the runtime's abi.Type and itab): the types
// a Go program carries so that interfaces, type switches and reflection work
// without a VM. Read from the file through moduledata's type tables, by
// release (docs/go.md, "Types").
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lang/go/moduledata.h"
#include "support/address_space.h"
#include "support/diag.h"
#include "support/result.h"

namespace exray::go {

/// The first release whose type descriptors are read: Go 1.5, the first
/// with moduledata. Its descriptors and 1.6's hold pointers (to strings, to
/// their uncommon part) and their typelinks list addresses, checked on
/// go1.5.4 and go1.6.2 binaries and their DWARF. Go 1.7 gave them today's
/// shape (names and types as 32-bit offsets from moduledata.types). Go 1.4
/// and earlier kept no moduledata and are refused.
inline constexpr int kFirstTypesMinor = 5;

/// reflect.Kind's name for a kind number (1 "bool" ... 22 "ptr" ... 26
/// "unsafe.Pointer"); "invalid" outside 1..26.
std::string_view KindName(uint8_t kind);

inline constexpr uint8_t kKindArray = 17, kKindChan = 18, kKindFunc = 19, kKindInterface = 20, kKindMap = 21,
                         kKindPointer = 22, kKindSlice = 23, kKindStruct = 25;

// Names point into the binary's bytes: they live as long as the address
// space's file.
struct TypeField {
  std::string_view name;  // with detail (ReadTypeDetail) only, as tag is
  uint64_t type = 0;  // descriptor address
  uint64_t offset = 0;
  bool embedded = false;
  std::string_view tag;
};

/// A method of a named type (uncommon methods) or of an interface.
struct TypeMethod {
  std::string_view name;  // with detail (ReadTypeDetail) only
  uint64_t type = 0;  // the method's func type; 0 when the linker dropped it (offset -1)
  bool exported = false;
  uint64_t ifn = 0, tfn = 0;  // code addresses (named types only); 0 when dropped
};

/// What a descriptor lists beside its header: kept by ReadTypeDetail only
/// (the walk needs just the references, and a set of 30,000 descriptors
/// stays compact without them).
struct TypeMembers {
  uint64_t elem = 0, key = 0;            // ptr, slice, array, chan and map element; map key (descriptors)
  uint64_t len = 0;                      // array length
  uint8_t chan_dir = 0;                  // 1 recv, 2 send, 3 both
  bool variadic = false;                 // func
  std::vector<uint64_t> in, out;         // func parameters and results
  std::vector<TypeField> fields;         // struct
  std::vector<TypeMethod> method_list;   // interface methods, or a named type's methods
};

struct GoType {
  uint64_t addr = 0;
  std::string_view name;      // as reflect's String() prints it: "main.Rect", "*main.Rect", "map[string]int"
  std::string_view pkg_path;  // from the uncommon type: "main", "net/http"; empty when it has none
  uint64_t size = 0;
  uint8_t kind = 0;  // 1..26
  uint8_t align = 0, field_align = 0;
  bool named = false;
  uint16_t methods = 0, exported_methods = 0;  // the uncommon type's mcount and xcount
  std::unique_ptr<TypeMembers> members;        // with detail (ReadTypeDetail) only
};
// 64 bytes on 64-bit hosts: a listing holds tens of thousands, and each
// fresh page of them cost more than reading the descriptors on it.
static_assert(sizeof(void*) != 8 || sizeof(GoType) == 64);

struct Itab {
  uint64_t addr = 0, inter = 0, type = 0;  // the itab, its interface type and its concrete type
};

/// How the descriptors were enumerated.
enum class TypeSource : uint8_t {
  kLinks,       // before 1.27: typelinks and itablinks, and every descriptor they reach
  kContiguous,  // 1.27+: the region's first typedesclen bytes walked end to end, its itabs, and what they reach
  kMaxValue = kContiguous,
};
std::string_view TypeSourceName(TypeSource s);

struct TypeSet {
  TypeSource source = TypeSource::kLinks;
  std::vector<GoType> types;  // sorted by address
  std::vector<Itab> itabs;    // in the binary's order
  uint64_t roots = 0;         // descriptors the walk started from (typelinks or the walked ones, and itabs)
  bool complete = true;       // kContiguous: the walk ended exactly at typedesclen
  /// The descriptor at addr, or null.
  const GoType* Find(uint64_t addr) const;
  /// reflect's String() of the descriptor at addr, or "?" when not read.
  std::string_view NameOf(uint64_t addr) const;
};

/// Reads the type descriptors and itabs of md's type tables. minor is the Go
/// release (build info, or the runtime's version string); md's type tables
/// say whether they are Go 1.5's or 1.6's (pointer_links). The release picks the
/// struct-field encoding (a plain offset, embedded when unnamed, before 1.9;
/// offset and embedded bit before 1.19), the exported-method count (from
/// the names before 1.11, which had no xcount) and the map descriptor's size
/// (with hmap before 1.11, without a hasher 1.11-1.13, buckets before 1.24,
/// swiss tables since, 1.27's longer one). Damage to single descriptors is
/// a warning in diag and they are skipped; an Error when md has no type
/// tables or none of it can be read. Work is bounded by kMaxGoTypes,
/// kMaxGoItabs, kMaxGoTypeMembers and kMaxGoNameBytes.
/// The descriptors keep their headers, not their members (fields, methods,
/// parameters): ReadTypeDetail reads one in full.
Result<TypeSet> ReadTypes(const AddressSpace& as, const Moduledata& md, int minor, Diagnostics& diag);

/// The number of itabs: itablinks' length before Go 1.27, the itab region
/// walked since (it stops at the first entry that does not read, as
/// ReadTypes does). nullopt without type tables.
std::optional<uint64_t> ItabCount(const AddressSpace& as, const Moduledata& md, int minor);

/// The descriptor at addr with its members (their names and tags too);
/// nullopt when it does not read as a descriptor.
std::optional<GoType> ReadTypeDetail(const AddressSpace& as, const Moduledata& md, int minor, uint64_t addr);

}  // namespace exray::go
