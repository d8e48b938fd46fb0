// Go runtime moduledata: found without symbols by the pointer to the pclntab
// that is its first word (reference §2.8 and its Go 1.26/1.27 table).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "support/address_space.h"
#include "lang/go/pclntab.h"
#include "support/limits.h"

namespace exray::go {

/// The moduledata tail layouts told apart by where textsectmap sits (64-bit
/// offsets; halved on 32-bit). Each names the first release that used it.
enum class ModuledataLayout : uint8_t {
  kUnknown,  // before Go 1.5, or the tail did not validate
  kGo16,     // 1.5-1.6 (pclntab 1.2 layout): typelinks a slice of descriptor pointers at 200; no types, no itablinks
  kGo17,     // 1.7 (pclntab 1.2 layout): no textsectmap; types 200, typelinks 216, itablinks 240
  kGo18,     // 1.8-1.15 (pclntab 1.2 layout): pclntable first, text 96, textsectmap 216
  kGo116,    // 1.16-1.17: pcHeader first, textsectmap 296, no gofunc
  kGo118,    // 1.18-1.19: gofunc 304, textsectmap 312
  kGo120,    // 1.20-1.25: gofunc 320, textsectmap 328
  kGo126,    // 1.26: epclntab after gofunc; textsectmap 336
  kGo127,    // 1.27+: types moved to .go.type; gofunc 344, textsectmap 360
  kMaxValue = kGo127,
};
/// "1.5-1.6", "1.7", "1.8-1.15", "1.16-1.17", "1.18-1.19", "1.20-1.25", "1.26", "1.27+", or "" for kUnknown.
std::string_view ModuledataLayoutName(ModuledataLayout l);
/// The release a binary of unknown version is read as, by its layout: the
/// first of the range, except 1.14 for 1.8-1.15 (its last map-descriptor
/// shape); nullopt for kUnknown.
std::optional<int> FallbackMinor(ModuledataLayout l);

/// Where the type descriptors and itabs are (runtime/symtab.go moduledata).
/// Before Go 1.27 descriptors sit in [types, etypes) and are listed by
/// typelinks (int32 offsets from types, for the unnamed composite types
/// reflect may need) and itablinks (pointers to itabs); since 1.27 the
/// region is [types, etypes): typedesclen bytes of descriptors laid end to
/// end, their names after them, and itabsize bytes of itabs at itaboffset.
/// Go 1.6 had neither types nor itablinks: typelinks held the descriptors'
/// addresses (pointer_links), and [types, etypes) is then the read-only
/// segment the first of them lies in, where every descriptor must be.
struct TypeTables {
  uint64_t types = 0, etypes = 0;
  uint64_t typelinks = 0, ntypelinks = 0;  // before 1.27
  bool pointer_links = false;              // Go 1.6: typelinks are addresses, not offsets from types
  uint64_t itablinks = 0, nitablinks = 0;  // before 1.27
  uint64_t typedesclen = 0, itaboffset = 0, itabsize = 0;  // 1.27+
  bool contiguous() const { return typedesclen != 0; }
};

/// The fields of moduledata read so far. The head (through etext) is the same
/// from Go 1.16 through 1.27 (64-bit: minpc 160, maxpc 168, text 176, etext 184;
/// halved on 32-bit); before 1.16 its first word is pclntable's pointer and
/// minpc, maxpc, text and etext are at 80, 88, 96 and 104. The tail is read
/// with the pclntab's version, and only when its textsectmap validates, which
/// also tells the layout apart; before Go 1.9, which had no textsectmap,
/// when the type tables' words validate (kGo17, kGo16).
struct Moduledata {
  uint64_t vaddr = 0;
  uint64_t minpc = 0, maxpc = 0, text = 0, etext = 0;
  ModuledataLayout layout = ModuledataLayout::kUnknown;
  std::optional<uint64_t> gofunc;     // base of the _func funcdata offsets (Go 1.18+)
  std::vector<TextSection> textsects;  // at least one when layout is known
  std::optional<TypeTables> type_tables;  // with a known layout, when its fields validate
};

/// Finds the moduledata of a Go binary whose pclntab is at pcln_vaddr:
/// the .go.module (__go_module) section of Go 1.26+, else the
/// runtime.firstmoduledata symbol, else the first
/// pointer-aligned word in a writable, non-executable segment equal to
/// pcln_vaddr where text lies in an executable region, minpc <= maxpc,
/// text <= etext and minpc == text + ftab0 (ftab0 is the first functab entry:
/// an offset from text when entries_are_text_offsets, Go 1.18+; else absolute).
/// With the pclntab's version, also reads the tail: the layout whose
/// textsectmap validates (1 to kMaxTextSections entries, the first at offset 0
/// and based at text, in order), and gofunc from that layout; failing that,
/// Go 1.7's, whose type tables must validate instead.
/// nullopt when nothing validates within kMaxModuledataScanBytes and
/// kMaxModuledataCandidates. On-disk values: in a PIE whose pointers are
/// filled in only by dynamic relocations this finds nothing.
std::optional<Moduledata> FindModuledata(const AddressSpace& as, uint64_t pcln_vaddr, bool entries_are_text_offsets,
                                         uint64_t ftab0, std::optional<PclnVersion> version = std::nullopt);

}  // namespace exray::go
