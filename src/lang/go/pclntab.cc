// Go pclntab reader; layouts from debug/gosym (Go 1.19 src/debug/gosym/pclntab.go)
// and runtime/symtab.go, summarised in docs/go.md.
#include "lang/go/pclntab.h"

#include <algorithm>
#include <string>

#include "lang/go/moduledata.h"

#include <fmt/format.h>
#include "support/checked.h"
#include "support/hex.h"
#include "support/limits.h"

namespace exray::go {
namespace {

// pcHeader magics (runtime/symtab.go; debug/gosym go12magic..go120magic).
constexpr uint32_t kMagic12 = 0xfffffffb;
constexpr uint32_t kMagic116 = 0xfffffffa;
constexpr uint32_t kMagic118 = 0xfffffff0;
constexpr uint32_t kMagic120 = 0xfffffff1;
constexpr uint64_t kNoFunc = UINT64_MAX;
// runtime/symtab.go (internal/abi/symtab.go since 1.21): the pcdata table of
// the inline tree index, and the funcdata slot of the inline tree.
constexpr uint32_t kPcdataInlTreeIndex = 2;
constexpr uint32_t kFuncdataInlTree = 3;

bool Is118Plus(PclnVersion v) { return v == PclnVersion::kGo118 || v == PclnVersion::kGo120; }

// Size of a functab field: a uintptr before Go 1.18, a u32 offset since.
uint64_t FieldSize(const PclnHeader& h) { return Is118Plus(h.version) ? 4 : h.ptr_size; }

// A 4- or 8-byte unsigned field; clears *ok (and yields 0) when out of range.
uint64_t ReadField(ByteView v, uint64_t off, uint64_t size, Endian e, bool* ok) {
  uint64_t x = 0;
  *ok = v.ReadWord(off, size, e, &x) && *ok;
  return x;
}

// Entry value i of the functab (i == nfunc is the end PC), before adding the
// text base. false when out of range (the header check makes that impossible).
bool FunctabPc(ByteView data, const PclnHeader& h, uint64_t i, uint64_t* out) {
  const uint64_t fs = FieldSize(h);
  bool ok = true;
  *out = ReadField(data, h.functab_off + i * 2 * fs, fs, h.endian, &ok);  // i <= nfunc <= kMaxFunctions: no overflow
  return ok;
}

bool FunctabSorted(ByteView data, const PclnHeader& h, uint64_t limit) {
  uint64_t prev = 0;
  uint64_t n = std::min(h.nfunc, limit);
  for (uint64_t i = 0; i <= n; ++i) {
    uint64_t pc;
    if (!FunctabPc(data, h, i, &pc)) return false;
    if (i > 0 && pc < prev) return false;
    prev = pc;
  }
  return true;
}

// A quick look at 4 bytes before the full header check, for the scan.
bool LooksLikeMagic(ByteView v, uint64_t off) {
  uint32_t le, be;
  if (!v.ReadInt<uint32_t>(off, Endian::kLittle, &le)) return false;
  be = ByteSwap(le);
  for (uint32_t m : {kMagic12, kMagic116, kMagic118, kMagic120})
    if (le == m || be == m) return true;
  return false;
}

}  // namespace

std::string_view PclnVersionName(PclnVersion v) {
  switch (v) {
    case PclnVersion::kGo12: return "1.2";
    case PclnVersion::kGo116: return "1.16";
    case PclnVersion::kGo118: return "1.18";
    case PclnVersion::kGo120: return "1.20";
  }
  return "?";
}

uint32_t PclnMagic(PclnVersion v) {
  switch (v) {
    case PclnVersion::kGo12: return kMagic12;
    case PclnVersion::kGo116: return kMagic116;
    case PclnVersion::kGo118: return kMagic118;
    case PclnVersion::kGo120: return kMagic120;
  }
  return 0;
}

std::string_view TextBaseSourceName(TextBaseSource s) {
  switch (s) {
    case TextBaseSource::kNotNeeded: return "absolute entries";
    case TextBaseSource::kCaller: return "caller";
    case TextBaseSource::kSymbol: return "runtime.text symbol";
    case TextBaseSource::kModuledata: return "moduledata.text";
    case TextBaseSource::kHeader: return "pcHeader.textStart";
  }
  return "?";
}

std::string_view PclnSourceName(PclnSource s) {
  switch (s) {
    case PclnSource::kSection: return "section";
    case PclnSource::kSymbol: return "runtime.pclntab symbol";
    case PclnSource::kScan: return "scan";
    case PclnSource::kBytes: return "bytes";
  }
  return "?";
}

std::optional<Result<PclnHeader>> ParseHeader(ByteView data) {
  uint32_t le;
  if (!data.ReadInt<uint32_t>(0, Endian::kLittle, &le)) return std::nullopt;
  PclnHeader h;
  uint32_t magic = le;
  auto version_of = [](uint32_t m) -> std::optional<PclnVersion> {
    switch (m) {
      case kMagic12: return PclnVersion::kGo12;
      case kMagic116: return PclnVersion::kGo116;
      case kMagic118: return PclnVersion::kGo118;
      case kMagic120: return PclnVersion::kGo120;
    }
    return std::nullopt;
  };
  // No magic is a palindrome, so the byte order that matches is the target's.
  std::optional<PclnVersion> v = version_of(le);
  if (v) {
    h.endian = Endian::kLittle;
  } else {
    magic = ByteSwap(le);
    v = version_of(magic);
    if (!v) return std::nullopt;
    h.endian = Endian::kBig;
  }
  h.version = *v;
  h.quantum = data.At(6);
  h.ptr_size = data.At(7);
  if (data.size() < 8 || data.At(4) != 0 || data.At(5) != 0) return std::nullopt;
  if (h.quantum != 1 && h.quantum != 2 && h.quantum != 4) return std::nullopt;
  if (h.ptr_size != 4 && h.ptr_size != 8) return std::nullopt;

  const uint64_t ps = h.ptr_size;
  const uint64_t size = data.size();
  bool ok = true;
  auto word = [&](uint64_t i) { return ReadField(data, 8 + i * ps, ps, h.endian, &ok); };
  const std::string where = "pclntab header (Go " + std::string(PclnVersionName(h.version)) + " layout)";
  auto check_off = [&](uint64_t off, const char* what) -> std::optional<Error> {
    if (off > size) return MakeError(where + ": " + what + " " + Hex(off) + " > pclntab size " + Hex(size));
    return std::nullopt;
  };

  if (h.version == PclnVersion::kGo12) {
    h.nfunc = word(0);
    h.header_size = 8 + ps;
    h.functab_off = 8 + ps;
  } else {
    h.nfunc = word(0);
    h.nfiles = word(1);
    uint64_t k = 2;
    if (Is118Plus(h.version)) h.text_start = word(k++);
    h.funcname_off = word(k++);
    h.cu_off = word(k++);
    h.filetab_off = word(k++);
    h.pctab_off = word(k++);
    h.pcln_off = word(k++);
    h.header_size = 8 + k * ps;
    h.functab_off = h.pcln_off;
  }
  if (!ok) return Result<PclnHeader>(MakeError(where + ": truncated at " + Hex(size) + " bytes"));
  if (h.nfunc > kMaxFunctions)
    return Result<PclnHeader>(MakeError(where + ": function count " + std::to_string(h.nfunc) + " > limit " +
                                        std::to_string(kMaxFunctions)));
  if (h.nfiles > kMaxFiles)
    return Result<PclnHeader>(
        MakeError(where + ": file count " + std::to_string(h.nfiles) + " > limit " + std::to_string(kMaxFiles)));
  for (auto [off, what] : {std::pair{h.funcname_off, "funcnametab offset"}, {h.cu_off, "cutab offset"},
                           {h.filetab_off, "filetab offset"}, {h.pctab_off, "pctab offset"},
                           {h.pcln_off, "pclntable offset"}})
    if (auto e = check_off(off, what)) return Result<PclnHeader>(*e);
  if (h.version != PclnVersion::kGo12 && h.pcln_off < h.header_size)
    return Result<PclnHeader>(MakeError(where + ": pclntable offset " + Hex(h.pcln_off) + " inside the header"));
  // nfunc <= kMaxFunctions, so (2n+1) * 8 cannot overflow.
  const uint64_t functab_size = (2 * h.nfunc + 1) * FieldSize(h);
  if (!InBounds(h.functab_off, functab_size, size))
    return Result<PclnHeader>(MakeError(where + ": functab of " + std::to_string(h.nfunc) + " functions at " +
                                        Hex(h.functab_off) + " runs past pclntab size " + Hex(size)));
  if (h.version == PclnVersion::kGo12) {
    // A u32 offset of the filetab follows the functab; the filetab starts with its u32 count.
    uint32_t fileoff = 0, nfiles = 0;
    if (!data.ReadInt<uint32_t>(h.functab_off + functab_size, h.endian, &fileoff))
      return Result<PclnHeader>(MakeError(where + ": no filetab offset after the functab"));
    if (!data.ReadInt<uint32_t>(fileoff, h.endian, &nfiles))
      return Result<PclnHeader>(MakeError(where + ": filetab offset " + Hex(fileoff) + " > pclntab size " + Hex(size)));
    if (!InBounds(fileoff, uint64_t{nfiles} * 4, size))
      return Result<PclnHeader>(MakeError(where + ": filetab of " + std::to_string(nfiles) + " files at " +
                                          Hex(fileoff) + " runs past pclntab size " + Hex(size)));
    h.filetab_off = fileoff;
    h.nfiles = nfiles;
  }
  return Result<PclnHeader>(h);
}

bool ReadUvarint(ByteView data, uint64_t* off, uint64_t* out) {
  Reader r(data, Endian::kLittle, *off);
  const bool ok = r.Uleb128(out);
  if (ok) *off = r.offset();
  return ok;
}

namespace {
enum class PcWalk { kEnd, kStopped, kBad };

// Walks a pc-value table the way debug/gosym steps it (uint32 arithmetic, the
// value starting at -1): on(val, from, to) for each row [from, to) until it
// returns true (kStopped) or the end marker comes (kEnd). kBad, with a
// warning, for a table that is cut, malformed or stalls. Every step consumes
// at least 2 bytes, so the walk ends within the table's bytes; steps that do
// not advance the pc are capped as well, so that many functions sharing one
// long crafted table cannot each walk all of it.
template <typename On>
PcWalk WalkPcValue(ByteView table, uint64_t off, uint64_t entry, uint8_t quantum, Diagnostics* diag, On&& on) {
  if (off >= table.size()) {
    if (diag) diag->Warn("pc-value table offset " + Hex(off) + " > pctab size " + Hex(table.size()));
    return PcWalk::kBad;
  }
  uint32_t val = UINT32_MAX;
  uint64_t pc = entry;
  Reader r(table, Endian::kLittle, off);
  uint64_t stalls = 0;
  while (true) {
    const bool first = pc == entry;
    uint64_t uvdelta, pcdelta;
    if (!r.Uleb128(&uvdelta)) break;
    const uint32_t uv = static_cast<uint32_t>(uvdelta);
    if (uv == 0 && !first) return PcWalk::kEnd;
    const uint32_t vdelta = (uv & 1) ? ~(uv >> 1) : (uv >> 1);
    if (!r.Uleb128(&pcdelta)) break;
    const uint32_t step = static_cast<uint32_t>(pcdelta) * quantum;
    if (step == 0 && ++stalls > kMaxPcValueStalls) {
      if (diag) diag->Warn("pc-value table at " + Hex(off) + ": over " + std::to_string(kMaxPcValueStalls) +
                           " entries without a pc advance");
      return PcWalk::kBad;
    }
    val += vdelta;
    const uint64_t from = pc;
    pc += step;
    if (on(val, from, pc)) return PcWalk::kStopped;
  }
  if (diag) diag->Warn("pc-value table at " + Hex(off) + ": bad varint or no end marker before the end of pctab");
  return PcWalk::kBad;
}
}  // namespace

std::optional<int32_t> PcValue(ByteView table, uint64_t off, uint64_t entry, uint64_t target_pc, uint8_t quantum,
                               Diagnostics* diag) {
  std::optional<int32_t> out;
  switch (WalkPcValue(table, off, entry, quantum, diag, [&](uint32_t val, uint64_t, uint64_t to) {
    if (target_pc >= to) return false;
    out = static_cast<int32_t>(val);
    return true;
  })) {
    case PcWalk::kEnd: return -1;  // past the table's last row
    case PcWalk::kStopped: return out;
    case PcWalk::kBad: break;
  }
  return std::nullopt;
}

std::optional<int32_t> PcValueMax(ByteView table, uint64_t off, uint64_t entry, uint64_t end, uint8_t quantum,
                                  Diagnostics* diag) {
  std::optional<int32_t> best;
  const PcWalk w = WalkPcValue(table, off, entry, quantum, diag, [&](uint32_t val, uint64_t from, uint64_t to) {
    if (from < end && (!best || static_cast<int32_t>(val) > *best)) best = static_cast<int32_t>(val);
    return to >= end;
  });
  if (w == PcWalk::kBad) return std::nullopt;
  return best;
}

std::string_view PackageOf(std::string_view name) {
  // Generic instantiations carry type arguments in [...] that can hold '/' and '.'.
  if (size_t lb = name.find('['); lb != std::string_view::npos) name = name.substr(0, lb);
  // Compiler-generated names belong to no package: "go:", "type:" since Go 1.20,
  // "go.", "type." before (but "go.uber.org/zap.F" is a package path), and
  // "type..eq.io/fs.FileMode" (Go 1.19) even with a '/'.
  if (name.starts_with("go:") || name.starts_with("type:") || name.starts_with("type..")) return {};
  if ((name.starts_with("go.") || name.starts_with("type.")) && name.find('/') == std::string_view::npos) return {};
  size_t slash = name.rfind('/');
  size_t start = slash == std::string_view::npos ? 0 : slash;
  size_t dot = name.find('.', start);
  if (dot == std::string_view::npos) return {};
  return name.substr(0, dot);
}

uint64_t Pclntab::FuncFixedSize() const {
  // The _func bytes before pcdata[]: the fields through nfuncdata (reference §2.6).
  switch (header_.version) {
    case PclnVersion::kGo120: return 44;  // startLine added at 36
    case PclnVersion::kGo118: return 40;
    case PclnVersion::kGo116: return header_.ptr_size + 36u;
    case PclnVersion::kGo12: return header_.ptr_size + 32u;  // funcID, pad, nfuncdata u8 since Go 1.10
  }
  return 0;
}

uint32_t Pclntab::FuncField(uint64_t func_off, int n) const {
  // Field n (1 = nameOff ... 8 = cuOffset) follows the entry: a uintptr before
  // Go 1.18, a u32 entryOff since (reference §2.6).
  uint64_t sz0 = Is118Plus(header_.version) ? 4 : header_.ptr_size;
  uint32_t v = 0;
  if (func_off != kNoFunc) (void)data_.ReadInt<uint32_t>(func_off + sz0 + (n - 1) * 4u, header_.endian, &v);
  return v;
}

uint64_t Pclntab::TextAddr(uint64_t off) const {
  // runtime/symtab.go textAddr: with several text sections an offset maps
  // through the section holding it (the last one's end included: functab's end entry).
  if (textsects_.size() > 1) {
    for (size_t i = 0; i < textsects_.size(); ++i) {
      const TextSection& s = textsects_[i];
      if ((off >= s.vaddr && off < s.end) || (i + 1 == textsects_.size() && off == s.end))
        return s.baseaddr + (off - s.vaddr);
    }
  }
  return text_base_ + off;
}

std::optional<Result<Pclntab>> Pclntab::Parse(ByteView data, uint64_t vaddr, std::optional<uint64_t> text_base,
                                               Diagnostics& diag, std::vector<TextSection> textsects) {
  auto h_or = ParseHeader(data);
  if (!h_or) return std::nullopt;
  if (!h_or->ok()) return Result<Pclntab>(h_or->error());
  Pclntab t;
  t.data_ = data;
  t.vaddr_ = vaddr;
  t.header_ = h_or->value();
  t.textsects_ = std::move(textsects);
  const PclnHeader& h = t.header_;
  if (h.version == PclnVersion::kGo12) {
    t.funcnametab_ = t.pctab_ = t.funcdata_ = data;
    t.filetab_ = data.Sub(h.filetab_off, h.nfiles * 4);
  } else {
    t.funcnametab_ = data.From(h.funcname_off);
    t.cutab_ = data.From(h.cu_off);
    t.filetab_ = data.From(h.filetab_off);
    t.pctab_ = data.From(h.pctab_off);
    t.funcdata_ = data.From(h.pcln_off);
  }
  if (Is118Plus(h.version)) {
    if (text_base) {
      t.text_base_ = *text_base;
      t.text_base_source_ = TextBaseSource::kCaller;
    } else {
      t.text_base_ = h.text_start;
      t.text_base_source_ = TextBaseSource::kHeader;
      diag.Warn("pclntab: text base from pcHeader.textStart " + Hex(h.text_start) +
                " (unrelocated in PIE, 0 since Go 1.26)");
    }
  }

  // _func bytes needed through the last field read (cuOffset, or pcln before 1.16).
  const uint64_t sz0 = Is118Plus(h.version) ? 4 : h.ptr_size;
  const uint64_t func_min = sz0 + (h.version == PclnVersion::kGo12 ? 6 : 8) * 4;
  t.functions_.reserve(h.nfunc);  // bounded: nfunc entries fit in the data (ParseHeader)
  t.func_offs_.reserve(h.nfunc);
  uint64_t prev_entry = 0;
  uint64_t unsorted = 0, bad_records = 0, bad_names = 0;
  for (uint64_t i = 0; i < h.nfunc; ++i) {
    Function f;
    uint64_t entry = 0, end = 0, funcoff = 0;
    FunctabPc(data, h, i, &entry);
    FunctabPc(data, h, i + 1, &end);
    // funcoff follows the entry in each functab pair.
    const uint64_t fs = FieldSize(h);
    bool ok = true;
    funcoff = ReadField(data, h.functab_off + (2 * i + 1) * fs, fs, h.endian, &ok);
    if (Is118Plus(h.version)) {
      entry = t.TextAddr(entry);
      end = t.TextAddr(end);
    }
    f.entry = entry;
    f.end = end;
    if (i > 0 && entry < prev_entry && unsorted++ == 0)
      diag.Warn("pclntab: functab not sorted: function " + std::to_string(i) + " entry " + Hex(entry) +
                " < previous " + Hex(prev_entry));
    if (end < entry && unsorted++ == 0)
      diag.Warn("pclntab: functab not sorted: function " + std::to_string(i) + " end " + Hex(end) + " < entry " +
                Hex(entry));
    prev_entry = entry;
    // In 1.16+ funcoff is relative to the pclntable; in 1.2 to the pclntab start.
    uint64_t base = h.version == PclnVersion::kGo12 ? 0 : h.pcln_off;
    std::optional<uint64_t> rec = CheckedAdd(base, funcoff);
    uint64_t func_off = kNoFunc;
    if (ok && rec && InBounds(*rec, func_min, data.size())) {
      func_off = *rec;
    } else if (bad_records++ == 0) {
      diag.Warn("pclntab: function " + std::to_string(i) + ": _func offset " + Hex(funcoff) +
                " outside pclntab size " + Hex(data.size()));
    }
    if (func_off != kNoFunc) {
      uint32_t nameoff = t.FuncField(func_off, 1);
      bool nul = false, too_long = false;
      f.name = t.funcnametab_.CString(nameoff, kMaxNameLength, &nul, &too_long);
      if (!nul && bad_names++ == 0)
        diag.Warn("pclntab: function " + std::to_string(i) + ": name at funcnametab offset " + Hex(nameoff) +
                  (too_long ? " longer than " + std::to_string(kMaxNameLength) + " bytes" : " has no terminator"));
    }
    t.functions_.push_back(f);
    t.func_offs_.push_back(func_off);
  }
  if (unsorted > 1) diag.Warn("pclntab: " + std::to_string(unsorted) + " functab entries out of order");
  if (bad_records > 1)
    diag.Warn("pclntab: " + std::to_string(bad_records) + " functions with unreadable _func records");
  if (bad_names > 1) diag.Warn("pclntab: " + std::to_string(bad_names) + " functions with damaged names");
  return Result<Pclntab>(std::move(t));
}

std::string_view Pclntab::FileName(uint64_t func_off, int32_t fno) const {
  bool nul = false;
  if (header_.version == PclnVersion::kGo12) {
    // filetab[0] holds the count; names are indexed from 1 (debug/gosym go12PCToFile).
    if (fno <= 0 || static_cast<uint64_t>(fno) >= header_.nfiles) return {};
    uint32_t off = 0;
    if (!filetab_.ReadInt<uint32_t>(uint64_t(fno) * 4, header_.endian, &off)) return {};
    std::string_view s = data_.CString(off, kMaxNameLength, &nul);
    return nul ? s : std::string_view();
  }
  if (fno < 0) return {};  // 0 is a valid index since 1.16
  // The index wraps in uint32 as in the runtime (funcfile: cutab[f.cuOffset+uint32(fileno)]):
  // debug/gosym gives the same answer for the C functions of cgo binaries, where it wraps.
  const uint32_t index = FuncField(func_off, 8) + static_cast<uint32_t>(fno);
  uint32_t fnoff = 0;
  if (!cutab_.ReadInt<uint32_t>(uint64_t{index} * 4, header_.endian, &fnoff)) return {};
  if (fnoff == UINT32_MAX) return {};
  std::string_view s = filetab_.CString(fnoff, kMaxNameLength, &nul);
  return nul ? s : std::string_view();
}

std::vector<std::string_view> Pclntab::Files() const {
  std::vector<std::string_view> files;
  const uint64_t n = std::min<uint64_t>(header_.nfiles, kMaxFiles);
  if (header_.version == PclnVersion::kGo12) {
    // filetab[0] is the count; the u32 offsets of the names follow, from index 1.
    for (uint64_t i = 1; i < n; ++i) {
      bool nul = false;
      uint32_t off = 0;
      if (!filetab_.ReadInt<uint32_t>(i * 4, header_.endian, &off)) break;
      std::string_view name = data_.CString(off, kMaxNameLength, &nul);
      if (nul && !name.empty()) files.push_back(name);
    }
  } else {
    // 1.16+: filetab is nfiles NUL-terminated names, one after another, each
    // once (cmd/link pcln.go); cutab points into it per compilation unit.
    Reader r(filetab_, header_.endian);
    std::string_view name;
    for (uint64_t i = 0; i < n && r.remaining() > 0 && r.CString(kMaxNameLength, &name); ++i) {
      if (!name.empty()) files.push_back(name);
    }
  }
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());
  return files;
}

Position Pclntab::PositionAt(size_t i, uint64_t pc, Diagnostics* diag) const {
  Position pos;
  if (i >= functions_.size() || func_offs_[i] == kNoFunc) return pos;
  const uint64_t entry = functions_[i].entry;
  const uint64_t fo = func_offs_[i];
  if (auto line = PcValue(pctab_, FuncField(fo, 6), entry, pc, header_.quantum, diag)) pos.line = *line;
  if (auto fno = PcValue(pctab_, FuncField(fo, 5), entry, pc, header_.quantum, diag)) pos.file = FileName(fo, *fno);
  return pos;
}

std::string_view Pclntab::EntryFile(size_t i, Diagnostics* diag) const {
  if (i >= functions_.size() || func_offs_[i] == kNoFunc) return {};
  const uint64_t entry = functions_[i].entry, fo = func_offs_[i];
  if (auto fno = PcValue(pctab_, FuncField(fo, 5), entry, entry, header_.quantum, diag)) return FileName(fo, *fno);
  return {};
}

Pclntab::Stack Pclntab::StackOf(size_t i, Diagnostics* diag) const {
  Stack s;
  if (i >= functions_.size() || func_offs_[i] == kNoFunc) return s;
  const uint64_t fo = func_offs_[i];
  s.args = static_cast<int32_t>(FuncField(fo, 2));
  const uint32_t pcsp = FuncField(fo, 4);
  if (pcsp != 0) s.max_sp = PcValueMax(pctab_, pcsp, functions_[i].entry, functions_[i].end, header_.quantum, diag);
  return s;
}

std::optional<int32_t> Pclntab::PcData(uint64_t func_off, uint32_t table, uint64_t entry, uint64_t pc,
                                       Diagnostics* diag) const {
  // pcdata[npcdata] u32 offsets into pctab follow the fixed fields (reference §2.6).
  if (table >= FuncField(func_off, 7)) return -1;
  uint32_t off = 0;
  if (!data_.ReadInt<uint32_t>(func_off + FuncFixedSize() + uint64_t{table} * 4, header_.endian, &off)) return -1;
  if (off == 0) return -1;  // runtime pcdatastart: no table
  return PcValue(pctab_, off, entry, pc, header_.quantum, diag);
}

std::optional<uint64_t> Pclntab::InlineTree(const AddressSpace& as, uint64_t func_off) const {
  const uint64_t fixed = FuncFixedSize();
  uint8_t nfuncdata = 0;
  if (func_off == kNoFunc || !data_.ReadInt<uint8_t>(func_off + fixed - 1, header_.endian, &nfuncdata) ||
      nfuncdata <= kFuncdataInlTree)
    return std::nullopt;
  const uint64_t npcdata = FuncField(func_off, 7);
  const uint64_t after_pcdata = func_off + fixed + npcdata * 4;  // npcdata < 2^32: no overflow
  if (Is118Plus(header_.version)) {
    // u32 offsets from moduledata.gofunc; ~0 is nil.
    uint32_t off = 0;
    if (!gofunc_ || !data_.ReadInt<uint32_t>(after_pcdata + kFuncdataInlTree * 4, header_.endian, &off) ||
        off == UINT32_MAX)
      return std::nullopt;
    return *gofunc_ + off;
  }
  // Before 1.18: pointer-aligned (by address) absolute pointers; 0 is nil.
  uint64_t p = vaddr_ + after_pcdata;
  if (header_.ptr_size == 8 && (p & 4)) p += 4;
  uint64_t addr = 0;
  if (!data_.ReadWord(p - vaddr_ + kFuncdataInlTree * uint64_t{header_.ptr_size}, header_.ptr_size, header_.endian,
                      &addr) ||
      addr == 0)
    return std::nullopt;
  return addr;
}

std::vector<Frame> Pclntab::Frames(const AddressSpace& as, uint64_t pc, Diagnostics* diag) const {
  std::vector<Frame> frames;
  auto it = std::upper_bound(functions_.begin(), functions_.end(), pc,
                             [](uint64_t v, const Function& f) { return v < f.entry; });
  if (it == functions_.begin()) return frames;
  --it;
  if (pc >= it->end) return frames;
  const size_t i = static_cast<size_t>(it - functions_.begin());
  const uint64_t fo = func_offs_[i];
  uint64_t cur = pc;
  if (std::optional<uint64_t> tree = InlineTree(as, fo)) {
    // inlinedCall: 16 bytes since Go 1.20 {funcID u8, pad, nameOff i32,
    // parentPc i32, startLine i32}; 20 before {parent i16, funcID u8, pad,
    // file i32, line i32, func_ i32, parentPc i32} (runtime/symtabinl.go, symtab.go).
    const bool go120 = header_.version == PclnVersion::kGo120;
    const uint64_t rec = go120 ? 16 : 20;
    const uint64_t name_at = go120 ? 4 : 12, parent_at = go120 ? 8 : 16;
    std::optional<int32_t> ix = PcData(fo, kPcdataInlTreeIndex, it->entry, cur, diag);
    int depth = 0;
    for (; ix && *ix >= 0 && depth < kMaxInlineDepth; ++depth) {
      ByteView r = as.Read(*tree + uint64_t(*ix) * rec, rec);
      uint32_t nameoff = 0, parent_pc = 0;
      if (!r.ReadInt<uint32_t>(name_at, header_.endian, &nameoff) ||
          !r.ReadInt<uint32_t>(parent_at, header_.endian, &parent_pc)) {
        if (diag) diag->Warn("inline tree of " + std::string(it->name) + ": entry " + std::to_string(*ix) + " at " +
                             Hex(*tree + uint64_t(*ix) * rec) + " is not in the file");
        break;
      }
      bool nul = false;
      std::string_view name = funcnametab_.CString(nameoff, kMaxNameLength, &nul);
      frames.push_back(Frame{nul ? name : std::string_view(), PositionAt(i, cur, diag), true});
      // parentPc is an offset from the entry to an instruction of the caller's scope.
      if (parent_pc >= it->end - it->entry) {
        if (diag) diag->Warn("inline tree of " + std::string(it->name) + ": parentPc " + Hex(parent_pc) +
                             " outside the function");
        break;
      }
      cur = it->entry + parent_pc;
      ix = PcData(fo, kPcdataInlTreeIndex, it->entry, cur, diag);
    }
    if (depth == kMaxInlineDepth && diag)
      diag->Warn("inline tree of " + std::string(it->name) + ": deeper than " + std::to_string(kMaxInlineDepth));
  } else if (Is118Plus(header_.version) && !gofunc_ && diag) {
    diag->Warn("inlined frames unknown: no moduledata.gofunc (the base of funcdata offsets)");
  }
  frames.push_back(Frame{it->name, PositionAt(i, cur, diag), false});
  return frames;
}

std::optional<Location> Pclntab::Lookup(uint64_t pc, Diagnostics* diag) const {
  // The last function whose entry is <= pc (functab order is entry order in a valid table).
  auto it = std::upper_bound(functions_.begin(), functions_.end(), pc,
                             [](uint64_t v, const Function& f) { return v < f.entry; });
  if (it == functions_.begin()) return std::nullopt;
  --it;
  if (pc >= it->end) return std::nullopt;
  size_t i = static_cast<size_t>(it - functions_.begin());
  Location loc;
  loc.function = &*it;
  loc.pos = PositionAt(i, pc, diag);
  return loc;
}

namespace {

// Where the pclntab is: its bytes, address, header and how it was found.
struct LocatedPclntab {
  ByteView data;
  uint64_t vaddr = 0;
  PclnSource source = PclnSource::kSection;
  PclnHeader header;
};

// few: the caller reads the header and the first functab entry only (the
// moduledata search), so a large table's pages are not brought in ahead.
Result<LocatedPclntab> LocatePclntab(const AddressSpace& as, Diagnostics& diag, bool few = false) {
  auto read = [&](uint64_t vaddr, uint64_t len) { return few ? as.ReadFew(vaddr, len) : as.Read(vaddr, len); };
  ByteView data;
  uint64_t vaddr = 0;
  PclnSource source = PclnSource::kSection;
  std::optional<PclnHeader> header;

  // 1. A named section (ELF, RELRO ELF, Mach-O).
  for (std::string_view name : {".gopclntab", ".data.rel.ro.gopclntab", "__gopclntab"}) {
    const MemRegion* r = as.FindSection(name);
    if (!r || r->size == 0) continue;
    ByteView v = read(r->vaddr, r->size);
    if (v.size() < r->size)
      diag.Warn("section " + std::string(name) + ": only " + Hex(v.size()) + " of " + Hex(r->size) +
                " bytes are in the file");
    auto h_or = ParseHeader(v);
    if (!h_or) {
      diag.Warn("section " + std::string(name) + " does not start with a pclntab header");
      continue;
    }
    if (!h_or->ok()) return Error{"section " + std::string(name) + ": " + h_or->error().message};
    data = v, vaddr = r->vaddr, header = h_or->value();
    break;
  }
  // 2. The runtime.pclntab symbol, up to runtime.epclntab when that is known.
  if (!header) {
    if (auto sym = as.Symbol("runtime.pclntab")) {
      uint64_t len = kMaxPclntabBytes;
      if (auto end = as.Symbol("runtime.epclntab"); end && *end > *sym) len = std::min(len, *end - *sym);
      ByteView v = read(*sym, len);
      auto h_or = ParseHeader(v);
      if (h_or && h_or->ok()) {
        data = v, vaddr = *sym, header = h_or->value(), source = PclnSource::kSymbol;
      } else {
        diag.Warn("symbol runtime.pclntab at " + Hex(*sym) + ": " +
                  (h_or ? h_or->error().message : std::string("no pclntab header")));
      }
    }
  }
  // 3. A scan of non-executable segments, read-only ones first (where the
  // linker puts the pclntab), then writable ones (RELRO, external linking).
  if (!header) {
    uint64_t scanned = 0, candidates = 0;
    const std::vector<MemRegion>& regions = as.Segments().empty() ? as.Sections() : as.Segments();
    for (bool writable : {false, true}) {
      for (const MemRegion& r : regions) {
        if (header || r.exec || r.write != writable || scanned >= kMaxScanBytes || candidates >= kMaxScanCandidates)
          continue;
        uint64_t len = std::min(r.size, kMaxScanBytes - scanned);
        ByteView v = as.Read(r.vaddr, len);
        scanned += len;
        // The linker aligns the pclntab to at least 4 bytes (by address).
        uint64_t start = (4 - r.vaddr % 4) % 4;
        for (uint64_t off = start; off + 8 <= v.size() && candidates < kMaxScanCandidates; off += 4) {
          if (!LooksLikeMagic(v, off)) continue;
          ByteView rest = v.From(off);
          auto h_or = ParseHeader(rest);
          if (!h_or) continue;
          ++candidates;
          if (!h_or->ok() || (*h_or)->nfunc == 0 || !FunctabSorted(rest, **h_or, kScanSortCheck)) continue;
          data = rest, vaddr = r.vaddr + off, header = h_or->value(), source = PclnSource::kScan;
          break;
        }
        if (header) break;
      }
    }
    if (!header) {
      if (candidates >= kMaxScanCandidates)
        return Error{"no valid pclntab among the first " + std::to_string(kMaxScanCandidates) + " magic matches"};
      return Error{"no pclntab found (no .gopclntab section, runtime.pclntab symbol or valid magic)"};
    }
  }

  return LocatedPclntab{data, vaddr, source, *header};
}

// moduledata for a located pclntab (FindModuledata's inputs): the first
// functab entry is a u32 offset from text since Go 1.18, an absolute
// uintptr before.
std::optional<Moduledata> ModuledataOf(const AddressSpace& as, const LocatedPclntab& l) {
  uint64_t ftab0 = 0;
  if (Is118Plus(l.header.version)) {
    uint32_t off = 0;
    (void)l.data.ReadInt<uint32_t>(l.header.functab_off, l.header.endian, &off);
    ftab0 = off;
  } else if (!l.data.ReadWord(l.header.functab_off, l.header.ptr_size, l.header.endian, &ftab0)) {
    return std::nullopt;
  }
  return FindModuledata(as, l.vaddr, Is118Plus(l.header.version), ftab0, l.header.version);
}

}  // namespace

Result<Moduledata> ReadModuledata(const AddressSpace& as, Diagnostics& diag) {
  Result<LocatedPclntab> l = LocatePclntab(as, diag, /*few=*/true);
  if (!l) return l.error();
  std::optional<Moduledata> md = ModuledataOf(as, *l);
  if (!md) return Error{"no moduledata found (no .go.module section, runtime.firstmoduledata symbol or valid pointer)"};
  return *md;
}

Result<Pclntab> ReadPclntab(const AddressSpace& as, Diagnostics& diag, std::optional<Moduledata>* md_out) {
  Result<LocatedPclntab> located = LocatePclntab(as, diag);
  if (!located) return located.error();
  const ByteView data = located->data;
  const uint64_t vaddr = located->vaddr;
  const PclnSource source = located->source;
  const std::optional<PclnHeader> header = located->header;

  // The text base for Go 1.18+ entry offsets, and from moduledata the
  // textsectmap and gofunc (the base of funcdata offsets, for inline trees).
  std::optional<uint64_t> text_base;
  TextBaseSource tsource = TextBaseSource::kNotNeeded;
  std::optional<Moduledata> md;
  std::vector<TextSection> textsects;
  md = ModuledataOf(as, *located);
  if (Is118Plus(header->version)) {
    if (auto t = as.Symbol("runtime.text")) {
      text_base = *t, tsource = TextBaseSource::kSymbol;
    } else if (md) {
      text_base = md->text, tsource = TextBaseSource::kModuledata;
    } else {
      tsource = TextBaseSource::kHeader;
    }
    if (md && md->textsects.size() > 1 && (!text_base || *text_base == md->text)) textsects = md->textsects;
  }
  auto t_or = Pclntab::Parse(data, vaddr, text_base, diag, std::move(textsects));
  if (!t_or) return Error{"no pclntab header at " + Hex(vaddr)};  // unreachable: the header parsed above
  if (!t_or->ok()) return t_or->error();
  Pclntab t = std::move(t_or->value());
  t.source_ = source;
  t.text_base_source_ = tsource;
  if (Is118Plus(header->version)) {
    if (md && md->gofunc) {
      t.set_gofunc(*md->gofunc, GofuncSource::kModuledata);
    } else {
      // The linker's symbol for the funcdata blob: "go:func.*" since 1.20, "go.func.*" in 1.18-1.19.
      for (std::string_view name : {"go:func.*", "go.func.*"})
        if (auto g = as.Symbol(name)) {
          t.set_gofunc(*g, GofuncSource::kSymbol);
          break;
        }
    }
  }
  if (md_out) *md_out = std::move(md);
  return t;
}

}  // namespace exray::go
