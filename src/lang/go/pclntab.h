// Go pclntab reader: function names, entry/end addresses, and pc -> file:line,
// for every pclntab layout (Go 1.2-1.15, 1.16-1.17, 1.18-1.19, 1.20+), read
// through an AddressSpace (the layouts by release are in docs/go.md).
//
// Lookup names the physical function at a pc, with the file:line the pcln
// table records (that of the innermost inlined code); Frames adds the
// functions inlined there from the inline tree (FUNCDATA_InlTree). gccgo
// binaries have no pclntab.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "support/address_space.h"
#include "support/byte_view.h"
#include "support/diag.h"
#include "support/limits.h"
#include "support/result.h"

namespace exray::go {

struct Moduledata;

/// The pclntab layouts, by magic (runtime/symtab.go pcHeader; debug/gosym).
enum class PclnVersion : uint8_t {
  kGo12,   // 0xfffffffb, Go 1.2-1.15
  kGo116,  // 0xfffffffa, Go 1.16-1.17
  kGo118,  // 0xfffffff0, Go 1.18-1.19
  kGo120,  // 0xfffffff1, Go 1.20+
  kMaxValue = kGo120,
};

/// "1.2", "1.16", "1.18", "1.20": the first release of the layout.
std::string_view PclnVersionName(PclnVersion v);
/// The pcHeader magic of a layout (0xfffffffb, 0xfffffffa, 0xfffffff0, 0xfffffff1).
uint32_t PclnMagic(PclnVersion v);

/// The decoded pcHeader. Offsets are relative to the start of the pclntab
/// (for Go 1.2 only functab/filetab are known; the rest stay 0).
struct PclnHeader {
  PclnVersion version = PclnVersion::kGo12;
  Endian endian = Endian::kLittle;
  uint8_t quantum = 1;   // PC quantum (minLC): 1, 2 or 4
  uint8_t ptr_size = 8;  // 4 or 8
  uint64_t nfunc = 0;
  uint64_t nfiles = 0;   // 1.16+
  uint64_t text_start = 0;  // 1.18+; unrelocated in PIE, 0 since Go 1.26
  uint64_t funcname_off = 0, cu_off = 0, filetab_off = 0, pctab_off = 0, pcln_off = 0;
  uint64_t functab_off = 0;  // where the {entry, funcoff} pairs start
  uint64_t header_size = 0;
};

/// Reads the pcHeader at the start of data. nullopt when the bytes do not start
/// with a pclntab magic (in either byte order) followed by zero pads, a quantum
/// in {1,2,4} and a pointer size in {4,8}; an Error when they do but the header
/// is truncated or its offsets or function count point outside data.
std::optional<Result<PclnHeader>> ParseHeader(ByteView data);

/// A uvarint (LEB128, little-endian groups of 7 bits) at *off; advances *off
/// past it on success. False when it runs past the view, takes over
/// kMaxVarintBytes bytes or overflows 64 bits (Reader::Uleb128 does the work).
bool ReadUvarint(ByteView data, uint64_t* off, uint64_t* out);

/// Walks a pc-value table (debug/gosym step/pcvalue) starting at table[off],
/// for a function starting at entry, and returns the value at target_pc;
/// -1 when target_pc lies past the table's last range. nullopt, with a warning,
/// when the table is malformed (runs off the end of the data, a varint is
/// bad, or over kMaxPcValueStalls entries do not advance the pc); the walk is
/// bounded by the bytes left in the table.
std::optional<int32_t> PcValue(ByteView table, uint64_t off, uint64_t entry, uint64_t target_pc, uint8_t quantum,
                               Diagnostics* diag = nullptr);

/// The largest value a pc-value table takes over [entry, end) (runtime
/// funcMaxSPDelta walks the pcsp table the same way). nullopt, with a warning,
/// when the table is malformed, as for PcValue; the walk is bounded the same way.
std::optional<int32_t> PcValueMax(ByteView table, uint64_t off, uint64_t entry, uint64_t end, uint8_t quantum,
                                  Diagnostics* diag = nullptr);

/// The package of a Go symbol name: the part before the first '.' after the
/// last '/', ignoring generic type arguments in [...] ("main", "net/http",
/// "gopkg.in/yaml%2ev3"); empty for compiler-generated names ("go:", "type:")
/// and names without a '.'.
std::string_view PackageOf(std::string_view name);

struct Function {
  std::string_view name;  // points into the binary's bytes
  uint64_t entry = 0, end = 0;
};

/// A file:line position; file is empty and line -1 when unknown.
struct Position {
  std::string_view file;
  int64_t line = -1;
};

struct Location {
  const Function* function = nullptr;
  Position pos;
};

/// One frame at a pc: a function inlined there, or the physical function.
struct Frame {
  std::string_view function;
  Position pos;
  bool inlined = false;
};

/// One entry of moduledata.textsectmap (runtime/symtab.go textsect): text
/// offsets [vaddr, end) live at baseaddr.
struct TextSection {
  uint64_t vaddr = 0, end = 0, baseaddr = 0;
};

/// Where the base of the _func funcdata offsets (Go 1.18+) came from.
enum class GofuncSource : uint8_t { kNone, kModuledata, kSymbol, kMaxValue = kSymbol };

/// Where the text base of a Go 1.18+ pclntab came from.
enum class TextBaseSource : uint8_t { kNotNeeded, kCaller, kSymbol, kModuledata, kHeader, kMaxValue = kHeader };
std::string_view TextBaseSourceName(TextBaseSource s);

/// How the pclntab was found.
enum class PclnSource : uint8_t { kSection, kSymbol, kScan, kBytes, kMaxValue = kBytes };
std::string_view PclnSourceName(PclnSource s);

class Pclntab {
 public:
  /// Parses a pclntab held in data, mapped at vaddr. text_base is the address
  /// Go 1.18+ entry offsets are relative to; without one the header's
  /// textStart is used (with a warning). nullopt when data does not start with
  /// a pclntab header; an Error when the header or function table is unusable.
  /// Damage to individual functions (bad names, unsorted entries) becomes a
  /// warning and the function is kept with what could be read.
  /// With more than one textsects entry, entry offsets map through them
  /// (runtime textAddr) instead of text_base + offset.
  static std::optional<Result<Pclntab>> Parse(ByteView data, uint64_t vaddr, std::optional<uint64_t> text_base,
                                              Diagnostics& diag, std::vector<TextSection> textsects = {});

  const PclnHeader& header() const { return header_; }
  uint64_t vaddr() const { return vaddr_; }
  uint64_t size() const { return data_.size(); }
  uint64_t text_base() const { return text_base_; }
  TextBaseSource text_base_source() const { return text_base_source_; }
  PclnSource source() const { return source_; }

  /// Functions in functab order (sorted by entry in a well-formed table).
  const std::vector<Function>& functions() const { return functions_; }

  /// The file and line at pc within function i (pc in [entry, end)).
  Position PositionAt(size_t i, uint64_t pc, Diagnostics* diag = nullptr) const;
  Position EntryPosition(size_t i, Diagnostics* diag = nullptr) const {
    return i < functions_.size() ? PositionAt(i, functions_[i].entry, diag) : Position{};
  }
  /// The file of function i's entry, without its line ("" when unknown).
  std::string_view EntryFile(size_t i, Diagnostics* diag = nullptr) const;
  /// What function i's _func says of its stack: `args`, the bytes of its
  /// arguments and results (_func.args; negative for some assembly), and
  /// `max_sp`, the largest stack-pointer delta of its pcsp table over [entry,
  /// end): the frame below the return address (nullopt when the table is
  /// absent or malformed, with a warning). Zeros for a function out of range.
  struct Stack {
    int32_t args = 0;
    std::optional<int32_t> max_sp;
  };
  Stack StackOf(size_t i, Diagnostics* diag = nullptr) const;
  /// The function containing pc, with its file and line; nullopt when no function does.
  std::optional<Location> Lookup(uint64_t pc, Diagnostics* diag = nullptr) const;

  /// Every source file name the file table holds, sorted and unique (at most kMaxFiles).
  std::vector<std::string_view> Files() const;

  /// The frames at pc, innermost first and the physical function last, as the
  /// Go runtime's traceback lists them (runtime/symtabinl.go): the inline
  /// tree entry at pc names the inlined function, its parentPc gives the call
  /// site's pc, and so on outwards. The inline tree is read through as (it
  /// lies outside the pclntab before Go 1.26); when it cannot be read only
  /// the physical frame is given, with a warning. Empty when no function holds pc.
  std::vector<Frame> Frames(const AddressSpace& as, uint64_t pc, Diagnostics* diag = nullptr) const;

  /// The base of Go 1.18+ funcdata offsets, needed for inline trees.
  std::optional<uint64_t> gofunc() const { return gofunc_; }
  GofuncSource gofunc_source() const { return gofunc_source_; }
  void set_gofunc(uint64_t addr, GofuncSource s) { gofunc_ = addr, gofunc_source_ = s; }
  const std::vector<TextSection>& textsects() const { return textsects_; }

 private:
  friend Result<Pclntab> ReadPclntab(const AddressSpace& as, Diagnostics& diag, std::optional<Moduledata>* md);
  std::string_view FileName(uint64_t func_off, int32_t fno) const;
  uint32_t FuncField(uint64_t func_off, int n) const;
  uint64_t TextAddr(uint64_t off) const;
  uint64_t FuncFixedSize() const;
  // The address of the inline tree of the function whose _func is at func_off; nullopt when it has none.
  std::optional<uint64_t> InlineTree(const AddressSpace& as, uint64_t func_off) const;
  std::optional<int32_t> PcData(uint64_t func_off, uint32_t table, uint64_t entry, uint64_t pc, Diagnostics* diag) const;

  ByteView data_;
  uint64_t vaddr_ = 0;
  PclnHeader header_;
  uint64_t text_base_ = 0;
  TextBaseSource text_base_source_ = TextBaseSource::kNotNeeded;
  PclnSource source_ = PclnSource::kBytes;
  std::optional<uint64_t> gofunc_;
  GofuncSource gofunc_source_ = GofuncSource::kNone;
  std::vector<TextSection> textsects_;
  std::vector<Function> functions_;
  std::vector<uint64_t> func_offs_;  // offset of each _func record in data_ (kMaxValue when unreadable)
  ByteView funcnametab_, cutab_, filetab_, pctab_, funcdata_;
};

/// Finds and parses the pclntab of a binary: the .gopclntab (or
/// .data.rel.ro.gopclntab, __gopclntab) section, else the runtime.pclntab
/// symbol, else a validated scan of non-executable segments (read-only ones
/// first) bounded by kMaxScanBytes. For Go 1.18+ the text base comes from the
/// runtime.text symbol, else moduledata.text (found by scanning writable data
/// for the pclntab's address), else the header's textStart with a warning.
/// An Error when no pclntab is found or the one found is unusable.
/// With md, also returns the moduledata found for a Go 1.18+ pclntab (left
/// unset when none validated), whose layout tells Go releases apart.
Result<Pclntab> ReadPclntab(const AddressSpace& as, Diagnostics& diag, std::optional<Moduledata>* md = nullptr);

/// Only the moduledata of a Go 1.18+ binary: the pclntab is located as
/// ReadPclntab does, but its functions are not parsed (the type tables need
/// no more). An Error when there is no pclntab, it is older, or no
/// moduledata validates.
Result<Moduledata> ReadModuledata(const AddressSpace& as, Diagnostics& diag);

}  // namespace exray::go
