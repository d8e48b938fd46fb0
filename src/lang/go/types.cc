// Reads Go type descriptors (internal/abi type.go, reflect's rtype before
// it) and itabs. Layout, on a target with pointer size W:
//   common header, 4W + 16 bytes: size W, ptrdata W, hash u32, tflag u8,
//     align u8, fieldAlign u8, kind u8, equal W, gcdata W, str nameOff i32,
//     ptrToThis typeOff i32;
//   then the kind's own fields (kind_size), then the uncommon type (16 bytes:
//     pkgPath nameOff, mcount u16, xcount u16, moff u32, pad) when tflag has
//     it, then what the kind lays out inline (func parameters), and the
//     methods at uncommon + moff, 16 bytes each.
// nameOff and typeOff are int32 offsets from moduledata.types; textOff from
// moduledata.text. Pointers (elem, fields, names of fields) are addresses,
// so in a PIE whose pointers are filled in by relocations they read as 0
// on disk and the walk finds only what offsets reach.
#include "lang/go/types.h"

#include <algorithm>
#include <unordered_map>

#include <fmt/format.h>

#include "support/byte_view.h"
#include "support/limits.h"

namespace exray::go {
namespace {

constexpr uint8_t kTflagUncommon = 1, kTflagExtraStar = 2, kTflagNamed = 4;
constexpr uint8_t kNameExported = 1, kNameHasTag = 2, kNameHasPkgPath = 4, kNameEmbedded = 8;
constexpr uint64_t kUncommonSize = 16, kMethodSize = 16, kImethodSize = 8;
constexpr uint32_t kNoOffset = 0xffffffffu;  // a typeOff or textOff the linker dropped
constexpr uint8_t kLastKind = 26;

// text and tag point into the binary's bytes (the address space's view).
struct Name {
  std::string_view text, tag;
  uint8_t flags = 0;
  std::optional<int32_t> pkg_path;  // nameOff of the package path
};

class Walker {
 public:
  Walker(const AddressSpace& as, const Moduledata& md, const TypeTables& tt, int minor, Diagnostics& diag)
      : as_(as), md_(md), tt_(tt), minor_(minor), ps_(static_cast<uint64_t>(as.ptr_size())), e_(as.endian()),
        diag_(diag) {
    if (tt.etypes > tt.types) region_ = as.Read(tt.types, tt.etypes - tt.types);
  }

  // The bytes at [addr, addr+len) as the address space has them; from the
  // type region's view when they lie in it (a descriptor is read a dozen
  // times, and each address-space read searches the segments).
  ByteView At(uint64_t addr, uint64_t len) const {
    if (addr >= tt_.types && addr - tt_.types < region_.size() && len <= region_.size() - (addr - tt_.types))
      return region_.Sub(addr - tt_.types, len);
    return as_.Read(addr, len);
  }

  uint64_t common() const { return 4 * ps_ + 16; }
  // Bytes of the kind's own fields after the common header.
  uint64_t KindSize(uint8_t kind) const {
    switch (kind) {
      case kKindArray: return 3 * ps_;      // elem, slice, len
      case kKindChan: return 2 * ps_;       // elem, dir
      case kKindFunc: return ps_;           // inCount u16, outCount u16, padded
      case kKindInterface: return 4 * ps_;  // pkgPath Name, methods slice
      case kKindMap:
        if (minor_ >= 27) return 11 * ps_;  // read from buf (Go 1.27): key, elem, group, hasher, 7 words
        if (minor_ >= 24) return 8 * ps_;   // swiss: key, elem, group, hasher, groupSize, slotSize, elemOff, flags
        if (minor_ >= 14) return RoundUp(4 * ps_ + 8);  // key, elem, bucket, hasher, four sizes and flags
        if (minor_ >= 11) return RoundUp(3 * ps_ + 8);  // key, elem, bucket, sizes and flags
        return RoundUp(4 * ps_ + 8);                    // key, elem, bucket, hmap, sizes and flags (go1.7.3 DWARF)
      case kKindPointer: return ps_;
      case kKindSlice: return ps_;
      case kKindStruct: return 4 * ps_;  // pkgPath Name, fields slice
      default: return 0;
    }
  }
  uint64_t RoundUp(uint64_t n) const { return (n + ps_ - 1) / ps_ * ps_; }

  // Word, Int and FromTypes run for every field of every descriptor: kept
  // inline, they cost a tenth of the walk less.
  [[gnu::always_inline]] uint64_t Word(ByteView v, uint64_t off, bool* ok) const {
    uint64_t x = 0;
    *ok = v.ReadWord(off, ps_, e_, &x) && *ok;
    return x;
  }
  template <typename T>
  [[gnu::always_inline]] T Int(ByteView v, uint64_t off, bool* ok) const {
    T x = 0;
    *ok = v.ReadInt<T>(off, e_, &x) && *ok;
    return x;
  }
  bool InDescriptors(uint64_t addr) const { return addr >= tt_.types && addr < tt_.etypes; }
  // A nameOff or typeOff from types, inside [types, etypes).
  // 0 is none, as the runtime's resolveTypeOff and resolveNameOff have it
  // (Go 1.14 and 1.15 leave an unreachable method's mtyp at 0, not -1).
  [[gnu::always_inline]] std::optional<uint64_t> FromTypes(int64_t off) const {
    if (off <= 0 || static_cast<uint64_t>(off) >= tt_.etypes - tt_.types) return std::nullopt;
    return tt_.types + static_cast<uint64_t>(off);
  }

  // A method's code address from its textOff; 0 when the linker dropped the
  // code: -1 since Go 1.16, 0 before (seen in go1.7.3 to go1.15 binaries,
  // whose dropped methods all read as text's first byte; a method that truly
  // is text's first function reads as dropped there too).
  uint64_t TextAt(uint32_t off) const {
    if (off == kNoOffset || (off == 0 && minor_ < 16)) return 0;
    return md_.text + off;
  }

  // A name (abi.Name): flags, a uvarint length (a 2-byte big-endian one
  // before Go 1.17), the bytes, an optional tag the same way, an optional
  // pkgPath nameOff.
  std::optional<Name> ReadName(uint64_t addr) const {
    if (addr == 0) return std::nullopt;
    ByteView head = At(addr, 1 + kMaxLeb128Bytes);
    Reader r(head, e_);
    Name n;
    n.flags = r.U8();
    uint64_t len = 0;
    auto length = [&](Reader& rd) {
      if (minor_ >= 17) return rd.Uleb128(&len, 32);
      const uint8_t hi = rd.U8(), lo = rd.U8();
      len = uint64_t{hi} << 8 | lo;
      return rd.ok();
    };
    if (!r.ok() || !length(r)) return std::nullopt;
    const uint64_t at = addr + r.offset();
    const uint64_t keep = std::min(len, kMaxGoNameBytes);
    ByteView text = At(at, keep);
    if (text.size() != keep) return std::nullopt;
    n.text = text.AsString();
    uint64_t next = at + len;
    if (n.flags & kNameHasTag) {
      Reader t(At(next, kMaxLeb128Bytes + 2), e_);
      uint64_t tlen = 0;
      len = 0;
      if (length(t)) {
        tlen = len;
        ByteView tag = At(next + t.offset(), std::min(tlen, kMaxGoNameBytes));
        n.tag = tag.AsString();
        next += t.offset() + tlen;
      }
    }
    if (n.flags & kNameHasPkgPath) {
      uint32_t off = 0;
      if (At(next, 4).ReadInt<uint32_t>(0, e_, &off)) n.pkg_path = static_cast<int32_t>(off);
    }
    return n;
  }
  // Only a name's flags byte.
  std::optional<Name> ReadNameFlags(uint64_t addr) const {
    uint8_t flags = 0;
    if (addr == 0 || !At(addr, 1).ReadInt<uint8_t>(0, e_, &flags)) return std::nullopt;
    Name n;
    n.flags = flags;
    return n;
  }
  std::string_view NameAtOff(int32_t off) const {
    if (off == 0) return {};
    auto a = FromTypes(off);
    if (!a) return {};
    auto n = ReadName(*a);
    return n ? n->text : std::string_view();
  }

  // reflect's String() of the descriptor at addr, read from its header
  // alone; empty when it does not read.
  std::string_view TypeStringAt(uint64_t addr) const {
    if (tt_.pointer_links) {
      bool ok = true;
      const uint64_t str = Word(At(addr + 4 * ps_ + 8, ps_), 0, &ok);
      return ok ? StringAt(str).value_or(std::string_view()) : std::string_view();
    }
    ByteView v = At(addr, common());
    bool ok = true;
    const uint8_t tflag = Int<uint8_t>(v, 2 * ps_ + 4, &ok);
    const int32_t str = static_cast<int32_t>(Int<uint32_t>(v, 4 * ps_ + 8, &ok));
    std::string_view name = ok ? NameAtOff(str) : std::string_view();
    if ((tflag & kTflagExtraStar) && !name.empty() && name[0] == '*') name.remove_prefix(1);
    return name;
  }

  // One descriptor at addr, into *out, which must be a fresh GoType (a
  // default-constructed one); *end gets the first byte past everything it
  // lays out inline. With walk_end (the contiguous walk), what it lays out
  // inline must lie between its header and walk_end. nullopt when the bytes
  // are not a plausible descriptor.
  // With detail the members (fields, methods, parameters) are kept in
  // t.members with their names and tags; with refs, the descriptor
  // addresses they refer to go to *refs instead (the walk needs no more;
  // member vectors and their allocations were most of its cost).
  bool ReadOne(uint64_t addr, uint64_t* end, GoType* out, uint64_t walk_end = 0, bool detail = false,
               std::vector<uint64_t>* refs = nullptr) const {
    if (tt_.pointer_links) return ReadOne16(addr, end, out, detail, refs);
    const uint64_t c = common();
    ByteView v = At(addr, c + 11 * ps_ + kUncommonSize);  // the largest kind part, then uncommon
    bool ok = true;
    GoType& t = *out;  // fresh from the caller: zeroing it again cost a tenth of the walk
    t.addr = addr;
    if (detail) t.members = std::make_unique<TypeMembers>();
    t.size = Word(v, 0, &ok);
    const uint64_t ptrdata = Word(v, ps_, &ok);
    const uint8_t tflag = Int<uint8_t>(v, 2 * ps_ + 4, &ok);
    t.align = Int<uint8_t>(v, 2 * ps_ + 5, &ok);
    t.field_align = Int<uint8_t>(v, 2 * ps_ + 6, &ok);
    // Before 1.26 the kind byte also held flags (direct interface, GC program) above the kind.
    t.kind = Int<uint8_t>(v, 2 * ps_ + 7, &ok) & 0x1f;
    const int32_t str = static_cast<int32_t>(Int<uint32_t>(v, 4 * ps_ + 8, &ok));
    const int32_t ptr_to_this = static_cast<int32_t>(Int<uint32_t>(v, 4 * ps_ + 12, &ok));
    auto pow2 = [](uint8_t a) { return a != 0 && a <= kMaxGoAlign && (a & (a - 1)) == 0; };
    if (!ok || t.kind == 0 || t.kind > kLastKind || !pow2(t.align) || !pow2(t.field_align) || ptrdata > t.size)
      return false;
    auto name_addr = FromTypes(str);
    if (!name_addr) return false;
    const bool extra_star = tflag & kTflagExtraStar;
    if (refs && !detail && *name_addr - tt_.types < region_.size()) {
      // The walk: the name is read later, in address order, with the next
      // ones prefetched (ResolveNames); until then name points at its record
      // and its length says whether to drop a leading '*'.
      t.name = std::string_view(reinterpret_cast<const char*>(region_.data()) + (*name_addr - tt_.types),
                                extra_star ? 1 : 0);
    } else {
      auto name = ReadName(*name_addr);
      if (!name) return false;
      t.name = name->text;
      if (extra_star && !t.name.empty() && t.name[0] == '*') t.name.remove_prefix(1);
    }
    t.named = tflag & kTflagNamed;
    if (ptr_to_this != 0 && refs)
      if (auto p = FromTypes(ptr_to_this)) refs->push_back(*p);

    const uint64_t k = c;  // where the kind's fields start
    uint64_t inline_end = addr + c + KindSize(t.kind);
    const uint64_t uncommon = inline_end;
    if (tflag & kTflagUncommon) inline_end += kUncommonSize;
    // A slice the kind lays out inline after the uncommon type: its data
    // pointer must point at or past it and inside the descriptors.
    auto inline_slice = [&](uint64_t data, uint64_t n, uint64_t elem) -> bool {
      if (n == 0) return true;
      if (n > kMaxGoTypeMembers || data == 0) return false;
      if (walk_end) {
        if (data < inline_end || data >= walk_end) return false;
        inline_end = std::max(inline_end, data + n * elem);
      }
      return true;
    };
    switch (t.kind) {
      case kKindArray:
      case kKindChan:
      case kKindPointer:
      case kKindSlice:
      case kKindMap: ReadElemFields(v, k, t, refs, &ok); break;
      case kKindFunc: {
        const uint16_t in = Int<uint16_t>(v, k, &ok), out_raw = Int<uint16_t>(v, k + 2, &ok);
        const uint16_t out = out_raw & 0x7fff;
        if (t.members) t.members->variadic = out_raw & 0x8000;
        const uint64_t params = inline_end;  // right after the uncommon type, or the kind's fields
        ByteView pv = At(params, (uint64_t{in} + out) * ps_);
        for (uint64_t i = 0; ok && i < uint64_t{in} + out; ++i) {
          const uint64_t a = Word(pv, i * ps_, &ok);
          if (refs) refs->push_back(a);
          else if (t.members) (i < in ? t.members->in : t.members->out).push_back(a);
        }
        inline_end = params + (uint64_t{in} + out) * ps_;
        break;
      }
      case kKindInterface: {
        const uint64_t data = Word(v, k + ps_, &ok), n = Word(v, k + 2 * ps_, &ok);
        if (!ok || !inline_slice(data, n, kImethodSize)) return false;
        ByteView mv = At(data, n * kImethodSize);
        uint64_t exported = 0;
        for (uint64_t i = 0; ok && i < n; ++i) {
          TypeMethod m;
          const int32_t mname = static_cast<int32_t>(Int<uint32_t>(mv, i * kImethodSize, &ok));
          const uint32_t mtyp = Int<uint32_t>(mv, i * kImethodSize + 4, &ok);
          if (auto a = FromTypes(mname)) {
            if (detail) {
              if (auto nm = ReadName(*a)) m.exported = nm->flags & kNameExported, m.name = nm->text;
            } else if (auto nm = ReadNameFlags(*a)) {
              m.exported = nm->flags & kNameExported;
            }
          }
          exported += m.exported;
          if (mtyp != kNoOffset)
            if (auto a = FromTypes(static_cast<int32_t>(mtyp))) m.type = *a;
          if (refs) {
            if (m.type) refs->push_back(m.type);
          } else if (t.members) {
            t.members->method_list.push_back(std::move(m));
          }
        }
        // An interface's methods are its own, not an uncommon type's.
        t.methods = static_cast<uint16_t>(std::min<uint64_t>(n, UINT16_MAX));
        t.exported_methods = static_cast<uint16_t>(std::min<uint64_t>(exported, UINT16_MAX));
        break;
      }
      case kKindStruct: {
        const uint64_t data = Word(v, k + ps_, &ok), n = Word(v, k + 2 * ps_, &ok);
        if (!ok || !inline_slice(data, n, 3 * ps_)) return false;
        ByteView fv = At(data, n * 3 * ps_);
        for (uint64_t i = 0; ok && i < n; ++i) {
          TypeField f;
          const uint64_t fname = Word(fv, 3 * ps_ * i, &ok);
          f.type = Word(fv, 3 * ps_ * i + ps_, &ok);
          const uint64_t off = Word(fv, 3 * ps_ * i + 2 * ps_, &ok);
          if (refs) refs->push_back(f.type);
          if (!t.members) continue;
          // Since 1.19 the embedded flag is in the name, so its flags byte is
          // read either way; before 1.9 an embedded field is the unnamed one.
          std::optional<Name> nm;
          if (detail || minor_ < 9) nm = ReadName(fname);
          else if (minor_ >= 19) nm = ReadNameFlags(fname);
          if (nm) f.name = nm->text, f.tag = nm->tag;
          if (minor_ >= 19) {
            f.offset = off, f.embedded = nm && (nm->flags & kNameEmbedded);
          } else if (minor_ >= 9) {
            f.offset = off >> 1, f.embedded = off & 1;  // offsetAnon, Go 1.9-1.18
          } else {
            f.offset = off, f.embedded = !nm || nm->text.empty();
            // reflect names an embedded field after its type, less any '*' and package.
            if (detail && f.embedded) f.name = EmbeddedName(TypeStringAt(f.type));
          }
          t.members->fields.push_back(std::move(f));
        }
        break;
      }
      default: break;
    }
    if (!ok) return false;
    if (tflag & kTflagUncommon) {
      ByteView u = At(uncommon, kUncommonSize);
      const int32_t pkg = static_cast<int32_t>(Int<uint32_t>(u, 0, &ok));
      const uint16_t imethods = t.methods, iexported = t.exported_methods;
      t.methods = Int<uint16_t>(u, 4, &ok);
      // Before 1.11 the word after mcount was unused (go1.10's DWARF): the
      // exported methods are counted from their names below.
      t.exported_methods = minor_ >= 11 ? Int<uint16_t>(u, 6, &ok) : 0;
      const uint32_t moff = Int<uint32_t>(u, 8, &ok);
      if (!ok || t.exported_methods > t.methods) return false;
      if (t.kind == kKindInterface) {  // no methods of its own: keep the interface's counts
        t.methods = imethods, t.exported_methods = iexported;
        t.pkg_path = NameAtOff(pkg);
        *end = std::max(inline_end, uncommon + kUncommonSize);
        return true;
      }
      t.pkg_path = NameAtOff(pkg);
      const uint64_t methods = uncommon + moff;
      if (walk_end && t.methods > 0 && (methods < uncommon + kUncommonSize || methods >= walk_end))
        return false;
      ByteView mv = At(methods, uint64_t{t.methods} * kMethodSize);
      for (uint64_t i = 0; ok && i < t.methods; ++i) {
        TypeMethod m;
        const int32_t mname = static_cast<int32_t>(Int<uint32_t>(mv, i * kMethodSize, &ok));
        const uint32_t mtyp = Int<uint32_t>(mv, i * kMethodSize + 4, &ok);
        const uint32_t ifn = Int<uint32_t>(mv, i * kMethodSize + 8, &ok);
        const uint32_t tfn = Int<uint32_t>(mv, i * kMethodSize + 12, &ok);
        if (detail) {
          if (auto a = FromTypes(mname))
            if (auto nm = ReadName(*a)) m.name = nm->text, m.exported = nm->flags & kNameExported;
        } else if (minor_ < 11) {
          if (auto a = FromTypes(mname))
            if (auto nm = ReadNameFlags(*a)) m.exported = nm->flags & kNameExported;
        }
        if (minor_ < 11 && m.exported) ++t.exported_methods;
        if (mtyp != kNoOffset)
          if (auto a = FromTypes(static_cast<int32_t>(mtyp))) m.type = *a;
        m.ifn = TextAt(ifn), m.tfn = TextAt(tfn);
        if (refs) {
          if (m.type) refs->push_back(m.type);
        } else if (t.members) {
          t.members->method_list.push_back(std::move(m));
        }
      }
      if (!ok) return false;
      inline_end = std::max(inline_end, methods + uint64_t{t.methods} * kMethodSize);
    }
    *end = inline_end;
    return true;
  }

  // The element fields every release lays out alike, as pointers at k:
  // array elem, slice, len; chan elem, dir; ptr and slice elem; map key,
  // elem. Kept in t's members with detail; the references go to refs.
  void ReadElemFields(ByteView v, uint64_t k, GoType& t, std::vector<uint64_t>* refs, bool* ok) const {
    uint64_t elem = 0, key = 0, len = 0, dir = 0;
    switch (t.kind) {
      case kKindArray:
        elem = Word(v, k, ok);
        len = Word(v, k + 2 * ps_, ok);
        break;
      case kKindChan:
        elem = Word(v, k, ok);
        dir = Word(v, k + ps_, ok);
        break;
      case kKindPointer:
      case kKindSlice: elem = Word(v, k, ok); break;
      case kKindMap:
        key = Word(v, k, ok);
        elem = Word(v, k + ps_, ok);
        break;
      default: break;
    }
    if (refs) {
      if (elem) refs->push_back(elem);
      if (key) refs->push_back(key);
    }
    if (TypeMembers* m = t.members.get()) {
      m->elem = elem, m->key = key, m->len = len;
      m->chan_dir = static_cast<uint8_t>(std::min<uint64_t>(dir, UINT8_MAX));
    }
  }

  // Go 1.5 and 1.6 strings: a pointer to a {data, len} header; nullopt when the
  // pointer is 0 or the bytes are not there.
  std::optional<std::string_view> StringAt(uint64_t ptr) const {
    if (ptr == 0) return std::nullopt;
    ByteView h = At(ptr, 2 * ps_);
    bool ok = true;
    const uint64_t data = Word(h, 0, &ok), len = Word(h, ps_, &ok);
    if (!ok) return std::nullopt;
    const uint64_t keep = std::min(len, kMaxGoNameBytes);
    ByteView b = At(data, keep);
    if (b.size() != keep) return std::nullopt;
    return b.AsString();
  }

  // A Go 1.5 or 1.6 descriptor (runtime/type.go as go1.5.4's and go1.6.2's
  // DWARF have it), on pointer size W: size, ptrdata (W each), hash (4),
  // unused, align, fieldAlign, kind (1 each), alg, gcdata, string, uncommon,
  // ptrto (W each: 7W + 8 bytes), in 1.5 a pointer to the zero value (one W
  // more, dropped in 1.6), then the kind's fields, every reference a pointer:
  // array elem, slice, len; chan elem, dir; ptr and slice elem; map key,
  // elem, bucket, hmap; func a variadic flag (padded to W) and the in and
  // out slices of descriptor pointers; interface a slice of methods {name,
  // pkgPath, type}; struct a slice of fields {name, pkgPath, type, tag,
  // offset}. The uncommon type is {name, pkgPath, methods slice}, a method
  // {name, pkgPath, mtyp, typ, ifn, tfn}. Names are string pointers; a
  // method or field with a package path is unexported, a field without a
  // name embedded.
  bool ReadOne16(uint64_t addr, uint64_t* end, GoType* out, bool detail, std::vector<uint64_t>* refs) const {
    const uint64_t h = (minor_ >= 6 ? 7 : 8) * ps_ + 8;
    ByteView v = At(addr, h + 7 * ps_);  // the largest kind part: func's flag word and two slices
    bool ok = true;
    GoType& t = *out;
    t.addr = addr;
    t.size = Word(v, 0, &ok);
    const uint64_t ptrdata = Word(v, ps_, &ok);
    t.align = Int<uint8_t>(v, 2 * ps_ + 5, &ok);
    t.field_align = Int<uint8_t>(v, 2 * ps_ + 6, &ok);
    t.kind = Int<uint8_t>(v, 2 * ps_ + 7, &ok) & 0x1f;
    const uint64_t str = Word(v, 4 * ps_ + 8, &ok), uncommon = Word(v, 5 * ps_ + 8, &ok);
    const uint64_t ptr_to_this = Word(v, 6 * ps_ + 8, &ok);
    auto pow2 = [](uint8_t a) { return a != 0 && a <= kMaxGoAlign && (a & (a - 1)) == 0; };
    if (!ok || t.kind == 0 || t.kind > kLastKind || !pow2(t.align) || !pow2(t.field_align) || ptrdata > t.size)
      return false;
    auto name = StringAt(str);
    if (!name) return false;
    t.name = *name;
    if (detail) t.members = std::make_unique<TypeMembers>();
    if (refs && ptr_to_this) refs->push_back(ptr_to_this);
    // A slice of n records of the given words at ptr, each word read by get.
    auto slice = [&](uint64_t at, uint64_t words, uint64_t* n) -> ByteView {
      const uint64_t ptr = Word(v, at, &ok);
      *n = Word(v, at + ps_, &ok);
      if (!ok || *n > kMaxGoTypeMembers) {
        ok = false;
        return {};
      }
      return At(ptr, *n * words * ps_);
    };
    const uint64_t k = h;
    switch (t.kind) {
      case kKindArray:
      case kKindChan:
      case kKindPointer:
      case kKindSlice:
      case kKindMap: ReadElemFields(v, k, t, refs, &ok); break;
      case kKindFunc: {
        if (t.members) t.members->variadic = Int<uint8_t>(v, k, &ok) != 0;
        for (int list = 0; ok && list < 2; ++list) {
          uint64_t n = 0;
          ByteView pv = slice(k + ps_ + 3 * ps_ * static_cast<uint64_t>(list), 1, &n);
          for (uint64_t i = 0; ok && i < n; ++i) {
            const uint64_t a = Word(pv, i * ps_, &ok);
            if (refs) refs->push_back(a);
            else if (t.members) (list == 0 ? t.members->in : t.members->out).push_back(a);
          }
        }
        break;
      }
      case kKindInterface: {
        uint64_t n = 0;
        ByteView mv = slice(k, 3, &n);
        uint64_t exported = 0;
        for (uint64_t i = 0; ok && i < n; ++i) {
          TypeMethod m;
          const uint64_t mname = Word(mv, 3 * ps_ * i, &ok), mpkg = Word(mv, 3 * ps_ * i + ps_, &ok);
          m.type = Word(mv, 3 * ps_ * i + 2 * ps_, &ok);
          m.exported = mpkg == 0;
          exported += m.exported;
          if (refs) {
            if (m.type) refs->push_back(m.type);
          } else if (t.members) {
            m.name = StringAt(mname).value_or(std::string_view());
            t.members->method_list.push_back(m);
          }
        }
        t.methods = static_cast<uint16_t>(std::min<uint64_t>(n, UINT16_MAX));
        t.exported_methods = static_cast<uint16_t>(std::min<uint64_t>(exported, UINT16_MAX));
        break;
      }
      case kKindStruct: {
        uint64_t n = 0;
        ByteView fv = slice(k, 5, &n);
        for (uint64_t i = 0; ok && i < n; ++i) {
          TypeField f;
          const uint64_t at = 5 * ps_ * i;
          const uint64_t fname = Word(fv, at, &ok), ftag = Word(fv, at + 3 * ps_, &ok);
          f.type = Word(fv, at + 2 * ps_, &ok);
          f.offset = Word(fv, at + 4 * ps_, &ok);
          if (refs) refs->push_back(f.type);
          if (!t.members || !ok) continue;
          f.embedded = fname == 0;
          f.name = StringAt(fname).value_or(std::string_view());
          f.tag = StringAt(ftag).value_or(std::string_view());
          if (f.embedded) f.name = EmbeddedName(TypeStringAt(f.type));
          t.members->fields.push_back(f);
        }
        break;
      }
      default: break;
    }
    if (!ok) return false;
    if (uncommon) {
      ByteView u = At(uncommon, 5 * ps_);
      const uint64_t uname = Word(u, 0, &ok), upkg = Word(u, ps_, &ok);
      const uint64_t mptr = Word(u, 2 * ps_, &ok), n = Word(u, 3 * ps_, &ok);
      if (!ok || n > kMaxGoTypeMembers) return false;
      t.named = uname != 0;
      t.pkg_path = StringAt(upkg).value_or(std::string_view());
      if (t.kind != kKindInterface) {
        ByteView mv = At(mptr, n * 6 * ps_);
        uint64_t exported = 0;
        for (uint64_t i = 0; ok && i < n; ++i) {
          const uint64_t at = 6 * ps_ * i;
          TypeMethod m;
          const uint64_t mname = Word(mv, at, &ok), mpkg = Word(mv, at + ps_, &ok);
          m.type = Word(mv, at + 2 * ps_, &ok);
          m.ifn = Word(mv, at + 4 * ps_, &ok);
          m.tfn = Word(mv, at + 5 * ps_, &ok);
          m.exported = mpkg == 0;
          exported += m.exported;
          if (refs) {
            if (m.type) refs->push_back(m.type);
          } else if (t.members) {
            m.name = StringAt(mname).value_or(std::string_view());
            t.members->method_list.push_back(m);
          }
        }
        if (!ok) return false;
        t.methods = static_cast<uint16_t>(n);
        t.exported_methods = static_cast<uint16_t>(exported);
      }
    }
    *end = addr + h;
    return true;
  }

  // reflect's name for an embedded field: its type's, less any '*' and package.
  static std::string_view EmbeddedName(std::string_view type_string) {
    if (!type_string.empty() && type_string[0] == '*') type_string.remove_prefix(1);
    if (size_t dot = type_string.rfind('.'); dot != std::string_view::npos) type_string.remove_prefix(dot + 1);
    return type_string;
  }

  // Reads the names the walk left pending (see ReadOne), in the order of
  // types, asking for the records a few entries ahead: names lie scattered
  // over megabytes apart from the descriptors, and each read alone waited
  // on memory. A descriptor whose name does not read is dropped. Go 1.5
  // and 1.6 names were read at once and are left as they are.
  void ResolveNames(std::vector<GoType>* types) const {
    if (tt_.pointer_links || region_.empty()) return;
    const char* base = reinterpret_cast<const char*>(region_.data());
    // Only names the walk left pending point into the region here: a name
    // read at once lies past it (ReadOne defers every one inside). Compared
    // as integers: the pointers may belong to different objects.
    auto pending = [&](const GoType& t) {
      const auto p = reinterpret_cast<uintptr_t>(t.name.data()), b = reinterpret_cast<uintptr_t>(base);
      return p >= b && p - b < region_.size();
    };
    constexpr size_t kAhead = 8;
    uint64_t bad = 0;
    for (size_t i = 0; i < types->size(); ++i) {
      if (i + kAhead < types->size()) __builtin_prefetch((*types)[i + kAhead].name.data());
      GoType& t = (*types)[i];
      if (!pending(t)) continue;
      const bool extra_star = t.name.size() == 1;
      auto name = ReadName(tt_.types + static_cast<uint64_t>(t.name.data() - base));
      if (!name) {
        t.kind = 0;  // dropped below
        ++bad;
        continue;
      }
      t.name = name->text;
      if (extra_star && !t.name.empty() && t.name[0] == '*') t.name.remove_prefix(1);
    }
    if (!bad) return;
    std::erase_if(*types, [](const GoType& t) { return t.kind == 0; });
    diag_.Warn(fmt::format("{} type descriptors' names did not read: they are left out", bad));
  }

  // An upper bound on the descriptors in [types, etypes): each is at least a
  // header long.
  uint64_t MaxDescriptors() const {
    return std::min<uint64_t>(kMaxGoTypes, (tt_.etypes - tt_.types) / common() + 1);
  }

  // Marks a descriptor address seen; false when it was already, or cannot
  // be one (outside the region, or not 4-byte aligned as every descriptor is).
  bool Mark(uint64_t addr) {
    if (!InDescriptors(addr) || addr % 4 != 0) return false;
    const uint64_t bit = (addr - tt_.types) / 4;
    if (seen_.empty()) seen_.resize((tt_.etypes - tt_.types) / 4 + 1);
    if (seen_[bit]) return false;
    seen_[bit] = true;
    return true;
  }

  // From the roots (and the descriptors already in set), every descriptor
  // reachable through references.
  void Reach(const std::vector<uint64_t>& roots, TypeSet* set) {
    std::vector<uint64_t> queue;
    for (const GoType& t : set->types) Mark(t.addr);
    for (uint64_t r : walked_refs_)
      if (Mark(r)) queue.push_back(r);
    for (uint64_t r : roots)
      if (Mark(r)) queue.push_back(r);
    uint64_t bad = 0;
    std::vector<uint64_t> refs;
    // Room for every descriptor the region could hold: a large reservation
    // costs only the pages used, while growing by doubling touches every
    // page twice (and in a VM a fresh page costs microseconds).
    set->types.reserve(MaxDescriptors());
    for (size_t q = 0; q < queue.size(); ++q) {
      if (set->types.size() >= kMaxGoTypes) {
        diag_.Warn(fmt::format("more than {} type descriptors: the rest are not read", kMaxGoTypes));
        break;
      }
      uint64_t end = 0;
      refs.clear();
      // Read in place: a moved descriptor costs as much as a read one.
      GoType& t = set->types.emplace_back();
      if (!ReadOne(queue[q], &end, &t, 0, false, &refs)) {
        set->types.pop_back();
        ++bad;
        continue;
      }
      for (uint64_t r : refs)
        if (Mark(r)) queue.push_back(r);
    }
    if (bad) diag_.Warn(fmt::format("{} referenced type descriptors did not read as descriptors", bad));
  }

  // 1.27+: the first typedesclen bytes hold the descriptors reflect may
  // look up (what typelinks listed before), laid end to end from a start
  // offset. True when the walk ends exactly at typedesclen.
  bool WalkContiguous(uint64_t start, std::vector<GoType>* out, uint64_t* stopped) {
    out->clear();
    out->reserve(MaxDescriptors());  // as Reach will want it, so it never grows
    walked_refs_.clear();
    const uint64_t stop = tt_.types + tt_.typedesclen;
    uint64_t p = tt_.types + start;
    while (p < stop) {
      if (out->size() >= kMaxGoTypes) break;
      uint64_t end = 0;
      const size_t before = walked_refs_.size();
      GoType& t = out->emplace_back();
      if (!ReadOne(p, &end, &t, stop, false, &walked_refs_) || end <= p) {
        out->pop_back();
        walked_refs_.resize(before);
        break;
      }
      p = RoundUp(end);
    }
    *stopped = p - tt_.types;
    return p == stop;
  }

  std::vector<Itab> ReadItabLinks() const {
    std::vector<Itab> out;
    ByteView links = At(tt_.itablinks, tt_.nitablinks * ps_);
    bool ok = true;
    for (uint64_t i = 0; ok && i < tt_.nitablinks; ++i) {
      Itab it;
      it.addr = Word(links, i * ps_, &ok);
      ByteView v = At(it.addr, 2 * ps_);
      bool iok = true;
      it.inter = Word(v, 0, &iok);
      it.type = Word(v, ps_, &iok);
      if (ok && iok) out.push_back(it);
    }
    if (out.size() < tt_.nitablinks)
      diag_.Warn(fmt::format("{} of {} itabs could not be read", tt_.nitablinks - out.size(), tt_.nitablinks));
    return out;
  }

  // 1.27+: itabs laid end to end: inter, type, hash u32 and pad, then one
  // code pointer per method of the interface (at least one).
  std::vector<Itab> WalkItabs() const {
    std::vector<Itab> out;
    const uint64_t begin = tt_.types + tt_.itaboffset, stop = begin + tt_.itabsize;
    uint64_t p = begin;
    std::vector<uint64_t> scratch;
    // Method counts of the interfaces read so far: many itabs share one.
    std::unordered_map<uint64_t, uint16_t> methods_of;
    while (p < stop && out.size() < kMaxGoItabs) {
      ByteView v = At(p, 2 * ps_);
      bool ok = true;
      Itab it{p, Word(v, 0, &ok), Word(v, ps_, &ok)};
      if (!ok || !InDescriptors(it.inter) || !InDescriptors(it.type)) break;
      auto known = methods_of.find(it.inter);
      if (known == methods_of.end()) {
        scratch.clear();
        uint64_t end = 0;
        GoType inter;
        if (!ReadOne(it.inter, &end, &inter, 0, false, &scratch) || inter.kind != kKindInterface) break;
        known = methods_of.emplace(it.inter, inter.methods).first;
      }
      out.push_back(it);
      p += 2 * ps_ + 8 + std::max<uint64_t>(1, known->second) * ps_;
    }
    if (p != stop)
      diag_.Warn(fmt::format("the itab walk stopped at {:#x}, {} bytes short of the region's end {:#x}", p,
                             stop > p ? stop - p : 0, stop));
    return out;
  }

 private:
  const AddressSpace& as_;
  const Moduledata& md_;
  const TypeTables& tt_;
  int minor_;
  uint64_t ps_;
  Endian e_;
  Diagnostics& diag_;
  ByteView region_;  // [types, etypes), or its file-backed start
  std::vector<bool> seen_;  // per 4 bytes of [types, etypes): a descriptor there is queued or read
  std::vector<uint64_t> walked_refs_;  // what the contiguous walk's descriptors refer to
};

}  // namespace

std::optional<GoType> ReadTypeDetail(const AddressSpace& as, const Moduledata& md, int minor, uint64_t addr) {
  if (minor < kFirstTypesMinor) return std::nullopt;
  if (!md.type_tables) return std::nullopt;
  Diagnostics diag;
  Walker w(as, md, *md.type_tables, minor, diag);
  GoType t;
  uint64_t end = 0;
  if (!w.ReadOne(addr, &end, &t, 0, /*detail=*/true)) return std::nullopt;
  return t;
}

std::optional<uint64_t> ItabCount(const AddressSpace& as, const Moduledata& md, int minor) {
  if (!md.type_tables) return std::nullopt;
  if (!md.type_tables->contiguous()) return md.type_tables->nitablinks;
  Diagnostics diag;
  Walker w(as, md, *md.type_tables, minor, diag);
  return w.WalkItabs().size();
}

std::string_view KindName(uint8_t kind) {
  static constexpr std::string_view kNames[] = {
      "invalid", "bool",    "int",       "int8",      "int16",     "int32", "int64",  "uint",   "uint8",
      "uint16",  "uint32",  "uint64",    "uintptr",   "float32",   "float64", "complex64", "complex128",
      "array",   "chan",    "func",      "interface", "map",       "ptr",   "slice",  "string", "struct",
      "unsafe.Pointer"};
  return kind <= kLastKind ? kNames[kind] : kNames[0];
}

std::string_view TypeSourceName(TypeSource s) {
  switch (s) {
    case TypeSource::kLinks: return "typelinks, itabs and the descriptors they reach";
    case TypeSource::kContiguous: return "the type region's reflect part walked end to end, itabs and what they reach";
  }
  return "";
}

const GoType* TypeSet::Find(uint64_t addr) const {
  auto it = std::lower_bound(types.begin(), types.end(), addr, [](const GoType& t, uint64_t a) { return t.addr < a; });
  return it != types.end() && it->addr == addr ? &*it : nullptr;
}

std::string_view TypeSet::NameOf(uint64_t addr) const {
  const GoType* t = Find(addr);
  return t ? std::string_view(t->name) : std::string_view("?");
}

Result<TypeSet> ReadTypes(const AddressSpace& as, const Moduledata& md, int minor, Diagnostics& diag) {
  if (!md.type_tables) return Error{"moduledata has no type tables (a layout before Go 1.5, or unrelocated)"};
  if (minor < kFirstTypesMinor)
    return Error{fmt::format("type descriptors of Go 1.{} are not read: exray reads them from Go 1.{} on, the "
                             "first release with moduledata",
                             minor, kFirstTypesMinor)};
  const TypeTables& tt = *md.type_tables;
  const uint64_t ps = static_cast<uint64_t>(as.ptr_size());
  Walker w(as, md, tt, minor, diag);
  TypeSet set;
  std::vector<uint64_t> roots;
  if (tt.contiguous()) {
    set.source = TypeSource::kContiguous;
    // The region opens with a zero word so that typeOff 0 means none; the
    // first descriptor follows at pointer (or 8- or 16-byte) alignment.
    uint64_t best_stop = 0;
    set.complete = false;
    for (uint64_t start : {ps, uint64_t{8}, uint64_t{16}}) {
      std::vector<GoType> got;
      uint64_t stopped = 0;
      const bool whole = w.WalkContiguous(start, &got, &stopped);
      if (whole || got.size() > set.types.size()) set.types = std::move(got), best_stop = stopped;
      if (whole) {
        set.complete = true;
        break;
      }
    }
    if (!set.complete)
      diag.Warn(fmt::format("the walk of the first {:#x} bytes of types stopped at {:#x}: the descriptors after it "
                            "are found only through references",
                            tt.typedesclen, best_stop));
    set.itabs = w.WalkItabs();
  } else {
    set.source = TypeSource::kLinks;
    // Offsets from types since Go 1.7; descriptor addresses in 1.5 and 1.6.
    const uint64_t entry = tt.pointer_links ? ps : 4;
    ByteView links = as.Read(tt.typelinks, tt.ntypelinks * entry);
    for (uint64_t i = 0; i < tt.ntypelinks; ++i) {
      uint64_t word = 0;
      uint32_t off = 0;
      if (tt.pointer_links ? !links.ReadWord(i * entry, ps, as.endian(), &word)
                           : !links.ReadInt<uint32_t>(i * entry, as.endian(), &off)) {
        diag.Warn(fmt::format("typelinks cut short: {} of {} entries readable", i, tt.ntypelinks));
        break;
      }
      roots.push_back(tt.pointer_links ? word : tt.types + off);
    }
    if (!tt.pointer_links) set.itabs = w.ReadItabLinks();  // Go 1.5 and 1.6 kept no list of its itabs
  }
  for (const Itab& it : set.itabs) roots.push_back(it.inter), roots.push_back(it.type);
  set.roots = roots.size() + set.types.size();
  w.Reach(roots, &set);
  // Sorted by address through an index, then moved into place along the
  // permutation's cycles: a descriptor is a large record, and moving each
  // one log n times (or into a second array) cost more than reading them.
  std::vector<std::pair<uint64_t, uint32_t>> order(set.types.size());
  for (size_t i = 0; i < set.types.size(); ++i) order[i] = {set.types[i].addr, static_cast<uint32_t>(i)};
  // The contiguous walk reads in address order: only what it reached
  // beyond needs sorting before the two runs are merged.
  auto sorted_end = std::is_sorted_until(order.begin(), order.end());
  std::sort(sorted_end, order.end());
  std::inplace_merge(order.begin(), sorted_end, order.end());
  std::vector<bool> placed(order.size());
  for (size_t start = 0; start < order.size(); ++start) {
    if (placed[start]) continue;
    // Position k takes the record now at order[k].second.
    GoType held = std::move(set.types[start]);
    size_t k = start;
    while (order[k].second != start) {
      set.types[k] = std::move(set.types[order[k].second]);
      placed[k] = true;
      k = order[k].second;
    }
    set.types[k] = std::move(held);
    placed[k] = true;
  }
  w.ResolveNames(&set.types);
  if (set.types.empty()) return Error{"no type descriptor could be read from the type tables"};
  return set;
}

}  // namespace exray::go
