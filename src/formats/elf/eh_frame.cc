// FDE code ranges from .eh_frame_hdr's search table, else from a walk of .eh_frame.
// Layouts: LSB 5.0 "Exception Frames" (refspecs.linuxfoundation.org/LSB_5.0.0/
// LSB-Core-generic/LSB-Core-generic/ehframechpt.html) and DWARF 4 section 6.4.1.
#include "formats/elf/eh_frame.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <unordered_map>
#include <utility>

#include "formats/elf/raw.h"
#include "support/checked.h"
#include "support/escape.h"

namespace exray::elf {

namespace {

// DW_EH_PE pointer encodings (LSB "DWARF Exception Header Encoding"): the low
// nibble is the value's format, bits 4-6 what it is relative to, bit 7 indirect.
constexpr uint8_t DW_EH_PE_absptr = 0x00, DW_EH_PE_uleb128 = 0x01, DW_EH_PE_udata2 = 0x02,
                  DW_EH_PE_udata4 = 0x03, DW_EH_PE_udata8 = 0x04, DW_EH_PE_signed = 0x08,
                  DW_EH_PE_sleb128 = 0x09, DW_EH_PE_sdata2 = 0x0a, DW_EH_PE_sdata4 = 0x0b,
                  DW_EH_PE_sdata8 = 0x0c;
constexpr uint8_t DW_EH_PE_pcrel = 0x10, DW_EH_PE_textrel = 0x20, DW_EH_PE_datarel = 0x30,
                  DW_EH_PE_funcrel = 0x40, DW_EH_PE_aligned = 0x50;
constexpr uint8_t DW_EH_PE_indirect = 0x80, DW_EH_PE_omit = 0xff;
constexpr int64_t DT_PLTGOT = 3;

// Unwind records and the virtual address of their first byte (pcrel pointers
// are relative to the address of the field they are read from).
struct Area {
  ByteView data;
  uint64_t addr = 0;
};

// What DW_EH_PE_textrel and DW_EH_PE_datarel are relative to, when known.
struct Bases {
  std::optional<uint64_t> text, data;
};

struct Cie {
  bool ok = false;
  uint8_t fde_enc = DW_EH_PE_absptr;  // how FDEs that use this CIE encode pc_begin
};

// One CIE or FDE record: [off, end) of its area, content from after the length.
struct Record {
  uint64_t off = 0, content = 0, end = 0;
  uint32_t id = 0;  // 0 for a CIE, else the FDE's CIE pointer
};
enum class RecordStatus { kOk, kTerminator, kBad };

// Size in bytes of a fixed-size value format; 0 for LEB128 and unknown formats.
uint64_t FixedSize(uint8_t enc, bool is64) {
  switch (enc & 0x0f) {
    case DW_EH_PE_absptr: case DW_EH_PE_signed: return is64 ? 8 : 4;
    case DW_EH_PE_udata2: case DW_EH_PE_sdata2: return 2;
    case DW_EH_PE_udata4: case DW_EH_PE_sdata4: return 4;
    case DW_EH_PE_udata8: case DW_EH_PE_sdata8: return 8;
    default: return 0;
  }
}

// Whether a pc_begin encoding can be read here: a known format and an
// application whose base is known. Indirect pointers point at the value,
// which for pc_begin no producer emits.
bool CanRead(uint8_t enc, const Bases& b, bool is64) {
  if (enc == DW_EH_PE_omit || (enc & DW_EH_PE_indirect)) return false;
  uint8_t format = enc & 0x0f;
  if (FixedSize(enc, is64) == 0 && format != DW_EH_PE_uleb128 && format != DW_EH_PE_sleb128) return false;
  switch (enc & 0x70) {
    case DW_EH_PE_absptr: case DW_EH_PE_pcrel: case DW_EH_PE_funcrel: case DW_EH_PE_aligned: return true;
    case DW_EH_PE_textrel: return b.text.has_value();
    case DW_EH_PE_datarel: return b.data.has_value();
    default: return false;
  }
}

// Reads one DW_EH_PE-encoded value at r's offset, where r's view starts at
// address view_addr. With apply false only the format is read (pc_range, a
// skipped personality pointer); the indirect bit is ignored: the result is
// the address holding the pointer. Results are truncated to the address size.
bool ReadEncoded(Reader& r, uint64_t view_addr, uint8_t enc, const Bases& b, bool is64, bool apply,
                 uint64_t* out) {
  const uint64_t mask = is64 ? ~uint64_t{0} : 0xffffffffu;
  // Nearly every producer uses pcrel|sdata4 for pc_begin and datarel|sdata4
  // for the search table: read those without the general switches.
  if (apply && (enc == (DW_EH_PE_pcrel | DW_EH_PE_sdata4) || (enc == (DW_EH_PE_datarel | DW_EH_PE_sdata4) && b.data))) {
    uint64_t base = enc == (DW_EH_PE_pcrel | DW_EH_PE_sdata4) ? view_addr + r.offset() : *b.data;
    auto v = static_cast<int32_t>(r.U32());
    if (!r.ok()) return false;
    *out = (base + static_cast<uint64_t>(int64_t{v})) & mask;
    return true;
  }
  if (enc == DW_EH_PE_omit) return false;
  uint8_t app = enc & 0x70;
  if (app == DW_EH_PE_aligned) {
    // The value is a pointer aligned to the address size (libgcc read_encoded_value_with_base).
    uint64_t w = is64 ? 8 : 4, field = view_addr + r.offset();
    r.Skip((w - field % w) % w);
    enc = DW_EH_PE_absptr;
  }
  uint64_t field = view_addr + r.offset();  // wraps like the target's address arithmetic
  uint64_t v = 0;
  switch (enc & 0x0f) {
    case DW_EH_PE_absptr: v = r.Word(is64); break;
    case DW_EH_PE_signed: v = is64 ? r.U64() : static_cast<uint64_t>(static_cast<int32_t>(r.U32())); break;
    case DW_EH_PE_udata2: v = r.U16(); break;
    case DW_EH_PE_udata4: v = r.U32(); break;
    case DW_EH_PE_udata8: v = r.U64(); break;
    case DW_EH_PE_sdata2: v = static_cast<uint64_t>(static_cast<int16_t>(r.U16())); break;
    case DW_EH_PE_sdata4: v = static_cast<uint64_t>(static_cast<int32_t>(r.U32())); break;
    case DW_EH_PE_sdata8: v = r.U64(); break;
    case DW_EH_PE_uleb128:
      if (!r.Uleb128(&v)) return false;
      break;
    case DW_EH_PE_sleb128: {
      int64_t s = 0;
      if (!r.Sleb128(&s)) return false;
      v = static_cast<uint64_t>(s);
      break;
    }
    default: return false;
  }
  if (!r.ok()) return false;
  if (apply) {
    switch (app) {
      case DW_EH_PE_absptr: case DW_EH_PE_aligned: break;
      case DW_EH_PE_pcrel: v += field; break;
      case DW_EH_PE_textrel:
        if (!b.text) return false;
        v += *b.text;
        break;
      case DW_EH_PE_datarel:
        if (!b.data) return false;
        v += *b.data;
        break;
      // Relative to the function's start, which for pc_begin is the value
      // being read: no base to add (libgcc and LLVM libunwind refuse it).
      case DW_EH_PE_funcrel: break;
      default: return false;
    }
  }
  *out = v & mask;
  return true;
}

bool RangeLess(const FdeRange& a, const FdeRange& b) {
  return a.begin != b.begin ? a.begin < b.begin : a.size < b.size;
}

// Sorts by begin, then size. The search table gives sorted ranges; a walk of
// .eh_frame gives hundreds of ascending runs (595 in libLLVM-14.so's 95k FDEs),
// where std::sort took most of the walk's time. An LSD radix sort on begin,
// skipping the bytes every range shares, is linear and stable.
void SortRanges(std::vector<FdeRange>* v) {
  if (std::is_sorted(v->begin(), v->end(), RangeLess)) return;
  if (v->size() < 1024) {
    std::sort(v->begin(), v->end(), RangeLess);
    return;
  }
  uint64_t any = 0, all = ~uint64_t{0};
  for (const FdeRange& r : *v) {
    any |= r.begin;
    all &= r.begin;
  }
  const uint64_t varying = any ^ all;
  std::vector<FdeRange> tmp(v->size());
  for (int shift = 0; shift < 64; shift += 8) {
    if (((varying >> shift) & 0xff) == 0) continue;
    size_t start[257] = {};
    for (const FdeRange& r : *v) ++start[((r.begin >> shift) & 0xff) + 1];
    for (int d = 0; d < 256; ++d) start[d + 1] += start[d];
    for (const FdeRange& r : *v) tmp[start[(r.begin >> shift) & 0xff]++] = r;
    v->swap(tmp);
  }
  // Ranges sharing a begin: by size.
  for (size_t i = 0, j; i < v->size(); i = j) {
    for (j = i + 1; j < v->size() && (*v)[j].begin == (*v)[i].begin;) ++j;
    if (j - i > 1) std::sort(v->begin() + i, v->begin() + j, RangeLess);
  }
}

class FdeReader {
 public:
  FdeReader(const File& f, Diagnostics* diag) : f_(f), diag_(diag), is64_(f.header.is64), endian_(f.header.endian) {
    if (const Section* text = f.FindSection(".text")) text_base_ = text->addr;
    // In .eh_frame, datarel is relative to the GOT, which the unwinder takes
    // from DT_PLTGOT (libgcc unwind-dw2-fde-dip.c); in .eh_frame_hdr it is
    // relative to the header itself (LSB "eh_frame_hdr").
    for (const DynamicEntry& e : f.dynamic)
      if (e.tag == DT_PLTGOT) got_ = e.value;
  }

  EhFrameRanges Run() {
    EhFrameRanges r;
    // In a relocatable object pc_begin is filled by relocations, not applied
    // here: the fields read as offsets from the .eh_frame section itself.
    if (f_.header.type == ET_REL) return r;
    if (FromHeader()) r.from = ".eh_frame_hdr";
    else if (Walk()) r.from = ".eh_frame";
    if (unreported_ && diag_)
      diag_->Warn(fmt::format("unwind tables: {} more damaged records not described", unreported_));
    SortRanges(&out_);
    out_.erase(std::unique(out_.begin(), out_.end(),
                           [](const FdeRange& a, const FdeRange& b) { return a.begin == b.begin && a.size == b.size; }),
               out_.end());
    r.fdes = std::move(out_);
    return r;
  }

 private:
  template <typename... Args>
  void Damage(fmt::format_string<Args...> format, Args&&... args) {
    if (warned_ >= kMaxDetailedWarnings) {
      ++unreported_;
      return;
    }
    ++warned_;
    if (diag_) diag_->Warn(fmt::format(format, std::forward<Args>(args)...));
  }

  Bases EhFrameBases() const { return Bases{text_base_, got_}; }

  // The .eh_frame bytes that eh_frame_ptr points into: the .eh_frame section
  // holding it, else the rest of the PT_LOAD segment's file image from it on
  // (a file without section headers). *start is eh_frame_ptr's offset in it.
  Area EhFrameArea(uint64_t ptr, uint64_t* start) const {
    *start = 0;
    for (const Section& s : f_.sections)
      if (s.name == ".eh_frame" && s.in_file && ptr >= s.addr && ptr - s.addr < s.size) {
        *start = ptr - s.addr;
        return Area{f_.SectionData(s), s.addr};
      }
    for (const Segment& p : f_.segments) {
      if (p.type != PT_LOAD || ptr < p.vaddr || ptr - p.vaddr >= p.filesz) continue;
      auto off = CheckedAdd(p.offset, ptr - p.vaddr);
      if (!off || *off >= f_.bytes.size()) continue;
      uint64_t len = std::min(p.filesz - (ptr - p.vaddr), f_.bytes.size() - *off);  // a truncated file
      return Area{f_.Load(*off, len), ptr};
    }
    return {};
  }

  // Reads the length and id of the record at off.
  RecordStatus ReadRecord(const Area& a, uint64_t off, std::string_view where, Record* rec) {
    Reader r(a.data, endian_, off);
    uint64_t len = r.U32();
    if (r.ok() && len == 0) return RecordStatus::kTerminator;
    if (len == 0xffffffff) len = r.U64();  // the 64-bit DWARF format
    if (!r.ok()) {
      Damage("{}: record at offset {:#x} is truncated (section size {:#x})", where, off, a.data.size());
      return RecordStatus::kBad;
    }
    rec->off = off;
    rec->content = r.offset();
    if (len > a.data.size() - rec->content) {
      Damage("{}: record at offset {:#x}: length {:#x} runs past the end (size {:#x})", where, off, len,
             a.data.size());
      return RecordStatus::kBad;
    }
    if (len < 4) {
      Damage("{}: record at offset {:#x}: length {} leaves no room for the CIE id", where, off, len);
      return RecordStatus::kBad;
    }
    rec->end = rec->content + len;
    // The CIE id / CIE pointer stays 4 bytes in .eh_frame even in the 64-bit
    // format (LSB; LLVM libunwind DwarfParser and DWARFDebugFrame read it so).
    a.data.ReadInt<uint32_t>(rec->content, endian_, &rec->id);
    return RecordStatus::kOk;
  }

  Cie ParseCie(const Area& a, uint64_t cie_off, uint64_t fde_off, std::string_view where) {
    Cie c;
    Record rec;
    if (ReadRecord(a, cie_off, where, &rec) != RecordStatus::kOk || rec.id != 0) {
      Damage("{}: FDE at offset {:#x}: its CIE pointer leads to offset {:#x}, which holds no CIE", where, fde_off,
             cie_off);
      return c;
    }
    ByteView body = a.data.Sub(0, rec.end);
    Reader r(body, endian_, rec.content + 4);
    uint8_t version = r.U8();
    if (!r.ok()) {
      Damage("{}: CIE at offset {:#x} is truncated", where, cie_off);
      return c;
    }
    if (version != 1 && version != 3 && version != 4) {
      Damage("{}: CIE at offset {:#x}: version {} is not 1, 3 or 4", where, cie_off, version);
      return c;
    }
    std::string_view aug;
    if (!r.CString(kMaxAugmentationLength, &aug)) {
      Damage("{}: CIE at offset {:#x}: augmentation string is not terminated within {} bytes", where, cie_off,
             kMaxAugmentationLength);
      return c;
    }
    if (aug == "eh") r.Skip(is64_ ? 8 : 4);  // GCC before 3.0: a pointer to the exception table
    if (version == 4) r.Skip(2);              // address_size, segment_selector_size (DWARF 4)
    uint64_t code_align = 0, ra = 0;
    int64_t data_align = 0;
    bool fields = r.Uleb128(&code_align) && r.Sleb128(&data_align);
    if (version == 1) ra = r.U8();
    else fields = fields && r.Uleb128(&ra);
    if (!fields || !r.ok()) {
      Damage("{}: CIE at offset {:#x} is truncated", where, cie_off);
      return c;
    }
    if (!aug.empty() && aug != "eh") {
      if (aug[0] != 'z') {
        Damage("{}: CIE at offset {:#x}: augmentation \"{}\" is not supported", where, cie_off, EscapeTerminal(aug));
        return c;
      }
      // 'z': the augmentation data's length, then one field per letter.
      uint64_t len = 0;
      if (!r.Uleb128(&len) || len > rec.end - r.offset()) {
        Damage("{}: CIE at offset {:#x}: augmentation data runs past the record", where, cie_off);
        return c;
      }
      Reader d(body.Sub(0, r.offset() + len), endian_, r.offset());
      bool known = true, have_r = false;
      for (char letter : aug.substr(1)) {
        uint64_t ignored = 0;
        if (letter == 'R') {
          c.fde_enc = d.U8();
          have_r = true;
        } else if (letter == 'L') {
          d.U8();  // LSDA encoding
        } else if (letter == 'P') {
          uint8_t penc = d.U8();  // personality routine: encoding, then the pointer
          if (!ReadEncoded(d, a.addr, penc, EhFrameBases(), is64_, /*apply=*/false, &ignored)) {
            Damage("{}: CIE at offset {:#x}: personality pointer (encoding {:#04x}) is unreadable", where, cie_off,
                   penc);
            return c;
          }
        } else if (letter != 'S' && letter != 'B' && letter != 'G') {
          known = false;  // S: signal frame; B: AArch64 BTI; G: AArch64 MTE. Others end what can be read.
          break;
        }
      }
      if (!d.ok()) {
        Damage("{}: CIE at offset {:#x}: augmentation data is truncated", where, cie_off);
        return c;
      }
      if (!known && !have_r) {
        Damage("{}: CIE at offset {:#x}: augmentation \"{}\" is not supported", where, cie_off, EscapeTerminal(aug));
        return c;
      }
    }
    if (!CanRead(c.fde_enc, EhFrameBases(), is64_)) {
      Damage("{}: CIE at offset {:#x}: FDE pointer encoding {:#04x} is not supported", where, cie_off, c.fde_enc);
      return c;
    }
    c.ok = true;
    return c;
  }

  // Each CIE is parsed once: most FDEs share one or two.
  Cie GetCie(const Area& a, uint64_t cie_off, uint64_t fde_off, std::string_view where) {
    if (cie_off == last_cie_off_) return last_cie_;
    auto it = cies_.find(cie_off);
    Cie c;
    if (it != cies_.end()) {
      c = it->second;
    } else {
      c = ParseCie(a, cie_off, fde_off, where);
      if (cies_.size() < kMaxCies) cies_.emplace(cie_off, c);
    }
    last_cie_off_ = cie_off;
    last_cie_ = c;
    return c;
  }

  void ClearCies() {
    // A fresh map, not clear(): clear() zeroes every bucket of a map a
    // crafted section grew, once per .eh_frame section walked.
    if (!cies_.empty()) cies_ = std::unordered_map<uint64_t, Cie>();
    last_cie_off_ = UINT64_MAX;
  }

  // Reads pc_begin and pc_range of the FDE rec; expected is the search table's
  // initial location for it, when it came from there.
  void ReadFde(const Area& a, const Record& rec, std::string_view where, std::optional<uint64_t> expected) {
    if (rec.id > rec.content) {
      Damage("{}: FDE at offset {:#x}: CIE pointer {:#x} leads before the start", where, rec.off, rec.id);
      return;
    }
    Cie cie = GetCie(a, rec.content - rec.id, rec.off, where);
    if (!cie.ok) return;
    Reader r(a.data.Sub(0, rec.end), endian_, rec.content + 4);
    uint64_t begin = 0, range = 0;
    if (!ReadEncoded(r, a.addr, cie.fde_enc, EhFrameBases(), is64_, /*apply=*/true, &begin) ||
        !ReadEncoded(r, a.addr, cie.fde_enc & 0x0f, EhFrameBases(), is64_, /*apply=*/false, &range)) {
      Damage("{}: FDE at offset {:#x} is truncated", where, rec.off);
      return;
    }
    if (expected && *expected != begin)
      Damage("{}: FDE at offset {:#x}: pc_begin {:#x} but the search table says {:#x}", where, rec.off, begin,
             *expected);
    if (range != 0) out_.push_back(FdeRange{begin, range});
  }

  // Reads the FDEs through the search table; false (nothing read) when there
  // is no usable header or table, so that .eh_frame is walked instead.
  bool FromHeader() {
    Area hdr;
    std::string_view where = ".eh_frame_hdr";
    if (const Section* s = f_.FindSection(".eh_frame_hdr"); s && s->in_file) {
      hdr = Area{f_.SectionData(*s), s->addr};
    } else if (const Segment* p = f_.FindSegment(PT_GNU_EH_FRAME)) {
      hdr = Area{f_.Load(p->offset, p->filesz), p->vaddr};
      where = "PT_GNU_EH_FRAME";
      if (hdr.data.empty() && p->filesz) Damage("PT_GNU_EH_FRAME is outside the file");
    }
    if (hdr.data.empty()) return false;
    // struct { u8 version, eh_frame_ptr_enc, fde_count_enc, table_enc; encoded
    // eh_frame_ptr, fde_count; {initial_loc, fde_address}[fde_count] }.
    Reader r(hdr.data, endian_);
    uint8_t version = r.U8(), ptr_enc = r.U8(), count_enc = r.U8(), table_enc = r.U8();
    const Bases bases{text_base_, hdr.addr};
    uint64_t ptr = 0, count = 0;
    if (!r.ok() || !ReadEncoded(r, hdr.addr, ptr_enc, bases, is64_, /*apply=*/true, &ptr)) {
      Damage("{}: header is truncated or has an unreadable eh_frame_ptr", where);
      return false;
    }
    if (version != 1) {
      Damage("{}: version {} is not 1", where, version);
      return false;
    }
    eh_frame_ptr_ = ptr;
    if (count_enc == DW_EH_PE_omit || table_enc == DW_EH_PE_omit) return false;  // no table: walk
    const uint64_t width = FixedSize(table_enc, is64_);
    if (!ReadEncoded(r, hdr.addr, count_enc, bases, is64_, /*apply=*/true, &count) || width == 0 ||
        !CanRead(table_enc, bases, is64_)) {
      Damage("{}: fde_count (encoding {:#04x}) or table encoding {:#04x} is unreadable", where, count_enc, table_enc);
      return false;
    }
    const uint64_t room = r.remaining() / (2 * width);
    if (count > room) {
      Damage("{}: fde_count {} but the table has room for {}", where, count, room);
      count = room;
    }
    if (count > kMaxFdes) {
      Damage("{}: fde_count {}: only the first {} are read", where, count, kMaxFdes);
      count = kMaxFdes;
    }
    uint64_t start = 0;
    Area eh = EhFrameArea(ptr, &start);
    if (eh.data.empty()) {
      Damage("{}: eh_frame_ptr {:#x} is not in the file", where, ptr);
      return false;
    }
    out_.reserve(count);
    records_ += count;
    for (uint64_t i = 0; i < count; ++i) {
      uint64_t initial = 0, fde = 0;
      if (!ReadEncoded(r, hdr.addr, table_enc, bases, is64_, /*apply=*/true, &initial) ||
          !ReadEncoded(r, hdr.addr, table_enc, bases, is64_, /*apply=*/true, &fde))
        break;  // cannot happen: count fits the table and the encoding is readable
      if (fde < eh.addr || fde - eh.addr >= eh.data.size()) {
        Damage("{}: entry {}: FDE address {:#x} is outside .eh_frame", where, i, fde);
        continue;
      }
      Record rec;
      RecordStatus st = ReadRecord(eh, fde - eh.addr, ".eh_frame", &rec);
      if (st == RecordStatus::kBad) continue;
      if (st == RecordStatus::kTerminator || rec.id == 0) {
        Damage("{}: entry {}: {:#x} is not an FDE", where, i, fde);
        continue;
      }
      ReadFde(eh, rec, ".eh_frame", initial);
    }
    return true;
  }

  // Walks every record of each .eh_frame section (or, without section
  // headers, of the area eh_frame_ptr leads to) up to a zero terminator.
  bool Walk() {
    bool any = false;
    for (const Section& s : f_.sections) {
      if (s.name != ".eh_frame" || s.type == SHT_NOBITS) continue;
      any = true;
      if (!s.in_file) {
        Damage("section {} (.eh_frame) is outside the file", s.index);
        continue;
      }
      WalkArea(Area{f_.SectionData(s), s.addr}, 0);
    }
    if (!any && eh_frame_ptr_) {
      uint64_t start = 0;
      Area a = EhFrameArea(*eh_frame_ptr_, &start);
      if (a.data.empty()) Damage("eh_frame_ptr {:#x} is not in the file", *eh_frame_ptr_);
      WalkArea(a, start);
      any = true;
    }
    return any;
  }

  void WalkArea(const Area& a, uint64_t off) {
    ClearCies();
    // A typical FDE takes 24-48 bytes; the reservation is a hint, not a cap.
    out_.reserve(out_.size() + std::min<uint64_t>((a.data.size() - std::min(off, a.data.size())) / 32, kMaxFdes));
    while (off < a.data.size()) {  // each record is at least 8 bytes long
      if (out_.size() >= kMaxFdes || records_ >= kMaxRecords) {
        Damage(".eh_frame: more than {} FDEs or {} records: the rest are ignored", kMaxFdes, kMaxRecords);
        return;
      }
      ++records_;
      Record rec;
      RecordStatus st = ReadRecord(a, off, ".eh_frame", &rec);
      if (st != RecordStatus::kOk) return;  // the terminator, or no way to find the next record
      if (rec.id != 0) ReadFde(a, rec, ".eh_frame", std::nullopt);
      off = rec.end;
    }
  }

  const File& f_;
  Diagnostics* diag_;
  const bool is64_;
  const Endian endian_;
  std::optional<uint64_t> text_base_, got_, eh_frame_ptr_;
  std::unordered_map<uint64_t, Cie> cies_;  // by offset in the current area
  uint64_t last_cie_off_ = UINT64_MAX;
  Cie last_cie_;
  uint64_t warned_ = 0, unreported_ = 0;
  uint64_t records_ = 0;  // against kMaxRecords
  std::vector<FdeRange> out_;
};

}  // namespace

EhFrameRanges ReadFdeRanges(const File& f, Diagnostics* diag) { return FdeReader(f, diag).Run(); }

}  // namespace exray::elf
