// Reads named struct layouts from DWARF 2-4 .debug_info: abbreviation tables,
// unit headers, and every DIE skipped by its forms' sizes (DWARF 4 §7.5).
#include "formats/dwarf/structs.h"

#include <algorithm>
#include <map>
#include <unordered_map>

#include <fmt/format.h>

#include "support/limits.h"

namespace exray::dwarf {

namespace {

// DWARF 4 §7.5.3-7.5.4, figures 18-21: the tags, attributes and forms read here.
constexpr uint64_t DW_TAG_member = 0x0d, DW_TAG_pointer_type = 0x0f, DW_TAG_structure_type = 0x13,
                   DW_TAG_typedef = 0x16;
constexpr uint64_t DW_AT_name = 0x03, DW_AT_byte_size = 0x0b, DW_AT_data_member_location = 0x38, DW_AT_type = 0x49;
constexpr uint64_t DW_FORM_addr = 0x01, DW_FORM_block2 = 0x03, DW_FORM_block4 = 0x04, DW_FORM_data2 = 0x05,
                   DW_FORM_data4 = 0x06, DW_FORM_data8 = 0x07, DW_FORM_string = 0x08, DW_FORM_block = 0x09,
                   DW_FORM_block1 = 0x0a, DW_FORM_data1 = 0x0b, DW_FORM_flag = 0x0c, DW_FORM_sdata = 0x0d,
                   DW_FORM_strp = 0x0e, DW_FORM_udata = 0x0f, DW_FORM_ref_addr = 0x10, DW_FORM_ref1 = 0x11,
                   DW_FORM_ref2 = 0x12, DW_FORM_ref4 = 0x13, DW_FORM_ref8 = 0x14, DW_FORM_ref_udata = 0x15,
                   DW_FORM_indirect = 0x16, DW_FORM_sec_offset = 0x17, DW_FORM_exprloc = 0x18,
                   DW_FORM_flag_present = 0x19, DW_FORM_ref_sig8 = 0x20;
// DWARF 5's forms (Go writes DWARF 5 from 1.25 on).
constexpr uint64_t DW_FORM_strx = 0x1a, DW_FORM_addrx = 0x1b, DW_FORM_ref_sup4 = 0x1c, DW_FORM_strp_sup = 0x1d,
                   DW_FORM_data16 = 0x1e, DW_FORM_line_strp = 0x1f, DW_FORM_implicit_const = 0x21,
                   DW_FORM_loclistx = 0x22, DW_FORM_rnglistx = 0x23, DW_FORM_ref_sup8 = 0x24, DW_FORM_strx1 = 0x25,
                   DW_FORM_strx2 = 0x26, DW_FORM_strx3 = 0x27, DW_FORM_strx4 = 0x28, DW_FORM_addrx1 = 0x29,
                   DW_FORM_addrx2 = 0x2a, DW_FORM_addrx3 = 0x2b, DW_FORM_addrx4 = 0x2c;
// DWARF 5 unit types whose header carries more than the compile unit's.
constexpr uint8_t DW_UT_type = 0x02, DW_UT_skeleton = 0x04, DW_UT_split_compile = 0x05, DW_UT_split_type = 0x06;
constexpr uint8_t DW_OP_plus_uconst = 0x23;

struct AttrSpec {
  uint64_t attr = 0, form = 0;
  int64_t implicit = 0;  // DW_FORM_implicit_const: the value, held in the abbreviation
};
struct Abbrev {
  uint64_t tag = 0;
  bool children = false;
  std::vector<AttrSpec> attrs;
};
using AbbrevTable = std::unordered_map<uint64_t, Abbrev>;

struct Unit {
  uint64_t die_start = 0, end = 0;  // offsets in .debug_info
  uint16_t version = 0;
  uint8_t addr_size = 0, offset_size = 0;
  const AbbrevTable* abbrevs = nullptr;
};

// One attribute's value, as far as it is kept.
struct Value {
  enum Kind { kNone, kUint, kString, kRef, kBlock } kind = kNone;
  uint64_t u = 0;
  std::string_view str;
  ByteView block;
};

struct Die {
  uint64_t tag = 0;
  bool children = false;
  std::string_view name;
  std::optional<uint64_t> byte_size, member_location, type_ref;
};

Result<AbbrevTable> ReadAbbrevTable(ByteView abbrev, uint64_t off) {
  if (off >= abbrev.size()) return MakeError(fmt::format("abbreviation offset 0x{:x} is outside .debug_abbrev", off));
  Reader r(abbrev, Endian::kLittle, off);
  AbbrevTable t;
  for (uint64_t n = 0;; ++n) {
    uint64_t code = 0;
    if (!r.Uleb128(&code)) return MakeError(fmt::format("abbreviation table at 0x{:x} is truncated", off));
    if (code == 0) return t;
    if (n >= kMaxDwarfAbbrevs)
      return MakeError(fmt::format("abbreviation table at 0x{:x}: more than {} entries", off, kMaxDwarfAbbrevs));
    Abbrev a;
    r.Uleb128(&a.tag);
    a.children = r.U8() != 0;
    for (uint64_t k = 0;; ++k) {
      AttrSpec s;
      r.Uleb128(&s.attr);
      r.Uleb128(&s.form);
      if (!r.ok()) return MakeError(fmt::format("abbreviation table at 0x{:x} is truncated", off));
      if (s.attr == 0 && s.form == 0) break;
      if (s.form == DW_FORM_implicit_const && !r.Sleb128(&s.implicit))
        return MakeError(fmt::format("abbreviation table at 0x{:x} is truncated", off));
      if (k >= kMaxDwarfAbbrevAttrs)
        return MakeError(fmt::format("abbreviation {} at 0x{:x}: more than {} attributes", code, off,
                                     kMaxDwarfAbbrevAttrs));
      a.attrs.push_back(s);
    }
    t.emplace(code, std::move(a));  // a repeated code keeps the first
  }
}

// Reads one attribute value of the given form at r; false on an unknown form
// or a read past the unit (r's view ends at the unit's end).
bool ReadForm(Reader& r, uint64_t form, const Unit& u, uint64_t unit_start, Value* v, bool indirect_ok = true) {
  *v = Value();
  auto uint = [&](uint64_t x) { v->kind = Value::kUint; v->u = x; };
  auto ref = [&](uint64_t x) {
    v->kind = Value::kRef;
    auto abs = CheckedAdd(unit_start, x);
    v->u = abs ? *abs : UINT64_MAX;
  };
  auto block = [&](uint64_t n) { v->kind = Value::kBlock; v->block = r.Bytes(n); };
  uint64_t x = 0;
  int64_t sx = 0;
  switch (form) {
    case DW_FORM_addr: uint(r.Word(u.addr_size == 8)); break;
    case DW_FORM_block1: block(r.U8()); break;
    case DW_FORM_block2: block(r.U16()); break;
    case DW_FORM_block4: block(r.U32()); break;
    case DW_FORM_block:
    case DW_FORM_exprloc: r.Uleb128(&x); block(x); break;
    case DW_FORM_data1: uint(r.U8()); break;
    case DW_FORM_data2: uint(r.U16()); break;
    case DW_FORM_data4: uint(r.U32()); break;
    case DW_FORM_data8: uint(r.U64()); break;
    case DW_FORM_sdata:
      r.Sleb128(&sx);
      uint(static_cast<uint64_t>(sx));
      break;
    case DW_FORM_udata: r.Uleb128(&x); uint(x); break;
    case DW_FORM_flag: uint(r.U8()); break;
    case DW_FORM_flag_present: uint(1); break;
    case DW_FORM_string:
      v->kind = Value::kString;
      r.CString(kMaxDwarfName, &v->str);
      break;
    case DW_FORM_strp:  // into .debug_str, which Go does not use: skipped
    case DW_FORM_sec_offset: r.Word(u.offset_size == 8); break;
    case DW_FORM_ref_addr:  // an offset from the start of .debug_info (DWARF 2: address-sized)
      v->kind = Value::kRef;
      v->u = r.Word(u.version == 2 ? u.addr_size == 8 : u.offset_size == 8);
      break;
    case DW_FORM_ref1: ref(r.U8()); break;
    case DW_FORM_ref2: ref(r.U16()); break;
    case DW_FORM_ref4: ref(r.U32()); break;
    case DW_FORM_ref8: ref(r.U64()); break;
    case DW_FORM_ref_udata: r.Uleb128(&x); ref(x); break;
    case DW_FORM_ref_sig8: r.U64(); break;
    // DWARF 5: indexes into .debug_str_offsets, .debug_addr and the list
    // sections, and supplementary-file references, are skipped by size.
    case DW_FORM_strx:
    case DW_FORM_addrx:
    case DW_FORM_loclistx:
    case DW_FORM_rnglistx: r.Uleb128(&x); break;
    case DW_FORM_strx1:
    case DW_FORM_addrx1: r.U8(); break;
    case DW_FORM_strx2:
    case DW_FORM_addrx2: r.U16(); break;
    case DW_FORM_strx3:
    case DW_FORM_addrx3: r.Bytes(3); break;
    case DW_FORM_strx4:
    case DW_FORM_addrx4:
    case DW_FORM_ref_sup4: r.U32(); break;
    case DW_FORM_ref_sup8: r.U64(); break;
    case DW_FORM_strp_sup:
    case DW_FORM_line_strp: r.Word(u.offset_size == 8); break;
    case DW_FORM_data16: r.Bytes(16); break;
    case DW_FORM_implicit_const: break;  // the value is the abbreviation's (ReadDie)
    case DW_FORM_indirect:
      // The form comes first in the data; an indirect naming indirect again is refused, so this recursion is one deep.
      if (!indirect_ok || !r.Uleb128(&x)) return false;
      return ReadForm(r, x, u, unit_start, v, false);
    default: return false;
  }
  return r.ok();
}

// The DIE at r; false with *why set when it cannot be read. A null entry has tag 0.
bool ReadDie(Reader& r, const Unit& u, uint64_t unit_start, Die* d, std::string* why) {
  *d = Die();
  uint64_t code = 0;
  if (!r.Uleb128(&code)) { *why = "truncated"; return false; }
  if (code == 0) return true;
  auto it = u.abbrevs->find(code);
  if (it == u.abbrevs->end()) { *why = fmt::format("abbreviation code {} is not in the table", code); return false; }
  const Abbrev& a = it->second;
  d->tag = a.tag;
  d->children = a.children;
  Value v;
  for (const AttrSpec& s : a.attrs) {
    if (!ReadForm(r, s.form, u, unit_start, &v)) {
      *why = r.ok() ? fmt::format("unknown form 0x{:x}", s.form) : "truncated";
      return false;
    }
    if (s.form == DW_FORM_implicit_const) {
      v.kind = Value::kUint;
      v.u = static_cast<uint64_t>(s.implicit);
    }
    switch (s.attr) {
      case DW_AT_name:
        if (v.kind == Value::kString) d->name = v.str;
        break;
      case DW_AT_byte_size:
        if (v.kind == Value::kUint) d->byte_size = v.u;
        break;
      case DW_AT_data_member_location:
        if (v.kind == Value::kUint) {
          d->member_location = v.u;
        } else if (v.kind == Value::kBlock && v.block.At(0) == DW_OP_plus_uconst) {
          // Older Go and C compilers: the expression DW_OP_plus_uconst N.
          Reader e(v.block, Endian::kLittle, 1);
          uint64_t n = 0;
          if (e.Uleb128(&n) && e.remaining() == 0) d->member_location = n;
        }
        break;
      case DW_AT_type:
        if (v.kind == Value::kRef) d->type_ref = v.u;
        break;
      default: break;
    }
  }
  return true;
}

class Walker {
 public:
  Walker(ByteView info, ByteView abbrev, Endian endian, Diagnostics* diag)
      : info_(info), abbrev_(abbrev), endian_(endian), diag_(diag) {}

  Result<std::vector<StructType>> Run(const std::vector<std::string>& names);

 private:
  void Warn(std::string m) {
    if (diag_) diag_->Warn(".debug_info: " + std::move(m));
  }
  const AbbrevTable* Table(uint64_t off, std::string* why);
  // The type a member refers to: its name and byte size (through typedefs).
  void ResolveType(uint64_t ref, Member* m);
  const Unit* UnitOf(uint64_t off) const;

  ByteView info_, abbrev_;
  Endian endian_;
  Diagnostics* diag_;
  std::map<uint64_t, AbbrevTable> tables_;
  std::vector<Unit> units_;
  std::vector<uint64_t> unit_starts_;  // the header's offset, for CU-relative references
};

const AbbrevTable* Walker::Table(uint64_t off, std::string* why) {
  if (auto it = tables_.find(off); it != tables_.end()) return &it->second;
  if (tables_.size() >= kMaxDwarfAbbrevTables) {
    *why = fmt::format("more than {} abbreviation tables", kMaxDwarfAbbrevTables);
    return nullptr;
  }
  auto t = ReadAbbrevTable(abbrev_, off);
  if (!t) {
    *why = t.error().message;
    return nullptr;
  }
  return &tables_.emplace(off, std::move(*t)).first->second;
}

const Unit* Walker::UnitOf(uint64_t off) const {
  auto it = std::upper_bound(units_.begin(), units_.end(), off,
                             [](uint64_t o, const Unit& u) { return o < u.die_start; });
  if (it == units_.begin()) return nullptr;
  --it;
  return off < it->end ? &*it : nullptr;
}

void Walker::ResolveType(uint64_t ref, Member* m) {
  for (uint64_t step = 0; step < kMaxDwarfTypeChain; ++step) {
    const Unit* u = UnitOf(ref);
    if (!u) return;
    Reader r(info_.Sub(0, u->end), endian_, ref);
    Die d;
    std::string why;
    const uint64_t unit_start = unit_starts_[static_cast<size_t>(u - units_.data())];
    if (!ReadDie(r, *u, unit_start, &d, &why) || d.tag == 0) return;
    if (step == 0) m->type_name = std::string(d.name);
    if (d.byte_size) {
      m->type_size = d.byte_size;
      return;
    }
    if (d.tag == DW_TAG_pointer_type) {
      m->type_size = u->addr_size;
      return;
    }
    if (d.tag != DW_TAG_typedef || !d.type_ref) return;
    ref = *d.type_ref;
  }
}

Result<std::vector<StructType>> Walker::Run(const std::vector<std::string>& names) {
  std::vector<StructType> out;
  std::vector<bool> found(names.size(), false);
  struct Pending {
    size_t s, m;
    uint64_t ref;
  };
  std::vector<Pending> pending;
  uint64_t dies = 0;
  bool stop = false;
  for (uint64_t off = 0, n = 0; off < info_.size() && !stop; ++n) {
    if (n >= kMaxDwarfUnits) {
      Warn(fmt::format("more than {} units: the rest are not read", kMaxDwarfUnits));
      break;
    }
    Reader h(info_, endian_, off);
    uint64_t len = h.U32();
    uint8_t offset_size = 4;
    if (len == 0xffffffff) {  // the 64-bit DWARF format (§7.4)
      len = h.U64();
      offset_size = 8;
    } else if (len >= 0xfffffff0) {
      Warn(fmt::format("unit at 0x{:x}: reserved unit_length 0x{:x}", off, len));
      break;
    }
    const uint64_t body = h.offset();
    if (!h.ok() || len > info_.size() - body) {
      if (n == 0) return MakeError(fmt::format(".debug_info: unit at 0x{:x} is truncated", off));
      Warn(fmt::format("unit at 0x{:x} is truncated", off));
      break;
    }
    const uint64_t end = body + len;
    Reader r(info_.Sub(0, end), endian_, body);
    Unit u;
    u.end = end;
    u.offset_size = offset_size;
    u.version = r.U16();
    uint64_t abbrev_off = 0;
    if (u.version >= 5) {  // DWARF 5: unit_type and address_size come before the abbreviation offset
      const uint8_t type = r.U8();
      u.addr_size = r.U8();
      abbrev_off = r.Word(offset_size == 8);
      if (type == DW_UT_skeleton || type == DW_UT_split_compile) r.U64();  // dwo_id
      if (type == DW_UT_type || type == DW_UT_split_type) {
        r.U64();                       // type_signature
        r.Word(offset_size == 8);      // type_offset
      }
    } else {
      abbrev_off = r.Word(offset_size == 8);
      u.addr_size = r.U8();
    }
    u.die_start = r.offset();
    const uint64_t unit_start = off;
    off = end;
    if (!r.ok()) {
      Warn(fmt::format("unit at 0x{:x}: header is truncated", unit_start));
      continue;
    }
    if (u.version < 2 || u.version > 5) {
      Warn(fmt::format("unit at 0x{:x}: version {} is not read (2 to 5 are)", unit_start, u.version));
      continue;
    }
    if (u.addr_size != 4 && u.addr_size != 8) {
      Warn(fmt::format("unit at 0x{:x}: address size {}", unit_start, u.addr_size));
      continue;
    }
    std::string why;
    u.abbrevs = Table(abbrev_off, &why);
    if (!u.abbrevs) {
      Warn(fmt::format("unit at 0x{:x}: {}", unit_start, why));
      continue;
    }
    units_.push_back(u);
    unit_starts_.push_back(unit_start);

    uint64_t depth = 0;
    // The index in out of the struct whose members are being read, or kNone
    // (not std::optional: GCC 12 warns it may be used uninitialized).
    constexpr size_t kNone = SIZE_MAX;
    size_t collecting = kNone;
    uint64_t collecting_depth = 0;
    while (r.ok() && r.offset() < end) {
      if (++dies > kMaxDwarfDies) {
        Warn(fmt::format("more than {} entries: the rest are not read", kMaxDwarfDies));
        stop = true;
        break;
      }
      const uint64_t die_off = r.offset();
      Die d;
      if (!ReadDie(r, u, unit_start, &d, &why)) {
        Warn(fmt::format("unit at 0x{:x}: entry at 0x{:x}: {}", unit_start, die_off, why));
        break;
      }
      if (d.tag == 0) {  // the end of a sibling list (or padding at the top)
        if (depth == 0) continue;
        --depth;
        if (collecting != kNone && depth < collecting_depth) collecting = kNone;
        continue;
      }
      if (collecting != kNone && depth == collecting_depth && d.tag == DW_TAG_member) {
        StructType& s = out[collecting];
        if (s.members.size() >= kMaxDwarfMembers) {
          Warn(fmt::format("{}: more than {} members: the rest are not read", s.name, kMaxDwarfMembers));
          collecting = kNone;
        } else {
          Member m;
          m.name = std::string(d.name);
          m.offset = d.member_location.value_or(0);
          s.members.push_back(std::move(m));
          if (d.type_ref) pending.push_back({collecting, s.members.size() - 1, *d.type_ref});
        }
      }
      if (d.tag == DW_TAG_structure_type && d.byte_size && !d.name.empty()) {
        for (size_t i = 0; i < names.size(); ++i) {
          if (found[i] || names[i] != d.name) continue;
          found[i] = true;
          out.push_back(StructType{names[i], *d.byte_size, {}});
          if (d.children) {
            collecting = out.size() - 1;
            collecting_depth = depth + 1;
          }
          break;
        }
      }
      if (d.children && ++depth > kMaxDwarfDepth) {
        Warn(fmt::format("unit at 0x{:x}: entries nest deeper than {}: the rest of the unit is not read", unit_start,
                         kMaxDwarfDepth));
        break;
      }
    }
  }
  for (const Pending& p : pending) ResolveType(p.ref, &out[p.s].members[p.m]);
  return out;
}

}  // namespace

Result<std::vector<StructType>> ReadStructs(ByteView info, ByteView abbrev, Endian endian,
                                            const std::vector<std::string>& names, Diagnostics* diag) {
  return Walker(info, abbrev, endian, diag).Run(names);
}

}  // namespace exray::dwarf
